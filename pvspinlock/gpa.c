// SPDX-License-Identifier: GPL-2.0
/*
 * pvspinlock: the guest physical address of a lock byte, which the host
 * reads when the lock waiter asks it to wait.
 */
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <asm/io.h>
#include <asm/page.h>
#include <asm/pgtable_types.h>

#include "pvspinlock.h"

/**
 * pvspinlock_gpa_walk() - the guest physical address of a kernel address,
 * from the kernel's page tables
 * @p: a kernel virtual address
 * @level: the level of the mapping found (PG_LEVEL_4K, _2M or _1G), for
 *	the KUnit suite; any other value when none is found
 *
 * lookup_address() walks init_mm's page tables, which map every kernel
 * address: vmalloc space and modules, but also the vmemmap (struct page,
 * where the split page-table locks live), the CPU entry area, the fixmap
 * and the kernel image, with 4K, 2M or 1G pages. It is what is safe in the
 * lock wait, where this runs with interrupts on or off, in any context
 * (but NMI, where the wait returns at once), on 6.1 and 6.12 alike:
 *  - it takes no lock, allocates nothing and does not sleep: a plain walk
 *    from pgd_offset_k(), as the kernel's own kernel_page_present() does;
 *  - the page tables it walks are not freed under it: the byte is a live
 *    lock, and the kernel frees a table only when nothing it maps is in use
 *    any more (vunmap, memory hot-remove, a huge vmap of an empty range);
 *    a concurrent split of a huge mapping (set_memory_*()) installs a full
 *    table of the same pages (neither 6.1 nor 6.12 merges them back), so
 *    the walk finds the page either way;
 *  - the entry is read once, then checked: present, for lookup_address()
 *    also returns an entry that is not (_PAGE_PRESENT itself, not
 *    pte_present(), which takes _PAGE_PROTNONE, _PAGE_GLOBAL in kernel
 *    mappings, for present too); and, at 1G or 2M, still a leaf, for a
 *    split between lookup_address()'s read and ours turns it into a table:
 *    walk again.
 * Not slow_virt_to_phys(), which BUG()s on an address that is not mapped
 * and does not check the present bit; not vmalloc_to_page(), which knows
 * vmalloc space and modules only.
 *
 * Return: the guest physical address, or PVSPINLOCK_NO_GPA if @p is not a
 * kernel address or not mapped.
 */
phys_addr_t pvspinlock_gpa_walk(const void *p, unsigned int *level)
{
	unsigned long addr = (unsigned long)p;
	unsigned int tries;
	pte_t *ptep, pte;

	*level = PG_LEVEL_NONE;
	/* init_mm maps nothing of a task's below TASK_SIZE_MAX. */
	if (addr < TASK_SIZE_MAX)
		return PVSPINLOCK_NO_GPA;
	/* Once more for each split of a huge leaf: 1G, then 2M. */
	for (tries = 0; tries < 3; tries++) {
		ptep = lookup_address(addr, level);
		if (!ptep)
			return PVSPINLOCK_NO_GPA;
		/* An entry of any level, as lookup_address() returns it. */
		pte = READ_ONCE(*ptep);
		if (!(pte_flags(pte) & _PAGE_PRESENT))
			return PVSPINLOCK_NO_GPA;
		if (*level == PG_LEVEL_4K)
			return PFN_PHYS(pte_pfn(pte)) + offset_in_page(addr);
		/* Split into a table since lookup_address() read a leaf. */
		if (!(pte_flags(pte) & _PAGE_PSE))
			continue;
		if (*level == PG_LEVEL_2M)
			return PFN_PHYS(pmd_pfn(__pmd(pte_val(pte)))) + (addr & ~PMD_MASK);
		if (*level == PG_LEVEL_1G)
			return PFN_PHYS(pud_pfn(__pud(pte_val(pte)))) + (addr & ~PUD_MASK);
		/* A 512G leaf, which no x86 CPU maps. */
		return PVSPINLOCK_NO_GPA;
	}
	return PVSPINLOCK_NO_GPA;
}

/*
 * pvspinlock_gpa() - the guest physical address of a kernel address
 * @p: the address of a lock byte
 *
 * A lock byte can live in any kernel memory: the direct map (kmalloc, the
 * per-CPU first chunk that holds the qspinlock queue nodes when it is
 * embedded), the kernel image (static locks), vmalloc space (module data,
 * vmap'ed stacks, per-CPU chunks that are not embedded, e.g. with
 * percpu_alloc=page, vmalloc'ed structures) or the vmemmap (the split
 * page-table locks in struct page). The first two are a linear map, __pa();
 * the others a page table walk, pvspinlock_gpa_walk().
 *
 * Return: the guest physical address, or PVSPINLOCK_NO_GPA if @p is not
 * mapped kernel memory.
 */
phys_addr_t pvspinlock_gpa(const void *p)
{
	unsigned int level;

	if (virt_addr_valid(p))
		return __pa(p);
	return pvspinlock_gpa_walk(p, &level);
}
