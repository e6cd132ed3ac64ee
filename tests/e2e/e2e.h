/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the e2e helper programs share: pinning a thread to a CPU, a
 * monotonic clock in seconds, and dying with exit status 2 (a setup error,
 * as opposed to a failed check) and the program's name.
 */
#ifndef _PVOPS_E2E_H
#define _PVOPS_E2E_H

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern const char *e2e_prog;

/* Pin the calling thread to @cpu; 0 or an errno value. */
static inline int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Report @what with errno's message and exit 2. */
static inline void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", e2e_prog, what, strerror(errno));
	exit(2);
}

#endif /* _PVOPS_E2E_H */
