/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCHOST_HOOK_H
#define _MCHOST_HOOK_H

struct net;

int mchost_hook_init(struct net *net);
void mchost_hook_uninit(struct net *net);

#endif /* _MCHOST_HOOK_H */
