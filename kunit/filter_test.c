// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the owners' filter merge (module/filter.c) against the
 * rules of RFC 9776 §3.2 and RFC 9777 §4.2.
 */

#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/mchost.h>
#include <linux/string.h>

#include "filter.h"
#include "mchost_test.h"

#define MCHOST_TEST_OWNERS	3

#define INC	MCHOST_FMODE_INCLUDE
#define EXC	MCHOST_FMODE_EXCLUDE

/*
 * Sources by Venn region of three owner lists A, B and C: R_AB is in A and
 * B but not C, and so on. Each region has an IPv4 and an IPv6 source so
 * that both families meet in one set.
 */
#define R_A	"10.0.0.1 2001:db8::1 "
#define R_B	"10.0.0.2 2001:db8::2 "
#define R_C	"10.0.0.3 2001:db8::3 "
#define R_AB	"10.0.0.12 2001:db8::12 "
#define R_AC	"10.0.0.13 2001:db8::13 "
#define R_BC	"10.0.0.23 2001:db8::23 "
#define R_ABC	"10.0.0.123 2001:db8::123 "

#define SET_A	(R_A R_AB R_AC R_ABC)
#define SET_B	(R_B R_AB R_BC R_ABC)
#define SET_C	(R_C R_AC R_BC R_ABC)
#define SET_AUB	(R_A R_B R_AB R_AC R_BC R_ABC)

/*
 * Checks a merge result: the mode, and the sources address by address.
 * An empty result must be NULL, never an allocated empty set.
 */
static void mchost_test_expect(struct kunit *test,
			       const struct mchost_filter *got, u8 mode,
			       const char *want)
{
	const struct mchost_slist *w = mchost_test_set(test, want);

	KUNIT_EXPECT_EQ(test, got->mode, mode);
	if (!mchost_slist_nr(w))
		KUNIT_EXPECT_NULL(test, got->src);
	else
		mchost_test_expect_same(test, got->src, w);
}

/* One owner's filter as literals; src NULL is a NULL set, "" an empty one. */
struct mchost_test_owner {
	u8 mode;
	const char *src;
};

/*
 * Merge n owners given as literals. On success the result is freed when
 * the test ends; on failure out must be untouched.
 */
static int mchost_test_merge(struct kunit *test,
			     const struct mchost_test_owner *own,
			     unsigned int n, unsigned int max,
			     struct mchost_filter *out)
{
	struct mchost_filter f[MCHOST_TEST_OWNERS];
	const struct mchost_filter *p[MCHOST_TEST_OWNERS];
	struct mchost_filter orig;
	unsigned int i;
	int err;

	KUNIT_ASSERT_LE(test, n, MCHOST_TEST_OWNERS);
	for (i = 0; i < n; i++) {
		f[i].mode = own[i].mode;
		f[i].src = mchost_test_set(test, own[i].src);
		p[i] = &f[i];
	}

	/* A poisoned out shows whether a failed merge wrote to it. */
	memset(out, 0x5a, sizeof(*out));
	orig = *out;
	err = mchost_filter_merge(p, n, max, out, GFP_KERNEL);
	if (err) {
		KUNIT_EXPECT_EQ(test, out->mode, orig.mode);
		KUNIT_EXPECT_PTR_EQ(test, out->src, orig.src);
		return err;
	}
	if (out->src)
		mchost_test_defer_free(test, out->src);
	/* The result is the caller's own: it shares nothing with the input. */
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_TRUE(test, !out->src || out->src != f[i].src);
	return 0;
}

/* The merge table, for every mode combination of two and three owners. */

struct mchost_merge_case {
	const char *desc;
	unsigned int n;
	struct mchost_test_owner own[MCHOST_TEST_OWNERS];
	u8 mode;
	const char *want;
};

static const struct mchost_merge_case mchost_merge_cases[] = {
	/* Two owners, A and B. */
	{
		"I(A) I(B): union", 2, { { INC, SET_A }, { INC, SET_B } },
		INC, SET_AUB
	},
	{
		"I(A) E(B): B - A", 2, { { INC, SET_A }, { EXC, SET_B } },
		EXC, R_B R_BC
	},
	{
		"E(A) I(B): A - B", 2, { { EXC, SET_A }, { INC, SET_B } },
		EXC, R_A R_AC
	},
	{
		"E(A) E(B): A & B", 2, { { EXC, SET_A }, { EXC, SET_B } },
		EXC, R_AB R_ABC
	},
	/* Three owners, A, B and C. */
	{
		"I(A) I(B) I(C): union", 3,
		{ { INC, SET_A }, { INC, SET_B }, { INC, SET_C } },
		INC, R_A R_B R_C R_AB R_AC R_BC R_ABC
	},
	{
		"I(A) I(B) E(C): C - (A | B)", 3,
		{ { INC, SET_A }, { INC, SET_B }, { EXC, SET_C } },
		EXC, R_C
	},
	{
		"I(A) E(B) I(C): B - (A | C)", 3,
		{ { INC, SET_A }, { EXC, SET_B }, { INC, SET_C } },
		EXC, R_B
	},
	{
		"I(A) E(B) E(C): (B & C) - A", 3,
		{ { INC, SET_A }, { EXC, SET_B }, { EXC, SET_C } },
		EXC, R_BC
	},
	{
		"E(A) I(B) I(C): A - (B | C)", 3,
		{ { EXC, SET_A }, { INC, SET_B }, { INC, SET_C } },
		EXC, R_A
	},
	{
		"E(A) I(B) E(C): (A & C) - B", 3,
		{ { EXC, SET_A }, { INC, SET_B }, { EXC, SET_C } },
		EXC, R_AC
	},
	{
		"E(A) E(B) I(C): (A & B) - C", 3,
		{ { EXC, SET_A }, { EXC, SET_B }, { INC, SET_C } },
		EXC, R_AB
	},
	{
		"E(A) E(B) E(C): A & B & C", 3,
		{ { EXC, SET_A }, { EXC, SET_B }, { EXC, SET_C } },
		EXC, R_ABC
	},
	/* Owners with empty lists; NULL and allocated-empty must agree. */
	{
		"I{} I(A)", 2, { { INC, "" }, { INC, SET_A } },
		INC, SET_A
	},
	{
		"I(NULL) I(A) I{}", 3, { { INC, NULL }, { INC, SET_A }, { INC, "" } },
		INC, SET_A
	},
	{
		"I{} E(A)", 2, { { INC, "" }, { EXC, SET_A } },
		EXC, SET_A
	},
	{
		"I{} I(NULL): INCLUDE {}", 2, { { INC, "" }, { INC, NULL } },
		INC, ""
	},
	/* EXCLUDE {} (any-source join) wins over every other owner. */
	{
		"E{} I(A) E(B): EXCLUDE {}", 3,
		{ { EXC, "" }, { INC, SET_A }, { EXC, SET_B } },
		EXC, ""
	},
	{
		"I(A) E(B) E(NULL): EXCLUDE {}", 3,
		{ { INC, SET_A }, { EXC, SET_B }, { EXC, NULL } },
		EXC, ""
	},
	{
		"E(A) I(A): EXCLUDE {}", 2, { { EXC, SET_A }, { INC, SET_A } },
		EXC, ""
	},
	/* One owner: its own filter, copied. */
	{
		"I(A) alone", 1, { { INC, SET_A } },
		INC, SET_A
	},
	{
		"E(A) alone", 1, { { EXC, SET_A } },
		EXC, SET_A
	},
	/* The smallest EXCLUDE list need not come first. */
	{
		"E(A|B) E(AB)", 2, { { EXC, SET_AUB }, { EXC, R_AB } },
		EXC, R_AB
	},
	{
		"E(A|B) I(A) E(AB|C)", 3,
		{ { EXC, SET_AUB }, { INC, R_A }, { EXC, R_AB R_C } },
		EXC, R_AB
	},
	{
		"E(A|B) I(10.0.0.12) E(AB|C)", 3,
		{ { EXC, SET_AUB }, { INC, "10.0.0.12" }, { EXC, R_AB R_C } },
		EXC, "2001:db8::12"
	},
};

KUNIT_ARRAY_PARAM_DESC(mchost_merge, mchost_merge_cases, desc);

static void mchost_filter_test_table(struct kunit *test)
{
	const struct mchost_merge_case *c = test->param_value;
	struct mchost_filter out;

	KUNIT_ASSERT_EQ(test, 0,
			mchost_test_merge(test, c->own, c->n, U16_MAX, &out));
	mchost_test_expect(test, &out, c->mode, c->want);
}

static void mchost_filter_test_none(struct kunit *test)
{
	struct mchost_filter out;

	KUNIT_ASSERT_EQ(test, 0, mchost_test_merge(test, NULL, 0, 0, &out));
	mchost_test_expect(test, &out, INC, "");
}

/*
 * The limit applies to the merged result: exactly max sources is fine, one
 * more is -E2BIG.
 */
static void mchost_filter_test_max(struct kunit *test)
{
	static const struct mchost_test_owner ii[] = {
		{ INC, SET_A }, { INC, SET_B },
	};
	static const struct mchost_test_owner ee[] = {
		{ EXC, SET_A }, { EXC, SET_B },
	};
	static const struct mchost_test_owner empty[] = {
		{ EXC, "" }, { INC, SET_A },
	};
	struct mchost_filter out;

	/* A | B has 12 sources. */
	KUNIT_ASSERT_EQ(test, 0, mchost_test_merge(test, ii, 2, 12, &out));
	mchost_test_expect(test, &out, INC, SET_AUB);
	KUNIT_EXPECT_EQ(test, -E2BIG, mchost_test_merge(test, ii, 2, 11, &out));

	/* A & B has 4. */
	KUNIT_ASSERT_EQ(test, 0, mchost_test_merge(test, ee, 2, 4, &out));
	mchost_test_expect(test, &out, EXC, R_AB R_ABC);
	KUNIT_EXPECT_EQ(test, -E2BIG, mchost_test_merge(test, ee, 2, 3, &out));

	/* An empty result fits any limit. */
	KUNIT_ASSERT_EQ(test, 0, mchost_test_merge(test, empty, 2, 0, &out));
	mchost_test_expect(test, &out, EXC, "");
}

/* Only the result counts: owner lists may be longer than max. */
static void mchost_filter_test_max_result_only(struct kunit *test)
{
	static const struct mchost_test_owner own[] = {
		{ EXC, SET_A }, { INC, SET_B },
	};
	struct mchost_filter out;

	/* A has 8 sources, A - B has 4. */
	KUNIT_ASSERT_EQ(test, 0, mchost_test_merge(test, own, 2, 4, &out));
	mchost_test_expect(test, &out, EXC, R_A R_AC);
	KUNIT_EXPECT_EQ(test, -E2BIG, mchost_test_merge(test, own, 2, 3, &out));
}

/* Results as large as the max_sources parameter allows. */
static void mchost_filter_test_max_sources(struct kunit *test)
{
	const unsigned int max = MCHOST_MAX_SOURCES_LIMIT, half = max / 2;
	struct mchost_filter lo = { INC, mchost_test_range(test, 0, half) };
	struct mchost_filter hi = { INC, mchost_test_range(test, half, half) };
	struct mchost_filter all = { EXC, mchost_test_range(test, 0, max) };
	const struct mchost_filter *own[] = { &hi, &lo };
	struct mchost_filter out;

	KUNIT_ASSERT_EQ(test, 0,
			mchost_filter_merge(own, 2, max, &out, GFP_KERNEL));
	mchost_test_defer_free(test, out.src);
	KUNIT_EXPECT_EQ(test, out.mode, INC);
	mchost_test_expect_same(test, out.src, all.src);

	KUNIT_EXPECT_EQ(test, -E2BIG,
			mchost_filter_merge(own, 2, max - 1, &out, GFP_KERNEL));

	/* One owner excluding 1024 sources. */
	own[0] = &all;
	KUNIT_ASSERT_EQ(test, 0,
			mchost_filter_merge(own, 1, max, &out, GFP_KERNEL));
	mchost_test_defer_free(test, out.src);
	KUNIT_EXPECT_EQ(test, out.mode, EXC);
	mchost_test_expect_same(test, out.src, all.src);

	/* Minus an INCLUDE of the upper half: the lower half is left. */
	own[1] = &hi;
	KUNIT_ASSERT_EQ(test, 0,
			mchost_filter_merge(own, 2, half, &out, GFP_KERNEL));
	mchost_test_defer_free(test, out.src);
	KUNIT_EXPECT_EQ(test, out.mode, EXC);
	mchost_test_expect_same(test, out.src, lo.src);
}

static struct kunit_case mchost_filter_test_cases[] = {
	KUNIT_CASE_PARAM(mchost_filter_test_table, mchost_merge_gen_params),
	KUNIT_CASE(mchost_filter_test_none),
	KUNIT_CASE(mchost_filter_test_max),
	KUNIT_CASE(mchost_filter_test_max_result_only),
	KUNIT_CASE(mchost_filter_test_max_sources),
	{}
};

static struct kunit_suite mchost_filter_test_suite = {
	.name = "mchost_filter",
	.test_cases = mchost_filter_test_cases,
};

kunit_test_suite(mchost_filter_test_suite);
