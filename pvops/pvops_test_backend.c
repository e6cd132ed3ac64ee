// SPDX-License-Identifier: GPL-2.0
/*
 * A backend for the pvops op engine that only the tests load: it takes
 * flush_tlb_multi, lock_wait and lock_kick, counts every call and runs the
 * original function. It also measures the cost of a null hypercall, and can
 * play a broken TLB flush (flush_local_only) to show that the stale-TLB
 * checker catches one.
 *
 *   /sys/kernel/debug/pvops_test_backend/counts          calls per op
 *   /sys/kernel/debug/pvops_test_backend/null_hypercall  a measurement
 *   /sys/kernel/debug/pvops_test_backend/call_cost       another
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/irqflags.h>
#include <linux/kvm_para.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include <pvops/pvops.h>

static bool activate;
module_param(activate, bool, 0444);
MODULE_PARM_DESC(activate, "Switch every op to this backend on load (default: no)");

static uint host_features;
module_param(host_features, uint, 0444);
MODULE_PARM_DESC(host_features, "Capabilities (PVOPS_CAP_* bitmap: 1 flush_tlb, 2 lock_wait, 4 lock_kick, 8 clock) the host must offer (default: none)");

static bool lock = true;
module_param(lock, bool, 0444);
MODULE_PARM_DESC(lock, "Take lock_wait and lock_kick too (default: yes; the kernel must run the paravirt qspinlock)");

static bool flush_local_only;
module_param(flush_local_only, bool, 0444);
MODULE_PARM_DESC(flush_local_only, "A broken flush_tlb_multi that flushes this CPU only, never the remote ones: for the stale-TLB checker to catch (default: no)");

static DEFINE_PER_CPU(u64, testbe_calls[PVOPS_NR_OPS]);

static void testbe_flush_tlb_multi(const struct cpumask *cpus,
				   const struct flush_tlb_info *info)
{
	int this = smp_processor_id();

	this_cpu_inc(testbe_calls[PVOPS_OP_FLUSH_TLB_MULTI]);
	if (!flush_local_only)
		pvops_original_flush_tlb_multi(cpus, info);
	else if (cpumask_test_cpu(this, cpus))
		pvops_original_flush_tlb_multi(cpumask_of(this), info);
}

static void testbe_lock_wait(u8 *ptr, u8 val)
{
	this_cpu_inc(testbe_calls[PVOPS_OP_LOCK_WAIT]);
	pvops_original_lock_wait(ptr, val);
}

static void testbe_lock_kick(int cpu)
{
	this_cpu_inc(testbe_calls[PVOPS_OP_LOCK_KICK]);
	pvops_original_lock_kick(cpu);
}

static struct pvops_backend testbe = {
	.name = "testbe",
	.flush_tlb_multi = testbe_flush_tlb_multi,
	.lock_wait = testbe_lock_wait,
	.lock_kick = testbe_lock_kick,
};

static int counts_show(struct seq_file *m, void *unused)
{
	int op, cpu;

	for (op = 0; op < PVOPS_NR_OPS; op++) {
		u64 sum = 0;

		for_each_possible_cpu(cpu)
			sum += READ_ONCE(per_cpu(testbe_calls[op], cpu));
		seq_printf(m, "%s %llu\n", pvops_op_name(op), sum);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(counts);

#define NULL_HC_SAMPLES	501
#define NULL_HC_BATCH	16

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * ns per hypercall of @nr, as the median of NULL_HC_SAMPLES batches of
 * NULL_HC_BATCH back-to-back calls, each batch with interrupts off.
 */
static int null_hc_measure(struct seq_file *m, const char *name,
			   unsigned int nr, u64 *t)
{
	unsigned long flags;
	long ret = 0;
	int i, j;
	u64 t0;

	for (i = 0; i < NULL_HC_SAMPLES; i++) {
		local_irq_save(flags);
		t0 = local_clock();
		for (j = 0; j < NULL_HC_BATCH; j++)
			ret |= pvops_hypercall(nr, 0, 0, 0, 0);
		t[i] = local_clock() - t0;
		local_irq_restore(flags);
		cond_resched();
	}
	if (ret < 0) {
		seq_printf(m, "%s unavailable (%ld)\n", name, ret);
		return 0;
	}
	sort(t, NULL_HC_SAMPLES, sizeof(*t), cmp_u64, NULL);
	seq_printf(m, "%s median_ns %llu p10_ns %llu p90_ns %llu samples %d\n",
		   name, t[NULL_HC_SAMPLES / 2] / NULL_HC_BATCH,
		   t[NULL_HC_SAMPLES / 10] / NULL_HC_BATCH,
		   t[NULL_HC_SAMPLES * 9 / 10] / NULL_HC_BATCH,
		   NULL_HC_SAMPLES * NULL_HC_BATCH);
	return 0;
}

/* Upstream's cheapest hypercall: the round trip alone. */
static int null_hypercall_show(struct seq_file *m, void *unused)
{
	u64 *t = kmalloc_array(NULL_HC_SAMPLES, sizeof(*t), GFP_KERNEL);

	if (!t)
		return -ENOMEM;
	null_hc_measure(m, "vapic_poll_irq", KVM_HC_VAPIC_POLL_IRQ, t);
	kfree(t);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(null_hypercall);

#define CALL_COST_SAMPLES	201
#define CALL_COST_BATCH		64

/*
 * ns per call of flush_tlb_multi with an empty mask, as the median of
 * CALL_COST_SAMPLES batches of CALL_COST_BATCH calls, each batch with
 * preemption off (as the kernel's callers have it): nothing is flushed, so
 * what it costs is the original's own bookkeeping, plus, while the op runs
 * this backend, the hook, the trampoline (and its timing, while the
 * engine's latency histogram is on) and this backend. For
 * tests/bench/hist-guest, which compares the histogram off and on. Each
 * call counts as a remote flush in /proc/vmstat (nr_tlb_remote_flush).
 */
static int call_cost_show(struct seq_file *m, void *unused)
{
	void (*fn)(const struct cpumask *cpus, const struct flush_tlb_info *info) =
		pvops_op_original(PVOPS_OP_FLUSH_TLB_MULTI);
	/*
	 * Nothing to flush: no CPU, and no range. The kernel hides struct
	 * flush_tlb_info from modules: zeroes, more than it holds (about 50
	 * bytes in 6.1 and 6.12), stand for it.
	 */
	static const u64 info[32];
	u64 *t, t0, calls0, calls = 0;
	int i, j, cpu;

	t = kmalloc_array(CALL_COST_SAMPLES, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		calls += per_cpu(testbe_calls[PVOPS_OP_FLUSH_TLB_MULTI], cpu);
	calls0 = calls;
	for (i = 0; i < CALL_COST_SAMPLES; i++) {
		preempt_disable();
		t0 = local_clock();
		for (j = 0; j < CALL_COST_BATCH; j++)
			fn(cpu_none_mask, (const struct flush_tlb_info *)info);
		t[i] = local_clock() - t0;
		preempt_enable();
		cond_resched();
	}
	calls = 0;
	for_each_possible_cpu(cpu)
		calls += per_cpu(testbe_calls[PVOPS_OP_FLUSH_TLB_MULTI], cpu);
	sort(t, CALL_COST_SAMPLES, sizeof(*t), cmp_u64, NULL);
	/* redirected: the calls this backend got, of those made here. */
	seq_printf(m, "flush_tlb_multi median_ns %llu p10_ns %llu p90_ns %llu calls %d redirected %llu impl %s\n",
		   t[CALL_COST_SAMPLES / 2] / CALL_COST_BATCH,
		   t[CALL_COST_SAMPLES / 10] / CALL_COST_BATCH,
		   t[CALL_COST_SAMPLES * 9 / 10] / CALL_COST_BATCH,
		   CALL_COST_SAMPLES * CALL_COST_BATCH, calls - calls0,
		   pvops_active(PVOPS_OP_FLUSH_TLB_MULTI));
	kfree(t);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(call_cost);

static struct dentry *testbe_debugfs;

static int __init testbe_init(void)
{
	int op, ret;

	testbe.host_features = host_features;
	if (!lock) {
		testbe.lock_wait = NULL;
		testbe.lock_kick = NULL;
	}
	ret = pvops_register_backend(&testbe);
	if (ret)
		return ret;
	if (activate) {
		for (op = 0; op < PVOPS_OP_LOCK_KICK; op++) {
			/* lock_kick switches with lock_wait */
			if (op == PVOPS_OP_LOCK_WAIT && !lock)
				break;
			ret = pvops_switch(op, testbe.name);
			if (ret) {
				pvops_unregister_backend(&testbe);
				return ret;
			}
		}
	}
	testbe_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("counts", 0444, testbe_debugfs, NULL, &counts_fops);
	debugfs_create_file("null_hypercall", 0444, testbe_debugfs, NULL,
			    &null_hypercall_fops);
	debugfs_create_file("call_cost", 0444, testbe_debugfs, NULL,
			    &call_cost_fops);
	return 0;
}
module_init(testbe_init);

static void __exit testbe_exit(void)
{
	debugfs_remove_recursive(testbe_debugfs);
	pvops_unregister_backend(&testbe);
}
module_exit(testbe_exit);

MODULE_DESCRIPTION("Test backend for the pvops op engine (tests only)");
MODULE_LICENSE("GPL");
