/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the e2e helper programs share: pinning a thread to a CPU and a
 * monotonic clock in seconds. They report through the kernel's kselftest.h
 * (tools/testing/selftests in linux-source, on the include path): the
 * checkers print KTAP, and every program ends a setup error with
 * ksft_exit_fail_msg() ("Bail out!", exit KSFT_FAIL) and a run that cannot
 * happen here with ksft_exit_skip() (exit KSFT_SKIP). Only what Linux 6.1's
 * and later versions of kselftest.h have in common is used: their exit
 * functions return int in 6.1 and are __noreturn later, so no return value
 * is used.
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

#include "kselftest.h"

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

#endif /* _PVOPS_E2E_H */
