// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters. Each is range-checked on write, so a bad value fails
 * with -EINVAL and leaves the old one in place; readers use READ_ONCE().
 */
#include <linux/module.h>
#include <linux/mchost.h>
#include "params.h"

static BLOCKING_NOTIFIER_HEAD(mchost_params_chain);

int mchost_params_notifier_register(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&mchost_params_chain, nb);
}

void mchost_params_notifier_unregister(struct notifier_block *nb)
{
	blocking_notifier_chain_unregister(&mchost_params_chain, nb);
}

static int mchost_uint_param_set(const char *val, const struct kernel_param *kp)
{
	const struct mchost_uint_param *p = kp->arg;

	/* Overflow (-ERANGE) is just another bad value to the user. */
	if (param_set_uint_minmax(val, kp, p->min, p->max))
		return -EINVAL;
	blocking_notifier_call_chain(&mchost_params_chain, 0, kp->arg);
	return 0;
}

const struct kernel_param_ops mchost_uint_param_ops = {
	.set = mchost_uint_param_set,
	.get = param_get_uint,
};

#define MCHOST_UINT(dflt, lo, hi) { .val = (dflt), .min = (lo), .max = (hi) }

struct mchost_params mchost_params = {
	.igmp_max_version		= MCHOST_UINT(3, 1, 3),
	.mld_max_version		= MCHOST_UINT(2, 1, 2),
	/* RFC 9776 §8.1: the Robustness Variable must not be zero. */
	.robustness			= MCHOST_UINT(2, 1, 7),
	/* RFC 2236 §8.10, RFC 2710 §7.10: 10 s; RFC 9776/9777 §8.11: 1 s. */
	.igmpv2_unsolicited_report_interval = MCHOST_UINT(10000, 1, 60000),
	.igmpv3_unsolicited_report_interval = MCHOST_UINT(1000, 1, 60000),
	.mldv1_unsolicited_report_interval = MCHOST_UINT(10000, 1, 60000),
	.mldv2_unsolicited_report_interval = MCHOST_UINT(1000, 1, 60000),
	.max_sources			= MCHOST_UINT(64, 1,
						      MCHOST_MAX_SOURCES_LIMIT),
	/* One firing serves what is due within about a second. */
	.coalesce_ms			= MCHOST_UINT(1000, 0, 1000),
	/*
	 * RFC 9777 §6 reports every group but ff02::1; snooping switches need
	 * reports of 224.0.0.x / ff02:: groups too (the stock stack's default).
	 */
	.report_link_local		= MCHOST_UINT(1, 0, 1),
};

/* Each writes through mchost_uint_param_ops, which enforces the range. */
module_param_cb(igmp_max_version, &mchost_uint_param_ops,
		&mchost_params.igmp_max_version, 0644);
MODULE_PARM_DESC(igmp_max_version, "Highest IGMP version spoken (1-3, default 3)");
module_param_cb(mld_max_version, &mchost_uint_param_ops,
		&mchost_params.mld_max_version, 0644);
MODULE_PARM_DESC(mld_max_version, "Highest MLD version spoken (1-2, default 2)");
module_param_cb(robustness, &mchost_uint_param_ops,
		&mchost_params.robustness, 0644);
MODULE_PARM_DESC(robustness, "Robustness Variable until a querier sets one (1-7, default 2)");
module_param_cb(igmpv2_unsolicited_report_interval, &mchost_uint_param_ops,
		&mchost_params.igmpv2_unsolicited_report_interval, 0644);
MODULE_PARM_DESC(igmpv2_unsolicited_report_interval, "Spacing of IGMPv1/v2 unsolicited reports in ms (1-60000, default 10000)");
module_param_cb(igmpv3_unsolicited_report_interval, &mchost_uint_param_ops,
		&mchost_params.igmpv3_unsolicited_report_interval, 0644);
MODULE_PARM_DESC(igmpv3_unsolicited_report_interval, "Spacing of IGMPv3 state-change reports in ms (1-60000, default 1000)");
module_param_cb(mldv1_unsolicited_report_interval, &mchost_uint_param_ops,
		&mchost_params.mldv1_unsolicited_report_interval, 0644);
MODULE_PARM_DESC(mldv1_unsolicited_report_interval, "Spacing of MLDv1 unsolicited reports in ms (1-60000, default 10000)");
module_param_cb(mldv2_unsolicited_report_interval, &mchost_uint_param_ops,
		&mchost_params.mldv2_unsolicited_report_interval, 0644);
MODULE_PARM_DESC(mldv2_unsolicited_report_interval, "Spacing of MLDv2 state-change reports in ms (1-60000, default 1000)");
module_param_cb(max_sources, &mchost_uint_param_ops,
		&mchost_params.max_sources, 0644);
MODULE_PARM_DESC(max_sources, "Most sources in one group's filter (1-1024, default 64)");
module_param_cb(coalesce_ms, &mchost_uint_param_ops,
		&mchost_params.coalesce_ms, 0644);
MODULE_PARM_DESC(coalesce_ms, "Deadlines due within this many ms are handled together (0-1000, default 1000)");
module_param_cb(report_link_local, &mchost_uint_param_ops,
		&mchost_params.report_link_local, 0644);
MODULE_PARM_DESC(report_link_local, "Report link-local groups 224.0.0.x / ff02::/16 (0-1, default 1)");
