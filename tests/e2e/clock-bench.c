// SPDX-License-Identifier: GPL-2.0
/*
 * clock-bench: the cost of a clock read from user space, for the clock
 * benchmark (tests/bench/clock-guest).
 *
 *   clock-bench gettime [-c CLOCK] [-n CALLS] [-b BATCHES]
 *     clock_gettime(CLOCK) CALLS times per batch (CLOCK: monotonic,
 *     realtime or raw; default monotonic, 1000000 calls, 5 batches): the
 *     vDSO when the current clocksource has a vDSO mode, else a system
 *     call.
 *   clock-bench ptp -d /dev/ptpN [-m sys|ext|precise] [-n SAMPLES] [-b BATCHES]
 *     reads of a PTP clock: ioctls of PTP_MAX_SAMPLES (25) samples each
 *     until SAMPLES samples per batch (default 10000, 5 batches);
 *     -m ext: PTP_SYS_OFFSET_EXTENDED (gettimex64, the system time read
 *     before and after each sample, default), -m sys: PTP_SYS_OFFSET
 *     (gettimex64 or gettime64, the system time read between samples),
 *     which every PTP clock supports, -m precise: PTP_SYS_OFFSET_PRECISE
 *     (getcrosststamp, one cross timestamp an ioctl).
 *
 * Each batch is timed with clock_gettime(CLOCK_MONOTONIC) at its ends.
 * Prints one line, the ns per call (or per sample) of the best, the median
 * and the worst batch (tests/bench/clock-guest reads its KEY=VALUE words),
 * no KTAP:
 *   clock-bench: what=gettime clock=monotonic calls=N batches=B
 *                min_ns=X median_ns=X max_ns=X total_ms=N
 *   clock-bench: what=ptp mode=ext dev=/dev/ptp0 calls=N batches=B ...
 * exit 0; 4 (KSFT_SKIP) when the device does not exist or the clock does
 * not support the read (EOPNOTSUPP: -m ext on a clock with no gettimex64,
 * -m precise on one with no cross timestamp for the current clocksource),
 * with kselftest.h's "1..0 # SKIP clock-bench: ..." line instead; 1
 * (KSFT_FAIL) on any other error of the read, a setup error ("Bail out!
 * ...") or a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/ptp_clock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"

#define MAX_BATCHES	1000

static long long ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: clock-bench gettime [-c monotonic|realtime|raw] [-n CALLS] [-b BATCHES]\n"
		"       clock-bench ptp -d /dev/ptpN [-m sys|ext|precise] [-n SAMPLES] [-b BATCHES]\n");
	exit(KSFT_FAIL);
}

static long number(const char *s, long max)
{
	char *e;
	long v = strtol(s, &e, 10);

	if (*s == '\0' || *e != '\0' || v < 1 || v > max)
		bad_usage();
	return v;
}

/* One batch of @calls clock_gettime(@clock); ns per call. */
static double gettime_batch(clockid_t clock, long calls)
{
	struct timespec ts;
	long long t0, t1;
	long i;

	t0 = ns_now();
	for (i = 0; i < calls; i++)
		clock_gettime(clock, &ts);
	t1 = ns_now();
	return (double)(t1 - t0) / calls;
}

enum ptp_mode { PTP_SYS, PTP_EXT, PTP_PRECISE };

/* One batch of @samples PTP samples on @fd; ns per sample, or -1. */
static double ptp_batch(int fd, enum ptp_mode mode, long samples)
{
	static struct ptp_sys_offset_extended xo;
	static struct ptp_sys_offset_precise po;
	static struct ptp_sys_offset so;
	long done = 0, n;
	long long t0, t1;
	int ret;

	t0 = ns_now();
	while (done < samples) {
		n = samples - done;
		if (n > PTP_MAX_SAMPLES)
			n = PTP_MAX_SAMPLES;
		if (mode == PTP_PRECISE) {
			n = 1;
			ret = ioctl(fd, PTP_SYS_OFFSET_PRECISE, &po);
		} else if (mode == PTP_EXT) {
			xo.n_samples = n;
			ret = ioctl(fd, PTP_SYS_OFFSET_EXTENDED, &xo);
		} else {
			so.n_samples = n;
			ret = ioctl(fd, PTP_SYS_OFFSET, &so);
		}
		if (ret)
			return -1;
		done += n;
	}
	t1 = ns_now();
	return (double)(t1 - t0) / samples;
}

int main(int argc, char **argv)
{
	const char *what, *clock_name = "monotonic", *dev = NULL, *mode = "ext", *ioctl_name;
	double per[MAX_BATCHES];
	long calls = -1, batches = 5, i;
	clockid_t clock = CLOCK_MONOTONIC;
	long long start;
	enum ptp_mode pmode = PTP_EXT;
	int opt, fd = -1, ptp;

	if (argc < 2)
		bad_usage();
	what = argv[1];
	if (!strcmp(what, "gettime"))
		ptp = 0;
	else if (!strcmp(what, "ptp"))
		ptp = 1;
	else
		bad_usage();
	optind = 2;
	while ((opt = getopt(argc, argv, "c:d:m:n:b:")) != -1) {
		switch (opt) {
		case 'c':
			clock_name = optarg;
			break;
		case 'd':
			dev = optarg;
			break;
		case 'm':
			mode = optarg;
			break;
		case 'n':
			calls = number(optarg, 1000000000L);
			break;
		case 'b':
			batches = number(optarg, MAX_BATCHES);
			break;
		default:
			bad_usage();
		}
	}
	if (optind != argc)
		bad_usage();

	if (ptp) {
		if (!strcmp(mode, "sys"))
			pmode = PTP_SYS;
		else if (!strcmp(mode, "precise"))
			pmode = PTP_PRECISE;
		else if (strcmp(mode, "ext"))
			bad_usage();
		if (!dev)
			bad_usage();
		if (calls < 0)
			calls = 10000;
		fd = open(dev, O_RDWR);
		if (fd < 0 && (errno == ENOENT || errno == ENODEV || errno == ENXIO))
			ksft_exit_skip("clock-bench: no PTP clock %s: %s\n", dev, strerror(errno));
		if (fd < 0)
			ksft_exit_fail_msg("clock-bench: %s: %s\n", dev, strerror(errno));
	} else {
		if (!strcmp(clock_name, "monotonic"))
			clock = CLOCK_MONOTONIC;
		else if (!strcmp(clock_name, "realtime"))
			clock = CLOCK_REALTIME;
		else if (!strcmp(clock_name, "raw"))
			clock = CLOCK_MONOTONIC_RAW;
		else
			bad_usage();
		if (calls < 0)
			calls = 1000000;
	}

	ioctl_name = pmode == PTP_EXT ? "PTP_SYS_OFFSET_EXTENDED" :
		     pmode == PTP_PRECISE ? "PTP_SYS_OFFSET_PRECISE" : "PTP_SYS_OFFSET";
	start = ns_now();
	for (i = 0; i < batches; i++) {
		if (ptp) {
			per[i] = ptp_batch(fd, pmode, calls);
			if (per[i] < 0 && errno == EOPNOTSUPP)
				ksft_exit_skip("clock-bench: %s on %s: %s\n", ioctl_name, dev,
					       strerror(errno));
			if (per[i] < 0)
				ksft_exit_fail_msg("clock-bench: %s on %s: %s\n", ioctl_name, dev,
						   strerror(errno));
		} else {
			per[i] = gettime_batch(clock, calls);
		}
	}
	qsort(per, batches, sizeof(per[0]), cmp_double);

	if (ptp)
		printf("clock-bench: what=ptp mode=%s dev=%s", mode, dev);
	else
		printf("clock-bench: what=gettime clock=%s", clock_name);
	/* median_low: one of the batches, also for an even count */
	printf(" calls=%ld batches=%ld min_ns=%.2f median_ns=%.2f max_ns=%.2f total_ms=%lld\n",
	       calls, batches, per[0], per[(batches - 1) / 2], per[batches - 1],
	       (ns_now() - start) / 1000000);
	return 0;
}
