// SPDX-License-Identifier: GPL-2.0
/*
 * The protocol engine, shared by IGMP and MLD: only the wire formats,
 * addresses and validation differ between them, and those live in wire.c,
 * report.c and xmit.c. Versions are compared as "generations": 1 is
 * IGMPv1, 2 is IGMPv2 and MLDv1, 3 is IGMPv3 and MLDv2.
 *
 * Every deadline is absolute. An event may be handled early, by at most
 * its slack (a quarter of the interval it was drawn from, and never more
 * than the coalescing window), so that one timer firing serves everything
 * that is nearly due without collapsing the spacing the RFCs ask for.
 */
#include <linux/igmp.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/addrconf.h>
#include <net/ipv6.h>
#include <linux/mchost.h>
#include "proto.h"
#include "params.h"
#include "report.h"
#include "xmit.h"

/* Packets one timer firing may build before it yields the CPU. */
#define MCHOST_FIRE_BUDGET	64
/* Records gathered per step of a general response. */
#define MCHOST_GEN_BATCH	256
/* Group-and-source queries accepted per group and second. */
#define MCHOST_GSR_PER_SEC	8

/* RFC 9776 §8.2, §8.3: defaults until a querier says otherwise. */
#define MCHOST_DEFAULT_QI_MS	125000
#define MCHOST_DEFAULT_QRI_MS	10000
/* RFC 2236 §4: an IGMPv1 query's Max Response Time is 10 s. */
#define MCHOST_V1_MRT_MS	10000

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

static unsigned int mchost_max_version(enum mchost_fam fam)
{
	return fam == MCHOST_IGMP ? mchost_param(igmp_max_version) :
				    mchost_param(mld_max_version);
}

static unsigned int mchost_gen(enum mchost_fam fam, unsigned int version)
{
	return fam == MCHOST_IGMP ? version : version + 1;
}

static unsigned int mchost_ilm_gen(const struct mchost_ill *ill,
				   const struct mchost_ilm *ilm)
{
	enum mchost_fam fam = mchost_fam_of(ilm->family);

	return mchost_gen(fam, ill->proto[fam].version);
}

unsigned int mchost_proto_version(const struct mchost_ill *ill,
				  enum mchost_fam fam)
{
	return min(READ_ONCE(ill->proto[fam].version), mchost_max_version(fam));
}

/*
 * The Robustness Variable in force: the querier's QRV once one was heard
 * (RFC 9776 §4.1.6), else the robustness parameter as it is now.
 */
static unsigned int mchost_rv(const struct mchost_ifproto *p)
{
	return p->rv ?: mchost_param(robustness);
}

static u32 mchost_left_ms(ktime_t deadline, ktime_t now)
{
	if (deadline == KTIME_MAX || deadline <= now)
		return 0;
	return min_t(s64, ktime_ms_delta(deadline, now), U32_MAX);
}

void mchost_proto_state(struct mchost_ill *ill, enum mchost_fam fam,
			struct mchost_proto_state *st)
{
	const struct mchost_ifproto *p = &ill->proto[fam];
	ktime_t now = ktime_get();

	read_lock_bh(&ill->lock);
	st->version = mchost_proto_version(ill, fam);
	st->rv = mchost_rv(p);
	st->qi_ms = p->qi_ms;
	st->qri_ms = p->qri_ms;
	st->v1_querier_ms = mchost_left_ms(p->old_until[0], now);
	st->v2_querier_ms = mchost_left_ms(p->old_until[1], now);
	st->general_ms = mchost_left_ms(p->gen_at, now);
	read_unlock_bh(&ill->lock);
}

static u32 mchost_rand_ms(u32 lo, u32 hi)
{
	return hi > lo ? lo + get_random_u32_below(hi - lo + 1) : hi;
}

/* A deadline 'delay_ms' from now that may be served up to its slack early. */
static void mchost_deadline(ktime_t now, u32 delay_ms, u32 interval_ms,
			    ktime_t *at, ktime_t *early)
{
	ktime_t slack = min(mchost_timer_window(),
			    ms_to_ktime(interval_ms / 4));

	*at = ktime_add_ms(now, delay_ms);
	/* Never due again in the firing that scheduled it. */
	*early = max(ktime_sub(*at, slack), min(*at, ktime_add_ns(now, 1)));
}

static void mchost_note(struct mchost_ill *ill, ktime_t t)
{
	if (t < ill->next)
		ill->next = t;
	if (t < ill->deferred)
		ill->deferred = t;
}

static void mchost_tq_update(struct mchost_ill *ill, struct mchost_ilm *ilm)
{
	ktime_t key = min(ilm->resp_at, ilm->rtx_at);
	struct rb_node **link = &ill->tq.rb_root.rb_node, *parent = NULL;
	bool leftmost = true;

	if (key == ilm->tkey)
		return;
	if (ilm->tkey != KTIME_MAX)
		rb_erase_cached(&ilm->tnode, &ill->tq);
	ilm->tkey = key;
	if (key == KTIME_MAX)
		return;
	while (*link) {
		parent = *link;
		if (key < rb_entry(parent, struct mchost_ilm, tnode)->tkey) {
			link = &parent->rb_left;
		} else {
			link = &parent->rb_right;
			leftmost = false;
		}
	}
	rb_link_node(&ilm->tnode, parent, link);
	rb_insert_color_cached(&ilm->tnode, &ill->tq, leftmost);
	mchost_note(ill, key);
}

void mchost_ill_lock(struct mchost_ill *ill)
	__acquires(&ill->lock)
{
	write_lock_bh(&ill->lock);
}

void mchost_ill_unlock(struct mchost_ill *ill)
	__releases(&ill->lock)
{
	struct sk_buff_head q;
	ktime_t deferred;

	__skb_queue_head_init(&q);
	skb_queue_splice_init(&ill->txq, &q);
	deferred = ill->deferred;
	ill->deferred = KTIME_MAX;
	write_unlock_bh(&ill->lock);

	if (!skb_queue_empty(&q))
		mchost_xmit_flush(ill->mn, &q);
	if (deferred != KTIME_MAX)
		mchost_timer_start(&ill->mn->timer, deferred);
}

void mchost_proto_ill_init(struct mchost_ill *ill)
{
	enum mchost_fam fam;

	ill->tq = RB_ROOT_CACHED;
	ill->next = KTIME_MAX;
	ill->deferred = KTIME_MAX;
	__skb_queue_head_init(&ill->txq);
	for (fam = 0; fam < MCHOST_NFAM; fam++) {
		struct mchost_ifproto *p = &ill->proto[fam];

		p->version = mchost_max_version(fam);
		p->qi_ms = MCHOST_DEFAULT_QI_MS;
		p->qri_ms = MCHOST_DEFAULT_QRI_MS;
		p->gen_at = KTIME_MAX;
	}
}

void mchost_proto_ilm_init(struct mchost_ilm *ilm)
{
	ilm->tkey = KTIME_MAX;
	ilm->resp_at = KTIME_MAX;
	ilm->rtx_at = KTIME_MAX;
}

/*
 * RFC 9776 §5 / RFC 9777 §6: all-hosts and scope 0/1 groups are never
 * reported; link-local ones only if asked to.
 */
static bool mchost_reportable(const struct mchost_ilm *ilm)
{
	const struct in6_addr *g = &ilm->group;

	if (ilm->family == AF_INET) {
		if (g->s6_addr32[3] == htonl(INADDR_ALLHOSTS_GROUP))
			return false;
		if (ipv4_is_local_multicast(g->s6_addr32[3]))
			return mchost_param(report_link_local);
		return true;
	}
	if (IPV6_ADDR_MC_SCOPE(g) <= IPV6_ADDR_SCOPE_NODELOCAL ||
	    ipv6_addr_is_ll_all_nodes(g))
		return false;
	if (IPV6_ADDR_MC_SCOPE(g) == IPV6_ADDR_SCOPE_LINKLOCAL)
		return mchost_param(report_link_local);
	return true;
}

static void mchost_queue_v1v2(struct mchost_ill *ill, enum mchost_fam fam,
			      u8 type, const struct in6_addr *group,
			      const struct in6_addr *dst, enum mchost_stat stat)
{
	struct sk_buff *skb;
	u8 *payload;

	skb = mchost_xmit_alloc(ill->dev, fam, dst,
				fam == MCHOST_IGMP ? 8 : 24, &payload);
	if (!skb) {
		mchost_count(ill->mn, fam, MCHOST_STAT_SND_ERRORS);
		return;
	}
	mchost_report_fill_v1v2(fam, type, group, payload);
	__skb_queue_tail(&ill->txq, skb);
	mchost_count(ill->mn, fam, stat);
}

/* A v1/v2 report for ilm, of the kind the current mode speaks. */
static void mchost_send_v1v2_report(struct mchost_ill *ill,
				    struct mchost_ilm *ilm)
{
	enum mchost_fam fam = mchost_fam_of(ilm->family);

	if (fam == MCHOST_MLD)
		mchost_queue_v1v2(ill, fam, ICMPV6_MGM_REPORT, &ilm->group,
				  &ilm->group, MCHOST_STAT_SND_V2_REPORTS);
	else if (mchost_ilm_gen(ill, ilm) == 1)
		mchost_queue_v1v2(ill, fam, IGMP_HOST_MEMBERSHIP_REPORT,
				  &ilm->group, &ilm->group,
				  MCHOST_STAT_SND_V1_REPORTS);
	else
		mchost_queue_v1v2(ill, fam, IGMPV2_HOST_MEMBERSHIP_REPORT,
				  &ilm->group, &ilm->group,
				  MCHOST_STAT_SND_V2_REPORTS);
	ilm->reported_last = true;
}

static unsigned int mchost_room(const struct mchost_ill *ill,
				enum mchost_fam fam)
{
	unsigned int mtu = READ_ONCE(ill->dev->mtu);
	unsigned int oh = mchost_report_overhead(fam);

	return mtu > oh ? mtu - oh : 0;
}

/*
 * Pack records into as few v3 reports as the MTU allows. With 'more' (the
 * caller has further records to add), a last report that these records do
 * not fill is held back: its records move to the front of recs and their
 * count is returned, for the next call to top up. Packets queued are taken
 * from *budget when it is given.
 */
static unsigned int mchost_queue_v3(struct mchost_ill *ill,
				    enum mchost_fam fam,
				    struct mchost_rec *recs, unsigned int n,
				    bool more, int *budget)
{
	unsigned int room = mchost_room(ill, fam), truncated, len;
	struct mchost_pack_pos pos = { 0, 0 }, start;
	struct sk_buff *skb;
	u8 *payload;

	while (pos.rec < n) {
		skb = mchost_xmit_alloc(ill->dev, fam, &mchost_v3_dst[fam],
					room, &payload);
		if (!skb) {
			mchost_count(ill->mn, fam, MCHOST_STAT_SND_ERRORS);
			break;
		}
		start = pos;
		truncated = 0;
		len = mchost_report_fill(fam, recs, n, &pos, payload, room,
					 &truncated);
		if (!len) {
			kfree_skb(skb);
			break;
		}
		/* Whole records only: a split one is sent as it comes. */
		if (more && pos.rec >= n && !start.src && !pos.src) {
			kfree_skb(skb);
			memmove(recs, recs + start.rec,
				(n - start.rec) * sizeof(*recs));
			return n - start.rec;
		}
		skb_trim(skb, len);
		__skb_queue_tail(&ill->txq, skb);
		mchost_count(ill->mn, fam, MCHOST_STAT_SND_V3_REPORTS);
		while (truncated--)
			mchost_count(ill->mn, fam, MCHOST_STAT_SND_TRUNCATED);
		if (budget)
			(*budget)--;
	}
	return 0;
}

/* Drop pending responses and retransmissions of ilm. */
static void mchost_ilm_cancel(struct mchost_ill *ill, struct mchost_ilm *ilm)
{
	ilm->resp_at = KTIME_MAX;
	ilm->rtx_at = KTIME_MAX;
	ilm->pend_group = false;
	mchost_slist_free(ilm->pend);
	ilm->pend = NULL;
	ilm->v2_rtx = 0;
	mchost_change_clear(&ilm->rtx);
	mchost_tq_update(ill, ilm);
}

void mchost_proto_forget(struct mchost_ill *ill, struct mchost_ilm *ilm)
{
	mchost_ilm_cancel(ill, ilm);
}

bool mchost_proto_leaving(const struct mchost_ilm *ilm)
{
	return mchost_change_pending(&ilm->rtx);
}

static void mchost_gc(struct mchost_ill *ill)
{
	schedule_work(&ill->mn->gc_work);
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
static void mchost_version_update(struct mchost_ill *ill, enum mchost_fam fam,
				  ktime_t now)
{
	struct mchost_ifproto *p = &ill->proto[fam];
	unsigned int v;
	struct mchost_ilm *ilm;
	unsigned int bkt;

	v = mchost_compat_version(fam, p->old_until, now,
				  mchost_max_version(fam));
	if (v == p->version)
		return;
	WRITE_ONCE(p->version, v);
	p->gen_at = KTIME_MAX;
	p->gen_active = false;
	for (bkt = 0; bkt < (1U << ill->hash_bits); bkt++) {
		hlist_for_each_entry(ilm, &ill->hash[bkt], hnode) {
			if (mchost_fam_of(ilm->family) != fam)
				continue;
			mchost_ilm_cancel(ill, ilm);
			if (!ilm->nowners)
				mchost_gc(ill);
		}
	}
}

static void mchost_sched_rtx(struct mchost_ill *ill, struct mchost_ilm *ilm,
			     ktime_t now)
{
	u32 uri = mchost_param(unsolicited_report_interval_ms);

	/* RFC 9776 §5.1: retransmit at random within (0, URI]. */
	mchost_deadline(now, mchost_rand_ms(1, uri), uri, &ilm->rtx_at,
			&ilm->rtx_early);
	mchost_tq_update(ill, ilm);
}

/* One transmission of a v3 state-change report, and the next one planned. */
static void mchost_send_change(struct mchost_ill *ill, struct mchost_ilm *ilm,
			       ktime_t now)
{
	struct mchost_rec recs[2];
	unsigned int n;

	n = mchost_change_next(&ilm->rtx, &ilm->merged, &ilm->group, recs);
	if (n)
		mchost_queue_v3(ill, mchost_fam_of(ilm->family), recs, n,
				false, NULL);
	if (mchost_change_pending(&ilm->rtx)) {
		mchost_sched_rtx(ill, ilm, now);
	} else {
		ilm->rtx_at = KTIME_MAX;
		mchost_tq_update(ill, ilm);
	}
}

static bool mchost_filter_member(const struct mchost_filter *f)
{
	return f->mode == MCHOST_FMODE_EXCLUDE || mchost_slist_nr(f->src);
}

/*
 * Report old -> ilm->merged: the first transmission at once, or, with
 * 'defer', at a random point within the Unsolicited Report Interval like
 * the retransmissions (link up: the stack is still being configured by
 * the other NETDEV_UP handlers, so there may be no route yet).
 */
static void mchost_report_change(struct mchost_ill *ill, struct mchost_ilm *ilm,
				 const struct mchost_filter *old, bool defer)
{
	enum mchost_fam fam = mchost_fam_of(ilm->family);
	struct mchost_ifproto *p = &ill->proto[fam];
	bool was = mchost_filter_member(old);
	bool is = mchost_filter_member(&ilm->merged);
	ktime_t now = ktime_get();

	mchost_version_update(ill, fam, now);
	if (!mchost_reportable(ilm) || !ill->oper)
		return;

	if (mchost_gen(fam, p->version) == 3) {
		if (mchost_change_merge(&ilm->rtx, old, &ilm->merged,
					mchost_rv(p), GFP_ATOMIC)) {
			mchost_count(ill->mn, fam, MCHOST_STAT_SND_ERRORS);
			return;
		}
		if (defer)
			mchost_sched_rtx(ill, ilm, now);
		else
			mchost_send_change(ill, ilm, now);
		return;
	}

	/* v1/v2 know membership only, not sources (RFC 9776 §7.2). */
	if (was == is)
		return;
	ilm->resp_at = KTIME_MAX;
	if (is) {
		/* RFC 2236 §3: report at once, then repeat after short delays. */
		ilm->v2_rtx = mchost_rv(p);
		if (!defer) {
			mchost_send_v1v2_report(ill, ilm);
			ilm->v2_rtx--;
		}
		if (ilm->v2_rtx)
			mchost_sched_rtx(ill, ilm, now);
		else
			mchost_tq_update(ill, ilm);
		return;
	}
	ilm->v2_rtx = 0;
	ilm->rtx_at = KTIME_MAX;
	mchost_tq_update(ill, ilm);
	/*
	 * RFC 2236 §3, RFC 2710 §4: Leave / Done only if we sent the last
	 * report; IGMPv1 has no leave.
	 */
	if (ilm->reported_last && mchost_gen(fam, p->version) == 2)
		mchost_queue_v1v2(ill, fam,
				  fam == MCHOST_IGMP ? IGMP_HOST_LEAVE_MESSAGE :
						       ICMPV6_MGM_REDUCTION,
				  &ilm->group, &mchost_routers_dst[fam],
				  MCHOST_STAT_SND_LEAVES);
	ilm->reported_last = false;
}

void mchost_proto_change(struct mchost_ill *ill, struct mchost_ilm *ilm,
			 const struct mchost_filter *old)
{
	mchost_report_change(ill, ilm, old, false);
}

/* The query's sources as a sorted set of unique addresses, or NULL. */
static struct mchost_slist *mchost_query_sources(const struct mchost_msg *m,
						 enum mchost_fam fam)
{
	unsigned int i, alen = fam == MCHOST_IGMP ? 4 : 16, n = 0;
	struct mchost_slist *s;

	s = mchost_slist_alloc(m->nsrc, GFP_ATOMIC);
	if (!s)
		return NULL;
	for (i = 0; i < m->nsrc; i++) {
		struct in6_addr *a = &s->addr[i];
		__be32 v4;

		if (fam == MCHOST_IGMP) {
			memcpy(&v4, m->src + i * alen, alen);
			ipv6_addr_set_v4mapped(v4, a);
		} else {
			memcpy(a, m->src + i * alen, alen);
		}
	}
	s->nr = m->nsrc;
	mchost_slist_sort(s);
	/* A query may list a source twice; keep one. */
	for (i = 0; i < s->nr; i++)
		if (!n || !ipv6_addr_equal(&s->addr[n - 1], &s->addr[i]))
			s->addr[n++] = s->addr[i];
	s->nr = n;
	return s;
}

/*
 * RFC 9776 §5.2 rules 3 and 4 for a group or group-and-source query: a
 * group query (or a pending one) wins over source lists; source lists of
 * pending queries accumulate, up to max_sources, past which the response
 * degrades to the whole group's state.
 */
static void mchost_pend_sources(struct mchost_ill *ill, struct mchost_ilm *ilm,
				const struct mchost_msg *m, enum mchost_fam fam)
{
	struct mchost_slist *qs, *u;

	if (!m->nsrc || ilm->pend_group ||
	    (ilm->resp_at != KTIME_MAX && !ilm->pend))
		goto group;
	qs = mchost_query_sources(m, fam);
	if (!qs)
		goto group;
	u = mchost_slist_alloc(mchost_slist_nr(ilm->pend) + qs->nr, GFP_ATOMIC);
	if (!u || mchost_slist_union(u, ilm->pend, qs) ||
	    u->nr > mchost_param(max_sources)) {
		mchost_slist_free(u);
		mchost_slist_free(qs);
		goto group;
	}
	mchost_slist_free(qs);
	mchost_slist_free(ilm->pend);
	ilm->pend = u;
	return;
group:
	ilm->pend_group = true;
	mchost_slist_free(ilm->pend);
	ilm->pend = NULL;
}

/* RFC 2236 §3: a delay timer per group, only ever shortened. */
static void mchost_v2_delay(struct mchost_ill *ill, struct mchost_ilm *ilm,
			    ktime_t now, u32 mrt_ms)
{
	ktime_t at, early;

	if (!mchost_reportable(ilm) || !ilm->nowners)
		return;
	mchost_deadline(now, mchost_rand_ms(0, mrt_ms), mrt_ms, &at, &early);
	if (at < ilm->resp_at) {
		ilm->resp_at = at;
		ilm->resp_early = early;
		mchost_tq_update(ill, ilm);
	}
}

static bool mchost_gsr_limited(struct mchost_ilm *ilm, ktime_t now)
{
	if (now - ilm->gsr_since > NSEC_PER_SEC) {
		ilm->gsr_since = now;
		ilm->gsr_count = 0;
	}
	return ++ilm->gsr_count > MCHOST_GSR_PER_SEC;
}

u64 mchost_ovqp_ms(unsigned int rv, u32 qi_ms, u32 qri_ms)
{
	return (u64)rv * qi_ms + qri_ms;
}

u32 mchost_query_mrt_ms(enum mchost_fam fam, const struct mchost_msg *m)
{
	switch (m->kind) {
	case MCHOST_MSG_QUERY_V1:
		return MCHOST_V1_MRT_MS;
	case MCHOST_MSG_QUERY_V2:
		/* IGMPv2 counts tenths of a second, MLDv1 milliseconds. */
		return fam == MCHOST_IGMP ? m->max_resp_code * 100U :
					    m->max_resp_code;
	default:
		return fam == MCHOST_IGMP ?
		       mchost_igmp_mrc_ms(m->max_resp_code) :
		       mchost_mld_mrc_ms(m->max_resp_code);
	}
}

static void mchost_query(struct mchost_ill *ill, enum mchost_fam fam,
			 const struct mchost_msg *m, ktime_t now)
{
	struct mchost_ifproto *p = &ill->proto[fam];
	bool general = ipv6_addr_any(&m->group);
	struct mchost_ilm *ilm = NULL;
	ktime_t at, early;
	unsigned int bkt;
	u32 mrt;

	mrt = mchost_query_mrt_ms(fam, m);
	switch (m->kind) {
	case MCHOST_MSG_QUERY_V1:
		mchost_count(ill->mn, fam, MCHOST_STAT_QRY_V1);
		break;
	case MCHOST_MSG_QUERY_V2:
		mchost_count(ill->mn, fam, MCHOST_STAT_QRY_V2);
		break;
	default:
		mchost_count(ill->mn, fam, MCHOST_STAT_QRY_V3);
		/* RFC 9776 §4.1.6, §4.1.7: adopt the querier's RV and QI. */
		p->rv = m->qrv;	/* 0: the default, see mchost_rv() */
		p->qi_ms = m->qqic ? mchost_qqic_s(m->qqic) * 1000U :
				     MCHOST_DEFAULT_QI_MS;
		break;
	}
	p->qri_ms = mrt;
	mchost_count(ill->mn, fam, general ? MCHOST_STAT_QRY_GENERAL :
				   m->nsrc ? MCHOST_STAT_QRY_GROUP_SOURCE :
				   MCHOST_STAT_QRY_GROUP);

	/* RFC 9776 §8.12, §8.13: Older Version Querier Present Timeout. */
	if (m->kind != MCHOST_MSG_QUERY_V3) {
		at = ktime_add_ms(now, mchost_ovqp_ms(mchost_rv(p), p->qi_ms,
						      mrt));
		p->old_until[m->kind == MCHOST_MSG_QUERY_V1 ? 0 : 1] = at;
		mchost_note(ill, at);
	}
	mchost_version_update(ill, fam, now);

	if (!general) {
		ilm = mchost_ilm_find(ill, &m->group);
		if (!ilm || !ilm->nowners || !mchost_reportable(ilm))
			return;
	}

	/* An older mode answers any query as a v1/v2 query would be. */
	if (mchost_gen(fam, p->version) < 3) {
		if (ilm) {
			mchost_v2_delay(ill, ilm, now, mrt);
			return;
		}
		for (bkt = 0; bkt < (1U << ill->hash_bits); bkt++)
			hlist_for_each_entry(ilm, &ill->hash[bkt], hnode)
				if (mchost_fam_of(ilm->family) == fam)
					mchost_v2_delay(ill, ilm, now, mrt);
		return;
	}

	/* Max Resp Code 0 means at once: no division, no default 10 s. */
	mchost_deadline(now, mchost_rand_ms(0, mrt), mrt, &at, &early);
	/* RFC 9776 §5.2 rule 1: a sooner general response covers it all. */
	if (p->gen_at <= at)
		return;
	if (general) {
		/* Rule 2: one response for every group, replacing an old one. */
		p->gen_at = at;
		p->gen_early = early;
		p->gen_active = false;
		mchost_note(ill, at);
		return;
	}
	if (m->nsrc && mchost_gsr_limited(ilm, now)) {
		mchost_count(ill->mn, fam, MCHOST_STAT_QRY_RATELIMITED);
		return;
	}
	mchost_pend_sources(ill, ilm, m, fam);
	if (at < ilm->resp_at) {
		ilm->resp_at = at;
		ilm->resp_early = early;
	}
	mchost_tq_update(ill, ilm);
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
static void mchost_respond_v3(struct mchost_ill *ill, struct mchost_ilm *ilm)
{
	const struct mchost_filter *f = &ilm->merged;
	struct mchost_rec rec = { .group = ilm->group };
	struct mchost_slist *asked = NULL;

	if (ilm->pend_group || !ilm->pend) {
		rec.type = f->mode == MCHOST_FMODE_INCLUDE ? MCHOST_REC_IS_IN :
							     MCHOST_REC_IS_EX;
		rec.src = f->src;
	} else {
		asked = mchost_slist_alloc(ilm->pend->nr, GFP_ATOMIC);
		if (!asked) {
			mchost_count(ill->mn, mchost_fam_of(ilm->family),
				     MCHOST_STAT_SND_ERRORS);
			return;
		}
		mchost_gsr_sources(f, ilm->pend, asked);
		rec.type = MCHOST_REC_IS_IN;
		rec.src = asked;
	}
	/* An empty IS_IN is skipped by the packer: nothing to say. */
	mchost_queue_v3(ill, mchost_fam_of(ilm->family), &rec, 1, false, NULL);
	mchost_slist_free(asked);
}

/*
 * A v3 general response: a current-state record for every group, in
 * batches so that one firing does bounded work. Returns true when done.
 */
static bool mchost_respond_general(struct mchost_ill *ill, enum mchost_fam fam,
				   int *budget)
{
	struct mchost_ifproto *p = &ill->proto[fam];
	struct mchost_rec *recs;
	struct mchost_ilm *ilm;
	unsigned int n = 0, idx;
	bool done = true;

	recs = kmalloc_array(MCHOST_GEN_BATCH, sizeof(*recs), GFP_ATOMIC);
	if (!recs) {
		mchost_count(ill->mn, fam, MCHOST_STAT_SND_ERRORS);
		return true;
	}
	/*
	 * Start over if the table was resized meanwhile: reporting a group
	 * twice is harmless, skipping one is not.
	 */
	if (!p->gen_active || p->gen_bits != ill->hash_bits) {
		p->gen_active = true;
		p->gen_bits = ill->hash_bits;
		p->gen_bkt = 0;
		p->gen_idx = 0;
	}
	for (; p->gen_bkt < (1U << ill->hash_bits); p->gen_bkt++, p->gen_idx = 0) {
		idx = 0;
		hlist_for_each_entry(ilm, &ill->hash[p->gen_bkt], hnode) {
			if (idx++ < p->gen_idx)
				continue;
			p->gen_idx++;
			if (mchost_fam_of(ilm->family) != fam || !ilm->nowners ||
			    !mchost_reportable(ilm))
				continue;
			recs[n].type = ilm->merged.mode == MCHOST_FMODE_INCLUDE ?
				       MCHOST_REC_IS_IN : MCHOST_REC_IS_EX;
			recs[n].group = ilm->group;
			recs[n].src = ilm->merged.src;
			if (++n < MCHOST_GEN_BATCH)
				continue;
			/* Full reports go; a partly filled last one waits. */
			n = mchost_queue_v3(ill, fam, recs, n, true, budget);
			/* A batch that fills no report (a jumbo MTU) goes now. */
			if (n == MCHOST_GEN_BATCH)
				n = mchost_queue_v3(ill, fam, recs, n, false,
						    budget);
			if (*budget <= 0) {
				done = false;
				goto out;
			}
		}
	}
out:
	/* Across firings the records would be stale: send what is left. */
	if (n)
		mchost_queue_v3(ill, fam, recs, n, false, budget);
	kfree(recs);
	if (done)
		p->gen_active = false;
	return done;
}

static void mchost_ill_recompute_next(struct mchost_ill *ill, ktime_t now)
{
	struct rb_node *first = rb_first_cached(&ill->tq);
	ktime_t next = KTIME_MAX;
	enum mchost_fam fam;
	int i;

	if (first)
		next = rb_entry(first, struct mchost_ilm, tnode)->tkey;
	for (fam = 0; fam < MCHOST_NFAM; fam++) {
		next = min(next, ill->proto[fam].gen_at);
		/* The end of an older-querier period changes the mode. */
		for (i = 0; i < 2; i++)
			if (ill->proto[fam].old_until[i] > now)
				next = min(next, ill->proto[fam].old_until[i]);
	}
	ill->next = next;
}

/* Serve what is due of ilm; false if nothing was (not yet early enough). */
static bool mchost_ilm_fire(struct mchost_ill *ill, struct mchost_ilm *ilm,
			    ktime_t now)
{
	unsigned int gen = mchost_ilm_gen(ill, ilm);
	bool did = false;

	if (ilm->resp_at != KTIME_MAX && ilm->resp_early <= now) {
		did = true;
		ilm->resp_at = KTIME_MAX;
		if (gen == 3)
			mchost_respond_v3(ill, ilm);
		else
			mchost_send_v1v2_report(ill, ilm);
		ilm->pend_group = false;
		mchost_slist_free(ilm->pend);
		ilm->pend = NULL;
	}
	if (ilm->rtx_at != KTIME_MAX && ilm->rtx_early <= now) {
		did = true;
		if (gen == 3) {
			mchost_send_change(ill, ilm, now);
		} else if (ilm->v2_rtx) {
			mchost_send_v1v2_report(ill, ilm);
			if (--ilm->v2_rtx)
				mchost_sched_rtx(ill, ilm, now);
			else
				ilm->rtx_at = KTIME_MAX;
		} else {
			ilm->rtx_at = KTIME_MAX;
		}
	}
	mchost_tq_update(ill, ilm);
	if (!ilm->nowners && !mchost_proto_leaving(ilm))
		mchost_gc(ill);
	return did;
}

static void mchost_ill_fire(struct mchost_ill *ill, ktime_t now,
			    ktime_t horizon, int *budget)
{
	struct rb_node *node, *next;
	enum mchost_fam fam;

	for (fam = 0; fam < MCHOST_NFAM; fam++) {
		struct mchost_ifproto *p = &ill->proto[fam];

		mchost_version_update(ill, fam, now);
		if (p->gen_at == KTIME_MAX || p->gen_early > now)
			continue;
		if (mchost_gen(fam, p->version) == 3 &&
		    !mchost_respond_general(ill, fam, budget)) {
			/* More to send: come back at once. */
			p->gen_at = now;
			p->gen_early = now;
			continue;
		}
		p->gen_at = KTIME_MAX;
	}
	for (node = rb_first_cached(&ill->tq); node && *budget > 0;
	     node = next) {
		struct mchost_ilm *ilm = rb_entry(node, struct mchost_ilm, tnode);

		if (ilm->tkey > horizon)
			break;
		next = rb_next(node);
		/*
		 * Only work done counts: a deadline inside the window that may
		 * not be served early yet must not make the firing yield and
		 * come back at once (a spin until it is due).
		 */
		if (mchost_ilm_fire(ill, ilm, now))
			(*budget)--;
	}
	mchost_ill_recompute_next(ill, now);
}

ktime_t mchost_proto_fire(struct mchost_timer *t, ktime_t now,
			  ktime_t horizon)
{
	struct mchost_net *mn = container_of(t, struct mchost_net, timer);
	int budget = MCHOST_FIRE_BUDGET;
	ktime_t next = KTIME_MAX, n;
	struct mchost_ill *ill;
	unsigned long idx;

	rcu_read_lock();
	xa_for_each(&mn->ills, idx, ill) {
		n = READ_ONCE(ill->next);
		if (n <= horizon && budget > 0) {
			mchost_ill_lock(ill);
			if (!ill->dead)
				mchost_ill_fire(ill, now, horizon, &budget);
			n = ill->next;
			mchost_ill_unlock(ill);
		}
		next = min(next, n);
	}
	rcu_read_unlock();
	/* Out of budget: yield, and come back for the rest at once. */
	return budget > 0 ? next : now;
}

void mchost_proto_rcv(struct mchost_ill *ill, enum mchost_fam fam,
		      const struct mchost_msg *m)
{
	struct mchost_ilm *ilm;

	mchost_ill_lock(ill);
	if (ill->dead)
		goto out;
	if (mchost_msg_is_query(m->kind)) {
		mchost_query(ill, fam, m, ktime_get());
		goto out;
	}
	/*
	 * RFC 2236 §3, RFC 2710 §4: another member's v1/v2 report cancels
	 * ours. v3 hosts never suppress (RFC 9776 §5.2).
	 */
	if (m->kind != MCHOST_MSG_REPORT_V1 && m->kind != MCHOST_MSG_REPORT_V2)
		goto out;
	mchost_version_update(ill, fam, ktime_get());
	ilm = mchost_ilm_find(ill, &m->group);
	if (!ilm || mchost_ilm_gen(ill, ilm) == 3 ||
	    ilm->resp_at == KTIME_MAX)
		goto out;
	ilm->resp_at = KTIME_MAX;
	ilm->reported_last = false;
	mchost_tq_update(ill, ilm);
	mchost_count(ill->mn, fam, MCHOST_STAT_SND_SUPPRESSED);
out:
	mchost_ill_unlock(ill);
}

/*
 * The device became operational, or stopped being so. Announcing on the
 * operational state rather than on NETDEV_UP matters for IPv6: addrconf
 * configures the link (its multicast route included) when the device is
 * operationally up, which may be a later NETDEV_CHANGE; our notifier runs
 * after addrconf's for the same event.
 */
void mchost_proto_link(struct mchost_ill *ill, bool up)
{
	static const struct mchost_filter none = {
		.mode = MCHOST_FMODE_INCLUDE,
	};
	struct mchost_ilm *ilm;
	enum mchost_fam fam;
	unsigned int bkt;

	mchost_ill_lock(ill);
	if (ill->oper == up) {
		mchost_ill_unlock(ill);
		return;
	}
	ill->oper = up;
	for (fam = 0; fam < MCHOST_NFAM; fam++) {
		ill->proto[fam].gen_at = KTIME_MAX;
		ill->proto[fam].gen_active = false;
	}
	for (bkt = 0; bkt < (1U << ill->hash_bits); bkt++) {
		hlist_for_each_entry(ilm, &ill->hash[bkt], hnode) {
			mchost_ilm_cancel(ill, ilm);
			ilm->reported_last = false;
			if (!ilm->nowners)
				mchost_gc(ill);
			else if (up)
				/* Announce again, as for a fresh join. */
				mchost_report_change(ill, ilm, &none, true);
		}
	}
	mchost_ill_unlock(ill);
}

/*
 * Whether parameter writes may reach the devices: set once the module is
 * up, cleared before teardown begins, under a mutex that the walk below
 * holds, so that a write never races with the teardown.
 */
static DEFINE_MUTEX(mchost_running_lock);
static bool mchost_running;

void mchost_proto_set_running(bool running)
{
	mutex_lock(&mchost_running_lock);
	mchost_running = running;
	mutex_unlock(&mchost_running_lock);
}

/*
 * igmp_max_version or mld_max_version was written: apply the new cap to
 * every device now rather than at its next event (process context).
 */
void mchost_proto_versions_changed(void)
{
	struct mchost_ill *ill;
	unsigned long idx;
	enum mchost_fam fam;
	struct net *net;

	mutex_lock(&mchost_running_lock);
	if (!mchost_running)
		goto out;
	down_read(&net_rwsem);
	for_each_net(net) {
		rcu_read_lock();
		xa_for_each(&mchost_net(net)->ills, idx, ill) {
			mchost_ill_lock(ill);
			for (fam = 0; !ill->dead && fam < MCHOST_NFAM; fam++)
				mchost_version_update(ill, fam, ktime_get());
			mchost_ill_unlock(ill);
		}
		rcu_read_unlock();
	}
	up_read(&net_rwsem);
out:
	mutex_unlock(&mchost_running_lock);
}
