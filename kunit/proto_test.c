// SPDX-License-Identifier: GPL-2.0
/*
 * The protocol engine's decisions: compatibility mode and its timeout,
 * response delay bounds, and group-and-source response contents.
 */
#include <kunit/test.h>
#include <net/ipv6.h>
#include <linux/mchost.h>
#include "mchost_test.h"
#include "proto.h"

#define MS(x)	ms_to_ktime(x)

static void mchost_proto_compat_igmp(struct kunit *test)
{
	ktime_t now = MS(1000000);
	ktime_t none[2] = { 0, 0 };
	ktime_t v2[2] = { 0, now + MS(1) };
	ktime_t v1[2] = { now + MS(1), 0 };
	ktime_t both[2] = { now + MS(1), now + MS(1) };
	ktime_t expired[2] = { now, now };

	KUNIT_EXPECT_EQ(test, mchost_compat_version(MCHOST_IGMP, none, now, 3), 3U);
	KUNIT_EXPECT_EQ(test, mchost_compat_version(MCHOST_IGMP, v2, now, 3), 2U);
	KUNIT_EXPECT_EQ(test, mchost_compat_version(MCHOST_IGMP, v1, now, 3), 1U);
	/* v1 wins over v2 (RFC 9776 §7: the oldest querier present). */
	KUNIT_EXPECT_EQ(test, mchost_compat_version(MCHOST_IGMP, both, now, 3), 1U);
	/* A timer that ends now has expired. */
	KUNIT_EXPECT_EQ(test, mchost_compat_version(MCHOST_IGMP, expired, now, 3), 3U);
}

static void mchost_proto_compat_max(struct kunit *test)
{
	ktime_t now = MS(5000);
	ktime_t none[2] = { 0, 0 };
	ktime_t v2[2] = { 0, now + MS(1) };

	/* Never above the igmp_max_version / mld_max_version parameter. */
	KUNIT_EXPECT_EQ(test, mchost_compat_version(MCHOST_IGMP, none, now, 2), 2U);
	KUNIT_EXPECT_EQ(test, mchost_compat_version(MCHOST_IGMP, none, now, 1), 1U);
	KUNIT_EXPECT_EQ(test, mchost_compat_version(MCHOST_IGMP, v2, now, 1), 1U);
	KUNIT_EXPECT_EQ(test, mchost_compat_version(MCHOST_MLD, none, now, 1), 1U);
}

static void mchost_proto_compat_mld(struct kunit *test)
{
	ktime_t now = MS(5000);
	ktime_t none[2] = { 0, 0 };
	ktime_t v1[2] = { 0, now + MS(1) };
	/* MLD has no IGMPv1 mode: that slot is ignored. */
	ktime_t igmpv1[2] = { now + MS(1), 0 };

	KUNIT_EXPECT_EQ(test, mchost_compat_version(MCHOST_MLD, none, now, 2), 2U);
	KUNIT_EXPECT_EQ(test, mchost_compat_version(MCHOST_MLD, v1, now, 2), 1U);
	KUNIT_EXPECT_EQ(test, mchost_compat_version(MCHOST_MLD, igmpv1, now, 2), 2U);
}

static void mchost_proto_ovqp(struct kunit *test)
{
	/* RFC 9776 §8.12: 2 * 125 s + 10 s with the defaults. */
	KUNIT_EXPECT_EQ(test, mchost_ovqp_ms(2, 125000, 10000), 260000ULL);
	/* QRV 1, QQIC 1 s, a 1 s query: the quick timeout tests use. */
	KUNIT_EXPECT_EQ(test, mchost_ovqp_ms(1, 1000, 1000), 2000ULL);
	/* No overflow at the largest QRV and QQIC (31744 s). */
	KUNIT_EXPECT_EQ(test, mchost_ovqp_ms(7, 31744000, 3174400),
			7ULL * 31744000 + 3174400);
}

static void mchost_proto_mrt(struct kunit *test)
{
	struct mchost_msg m = { .kind = MCHOST_MSG_QUERY_V1 };

	/* RFC 2236 §4: an IGMPv1 query means 10 s. */
	KUNIT_EXPECT_EQ(test, mchost_query_mrt_ms(MCHOST_IGMP, &m), 10000U);
	m.kind = MCHOST_MSG_QUERY_V2;
	m.max_resp_code = 100;
	KUNIT_EXPECT_EQ(test, mchost_query_mrt_ms(MCHOST_IGMP, &m), 10000U);
	/* MLDv1 Maximum Response Delay is in ms (RFC 2710 §3.4). */
	m.max_resp_code = 1000;
	KUNIT_EXPECT_EQ(test, mchost_query_mrt_ms(MCHOST_MLD, &m), 1000U);
	m.kind = MCHOST_MSG_QUERY_V3;
	/* Code 0 is "at once", not a 10 s default. */
	m.max_resp_code = 0;
	KUNIT_EXPECT_EQ(test, mchost_query_mrt_ms(MCHOST_IGMP, &m), 0U);
	KUNIT_EXPECT_EQ(test, mchost_query_mrt_ms(MCHOST_MLD, &m), 0U);
	m.max_resp_code = 0x80;
	KUNIT_EXPECT_EQ(test, mchost_query_mrt_ms(MCHOST_IGMP, &m), 12800U);
	m.max_resp_code = 0x8000;
	KUNIT_EXPECT_EQ(test, mchost_query_mrt_ms(MCHOST_MLD, &m), 32768U);
}

/* Each set as space-separated literals (kunit/mchost_test.h). */
struct mchost_gsr_case {
	const char *name;
	u8 mode;
	const char *filter;		/* "": no sources, a NULL set */
	const char *asked;
	const char *want;
};

static const struct mchost_gsr_case mchost_gsr_cases[] = {
	{ "INCLUDE: filter & asked", MCHOST_FMODE_INCLUDE,
	  "10.0.0.1 10.0.0.2", "10.0.0.2 10.0.0.3", "10.0.0.2" },
	{ "INCLUDE: nothing in common", MCHOST_FMODE_INCLUDE,
	  "10.0.0.1", "10.0.0.3", "" },
	{ "EXCLUDE: asked - filter", MCHOST_FMODE_EXCLUDE,
	  "10.0.0.1 10.0.0.2", "10.0.0.2 10.0.0.3", "10.0.0.3" },
	{ "EXCLUDE {}: everything asked", MCHOST_FMODE_EXCLUDE,
	  "", "10.0.0.5 10.0.0.4", "10.0.0.4 10.0.0.5" },
	{ "EXCLUDE: all asked are blocked", MCHOST_FMODE_EXCLUDE,
	  "10.0.0.1", "10.0.0.1", "" },
};

/* Every set is freed when the test ends (kunit/mchost_test.h). */
static void mchost_proto_gsr(struct kunit *test)
{
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(mchost_gsr_cases); i++) {
		const struct mchost_gsr_case *c = &mchost_gsr_cases[i];
		struct mchost_filter f = { .mode = c->mode };
		struct mchost_slist *asked, *want, *out;

		f.src = mchost_test_set_or_null(test, c->filter);
		asked = mchost_test_set(test, c->asked);
		want = mchost_test_set(test, c->want);
		out = mchost_test_alloc(test, asked->nr);
		mchost_gsr_sources(&f, asked, out);
		KUNIT_EXPECT_EQ_MSG(test, out->nr, want->nr, "%s", c->name);
		for (j = 0; j < min(out->nr, want->nr); j++)
			KUNIT_EXPECT_TRUE_MSG(test,
					      ipv6_addr_equal(&out->addr[j],
							      &want->addr[j]),
					      "%s: source %u", c->name, j);
	}
}

static struct kunit_case mchost_proto_cases[] = {
	KUNIT_CASE(mchost_proto_compat_igmp),
	KUNIT_CASE(mchost_proto_compat_max),
	KUNIT_CASE(mchost_proto_compat_mld),
	KUNIT_CASE(mchost_proto_ovqp),
	KUNIT_CASE(mchost_proto_mrt),
	KUNIT_CASE(mchost_proto_gsr),
	{}
};

static struct kunit_suite mchost_proto_suite = {
	.name = "mchost_proto",
	.test_cases = mchost_proto_cases,
};

kunit_test_suite(mchost_proto_suite);

MODULE_LICENSE("GPL");
