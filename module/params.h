/* SPDX-License-Identifier: GPL-2.0 */
/* Module parameters: validated on write, read locklessly. */
#ifndef _MCHOST_PARAMS_H
#define _MCHOST_PARAMS_H

#include <linux/moduleparam.h>

/* A bounded unsigned parameter; val must stay the first member. */
struct mchost_uint_param {
	unsigned int val;
	unsigned int min;
	unsigned int max;
};

extern const struct kernel_param_ops mchost_uint_param_ops;

struct mchost_params {
	struct mchost_uint_param igmp_max_version;
	struct mchost_uint_param mld_max_version;
	struct mchost_uint_param robustness;
	struct mchost_uint_param unsolicited_report_interval_ms;
	struct mchost_uint_param max_sources;
	struct mchost_uint_param coalesce_ms;
	struct mchost_uint_param report_link_local;
};

extern struct mchost_params mchost_params;

#define mchost_param(name) READ_ONCE(mchost_params.name.val)

#endif /* _MCHOST_PARAMS_H */
