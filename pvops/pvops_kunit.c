// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the pvops core: op table, feature names and formatting.
 */
#include <linux/cpumask.h>
#include <linux/kallsyms.h>
#include <linux/kvm_para.h>
#include <linux/string.h>
#include <asm/paravirt.h>

#include <pvops/kunit.h>
#include <pvops/pvops.h>

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
	KUNIT_EXPECT_NULL(test, pvops_op_current(PVOPS_NR_OPS));
}

/*
 * The engine reports the function the kernel chose at boot: the KVM PV flush
 * exactly when the kernel's own conditions for it hold (kvm.c,
 * pv_tlb_flush_supported()), computed here from the features pvops reads.
 */
static void pvops_test_op_current(struct kunit *test)
{
	char sym[KSYM_SYMBOL_LEN];
	void *fn = pvops_op_current(PVOPS_OP_FLUSH_TLB_MULTI);
	u32 f = pvops_kvm_features();
	bool pv = (f & BIT(KVM_FEATURE_PV_TLB_FLUSH)) &&
		  (f & BIT(KVM_FEATURE_STEAL_TIME)) &&
		  !kvm_para_has_hint(KVM_HINTS_REALTIME) &&
		  !boot_cpu_has(X86_FEATURE_MWAIT) && num_possible_cpus() != 1;

	KUNIT_ASSERT_NOT_NULL(test, fn);
	sprint_symbol_no_offset(sym, (unsigned long)fn);
	KUNIT_EXPECT_STREQ(test, sym, pv ? "kvm_flush_tlb_multi" : "native_flush_tlb_multi");
#ifdef CONFIG_PARAVIRT_SPINLOCKS
	KUNIT_EXPECT_PTR_EQ(test, pvops_op_current(PVOPS_OP_LOCK_WAIT),
			    (void *)pv_ops.lock.wait);
	KUNIT_EXPECT_PTR_EQ(test, pvops_op_current(PVOPS_OP_LOCK_KICK),
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
	/* Bit 8 was never assigned; 20 is not yet; 64 is out of range. */
	KUNIT_EXPECT_NULL(test, pvops_kvm_feature_name(8));
	KUNIT_EXPECT_NULL(test, pvops_kvm_feature_name(20));
	KUNIT_EXPECT_NULL(test, pvops_kvm_feature_name(64));
}

static void pvops_test_format_list(struct kunit *test)
{
	char buf[128];
	u32 f = BIT(KVM_FEATURE_PV_TLB_FLUSH) | BIT(KVM_FEATURE_PV_UNHALT) | BIT(20);
	int len;

	len = pvops_format_features(buf, sizeof(buf), f);
	KUNIT_EXPECT_STREQ(test, buf, "pv_unhalt pv_tlb_flush bit20");
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

static struct kunit_case pvops_test_cases[] = {
	KUNIT_CASE(pvops_test_op_names),
	KUNIT_CASE(pvops_test_op_current),
	KUNIT_CASE(pvops_test_feature_names),
	KUNIT_CASE(pvops_test_format_list),
	KUNIT_CASE(pvops_test_format_truncates),
	{}
};

static struct kunit_suite pvops_test_suite = {
	.name = "pvops",
	.test_cases = pvops_test_cases,
};

pvops_kunit_test_suites(&pvops_test_suite);

MODULE_DESCRIPTION("KUnit tests for the pvops core");
MODULE_LICENSE("GPL");
