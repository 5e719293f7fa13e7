/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCHOST_HOOK_H
#define _MCHOST_HOOK_H

struct net;

/**
 * mchost_hook_init() - watch a namespace's incoming IGMP and MLD
 * @net: the namespace
 *
 * Return: 0 or a negative errno.
 */
int mchost_hook_init(struct net *net);

/**
 * mchost_hook_uninit() - stop watching
 * @net: the namespace
 */
void mchost_hook_uninit(struct net *net);

#endif /* _MCHOST_HOOK_H */
