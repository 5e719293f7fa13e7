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

static inline unsigned int mchost_slist_nr(const struct mchost_slist *s)
{
	return s ? s->nr : 0;
}

struct mchost_slist *mchost_slist_alloc(unsigned int cap, gfp_t gfp);
void mchost_slist_free(struct mchost_slist *s);
struct mchost_slist *mchost_slist_dup(const struct mchost_slist *s, gfp_t gfp);

/*
 * Sort s in place. Returns 0, or -EEXIST if an address appears twice (the
 * set is left sorted).
 */
int mchost_slist_sort(struct mchost_slist *s);

bool mchost_slist_contains(const struct mchost_slist *s,
			   const struct in6_addr *a);
bool mchost_slist_equal(const struct mchost_slist *a,
			const struct mchost_slist *b);

/*
 * dst := a OP b. dst must not alias a or b. Each returns 0, or -E2BIG if the
 * result does not fit in dst->cap (dst->nr is then 0).
 */
int mchost_slist_union(struct mchost_slist *dst, const struct mchost_slist *a,
		       const struct mchost_slist *b);
int mchost_slist_intersect(struct mchost_slist *dst,
			   const struct mchost_slist *a,
			   const struct mchost_slist *b);
int mchost_slist_diff(struct mchost_slist *dst, const struct mchost_slist *a,
		      const struct mchost_slist *b);

#endif /* _MCHOST_SLIST_H */
