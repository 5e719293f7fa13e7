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
 * Oracle (RFC 9776 §5.1 and §6.4, RFC 9777 §6.1 and §7.4, change.h):
 *  - Router model: what a router believes the host's filter is, applying
 *    the records it gets in order: TO_IN(B) -> INCLUDE(B), TO_EX(B) ->
 *    EXCLUDE(B), ALLOW(B) adds B to INCLUDE / removes it from EXCLUDE,
 *    BLOCK(B) the reverse. It starts as INCLUDE {} (no state) and gets
 *    every transmission, so after each one it must equal the host's
 *    current filter. A clear makes it unknown until the next TO_IN/TO_EX.
 *  - Every record agrees with the current filter: TO_IN/TO_EX carries it
 *    exactly (and only TO_* is sent then), ALLOW only wanted sources,
 *    BLOCK only unwanted ones, never a source in both, never empty, and
 *    the pending lists obey the same rules after every merge; they hold
 *    only sources changed since nothing was pending (or since the last
 *    mode change).
 *  - Robustness: each fact a change alters (the filter mode; whether a
 *    source is wanted) is conveyed by at least rv transmissions after that
 *    change, unless a later change alters it again. Once nothing is
 *    pending, the number of transmissions since the last change that
 *    altered the state is exactly rv when rv is the same for every change
 *    or that change was a mode change, and otherwise between its rv and
 *    the largest rv of the changes still pending then.
 *  - A change that alters nothing leaves *rtx as it was; a failed merge
 *    (-ENOMEM, injected) leaves *rtx as it was; pending with nothing to
 *    send does not happen; no block is leaked.
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
	unsigned int need_mode, need[NSRC];
	int changed;		/* an altering change not yet fully sent */
	int last_mode;		/* ... and it changed the filter mode */
	unsigned int since;	/* transmissions since that change */
	unsigned int last_rv;	/* its rv */
	unsigned int busy_rv;	/* the largest rv since nothing was pending */
	uint8_t touched;	/* sources changed since then, or the last
				 * mode change or clear */
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

static uint8_t bits_of(const struct mchost_slist *s)
{
	unsigned int i, k;
	uint8_t bits = 0;

	fz_check_set(s);
	for (i = 0; i < fz_nr(s); i++) {
		for (k = 0; k < NSRC; k++)
			if (!memcmp(&s->addr[i], &universe[k],
				    sizeof(universe[k])))
				break;
		FZ_CHECK(k < NSRC, "source outside the universe");
		bits |= 1u << k;
	}
	return bits;
}

struct snap {
	struct mchost_rtx rtx;
	uint8_t allow, block;
};

static void snap(const struct model *md, struct snap *s)
{
	s->rtx = md->rtx;
	s->allow = bits_of(md->rtx.allow);
	s->block = bits_of(md->rtx.block);
}

static void check_unchanged(const struct model *md, const struct snap *s,
			    const char *why)
{
	FZ_CHECK(md->rtx.mode_cnt == s->rtx.mode_cnt &&
		 md->rtx.src_cnt == s->rtx.src_cnt &&
		 md->rtx.allow == s->rtx.allow &&
		 md->rtx.block == s->rtx.block &&
		 bits_of(md->rtx.allow) == s->allow &&
		 bits_of(md->rtx.block) == s->block,
		 "%s changed the pending state", why);
}

/* The pending lists agree with the current filter. */
static void check_lists(const struct model *md)
{
	uint8_t w = wanted(md->cur.mode, md->cur_bits);
	uint8_t a, b;

	if (!md->rtx.src_cnt)
		return;
	a = bits_of(md->rtx.allow);
	b = bits_of(md->rtx.block);
	FZ_CHECK(!(a & b), "source both allowed and blocked: %02x", a & b);
	FZ_CHECK(!(a & ~w), "pending ALLOW of unwanted sources %02x", a & ~w);
	FZ_CHECK(!(b & w), "pending BLOCK of wanted sources %02x", b & w);
	FZ_CHECK(!((a | b) & ~md->touched),
		 "pending sources %02x that no pending change touched",
		 (a | b) & ~md->touched);
}

static void check_quiet(struct model *md)
{
	unsigned int k;

	if (mchost_change_pending(&md->rtx))
		return;
	FZ_CHECK(!md->need_mode, "mode change sent %u times too few",
		 md->need_mode);
	for (k = 0; k < NSRC; k++)
		FZ_CHECK(!md->need[k], "source %u change sent %u times too few",
			 k, md->need[k]);
	md->touched = 0;
	if (!md->changed)
		return;
	/*
	 * Exactly rv after a mode change (it ends earlier retransmissions)
	 * or when rv never varies; otherwise sources of earlier changes may
	 * keep it going up to the largest rv of the changes still pending.
	 */
	if (!md->vary_rv || md->last_mode)
		FZ_CHECK(md->since == md->last_rv,
			 "%u transmissions after the last change, rv %u",
			 md->since, md->last_rv);
	FZ_CHECK(md->since >= md->last_rv && md->since <= md->busy_rv,
		 "%u transmissions after the last change (rv %u, max rv %u)",
		 md->since, md->last_rv, md->busy_rv);
	md->changed = 0;
	md->busy_rv = 0;
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
	FZ_CHECK(mchost_change_pending(&md->rtx), "a change left nothing to send");

	/*
	 * A mode change restates every source in its TO_IN/TO_EX records and
	 * ends the retransmissions of earlier changes (RFC 9776 §5.1: the
	 * merged report "terminates retransmissions of the earlier
	 * State-Change Reports"; Linux likewise zeroes its per-source counts
	 * on a mode change), so everything restarts at its rv. A source-list
	 * change restarts only the sources it changes: the others keep their
	 * own retransmission state (§5.1, per-source state).
	 */
	diff = mode_changed ? 0xff : w_old ^ w_new;
	for (k = 0; k < NSRC; k++)
		if (diff & 1u << k)
			md->need[k] = rv;
	if (mode_changed)
		md->need_mode = rv;
	/* A mode change drops the pending lists: TO_* says it all. */
	md->touched = mode_changed ? 0 : md->touched | diff;
	md->changed = 1;
	md->last_mode = mode_changed;
	md->since = 0;
	md->last_rv = rv;
	if (mode_changed || rv > md->busy_rv)
		md->busy_rv = rv;
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
	uint8_t w = wanted(md->cur.mode, md->cur_bits), set[2], conveyed = 0;
	int pending = mchost_change_pending(&md->rtx), mode_sent = 0;
	struct mchost_rec out[2];
	unsigned int n, i, k;

	memset(out, 0, sizeof(out));
	n = mchost_change_next(&md->rtx, &md->cur, &group, out);
	if (!pending) {
		FZ_CHECK(!n && !mchost_change_pending(&md->rtx),
			 "%u records with nothing pending", n);
		return 0;
	}
	FZ_CHECK(n >= 1 && n <= 2, "%u records while pending", n);

	for (i = 0; i < n; i++) {
		FZ_CHECK(!memcmp(&out[i].group, &group, sizeof(group)),
			 "record %u of another group", i);
		set[i] = bits_of(out[i].src);
	}
	if (out[0].type == MCHOST_REC_TO_IN || out[0].type == MCHOST_REC_TO_EX) {
		FZ_CHECK(n == 1, "TO_IN/TO_EX with another record");
		FZ_CHECK(out[0].type == (md->cur.mode == EXC ?
					 MCHOST_REC_TO_EX : MCHOST_REC_TO_IN),
			 "record type %u in mode %u", out[0].type,
			 md->cur.mode);
		FZ_CHECK(set[0] == md->cur_bits,
			 "TO_IN/TO_EX carries %02x, filter is %02x", set[0],
			 md->cur_bits);
		mode_sent = 1;
		conveyed = 0xff;
	} else {
		for (i = 0; i < n; i++) {
			FZ_CHECK(set[i], "empty record type %u", out[i].type);
			if (out[i].type == MCHOST_REC_ALLOW) {
				FZ_CHECK(i == 0, "ALLOW after BLOCK");
				FZ_CHECK(!(set[i] & ~w),
					 "ALLOW of unwanted sources %02x",
					 set[i] & ~w);
			} else {
				FZ_CHECK(out[i].type == MCHOST_REC_BLOCK,
					 "record type %u", out[i].type);
				FZ_CHECK(i == n - 1, "BLOCK before ALLOW");
				FZ_CHECK(!(set[i] & w),
					 "BLOCK of wanted sources %02x",
					 set[i] & w);
			}
			conveyed |= set[i];
		}
		if (n == 2)
			FZ_CHECK(!(set[0] & set[1]),
				 "sources both allowed and blocked: %02x",
				 set[0] & set[1]);
	}

	for (i = 0; i < n; i++)
		apply(&md->router, out[i].type, set[i]);
	if (md->router.valid)
		FZ_CHECK(md->router.mode == md->cur.mode &&
			 md->router.bits == md->cur_bits,
			 "router believes mode %u %02x, host has mode %u %02x",
			 md->router.mode, md->router.bits, md->cur.mode,
			 md->cur_bits);

	if (mode_sent && md->need_mode)
		md->need_mode--;
	for (k = 0; k < NSRC; k++)
		if ((conveyed & 1u << k) && md->need[k])
			md->need[k]--;
	md->since++;
	check_lists(md);
	check_quiet(md);
	return 1;
}

static void clear(struct model *md)
{
	mchost_change_clear(&md->rtx);
	FZ_CHECK(!mchost_change_pending(&md->rtx) && !md->rtx.allow &&
		 !md->rtx.block, "clear left state");
	/* What a router knows is now unknown: only a TO_* resets it. */
	md->router.valid = 0;
	md->need_mode = 0;
	memset(md->need, 0, sizeof(md->need));
	md->changed = 0;
	md->busy_rv = 0;
	md->touched = 0;
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
