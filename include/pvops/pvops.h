/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvops: the interface the pvops core module offers to the backend modules
 * (pvtlb, pvspinlock, pvclock) and to its tests.
 */
#ifndef _PVOPS_PVOPS_H
#define _PVOPS_PVOPS_H

#include <linux/list.h>
#include <linux/types.h>

#include <pvops/abi.h>

struct cpumask;
struct flush_tlb_info;
struct module;
struct seq_file;

/**
 * enum pvops_op - the paravirt operations the engine knows about
 * @PVOPS_OP_FLUSH_TLB_MULTI: pv_ops.mmu.flush_tlb_multi
 * @PVOPS_OP_LOCK_WAIT: pv_ops.lock.wait (paravirt qspinlock halt)
 * @PVOPS_OP_LOCK_KICK: pv_ops.lock.kick (paravirt qspinlock wake-up)
 * @PVOPS_NR_OPS: number of operations
 *
 * Lock wait and lock kick form one group: a backend provides both, and
 * switching one of them switches the other in the same step.
 */
enum pvops_op {
	PVOPS_OP_FLUSH_TLB_MULTI,
	PVOPS_OP_LOCK_WAIT,
	PVOPS_OP_LOCK_KICK,
	PVOPS_NR_OPS,
};

/* Names of the implementations that are not backends. */
#define PVOPS_IMPL_NATIVE	"native"
#define PVOPS_IMPL_KVM		"kvm"

/**
 * struct pvops_backend - an implementation of one or more paravirt ops
 * @name: unique name, shown and written in sysfs (not "native" or "kvm")
 * @owner: the module that provides the functions (THIS_MODULE)
 * @host_features: pvops hypercalls the host must service, as a bitmap of
 *	KVM_PVOPS_HC_BIT() values; registration fails with -ENODEV otherwise
 * @kvm_features: KVM_FEATURE_* bits (CPUID 0x40000001) the host must offer
 * @flush_tlb_multi: replaces pv_ops.mmu.flush_tlb_multi, or NULL
 * @lock_wait: replaces pv_ops.lock.wait, or NULL (set with @lock_kick)
 * @lock_kick: replaces pv_ops.lock.kick, or NULL (set with @lock_wait)
 * @node: the engine's list of backends (private)
 *
 * The functions run with preemption disabled and must not sleep. They may
 * call the original function (pvops_original_*()); the engine then lets
 * that call through instead of redirecting it again.
 */
struct pvops_backend {
	const char *name;
	struct module *owner;
	u32 host_features;
	u32 kvm_features;
	void (*flush_tlb_multi)(const struct cpumask *cpus,
				const struct flush_tlb_info *info);
	void (*lock_wait)(u8 *ptr, u8 val);
	void (*lock_kick)(int cpu);
	struct list_head node;
};

const char *pvops_op_name(enum pvops_op op);
void *pvops_op_original(enum pvops_op op);

int pvops_register_backend(struct pvops_backend *b);
void pvops_unregister_backend(struct pvops_backend *b);
int pvops_switch(enum pvops_op op, const char *name);
const char *pvops_active(enum pvops_op op);
void pvops_count_error(enum pvops_op op);
void pvops_seq_counters(struct seq_file *m, const void __percpu *pcpu,
			const char * const *names, unsigned int n);

/*
 * Calling the original from a backend: the engine lets these calls through
 * to the function the kernel was patched to at boot.
 */
static inline void pvops_original_flush_tlb_multi(const struct cpumask *cpus,
						  const struct flush_tlb_info *info)
{
	void (*fn)(const struct cpumask *cpus, const struct flush_tlb_info *info) =
		pvops_op_original(PVOPS_OP_FLUSH_TLB_MULTI);

	fn(cpus, info);
}

static inline void pvops_original_lock_wait(u8 *ptr, u8 val)
{
	void (*fn)(u8 *ptr, u8 val) = pvops_op_original(PVOPS_OP_LOCK_WAIT);

	fn(ptr, val);
}

static inline void pvops_original_lock_kick(int cpu)
{
	void (*fn)(int cpu) = pvops_op_original(PVOPS_OP_LOCK_KICK);

	fn(cpu);
}

u32 pvops_kvm_features(void);
const char *pvops_kvm_feature_name(unsigned int bit);
int pvops_format_features(char *buf, size_t size, u32 features);

long pvops_hypercall(unsigned int nr, unsigned long a0, unsigned long a1,
		     unsigned long a2, unsigned long a3);
unsigned int pvops_host_abi_version(void);
u32 pvops_host_features(void);
const char *pvops_host_feature_name(unsigned int bit);

#endif /* _PVOPS_PVOPS_H */
