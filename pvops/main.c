// SPDX-License-Identifier: GPL-2.0
/*
 * pvops core: detects KVM, reads what the host offers (KVM PV features, and
 * the capabilities of the KVM ABI among them), and runs the op engine
 * (core.c: registry, switching, sysfs; hook.c: the ftrace hook; stats.c;
 * symbols.c; each op once in ops.h), and owns the crash hook (crash.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cache.h>
#include <linux/cc_platform.h>
#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/kvm_para.h>
#include <linux/module.h>
#include <linux/sysfs.h>
#include <asm/paravirt.h>
#include <asm/processor.h>

#include <pvops/pvops.h>
#include <pvops/version.h>

#include "internal.h"

/* Names of the KVM_FEATURE_* bits of CPUID 0x40000001 EAX. */
static const char * const pvops_feature_names[] = {
	[KVM_FEATURE_CLOCKSOURCE]		= "clocksource",
	[KVM_FEATURE_NOP_IO_DELAY]		= "nop_io_delay",
	[KVM_FEATURE_MMU_OP]			= "mmu_op",
	[KVM_FEATURE_CLOCKSOURCE2]		= "clocksource2",
	[KVM_FEATURE_ASYNC_PF]			= "async_pf",
	[KVM_FEATURE_STEAL_TIME]		= "steal_time",
	[KVM_FEATURE_PV_EOI]			= "pv_eoi",
	[KVM_FEATURE_PV_UNHALT]			= "pv_unhalt",
	[KVM_FEATURE_PV_TLB_FLUSH]		= "pv_tlb_flush",
	[KVM_FEATURE_ASYNC_PF_VMEXIT]		= "async_pf_vmexit",
	[KVM_FEATURE_PV_SEND_IPI]		= "pv_send_ipi",
	[KVM_FEATURE_POLL_CONTROL]		= "poll_control",
	[KVM_FEATURE_PV_SCHED_YIELD]		= "pv_sched_yield",
	[KVM_FEATURE_ASYNC_PF_INT]		= "async_pf_int",
	[KVM_FEATURE_MSI_EXT_DEST_ID]		= "msi_ext_dest_id",
	[KVM_FEATURE_HC_MAP_GPA_RANGE]		= "hc_map_gpa_range",
	[KVM_FEATURE_MIGRATION_CONTROL]		= "migration_control",
	[KVM_FEATURE_PV_FLUSH_TLB_HC]		= "pv_flush_tlb_hc",
	[KVM_FEATURE_PV_LOCK_WAIT]		= "pv_lock_wait",
	[KVM_FEATURE_PV_CLOCK_PAGE]		= "pv_clock_page",
	[KVM_FEATURE_PV_FLUSH_TLB_RANGE]	= "pv_flush_tlb_range",
	[KVM_FEATURE_CLOCKSOURCE_STABLE_BIT]	= "clocksource_stable",
};

/**
 * pvops_kvm_feature_name() - name of a KVM paravirt feature bit
 * @bit: bit number in CPUID 0x40000001 EAX (KVM_FEATURE_*)
 *
 * Return: a static lower-case name, or NULL for a bit this module does not
 * know.
 */
const char *pvops_kvm_feature_name(unsigned int bit)
{
	if (bit >= ARRAY_SIZE(pvops_feature_names))
		return NULL;
	return pvops_feature_names[bit];
}
EXPORT_SYMBOL_GPL(pvops_kvm_feature_name);

/*
 * Write the names of the bits set in @bits, separated by single spaces; a
 * bit that @name_of does not know as "bitN". Always NUL-terminated and
 * truncated to fit @size. Returns the characters written, without the NUL.
 */
int pvops_format_bits(char *buf, size_t size, u32 bits,
		      const char *(*name_of)(unsigned int bit))
{
	unsigned long b = bits;
	unsigned int bit;
	int len = 0;

	if (!size)
		return 0;
	buf[0] = '\0';
	for_each_set_bit(bit, &b, 32) {
		const char *name = name_of(bit);
		const char *sep = len ? " " : "";

		if (name)
			len += scnprintf(buf + len, size - len, "%s%s", sep, name);
		else
			len += scnprintf(buf + len, size - len, "%sbit%u", sep, bit);
	}
	return len;
}

/**
 * pvops_format_features() - format a KVM feature bitmap as names
 * @buf: output buffer
 * @size: size of @buf in bytes
 * @features: KVM_FEATURE_* bitmap
 *
 * Writes the names of the set bits separated by single spaces; a bit without
 * a name is written as "bitN". The output is always NUL-terminated and
 * truncated to fit @size.
 *
 * Return: the number of characters written, not counting the NUL.
 */
int pvops_format_features(char *buf, size_t size, u32 features)
{
	return pvops_format_bits(buf, size, features, pvops_kvm_feature_name);
}
EXPORT_SYMBOL_GPL(pvops_format_features);

/*
 * CPUID 0x40000001 EAX, read once at load: a VM's CPUID does not change
 * once it runs (KVM refuses KVM_SET_CPUID2 then), and every CPUID is a VM
 * exit, which a caller on a fast path (pvclock's cross timestamp) must not
 * pay.
 */
static u32 pvops_features __ro_after_init;

/**
 * pvops_kvm_features() - the KVM paravirt features the host offers
 *
 * Return: CPUID 0x40000001 EAX of the KVM leaves (KVM_FEATURE_* bits), as
 * read when pvops loaded; 0 when not running on KVM. Makes no VM exit.
 */
u32 pvops_kvm_features(void)
{
	return pvops_features;
}
EXPORT_SYMBOL_GPL(pvops_kvm_features);

static ssize_t hypervisor_show(struct kobject *kobj,
			       struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "kvm\n");
}

static ssize_t kvm_features_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	int len = pvops_format_features(buf, PAGE_SIZE - 1, pvops_kvm_features());

	return len + sysfs_emit_at(buf, len, "\n");
}

static ssize_t host_abi_show(struct kobject *kobj,
			     struct kobj_attribute *attr, char *buf)
{
	bool kvm = pvops_host_abi()->abi == PVOPS_ABI_KVM;

	return sysfs_emit(buf, "%s\n", kvm ? "kvm" : "none");
}

static ssize_t host_features_show(struct kobject *kobj,
				  struct kobj_attribute *attr, char *buf)
{
	int len = pvops_format_bits(buf, PAGE_SIZE - 1, pvops_host_features(),
				    pvops_host_feature_name);

	return len + sysfs_emit_at(buf, len, "\n");
}

static struct kobj_attribute hypervisor_attr = __ATTR_RO(hypervisor);
static struct kobj_attribute kvm_features_attr = __ATTR_RO(kvm_features);
static struct kobj_attribute host_abi_attr = __ATTR_RO(host_abi);
static struct kobj_attribute host_features_attr = __ATTR_RO(host_features);

static struct attribute *pvops_attrs[] = {
	&hypervisor_attr.attr,
	&kvm_features_attr.attr,
	&host_abi_attr.attr,
	&host_features_attr.attr,
	NULL,
};

static const struct attribute_group pvops_group = {
	.attrs = pvops_attrs,
};

static struct kobject *pvops_kobj;

static int __init pvops_init(void)
{
	char features[256], caps[128];
	u32 cpuid_base;
	int ret;

	cpuid_base = hypervisor_cpuid_base(KVM_SIGNATURE, 0);
	if (!cpuid_base) {
		pr_err("not running on KVM (no KVM CPUID signature)\n");
		return -ENODEV;
	}
	/*
	 * In a confidential guest (SEV, SEV-ES, SEV-SNP, TDX) guest memory is
	 * private: the host would read ciphertext for a flush set or a lock
	 * byte and write garbage into a clock page, and TDX takes hypercalls
	 * only as TDVMCALLs. None of that is shared or converted here:
	 * refuse, rather than run half-working.
	 */
	if (cc_platform_has(CC_ATTR_GUEST_MEM_ENCRYPT)) {
		pr_err("confidential guest (encrypted memory): the host cannot read or write the memory the pvops modules share with it\n");
		return -ENODEV;
	}

	pvops_features = cpuid_eax(cpuid_base | KVM_CPUID_FEATURES);
	pvops_format_features(features, sizeof(features), pvops_kvm_features());
	pvops_host_discover();

	pvops_kobj = kobject_create_and_add("pvops", kernel_kobj);
	if (!pvops_kobj)
		return -ENOMEM;
	ret = pvops_engine_init(pvops_kobj);
	if (ret)
		goto fail;
	ret = sysfs_create_group(pvops_kobj, &pvops_group);
	if (ret) {
		kobject_put(pvops_kobj);
		pvops_engine_exit();
		return ret;
	}
	/* One line: what the host offers and what the ops run now. */
	pvops_format_bits(caps, sizeof(caps), pvops_host_features(),
			  pvops_host_feature_name);
	pr_info("KVM guest, host features: %s; pvops capabilities: %s; flush_tlb_multi=%ps lock_wait=%ps lock_kick=%ps\n",
		features, caps[0] ? caps : "none",
		pvops_op_original(PVOPS_OP_FLUSH_TLB_MULTI),
		pvops_op_original(PVOPS_OP_LOCK_WAIT),
		pvops_op_original(PVOPS_OP_LOCK_KICK));
	return 0;
fail:
	kobject_put(pvops_kobj);
	return ret;
}
module_init(pvops_init);

static void __exit pvops_exit(void)
{
	/* No sysfs switch can come in while the engine shuts down. */
	kobject_put(pvops_kobj);
	pvops_engine_exit();
	pr_debug("unloaded\n");
}
module_exit(pvops_exit);

MODULE_DESCRIPTION("Paravirt ops core: KVM detection, host features, op engine");
MODULE_LICENSE("GPL");
MODULE_VERSION(PVOPS_VERSION);
