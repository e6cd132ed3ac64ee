// SPDX-License-Identifier: GPL-2.0
/*
 * pvops core: the hypercall transport and the host ABI's discovery.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kvm_para.h>
#include <linux/module.h>

#include <pvops/pvops.h>

#include "internal.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* What the host offers, chosen once at load (pvops_host_query()). */
static struct pvops_host_abi pvops_abi __ro_after_init;

/* Names of the capabilities: the bits of the KVM_HC_PVOPS_FEATURES bitmap. */
static const char * const pvops_hc_names[] = {
	[KVM_HC_PVOPS_FEATURES - KVM_HC_PVOPS_BASE]	= "features",
	[KVM_HC_PVOPS_FLUSH_TLB - KVM_HC_PVOPS_BASE]	= "flush_tlb",
	[KVM_HC_PVOPS_LOCK_WAIT - KVM_HC_PVOPS_BASE]	= "lock_wait",
	[KVM_HC_PVOPS_LOCK_KICK - KVM_HC_PVOPS_BASE]	= "lock_kick",
	[KVM_HC_PVOPS_CLOCK - KVM_HC_PVOPS_BASE]	= "clock",
};

/**
 * pvops_hypercall() - make a KVM hypercall
 * @nr: hypercall number (RAX)
 * @a0: first argument (RBX)
 * @a1: second argument (RCX)
 * @a2: third argument (RDX)
 * @a3: fourth argument (RSI)
 *
 * The one hypercall entry of the pvops modules: VMCALL or VMMCALL as the CPU
 * wants, traced by the pvops_hypercall tracepoint. Only meaningful on KVM;
 * pvops.ko does not load elsewhere.
 *
 * Return: the host's result, a negative KVM_E* value on error (-KVM_ENOSYS
 * for a hypercall the host does not service).
 */
long pvops_hypercall(unsigned int nr, unsigned long a0, unsigned long a1,
		     unsigned long a2, unsigned long a3)
{
	long ret = kvm_hypercall4(nr, a0, a1, a2, a3);

	trace_pvops_hypercall(nr, a0, ret);
	return ret;
}
EXPORT_SYMBOL_GPL(pvops_hypercall);

/**
 * pvops_host_abi() - the host ABI, its capabilities and hypercall numbers
 *
 * Return: the ABI, never NULL, chosen by pvops_host_abi_select() when pvops
 * loaded: KVM's own hypercalls and clock page MSR (the 6.12 host series)
 * when CPUID offers one of them, else the pvops-1 block (the 6.1 host series) when
 * KVM_HC_PVOPS_FEATURES answers, else none. It does not change while pvops
 * is loaded.
 */
const struct pvops_host_abi *pvops_host_abi(void)
{
	return &pvops_abi;
}
EXPORT_SYMBOL_GPL(pvops_host_abi);

/**
 * pvops_host_abi_version() - the pvops ABI version the host speaks
 *
 * Return: the version KVM_HC_PVOPS_FEATURES reported at load, or 0 when
 * that query is not used: the host speaks the KVM ABI (found by CPUID), or
 * services no pvops hypercalls (an unpatched KVM, or the ABI turned off
 * with kvm.pvops_hypercalls=0).
 */
unsigned int pvops_host_abi_version(void)
{
	return pvops_abi.version;
}
EXPORT_SYMBOL_GPL(pvops_host_abi_version);

/**
 * pvops_host_features() - the capabilities the host offers
 *
 * Return: bitmap of PVOPS_CAP_* values (the KVM_HC_PVOPS_FEATURES bitmap on
 * the pvops-1 ABI), 0 when the host has none.
 */
u32 pvops_host_features(void)
{
	return pvops_abi.caps;
}
EXPORT_SYMBOL_GPL(pvops_host_features);

/**
 * pvops_host_feature_name() - name of a bit of pvops_host_features()
 * @bit: bit number (PVOPS_CAP_*; hypercall KVM_HC_PVOPS_BASE + @bit)
 *
 * Return: a static name, or NULL for a bit this module does not know.
 */
const char *pvops_host_feature_name(unsigned int bit)
{
	if (bit >= ARRAY_SIZE(pvops_hc_names))
		return NULL;
	return pvops_hc_names[bit];
}
EXPORT_SYMBOL_GPL(pvops_host_feature_name);

/*
 * Find what the host offers. CPUID's KVM ABI takes precedence; without it,
 * ask the host which pvops-1 hypercalls it services. An unpatched host, or
 * one with the ABI turned off, answers -KVM_ENOSYS: then there are no
 * features, and backends that need them refuse to register, saying so.
 */
int pvops_host_query(void)
{
	u32 features = pvops_kvm_features();
	long query = -KVM_ENOSYS;
	int ret;

	if (pvops_host_abi_needs_query(features))
		query = pvops_hypercall(KVM_HC_PVOPS_FEATURES, 0, 0, 0, 0);
	ret = pvops_host_abi_select(features, query, &pvops_abi);
	if (ret == -ENODEV) {
		pr_info("host services no pvops hypercalls (query returned %ld)\n",
			query);
		return 0;
	}
	if (ret) {
		pr_warn("host answered the pvops query with 0x%lx, not a valid reply; using no host features\n",
			query);
		return 0;
	}
	if (pvops_abi.abi == PVOPS_ABI_PVOPS) {
		pr_info("host pvops ABI v%u, hypercalls 0x%x\n", pvops_abi.version,
			pvops_abi.caps);
		return 0;
	}
	pr_info("host KVM ABI (CPUID), capabilities 0x%x: flush_tlb %u, lock_wait %u, lock_kick %u, clock_page msr 0x%x\n",
		pvops_abi.caps, pvops_abi.hc_flush_tlb, pvops_abi.hc_lock_wait,
		pvops_abi.hc_lock_kick, pvops_abi.msr_clock_page);
	if ((features & BIT(KVM_FEATURE_PV_LOCK_WAIT)) &&
	    !(pvops_abi.caps & PVOPS_CAP_LOCK_WAIT))
		pr_info("host offers KVM_HC_LOCK_WAIT without KVM_FEATURE_PV_UNHALT, its kick: no lock wait\n");
	return 0;
}
