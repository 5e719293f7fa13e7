/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mchostctl - control the mchost IGMP/MLD membership engine.
 *
 * What the files of the CLI share. Each .c file includes this header first.
 *
 *   main.c     entry, options, usage, running one command
 *   cmds.c     the command and keyword tables, parsing, join and leave
 *   dump.c     show and ifaces: generic netlink dumps, printed
 *   stats.c    stats: the counters of /proc/net/mchost
 *   netlink.c  the socket, family lookup, requests, replies, extended acks
 *   batch.c    -b FILE: one command per line over one socket, pipelined
 *   print.c    the printer: the same calls write text or JSON
 *   util.c     memory, messages, addresses, words
 *
 * Exit status: 0 success, 1 error, 2 usage error.
 */
#ifndef MCHOSTCTL_H
#define MCHOSTCTL_H

/* vasprintf() */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <libmnl/libmnl.h>
#include <linux/mchost.h>

#ifndef MCHOST_PROC_DIR
#define MCHOST_PROC_DIR "/proc/net/mchost"
#endif

#define EXIT_USAGE 2

#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __noreturn __attribute__((noreturn))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Room for a device name, or "if<index>" when it has none here. */
#define DEV_NAME_BUF (IF_NAMESIZE + 16)

/* How a command runs: output format and, in batch mode, its line. */
struct ctx {
	bool json;		/* -j */
	bool details;		/* -d */
	unsigned long line;	/* 0 outside batch mode */
};

/* ------------------------------------------------------------------ */
/* util.c                                                              */

void *xrealloc(void *p, size_t n);
void *grow_array(void *arr, size_t *cap, size_t need, size_t size);
__printf(1, 0) char *xvasprintf(const char *fmt, va_list ap);
__printf(1, 2) char *xasprintf(const char *fmt, ...);

/* "Error: [line N: ]msg" on stderr, in one write. */
__printf(3, 0) void vreport(const struct ctx *ctx, const char *what,
			    const char *fmt, va_list ap);
__printf(2, 3) void error_msg(const struct ctx *ctx, const char *fmt, ...);
__printf(2, 3) void warn_msg(const struct ctx *ctx, const char *fmt, ...);

/* Growable byte buffer holding netlink messages back to back. */
struct sbuf {
	unsigned char *data;
	size_t len;
	size_t cap;
};

void *sbuf_room(struct sbuf *b, size_t n);
void sbuf_free(struct sbuf *b);

/* Whitespace-separated words of a line; points into the line. */
struct words {
	char **v;
	size_t n;
	size_t cap;
};

void split_words(char *line, struct words *w);

struct addr {
	uint8_t len;		/* 4 or 16 */
	unsigned char b[16];	/* network byte order */
};

bool addr_parse(const char *s, struct addr *a);
const char *addr_format(const void *b, size_t len,
			char buf[INET6_ADDRSTRLEN]);
uint32_t dev_index(const char *dev, char **err);

/* ------------------------------------------------------------------ */
/* print.c: one printer for text and JSON                             */

/*
 * Which output a value goes to. Containers (objects, arrays) exist in JSON
 * only; a text record is one line, ended by print_nl().
 */
enum print_type {
	PRINT_TEXT = 1 << 0,
	PRINT_JSON = 1 << 1,
	PRINT_ANY = PRINT_TEXT | PRINT_JSON,
};

#define PRINT_MAX_DEPTH 8

struct printer {
	FILE *f;
	bool json;
	bool bol;			/* text: at the start of a line */
	unsigned int depth;		/* JSON: containers open */
	bool used[PRINT_MAX_DEPTH];	/* JSON: container has a member */
};

void print_init(struct printer *p, FILE *f, bool json);
void open_object(struct printer *p, const char *key);
void close_object(struct printer *p);
void open_array(struct printer *p, const char *key);
void close_array(struct printer *p);
void print_string(struct printer *p, enum print_type t, const char *key,
		  const char *tkey, const char *value);
void print_uint(struct printer *p, enum print_type t, const char *key,
		const char *tkey, uint64_t value);
void print_decimal(struct printer *p, enum print_type t, const char *key,
		   const char *tkey, const char *digits);
void print_nl(struct printer *p);
void json_string(FILE *f, const char *s);

/* ------------------------------------------------------------------ */
/* cmds.c: the command table                                           */

struct nl;
struct cmd;

/* Keywords of the command line, as bits of cmd_desc.keys and .needs. */
enum kw_id {
	KW_DEV,
	KW_GROUP,
	KW_MODE,
	KW_SOURCE,
	KW_HOLD,
};

#define KW(k) (1u << (k))

enum cmd_flags {
	/* Talks to the kernel through the "mchost" family. */
	CMDF_NETLINK = 1 << 0,
	/*
	 * Changes state: needs CAP_NET_ADMIN in the netns' user namespace,
	 * and the kernel only acks it, so batch mode pipelines it.
	 */
	CMDF_CHANGE = 1 << 1,
};

/*
 * One command. help, "COMMAND help" and prefix matching walk this table
 * (cmd_find(), cmds_usage()); nothing else knows the command names.
 */
struct cmd_desc {
	const char *name;
	const char *args;	/* its arguments, as in the usage text */
	const char *help;	/* what it does, one line */
	unsigned int keys;	/* keywords it takes: KW() bits */
	unsigned int needs;	/* keywords it cannot do without */
	unsigned int flags;	/* enum cmd_flags */
	uint8_t genl_cmd;	/* CMDF_CHANGE: MCHOST_CMD_JOIN or _LEAVE */
	/* nl is NULL unless CMDF_NETLINK; seq numbers the request. */
	int (*run)(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
		   uint32_t seq);
};

/* One parsed command line. */
struct cmd {
	const struct cmd_desc *desc;
	const char *dev;	/* NULL if not given */
	bool have_group;
	struct addr group;
	uint8_t fmode;		/* enum mchost_fmode */
	bool hold;
	struct addr *src;
	size_t nsrc;
	size_t src_cap;
};

const struct cmd_desc *cmd_find(const char *name);
char *parse_cmd(int argc, char *const argv[], struct cmd *c);
void cmd_free(struct cmd *c);
void cmds_usage(FILE *f);
int run_change(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	       uint32_t seq);

/* dump.c, stats.c */
int run_show(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	     uint32_t seq);
int run_ifaces(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	       uint32_t seq);
int run_stats(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	      uint32_t seq);
int write_out(const struct ctx *ctx, const char *text, size_t len);

/* ------------------------------------------------------------------ */
/* netlink.c                                                           */

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

/* Called for each data message of a reply; returns 0 or negative errno. */
typedef int (*msg_cb_t)(const struct nlmsghdr *nlh, void *data);

const char *errtext(int error);
int nl_setup(struct nl *nl, const struct ctx *ctx);
void nl_close(struct nl *nl);
int nl_send(struct nl *nl, const void *buf, size_t len);
ssize_t nl_recv(struct nl *nl, int flags);
int nl_transact(struct nl *nl, const struct nlmsghdr *req,
		msg_cb_t cb, void *data, struct nl_reply *r);
void nl_reply_free(struct nl_reply *r);
int decode_status(const struct nlmsghdr *nlh, const char **msg);

size_t change_msg_size(const struct cmd *c, size_t *nest_len);
size_t build_change(struct sbuf *b, uint16_t family, uint32_t seq,
		    const struct cmd *c, uint32_t ifindex, char **err);
struct nlmsghdr *build_dump(struct sbuf *b, uint16_t family, uint32_t seq,
			    uint8_t gcmd, uint32_t ifindex);
int parse_mchost_msg(const struct nlmsghdr *nlh, uint16_t family,
		     const struct nlattr *tb[MCHOST_A_MAX + 1]);
bool addr_attr_ok(const struct nlattr *attr);

/* ------------------------------------------------------------------ */
/* main.c, batch.c                                                     */

void finish_output(void);
__noreturn void hold_forever(void);
int run_batch(const char *path, const struct ctx *ctx);

#endif /* MCHOSTCTL_H */
