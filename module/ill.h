/* SPDX-License-Identifier: GPL-2.0 */
/* Per-device state ("ill") and its memberships ("ilm"). */
#ifndef _MCHOST_ILL_H
#define _MCHOST_ILL_H

#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/rbtree.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include "change.h"
#include "filter.h"
#include "netns.h"

struct netlink_ext_ack;

/*
 * One owner's filter for one (device, group): the netns itself for
 * persistent joins (portid 0), else the netlink socket that joined.
 * Owners are created, changed and freed under RTNL only.
 */
struct mchost_owner {
	struct list_head node;
	u32 portid;
	struct mchost_filter f;
};

struct mchost_ilm {
	/* ill->hash linkage: changed under RTNL and ill->lock (write). */
	struct hlist_node hnode;
	struct in6_addr group;		/* IPv4 groups are IPv4-mapped */
	u8 family;			/* AF_INET or AF_INET6 */
	bool ll_added;			/* dev_mc_add() done (RTNL) */
	u8 ll_addr[MAX_ADDR_LEN];	/* link-layer group address (RTNL) */
	/*
	 * The merge of the owners' filters (RFC 9776 §3.2). Written under
	 * RTNL and ill->lock (write); read under either.
	 */
	struct mchost_filter merged;
	u32 nowners;			/* 0: a leave still being reported */
	struct list_head owners;	/* struct mchost_owner; RTNL */

	/* Protocol state, all under ill->lock. */
	struct rb_node tnode;		/* in ill->tq while tkey != KTIME_MAX */
	ktime_t tkey;			/* min(resp_at, rtx_at) */
	ktime_t resp_at, resp_early;	/* query response due (latest, earliest) */
	ktime_t rtx_at, rtx_early;	/* next unsolicited transmission */
	struct mchost_slist *pend;	/* sources asked by pending queries */
	bool pend_group;		/* a group-specific query is pending */
	bool reported_last;		/* we sent the last v1/v2 report */
	u8 v2_rtx;			/* v1/v2 unsolicited reports left */
	struct mchost_rtx rtx;		/* v3 state-change retransmissions */
	ktime_t gsr_since;		/* rate limit of source-specific queries */
	u8 gsr_count;
};

/* Per device and family: the querier's view (RFC 9776 §7, §8). */
struct mchost_ifproto {
	u8 version;			/* compatibility mode in force */
	u8 rv;				/* querier's QRV; 0: none heard */
	u32 qi_ms;			/* Query Interval */
	u32 qri_ms;			/* Query Response Interval */
	ktime_t old_until[2];		/* v1 / v2 querier present until */
	ktime_t gen_at, gen_early;	/* general-query response due */
	u32 gen_bkt, gen_idx;		/* where a batched response resumes */
	u8 gen_bits;			/* hash size that position is valid for */
	bool gen_active;		/* a batched response is under way */
};

struct mchost_ill {
	struct net_device *dev;		/* no reference: we die at UNREGISTER */
	struct mchost_net *mn;
	/*
	 * Protects the hash table, the counters below and every ilm's merged
	 * filter. Writers also hold RTNL, so RTNL alone is enough to read.
	 * Taken with _bh: the receive hook reads under it in softirq.
	 */
	rwlock_t lock;
	struct hlist_head *hash;
	u8 hash_bits;
	u32 hash_seed;
	u32 ngroups[MCHOST_NFAM];	/* memberships with owners */
	struct mchost_ifproto proto[MCHOST_NFAM];
	struct rb_root_cached tq;	/* ilms with a deadline, by tkey */
	ktime_t next;			/* earliest deadline of this device */
	ktime_t deferred;		/* deadline for the timer, set at unlock */
	struct sk_buff_head txq;	/* built under the lock, sent after */
	bool dead;			/* unregistering: no more work */
	bool oper;			/* running and operationally up */
	struct rcu_head rcu;
};

static inline enum mchost_fam mchost_fam_of(u8 family)
{
	return family == AF_INET ? MCHOST_IGMP : MCHOST_MLD;
}

/* Lookup under RCU or RTNL. */
static inline struct mchost_ill *mchost_ill_find(struct mchost_net *mn,
						 int ifindex)
{
	return xa_load(&mn->ills, ifindex);
}

struct mchost_ill *mchost_ill_get(struct net_device *dev);
struct mchost_ilm *mchost_ilm_find(const struct mchost_ill *ill,
				   const struct in6_addr *group);
unsigned int mchost_ill_version(const struct mchost_ill *ill,
				enum mchost_fam fam);

/* Control plane, all under RTNL. */
int mchost_ilm_join(struct mchost_ill *ill, const struct in6_addr *group,
		    u8 family, u32 portid, struct mchost_filter *f,
		    struct netlink_ext_ack *extack);
int mchost_ilm_leave(struct mchost_ill *ill, const struct in6_addr *group,
		     u32 portid, struct netlink_ext_ack *extack);
void mchost_release_port(struct mchost_net *mn, u32 portid);
void mchost_ills_destroy(struct mchost_net *mn);

int mchost_ill_init(void);
void mchost_ill_uninit(void);

#endif /* _MCHOST_ILL_H */
