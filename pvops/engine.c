// SPDX-License-Identifier: GPL-2.0
/*
 * pvops core: the op engine.
 *
 * In 6.1 every pv_ops call site is patched into a direct call at boot and
 * the patch sites are gone with the init memory, so writing pv_ops later
 * changes nothing. The engine instead reads from pv_ops which function each
 * op was patched to (the original: native, or the kernel's own KVM PV
 * function) and, when asked to, redirects that function at its entry
 * through ftrace with SAVE_REGS | IPMODIFY, as livepatch does, to a
 * trampoline of ours that runs the implementation chosen in sysfs: a
 * backend registered by another module, or the native function.
 *
 * Per op, the ftrace hook is in place while the op runs anything but its
 * original, and while a backend for it is registered, so that switching
 * between backends and back is a pointer store (with keep_hooks, until
 * pvops unloads).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/ftrace.h>
#include <linux/kallsyms.h>
#include <linux/kvm_para.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched/clock.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <asm/paravirt.h>
#include <asm/tlbflush.h>

#include <pvops/compat.h>
#include <pvops/pvops.h>

#include "internal.h"
#include "trace.h"

/* Latency buckets: bucket b counts calls of [2^(b-1), 2^b) ns; the last
 * one everything longer.
 */
#define PVOPS_HIST_BUCKETS	28

struct pvops_stats {
	u64 calls;
	u64 fallbacks;
	u64 errors;
	u64 hist[PVOPS_HIST_BUCKETS];
};

struct pvops_op_state {
	enum pvops_op op;
	const char *name;
	unsigned long group;		/* ops that switch together (bitmap) */
	void *orig;			/* what pv_ops named at boot */
	const char *orig_impl;		/* "native" or "kvm" */
	void *native;			/* the native function, when known */
	void *tramp;			/* where the hook sends calls */
	int unusable;			/* why it cannot be redirected (errno) */
	const char *unusable_why;
	bool hooked;
	bool stuck;			/* the hook would not come off */
	struct ftrace_ops fops;
	struct pvops_backend __rcu *active;	/* NULL: the original */
	struct pvops_stats __percpu *stats;
	struct kobj_attribute impl_attr, available_attr, original_attr;
	struct attribute *attrs[4];
	struct attribute_group group_attr;
	struct dentry *debugfs;
};

static void pvops_tramp_flush_tlb_multi(const struct cpumask *cpus,
					const struct flush_tlb_info *info);
static void pvops_tramp_lock_wait(u8 *ptr, u8 val);
static void pvops_tramp_lock_kick(int cpu);

#define PVOPS_LOCK_GROUP	(BIT(PVOPS_OP_LOCK_WAIT) | BIT(PVOPS_OP_LOCK_KICK))

static struct pvops_op_state pvops_ops[PVOPS_NR_OPS] = {
	[PVOPS_OP_FLUSH_TLB_MULTI] = {
		.name	= "flush_tlb_multi",
		.group	= BIT(PVOPS_OP_FLUSH_TLB_MULTI),
		.tramp	= pvops_tramp_flush_tlb_multi,
	},
	[PVOPS_OP_LOCK_WAIT] = {
		.name	= "lock_wait",
		.group	= PVOPS_LOCK_GROUP,
		.tramp	= pvops_tramp_lock_wait,
	},
	[PVOPS_OP_LOCK_KICK] = {
		.name	= "lock_kick",
		.group	= PVOPS_LOCK_GROUP,
		.tramp	= pvops_tramp_lock_kick,
	},
};

/* "native" as an implementation: the native function of an op whose
 * original is the kernel's KVM PV one.
 */
static struct pvops_backend pvops_native = { .name = PVOPS_IMPL_NATIVE };

static bool keep_hooks;
module_param(keep_hooks, bool, 0644);
MODULE_PARM_DESC(keep_hooks, "Keep an op's ftrace hook from its first switch until pvops unloads, so that loading and unloading backends patches no kernel text (default N: remove it once the op runs its original with no backend)");

/*
 * Test hook, for tests/e2e/engine-checks only: while debugfs
 * pvops/fail_unhook_for_test is Y, taking a hook off at run time fails as
 * if unregister_ftrace_function() had, to show what the engine does then
 * (pvops_unhook()).
 */
static bool pvops_fail_unhook_for_test;

/* Serializes registration, switching and hook changes. */
static DEFINE_MUTEX(pvops_mutex);
static LIST_HEAD(pvops_backends);
static struct dentry *pvops_debugfs;

/*
 * Recursion guard. A backend may call the original function, which is the
 * very function the hook redirects; and a compiler may turn that call into
 * a tail jump, so the caller's address proves nothing (the tail-call trap of
 * the testbed notes: a soft lockup). The trampoline therefore marks, per
 * CPU, per interrupt context level and per op, that this CPU is inside an
 * implementation; the hook lets a call through untouched while the mark is
 * set. A lock wait that halts with interrupts enabled can be interrupted by
 * a handler that waits for another lock: that runs at a higher context
 * level (0 task, 1 softirq, 2 hardirq, 3 NMI), with a mark of its own, and
 * is redirected normally.
 */
static DEFINE_PER_CPU(unsigned long, pvops_nest);

static __always_inline unsigned long pvops_nest_bit(enum pvops_op op, int level)
{
	return BIT(level * PVOPS_NR_OPS + op);
}

static void *pvops_backend_fn(const struct pvops_backend *b, enum pvops_op op)
{
	switch (op) {
	case PVOPS_OP_FLUSH_TLB_MULTI:
		return b->flush_tlb_multi;
	case PVOPS_OP_LOCK_WAIT:
		return b->lock_wait;
	case PVOPS_OP_LOCK_KICK:
		return b->lock_kick;
	default:
		return NULL;
	}
}

static struct pvops_op_state *pvops_state(enum pvops_op op)
{
	if ((unsigned int)op >= PVOPS_NR_OPS)
		return NULL;
	return &pvops_ops[op];
}

/**
 * pvops_op_name() - name of a paravirt operation managed by the engine
 * @op: the operation
 *
 * Return: a static string, or NULL when @op is out of range.
 */
const char *pvops_op_name(enum pvops_op op)
{
	struct pvops_op_state *st = pvops_state(op);

	return st ? st->name : NULL;
}
EXPORT_SYMBOL_GPL(pvops_op_name);

/**
 * pvops_op_original() - the function a paravirt operation was patched to
 * @op: the operation
 *
 * The kernel's pv_ops table still names the function every call site was
 * patched to at boot: native, or the kernel's own KVM PV function. A backend
 * calls it to fall back; the engine lets such calls through.
 *
 * Return: the function's address, or NULL when @op is out of range or the
 * kernel has no such operation.
 */
void *pvops_op_original(enum pvops_op op)
{
	struct pvops_op_state *st = pvops_state(op);

	return st ? st->orig : NULL;
}
EXPORT_SYMBOL_GPL(pvops_op_original);

static const char *pvops_impl_name(struct pvops_op_state *st,
				   struct pvops_backend *b)
{
	return b ? b->name : st->orig_impl;
}

/**
 * pvops_active() - the implementation a paravirt op runs now
 * @op: the operation
 *
 * Return: "native", "kvm" (the kernel's own KVM PV function) or the name of
 * the backend; NULL when @op is out of range.
 */
const char *pvops_active(enum pvops_op op)
{
	struct pvops_op_state *st = pvops_state(op);
	const char *name;

	if (!st)
		return NULL;
	mutex_lock(&pvops_mutex);
	name = pvops_impl_name(st, rcu_dereference_protected(st->active,
							     lockdep_is_held(&pvops_mutex)));
	mutex_unlock(&pvops_mutex);
	return name;
}
EXPORT_SYMBOL_GPL(pvops_active);

/**
 * pvops_count_error() - count an error a backend met while running an op
 * @op: the operation
 *
 * For the errors counter of the op in debugfs; call it from the backend
 * function (preemption is disabled there).
 */
void pvops_count_error(enum pvops_op op)
{
	struct pvops_op_state *st = pvops_state(op);

	if (st)
		this_cpu_inc(st->stats->errors);
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

static void notrace pvops_ftrace_handler(unsigned long ip,
					 unsigned long parent_ip,
					 struct ftrace_ops *fops,
					 struct ftrace_regs *fregs)
{
	struct pvops_op_state *st = container_of(fops, struct pvops_op_state, fops);
	int bit;

	bit = ftrace_test_recursion_trylock(ip, parent_ip);
	if (bit < 0)
		return;
	if (__this_cpu_read(pvops_nest) &
	    pvops_nest_bit(st->op, interrupt_context_level())) {
		/* The implementation called the original: let it run. */
		__this_cpu_inc(st->stats->fallbacks);
	} else if (rcu_access_pointer(st->active)) {
		pvops_ftrace_set_ip(fregs, (unsigned long)st->tramp);
	}
	ftrace_test_recursion_unlock(bit);
}

/*
 * Trampoline entry and exit, what the three trampolines share. From the
 * read of st->active to the implementation's return, preemption stays off:
 * an RCU read-side critical section that pvops_unregister_backend() waits
 * for. Returns the implementation to run; NULL when the op was switched
 * back to its original since the hook looked, and the trampoline then runs
 * the original.
 */
static struct pvops_backend *pvops_enter(struct pvops_op_state *st, u64 *t0)
{
	struct pvops_backend *b;

	preempt_disable_notrace();
	__this_cpu_or(pvops_nest, pvops_nest_bit(st->op, interrupt_context_level()));
	b = rcu_dereference_sched(st->active);
	if (likely(b))
		__this_cpu_inc(st->stats->calls);
	*t0 = local_clock();
	return b;
}

static void pvops_leave(struct pvops_op_state *st, struct pvops_backend *b,
			u64 t0)
{
	u64 ns = local_clock() - t0;

	if (likely(b)) {
		__this_cpu_inc(st->stats->hist[min_t(unsigned int, fls64(ns),
						     PVOPS_HIST_BUCKETS - 1)]);
		trace_pvops_call(st->name, b->name, ns);
	} else {
		/* The hook counted this pass-through as a fallback: it is not. */
		__this_cpu_dec(st->stats->fallbacks);
	}
	__this_cpu_and(pvops_nest, ~pvops_nest_bit(st->op, interrupt_context_level()));
	preempt_enable_notrace();
}

static void pvops_tramp_flush_tlb_multi(const struct cpumask *cpus,
					const struct flush_tlb_info *info)
{
	struct pvops_op_state *st = &pvops_ops[PVOPS_OP_FLUSH_TLB_MULTI];
	struct pvops_backend *b;
	u64 t0;

	b = pvops_enter(st, &t0);
	if (likely(b))
		b->flush_tlb_multi(cpus, info);
	else
		pvops_original_flush_tlb_multi(cpus, info);
	pvops_leave(st, b, t0);
}

static void pvops_tramp_lock_wait(u8 *ptr, u8 val)
{
	struct pvops_op_state *st = &pvops_ops[PVOPS_OP_LOCK_WAIT];
	struct pvops_backend *b;
	u64 t0;

	b = pvops_enter(st, &t0);
	if (likely(b))
		b->lock_wait(ptr, val);
	else
		pvops_original_lock_wait(ptr, val);
	pvops_leave(st, b, t0);
}

static void pvops_tramp_lock_kick(int cpu)
{
	struct pvops_op_state *st = &pvops_ops[PVOPS_OP_LOCK_KICK];
	struct pvops_backend *b;
	u64 t0;

	b = pvops_enter(st, &t0);
	if (likely(b))
		b->lock_kick(cpu);
	else
		pvops_original_lock_kick(cpu);
	pvops_leave(st, b, t0);
}

/*
 * Whether a backend is registered for the op: then its hook stays in place
 * even while the op runs its original, so that switching is cheap (taking a
 * hook off waits for an RCU tasks grace period).
 */
static bool pvops_op_has_backend(struct pvops_op_state *st)
{
	struct pvops_backend *b;

	list_for_each_entry(b, &pvops_backends, node)
		if (pvops_backend_fn(b, st->op))
			return true;
	return false;
}

static int pvops_hook(struct pvops_op_state *st)
{
	int ret;

	lockdep_assert_held(&pvops_mutex);
	if (st->hooked)
		return 0;
	if (st->unusable) {
		pr_err("%s: cannot redirect %ps: %s\n", st->name, st->orig,
		       st->unusable_why);
		return st->unusable;
	}
	ret = register_ftrace_function(&st->fops);
	if (ret == -EBUSY) {
		/*
		 * ftrace says -EBUSY for both, and exports nothing that
		 * tells them apart (ftrace_enabled is not exported).
		 */
		pr_err("%s: cannot redirect %ps: %pe: another IPMODIFY ftrace user (a livepatch?) owns it, or sysctl kernel.ftrace_enabled is 0\n",
		       st->name, st->orig, ERR_PTR(ret));
		return ret;
	}
	if (ret) {
		pr_err("%s: cannot redirect %ps: ftrace refused: %pe\n",
		       st->name, st->orig, ERR_PTR(ret));
		return ret;
	}
	st->hooked = true;
	return 0;
}

/*
 * Take the hook off (it waits for every CPU inside the handler). When ftrace
 * cannot, it may still call the handler, which calls the trampolines: the
 * hook stays (st->stuck), and a module reference keeps pvops, their text
 * and the op's state, loaded. The next removal that works drops it.
 */
static void pvops_unhook(struct pvops_op_state *st)
{
	int ret = -EBUSY;

	lockdep_assert_held(&pvops_mutex);
	if (!READ_ONCE(pvops_fail_unhook_for_test))
		ret = unregister_ftrace_function(&st->fops);
	if (ret) {
		if (!st->stuck) {
			st->stuck = true;
			__module_get(THIS_MODULE);
			pr_err("%s: cannot remove the ftrace hook on %ps: %pe; the hook stays and pvops stays loaded\n",
			       st->name, st->orig, ERR_PTR(ret));
		}
		return;
	}
	st->hooked = false;
	if (st->stuck) {
		st->stuck = false;
		module_put(THIS_MODULE);
		pr_info("%s: ftrace hook on %ps removed, pvops may unload\n",
			st->name, st->orig);
	}
}

/* Take the hook off an op that runs its original and has no backend. */
static void pvops_unhook_idle(struct pvops_op_state *st)
{
	lockdep_assert_held(&pvops_mutex);
	if (!st->hooked || READ_ONCE(keep_hooks) ||
	    rcu_access_pointer(st->active) || pvops_op_has_backend(st))
		return;
	pvops_unhook(st);
}

static struct pvops_backend *pvops_find(const char *name)
{
	struct pvops_backend *b;

	list_for_each_entry(b, &pvops_backends, node)
		if (!strcmp(b->name, name))
			return b;
	return NULL;
}

/*
 * Set the implementation of every op of @st's group to @b (NULL: original).
 * When it fails, nothing has changed: the hooks it placed come off again.
 */
static int pvops_set_group(struct pvops_op_state *st, struct pvops_backend *b)
{
	unsigned long group = st->group, placed = 0;
	struct pvops_backend *old;
	unsigned int op;
	int ret;

	lockdep_assert_held(&pvops_mutex);
	if (b) {
		for_each_set_bit(op, &group, PVOPS_NR_OPS) {
			if (pvops_ops[op].hooked)
				continue;
			ret = pvops_hook(&pvops_ops[op]);
			if (ret) {
				for_each_set_bit(op, &placed, PVOPS_NR_OPS)
					pvops_unhook(&pvops_ops[op]);
				return ret;
			}
			__set_bit(op, &placed);
		}
	}
	/*
	 * The ops of a group change one after the other, each with a single
	 * pointer store. A caller may meet the new wait with the old kick (or
	 * the reverse) for the length of one call: backends of the lock group
	 * must wake waiters of either scheme (pvspinlock's host side does).
	 */
	for_each_set_bit(op, &group, PVOPS_NR_OPS) {
		struct pvops_op_state *o = &pvops_ops[op];

		old = rcu_dereference_protected(o->active,
						lockdep_is_held(&pvops_mutex));
		rcu_assign_pointer(o->active, b);
		trace_pvops_switch(o->name, pvops_impl_name(o, old),
				   pvops_impl_name(o, b), 0);
	}
	return 0;
}

/**
 * pvops_switch() - choose the implementation of a paravirt op
 * @op: the operation
 * @name: "native", "kvm" (the kernel's own KVM PV function) or the name of
 *	a registered backend
 *
 * Ops of one group (lock wait and kick) switch together. Takes effect for
 * the next call on every CPU; calls running now finish where they started.
 *
 * Return: 0; -EINVAL for an unknown @op; -ENOENT when no implementation has
 * that name; -EOPNOTSUPP when the op cannot be redirected on this kernel;
 * -EBUSY when another IPMODIFY ftrace user (e.g. a livepatch) owns the
 * function.
 */
int pvops_switch(enum pvops_op op, const char *name)
{
	struct pvops_op_state *st = pvops_state(op);
	struct pvops_backend *b, *old;
	int ret = 0;

	if (!st || !name)
		return -EINVAL;
	mutex_lock(&pvops_mutex);
	old = rcu_dereference_protected(st->active, lockdep_is_held(&pvops_mutex));
	if (!strcmp(name, st->orig_impl)) {
		b = NULL;
	} else if (!strcmp(name, PVOPS_IMPL_NATIVE) && st->native) {
		b = &pvops_native;
	} else {
		b = pvops_find(name);
		if (!b || !pvops_backend_fn(b, op)) {
			ret = -ENOENT;
			goto out;
		}
	}
	if (b == old)
		goto out;
	ret = pvops_set_group(st, b);
	if (ret) {
		trace_pvops_switch(st->name, pvops_impl_name(st, old), name, ret);
		goto out;
	}
	pr_info("%s: %s -> %s\n", st->name, pvops_impl_name(st, old),
		pvops_impl_name(st, b));
	if (!b) {
		unsigned long group = st->group;
		unsigned int o;

		for_each_set_bit(o, &group, PVOPS_NR_OPS)
			pvops_unhook_idle(&pvops_ops[o]);
	}
out:
	mutex_unlock(&pvops_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(pvops_switch);

static int pvops_check_backend(struct pvops_backend *b)
{
	unsigned int op, missing;
	char names[128];

	if (!b->name || !b->name[0] || strlen(b->name) > 32 || strchr(b->name, ' ') ||
	    !strcmp(b->name, PVOPS_IMPL_NATIVE) || !strcmp(b->name, PVOPS_IMPL_KVM)) {
		pr_err("backend name '%s' is empty, too long or reserved\n",
		       b->name ?: "");
		return -EINVAL;
	}
	for (op = 0; op < PVOPS_NR_OPS; op++)
		if (pvops_backend_fn(b, op))
			break;
	if (op == PVOPS_NR_OPS) {
		pr_err("%s: backend implements no op\n", b->name);
		return -EINVAL;
	}
	if (!b->lock_wait != !b->lock_kick) {
		pr_err("%s: a backend implements lock_wait and lock_kick together\n",
		       b->name);
		return -EINVAL;
	}
	if ((pvops_kvm_features() & b->kvm_features) != b->kvm_features) {
		pvops_format_features(names, sizeof(names),
				      b->kvm_features & ~pvops_kvm_features());
		pr_err("%s: host lacks KVM features: %s\n", b->name, names);
		return -ENODEV;
	}
	missing = b->host_features & ~pvops_host_features();
	if (missing) {
		pvops_format_bits(names, sizeof(names), missing,
				  pvops_host_feature_name);
		if (pvops_host_abi()->abi == PVOPS_ABI_NONE)
			pr_err("%s: host offers no KVM ABI capability (CPUID 0x40000001: stock KVM?), needs %s\n",
			       b->name, names);
		else
			pr_err("%s: host's KVM ABI (CPUID 0x40000001) lacks %s\n",
			       b->name, names);
		return -ENODEV;
	}
	for (op = 0; op < PVOPS_NR_OPS; op++) {
		struct pvops_op_state *st = &pvops_ops[op];

		if (pvops_backend_fn(b, op) && st->unusable) {
			pr_err("%s: cannot redirect %s: %s\n", b->name,
			       st->name, st->unusable_why);
			return st->unusable;
		}
	}
	return 0;
}

/**
 * pvops_register_backend() - offer a backend for paravirt ops
 * @b: the backend; it must stay valid until pvops_unregister_backend()
 *
 * Makes @b selectable with pvops_switch() and in sysfs; it does not switch
 * any op to it. Says why in one dmesg line when it refuses.
 *
 * Return: 0; -EINVAL for a malformed backend (no name, a reserved name, no
 * op, lock_wait without lock_kick); -EEXIST when a backend of that name is
 * registered; -ENODEV when the host lacks a feature @b needs; -EOPNOTSUPP
 * when an op of @b cannot be redirected on this kernel.
 */
int pvops_register_backend(struct pvops_backend *b)
{
	int ret;

	if (!b)
		return -EINVAL;
	ret = pvops_check_backend(b);
	if (ret)
		return ret;
	mutex_lock(&pvops_mutex);
	if (pvops_find(b->name)) {
		pr_err("%s: a backend of that name is registered already\n",
		       b->name);
		ret = -EEXIST;
	} else {
		list_add_tail(&b->node, &pvops_backends);
		pr_info("%s: backend registered\n", b->name);
	}
	mutex_unlock(&pvops_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(pvops_register_backend);

/**
 * pvops_unregister_backend() - withdraw a backend
 * @b: a backend registered with pvops_register_backend()
 *
 * Every op running @b goes back to its original first. Returns only when no
 * CPU runs a function of @b any more, so the module providing it may go.
 */
void pvops_unregister_backend(struct pvops_backend *b)
{
	unsigned int op;

	mutex_lock(&pvops_mutex);
	if (WARN_ON(!b || pvops_find(b->name) != b)) {
		mutex_unlock(&pvops_mutex);
		return;
	}
	for (op = 0; op < PVOPS_NR_OPS; op++) {
		struct pvops_op_state *st = &pvops_ops[op];

		if (rcu_access_pointer(st->active) == b) {
			pvops_set_group(st, NULL);
			pr_info("%s: %s -> %s (backend unregistered)\n",
				st->name, b->name, st->orig_impl);
		}
	}
	list_del(&b->node);
	/*
	 * Why this is enough for the module of @b to be unloaded afterwards:
	 * a CPU can only be inside a function of @b after a trampoline read
	 * @b from st->active, and the trampoline does that with preemption
	 * disabled and keeps it disabled until the backend returned
	 * (pvops_enter(), pvops_leave()). From that read to the backend's
	 * return the CPU is thus in one RCU read-side critical section, and
	 * synchronize_rcu() below waits for all of them.
	 *
	 * That includes lock waiters halted inside @b's lock_wait: a halted
	 * vCPU reports no quiescent state, so the grace period lasts until it
	 * is woken, by an interrupt or by a kick. Kicks keep coming, since
	 * whoever holds the lock it waits for kicks it on unlock, with the
	 * kick now active; the lock group's rule (any kick wakes a waiter of
	 * either scheme) makes that kick reach it. New calls cannot pick @b:
	 * it is neither active nor on the list.
	 */
	synchronize_rcu();
	for (op = 0; op < PVOPS_NR_OPS; op++)
		pvops_unhook_idle(&pvops_ops[op]);
	pr_info("%s: backend unregistered\n", b->name);
	mutex_unlock(&pvops_mutex);
}
EXPORT_SYMBOL_GPL(pvops_unregister_backend);

/* sysfs: /sys/kernel/pvops/<op>/{impl,available,original} */

static ssize_t impl_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct pvops_op_state *st = container_of(attr, struct pvops_op_state,
						 impl_attr);

	return sysfs_emit(buf, "%s\n", pvops_active(st->op));
}

static ssize_t impl_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	struct pvops_op_state *st = container_of(attr, struct pvops_op_state,
						 impl_attr);
	char name[40];
	int ret;

	if (count >= sizeof(name))
		return -EINVAL;
	strscpy(name, buf, sizeof(name));
	ret = pvops_switch(st->op, strim(name));
	return ret ?: count;
}

static ssize_t available_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct pvops_op_state *st = container_of(attr, struct pvops_op_state,
						 available_attr);
	struct pvops_backend *b;
	int len;

	mutex_lock(&pvops_mutex);
	len = sysfs_emit(buf, "%s", st->orig_impl);
	if (st->native)
		len += sysfs_emit_at(buf, len, " %s", PVOPS_IMPL_NATIVE);
	list_for_each_entry(b, &pvops_backends, node)
		if (pvops_backend_fn(b, st->op))
			len += sysfs_emit_at(buf, len, " %s", b->name);
	mutex_unlock(&pvops_mutex);
	return len + sysfs_emit_at(buf, len, "\n");
}

static ssize_t original_show(struct kobject *kobj,
			     struct kobj_attribute *attr, char *buf)
{
	struct pvops_op_state *st = container_of(attr, struct pvops_op_state,
						 original_attr);

	return sysfs_emit(buf, "%ps\n", st->orig);
}

/* debugfs: /sys/kernel/debug/pvops/<op>/{stats,latency} */

static void pvops_sum_stats(struct pvops_op_state *st, struct pvops_stats *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		struct pvops_stats *s = per_cpu_ptr(st->stats, cpu);

		sum->calls += READ_ONCE(s->calls);
		sum->fallbacks += READ_ONCE(s->fallbacks);
		sum->errors += READ_ONCE(s->errors);
		for (i = 0; i < PVOPS_HIST_BUCKETS; i++)
			sum->hist[i] += READ_ONCE(s->hist[i]);
	}
}

static int stats_show(struct seq_file *m, void *unused)
{
	struct pvops_op_state *st = m->private;
	struct pvops_stats sum;

	pvops_sum_stats(st, &sum);
	seq_printf(m, "calls %llu\nfallbacks %llu\nerrors %llu\n",
		   sum.calls, sum.fallbacks, sum.errors);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

static int latency_show(struct seq_file *m, void *unused)
{
	struct pvops_op_state *st = m->private;
	struct pvops_stats sum;
	int i;

	pvops_sum_stats(st, &sum);
	seq_puts(m, "# ns_below calls\n");
	for (i = 0; i < PVOPS_HIST_BUCKETS - 1; i++)
		seq_printf(m, "%llu %llu\n", 1ULL << i, sum.hist[i]);
	seq_printf(m, "inf %llu\n", sum.hist[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(latency);

/* The function containing @addr: its name, and @addr's offset and size. */
static bool pvops_sym_at(unsigned long addr, char *name, unsigned long *off,
			 unsigned long *size)
{
	char buf[KSYM_SYMBOL_LEN], *plus;

	sprint_symbol(buf, addr);
	plus = strrchr(buf, '+');
	if (!plus || sscanf(plus, "+%lx/%lx", off, size) != 2 || !*size)
		return false;
	*plus = '\0';
	strscpy(name, buf, KSYM_NAME_LEN);
	return true;
}

/*
 * The address of native_flush_tlb_multi(), which is not exported. In 6.1
 * kallsyms_lookup_name() is not exported either, and a kprobe used as a
 * name lookup would patch the text of this very hot function while other
 * CPUs run it (seen to crash under load). Instead walk the symbol table
 * function by function, with sprint_symbol() only, from an exported
 * function of the same file (arch/x86/mm/tlb.c): leave_mm().
 */
#define PVOPS_WALK_MAX	512

static void *pvops_find_native_flush(void)
{
	unsigned long start = (unsigned long)leave_mm, addr, off, size;
	char name[KSYM_NAME_LEN];
	int i;

	for (addr = start, i = 0; i < PVOPS_WALK_MAX; i++, addr += size) {
		if (!pvops_sym_at(addr, name, &off, &size) || off)
			break;
		if (!strcmp(name, "native_flush_tlb_multi"))
			return (void *)addr;
	}
	for (addr = start, i = 0; i < PVOPS_WALK_MAX; i++) {
		if (!pvops_sym_at(addr - 1, name, &off, &size))
			break;
		addr -= off + 1;
		if (!strcmp(name, "native_flush_tlb_multi"))
			return (void *)addr;
	}
	return NULL;
}

static void pvops_init_op(struct pvops_op_state *st, enum pvops_op op)
{
	char sym[KSYM_SYMBOL_LEN];
	int ret;

	st->op = op;
	switch (op) {
	case PVOPS_OP_FLUSH_TLB_MULTI:
		st->orig = pv_ops.mmu.flush_tlb_multi;
		break;
#ifdef CONFIG_PARAVIRT_SPINLOCKS
	case PVOPS_OP_LOCK_WAIT:
		st->orig = pv_ops.lock.wait;
		break;
	case PVOPS_OP_LOCK_KICK:
		st->orig = pv_ops.lock.kick;
		break;
#endif
	default:
		break;
	}
	st->orig_impl = PVOPS_IMPL_NATIVE;
	if (!st->orig) {
		st->unusable = -EOPNOTSUPP;
		st->unusable_why = "this kernel has no such op";
		return;
	}
	sprint_symbol_no_offset(sym, (unsigned long)st->orig);
	if (!strncmp(sym, "kvm_", 4))
		st->orig_impl = PVOPS_IMPL_KVM;
	if (!strcmp(sym, "_paravirt_nop")) {
		/* Native qspinlock: the slow path never waits or kicks. */
		st->unusable = -EOPNOTSUPP;
		st->unusable_why = "the kernel runs the native qspinlock (no pv wait/kick)";
		return;
	}
	if (op == PVOPS_OP_FLUSH_TLB_MULTI && !strncmp(sym, "kvm_", 4)) {
		st->native = pvops_find_native_flush();
		if (!st->native)
			pr_info("%s: native_flush_tlb_multi not found, \"native\" not offered\n",
				st->name);
	}
	if (!IS_ENABLED(CONFIG_DYNAMIC_FTRACE_WITH_REGS)) {
		st->unusable = -EOPNOTSUPP;
		st->unusable_why = "the kernel lacks DYNAMIC_FTRACE_WITH_REGS";
		return;
	}
	st->fops.func = pvops_ftrace_handler;
	/*
	 * FL_RCU: ftrace calls the handler only where RCU is watching, since
	 * the unload rule (pvops_unregister_backend()) rests on RCU grace
	 * periods; elsewhere (idle, early entry) the original runs.
	 * FL_PERMANENT, as livepatch has it: while the hook is in place,
	 * sysctl kernel.ftrace_enabled=0 is refused (-EBUSY) instead of
	 * silently sending every call to the original while sysfs still
	 * names the backend; and while it is 0, placing the hook is refused.
	 */
	st->fops.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_DYNAMIC |
			 FTRACE_OPS_FL_IPMODIFY | FTRACE_OPS_FL_RCU |
			 FTRACE_OPS_FL_PERMANENT;
	ret = ftrace_set_filter_ip(&st->fops, (unsigned long)st->orig, 0, 0);
	if (ret) {
		st->unusable = -EOPNOTSUPP;
		st->unusable_why = "not traceable by ftrace";
	}
}

static void pvops_free_op(struct pvops_op_state *st)
{
	if (st->fops.func && !st->unusable)
		ftrace_free_filter(&st->fops);
	free_percpu(st->stats);
}

int pvops_engine_init(struct kobject *parent)
{
	struct pvops_op_state *st;
	int op, ret;

	pvops_debugfs = debugfs_create_dir("pvops", NULL);
	debugfs_create_bool("fail_unhook_for_test", 0600, pvops_debugfs,
			    &pvops_fail_unhook_for_test);
	for (op = 0; op < PVOPS_NR_OPS; op++) {
		st = &pvops_ops[op];
		st->stats = alloc_percpu(struct pvops_stats);
		if (!st->stats) {
			ret = -ENOMEM;
			goto fail;
		}
		pvops_init_op(st, op);
		if (op == PVOPS_OP_FLUSH_TLB_MULTI)
			pvops_native.flush_tlb_multi = st->native;

		st->impl_attr = (struct kobj_attribute)__ATTR(impl, 0644, impl_show, impl_store);
		st->available_attr = (struct kobj_attribute)__ATTR_RO(available);
		st->original_attr = (struct kobj_attribute)__ATTR_RO(original);
		st->attrs[0] = &st->impl_attr.attr;
		st->attrs[1] = &st->available_attr.attr;
		st->attrs[2] = &st->original_attr.attr;
		st->group_attr.name = st->name;
		st->group_attr.attrs = st->attrs;
		ret = sysfs_create_group(parent, &st->group_attr);
		if (ret) {
			pvops_free_op(st);
			goto fail;
		}
		st->debugfs = debugfs_create_dir(st->name, pvops_debugfs);
		debugfs_create_file("stats", 0444, st->debugfs, st, &stats_fops);
		debugfs_create_file("latency", 0444, st->debugfs, st, &latency_fops);
		if (st->unusable)
			pr_info("%s: %ps, cannot be redirected: %s\n", st->name,
				st->orig, st->unusable_why);
	}
	return 0;
fail:
	while (--op >= 0) {
		sysfs_remove_group(parent, &pvops_ops[op].group_attr);
		pvops_free_op(&pvops_ops[op]);
	}
	debugfs_remove_recursive(pvops_debugfs);
	return ret;
}

/*
 * Backend modules use our symbols, so none is registered any more here; an
 * op may still run "native", which goes back to the original. No hook is
 * stuck (st->stuck holds a module reference), but a hook left by keep_hooks
 * or "native" comes off here, where unloading can no longer be refused.
 */
void pvops_engine_exit(void)
{
	int op, ret;

	debugfs_remove_recursive(pvops_debugfs);
	mutex_lock(&pvops_mutex);
	for (op = 0; op < PVOPS_NR_OPS; op++) {
		struct pvops_op_state *st = &pvops_ops[op];

		RCU_INIT_POINTER(st->active, NULL);
		if (st->hooked) {
			ret = unregister_ftrace_function(&st->fops);
			/*
			 * Keep what the hook uses (leak it); but the text
			 * of the handler goes with the module.
			 */
			if (ret) {
				pr_err("%s: cannot remove the ftrace hook on %ps at unload: %pe; the next call may crash\n",
				       st->name, st->orig, ERR_PTR(ret));
				st->unusable = -EBUSY;
				st->stats = NULL;
			}
		}
		st->hooked = false;
	}
	mutex_unlock(&pvops_mutex);
	/*
	 * No CPU is still inside a trampoline: unregister_ftrace_function()
	 * waited for tasks preempted on their way from the hook into one (an
	 * RCU tasks grace period), and this waits for those running in one.
	 */
	synchronize_rcu();
	for (op = 0; op < PVOPS_NR_OPS; op++)
		pvops_free_op(&pvops_ops[op]);
}
