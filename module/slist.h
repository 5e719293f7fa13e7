/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Source sets: sorted arrays of unique addresses. IPv4 sources are kept as
 * IPv4-mapped IPv6 addresses so that one implementation serves IGMP and MLD.
 * A NULL set pointer is the empty set wherever a set is read.
 */
#ifndef _MCHOST_SLIST_H
#define _MCHOST_SLIST_H

#include <linux/types.h>
#include <linux/in6.h>
#include <linux/gfp.h>

struct mchost_slist {
	u16 nr;				/* addresses in use */
	u16 cap;			/* addresses allocated */
	struct in6_addr addr[];		/* ascending, by memcmp() order */
};

/**
 * mchost_slist_nr() - the number of addresses in a set
 * @s: the set, NULL being empty
 *
 * Return: the count.
 */
static inline unsigned int mchost_slist_nr(const struct mchost_slist *s)
{
	return s ? s->nr : 0;
}

/**
 * mchost_slist_alloc() - an empty set
 * @cap: room for this many addresses (at most U16_MAX)
 * @gfp: allocation flags
 *
 * Return: the set, or NULL.
 */
struct mchost_slist *mchost_slist_alloc(unsigned int cap, gfp_t gfp);

/**
 * mchost_slist_free() - free a set
 * @s: the set; NULL is fine
 */
void mchost_slist_free(struct mchost_slist *s);

/**
 * mchost_slist_dup() - copy a set
 * @s: the set
 * @gfp: allocation flags
 *
 * Return: a copy with cap == nr, NULL if @s is empty or on failure.
 */
struct mchost_slist *mchost_slist_dup(const struct mchost_slist *s, gfp_t gfp);

/**
 * mchost_slist_sort() - sort a set in place
 * @s: the set
 *
 * Return: 0, or -EEXIST if an address appears twice (the set is left
 * sorted).
 */
int mchost_slist_sort(struct mchost_slist *s);

/**
 * mchost_slist_contains() - membership test
 * @s: the set
 * @a: the address
 *
 * Return: true if @a is in @s.
 */
bool mchost_slist_contains(const struct mchost_slist *s,
			   const struct in6_addr *a);

/**
 * mchost_slist_equal() - equality of two sets
 * @a: one set
 * @b: the other
 *
 * Return: true if they hold the same addresses (NULL equals empty).
 */
bool mchost_slist_equal(const struct mchost_slist *a,
			const struct mchost_slist *b);

/**
 * mchost_slist_union() - dst := a ∪ b
 * @dst: the result; must not alias @a or @b
 * @a: one set
 * @b: the other
 *
 * Return: 0, or -E2BIG if the result does not fit in dst->cap (dst->nr is
 * then 0). The same holds for the intersection and the difference.
 */
int mchost_slist_union(struct mchost_slist *dst, const struct mchost_slist *a,
		       const struct mchost_slist *b);

/**
 * mchost_slist_intersect() - dst := a ∩ b
 * @dst: the result; must not alias @a or @b
 * @a: one set
 * @b: the other
 *
 * Return: 0, or -E2BIG as for mchost_slist_union().
 */
int mchost_slist_intersect(struct mchost_slist *dst,
			   const struct mchost_slist *a,
			   const struct mchost_slist *b);

/**
 * mchost_slist_diff() - dst := a − b
 * @dst: the result; must not alias @a or @b
 * @a: the set taken from
 * @b: the set taken away
 *
 * Return: 0, or -E2BIG as for mchost_slist_union().
 */
int mchost_slist_diff(struct mchost_slist *dst, const struct mchost_slist *a,
		      const struct mchost_slist *b);

#endif /* _MCHOST_SLIST_H */
