// SPDX-License-Identifier: GPL-2.0
/*
 * pvclock: a clocksource and a PTP clock read from the clock page that KVM
 * keeps current, with a count of the clock's disruptions (restore, live
 * migration, TSC changes, host clock steps) in sysfs, as a uevent and as
 * one line in the kernel log.
 *
 * The clock page is the KVM ABI's (the 6.12 host series, hostside),
 * offered by KVM_FEATURE_PV_CLOCK_PAGE: struct kvm_clock_page, registered
 * with MSR_KVM_CLOCK_PAGE, the host's realtime in terms of kvmclock with an
 * error bound and a disruption marker.
 *
 * The clocksource "pvclock" gives kvmclock's time from each vCPU's own
 * kvmclock (the page adds nothing to it); its low rating keeps it from
 * being chosen by rating: select it through
 * /sys/devices/system/clocksource/clocksource0/current_clocksource (the
 * kernel keeps that choice, so a later load selects it again until another
 * clocksource is written there). A
 * module cannot give a clocksource a vDSO mode, so while it is the current
 * one clock_gettime() makes a system call (make bench measures the cost).
 *
 * The PTP clock (/dev/ptpN, "pvclock") gives the host's CLOCK_REALTIME
 * from the page with no exit: samples (gettimex64) and, while pvclock or
 * kvm-clock is the current clocksource, precise cross timestamps
 * (PTP_SYS_OFFSET_PRECISE), the ioctls chrony's PHC refclock driver uses.
 *
 * The host writes the page until told to stop: it is unregistered on
 * unload, before a reboot or kexec (reboot notifier) and before a crash
 * kernel starts (pvops_register_crash_notifier()), and leaked, never
 * freed, if the host refuses to let go of it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/clocksource.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/kvm_para.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/platform_device.h>
#include <linux/preempt.h>
#include <linux/ptp_clock_kernel.h>
#include <linux/reboot.h>
#include <linux/seq_file.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <asm/msr.h>
#include <asm/pvclock.h>
#include <asm/kvmclock.h>

#include <pvops/compat.h>
#include <pvops/pvops.h>
#include <pvops/version.h>

#include "read.h"

static unsigned int rating = 100;
module_param(rating, uint, 0444);
MODULE_PARM_DESC(rating, "Rating of the pvclock clocksource, 1..499 (default 100: below kvm-clock's 400, so that it is used only when selected through current_clocksource)");

static bool ptp = true;
module_param(ptp, bool, 0444);
MODULE_PARM_DESC(ptp, "Register the PTP clock /dev/ptpN \"pvclock\" (default Y)");

static unsigned int poll_ms = 500;

static int poll_ms_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int ret = kstrtouint(val, 0, &v);

	if (ret)
		return ret;
	if (v < 10 || v > 60000)
		return -ERANGE;
	WRITE_ONCE(poll_ms, v);
	return 0;
}

static const struct kernel_param_ops poll_ms_ops = {
	.set = poll_ms_set,
	.get = param_get_uint,
};
module_param_cb(poll_ms, &poll_ms_ops, &poll_ms, 0644);
MODULE_PARM_DESC(poll_ms, "How often the page is checked for a disruption and for still being valid, 10..60000 ms (default 500)");

/* Register an invalid page again at most this often. */
#define PVCLOCK_CP_RETRY_NS	(10 * NSEC_PER_SEC)

static struct {
	/* The clock page. */
	struct kvm_clock_page *cp;
	/* Its MSR, MSR_KVM_CLOCK_PAGE. */
	u32 msr;
	/* Unregistering the page failed: the host may write it. */
	bool host_owned;
	/* Unregistered for a reboot, kexec or crash: never register again. */
	bool stopped;
	/* The page was valid at the last poll; kvmclock at the last registration. */
	bool cp_valid;
	u64 registered_at;
	struct platform_device *pdev;
	struct ptp_clock *ptp;
	struct delayed_work poll;
	/* Disruptions seen since load, and the page's marker last seen. */
	atomic64_t disruptions;
	u64 host_disruptions;
	u64 registrations;
	/* The most any CPU read while kvmclock's TSC is not stable. */
	atomic64_t last_ns;
} pvc;

static u64 notrace pvclock_rdtsc(void)
{
	return rdtsc_ordered();
}

/* The page, read on this vCPU against its own kvmclock. */
static void pvclock_cp_now(struct pvclock_cp_reading *r)
{
	preempt_disable();
	pvclock_cp_read(pvc.cp, this_cpu_pvti(), pvclock_rdtsc, r);
	preempt_enable();
}

/*
 * kvmclock from this vCPU's own area. Every vCPU has the same parameters
 * while the host's TSC is stable, and kvmclock is then monotonic across
 * CPUs without help. Else never return less than any CPU has, as
 * kvm-clock does.
 */
static u64 notrace pvclock_cs_read(struct clocksource *cs)
{
	u8 flags;
	u64 ns;
	s64 last;

	preempt_disable_notrace();
	ns = pvclock_vcpu_ns(this_cpu_pvti(), pvclock_rdtsc, &flags);
	preempt_enable_notrace();

	if (likely(flags & PVCLOCK_TSC_STABLE_BIT))
		return ns;

	last = atomic64_read(&pvc.last_ns);
	do {
		if ((s64)(ns - last) <= 0)
			return last;
	} while (!atomic64_try_cmpxchg(&pvc.last_ns, &last, ns));
	return ns;
}

static struct clocksource pvclock_cs = {
	.name	= "pvclock",
	.read	= pvclock_cs_read,
	.mask	= CLOCKSOURCE_MASK(64),
	.flags	= CLOCK_SOURCE_IS_CONTINUOUS,
	/* kvm-clock's counter: a cross timestamp is good for either. */
	.id	= PVOPS_CSID_KVMCLOCK,
};

/*
 * Write MSR_KVM_CLOCK_PAGE, the page's address | KVM_MSR_ENABLED
 * or 0. The host raises #GP for a write it refuses, and then keeps what
 * was registered before: -EIO.
 */
static int pvclock_cp_write(u64 val)
{
	return wrmsrl_safe(pvc.msr, val);
}

static int pvclock_cp_register(void)
{
	return pvclock_cp_write(virt_to_phys(pvc.cp) | KVM_MSR_ENABLED);
}

/*
 * If the host refuses to let go of the page, it may write it: it must then
 * never be freed (pvclock_free_page() leaks it).
 */
static void pvclock_cp_unregister(void)
{
	int ret = pvclock_cp_write(0);

	if (ret) {
		pvc.host_owned = true;
		pr_err("the host refused to unregister the clock page: %pe; leaving the page to it\n",
		       ERR_PTR(ret));
	}
}

/* Free the page; NULL: nothing. */
static void pvclock_free_page(void *page)
{
	if (page && !pvc.host_owned)
		free_page((unsigned long)page);
}

/*
 * The host writes the page until it is told to stop, whatever the memory
 * holds by then: unregister it before the memory goes to another kernel or
 * the machine goes down, as kvm.c does for kvmclock and steal time. A
 * reboot, power-off or halt and a kexec run the reboot notifiers first
 * (kernel_restart_prepare(), kernel_shutdown_prepare()): stop the poll,
 * which would register the page again, then unregister it. The page stays
 * allocated: the machine is going down.
 */
static int pvclock_reboot(struct notifier_block *nb, unsigned long action,
			  void *data)
{
	WRITE_ONCE(pvc.stopped, true);
	cancel_delayed_work_sync(&pvc.poll);
	pvclock_cp_unregister();
	return NOTIFY_DONE;
}

static struct notifier_block pvclock_reboot_nb = {
	.notifier_call = pvclock_reboot,
};

/*
 * A crash kexec runs no reboot notifier: pvops calls this on the crashing
 * CPU before the crash kernel starts, in any context, with the other CPUs
 * anywhere. Only the MSR write: no lock, no message. A poll on another CPU
 * that registers the page again meanwhile checks @stopped after its write
 * and unregisters it (pvclock_cp_poll()).
 */
static int pvclock_crash(struct notifier_block *nb, unsigned long action,
			 void *data)
{
	WRITE_ONCE(pvc.stopped, true);
	pvclock_cp_write(0);
	return NOTIFY_DONE;
}

static struct notifier_block pvclock_crash_nb = {
	.notifier_call = pvclock_crash,
};

/* PTP clock: the host's CLOCK_REALTIME. It cannot be set or steered. */
static int pvclock_ptp_adjfine(struct ptp_clock_info *info, long scaled_ppm)
{
	return -EOPNOTSUPP;
}

static int pvclock_ptp_adjtime(struct ptp_clock_info *info, s64 delta)
{
	return -EOPNOTSUPP;
}

static int pvclock_ptp_settime(struct ptp_clock_info *info,
			       const struct timespec64 *ts)
{
	return -EOPNOTSUPP;
}

static int pvclock_ptp_enable(struct ptp_clock_info *info,
			      struct ptp_clock_request *rq, int on)
{
	return -EOPNOTSUPP;
}

static int pvclock_ptp_gettimex(struct ptp_clock_info *info,
				struct timespec64 *ts,
				struct ptp_system_timestamp *sts)
{
	struct pvclock_cp_reading cr;

	ptp_read_system_prets(sts);
	pvclock_cp_now(&cr);
	ptp_read_system_postts(sts);
	/* Not for this kvmclock, or the host has no realtime from the TSC. */
	if (!cr.valid)
		return -EOPNOTSUPP;
	*ts = ns_to_timespec64(cr.realtime);
	return 0;
}

/*
 * A cross timestamp from one read of the page (pvclock_cp_read()): the
 * host's realtime and this vCPU's kvmclock at the one TSC value read, so no
 * exit, where KVM_HC_CLOCK_PAIRING (ptp_kvm's) is one per sample. The same
 * parameters convert that TSC value for both: the read is valid only if
 * the page's kvmclock parameters are this vCPU's.
 *
 * The timekeeper takes the kvmclock value as a reading of its current
 * clocksource, pvclock or kvm-clock. That is right only while kvmclock's
 * TSC is stable for every vCPU: the area's PVCLOCK_TSC_STABLE_BIT, which
 * a valid read has, and the host's KVM_FEATURE_CLOCKSOURCE_STABLE_BIT,
 * without which the kernel never trusts the area's bit and kvm-clock clamps
 * every read to the most any vCPU has read, which this value is not
 * (pvclock's own clocksource needs only the area's bit; KVM sets both).
 * Else -EOPNOTSUPP, as gettimex64 gives while the page is not valid.
 */
static int pvclock_xtstamp(ktime_t *device_time,
			   struct system_counterval_t *counter, void *ctx)
{
	struct pvclock_cp_reading cr;

	if (!(pvops_kvm_features() & BIT(KVM_FEATURE_CLOCKSOURCE_STABLE_BIT))) {
		pr_warn_ratelimited("no cross timestamp: the host does not offer KVM_FEATURE_CLOCKSOURCE_STABLE_BIT, kvm-clock's reads are clamped across vCPUs\n");
		return -EOPNOTSUPP;
	}
	pvclock_cp_now(&cr);
	if (!cr.valid)
		return -EOPNOTSUPP;
	*device_time = ns_to_ktime(cr.realtime);
	/* Both clocksources count kvmclock's ns, from the same parameters. */
	pvops_counterval_kvmclock(counter, cr.ns, ctx);
	return 0;
}

static int pvclock_ptp_getcrosststamp(struct ptp_clock_info *info,
				      struct system_device_crosststamp *xt)
{
	int ret;

	/* -ENODEV: neither pvclock nor kvm-clock is the current clocksource. */
	ret = pvops_crosststamp_kvmclock(pvclock_xtstamp, &pvclock_cs, xt);
	return ret == -ENODEV ? -EOPNOTSUPP : ret;
}

static struct ptp_clock_info pvclock_ptp_info = {
	.owner		= THIS_MODULE,
	.name		= "pvclock",
	.adjfine	= pvclock_ptp_adjfine,
	.adjtime	= pvclock_ptp_adjtime,
	.settime64	= pvclock_ptp_settime,
	.gettimex64	= pvclock_ptp_gettimex,
	.getcrosststamp	= pvclock_ptp_getcrosststamp,
	.enable		= pvclock_ptp_enable,
};

/* sysfs: /sys/devices/platform/pvclock/ */
static ssize_t disruptions_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&pvc.disruptions));
}
static DEVICE_ATTR_RO(disruptions);

static ssize_t host_disruptions_show(struct device *dev,
				     struct device_attribute *attr, char *buf)
{
	struct pvclock_cp_reading cr;

	pvclock_cp_now(&cr);
	return sysfs_emit(buf, "%llu\n", cr.disruption_marker);
}
static DEVICE_ATTR_RO(host_disruptions);

static ssize_t registrations_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(pvc.registrations));
}
static DEVICE_ATTR_RO(registrations);

static ssize_t error_bound_ns_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct pvclock_cp_reading cr;

	pvclock_cp_now(&cr);
	if (!cr.valid)
		return -ENODATA;
	return sysfs_emit(buf, "%llu\n", cr.maxerror);
}
static DEVICE_ATTR_RO(error_bound_ns);

static ssize_t ptp_index_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	if (!pvc.ptp)
		return -ENODEV;
	return sysfs_emit(buf, "%d\n", ptp_clock_index(pvc.ptp));
}
static DEVICE_ATTR_RO(ptp_index);

static struct attribute *pvclock_attrs[] = {
	&dev_attr_disruptions.attr,
	&dev_attr_host_disruptions.attr,
	&dev_attr_registrations.attr,
	&dev_attr_error_bound_ns.attr,
	&dev_attr_ptp_index.attr,
	NULL,
};

static const struct attribute_group pvclock_attr_group = {
	.attrs = pvclock_attrs,
};

/*
 * debugfs pvclock/vs_kvmclock: kvm-clock, pvclock and kvm-clock again, read
 * back to back on one CPU with interrupts off, in ns: pvclock must fall
 * between the two (tests/e2e/pvclock-checks samples it for a minute).
 */
static int vs_kvmclock_show(struct seq_file *m, void *v)
{
	struct pvclock_cp_reading cr;
	unsigned long flags;
	u64 k1, k2;

	local_irq_save(flags);
	k1 = pvops_kvmclock_read();
	pvclock_cp_read(pvc.cp, this_cpu_pvti(), pvclock_rdtsc, &cr);
	k2 = pvops_kvmclock_read();
	local_irq_restore(flags);
	seq_printf(m, "%llu %llu %llu\n", k1, cr.ns, k2);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vs_kvmclock);

static struct dentry *pvclock_debugfs;

static void pvclock_disrupted(u64 from, u64 to)
{
	char count[48], host[48], *envp[3];
	s64 n = atomic64_inc_return(&pvc.disruptions);

	envp[0] = count;
	envp[1] = host;
	envp[2] = NULL;

	pr_info("clock disrupted (host marker %llu -> %llu: registered again, restored, migrated or the host's clock stepped); %lld since load\n",
		from, to, n);
	snprintf(count, sizeof(count), "PVCLOCK_DISRUPTIONS=%lld", n);
	snprintf(host, sizeof(host), "PVCLOCK_HOST_DISRUPTIONS=%llu", to);
	sysfs_notify(&pvc.pdev->dev.kobj, NULL, "disruptions");
	kobject_uevent_env(&pvc.pdev->dev.kobj, KOBJ_CHANGE, envp);
}

/*
 * The host writes the page whenever it must (new kvmclock parameters, a
 * registration, KVM_SET_CLOCK, a step or rate change of its clock) before
 * any vCPU runs guest code again: there is no refresh to watch. A page
 * that reads invalid names a kvmclock no vCPU has (memory restored without
 * the MSR: the host has no registration) or the host has no realtime from
 * the TSC: register it again, at most every PVCLOCK_CP_RETRY_NS; writing
 * the registered value again costs one exit and leaves the marker alone, a
 * new registration changes it.
 */
static void pvclock_cp_poll(void)
{
	struct pvclock_cp_reading r;
	int ret;

	pvclock_cp_now(&r);
	if (r.disruption_marker != pvc.host_disruptions) {
		pvclock_disrupted(pvc.host_disruptions, r.disruption_marker);
		pvc.host_disruptions = r.disruption_marker;
	}
	if (r.valid) {
		if (!pvc.cp_valid)
			pr_info("the clock page is valid again\n");
		pvc.cp_valid = true;
		return;
	}
	if (READ_ONCE(pvc.stopped))
		return;
	if (pvc.cp_valid ||
	    (s64)(r.ns - pvc.registered_at) > (s64)PVCLOCK_CP_RETRY_NS) {
		ret = pvclock_cp_register();
		/*
		 * A crash on another CPU may have unregistered the page since
		 * the check above: unregister it again.
		 */
		smp_mb();
		if (READ_ONCE(pvc.stopped))
			pvclock_cp_write(0);
		pvc.registrations++;
		pvc.registered_at = r.ns;
		if (pvc.cp_valid)
			pr_info("the clock page is not for this vCPU's kvmclock (migrated or restored?): registered it again: %d\n",
				ret);
		pvc.cp_valid = false;
	}
}

static void pvclock_poll(struct work_struct *work)
{
	if (READ_ONCE(pvc.stopped))
		return;
	pvclock_cp_poll();
	schedule_delayed_work(&pvc.poll, msecs_to_jiffies(READ_ONCE(poll_ms)));
}

/*
 * The reads compare the page with each vCPU's own kvmclock, so every CPU
 * must have one (not so with no-kvmclock). Then register it with
 * MSR_KVM_CLOCK_PAGE: the host writes it before the WRMSR retires. (pvops
 * does not load in a confidential guest, whose memory the host cannot
 * write.)
 */
static int __init pvclock_kvm_start(struct pvclock_cp_reading *r)
{
	unsigned int cpu;
	int ret;

	for_each_possible_cpu(cpu) {
		if (!per_cpu(hv_clock_per_cpu, cpu)) {
			pr_err("CPU %u has no kvmclock area: the clock page (MSR_KVM_CLOCK_PAGE) is read against it\n",
			       cpu);
			return -ENODEV;
		}
	}
	ret = pvclock_cp_register();
	if (ret) {
		/* A refused write changed nothing: no registration to undo. */
		pr_err("the host refused the clock page (MSR_KVM_CLOCK_PAGE): %pe\n",
		       ERR_PTR(ret));
		return -EIO;
	}
	pvc.registrations = 1;
	pvclock_cp_now(r);
	if (READ_ONCE(pvc.cp->size) < sizeof(*pvc.cp)) {
		pr_err("the host took the clock page but did not fill it in (size %u)\n",
		       READ_ONCE(pvc.cp->size));
		pvclock_cp_unregister();
		return -EIO;
	}
	pvc.host_disruptions = r->disruption_marker;
	pvc.cp_valid = r->valid;
	pvc.registered_at = r->ns;
	return 0;
}

static int __init pvclock_init(void)
{
	const struct pvops_host_abi *abi = pvops_host_abi();
	struct pvclock_cp_reading cr = {};
	char ptp_name[16] = "off";
	char realtime[64];
	phys_addr_t gpa;
	void *page;
	int ret;

	if (!abi->msr_clock_page) {
		pr_err("the host offers no clock page: no MSR_KVM_CLOCK_PAGE (CPUID KVM_FEATURE_PV_CLOCK_PAGE)\n");
		return -ENODEV;
	}
	if (!rating || rating >= 500) {
		pr_err("rating %u is out of range 1..499\n", rating);
		return -ERANGE;
	}

	INIT_DELAYED_WORK(&pvc.poll, pvclock_poll);
	page = (void *)get_zeroed_page(GFP_KERNEL);
	if (!page)
		return -ENOMEM;
	gpa = virt_to_phys(page);

	pvc.cp = page;
	pvc.msr = abi->msr_clock_page;
	/* Hooked before there is a registration to undo. */
	ret = pvops_register_crash_notifier(&pvclock_crash_nb);
	if (ret) {
		pr_err("cannot hook the crash path, where the page must be unregistered: %pe\n",
		       ERR_PTR(ret));
		goto err_free;
	}
	register_reboot_notifier(&pvclock_reboot_nb);
	ret = pvclock_kvm_start(&cr);
	if (ret)
		goto err_hooks;
	if (cr.valid)
		snprintf(realtime, sizeof(realtime), "given (bound %llu ns)",
			 cr.maxerror);
	else
		snprintf(realtime, sizeof(realtime), "not given (page not valid)");

	pvc.pdev = platform_device_register_simple(KBUILD_MODNAME,
						   PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(pvc.pdev)) {
		ret = PTR_ERR(pvc.pdev);
		goto err_unregister;
	}
	ret = sysfs_create_group(&pvc.pdev->dev.kobj, &pvclock_attr_group);
	if (ret)
		goto err_pdev;

	pvclock_cs.rating = rating;
	ret = clocksource_register_hz(&pvclock_cs, NSEC_PER_SEC);
	if (ret)
		goto err_group;

	if (ptp) {
		pvc.ptp = ptp_clock_register(&pvclock_ptp_info, &pvc.pdev->dev);
		if (IS_ERR(pvc.ptp)) {
			ret = PTR_ERR(pvc.ptp);
			pvc.ptp = NULL;
			pr_err("cannot register the PTP clock: %pe\n", ERR_PTR(ret));
			goto err_cs;
		}
	}

	pvclock_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("vs_kvmclock", 0444, pvclock_debugfs, NULL,
			    &vs_kvmclock_fops);
	if (pvc.ptp)
		snprintf(ptp_name, sizeof(ptp_name), "ptp%d",
			 ptp_clock_index(pvc.ptp));
	schedule_delayed_work(&pvc.poll, msecs_to_jiffies(READ_ONCE(poll_ms)));
	pr_info("clock page at %pa (MSR_KVM_CLOCK_PAGE): %s TSC, realtime %s, marker %llu; clocksource pvclock (rating %u), PTP clock %s\n",
		&gpa, cr.flags & PVCLOCK_TSC_STABLE_BIT ? "stable" : "unstable",
		realtime, cr.disruption_marker, rating, ptp_name);
	return 0;

err_cs:
	clocksource_unregister(&pvclock_cs);
err_group:
	sysfs_remove_group(&pvc.pdev->dev.kobj, &pvclock_attr_group);
err_pdev:
	platform_device_unregister(pvc.pdev);
err_unregister:
	pvclock_cp_unregister();
err_hooks:
	unregister_reboot_notifier(&pvclock_reboot_nb);
	pvops_unregister_crash_notifier(&pvclock_crash_nb);
err_free:
	pvclock_free_page(page);
	return ret;
}
module_init(pvclock_init);

static void __exit pvclock_exit(void)
{
	debugfs_remove_recursive(pvclock_debugfs);
	cancel_delayed_work_sync(&pvc.poll);
	if (pvc.ptp)
		ptp_clock_unregister(pvc.ptp);
	/* The kernel switches to the best other clocksource first. */
	clocksource_unregister(&pvclock_cs);
	sysfs_remove_group(&pvc.pdev->dev.kobj, &pvclock_attr_group);
	platform_device_unregister(pvc.pdev);
	pvclock_cp_unregister();
	unregister_reboot_notifier(&pvclock_reboot_nb);
	pvops_unregister_crash_notifier(&pvclock_crash_nb);
	pvclock_free_page(pvc.cp);
}
module_exit(pvclock_exit);

MODULE_DESCRIPTION("Clocksource and PTP clock from the KVM clock page (MSR_KVM_CLOCK_PAGE)");
MODULE_LICENSE("GPL");
MODULE_VERSION(PVOPS_VERSION);
