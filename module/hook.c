// SPDX-License-Identifier: GPL-2.0
/*
 * Receive path. The stock kernel drops multicast for groups it did not join
 * at routing, before any protocol handler, so a query for a group only we
 * hold would never reach one: we observe at PRE_ROUTING instead. The hooks
 * never drop, steal or change a packet's content: always NF_ACCEPT.
 */
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/icmpv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/addrconf.h>
#include "hook.h"
#include "dev.h"
#include "proto.h"
#include "testing.h"
#include "trace.h"
#include "wire.h"

static const enum mchost_stat mchost_rx_stat[] = {
	[MCHOST_RX_TOOSHORT]	= MCHOST_STAT_RCV_TOOSHORT,
	[MCHOST_RX_BADSUM]	= MCHOST_STAT_RCV_BADSUM,
	[MCHOST_RX_BADQUERY]	= MCHOST_STAT_RCV_BADQUERIES,
	[MCHOST_RX_BADREPORT]	= MCHOST_STAT_RCV_BADREPORTS,
	[MCHOST_RX_UNKNOWN]	= MCHOST_STAT_RCV_UNKNOWN,
};

/*
 * Count in the namespace and, if mchost has state for the device (md, found
 * once per message), on the device: both hold rcv_total = rcv_queries +
 * rcv_reports + the drop reasons. A message whose device has no state (its
 * allocation failed, or a bridge port has no bridge) counts only in the
 * namespace.
 */
static void mchost_count(struct mchost_net *mn, struct mchost_dev *md,
			 enum mchost_fam fam, enum mchost_stat stat)
{
	mchost_stats_inc(mn->stats, fam, stat);
	if (md)
		mchost_stats_inc(md->dstats, fam, stat);
}

/* A message dropped: one reason counted, one mchost:drop event. */
static void mchost_drop(struct mchost_net *mn, struct mchost_dev *md,
			enum mchost_fam fam, const struct net_device *in,
			enum mchost_stat reason)
{
	mchost_count(mn, md, fam, reason);
	trace_drop(in, fam, reason);
}

/*
 * The device a message arrived for. With br_netfilter, a frame for a
 * bridge's host side reaches PRE_ROUTING first in the bridge's own pass,
 * on the port it came in by, and the host-side pass then skips the hooks
 * after ip_sabotage_in(), ours included: so a bridge port means its
 * bridge. A frame the bridge only forwards is told apart by its
 * destination (mchost_igmp_dst_ok(), mchost_mld_check()).
 */
static const struct net_device *mchost_in_dev(const struct net_device *in)
{
	if (netif_is_bridge_port(in))
		return netdev_master_upper_dev_get_rcu((struct net_device *)in);
	return in;
}

/* Does mchost hold this group on md (NULL: no)? For unusual destinations. */
static bool mchost_holds(struct mchost_dev *md, const struct in6_addr *group)
{
	bool held = false;

	if (md) {
		read_lock_bh(&md->lock);
		held = mchost_dev_find_group(md, group);
		read_unlock_bh(&md->lock);
	}
	return held;
}

/*
 * Count a message that passed its checks; the protocol engine takes it
 * from here.
 */
static void mchost_rcv_msg(struct mchost_net *mn, struct mchost_dev *md,
			   const struct net_device *dev, enum mchost_fam fam,
			   const struct mchost_msg *m)
{
	if (mchost_msg_is_query(m->kind)) {
		mchost_count(mn, md, fam, MCHOST_STAT_RCV_QUERIES);
		trace_query_rx(dev, fam, m);
	} else {
		mchost_count(mn, md, fam, MCHOST_STAT_RCV_REPORTS);
		/* Only v1/v2 reports concern us (suppression). */
		if (m->kind != MCHOST_MSG_REPORT_V1 &&
		    m->kind != MCHOST_MSG_REPORT_V2)
			return;
	}
	if (!md)
		return;
	mchost_dev_lock(md);
	if (!md->dead)
		mchost_proto_rcv(md, fam, m, ktime_get());
	mchost_dev_unlock(md);
}

/*
 * Make the whole message [off, skb->len) linear. A short packet was already
 * counted, so a failure here can only be an allocation failure.
 */
static bool mchost_pull(struct mchost_net *mn, struct mchost_dev *md,
			enum mchost_fam fam, const struct net_device *in,
			struct sk_buff *skb, unsigned int end)
{
	if (likely(pskb_may_pull(skb, end)))
		return true;
	mchost_drop(mn, md, fam, in, MCHOST_STAT_RCV_NOMEM);
	return false;
}

/*
 * RFC 9776 §4.1.12: a query goes to all-systems or to the group it asks
 * about, and one sent to any other address of the interface is valid too.
 * Anything else (a query routed through this host) is not for us.
 */
static bool mchost_igmp_dst_ok(struct mchost_net *mn,
			       const struct net_device *dev,
			       struct mchost_dev *md, __be32 daddr,
			       const struct mchost_msg *m)
{
	struct in6_addr group;

	if (daddr == htonl(INADDR_ALLHOSTS_GROUP) ||
	    daddr == m->group.s6_addr32[3])
		return true;
	if (!ipv4_is_multicast(daddr))
		return __ip_dev_find(mn->net, daddr, false) == dev;
	ipv6_addr_set_v4mapped(daddr, &group);
	return mchost_holds(md, &group);
}

/*
 * Not inlined into the hook, nor is mchost_mld_rcv(): their stack frame,
 * saved registers and stack canary would then be paid by every packet the
 * hook passes on, which is about all of them.
 */
static noinline void mchost_igmp_rcv(struct net *net, struct sk_buff *skb,
				     const struct net_device *in)
{
	const struct net_device *dev = mchost_in_dev(in);
	struct mchost_net *mn = mchost_net(net);
	struct mchost_dev *md;
	unsigned int off, len;
	struct mchost_msg m;
	enum mchost_rx rx;

	mchost_testing_hook_delay();
	md = dev ? mchost_dev_find(mn, dev->ifindex) : NULL;
	mchost_count(mn, md, MCHOST_IGMP, MCHOST_STAT_RCV_TOTAL);
	if (ip_is_fragment(ip_hdr(skb))) {
		mchost_drop(mn, md, MCHOST_IGMP, in, MCHOST_STAT_RCV_FRAGMENTS);
		return;
	}
	/* ip_rcv() validated the header and trimmed skb to tot_len. */
	off = skb_network_offset(skb) + ip_hdrlen(skb);
	len = skb->len - off;
	if (len < 8) {
		mchost_drop(mn, md, MCHOST_IGMP, in, MCHOST_STAT_RCV_TOOSHORT);
		return;
	}
	if (!mchost_pull(mn, md, MCHOST_IGMP, in, skb, off + len))
		return;
	rx = mchost_igmp_parse(skb->data + off, len, &m);
	if (rx != MCHOST_RX_OK) {
		mchost_drop(mn, md, MCHOST_IGMP, in, mchost_rx_stat[rx]);
		return;
	}
	/* RFC 9776 §4: sent with TTL 1, so any other crossed a router. */
	if (ip_hdr(skb)->ttl != 1) {
		mchost_drop(mn, md, MCHOST_IGMP, in, MCHOST_STAT_RCV_BADTTL);
		return;
	}
	if (!dev || (mchost_msg_is_query(m.kind) &&
		     !mchost_igmp_dst_ok(mn, dev, md, ip_hdr(skb)->daddr,
					 &m))) {
		mchost_drop(mn, md, MCHOST_IGMP, in, MCHOST_STAT_RCV_BADDST);
		return;
	}
	mchost_rcv_msg(mn, md, dev, MCHOST_IGMP, &m);
}

static unsigned int mchost_ipv4_in(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	if (ip_hdr(skb)->protocol == IPPROTO_IGMP)
		mchost_igmp_rcv(state->net, skb, state->in);
	return NF_ACCEPT;
}

static bool mchost_is_mld_type(u8 type)
{
	return type == ICMPV6_MGM_QUERY || type == ICMPV6_MGM_REPORT ||
	       type == ICMPV6_MGM_REDUCTION || type == ICMPV6_MLD2_REPORT;
}

/*
 * A Router Alert option (RFC 2711) in the Hop-by-Hop header, which must
 * directly follow the IPv6 header (RFC 8200 §4.1). Read from the packet:
 * in br_netfilter's pass no Hop-by-Hop parsing has filled IP6CB().
 */
static bool mchost_mld_has_ra(const struct sk_buff *skb)
{
	unsigned int off = skb_network_offset(skb) + sizeof(struct ipv6hdr);
	unsigned int end;
	u8 buf[2];
	const u8 *p;

	if (ipv6_hdr(skb)->nexthdr != NEXTHDR_HOP)
		return false;
	p = skb_header_pointer(skb, off, sizeof(buf), buf);
	if (!p)
		return false;
	end = off + (p[1] + 1) * 8;
	for (off += 2; off < end; ) {
		p = skb_header_pointer(skb, off, 1, buf);
		if (!p)
			return false;
		if (p[0] == IPV6_TLV_PAD1) {
			off++;
			continue;
		}
		p = skb_header_pointer(skb, off, sizeof(buf), buf);
		if (!p || off + 2 + p[1] > end)
			return false;
		if (p[0] == IPV6_TLV_ROUTERALERT)
			return p[1] == 2;
		off += 2 + p[1];
	}
	return false;
}

/*
 * RFC 9777 §5.1.14, §5.2.13 and §6.2 (and RFC 2710 §3 for MLDv1): every
 * MLD message has hop limit 1 and a link-local source, which reports may
 * leave unspecified (during Duplicate Address Detection). A query also
 * carries a Router Alert and, like IGMP's, goes to all-nodes, to the group
 * it asks about or to an address of the interface. Anything else is forged,
 * leaked from another link, or passing through.
 */
static enum mchost_stat mchost_mld_check(struct mchost_net *mn,
					 const struct sk_buff *skb,
					 const struct net_device *dev,
					 struct mchost_dev *md,
					 const struct mchost_msg *m)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	int type = ipv6_addr_type(&ip6h->saddr);
	bool query = mchost_msg_is_query(m->kind);

	if (!(type & IPV6_ADDR_LINKLOCAL) &&
	    (query || type != IPV6_ADDR_ANY))
		return MCHOST_STAT_RCV_BADSRC;
	if (ip6h->hop_limit != 1)
		return MCHOST_STAT_RCV_BADHOPLIMIT;
	if (!query)
		return MCHOST_STAT_RCV_REPORTS;
	if (!mchost_mld_has_ra(skb))
		return MCHOST_STAT_RCV_NORA;
	if (!dev)
		return MCHOST_STAT_RCV_BADDST;
	if (ipv6_addr_is_ll_all_nodes(&ip6h->daddr) ||
	    ipv6_addr_equal(&ip6h->daddr, &m->group))
		return MCHOST_STAT_RCV_QUERIES;
	if (ipv6_addr_is_multicast(&ip6h->daddr) ?
	    mchost_holds(md, &ip6h->daddr) :
	    ipv6_chk_addr(mn->net, &ip6h->daddr, dev, 1))
		return MCHOST_STAT_RCV_QUERIES;
	return MCHOST_STAT_RCV_BADDST;
}

static noinline void mchost_mld_rcv(struct net *net, struct sk_buff *skb,
				    const struct net_device *in)
{
	struct mchost_net *mn = mchost_net(net);
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;
	const struct net_device *dev;
	enum mchost_stat verdict;
	struct mchost_dev *md;
	unsigned int len;
	struct mchost_msg m;
	enum mchost_rx rx;
	__be16 frag_off;
	u8 tbuf;
	const u8 *type;
	int off;

	off = ipv6_skip_exthdr(skb, skb_network_offset(skb) + sizeof(struct ipv6hdr),
			       &nexthdr, &frag_off);
	if (off < 0 || nexthdr != IPPROTO_ICMPV6)
		return;
	type = skb_header_pointer(skb, off, sizeof(tbuf), &tbuf);
	if (!type || !mchost_is_mld_type(*type))
		return;

	dev = mchost_in_dev(in);
	md = dev ? mchost_dev_find(mn, dev->ifindex) : NULL;
	mchost_count(mn, md, MCHOST_MLD, MCHOST_STAT_RCV_TOTAL);
	/* Any fragment header, even of a first fragment (M set). */
	if (frag_off) {
		mchost_drop(mn, md, MCHOST_MLD, in, MCHOST_STAT_RCV_FRAGMENTS);
		return;
	}
	len = skb->len - off;
	if (len < 8) {
		mchost_drop(mn, md, MCHOST_MLD, in, MCHOST_STAT_RCV_TOOSHORT);
		return;
	}
	if (!mchost_pull(mn, md, MCHOST_MLD, in, skb, off + len))
		return;
	rx = mchost_mld_parse(skb->data + off, len, &ipv6_hdr(skb)->saddr,
			      &ipv6_hdr(skb)->daddr, &m);
	if (rx != MCHOST_RX_OK) {
		mchost_drop(mn, md, MCHOST_MLD, in, mchost_rx_stat[rx]);
		return;
	}
	verdict = mchost_mld_check(mn, skb, dev, md, &m);
	if (verdict != MCHOST_STAT_RCV_QUERIES &&
	    verdict != MCHOST_STAT_RCV_REPORTS) {
		mchost_drop(mn, md, MCHOST_MLD, in, verdict);
		return;
	}
	mchost_rcv_msg(mn, md, dev, MCHOST_MLD, &m);
}

static unsigned int mchost_ipv6_in(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;

	/* The common case costs two compares. */
	if (nexthdr == IPPROTO_ICMPV6 || ipv6_ext_hdr(nexthdr))
		mchost_mld_rcv(state->net, skb, state->in);
	return NF_ACCEPT;
}

/* After defragmentation (when conntrack is loaded), before everything else. */
static const struct nf_hook_ops mchost_nf_ops[] = {
	{
		.hook		= mchost_ipv4_in,
		.pf		= NFPROTO_IPV4,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP_PRI_CONNTRACK_DEFRAG + 1,
	},
	{
		.hook		= mchost_ipv6_in,
		.pf		= NFPROTO_IPV6,
		.hooknum	= NF_INET_PRE_ROUTING,
		.priority	= NF_IP6_PRI_CONNTRACK_DEFRAG + 1,
	},
};

int mchost_hook_init(struct net *net)
{
	return nf_register_net_hooks(net, mchost_nf_ops,
				     ARRAY_SIZE(mchost_nf_ops));
}

void mchost_hook_uninit(struct net *net)
{
	nf_unregister_net_hooks(net, mchost_nf_ops, ARRAY_SIZE(mchost_nf_ops));
}
