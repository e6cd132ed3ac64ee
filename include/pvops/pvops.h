/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvops: the interface the pvops core module offers to the backend modules
 * (pvtlb, pvspinlock, pvclock) and to its tests.
 */
#ifndef _PVOPS_PVOPS_H
#define _PVOPS_PVOPS_H

#include <linux/types.h>

/**
 * enum pvops_op - the paravirt operations the engine knows about
 * @PVOPS_OP_FLUSH_TLB_MULTI: pv_ops.mmu.flush_tlb_multi
 * @PVOPS_OP_LOCK_WAIT: pv_ops.lock.wait (paravirt qspinlock halt)
 * @PVOPS_OP_LOCK_KICK: pv_ops.lock.kick (paravirt qspinlock wake-up)
 * @PVOPS_NR_OPS: number of operations
 */
enum pvops_op {
	PVOPS_OP_FLUSH_TLB_MULTI,
	PVOPS_OP_LOCK_WAIT,
	PVOPS_OP_LOCK_KICK,
	PVOPS_NR_OPS,
};

const char *pvops_op_name(enum pvops_op op);
void *pvops_op_current(enum pvops_op op);

u32 pvops_kvm_features(void);
const char *pvops_kvm_feature_name(unsigned int bit);
int pvops_format_features(char *buf, size_t size, u32 features);

#endif /* _PVOPS_PVOPS_H */
