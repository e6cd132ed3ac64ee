/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvtlb: packing a set of target vCPUs into the flush hypercall's arguments
 * (KVM_HC_FLUSH_TLB). Shared by pvtlb.ko and its
 * KUnit suite.
 */
#ifndef _PVTLB_PVTLB_H
#define _PVTLB_PVTLB_H

#include <linux/types.h>

#include <pvops/abi.h>

/* Bytes of the bitmap buffer the memory form needs. */
#define PVTLB_BITMAP_BYTES	(KVM_FLUSH_TLB_MAX_BITS / 8)

/**
 * struct pvtlb_flush_args - the four arguments of the flush hypercall
 * @a0: bitmap bits 0..63, or the bitmap's guest physical address
 * @a1: bitmap bits 64..127, or the bitmap's length in bits
 * @a2: the APIC ID of bit 0
 * @a3: 0, or KVM_FLUSH_TLB_GPA for the memory form
 */
struct pvtlb_flush_args {
	unsigned long a0;
	unsigned long a1;
	unsigned long a2;
	unsigned long a3;
};

int pvtlb_pack(const u32 *ids, unsigned int n, unsigned long *bitmap,
	       struct pvtlb_flush_args *args);

#endif /* _PVTLB_PVTLB_H */
