/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ops of the pvops engine, one entry each; adding an op is one entry
 * here (with its enum pvops_op value, its struct pvops_backend member and
 * its pvops_original_*() in include/pvops/pvops.h). No include guard: it is
 * included with PVOPS_OP() defined, as arch/x86/include/asm/kvm-x86-ops.h
 * is, once for the trampolines (hook.c) and once for the table of op
 * states (hook.c), and undefines it. Each entry is
 * PVOPS_OP(op, fn, params, args, slot, group, find_native):
 *   op           the enum pvops_op value
 *   fn           its name, and its member in struct pvops_backend
 *   params, args the function's parameters and the arguments that pass
 *                them on (the trampoline is made from them)
 *   slot         the pv_ops member the kernel patched its calls from
 *   group        the ops that switch together (a bitmap of enum pvops_op)
 *   find_native  finds the native function when the original is the
 *                kernel's KVM one (symbols.c), or NULL: none offered
 */
PVOPS_OP(PVOPS_OP_FLUSH_TLB_MULTI, flush_tlb_multi,
	 (const struct cpumask *cpus, const struct flush_tlb_info *info),
	 (cpus, info), &pv_ops.mmu.flush_tlb_multi,
	 BIT(PVOPS_OP_FLUSH_TLB_MULTI), pvops_find_native_flush)
PVOPS_OP(PVOPS_OP_LOCK_WAIT, lock_wait, (u8 *ptr, u8 val), (ptr, val),
	 PVOPS_LOCK_SLOT(wait), PVOPS_LOCK_GROUP, NULL)
PVOPS_OP(PVOPS_OP_LOCK_KICK, lock_kick, (int cpu), (cpu),
	 PVOPS_LOCK_SLOT(kick), PVOPS_LOCK_GROUP, NULL)

#undef PVOPS_OP
