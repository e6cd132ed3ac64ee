/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvspinlock: what main.c and the KUnit suite share.
 */
#ifndef _PVSPINLOCK_H
#define _PVSPINLOCK_H

#include <linux/types.h>

/* pvspinlock_gpa() of an address it cannot translate. */
#define PVSPINLOCK_NO_GPA	((phys_addr_t)-1)

phys_addr_t pvspinlock_gpa(const void *p);
phys_addr_t pvspinlock_gpa_walk(const void *p, unsigned int *level);

#endif /* _PVSPINLOCK_H */
