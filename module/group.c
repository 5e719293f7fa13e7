// SPDX-License-Identifier: GPL-2.0
/*
 * Memberships: owners' filters per (device, group), their merge, and the
 * link-layer filter of the device. Everything here runs under RTNL; the
 * parts the receive path and the timer read are also written under the
 * device lock.
 */
#include <linux/if_arp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/sock.h>
#include <net/ip.h>
#include <net/ndisc.h>
#include <linux/mchost.h>
#include "genl.h"
#include "group.h"
#include "params.h"
#include "proto.h"
#include "testing.h"

/*
 * One socket owner's filter for one (device, group): the netlink socket
 * that joined. The owner is the socket, held by reference: its port is
 * freed before its release is announced, and a new socket may take the
 * port and join in between, so a port alone would alias the two. Owners
 * are created, changed and freed under RTNL only. The persistent owner
 * (the namespace itself) is grp->persist, inline, so that a persistent
 * membership allocates nothing more; a NULL owner names it below.
 */
struct mchost_owner {
	struct hlist_node node;
	struct sock *sk;
	u32 portid;
	struct mchost_filter f;
};

/* Filters mchost_group_remerge() merges without allocating a vector. */
#define MCHOST_REMERGE_FEW 4

/* Memberships, the bulk of the module's memory: sized exactly (issue 11). */
static struct kmem_cache *mchost_group_cache;

int __init mchost_group_cache_init(void)
{
	mchost_group_cache = KMEM_CACHE(mchost_group, MCHOST_SLAB_FLAGS);
	return mchost_group_cache ? 0 : -ENOMEM;
}

void mchost_group_cache_uninit(void)
{
	kmem_cache_destroy(mchost_group_cache);
}

/* Non-persistent owners are counted per netlink port, see owner_ports. */
static int mchost_port_get(struct mchost_net *mn, u32 portid)
{
	unsigned long n = xa_to_value(xa_load(&mn->owner_ports, portid));

	return xa_err(xa_store(&mn->owner_ports, portid, xa_mk_value(n + 1),
			       GFP_KERNEL));
}

static void mchost_port_put(struct mchost_net *mn, u32 portid)
{
	unsigned long n = xa_to_value(xa_load(&mn->owner_ports, portid));

	if (n > 1)
		/* Replacing an existing entry allocates nothing. */
		xa_store(&mn->owner_ports, portid, xa_mk_value(n - 1),
			 GFP_KERNEL);
	else
		xa_erase(&mn->owner_ports, portid);
}

bool mchost_group_owns_port(struct mchost_net *mn, u32 portid)
{
	return xa_load(&mn->owner_ports, portid);
}

static void mchost_owner_free(struct mchost_net *mn, struct mchost_owner *o)
{
	mchost_port_put(mn, o->portid);
	sock_put(o->sk);
	mchost_slist_free(o->f.src);
	kfree(o);
}

static struct mchost_owner *mchost_owner_find(const struct mchost_group *grp,
					      const struct sock *sk)
{
	struct mchost_owner *o;

	hlist_for_each_entry(o, &grp->owners, node)
		if (o->sk == sk)
			return o;
	return NULL;
}

/* The filter of owner (NULL: the persistent one) in grp. */
static struct mchost_filter *mchost_owner_f(struct mchost_group *grp,
					    struct mchost_owner *owner)
{
	return owner ? &owner->f : &grp->persist;
}

/*
 * Merge every owner's filter, with the filter 'swap' replaced by 'repl'
 * (or left out if repl is NULL), or repl added if swap is NULL. The merge
 * is of sets, so the order the owners come in does not matter.
 */
static int mchost_group_remerge(const struct mchost_group *grp,
				const struct mchost_filter *swap,
				const struct mchost_filter *repl,
				struct mchost_filter *out,
				struct netlink_ext_ack *extack)
{
	/* Most groups have an owner or two: no allocation for those. */
	const struct mchost_filter *few[MCHOST_REMERGE_FEW];
	const struct mchost_filter **vec = few, *of;
	const struct mchost_owner *o;
	unsigned int n = 0;
	int err;

	if (mchost_testing_fail_merge())
		return -ENOMEM;
	if (grp->nowners + 1 > ARRAY_SIZE(few)) {
		vec = kmalloc_array(grp->nowners + 1, sizeof(*vec),
				    GFP_KERNEL);
		if (!vec)
			return -ENOMEM;
	}
	if (grp->has_persist) {
		of = &grp->persist;
		if (of != swap)
			vec[n++] = of;
		else if (repl)
			vec[n++] = repl;
	}
	hlist_for_each_entry(o, &grp->owners, node) {
		if (&o->f != swap)
			vec[n++] = &o->f;
		else if (repl)
			vec[n++] = repl;
	}
	if (!swap)
		vec[n++] = repl;
	err = mchost_filter_merge(vec, n, mchost_param(max_sources), out,
				  GFP_KERNEL);
	if (vec != few)
		kfree(vec);
	/*
	 * An owner that goes cannot be refused (its socket may be dead), yet
	 * the union of the INCLUDE owners left can pass max_sources: take any
	 * source then, which every owner's filter is a part of.
	 */
	if (err == -E2BIG && swap && !repl) {
		out->mode = MCHOST_FMODE_EXCLUDE;
		out->src = NULL;
		return 0;
	}
	if (err == -E2BIG)
		NL_SET_ERR_MSG(extack,
			       "merged source list of the group exceeds max_sources");
	return err;
}

/*
 * Install a new merged filter and tell the protocol engine (which reports
 * the change); the old source list is freed.
 */
static void mchost_group_set_merged(struct mchost_dev *md,
				    struct mchost_group *grp,
				    struct mchost_filter *merged, int downers,
				    bool pending, u8 event)
{
	struct mchost_filter old;

	mchost_dev_lock(md);
	old = grp->merged;
	grp->merged = *merged;
	grp->pending = pending;
	if (!grp->nowners && downers > 0)
		md->ngroups[mchost_fam_of(grp->family)]++;	/* new or revived */
	grp->nowners += downers;
	if (!grp->nowners)
		md->ngroups[mchost_fam_of(grp->family)]--;
	mchost_proto_change(md, grp, &old, ktime_get());
	mchost_dev_unlock(md);
	mchost_slist_free(old.src);
	mchost_genl_notify_group(md, grp, event);
}

/* IPv4 group to link-layer address; the kernel's own mapper is not exported. */
static int mchost_ip_mc_map(__be32 group, char *buf,
			    const struct net_device *dev)
{
	switch (dev->type) {
	case ARPHRD_ETHER:
	case ARPHRD_FDDI:
	case ARPHRD_IEEE802:
		ip_eth_mc_map(group, buf);
		return 0;
	case ARPHRD_INFINIBAND:
		ip_ib_mc_map(group, dev->broadcast, buf);
		return 0;
	}
	return -EINVAL;
}

/*
 * The link-layer address of grp on md's device, into buf (MAX_ADDR_LEN).
 * Computed again for the delete, as it is not kept: the mapping depends
 * only on the group and the device type, neither of which changes.
 * Return: false if the device needs none (no link-layer addresses, as tun
 * or ipip, or a link type without a mapping).
 */
static bool mchost_group_ll_map(const struct mchost_dev *md,
				const struct mchost_group *grp, char *buf)
{
	struct net_device *dev = md->dev;

	if (!dev->addr_len)
		return false;
	if (grp->family == AF_INET6)
		return !ndisc_mc_map(&grp->addr, buf, dev, 0);
	return !mchost_ip_mc_map(grp->addr.s6_addr32[3], buf, dev);
}

static int mchost_group_ll_add(struct mchost_dev *md, struct mchost_group *grp)
{
	char ll[MAX_ADDR_LEN];
	int err;

	if (!mchost_group_ll_map(md, grp, ll))
		return 0;
	err = dev_mc_add(md->dev, ll);
	if (!err)
		grp->ll_added = true;
	return err;
}

static void mchost_group_ll_del(struct mchost_dev *md,
				struct mchost_group *grp)
{
	char ll[MAX_ADDR_LEN];

	if (grp->ll_added && mchost_group_ll_map(md, grp, ll))
		dev_mc_del(md->dev, ll);
	grp->ll_added = false;
}

static void mchost_group_free(struct mchost_net *mn, struct mchost_group *grp)
{
	struct mchost_owner *o;
	struct hlist_node *tmp;

	/* mchost_proto_forget() freed its pending state. */
	WARN_ON_ONCE(grp->st);
	hlist_for_each_entry_safe(o, tmp, &grp->owners, node)
		mchost_owner_free(mn, o);
	if (grp->has_persist)
		mchost_slist_free(grp->persist.src);
	mchost_slist_free(grp->merged.src);
	kmem_cache_free(mchost_group_cache, grp);
}

/* Unlink and free a membership with all of its owners. */
static void mchost_group_destroy(struct mchost_dev *md,
				 struct mchost_group *grp)
{
	ASSERT_RTNL();
	mchost_dev_lock(md);
	mchost_proto_forget(md, grp);
	mchost_dev_del_group(md, grp);
	if (grp->nowners)
		md->ngroups[mchost_fam_of(grp->family)]--;
	mchost_dev_unlock(md);
	mchost_group_ll_del(md, grp);
	mchost_group_free(md->mn, grp);
}

/* Is grp a membership whose leave has been reported in full? */
static bool mchost_group_done(struct mchost_dev *md, struct mchost_group *grp)
{
	bool leaving;

	if (grp->nowners)
		return false;
	read_lock_bh(&md->lock);
	leaving = mchost_proto_leaving(grp);
	read_unlock_bh(&md->lock);
	return !leaving;
}

void mchost_group_gc_work(struct work_struct *work)
{
	struct mchost_net *mn = container_of(work, struct mchost_net, gc_work);
	struct mchost_group *grp, *next;
	struct mchost_dev *md;
	unsigned long idx;

	rtnl_lock();
	xa_for_each(&mn->devs, idx, md) {
		for (grp = mchost_dev_first(md); grp; grp = next) {
			next = mchost_dev_next(md, grp);
			if (mchost_group_done(md, grp))
				mchost_group_destroy(md, grp);
		}
	}
	rtnl_unlock();
}

static struct mchost_group *mchost_group_alloc(const struct in6_addr *addr,
					       u8 family)
{
	struct mchost_group *grp = kmem_cache_zalloc(mchost_group_cache,
						     GFP_KERNEL);

	if (!grp)
		return NULL;
	grp->addr = *addr;
	grp->family = family;
	return grp;
}

int mchost_group_join(struct mchost_dev *md, const struct in6_addr *addr,
		      u8 family, u32 portid, struct sock *sk,
		      struct mchost_filter *f, bool pending,
		      struct netlink_ext_ack *extack)
{
	struct mchost_owner *owner = NULL, *nowner = NULL;
	struct mchost_filter merged, *of = NULL;
	struct mchost_group *grp;
	bool new_grp = false;
	int err;

	ASSERT_RTNL();
	grp = mchost_dev_find_group(md, addr);
	if (!grp) {
		grp = mchost_group_alloc(addr, family);
		if (!grp) {
			err = -ENOMEM;
			goto err_filter;
		}
		new_grp = true;
	}
	if (sk) {
		owner = mchost_owner_find(grp, sk);
		if (owner)
			of = &owner->f;
	} else if (grp->has_persist) {
		of = &grp->persist;
	}
	if (!of && sk) {
		nowner = kzalloc(sizeof(*nowner), GFP_KERNEL);
		if (!nowner) {
			err = -ENOMEM;
			goto err_grp;
		}
		nowner->portid = portid;
	}

	err = mchost_group_remerge(grp, of, f, &merged, extack);
	if (err)
		goto err_owner;
	if (nowner) {
		err = mchost_port_get(md->mn, portid);
		if (err)
			goto err_merged;
	}
	/* New, or revived while its leave was still being reported. */
	if (!grp->ll_added) {
		err = mchost_group_ll_add(md, grp);
		if (err) {
			NL_SET_ERR_MSG(extack,
				       "cannot add the link-layer group address");
			goto err_port;
		}
	}
	if (new_grp) {
		mchost_dev_grow(md);
		write_lock_bh(&md->lock);
		mchost_dev_add_group(md, grp);
		write_unlock_bh(&md->lock);
	}

	/* Commit: nothing below can fail. */
	if (of) {
		mchost_slist_free(of->src);
		*of = *f;
	} else if (nowner) {
		sock_hold(sk);
		nowner->sk = sk;
		nowner->f = *f;
		hlist_add_head(&nowner->node, &grp->owners);
	} else {
		grp->persist = *f;
		grp->has_persist = true;
	}
	mchost_group_set_merged(md, grp, &merged, of ? 0 : 1,
				sk ? grp->pending : pending,
				of ? MCHOST_EVENT_CHANGE : MCHOST_EVENT_JOIN);
	return 0;

err_port:
	if (nowner)
		mchost_port_put(md->mn, portid);
err_merged:
	mchost_slist_free(merged.src);
err_owner:
	kfree(nowner);
err_grp:
	if (new_grp)
		kmem_cache_free(mchost_group_cache, grp);
err_filter:
	mchost_slist_free(f->src);
	f->src = NULL;
	return err;
}

/* Drop a socket owner, or the persistent one if owner is NULL. */
static int mchost_owner_remove(struct mchost_dev *md, struct mchost_group *grp,
			       struct mchost_owner *owner, u8 event,
			       struct netlink_ext_ack *extack)
{
	struct mchost_filter merged;
	int err;

	err = mchost_group_remerge(grp, mchost_owner_f(grp, owner), NULL,
				   &merged, extack);
	if (err)
		return err;
	if (owner)
		hlist_del(&owner->node);
	else
		grp->has_persist = false;
	/* The persistent owner's leave ends its pending membership too. */
	mchost_group_set_merged(md, grp, &merged, -1,
				owner ? grp->pending : false, event);
	if (owner) {
		mchost_owner_free(md->mn, owner);
	} else {
		mchost_slist_free(grp->persist.src);
		grp->persist.src = NULL;
	}
	if (grp->nowners)
		return 0;

	/* The last owner left: the NIC filter goes now. */
	mchost_group_ll_del(md, grp);
	/* RFC 9776 §5.1: a v3 leave is retransmitted; keep the record till then. */
	if (mchost_group_done(md, grp))
		mchost_group_destroy(md, grp);
	return 0;
}

const struct mchost_filter *
mchost_group_persistent(const struct mchost_group *grp)
{
	ASSERT_RTNL();
	return grp->has_persist ? &grp->persist : NULL;
}

int mchost_group_leave(struct mchost_dev *md, const struct in6_addr *addr,
		       struct sock *sk, struct netlink_ext_ack *extack)
{
	struct mchost_owner *owner = NULL;
	struct mchost_group *grp;

	ASSERT_RTNL();
	grp = mchost_dev_find_group(md, addr);
	if (grp && sk)
		owner = mchost_owner_find(grp, sk);
	if (!grp || (sk ? !owner : !grp->has_persist)) {
		NL_SET_ERR_MSG(extack, "no such membership");
		return -ENOENT;
	}
	return mchost_owner_remove(md, grp, owner, MCHOST_EVENT_LEAVE, extack);
}

/* The owner of grp whose socket was released, if any. */
static struct mchost_owner *mchost_owner_dead(const struct mchost_group *grp)
{
	struct mchost_owner *o;

	hlist_for_each_entry(o, &grp->owners, node)
		if (sock_flag(o->sk, SOCK_DEAD))
			return o;
	return NULL;
}

void mchost_group_release_work(struct work_struct *work)
{
	struct mchost_net *mn = container_of(to_delayed_work(work),
					     struct mchost_net, release_work);
	int err;

	rtnl_lock();
	err = mchost_group_release_dead(mn);
	rtnl_unlock();
	if (err)
		schedule_delayed_work(&mn->release_work, HZ);
}

int mchost_group_release_dead(struct mchost_net *mn)
{
	struct mchost_group *grp, *next;
	struct mchost_owner *owner;
	struct mchost_dev *md;
	unsigned long idx;
	int err = 0;

	ASSERT_RTNL();
	xa_for_each(&mn->devs, idx, md) {
		for (grp = mchost_dev_first(md); grp; grp = next) {
			next = mchost_dev_next(md, grp);
			/* A group freed with its last owner leaves the loop. */
			while ((owner = mchost_owner_dead(grp))) {
				bool last = grp->nowners == 1;

				if (mchost_owner_remove(md, grp, owner,
							MCHOST_EVENT_OWNER_GONE,
							NULL)) {
					err = -ENOMEM;
					break;
				}
				if (last)
					break;
			}
		}
	}
	return err;
}

void mchost_group_dev_gone(struct mchost_dev *md)
{
	struct mchost_group *grp, *next;

	ASSERT_RTNL();
	mchost_dev_unlink(md);
	for (grp = mchost_dev_first(md); grp; grp = next) {
		next = mchost_dev_next(md, grp);
		if (grp->nowners)
			mchost_genl_notify_group(md, grp,
						 MCHOST_EVENT_DEVICE_GONE);
		mchost_group_destroy(md, grp);
	}
	mchost_dev_release(md);
}
