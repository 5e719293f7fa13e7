/* SPDX-License-Identifier: GPL-2.0 */
/* Owners' source filters and their merge into one per-interface state. */
#ifndef _MCHOST_FILTER_H
#define _MCHOST_FILTER_H

#include "slist.h"

/* Values are those of enum mchost_fmode in the uapi header. */
struct mchost_filter {
	u8 mode;			/* MCHOST_FMODE_INCLUDE or _EXCLUDE */
	struct mchost_slist *src;	/* NULL: no sources */
};

/**
 * mchost_filter_merge() - the interface state of several owners' filters
 * @owners: the filters
 * @n: how many; 0 gives INCLUDE {}
 * @max: most sources the result may have
 * @out: the result; out->src is newly allocated (NULL when empty), for
 *       the caller to free
 * @gfp: allocation flags
 *
 * RFC 9776 §3.2, RFC 9777 §4.2: if any owner excludes, the result is
 * EXCLUDE of the intersection of all EXCLUDE lists minus the union of all
 * INCLUDE lists; otherwise INCLUDE of the union of the INCLUDE lists.
 *
 * Return: 0, -ENOMEM, or -E2BIG if the result has more than @max sources.
 */
int mchost_filter_merge(const struct mchost_filter *const *owners,
			unsigned int n, unsigned int max,
			struct mchost_filter *out, gfp_t gfp);

#endif /* _MCHOST_FILTER_H */
