// SPDX-License-Identifier: GPL-2.0
/*
 * Source sets. Keeping them sorted makes union, intersection and difference
 * single linear passes, which is all the RFC 9776 §3.2 / RFC 9777 §4.2
 * merge and the state-change reports need.
 */

#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "slist.h"

static int mchost_addr_cmp(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a));
}

static int mchost_slist_sort_cmp(const void *a, const void *b)
{
	return mchost_addr_cmp(a, b);
}

/* cap is u16 in the struct, so a larger request cannot be honoured. */
struct mchost_slist *mchost_slist_alloc(unsigned int cap, gfp_t gfp)
{
	struct mchost_slist *s;

	if (cap > U16_MAX)
		return NULL;
	s = kmalloc(struct_size(s, addr, cap), gfp);
	if (!s)
		return NULL;
	s->nr = 0;
	s->cap = cap;
	return s;
}

void mchost_slist_free(struct mchost_slist *s)
{
	kfree(s);
}

/*
 * An empty set is represented by NULL, so copying NULL or an empty set yields
 * NULL without being an error. Only a non-empty src can fail (-ENOMEM); the
 * caller tests "src && src->nr && !copy".
 */
struct mchost_slist *mchost_slist_dup(const struct mchost_slist *src, gfp_t gfp)
{
	struct mchost_slist *s;

	if (!src || !src->nr)
		return NULL;
	s = mchost_slist_alloc(src->nr, gfp);
	if (!s)
		return NULL;
	memcpy(s->addr, src->addr, src->nr * sizeof(src->addr[0]));
	s->nr = src->nr;
	return s;
}

int mchost_slist_sort(struct mchost_slist *s)
{
	unsigned int i;

	if (!s || s->nr < 2)
		return 0;
	sort(s->addr, s->nr, sizeof(s->addr[0]), mchost_slist_sort_cmp, NULL);
	/* Once sorted, any repeat sits next to its twin. */
	for (i = 1; i < s->nr; i++)
		if (!mchost_addr_cmp(&s->addr[i - 1], &s->addr[i]))
			return -EEXIST;
	return 0;
}

bool mchost_slist_contains(const struct mchost_slist *s,
			   const struct in6_addr *a)
{
	unsigned int lo = 0, hi = mchost_slist_nr(s);

	/* Invariant: a, if present, lies in addr[lo, hi). */
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		int c = mchost_addr_cmp(a, &s->addr[mid]);

		if (!c)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

bool mchost_slist_equal(const struct mchost_slist *a,
			const struct mchost_slist *b)
{
	unsigned int n = mchost_slist_nr(a);

	if (n != mchost_slist_nr(b))
		return false;
	return !n || !memcmp(a->addr, b->addr, n * sizeof(a->addr[0]));
}

/* Append to dst, or report that the result would not fit. */
static bool mchost_slist_push(struct mchost_slist *dst,
			      const struct in6_addr *a)
{
	if (dst->nr >= dst->cap)
		return false;
	dst->addr[dst->nr++] = *a;
	return true;
}

/*
 * One merge walk serves all three operations: the flags say which of the
 * three kinds of element (only in a, in both, only in b) go to dst.
 */
#define MCHOST_SL_A	BIT(0)
#define MCHOST_SL_BOTH	BIT(1)
#define MCHOST_SL_B	BIT(2)

static int mchost_slist_merge(struct mchost_slist *dst,
			      const struct mchost_slist *a,
			      const struct mchost_slist *b, unsigned int keep)
{
	unsigned int na = mchost_slist_nr(a), nb = mchost_slist_nr(b);
	unsigned int i = 0, j = 0;
	const struct in6_addr *x;
	unsigned int kind;

	dst->nr = 0;
	while (i < na || j < nb) {
		int c;

		if (i == na)
			c = 1;
		else if (j == nb)
			c = -1;
		else
			c = mchost_addr_cmp(&a->addr[i], &b->addr[j]);

		if (c < 0) {
			x = &a->addr[i++];
			kind = MCHOST_SL_A;
		} else if (c > 0) {
			x = &b->addr[j++];
			kind = MCHOST_SL_B;
		} else {
			x = &a->addr[i++];
			j++;
			kind = MCHOST_SL_BOTH;
		}

		if ((keep & kind) && !mchost_slist_push(dst, x)) {
			dst->nr = 0;
			return -E2BIG;
		}
	}
	return 0;
}

int mchost_slist_union(struct mchost_slist *dst, const struct mchost_slist *a,
		       const struct mchost_slist *b)
{
	return mchost_slist_merge(dst, a, b,
				  MCHOST_SL_A | MCHOST_SL_BOTH | MCHOST_SL_B);
}

int mchost_slist_intersect(struct mchost_slist *dst,
			   const struct mchost_slist *a,
			   const struct mchost_slist *b)
{
	return mchost_slist_merge(dst, a, b, MCHOST_SL_BOTH);
}

int mchost_slist_diff(struct mchost_slist *dst, const struct mchost_slist *a,
		      const struct mchost_slist *b)
{
	return mchost_slist_merge(dst, a, b, MCHOST_SL_A);
}
