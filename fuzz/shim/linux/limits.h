/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fuzz shim: the kernel's U8_MAX ... limits. glibc's <limits.h> includes
 * <linux/limits.h> too, so the uapi one is kept underneath.
 */
#ifndef _FUZZ_SHIM_LINUX_LIMITS_H
#define _FUZZ_SHIM_LINUX_LIMITS_H

#include_next <linux/limits.h>
#include <linux/types.h>

#define U8_MAX		((u8)~0U)
#define U16_MAX		((u16)~0U)
#define U32_MAX		((u32)~0U)
#define S32_MAX		((s32)(U32_MAX >> 1))

#endif
