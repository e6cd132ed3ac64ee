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
 * the loop count.
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
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGES	16

static atomic_int stop;
static atomic_ulong loops;
static int futex_word;

static void *worker(void *arg)
{
	long cpu = (long)arg, page = sysconf(_SC_PAGESIZE);
	cpu_set_t set;
	int i;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		char *p = mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror("pvops-stress: mmap");
			exit(1);
		}
		for (i = 0; i < PAGES; i++)
			p[i * page] = (char)i;
		if (mprotect(p, PAGES * page, PROT_READ) || munmap(p, PAGES * page)) {
			perror("pvops-stress: mprotect/munmap");
			exit(1);
		}
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

	if (!t || n < 1)
		return 1;
	/* The workers inherit the mask: only sigtimedwait() sees these. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	for (i = 0; i < n; i++) {
		if (pthread_create(&t[i], NULL, worker, (void *)i)) {
			perror("pvops-stress: pthread_create");
			return 1;
		}
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
