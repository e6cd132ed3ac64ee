// SPDX-License-Identifier: GPL-2.0
/*
 * pvtlb: a set of APIC IDs, and a flush's range, as the flush hypercall's
 * (KVM_HC_FLUSH_TLB) arguments. Built into
 * pvtlb.ko, and included by its KUnit suite, which tests it without
 * loading pvtlb.
 */
#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/io.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <asm/page.h>
#include <asm/pgtable_types.h>
#include <asm/tlbflush.h>

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

/**
 * pvtlb_pack_range() - a flush's range as the flush hypercall's a3 bits
 * @range: the flush's range (pvtlb_info_range())
 * @a3: the range's bits and KVM_FLUSH_TLB_RANGE are ORed into it on success
 *
 * The range form (KVM_FLUSH_TLB_RANGE) makes each target invalidate only
 * the entries' addresses, as the kernel's own flush does by INVLPG, instead
 * of its whole TLB. The entries are those the kernel's flush_tlb_func()
 * walks: start, start + stride, ... below end. The first address is start
 * rounded down to its page, which names the same pages.
 *
 * Return: 0, or -ERANGE when the flush needs everything flushed: a full
 * flush (TLB_FLUSH_ALL), freed page tables (INVLPG of the range is not
 * enough to drop the paging-structure caches of what was freed, and the
 * range form does not promise it), an empty range, more than
 * KVM_FLUSH_TLB_MAX_NR entries, or a stride the ABI has no code for.
 */
int pvtlb_pack_range(const struct pvtlb_range *range, unsigned long *a3)
{
	unsigned long stride, nr;

	if (range->end == TLB_FLUSH_ALL || range->freed_tables ||
	    range->end <= range->start)
		return -ERANGE;
	switch (range->stride_shift) {
	case PAGE_SHIFT:
		stride = KVM_FLUSH_TLB_STRIDE_4K;
		break;
	case PMD_SHIFT:
		stride = KVM_FLUSH_TLB_STRIDE_2M;
		break;
	case PUD_SHIFT:
		stride = KVM_FLUSH_TLB_STRIDE_1G;
		break;
	default:
		return -ERANGE;
	}
	nr = DIV_ROUND_UP(range->end - range->start, 1UL << range->stride_shift);
	if (nr > KVM_FLUSH_TLB_MAX_NR)
		return -ERANGE;
	*a3 |= (range->start & PAGE_MASK) | (nr - 1) << KVM_FLUSH_TLB_NR_SHIFT |
	       stride | KVM_FLUSH_TLB_RANGE;
	return 0;
}
