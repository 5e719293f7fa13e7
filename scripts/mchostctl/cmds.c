// SPDX-License-Identifier: GPL-2.0
/*
 * mchostctl: the commands and their keywords, as tables.
 *
 * Parsing, prefix matching, the usage text, "COMMAND help" and dispatch
 * all walk these tables, so a command or keyword is added in one place.
 * The syntax is a contract that scripts rely on, and "show" and "save"
 * print lines that are valid "join" arguments.
 */
#include "mchostctl.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One keyword; it sets its field of struct cmd from its value. */
struct kw_desc {
	const char *name;
	const char *meta;	/* its value in messages; NULL: takes none */
	bool repeat;		/* may be given more than once */
	/* Returns NULL, or the problem with @val (allocated). */
	char *(*set)(struct cmd *c, const char *val);
};

static char *set_dev(struct cmd *c, const char *val)
{
	if (!*val || strlen(val) >= IF_NAMESIZE)
		return xasprintf("invalid device name \"%s\"", val);
	c->dev = val;
	return NULL;
}

static char *set_group(struct cmd *c, const char *val)
{
	if (!addr_parse(val, &c->group))
		return xasprintf("invalid group address \"%s\"", val);
	c->have_group = true;
	return NULL;
}

/*
 * Find @word among the @n names: an exact match, else the one name it is
 * a prefix of, as "ip" matches its objects and keywords. Names that are
 * NULL are not candidates. Returns the index; -1 if nothing matches; -2 if
 * several do, with the candidates in *@err (allocated) after @what.
 */
static int match_name(const char *word, const char *const names[], size_t n,
		      const char *what, char **err)
{
	size_t len = strlen(word), i, hits = 0;
	char *list = NULL;
	int found = -1;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], word))
			return i;
	for (i = 0; len && i < n; i++) {
		char *more;

		if (!names[i] || strncmp(names[i], word, len))
			continue;
		found = i;
		more = xasprintf("%s%s%s", list ? list : "", list ? ", " : "",
				 names[i]);
		free(list);
		list = more;
		hits++;
	}
	if (hits > 1) {
		*err = xasprintf("%s \"%s\" is ambiguous: %s", what, word, list);
		free(list);
		return -2;
	}
	free(list);
	return found;
}

static char *set_mode(struct cmd *c, const char *val)
{
	static const char *const modes[] = { "include", "exclude" };
	char *err = NULL;
	int i = match_name(val, modes, ARRAY_SIZE(modes), "mode", &err);

	if (i == -2)
		return err;
	if (i < 0)
		return xasprintf("invalid mode \"%s\" (expected include or exclude)",
				 val);
	c->fmode = i == 0 ? MCHOST_FMODE_INCLUDE : MCHOST_FMODE_EXCLUDE;
	return NULL;
}

static char *set_source(struct cmd *c, const char *val)
{
	c->src = grow_array(c->src, &c->src_cap, c->nsrc + 1, sizeof(*c->src));
	if (!addr_parse(val, &c->src[c->nsrc]))
		return xasprintf("invalid source address \"%s\"", val);
	c->nsrc++;
	return NULL;
}

static char *set_hold(struct cmd *c, const char *val)
{
	(void)val;
	c->hold = true;
	return NULL;
}

static char *set_pending(struct cmd *c, const char *val)
{
	(void)val;
	c->pending = true;
	return NULL;
}

static char *set_if_exists(struct cmd *c, const char *val)
{
	(void)val;
	c->if_exists = true;
	return NULL;
}

/* The range of each setting, by enum setting_id; "default" resets it. */
static const struct {
	const char *name;
	int lo, hi;
} settings[SET_COUNT] = {
	[SET_IGMP_VERSION] = { "igmp_version", 1, 3 },
	[SET_MLD_VERSION] = { "mld_version", 1, 2 },
	[SET_ROBUSTNESS] = { "robustness", 1, 7 },
	[SET_REPORT_LL] = { "report_link_local", 0, 1 },
};

static char *set_setting(struct cmd *c, enum setting_id id, const char *val)
{
	char *end;
	long v;

	if (!strcmp(val, "default")) {
		c->settings[id] = MCHOST_SET_DEFAULT;
		return NULL;
	}
	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || end == val || *end || v < settings[id].lo ||
	    v > settings[id].hi)
		return xasprintf("invalid %s \"%s\" (%d to %d, or default)",
				 settings[id].name, val, settings[id].lo,
				 settings[id].hi);
	c->settings[id] = v;
	return NULL;
}

static char *set_igmp_version(struct cmd *c, const char *val)
{
	return set_setting(c, SET_IGMP_VERSION, val);
}

static char *set_mld_version(struct cmd *c, const char *val)
{
	return set_setting(c, SET_MLD_VERSION, val);
}

static char *set_robustness(struct cmd *c, const char *val)
{
	return set_setting(c, SET_ROBUSTNESS, val);
}

static char *set_report_ll(struct cmd *c, const char *val)
{
	return set_setting(c, SET_REPORT_LL, val);
}

/* Indexed by enum kw_id. */
static const struct kw_desc kws[] = {
	[KW_DEV] = { "dev", "DEV", false, set_dev },
	[KW_GROUP] = { "group", "G", false, set_group },
	[KW_MODE] = { "mode", "include|exclude", false, set_mode },
	[KW_SOURCE] = { "source", "S", true, set_source },
	[KW_HOLD] = { "hold", NULL, false, set_hold },
	[KW_PENDING] = { "pending", NULL, false, set_pending },
	[KW_IF_EXISTS] = { "if-exists", NULL, false, set_if_exists },
	[KW_IGMP_VERSION] = { "igmp_version", "1|2|3|default", false,
			      set_igmp_version },
	[KW_MLD_VERSION] = { "mld_version", "1|2|default", false,
			     set_mld_version },
	[KW_ROBUSTNESS] = { "robustness", "N|default", false, set_robustness },
	[KW_REPORT_LL] = { "report_link_local", "0|1|default", false,
			   set_report_ll },
};

static const struct cmd_desc cmds[] = {
	{
		.name = "join",
		.args = "dev DEV group G [mode include|exclude] [source S]... [hold | pending]",
		.help = "set the filter of a membership (full-state: it replaces the last one)",
		.more = "  mode include   from the listed sources only (default with sources)\n"
			"  mode exclude   from every source but these (default without)\n"
			"  hold           the membership belongs to this process, which stays\n"
			"                 running; it ends when the process is killed\n"
			"  pending        also for a device that does not exist yet: the membership\n"
			"                 is kept and applied when a device of that name appears\n",
		.keys = KW(KW_DEV) | KW(KW_GROUP) | KW(KW_MODE) |
			KW(KW_SOURCE) | KW(KW_HOLD) | KW(KW_PENDING),
		.needs = KW(KW_DEV) | KW(KW_GROUP),
		.flags = CMDF_NETLINK | CMDF_CHANGE,
		.genl_cmd = MCHOST_CMD_JOIN,
		.run = run_change,
	},
	{
		.name = "leave",
		.args = "dev DEV group G [if-exists]",
		.help = "drop the persistent filter of a membership",
		.more = "  if-exists      no error if there is no such membership (as option -f)\n",
		.keys = KW(KW_DEV) | KW(KW_GROUP) | KW(KW_IF_EXISTS),
		.needs = KW(KW_DEV) | KW(KW_GROUP),
		.flags = CMDF_NETLINK | CMDF_CHANGE,
		.genl_cmd = MCHOST_CMD_LEAVE,
		.run = run_change,
	},
	{
		.name = "flush",
		.args = "[dev DEV]",
		.help = "leave every persistent membership (of DEV)",
		.keys = KW(KW_DEV),
		.flags = CMDF_NETLINK,
		.run = run_flush,
	},
	{
		.name = "show",
		.args = "[dev DEV]",
		.help = "list the memberships in join syntax (-d: with their owners)",
		.keys = KW(KW_DEV),
		.flags = CMDF_NETLINK,
		.run = run_show,
	},
	{
		.name = "save",
		.args = "[dev DEV]",
		.help = "print the persistent filters as a batch of joins",
		.more = "  save > FILE; flush; -b FILE restores the persistent memberships\n",
		.keys = KW(KW_DEV),
		.flags = CMDF_NETLINK,
		.run = run_save,
	},
	{
		.name = "apply",
		.args = "FILE",
		.help = "make the persistent memberships exactly the joins of FILE",
		.more = "  FILE has join lines (no hold), blank lines and # comments; - is stdin.\n"
			"  Every join is set, and every persistent membership not listed is\n"
			"  left. If a line does not parse, nothing changes.\n",
		.arg = "FILE",
		.flags = CMDF_NETLINK | CMDF_NO_BATCH,
		.run = run_apply,
	},
	{
		.name = "ifaces",
		.args = "[dev DEV]",
		.help = "list the per-device state (-d: with the querier state)",
		.keys = KW(KW_DEV),
		.flags = CMDF_NETLINK,
		.run = run_ifaces,
	},
	{
		.name = "set",
		.args = "dev DEV SETTING VALUE [SETTING VALUE]...",
		.help = "set what the module parameters set, for one device",
		.more = "  igmp_version 1|2|3   the highest IGMP version (force_igmp_version)\n"
			"  mld_version 1|2      the highest MLD version (force_mld_version)\n"
			"  robustness N         the Robustness Variable until a querier sets one\n"
			"  report_link_local 0|1  report 224.0.0.x and ff02:: groups\n"
			"  Each value may be \"default\": the module parameter applies again.\n"
			"  A lower version applies at once; \"ifaces\" shows the settings.\n",
		.keys = KW(KW_DEV) | KW(KW_IGMP_VERSION) | KW(KW_MLD_VERSION) |
			KW(KW_ROBUSTNESS) | KW(KW_REPORT_LL),
		.needs = KW(KW_DEV),
		.flags = CMDF_NETLINK,
		.genl_cmd = MCHOST_CMD_SET_IFACE,
		.run = run_set,
	},
	{
		.name = "monitor",
		.args = "",
		.help = "print membership and compatibility-mode changes as they happen",
		.more = "  One line (-j: one JSON object) per change, until interrupted:\n"
			"  join, change, leave, owner-gone or device-gone, then the\n"
			"  membership as show -d prints it (owners 0: it is gone); or\n"
			"  compat, the device and its new igmp_version or mld_version.\n",
		.flags = CMDF_NETLINK | CMDF_NO_BATCH,
		.run = run_monitor,
	},
	{
		.name = "stats",
		.args = "[dev DEV]",
		.help = "print the IGMP and MLD counters (of DEV)",
		.more = "  Without dev, the namespace's (/proc/net/mchost). A device counts what\n"
			"  it received and sent; a message on a device mchost has no state for\n"
			"  counts in the namespace only.\n",
		.keys = KW(KW_DEV),
		.flags = CMDF_NETLINK_DEV,
		.run = run_stats,
	},
	{
		.name = "help",
		.args = "[COMMAND]",
		.help = "print this help, or the help of COMMAND",
		.arg = "COMMAND",
		.run = run_help,
	},
};

/* Does the command line @c talk to the kernel over netlink? */
bool cmd_netlink(const struct cmd *c)
{
	return (c->desc->flags & CMDF_NETLINK) ||
	       ((c->desc->flags & CMDF_NETLINK_DEV) && c->dev);
}

/*
 * The command @name names, exactly or as an unambiguous prefix. Returns
 * NULL with the problem in *@err (allocated).
 */
const struct cmd_desc *cmd_find(const char *name, char **err)
{
	const char *names[ARRAY_SIZE(cmds)];
	size_t i;
	int k;

	/* The usual case, every line of a batch: no table to build. */
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (cmds[i].name[0] == name[0] && !strcmp(cmds[i].name, name))
			return &cmds[i];
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		names[i] = cmds[i].name;
	k = match_name(name, names, ARRAY_SIZE(cmds), "command", err);
	if (k == -1)
		*err = xasprintf("unknown command \"%s\"", name);
	return k < 0 ? NULL : &cmds[k];
}

/* The "Commands:" lines of the usage text. */
void cmds_usage(FILE *f)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (*cmds[i].args)
			fprintf(f, "  %-6s %s\n", cmds[i].name, cmds[i].args);
		else
			fprintf(f, "  %s\n", cmds[i].name);
	}
}

/* "COMMAND help": its syntax and what it does. */
void cmd_usage(FILE *f, const struct cmd_desc *d)
{
	/* The help line, with a capital: "set the ..." -> "Set the ...". */
	fprintf(f, "Usage: mchostctl %s%s%s\n%c%s.\n", d->name,
		*d->args ? " " : "", d->args,
		toupper((unsigned char)d->help[0]), d->help + 1);
	if (d->more)
		fputs(d->more, f);
}

int run_help(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	     uint32_t seq)
{
	const struct cmd_desc *d;
	char *err = NULL;

	(void)nl;
	(void)seq;
	if (!c->arg) {
		print_usage(stdout);
		return 0;
	}
	d = cmd_find(c->arg, &err);
	if (!d) {
		error_msg(ctx, "%s", err);
		free(err);
		return EXIT_USAGE;
	}
	cmd_usage(stdout, d);
	return 0;
}

void cmd_free(struct cmd *c)
{
	free(c->src);
	c->src = NULL;
	c->nsrc = 0;
	c->src_cap = 0;
}

/*
 * The keyword among @keys that @word names, as match_name() finds it. The
 * table prefix matching needs is built only when no name is exact, which
 * every line of a batch spares.
 */
static int match_kw(const char *word, unsigned int keys, char **err)
{
	const char *names[ARRAY_SIZE(kws)];
	size_t k;

	for (k = 0; k < ARRAY_SIZE(kws); k++)
		if ((keys & KW(k)) && kws[k].name[0] == word[0] &&
		    !strcmp(kws[k].name, word))
			return k;
	/* Only the keywords this command takes are candidates. */
	for (k = 0; k < ARRAY_SIZE(kws); k++)
		names[k] = keys & KW(k) ? kws[k].name : NULL;
	return match_name(word, names, ARRAY_SIZE(kws), "argument", err);
}

/*
 * Parse one command (argv[0] is its name, or a prefix of it) into @c.
 * Returns NULL, or the usage problem as an allocated string; c->desc is
 * set as soon as the command is known. "help" in place of a keyword sets
 * c->help and ends the parsing. @c must be freed with cmd_free() either
 * way; it points into @argv.
 */
char *parse_cmd(int argc, char *const argv[], struct cmd *c)
{
	const struct cmd_desc *d;
	unsigned int seen = 0;
	char *err = NULL;
	size_t k;
	int i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < SET_COUNT; i++)
		c->settings[i] = -1;
	if (argc < 1)
		return xasprintf("no command given");
	d = cmd_find(argv[0], &err);
	if (!d)
		return err;
	c->desc = d;
	for (i = 1; i < argc; i++) {
		const struct kw_desc *kw;
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned int bit;
		int m;

		if (argv[i][0] == 'h' && !strcmp(argv[i], "help")) {
			c->help = true;
			return NULL;
		}
		m = match_kw(argv[i], d->keys, &err);
		if (m == -2)
			return err;
		if (m < 0) {
			if (d->arg && !c->arg) {
				c->arg = argv[i];
				continue;
			}
			return xasprintf("unexpected argument \"%s\" for %s",
					 argv[i], d->name);
		}
		kw = &kws[m];
		bit = KW(m);
		if (kw->meta && !val)
			return xasprintf("missing value after \"%s\"", kw->name);
		if ((seen & bit) && !kw->repeat)
			return xasprintf("\"%s\" given more than once",
					 kw->name);
		seen |= bit;
		err = kw->set(c, val);
		if (err)
			return err;
		if (kw->meta)
			i++;
	}

	for (k = 0; (d->needs & ~seen) && k < ARRAY_SIZE(kws); k++)
		if ((d->needs & KW(k)) && !(seen & KW(k)))
			return xasprintf("%s needs \"%s %s\"", d->name,
					 kws[k].name, kws[k].meta);
	if (d->arg && !c->arg && d->run != run_help)
		return xasprintf("%s needs %s", d->name, d->arg);
	if (c->hold && c->pending)
		return xasprintf("pending memberships are persistent: no hold");
	if (d->run == run_set &&
	    !(seen & (KW(KW_IGMP_VERSION) | KW(KW_MLD_VERSION) |
		      KW(KW_ROBUSTNESS) | KW(KW_REPORT_LL))))
		return xasprintf("set needs a SETTING and its VALUE");
	/*
	 * Sources alone ask for those sources only (INCLUDE); no sources ask
	 * for any source, which is EXCLUDE {}.
	 */
	if ((d->keys & KW(KW_MODE)) && !(seen & KW(KW_MODE)))
		c->fmode = c->nsrc ? MCHOST_FMODE_INCLUDE :
				     MCHOST_FMODE_EXCLUDE;
	return NULL;
}

/*
 * A leave with if-exists (or -f) succeeds when there is nothing to leave:
 * no such membership (ENOENT), or no such device (ENODEV).
 */
bool missing_ok(const struct ctx *ctx, const struct cmd *c, int error)
{
	return c->desc->genl_cmd == MCHOST_CMD_LEAVE &&
	       (c->if_exists || ctx->force) &&
	       (error == -ENOENT || error == -ENODEV);
}

/*
 * The message of a failed JOIN or LEAVE: the kernel's, except that one
 * that named its device @by_name (not by index) and found neither it nor
 * a pending membership says which, as a failed lookup does.
 */
char *change_error(const char *by_name, int error, const char *msg)
{
	if (by_name && error == -ENODEV)
		return dev_error(by_name, error);
	return xasprintf("%s", msg && *msg ? msg : errtext(error));
}

/*
 * The device a JOIN or LEAVE is sent for, in *@ifindex: its index, or 0
 * when the request names it (MCHOST_A_IFNAME) instead: a pending join, or
 * a leave for a device that does not exist, which only a pending membership
 * can name. @lookup resolves names (batch mode caches them). Returns 0; 1
 * when there is nothing to send and nothing failed (leave if-exists of an
 * unknown device, on a kernel without pending memberships); or a negative
 * errno with the message in *@err.
 */
int change_target(const struct nl *nl, const struct ctx *ctx,
		  const struct cmd *c, dev_lookup_t lookup, void *arg,
		  uint32_t *ifindex, char **err)
{
	int error;

	*ifindex = 0;
	if (c->pending) {
		if (!nl_has_pending(nl)) {
			*err = xasprintf("the loaded module has no pending memberships");
			return -EOPNOTSUPP;
		}
		return 0;
	}
	error = lookup(arg, c->dev, ifindex);
	if (!error)
		return 0;
	if (error == -ENODEV && c->desc->genl_cmd == MCHOST_CMD_LEAVE) {
		if (nl_has_pending(nl))
			return 0;
		if (missing_ok(ctx, c, error))
			return 1;
	}
	*err = dev_error(c->dev, error);
	return error;
}

static int plain_lookup(void *arg, const char *dev, uint32_t *ifindex)
{
	(void)arg;
	return dev_lookup(dev, ifindex);
}

/* join and leave, one at a time. Batch mode pipelines them instead. */
int run_change(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	       uint32_t seq)
{
	struct sbuf req = { 0 };
	struct nl_reply r;
	uint32_t ifindex;
	char *err = NULL;
	int rc;

	rc = change_target(nl, ctx, c, plain_lookup, NULL, &ifindex, &err);
	if (rc == 1)
		return 0;
	if (rc || !build_change(&req, nl->family, seq, c, ifindex, &err)) {
		error_msg(ctx, "%s", err);
		free(err);
		sbuf_free(&req);
		return 1;
	}
	nl_transact(nl, (struct nlmsghdr *)req.data, NULL, NULL, &r);
	sbuf_free(&req);
	rc = r.error && !missing_ok(ctx, c, r.error);
	if (rc) {
		err = change_error(ifindex ? NULL : c->dev, r.error, r.msg);
		error_msg(ctx, "%s", err);
		free(err);
	}
	nl_reply_free(&r);
	return rc;
}

/* set: one SET_IFACE request with the settings given. */
int run_set(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	    uint32_t seq)
{
	static const uint16_t attr[SET_COUNT] = {
		[SET_IGMP_VERSION] = MCHOST_A_SET_IGMP_VERSION,
		[SET_MLD_VERSION] = MCHOST_A_SET_MLD_VERSION,
		[SET_ROBUSTNESS] = MCHOST_A_SET_ROBUSTNESS,
		[SET_REPORT_LL] = MCHOST_A_SET_REPORT_LINK_LOCAL,
	};
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nl_reply r;
	uint32_t ifindex;
	int rc, i;

	rc = dev_lookup(c->dev, &ifindex);
	if (rc) {
		char *err = dev_error(c->dev, rc);

		error_msg(ctx, "%s", err);
		free(err);
		return 1;
	}
	nlh = put_genl_header(buf, nl->family, NLM_F_REQUEST | NLM_F_ACK, seq,
			      MCHOST_CMD_SET_IFACE, MCHOST_GENL_VERSION);
	mnl_attr_put_u32(nlh, MCHOST_A_IFINDEX, ifindex);
	for (i = 0; i < SET_COUNT; i++)
		if (c->settings[i] >= 0)
			mnl_attr_put_u8(nlh, attr[i], c->settings[i]);
	nl_transact(nl, nlh, NULL, NULL, &r);
	rc = r.error != 0;
	if (rc)
		error_msg(ctx, "%s", r.msg);
	nl_reply_free(&r);
	return rc;
}
