/* SPDX-License-Identifier: GPL-2.0 */
/* Fuzz shim: allocation flags (only passed through to kmalloc()). */
#ifndef _FUZZ_SHIM_LINUX_GFP_H
#define _FUZZ_SHIM_LINUX_GFP_H

#include <linux/types.h>

#define __GFP_NOWARN	0x1u
#define GFP_ATOMIC	0x2u
#define GFP_KERNEL	0x4u

#endif
