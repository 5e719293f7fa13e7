// SPDX-License-Identifier: GPL-2.0
/*
 * The protocol engine driven through its seam (struct mchost_dev_ops) on a
 * fake device with a fake clock: state changes and their retransmission,
 * queries and their responses, compatibility modes, link events. Every
 * case runs for IGMP and for MLD unless the behaviour exists in one only.
 * Delays are drawn at the latest time allowed unless a case says otherwise,
 * so every packet's time is exact.
 */
#include <kunit/test.h>
#include <linux/inet.h>
#include <linux/mchost.h>
#include "mchost_fake.h"
#include "mchost_test.h"
#include "params.h"

#define IN	MCHOST_FMODE_INCLUDE
#define EX	MCHOST_FMODE_EXCLUDE

/* One family's addresses and numbers. */
struct mchost_lits {
	const char *name;
	enum mchost_fam fam;
	const char *g1, *g2, *g3, *ll;	/* groups; ll is link-local */
	const char *s1, *s2, *s3;	/* sources, ascending */
	const char *v3dst, *routers;	/* where v3 reports and leaves go */
	unsigned int v3, old;		/* v3 and v2 generation, as numbered */
};

static const struct mchost_lits mchost_lits[] = {
	{
		.name = "igmp", .fam = MCHOST_IGMP,
		.g1 = "232.1.1.1", .g2 = "232.1.1.2", .g3 = "232.1.1.3",
		.ll = "224.0.0.251",
		.s1 = "10.0.0.1", .s2 = "10.0.0.2", .s3 = "10.0.0.3",
		.v3dst = "224.0.0.22", .routers = "224.0.0.2",
		.v3 = 3, .old = 2,
	},
	{
		.name = "mld", .fam = MCHOST_MLD,
		.g1 = "ff3e::1", .g2 = "ff3e::2", .g3 = "ff3e::3",
		.ll = "ff02::fb",
		.s1 = "2001:db8::1", .s2 = "2001:db8::2", .s3 = "2001:db8::3",
		.v3dst = "ff02::16", .routers = "ff02::2",
		.v3 = 2, .old = 1,
	},
};

static void mchost_lits_desc(const struct mchost_lits *l, char *desc)
{
	strscpy(desc, l->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(mchost_fam, mchost_lits, mchost_lits_desc);

#define L	((const struct mchost_lits *)test->param_value)

/* "a b" from two literals, for sources. */
static const char *mchost_two(struct kunit *test, const char *a, const char *b)
{
	char *s = kunit_kzalloc(test, 2 * INET6_ADDRSTRLEN + 2, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	snprintf(s, 2 * INET6_ADDRSTRLEN + 2, "%s %s", a, b);
	return s;
}

/* The next packet must read want (printf format) and leave at ms. */
static __printf(4, 5)
void mchost_expect(struct kunit *test, struct mchost_fake *f, s64 ms,
		   const char *fmt, ...)
{
	char want[512];
	const char *got;
	va_list ap;
	ktime_t at;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	got = mchost_fake_pop(f, &at);
	KUNIT_ASSERT_NOT_NULL_MSG(test, got, "no packet, want \"%s\"", want);
	KUNIT_EXPECT_STREQ(test, got, want);
	KUNIT_EXPECT_EQ_MSG(test, ktime_ms_delta(at, MCHOST_FAKE_T0), ms,
			    "time of \"%s\"", want);
}

/* Nothing more was sent. */
static void mchost_expect_none(struct kunit *test, struct mchost_fake *f)
{
	const char *got = mchost_fake_pop(f, NULL);

	KUNIT_EXPECT_NULL_MSG(test, got, "unexpected packet \"%s\"", got);
}

/*
 * Two reports next, the first at ms, the second 1 s later, each with the
 * records TO_EX ex () and ALLOW al (src) in either order (due together,
 * they come in the deadline tree's order).
 */
static void mchost_expect_pair(struct kunit *test, struct mchost_fake *f,
			       s64 ms, const char *ex, const char *al,
			       const char *src)
{
	char *a = kasprintf(GFP_KERNEL, "%s v3 TO_EX %s () ALLOW %s (%s)",
			    L->v3dst, ex, al, src);
	char *b = kasprintf(GFP_KERNEL, "%s v3 ALLOW %s (%s) TO_EX %s ()",
			    L->v3dst, al, src, ex);
	bool ok = a && b && mchost_fake_queued(f) == 2;
	const char *got;
	ktime_t at;

	for (; ok && mchost_fake_queued(f); ms += 1000) {
		got = mchost_fake_pop(f, &at);
		KUNIT_EXPECT_TRUE_MSG(test, !strcmp(got, a) || !strcmp(got, b),
				      "unexpected \"%s\"", got);
		KUNIT_EXPECT_EQ_MSG(test, ktime_ms_delta(at, MCHOST_FAKE_T0), ms,
				    "time of \"%s\"", got);
	}
	kfree(a);
	kfree(b);
	KUNIT_EXPECT_TRUE_MSG(test, ok, "not two reports but %u",
			      mchost_fake_queued(f));
}

/* A v3-generation query with Max Response Time mrt_ms (QRV 2, QQIC 125). */
static void mchost_q3(struct kunit *test, struct mchost_fake *f,
		      const char *g, const char *srcs, unsigned int mrt_ms)
{
	unsigned int mrc = L->fam == MCHOST_IGMP ? mrt_ms / 100 : mrt_ms;

	mchost_fake_query(f, L->fam, L->v3, g, srcs, mrc, 2, 125);
}

/* A v2-generation query (IGMPv2, MLDv1). */
static void mchost_q2(struct kunit *test, struct mchost_fake *f,
		      const char *g, unsigned int mrt_ms)
{
	unsigned int mrc = L->fam == MCHOST_IGMP ? mrt_ms / 100 : mrt_ms;

	mchost_fake_query(f, L->fam, L->old, g, NULL, mrc, 0, 0);
}

static void mchost_set_version_cap(struct mchost_fake *f,
				   enum mchost_fam fam, unsigned int v)
{
	if (fam == MCHOST_IGMP)
		mchost_fake_param(f, igmp_max_version, v);
	else
		mchost_fake_param(f, mld_max_version, v);
	mchost_fake_caps_changed(f);
}

static u64 mchost_stat(struct mchost_fake *f, struct kunit *test,
		       enum mchost_stat stat)
{
	return mchost_fake_stat(f, L->fam, stat);
}

/* Already a member: joined while the link was down, nothing pending. */
static void mchost_joined(struct kunit *test, struct mchost_fake *f,
			  const char *g, u8 mode, const char *srcs)
{
	f->md.oper = false;
	mchost_fake_join(f, g, mode, srcs);
	f->md.oper = true;
}

/* RFC 9776 §5.1: a join INCLUDE is ALLOW, sent RV times URI apart. */
static void mchost_engine_join_include(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_fake_join(f, L->g1, IN, mchost_two(test, L->s1, L->s2));
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 0, "%s v3 ALLOW %s (%s %s)", L->v3dst, L->g1,
		      L->s1, L->s2);
	mchost_expect(test, f, 1000, "%s v3 ALLOW %s (%s %s)", L->v3dst,
		      L->g1, L->s1, L->s2);
	mchost_expect_none(test, f);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_SND_V3_REPORTS),
			2ULL);
}

/* A join EXCLUDE is TO_EX (an any-source join: TO_EX {}). */
static void mchost_engine_join_exclude(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_fake_join(f, L->g1, EX, NULL);
	mchost_fake_join(f, L->g2, EX, L->s3);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 0, "%s v3 TO_EX %s ()", L->v3dst, L->g1);
	mchost_expect(test, f, 0, "%s v3 TO_EX %s (%s)", L->v3dst, L->g2,
		      L->s3);
	/* Both retransmissions are due at +1 s: one report carries both. */
	mchost_expect(test, f, 1000, "%s v3 TO_EX %s () TO_EX %s (%s)",
		      L->v3dst, L->g1, L->g2, L->s3);
	mchost_expect_none(test, f);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_SND_V3_REPORTS),
			3ULL);
}

/* Leaving INCLUDE is BLOCK, leaving EXCLUDE is TO_IN {}; both RV times. */
static void mchost_engine_leave(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);
	unsigned int reaps;

	mchost_joined(test, f, L->g1, IN, L->s1);
	mchost_joined(test, f, L->g2, EX, NULL);
	reaps = f->reaps;
	mchost_fake_leave(f, L->g1);
	mchost_fake_run_ms(f, 500);
	mchost_fake_leave(f, L->g2);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 0, "%s v3 BLOCK %s (%s)", L->v3dst, L->g1,
		      L->s1);
	mchost_expect(test, f, 500, "%s v3 TO_IN %s ()", L->v3dst, L->g2);
	mchost_expect(test, f, 1000, "%s v3 BLOCK %s (%s)", L->v3dst, L->g1,
		      L->s1);
	mchost_expect(test, f, 1500, "%s v3 TO_IN %s ()", L->v3dst, L->g2);
	mchost_expect_none(test, f);
	/* Done reporting: the records may go. */
	KUNIT_EXPECT_GE(test, f->reaps, reaps + 2);
	KUNIT_EXPECT_FALSE(test, mchost_proto_leaving(mchost_fake_group(f, L->g1)));
}

/* INCLUDE(A) -> INCLUDE(B): ALLOW(B - A) and BLOCK(A - B) in one report. */
static void mchost_engine_change_include(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_joined(test, f, L->g1, IN, mchost_two(test, L->s1, L->s2));
	mchost_fake_join(f, L->g1, IN, mchost_two(test, L->s2, L->s3));
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 0, "%s v3 ALLOW %s (%s) BLOCK %s (%s)",
		      L->v3dst, L->g1, L->s3, L->g1, L->s1);
	mchost_expect(test, f, 1000, "%s v3 ALLOW %s (%s) BLOCK %s (%s)",
		      L->v3dst, L->g1, L->s3, L->g1, L->s1);
	mchost_expect_none(test, f);
}

/* EXCLUDE(A) -> EXCLUDE(B): ALLOW(A - B), BLOCK(B - A). */
static void mchost_engine_change_exclude(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_joined(test, f, L->g1, EX, mchost_two(test, L->s1, L->s2));
	mchost_fake_join(f, L->g1, EX, mchost_two(test, L->s2, L->s3));
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 0, "%s v3 ALLOW %s (%s) BLOCK %s (%s)",
		      L->v3dst, L->g1, L->s1, L->g1, L->s3);
	mchost_expect(test, f, 1000, "%s v3 ALLOW %s (%s) BLOCK %s (%s)",
		      L->v3dst, L->g1, L->s1, L->g1, L->s3);
	mchost_expect_none(test, f);
}

/*
 * RFC 9776 §5.1: a change while retransmissions are pending is merged, and
 * retransmission state is per source: the pending S1 goes with the new S2
 * for the one transmission it has left, then S2 alone for the rest of its
 * RV (2).
 */
static void mchost_engine_change_merged(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_fake_join(f, L->g1, IN, L->s1);
	mchost_fake_run_ms(f, 500);
	mchost_fake_join(f, L->g1, IN, mchost_two(test, L->s1, L->s2));
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 0, "%s v3 ALLOW %s (%s)", L->v3dst, L->g1,
		      L->s1);
	mchost_expect(test, f, 500, "%s v3 ALLOW %s (%s %s)", L->v3dst, L->g1,
		      L->s1, L->s2);
	mchost_expect(test, f, 1500, "%s v3 ALLOW %s (%s)", L->v3dst, L->g1,
		      L->s2);
	mchost_expect_none(test, f);
}

/*
 * The same with RV 3: S1 has 2 of its 3 transmissions left when S2 is
 * added, S2 gets 3: ALLOW {S1, S2} twice, then ALLOW {S2}.
 */
static void mchost_engine_change_merge_rv3(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_fake_param(f, robustness, 3);
	mchost_fake_join(f, L->g1, IN, L->s1);
	mchost_fake_run_ms(f, 500);
	mchost_fake_join(f, L->g1, IN, mchost_two(test, L->s1, L->s2));
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 0, "%s v3 ALLOW %s (%s)", L->v3dst, L->g1,
		      L->s1);
	mchost_expect(test, f, 500, "%s v3 ALLOW %s (%s %s)", L->v3dst, L->g1,
		      L->s1, L->s2);
	mchost_expect(test, f, 1500, "%s v3 ALLOW %s (%s %s)", L->v3dst,
		      L->g1, L->s1, L->s2);
	mchost_expect(test, f, 2500, "%s v3 ALLOW %s (%s)", L->v3dst, L->g1,
		      L->s2);
	mchost_expect_none(test, f);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_SND_V3_REPORTS),
			4ULL);
}

/* A source allowed then blocked before its ALLOW was repeated: BLOCK only. */
static void mchost_engine_change_undo(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_joined(test, f, L->g1, IN, L->s1);
	mchost_fake_join(f, L->g1, IN, mchost_two(test, L->s1, L->s2));
	mchost_fake_run_ms(f, 200);
	mchost_fake_join(f, L->g1, IN, L->s1);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 0, "%s v3 ALLOW %s (%s)", L->v3dst, L->g1,
		      L->s2);
	mchost_expect(test, f, 200, "%s v3 BLOCK %s (%s)", L->v3dst, L->g1,
		      L->s2);
	/*
	 * Due at 1200, served by the firing at 1000 that was armed for the
	 * replaced retransmission: within a quarter of the interval.
	 */
	mchost_expect(test, f, 1000, "%s v3 BLOCK %s (%s)", L->v3dst, L->g1,
		      L->s2);
	mchost_expect_none(test, f);
}

/*
 * Undone while another source is still pending: S2 moves to BLOCK with a
 * new RV, S1 keeps the one transmission it had left.
 */
static void mchost_engine_change_undo_kept(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_fake_join(f, L->g1, IN, mchost_two(test, L->s1, L->s2));
	mchost_fake_run_ms(f, 200);
	mchost_fake_join(f, L->g1, IN, L->s1);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 0, "%s v3 ALLOW %s (%s %s)", L->v3dst, L->g1,
		      L->s1, L->s2);
	mchost_expect(test, f, 200, "%s v3 ALLOW %s (%s) BLOCK %s (%s)",
		      L->v3dst, L->g1, L->s1, L->g1, L->s2);
	/* Due at 1200, served by the firing at 1000 (as above). */
	mchost_expect(test, f, 1000, "%s v3 BLOCK %s (%s)", L->v3dst, L->g1,
		      L->s2);
	mchost_expect_none(test, f);
}

/* A mode change while changes are pending: TO_EX of the new state only. */
static void mchost_engine_change_mode(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_fake_join(f, L->g1, IN, L->s1);
	mchost_fake_run_ms(f, 200);
	mchost_fake_join(f, L->g1, EX, L->s2);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 0, "%s v3 ALLOW %s (%s)", L->v3dst, L->g1,
		      L->s1);
	mchost_expect(test, f, 200, "%s v3 TO_EX %s (%s)", L->v3dst, L->g1,
		      L->s2);
	/* Due at 1200, served early by the firing armed for 1000. */
	mchost_expect(test, f, 1000, "%s v3 TO_EX %s (%s)", L->v3dst, L->g1,
		      L->s2);
	mchost_expect_none(test, f);
}

/* The robustness parameter sets the number of transmissions. */
static void mchost_engine_robustness(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_fake_param(f, robustness, 3);
	mchost_fake_join(f, L->g1, EX, NULL);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 0, "%s v3 TO_EX %s ()", L->v3dst, L->g1);
	mchost_expect(test, f, 1000, "%s v3 TO_EX %s ()", L->v3dst, L->g1);
	mchost_expect(test, f, 2000, "%s v3 TO_EX %s ()", L->v3dst, L->g1);
	mchost_expect_none(test, f);
}

/* RFC 9776 §4.1.6: a querier's QRV wins over the parameter. */
static void mchost_engine_querier_qrv(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);
	unsigned int mrc = L->fam == MCHOST_IGMP ? 10 : 1000;

	mchost_fake_query(f, L->fam, L->v3, "", NULL, mrc, 4, 20);
	mchost_fake_run_ms(f, 2000);
	mchost_expect_none(test, f);	/* no groups: nothing to answer */
	mchost_fake_join(f, L->g1, EX, NULL);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 2000, "%s v3 TO_EX %s ()", L->v3dst, L->g1);
	mchost_expect(test, f, 3000, "%s v3 TO_EX %s ()", L->v3dst, L->g1);
	mchost_expect(test, f, 4000, "%s v3 TO_EX %s ()", L->v3dst, L->g1);
	mchost_expect(test, f, 5000, "%s v3 TO_EX %s ()", L->v3dst, L->g1);
	mchost_expect_none(test, f);
	/* QQIC 20 is 20 s; the QRI is the query's 1 s. */
	KUNIT_EXPECT_EQ(test, f->md.proto[L->fam].rv, 4);
	KUNIT_EXPECT_EQ(test, f->md.proto[L->fam].qi_ms, 20000U);
	KUNIT_EXPECT_EQ(test, f->md.proto[L->fam].qri_ms, 1000U);
}

/*
 * RFC 9776 §5.2: a general query gets one current-state record per group,
 * in one packet, at a random time within Max Resp Time; link-local groups
 * only with report_link_local.
 */
static void mchost_engine_general(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_fake_param(f, report_link_local, 0);
	mchost_joined(test, f, L->g1, IN, mchost_two(test, L->s1, L->s2));
	mchost_joined(test, f, L->g2, EX, L->s3);
	mchost_joined(test, f, L->ll, EX, NULL);
	mchost_q3(test, f, "", NULL, 5000);
	mchost_fake_run_ms(f, 20000);
	mchost_expect(test, f, 5000, "%s v3 IS_EX %s (%s) IS_IN %s (%s %s)",
		      L->v3dst, L->g2, L->s3, L->g1, L->s1, L->s2);
	mchost_expect_none(test, f);

	mchost_fake_param(f, report_link_local, 1);
	mchost_q3(test, f, "", NULL, 5000);
	mchost_fake_run_ms(f, 20000);
	mchost_expect(test, f, 25000,
		      "%s v3 IS_EX %s () IS_EX %s (%s) IS_IN %s (%s %s)",
		      L->v3dst, L->ll, L->g2, L->s3, L->g1, L->s1, L->s2);
	mchost_expect_none(test, f);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_QRY_GENERAL),
			2ULL);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_QRY_V3), 2ULL);
}

/* Max Resp Code 0 means "respond at once", not a default delay. */
static void mchost_engine_general_now(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_joined(test, f, L->g1, EX, NULL);
	mchost_q3(test, f, "", NULL, 0);
	mchost_fake_run_ms(f, 1000);
	mchost_expect(test, f, 0, "%s v3 IS_EX %s ()", L->v3dst, L->g1);
	mchost_expect_none(test, f);
}

/* A later general query replaces a pending response only if sooner. */
static void mchost_engine_general_replaced(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_joined(test, f, L->g1, EX, NULL);
	mchost_q3(test, f, "", NULL, 8000);
	mchost_fake_run_ms(f, 1000);
	mchost_q3(test, f, "", NULL, 2000);	/* due at 3 s: replaces */
	mchost_fake_run_ms(f, 1000);
	mchost_q3(test, f, "", NULL, 9000);	/* due at 11 s: ignored */
	mchost_fake_run_ms(f, 30000);
	mchost_expect(test, f, 3000, "%s v3 IS_EX %s ()", L->v3dst, L->g1);
	mchost_expect_none(test, f);
}

/* RFC 9776 §5.2 rule 1: a sooner general response covers a group query. */
static void mchost_engine_rule1(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_joined(test, f, L->g1, IN, L->s1);
	mchost_q3(test, f, "", NULL, 1000);
	mchost_q3(test, f, L->g1, NULL, 5000);
	mchost_q3(test, f, L->g1, L->s1, 5000);
	mchost_fake_run_ms(f, 20000);
	mchost_expect(test, f, 1000, "%s v3 IS_IN %s (%s)", L->v3dst, L->g1,
		      L->s1);
	mchost_expect_none(test, f);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_QRY_GROUP),
			1ULL);
	KUNIT_EXPECT_EQ(test,
			mchost_stat(f, test, MCHOST_STAT_QRY_GROUP_SOURCE),
			1ULL);
}

/* A group query is answered with that group's current state only. */
static void mchost_engine_group_query(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_joined(test, f, L->g1, IN, mchost_two(test, L->s1, L->s2));
	mchost_joined(test, f, L->g2, EX, NULL);
	mchost_q3(test, f, L->g1, NULL, 2000);
	mchost_q3(test, f, L->g3, NULL, 2000);	/* not ours: nothing */
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 2000, "%s v3 IS_IN %s (%s %s)", L->v3dst,
		      L->g1, L->s1, L->s2);
	mchost_expect_none(test, f);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_QRY_GROUP),
			2ULL);
}

/* RFC 9776 §5.2: IS_IN(filter ∩ asked) in INCLUDE mode. */
static void mchost_engine_gsr_include(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_joined(test, f, L->g1, IN, mchost_two(test, L->s1, L->s2));
	mchost_q3(test, f, L->g1, mchost_two(test, L->s2, L->s3), 2000);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 2000, "%s v3 IS_IN %s (%s)", L->v3dst, L->g1,
		      L->s2);
	mchost_expect_none(test, f);
}

/* IS_IN(asked − filter) in EXCLUDE mode. */
static void mchost_engine_gsr_exclude(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_joined(test, f, L->g1, EX, L->s1);
	mchost_q3(test, f, L->g1, mchost_two(test, L->s1, L->s2), 2000);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 2000, "%s v3 IS_IN %s (%s)", L->v3dst, L->g1,
		      L->s2);
	mchost_expect_none(test, f);
}

/* Nothing in common with the filter: an empty IS_IN is not sent. */
static void mchost_engine_gsr_empty(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_joined(test, f, L->g1, IN, L->s1);
	mchost_q3(test, f, L->g1, L->s2, 2000);
	mchost_fake_run_ms(f, 10000);
	mchost_expect_none(test, f);
}

/* RFC 9776 §5.2 rule 4: pending source lists accumulate. */
static void mchost_engine_gsr_merge(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);
	const char *all = kasprintf(GFP_KERNEL, "%s %s %s", L->s1, L->s2,
				    L->s3);

	KUNIT_ASSERT_NOT_NULL(test, all);
	mchost_joined(test, f, L->g1, IN, all);
	kfree(all);
	mchost_q3(test, f, L->g1, L->s1, 2000);
	mchost_fake_run_ms(f, 100);
	mchost_q3(test, f, L->g1, L->s3, 2000);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 2000, "%s v3 IS_IN %s (%s %s)", L->v3dst,
		      L->g1, L->s1, L->s3);
	mchost_expect_none(test, f);
}

/* Rule 3: a group query, pending or new, wins over source lists. */
static void mchost_engine_gsr_then_group(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_joined(test, f, L->g1, IN, mchost_two(test, L->s1, L->s2));
	mchost_q3(test, f, L->g1, L->s1, 2000);
	mchost_q3(test, f, L->g1, NULL, 2000);
	mchost_fake_run_ms(f, 10000);
	mchost_q3(test, f, L->g1, NULL, 2000);
	mchost_q3(test, f, L->g1, L->s1, 2000);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 2000, "%s v3 IS_IN %s (%s %s)", L->v3dst,
		      L->g1, L->s1, L->s2);
	mchost_expect(test, f, 12000, "%s v3 IS_IN %s (%s %s)", L->v3dst,
		      L->g1, L->s1, L->s2);
	mchost_expect_none(test, f);
}

/* At most 8 group-and-source queries per group and second are taken. */
static void mchost_engine_gsr_ratelimit(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);
	int i;

	mchost_joined(test, f, L->g1, IN, L->s1);
	for (i = 0; i < 10; i++)
		mchost_q3(test, f, L->g1, L->s1, 2000);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_QRY_RATELIMITED),
			2ULL);
	mchost_fake_run_ms(f, 1001);
	mchost_q3(test, f, L->g1, L->s1, 2000);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_QRY_RATELIMITED),
			2ULL);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 2000, "%s v3 IS_IN %s (%s)", L->v3dst, L->g1,
		      L->s1);
	mchost_expect_none(test, f);
}

/* The rate limit holds however many queries come in one second. */
static void mchost_engine_gsr_flood(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);
	int i;

	mchost_joined(test, f, L->g1, IN, L->s1);
	for (i = 0; i < 300; i++)
		mchost_q3(test, f, L->g1, L->s1, 2000);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_QRY_RATELIMITED),
			292ULL);
}

/*
 * A query listing more sources than max_sources is answered with the
 * group's whole state, and its source list is never copied: a remote host
 * must not make us allocate by its choice of a long list.
 */
static void mchost_engine_gsr_too_many(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);
	char *srcs, a[INET6_ADDRSTRLEN + 1];
	unsigned int i, len = 0, size = 100 * (INET6_ADDRSTRLEN + 1);

	srcs = kunit_kzalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, srcs);
	for (i = 0; i < 100; i++) {
		if (L->fam == MCHOST_IGMP)
			snprintf(a, sizeof(a), "10.1.0.%u", i + 1);
		else
			snprintf(a, sizeof(a), "2001:db8:1::%x", i + 1);
		len += scnprintf(srcs + len, size - len, "%s ", a);
	}
	mchost_joined(test, f, L->g1, IN, mchost_two(test, L->s1, L->s2));
	mchost_query_alloc_max = 0;
	mchost_q3(test, f, L->g1, srcs, 2000);
	KUNIT_EXPECT_LE(test, mchost_query_alloc_max, 64U);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 2000, "%s v3 IS_IN %s (%s %s)", L->v3dst, L->g1,
		      L->s1, L->s2);
	mchost_expect_none(test, f);
}

/*
 * RFC 9776 §7.2.1: a v2 (MLDv1) query switches to the older mode for the
 * Older Version Querier Present Timeout, RV·QI + QRI; reports are v2.
 */
static void mchost_engine_compat_v2(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);
	struct mchost_proto_state st;

	mchost_joined(test, f, L->g1, IN, L->s1);
	KUNIT_EXPECT_EQ(test, f->compats[L->fam], 0U);
	mchost_q2(test, f, "", 3000);
	KUNIT_EXPECT_EQ(test, mchost_proto_version(&f->md, L->fam), L->old);
	/* One mode change, one notification; the other family's untouched. */
	KUNIT_EXPECT_EQ(test, f->compats[L->fam], 1U);
	KUNIT_EXPECT_EQ(test, f->compats[!L->fam], 0U);
	mchost_proto_state(&f->md, L->fam, f->now, &st);
	KUNIT_EXPECT_EQ(test, st.v2_querier_ms, 2 * 125000U + 3000);
	KUNIT_EXPECT_EQ(test, st.qri_ms, 3000U);
	mchost_fake_run_ms(f, 5000);
	mchost_expect(test, f, 3000, "%s v2-report %s", L->g1, L->g1);
	mchost_expect_none(test, f);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_QRY_V2), 1ULL);

	/* One ms before the timeout the mode holds; at it, v3 is back. */
	mchost_fake_run(f, MCHOST_FAKE_AT(253000 - 1));
	KUNIT_EXPECT_EQ(test, mchost_proto_version(&f->md, L->fam), L->old);
	/* Firings within the timeout change no mode: nothing to tell. */
	KUNIT_EXPECT_EQ(test, f->compats[L->fam], 1U);
	mchost_fake_run(f, MCHOST_FAKE_AT(253000));
	KUNIT_EXPECT_EQ(test, mchost_proto_version(&f->md, L->fam), L->v3);
	KUNIT_EXPECT_EQ(test, f->compats[L->fam], 2U);
	mchost_proto_state(&f->md, L->fam, f->now, &st);
	KUNIT_EXPECT_EQ(test, st.v2_querier_ms, 0U);
}

/* The report timers of a membership, as show -d gives them. */
static void mchost_expect_timers(struct kunit *test, struct mchost_fake *f,
				 struct mchost_group *grp, u8 rtx_left,
				 u32 next_ms, u32 last_ms)
{
	struct mchost_group_timers t;

	mchost_proto_group_timers(grp, f->now, &t);
	KUNIT_EXPECT_EQ(test, t.rtx_left, rtx_left);
	KUNIT_EXPECT_EQ(test, t.next_ms, next_ms);
	KUNIT_EXPECT_EQ(test, t.last_ms, last_ms);
}

/*
 * RFC 9776 §5.1: after a join's first report, RV - 1 more are to come;
 * the times until the next and since the last report follow the clock,
 * for retransmissions and query responses alike.
 */
static void mchost_engine_timers(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);
	struct mchost_group *g1, *g2;

	g1 = mchost_fake_join(f, L->g1, EX, NULL);
	mchost_expect_timers(test, f, g1, 1, 1000, 0);
	mchost_fake_run_ms(f, 400);
	mchost_expect_timers(test, f, g1, 1, 600, 400);
	mchost_fake_run_ms(f, 700);
	mchost_expect_timers(test, f, g1, 0, U32_MAX, 100);

	/* Joined while the link was down: nothing sent, nothing due. */
	f->md.oper = false;
	g2 = mchost_fake_join(f, L->g2, EX, NULL);
	f->md.oper = true;
	mchost_expect_timers(test, f, g2, 0, U32_MAX, U32_MAX);
	mchost_q3(test, f, L->g2, NULL, 2000);
	mchost_expect_timers(test, f, g2, 0, 2000, U32_MAX);
	mchost_fake_run_ms(f, 2500);
	mchost_expect_timers(test, f, g2, 0, U32_MAX, 500);
	mchost_expect_timers(test, f, g1, 0, U32_MAX, 2600);
	mchost_expect(test, f, 0, "%s v3 TO_EX %s ()", L->v3dst, L->g1);
	mchost_expect(test, f, 1000, "%s v3 TO_EX %s ()", L->v3dst, L->g1);
	mchost_expect(test, f, 3100, "%s v3 IS_EX %s ()", L->v3dst, L->g2);
	mchost_expect_none(test, f);
}

/* IGMPv1 (RFC 1112): 10 s response time, v1 reports, no leave. */
static void mchost_engine_compat_v1(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_joined(test, f, "232.1.1.1", EX, NULL);
	mchost_fake_query(f, MCHOST_IGMP, 1, "", NULL, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, mchost_proto_version(&f->md, MCHOST_IGMP), 1U);
	mchost_fake_run_ms(f, 15000);
	mchost_expect(test, f, 10000, "232.1.1.1 v1-report 232.1.1.1");
	mchost_fake_leave(f, "232.1.1.1");
	mchost_fake_run_ms(f, 15000);
	mchost_expect_none(test, f);
	KUNIT_EXPECT_EQ(test, mchost_fake_stat(f, MCHOST_IGMP,
					       MCHOST_STAT_QRY_V1), 1ULL);
}

/* A change of mode cancels pending v3 retransmissions and responses. */
static void mchost_engine_compat_cancels(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_fake_join(f, L->g1, IN, L->s1);
	mchost_fake_join(f, L->g2, EX, NULL);
	mchost_q3(test, f, "", NULL, 5000);
	mchost_fake_run_ms(f, 100);
	mchost_q2(test, f, L->g1, 1000);
	mchost_fake_run_ms(f, 20000);
	mchost_expect(test, f, 0, "%s v3 ALLOW %s (%s)", L->v3dst, L->g1,
		      L->s1);
	mchost_expect(test, f, 0, "%s v3 TO_EX %s ()", L->v3dst, L->g2);
	/* Due at 1100, served early by the firing armed for 1000. */
	mchost_expect(test, f, 1000, "%s v2-report %s", L->g1, L->g1);
	mchost_expect_none(test, f);
}

/* In the older mode a join reports at once and repeats; a leave is sent. */
static void mchost_engine_v2_join_leave(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_set_version_cap(f, L->fam, L->old);
	mchost_fake_join(f, L->g1, IN, L->s1);
	mchost_fake_run_ms(f, 12000);
	mchost_fake_join(f, L->g1, IN, L->s2);	/* sources: not reported */
	mchost_fake_leave(f, L->g1);
	mchost_fake_run_ms(f, 5000);
	mchost_expect(test, f, 0, "%s v2-report %s", L->g1, L->g1);
	/* The old version's Unsolicited Report Interval, 10 s (RFC 2236 §3). */
	mchost_expect(test, f, 10000, "%s v2-report %s", L->g1, L->g1);
	mchost_expect(test, f, 12000, "%s leave %s", L->routers, L->g1);
	mchost_expect_none(test, f);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_SND_LEAVES),
			1ULL);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_SND_V3_REPORTS),
			0ULL);
}

/*
 * A leave in the older mode drops everything still pending for the group
 * (its repeats and a query's delay), so it is done at once and may go.
 * One whose v3 change was cancelled by the switch to that mode is done
 * as well, and a later membership of the same group starts clean.
 */
static void mchost_engine_v2_leave_pending(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);
	struct mchost_group *g1, *g2;

	g1 = mchost_fake_join(f, L->g1, IN, L->s1);
	g2 = mchost_fake_join(f, L->g2, EX, NULL);
	KUNIT_ASSERT_TRUE(test, mchost_change_pending(&g2->st->rtx));
	/* A v2 query at 100: the v3 repeats are cancelled. */
	mchost_fake_run_ms(f, 100);
	mchost_q2(test, f, "", 5000);
	KUNIT_EXPECT_EQ(test, mchost_proto_version(&f->md, L->fam), L->old);
	KUNIT_ASSERT_NOT_NULL(test, g1->st);
	KUNIT_EXPECT_FALSE(test, mchost_change_pending(&g1->st->rtx));
	mchost_fake_leave(f, L->g2);
	KUNIT_EXPECT_NULL(test, g2->st);
	KUNIT_EXPECT_FALSE(test, mchost_proto_leaving(g2));

	/* g1 answers at its delay; g2 joins again: reported, one repeat due. */
	mchost_fake_run_ms(f, 6000);
	mchost_fake_join(f, L->g2, IN, L->s2);
	KUNIT_ASSERT_NOT_NULL(test, g2->st);
	KUNIT_EXPECT_EQ(test, g2->st->v2_rtx, 1);
	/* Leave g2 with a repeat and a query's delay pending. */
	mchost_q2(test, f, "", 4000);
	KUNIT_EXPECT_NE(test, g2->st->resp_at, KTIME_MAX);
	mchost_fake_run_ms(f, 1000);
	mchost_fake_leave(f, L->g2);
	KUNIT_EXPECT_NULL(test, g2->st);
	KUNIT_EXPECT_FALSE(test, mchost_proto_leaving(g2));
	mchost_fake_run_ms(f, 20000);
	mchost_expect(test, f, 0, "%s v3 ALLOW %s (%s)", L->v3dst, L->g1,
		      L->s1);
	mchost_expect(test, f, 0, "%s v3 TO_EX %s ()", L->v3dst, L->g2);
	mchost_expect(test, f, 5100, "%s v2-report %s", L->g1, L->g1);
	mchost_expect(test, f, 6100, "%s v2-report %s", L->g2, L->g2);
	mchost_expect(test, f, 7100, "%s leave %s", L->routers, L->g2);
	mchost_expect(test, f, 10100, "%s v2-report %s", L->g1, L->g1);
	mchost_expect_none(test, f);
	KUNIT_EXPECT_NULL(test, g1->st);
}

/*
 * RFC 2236 §3, RFC 2710 §4: another member's report cancels our pending
 * one, and we then send no leave (we did not report last).
 */
static void mchost_engine_v2_suppression(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_set_version_cap(f, L->fam, L->old);
	mchost_fake_join(f, L->g1, EX, NULL);
	mchost_fake_run_ms(f, 12000);
	mchost_q2(test, f, "", 5000);
	mchost_fake_run_ms(f, 1000);
	mchost_fake_report(f, L->g1, 2);
	mchost_fake_leave(f, L->g1);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 0, "%s v2-report %s", L->g1, L->g1);
	mchost_expect(test, f, 10000, "%s v2-report %s", L->g1, L->g1);
	mchost_expect_none(test, f);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_SND_SUPPRESSED),
			1ULL);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_RCV_OURREPORTS),
			1ULL);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_SND_LEAVES),
			0ULL);
}

/* RFC 9776 §5.2: in v3 mode others' reports suppress nothing. */
static void mchost_engine_v3_no_suppression(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_joined(test, f, L->g1, EX, NULL);
	mchost_q3(test, f, L->g1, NULL, 5000);
	mchost_fake_run_ms(f, 2000);
	mchost_fake_report(f, L->g1, 2);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 5000, "%s v3 IS_EX %s ()", L->v3dst, L->g1);
	mchost_expect_none(test, f);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_SND_SUPPRESSED),
			0ULL);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_RCV_OURREPORTS),
			1ULL);
}

/* RFC 2236 §3: a pending report delay is only ever made shorter. */
static void mchost_engine_v2_delay_shortened(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_set_version_cap(f, L->fam, L->old);
	mchost_joined(test, f, L->g1, EX, NULL);
	mchost_q2(test, f, "", 10000);
	mchost_fake_run_ms(f, 1000);
	mchost_q2(test, f, "", 2000);	/* due at 13 s: sooner, taken */
	mchost_fake_run_ms(f, 500);
	mchost_q2(test, f, L->g1, 10000);	/* 21.5 s: later, ignored */
	mchost_fake_run_ms(f, 20000);
	mchost_expect(test, f, 3000, "%s v2-report %s", L->g1, L->g1);
	mchost_expect_none(test, f);
}

/*
 * RFC 2236 §3, RFC 2710 §4: a query resets a running report delay only if
 * its Max Response Time is shorter than the time left; otherwise the
 * delay runs on, even if a fresh draw would have come out earlier.
 */
static void mchost_engine_v2_delay_rule(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	f->rand = MCHOST_FAKE_RAND_MID;
	mchost_set_version_cap(f, L->fam, L->old);
	mchost_joined(test, f, L->g1, EX, NULL);
	mchost_q2(test, f, "", 10000);		/* due at 5000 */
	mchost_fake_run_ms(f, 1000);
	mchost_q2(test, f, L->g1, 6000);	/* 4000 left <= 6000: runs on */
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 5000, "%s v2-report %s", L->g1, L->g1);
	mchost_expect_none(test, f);
}

/* Lowering the version cap downgrades at once and cancels v3 work. */
static void mchost_engine_caps(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_fake_join(f, L->g1, IN, L->s1);
	mchost_set_version_cap(f, L->fam, L->old);
	KUNIT_EXPECT_EQ(test, f->md.proto[L->fam].version, L->old);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 0, "%s v3 ALLOW %s (%s)", L->v3dst, L->g1,
		      L->s1);
	mchost_expect_none(test, f);
	mchost_set_version_cap(f, L->fam, L->v3);
	KUNIT_EXPECT_EQ(test, f->md.proto[L->fam].version, L->v3);
}

/* mchostctl set: one device's settings, the way genl.c applies them. */
static void mchost_fake_configure(struct mchost_fake *f, enum mchost_fam fam,
				  u8 version, u8 rv, u8 rll)
{
	struct mchost_proto_settings set = {
		.version = { MCHOST_PROTO_KEEP, MCHOST_PROTO_KEEP },
		.rv = rv,
		.rll = rll,
	};

	set.version[fam] = version;
	write_lock_bh(&f->md.lock);
	mchost_proto_configure(&f->md, &set, f->now);
	write_unlock_bh(&f->md.lock);
}

/*
 * Per-device settings win over the parameters: a lower version applies at
 * once and cancels the pending v3 retransmission; 0 goes back to the
 * parameter.
 */
static void mchost_engine_settings(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);
	struct mchost_proto_settings got;

	mchost_fake_configure(f, L->fam, MCHOST_PROTO_KEEP, 3, MCHOST_PROTO_KEEP);
	mchost_fake_join(f, L->g1, EX, NULL);
	mchost_fake_run_ms(f, 100);
	mchost_fake_configure(f, L->fam, L->old, MCHOST_PROTO_KEEP, MCHOST_PROTO_KEEP);
	KUNIT_EXPECT_EQ(test, mchost_proto_version(&f->md, L->fam), L->old);
	mchost_fake_param(f, robustness, 1);	/* the device's 3 wins */
	mchost_fake_join(f, L->g2, EX, NULL);
	mchost_fake_run_ms(f, 30000);
	mchost_expect(test, f, 0, "%s v3 TO_EX %s ()", L->v3dst, L->g1);
	mchost_expect(test, f, 100, "%s v2-report %s", L->g2, L->g2);
	mchost_expect(test, f, 10100, "%s v2-report %s", L->g2, L->g2);
	mchost_expect(test, f, 20100, "%s v2-report %s", L->g2, L->g2);
	mchost_expect_none(test, f);
	mchost_proto_settings(&f->md, &got);
	KUNIT_EXPECT_EQ(test, got.version[L->fam], L->old);
	KUNIT_EXPECT_EQ(test, got.rv, 3);

	/* Back to the parameters: v3, robustness 1, link-local reported. */
	mchost_fake_configure(f, L->fam, 0, 0, 1);
	KUNIT_EXPECT_EQ(test, mchost_proto_version(&f->md, L->fam), L->v3);
	mchost_fake_join(f, L->ll, EX, NULL);
	mchost_fake_configure(f, L->fam, MCHOST_PROTO_KEEP, MCHOST_PROTO_KEEP,
			      0);
	mchost_fake_join(f, L->g3, EX, NULL);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 30100, "%s v3 TO_EX %s ()", L->v3dst, L->g3);
	mchost_expect_none(test, f);
	mchost_proto_settings(&f->md, &got);
	KUNIT_EXPECT_EQ(test, got.version[L->fam], 0);
	KUNIT_EXPECT_EQ(test, got.rv, 0);
	KUNIT_EXPECT_EQ(test, got.rll, 0);
}

/* Link down drops everything pending; link up announces every group. */
static void mchost_engine_link(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_fake_join(f, L->g1, IN, L->s1);
	mchost_q3(test, f, "", NULL, 5000);
	mchost_fake_link(f, false);
	mchost_fake_join(f, L->g2, EX, NULL);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 0, "%s v3 ALLOW %s (%s)", L->v3dst, L->g1,
		      L->s1);
	mchost_expect_none(test, f);

	mchost_fake_link(f, true);
	mchost_fake_run_ms(f, 10000);
	/*
	 * Each group: a state change as for a fresh join, from +1 s; both
	 * due together, so in one report each time.
	 */
	mchost_expect_pair(test, f, 11000, L->g2, L->g1, L->s1);
}

/*
 * Deadlines within the coalescing window are served together, but at most
 * a quarter of their interval early.
 */
static void mchost_engine_coalesce(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_fake_join(f, L->g1, EX, NULL);	/* again at 1000 */
	mchost_fake_run_ms(f, 100);
	mchost_fake_join(f, L->g2, EX, NULL);	/* 1100: 250 ms slack */
	mchost_fake_run_ms(f, 700);
	mchost_fake_join(f, L->g3, EX, NULL);	/* 1800: too far */
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 0, "%s v3 TO_EX %s ()", L->v3dst, L->g1);
	mchost_expect(test, f, 100, "%s v3 TO_EX %s ()", L->v3dst, L->g2);
	mchost_expect(test, f, 800, "%s v3 TO_EX %s ()", L->v3dst, L->g3);
	/* g1 and g2 in one report at 1000, g3 on its own at 1800. */
	mchost_expect(test, f, 1000, "%s v3 TO_EX %s () TO_EX %s ()", L->v3dst,
		      L->g1, L->g2);
	mchost_expect(test, f, 1800, "%s v3 TO_EX %s ()", L->v3dst, L->g3);
	mchost_expect_none(test, f);
	KUNIT_EXPECT_EQ(test, f->fires, 2U);
	KUNIT_EXPECT_EQ(test, f->md.next, KTIME_MAX);
}

/* With no window every event is served at its own time. */
static void mchost_engine_coalesce_off(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	f->window_ms = 0;
	mchost_fake_join(f, L->g1, EX, NULL);
	mchost_fake_run_ms(f, 100);
	mchost_fake_join(f, L->g2, EX, NULL);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 0, "%s v3 TO_EX %s ()", L->v3dst, L->g1);
	mchost_expect(test, f, 100, "%s v3 TO_EX %s ()", L->v3dst, L->g2);
	mchost_expect(test, f, 1000, "%s v3 TO_EX %s ()", L->v3dst, L->g1);
	mchost_expect(test, f, 1100, "%s v3 TO_EX %s ()", L->v3dst, L->g2);
	mchost_expect_none(test, f);
}

/* Nothing is sent while the link is down, and nothing is owed after. */
static void mchost_engine_not_oper(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	mchost_fake_link(f, false);
	mchost_fake_join(f, L->g1, IN, L->s1);
	mchost_fake_leave(f, L->g1);
	mchost_q3(test, f, "", NULL, 1000);
	mchost_fake_run_ms(f, 10000);
	mchost_expect_none(test, f);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_SND_ERRORS),
			0ULL);
}

/* A report that cannot be allocated is counted, and retried later. */
static void mchost_engine_alloc_fail(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	f->fail_alloc = true;
	mchost_fake_join(f, L->g1, EX, NULL);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_SND_ERRORS),
			1ULL);
	f->fail_alloc = false;
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 1000, "%s v3 TO_EX %s ()", L->v3dst, L->g1);
	mchost_expect_none(test, f);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_SND_V3_REPORTS),
			1ULL);
}

/* RFC 9776 §4.2.16: IS_IN/ALLOW/BLOCK are split, IS_EX/TO_EX truncated. */
static void mchost_engine_split_truncate(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);
	const char *srcs =
		"10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6 10.0.0.7 10.0.0.8 10.0.0.9";

	/* 68 - 24 (IPv4 + RA) - 8 (report) - 8 (record): 7 sources fit. */
	f->mtu = 68;
	mchost_fake_join(f, "232.1.1.1", IN, srcs);
	mchost_fake_join(f, "232.1.1.2", EX, srcs);
	mchost_fake_run_ms(f, 500);
	mchost_expect(test, f, 0,
		      "224.0.0.22 v3 ALLOW 232.1.1.1 (10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6 10.0.0.7)");
	mchost_expect(test, f, 0,
		      "224.0.0.22 v3 ALLOW 232.1.1.1 (10.0.0.8 10.0.0.9)");
	mchost_expect(test, f, 0,
		      "224.0.0.22 v3 TO_EX 232.1.1.2 (10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6 10.0.0.7)");
	mchost_expect_none(test, f);
	KUNIT_EXPECT_EQ(test, mchost_fake_stat(f, MCHOST_IGMP,
					       MCHOST_STAT_SND_TRUNCATED), 1ULL);
	KUNIT_EXPECT_EQ(test, mchost_fake_stat(f, MCHOST_IGMP,
					       MCHOST_STAT_SND_V3_REPORTS), 3ULL);
}

/* Per group index, the reports it was seen in (mchost_fake_drain()). */
static u16 *mchost_seen_new(struct kunit *test, unsigned int n)
{
	u16 *seen = kunit_kcalloc(test, n, sizeof(*seen), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, seen);
	return seen;
}

/*
 * A general response larger than one firing's budget of 64 packets goes
 * out over several firings, every group exactly once, in the fewest
 * packets.
 */
static void mchost_engine_general_budget(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);
	bool igmp = L->fam == MCHOST_IGMP;
	/* IGMP at MTU 68: 4 records a packet; MLD at 1280: 61. */
	unsigned int n = igmp ? 300 : 4000, per = igmp ? 4 : 61, i, pkts;
	char g[INET6_ADDRSTRLEN + 1];
	u16 *seen;

	seen = mchost_seen_new(test, n);
	f->mtu = igmp ? 68 : 1280;
	f->md.oper = false;	/* no state-change reports for the joins */
	for (i = 0; i < n; i++) {
		if (igmp)
			snprintf(g, sizeof(g), "232.1.%u.%u", i >> 8, i & 0xff);
		else
			snprintf(g, sizeof(g), "ff3e::%x", i);
		mchost_fake_join(f, g, EX, NULL);
	}
	f->md.oper = true;
	mchost_q3(test, f, "", NULL, 0);
	mchost_fake_run_ms(f, 1000);
	pkts = DIV_ROUND_UP(n, per);
	KUNIT_EXPECT_EQ(test, mchost_fake_drain(f, seen, n), pkts);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, seen[i], 1, "group %u", i);
	KUNIT_EXPECT_EQ(test, f->budget_outs, 1U);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_SND_V3_REPORTS),
			(u64)pkts);
}

/*
 * Groups freed between the firings of one general response (a leave
 * finished, a device flushed) must not make the response skip others.
 */
static void mchost_engine_general_resume(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);
	unsigned int n = 1000, i, left = 0;
	char g[INET6_ADDRSTRLEN + 1];
	u16 *seen;

	seen = mchost_seen_new(test, n);
	f->mtu = 68;		/* 4 records a packet: 250 packets in all */
	for (i = 0; i < n; i++) {
		snprintf(g, sizeof(g), "232.1.%u.%u", i >> 8, i & 0xff);
		mchost_joined(test, f, g, EX, NULL);
	}
	mchost_fake_query(f, MCHOST_IGMP, 3, "", NULL, 0, 2, 125);
	KUNIT_ASSERT_TRUE(test, mchost_fake_fire(f));
	KUNIT_ASSERT_EQ(test, f->budget_outs, 1U);
	/* A firing sends at most its budget of 64 packets. */
	KUNIT_EXPECT_EQ(test, mchost_fake_drain(f, seen, n), 64U);
	/* Every group already reported leaves before the next firing. */
	for (i = 0; i < n; i++) {
		if (!seen[i]) {
			left++;
			continue;
		}
		snprintf(g, sizeof(g), "232.1.%u.%u", i >> 8, i & 0xff);
		mchost_fake_remove(f, g);
	}
	KUNIT_ASSERT_GT(test, left, 0U);
	mchost_fake_run_ms(f, 1000);
	mchost_fake_drain(f, seen, n);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, seen[i], 1, "group 232.1.%u.%u",
				    i >> 8, i & 0xff);
}

/* Group i of a many-group case, its low 16 bits i (mchost_fake_drain()). */
static void mchost_nth_group(struct kunit *test, unsigned int i, char *g,
			     size_t len)
{
	if (L->fam == MCHOST_IGMP)
		snprintf(g, len, "232.1.%u.%u", i >> 8, i & 0xff);
	else
		snprintf(g, len, "ff3e::%x", i);
}

/*
 * State-change reports due in one firing share reports (RFC 9776 §4.2):
 * n groups announced at link up go out in as few reports as the MTU
 * allows, at each of the RV transmissions, every group once in each.
 */
static void mchost_engine_change_packed(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);
	/* Any-source records at MTU 1500: 183 IGMP or 72 MLD a report. */
	unsigned int n = 400, per = L->fam == MCHOST_IGMP ? 183 : 72, i, t;
	char g[INET6_ADDRSTRLEN + 1];
	u16 *seen;

	seen = mchost_seen_new(test, n);
	for (i = 0; i < n; i++) {
		mchost_nth_group(test, i, g, sizeof(g));
		mchost_joined(test, f, g, EX, NULL);
	}
	mchost_fake_link(f, false);
	mchost_fake_link(f, true);
	for (t = 1; t <= 2; t++) {
		mchost_fake_run_ms(f, 1000);
		KUNIT_EXPECT_EQ_MSG(test, mchost_fake_drain(f, seen, n),
				    DIV_ROUND_UP(n, per), "transmission %u", t);
		for (i = 0; i < n; i++)
			KUNIT_EXPECT_EQ_MSG(test, seen[i], t, "group %u", i);
	}
	mchost_fake_run_ms(f, 10000);
	KUNIT_EXPECT_EQ(test, mchost_fake_queued(f), 0U);
	KUNIT_EXPECT_EQ(test, f->budget_outs, 0U);
	KUNIT_EXPECT_EQ(test, mchost_stat(f, test, MCHOST_STAT_SND_V3_REPORTS),
			2ULL * DIV_ROUND_UP(n, per));
}

/*
 * Packed records count against a firing's budget by the reports they
 * fill: more than 64 reports' worth are split over firings at the same
 * time, none lost, none twice, and the reports mostly full.
 */
static void mchost_engine_change_packed_budget(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);
	/* 68 reports' worth at MTU 1500 (183 IGMP records a report). */
	unsigned int n = 183 * 68, i, pkts;
	char g[INET6_ADDRSTRLEN + 1];
	u16 *seen;

	seen = mchost_seen_new(test, n);
	for (i = 0; i < n; i++) {
		snprintf(g, sizeof(g), "232.%u.%u.%u", 1 + (i >> 16),
			 (i >> 8) & 0xff, i & 0xff);
		mchost_joined(test, f, g, EX, NULL);
	}
	mchost_fake_link(f, false);
	mchost_fake_link(f, true);
	mchost_fake_run_ms(f, 1000);
	pkts = mchost_fake_drain(f, seen, n);
	/* One report left part-filled where the first firing stopped. */
	KUNIT_EXPECT_GE(test, pkts, 68U);
	KUNIT_EXPECT_LE(test, pkts, 69U);
	KUNIT_EXPECT_EQ(test, f->budget_outs, 1U);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, seen[i], 1, "group %u", i);
}

/*
 * In a batch (a JOIN of many memberships) the first transmissions wait for
 * its end, then go out together like the retransmissions after them.
 */
static void mchost_engine_batch(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);

	f->md.batching = true;
	mchost_fake_join(f, L->g1, EX, NULL);
	mchost_fake_join(f, L->g2, IN, L->s1);
	KUNIT_EXPECT_EQ(test, mchost_fake_queued(f), 0U);
	KUNIT_EXPECT_EQ(test, f->md.next, f->now);
	f->md.batching = false;
	mchost_fake_run_ms(f, 10000);
	/* Both due at once: in one report each time. */
	mchost_expect_pair(test, f, 0, L->g1, L->g2, L->s1);
}

/*
 * RFC 9776 §5.1 retransmits a report at a random interval: the records
 * sent together in one firing (a batch's) are retransmitted together, by
 * one draw; a join outside a batch, sent at once, draws its own.
 */
static void mchost_engine_batch_rtx(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);
	struct mchost_group *g1, *g2;

	f->rand = MCHOST_FAKE_RAND_CYCLE;
	f->window_ms = 0;
	f->md.batching = true;
	g1 = mchost_fake_join(f, L->g1, EX, NULL);
	g2 = mchost_fake_join(f, L->g2, IN, L->s1);
	f->md.batching = false;
	KUNIT_EXPECT_EQ(test, f->rand_calls, 0U);
	mchost_fake_run_ms(f, 10);
	/* One draw, the first of the cycle: 1 + 999 / 4 ms. */
	KUNIT_EXPECT_EQ(test, f->rand_calls, 1U);
	KUNIT_EXPECT_EQ(test, ktime_ms_delta(g1->st->rtx_at, f->now), 240);
	KUNIT_EXPECT_EQ(test, ktime_ms_delta(g2->st->rtx_at, f->now), 240);
	mchost_fake_join(f, L->g3, EX, NULL);
	KUNIT_EXPECT_EQ(test, f->rand_calls, 2U);
	mchost_fake_run_ms(f, 2000);
	mchost_expect(test, f, 0, "%s v3 ALLOW %s (%s) TO_EX %s ()", L->v3dst,
		      L->g2, L->s1, L->g1);
	mchost_expect(test, f, 10, "%s v3 TO_EX %s ()", L->v3dst, L->g3);
	mchost_expect(test, f, 250, "%s v3 ALLOW %s (%s) TO_EX %s ()",
		      L->v3dst, L->g2, L->s1, L->g1);
	mchost_expect(test, f, 510, "%s v3 TO_EX %s ()", L->v3dst, L->g3);
	mchost_expect_none(test, f);
}

/*
 * A firing looks only at groups it may serve: with retransmissions spread
 * over the next second (a join every 10 ms, sent at once), the deadlines
 * inside the 1 s window but more than a quarter interval away are not
 * walked: each group is looked at once, for its retransmission.
 */
static void mchost_engine_fire_walk(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);
	unsigned int n = 100, i;
	char g[INET6_ADDRSTRLEN + 1];
	u16 *seen;

	seen = mchost_seen_new(test, n);
	for (i = 0; i < n; i++) {
		mchost_nth_group(test, i, g, sizeof(g));
		mchost_fake_join(f, g, EX, NULL);
		mchost_fake_run_ms(f, 10);
	}
	mchost_fake_run_ms(f, 10000);
	mchost_fake_drain(f, seen, n);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, seen[i], 2, "group %u", i);
	KUNIT_EXPECT_EQ(test, f->md.fire_visits, n);
	KUNIT_EXPECT_EQ(test, f->md.tq_slack, 0);
}

/*
 * A membership's pending state (group.h) lives only while something is
 * pending: it is freed after the retransmissions of a change (a packed
 * change's source lists only once its records went out), after a query's
 * response, and when another host's v1/v2 report suppresses ours.
 */
static void mchost_engine_pending_state(struct kunit *test)
{
	struct mchost_fake *f = mchost_fake_new(test);
	struct mchost_group_timers t;
	struct mchost_group *g1, *g2;

	g1 = mchost_fake_join(f, L->g1, EX, NULL);
	KUNIT_ASSERT_NOT_NULL(test, g1->st);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 0, "%s v3 TO_EX %s ()", L->v3dst, L->g1);
	mchost_expect(test, f, 1000, "%s v3 TO_EX %s ()", L->v3dst, L->g1);
	KUNIT_EXPECT_NULL(test, g1->st);
	mchost_proto_group_timers(g1, f->now, &t);
	KUNIT_EXPECT_EQ(test, t.rtx_left, 0);
	KUNIT_EXPECT_EQ(test, t.next_ms, U32_MAX);
	KUNIT_EXPECT_EQ(test, t.last_ms, 9000U);

	/* Two source-list changes, retransmitted in one report. */
	mchost_fake_join(f, L->g1, EX, L->s2);
	g2 = mchost_fake_join(f, L->g2, IN, L->s1);
	KUNIT_ASSERT_NOT_NULL(test, g1->st);
	KUNIT_ASSERT_NOT_NULL(test, g2->st);
	KUNIT_EXPECT_NOT_NULL(test, g1->st->rtx.block);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 10000, "%s v3 BLOCK %s (%s)", L->v3dst, L->g1,
		      L->s2);
	mchost_expect(test, f, 10000, "%s v3 ALLOW %s (%s)", L->v3dst, L->g2,
		      L->s1);
	mchost_expect(test, f, 11000, "%s v3 ALLOW %s (%s) BLOCK %s (%s)",
		      L->v3dst, L->g2, L->s1, L->g1, L->s2);
	KUNIT_EXPECT_NULL(test, g1->st);
	KUNIT_EXPECT_NULL(test, g2->st);

	/* A group-and-source query's pending sources. */
	mchost_q3(test, f, L->g2, mchost_two(test, L->s1, L->s3), 2000);
	KUNIT_ASSERT_NOT_NULL(test, g2->st);
	KUNIT_EXPECT_NOT_NULL(test, g2->st->pend);
	KUNIT_EXPECT_NULL(test, g1->st);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 22000, "%s v3 IS_IN %s (%s)", L->v3dst, L->g2,
		      L->s1);
	KUNIT_EXPECT_NULL(test, g2->st);

	/* v1/v2 delay timers; another member's report ends g1's. */
	mchost_set_version_cap(f, L->fam, L->old);
	mchost_q2(test, f, "", 5000);
	KUNIT_EXPECT_NOT_NULL(test, g1->st);
	KUNIT_EXPECT_NOT_NULL(test, g2->st);
	mchost_fake_report(f, L->g1, 2);
	KUNIT_EXPECT_NULL(test, g1->st);
	mchost_fake_run_ms(f, 10000);
	mchost_expect(test, f, 35000, "%s v2-report %s", L->g2, L->g2);
	mchost_expect_none(test, f);
	KUNIT_EXPECT_NULL(test, g2->st);
}

static struct kunit_case mchost_engine_cases[] = {
	KUNIT_CASE_PARAM(mchost_engine_join_include, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_join_exclude, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_leave, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_change_include, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_change_exclude, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_change_merged, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_change_merge_rv3, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_change_undo, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_change_undo_kept, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_change_mode, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_robustness, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_querier_qrv, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_general, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_general_now, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_general_replaced, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_rule1, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_group_query, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_gsr_include, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_gsr_exclude, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_gsr_empty, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_gsr_merge, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_gsr_then_group, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_gsr_ratelimit, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_gsr_flood, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_gsr_too_many, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_compat_v2, mchost_fam_gen_params),
	KUNIT_CASE(mchost_engine_compat_v1),
	KUNIT_CASE_PARAM(mchost_engine_compat_cancels, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_v2_join_leave, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_v2_leave_pending, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_v2_suppression, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_v3_no_suppression, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_v2_delay_shortened, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_v2_delay_rule, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_caps, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_settings, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_timers, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_link, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_coalesce, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_coalesce_off, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_not_oper, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_alloc_fail, mchost_fam_gen_params),
	KUNIT_CASE(mchost_engine_split_truncate),
	KUNIT_CASE_PARAM(mchost_engine_general_budget, mchost_fam_gen_params),
	KUNIT_CASE(mchost_engine_general_resume),
	KUNIT_CASE_PARAM(mchost_engine_change_packed, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_fire_walk, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_pending_state, mchost_fam_gen_params),
	KUNIT_CASE(mchost_engine_change_packed_budget),
	KUNIT_CASE_PARAM(mchost_engine_batch, mchost_fam_gen_params),
	KUNIT_CASE_PARAM(mchost_engine_batch_rtx, mchost_fam_gen_params),
	{}
};

static struct kunit_suite mchost_engine_suite = {
	.name = "mchost_engine",
	.test_cases = mchost_engine_cases,
};

kunit_test_suite(mchost_engine_suite);
