// SPDX-License-Identifier: GPL-2.0
/* Module parameter validation: good values take, bad ones change nothing. */
#include <kunit/test.h>
#include <linux/mchost.h>
#include "params.h"

static int mchost_params_set(struct mchost_uint_param *p, const char *val)
{
	const struct kernel_param kp = {
		.name = "test",
		.ops = &mchost_uint_param_ops,
		.arg = p,
	};

	return mchost_uint_param_ops.set(val, &kp);
}

static void mchost_params_defaults(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mchost_params.igmp_max_version.val, 3U);
	KUNIT_EXPECT_EQ(test, mchost_params.mld_max_version.val, 2U);
	KUNIT_EXPECT_EQ(test, mchost_params.robustness.val, 2U);
	/* RFC 2236 §8.10 and RFC 2710 §7.10: 10 s; RFC 9776/9777: 1 s. */
	KUNIT_EXPECT_EQ(test,
			mchost_params.igmpv2_unsolicited_report_interval.val,
			10000U);
	KUNIT_EXPECT_EQ(test,
			mchost_params.igmpv3_unsolicited_report_interval.val,
			1000U);
	KUNIT_EXPECT_EQ(test,
			mchost_params.mldv1_unsolicited_report_interval.val,
			10000U);
	KUNIT_EXPECT_EQ(test,
			mchost_params.mldv2_unsolicited_report_interval.val,
			1000U);
	KUNIT_EXPECT_EQ(test, mchost_params.max_sources.val, 64U);
	KUNIT_EXPECT_EQ(test, mchost_params.coalesce_ms.val, 1000U);
	/* As the stock stack's igmp_link_local_mcast_reports. */
	KUNIT_EXPECT_EQ(test, mchost_params.report_link_local.val, 1U);
}

static void mchost_params_ranges(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, mchost_params.igmp_max_version.min, 1U);
	KUNIT_EXPECT_EQ(test, mchost_params.igmp_max_version.max, 3U);
	KUNIT_EXPECT_EQ(test, mchost_params.mld_max_version.min, 1U);
	KUNIT_EXPECT_EQ(test, mchost_params.mld_max_version.max, 2U);
	KUNIT_EXPECT_EQ(test, mchost_params.robustness.min, 1U);
	KUNIT_EXPECT_EQ(test, mchost_params.robustness.max, 7U);
	KUNIT_EXPECT_EQ(test, mchost_params.max_sources.min, 1U);
	KUNIT_EXPECT_EQ(test, mchost_params.max_sources.max,
			(unsigned int)MCHOST_MAX_SOURCES_LIMIT);
	KUNIT_EXPECT_EQ(test, mchost_params.coalesce_ms.min, 0U);
	KUNIT_EXPECT_EQ(test, mchost_params.coalesce_ms.max, 1000U);
	KUNIT_EXPECT_EQ(test, mchost_params.report_link_local.max, 1U);
}

static void mchost_params_accepts_in_range(struct kunit *test)
{
	struct mchost_uint_param p = { .val = 3, .min = 1, .max = 3 };

	KUNIT_EXPECT_EQ(test, mchost_params_set(&p, "1"), 0);
	KUNIT_EXPECT_EQ(test, p.val, 1U);
	/* sysfs writes end in a newline */
	KUNIT_EXPECT_EQ(test, mchost_params_set(&p, "2\n"), 0);
	KUNIT_EXPECT_EQ(test, p.val, 2U);
	KUNIT_EXPECT_EQ(test, mchost_params_set(&p, "3"), 0);
	KUNIT_EXPECT_EQ(test, p.val, 3U);
}

static void mchost_params_rejects(struct kunit *test)
{
	static const char *const bad[] = {
		"0", "4", "-1", "", "abc", "2x", "99999999999", " ", "1.5",
	};
	struct mchost_uint_param p = { .val = 2, .min = 1, .max = 3 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, mchost_params_set(&p, bad[i]), -EINVAL,
				    "value \"%s\"", bad[i]);
		KUNIT_EXPECT_EQ_MSG(test, p.val, 2U, "value \"%s\"", bad[i]);
	}
	KUNIT_EXPECT_EQ(test, mchost_params_set(&p, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, p.val, 2U);
}

static void mchost_params_max_sources_limit(struct kunit *test)
{
	struct mchost_uint_param p = mchost_params.max_sources;

	KUNIT_EXPECT_EQ(test, mchost_params_set(&p, "1024"), 0);
	KUNIT_EXPECT_EQ(test, p.val, 1024U);
	KUNIT_EXPECT_EQ(test, mchost_params_set(&p, "1025"), -EINVAL);
	KUNIT_EXPECT_EQ(test, p.val, 1024U);
}

static struct kunit_case mchost_params_cases[] = {
	KUNIT_CASE(mchost_params_defaults),
	KUNIT_CASE(mchost_params_ranges),
	KUNIT_CASE(mchost_params_accepts_in_range),
	KUNIT_CASE(mchost_params_rejects),
	KUNIT_CASE(mchost_params_max_sources_limit),
	{}
};

static struct kunit_suite mchost_params_suite = {
	.name = "mchost_params",
	.test_cases = mchost_params_cases,
};

kunit_test_suite(mchost_params_suite);

MODULE_LICENSE("GPL");
