// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for pvspinlock: the guest physical address of lock bytes in
 * every kind of kernel memory, checked by the guest and by the host, the
 * page table walk against the kernel's own translations, and the host's
 * lock wait and kick: what ends a wait, the timeout's bound, a kick that
 * comes first, a kick from another vCPU, and bad arguments
 * (KVM_HC_LOCK_WAIT and KVM_HC_KICK_CPU).
 *
 * The suite registers nothing with pvops (it makes the hypercalls itself):
 * what a case must undo is its allocations and its kthread, and it undoes
 * them through KUnit resources (kt_defer()), which KUnit releases when the
 * case ends, also when a failed KUNIT_ASSERT ended it early.
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/irqflags.h>
#include <linux/kthread.h>
#include <linux/kvm_para.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/utsname.h>
#include <linux/vmalloc.h>
#include <asm/smp.h>

#include <pvops/kunit.h>
#include <pvops/pvops.h>

/* The code under test, built into this module too (pvspinlock need not load). */
#include "gpa.c"

#define KT_NS_PER_MS		1000000UL

/*
 * Undoing what a case did, also after a failed assertion: kunit_add_action()
 * of 6.5 and later, made of the resource API that 6.1's KUnit has too.
 * KUnit releases a case's resources when it ends, last added first, after a
 * failed KUNIT_ASSERT as well (6.1: from kunit_catch_run_case(); 6.12: in
 * a cleanup run of its own after every case). Only 6.1 skips it after a
 * case that timed out (300 s), which none of these comes near.
 */
struct kt_deferred {
	void (*fn)(void *data);
	void *data;
};

static void kt_deferred_run(struct kunit_resource *res)
{
	struct kt_deferred *d = res->data;

	d->fn(d->data);
	kfree(d);
}

/* Call @fn(@data) when the case ends; now, if that cannot be arranged. */
static int kt_defer(struct kunit *test, void (*fn)(void *data), void *data)
{
	struct kt_deferred *d = kmalloc(sizeof(*d), GFP_KERNEL);

	if (d) {
		d->fn = fn;
		d->data = data;
		/* KUnit frees its resource itself (should_kfree). */
		if (kunit_alloc_resource(test, NULL, kt_deferred_run, GFP_KERNEL, d))
			return 0;
		kfree(d);
	}
	fn(data);
	return -ENOMEM;
}

static void kt_vfree(void *p)
{
	vfree(p);
}

static void kt_free_percpu(void *p)
{
	free_percpu((void __percpu __force *)p);
}

static void kt_free_page(void *p)
{
	struct page *page = p;

	set_page_private(page, 0);
	__free_page(page);
}

static void kt_need_host(struct kunit *test)
{
	u32 want = PVOPS_CAP_LOCK_WAIT | PVOPS_CAP_LOCK_KICK;

	if ((pvops_host_features() & want) != want)
		kunit_skip(test, "the host offers no lock wait and kick");
}

/* The wait's hypercall, with any arguments, in the host's ABI. */
static long kt_wait_hc(unsigned long gpa, unsigned long val,
		       unsigned long timeout_ns, unsigned long flags)
{
	return pvops_hypercall(pvops_host_abi()->hc_lock_wait, gpa, val,
			       timeout_ns, flags);
}

static long kt_wait_flags(const u8 *p, unsigned long val, unsigned long timeout_ns,
			  unsigned long flags)
{
	return kt_wait_hc(pvspinlock_gpa(p), val, timeout_ns, flags);
}

static long kt_wait(const u8 *p, unsigned long val, unsigned long timeout_ns)
{
	return kt_wait_flags(p, val, timeout_ns, 0);
}

/*
 * A wait the host must block in, with interrupts off so that only a kick or
 * the timeout ends it. A kick left pending by the kernel's own spinlocks
 * ends one wait early: try again, then it must be the timeout.
 */
static long kt_wait_blocked_flags(const u8 *p, unsigned long timeout_ns,
				  unsigned long wait_flags, u64 *ns)
{
	unsigned long flags;
	long ret;
	u64 t0;
	int i;

	for (i = 0; i < 3; i++) {
		local_irq_save(flags);
		t0 = local_clock();
		ret = kt_wait_flags(p, READ_ONCE(*p), timeout_ns, wait_flags);
		*ns = local_clock() - t0;
		local_irq_restore(flags);
		if (ret != KVM_LOCK_WAIT_KICKED)
			break;
	}
	return ret;
}

static long kt_wait_blocked(const u8 *p, unsigned long timeout_ns, u64 *ns)
{
	return kt_wait_blocked_flags(p, timeout_ns, 0, ns);
}

/*
 * The byte at @p, read through the page its guest physical address names:
 * the guest's own check of the translation.
 */
static u8 kt_read_phys(phys_addr_t gpa)
{
	struct page *page = pfn_to_page(PHYS_PFN(gpa));
	u8 *map = kmap_local_page(page);
	u8 v = map[offset_in_page(gpa)];

	kunmap_local(map);
	return v;
}

/*
 * One lock byte: its address translates, the guest finds the byte at that
 * physical address, and the host reads it there: a wait for another value
 * returns at once, a wait for its value blocks (until the short timeout).
 */
static void kt_check_byte(struct kunit *test, const char *kind, u8 *p)
{
	phys_addr_t gpa = pvspinlock_gpa(p);
	u8 v = get_random_u32() | 1;
	u64 ns;

	KUNIT_ASSERT_NE_MSG(test, gpa, PVSPINLOCK_NO_GPA, "%s %p", kind, p);
	WRITE_ONCE(*p, v);
	KUNIT_EXPECT_EQ_MSG(test, kt_read_phys(gpa), v, "%s %p gpa %pa", kind, p, &gpa);
	WRITE_ONCE(*p, ~v);
	KUNIT_EXPECT_EQ_MSG(test, kt_read_phys(gpa), (u8)~v, "%s", kind);

	if (!(pvops_host_features() & PVOPS_CAP_LOCK_WAIT))
		return;
	KUNIT_EXPECT_EQ_MSG(test, kt_wait(p, v, KT_NS_PER_MS),
			    (long)KVM_LOCK_WAIT_CHANGED, "%s", kind);
	KUNIT_EXPECT_NE_MSG(test, kt_wait_blocked(p, KT_NS_PER_MS, &ns),
			    (long)KVM_LOCK_WAIT_CHANGED, "%s", kind);
}

/*
 * A byte the case must not write (kernel image data): its address
 * translates, the guest finds the same bytes at that physical address, and
 * the host reads it there.
 */
static void kt_check_ro(struct kunit *test, const char *kind, const u8 *p, size_t n)
{
	phys_addr_t gpa = pvspinlock_gpa(p);
	u8 v = READ_ONCE(*p);
	size_t i;
	u64 ns;

	KUNIT_ASSERT_NE_MSG(test, gpa, PVSPINLOCK_NO_GPA, "%s %p", kind, p);
	n = min_t(size_t, n, PAGE_SIZE - offset_in_page(p));
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, kt_read_phys(gpa + i), READ_ONCE(p[i]),
				    "%s %p gpa %pa byte %zu", kind, p, &gpa, i);

	if (!(pvops_host_features() & PVOPS_CAP_LOCK_WAIT))
		return;
	KUNIT_EXPECT_EQ_MSG(test, kt_wait(p, (u8)~v, KT_NS_PER_MS),
			    (long)KVM_LOCK_WAIT_CHANGED, "%s", kind);
	KUNIT_EXPECT_NE_MSG(test, kt_wait_blocked(p, KT_NS_PER_MS, &ns),
			    (long)KVM_LOCK_WAIT_CHANGED, "%s", kind);
}

static u8 kt_module_byte;
static DEFINE_PER_CPU(u8, kt_percpu_byte);

/* Every kind of memory a lock byte can live in. */
static void pvspinlock_test_gpa(struct kunit *test)
{
	u8 *k, *v, *pg, __percpu *pc;
	u8 stack_byte = 0;
	struct page *page;

	k = kunit_kmalloc(test, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, k);
	kt_check_byte(test, "kmalloc", k + 13);

	v = vmalloc(3 * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_EQ(test, kt_defer(test, kt_vfree, v), 0);
	KUNIT_EXPECT_TRUE(test, is_vmalloc_addr(v));
	kt_check_byte(test, "vmalloc", v + 2 * PAGE_SIZE + 7);

	kt_check_byte(test, "module data", &kt_module_byte);
	KUNIT_EXPECT_FALSE(test, virt_addr_valid(&kt_module_byte));

	/* Static in the kernel image, which the test must not write. */
	kt_check_ro(test, "kernel image data", (const u8 *)init_uts_ns.name.sysname,
		    sizeof(init_uts_ns.name.sysname));

	kt_check_byte(test, "stack", &stack_byte);

	pc = alloc_percpu(u8);
	/* Not _NOT_NULL: that compares a __percpu pointer with a void *. */
	KUNIT_ASSERT_TRUE(test, pc);
	KUNIT_ASSERT_EQ(test, kt_defer(test, kt_free_percpu, (void __force *)pc), 0);
	kt_check_byte(test, "alloc_percpu", get_cpu_ptr(pc));
	put_cpu_ptr(pc);

	kt_check_byte(test, "static per-CPU", get_cpu_ptr(&kt_percpu_byte));
	put_cpu_ptr(&kt_percpu_byte);

	/*
	 * struct page, in the vmemmap: neither the direct map nor vmalloc
	 * space. page->private of a page the case owns is the word in which a
	 * page-table page keeps its split lock (ptl: the same offset in
	 * struct page, and in 6.12's struct ptdesc).
	 */
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, kt_defer(test, kt_free_page, page), 0);
	pg = (u8 *)&page->private + 5;
	KUNIT_EXPECT_FALSE(test, virt_addr_valid(pg));
	KUNIT_EXPECT_FALSE(test, is_vmalloc_addr(pg));
	kt_check_byte(test, "struct page (vmemmap)", pg);

	/* Not kernel memory that holds locks: no address. */
	KUNIT_EXPECT_EQ(test, pvspinlock_gpa((void *)0x1000), PVSPINLOCK_NO_GPA);
}

/*
 * The page table walk against the kernel's own translations, wherever they
 * have one: __pa() for the direct map (mapped with 1G or 2M pages where it
 * can be) and the kernel image (2M), vmalloc_to_page() for vmalloc space
 * and modules (4K). The level of each mapping is logged.
 */
static const char *kt_level_name(unsigned int level)
{
	switch (level) {
	case PG_LEVEL_4K:
		return "4K";
	case PG_LEVEL_2M:
		return "2M";
	case PG_LEVEL_1G:
		return "1G";
	}
	return "no";
}

static void kt_check_walk(struct kunit *test, const char *kind, const void *p,
			  phys_addr_t want)
{
	unsigned int level;
	phys_addr_t gpa = pvspinlock_gpa_walk(p, &level);

	KUNIT_EXPECT_EQ_MSG(test, gpa, want, "%s %p, %s mapping", kind, p,
			    kt_level_name(level));
	kunit_info(test, "%s: %s mapping\n", kind, kt_level_name(level));
}

static void pvspinlock_test_gpa_walk(struct kunit *test)
{
	u8 *k, *v;
	struct page *page;
	unsigned int level;

	k = kunit_kmalloc(test, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, k);
	kt_check_walk(test, "kmalloc", k + 13, __pa(k + 13));
	kt_check_walk(test, "kernel image data", init_uts_ns.name.sysname,
		      __pa_symbol(init_uts_ns.name.sysname));

	v = vmalloc(2 * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_ASSERT_EQ(test, kt_defer(test, kt_vfree, v), 0);
	kt_check_walk(test, "vmalloc", v + PAGE_SIZE + 9,
		      page_to_phys(vmalloc_to_page(v + PAGE_SIZE)) + 9);
	kt_check_walk(test, "module data", &kt_module_byte,
		      page_to_phys(vmalloc_to_page(&kt_module_byte)) +
		      offset_in_page(&kt_module_byte));
	/* The guard page after a vmalloc area: a kernel address, not present. */
	KUNIT_EXPECT_EQ(test, pvspinlock_gpa_walk(v + 2 * PAGE_SIZE, &level),
			PVSPINLOCK_NO_GPA);
	KUNIT_EXPECT_EQ(test, pvspinlock_gpa(v + 2 * PAGE_SIZE), PVSPINLOCK_NO_GPA);

	/*
	 * The vmemmap has no other translation to compare with: the level
	 * only (pvspinlock_test_gpa() reads its bytes at the address found).
	 */
	page = alloc_page(GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, kt_defer(test, kt_free_page, page), 0);
	KUNIT_EXPECT_NE(test, pvspinlock_gpa_walk(page, &level), PVSPINLOCK_NO_GPA);
	kunit_info(test, "struct page (vmemmap): %s mapping\n", kt_level_name(level));

	/* A user address: never (init_mm maps nothing of a task's). */
	KUNIT_EXPECT_EQ(test, pvspinlock_gpa_walk((void *)0x1000, &level),
			PVSPINLOCK_NO_GPA);
	KUNIT_EXPECT_EQ(test, level, (unsigned int)PG_LEVEL_NONE);
}

/* Nobody kicks: the wait lasts its timeout, and not much longer. */
static void pvspinlock_test_timeout(struct kunit *test)
{
	u8 *p = kunit_kzalloc(test, 1, GFP_KERNEL);
	u64 ns;

	kt_need_host(test);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, kt_wait_blocked(p, 20 * KT_NS_PER_MS, &ns),
			(long)KVM_LOCK_WAIT_TIMEOUT);
	KUNIT_EXPECT_GE(test, ns, 20 * KT_NS_PER_MS);
	/* Generous: the testbed's emulation is slow and noisy. */
	KUNIT_EXPECT_LT(test, ns, 20 * KT_NS_PER_MS + 2 * NSEC_PER_SEC);
}

/* With KVM_LOCK_WAIT_YIELD the wait is the same wait, it only yields first. */
static void pvspinlock_test_yield(struct kunit *test)
{
	u8 *p = kunit_kzalloc(test, 1, GFP_KERNEL);
	u64 ns;

	kt_need_host(test);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, kt_wait_flags(p, 1, KT_NS_PER_MS, KVM_LOCK_WAIT_YIELD),
			(long)KVM_LOCK_WAIT_CHANGED);
	KUNIT_EXPECT_EQ(test, kt_wait_blocked_flags(p, KT_NS_PER_MS, KVM_LOCK_WAIT_YIELD, &ns),
			(long)KVM_LOCK_WAIT_TIMEOUT);
	KUNIT_EXPECT_GE(test, ns, KT_NS_PER_MS);
}

/* A kick that comes before the wait is remembered: the wait returns at once. */
static void pvspinlock_test_kick_first(struct kunit *test)
{
	u8 *p = kunit_kzalloc(test, 1, GFP_KERNEL);
	unsigned long flags;
	long kick, wait;
	u64 t0, ns;

	kt_need_host(test);
	KUNIT_ASSERT_NOT_NULL(test, p);
	local_irq_save(flags);
	kick = pvops_host_kick(pvops_host_abi(), this_cpu_read(x86_cpu_to_apicid));
	t0 = local_clock();
	wait = kt_wait(p, 0, NSEC_PER_SEC);
	ns = local_clock() - t0;
	local_irq_restore(flags);
	KUNIT_EXPECT_EQ(test, kick, 0L);
	KUNIT_EXPECT_EQ(test, wait, (long)KVM_LOCK_WAIT_KICKED);
	KUNIT_EXPECT_LT(test, ns, NSEC_PER_SEC / 2);
	/* Consumed: the next wait blocks. */
	KUNIT_EXPECT_EQ(test, kt_wait_blocked(p, KT_NS_PER_MS, &ns),
			(long)KVM_LOCK_WAIT_TIMEOUT);
}

struct kt_waiter {
	u8 byte;
	long ret;
	struct completion ready, done;
};

/*
 * Waits, interrupts off, for the kick. An event (e.g. a signal for the vCPU
 * thread on the host) may end a wait early: wait again, a kick that came
 * meanwhile is remembered.
 */
static int kt_waiter_fn(void *data)
{
	struct kt_waiter *w = data;
	unsigned long flags;
	int i;

	complete(&w->ready);
	local_irq_save(flags);
	for (i = 0; i < 5; i++) {
		w->ret = kt_wait(&w->byte, 0, NSEC_PER_SEC);
		if (w->ret != KVM_LOCK_WAIT_EVENT)
			break;
	}
	local_irq_restore(flags);
	/* For every waiter: the case's own wait and kt_wait_done() both. */
	complete_all(&w->done);
	return 0;
}

static void kt_wait_done(void *data)
{
	struct kt_waiter *w = data;

	wait_for_completion(&w->done);
}

/* A waiter on another vCPU, interrupts off, is woken by our kick. */
static void pvspinlock_test_kick_remote(struct kunit *test)
{
	struct kt_waiter *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct task_struct *t;
	int cpu, self;

	kt_need_host(test);
	if (num_online_cpus() < 2)
		kunit_skip(test, "one vCPU: nobody to kick");
	KUNIT_ASSERT_NOT_NULL(test, w);
	init_completion(&w->ready);
	init_completion(&w->done);
	self = get_cpu();
	cpu = cpumask_any_but(cpu_online_mask, self);
	put_cpu();
	t = kthread_run_on_cpu(kt_waiter_fn, w, cpu, "pvspinlock_kt/%u");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	/*
	 * Before @w is freed, also when an assertion below fails: the waiter
	 * ends by itself, each of its waits bounded by its timeout.
	 */
	KUNIT_ASSERT_EQ(test, kt_defer(test, kt_wait_done, w), 0);
	wait_for_completion(&w->ready);
	/* Most likely asleep in the host by now; if not, the kick waits for it. */
	msleep(20);
	KUNIT_EXPECT_EQ(test, pvops_host_kick(pvops_host_abi(),
					      per_cpu(x86_cpu_to_apicid, cpu)), 0L);
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&w->done, 10 * HZ));
	KUNIT_EXPECT_EQ(test, w->ret, (long)KVM_LOCK_WAIT_KICKED);
}

/*
 * Every argument the ABI rejects, rejected. The kick, KVM_HC_KICK_CPU,
 * rejects none: it returns 0 also for an APIC ID that names no vCPU.
 */
static void pvspinlock_test_errors(struct kunit *test)
{
	const struct pvops_host_abi *abi = pvops_host_abi();
	u8 *p = kunit_kzalloc(test, 1, GFP_KERNEL);
	phys_addr_t gpa;

	kt_need_host(test);
	KUNIT_ASSERT_NOT_NULL(test, p);
	gpa = pvspinlock_gpa(p);
	KUNIT_EXPECT_EQ(test, kt_wait_hc(gpa, 0x100, KT_NS_PER_MS, 0), (long)-KVM_EINVAL);
	KUNIT_EXPECT_EQ(test, kt_wait_hc(gpa, 0, 0, 0), (long)-KVM_EINVAL);
	KUNIT_EXPECT_EQ(test, kt_wait_hc(gpa, 0, KVM_LOCK_WAIT_MAX_NS + 1UL, 0),
			(long)-KVM_EINVAL);
	KUNIT_EXPECT_EQ(test, kt_wait_hc(gpa, 0, KT_NS_PER_MS, KVM_LOCK_WAIT_YIELD << 1),
			(long)-KVM_EINVAL);
	/* Far beyond the guest's memory, and the top of the address space. */
	KUNIT_EXPECT_EQ(test, kt_wait_hc(1UL << 50, 0, KT_NS_PER_MS, 0), (long)-KVM_EFAULT);
	KUNIT_EXPECT_EQ(test, kt_wait_hc(~0UL, 0, KT_NS_PER_MS, 0), (long)-KVM_EFAULT);

	KUNIT_EXPECT_EQ(test, pvops_host_kick(abi, 0xfffff), 0L);
}

static struct kunit_case pvspinlock_test_cases[] = {
	KUNIT_CASE(pvspinlock_test_gpa),
	KUNIT_CASE(pvspinlock_test_gpa_walk),
	KUNIT_CASE(pvspinlock_test_timeout),
	KUNIT_CASE(pvspinlock_test_yield),
	KUNIT_CASE(pvspinlock_test_kick_first),
	KUNIT_CASE(pvspinlock_test_kick_remote),
	KUNIT_CASE(pvspinlock_test_errors),
	{}
};

static struct kunit_suite pvspinlock_test_suite = {
	.name = "pvspinlock",
	.test_cases = pvspinlock_test_cases,
};

pvops_kunit_test_suites(&pvspinlock_test_suite);

MODULE_DESCRIPTION("KUnit tests for pvspinlock");
MODULE_LICENSE("GPL");
