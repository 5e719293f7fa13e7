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

/*
 * Retransmission state of one group: the Filter Mode Retransmission
 * Counter, and the Retransmission List (RFC 9777 §6.1) split by the record
 * each source goes in, with a counter per source.
 */
struct mchost_rtx {
	u8 mode_cnt;		/* Filter-Mode-Change transmissions left */
	u8 src_cnt;		/* the most any pending source has left */
	struct mchost_slist *allow;	/* pending ALLOW sources */
	struct mchost_slist *block;	/* pending BLOCK sources */
	/* Transmissions left per source: allow's, then block's, in order. */
	u8 *cnt;
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
 * Merged with what @rtx had pending. A filter-mode change restarts
 * mode_cnt at @rv and ends the pending source lists (its TO_IN/TO_EX
 * records restate every source). A source-list change puts each source it
 * reports in the ALLOW or BLOCK list with @rv transmissions to go, taking
 * it out of the other list; the other pending sources keep what they have
 * left.
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
 *       valid until the next call on @rtx (the sources spent by this
 *       transmission leave the lists at that call, or in
 *       mchost_change_clear())
 *
 * While mode_cnt is non-zero: a TO_IN/TO_EX record of the current state.
 * Else: ALLOW and BLOCK of the pending sources (an empty one is omitted).
 * Either way every pending source has one transmission fewer to go.
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
 * mchost_change_idle() - nothing pending, and no source list kept either
 * @rtx: the retransmission state
 *
 * A spent change keeps its lists while its last records may be in use.
 *
 * Return: true if so.
 */
static inline bool mchost_change_idle(const struct mchost_rtx *rtx)
{
	return !mchost_change_pending(rtx) && !rtx->allow && !rtx->block &&
	       !rtx->cnt;
}

/**
 * mchost_change_clear() - drop everything pending
 * @rtx: the retransmission state
 */
void mchost_change_clear(struct mchost_rtx *rtx);

#endif /* _MCHOST_CHANGE_H */
