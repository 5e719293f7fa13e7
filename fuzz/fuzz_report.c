// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target "report": records packed into IGMPv3 / MLDv2 reports by
 * mchost_report_fill() (module/report.c) as the module's sender loop does
 * (module/proto.c, mchost_queue_v3()), the v1/v2 messages of
 * mchost_report_fill_v1v2(), and the Max Resp Code / QQIC decoders.
 *
 * Input: flags, MTU (68..9000), record count, then per record its type,
 * group and source list (count, first address, stride).
 *
 * Oracle, per RFC 9776 §4.2.16 / RFC 9777 §5.2.15 and report.h:
 *  - every report fits in room = MTU - mchost_report_overhead(fam) (the
 *    buffer is exactly room bytes on the heap: ASan sees any overrun);
 *  - every report parses back with the module's own parser as a valid v3
 *    report (MLD: after the sender's pseudo-header checksum, as in
 *    module/xmit.c), and its records, walked here independently, fill it
 *    exactly;
 *  - the records, read back in order across all reports, are exactly the
 *    input records: an empty IS_IN/ALLOW/BLOCK gives no record; a record
 *    that fits an empty report is sent whole; a larger IS_EX/TO_EX is sent
 *    once with the sources that fit (counted in *truncated); a larger
 *    IS_IN/ALLOW/BLOCK/TO_IN is split into pieces of as many sources as
 *    fit, each in a report of its own (the last may share), or dropped and
 *    counted if not even one source fits;
 *  - packing is greedy: a record that starts a report did not fit in the
 *    previous one;
 *  - the loop ends, after at most one call per piece plus one, and when the
 *    room cannot hold a header and one record nothing is sent and the
 *    position does not move.
 * Each group's v1/v2 messages must parse back as the kind asked for. The
 * decoders must follow the RFC formulas, stay in range and be strictly
 * increasing.
 */

#include <netinet/in.h>

#include <net/checksum.h>
#include <net/ip6_checksum.h>

#include "fuzz.h"
#include "report.h"
#include "wire.h"

#define FL_MLD		0x01
#define FL_NOTRUNC	0x02	/* pass truncated = NULL */

#define MAX_RECS	64
#define MAX_SRCS	2300	/* one record overflows a 9000-byte IGMP MTU */
#define MAX_TOTAL	20000

static const struct in6_addr ll_src = { .s6_addr = { 0xfe, 0x80, [15] = 1 } };
static const struct in6_addr mldv2_dst = {
	.s6_addr = { 0xff, 0x02, [15] = 0x16 }
};

/* One record as the reports must carry it. */
struct piece {
	unsigned int rec;	/* index into the input records */
	unsigned int first;	/* first source */
	unsigned int nsrc;
	int last;		/* last piece of its record */
};

/* One record as read back from a report. */
struct got {
	unsigned int report;
	uint8_t type;
	unsigned int nsrc;
	const uint8_t *group;
	const uint8_t *src;
};

struct state {
	int mld;
	unsigned int asz, rhdr, room;
	struct mchost_rec recs[MAX_RECS];
	unsigned int nrec;
	struct piece *pieces;
	unsigned int npieces;
	unsigned int want_trunc;
};

static int rec_is_ex(uint8_t t)
{
	return t == MCHOST_REC_IS_EX || t == MCHOST_REC_TO_EX;
}

static int rec_skip_empty(uint8_t t)
{
	return t == MCHOST_REC_IS_IN || t == MCHOST_REC_ALLOW ||
	       t == MCHOST_REC_BLOCK;
}

static unsigned int rec_size(const struct state *st, unsigned int nsrc)
{
	return st->rhdr + nsrc * st->asz;
}

static void add_piece(struct state *st, unsigned int rec, unsigned int first,
		      unsigned int nsrc, int last)
{
	struct piece *p = &st->pieces[st->npieces++];

	p->rec = rec;
	p->first = first;
	p->nsrc = nsrc;
	p->last = last;
}

/* What the reports must carry, from the rules in report.h. */
static void expect(struct state *st)
{
	unsigned int cap = st->room - 8, i, total, fit, k;

	for (i = 0; i < st->nrec; i++) {
		const struct mchost_rec *r = &st->recs[i];

		total = fz_nr(r->src);
		if (!total && rec_skip_empty(r->type))
			continue;
		if (rec_size(st, total) <= cap) {
			add_piece(st, i, 0, total, 1);
			continue;
		}
		fit = (cap - st->rhdr) / st->asz;
		st->want_trunc += rec_is_ex(r->type) || !fit;
		if (rec_is_ex(r->type)) {
			add_piece(st, i, 0, fit, 1);
			continue;
		}
		for (k = 0; fit && k < total; k += fit)
			add_piece(st, i, k, total - k < fit ? total - k : fit,
				  k + fit >= total);
	}
}

/* An address as it sits in a report: low 4 bytes of the mapped address. */
static const uint8_t *wire_addr(const struct state *st,
				const struct in6_addr *a)
{
	return st->mld ? a->s6_addr : &a->s6_addr[12];
}

/*
 * Check one report: it parses as a v3 report and its records fill it
 * exactly. Appends its records to got[].
 */
static void read_report(const struct state *st, uint8_t *buf,
			unsigned int len, unsigned int report,
			struct got *got, unsigned int *ngot, unsigned int max)
{
	struct mchost_msg m;
	enum mchost_rx rx;
	unsigned int off = 8, i, nrec;

	FZ_CHECK(len >= 8 + st->rhdr && len <= st->room,
		 "report %u of %u B, room %u", report, len, st->room);
	if (st->mld) {
		__sum16 sum;

		FZ_CHECK(!buf[2] && !buf[3], "MLD checksum not left 0");
		/* As module/xmit.c completes it. */
		sum = csum_ipv6_magic(&ll_src, &mldv2_dst, len, IPPROTO_ICMPV6,
				      csum_partial(buf, len, 0));
		memcpy(&buf[2], &sum, sizeof(sum));
		rx = mchost_mld_parse(buf, len, &ll_src, &mldv2_dst, &m);
	} else {
		rx = mchost_igmp_parse(buf, len, &m);
	}
	FZ_CHECK(rx == MCHOST_RX_OK && m.kind == MCHOST_MSG_REPORT_V3,
		 "report %u (%u B) parses as rx %d kind %u", report, len, rx,
		 m.kind);
	FZ_CHECK(buf[0] == (st->mld ? 143 : 0x22) && !buf[1] && !buf[4] &&
		 !buf[5], "report %u header", report);
	nrec = (unsigned int)buf[6] << 8 | buf[7];
	FZ_CHECK(nrec && m.nrec == nrec, "report %u: %u records", report,
		 nrec);
	for (i = 0; i < nrec; i++) {
		const uint8_t *r = buf + off;
		struct got *g;

		FZ_CHECK(off + st->rhdr <= len, "record header overruns");
		FZ_CHECK(!r[1], "aux data length %u", r[1]);
		FZ_CHECK(*ngot < max, "more records than pieces");
		g = &got[(*ngot)++];
		g->report = report;
		g->type = r[0];
		g->nsrc = (unsigned int)r[2] << 8 | r[3];
		g->group = r + 4;
		g->src = r + st->rhdr;
		off += rec_size(st, g->nsrc);
		FZ_CHECK(off <= len, "record overruns the report");
	}
	FZ_CHECK(off == len, "report %u: records end at %u of %u", report, off,
		 len);
}

static void check_v1v2(const struct state *st, const struct in6_addr *group)
{
	static const uint8_t igmp_types[] = { 0x12, 0x16, 0x17 };
	static const uint8_t igmp_kinds[] = {
		MCHOST_MSG_REPORT_V1, MCHOST_MSG_REPORT_V2, MCHOST_MSG_LEAVE
	};
	static const uint8_t mld_types[] = { 131, 132 };
	static const uint8_t mld_kinds[] = {
		MCHOST_MSG_REPORT_V2, MCHOST_MSG_LEAVE
	};
	unsigned int n = st->mld ? 2 : 3, i, len;
	struct mchost_msg m;
	enum mchost_rx rx;
	uint8_t *buf;

	for (i = 0; i < n; i++) {
		uint8_t type = st->mld ? mld_types[i] : igmp_types[i];
		uint8_t kind = st->mld ? mld_kinds[i] : igmp_kinds[i];

		buf = malloc(24);	/* what report.h asks for */
		FZ_CHECK(buf, "malloc");
		len = mchost_report_fill_v1v2(st->mld ? MCHOST_MLD :
							MCHOST_IGMP,
					      type, group, buf);
		FZ_CHECK(len == (st->mld ? 24u : 8u), "v1/v2 length %u", len);
		FZ_CHECK(buf[0] == type && !buf[1], "v1/v2 type/code");
		if (st->mld) {
			__sum16 sum;

			FZ_CHECK(!buf[2] && !buf[3] && !buf[4] && !buf[5] &&
				 !buf[6] && !buf[7], "MLDv1 fixed fields");
			sum = csum_ipv6_magic(&ll_src, group, len,
					      IPPROTO_ICMPV6,
					      csum_partial(buf, len, 0));
			memcpy(&buf[2], &sum, sizeof(sum));
			rx = mchost_mld_parse(buf, len, &ll_src, group, &m);
		} else {
			rx = mchost_igmp_parse(buf, len, &m);
		}
		FZ_CHECK(rx == MCHOST_RX_OK && m.kind == kind && m.type == type,
			 "v1/v2 type %u parses as rx %d kind %u", type, rx,
			 m.kind);
		FZ_CHECK(!memcmp(&m.group, group, sizeof(*group)),
			 "v1/v2 type %u: group changed", type);
		free(buf);
	}
}

/* RFC 9776 §4.1.1 / §4.1.7 and RFC 9777 §5.1.3 / §5.1.9, written out. */
static uint32_t ref_code8(uint8_t c)
{
	if (c < 128)
		return c;
	return (uint32_t)((c & 0x0f) | 0x10) << (((c >> 4) & 7) + 3);
}

static uint32_t ref_mld_mrc(uint16_t c)
{
	if (c < 32768)
		return c;
	return (uint32_t)((c & 0x0fff) | 0x1000) << (((c >> 12) & 7) + 3);
}

static void check_codes(struct fz *f)
{
	uint8_t a = fz_u8(f), b = fz_u8(f);
	uint16_t x = fz_u16(f), y = fz_u16(f);

	FZ_CHECK(mchost_igmp_mrc_ms(a) == ref_code8(a) * 100,
		 "IGMP MRC %u: %u ms", a, mchost_igmp_mrc_ms(a));
	FZ_CHECK(mchost_qqic_s(a) == ref_code8(a), "QQIC %u: %u s", a,
		 mchost_qqic_s(a));
	FZ_CHECK(mchost_igmp_mrc_ms(a) <= 31744 * 100, "IGMP MRC range");
	FZ_CHECK(mchost_qqic_s(a) <= 31744, "QQIC range");
	FZ_CHECK(mchost_mld_mrc_ms(x) == ref_mld_mrc(x), "MLD MRC %u: %u ms",
		 x, mchost_mld_mrc_ms(x));
	FZ_CHECK(mchost_mld_mrc_ms(x) <= 8191u << 10, "MLD MRC range");
	if (a < b) {
		FZ_CHECK(mchost_igmp_mrc_ms(a) < mchost_igmp_mrc_ms(b),
			 "IGMP MRC not increasing: %u, %u", a, b);
		FZ_CHECK(mchost_qqic_s(a) < mchost_qqic_s(b),
			 "QQIC not increasing: %u, %u", a, b);
	}
	if (x < y)
		FZ_CHECK(mchost_mld_mrc_ms(x) < mchost_mld_mrc_ms(y),
			 "MLD MRC not increasing: %u, %u", x, y);
}

/* The input records; returns the sets to free. */
static void build(struct state *st, struct fz *f,
		  struct mchost_slist **sets)
{
	unsigned int i, k, total = 0;

	st->nrec = fz_range(f, 0, MAX_RECS);
	for (i = 0; i < st->nrec; i++) {
		struct mchost_rec *r = &st->recs[i];
		uint8_t t = fz_u8(f);
		uint16_t g = fz_u16(f);
		unsigned int nsrc = fz_range(f, 0, MAX_SRCS);
		uint32_t base = (uint32_t)fz_u16(f) << 8;
		unsigned int step = 1 + fz_u8(f) % 4;

		r->type = 1 + (t & 0x7f) % 6;
		if (st->mld) {
			memset(&r->group, 0, sizeof(r->group));
			r->group.s6_addr[0] = 0xff;
			r->group.s6_addr[1] = 0x0e;
			r->group.s6_addr[13] = g >> 8;
			r->group.s6_addr[14] = g & 0xff;
			r->group.s6_addr[15] = i;
		} else {
			fz_addr(&r->group, 0, 0xe0000000u | (uint32_t)g << 8 | i);
		}
		if (total + nsrc > MAX_TOTAL)
			nsrc = 0;
		total += nsrc;
		sets[i] = NULL;
		/* An empty list is NULL or allocated: both mean no sources. */
		if (nsrc || (t & 0x80)) {
			sets[i] = mchost_slist_alloc(nsrc, GFP_KERNEL);
			FZ_CHECK(sets[i], "slist alloc");
			for (k = 0; k < nsrc; k++)
				fz_addr(&sets[i]->addr[k], st->mld,
					base + k * step);
			sets[i]->nr = nsrc;
		}
		r->src = sets[i];
	}
}

static void check_piece(const struct state *st, const struct piece *p,
			const struct got *g, unsigned int idx)
{
	const struct mchost_rec *r = &st->recs[p->rec];
	unsigned int alen = st->asz, k;

	FZ_CHECK(g->type == r->type && g->nsrc == p->nsrc,
		 "record %u (input %u): type %u with %u sources, want type %u with %u",
		 idx, p->rec, g->type, g->nsrc, r->type, p->nsrc);
	FZ_CHECK(!memcmp(g->group, wire_addr(st, &r->group), alen),
		 "record %u (input %u): wrong group", idx, p->rec);
	for (k = 0; k < p->nsrc; k++)
		FZ_CHECK(!memcmp(g->src + k * alen,
				 wire_addr(st, &r->src->addr[p->first + k]),
				 alen),
			 "record %u (input %u): source %u wrong", idx, p->rec,
			 p->first + k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct mchost_slist *sets[MAX_RECS];
	struct state st = { 0 };
	struct mchost_pack_pos pos = { 0, 0 };
	unsigned int *lens, nrep = 0, ngot = 0, calls = 0, trunc = 0;
	unsigned int i, len, mtu, maxp;
	enum mchost_fam fam;
	struct got *got;
	uint8_t flags, *buf, **reps;

	flags = fz_u8(&f);
	st.mld = flags & FL_MLD;
	fam = st.mld ? MCHOST_MLD : MCHOST_IGMP;
	st.asz = st.mld ? 16 : 4;
	st.rhdr = st.mld ? 20 : 8;
	mtu = fz_range(&f, 68, 9000);
	st.room = mtu - mchost_report_overhead(fam);
	FZ_CHECK(mchost_report_overhead(fam) == (st.mld ? 48u : 24u),
		 "overhead %u", mchost_report_overhead(fam));
	build(&st, &f, sets);
	check_codes(&f);

	/* At most one piece per source, or one per record. */
	for (i = 0, maxp = 1; i < st.nrec; i++)
		maxp += fz_nr(st.recs[i].src) ? fz_nr(st.recs[i].src) : 1;
	st.pieces = calloc(maxp, sizeof(*st.pieces));
	got = calloc(maxp, sizeof(*got));
	reps = calloc(maxp + 1, sizeof(*reps));
	lens = calloc(maxp + 1, sizeof(*lens));
	FZ_CHECK(st.pieces && got && reps && lens, "calloc");

	if (st.room >= 8 + st.rhdr)
		expect(&st);

	/* The sender's loop (module/proto.c, mchost_queue_v3()). */
	while (pos.rec < st.nrec) {
		struct mchost_pack_pos start = pos;
		unsigned int t = 0;

		FZ_CHECK(++calls <= st.npieces + 1,
			 "%u calls for %u pieces: no progress", calls,
			 st.npieces);
		buf = malloc(st.room);
		FZ_CHECK(buf, "malloc");
		len = mchost_report_fill(fam, st.recs, st.nrec, &pos, buf,
					 st.room,
					 (flags & FL_NOTRUNC) ? NULL : &t);
		trunc += t;
		if (!len) {
			free(buf);
			if (st.room < 8 + st.rhdr)
				FZ_CHECK(pos.rec == start.rec &&
					 pos.src == start.src,
					 "degenerate room %u moved the position",
					 st.room);
			else
				FZ_CHECK(pos.rec == st.nrec,
					 "0 returned at record %u of %u",
					 pos.rec, st.nrec);
			break;
		}
		FZ_CHECK(st.room >= 8 + st.rhdr,
			 "report of %u B in degenerate room %u", len, st.room);
		read_report(&st, buf, len, nrep, got, &ngot, st.npieces);
		reps[nrep] = buf;
		lens[nrep++] = len;
	}

	/* Every piece, in order, and nothing else. */
	FZ_CHECK(ngot == st.npieces, "%u records sent, want %u", ngot,
		 st.npieces);
	for (i = 0; i < ngot; i++) {
		const struct piece *p = &st.pieces[i];
		const struct got *g = &got[i];

		check_piece(&st, p, g, i);
		/* A piece that is not the last is alone in a full report. */
		if (!p->last) {
			FZ_CHECK(reps[g->report][7] == 1 &&
				 reps[g->report][6] == 0,
				 "split piece %u shares its report", i);
			FZ_CHECK(st.room - lens[g->report] < st.asz,
				 "split piece %u leaves %u B free", i,
				 st.room - lens[g->report]);
		}
		/* Greedy: what starts a report did not fit the previous one. */
		if (g->report && (!i || got[i - 1].report != g->report) &&
		    !p->first)
			FZ_CHECK(rec_size(&st, fz_nr(st.recs[p->rec].src)) >
				 st.room - lens[g->report - 1],
				 "record %u would have fit report %u", p->rec,
				 g->report - 1);
	}
	if (!(flags & FL_NOTRUNC))
		FZ_CHECK(trunc == st.want_trunc, "truncated %u, want %u",
			 trunc, st.want_trunc);

	for (i = 0; i < st.nrec && i < 4; i++)
		check_v1v2(&st, &st.recs[i].group);

	for (i = 0; i < nrep; i++)
		free(reps[i]);
	for (i = 0; i < st.nrec; i++)
		mchost_slist_free(sets[i]);
	free(st.pieces);
	free(got);
	free(reps);
	free(lens);
	FZ_CHECK(!fuzz_alloc_live(), "%ld blocks leaked", fuzz_alloc_live());
	return 0;
}
