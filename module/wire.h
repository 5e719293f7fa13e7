/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IGMP and MLD messages on plain byte buffers: validation and parsing.
 * Nothing here touches an skb or a net_device, so KUnit (and a userspace
 * fuzz harness) can feed it any bytes.
 */
#ifndef _MCHOST_WIRE_H
#define _MCHOST_WIRE_H

#include <linux/types.h>
#include <linux/in6.h>

/* The two protocols: IGMP over IPv4, MLD over IPv6. */
enum mchost_fam {
	MCHOST_IGMP,
	MCHOST_MLD,
	MCHOST_NFAM,
};

/* What a parser decided. Every value but MCHOST_RX_OK maps to one counter. */
enum mchost_rx {
	MCHOST_RX_OK,
	MCHOST_RX_TOOSHORT,	/* shorter than the smallest message (8 bytes) */
	MCHOST_RX_BADSUM,	/* checksum does not verify */
	MCHOST_RX_BADQUERY,	/* query of an impossible length or content */
	MCHOST_RX_BADREPORT,	/* report/leave of impossible length/content */
	MCHOST_RX_UNKNOWN,	/* valid checksum, type we do not handle */
};

enum mchost_msg_kind {
	MCHOST_MSG_QUERY_V1,	/* IGMPv1 query */
	MCHOST_MSG_QUERY_V2,	/* IGMPv2 query, MLDv1 query */
	MCHOST_MSG_QUERY_V3,	/* IGMPv3 query, MLDv2 query */
	MCHOST_MSG_REPORT_V1,	/* IGMPv1 report */
	MCHOST_MSG_REPORT_V2,	/* IGMPv2 report, MLDv1 report */
	MCHOST_MSG_LEAVE,	/* IGMPv2 leave, MLDv1 done */
	MCHOST_MSG_REPORT_V3,	/* IGMPv3 report, MLDv2 report */
};

/**
 * mchost_msg_is_query() - is this kind of message a query?
 * @kind: an enum mchost_msg_kind
 *
 * Return: true for the three query kinds.
 */
static inline bool mchost_msg_is_query(u8 kind)
{
	return kind <= MCHOST_MSG_QUERY_V3;
}

/*
 * A parsed message. Addresses of IGMP messages are IPv4-mapped. Pointers
 * point into the buffer that was parsed.
 */
struct mchost_msg {
	u8 kind;		/* enum mchost_msg_kind */
	u8 type;		/* type octet on the wire */
	u8 sflag;		/* v3 queries: Suppress Router-Side Processing */
	u8 qrv;			/* v3 queries: raw QRV (0-7) */
	u8 qqic;		/* v3 queries: raw QQIC */
	u16 max_resp_code;	/* raw: 8 bits for IGMP, 16 bits for MLD */
	u16 nsrc;		/* v3 queries: number of sources */
	u16 nrec;		/* v3 reports: number of group records */
	struct in6_addr group;	/* :: for general queries */
	const u8 *src;		/* v3 queries: nsrc addresses of 4 or 16 B */
	const u8 *rec;		/* v3 reports: first group record */
};

/**
 * mchost_igmp_parse() - validate and parse an IGMP message
 * @buf: the IP payload
 * @len: its length
 * @m: the result, pointing into @buf
 *
 * Query version by length (RFC 9776 §7.1): 8 bytes is v1 (code 0) or v2,
 * 9-11 bytes is invalid, 12 or more is v3 and must hold its sources.
 *
 * Return: MCHOST_RX_OK, or why the message is dropped.
 */
enum mchost_rx mchost_igmp_parse(const void *buf, unsigned int len,
				 struct mchost_msg *m);

/**
 * mchost_mld_parse() - validate and parse an MLD message
 * @buf: the ICMPv6 message, of an MLD type (130, 131, 132 or 143)
 * @len: its length
 * @saddr: the IPv6 source, for the checksum's pseudo-header
 * @daddr: the IPv6 destination, likewise
 * @m: the result, pointing into @buf
 *
 * Query version by length (RFC 9777 §8.1): 24 bytes is MLDv1, 25-27
 * invalid, 28 or more is MLDv2.
 *
 * Return: MCHOST_RX_OK, or why the message is dropped.
 */
enum mchost_rx mchost_mld_parse(const void *buf, unsigned int len,
				const struct in6_addr *saddr,
				const struct in6_addr *daddr,
				struct mchost_msg *m);

#endif /* _MCHOST_WIRE_H */
