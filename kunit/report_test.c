// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of report building and of the time code decoders
 * (module/report.c). Every report buffer is kmalloc'ed at exactly the room
 * given to the packer, so KASAN reports any write past it.
 */

#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/checksum.h>
#include <net/ipv6.h>

#include "report.h"

#define MCHOST_T_IGMPV3_REPORT	0x22
#define MCHOST_T_MLDV2_REPORT	143

/* Group number i: 239.1.x.y for IGMP (IPv4-mapped), ff0e::i for MLD. */
static void mchost_t_group(enum mchost_fam fam, unsigned int i,
			   struct in6_addr *a)
{
	if (fam == MCHOST_IGMP)
		ipv6_addr_set_v4mapped(htonl(0xef010000 | (i & 0xffff)), a);
	else
		ipv6_addr_set(a, htonl(0xff0e0000), 0, 0, htonl(i));
}

/* Source number i: 10.0.0.0 + i + 1, or 2001:db8::i+1. */
static void mchost_t_source(enum mchost_fam fam, unsigned int i,
			    struct in6_addr *a)
{
	if (fam == MCHOST_IGMP)
		ipv6_addr_set_v4mapped(htonl(0x0a000000 + i + 1), a);
	else
		ipv6_addr_set(a, htonl(0x20010db8), 0, 0, htonl(i + 1));
}

/* A set of n sources numbered from 0; freed with the test. */
static struct mchost_slist *mchost_t_sources(struct kunit *test,
					     enum mchost_fam fam,
					     unsigned int n)
{
	struct mchost_slist *s;
	unsigned int i;

	s = kunit_kzalloc(test, struct_size(s, addr, n), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	s->nr = n;
	s->cap = n;
	for (i = 0; i < n; i++)
		mchost_t_source(fam, i, &s->addr[i]);
	return s;
}

static struct mchost_rec *mchost_t_recs(struct kunit *test, unsigned int n)
{
	struct mchost_rec *r = kunit_kcalloc(test, n, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	return r;
}

/* What a run of mchost_report_fill() produced, decoded back. */
struct mchost_t_rec {
	u8 type;
	struct in6_addr group;
	unsigned int first;		/* index in mchost_t_out.src */
	unsigned int nsrc;
	unsigned int report;		/* which report carried it */
};

struct mchost_t_out {
	unsigned int nrep, max_rep;
	unsigned int *len;		/* payload length of each report */
	unsigned int *nrec_in;		/* records in each report */
	unsigned int nrec, max_rec;
	struct mchost_t_rec *rec;
	unsigned int nsrc, max_src;
	struct in6_addr *src;
	unsigned int truncated;
};

static struct mchost_t_out *mchost_t_out(struct kunit *test,
					 unsigned int max_rep,
					 unsigned int max_rec,
					 unsigned int max_src)
{
	struct mchost_t_out *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, o);
	o->max_rep = max_rep;
	o->max_rec = max_rec;
	o->max_src = max_src;
	o->len = kunit_kcalloc(test, max_rep, sizeof(*o->len), GFP_KERNEL);
	o->nrec_in = kunit_kcalloc(test, max_rep, sizeof(*o->nrec_in),
				   GFP_KERNEL);
	o->rec = kunit_kcalloc(test, max_rec, sizeof(*o->rec), GFP_KERNEL);
	o->src = kunit_kcalloc(test, max_src ?: 1, sizeof(*o->src),
			       GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, o->len);
	KUNIT_ASSERT_NOT_NULL(test, o->nrec_in);
	KUNIT_ASSERT_NOT_NULL(test, o->rec);
	KUNIT_ASSERT_NOT_NULL(test, o->src);
	return o;
}

static void mchost_t_get_addr(enum mchost_fam fam, const u8 *p,
			      struct in6_addr *a)
{
	__be32 v4;

	if (fam == MCHOST_IGMP) {
		memcpy(&v4, p, sizeof(v4));
		ipv6_addr_set_v4mapped(v4, a);
	} else {
		memcpy(a->s6_addr, p, sizeof(a->s6_addr));
	}
}

/*
 * Parse one report strictly: header fields, checksum rule, every record
 * within len and the records ending exactly at len.
 */
static void mchost_t_parse(struct kunit *test, enum mchost_fam fam,
			   const u8 *buf, unsigned int len,
			   struct mchost_t_out *o)
{
	bool igmp = fam == MCHOST_IGMP;
	unsigned int asz = igmp ? 4 : 16;
	unsigned int rhdr = 4 + asz;
	unsigned int off = 8, n, i, j;

	KUNIT_ASSERT_GE(test, len, 8);
	KUNIT_EXPECT_EQ(test, buf[0], igmp ? MCHOST_T_IGMPV3_REPORT :
					     MCHOST_T_MLDV2_REPORT);
	KUNIT_EXPECT_EQ(test, buf[1], 0);
	if (igmp)
		KUNIT_EXPECT_EQ(test, (__force u16)ip_compute_csum(buf, len),
				0);
	else
		KUNIT_EXPECT_EQ(test, buf[2] | buf[3], 0);
	KUNIT_EXPECT_EQ(test, buf[4] | buf[5], 0);
	n = buf[6] << 8 | buf[7];
	KUNIT_EXPECT_GT(test, n, 0);

	KUNIT_ASSERT_LT(test, o->nrep, o->max_rep);
	o->len[o->nrep] = len;
	o->nrec_in[o->nrep] = n;
	for (i = 0; i < n; i++) {
		struct mchost_t_rec *r;

		KUNIT_ASSERT_LE(test, off + rhdr, len);
		KUNIT_ASSERT_LT(test, o->nrec, o->max_rec);
		r = &o->rec[o->nrec++];
		r->type = buf[off];
		KUNIT_EXPECT_EQ(test, buf[off + 1], 0);
		r->nsrc = buf[off + 2] << 8 | buf[off + 3];
		r->first = o->nsrc;
		r->report = o->nrep;
		mchost_t_get_addr(fam, &buf[off + 4], &r->group);
		off += rhdr;
		KUNIT_ASSERT_LE(test, off + r->nsrc * asz, len);
		KUNIT_ASSERT_LE(test, o->nsrc + r->nsrc, o->max_src);
		for (j = 0; j < r->nsrc; j++, off += asz)
			mchost_t_get_addr(fam, &buf[off], &o->src[o->nsrc++]);
	}
	KUNIT_EXPECT_EQ(test, off, len);
	o->nrep++;
}

/*
 * Call the packer until it returns 0, each time into a fresh buffer of
 * exactly room bytes, and decode what it wrote. Checks that the run ends
 * with every record consumed.
 */
static void mchost_t_pack(struct kunit *test, enum mchost_fam fam,
			  const struct mchost_rec *recs, unsigned int nrec,
			  unsigned int room, struct mchost_t_out *o)
{
	struct mchost_pack_pos pos = {};
	unsigned int len;
	u8 *buf;

	for (;;) {
		buf = kunit_kmalloc(test, room, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, buf);
		len = mchost_report_fill(fam, recs, nrec, &pos, buf, room,
					 &o->truncated);
		if (!len) {
			kunit_kfree(test, buf);
			break;
		}
		KUNIT_ASSERT_LE(test, len, room);
		/* Guards against a packer that never finishes. */
		KUNIT_ASSERT_LT(test, o->nrep, o->max_rep);
		mchost_t_parse(test, fam, buf, len, o);
		kunit_kfree(test, buf);
	}
	KUNIT_EXPECT_EQ(test, pos.rec, nrec);
	KUNIT_EXPECT_EQ(test, pos.src, 0);
}

static unsigned int mchost_t_room(enum mchost_fam fam, unsigned int mtu)
{
	return mtu - mchost_report_overhead(fam);
}

/* Decoders. */

static void mchost_report_test_overhead(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mchost_report_overhead(MCHOST_IGMP), 24);
	KUNIT_EXPECT_EQ(test, mchost_report_overhead(MCHOST_MLD), 48);
}

struct mchost_t_code {
	u16 code;
	u32 value;
};

/* RFC 9776 §4.1.1: 1/10 s units; (mant | 0x10) << (exp + 3) from 128. */
static void mchost_report_test_igmp_mrc(struct kunit *test)
{
	static const struct mchost_t_code tab[] = {
		{ 0, 0 },
		{ 1, 100 },
		{ 100, 10000 },
		{ 127, 12700 },
		{ 0x80, 12800 },	/* exp 0, mant 0: 0x10 << 3 */
		{ 0x8f, 24800 },	/* exp 0, mant 15: 0x1f << 3 */
		{ 0xa5, 67200 },	/* exp 2, mant 5: 0x15 << 5 */
		{ 0xff, 3174400 },	/* exp 7, mant 15: 0x1f << 10 */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tab); i++)
		KUNIT_EXPECT_EQ_MSG(test, mchost_igmp_mrc_ms(tab[i].code),
				    tab[i].value, "code %#x", tab[i].code);
}

/* RFC 9776 §4.1.7, RFC 9777 §5.1.9: same form, seconds, exp at bit 4. */
static void mchost_report_test_qqic(struct kunit *test)
{
	static const struct mchost_t_code tab[] = {
		{ 0, 0 },
		{ 1, 1 },
		{ 100, 100 },
		{ 125, 125 },
		{ 127, 127 },
		{ 0x80, 128 },
		{ 0x8f, 248 },
		{ 0xa5, 672 },
		{ 0xff, 31744 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tab); i++)
		KUNIT_EXPECT_EQ_MSG(test, mchost_qqic_s(tab[i].code),
				    tab[i].value, "qqic %#x", tab[i].code);
}

/* RFC 9777 §5.1.3: ms; (mant | 0x1000) << (exp + 3) from 32768. */
static void mchost_report_test_mld_mrc(struct kunit *test)
{
	static const struct mchost_t_code tab[] = {
		{ 0, 0 },
		{ 1000, 1000 },
		{ 10000, 10000 },
		{ 32767, 32767 },
		{ 0x8000, 32768 },	/* exp 0, mant 0: 0x1000 << 3 */
		{ 0xa123, 140384 },	/* exp 2, mant 0x123: 0x1123 << 5 */
		{ 0xffff, 8387584 },	/* exp 7, mant 0xfff: 0x1fff << 10 */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tab); i++)
		KUNIT_EXPECT_EQ_MSG(test, mchost_mld_mrc_ms(tab[i].code),
				    tab[i].value, "code %#x", tab[i].code);
}

/* Packing counts: n IS_EX{} groups at one MTU. */

struct mchost_t_count {
	const char *desc;
	enum mchost_fam fam;
	unsigned int mtu;
	unsigned int groups;
	unsigned int per;		/* records in a full report */
	unsigned int reports;
	unsigned int full_len;
	unsigned int last_len;
};

static const struct mchost_t_count mchost_t_counts[] = {
	/* room 1476: 8 + 183 * 8 = 1472; 1000 = 5 * 183 + 85. */
	{ "igmp 1500 x1000", MCHOST_IGMP, 1500, 1000, 183, 6, 1472,
	  8 + 85 * 8 },
	{ "igmp 1500 x183", MCHOST_IGMP, 1500, 183, 183, 1, 1472, 1472 },
	{ "igmp 1500 x184", MCHOST_IGMP, 1500, 184, 183, 2, 1472, 16 },
	/* room 552: 8 + 68 * 8 = 552; 1000 = 14 * 68 + 48. */
	{ "igmp 576 x1000", MCHOST_IGMP, 576, 1000, 68, 15, 552, 8 + 48 * 8 },
	/* room 44: 8 + 4 * 8 = 40. */
	{ "igmp 68 x1000", MCHOST_IGMP, 68, 1000, 4, 250, 40, 40 },
	{ "igmp 68 x3", MCHOST_IGMP, 68, 3, 4, 1, 32, 32 },
	/* room 1452: 8 + 72 * 20 = 1448; 2000 = 27 * 72 + 56. */
	{ "mld 1500 x2000", MCHOST_MLD, 1500, 2000, 72, 28, 1448,
	  8 + 56 * 20 },
	/* room 1232: 8 + 61 * 20 = 1228; 2000 = 32 * 61 + 48. */
	{ "mld 1280 x2000", MCHOST_MLD, 1280, 2000, 61, 33, 1228,
	  8 + 48 * 20 },
};

KUNIT_ARRAY_PARAM_DESC(mchost_t_counts, mchost_t_counts, desc);

static void mchost_report_test_counts(struct kunit *test)
{
	const struct mchost_t_count *p = test->param_value;
	struct mchost_rec *recs = mchost_t_recs(test, p->groups);
	struct mchost_t_out *o;
	unsigned int i;

	for (i = 0; i < p->groups; i++) {
		recs[i].type = MCHOST_REC_IS_EX;
		mchost_t_group(p->fam, i, &recs[i].group);
	}
	o = mchost_t_out(test, p->reports + 1, p->groups, 0);
	mchost_t_pack(test, p->fam, recs, p->groups,
		      mchost_t_room(p->fam, p->mtu), o);

	KUNIT_ASSERT_EQ(test, o->nrep, p->reports);
	for (i = 0; i + 1 < o->nrep; i++) {
		KUNIT_EXPECT_EQ(test, o->len[i], p->full_len);
		KUNIT_EXPECT_EQ(test, o->nrec_in[i], p->per);
	}
	KUNIT_EXPECT_EQ(test, o->len[o->nrep - 1], p->last_len);
	KUNIT_ASSERT_EQ(test, o->nrec, p->groups);
	for (i = 0; i < o->nrec; i++) {
		KUNIT_EXPECT_EQ(test, o->rec[i].type, MCHOST_REC_IS_EX);
		KUNIT_EXPECT_EQ(test, o->rec[i].nsrc, 0);
		KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&o->rec[i].group,
							&recs[i].group));
	}
	KUNIT_EXPECT_EQ(test, o->truncated, 0);
}

/* Exact bytes. */

static void mchost_report_test_igmp_bytes(struct kunit *test)
{
	static const u8 want[] = {
		0x22, 0x00, 0xe7, 0xf4, 0x00, 0x00, 0x00, 0x02,
		/* ALLOW 232.1.1.1 {10.0.0.1, 10.0.0.2} */
		0x05, 0x00, 0x00, 0x02, 0xe8, 0x01, 0x01, 0x01,
		0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
		/* TO_EX 239.255.0.1 {} */
		0x04, 0x00, 0x00, 0x00, 0xef, 0xff, 0x00, 0x01,
	};
	struct mchost_rec recs[2] = {};
	struct mchost_pack_pos pos = {};
	unsigned int truncated = 0;
	u8 *buf;

	recs[0].type = MCHOST_REC_ALLOW;
	ipv6_addr_set_v4mapped(htonl(0xe8010101), &recs[0].group);
	recs[0].src = mchost_t_sources(test, MCHOST_IGMP, 2);
	recs[1].type = MCHOST_REC_TO_EX;
	ipv6_addr_set_v4mapped(htonl(0xefff0001), &recs[1].group);

	/* Exactly the report's size: fits with no byte to spare. */
	buf = kunit_kmalloc(test, sizeof(want), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, mchost_report_fill(MCHOST_IGMP, recs, 2, &pos,
						 buf, sizeof(want),
						 &truncated),
			sizeof(want));
	KUNIT_EXPECT_MEMEQ(test, buf, want, sizeof(want));
	KUNIT_EXPECT_EQ(test, (__force u16)ip_compute_csum(buf, sizeof(want)),
			0);
	KUNIT_EXPECT_EQ(test, truncated, 0);
	KUNIT_EXPECT_EQ(test, pos.rec, 2);
	KUNIT_EXPECT_EQ(test, mchost_report_fill(MCHOST_IGMP, recs, 2, &pos,
						 buf, sizeof(want),
						 &truncated), 0);
}

static void mchost_report_test_mld_bytes(struct kunit *test)
{
	static const u8 want[] = {
		0x8f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
		/* IS_IN ff0e::1234 {2001:db8::1} */
		0x01, 0x00, 0x00, 0x01,
		0xff, 0x0e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		/* TO_IN ff05::2 {}: a leave */
		0x03, 0x00, 0x00, 0x00,
		0xff, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	};
	struct mchost_rec recs[2] = {};
	struct mchost_pack_pos pos = {};
	unsigned int room = mchost_t_room(MCHOST_MLD, 1500);
	unsigned int truncated = 0;
	u8 *buf;

	recs[0].type = MCHOST_REC_IS_IN;
	ipv6_addr_set(&recs[0].group, htonl(0xff0e0000), 0, 0, htonl(0x1234));
	recs[0].src = mchost_t_sources(test, MCHOST_MLD, 1);
	recs[1].type = MCHOST_REC_TO_IN;
	ipv6_addr_set(&recs[1].group, htonl(0xff050000), 0, 0, htonl(2));

	buf = kunit_kmalloc(test, room, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_EQ(test, mchost_report_fill(MCHOST_MLD, recs, 2, &pos,
						 buf, room, &truncated),
			sizeof(want));
	/* Includes the checksum left 0 for the IPv6 sender. */
	KUNIT_EXPECT_MEMEQ(test, buf, want, sizeof(want));
	KUNIT_EXPECT_EQ(test, truncated, 0);
}

/* Splitting (RFC 9776 §4.2.16, RFC 9777 §5.2.15). */

struct mchost_t_split {
	const char *desc;
	enum mchost_fam fam;
	unsigned int mtu;
	u8 type;
	unsigned int nsrc;
	unsigned int parts;
	unsigned int per;		/* sources in a full part */
	unsigned int full_len;
	unsigned int last_len;
};

static const struct mchost_t_split mchost_t_splits[] = {
	/* room 552: (552 - 16) / 4 = 134 sources; 300 = 2 * 134 + 32. */
	{ "igmp 576 IS_IN", MCHOST_IGMP, 576, MCHOST_REC_IS_IN, 300, 3, 134,
	  552, 16 + 32 * 4 },
	{ "igmp 576 ALLOW", MCHOST_IGMP, 576, MCHOST_REC_ALLOW, 300, 3, 134,
	  552, 16 + 32 * 4 },
	{ "igmp 576 BLOCK", MCHOST_IGMP, 576, MCHOST_REC_BLOCK, 300, 3, 134,
	  552, 16 + 32 * 4 },
	{ "igmp 576 TO_IN", MCHOST_IGMP, 576, MCHOST_REC_TO_IN, 300, 3, 134,
	  552, 16 + 32 * 4 },
	/* Exactly two full parts. */
	{ "igmp 576 IS_IN x268", MCHOST_IGMP, 576, MCHOST_REC_IS_IN, 268, 2,
	  134, 552, 552 },
	/* room 1232: (1232 - 28) / 16 = 75 sources; 200 = 2 * 75 + 50. */
	{ "mld 1280 IS_IN", MCHOST_MLD, 1280, MCHOST_REC_IS_IN, 200, 3, 75,
	  1228, 28 + 50 * 16 },
	{ "mld 1280 TO_IN", MCHOST_MLD, 1280, MCHOST_REC_TO_IN, 200, 3, 75,
	  1228, 28 + 50 * 16 },
};

KUNIT_ARRAY_PARAM_DESC(mchost_t_splits, mchost_t_splits, desc);

static void mchost_report_test_split(struct kunit *test)
{
	const struct mchost_t_split *p = test->param_value;
	struct mchost_rec rec = {};
	struct mchost_t_out *o;
	unsigned int i;

	rec.type = p->type;
	mchost_t_group(p->fam, 7, &rec.group);
	rec.src = mchost_t_sources(test, p->fam, p->nsrc);
	o = mchost_t_out(test, p->parts + 1, p->parts + 1, p->nsrc);
	mchost_t_pack(test, p->fam, &rec, 1, mchost_t_room(p->fam, p->mtu),
		      o);

	KUNIT_ASSERT_EQ(test, o->nrep, p->parts);
	KUNIT_ASSERT_EQ(test, o->nrec, p->parts);
	for (i = 0; i < o->nrep; i++) {
		KUNIT_EXPECT_EQ(test, o->nrec_in[i], 1);
		KUNIT_EXPECT_EQ(test, o->rec[i].type, p->type);
		KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&o->rec[i].group,
							&rec.group));
		if (i + 1 < o->nrep) {
			KUNIT_EXPECT_EQ(test, o->rec[i].nsrc, p->per);
			KUNIT_EXPECT_EQ(test, o->len[i], p->full_len);
		}
	}
	KUNIT_EXPECT_EQ(test, o->len[o->nrep - 1], p->last_len);
	/* The parts, concatenated, are the original list in order. */
	KUNIT_ASSERT_EQ(test, o->nsrc, p->nsrc);
	KUNIT_EXPECT_MEMEQ(test, o->src, rec.src->addr,
			   p->nsrc * sizeof(struct in6_addr));
	KUNIT_EXPECT_EQ(test, o->truncated, 0);
}

struct mchost_t_trunc {
	const char *desc;
	enum mchost_fam fam;
	unsigned int mtu;
	u8 type;
	unsigned int nsrc;
	unsigned int kept;
	unsigned int len;
};

static const struct mchost_t_trunc mchost_t_truncs[] = {
	{ "igmp 576 IS_EX", MCHOST_IGMP, 576, MCHOST_REC_IS_EX, 300, 134, 552 },
	{ "igmp 576 TO_EX", MCHOST_IGMP, 576, MCHOST_REC_TO_EX, 300, 134, 552 },
	{ "mld 1280 IS_EX", MCHOST_MLD, 1280, MCHOST_REC_IS_EX, 200, 75, 1228 },
	{ "mld 1280 TO_EX", MCHOST_MLD, 1280, MCHOST_REC_TO_EX, 200, 75, 1228 },
};

KUNIT_ARRAY_PARAM_DESC(mchost_t_truncs, mchost_t_truncs, desc);

/*
 * An exclude-mode record too large for one report keeps its first sources
 * and loses the rest, counted once; the next record goes on normally.
 */
static void mchost_report_test_truncate(struct kunit *test)
{
	const struct mchost_t_trunc *p = test->param_value;
	unsigned int rhdr = p->fam == MCHOST_IGMP ? 8 : 20;
	struct mchost_rec recs[2] = {};
	struct mchost_t_out *o;

	recs[0].type = p->type;
	mchost_t_group(p->fam, 1, &recs[0].group);
	recs[0].src = mchost_t_sources(test, p->fam, p->nsrc);
	recs[1].type = MCHOST_REC_IS_EX;
	mchost_t_group(p->fam, 2, &recs[1].group);
	o = mchost_t_out(test, 3, 3, p->nsrc);
	mchost_t_pack(test, p->fam, recs, 2, mchost_t_room(p->fam, p->mtu),
		      o);

	KUNIT_EXPECT_EQ(test, o->truncated, 1);
	KUNIT_ASSERT_EQ(test, o->nrep, 2);
	KUNIT_ASSERT_EQ(test, o->nrec, 2);
	KUNIT_EXPECT_EQ(test, o->len[0], p->len);
	KUNIT_EXPECT_EQ(test, o->rec[0].type, p->type);
	KUNIT_EXPECT_EQ(test, o->rec[0].nsrc, p->kept);
	KUNIT_EXPECT_MEMEQ(test, o->src, recs[0].src->addr,
			   p->kept * sizeof(struct in6_addr));
	KUNIT_EXPECT_EQ(test, o->len[1], 8 + rhdr);
	KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&o->rec[1].group,
						&recs[1].group));
}

/*
 * IS_EX{} g0, IS_IN g1 with 300 sources, TO_IN{} g2 at MTU 576: g1 does not
 * fit after g0, so g0 goes alone; g1 takes 134 + 134 sources, and its last
 * 32 share the fourth report with g2.
 */
static void mchost_report_test_split_middle(struct kunit *test)
{
	static const u8 types[] = {
		MCHOST_REC_IS_EX, MCHOST_REC_IS_IN, MCHOST_REC_IS_IN,
		MCHOST_REC_IS_IN, MCHOST_REC_TO_IN,
	};
	static const unsigned int groups[] = { 0, 1, 1, 1, 2 };
	static const unsigned int nsrcs[] = { 0, 134, 134, 32, 0 };
	static const unsigned int reports[] = { 0, 1, 2, 3, 3 };
	struct mchost_rec recs[3] = {};
	struct in6_addr g;
	struct mchost_t_out *o;
	unsigned int i;

	recs[0].type = MCHOST_REC_IS_EX;
	recs[1].type = MCHOST_REC_IS_IN;
	recs[1].src = mchost_t_sources(test, MCHOST_IGMP, 300);
	recs[2].type = MCHOST_REC_TO_IN;
	for (i = 0; i < 3; i++)
		mchost_t_group(MCHOST_IGMP, i, &recs[i].group);
	o = mchost_t_out(test, 5, 6, 300);
	mchost_t_pack(test, MCHOST_IGMP, recs, 3,
		      mchost_t_room(MCHOST_IGMP, 576), o);

	KUNIT_ASSERT_EQ(test, o->nrep, 4);
	KUNIT_EXPECT_EQ(test, o->len[0], 16);
	KUNIT_EXPECT_EQ(test, o->len[1], 552);
	KUNIT_EXPECT_EQ(test, o->len[2], 552);
	KUNIT_EXPECT_EQ(test, o->len[3], 8 + 8 + 32 * 4 + 8);
	KUNIT_ASSERT_EQ(test, o->nrec, ARRAY_SIZE(types));
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		KUNIT_EXPECT_EQ(test, o->rec[i].type, types[i]);
		KUNIT_EXPECT_EQ(test, o->rec[i].nsrc, nsrcs[i]);
		KUNIT_EXPECT_EQ(test, o->rec[i].report, reports[i]);
		mchost_t_group(MCHOST_IGMP, groups[i], &g);
		KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&o->rec[i].group, &g));
	}
	KUNIT_ASSERT_EQ(test, o->nsrc, 300);
	KUNIT_EXPECT_MEMEQ(test, o->src, recs[1].src->addr,
			   300 * sizeof(struct in6_addr));
	KUNIT_EXPECT_EQ(test, o->truncated, 0);
}

/* Empty records. */

/*
 * IS_IN{}, ALLOW{} and BLOCK{} say nothing and are dropped (an empty set
 * may be NULL or have nr 0); TO_IN{} is a leave, IS_EX{} and TO_EX{} mean
 * every source: those three are kept.
 */
static void mchost_report_test_skip_empty(struct kunit *test)
{
	static const u8 types[] = {
		MCHOST_REC_IS_IN, MCHOST_REC_ALLOW, MCHOST_REC_BLOCK,
		MCHOST_REC_TO_IN, MCHOST_REC_IS_EX, MCHOST_REC_TO_EX,
		MCHOST_REC_IS_IN, MCHOST_REC_ALLOW, MCHOST_REC_BLOCK,
	};
	static const u8 kept[] = {
		MCHOST_REC_TO_IN, MCHOST_REC_IS_EX, MCHOST_REC_TO_EX,
	};
	struct mchost_slist *none = mchost_t_sources(test, MCHOST_IGMP, 0);
	struct mchost_rec recs[ARRAY_SIZE(types)] = {};
	struct mchost_t_out *o;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		recs[i].type = types[i];
		mchost_t_group(MCHOST_IGMP, i, &recs[i].group);
		recs[i].src = i & 1 ? none : NULL;
	}
	o = mchost_t_out(test, 2, ARRAY_SIZE(types), 0);
	mchost_t_pack(test, MCHOST_IGMP, recs, ARRAY_SIZE(types),
		      mchost_t_room(MCHOST_IGMP, 1500), o);

	KUNIT_ASSERT_EQ(test, o->nrep, 1);
	KUNIT_EXPECT_EQ(test, o->len[0], 8 + 3 * 8);
	KUNIT_ASSERT_EQ(test, o->nrec, ARRAY_SIZE(kept));
	for (i = 0; i < ARRAY_SIZE(kept); i++) {
		KUNIT_EXPECT_EQ(test, o->rec[i].type, kept[i]);
		KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&o->rec[i].group,
							&recs[i + 3].group));
	}

	/* Nothing but skippable records: no report at all. */
	o = mchost_t_out(test, 1, 1, 0);
	mchost_t_pack(test, MCHOST_MLD, recs, 3,
		      mchost_t_room(MCHOST_MLD, 1500), o);
	KUNIT_EXPECT_EQ(test, o->nrep, 0);
}

/* Degenerate rooms. */

/*
 * Below header + one empty record nothing can be sent: 0 at once, *pos
 * untouched, no write (the buffer is exactly room bytes).
 */
static void mchost_report_test_tiny_room(struct kunit *test)
{
	static const struct {
		enum mchost_fam fam;
		unsigned int room;
	} tiny[] = {
		{ MCHOST_IGMP, 0 }, { MCHOST_IGMP, 1 }, { MCHOST_IGMP, 8 },
		{ MCHOST_IGMP, 15 }, { MCHOST_MLD, 0 }, { MCHOST_MLD, 8 },
		{ MCHOST_MLD, 27 },
	};
	struct mchost_rec rec = {};
	unsigned int i;

	rec.type = MCHOST_REC_IS_EX;
	for (i = 0; i < ARRAY_SIZE(tiny); i++) {
		struct mchost_pack_pos pos = {};
		unsigned int truncated = 0;
		u8 *buf = kunit_kmalloc(test, tiny[i].room, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, buf);
		mchost_t_group(tiny[i].fam, 1, &rec.group);
		KUNIT_EXPECT_EQ_MSG(test, mchost_report_fill(tiny[i].fam, &rec,
							     1, &pos, buf,
							     tiny[i].room,
							     &truncated),
				    0, "room %u", tiny[i].room);
		KUNIT_EXPECT_EQ(test, pos.rec, 0);
		KUNIT_EXPECT_EQ(test, pos.src, 0);
		KUNIT_EXPECT_EQ(test, truncated, 0);
		kunit_kfree(test, buf);
	}
}

/*
 * Room for an empty record but not one source (IGMP 16..19): IS_EX is
 * sent without sources and counted; a splittable record cannot progress,
 * so it is dropped and counted instead of looping. At 20, one source per
 * report.
 */
static void mchost_report_test_one_source_room(struct kunit *test)
{
	struct mchost_rec rec = {};
	struct mchost_t_out *o;

	mchost_t_group(MCHOST_IGMP, 1, &rec.group);
	rec.src = mchost_t_sources(test, MCHOST_IGMP, 3);

	rec.type = MCHOST_REC_IS_EX;
	o = mchost_t_out(test, 2, 2, 3);
	mchost_t_pack(test, MCHOST_IGMP, &rec, 1, 19, o);
	KUNIT_ASSERT_EQ(test, o->nrep, 1);
	KUNIT_EXPECT_EQ(test, o->len[0], 16);
	KUNIT_EXPECT_EQ(test, o->rec[0].nsrc, 0);
	KUNIT_EXPECT_EQ(test, o->truncated, 1);

	rec.type = MCHOST_REC_IS_IN;
	o = mchost_t_out(test, 2, 2, 3);
	mchost_t_pack(test, MCHOST_IGMP, &rec, 1, 19, o);
	KUNIT_EXPECT_EQ(test, o->nrep, 0);
	KUNIT_EXPECT_EQ(test, o->truncated, 1);

	o = mchost_t_out(test, 4, 4, 3);
	mchost_t_pack(test, MCHOST_IGMP, &rec, 1, 20, o);
	KUNIT_ASSERT_EQ(test, o->nrep, 3);
	KUNIT_EXPECT_EQ(test, o->len[0], 20);
	KUNIT_EXPECT_EQ(test, o->len[2], 20);
	KUNIT_ASSERT_EQ(test, o->nsrc, 3);
	KUNIT_EXPECT_MEMEQ(test, o->src, rec.src->addr,
			   3 * sizeof(struct in6_addr));
	KUNIT_EXPECT_EQ(test, o->truncated, 0);
}

/* v1/v2 messages. */

static void mchost_report_test_igmp_v1v2(struct kunit *test)
{
	static const struct {
		u8 type;
		u32 group;
		u8 want[8];
	} tab[] = {
		{ 0x12, 0xe0010101, { 0x12, 0, 0x0c, 0xfd, 224, 1, 1, 1 } },
		{ 0x16, 0xef010203, { 0x16, 0, 0xf8, 0xfa, 239, 1, 2, 3 } },
		{ 0x17, 0xef010203, { 0x17, 0, 0xf7, 0xfa, 239, 1, 2, 3 } },
	};
	struct in6_addr g;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tab); i++) {
		/* 8 bytes only: IGMP must write no more. */
		u8 *buf = kunit_kmalloc(test, 8, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, buf);
		ipv6_addr_set_v4mapped(htonl(tab[i].group), &g);
		KUNIT_EXPECT_EQ(test, mchost_report_fill_v1v2(MCHOST_IGMP,
							      tab[i].type, &g,
							      buf), 8);
		KUNIT_EXPECT_MEMEQ(test, buf, tab[i].want, 8);
		KUNIT_EXPECT_EQ(test, (__force u16)ip_compute_csum(buf, 8), 0);
		kunit_kfree(test, buf);
	}
}

static void mchost_report_test_mld_v1(struct kunit *test)
{
	static const u8 types[] = { 131, 132 };
	u8 want[24] = {
		0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff, 0, 0, 0x01,
	};
	struct in6_addr g;
	unsigned int i;
	u8 *buf;

	ipv6_addr_set(&g, htonl(0xff020000), 0, htonl(1), htonl(0xff000001));
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		buf = kunit_kmalloc(test, 24, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, buf);
		memset(buf, 0xa5, 24);
		want[0] = types[i];
		KUNIT_EXPECT_EQ(test, mchost_report_fill_v1v2(MCHOST_MLD,
							      types[i], &g,
							      buf), 24);
		KUNIT_EXPECT_MEMEQ(test, buf, want, 24);
		kunit_kfree(test, buf);
	}
}

static struct kunit_case mchost_report_test_cases[] = {
	KUNIT_CASE(mchost_report_test_overhead),
	KUNIT_CASE(mchost_report_test_igmp_mrc),
	KUNIT_CASE(mchost_report_test_qqic),
	KUNIT_CASE(mchost_report_test_mld_mrc),
	KUNIT_CASE_PARAM(mchost_report_test_counts,
			 mchost_t_counts_gen_params),
	KUNIT_CASE(mchost_report_test_igmp_bytes),
	KUNIT_CASE(mchost_report_test_mld_bytes),
	KUNIT_CASE_PARAM(mchost_report_test_split, mchost_t_splits_gen_params),
	KUNIT_CASE_PARAM(mchost_report_test_truncate,
			 mchost_t_truncs_gen_params),
	KUNIT_CASE(mchost_report_test_split_middle),
	KUNIT_CASE(mchost_report_test_skip_empty),
	KUNIT_CASE(mchost_report_test_tiny_room),
	KUNIT_CASE(mchost_report_test_one_source_room),
	KUNIT_CASE(mchost_report_test_igmp_v1v2),
	KUNIT_CASE(mchost_report_test_mld_v1),
	{}
};

static struct kunit_suite mchost_report_test_suite = {
	.name = "mchost_report",
	.test_cases = mchost_report_test_cases,
};

kunit_test_suite(mchost_report_test_suite);
