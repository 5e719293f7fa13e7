// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target "change": random sequences of joins, leaves and filter
 * changes of one group, with interleaved transmissions, clears and failed
 * allocations, through mchost_change_merge(), mchost_change_next() and
 * mchost_change_clear() (module/change.c).
 *
 * Filters are INCLUDE or EXCLUDE over a universe of 8 sources, kept here as
 * bitsets. A source is "wanted" by INCLUDE(A) if it is in A, by EXCLUDE(X)
 * if it is not in X.
 *
 * Oracle (RFC 9776 §5.1 and §6.4, RFC 9777 §6.1 and §7.4, change.c):
 *  - Router model: what a router believes the host's filter is, applying
 *    the records it gets in order: TO_IN(B) -> INCLUDE(B), TO_EX(B) ->
 *    EXCLUDE(B), ALLOW(B) adds B to INCLUDE / removes it from EXCLUDE,
 *    BLOCK(B) the reverse. It starts as INCLUDE {} (no state) and gets
 *    every transmission, so after each one it must equal the host's
 *    current filter. A clear makes it unknown until the next TO_IN/TO_EX.
 *  - Per-source retransmission state, exactly: a filter-mode change owes
 *    rv TO_IN/TO_EX records of the current filter and ends every source's
 *    count; a source-list change sets the count of each source whose
 *    wanted-ness it flips to rv; every transmission takes one off each
 *    count. While mode records are owed, a transmission is one TO_IN/TO_EX
 *    record; after that, ALLOW of exactly the wanted sources with a count
 *    and BLOCK of exactly the unwanted ones (each only when not empty);
 *    then nothing, and mchost_change_pending() says so exactly. After each
 *    merge, the pending lists are exactly those sources.
 *  - Robustness, per source: a source is conveyed by every TO_IN/TO_EX
 *    record and by the ALLOW/BLOCK records that list it. Counted from the
 *    change that last set it (a mode change sets every source), once
 *    nothing is pending it has been conveyed exactly rv times, or, if that
 *    change's rv was below the mode records still owed then (rv dropped),
 *    exactly as many times as those records: never fewer, and never more
 *    than the records that must carry the whole state.
 *  - A change that alters nothing leaves *rtx as it was; a failed merge
 *    (-ENOMEM, injected) leaves *rtx as it was; no block is leaked.
 *
 * Input: flags (bit 0: rv varies per change), rv, then operations.
 */

#include <linux/errno.h>
#include <linux/mchost.h>

#include "change.h"
#include "fuzz.h"

#define NSRC	8
#define INC	MCHOST_FMODE_INCLUDE
#define EXC	MCHOST_FMODE_EXCLUDE

#define FL_VARY_RV	0x01

struct belief {
	int valid;
	uint8_t mode;
	uint8_t bits;
};

struct model {
	struct mchost_rtx rtx;
	struct mchost_filter cur;
	uint8_t cur_bits;
	struct belief router;
	/* The retransmission state as the RFCs keep it. */
	unsigned int mode_left;		/* TO_IN/TO_EX records owed */
	unsigned int left[NSRC];	/* per-source count */
	/* Per source, since the change that last set it (see above). */
	uint8_t set;			/* sources set since the last quiet */
	unsigned int want[NSRC];	/* times it must be conveyed */
	unsigned int conveyed[NSRC];
	int vary_rv;
	unsigned int rv;
};

static struct in6_addr universe[NSRC];
static const struct in6_addr group = {
	.s6_addr = { [10] = 0xff, [11] = 0xff, 232, 1, 2, 3 }
};

static uint8_t wanted(uint8_t mode, uint8_t bits)
{
	return mode == EXC ? (uint8_t)~bits : bits;
}

static struct mchost_slist *set_of(uint8_t bits)
{
	struct mchost_slist *s;
	unsigned int k;

	if (!bits)
		return NULL;
	s = mchost_slist_alloc(__builtin_popcount(bits), GFP_KERNEL);
	FZ_CHECK(s, "slist alloc");
	for (k = 0; k < NSRC; k++)
		if (bits & 1u << k)
			s->addr[s->nr++] = universe[k];
	return s;
}

/* The universe index of a; every address must be in it. */
static unsigned int index_of(const struct in6_addr *a)
{
	unsigned int k;

	for (k = 0; k < NSRC; k++)
		if (!memcmp(a, &universe[k], sizeof(*a)))
			return k;
	FZ_CHECK(0, "source outside the universe");
	return 0;
}

static uint8_t bits_of(const struct mchost_slist *s)
{
	unsigned int i;
	uint8_t bits = 0;

	fz_check_set(s);
	for (i = 0; i < fz_nr(s); i++)
		bits |= 1u << index_of(&s->addr[i]);
	return bits;
}

/* Sources with a count in the model. */
static uint8_t counted(const struct model *md)
{
	uint8_t b = 0;
	unsigned int k;

	for (k = 0; k < NSRC; k++)
		if (md->left[k])
			b |= 1u << k;
	return b;
}

static int model_pending(const struct model *md)
{
	return md->mode_left || counted(md);
}

struct snap {
	struct mchost_rtx rtx;
	uint8_t allow, block;
	uint8_t cnt[2 * NSRC];
};

static unsigned int rtx_nr(const struct mchost_rtx *rtx)
{
	return fz_nr(rtx->allow) + fz_nr(rtx->block);
}

static void snap(const struct model *md, struct snap *s)
{
	unsigned int n = rtx_nr(&md->rtx);

	FZ_CHECK(n <= 2 * NSRC, "%u pending sources", n);
	FZ_CHECK(!n || md->rtx.cnt, "%u pending sources, no counts", n);
	s->rtx = md->rtx;
	s->allow = bits_of(md->rtx.allow);
	s->block = bits_of(md->rtx.block);
	if (n)
		memcpy(s->cnt, md->rtx.cnt, n);
}

static void check_unchanged(const struct model *md, const struct snap *s,
			    const char *why)
{
	unsigned int n = rtx_nr(&md->rtx);

	FZ_CHECK(md->rtx.mode_cnt == s->rtx.mode_cnt &&
		 md->rtx.src_cnt == s->rtx.src_cnt &&
		 md->rtx.allow == s->rtx.allow &&
		 md->rtx.block == s->rtx.block &&
		 md->rtx.cnt == s->rtx.cnt &&
		 bits_of(md->rtx.allow) == s->allow &&
		 bits_of(md->rtx.block) == s->block &&
		 (!n || !memcmp(md->rtx.cnt, s->cnt, n)),
		 "%s changed the pending state", why);
}

/*
 * After a merge: the pending lists hold exactly the counted sources, by
 * what the current filter wants, with the model's counts.
 */
static void check_lists(const struct model *md)
{
	uint8_t w = wanted(md->cur.mode, md->cur_bits), c = counted(md);
	const struct mchost_slist *l[2] = { md->rtx.allow, md->rtx.block };
	unsigned int i, j, n = 0;
	uint8_t a, b;

	a = bits_of(md->rtx.allow);
	b = bits_of(md->rtx.block);
	FZ_CHECK(a == (c & w), "pending ALLOW %02x, want %02x", a, c & w);
	FZ_CHECK(b == (c & ~w), "pending BLOCK %02x, want %02x", b,
		 c & (uint8_t)~w);
	for (i = 0; i < 2; i++) {
		FZ_CHECK(!l[i] || l[i]->nr, "an empty pending list is kept");
		for (j = 0; j < fz_nr(l[i]); j++, n++)
			FZ_CHECK(md->rtx.cnt[n] == md->left[index_of(&l[i]->addr[j])],
				 "source %u: count %u, want %u",
				 index_of(&l[i]->addr[j]), md->rtx.cnt[n],
				 md->left[index_of(&l[i]->addr[j])]);
	}
	FZ_CHECK(mchost_change_pending(&md->rtx) == model_pending(md),
		 "pending %d, want %d", mchost_change_pending(&md->rtx),
		 model_pending(md));
}

/* Nothing pending any more: every source set was conveyed as it must. */
static void check_quiet(struct model *md)
{
	unsigned int k;

	if (model_pending(md))
		return;
	for (k = 0; k < NSRC; k++)
		if (md->set & 1u << k)
			FZ_CHECK(md->conveyed[k] == md->want[k],
				 "source %u conveyed %u times, want %u", k,
				 md->conveyed[k], md->want[k]);
	md->set = 0;
}

/* Source k is set by a change of rv, with mode records still owed. */
static void set_source(struct model *md, unsigned int k, unsigned int rv)
{
	md->set |= 1u << k;
	md->conveyed[k] = 0;
	/* TO_IN/TO_EX carry every source, even one whose count is spent. */
	md->want[k] = rv > md->mode_left ? rv : md->mode_left;
}

/* old -> (mode, bits); fail_after >= 0 injects an allocation failure. */
static void change(struct model *md, uint8_t mode, uint8_t bits,
		   long fail_after)
{
	struct mchost_filter nw = { mode, set_of(bits) };
	uint8_t w_old = wanted(md->cur.mode, md->cur_bits);
	uint8_t w_new = wanted(mode, bits), diff;
	int mode_changed = md->cur.mode != mode;
	unsigned int rv = md->rv, k;
	struct snap before;
	int err;

	snap(md, &before);
	fuzz_alloc_fail_after(fail_after);
	err = mchost_change_merge(&md->rtx, &md->cur, &nw, rv, GFP_ATOMIC);
	fuzz_alloc_fail_after(-1);
	if (err) {
		FZ_CHECK(err == -ENOMEM && fail_after >= 0,
			 "merge failed with %d", err);
		check_unchanged(md, &before, "a failed merge");
		mchost_slist_free(nw.src);
		return;
	}

	if (!mode_changed && bits == md->cur_bits) {
		check_unchanged(md, &before, "a change to the same state");
		mchost_slist_free(nw.src);
		return;
	}

	mchost_slist_free(md->cur.src);
	md->cur = nw;
	md->cur_bits = bits;

	if (mode_changed) {
		/*
		 * RFC 9776 §5.1: rv TO_IN/TO_EX records, which restate every
		 * source and end the per-source counts (module/change.c).
		 */
		md->mode_left = rv;
		memset(md->left, 0, sizeof(md->left));
		for (k = 0; k < NSRC; k++)
			set_source(md, k, rv);
	} else {
		/* §5.1: the sources it reports get rv; the others keep. */
		diff = w_old ^ w_new;
		for (k = 0; k < NSRC; k++) {
			if (!(diff & 1u << k))
				continue;
			md->left[k] = rv;
			set_source(md, k, rv);
		}
	}
	FZ_CHECK(mchost_change_pending(&md->rtx), "a change left nothing to send");
	check_lists(md);
}

static void apply(struct belief *b, uint8_t type, uint8_t set)
{
	switch (type) {
	case MCHOST_REC_TO_IN:
		b->valid = 1;
		b->mode = INC;
		b->bits = set;
		break;
	case MCHOST_REC_TO_EX:
		b->valid = 1;
		b->mode = EXC;
		b->bits = set;
		break;
	case MCHOST_REC_ALLOW:
		b->bits = b->mode == INC ? b->bits | set : b->bits & ~set;
		break;
	case MCHOST_REC_BLOCK:
		b->bits = b->mode == INC ? b->bits & ~set : b->bits | set;
		break;
	}
}

/* One transmission; returns 0 when nothing was pending. */
static int transmit(struct model *md)
{
	uint8_t w = wanted(md->cur.mode, md->cur_bits), c = counted(md);
	uint8_t set[2], conveyed = 0;
	int pending = mchost_change_pending(&md->rtx);
	struct mchost_rec out[2];
	unsigned int n, i, k;

	FZ_CHECK(pending == model_pending(md), "pending %d, want %d", pending,
		 model_pending(md));
	memset(out, 0, sizeof(out));
	n = mchost_change_next(&md->rtx, &md->cur, &group, out);
	if (!pending) {
		FZ_CHECK(!n && !mchost_change_pending(&md->rtx) &&
			 !md->rtx.allow && !md->rtx.block && !md->rtx.cnt,
			 "%u records, or lists kept, with nothing pending", n);
		return 0;
	}
	FZ_CHECK(n >= 1 && n <= 2, "%u records while pending", n);

	for (i = 0; i < n; i++) {
		FZ_CHECK(!memcmp(&out[i].group, &group, sizeof(group)),
			 "record %u of another group", i);
		set[i] = bits_of(out[i].src);
	}
	if (md->mode_left) {
		FZ_CHECK(n == 1 && out[0].type == (md->cur.mode == EXC ?
						   MCHOST_REC_TO_EX :
						   MCHOST_REC_TO_IN),
			 "%u records, the first of type %u, while mode %u is owed",
			 n, out[0].type, md->cur.mode);
		FZ_CHECK(set[0] == md->cur_bits,
			 "TO_IN/TO_EX carries %02x, filter is %02x", set[0],
			 md->cur_bits);
		FZ_CHECK(out[0].src == md->cur.src,
			 "TO_IN/TO_EX does not point to the filter's set");
		md->mode_left--;
		conveyed = 0xff;
	} else {
		/* Exactly the counted sources, ALLOW first (§5.1 Table 4). */
		i = 0;
		if (c & w) {
			FZ_CHECK(out[i].type == MCHOST_REC_ALLOW &&
				 set[i] == (c & w),
				 "record %u: type %u %02x, want ALLOW %02x", i,
				 out[i].type, set[i], c & w);
			i++;
		}
		if (c & ~w) {
			FZ_CHECK(i < n && out[i].type == MCHOST_REC_BLOCK &&
				 set[i] == (c & (uint8_t)~w),
				 "record %u: type %u %02x, want BLOCK %02x", i,
				 out[i].type, set[i], c & (uint8_t)~w);
			i++;
		}
		FZ_CHECK(i == n, "%u records, want %u", n, i);
		conveyed = c;
	}

	for (i = 0; i < n; i++)
		apply(&md->router, out[i].type, set[i]);
	if (md->router.valid)
		FZ_CHECK(md->router.mode == md->cur.mode &&
			 md->router.bits == md->cur_bits,
			 "router believes mode %u %02x, host has mode %u %02x",
			 md->router.mode, md->router.bits, md->cur.mode,
			 md->cur_bits);

	for (k = 0; k < NSRC; k++) {
		if (md->left[k])
			md->left[k]--;
		if (conveyed & 1u << k)
			md->conveyed[k]++;
	}
	FZ_CHECK(mchost_change_pending(&md->rtx) == model_pending(md),
		 "pending %d after a transmission, want %d",
		 mchost_change_pending(&md->rtx), model_pending(md));
	check_quiet(md);
	return 1;
}

static void clear(struct model *md)
{
	mchost_change_clear(&md->rtx);
	FZ_CHECK(!mchost_change_pending(&md->rtx) && !md->rtx.allow &&
		 !md->rtx.block && !md->rtx.cnt, "clear left state");
	/* What a router knows is now unknown: only a TO_* resets it. */
	md->router.valid = 0;
	md->mode_left = 0;
	memset(md->left, 0, sizeof(md->left));
	md->set = 0;
}

/* Transmit until nothing is pending; rv transmissions at most. */
static void drain(struct model *md)
{
	unsigned int i;

	for (i = 0; i <= 8; i++)
		if (!transmit(md))
			return;
	FZ_CHECK(0, "still pending after %u transmissions", i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	struct model md;
	uint8_t flags, op, b;

	memset(&md, 0, sizeof(md));
	md.cur.mode = INC;
	md.router.valid = 1;
	md.router.mode = INC;
	flags = fz_u8(&f);
	md.vary_rv = flags & FL_VARY_RV;
	md.rv = fz_range(&f, 1, 7);

	while (f.n) {
		op = fz_u8(&f);
		if (md.vary_rv && (op & 0x80))
			md.rv = fz_range(&f, 1, 7);
		switch (op & 0x7f) {
		case 0 ... 39:		/* a change: join, filter change */
			b = fz_u8(&f);
			change(&md, (op & 1) ? EXC : INC, b, -1);
			break;
		case 40 ... 49:		/* leave */
			change(&md, INC, 0, -1);
			break;
		case 50 ... 99:
			transmit(&md);
			break;
		case 100 ... 104:	/* link down, version change */
			clear(&md);
			break;
		case 105 ... 114:	/* a change that runs out of memory */
			b = fz_u8(&f);
			change(&md, (op & 1) ? EXC : INC, b, fz_u8(&f) % 8);
			break;
		default:
			drain(&md);
			break;
		}
	}
	drain(&md);
	FZ_CHECK(!md.router.valid || (md.router.mode == md.cur.mode &&
				      md.router.bits == md.cur_bits),
		 "final router state differs from the filter");

	mchost_change_clear(&md.rtx);
	mchost_slist_free(md.cur.src);
	FZ_CHECK(!fuzz_alloc_live(), "%ld blocks leaked", fuzz_alloc_live());
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned int k;

	(void)argc;
	(void)argv;
	/* Ascending by memcmp(), as a set keeps them. */
	for (k = 0; k < NSRC; k++)
		fz_addr(&universe[k], 0, 0x0a000001u + k);
	return 0;
}
