/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fuzz shim: min(), max(), min_t(), max_t(), clamp_t(). Like the kernel's,
 * min()/max() refuse operands of different types, and every operand is
 * evaluated once.
 */
#ifndef _FUZZ_SHIM_LINUX_MINMAX_H
#define _FUZZ_SHIM_LINUX_MINMAX_H

#define __fuzz_cmp(op, x, y) ({					\
	__auto_type __x = (x);					\
	__auto_type __y = (y);					\
	_Static_assert(__builtin_types_compatible_p(typeof(__x),	\
						    typeof(__y)),	\
		       "min/max of different types");		\
	__x op __y ? __x : __y; })

#define min(x, y)	__fuzz_cmp(<, x, y)
#define max(x, y)	__fuzz_cmp(>, x, y)
#define min_t(type, x, y)	__fuzz_cmp(<, (type)(x), (type)(y))
#define max_t(type, x, y)	__fuzz_cmp(>, (type)(x), (type)(y))
#define clamp_t(type, val, lo, hi)	min_t(type, max_t(type, val, lo), hi)

#endif
