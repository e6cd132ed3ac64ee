/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The version of the pvops modules: MODULE_VERSION() of each (modinfo,
 * /sys/module/<name>/version), and the Makefile's PVOPS_VERSION, which
 * names the DKMS package, reads it from here.
 */
#ifndef _PVOPS_VERSION_H
#define _PVOPS_VERSION_H

#define PVOPS_VERSION "0.1"

#endif /* _PVOPS_VERSION_H */
