// SPDX-License-Identifier: GPL-2.0
/*
 * pvops op engine: the ftrace mechanism, as kernel/livepatch/patch.c is
 * livepatch's. Each op's original function is hooked at its entry with
 * SAVE_REGS | IPMODIFY; the handler sends the call to the op's trampoline,
 * which runs the implementation chosen (core.c), with a recursion guard so
 * that an implementation can call the original.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/sched/clock.h>

#include <pvops/compat.h>
#include <pvops/pvops.h>

#include "engine.h"
#include "trace.h"

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

/* Whether to time this call: a static branch each (stats.c says when). */
static __always_inline bool pvops_timed(void)
{
	return static_branch_unlikely(&pvops_latency_on) ||
	       trace_pvops_call_enabled();
}

/*
 * Trampoline entry and exit, what the trampolines share. From the read of
 * st->active to the implementation's return, preemption stays off: an RCU
 * read-side critical section that pvops_unregister_backend() waits for.
 * Returns the implementation to run; NULL when the op was switched back to
 * its original since the hook looked, and the trampoline then runs the
 * original.
 */
static struct pvops_backend *pvops_enter(struct pvops_op_state *st, u64 *t0)
{
	struct pvops_backend *b;

	preempt_disable_notrace();
	__this_cpu_or(pvops_nest, pvops_nest_bit(st->op, interrupt_context_level()));
	b = rcu_dereference_sched(st->active);
	if (likely(b))
		__this_cpu_inc(st->stats->calls);
	/* 0: not timed. */
	*t0 = pvops_timed() ? local_clock() : 0;
	return b;
}

static void pvops_leave(struct pvops_op_state *st, struct pvops_backend *b,
			u64 t0)
{
	if (likely(b)) {
		if (t0)
			pvops_stats_call(st, b->name, local_clock() - t0);
	} else {
		/* The hook counted this pass-through as a fallback: it is not. */
		__this_cpu_dec(st->stats->fallbacks);
	}
	__this_cpu_and(pvops_nest, ~pvops_nest_bit(st->op, interrupt_context_level()));
	preempt_enable_notrace();
}

/* One trampoline per op (ops.h): the backend's function or the original. */
#define PVOPS_OP(_op, _fn, _params, _args, ...)				\
static void pvops_tramp_##_fn _params						\
{										\
	struct pvops_op_state *st = &pvops_ops[_op];				\
	typeof(pvops_tramp_##_fn) *fn;						\
	struct pvops_backend *b;						\
	u64 t0;									\
										\
	b = pvops_enter(st, &t0);						\
	fn = likely(b) ? pvops_backend_fn(b, st->op) : st->orig;		\
	fn _args;								\
	pvops_leave(st, b, t0);							\
}

#include "ops.h"

/* The table of op states, from ops.h. */
#define PVOPS_OP(_op, _fn, _params, _args, _slot, _group, _native)	\
	[_op] = {							\
		.name		= #_fn,					\
		.backend_fn	= offsetof(struct pvops_backend, _fn),	\
		.slot		= _slot,				\
		.tramp		= pvops_tramp_##_fn,			\
		.group		= _group,				\
		.find_native	= _native,				\
	},
struct pvops_op_state pvops_ops[PVOPS_NR_OPS] = {
#include "ops.h"
};

/*
 * Test hook, for tests/e2e/engine-checks only: while debugfs
 * pvops/fail_unhook_for_test is Y, taking a hook off at run time fails as
 * if unregister_ftrace_function() had, to show what the engine does then
 * (pvops_unhook()).
 */
static bool pvops_fail_unhook_for_test;

void pvops_hook_debugfs(struct dentry *dir)
{
	debugfs_create_bool("fail_unhook_for_test", 0600, dir,
			    &pvops_fail_unhook_for_test);
}

/* Set up the op's ftrace_ops on its original; st->unusable says if not. */
void pvops_hook_init(struct pvops_op_state *st)
{
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
	if (ftrace_set_filter_ip(&st->fops, (unsigned long)st->orig, 0, 0)) {
		st->fops.func = NULL;
		st->unusable = -EOPNOTSUPP;
		st->unusable_why = "not traceable by ftrace";
	}
}

void pvops_hook_free(struct pvops_op_state *st)
{
	if (st->fops.func && !st->unusable)
		ftrace_free_filter(&st->fops);
}

/* Place the op's hook, if it is not in place. */
int pvops_hook(struct pvops_op_state *st)
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
void pvops_unhook(struct pvops_op_state *st)
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

/*
 * At unload no hook is stuck (st->stuck holds a module reference), but a
 * hook left by keep_hooks or "native" comes off here, where unloading can
 * no longer be refused: the test hook does not apply. When ftrace cannot
 * take it off, what the hook uses is kept (leaked); the text of the
 * handler goes with the module all the same.
 */
int pvops_unhook_at_exit(struct pvops_op_state *st)
{
	int ret = 0;

	lockdep_assert_held(&pvops_mutex);
	if (st->hooked) {
		ret = unregister_ftrace_function(&st->fops);
		if (ret)
			pr_err("%s: cannot remove the ftrace hook on %ps at unload: %pe; the next call may crash\n",
			       st->name, st->orig, ERR_PTR(ret));
	}
	st->hooked = false;
	return ret;
}
