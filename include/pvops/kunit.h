/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One way for our test modules to register KUnit suites, whether or not the
 * kernel was built with KUnit.
 *
 * On a kernel with CONFIG_KUNIT, pvops_kunit_test_suites() is plain
 * kunit_test_suites(). The Debian cloud kernel has no KUnit: there the tests
 * run against the kunit.ko that tests/kunit/build-kunit.sh builds out of tree,
 * whose module notifier cannot see our suites (struct module has no
 * kunit_suites there), so the test module runs them from its own init and
 * tears them down from its own exit.
 */
#ifndef _PVOPS_KUNIT_H
#define _PVOPS_KUNIT_H

#include <kunit/test.h>
#include <linux/module.h>

#if IS_ENABLED(CONFIG_KUNIT)
#define pvops_kunit_test_suites(...) kunit_test_suites(__VA_ARGS__)
#else
struct pvops_kunit_set {
	struct kunit_suite **suites;
	int nr;
};

/* Defined, with its suites, by pvops_kunit_test_suites(). */
static struct pvops_kunit_set pvops_kunit_set;

static int __init __maybe_unused pvops_kunit_init(void)
{
	return __kunit_test_suites_init(pvops_kunit_set.suites,
					pvops_kunit_set.nr);
}

static void __exit __maybe_unused pvops_kunit_exit(void)
{
	__kunit_test_suites_exit(pvops_kunit_set.suites, pvops_kunit_set.nr);
}

#define pvops_kunit_test_suites(...)					\
	static struct pvops_kunit_set pvops_kunit_set = {		\
		.suites = (struct kunit_suite *[]) { __VA_ARGS__ },	\
		.nr = sizeof((struct kunit_suite *[]) { __VA_ARGS__ }) /	\
		      sizeof(struct kunit_suite *),			\
	};								\
	module_init(pvops_kunit_init);					\
	module_exit(pvops_kunit_exit)
#endif

#endif /* _PVOPS_KUNIT_H */
