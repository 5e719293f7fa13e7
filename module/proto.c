// SPDX-License-Identifier: GPL-2.0
/*
 * The protocol engine, shared by IGMP and MLD: only the wire formats,
 * addresses and validation differ between them, and those live in wire.c,
 * report.c and xmit.c. This file holds the per-device state machine: state
 * changes and their retransmission, compatibility modes, timer work and
 * sending; query.c handles what is received.
 *
 * Every deadline is absolute. An event may be handled early, by at most
 * its slack (a quarter of the interval it was drawn from, and never more
 * than the coalescing window), so that one timer firing serves everything
 * that is nearly due without collapsing the spacing the RFCs ask for.
 */
#include <linux/igmp.h>
#include <linux/slab.h>
#include <net/addrconf.h>
#include <net/ipv6.h>
#include <linux/mchost.h>
#include "engine.h"
#include "params.h"
#include "report.h"
#include "trace.h"

/*
 * Records gathered per step of a general response: more than one report
 * holds at MTU 1500 (183 IGMP, 72 MLD), and the batch stays within an
 * order-1 allocation, made in softirq.
 */
#define MCHOST_GEN_BATCH	200

static const struct in6_addr mchost_v3_dst[MCHOST_NFAM] = {
	[MCHOST_IGMP] = { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
			      224, 0, 0, 22 } } },
	[MCHOST_MLD] = { { { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			     0, 0, 0, 0x16 } } },
};

static const struct in6_addr mchost_routers_dst[MCHOST_NFAM] = {
	[MCHOST_IGMP] = { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
			      224, 0, 0, 2 } } },
	[MCHOST_MLD] = { { { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
			     0, 0, 0, 2 } } },
};

/* A per-device setting wins over the module parameter (like force_*). */
static unsigned int mchost_max_version(const struct mchost_dev *md,
				       enum mchost_fam fam)
{
	unsigned int set = READ_ONCE(md->proto[fam].set_version);

	if (set)
		return set;
	return fam == MCHOST_IGMP ? mchost_param(igmp_max_version) :
				    mchost_param(mld_max_version);
}

unsigned int mchost_proto_version(const struct mchost_dev *md,
				  enum mchost_fam fam)
{
	return min_t(unsigned int, READ_ONCE(md->proto[fam].version),
		     mchost_max_version(md, fam));
}

/*
 * The Robustness Variable in force: the querier's QRV once one was heard
 * (RFC 9776 §4.1.6), else the device's setting or the parameter as it is
 * now.
 */
unsigned int mchost_rv(const struct mchost_dev_proto *p)
{
	return p->rv ?: READ_ONCE(p->set_rv) ?: mchost_param(robustness);
}

/* Are link-local groups reported: the device's setting, else the parameter. */
static bool mchost_report_ll(const struct mchost_dev_proto *p)
{
	unsigned int set = READ_ONCE(p->set_rll);

	return set ? set == 2 : mchost_param(report_link_local);
}

static u32 mchost_left_ms(ktime_t deadline, ktime_t now)
{
	if (deadline == KTIME_MAX || deadline <= now)
		return 0;
	return min_t(s64, ktime_ms_delta(deadline, now), U32_MAX);
}

void mchost_proto_state(const struct mchost_dev *md, enum mchost_fam fam,
			ktime_t now, struct mchost_proto_state *st)
{
	const struct mchost_dev_proto *p = &md->proto[fam];

	st->version = mchost_proto_version(md, fam);
	st->rv = mchost_rv(p);
	st->qi_ms = p->qi_ms;
	st->qri_ms = p->qri_ms;
	st->v1_querier_ms = mchost_left_ms(p->old_until[0], now);
	st->v2_querier_ms = mchost_left_ms(p->old_until[1], now);
	st->general_ms = mchost_left_ms(p->gen_at, now);
}

void mchost_proto_group_timers(const struct mchost_group *grp, ktime_t now,
			       struct mchost_group_timers *t)
{
	const struct mchost_gstate *st = grp->st;

	t->rtx_left = !st ? 0 : max3(st->rtx.mode_cnt, st->rtx.src_cnt,
				     st->v2_rtx);
	t->next_ms = !st || st->tkey == KTIME_MAX ? U32_MAX :
		     mchost_left_ms(st->tkey, now);
	t->last_ms = !grp->last_tx ? U32_MAX :
		     min_t(s64, ktime_ms_delta(now, grp->last_tx), U32_MAX - 1);
}

/* A deadline 'delay_ms' from now that may be served up to its slack early. */
void mchost_deadline(const struct mchost_dev *md, ktime_t now, u32 delay_ms,
		     u32 interval_ms, ktime_t *at, ktime_t *early)
{
	ktime_t slack = min(mchost_timer_window(md->timer),
			    ms_to_ktime(interval_ms / 4));

	*at = ktime_add_ms(now, delay_ms);
	/* Never due again in the firing that scheduled it. */
	*early = max(ktime_sub(*at, slack), min(*at, ktime_add_ns(now, 1)));
}

/*
 * Pending states come and go by the thousand while memberships stay: a
 * cache of their own keeps the slab pages they leave behind from being
 * pinned by the long-lived objects of a shared kmalloc size.
 */
static struct kmem_cache *mchost_gstate_cache;

int __init mchost_proto_init(void)
{
	mchost_gstate_cache = KMEM_CACHE(mchost_gstate, MCHOST_SLAB_FLAGS);
	return mchost_gstate_cache ? 0 : -ENOMEM;
}

void mchost_proto_uninit(void)
{
	kmem_cache_destroy(mchost_gstate_cache);
}

/* No memory for a packet or for the state it needs: it is not sent. */
static void mchost_snd_nomem(struct mchost_dev *md, enum mchost_fam fam)
{
	mchost_dev_count(md, fam, MCHOST_STAT_SND_ERRORS);
	trace_send_error(md->dev, fam, -ENOMEM);
}

struct mchost_gstate *mchost_gst(struct mchost_dev *md,
				 struct mchost_group *grp)
{
	struct mchost_gstate *st = grp->st;

	if (st)
		return st;
	st = kmem_cache_zalloc(mchost_gstate_cache, GFP_ATOMIC | __GFP_NOWARN);
	if (!st) {
		mchost_snd_nomem(md, mchost_fam_of(grp->family));
		return NULL;
	}
	st->grp = grp;
	st->tkey = KTIME_MAX;
	st->resp_at = KTIME_MAX;
	st->rtx_at = KTIME_MAX;
	grp->st = st;
	return st;
}

/*
 * Free grp's pending state once nothing is left in it. Pending sources
 * without a response due are stale (a suppressed v1/v2 response). Source
 * lists of a spent state-change stay until its records are sent.
 */
static void mchost_gst_put(struct mchost_group *grp)
{
	struct mchost_gstate *st = grp->st;

	if (st->tkey != KTIME_MAX || st->v2_rtx || !mchost_change_idle(&st->rtx))
		return;
	mchost_slist_free(st->pend);
	grp->st = NULL;
	kmem_cache_free(mchost_gstate_cache, st);
}

/* Keep md->tq_slack at least how long before key st may be served. */
static void mchost_tq_slack(struct mchost_dev *md,
			    const struct mchost_gstate *st, ktime_t key)
{
	ktime_t from = KTIME_MAX;

	if (st->resp_at != KTIME_MAX)
		from = st->resp_early;
	if (st->rtx_at != KTIME_MAX)
		from = min(from, st->rtx_early);
	md->tq_slack = max(md->tq_slack, ktime_sub(key, from));
}

/*
 * Move grp in the deadline tree to its earliest deadline; free its
 * pending state when it is done.
 */
void mchost_tq_update(struct mchost_dev *md, struct mchost_group *grp)
{
	struct mchost_gstate *st = grp->st;
	ktime_t key;

	if (!st)
		return;
	key = min(st->resp_at, st->rtx_at);
	if (key != KTIME_MAX)
		mchost_tq_slack(md, st, key);
	if (key != st->tkey) {
		mchost_dev_schedule(md, st, key);
		if (key != KTIME_MAX)
			md->ops->wake(md, key);
		else if (!mchost_dev_first_due(md))
			md->tq_slack = 0;
	}
	if (key == KTIME_MAX)
		mchost_gst_put(grp);
}

/*
 * RFC 9776 §5 / RFC 9777 §6: all-hosts and scope 0/1 groups are never
 * reported; link-local ones only if asked to.
 */
bool mchost_reportable(const struct mchost_dev *md,
		       const struct mchost_group *grp)
{
	const struct mchost_dev_proto *p =
		&md->proto[mchost_fam_of(grp->family)];
	const struct in6_addr *g = &grp->addr;

	if (grp->family == AF_INET) {
		if (g->s6_addr32[3] == htonl(INADDR_ALLHOSTS_GROUP))
			return false;
		if (ipv4_is_local_multicast(g->s6_addr32[3]))
			return mchost_report_ll(p);
		return true;
	}
	if (IPV6_ADDR_MC_SCOPE(g) <= IPV6_ADDR_SCOPE_NODELOCAL ||
	    ipv6_addr_is_ll_all_nodes(g))
		return false;
	if (IPV6_ADDR_MC_SCOPE(g) == IPV6_ADDR_SCOPE_LINKLOCAL)
		return mchost_report_ll(p);
	return true;
}

static void mchost_queue_v1v2(struct mchost_dev *md, enum mchost_fam fam,
			      u8 type, const struct in6_addr *group,
			      const struct in6_addr *dst, enum mchost_stat stat)
{
	struct sk_buff *skb;
	u8 *payload;

	skb = md->ops->alloc(md, fam, dst, fam == MCHOST_IGMP ? 8 : 24,
			     &payload, stat);
	if (!skb) {
		mchost_snd_nomem(md, fam);
		return;
	}
	mchost_report_fill_v1v2(fam, type, group, payload);
	md->ops->emit(md, skb);
}

/* A v1/v2 report for grp, of the kind the current mode speaks. */
static void mchost_send_v1v2_report(struct mchost_dev *md,
				    struct mchost_group *grp, ktime_t now)
{
	enum mchost_fam fam = mchost_fam_of(grp->family);

	if (fam == MCHOST_MLD)
		mchost_queue_v1v2(md, fam, ICMPV6_MGM_REPORT, &grp->addr,
				  &grp->addr, MCHOST_STAT_SND_V2_REPORTS);
	else if (mchost_grp_gen(md, grp) == 1)
		mchost_queue_v1v2(md, fam, IGMP_HOST_MEMBERSHIP_REPORT,
				  &grp->addr, &grp->addr,
				  MCHOST_STAT_SND_V1_REPORTS);
	else
		mchost_queue_v1v2(md, fam, IGMPV2_HOST_MEMBERSHIP_REPORT,
				  &grp->addr, &grp->addr,
				  MCHOST_STAT_SND_V2_REPORTS);
	grp->reported_last = true;
	grp->last_tx = now;
}

static unsigned int mchost_room(const struct mchost_dev *md,
				enum mchost_fam fam)
{
	unsigned int mtu = md->ops->mtu(md);
	unsigned int oh = mchost_report_overhead(fam);

	return mtu > oh ? mtu - oh : 0;
}

/*
 * Pack records into as few v3 reports as the MTU allows, and send them.
 * With 'more' (further records follow in a later call), a last report that
 * these records do not fill is not sent. With a budget, sending stops once
 * it is spent, at a record boundary. Returns the number of whole records
 * sent (or given up on: no memory, no room), the rest being the caller's.
 */
static unsigned int mchost_queue_v3(struct mchost_dev *md,
				    enum mchost_fam fam,
				    const struct mchost_rec *recs,
				    unsigned int n, bool more, int *budget)
{
	unsigned int room = mchost_room(md, fam), truncated, len;
	struct mchost_pack_pos pos = { 0, 0 }, start;
	struct sk_buff *skb;
	u8 *payload;

	while (pos.rec < n) {
		/* A record split over reports is finished whatever the budget. */
		if (budget && *budget <= 0 && !pos.src)
			return pos.rec;
		skb = md->ops->alloc(md, fam, &mchost_v3_dst[fam], room,
				     &payload, MCHOST_STAT_SND_V3_REPORTS);
		if (!skb) {
			mchost_snd_nomem(md, fam);
			return n;
		}
		start = pos;
		truncated = 0;
		len = mchost_report_fill(fam, recs, n, &pos, payload, room,
					 &truncated);
		if (!len) {
			kfree_skb(skb);
			return n;
		}
		/* Whole records only: a split one is sent as it comes. */
		if (more && pos.rec >= n && !start.src && !pos.src) {
			kfree_skb(skb);
			return start.rec;
		}
		skb_trim(skb, len);
		md->ops->emit(md, skb);
		while (truncated--)
			mchost_dev_count(md, fam, MCHOST_STAT_SND_TRUNCATED);
		if (budget)
			(*budget)--;
	}
	return n;
}

/*
 * mchost_queue_v3() of a batch of records with more to come, except that
 * a batch that fills no report (a jumbo MTU) goes as it is.
 */
static unsigned int mchost_queue_v3_batch(struct mchost_dev *md,
					  enum mchost_fam fam,
					  const struct mchost_rec *recs,
					  unsigned int n, bool more,
					  int *budget)
{
	unsigned int sent = mchost_queue_v3(md, fam, recs, n, more, budget);

	if (!sent && n && more && *budget > 0)
		sent = mchost_queue_v3(md, fam, recs, n, false, budget);
	return sent;
}

/* Drop pending responses and retransmissions of grp. */
static void mchost_grp_cancel(struct mchost_dev *md, struct mchost_group *grp)
{
	struct mchost_gstate *st = grp->st;

	if (!st)
		return;
	st->resp_at = KTIME_MAX;
	st->rtx_at = KTIME_MAX;
	st->v2_rtx = 0;
	mchost_change_clear(&st->rtx);
	mchost_tq_update(md, grp);
}

void mchost_proto_forget(struct mchost_dev *md, struct mchost_group *grp)
{
	mchost_grp_cancel(md, grp);
}

bool mchost_proto_leaving(const struct mchost_group *grp)
{
	return grp->st && mchost_change_pending(&grp->st->rtx);
}

unsigned int mchost_compat_version(enum mchost_fam fam,
				   const ktime_t old_until[2], ktime_t now,
				   unsigned int max)
{
	unsigned int v = fam == MCHOST_IGMP ? 3 : 2;

	if (old_until[1] > now)
		v--;
	if (fam == MCHOST_IGMP && old_until[0] > now)
		v = 1;
	return min(v, max);
}

/*
 * RFC 9776 §7 / RFC 9777 §8: the mode follows the older queriers heard
 * within their Older Version Querier Present Timeout, never above the
 * configured maximum; a change of mode cancels what is pending.
 */
void mchost_version_update(struct mchost_dev *md, enum mchost_fam fam,
			   ktime_t now)
{
	struct mchost_dev_proto *p = &md->proto[fam];
	struct mchost_group *grp;
	unsigned int v;

	v = mchost_compat_version(fam, p->old_until, now,
				  mchost_max_version(md, fam));
	if (v == p->version)
		return;
	trace_compat_change(md->dev, fam, p->version, v);
	WRITE_ONCE(p->version, v);
	md->ops->compat(md, fam);
	p->gen_at = KTIME_MAX;
	p->gen_active = false;
	for (grp = mchost_dev_first(md); grp; grp = mchost_dev_next(md, grp)) {
		if (mchost_fam_of(grp->family) != fam)
			continue;
		mchost_grp_cancel(md, grp);
		if (!grp->nowners)
			md->ops->reap(md);
	}
}

void mchost_proto_configure(struct mchost_dev *md,
			    const struct mchost_proto_settings *set,
			    ktime_t now)
{
	enum mchost_fam fam;

	for (fam = 0; fam < MCHOST_NFAM; fam++) {
		struct mchost_dev_proto *p = &md->proto[fam];

		if (set->version[fam] != MCHOST_PROTO_KEEP)
			WRITE_ONCE(p->set_version, set->version[fam]);
		if (set->rv != MCHOST_PROTO_KEEP)
			WRITE_ONCE(p->set_rv, set->rv);
		if (set->rll != MCHOST_PROTO_KEEP)
			WRITE_ONCE(p->set_rll, set->rll);
	}
	mchost_proto_caps_changed(md, now);
}

void mchost_proto_settings(const struct mchost_dev *md,
			   struct mchost_proto_settings *set)
{
	enum mchost_fam fam;

	for (fam = 0; fam < MCHOST_NFAM; fam++)
		set->version[fam] = READ_ONCE(md->proto[fam].set_version);
	set->rv = READ_ONCE(md->proto[MCHOST_IGMP].set_rv);
	set->rll = READ_ONCE(md->proto[MCHOST_IGMP].set_rll);
}

void mchost_proto_caps_changed(struct mchost_dev *md, ktime_t now)
{
	enum mchost_fam fam;

	for (fam = 0; fam < MCHOST_NFAM; fam++)
		mchost_version_update(md, fam, now);
}

/* The Unsolicited Report Interval of a family's current version, in ms. */
static u32 mchost_uri(struct mchost_dev *md, enum mchost_fam fam)
{
	bool v3 = mchost_gen(fam, md->proto[fam].version) == 3;

	if (fam == MCHOST_IGMP)
		return v3 ? mchost_param(igmpv3_unsolicited_report_interval) :
			    mchost_param(igmpv2_unsolicited_report_interval);
	return v3 ? mchost_param(mldv2_unsolicited_report_interval) :
		    mchost_param(mldv1_unsolicited_report_interval);
}

/*
 * grp has pending state. shared: NULL, or a delay kept for others sent
 * with grp (0 until the first of them draws it).
 */
static void mchost_sched_rtx(struct mchost_dev *md, struct mchost_group *grp,
			     ktime_t now, u32 *shared)
{
	u32 uri = mchost_uri(md, mchost_fam_of(grp->family));
	struct mchost_gstate *st = grp->st;
	u32 ms = shared ? *shared : 0;

	/* RFC 9776 §5.1, RFC 2236 §3: again at random within (0, URI]. */
	if (!ms)
		ms = mchost_rand_ms(md, 1, uri);
	if (shared)
		*shared = ms;
	mchost_deadline(md, now, ms, uri, &st->rtx_at, &st->rtx_early);
	mchost_tq_update(md, grp);
}

/*
 * The v3 state-change records of one family gathered in one firing. A
 * report may carry the records of many groups (RFC 9776 §4.2, RFC 9777
 * §5.2), so retransmissions due together go out packed, as a general
 * response does, not one report per group.
 */
struct mchost_chg_batch {
	unsigned int n;
	u32 rtx_ms;	/* the retransmissions' delay, once drawn (0: not yet) */
	struct mchost_rec recs[MCHOST_GEN_BATCH];
	struct mchost_group *grps[MCHOST_GEN_BATCH];	/* whose each is */
};

/*
 * Send the gathered records; with 'more', keep back those of a last report
 * they do not fill. Each report sent is charged to the firing's budget.
 */
static void mchost_chg_flush(struct mchost_dev *md, enum mchost_fam fam,
			     struct mchost_chg_batch *cb, bool more,
			     int *budget)
{
	int left = INT_MAX;	/* never runs out: nothing may be lost */
	struct mchost_group *grp;
	unsigned int sent, i;

	sent = mchost_queue_v3_batch(md, fam, cb->recs, cb->n, more, &left);
	*budget -= INT_MAX - left;
	/*
	 * A spent state-change's source lists were kept for its records; a
	 * group's records are consecutive, so its last one sent ends it.
	 */
	for (i = 0; i < sent; i++) {
		grp = cb->grps[i];
		if (i + 1 < cb->n && cb->grps[i + 1] == grp)
			continue;
		if (grp->st && !mchost_change_pending(&grp->st->rtx)) {
			mchost_change_clear(&grp->st->rtx);
			mchost_tq_update(md, grp);
		}
	}
	cb->n -= sent;
	memmove(cb->recs, cb->recs + sent, cb->n * sizeof(cb->recs[0]));
	memmove(cb->grps, cb->grps + sent, cb->n * sizeof(cb->grps[0]));
}

/*
 * One transmission of a v3 state-change report, and the next one planned.
 * With cbs (a firing's batches, allocated here when first needed), its
 * records join the others due in this firing; else they go out at once.
 * Returns whether a report of its own went out.
 */
static bool mchost_send_change(struct mchost_dev *md, struct mchost_group *grp,
			       ktime_t now, struct mchost_chg_batch **cbs,
			       int *budget)
{
	enum mchost_fam fam = mchost_fam_of(grp->family);
	struct mchost_gstate *st = grp->st;
	struct mchost_chg_batch *cb = NULL;
	struct mchost_rec one[2], *recs = one;
	unsigned int n, i;

	BUILD_BUG_ON(sizeof(*cb) > 8192);
	if (cbs) {
		if (!cbs[fam]) {
			cbs[fam] = kmalloc(sizeof(*cb),
					   GFP_ATOMIC | __GFP_NOWARN);
			if (cbs[fam]) {
				cbs[fam]->n = 0;
				cbs[fam]->rtx_ms = 0;
			}
		}
		cb = cbs[fam];
	}
	if (cb) {
		if (cb->n + ARRAY_SIZE(one) > ARRAY_SIZE(cb->recs))
			mchost_chg_flush(md, fam, cb, true, budget);
		recs = cb->recs + cb->n;
	}
	n = mchost_change_next(&st->rtx, &grp->merged, &grp->addr, recs);
	if (n) {
		if (cb) {
			for (i = 0; i < n; i++)
				cb->grps[cb->n++] = grp;
		} else {
			mchost_queue_v3(md, fam, recs, n, false, NULL);
		}
		grp->last_tx = now;
	}
	if (mchost_change_pending(&st->rtx)) {
		/*
		 * RFC 9776 §5.1 times the retransmission of a report: records
		 * sent together are retransmitted together, by one draw.
		 */
		mchost_sched_rtx(md, grp, now, cb ? &cb->rtx_ms : NULL);
		return n && !cb;
	}
	/* Spent: its lists are no longer needed once its records are sent. */
	if (!n || !cb)
		mchost_change_clear(&st->rtx);
	st->rtx_at = KTIME_MAX;
	mchost_tq_update(md, grp);
	return n && !cb;
}

static bool mchost_filter_member(const struct mchost_filter *f)
{
	return f->mode == MCHOST_FMODE_EXCLUDE || mchost_slist_nr(f->src);
}

/*
 * Report old -> grp->merged: the first transmission at once, or, with
 * 'defer', at a random point within the Unsolicited Report Interval like
 * the retransmissions (link up: the stack is still being configured by
 * the other NETDEV_UP handlers, so there may be no route yet).
 */
static void mchost_report_change(struct mchost_dev *md,
				 struct mchost_group *grp,
				 const struct mchost_filter *old, bool defer,
				 ktime_t now)
{
	enum mchost_fam fam = mchost_fam_of(grp->family);
	struct mchost_dev_proto *p = &md->proto[fam];
	bool was = mchost_filter_member(old);
	bool is = mchost_filter_member(&grp->merged);
	struct mchost_gstate *st;

	mchost_version_update(md, fam, now);
	if (!mchost_reportable(md, grp) || !md->oper)
		return;

	if (mchost_gen(fam, p->version) == 3) {
		st = mchost_gst(md, grp);
		if (!st)
			return;
		if (mchost_change_merge(&st->rtx, old, &grp->merged,
					mchost_rv(p), GFP_ATOMIC | __GFP_NOWARN)) {
			mchost_snd_nomem(md, fam);
			mchost_tq_update(md, grp);
			return;
		}
		if (defer) {
			mchost_sched_rtx(md, grp, now, NULL);
		} else if (md->batching) {
			/* Due at once: sent with the batch's others at its end. */
			st->rtx_at = now;
			st->rtx_early = now;
			mchost_tq_update(md, grp);
		} else {
			mchost_send_change(md, grp, now, NULL, NULL);
		}
		return;
	}

	/* v1/v2 know membership only, not sources (RFC 9776 §7.2). */
	if (was == is)
		return;
	if (is) {
		st = mchost_gst(md, grp);
		if (!st)
			return;
		st->resp_at = KTIME_MAX;
		/* RFC 2236 §3: report at once, then repeat after short delays. */
		st->v2_rtx = mchost_rv(p);
		if (!defer) {
			mchost_send_v1v2_report(md, grp, now);
			st->v2_rtx--;
		}
		if (st->v2_rtx)
			mchost_sched_rtx(md, grp, now, NULL);
		else
			mchost_tq_update(md, grp);
		return;
	}
	mchost_grp_cancel(md, grp);
	/*
	 * RFC 2236 §3, RFC 2710 §4: Leave / Done only if we sent the last
	 * report; IGMPv1 has no leave.
	 */
	if (grp->reported_last && mchost_gen(fam, p->version) == 2)
		mchost_queue_v1v2(md, fam,
				  fam == MCHOST_IGMP ? IGMP_HOST_LEAVE_MESSAGE :
						       ICMPV6_MGM_REDUCTION,
				  &grp->addr, &mchost_routers_dst[fam],
				  MCHOST_STAT_SND_LEAVES);
	grp->reported_last = false;
}

void mchost_proto_change(struct mchost_dev *md, struct mchost_group *grp,
			 const struct mchost_filter *old, ktime_t now)
{
	mchost_report_change(md, grp, old, false, now);
}

void mchost_proto_announce(struct mchost_dev *md, enum mchost_fam fam,
			   ktime_t now)
{
	static const struct mchost_filter none = {
		.mode = MCHOST_FMODE_INCLUDE,
	};
	struct mchost_group *grp;

	for (grp = mchost_dev_first(md); grp; grp = mchost_dev_next(md, grp))
		if (grp->nowners && mchost_fam_of(grp->family) == fam)
			mchost_report_change(md, grp, &none, false, now);
}

void mchost_gsr_sources(const struct mchost_filter *f,
			const struct mchost_slist *asked,
			struct mchost_slist *out)
{
	/* out has room for all of asked, so neither can fail. */
	if (f->mode == MCHOST_FMODE_INCLUDE)
		mchost_slist_intersect(out, f->src, asked);
	else
		mchost_slist_diff(out, asked, f->src);
}

/* RFC 9776 §5.2: a v3 response to a group or group-and-source query. */
static void mchost_respond_v3(struct mchost_dev *md, struct mchost_group *grp,
			      ktime_t now)
{
	const struct mchost_filter *f = &grp->merged;
	struct mchost_rec rec = { .group = grp->addr };
	const struct mchost_gstate *st = grp->st;
	struct mchost_slist *asked = NULL;

	if (st->pend_group || !st->pend) {
		rec.type = f->mode == MCHOST_FMODE_INCLUDE ? MCHOST_REC_IS_IN :
							     MCHOST_REC_IS_EX;
		rec.src = f->src;
	} else {
		asked = mchost_slist_alloc(st->pend->nr,
					   GFP_ATOMIC | __GFP_NOWARN);
		if (!asked) {
			mchost_snd_nomem(md, mchost_fam_of(grp->family));
			return;
		}
		mchost_gsr_sources(f, st->pend, asked);
		rec.type = MCHOST_REC_IS_IN;
		rec.src = asked;
	}
	/* An empty IS_IN is skipped by the packer: nothing to say. */
	if (rec.type != MCHOST_REC_IS_IN || mchost_slist_nr(rec.src)) {
		mchost_queue_v3(md, mchost_fam_of(grp->family), &rec, 1, false,
				NULL);
		grp->last_tx = now;
	}
	mchost_slist_free(asked);
}

/* Records gathered per step of a general response, with their groups. */
struct mchost_gen_batch {
	struct mchost_rec recs[MCHOST_GEN_BATCH];
	struct mchost_group *grps[MCHOST_GEN_BATCH];
};

/*
 * A v3 general response: a current-state record for every group, in as
 * few reports as the MTU allows, spread over firings of at most *budget
 * packets. Records not sent in a firing are gathered again in the next
 * (where the walk resumes at their group), so none goes stale and no
 * report is sent half full before the last. Returns true when done.
 */
static bool mchost_respond_general(struct mchost_dev *md, enum mchost_fam fam,
				   ktime_t now, int *budget)
{
	struct mchost_dev_proto *p = &md->proto[fam];
	struct mchost_gen_batch *b;
	struct mchost_group *grp;
	unsigned int n, sent, i;
	bool last, done = false;

	BUILD_BUG_ON(sizeof(*b) > 8192);
	b = kmalloc(sizeof(*b), GFP_ATOMIC | __GFP_NOWARN);
	if (!b) {
		mchost_snd_nomem(md, fam);
		return true;
	}
	if (!p->gen_active) {
		p->gen_active = true;
		memset(&p->gen_pos, 0, sizeof(p->gen_pos));
	}
	while (!done && *budget > 0) {
		n = 0;
		while (n < MCHOST_GEN_BATCH &&
		       (grp = mchost_dev_pos_next(md, &p->gen_pos))) {
			if (mchost_fam_of(grp->family) != fam || !grp->nowners ||
			    !mchost_reportable(md, grp))
				continue;
			b->recs[n].type = grp->merged.mode == MCHOST_FMODE_INCLUDE ?
					  MCHOST_REC_IS_IN : MCHOST_REC_IS_EX;
			b->recs[n].group = grp->addr;
			b->recs[n].src = grp->merged.src;
			b->grps[n++] = grp;
		}
		last = n < MCHOST_GEN_BATCH;
		sent = mchost_queue_v3_batch(md, fam, b->recs, n, !last,
					     budget);
		for (i = 0; i < sent; i++)
			b->grps[i]->last_tx = now;
		if (sent < n)
			mchost_dev_pos_at(&p->gen_pos, b->grps[sent]);
		else
			done = last;
	}
	kfree(b);
	if (done)
		p->gen_active = false;
	return done;
}

/* The device's earliest deadline. */
static ktime_t mchost_next_deadline(struct mchost_dev *md, ktime_t now)
{
	struct mchost_gstate *first = mchost_dev_first_due(md);
	ktime_t next = first ? first->tkey : KTIME_MAX;
	enum mchost_fam fam;
	int i;

	for (fam = 0; fam < MCHOST_NFAM; fam++) {
		next = min(next, md->proto[fam].gen_at);
		/* The end of an older-querier period changes the mode. */
		for (i = 0; i < 2; i++)
			if (md->proto[fam].old_until[i] > now)
				next = min(next, md->proto[fam].old_until[i]);
	}
	return next;
}

/*
 * Serve what is due of grp, its v3 state-change records into cbs. Returns
 * whether it sent a report of its own; nothing is, if nothing was due (not
 * yet early enough).
 */
static bool mchost_grp_fire(struct mchost_dev *md, struct mchost_group *grp,
			    ktime_t now, struct mchost_chg_batch **cbs,
			    int *budget)
{
	unsigned int gen = mchost_grp_gen(md, grp);
	struct mchost_gstate *st = grp->st;
	bool did = false;

	if (st->resp_at != KTIME_MAX && st->resp_early <= now) {
		did = true;
		st->resp_at = KTIME_MAX;
		if (gen == 3)
			mchost_respond_v3(md, grp, now);
		else
			mchost_send_v1v2_report(md, grp, now);
		st->pend_group = false;
		mchost_slist_free(st->pend);
		st->pend = NULL;
	}
	if (st->rtx_at != KTIME_MAX && st->rtx_early <= now) {
		if (gen == 3) {
			/* It may free st. */
			did |= mchost_send_change(md, grp, now, cbs, budget);
		} else if (st->v2_rtx) {
			did = true;
			mchost_send_v1v2_report(md, grp, now);
			if (--st->v2_rtx)
				mchost_sched_rtx(md, grp, now, NULL);
			else
				st->rtx_at = KTIME_MAX;
		} else {
			st->rtx_at = KTIME_MAX;
		}
	}
	mchost_tq_update(md, grp);
	if (!grp->nowners && !mchost_proto_leaving(grp))
		md->ops->reap(md);
	return did;
}

ktime_t mchost_proto_fire(struct mchost_dev *md, ktime_t now, ktime_t horizon,
			  int *budget)
{
	struct mchost_chg_batch *cbs[MCHOST_NFAM] = { };
	struct mchost_gstate *st, *next;
	enum mchost_fam fam;

	for (fam = 0; fam < MCHOST_NFAM; fam++) {
		struct mchost_dev_proto *p = &md->proto[fam];

		mchost_version_update(md, fam, now);
		if (p->gen_at == KTIME_MAX || p->gen_early > now)
			continue;
		if (mchost_gen(fam, p->version) == 3 &&
		    !mchost_respond_general(md, fam, now, budget)) {
			/* More to send: come back at once. */
			p->gen_at = now;
			p->gen_early = now;
			continue;
		}
		p->gen_at = KTIME_MAX;
	}
	/*
	 * A deadline in the window is walked only if it may be served now:
	 * walking the whole window each time is quadratic when thousands of
	 * retransmissions are spread over it.
	 */
	horizon = min(horizon, ktime_add(now, md->tq_slack));
	for (st = mchost_dev_first_due(md); st && *budget > 0; st = next) {
		if (st->tkey > horizon)
			break;
		next = mchost_dev_next_due(st);
		mchost_dev_count_visit(md);
		/*
		 * Only work done counts: a deadline inside the window that may
		 * not be served early yet must not make the firing yield and
		 * come back at once (a spin until it is due). Packed records
		 * count by the reports they fill.
		 */
		if (mchost_grp_fire(md, st->grp, now, cbs, budget))
			(*budget)--;
	}
	for (fam = 0; fam < MCHOST_NFAM; fam++) {
		if (cbs[fam])
			mchost_chg_flush(md, fam, cbs[fam], false, budget);
		kfree(cbs[fam]);
	}
	return mchost_next_deadline(md, now);
}

/*
 * The device became operational, or stopped being so. Announcing on the
 * operational state rather than on NETDEV_UP matters for IPv6: addrconf
 * configures the link (its multicast route included) when the device is
 * operationally up, which may be a later NETDEV_CHANGE; our notifier runs
 * after addrconf's for the same event.
 */
void mchost_proto_link(struct mchost_dev *md, bool up, ktime_t now)
{
	static const struct mchost_filter none = {
		.mode = MCHOST_FMODE_INCLUDE,
	};
	struct mchost_group *grp;
	enum mchost_fam fam;

	if (md->oper == up)
		return;
	md->oper = up;
	for (fam = 0; fam < MCHOST_NFAM; fam++) {
		md->proto[fam].gen_at = KTIME_MAX;
		md->proto[fam].gen_active = false;
	}
	for (grp = mchost_dev_first(md); grp; grp = mchost_dev_next(md, grp)) {
		mchost_grp_cancel(md, grp);
		grp->reported_last = false;
		if (!grp->nowners)
			md->ops->reap(md);
		else if (up)
			/* Announce again, as for a fresh join. */
			mchost_report_change(md, grp, &none, true, now);
	}
}
