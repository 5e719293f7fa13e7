// SPDX-License-Identifier: GPL-2.0
/*
 * Validation and parsing of received IGMP and MLD messages held in plain
 * byte buffers.
 *
 * After their first four bytes, IGMP and MLD messages differ only in where
 * the group address sits and how long an address is, so one set of helpers
 * serves both, driven by a small layout description.
 */

#include <linux/icmpv6.h>
#include <linux/igmp.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/string.h>
#include <net/checksum.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>

#include "wire.h"

/* Where a protocol keeps the fields that IGMP and MLD share. */
struct mchost_layout {
	unsigned int alen;	/* bytes in an address: 4 or 16 */
	unsigned int goff;	/* group address of queries and v1/v2 msgs */
};

static const struct mchost_layout mchost_igmp_layout = {
	.alen = sizeof(__be32),
	.goff = 4,
};

static const struct mchost_layout mchost_mld_layout = {
	.alen = sizeof(struct in6_addr),
	.goff = 8,
};

/* Both report formats: type, reserved, checksum, reserved, record count. */
#define MCHOST_V3_REPORT_HDR	8

enum mchost_group_class {
	MCHOST_GROUP_ANY,	/* 0.0.0.0 or :: */
	MCHOST_GROUP_MCAST,
	MCHOST_GROUP_OTHER,
};

static u16 mchost_get16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

/* v1/v2 messages end at their group address. */
static unsigned int mchost_v2_len(const struct mchost_layout *l)
{
	return l->goff + l->alen;
}

/* After the group of a v3 query: S/QRV, QQIC, Number of Sources. */
static unsigned int mchost_v3_query_hdr(const struct mchost_layout *l)
{
	return mchost_v2_len(l) + 4;
}

/* Record Type, Aux Data Len, Number of Sources, Multicast Address. */
static unsigned int mchost_v3_record_hdr(const struct mchost_layout *l)
{
	return 4 + l->alen;
}

/*
 * Store the address at p in g (IPv4-mapped for IGMP; left as :: when
 * unspecified, so callers can test ipv6_addr_any()) and classify it.
 */
static enum mchost_group_class mchost_group(const struct mchost_layout *l,
					    const u8 *p, struct in6_addr *g)
{
	__be32 v4;

	if (l->alen == sizeof(struct in6_addr)) {
		memcpy(g, p, sizeof(*g));
		if (ipv6_addr_any(g))
			return MCHOST_GROUP_ANY;
		return ipv6_addr_is_multicast(g) ? MCHOST_GROUP_MCAST :
						   MCHOST_GROUP_OTHER;
	}

	memcpy(&v4, p, sizeof(v4));
	if (!v4) {
		memset(g, 0, sizeof(*g));
		return MCHOST_GROUP_ANY;
	}
	ipv6_addr_set_v4mapped(v4, g);
	return ipv4_is_multicast(v4) ? MCHOST_GROUP_MCAST : MCHOST_GROUP_OTHER;
}

/*
 * csum_partial() takes an int length: sum in even-sized slices so that any
 * unsigned length works and every byte keeps its place in its 16-bit word.
 */
#define MCHOST_CSUM_SLICE	0x10000U

static __wsum mchost_csum(const u8 *p, unsigned int len)
{
	__wsum sum = 0;

	while (len > MCHOST_CSUM_SLICE) {
		sum = csum_partial(p, MCHOST_CSUM_SLICE, sum);
		p += MCHOST_CSUM_SLICE;
		len -= MCHOST_CSUM_SLICE;
	}
	return csum_partial(p, len, sum);
}

/* IGMPv1 query (RFC 1112), IGMPv2 query (RFC 2236), MLDv1 query (RFC 2710). */
static enum mchost_rx mchost_query_v2(const struct mchost_layout *l,
				      const u8 *p, u8 kind,
				      struct mchost_msg *m)
{
	enum mchost_group_class gc;

	/*
	 * An IGMPv1 query is a General Query whatever its group field holds:
	 * receivers ignore that field (RFC 1112 App. I), and versions are told
	 * by length and code only (RFC 9776 §7.1).
	 */
	if (kind == MCHOST_MSG_QUERY_V1) {
		m->kind = kind;
		return MCHOST_RX_OK;
	}
	gc = mchost_group(l, p + l->goff, &m->group);
	if (gc == MCHOST_GROUP_OTHER)
		return MCHOST_RX_BADQUERY;
	m->kind = kind;
	return MCHOST_RX_OK;
}

/* IGMPv3 query (RFC 9776 §4.1), MLDv2 query (RFC 9777 §5.1). */
static enum mchost_rx mchost_query_v3(const struct mchost_layout *l,
				      const u8 *p, unsigned int len,
				      struct mchost_msg *m)
{
	unsigned int hdr = mchost_v3_query_hdr(l);
	const u8 *q = p + mchost_v2_len(l);
	enum mchost_group_class gc;
	u16 nsrc = mchost_get16(q + 2);

	gc = mchost_group(l, p + l->goff, &m->group);
	if (gc == MCHOST_GROUP_OTHER)
		return MCHOST_RX_BADQUERY;
	/* General Queries carry no sources (RFC 9776 §4.1.11, 9777 §5.1.13). */
	if (gc == MCHOST_GROUP_ANY && nsrc)
		return MCHOST_RX_BADQUERY;
	if ((unsigned int)nsrc * l->alen > len - hdr)
		return MCHOST_RX_BADQUERY;
	/*
	 * Octets after the sources count in the checksum but are otherwise
	 * ignored (RFC 9776 §4.1.10, RFC 9777 §5.1.12).
	 */
	m->kind = MCHOST_MSG_QUERY_V3;
	m->sflag = (q[0] >> 3) & 1;
	m->qrv = q[0] & 7;
	m->qqic = q[1];
	m->nsrc = nsrc;
	m->src = p + hdr;
	return MCHOST_RX_OK;
}

/* The version of a query is told by its length (RFC 9776 §7.1, 9777 §8.1). */
static enum mchost_rx mchost_query(const struct mchost_layout *l,
				   const u8 *p, unsigned int len, u8 v2_kind,
				   struct mchost_msg *m)
{
	if (len == mchost_v2_len(l))
		return mchost_query_v2(l, p, v2_kind, m);
	if (len < mchost_v3_query_hdr(l))
		return MCHOST_RX_BADQUERY;
	return mchost_query_v3(l, p, len, m);
}

/*
 * v1/v2 reports, IGMPv2 Leave, MLDv1 Done. Octets past the group are
 * ignored but checksummed (RFC 2236 §2.5, RFC 2710 §3.7).
 */
static enum mchost_rx mchost_report_v2(const struct mchost_layout *l,
				       const u8 *p, unsigned int len, u8 kind,
				       struct mchost_msg *m)
{
	if (len < mchost_v2_len(l))
		return MCHOST_RX_BADREPORT;
	if (mchost_group(l, p + l->goff, &m->group) != MCHOST_GROUP_MCAST)
		return MCHOST_RX_BADREPORT;
	m->kind = kind;
	return MCHOST_RX_OK;
}

/* MLDv2 shares the six record types of IGMPv3 (RFC 9777 §5.2.13). */
static bool mchost_record_type_known(u8 type)
{
	return type >= IGMPV3_MODE_IS_INCLUDE &&
	       type <= IGMPV3_BLOCK_OLD_SOURCES;
}

/* IGMPv3 report (RFC 9776 §4.2), MLDv2 report (RFC 9777 §5.2). */
static enum mchost_rx mchost_report_v3(const struct mchost_layout *l,
				       const u8 *p, unsigned int len,
				       struct mchost_msg *m)
{
	unsigned int rhdr = mchost_v3_record_hdr(l);
	unsigned int off = MCHOST_V3_REPORT_HDR;
	u16 nrec = mchost_get16(p + 6);
	struct in6_addr group;
	unsigned int i, size;

	/* off never passes len, so len - off cannot wrap. */
	for (i = 0; i < nrec; i++) {
		const u8 *r = p + off;

		if (len - off < rhdr)
			return MCHOST_RX_BADREPORT;
		/* Auxiliary data is skipped (RFC 9776 §4.2.11, 9777 §5.2.11). */
		size = rhdr + mchost_get16(r + 2) * l->alen + r[1] * 4U;
		if (len - off < size)
			return MCHOST_RX_BADREPORT;
		/*
		 * Records of unknown type are ignored, not fatal (RFC 9776
		 * §4.2.13, RFC 9777 §5.2.13), so their content is not checked.
		 */
		if (mchost_record_type_known(r[0]) &&
		    mchost_group(l, r + 4, &group) != MCHOST_GROUP_MCAST)
			return MCHOST_RX_BADREPORT;
		off += size;
	}
	/* Octets after the last record: RFC 9776 §4.2.12, 9777 §5.2.12. */
	m->kind = MCHOST_MSG_REPORT_V3;
	m->nrec = nrec;
	m->rec = p + MCHOST_V3_REPORT_HDR;
	return MCHOST_RX_OK;
}

static enum mchost_rx mchost_igmp_type(const u8 *p, unsigned int len,
				       struct mchost_msg *m)
{
	const struct mchost_layout *l = &mchost_igmp_layout;

	m->type = p[0];
	switch (p[0]) {
	case IGMP_HOST_MEMBERSHIP_QUERY:
		/* A zero code marks an IGMPv1 querier (RFC 9776 §7.1). */
		m->max_resp_code = p[1];
		return mchost_query(l, p, len, p[1] ? MCHOST_MSG_QUERY_V2 :
					       MCHOST_MSG_QUERY_V1, m);
	case IGMP_HOST_MEMBERSHIP_REPORT:
		return mchost_report_v2(l, p, len, MCHOST_MSG_REPORT_V1, m);
	case IGMPV2_HOST_MEMBERSHIP_REPORT:
		return mchost_report_v2(l, p, len, MCHOST_MSG_REPORT_V2, m);
	case IGMP_HOST_LEAVE_MESSAGE:
		return mchost_report_v2(l, p, len, MCHOST_MSG_LEAVE, m);
	case IGMPV3_HOST_MEMBERSHIP_REPORT:
		return mchost_report_v3(l, p, len, m);
	default:
		/* Unrecognized types are silently ignored (RFC 9776 §4). */
		return MCHOST_RX_UNKNOWN;
	}
}

enum mchost_rx mchost_igmp_parse(const void *buf, unsigned int len,
				 struct mchost_msg *m)
{
	const u8 *p = buf;
	enum mchost_rx rx;

	memset(m, 0, sizeof(*m));
	if (len < 8)
		return MCHOST_RX_TOOSHORT;
	/* Over the whole IP payload (RFC 9776 §4.1.2, §4.2.2). */
	if (csum_fold(mchost_csum(p, len)))
		return MCHOST_RX_BADSUM;
	rx = mchost_igmp_type(p, len, m);
	if (rx != MCHOST_RX_OK)
		memset(m, 0, sizeof(*m));
	return rx;
}

/*
 * The Code octet (Reserved in MLDv2 reports) is ignored on receipt
 * (RFC 2710 §3.2, RFC 9777 §5.1.1, §5.2.1).
 */
static enum mchost_rx mchost_mld_type(const u8 *p, unsigned int len,
				      struct mchost_msg *m)
{
	const struct mchost_layout *l = &mchost_mld_layout;

	m->type = p[0];
	switch (p[0]) {
	case ICMPV6_MGM_QUERY:
		m->max_resp_code = mchost_get16(p + 4);
		return mchost_query(l, p, len, MCHOST_MSG_QUERY_V2, m);
	case ICMPV6_MGM_REPORT:
		return mchost_report_v2(l, p, len, MCHOST_MSG_REPORT_V2, m);
	case ICMPV6_MGM_REDUCTION:
		return mchost_report_v2(l, p, len, MCHOST_MSG_LEAVE, m);
	case ICMPV6_MLD2_REPORT:
		return mchost_report_v3(l, p, len, m);
	default:
		/* Unrecognized types are silently ignored (RFC 9777 §5). */
		return MCHOST_RX_UNKNOWN;
	}
}

enum mchost_rx mchost_mld_parse(const void *buf, unsigned int len,
				const struct in6_addr *saddr,
				const struct in6_addr *daddr,
				struct mchost_msg *m)
{
	const u8 *p = buf;
	enum mchost_rx rx;

	memset(m, 0, sizeof(*m));
	if (len < 8)
		return MCHOST_RX_TOOSHORT;
	/* ICMPv6 sum with pseudo-header (RFC 9777 §5.1.2, §5.2.2). */
	if (csum_ipv6_magic(saddr, daddr, len, IPPROTO_ICMPV6,
			    mchost_csum(p, len)))
		return MCHOST_RX_BADSUM;
	rx = mchost_mld_type(p, len, m);
	if (rx != MCHOST_RX_OK)
		memset(m, 0, sizeof(*m));
	return rx;
}
