/* SPDX-License-Identifier: GPL-2.0 */
/* Fuzz shim: struct_size(), saturating at SIZE_MAX like the kernel's. */
#ifndef _FUZZ_SHIM_LINUX_OVERFLOW_H
#define _FUZZ_SHIM_LINUX_OVERFLOW_H

#include <stddef.h>
#include <stdint.h>

static inline size_t size_mul(size_t a, size_t b)
{
	size_t r;

	return __builtin_mul_overflow(a, b, &r) ? SIZE_MAX : r;
}

static inline size_t size_add(size_t a, size_t b)
{
	size_t r;

	return __builtin_add_overflow(a, b, &r) ? SIZE_MAX : r;
}

#define struct_size(p, member, count)					\
	size_add(sizeof(*(p)), size_mul(count, sizeof(*(p)->member)))

#endif
