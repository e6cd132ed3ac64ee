/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading the pvops clock page (struct kvm_pvops_clock, see
 * include/pvops/abi.h): the version protocol and the TSC to ns math. Pure
 * functions of the page and a TSC reader, shared by pvclock.ko and its
 * KUnit suite, which feeds them made-up pages and TSC values.
 */
#ifndef _PVCLOCK_READ_H
#define _PVCLOCK_READ_H

#include <linux/compiler.h>
#include <linux/math64.h>
#include <linux/types.h>
#include <asm/barrier.h>

#include <pvops/abi.h>

/* One consistent reading of the page at one TSC value. */
struct pvclock_reading {
	u64 tsc;
	/* kvmclock at tsc, in ns */
	u64 ns;
	/* host CLOCK_REALTIME at tsc, in ns (with KVM_PVOPS_CLOCK_REALTIME) */
	u64 realtime;
	u64 disruptions;
	u64 refreshes;
	u32 error_bound;
	u32 clock_flags;
	u32 refresh_ms;
	s32 tai_offset;
	u8 flags;
	/* how many times the reader saw the host writing and read again */
	unsigned int retries;
};

/*
 * ns elapsed since the page's reference point at @tsc: signed, so that a
 * TSC read a little before tsc_timestamp gives a little before
 * system_time, and a TSC that wrapped past 2^64 still counts forward.
 */
static __always_inline s64 pvclock_delta_ns(const struct kvm_pvops_clock *p,
					    u64 tsc)
{
	s64 delta = (s64)(tsc - p->tsc_timestamp);
	u32 mul = p->tsc_to_system_mul;
	int shift = p->tsc_shift;
	u64 abs_delta = delta < 0 ? -(u64)delta : (u64)delta;
	u64 ns;

	if (shift < 0)
		abs_delta >>= -shift;
	else
		abs_delta <<= shift;
	ns = mul_u64_u32_shr(abs_delta, mul, 32);
	return delta < 0 ? -(s64)ns : (s64)ns;
}

/**
 * pvclock_page_read() - read the clock page consistently
 * @p: the page
 * @read_tsc: reads the TSC, ordered against the loads around it
 * @r: the reading
 *
 * Retries while the host writes the page (its version is odd or changed
 * between the start and the end of the read), as kvmclock readers do.
 */
static __always_inline void pvclock_page_read(const struct kvm_pvops_clock *p,
					      u64 (*read_tsc)(void),
					      struct pvclock_reading *r)
{
	u32 version;
	s64 delta;

	r->retries = 0;
	for (;;) {
		version = READ_ONCE(p->version) & ~1U;
		/* Read the fields after the version, as the host wrote them before. */
		virt_rmb();
		r->tsc = read_tsc();
		delta = pvclock_delta_ns(p, r->tsc);
		r->ns = p->system_time + delta;
		r->realtime = p->realtime + delta;
		r->disruptions = p->disruptions;
		r->refreshes = p->refreshes;
		r->error_bound = p->error_bound;
		r->clock_flags = p->clock_flags;
		r->refresh_ms = p->refresh_ms;
		r->tai_offset = p->tai_offset;
		r->flags = p->flags;
		/* ...and the version again after them. */
		virt_rmb();
		if (likely(READ_ONCE(p->version) == version))
			break;
		r->retries++;
	}
}

/**
 * pvclock_page_ns() - kvmclock in ns now, and the page's flags
 * @p: the page
 * @read_tsc: reads the TSC, ordered against the loads around it
 * @flags: the page's flags (PVCLOCK_TSC_STABLE_BIT)
 *
 * The clocksource's read: only the fields it needs, nothing copied to the
 * stack (which the kernel zero-fills), as lean as kvm-clock's own read.
 */
static __always_inline u64 pvclock_page_ns(const struct kvm_pvops_clock *p,
					   u64 (*read_tsc)(void), u8 *flags)
{
	u32 version;
	u64 ns;

	do {
		version = READ_ONCE(p->version) & ~1U;
		/* Pairs with the host's write barriers: see pvclock_page_read(). */
		virt_rmb();
		ns = p->system_time + pvclock_delta_ns(p, read_tsc());
		*flags = p->flags;
		/* The version last. */
		virt_rmb();
	} while (unlikely(READ_ONCE(p->version) != version));
	return ns;
}

/*
 * kvmclock in ns at @tsc from the page: for a TSC taken elsewhere (the
 * host's cross timestamp), under the same version protocol.
 */
static __always_inline u64 pvclock_page_ns_at(const struct kvm_pvops_clock *p,
					      u64 tsc)
{
	u32 version;
	u64 ns;

	do {
		version = READ_ONCE(p->version) & ~1U;
		/* Pairs with the host's write barriers: see pvclock_page_read(). */
		virt_rmb();
		ns = p->system_time + pvclock_delta_ns(p, tsc);
		/* The version last. */
		virt_rmb();
	} while (unlikely(READ_ONCE(p->version) != version));
	return ns;
}

#endif /* _PVCLOCK_READ_H */
