/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvops op engine: what its parts share. core.c registers backends and
 * switches ops (sysfs); hook.c is the ftrace mechanism (handler,
 * trampolines, recursion guard); symbols.c finds functions by name;
 * stats.c keeps the per-op counters and latency histograms (debugfs).
 */
#ifndef _PVOPS_ENGINE_H
#define _PVOPS_ENGINE_H

#include <linux/bits.h>
#include <linux/ftrace.h>
#include <linux/jump_label.h>
#include <linux/kobject.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/sysfs.h>
#include <linux/types.h>
#include <asm/paravirt.h>

#include <pvops/pvops.h>

struct cpumask;
struct dentry;
struct flush_tlb_info;

#define PVOPS_LOCK_GROUP	(BIT(PVOPS_OP_LOCK_WAIT) | BIT(PVOPS_OP_LOCK_KICK))

#ifdef CONFIG_PARAVIRT_SPINLOCKS
#define PVOPS_LOCK_SLOT(m)	(&pv_ops.lock.m)
#else
#define PVOPS_LOCK_SLOT(m)	NULL
#endif

void *pvops_find_native_flush(void);

/* Latency buckets: bucket b counts calls of [2^(b-1), 2^b) ns; the last
 * one everything longer.
 */
#define PVOPS_HIST_BUCKETS	28

struct pvops_stats {
	u64 calls;
	u64 fallbacks;
	u64 errors;
	u64 hist[PVOPS_HIST_BUCKETS];
};

struct pvops_op_state {
	/* From the table, ops.h. */
	enum pvops_op op;
	const char *name;
	size_t backend_fn;		/* offset of the op in pvops_backend */
	void *slot;			/* &pv_ops.<the op's member> */
	void *tramp;			/* where the hook sends calls */
	unsigned long group;		/* ops that switch together (bitmap) */
	void *(*find_native)(void);

	/* Found at load. */
	void *orig;			/* what pv_ops named at boot */
	const char *orig_impl;		/* "native" or "kvm" */
	void *native;			/* the native function, when known */
	int unusable;			/* why it cannot be redirected (errno) */
	const char *unusable_why;

	/* The hook (hook.c), under pvops_mutex. */
	bool hooked;
	bool stuck;			/* the hook would not come off */
	struct ftrace_ops fops;

	struct pvops_backend __rcu *active;	/* NULL: the original */
	struct pvops_stats __percpu *stats;
	struct kobj_attribute impl_attr, available_attr, original_attr;
	struct attribute *attrs[4];
	struct attribute_group group_attr;
	struct dentry *debugfs;
};

extern struct pvops_op_state pvops_ops[PVOPS_NR_OPS];
/* Serializes registration, switching and hook changes. */
extern struct mutex pvops_mutex;

/* The backend's function for @op, NULL when it has none. */
static inline void *pvops_backend_fn(const struct pvops_backend *b,
				     enum pvops_op op)
{
	return *(void * const *)((const char *)b + pvops_ops[op].backend_fn);
}

/* hook.c */
void pvops_hook_init(struct pvops_op_state *st);
int pvops_hook(struct pvops_op_state *st);
void pvops_unhook(struct pvops_op_state *st);
int pvops_unhook_at_exit(struct pvops_op_state *st);
void pvops_hook_free(struct pvops_op_state *st);
void pvops_hook_debugfs(struct dentry *dir);

/* symbols.c */
const char *pvops_impl_of(void *fn, bool *nop);

/* stats.c */
DECLARE_STATIC_KEY_FALSE(pvops_latency_on);
int pvops_stats_init(struct pvops_op_state *st, struct dentry *dir);
void pvops_stats_free(struct pvops_op_state *st);
void pvops_stats_call(struct pvops_op_state *st, const char *impl, u64 ns);
void pvops_stats_debugfs(struct dentry *dir);

#endif /* _PVOPS_ENGINE_H */
