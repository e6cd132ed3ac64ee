// SPDX-License-Identifier: GPL-2.0
/*
 * pvtlb: a set of APIC IDs as the flush hypercall's (KVM_HC_FLUSH_TLB)
 * arguments. Built into
 * pvtlb.ko, and included by its KUnit suite, which tests it without
 * loading pvtlb.
 */
#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/io.h>
#include <linux/minmax.h>

#include "pvtlb.h"

/**
 * pvtlb_pack() - pack target APIC IDs into the flush hypercall's arguments
 * @ids: the APIC IDs of the targets, in any order; repeats are harmless
 * @n: the number of entries in @ids
 * @bitmap: PVTLB_BITMAP_BYTES of 8-byte aligned memory in the kernel's
 *	direct map (kmalloc), used when the IDs span more than 128 values
 * @args: the arguments, filled in on success
 *
 * Bit k of the set names APIC ID @args->a2 + k, where a2 is the smallest ID.
 * When every ID is below a2 + 128 the set goes in registers (a0, a1) as
 * KVM_HC_SEND_IPI does; otherwise in @bitmap, whose guest physical address
 * and length in bits go in a0 and a1, with a3 = KVM_FLUSH_TLB_GPA.
 *
 * Return: 0, -ENODATA when @n is 0 (nothing to flush: make no hypercall),
 * or -E2BIG when the IDs span more than KVM_FLUSH_TLB_MAX_BITS values.
 */
int pvtlb_pack(const u32 *ids, unsigned int n, unsigned long *bitmap,
	       struct pvtlb_flush_args *args)
{
	u32 lo = U32_MAX, hi = 0;
	unsigned int i, nbits;

	if (!n)
		return -ENODATA;
	for (i = 0; i < n; i++) {
		lo = min(lo, ids[i]);
		hi = max(hi, ids[i]);
	}
	if (hi - lo >= KVM_FLUSH_TLB_MAX_BITS)
		return -E2BIG;
	nbits = hi - lo + 1;
	args->a2 = lo;

	if (nbits <= 2 * BITS_PER_LONG) {
		unsigned long regs[2] = { 0, 0 };

		for (i = 0; i < n; i++)
			__set_bit(ids[i] - lo, regs);
		args->a0 = regs[0];
		args->a1 = regs[1];
		args->a3 = 0;
		return 0;
	}

	bitmap_zero(bitmap, nbits);
	for (i = 0; i < n; i++)
		__set_bit(ids[i] - lo, bitmap);
	args->a0 = virt_to_phys(bitmap);
	args->a1 = nbits;
	args->a3 = KVM_FLUSH_TLB_GPA;
	return 0;
}
