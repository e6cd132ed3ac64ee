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

/*
 * Capabilities of the host, whichever ABI offers them: the bits of the
 * KVM_HC_PVOPS_FEATURES bitmap (KVM_PVOPS_HC_BIT()), which name them on the
 * KVM ABI too (pvops_host_features(), struct pvops_backend).
 */
#define PVOPS_CAP_FEATURES	KVM_PVOPS_HC_BIT(KVM_HC_PVOPS_FEATURES)
#define PVOPS_CAP_FLUSH_TLB	KVM_PVOPS_HC_BIT(KVM_HC_PVOPS_FLUSH_TLB)
#define PVOPS_CAP_LOCK_WAIT	KVM_PVOPS_HC_BIT(KVM_HC_PVOPS_LOCK_WAIT)
#define PVOPS_CAP_LOCK_KICK	KVM_PVOPS_HC_BIT(KVM_HC_PVOPS_LOCK_KICK)
#define PVOPS_CAP_CLOCK		KVM_PVOPS_HC_BIT(KVM_HC_PVOPS_CLOCK)

/**
 * enum pvops_abi - the host ABI the pvops modules speak
 * @PVOPS_ABI_NONE: neither: the host services no pvops hypercalls
 * @PVOPS_ABI_PVOPS: the private hypercall block of the 6.1 host series
 *	(KVM_HC_PVOPS_*), found by the KVM_HC_PVOPS_FEATURES query
 * @PVOPS_ABI_KVM: KVM's own hypercall numbers of the 6.12 host series
 *	(hostside/next), found by KVM_FEATURE_* bits of CPUID 0x40000001
 */
enum pvops_abi {
	PVOPS_ABI_NONE,
	PVOPS_ABI_PVOPS,
	PVOPS_ABI_KVM,
};

/**
 * struct pvops_host_abi - what the host offers, and the hypercalls to use
 * @abi: the ABI
 * @version: the ABI version KVM_HC_PVOPS_FEATURES reported; 0 unless @abi
 *	is PVOPS_ABI_PVOPS
 * @caps: PVOPS_CAP_* bitmap
 * @hc_flush_tlb: the remote TLB flush's hypercall number, 0 without
 *	PVOPS_CAP_FLUSH_TLB
 * @hc_lock_wait: the lock wait's, 0 without PVOPS_CAP_LOCK_WAIT
 * @hc_lock_kick: the lock kick's, 0 without PVOPS_CAP_LOCK_KICK; make the
 *	kick with pvops_host_kick(), its arguments differ between the ABIs
 * @hc_clock: the pvops-1 clock page's hypercall (KVM_HC_PVOPS_CLOCK), 0
 *	unless @abi is PVOPS_ABI_PVOPS with PVOPS_CAP_CLOCK
 * @msr_clock_page: the KVM ABI's clock page MSR (MSR_KVM_CLOCK_PAGE), 0
 *	unless @abi is PVOPS_ABI_KVM with PVOPS_CAP_CLOCK. The two clock pages
 *	differ in registration, layout and reading: pvclock speaks each.
 *
 * The flush's flags and limits and the wait's flags, limits and results
 * have the same values in both ABIs (KVM_PVOPS_* names them).
 */
struct pvops_host_abi {
	enum pvops_abi abi;
	unsigned int version;
	u32 caps;
	unsigned int hc_flush_tlb;
	unsigned int hc_lock_wait;
	unsigned int hc_lock_kick;
	unsigned int hc_clock;
	u32 msr_clock_page;
};

/**
 * struct pvops_backend - an implementation of one or more paravirt ops
 * @name: unique name, shown and written in sysfs (not "native" or "kvm")
 * @owner: the module that provides the functions (THIS_MODULE)
 * @host_features: capabilities the host must offer (PVOPS_CAP_*), in
 *	either ABI; registration fails with -ENODEV otherwise
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
const struct pvops_host_abi *pvops_host_abi(void);

/**
 * pvops_host_kick() - kick the vCPU with an APIC ID, in the host's ABI
 * @abi: pvops_host_abi(), with PVOPS_CAP_LOCK_KICK
 * @apicid: the target's APIC ID
 *
 * The one place where the two kicks differ: KVM_HC_PVOPS_LOCK_KICK takes
 * the APIC ID in a0; KVM_HC_KICK_CPU takes flags (none defined, 0) in a0 and
 * the APIC ID in a1, as the kernel's kvm_kick_cpu() makes it.
 *
 * Return: the host's result: 0, or a negative KVM_E* value. KVM_HC_KICK_CPU
 * returns 0 also for an APIC ID that names no vCPU, where
 * KVM_HC_PVOPS_LOCK_KICK returns -KVM_EINVAL.
 */
static inline long pvops_host_kick(const struct pvops_host_abi *abi, u32 apicid)
{
	if (abi->abi == PVOPS_ABI_KVM)
		return pvops_hypercall(abi->hc_lock_kick, 0, apicid, 0, 0);
	return pvops_hypercall(abi->hc_lock_kick, apicid, 0, 0, 0);
}

#endif /* _PVOPS_PVOPS_H */
