/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the libFuzzer targets: reading typed values from the
 * fuzz input, checks that abort (libFuzzer then saves the input), and
 * source sets built and validated independently of module/slist.c.
 */
#ifndef _FUZZ_FUZZ_H
#define _FUZZ_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>
#include <linux/in6.h>

#include "slist.h"
#include "shim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A failed check aborts: libFuzzer reports it and keeps the input. */
#define FZ_CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: check failed: %s\n  ",	\
				__FILE__, __LINE__, #cond);		\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			abort();					\
		}							\
	} while (0)

/* The fuzz input, consumed from the front; reads past its end give 0. */
struct fz {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fz_u8(struct fz *f)
{
	if (!f->n)
		return 0;
	f->n--;
	return *f->p++;
}

static inline uint16_t fz_u16(struct fz *f)
{
	uint16_t hi = fz_u8(f);

	return (uint16_t)(hi << 8 | fz_u8(f));
}

static inline uint32_t fz_u32(struct fz *f)
{
	uint32_t hi = fz_u16(f);

	return hi << 16 | fz_u16(f);
}

/* A value in [lo, hi], from as few input bytes as the range needs. */
static inline unsigned int fz_range(struct fz *f, unsigned int lo,
				    unsigned int hi)
{
	unsigned int span = hi - lo, v;

	if (!span)
		return lo;
	if (span < 0x100)
		v = fz_u8(f);
	else if (span < 0x10000)
		v = fz_u16(f);
	else
		v = fz_u32(f);
	return lo + (span == UINT32_MAX ? v : v % (span + 1));
}

static inline void fz_bytes(struct fz *f, void *dst, size_t n)
{
	size_t k = n < f->n ? n : f->n;

	memcpy(dst, f->p, k);
	memset((uint8_t *)dst + k, 0, n - k);
	f->p += k;
	f->n -= k;
}

/* ::ffff:v4 (v4 in host order) or 2001:db8::<v> for the two families. */
static inline void fz_addr(struct in6_addr *a, int mld, uint32_t v)
{
	memset(a, 0, sizeof(*a));
	if (mld) {
		a->s6_addr[0] = 0x20;
		a->s6_addr[1] = 0x01;
		a->s6_addr[2] = 0x0d;
		a->s6_addr[3] = 0xb8;
	} else {
		a->s6_addr[10] = 0xff;
		a->s6_addr[11] = 0xff;
	}
	a->s6_addr[12] = v >> 24;
	a->s6_addr[13] = v >> 16 & 0xff;
	a->s6_addr[14] = v >> 8 & 0xff;
	a->s6_addr[15] = v & 0xff;
}

/* s is a valid set: nr <= cap, strictly ascending by memcmp(). */
static inline void fz_check_set(const struct mchost_slist *s)
{
	unsigned int i;

	if (!s)
		return;
	FZ_CHECK(s->nr <= s->cap, "set nr %u > cap %u", s->nr, s->cap);
	for (i = 1; i < s->nr; i++)
		FZ_CHECK(memcmp(&s->addr[i - 1], &s->addr[i],
				sizeof(s->addr[0])) < 0,
			 "set not strictly ascending at %u of %u", i, s->nr);
}

static inline unsigned int fz_nr(const struct mchost_slist *s)
{
	return s ? s->nr : 0;
}

/* Membership by linear search, independent of mchost_slist_contains(). */
static inline int fz_set_has(const struct mchost_slist *s,
			     const struct in6_addr *a)
{
	unsigned int i;

	for (i = 0; i < fz_nr(s); i++)
		if (!memcmp(&s->addr[i], a, sizeof(*a)))
			return 1;
	return 0;
}

#endif
