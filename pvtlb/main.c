// SPDX-License-Identifier: GPL-2.0
/*
 * pvtlb: remote TLB flushes by hypercall. A pvops backend for
 * pv_ops.mmu.flush_tlb_multi that asks the host to flush the TLBs of the
 * remote target vCPUs, running or not, in one hypercall, instead of sending
 * each of them an IPI and waiting for it: KVM_HC_FLUSH_TLB of the KVM ABI
 * (the 6.12 host series, offered by KVM_FEATURE_PV_FLUSH_TLB_HC). By
 * default only the targets where the hypercall wins go that way (the
 * hybrid policy, its signal below); the hypercall policy sends them all.
 *
 *   /sys/module/pvtlb/parameters/policy         hybrid|hypercall|kvm|native
 *   /sys/module/pvtlb/parameters/hybrid_signal  auto|preempted|running|lazy
 *   /sys/module/pvtlb/parameters/ranges         Y|N
 *   /sys/kernel/debug/pvtlb/stats               counters
 *   tracepoint pvtlb:pvtlb_flush                one event per flush
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/kernel_stat.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <asm/apic.h>

#include <pvops/pvops.h>
#include <pvops/version.h>

#include "pvtlb.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/*
 * How the remote targets of a flush are flushed while pvtlb is the active
 * implementation of flush_tlb_multi:
 *   HYPERCALL  all of them by one hypercall;
 *   HYBRID     the ones the hybrid signal picks by hypercall, the others by
 *              the original function (IPIs, or the kernel's deferred flush
 *              for a preempted vCPU when the original is KVM's).
 */
enum pvtlb_mode { PVTLB_HYPERCALL, PVTLB_HYBRID };

/*
 * Which targets the hybrid mode flushes by hypercall:
 *   PREEMPTED  the ones the host marks preempted in their steal-time area
 *              (an IPI cannot reach them until the host runs them again);
 *   RUNNING    the ones it does not mark: when the original is the kernel's
 *              KVM flush, it defers the preempted ones' flush to their next
 *              entry for free, and only the running ones cost an IPI;
 *   LAZY       the lazy targets of a flush that freed page tables, which
 *              the kernel's flush IPIs too, waking them when they are
 *              halted in idle, while the host keeps the flushing vCPU
 *              waiting for a CPU (its steal time, pvtlb_host_busy()): the
 *              host is overcommitted, an IPI to a halted vCPU waits until
 *              the host runs it, and the host flushes a halted vCPU
 *              without waking it. Every other target by the
 *              original: a running target answers an IPI sooner than a
 *              hypercall's flush, which waits for it to leave guest mode,
 *              returns (tests/bench/timeline); a preempted one is deferred
 *              by KVM's flush for free; and an IPI makes an idle lazy CPU
 *              leave the mm (it switches to init_mm), so the mm's next
 *              flushes skip it, which no host-side flush can do;
 *   AUTO       LAZY when the original is the kernel's KVM flush, else
 *              PREEMPTED (the native flush would IPI preempted vCPUs).
 *              make bench's TLB part, 2026-12-06, paired with the KVM
 *              flush: LAZY 0.95 where the targets run (munmap, 1:1),
 *              1.03 and 2.16 with idle targets (ptfree, 1:1 and 2:1); the
 *              hypercall policy 0.87 and 0.59 at 1:1 (munmap, ptfree);
 *              RUNNING 0.87 at 2:1 (munmap, an earlier run).
 */
enum pvtlb_signal {
	PVTLB_SIG_AUTO, PVTLB_SIG_PREEMPTED, PVTLB_SIG_RUNNING, PVTLB_SIG_LAZY,
};

static const char * const pvtlb_mode_names[] = {
	[PVTLB_HYPERCALL] = "hypercall",
	[PVTLB_HYBRID] = "hybrid",
};

static const char * const pvtlb_signal_names[] = {
	[PVTLB_SIG_AUTO] = "auto",
	[PVTLB_SIG_PREEMPTED] = "preempted",
	[PVTLB_SIG_RUNNING] = "running",
	[PVTLB_SIG_LAZY] = "lazy",
};

static int pvtlb_mode = PVTLB_HYBRID;
static int pvtlb_signal = PVTLB_SIG_AUTO;
/* What AUTO means here; set at load from the op's original. */
static int pvtlb_auto_signal = PVTLB_SIG_PREEMPTED;
/* The policy asked for at load: a mode of ours, or "kvm"/"native". */
static char pvtlb_load_policy[16] = "hybrid";
static bool pvtlb_live;
/* The flush's hypercall number in the host's ABI; set before registering. */
static unsigned int pvtlb_hc __ro_after_init;
/* The host takes a range (PVOPS_CAP_FLUSH_TLB_RANGE); set at load. */
static bool pvtlb_host_ranges __ro_after_init;
/* Give it the range of a small flush; otherwise every target flushes all. */
static bool pvtlb_ranges = true;
module_param_named(ranges, pvtlb_ranges, bool, 0644);
MODULE_PARM_DESC(ranges, "Y (default): a flush of a few pages makes the targets invalidate only those, where the host offers ranges (host_features flush_tlb_range); N: every target flushes its whole TLB");
static DEFINE_MUTEX(pvtlb_policy_lock);

/* Counters, per CPU, summed when read. */
struct pvtlb_stats {
	u64 flushes;		/* calls of pvtlb_flush_tlb_multi() */
	u64 targets;		/* remote CPUs in their masks */
	u64 hypercalls;		/* flush hypercalls made */
	u64 memory_form;	/* of those, with the bitmap in memory */
	u64 ranges;		/* of those that succeeded, with a range */
	u64 ipis_avoided;	/* targets flushed by hypercall */
	u64 ipi_targets;	/* targets left to the original (hybrid) */
	u64 lazy;		/* targets left out: lazy, no table freed */
	u64 fallbacks;		/* flushes done by the original after an error */
};

/* Per-CPU scratch space: flushes run with preemption disabled. */
struct pvtlb_pcpu {
	u32 *ids;		/* APIC IDs of the hypercall's targets */
	unsigned long *bitmap;	/* the memory form's bitmap */
	cpumask_var_t rest;	/* what goes to the original function */
	struct pvtlb_stats stats;
	struct pvtlb_steal steal;	/* this CPU's steal time lately */
};

static DEFINE_PER_CPU(struct pvtlb_pcpu, pvtlb_pcpu);

/*
 * Whether the host keeps this CPU's vCPU waiting for a CPU lately: the
 * verdict of its last window of steal time (pvtlb_steal_busy()). The
 * flushing CPU's own, not its targets': it runs, so its steal time is
 * the share of a window it was kept from running, while a halted target
 * accrues hardly any, however long a wake-up would wait. Only this CPU
 * updates its window, in a flush, with preemption disabled. A guess for
 * routing a flush, which either route does in full.
 */
static bool pvtlb_host_busy(struct pvtlb_pcpu *pc)
{
	return pvtlb_steal_busy(&pc->steal, ktime_get_mono_fast_ns(),
				kcpustat_this_cpu->cpustat[CPUTIME_STEAL]);
}

/*
 * Whether the hybrid mode's @signal picks @cpu, a remote target; @busy:
 * for LAZY, a flush that freed page tables while pvtlb_host_busy().
 */
static bool pvtlb_by_hypercall(int cpu, int signal, bool lazy, bool busy)
{
	switch (signal) {
	case PVTLB_SIG_PREEMPTED:
		return vcpu_is_preempted(cpu);
	case PVTLB_SIG_LAZY:
		return lazy && busy;
	default:
		return !vcpu_is_preempted(cpu);
	}
}

/*
 * pv_ops.mmu.flush_tlb_multi: flush @cpus (this CPU too if it is in the
 * mask) for @info. Without a range, the host's flush is a full flush of
 * the target's guest TLB and paging-structure caches: it covers every
 * range, freed page tables included. With one (a flush of at most
 * KVM_FLUSH_TLB_MAX_NR entries that freed no page table, and a host that
 * offers ranges), each target invalidates only the range's addresses, as
 * native_flush_tlb_multi()'s INVLPGs would.
 *
 * Remote CPUs in lazy TLB mode (cpu_tlbstate_shared.is_lazy, exported by
 * 6.1 and 6.12) are left out of a flush that freed no page table, as
 * native_flush_tlb_multi() leaves them out: such a CPU runs no user code of
 * the mm, and when it switches back to it, switch_mm_irqs_off() sees the
 * mm's TLB generation ahead of its own and flushes. The generation was
 * bumped (a full barrier) before this call, and the lazy CPU clears
 * is_lazy and then reads the generation with a full barrier between, so
 * one of the two always sees the other. After a page table was freed even
 * a lazy CPU must flush now, before a speculative walk can read what the
 * freed table's page holds next. The kernel also leaves out CPUs that run
 * another mm; pvtlb cannot tell those (cpu_tlbstate.loaded_mm is not
 * exported) and flushes them too: harmless, only one flush too many.
 *
 * This CPU, and the remote targets left to IPIs, are flushed by the
 * original function, which updates their per-CPU TLB generation; a target
 * flushed by the host catches up on its generation with a full flush at
 * its next flush or switch.
 */
static void pvtlb_flush_tlb_multi(const struct cpumask *cpus,
				  const struct flush_tlb_info *info)
{
	struct pvtlb_pcpu *pc = this_cpu_ptr(&pvtlb_pcpu);
	struct pvtlb_stats *st = &pc->stats;
	unsigned int n = 0, nipi = 0, nlazy = 0, targets = 0;
	struct pvtlb_flush_args args;
	struct pvtlb_range range;
	int this = smp_processor_id();
	bool busy = false;
	int signal = -1;
	long ret = 0;
	int cpu;

	/* The scratch space is per CPU: only task context uses it. */
	if (unlikely(!in_task())) {
		pvops_original_flush_tlb_multi(cpus, info);
		return;
	}

	if (READ_ONCE(pvtlb_mode) == PVTLB_HYBRID) {
		signal = READ_ONCE(pvtlb_signal);
		if (signal == PVTLB_SIG_AUTO)
			signal = pvtlb_auto_signal;
	}
	pvtlb_info_range(info, &range);
	if (signal == PVTLB_SIG_LAZY && range.freed_tables)
		busy = pvtlb_host_busy(pc);
	cpumask_clear(pc->rest);
	for_each_cpu(cpu, cpus) {
		bool lazy;

		if (cpu == this) {
			__cpumask_set_cpu(cpu, pc->rest);
			continue;
		}
		targets++;
		lazy = pvtlb_cpu_lazy(cpu);
		if (!range.freed_tables && lazy) {
			nlazy++;
			continue;
		}
		if (signal < 0 || pvtlb_by_hypercall(cpu, signal, lazy, busy)) {
			pc->ids[n++] = per_cpu(x86_cpu_to_apicid, cpu);
		} else {
			__cpumask_set_cpu(cpu, pc->rest);
			nipi++;
		}
	}

	if (n) {
		ret = pvtlb_pack(pc->ids, n, pc->bitmap, &args);
		if (!ret) {
			if (pvtlb_host_ranges && READ_ONCE(pvtlb_ranges))
				pvtlb_pack_range(&range, &args.a3);
			ret = pvops_hypercall(pvtlb_hc, args.a0, args.a1,
					      args.a2, args.a3);
			st->hypercalls++;
			if (args.a3 & KVM_FLUSH_TLB_GPA)
				st->memory_form++;
			if (ret >= 0 && (args.a3 & KVM_FLUSH_TLB_RANGE))
				st->ranges++;
		}
	}
	st->flushes++;
	st->targets += targets;
	if (ret < 0) {
		/* The host flushed nothing: all of it the original way. */
		st->fallbacks++;
		pvops_count_error(PVOPS_OP_FLUSH_TLB_MULTI);
		pr_warn_ratelimited("flush hypercall failed (%ld): flushing by the original function\n",
				    ret);
		trace_pvtlb_flush(targets, 0, targets, ret);
		pvops_original_flush_tlb_multi(cpus, info);
		return;
	}
	st->ipis_avoided += n;
	st->ipi_targets += nipi;
	st->lazy += nlazy;
	trace_pvtlb_flush(targets, n, nipi, ret);
	if (!cpumask_empty(pc->rest))
		pvops_original_flush_tlb_multi(pc->rest, info);
}

static struct pvops_backend pvtlb_backend = {
	.name = KBUILD_MODNAME,
	.host_features = PVOPS_CAP_FLUSH_TLB,
	.flush_tlb_multi = pvtlb_flush_tlb_multi,
};

/*
 * Apply a policy: one of our modes makes pvtlb the active implementation,
 * any other name ("kvm", "native", another backend) is handed to the pvops
 * switch, which refuses names it does not offer. A refused switch changes
 * nothing, the mode included: it is stored once the switch is done. Until
 * then pvtlb, when it was not active before, flushes in the mode it had,
 * which flushes every target as well.
 */
static int pvtlb_apply_policy(const char *name)
{
	int mode = sysfs_match_string(pvtlb_mode_names, name);
	int ret;

	ret = pvops_switch(PVOPS_OP_FLUSH_TLB_MULTI,
			   mode >= 0 ? pvtlb_backend.name : name);
	if (!ret && mode >= 0)
		WRITE_ONCE(pvtlb_mode, mode);
	return ret;
}

static int policy_set(const char *val, const struct kernel_param *kp)
{
	char buf[sizeof(pvtlb_load_policy)];
	char *name;
	int ret = 0;

	if (strscpy(buf, val, sizeof(buf)) < 0)
		return -EINVAL;
	name = strim(buf);
	mutex_lock(&pvtlb_policy_lock);
	if (pvtlb_live)
		ret = pvtlb_apply_policy(name);
	else
		strscpy(pvtlb_load_policy, name, sizeof(pvtlb_load_policy));
	mutex_unlock(&pvtlb_policy_lock);
	return ret;
}

static int policy_get(char *buffer, const struct kernel_param *kp)
{
	const char *active = pvops_active(PVOPS_OP_FLUSH_TLB_MULTI);

	if (active && !strcmp(active, pvtlb_backend.name))
		active = pvtlb_mode_names[READ_ONCE(pvtlb_mode)];
	return sysfs_emit(buffer, "%s\n", active ?: "?");
}

static const struct kernel_param_ops policy_ops = {
	.set = policy_set,
	.get = policy_get,
};
module_param_cb(policy, &policy_ops, NULL, 0644);
MODULE_PARM_DESC(policy, "hybrid (default): remote targets by hypercall or by the kernel's function as hybrid_signal says; hypercall: all of them by hypercall; kvm or native: the kernel's function (pvtlb inactive)");

static int signal_set(const char *val, const struct kernel_param *kp)
{
	int sig = sysfs_match_string(pvtlb_signal_names, val);

	if (sig < 0)
		return -EINVAL;
	WRITE_ONCE(pvtlb_signal, sig);
	return 0;
}

static int signal_get(char *buffer, const struct kernel_param *kp)
{
	return sysfs_emit(buffer, "%s\n", pvtlb_signal_names[READ_ONCE(pvtlb_signal)]);
}

static const struct kernel_param_ops signal_ops = {
	.set = signal_set,
	.get = signal_get,
};
module_param_cb(hybrid_signal, &signal_ops, NULL, 0644);
MODULE_PARM_DESC(hybrid_signal, "In hybrid mode, flush by hypercall the targets that are: preempted, running, lazy (lazy CPUs of a flush that freed page tables, while the host keeps the flushing CPU waiting: steal time), or auto (default auto: lazy if the original is the kernel's KVM flush, else preempted)");

static const char * const pvtlb_stat_names[] = {
	"flushes", "targets", "hypercalls", "memory_form", "ranges",
	"ipis_avoided", "ipi_targets", "lazy", "fallbacks",
};

static_assert(sizeof(struct pvtlb_stats) == sizeof(u64) * ARRAY_SIZE(pvtlb_stat_names));

static int stats_show(struct seq_file *m, void *unused)
{
	pvops_seq_counters(m, &pvtlb_pcpu.stats, pvtlb_stat_names,
			   ARRAY_SIZE(pvtlb_stat_names));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static struct dentry *pvtlb_debugfs;

static void pvtlb_free_pcpu(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct pvtlb_pcpu *pc = &per_cpu(pvtlb_pcpu, cpu);

		kfree(pc->ids);
		kfree(pc->bitmap);
		free_cpumask_var(pc->rest);
	}
}

static int pvtlb_alloc_pcpu(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct pvtlb_pcpu *pc = &per_cpu(pvtlb_pcpu, cpu);
		int node = cpu_to_node(cpu);

		pc->ids = kcalloc_node(nr_cpu_ids, sizeof(*pc->ids), GFP_KERNEL, node);
		/* kmalloc: in the direct map, so __pa() is its guest address */
		pc->bitmap = kzalloc_node(PVTLB_BITMAP_BYTES, GFP_KERNEL, node);
		if (!pc->ids || !pc->bitmap ||
		    !zalloc_cpumask_var_node(&pc->rest, GFP_KERNEL, node)) {
			pvtlb_free_pcpu();
			return -ENOMEM;
		}
	}
	return 0;
}

static int __init pvtlb_init(void)
{
	int ret;

	ret = pvtlb_alloc_pcpu();
	if (ret)
		return ret;
	if (!strcmp(pvops_op_original_impl(PVOPS_OP_FLUSH_TLB_MULTI), PVOPS_IMPL_KVM))
		pvtlb_auto_signal = PVTLB_SIG_LAZY;
	pvtlb_hc = pvops_host_abi()->hc_flush_tlb;
	pvtlb_host_ranges = pvops_host_features() & PVOPS_CAP_FLUSH_TLB_RANGE;
	ret = pvops_register_backend(&pvtlb_backend);
	if (ret)
		goto err_free;
	mutex_lock(&pvtlb_policy_lock);
	ret = pvtlb_apply_policy(pvtlb_load_policy);
	if (!ret)
		pvtlb_live = true;
	mutex_unlock(&pvtlb_policy_lock);
	if (ret) {
		pr_err("policy '%s': %pe\n", pvtlb_load_policy, ERR_PTR(ret));
		goto err_unregister;
	}
	pvtlb_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stats", 0444, pvtlb_debugfs, NULL, &stats_fops);
	pr_info("flush_tlb_multi is %s (policy %s)\n",
		pvops_active(PVOPS_OP_FLUSH_TLB_MULTI), pvtlb_load_policy);
	return 0;

err_unregister:
	pvops_unregister_backend(&pvtlb_backend);
err_free:
	pvtlb_free_pcpu();
	return ret;
}
module_init(pvtlb_init);

static void __exit pvtlb_exit(void)
{
	/* The policy parameter stays writable until the module is gone. */
	mutex_lock(&pvtlb_policy_lock);
	pvtlb_live = false;
	mutex_unlock(&pvtlb_policy_lock);
	debugfs_remove_recursive(pvtlb_debugfs);
	/* Switches back and waits until no flush runs in this module. */
	pvops_unregister_backend(&pvtlb_backend);
	pvtlb_free_pcpu();
}
module_exit(pvtlb_exit);

MODULE_DESCRIPTION("Remote TLB flushes by KVM hypercall (a pvops backend)");
MODULE_LICENSE("GPL");
MODULE_VERSION(PVOPS_VERSION);
