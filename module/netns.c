// SPDX-License-Identifier: GPL-2.0
/* Per-namespace state: counters, the device table, /proc and hooks. */
#include <linux/rtnetlink.h>
#include "netns.h"
#include "ill.h"
#include "ilm.h"
#include "hook.h"
#include "proc.h"
#include "proto.h"

unsigned int mchost_net_id __read_mostly;

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
};

u64 mchost_stat_sum(struct mchost_net *mn, enum mchost_fam fam,
		    enum mchost_stat stat)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(mn->stats, cpu)->v[fam][stat]);
	return sum;
}

static int __net_init mchost_net_init(struct net *net)
{
	struct mchost_net *mn = mchost_net(net);
	int err;

	mn->net = net;
	mchost_timer_init(&mn->timer, mchost_proto_fire);
	INIT_WORK(&mn->gc_work, mchost_gc_work);
	xa_init(&mn->ills);
	xa_init(&mn->owner_ports);
	mn->stats = alloc_percpu(struct mchost_stats);
	if (!mn->stats)
		return -ENOMEM;
	err = mchost_proc_init(mn);
	if (err)
		goto err_stats;
	err = mchost_hook_init(net);
	if (err)
		goto err_proc;
	return 0;

err_proc:
	mchost_proc_uninit(mn);
err_stats:
	free_percpu(mn->stats);
	return err;
}

static void __net_exit mchost_net_exit(struct net *net)
{
	struct mchost_net *mn = mchost_net(net);

	mchost_hook_uninit(net);
	/* No firing, and so no gc request, after this. */
	mchost_timer_stop(&mn->timer);
	cancel_work_sync(&mn->gc_work);
	mchost_proc_uninit(mn);
	/*
	 * Devices of a dying namespace unregistered before we run, taking
	 * their state along; nothing should be left. Be safe anyway.
	 */
	rtnl_lock();
	mchost_ills_destroy(mn);
	rtnl_unlock();
	WARN_ON_ONCE(!xa_empty(&mn->owner_ports));
	xa_destroy(&mn->owner_ports);
	xa_destroy(&mn->ills);
	/* The hooks are gone and synchronize_net() ran: no more writers. */
	free_percpu(mn->stats);
}

static struct pernet_operations mchost_net_ops = {
	.init = mchost_net_init,
	.exit = mchost_net_exit,
	.id = &mchost_net_id,
	.size = sizeof(struct mchost_net),
};

int mchost_netns_init(void)
{
	return register_pernet_subsys(&mchost_net_ops);
}

void mchost_netns_uninit(void)
{
	unregister_pernet_subsys(&mchost_net_ops);
}
