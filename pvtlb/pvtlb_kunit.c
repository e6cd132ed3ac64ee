// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for pvtlb: packing target APIC IDs, and a flush's range, into
 * the arguments of the flush hypercall, and the host's answer to what it
 * packs (KVM_HC_FLUSH_TLB); the verdict on a CPU's recent steal time.
 */
#include <linux/bitmap.h>
#include <linux/cpumask.h>
#include <linux/kvm_para.h>
#include <linux/slab.h>
#include <asm/apic.h>

#include <pvops/kunit.h>
#include <pvops/pvops.h>

/* The code under test, built into this module too (pvtlb need not load). */
#include "pack.c"
#include "steal.c"

static unsigned long *kt_bitmap(struct kunit *test)
{
	unsigned long *b = kunit_kmalloc(test, PVTLB_BITMAP_BYTES, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, b);
	/* Garbage: packing must clear what it uses. */
	memset(b, 0xa5, PVTLB_BITMAP_BYTES);
	return b;
}

/* No target: no hypercall. */
static void pvtlb_test_empty(struct kunit *test)
{
	struct pvtlb_flush_args a = { 1, 2, 3, 4 };
	u32 id = 7;

	KUNIT_EXPECT_EQ(test, pvtlb_pack(&id, 0, kt_bitmap(test), &a), -ENODATA);
}

/* Dense IDs from 0: the register form, as KVM_HC_SEND_IPI packs them. */
static void pvtlb_test_registers(struct kunit *test)
{
	u32 ids[] = { 1, 2, 3, 0 };
	struct pvtlb_flush_args a;

	KUNIT_ASSERT_EQ(test, pvtlb_pack(ids, ARRAY_SIZE(ids), kt_bitmap(test), &a), 0);
	KUNIT_EXPECT_EQ(test, a.a0, 0xfUL);
	KUNIT_EXPECT_EQ(test, a.a1, 0UL);
	KUNIT_EXPECT_EQ(test, a.a2, 0UL);
	KUNIT_EXPECT_EQ(test, a.a3, 0UL);
}

/*
 * Gaps in the APIC IDs (SMT siblings off, sockets with holes), in any order,
 * with repeats: the base is the lowest ID and both words are used.
 */
static void pvtlb_test_gaps(struct kunit *test)
{
	u32 ids[] = { 132, 9, 70, 5, 9 };
	struct pvtlb_flush_args a;

	KUNIT_ASSERT_EQ(test, pvtlb_pack(ids, ARRAY_SIZE(ids), kt_bitmap(test), &a), 0);
	KUNIT_EXPECT_EQ(test, a.a2, 5UL);
	KUNIT_EXPECT_EQ(test, a.a0, BIT(0) | BIT(4));
	KUNIT_EXPECT_EQ(test, a.a1, BIT(65 - 64) | BIT(127 - 64));
	KUNIT_EXPECT_EQ(test, a.a3, 0UL);

	/* A single high ID: base at it, bit 0. */
	ids[0] = 4000;
	KUNIT_ASSERT_EQ(test, pvtlb_pack(ids, 1, kt_bitmap(test), &a), 0);
	KUNIT_EXPECT_EQ(test, a.a2, 4000UL);
	KUNIT_EXPECT_EQ(test, a.a0, 1UL);
	KUNIT_EXPECT_EQ(test, a.a1, 0UL);
}

/* 129 values apart: one past the registers, the bitmap goes in memory. */
static void pvtlb_test_memory_form(struct kunit *test)
{
	unsigned long *b = kt_bitmap(test);
	u32 ids[] = { 10, 138 };
	struct pvtlb_flush_args a;

	KUNIT_ASSERT_EQ(test, pvtlb_pack(ids, 1, b, &a), 0);
	KUNIT_EXPECT_EQ(test, a.a3, 0UL);
	KUNIT_ASSERT_EQ(test, pvtlb_pack(ids, ARRAY_SIZE(ids), b, &a), 0);
	KUNIT_EXPECT_EQ(test, a.a3, (unsigned long)KVM_FLUSH_TLB_GPA);
	KUNIT_EXPECT_EQ(test, a.a2, 10UL);
	KUNIT_EXPECT_EQ(test, a.a1, 129UL);
	KUNIT_EXPECT_EQ(test, a.a0, (unsigned long)virt_to_phys(b));
	KUNIT_EXPECT_EQ(test, a.a0 % 8, 0UL);
	KUNIT_EXPECT_EQ(test, bitmap_weight(b, a.a1), 2U);
	KUNIT_EXPECT_TRUE(test, test_bit(0, b));
	KUNIT_EXPECT_TRUE(test, test_bit(128, b));
}

/* More than 128 vCPUs: 300 targets, every fifth APIC ID skipped. */
static void pvtlb_test_many(struct kunit *test)
{
	unsigned long *b = kt_bitmap(test);
	struct pvtlb_flush_args a;
	u32 ids[300];
	unsigned int i, id;

	for (i = 0, id = 2; i < ARRAY_SIZE(ids); id++)
		if (id % 5)
			ids[i++] = id;
	KUNIT_ASSERT_EQ(test, pvtlb_pack(ids, ARRAY_SIZE(ids), b, &a), 0);
	KUNIT_EXPECT_EQ(test, a.a3, (unsigned long)KVM_FLUSH_TLB_GPA);
	KUNIT_EXPECT_EQ(test, a.a2, 2UL);
	KUNIT_EXPECT_EQ(test, a.a1, (unsigned long)(ids[299] - 2 + 1));
	KUNIT_EXPECT_EQ(test, bitmap_weight(b, a.a1), 300U);
	for (i = 0; i < a.a1; i++)
		KUNIT_EXPECT_EQ(test, test_bit(i, b), !!((i + 2) % 5));
}

/* The widest span the host takes, and one more. */
static void pvtlb_test_limit(struct kunit *test)
{
	unsigned long *b = kt_bitmap(test);
	u32 ids[] = { 7, 7 + KVM_FLUSH_TLB_MAX_BITS - 1 };
	struct pvtlb_flush_args a;

	KUNIT_ASSERT_EQ(test, pvtlb_pack(ids, ARRAY_SIZE(ids), b, &a), 0);
	KUNIT_EXPECT_EQ(test, a.a1, (unsigned long)KVM_FLUSH_TLB_MAX_BITS);
	KUNIT_EXPECT_EQ(test, bitmap_weight(b, a.a1), 2U);
	ids[1]++;
	KUNIT_EXPECT_EQ(test, pvtlb_pack(ids, ARRAY_SIZE(ids), b, &a), -E2BIG);
	ids[0] = 0;
	ids[1] = U32_MAX;
	KUNIT_EXPECT_EQ(test, pvtlb_pack(ids, ARRAY_SIZE(ids), b, &a), -E2BIG);
}

#define KT_VA		0x7f1234560000UL	/* a user address */
#define KT_RANGE_A3(start, nr, stride) \
	((start) | ((nr) - 1UL) << KVM_FLUSH_TLB_NR_SHIFT | (stride) | KVM_FLUSH_TLB_RANGE)

struct kt_range_case {
	const char *what;
	unsigned long start, end;
	u8 stride_shift;
	bool freed_tables;
	int ret;
	unsigned long a3;	/* the a3 bits on success */
};

/*
 * Ranges as flush_tlb_mm_range() makes them: one entry per stride from
 * start while below end, the first page-aligned; every stride the ABI has a
 * code for; 256 entries at most. Anything else is a full flush (-ERANGE),
 * and a3 stays as it was.
 */
static void pvtlb_test_range(struct kunit *test)
{
	static const struct kt_range_case cases[] = {
		{ "one page", KT_VA, KT_VA + PAGE_SIZE, PAGE_SHIFT, false, 0,
		  KT_RANGE_A3(KT_VA, 1, KVM_FLUSH_TLB_STRIDE_4K) },
		{ "33 pages (the kernel's default ceiling)", KT_VA, KT_VA + 33 * PAGE_SIZE,
		  PAGE_SHIFT, false, 0, KT_RANGE_A3(KT_VA, 33, KVM_FLUSH_TLB_STRIDE_4K) },
		{ "unaligned start: its page", KT_VA + 0x234, KT_VA + 0x234 + PAGE_SIZE,
		  PAGE_SHIFT, false, 0, KT_RANGE_A3(KT_VA, 1, KVM_FLUSH_TLB_STRIDE_4K) },
		{ "a part of a last page counts", KT_VA, KT_VA + 2 * PAGE_SIZE + 8,
		  PAGE_SHIFT, false, 0, KT_RANGE_A3(KT_VA, 3, KVM_FLUSH_TLB_STRIDE_4K) },
		{ "2M pages", 0x7f0000000000UL, 0x7f0000000000UL + 4 * PMD_SIZE,
		  PMD_SHIFT, false, 0,
		  KT_RANGE_A3(0x7f0000000000UL, 4, KVM_FLUSH_TLB_STRIDE_2M) },
		{ "1G pages", 0x7f0000000000UL, 0x7f0000000000UL + 2 * PUD_SIZE,
		  PUD_SHIFT, false, 0,
		  KT_RANGE_A3(0x7f0000000000UL, 2, KVM_FLUSH_TLB_STRIDE_1G) },
		{ "256 entries", KT_VA, KT_VA + 256 * PAGE_SIZE, PAGE_SHIFT, false, 0,
		  KT_RANGE_A3(KT_VA, 256, KVM_FLUSH_TLB_STRIDE_4K) },
		{ "257 entries", KT_VA, KT_VA + 257 * PAGE_SIZE, PAGE_SHIFT, false,
		  -ERANGE },
		{ "TLB_FLUSH_ALL", 0, TLB_FLUSH_ALL, PAGE_SHIFT, false, -ERANGE },
		{ "freed page tables", KT_VA, KT_VA + PAGE_SIZE, PAGE_SHIFT, true,
		  -ERANGE },
		{ "empty", KT_VA, KT_VA, PAGE_SHIFT, false, -ERANGE },
		{ "a stride with no code", KT_VA, KT_VA + PAGE_SIZE, PAGE_SHIFT + 1,
		  false, -ERANGE },
	};
	const struct kt_range_case *c;

	for (c = cases; c < cases + ARRAY_SIZE(cases); c++) {
		struct pvtlb_range range = {
			.start = c->start, .end = c->end,
			.stride_shift = c->stride_shift,
			.freed_tables = c->freed_tables,
		};
		unsigned long a3 = KVM_FLUSH_TLB_GPA;

		KUNIT_EXPECT_EQ_MSG(test, pvtlb_pack_range(&range, &a3), c->ret,
				    "%s", c->what);
		KUNIT_EXPECT_EQ_MSG(test, a3, c->ret ? KVM_FLUSH_TLB_GPA :
				    c->a3 | KVM_FLUSH_TLB_GPA, "%s", c->what);
	}
}

/*
 * What the host makes of it: every other online vCPU, packed in registers
 * and in memory, is flushed and counted; the caller alone is refused. The
 * host must not see the caller among the targets, so the calls run on one
 * CPU with preemption off, and the results are checked after put_cpu(): a
 * failed assertion ends the test at once (with preemption off that would
 * leave the test's kthread atomic), and a failed expectation allocates.
 */
static void pvtlb_test_host(struct kunit *test)
{
	unsigned int hc = pvops_host_abi()->hc_flush_tlb;
	unsigned long *b = kt_bitmap(test);
	bool ranges = pvops_host_features() & PVOPS_CAP_FLUSH_TLB_RANGE;
	long flushed = 0, flushed_mem, self_only = 0, ranged = 0, bad_stride = 0;
	int packed, packed_self;
	struct pvtlb_flush_args a;
	unsigned int i, n = 0;
	u32 *ids;
	int cpu, self;

	if (!(pvops_host_features() & PVOPS_CAP_FLUSH_TLB))
		kunit_skip(test, "the host offers no flush hypercall");
	if (num_online_cpus() < 2)
		kunit_skip(test, "one vCPU: nothing remote to flush");
	ids = kunit_kcalloc(test, nr_cpu_ids, sizeof(*ids), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ids);

	self = get_cpu();
	for_each_online_cpu(cpu)
		if (cpu != self)
			ids[n++] = per_cpu(x86_cpu_to_apicid, cpu);
	packed = pvtlb_pack(ids, n, b, &a);
	if (!packed)
		flushed = pvops_hypercall(hc, a.a0, a.a1, a.a2, a.a3);

	/* The same set as a memory bitmap. */
	bitmap_zero(b, KVM_FLUSH_TLB_MAX_BITS);
	for (i = 0; i < n; i++)
		__set_bit(ids[i], b);
	flushed_mem = pvops_hypercall(hc, virt_to_phys(b), KVM_FLUSH_TLB_MAX_BITS,
				      0, KVM_FLUSH_TLB_GPA);

	/* A range, where the host offers them, and a reserved stride. */
	if (!packed && ranges) {
		ranged = pvops_hypercall(hc, a.a0, a.a1, a.a2,
					 KT_RANGE_A3(KT_VA, 256, KVM_FLUSH_TLB_STRIDE_1G));
		bad_stride = pvops_hypercall(hc, a.a0, a.a1, a.a2,
					     KT_RANGE_A3(KT_VA, 1, KVM_FLUSH_TLB_STRIDE_MASK));
	}

	ids[0] = per_cpu(x86_cpu_to_apicid, self);
	packed_self = pvtlb_pack(ids, 1, b, &a);
	if (!packed_self)
		self_only = pvops_hypercall(hc, a.a0, a.a1, a.a2, a.a3);
	put_cpu();

	KUNIT_ASSERT_EQ(test, packed, 0);
	KUNIT_EXPECT_EQ(test, flushed, (long)n);
	KUNIT_EXPECT_EQ(test, flushed_mem, (long)n);
	KUNIT_ASSERT_EQ(test, packed_self, 0);
	KUNIT_EXPECT_EQ(test, self_only, (long)-KVM_EINVAL);
	if (ranges) {
		KUNIT_EXPECT_EQ(test, ranged, (long)n);
		KUNIT_EXPECT_EQ(test, bad_stride, (long)-KVM_EINVAL);
	}
}

/*
 * Steal time: a verdict a window, busy above 1/PVTLB_STEAL_SHARE of it
 * stolen, kept until the next window ends.
 */
static void pvtlb_test_steal(struct kunit *test)
{
	const u64 w = PVTLB_STEAL_WINDOW_NS, t0 = 5 * NSEC_PER_SEC;
	struct pvtlb_steal s = {};

	/* The first call starts a window: no verdict yet, whatever the count. */
	KUNIT_EXPECT_FALSE(test, pvtlb_steal_busy(&s, t0, 1000 * w));
	/* Within the window: the verdict stands, however much is stolen. */
	KUNIT_EXPECT_FALSE(test, pvtlb_steal_busy(&s, t0 + w - 1, 1001 * w));
	/* A window with exactly the share stolen: not busy. */
	KUNIT_EXPECT_FALSE(test, pvtlb_steal_busy(&s, t0 + w,
						  1000 * w + w / PVTLB_STEAL_SHARE));
	/* The next, longer one, with just over the share of its span: busy. */
	KUNIT_EXPECT_TRUE(test, pvtlb_steal_busy(&s, t0 + 3 * w,
						 1000 * w + w / PVTLB_STEAL_SHARE +
						 2 * w / PVTLB_STEAL_SHARE + 1));
	KUNIT_EXPECT_TRUE(test, s.busy);
	/* It stands until that window ends, steal or none. */
	KUNIT_EXPECT_TRUE(test, pvtlb_steal_busy(&s, t0 + 4 * w - 1, s.steal0));
	/* A window without steal: not busy any more. */
	KUNIT_EXPECT_FALSE(test, pvtlb_steal_busy(&s, t0 + 4 * w, s.steal0));
}

static struct kunit_case pvtlb_test_cases[] = {
	KUNIT_CASE(pvtlb_test_empty),
	KUNIT_CASE(pvtlb_test_registers),
	KUNIT_CASE(pvtlb_test_gaps),
	KUNIT_CASE(pvtlb_test_memory_form),
	KUNIT_CASE(pvtlb_test_many),
	KUNIT_CASE(pvtlb_test_limit),
	KUNIT_CASE(pvtlb_test_range),
	KUNIT_CASE(pvtlb_test_host),
	KUNIT_CASE(pvtlb_test_steal),
	{}
};

static struct kunit_suite pvtlb_test_suite = {
	.name = "pvtlb",
	.test_cases = pvtlb_test_cases,
};

pvops_kunit_test_suites(&pvtlb_test_suite);

MODULE_DESCRIPTION("KUnit tests for pvtlb");
MODULE_LICENSE("GPL");
