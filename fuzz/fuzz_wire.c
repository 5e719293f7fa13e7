// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target "wire": any bytes through mchost_igmp_parse() and
 * mchost_mld_parse() (module/wire.c).
 *
 * Input: one flags byte, then (MLD with FL_ADDRS) 16 bytes of source and 16
 * of destination address for the pseudo-header, then the message.
 *   FL_MLD    parse as MLD (else IGMP)
 *   FL_FIXSUM overwrite the checksum field so the message verifies: the
 *             fuzzer then reaches everything behind the checksum test
 *   FL_ADDRS  take the pseudo-header addresses from the input (else
 *             fe80::1 -> ff02::1)
 *
 * Oracle: an independent reference parser written from the RFCs (RFC 1071
 * checksum over big-endian words; RFC 9776 §4 and §7.1, RFC 9777 §5 and
 * §8.1, RFC 2236, RFC 2710). The verdict and every field of the parsed
 * message must equal the reference's, a refused message must leave the
 * result zeroed, and an accepted one must keep its pointers and counts
 * inside the buffer. The message is parsed from an exactly-sized heap copy,
 * so ASan sees any read past its end.
 */

#include <linux/icmpv6.h>
#include <linux/igmp.h>

#include "fuzz.h"
#include "wire.h"

#define FL_MLD		0x01
#define FL_FIXSUM	0x02
#define FL_ADDRS	0x04

struct ref_layout {
	unsigned int alen;	/* address length */
	unsigned int goff;	/* group offset in queries and v1/v2 messages */
	unsigned int qhdr;	/* v3 query header, up to the first source */
	unsigned int rhdr;	/* v3 record header, up to the first source */
};

static const struct ref_layout ref_igmp = { 4, 4, 12, 8 };
static const struct ref_layout ref_mld = { 16, 8, 28, 20 };

static unsigned int be16at(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

/* RFC 1071: ones' complement sum of big-endian 16-bit words. */
static uint32_t ref_sum(uint32_t acc, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		acc += be16at(p + i);
	if (len & 1)
		acc += (uint32_t)p[len - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return acc;
}

/* The sum over the message and, for MLD, the RFC 8200 §8.1 pseudo-header. */
static uint32_t ref_msg_sum(int mld, const struct in6_addr *sa,
			    const struct in6_addr *da, const uint8_t *p,
			    size_t len)
{
	uint8_t ph[40] = { 0 };

	if (!mld)
		return ref_sum(0, p, len);
	memcpy(ph, sa, 16);
	memcpy(ph + 16, da, 16);
	ph[32] = len >> 24;
	ph[33] = len >> 16;
	ph[34] = len >> 8;
	ph[35] = len;
	ph[39] = 58;	/* ICMPv6 */
	return ref_sum(ref_sum(0, ph, sizeof(ph)), p, len);
}

/* 0: unspecified, 1: multicast, 2: anything else. */
static int ref_class(const struct ref_layout *l, const uint8_t *a)
{
	static const uint8_t zero[16];

	if (!memcmp(a, zero, l->alen))
		return 0;
	if (l->alen == 4)
		return (a[0] & 0xf0) == 0xe0 ? 1 : 2;
	return a[0] == 0xff ? 1 : 2;
}

/* The group as the parser stores it: IPv4-mapped, or :: when unspecified. */
static void ref_group(const struct ref_layout *l, const uint8_t *a,
		      struct in6_addr *g)
{
	memset(g, 0, sizeof(*g));
	if (!ref_class(l, a))
		return;
	if (l->alen == 16) {
		memcpy(g, a, 16);
		return;
	}
	g->s6_addr[10] = 0xff;
	g->s6_addr[11] = 0xff;
	memcpy(&g->s6_addr[12], a, 4);
}

static enum mchost_rx ref_query(const struct ref_layout *l, const uint8_t *p,
				size_t len, struct mchost_msg *m, int v1)
{
	const uint8_t *g = p + l->goff;
	unsigned int nsrc;

	if (len == l->goff + l->alen) {
		/* RFC 1112: a v1 query's group field is ignored. */
		if (v1) {
			m->kind = MCHOST_MSG_QUERY_V1;
			return MCHOST_RX_OK;
		}
		if (ref_class(l, g) == 2)
			return MCHOST_RX_BADQUERY;
		m->kind = MCHOST_MSG_QUERY_V2;
		ref_group(l, g, &m->group);
		return MCHOST_RX_OK;
	}
	if (len < l->qhdr)
		return MCHOST_RX_BADQUERY;
	nsrc = be16at(p + l->qhdr - 2);
	if (ref_class(l, g) == 2 || (!ref_class(l, g) && nsrc))
		return MCHOST_RX_BADQUERY;
	if (l->qhdr + (size_t)nsrc * l->alen > len)
		return MCHOST_RX_BADQUERY;
	m->kind = MCHOST_MSG_QUERY_V3;
	ref_group(l, g, &m->group);
	m->sflag = p[l->qhdr - 4] >> 3 & 1;
	m->qrv = p[l->qhdr - 4] & 7;
	m->qqic = p[l->qhdr - 3];
	m->nsrc = nsrc;
	m->src = p + l->qhdr;
	return MCHOST_RX_OK;
}

static enum mchost_rx ref_v2(const struct ref_layout *l, const uint8_t *p,
			     size_t len, struct mchost_msg *m, uint8_t kind)
{
	if (len < l->goff + l->alen || ref_class(l, p + l->goff) != 1)
		return MCHOST_RX_BADREPORT;
	m->kind = kind;
	ref_group(l, p + l->goff, &m->group);
	return MCHOST_RX_OK;
}

static enum mchost_rx ref_v3(const struct ref_layout *l, const uint8_t *p,
			     size_t len, struct mchost_msg *m)
{
	unsigned int nrec = be16at(p + 6), i;
	size_t off = 8, size;

	for (i = 0; i < nrec; i++) {
		if (off + l->rhdr > len)
			return MCHOST_RX_BADREPORT;
		size = l->rhdr + (size_t)be16at(p + off + 2) * l->alen +
		       (size_t)p[off + 1] * 4;
		if (off + size > len)
			return MCHOST_RX_BADREPORT;
		if (p[off] >= 1 && p[off] <= 6 &&
		    ref_class(l, p + off + 4) != 1)
			return MCHOST_RX_BADREPORT;
		off += size;
	}
	m->kind = MCHOST_MSG_REPORT_V3;
	m->nrec = nrec;
	m->rec = p + 8;
	return MCHOST_RX_OK;
}

static enum mchost_rx ref_parse(int mld, const struct in6_addr *sa,
				const struct in6_addr *da, const uint8_t *p,
				size_t len, struct mchost_msg *m)
{
	const struct ref_layout *l = mld ? &ref_mld : &ref_igmp;
	enum mchost_rx rx = MCHOST_RX_UNKNOWN;

	memset(m, 0, sizeof(*m));
	if (len < 8)
		return MCHOST_RX_TOOSHORT;
	if (ref_msg_sum(mld, sa, da, p, len) != 0xffff)
		return MCHOST_RX_BADSUM;
	m->type = p[0];
	if (!mld) {
		switch (p[0]) {
		case 0x11:
			m->max_resp_code = p[1];
			rx = ref_query(l, p, len, m, !p[1]);
			break;
		case 0x12:
			rx = ref_v2(l, p, len, m, MCHOST_MSG_REPORT_V1);
			break;
		case 0x16:
			rx = ref_v2(l, p, len, m, MCHOST_MSG_REPORT_V2);
			break;
		case 0x17:
			rx = ref_v2(l, p, len, m, MCHOST_MSG_LEAVE);
			break;
		case 0x22:
			rx = ref_v3(l, p, len, m);
			break;
		}
	} else {
		switch (p[0]) {
		case 130:
			m->max_resp_code = be16at(p + 4);
			rx = ref_query(l, p, len, m, 0);
			break;
		case 131:
			rx = ref_v2(l, p, len, m, MCHOST_MSG_REPORT_V2);
			break;
		case 132:
			rx = ref_v2(l, p, len, m, MCHOST_MSG_LEAVE);
			break;
		case 143:
			rx = ref_v3(l, p, len, m);
			break;
		}
	}
	if (rx != MCHOST_RX_OK)
		memset(m, 0, sizeof(*m));
	return rx;
}

/* Write the checksum that makes p[0..len) verify (len >= 4). */
static void fix_sum(int mld, const struct in6_addr *sa,
		    const struct in6_addr *da, uint8_t *p, size_t len)
{
	uint32_t s;

	p[2] = 0;
	p[3] = 0;
	s = ~ref_msg_sum(mld, sa, da, p, len) & 0xffff;
	p[2] = s >> 8;
	p[3] = s & 0xff;
}

static enum mchost_rx parse(int mld, const struct in6_addr *sa,
			    const struct in6_addr *da, const uint8_t *p,
			    size_t len, struct mchost_msg *m)
{
	return mld ? mchost_mld_parse(p, len, sa, da, m) :
		     mchost_igmp_parse(p, len, m);
}

static int addr_is_any(const struct in6_addr *a)
{
	static const struct in6_addr any;

	return !memcmp(a, &any, sizeof(any));
}

/* Invariants of an accepted message, stated on their own. */
static void check_ok(int mld, const uint8_t *p, size_t len,
		     const struct mchost_msg *m)
{
	unsigned int alen = mld ? 16 : 4;

	switch (m->kind) {
	case MCHOST_MSG_QUERY_V1:
	case MCHOST_MSG_QUERY_V2:
		FZ_CHECK(len == (mld ? 24u : 8u), "v1/v2 query of %zu B", len);
		break;
	case MCHOST_MSG_QUERY_V3:
		FZ_CHECK(len >= (mld ? 28u : 12u), "v3 query of %zu B", len);
		FZ_CHECK(m->src >= p && m->src + (size_t)m->nsrc * alen <=
					p + len,
			 "%u sources outside the %zu B message", m->nsrc, len);
		FZ_CHECK(!addr_is_any(&m->group) || !m->nsrc,
			 "general query with %u sources", m->nsrc);
		break;
	case MCHOST_MSG_REPORT_V3:
		FZ_CHECK(m->rec == p + 8 && m->rec <= p + len,
			 "records outside the message");
		break;
	default:
		FZ_CHECK(len >= (mld ? 24u : 8u), "v1/v2 message of %zu B",
			 len);
		break;
	}
	if (m->kind != MCHOST_MSG_QUERY_V3)
		FZ_CHECK(!m->nsrc && !m->src, "sources in a kind %u", m->kind);
	if (m->kind != MCHOST_MSG_REPORT_V3)
		FZ_CHECK(!m->nrec && !m->rec, "records in a kind %u", m->kind);
}

static void fz_print_msg(const char *who, enum mchost_rx rx,
			 const struct mchost_msg *m, const uint8_t *p)
{
	fprintf(stderr,
		"%s: rx %d kind %u type %u s %u qrv %u qqic %u mrc %u nsrc %u nrec %u src +%td rec +%td\n",
		who, rx, m->kind, m->type, m->sflag, m->qrv, m->qqic,
		m->max_resp_code, m->nsrc, m->nrec,
		m->src ? m->src - p : -1, m->rec ? m->rec - p : -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in6_addr sa = { .s6_addr = { 0xfe, 0x80, [15] = 1 } };
	struct in6_addr da = { .s6_addr = { 0xff, 0x02, [15] = 1 } };
	struct fz f = { data, size };
	struct mchost_msg m, r;
	enum mchost_rx rx, rrx;
	uint8_t flags = fz_u8(&f);
	int mld = flags & FL_MLD;
	uint8_t *p;
	size_t len;

	if (mld && (flags & FL_ADDRS)) {
		fz_bytes(&f, &sa, sizeof(sa));
		fz_bytes(&f, &da, sizeof(da));
	}
	len = f.n;
	p = malloc(len ? len : 1);
	FZ_CHECK(p, "malloc");
	memcpy(p, f.p, len);
	if ((flags & FL_FIXSUM) && len >= 4)
		fix_sum(mld, &sa, &da, p, len);

	/* Dirty the result first: a refusal must clear it. */
	memset(&m, 0xa5, sizeof(m));
	rx = parse(mld, &sa, &da, p, len, &m);
	rrx = ref_parse(mld, &sa, &da, p, len, &r);
	if (rx != rrx || memcmp(&m, &r, sizeof(m))) {
		fz_print_msg("module", rx, &m, p);
		fz_print_msg("reference", rrx, &r, p);
		FZ_CHECK(0, "%s message of %zu B: module and reference differ",
			 mld ? "MLD" : "IGMP", len);
	}
	if (rx == MCHOST_RX_OK)
		check_ok(mld, p, len, &m);
	free(p);
	return 0;
}

/*
 * The checksum is summed in slices below 64 KiB (csum_partial() takes an
 * int): check a message longer than that, odd-sized, both ways.
 */
static void self_test_long(void)
{
	static const struct in6_addr any;
	size_t len = 0x10000 * 2 + 7, i;
	struct mchost_msg m;
	uint8_t *p = malloc(len);

	FZ_CHECK(p, "malloc");
	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 131 + 7);
	p[0] = 0x16;			/* IGMPv2 report ... */
	p[4] = 239;			/* ... of 239.x.x.x */
	fix_sum(0, &any, &any, p, len);
	FZ_CHECK(mchost_igmp_parse(p, len, &m) == MCHOST_RX_OK,
		 "long IGMP message refused");
	p[len - 1] ^= 1;
	FZ_CHECK(mchost_igmp_parse(p, len, &m) == MCHOST_RX_BADSUM,
		 "long IGMP message with a bad last byte accepted");
	free(p);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	self_test_long();
	return 0;
}
