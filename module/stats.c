// SPDX-License-Identifier: GPL-2.0
/* Counter names, sums and netlink nests; see stats.h. */
#include <linux/build_bug.h>
#include <linux/cpumask.h>
#include <net/netlink.h>
#include <linux/mchost.h>
#include "stats.h"

/*
 * The uAPI's enum mchost_counter is enum mchost_stat shifted by
 * MCHOST_C_RCV_TOTAL: every name below checks that for its counter, and
 * the sizes must agree, so the two cannot drift apart.
 */
#define MCHOST_C_OF(x)	((int)MCHOST_STAT_##x + MCHOST_C_RCV_TOTAL)
#define MCHOST_NAME(x) \
	[MCHOST_STAT_##x + BUILD_BUG_ON_ZERO(MCHOST_C_##x != MCHOST_C_OF(x))]
static_assert(MCHOST_C_OF(MAX) == __MCHOST_C_MAX);

const char *const mchost_stat_names[MCHOST_STAT_MAX] = {
	MCHOST_NAME(RCV_TOTAL)		= "rcv_total",
	MCHOST_NAME(RCV_TOOSHORT)	= "rcv_tooshort",
	MCHOST_NAME(RCV_BADSUM)		= "rcv_badsum",
	MCHOST_NAME(RCV_QUERIES)	= "rcv_queries",
	MCHOST_NAME(RCV_BADQUERIES)	= "rcv_badqueries",
	MCHOST_NAME(RCV_REPORTS)	= "rcv_reports",
	MCHOST_NAME(RCV_BADREPORTS)	= "rcv_badreports",
	MCHOST_NAME(RCV_OURREPORTS)	= "rcv_ourreports",
	MCHOST_NAME(SND_REPORTS)	= "snd_reports",
	MCHOST_NAME(RCV_FRAGMENTS)	= "rcv_fragments",
	MCHOST_NAME(RCV_NOMEM)		= "rcv_nomem",
	MCHOST_NAME(RCV_UNKNOWN)	= "rcv_unknown",
	MCHOST_NAME(RCV_BADHOPLIMIT)	= "rcv_badhoplimit",
	MCHOST_NAME(RCV_BADSRC)		= "rcv_badsrc",
	MCHOST_NAME(RCV_NORA)		= "rcv_nora",
	MCHOST_NAME(SND_ERRORS)		= "snd_errors",
	MCHOST_NAME(QRY_V1)		= "qry_v1",
	MCHOST_NAME(QRY_V2)		= "qry_v2",
	MCHOST_NAME(QRY_V3)		= "qry_v3",
	MCHOST_NAME(QRY_GENERAL)	= "qry_general",
	MCHOST_NAME(QRY_GROUP)		= "qry_group",
	MCHOST_NAME(QRY_GROUP_SOURCE)	= "qry_group_source",
	MCHOST_NAME(QRY_RATELIMITED)	= "qry_ratelimited",
	MCHOST_NAME(SND_V1_REPORTS)	= "snd_v1_reports",
	MCHOST_NAME(SND_V2_REPORTS)	= "snd_v2_reports",
	MCHOST_NAME(SND_LEAVES)		= "snd_leaves",
	MCHOST_NAME(SND_V3_REPORTS)	= "snd_v3_reports",
	MCHOST_NAME(SND_TRUNCATED)	= "snd_truncated",
	MCHOST_NAME(SND_SUPPRESSED)	= "snd_suppressed",
	MCHOST_NAME(RCV_BADTTL)		= "rcv_badttl",
	MCHOST_NAME(RCV_BADDST)		= "rcv_baddst",
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

int mchost_stats_put(struct sk_buff *skb, int type,
		     struct mchost_stats __percpu *s, enum mchost_fam fam)
{
	struct nlattr *nest = nla_nest_start(skb, type);
	int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < MCHOST_STAT_MAX; i++) {
		if (nla_put_u64_64bit(skb, MCHOST_C_RCV_TOTAL + i,
				      mchost_stats_sum(s, fam, i),
				      MCHOST_C_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}
