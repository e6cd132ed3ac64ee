// SPDX-License-Identifier: GPL-2.0
/*
 * clock-check: end-to-end checks of the guest's clock, for pvclock.
 *
 *   clock-check mono SECS [THREADS]
 *	THREADS threads (default 2 per CPU, each pinned to CPU i mod ncpu)
 *	read CLOCK_MONOTONIC for SECS seconds. Each read must not be below
 *	the thread's previous one, nor below the largest value any thread had
 *	published before the read began (cross-CPU monotonicity). Prints the
 *	reads, the backward steps seen and the largest, exit 1 if any.
 *	SIGTERM or SIGINT ends it early, with the same report.
 *   clock-check uevent SECS MATCH
 *	Waits up to SECS seconds for a kernel uevent whose text contains
 *	MATCH (e.g. PVCLOCK_DISRUPTIONS=) and prints it; exit 1 on timeout.
 *	Prints "listening" once the socket is bound, for the caller to go on.
 *   clock-check phc DEV REF SECS BOUND_NS
 *	Every 100 ms for SECS seconds reads PTP clock REF, then DEV, then REF
 *	again: DEV must lie between the two REF readings, give or take
 *	BOUND_NS. Prints the samples, the misses and the largest distance of
 *	DEV from the REF bracket's middle; exit 1 on a miss.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "e2e.h"

const char *e2e_prog = "clock-check";

static unsigned long long published;
static int stop;

struct mono_thread {
	pthread_t tid;
	int cpu;
	unsigned long long reads;
	unsigned long long backward;
	unsigned long long worst;
};

static unsigned long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void *mono_loop(void *arg)
{
	struct mono_thread *t = arg;
	unsigned long long mine = 0;

	if (pin(t->cpu))
		die("pin");
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		unsigned long long before = __atomic_load_n(&published,
							    __ATOMIC_ACQUIRE);
		unsigned long long v = mono_ns();
		unsigned long long floor = before > mine ? before : mine;

		t->reads++;
		if (v < floor) {
			t->backward++;
			if (floor - v > t->worst)
				t->worst = floor - v;
		}
		mine = v;
		/* Publish a new maximum. */
		while (before < v &&
		       !__atomic_compare_exchange_n(&published, &before, v, 1,
						    __ATOMIC_RELEASE,
						    __ATOMIC_RELAXED))
			;
	}
	return NULL;
}

static void mono_stop(int sig)
{
	(void)sig;
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
}

static int mono(int secs, int nthreads)
{
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct mono_thread *t;
	unsigned long long reads = 0, backward = 0, worst = 0;
	int i;

	if (nthreads <= 0)
		nthreads = 2 * ncpu;
	t = calloc(nthreads, sizeof(*t));
	if (!t)
		die("calloc");
	for (i = 0; i < nthreads; i++) {
		t[i].cpu = i % ncpu;
		errno = pthread_create(&t[i].tid, NULL, mono_loop, &t[i]);
		if (errno)
			die("pthread_create");
	}
	signal(SIGTERM, mono_stop);
	signal(SIGINT, mono_stop);
	for (i = 0; i < secs && !__atomic_load_n(&stop, __ATOMIC_RELAXED); i++)
		sleep(1);
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i].tid, NULL);
		reads += t[i].reads;
		backward += t[i].backward;
		if (t[i].worst > worst)
			worst = t[i].worst;
	}
	printf("clock-check: %s: %d threads, %d CPUs, %d s: %llu reads, %llu back, max %llu ns\n",
	       __func__, nthreads, ncpu, secs, reads, backward, worst);
	return backward || !reads;
}

static int uevent(int secs, const char *match)
{
	struct sockaddr_nl addr = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1,
	};
	static char buf[8192];
	double end = now() + secs;
	int fd;

	fd = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		die("socket");
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)))
		die("bind");
	printf("listening\n");
	fflush(stdout);
	while (now() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n, i;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = 0;
		/* NUL-separated "ACTION@DEVPATH", then KEY=VALUE lines. */
		for (i = 0; i < n; i += strlen(buf + i) + 1) {
			if (!strstr(buf + i, match))
				continue;
			for (i = 0; i < n; i += strlen(buf + i) + 1)
				printf("%s%s", i ? " " : "", buf + i);
			printf("\n");
			return 0;
		}
	}
	printf("clock-check: %s: none with %s in %d s\n", __func__, match, secs);
	return 1;
}

/* The dynamic POSIX clock of an open PTP device (FD_TO_CLOCKID). */
static clockid_t phc_clock(const char *dev)
{
	int fd = open(dev, O_RDONLY);

	if (fd < 0)
		die(dev);
	return (~(clockid_t)fd << 3) | 3;
}

static long long phc_ns(clockid_t clk)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts))
		die("clock_gettime on a PTP clock");
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int phc(const char *dev, const char *ref, int secs, long long bound)
{
	clockid_t d = phc_clock(dev), r = phc_clock(ref);
	long long worst = 0, widest = 0;
	double end = now() + secs;
	long samples = 0, misses = 0;

	while (now() < end) {
		long long r1 = phc_ns(r), v = phc_ns(d), r2 = phc_ns(r);
		long long mid = r1 + (r2 - r1) / 2;
		long long dist = v > mid ? v - mid : mid - v;

		samples++;
		if (v < r1 - bound || v > r2 + bound) {
			misses++;
			if (misses <= 5)
				printf("clock-check: miss: %s %lld ns, %s %lld..%lld ns\n",
				       dev, v, ref, r1, r2);
		}
		if (dist > worst)
			worst = dist;
		if (r2 - r1 > widest)
			widest = r2 - r1;
		usleep(100000);
	}
	printf("clock-check: %s: %s vs %s, %d s: %ld samples, %ld out (+-%lld ns)\n",
	       __func__, dev, ref, secs, samples, misses, bound);
	printf("clock-check: %s: max distance from the middle %lld ns, widest %lld ns\n",
	       __func__, worst, widest);
	return misses || !samples;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "mono"))
		return mono(atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 0);
	if (argc == 4 && !strcmp(argv[1], "uevent"))
		return uevent(atoi(argv[2]), argv[3]);
	if (argc == 6 && !strcmp(argv[1], "phc"))
		return phc(argv[2], argv[3], atoi(argv[4]), atoll(argv[5]));
	fprintf(stderr, "usage: clock-check mono SECS [THREADS] | uevent SECS MATCH\n");
	fprintf(stderr, "       clock-check phc DEV REF SECS BOUND_NS\n");
	return 2;
}
