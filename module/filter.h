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

/*
 * Merge the filters of n owners into out (RFC 9776 §3.2, RFC 9777 §4.2):
 * if any owner excludes, the result is EXCLUDE of the intersection of all
 * EXCLUDE lists minus the union of all INCLUDE lists; otherwise INCLUDE of
 * the union of the INCLUDE lists. n == 0 gives INCLUDE {}.
 * out->src is newly allocated (NULL when empty); the caller frees it.
 * Returns 0, -ENOMEM, or -E2BIG if the result has more than max sources.
 */
int mchost_filter_merge(const struct mchost_filter *const *owners,
			unsigned int n, unsigned int max,
			struct mchost_filter *out, gfp_t gfp);

#endif /* _MCHOST_FILTER_H */
