// SPDX-License-Identifier: GPL-2.0
/*
 * pvclock_bench: the cost of the kernel's clock reads with the current
 * clocksource, for the clock benchmark (tests/bench/clock-guest), which
 * switches the clocksource (pvclock, kvm-clock, tsc) through
 * current_clocksource between runs.
 *
 * /sys/kernel/debug/pvclock_bench/run: write "FN [CALLS [BATCHES]]" to time
 * BATCHES batches of CALLS calls of FN (default 100000 calls, 5 batches,
 * at most 10000000 and 1000), one after the other on one CPU; FN is
 *   ktime_get       the timekeeping read every kernel timestamp uses
 *   ktime_get_real  the same for CLOCK_REALTIME
 *   mono_fast       ktime_get_mono_fast_ns(), the NMI-safe one
 * The write returns when the batches are done; reading the file then gives
 * one line:
 *   fn=ktime_get calls=N batches=B cpu=C min_ns=X median_ns=X max_ns=X
 *   total_ms=N
 * where the ns are per call (two decimals) over the batches: the best,
 * the median and the worst batch. Each batch runs with preemption off but
 * interrupts on, and is timed with local_clock() (sched_clock: the same
 * whatever the current clocksource), so an interrupt or a host preemption
 * lands in one batch; the minimum is the cost of the read itself.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

#define BENCH_MAX_CALLS		10000000U
#define BENCH_MAX_BATCHES	1000U
#define BENCH_LINE		256

static DEFINE_MUTEX(bench_lock);
static char bench_result[BENCH_LINE] = "no run yet\n";
static struct dentry *bench_debugfs;

static u64 bench_ktime_get(void)
{
	return ktime_get();
}

static u64 bench_ktime_get_real(void)
{
	return ktime_get_real();
}

static u64 bench_mono_fast(void)
{
	return ktime_get_mono_fast_ns();
}

static const struct {
	const char *name;
	u64 (*fn)(void);
} bench_fns[] = {
	{ "ktime_get", bench_ktime_get },
	{ "ktime_get_real", bench_ktime_get_real },
	{ "mono_fast", bench_mono_fast },
};

/* Picoseconds per call of one batch: @calls calls of @fn. */
static u64 bench_batch(u64 (*fn)(void), unsigned int calls, int *cpu)
{
	u64 t0, t1, sink = 0;
	unsigned int i;

	preempt_disable();
	*cpu = smp_processor_id();
	t0 = local_clock();
	for (i = 0; i < calls; i++)
		sink += fn();
	t1 = local_clock();
	preempt_enable();
	/* Keep the reads from being optimized away. */
	OPTIMIZER_HIDE_VAR(sink);
	return div_u64((t1 - t0) * 1000, calls);
}

static int bench_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int bench_run(const char *name, unsigned int calls,
		     unsigned int batches)
{
	u64 (*fn)(void) = NULL;
	u64 *ps, start, total;
	unsigned int i;
	int cpu = -1;

	for (i = 0; i < ARRAY_SIZE(bench_fns); i++)
		if (!strcmp(name, bench_fns[i].name))
			fn = bench_fns[i].fn;
	if (!fn)
		return -EINVAL;
	ps = kcalloc(batches, sizeof(*ps), GFP_KERNEL);
	if (!ps)
		return -ENOMEM;
	start = local_clock();
	for (i = 0; i < batches; i++) {
		ps[i] = bench_batch(fn, calls, &cpu);
		cond_resched();
	}
	total = local_clock() - start;
	sort(ps, batches, sizeof(*ps), bench_cmp, NULL);
	/* median_low: one of the batches, also for an even count */
	snprintf(bench_result, sizeof(bench_result),
		 "fn=%s calls=%u batches=%u cpu=%d min_ns=%llu.%02llu median_ns=%llu.%02llu max_ns=%llu.%02llu total_ms=%llu\n",
		 name, calls, batches, cpu,
		 ps[0] / 1000, ps[0] % 1000 / 10,
		 ps[(batches - 1) / 2] / 1000, ps[(batches - 1) / 2] % 1000 / 10,
		 ps[batches - 1] / 1000, ps[batches - 1] % 1000 / 10,
		 div_u64(total, NSEC_PER_MSEC));
	kfree(ps);
	return 0;
}

static ssize_t bench_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	unsigned int calls = 100000, batches = 5;
	char buf[64], name[32];
	int n, ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	n = sscanf(buf, "%31s %u %u", name, &calls, &batches);
	if (n < 1 || !calls || calls > BENCH_MAX_CALLS || !batches ||
	    batches > BENCH_MAX_BATCHES)
		return -EINVAL;

	mutex_lock(&bench_lock);
	ret = bench_run(name, calls, batches);
	mutex_unlock(&bench_lock);
	return ret ? ret : count;
}

static ssize_t bench_read(struct file *file, char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	char line[BENCH_LINE];

	mutex_lock(&bench_lock);
	strscpy(line, bench_result, sizeof(line));
	mutex_unlock(&bench_lock);
	return simple_read_from_buffer(ubuf, count, ppos, line, strlen(line));
}

static const struct file_operations bench_fops = {
	.owner	= THIS_MODULE,
	.read	= bench_read,
	.write	= bench_write,
	.llseek	= default_llseek,
};

static int __init pvclock_bench_init(void)
{
	bench_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("run", 0600, bench_debugfs, NULL, &bench_fops);
	return 0;
}
module_init(pvclock_bench_init);

static void __exit pvclock_bench_exit(void)
{
	debugfs_remove(bench_debugfs);
}
module_exit(pvclock_bench_exit);

MODULE_DESCRIPTION("Times the kernel's clock reads with the current clocksource (clock benchmark)");
MODULE_LICENSE("GPL");
