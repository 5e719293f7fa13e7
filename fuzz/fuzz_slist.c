// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target "slist": the source-set algebra of module/slist.c and the
 * owners' filter merge of module/filter.c, against a reference model.
 *
 * Sets are drawn from a universe of 24 fixed addresses whose memcmp() order
 * is unrelated to their index; the model keeps a set as a 24-bit bitset and
 * knows the sorted order from its own qsort() at start-up. A module set is
 * built from a bitset in that order (or, for mchost_slist_sort(), from a
 * shuffled array with repeats), and every result is compared with the
 * model: exact contents in ascending order, -E2BIG with dst->nr 0 exactly
 * when the result exceeds dst->cap, -EEXIST exactly when a sort input has
 * a repeat, NULL standing for the empty set.
 *
 * mchost_filter_merge() is checked against RFC 9776 §3.2 / RFC 9777 §4.2:
 * if any owner is EXCLUDE, EXCLUDE of the intersection of the EXCLUDE lists
 * minus the union of the INCLUDE lists; else INCLUDE of the union of the
 * INCLUDE lists; -E2BIG when that has more than max sources (or more than a
 * set can hold: a table of large cases runs at start-up); on success a
 * tight set (NULL when empty), on failure out untouched. Allocations fail on request to check -ENOMEM and rollback,
 * and no block may outlive an input.
 *
 * Input: a sequence of operations, each an opcode and its operands.
 */

#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/mchost.h>

#include "filter.h"
#include "fuzz.h"

#define NU		24
#define MAX_OWNERS	6

static struct in6_addr universe[NU];
static unsigned int order[NU];		/* universe indices, ascending */
static const struct in6_addr outsider = { .s6_addr = { 0x7f, [15] = 9 } };

static int cmp_idx(const void *a, const void *b)
{
	const unsigned int *x = a, *y = b;

	return memcmp(&universe[*x], &universe[*y], sizeof(universe[0]));
}

/* How a set is handed to the module: NULL / empty / exact / with slack. */
static struct mchost_slist *make(uint32_t bits, uint8_t how)
{
	unsigned int n = __builtin_popcount(bits), i;
	struct mchost_slist *s;

	if (!n && !(how & 1))
		return NULL;
	s = mchost_slist_alloc(n + (how >> 1 & 3), GFP_KERNEL);
	FZ_CHECK(s, "slist alloc");
	for (i = 0; i < NU; i++)
		if (bits & 1u << order[i])
			s->addr[s->nr++] = universe[order[i]];
	return s;
}

/* s as a bitset; s must hold exactly the sorted universe elements. */
static uint32_t bits_of(const struct mchost_slist *s)
{
	uint32_t bits = 0;
	unsigned int i, k;

	fz_check_set(s);
	for (i = 0; i < fz_nr(s); i++) {
		for (k = 0; k < NU; k++)
			if (!memcmp(&s->addr[i], &universe[k],
				    sizeof(universe[k])))
				break;
		FZ_CHECK(k < NU, "element %u is not in the universe", i);
		bits |= 1u << k;
	}
	return bits;
}

static uint32_t fz_bits(struct fz *f)
{
	return fz_u32(f) & ((1u << NU) - 1);
}

static void op_setop(struct fz *f, unsigned int which)
{
	static const char *const name[] = { "union", "intersect", "diff" };
	uint32_t a = fz_bits(f), b = fz_bits(f), want;
	struct mchost_slist *sa = make(a, fz_u8(f)), *sb = make(b, fz_u8(f));
	unsigned int cap = fz_range(f, 0, NU), n;
	struct mchost_slist *dst = mchost_slist_alloc(cap, GFP_KERNEL);
	int err;

	FZ_CHECK(dst && dst->cap == cap && !dst->nr, "alloc(%u)", cap);
	dst->nr = cap ? fz_range(f, 0, cap) : 0;	/* stale contents */
	switch (which) {
	case 0:
		want = a | b;
		err = mchost_slist_union(dst, sa, sb);
		break;
	case 1:
		want = a & b;
		err = mchost_slist_intersect(dst, sa, sb);
		break;
	default:
		want = a & ~b;
		err = mchost_slist_diff(dst, sa, sb);
		break;
	}
	n = __builtin_popcount(want);
	FZ_CHECK(dst->cap == cap, "%s changed cap", name[which]);
	if (n > cap) {
		FZ_CHECK(err == -E2BIG && !dst->nr,
			 "%s of %u into cap %u: err %d nr %u", name[which], n,
			 cap, err, dst->nr);
	} else {
		FZ_CHECK(!err, "%s of %u into cap %u: err %d", name[which], n,
			 cap, err);
		FZ_CHECK(bits_of(dst) == want && dst->nr == n,
			 "%s: got %06x, want %06x", name[which], bits_of(dst),
			 want);
	}
	/* Operands are read only. */
	FZ_CHECK(bits_of(sa) == a && bits_of(sb) == b, "%s wrote an operand",
		 name[which]);
	mchost_slist_free(sa);
	mchost_slist_free(sb);
	mchost_slist_free(dst);
}

static void op_queries(struct fz *f)
{
	uint32_t a = fz_bits(f), b = fz_bits(f);
	struct mchost_slist *sa = make(a, fz_u8(f)), *sb = make(b, fz_u8(f));
	unsigned int k;

	for (k = 0; k < NU; k++)
		FZ_CHECK(mchost_slist_contains(sa, &universe[k]) ==
			 !!(a & 1u << k), "contains(%06x, %u)", a, k);
	FZ_CHECK(!mchost_slist_contains(sa, &outsider), "contains outsider");
	FZ_CHECK(mchost_slist_equal(sa, sb) == (a == b),
		 "equal(%06x, %06x)", a, b);
	FZ_CHECK(mchost_slist_equal(sa, sa), "equal to itself");
	FZ_CHECK(mchost_slist_nr(sa) == (unsigned int)__builtin_popcount(a),
		 "nr");
	mchost_slist_free(sa);
	mchost_slist_free(sb);
}

static void op_dup(struct fz *f)
{
	uint32_t a = fz_bits(f);
	struct mchost_slist *sa = make(a, fz_u8(f)), *d;
	int fail = fz_u8(f) & 1;

	fuzz_alloc_fail_after(fail ? 0 : -1);
	d = mchost_slist_dup(sa, GFP_ATOMIC);
	fuzz_alloc_fail_after(-1);
	if (!a || fail) {
		FZ_CHECK(!d, "dup of %06x (failing %d) gave a set", a, fail);
	} else {
		FZ_CHECK(d && d != sa && d->cap == d->nr && bits_of(d) == a,
			 "dup of %06x", a);
	}
	mchost_slist_free(d);
	mchost_slist_free(sa);
}

/* Sort n picks (repeats allowed) given in any order. */
static void op_sort(struct fz *f)
{
	unsigned int n = fz_range(f, 0, 2 * NU), slack = fz_u8(f) % 3, i, k;
	unsigned int count[NU] = { 0 };
	struct mchost_slist *s = mchost_slist_alloc(n + slack, GFP_KERNEL);
	int dup = 0, err;

	FZ_CHECK(s, "slist alloc");
	for (i = 0; i < n; i++) {
		k = fz_u8(f) % NU;
		dup |= count[k]++ > 0;
		s->addr[s->nr++] = universe[k];
	}
	err = mchost_slist_sort(s);
	FZ_CHECK(err == (dup ? -EEXIST : 0), "sort of %u: err %d, repeats %d",
		 n, err, dup);
	FZ_CHECK(s->nr == n && s->cap == n + slack, "sort changed nr/cap");
	/* Ascending, the same multiset. */
	for (i = 0, k = 0; k < NU; k++) {
		unsigned int c;

		for (c = 0; c < count[order[k]]; c++, i++)
			FZ_CHECK(!memcmp(&s->addr[i], &universe[order[k]],
					 sizeof(universe[0])),
				 "sorted element %u", i);
	}
	mchost_slist_free(s);
}

static void op_alloc(struct fz *f)
{
	unsigned int cap = fz_range(f, 0, 70000);
	struct mchost_slist *s = mchost_slist_alloc(cap, GFP_KERNEL);

	if (cap > U16_MAX) {
		FZ_CHECK(!s, "alloc(%u) above U16_MAX", cap);
		return;
	}
	FZ_CHECK(s && s->cap == cap && !s->nr, "alloc(%u)", cap);
	if (cap)	/* the whole array is usable (ASan checks) */
		memset(s->addr, 0x5a, cap * sizeof(s->addr[0]));
	mchost_slist_free(s);
}

static int excl(uint8_t mode)
{
	return mode == MCHOST_FMODE_EXCLUDE;
}

static void op_merge(struct fz *f)
{
	struct mchost_filter own[MAX_OWNERS], out, *ptr[MAX_OWNERS];
	const struct mchost_filter *const *owners =
		(const struct mchost_filter *const *)ptr;
	uint32_t bits[MAX_OWNERS], inc = 0, exc = (1u << NU) - 1, want;
	unsigned int n = fz_range(f, 0, MAX_OWNERS), max, i;
	struct mchost_slist sentinel;
	long fail;
	int any_ex = 0, err;

	for (i = 0; i < n; i++) {
		/* Values other than EXCLUDE count as INCLUDE (filter.c). */
		own[i].mode = fz_u8(f) % 4;
		bits[i] = fz_bits(f);
		own[i].src = make(bits[i], fz_u8(f));
		ptr[i] = &own[i];
		if (excl(own[i].mode)) {
			any_ex = 1;
			exc &= bits[i];
		} else {
			inc |= bits[i];
		}
	}
	max = fz_range(f, 0, NU + 2);
	fail = (long)fz_range(f, 0, 8) - 1;	/* -1: no failure */
	want = any_ex ? exc & ~inc : inc;

	out.mode = 0x77;
	out.src = &sentinel;
	fuzz_alloc_fail_after(fail);
	err = mchost_filter_merge(owners, n, max, &out, GFP_KERNEL);
	fuzz_alloc_fail_after(-1);

	if (err) {
		FZ_CHECK(out.mode == 0x77 && out.src == &sentinel,
			 "failed merge (%d) wrote out", err);
		if (err == -ENOMEM)
			FZ_CHECK(fail >= 0, "-ENOMEM without a failure");
		else
			FZ_CHECK(err == -E2BIG &&
				 (unsigned int)__builtin_popcount(want) > max,
				 "merge: err %d, result of %u, max %u", err,
				 __builtin_popcount(want), max);
	} else {
		FZ_CHECK((unsigned int)__builtin_popcount(want) <= max,
			 "merge of %u sources passed max %u",
			 __builtin_popcount(want), max);
		FZ_CHECK(out.mode == (any_ex ? MCHOST_FMODE_EXCLUDE :
					       MCHOST_FMODE_INCLUDE),
			 "merge mode %u", out.mode);
		FZ_CHECK(bits_of(out.src) == want,
			 "merge: got %06x, want %06x (mode %u)",
			 bits_of(out.src), want, out.mode);
		FZ_CHECK(!want == !out.src, "empty result not NULL");
		FZ_CHECK(!out.src || out.src->cap == out.src->nr,
			 "result not tight: %u of %u", out.src->nr,
			 out.src->cap);
		mchost_slist_free(out.src);
	}
	for (i = 0; i < n; i++) {
		FZ_CHECK(bits_of(own[i].src) == bits[i], "merge wrote owner %u",
			 i);
		mchost_slist_free(own[i].src);
	}
}

/*
 * Two large INCLUDE owners (address ranges) around the 16-bit size limit of
 * a set: a union above min(max, U16_MAX) is -E2BIG. Too slow to fuzz (up
 * to 80,000 addresses), so LLVMFuzzerInitialize() runs a table of cases.
 */
static void merge_big(unsigned int start0, unsigned int len0,
		      unsigned int start1, unsigned int len1, unsigned int max)
{
	unsigned int start[2] = { start0, start1 }, len[2] = { len0, len1 };
	struct mchost_filter own[2], out = { 0, NULL };
	const struct mchost_filter *ptr[2] = { &own[0], &own[1] };
	unsigned int i, k, lo, hi, size;
	int err;

	for (i = 0; i < 2; i++) {
		own[i].mode = MCHOST_FMODE_INCLUDE;
		own[i].src = NULL;
		if (!len[i])
			continue;
		own[i].src = mchost_slist_alloc(len[i], GFP_KERNEL);
		FZ_CHECK(own[i].src, "slist alloc");
		for (k = 0; k < len[i]; k++)
			fz_addr(&own[i].src->addr[k], 1, start[i] + k);
		own[i].src->nr = len[i];
	}
	/* The size of the union of the two ranges. */
	lo = start0 > start1 ? start0 : start1;
	hi = start0 + len0 < start1 + len1 ? start0 + len0 : start1 + len1;
	size = len0 + len1 - (hi > lo && len0 && len1 ? hi - lo : 0);

	err = mchost_filter_merge(ptr, 2, max, &out, GFP_KERNEL);
	if (size > max || size > U16_MAX) {
		FZ_CHECK(err == -E2BIG, "union of %u, max %u: err %d", size,
			 max, err);
	} else {
		FZ_CHECK(!err && out.mode == MCHOST_FMODE_INCLUDE &&
			 fz_nr(out.src) == size,
			 "union of %u, max %u: err %d nr %u", size, max, err,
			 fz_nr(out.src));
		fz_check_set(out.src);
		mchost_slist_free(out.src);
	}
	mchost_slist_free(own[0].src);
	mchost_slist_free(own[1].src);
	FZ_CHECK(!fuzz_alloc_live(), "%ld blocks leaked", fuzz_alloc_live());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = { data, size };
	unsigned int ops = 0;

	while (f.n && ops++ < 64) {
		uint8_t op = fz_u8(&f);

		switch (op % 16) {
		case 0 ... 1:
			op_setop(&f, 0);
			break;
		case 2 ... 3:
			op_setop(&f, 1);
			break;
		case 4 ... 5:
			op_setop(&f, 2);
			break;
		case 6:
			op_queries(&f);
			break;
		case 7:
			op_dup(&f);
			break;
		case 8 ... 9:
			op_sort(&f);
			break;
		case 10:
			op_alloc(&f);
			break;
		default:
			op_merge(&f);
			break;
		}
	}
	FZ_CHECK(!fuzz_alloc_live(), "%ld blocks leaked", fuzz_alloc_live());
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned int k, i;

	(void)argc;
	(void)argv;
	/* Fixed addresses whose byte order has nothing to do with k. */
	for (k = 0; k < NU; k++) {
		for (i = 0; i < 16; i++)
			universe[k].s6_addr[i] =
				(uint8_t)((k * 167 + 13) * (i < 12 ? 3 : 1) ^
					  (i * 29));
		universe[k].s6_addr[15] = k;	/* all distinct */
		order[k] = k;
	}
	qsort(order, NU, sizeof(order[0]), cmp_idx);

	merge_big(0, 40000, 30000, 35535, 70000);	/* 65535: fits */
	merge_big(0, 40000, 30000, 35536, 70000);	/* 65536: too big */
	merge_big(0, 40000, 40000, 40000, 70000);	/* sum saturates */
	merge_big(0, 30000, 0, 30000, 60000);		/* the same twice */
	merge_big(0, 40000, 10000, 40000, 49999);	/* above max */
	merge_big(0, 0, 5, 65535, 65535);		/* one owner, full */
	return 0;
}
