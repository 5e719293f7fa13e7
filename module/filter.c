// SPDX-License-Identifier: GPL-2.0
/*
 * Merge of the owners' source filters of one group into the interface state
 * that is reported on the wire (RFC 9776 §3.2, RFC 9777 §4.2).
 */

#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/mchost.h>

#include "filter.h"

/*
 * Any owner mode other than EXCLUDE counts as INCLUDE; the netlink layer
 * accepts only the two enum values.
 */
static bool mchost_filter_excl(const struct mchost_filter *f)
{
	return f->mode == MCHOST_FMODE_EXCLUDE;
}

/* Swap the roles of the accumulated result and the scratch buffer. */
static void mchost_filter_swap(struct mchost_slist **acc,
			       struct mchost_slist **tmp)
{
	struct mchost_slist *t = *acc;

	*acc = *tmp;
	*tmp = t;
}

/*
 * EXCLUDE result: the intersection of the EXCLUDE lists minus the union of
 * the INCLUDE lists. Removing each INCLUDE list in turn gives the same set
 * without building that union. Seeding with the smallest EXCLUDE list (at
 * index seed) bounds every step by its size, which fits in u16.
 */
static int mchost_filter_merge_excl(const struct mchost_filter *const *owners,
				    unsigned int n, unsigned int seed,
				    struct mchost_slist **res, gfp_t gfp)
{
	unsigned int i, cap = mchost_slist_nr(owners[seed]->src);
	struct mchost_slist *acc, *tmp;
	int err = 0;

	acc = mchost_slist_alloc(cap, gfp);
	tmp = mchost_slist_alloc(cap, gfp);
	if (!acc || !tmp) {
		err = -ENOMEM;
		goto out;
	}

	/* A union with the empty set is a plain copy. */
	err = mchost_slist_union(acc, NULL, owners[seed]->src);
	if (err)
		goto out;

	for (i = 0; i < n && acc->nr; i++) {
		if (i == seed)
			continue;
		if (mchost_filter_excl(owners[i]))
			err = mchost_slist_intersect(tmp, acc, owners[i]->src);
		else
			err = mchost_slist_diff(tmp, acc, owners[i]->src);
		if (err)
			goto out;
		mchost_filter_swap(&acc, &tmp);
	}

	*res = acc;
	acc = NULL;
out:
	mchost_slist_free(acc);
	mchost_slist_free(tmp);
	return err;
}

/*
 * INCLUDE result: the union of the INCLUDE lists. Each partial union is a
 * subset of the final one, so a partial union that does not fit in
 * min(max, U16_MAX) means the result is too big as well.
 */
static int mchost_filter_merge_incl(const struct mchost_filter *const *owners,
				    unsigned int n, unsigned int cap,
				    struct mchost_slist **res, gfp_t gfp)
{
	struct mchost_slist *acc, *tmp;
	unsigned int i;
	int err = 0;

	acc = mchost_slist_alloc(cap, gfp);
	tmp = mchost_slist_alloc(cap, gfp);
	if (!acc || !tmp) {
		err = -ENOMEM;
		goto out;
	}

	for (i = 0; i < n; i++) {
		if (!mchost_slist_nr(owners[i]->src))
			continue;
		err = mchost_slist_union(tmp, acc, owners[i]->src);
		if (err)
			goto out;
		mchost_filter_swap(&acc, &tmp);
	}

	*res = acc;
	acc = NULL;
out:
	mchost_slist_free(acc);
	mchost_slist_free(tmp);
	return err;
}

/* out is written only on success, so a failed merge leaves it intact. */
int mchost_filter_merge(const struct mchost_filter *const *owners,
			unsigned int n, unsigned int max,
			struct mchost_filter *out, gfp_t gfp)
{
	unsigned int i, seed = n, incl_sum = 0;
	struct mchost_slist *res = NULL;
	u8 mode;
	int err = 0;

	for (i = 0; i < n; i++) {
		unsigned int nr = mchost_slist_nr(owners[i]->src);

		if (!mchost_filter_excl(owners[i]))
			/* Saturate: no slist can hold more than U16_MAX. */
			incl_sum = min_t(unsigned int, incl_sum + nr, U16_MAX);
		else if (seed == n || nr < mchost_slist_nr(owners[seed]->src))
			seed = i;
	}

	if (seed < n) {
		mode = MCHOST_FMODE_EXCLUDE;
		/*
		 * EXCLUDE {} (an any-source join) empties the intersection:
		 * the interface then excludes nothing (RFC 9776 §3.2).
		 */
		if (mchost_slist_nr(owners[seed]->src))
			err = mchost_filter_merge_excl(owners, n, seed, &res,
						       gfp);
	} else {
		mode = MCHOST_FMODE_INCLUDE;
		if (incl_sum)
			err = mchost_filter_merge_incl(owners, n,
						       min(incl_sum, max),
						       &res, gfp);
	}
	if (err)
		goto fail;

	if (mchost_slist_nr(res) > max) {
		err = -E2BIG;
		goto fail;
	}

	/*
	 * The scratch cap may be far above the count: hand over a tight copy,
	 * which is NULL for an empty result as filter.h promises.
	 */
	if (res && (res->nr < res->cap || !res->nr)) {
		struct mchost_slist *tight = mchost_slist_dup(res, gfp);

		if (res->nr && !tight) {
			err = -ENOMEM;
			goto fail;
		}
		mchost_slist_free(res);
		res = tight;
	}

	out->mode = mode;
	out->src = res;
	return 0;

fail:
	mchost_slist_free(res);
	return err;
}
