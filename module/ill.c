// SPDX-License-Identifier: GPL-2.0
/*
 * Per-device state: created when a device registers in a namespace,
 * destroyed (with every membership on it) when it unregisters.
 */
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <net/ipv6.h>
#include "ill.h"
#include "ilm.h"
#include "params.h"
#include "proto.h"

#define MCHOST_HASH_MIN_BITS	4
#define MCHOST_HASH_MAX_BITS	20

static u32 mchost_ilm_hash(const struct mchost_ill *ill,
			   const struct in6_addr *group, u8 bits)
{
	return jhash2((const u32 *)group, 4, ill->hash_seed) &
	       ((1U << bits) - 1);
}

struct mchost_ilm *mchost_ilm_find(const struct mchost_ill *ill,
				   const struct in6_addr *group)
{
	struct mchost_ilm *ilm;
	u32 h = mchost_ilm_hash(ill, group, ill->hash_bits);

	hlist_for_each_entry(ilm, &ill->hash[h], hnode)
		if (ipv6_addr_equal(&ilm->group, group))
			return ilm;
	return NULL;
}

/*
 * Keep chains short as groups are added: thousands per device are normal.
 * The new table is allocated before the lock is taken; failing to grow
 * only costs lookup time, so it is not an error. RTNL held.
 */
void mchost_ill_hash_grow(struct mchost_ill *ill)
{
	u32 n = ill->ngroups[MCHOST_IGMP] + ill->ngroups[MCHOST_MLD];
	u8 bits = ill->hash_bits;
	struct hlist_head *new, *old;
	struct mchost_ilm *ilm;
	struct hlist_node *tmp;
	unsigned int i;

	if (n < (2U << bits) || bits >= MCHOST_HASH_MAX_BITS)
		return;
	new = kvcalloc(1U << (bits + 1), sizeof(*new), GFP_KERNEL);
	if (!new)
		return;

	write_lock_bh(&ill->lock);
	old = ill->hash;
	for (i = 0; i < (1U << bits); i++) {
		hlist_for_each_entry_safe(ilm, tmp, &old[i], hnode) {
			hlist_del(&ilm->hnode);
			hlist_add_head(&ilm->hnode,
				       &new[mchost_ilm_hash(ill, &ilm->group,
							    bits + 1)]);
		}
	}
	ill->hash = new;
	ill->hash_bits = bits + 1;
	write_unlock_bh(&ill->lock);
	kvfree(old);
}

void mchost_ill_hash_add(struct mchost_ill *ill, struct mchost_ilm *ilm)
{
	u32 h = mchost_ilm_hash(ill, &ilm->group, ill->hash_bits);

	lockdep_assert_held_write(&ill->lock);
	/* Counted in ngroups once it has an owner: mchost_ilm_set_merged(). */
	hlist_add_head(&ilm->hnode, &ill->hash[h]);
}

unsigned int mchost_ill_version(const struct mchost_ill *ill,
				enum mchost_fam fam)
{
	return mchost_proto_version(ill, fam);
}

static struct mchost_ill *mchost_ill_create(struct net_device *dev)
{
	struct mchost_net *mn = mchost_net(dev_net(dev));
	struct mchost_ill *ill;
	int err;

	ill = kzalloc(sizeof(*ill), GFP_KERNEL);
	if (!ill)
		return NULL;
	ill->hash = kvcalloc(1U << MCHOST_HASH_MIN_BITS, sizeof(*ill->hash),
			     GFP_KERNEL);
	if (!ill->hash)
		goto err_free;
	ill->hash_bits = MCHOST_HASH_MIN_BITS;
	ill->hash_seed = get_random_u32();
	ill->dev = dev;
	ill->mn = mn;
	rwlock_init(&ill->lock);
	mchost_proto_ill_init(ill);
	ill->oper = netif_running(dev) && netif_oper_up(dev);

	err = xa_insert(&mn->ills, dev->ifindex, ill, GFP_KERNEL);
	if (err)
		goto err_free;
	return ill;

err_free:
	kvfree(ill->hash);
	kfree(ill);
	return NULL;
}

/* The device's state, created on first use if registration could not. */
struct mchost_ill *mchost_ill_get(struct net_device *dev)
{
	struct mchost_ill *ill;

	ASSERT_RTNL();
	ill = mchost_ill_find(mchost_net(dev_net(dev)), dev->ifindex);
	return ill ?: mchost_ill_create(dev);
}

static void mchost_ill_free_rcu(struct rcu_head *head)
{
	struct mchost_ill *ill = container_of(head, struct mchost_ill, rcu);

	kvfree(ill->hash);
	kfree(ill);
}

static void mchost_ill_destroy(struct mchost_ill *ill)
{
	struct mchost_ilm *ilm;
	struct hlist_node *tmp;
	unsigned int bkt;

	ASSERT_RTNL();
	xa_erase(&ill->mn->ills, ill->dev->ifindex);
	/* A firing that found the ill before the erase does nothing now. */
	mchost_ill_lock(ill);
	ill->dead = true;
	mchost_ill_unlock(ill);
	for (bkt = 0; bkt < (1U << ill->hash_bits); bkt++)
		hlist_for_each_entry_safe(ilm, tmp, &ill->hash[bkt], hnode)
			mchost_ilm_destroy(ill, ilm);
	/* Readers found the ill under RCU; the table goes with it. */
	call_rcu(&ill->rcu, mchost_ill_free_rcu);
}

void mchost_ills_destroy(struct mchost_net *mn)
{
	struct mchost_ill *ill;
	unsigned long idx;

	ASSERT_RTNL();
	xa_for_each(&mn->ills, idx, ill)
		mchost_ill_destroy(ill);
}

static int mchost_netdev_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct mchost_net *mn = mchost_net(dev_net(dev));
	struct mchost_ill *ill;

	switch (event) {
	case NETDEV_REGISTER:
		/* A failure here is retried by the first join. */
		mchost_ill_get(dev);
		break;
	case NETDEV_UP:
	case NETDEV_CHANGE:
	case NETDEV_DOWN:
		ill = mchost_ill_find(mn, dev->ifindex);
		if (ill)
			mchost_proto_link(ill, netif_running(dev) &&
					  netif_oper_up(dev));
		break;
	case NETDEV_UNREGISTER:
		ill = mchost_ill_find(mn, dev->ifindex);
		if (ill)
			mchost_ill_destroy(ill);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block mchost_netdev_nb = {
	.notifier_call = mchost_netdev_event,
};

int mchost_ill_init(void)
{
	/* Replays NETDEV_REGISTER for every existing device. */
	return register_netdevice_notifier(&mchost_netdev_nb);
}

void mchost_ill_uninit(void)
{
	/* Replays NETDEV_UNREGISTER: every ill and membership goes. */
	unregister_netdevice_notifier(&mchost_netdev_nb);
	/* call_rcu() callbacks of ours must run before the module goes. */
	rcu_barrier();
}
