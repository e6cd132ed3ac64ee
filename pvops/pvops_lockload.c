// SPDX-License-Identifier: GPL-2.0
/*
 * A spinlock load for the tests: one kthread per online CPU takes a shared
 * spinlock and holds it for hold_us microseconds, again and again, until the
 * module unloads. The waiters spin past the paravirt qspinlock's threshold
 * and halt in pv_wait() (lock_wait), and each unlock with a halted waiter
 * kicks it (lock_kick), even without vCPU overcommit.
 *
 *   /sys/kernel/debug/pvops_lockload/acquisitions   total so far
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

/*
 * Long enough for a waiter to spin past SPIN_THRESHOLD and halt, even under
 * the testbed's slow emulation of PAUSE.
 */
static uint hold_us = 10000;
module_param(hold_us, uint, 0444);
MODULE_PARM_DESC(hold_us, "Microseconds each kthread holds the lock (default 10000)");

static DEFINE_SPINLOCK(lockload_lock);
static atomic64_t lockload_acquisitions;
static struct task_struct **lockload_threads;
static unsigned int lockload_nr;
static struct dentry *lockload_debugfs;

static int lockload_fn(void *unused)
{
	while (!kthread_should_stop()) {
		spin_lock(&lockload_lock);
		udelay(hold_us);
		spin_unlock(&lockload_lock);
		atomic64_inc(&lockload_acquisitions);
		/*
		 * These kthreads never sleep: report a quiescent state for RCU
		 * tasks too, or synchronize_rcu_tasks() (ftrace unhooking)
		 * would wait for them forever.
		 */
		cond_resched_tasks_rcu_qs();
	}
	return 0;
}

static int acquisitions_get(void *data, u64 *val)
{
	*val = atomic64_read(&lockload_acquisitions);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(acquisitions_fops, acquisitions_get, NULL, "%llu\n");

static void lockload_stop(void)
{
	unsigned int i;

	for (i = 0; i < lockload_nr; i++)
		kthread_stop(lockload_threads[i]);
	kfree(lockload_threads);
}

static int __init lockload_init(void)
{
	unsigned int cpu;

	if (hold_us > 100000)
		return -EINVAL;
	lockload_threads = kcalloc(num_online_cpus(), sizeof(*lockload_threads),
				   GFP_KERNEL);
	if (!lockload_threads)
		return -ENOMEM;
	for_each_online_cpu(cpu) {
		struct task_struct *t;

		if (lockload_nr == num_online_cpus())
			break;
		t = kthread_run_on_cpu(lockload_fn, NULL, cpu, "pvops_lockload/%u");
		if (IS_ERR(t)) {
			lockload_stop();
			return PTR_ERR(t);
		}
		lockload_threads[lockload_nr++] = t;
	}
	lockload_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file_unsafe("acquisitions", 0444, lockload_debugfs, NULL,
				   &acquisitions_fops);
	pr_info("%u kthreads, lock held %u us\n", lockload_nr, hold_us);
	return 0;
}
module_init(lockload_init);

static void __exit lockload_exit(void)
{
	debugfs_remove_recursive(lockload_debugfs);
	lockload_stop();
	pr_info("%lld acquisitions\n", atomic64_read(&lockload_acquisitions));
}
module_exit(lockload_exit);

MODULE_DESCRIPTION("Spinlock contention load for the pvops tests (tests only)");
MODULE_LICENSE("GPL");
