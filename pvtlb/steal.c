// SPDX-License-Identifier: GPL-2.0
/*
 * pvtlb: whether the host keeps a vCPU waiting for a physical CPU, from
 * the steal time it accounts to it. Built into pvtlb.ko, and included by
 * its KUnit suite, which tests it without loading pvtlb.
 */
#include <linux/time64.h>

#include "pvtlb.h"

/**
 * pvtlb_steal_busy() - whether a CPU had steal time lately
 * @s: the CPU's window, zeroed before the first call; one caller at a
 *	time (pvtlb_steal_busy() updates it)
 * @now: the time, in ns, of a clock that never goes back
 * @steal: the CPU's steal time so far, in ns (CPUTIME_STEAL)
 *
 * The verdict of the last window of at least PVTLB_STEAL_WINDOW_NS: busy
 * when more than 1/PVTLB_STEAL_SHARE of it was stolen, time the vCPU
 * could run but the host ran something else. A window ends at the first
 * call after its length, which starts the next one; until then the last
 * verdict stands (none yet: not busy). Steal time is accounted when the
 * CPU ticks or leaves idle, so a window may count steal of a little
 * earlier: a verdict for routing, not a measurement.
 *
 * Return: the verdict.
 */
bool pvtlb_steal_busy(struct pvtlb_steal *s, u64 now, u64 steal)
{
	u64 span = now - s->since;

	if (span < PVTLB_STEAL_WINDOW_NS)
		return s->busy;
	/* The first call has no window behind it: only start one. */
	if (s->since)
		s->busy = (steal - s->steal0) * PVTLB_STEAL_SHARE > span;
	s->since = now;
	s->steal0 = steal;
	return s->busy;
}
