// SPDX-License-Identifier: GPL-2.0
/*
 * Receive path. The stock kernel drops multicast for groups it did not join
 * at routing, before any protocol handler, so a query for a group only we
 * hold would never reach one: we observe at PRE_ROUTING instead. The hooks
 * never drop, steal or change a packet's content: always NF_ACCEPT.
 */
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
#include "wire.h"

static const enum mchost_stat mchost_rx_stat[] = {
	[MCHOST_RX_TOOSHORT]	= MCHOST_STAT_RCV_TOOSHORT,
	[MCHOST_RX_BADSUM]	= MCHOST_STAT_RCV_BADSUM,
	[MCHOST_RX_BADQUERY]	= MCHOST_STAT_RCV_BADQUERIES,
	[MCHOST_RX_BADREPORT]	= MCHOST_STAT_RCV_BADREPORTS,
	[MCHOST_RX_UNKNOWN]	= MCHOST_STAT_RCV_UNKNOWN,
};

static void mchost_count(struct mchost_net *mn, enum mchost_fam fam,
			 enum mchost_stat stat)
{
	mchost_stats_inc(mn->stats, fam, stat);
}

/*
 * Count a message that passed its parser; the protocol engine takes it
 * from here.
 */
static void mchost_rcv_msg(struct mchost_net *mn, enum mchost_fam fam,
			   const struct net_device *dev,
			   const struct mchost_msg *m)
{
	struct mchost_dev *md;

	if (mchost_msg_is_query(m->kind)) {
		mchost_count(mn, fam, MCHOST_STAT_RCV_QUERIES);
	} else {
		mchost_count(mn, fam, MCHOST_STAT_RCV_REPORTS);
		/* Only v1/v2 reports concern us (suppression). */
		if (m->kind != MCHOST_MSG_REPORT_V1 &&
		    m->kind != MCHOST_MSG_REPORT_V2)
			return;
	}
	md = mchost_dev_find(mn, dev->ifindex);
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
static bool mchost_pull(struct mchost_net *mn, enum mchost_fam fam,
			struct sk_buff *skb, unsigned int end)
{
	if (likely(pskb_may_pull(skb, end)))
		return true;
	mchost_count(mn, fam, MCHOST_STAT_RCV_NOMEM);
	return false;
}

static void mchost_igmp_rcv(struct net *net, struct sk_buff *skb,
			    const struct net_device *dev)
{
	struct mchost_net *mn = mchost_net(net);
	unsigned int off, len;
	struct mchost_msg m;
	enum mchost_rx rx;

	mchost_testing_hook_delay();
	mchost_count(mn, MCHOST_IGMP, MCHOST_STAT_RCV_TOTAL);
	if (ip_is_fragment(ip_hdr(skb))) {
		mchost_count(mn, MCHOST_IGMP, MCHOST_STAT_RCV_FRAGMENTS);
		return;
	}
	/* ip_rcv() validated the header and trimmed skb to tot_len. */
	off = skb_network_offset(skb) + ip_hdrlen(skb);
	len = skb->len - off;
	if (len < 8) {
		mchost_count(mn, MCHOST_IGMP, MCHOST_STAT_RCV_TOOSHORT);
		return;
	}
	if (!mchost_pull(mn, MCHOST_IGMP, skb, off + len))
		return;
	rx = mchost_igmp_parse(skb->data + off, len, &m);
	if (rx != MCHOST_RX_OK) {
		mchost_count(mn, MCHOST_IGMP, mchost_rx_stat[rx]);
		return;
	}
	mchost_rcv_msg(mn, MCHOST_IGMP, dev, &m);
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
 * RFC 9777 §5.1.14 and §6.2: a query must come from a link-local source,
 * with hop limit 1 and a Router Alert option; anything else is forged or
 * leaked from another link.
 */
static enum mchost_stat mchost_mld_query_check(const struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);

	if (!(ipv6_addr_type(&ip6h->saddr) & IPV6_ADDR_LINKLOCAL))
		return MCHOST_STAT_RCV_BADSRC;
	if (ip6h->hop_limit != 1)
		return MCHOST_STAT_RCV_BADHOPLIMIT;
	/* ip6_rcv_core() parsed the Hop-by-Hop options before PRE_ROUTING. */
	if (!(IP6CB(skb)->flags & IP6SKB_ROUTERALERT))
		return MCHOST_STAT_RCV_NORA;
	return MCHOST_STAT_RCV_QUERIES;
}

static void mchost_mld_rcv(struct net *net, struct sk_buff *skb,
			   const struct net_device *dev)
{
	struct mchost_net *mn = mchost_net(net);
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;
	enum mchost_stat verdict;
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

	mchost_count(mn, MCHOST_MLD, MCHOST_STAT_RCV_TOTAL);
	/* Any fragment header, even of a first fragment (M set). */
	if (frag_off) {
		mchost_count(mn, MCHOST_MLD, MCHOST_STAT_RCV_FRAGMENTS);
		return;
	}
	len = skb->len - off;
	if (len < 8) {
		mchost_count(mn, MCHOST_MLD, MCHOST_STAT_RCV_TOOSHORT);
		return;
	}
	if (!mchost_pull(mn, MCHOST_MLD, skb, off + len))
		return;
	rx = mchost_mld_parse(skb->data + off, len, &ipv6_hdr(skb)->saddr,
			      &ipv6_hdr(skb)->daddr, &m);
	if (rx != MCHOST_RX_OK) {
		mchost_count(mn, MCHOST_MLD, mchost_rx_stat[rx]);
		return;
	}
	if (mchost_msg_is_query(m.kind)) {
		verdict = mchost_mld_query_check(skb);
		if (verdict != MCHOST_STAT_RCV_QUERIES) {
			mchost_count(mn, MCHOST_MLD, verdict);
			return;
		}
	}
	mchost_rcv_msg(mn, MCHOST_MLD, dev, &m);
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
