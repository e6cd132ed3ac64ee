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
#include <pvops/pvops.h>

/*
 * The op field of the events below is an enum pvops_op. Its names, for the
 * text output and, through TRACE_DEFINE_ENUM, for the format file that
 * perf, trace-cmd and bpftrace read; they are the directory names of
 * /sys/kernel/pvops (ops.h), which an op added there must add here.
 */
static_assert(PVOPS_NR_OPS == 3, "name every op in pvops_show_op()");
TRACE_DEFINE_ENUM(PVOPS_OP_FLUSH_TLB_MULTI);
TRACE_DEFINE_ENUM(PVOPS_OP_LOCK_WAIT);
TRACE_DEFINE_ENUM(PVOPS_OP_LOCK_KICK);

#define pvops_show_op(op)						\
	__print_symbolic(op,						\
			 { PVOPS_OP_FLUSH_TLB_MULTI, "flush_tlb_multi" },	\
			 { PVOPS_OP_LOCK_WAIT, "lock_wait" },		\
			 { PVOPS_OP_LOCK_KICK, "lock_kick" })

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
	    TP_PROTO(enum pvops_op op, const char *from, const char *to,
		     int err),
	    TP_ARGS(op, from, to, err),
	    TP_STRUCT__entry(__field(unsigned int, op)
			     __string(from, from)
			     __string(to, to)
			     __field(int, err)),
	    TP_fast_assign(__entry->op = op;
			   pvops_assign_str(from, from);
			   pvops_assign_str(to, to);
			   __entry->err = err;),
	    TP_printk("op=%s from=%s to=%s err=%d", pvops_show_op(__entry->op),
		      __get_str(from), __get_str(to), __entry->err)
);

/*
 * One call of a paravirt op that the trampoline sent to a backend, and the
 * time it took. The backend is named by a string: backends come and go
 * with their modules, and an event in the buffer must not point into one
 * that has gone.
 */
TRACE_EVENT(pvops_call,
	    TP_PROTO(enum pvops_op op, const char *impl, u64 ns),
	    TP_ARGS(op, impl, ns),
	    TP_STRUCT__entry(__field(unsigned int, op)
			     __string(impl, impl)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->op = op;
			   pvops_assign_str(impl, impl);
			   __entry->ns = ns;),
	    TP_printk("op=%s impl=%s ns=%llu", pvops_show_op(__entry->op),
		      __get_str(impl), __entry->ns)
);

#endif /* _PVOPS_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
