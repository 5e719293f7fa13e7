// SPDX-License-Identifier: GPL-2.0
/*
 * mchostctl: one printer for text and JSON output.
 *
 * A command describes its output once, as key/value pairs, and the printer
 * writes them in the format asked for, as iproute2's json_print does:
 *
 *   JSON: containers (open_object(), open_array()) hold the pairs; commas
 *         and key quoting are the printer's business. Closing the outermost
 *         container ends the document with a newline.
 *   text: a record is one line of "key value" pairs separated by spaces,
 *         ended by print_nl(). Containers do not show.
 *
 * Each value has a type (PRINT_TEXT, PRINT_JSON or PRINT_ANY: the formats
 * it appears in), its JSON key (NULL for an array element) and a text key
 * @tkey, used instead of @key in text when the two differ (NULL: @key). A
 * value with neither key is written bare in text.
 *
 * -p (pretty) JSON puts each member on its own line, indented by four
 * spaces per level, with a space after the colon.
 */
#include "mchostctl.h"

#include <stdlib.h>

void print_init(struct printer *p, FILE *f, const struct ctx *ctx)
{
	p->f = f;
	p->json = ctx->json;
	p->pretty = ctx->json && ctx->pretty;
	p->bol = true;
	p->depth = 0;
	p->used[0] = false;
}

/* Length of the valid UTF-8 sequence at @p, 0 if it is not one. */
static size_t utf8_len(const unsigned char *p)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* Reject overlong forms, surrogates and code points past U+10FFFF. */
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	/* The terminating NUL is never a continuation byte. */
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/*
 * Print @s as a JSON string. Interface names are arbitrary bytes, and the
 * output must stay valid JSON: bytes that are not valid UTF-8 are written
 * as \u00XX (their Latin-1 reading) so that they are neither lost nor
 * passed through raw.
 */
void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		size_t n = utf8_len(p);

		if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p, f);
		} else if (*p == '\n') {
			fputs("\\n", f);
		} else if (*p == '\t') {
			fputs("\\t", f);
		} else if (*p == '\r') {
			fputs("\\r", f);
		} else if (*p < 0x20 || *p == 0x7f || n == 0) {
			fprintf(f, "\\u%04x", *p);
		} else {
			fwrite(p, 1, n, f);
			p += n;
			continue;
		}
		p++;
	}
	fputc('"', f);
}

/* Pretty JSON: a new line, indented to the current depth. */
static void json_indent(struct printer *p, unsigned int depth)
{
	fputc('\n', p->f);
	while (depth--)
		fputs("    ", p->f);
}

/* JSON: the comma before a member and its key, if it has one. */
static void json_member(struct printer *p, const char *key)
{
	if (p->used[p->depth])
		fputc(',', p->f);
	p->used[p->depth] = true;
	if (p->pretty && p->depth)
		json_indent(p, p->depth);
	if (key) {
		json_string(p->f, key);
		fputs(p->pretty ? ": " : ":", p->f);
	}
}

static void json_open(struct printer *p, const char *key, char bracket)
{
	if (!p->json)
		return;
	/* Nesting is fixed by the code, so running out is a bug. */
	if (p->depth + 1 >= PRINT_MAX_DEPTH)
		abort();
	json_member(p, key);
	fputc(bracket, p->f);
	p->used[++p->depth] = false;
}

static void json_close(struct printer *p, char bracket)
{
	if (!p->json)
		return;
	if (!p->depth)
		abort();
	/* An empty container stays on one line: [] or {}. */
	if (p->pretty && p->used[p->depth])
		json_indent(p, p->depth - 1);
	fputc(bracket, p->f);
	if (!--p->depth)
		fputc('\n', p->f);
}

void open_object(struct printer *p, const char *key)
{
	json_open(p, key, '{');
}

void close_object(struct printer *p)
{
	json_close(p, '}');
}

void open_array(struct printer *p, const char *key)
{
	json_open(p, key, '[');
}

void close_array(struct printer *p)
{
	json_close(p, ']');
}

/* Text: "[ ][key ]value"; JSON: "[,][key:]value", quoted if @quote. */
static void print_value(struct printer *p, enum print_type t,
			const char *key, const char *tkey, const char *value,
			bool quote)
{
	if (p->json && (t & PRINT_JSON)) {
		json_member(p, key);
		if (quote)
			json_string(p->f, value);
		else
			fputs(value, p->f);
	} else if (!p->json && (t & PRINT_TEXT)) {
		if (!tkey)
			tkey = key;
		if (!p->bol)
			fputc(' ', p->f);
		if (tkey)
			fprintf(p->f, "%s ", tkey);
		fputs(value, p->f);
		p->bol = false;
	}
}

void print_string(struct printer *p, enum print_type t, const char *key,
		  const char *tkey, const char *value)
{
	print_value(p, t, key, tkey, value, true);
}

void print_uint(struct printer *p, enum print_type t, const char *key,
		const char *tkey, uint64_t value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)value);
	print_value(p, t, key, tkey, buf, false);
}

/*
 * A number given as its decimal text (a counter read from /proc, passed
 * through unchanged). The caller has checked that it is a JSON number.
 */
void print_decimal(struct printer *p, enum print_type t, const char *key,
		   const char *tkey, const char *digits)
{
	print_value(p, t, key, tkey, digits, false);
}

/*
 * A flag: JSON true or false; in text the bare key when set (like "hold"
 * on a join line), nothing when not.
 */
void print_flag(struct printer *p, const char *key, bool value)
{
	if (p->json)
		print_value(p, PRINT_JSON, key, NULL,
			    value ? "true" : "false", false);
	else if (value)
		print_value(p, PRINT_TEXT, NULL, NULL, key, false);
}

/* A boolean: JSON true or false, text "key 1" or "key 0". */
void print_bool(struct printer *p, enum print_type t, const char *key,
		const char *tkey, bool value)
{
	if (p->json)
		print_value(p, t, key, tkey, value ? "true" : "false", false);
	else
		print_value(p, t, key, tkey, value ? "1" : "0", false);
}

/* Text: end the record's line. */
void print_nl(struct printer *p)
{
	if (p->json)
		return;
	fputc('\n', p->f);
	p->bol = true;
}
