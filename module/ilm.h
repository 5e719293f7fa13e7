/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interface between ill.c (devices) and ilm.c (memberships). */
#ifndef _MCHOST_ILM_H
#define _MCHOST_ILM_H

#include "ill.h"

void mchost_ill_hash_grow(struct mchost_ill *ill);
void mchost_ill_hash_add(struct mchost_ill *ill, struct mchost_ilm *ilm);
void mchost_ilm_destroy(struct mchost_ill *ill, struct mchost_ilm *ilm);
void mchost_gc_work(struct work_struct *work);

#endif /* _MCHOST_ILM_H */
