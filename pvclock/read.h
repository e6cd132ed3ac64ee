/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the clock page (include/pvops/abi.h: struct kvm_clock_page,
 * MSR_KVM_CLOCK_PAGE) and the vCPU's kvmclock it is read against: the
 * version protocol (pvclock_vcpu_read()), the TSC to ns math and the page's
 * realtime and error bound (pvclock_cp_read()). Pure functions of the page,
 * the vCPU's kvmclock and a TSC reader, shared by pvclock.ko and its KUnit
 * suite, which feeds them made-up pages and TSC values.
 */
#ifndef _PVCLOCK_READ_H
#define _PVCLOCK_READ_H

#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/overflow.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <asm/barrier.h>
#include <asm/pvclock-abi.h>

#include <pvops/abi.h>

/*
 * ns elapsed since kvmclock's reference point at @tsc: signed, so that a
 * TSC read a little before tsc_timestamp gives a little before
 * system_time, and a TSC that wrapped past 2^64 still counts forward.
 */
static __always_inline s64 pvclock_scale_ns(u64 tsc, u64 tsc_timestamp,
					    u32 mul, int shift)
{
	s64 delta = (s64)(tsc - tsc_timestamp);
	u64 abs_delta = delta < 0 ? -(u64)delta : (u64)delta;
	u64 ns;

	if (shift < 0)
		abs_delta >>= -shift;
	else
		abs_delta <<= shift;
	ns = mul_u64_u32_shr(abs_delta, mul, 32);
	return delta < 0 ? -(s64)ns : (s64)ns;
}

/*
 * The page (hostside 0012): struct kvm_clock_page. Its layout, as
 * CLOCK.md's table gives it; tests/abi-check compares the declaration with
 * the patched tree's.
 */
static_assert(sizeof(struct kvm_clock_page) == 128);
static_assert(offsetof(struct kvm_clock_page, tsc_timestamp) == 8);
static_assert(offsetof(struct kvm_clock_page, flags) == 29);
static_assert(offsetof(struct kvm_clock_page, clock_flags) == 32);
static_assert(offsetof(struct kvm_clock_page, tai_offset_sec) == 36);
static_assert(offsetof(struct kvm_clock_page, size) == 38);
static_assert(offsetof(struct kvm_clock_page, disruption_marker) == 40);
static_assert(offsetof(struct kvm_clock_page, ref_kvmclock_ns) == 48);
static_assert(offsetof(struct kvm_clock_page, ref_realtime_ns) == 56);
static_assert(offsetof(struct kvm_clock_page, rate_adj) == 64);
static_assert(offsetof(struct kvm_clock_page, maxerror_rate) == 68);
static_assert(offsetof(struct kvm_clock_page, maxerror_ns) == 72);
static_assert(offsetof(struct kvm_clock_page, reserved) == 80);

/* kvmclock's parameters, as one read of a struct pvclock_vcpu_time_info gave them. */
struct pvclock_params {
	u64 tsc_timestamp;
	u64 system_time;
	u32 mul;
	s8 shift;
	u8 flags;
};

/**
 * pvclock_vcpu_read() - read a vCPU's kvmclock consistently
 * @src: the vCPU's kvmclock area (this_cpu_pvti())
 * @read_tsc: reads the TSC, ordered against the loads around it
 * @tsc: the TSC value read
 * @kv: the parameters the ns were computed with
 * @retries: incremented for each time the host was seen writing
 *
 * kvmclock's version protocol: the host makes version odd, writes the
 * parameters, and makes it even again, with write barriers in between. So
 * the reader reads version, then (after a read barrier) the TSC and the
 * parameters, then (after another) version again, and reads everything
 * again if version was odd or changed. Masking the low bit of the first
 * read makes an odd version fail the comparison.
 *
 * Return: kvmclock in ns at @tsc.
 */
static __always_inline u64
pvclock_vcpu_read(const struct pvclock_vcpu_time_info *src,
		  u64 (*read_tsc)(void), u64 *tsc, struct pvclock_params *kv,
		  unsigned int *retries)
{
	u32 version;
	u64 ns;

	for (;;) {
		version = READ_ONCE(src->version) & ~1U;
		/* The parameters after the version, as the host wrote them before. */
		virt_rmb();
		*tsc = read_tsc();
		kv->tsc_timestamp = READ_ONCE(src->tsc_timestamp);
		kv->system_time = READ_ONCE(src->system_time);
		kv->mul = READ_ONCE(src->tsc_to_system_mul);
		kv->shift = READ_ONCE(src->tsc_shift);
		kv->flags = READ_ONCE(src->flags);
		ns = kv->system_time + pvclock_scale_ns(*tsc, kv->tsc_timestamp,
							kv->mul, kv->shift);
		/* ...and the version again after them. */
		virt_rmb();
		if (likely(READ_ONCE(src->version) == version))
			return ns;
		(*retries)++;
	}
}

/*
 * floor(@d * @m / 2^32) for a signed @d and @m, as an arithmetic shift of
 * the 128-bit product would give it, from 64-bit pieces: the product of the
 * magnitudes, shifted, rounded away from zero when negative and inexact.
 * |@d| < 2^63 and |@m| <= 2^31 keep the result below 2^62.
 */
static __always_inline s64 pvclock_mul_floor(s64 d, s32 m)
{
	u64 ad = d < 0 ? -(u64)d : (u64)d;
	u32 am = m < 0 ? -(u32)m : (u32)m;
	u64 q = mul_u64_u32_shr(ad, am, 32);
	/* The low 32 bits of ad * am, the part the shift drops. */
	bool inexact = lower_32_bits((u64)lower_32_bits(ad) * am) != 0;
	bool d_neg = d < 0, m_neg = m < 0;

	if (d_neg == m_neg)
		return (s64)q;
	return -(s64)(q + inexact);
}

/* ceil(@a * @m / 2^32), for an unsigned @a and @m. */
static __always_inline u64 pvclock_mul_ceil(u64 a, u32 m)
{
	return mul_u64_u32_shr(a, m, 32) +
	       (lower_32_bits((u64)lower_32_bits(a) * m) != 0);
}

/**
 * struct pvclock_cp_reading - one reading of the clock page
 * @tsc: the TSC value read
 * @ns: the vCPU's kvmclock at @tsc, in ns
 * @realtime: the host's CLOCK_REALTIME at @tsc, in ns; with @valid only
 * @maxerror: the bound on @realtime's error at @tsc, in ns (U64_MAX if it
 *	would overflow); with @valid only
 * @disruption_marker: the page's marker, whether or not it is valid
 * @clock_flags: KVM_CLOCK_PAGE_* flags
 * @tai_offset: CLOCK_TAI - CLOCK_REALTIME, s, with KVM_CLOCK_PAGE_TAI_VALID
 * @flags: the vCPU's kvmclock flags (PVCLOCK_TSC_STABLE_BIT)
 * @valid: the page and the vCPU's kvmclock both have
 *	PVCLOCK_TSC_STABLE_BIT and the same parameters
 * @retries: how many times the reader saw the host writing (the page or
 *	the kvmclock area) and read again
 */
struct pvclock_cp_reading {
	u64 tsc;
	u64 ns;
	u64 realtime;
	u64 maxerror;
	u64 disruption_marker;
	u32 clock_flags;
	s16 tai_offset;
	u8 flags;
	bool valid;
	unsigned int retries;
};

/**
 * pvclock_cp_read() - read the clock page consistently
 * @p: the page
 * @kvc: the reading vCPU's own, enabled kvmclock area (this_cpu_pvti());
 *	the caller keeps preemption off, so that it stays this vCPU's
 * @read_tsc: reads the TSC, ordered against the loads around it
 * @r: the reading
 *
 * The contract of MSR_KVM_CLOCK_PAGE (hostside/CLOCK.md): the page's
 * version protocol is kvmclock's (see pvclock_vcpu_read()), and the vCPU's
 * kvmclock, with the one TSC read, is read between the page's two version
 * reads, so that the parameters compared are the ones the page was read
 * with. Then, with d = kvmclock - ref_kvmclock_ns (signed):
 *
 *	realtime = ref_realtime_ns + d + floor(d * rate_adj / 2^32)
 *	maxerror = maxerror_ns + ceil(|d| * maxerror_rate / 2^32)
 *
 * with the products in 128 bits (pvclock_mul_floor(), pvclock_mul_ceil()).
 */
static __always_inline void pvclock_cp_read(const struct kvm_clock_page *p,
					    const struct pvclock_vcpu_time_info *kvc,
					    u64 (*read_tsc)(void),
					    struct pvclock_cp_reading *r)
{
	u64 tsc_timestamp, system_time, ref_kc, ref_rt, maxerror_ns;
	struct pvclock_params kv;
	u32 version, mul, maxerror_rate;
	s32 rate_adj;
	s8 shift;
	u8 flags;
	s64 d;

	r->retries = 0;
	for (;;) {
		version = READ_ONCE(p->version) & ~1U;
		/* The fields after the version, as the host wrote them before. */
		virt_rmb();
		tsc_timestamp = READ_ONCE(p->tsc_timestamp);
		system_time = READ_ONCE(p->system_time);
		mul = READ_ONCE(p->tsc_to_system_mul);
		shift = READ_ONCE(p->tsc_shift);
		flags = READ_ONCE(p->flags);
		r->clock_flags = READ_ONCE(p->clock_flags);
		r->tai_offset = READ_ONCE(p->tai_offset_sec);
		r->disruption_marker = READ_ONCE(p->disruption_marker);
		ref_kc = READ_ONCE(p->ref_kvmclock_ns);
		ref_rt = READ_ONCE(p->ref_realtime_ns);
		rate_adj = READ_ONCE(p->rate_adj);
		maxerror_rate = READ_ONCE(p->maxerror_rate);
		maxerror_ns = READ_ONCE(p->maxerror_ns);
		/* The vCPU's kvmclock and the TSC, inside the page's read. */
		r->ns = pvclock_vcpu_read(kvc, read_tsc, &r->tsc, &kv,
					  &r->retries);
		/* ...and the page's version again after all of them. */
		virt_rmb();
		if (likely(READ_ONCE(p->version) == version))
			break;
		r->retries++;
	}

	r->flags = kv.flags;
	r->valid = (flags & PVCLOCK_TSC_STABLE_BIT) &&
		   (kv.flags & PVCLOCK_TSC_STABLE_BIT) &&
		   tsc_timestamp == kv.tsc_timestamp &&
		   system_time == kv.system_time && mul == kv.mul &&
		   shift == kv.shift;
	if (!r->valid) {
		r->realtime = 0;
		r->maxerror = U64_MAX;
		return;
	}
	d = (s64)(r->ns - ref_kc);
	r->realtime = ref_rt + d + pvclock_mul_floor(d, rate_adj);
	if (check_add_overflow(maxerror_ns,
			       pvclock_mul_ceil(d < 0 ? -(u64)d : (u64)d,
						maxerror_rate),
			       &r->maxerror))
		r->maxerror = U64_MAX;
}

/**
 * pvclock_vcpu_ns() - kvmclock in ns now, from the vCPU's own area
 * @kvc: the vCPU's kvmclock area (this_cpu_pvti()), preemption off
 * @read_tsc: reads the TSC, ordered against the loads around it
 * @flags: the area's flags (PVCLOCK_TSC_STABLE_BIT)
 *
 * The clocksource's read: the page adds nothing to kvmclock, which every
 * vCPU has in its own area.
 */
static __always_inline u64
pvclock_vcpu_ns(const struct pvclock_vcpu_time_info *kvc,
		u64 (*read_tsc)(void), u8 *flags)
{
	struct pvclock_params kv;
	unsigned int retries = 0;
	u64 tsc, ns;

	ns = pvclock_vcpu_read(kvc, read_tsc, &tsc, &kv, &retries);
	*flags = kv.flags;
	return ns;
}

#endif /* _PVCLOCK_READ_H */
