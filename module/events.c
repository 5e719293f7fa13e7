// SPDX-License-Identifier: GPL-2.0
/*
 * Device events: a device's state is created when it registers in a
 * namespace, told when its link changes, and destroyed with every
 * membership when it unregisters. Pending memberships follow the name.
 */
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/addrconf.h>
#include <net/if_inet6.h>
#include "dev.h"
#include "events.h"
#include "group.h"
#include "pending.h"
#include "proto.h"
#include "xmit.h"

static void mchost_events_link(struct mchost_dev *md)
{
	struct net_device *dev = md->dev;

	mchost_dev_lock(md);
	mchost_proto_link(md, netif_running(dev) && netif_oper_up(dev),
			  ktime_get());
	mchost_dev_unlock(md);
}

static int mchost_netdev_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct mchost_net *mn = mchost_net(dev_net(dev));
	struct mchost_dev *md;

	switch (event) {
	case NETDEV_REGISTER:
		/* A failure here is retried by the first join. */
		md = mchost_dev_get(dev);
		if (md)
			mchost_pending_apply(md);
		break;
	case NETDEV_CHANGENAME:
		/* Pending memberships wait for a name, not a registration. */
		md = mchost_dev_find(mn, dev->ifindex);
		if (md)
			mchost_pending_apply(md);
		break;
	case NETDEV_UP:
	case NETDEV_CHANGE:
	case NETDEV_DOWN:
		md = mchost_dev_find(mn, dev->ifindex);
		if (md)
			mchost_events_link(md);
		break;
	case NETDEV_UNREGISTER:
		md = mchost_dev_find(mn, dev->ifindex);
		if (md) {
			mchost_pending_dev_gone(md);
			mchost_group_dev_gone(md);
		}
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block mchost_netdev_nb = {
	.notifier_call = mchost_netdev_event,
};

/* How often a device whose link-local address is in DAD is looked at. */
#define MCHOST_LL_POLL	(HZ / 10)

void mchost_events_ll_work(struct work_struct *work)
{
	struct mchost_net *mn = container_of(to_delayed_work(work),
					     struct mchost_net, ll_work);
	struct mchost_dev *md;
	struct in6_addr addr;
	bool again = false;
	unsigned long idx;

	rcu_read_lock();
	xa_for_each(&mn->devs, idx, md) {
		if (!READ_ONCE(md->ll_wait))
			continue;
		switch (mchost_xmit_ll(md->dev, &addr)) {
		case MCHOST_LL_TENTATIVE:
			again = true;
			continue;
		case MCHOST_LL_USABLE:
			WRITE_ONCE(md->ll_wait, false);
			mchost_dev_lock(md);
			if (!md->dead && md->oper)
				mchost_proto_announce(md, MCHOST_MLD, ktime_get());
			mchost_dev_unlock(md);
			break;
		case MCHOST_LL_NONE:	/* removed, or DAD failed */
			WRITE_ONCE(md->ll_wait, false);
			break;
		}
	}
	rcu_read_unlock();
	if (again)
		schedule_delayed_work(&mn->ll_work, MCHOST_LL_POLL);
}

/*
 * An IPv6 address was added. While no link-local address is usable, MLD
 * reports go out from :: (RFC 9777 §5.2.13), which routers and snooping
 * switches may ignore; once one is, the memberships are reported again
 * from it, as the stock stack does after DAD. Atomic context.
 */
static int mchost_inet6addr_event(struct notifier_block *nb,
				  unsigned long event, void *ptr)
{
	struct inet6_ifaddr *ifa = ptr;
	struct net_device *dev = ifa->idev->dev;
	struct mchost_net *mn = mchost_net(dev_net(dev));
	struct mchost_dev *md;
	struct in6_addr other;

	if (event != NETDEV_UP || ifa->scope != IFA_LINK)
		return NOTIFY_DONE;
	/* Reports already go out from another usable link-local address. */
	if (mchost_xmit_ll(dev, &other) == MCHOST_LL_USABLE &&
	    !ipv6_addr_equal(&other, &ifa->addr))
		return NOTIFY_DONE;
	/* Also with no group yet: joins during DAD go out from ::. */
	rcu_read_lock();
	md = mchost_dev_find(mn, dev->ifindex);
	if (md) {
		WRITE_ONCE(md->ll_wait, true);
		schedule_delayed_work(&mn->ll_work, 0);
	}
	rcu_read_unlock();
	return NOTIFY_DONE;
}

static struct notifier_block mchost_inet6addr_nb = {
	.notifier_call = mchost_inet6addr_event,
};

int __init mchost_events_init(void)
{
	int err;

	err = register_inet6addr_notifier(&mchost_inet6addr_nb);
	if (err)
		return err;
	/* Replays NETDEV_REGISTER for every existing device. */
	err = register_netdevice_notifier(&mchost_netdev_nb);
	if (err)
		unregister_inet6addr_notifier(&mchost_inet6addr_nb);
	return err;
}

void mchost_events_uninit(void)
{
	/* Replays NETDEV_UNREGISTER: every device and membership goes. */
	unregister_netdevice_notifier(&mchost_netdev_nb);
	unregister_inet6addr_notifier(&mchost_inet6addr_nb);
	/* call_rcu() callbacks of ours must run before the module goes. */
	rcu_barrier();
}
