/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Send path. Reports are built under a device lock into skbs that wait on a
 * queue; mchost_xmit_flush() adds the IP header and sends them through the
 * normal output path once the lock is dropped.
 */
#ifndef _MCHOST_XMIT_H
#define _MCHOST_XMIT_H

#include <linux/skbuff.h>
#include "netns.h"

/*
 * A report skb for dev with len bytes of payload, room reserved for the
 * IP header; *payload points at the payload. GFP_ATOMIC under locks.
 */
struct sk_buff *mchost_xmit_alloc(struct net_device *dev, enum mchost_fam fam,
				  const struct in6_addr *daddr,
				  unsigned int len, u8 **payload);

/* Send and consume every skb of q; counts snd_reports per packet sent. */
void mchost_xmit_flush(struct mchost_net *mn, struct sk_buff_head *q);

#endif /* _MCHOST_XMIT_H */
