/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvops core: what main.c, hypercall.c and engine.c share.
 */
#ifndef _PVOPS_INTERNAL_H
#define _PVOPS_INTERNAL_H

#include <linux/kobject.h>

int pvops_host_query(void);

int pvops_engine_init(struct kobject *parent);
void pvops_engine_exit(void);

#endif /* _PVOPS_INTERNAL_H */
