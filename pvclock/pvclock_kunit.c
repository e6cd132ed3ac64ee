// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for pvclock: the reading of kvmclock (the TSC to ns scaling,
 * a TSC behind the reference point or wrapped past 2^64) and of the clock
 * page (struct kvm_clock_page): validity against the vCPU's kvmclock,
 * realtime and its bound (signs, large deltas, floor and ceiling), the
 * version protocol's retries, on made-up pages (the PTP clock's samples
 * and cross timestamps are such reads); and the host's answer to
 * MSR_KVM_CLOCK_PAGE on a real page.
 *
 * The live cases register their own page, which moves the VM's one
 * registration away from a loaded pvclock.ko (it registers again within a
 * few seconds): run them without it, as make check does. Their page is a
 * KUnit resource (kt_cp_page()): when the case ends, also when a failed
 * KUNIT_ASSERT ended it early, it is unregistered before it is freed, so
 * that no registration, and no page the host writes, outlives the case.
 * The suite registers nothing else: no clocksource, PTP clock or device.
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

static struct kvm_clock_page kt_cp;
static struct pvclock_vcpu_time_info kt_kvc;
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

static u64 kt_rdtsc(void)
{
	return rdtsc_ordered();
}

/* The reference: (delta << shift or >> -shift) * mul / 2^32, in 128 bits. */
static u64 kt_scale(u64 delta, u32 mul, int shift)
{
	unsigned __int128 d = shift < 0 ? delta >> -shift : (unsigned __int128)delta << shift;

	return (u64)((d * mul) >> 32);
}

/* A vCPU's kvmclock area with these parameters, not being written. */
static void kt_set(u64 tsc_timestamp, u64 system_time, u32 mul, s8 shift)
{
	memset(&kt_kvc, 0, sizeof(kt_kvc));
	kt_kvc.tsc_timestamp = tsc_timestamp;
	kt_kvc.system_time = system_time;
	kt_kvc.tsc_to_system_mul = mul;
	kt_kvc.tsc_shift = shift;
	kt_kvc.flags = PVCLOCK_TSC_STABLE_BIT;
	kt_kvc.version = 2;
	kt_meanwhile = NULL;
}

/* kvmclock at kt_tsc from kt_kvc, by the reader the page's read uses. */
static u64 kt_read(unsigned int *retries)
{
	struct pvclock_params kv;
	u64 tsc, ns;

	kt_calls = 0;
	*retries = 0;
	ns = pvclock_vcpu_read(&kt_kvc, kt_read_tsc, &tsc, &kv, retries);
	return tsc == kt_tsc ? ns : 0;
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
	unsigned int i, j, retries;
	u64 ns;
	u8 flags;

	for (i = 0; i < ARRAY_SIZE(p); i++) {
		for (j = 0; j < ARRAY_SIZE(deltas); j++) {
			kt_set(5000, 123456789, p[i].mul, p[i].shift);
			kt_tsc = 5000 + deltas[j];
			ns = kt_read(&retries);
			KUNIT_EXPECT_EQ_MSG(test, ns, 123456789 +
					    kt_scale(deltas[j], p[i].mul, p[i].shift),
					    "mul %#x shift %d delta %llu", p[i].mul,
					    p[i].shift, deltas[j]);
			KUNIT_EXPECT_EQ(test, retries, 0U);
			/* The clocksource's read and the conversion: the same ns. */
			KUNIT_EXPECT_EQ(test, pvclock_vcpu_ns(&kt_kvc, kt_read_tsc, &flags),
					ns);
			KUNIT_EXPECT_EQ(test, flags, (u8)PVCLOCK_TSC_STABLE_BIT);
		}
	}
	/* 2 GHz: 2000 cycles are 1000 ns. */
	kt_set(0, 0, 0x80000000U, 0);
	kt_tsc = 2000;
	KUNIT_EXPECT_EQ(test, kt_read(&retries), 1000ULL);
}

/* A TSC read a little before the reference point counts backwards from it. */
static void pvclock_test_before_reference(struct kunit *test)
{
	unsigned int retries;

	kt_set(1000000, 5000000000ULL, 0x80000000U, 0);
	kt_tsc = 1000000 - 2000;
	KUNIT_EXPECT_EQ(test, kt_read(&retries), 5000000000ULL - 1000);
}

/* A TSC that wrapped past 2^64 since the reference point still counts on. */
static void pvclock_test_wrap(struct kunit *test)
{
	unsigned int retries;

	kt_set(U64_MAX - 999, 7000, 0x80000000U, 0);
	kt_tsc = 1000;		/* 2000 cycles after the reference */
	KUNIT_EXPECT_EQ(test, kt_read(&retries), 7000ULL + 1000);
}

/* The live cases: a page of ours registered with the host. */
static void kt_need_host(struct kunit *test)
{
	if (!pvops_host_abi()->msr_clock_page)
		kunit_skip(test, "the host offers no clock page (MSR_KVM_CLOCK_PAGE)");
}

/*
 * Undoes kt_cp_page() when the case ends: the host must not write the page
 * once it is freed, so unregister it first (registered or not: the case
 * may have ended between its WRMSR and its own unregistering), and leak it
 * if the host refuses, as pvclock.ko does.
 */
static void kt_cp_page_free(struct kunit_resource *res)
{
	int ret = wrmsrl_safe(MSR_KVM_CLOCK_PAGE, 0);

	if (ret) {
		pr_err("pvclock_kunit: the host refused to unregister the clock page: %pe; leaving the page to it\n",
		       ERR_PTR(ret));
		return;
	}
	free_page((unsigned long)res->data);
}

/* A zeroed page to register, a KUnit resource; NULL if out of memory. */
static void *kt_cp_page(struct kunit *test)
{
	unsigned long page = get_zeroed_page(GFP_KERNEL);

	if (!page)
		return NULL;
	if (!kunit_alloc_resource(test, NULL, kt_cp_page_free, GFP_KERNEL, (void *)page)) {
		free_page(page);
		return NULL;
	}
	return (void *)page;
}

/*
 * The page, on made-up pages and kvmclock areas. The reference:
 * the formulas of the contract, with __int128 and an arithmetic shift.
 */
static s64 kt_floor_ref(s64 d, s32 m)
{
	return (s64)(((__int128)d * m) >> 32);
}

static u64 kt_ceil_ref(u64 a, u32 m)
{
	unsigned __int128 p = (unsigned __int128)a * m;

	return (u64)(p >> 32) + !!(u32)p;
}

/* A valid page for a kvmclock at 2 GHz: 2 cycles per ns. */
static void kt_cp_set(u64 ref_kc, u64 ref_rt, s32 rate_adj, u32 maxerror_rate,
		      u64 maxerror_ns)
{
	memset(&kt_kvc, 0, sizeof(kt_kvc));
	kt_kvc.version = 6;
	kt_kvc.tsc_timestamp = 1000;
	kt_kvc.system_time = 5000000000ULL;
	kt_kvc.tsc_to_system_mul = 0x80000000U;
	kt_kvc.tsc_shift = 0;
	kt_kvc.flags = PVCLOCK_TSC_STABLE_BIT;

	memset(&kt_cp, 0, sizeof(kt_cp));
	kt_cp.version = 2;
	kt_cp.tsc_timestamp = kt_kvc.tsc_timestamp;
	kt_cp.system_time = kt_kvc.system_time;
	kt_cp.tsc_to_system_mul = kt_kvc.tsc_to_system_mul;
	kt_cp.tsc_shift = kt_kvc.tsc_shift;
	kt_cp.flags = PVCLOCK_TSC_STABLE_BIT;
	kt_cp.size = sizeof(kt_cp);
	kt_cp.disruption_marker = 7;
	kt_cp.ref_kvmclock_ns = ref_kc;
	kt_cp.ref_realtime_ns = ref_rt;
	kt_cp.rate_adj = rate_adj;
	kt_cp.maxerror_rate = maxerror_rate;
	kt_cp.maxerror_ns = maxerror_ns;
	kt_meanwhile = NULL;
}

/* The TSC value at which kvmclock reads @ns (at 2 GHz from kt_cp_set()). */
static u64 kt_tsc_at(u64 ns)
{
	return kt_kvc.tsc_timestamp + 2 * (ns - kt_kvc.system_time);
}

static void kt_cp_read(struct pvclock_cp_reading *r)
{
	kt_calls = 0;
	pvclock_cp_read(&kt_cp, &kt_kvc, kt_read_tsc, r);
}

/* The arithmetic alone, against the 128-bit reference, signs and rounding. */
static void pvclock_test_cp_arith(struct kunit *test)
{
	static const s64 ds[] = {
		0, 1, -1, 2, -2, 4294967295LL, -4294967295LL, 4294967296LL,
		-4294967296LL, 4294967297LL, -4294967297LL, 1000000007LL,
		-1000000007LL, 1LL << 40, -(1LL << 40), S64_MAX, S64_MIN + 1,
		S64_MIN,
	};
	static const s32 ms[] = {
		0, 1, -1, 2, -2, 4194303, -4194303, 0x7fff, -0x8000, S32_MAX,
		S32_MIN,
	};
	static const u32 us[] = { 0, 1, 27, 0x10000, 0x80000000U, U32_MAX };
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(ds); i++) {
		for (j = 0; j < ARRAY_SIZE(ms); j++)
			KUNIT_EXPECT_EQ_MSG(test, pvclock_mul_floor(ds[i], ms[j]),
					    kt_floor_ref(ds[i], ms[j]),
					    "d %lld rate %d", ds[i], ms[j]);
		for (j = 0; j < ARRAY_SIZE(us); j++) {
			u64 a = ds[i] < 0 ? -(u64)ds[i] : (u64)ds[i];

			KUNIT_EXPECT_EQ_MSG(test, pvclock_mul_ceil(a, us[j]),
					    kt_ceil_ref(a, us[j]),
					    "|d| %llu rate %u", a, us[j]);
		}
	}
	/* floor rounds towards minus infinity, ceil towards plus infinity. */
	KUNIT_EXPECT_EQ(test, pvclock_mul_floor(1, 1), 0LL);
	KUNIT_EXPECT_EQ(test, pvclock_mul_floor(-1, 1), -1LL);
	KUNIT_EXPECT_EQ(test, pvclock_mul_floor(1, -1), -1LL);
	KUNIT_EXPECT_EQ(test, pvclock_mul_floor(-1, -1), 0LL);
	KUNIT_EXPECT_EQ(test, pvclock_mul_floor(1LL << 32, -1), -1LL);
	KUNIT_EXPECT_EQ(test, pvclock_mul_floor((1LL << 32) + 1, -1), -2LL);
	KUNIT_EXPECT_EQ(test, pvclock_mul_floor(-(1LL << 32), 3), -3LL);
	KUNIT_EXPECT_EQ(test, pvclock_mul_ceil(1, 1), 1ULL);
	KUNIT_EXPECT_EQ(test, pvclock_mul_ceil(1ULL << 32, 1), 1ULL);
	KUNIT_EXPECT_EQ(test, pvclock_mul_ceil((1ULL << 32) + 1, 1), 2ULL);
	KUNIT_EXPECT_EQ(test, pvclock_mul_ceil(0, U32_MAX), 0ULL);
	/* |d| = 2^63 (d = S64_MIN) at the largest rate: no overflow. */
	KUNIT_EXPECT_EQ(test, pvclock_mul_ceil(1ULL << 63, U32_MAX),
			(1ULL << 63) - (1ULL << 31));
}

/* A valid page: realtime and the bound at and around the reference. */
static void pvclock_test_cp_valid(struct kunit *test)
{
	/* rate_adj -2^22: realtime runs about 977 ppm slower than kvmclock. */
	static const s32 rates[] = { 0, 1000, -1000, 4194303, -4194304 };
	static const s64 ds[] = {
		0, 1, -1, 999, -999, 1000000000LL, -1000000000LL,
		86400LL * NSEC_PER_SEC, -86400LL * NSEC_PER_SEC,
	};
	const u64 ref_kc = 6000000000ULL, ref_rt = 1700000000ULL * NSEC_PER_SEC;
	struct pvclock_cp_reading r;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(rates); i++) {
		for (j = 0; j < ARRAY_SIZE(ds); j++) {
			s64 d = ds[j];

			kt_cp_set(ref_kc, ref_rt, rates[i], 28, 8);
			kt_tsc = kt_tsc_at(ref_kc + d);
			kt_cp_read(&r);
			KUNIT_ASSERT_TRUE(test, r.valid);
			KUNIT_EXPECT_EQ(test, r.ns, ref_kc + d);
			KUNIT_EXPECT_EQ(test, r.tsc, kt_tsc);
			KUNIT_EXPECT_EQ_MSG(test, r.realtime,
					    ref_rt + d + kt_floor_ref(d, rates[i]),
					    "d %lld rate_adj %d", d, rates[i]);
			KUNIT_EXPECT_EQ_MSG(test, r.maxerror,
					    8 + kt_ceil_ref(d < 0 ? -d : d, 28),
					    "d %lld", d);
			KUNIT_EXPECT_EQ(test, r.retries, 0U);
			KUNIT_EXPECT_EQ(test, r.disruption_marker, 7ULL);
		}
	}
	/* One day ahead at +1000 units: 86400 s * 1000 / 2^32 = 20116567.6 ns. */
	kt_cp_set(ref_kc, ref_rt, 1000, 0, 8);
	kt_tsc = kt_tsc_at(ref_kc + 86400ULL * NSEC_PER_SEC);
	kt_cp_read(&r);
	KUNIT_EXPECT_EQ(test, r.realtime - ref_rt, 86400ULL * NSEC_PER_SEC + 20116567);
	KUNIT_EXPECT_EQ(test, r.maxerror, 8ULL);
	/* ...and behind: floor takes -20116568. */
	kt_tsc = kt_tsc_at(ref_kc - 86400ULL * NSEC_PER_SEC);
	kt_cp_read(&r);
	KUNIT_EXPECT_EQ(test, (s64)(r.realtime - ref_rt),
			-86400LL * NSEC_PER_SEC - 20116568);

	/* The other fields come through. */
	kt_cp_set(ref_kc, ref_rt, 0, 1, 8);
	kt_cp.clock_flags = KVM_CLOCK_PAGE_TAI_VALID | KVM_CLOCK_PAGE_LEAP_PENDING;
	kt_cp.tai_offset_sec = 37;
	kt_tsc = kt_tsc_at(ref_kc);
	kt_cp_read(&r);
	KUNIT_EXPECT_EQ(test, r.clock_flags, (u32)(KVM_CLOCK_PAGE_TAI_VALID |
						    KVM_CLOCK_PAGE_LEAP_PENDING));
	KUNIT_EXPECT_EQ(test, r.tai_offset, 37);
	KUNIT_EXPECT_EQ(test, r.flags, (u8)PVCLOCK_TSC_STABLE_BIT);
	/* A bound that would pass 2^64 saturates. */
	kt_cp_set(ref_kc, ref_rt, 0, U32_MAX, U64_MAX - 10);
	kt_tsc = kt_tsc_at(ref_kc + NSEC_PER_SEC);
	kt_cp_read(&r);
	KUNIT_EXPECT_EQ(test, r.maxerror, U64_MAX);
}

/* Invalid: no STABLE bit on either side, or other kvmclock parameters. */
static void pvclock_test_cp_invalid(struct kunit *test)
{
	struct pvclock_cp_reading r;
	unsigned int i;

	for (i = 0; i < 7; i++) {
		kt_cp_set(6000000000ULL, 1ULL << 60, 0, 0, 8);
		kt_cp.disruption_marker = 11;
		switch (i) {
		case 0:
			kt_cp.flags = 0;
			break;
		case 1:
			kt_kvc.flags = 0;
			break;
		case 2:
			kt_cp.tsc_timestamp++;
			break;
		case 3:
			kt_cp.system_time--;
			break;
		case 4:
			kt_cp.tsc_to_system_mul ^= 1;
			break;
		case 5:
			kt_cp.tsc_shift = 1;
			break;
		case 6:
			/* A zeroed page: never written by this host. */
			memset(&kt_cp, 0, sizeof(kt_cp));
			kt_cp.disruption_marker = 11;
			break;
		}
		kt_tsc = kt_tsc_at(7000000000ULL);
		kt_cp_read(&r);
		KUNIT_EXPECT_FALSE_MSG(test, r.valid, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, r.maxerror, U64_MAX, "case %u", i);
		/* kvmclock and the marker are read all the same. */
		KUNIT_EXPECT_EQ_MSG(test, r.ns, 7000000000ULL, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, r.disruption_marker, 11ULL, "case %u", i);
	}
}

/* The host writes the page while the guest reads it: new parameters. */
static void kt_cp_host_writes(void)
{
	kt_cp.version++;
	kt_kvc.version++;
	kt_kvc.system_time = 9000000000ULL;
	kt_cp.system_time = 9000000000ULL;
	kt_cp.ref_kvmclock_ns = 10000000000ULL;
	kt_cp.disruption_marker++;
	kt_kvc.version++;
	kt_cp.version++;
}

/* The host finishes a write of the page begun before the read. */
static void kt_cp_host_finishes(void)
{
	kt_cp.ref_realtime_ns += 500;
	kt_cp.version++;
}

/* The host finishes an update of the vCPU's kvmclock begun before the read. */
static void kt_kvc_host_finishes(void)
{
	kt_kvc.system_time += 100;
	kt_kvc.version++;
}

/* The host updates the vCPU's kvmclock, not the page: now a mismatch. */
static void kt_kvc_host_writes(void)
{
	kt_kvc.version++;
	kt_kvc.system_time += 100;
	kt_kvc.version++;
}

static void pvclock_test_cp_retry(struct kunit *test)
{
	const u64 ref_kc = 6000000000ULL, ref_rt = 1ULL << 60;
	struct pvclock_cp_reading r;
	u8 flags;

	/* A write between the page's two version reads: read both again. */
	kt_cp_set(ref_kc, ref_rt, 0, 0, 8);
	kt_meanwhile = kt_cp_host_writes;
	kt_tsc = kt_tsc_at(ref_kc + 1000);
	kt_cp_read(&r);
	/* Once for the kvmclock area, once for the page. */
	KUNIT_EXPECT_EQ(test, r.retries, 2U);
	KUNIT_EXPECT_EQ(test, kt_calls, 3U);
	KUNIT_EXPECT_TRUE(test, r.valid);
	KUNIT_EXPECT_EQ(test, r.disruption_marker, 8ULL);
	/* kvmclock 4 s later at the same TSC; 1000 ns after the new reference. */
	KUNIT_EXPECT_EQ(test, r.ns, 10000000000ULL + 1000);
	KUNIT_EXPECT_EQ(test, r.realtime, ref_rt + 1000);

	/* The page's version is odd when the read starts. */
	kt_cp_set(ref_kc, ref_rt, 0, 0, 8);
	kt_cp.version = 3;
	kt_meanwhile = kt_cp_host_finishes;
	kt_tsc = kt_tsc_at(ref_kc);
	kt_cp_read(&r);
	KUNIT_EXPECT_EQ(test, r.retries, 1U);
	KUNIT_EXPECT_EQ(test, r.realtime, ref_rt + 500);
	KUNIT_EXPECT_EQ(test, kt_cp.version, 4U);

	/*
	 * The kvmclock area's version is odd when the read starts, for new
	 * parameters that the page has already.
	 */
	kt_cp_set(ref_kc, ref_rt, 0, 0, 8);
	kt_tsc = kt_tsc_at(ref_kc);
	kt_kvc.version = 7;
	kt_kvc.system_time -= 100;
	kt_meanwhile = kt_kvc_host_finishes;
	kt_cp_read(&r);
	KUNIT_EXPECT_EQ(test, r.retries, 1U);
	KUNIT_EXPECT_TRUE(test, r.valid);
	KUNIT_EXPECT_EQ(test, r.ns, ref_kc);
	KUNIT_EXPECT_EQ(test, kt_kvc.version, 8U);

	/* A kvmclock update alone during the read: retried, then a mismatch. */
	kt_cp_set(ref_kc, ref_rt, 0, 0, 8);
	kt_meanwhile = kt_kvc_host_writes;
	kt_tsc = kt_tsc_at(ref_kc);
	kt_cp_read(&r);
	KUNIT_EXPECT_EQ(test, r.retries, 1U);
	KUNIT_EXPECT_FALSE(test, r.valid);
	KUNIT_EXPECT_EQ(test, r.ns, ref_kc + 100);

	/* The clocksource's read, the host writing during it. */
	kt_cp_set(ref_kc, ref_rt, 0, 0, 8);
	kt_meanwhile = kt_kvc_host_writes;
	kt_calls = 0;
	kt_tsc = kt_tsc_at(ref_kc + 10);
	KUNIT_EXPECT_EQ(test, pvclock_vcpu_ns(&kt_kvc, kt_read_tsc, &flags),
			ref_kc + 10 + 100);
	KUNIT_EXPECT_EQ(test, kt_calls, 2U);
	KUNIT_EXPECT_EQ(test, flags, (u8)PVCLOCK_TSC_STABLE_BIT);
}

/* Refused writes of MSR_KVM_CLOCK_PAGE raise #GP and write nothing. */
static void pvclock_test_host_bad_writes(struct kunit *test)
{
	void *p;
	u64 gpa;

	kt_need_host(test);
	p = kt_cp_page(test);
	KUNIT_ASSERT_NOT_NULL(test, p);
	gpa = virt_to_phys(p);

	/* Refused writes raise #GP and write nothing. */
	KUNIT_EXPECT_EQ(test, wrmsrl_safe(MSR_KVM_CLOCK_PAGE, gpa | 0x2 | KVM_MSR_ENABLED),
			-EIO);
	KUNIT_EXPECT_EQ(test, wrmsrl_safe(MSR_KVM_CLOCK_PAGE, gpa), -EIO);
	/* Beyond any MAXPHYADDR (not a constant: sparse sees through wrmsrl_safe()). */
	KUNIT_EXPECT_EQ(test, wrmsrl_safe(MSR_KVM_CLOCK_PAGE,
					  BIT_ULL(52) | gpa | KVM_MSR_ENABLED), -EIO);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(p, 0, PAGE_SIZE));
}

/*
 * A page registered with MSR_KVM_CLOCK_PAGE: written, valid, monotonic, and
 * right: at the TSC value of a KVM_HC_CLOCK_PAIRING, which gives the host's
 * CLOCK_REALTIME at that value, the page's realtime is within its maxerror
 * of it (and KT_PAIR_SLACK_NS for the pairing's own rounding). Not against
 * the guest's CLOCK_REALTIME: nothing keeps that in step with the host's
 * (no NTP here), and it lags by the ticks an emulated guest loses while it
 * boots on the jiffies clocksource, 0.5 s to over 1 s in the testbed, more
 * under load.
 */
#define KT_PAIR_SLACK_NS	1000

static void pvclock_test_host_page(struct kunit *test)
{
	struct pvclock_cp_reading r, r2;
	struct kvm_clock_pairing *pair;
	struct kvm_clock_page *p;
	u64 gpa, host;
	s64 off;
	long hc;

	kt_need_host(test);
	p = kt_cp_page(test);
	KUNIT_ASSERT_NOT_NULL(test, p);
	gpa = virt_to_phys(p);
	/* kmalloc: in the direct map, so virt_to_phys() is its guest address. */
	pair = kunit_kzalloc(test, sizeof(*pair), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pair);

	KUNIT_ASSERT_EQ(test, wrmsrl_safe(MSR_KVM_CLOCK_PAGE, gpa | KVM_MSR_ENABLED), 0);
	/* Written before the WRMSR retired. */
	KUNIT_EXPECT_EQ(test, p->size, (u16)sizeof(*p));
	KUNIT_EXPECT_EQ(test, p->version & 1, 0U);
	preempt_disable();
	hc = pvops_hypercall(KVM_HC_CLOCK_PAIRING, virt_to_phys(pair),
			     KVM_CLOCK_PAIRING_WALLCLOCK, 0, 0);
	kt_tsc = pair->tsc;
	kt_calls = 0;
	kt_meanwhile = NULL;
	pvclock_cp_read(p, this_cpu_pvti(), kt_read_tsc, &r);
	preempt_enable();
	KUNIT_ASSERT_EQ(test, hc, 0L);
	KUNIT_EXPECT_TRUE(test, r.valid);
	KUNIT_EXPECT_GE(test, r.maxerror, 1ULL);
	host = (u64)pair->sec * NSEC_PER_SEC + pair->nsec;
	off = (s64)(r.realtime - host);
	KUNIT_EXPECT_LE_MSG(test, abs(off), (s64)(r.maxerror + KT_PAIR_SLACK_NS),
			    "page %llu, host (KVM_HC_CLOCK_PAIRING) %llu at TSC %llu, maxerror %llu",
			    r.realtime, host, pair->tsc, r.maxerror);
	kunit_info(test, "page - host realtime: %lld ns (maxerror %llu ns)\n", off, r.maxerror);
	preempt_disable();
	pvclock_cp_read(p, this_cpu_pvti(), kt_rdtsc, &r);
	preempt_enable();
	/* Monotonic on this CPU over a few thousand reads. */
	for (int i = 0; i < 5000; i++) {
		preempt_disable();
		pvclock_cp_read(p, this_cpu_pvti(), kt_rdtsc, &r2);
		preempt_enable();
		KUNIT_ASSERT_TRUE(test, r2.valid);
		KUNIT_ASSERT_GE(test, r2.realtime, r.realtime);
		r = r2;
	}
	/* The guest writing the same value again leaves the marker alone. */
	KUNIT_EXPECT_EQ(test, wrmsrl_safe(MSR_KVM_CLOCK_PAGE, gpa | KVM_MSR_ENABLED), 0);
	preempt_disable();
	pvclock_cp_read(p, this_cpu_pvti(), kt_rdtsc, &r2);
	preempt_enable();
	KUNIT_EXPECT_EQ(test, r2.disruption_marker, r.disruption_marker);

	/* kt_cp_page_free() unregisters it again, as it must after a failed assertion. */
	KUNIT_EXPECT_EQ(test, wrmsrl_safe(MSR_KVM_CLOCK_PAGE, 0), 0);
}

static struct kunit_case pvclock_cases[] = {
	KUNIT_CASE(pvclock_test_scale),
	KUNIT_CASE(pvclock_test_before_reference),
	KUNIT_CASE(pvclock_test_wrap),
	KUNIT_CASE(pvclock_test_cp_arith),
	KUNIT_CASE(pvclock_test_cp_valid),
	KUNIT_CASE(pvclock_test_cp_invalid),
	KUNIT_CASE(pvclock_test_cp_retry),
	KUNIT_CASE(pvclock_test_host_bad_writes),
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
