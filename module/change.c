// SPDX-License-Identifier: GPL-2.0
/*
 * State-change reports of one group (RFC 9776 §5.1, RFC 9777 §6.1): the
 * records that describe a change of the interface state, and what is still
 * to be sent of them once later changes have been merged in.
 *
 * Retransmission state is kept per source, as those sections ask:
 *  - A source-list change sets the count of each source it reports to the
 *    Robustness Variable. Every State-Change Report sent takes one off each
 *    pending source, and a source leaves the lists at zero. Other pending
 *    sources keep what they have left. A source keeps only the record of
 *    its latest change.
 *  - A filter-mode change is sent as TO_IN/TO_EX [Robustness Variable]
 *    times. Those records carry the whole state, so the change reports
 *    every source: it ends the per-source state pending before it (the
 *    merged report "terminates retransmissions of the earlier State-Change
 *    Reports"), and the mode count stands for all of it.
 *  - Source-list changes made while mode records are pending go out in
 *    them ("even if any number of source-list changes occur in that
 *    period"), which count against their sources like any report. What is
 *    left once the mode records are done goes out as ALLOW/BLOCK.
 */

#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/mchost.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/string.h>

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
	kfree(rtx->cnt);
	rtx->allow = NULL;
	rtx->block = NULL;
	rtx->cnt = NULL;
}

static bool mchost_change_at(const struct mchost_slist *s, unsigned int i,
			     const struct in6_addr *a)
{
	return i < mchost_slist_nr(s) && !memcmp(&s->addr[i], a, sizeof(*a));
}

/*
 * One pending list after a source-list change, in one sorted walk. The
 * change's own record for this list is gain - lose, and for the other list
 * lose - gain (ALLOW: gain is the new INCLUDE or the old EXCLUDE set, lose
 * the other; BLOCK: the reverse). Sources of gain - lose get cnt, those of
 * lose - gain move to the other list, and the other sources of pend keep
 * their count (pcnt) unless it is spent. Writes dst and dcnt when dst is
 * not NULL; returns the number of sources either way.
 */
static unsigned int mchost_change_fold(struct mchost_slist *dst, u8 *dcnt,
				       const struct mchost_slist *pend,
				       const u8 *pcnt,
				       const struct mchost_slist *gain,
				       const struct mchost_slist *lose, u8 cnt)
{
	unsigned int np = mchost_slist_nr(pend), ng = mchost_slist_nr(gain);
	unsigned int nl = mchost_slist_nr(lose), i = 0, j = 0, k = 0, n = 0;

	while (i < np || j < ng || k < nl) {
		const struct in6_addr *x = NULL;
		bool in_p, in_g, in_l;
		u8 c = 0;

		/* x: the least address left in any of the three. */
		if (i < np)
			x = &pend->addr[i];
		if (j < ng && (!x || memcmp(&gain->addr[j], x, sizeof(*x)) < 0))
			x = &gain->addr[j];
		if (k < nl && (!x || memcmp(&lose->addr[k], x, sizeof(*x)) < 0))
			x = &lose->addr[k];
		in_p = mchost_change_at(pend, i, x);
		in_g = mchost_change_at(gain, j, x);
		in_l = mchost_change_at(lose, k, x);

		if (in_g && !in_l)
			c = cnt;
		else if (in_p && (in_g || !in_l))
			c = pcnt[i];
		if (c) {
			if (dst) {
				dst->addr[n] = *x;
				dcnt[n] = c;
			}
			n++;
		}
		i += in_p;
		j += in_g;
		k += in_l;
	}
	return n;
}

int mchost_change_merge(struct mchost_rtx *rtx,
			const struct mchost_filter *old,
			const struct mchost_filter *new, unsigned int rv,
			gfp_t gfp)
{
	const struct mchost_slist *gain, *lose;
	struct mchost_slist *allow = NULL, *block = NULL;
	bool excl = mchost_change_excl(new);
	unsigned int na, nb, i;
	const u8 *pcnt;
	u8 *cnt, top = 0;
	/*
	 * rv counts every transmission, the first included (RFC 9776 §5.1,
	 * RFC 9777 §6.1: the report is retransmitted [Robustness Variable] - 1
	 * more times). Zero is not a valid Robustness Variable (RFC 9776 §8.1,
	 * RFC 9777 §9.1), and a change must still be sent once.
	 */
	u8 rcnt = clamp_t(unsigned int, rv, 1, U8_MAX);

	if (mchost_change_excl(old) != excl) {
		/*
		 * A filter-mode change: the next [Robustness Variable] reports
		 * carry TO_IN/TO_EX of the current state (RFC 9776 §5.1,
		 * RFC 9777 §6.1), which restates every source: the pending
		 * per-source state ends here (see the top of this file).
		 */
		rtx->mode_cnt = rcnt;
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
	/* The counts of the pending BLOCK list follow those of ALLOW. */
	pcnt = rtx->block ? rtx->cnt + mchost_slist_nr(rtx->allow) : NULL;

	/* Everything into new lists first: a failure leaves *rtx as it was. */
	na = mchost_change_fold(NULL, NULL, rtx->allow, rtx->cnt, gain, lose,
				rcnt);
	nb = mchost_change_fold(NULL, NULL, rtx->block, pcnt, lose, gain,
				rcnt);
	/* Lists a set cannot hold are -ENOMEM too: the only failure known. */
	if (na > U16_MAX || nb > U16_MAX)
		return -ENOMEM;
	cnt = kmalloc(na + nb, gfp);
	if (na)
		allow = mchost_slist_alloc(na, gfp);
	if (nb)
		block = mchost_slist_alloc(nb, gfp);
	if (!cnt || (na && !allow) || (nb && !block)) {
		kfree(cnt);
		mchost_slist_free(allow);
		mchost_slist_free(block);
		return -ENOMEM;
	}
	if (allow)
		allow->nr = mchost_change_fold(allow, cnt, rtx->allow,
					       rtx->cnt, gain, lose, rcnt);
	if (block)
		block->nr = mchost_change_fold(block, cnt + na, rtx->block,
					       pcnt, lose, gain, rcnt);
	for (i = 0; i < na + nb; i++)
		top = max(top, cnt[i]);

	mchost_change_drop_lists(rtx);
	rtx->allow = allow;
	rtx->block = block;
	rtx->cnt = cnt;
	/* A pending mode change keeps its own count. */
	rtx->src_cnt = top;
	return 0;
}

/*
 * Drop the sources that the previous transmission spent, in place: its
 * records were kept valid until this call. A list left empty is freed.
 */
static void mchost_change_compact(struct mchost_rtx *rtx)
{
	unsigned int na = mchost_slist_nr(rtx->allow), i, w = 0, wa;

	if (!rtx->src_cnt) {
		mchost_change_drop_lists(rtx);
		return;
	}
	for (i = 0; i < na; i++) {
		if (!rtx->cnt[i])
			continue;
		rtx->allow->addr[w] = rtx->allow->addr[i];
		rtx->cnt[w++] = rtx->cnt[i];
	}
	if (rtx->allow)
		rtx->allow->nr = w;
	wa = w;
	/* Block's counts follow allow's: they move down by what allow lost. */
	for (i = 0; i < mchost_slist_nr(rtx->block); i++) {
		if (!rtx->cnt[na + i])
			continue;
		rtx->block->addr[w - wa] = rtx->block->addr[i];
		rtx->cnt[w++] = rtx->cnt[na + i];
	}
	if (rtx->block)
		rtx->block->nr = w - wa;
	if (!mchost_slist_nr(rtx->allow)) {
		mchost_slist_free(rtx->allow);
		rtx->allow = NULL;
	}
	if (!mchost_slist_nr(rtx->block)) {
		mchost_slist_free(rtx->block);
		rtx->block = NULL;
	}
}

/*
 * A State-Change Report went out: one transmission fewer for every pending
 * source (RFC 9777 §6.1), whatever records it carried.
 */
static void mchost_change_spend(struct mchost_rtx *rtx)
{
	unsigned int n = mchost_slist_nr(rtx->allow) +
			 mchost_slist_nr(rtx->block), i;

	if (!rtx->src_cnt)
		return;
	/* All are non-zero after mchost_change_compact(). */
	for (i = 0; i < n; i++)
		rtx->cnt[i]--;
	/* They go down together, so the largest is still the largest. */
	rtx->src_cnt--;
}

unsigned int mchost_change_next(struct mchost_rtx *rtx,
				const struct mchost_filter *cur,
				const struct in6_addr *group,
				struct mchost_rec *out)
{
	unsigned int n = 0;

	mchost_change_compact(rtx);
	if (rtx->mode_cnt) {
		/*
		 * TO_IN/TO_EX lists the whole current state (RFC 9776 §5.1
		 * Table 4, RFC 9777 §6.1 Table 2), so it includes any source
		 * change made since the mode change, and counts for it.
		 */
		out[0].type = mchost_change_excl(cur) ? MCHOST_REC_TO_EX :
							MCHOST_REC_TO_IN;
		out[0].group = *group;
		out[0].src = cur->src;
		rtx->mode_cnt--;
		mchost_change_spend(rtx);
		return 1;
	}
	if (!rtx->src_cnt)
		return 0;

	/*
	 * ALLOW and BLOCK hold the sources with retransmission state; an
	 * empty one is omitted (RFC 9776 §5.1, RFC 9777 §6.1 Table 2).
	 */
	if (rtx->allow) {
		out[n].type = MCHOST_REC_ALLOW;
		out[n].group = *group;
		out[n].src = rtx->allow;
		n++;
	}
	if (rtx->block) {
		out[n].type = MCHOST_REC_BLOCK;
		out[n].group = *group;
		out[n].src = rtx->block;
		n++;
	}
	mchost_change_spend(rtx);
	return n;
}

void mchost_change_clear(struct mchost_rtx *rtx)
{
	mchost_change_drop_lists(rtx);
	rtx->mode_cnt = 0;
	rtx->src_cnt = 0;
}
