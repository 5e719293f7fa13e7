// SPDX-License-Identifier: GPL-2.0
/*
 * mchostctl: memory, messages, addresses and words.
 */
#include "mchostctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void out_of_memory(void)
{
	fputs("Error: out of memory\n", stderr);
	exit(1);
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

/* grow_array() when @arr is full. */
void *grow_array_to(void *arr, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 8;

	while (ncap < need) {
		if (ncap > SIZE_MAX / 2)
			out_of_memory();
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / size)
		out_of_memory();
	arr = xrealloc(arr, ncap * size);
	*cap = ncap;
	return arr;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		out_of_memory();
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void vreport(const struct ctx *ctx, const char *what, const char *fmt,
	     va_list ap)
{
	/* One fprintf per message so that lines never interleave. */
	char *msg = xvasprintf(fmt, ap);

	if (ctx && ctx->line)
		fprintf(stderr, "%s: line %lu: %s\n", what, ctx->line, msg);
	else
		fprintf(stderr, "%s: %s\n", what, msg);
	free(msg);
}

void error_msg(const struct ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(ctx, "Error", fmt, ap);
	va_end(ap);
}

void warn_msg(const struct ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(ctx, "Warning", fmt, ap);
	va_end(ap);
}

/*
 * Return @n zeroed bytes at the end of @b without appending them; the
 * caller builds a message there and then adds its length to b->len.
 */
void *sbuf_room(struct sbuf *b, size_t n)
{
	if (n > SIZE_MAX - b->len)
		out_of_memory();
	b->data = grow_array(b->data, &b->cap, b->len + n, 1);
	memset(b->data + b->len, 0, n);
	return b->data + b->len;
}

void sbuf_free(struct sbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/*
 * isspace() in the "C" locale, which mchostctl never leaves, without its
 * table lookup: split_words() tests every byte of a batch.
 */
static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/*
 * Where the word at @p ends: every byte above ' ' belongs to it, so the
 * loop is one compare per byte; the few below are tested one by one.
 */
static char *word_end(char *p)
{
	for (;;) {
		while ((unsigned char)*p > ' ')
			p++;
		if (!*p || is_space(*p))
			return p;
		p++;
	}
}

/* Split @line in place. Device names cannot contain whitespace. */
void split_words(char *line, struct words *w)
{
	char *p = line;

	w->n = 0;
	for (;;) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		w->v = grow_array(w->v, &w->cap, w->n + 1, sizeof(*w->v));
		w->v[w->n++] = p;
		p = word_end(p);
		if (!*p)
			break;
		*p++ = '\0';
	}
}

/*
 * A dotted-quad IPv4 address, exactly the strings inet_pton(AF_INET)
 * takes (four decimal numbers up to 255 without leading zeros, and
 * nothing else), in a fraction of its instructions: a batch line's group.
 */
static bool ipv4_parse(const char *s, unsigned char b[4])
{
	unsigned char tmp[4];
	unsigned int i, v;

	for (i = 0; i < 4; i++) {
		if (i && *s++ != '.')
			return false;
		if (*s < '0' || *s > '9')
			return false;
		v = *s++ - '0';
		while (*s >= '0' && *s <= '9') {
			if (!v)		/* a leading zero */
				return false;
			v = v * 10 + (*s++ - '0');
			if (v > 255)
				return false;
		}
		tmp[i] = v;
	}
	if (*s)
		return false;
	memcpy(b, tmp, sizeof(tmp));
	return true;
}

bool addr_parse(const char *s, struct addr *a)
{
	if (ipv4_parse(s, a->b)) {
		a->len = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		a->len = 16;
		return true;
	}
	return false;
}

/* The family is implied by the length: 4 bytes IPv4, 16 bytes IPv6. */
const char *addr_format(const void *b, size_t len, char buf[INET6_ADDRSTRLEN])
{
	int af = len == 4 ? AF_INET : AF_INET6;

	if ((len != 4 && len != 16) ||
	    !inet_ntop(af, b, buf, INET6_ADDRSTRLEN))
		return NULL;
	return buf;
}

/*
 * if_nametoindex() in the caller's netns, into *@ifindex. Returns 0, or
 * -ENODEV if there is no such device, or another negative errno.
 */
int dev_lookup(const char *dev, uint32_t *ifindex)
{
	unsigned int idx = if_nametoindex(dev);

	*ifindex = idx;
	if (idx)
		return 0;
	if (errno == ENODEV || errno == ENXIO)
		return -ENODEV;
	return errno ? -errno : -ENODEV;
}

/* The message for a dev_lookup() failure. Allocated. */
char *dev_error(const char *dev, int error)
{
	if (error == -ENODEV)
		return xasprintf("unknown device %s", dev);
	return xasprintf("cannot look up device %s: %s", dev, strerror(-error));
}
