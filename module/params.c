// SPDX-License-Identifier: GPL-2.0
/*
 * Module parameters. Each is range-checked on write, so a bad value fails
 * with -EINVAL and leaves the old one in place; readers use READ_ONCE().
 */
#include <linux/module.h>
#include <linux/mchost.h>
#include "params.h"

static int mchost_uint_param_set(const char *val, const struct kernel_param *kp)
{
	const struct mchost_uint_param *p = kp->arg;

	/* Overflow (-ERANGE) is just another bad value to the user. */
	return param_set_uint_minmax(val, kp, p->min, p->max) ? -EINVAL : 0;
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
	/* RFC 9776 §8.11: default 1 s. */
	.unsolicited_report_interval_ms	= MCHOST_UINT(1000, 1, 60000),
	.max_sources			= MCHOST_UINT(64, 1,
						      MCHOST_MAX_SOURCES_LIMIT),
};

#define MCHOST_PARAM(name, desc)					\
	module_param_cb(name, &mchost_uint_param_ops,			\
			&mchost_params.name, 0644);			\
	MODULE_PARM_DESC(name, desc)

MCHOST_PARAM(igmp_max_version,
	     "Highest IGMP version spoken (1-3, default 3)");
MCHOST_PARAM(mld_max_version,
	     "Highest MLD version spoken (1-2, default 2)");
MCHOST_PARAM(robustness,
	     "Robustness Variable until a querier sets one (1-7, default 2)");
MCHOST_PARAM(unsolicited_report_interval_ms,
	     "Spacing of unsolicited report retransmissions in ms (1-60000, default 1000)");
MCHOST_PARAM(max_sources,
	     "Most sources in one group's filter (1-1024, default 64)");
