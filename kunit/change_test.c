// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the state-change records and their retransmission
 * (module/change.c) against RFC 9776 §5.1 and RFC 9777 §6.1.
 */

#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/mchost.h>
#include <net/ipv6.h>

#include "change.h"
#include "mchost_test.h"

#define INC	MCHOST_FMODE_INCLUDE
#define EXC	MCHOST_FMODE_EXCLUDE

#define TO_IN	MCHOST_REC_TO_IN
#define TO_EX	MCHOST_REC_TO_EX
#define ALLOW	MCHOST_REC_ALLOW
#define BLOCK	MCHOST_REC_BLOCK

#define S1	"10.0.0.1 "
#define S2	"10.0.0.2 "
#define S3	"10.0.0.3 "
#define S4	"10.0.0.4 "
#define S6	"2001:db8::6 "

#define GROUP	"239.1.2.3"

/* The state of one group as a test drives it. */
struct mchost_test_grp {
	struct mchost_rtx *rtx;
	struct mchost_filter cur;
	struct in6_addr group;
	unsigned int rv;
};

static void mchost_test_clear(void *rtx)
{
	mchost_change_clear(rtx);
}

/*
 * A group with nothing pending, in INCLUDE {} (no state); its rtx lives
 * until the test ends and is cleared then, whatever the test left in it.
 */
static struct mchost_test_grp *mchost_test_grp(struct kunit *test,
					       unsigned int rv)
{
	struct mchost_test_grp *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, g);
	g->rtx = kunit_kzalloc(test, sizeof(*g->rtx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, g->rtx);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   mchost_test_clear,
							   g->rtx));
	g->cur.mode = INC;
	g->rv = rv;
	mchost_test_pton(test, GROUP, &g->group);
	return g;
}

/* Move the group to mode/addrs and merge the change; the old sets stay. */
static int mchost_test_change(struct kunit *test, struct mchost_test_grp *g,
			      u8 mode, const char *addrs)
{
	struct mchost_filter new = {
		.mode = mode, .src = mchost_test_set_or_null(test, addrs),
	};
	int err;

	err = mchost_change_merge(g->rtx, &g->cur, &new, g->rv, GFP_KERNEL);
	if (!err)
		g->cur = new;
	return err;
}

static void mchost_test_expect_rec(struct kunit *test,
				   const struct mchost_test_grp *g,
				   const struct mchost_rec *rec, u8 type,
				   const char *addrs)
{
	const struct mchost_slist *want = mchost_test_set_or_null(test, addrs);

	KUNIT_EXPECT_EQ(test, rec->type, type);
	KUNIT_EXPECT_TRUE(test, ipv6_addr_equal(&rec->group, &g->group));
	KUNIT_EXPECT_TRUE_MSG(test, mchost_slist_equal(rec->src, want),
			      "type %u: %u sources, want %u (%s)", type,
			      mchost_slist_nr(rec->src), mchost_slist_nr(want),
			      addrs);
	/* TO_IN/TO_EX show the current state, ALLOW/BLOCK the pending lists. */
	if (type == TO_IN || type == TO_EX)
		KUNIT_EXPECT_PTR_EQ(test, rec->src, g->cur.src);
	else if (type == ALLOW)
		KUNIT_EXPECT_PTR_EQ(test, rec->src, g->rtx->allow);
	else
		KUNIT_EXPECT_PTR_EQ(test, rec->src, g->rtx->block);
}

/*
 * The next transmission is times identical ones of up to two records;
 * type 0 is no record.
 */
static void mchost_test_tx(struct kunit *test, struct mchost_test_grp *g,
			   unsigned int times, u8 t0, const char *s0, u8 t1,
			   const char *s1)
{
	unsigned int want = !!t0 + !!t1, i;
	struct mchost_rec out[2];

	for (i = 0; i < times; i++) {
		KUNIT_ASSERT_TRUE(test, mchost_change_pending(g->rtx));
		KUNIT_ASSERT_EQ_MSG(test, want,
				    mchost_change_next(g->rtx, &g->cur,
						       &g->group, out),
				    "transmission %u of %u", i + 1, times);
		if (t0)
			mchost_test_expect_rec(test, g, &out[0], t0, s0);
		if (t1)
			mchost_test_expect_rec(test, g, &out[1], t1, s1);
	}
}

/* Field by field: a struct copy need not copy the padding. */
static void mchost_test_expect_rtx(struct kunit *test,
				   const struct mchost_rtx *got,
				   const struct mchost_rtx *want)
{
	KUNIT_EXPECT_EQ(test, got->mode_cnt, want->mode_cnt);
	KUNIT_EXPECT_EQ(test, got->src_cnt, want->src_cnt);
	KUNIT_EXPECT_PTR_EQ(test, got->allow, want->allow);
	KUNIT_EXPECT_PTR_EQ(test, got->block, want->block);
	KUNIT_EXPECT_PTR_EQ(test, got->cnt, want->cnt);
}

/*
 * The transmissions source addr (one literal, as S1) has left in the
 * pending lists, and in which: ALLOW or BLOCK; 0 (type 0) when not pending.
 */
static unsigned int mchost_test_cnt(struct kunit *test,
				    const struct mchost_test_grp *g,
				    const char *addr, u8 *type)
{
	const struct mchost_rtx *rtx = g->rtx;
	unsigned int na = mchost_slist_nr(rtx->allow), i;
	struct in6_addr a;
	char lit[48];

	KUNIT_ASSERT_TRUE(test, mchost_test_word(test, &addr, lit,
						 sizeof(lit)));
	mchost_test_pton(test, lit, &a);
	*type = 0;
	for (i = 0; i < na; i++)
		if (ipv6_addr_equal(&rtx->allow->addr[i], &a)) {
			*type = ALLOW;
			return rtx->cnt[i];
		}
	for (i = 0; i < mchost_slist_nr(rtx->block); i++)
		if (ipv6_addr_equal(&rtx->block->addr[i], &a)) {
			*type = BLOCK;
			return rtx->cnt[na + i];
		}
	return 0;
}

/* Source addr is pending in the type list with cnt transmissions left. */
static void mchost_test_expect_cnt(struct kunit *test,
				   const struct mchost_test_grp *g,
				   const char *addr, u8 type, unsigned int cnt)
{
	unsigned int got;
	u8 got_type;

	got = mchost_test_cnt(test, g, addr, &got_type);
	KUNIT_EXPECT_EQ_MSG(test, got_type, type, "list of %s", addr);
	KUNIT_EXPECT_EQ_MSG(test, got, cnt, "count of %s", addr);
}

/* Nothing left: no record, and the spent lists are gone. */
static void mchost_test_done(struct kunit *test, struct mchost_test_grp *g)
{
	struct mchost_rec out[2];

	KUNIT_EXPECT_FALSE(test, mchost_change_pending(g->rtx));
	KUNIT_EXPECT_EQ(test, 0U,
			mchost_change_next(g->rtx, &g->cur, &g->group, out));
	KUNIT_EXPECT_NULL(test, g->rtx->allow);
	KUNIT_EXPECT_NULL(test, g->rtx->block);
	KUNIT_EXPECT_NULL(test, g->rtx->cnt);
	KUNIT_EXPECT_EQ(test, 0U,
			mchost_change_next(g->rtx, &g->cur, &g->group, out));
}

/* RFC 9776 §5.1 Table 3, one row per test: INCLUDE(A) -> INCLUDE(B). */
static void mchost_change_test_in_to_in(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 2);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1 S2 S6));
	mchost_test_tx(test, g, 2, ALLOW, S1 S2 S6, 0, NULL);
	mchost_test_done(test, g);

	/* ALLOW(B - A), BLOCK(A - B) */
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S2 S3 S4));
	mchost_test_tx(test, g, 2, ALLOW, S3 S4, BLOCK, S1 S6);
	mchost_test_done(test, g);
}

/* EXCLUDE(A) -> EXCLUDE(B): ALLOW(A - B), BLOCK(B - A). */
static void mchost_change_test_ex_to_ex(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 2);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S1 S2 S6));
	mchost_test_tx(test, g, 2, TO_EX, S1 S2 S6, 0, NULL);
	mchost_test_done(test, g);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S2 S3));
	mchost_test_tx(test, g, 2, ALLOW, S1 S6, BLOCK, S3);
	mchost_test_done(test, g);

	/* Only a removal from the EXCLUDE list: no BLOCK record at all. */
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S3));
	mchost_test_tx(test, g, 2, ALLOW, S2, 0, NULL);
	mchost_test_done(test, g);
}

/* INCLUDE(A) -> EXCLUDE(B): TO_EX(B). */
static void mchost_change_test_in_to_ex(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 2);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1 S2));
	mchost_test_tx(test, g, 2, ALLOW, S1 S2, 0, NULL);
	mchost_test_done(test, g);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S2 S3));
	mchost_test_tx(test, g, 2, TO_EX, S2 S3, 0, NULL);
	mchost_test_done(test, g);
}

/* EXCLUDE(A) -> INCLUDE(B): TO_IN(B). */
static void mchost_change_test_ex_to_in(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 2);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S1));
	mchost_test_tx(test, g, 2, TO_EX, S1, 0, NULL);
	mchost_test_done(test, g);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1 S6));
	mchost_test_tx(test, g, 2, TO_IN, S1 S6, 0, NULL);
	mchost_test_done(test, g);
}

/*
 * A join is INCLUDE {} -> new (RFC 9776 §5.1), sent [Robustness Variable]
 * times in all: the first report and RV - 1 retransmissions.
 */
static void mchost_change_test_join_include(struct kunit *test)
{
	unsigned int rv;

	for (rv = 2; rv <= 3; rv++) {
		struct mchost_test_grp *g = mchost_test_grp(test, rv);

		KUNIT_ASSERT_EQ(test, 0,
				mchost_test_change(test, g, INC, S1 S2));
		mchost_test_tx(test, g, rv, ALLOW, S1 S2, 0, NULL);
		mchost_test_done(test, g);
	}
}

static void mchost_change_test_join_exclude(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 2);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S3));
	mchost_test_tx(test, g, 2, TO_EX, S3, 0, NULL);
	mchost_test_done(test, g);
}

/* A leave is old -> INCLUDE {}, retransmitted like any change. */
static void mchost_change_test_leave_include(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 3);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1));
	mchost_test_tx(test, g, 3, ALLOW, S1, 0, NULL);
	mchost_test_done(test, g);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, ""));
	mchost_test_tx(test, g, 3, BLOCK, S1, 0, NULL);
	mchost_test_done(test, g);
}

static void mchost_change_test_leave_exclude(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 2);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S1));
	mchost_test_tx(test, g, 2, TO_EX, S1, 0, NULL);
	mchost_test_done(test, g);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, ""));
	mchost_test_tx(test, g, 2, TO_IN, "", 0, NULL);
	mchost_test_done(test, g);
}

/*
 * The case the RFCs' per-source counters are for (RFC 9776 §5.1, RFC 9777
 * §6.1): INCLUDE {S1}, k transmissions of ALLOW {S1}, then INCLUDE
 * {S1, S2}. S2 gets [Robustness Variable] transmissions, S1 keeps the
 * RV - k it has left, and every report carries exactly the sources with a
 * count: ALLOW {S1, S2} RV - k times, then ALLOW {S2} k times.
 */
static void mchost_change_test_merge_per_source(struct kunit *test)
{
	unsigned int rv, k;

	for (rv = 2; rv <= 3; rv++) {
		for (k = 0; k <= rv; k++) {
			struct mchost_test_grp *g = mchost_test_grp(test, rv);

			kunit_info(test, "rv %u, k %u", rv, k);
			KUNIT_ASSERT_EQ(test, 0,
					mchost_test_change(test, g, INC, S1));
			mchost_test_tx(test, g, k, ALLOW, S1, 0, NULL);
			KUNIT_ASSERT_EQ(test, 0,
					mchost_test_change(test, g, INC, S1 S2));
			if (k < rv)
				mchost_test_expect_cnt(test, g, S1, ALLOW,
						       rv - k);
			mchost_test_expect_cnt(test, g, S2, ALLOW, rv);
			KUNIT_EXPECT_EQ(test, rv, g->rtx->src_cnt);
			mchost_test_tx(test, g, rv - k, ALLOW, S1 S2, 0, NULL);
			/* k == rv: S1 was done; only the change's own S2. */
			if (k == rv)
				mchost_test_tx(test, g, rv, ALLOW, S2, 0,
					       NULL);
			else
				mchost_test_tx(test, g, k, ALLOW, S2, 0, NULL);
			mchost_test_done(test, g);
		}
	}
}

/*
 * A source allowed and then blocked before its ALLOW was sent RV times
 * keeps only the record of its latest change (RFC 9776 §5.1 Table 4: a
 * source is in ALLOW or BLOCK by what the current state does with it),
 * with the new change's RV; S2, untouched, keeps what it had left.
 */
static void mchost_change_test_merge_allow_then_block(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 3);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1 S2));
	mchost_test_tx(test, g, 1, ALLOW, S1 S2, 0, NULL);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S2));
	KUNIT_EXPECT_TRUE(test, mchost_slist_equal(g->rtx->allow,
						   mchost_test_set(test, S2)));
	KUNIT_EXPECT_TRUE(test, mchost_slist_equal(g->rtx->block,
						   mchost_test_set(test, S1)));
	mchost_test_expect_cnt(test, g, S1, BLOCK, 3);
	mchost_test_expect_cnt(test, g, S2, ALLOW, 2);
	KUNIT_EXPECT_EQ(test, 0, g->rtx->mode_cnt);
	KUNIT_EXPECT_EQ(test, 3, g->rtx->src_cnt);
	mchost_test_tx(test, g, 2, ALLOW, S2, BLOCK, S1);
	mchost_test_tx(test, g, 1, BLOCK, S1, 0, NULL);
	mchost_test_done(test, g);
}

/*
 * The reverse: blocked, then allowed again before its BLOCK was sent RV
 * times. In INCLUDE mode (a source dropped and added back) and in EXCLUDE
 * mode (a source excluded and let in again).
 */
static void mchost_change_test_merge_block_then_allow(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 3);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1 S2));
	mchost_test_tx(test, g, 3, ALLOW, S1 S2, 0, NULL);
	mchost_test_done(test, g);
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S2));
	mchost_test_tx(test, g, 2, BLOCK, S1, 0, NULL);
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1 S2));
	KUNIT_EXPECT_NULL(test, g->rtx->block);
	mchost_test_expect_cnt(test, g, S1, ALLOW, 3);
	mchost_test_tx(test, g, 3, ALLOW, S1, 0, NULL);
	mchost_test_done(test, g);

	g = mchost_test_grp(test, 2);
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, ""));
	mchost_test_tx(test, g, 2, TO_EX, "", 0, NULL);
	mchost_test_done(test, g);
	/* EXCLUDE {} -> EXCLUDE {S1, S3}: BLOCK {S1, S3}. */
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S1 S3));
	mchost_test_tx(test, g, 1, BLOCK, S1 S3, 0, NULL);
	/* EXCLUDE {S1, S3} -> EXCLUDE {S3}: S1 moves to ALLOW with RV. */
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S3));
	mchost_test_expect_cnt(test, g, S1, ALLOW, 2);
	mchost_test_expect_cnt(test, g, S3, BLOCK, 1);
	mchost_test_tx(test, g, 1, ALLOW, S1, BLOCK, S3);
	mchost_test_tx(test, g, 1, ALLOW, S1, 0, NULL);
	mchost_test_done(test, g);
}

/* Two source additions: each source keeps its own count. */
static void mchost_change_test_merge_allows_accumulate(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 3);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1));
	mchost_test_tx(test, g, 2, ALLOW, S1, 0, NULL);

	/* S1 has its last transmission left, S2 all 3. */
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1 S2));
	mchost_test_tx(test, g, 1, ALLOW, S1 S2, 0, NULL);
	mchost_test_tx(test, g, 2, ALLOW, S2, 0, NULL);
	mchost_test_done(test, g);
}

/* A source change after the last transmission starts from nothing. */
static void mchost_change_test_merge_after_done(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 2);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1));
	mchost_test_tx(test, g, 2, ALLOW, S1, 0, NULL);
	/* Spent but not freed yet: the last records may still be in use. */
	KUNIT_EXPECT_FALSE(test, mchost_change_pending(g->rtx));
	KUNIT_EXPECT_NOT_NULL(test, g->rtx->allow);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1 S2));
	mchost_test_tx(test, g, 2, ALLOW, S2, 0, NULL);
	mchost_test_done(test, g);
}

/*
 * Sources leave the lists as their counts run out, one by one, and the
 * records of the transmission that spent them stay intact until the next
 * call on the rtx.
 */
static void mchost_change_test_merge_staggered(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 3);
	const struct mchost_slist *allow;
	struct mchost_rec out[2];

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1));
	mchost_test_tx(test, g, 1, ALLOW, S1, 0, NULL);
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1 S2));
	mchost_test_tx(test, g, 1, ALLOW, S1 S2, 0, NULL);
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1 S2 S3));
	mchost_test_expect_cnt(test, g, S1, ALLOW, 1);
	mchost_test_expect_cnt(test, g, S2, ALLOW, 2);
	mchost_test_expect_cnt(test, g, S3, ALLOW, 3);

	/* S1's last: the record still lists it after the call. */
	KUNIT_ASSERT_EQ(test, 1U, mchost_change_next(g->rtx, &g->cur,
						     &g->group, out));
	allow = out[0].src;
	KUNIT_EXPECT_TRUE(test, mchost_slist_equal(allow,
						   mchost_test_set(test,
								   S1 S2 S3)));
	mchost_test_expect_cnt(test, g, S1, ALLOW, 0);
	/* The next call drops it, in place. */
	mchost_test_tx(test, g, 1, ALLOW, S2 S3, 0, NULL);
	KUNIT_EXPECT_PTR_EQ(test, g->rtx->allow, allow);
	mchost_test_tx(test, g, 1, ALLOW, S3, 0, NULL);
	mchost_test_done(test, g);
}

/*
 * A filter-mode change while sources are pending: its TO_EX records
 * restate every source, so the per-source state ends (RFC 9776 §5.1: the
 * merged report terminates the earlier retransmissions; see change.c).
 */
static void mchost_change_test_merge_mode_supersedes(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 2);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1 S2));
	mchost_test_tx(test, g, 1, ALLOW, S1 S2, 0, NULL);
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S2 S3));
	/* S2 goes with its last transmission, S3 and S1 with their first. */
	mchost_test_tx(test, g, 1, ALLOW, S2 S3, BLOCK, S1);
	mchost_test_expect_cnt(test, g, S1, BLOCK, 1);
	mchost_test_expect_cnt(test, g, S3, ALLOW, 1);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S4));
	KUNIT_EXPECT_EQ(test, 2, g->rtx->mode_cnt);
	KUNIT_EXPECT_EQ(test, 0, g->rtx->src_cnt);
	KUNIT_EXPECT_NULL(test, g->rtx->allow);
	KUNIT_EXPECT_NULL(test, g->rtx->block);
	KUNIT_EXPECT_NULL(test, g->rtx->cnt);
	mchost_test_tx(test, g, 2, TO_EX, S4, 0, NULL);
	mchost_test_done(test, g);

	/*
	 * Also when a source had more left than the mode change's RV (the
	 * RV dropped): the TO_IN records carry it, nothing follows them.
	 */
	g->rv = 4;
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S1 S4));
	mchost_test_tx(test, g, 1, BLOCK, S1, 0, NULL);
	g->rv = 2;
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S2));
	mchost_test_tx(test, g, 2, TO_IN, S2, 0, NULL);
	mchost_test_done(test, g);
}

/*
 * A source change while mode records are pending: TO_EX of the current
 * state until the mode count is spent, each counting for the pending
 * sources too, then what is left of the source change's own [Robustness
 * Variable] as BLOCK (RFC 9776 §5.1, RFC 9777 §6.1: "this applies even if
 * any number of source-list changes occur in that period").
 */
static void mchost_change_test_merge_source_during_mode(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 3);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S3));
	mchost_test_tx(test, g, 1, TO_EX, S3, 0, NULL);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S3 S4));
	mchost_test_expect_cnt(test, g, S4, BLOCK, 3);
	mchost_test_tx(test, g, 2, TO_EX, S3 S4, 0, NULL);
	mchost_test_tx(test, g, 1, BLOCK, S4, 0, NULL);
	mchost_test_done(test, g);
}

/*
 * Several source changes during the mode records, each source with its
 * own count: S4 blocked after one TO_EX, S2 after two.
 */
static void mchost_change_test_merge_sources_during_mode(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 3);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S3));
	mchost_test_tx(test, g, 1, TO_EX, S3, 0, NULL);
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S3 S4));
	mchost_test_tx(test, g, 1, TO_EX, S3 S4, 0, NULL);
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S2 S3 S4));
	mchost_test_expect_cnt(test, g, S4, BLOCK, 2);
	mchost_test_expect_cnt(test, g, S2, BLOCK, 3);
	mchost_test_tx(test, g, 1, TO_EX, S2 S3 S4, 0, NULL);
	KUNIT_EXPECT_EQ(test, 0, g->rtx->mode_cnt);
	mchost_test_tx(test, g, 1, BLOCK, S2 S4, 0, NULL);
	mchost_test_tx(test, g, 1, BLOCK, S2, 0, NULL);
	mchost_test_done(test, g);

	/*
	 * S2 allowed during the TO_IN records and S1 blocked after them: S2
	 * counts from its change, the TO_IN included.
	 */
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1));
	mchost_test_tx(test, g, 2, TO_IN, S1, 0, NULL);
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1 S2));
	mchost_test_tx(test, g, 1, TO_IN, S1 S2, 0, NULL);
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S2));
	mchost_test_expect_cnt(test, g, S1, BLOCK, 3);
	mchost_test_expect_cnt(test, g, S2, ALLOW, 2);
	mchost_test_tx(test, g, 2, ALLOW, S2, BLOCK, S1);
	mchost_test_tx(test, g, 1, BLOCK, S1, 0, NULL);
	mchost_test_done(test, g);
}

/* The same with the mode counter already at its last transmission. */
static void mchost_change_test_merge_source_mode_last(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 2);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1));
	mchost_test_tx(test, g, 2, ALLOW, S1, 0, NULL);
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, ""));
	mchost_test_tx(test, g, 1, TO_EX, "", 0, NULL);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S2 S6));
	mchost_test_tx(test, g, 1, TO_EX, S2 S6, 0, NULL);
	mchost_test_tx(test, g, 1, BLOCK, S2 S6, 0, NULL);
	mchost_test_done(test, g);
}

/*
 * A source change with a smaller RV during mode records (a querier's QRV
 * dropped): the TO_EX records owed carry the source beyond its own count,
 * as they carry the whole state; nothing is left for a BLOCK.
 */
static void mchost_change_test_merge_source_mode_rv_drops(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 3);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S3));
	mchost_test_tx(test, g, 1, TO_EX, S3, 0, NULL);
	g->rv = 1;
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S3 S4));
	mchost_test_expect_cnt(test, g, S4, BLOCK, 1);
	KUNIT_EXPECT_EQ(test, 2, g->rtx->mode_cnt);
	mchost_test_tx(test, g, 2, TO_EX, S3 S4, 0, NULL);
	mchost_test_done(test, g);
}

/*
 * The Robustness Variable changes between source changes (a querier's
 * QRV): each source keeps the count it was given, RFC 9776 §5.1. Found by
 * the "change" fuzz target with the single counter of old, which cut
 * S1's transmissions when RV dropped.
 */
static void mchost_change_test_merge_rv_drops(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 4);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1));
	mchost_test_tx(test, g, 1, ALLOW, S1, 0, NULL);
	g->rv = 1;
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1 S2));
	/* S1 has 3 of its 4 transmissions left; S2 gets the new RV, 1. */
	mchost_test_expect_cnt(test, g, S1, ALLOW, 3);
	mchost_test_expect_cnt(test, g, S2, ALLOW, 1);
	KUNIT_EXPECT_EQ(test, 3, g->rtx->src_cnt);
	mchost_test_tx(test, g, 1, ALLOW, S1 S2, 0, NULL);
	mchost_test_tx(test, g, 2, ALLOW, S1, 0, NULL);
	mchost_test_done(test, g);

	/*
	 * A source that moves takes the RV of its move, even if smaller than
	 * what it had: S3 allowed with 4, blocked with 1.
	 */
	g->rv = 4;
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1 S2 S3));
	mchost_test_tx(test, g, 1, ALLOW, S3, 0, NULL);
	g->rv = 1;
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1 S2));
	mchost_test_expect_cnt(test, g, S3, BLOCK, 1);
	KUNIT_EXPECT_EQ(test, 1, g->rtx->src_cnt);
	mchost_test_tx(test, g, 1, BLOCK, S3, 0, NULL);
	mchost_test_done(test, g);
}

/* A larger RV: the new sources get it, the older ones keep theirs. */
static void mchost_change_test_merge_rv_rises(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 3);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1 S2));
	mchost_test_tx(test, g, 3, ALLOW, S1 S2, 0, NULL);
	mchost_test_done(test, g);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S2));
	mchost_test_tx(test, g, 1, BLOCK, S1, 0, NULL);
	g->rv = 5;
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S2 S3));
	mchost_test_expect_cnt(test, g, S1, BLOCK, 2);
	mchost_test_expect_cnt(test, g, S3, ALLOW, 5);
	KUNIT_EXPECT_EQ(test, 5, g->rtx->src_cnt);
	mchost_test_tx(test, g, 2, ALLOW, S3, BLOCK, S1);
	mchost_test_tx(test, g, 3, ALLOW, S3, 0, NULL);
	mchost_test_done(test, g);
}

/* A change that changes nothing leaves the rtx as it was. */
static void mchost_change_test_no_change(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 2);
	struct mchost_rtx before;

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, ""));
	mchost_test_done(test, g);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S1));
	mchost_test_tx(test, g, 1, TO_EX, S1, 0, NULL);
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S1 S2));
	before = *g->rtx;
	/* Equal sets in other memory. */
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S2 S1));
	mchost_test_expect_rtx(test, g->rtx, &before);
	mchost_test_expect_cnt(test, g, S2, BLOCK, 2);
	mchost_test_tx(test, g, 1, TO_EX, S1 S2, 0, NULL);
	mchost_test_tx(test, g, 1, BLOCK, S2, 0, NULL);

	/* Also once everything is spent, the lists not yet freed. */
	before = *g->rtx;
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, S1 S2));
	mchost_test_expect_rtx(test, g->rtx, &before);
	mchost_test_done(test, g);
}

/* RV 1: the first report is the only one; RV 0 is taken as 1. */
static void mchost_change_test_rv_one(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 1);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1));
	mchost_test_tx(test, g, 1, ALLOW, S1, 0, NULL);
	mchost_test_done(test, g);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, EXC, ""));
	mchost_test_tx(test, g, 1, TO_EX, "", 0, NULL);
	mchost_test_done(test, g);

	g->rv = 0;
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, ""));
	mchost_test_tx(test, g, 1, TO_IN, "", 0, NULL);
	mchost_test_done(test, g);
}

/* clear() drops whatever is pending. */
static void mchost_change_test_clear(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 2);

	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S1 S2));
	KUNIT_ASSERT_EQ(test, 0, mchost_test_change(test, g, INC, S2));
	KUNIT_EXPECT_NOT_NULL(test, g->rtx->allow);
	KUNIT_EXPECT_NOT_NULL(test, g->rtx->block);
	KUNIT_EXPECT_NOT_NULL(test, g->rtx->cnt);
	mchost_change_clear(g->rtx);
	KUNIT_EXPECT_NULL(test, g->rtx->allow);
	KUNIT_EXPECT_NULL(test, g->rtx->block);
	KUNIT_EXPECT_NULL(test, g->rtx->cnt);
	mchost_test_done(test, g);
}

/*
 * A failed merge changes nothing. The allocator refuses sets of more than
 * U16_MAX addresses, so a pending BLOCK list that would grow past that is
 * a failure the test can cause at will.
 */
static void mchost_change_test_enomem(struct kunit *test)
{
	struct mchost_test_grp *g = mchost_test_grp(test, 2);
	struct mchost_slist *x = mchost_test_range(test, 0x10000, 40000);
	struct mchost_slist *y = mchost_test_range(test, 0x20000, 30000);
	struct mchost_slist *z = mchost_test_range(test, 0x30000, 30000);
	struct mchost_filter fx = { INC, x }, fy = { INC, y }, fz = { INC, z };
	struct mchost_filter empty = { INC, NULL };
	struct mchost_rec out[2];
	struct mchost_rtx before;

	KUNIT_ASSERT_EQ(test, 0, mchost_change_merge(g->rtx, &empty, &fx, 2,
						     GFP_KERNEL));
	KUNIT_ASSERT_EQ(test, 0, mchost_change_merge(g->rtx, &fx, &fy, 2,
						     GFP_KERNEL));
	KUNIT_ASSERT_TRUE(test, mchost_slist_equal(g->rtx->allow, y));
	KUNIT_ASSERT_TRUE(test, mchost_slist_equal(g->rtx->block, x));
	KUNIT_ASSERT_EQ(test, 2U, mchost_change_next(g->rtx, &fy, &g->group,
						     out));

	/* BLOCK would be x | y, 70000 sources, each with 1 or 2 to go. */
	before = *g->rtx;
	KUNIT_EXPECT_EQ(test, -ENOMEM,
			mchost_change_merge(g->rtx, &fy, &fz, 2, GFP_KERNEL));
	mchost_test_expect_rtx(test, g->rtx, &before);
	KUNIT_EXPECT_TRUE(test, mchost_slist_equal(g->rtx->allow, y));
	KUNIT_EXPECT_TRUE(test, mchost_slist_equal(g->rtx->block, x));
	KUNIT_EXPECT_EQ(test, 1, g->rtx->cnt[0]);
	KUNIT_EXPECT_EQ(test, 1, g->rtx->cnt[30000 + 39999]);

	/* The same change once the old lists are spent fits. */
	KUNIT_ASSERT_EQ(test, 2U, mchost_change_next(g->rtx, &fy, &g->group,
						     out));
	KUNIT_EXPECT_FALSE(test, mchost_change_pending(g->rtx));
	KUNIT_EXPECT_EQ(test, 0,
			mchost_change_merge(g->rtx, &fy, &fz, 2, GFP_KERNEL));
	KUNIT_EXPECT_TRUE(test, mchost_slist_equal(g->rtx->allow, z));
	KUNIT_EXPECT_TRUE(test, mchost_slist_equal(g->rtx->block, y));
	KUNIT_EXPECT_EQ(test, 2, g->rtx->src_cnt);
	KUNIT_EXPECT_EQ(test, 2, g->rtx->cnt[0]);
	KUNIT_EXPECT_EQ(test, 2, g->rtx->cnt[30000 + 29999]);
}

static struct kunit_case mchost_change_cases[] = {
	KUNIT_CASE(mchost_change_test_in_to_in),
	KUNIT_CASE(mchost_change_test_ex_to_ex),
	KUNIT_CASE(mchost_change_test_in_to_ex),
	KUNIT_CASE(mchost_change_test_ex_to_in),
	KUNIT_CASE(mchost_change_test_join_include),
	KUNIT_CASE(mchost_change_test_join_exclude),
	KUNIT_CASE(mchost_change_test_leave_include),
	KUNIT_CASE(mchost_change_test_leave_exclude),
	KUNIT_CASE(mchost_change_test_merge_per_source),
	KUNIT_CASE(mchost_change_test_merge_allow_then_block),
	KUNIT_CASE(mchost_change_test_merge_block_then_allow),
	KUNIT_CASE(mchost_change_test_merge_allows_accumulate),
	KUNIT_CASE(mchost_change_test_merge_after_done),
	KUNIT_CASE(mchost_change_test_merge_staggered),
	KUNIT_CASE(mchost_change_test_merge_mode_supersedes),
	KUNIT_CASE(mchost_change_test_merge_source_during_mode),
	KUNIT_CASE(mchost_change_test_merge_sources_during_mode),
	KUNIT_CASE(mchost_change_test_merge_source_mode_last),
	KUNIT_CASE(mchost_change_test_merge_source_mode_rv_drops),
	KUNIT_CASE(mchost_change_test_merge_rv_drops),
	KUNIT_CASE(mchost_change_test_merge_rv_rises),
	KUNIT_CASE(mchost_change_test_no_change),
	KUNIT_CASE(mchost_change_test_rv_one),
	KUNIT_CASE(mchost_change_test_clear),
	KUNIT_CASE(mchost_change_test_enomem),
	{}
};

static struct kunit_suite mchost_change_suite = {
	.name = "mchost_change",
	.test_cases = mchost_change_cases,
};

kunit_test_suite(mchost_change_suite);
