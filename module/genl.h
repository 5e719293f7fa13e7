/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCHOST_GENL_H
#define _MCHOST_GENL_H

int mchost_genl_init(void);
void mchost_genl_uninit(void);

#endif /* _MCHOST_GENL_H */
