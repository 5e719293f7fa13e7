/* SPDX-License-Identifier: GPL-2.0 */
/* Controls of the fuzz shim's allocator (fuzz/shim.c). */
#ifndef _FUZZ_SHIM_H
#define _FUZZ_SHIM_H

/*
 * Let n more kmalloc() calls succeed, then fail one (and only that one);
 * n < 0 turns failures off.
 */
void fuzz_alloc_fail_after(long n);

/* Blocks kmalloc()ed and not kfree()d yet. */
long fuzz_alloc_live(void);

#endif
