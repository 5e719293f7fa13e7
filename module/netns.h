/* SPDX-License-Identifier: GPL-2.0 */
/* Per-network-namespace state ("ipst" in the illumos design). */
#ifndef _MCHOST_NETNS_H
#define _MCHOST_NETNS_H

#include <linux/percpu.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include "timer.h"
#include "wire.h"

/*
 * Counters, per family. Every received message is counted once in
 * RCV_TOTAL and then in exactly one of: RCV_QUERIES, RCV_REPORTS, or one
 * drop/ignore reason (every rcv_ counter but RCV_OURREPORTS, which is a
 * subset of RCV_REPORTS). The order is the order of /proc/net/mchost/igmp.
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
	MCHOST_STAT_MAX,
};

extern const char *const mchost_stat_names[MCHOST_STAT_MAX];

struct mchost_stats {
	u64 v[MCHOST_NFAM][MCHOST_STAT_MAX];
};

struct mchost_net {
	struct net *net;
	/* Per-CPU, lockless; summed by readers. */
	struct mchost_stats __percpu *stats;
	/*
	 * ifindex -> struct mchost_ill. Stores and erases under RTNL; loads
	 * under RCU (receive hook, dumps) or RTNL. Ills are freed by RCU.
	 */
	struct xarray ills;
	/*
	 * netlink portid -> number of memberships it owns (xa_mk_value), so
	 * that closing a socket without memberships costs one lookup. RTNL.
	 */
	struct xarray owner_ports;
	struct proc_dir_entry *proc_dir;
	/* Drives every deadline of every device of the namespace. */
	struct mchost_timer timer;
	/* Frees memberships whose leave has been reported (needs RTNL). */
	struct work_struct gc_work;
};

extern unsigned int mchost_net_id;

static inline struct mchost_net *mchost_net(const struct net *net)
{
	return net_generic(net, mchost_net_id);
}

static inline void mchost_count(struct mchost_net *mn, enum mchost_fam fam,
				enum mchost_stat stat)
{
	this_cpu_inc(mn->stats->v[fam][stat]);
}

u64 mchost_stat_sum(struct mchost_net *mn, enum mchost_fam fam,
		    enum mchost_stat stat);

int mchost_netns_init(void);
void mchost_netns_uninit(void);

#endif /* _MCHOST_NETNS_H */
