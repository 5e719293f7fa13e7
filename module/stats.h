/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters, per family and per CPU. Writers never lock: each increments
 * its own CPU's copy; readers add the copies up.
 */
#ifndef _MCHOST_STATS_H
#define _MCHOST_STATS_H

#include <linux/percpu.h>
#include <linux/types.h>
#include "wire.h"

/*
 * Every received message is counted once in RCV_TOTAL and then in exactly
 * one of: RCV_QUERIES, RCV_REPORTS, or one drop/ignore reason (every rcv_
 * counter but RCV_OURREPORTS, which is a subset of RCV_REPORTS). The order
 * is the order of /proc/net/mchost/igmp: new counters only go at the end,
 * here and in the uAPI's enum mchost_counter (stats.c checks the two).
 */
enum mchost_stat {
	MCHOST_STAT_RCV_TOTAL,
	MCHOST_STAT_RCV_TOOSHORT,
	MCHOST_STAT_RCV_BADSUM,
	MCHOST_STAT_RCV_QUERIES,
	MCHOST_STAT_RCV_BADQUERIES,
	MCHOST_STAT_RCV_REPORTS,
	MCHOST_STAT_RCV_BADREPORTS,
	MCHOST_STAT_RCV_OURREPORTS,
	MCHOST_STAT_SND_REPORTS,
	MCHOST_STAT_RCV_FRAGMENTS,
	MCHOST_STAT_RCV_NOMEM,
	MCHOST_STAT_RCV_UNKNOWN,
	MCHOST_STAT_RCV_BADHOPLIMIT,
	MCHOST_STAT_RCV_BADSRC,
	MCHOST_STAT_RCV_NORA,
	MCHOST_STAT_SND_ERRORS,
	/* Valid queries by version and kind (parts of rcv_queries). */
	MCHOST_STAT_QRY_V1,
	MCHOST_STAT_QRY_V2,
	MCHOST_STAT_QRY_V3,
	MCHOST_STAT_QRY_GENERAL,
	MCHOST_STAT_QRY_GROUP,
	MCHOST_STAT_QRY_GROUP_SOURCE,
	MCHOST_STAT_QRY_RATELIMITED,
	/* Packets queued for sending, by kind (snd_reports counts sends). */
	MCHOST_STAT_SND_V1_REPORTS,
	MCHOST_STAT_SND_V2_REPORTS,
	MCHOST_STAT_SND_LEAVES,
	MCHOST_STAT_SND_V3_REPORTS,
	MCHOST_STAT_SND_TRUNCATED,
	MCHOST_STAT_SND_SUPPRESSED,
	/* Drop reasons added later, at the end to keep the file's order. */
	MCHOST_STAT_RCV_BADTTL,
	MCHOST_STAT_RCV_BADDST,
	MCHOST_STAT_MAX,
};

extern const char *const mchost_stat_names[MCHOST_STAT_MAX];

struct mchost_stats {
	u64 v[MCHOST_NFAM][MCHOST_STAT_MAX];
};

/**
 * mchost_stats_inc() - count one event on this CPU
 * @s: the per-CPU counters
 * @fam: IGMP or MLD
 * @stat: which counter
 */
static inline void mchost_stats_inc(struct mchost_stats __percpu *s,
				    enum mchost_fam fam, enum mchost_stat stat)
{
	this_cpu_inc(s->v[fam][stat]);
}

/**
 * mchost_stats_sum() - the value of one counter, over every CPU
 * @s: the per-CPU counters
 * @fam: IGMP or MLD
 * @stat: which counter
 *
 * Return: the sum; it may miss increments racing with the read.
 */
u64 mchost_stats_sum(struct mchost_stats __percpu *s, enum mchost_fam fam,
		     enum mchost_stat stat);

struct sk_buff;

/**
 * mchost_stats_put() - put the counters of one family as a netlink nest
 * @skb: the message
 * @type: the nest's attribute type
 * @s: the per-CPU counters
 * @fam: IGMP or MLD
 *
 * Each counter is a u64 of type MCHOST_C_RCV_TOTAL + its enum mchost_stat.
 *
 * Return: 0 or -EMSGSIZE.
 */
int mchost_stats_put(struct sk_buff *skb, int type,
		     struct mchost_stats __percpu *s, enum mchost_fam fam);

#endif /* _MCHOST_STATS_H */
