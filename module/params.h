/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module parameters: validated on write, read locklessly. A write that
 * others must act on is announced on a notifier chain; this layer calls
 * nothing above it.
 */
#ifndef _MCHOST_PARAMS_H
#define _MCHOST_PARAMS_H

#include <linux/moduleparam.h>
#include <linux/notifier.h>

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
	/* Unsolicited Report Interval in ms per version, named like the sysctls */
	struct mchost_uint_param igmpv2_unsolicited_report_interval;
	struct mchost_uint_param igmpv3_unsolicited_report_interval;
	struct mchost_uint_param mldv1_unsolicited_report_interval;
	struct mchost_uint_param mldv2_unsolicited_report_interval;
	struct mchost_uint_param max_sources;
	struct mchost_uint_param coalesce_ms;
	struct mchost_uint_param report_link_local;
};

extern struct mchost_params mchost_params;

#define mchost_param(name) READ_ONCE(mchost_params.name.val)

/**
 * mchost_params_notifier_register() - hear of every accepted write
 * @nb: called in process context with the written &struct mchost_uint_param
 *      as data, after the new value is in place
 *
 * Return: 0 or a negative errno.
 */
int mchost_params_notifier_register(struct notifier_block *nb);

/**
 * mchost_params_notifier_unregister() - stop hearing of writes
 * @nb: as registered; on return no call of it is running
 */
void mchost_params_notifier_unregister(struct notifier_block *nb);

#endif /* _MCHOST_PARAMS_H */
