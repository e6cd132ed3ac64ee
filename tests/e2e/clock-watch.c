// SPDX-License-Identifier: GPL-2.0
/*
 * clock-watch: reads the clocks CLOCK_MONOTONIC, CLOCK_REALTIME,
 * CLOCK_BOOTTIME and CLOCK_MONOTONIC_RAW in a loop on every CPU until it is
 * told to stop, and counts each time one went backwards: on one CPU (a read
 * below the same thread's previous read of that clock) or across CPUs (a
 * read below a value another thread had read and published before this
 * read began). Meant to run across a live migration or a stop/cont of the
 * VM (tests/e2e/migrate-checks), or while a clock source is switched.
 *
 * One thread per CPU the process may run on, pinned there. Each publishes
 * the latest value it read of each clock with a compare-and-swap that only
 * moves it forward; a thread loads the published value (acquire) before it
 * reads the clock, so a correct clock never reads below it. The clock read
 * itself is ordered after that load: the vDSO reads the TSC with
 * rdtsc_ordered(), and a system call is a full barrier.
 *
 * Also reported, per clock: the longest step between two reads of one
 * thread (how long the VM or that vCPU was frozen, as the clock saw it).
 *
 * usage: clock-watch [-s MAX_SECONDS]   watch until SIGINT or SIGTERM, or
 *                                       MAX_SECONDS (default 600)
 *        clock-watch -p                 print each clock once, in ns
 * Watching prints KTAP (kselftest.h) with a plan of 8 results, two per
 * clock: "ok N NAME: never went backwards on one CPU" and "ok N NAME: never
 * went backwards across CPUs" (skipped on a single CPU). Among them, lines
 * that tests/e2e/migrate-checks reads as they are (KTAP's unknown lines):
 * "clock-watch: ready, N CPUs" once every thread has read the clocks, and
 * at the end "clock-watch: N CPUs, ..." and one line per clock, "NAME: N
 * backwards ...". exit 0 (KSFT_PASS): no clock went backwards; 1
 * (KSFT_FAIL): one did, or a setup error ("Bail out!"), or a usage error.
 * Only the KTAP tells a failed check from an error. -p prints one line,
 * "monotonic=NS realtime=NS boottime=NS monotonic_raw=NS", exit 0, and no
 * KTAP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"

#define NCLOCKS		4
#define MAX_THREADS	CPU_SETSIZE

static const clockid_t clock_ids[NCLOCKS] = {
	CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME, CLOCK_MONOTONIC_RAW,
};

static const char * const clock_names[NCLOCKS] = {
	"monotonic", "realtime", "boottime", "monotonic_raw",
};

struct clock_stats {
	unsigned long last;		/* previous read */
	unsigned long back_local;	/* below the previous read */
	unsigned long back_cross;	/* below a value published before */
	unsigned long worst_ns;		/* the largest step backwards */
	unsigned long step_ns;		/* the longest step forwards */
};

struct watcher {
	pthread_t thread;
	int cpu;
	int err;
	unsigned long reads;
	struct clock_stats clk[NCLOCKS];
	char pad[64];		/* no false sharing between watchers */
};

static unsigned long latest[NCLOCKS];	/* the published values */
static int stop_signal;			/* set by the signal handler */
static int stop;
static int ready;

static unsigned long read_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts))
		ksft_exit_fail_msg("clock_gettime(%d): %s\n", (int)id, strerror(errno));
	return ts.tv_sec * 1000000000UL + ts.tv_nsec;
}

static void check(struct clock_stats *cs, unsigned long *pub, clockid_t id)
{
	unsigned long seen = __atomic_load_n(pub, __ATOMIC_ACQUIRE);
	unsigned long t = read_ns(id);

	if (cs->last && t < cs->last) {
		cs->back_local++;
		if (cs->last - t > cs->worst_ns)
			cs->worst_ns = cs->last - t;
	} else if (cs->last && t - cs->last > cs->step_ns) {
		cs->step_ns = t - cs->last;
	}
	if (t < seen) {
		cs->back_cross++;
		if (seen - t > cs->worst_ns)
			cs->worst_ns = seen - t;
	}
	cs->last = t;
	while (t > seen &&
	       !__atomic_compare_exchange_n(pub, &seen, t, false,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
}

static void *watch(void *arg)
{
	struct watcher *w = arg;
	int c;

	w->err = pin(w->cpu);
	if (w->err) {
		__atomic_add_fetch(&ready, 1, __ATOMIC_RELEASE);
		return NULL;
	}
	for (c = 0; c < NCLOCKS; c++)
		check(&w->clk[c], &latest[c], clock_ids[c]);
	w->reads++;
	__atomic_add_fetch(&ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		for (c = 0; c < NCLOCKS; c++)
			check(&w->clk[c], &latest[c], clock_ids[c]);
		w->reads++;
	}
	return NULL;
}

static void on_stop(int sig)
{
	__atomic_store_n(&stop_signal, sig, __ATOMIC_RELAXED);
}

static void bad_usage(void)
{
	fprintf(stderr, "usage: clock-watch [-s MAX_SECONDS] | -p\n");
	exit(KSFT_FAIL);
}

static void print_now(void)
{
	int c;

	for (c = 0; c < NCLOCKS; c++)
		printf("%s=%lu%c", clock_names[c], read_ns(clock_ids[c]),
		       c == NCLOCKS - 1 ? '\n' : ' ');
}

static void report(struct watcher *ws, int n, double secs)
{
	unsigned long reads = 0, back_local[NCLOCKS], back_cross[NCLOCKS];
	int c, i;

	for (i = 0; i < n; i++)
		reads += ws[i].reads;
	printf("clock-watch: %d CPUs, %lu reads of each clock in %.1f s\n",
	       n, reads, secs);
	for (c = 0; c < NCLOCKS; c++) {
		unsigned long local = 0, cross = 0, worst = 0, step = 0;
		int worst_cpu = -1, step_cpu = -1;

		for (i = 0; i < n; i++) {
			struct clock_stats *cs = &ws[i].clk[c];

			local += cs->back_local;
			cross += cs->back_cross;
			if (cs->worst_ns > worst) {
				worst = cs->worst_ns;
				worst_cpu = ws[i].cpu;
			}
			if (cs->step_ns > step) {
				step = cs->step_ns;
				step_cpu = ws[i].cpu;
			}
		}
		printf("%s: %lu backwards (%lu on one CPU, %lu across CPUs)",
		       clock_names[c], local + cross, local, cross);
		if (local + cross)
			printf(", worst by %lu ns on CPU %d", worst, worst_cpu);
		printf(", longest step %.3f ms on CPU %d\n", step / 1e6,
		       step_cpu);
		back_local[c] = local;
		back_cross[c] = cross;
	}
	for (c = 0; c < NCLOCKS; c++) {
		ksft_test_result(!back_local[c], "%s: never went backwards on one CPU\n",
				 clock_names[c]);
		if (n < 2)
			ksft_test_result_skip("%s: never went backwards across CPUs (one CPU)\n",
					      clock_names[c]);
		else
			ksft_test_result(!back_cross[c],
					 "%s: never went backwards across CPUs\n",
					 clock_names[c]);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_stop };
	static struct watcher ws[MAX_THREADS];
	double max_secs = 600, t0;
	cpu_set_t set;
	int opt, cpu, n = 0, i, err;

	while ((opt = getopt(argc, argv, "s:p")) != -1) {
		switch (opt) {
		case 's':
			max_secs = atof(optarg);
			if (max_secs <= 0)
				bad_usage();
			break;
		case 'p':
			print_now();
			return 0;
		default:
			bad_usage();
		}
	}
	if (optind != argc)
		bad_usage();

	ksft_print_header();
	ksft_set_plan(2 * NCLOCKS);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		ksft_exit_fail_msg("sigaction: %s\n", strerror(errno));
	if (sched_getaffinity(0, sizeof(set), &set))
		ksft_exit_fail_msg("sched_getaffinity: %s\n", strerror(errno));
	t0 = now();
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		ws[n].cpu = cpu;
		err = pthread_create(&ws[n].thread, NULL, watch, &ws[n]);
		if (err)
			ksft_exit_fail_msg("pthread_create: %s\n", strerror(err));
		n++;
	}
	while (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) < n)
		usleep(1000);
	for (i = 0; i < n; i++) {
		if (ws[i].err)
			ksft_exit_fail_msg("pinning a thread to cpu %d: %s\n", ws[i].cpu,
					   strerror(ws[i].err));
	}
	printf("clock-watch: ready, %d CPUs\n", n);
	fflush(stdout);

	while (!__atomic_load_n(&stop_signal, __ATOMIC_RELAXED) &&
	       now() - t0 < max_secs)
		usleep(10000);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < n; i++)
		pthread_join(ws[i].thread, NULL);
	report(ws, n, now() - t0);
	ksft_finished();
}
