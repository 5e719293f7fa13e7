// SPDX-License-Identifier: GPL-2.0
/* Counter names and sums; see stats.h. */
#include <linux/cpumask.h>
#include "stats.h"

const char *const mchost_stat_names[MCHOST_STAT_MAX] = {
	[MCHOST_STAT_RCV_TOTAL]		= "rcv_total",
	[MCHOST_STAT_RCV_TOOSHORT]	= "rcv_tooshort",
	[MCHOST_STAT_RCV_BADSUM]	= "rcv_badsum",
	[MCHOST_STAT_RCV_QUERIES]	= "rcv_queries",
	[MCHOST_STAT_RCV_BADQUERIES]	= "rcv_badqueries",
	[MCHOST_STAT_RCV_REPORTS]	= "rcv_reports",
	[MCHOST_STAT_RCV_BADREPORTS]	= "rcv_badreports",
	[MCHOST_STAT_RCV_OURREPORTS]	= "rcv_ourreports",
	[MCHOST_STAT_SND_REPORTS]	= "snd_reports",
	[MCHOST_STAT_RCV_FRAGMENTS]	= "rcv_fragments",
	[MCHOST_STAT_RCV_NOMEM]		= "rcv_nomem",
	[MCHOST_STAT_RCV_UNKNOWN]	= "rcv_unknown",
	[MCHOST_STAT_RCV_BADHOPLIMIT]	= "rcv_badhoplimit",
	[MCHOST_STAT_RCV_BADSRC]	= "rcv_badsrc",
	[MCHOST_STAT_RCV_NORA]		= "rcv_nora",
	[MCHOST_STAT_SND_ERRORS]	= "snd_errors",
	[MCHOST_STAT_QRY_V1]		= "qry_v1",
	[MCHOST_STAT_QRY_V2]		= "qry_v2",
	[MCHOST_STAT_QRY_V3]		= "qry_v3",
	[MCHOST_STAT_QRY_GENERAL]	= "qry_general",
	[MCHOST_STAT_QRY_GROUP]		= "qry_group",
	[MCHOST_STAT_QRY_GROUP_SOURCE]	= "qry_group_source",
	[MCHOST_STAT_QRY_RATELIMITED]	= "qry_ratelimited",
	[MCHOST_STAT_SND_V1_REPORTS]	= "snd_v1_reports",
	[MCHOST_STAT_SND_V2_REPORTS]	= "snd_v2_reports",
	[MCHOST_STAT_SND_LEAVES]	= "snd_leaves",
	[MCHOST_STAT_SND_V3_REPORTS]	= "snd_v3_reports",
	[MCHOST_STAT_SND_TRUNCATED]	= "snd_truncated",
	[MCHOST_STAT_SND_SUPPRESSED]	= "snd_suppressed",
	[MCHOST_STAT_RCV_BADTTL]	= "rcv_badttl",
	[MCHOST_STAT_RCV_BADDST]	= "rcv_baddst",
};

u64 mchost_stats_sum(struct mchost_stats __percpu *s, enum mchost_fam fam,
		     enum mchost_stat stat)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(s, cpu)->v[fam][stat]);
	return sum;
}
