/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel APIs that differ between the two series pvops builds for:
 * Linux 6.1 (Debian 12's own kernel) and Linux 6.12 (Debian 12's from
 * bookworm-security). Every difference is settled here, keyed on the
 * release that made it, so that the modules' .c files read the same on
 * both and no version test is scattered through them.
 */
#ifndef _PVOPS_COMPAT_H
#define _PVOPS_COMPAT_H

#include <linux/clocksource.h>
#include <linux/ftrace.h>
#include <linux/lockdep.h>
#include <linux/timekeeping.h>
#include <linux/version.h>
/* struct pvclock_vsyscall_time_info, which asm/kvmclock.h uses. */
#include <asm/pvclock.h>
#include <asm/kvmclock.h>

/*
 * PVOPS_SINCE(6, x): LINUX_VERSION_CODE >= KERNEL_VERSION(6, x, 0), spelt
 * with version.h's parts because checkpatch (tests/lint) warns at every
 * LINUX_VERSION_CODE. Each test below names the release that made the
 * change; both series were read, not the ones in between.
 */
#define PVOPS_SINCE(major, minor)					\
	(KERNEL_VERSION(LINUX_VERSION_MAJOR, LINUX_VERSION_PATCHLEVEL, 0) >=	\
	 KERNEL_VERSION(major, minor, 0))
#define PVOPS_SERIES(major, minor)					\
	(LINUX_VERSION_MAJOR == (major) && LINUX_VERSION_PATCHLEVEL == (minor))

/* Another series may differ in ways nothing here knows about. */
#if !PVOPS_SERIES(6, 1) && !PVOPS_SERIES(6, 12)
#error "pvops: this kernel is neither Linux 6.1 nor 6.12, the series pvops is written for"
#endif

/*
 * pvops_ftrace_set_ip() - make the traced function return into @ip.
 * 6.2 renamed ftrace_instruction_pointer_set() (same arguments).
 */
#if PVOPS_SINCE(6, 2)
#define pvops_ftrace_set_ip(fregs, ip) \
	ftrace_regs_set_instruction_pointer(fregs, ip)
#else
#define pvops_ftrace_set_ip(fregs, ip) \
	ftrace_instruction_pointer_set(fregs, ip)
#endif

/*
 * pvops_assign_str() - TP_fast_assign() of a __string(dst, src) field.
 * 6.10 dropped __assign_str()'s source argument: it copies what
 * __string() named.
 */
#if PVOPS_SINCE(6, 10)
#define pvops_assign_str(dst, src)					\
	do {								\
		(void)(src);						\
		__assign_str(dst);					\
	} while (0)
#else
#define pvops_assign_str(dst, src) __assign_str(dst, src)
#endif

/*
 * kvmclock for get_device_system_crosststamp(), and kvm-clock's own read.
 *
 * 6.9 names the clocksource a system counter value belongs to by ID
 * (struct system_counterval_t.cs_id, kvm-clock's is CSID_X86_KVM_CLK)
 * instead of by pointer (.cs), and get_device_system_crosststamp()
 * refuses CSID_GENERIC. That took kvm_clock's one module user, ptp_kvm,
 * off the symbol: 6.12 has kvm_clock static. Before, a counter value named
 * one clocksource and was good only while that one was current.
 *
 * PVOPS_CSID_KVMCLOCK: the ID of a clocksource that counts kvmclock's ns,
 * as kvm-clock does: kvm-clock's own where IDs name counters, so that one
 * counter value in kvmclock ns serves whichever of the two is current.
 */
#if PVOPS_SINCE(6, 9)
#define PVOPS_CSID_KVMCLOCK CSID_X86_KVM_CLK
#else
#define PVOPS_CSID_KVMCLOCK CSID_GENERIC
#endif

/*
 * The system counter value of kvmclock at @ns, from a cross timestamp's
 * get_time_fn; @ctx: what pvops_crosststamp_kvmclock() passed it.
 */
static inline void pvops_counterval_kvmclock(struct system_counterval_t *c,
					     u64 ns, void *ctx)
{
	c->cycles = ns;
#if PVOPS_SINCE(6, 9)
	c->cs_id = PVOPS_CSID_KVMCLOCK;
#else
	/* The clocksource pvops_crosststamp_kvmclock() is trying. */
	c->cs = ctx;
#endif
}

/*
 * One cross timestamp of a device whose @fn gives kvmclock ns with
 * pvops_counterval_kvmclock(); -ENODEV unless @cs (whose id is
 * PVOPS_CSID_KVMCLOCK) or kvm-clock is the current clocksource.
 */
static inline int
pvops_crosststamp_kvmclock(int (*fn)(ktime_t *, struct system_counterval_t *,
				     void *),
			   struct clocksource *cs,
			   struct system_device_crosststamp *xt)
{
#if PVOPS_SINCE(6, 9)
	/* One ID for both: the counter value names it, not @cs. */
	if (WARN_ON_ONCE(cs->id != PVOPS_CSID_KVMCLOCK))
		return -EINVAL;
	return get_device_system_crosststamp(fn, NULL, NULL, xt);
#else
	int ret = get_device_system_crosststamp(fn, cs, NULL, xt);

	/* -ENODEV: @cs is not the current clocksource; kvm-clock may be. */
	if (ret == -ENODEV)
		ret = get_device_system_crosststamp(fn, &kvm_clock, NULL, xt);
	return ret;
#endif
}

/*
 * kvm-clock's reading on this vCPU; preemption off (this vCPU's area).
 * Keyed on 6.9 with the cross timestamp above, although kvm_clock went
 * static later (it is static in 6.12): the read of the exported per-CPU
 * area is right on every kernel, the kernel's pvclock helpers on it, as
 * ptp_kvm reads it. That is kvm-clock's read but for its clamp to the most
 * any CPU has read, which __pvclock_clocksource_read() skips only when
 * both the guest (KVM_FEATURE_CLOCKSOURCE_STABLE_BIT) and the area
 * (PVCLOCK_TSC_STABLE_BIT) say the TSC is stable: on a host without a
 * stable TSC this reads what kvm-clock would have clamped.
 */
static __always_inline u64 pvops_kvmclock_read(void)
{
#if PVOPS_SINCE(6, 9)
	struct pvclock_vcpu_time_info *src;
	unsigned int version;
	u64 ns;

	lockdep_assert_preemption_disabled();
	src = this_cpu_pvti();

	do {
		version = pvclock_read_begin(src);
		ns = __pvclock_read_cycles(src, rdtsc_ordered());
	} while (pvclock_read_retry(src, version));
	return ns;
#else
	return kvm_clock.read(&kvm_clock);
#endif
}

#endif /* _PVOPS_COMPAT_H */
