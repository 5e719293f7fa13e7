// SPDX-License-Identifier: GPL-2.0
/*
 * mchostctl: batch mode, -b FILE (or - for stdin), like "ip -batch". Its
 * pipeline (batch_queue(), batch_flush()) also carries flush and apply
 * (apply.c).
 *
 * One command per line over one netlink socket. Joins and leaves are
 * pipelined: many go out in one datagram and their acks are matched to
 * their lines later, so thousands of lines take well under a second. A
 * line that prints (show, ifaces, stats) or runs its own dump (flush)
 * first waits for every earlier ack, so it sees their effect. Errors are
 * printed in line order.
 */
#include "mchostctl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Requests per send() in batch mode are packed up to this many bytes. */
#define BATCH_SEND_MAX (64 * 1024)

/*
 * Joins of at most this many bytes each go into batch JOINs (the kernel
 * takes RTNL once for each, and packs their reports); a bigger one, with
 * many sources, is a request of its own.
 */
#define MEMBERSHIP_BATCH_MAX 1024

/*
 * Receive buffer asked for in batch mode. Unread acks sit in it while we
 * keep sending; the kernel drops them (ENOBUFS) once it is full.
 */
#define BATCH_RCVBUF (8 * 1024 * 1024)

/*
 * What one queued ack costs in the receive buffer: the skb's truesize, not
 * the few bytes of the message. A capped ack with an extack string fits in
 * a 1 KiB slab object plus the sk_buff head; round up generously.
 */
#define ACK_COST 2048

void batch_init(struct batch *bt, struct nl *nl, const struct ctx *ctx)
{
	int want = BATCH_RCVBUF, got = 0;
	socklen_t len = sizeof(got);

	memset(bt, 0, sizeof(*bt));
	bt->join_off = SIZE_MAX;
	bt->nl = nl;
	bt->ctx = *ctx;
	/*
	 * SO_RCVBUFFORCE passes rmem_max but needs CAP_NET_ADMIN, which
	 * changing memberships needs anyway. If both fail the default
	 * buffer still works, the pipeline is just shallower.
	 */
	if (setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUFFORCE, &want,
		       sizeof(want)) < 0 &&
	    setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &want,
		       sizeof(want)) < 0)
		warn_msg(NULL, "cannot enlarge the netlink receive buffer: %s",
			 strerror(errno));
	if (getsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &got, &len) < 0 ||
	    got <= 0) {
		warn_msg(NULL, "cannot read the netlink receive buffer size: %s",
			 strerror(errno));
		got = 64 * 1024;
	}
	/* Half: the per-ack cost is an estimate, keep a safety margin. */
	bt->window = (size_t)got / 2;
}

void batch_free(struct batch *bt)
{
	size_t i;

	for (i = 0; i < bt->nq; i++) {
		free(bt->q[i].msg);
		free(bt->q[i].what);
		free(bt->q[i].by_name);
	}
	free(bt->q);
	for (i = 0; i < bt->ndevs; i++)
		free(bt->devs[i].name);
	free(bt->devs);
	sbuf_free(&bt->out);
}

/*
 * Queue an outcome for @line, whose request (if any) has sequence number
 * @seq. A batch numbers its requests by line; flush and apply count.
 */
static struct pending *batch_add(struct batch *bt, unsigned long line,
				 uint32_t seq)
{
	struct pending *p;

	bt->q = grow_array(bt->q, &bt->cap, bt->nq + 1, sizeof(*bt->q));
	p = &bt->q[bt->nq++];
	memset(p, 0, sizeof(*p));
	p->seq = seq;
	p->line = line;
	return p;
}

/* Print the outcomes that no earlier line is waiting for any more. */
static void batch_report(struct batch *bt)
{
	while (bt->head < bt->nq && bt->q[bt->head].done) {
		struct pending *p = &bt->q[bt->head++];
		struct ctx lctx = bt->ctx;

		lctx.line = p->line;

		if (p->failed)
			error_msg(&lctx, "%s%s", p->what ? p->what : "",
				  p->msg);
		free(p->msg);
		p->msg = NULL;
		free(p->what);
		p->what = NULL;
		free(p->by_name);
		p->by_name = NULL;
	}
}

/*
 * Record the outcome of a request; @msg (the extack message) may be NULL
 * or empty, and is ignored on success as in nl_transact().
 */
static void batch_settle(struct batch *bt, struct pending *p, int error,
			 const char *msg)
{
	p->done = true;
	bt->cost -= p->cost;
	if (p->missing_ok && (error == -ENOENT || error == -ENODEV))
		error = 0;
	p->failed = error != 0;
	if (error) {
		bt->failed = true;
		p->msg = change_error(p->by_name, error, msg);
	} else if (p->hold) {
		bt->held = true;
	}
	batch_report(bt);
}

/* A line failed before anything was sent for it. */
void batch_error(struct batch *bt, unsigned long line, const char *fmt,
		 ...)
{
	struct pending *p;
	va_list ap;

	bt->failed = true;
	va_start(ap, fmt);
	if (bt->head == bt->nq) {
		struct ctx lctx = bt->ctx;

		lctx.line = line;
		vreport(&lctx, "Error", fmt, ap);
	} else {
		p = batch_add(bt, line, 0);
		p->done = true;
		p->failed = true;
		p->msg = xvasprintf(fmt, ap);
	}
	va_end(ap);
}

/* The first unsettled request of sequence number @seq, or NULL. */
static struct pending *batch_find(struct batch *bt, uint32_t seq)
{
	size_t i;

	/* Acks come in order, so this finds q[head] at once. */
	for (i = bt->head; i < bt->nsent; i++)
		if (!bt->q[i].done && bt->q[i].seq == seq)
			return &bt->q[i];
	return NULL;
}

/* One attribute of a MCHOST_A_FAILED in a batch JOIN's reply. */
static int failed_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	unsigned int type = mnl_attr_get_type(attr);
	enum mnl_attr_data_type want = type == MCHOST_F_MESSAGE ?
				       MNL_TYPE_NUL_STRING : MNL_TYPE_U32;

	if (type && type <= MCHOST_F_MAX && mnl_attr_validate(attr, want) >= 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

/*
 * A batch JOIN's reply: settle each failed membership it lists with its
 * error. The ack that follows settles the others.
 */
static void batch_failures(struct batch *bt, const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		const struct nlattr *tb[MCHOST_F_MAX + 1] = { NULL };
		const char *msg;
		uint32_t index;
		int error;
		size_t i;

		if (mnl_attr_get_type(a) != MCHOST_A_FAILED ||
		    mnl_attr_parse_nested(a, failed_attr_cb, tb) < 0 ||
		    !tb[MCHOST_F_INDEX] || !tb[MCHOST_F_ERROR])
			continue;
		index = mnl_attr_get_u32(tb[MCHOST_F_INDEX]);
		error = -(int)mnl_attr_get_u32(tb[MCHOST_F_ERROR]);
		msg = tb[MCHOST_F_MESSAGE] ?
		      mnl_attr_get_str(tb[MCHOST_F_MESSAGE]) : NULL;
		for (i = bt->head; i < bt->nsent; i++) {
			struct pending *p = &bt->q[i];

			if (!p->done && p->seq == nlh->nlmsg_seq &&
			    p->index == index) {
				batch_settle(bt, p, error, msg);
				break;
			}
		}
	}
}

/* Match the acks and replies in one datagram to their lines. */
static void batch_handle(struct batch *bt, size_t n)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)bt->nl->rbuf;
	int left = n;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		struct pending *p;
		const char *msg;
		int error;

		if (nlh->nlmsg_pid != bt->nl->portid)
			continue;
		if (nlh->nlmsg_type == bt->nl->family) {
			batch_failures(bt, nlh);
			continue;
		}
		if (nlh->nlmsg_type != NLMSG_ERROR)
			continue;
		/* A batch JOIN's ack is every membership's not settled yet. */
		error = decode_status(nlh, &msg);
		while ((p = batch_find(bt, nlh->nlmsg_seq)))
			batch_settle(bt, p, error, msg);
	}
}

/* Give up on the acks still missing. */
static void batch_abandon(struct batch *bt, int error, const char *why)
{
	size_t i;

	for (i = bt->head; i < bt->nsent; i++)
		if (!bt->q[i].done)
			batch_settle(bt, &bt->q[i], error, why);
}

/*
 * The receive buffer overflowed, so some acks were dropped. The kernel
 * handles our requests synchronously inside send(), so every ack that
 * survived is already queued: read those without blocking, and whatever
 * is still missing then is lost for good.
 */
static int batch_overrun(struct batch *bt)
{
	error_msg(NULL, "netlink receive buffer overflow (ENOBUFS), acknowledgements were lost");
	bt->failed = true;
	for (;;) {
		ssize_t n = nl_recv(bt->nl, MSG_DONTWAIT);

		if (n >= 0) {
			batch_handle(bt, n);
			continue;
		}
		if (errno == ENOBUFS)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		error_msg(NULL, "cannot receive netlink acks: %s",
			  strerror(errno));
		batch_abandon(bt, -EIO,
			      "no acknowledgement received, result unknown");
		return -1;
	}
	batch_abandon(bt, -ENOBUFS,
		      "acknowledgement lost in receive buffer overflow, result unknown");
	return 0;
}

/* Read the acks of every request sent. Returns -1 if the socket broke. */
static int batch_collect(struct batch *bt)
{
	while (bt->head < bt->nsent) {
		ssize_t n = nl_recv(bt->nl, 0);

		if (n >= 0) {
			batch_handle(bt, n);
		} else if (errno == ENOBUFS) {
			if (batch_overrun(bt))
				return -1;
		} else {
			error_msg(NULL, "cannot receive netlink acks: %s",
				  strerror(errno));
			batch_abandon(bt, -EIO,
				      "no acknowledgement received, result unknown");
			return -1;
		}
	}
	if (bt->head == bt->nq) {
		bt->nq = 0;
		bt->nsent = 0;
		bt->head = 0;
	}
	return 0;
}

/* Send the requests built so far in one datagram. */
static void batch_send(struct batch *bt)
{
	size_t i, first = bt->nsent;
	int rc;

	bt->nsent = bt->nq;
	bt->join_off = SIZE_MAX;
	if (!bt->out.len)
		return;
	rc = nl_send(bt->nl, bt->out.data, bt->out.len);
	bt->out.len = 0;
	if (!rc)
		return;
	/* A datagram is all or nothing: none of these was seen. */
	for (i = first; i < bt->nq; i++) {
		char *msg;

		if (bt->q[i].done)
			continue;
		msg = xasprintf("cannot send netlink request: %s",
				strerror(-rc));
		batch_settle(bt, &bt->q[i], rc, msg);
		free(msg);
	}
}

/* Send everything and wait for all acks, e.g. before a show line. */
int batch_flush(struct batch *bt)
{
	batch_send(bt);
	return batch_collect(bt);
}

/*
 * dev_lookup() once per name and batch, as "ip -batch" does: a lookup
 * costs a socket() and an ioctl(), several times what sending a JOIN
 * costs. A dev_lookup_t.
 */
int batch_lookup(void *arg, const char *dev, uint32_t *ifindex)
{
	struct batch *bt = arg;
	size_t i;
	int error;

	for (i = 0; i < bt->ndevs; i++) {
		if (!strcmp(bt->devs[i].name, dev)) {
			*ifindex = bt->devs[i].ifindex;
			return 0;
		}
	}
	error = dev_lookup(dev, ifindex);
	if (!error && bt->ndevs < 256) {
		bt->devs = grow_array(bt->devs, &bt->devs_cap, bt->ndevs + 1,
				      sizeof(*bt->devs));
		bt->devs[bt->ndevs].name = xasprintf("%s", dev);
		bt->devs[bt->ndevs++].ifindex = *ifindex;
	}
	return error;
}

/* What a queued request's line needs to be reported. */
static void batch_pending_init(struct batch *bt, struct pending *p,
			       const struct cmd *c, char *what,
			       uint32_t ifindex, size_t cost)
{
	p->cost = cost;
	p->hold = c->hold;
	p->missing_ok = missing_ok(&bt->ctx, c, -ENOENT);
	p->what = what;
	p->by_name = ifindex ? NULL : xasprintf("%s", c->dev);
	bt->cost += cost;
}

/* The membership @c names, as a batch JOIN's key. */
static struct join_key join_key(const struct cmd *c, uint32_t ifindex)
{
	struct join_key k = { .ifindex = ifindex, .group = c->group };

	if (!ifindex)
		snprintf(k.dev, sizeof(k.dev), "%s", c->dev);
	return k;
}

/* FNV-1a of @k's bytes that count. */
static uint32_t join_key_hash(const struct join_key *k)
{
	const unsigned char *p = (const unsigned char *)&k->ifindex;
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < sizeof(k->ifindex); i++)
		h = (h ^ p[i]) * 16777619u;
	for (p = (const unsigned char *)k->dev; *p; p++)
		h = (h ^ *p) * 16777619u;
	for (i = 0; i < k->group.len; i++)
		h = (h ^ k->group.b[i]) * 16777619u;
	return h;
}

/*
 * The slot of membership @k in the open batch JOIN's hash set (linear
 * probing, at most half full): where it is, or the free one it would
 * take; *@found says which.
 */
static size_t batch_join_slot(const struct batch *bt, const struct join_key *k,
			      bool *found)
{
	size_t mask = ARRAY_SIZE(bt->join_set) - 1;
	size_t i = join_key_hash(k) & mask;

	for (; bt->join_set[i]; i = (i + 1) & mask) {
		const struct join_key *o = &bt->join_keys[bt->join_set[i] - 1];

		if (o->ifindex == k->ifindex && !strcmp(o->dev, k->dev) &&
		    o->group.len == k->group.len &&
		    !memcmp(o->group.b, k->group.b, k->group.len)) {
			*found = true;
			return i;
		}
	}
	*found = false;
	return i;
}

/*
 * Queue the JOIN @c as a membership of the open batch JOIN, opening one
 * (with sequence number @seq) if there is none or it is full; @size is
 * what it takes there. As batch_queue().
 */
static int batch_queue_member(struct batch *bt, unsigned long line,
			      uint32_t seq, const struct cmd *c, char *what,
			      uint32_t ifindex, size_t size)
{
	struct join_key key = join_key(c, ifindex);
	size_t cost = ACK_COST + size, hdr, slot;
	struct pending *p;
	char *err = NULL;
	bool again;

	if (bt->nq && bt->cost + cost > bt->window && batch_flush(bt)) {
		free(what);
		return -1;
	}
	/*
	 * A batch JOIN is one change of each membership (its first report
	 * carries the last state): a line that changes one again starts the
	 * next, so that each line's change is reported, as it would be alone.
	 */
	slot = batch_join_slot(bt, &key, &again);
	hdr = bt->join_off == SIZE_MAX || bt->join_n == MCHOST_BATCH_MAX ||
	      again ? MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)) : 0;
	if (bt->out.len && bt->out.len + hdr + size > BATCH_SEND_MAX) {
		batch_send(bt);
		hdr = 1;
	}
	if (hdr) {
		bt->join_off = bt->out.len;
		bt->join_seq = seq;
		bt->join_n = 0;
		memset(bt->join_set, 0, sizeof(bt->join_set));
		build_join_batch(&bt->out, bt->nl->family, seq);
		slot = batch_join_slot(bt, &key, &again);
	}
	if (!add_membership(&bt->out, bt->join_off, c, ifindex, size,
			    &err)) {
		if (!bt->join_n) {	/* send no empty batch */
			bt->out.len = bt->join_off;
			bt->join_off = SIZE_MAX;
		}
		batch_error(bt, line, "%s%s", what ? what : "", err);
		free(what);
		free(err);
		return 0;
	}
	bt->join_keys[bt->join_n] = key;
	bt->join_set[slot] = bt->join_n + 1;
	p = batch_add(bt, line, bt->join_seq);
	p->index = bt->join_n++;
	batch_pending_init(bt, p, c, what, ifindex, cost);
	return 0;
}

/*
 * Queue the JOIN/LEAVE @c, whose device @lookup resolves: its outcome is
 * reported for @line (0: none), with @what (allocated, taken over; or
 * NULL) before its error message. Returns -1 if the batch cannot go on.
 */
int batch_queue(struct batch *bt, unsigned long line, uint32_t seq,
		const struct cmd *c, char *what, dev_lookup_t lookup,
		void *arg)
{
	size_t size, cost, unused;
	struct pending *p;
	uint32_t ifindex;
	char *err = NULL;
	int rc;

	rc = change_target(bt->nl, &bt->ctx, c, lookup, arg, &ifindex, &err);
	if (rc == 1) {
		free(what);
		return 0;
	}
	if (rc) {
		batch_error(bt, line, "%s%s", what ? what : "", err);
		free(what);
		free(err);
		return 0;
	}
	/* A join goes into a batch JOIN when the kernel knows them. */
	size = c->desc->genl_cmd == MCHOST_CMD_JOIN &&
	       bt->nl->maxattr >= MCHOST_A_MEMBERSHIP ?
	       membership_size(c, ifindex) : 0;
	if (size && size <= MEMBERSHIP_BATCH_MAX)
		return batch_queue_member(bt, line, seq, c, what, ifindex,
					  size);
	size = change_msg_size(c, ifindex, &unused);
	/* Error acks echo the request unless capped. */
	cost = ACK_COST + (bt->nl->cap_ack ? 0 : NLMSG_ALIGN(size));
	if (bt->nq && bt->cost + cost > bt->window && batch_flush(bt)) {
		free(what);
		return -1;
	}
	if (bt->out.len && bt->out.len + size > BATCH_SEND_MAX)
		batch_send(bt);

	/*
	 * The sequence number only has to be unique among the requests in
	 * flight, so wrapping past 2^32 is harmless.
	 */
	bt->join_off = SIZE_MAX;
	if (!build_change(&bt->out, bt->nl->family, seq, c, ifindex, &err)) {
		batch_error(bt, line, "%s%s", what ? what : "", err);
		free(what);
		free(err);
		return 0;
	}
	p = batch_add(bt, line, seq);
	batch_pending_init(bt, p, c, what, ifindex, cost);
	return 0;
}

/* Queue the JOIN/LEAVE of batch line @line; its number is its seq. */
static int batch_change(struct batch *bt, unsigned long line,
			const struct cmd *c)
{
	return batch_queue(bt, line, (uint32_t)line, c, NULL, batch_lookup,
			   bt);
}

/* Run one batch line. Returns -1 if the batch cannot go on. */
static int batch_line(struct batch *bt, unsigned long line, char *text,
		      size_t len, struct words *w)
{
	struct ctx lctx = bt->ctx;
	struct cmd c;
	char *err;
	int rc = 0;

	lctx.line = line;
	if (strlen(text) != len) {
		batch_error(bt, line, "line contains a NUL byte");
		return 0;
	}
	split_words(text, w);
	if (!w->n || w->v[0][0] == '#')
		return 0;
	err = parse_cmd(w->n, w->v, &c);
	if (err) {
		batch_error(bt, line, "%s", err);
		free(err);
	} else if (c.desc->flags & CMDF_NO_BATCH) {
		batch_error(bt, line, "%s cannot be a line of a batch",
			    c.desc->name);
	} else if (c.help) {
		/* Printed in order with the output of earlier lines. */
		rc = batch_flush(bt);
		if (!rc) {
			cmd_usage(stdout, c.desc);
			fflush(stdout);
		}
	} else if (c.desc->flags & CMDF_CHANGE) {
		rc = batch_change(bt, line, &c);
	} else {
		/* Flush first: the output must reflect every earlier line. */
		rc = batch_flush(bt);
		if (!rc && c.desc->run(cmd_netlink(&c) ? bt->nl : NULL,
				       &lctx, &c,
				       (uint32_t)line))
			bt->failed = true;
	}
	cmd_free(&c);
	return rc;
}

/* Line reader on a file descriptor that knows when it is about to block. */
struct reader {
	int fd;
	char *buf;
	size_t start, end;	/* unread input is buf[start..end) */
	size_t cap;
	bool eof;
};

/*
 * Return the next line of @r (NUL-terminated, without its newline, valid
 * until the next call) in *@line and its length in *@len: 1, or 0 at the
 * end of the input, or -1 on a read error. Before a read that would block,
 * @idle() runs, so that input from a terminal or a slow pipe takes effect
 * line by line, while a file or a fast pipe is still pipelined in bulk.
 */
static int reader_line(struct reader *r, char **line, size_t *len,
		       void (*idle)(void *arg), void *arg)
{
	for (;;) {
		size_t avail = r->end - r->start;
		char *nl = memchr(r->buf + r->start, '\n', avail);
		struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
		ssize_t n;

		if (nl || (r->eof && avail)) {
			*line = r->buf + r->start;
			*len = nl ? (size_t)(nl - *line) : avail;
			(*line)[*len] = '\0';	/* cap > end: there is room */
			r->start += *len + (nl ? 1 : 0);
			return 1;
		}
		if (r->eof)
			return 0;
		memmove(r->buf, r->buf + r->start, avail);
		r->start = 0;
		r->end = avail;
		if (r->cap - r->end < 4096 + 1)
			r->buf = grow_array(r->buf, &r->cap, r->cap * 2, 1);
		if (idle && poll(&pfd, 1, 0) == 0)
			idle(arg);
		n = read(r->fd, r->buf + r->end, r->cap - r->end - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			r->eof = true;
		r->end += n;
	}
}

static void batch_idle(void *arg)
{
	struct batch *bt = arg;

	if (batch_flush(bt))
		bt->broken = true;
}

int run_batch(const char *path, const struct ctx *ctx)
{
	bool use_stdin = !strcmp(path, "-");
	struct reader in = { .cap = 64 * 1024 };
	unsigned long line = 0;
	struct words w = { 0 };
	struct batch bt;
	struct nl nl;
	char *text;
	size_t len;
	int got = 0;

	in.fd = use_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (in.fd < 0) {
		error_msg(ctx, "cannot open %s: %s", path, strerror(errno));
		return 1;
	}
	if (nl_setup(&nl, ctx)) {
		if (!use_stdin)
			close(in.fd);
		return 1;
	}
	in.buf = xrealloc(NULL, in.cap);
	batch_init(&bt, &nl, ctx);
	while (!bt.broken &&
	       (got = reader_line(&in, &text, &len, batch_idle, &bt)) > 0)
		if (batch_line(&bt, ++line, text, len, &w))
			bt.broken = true;
	if (!bt.broken && got < 0) {
		error_msg(ctx, "cannot read %s: %s", path, strerror(errno));
		bt.failed = true;
	}
	if (!bt.broken && batch_flush(&bt))
		bt.broken = true;
	if (bt.broken)
		bt.failed = true;
	free(in.buf);
	free(w.v);
	if (!use_stdin)
		close(in.fd);
	batch_free(&bt);
	if (bt.held)
		hold_forever();
	nl_close(&nl);
	return bt.failed ? 1 : 0;
}

