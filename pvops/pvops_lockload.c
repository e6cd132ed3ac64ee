// SPDX-License-Identifier: GPL-2.0
/*
 * A spinlock load for the tests and the lock benchmark: kthreads take
 * spinlocks and hold them, again and again, until the module unloads.
 *
 * By default (what the e2e checks use) one kthread per online CPU takes one
 * shared spinlock and holds it for hold_us microseconds. The waiters spin
 * past the paravirt qspinlock's threshold and halt in pv_wait() (lock_wait),
 * and each unlock with a halted waiter kicks it (lock_kick), even without
 * vCPU overcommit.
 *
 * The benchmark (tests/bench/lock-guest) asks for short critical sections
 * instead: threads kthreads (0: one per online CPU; more than the CPUs are
 * bound round-robin, kthread i to the (i mod online CPUs)-th online CPU)
 * each pick one of locks spinlocks per acquisition (pseudo-randomly, each
 * lock on a cache line of its own), hold it hold_ns nanoseconds (when set;
 * it overrides hold_us) and wait gap_ns outside it. Each kthread times every
 * acquisition, from calling spin_lock() to holding the lock (local_clock()).
 *
 * /sys/kernel/debug/pvops_lockload/, counting since load or since the last
 * write to reset (a window):
 *   acquisitions   acquisitions in the window
 *   max_wait_ns    the worst wait in the window
 *   wait_hist      a log2 histogram of the waits (ns_below count)
 *   stats          all in one read: acquisitions, elapsed_ns (the window's
 *                  length), max_wait_ns, and since_load_acquisitions
 *   reset          write anything to start a new window
 * At unload one line sums up the time since load:
 *   pvops_lockload: N acquisitions, max wait N ns, ...
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/cache.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/sched/clock.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#define LOCKLOAD_MAX_LOCKS	64
#define LOCKLOAD_MAX_THREADS	1024
#define LOCKLOAD_MAX_NS		1000000
/* Bucket i: waits below 2^i ns (from fls64()); the last one: the rest. */
#define LOCKLOAD_HIST_BUCKETS	34

/*
 * Long enough for a waiter to spin past SPIN_THRESHOLD and halt, even under
 * the testbed's slow emulation of PAUSE.
 */
static uint hold_us = 10000;
module_param(hold_us, uint, 0444);
MODULE_PARM_DESC(hold_us, "Microseconds each kthread holds a lock (default 10000; hold_ns overrides it)");

static uint hold_ns;
module_param(hold_ns, uint, 0444);
MODULE_PARM_DESC(hold_ns, "Nanoseconds each kthread holds a lock, when not 0 (default 0: hold_us)");

static uint gap_ns;
module_param(gap_ns, uint, 0444);
MODULE_PARM_DESC(gap_ns, "Nanoseconds each kthread waits between releasing a lock and taking the next (default 0)");

static uint threads;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "kthreads, bound round-robin to the online CPUs (default 0: one per online CPU)");

static uint locks = 1;
module_param(locks, uint, 0444);
MODULE_PARM_DESC(locks, "Spinlocks, 1..64; each acquisition takes one picked pseudo-randomly (default 1)");

struct lockload_lock {
	spinlock_t lock;	/* guards nothing: the load itself */
} ____cacheline_aligned_in_smp;

static struct lockload_lock lockload_locks[LOCKLOAD_MAX_LOCKS];

/* What one kthread counts; only it writes there. */
struct lockload_thread {
	struct task_struct *task;
	u32 seed;
	unsigned int epoch;	/* the window the counters below belong to */
	u64 acquisitions;
	u64 max_wait_ns;
	u64 hist[LOCKLOAD_HIST_BUCKETS];
	u64 since_load;		/* acquisitions since load */
	u64 since_load_max_ns;
} ____cacheline_aligned_in_smp;

static struct lockload_thread *lockload_threads;
static unsigned int lockload_nr;
static unsigned int lockload_epoch;
static u64 lockload_window_start;
static DEFINE_MUTEX(lockload_reset_mutex);
static struct dentry *lockload_debugfs;

static void lockload_record(struct lockload_thread *t, u64 wait)
{
	unsigned int b = min_t(unsigned int, fls64(wait), LOCKLOAD_HIST_BUCKETS - 1);

	WRITE_ONCE(t->acquisitions, t->acquisitions + 1);
	WRITE_ONCE(t->hist[b], t->hist[b] + 1);
	if (wait > t->max_wait_ns)
		WRITE_ONCE(t->max_wait_ns, wait);
	WRITE_ONCE(t->since_load, t->since_load + 1);
	if (wait > t->since_load_max_ns)
		WRITE_ONCE(t->since_load_max_ns, wait);
}

/* A new window began: zero this kthread's counters of the old one. */
static void lockload_new_window(struct lockload_thread *t, unsigned int epoch)
{
	unsigned int i;

	WRITE_ONCE(t->acquisitions, 0);
	WRITE_ONCE(t->max_wait_ns, 0);
	for (i = 0; i < LOCKLOAD_HIST_BUCKETS; i++)
		WRITE_ONCE(t->hist[i], 0);
	/*
	 * Readers sum only the kthreads that are in the current window;
	 * release: one that sees the new epoch sees the zeroed counters
	 * (pairs with the acquire in lockload_sum()).
	 */
	smp_store_release(&t->epoch, epoch);
}

static int lockload_fn(void *data)
{
	struct lockload_thread *t = data;
	spinlock_t *lock;	/* the one this acquisition takes */
	unsigned int epoch;
	u64 t0, wait;

	while (!kthread_should_stop()) {
		epoch = READ_ONCE(lockload_epoch);
		if (epoch != t->epoch)
			lockload_new_window(t, epoch);
		lock = &lockload_locks[0].lock;
		if (locks > 1) {
			t->seed = next_pseudo_random32(t->seed);
			lock = &lockload_locks[reciprocal_scale(t->seed, locks)].lock;
		}
		t0 = local_clock();
		spin_lock(lock);
		wait = local_clock() - t0;
		if (hold_ns)
			ndelay(hold_ns);
		else
			udelay(hold_us);
		spin_unlock(lock);
		lockload_record(t, wait);
		if (gap_ns)
			ndelay(gap_ns);
		/*
		 * These kthreads never sleep: report a quiescent state for RCU
		 * tasks too, or synchronize_rcu_tasks() (ftrace unhooking)
		 * would wait for them forever.
		 */
		cond_resched_tasks_rcu_qs();
	}
	return 0;
}

struct lockload_sum {
	u64 acquisitions;
	u64 max_wait_ns;
	u64 hist[LOCKLOAD_HIST_BUCKETS];
	u64 since_load;
	u64 since_load_max_ns;
};

/* Sums the counters; those of the current window only. */
static void lockload_sum(struct lockload_sum *s)
{
	unsigned int epoch = READ_ONCE(lockload_epoch);
	unsigned int i, j;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < lockload_nr; i++) {
		struct lockload_thread *t = &lockload_threads[i];

		s->since_load += READ_ONCE(t->since_load);
		s->since_load_max_ns = max(s->since_load_max_ns,
					   READ_ONCE(t->since_load_max_ns));
		/* acquire: pairs with the release in lockload_new_window() */
		if (smp_load_acquire(&t->epoch) != epoch)
			continue;
		s->acquisitions += READ_ONCE(t->acquisitions);
		s->max_wait_ns = max(s->max_wait_ns, READ_ONCE(t->max_wait_ns));
		for (j = 0; j < LOCKLOAD_HIST_BUCKETS; j++)
			s->hist[j] += READ_ONCE(t->hist[j]);
	}
}

static int acquisitions_get(void *data, u64 *val)
{
	struct lockload_sum s;

	lockload_sum(&s);
	*val = s.acquisitions;
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(acquisitions_fops, acquisitions_get, NULL, "%llu\n");

static int max_wait_get(void *data, u64 *val)
{
	struct lockload_sum s;

	lockload_sum(&s);
	*val = s.max_wait_ns;
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(max_wait_fops, max_wait_get, NULL, "%llu\n");

static int stats_show(struct seq_file *m, void *unused)
{
	struct lockload_sum s;
	u64 start = READ_ONCE(lockload_window_start);

	lockload_sum(&s);
	seq_printf(m, "acquisitions %llu\n", s.acquisitions);
	seq_printf(m, "elapsed_ns %llu\n", ktime_get_ns() - start);
	seq_printf(m, "max_wait_ns %llu\n", s.max_wait_ns);
	seq_printf(m, "since_load_acquisitions %llu\n", s.since_load);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int wait_hist_show(struct seq_file *m, void *unused)
{
	struct lockload_sum s;
	unsigned int i;

	lockload_sum(&s);
	seq_puts(m, "# ns_below count\n");
	for (i = 0; i < LOCKLOAD_HIST_BUCKETS - 1; i++)
		seq_printf(m, "%llu %llu\n", 1ULL << i, s.hist[i]);
	seq_printf(m, "inf %llu\n", s.hist[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(wait_hist);

/*
 * Each kthread zeroes its own counters when it sees the new epoch; until
 * then the sums leave it out.
 */
static ssize_t reset_write(struct file *file, const char __user *buf,
			   size_t count, loff_t *ppos)
{
	mutex_lock(&lockload_reset_mutex);
	WRITE_ONCE(lockload_window_start, ktime_get_ns());
	WRITE_ONCE(lockload_epoch, lockload_epoch + 1);
	mutex_unlock(&lockload_reset_mutex);
	return count;
}

static const struct file_operations reset_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = reset_write,
	.llseek = noop_llseek,
};

static void lockload_stop(void)
{
	unsigned int i;

	for (i = 0; i < lockload_nr; i++)
		kthread_stop(lockload_threads[i].task);
}

static int __init lockload_init(void)
{
	struct task_struct *t;
	unsigned int i;
	int cpu = -1;

	if (hold_us > 100000 || hold_ns > LOCKLOAD_MAX_NS || gap_ns > LOCKLOAD_MAX_NS ||
	    threads > LOCKLOAD_MAX_THREADS || !locks || locks > LOCKLOAD_MAX_LOCKS)
		return -EINVAL;
	for (i = 0; i < locks; i++)
		spin_lock_init(&lockload_locks[i].lock);
	if (!threads)
		threads = num_online_cpus();
	lockload_threads = kcalloc(threads, sizeof(*lockload_threads), GFP_KERNEL);
	if (!lockload_threads)
		return -ENOMEM;
	lockload_window_start = ktime_get_ns();
	for (i = 0; i < threads; i++) {
		/* Round-robin over the online CPUs. */
		cpu = cpumask_next(cpu, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first(cpu_online_mask);
		lockload_threads[i].seed = i + 1;
		t = kthread_create(lockload_fn, &lockload_threads[i], "pvops_lockload/%u", i);
		if (IS_ERR(t)) {
			lockload_stop();
			kfree(lockload_threads);
			return PTR_ERR(t);
		}
		kthread_bind(t, cpu);
		lockload_threads[i].task = t;
		lockload_nr++;
		wake_up_process(t);
	}
	lockload_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file_unsafe("acquisitions", 0444, lockload_debugfs, NULL,
				   &acquisitions_fops);
	debugfs_create_file_unsafe("max_wait_ns", 0444, lockload_debugfs, NULL,
				   &max_wait_fops);
	debugfs_create_file("stats", 0444, lockload_debugfs, NULL, &stats_fops);
	debugfs_create_file("wait_hist", 0444, lockload_debugfs, NULL, &wait_hist_fops);
	debugfs_create_file("reset", 0200, lockload_debugfs, NULL, &reset_fops);
	if (hold_ns)
		pr_info("%u kthreads, %u locks, held %u ns, gap %u ns\n",
			lockload_nr, locks, hold_ns, gap_ns);
	else
		pr_info("%u kthreads, %u locks, held %u us, gap %u ns\n",
			lockload_nr, locks, hold_us, gap_ns);
	return 0;
}
module_init(lockload_init);

static void __exit lockload_exit(void)
{
	struct lockload_sum s;

	debugfs_remove_recursive(lockload_debugfs);
	lockload_stop();
	lockload_sum(&s);
	pr_info("%llu acquisitions, max wait %llu ns, %u kthreads, %u locks\n",
		s.since_load, s.since_load_max_ns, lockload_nr, locks);
	kfree(lockload_threads);
}
module_exit(lockload_exit);

MODULE_DESCRIPTION("Spinlock contention load for the pvops tests and benchmark (tests only)");
MODULE_LICENSE("GPL");
