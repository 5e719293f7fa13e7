/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fuzz shim: kmalloc()/kfree() on malloc(), through fuzz/shim.c, which
 * counts live blocks (a leak check per input) and fails an allocation on
 * request (fuzz_alloc_fail_after()).
 */
#ifndef _FUZZ_SHIM_LINUX_SLAB_H
#define _FUZZ_SHIM_LINUX_SLAB_H

#include <linux/gfp.h>

void *kmalloc(size_t size, gfp_t gfp);
void kfree(const void *p);

#endif
