/* SPDX-License-Identifier: GPL-2.0 */
/*
 * State-change reports (RFC 9776 §5.1, RFC 9777 §6.1): the records a change
 * of a group's interface state produces, merged with the retransmissions
 * still pending from earlier changes. Family independent, no locking: the
 * caller holds the device lock.
 */
#ifndef _MCHOST_CHANGE_H
#define _MCHOST_CHANGE_H

#include "filter.h"
#include "report.h"

struct mchost_rtx {
	u8 mode_cnt;		/* Filter-Mode-Change transmissions left */
	u8 src_cnt;		/* Source-List-Change transmissions left */
	struct mchost_slist *allow;	/* pending ALLOW sources */
	struct mchost_slist *block;	/* pending BLOCK sources */
};

/**
 * mchost_change_merge() - record a change of a group's interface state
 * @rtx: what is still pending from earlier changes
 * @old: the state before (INCLUDE {} for a join)
 * @new: the state after (INCLUDE {} for a leave)
 * @rv: the Robustness Variable: the total number of transmissions
 *      (RFC 9776 §5.1)
 * @gfp: allocation flags
 *
 * Merged with what @rtx had pending: a filter mode change restarts
 * mode_cnt at @rv; a source-list change adds its ALLOW/BLOCK sources to
 * the pending lists (a source newly allowed leaves the pending BLOCK list
 * and vice versa) and raises src_cnt to @rv (sources of earlier changes
 * keep what they had left, should @rv have dropped).
 *
 * Return: 0 or -ENOMEM (*@rtx unchanged then).
 */
int mchost_change_merge(struct mchost_rtx *rtx,
			const struct mchost_filter *old,
			const struct mchost_filter *new, unsigned int rv,
			gfp_t gfp);

/**
 * mchost_change_next() - the records of the next transmission
 * @rtx: what is pending; one transmission is consumed
 * @cur: the group's current state
 * @group: the group address
 * @out: room for 2 records; their src point into *@rtx or *@cur and stay
 *       valid until the next call on @rtx (spent lists are freed by the
 *       call after the last transmission, or by mchost_change_clear())
 *
 * While mode_cnt is non-zero: a TO_IN/TO_EX record of the current state,
 * which carries the pending source-list changes and so also counts against
 * src_cnt (RFC 9776 §5.1: what remains after the mode change is sent as
 * ALLOW/BLOCK). Else, while src_cnt is non-zero: ALLOW and BLOCK of the
 * pending lists (an empty one is omitted).
 *
 * Return: the number of records (0: nothing pending).
 */
unsigned int mchost_change_next(struct mchost_rtx *rtx,
				const struct mchost_filter *cur,
				const struct in6_addr *group,
				struct mchost_rec *out);

/**
 * mchost_change_pending() - are transmissions still pending?
 * @rtx: the retransmission state
 *
 * Return: true if so.
 */
static inline bool mchost_change_pending(const struct mchost_rtx *rtx)
{
	return rtx->mode_cnt || rtx->src_cnt;
}

/**
 * mchost_change_clear() - drop everything pending
 * @rtx: the retransmission state
 */
void mchost_change_clear(struct mchost_rtx *rtx);

#endif /* _MCHOST_CHANGE_H */
