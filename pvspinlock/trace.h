/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of pvspinlock: events/pvspinlock/ in tracefs.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pvspinlock

#if !defined(_PVSPINLOCK_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _PVSPINLOCK_TRACE_H

#include <linux/tracepoint.h>

/*
 * One wait that reached the host: the lock byte's guest physical address,
 * the value waited on, the host's answer (KVM_LOCK_WAIT_* or a negative
 * error, after which the original wait ran) and the time spent in it.
 */
TRACE_EVENT(pvspinlock_wait,
	    TP_PROTO(u64 gpa, u8 val, long ret, u64 ns),
	    TP_ARGS(gpa, val, ret, ns),
	    TP_STRUCT__entry(__field(u64, gpa)
			     __field(u8, val)
			     __field(long, ret)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->gpa = gpa;
			   __entry->val = val;
			   __entry->ret = ret;
			   __entry->ns = ns;),
	    TP_printk("gpa=0x%llx val=0x%x ret=%ld ns=%llu",
		      __entry->gpa, __entry->val, __entry->ret, __entry->ns)
);

/* One kick: the CPU, its APIC ID and the host's answer. */
TRACE_EVENT(pvspinlock_kick,
	    TP_PROTO(int cpu, u32 apicid, long ret),
	    TP_ARGS(cpu, apicid, ret),
	    TP_STRUCT__entry(__field(int, cpu)
			     __field(u32, apicid)
			     __field(long, ret)),
	    TP_fast_assign(__entry->cpu = cpu;
			   __entry->apicid = apicid;
			   __entry->ret = ret;),
	    TP_printk("cpu=%d apicid=%u ret=%ld",
		      __entry->cpu, __entry->apicid, __entry->ret)
);

#endif /* _PVSPINLOCK_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
