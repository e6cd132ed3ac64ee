// SPDX-License-Identifier: GPL-2.0
/*
 * Garbage hypercalls, for the tests: one kthread per online CPU makes pvops
 * hypercalls with garbage in every argument register until `calls` calls
 * were made or `seconds` passed, and checks every result against what
 * include/pvops/abi.h allows for that call. The host must answer each at
 * once (a lock wait: within its timeout) with one of those values, and harm
 * neither this guest, nor itself, nor another VM.
 *
 * The numbers are those of the KVM ABI (hostside): KVM_HC_FLUSH_TLB,
 * KVM_HC_LOCK_WAIT and KVM_HC_KICK_CPU; and numbers no host services, which
 * must return -KVM_ENOSYS: KVM's unused ones after KVM_HC_MAP_GPA_RANGE
 * (12..31, but for the two above) and the block the retired private ABI of
 * the 6.1 host series reserved, with 16 on either side. Never
 * KVM_HC_CLOCK_PAIRING (9: it writes where a0 points) nor KVM_HC_SEND_IPI
 * (10: random vectors into this guest).
 *
 * Half of the calls take each argument from a few kinds of value: 0, small
 * numbers, random 32- and 64-bit numbers, all-ones, addresses beyond any
 * guest memory (at and above MAXPHYADDR, 2^52 and up), addresses within
 * MAXPHYADDR that no resource of this guest claims (no memory: unbacked),
 * addresses in the pages this module owns (page aligned, 8-byte aligned or
 * not aligned), APIC IDs, bitmap lengths and timeouts at their edges. The
 * other half aim at each call's edges: the flush with its bitmap in
 * registers or in memory, an APIC ID base of 0..4095 and just beyond,
 * lengths at and just over KVM_FLUSH_TLB_MAX_BITS, and, when the host
 * offers KVM_FEATURE_PV_FLUSH_TLB_RANGE, ranges in a3 at their edges (1 and
 * KVM_FLUSH_TLB_MAX_NR entries, every stride and the reserved one, first or
 * last entry at either side of the non-canonical hole, ranges that wrap past
 * 2^64); the lock wait on a byte
 * it owns with that byte's value or another, and every timeout edge (0, 1,
 * the maximum, one more, all-ones); the kick with APIC IDs 0..4095 and
 * beyond.
 *
 * This module's data are two pages: a bitmap of 4096 bits naming every
 * vCPU's APIC ID (bytes 0..511), 4096 clear bits (512..1023), 4096 set bits
 * (1024..1535), random bytes (the rest). They never change while the calls
 * run, so for a bitmap or a lock byte there the result is known exactly:
 * the number of vCPUs named but the caller, or the ABI's error; CHANGED for
 * a lock byte that differs from a1. A flush's bitmap in registers is
 * known exactly too, and so is whether a range is valid. Without
 * KVM_FEATURE_PV_FLUSH_TLB_RANGE, KVM_FLUSH_TLB_RANGE is a reserved bit like
 * the others. Elsewhere any result the ABI allows for the call.
 *
 * Every msr_every calls a kthread also writes MSR_KVM_CLOCK_PAGE (one
 * kthread at a time; the MSR is VM state): garbage the host must refuse
 * with #GP (reserved bits, bit 0 clear with others set, beyond MAXPHYADDR,
 * no memory there), then a valid registration of a
 * page of this module's own, which the host must fill in before the WRMSR
 * retires, garbage again (refused, the registration kept), and 0, which
 * unregisters it. No registration ever names memory the kernel uses: only
 * that page, or addresses that are not RAM. The page is freed only once 0
 * was written and read back; if the host refuses to let go, it is leaked.
 * If the MSR holds another registration (pvclock's: pvclock.ko loaded),
 * the round writes nothing and counts msr_busy. pvclock registering in the
 * microseconds between that read and the valid write would lose its
 * registration to ours, and then to our 0: the tests never load pvclock
 * in this VM while this module runs (msr=0 turns the rounds off).
 *
 * A call that has not returned after stuck_ms is named in dmesg, with its
 * arguments, every second until it returns:
 *   pvops_hcfuzz: cpu N in NAME for N ms: nr=0x... a0=0x... a1=... a2=... a3=...
 *
 * /sys/kernel/debug/pvops_hcfuzz/:
 *   state     "running", then "done" once every kthread has stopped
 *   summary   "key value" lines: calls, target_calls (0: none), seconds
 *             (the cap), elapsed_ms, unexpected (results the ABI does not
 *             allow), exact (calls whose result was known exactly),
 *             max_call_us, slow_calls (above stuck_ms), idle_cpus (kthreads
 *             that made no call); msr (on, off, nocap, leaked),
 *             msr_rounds, msr_refused (garbage writes refused with #GP),
 *             msr_registered (valid registrations the host filled in),
 *             msr_unregistered, msr_busy (rounds skipped: another
 *             registration), msr_raced (ours replaced meanwhile); range
 *             (on: the host offers range flushes, off), range_calls (flush
 *             calls with KVM_FLUSH_TLB_RANGE, when on), range_ok (those that
 *             flushed); then
 *             "NAME calls N ok N" per serviced hypercall and for "other"
 *             (ok: a result >= 0)
 * The first unexpected results are printed in dmesg (at most 10), and at
 * the end "pvops_hcfuzz: done: N calls".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kthread.h>
#include <linux/kvm_para.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/percpu.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <asm/apic.h>
#include <asm/msr.h>
#include <asm/processor.h>

#include <pvops/abi.h>
#include <pvops/pvops.h>

/*
 * Unknown numbers: the block of 0x100 at 0x50560000 that the retired
 * private ABI (6.1 host series) reserved, and 16 on either side...
 */
#define HCFUZZ_OLD_FIRST	(0x50560000 - 16)
#define HCFUZZ_OLD_COUNT	(0x100 + 32)
/* ...and 12 (KVM_HC_MAP_GPA_RANGE, not enabled here) and up. */
#define HCFUZZ_KVM_FIRST	12
#define HCFUZZ_KVM_COUNT	20
#define HCFUZZ_KVM_CAPS		(PVOPS_CAP_FLUSH_TLB | PVOPS_CAP_LOCK_WAIT | \
				 PVOPS_CAP_LOCK_KICK)
#define HCFUZZ_MAX_REPORTS	10

/* The data pages: a bitmap of every vCPU, an empty one, a full one, random. */
#define HCFUZZ_DATA_ORDER	1
#define HCFUZZ_DATA_SIZE	(PAGE_SIZE << HCFUZZ_DATA_ORDER)
#define HCFUZZ_BITMAP_BYTES	(KVM_FLUSH_TLB_MAX_BITS / BITS_PER_BYTE)
#define HCFUZZ_VCPUS_OFF	0
#define HCFUZZ_EMPTY_OFF	HCFUZZ_BITMAP_BYTES
#define HCFUZZ_FULL_OFF		(2 * HCFUZZ_BITMAP_BYTES)
#define HCFUZZ_RANDOM_OFF	(3 * HCFUZZ_BITMAP_BYTES)

/* Addresses within MAXPHYADDR that no resource of this guest claims. */
#define HCFUZZ_MAX_UNBACKED	3

static uint seconds = 20;
module_param(seconds, uint, 0444);
MODULE_PARM_DESC(seconds, "Seconds of calls at most, 1..3600 (default 20)");

static ulong calls;
module_param(calls, ulong, 0444);
MODULE_PARM_DESC(calls, "Stop once all kthreads together made this many calls (default 0: run for seconds)");

static uint stuck_ms = 5000;
module_param(stuck_ms, uint, 0444);
MODULE_PARM_DESC(stuck_ms, "A call slower than this is slow, and named in dmesg while it lasts (default 5000)");

static bool msr = true;
module_param(msr, bool, 0444);
MODULE_PARM_DESC(msr, "Write MSR_KVM_CLOCK_PAGE too, garbage and valid (default Y)");

static uint msr_every = 2000;
module_param(msr_every, uint, 0444);
MODULE_PARM_DESC(msr_every, "A round of MSR writes every this many calls of a kthread (default 2000)");

struct hcfuzz_hc {
	unsigned int nr;
	const char *name;
};

/* The serviced hypercalls; the slot after the last: "other". */
static const struct hcfuzz_hc hcfuzz_hcs[] = {
	{ KVM_HC_FLUSH_TLB,		"flush_tlb" },
	{ KVM_HC_LOCK_WAIT,		"lock_wait" },
	{ KVM_HC_KICK_CPU,		"kick_cpu" },
};

#define HCFUZZ_NR_HCS		ARRAY_SIZE(hcfuzz_hcs)	/* also the "other" slot */
#define HCFUZZ_MAX_SLOTS	(HCFUZZ_NR_HCS + 1)

/* One kthread's state; only it writes there, but for the stop flag. */
struct hcfuzz_thread {
	struct task_struct *task;
	struct rnd_state rnd;
	u32 self_apic;
	/* The call in flight: start time (0: none) and its arguments. */
	u64 start_ns;
	unsigned int nr;
	unsigned long a[4];
	u64 calls[HCFUZZ_MAX_SLOTS];
	u64 ok[HCFUZZ_MAX_SLOTS];
	u64 unexpected;
	u64 exact;
	u64 range_calls, range_ok;
	u64 slow;
	u64 max_ns;
	u64 end_ns;
	bool done;
} ____cacheline_aligned_in_smp;

enum hcfuzz_msr_state { HCFUZZ_MSR_OFF, HCFUZZ_MSR_ON, HCFUZZ_MSR_NOCAP, HCFUZZ_MSR_LEAKED };

static const char * const hcfuzz_msr_states[] = {
	[HCFUZZ_MSR_OFF] = "off", [HCFUZZ_MSR_ON] = "on",
	[HCFUZZ_MSR_NOCAP] = "nocap", [HCFUZZ_MSR_LEAKED] = "leaked",
};

/* The MSR rounds: one at a time, under lock; the counters for the summary. */
static struct {
	/* One round at a time: the MSR is the VM's, not the vCPU's. */
	struct mutex lock;
	enum hcfuzz_msr_state state;
	u64 rounds, refused, registered, unregistered, busy, raced, unexpected;
} hcfuzz_msr = { .lock = __MUTEX_INITIALIZER(hcfuzz_msr.lock) };

static struct hcfuzz_thread *hcfuzz_threads;
static unsigned int hcfuzz_nr;
static struct task_struct *hcfuzz_monitor;
static u8 *hcfuzz_data;
static phys_addr_t hcfuzz_data_pa;
static struct kvm_clock_page *hcfuzz_cp;
static phys_addr_t hcfuzz_cp_pa;
/* APIC IDs of the vCPUs, and the largest; at and above beyond_pa: no memory. */
static u32 *hcfuzz_apic;
static unsigned int hcfuzz_nr_apic;
static u32 hcfuzz_max_apic;
static u64 hcfuzz_beyond_pa;
/* KVM_FEATURE_PV_FLUSH_TLB_RANGE: KVM_FLUSH_TLB_RANGE is no reserved bit. */
static bool hcfuzz_range;
static u64 hcfuzz_unbacked[HCFUZZ_MAX_UNBACKED];
static unsigned int hcfuzz_nr_unbacked;
static u64 hcfuzz_start_ns, hcfuzz_deadline_ns;
static atomic64_t hcfuzz_issued;
static atomic_t hcfuzz_reports;
static bool hcfuzz_done;
static struct dentry *hcfuzz_debugfs;

static unsigned int hcfuzz_slot(unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < HCFUZZ_NR_HCS; i++)
		if (hcfuzz_hcs[i].nr == nr)
			return i;
	return HCFUZZ_NR_HCS;
}

static const char *hcfuzz_name(unsigned int slot)
{
	return slot < HCFUZZ_NR_HCS ? hcfuzz_hcs[slot].name : "other";
}

static bool hcfuzz_any(long ret, const long *allowed, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (ret == allowed[i])
			return true;
	return false;
}

static bool hcfuzz_is_apic(u64 id)
{
	unsigned int i;

	for (i = 0; i < hcfuzz_nr_apic; i++)
		if (hcfuzz_apic[i] == id)
			return true;
	return false;
}

/*
 * The result of a flush naming the set bits of @bits (@nbits of them),
 * bit n APIC ID @base + n, from the vCPU with APIC ID @self: the number of
 * vCPUs named but the caller, or -KVM_EINVAL for an APIC ID that no vCPU
 * has (the sum taken without wrapping) or a set naming no vCPU but the
 * caller.
 */
static long hcfuzz_flush_expect(const unsigned long *bits, unsigned long nbits,
				unsigned long base, u32 self)
{
	unsigned long n;
	long count = 0;

	for_each_set_bit(n, bits, nbits) {
		if (base > hcfuzz_max_apic || n > hcfuzz_max_apic - base ||
		    !hcfuzz_is_apic(base + n))
			return -KVM_EINVAL;
		if (base + n != self)
			count++;
	}
	return count ? count : -KVM_EINVAL;
}

/* Whether [gpa, gpa + len) is all in this module's data pages. */
static bool hcfuzz_in_data(u64 gpa, u64 len)
{
	return gpa >= hcfuzz_data_pa && len <= HCFUZZ_DATA_SIZE &&
	       gpa - hcfuzz_data_pa <= HCFUZZ_DATA_SIZE - len;
}

/* Whether this kernel's linear addresses have @addr as a canonical one. */
static bool hcfuzz_canonical(u64 addr)
{
	return __is_canonical_address(addr, pgtable_l5_enabled() ? 57 : 48);
}

/* The stride of a KVM_FLUSH_TLB_RANGE a3, as a shift; 0 for the reserved one. */
static unsigned int hcfuzz_range_shift(unsigned long a3)
{
	switch (a3 & KVM_FLUSH_TLB_STRIDE_MASK) {
	case KVM_FLUSH_TLB_STRIDE_4K:
		return 12;
	case KVM_FLUSH_TLB_STRIDE_2M:
		return 21;
	case KVM_FLUSH_TLB_STRIDE_1G:
		return 30;
	default:
		return 0;
	}
}

/*
 * Whether the range in @a3 (with KVM_FLUSH_TLB_RANGE) is valid from this
 * 64-bit caller: a stride that is not reserved, no wrap past 2^64, every
 * entry canonical. The first and the last entry tell: a range spans less
 * than 2^38 bytes, far less than the non-canonical hole.
 */
static bool hcfuzz_range_valid(unsigned long a3)
{
	unsigned int shift = hcfuzz_range_shift(a3);
	u64 start = a3 & PAGE_MASK, last;
	u64 nr = ((a3 & KVM_FLUSH_TLB_NR_MASK) >> KVM_FLUSH_TLB_NR_SHIFT) + 1;

	if (!shift || check_add_overflow(start, (nr - 1) << shift, &last))
		return false;
	return hcfuzz_canonical(start) && hcfuzz_canonical(last);
}

/*
 * Whether the ABI (include/pvops/abi.h, hypercalls.rst of hostside 0004)
 * allows @ret for this call from CPL 0 of a VM that is not nested and has
 * an in-kernel local APIC (and so an APIC map: no -KVM_EOPNOTSUPP), in the
 * order the documentation gives the errors. *@exact: the arguments alone
 * decided the one result allowed.
 */
static bool hcfuzz_flush_allowed(const struct hcfuzz_thread *t, long ret, bool *exact)
{
	static const long flush_errors[] = { -KVM_EINVAL, -KVM_EFAULT };
	const unsigned long *a = t->a;
	unsigned long bytes, flags = a[3];

	*exact = true;
	/* With a range, every bit of a3 means something; it is checked first. */
	if (hcfuzz_range && (flags & KVM_FLUSH_TLB_RANGE)) {
		if (!hcfuzz_range_valid(flags))
			return ret == -KVM_EINVAL;
		flags &= KVM_FLUSH_TLB_GPA;
	}
	if (flags & ~KVM_FLUSH_TLB_GPA)
		return ret == -KVM_EINVAL;
	if (!(flags & KVM_FLUSH_TLB_GPA))
		return ret == hcfuzz_flush_expect(a, 128, a[2], t->self_apic);
	if (a[0] & 7)
		return ret == -KVM_EINVAL;
	if (!a[1] || a[1] > KVM_FLUSH_TLB_MAX_BITS)
		return ret == -KVM_E2BIG;
	bytes = DIV_ROUND_UP(a[1], BITS_PER_BYTE);
	/* Not all of it in guest memory: wraps, or starts beyond MAXPHYADDR. */
	if (a[0] + bytes < a[0] || a[0] >= hcfuzz_beyond_pa)
		return ret == -KVM_EFAULT;
	/* Aligned to 8 bytes in the (aligned) data pages: unsigned longs. */
	if (hcfuzz_in_data(a[0], bytes))
		return ret == hcfuzz_flush_expect((const unsigned long *)
						  (hcfuzz_data + (a[0] - hcfuzz_data_pa)),
						  a[1], a[2], t->self_apic);
	*exact = false;
	if (ret > 0)
		return ret < hcfuzz_nr_apic;
	return hcfuzz_any(ret, flush_errors, ARRAY_SIZE(flush_errors));
}

static bool hcfuzz_wait_allowed(const unsigned long *a, long ret, bool *exact)
{
	static const long wait_results[] = {
		KVM_LOCK_WAIT_KICKED, KVM_LOCK_WAIT_CHANGED,
		KVM_LOCK_WAIT_TIMEOUT, KVM_LOCK_WAIT_EVENT,
		-KVM_EFAULT,
	};

	*exact = true;
	if (a[1] > 0xff || !a[2] || a[2] > KVM_LOCK_WAIT_MAX_NS ||
	    (a[3] & ~KVM_LOCK_WAIT_YIELD))
		return ret == -KVM_EINVAL;
	if (a[0] >= hcfuzz_beyond_pa)
		return ret == -KVM_EFAULT;
	if (hcfuzz_in_data(a[0], 1)) {
		if (hcfuzz_data[a[0] - hcfuzz_data_pa] != a[1])
			return ret == KVM_LOCK_WAIT_CHANGED;
		*exact = false;
		return ret == KVM_LOCK_WAIT_KICKED || ret == KVM_LOCK_WAIT_TIMEOUT ||
		       ret == KVM_LOCK_WAIT_EVENT;
	}
	*exact = false;
	return hcfuzz_any(ret, wait_results, ARRAY_SIZE(wait_results));
}

/* The kick is KVM_HC_KICK_CPU: always 0. Any other number is unknown. */
static bool hcfuzz_allowed(const struct hcfuzz_thread *t, long ret, bool *exact)
{
	*exact = true;
	switch (t->nr) {
	case KVM_HC_FLUSH_TLB:
		return hcfuzz_flush_allowed(t, ret, exact);
	case KVM_HC_LOCK_WAIT:
		return hcfuzz_wait_allowed(t->a, ret, exact);
	case KVM_HC_KICK_CPU:
		return ret == 0;
	default:
		return ret == -KVM_ENOSYS;
	}
}

static u64 hcfuzz_rnd64(struct rnd_state *rnd)
{
	return (u64)prandom_u32_state(rnd) << 32 | prandom_u32_state(rnd);
}

/* An APIC ID: a vCPU's, 0..4095, just beyond 4095 or the vCPUs', huge. */
static unsigned long hcfuzz_apic_id(struct rnd_state *rnd)
{
	static const unsigned long huge[] = { U16_MAX, U32_MAX, BIT_ULL(32), ~0UL };
	u32 r = prandom_u32_state(rnd);

	switch (r % 6) {
	case 0:
	case 1:
		return hcfuzz_apic[(r >> 8) % hcfuzz_nr_apic];
	case 2:
		return (r >> 8) % KVM_FLUSH_TLB_MAX_BITS;
	case 3:
		return KVM_FLUSH_TLB_MAX_BITS - 2 + (r >> 8) % 4;	/* 4094..4097 */
	case 4:
		return hcfuzz_max_apic + 1 + (r >> 8) % 2;
	default:
		return huge[(r >> 8) % ARRAY_SIZE(huge)];
	}
}

/* A flush bitmap's length in bits: at and around its edges. */
static unsigned long hcfuzz_nbits(struct rnd_state *rnd)
{
	static const unsigned long edges[] = {
		0, 1, 2, 63, 64, 65, 127, 128, 129, 511, 512, 513,
		KVM_FLUSH_TLB_MAX_BITS - 1, KVM_FLUSH_TLB_MAX_BITS,
		KVM_FLUSH_TLB_MAX_BITS + 1, 2 * KVM_FLUSH_TLB_MAX_BITS,
		U32_MAX, ~0UL,
	};
	u32 r = prandom_u32_state(rnd);

	if (r & 1)
		return edges[(r >> 1) % ARRAY_SIZE(edges)];
	return (r >> 1) % (KVM_FLUSH_TLB_MAX_BITS + 2);
}

/* A lock wait's timeout: every edge (0, 1, the maximum, one more, all-ones). */
static unsigned long hcfuzz_timeout(struct rnd_state *rnd)
{
	static const unsigned long edges[] = {
		0, 1, 2, KVM_LOCK_WAIT_MAX_NS - 1, KVM_LOCK_WAIT_MAX_NS,
		KVM_LOCK_WAIT_MAX_NS + 1, U32_MAX, BIT_ULL(63), ~0UL,
	};
	u32 r = prandom_u32_state(rnd);

	if (r & 1)
		return edges[(r >> 1) % ARRAY_SIZE(edges)];
	return 1 + (r >> 1) % KVM_LOCK_WAIT_MAX_NS;
}

/*
 * A guest physical address: in the data pages (aligned or not), in the
 * clock page, unbacked, beyond MAXPHYADDR or any guest memory, all-ones.
 */
static unsigned long hcfuzz_gpa(struct rnd_state *rnd)
{
	u32 r = prandom_u32_state(rnd);
	u64 off = hcfuzz_rnd64(rnd);

	switch (r % 12) {
	case 0:
		return hcfuzz_data_pa + (off % HCFUZZ_DATA_SIZE & ~7UL);
	case 1:
		return hcfuzz_data_pa + off % HCFUZZ_DATA_SIZE;
	case 2:
		/* One of the four bitmaps, at its start. */
		return hcfuzz_data_pa + (off % 4) * HCFUZZ_BITMAP_BYTES;
	case 3:
		/* The last words of the data pages: the rest is beyond them. */
		return hcfuzz_data_pa + HCFUZZ_DATA_SIZE - 8 * (1 + off % 4);
	case 4:
		return hcfuzz_cp_pa + (off % PAGE_SIZE & ~7UL);
	case 5:
		if (hcfuzz_nr_unbacked)
			return hcfuzz_unbacked[off % hcfuzz_nr_unbacked] + (off >> 32) % PAGE_SIZE;
		fallthrough;
	case 6:
		return hcfuzz_beyond_pa + (offset_in_page(off) & ~7UL);
	case 7:
		/* Just below MAXPHYADDR's end, the bitmap running beyond it. */
		return hcfuzz_beyond_pa - 8 * (1 + off % 8);
	case 8:
		return BIT_ULL(52) + (offset_in_page(off) & ~7UL);
	case 9:
		return ~0UL;
	case 10:
		return ~7UL - 8 * (off % 8);	/* aligned, wraps past the end */
	default:
		return off;
	}
}

/* One argument of any call: a kind of value, then a value of that kind. */
static unsigned long hcfuzz_value(struct rnd_state *rnd)
{
	u32 r = prandom_u32_state(rnd);
	u64 r64 = hcfuzz_rnd64(rnd);

	switch (r % 14) {
	case 0:
	case 1:
		return 0;
	case 2:
		return r >> 28;			/* 0..15 */
	case 3:
		return r >> 4;			/* 32-bit-ish */
	case 4:
		return r64;
	case 5:
		return ~0UL << (r >> 26);	/* large, negative; all-ones */
	case 6:
		return ~0UL;
	case 7:
	case 8:
		return hcfuzz_gpa(rnd);
	case 9:
		return hcfuzz_data_pa;
	case 10:
		return hcfuzz_apic_id(rnd);
	case 11:
		return hcfuzz_nbits(rnd);
	case 12:
		return hcfuzz_timeout(rnd);
	default:
		return (r >> 8) & 0xff;		/* a byte */
	}
}

/*
 * A range for a3 (KVM_FLUSH_TLB_RANGE and the range's bits) at its edges: 1,
 * 2, KVM_FLUSH_TLB_MAX_NR - 1 or KVM_FLUSH_TLB_MAX_NR entries or any number,
 * every stride (the reserved one too), and a first address that is this
 * module's data, 0, the last page below the non-canonical hole or the first
 * above it (so that the last entry may cross it), the first canonical page
 * of the upper half or the one below it, the last page or 1G of the address
 * space (so that the range may wrap), or random.
 */
static unsigned long hcfuzz_draw_range(struct rnd_state *rnd)
{
	u64 hole = BIT_ULL(pgtable_l5_enabled() ? 56 : 47);
	u32 r = prandom_u32_state(rnd);
	unsigned long start, nr;

	switch (r % 10) {
	case 0:
		start = (unsigned long)hcfuzz_data;
		break;
	case 1:
		start = 0;
		break;
	case 2:
		start = hole - PAGE_SIZE;
		break;
	case 3:
		start = hole;
		break;
	case 4:
		start = -hole;
		break;
	case 5:
		start = -hole - PAGE_SIZE;
		break;
	case 6:
		start = -PAGE_SIZE;
		break;
	case 7:
		start = -SZ_1G;
		break;
	default:
		start = hcfuzz_rnd64(rnd);
	}
	switch ((r >> 4) % 5) {
	case 0:
		nr = 1;
		break;
	case 1:
		nr = 2;
		break;
	case 2:
		nr = KVM_FLUSH_TLB_MAX_NR - 1;
		break;
	case 3:
		nr = KVM_FLUSH_TLB_MAX_NR;
		break;
	default:
		nr = 1 + (r >> 8) % KVM_FLUSH_TLB_MAX_NR;
	}
	return (start & PAGE_MASK) | (nr - 1) << KVM_FLUSH_TLB_NR_SHIFT |
	       (r >> 16 & KVM_FLUSH_TLB_STRIDE_MASK) | KVM_FLUSH_TLB_RANGE;
}

/*
 * A flush's bitmap in registers: the vCPUs (base 0), one bit, none, all;
 * half of the time with a range, when the host offers them.
 */
static void hcfuzz_draw_flush(struct hcfuzz_thread *t, u32 r)
{
	unsigned long vcpus = 0;
	unsigned int i;

	for (i = 0; i < hcfuzz_nr_apic; i++)
		if (hcfuzz_apic[i] < BITS_PER_LONG)
			vcpus |= BIT(hcfuzz_apic[i]);
	t->a[2] = (r & 2) ? 0 : hcfuzz_apic_id(&t->rnd);
	t->a[3] = (r & 4) ? KVM_FLUSH_TLB_GPA : 0;
	if (hcfuzz_range && (r & 0x40))
		t->a[3] |= hcfuzz_draw_range(&t->rnd);
	if (!(r & 0x38))
		t->a[3] = hcfuzz_value(&t->rnd);	/* reserved flags, mostly */
	if (t->a[3] & KVM_FLUSH_TLB_GPA) {
		t->a[0] = hcfuzz_gpa(&t->rnd);
		t->a[1] = hcfuzz_nbits(&t->rnd);
		return;
	}
	switch ((r >> 8) % 6) {
	case 0:
		t->a[0] = vcpus;
		t->a[1] = 0;
		break;
	case 1:
		t->a[0] = vcpus | BIT(prandom_u32_state(&t->rnd) % BITS_PER_LONG);
		t->a[1] = 0;
		break;
	case 2:
		t->a[0] = 0;
		t->a[1] = BIT(prandom_u32_state(&t->rnd) % BITS_PER_LONG);
		break;
	case 3:
		t->a[0] = ~0UL;
		t->a[1] = ~0UL;
		break;
	case 4:
		t->a[0] = BIT(t->self_apic % BITS_PER_LONG);
		t->a[1] = 0;
		break;
	default:
		t->a[0] = hcfuzz_value(&t->rnd);
		t->a[1] = hcfuzz_value(&t->rnd);
	}
}

/*
 * A lock wait: now and then on a byte of the data pages with its value (a
 * wait that halts until a kick, an interrupt or the timeout; rare, as each
 * can last up to a tick), else a byte that differs, or garbage.
 */
static void hcfuzz_draw_wait(struct hcfuzz_thread *t, u32 r)
{
	u64 off = prandom_u32_state(&t->rnd) % HCFUZZ_DATA_SIZE;
	u8 byte = hcfuzz_data[off];

	t->a[0] = (r & 2) ? hcfuzz_data_pa + off : hcfuzz_gpa(&t->rnd);
	if (!((r >> 8) % 16))
		t->a[1] = byte;
	else if ((r >> 8) % 16 < 8)
		t->a[1] = byte ^ (1 + (r >> 16) % 0xff);
	else
		t->a[1] = hcfuzz_value(&t->rnd);
	t->a[2] = hcfuzz_timeout(&t->rnd);
	switch ((r >> 4) % 8) {
	case 0:
	case 1:
	case 2:
		t->a[3] = 0;
		break;
	case 3:
	case 4:
		t->a[3] = KVM_LOCK_WAIT_YIELD;
		break;
	default:
		t->a[3] = hcfuzz_value(&t->rnd);
	}
	/* A halting wait's timeout: short, or the longest. */
	if (t->a[1] == byte && (r & 2) && !t->a[3])
		t->a[2] = (r & 0x100) ? 1 : KVM_LOCK_WAIT_MAX_NS;
}

static unsigned int hcfuzz_draw_nr(struct rnd_state *rnd)
{
	u32 r = prandom_u32_state(rnd);

	/* Mostly the serviced calls, the rest anywhere in the ranges. */
	if (r % 4)
		return hcfuzz_hcs[(r >> 8) % HCFUZZ_NR_HCS].nr;
	if (r & 0x80)
		return HCFUZZ_OLD_FIRST + (r >> 8) % HCFUZZ_OLD_COUNT;
	return HCFUZZ_KVM_FIRST + (r >> 8) % HCFUZZ_KVM_COUNT;
}

static void hcfuzz_draw(struct hcfuzz_thread *t)
{
	u32 r = prandom_u32_state(&t->rnd);
	unsigned int i;

	t->nr = hcfuzz_draw_nr(&t->rnd);
	for (i = 0; i < 4; i++)
		t->a[i] = hcfuzz_value(&t->rnd);
	/* Half of the serviced calls aim at their edges. */
	if (r & 1)
		return;
	switch (t->nr) {
	case KVM_HC_FLUSH_TLB:
		hcfuzz_draw_flush(t, r);
		break;
	case KVM_HC_LOCK_WAIT:
		hcfuzz_draw_wait(t, r);
		break;
	case KVM_HC_KICK_CPU:
		t->a[0] = (r & 2) ? 0 : t->a[0];
		t->a[1] = hcfuzz_apic_id(&t->rnd);
		break;
	}
}

static void hcfuzz_report(struct hcfuzz_thread *t, long ret)
{
	if (atomic_inc_return(&hcfuzz_reports) > HCFUZZ_MAX_REPORTS)
		return;
	pr_err("unexpected result %ld of %s: nr=%#x a0=%#lx a1=%#lx a2=%#lx a3=%#lx\n",
	       ret, hcfuzz_name(hcfuzz_slot(t->nr)), t->nr, t->a[0], t->a[1],
	       t->a[2], t->a[3]);
}

/* An MSR write or read that the documentation does not allow. */
static void hcfuzz_msr_report(const char *what, u64 val, int ret)
{
	WRITE_ONCE(hcfuzz_msr.unexpected, hcfuzz_msr.unexpected + 1);
	if (atomic_inc_return(&hcfuzz_reports) > HCFUZZ_MAX_REPORTS)
		return;
	pr_err("unexpected MSR_KVM_CLOCK_PAGE %s: %#llx: %d\n", what, val, ret);
}

/*
 * Write 0 where a registration of ours may be (a write the host should
 * have refused, or the end of a round), and read it back; if the host does
 * not let go, the clock page may still be written: leak it.
 */
static bool hcfuzz_msr_drop(void)
{
	u64 val = 0;
	int ret;

	ret = wrmsrl_safe(MSR_KVM_CLOCK_PAGE, 0);
	if (!ret)
		ret = rdmsrl_safe(MSR_KVM_CLOCK_PAGE, &val);
	if (ret || val) {
		hcfuzz_msr_report("unregistration failed, the page is leaked", val, ret);
		WRITE_ONCE(hcfuzz_msr.state, HCFUZZ_MSR_LEAKED);
		return false;
	}
	return true;
}

/* A value the host must refuse with #GP, and so change nothing. */
static u64 hcfuzz_msr_garbage(struct rnd_state *rnd)
{
	u32 r = prandom_u32_state(rnd);
	u64 bit = BIT_ULL(1 + (r >> 8) % 11);	/* reserved: bits 1..11 */

	switch (r % 11) {
	case 0:
		return hcfuzz_cp_pa | bit | KVM_MSR_ENABLED;
	case 1:
		return hcfuzz_cp_pa;			/* bit 0 clear, others set */
	case 2:
		return hcfuzz_cp_pa | bit;
	case 3:
		return hcfuzz_beyond_pa | hcfuzz_cp_pa | KVM_MSR_ENABLED;
	case 4:
		/* Bits 52..63: a host that dropped them would still name our page. */
		return BIT_ULL(63 - (r >> 8) % 12) | hcfuzz_cp_pa | KVM_MSR_ENABLED;
	case 5:
		return ~0ULL;
	case 6:
		return PAGE_MASK | KVM_MSR_ENABLED;	/* all-ones address */
	case 7:
		return ~0ULL & ~(u64)KVM_MSR_ENABLED;
	case 8:
	case 9:
		/*
		 * Not the BIOS page below 4 GiB: QEMU's microvm maps it writable
		 * (the host took it), and the host would write a clock page there.
		 */
		if (hcfuzz_nr_unbacked)
			return hcfuzz_unbacked[(r >> 8) % hcfuzz_nr_unbacked] | KVM_MSR_ENABLED;
		fallthrough;
	default:
		return (hcfuzz_beyond_pa - PAGE_SIZE) | bit | KVM_MSR_ENABLED;
	}
}

/* A garbage write: refused with #GP, or reported (and undone). */
static bool hcfuzz_msr_refused(struct rnd_state *rnd)
{
	u64 val = hcfuzz_msr_garbage(rnd);
	int ret = wrmsrl_safe(MSR_KVM_CLOCK_PAGE, val);

	if (ret) {
		WRITE_ONCE(hcfuzz_msr.refused, hcfuzz_msr.refused + 1);
		return true;
	}
	hcfuzz_msr_report("garbage write taken", val, ret);
	hcfuzz_msr_drop();
	return false;
}

/*
 * A round of MSR writes: garbage, a valid registration of the clock page,
 * garbage (which must leave it registered), 0. Only while no other
 * registration is there; one round at a time.
 */
static void hcfuzz_msr_round(struct hcfuzz_thread *t)
{
	const u64 mine = hcfuzz_cp_pa | KVM_MSR_ENABLED;
	u64 val;
	int i, ret;

	if (!mutex_trylock(&hcfuzz_msr.lock))
		return;
	if (hcfuzz_msr.state != HCFUZZ_MSR_ON)
		goto out;
	ret = rdmsrl_safe(MSR_KVM_CLOCK_PAGE, &val);
	if (ret) {
		hcfuzz_msr_report("read refused", 0, ret);
		WRITE_ONCE(hcfuzz_msr.state, HCFUZZ_MSR_OFF);
		goto out;
	}
	if (val) {
		/* Someone else's registration (pvclock's): leave it alone. */
		WRITE_ONCE(hcfuzz_msr.busy, hcfuzz_msr.busy + 1);
		goto out;
	}
	WRITE_ONCE(hcfuzz_msr.rounds, hcfuzz_msr.rounds + 1);
	for (i = 0; i < 3; i++)
		if (!hcfuzz_msr_refused(&t->rnd))
			goto out;

	memset(hcfuzz_cp, 0, PAGE_SIZE);
	ret = wrmsrl_safe(MSR_KVM_CLOCK_PAGE, mine);
	if (ret) {
		/* Refused: nothing was registered. */
		hcfuzz_msr_report("valid registration refused", mine, ret);
		goto out;
	}
	/* The host fills the page in before the WRMSR retires. */
	if (READ_ONCE(hcfuzz_cp->size) != sizeof(*hcfuzz_cp))
		hcfuzz_msr_report("page not filled in, size", READ_ONCE(hcfuzz_cp->size), 0);
	else
		WRITE_ONCE(hcfuzz_msr.registered, hcfuzz_msr.registered + 1);
	/* Refused garbage changes nothing; the same value again is taken. */
	if (hcfuzz_msr_refused(&t->rnd) && (prandom_u32_state(&t->rnd) & 1)) {
		ret = wrmsrl_safe(MSR_KVM_CLOCK_PAGE, mine);
		if (ret)
			hcfuzz_msr_report("same registration again refused", mine, ret);
	}
	ret = rdmsrl_safe(MSR_KVM_CLOCK_PAGE, &val);
	if (ret) {
		hcfuzz_msr_report("read refused", 0, ret);
	} else if (!val) {
		hcfuzz_msr_report("registration lost", val, 0);
		goto out;
	} else if (val != mine) {
		/* Replaced by someone else's meanwhile: not ours to drop. */
		WRITE_ONCE(hcfuzz_msr.raced, hcfuzz_msr.raced + 1);
		goto out;
	}
	if (hcfuzz_msr_drop())
		WRITE_ONCE(hcfuzz_msr.unregistered, hcfuzz_msr.unregistered + 1);
out:
	mutex_unlock(&hcfuzz_msr.lock);
}

static int hcfuzz_fn(void *data)
{
	struct hcfuzz_thread *t = data;
	unsigned int slot;
	u64 t0, ns, n = 0;
	bool exact;
	long ret;

	t->self_apic = cpu_physical_id(raw_smp_processor_id());
	while (!kthread_should_stop() && ktime_get_ns() < hcfuzz_deadline_ns) {
		if (calls && atomic64_inc_return(&hcfuzz_issued) > calls)
			break;
		hcfuzz_draw(t);
		slot = hcfuzz_slot(t->nr);
		/* The time of the call alone, not of a preemption around it. */
		preempt_disable();
		t0 = ktime_get_ns();
		/* The monitor reads nr and a[] once it sees start_ns. */
		smp_store_release(&t->start_ns, t0);
		ret = pvops_hypercall(t->nr, t->a[0], t->a[1], t->a[2], t->a[3]);
		ns = ktime_get_ns() - t0;
		WRITE_ONCE(t->start_ns, 0);
		preempt_enable();

		WRITE_ONCE(t->calls[slot], t->calls[slot] + 1);
		if (ret >= 0)
			WRITE_ONCE(t->ok[slot], t->ok[slot] + 1);
		if (hcfuzz_range && t->nr == KVM_HC_FLUSH_TLB &&
		    (t->a[3] & KVM_FLUSH_TLB_RANGE)) {
			WRITE_ONCE(t->range_calls, t->range_calls + 1);
			if (ret > 0)
				WRITE_ONCE(t->range_ok, t->range_ok + 1);
		}
		if (!hcfuzz_allowed(t, ret, &exact)) {
			WRITE_ONCE(t->unexpected, t->unexpected + 1);
			hcfuzz_report(t, ret);
		}
		if (exact)
			WRITE_ONCE(t->exact, t->exact + 1);
		if (ns > (u64)stuck_ms * NSEC_PER_MSEC)
			WRITE_ONCE(t->slow, t->slow + 1);
		if (ns > t->max_ns)
			WRITE_ONCE(t->max_ns, ns);
		if (++n % msr_every == 0)
			hcfuzz_msr_round(t);
		cond_resched_tasks_rcu_qs();
	}
	WRITE_ONCE(t->end_ns, ktime_get_ns());
	/* release: the monitor that sees done sees the counts */
	smp_store_release(&t->done, true);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ);
	return 0;
}

static int hcfuzz_monitor_fn(void *unused)
{
	unsigned int i, s, running;
	u64 start, total = 0;

	do {
		schedule_timeout_interruptible(HZ);
		running = 0;
		for (i = 0; i < hcfuzz_nr; i++) {
			struct hcfuzz_thread *t = &hcfuzz_threads[i];

			/* acquire: pairs with the kthread's releases */
			if (!smp_load_acquire(&t->done))
				running++;
			/* acquire: nr and a[] are those of this call */
			start = smp_load_acquire(&t->start_ns);
			if (!start || ktime_get_ns() - start <= (u64)stuck_ms * NSEC_PER_MSEC)
				continue;
			pr_warn("cpu %u in %s for %llu ms: nr=%#x a0=%#lx a1=%#lx a2=%#lx a3=%#lx\n",
				i, hcfuzz_name(hcfuzz_slot(READ_ONCE(t->nr))),
				(ktime_get_ns() - start) / NSEC_PER_MSEC, READ_ONCE(t->nr),
				READ_ONCE(t->a[0]), READ_ONCE(t->a[1]),
				READ_ONCE(t->a[2]), READ_ONCE(t->a[3]));
		}
	} while (running && !kthread_should_stop());
	if (!running) {
		/* release: a reader that sees done sees the final counts */
		smp_store_release(&hcfuzz_done, true);
		for (i = 0; i < hcfuzz_nr; i++)
			for (s = 0; s <= HCFUZZ_NR_HCS; s++)
				total += hcfuzz_threads[i].calls[s];
		pr_info("done: %llu calls\n", total);
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ);
	return 0;
}

static int state_show(struct seq_file *m, void *unused)
{
	/* acquire: pairs with the monitor's release */
	seq_puts(m, smp_load_acquire(&hcfuzz_done) ? "done\n" : "running\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(state);

static int summary_show(struct seq_file *m, void *unused)
{
	u64 calls_by[HCFUZZ_MAX_SLOTS] = {}, ok[HCFUZZ_MAX_SLOTS] = {};
	u64 total = 0, unexpected = 0, exact = 0, slow = 0, max_ns = 0, end = 0;
	u64 range_calls = 0, range_ok = 0;
	unsigned int i, s, idle = 0;

	for (i = 0; i < hcfuzz_nr; i++) {
		struct hcfuzz_thread *t = &hcfuzz_threads[i];
		u64 n = 0;

		for (s = 0; s <= HCFUZZ_NR_HCS; s++) {
			calls_by[s] += READ_ONCE(t->calls[s]);
			ok[s] += READ_ONCE(t->ok[s]);
			n += READ_ONCE(t->calls[s]);
		}
		total += n;
		idle += !n;
		unexpected += READ_ONCE(t->unexpected);
		exact += READ_ONCE(t->exact);
		range_calls += READ_ONCE(t->range_calls);
		range_ok += READ_ONCE(t->range_ok);
		slow += READ_ONCE(t->slow);
		max_ns = max(max_ns, READ_ONCE(t->max_ns));
		end = max(end, READ_ONCE(t->end_ns) ?: ktime_get_ns());
	}
	seq_printf(m, "calls %llu\n", total);
	seq_printf(m, "target_calls %lu\n", calls);
	seq_printf(m, "seconds %u\n", seconds);
	seq_printf(m, "elapsed_ms %llu\n", (end - hcfuzz_start_ns) / NSEC_PER_MSEC);
	seq_printf(m, "unexpected %llu\n", unexpected + READ_ONCE(hcfuzz_msr.unexpected));
	seq_printf(m, "exact %llu\n", exact);
	seq_printf(m, "max_call_us %llu\n", max_ns / NSEC_PER_USEC);
	seq_printf(m, "slow_calls %llu\n", slow);
	seq_printf(m, "idle_cpus %u\n", idle);
	seq_printf(m, "msr %s\n", hcfuzz_msr_states[READ_ONCE(hcfuzz_msr.state)]);
	seq_printf(m, "msr_rounds %llu\n", READ_ONCE(hcfuzz_msr.rounds));
	seq_printf(m, "msr_refused %llu\n", READ_ONCE(hcfuzz_msr.refused));
	seq_printf(m, "msr_registered %llu\n", READ_ONCE(hcfuzz_msr.registered));
	seq_printf(m, "msr_unregistered %llu\n", READ_ONCE(hcfuzz_msr.unregistered));
	seq_printf(m, "msr_busy %llu\n", READ_ONCE(hcfuzz_msr.busy));
	seq_printf(m, "msr_raced %llu\n", READ_ONCE(hcfuzz_msr.raced));
	seq_printf(m, "range %s\n", hcfuzz_range ? "on" : "off");
	seq_printf(m, "range_calls %llu\n", range_calls);
	seq_printf(m, "range_ok %llu\n", range_ok);
	for (s = 0; s <= HCFUZZ_NR_HCS; s++)
		seq_printf(m, "%s calls %llu ok %llu\n", hcfuzz_name(s), calls_by[s], ok[s]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(summary);

/* Free the pages, but the clock page while the host may still write it. */
static void hcfuzz_free(void)
{
	u64 val = 0;

	if (hcfuzz_cp && hcfuzz_msr.state == HCFUZZ_MSR_ON &&
	    !rdmsrl_safe(MSR_KVM_CLOCK_PAGE, &val) &&
	    val == (hcfuzz_cp_pa | KVM_MSR_ENABLED))
		hcfuzz_msr_drop();
	if (hcfuzz_msr.state == HCFUZZ_MSR_LEAKED)
		pr_err("clock page at %pa leaked: the host may still write it\n", &hcfuzz_cp_pa);
	else
		free_page((unsigned long)hcfuzz_cp);
	free_pages((unsigned long)hcfuzz_data, HCFUZZ_DATA_ORDER);
	kfree(hcfuzz_apic);
	kfree(hcfuzz_threads);
}

static void hcfuzz_stop(void)
{
	unsigned int i;

	if (hcfuzz_monitor)
		kthread_stop(hcfuzz_monitor);
	for (i = 0; i < hcfuzz_nr; i++)
		kthread_stop(hcfuzz_threads[i].task);
	hcfuzz_free();
}

/* Nothing of this guest there: no RAM, no device, no bus window. */
static bool hcfuzz_unclaimed(u64 gpa)
{
	return gpa < hcfuzz_beyond_pa &&
	       region_intersects(gpa, PAGE_SIZE, IORESOURCE_MEM, IORES_DESC_NONE) ==
	       REGION_DISJOINT;
}

/* The data pages, the vCPUs' APIC IDs, the addresses with no memory. */
static void hcfuzz_setup(void)
{
	const u64 candidates[] = {
		hcfuzz_beyond_pa - PAGE_SIZE, hcfuzz_beyond_pa / 2,
		/* A GiB above the end of RAM. */
		ALIGN((u64)virt_to_phys(high_memory - 1), SZ_1G) + SZ_1G,
	};
	unsigned int cpu, i;

	for_each_present_cpu(cpu) {
		u32 id = cpu_physical_id(cpu);

		if (id == BAD_APICID)
			continue;
		hcfuzz_apic[hcfuzz_nr_apic++] = id;
		hcfuzz_max_apic = max(hcfuzz_max_apic, id);
		if (id < KVM_FLUSH_TLB_MAX_BITS)
			__set_bit(id, (unsigned long *)(hcfuzz_data + HCFUZZ_VCPUS_OFF));
	}
	memset(hcfuzz_data + HCFUZZ_FULL_OFF, 0xff, HCFUZZ_BITMAP_BYTES);
	get_random_bytes(hcfuzz_data + HCFUZZ_RANDOM_OFF, HCFUZZ_DATA_SIZE - HCFUZZ_RANDOM_OFF);
	for (i = 0; i < ARRAY_SIZE(candidates); i++)
		if (hcfuzz_unclaimed(candidates[i]))
			hcfuzz_unbacked[hcfuzz_nr_unbacked++] = candidates[i];
}

static int __init hcfuzz_init(void)
{
	struct task_struct *t;
	unsigned int cpu;
	u32 seed;

	if (!seconds || seconds > 3600 || !stuck_ms || !msr_every)
		return -EINVAL;
	/* All of them, or the oracle's "not serviced" would be wrong. */
	if ((pvops_host_features() & HCFUZZ_KVM_CAPS) != HCFUZZ_KVM_CAPS) {
		pr_err("the host's KVM ABI lacks the flush or the lock wait (CPUID 0x40000001)\n");
		return -ENODEV;
	}
	hcfuzz_data = (u8 *)__get_free_pages(GFP_KERNEL | __GFP_ZERO, HCFUZZ_DATA_ORDER);
	hcfuzz_cp = (void *)get_zeroed_page(GFP_KERNEL);
	hcfuzz_apic = kcalloc(num_present_cpus(), sizeof(*hcfuzz_apic), GFP_KERNEL);
	hcfuzz_threads = kcalloc(num_online_cpus(), sizeof(*hcfuzz_threads), GFP_KERNEL);
	if (!hcfuzz_data || !hcfuzz_cp || !hcfuzz_apic || !hcfuzz_threads) {
		hcfuzz_free();
		return -ENOMEM;
	}
	hcfuzz_data_pa = virt_to_phys(hcfuzz_data);
	hcfuzz_cp_pa = virt_to_phys(hcfuzz_cp);
	hcfuzz_beyond_pa = BIT_ULL(boot_cpu_data.x86_phys_bits);
	hcfuzz_range = pvops_kvm_features() & BIT(KVM_FEATURE_PV_FLUSH_TLB_RANGE);
	hcfuzz_setup();
	if (!hcfuzz_nr_apic) {
		hcfuzz_free();
		return -ENODEV;
	}
	if (!msr)
		hcfuzz_msr.state = HCFUZZ_MSR_OFF;
	else if (!(pvops_host_features() & PVOPS_CAP_CLOCK))
		hcfuzz_msr.state = HCFUZZ_MSR_NOCAP;
	else
		hcfuzz_msr.state = HCFUZZ_MSR_ON;
	seed = get_random_u32();
	hcfuzz_start_ns = ktime_get_ns();
	hcfuzz_deadline_ns = hcfuzz_start_ns + (u64)seconds * NSEC_PER_SEC;

	for_each_online_cpu(cpu) {
		struct hcfuzz_thread *h = &hcfuzz_threads[hcfuzz_nr];

		if (hcfuzz_nr == num_online_cpus())
			break;
		prandom_seed_state(&h->rnd, (u64)seed << 32 | cpu);
		t = kthread_create(hcfuzz_fn, h, "pvops_hcfuzz/%u", cpu);
		if (IS_ERR(t))
			goto fail;
		kthread_bind(t, cpu);
		h->task = t;
		hcfuzz_nr++;
		wake_up_process(t);
	}
	t = kthread_run(hcfuzz_monitor_fn, NULL, "pvops_hcfuzz_mon");
	if (IS_ERR(t))
		goto fail;
	hcfuzz_monitor = t;

	hcfuzz_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("state", 0444, hcfuzz_debugfs, NULL, &state_fops);
	debugfs_create_file("summary", 0444, hcfuzz_debugfs, NULL, &summary_fops);
	pr_info("%u kthreads for %lu calls or %u s, seed %#x; APIC IDs up to %u, MAXPHYADDR %u, %u unbacked addresses, MSR rounds %s\n",
		hcfuzz_nr, calls, seconds, seed, hcfuzz_max_apic,
		boot_cpu_data.x86_phys_bits, hcfuzz_nr_unbacked,
		hcfuzz_msr_states[hcfuzz_msr.state]);
	return 0;

fail:
	hcfuzz_stop();
	return PTR_ERR(t);
}

static void __exit hcfuzz_exit(void)
{
	debugfs_remove(hcfuzz_debugfs);
	hcfuzz_stop();
}

module_init(hcfuzz_init);
module_exit(hcfuzz_exit);
MODULE_DESCRIPTION("pvops: garbage hypercalls and clock page registrations, for the tests");
MODULE_LICENSE("GPL");
