// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the IGMP and MLD parsers (module/wire.c).
 *
 * Every message is parsed from a kmalloc() buffer of its exact length, so
 * KASAN reports any read past the end. Checksums are computed here, so a
 * test exercises the rule it names and not the checksum check.
 */

#include <kunit/test.h>
#include <linux/icmpv6.h>
#include <linux/in6.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/checksum.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>

#include "wire.h"

enum wt_fam { WT_IGMP, WT_MLD };

/* The pseudo-header of every MLD message here: fe80::1 -> ff02::1. */
static const struct in6_addr wt_saddr = {
	.s6_addr = { 0xfe, 0x80, [15] = 1 }
};

static const struct in6_addr wt_daddr = {
	.s6_addr = { 0xff, 0x02, [15] = 1 }
};

#define WT_V4MAPPED(a, b, c, d) { .s6_addr = { [10] = 0xff, 0xff, a, b, c, d } }

static const struct in6_addr wt_g6 = {		/* ff05::1:3 */
	.s6_addr = { 0xff, 0x05, [13] = 1, [15] = 3 }
};

static const struct in6_addr wt_ssm6 = {	/* ff3e::1234 */
	.s6_addr = { 0xff, 0x3e, [14] = 0x12, [15] = 0x34 }
};

static const struct in6_addr wt_uc6 = {		/* 2001:db8::1 */
	.s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }
};

static const struct in6_addr wt_any6;

static const struct in6_addr wt_src6[2] = {	/* 2001:db8::a, ::b */
	{ .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0xa } },
	{ .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0xb } },
};

/* A message under construction, and its byte writers. */
struct wt_msg {
	u8 b[160];
	unsigned int len;
};

static void wt_put(struct wt_msg *w, const void *src, unsigned int n)
{
	if (n)
		memcpy(w->b + w->len, src, n);
	w->len += n;
}

static void wt_put8(struct wt_msg *w, u8 v)
{
	wt_put(w, &v, 1);
}

static void wt_put16(struct wt_msg *w, u16 v)
{
	wt_put8(w, v >> 8);
	wt_put8(w, v & 0xff);
}

static void wt_set(struct wt_msg *w, const u8 *bytes, unsigned int n)
{
	w->len = 0;
	wt_put(w, bytes, n);
}

/* MLD query: MLDv1 (24 bytes) when qqic < 0, else MLDv2 with its sources. */
static void wt_mld_query(struct wt_msg *w, u16 mrc,
			 const struct in6_addr *group, int sqrv, u8 qqic,
			 u16 nsrc, const struct in6_addr *src,
			 unsigned int nsrc_present)
{
	w->len = 0;
	wt_put8(w, ICMPV6_MGM_QUERY);
	wt_put8(w, 0);
	wt_put16(w, 0);
	wt_put16(w, mrc);
	wt_put16(w, 0);
	wt_put(w, group, sizeof(*group));
	if (sqrv < 0)
		return;
	wt_put8(w, sqrv);
	wt_put8(w, qqic);
	wt_put16(w, nsrc);
	wt_put(w, src, sizeof(*src) * nsrc_present);
}

/* MLDv1 Report or Done. */
static void wt_mld_v1(struct wt_msg *w, u8 type, const struct in6_addr *group)
{
	w->len = 0;
	wt_put8(w, type);
	wt_put8(w, 0);
	wt_put16(w, 0);
	wt_put16(w, 0);
	wt_put16(w, 0);
	wt_put(w, group, sizeof(*group));
}

static void wt_mld_report2(struct wt_msg *w, u16 nrec)
{
	w->len = 0;
	wt_put8(w, ICMPV6_MLD2_REPORT);
	wt_put8(w, 0);
	wt_put16(w, 0);
	wt_put16(w, 0);
	wt_put16(w, nrec);
}

static void wt_mld_record(struct wt_msg *w, u8 type,
			  const struct in6_addr *group, u16 nsrc,
			  const struct in6_addr *src, u8 auxwords,
			  const u8 *aux)
{
	wt_put8(w, type);
	wt_put8(w, auxwords);
	wt_put16(w, nsrc);
	wt_put(w, group, sizeof(*group));
	wt_put(w, src, sizeof(*src) * nsrc);
	wt_put(w, aux, 4 * auxwords);
}

static void wt_fix_sum(enum wt_fam f, u8 *p, unsigned int len,
		       const struct in6_addr *saddr)
{
	__sum16 sum;

	if (len < 4)
		return;
	p[2] = 0;
	p[3] = 0;
	if (f == WT_IGMP)
		sum = ip_compute_csum(p, len);
	else
		sum = csum_ipv6_magic(saddr, &wt_daddr, len, IPPROTO_ICMPV6,
				      csum_partial(p, len, 0));
	memcpy(p + 2, &sum, sizeof(sum));
}

/* An exact-size copy of msg, so that KASAN sees any overrun. */
static u8 *wt_dup(struct kunit *test, const u8 *msg, unsigned int len)
{
	u8 *p = kunit_kmalloc(test, len, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	if (len)
		memcpy(p, msg, len);
	return p;
}

static enum mchost_rx wt_parse(enum wt_fam f, const u8 *p, unsigned int len,
			       struct mchost_msg *m)
{
	if (f == WT_IGMP)
		return mchost_igmp_parse(p, len, m);
	return mchost_mld_parse(p, len, &wt_saddr, &wt_daddr, m);
}

static bool wt_msg_is_zero(const struct mchost_msg *m)
{
	static const struct mchost_msg zero;

	return !memcmp(m, &zero, sizeof(zero));
}

/*
 * Copy msg, give it a valid checksum, parse it. A rejected message must
 * leave m all zero: m starts filled with garbage to prove it is cleared.
 */
static enum mchost_rx wt_run(struct kunit *test, enum wt_fam f,
			     const u8 *msg, unsigned int len,
			     struct mchost_msg *m, u8 **out)
{
	u8 *p = wt_dup(test, msg, len);
	enum mchost_rx rx;

	wt_fix_sum(f, p, len, &wt_saddr);
	memset(m, 0xa5, sizeof(*m));
	rx = wt_parse(f, p, len, m);
	if (rx != MCHOST_RX_OK)
		KUNIT_EXPECT_TRUE_MSG(test, wt_msg_is_zero(m),
				      "fields left set on verdict %d", rx);
	if (out)
		*out = p;
	return rx;
}

static enum mchost_rx wt_rx(struct kunit *test, enum wt_fam f,
			    const u8 *msg, unsigned int len)
{
	struct mchost_msg m;

	return wt_run(test, f, msg, len, &m, NULL);
}

static void wt_expect_msg(struct kunit *test, const struct mchost_msg *m,
			  const struct mchost_msg *want)
{
	KUNIT_EXPECT_EQ(test, m->kind, want->kind);
	KUNIT_EXPECT_EQ(test, m->type, want->type);
	KUNIT_EXPECT_EQ(test, m->sflag, want->sflag);
	KUNIT_EXPECT_EQ(test, m->qrv, want->qrv);
	KUNIT_EXPECT_EQ(test, m->qqic, want->qqic);
	KUNIT_EXPECT_EQ(test, m->max_resp_code, want->max_resp_code);
	KUNIT_EXPECT_EQ(test, m->nsrc, want->nsrc);
	KUNIT_EXPECT_EQ(test, m->nrec, want->nrec);
	KUNIT_EXPECT_MEMEQ(test, &m->group, &want->group, sizeof(m->group));
	KUNIT_EXPECT_PTR_EQ(test, m->src, want->src);
	KUNIT_EXPECT_PTR_EQ(test, m->rec, want->rec);
}

/* IGMP messages, checksum left zero (wt_run fills it in). */
static const u8 wt_igmp_q1[] = { 0x11, 0, 0, 0, 0, 0, 0, 0 };
static const u8 wt_igmp_q2_gen[] = { 0x11, 100, 0, 0, 0, 0, 0, 0 };
static const u8 wt_igmp_q2_grp[] = { 0x11, 10, 0, 0, 239, 1, 2, 3 };
static const u8 wt_igmp_q3_gen[] = {
	0x11, 100, 0, 0, 0, 0, 0, 0,
	0x02, 125, 0, 0,
};

static const u8 wt_igmp_q3_grp[] = {
	0x11, 10, 0, 0, 239, 1, 2, 3,
	0x02, 125, 0, 0,
};

/* 232.1.2.3 from 10.0.0.1-3; S=1, QRV=5, QQIC=0x8c, MRC=0x9a */
static const u8 wt_igmp_q3_gss[] = {
	0x11, 0x9a, 0, 0, 232, 1, 2, 3,
	0x0d, 0x8c, 0, 3,
	10, 0, 0, 1, 10, 0, 0, 2, 10, 0, 0, 3,
};

/* IS_IN(232.1.1.1, {10.0.0.1, 10.0.0.2}), TO_EX(239.9.9.9, {}) + aux */
static const u8 wt_igmp_r3[] = {
	0x22, 0, 0, 0, 0, 0, 0, 2,
	1, 0, 0, 2, 232, 1, 1, 1, 10, 0, 0, 1, 10, 0, 0, 2,
	4, 1, 0, 0, 239, 9, 9, 9, 0xde, 0xad, 0xbe, 0xef,
};

static void wt_igmp_query_v1(struct kunit *test)
{
	const struct mchost_msg want = {
		.kind = MCHOST_MSG_QUERY_V1, .type = 0x11,
	};
	struct mchost_msg m;

	KUNIT_ASSERT_EQ(test, wt_run(test, WT_IGMP, wt_igmp_q1,
				     sizeof(wt_igmp_q1), &m, NULL),
			MCHOST_RX_OK);
	wt_expect_msg(test, &m, &want);
}

static void wt_igmp_query_v2_general(struct kunit *test)
{
	const struct mchost_msg want = {
		.kind = MCHOST_MSG_QUERY_V2, .type = 0x11,
		.max_resp_code = 100,
	};
	struct mchost_msg m;

	KUNIT_ASSERT_EQ(test, wt_run(test, WT_IGMP, wt_igmp_q2_gen,
				     sizeof(wt_igmp_q2_gen), &m, NULL),
			MCHOST_RX_OK);
	wt_expect_msg(test, &m, &want);
}

static void wt_igmp_query_v2_group(struct kunit *test)
{
	const struct mchost_msg want = {
		.kind = MCHOST_MSG_QUERY_V2, .type = 0x11,
		.max_resp_code = 10, .group = WT_V4MAPPED(239, 1, 2, 3),
	};
	struct mchost_msg m;

	KUNIT_ASSERT_EQ(test, wt_run(test, WT_IGMP, wt_igmp_q2_grp,
				     sizeof(wt_igmp_q2_grp), &m, NULL),
			MCHOST_RX_OK);
	wt_expect_msg(test, &m, &want);
}

static void wt_igmp_query_v3_general(struct kunit *test)
{
	struct mchost_msg want = {
		.kind = MCHOST_MSG_QUERY_V3, .type = 0x11,
		.max_resp_code = 100, .qrv = 2, .qqic = 125,
	};
	struct mchost_msg m;
	u8 *p;

	KUNIT_ASSERT_EQ(test, wt_run(test, WT_IGMP, wt_igmp_q3_gen,
				     sizeof(wt_igmp_q3_gen), &m, &p),
			MCHOST_RX_OK);
	want.src = p + 12;
	wt_expect_msg(test, &m, &want);
	KUNIT_EXPECT_TRUE(test, ipv6_addr_any(&m.group));
}

static void wt_igmp_query_v3_group(struct kunit *test)
{
	struct mchost_msg want = {
		.kind = MCHOST_MSG_QUERY_V3, .type = 0x11,
		.max_resp_code = 10, .qrv = 2, .qqic = 125,
		.group = WT_V4MAPPED(239, 1, 2, 3),
	};
	struct mchost_msg m;
	u8 *p;

	KUNIT_ASSERT_EQ(test, wt_run(test, WT_IGMP, wt_igmp_q3_grp,
				     sizeof(wt_igmp_q3_grp), &m, &p),
			MCHOST_RX_OK);
	want.src = p + 12;
	wt_expect_msg(test, &m, &want);
}

static void wt_igmp_query_v3_sources(struct kunit *test)
{
	static const u8 src[] = { 10, 0, 0, 1, 10, 0, 0, 2, 10, 0, 0, 3 };
	struct mchost_msg want = {
		.kind = MCHOST_MSG_QUERY_V3, .type = 0x11,
		.max_resp_code = 0x9a, .sflag = 1, .qrv = 5, .qqic = 0x8c,
		.nsrc = 3, .group = WT_V4MAPPED(232, 1, 2, 3),
	};
	struct mchost_msg m;
	u8 *p;

	KUNIT_ASSERT_EQ(test, wt_run(test, WT_IGMP, wt_igmp_q3_gss,
				     sizeof(wt_igmp_q3_gss), &m, &p),
			MCHOST_RX_OK);
	want.src = p + 12;
	wt_expect_msg(test, &m, &want);
	KUNIT_EXPECT_MEMEQ(test, m.src, src, sizeof(src));
}

/* RFC 9776 §4.1.10: octets after the sources are ignored. */
static void wt_igmp_query_v3_extra(struct kunit *test)
{
	struct wt_msg w;
	struct mchost_msg m;
	u8 *p;

	wt_set(&w, wt_igmp_q3_gss, sizeof(wt_igmp_q3_gss));
	wt_put16(&w, 0xbeef);
	wt_put16(&w, 0x0001);
	KUNIT_ASSERT_EQ(test, wt_run(test, WT_IGMP, w.b, w.len, &m, &p),
			MCHOST_RX_OK);
	KUNIT_EXPECT_EQ(test, m.kind, MCHOST_MSG_QUERY_V3);
	KUNIT_EXPECT_EQ(test, m.nsrc, 3);
	KUNIT_EXPECT_PTR_EQ(test, m.src, (const u8 *)p + 12);
}

static void wt_igmp_report_v1(struct kunit *test)
{
	static const u8 msg[] = { 0x12, 0, 0, 0, 239, 1, 2, 3 };
	const struct mchost_msg want = {
		.kind = MCHOST_MSG_REPORT_V1, .type = 0x12,
		.group = WT_V4MAPPED(239, 1, 2, 3),
	};
	struct mchost_msg m;

	KUNIT_ASSERT_EQ(test, wt_run(test, WT_IGMP, msg, sizeof(msg), &m, NULL),
			MCHOST_RX_OK);
	wt_expect_msg(test, &m, &want);
}

static void wt_igmp_report_v2(struct kunit *test)
{
	static const u8 msg[] = { 0x16, 0, 0, 0, 224, 0, 0, 251 };
	const struct mchost_msg want = {
		.kind = MCHOST_MSG_REPORT_V2, .type = 0x16,
		.group = WT_V4MAPPED(224, 0, 0, 251),
	};
	struct mchost_msg m;

	KUNIT_ASSERT_EQ(test, wt_run(test, WT_IGMP, msg, sizeof(msg), &m, NULL),
			MCHOST_RX_OK);
	wt_expect_msg(test, &m, &want);
}

/* RFC 2236 §2.5: octets past the first 8 are ignored. */
static void wt_igmp_report_v2_long(struct kunit *test)
{
	static const u8 msg[] = { 0x16, 0, 0, 0, 239, 1, 2, 3, 9, 9, 9 };
	struct mchost_msg m;

	KUNIT_ASSERT_EQ(test, wt_run(test, WT_IGMP, msg, sizeof(msg), &m, NULL),
			MCHOST_RX_OK);
	KUNIT_EXPECT_EQ(test, m.kind, MCHOST_MSG_REPORT_V2);
}

static void wt_igmp_leave(struct kunit *test)
{
	static const u8 msg[] = { 0x17, 0, 0, 0, 239, 255, 0, 1 };
	const struct mchost_msg want = {
		.kind = MCHOST_MSG_LEAVE, .type = 0x17,
		.group = WT_V4MAPPED(239, 255, 0, 1),
	};
	struct mchost_msg m;

	KUNIT_ASSERT_EQ(test, wt_run(test, WT_IGMP, msg, sizeof(msg), &m, NULL),
			MCHOST_RX_OK);
	wt_expect_msg(test, &m, &want);
}

static void wt_igmp_report_v3(struct kunit *test)
{
	struct mchost_msg want = {
		.kind = MCHOST_MSG_REPORT_V3, .type = 0x22, .nrec = 2,
	};
	struct mchost_msg m;
	u8 *p;

	KUNIT_ASSERT_EQ(test, wt_run(test, WT_IGMP, wt_igmp_r3,
				     sizeof(wt_igmp_r3), &m, &p),
			MCHOST_RX_OK);
	want.rec = p + 8;
	wt_expect_msg(test, &m, &want);
}

static void wt_igmp_report_v3_empty(struct kunit *test)
{
	static const u8 msg[] = { 0x22, 0, 0, 0, 0, 0, 0, 0 };
	struct mchost_msg m;
	u8 *p;

	KUNIT_ASSERT_EQ(test, wt_run(test, WT_IGMP, msg, sizeof(msg), &m, &p),
			MCHOST_RX_OK);
	KUNIT_EXPECT_EQ(test, m.nrec, 0);
	KUNIT_EXPECT_PTR_EQ(test, m.rec, (const u8 *)p + 8);
}

/*
 * RFC 9776 §4.2.13: a record of unknown type is ignored, whatever its
 * address; §4.2.12: octets after the last record are ignored.
 */
static void wt_igmp_report_v3_lenient(struct kunit *test)
{
	static const u8 msg[] = {
		0x22, 0, 0, 0, 0, 0, 0, 2,
		0x42, 0, 0, 1, 10, 1, 1, 1, 10, 0, 0, 9,
		5, 0, 0, 0, 239, 1, 1, 1,
		0xff, 0xff, 0xff,
	};
	struct mchost_msg m;

	KUNIT_ASSERT_EQ(test, wt_run(test, WT_IGMP, msg, sizeof(msg), &m, NULL),
			MCHOST_RX_OK);
	KUNIT_EXPECT_EQ(test, m.nrec, 2);
}

static void wt_igmp_tooshort(struct kunit *test)
{
	unsigned int len;

	for (len = 0; len < 8; len++)
		KUNIT_EXPECT_EQ_MSG(test, wt_rx(test, WT_IGMP, wt_igmp_q2_grp,
						len),
				    MCHOST_RX_TOOSHORT, "len %u", len);
}

static void wt_igmp_badsum(struct kunit *test)
{
	struct mchost_msg m;
	enum mchost_rx rx;
	unsigned int i;
	u8 *p;

	for (i = 0; i < sizeof(wt_igmp_q3_gss); i++) {
		KUNIT_ASSERT_EQ(test, wt_run(test, WT_IGMP, wt_igmp_q3_gss,
					     sizeof(wt_igmp_q3_gss), &m, &p),
				MCHOST_RX_OK);
		p[i] ^= 0x40;
		rx = mchost_igmp_parse(p, sizeof(wt_igmp_q3_gss), &m);
		KUNIT_EXPECT_EQ_MSG(test, rx, MCHOST_RX_BADSUM,
				    "byte %u flipped", i);
		KUNIT_EXPECT_TRUE(test, wt_msg_is_zero(&m));
	}
}

/* The checksum is checked before the length rules and the type. */
static void wt_igmp_badsum_first(struct kunit *test)
{
	static const u8 q9[] = { 0x11, 10, 0xde, 0xad, 0, 0, 0, 0, 0 };
	static const u8 unknown[] = { 0x13, 0, 0xde, 0xad, 0, 0, 0, 0 };
	struct mchost_msg m;

	KUNIT_EXPECT_EQ(test, mchost_igmp_parse(q9, sizeof(q9), &m),
			MCHOST_RX_BADSUM);
	KUNIT_EXPECT_EQ(test, mchost_igmp_parse(unknown, sizeof(unknown), &m),
			MCHOST_RX_BADSUM);
}

/* RFC 9776 §7.1: a query of 9 to 11 octets is no version at all. */
static void wt_igmp_query_9_to_11(struct kunit *test)
{
	unsigned int len;

	for (len = 9; len < 12; len++)
		KUNIT_EXPECT_EQ_MSG(test, wt_rx(test, WT_IGMP, wt_igmp_q3_grp,
						len),
				    MCHOST_RX_BADQUERY, "len %u", len);
}

static void wt_igmp_query_v3_overflow(struct kunit *test)
{
	struct wt_msg w;
	unsigned int len = sizeof(wt_igmp_q3_gss);

	/* one source short, one byte short */
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_IGMP, wt_igmp_q3_gss, len - 4),
			MCHOST_RX_BADQUERY);
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_IGMP, wt_igmp_q3_gss, len - 1),
			MCHOST_RX_BADQUERY);

	wt_set(&w, wt_igmp_q3_gss, len);
	w.b[10] = 0xff;
	w.b[11] = 0xff;
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_IGMP, w.b, w.len),
			MCHOST_RX_BADQUERY);
}

/* General Queries have no sources (RFC 9776 §4.1.11). */
static void wt_igmp_query_v3_general_sources(struct kunit *test)
{
	struct wt_msg w;

	wt_set(&w, wt_igmp_q3_gss, sizeof(wt_igmp_q3_gss));
	memset(w.b + 4, 0, 4);
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_IGMP, w.b, w.len),
			MCHOST_RX_BADQUERY);
}

/*
 * RFC 1112 App. I: receivers ignore a v1 query's group field, and RFC 9776
 * §7.1 tells versions by length and code only: whatever the field holds,
 * it is a v1 General Query.
 */
static void wt_igmp_query_v1_group(struct kunit *test)
{
	static const u8 mcast[] = { 0x11, 0, 0, 0, 239, 1, 2, 3 };
	static const u8 ucast[] = { 0x11, 0, 0, 0, 10, 1, 2, 3 };
	const struct mchost_msg want = {
		.kind = MCHOST_MSG_QUERY_V1, .type = 0x11,
	};
	struct mchost_msg m;

	KUNIT_ASSERT_EQ(test, wt_run(test, WT_IGMP, mcast, sizeof(mcast), &m,
				     NULL), MCHOST_RX_OK);
	wt_expect_msg(test, &m, &want);
	KUNIT_ASSERT_EQ(test, wt_run(test, WT_IGMP, ucast, sizeof(ucast), &m,
				     NULL), MCHOST_RX_OK);
	wt_expect_msg(test, &m, &want);
}

static void wt_igmp_query_unicast(struct kunit *test)
{
	static const u8 q2[] = { 0x11, 10, 0, 0, 10, 1, 2, 3 };
	static const u8 q3[] = { 0x11, 10, 0, 0, 192, 0, 2, 1, 2, 125, 0, 0 };
	static const u8 q3_bcast[] = {
		0x11, 10, 0, 0, 255, 255, 255, 255, 2, 125, 0, 0,
	};

	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_IGMP, q2, sizeof(q2)),
			MCHOST_RX_BADQUERY);
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_IGMP, q3, sizeof(q3)),
			MCHOST_RX_BADQUERY);
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_IGMP, q3_bcast, sizeof(q3_bcast)),
			MCHOST_RX_BADQUERY);
}

static void wt_igmp_report_unicast(struct kunit *test)
{
	static const u8 types[] = { 0x12, 0x16, 0x17 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		u8 msg[8] = { types[i], 0, 0, 0, 10, 0, 0, 1 };

		KUNIT_EXPECT_EQ_MSG(test, wt_rx(test, WT_IGMP, msg, 8),
				    MCHOST_RX_BADREPORT, "type %#x", msg[0]);
		memset(msg + 4, 0, 4);
		KUNIT_EXPECT_EQ_MSG(test, wt_rx(test, WT_IGMP, msg, 8),
				    MCHOST_RX_BADREPORT, "type %#x, 0.0.0.0",
				    msg[0]);
	}
}

static void wt_igmp_report_v3_bad(struct kunit *test)
{
	unsigned int len = sizeof(wt_igmp_r3);
	struct wt_msg w;

	/* last record (its aux data) one byte short */
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_IGMP, wt_igmp_r3, len - 1),
			MCHOST_RX_BADREPORT);
	/* a third record announced but absent */
	wt_set(&w, wt_igmp_r3, len);
	w.b[7] = 3;
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_IGMP, w.b, w.len),
			MCHOST_RX_BADREPORT);
	/* first record's sources run past the end */
	wt_set(&w, wt_igmp_r3, len);
	w.b[11] = 6;
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_IGMP, w.b, w.len),
			MCHOST_RX_BADREPORT);
	/* unicast group in a known record type */
	wt_set(&w, wt_igmp_r3, len);
	w.b[12] = 10;
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_IGMP, w.b, w.len),
			MCHOST_RX_BADREPORT);
}

static void wt_igmp_unknown(struct kunit *test)
{
	static const u8 dvmrp[] = { 0x13, 0, 0, 0, 0, 0, 0, 0 };
	static const u8 mtrace[] = {
		0x1f, 2, 0, 0, 239, 1, 2, 3, 10, 0, 0, 1, 10, 0, 0, 2,
	};

	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_IGMP, dvmrp, sizeof(dvmrp)),
			MCHOST_RX_UNKNOWN);
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_IGMP, mtrace, sizeof(mtrace)),
			MCHOST_RX_UNKNOWN);
}

static void wt_mld_query_v1(struct kunit *test)
{
	struct mchost_msg want = {
		.kind = MCHOST_MSG_QUERY_V2, .type = ICMPV6_MGM_QUERY,
		.max_resp_code = 10000,
	};
	struct mchost_msg m;
	struct wt_msg w;

	wt_mld_query(&w, 10000, &wt_any6, -1, 0, 0, NULL, 0);
	KUNIT_ASSERT_EQ(test, w.len, 24);
	KUNIT_ASSERT_EQ(test, wt_run(test, WT_MLD, w.b, w.len, &m, NULL),
			MCHOST_RX_OK);
	wt_expect_msg(test, &m, &want);

	wt_mld_query(&w, 1000, &wt_g6, -1, 0, 0, NULL, 0);
	KUNIT_ASSERT_EQ(test, wt_run(test, WT_MLD, w.b, w.len, &m, NULL),
			MCHOST_RX_OK);
	want.max_resp_code = 1000;
	want.group = wt_g6;
	wt_expect_msg(test, &m, &want);
}

/* RFC 9777 §8.1: 25 to 27 octets is no version; under 24 is short. */
static void wt_mld_query_bad_len(struct kunit *test)
{
	struct wt_msg w;
	unsigned int len;

	wt_mld_query(&w, 1000, &wt_g6, 2, 125, 0, NULL, 0);
	KUNIT_ASSERT_EQ(test, w.len, 28);
	for (len = 8; len < 28; len++) {
		if (len == 24)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, wt_rx(test, WT_MLD, w.b, len),
				    MCHOST_RX_BADQUERY, "len %u", len);
	}
}

static void wt_mld_query_v2_general(struct kunit *test)
{
	struct mchost_msg want = {
		.kind = MCHOST_MSG_QUERY_V3, .type = ICMPV6_MGM_QUERY,
		.max_resp_code = 0x8123, .qrv = 2, .qqic = 125,
	};
	struct mchost_msg m;
	struct wt_msg w;
	u8 *p;

	wt_mld_query(&w, 0x8123, &wt_any6, 2, 125, 0, NULL, 0);
	KUNIT_ASSERT_EQ(test, w.len, 28);
	KUNIT_ASSERT_EQ(test, wt_run(test, WT_MLD, w.b, w.len, &m, &p),
			MCHOST_RX_OK);
	want.src = p + 28;
	wt_expect_msg(test, &m, &want);
	KUNIT_EXPECT_TRUE(test, ipv6_addr_any(&m.group));
}

static void wt_mld_query_v2_sources(struct kunit *test)
{
	struct mchost_msg want = {
		.kind = MCHOST_MSG_QUERY_V3, .type = ICMPV6_MGM_QUERY,
		.max_resp_code = 0x9000, .sflag = 1, .qrv = 7, .qqic = 0x90,
		.nsrc = 2, .group = wt_ssm6,
	};
	struct mchost_msg m;
	struct wt_msg w;
	u8 *p;

	wt_mld_query(&w, 0x9000, &wt_ssm6, 0x0f, 0x90, 2, wt_src6, 2);
	KUNIT_ASSERT_EQ(test, wt_run(test, WT_MLD, w.b, w.len, &m, &p),
			MCHOST_RX_OK);
	want.src = p + 28;
	wt_expect_msg(test, &m, &want);
	KUNIT_EXPECT_MEMEQ(test, m.src, wt_src6, sizeof(wt_src6));

	/* RFC 9777 §5.1.12: octets after the sources are ignored */
	wt_put16(&w, 0x1234);
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_MLD, w.b, w.len), MCHOST_RX_OK);
}

static void wt_mld_query_v2_overflow(struct kunit *test)
{
	struct wt_msg w;

	wt_mld_query(&w, 1000, &wt_ssm6, 2, 125, 2, wt_src6, 1);
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_MLD, w.b, w.len),
			MCHOST_RX_BADQUERY);
	wt_mld_query(&w, 1000, &wt_ssm6, 2, 125, 2, wt_src6, 2);
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_MLD, w.b, w.len - 1),
			MCHOST_RX_BADQUERY);
	wt_mld_query(&w, 1000, &wt_ssm6, 2, 125, 0xffff, wt_src6, 2);
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_MLD, w.b, w.len),
			MCHOST_RX_BADQUERY);
	/* General Queries have no sources (RFC 9777 §5.1.13) */
	wt_mld_query(&w, 1000, &wt_any6, 2, 125, 1, wt_src6, 1);
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_MLD, w.b, w.len),
			MCHOST_RX_BADQUERY);
}

static void wt_mld_query_unicast(struct kunit *test)
{
	struct wt_msg w;

	wt_mld_query(&w, 1000, &wt_uc6, -1, 0, 0, NULL, 0);
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_MLD, w.b, w.len),
			MCHOST_RX_BADQUERY);
	wt_mld_query(&w, 1000, &wt_uc6, 2, 125, 0, NULL, 0);
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_MLD, w.b, w.len),
			MCHOST_RX_BADQUERY);
}

static void wt_mld_report_v1_done(struct kunit *test)
{
	struct mchost_msg want = {
		.kind = MCHOST_MSG_REPORT_V2, .type = ICMPV6_MGM_REPORT,
		.group = wt_g6,
	};
	struct mchost_msg m;
	struct wt_msg w;

	wt_mld_v1(&w, ICMPV6_MGM_REPORT, &wt_g6);
	KUNIT_ASSERT_EQ(test, wt_run(test, WT_MLD, w.b, w.len, &m, NULL),
			MCHOST_RX_OK);
	wt_expect_msg(test, &m, &want);

	wt_mld_v1(&w, ICMPV6_MGM_REDUCTION, &wt_g6);
	KUNIT_ASSERT_EQ(test, wt_run(test, WT_MLD, w.b, w.len, &m, NULL),
			MCHOST_RX_OK);
	want.kind = MCHOST_MSG_LEAVE;
	want.type = ICMPV6_MGM_REDUCTION;
	wt_expect_msg(test, &m, &want);
}

/* RFC 2710 §3.2: Code is ignored; §3.7: octets past 24 are ignored. */
static void wt_mld_report_v1_lenient(struct kunit *test)
{
	struct mchost_msg m;
	struct wt_msg w;

	wt_mld_v1(&w, ICMPV6_MGM_REPORT, &wt_g6);
	w.b[1] = 0x5a;
	wt_put16(&w, 0xabcd);
	KUNIT_ASSERT_EQ(test, wt_run(test, WT_MLD, w.b, w.len, &m, NULL),
			MCHOST_RX_OK);
	KUNIT_EXPECT_EQ(test, m.kind, MCHOST_MSG_REPORT_V2);
}

static void wt_mld_report_v1_bad(struct kunit *test)
{
	static const u8 types[] = { ICMPV6_MGM_REPORT, ICMPV6_MGM_REDUCTION };
	struct wt_msg w;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		wt_mld_v1(&w, types[i], &wt_g6);
		KUNIT_EXPECT_EQ_MSG(test, wt_rx(test, WT_MLD, w.b, 23),
				    MCHOST_RX_BADREPORT, "type %u", types[i]);
		KUNIT_EXPECT_EQ_MSG(test, wt_rx(test, WT_MLD, w.b, 8),
				    MCHOST_RX_BADREPORT, "type %u", types[i]);
		wt_mld_v1(&w, types[i], &wt_uc6);
		KUNIT_EXPECT_EQ_MSG(test, wt_rx(test, WT_MLD, w.b, w.len),
				    MCHOST_RX_BADREPORT, "type %u", types[i]);
		wt_mld_v1(&w, types[i], &wt_any6);
		KUNIT_EXPECT_EQ_MSG(test, wt_rx(test, WT_MLD, w.b, w.len),
				    MCHOST_RX_BADREPORT, "type %u", types[i]);
	}
}

/* ALLOW(ff3e::1234, {a, b}), TO_EX(ff05::1:3, {}) with 8 aux octets */
static void wt_mld_build_report2(struct wt_msg *w, u16 nrec)
{
	static const u8 aux[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	wt_mld_report2(w, nrec);
	wt_mld_record(w, MLD2_ALLOW_NEW_SOURCES, &wt_ssm6, 2, wt_src6, 0,
		      NULL);
	wt_mld_record(w, MLD2_CHANGE_TO_EXCLUDE, &wt_g6, 0, NULL, 2, aux);
}

static void wt_mld_report_v2(struct kunit *test)
{
	struct mchost_msg want = {
		.kind = MCHOST_MSG_REPORT_V3, .type = ICMPV6_MLD2_REPORT,
		.nrec = 2,
	};
	struct mchost_msg m;
	struct wt_msg w;
	u8 *p;

	wt_mld_build_report2(&w, 2);
	KUNIT_ASSERT_EQ(test, w.len, 8 + 52 + 28);
	KUNIT_ASSERT_EQ(test, wt_run(test, WT_MLD, w.b, w.len, &m, &p),
			MCHOST_RX_OK);
	want.rec = p + 8;
	wt_expect_msg(test, &m, &want);
}

static void wt_mld_report_v2_lenient(struct kunit *test)
{
	struct mchost_msg m;
	struct wt_msg w;

	/* RFC 9777 §5.2.13: an unknown record type is skipped */
	wt_mld_build_report2(&w, 3);
	wt_mld_record(&w, 0x77, &wt_uc6, 0, NULL, 0, NULL);
	/* §5.2.12: octets after the last record are ignored */
	wt_put16(&w, 0xffff);
	KUNIT_ASSERT_EQ(test, wt_run(test, WT_MLD, w.b, w.len, &m, NULL),
			MCHOST_RX_OK);
	KUNIT_EXPECT_EQ(test, m.nrec, 3);
}

static void wt_mld_report_v2_bad(struct kunit *test)
{
	struct wt_msg w;

	wt_mld_build_report2(&w, 2);
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_MLD, w.b, w.len - 1),
			MCHOST_RX_BADREPORT);
	wt_mld_build_report2(&w, 3);
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_MLD, w.b, w.len),
			MCHOST_RX_BADREPORT);
	wt_mld_build_report2(&w, 2);
	w.b[8 + 3] = 3;		/* three sources, two present */
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_MLD, w.b, w.len),
			MCHOST_RX_BADREPORT);
	wt_mld_build_report2(&w, 2);
	memcpy(w.b + 8 + 4, &wt_uc6, sizeof(wt_uc6));
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_MLD, w.b, w.len),
			MCHOST_RX_BADREPORT);
}

static void wt_mld_badsum(struct kunit *test)
{
	static const struct in6_addr other = {
		.s6_addr = { 0xfe, 0x80, [15] = 2 }
	};
	struct mchost_msg m;
	struct wt_msg w;
	__sum16 sum;
	u8 *p;

	wt_mld_v1(&w, ICMPV6_MGM_REPORT, &wt_g6);
	KUNIT_ASSERT_EQ(test, wt_run(test, WT_MLD, w.b, w.len, &m, &p),
			MCHOST_RX_OK);
	p[23] ^= 1;
	KUNIT_EXPECT_EQ(test, mchost_mld_parse(p, w.len, &wt_saddr, &wt_daddr,
					       &m), MCHOST_RX_BADSUM);

	/* right sum for another source address */
	p = wt_dup(test, w.b, w.len);
	wt_fix_sum(WT_MLD, p, w.len, &other);
	KUNIT_EXPECT_EQ(test, mchost_mld_parse(p, w.len, &other, &wt_daddr,
					       &m), MCHOST_RX_OK);
	KUNIT_EXPECT_EQ(test, mchost_mld_parse(p, w.len, &wt_saddr, &wt_daddr,
					       &m), MCHOST_RX_BADSUM);
	KUNIT_EXPECT_EQ(test, mchost_mld_parse(p, w.len, &other, &wt_saddr,
					       &m), MCHOST_RX_BADSUM);

	/* right sum of the message alone, without the pseudo-header */
	p = wt_dup(test, w.b, w.len);
	sum = ip_compute_csum(p, w.len);
	memcpy(p + 2, &sum, sizeof(sum));
	KUNIT_EXPECT_EQ(test, mchost_mld_parse(p, w.len, &wt_saddr, &wt_daddr,
					       &m), MCHOST_RX_BADSUM);
	KUNIT_EXPECT_TRUE(test, wt_msg_is_zero(&m));
}

static void wt_mld_tooshort(struct kunit *test)
{
	struct wt_msg w;
	unsigned int len;

	wt_mld_v1(&w, ICMPV6_MGM_REPORT, &wt_g6);
	for (len = 0; len < 8; len++)
		KUNIT_EXPECT_EQ_MSG(test, wt_rx(test, WT_MLD, w.b, len),
				    MCHOST_RX_TOOSHORT, "len %u", len);
}

static void wt_mld_unknown(struct kunit *test)
{
	struct wt_msg w;

	wt_mld_v1(&w, 133, &wt_g6);
	KUNIT_EXPECT_EQ(test, wt_rx(test, WT_MLD, w.b, w.len),
			MCHOST_RX_UNKNOWN);
}

/*
 * Every prefix of a valid message, first with the original checksum (so it
 * is rejected somewhere), then with its own valid checksum (so the length
 * rules decide). Only v2_len, the v1/v2 query length, may then be valid.
 */
static void wt_truncations(struct kunit *test, enum wt_fam f,
			   const u8 *msg, unsigned int len,
			   unsigned int v2_len, enum mchost_rx bad)
{
	u8 *whole = wt_dup(test, msg, len);
	struct mchost_msg m;
	enum mchost_rx want;
	unsigned int t;
	u8 *p;

	wt_fix_sum(f, whole, len, &wt_saddr);
	for (t = 0; t < len; t++) {
		p = kmalloc(t, GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
		memcpy(p, whole, t);
		KUNIT_EXPECT_NE_MSG(test, wt_parse(f, p, t, &m), MCHOST_RX_OK,
				    "prefix %u of %u", t, len);

		wt_fix_sum(f, p, t, &wt_saddr);
		want = t < 8 ? MCHOST_RX_TOOSHORT :
		       t == v2_len ? MCHOST_RX_OK : bad;
		KUNIT_EXPECT_EQ_MSG(test, wt_parse(f, p, t, &m), want,
				    "prefix %u of %u, checksum fixed", t, len);
		kfree(p);
	}
}

static void wt_igmp_truncations(struct kunit *test)
{
	wt_truncations(test, WT_IGMP, wt_igmp_q3_gss, sizeof(wt_igmp_q3_gss),
		       8, MCHOST_RX_BADQUERY);
	wt_truncations(test, WT_IGMP, wt_igmp_r3, sizeof(wt_igmp_r3),
		       0, MCHOST_RX_BADREPORT);
}

static void wt_mld_truncations(struct kunit *test)
{
	struct wt_msg w;

	wt_mld_query(&w, 1000, &wt_ssm6, 2, 125, 2, wt_src6, 2);
	wt_truncations(test, WT_MLD, w.b, w.len, 24, MCHOST_RX_BADQUERY);
	wt_mld_build_report2(&w, 2);
	wt_truncations(test, WT_MLD, w.b, w.len, 0, MCHOST_RX_BADREPORT);
}

/* A fixed-seed xorshift, so that a failure can be replayed. */
static u32 wt_rand(u32 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* What any verdict must satisfy, whatever the input. */
static bool wt_sane(enum wt_fam f, const u8 *p, unsigned int len,
		    enum mchost_rx rx, const struct mchost_msg *m)
{
	unsigned int alen = f == WT_IGMP ? 4 : 16;
	unsigned int qhdr = f == WT_IGMP ? 12 : 28;

	if (rx != MCHOST_RX_OK)
		return rx <= MCHOST_RX_UNKNOWN && wt_msg_is_zero(m);
	if (m->kind > MCHOST_MSG_REPORT_V3 || m->type != p[0])
		return false;
	if (m->kind == MCHOST_MSG_QUERY_V3) {
		if (m->src != p + qhdr || m->nsrc * alen > len - qhdr)
			return false;
	} else if (m->src || m->nsrc) {
		return false;
	}
	if (m->kind == MCHOST_MSG_REPORT_V3)
		return m->rec == p + 8 && m->nrec * (4 + alen) <= len - 8;
	return !m->rec && !m->nrec;
}

#define WT_FUZZ_ROUNDS	20000

/* Random byte changes of a valid message, half of them re-checksummed. */
static void wt_flips(struct kunit *test, enum wt_fam f, const u8 *msg,
		     unsigned int len, u32 seed)
{
	u8 *p = wt_dup(test, msg, len);
	struct mchost_msg m;
	enum mchost_rx rx;
	unsigned int i, n;
	u32 r;

	for (i = 0; i < WT_FUZZ_ROUNDS; i++) {
		memcpy(p, msg, len);
		wt_fix_sum(f, p, len, &wt_saddr);
		for (n = 1 + wt_rand(&seed) % 4; n; n--) {
			r = wt_rand(&seed);
			p[(r >> 8) % len] = (r & 1) ? (u8)(r >> 1) : (r >> 1) & 3;
		}
		if (wt_rand(&seed) & 1)
			wt_fix_sum(f, p, len, &wt_saddr);
		rx = wt_parse(f, p, len, &m);
		KUNIT_ASSERT_TRUE_MSG(test, wt_sane(f, p, len, rx, &m),
				      "round %u: verdict %d", i, rx);
	}
}

/* Random lengths and bytes with a valid checksum and an MLD/IGMP type. */
static void wt_random(struct kunit *test, enum wt_fam f, const u8 *types,
		      unsigned int ntypes, u32 seed)
{
	struct mchost_msg m;
	enum mchost_rx rx;
	unsigned int i, j, len;
	u32 r;
	u8 *p;

	for (i = 0; i < WT_FUZZ_ROUNDS; i++) {
		len = wt_rand(&seed) % 96;
		p = kmalloc(len, GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
		for (j = 0; j < len; j++) {
			r = wt_rand(&seed);
			/* small values make counts that nearly fit */
			p[j] = (r & 0x300) ? r & 3 : (u8)r;
		}
		if (len)
			p[0] = types[wt_rand(&seed) % ntypes];
		wt_fix_sum(f, p, len, &wt_saddr);
		rx = wt_parse(f, p, len, &m);
		KUNIT_ASSERT_TRUE_MSG(test, wt_sane(f, p, len, rx, &m),
				      "round %u: len %u verdict %d", i, len,
				      rx);
		kfree(p);
	}
}

static void wt_igmp_fuzz(struct kunit *test)
{
	static const u8 types[] = { 0x11, 0x12, 0x16, 0x17, 0x22, 0x13 };

	wt_flips(test, WT_IGMP, wt_igmp_q3_gss, sizeof(wt_igmp_q3_gss), 1);
	wt_flips(test, WT_IGMP, wt_igmp_r3, sizeof(wt_igmp_r3), 2);
	wt_random(test, WT_IGMP, types, ARRAY_SIZE(types), 3);
}

static void wt_mld_fuzz(struct kunit *test)
{
	static const u8 types[] = { 130, 131, 132, 143, 133 };
	struct wt_msg w;

	wt_mld_query(&w, 1000, &wt_ssm6, 2, 125, 2, wt_src6, 2);
	wt_flips(test, WT_MLD, w.b, w.len, 4);
	wt_mld_build_report2(&w, 2);
	wt_flips(test, WT_MLD, w.b, w.len, 5);
	wt_random(test, WT_MLD, types, ARRAY_SIZE(types), 6);
}

static struct kunit_case mchost_wire_cases[] = {
	KUNIT_CASE(wt_igmp_query_v1),
	KUNIT_CASE(wt_igmp_query_v2_general),
	KUNIT_CASE(wt_igmp_query_v2_group),
	KUNIT_CASE(wt_igmp_query_v3_general),
	KUNIT_CASE(wt_igmp_query_v3_group),
	KUNIT_CASE(wt_igmp_query_v3_sources),
	KUNIT_CASE(wt_igmp_query_v3_extra),
	KUNIT_CASE(wt_igmp_report_v1),
	KUNIT_CASE(wt_igmp_report_v2),
	KUNIT_CASE(wt_igmp_report_v2_long),
	KUNIT_CASE(wt_igmp_leave),
	KUNIT_CASE(wt_igmp_report_v3),
	KUNIT_CASE(wt_igmp_report_v3_empty),
	KUNIT_CASE(wt_igmp_report_v3_lenient),
	KUNIT_CASE(wt_igmp_tooshort),
	KUNIT_CASE(wt_igmp_badsum),
	KUNIT_CASE(wt_igmp_badsum_first),
	KUNIT_CASE(wt_igmp_query_9_to_11),
	KUNIT_CASE(wt_igmp_query_v3_overflow),
	KUNIT_CASE(wt_igmp_query_v3_general_sources),
	KUNIT_CASE(wt_igmp_query_v1_group),
	KUNIT_CASE(wt_igmp_query_unicast),
	KUNIT_CASE(wt_igmp_report_unicast),
	KUNIT_CASE(wt_igmp_report_v3_bad),
	KUNIT_CASE(wt_igmp_unknown),
	KUNIT_CASE(wt_igmp_truncations),
	KUNIT_CASE(wt_igmp_fuzz),
	KUNIT_CASE(wt_mld_query_v1),
	KUNIT_CASE(wt_mld_query_bad_len),
	KUNIT_CASE(wt_mld_query_v2_general),
	KUNIT_CASE(wt_mld_query_v2_sources),
	KUNIT_CASE(wt_mld_query_v2_overflow),
	KUNIT_CASE(wt_mld_query_unicast),
	KUNIT_CASE(wt_mld_report_v1_done),
	KUNIT_CASE(wt_mld_report_v1_lenient),
	KUNIT_CASE(wt_mld_report_v1_bad),
	KUNIT_CASE(wt_mld_report_v2),
	KUNIT_CASE(wt_mld_report_v2_lenient),
	KUNIT_CASE(wt_mld_report_v2_bad),
	KUNIT_CASE(wt_mld_badsum),
	KUNIT_CASE(wt_mld_tooshort),
	KUNIT_CASE(wt_mld_unknown),
	KUNIT_CASE(wt_mld_truncations),
	KUNIT_CASE(wt_mld_fuzz),
	{}
};

static struct kunit_suite mchost_wire_suite = {
	.name = "mchost_wire",
	.test_cases = mchost_wire_cases,
};

kunit_test_suite(mchost_wire_suite);

MODULE_DESCRIPTION("KUnit tests of the mchost IGMP/MLD parsers");
MODULE_LICENSE("GPL");
