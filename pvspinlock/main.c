// SPDX-License-Identifier: GPL-2.0
/*
 * pvspinlock: paravirt qspinlock wait and kick by hypercall. A pvops
 * backend for pv_ops.lock.wait and pv_ops.lock.kick, which the kernel's KVM
 * guest code sets to kvm_wait() (HLT) and kvm_kick_cpu() (KVM_HC_KICK_CPU)
 * at boot. The wait tells the host which lock byte it waits on and for
 * which value: the host re-reads the byte before it halts the vCPU, bounds
 * the wait with a timeout and says what ended it. The kick wakes the
 * waiter, or is remembered for its next wait, and yields to it when it is
 * preempted. The wait is KVM_HC_LOCK_WAIT of the KVM ABI (the 6.12 host
 * series, offered by KVM_FEATURE_PV_LOCK_WAIT) and the kick
 * KVM_HC_KICK_CPU, kvm_kick_cpu()'s own (KVM_FEATURE_PV_UNHALT).
 *
 *   /sys/module/pvspinlock/parameters/activate         switch to it at load
 *   /sys/module/pvspinlock/parameters/wait_timeout_us  bound of one wait
 *   /sys/module/pvspinlock/parameters/wait_yield       boost a preempted vCPU
 *   /sys/kernel/debug/pvspinlock/stats                 counters
 *   /sys/kernel/debug/pvops/lock_wait/latency          wait-time histogram
 *   tracepoints pvspinlock:pvspinlock_wait, pvspinlock:pvspinlock_kick
 *
 * Switching between this scheme and the kernel's own, at any time, with
 * waiters asleep. The op engine switches lock_wait and lock_kick together,
 * but as two pointer stores, and a CPU that read one pointer before the
 * stores can make its call after them: for a while, waits and kicks of
 * both schemes meet. A waiter must never sleep where only the other
 * scheme's kick would wake it. It does not, because both schemes use one
 * wake-up flag on the host, the vCPU's pv_unhalted:
 *   - kvm_kick_cpu() (KVM_HC_KICK_CPU) sets it and kicks the vCPU; our kick
 *     is that very hypercall;
 *   - a HLT (kvm_wait()) ends when it is set, and so does our wait, which
 *     then clears it, as the end of a HLT does;
 *   - a kick that comes before the wait leaves it set, and the next wait,
 *     HLT or ours, returns at once.
 * So every kick wakes every waiter of either scheme, whichever pair of
 * functions the two CPUs called. What a kick cannot tell is which wait it
 * was meant for; a stale one makes a later wait return early, which the
 * qspinlock slow path takes as a spurious wake-up: it checks its lock and
 * waits again. When the wait's hypercall fails, the wait runs kvm_wait().
 * The kick is kvm_kick_cpu()'s own hypercall, KVM_HC_KICK_CPU, which the
 * host answers with 0 for any APIC ID: a failure (none is expected) is
 * counted and said, not retried with the same call.
 * Unloading: pvops_unregister_backend() switches back, then waits for every
 * CPU that is inside our functions, also a waiter halted in the host. That
 * waiter is woken by the next unlock's kick (either scheme, as above) and
 * at the latest by its timeout, so unloading never waits longer than
 * wait_timeout_us for it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/hardirq.h>
#include <linux/irq_work.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/sched/clock.h>
#include <linux/seq_file.h>
#include <asm/paravirt.h>
#include <asm/qspinlock.h>
#include <asm/smp.h>

#include <pvops/pvops.h>
#include <pvops/version.h>

#include "pvspinlock.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

#define PVSPINLOCK_NAME		"pvspinlock"

struct pvspinlock_stats {
	u64 waits;	/* calls of the wait */
	u64 immediate;	/* the byte had changed before the hypercall */
	u64 changed;	/* the host found it changed */
	u64 kicked;	/* woken by a kick, or one was pending */
	u64 timeouts;
	u64 events;	/* woken by an interrupt or another event */
	u64 kicks;
	u64 errors;	/* failed hypercalls: the kernel's function ran */
};

static DEFINE_PER_CPU(struct pvspinlock_stats, pvspinlock_stats);

/* The host's ABI (pvops_host_abi()), set before registering. */
static const struct pvops_host_abi *pvspinlock_abi __ro_after_init;

static bool activate = true;
module_param(activate, bool, 0444);
MODULE_PARM_DESC(activate, "Switch the lock wait and kick to pvspinlock at load (default Y; else: echo pvspinlock > /sys/kernel/pvops/lock_wait/impl)");

static unsigned int wait_timeout_us = 10000;

static int wait_timeout_set(const char *val, const struct kernel_param *kp)
{
	unsigned int us;
	int ret;

	ret = kstrtouint(val, 0, &us);
	if (ret)
		return ret;
	if (!us || us > KVM_LOCK_WAIT_MAX_NS / NSEC_PER_USEC)
		return -ERANGE;
	WRITE_ONCE(wait_timeout_us, us);
	return 0;
}

static const struct kernel_param_ops wait_timeout_ops = {
	.set = wait_timeout_set,
	.get = param_get_uint,
};
module_param_cb(wait_timeout_us, &wait_timeout_ops, &wait_timeout_us, 0644);
MODULE_PARM_DESC(wait_timeout_us, "Longest a wait stays in the host before the waiter checks its lock again, 1..1000000 us (default 10000)");

/*
 * The first failure, said in dmesg from an irq_work: printk() is not safe
 * here, inside the spinlock slow path (the console's own locks), and
 * printk_deferred() is not exported. Either side can fail: the guest,
 * which could not translate the lock's address (pvspinlock_gpa()), or the
 * host, which refused the hypercall with an error.
 */
static atomic_t pvspinlock_failed;
static struct {
	enum pvops_op op;
	long ret;		/* the host's error; 0: the guest's */
	const void *addr;	/* the lock byte the guest could not translate */
} pvspinlock_first_error;

static void pvspinlock_say_error(struct irq_work *work)
{
	const char *op = pvops_op_name(READ_ONCE(pvspinlock_first_error.op));
	long ret = READ_ONCE(pvspinlock_first_error.ret);

	if (IS_ERR_VALUE(ret))
		pr_warn("%s: the host refused the hypercall: %pe; the kernel's function ran instead (see errors in debugfs)\n",
			op, ERR_PTR(ret));
	else if (ret)
		pr_warn("%s: the host returned %ld, which the ABI does not define; the kernel's function ran instead (see errors in debugfs)\n",
			op, ret);
	else
		pr_warn("%s: the guest could not translate the lock's address %p to a guest physical address (not mapped by the kernel's page tables); the kernel's function ran instead (see errors in debugfs)\n",
			op, READ_ONCE(pvspinlock_first_error.addr));
}

static DEFINE_IRQ_WORK(pvspinlock_error_work, pvspinlock_say_error);

/*
 * On by default: in make bench it gave 1.20 and 1.34 times the kernel's
 * pv qspinlock at 2:1 overcommit (4 and 8 threads) against 1.08 and 1.18
 * without, and the same at 1:1, where there is no preempted vCPU to yield
 * to (tests/bench/results/report.md).
 */
static bool wait_yield = true;
module_param(wait_yield, bool, 0644);
MODULE_PARM_DESC(wait_yield, "Ask the host to yield to a preempted vCPU in guest kernel mode (the lock holder, likely) before it halts a waiter (KVM_LOCK_WAIT_YIELD; default Y)");

/* @ret: the host's error (negative KVM_E* value), or 0 for the guest's at @addr. */
static void pvspinlock_error(enum pvops_op op, long ret, const void *addr)
{
	this_cpu_inc(pvspinlock_stats.errors);
	pvops_count_error(op);
	if (!atomic_read(&pvspinlock_failed) &&
	    !atomic_cmpxchg(&pvspinlock_failed, 0, 1)) {
		WRITE_ONCE(pvspinlock_first_error.op, op);
		WRITE_ONCE(pvspinlock_first_error.ret, ret);
		WRITE_ONCE(pvspinlock_first_error.addr, addr);
		/* Runs on this CPU, after these stores. */
		irq_work_queue(&pvspinlock_error_work);
	}
}

static void pvspinlock_wait(u8 *ptr, u8 val)
{
	phys_addr_t gpa;
	long ret;
	u64 t0;

	/* As kvm_wait(): an NMI handler must not halt; the caller spins on. */
	if (in_nmi())
		return;
	this_cpu_inc(pvspinlock_stats.waits);
	if (READ_ONCE(*ptr) != val) {
		this_cpu_inc(pvspinlock_stats.immediate);
		return;
	}
	gpa = pvspinlock_gpa(ptr);
	if (gpa == PVSPINLOCK_NO_GPA) {
		pvspinlock_error(PVOPS_OP_LOCK_WAIT, 0, ptr);
		pvops_original_lock_wait(ptr, val);
		return;
	}
	/*
	 * With interrupts enabled or not, as the caller has them: the host
	 * ends the wait for an interrupt only if the vCPU would take it, as
	 * for the kernel's safe_halt() and halt().
	 */
	t0 = local_clock();
	ret = pvops_hypercall(pvspinlock_abi->hc_lock_wait, gpa, val,
			      (unsigned long)READ_ONCE(wait_timeout_us) * NSEC_PER_USEC,
			      READ_ONCE(wait_yield) ? KVM_LOCK_WAIT_YIELD : 0);
	trace_pvspinlock_wait(gpa, val, ret, local_clock() - t0);
	switch (ret) {
	case KVM_LOCK_WAIT_KICKED:
		this_cpu_inc(pvspinlock_stats.kicked);
		break;
	case KVM_LOCK_WAIT_CHANGED:
		this_cpu_inc(pvspinlock_stats.changed);
		break;
	case KVM_LOCK_WAIT_TIMEOUT:
		this_cpu_inc(pvspinlock_stats.timeouts);
		break;
	case KVM_LOCK_WAIT_EVENT:
		this_cpu_inc(pvspinlock_stats.events);
		break;
	default:
		pvspinlock_error(PVOPS_OP_LOCK_WAIT, ret, NULL);
		pvops_original_lock_wait(ptr, val);
		break;
	}
}

static void pvspinlock_kick(int cpu)
{
	u32 apicid = per_cpu(x86_cpu_to_apicid, cpu);
	long ret;

	this_cpu_inc(pvspinlock_stats.kicks);
	ret = pvops_host_kick(pvspinlock_abi, apicid);
	trace_pvspinlock_kick(cpu, apicid, ret);
	if (ret)
		pvspinlock_error(PVOPS_OP_LOCK_KICK, ret, NULL);
}

static struct pvops_backend pvspinlock_backend = {
	.name		= PVSPINLOCK_NAME,
	.host_features	= PVOPS_CAP_LOCK_WAIT | PVOPS_CAP_LOCK_KICK,
	.lock_wait	= pvspinlock_wait,
	.lock_kick	= pvspinlock_kick,
};

static const char * const pvspinlock_stat_names[] = {
	"waits", "immediate", "changed", "kicked", "timeouts", "events",
	"kicks", "errors",
};

static_assert(sizeof(struct pvspinlock_stats) ==
	      sizeof(u64) * ARRAY_SIZE(pvspinlock_stat_names));

static int stats_show(struct seq_file *m, void *unused)
{
	pvops_seq_counters(m, &pvspinlock_stats, pvspinlock_stat_names,
			   ARRAY_SIZE(pvspinlock_stat_names));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static struct dentry *pvspinlock_debugfs;

static int __init pvspinlock_init(void)
{
	int ret;

	/*
	 * The lock algorithm is chosen once, at boot: the paravirt qspinlock
	 * only when the kernel runs on KVM with PV_UNHALT, more than one
	 * vCPU and no nopvspin. Queue nodes and lock words of the native
	 * qspinlock are not those of the paravirt one, and locks are held
	 * all the time, so it cannot be changed under a running kernel;
	 * PAUSE-loop exiting already covers native spinning.
	 */
	if (pv_ops.lock.queued_spin_lock_slowpath == native_queued_spin_lock_slowpath) {
		pr_err("the kernel runs the native qspinlock (nopvspin, one vCPU or no PV_UNHALT), whose lock algorithm cannot change at runtime\n");
		return -EOPNOTSUPP;
	}
	pvspinlock_abi = pvops_host_abi();
	ret = pvops_register_backend(&pvspinlock_backend);
	if (ret)
		return ret;
	if (activate) {
		ret = pvops_switch(PVOPS_OP_LOCK_WAIT, PVSPINLOCK_NAME);
		if (ret) {
			pr_err("cannot switch the lock ops to pvspinlock: %pe\n", ERR_PTR(ret));
			pvops_unregister_backend(&pvspinlock_backend);
			return ret;
		}
	}
	pvspinlock_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stats", 0444, pvspinlock_debugfs, NULL, &stats_fops);
	pr_info("lock wait and kick are %s (wait timeout %u us)\n",
		pvops_active(PVOPS_OP_LOCK_WAIT), READ_ONCE(wait_timeout_us));
	return 0;
}
module_init(pvspinlock_init);

static void __exit pvspinlock_exit(void)
{
	debugfs_remove_recursive(pvspinlock_debugfs);
	/* Switches back and waits until no CPU runs our functions. */
	pvops_unregister_backend(&pvspinlock_backend);
	irq_work_sync(&pvspinlock_error_work);
}
module_exit(pvspinlock_exit);

MODULE_DESCRIPTION("Paravirt spinlock wait and kick by KVM hypercall (a pvops backend)");
MODULE_LICENSE("GPL");
MODULE_VERSION(PVOPS_VERSION);
