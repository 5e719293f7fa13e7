// SPDX-License-Identifier: GPL-2.0
/*
 * The out-of-line half of the fuzz shim (fuzz/shim/): allocation with a
 * live-block count and failure injection, sort(), and the Internet
 * checksum.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/slab.h>
#include <linux/sort.h>
#include <net/checksum.h>
#include <net/ip6_checksum.h>

#include "shim.h"

static long fuzz_live;
static long fuzz_fail_in = -1;

void fuzz_alloc_fail_after(long n)
{
	fuzz_fail_in = n;
}

long fuzz_alloc_live(void)
{
	return fuzz_live;
}

void *kmalloc(size_t size, gfp_t gfp)
{
	void *p;

	(void)gfp;
	if (fuzz_fail_in == 0) {
		fuzz_fail_in = -1;
		return NULL;
	}
	if (fuzz_fail_in > 0)
		fuzz_fail_in--;
	/* A zero-size kmalloc() is a valid, distinct pointer in the kernel. */
	p = malloc(size ? size : 1);
	if (!p) {
		fprintf(stderr, "shim: out of memory (%zu bytes)\n", size);
		abort();
	}
	fuzz_live++;
	return p;
}

void kfree(const void *p)
{
	if (!p)
		return;
	fuzz_live--;
	free((void *)p);
}

void sort(void *base, size_t num, size_t size, cmp_func_t cmp_func,
	  swap_func_t swap_func)
{
	/* The core files sort plain arrays: a custom swap is never passed. */
	if (swap_func) {
		fprintf(stderr, "shim: sort() with a swap function\n");
		abort();
	}
	qsort(base, num, size, cmp_func);
}

/* Sum 16-bit words in memory order; an odd last byte is padded with 0. */
__wsum csum_partial(const void *buff, int len, __wsum sum)
{
	const unsigned char *p = buff;
	unsigned long long acc = (__u32)sum;
	__u16 w;

	for (; len > 1; len -= 2, p += 2) {
		memcpy(&w, p, 2);
		acc += w;
	}
	if (len == 1) {
		w = 0;
		memcpy(&w, p, 1);
		acc += w;
	}
	while (acc >> 32)
		acc = (acc & 0xffffffffULL) + (acc >> 32);
	return (__wsum)acc;
}

__sum16 csum_fold(__wsum sum)
{
	__u32 s = (__u32)sum;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__sum16)~s;
}

__sum16 ip_compute_csum(const void *buff, int len)
{
	return csum_fold(csum_partial(buff, len, 0));
}

__sum16 csum_ipv6_magic(const struct in6_addr *saddr,
			const struct in6_addr *daddr, __u32 len, __u8 proto,
			__wsum csum)
{
	unsigned char ph[40];
	__u32 blen = htonl(len);

	memcpy(ph, saddr, 16);
	memcpy(ph + 16, daddr, 16);
	memcpy(ph + 32, &blen, 4);
	memset(ph + 36, 0, 3);
	ph[39] = proto;
	return csum_fold(csum_partial(ph, sizeof(ph), csum));
}
