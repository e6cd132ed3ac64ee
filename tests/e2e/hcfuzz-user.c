// SPDX-License-Identifier: GPL-2.0
/*
 * hcfuzz-user: the hypercalls of pvops_hcfuzz (pvops/pvops_hcfuzz.c) from
 * CPL 3, with garbage in RAX (the number: KVM_HC_FLUSH_TLB, KVM_HC_LOCK_WAIT,
 * KVM_HC_KICK_CPU, KVM's unused 12..31, the retired pvops block with 16 on
 * either side), RBX, RCX, RDX and RSI, one thread pinned to each online CPU
 * for SECONDS seconds. KVM refuses every hypercall from CPL > 0 before it
 * looks at the number (kvm_emulate_hypercall() in Linux 6.1,
 * __kvm_emulate_hypercall() in 6.12: -KVM_EPERM in RAX, the instruction
 * skipped), so:
 *
 *   the CPU's own instruction (VMMCALL on AMD, VMCALL on Intel): RAX is
 *   -KVM_EPERM (-1), RBX, RCX, RDX and RSI are unchanged;
 *
 *   the other one (VMCALL on AMD): the CPU raises #UD, KVM intercepts it to
 *   patch the instruction into its own (em_hypercall()), but VMCALL is a
 *   privileged instruction to KVM's emulator (Priv in emulate.c's opcode
 *   table, both versions): at CPL 3 it injects #GP(0) instead, patching
 *   nothing, which the guest kernel turns into SIGSEGV with si_code
 *   SI_KERNEL; the registers are unchanged. On Intel the other one, VMMCALL,
 *   is not privileged to the emulator: KVM would patch it into VMCALL with a
 *   user-mode write, which our read-only text page refuses (#PF: SIGSEGV),
 *   or with the quirk off inject #UD (SIGILL); either signal, or -KVM_EPERM,
 *   is accepted there, and every other outcome is not.
 *
 * A SIGSEGV or SIGILL at one of these instructions is caught, recorded and
 * the instruction skipped; one anywhere else ends the program. Prints the
 * counts, the first unexpected outcomes, and exits non-zero (KSFT_FAIL) on
 * any unexpected outcome or a thread without calls.
 *
 * usage: hcfuzz-user SECONDS
 */
#define _GNU_SOURCE
#include <signal.h>
#include <ucontext.h>
#include <unistd.h>

#include "e2e.h"

#define KVM_EPERM		1
#define KVM_HC_KICK_CPU		5
#define KVM_HC_FLUSH_TLB	13
#define KVM_HC_LOCK_WAIT	14
#define OLD_FIRST		(0x50560000 - 16)
#define OLD_COUNT		(0x100 + 32)
#define MAX_THREADS		256
#define MAX_REPORTS		10

/* What went wrong, each CPU's counts, the sums. */
#define REPORT_FMT \
	"cpu %d: %s nr=%#lx a0=%#lx a1=%#lx a2=%#lx a3=%#lx: signal %d code %d, rax=%#lx rbx=%#lx rcx=%#lx rdx=%#lx rsi=%#lx\n"
#define CPU_FMT \
	"cpu %d: %s %lu (-KVM_EPERM %lu), %s %lu (#GP: SIGSEGV %lu, other accepted %lu), unexpected %lu\n"
#define TOTAL_FMT \
	"hcfuzz-user: %s CPU, %d threads, %d s: %lu calls from CPL 3: %lu %s (-KVM_EPERM %lu), %lu %s (SIGSEGV from #GP %lu, other accepted %lu), %lu unexpected\n"

struct regs {
	unsigned long ax, bx, cx, dx, si;
};

struct fuzzer {
	int cpu;
	unsigned long long seed;
	unsigned long native, native_eperm;
	unsigned long foreign, foreign_sigsegv, foreign_other;
	unsigned long unexpected;
};

static double end;
static int amd;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static int reports;

/*
 * The signal the last instruction raised (0: none), and its si_code. The
 * handler writes them between the instruction and the next line: the
 * instruction's asm clobbers "memory", so they are read after it.
 */
static __thread sig_atomic_t got_sig, got_code;

static unsigned long long rnd(unsigned long long *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* At a VMCALL (0f 01 c1) or VMMCALL (0f 01 d9): record it and skip it. */
static void on_fault(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	const unsigned char *ip = (const unsigned char *)uc->uc_mcontext.gregs[REG_RIP];

	if (ip[0] != 0x0f || ip[1] != 0x01 || (ip[2] != 0xc1 && ip[2] != 0xd9)) {
		signal(sig, SIG_DFL);
		return;		/* not ours: faults again, and ends us */
	}
	got_sig = sig;
	got_code = si->si_code;
	uc->uc_mcontext.gregs[REG_RIP] += 3;
}

static void vmmcall(struct regs *r)
{
	asm volatile("vmmcall"
		     : "+a"(r->ax), "+b"(r->bx), "+c"(r->cx), "+d"(r->dx), "+S"(r->si)
		     : : "memory");
}

static void vmcall(struct regs *r)
{
	asm volatile("vmcall"
		     : "+a"(r->ax), "+b"(r->bx), "+c"(r->cx), "+d"(r->dx), "+S"(r->si)
		     : : "memory");
}

static unsigned long draw_nr(unsigned long long *s)
{
	unsigned long long r = rnd(s);

	switch (r % 8) {
	case 0:
	case 1:
		return KVM_HC_FLUSH_TLB;
	case 2:
	case 3:
		return KVM_HC_LOCK_WAIT;
	case 4:
		return KVM_HC_KICK_CPU;
	case 5:
		return 12 + (r >> 8) % 20;
	case 6:
		return OLD_FIRST + (r >> 8) % OLD_COUNT;
	default:
		/* Garbage in the upper half too: KVM looks at all 64 bits. */
		return (r & ~0xffffffffULL) | KVM_HC_FLUSH_TLB;
	}
}

/* Garbage: 0, small, APIC IDs around 4096, 32-bit, 64-bit, all-ones, GPAs. */
static unsigned long draw_arg(unsigned long long *s)
{
	unsigned long long r = rnd(s), r2 = rnd(s);

	switch (r % 9) {
	case 0:
		return 0;
	case 1:
		return r2 % 16;
	case 2:
		return r2 % 4100;
	case 3:
		return (unsigned int)r2;
	case 4:
		return r2;
	case 5:
		return ~0UL;
	case 6:
		return (1ULL << 52) + (r2 & 0xff8);
	case 7:
		return 1000000000UL + r2 % 3 - 1;	/* the lock wait's longest timeout */
	default:
		return ~0UL << (r2 % 64);
	}
}

static void report(const struct fuzzer *f, const char *insn, const struct regs *in,
		   const struct regs *out)
{
	pthread_mutex_lock(&report_lock);
	if (reports++ < MAX_REPORTS)
		ksft_print_msg(REPORT_FMT, f->cpu, insn, in->ax, in->bx, in->cx,
			       in->dx, in->si, (int)got_sig, (int)got_code, out->ax,
			       out->bx, out->cx, out->dx, out->si);
	pthread_mutex_unlock(&report_lock);
}

static int same_args(const struct regs *a, const struct regs *b)
{
	return a->bx == b->bx && a->cx == b->cx && a->dx == b->dx && a->si == b->si;
}

static void *fuzz(void *arg)
{
	struct fuzzer *f = arg;
	struct regs in, out;
	int i, foreign, use_vmcall, ok;

	if (pin(f->cpu))
		ksft_exit_fail_msg("cannot pin a thread to CPU %d\n", f->cpu);
	while (now() < end) {
		for (i = 0; i < 100; i++) {
			in.ax = draw_nr(&f->seed);
			in.bx = draw_arg(&f->seed);
			in.cx = draw_arg(&f->seed);
			in.dx = draw_arg(&f->seed);
			in.si = draw_arg(&f->seed);
			out = in;
			/* One in 8 the other instruction: each is a signal. */
			foreign = rnd(&f->seed) % 8 == 0;
			use_vmcall = foreign == amd;
			got_sig = 0;
			if (use_vmcall)
				vmcall(&out);
			else
				vmmcall(&out);
			if (!foreign) {
				f->native++;
				ok = !got_sig && out.ax == (unsigned long)-KVM_EPERM &&
				     same_args(&in, &out);
				f->native_eperm += ok;
			} else {
				f->foreign++;
				if (got_sig == SIGSEGV && got_code == SI_KERNEL &&
				    out.ax == in.ax && same_args(&in, &out)) {
					f->foreign_sigsegv++;
					ok = 1;
				} else {
					/* Intel: #PF on the patch, #UD, or -KVM_EPERM. */
					ok = !amd && same_args(&in, &out) &&
					     (got_sig == SIGSEGV || got_sig == SIGILL ||
					      (!got_sig && out.ax == (unsigned long)-KVM_EPERM));
					f->foreign_other += ok;
				}
			}
			if (!ok) {
				f->unexpected++;
				report(f, use_vmcall ? "vmcall" : "vmmcall", &in, &out);
			}
		}
	}
	return NULL;
}

/* CPUID vendor: AMD (and Hygon) have VMMCALL, Intel VMCALL. */
static int cpu_is_amd(void)
{
	unsigned int a = 0, b, c, d;

	asm volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	return (b == 0x68747541 && c == 0x444d4163 && d == 0x69746e65) ||	/* AuthenticAMD */
	       (b == 0x6f677948 && c == 0x656e6975 && d == 0x6e65476e);	/* HygonGenuine */
}

int main(int argc, char **argv)
{
	unsigned long native = 0, eperm = 0, foreign = 0, segv = 0, other = 0, bad = 0;
	static struct fuzzer fuzzers[MAX_THREADS];
	pthread_t threads[MAX_THREADS];
	struct sigaction sa;
	int secs, ncpus, i, err, idle = 0;

	secs = argc == 2 ? atoi(argv[1]) : 0;
	if (secs < 1)
		ksft_exit_fail_msg("usage: hcfuzz-user SECONDS\n");
	amd = cpu_is_amd();
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSEGV, &sa, NULL) || sigaction(SIGILL, &sa, NULL))
		ksft_exit_fail_msg("sigaction: %s\n", strerror(errno));

	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpus < 1 || ncpus > MAX_THREADS)
		ksft_exit_fail_msg("%d CPUs online: 1 to %d here\n", ncpus, MAX_THREADS);
	end = now() + secs;
	for (i = 0; i < ncpus; i++) {
		fuzzers[i].cpu = i;
		fuzzers[i].seed = (unsigned long long)time(NULL) * 2654435761ULL + i + 1;
		err = pthread_create(&threads[i], NULL, fuzz, &fuzzers[i]);
		if (err)
			ksft_exit_fail_msg("pthread_create: %s\n", strerror(err));
	}
	for (i = 0; i < ncpus; i++) {
		struct fuzzer *f = &fuzzers[i];

		pthread_join(threads[i], NULL);
		ksft_print_msg(CPU_FMT, f->cpu, amd ? "vmmcall" : "vmcall", f->native,
			       f->native_eperm, amd ? "vmcall" : "vmmcall", f->foreign,
			       f->foreign_sigsegv, f->foreign_other, f->unexpected);
		idle += !f->native || !f->foreign;
		native += f->native;
		eperm += f->native_eperm;
		foreign += f->foreign;
		segv += f->foreign_sigsegv;
		other += f->foreign_other;
		bad += f->unexpected;
	}
	ksft_print_msg(TOTAL_FMT, amd ? "AMD" : "Intel", ncpus, secs, native + foreign, native,
		       amd ? "vmmcall" : "vmcall", eperm, foreign,
		       amd ? "vmcall" : "vmmcall", segv, other, bad);
	if (bad)
		ksft_exit_fail_msg("%lu outcomes that are not KVM's for CPL 3\n", bad);
	if (idle)
		ksft_exit_fail_msg("%d threads without a call of either instruction\n", idle);
	ksft_exit_pass();
}
