// SPDX-License-Identifier: GPL-2.0
/*
 * Memberships: owners' filters per (device, group), their merge, and the
 * link-layer filter of the device. Everything here runs under RTNL; the
 * parts the receive path reads are also written under the device lock.
 */
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/netlink.h>
#include <net/ip.h>
#include <net/ndisc.h>
#include <net/addrconf.h>
#include <linux/if_arp.h>
#include <linux/mchost.h>
#include "ilm.h"
#include "params.h"
#include "proto.h"

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

static void mchost_owner_free(struct mchost_net *mn, struct mchost_owner *o)
{
	if (o->portid)
		mchost_port_put(mn, o->portid);
	mchost_slist_free(o->f.src);
	kfree(o);
}

static struct mchost_owner *mchost_owner_find(const struct mchost_ilm *ilm,
					      u32 portid)
{
	struct mchost_owner *o;

	list_for_each_entry(o, &ilm->owners, node)
		if (o->portid == portid)
			return o;
	return NULL;
}

/*
 * Merge every owner's filter, with owner 'swap' replaced by 'repl' (or
 * left out if repl is NULL), or repl added if swap is NULL.
 */
static int mchost_ilm_remerge(const struct mchost_ilm *ilm,
			      const struct mchost_owner *swap,
			      const struct mchost_filter *repl,
			      struct mchost_filter *out,
			      struct netlink_ext_ack *extack)
{
	const struct mchost_filter **vec;
	const struct mchost_owner *o;
	unsigned int n = 0;
	int err;

	vec = kmalloc_array(ilm->nowners + 1, sizeof(*vec), GFP_KERNEL);
	if (!vec)
		return -ENOMEM;
	list_for_each_entry(o, &ilm->owners, node) {
		if (o != swap)
			vec[n++] = &o->f;
		else if (repl)
			vec[n++] = repl;
	}
	if (!swap)
		vec[n++] = repl;
	err = mchost_filter_merge(vec, n, mchost_param(max_sources), out,
				  GFP_KERNEL);
	kfree(vec);
	if (err == -E2BIG)
		NL_SET_ERR_MSG(extack,
			       "merged source list of the group exceeds max_sources");
	return err;
}

/*
 * Install a new merged filter and tell the protocol engine (which reports
 * the change); the old source list is freed.
 */
static void mchost_ilm_set_merged(struct mchost_ill *ill,
				  struct mchost_ilm *ilm,
				  struct mchost_filter *merged, int downers)
{
	struct mchost_filter old;

	mchost_ill_lock(ill);
	old = ilm->merged;
	ilm->merged = *merged;
	if (!ilm->nowners && downers > 0)
		ill->ngroups[mchost_fam_of(ilm->family)]++;	/* new or revived */
	ilm->nowners += downers;
	if (!ilm->nowners)
		ill->ngroups[mchost_fam_of(ilm->family)]--;
	mchost_proto_change(ill, ilm, &old);
	mchost_ill_unlock(ill);
	mchost_slist_free(old.src);
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

static int mchost_ilm_ll_add(struct mchost_ill *ill, struct mchost_ilm *ilm)
{
	struct net_device *dev = ill->dev;
	int err;

	/* Devices without link-layer addresses (tun, ipip) need nothing. */
	if (!dev->addr_len)
		return 0;
	if (ilm->family == AF_INET6)
		err = ndisc_mc_map(&ilm->group, (char *)ilm->ll_addr, dev, 0);
	else
		err = mchost_ip_mc_map(ilm->group.s6_addr32[3],
				       (char *)ilm->ll_addr, dev);
	if (err)
		return 0;	/* no mapping for this link type */
	err = dev_mc_add(dev, ilm->ll_addr);
	if (!err)
		ilm->ll_added = true;
	return err;
}

static void mchost_ilm_free(struct mchost_net *mn, struct mchost_ilm *ilm)
{
	struct mchost_owner *o, *tmp;

	list_for_each_entry_safe(o, tmp, &ilm->owners, node)
		mchost_owner_free(mn, o);
	mchost_slist_free(ilm->merged.src);
	kfree(ilm);
}

/* Unlink and free a membership with all of its owners. */
void mchost_ilm_destroy(struct mchost_ill *ill, struct mchost_ilm *ilm)
{
	ASSERT_RTNL();
	mchost_ill_lock(ill);
	hlist_del(&ilm->hnode);
	if (ilm->nowners)
		ill->ngroups[mchost_fam_of(ilm->family)]--;
	mchost_proto_forget(ill, ilm);
	mchost_ill_unlock(ill);
	if (ilm->ll_added)
		dev_mc_del(ill->dev, ilm->ll_addr);
	mchost_ilm_free(ill->mn, ilm);
}

/*
 * Free the memberships left only to report a leave once they have.
 * Process context: the timer asks for it, RTNL is needed.
 */
void mchost_gc_work(struct work_struct *work)
{
	struct mchost_net *mn = container_of(work, struct mchost_net, gc_work);
	struct mchost_ill *ill;
	struct mchost_ilm *ilm;
	struct hlist_node *tmp;
	unsigned long idx;
	unsigned int bkt;
	bool done;

	rtnl_lock();
	xa_for_each(&mn->ills, idx, ill) {
		for (bkt = 0; bkt < (1U << ill->hash_bits); bkt++) {
			hlist_for_each_entry_safe(ilm, tmp, &ill->hash[bkt],
						  hnode) {
				if (ilm->nowners)
					continue;
				read_lock_bh(&ill->lock);
				done = !mchost_proto_leaving(ilm);
				read_unlock_bh(&ill->lock);
				if (done)
					mchost_ilm_destroy(ill, ilm);
			}
		}
	}
	rtnl_unlock();
}

/*
 * Set the filter of owner 'portid' to *f (full-state: it replaces what the
 * owner had). Takes ownership of f->src whatever the outcome. Either the
 * whole change happens or nothing does.
 */
int mchost_ilm_join(struct mchost_ill *ill, const struct in6_addr *group,
		    u8 family, u32 portid, struct mchost_filter *f,
		    struct netlink_ext_ack *extack)
{
	struct mchost_owner *owner, *nowner = NULL;
	struct mchost_filter merged;
	struct mchost_ilm *ilm;
	bool new_ilm = false;
	int err;

	ASSERT_RTNL();
	ilm = mchost_ilm_find(ill, group);
	if (!ilm) {
		ilm = kzalloc(sizeof(*ilm), GFP_KERNEL);
		if (!ilm) {
			err = -ENOMEM;
			goto err_filter;
		}
		ilm->group = *group;
		ilm->family = family;
		INIT_LIST_HEAD(&ilm->owners);
		mchost_proto_ilm_init(ilm);
		new_ilm = true;
	}
	owner = mchost_owner_find(ilm, portid);
	if (!owner) {
		nowner = kzalloc(sizeof(*nowner), GFP_KERNEL);
		if (!nowner) {
			err = -ENOMEM;
			goto err_ilm;
		}
		nowner->portid = portid;
	}

	err = mchost_ilm_remerge(ilm, owner, f, &merged, extack);
	if (err)
		goto err_owner;
	if (nowner && portid) {
		err = mchost_port_get(ill->mn, portid);
		if (err)
			goto err_merged;
	}
	/* New, or revived while its leave was still being reported. */
	if (!ilm->ll_added) {
		err = mchost_ilm_ll_add(ill, ilm);
		if (err) {
			NL_SET_ERR_MSG(extack,
				       "cannot add the link-layer group address");
			goto err_port;
		}
	}
	if (new_ilm) {
		mchost_ill_hash_grow(ill);
		write_lock_bh(&ill->lock);
		mchost_ill_hash_add(ill, ilm);
		write_unlock_bh(&ill->lock);
	}

	/* Commit: nothing below can fail. */
	if (nowner) {
		nowner->f = *f;
		list_add_tail(&nowner->node, &ilm->owners);
	} else {
		mchost_slist_free(owner->f.src);
		owner->f = *f;
	}
	mchost_ilm_set_merged(ill, ilm, &merged, nowner ? 1 : 0);
	return 0;

err_port:
	if (nowner && portid)
		mchost_port_put(ill->mn, portid);
err_merged:
	mchost_slist_free(merged.src);
err_owner:
	kfree(nowner);
err_ilm:
	if (new_ilm)
		kfree(ilm);
err_filter:
	mchost_slist_free(f->src);
	f->src = NULL;
	return err;
}

static int mchost_owner_remove(struct mchost_ill *ill, struct mchost_ilm *ilm,
			       struct mchost_owner *owner,
			       struct netlink_ext_ack *extack)
{
	struct mchost_filter merged;
	bool leaving;
	int err;

	err = mchost_ilm_remerge(ilm, owner, NULL, &merged, extack);
	if (err)
		return err;
	list_del(&owner->node);
	mchost_ilm_set_merged(ill, ilm, &merged, -1);
	mchost_owner_free(ill->mn, owner);
	if (ilm->nowners)
		return 0;

	/* The last owner left: the NIC filter goes now. */
	if (ilm->ll_added) {
		dev_mc_del(ill->dev, ilm->ll_addr);
		ilm->ll_added = false;
	}
	/* RFC 9776 §5.1: a v3 leave is retransmitted; keep the record till then. */
	read_lock_bh(&ill->lock);
	leaving = mchost_proto_leaving(ilm);
	read_unlock_bh(&ill->lock);
	if (!leaving)
		mchost_ilm_destroy(ill, ilm);
	return 0;
}

int mchost_ilm_leave(struct mchost_ill *ill, const struct in6_addr *group,
		     u32 portid, struct netlink_ext_ack *extack)
{
	struct mchost_owner *owner = NULL;
	struct mchost_ilm *ilm;

	ASSERT_RTNL();
	ilm = mchost_ilm_find(ill, group);
	if (ilm)
		owner = mchost_owner_find(ilm, portid);
	if (!owner) {
		NL_SET_ERR_MSG(extack, "no such membership");
		return -ENOENT;
	}
	return mchost_owner_remove(ill, ilm, owner, extack);
}

/* A netlink socket closed: drop every filter it owned in its netns. */
void mchost_release_port(struct mchost_net *mn, u32 portid)
{
	struct mchost_owner *owner;
	struct mchost_ill *ill;
	struct mchost_ilm *ilm;
	struct hlist_node *tmp;
	unsigned long idx;
	unsigned int bkt;

	ASSERT_RTNL();
	xa_for_each(&mn->ills, idx, ill) {
		for (bkt = 0; bkt < (1U << ill->hash_bits); bkt++) {
			hlist_for_each_entry_safe(ilm, tmp, &ill->hash[bkt],
						  hnode) {
				owner = mchost_owner_find(ilm, portid);
				if (owner &&
				    mchost_owner_remove(ill, ilm, owner, NULL))
					pr_warn_ratelimited("mchost: out of memory releasing port %u\n",
							    portid);
			}
			if (!xa_load(&mn->owner_ports, portid))
				return;
		}
	}
}
