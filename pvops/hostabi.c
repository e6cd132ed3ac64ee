// SPDX-License-Identifier: GPL-2.0
/*
 * pvops core: which of the host's capabilities to use, from the CPUID bits
 * that offer them. Built into pvops.ko, and included by its KUnit suite,
 * which tests it without a host.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kvm_para.h>

#include <pvops/pvops.h>

#include "internal.h"

/* The CPUID bits that offer the KVM ABI's hypercalls and clock page. */
#define PVOPS_KVM_ABI_BITS	(BIT(KVM_FEATURE_PV_FLUSH_TLB_HC) | \
				 BIT(KVM_FEATURE_PV_LOCK_WAIT) | \
				 BIT(KVM_FEATURE_PV_CLOCK_PAGE))

/**
 * pvops_host_abi_select() - the host's capabilities and hypercalls to use
 * @kvm_features: CPUID 0x40000001 EAX (KVM_FEATURE_* bits)
 * @abi: filled in: with the KVM ABI's capabilities on success,
 *	PVOPS_ABI_NONE and no capability on an error
 *
 * The KVM ABI when CPUID has KVM_FEATURE_PV_FLUSH_TLB_HC,
 * KVM_FEATURE_PV_LOCK_WAIT or KVM_FEATURE_PV_CLOCK_PAGE: the flush
 * (KVM_HC_FLUSH_TLB) with the first; the lock wait (KVM_HC_LOCK_WAIT) and
 * kick (KVM_HC_KICK_CPU) with the second and KVM_FEATURE_PV_UNHALT, which
 * gates the kick (a wait that no kick can end is no capability); the clock
 * page (MSR_KVM_CLOCK_PAGE) with the third. Ranges in the flush
 * (KVM_FLUSH_TLB_RANGE) with KVM_FEATURE_PV_FLUSH_TLB_RANGE and the first:
 * on its own that bit offers nothing.
 *
 * Return: 0 when CPUID offers the KVM ABI (it may offer no capability:
 * KVM_FEATURE_PV_LOCK_WAIT without KVM_FEATURE_PV_UNHALT); -ENODEV when it
 * has none of the three bits (a stock host).
 */
int pvops_host_abi_select(u32 kvm_features, struct pvops_host_abi *abi)
{
	*abi = (struct pvops_host_abi){ .abi = PVOPS_ABI_NONE };

	if (!(kvm_features & PVOPS_KVM_ABI_BITS))
		return -ENODEV;

	abi->abi = PVOPS_ABI_KVM;
	if (kvm_features & BIT(KVM_FEATURE_PV_FLUSH_TLB_HC)) {
		abi->caps |= PVOPS_CAP_FLUSH_TLB;
		abi->hc_flush_tlb = KVM_HC_FLUSH_TLB;
		if (kvm_features & BIT(KVM_FEATURE_PV_FLUSH_TLB_RANGE))
			abi->caps |= PVOPS_CAP_FLUSH_TLB_RANGE;
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
