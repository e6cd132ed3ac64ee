// SPDX-License-Identifier: GPL-2.0
/*
 * The crash path, for the modules whose memory the host writes until it is
 * told to stop (pvclock's clock page).
 *
 * A crash kexec hands the machine to a crash kernel with the host still
 * writing wherever the crashed kernel registered memory. The kernel's own
 * KVM guest support stops it in machine_ops.crash_shutdown
 * (kvm_crash_shutdown() turns off steal time, PV EOI, async PF and
 * kvmclock), which a module cannot set; and the panic notifiers run only
 * after the crash kernel has started, unless crash_kexec_post_notifiers is
 * set. What every crash kexec runs, on the crashing CPU, after a panic or
 * an oops and in any context, before it jumps to the crash kernel, is
 * machine_crash_shutdown(): an ftrace callback on it calls the chain of
 * pvops_register_crash_notifier(). A callback there runs with other CPUs
 * still running or stopped anywhere, maybe with locks held: it must not
 * sleep, take a lock or allocate; a write of an MSR is what it is for.
 *
 * The callback is registered while the chain has a member, with
 * FTRACE_OPS_FL_PERMANENT: sysctl kernel.ftrace_enabled=0 is refused while
 * it is, rather than silently leaving the crash path unhooked.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/string.h>

#include <pvops/pvops.h>

#include "internal.h"

#define PVOPS_CRASH_FUNC	"machine_crash_shutdown"

static ATOMIC_NOTIFIER_HEAD(pvops_crash_chain);
static DEFINE_MUTEX(pvops_crash_mutex);
static unsigned int pvops_crash_users;
static bool pvops_crash_stuck;

static void notrace pvops_crash_handler(unsigned long ip,
					unsigned long parent_ip,
					struct ftrace_ops *ops,
					struct ftrace_regs *fregs)
{
	atomic_notifier_call_chain(&pvops_crash_chain, 0, NULL);
}

static struct ftrace_ops pvops_crash_ops = {
	.func	= pvops_crash_handler,
	.flags	= FTRACE_OPS_FL_PERMANENT,
};

static int pvops_crash_hook(void)
{
	int ret;

	ret = ftrace_set_filter(&pvops_crash_ops, PVOPS_CRASH_FUNC,
				strlen(PVOPS_CRASH_FUNC), 1);
	if (ret)
		return ret;
	ret = register_ftrace_function(&pvops_crash_ops);
	if (ret)
		ftrace_set_filter(&pvops_crash_ops, NULL, 0, 1);
	return ret;
}

static void pvops_crash_unhook(void)
{
	int ret = unregister_ftrace_function(&pvops_crash_ops);

	if (ret) {
		/* ftrace may still call pvops_crash_handler(): keep this text. */
		__module_get(THIS_MODULE);
		pvops_crash_stuck = true;
		pr_err("cannot unhook %s(): %pe; pvops stays loaded\n",
		       PVOPS_CRASH_FUNC, ERR_PTR(ret));
		return;
	}
	ftrace_set_filter(&pvops_crash_ops, NULL, 0, 1);
}

/**
 * pvops_register_crash_notifier() - be called before a crash kernel starts
 * @nb: called with no event (0) and no data on the crashing CPU, in any
 *	context, before the kernel jumps to its crash kernel; it must not
 *	sleep, take a lock or allocate
 *
 * For memory the host writes until it is told to stop: a crash kernel must
 * not find it written. Reboot, power-off and kexec run the reboot
 * notifiers (register_reboot_notifier()); a crash kexec runs only these.
 *
 * Context: process context; may sleep.
 * Return: 0, or an error when the crash path cannot be hooked (e.g.
 * -EINVAL: machine_crash_shutdown() is not traceable on this kernel; -EBUSY:
 * kernel.ftrace_enabled is 0). Then @nb is not registered.
 */
int pvops_register_crash_notifier(struct notifier_block *nb)
{
	int ret = 0;

	mutex_lock(&pvops_crash_mutex);
	if (!pvops_crash_users && !pvops_crash_stuck)
		ret = pvops_crash_hook();
	if (!ret) {
		pvops_crash_users++;
		atomic_notifier_chain_register(&pvops_crash_chain, nb);
	}
	mutex_unlock(&pvops_crash_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(pvops_register_crash_notifier);

/**
 * pvops_unregister_crash_notifier() - no longer be called on a crash
 * @nb: a notifier that pvops_register_crash_notifier() registered
 *
 * When this returns, @nb is not running and will not be called.
 *
 * Context: process context; may sleep.
 */
void pvops_unregister_crash_notifier(struct notifier_block *nb)
{
	mutex_lock(&pvops_crash_mutex);
	/* Waits for a callback in progress (synchronize_rcu()). */
	if (!WARN_ON(atomic_notifier_chain_unregister(&pvops_crash_chain, nb)) &&
	    !--pvops_crash_users && !pvops_crash_stuck)
		pvops_crash_unhook();
	mutex_unlock(&pvops_crash_mutex);
}
EXPORT_SYMBOL_GPL(pvops_unregister_crash_notifier);
