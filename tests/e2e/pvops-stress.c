// SPDX-License-Identifier: GPL-2.0
/*
 * pvops-stress: a TLB- and lock-heavy load on every CPU, for the e2e tests.
 *
 * One thread per online CPU, pinned, all in one process. Each loops:
 *   - mmap 16 pages, touch them, mprotect them read-only, munmap them: the
 *     other threads of this mm run on the other CPUs, so every munmap and
 *     mprotect sends them a remote TLB flush (flush_tlb_multi);
 *   - FUTEX_WAIT on a shared word with a value it does not hold: each call
 *     takes the futex hash bucket spinlock, which all threads share, so
 *     under vCPU overcommit its holder gets preempted and waiters reach the
 *     paravirt qspinlock's wait and kick.
 *
 * usage: pvops-stress SECONDS   (0: until SIGTERM or SIGINT); then prints
 * one line, no KTAP: "pvops-stress: N threads, N loops" (tests/e2e/
 * engine-stress looks for a loop count above 0). exit 0; 1 (KSFT_FAIL) on
 * a setup error, with kselftest.h's "Bail out! ..." line instead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"

#define PAGES	16

static atomic_int stop;
static atomic_ulong loops;
static int futex_word;

static void *worker(void *arg)
{
	long cpu = (long)arg, page = sysconf(_SC_PAGESIZE);
	int i;

	/* Best effort: an unpinned worker still loads a CPU. */
	pin(cpu);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		char *p = mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
		for (i = 0; i < PAGES; i++)
			p[i * page] = (char)i;
		if (mprotect(p, PAGES * page, PROT_READ) || munmap(p, PAGES * page))
			ksft_exit_fail_msg("mprotect/munmap: %s\n", strerror(errno));
		for (i = 0; i < 8; i++)
			syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0);
		atomic_fetch_add_explicit(&loops, 1, memory_order_relaxed);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN), i;
	int secs = argc > 1 ? atoi(argv[1]) : 0;
	pthread_t *t = calloc(n, sizeof(*t));
	struct timespec ts = { .tv_sec = secs };
	sigset_t sigs;
	int err;

	if (n < 1)
		ksft_exit_fail_msg("_SC_NPROCESSORS_ONLN: %ld\n", n);
	if (!t)
		ksft_exit_fail_msg("calloc: %s\n", strerror(errno));
	/* The workers inherit the mask: only sigtimedwait() sees these. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	for (i = 0; i < n; i++) {
		err = pthread_create(&t[i], NULL, worker, (void *)i);
		if (err)
			ksft_exit_fail_msg("pthread_create: %s\n", strerror(err));
	}
	while (sigtimedwait(&sigs, NULL, secs > 0 ? &ts : NULL) < 0 &&
	       errno == EINTR)
		;
	atomic_store(&stop, 1);
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("pvops-stress: %d threads, %lu loops\n", (int)n, atomic_load(&loops));
	return 0;
}
