// SPDX-License-Identifier: GPL-2.0
/*
 * pvops core: which host ABI to speak, from what the host offers. Built into
 * pvops.ko, and included by its KUnit suite, which tests it without a host.
 */
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/kvm_para.h>

#include <pvops/pvops.h>

#include "internal.h"

/*
 * The flush's flag and limit and the wait's flag, limit and results are the
 * same numbers in both ABIs: the backends use the KVM_PVOPS_* names for
 * both. Should the two ever differ, the mapping goes here.
 */
static_assert(KVM_FLUSH_TLB_GPA == KVM_PVOPS_FLUSH_GPA);
static_assert(KVM_FLUSH_TLB_MAX_BITS == KVM_PVOPS_FLUSH_MAX_BITS);
static_assert(KVM_LOCK_WAIT_KICKED == KVM_PVOPS_WAIT_KICKED);
static_assert(KVM_LOCK_WAIT_CHANGED == KVM_PVOPS_WAIT_CHANGED);
static_assert(KVM_LOCK_WAIT_TIMEOUT == KVM_PVOPS_WAIT_TIMEOUT);
static_assert(KVM_LOCK_WAIT_EVENT == KVM_PVOPS_WAIT_EVENT);
static_assert(KVM_LOCK_WAIT_YIELD == KVM_PVOPS_WAIT_YIELD);
static_assert(KVM_LOCK_WAIT_MAX_NS == KVM_PVOPS_WAIT_MAX_NS);

/* The CPUID bits that offer the KVM ABI's hypercalls and clock page. */
#define PVOPS_KVM_ABI_BITS	(BIT(KVM_FEATURE_PV_FLUSH_TLB_HC) | \
				 BIT(KVM_FEATURE_PV_LOCK_WAIT) | \
				 BIT(KVM_FEATURE_PV_CLOCK_PAGE))

/**
 * pvops_host_abi_needs_query() - whether to ask KVM_HC_PVOPS_FEATURES
 * @kvm_features: CPUID 0x40000001 EAX (KVM_FEATURE_* bits)
 *
 * Return: true when CPUID offers none of the KVM ABI's capabilities
 * (KVM_FEATURE_PV_FLUSH_TLB_HC, KVM_FEATURE_PV_LOCK_WAIT,
 * KVM_FEATURE_PV_CLOCK_PAGE), so that only the
 * pvops-1 query can offer anything; false when the KVM ABI is offered,
 * which takes precedence.
 */
bool pvops_host_abi_needs_query(u32 kvm_features)
{
	return !(kvm_features & PVOPS_KVM_ABI_BITS);
}

/**
 * pvops_host_abi_select() - the host ABI, capabilities and hypercalls to use
 * @kvm_features: CPUID 0x40000001 EAX (KVM_FEATURE_* bits)
 * @query: what KVM_HC_PVOPS_FEATURES returned, or a negative KVM_E* value
 *	(-KVM_ENOSYS) when it was not asked; ignored when CPUID offers the KVM
 *	ABI
 * @abi: filled in: with the ABI chosen on success, PVOPS_ABI_NONE and no
 *	capability on an error
 *
 * The KVM ABI when CPUID has KVM_FEATURE_PV_FLUSH_TLB_HC,
 * KVM_FEATURE_PV_LOCK_WAIT or KVM_FEATURE_PV_CLOCK_PAGE: the flush
 * (KVM_HC_FLUSH_TLB) with the first; the lock wait (KVM_HC_LOCK_WAIT) and
 * kick (KVM_HC_KICK_CPU) with the second and KVM_FEATURE_PV_UNHALT, which
 * gates the kick (a wait that no kick can end is no capability); the clock
 * page (MSR_KVM_CLOCK_PAGE) with the third. Otherwise the pvops-1 ABI when
 * @query is a valid reply: its version and bitmap of KVM_HC_PVOPS_*
 * hypercalls, the clock page's being KVM_HC_PVOPS_CLOCK.
 *
 * Return: 0 when an ABI was chosen (the KVM ABI may offer no capability:
 * KVM_FEATURE_PV_LOCK_WAIT without KVM_FEATURE_PV_UNHALT); -ENODEV when
 * neither is offered (@query negative); -EPROTO when @query is not a valid
 * reply (bits 63:48 set, or version 0).
 */
int pvops_host_abi_select(u32 kvm_features, long query,
			  struct pvops_host_abi *abi)
{
	*abi = (struct pvops_host_abi){ .abi = PVOPS_ABI_NONE };

	if (!pvops_host_abi_needs_query(kvm_features)) {
		abi->abi = PVOPS_ABI_KVM;
		if (kvm_features & BIT(KVM_FEATURE_PV_FLUSH_TLB_HC)) {
			abi->caps |= PVOPS_CAP_FLUSH_TLB;
			abi->hc_flush_tlb = KVM_HC_FLUSH_TLB;
		}
		if ((kvm_features & BIT(KVM_FEATURE_PV_LOCK_WAIT)) &&
		    (kvm_features & BIT(KVM_FEATURE_PV_UNHALT))) {
			abi->caps |= PVOPS_CAP_LOCK_WAIT | PVOPS_CAP_LOCK_KICK;
			abi->hc_lock_wait = KVM_HC_LOCK_WAIT;
			abi->hc_lock_kick = KVM_HC_KICK_CPU;
		}
		if (kvm_features & BIT(KVM_FEATURE_PV_CLOCK_PAGE)) {
			abi->caps |= PVOPS_CAP_CLOCK;
			abi->msr_clock_page = MSR_KVM_CLOCK_PAGE;
		}
		return 0;
	}

	if (query < 0)
		return -ENODEV;
	if ((query >> 48) || !KVM_PVOPS_FEATURES_VERSION(query))
		return -EPROTO;
	abi->abi = PVOPS_ABI_PVOPS;
	abi->version = KVM_PVOPS_FEATURES_VERSION(query);
	abi->caps = KVM_PVOPS_FEATURES_BITMAP(query);
	if (abi->caps & PVOPS_CAP_FLUSH_TLB)
		abi->hc_flush_tlb = KVM_HC_PVOPS_FLUSH_TLB;
	if (abi->caps & PVOPS_CAP_LOCK_WAIT)
		abi->hc_lock_wait = KVM_HC_PVOPS_LOCK_WAIT;
	if (abi->caps & PVOPS_CAP_LOCK_KICK)
		abi->hc_lock_kick = KVM_HC_PVOPS_LOCK_KICK;
	if (abi->caps & PVOPS_CAP_CLOCK)
		abi->hc_clock = KVM_HC_PVOPS_CLOCK;
	return 0;
}
