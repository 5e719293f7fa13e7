// SPDX-License-Identifier: GPL-2.0
/*
 * Per-device state: created when a device registers in a namespace (or at
 * its first join), destroyed with every membership when it unregisters.
 */
#include <linux/jhash.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/ipv6.h>
#include "dev.h"
#include "genl.h"
#include "params.h"
#include "proto.h"
#include "xmit.h"

#define MCHOST_HASH_MIN_BITS	4
#define MCHOST_HASH_MAX_BITS	20

/*
 * Buckets are taken from the top bits of the hash and chains are sorted by
 * (hash, address), so the whole table is in that order whatever its size.
 */
static u32 mchost_bucket(u8 bits, u32 hash)
{
	return hash >> (32 - bits);
}

static u32 mchost_hash(const struct mchost_dev *md, const struct in6_addr *a)
{
	return jhash2((const u32 *)a, 4, md->hash_seed);
}

/* The order of the walk: <0, 0, >0 as (hash, addr) is before, at, after. */
static int mchost_key_cmp(u32 hash, const struct in6_addr *addr,
			  const struct mchost_group *grp)
{
	if (hash != grp->hash)
		return hash < grp->hash ? -1 : 1;
	return memcmp(addr, &grp->addr, sizeof(*addr));
}

struct mchost_group *mchost_dev_find_group(const struct mchost_dev *md,
					   const struct in6_addr *addr)
{
	u32 h = mchost_hash(md, addr);
	struct mchost_group *grp;
	int cmp;

	hlist_for_each_entry(grp, &md->hash[mchost_bucket(md->hash_bits, h)],
			     hnode) {
		cmp = mchost_key_cmp(h, addr, grp);
		if (cmp <= 0)
			return cmp ? NULL : grp;
	}
	return NULL;
}

/* Keep chains short as groups are added: thousands per device are normal. */
void mchost_dev_grow(struct mchost_dev *md)
{
	u32 n = md->ngroups[MCHOST_IGMP] + md->ngroups[MCHOST_MLD];
	struct hlist_node *tail[2], *tmp;
	u8 bits = md->hash_bits;
	struct hlist_head *new, *old;
	struct mchost_group *grp;
	unsigned int i, half;

	ASSERT_RTNL();
	if (n < (2U << bits) || bits >= MCHOST_HASH_MAX_BITS)
		return;
	/* Allocated before the lock is taken: it may sleep. */
	new = kvcalloc(1U << (bits + 1), sizeof(*new), GFP_KERNEL);
	if (!new)
		return;

	write_lock_bh(&md->lock);
	old = md->hash;
	/* Bucket i splits into 2i and 2i + 1, each keeping the chain's order. */
	for (i = 0; i < (1U << bits); i++) {
		tail[0] = NULL;
		tail[1] = NULL;
		hlist_for_each_entry_safe(grp, tmp, &old[i], hnode) {
			half = mchost_bucket(bits + 1, grp->hash) & 1;
			hlist_del(&grp->hnode);
			if (tail[half])
				hlist_add_behind(&grp->hnode, tail[half]);
			else
				hlist_add_head(&grp->hnode, &new[2 * i + half]);
			tail[half] = &grp->hnode;
		}
	}
	md->hash = new;
	md->hash_bits = bits + 1;
	write_unlock_bh(&md->lock);
	kvfree(old);
}

void mchost_dev_add_group(struct mchost_dev *md, struct mchost_group *grp)
{
	struct mchost_group *cur, *prev = NULL;
	struct hlist_head *head;

	lockdep_assert_held_write(&md->lock);
	grp->hash = mchost_hash(md, &grp->addr);
	head = &md->hash[mchost_bucket(md->hash_bits, grp->hash)];
	hlist_for_each_entry(cur, head, hnode) {
		if (mchost_key_cmp(grp->hash, &grp->addr, cur) < 0)
			break;
		prev = cur;
	}
	if (prev)
		hlist_add_behind(&grp->hnode, &prev->hnode);
	else
		hlist_add_head(&grp->hnode, head);
}

void mchost_dev_del_group(struct mchost_dev *md, struct mchost_group *grp)
{
	lockdep_assert_held_write(&md->lock);
	hlist_del(&grp->hnode);
}

/* The first group in buckets [bkt, end), or NULL. */
static struct mchost_group *mchost_dev_scan(const struct mchost_dev *md,
					    u32 bkt)
{
	for (; bkt < (1U << md->hash_bits); bkt++)
		if (!hlist_empty(&md->hash[bkt]))
			return hlist_entry(md->hash[bkt].first,
					   struct mchost_group, hnode);
	return NULL;
}

struct mchost_group *mchost_dev_first(const struct mchost_dev *md)
{
	return mchost_dev_scan(md, 0);
}

struct mchost_group *mchost_dev_next(const struct mchost_dev *md,
				     const struct mchost_group *grp)
{
	if (grp->hnode.next)
		return hlist_entry(grp->hnode.next, struct mchost_group, hnode);
	return mchost_dev_scan(md, mchost_bucket(md->hash_bits, grp->hash) + 1);
}

struct mchost_group *mchost_dev_pos_next(const struct mchost_dev *md,
					 struct mchost_dev_pos *pos)
{
	struct mchost_group *grp = NULL;
	u32 bkt;
	int cmp;

	if (pos->where == MCHOST_POS_START) {
		grp = mchost_dev_first(md);
	} else {
		/* The first group at or after the position. */
		bkt = mchost_bucket(md->hash_bits, pos->hash);
		hlist_for_each_entry(grp, &md->hash[bkt], hnode) {
			cmp = mchost_key_cmp(pos->hash, &pos->addr, grp);
			if (cmp < 0 || (!cmp && pos->where == MCHOST_POS_AT))
				break;
		}
		if (!grp)
			grp = mchost_dev_scan(md, bkt + 1);
	}
	if (grp) {
		pos->hash = grp->hash;
		pos->addr = grp->addr;
		pos->where = MCHOST_POS_AFTER;
	}
	return grp;
}

void mchost_dev_pos_at(struct mchost_dev_pos *pos,
		       const struct mchost_group *grp)
{
	pos->hash = grp->hash;
	pos->addr = grp->addr;
	pos->where = MCHOST_POS_AT;
}

void mchost_dev_schedule(struct mchost_dev *md, struct mchost_gstate *st,
			 ktime_t key)
{
	struct rb_node **link = &md->tq.rb_root.rb_node, *parent = NULL;
	bool leftmost = true;

	lockdep_assert_held_write(&md->lock);
	if (key == st->tkey)
		return;
	if (st->tkey != KTIME_MAX)
		rb_erase_cached(&st->tnode, &md->tq);
	st->tkey = key;
	if (key == KTIME_MAX)
		return;
	while (*link) {
		parent = *link;
		if (key < rb_entry(parent, struct mchost_gstate, tnode)->tkey) {
			link = &parent->rb_left;
		} else {
			link = &parent->rb_right;
			leftmost = false;
		}
	}
	rb_link_node(&st->tnode, parent, link);
	rb_insert_color_cached(&st->tnode, &md->tq, leftmost);
}

void mchost_dev_lock(struct mchost_dev *md)
	__acquires(&md->lock)
{
	write_lock_bh(&md->lock);
}

void mchost_dev_unlock(struct mchost_dev *md)
	__releases(&md->lock)
{
	struct sk_buff_head q;
	enum mchost_fam fam;
	ktime_t deferred;
	u8 compat;

	__skb_queue_head_init(&q);
	skb_queue_splice_init(&md->txq, &q);
	/* A batch's end arms the timer for everything at once. */
	deferred = KTIME_MAX;
	if (!md->batching)
		swap(deferred, md->deferred);
	compat = md->compat_ntf;
	md->compat_ntf = 0;
	write_unlock_bh(&md->lock);

	if (!skb_queue_empty(&q))
		mchost_xmit_flush(md, &q);
	if (deferred != KTIME_MAX)
		mchost_timer_start(md->timer, deferred);
	for (fam = 0; fam < MCHOST_NFAM; fam++)
		if (compat & BIT(fam))
			mchost_genl_notify_compat(md, fam);
}

void mchost_dev_batch_begin(struct mchost_dev *md)
{
	ASSERT_RTNL();
	mchost_dev_lock(md);
	md->batching = true;
	mchost_dev_unlock(md);
}

void mchost_dev_batch_end(struct mchost_dev *md)
{
	int budget = MCHOST_FIRE_BUDGET;
	ktime_t now;

	ASSERT_RTNL();
	mchost_dev_lock(md);
	md->batching = false;
	/* The deadlines asked for meanwhile are all in md->next after this. */
	md->deferred = KTIME_MAX;
	now = ktime_get();
	if (!md->dead)
		md->next = mchost_proto_fire(md, now, now, &budget);
	if (md->next != KTIME_MAX)
		md->ops->wake(md, budget > 0 ? md->next : now);
	mchost_dev_unlock(md);
}

/* The engine's view of a real device: see struct mchost_dev_ops. */
static struct sk_buff *mchost_dev_alloc(struct mchost_dev *md,
					enum mchost_fam fam,
					const struct in6_addr *dst,
					unsigned int len, u8 **payload,
					enum mchost_stat kind)
{
	return mchost_xmit_alloc(md->dev, fam, dst, len, payload, kind);
}

static void mchost_dev_emit(struct mchost_dev *md, struct sk_buff *skb)
{
	__skb_queue_tail(&md->txq, skb);
}

static void mchost_dev_wake(struct mchost_dev *md, ktime_t when)
{
	md->next = min(md->next, when);
	md->deferred = min(md->deferred, when);
}

static void mchost_dev_reap(struct mchost_dev *md)
{
	schedule_work(&md->mn->gc_work);
}

static unsigned int mchost_dev_mtu(const struct mchost_dev *md)
{
	return READ_ONCE(md->dev->mtu);
}

static u32 mchost_dev_rand(struct mchost_dev *md, u32 lo, u32 hi)
{
	return hi > lo ? lo + get_random_u32_below(hi - lo + 1) : hi;
}

static void mchost_dev_compat(struct mchost_dev *md, enum mchost_fam fam)
{
	md->compat_ntf |= BIT(fam);
}

static const struct mchost_dev_ops mchost_dev_real_ops = {
	.alloc	= mchost_dev_alloc,
	.emit	= mchost_dev_emit,
	.wake	= mchost_dev_wake,
	.reap	= mchost_dev_reap,
	.mtu	= mchost_dev_mtu,
	.rand	= mchost_dev_rand,
	.compat	= mchost_dev_compat,
};

int mchost_dev_setup(struct mchost_dev *md, const struct mchost_dev_ops *ops,
		     struct mchost_stats __percpu *stats,
		     struct mchost_timer *timer)
{
	enum mchost_fam fam;

	md->dstats = alloc_percpu(struct mchost_stats);
	if (!md->dstats)
		return -ENOMEM;
	md->hash = kvcalloc(1U << MCHOST_HASH_MIN_BITS, sizeof(*md->hash),
			    GFP_KERNEL);
	if (!md->hash) {
		free_percpu(md->dstats);
		return -ENOMEM;
	}
	md->hash_bits = MCHOST_HASH_MIN_BITS;
	md->hash_seed = get_random_u32();
	md->ops = ops;
	md->stats = stats;
	md->timer = timer;
	rwlock_init(&md->lock);
	md->tq = RB_ROOT_CACHED;
	md->next = KTIME_MAX;
	md->deferred = KTIME_MAX;
	__skb_queue_head_init(&md->txq);
	for (fam = 0; fam < MCHOST_NFAM; fam++) {
		struct mchost_dev_proto *p = &md->proto[fam];

		p->version = fam == MCHOST_IGMP ? mchost_param(igmp_max_version) :
						  mchost_param(mld_max_version);
		p->qi_ms = MCHOST_DEFAULT_QI_MS;
		p->qri_ms = MCHOST_DEFAULT_QRI_MS;
		p->gen_at = KTIME_MAX;
	}
	return 0;
}

void mchost_dev_teardown(struct mchost_dev *md)
{
	WARN_ON_ONCE(mchost_dev_first(md));
	__skb_queue_purge(&md->txq);
	kvfree(md->hash);
	free_percpu(md->dstats);
}

struct mchost_dev *mchost_dev_get(struct net_device *dev)
{
	struct mchost_net *mn = mchost_net(dev_net(dev));
	struct mchost_dev *md;

	ASSERT_RTNL();
	md = mchost_dev_find(mn, dev->ifindex);
	if (md)
		return md;
	md = kzalloc(sizeof(*md), GFP_KERNEL);
	if (!md)
		return NULL;
	if (mchost_dev_setup(md, &mchost_dev_real_ops, mn->stats, &mn->timer))
		goto err_free;
	md->dev = dev;
	md->mn = mn;
	md->oper = netif_running(dev) && netif_oper_up(dev);
	if (xa_insert(&mn->devs, dev->ifindex, md, GFP_KERNEL))
		goto err_teardown;
	return md;

err_teardown:
	mchost_dev_teardown(md);
err_free:
	kfree(md);
	return NULL;
}

void mchost_dev_unlink(struct mchost_dev *md)
{
	ASSERT_RTNL();
	xa_erase(&md->mn->devs, md->dev->ifindex);
	/* A firing or a receive that found it before the erase does nothing. */
	mchost_dev_lock(md);
	md->dead = true;
	mchost_dev_unlock(md);
}

static void mchost_dev_free_rcu(struct rcu_head *head)
{
	struct mchost_dev *md = container_of(head, struct mchost_dev, rcu);

	mchost_dev_teardown(md);
	kfree(md);
}

void mchost_dev_release(struct mchost_dev *md)
{
	/* Readers found it under RCU; the table goes with it. */
	call_rcu(&md->rcu, mchost_dev_free_rcu);
}
