// SPDX-License-Identifier: GPL-2.0
/*
 * pvops op engine: what the kernel's symbol table tells, with
 * sprint_symbol() only (kallsyms_lookup_name() is not exported in 6.1):
 * whether a function is the kernel's KVM one, and where a function that is
 * not exported is.
 */
#include <linux/kallsyms.h>
#include <linux/string.h>
#include <asm/tlbflush.h>

#include <pvops/pvops.h>

#include "engine.h"

/*
 * What @fn, an op's original, is: PVOPS_IMPL_KVM for the kernel's own KVM
 * PV functions (kvm_flush_tlb_multi, kvm_wait, kvm_kick_cpu: arch/x86/
 * kernel/kvm.c names all of them kvm_*), PVOPS_IMPL_NATIVE for anything
 * else; *@nop is set when it is _paravirt_nop (the native qspinlock's
 * wait and kick: nothing to redirect).
 */
const char *pvops_impl_of(void *fn, bool *nop)
{
	char sym[KSYM_SYMBOL_LEN];

	sprint_symbol_no_offset(sym, (unsigned long)fn);
	*nop = !strcmp(sym, "_paravirt_nop");
	return strncmp(sym, "kvm_", 4) ? PVOPS_IMPL_NATIVE : PVOPS_IMPL_KVM;
}

/* The function containing @addr: its name, and @addr's offset and size. */
static bool pvops_sym_at(unsigned long addr, char *name, unsigned long *off,
			 unsigned long *size)
{
	char buf[KSYM_SYMBOL_LEN], *plus;

	sprint_symbol(buf, addr);
	plus = strrchr(buf, '+');
	if (!plus || sscanf(plus, "+%lx/%lx", off, size) != 2 || !*size)
		return false;
	*plus = '\0';
	strscpy(name, buf, KSYM_NAME_LEN);
	return true;
}

/*
 * The address of native_flush_tlb_multi(), which is not exported. In 6.1
 * kallsyms_lookup_name() is not exported either, and a kprobe used as a
 * name lookup would patch the text of this very hot function while other
 * CPUs run it (seen to crash under load). Instead walk the symbol table
 * function by function, with sprint_symbol() only, from an exported
 * function of the same file (arch/x86/mm/tlb.c): leave_mm().
 */
#define PVOPS_WALK_MAX	512

void *pvops_find_native_flush(void)
{
	unsigned long start = (unsigned long)leave_mm, addr, off, size;
	char name[KSYM_NAME_LEN];
	int i;

	for (addr = start, i = 0; i < PVOPS_WALK_MAX; i++, addr += size) {
		if (!pvops_sym_at(addr, name, &off, &size) || off)
			break;
		if (!strcmp(name, "native_flush_tlb_multi"))
			return (void *)addr;
	}
	for (addr = start, i = 0; i < PVOPS_WALK_MAX; i++) {
		if (!pvops_sym_at(addr - 1, name, &off, &size))
			break;
		addr -= off + 1;
		if (!strcmp(name, "native_flush_tlb_multi"))
			return (void *)addr;
	}
	return NULL;
}
