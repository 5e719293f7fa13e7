// SPDX-License-Identifier: GPL-2.0
/*
 * mchostctl: stats, the counters of /proc/net/mchost/{igmp,mld}.
 *
 *   igmp rcv_total 5                    (one line per counter)
 *   {"igmp":{"rcv_total":5,...},"mld":{...}}
 */
#include "mchostctl.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A counter as printed by the kernel: a JSON-safe decimal integer. */
static bool is_json_int(const char *s)
{
	if (*s == '-')
		s++;
	if (!isdigit((unsigned char)*s) || (s[0] == '0' && s[1]))
		return false;
	while (isdigit((unsigned char)*s))
		s++;
	return !*s;
}

/*
 * Print the "name value" lines of @path, the counters of @fam. Returns 0,
 * -ENOENT if the file does not exist, or -1 after reporting the error.
 */
static int stats_file(const struct ctx *ctx, const char *path,
		      const char *fam, struct printer *p)
{
	struct words w = { 0 };
	unsigned long lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return -ENOENT;
		error_msg(ctx, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		lineno++;
		if (strlen(line) != (size_t)len) {
			rc = -1;
			break;
		}
		split_words(line, &w);
		if (!w.n)
			continue;
		if (w.n != 2 || !is_json_int(w.v[1])) {
			rc = -1;
			break;
		}
		print_string(p, PRINT_TEXT, NULL, NULL, fam);
		print_decimal(p, PRINT_ANY, w.v[0], NULL, w.v[1]);
		print_nl(p);
	}
	if (rc)
		error_msg(ctx, "%s: line %lu: not a \"name value\" line",
			  path, lineno);
	else if (ferror(f))
		error_msg(ctx, "cannot read %s: %s", path, strerror(errno));
	if (ferror(f))
		rc = -1;
	fclose(f);
	free(line);
	free(w.v);
	return rc;
}

int run_stats(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	      uint32_t seq)
{
	static const char *const fams[] = { "igmp", "mld" };
	struct printer p;
	char *text = NULL;
	size_t text_len = 0;
	int rc = 0;
	size_t i;
	FILE *out;

	/* Read from /proc: no netlink, no arguments. */
	(void)nl;
	(void)c;
	(void)seq;
	out = open_memstream(&text, &text_len);
	if (!out) {
		error_msg(ctx, "open_memstream: %s", strerror(errno));
		return 1;
	}
	print_init(&p, out, ctx);
	open_object(&p, NULL);
	for (i = 0; !rc && i < ARRAY_SIZE(fams); i++) {
		char *path = xasprintf("%s/%s", MCHOST_PROC_DIR, fams[i]);

		open_object(&p, fams[i]);
		rc = stats_file(ctx, path, fams[i], &p);
		close_object(&p);
		free(path);
	}
	close_object(&p);
	if (fclose(out)) {
		error_msg(ctx, "cannot buffer output: %s", strerror(errno));
		rc = -1;
	}
	if (rc == -ENOENT)
		error_msg(ctx, "mchost is not loaded");
	if (!rc && write_out(ctx, text, text_len))
		rc = -1;
	free(text);
	return rc ? 1 : 0;
}
