/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvops core: what main.c, hypercall.c, hostabi.c and the op engine
 * (core.c, engine.h) share.
 */
#ifndef _PVOPS_INTERNAL_H
#define _PVOPS_INTERNAL_H

#include <linux/kobject.h>
#include <linux/types.h>

struct pvops_host_abi;

void pvops_host_discover(void);
int pvops_host_abi_select(u32 kvm_features, struct pvops_host_abi *abi);
int pvops_format_bits(char *buf, size_t size, u32 bits,
		      const char *(*name_of)(unsigned int bit));

int pvops_engine_init(struct kobject *parent);
void pvops_engine_exit(void);

#endif /* _PVOPS_INTERNAL_H */
