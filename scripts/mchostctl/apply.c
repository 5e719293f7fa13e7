// SPDX-License-Identifier: GPL-2.0
/*
 * mchostctl: flush and apply, which change many memberships at once. Both
 * start from a dump of the persistent memberships and send their joins and
 * leaves pipelined, through the batch machinery of batch.c.
 */
#include "mchostctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The leave of @m: its device by index, or by name while it is pending. */
static int memb_lookup(void *arg, const char *dev, uint32_t *ifindex)
{
	const struct memb *m = arg;

	(void)dev;
	*ifindex = m->ifindex;
	return m->ifindex ? 0 : -ENODEV;
}

/*
 * Queue the leave of the persistent filter of @m. One that is gone
 * meanwhile, or that only "hold" owners have (a module that cannot dump
 * persistent filters alone lists those too), is no error.
 */
static int queue_leave(struct batch *bt, const struct cmd_desc *leave,
		       unsigned long line, uint32_t seq, struct memb *m)
{
	char abuf[INET6_ADDRSTRLEN];
	struct cmd c = {
		.desc = leave,
		.dev = m->ifname,
		.have_group = true,
		.group = m->group,
		.if_exists = true,
	};

	return batch_queue(bt, line, seq, &c,
			   xasprintf("cannot leave dev %s group %s: ",
				     m->ifname,
				     addr_format(m->group.b, m->group.len,
						 abuf)),
			   memb_lookup, m);
}

static const struct cmd_desc *leave_desc(void)
{
	char *err = NULL;
	const struct cmd_desc *d = cmd_find("leave", &err);

	free(err);
	return d;
}

/* Send what is queued, wait for the outcomes; 1 if anything failed. */
static int batch_finish(struct batch *bt)
{
	if (!bt->broken && batch_flush(bt))
		bt->broken = true;
	return bt->failed || bt->broken;
}

/*
 * flush [dev DEV]: leave every persistent membership (of DEV), as one
 * dump and then the leaves, pipelined.
 */
int run_flush(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	      uint32_t seq)
{
	const struct cmd_desc *leave = leave_desc();
	struct memb *m;
	struct batch bt;
	size_t n, i;
	int rc;

	if (dump_members(nl, ctx, c->dev, seq, &m, &n))
		return 1;
	batch_init(&bt, nl, ctx);
	for (i = 0; i < n && !bt.broken; i++)
		if (queue_leave(&bt, leave, ctx->line, seq + 1 + i, &m[i]))
			bt.broken = true;
	rc = batch_finish(&bt);
	batch_free(&bt);
	free(m);
	return rc;
}

/* One line of an apply file: a join. */
struct want {
	unsigned long line;
	struct cmd c;
	uint32_t ifindex;	/* 0: its device does not exist (pending) */
};

/* Order of wants and memberships: device (index, or name), then group. */
static int key_cmp(uint32_t ia, const char *na, const struct addr *ga,
		   uint32_t ib, const char *nb, const struct addr *gb)
{
	int r;

	if (ia != ib)
		return ia < ib ? -1 : 1;
	if (!ia) {
		r = strcmp(na, nb);
		if (r)
			return r;
	}
	if (ga->len != gb->len)
		return ga->len < gb->len ? -1 : 1;
	return memcmp(ga->b, gb->b, ga->len);
}

static int want_cmp(const void *a, const void *b)
{
	const struct want *x = a, *y = b;

	return key_cmp(x->ifindex, x->c.dev, &x->c.group,
		       y->ifindex, y->c.dev, &y->c.group);
}

static int memb_want_cmp(const void *key, const void *elem)
{
	const struct memb *m = key;
	const struct want *w = elem;

	return key_cmp(m->ifindex, m->ifname, &m->group,
		       w->ifindex, w->c.dev, &w->c.group);
}

/* The whole of @path (- is stdin) into @b, NUL-terminated. */
static int read_all(const char *path, struct sbuf *b)
{
	bool use_stdin = !strcmp(path, "-");
	int fd = use_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	for (;;) {
		char *room = sbuf_room(b, 64 * 1024 + 1);

		n = read(fd, room, 64 * 1024);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		b->len += n;
	}
	if (n < 0)
		n = -errno;
	if (!use_stdin)
		close(fd);
	if (n < 0)
		return n;
	*(char *)sbuf_room(b, 1) = '\0';
	return 0;
}

/*
 * Parse every line of an apply file into @wants. Returns the number of
 * lines that are not joins or do not parse, each reported.
 */
static size_t apply_parse(struct batch *bt, char *text, size_t len,
			  struct want **wants, size_t *nwants)
{
	struct words w = { 0 };
	unsigned long line = 0;
	size_t cap = 0, bad = 0;
	char *p = text, *end = text + len;

	*wants = NULL;
	*nwants = 0;
	while (p < end) {
		char *nl = memchr(p, '\n', end - p);
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct want *wt;
		char *err;

		line++;
		p[n] = '\0';
		if (strlen(p) != n) {
			batch_error(bt, line, "line contains a NUL byte");
			bad++;
			p += n + 1;
			continue;
		}
		split_words(p, &w);
		p += n + 1;
		if (!w.n || w.v[0][0] == '#')
			continue;
		*wants = grow_array(*wants, &cap, *nwants + 1,
				    sizeof(**wants));
		wt = &(*wants)[*nwants];
		err = parse_cmd(w.n, w.v, &wt->c);
		if (!err && (wt->c.help ||
			     wt->c.desc->genl_cmd != MCHOST_CMD_JOIN))
			err = xasprintf("apply takes join lines only, not \"%s\"",
					w.v[0]);
		else if (!err && wt->c.hold)
			err = xasprintf("hold cannot be applied: it ends with mchostctl");
		if (err) {
			batch_error(bt, line, "%s", err);
			free(err);
			cmd_free(&wt->c);
			bad++;
			continue;
		}
		wt->line = line;
		(*nwants)++;
	}
	free(w.v);
	return bad;
}

/*
 * apply FILE: the persistent memberships become exactly the joins of FILE.
 * Each join is sent (full-state, so a listed membership is never left in
 * between), then each persistent membership that FILE does not list is
 * left. A file with a line that is not a valid join changes nothing.
 */
int run_apply(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	      uint32_t seq)
{
	const struct cmd_desc *leave = leave_desc();
	struct want *wants = NULL;
	struct sbuf text = { 0 };
	size_t nwants = 0, n = 0, i, bad;
	unsigned long last = 0;
	struct memb *m = NULL;
	struct batch bt;
	int rc;

	(void)seq;
	rc = read_all(c->arg, &text);
	if (rc) {
		error_msg(ctx, "cannot read %s: %s", c->arg, strerror(-rc));
		sbuf_free(&text);
		return 1;
	}
	batch_init(&bt, nl, ctx);
	bad = apply_parse(&bt, (char *)text.data, text.len - 1, &wants,
			  &nwants);
	if (bad) {
		error_msg(ctx, "%s: %zu line%s with errors, nothing was changed",
			  c->arg, bad, bad == 1 ? "" : "s");
		rc = 1;
		goto out;
	}
	for (i = 0; i < nwants; i++) {
		int error = batch_lookup(&bt, wants[i].c.dev,
					 &wants[i].ifindex);

		if (error)
			wants[i].ifindex = 0;
		last = wants[i].line;
	}
	/* Seq numbers: lines for the joins, after the last for the leaves. */
	if (dump_members(nl, ctx, NULL, (uint32_t)last + 1, &m, &n)) {
		rc = 1;
		goto out;
	}
	for (i = 0; i < nwants && !bt.broken; i++)
		if (batch_queue(&bt, wants[i].line, (uint32_t)wants[i].line,
				&wants[i].c, NULL, batch_lookup, &bt))
			bt.broken = true;
	qsort(wants, nwants, sizeof(*wants), want_cmp);
	for (i = 0; i < n && !bt.broken; i++) {
		if (bsearch(&m[i], wants, nwants, sizeof(*wants),
			    memb_want_cmp))
			continue;
		if (queue_leave(&bt, leave, 0, (uint32_t)(last + 2 + i),
				&m[i]))
			bt.broken = true;
	}
	rc = batch_finish(&bt);
out:
	for (i = 0; i < nwants; i++)
		cmd_free(&wants[i].c);
	free(wants);
	free(m);
	batch_free(&bt);
	sbuf_free(&text);
	return rc;
}
