// SPDX-License-Identifier: GPL-2.0
/* KUnit tests of the source sets (module/slist.c). */

#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/mchost.h>
#include <net/ipv6.h>

#include "mchost_test.h"
#include "slist.h"

/* got must hold exactly the literals of want, in the order written. */
static void mchost_test_expect(struct kunit *test,
			       const struct mchost_slist *got,
			       const char *want)
{
	mchost_test_expect_same(test, got, mchost_test_raw(test, want));
}

/* Allocation */

static void mchost_slist_test_alloc(struct kunit *test)
{
	struct mchost_slist *s;

	s = mchost_test_alloc(test, 0);
	KUNIT_EXPECT_EQ(test, s->nr, 0);
	KUNIT_EXPECT_EQ(test, s->cap, 0);

	s = mchost_test_alloc(test, 4);
	KUNIT_EXPECT_EQ(test, s->nr, 0);
	KUNIT_EXPECT_EQ(test, s->cap, 4);

	/* The largest cap the u16 field can hold. */
	s = mchost_test_alloc(test, U16_MAX);
	KUNIT_EXPECT_EQ(test, s->cap, U16_MAX);

	KUNIT_EXPECT_NULL(test, mchost_slist_alloc(U16_MAX + 1, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, mchost_slist_alloc(UINT_MAX, GFP_KERNEL));

	mchost_slist_free(NULL);
}

static void mchost_slist_test_dup(struct kunit *test)
{
	struct mchost_slist *src, *d;

	/* Empty in, NULL out, and that is not a failure. */
	KUNIT_EXPECT_NULL(test, mchost_slist_dup(NULL, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, mchost_slist_dup(mchost_test_alloc(test, 3),
						 GFP_KERNEL));

	src = mchost_test_set(test, "10.0.0.1 10.0.0.2 2001:db8::1");
	d = mchost_slist_dup(src, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, d);
	mchost_test_defer_free(test, d);
	KUNIT_EXPECT_PTR_NE(test, d, src);
	KUNIT_EXPECT_EQ(test, d->cap, d->nr);
	mchost_test_expect(test, d, "10.0.0.1 10.0.0.2 2001:db8::1");
}

/* Sorting */

static void mchost_slist_test_sort(struct kunit *test)
{
	struct mchost_slist *s;

	/* IPv4-mapped (::ffff:0:0/96) sorts after ::1 and before 2001::/16. */
	s = mchost_test_raw(test,
			    "fe80::1 10.0.0.10 2001:db8::1 10.0.0.1 ::1 192.0.2.1 10.0.0.2");
	KUNIT_EXPECT_EQ(test, 0, mchost_slist_sort(s));
	mchost_test_expect(test, s,
			   "::1 10.0.0.1 10.0.0.2 10.0.0.10 192.0.2.1 2001:db8::1 fe80::1");

	s = mchost_test_raw(test, "2001:db8::2");
	KUNIT_EXPECT_EQ(test, 0, mchost_slist_sort(s));
	mchost_test_expect(test, s, "2001:db8::2");

	KUNIT_EXPECT_EQ(test, 0, mchost_slist_sort(mchost_test_raw(test, "")));
	KUNIT_EXPECT_EQ(test, 0, mchost_slist_sort(NULL));
}

static void mchost_slist_test_sort_dup(struct kunit *test)
{
	struct mchost_slist *s;

	/* Duplicates are reported, and the set is still left sorted. */
	s = mchost_test_raw(test, "10.0.0.3 10.0.0.1 2001:db8::1 10.0.0.3");
	KUNIT_EXPECT_EQ(test, -EEXIST, mchost_slist_sort(s));
	mchost_test_expect(test, s, "10.0.0.1 10.0.0.3 10.0.0.3 2001:db8::1");

	/* An IPv4 source and its IPv4-mapped spelling are one source. */
	s = mchost_test_raw(test, "192.0.2.7 ::ffff:192.0.2.7");
	KUNIT_EXPECT_EQ(test, -EEXIST, mchost_slist_sort(s));

	s = mchost_test_raw(test, "::1 ::1");
	KUNIT_EXPECT_EQ(test, -EEXIST, mchost_slist_sort(s));
}

/* Lookup and comparison */

static bool mchost_test_has(struct kunit *test, const struct mchost_slist *s,
			    const char *lit)
{
	struct in6_addr a;

	mchost_test_pton(test, lit, &a);
	return mchost_slist_contains(s, &a);
}

static void mchost_slist_test_contains(struct kunit *test)
{
	const struct mchost_slist *s =
		mchost_test_set(test, "10.0.0.1 10.0.0.5 10.0.0.9 2001:db8::1 ff02::1");

	KUNIT_EXPECT_TRUE(test, mchost_test_has(test, s, "10.0.0.1"));
	KUNIT_EXPECT_TRUE(test, mchost_test_has(test, s, "10.0.0.9"));
	KUNIT_EXPECT_TRUE(test, mchost_test_has(test, s, "2001:db8::1"));
	KUNIT_EXPECT_TRUE(test, mchost_test_has(test, s, "ff02::1"));
	KUNIT_EXPECT_TRUE(test, mchost_test_has(test, s, "::ffff:10.0.0.5"));

	KUNIT_EXPECT_FALSE(test, mchost_test_has(test, s, "::1"));
	KUNIT_EXPECT_FALSE(test, mchost_test_has(test, s, "10.0.0.0"));
	KUNIT_EXPECT_FALSE(test, mchost_test_has(test, s, "10.0.0.4"));
	KUNIT_EXPECT_FALSE(test, mchost_test_has(test, s, "10.0.0.10"));
	KUNIT_EXPECT_FALSE(test, mchost_test_has(test, s, "2001:db8::2"));
	KUNIT_EXPECT_FALSE(test, mchost_test_has(test, s, "ff02::2"));
	/* The IPv6 address with the same low 32 bits is another source. */
	KUNIT_EXPECT_FALSE(test, mchost_test_has(test, s, "::10.0.0.1"));

	s = mchost_test_set(test, "");
	KUNIT_EXPECT_FALSE(test, mchost_test_has(test, s, "10.0.0.1"));
	KUNIT_EXPECT_FALSE(test, mchost_test_has(test, NULL, "10.0.0.1"));
}

static void mchost_slist_test_equal(struct kunit *test)
{
	const struct mchost_slist *a = mchost_test_set(test, "10.0.0.1 2001:db8::1");
	const struct mchost_slist *empty = mchost_test_set(test, "");

	KUNIT_EXPECT_TRUE(test, mchost_slist_equal(NULL, NULL));
	KUNIT_EXPECT_TRUE(test, mchost_slist_equal(NULL, empty));
	KUNIT_EXPECT_TRUE(test, mchost_slist_equal(empty, NULL));
	KUNIT_EXPECT_TRUE(test, mchost_slist_equal(a, a));
	KUNIT_EXPECT_TRUE(test,
			  mchost_slist_equal(a, mchost_test_set(test, "2001:db8::1 10.0.0.1")));

	KUNIT_EXPECT_FALSE(test, mchost_slist_equal(a, NULL));
	KUNIT_EXPECT_FALSE(test, mchost_slist_equal(empty, a));
	KUNIT_EXPECT_FALSE(test,
			   mchost_slist_equal(a, mchost_test_set(test, "10.0.0.1")));
	KUNIT_EXPECT_FALSE(test,
			   mchost_slist_equal(a, mchost_test_set(test, "10.0.0.1 2001:db8::2")));
}

/* Set operations */

struct mchost_slist_op_case {
	const char *desc;
	const char *a, *b;
	/* Expected a | b, a & b, a - b and b - a, each in ascending order. */
	const char *uni, *inter, *a_b, *b_a;
};

static const struct mchost_slist_op_case mchost_slist_op_cases[] = {
	{
		.desc = "disjoint",
		.a = "10.0.0.1 10.0.0.3", .b = "10.0.0.2 10.0.0.4",
		.uni = "10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4",
		.inter = "",
		.a_b = "10.0.0.1 10.0.0.3", .b_a = "10.0.0.2 10.0.0.4",
	},
	{
		.desc = "overlapping",
		.a = "10.0.0.1 10.0.0.2 10.0.0.3", .b = "10.0.0.2 10.0.0.3 10.0.0.4",
		.uni = "10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4",
		.inter = "10.0.0.2 10.0.0.3",
		.a_b = "10.0.0.1", .b_a = "10.0.0.4",
	},
	{
		.desc = "identical",
		.a = "10.0.0.1 10.0.0.2", .b = "10.0.0.1 10.0.0.2",
		.uni = "10.0.0.1 10.0.0.2", .inter = "10.0.0.1 10.0.0.2",
		.a_b = "", .b_a = "",
	},
	{
		.desc = "subset",
		.a = "10.0.0.1 10.0.0.2 10.0.0.3", .b = "10.0.0.2",
		.uni = "10.0.0.1 10.0.0.2 10.0.0.3", .inter = "10.0.0.2",
		.a_b = "10.0.0.1 10.0.0.3", .b_a = "",
	},
	{
		.desc = "a empty",
		.a = "", .b = "10.0.0.1 2001:db8::1",
		.uni = "10.0.0.1 2001:db8::1", .inter = "",
		.a_b = "", .b_a = "10.0.0.1 2001:db8::1",
	},
	{
		.desc = "b empty",
		.a = "10.0.0.1 2001:db8::1", .b = "",
		.uni = "10.0.0.1 2001:db8::1", .inter = "",
		.a_b = "10.0.0.1 2001:db8::1", .b_a = "",
	},
	{
		.desc = "both empty",
		.a = "", .b = "",
		.uni = "", .inter = "", .a_b = "", .b_a = "",
	},
	{
		.desc = "ipv4-mapped and ipv6 interleaved",
		.a = "::1 10.0.0.1 192.0.2.1 2001:db8::1 ff02::1",
		.b = "::2 10.0.0.1 172.16.0.1 2001:db8::1 2001:db8::2",
		.uni = "::1 ::2 10.0.0.1 172.16.0.1 192.0.2.1 2001:db8::1 2001:db8::2 ff02::1",
		.inter = "10.0.0.1 2001:db8::1",
		.a_b = "::1 192.0.2.1 ff02::1",
		.b_a = "::2 172.16.0.1 2001:db8::2",
	},
};

KUNIT_ARRAY_PARAM_DESC(mchost_slist_op, mchost_slist_op_cases, desc);

static void mchost_slist_test_ops(struct kunit *test)
{
	const struct mchost_slist_op_case *c = test->param_value;
	const struct mchost_slist *a = mchost_test_set(test, c->a);
	const struct mchost_slist *b = mchost_test_set(test, c->b);
	struct mchost_slist *d = mchost_test_alloc(test, a->nr + b->nr);

	KUNIT_EXPECT_EQ(test, 0, mchost_slist_union(d, a, b));
	mchost_test_expect(test, d, c->uni);
	KUNIT_EXPECT_EQ(test, 0, mchost_slist_union(d, b, a));
	mchost_test_expect(test, d, c->uni);

	KUNIT_EXPECT_EQ(test, 0, mchost_slist_intersect(d, a, b));
	mchost_test_expect(test, d, c->inter);
	KUNIT_EXPECT_EQ(test, 0, mchost_slist_intersect(d, b, a));
	mchost_test_expect(test, d, c->inter);

	KUNIT_EXPECT_EQ(test, 0, mchost_slist_diff(d, a, b));
	mchost_test_expect(test, d, c->a_b);
	KUNIT_EXPECT_EQ(test, 0, mchost_slist_diff(d, b, a));
	mchost_test_expect(test, d, c->b_a);
}

/* NULL operands read as the empty set. */
static void mchost_slist_test_ops_null(struct kunit *test)
{
	const struct mchost_slist *a = mchost_test_set(test, "10.0.0.1 2001:db8::1");
	struct mchost_slist *d = mchost_test_alloc(test, 4);

	KUNIT_EXPECT_EQ(test, 0, mchost_slist_union(d, NULL, NULL));
	KUNIT_EXPECT_EQ(test, d->nr, 0);
	KUNIT_EXPECT_EQ(test, 0, mchost_slist_intersect(d, NULL, NULL));
	KUNIT_EXPECT_EQ(test, d->nr, 0);
	KUNIT_EXPECT_EQ(test, 0, mchost_slist_diff(d, NULL, NULL));
	KUNIT_EXPECT_EQ(test, d->nr, 0);

	KUNIT_EXPECT_EQ(test, 0, mchost_slist_union(d, NULL, a));
	mchost_test_expect(test, d, "10.0.0.1 2001:db8::1");
	KUNIT_EXPECT_EQ(test, 0, mchost_slist_union(d, a, NULL));
	mchost_test_expect(test, d, "10.0.0.1 2001:db8::1");

	KUNIT_EXPECT_EQ(test, 0, mchost_slist_intersect(d, a, NULL));
	KUNIT_EXPECT_EQ(test, d->nr, 0);
	KUNIT_EXPECT_EQ(test, 0, mchost_slist_intersect(d, NULL, a));
	KUNIT_EXPECT_EQ(test, d->nr, 0);

	KUNIT_EXPECT_EQ(test, 0, mchost_slist_diff(d, a, NULL));
	mchost_test_expect(test, d, "10.0.0.1 2001:db8::1");
	KUNIT_EXPECT_EQ(test, 0, mchost_slist_diff(d, NULL, a));
	KUNIT_EXPECT_EQ(test, d->nr, 0);
}

/* A result of exactly dst->cap fits; one more address is -E2BIG. */
static void mchost_slist_test_ops_cap(struct kunit *test)
{
	const struct mchost_slist *a = mchost_test_set(test, "10.0.0.1 10.0.0.2 10.0.0.3");
	const struct mchost_slist *b = mchost_test_set(test, "10.0.0.2 10.0.0.3 10.0.0.4");
	struct mchost_slist *d;

	d = mchost_test_alloc(test, 4);
	KUNIT_EXPECT_EQ(test, 0, mchost_slist_union(d, a, b));
	mchost_test_expect(test, d, "10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4");
	d = mchost_test_alloc(test, 3);
	KUNIT_EXPECT_EQ(test, -E2BIG, mchost_slist_union(d, a, b));
	KUNIT_EXPECT_EQ(test, d->nr, 0);

	d = mchost_test_alloc(test, 2);
	KUNIT_EXPECT_EQ(test, 0, mchost_slist_intersect(d, a, b));
	mchost_test_expect(test, d, "10.0.0.2 10.0.0.3");
	d = mchost_test_alloc(test, 1);
	KUNIT_EXPECT_EQ(test, -E2BIG, mchost_slist_intersect(d, a, b));
	KUNIT_EXPECT_EQ(test, d->nr, 0);

	d = mchost_test_alloc(test, 1);
	KUNIT_EXPECT_EQ(test, 0, mchost_slist_diff(d, a, b));
	mchost_test_expect(test, d, "10.0.0.1");
	d = mchost_test_alloc(test, 0);
	KUNIT_EXPECT_EQ(test, -E2BIG, mchost_slist_diff(d, a, b));
	KUNIT_EXPECT_EQ(test, d->nr, 0);

	/* An empty result needs no room at all. */
	KUNIT_EXPECT_EQ(test, 0, mchost_slist_diff(d, a, a));
	KUNIT_EXPECT_EQ(test, d->nr, 0);
}

/* Sets as large as the max_sources parameter allows. */
static void mchost_slist_test_max_sources(struct kunit *test)
{
	const unsigned int max = MCHOST_MAX_SOURCES_LIMIT, half = max / 2;
	const struct mchost_slist *lo = mchost_test_range(test, 0, half);
	const struct mchost_slist *hi = mchost_test_range(test, half, half);
	const struct mchost_slist *all = mchost_test_range(test, 0, max);
	struct mchost_slist *d, *rev;
	struct in6_addr a;
	unsigned int i;

	d = mchost_test_alloc(test, max);
	KUNIT_EXPECT_EQ(test, 0, mchost_slist_union(d, hi, lo));
	mchost_test_expect_same(test, d, all);

	KUNIT_EXPECT_EQ(test, 0, mchost_slist_intersect(d, all, hi));
	mchost_test_expect_same(test, d, hi);
	KUNIT_EXPECT_EQ(test, 0, mchost_slist_diff(d, all, hi));
	mchost_test_expect_same(test, d, lo);

	d = mchost_test_alloc(test, max - 1);
	KUNIT_EXPECT_EQ(test, -E2BIG, mchost_slist_union(d, lo, hi));
	KUNIT_EXPECT_EQ(test, d->nr, 0);

	for (i = 0; i < max; i++)
		KUNIT_EXPECT_TRUE(test, mchost_slist_contains(all, &all->addr[i]));
	ipv6_addr_set(&a, htonl(0x20010db8), 0, 0, htonl(max));
	KUNIT_EXPECT_FALSE(test, mchost_slist_contains(all, &a));

	/* Descending input: the worst order for a naive sort. */
	rev = mchost_test_alloc(test, max);
	for (rev->nr = 0; rev->nr < max; rev->nr++)
		rev->addr[rev->nr] = all->addr[max - 1 - rev->nr];
	KUNIT_EXPECT_EQ(test, 0, mchost_slist_sort(rev));
	mchost_test_expect_same(test, rev, all);
	KUNIT_EXPECT_TRUE(test, mchost_slist_equal(rev, all));
}

static struct kunit_case mchost_slist_test_cases[] = {
	KUNIT_CASE(mchost_slist_test_alloc),
	KUNIT_CASE(mchost_slist_test_dup),
	KUNIT_CASE(mchost_slist_test_sort),
	KUNIT_CASE(mchost_slist_test_sort_dup),
	KUNIT_CASE(mchost_slist_test_contains),
	KUNIT_CASE(mchost_slist_test_equal),
	KUNIT_CASE_PARAM(mchost_slist_test_ops, mchost_slist_op_gen_params),
	KUNIT_CASE(mchost_slist_test_ops_null),
	KUNIT_CASE(mchost_slist_test_ops_cap),
	KUNIT_CASE(mchost_slist_test_max_sources),
	{}
};

static struct kunit_suite mchost_slist_test_suite = {
	.name = "mchost_slist",
	.test_cases = mchost_slist_test_cases,
};

kunit_test_suite(mchost_slist_test_suite);
