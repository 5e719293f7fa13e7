// SPDX-License-Identifier: GPL-2.0
/*
 * Per-namespace composition: counters, the device table, the timer that
 * drives every device, /proc and the receive hooks; and the module
 * parameters' effect on every namespace.
 */
#include <linux/rtnetlink.h>
#include "dev.h"
#include "events.h"
#include "group.h"
#include "hook.h"
#include "netns.h"
#include "params.h"
#include "pending.h"
#include "proc.h"
#include "proto.h"

unsigned int mchost_net_id __read_mostly;

/* The namespace timer's callback: serve every device with work due. */
static ktime_t mchost_net_fire(struct mchost_timer *t, ktime_t now,
			       ktime_t horizon)
{
	struct mchost_net *mn = container_of(t, struct mchost_net, timer);
	int budget = MCHOST_FIRE_BUDGET;
	ktime_t next = KTIME_MAX, n;
	struct mchost_dev *md;
	unsigned long idx;

	rcu_read_lock();
	xa_for_each(&mn->devs, idx, md) {
		n = READ_ONCE(md->next);
		if (n <= horizon && budget > 0) {
			mchost_dev_lock(md);
			if (!md->dead)
				md->next = mchost_proto_fire(md, now, horizon,
							     &budget);
			n = md->next;
			mchost_dev_unlock(md);
		}
		next = min(next, n);
	}
	rcu_read_unlock();
	/* Out of budget: yield, and come back for the rest at once. */
	return budget > 0 ? next : now;
}

static void mchost_net_caps_changed(struct mchost_net *mn)
{
	struct mchost_dev *md;
	unsigned long idx;

	rcu_read_lock();
	xa_for_each(&mn->devs, idx, md) {
		mchost_dev_lock(md);
		if (!md->dead)
			mchost_proto_caps_changed(md, ktime_get());
		mchost_dev_unlock(md);
	}
	rcu_read_unlock();
}

/*
 * A parameter was written (process context): a lower version cap
 * downgrades every device at once rather than at its next event.
 */
static int mchost_net_param_event(struct notifier_block *nb,
				  unsigned long event, void *data)
{
	struct net *net;

	if (data != &mchost_params.igmp_max_version &&
	    data != &mchost_params.mld_max_version)
		return NOTIFY_DONE;
	down_read(&net_rwsem);
	for_each_net(net)
		mchost_net_caps_changed(mchost_net(net));
	up_read(&net_rwsem);
	return NOTIFY_DONE;
}

static struct notifier_block mchost_net_param_nb = {
	.notifier_call = mchost_net_param_event,
};

static int __net_init mchost_net_init(struct net *net)
{
	struct mchost_net *mn = mchost_net(net);
	int err;

	mn->net = net;
	mchost_timer_init(&mn->timer, mchost_net_fire,
			  &mchost_params.coalesce_ms.val);
	INIT_WORK(&mn->gc_work, mchost_group_gc_work);
	INIT_DELAYED_WORK(&mn->release_work, mchost_group_release_work);
	INIT_DELAYED_WORK(&mn->ll_work, mchost_events_ll_work);
	xa_init(&mn->devs);
	xa_init(&mn->owner_ports);
	INIT_LIST_HEAD(&mn->pending);
	mn->pending_gen = 1;	/* a dump's cb->seq: never 0 */
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

/*
 * Unhooked here, not in .exit: nf_unregister_net_hooks() does not wait for
 * a hook already running, but the core runs a grace period between every
 * namespace's .pre_exit and its .exit, so none is left when .exit frees
 * what the hook uses (the counters, this state, the module's code).
 */
static void __net_exit mchost_net_pre_exit(struct net *net)
{
	mchost_hook_uninit(net);
}

static void __net_exit mchost_net_exit(struct net *net)
{
	struct mchost_net *mn = mchost_net(net);
	struct mchost_dev *md;
	unsigned long idx;

	/* No firing, and so no gc request, after this. */
	mchost_timer_stop(&mn->timer);
	cancel_work_sync(&mn->gc_work);
	cancel_delayed_work_sync(&mn->release_work);
	cancel_delayed_work_sync(&mn->ll_work);
	mchost_proc_uninit(mn);
	/*
	 * Devices of a dying namespace unregistered before we run, taking
	 * their state along; nothing should be left. Be safe anyway.
	 */
	rtnl_lock();
	xa_for_each(&mn->devs, idx, md)
		mchost_group_dev_gone(md);
	mchost_pending_free(mn);
	rtnl_unlock();
	WARN_ON_ONCE(!xa_empty(&mn->owner_ports));
	xa_destroy(&mn->owner_ports);
	xa_destroy(&mn->devs);
	/* The hooks went before the grace period: no more writers. */
	free_percpu(mn->stats);
}

static struct pernet_operations mchost_net_ops = {
	.init = mchost_net_init,
	.pre_exit = mchost_net_pre_exit,
	.exit = mchost_net_exit,
	.id = &mchost_net_id,
	.size = sizeof(struct mchost_net),
};

int __init mchost_netns_init(void)
{
	int err;

	err = register_pernet_subsys(&mchost_net_ops);
	if (err)
		return err;
	err = mchost_params_notifier_register(&mchost_net_param_nb);
	if (err)
		unregister_pernet_subsys(&mchost_net_ops);
	return err;
}

void mchost_netns_uninit(void)
{
	/* Waits for a parameter write being applied. */
	mchost_params_notifier_unregister(&mchost_net_param_nb);
	unregister_pernet_subsys(&mchost_net_ops);
	/* Devices freed by the namespaces' .exit went by call_rcu(). */
	rcu_barrier();
}
