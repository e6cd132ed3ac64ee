// SPDX-License-Identifier: GPL-2.0
/*
 * torture_sched_setaffinity() for locktorture.ko built out of tree
 * (tests/torture/build.sh) on a kernel that does not export it.
 *
 * 6.12's locktorture binds its threads with torture_sched_setaffinity()
 * (6.1's has no binding), which kernel/rcu/update.c defines and exports
 * only when the kernel itself is built with a torture test (Debian's 6.12
 * cloud kernel is not); sched_setaffinity() is not exported at all. For a
 * kernel thread that locktorture created itself, set_cpus_allowed_ptr()
 * (exported) does what matters: the syscall's cpuset and security checks,
 * its PF_NO_SETAFFINITY check and the user_cpus_ptr it keeps across CPU
 * hotplug and cpuset changes do not apply to such a thread.
 * Linked into locktorture.ko only where the kernel lacks the export, so
 * both never meet.
 */
#include <linux/bug.h>
#include <linux/cpumask.h>
#include <linux/errno.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task.h>

long torture_sched_setaffinity(pid_t pid, const struct cpumask *in_mask);

long torture_sched_setaffinity(pid_t pid, const struct cpumask *in_mask)
{
	struct task_struct *p;
	long ret;

	rcu_read_lock();
	p = pid_task(find_vpid(pid), PIDTYPE_PID);
	if (p)
		get_task_struct(p);
	rcu_read_unlock();
	if (!p)
		return -ESRCH;

	ret = set_cpus_allowed_ptr(p, in_mask);
	put_task_struct(p);
	/* As the kernel's own: a failed binding is a broken test setup. */
	WARN_ONCE(ret, "%s: set_cpus_allowed_ptr(%d) returned %ld\n", __func__, pid, ret);
	return ret;
}
