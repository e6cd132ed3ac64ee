// SPDX-License-Identifier: GPL-2.0
/*
 * tlb-bench: how many TLB-flushing syscalls per second one thread gets
 * through while other threads of its mm keep other CPUs busy, i.e. the
 * cost of the remote TLB shootdown (flush_tlb_multi), for comparing its
 * implementations.
 *
 * A worker on the first CPU loops over one op:
 *   munmap:   mmap PAGES anonymous pages, write a byte to each, munmap them;
 *   mprotect: on a long-lived mapping of PAGES touched pages, mprotect them
 *             read-only (present pages: a flush), back to read-write, and
 *             write a byte to each again.
 * BUSY threads, pinned round-robin to the other CPUs, spin in user space
 * (no syscalls), so their CPUs stay in the mm's cpumask and every op needs
 * a remote flush there. -b 0 is the reference without remote flushes.
 *
 * usage: tlb-bench [-s SECONDS] [-b BUSY] [-o munmap|mprotect] [-p PAGES]
 * (defaults: 2 s, one busy thread on each other CPU, munmap, 1 page).
 * Prints one line (tests/bench/tlb-guest splits it into words), no KTAP:
 *   tlb-bench: op munmap busy 3 seconds 2.00 ops 1234 ops_per_sec 617.0
 * exit 0; 1 (KSFT_FAIL) on a usage error or a setup error (kselftest.h's
 * "Bail out!" line instead); 4 (KSFT_SKIP, "1..0 # SKIP") when there is no
 * CPU for the busy threads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"

static int stop;
static int running;
static long page_size;

static void *spinner(void *arg)
{
	unsigned long count = 0;
	int err = pin((long)arg);

	if (err)
		ksft_exit_fail_msg("pinning a busy thread to cpu %ld: %s\n", (long)arg,
				   strerror(err));
	__atomic_add_fetch(&running, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED))
		count++;
	return (void *)count;
}

static void touch(char *p, long pages)
{
	long i;

	for (i = 0; i < pages; i++)
		__atomic_store_n(&p[i * page_size], (char)i, __ATOMIC_RELAXED);
}

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: tlb-bench [-s SECONDS] [-b BUSY] [-o munmap|mprotect] [-p PAGES]\n");
	exit(KSFT_FAIL);
}

int main(int argc, char **argv)
{
	long busy = -1, pages = 1, i, len, ncpu, *cpu;
	unsigned long ops = 0;
	double secs = 2, start, end, t;
	int opt, use_mprotect = 0, err;
	pthread_t *threads;
	cpu_set_t cpus;
	char *e, *p = NULL;

	while ((opt = getopt(argc, argv, "s:b:o:p:")) != -1) {
		switch (opt) {
		case 's':
			secs = strtod(optarg, &e);
			if (*e || secs <= 0)
				bad_usage();
			break;
		case 'b':
			busy = strtol(optarg, &e, 0);
			if (*e || !*optarg || busy < 0)
				bad_usage();
			break;
		case 'o':
			if (!strcmp(optarg, "mprotect"))
				use_mprotect = 1;
			else if (strcmp(optarg, "munmap"))
				bad_usage();
			break;
		case 'p':
			pages = strtol(optarg, &e, 0);
			if (*e || pages < 1)
				bad_usage();
			break;
		default:
			bad_usage();
		}
	}
	if (optind != argc)
		bad_usage();

	/* The online CPUs (unless we were started with a narrower mask). */
	if (sched_getaffinity(0, sizeof(cpus), &cpus))
		ksft_exit_fail_msg("sched_getaffinity: %s\n", strerror(errno));
	cpu = calloc(CPU_SETSIZE, sizeof(*cpu));
	if (!cpu)
		ksft_exit_fail_msg("calloc: %s\n", strerror(errno));
	for (i = 0, ncpu = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &cpus))
			cpu[ncpu++] = i;
	if (busy < 0)
		busy = ncpu - 1;
	if (busy > 0 && ncpu < 2)
		ksft_exit_skip("no CPU for the busy threads\n");
	threads = calloc(busy + 1, sizeof(*threads));
	if (!threads)
		ksft_exit_fail_msg("calloc: %s\n", strerror(errno));

	page_size = sysconf(_SC_PAGESIZE);
	len = pages * page_size;
	if (use_mprotect) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
		touch(p, pages);
	}
	err = pin(cpu[0]);
	if (err)
		ksft_exit_fail_msg("pinning the worker to cpu %ld: %s\n", cpu[0], strerror(err));
	for (i = 0; i < busy; i++) {
		err = pthread_create(&threads[i], NULL, spinner,
				     (void *)cpu[1 + i % (ncpu - 1)]);
		if (err)
			ksft_exit_fail_msg("pthread_create: %s\n", strerror(err));
	}
	while (__atomic_load_n(&running, __ATOMIC_ACQUIRE) < busy)
		sched_yield();

	start = now();
	end = start + secs;
	do {
		for (i = 0; i < 64; i++) {
			if (use_mprotect) {
				if (mprotect(p, len, PROT_READ) ||
				    mprotect(p, len, PROT_READ | PROT_WRITE))
					ksft_exit_fail_msg("mprotect: %s\n", strerror(errno));
			} else {
				p = mmap(NULL, len, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
				if (p == MAP_FAILED)
					ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
			}
			touch(p, pages);
			if (!use_mprotect && munmap(p, len))
				ksft_exit_fail_msg("munmap: %s\n", strerror(errno));
		}
		ops += 64;
		t = now();
	} while (t < end);

	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < busy; i++)
		pthread_join(threads[i], NULL);
	printf("tlb-bench: op %s busy %ld seconds %.2f ops %lu ops_per_sec %.1f\n",
	       use_mprotect ? "mprotect" : "munmap", busy, t - start, ops,
	       ops / (t - start));
	return 0;
}
