/* SPDX-License-Identifier: GPL-2.0 */
/* Fuzz shim: the uapi header holds the IGMP type and record numbers. */
#ifndef _FUZZ_SHIM_LINUX_IGMP_H
#define _FUZZ_SHIM_LINUX_IGMP_H

#include_next <linux/igmp.h>

#endif
