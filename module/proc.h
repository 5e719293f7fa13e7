/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCHOST_PROC_H
#define _MCHOST_PROC_H

struct mchost_net;

/**
 * mchost_proc_init() - create /proc/net/mchost/ in a namespace
 * @mn: the namespace's state
 *
 * Return: 0 or -ENOMEM.
 */
int mchost_proc_init(struct mchost_net *mn);

/**
 * mchost_proc_uninit() - remove it
 * @mn: the namespace's state
 */
void mchost_proc_uninit(struct mchost_net *mn);

#endif /* _MCHOST_PROC_H */
