// SPDX-License-Identifier: GPL-2.0
/*
 * pvops core: the op engine's registry of backends and its switch, as
 * kernel/livepatch/core.c is livepatch's (the ftrace mechanism is hook.c).
 *
 * In 6.1 every pv_ops call site is patched into a direct call at boot and
 * the patch sites are gone with the init memory, so writing pv_ops later
 * changes nothing. The engine instead reads from pv_ops which function each
 * op was patched to (the original: native, or the kernel's own KVM PV
 * function) and, when asked to, redirects that function at its entry
 * through ftrace (hook.c) to a trampoline that runs the implementation
 * chosen in sysfs: a backend registered by another module, or the native
 * function. The ops are described once, in ops.h.
 *
 * Per op, the ftrace hook is in place while the op runs anything but its
 * original, and while a backend for it is registered, so that switching
 * between backends and back is a pointer store (with keep_hooks, until
 * pvops unloads).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kvm_para.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include <pvops/pvops.h>

#include "engine.h"
#include "internal.h"
#include "trace.h"

/* "native" as an implementation: the native function of an op whose
 * original is the kernel's KVM PV one.
 */
static struct pvops_backend pvops_native = { .name = PVOPS_IMPL_NATIVE };

static bool keep_hooks;
module_param(keep_hooks, bool, 0644);
MODULE_PARM_DESC(keep_hooks, "Keep an op's ftrace hook from its first switch until pvops unloads, so that loading and unloading backends patches no kernel text (default N: remove it once the op runs its original with no backend)");

/* Serializes registration, switching and hook changes. */
DEFINE_MUTEX(pvops_mutex);
static LIST_HEAD(pvops_backends);
static struct dentry *pvops_debugfs;

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

/**
 * pvops_op_original_impl() - what the function a paravirt op was patched to is
 * @op: the operation
 *
 * The one place that says whether an op's original (pvops_op_original())
 * is the kernel's own KVM PV function (kvm_flush_tlb_multi, kvm_wait,
 * kvm_kick_cpu) or not; decided once, when pvops loads. It is also the
 * name under which sysfs offers the original.
 *
 * Return: PVOPS_IMPL_KVM ("kvm") for the kernel's KVM PV function,
 * PVOPS_IMPL_NATIVE ("native") for anything else (the native function, or
 * none: the native qspinlock's wait and kick are _paravirt_nop); NULL when
 * @op is out of range.
 */
const char *pvops_op_original_impl(enum pvops_op op)
{
	struct pvops_op_state *st = pvops_state(op);

	return st ? st->orig_impl : NULL;
}
EXPORT_SYMBOL_GPL(pvops_op_original_impl);

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
		trace_pvops_switch(o->op, pvops_impl_name(o, old),
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
 * Return: 0; -EINVAL for an unknown @op, or when no implementation of @op
 * has that name (one line in the kernel log says so); -EOPNOTSUPP when the
 * op cannot be redirected on this kernel; -EBUSY when another IPMODIFY
 * ftrace user (e.g. a livepatch) owns the function, or sysctl
 * kernel.ftrace_enabled is 0. When it fails, nothing has changed.
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
			pr_warn_ratelimited("%s: no implementation named '%s' (see /sys/kernel/pvops/%s/available)\n",
					    st->name, name, st->name);
			ret = -EINVAL;
			goto out;
		}
	}
	if (b == old)
		goto out;
	ret = pvops_set_group(st, b);
	if (ret) {
		trace_pvops_switch(st->op, pvops_impl_name(st, old), name, ret);
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

/* Whether @b implements every op of @st's group, or none of them. */
static bool pvops_whole_group(struct pvops_backend *b, struct pvops_op_state *st)
{
	unsigned long group = st->group;
	unsigned int op;

	for_each_set_bit(op, &group, PVOPS_NR_OPS)
		if (!pvops_backend_fn(b, op) != !pvops_backend_fn(b, st->op))
			return false;
	return true;
}

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
	for (op = 0; op < PVOPS_NR_OPS; op++) {
		if (!pvops_whole_group(b, &pvops_ops[op])) {
			pr_err("%s: a backend implements the ops of %s's group together\n",
			       b->name, pvops_ops[op].name);
			return -EINVAL;
		}
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
		pr_debug("%s: backend registered\n", b->name);
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
	pr_debug("%s: backend unregistered\n", b->name);
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

/*
 * debugfs pvops/ops: a line per op, its name, the implementation it runs
 * and its original, for a person to read at a glance; sysfs has each of
 * them as a value of its own (<op>/impl, <op>/original).
 */
static int ops_show(struct seq_file *m, void *unused)
{
	int op;

	for (op = 0; op < PVOPS_NR_OPS; op++)
		seq_printf(m, "%s %s %ps\n", pvops_op_name(op), pvops_active(op),
			   pvops_op_original(op));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ops);

/* What the op's original is, and whether it can be redirected. */
static void pvops_init_op(struct pvops_op_state *st)
{
	bool nop;

	st->orig_impl = PVOPS_IMPL_NATIVE;
	if (st->slot)
		st->orig = *(void **)st->slot;
	if (!st->orig) {
		st->unusable = -EOPNOTSUPP;
		st->unusable_why = "this kernel has no such op";
		return;
	}
	st->orig_impl = pvops_impl_of(st->orig, &nop);
	if (nop) {
		/* Native qspinlock: the slow path never waits or kicks. */
		st->unusable = -EOPNOTSUPP;
		st->unusable_why = "the kernel runs the native qspinlock (no pv wait/kick)";
		return;
	}
	if (st->find_native && !strcmp(st->orig_impl, PVOPS_IMPL_KVM)) {
		st->native = st->find_native();
		if (!st->native)
			pr_info("%s: the native function not found, \"native\" not offered\n",
				st->name);
	}
	pvops_hook_init(st);
}

static void pvops_free_op(struct pvops_op_state *st)
{
	pvops_hook_free(st);
	pvops_stats_free(st);
}

int pvops_engine_init(struct kobject *parent)
{
	struct pvops_op_state *st;
	int op, ret;

	pvops_debugfs = debugfs_create_dir("pvops", NULL);
	pvops_hook_debugfs(pvops_debugfs);
	pvops_stats_debugfs(pvops_debugfs);
	for (op = 0; op < PVOPS_NR_OPS; op++) {
		st = &pvops_ops[op];
		st->op = op;
		ret = pvops_stats_init(st, pvops_debugfs);
		if (ret)
			goto fail;
		pvops_init_op(st);
		if (st->native)
			*(void **)((char *)&pvops_native + st->backend_fn) = st->native;

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
		if (st->unusable)
			pr_info("%s: %ps, cannot be redirected: %s\n", st->name,
				st->orig, st->unusable_why);
	}
	debugfs_create_file("ops", 0444, pvops_debugfs, NULL, &ops_fops);
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
 * op may still run "native", which goes back to the original.
 */
void pvops_engine_exit(void)
{
	int op;

	debugfs_remove_recursive(pvops_debugfs);
	mutex_lock(&pvops_mutex);
	for (op = 0; op < PVOPS_NR_OPS; op++) {
		struct pvops_op_state *st = &pvops_ops[op];

		RCU_INIT_POINTER(st->active, NULL);
		/* Keep (leak) what a hook that stayed uses. */
		if (pvops_unhook_at_exit(st)) {
			st->unusable = -EBUSY;
			st->stats = NULL;
		}
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
