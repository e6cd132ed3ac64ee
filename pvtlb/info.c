// SPDX-License-Identifier: GPL-2.0
/*
 * pvtlb: the range of a flush, read from its struct flush_tlb_info, and
 * whether a CPU is in lazy TLB mode.
 *
 * <asm/tlbflush.h> defines struct flush_tlb_info only for code built into
 * the kernel (#ifndef MODULE): a module gets pointers to it through
 * pv_ops.mmu.flush_tlb_multi, and is not meant to look inside. pvtlb must,
 * to give the host a flush's range. The same #ifndef hides the declaration
 * of cpu_tlbstate_shared, although the kernel exports the variable. So
 * this file, and only this one, is compiled as if it were not part of a
 * module: the structures it reads are then those of the kernel pvtlb is
 * built against, field by field (start, end, stride_shift, freed_tables
 * and is_lazy are in 6.1 and 6.12 alike), never a copy of their layout.
 * Nothing here depends on MODULE: no initcall, no export, no parameter, no
 * THIS_MODULE. Keep it so: include nothing more and call nothing here.
 * Headers switch on MODULE in ways a link does not show (6.12's runtime
 * constants are an #error in a module, and uaccess_64.h reads USER_PTR_MAX
 * as a constant patched into the kernel's text only), so code built here
 * may be wrong in a module without failing to build or load; reading
 * fields through a pointer, or of an exported per-CPU variable, is not.
 */
#undef MODULE
#include <asm/tlbflush.h>

#include "pvtlb.h"

/**
 * pvtlb_info_range() - the range of a flush
 * @info: the flush, as flush_tlb_multi() gets it
 * @range: filled in with its start, end, stride and freed_tables
 */
void pvtlb_info_range(const struct flush_tlb_info *info, struct pvtlb_range *range)
{
	range->start = info->start;
	range->end = info->end;
	range->stride_shift = info->stride_shift;
	range->freed_tables = info->freed_tables;
}

/**
 * pvtlb_cpu_lazy() - whether a CPU is in lazy TLB mode
 * @cpu: the CPU
 *
 * Return: true when @cpu runs no user code of the mm it has loaded (a
 * kernel thread or idle borrows it) and will check the mm's TLB
 * generation, and flush if it is behind, when it switches back to it.
 */
bool pvtlb_cpu_lazy(int cpu)
{
	return per_cpu(cpu_tlbstate_shared.is_lazy, cpu);
}
