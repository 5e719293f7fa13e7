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

/* Bytes of IP header in front of a report: IPv4 + Router Alert, IPv6 + HbH. */
unsigned int mchost_report_overhead(enum mchost_fam fam);

/*
 * Fill buf (room bytes: the MTU minus mchost_report_overhead()) with one
 * IGMPv3 (fam MCHOST_IGMP) or MLDv2 report holding as many records as fit,
 * starting at *pos, and advance *pos. Returns the payload length, or 0 when
 * every record has been packed. Empty IS_IN, ALLOW and BLOCK records are
 * skipped. A record that does not fit in an empty report is split over
 * several reports (IS_IN, ALLOW, BLOCK, TO_IN) or truncated to what fits
 * (IS_EX, TO_EX; *truncated is incremented) per RFC 9776 §4.2.16. The IGMP
 * checksum is filled in; the MLD checksum is left 0 for the sender, which
 * knows the IPv6 pseudo-header.
 */
unsigned int mchost_report_fill(enum mchost_fam fam,
				const struct mchost_rec *recs,
				unsigned int nrec, struct mchost_pack_pos *pos,
				u8 *buf, unsigned int room,
				unsigned int *truncated);

/*
 * One IGMPv1/v2 message (8 bytes: type 0x12, 0x16 or 0x17, checksum filled)
 * or MLDv1 message (24 bytes: type 131 or 132, checksum 0). Returns the
 * length written; buf must hold 24 bytes.
 */
unsigned int mchost_report_fill_v1v2(enum mchost_fam fam, u8 type,
				     const struct in6_addr *group, u8 *buf);

/*
 * Max Resp Code and QQIC decoding. IGMP (RFC 9776 §4.1.1, §4.1.7): codes
 * below 128 are literal, else exponent/mantissa. MLD Maximum Response Code
 * (RFC 9777 §5.1.3) is 16 bits, below 32768 literal. MLD QQIC (RFC 9777
 * §5.1.9) is coded like IGMP's.
 */
u32 mchost_igmp_mrc_ms(u8 code);	/* in ms (the code is 1/10 s) */
u32 mchost_mld_mrc_ms(u16 code);	/* in ms */
u32 mchost_qqic_s(u8 qqic);		/* in s, for both families */

#endif /* _MCHOST_REPORT_H */
