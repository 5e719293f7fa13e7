// SPDX-License-Identifier: GPL-2.0
/*
 * State-change reports of one group (RFC 9776 §5.1, RFC 9777 §6.1): the
 * records that describe a change of the interface state, and what is still
 * to be sent of them once later changes have been merged in.
 *
 * The RFCs keep a retransmission counter per source. One counter for all
 * pending sources, raised to the Robustness Variable by every source-list
 * change, is simpler and never sends a source fewer times than they ask;
 * it may send an older one a few more times, which a router takes as a
 * repeat of what it knows.
 */

#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/mchost.h>
#include <linux/minmax.h>

#include "change.h"

/* Anything but EXCLUDE is INCLUDE, as for a state that does not exist. */
static bool mchost_change_excl(const struct mchost_filter *f)
{
	return f->mode == MCHOST_FMODE_EXCLUDE;
}

static void mchost_change_drop_lists(struct mchost_rtx *rtx)
{
	mchost_slist_free(rtx->allow);
	mchost_slist_free(rtx->block);
	rtx->allow = NULL;
	rtx->block = NULL;
}

/* *out := a - b, newly allocated, NULL when empty. */
static int mchost_change_diff(struct mchost_slist **out,
			      const struct mchost_slist *a,
			      const struct mchost_slist *b, gfp_t gfp)
{
	struct mchost_slist *d;

	*out = NULL;
	if (!mchost_slist_nr(a))
		return 0;
	d = mchost_slist_alloc(mchost_slist_nr(a), gfp);
	if (!d)
		return -ENOMEM;
	/* A difference is never larger than its left side: this fits. */
	mchost_slist_diff(d, a, b);
	if (!d->nr)
		mchost_slist_free(d);
	else
		*out = d;
	return 0;
}

/*
 * *out := (pend - cancel) | add, newly allocated, NULL when empty: a
 * pending list after a change whose own list for it is add and whose list
 * for the opposite record is cancel. A source keeps only the record of its
 * latest change (RFC 9776 §5.1, RFC 9777 §6.1: ALLOW carries the sources
 * with retransmission state that must be forwarded, BLOCK those that must
 * be blocked). A result that a set cannot hold is -ENOMEM too: it is the
 * only failure the caller knows.
 */
static int mchost_change_fold(struct mchost_slist **out,
			      const struct mchost_slist *pend,
			      const struct mchost_slist *cancel,
			      const struct mchost_slist *add, gfp_t gfp)
{
	struct mchost_slist *kept, *res;
	unsigned int cap;
	int err;

	*out = NULL;
	err = mchost_change_diff(&kept, pend, cancel, gfp);
	if (err)
		return err;
	if (!mchost_slist_nr(add)) {
		*out = kept;
		return 0;
	}
	if (!kept) {
		res = mchost_slist_dup(add, gfp);
		if (!res)
			return -ENOMEM;
		*out = res;
		return 0;
	}

	cap = min_t(unsigned int, kept->nr + add->nr, U16_MAX);
	res = mchost_slist_alloc(cap, gfp);
	if (!res) {
		mchost_slist_free(kept);
		return -ENOMEM;
	}
	err = mchost_slist_union(res, kept, add);
	mchost_slist_free(kept);
	if (err) {
		mchost_slist_free(res);
		return -ENOMEM;
	}
	*out = res;
	return 0;
}

int mchost_change_merge(struct mchost_rtx *rtx,
			const struct mchost_filter *old,
			const struct mchost_filter *new, unsigned int rv,
			gfp_t gfp)
{
	const struct mchost_slist *gain, *lose, *pend_allow, *pend_block;
	struct mchost_slist *d_allow = NULL, *d_block = NULL;
	struct mchost_slist *allow = NULL, *block = NULL;
	bool excl = mchost_change_excl(new);
	/*
	 * rv counts every transmission, the first included (RFC 9776 §5.1,
	 * RFC 9777 §6.1: the report is retransmitted [Robustness Variable] - 1
	 * more times). Zero is not a valid Robustness Variable (RFC 9776 §8.1,
	 * RFC 9777 §9.1), and a change must still be sent once.
	 */
	u8 cnt = clamp_t(unsigned int, rv, 1, U8_MAX);
	int err;

	if (mchost_change_excl(old) != excl) {
		/*
		 * A filter-mode change: the next [Robustness Variable] reports
		 * carry TO_IN/TO_EX of the current state (RFC 9776 §5.1,
		 * RFC 9777 §6.1). Pending source changes are dropped: those
		 * reports carry the whole state, and no source counter can
		 * outlive the new mode counter.
		 */
		rtx->mode_cnt = cnt;
		rtx->src_cnt = 0;
		mchost_change_drop_lists(rtx);
		return 0;
	}
	/* No change of the interface state, nothing to report (§5.1). */
	if (mchost_slist_equal(old->src, new->src))
		return 0;

	/*
	 * INCLUDE(A) -> INCLUDE(B): ALLOW(B - A), BLOCK(A - B);
	 * EXCLUDE(A) -> EXCLUDE(B): ALLOW(A - B), BLOCK(B - A)
	 * (RFC 9776 §5.1 Table 3, RFC 9777 §6.1 Table 1).
	 */
	gain = excl ? old->src : new->src;
	lose = excl ? new->src : old->src;

	/* Lists whose transmissions are all done are no longer pending. */
	pend_allow = rtx->src_cnt ? rtx->allow : NULL;
	pend_block = rtx->src_cnt ? rtx->block : NULL;

	/* Everything into new lists first: a failure leaves *rtx as it was. */
	err = mchost_change_diff(&d_allow, gain, lose, gfp);
	if (!err)
		err = mchost_change_diff(&d_block, lose, gain, gfp);
	if (!err)
		err = mchost_change_fold(&allow, pend_allow, d_block, d_allow,
					 gfp);
	if (!err)
		err = mchost_change_fold(&block, pend_block, d_allow, d_block,
					 gfp);
	mchost_slist_free(d_allow);
	mchost_slist_free(d_block);
	if (err) {
		mchost_slist_free(allow);
		mchost_slist_free(block);
		return err;
	}

	mchost_change_drop_lists(rtx);
	rtx->allow = allow;
	rtx->block = block;
	/*
	 * The merged report is the first of [Robustness Variable] new ones
	 * (RFC 9776 §5.1, RFC 9777 §6.1). Sources of earlier changes keep the
	 * transmissions they have left, which are more if the Robustness
	 * Variable has dropped since (a querier's QRV). A pending mode change
	 * keeps its own count.
	 */
	rtx->src_cnt = max(rtx->src_cnt, cnt);
	return 0;
}

unsigned int mchost_change_next(struct mchost_rtx *rtx,
				const struct mchost_filter *cur,
				const struct in6_addr *group,
				struct mchost_rec *out)
{
	unsigned int n = 0;

	/*
	 * Lists spent by the previous call were kept for its records; the
	 * caller is done with those now.
	 */
	if (!rtx->src_cnt)
		mchost_change_drop_lists(rtx);

	if (rtx->mode_cnt) {
		/*
		 * TO_IN/TO_EX lists the whole current state (RFC 9776 §5.1
		 * Table 4, RFC 9777 §6.1 Table 2), so it includes any source
		 * change made since the mode change.
		 */
		out[0].type = mchost_change_excl(cur) ? MCHOST_REC_TO_EX :
							MCHOST_REC_TO_IN;
		out[0].group = *group;
		out[0].src = cur->src;
		rtx->mode_cnt--;
		/*
		 * It is a State-Change Report for the pending sources too:
		 * their state lasts [Robustness Variable] reports of any kind,
		 * and what is left once the mode records are done goes out as
		 * ALLOW/BLOCK (RFC 9776 §5.1, RFC 9777 §6.1).
		 */
		if (rtx->src_cnt)
			rtx->src_cnt--;
		return 1;
	}
	if (!rtx->src_cnt)
		return 0;

	/* An empty ALLOW or BLOCK record is omitted (§5.1, §6.1). */
	if (mchost_slist_nr(rtx->allow)) {
		out[n].type = MCHOST_REC_ALLOW;
		out[n].group = *group;
		out[n].src = rtx->allow;
		n++;
	}
	if (mchost_slist_nr(rtx->block)) {
		out[n].type = MCHOST_REC_BLOCK;
		out[n].group = *group;
		out[n].src = rtx->block;
		n++;
	}
	/* Nothing to say is nothing pending. */
	rtx->src_cnt = n ? rtx->src_cnt - 1 : 0;
	return n;
}

void mchost_change_clear(struct mchost_rtx *rtx)
{
	mchost_change_drop_lists(rtx);
	rtx->mode_cnt = 0;
	rtx->src_cnt = 0;
}
