// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for pvclock: the reading of the clock page (the version
 * protocol's retry, the TSC to ns scaling, a TSC behind the reference point
 * or wrapped past 2^64, realtime), on made-up pages; and the host's answer
 * to KVM_HC_PVOPS_CLOCK on a real one.
 *
 * The live cases register their own page, which moves the VM's one
 * registration away from a loaded pvclock.ko (it registers again within a
 * few seconds): run them without it, as make check does.
 */
#include <linux/clocksource.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kvm_para.h>
#include <linux/math64.h>
#include <linux/timekeeping.h>
#include <asm/msr.h>
#include <asm/pvclock.h>
#include <asm/kvmclock.h>

#include <pvops/kunit.h>
#include <pvops/pvops.h>

#include "read.h"

static struct kvm_pvops_clock kt_page;
static u64 kt_tsc;
static unsigned int kt_calls;
/* Called by kt_read_tsc() on its first call: the host writing meanwhile. */
static void (*kt_meanwhile)(void);

static u64 kt_read_tsc(void)
{
	if (kt_calls++ == 0 && kt_meanwhile)
		kt_meanwhile();
	return kt_tsc;
}

static void kt_read(struct pvclock_reading *r)
{
	kt_calls = 0;
	pvclock_page_read(&kt_page, kt_read_tsc, r);
}

/* The reference: (delta << shift or >> -shift) * mul / 2^32, in 128 bits. */
static u64 kt_scale(u64 delta, u32 mul, int shift)
{
	unsigned __int128 d = shift < 0 ? delta >> -shift : (unsigned __int128)delta << shift;

	return (u64)((d * mul) >> 32);
}

static void kt_set(u64 tsc_timestamp, u64 system_time, u32 mul, s8 shift)
{
	memset(&kt_page, 0, sizeof(kt_page));
	kt_page.tsc_timestamp = tsc_timestamp;
	kt_page.system_time = system_time;
	kt_page.tsc_to_system_mul = mul;
	kt_page.tsc_shift = shift;
	kt_page.flags = PVCLOCK_TSC_STABLE_BIT;
	kt_page.version = 2;
	kt_meanwhile = NULL;
}

static void pvclock_test_scale(struct kunit *test)
{
	static const struct {
		u32 mul;
		s8 shift;
	} p[] = {
		{ 0x80000000U, 0 },	/* 2 GHz */
		{ 0xa0000000U, 1 },	/* 0.625 << 1: 0.8 GHz */
		{ 0xd1b71758U, -1 },	/* a slow TSC */
		{ 0xffffffffU, -2 },
	};
	static const u64 deltas[] = { 0, 1, 999, 1000000007ULL, 1ULL << 40 };
	struct pvclock_reading r;
	unsigned int i, j;
	u8 flags;

	for (i = 0; i < ARRAY_SIZE(p); i++) {
		for (j = 0; j < ARRAY_SIZE(deltas); j++) {
			kt_set(5000, 123456789, p[i].mul, p[i].shift);
			kt_tsc = 5000 + deltas[j];
			kt_read(&r);
			KUNIT_EXPECT_EQ_MSG(test, r.ns, 123456789 +
					    kt_scale(deltas[j], p[i].mul, p[i].shift),
					    "mul %#x shift %d delta %llu", p[i].mul,
					    p[i].shift, deltas[j]);
			KUNIT_EXPECT_EQ(test, r.tsc, kt_tsc);
			KUNIT_EXPECT_EQ(test, r.retries, 0U);
			/* The clocksource's lean read: the same ns. */
			KUNIT_EXPECT_EQ(test, pvclock_page_ns(&kt_page, kt_read_tsc, &flags),
					r.ns);
			KUNIT_EXPECT_EQ(test, flags, (u8)PVCLOCK_TSC_STABLE_BIT);
		}
	}
	/* 2 GHz: 2000 cycles are 1000 ns. */
	kt_set(0, 0, 0x80000000U, 0);
	kt_tsc = 2000;
	kt_read(&r);
	KUNIT_EXPECT_EQ(test, r.ns, 1000ULL);
}

/* A TSC read a little before the reference point counts backwards from it. */
static void pvclock_test_before_reference(struct kunit *test)
{
	struct pvclock_reading r;

	kt_set(1000000, 5000000000ULL, 0x80000000U, 0);
	kt_tsc = 1000000 - 2000;
	kt_read(&r);
	KUNIT_EXPECT_EQ(test, r.ns, 5000000000ULL - 1000);
}

/* A TSC that wrapped past 2^64 since the reference point still counts on. */
static void pvclock_test_wrap(struct kunit *test)
{
	struct pvclock_reading r;

	kt_set(U64_MAX - 999, 7000, 0x80000000U, 0);
	kt_tsc = 1000;		/* 2000 cycles after the reference */
	kt_read(&r);
	KUNIT_EXPECT_EQ(test, r.ns, 7000ULL + 1000);
	KUNIT_EXPECT_EQ(test, pvclock_page_ns_at(&kt_page, 1000), 7000ULL + 1000);
}

static void pvclock_test_realtime(struct kunit *test)
{
	struct pvclock_reading r;

	kt_set(0, 1000, 0x80000000U, 0);
	kt_page.realtime = 1700000000ULL * NSEC_PER_SEC;
	kt_page.clock_flags = KVM_PVOPS_CLOCK_REALTIME;
	kt_page.error_bound = 1234;
	kt_page.tai_offset = 37;
	kt_page.disruptions = 3;
	kt_page.refreshes = 9;
	kt_tsc = 4000;
	kt_read(&r);
	KUNIT_EXPECT_EQ(test, r.ns, 1000ULL + 2000);
	KUNIT_EXPECT_EQ(test, r.realtime, 1700000000ULL * NSEC_PER_SEC + 2000);
	KUNIT_EXPECT_EQ(test, r.error_bound, 1234U);
	KUNIT_EXPECT_EQ(test, r.tai_offset, 37);
	KUNIT_EXPECT_EQ(test, r.disruptions, 3ULL);
	KUNIT_EXPECT_EQ(test, r.refreshes, 9ULL);
	KUNIT_EXPECT_EQ(test, r.clock_flags, (u32)KVM_PVOPS_CLOCK_REALTIME);
}

/* The host starts writing while the guest reads: new parameters. */
static void kt_host_writes(void)
{
	kt_page.version++;		/* odd: writing */
	kt_page.system_time = 9000000;
	kt_page.tsc_timestamp = 100;
	kt_page.refreshes++;
	kt_page.version++;		/* even again: done */
}

/* The host is in the middle of a write when the guest starts reading. */
static void kt_host_finishes(void)
{
	kt_page.system_time = 42;
	kt_page.version++;		/* even: done */
}

static void pvclock_test_retry(struct kunit *test)
{
	struct pvclock_reading r;
	u8 flags;

	/* A write between the start and the end of the read: read again. */
	kt_set(0, 1000, 0x80000000U, 0);
	kt_meanwhile = kt_host_writes;
	kt_tsc = 2100;
	kt_read(&r);
	KUNIT_EXPECT_EQ(test, r.retries, 1U);
	KUNIT_EXPECT_EQ(test, kt_calls, 2U);
	KUNIT_EXPECT_EQ(test, r.ns, 9000000ULL + 1000);
	KUNIT_EXPECT_EQ(test, r.refreshes, 1ULL);

	/* The same for the clocksource's lean read. */
	kt_set(0, 1000, 0x80000000U, 0);
	kt_meanwhile = kt_host_writes;
	kt_calls = 0;
	KUNIT_EXPECT_EQ(test, pvclock_page_ns(&kt_page, kt_read_tsc, &flags),
			9000000ULL + 1000);
	KUNIT_EXPECT_EQ(test, kt_calls, 2U);

	/* The version is odd when the read starts: read until it is even. */
	kt_set(0, 1000, 0x80000000U, 0);
	kt_page.version = 3;
	kt_meanwhile = kt_host_finishes;
	kt_tsc = 2000;
	kt_read(&r);
	KUNIT_EXPECT_EQ(test, r.retries, 1U);
	KUNIT_EXPECT_EQ(test, r.ns, 42ULL + 1000);
	KUNIT_EXPECT_EQ(test, kt_page.version, 4U);
}

/* The live cases: a page of ours registered with the host. */
static void kt_need_host(struct kunit *test)
{
	if (!(pvops_host_features() & KVM_PVOPS_HC_BIT(KVM_HC_PVOPS_CLOCK)))
		kunit_skip(test, "the host does not service the pvops clock page");
}

static long kt_register(phys_addr_t gpa, unsigned long a1)
{
	return pvops_hypercall(KVM_HC_PVOPS_CLOCK, gpa, a1, 0, 0);
}

static u64 kt_rdtsc(void)
{
	return rdtsc_ordered();
}

static void pvclock_test_host_bad_args(struct kunit *test)
{
	unsigned long page;

	kt_need_host(test);
	page = get_zeroed_page(GFP_KERNEL);
	KUNIT_ASSERT_NE(test, page, 0UL);

	KUNIT_EXPECT_EQ(test, kt_register(virt_to_phys((void *)page) + 8, 0),
			(long)-KVM_EINVAL);
	KUNIT_EXPECT_EQ(test, kt_register(virt_to_phys((void *)page), 1),
			(long)-KVM_EINVAL);
	/* Far above any memory of the VM. */
	KUNIT_EXPECT_EQ(test, kt_register(1ULL << 50, 0), (long)-KVM_EFAULT);
	/* Nothing was written to the page by the refused calls. */
	KUNIT_EXPECT_TRUE(test, !memchr_inv((void *)page, 0, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, kt_register(0, 0), 0L);
	free_page(page);
}

static void pvclock_test_host_page(struct kunit *test)
{
	struct kvm_pvops_clock *p;
	struct pvclock_reading r, r2;
	unsigned long page;
	u64 kvm_ns;

	kt_need_host(test);
	page = get_zeroed_page(GFP_KERNEL);
	KUNIT_ASSERT_NE(test, page, 0UL);
	p = (void *)page;

	KUNIT_ASSERT_EQ(test, kt_register(virt_to_phys(p), 0), 0L);
	pvclock_page_read(p, kt_rdtsc, &r);
	kvm_ns = kvm_clock.read(&kvm_clock);
	KUNIT_EXPECT_GE(test, r.refreshes, 1ULL);
	KUNIT_EXPECT_NE(test, p->tsc_to_system_mul, 0U);
	KUNIT_EXPECT_EQ(test, p->version & 1, 0U);
	/* The same clock as kvm-clock: read one after the other. */
	KUNIT_EXPECT_GE(test, kvm_ns, r.ns);
	KUNIT_EXPECT_LT_MSG(test, kvm_ns - r.ns, 10ULL * NSEC_PER_MSEC,
			    "page %llu ns, kvm-clock %llu ns", r.ns, kvm_ns);
	/* Monotonic on this CPU over a few thousand reads. */
	for (int i = 0; i < 5000; i++) {
		pvclock_page_read(p, kt_rdtsc, &r2);
		KUNIT_ASSERT_GE(test, r2.ns, r.ns);
		r = r2;
	}
	/* Registering the same page again leaves the count alone. */
	KUNIT_EXPECT_EQ(test, kt_register(virt_to_phys(p), 0), 0L);
	pvclock_page_read(p, kt_rdtsc, &r2);
	KUNIT_EXPECT_EQ(test, r2.disruptions, r.disruptions);
	KUNIT_EXPECT_GT(test, r2.refreshes, r.refreshes);

	/* After unregistering the host writes no more. */
	KUNIT_EXPECT_EQ(test, kt_register(0, 0), 0L);
	r = r2;
	msleep(50);
	pvclock_page_read(p, kt_rdtsc, &r2);
	KUNIT_EXPECT_EQ(test, r2.refreshes, r.refreshes);
	free_page(page);
}

static struct kunit_case pvclock_cases[] = {
	KUNIT_CASE(pvclock_test_scale),
	KUNIT_CASE(pvclock_test_before_reference),
	KUNIT_CASE(pvclock_test_wrap),
	KUNIT_CASE(pvclock_test_realtime),
	KUNIT_CASE(pvclock_test_retry),
	KUNIT_CASE(pvclock_test_host_bad_args),
	KUNIT_CASE(pvclock_test_host_page),
	{}
};

static struct kunit_suite pvclock_suite = {
	.name = "pvclock",
	.test_cases = pvclock_cases,
};

pvops_kunit_test_suites(&pvclock_suite);

MODULE_DESCRIPTION("KUnit tests for pvclock");
MODULE_LICENSE("GPL");
