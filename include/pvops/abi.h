/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host ABI of the pvops guest modules: KVM's own hypercall numbers and
 * MSR_KVM_CLOCK_PAGE, as the host series on Linux 6.12 (hostside,
 * patches 0004, 0007, 0012 and 0014) adds them. One CPUID bit of
 * KVM_CPUID_FEATURES (0x40000001 EAX) offers each capability; there is no
 * feature query (pvops/hostabi.c). This file is the guest side's one
 * owner of the ABI.
 *
 * No released kernel's headers define these names yet: the guest modules
 * build against kernels whose headers predate them, so they take the
 * values from here. Each is guarded, and the kernel's <linux/kvm_para.h>
 * comes first, so that headers that gain them take precedence whatever a
 * file included before this one, and tests/abi-check compares them, and struct kvm_clock_page
 * token for token, with the patched 6.12 tree. Documented in
 * Documentation/virt/kvm/x86/hypercalls.rst, cpuid.rst and msr.rst of that
 * tree.
 */
#ifndef _PVOPS_ABI_H
#define _PVOPS_ABI_H

#include <linux/kvm_para.h>
#include <linux/types.h>

/* include/uapi/linux/kvm_para.h, hostside 0004: the remote TLB flush. */
#ifndef KVM_HC_FLUSH_TLB
#define KVM_HC_FLUSH_TLB		13
#endif
/* include/uapi/linux/kvm_para.h, hostside 0007: the lock wait. */
#ifndef KVM_HC_LOCK_WAIT
#define KVM_HC_LOCK_WAIT		14
#endif

/*
 * arch/x86/include/uapi/asm/kvm_para.h, hostside 0004 and 0007: the
 * CPUID bits that offer KVM_HC_FLUSH_TLB and KVM_HC_LOCK_WAIT. The lock
 * wait's kick is KVM_HC_KICK_CPU, offered by KVM_FEATURE_PV_UNHALT.
 */
#ifndef KVM_FEATURE_PV_FLUSH_TLB_HC
#define KVM_FEATURE_PV_FLUSH_TLB_HC	18
#endif
#ifndef KVM_FEATURE_PV_LOCK_WAIT
#define KVM_FEATURE_PV_LOCK_WAIT	19
#endif

/*
 * arch/x86/include/uapi/asm/kvm_para.h, hostside 0004: KVM_HC_FLUSH_TLB's
 * flag in a3 and the longest bitmap in guest memory, in bits.
 *
 * KVM_HC_FLUSH_TLB flushes the TLBs of other vCPUs of the caller's VM,
 * named by APIC ID: bit n of a bitmap names APIC ID a2 + n.
 *   a3 == 0: the bitmap is in registers, a0 bits 0..63, a1 bits 64..127
 *	(KVM_HC_SEND_IPI's layout; from a 32-bit caller a0 and a1 hold 32
 *	bits each).
 *   a3 == KVM_FLUSH_TLB_GPA: a0 is the guest physical address of the
 *	bitmap (8-byte aligned; bit n is bit n % 8 of byte n / 8), a1 its
 *	length in bits, 1..KVM_FLUSH_TLB_MAX_BITS.
 * The caller's own bit is ignored. Everything is checked before anything
 * is flushed. It returns when every target has left guest mode or is not
 * running, each with a guest TLB flush pending, with the number of vCPUs
 * flushed (> 0), or -KVM_EINVAL (unknown flag, set empty or only the
 * caller, an APIC ID with no vCPU, unaligned address), -KVM_E2BIG (length
 * 0 or above the maximum), -KVM_EFAULT (bitmap not readable),
 * -KVM_EOPNOTSUPP (no in-kernel local APIC, or aliased APIC IDs: no APIC
 * map), -KVM_EPERM (CPL > 0). On an error nothing was flushed.
 */
#ifndef KVM_FLUSH_TLB_GPA
#define KVM_FLUSH_TLB_GPA		0x1
#endif
#ifndef KVM_FLUSH_TLB_MAX_BITS
#define KVM_FLUSH_TLB_MAX_BITS		4096
#endif

/*
 * arch/x86/include/uapi/asm/kvm_para.h, hostside 0014: a range in a3 with
 * KVM_FLUSH_TLB_RANGE, offered by KVM_FEATURE_PV_FLUSH_TLB_RANGE (without
 * it the flag is reserved). a3 bits 63:12 are the first address, bits 11:4
 * the number of entries minus one (1..KVM_FLUSH_TLB_MAX_NR entries), bits
 * 3:2 the stride (0xc reserved); entry i is first + i * stride. Each target
 * invalidates each entry's address as INVLPG would, not the paging-structure
 * caches of other addresses (after freeing page tables, flush without a
 * range). -KVM_EINVAL also for the reserved stride, an entry not canonical
 * for the caller, and a range that wraps past 2^64 (2^32 from 32-bit code).
 * A halted target is not woken: it flushes before it next runs.
 */
#ifndef KVM_FEATURE_PV_FLUSH_TLB_RANGE
#define KVM_FEATURE_PV_FLUSH_TLB_RANGE	21
#endif
#ifndef KVM_FLUSH_TLB_RANGE
#define KVM_FLUSH_TLB_RANGE		0x2
#endif
#ifndef KVM_FLUSH_TLB_STRIDE_MASK
#define KVM_FLUSH_TLB_STRIDE_MASK	0xc
#endif
#ifndef KVM_FLUSH_TLB_STRIDE_4K
#define KVM_FLUSH_TLB_STRIDE_4K		0x0
#endif
#ifndef KVM_FLUSH_TLB_STRIDE_2M
#define KVM_FLUSH_TLB_STRIDE_2M		0x4
#endif
#ifndef KVM_FLUSH_TLB_STRIDE_1G
#define KVM_FLUSH_TLB_STRIDE_1G		0x8
#endif
#ifndef KVM_FLUSH_TLB_NR_SHIFT
#define KVM_FLUSH_TLB_NR_SHIFT		4
#endif
#ifndef KVM_FLUSH_TLB_NR_MASK
#define KVM_FLUSH_TLB_NR_MASK		0xff0
#endif
#ifndef KVM_FLUSH_TLB_MAX_NR
#define KVM_FLUSH_TLB_MAX_NR		256
#endif

/*
 * arch/x86/include/uapi/asm/kvm_para.h, hostside 0007: KVM_HC_LOCK_WAIT's
 * results, its flag in a3 and its longest timeout (a2), in ns.
 *
 * KVM_HC_LOCK_WAIT blocks the calling vCPU while the byte at guest physical
 * address a0 holds the value a1 (0..0xff), for at most a2 nanoseconds
 * (1..KVM_LOCK_WAIT_MAX_NS); a3 holds flags. It returns at once with
 * KVM_LOCK_WAIT_CHANGED if the byte differs, and with KVM_LOCK_WAIT_KICKED
 * if a kick is pending (one that came before the wait is remembered).
 * Otherwise it halts the vCPU, with halt-polling, until it is kicked
 * (KVM_LOCK_WAIT_KICKED), the timeout passes (KVM_LOCK_WAIT_TIMEOUT), or an
 * interrupt the vCPU would take, or another event, is pending
 * (KVM_LOCK_WAIT_EVENT). With KVM_LOCK_WAIT_YIELD in a3, before it halts it
 * yields to a preempted vCPU that was in guest kernel mode, as a PAUSE-loop
 * exit does. Errors: -KVM_EINVAL (a1 > 0xff, a2 0 or above the maximum, an
 * unknown flag), -KVM_EFAULT (a0 is not guest memory), -KVM_EOPNOTSUPP (the
 * vCPU runs a nested guest, or the VM has no in-kernel local APIC),
 * -KVM_EPERM (CPL > 0).
 *
 * The kick is KVM_HC_KICK_CPU (a0 flags, none defined: 0; a1 the APIC ID),
 * offered by KVM_FEATURE_PV_UNHALT, as the kernel's kvm_kick_cpu() makes
 * it: it ends a KVM_HC_LOCK_WAIT or a HLT, or is remembered for the next
 * one (the vCPU's pv_unhalted flag), and yields to the target if it is
 * preempted. It returns 0, also for an APIC ID that names no vCPU;
 * -KVM_EPERM (CPL > 0).
 */
#ifndef KVM_LOCK_WAIT_KICKED
#define KVM_LOCK_WAIT_KICKED		0
#endif
#ifndef KVM_LOCK_WAIT_CHANGED
#define KVM_LOCK_WAIT_CHANGED		1
#endif
#ifndef KVM_LOCK_WAIT_TIMEOUT
#define KVM_LOCK_WAIT_TIMEOUT		2
#endif
#ifndef KVM_LOCK_WAIT_EVENT
#define KVM_LOCK_WAIT_EVENT		3
#endif
#ifndef KVM_LOCK_WAIT_YIELD
#define KVM_LOCK_WAIT_YIELD		0x1
#endif
#ifndef KVM_LOCK_WAIT_MAX_NS
#define KVM_LOCK_WAIT_MAX_NS		1000000000
#endif

/*
 * arch/x86/include/uapi/asm/kvm_para.h, hostside 0012: the clock page.
 * KVM_FEATURE_PV_CLOCK_PAGE offers MSR_KVM_CLOCK_PAGE, which takes the
 * page's guest physical address | KVM_MSR_ENABLED (the enable bit of
 * kvmclock's MSRs, in every kernel's headers), or 0 to unregister; a write
 * the host refuses raises #GP and changes nothing. KVM keeps a struct
 * kvm_clock_page at the page's start under kvmclock's version protocol; its
 * first 32 bytes are a struct pvclock_vcpu_time_info with the kvmclock
 * parameters the rest is for. It is valid only while flags has
 * PVCLOCK_TSC_STABLE_BIT and those parameters are the reading vCPU's own
 * kvmclock's; then, with kc the kvmclock time of a TSC read and
 * d = kc - ref_kvmclock_ns (signed),
 *
 *	realtime = ref_realtime_ns + d + floor(d * rate_adj / 2^32)
 *	maxerror = maxerror_ns + ceil(|d| * maxerror_rate / 2^32)
 *
 * with 128-bit products, and realtime is within maxerror ns of the host's
 * CLOCK_REALTIME at that TSC read. disruption_marker changes whenever
 * realtime may be discontinuous against kvmclock. Documented in
 * Documentation/virt/kvm/x86/msr.rst; pvclock/read.h reads it. The uapi
 * header that defines the flags defines the structure next to them: one
 * guard for the three.
 */
#ifndef KVM_FEATURE_PV_CLOCK_PAGE
#define KVM_FEATURE_PV_CLOCK_PAGE	20
#endif
#ifndef MSR_KVM_CLOCK_PAGE
#define MSR_KVM_CLOCK_PAGE	0x4b564d09
#endif

#ifndef KVM_CLOCK_PAGE_TAI_VALID
/* clock_flags */
#define KVM_CLOCK_PAGE_TAI_VALID	0x1
#define KVM_CLOCK_PAGE_LEAP_PENDING	0x2

struct kvm_clock_page {
	/* The kvmclock parameters the page holds realtime for. */
	__u32 version;
	__u32 pad0;
	__u64 tsc_timestamp;
	__u64 system_time;
	__u32 tsc_to_system_mul;
	__s8 tsc_shift;
	__u8 flags;
	__u8 pad1[2];
	/* The host's realtime, in terms of that kvmclock. */
	__u32 clock_flags;
	__s16 tai_offset_sec;
	__u16 size;		/* sizeof(struct kvm_clock_page) */
	__u64 disruption_marker;
	__u64 ref_kvmclock_ns;
	__u64 ref_realtime_ns;
	__s32 rate_adj;
	__u32 maxerror_rate;
	__u64 maxerror_ns;
	__u8 reserved[48];	/* 0; for extensions, which raise size */
};
#endif

#endif /* _PVOPS_ABI_H */
