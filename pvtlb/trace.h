/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of pvtlb: events/pvtlb/ in tracefs.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pvtlb

#if !defined(_PVTLB_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _PVTLB_TRACE_H

#include <linux/tracepoint.h>

/*
 * One flush: the remote CPUs of its mask, how many of them were flushed by
 * hypercall and left to the original function, and the
 * hypercall's result (the vCPUs the host flushed, 0 if no hypercall was
 * made, or a negative error after which the original flushed them all).
 */
TRACE_EVENT(pvtlb_flush,
	    TP_PROTO(unsigned int targets, unsigned int hc, unsigned int ipi,
		     long ret),
	    TP_ARGS(targets, hc, ipi, ret),
	    TP_STRUCT__entry(__field(unsigned int, targets)
			     __field(unsigned int, hc)
			     __field(unsigned int, ipi)
			     __field(long, ret)),
	    TP_fast_assign(__entry->targets = targets;
			   __entry->hc = hc;
			   __entry->ipi = ipi;
			   __entry->ret = ret;),
	    TP_printk("targets=%u hypercall=%u ipi=%u ret=%ld",
		      __entry->targets, __entry->hc, __entry->ipi, __entry->ret)
);

#endif /* _PVTLB_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
