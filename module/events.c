// SPDX-License-Identifier: GPL-2.0
/*
 * Device events: a device's state is created when it registers in a
 * namespace, told when its link changes, and destroyed with every
 * membership when it unregisters.
 */
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include "dev.h"
#include "events.h"
#include "group.h"
#include "proto.h"

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
		mchost_dev_get(dev);
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
		if (md)
			mchost_group_dev_gone(md);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block mchost_netdev_nb = {
	.notifier_call = mchost_netdev_event,
};

int __init mchost_events_init(void)
{
	/* Replays NETDEV_REGISTER for every existing device. */
	return register_netdevice_notifier(&mchost_netdev_nb);
}

void mchost_events_uninit(void)
{
	/* Replays NETDEV_UNREGISTER: every device and membership goes. */
	unregister_netdevice_notifier(&mchost_netdev_nb);
	/* call_rcu() callbacks of ours must run before the module goes. */
	rcu_barrier();
}
