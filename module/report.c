// SPDX-License-Identifier: GPL-2.0
/*
 * Report payloads on plain byte buffers. Every multi-byte field is written
 * a byte at a time in network order, so nothing here depends on the
 * alignment of buf or on the host's byte order.
 */

#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/string.h>
#include <net/checksum.h>

#include "report.h"

/* IGMPv3 report header and group record (RFC 9776 §4.2). */
#define MCHOST_IGMP_RPT_HDR	8
#define MCHOST_IGMP_REC_HDR	8
#define MCHOST_IGMP_ADDR	4
/* MLDv2 report header and multicast address record (RFC 9777 §5.2). */
#define MCHOST_MLD_RPT_HDR	8
#define MCHOST_MLD_REC_HDR	20
#define MCHOST_MLD_ADDR		16

#define MCHOST_IGMPV3_REPORT	0x22
#define MCHOST_MLDV2_REPORT	143

unsigned int mchost_report_overhead(enum mchost_fam fam)
{
	/* IPv4 header with the 4-byte Router Alert option (RFC 2113). */
	if (fam == MCHOST_IGMP)
		return 20 + 4;
	/* IPv6 header and an 8-byte Hop-by-Hop header carrying RA (RFC 2711). */
	return 40 + 8;
}

static void mchost_put16(u8 *p, unsigned int v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* IGMP carries the low 4 bytes of the IPv4-mapped address. */
static void mchost_put_addr(enum mchost_fam fam, u8 *p,
			    const struct in6_addr *a)
{
	if (fam == MCHOST_IGMP)
		memcpy(p, &a->s6_addr[12], MCHOST_IGMP_ADDR);
	else
		memcpy(p, a->s6_addr, MCHOST_MLD_ADDR);
}

/* The IGMP checksum covers the whole IGMP message (RFC 9776 §4.2.3). */
static void mchost_igmp_csum(u8 *buf, unsigned int len)
{
	__sum16 sum;

	buf[2] = 0;
	buf[3] = 0;
	sum = ip_compute_csum(buf, len);
	memcpy(&buf[2], &sum, sizeof(sum));
}

/*
 * Write one record at p: type, aux data length 0, nsrc sources of src
 * starting at first. Returns the bytes written.
 */
static unsigned int mchost_put_rec(enum mchost_fam fam, u8 *p,
				   const struct mchost_rec *r,
				   unsigned int first, unsigned int nsrc)
{
	unsigned int asz = fam == MCHOST_IGMP ? MCHOST_IGMP_ADDR :
						MCHOST_MLD_ADDR;
	unsigned int off = 4, i;

	p[0] = r->type;
	p[1] = 0;
	mchost_put16(&p[2], nsrc);
	mchost_put_addr(fam, &p[off], &r->group);
	off += asz;
	for (i = 0; i < nsrc; i++, off += asz)
		mchost_put_addr(fam, &p[off], &r->src->addr[first + i]);
	return off;
}

/* An exclude-mode record may lose sources, never be split (§4.2.16). */
static bool mchost_rec_is_ex(u8 type)
{
	return type == MCHOST_REC_IS_EX || type == MCHOST_REC_TO_EX;
}

/*
 * Records that say nothing when they have no sources. TO_IN{} is a leave
 * and IS_EX{}/TO_EX{} mean "all sources", so those are kept; IS_IN{} would
 * tell the router nothing useful.
 */
static bool mchost_rec_skip_empty(u8 type)
{
	return type == MCHOST_REC_IS_IN || type == MCHOST_REC_ALLOW ||
	       type == MCHOST_REC_BLOCK;
}

static void mchost_pos_next(struct mchost_pack_pos *pos)
{
	pos->rec++;
	pos->src = 0;
}

/*
 * Greedy packing per RFC 9776 §4.2.16 / RFC 9777 §5.2.15: whole records
 * while they fit; a record that does not fit ends a non-empty report and
 * starts the next one. Only a record alone in a report and still too large
 * is split (its sources spread over several same-type records, one per
 * report, *pos remembering the next source) or, for IS_EX/TO_EX, cut to
 * the sources that fit.
 *
 * Degenerate rooms: if room cannot hold the report header and one record
 * without sources, nothing is ever sendable, so 0 is returned at once and
 * *pos is not moved (the caller sees pos->rec < nrec). If room holds an
 * empty record but not a single source, IS_EX/TO_EX go out with no source
 * and a splittable record with sources is dropped, since sending it without
 * its sources would change its meaning (TO_IN{} is a leave); both count in
 * *truncated. Either way every call makes progress or returns 0, so a
 * "while (fill())" loop ends, and nothing is written past room.
 */
unsigned int mchost_report_fill(enum mchost_fam fam,
				const struct mchost_rec *recs,
				unsigned int nrec, struct mchost_pack_pos *pos,
				u8 *buf, unsigned int room,
				unsigned int *truncated)
{
	bool igmp = fam == MCHOST_IGMP;
	unsigned int hdr = igmp ? MCHOST_IGMP_RPT_HDR : MCHOST_MLD_RPT_HDR;
	unsigned int rhdr = igmp ? MCHOST_IGMP_REC_HDR : MCHOST_MLD_REC_HDR;
	unsigned int asz = igmp ? MCHOST_IGMP_ADDR : MCHOST_MLD_ADDR;
	unsigned int len = hdr, n = 0;

	if (room < hdr + rhdr)
		return 0;

	/* The record count is a 16-bit field. */
	while (pos->rec < nrec && n < U16_MAX) {
		const struct mchost_rec *r = &recs[pos->rec];
		unsigned int total = mchost_slist_nr(r->src);
		unsigned int left, fit;

		/* Nothing left of it: a finished split, or empty to skip. */
		if (pos->src >= total &&
		    (pos->src || mchost_rec_skip_empty(r->type))) {
			mchost_pos_next(pos);
			continue;
		}
		left = total - pos->src;

		if (rhdr + left * asz <= room - len) {
			len += mchost_put_rec(fam, &buf[len], r, pos->src, left);
			n++;
			mchost_pos_next(pos);
			continue;
		}
		if (n)
			break;

		/* Alone in the report and still too large. */
		fit = (room - len - rhdr) / asz;
		if (mchost_rec_is_ex(r->type) || !fit) {
			if (truncated)
				(*truncated)++;
			if (mchost_rec_is_ex(r->type)) {
				len += mchost_put_rec(fam, &buf[len], r,
						      pos->src, fit);
				n++;
			}
			mchost_pos_next(pos);
			continue;
		}
		len += mchost_put_rec(fam, &buf[len], r, pos->src, fit);
		n++;
		pos->src += fit;
		break;
	}
	if (!n)
		return 0;

	buf[0] = igmp ? MCHOST_IGMPV3_REPORT : MCHOST_MLDV2_REPORT;
	buf[1] = 0;
	buf[2] = 0;
	buf[3] = 0;
	buf[4] = 0;
	buf[5] = 0;
	mchost_put16(&buf[6], n);
	/* MLD's checksum needs the IPv6 pseudo-header: the sender's job. */
	if (igmp)
		mchost_igmp_csum(buf, len);
	return len;
}

unsigned int mchost_report_fill_v1v2(enum mchost_fam fam, u8 type,
				     const struct in6_addr *group, u8 *buf)
{
	/* RFC 2236 §2: type, max resp time 0 in reports, checksum, group. */
	if (fam == MCHOST_IGMP) {
		buf[0] = type;
		buf[1] = 0;
		mchost_put_addr(fam, &buf[4], group);
		mchost_igmp_csum(buf, 8);
		return 8;
	}
	/* RFC 2710 §3: type, code, checksum, max delay, reserved, address. */
	memset(buf, 0, 8);
	buf[0] = type;
	mchost_put_addr(fam, &buf[8], group);
	return 24;
}

/*
 * The 1|exp|mant floating-point form shared by IGMPv3 Max Resp Code
 * (RFC 9776 §4.1.1), IGMPv3 QQIC (§4.1.7) and MLDv2 QQIC (RFC 9777
 * §5.1.9): 3 exponent bits, 4 mantissa bits, value (mant | 0x10) <<
 * (exp + 3). The exponent sits at bit 4 for every 8-bit code, MLD's 8-bit
 * QQIC included (only its 16-bit Maximum Response Code differs).
 */
static u32 mchost_code8(u8 code)
{
	if (code < 128)
		return code;
	return ((code & 0xf) | 0x10) << (((code >> 4) & 7) + 3);
}

/* Max Resp Code is in units of 1/10 s (RFC 9776 §4.1.1). */
u32 mchost_igmp_mrc_ms(u8 code)
{
	return mchost_code8(code) * 100;
}

/* Seconds (RFC 9776 §4.1.7, RFC 9777 §5.1.9). */
u32 mchost_qqic_s(u8 qqic)
{
	return mchost_code8(qqic);
}

/*
 * 16 bits, milliseconds (RFC 9777 §5.1.3): literal below 32768, else
 * 1|exp(3)|mant(12) with value (mant | 0x1000) << (exp + 3).
 */
u32 mchost_mld_mrc_ms(u16 code)
{
	if (code < 32768)
		return code;
	return ((u32)(code & 0xfff) | 0x1000) << (((code >> 12) & 7) + 3);
}
