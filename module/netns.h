/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-network-namespace state. The data is declared here so that every
 * layer can reach its part of it; netns.c (the top layer) sets it up and
 * tears it down.
 */
#ifndef _MCHOST_NETNS_H
#define _MCHOST_NETNS_H

#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include "stats.h"
#include "timer.h"

struct mchost_net {
	struct net *net;
	/* Per-CPU, lockless; summed by readers. */
	struct mchost_stats __percpu *stats;
	/*
	 * ifindex -> struct mchost_dev. Stores and erases under RTNL; loads
	 * under RCU (receive hook, dumps, timer) or RTNL. Freed by RCU.
	 */
	struct xarray devs;
	/*
	 * netlink portid -> number of memberships it owns (xa_mk_value), so
	 * that closing a socket without memberships costs one lookup. RTNL.
	 */
	struct xarray owner_ports;
	/*
	 * Pending memberships waiting for a device of their name (struct
	 * mchost_pending, pending.c), their number, and a count of changes
	 * for dumps. All under RTNL.
	 */
	struct list_head pending;
	unsigned int npending;
	u32 pending_gen;
	struct proc_dir_entry *proc_dir;
	/* Drives every deadline of every device of the namespace. */
	struct mchost_timer timer;
	/* Frees memberships whose leave has been reported (needs RTNL). */
	struct work_struct gc_work;
	/* Retries dropping closed sockets' filters when memory was short. */
	struct delayed_work release_work;
	/* Watches devices whose link-local address is in DAD (events.c). */
	struct delayed_work ll_work;
};

extern unsigned int mchost_net_id;

/**
 * mchost_net() - mchost's state of a namespace
 * @net: the namespace
 *
 * Return: the state; it exists while the module is loaded.
 */
static inline struct mchost_net *mchost_net(const struct net *net)
{
	return net_generic(net, mchost_net_id);
}

/**
 * mchost_netns_init() - give every namespace, present and future, a state
 *
 * Return: 0 or a negative errno.
 */
int mchost_netns_init(void);

/**
 * mchost_netns_uninit() - free every namespace's state
 */
void mchost_netns_uninit(void);

#endif /* _MCHOST_NETNS_H */
