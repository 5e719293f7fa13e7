/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mchostctl - control the mchost IGMP/MLD membership engine.
 *
 * What the files of the CLI share. Each .c file includes this header first.
 *
 *   main.c     entry, options (-n, -V, ...), usage, running one command
 *   cmds.c     the command and keyword tables, prefix matching, help,
 *              parsing, join and leave
 *   dump.c     show, save and ifaces: generic netlink dumps, printed; the
 *              list of memberships that flush and apply work from
 *   stats.c    stats: the counters of /proc/net/mchost, or of a device
 *   monitor.c  monitor: the notifications, printed as they come
 *   netlink.c  the socket, family lookup, requests, replies, extended acks
 *   batch.c    -b FILE: one command per line over one socket, pipelined
 *   apply.c    flush and apply: a dump, then many changes through batch.c
 *   print.c    the printer: the same calls write text or (pretty) JSON
 *   util.c     memory, messages, addresses, words
 *
 * Exit status: 0 success, 1 error, 2 usage error (mchostctl.8).
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
/* The loaded module's sysfs directory (its "version" file, for -V). */
#ifndef MCHOST_SYSMOD_DIR
#define MCHOST_SYSMOD_DIR "/sys/module/mchost"
#endif
/* Set by the Makefile from the VERSION file, like the module's. */
#ifndef MCHOSTCTL_VERSION
#error "MCHOSTCTL_VERSION is not defined (build with make cli)"
#endif

/* The highest attribute the CLI knows; its attribute tables are this big. */
#define CTL_A_MAX MCHOST_A_MAX

#define EXIT_USAGE 2

#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __noreturn __attribute__((noreturn))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Room for a device name, or "if<index>" when it has none here. */
#define DEV_NAME_BUF (IF_NAMESIZE + 16)

/* How a command runs: options and, in batch mode, its line. */
struct ctx {
	bool json;		/* -j */
	bool pretty;		/* -p: indented JSON */
	bool details;		/* -d */
	bool force;		/* -f: leave ignores a missing membership */
	unsigned long line;	/* 0 outside batch mode */
};

/* ------------------------------------------------------------------ */
/* util.c                                                              */

void *xrealloc(void *p, size_t n);
void *grow_array_to(void *arr, size_t *cap, size_t need, size_t size);

/*
 * Make room for at least @need elements of @size bytes in @arr. Inline:
 * a batch line calls it several times, almost always with room to spare.
 */
static inline void *grow_array(void *arr, size_t *cap, size_t need,
			       size_t size)
{
	return need <= *cap ? arr : grow_array_to(arr, cap, need, size);
}

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
int dev_lookup(const char *dev, uint32_t *ifindex);
char *dev_error(const char *dev, int error);

/* Resolves a device name: 0, or -ENODEV or another negative errno. */
typedef int (*dev_lookup_t)(void *arg, const char *dev, uint32_t *ifindex);

/* ------------------------------------------------------------------ */
/* print.c: one printer for text and JSON                             */

/*
 * Which output a value goes to. Containers (objects, arrays) exist in JSON
 * only; a text record is one line, ended by print_nl().
 */
enum print_type {
	PRINT_NONE = 0,
	PRINT_TEXT = 1 << 0,
	PRINT_JSON = 1 << 1,
	PRINT_ANY = PRINT_TEXT | PRINT_JSON,
};

#define PRINT_MAX_DEPTH 8

struct printer {
	FILE *f;
	bool json;
	bool pretty;			/* JSON: one member per line, indented */
	bool bol;			/* text: at the start of a line */
	unsigned int depth;		/* JSON: containers open */
	bool used[PRINT_MAX_DEPTH];	/* JSON: container has a member */
};

void print_init(struct printer *p, FILE *f, const struct ctx *ctx);
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
void print_flag(struct printer *p, const char *key, bool value);
void print_bool(struct printer *p, enum print_type t, const char *key,
		const char *tkey, bool value);
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
	KW_PENDING,
	KW_IF_EXISTS,
	KW_IGMP_VERSION,
	KW_MLD_VERSION,
	KW_ROBUSTNESS,
	KW_REPORT_LL,
};

/* The per-device settings of "set", in struct cmd's settings[]. */
enum setting_id {
	SET_IGMP_VERSION,
	SET_MLD_VERSION,
	SET_ROBUSTNESS,
	SET_REPORT_LL,
	SET_COUNT,
};

#define KW(k) (1u << (k))

enum cmd_flags {
	/* Talks to the kernel through the "mchost" family. */
	CMDF_NETLINK = 1 << 0,
	/*
	 * A JOIN or LEAVE: needs CAP_NET_ADMIN in the netns' user namespace,
	 * and the kernel only acks it, so batch mode pipelines it.
	 */
	CMDF_CHANGE = 1 << 1,
	/* Cannot be a line of a batch (apply reads a file itself). */
	CMDF_NO_BATCH = 1 << 2,
	/* CMDF_NETLINK only with dev DEV (stats: otherwise /proc). */
	CMDF_NETLINK_DEV = 1 << 3,
};

/*
 * One command. help, "COMMAND help", the usage text and prefix matching
 * walk this table (cmd_find(), cmds_usage()); nothing else knows the
 * command names.
 */
struct cmd_desc {
	const char *name;
	const char *args;	/* its arguments, as in the usage text */
	const char *help;	/* what it does, one line */
	const char *more;	/* "COMMAND help": further lines, or NULL */
	const char *arg;	/* a positional argument (apply FILE), or NULL */
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
	bool help;		/* "COMMAND help": print its usage instead */
	const char *arg;	/* the positional argument, or NULL */
	const char *dev;	/* NULL if not given */
	bool have_group;
	struct addr group;
	uint8_t fmode;		/* enum mchost_fmode */
	bool hold;
	bool pending;		/* join: for a device that may not exist yet */
	bool if_exists;		/* leave: a missing membership is no error */
	struct addr *src;
	size_t nsrc;
	size_t src_cap;
	/* set: a value, MCHOST_SET_DEFAULT, or -1 where not given */
	int settings[SET_COUNT];
};

const struct cmd_desc *cmd_find(const char *name, char **err);
bool cmd_netlink(const struct cmd *c);
char *parse_cmd(int argc, char *const argv[], struct cmd *c);
void cmd_free(struct cmd *c);
void cmds_usage(FILE *f);
void cmd_usage(FILE *f, const struct cmd_desc *d);
bool missing_ok(const struct ctx *ctx, const struct cmd *c, int error);
char *change_error(const char *by_name, int error, const char *msg);
int change_target(const struct nl *nl, const struct ctx *ctx,
		  const struct cmd *c, dev_lookup_t lookup, void *arg,
		  uint32_t *ifindex, char **err);
int run_change(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	       uint32_t seq);
int run_help(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	     uint32_t seq);
int run_set(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	    uint32_t seq);

/* dump.c, stats.c */

/* A membership as a dump lists it: what flush and apply need. */
struct memb {
	uint32_t ifindex;	/* 0: a pending membership not applied yet */
	char ifname[IF_NAMESIZE];
	struct addr group;
	bool pending;
};

int dump_members(struct nl *nl, const struct ctx *ctx, const char *dev,
		 uint32_t seq, struct memb **out, size_t *n);
/*
 * A membership message (GET_GROUP, GROUP_NTF) with @tb parsed: checks it
 * and formats its device and group into the buffers. 0 or -EBADMSG.
 */
int member_check(const struct nlattr *const tb[CTL_A_MAX + 1],
		 char dbuf[DEV_NAME_BUF], char abuf[INET6_ADDRSTRLEN],
		 const char **dev, const char **group);
/*
 * Its fields, in join syntax, into the open object; the owner count goes
 * to @owners (PRINT_NONE: nowhere, as join does not take it), and with
 * @timers the report timers follow.
 */
void print_member(struct printer *p, const struct nlattr *const tb[],
		  const char *dev, const char *group, enum print_type owners,
		  bool timers);
int run_show(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	     uint32_t seq);
int run_save(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	     uint32_t seq);
int run_ifaces(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	       uint32_t seq);
int run_stats(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	      uint32_t seq);
int run_monitor(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
		uint32_t seq);
int write_out(const struct ctx *ctx, const char *text, size_t len);

/* ------------------------------------------------------------------ */
/* netlink.c                                                           */

struct nl {
	struct mnl_socket *sk;
	int fd;
	uint32_t portid;
	uint16_t family;	/* id of "mchost" */
	uint32_t maxattr;	/* the kernel's highest attribute */
	uint32_t monitor;	/* the "monitor" multicast group, 0: none */
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
/* A request of the family @type at @buf: netlink and genetlink headers. */
struct nlmsghdr *put_genl_header(void *buf, uint16_t type, uint16_t flags,
				 uint32_t seq, uint8_t cmd, uint8_t version);
int nl_transact(struct nl *nl, const struct nlmsghdr *req,
		msg_cb_t cb, void *data, struct nl_reply *r);
void nl_reply_free(struct nl_reply *r);
int decode_status(const struct nlmsghdr *nlh, const char **msg);

bool nl_has_pending(const struct nl *nl);
size_t change_msg_size(const struct cmd *c, uint32_t ifindex,
		       size_t *nest_len);
size_t build_change(struct sbuf *b, uint16_t family, uint32_t seq,
		    const struct cmd *c, uint32_t ifindex, char **err);
size_t membership_size(const struct cmd *c, uint32_t ifindex);
void build_join_batch(struct sbuf *b, uint16_t family, uint32_t seq);
bool add_membership(struct sbuf *b, size_t off, const struct cmd *c,
		    uint32_t ifindex, size_t esize, char **err);
struct nlmsghdr *build_dump(struct sbuf *b, uint16_t family, uint32_t seq,
			    uint8_t gcmd, uint32_t ifindex, bool persistent);
int parse_mchost_msg(const struct nlmsghdr *nlh, uint16_t family,
		     const struct nlattr *tb[CTL_A_MAX + 1]);
bool addr_attr_ok(const struct nlattr *attr);

/* ------------------------------------------------------------------ */
/* batch.c: many changes over one socket, pipelined                    */

/*
 * One batch line whose outcome is not printed yet: a JOIN/LEAVE waiting
 * for its ack, or a line that failed locally while earlier lines were
 * still waiting. Outcomes are printed in line order, so that a script
 * sees the same stderr however the requests were pipelined.
 */
struct pending {
	uint32_t seq;
	uint32_t index;		/* its MCHOST_A_MEMBERSHIP in a batch JOIN */
	unsigned long line;
	size_t cost;		/* receive buffer its ack may take */
	bool hold;
	bool missing_ok;	/* a leave: ENOENT and ENODEV are success */
	bool done;
	bool failed;
	char *what;		/* put before its error message, or NULL */
	char *msg;		/* the error to print */
	char *by_name;		/* the device it names by name, or NULL */
};

struct batch {
	struct nl *nl;
	struct ctx ctx;		/* the options; line is set per line */
	struct sbuf out;	/* requests built but not sent yet */
	size_t join_off;	/* the open batch JOIN in out, or SIZE_MAX */
	uint32_t join_seq;	/* its sequence number */
	uint32_t join_n;	/* its memberships */
	struct join_key {
		uint32_t ifindex;	/* 0: by name */
		char dev[IFNAMSIZ];
		struct addr group;
	} join_keys[MCHOST_BATCH_MAX];	/* the open batch JOIN's */
	/* Their hash set: index + 1 in join_keys, 0 for a free slot. */
	uint16_t join_set[2 * MCHOST_BATCH_MAX];
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

void batch_init(struct batch *bt, struct nl *nl, const struct ctx *ctx);
void batch_free(struct batch *bt);
__printf(3, 4) void batch_error(struct batch *bt, unsigned long line,
				const char *fmt, ...);
int batch_flush(struct batch *bt);
int batch_lookup(void *arg, const char *dev, uint32_t *ifindex);
int batch_queue(struct batch *bt, unsigned long line, uint32_t seq,
		const struct cmd *c, char *what, dev_lookup_t lookup,
		void *arg);

/* ------------------------------------------------------------------ */
/* main.c, batch.c, apply.c                                            */

void print_usage(FILE *f);
void finish_output(void);
__noreturn void hold_forever(void);
int run_batch(const char *path, const struct ctx *ctx);
int run_flush(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	      uint32_t seq);
int run_apply(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	      uint32_t seq);

#endif /* MCHOSTCTL_H */
