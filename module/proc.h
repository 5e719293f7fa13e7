/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCHOST_PROC_H
#define _MCHOST_PROC_H

struct mchost_net;

int mchost_proc_init(struct mchost_net *mn);
void mchost_proc_uninit(struct mchost_net *mn);

#endif /* _MCHOST_PROC_H */
