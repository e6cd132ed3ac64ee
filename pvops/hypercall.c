// SPDX-License-Identifier: GPL-2.0
/*
 * pvops core: the hypercall transport and the host ABI's discovery.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/kvm_para.h>
#include <linux/module.h>

#include <pvops/pvops.h>

#include "internal.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/* What the host offers, chosen once at load (pvops_host_discover()). */
static struct pvops_host_abi pvops_abi __ro_after_init;

/* Names of the capabilities: the bits of PVOPS_CAP_*. */
static const char * const pvops_cap_names[] = {
	[ilog2(PVOPS_CAP_FLUSH_TLB)]	= "flush_tlb",
	[ilog2(PVOPS_CAP_LOCK_WAIT)]	= "lock_wait",
	[ilog2(PVOPS_CAP_LOCK_KICK)]	= "lock_kick",
	[ilog2(PVOPS_CAP_CLOCK)]	= "clock",
	[ilog2(PVOPS_CAP_FLUSH_TLB_RANGE)] = "flush_tlb_range",
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
 * when CPUID offers one of them, else none. It does not change while pvops
 * is loaded.
 */
const struct pvops_host_abi *pvops_host_abi(void)
{
	return &pvops_abi;
}
EXPORT_SYMBOL_GPL(pvops_host_abi);

/**
 * pvops_host_features() - the capabilities the host offers
 *
 * Return: bitmap of PVOPS_CAP_* values, 0 when the host has none.
 */
u32 pvops_host_features(void)
{
	return pvops_abi.caps;
}
EXPORT_SYMBOL_GPL(pvops_host_features);

/**
 * pvops_host_feature_name() - name of a bit of pvops_host_features()
 * @bit: bit number (of a PVOPS_CAP_* value)
 *
 * Return: a static name, or NULL for a bit this module does not know.
 */
const char *pvops_host_feature_name(unsigned int bit)
{
	if (bit >= ARRAY_SIZE(pvops_cap_names))
		return NULL;
	return pvops_cap_names[bit];
}
EXPORT_SYMBOL_GPL(pvops_host_feature_name);

/*
 * Find what the host offers, from CPUID alone. A host without the KVM ABI's
 * bits (a stock KVM) offers no capability, and backends that need one
 * refuse to register, saying so.
 */
void pvops_host_discover(void)
{
	u32 features = pvops_kvm_features();

	if (pvops_host_abi_select(features, &pvops_abi)) {
		pr_debug("host offers no pvops capability (no KVM_FEATURE_PV_FLUSH_TLB_HC, KVM_FEATURE_PV_LOCK_WAIT or KVM_FEATURE_PV_CLOCK_PAGE in CPUID)\n");
		return;
	}
	pr_debug("host KVM ABI (CPUID), capabilities 0x%x: flush_tlb %u, lock_wait %u, lock_kick %u, clock_page msr 0x%x\n",
		 pvops_abi.caps, pvops_abi.hc_flush_tlb, pvops_abi.hc_lock_wait,
		 pvops_abi.hc_lock_kick, pvops_abi.msr_clock_page);
	if ((features & BIT(KVM_FEATURE_PV_LOCK_WAIT)) &&
	    !(pvops_abi.caps & PVOPS_CAP_LOCK_WAIT))
		pr_info("host offers KVM_HC_LOCK_WAIT without KVM_FEATURE_PV_UNHALT, its kick: no lock wait\n");
}
