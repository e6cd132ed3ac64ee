// SPDX-License-Identifier: GPL-2.0
/*
 * pvops op engine: the per-op counters and latency histograms
 * (/sys/kernel/debug/pvops/<op>/{stats,latency}), and the counter printer
 * the backends' own debugfs files use.
 */
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/jump_label.h>

#include <pvops/pvops.h>

#include "engine.h"
#include "trace.h"

/**
 * pvops_count_error() - count an error a backend met while running an op
 * @op: the operation
 *
 * For the errors counter of the op in debugfs; call it from the backend
 * function (preemption is disabled there).
 */
void pvops_count_error(enum pvops_op op)
{
	if ((unsigned int)op < PVOPS_NR_OPS)
		this_cpu_inc(pvops_ops[op].stats->errors);
}
EXPORT_SYMBOL_GPL(pvops_count_error);

/**
 * pvops_seq_counters() - show per-CPU counters, summed over the CPUs
 * @m: the seq_file of a debugfs file
 * @pcpu: per-CPU address of the first of @n consecutive u64 counters (a
 *	struct of u64 members, each CPU counting in its own copy)
 * @names: the name of each counter, in their order
 * @n: the number of counters
 *
 * Prints one "name value" line per counter, as the debugfs stats files of
 * the pvops modules do.
 */
void pvops_seq_counters(struct seq_file *m, const void __percpu *pcpu,
			const char * const *names, unsigned int n)
{
	unsigned int i;
	u64 sum;
	int cpu;

	for (i = 0; i < n; i++) {
		sum = 0;
		for_each_possible_cpu(cpu)
			sum += READ_ONCE(((const u64 *)per_cpu_ptr(pcpu, cpu))[i]);
		seq_printf(m, "%s %llu\n", names[i], sum);
	}
}
EXPORT_SYMBOL_GPL(pvops_seq_counters);

/*
 * The latency histograms cost two local_clock() reads per redirected call,
 * so they are off until someone looks: the first read of any <op>/latency
 * file turns them on (it shows what was counted so far: nothing), as does
 * writing 1 to latency_enable; writing 0 there turns them off (the counts
 * stay). The pvops_call tracepoint, while enabled, times the calls too.
 */
DEFINE_STATIC_KEY_FALSE(pvops_latency_on);

/* A call the trampoline sent to @impl, a backend, took @ns. */
void pvops_stats_call(struct pvops_op_state *st, const char *impl, u64 ns)
{
	if (static_branch_unlikely(&pvops_latency_on))
		__this_cpu_inc(st->stats->hist[min_t(unsigned int, fls64(ns),
						     PVOPS_HIST_BUCKETS - 1)]);
	trace_pvops_call(st->op, impl, ns);
}

static int latency_enable_get(void *data, u64 *val)
{
	*val = static_key_enabled(&pvops_latency_on);
	return 0;
}

static int latency_enable_set(void *data, u64 val)
{
	if (val > 1)
		return -EINVAL;
	if (val)
		static_branch_enable(&pvops_latency_on);
	else
		static_branch_disable(&pvops_latency_on);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(latency_enable_fops, latency_enable_get,
			 latency_enable_set, "%llu\n");

/* /sys/kernel/debug/pvops/latency_enable: 0 or 1, for every op. */
void pvops_stats_debugfs(struct dentry *dir)
{
	debugfs_create_file_unsafe("latency_enable", 0600, dir, NULL,
				   &latency_enable_fops);
}

static const char * const pvops_stat_names[] = { "calls", "fallbacks", "errors" };

static int stats_show(struct seq_file *m, void *unused)
{
	struct pvops_op_state *st = m->private;

	pvops_seq_counters(m, st->stats, pvops_stat_names,
			   ARRAY_SIZE(pvops_stat_names));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int latency_show(struct seq_file *m, void *unused)
{
	struct pvops_op_state *st = m->private;
	u64 sum;
	int cpu, i;

	static_branch_enable(&pvops_latency_on);
	seq_puts(m, "# ns_below calls\n");
	for (i = 0; i < PVOPS_HIST_BUCKETS; i++) {
		sum = 0;
		for_each_possible_cpu(cpu)
			sum += READ_ONCE(per_cpu_ptr(st->stats, cpu)->hist[i]);
		if (i < PVOPS_HIST_BUCKETS - 1)
			seq_printf(m, "%llu %llu\n", 1ULL << i, sum);
		else
			seq_printf(m, "inf %llu\n", sum);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(latency);

/* The op's counters, and its debugfs folder in @dir. */
int pvops_stats_init(struct pvops_op_state *st, struct dentry *dir)
{
	st->stats = alloc_percpu(struct pvops_stats);
	if (!st->stats)
		return -ENOMEM;
	st->debugfs = debugfs_create_dir(st->name, dir);
	debugfs_create_file("stats", 0444, st->debugfs, st, &stats_fops);
	debugfs_create_file("latency", 0444, st->debugfs, st, &latency_fops);
	return 0;
}

void pvops_stats_free(struct pvops_op_state *st)
{
	free_percpu(st->stats);
	st->stats = NULL;
}
