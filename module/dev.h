/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-device state: the namespace's table of devices, each device's hash
 * of groups, its lock (whose unlock sends what was built under it), its
 * deadline tree, and the operations the protocol engine uses to reach the
 * outside world.
 */
#ifndef _MCHOST_DEV_H
#define _MCHOST_DEV_H

#include <linux/netdevice.h>
#include <linux/rbtree.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include "group.h"
#include "netns.h"

/* RFC 9776 §8.2, §8.3: defaults until a querier says otherwise. */
#define MCHOST_DEFAULT_QI_MS	125000
#define MCHOST_DEFAULT_QRI_MS	10000

struct mchost_dev;

/*
 * What the protocol engine needs from the world around a device. Called
 * with the device lock held for writing, so none of them may sleep; the
 * real ones (dev.c) queue packets and deadlines that the unlock hands on.
 * KUnit drives the engine through fakes of these.
 */
struct mchost_dev_ops {
	/*
	 * A report of len payload bytes to dst, of a kind that is counted
	 * (snd_v3_reports, ...) once it is sent; *payload gets its start.
	 */
	struct sk_buff *(*alloc)(struct mchost_dev *md, enum mchost_fam fam,
				 const struct in6_addr *dst, unsigned int len,
				 u8 **payload, enum mchost_stat kind);
	/* Send an skb from alloc(), trimmed to its final length. */
	void (*emit)(struct mchost_dev *md, struct sk_buff *skb);
	/* Run the engine for this device no later than 'when'. */
	void (*wake)(struct mchost_dev *md, ktime_t when);
	/* A membership without owners finished reporting its leave. */
	void (*reap)(struct mchost_dev *md);
	/* The device's MTU. */
	unsigned int (*mtu)(const struct mchost_dev *md);
	/* A random number in [lo, hi]. */
	u32 (*rand)(struct mchost_dev *md, u32 lo, u32 hi);
	/* The compatibility mode of fam changed: tell the listeners. */
	void (*compat)(struct mchost_dev *md, enum mchost_fam fam);
};

/*
 * A place in the walk over a device's groups, which is in the order of
 * (hash, address) whatever the table's size: a walk resumed after groups
 * were added, freed or the table grew neither skips nor repeats one.
 */
struct mchost_dev_pos {
	u32 hash;
	struct in6_addr addr;
	u8 where;	/* MCHOST_POS_* */
};

enum {
	MCHOST_POS_START,	/* before every group (a zeroed position) */
	MCHOST_POS_AFTER,	/* after (hash, addr) */
	MCHOST_POS_AT,		/* at (hash, addr): it comes next */
};

/* Per device and family: the querier's view (RFC 9776 §7, §8). */
struct mchost_dev_proto {
	u8 version;			/* compatibility mode in force */
	u8 rv;				/* querier's QRV; 0: none heard */
	u32 qi_ms;			/* Query Interval */
	u32 qri_ms;			/* Query Response Interval */
	ktime_t old_until[2];		/* v1 / v2 querier present until */
	ktime_t gen_at, gen_early;	/* general-query response due */
	struct mchost_dev_pos gen_pos;	/* where a batched response resumes */
	bool gen_active;		/* a batched response is under way */
	/*
	 * Per-device settings (mchostctl set), 0 where the module parameter
	 * applies; robustness and report_link_local are the same in both
	 * families. Written under the lock, read with READ_ONCE() by dumps.
	 */
	u8 set_version;			/* highest version spoken */
	u8 set_rv;			/* Robustness Variable */
	u8 set_rll;			/* report link-local: 1 off, 2 on */
};

struct mchost_dev {
	struct net_device *dev;		/* no reference: we die at UNREGISTER */
	struct mchost_net *mn;
	const struct mchost_dev_ops *ops;
	struct mchost_stats __percpu *stats;	/* the namespace's */
	struct mchost_stats __percpu *dstats;	/* this device's own */
	struct mchost_timer *timer;	/* the namespace's */
	/*
	 * Protects the hash table, the counters below, every group's merged
	 * filter and all protocol state. Writers also hold RTNL, except the
	 * receive hook and the timer, which change only protocol state, so
	 * RTNL alone is enough to read the table and the filters. Taken with
	 * _bh: the receive hook and the timer run in softirq.
	 */
	rwlock_t lock;
	struct hlist_head *hash;
	u8 hash_bits;
	u32 hash_seed;
	u32 ngroups[MCHOST_NFAM];	/* memberships with owners */
	struct mchost_dev_proto proto[MCHOST_NFAM];
	struct rb_root_cached tq;	/* pending states with a deadline */
	/*
	 * No state in tq may be served sooner than tkey - tq_slack, so a
	 * firing's walk of tq ends there. The most any deadline put in tq
	 * allowed; 0 again when tq empties.
	 */
	ktime_t tq_slack;
#if IS_ENABLED(CONFIG_MCHOST_KUNIT_TEST)
	unsigned int fire_visits;	/* groups firings' walks looked at */
#endif
	ktime_t next;			/* earliest deadline of this device */
	ktime_t deferred;		/* deadline for the timer, set at unlock */
	struct sk_buff_head txq;	/* built under the lock, sent after */
	u8 compat_ntf;			/* BIT(fam): mode changed, notify after */
	bool dead;			/* unregistering: no more work */
	bool oper;			/* running and operationally up */
	bool ll_wait;			/* a link-local address is in DAD */
	/*
	 * A batch JOIN runs (mchost_dev_batch_begin()): v3 state changes
	 * wait for its end, and unlock leaves 'deferred' alone. Written
	 * under RTNL and the lock.
	 */
	bool batching;
	struct rcu_head rcu;
};

/* Packets one firing of the timer may build before it yields the CPU. */
#define MCHOST_FIRE_BUDGET	64

/**
 * mchost_fam_of() - the protocol of an address family
 * @family: AF_INET or AF_INET6
 *
 * Return: MCHOST_IGMP or MCHOST_MLD.
 */
static inline enum mchost_fam mchost_fam_of(u8 family)
{
	return family == AF_INET ? MCHOST_IGMP : MCHOST_MLD;
}

/**
 * mchost_dev_count() - count one event of a device and its namespace
 * @md: the device
 * @fam: IGMP or MLD
 * @stat: which counter
 */
static inline void mchost_dev_count(struct mchost_dev *md, enum mchost_fam fam,
				    enum mchost_stat stat)
{
	mchost_stats_inc(md->stats, fam, stat);
	mchost_stats_inc(md->dstats, fam, stat);
}

/**
 * mchost_dev_find() - a device's state by ifindex
 * @mn: the namespace
 * @ifindex: the device
 *
 * Under RCU or RTNL.
 *
 * Return: the state, or NULL.
 */
static inline struct mchost_dev *mchost_dev_find(struct mchost_net *mn,
						 int ifindex)
{
	return xa_load(&mn->devs, ifindex);
}

/**
 * mchost_dev_get() - a device's state, created if it is missing
 * @dev: the device, registered in a namespace where mchost runs
 *
 * RTNL.
 *
 * Return: the state, or NULL without memory.
 */
struct mchost_dev *mchost_dev_get(struct net_device *dev);

/**
 * mchost_dev_unlink() - take a device out of its namespace's table
 * @md: the device, which must have no groups left afterwards
 *
 * Marks it dead for a timer firing or receive already holding it. RTNL.
 */
void mchost_dev_unlink(struct mchost_dev *md);

/**
 * mchost_dev_release() - free an unlinked device once RCU readers are done
 * @md: the device, without groups
 */
void mchost_dev_release(struct mchost_dev *md);

/**
 * mchost_dev_setup() - initialise device state
 * @md: zeroed state
 * @ops: the engine's view of the world (&mchost_dev_real_ops, or a fake)
 * @stats: where the namespace counts (the device's own counters are
 *         allocated here)
 * @timer: the namespace's timer (its window bounds early service)
 *
 * For mchost_dev_get() and for KUnit.
 *
 * Return: 0 or -ENOMEM.
 */
int mchost_dev_setup(struct mchost_dev *md, const struct mchost_dev_ops *ops,
		     struct mchost_stats __percpu *stats,
		     struct mchost_timer *timer);

/**
 * mchost_dev_teardown() - free what mchost_dev_setup() allocated
 * @md: the device, without groups
 */
void mchost_dev_teardown(struct mchost_dev *md);

/**
 * mchost_dev_lock() - take the device lock for writing
 * @md: the device
 */
void mchost_dev_lock(struct mchost_dev *md) __acquires(&md->lock);

/**
 * mchost_dev_unlock() - drop the device lock, then act on what was queued
 * @md: the device
 *
 * Sends the packets built under the lock and hands the earliest deadline
 * recorded under it to the namespace timer (which must never be armed
 * with the lock held).
 */
void mchost_dev_unlock(struct mchost_dev *md) __releases(&md->lock);

/**
 * mchost_dev_batch_begin() - hold back the reports of a batch of changes
 * @md: the device; RTNL held, and kept until mchost_dev_batch_end()
 *
 * The first transmission of each v3 state-change report is made due at
 * once instead of being sent, so that the batch's reports go out together
 * in as few packets as fit (RFC 9776 §4.2 lets a report carry many
 * groups' records).
 */
void mchost_dev_batch_begin(struct mchost_dev *md);

/**
 * mchost_dev_batch_end() - send what the batch held back
 * @md: the device, RTNL held since mchost_dev_batch_begin()
 *
 * Serves what is due now as a timer firing would, and leaves the rest
 * (past its budget) and later deadlines to the timer.
 */
void mchost_dev_batch_end(struct mchost_dev *md);

/**
 * mchost_dev_find_group() - a group by address
 * @md: the device, lock or RTNL held
 * @addr: the group address (IPv4-mapped for IGMP)
 *
 * Return: the group, or NULL.
 */
struct mchost_group *mchost_dev_find_group(const struct mchost_dev *md,
					   const struct in6_addr *addr);

/**
 * mchost_dev_grow() - make room in the hash for one more group
 * @md: the device; RTNL held, not the lock
 *
 * Failing to grow costs lookup time only, so it is not an error.
 */
void mchost_dev_grow(struct mchost_dev *md);

/**
 * mchost_dev_add_group() - insert a new group into the hash
 * @md: the device, lock held for writing
 * @grp: the group, with addr set
 */
void mchost_dev_add_group(struct mchost_dev *md, struct mchost_group *grp);

/**
 * mchost_dev_del_group() - remove a group from the hash
 * @md: the device, lock held for writing
 * @grp: the group, its pending state already dropped
 */
void mchost_dev_del_group(struct mchost_dev *md, struct mchost_group *grp);

/**
 * mchost_dev_first() - the first group of a full walk
 * @md: the device, lock or RTNL held
 *
 * Walk with: for (g = mchost_dev_first(md); g; g = mchost_dev_next(md, g)).
 * Return: a group, or NULL if there are none.
 */
struct mchost_group *mchost_dev_first(const struct mchost_dev *md);

/**
 * mchost_dev_next() - the group after @grp in a full walk
 * @md: the device, lock or RTNL held since mchost_dev_first()
 * @grp: a group still in the hash
 *
 * Return: the next group, or NULL at the end.
 */
struct mchost_group *mchost_dev_next(const struct mchost_dev *md,
				     const struct mchost_group *grp);

/**
 * mchost_dev_pos_next() - a walk that can stop and resume later
 * @md: the device, lock or RTNL held
 * @pos: zeroed to start; kept between calls, across unlocks; moved past
 *       the group returned
 *
 * Return: the next group, or NULL at the end.
 */
struct mchost_group *mchost_dev_pos_next(const struct mchost_dev *md,
					 struct mchost_dev_pos *pos);

/**
 * mchost_dev_pos_at() - make a walk return @grp next
 * @pos: the walk's position
 * @grp: a group it returned; if it is freed meanwhile, the walk goes on
 *       with the group after it
 */
void mchost_dev_pos_at(struct mchost_dev_pos *pos,
		       const struct mchost_group *grp);

/**
 * mchost_dev_schedule() - move a group's pending state in the deadline tree
 * @md: the device, lock held for writing
 * @st: the state
 * @key: its earliest deadline; KTIME_MAX takes it out of the tree
 */
void mchost_dev_schedule(struct mchost_dev *md, struct mchost_gstate *st,
			 ktime_t key);

/**
 * mchost_dev_first_due() - the pending state with the earliest deadline
 * @md: the device, lock held
 *
 * Return: it, or NULL if no group has a deadline.
 */
static inline struct mchost_gstate *mchost_dev_first_due(struct mchost_dev *md)
{
	struct rb_node *n = rb_first_cached(&md->tq);

	return n ? rb_entry(n, struct mchost_gstate, tnode) : NULL;
}

/**
 * mchost_dev_count_visit() - a firing looks at a group (KUnit counts them)
 * @md: the device, lock held
 */
static inline void mchost_dev_count_visit(struct mchost_dev *md)
{
#if IS_ENABLED(CONFIG_MCHOST_KUNIT_TEST)
	md->fire_visits++;
#endif
}

/**
 * mchost_dev_next_due() - the pending state due after @st
 * @st: a state in the deadline tree
 *
 * Return: it, or NULL.
 */
static inline struct mchost_gstate *
mchost_dev_next_due(struct mchost_gstate *st)
{
	struct rb_node *n = rb_next(&st->tnode);

	return n ? rb_entry(n, struct mchost_gstate, tnode) : NULL;
}

#endif /* _MCHOST_DEV_H */
