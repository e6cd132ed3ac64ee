// SPDX-License-Identifier: GPL-2.0
/*
 * clock-check: end-to-end checks of the guest's clock, for pvclock.
 *
 *   clock-check mono SECS [THREADS]
 *	THREADS threads (default 2 per CPU, each pinned to CPU i mod ncpu)
 *	read CLOCK_MONOTONIC for SECS seconds. Each read must not be below
 *	the thread's previous one, nor below the largest value any thread had
 *	published before the read began (cross-CPU monotonicity). Prints the
 *	reads, the backward steps seen and the largest, and the result
 *	"mono: CLOCK_MONOTONIC never went backwards" (not ok when there was
 *	none to check either). SIGTERM or SIGINT ends it early, with the same
 *	report.
 *   clock-check uevent SECS MATCH
 *	Waits up to SECS seconds for a kernel uevent whose text contains
 *	MATCH (e.g. PVCLOCK_DISRUPTIONS=) and prints it, as a diagnostic line;
 *	the result "uevent: one with MATCH came". Prints "# listening" once
 *	the socket is bound, for the caller to go on.
 *   clock-check phc DEV REF SECS BOUND_NS
 *	Every 100 ms for SECS seconds reads PTP clock REF, then DEV, then REF
 *	again: DEV must lie between the two REF readings, give or take
 *	BOUND_NS. Prints the samples, the misses and the largest distance of
 *	DEV from the REF bracket's middle, and the result "phc: DEV within
 *	REF's bracket +- BOUND_NS ns in every sample" (not ok when there was
 *	no sample either).
 *   clock-check phc-across DEV REF SECS BOUND_NS
 *	The same every 10 ms, for SECS seconds or until SIGTERM or SIGINT,
 *	across an event (a live migration to a host whose clock differs): a
 *	DEV read may be refused (EOPNOTSUPP or ENODATA: the clock says it has
 *	no valid time), but every DEV reading it gives must lie in REF's
 *	bracket +- BOUND_NS, and DEV must answer again after its last
 *	refusal. Prints the samples, refusals (and the longest spell of
 *	them), the misses, and the result "phc-across: DEV within REF's
 *	bracket +- BOUND_NS ns whenever it answered, N refused".
 *   clock-check precise DEV REF SECS BOUND_NS
 *	Every 100 ms for SECS seconds takes a PTP_SYS_OFFSET_PRECISE cross
 *	timestamp of REF, then DEV, then REF again: DEV's offset from the
 *	system's realtime (device - sys_realtime) must lie between REF's two,
 *	give or take BOUND_NS. Prints the samples, the misses and the largest
 *	distance of DEV's offset from the middle, and the result "precise:
 *	DEV's offset within REF's offsets +- BOUND_NS ns in every sample"
 *	(not ok when there was no sample either).
 * Each mode prints KTAP (kselftest.h) with a plan of one result. exit 0
 * (KSFT_PASS): it passed; 1 (KSFT_FAIL): it failed, or a setup error
 * ("Bail out!"), or a usage error; 4 (KSFT_SKIP, "1..0 # SKIP"): phc's,
 * phc-across's or precise's DEV or REF does not exist. Only the KTAP tells
 * a failed check from an error.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/ptp_clock.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "e2e.h"

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
	int err = pin(t->cpu);

	if (err)
		ksft_exit_fail_msg("pinning a thread to cpu %d: %s\n", t->cpu, strerror(err));
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

static void mono(int secs, int nthreads)
{
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct mono_thread *t;
	unsigned long long reads = 0, backward = 0, worst = 0;
	int i, err;

	ksft_print_header();
	ksft_set_plan(1);
	if (nthreads <= 0)
		nthreads = 2 * ncpu;
	t = calloc(nthreads, sizeof(*t));
	if (!t)
		ksft_exit_fail_msg("calloc: %s\n", strerror(errno));
	for (i = 0; i < nthreads; i++) {
		t[i].cpu = i % ncpu;
		err = pthread_create(&t[i].tid, NULL, mono_loop, &t[i]);
		if (err)
			ksft_exit_fail_msg("pthread_create: %s\n", strerror(err));
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
	ksft_print_msg("clock-check: %s: %d threads, %d CPUs, %d s: ",
		       __func__, nthreads, ncpu, secs);
	printf("%llu reads, %llu back, max %llu ns\n", reads, backward, worst);
	if (!reads)
		ksft_print_msg("clock-check: %s: no read to check\n", __func__);
	ksft_test_result(reads && !backward, "%s: CLOCK_MONOTONIC never went backwards\n",
			 __func__);
}

static void uevent(int secs, const char *match)
{
	struct sockaddr_nl addr = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1,
	};
	static char buf[8192];
	double end = now() + secs;
	int fd;

	ksft_print_header();
	ksft_set_plan(1);
	fd = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		ksft_exit_fail_msg("socket: %s\n", strerror(errno));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)))
		ksft_exit_fail_msg("bind: %s\n", strerror(errno));
	ksft_print_msg("listening\n");
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
			ksft_print_msg("clock-check: %s:", __func__);
			for (i = 0; i < n; i += strlen(buf + i) + 1)
				printf(" %s", buf + i);
			printf("\n");
			ksft_test_result_pass("%s: one with %s came\n", __func__, match);
			return;
		}
	}
	ksft_print_msg("clock-check: %s: none with %s in %d s\n", __func__, match, secs);
	ksft_test_result_fail("%s: one with %s came\n", __func__, match);
}

/*
 * The dynamic POSIX clock of an open PTP device (FD_TO_CLOCKID). A device
 * that does not exist skips the check: there is nothing to compare here.
 */
static int phc_open(const char *dev)
{
	int fd = open(dev, O_RDONLY);

	if (fd < 0 && (errno == ENOENT || errno == ENODEV || errno == ENXIO))
		ksft_exit_skip("no PTP clock %s: %s\n", dev, strerror(errno));
	if (fd < 0)
		ksft_exit_fail_msg("%s: %s\n", dev, strerror(errno));
	return fd;
}

static clockid_t phc_clock(const char *dev)
{
	return (~(clockid_t)phc_open(dev) << 3) | 3;
}

static long long phc_ns(clockid_t clk, const char *dev)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts))
		ksft_exit_fail_msg("clock_gettime on %s: %s\n", dev, strerror(errno));
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Like phc_ns(), but a clock that says it has no valid time gives -1. */
static long long phc_ns_or_refused(clockid_t clk, const char *dev)
{
	struct timespec ts;

	if (!clock_gettime(clk, &ts))
		return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	if (errno != EOPNOTSUPP && errno != ENODATA)
		ksft_exit_fail_msg("clock_gettime on %s: %s\n", dev, strerror(errno));
	return -1;
}

/* What phc and phc-across count of the readings DEV gave. */
struct phc_tally {
	long misses;
	long long worst;	/* largest distance of DEV from the bracket's middle */
	long long widest;	/* widest REF bracket */
};

/*
 * One reading v of DEV between REF's r1 and r2: a miss when outside the
 * bracket +- bound (the first five printed).
 */
static void phc_count(struct phc_tally *t, const char *dev, const char *ref,
		      long long r1, long long v, long long r2, long long bound)
{
	long long mid = r1 + (r2 - r1) / 2;
	long long dist = v > mid ? v - mid : mid - v;

	if (v < r1 - bound || v > r2 + bound) {
		t->misses++;
		if (t->misses <= 5)
			ksft_print_msg("clock-check: miss: %s %lld ns, %s %lld..%lld ns\n",
				       dev, v, ref, r1, r2);
	}
	if (dist > t->worst)
		t->worst = dist;
	if (r2 - r1 > t->widest)
		t->widest = r2 - r1;
}

/*
 * The end of phc and precise: the tally and the one result, "MODE:
 * DEV[DEV_WHAT] within REF's REF_WHAT +- BOUND ns in every sample".
 */
static void phc_report(const char *mode, const char *dev, const char *dev_what,
		       const char *ref, const char *ref_what, int secs, long samples,
		       const struct phc_tally *t, long long bound)
{
	ksft_print_msg("clock-check: %s: %s vs %s, %d s: %ld samples, %ld out (+-%lld ns)\n",
		       mode, dev, ref, secs, samples, t->misses, bound);
	ksft_print_msg("clock-check: %s: max distance from the middle %lld ns, widest %lld ns\n",
		       mode, t->worst, t->widest);
	if (!samples)
		ksft_print_msg("clock-check: %s: no sample to check\n", mode);
	ksft_test_result(samples && !t->misses,
			 "%s: %s%s within %s's %s +- %lld ns in every sample\n",
			 mode, dev, dev_what, ref, ref_what, bound);
}

static void phc(const char *dev, const char *ref, int secs, long long bound)
{
	clockid_t d, r;
	struct phc_tally t = {};
	double end;
	long samples = 0;

	ksft_print_header();
	d = phc_clock(dev);
	r = phc_clock(ref);
	ksft_set_plan(1);
	end = now() + secs;
	while (now() < end) {
		long long r1 = phc_ns(r, ref), v = phc_ns(d, dev), r2 = phc_ns(r, ref);

		samples++;
		phc_count(&t, dev, ref, r1, v, r2, bound);
		usleep(100000);
	}
	phc_report(__func__, dev, "", ref, "bracket", secs, samples, &t, bound);
}

static void phc_across(const char *dev, const char *ref, int secs, long long bound)
{
	clockid_t d, r;
	struct phc_tally t = {};
	double end, spell_start = 0, longest = 0;
	long samples = 0, refused = 0, answered_after = 0;

	ksft_print_header();
	d = phc_clock(dev);
	r = phc_clock(ref);
	ksft_set_plan(1);
	signal(SIGTERM, mono_stop);
	signal(SIGINT, mono_stop);
	end = now() + secs;
	while (now() < end && !__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		long long r1 = phc_ns(r, ref), v = phc_ns_or_refused(d, dev);
		long long r2 = phc_ns(r, ref);

		samples++;
		if (v < 0) {
			if (!refused || answered_after)
				spell_start = now();
			if (now() - spell_start > longest)
				longest = now() - spell_start;
			refused++;
			answered_after = 0;
			usleep(10000);
			continue;
		}
		answered_after++;
		phc_count(&t, dev, ref, r1, v, r2, bound);
		usleep(10000);
	}
	ksft_print_msg("clock-check: %s: %s vs %s: %ld samples, %ld out (+-%lld ns)\n",
		       __func__, dev, ref, samples, t.misses, bound);
	ksft_print_msg("clock-check: %s: %ld refused (longest %.3f s), max off middle %lld ns\n",
		       __func__, refused, longest, t.worst);
	if (!answered_after)
		ksft_print_msg("clock-check: %s: %s did not answer after its last refusal\n",
			       __func__, dev);
	ksft_test_result(answered_after && !t.misses,
			 "%s: %s within %s's bracket +- %lld ns whenever it answered, %ld refused\n",
			 __func__, dev, ref, bound, refused);
}

static long long pct_ns(const struct ptp_clock_time *t)
{
	return (long long)t->sec * 1000000000LL + t->nsec;
}

/* One PTP_SYS_OFFSET_PRECISE of @fd: the device's time - the system's realtime. */
static long long precise_offset(int fd, const char *dev)
{
	struct ptp_sys_offset_precise xt;

	memset(&xt, 0, sizeof(xt));
	if (ioctl(fd, PTP_SYS_OFFSET_PRECISE, &xt))
		ksft_exit_fail_msg("PTP_SYS_OFFSET_PRECISE on %s: %s\n", dev, strerror(errno));
	return pct_ns(&xt.device) - pct_ns(&xt.sys_realtime);
}

static void precise(const char *dev, const char *ref, int secs, long long bound)
{
	struct phc_tally t = {};
	long samples = 0;
	int d, r;
	double end;

	ksft_print_header();
	d = phc_open(dev);
	r = phc_open(ref);
	ksft_set_plan(1);
	end = now() + secs;
	while (now() < end) {
		long long o1 = precise_offset(r, ref), v = precise_offset(d, dev);
		long long o2 = precise_offset(r, ref);

		samples++;
		/* The system's realtime may be stepped between them: either order. */
		if (o2 < o1)
			phc_count(&t, dev, ref, o2, v, o1, bound);
		else
			phc_count(&t, dev, ref, o1, v, o2, bound);
		if (samples == 1)
			ksft_print_msg("clock-check: %s: first: %s %lld, %s %lld..%lld ns\n",
				       __func__, dev, v, ref, o1, o2);
		usleep(100000);
	}
	phc_report(__func__, dev, "'s offset", ref, "offsets", secs, samples, &t, bound);
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "mono")) {
		mono(atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 0);
	} else if (argc == 4 && !strcmp(argv[1], "uevent")) {
		uevent(atoi(argv[2]), argv[3]);
	} else if (argc == 6 && !strcmp(argv[1], "phc")) {
		phc(argv[2], argv[3], atoi(argv[4]), atoll(argv[5]));
	} else if (argc == 6 && !strcmp(argv[1], "phc-across")) {
		phc_across(argv[2], argv[3], atoi(argv[4]), atoll(argv[5]));
	} else if (argc == 6 && !strcmp(argv[1], "precise")) {
		precise(argv[2], argv[3], atoi(argv[4]), atoll(argv[5]));
	} else {
		fprintf(stderr, "usage: clock-check mono SECS [THREADS] | uevent SECS MATCH\n");
		fprintf(stderr,
			"       clock-check phc|phc-across|precise DEV REF SECS BOUND_NS\n");
		exit(KSFT_FAIL);
	}
	ksft_finished();
}
