// SPDX-License-Identifier: GPL-2.0
/*
 * exit-storm: VM exits of one kind, as fast as L2 can make them, for the
 * testbed's control experiments (tests/vm/NOTES.md, "An exit storm"). Uses
 * nothing of ours: it runs on Debian's stock KVM with no module loaded.
 *
 * usage: exit-storm THREADS SECONDS cpuid|io|ipi
 *   cpuid  CPUID, which KVM handles in L1's kernel
 *   io     a read of port 0x71 (the CMOS data port; the microvm has no
 *          RTC), which KVM hands to L2's QEMU in L1's user space, as it
 *          does every byte of the serial console and every access of the
 *          rtc-cmos probe
 *   ipi    membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), which IPIs every
 *          CPU that runs another thread of the process: a WRMSR to the
 *          x2APIC's ICR per target, emulated by L1's KVM, which kicks the
 *          target vCPU (an IPI between L1's CPUs when it runs on the
 *          other), as a remote TLB flush by IPI does
 *
 * Thread i runs on CPU i modulo the CPUs. Prints one line with the exits
 * (or membarrier calls) made and their rate; exit status 0 when the time
 * ran out.
 */
#define _GNU_SOURCE
#include <linux/membarrier.h>
#include <sys/io.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "e2e.h"

#define CMOS_DATA	0x71

struct stormer {
	int cpu;
	unsigned long count;
};

enum storm_kind { STORM_CPUID, STORM_IO, STORM_IPI };
static const char * const kind_name[] = {
	[STORM_CPUID] = "cpuid exits",
	[STORM_IO] = "port 0x71 read exits",
	[STORM_IPI] = "membarrier calls",
};

static double end;
static enum storm_kind kind;

static void *storm(void *arg)
{
	struct stormer *s = arg;
	unsigned long n = 0;
	int i;

	/* Unpinned, the thread only runs where the scheduler puts it. */
	(void)pin(s->cpu);
	while (now() < end) {
		for (i = 0; i < 1000; i++) {
			unsigned int a = 0, b, c = 0, d;

			switch (kind) {
			case STORM_IO:
				(void)inb(CMOS_DATA);
				break;
			case STORM_IPI:
				if (syscall(__NR_membarrier,
					    MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0))
					ksft_exit_fail_msg("membarrier: %s\n", strerror(errno));
				break;
			default:
				asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
			}
		}
		n += 1000;
	}
	s->count = n;
	return NULL;
}

int main(int argc, char **argv)
{
	struct stormer stormers[64];
	unsigned long sum = 0;
	pthread_t threads[64];
	int nthreads, secs, ncpus, i, err;

	if (argc != 4)
		ksft_exit_fail_msg("usage: exit-storm THREADS SECONDS cpuid|io|ipi\n");
	nthreads = atoi(argv[1]);
	secs = atoi(argv[2]);
	if (nthreads < 1 || nthreads > 64 || secs < 1)
		ksft_exit_fail_msg("THREADS is 1 to 64, SECONDS at least 1\n");
	if (!strcmp(argv[3], "io"))
		kind = STORM_IO;
	else if (!strcmp(argv[3], "ipi"))
		kind = STORM_IPI;
	else if (strcmp(argv[3], "cpuid"))
		ksft_exit_fail_msg("the kind of exit is cpuid, io or ipi, not '%s'\n", argv[3]);
	/* Port access from user space: the exits come from CPL3. */
	if (kind == STORM_IO && iopl(3))
		ksft_exit_fail_msg("iopl(3): %s\n", strerror(errno));
	if (kind == STORM_IPI &&
	    syscall(__NR_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0))
		ksft_exit_fail_msg("membarrier register: %s\n", strerror(errno));

	ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	end = now() + secs;
	for (i = 0; i < nthreads; i++) {
		stormers[i].cpu = i % ncpus;
		err = pthread_create(&threads[i], NULL, storm, &stormers[i]);
		if (err)
			ksft_exit_fail_msg("pthread_create: %s\n", strerror(err));
	}
	for (i = 0; i < nthreads; i++) {
		pthread_join(threads[i], NULL);
		sum += stormers[i].count;
	}
	ksft_print_msg("exit-storm: %d threads, %d s: %lu %s (%lu/s)\n",
		       nthreads, secs, sum, kind_name[kind],
		       sum / secs);
	ksft_exit_pass();
}
