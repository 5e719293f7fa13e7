/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pending memberships (mchostctl join ... pending): persistent joins bound
 * to a device name. While no device has the name they wait in a list of
 * the namespace; once one has it they are the persistent owner's filter
 * of a group marked pending (struct mchost_group), and they wait again
 * when that device unregisters.
 */
#ifndef _MCHOST_PENDING_H
#define _MCHOST_PENDING_H

#include <linux/if.h>
#include <linux/list.h>
#include "filter.h"

struct mchost_dev;
struct mchost_net;
struct netlink_ext_ack;

/* Most memberships a namespace keeps waiting, by join (README, Limits). */
#define MCHOST_PENDING_MAX	1024

/* A waiting membership, in &mchost_net.pending (RTNL). */
struct mchost_pending {
	struct list_head node;
	char name[IFNAMSIZ];
	struct in6_addr addr;		/* IPv4-mapped for IGMP */
	u8 family;
	struct mchost_filter f;
};

/**
 * mchost_pending_join() - set a pending membership
 * @mn: the namespace
 * @md: the device named @name, or NULL if there is none
 * @name: the device name, valid (dev_valid_name())
 * @addr: the group
 * @family: AF_INET or AF_INET6
 * @f: the filter, replacing the one the membership had; its source list
 *     is taken over whatever the outcome
 * @extack: for the error message
 *
 * With @md, the persistent join of @md, marked pending; else the waiting
 * membership of (@name, @addr) is set. RTNL.
 *
 * Return: 0, -ENOSPC when MCHOST_PENDING_MAX wait already, or an error of
 * mchost_group_join().
 */
int mchost_pending_join(struct mchost_net *mn, struct mchost_dev *md,
			const char *name, const struct in6_addr *addr,
			u8 family, struct mchost_filter *f,
			struct netlink_ext_ack *extack);

/**
 * mchost_pending_leave() - the persistent leave of a device named by name
 * @mn: the namespace
 * @md: the device named @name, or NULL if there is none
 * @name: the device name
 * @addr: the group
 * @extack: for the error message
 *
 * Drops the waiting membership of (@name, @addr), and the persistent
 * owner's filter of @addr on @md. RTNL.
 *
 * Return: 0 if either existed, -ENODEV if neither @md nor a waiting
 * membership does, -ENOENT if @md has no such membership, or -ENOMEM.
 */
int mchost_pending_leave(struct mchost_net *mn, struct mchost_dev *md,
			 const char *name, const struct in6_addr *addr,
			 struct netlink_ext_ack *extack);

/**
 * mchost_pending_apply() - a device got its name: apply what waits for it
 * @md: the device, registered or just renamed
 *
 * A membership that cannot be applied (no memory, max_sources) keeps
 * waiting, with a warning. RTNL.
 */
void mchost_pending_apply(struct mchost_dev *md);

/**
 * mchost_pending_dev_gone() - a device unregisters: its pending ones wait
 * @md: the device, before mchost_group_dev_gone()
 *
 * RTNL.
 */
void mchost_pending_dev_gone(struct mchost_dev *md);

/**
 * mchost_pending_free() - free every waiting membership of a namespace
 * @mn: the namespace, going away
 *
 * RTNL.
 */
void mchost_pending_free(struct mchost_net *mn);

#endif /* _MCHOST_PENDING_H */
