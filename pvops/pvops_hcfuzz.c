// SPDX-License-Identifier: GPL-2.0
/*
 * Garbage hypercalls, for the tests: one kthread per online CPU makes pvops
 * hypercalls with arguments drawn at random for `seconds` seconds, and checks
 * every result against what include/pvops/abi.h allows for that call. The
 * host must answer each at once (a lock wait: within its timeout) with one
 * of those values, and harm neither this guest, nor itself, nor another VM.
 *
 * The numbers are those of the KVM ABI (hostside): KVM_HC_FLUSH_TLB,
 * KVM_HC_LOCK_WAIT and KVM_HC_KICK_CPU; and numbers no host services, which
 * must return -KVM_ENOSYS: KVM's unused ones after KVM_HC_MAP_GPA_RANGE
 * (12..31, but for the two above) and the block the retired private ABI of
 * the 6.1 host series reserved, with 16 on either side. Never
 * KVM_HC_CLOCK_PAIRING (9: it writes where a0 points) nor KVM_HC_SEND_IPI
 * (10: random vectors into this guest).
 * Each argument is one of a few kinds of value: 0, small numbers, random
 * 32- and 64-bit numbers, addresses beyond any guest memory, and addresses
 * in a page of this module's (page aligned, 8-byte aligned or not aligned)
 * that holds random bytes: a flush bitmap to read, a lock byte to wait on.
 *
 * A call that has not returned after stuck_ms is named in dmesg, with its
 * arguments, every second until it returns:
 *   pvops_hcfuzz: cpu N in NAME for N ms: nr=0x... a0=0x... a1=... a2=... a3=...
 *
 * /sys/kernel/debug/pvops_hcfuzz/:
 *   state     "running", then "done" once every kthread has stopped
 *   summary   "key value" lines: calls, unexpected (results the ABI does
 *             not allow), max_call_us, slow_calls (above stuck_ms),
 *             idle_cpus (kthreads that made no call), then
 *             "NAME calls N ok N" per serviced hypercall and for "other"
 *             (ok: a result >= 0)
 * The first unexpected results are printed in dmesg (at most 10).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/kvm_para.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include <pvops/abi.h>
#include <pvops/pvops.h>

/*
 * Unknown numbers: the block of 0x100 at 0x50560000 that the retired
 * private ABI (6.1 host series) reserved, and 16 on either side...
 */
#define HCFUZZ_OLD_FIRST	(0x50560000 - 16)
#define HCFUZZ_OLD_COUNT	(0x100 + 32)
/* ...and 12 (KVM_HC_MAP_GPA_RANGE, not enabled here) and up. */
#define HCFUZZ_KVM_FIRST	12
#define HCFUZZ_KVM_COUNT	20
#define HCFUZZ_KVM_CAPS		(PVOPS_CAP_FLUSH_TLB | PVOPS_CAP_LOCK_WAIT | \
				 PVOPS_CAP_LOCK_KICK)
#define HCFUZZ_MAX_REPORTS	10

static uint seconds = 20;
module_param(seconds, uint, 0444);
MODULE_PARM_DESC(seconds, "Seconds of calls, 1..3600 (default 20)");

static uint stuck_ms = 5000;
module_param(stuck_ms, uint, 0444);
MODULE_PARM_DESC(stuck_ms, "A call slower than this is slow, and named in dmesg while it lasts (default 5000)");

struct hcfuzz_hc {
	unsigned int nr;
	const char *name;
};

/* The serviced hypercalls; the slot after the last: "other". */
static const struct hcfuzz_hc hcfuzz_hcs[] = {
	{ KVM_HC_FLUSH_TLB,		"flush_tlb" },
	{ KVM_HC_LOCK_WAIT,		"lock_wait" },
	{ KVM_HC_KICK_CPU,		"kick_cpu" },
};

#define HCFUZZ_NR_HCS		ARRAY_SIZE(hcfuzz_hcs)	/* also the "other" slot */
#define HCFUZZ_MAX_SLOTS	(HCFUZZ_NR_HCS + 1)

/* One kthread's state; only it writes there, but for the stop flag. */
struct hcfuzz_thread {
	struct task_struct *task;
	struct rnd_state rnd;
	/* The call in flight: start time (0: none) and its arguments. */
	u64 start_ns;
	unsigned int nr;
	unsigned long a[4];
	u64 calls[HCFUZZ_MAX_SLOTS];
	u64 ok[HCFUZZ_MAX_SLOTS];
	u64 unexpected;
	u64 slow;
	u64 max_ns;
	bool done;
} ____cacheline_aligned_in_smp;

static struct hcfuzz_thread *hcfuzz_threads;
static unsigned int hcfuzz_nr;
static struct task_struct *hcfuzz_monitor;
static void *hcfuzz_page;
static phys_addr_t hcfuzz_page_pa;
static u64 hcfuzz_deadline_ns;
static atomic_t hcfuzz_reports;
static bool hcfuzz_done;
static struct dentry *hcfuzz_debugfs;

static unsigned int hcfuzz_slot(unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < HCFUZZ_NR_HCS; i++)
		if (hcfuzz_hcs[i].nr == nr)
			return i;
	return HCFUZZ_NR_HCS;
}

static const char *hcfuzz_name(unsigned int slot)
{
	return slot < HCFUZZ_NR_HCS ? hcfuzz_hcs[slot].name : "other";
}

static bool hcfuzz_any(long ret, const long *allowed, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (ret == allowed[i])
			return true;
	return false;
}

/*
 * Whether the ABI (include/pvops/abi.h) allows @ret for this call from CPL 0
 * of a VM that is not nested and has an in-kernel local APIC (and so an
 * APIC map: no -KVM_EOPNOTSUPP). Where the arguments alone decide the
 * error, only that error is allowed.
 */
static bool hcfuzz_flush_allowed(const unsigned long *a, long ret)
{
	static const long flush_errors[] = { -KVM_EINVAL, -KVM_E2BIG, -KVM_EFAULT };

	if (a[3] & ~KVM_FLUSH_TLB_GPA)
		return ret == -KVM_EINVAL;
	if ((a[3] & KVM_FLUSH_TLB_GPA) && (a[0] & 7))
		return ret == -KVM_EINVAL;
	if (ret > 0)
		return ret < num_possible_cpus();
	return hcfuzz_any(ret, flush_errors, ARRAY_SIZE(flush_errors));
}

static bool hcfuzz_wait_allowed(const unsigned long *a, long ret)
{
	static const long wait_results[] = {
		KVM_LOCK_WAIT_KICKED, KVM_LOCK_WAIT_CHANGED,
		KVM_LOCK_WAIT_TIMEOUT, KVM_LOCK_WAIT_EVENT,
		-KVM_EFAULT,
	};

	if (a[1] > 0xff || !a[2] || a[2] > KVM_LOCK_WAIT_MAX_NS ||
	    (a[3] & ~KVM_LOCK_WAIT_YIELD))
		return ret == -KVM_EINVAL;
	return hcfuzz_any(ret, wait_results, ARRAY_SIZE(wait_results));
}

/* The kick is KVM_HC_KICK_CPU: always 0. Any other number is unknown. */
static bool hcfuzz_allowed(unsigned int nr, const unsigned long *a, long ret)
{
	switch (nr) {
	case KVM_HC_FLUSH_TLB:
		return hcfuzz_flush_allowed(a, ret);
	case KVM_HC_LOCK_WAIT:
		return hcfuzz_wait_allowed(a, ret);
	case KVM_HC_KICK_CPU:
		return ret == 0;
	default:
		return ret == -KVM_ENOSYS;
	}
}

/* One argument: a kind of value, then a value of that kind. */
static unsigned long hcfuzz_value(struct rnd_state *rnd)
{
	u32 r = prandom_u32_state(rnd);
	u64 r64 = (u64)prandom_u32_state(rnd) << 32 | prandom_u32_state(rnd);

	switch (r % 10) {
	case 0:
	case 1:
		return 0;
	case 2:
		return r >> 28;			/* 0..15 */
	case 3:
		return r >> 4;			/* 32-bit-ish */
	case 4:
		return r64;
	case 5:
		return ~0UL << (r >> 26);	/* large, negative */
	case 6:
		/* Beyond any guest memory (MAXPHYADDR <= 52). */
		return BIT_ULL(52) + (offset_in_page(r64) & ~7UL);
	case 7:
		return hcfuzz_page_pa;
	case 8:
		return hcfuzz_page_pa + ((r64 % PAGE_SIZE) & ~7UL);
	default:
		return hcfuzz_page_pa + r64 % PAGE_SIZE;
	}
}

static unsigned int hcfuzz_draw_nr(struct rnd_state *rnd)
{
	u32 r = prandom_u32_state(rnd);

	/* Mostly the serviced calls, the rest anywhere in the ranges. */
	if (r % 4)
		return hcfuzz_hcs[(r >> 8) % HCFUZZ_NR_HCS].nr;
	if (r & 0x80)
		return HCFUZZ_OLD_FIRST + (r >> 8) % HCFUZZ_OLD_COUNT;
	return HCFUZZ_KVM_FIRST + (r >> 8) % HCFUZZ_KVM_COUNT;
}

static void hcfuzz_draw(struct hcfuzz_thread *t)
{
	unsigned int i;

	t->nr = hcfuzz_draw_nr(&t->rnd);
	for (i = 0; i < 4; i++)
		t->a[i] = hcfuzz_value(&t->rnd);
}

static void hcfuzz_report(struct hcfuzz_thread *t, long ret)
{
	if (atomic_inc_return(&hcfuzz_reports) > HCFUZZ_MAX_REPORTS)
		return;
	pr_err("unexpected result %ld of %s: nr=%#x a0=%#lx a1=%#lx a2=%#lx a3=%#lx\n",
	       ret, hcfuzz_name(hcfuzz_slot(t->nr)), t->nr, t->a[0], t->a[1],
	       t->a[2], t->a[3]);
}

static int hcfuzz_fn(void *data)
{
	struct hcfuzz_thread *t = data;
	unsigned int slot;
	u64 t0, ns;
	long ret;

	while (!kthread_should_stop() && ktime_get_ns() < hcfuzz_deadline_ns) {
		hcfuzz_draw(t);
		slot = hcfuzz_slot(t->nr);
		/* The time of the call alone, not of a preemption around it. */
		preempt_disable();
		t0 = ktime_get_ns();
		/* The monitor reads nr and a[] once it sees start_ns. */
		smp_store_release(&t->start_ns, t0);
		ret = pvops_hypercall(t->nr, t->a[0], t->a[1], t->a[2], t->a[3]);
		ns = ktime_get_ns() - t0;
		WRITE_ONCE(t->start_ns, 0);
		preempt_enable();

		WRITE_ONCE(t->calls[slot], t->calls[slot] + 1);
		if (ret >= 0)
			WRITE_ONCE(t->ok[slot], t->ok[slot] + 1);
		if (!hcfuzz_allowed(t->nr, t->a, ret)) {
			WRITE_ONCE(t->unexpected, t->unexpected + 1);
			hcfuzz_report(t, ret);
		}
		if (ns > (u64)stuck_ms * NSEC_PER_MSEC)
			WRITE_ONCE(t->slow, t->slow + 1);
		if (ns > t->max_ns)
			WRITE_ONCE(t->max_ns, ns);
		cond_resched_tasks_rcu_qs();
	}
	/* release: the monitor that sees done sees the counts */
	smp_store_release(&t->done, true);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ);
	return 0;
}

static int hcfuzz_monitor_fn(void *unused)
{
	unsigned int i, running;
	u64 start;

	do {
		schedule_timeout_interruptible(HZ);
		running = 0;
		for (i = 0; i < hcfuzz_nr; i++) {
			struct hcfuzz_thread *t = &hcfuzz_threads[i];

			/* acquire: pairs with the kthread's releases */
			if (!smp_load_acquire(&t->done))
				running++;
			/* acquire: nr and a[] are those of this call */
			start = smp_load_acquire(&t->start_ns);
			if (!start || ktime_get_ns() - start <= (u64)stuck_ms * NSEC_PER_MSEC)
				continue;
			pr_warn("cpu %u in %s for %llu ms: nr=%#x a0=%#lx a1=%#lx a2=%#lx a3=%#lx\n",
				i, hcfuzz_name(hcfuzz_slot(READ_ONCE(t->nr))),
				(ktime_get_ns() - start) / NSEC_PER_MSEC, READ_ONCE(t->nr),
				READ_ONCE(t->a[0]), READ_ONCE(t->a[1]),
				READ_ONCE(t->a[2]), READ_ONCE(t->a[3]));
		}
	} while (running && !kthread_should_stop());
	if (!running) {
		/* release: a reader that sees done sees the final counts */
		smp_store_release(&hcfuzz_done, true);
		pr_info("done\n");
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ);
	return 0;
}

static int state_show(struct seq_file *m, void *unused)
{
	/* acquire: pairs with the monitor's release */
	seq_puts(m, smp_load_acquire(&hcfuzz_done) ? "done\n" : "running\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(state);

static int summary_show(struct seq_file *m, void *unused)
{
	u64 calls[HCFUZZ_MAX_SLOTS] = {}, ok[HCFUZZ_MAX_SLOTS] = {};
	u64 total = 0, unexpected = 0, slow = 0, max_ns = 0;
	unsigned int i, s, idle = 0;

	for (i = 0; i < hcfuzz_nr; i++) {
		struct hcfuzz_thread *t = &hcfuzz_threads[i];
		u64 n = 0;

		for (s = 0; s <= HCFUZZ_NR_HCS; s++) {
			calls[s] += READ_ONCE(t->calls[s]);
			ok[s] += READ_ONCE(t->ok[s]);
			n += READ_ONCE(t->calls[s]);
		}
		total += n;
		idle += !n;
		unexpected += READ_ONCE(t->unexpected);
		slow += READ_ONCE(t->slow);
		max_ns = max(max_ns, READ_ONCE(t->max_ns));
	}
	seq_printf(m, "calls %llu\n", total);
	seq_printf(m, "unexpected %llu\n", unexpected);
	seq_printf(m, "max_call_us %llu\n", max_ns / NSEC_PER_USEC);
	seq_printf(m, "slow_calls %llu\n", slow);
	seq_printf(m, "idle_cpus %u\n", idle);
	for (s = 0; s <= HCFUZZ_NR_HCS; s++)
		seq_printf(m, "%s calls %llu ok %llu\n", hcfuzz_name(s), calls[s], ok[s]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(summary);

static void hcfuzz_stop(void)
{
	unsigned int i;

	if (hcfuzz_monitor)
		kthread_stop(hcfuzz_monitor);
	for (i = 0; i < hcfuzz_nr; i++)
		kthread_stop(hcfuzz_threads[i].task);
	free_page((unsigned long)hcfuzz_page);
	kfree(hcfuzz_threads);
}

static int __init hcfuzz_init(void)
{
	struct task_struct *t;
	unsigned int cpu;
	u32 seed;

	if (!seconds || seconds > 3600 || !stuck_ms)
		return -EINVAL;
	/* All of them, or the oracle's "not serviced" would be wrong. */
	if ((pvops_host_features() & HCFUZZ_KVM_CAPS) != HCFUZZ_KVM_CAPS) {
		pr_err("the host's KVM ABI lacks the flush or the lock wait (CPUID 0x40000001)\n");
		return -ENODEV;
	}
	hcfuzz_page = (void *)get_zeroed_page(GFP_KERNEL);
	hcfuzz_threads = kcalloc(num_online_cpus(), sizeof(*hcfuzz_threads), GFP_KERNEL);
	if (!hcfuzz_page || !hcfuzz_threads) {
		free_page((unsigned long)hcfuzz_page);
		kfree(hcfuzz_threads);
		return -ENOMEM;
	}
	get_random_bytes(hcfuzz_page, PAGE_SIZE);
	hcfuzz_page_pa = virt_to_phys(hcfuzz_page);
	seed = get_random_u32();
	hcfuzz_deadline_ns = ktime_get_ns() + (u64)seconds * NSEC_PER_SEC;

	for_each_online_cpu(cpu) {
		struct hcfuzz_thread *h = &hcfuzz_threads[hcfuzz_nr];

		if (hcfuzz_nr == num_online_cpus())
			break;
		prandom_seed_state(&h->rnd, (u64)seed << 32 | cpu);
		t = kthread_create(hcfuzz_fn, h, "pvops_hcfuzz/%u", cpu);
		if (IS_ERR(t))
			goto fail;
		kthread_bind(t, cpu);
		h->task = t;
		hcfuzz_nr++;
		wake_up_process(t);
	}
	t = kthread_run(hcfuzz_monitor_fn, NULL, "pvops_hcfuzz_mon");
	if (IS_ERR(t))
		goto fail;
	hcfuzz_monitor = t;

	hcfuzz_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("state", 0444, hcfuzz_debugfs, NULL, &state_fops);
	debugfs_create_file("summary", 0444, hcfuzz_debugfs, NULL, &summary_fops);
	pr_info("%u kthreads for %u s, seed %#x\n", hcfuzz_nr, seconds, seed);
	return 0;

fail:
	hcfuzz_stop();
	return PTR_ERR(t);
}

static void __exit hcfuzz_exit(void)
{
	debugfs_remove(hcfuzz_debugfs);
	hcfuzz_stop();
}

module_init(hcfuzz_init);
module_exit(hcfuzz_exit);
MODULE_DESCRIPTION("pvops: garbage hypercalls, for the tests");
MODULE_LICENSE("GPL");
