// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the pvops core: op table, feature names and formatting, the
 * choice of the host ABI, and the op engine's registration and switching
 * rules.
 */
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/ftrace.h>
#include <linux/kallsyms.h>
#include <linux/log2.h>
#include <linux/kvm_para.h>
#include <linux/string.h>
#include <asm/paravirt.h>

#include <pvops/kunit.h>
#include <pvops/pvops.h>

/* The code under test, built into this module too (no host needed). */
#include "hostabi.c"

static void pvops_test_op_names(struct kunit *test)
{
	int a, b;

	for (a = 0; a < PVOPS_NR_OPS; a++) {
		KUNIT_ASSERT_NOT_NULL(test, pvops_op_name(a));
		for (b = 0; b < a; b++)
			KUNIT_EXPECT_STRNEQ(test, pvops_op_name(a), pvops_op_name(b));
	}
	KUNIT_EXPECT_NULL(test, pvops_op_name(PVOPS_NR_OPS));
	KUNIT_EXPECT_NULL(test, pvops_op_name(-1));
	KUNIT_EXPECT_NULL(test, pvops_op_original(PVOPS_NR_OPS));
	KUNIT_EXPECT_NULL(test, pvops_op_original_impl(PVOPS_NR_OPS));
}

/*
 * The engine reports the function the kernel chose at boot: the KVM PV flush
 * exactly when the kernel's own conditions for it hold (kvm.c,
 * pv_tlb_flush_supported()), computed here from the features pvops reads.
 */
static void pvops_test_op_current(struct kunit *test)
{
	char sym[KSYM_SYMBOL_LEN];
	void *fn = pvops_op_original(PVOPS_OP_FLUSH_TLB_MULTI);
	u32 f = pvops_kvm_features();
	bool pv = (f & BIT(KVM_FEATURE_PV_TLB_FLUSH)) &&
		  (f & BIT(KVM_FEATURE_STEAL_TIME)) &&
		  !kvm_para_has_hint(KVM_HINTS_REALTIME) &&
		  !boot_cpu_has(X86_FEATURE_MWAIT) && num_possible_cpus() != 1;

	KUNIT_ASSERT_NOT_NULL(test, fn);
	sprint_symbol_no_offset(sym, (unsigned long)fn);
	KUNIT_EXPECT_STREQ(test, sym, pv ? "kvm_flush_tlb_multi" : "native_flush_tlb_multi");
	KUNIT_EXPECT_STREQ(test, pvops_op_original_impl(PVOPS_OP_FLUSH_TLB_MULTI),
			   pv ? PVOPS_IMPL_KVM : PVOPS_IMPL_NATIVE);
#ifdef CONFIG_PARAVIRT_SPINLOCKS
	KUNIT_EXPECT_PTR_EQ(test, pvops_op_original(PVOPS_OP_LOCK_WAIT),
			    (void *)pv_ops.lock.wait);
	KUNIT_EXPECT_PTR_EQ(test, pvops_op_original(PVOPS_OP_LOCK_KICK),
			    (void *)pv_ops.lock.kick);
#endif
}

static void pvops_test_feature_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, pvops_kvm_feature_name(KVM_FEATURE_PV_TLB_FLUSH),
			   "pv_tlb_flush");
	KUNIT_EXPECT_STREQ(test, pvops_kvm_feature_name(KVM_FEATURE_PV_UNHALT),
			   "pv_unhalt");
	KUNIT_EXPECT_STREQ(test, pvops_kvm_feature_name(KVM_FEATURE_CLOCKSOURCE_STABLE_BIT),
			   "clocksource_stable");
	KUNIT_EXPECT_STREQ(test, pvops_kvm_feature_name(KVM_FEATURE_PV_FLUSH_TLB_HC),
			   "pv_flush_tlb_hc");
	KUNIT_EXPECT_STREQ(test, pvops_kvm_feature_name(KVM_FEATURE_PV_LOCK_WAIT),
			   "pv_lock_wait");
	KUNIT_EXPECT_STREQ(test, pvops_kvm_feature_name(KVM_FEATURE_PV_CLOCK_PAGE),
			   "pv_clock_page");
	KUNIT_EXPECT_STREQ(test, pvops_kvm_feature_name(KVM_FEATURE_PV_FLUSH_TLB_RANGE),
			   "pv_flush_tlb_range");
	/* Bit 8 was never assigned; 22 is not yet; 64 is out of range. */
	KUNIT_EXPECT_NULL(test, pvops_kvm_feature_name(8));
	KUNIT_EXPECT_NULL(test, pvops_kvm_feature_name(22));
	KUNIT_EXPECT_NULL(test, pvops_kvm_feature_name(64));
}

static void pvops_test_format_list(struct kunit *test)
{
	char buf[128];
	u32 f = BIT(KVM_FEATURE_PV_TLB_FLUSH) | BIT(KVM_FEATURE_PV_UNHALT) | BIT(22);
	int len;

	len = pvops_format_features(buf, sizeof(buf), f);
	KUNIT_EXPECT_STREQ(test, buf, "pv_unhalt pv_tlb_flush bit22");
	KUNIT_EXPECT_EQ(test, len, (int)strlen(buf));

	len = pvops_format_features(buf, sizeof(buf), 0);
	KUNIT_EXPECT_STREQ(test, buf, "");
	KUNIT_EXPECT_EQ(test, len, 0);
}

/* A short buffer is filled, terminated, and never overrun. */
static void pvops_test_format_truncates(struct kunit *test)
{
	char buf[16];
	int len;

	memset(buf, 'x', sizeof(buf));
	len = pvops_format_features(buf, 8, U32_MAX);
	KUNIT_EXPECT_EQ(test, len, 7);
	KUNIT_EXPECT_EQ(test, buf[7], '\0');
	KUNIT_EXPECT_EQ(test, buf[8], 'x');
	KUNIT_EXPECT_EQ(test, strncmp(buf, "clockso", 7), 0);

	memset(buf, 'x', sizeof(buf));
	KUNIT_EXPECT_EQ(test, pvops_format_features(buf, 0, U32_MAX), 0);
	KUNIT_EXPECT_EQ(test, buf[0], 'x');
}

/*
 * Choosing the host's capabilities: pvops_host_abi_select() on the CPUID
 * bits of each kind of host.
 */
#define KT_KVM_FLUSH	BIT(KVM_FEATURE_PV_FLUSH_TLB_HC)
#define KT_KVM_WAIT	BIT(KVM_FEATURE_PV_LOCK_WAIT)
#define KT_KVM_CLOCK	BIT(KVM_FEATURE_PV_CLOCK_PAGE)
#define KT_KVM_RANGE	BIT(KVM_FEATURE_PV_FLUSH_TLB_RANGE)
#define KT_UNHALT	BIT(KVM_FEATURE_PV_UNHALT)
/* What a stock KVM offers: the usual bits, no KVM ABI bit. */
#define KT_BASE		(BIT(KVM_FEATURE_CLOCKSOURCE2) | BIT(KVM_FEATURE_STEAL_TIME) | \
			 BIT(KVM_FEATURE_PV_TLB_FLUSH) | BIT(KVM_FEATURE_PV_SEND_IPI))
#define KT_LOCK_CAPS	(PVOPS_CAP_LOCK_WAIT | PVOPS_CAP_LOCK_KICK)

/* What each kind of host must give, field by field. */
#define KT_KVM_FLUSH_ONLY	{ .abi = PVOPS_ABI_KVM, .caps = PVOPS_CAP_FLUSH_TLB, \
				  .hc_flush_tlb = 13 }
#define KT_KVM_LOCK_ONLY	{ .abi = PVOPS_ABI_KVM, .caps = KT_LOCK_CAPS, \
				  .hc_lock_wait = 14, .hc_lock_kick = 5 }
#define KT_KVM_ALL		{ .abi = PVOPS_ABI_KVM, \
				  .caps = PVOPS_CAP_FLUSH_TLB | KT_LOCK_CAPS, \
				  .hc_flush_tlb = 13, .hc_lock_wait = 14, \
				  .hc_lock_kick = 5 }
#define KT_KVM_ALL_CLOCK	{ .abi = PVOPS_ABI_KVM, \
				  .caps = PVOPS_CAP_FLUSH_TLB | KT_LOCK_CAPS | \
					  PVOPS_CAP_CLOCK, \
				  .hc_flush_tlb = 13, .hc_lock_wait = 14, \
				  .hc_lock_kick = 5, .msr_clock_page = 0x4b564d09 }
#define KT_KVM_ALL_RANGE	{ .abi = PVOPS_ABI_KVM, \
				  .caps = PVOPS_CAP_FLUSH_TLB | KT_LOCK_CAPS | \
					  PVOPS_CAP_CLOCK | PVOPS_CAP_FLUSH_TLB_RANGE, \
				  .hc_flush_tlb = 13, .hc_lock_wait = 14, \
				  .hc_lock_kick = 5, .msr_clock_page = 0x4b564d09 }
#define KT_KVM_CLOCK_ONLY	{ .abi = PVOPS_ABI_KVM, .caps = PVOPS_CAP_CLOCK, \
				  .msr_clock_page = 0x4b564d09 }
#define KT_NONE			{ .abi = PVOPS_ABI_NONE }

struct kt_abi_case {
	const char *what;
	u32 features;
	int ret;
	struct pvops_host_abi want;
};

static void kt_expect_abis(struct kunit *test, const struct kt_abi_case *c,
			   unsigned int n)
{
	struct pvops_host_abi abi;

	for (; n; n--, c++) {
		/* Garbage: the function must set every field. */
		memset(&abi, 0xa5, sizeof(abi));
		KUNIT_EXPECT_EQ_MSG(test, pvops_host_abi_select(c->features, &abi),
				    c->ret, "%s", c->what);
		KUNIT_EXPECT_EQ_MSG(test, abi.abi, c->want.abi, "%s", c->what);
		KUNIT_EXPECT_EQ_MSG(test, abi.caps, c->want.caps, "%s", c->what);
		KUNIT_EXPECT_EQ_MSG(test, abi.hc_flush_tlb, c->want.hc_flush_tlb, "%s", c->what);
		KUNIT_EXPECT_EQ_MSG(test, abi.hc_lock_wait, c->want.hc_lock_wait, "%s", c->what);
		KUNIT_EXPECT_EQ_MSG(test, abi.hc_lock_kick, c->want.hc_lock_kick, "%s", c->what);
		KUNIT_EXPECT_EQ_MSG(test, abi.msr_clock_page, c->want.msr_clock_page,
				    "%s", c->what);
	}
}

/* The 6.12 host series: every bit. */
static void pvops_test_abi_kvm(struct kunit *test)
{
	static const struct kt_abi_case cases[] = {
		{ "6.12 series", KT_BASE | KT_UNHALT | KT_KVM_FLUSH | KT_KVM_WAIT |
		  KT_KVM_CLOCK | KT_KVM_RANGE, 0, KT_KVM_ALL_RANGE },
		/* A host of the series before ranges (hostside 0014). */
		{ "6.12 series, no range", KT_BASE | KT_UNHALT | KT_KVM_FLUSH |
		  KT_KVM_WAIT | KT_KVM_CLOCK, 0, KT_KVM_ALL_CLOCK },
		/* Its VMM may leave the clock page's opt-in bit out. */
		{ "6.12 series, no clock page", KT_BASE | KT_UNHALT | KT_KVM_FLUSH |
		  KT_KVM_WAIT, 0, KT_KVM_ALL },
	};

	KUNIT_EXPECT_EQ(test, KVM_HC_KICK_CPU, 5);
	kt_expect_abis(test, cases, ARRAY_SIZE(cases));
}

/* No KVM ABI bit (a stock host, or none at all): no ABI, no capability. */
static void pvops_test_abi_none(struct kunit *test)
{
	static const struct kt_abi_case cases[] = {
		{ "stock host", KT_BASE | KT_UNHALT, -ENODEV, KT_NONE },
		{ "no bits at all", 0, -ENODEV, KT_NONE },
		/* Bits next to the KVM ABI's are none of its. */
		{ "bits 17 and 22", KT_BASE | KT_UNHALT |
		  BIT(KVM_FEATURE_MIGRATION_CONTROL) | BIT(22), -ENODEV, KT_NONE },
		/* Ranges in a flush the host does not offer are nothing. */
		{ "range bit alone", KT_BASE | KT_UNHALT | KT_KVM_RANGE, -ENODEV,
		  KT_NONE },
	};

	kt_expect_abis(test, cases, ARRAY_SIZE(cases));
}

/*
 * Each bit on its own; the lock wait without PV_UNHALT, which gates its
 * kick, KVM_HC_KICK_CPU: no lock capability, and still the KVM ABI.
 */
static void pvops_test_abi_partial(struct kunit *test)
{
	static const struct kt_abi_case cases[] = {
		{ "flush only", KT_BASE | KT_UNHALT | KT_KVM_FLUSH, 0,
		  KT_KVM_FLUSH_ONLY },
		{ "flush, lock wait without PV_UNHALT",
		  KT_BASE | KT_KVM_FLUSH | KT_KVM_WAIT, 0, KT_KVM_FLUSH_ONLY },
		{ "lock wait without PV_UNHALT", KT_BASE | KT_KVM_WAIT, 0,
		  { .abi = PVOPS_ABI_KVM } },
		{ "lock wait only", KT_BASE | KT_UNHALT | KT_KVM_WAIT, 0,
		  KT_KVM_LOCK_ONLY },
		{ "clock page only", KT_BASE | KT_UNHALT | KT_KVM_CLOCK, 0,
		  KT_KVM_CLOCK_ONLY },
		{ "range without the flush", KT_BASE | KT_UNHALT | KT_KVM_CLOCK |
		  KT_KVM_RANGE, 0, KT_KVM_CLOCK_ONLY },
	};

	kt_expect_abis(test, cases, ARRAY_SIZE(cases));
}

/*
 * What pvops chose at load agrees with what it reports, and with CPUID
 * read now (pvops_kvm_features() is what it read at load).
 */
static void pvops_test_abi_loaded(struct kunit *test)
{
	const struct pvops_host_abi *abi = pvops_host_abi();
	u32 base = hypervisor_cpuid_base(KVM_SIGNATURE, 0);
	struct pvops_host_abi now;
	u32 features;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, abi);
	KUNIT_ASSERT_NE(test, base, 0U);
	features = cpuid_eax(base | KVM_CPUID_FEATURES);
	KUNIT_EXPECT_EQ(test, pvops_kvm_features(), features);
	KUNIT_EXPECT_EQ(test, abi->caps, pvops_host_features());
	ret = pvops_host_abi_select(features, &now);
	KUNIT_EXPECT_EQ(test, abi->abi, now.abi);
	KUNIT_EXPECT_EQ(test, abi->abi == PVOPS_ABI_KVM, ret == 0);
	KUNIT_EXPECT_EQ(test, abi->caps, now.caps);
	KUNIT_EXPECT_EQ(test, !!(abi->caps & PVOPS_CAP_CLOCK),
			!!abi->msr_clock_page);
}

/* The names sysfs host_features shows, one per capability. */
static void pvops_test_cap_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, pvops_host_feature_name(ilog2(PVOPS_CAP_FLUSH_TLB)),
			   "flush_tlb");
	KUNIT_EXPECT_STREQ(test, pvops_host_feature_name(ilog2(PVOPS_CAP_LOCK_WAIT)),
			   "lock_wait");
	KUNIT_EXPECT_STREQ(test, pvops_host_feature_name(ilog2(PVOPS_CAP_LOCK_KICK)),
			   "lock_kick");
	KUNIT_EXPECT_STREQ(test, pvops_host_feature_name(ilog2(PVOPS_CAP_CLOCK)),
			   "clock");
	KUNIT_EXPECT_STREQ(test, pvops_host_feature_name(ilog2(PVOPS_CAP_FLUSH_TLB_RANGE)),
			   "flush_tlb_range");
	KUNIT_EXPECT_NULL(test, pvops_host_feature_name(ilog2(PVOPS_CAP_FLUSH_TLB_RANGE) + 1));
	KUNIT_EXPECT_NULL(test, pvops_host_feature_name(32));
}

/*
 * Engine tests. The backends really run: they count and call the original.
 *
 * What a test registers with the engine or ftrace is a KUnit resource
 * (kt_register(), kt_ftrace_register()): a failed KUNIT_ASSERT ends the
 * test's kthread at once, and KUnit then runs the suite's exit
 * (pvops_engine_test_exit(): every op back to its original) and releases
 * the test's resources, in the thread that runs the suite; so no backend
 * of this module, and no IPMODIFY ftrace_ops, stays registered after it.
 * The backends are static all the same.
 */
static atomic_t kt_flushes, kt_waits, kt_kicks;

static void kt_flush(const struct cpumask *cpus, const struct flush_tlb_info *info)
{
	atomic_inc(&kt_flushes);
	pvops_original_flush_tlb_multi(cpus, info);
}

static void kt_wait(u8 *ptr, u8 val)
{
	atomic_inc(&kt_waits);
	pvops_original_lock_wait(ptr, val);
}

static void kt_kick(int cpu)
{
	atomic_inc(&kt_kicks);
	pvops_original_lock_kick(cpu);
}

static int kt_res_init(struct kunit_resource *res, void *context)
{
	res->data = context;
	return 0;
}

static bool kt_res_is(struct kunit *test, struct kunit_resource *res,
		      void *data)
{
	return res->data == data;
}

static void kt_backend_release(struct kunit_resource *res)
{
	pvops_unregister_backend(res->data);
}

/* pvops_register_backend(), undone when the test ends if not before. */
static int kt_register(struct kunit *test, struct pvops_backend *b)
{
	int ret = pvops_register_backend(b);

	if (ret || kunit_alloc_resource(test, kt_res_init, kt_backend_release,
					GFP_KERNEL, b))
		return ret;
	pvops_unregister_backend(b);
	return -ENOMEM;
}

/* Unregister @b now, if kt_register() registered it. */
static void kt_unregister(struct kunit *test, struct pvops_backend *b)
{
	KUNIT_EXPECT_EQ(test, kunit_destroy_resource(test, kt_res_is, b), 0);
}

static int kt_ftrace_unregistered;

/*
 * The ops are static: empty their filter rather than free it
 * (ftrace_free_filter() leaves the ops pointing at the freed hash, which a
 * second run of the suite would use). Never while ftrace may still use it.
 */
static void kt_ftrace_reset(struct ftrace_ops *ops)
{
	ftrace_set_filter(ops, NULL, 0, 1);
}

static void kt_ftrace_release(struct kunit_resource *res)
{
	struct ftrace_ops *ops = res->data;

	kt_ftrace_unregistered = unregister_ftrace_function(ops);
	if (!kt_ftrace_unregistered)
		kt_ftrace_reset(ops);
}

/* Hook @ip with @ops, undone when the test ends if not before. */
static int kt_ftrace_register(struct kunit *test, struct ftrace_ops *ops,
			      unsigned long ip)
{
	int ret = ftrace_set_filter_ip(ops, ip, 0, 0);

	if (ret)
		return ret;
	ret = register_ftrace_function(ops);
	if (ret) {
		kt_ftrace_reset(ops);
		return ret;
	}
	if (kunit_alloc_resource(test, kt_res_init, kt_ftrace_release,
				 GFP_KERNEL, ops))
		return 0;
	if (!unregister_ftrace_function(ops))
		kt_ftrace_reset(ops);
	return -ENOMEM;
}

static const char *orig_impl(enum pvops_op op)
{
	return pvops_op_original_impl(op);
}

/*
 * Whether the kernel runs the paravirt qspinlock (lock ops redirectable):
 * on KVM, its wait is kvm_wait then, else _paravirt_nop ("native").
 */
static bool pv_lock_ops(void)
{
	return !strcmp(pvops_op_original_impl(PVOPS_OP_LOCK_WAIT), PVOPS_IMPL_KVM);
}

static void pvops_test_register_rules(struct kunit *test)
{
	static struct pvops_backend a = { .name = "kunit-a", .flush_tlb_multi = kt_flush };
	static struct pvops_backend a2 = { .name = "kunit-a", .flush_tlb_multi = kt_flush };
	static struct pvops_backend bad = { .flush_tlb_multi = kt_flush };

	KUNIT_ASSERT_EQ(test, kt_register(test, &a), 0);
	/* Double registration, of the same backend or of its name. */
	KUNIT_EXPECT_EQ(test, kt_register(test, &a), -EEXIST);
	KUNIT_EXPECT_EQ(test, kt_register(test, &a2), -EEXIST);
	kt_unregister(test, &a);
	/* The name is free again. */
	KUNIT_EXPECT_EQ(test, kt_register(test, &a2), 0);
	kt_unregister(test, &a2);

	KUNIT_EXPECT_EQ(test, kt_register(test, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, kt_register(test, &bad), -EINVAL);
	bad.name = "";
	KUNIT_EXPECT_EQ(test, kt_register(test, &bad), -EINVAL);
	bad.name = PVOPS_IMPL_NATIVE;
	KUNIT_EXPECT_EQ(test, kt_register(test, &bad), -EINVAL);
	bad.name = PVOPS_IMPL_KVM;
	KUNIT_EXPECT_EQ(test, kt_register(test, &bad), -EINVAL);
	/* No op at all; wait without kick. */
	bad.name = "kunit-bad";
	bad.flush_tlb_multi = NULL;
	KUNIT_EXPECT_EQ(test, kt_register(test, &bad), -EINVAL);
	bad.lock_wait = kt_wait;
	KUNIT_EXPECT_EQ(test, kt_register(test, &bad), -EINVAL);
	bad.lock_wait = NULL;
	bad.lock_kick = kt_kick;
	KUNIT_EXPECT_EQ(test, kt_register(test, &bad), -EINVAL);

	/* Host features the host does not offer: refused with -ENODEV. */
	bad.lock_kick = NULL;
	bad.flush_tlb_multi = kt_flush;
	bad.host_features = BIT(31);
	KUNIT_EXPECT_EQ(test, kt_register(test, &bad), -ENODEV);
	bad.host_features = 0;
	bad.kvm_features = BIT(30);
	KUNIT_EXPECT_EQ(test, kt_register(test, &bad), -ENODEV);
	/* What the host does offer is accepted. */
	bad.kvm_features = pvops_kvm_features();
	bad.host_features = pvops_host_features();
	KUNIT_EXPECT_EQ(test, kt_register(test, &bad), 0);
	kt_unregister(test, &bad);
}

static void pvops_test_switch_rules(struct kunit *test)
{
	static struct pvops_backend f = { .name = "kunit-f", .flush_tlb_multi = kt_flush };
	enum pvops_op op = PVOPS_OP_FLUSH_TLB_MULTI;

	KUNIT_EXPECT_EQ(test, pvops_switch(PVOPS_NR_OPS, PVOPS_IMPL_NATIVE), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvops_switch(-1, PVOPS_IMPL_NATIVE), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvops_switch(op, NULL), -EINVAL);
	KUNIT_EXPECT_NULL(test, pvops_active(PVOPS_NR_OPS));
	/* A backend that is not registered. */
	KUNIT_EXPECT_EQ(test, pvops_switch(op, "kunit-f"), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvops_switch(op, "no-such-backend"), -EINVAL);
	/* The original is always there, and switching to it is a no-op. */
	KUNIT_EXPECT_EQ(test, pvops_switch(op, orig_impl(op)), 0);
	KUNIT_EXPECT_STREQ(test, pvops_active(op), orig_impl(op));

	KUNIT_ASSERT_EQ(test, kt_register(test, &f), 0);
	/* A backend without lock ops cannot take them. */
	KUNIT_EXPECT_EQ(test, pvops_switch(PVOPS_OP_LOCK_WAIT, "kunit-f"), -EINVAL);
	KUNIT_EXPECT_EQ(test, pvops_switch(op, "kunit-f"), 0);
	KUNIT_EXPECT_STREQ(test, pvops_active(op), "kunit-f");
	KUNIT_EXPECT_EQ(test, pvops_switch(op, orig_impl(op)), 0);
	KUNIT_EXPECT_STREQ(test, pvops_active(op), orig_impl(op));
	kt_unregister(test, &f);
}

/* Unregistering an active backend puts the original back first. */
static void pvops_test_unregister_active(struct kunit *test)
{
	static struct pvops_backend f = { .name = "kunit-f", .flush_tlb_multi = kt_flush };
	enum pvops_op op = PVOPS_OP_FLUSH_TLB_MULTI;

	KUNIT_ASSERT_EQ(test, kt_register(test, &f), 0);
	KUNIT_ASSERT_EQ(test, pvops_switch(op, "kunit-f"), 0);
	KUNIT_EXPECT_STREQ(test, pvops_active(op), "kunit-f");
	kt_unregister(test, &f);
	KUNIT_EXPECT_STREQ(test, pvops_active(op), orig_impl(op));
	KUNIT_EXPECT_EQ(test, pvops_switch(op, "kunit-f"), -EINVAL);
}

/* Lock wait and kick switch together, whichever of the two is named. */
static void pvops_test_lock_group(struct kunit *test)
{
	static struct pvops_backend l = {
		.name = "kunit-l", .lock_wait = kt_wait, .lock_kick = kt_kick,
	};

	if (!pv_lock_ops()) {
		KUNIT_EXPECT_EQ(test, kt_register(test, &l), -EOPNOTSUPP);
		return;
	}
	KUNIT_ASSERT_EQ(test, kt_register(test, &l), 0);
	KUNIT_EXPECT_EQ(test, pvops_switch(PVOPS_OP_LOCK_KICK, "kunit-l"), 0);
	KUNIT_EXPECT_STREQ(test, pvops_active(PVOPS_OP_LOCK_WAIT), "kunit-l");
	KUNIT_EXPECT_STREQ(test, pvops_active(PVOPS_OP_LOCK_KICK), "kunit-l");
	KUNIT_EXPECT_EQ(test, pvops_switch(PVOPS_OP_LOCK_WAIT, PVOPS_IMPL_KVM), 0);
	KUNIT_EXPECT_STREQ(test, pvops_active(PVOPS_OP_LOCK_WAIT), PVOPS_IMPL_KVM);
	KUNIT_EXPECT_STREQ(test, pvops_active(PVOPS_OP_LOCK_KICK), PVOPS_IMPL_KVM);
	/* The flush op is not part of the group. */
	KUNIT_EXPECT_EQ(test, pvops_switch(PVOPS_OP_FLUSH_TLB_MULTI, "kunit-l"), -EINVAL);
	kt_unregister(test, &l);
}

static void kt_ipmodify_handler(unsigned long ip, unsigned long parent_ip,
				struct ftrace_ops *ops, struct ftrace_regs *fregs)
{
}

/*
 * Another IPMODIFY ftrace user (as a livepatch is) owns the function: the
 * switch is refused with -EBUSY and nothing changes; once it is gone, the
 * same switch works.
 */
static void pvops_test_ipmodify_owner(struct kunit *test)
{
	static struct ftrace_ops other = {
		.func = kt_ipmodify_handler,
		.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
	};
	static struct pvops_backend f = { .name = "kunit-f", .flush_tlb_multi = kt_flush };
	enum pvops_op op = PVOPS_OP_FLUSH_TLB_MULTI;
	unsigned long ip = (unsigned long)pvops_op_original(op);

	KUNIT_ASSERT_EQ(test, kt_ftrace_register(test, &other, ip), 0);
	KUNIT_ASSERT_EQ(test, kt_register(test, &f), 0);
	KUNIT_EXPECT_EQ(test, pvops_switch(op, "kunit-f"), -EBUSY);
	KUNIT_EXPECT_STREQ(test, pvops_active(op), orig_impl(op));
	kt_ftrace_unregistered = -1;
	KUNIT_EXPECT_EQ(test, kunit_destroy_resource(test, kt_res_is, &other), 0);
	KUNIT_EXPECT_EQ(test, kt_ftrace_unregistered, 0);
	KUNIT_EXPECT_EQ(test, pvops_switch(op, "kunit-f"), 0);
	KUNIT_EXPECT_STREQ(test, pvops_active(op), "kunit-f");
	kt_unregister(test, &f);
	KUNIT_EXPECT_STREQ(test, pvops_active(op), orig_impl(op));
}

/*
 * A switch that fails changes nothing, hooks included: with another
 * IPMODIFY user on the kick, switching the lock group places the wait's
 * hook, then fails on the kick's, and must take the wait's off again (a
 * backend of the group stays registered, for which the engine would
 * otherwise keep it): another IPMODIFY user can then take the wait.
 */
static void pvops_test_failed_group_switch(struct kunit *test)
{
	static struct ftrace_ops other_kick = {
		.func = kt_ipmodify_handler,
		.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
	};
	static struct ftrace_ops other_wait = {
		.func = kt_ipmodify_handler,
		.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY,
	};
	static struct pvops_backend l = {
		.name = "kunit-l", .lock_wait = kt_wait, .lock_kick = kt_kick,
	};
	unsigned long wait = (unsigned long)pvops_op_original(PVOPS_OP_LOCK_WAIT);
	unsigned long kick = (unsigned long)pvops_op_original(PVOPS_OP_LOCK_KICK);

	if (!pv_lock_ops())
		kunit_skip(test, "the kernel runs the native qspinlock");
	KUNIT_ASSERT_EQ(test, kt_register(test, &l), 0);
	KUNIT_ASSERT_EQ(test, kt_ftrace_register(test, &other_kick, kick), 0);
	KUNIT_EXPECT_EQ(test, pvops_switch(PVOPS_OP_LOCK_WAIT, "kunit-l"), -EBUSY);
	KUNIT_EXPECT_STREQ(test, pvops_active(PVOPS_OP_LOCK_WAIT), PVOPS_IMPL_KVM);
	KUNIT_EXPECT_STREQ(test, pvops_active(PVOPS_OP_LOCK_KICK), PVOPS_IMPL_KVM);
	KUNIT_EXPECT_EQ(test, kt_ftrace_register(test, &other_wait, wait), 0);
}

/*
 * "native" is offered for the TLB flush exactly when the kernel runs its
 * own KVM PV flush, and runs native_flush_tlb_multi().
 */
static void pvops_test_native_flush(struct kunit *test)
{
	enum pvops_op op = PVOPS_OP_FLUSH_TLB_MULTI;

	if (!strcmp(orig_impl(op), PVOPS_IMPL_NATIVE)) {
		KUNIT_EXPECT_EQ(test, pvops_switch(op, PVOPS_IMPL_KVM), -EINVAL);
		return;
	}
	KUNIT_EXPECT_EQ(test, pvops_switch(op, PVOPS_IMPL_NATIVE), 0);
	KUNIT_EXPECT_STREQ(test, pvops_active(op), PVOPS_IMPL_NATIVE);
	KUNIT_EXPECT_EQ(test, pvops_switch(op, PVOPS_IMPL_KVM), 0);
	KUNIT_EXPECT_STREQ(test, pvops_active(op), PVOPS_IMPL_KVM);
}

static struct kunit_case pvops_test_cases[] = {
	KUNIT_CASE(pvops_test_op_names),
	KUNIT_CASE(pvops_test_op_current),
	KUNIT_CASE(pvops_test_feature_names),
	KUNIT_CASE(pvops_test_format_list),
	KUNIT_CASE(pvops_test_format_truncates),
	{}
};

static struct kunit_case pvops_host_abi_test_cases[] = {
	KUNIT_CASE(pvops_test_abi_kvm),
	KUNIT_CASE(pvops_test_abi_none),
	KUNIT_CASE(pvops_test_abi_partial),
	KUNIT_CASE(pvops_test_abi_loaded),
	KUNIT_CASE(pvops_test_cap_names),
	{}
};

static struct kunit_case pvops_engine_test_cases[] = {
	KUNIT_CASE(pvops_test_register_rules),
	KUNIT_CASE(pvops_test_switch_rules),
	KUNIT_CASE(pvops_test_unregister_active),
	KUNIT_CASE(pvops_test_lock_group),
	KUNIT_CASE(pvops_test_ipmodify_owner),
	KUNIT_CASE(pvops_test_failed_group_switch),
	KUNIT_CASE(pvops_test_native_flush),
	{}
};

static struct kunit_suite pvops_test_suite = {
	.name = "pvops",
	.test_cases = pvops_test_cases,
};

static struct kunit_suite pvops_host_abi_test_suite = {
	.name = "pvops_host_abi",
	.test_cases = pvops_host_abi_test_cases,
};

/* After each engine test, however it ended: every op on its original. */
static void pvops_engine_test_exit(struct kunit *test)
{
	enum pvops_op op;

	for (op = 0; op < PVOPS_NR_OPS; op++)
		KUNIT_EXPECT_EQ(test, pvops_switch(op, orig_impl(op)), 0);
}

static struct kunit_suite pvops_engine_test_suite = {
	.name = "pvops_engine",
	.exit = pvops_engine_test_exit,
	.test_cases = pvops_engine_test_cases,
};

pvops_kunit_test_suites(&pvops_test_suite, &pvops_host_abi_test_suite,
			&pvops_engine_test_suite);

MODULE_DESCRIPTION("KUnit tests for the pvops core");
MODULE_LICENSE("GPL");
