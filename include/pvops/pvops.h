/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvops: the interface the pvops core module offers to the backend modules
 * (pvtlb, pvspinlock, pvclock) and to its tests.
 */
#ifndef _PVOPS_PVOPS_H
#define _PVOPS_PVOPS_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/types.h>

#include <pvops/abi.h>

struct cpumask;
struct flush_tlb_info;
struct notifier_block;
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

/*
 * Capabilities of the host, each offered by a KVM_FEATURE_* bit of CPUID
 * 0x40000001 (pvops_host_features(), struct pvops_backend): the remote TLB
 * flush (KVM_HC_FLUSH_TLB), the lock wait (KVM_HC_LOCK_WAIT) and its kick
 * (KVM_HC_KICK_CPU), the clock page (MSR_KVM_CLOCK_PAGE), and ranges in
 * the remote TLB flush (KVM_FLUSH_TLB_RANGE; only with PVOPS_CAP_FLUSH_TLB).
 */
#define PVOPS_CAP_FLUSH_TLB	BIT(0)
#define PVOPS_CAP_LOCK_WAIT	BIT(1)
#define PVOPS_CAP_LOCK_KICK	BIT(2)
#define PVOPS_CAP_CLOCK		BIT(3)
#define PVOPS_CAP_FLUSH_TLB_RANGE	BIT(4)

/**
 * enum pvops_abi - the host ABI the pvops modules speak
 * @PVOPS_ABI_NONE: none: CPUID offers none of the KVM ABI's capabilities
 * @PVOPS_ABI_KVM: KVM's own hypercall numbers and clock page MSR of the
 *	6.12 host series (hostside), found by KVM_FEATURE_* bits of CPUID
 *	0x40000001
 */
enum pvops_abi {
	PVOPS_ABI_NONE,
	PVOPS_ABI_KVM,
};

/**
 * struct pvops_host_abi - what the host offers, and the hypercalls to use
 * @abi: the ABI
 * @caps: PVOPS_CAP_* bitmap
 * @hc_flush_tlb: the remote TLB flush's hypercall number (KVM_HC_FLUSH_TLB),
 *	0 without PVOPS_CAP_FLUSH_TLB
 * @hc_lock_wait: the lock wait's (KVM_HC_LOCK_WAIT), 0 without
 *	PVOPS_CAP_LOCK_WAIT
 * @hc_lock_kick: the lock kick's (KVM_HC_KICK_CPU), 0 without
 *	PVOPS_CAP_LOCK_KICK; make the kick with pvops_host_kick()
 * @msr_clock_page: the clock page's MSR (MSR_KVM_CLOCK_PAGE), 0 without
 *	PVOPS_CAP_CLOCK
 */
struct pvops_host_abi {
	enum pvops_abi abi;
	u32 caps;
	unsigned int hc_flush_tlb;
	unsigned int hc_lock_wait;
	unsigned int hc_lock_kick;
	u32 msr_clock_page;
};

/**
 * struct pvops_backend - an implementation of one or more paravirt ops
 * @name: unique name, shown and written in sysfs (not "native" or "kvm")
 * @host_features: capabilities the host must offer (PVOPS_CAP_*);
 *	registration fails with -ENODEV otherwise
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
const char *pvops_op_original_impl(enum pvops_op op);

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
u32 pvops_host_features(void);
const char *pvops_host_feature_name(unsigned int bit);
const struct pvops_host_abi *pvops_host_abi(void);

int pvops_register_crash_notifier(struct notifier_block *nb);
void pvops_unregister_crash_notifier(struct notifier_block *nb);

/**
 * pvops_host_kick() - kick the vCPU with an APIC ID
 * @abi: pvops_host_abi(), with PVOPS_CAP_LOCK_KICK
 * @apicid: the target's APIC ID
 *
 * KVM_HC_KICK_CPU takes flags (none defined, 0) in a0 and the APIC ID in
 * a1, as the kernel's kvm_kick_cpu() makes it.
 *
 * Return: the host's result: 0 (also for an APIC ID that names no vCPU),
 * or a negative KVM_E* value.
 */
static inline long pvops_host_kick(const struct pvops_host_abi *abi, u32 apicid)
{
	return pvops_hypercall(abi->hc_lock_kick, 0, apicid, 0, 0);
}

#endif /* _PVOPS_PVOPS_H */
