/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCHOST_GENL_H
#define _MCHOST_GENL_H

#include "wire.h"

struct mchost_dev;
struct mchost_group;

/**
 * mchost_genl_init() - register the "mchost" generic netlink family
 *
 * Return: 0 or a negative errno.
 */
int mchost_genl_init(void);

/**
 * mchost_genl_uninit() - unregister it
 */
void mchost_genl_uninit(void);

/**
 * mchost_genl_notify_group() - announce a membership change
 * @md: the device
 * @grp: the membership, as it is after the change (its merged filter,
 *       and nowners 0 if it is gone)
 * @event: enum mchost_event, what caused it
 *
 * Context: RTNL held, may sleep. Does nothing without listeners.
 */
void mchost_genl_notify_group(struct mchost_dev *md,
			      const struct mchost_group *grp, u8 event);

/**
 * mchost_genl_notify_compat() - announce a compatibility mode change
 * @md: the device
 * @fam: IGMP or MLD; the new mode is the version in force now
 *
 * Context: any, the device lock not held (it reads the version).
 */
void mchost_genl_notify_compat(struct mchost_dev *md, enum mchost_fam fam);

#endif /* _MCHOST_GENL_H */
