// SPDX-License-Identifier: GPL-2.0
/*
 * mchostctl: the commands and their keywords, as tables.
 *
 * Parsing, the usage text and dispatch all walk these tables, so a command
 * or keyword is added in one place. The syntax is a contract that scripts
 * rely on, and "show" prints lines that are valid "join" arguments.
 */
#include "mchostctl.h"

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

static char *set_mode(struct cmd *c, const char *val)
{
	if (!strcmp(val, "include"))
		c->fmode = MCHOST_FMODE_INCLUDE;
	else if (!strcmp(val, "exclude"))
		c->fmode = MCHOST_FMODE_EXCLUDE;
	else
		return xasprintf("invalid mode \"%s\" (expected include or exclude)",
				 val);
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

/* Indexed by enum kw_id. */
static const struct kw_desc kws[] = {
	[KW_DEV] = { "dev", "DEV", false, set_dev },
	[KW_GROUP] = { "group", "G", false, set_group },
	[KW_MODE] = { "mode", "include|exclude", false, set_mode },
	[KW_SOURCE] = { "source", "S", true, set_source },
	[KW_HOLD] = { "hold", NULL, false, set_hold },
};

static const struct cmd_desc cmds[] = {
	{
		.name = "join",
		.args = "dev DEV group G [mode include|exclude] [source S]... [hold]",
		.help = "set the filter of a membership (with hold: while this process lives)",
		.keys = KW(KW_DEV) | KW(KW_GROUP) | KW(KW_MODE) |
			KW(KW_SOURCE) | KW(KW_HOLD),
		.needs = KW(KW_DEV) | KW(KW_GROUP),
		.flags = CMDF_NETLINK | CMDF_CHANGE,
		.genl_cmd = MCHOST_CMD_JOIN,
		.run = run_change,
	},
	{
		.name = "leave",
		.args = "dev DEV group G",
		.help = "drop the persistent filter of a membership",
		.keys = KW(KW_DEV) | KW(KW_GROUP),
		.needs = KW(KW_DEV) | KW(KW_GROUP),
		.flags = CMDF_NETLINK | CMDF_CHANGE,
		.genl_cmd = MCHOST_CMD_LEAVE,
		.run = run_change,
	},
	{
		.name = "show",
		.args = "[dev DEV]",
		.help = "list the memberships, one line each, in join syntax",
		.keys = KW(KW_DEV),
		.flags = CMDF_NETLINK,
		.run = run_show,
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
		.name = "stats",
		.args = "",
		.help = "print the IGMP and MLD counters",
		.run = run_stats,
	},
};

const struct cmd_desc *cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static const struct kw_desc *kw_find(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kws); i++)
		if (!strcmp(kws[i].name, name))
			return &kws[i];
	return NULL;
}

/* The "Commands:" lines of the usage text. */
void cmds_usage(FILE *f)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (*cmds[i].args)
			fprintf(f, "  %-5s %s\n", cmds[i].name, cmds[i].args);
		else
			fprintf(f, "  %s\n", cmds[i].name);
	}
}

void cmd_free(struct cmd *c)
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
char *parse_cmd(int argc, char *const argv[], struct cmd *c)
{
	const struct cmd_desc *d;
	unsigned int seen = 0;
	size_t k;
	int i;

	memset(c, 0, sizeof(*c));
	if (argc < 1)
		return xasprintf("no command given");
	d = cmd_find(argv[0]);
	if (!d)
		return xasprintf("unknown command \"%s\"", argv[0]);
	c->desc = d;

	for (i = 1; i < argc; i++) {
		const struct kw_desc *kw = kw_find(argv[i]);
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned int bit;
		char *err;

		if (!kw || !(d->keys & KW(kw - kws)))
			return xasprintf("unexpected argument \"%s\" for %s",
					 argv[i], d->name);
		bit = KW(kw - kws);
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

	for (k = 0; k < ARRAY_SIZE(kws); k++)
		if ((d->needs & KW(k)) && !(seen & KW(k)))
			return xasprintf("%s needs \"%s %s\"", d->name,
					 kws[k].name, kws[k].meta);
	/*
	 * Sources alone ask for those sources only (INCLUDE); no sources ask
	 * for any source, which is EXCLUDE {}.
	 */
	if ((d->keys & KW(KW_MODE)) && !(seen & KW(KW_MODE)))
		c->fmode = c->nsrc ? MCHOST_FMODE_INCLUDE :
				     MCHOST_FMODE_EXCLUDE;
	return NULL;
}

/* join and leave, one at a time. Batch mode pipelines them instead. */
int run_change(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	       uint32_t seq)
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
