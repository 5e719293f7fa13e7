/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Report payloads on plain byte buffers: IGMPv3 / MLDv2 group records packed
 * into the fewest MTU-sized reports, and the single-group v1/v2 messages.
 */
#ifndef _MCHOST_REPORT_H
#define _MCHOST_REPORT_H

#include "wire.h"
#include "slist.h"

/* Record types, the same numbers for IGMPv3 and MLDv2 (RFC 9776 §4.2.12). */
enum mchost_rec_type {
	MCHOST_REC_IS_IN = 1,
	MCHOST_REC_IS_EX = 2,
	MCHOST_REC_TO_IN = 3,
	MCHOST_REC_TO_EX = 4,
	MCHOST_REC_ALLOW = 5,
	MCHOST_REC_BLOCK = 6,
};

struct mchost_rec {
	u8 type;				/* enum mchost_rec_type */
	struct in6_addr group;			/* IPv4-mapped for IGMP */
	const struct mchost_slist *src;		/* NULL: no sources */
};

/* Where the next report resumes: record index, first source of it. */
struct mchost_pack_pos {
	unsigned int rec;
	unsigned int src;
};

/**
 * mchost_report_overhead() - bytes of IP header in front of a report
 * @fam: IGMP (IPv4 with Router Alert) or MLD (IPv6 with Hop-by-Hop RA)
 *
 * Return: the header length.
 */
unsigned int mchost_report_overhead(enum mchost_fam fam);

/**
 * mchost_report_fill() - pack records into one v3 report
 * @fam: IGMP (IGMPv3 report) or MLD (MLDv2 report)
 * @recs: the records
 * @nrec: how many
 * @pos: where to start; advanced past what was packed
 * @buf: the payload
 * @room: its size: the MTU minus mchost_report_overhead()
 * @truncated: incremented per record cut short
 *
 * Holds as many records as fit. Empty IS_IN, ALLOW and BLOCK records are
 * skipped. A record that does not fit in an empty report is split over
 * several reports (IS_IN, ALLOW, BLOCK, TO_IN) or truncated to what fits
 * (IS_EX, TO_EX) per RFC 9776 §4.2.16. The IGMP checksum is filled in; the
 * MLD checksum is left 0 for the sender, which knows the pseudo-header.
 *
 * Return: the payload length, or 0 when every record has been packed.
 */
unsigned int mchost_report_fill(enum mchost_fam fam,
				const struct mchost_rec *recs,
				unsigned int nrec, struct mchost_pack_pos *pos,
				u8 *buf, unsigned int room,
				unsigned int *truncated);

/**
 * mchost_report_fill_v1v2() - one IGMPv1/v2 or MLDv1 message
 * @fam: IGMP (8 bytes: type 0x12, 0x16 or 0x17, checksum filled) or MLD
 *       (24 bytes: type 131 or 132, checksum left 0)
 * @type: the message type
 * @group: its group
 * @buf: room for 24 bytes
 *
 * Return: the length written.
 */
unsigned int mchost_report_fill_v1v2(enum mchost_fam fam, u8 type,
				     const struct in6_addr *group, u8 *buf);

/**
 * mchost_igmp_mrc_ms() - decode an IGMPv3 Max Resp Code (RFC 9776 §4.1.1)
 * @code: in tenths of a second; below 128 literal, else exponent/mantissa
 *
 * Return: milliseconds.
 */
u32 mchost_igmp_mrc_ms(u8 code);

/**
 * mchost_mld_mrc_ms() - decode an MLDv2 Maximum Response Code
 * @code: RFC 9777 §5.1.3: 16 bits, below 32768 literal ms
 *
 * Return: milliseconds.
 */
u32 mchost_mld_mrc_ms(u16 code);

/**
 * mchost_qqic_s() - decode a QQIC (RFC 9776 §4.1.7, RFC 9777 §5.1.9)
 * @qqic: below 128 literal seconds, else exponent/mantissa
 *
 * Return: seconds, for both families.
 */
u32 mchost_qqic_s(u8 qqic);

#endif /* _MCHOST_REPORT_H */
