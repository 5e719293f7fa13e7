// SPDX-License-Identifier: GPL-2.0
/*
 * The protocol engine's receive side: queries (RFC 9776 §5.2, RFC 9777
 * §6.2, RFC 2236 §3, RFC 2710 §4) and other hosts' reports. Messages come
 * here parsed and validated (wire.c, hook.c).
 */
#include <linux/slab.h>
#include <net/ipv6.h>
#include <linux/mchost.h>
#include "engine.h"
#include "params.h"
#include "report.h"

/* Group-and-source queries accepted per group and second. */
#define MCHOST_GSR_PER_SEC	8
/* RFC 2236 §4: an IGMPv1 query's Max Response Time is 10 s. */
#define MCHOST_V1_MRT_MS	10000

unsigned int mchost_query_alloc_max;

/* A source set in softirq; a failure only degrades a response. */
static struct mchost_slist *mchost_query_alloc(unsigned int cap)
{
	if (IS_ENABLED(CONFIG_MCHOST_KUNIT_TEST))
		mchost_query_alloc_max = max(mchost_query_alloc_max, cap);
	return mchost_slist_alloc(cap, GFP_ATOMIC | __GFP_NOWARN);
}

/* The query's sources as a sorted set of unique addresses, or NULL. */
static struct mchost_slist *mchost_query_sources(const struct mchost_msg *m,
						 enum mchost_fam fam)
{
	unsigned int i, alen = fam == MCHOST_IGMP ? 4 : 16, n = 0;
	struct mchost_slist *s;

	s = mchost_query_alloc(m->nsrc);
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
static void mchost_pend_sources(struct mchost_gstate *st,
				const struct mchost_msg *m, enum mchost_fam fam)
{
	unsigned int max = mchost_param(max_sources);
	struct mchost_slist *qs, *u;

	/* Sized by the sender: check before copying anything. */
	if (!m->nsrc || m->nsrc > max || st->pend_group ||
	    (st->resp_at != KTIME_MAX && !st->pend))
		goto group;
	qs = mchost_query_sources(m, fam);
	if (!qs)
		goto group;
	u = mchost_query_alloc(mchost_slist_nr(st->pend) + qs->nr);
	if (!u || mchost_slist_union(u, st->pend, qs) || u->nr > max) {
		mchost_slist_free(u);
		mchost_slist_free(qs);
		goto group;
	}
	mchost_slist_free(qs);
	mchost_slist_free(st->pend);
	st->pend = u;
	return;
group:
	st->pend_group = true;
	mchost_slist_free(st->pend);
	st->pend = NULL;
}

/*
 * RFC 2236 §3, RFC 2710 §4: a delay timer per group; a query resets a
 * running one only if its Max Response Time is less than the time left.
 */
static void mchost_v2_delay(struct mchost_dev *md, struct mchost_group *grp,
			    ktime_t now, u32 mrt_ms)
{
	struct mchost_gstate *st;

	if (!mchost_reportable(md, grp) || !grp->nowners)
		return;
	if (grp->st && grp->st->resp_at != KTIME_MAX &&
	    ktime_sub(grp->st->resp_at, now) <= ms_to_ktime(mrt_ms))
		return;
	st = mchost_gst(md, grp);
	if (!st)
		return;
	mchost_deadline(md, now, mchost_rand_ms(md, 0, mrt_ms), mrt_ms,
			&st->resp_at, &st->resp_early);
	mchost_tq_update(md, grp);
}

/* Refused queries count too; the counter stops at the limit + 1. */
static bool mchost_gsr_limited(struct mchost_group *grp, ktime_t now)
{
	if (now - grp->gsr_since > NSEC_PER_SEC) {
		grp->gsr_since = now;
		grp->gsr_count = 0;
	}
	if (grp->gsr_count <= MCHOST_GSR_PER_SEC)
		grp->gsr_count++;
	return grp->gsr_count > MCHOST_GSR_PER_SEC;
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

void mchost_query(struct mchost_dev *md, enum mchost_fam fam,
		  const struct mchost_msg *m, ktime_t now)
{
	struct mchost_dev_proto *p = &md->proto[fam];
	bool general = ipv6_addr_any(&m->group);
	struct mchost_group *grp = NULL;
	struct mchost_gstate *st;
	ktime_t at, early;
	u32 mrt;

	mrt = mchost_query_mrt_ms(fam, m);
	switch (m->kind) {
	case MCHOST_MSG_QUERY_V1:
		mchost_dev_count(md, fam, MCHOST_STAT_QRY_V1);
		break;
	case MCHOST_MSG_QUERY_V2:
		mchost_dev_count(md, fam, MCHOST_STAT_QRY_V2);
		break;
	default:
		mchost_dev_count(md, fam, MCHOST_STAT_QRY_V3);
		/* RFC 9776 §4.1.6, §4.1.7: adopt the querier's RV and QI. */
		p->rv = m->qrv;	/* 0: the default, see mchost_rv() */
		p->qi_ms = m->qqic ? mchost_qqic_s(m->qqic) * 1000U :
				     MCHOST_DEFAULT_QI_MS;
		break;
	}
	p->qri_ms = mrt;
	mchost_dev_count(md, fam, general ? MCHOST_STAT_QRY_GENERAL :
				  m->nsrc ? MCHOST_STAT_QRY_GROUP_SOURCE :
				  MCHOST_STAT_QRY_GROUP);

	/* RFC 9776 §8.12, §8.13: Older Version Querier Present Timeout. */
	if (m->kind != MCHOST_MSG_QUERY_V3) {
		at = ktime_add_ms(now, mchost_ovqp_ms(mchost_rv(p), p->qi_ms,
						      mrt));
		p->old_until[m->kind == MCHOST_MSG_QUERY_V1 ? 0 : 1] = at;
		md->ops->wake(md, at);
	}
	mchost_version_update(md, fam, now);

	if (!general) {
		grp = mchost_dev_find_group(md, &m->group);
		if (!grp || !grp->nowners || !mchost_reportable(md, grp))
			return;
	}

	/* An older mode answers any query as a v1/v2 query would be. */
	if (mchost_gen(fam, p->version) < 3) {
		if (grp) {
			mchost_v2_delay(md, grp, now, mrt);
			return;
		}
		for (grp = mchost_dev_first(md); grp;
		     grp = mchost_dev_next(md, grp))
			if (mchost_fam_of(grp->family) == fam)
				mchost_v2_delay(md, grp, now, mrt);
		return;
	}

	/* Max Resp Code 0 means at once: no division, no default 10 s. */
	mchost_deadline(md, now, mchost_rand_ms(md, 0, mrt), mrt, &at, &early);
	/* RFC 9776 §5.2 rule 1: a sooner general response covers it all. */
	if (p->gen_at <= at)
		return;
	if (general) {
		/* Rule 2: one response for every group, replacing an old one. */
		p->gen_at = at;
		p->gen_early = early;
		p->gen_active = false;
		md->ops->wake(md, at);
		return;
	}
	if (m->nsrc && mchost_gsr_limited(grp, now)) {
		mchost_dev_count(md, fam, MCHOST_STAT_QRY_RATELIMITED);
		return;
	}
	st = mchost_gst(md, grp);
	if (!st)
		return;
	mchost_pend_sources(st, m, fam);
	if (at < st->resp_at) {
		st->resp_at = at;
		st->resp_early = early;
	}
	mchost_tq_update(md, grp);
}

void mchost_proto_rcv(struct mchost_dev *md, enum mchost_fam fam,
		      const struct mchost_msg *m, ktime_t now)
{
	struct mchost_group *grp;

	if (mchost_msg_is_query(m->kind)) {
		mchost_query(md, fam, m, now);
		return;
	}
	if (m->kind != MCHOST_MSG_REPORT_V1 && m->kind != MCHOST_MSG_REPORT_V2)
		return;
	grp = mchost_dev_find_group(md, &m->group);
	if (!grp)
		return;
	mchost_dev_count(md, fam, MCHOST_STAT_RCV_OURREPORTS);
	/*
	 * RFC 2236 §3, RFC 2710 §4: another member's v1/v2 report cancels
	 * ours. v3 hosts never suppress (RFC 9776 §5.2).
	 */
	mchost_version_update(md, fam, now);
	if (mchost_grp_gen(md, grp) == 3 || !grp->st ||
	    grp->st->resp_at == KTIME_MAX)
		return;
	grp->st->resp_at = KTIME_MAX;
	grp->reported_last = false;
	mchost_tq_update(md, grp);
	mchost_dev_count(md, fam, MCHOST_STAT_SND_SUPPRESSED);
}
