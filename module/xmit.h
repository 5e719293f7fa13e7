/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Send path. Reports are built under a device lock into skbs that wait on a
 * queue; mchost_xmit_flush() adds the IP header and sends them through the
 * normal output path once the lock is dropped.
 */
#ifndef _MCHOST_XMIT_H
#define _MCHOST_XMIT_H

#include <linux/skbuff.h>
#include "stats.h"

struct mchost_dev;

/**
 * mchost_xmit_alloc() - a report skb, room reserved for the IP header
 * @dev: the device it goes out of
 * @fam: IGMP or MLD
 * @daddr: its destination (IPv4-mapped for IGMP)
 * @len: bytes of payload
 * @payload: set to the start of the payload
 * @kind: the counter of its kind (snd_v3_reports, ...), counted once the
 *        packet is sent
 *
 * GFP_ATOMIC: called under locks.
 *
 * Return: the skb, or NULL.
 */
struct sk_buff *mchost_xmit_alloc(struct net_device *dev, enum mchost_fam fam,
				  const struct in6_addr *daddr,
				  unsigned int len, u8 **payload,
				  enum mchost_stat kind);

/* How usable a device's IPv6 link-local address is. */
enum mchost_ll {
	MCHOST_LL_NONE,		/* none, or every one failed DAD */
	MCHOST_LL_TENTATIVE,	/* one is still in Duplicate Address Detection */
	MCHOST_LL_USABLE,
};

/**
 * mchost_xmit_ll() - the link-local address MLD reports go out from
 * @dev: the device
 * @addr: set to it, or to :: if none is usable
 *
 * Return: whether one is usable, or one will be once DAD ends.
 */
enum mchost_ll mchost_xmit_ll(struct net_device *dev, struct in6_addr *addr);

/**
 * mchost_xmit_flush() - send and consume every skb of a queue
 * @md: their device, which counts snd_reports and the packet's kind per
 *      packet sent, snd_errors per failure
 * @q: skbs from mchost_xmit_alloc()
 */
void mchost_xmit_flush(struct mchost_dev *md, struct sk_buff_head *q);

#endif /* _MCHOST_XMIT_H */
