/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCHOST_GENL_H
#define _MCHOST_GENL_H

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

#endif /* _MCHOST_GENL_H */
