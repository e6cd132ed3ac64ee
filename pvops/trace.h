/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the pvops core: events/pvops/ in tracefs, for perf,
 * bpftrace or trace-cmd.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pvops

#if !defined(_PVOPS_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _PVOPS_TRACE_H

#include <linux/tracepoint.h>

#include <pvops/compat.h>

/* A hypercall made through pvops_hypercall(), with its result. */
TRACE_EVENT(pvops_hypercall,
	    TP_PROTO(unsigned int nr, unsigned long a0, long ret),
	    TP_ARGS(nr, a0, ret),
	    TP_STRUCT__entry(__field(unsigned int, nr)
			     __field(unsigned long, a0)
			     __field(long, ret)),
	    TP_fast_assign(__entry->nr = nr;
			   __entry->a0 = a0;
			   __entry->ret = ret;),
	    TP_printk("nr=0x%x a0=0x%lx ret=%ld", __entry->nr, __entry->a0,
		      __entry->ret)
);

/* A paravirt op moved to another implementation (or a refused move). */
TRACE_EVENT(pvops_switch,
	    TP_PROTO(const char *op, const char *from, const char *to, int err),
	    TP_ARGS(op, from, to, err),
	    TP_STRUCT__entry(__string(op, op)
			     __string(from, from)
			     __string(to, to)
			     __field(int, err)),
	    TP_fast_assign(pvops_assign_str(op, op);
			   pvops_assign_str(from, from);
			   pvops_assign_str(to, to);
			   __entry->err = err;),
	    TP_printk("op=%s from=%s to=%s err=%d", __get_str(op),
		      __get_str(from), __get_str(to), __entry->err)
);

/* One redirected call of a paravirt op, and the time it took. */
TRACE_EVENT(pvops_call,
	    TP_PROTO(const char *op, const char *impl, u64 ns),
	    TP_ARGS(op, impl, ns),
	    TP_STRUCT__entry(__string(op, op)
			     __string(impl, impl)
			     __field(u64, ns)),
	    TP_fast_assign(pvops_assign_str(op, op);
			   pvops_assign_str(impl, impl);
			   __entry->ns = ns;),
	    TP_printk("op=%s impl=%s ns=%llu", __get_str(op), __get_str(impl),
		      __entry->ns)
);

#endif /* _PVOPS_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
