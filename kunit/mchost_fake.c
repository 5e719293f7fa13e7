// SPDX-License-Identifier: GPL-2.0
/*
 * The fake device of the engine suites; see mchost_fake.h for what each
 * helper guarantees.
 */
#include <kunit/test.h>
#include <linux/igmp.h>
#include <linux/inet.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <linux/mchost.h>
#include "mchost_fake.h"
#include "mchost_test.h"
#include "params.h"
#include "report.h"

#define MCHOST_FAKE_TEXT	1024

struct mchost_fake_cb {
	struct in6_addr dst;
	ktime_t at;
	u8 fam;
	u8 kind;
};

#define MCHOST_FAKE_CB(skb) ((struct mchost_fake_cb *)(skb)->cb)

static struct mchost_fake *mchost_fake_of(const struct mchost_dev *md)
{
	return container_of(md, struct mchost_fake, md);
}

static struct sk_buff *mchost_fake_alloc(struct mchost_dev *md,
					 enum mchost_fam fam,
					 const struct in6_addr *dst,
					 unsigned int len, u8 **payload,
					 enum mchost_stat kind)
{
	struct mchost_fake *f = mchost_fake_of(md);
	struct sk_buff *skb;

	if (f->fail_alloc)
		return NULL;
	skb = alloc_skb(len, GFP_ATOMIC);
	if (!skb)
		return NULL;
	MCHOST_FAKE_CB(skb)->dst = *dst;
	MCHOST_FAKE_CB(skb)->fam = fam;
	MCHOST_FAKE_CB(skb)->kind = kind;
	*payload = skb_put(skb, len);
	return skb;
}

static void mchost_fake_emit(struct mchost_dev *md, struct sk_buff *skb)
{
	struct mchost_fake *f = mchost_fake_of(md);
	enum mchost_fam fam = MCHOST_FAKE_CB(skb)->fam;

	/* Every report fits the MTU with its IP headers. */
	KUNIT_EXPECT_LE(f->test, skb->len + mchost_report_overhead(fam), f->mtu);
	MCHOST_FAKE_CB(skb)->at = f->now;
	/* Sent at once, as far as the counters go. */
	mchost_dev_count(md, fam, MCHOST_STAT_SND_REPORTS);
	mchost_dev_count(md, fam, MCHOST_FAKE_CB(skb)->kind);
	__skb_queue_tail(&f->sent, skb);
}

static void mchost_fake_wake(struct mchost_dev *md, ktime_t when)
{
	md->next = min(md->next, when);
}

static void mchost_fake_reap(struct mchost_dev *md)
{
	mchost_fake_of(md)->reaps++;
}

static unsigned int mchost_fake_mtu(const struct mchost_dev *md)
{
	return mchost_fake_of(md)->mtu;
}

static u32 mchost_fake_rand(struct mchost_dev *md, u32 lo, u32 hi)
{
	struct mchost_fake *f = mchost_fake_of(md);
	unsigned int k = f->rand_calls++;

	switch (f->rand) {
	case MCHOST_FAKE_RAND_MIN:
		return lo;
	case MCHOST_FAKE_RAND_MID:
		return lo + (hi - lo) / 2;
	case MCHOST_FAKE_RAND_CYCLE:
		return lo + (u32)((u64)(hi - lo) * (k % 4 + 1) / 4);
	default:
		return hi;
	}
}

static void mchost_fake_compat(struct mchost_dev *md, enum mchost_fam fam)
{
	mchost_fake_of(md)->compats[fam]++;
}

static const struct mchost_dev_ops mchost_fake_ops = {
	.alloc	= mchost_fake_alloc,
	.emit	= mchost_fake_emit,
	.wake	= mchost_fake_wake,
	.reap	= mchost_fake_reap,
	.mtu	= mchost_fake_mtu,
	.rand	= mchost_fake_rand,
	.compat	= mchost_fake_compat,
};

static void mchost_fake_free(void *data)
{
	struct mchost_fake *f = data;
	struct mchost_group *grp, *next;

	write_lock_bh(&f->md.lock);
	for (grp = mchost_dev_first(&f->md); grp; grp = next) {
		next = mchost_dev_next(&f->md, grp);
		mchost_proto_forget(&f->md, grp);
		mchost_dev_del_group(&f->md, grp);
		mchost_slist_free(grp->merged.src);
		kfree(grp);
	}
	write_unlock_bh(&f->md.lock);
	__skb_queue_purge(&f->sent);
	mchost_dev_teardown(&f->md);
	free_percpu(f->md.stats);
}

struct mchost_fake_saved {
	struct mchost_uint_param *p;
	unsigned int val;
};

static void mchost_fake_restore(void *data)
{
	struct mchost_fake_saved *s = data;

	WRITE_ONCE(s->p->val, s->val);
}

void __mchost_fake_param(struct mchost_fake *f, struct mchost_uint_param *p,
			 unsigned int v)
{
	struct mchost_fake_saved *s;

	s = kunit_kzalloc(f->test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(f->test, s);
	s->p = p;
	s->val = READ_ONCE(p->val);
	KUNIT_ASSERT_EQ(f->test, 0,
			kunit_add_action_or_reset(f->test, mchost_fake_restore,
						  s));
	KUNIT_ASSERT_GE(f->test, v, p->min);
	KUNIT_ASSERT_LE(f->test, v, p->max);
	WRITE_ONCE(p->val, v);
}

struct mchost_fake *mchost_fake_new(struct kunit *test)
{
	struct mchost_stats __percpu *stats;
	struct mchost_fake *f;

	f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->test = test;
	f->window_ms = 1000;
	f->now = MCHOST_FAKE_T0;
	f->mtu = 1500;
	__skb_queue_head_init(&f->sent);
	/* The defaults, whatever a test before left. */
	__mchost_fake_param(f, &mchost_params.igmp_max_version, 3);
	__mchost_fake_param(f, &mchost_params.mld_max_version, 2);
	__mchost_fake_param(f, &mchost_params.robustness, 2);
	__mchost_fake_param(f,
			    &mchost_params.igmpv2_unsolicited_report_interval,
			    10000);
	__mchost_fake_param(f,
			    &mchost_params.igmpv3_unsolicited_report_interval,
			    1000);
	__mchost_fake_param(f, &mchost_params.mldv1_unsolicited_report_interval,
			    10000);
	__mchost_fake_param(f, &mchost_params.mldv2_unsolicited_report_interval,
			    1000);
	__mchost_fake_param(f, &mchost_params.max_sources, 64);
	__mchost_fake_param(f, &mchost_params.report_link_local, 1);

	stats = alloc_percpu(struct mchost_stats);
	KUNIT_ASSERT_NOT_NULL(test, stats);
	f->timer.window_ms = &f->window_ms;
	if (mchost_dev_setup(&f->md, &mchost_fake_ops, stats, &f->timer)) {
		free_percpu(stats);
		KUNIT_FAIL_AND_ABORT(test, "mchost_dev_setup failed");
	}
	f->md.oper = true;
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   mchost_fake_free, f));
	return f;
}

static u8 mchost_fake_family(struct mchost_fake *f, const char *g,
			     struct in6_addr *a)
{
	mchost_test_pton(f->test, g, a);
	return ipv6_addr_v4mapped(a) ? AF_INET : AF_INET6;
}

struct mchost_group *mchost_fake_group(struct mchost_fake *f, const char *g)
{
	struct mchost_group *grp;
	struct in6_addr a;

	mchost_fake_family(f, g, &a);
	grp = mchost_dev_find_group(&f->md, &a);
	KUNIT_ASSERT_NOT_NULL_MSG(f->test, grp, "no group %s", g);
	return grp;
}

/* Install a new merged filter and tell the engine, as group.c does. */
static void mchost_fake_set(struct mchost_fake *f, struct mchost_group *grp,
			    u8 mode, struct mchost_slist *src, int downers)
{
	enum mchost_fam fam = mchost_fam_of(grp->family);
	struct mchost_filter old;

	write_lock_bh(&f->md.lock);
	old = grp->merged;
	grp->merged.mode = mode;
	grp->merged.src = src;
	if (!grp->nowners && downers > 0)
		f->md.ngroups[fam]++;
	grp->nowners += downers;
	if (!grp->nowners)
		f->md.ngroups[fam]--;
	mchost_proto_change(&f->md, grp, &old, f->now);
	write_unlock_bh(&f->md.lock);
	mchost_slist_free(old.src);
}

struct mchost_group *mchost_fake_join(struct mchost_fake *f, const char *g,
				      u8 mode, const char *addrs)
{
	struct mchost_slist *src = NULL;
	struct mchost_group *grp;
	struct in6_addr a;
	u8 family;

	family = mchost_fake_family(f, g, &a);
	if (addrs && *addrs) {
		src = mchost_slist_dup(mchost_test_set(f->test, addrs),
				       GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(f->test, src);
	}
	grp = mchost_dev_find_group(&f->md, &a);
	if (!grp) {
		grp = kzalloc(sizeof(*grp), GFP_KERNEL);
		if (!grp)
			mchost_slist_free(src);
		KUNIT_ASSERT_NOT_NULL(f->test, grp);
		grp->addr = a;
		grp->family = family;
		grp->merged.mode = MCHOST_FMODE_INCLUDE;
		write_lock_bh(&f->md.lock);
		mchost_dev_add_group(&f->md, grp);
		write_unlock_bh(&f->md.lock);
	}
	mchost_fake_set(f, grp, mode, src, grp->nowners ? 0 : 1);
	return grp;
}

void mchost_fake_leave(struct mchost_fake *f, const char *g)
{
	struct mchost_group *grp = mchost_fake_group(f, g);

	KUNIT_ASSERT_EQ(f->test, grp->nowners, 1U);
	mchost_fake_set(f, grp, MCHOST_FMODE_INCLUDE, NULL, -1);
}

/* The one's-complement checksum of an MLD message, as xmit.c computes it. */
static void mchost_fake_mld_csum(u8 *buf, unsigned int len,
				 const struct in6_addr *saddr,
				 const struct in6_addr *daddr)
{
	__sum16 sum;

	buf[2] = 0;
	buf[3] = 0;
	sum = csum_ipv6_magic(saddr, daddr, len, IPPROTO_ICMPV6,
			      csum_partial(buf, len, 0));
	memcpy(&buf[2], &sum, sizeof(sum));
}

static void mchost_fake_rcv(struct mchost_fake *f, enum mchost_fam fam,
			    u8 *buf, unsigned int len,
			    const struct in6_addr *daddr)
{
	struct in6_addr ll;
	struct mchost_msg m;
	enum mchost_rx rx;

	if (fam == MCHOST_IGMP) {
		__sum16 sum;

		buf[2] = 0;
		buf[3] = 0;
		sum = ip_compute_csum(buf, len);
		memcpy(&buf[2], &sum, sizeof(sum));
		rx = mchost_igmp_parse(buf, len, &m);
	} else {
		mchost_test_pton(f->test, "fe80::1", &ll);
		mchost_fake_mld_csum(buf, len, &ll, daddr);
		rx = mchost_mld_parse(buf, len, &ll, daddr, &m);
	}
	KUNIT_ASSERT_EQ(f->test, rx, MCHOST_RX_OK);
	write_lock_bh(&f->md.lock);
	mchost_proto_rcv(&f->md, fam, &m, f->now);
	write_unlock_bh(&f->md.lock);
}

static void mchost_fake_put_addr(enum mchost_fam fam, u8 *p,
				 const struct in6_addr *a)
{
	if (fam == MCHOST_IGMP)
		memcpy(p, &a->s6_addr[12], 4);
	else
		memcpy(p, a, 16);
}

void mchost_fake_query(struct mchost_fake *f, enum mchost_fam fam,
		       unsigned int version, const char *g, const char *addrs,
		       unsigned int mrc, u8 qrv, u8 qqic)
{
	unsigned int alen = fam == MCHOST_IGMP ? 4 : 16;
	unsigned int goff = fam == MCHOST_IGMP ? 4 : 8;
	const struct mchost_slist *src = NULL;
	struct in6_addr group = {}, dst;
	unsigned int len, i, n = 0;
	u8 *buf;

	if (*g)
		mchost_test_pton(f->test, g, &group);
	else if (fam == MCHOST_IGMP)
		ipv6_addr_set_v4mapped(0, &group);
	mchost_test_pton(f->test, fam == MCHOST_IGMP ? "224.0.0.1" : "ff02::1",
			 &dst);
	if (addrs && *addrs) {
		src = mchost_test_raw(f->test, addrs);
		n = src->nr;
	}
	len = fam == MCHOST_IGMP ? 8 : 24;
	if ((fam == MCHOST_IGMP && version == 3) ||
	    (fam == MCHOST_MLD && version == 2))
		len += 4 + n * alen;
	buf = kunit_kzalloc(f->test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(f->test, buf);
	buf[0] = fam == MCHOST_IGMP ? IGMP_HOST_MEMBERSHIP_QUERY :
				      ICMPV6_MGM_QUERY;
	if (fam == MCHOST_IGMP) {
		buf[1] = version == 1 ? 0 : mrc;
	} else {
		buf[4] = mrc >> 8;
		buf[5] = mrc & 0xff;
	}
	mchost_fake_put_addr(fam, &buf[goff], &group);
	if (len > goff + alen) {
		buf[goff + alen] = qrv & 7;
		buf[goff + alen + 1] = qqic;
		buf[goff + alen + 2] = n >> 8;
		buf[goff + alen + 3] = n & 0xff;
		for (i = 0; i < n; i++)
			mchost_fake_put_addr(fam, &buf[goff + alen + 4 + i * alen],
					     &src->addr[i]);
	}
	mchost_fake_rcv(f, fam, buf, len, &dst);
}

void mchost_fake_report(struct mchost_fake *f, const char *g,
			unsigned int version)
{
	struct in6_addr group;
	enum mchost_fam fam;
	u8 buf[24] = {};
	u8 type;

	fam = mchost_fake_family(f, g, &group) == AF_INET ? MCHOST_IGMP :
							    MCHOST_MLD;
	if (fam == MCHOST_MLD)
		type = ICMPV6_MGM_REPORT;
	else
		type = version == 1 ? IGMP_HOST_MEMBERSHIP_REPORT :
				      IGMPV2_HOST_MEMBERSHIP_REPORT;
	mchost_report_fill_v1v2(fam, type, &group, buf);
	mchost_fake_rcv(f, fam, buf, fam == MCHOST_IGMP ? 8 : 24, &group);
}

void mchost_fake_link(struct mchost_fake *f, bool up)
{
	write_lock_bh(&f->md.lock);
	mchost_proto_link(&f->md, up, f->now);
	write_unlock_bh(&f->md.lock);
}

void mchost_fake_caps_changed(struct mchost_fake *f)
{
	write_lock_bh(&f->md.lock);
	mchost_proto_caps_changed(&f->md, f->now);
	write_unlock_bh(&f->md.lock);
}

bool mchost_fake_fire(struct mchost_fake *f)
{
	ktime_t horizon;
	int budget = 64;

	if (f->md.next == KTIME_MAX)
		return false;
	KUNIT_ASSERT_LT_MSG(f->test, f->fires, 100000U,
			    "the engine keeps asking to run");
	f->now = max(f->now, f->md.next);
	horizon = ktime_add_ms(f->now, f->window_ms);
	write_lock_bh(&f->md.lock);
	f->md.next = mchost_proto_fire(&f->md, f->now, horizon, &budget);
	write_unlock_bh(&f->md.lock);
	f->fires++;
	/* As the namespace timer: out of budget, come back at once. */
	if (budget <= 0) {
		f->budget_outs++;
		f->md.next = f->now;
	}
	return true;
}

void mchost_fake_run(struct mchost_fake *f, ktime_t until)
{
	while (f->md.next <= until)
		mchost_fake_fire(f);
	f->now = max(f->now, until);
}

void mchost_fake_remove(struct mchost_fake *f, const char *g)
{
	struct mchost_group *grp = mchost_fake_group(f, g);

	write_lock_bh(&f->md.lock);
	mchost_proto_forget(&f->md, grp);
	mchost_dev_del_group(&f->md, grp);
	if (grp->nowners)
		f->md.ngroups[mchost_fam_of(grp->family)]--;
	write_unlock_bh(&f->md.lock);
	mchost_slist_free(grp->merged.src);
	kfree(grp);
}

void mchost_fake_run_ms(struct mchost_fake *f, unsigned int ms)
{
	mchost_fake_run(f, ktime_add_ms(f->now, ms));
}

unsigned int mchost_fake_queued(struct mchost_fake *f)
{
	return skb_queue_len(&f->sent);
}

static void mchost_fake_addr(char *out, size_t size, enum mchost_fam fam,
			     const struct in6_addr *a)
{
	if (fam == MCHOST_IGMP)
		snprintf(out, size, "%pI4", &a->s6_addr32[3]);
	else
		snprintf(out, size, "%pI6c", a);
}

/*
 * Decode skb with the module's parser; m points into skb's data. A packet
 * it rejects is freed and fails the test.
 */
static void mchost_fake_parse(struct mchost_fake *f, struct sk_buff *skb,
			      struct mchost_msg *m)
{
	struct mchost_fake_cb *cb = MCHOST_FAKE_CB(skb);
	enum mchost_rx rx;

	if (cb->fam == MCHOST_IGMP) {
		rx = mchost_igmp_parse(skb->data, skb->len, m);
	} else {
		/* The sender fills the checksum (xmit.c), here from ::. */
		mchost_fake_mld_csum(skb->data, skb->len, &in6addr_any,
				     &cb->dst);
		rx = mchost_mld_parse(skb->data, skb->len, &in6addr_any,
				      &cb->dst, m);
	}
	if (rx != MCHOST_RX_OK) {
		kfree_skb(skb);
		KUNIT_FAIL_AND_ABORT(f->test, "sent a packet its parser rejects (%d)",
				     rx);
	}
}

static const char *const mchost_fake_rec_names[] = {
	[MCHOST_REC_IS_IN] = "IS_IN", [MCHOST_REC_IS_EX] = "IS_EX",
	[MCHOST_REC_TO_IN] = "TO_IN", [MCHOST_REC_TO_EX] = "TO_EX",
	[MCHOST_REC_ALLOW] = "ALLOW", [MCHOST_REC_BLOCK] = "BLOCK",
};

/* Walk the records of a v3 report; the parser checked their lengths. */
static const u8 *mchost_fake_rec(enum mchost_fam fam, const u8 *p,
				 u8 *type, struct in6_addr *group,
				 unsigned int *nsrc, const u8 **src)
{
	unsigned int alen = fam == MCHOST_IGMP ? 4 : 16;

	*type = p[0];
	*nsrc = p[2] << 8 | p[3];
	if (fam == MCHOST_IGMP) {
		__be32 v4;

		memcpy(&v4, p + 4, 4);
		ipv6_addr_set_v4mapped(v4, group);
	} else {
		memcpy(group, p + 4, 16);
	}
	*src = p + 4 + alen;
	return *src + *nsrc * alen + p[1] * 4;
}

static void mchost_fake_src(enum mchost_fam fam, const u8 *p,
			    struct in6_addr *a)
{
	__be32 v4;

	if (fam == MCHOST_MLD) {
		memcpy(a, p, 16);
		return;
	}
	memcpy(&v4, p, 4);
	ipv6_addr_set_v4mapped(v4, a);
}

static int mchost_fake_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One record as text: "ALLOW 232.1.1.1 (10.0.0.1 10.0.0.2)". */
static char *mchost_fake_rec_text(struct mchost_fake *f, enum mchost_fam fam,
				  u8 type, const struct in6_addr *group,
				  unsigned int nsrc, const u8 *src)
{
	unsigned int alen = fam == MCHOST_IGMP ? 4 : 16, len, j;
	char a[INET6_ADDRSTRLEN + 1];
	struct in6_addr s;
	char *out;

	out = kunit_kzalloc(f->test, MCHOST_FAKE_TEXT, GFP_ATOMIC);
	if (!out)
		return NULL;
	mchost_fake_addr(a, sizeof(a), fam, group);
	len = scnprintf(out, MCHOST_FAKE_TEXT, "%s %s (",
			type < ARRAY_SIZE(mchost_fake_rec_names) &&
			mchost_fake_rec_names[type] ?
			mchost_fake_rec_names[type] : "?", a);
	for (j = 0; j < nsrc; j++) {
		mchost_fake_src(fam, src + j * alen, &s);
		mchost_fake_addr(a, sizeof(a), fam, &s);
		len += scnprintf(out + len, MCHOST_FAKE_TEXT - len, "%s%s",
				 j ? " " : "", a);
	}
	scnprintf(out + len, MCHOST_FAKE_TEXT - len, ")");
	return out;
}

/*
 * The text of one packet. The records of a v3 report are sorted: their
 * order carries no meaning, and groups come in hash order.
 */
static char *mchost_fake_text(struct mchost_fake *f, struct sk_buff *skb)
{
	struct mchost_fake_cb *cb = MCHOST_FAKE_CB(skb);
	char a[INET6_ADDRSTRLEN + 1];
	unsigned int len, i, nsrc;
	struct in6_addr group;
	struct mchost_msg m;
	const u8 *p, *src;
	char *out, **recs;
	u8 type;

	out = kunit_kzalloc(f->test, MCHOST_FAKE_TEXT * 4, GFP_ATOMIC);
	if (!out)
		return NULL;
	mchost_fake_parse(f, skb, &m);
	mchost_fake_addr(a, sizeof(a), cb->fam, &cb->dst);
	len = scnprintf(out, MCHOST_FAKE_TEXT * 4, "%s", a);
	if (m.kind != MCHOST_MSG_REPORT_V3) {
		mchost_fake_addr(a, sizeof(a), cb->fam, &m.group);
		scnprintf(out + len, MCHOST_FAKE_TEXT * 4 - len, " %s %s",
			  m.kind == MCHOST_MSG_LEAVE ? "leave" :
			  m.kind == MCHOST_MSG_REPORT_V1 ? "v1-report" :
			  "v2-report", a);
		return out;
	}
	len += scnprintf(out + len, MCHOST_FAKE_TEXT * 4 - len, " v3");
	recs = kunit_kcalloc(f->test, m.nrec ?: 1, sizeof(*recs), GFP_ATOMIC);
	if (!recs)
		return NULL;
	for (i = 0, p = m.rec; i < m.nrec; i++) {
		p = mchost_fake_rec(cb->fam, p, &type, &group, &nsrc, &src);
		recs[i] = mchost_fake_rec_text(f, cb->fam, type, &group, nsrc,
					       src);
		if (!recs[i])
			return NULL;
	}
	sort(recs, m.nrec, sizeof(*recs), mchost_fake_strcmp, NULL);
	for (i = 0; i < m.nrec; i++)
		len += scnprintf(out + len, MCHOST_FAKE_TEXT * 4 - len, " %s",
				 recs[i]);
	return out;
}

const char *mchost_fake_pop(struct mchost_fake *f, ktime_t *at)
{
	struct sk_buff *skb;
	char *out;

	skb = __skb_dequeue(&f->sent);
	if (!skb)
		return NULL;
	if (at)
		*at = MCHOST_FAKE_CB(skb)->at;
	out = mchost_fake_text(f, skb);
	kfree_skb(skb);
	KUNIT_ASSERT_NOT_NULL(f->test, out);
	return out;
}

unsigned int mchost_fake_drain(struct mchost_fake *f, u16 *seen,
			       unsigned int n)
{
	unsigned int pkts = 0, i, nsrc, idx;
	struct in6_addr group;
	struct sk_buff *skb;
	struct mchost_msg m;
	const u8 *p, *src;
	u8 type;

	while ((skb = __skb_dequeue(&f->sent))) {
		enum mchost_fam fam = MCHOST_FAKE_CB(skb)->fam;

		pkts++;
		mchost_fake_parse(f, skb, &m);
		for (i = 0, p = m.rec;
		     m.kind == MCHOST_MSG_REPORT_V3 && i < m.nrec; i++) {
			p = mchost_fake_rec(fam, p, &type, &group, &nsrc, &src);
			idx = ntohs(group.s6_addr16[7]);
			if (idx < n)
				seen[idx]++;
		}
		kfree_skb(skb);
	}
	return pkts;
}

u64 mchost_fake_stat(struct mchost_fake *f, enum mchost_fam fam,
		     enum mchost_stat stat)
{
	u64 v = mchost_stats_sum(f->md.stats, fam, stat);

	/* The fake is its namespace's only device: its counters are equal. */
	KUNIT_EXPECT_EQ_MSG(f->test, v,
			    mchost_stats_sum(f->md.dstats, fam, stat),
			    "%s: device and namespace counters differ",
			    mchost_stat_names[stat]);
	return v;
}
