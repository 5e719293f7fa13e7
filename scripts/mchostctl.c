// SPDX-License-Identifier: GPL-2.0
/*
 * mchostctl - control the mchost IGMP/MLD membership engine.
 *
 * Memberships are changed and listed through the "mchost" generic netlink
 * family (include/uapi/linux/mchost.h); protocol counters are read from
 * /proc/net/mchost. The command syntax is a contract that scripts rely on,
 * and "show" prints lines that are valid "join" arguments.
 *
 * Exit status: 0 success, 1 error, 2 usage error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/mchost.h>

#ifndef MCHOST_PROC_DIR
#define MCHOST_PROC_DIR "/proc/net/mchost"
#endif

#define EXIT_USAGE 2

#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __noreturn __attribute__((noreturn))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Requests per send() in batch mode are packed up to this many bytes. */
#define BATCH_SEND_MAX (64 * 1024)

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

/* Start size of the receive buffer; it grows when a datagram is larger. */
#define RBUF_INIT (64 * 1024)

static const char *const usage_text =
	"Usage: mchostctl [-j] [-d] [-b FILE] COMMAND\n"
	"       mchostctl -h\n"
	"Commands:\n"
	"  join  dev DEV group G [mode include|exclude] [source S]... [hold]\n"
	"  leave dev DEV group G\n"
	"  show  [dev DEV]\n"
	"  ifaces [dev DEV]\n"
	"  stats\n"
	"Options:\n"
	"  -j, --json        JSON output for show, ifaces and stats\n"
	"  -d, --details     ifaces: also the querier state of each protocol\n"
	"  -b, --batch FILE  run the commands in FILE, one per line (- is stdin)\n"
	"  -h, --help        print this help\n";

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static void out_of_memory(void)
{
	fputs("Error: out of memory\n", stderr);
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

/* Make room for at least @need elements of @size bytes in @arr. */
static void *grow_array(void *arr, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 8;

	if (need <= *cap)
		return arr;
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

__printf(1, 0)
static char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		out_of_memory();
	return s;
}

__printf(1, 2)
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

/* What a command runs with: output format and, in batch mode, the line. */
struct ctx {
	bool json;
	unsigned long line;	/* 0 outside batch mode */
};

__printf(3, 0)
static void vreport(const struct ctx *ctx, const char *what,
		    const char *fmt, va_list ap)
{
	/* One fprintf per message so that lines never interleave. */
	char *msg = xvasprintf(fmt, ap);

	if (ctx && ctx->line)
		fprintf(stderr, "%s: line %lu: %s\n", what, ctx->line, msg);
	else
		fprintf(stderr, "%s: %s\n", what, msg);
	free(msg);
}

__printf(2, 3)
static void error_msg(const struct ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(ctx, "Error", fmt, ap);
	va_end(ap);
}

__printf(2, 3)
static void warn_msg(const struct ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(ctx, "Warning", fmt, ap);
	va_end(ap);
}

/* strerror() of a kernel error code, whatever its sign. */
static const char *errtext(int error)
{
	if (error == INT_MIN)
		return strerror(EPROTO);
	return strerror(error < 0 ? -error : error);
}

/* Growable byte buffer holding netlink messages back to back. */
struct sbuf {
	unsigned char *data;
	size_t len;
	size_t cap;
};

/*
 * Return @n zeroed bytes at the end of @b without appending them; the
 * caller builds a message there and then adds its length to b->len.
 */
static void *sbuf_room(struct sbuf *b, size_t n)
{
	if (n > SIZE_MAX - b->len)
		out_of_memory();
	b->data = grow_array(b->data, &b->cap, b->len + n, 1);
	memset(b->data + b->len, 0, n);
	return b->data + b->len;
}

static void sbuf_free(struct sbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* Whitespace-separated words of a line; points into the line. */
struct words {
	char **v;
	size_t n;
	size_t cap;
};

/* Split @line in place. Device names cannot contain whitespace. */
static void split_words(char *line, struct words *w)
{
	char *p = line;

	w->n = 0;
	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		w->v = grow_array(w->v, &w->cap, w->n + 1, sizeof(*w->v));
		w->v[w->n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
	}
}

/* ------------------------------------------------------------------ */
/* Addresses and JSON                                                  */

struct addr {
	uint8_t len;		/* 4 or 16 */
	unsigned char b[16];	/* network byte order */
};

static bool addr_parse(const char *s, struct addr *a)
{
	if (inet_pton(AF_INET, s, a->b) == 1) {
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
static const char *addr_format(const void *b, size_t len,
			       char buf[INET6_ADDRSTRLEN])
{
	int af = len == 4 ? AF_INET : AF_INET6;

	if ((len != 4 && len != 16) ||
	    !inet_ntop(af, b, buf, INET6_ADDRSTRLEN))
		return NULL;
	return buf;
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
static void json_string(FILE *f, const char *s)
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

/* ------------------------------------------------------------------ */
/* Command line of one command                                         */

enum cmd_kind {
	CMD_JOIN,
	CMD_LEAVE,
	CMD_SHOW,
	CMD_IFACES,
	CMD_STATS,
};

struct cmd {
	enum cmd_kind kind;
	const char *dev;	/* NULL if not given */
	bool have_group;
	struct addr group;
	uint8_t fmode;		/* enum mchost_fmode */
	bool hold;
	struct addr *src;
	size_t nsrc;
	size_t src_cap;
};

static void cmd_free(struct cmd *c)
{
	free(c->src);
	c->src = NULL;
	c->nsrc = 0;
	c->src_cap = 0;
}

/*
 * Parse one command (argv[0] is its name) into @c. Returns NULL, or the
 * usage problem as an allocated string. @c must be freed with cmd_free()
 * either way; it points into @argv.
 */
static char *parse_cmd(int argc, char *const argv[], struct cmd *c)
{
	const char *name;
	bool have_mode = false;
	int i;

	memset(c, 0, sizeof(*c));
	if (argc < 1)
		return xasprintf("no command given");
	name = argv[0];
	if (!strcmp(name, "join"))
		c->kind = CMD_JOIN;
	else if (!strcmp(name, "leave"))
		c->kind = CMD_LEAVE;
	else if (!strcmp(name, "show"))
		c->kind = CMD_SHOW;
	else if (!strcmp(name, "ifaces"))
		c->kind = CMD_IFACES;
	else if (!strcmp(name, "stats"))
		c->kind = CMD_STATS;
	else
		return xasprintf("unknown command \"%s\"", name);

	for (i = 1; i < argc; i++) {
		const char *kw = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool change = c->kind == CMD_JOIN || c->kind == CMD_LEAVE;
		bool takes_value = true;

		if (!strcmp(kw, "dev") && c->kind != CMD_STATS) {
			if (!val)
				goto no_value;
			if (c->dev)
				goto twice;
			c->dev = val;
		} else if (!strcmp(kw, "group") && change) {
			if (!val)
				goto no_value;
			if (c->have_group)
				goto twice;
			if (!addr_parse(val, &c->group))
				return xasprintf("invalid group address \"%s\"",
						 val);
			c->have_group = true;
		} else if (!strcmp(kw, "mode") && c->kind == CMD_JOIN) {
			if (!val)
				goto no_value;
			if (have_mode)
				goto twice;
			if (!strcmp(val, "include"))
				c->fmode = MCHOST_FMODE_INCLUDE;
			else if (!strcmp(val, "exclude"))
				c->fmode = MCHOST_FMODE_EXCLUDE;
			else
				return xasprintf("invalid mode \"%s\" (expected include or exclude)",
						 val);
			have_mode = true;
		} else if (!strcmp(kw, "source") && c->kind == CMD_JOIN) {
			if (!val)
				goto no_value;
			c->src = grow_array(c->src, &c->src_cap, c->nsrc + 1,
					    sizeof(*c->src));
			if (!addr_parse(val, &c->src[c->nsrc]))
				return xasprintf("invalid source address \"%s\"",
						 val);
			c->nsrc++;
		} else if (!strcmp(kw, "hold") && c->kind == CMD_JOIN) {
			if (c->hold)
				goto twice;
			c->hold = true;
			takes_value = false;
		} else {
			return xasprintf("unexpected argument \"%s\" for %s",
					 kw, name);
		}
		if (takes_value)
			i++;
		continue;
no_value:
		return xasprintf("missing value after \"%s\"", kw);
twice:
		return xasprintf("\"%s\" given more than once", kw);
	}

	if (c->kind == CMD_JOIN || c->kind == CMD_LEAVE) {
		if (!c->dev)
			return xasprintf("%s needs \"dev DEV\"", name);
		if (!c->have_group)
			return xasprintf("%s needs \"group G\"", name);
	}
	/*
	 * Sources alone ask for those sources only (INCLUDE); no sources ask
	 * for any source, which is EXCLUDE {}.
	 */
	if (c->kind == CMD_JOIN && !have_mode)
		c->fmode = c->nsrc ? MCHOST_FMODE_INCLUDE :
				     MCHOST_FMODE_EXCLUDE;
	return NULL;
}

/*
 * if_nametoindex() in the caller's netns. Returns 0 with the reason in
 * *@err (allocated) if there is no such device.
 */
static uint32_t dev_index(const char *dev, char **err)
{
	unsigned int idx = if_nametoindex(dev);

	if (idx)
		return idx;
	if (errno == ENODEV || errno == ENXIO)
		*err = xasprintf("unknown device %s", dev);
	else
		*err = xasprintf("cannot look up device %s: %s", dev,
				 strerror(errno));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Netlink messages                                                    */

/* Room one attribute with @len bytes of payload takes, padding included. */
static size_t attr_size(size_t len)
{
	return MNL_ALIGN(MNL_ATTR_HDRLEN + len);
}

static struct nlmsghdr *put_genl_header(void *buf, uint16_t type,
					uint16_t flags, uint32_t seq,
					uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

/*
 * Exact size of the JOIN/LEAVE message for @c, and in *@nest_len the
 * length of its SOURCES nest, which must fit nla_len (16 bits).
 */
static size_t change_msg_size(const struct cmd *c, size_t *nest_len)
{
	size_t n = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr));
	size_t i;

	n += attr_size(sizeof(uint32_t));		/* IFINDEX */
	n += attr_size(c->group.len);		/* GROUP */
	*nest_len = 0;
	if (c->kind == CMD_JOIN) {
		n += attr_size(sizeof(uint8_t));	/* FMODE */
		if (c->nsrc) {
			*nest_len = MNL_ATTR_HDRLEN;
			for (i = 0; i < c->nsrc; i++)
				*nest_len += attr_size(c->src[i].len);
			n += *nest_len;
		}
	}
	if (!c->hold)
		n += attr_size(0);			/* PERSISTENT */
	return n;
}

/*
 * Append the JOIN or LEAVE request for @c to @b. Returns its length, or 0
 * with *@err set when it cannot be encoded.
 */
static size_t build_change(struct sbuf *b, uint16_t family, uint32_t seq,
			   const struct cmd *c, uint32_t ifindex, char **err)
{
	uint8_t gcmd = c->kind == CMD_JOIN ? MCHOST_CMD_JOIN : MCHOST_CMD_LEAVE;
	size_t nest_len, size = change_msg_size(c, &nest_len);
	struct nlmsghdr *nlh;
	bool ok;
	size_t i;

	if (nest_len > UINT16_MAX || size > UINT32_MAX) {
		*err = xasprintf("too many sources (%zu) for one netlink message",
				 c->nsrc);
		return 0;
	}
	nlh = put_genl_header(sbuf_room(b, size), family,
			      NLM_F_REQUEST | NLM_F_ACK, seq, gcmd,
			      MCHOST_GENL_VERSION);
	/* The _check variants make a wrong size computation harmless. */
	ok = mnl_attr_put_u32_check(nlh, size, MCHOST_A_IFINDEX, ifindex) &&
	     mnl_attr_put_check(nlh, size, MCHOST_A_GROUP, c->group.len,
				c->group.b);
	if (ok && c->kind == CMD_JOIN) {
		ok = mnl_attr_put_u8_check(nlh, size, MCHOST_A_FMODE,
					   c->fmode);
		if (ok && c->nsrc) {
			struct nlattr *nest;

			nest = mnl_attr_nest_start_check(nlh, size,
							 MCHOST_A_SOURCES);
			ok = nest;
			for (i = 0; ok && i < c->nsrc; i++)
				ok = mnl_attr_put_check(nlh, size,
							MCHOST_A_SOURCE,
							c->src[i].len,
							c->src[i].b);
			if (ok)
				mnl_attr_nest_end(nlh, nest);
		}
	}
	/* A held membership belongs to this socket, not to the netns. */
	if (ok && !c->hold)
		ok = mnl_attr_put_check(nlh, size, MCHOST_A_PERSISTENT, 0, "");
	if (!ok || nlh->nlmsg_len != size) {
		*err = xasprintf("internal error: request size mismatch");
		return 0;
	}
	b->len += size;
	return size;
}

/* Append a dump request (of GET_GROUP or GET_IFACE) to @b. */
static struct nlmsghdr *build_dump(struct sbuf *b, uint16_t family,
				   uint32_t seq, uint8_t gcmd,
				   uint32_t ifindex)
{
	size_t size = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)) +
		      (ifindex ? attr_size(sizeof(uint32_t)) : 0);
	struct nlmsghdr *nlh;

	nlh = put_genl_header(sbuf_room(b, size), family,
			      NLM_F_REQUEST | NLM_F_DUMP, seq, gcmd,
			      MCHOST_GENL_VERSION);
	if (ifindex)
		mnl_attr_put_u32(nlh, MCHOST_A_IFINDEX, ifindex);
	b->len += nlh->nlmsg_len;
	return nlh;
}

static struct nlmsghdr *build_getfamily(struct sbuf *b, uint32_t seq)
{
	size_t size = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)) +
		      attr_size(sizeof(MCHOST_GENL_NAME));
	struct nlmsghdr *nlh;

	nlh = put_genl_header(sbuf_room(b, size), GENL_ID_CTRL,
			      NLM_F_REQUEST | NLM_F_ACK, seq,
			      CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, MCHOST_GENL_NAME);
	b->len += nlh->nlmsg_len;
	return nlh;
}

static int ack_attr_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		*(const char **)data = mnl_attr_get_str(attr);
	return MNL_CB_OK;
}

/*
 * Decode the status of an NLMSG_ERROR (ack) or NLMSG_DONE message: returns
 * 0 or a negative errno, and the extended ack message (pointing into
 * @nlh) in *@msg, or NULL.
 */
static int decode_status(const struct nlmsghdr *nlh, const char **msg)
{
	const unsigned char *p = mnl_nlmsg_get_payload(nlh);
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	size_t off;
	int error;

	*msg = NULL;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr e;

		if (plen < sizeof(e))
			return -EBADMSG;
		memcpy(&e, p, sizeof(e));
		error = e.error;
		off = sizeof(e);
		/*
		 * Unless capped, the kernel echoes the payload of our request
		 * after its header; the TLVs follow that.
		 */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			if (e.msg.nlmsg_len < NLMSG_HDRLEN ||
			    e.msg.nlmsg_len > plen)
				goto out;
			off += NLMSG_ALIGN(e.msg.nlmsg_len - NLMSG_HDRLEN);
		}
	} else {
		if (plen < sizeof(error))
			return 0;
		memcpy(&error, p, sizeof(error));
		off = NLMSG_ALIGN(sizeof(error));
	}
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off < plen)
		mnl_attr_parse(nlh, off, ack_attr_cb, (void *)msg);
out:
	if (error == INT_MIN)
		return -EPROTO;
	return error > 0 ? -error : error;
}

/* ------------------------------------------------------------------ */
/* Netlink socket                                                      */

struct nl {
	struct mnl_socket *sk;
	int fd;
	uint32_t portid;
	uint16_t family;	/* id of "mchost" */
	bool cap_ack;		/* error acks do not echo the request */
	unsigned char *rbuf;
	size_t rbuf_size;
};

/* Outcome of one request/response exchange. */
struct nl_reply {
	int error;	/* 0 or negative errno */
	char *msg;	/* the error text */
	bool intr;	/* the dump was interrupted (NLM_F_DUMP_INTR) */
};

static void nl_reply_free(struct nl_reply *r)
{
	free(r->msg);
	r->msg = NULL;
}

static void nl_close(struct nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	free(nl->rbuf);
	memset(nl, 0, sizeof(*nl));
}

static int nl_open(struct nl *nl, const struct ctx *ctx)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->sk = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sk) {
		error_msg(ctx, "cannot open generic netlink socket: %s",
			  strerror(errno));
		return -1;
	}
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		error_msg(ctx, "cannot bind netlink socket: %s",
			  strerror(errno));
		nl_close(nl);
		return -1;
	}
	nl->fd = mnl_socket_get_fd(nl->sk);
	nl->portid = mnl_socket_get_portid(nl->sk);
	/*
	 * Both are optional: without extended acks errors are printed with
	 * strerror(), without capped acks they echo the request, which
	 * decode_status() copes with.
	 */
	if (setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one,
		       sizeof(one)) < 0 && errno != ENOPROTOOPT) {
		error_msg(ctx, "cannot enable extended acks: %s",
			  strerror(errno));
		nl_close(nl);
		return -1;
	}
	nl->cap_ack = setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one,
				 sizeof(one)) == 0;
	nl->rbuf_size = RBUF_INIT;
	/* Slack so that no message walk can step past the allocation. */
	nl->rbuf = xrealloc(NULL, nl->rbuf_size + NLMSG_ALIGNTO);
	return 0;
}

static int nl_send(struct nl *nl, const void *buf, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n;

	do {
		n = sendto(nl->fd, buf, len, 0, (struct sockaddr *)&kernel,
			   sizeof(kernel));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EMSGSIZE;
	return 0;
}

/*
 * Receive one datagram from the kernel into nl->rbuf. Returns its length,
 * or -1 with errno set (ENOBUFS: the receive buffer overflowed and
 * messages were dropped).
 */
static ssize_t nl_recv(struct nl *nl, int flags)
{
	for (;;) {
		struct sockaddr_nl from;
		struct iovec iov = {
			.iov_base = nl->rbuf,
			.iov_len = nl->rbuf_size,
		};
		struct msghdr mh = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
		};
		ssize_t n;

		/* Peek at the real size first: a truncated reply is lost. */
		n = recvmsg(nl->fd, &mh, flags | MSG_PEEK | MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if ((size_t)n > nl->rbuf_size) {
			if (n > INT_MAX - NLMSG_ALIGNTO) {
				errno = EMSGSIZE;
				return -1;
			}
			nl->rbuf_size = n;
			nl->rbuf = xrealloc(nl->rbuf,
					    nl->rbuf_size + NLMSG_ALIGNTO);
			continue;
		}
		mh.msg_namelen = sizeof(from);
		n = recvmsg(nl->fd, &mh, flags);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			errno = EMSGSIZE;
			return -1;
		}
		/* Only the kernel may talk to us. */
		if (mh.msg_namelen != sizeof(from) || from.nl_pid != 0)
			continue;
		memset(nl->rbuf + n, 0, NLMSG_ALIGNTO);
		return n;
	}
}

/* Called for each data message of a reply; returns 0 or negative errno. */
typedef int (*msg_cb_t)(const struct nlmsghdr *nlh, void *data);

/*
 * Send @req and read its reply: data messages go to @cb, the exchange
 * ends with the ack (or, for a dump, NLMSG_DONE). Returns r->error.
 */
static int nl_transact(struct nl *nl, const struct nlmsghdr *req,
		       msg_cb_t cb, void *data, struct nl_reply *r)
{
	bool dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	uint32_t seq = req->nlmsg_seq;
	const struct nlmsghdr *nlh;
	const char *msg;
	int cb_err = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = nl_send(nl, req, req->nlmsg_len);
	if (rc) {
		r->error = rc;
		r->msg = xasprintf("cannot send netlink request: %s",
				   strerror(-rc));
		return rc;
	}
	for (;;) {
		ssize_t n = nl_recv(nl, 0);
		int left;

		if (n < 0) {
			r->error = -errno;
			if (errno == ENOBUFS)
				r->msg = xasprintf("netlink receive buffer overflow, reply lost");
			else
				r->msg = xasprintf("cannot receive netlink reply: %s",
						   strerror(errno));
			return r->error;
		}
		nlh = (const struct nlmsghdr *)nl->rbuf;
		left = n;
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			/* Leftovers of an earlier exchange are not ours. */
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != nl->portid)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				r->intr = true;
			if (nlh->nlmsg_type == NLMSG_ERROR ||
			    (dump && nlh->nlmsg_type == NLMSG_DONE))
				goto done;
			if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			/* After a bad message, keep reading to the end. */
			if (cb && !cb_err)
				cb_err = cb(nlh, data);
		}
	}
done:
	r->error = decode_status(nlh, &msg);
	if (r->error) {
		r->msg = xasprintf("%s", msg && *msg ? msg : errtext(r->error));
	} else if (cb_err) {
		r->error = cb_err;
		r->msg = xasprintf("unexpected reply from the kernel: %s",
				   errtext(cb_err));
	}
	/*
	 * A message on a successful ack is dropped: success prints nothing,
	 * scripts treat any stderr output as a failure.
	 */
	return r->error;
}

static int getfamily_attr_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
		*(uint16_t *)data = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int getfamily_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != GENL_ID_CTRL ||
	    mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return -EBADMSG;
	mnl_attr_parse(nlh, GENL_HDRLEN, getfamily_attr_cb, data);
	return 0;
}

/* Open the socket and look up the family id of "mchost". */
static int nl_setup(struct nl *nl, const struct ctx *ctx)
{
	struct sbuf b = { 0 };
	struct nl_reply r;
	uint16_t id = 0;

	if (nl_open(nl, ctx))
		return -1;
	nl_transact(nl, build_getfamily(&b, 0), getfamily_cb, &id, &r);
	sbuf_free(&b);
	if (r.error == -ENOENT)
		error_msg(ctx, "mchost is not loaded (generic netlink family \"%s\" not found)",
			  MCHOST_GENL_NAME);
	else if (r.error)
		error_msg(ctx, "cannot resolve generic netlink family \"%s\": %s",
			  MCHOST_GENL_NAME, r.msg);
	else if (!id)
		error_msg(ctx, "no id for generic netlink family \"%s\"",
			  MCHOST_GENL_NAME);
	nl_reply_free(&r);
	if (r.error || !id) {
		nl_close(nl);
		return -1;
	}
	nl->family = id;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Dump output                                                         */

/* -d: details (the querier state in ifaces). */
static bool opt_details;

struct dump {
	uint16_t family;
	bool json;
	FILE *out;
	size_t count;
};

static bool addr_attr_ok(const struct nlattr *attr)
{
	uint16_t len = mnl_attr_get_payload_len(attr);

	return len == 4 || len == 16;
}

/* Collect and type-check the attributes of an mchost message. */
static int mchost_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);
	int ok;

	switch (type) {
	case MCHOST_A_IFINDEX:
	case MCHOST_A_OWNERS:
	case MCHOST_A_NGROUPS4:
	case MCHOST_A_NGROUPS6:
	case MCHOST_A_MTU:
		ok = mnl_attr_validate(attr, MNL_TYPE_U32) == 0;
		break;
	case MCHOST_A_FMODE:
	case MCHOST_A_IGMP_VERSION:
	case MCHOST_A_MLD_VERSION:
	case MCHOST_A_UP:
		ok = mnl_attr_validate(attr, MNL_TYPE_U8) == 0;
		break;
	case MCHOST_A_IFNAME:
		ok = mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0;
		break;
	case MCHOST_A_GROUP:
		ok = addr_attr_ok(attr);
		break;
	case MCHOST_A_SOURCES:
	case MCHOST_A_IGMP_STATE:
	case MCHOST_A_MLD_STATE:
		ok = mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0;
		break;
	default:
		/* A newer kernel may add attributes: ignore them. */
		return MNL_CB_OK;
	}
	if (!ok)
		return MNL_CB_ERROR;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int parse_mchost_msg(const struct nlmsghdr *nlh, const struct dump *d,
			    const struct nlattr *tb[MCHOST_A_MAX + 1])
{
	if (nlh->nlmsg_type != d->family ||
	    mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN ||
	    mnl_attr_parse(nlh, GENL_HDRLEN, mchost_attr_cb, tb) == MNL_CB_ERROR)
		return -EBADMSG;
	return 0;
}

/* The device name of a message; @buf backs the if_indextoname() case. */
static const char *msg_dev(const struct nlattr *const tb[],
			   char buf[IF_NAMESIZE + 16])
{
	uint32_t idx;

	if (tb[MCHOST_A_IFNAME])
		return mnl_attr_get_str(tb[MCHOST_A_IFNAME]);
	if (!tb[MCHOST_A_IFINDEX])
		return NULL;
	idx = mnl_attr_get_u32(tb[MCHOST_A_IFINDEX]);
	if (if_indextoname(idx, buf))
		return buf;
	/* Gone meanwhile, or in another netns: still say which one. */
	snprintf(buf, IF_NAMESIZE + 16, "if%" PRIu32, idx);
	return buf;
}

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[MCHOST_A_MAX + 1] = { 0 };
	char abuf[INET6_ADDRSTRLEN], dbuf[IF_NAMESIZE + 16];
	struct dump *d = data;
	const struct nlattr *a;
	const char *dev, *group;
	FILE *f = d->out;
	bool first = true;

	if (parse_mchost_msg(nlh, d, tb))
		return -EBADMSG;
	dev = msg_dev(tb, dbuf);
	if (!dev || !tb[MCHOST_A_GROUP])
		return -EBADMSG;
	/* Validate the sources before printing anything of this entry. */
	if (tb[MCHOST_A_SOURCES])
		mnl_attr_for_each_nested(a, tb[MCHOST_A_SOURCES])
			if (mnl_attr_get_type(a) == MCHOST_A_SOURCE &&
			    !addr_attr_ok(a))
				return -EBADMSG;

	group = addr_format(mnl_attr_get_payload(tb[MCHOST_A_GROUP]),
			    mnl_attr_get_payload_len(tb[MCHOST_A_GROUP]),
			    abuf);
	if (!group)
		return -EBADMSG;
	if (d->json) {
		fputs(d->count ? ",{" : "{", f);
		if (tb[MCHOST_A_IFINDEX])
			fprintf(f, "\"ifindex\":%" PRIu32 ",",
				mnl_attr_get_u32(tb[MCHOST_A_IFINDEX]));
		fputs("\"dev\":", f);
		json_string(f, dev);
		fprintf(f, ",\"group\":\"%s\"", group);
	} else {
		fprintf(f, "dev %s group %s", dev, group);
	}

	if (tb[MCHOST_A_FMODE]) {
		uint8_t mode = mnl_attr_get_u8(tb[MCHOST_A_FMODE]);
		const char *name = mode == MCHOST_FMODE_INCLUDE ? "include" :
				   mode == MCHOST_FMODE_EXCLUDE ? "exclude" :
				   NULL;

		if (name)
			fprintf(f, d->json ? ",\"mode\":\"%s\"" : " mode %s",
				name);
		else
			fprintf(f, d->json ? ",\"mode\":%u" : " mode %u", mode);
	}

	if (d->json)
		fputs(",\"sources\":[", f);
	if (tb[MCHOST_A_SOURCES]) {
		mnl_attr_for_each_nested(a, tb[MCHOST_A_SOURCES]) {
			const char *s;

			if (mnl_attr_get_type(a) != MCHOST_A_SOURCE)
				continue;
			s = addr_format(mnl_attr_get_payload(a),
					mnl_attr_get_payload_len(a), abuf);
			if (d->json)
				fprintf(f, "%s\"%s\"", first ? "" : ",", s);
			else
				fprintf(f, " source %s", s);
			first = false;
		}
	}
	if (d->json)
		fputc(']', f);

	if (tb[MCHOST_A_OWNERS])
		fprintf(f, d->json ? ",\"owners\":%" PRIu32 :
				     " owners %" PRIu32,
			mnl_attr_get_u32(tb[MCHOST_A_OWNERS]));
	fputs(d->json ? "}" : "\n", f);
	d->count++;
	return 0;
}

/*
 * -d: the querier state of one protocol (a nest of enum mchost_state_attr),
 * as "<proto>_<key> value" pairs after the interface's other fields.
 */
static void print_state(FILE *f, bool json, const char *proto,
			const struct nlattr *nest)
{
	static const char *const keys[MCHOST_S_MAX + 1] = {
		[MCHOST_S_RV] = "rv",
		[MCHOST_S_QI_MS] = "qi_ms",
		[MCHOST_S_QRI_MS] = "qri_ms",
		[MCHOST_S_V1_QUERIER_MS] = "v1_querier_ms",
		[MCHOST_S_V2_QUERIER_MS] = "v2_querier_ms",
		[MCHOST_S_GENERAL_MS] = "general_ms",
	};
	const struct nlattr *a;

	if (!nest)
		return;
	mnl_attr_for_each_nested(a, nest) {
		uint16_t type = mnl_attr_get_type(a);
		uint16_t len = mnl_attr_get_payload_len(a);
		uint32_t v;

		if (type > MCHOST_S_MAX || !keys[type] || (len != 1 && len != 4))
			continue;
		v = len == 1 ? mnl_attr_get_u8(a) : mnl_attr_get_u32(a);
		fprintf(f, json ? ",\"%s_%s\":%" PRIu32 : " %s_%s %" PRIu32,
			proto, keys[type], v);
	}
}

static int ifaces_cb(const struct nlmsghdr *nlh, void *data)
{
	/* Output order of the numeric attributes, after "dev". */
	static const struct {
		uint16_t type;
		const char *key;
	} fields[] = {
		{ MCHOST_A_IFINDEX, "ifindex" },
		{ MCHOST_A_UP, "up" },
		{ MCHOST_A_MTU, "mtu" },
		{ MCHOST_A_IGMP_VERSION, "igmp_version" },
		{ MCHOST_A_MLD_VERSION, "mld_version" },
		{ MCHOST_A_NGROUPS4, "groups4" },
		{ MCHOST_A_NGROUPS6, "groups6" },
	};
	const struct nlattr *tb[MCHOST_A_MAX + 1] = { 0 };
	char dbuf[IF_NAMESIZE + 16];
	struct dump *d = data;
	FILE *f = d->out;
	bool first = true;
	const char *dev;
	size_t i;

	if (parse_mchost_msg(nlh, d, tb))
		return -EBADMSG;
	dev = msg_dev(tb, dbuf);
	if (d->json)
		fputs(d->count ? ",{" : "{", f);
	if (dev) {
		if (d->json) {
			fputs("\"dev\":", f);
			json_string(f, dev);
		} else {
			fprintf(f, "dev %s", dev);
		}
		first = false;
	}
	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		const struct nlattr *a = tb[fields[i].type];
		uint32_t v;

		if (!a)
			continue;
		v = mnl_attr_get_payload_len(a) == 1 ? mnl_attr_get_u8(a) :
						       mnl_attr_get_u32(a);
		if (d->json)
			fprintf(f, "%s\"%s\":%" PRIu32, first ? "" : ",",
				fields[i].key, v);
		else
			fprintf(f, "%s%s %" PRIu32, first ? "" : " ",
				fields[i].key, v);
		first = false;
	}
	if (opt_details) {
		print_state(f, d->json, "igmp", tb[MCHOST_A_IGMP_STATE]);
		print_state(f, d->json, "mld", tb[MCHOST_A_MLD_STATE]);
	}
	fputs(d->json ? "}" : "\n", f);
	d->count++;
	return 0;
}

/*
 * Write a command's whole output at once. Flushed right away so that, in
 * a batch, it is not overtaken by the (unbuffered) messages of later lines.
 */
static int write_out(const struct ctx *ctx, const char *text, size_t len)
{
	if (fwrite(text, 1, len, stdout) != len || fflush(stdout)) {
		error_msg(ctx, "cannot write output: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Run a show/ifaces dump and print it. Output is collected in memory first
 * so that a failure half-way never leaves truncated output (or broken
 * JSON) behind.
 */
static int run_dump(struct nl *nl, const struct ctx *ctx,
		    const struct cmd *c, uint32_t seq)
{
	struct dump d = { .family = nl->family, .json = ctx->json };
	struct sbuf req = { 0 };
	const struct nlmsghdr *nlh;
	uint32_t ifindex = 0;
	struct nl_reply r;
	char *text = NULL;
	size_t text_len = 0;
	char *err = NULL;
	int rc = 1;

	if (c->dev) {
		ifindex = dev_index(c->dev, &err);
		if (!ifindex) {
			error_msg(ctx, "%s", err);
			free(err);
			return 1;
		}
	}
	d.out = open_memstream(&text, &text_len);
	if (!d.out) {
		error_msg(ctx, "open_memstream: %s", strerror(errno));
		return 1;
	}
	if (d.json)
		fputc('[', d.out);
	nlh = build_dump(&req, nl->family, seq,
			 c->kind == CMD_SHOW ? MCHOST_CMD_GET_GROUP :
					       MCHOST_CMD_GET_IFACE, ifindex);
	nl_transact(nl, nlh, c->kind == CMD_SHOW ? show_cb : ifaces_cb, &d, &r);
	sbuf_free(&req);
	if (d.json)
		fputs("]\n", d.out);
	if (fclose(d.out)) {
		error_msg(ctx, "cannot buffer output: %s", strerror(errno));
		goto out;
	}
	if (r.error) {
		error_msg(ctx, "%s", r.msg);
		goto out;
	}
	if (write_out(ctx, text, text_len))
		goto out;
	if (r.intr)
		warn_msg(ctx, "dump was interrupted, output may be inconsistent");
	rc = 0;
out:
	nl_reply_free(&r);
	free(text);
	return rc;
}

/* ------------------------------------------------------------------ */
/* stats                                                               */

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
 * Append the "name value" lines of @path to @out. Returns 0, -ENOENT if
 * the file does not exist, or -1 after reporting the error.
 */
static int stats_file(const struct ctx *ctx, const char *path,
		      const char *fam, FILE *out)
{
	struct words w = { 0 };
	unsigned long lineno = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	bool first = true;
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
		if (ctx->json) {
			if (!first)
				fputc(',', out);
			json_string(out, w.v[0]);
			fprintf(out, ":%s", w.v[1]);
		} else {
			fprintf(out, "%s %s %s\n", fam, w.v[0], w.v[1]);
		}
		first = false;
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

static int run_stats(const struct ctx *ctx)
{
	static const char *const fams[] = { "igmp", "mld" };
	char *text = NULL;
	size_t text_len = 0;
	int rc = 0;
	size_t i;
	FILE *out;

	out = open_memstream(&text, &text_len);
	if (!out) {
		error_msg(ctx, "open_memstream: %s", strerror(errno));
		return 1;
	}
	if (ctx->json)
		fputc('{', out);
	for (i = 0; !rc && i < ARRAY_SIZE(fams); i++) {
		char *path = xasprintf("%s/%s", MCHOST_PROC_DIR, fams[i]);

		if (ctx->json)
			fprintf(out, "%s\"%s\":{", i ? "," : "", fams[i]);
		rc = stats_file(ctx, path, fams[i], out);
		if (ctx->json)
			fputc('}', out);
		free(path);
	}
	if (ctx->json)
		fputs("}\n", out);
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

/* ------------------------------------------------------------------ */
/* Single commands                                                     */

static void finish_output(void)
{
	/*
	 * Scripts must see a failed write (full disk, closed pipe) as a
	 * failure: the exit status is the only thing they check.
	 */
	if (fflush(stdout) || ferror(stdout)) {
		error_msg(NULL, "cannot write output: %s", strerror(errno));
		exit(1);
	}
}

/* Keep the socket, and with it the held memberships, until killed. */
static __noreturn void hold_forever(void)
{
	finish_output();
	/* Nothing more is printed: let readers of our stdout see EOF. */
	if (fclose(stdout)) {
		error_msg(NULL, "cannot write output: %s", strerror(errno));
		exit(1);
	}
	for (;;)
		pause();
}

static int run_change(struct nl *nl, const struct ctx *ctx,
		      const struct cmd *c, uint32_t seq)
{
	struct sbuf req = { 0 };
	struct nl_reply r;
	uint32_t ifindex;
	char *err = NULL;

	ifindex = dev_index(c->dev, &err);
	if (!ifindex || !build_change(&req, nl->family, seq, c, ifindex,
				      &err)) {
		error_msg(ctx, "%s", err);
		free(err);
		sbuf_free(&req);
		return 1;
	}
	nl_transact(nl, (struct nlmsghdr *)req.data, NULL, NULL, &r);
	sbuf_free(&req);
	if (r.error)
		error_msg(ctx, "%s", r.msg);
	nl_reply_free(&r);
	return r.error ? 1 : 0;
}

static int run_single(const struct cmd *c, bool json)
{
	const struct ctx ctx = { .json = json };
	struct nl nl;
	int rc;

	if (c->kind == CMD_STATS)
		return run_stats(&ctx);
	if (nl_setup(&nl, &ctx))
		return 1;
	if (c->kind == CMD_JOIN || c->kind == CMD_LEAVE)
		rc = run_change(&nl, &ctx, c, 1);
	else
		rc = run_dump(&nl, &ctx, c, 1);
	if (!rc && c->kind == CMD_JOIN && c->hold)
		hold_forever();
	nl_close(&nl);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Batch mode                                                          */

/*
 * One batch line whose outcome is not printed yet: a JOIN/LEAVE waiting
 * for its ack, or a line that failed locally while earlier lines were
 * still waiting. Outcomes are printed in line order, so that a script
 * sees the same stderr however the requests were pipelined.
 */
struct pending {
	uint32_t seq;
	unsigned long line;
	size_t cost;		/* receive buffer its ack may take */
	bool hold;
	bool done;
	bool failed;
	char *msg;		/* the error to print */
};

struct batch {
	struct nl *nl;
	bool json;
	struct sbuf out;	/* requests built but not sent yet */
	struct pending *q;	/* in line order */
	size_t nq, cap;
	size_t head;		/* q[0..head) printed; q[head] is not done */
	size_t nsent;		/* q[nsent..nq) are not sent yet */
	size_t cost;		/* sum of q[].cost not acked yet */
	size_t window;		/* how much unread acks may take */
	bool failed;
	bool broken;		/* the socket failed, stop */
	bool held;		/* a "hold" join succeeded */
	struct dev_cache {
		char *name;
		uint32_t ifindex;
	} *devs;		/* names resolved so far */
	size_t ndevs, devs_cap;
};

static void batch_init(struct batch *bt, struct nl *nl, bool json)
{
	int want = BATCH_RCVBUF, got = 0;
	socklen_t len = sizeof(got);

	memset(bt, 0, sizeof(*bt));
	bt->nl = nl;
	bt->json = json;
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

static void batch_free(struct batch *bt)
{
	size_t i;

	for (i = 0; i < bt->nq; i++)
		free(bt->q[i].msg);
	free(bt->q);
	for (i = 0; i < bt->ndevs; i++)
		free(bt->devs[i].name);
	free(bt->devs);
	sbuf_free(&bt->out);
}

static struct pending *batch_add(struct batch *bt, unsigned long line)
{
	struct pending *p;

	bt->q = grow_array(bt->q, &bt->cap, bt->nq + 1, sizeof(*bt->q));
	p = &bt->q[bt->nq++];
	memset(p, 0, sizeof(*p));
	p->seq = (uint32_t)line;
	p->line = line;
	return p;
}

/* Print the outcomes that no earlier line is waiting for any more. */
static void batch_report(struct batch *bt)
{
	while (bt->head < bt->nq && bt->q[bt->head].done) {
		struct pending *p = &bt->q[bt->head++];
		const struct ctx lctx = { .json = bt->json, .line = p->line };

		if (p->failed)
			error_msg(&lctx, "%s", p->msg);
		free(p->msg);
		p->msg = NULL;
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
	p->failed = error != 0;
	if (error) {
		bt->failed = true;
		p->msg = xasprintf("%s", msg && *msg ? msg : errtext(error));
	} else if (p->hold) {
		bt->held = true;
	}
	batch_report(bt);
}

/* A line failed before anything was sent for it. */
__printf(3, 4)
static void batch_error(struct batch *bt, unsigned long line,
			const char *fmt, ...)
{
	struct pending *p;
	va_list ap;

	bt->failed = true;
	va_start(ap, fmt);
	if (bt->head == bt->nq) {
		const struct ctx lctx = { .json = bt->json, .line = line };

		vreport(&lctx, "Error", fmt, ap);
	} else {
		p = batch_add(bt, line);
		p->done = true;
		p->failed = true;
		p->msg = xvasprintf(fmt, ap);
	}
	va_end(ap);
}

/* Match the acks in one datagram to their lines. */
static void batch_handle(struct batch *bt, size_t n)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)bt->nl->rbuf;
	int left = n;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		const char *msg;
		size_t i;
		int error;

		if (nlh->nlmsg_type != NLMSG_ERROR ||
		    nlh->nlmsg_pid != bt->nl->portid)
			continue;
		/* Acks come in order, so this finds q[head] at once. */
		for (i = bt->head; i < bt->nsent; i++)
			if (!bt->q[i].done && bt->q[i].seq == nlh->nlmsg_seq)
				break;
		if (i >= bt->nsent)
			continue;
		error = decode_status(nlh, &msg);
		batch_settle(bt, &bt->q[i], error, msg);
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
static int batch_flush(struct batch *bt)
{
	batch_send(bt);
	return batch_collect(bt);
}

/*
 * dev_index() once per name and batch, as "ip -batch" does: a lookup costs
 * a socket() and an ioctl(), several times what sending a JOIN costs.
 */
static uint32_t batch_dev_index(struct batch *bt, const char *dev,
				char **err)
{
	uint32_t idx;
	size_t i;

	for (i = 0; i < bt->ndevs; i++)
		if (!strcmp(bt->devs[i].name, dev))
			return bt->devs[i].ifindex;
	idx = dev_index(dev, err);
	if (idx && bt->ndevs < 256) {
		bt->devs = grow_array(bt->devs, &bt->devs_cap, bt->ndevs + 1,
				      sizeof(*bt->devs));
		bt->devs[bt->ndevs].name = xasprintf("%s", dev);
		bt->devs[bt->ndevs++].ifindex = idx;
	}
	return idx;
}

/* Queue the JOIN/LEAVE of batch line @line. */
static int batch_change(struct batch *bt, unsigned long line,
			const struct cmd *c)
{
	size_t size, cost, unused;
	struct pending *p;
	uint32_t ifindex;
	char *err = NULL;

	ifindex = batch_dev_index(bt, c->dev, &err);
	if (!ifindex) {
		batch_error(bt, line, "%s", err);
		free(err);
		return 0;
	}
	size = change_msg_size(c, &unused);
	/* Error acks echo the request unless capped. */
	cost = ACK_COST + (bt->nl->cap_ack ? 0 : NLMSG_ALIGN(size));
	if (bt->nq && bt->cost + cost > bt->window && batch_flush(bt))
		return -1;
	if (bt->out.len && bt->out.len + size > BATCH_SEND_MAX)
		batch_send(bt);

	/*
	 * The line number is the sequence number; it only has to be unique
	 * among the requests in flight, so wrapping past 2^32 is harmless.
	 */
	if (!build_change(&bt->out, bt->nl->family, (uint32_t)line, c,
			  ifindex, &err)) {
		batch_error(bt, line, "%s", err);
		free(err);
		return 0;
	}
	p = batch_add(bt, line);
	p->cost = cost;
	p->hold = c->hold;
	bt->cost += cost;
	return 0;
}

/* Run one batch line. Returns -1 if the batch cannot go on. */
static int batch_line(struct batch *bt, unsigned long line, char *text,
		      size_t len, struct words *w)
{
	const struct ctx lctx = { .json = bt->json, .line = line };
	struct cmd c;
	char *err;
	int rc = 0;

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
	} else if (c.kind == CMD_JOIN || c.kind == CMD_LEAVE) {
		rc = batch_change(bt, line, &c);
	} else {
		/* Flush first: the output must reflect every earlier line. */
		rc = batch_flush(bt);
		if (!rc && (c.kind == CMD_STATS ? run_stats(&lctx) :
			    run_dump(bt->nl, &lctx, &c, (uint32_t)line)))
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

static int run_batch(const char *path, bool json)
{
	const struct ctx ctx = { .json = json };
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
		error_msg(&ctx, "cannot open %s: %s", path, strerror(errno));
		return 1;
	}
	if (nl_setup(&nl, &ctx)) {
		if (!use_stdin)
			close(in.fd);
		return 1;
	}
	in.buf = xrealloc(NULL, in.cap);
	batch_init(&bt, &nl, json);
	while (!bt.broken &&
	       (got = reader_line(&in, &text, &len, batch_idle, &bt)) > 0)
		if (batch_line(&bt, ++line, text, len, &w))
			bt.broken = true;
	if (!bt.broken && got < 0) {
		error_msg(&ctx, "cannot read %s: %s", path, strerror(errno));
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

/* ------------------------------------------------------------------ */

__printf(1, 2)
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(NULL, "Error", fmt, ap);
	va_end(ap);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "details", no_argument, NULL, 'd' },
		{ "batch", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *batch = NULL;
	bool json = false;
	struct cmd c;
	char *err;
	int opt, rc;

	if (argc < 2) {
		fputs(usage_text, stdout);
		finish_output();
		return EXIT_USAGE;
	}
	opterr = 0;
	/* "+": options end at the command, whose words are not options. */
	while ((opt = getopt_long(argc, argv, "+jdb:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'd':
			opt_details = true;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			finish_output();
			return 0;
		default:
			if (optopt == 'b')
				return usage_error("option -b needs a FILE");
			if (optopt == 'j' || optopt == 'h')
				return usage_error("option %s takes no value",
						   argv[optind - 1]);
			if (optopt)
				return usage_error("unknown option -%c", optopt);
			return usage_error("unknown option %s",
					   argv[optind - 1]);
		}
	}

	if (batch) {
		if (optind < argc)
			return usage_error("no COMMAND allowed with -b");
		rc = run_batch(batch, json);
	} else {
		if (optind >= argc)
			return usage_error("no command given");
		err = parse_cmd(argc - optind, argv + optind, &c);
		if (err) {
			rc = usage_error("%s", err);
			free(err);
			cmd_free(&c);
			return rc;
		}
		rc = run_single(&c, json);
		cmd_free(&c);
	}
	finish_output();
	return rc;
}
