// SPDX-License-Identifier: GPL-2.0
/*
 * Complete IPv4/IPv6 report packets, sent through the normal output path
 * (route bound to the device, then ip_local_out()/ip6_local_out()) so that
 * qdiscs, netfilter OUTPUT rules and packet sockets see them.
 */
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_sched.h>
#include <net/addrconf.h>
#include <net/if_inet6.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include "dev.h"
#include "report.h"
#include "trace.h"
#include "xmit.h"

struct mchost_xmit_cb {
	struct in6_addr daddr;
	u8 fam;
	u8 kind;	/* enum mchost_stat */
};

#define MCHOST_XMIT_CB(skb) ((struct mchost_xmit_cb *)(skb)->cb)

struct sk_buff *mchost_xmit_alloc(struct net_device *dev, enum mchost_fam fam,
				  const struct in6_addr *daddr,
				  unsigned int len, u8 **payload,
				  enum mchost_stat kind)
{
	unsigned int head = LL_RESERVED_SPACE(dev) + mchost_report_overhead(fam);
	struct sk_buff *skb;

	skb = alloc_skb(head + len + dev->needed_tailroom, GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, head);
	skb->dev = dev;
	skb->priority = TC_PRIO_CONTROL;
	skb->protocol = fam == MCHOST_IGMP ? htons(ETH_P_IP) : htons(ETH_P_IPV6);
	BUILD_BUG_ON(sizeof(struct mchost_xmit_cb) > sizeof(skb->cb));
	MCHOST_XMIT_CB(skb)->daddr = *daddr;
	MCHOST_XMIT_CB(skb)->fam = fam;
	MCHOST_XMIT_CB(skb)->kind = kind;
	skb_reset_transport_header(skb);
	*payload = skb_put(skb, len);
	return skb;
}

/*
 * RFC 9776 §4.2.13: the interface's (primary) address, 0.0.0.0 if it has
 * none. Not inet_select_addr(): that falls back to another device's.
 */
static __be32 mchost_v4_saddr(struct net_device *dev)
{
	const struct in_ifaddr *ifa;
	struct in_device *in_dev;
	__be32 addr = 0;

	rcu_read_lock();
	in_dev = __in_dev_get_rcu(dev);
	if (in_dev) {
		in_dev_for_each_ifa_rcu(ifa, in_dev) {
			if (!(ifa->ifa_flags & IFA_F_SECONDARY)) {
				addr = ifa->ifa_local;
				break;
			}
		}
	}
	rcu_read_unlock();
	return addr;
}

static int mchost_xmit4(struct net *net, struct sk_buff *skb, __be32 daddr)
{
	struct net_device *dev = skb->dev;
	struct flowi4 fl4;
	struct rtable *rt;
	struct iphdr *iph;
	__be32 saddr;
	u8 *ra;

	saddr = mchost_v4_saddr(dev);
	rt = ip_route_output_ports(net, &fl4, NULL, daddr, saddr, 0, 0,
				   IPPROTO_IGMP, 0, dev->ifindex);
	if (IS_ERR(rt)) {
		kfree_skb(skb);
		return PTR_ERR(rt);
	}
	skb_dst_set(skb, &rt->dst);

	skb_push(skb, sizeof(*iph) + 4);
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	iph->version = 4;
	iph->ihl = (sizeof(*iph) + 4) / 4;
	/* RFC 9776 §4: Internetwork Control, like every IGMP message. */
	iph->tos = 0xc0;
	iph->tot_len = htons(skb->len);
	iph->frag_off = htons(IP_DF);
	iph->ttl = 1;
	iph->protocol = IPPROTO_IGMP;
	iph->saddr = saddr;
	iph->daddr = daddr;
	/* RFC 9776 §4: Router Alert, so routers look at it (RFC 2113). */
	ra = (u8 *)(iph + 1);
	ra[0] = IPOPT_RA;
	ra[1] = 4;
	ra[2] = 0;
	ra[3] = 0;
	ip_select_ident(net, skb, NULL);
	ip_send_check(iph);
	return ip_local_out(net, NULL, skb);
}

enum mchost_ll mchost_xmit_ll(struct net_device *dev, struct in6_addr *addr)
{
	enum mchost_ll state = MCHOST_LL_NONE;
	const struct inet6_ifaddr *ifa;
	struct inet6_dev *idev;

	*addr = in6addr_any;
	rcu_read_lock();
	idev = __in6_dev_get(dev);
	if (idev) {
		read_lock_bh(&idev->lock);
		list_for_each_entry(ifa, &idev->addr_list, if_list) {
			if (ifa->scope != IFA_LINK ||
			    (ifa->flags & IFA_F_DADFAILED))
				continue;
			if (!(ifa->flags & IFA_F_TENTATIVE)) {
				*addr = ifa->addr;
				state = MCHOST_LL_USABLE;
				break;
			}
			state = MCHOST_LL_TENTATIVE;
		}
		read_unlock_bh(&idev->lock);
	}
	rcu_read_unlock();
	return state;
}

static int mchost_xmit6(struct net *net, struct sk_buff *skb,
			const struct in6_addr *daddr)
{
	struct net_device *dev = skb->dev;
	unsigned int len = skb->len;
	struct dst_entry *dst;
	struct in6_addr saddr;
	struct ipv6hdr *ip6h;
	struct flowi6 fl6;
	__sum16 *csum;
	u8 *hbh;

	/* RFC 9777 §5.2.13: ::, while no link-local address is usable. */
	mchost_xmit_ll(dev, &saddr);
	/* The ICMPv6 checksum sits at offset 2 of every MLD message. */
	csum = (__sum16 *)(skb->data + 2);
	*csum = 0;
	*csum = csum_ipv6_magic(&saddr, daddr, len, IPPROTO_ICMPV6,
				csum_partial(skb->data, len, 0));

	/* RFC 9777 §5: hop limit 1 and a Router Alert in Hop-by-Hop options. */
	hbh = skb_push(skb, 8);
	hbh[0] = IPPROTO_ICMPV6;
	hbh[1] = 0;
	hbh[2] = IPV6_TLV_ROUTERALERT;
	hbh[3] = 2;
	hbh[4] = 0;	/* RFC 2711: value 0, MLD */
	hbh[5] = 0;
	hbh[6] = IPV6_TLV_PADN;
	hbh[7] = 0;
	skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6h = ipv6_hdr(skb);
	ip6_flow_hdr(ip6h, 0, 0);
	ip6h->payload_len = htons(len + 8);
	ip6h->nexthdr = NEXTHDR_HOP;
	ip6h->hop_limit = 1;
	ip6h->saddr = saddr;
	ip6h->daddr = *daddr;

	memset(&fl6, 0, sizeof(fl6));
	fl6.flowi6_oif = dev->ifindex;
	fl6.flowi6_proto = IPPROTO_ICMPV6;
	fl6.daddr = *daddr;
	fl6.saddr = saddr;
	dst = ip6_route_output(net, NULL, &fl6);
	if (dst->error) {
		int err = dst->error;

		dst_release(dst);
		kfree_skb(skb);
		return err;
	}
	skb_dst_set(skb, dst);
	return ip6_local_out(net, NULL, skb);
}

void mchost_xmit_flush(struct mchost_dev *md, struct sk_buff_head *q)
{
	struct net *net = md->mn->net;
	unsigned int len = 0;
	enum mchost_stat kind;
	struct in6_addr daddr;
	struct sk_buff *skb;
	enum mchost_fam fam;
	u8 msg[8] = {};
	bool traced;
	int err;

	while ((skb = __skb_dequeue(q))) {
		/* For mchost:report_tx, as the skb is gone once sent. */
		traced = trace_report_tx_enabled();
		if (traced) {
			len = skb->len;
			memcpy(msg, skb->data,
			       min_t(unsigned int, len, sizeof(msg)));
		}
		fam = MCHOST_XMIT_CB(skb)->fam;
		kind = MCHOST_XMIT_CB(skb)->kind;
		daddr = MCHOST_XMIT_CB(skb)->daddr;
		/* The output path reads skb->cb as IPCB / IP6CB: clear ours. */
		memset(skb->cb, 0, sizeof(skb->cb));
		if (fam == MCHOST_IGMP)
			err = mchost_xmit4(net, skb, daddr.s6_addr32[3]);
		else
			err = mchost_xmit6(net, skb, &daddr);
		/* Sent or not: a packet counts by kind only once it left. */
		if (net_xmit_eval(err)) {
			mchost_dev_count(md, fam, MCHOST_STAT_SND_ERRORS);
			/* A qdisc's NET_XMIT_DROP as a socket would see it. */
			trace_send_error(md->dev, fam,
					 err < 0 ? err : net_xmit_errno(err));
		} else {
			mchost_dev_count(md, fam, MCHOST_STAT_SND_REPORTS);
			mchost_dev_count(md, fam, kind);
			if (traced)
				trace_report_tx(md->dev, fam, &daddr, msg, len);
		}
	}
}
