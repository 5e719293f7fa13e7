/* SPDX-License-Identifier: GPL-2.0 */
/* Fuzz shim: the part of <linux/kernel.h> the core files rely on. */
#ifndef _FUZZ_SHIM_LINUX_KERNEL_H
#define _FUZZ_SHIM_LINUX_KERNEL_H

#include <linux/types.h>
#include <linux/limits.h>
#include <linux/minmax.h>

#endif
