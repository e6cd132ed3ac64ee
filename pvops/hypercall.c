// SPDX-License-Identifier: GPL-2.0
/*
 * pvops core: the hypercall transport and the host feature query.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kvm_para.h>
#include <linux/module.h>

#include <pvops/pvops.h>

#include "internal.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

static unsigned int pvops_host_version;
static u32 pvops_host_hcs;

/* Names of the bits of the KVM_HC_PVOPS_FEATURES bitmap. */
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
 * pvops_host_abi_version() - the pvops ABI version the host speaks
 *
 * Return: the version KVM_HC_PVOPS_FEATURES reported at load, or 0 when the
 * host does not service pvops hypercalls (an unpatched KVM, or the ABI
 * turned off with kvm.pvops_hypercalls=0).
 */
unsigned int pvops_host_abi_version(void)
{
	return pvops_host_version;
}
EXPORT_SYMBOL_GPL(pvops_host_abi_version);

/**
 * pvops_host_features() - the pvops hypercalls the host services
 *
 * Return: bitmap of KVM_PVOPS_HC_BIT() values, 0 when the host has none.
 */
u32 pvops_host_features(void)
{
	return pvops_host_hcs;
}
EXPORT_SYMBOL_GPL(pvops_host_features);

/**
 * pvops_host_feature_name() - name of a bit of pvops_host_features()
 * @bit: bit number (hypercall KVM_HC_PVOPS_BASE + @bit)
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
 * Ask the host which pvops hypercalls it services. An unpatched host, or one
 * with the ABI turned off, answers -KVM_ENOSYS: then there are no features,
 * and backends that need them refuse to register, saying so.
 */
int pvops_host_query(void)
{
	long ret = pvops_hypercall(KVM_HC_PVOPS_FEATURES, 0, 0, 0, 0);

	if (ret < 0) {
		pr_info("host services no pvops hypercalls (query returned %ld)\n",
			ret);
		return 0;
	}
	if ((ret >> 48) || !KVM_PVOPS_FEATURES_VERSION(ret)) {
		pr_warn("host answered the pvops query with 0x%lx, not a valid reply; using no host features\n",
			ret);
		return 0;
	}
	pvops_host_version = KVM_PVOPS_FEATURES_VERSION(ret);
	pvops_host_hcs = KVM_PVOPS_FEATURES_BITMAP(ret);
	pr_info("host pvops ABI v%u, hypercalls 0x%x\n", pvops_host_version,
		pvops_host_hcs);
	return 0;
}
