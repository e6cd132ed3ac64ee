/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvtlb: packing a set of target vCPUs, and a flush's range, into the flush
 * hypercall's arguments (KVM_HC_FLUSH_TLB), and a CPU's recent steal time.
 * Shared by pvtlb.ko and its KUnit suite.
 */
#ifndef _PVTLB_PVTLB_H
#define _PVTLB_PVTLB_H

#include <linux/time64.h>
#include <linux/types.h>

#include <pvops/abi.h>

/* Bytes of the bitmap buffer the memory form needs. */
#define PVTLB_BITMAP_BYTES	(KVM_FLUSH_TLB_MAX_BITS / 8)

/**
 * struct pvtlb_flush_args - the four arguments of the flush hypercall
 * @a0: bitmap bits 0..63, or the bitmap's guest physical address
 * @a1: bitmap bits 64..127, or the bitmap's length in bits
 * @a2: the APIC ID of bit 0
 * @a3: 0, or KVM_FLUSH_TLB_GPA for the memory form; with
 *	KVM_FLUSH_TLB_RANGE, the range too (pvtlb_pack_range())
 */
struct pvtlb_flush_args {
	unsigned long a0;
	unsigned long a1;
	unsigned long a2;
	unsigned long a3;
};

/**
 * struct pvtlb_range - what a flush covers (of its struct flush_tlb_info)
 * @start: the first address
 * @end: the end, exclusive; TLB_FLUSH_ALL for everything
 * @stride_shift: log2 of the distance between entries (PAGE_SHIFT,
 *	PMD_SHIFT or PUD_SHIFT)
 * @freed_tables: page tables were freed: the paging-structure caches must go
 */
struct pvtlb_range {
	unsigned long start;
	unsigned long end;
	unsigned int stride_shift;
	bool freed_tables;
};

/* How long a window of steal time is, and what share of it is busy. */
#define PVTLB_STEAL_WINDOW_NS	(10 * NSEC_PER_MSEC)
#define PVTLB_STEAL_SHARE	8

/**
 * struct pvtlb_steal - a CPU's steal time over a window (pvtlb_steal_busy())
 * @since: when the window started, ns; 0 before the first call
 * @steal0: the CPU's steal time then, ns
 * @busy: the last window's verdict
 */
struct pvtlb_steal {
	u64 since;
	u64 steal0;
	bool busy;
};

struct flush_tlb_info;

int pvtlb_pack(const u32 *ids, unsigned int n, unsigned long *bitmap,
	       struct pvtlb_flush_args *args);
int pvtlb_pack_range(const struct pvtlb_range *range, unsigned long *a3);
void pvtlb_info_range(const struct flush_tlb_info *info, struct pvtlb_range *range);
bool pvtlb_cpu_lazy(int cpu);
bool pvtlb_steal_busy(struct pvtlb_steal *s, u64 now, u64 steal);

#endif /* _PVTLB_PVTLB_H */
