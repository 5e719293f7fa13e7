// SPDX-License-Identifier: GPL-2.0
/*
 * Pending memberships: persistent joins bound to a device name, kept
 * while no device has it, as smcroute does for interfaces that come up
 * late. Everything here runs under RTNL, which also guards the list.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include "dev.h"
#include "group.h"
#include "netns.h"
#include "pending.h"

static struct mchost_pending *mchost_pending_find(struct mchost_net *mn,
						  const char *name,
						  const struct in6_addr *addr)
{
	struct mchost_pending *e;

	list_for_each_entry(e, &mn->pending, node)
		if (!strcmp(e->name, name) && ipv6_addr_equal(&e->addr, addr))
			return e;
	return NULL;
}

static void mchost_pending_del(struct mchost_net *mn, struct mchost_pending *e)
{
	list_del(&e->node);
	mn->npending--;
	mn->pending_gen++;
	mchost_slist_free(e->f.src);
	kfree(e);
}

/*
 * Keep (name, addr) waiting with filter f, whose source list is taken
 * over. No limit applies when limit is false: a device that goes turns
 * its memberships into as many waiting ones, which cost no more.
 */
static int mchost_pending_set(struct mchost_net *mn, const char *name,
			      const struct in6_addr *addr, u8 family,
			      struct mchost_filter *f, bool limit,
			      struct netlink_ext_ack *extack)
{
	struct mchost_pending *e = mchost_pending_find(mn, name, addr);

	if (e) {
		mchost_slist_free(e->f.src);
		e->f = *f;
		mn->pending_gen++;
		return 0;
	}
	if (limit && mn->npending >= MCHOST_PENDING_MAX) {
		NL_SET_ERR_MSG(extack,
			       "too many pending memberships wait in this namespace");
		mchost_slist_free(f->src);
		return -ENOSPC;
	}
	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e) {
		mchost_slist_free(f->src);
		return -ENOMEM;
	}
	strscpy(e->name, name, sizeof(e->name));
	e->addr = *addr;
	e->family = family;
	e->f = *f;
	list_add_tail(&e->node, &mn->pending);
	mn->npending++;
	mn->pending_gen++;
	return 0;
}

int mchost_pending_join(struct mchost_net *mn, struct mchost_dev *md,
			const char *name, const struct in6_addr *addr,
			u8 family, struct mchost_filter *f,
			struct netlink_ext_ack *extack)
{
	struct mchost_pending *e;
	int err;

	ASSERT_RTNL();
	if (!md)
		return mchost_pending_set(mn, name, addr, family, f, true,
					  extack);
	err = mchost_group_join(md, addr, family, 0, NULL, f, true, extack);
	/* One left waiting by a failed mchost_pending_apply() is done. */
	e = mchost_pending_find(mn, name, addr);
	if (!err && e)
		mchost_pending_del(mn, e);
	return err;
}

int mchost_pending_leave(struct mchost_net *mn, struct mchost_dev *md,
			 const char *name, const struct in6_addr *addr,
			 struct netlink_ext_ack *extack)
{
	struct mchost_pending *e;
	int err = 0;

	ASSERT_RTNL();
	e = mchost_pending_find(mn, name, addr);
	if (!md && !e) {
		NL_SET_ERR_MSG(extack, "unknown device");
		return -ENODEV;
	}
	if (md) {
		/* With a waiting one, the device need not have it as well. */
		err = mchost_group_leave(md, addr, NULL, e ? NULL : extack);
		if (err == -ENOENT && e)
			err = 0;
	}
	if (!err && e)
		mchost_pending_del(mn, e);
	return err;
}

void mchost_pending_apply(struct mchost_dev *md)
{
	struct net_device *dev = md->dev;
	struct mchost_net *mn = md->mn;
	struct mchost_pending *e, *tmp;
	struct mchost_filter f;
	int err;

	ASSERT_RTNL();
	list_for_each_entry_safe(e, tmp, &mn->pending, node) {
		if (strcmp(e->name, dev->name))
			continue;
		if (dev->flags & IFF_LOOPBACK) {
			err = -EOPNOTSUPP;
			goto warn;
		}
		/* The join takes the list over; the waiting one keeps its own. */
		f.mode = e->f.mode;
		f.src = mchost_slist_dup(e->f.src, GFP_KERNEL);
		if (mchost_slist_nr(e->f.src) && !f.src) {
			err = -ENOMEM;
			goto warn;
		}
		err = mchost_group_join(md, &e->addr, e->family, 0, NULL, &f,
					true, NULL);
		if (!err) {
			mchost_pending_del(mn, e);
			continue;
		}
warn:
		pr_warn_ratelimited("cannot apply a pending membership on %s (error %d): it keeps waiting\n",
				    dev->name, err);
	}
}

void mchost_pending_dev_gone(struct mchost_dev *md)
{
	const struct mchost_filter *pf;
	struct mchost_group *grp;
	struct mchost_filter f;

	ASSERT_RTNL();
	for (grp = mchost_dev_first(md); grp; grp = mchost_dev_next(md, grp)) {
		if (!grp->pending)
			continue;
		pf = mchost_group_persistent(grp);
		if (WARN_ON_ONCE(!pf))
			continue;
		f.mode = pf->mode;
		f.src = mchost_slist_dup(pf->src, GFP_KERNEL);
		if ((mchost_slist_nr(pf->src) && !f.src) ||
		    mchost_pending_set(md->mn, md->dev->name, &grp->addr,
				       grp->family, &f, false, NULL))
			pr_warn_ratelimited("no memory to keep a pending membership of %s: it is lost\n",
					    md->dev->name);
	}
}

void mchost_pending_free(struct mchost_net *mn)
{
	struct mchost_pending *e, *tmp;

	ASSERT_RTNL();
	list_for_each_entry_safe(e, tmp, &mn->pending, node)
		mchost_pending_del(mn, e);
}
