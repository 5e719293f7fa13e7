/* SPDX-License-Identifier: GPL-2.0 */
/* Per-device state ("ill") and its memberships ("ilm"). */
#ifndef _MCHOST_ILL_H
#define _MCHOST_ILL_H

#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
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
	u32 nowners;
	struct list_head owners;	/* struct mchost_owner; RTNL */
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
	u32 ngroups[MCHOST_NFAM];
	u8 version[MCHOST_NFAM];	/* current compatibility version */
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
