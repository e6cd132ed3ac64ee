// SPDX-License-Identifier: GPL-2.0
/*
 * pvspinlock: the guest physical address of a lock byte, which the host
 * reads when the lock waiter asks it to wait.
 */
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include <asm/io.h>
#include <asm/page.h>
#include <asm/pgtable_types.h>

#include "pvspinlock.h"

/*
 * pvspinlock_gpa() - the guest physical address of a kernel address
 * @p: the address of a lock byte
 *
 * A lock byte can live in any kernel memory: the direct map (kmalloc, the
 * per-CPU first chunk that holds the qspinlock queue nodes when it is
 * embedded), the kernel image (static locks), or vmalloc space (module
 * data, vmap'ed stacks, per-CPU chunks that are not embedded, e.g. with
 * percpu_alloc=page, vmalloc'ed structures). The first two are a linear
 * map, __pa(); the last is a page table walk.
 *
 * Return: the guest physical address, or PVSPINLOCK_NO_GPA if @p is not in
 * memory of those kinds, or not mapped.
 */
phys_addr_t pvspinlock_gpa(const void *p)
{
	struct page *page;

	if (virt_addr_valid(p))
		return __pa(p);
	/* is_vmalloc_or_module_addr(), which is not exported */
	if (is_vmalloc_addr(p) ||
	    ((unsigned long)p >= MODULES_VADDR && (unsigned long)p < MODULES_END)) {
		page = vmalloc_to_page(p);
		if (page)
			return page_to_phys(page) + offset_in_page(p);
	}
	return PVSPINLOCK_NO_GPA;
}
