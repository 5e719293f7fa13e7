/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memberships: one struct mchost_group per (device, group address), with
 * the filters of its owners, their merge, and the protocol engine's state.
 */
#ifndef _MCHOST_GROUP_H
#define _MCHOST_GROUP_H

#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include "change.h"
#include "filter.h"

struct mchost_dev;
struct mchost_net;
struct netlink_ext_ack;
struct sock;
struct work_struct;

/*
 * The module's slab caches are never merged: each has its own line in
 * /proc/slabinfo, where memory is measured, and shares no page with
 * objects of another lifetime.
 */
#ifdef SLAB_NO_MERGE
#define MCHOST_SLAB_FLAGS	SLAB_NO_MERGE
#else
#define MCHOST_SLAB_FLAGS	0
#endif

/*
 * What a membership has pending: its deadlines, the sources of pending
 * queries, its state-change retransmissions. Most memberships have
 * nothing pending most of the time, so this is allocated when something
 * is scheduled and freed once it is all done (proto.c, from a slab cache
 * of its own), which keeps the membership small. All under md->lock.
 */
struct mchost_gstate {
	struct rb_node tnode;		/* in md->tq while tkey != KTIME_MAX */
	ktime_t tkey;			/* min(resp_at, rtx_at) */
	struct mchost_group *grp;	/* whose it is */
	ktime_t resp_at, resp_early;	/* query response due: latest, earliest */
	ktime_t rtx_at, rtx_early;	/* next unsolicited transmission */
	struct mchost_slist *pend;	/* sources asked by pending queries */
	struct mchost_rtx rtx;		/* v3 state-change retransmissions */
	bool pend_group;		/* a group-specific query is pending */
	u8 v2_rtx;			/* v1/v2 unsolicited reports left */
};

/*
 * Ordered so that alignment leaves one 2-byte hole (pahole); it has a slab
 * cache of its own, group.c. Fields keep the lock rule above them.
 */
struct mchost_group {
	/* md->hash linkage: changed under RTNL and md->lock (write). */
	struct hlist_node hnode;
	struct in6_addr addr;		/* IPv4 groups are IPv4-mapped */
	u32 hash;			/* of addr, fixed at creation */
	u8 family;			/* AF_INET or AF_INET6 */
	/* dev_mc_add() of the mapped address done (RTNL); not kept, group.c */
	bool ll_added;
	/*
	 * The persistent owner's filter is a pending membership's, bound to
	 * the device's name (pending.c). Written like merged.
	 */
	bool pending;
	bool has_persist;		/* persist is set; RTNL */
	struct hlist_head owners;	/* sockets' filters (group.c); RTNL */
	struct mchost_filter persist;	/* the persistent owner's; RTNL */
	/*
	 * The merge of the owners' filters (RFC 9776 §3.2). Written under
	 * RTNL and md->lock (write); read under either; so is nowners.
	 */
	struct mchost_filter merged;
	u32 nowners;			/* 0: a leave still being reported */

	/* Protocol state (proto.c), all under md->lock. */
	bool reported_last;		/* we sent the last v1/v2 report */
	u8 gsr_count;			/* source-specific queries since gsr_since */
	ktime_t last_tx;		/* last report of it, 0: none yet */
	ktime_t gsr_since;		/* rate limit of source-specific queries */
	struct mchost_gstate *st;	/* NULL: nothing pending */
};

/**
 * mchost_group_join() - set one owner's filter of a group on a device
 * @md: the device
 * @addr: the group (IPv4-mapped for IGMP)
 * @family: AF_INET or AF_INET6
 * @portid: the owner's netlink port, or 0 for the persistent owner
 * @sk: the owner's netlink socket, or NULL for the persistent owner; the
 *      owner is this socket, not its port, which a later socket may reuse
 * @f: the filter; it replaces what the owner had (full state). Its source
 *     list is taken over whatever the outcome.
 * @pending: for the persistent owner: whether it is a pending membership
 *           from now on (full state too); ignored for a socket
 * @extack: for the error message
 *
 * Merges the owners' filters, programs the link-layer filter and reports
 * the change. Either the whole change happens or nothing does. RTNL.
 *
 * Return: 0 or a negative errno.
 */
int mchost_group_join(struct mchost_dev *md, const struct in6_addr *addr,
		      u8 family, u32 portid, struct sock *sk,
		      struct mchost_filter *f, bool pending,
		      struct netlink_ext_ack *extack);

/**
 * mchost_group_persistent() - the persistent owner's filter of a group
 * @grp: the group
 *
 * Context: RTNL held (owners change under it only).
 * Return: the filter, or NULL if only sockets own the group.
 */
const struct mchost_filter *
mchost_group_persistent(const struct mchost_group *grp);

/**
 * mchost_group_leave() - drop one owner's filter of a group
 * @md: the device
 * @addr: the group
 * @sk: the owner, as for mchost_group_join()
 * @extack: for the error message
 *
 * The persistent owner's leave also ends a pending membership. RTNL.
 *
 * Return: 0, -ENOENT if the owner has no such membership, or -ENOMEM.
 */
int mchost_group_leave(struct mchost_dev *md, const struct in6_addr *addr,
		       struct sock *sk, struct netlink_ext_ack *extack);

/**
 * mchost_group_owns_port() - might a netlink port own filters here?
 * @mn: the namespace
 * @portid: the port
 *
 * Return: true if some owner, dead or alive, uses @portid.
 */
bool mchost_group_owns_port(struct mchost_net *mn, u32 portid);

/**
 * mchost_group_release_dead() - drop the filters of closed sockets
 * @mn: the namespace
 *
 * Drops every filter whose owning socket has been released. RTNL.
 *
 * Return: 0, or -ENOMEM if one could not be dropped yet (the caller
 * retries later; the owner stays marked by its dead socket meanwhile).
 */
int mchost_group_release_dead(struct mchost_net *mn);

/**
 * mchost_group_dev_gone() - a device is going away
 * @md: its state; freed (after an RCU grace period) with every membership
 *
 * RTNL.
 */
void mchost_group_dev_gone(struct mchost_dev *md);

/**
 * mchost_group_release_work() - retry mchost_group_release_dead()
 * @work: &mchost_net.release_work; it requeues itself while memory is short
 */
void mchost_group_release_work(struct work_struct *work);

/**
 * mchost_group_gc_work() - free memberships whose leave was reported
 * @work: &mchost_net.gc_work
 */
void mchost_group_gc_work(struct work_struct *work);

/**
 * mchost_group_cache_init() - create the slab cache of memberships
 *
 * Before anything can join.
 *
 * Return: 0 or -ENOMEM.
 */
int mchost_group_cache_init(void);

/**
 * mchost_group_cache_uninit() - destroy it
 *
 * After the last membership was freed: every namespace gone and the
 * module's RCU callbacks run (mchost_netns_uninit()).
 */
void mchost_group_cache_uninit(void);

#endif /* _MCHOST_GROUP_H */
