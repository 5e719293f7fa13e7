/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of mchost, under events/mchost/ in tracefs: for perf trace,
 * bpftrace and the like. Their fields are an interface: add, never rename.
 * main.c alone defines CREATE_TRACE_POINTS.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM mchost

#if !defined(_MCHOST_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MCHOST_TRACE_H

#include <linux/icmpv6.h>
#include <linux/igmp.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/netdevice.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <net/ipv6.h>
#include "proto.h"
#include "stats.h"
#include "wire.h"

/* Once only: this part is read again with TRACE_HEADER_MULTI_READ. */
#ifndef _MCHOST_TRACE_HELPERS
#define _MCHOST_TRACE_HELPERS

/* query_rx's kind */
#define MCHOST_TRACE_GENERAL		0
#define MCHOST_TRACE_GROUP		1
#define MCHOST_TRACE_GROUP_SOURCE	2

#define MCHOST_TRACE_ADDRLEN	sizeof(struct sockaddr_in6)

/**
 * mchost_trace_addr() - an address as a sockaddr, for "%pISc"
 * @buf: MCHOST_TRACE_ADDRLEN bytes
 * @fam: IGMP (a sockaddr_in of the mapped address) or MLD (sockaddr_in6)
 * @a: the address, IPv4-mapped for IGMP
 *
 * So the trace prints each address in its family's own form.
 */
static inline void mchost_trace_addr(u8 *buf, enum mchost_fam fam,
				     const struct in6_addr *a)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)buf;
	struct sockaddr_in *sin = (struct sockaddr_in *)buf;

	memset(buf, 0, MCHOST_TRACE_ADDRLEN);
	if (fam == MCHOST_IGMP) {
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = a->s6_addr32[3];
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = *a;
	}
}

/**
 * mchost_trace_dev() - an event's device fields
 * @ifindex: set to the device's index, 0 without one
 * @ifname: IFNAMSIZ bytes, set to its name, "" without one
 * @dev: the device, or NULL (KUnit's fake devices have none)
 */
static inline void mchost_trace_dev(int *ifindex, char *ifname,
				    const struct net_device *dev)
{
	*ifindex = dev ? dev->ifindex : 0;
	strscpy(ifname, dev ? dev->name : "", IFNAMSIZ);
}

/**
 * mchost_trace_qversion() - a query's version
 * @fam: its family
 * @kind: its enum mchost_msg_kind, a query's
 *
 * Return: the version in the family's numbering (IGMP 1-3, MLD 1-2).
 */
static inline u8 mchost_trace_qversion(enum mchost_fam fam, u8 kind)
{
	return kind - MCHOST_MSG_QUERY_V1 + (fam == MCHOST_IGMP ? 1 : 0);
}

/**
 * mchost_trace_qkind() - a query's kind
 * @m: the query
 *
 * Return: MCHOST_TRACE_GENERAL, _GROUP or _GROUP_SOURCE.
 */
static inline u8 mchost_trace_qkind(const struct mchost_msg *m)
{
	if (ipv6_addr_any(&m->group))
		return MCHOST_TRACE_GENERAL;
	return m->nsrc ? MCHOST_TRACE_GROUP_SOURCE : MCHOST_TRACE_GROUP;
}

/**
 * mchost_trace_nrec() - a v3 report's Number of Group Records
 * @msg: the first 8 bytes of an IGMP or MLD message
 *
 * Return: the count (at offset 6 in both), 0 for any other message.
 */
static inline u16 mchost_trace_nrec(const u8 *msg)
{
	if (msg[0] != IGMPV3_HOST_MEMBERSHIP_REPORT &&
	    msg[0] != ICMPV6_MLD2_REPORT)
		return 0;
	return msg[6] << 8 | msg[7];
}

#define mchost_trace_fam(f) \
	__print_symbolic(f, { MCHOST_IGMP, "igmp" }, { MCHOST_MLD, "mld" })

#endif /* _MCHOST_TRACE_HELPERS */

TRACE_DEFINE_ENUM(MCHOST_IGMP);
TRACE_DEFINE_ENUM(MCHOST_MLD);

/*
 * Every event begins with ifindex, ifname and family. A valid query,
 * counted in rcv_queries.
 */
TRACE_EVENT(query_rx,
	    TP_PROTO(const struct net_device *dev, enum mchost_fam fam,
		     const struct mchost_msg *m),
	    TP_ARGS(dev, fam, m),
	    TP_STRUCT__entry(__field(int, ifindex)
			     __array(char, ifname, IFNAMSIZ)
			     __field(u8, family)
			     __field(u8, version)
			     __field(u8, kind)
			     __field(u16, nsrc)
			     __field(u32, mrt_ms)
			     __array(u8, group, MCHOST_TRACE_ADDRLEN)),
	    TP_fast_assign(mchost_trace_dev(&__entry->ifindex,
					    __entry->ifname, dev);
			   __entry->family = fam;
			   __entry->version = mchost_trace_qversion(fam,
								    m->kind);
			   __entry->kind = mchost_trace_qkind(m);
			   __entry->nsrc = m->nsrc;
			   __entry->mrt_ms = mchost_query_mrt_ms(fam, m);
			   mchost_trace_addr(__entry->group, fam, &m->group);),
	    TP_printk("ifindex=%d ifname=%s family=%s version=%u kind=%s group=%pISc nsrc=%u mrt_ms=%u",
		      __entry->ifindex, __entry->ifname,
		      mchost_trace_fam(__entry->family), __entry->version,
		      __print_symbolic(__entry->kind,
				       { MCHOST_TRACE_GENERAL, "general" },
				       { MCHOST_TRACE_GROUP, "group" },
				       { MCHOST_TRACE_GROUP_SOURCE,
					 "group-source" }),
		      __entry->group, __entry->nsrc, __entry->mrt_ms)
);

/*
 * A report, leave or done the stack took (counted in snd_reports): @msg
 * is the IGMP/MLD message (at least 8 bytes), before its IP header. The
 * type's name gives the version in the family's numbering: an MLDv2
 * report is a v2_report.
 */
TRACE_EVENT(report_tx,
	    TP_PROTO(const struct net_device *dev, enum mchost_fam fam,
		     const struct in6_addr *daddr, const u8 *msg,
		     unsigned int len),
	    TP_ARGS(dev, fam, daddr, msg, len),
	    TP_STRUCT__entry(__field(int, ifindex)
			     __array(char, ifname, IFNAMSIZ)
			     __field(u8, family)
			     __field(u8, type)
			     __field(u16, nrec)
			     __field(u32, len)
			     __array(u8, daddr, MCHOST_TRACE_ADDRLEN)),
	    TP_fast_assign(mchost_trace_dev(&__entry->ifindex,
					    __entry->ifname, dev);
			   __entry->family = fam;
			   __entry->type = msg[0];
			   __entry->nrec = mchost_trace_nrec(msg);
			   __entry->len = len;
			   mchost_trace_addr(__entry->daddr, fam, daddr);),
	    TP_printk("ifindex=%d ifname=%s family=%s type=%s daddr=%pISc len=%u nrec=%u",
		      __entry->ifindex, __entry->ifname,
		      mchost_trace_fam(__entry->family),
		      __print_symbolic(__entry->type,
				       { IGMP_HOST_MEMBERSHIP_REPORT,
					 "v1_report" },
				       { IGMPV2_HOST_MEMBERSHIP_REPORT,
					 "v2_report" },
				       { IGMP_HOST_LEAVE_MESSAGE, "leave" },
				       { IGMPV3_HOST_MEMBERSHIP_REPORT,
					 "v3_report" },
				       { ICMPV6_MGM_REPORT, "v1_report" },
				       { ICMPV6_MGM_REDUCTION, "done" },
				       { ICMPV6_MLD2_REPORT, "v2_report" }),
		      __entry->daddr, __entry->len, __entry->nrec)
);

/*
 * A packet mchost meant to send and could not (counted in snd_errors):
 * @err is why, as a negative errno: -ENOMEM when no packet or pending
 * state could be allocated, else what the route lookup or the output path
 * returned (-ENETUNREACH without a route, -EPERM from a netfilter drop,
 * -ENOBUFS from a qdisc drop).
 */
TRACE_EVENT(send_error,
	    TP_PROTO(const struct net_device *dev, enum mchost_fam fam,
		     int err),
	    TP_ARGS(dev, fam, err),
	    TP_STRUCT__entry(__field(int, ifindex)
			     __array(char, ifname, IFNAMSIZ)
			     __field(u8, family)
			     __field(int, err)),
	    TP_fast_assign(mchost_trace_dev(&__entry->ifindex,
					    __entry->ifname, dev);
			   __entry->family = fam;
			   __entry->err = err;),
	    TP_printk("ifindex=%d ifname=%s family=%s err=%d",
		      __entry->ifindex, __entry->ifname,
		      mchost_trace_fam(__entry->family), __entry->err)
);

/* The compatibility mode changed (RFC 9776 §7.2, RFC 9777 §8.2). */
TRACE_EVENT(compat_change,
	    TP_PROTO(const struct net_device *dev, enum mchost_fam fam,
		     unsigned int old_version, unsigned int new_version),
	    TP_ARGS(dev, fam, old_version, new_version),
	    TP_STRUCT__entry(__field(int, ifindex)
			     __array(char, ifname, IFNAMSIZ)
			     __field(u8, family)
			     __field(u8, old_version)
			     __field(u8, new_version)),
	    TP_fast_assign(mchost_trace_dev(&__entry->ifindex,
					    __entry->ifname, dev);
			   __entry->family = fam;
			   __entry->old_version = old_version;
			   __entry->new_version = new_version;),
	    TP_printk("ifindex=%d ifname=%s family=%s old_version=%u new_version=%u",
		      __entry->ifindex, __entry->ifname,
		      mchost_trace_fam(__entry->family),
		      __entry->old_version, __entry->new_version)
);

/*
 * A received message dropped or ignored. @reason is its counter, named as
 * in /proc/net/mchost/ (rcv_tooshort, rcv_badsum, ...); copied by hand,
 * as __assign_str() lost its source argument in 6.10. @dev is the device
 * it came in by: for a bridged frame, the bridge port.
 */
TRACE_EVENT(drop,
	    TP_PROTO(const struct net_device *dev, enum mchost_fam fam,
		     enum mchost_stat reason),
	    TP_ARGS(dev, fam, reason),
	    TP_STRUCT__entry(__field(int, ifindex)
			     __array(char, ifname, IFNAMSIZ)
			     __field(u8, family)
			     __string(reason, mchost_stat_names[reason])),
	    TP_fast_assign(mchost_trace_dev(&__entry->ifindex,
					    __entry->ifname, dev);
			   __entry->family = fam;
			   strscpy(__get_str(reason), mchost_stat_names[reason],
				   __get_dynamic_array_len(reason));),
	    TP_printk("ifindex=%d ifname=%s family=%s reason=%s",
		      __entry->ifindex, __entry->ifname,
		      mchost_trace_fam(__entry->family), __get_str(reason))
);

#endif /* _MCHOST_TRACE_H */

/* Out of tree: define_trace.h finds this file through -I$(src). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
