// SPDX-License-Identifier: GPL-2.0
/*
 * mchostctl: stats, the counters of /proc/net/mchost/{igmp,mld}; stats dev
 * DEV, those of one device, from the GET_STATS dump:
 *
 *   igmp rcv_total 5                    (one line per counter)
 *   {"igmp":{"rcv_total":5,...},"mld":{...}}
 *   {"ifname":"h0","ifindex":2,"igmp":{...},"mld":{...}}   (dev DEV, -j)
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

/*
 * The names of enum mchost_counter: those of /proc/net/mchost/igmp, in
 * the same order.
 */
static const char *const counter_names[MCHOST_C_MAX + 1] = {
	[MCHOST_C_RCV_TOTAL] = "rcv_total",
	[MCHOST_C_RCV_TOOSHORT] = "rcv_tooshort",
	[MCHOST_C_RCV_BADSUM] = "rcv_badsum",
	[MCHOST_C_RCV_QUERIES] = "rcv_queries",
	[MCHOST_C_RCV_BADQUERIES] = "rcv_badqueries",
	[MCHOST_C_RCV_REPORTS] = "rcv_reports",
	[MCHOST_C_RCV_BADREPORTS] = "rcv_badreports",
	[MCHOST_C_RCV_OURREPORTS] = "rcv_ourreports",
	[MCHOST_C_SND_REPORTS] = "snd_reports",
	[MCHOST_C_RCV_FRAGMENTS] = "rcv_fragments",
	[MCHOST_C_RCV_NOMEM] = "rcv_nomem",
	[MCHOST_C_RCV_UNKNOWN] = "rcv_unknown",
	[MCHOST_C_RCV_BADHOPLIMIT] = "rcv_badhoplimit",
	[MCHOST_C_RCV_BADSRC] = "rcv_badsrc",
	[MCHOST_C_RCV_NORA] = "rcv_nora",
	[MCHOST_C_SND_ERRORS] = "snd_errors",
	[MCHOST_C_QRY_V1] = "qry_v1",
	[MCHOST_C_QRY_V2] = "qry_v2",
	[MCHOST_C_QRY_V3] = "qry_v3",
	[MCHOST_C_QRY_GENERAL] = "qry_general",
	[MCHOST_C_QRY_GROUP] = "qry_group",
	[MCHOST_C_QRY_GROUP_SOURCE] = "qry_group_source",
	[MCHOST_C_QRY_RATELIMITED] = "qry_ratelimited",
	[MCHOST_C_SND_V1_REPORTS] = "snd_v1_reports",
	[MCHOST_C_SND_V2_REPORTS] = "snd_v2_reports",
	[MCHOST_C_SND_LEAVES] = "snd_leaves",
	[MCHOST_C_SND_V3_REPORTS] = "snd_v3_reports",
	[MCHOST_C_SND_TRUNCATED] = "snd_truncated",
	[MCHOST_C_SND_SUPPRESSED] = "snd_suppressed",
	[MCHOST_C_RCV_BADTTL] = "rcv_badttl",
	[MCHOST_C_RCV_BADDST] = "rcv_baddst",
};

/* One nest of counters: "igmp rcv_total 5" lines, or an object. */
static int stats_nest(struct printer *p, const char *fam,
		      const struct nlattr *nest)
{
	const struct nlattr *a;
	char name[32];

	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) != MCHOST_C_PAD &&
		    mnl_attr_validate(a, MNL_TYPE_U64))
			return -EBADMSG;
	open_object(p, fam);
	mnl_attr_for_each_nested(a, nest) {
		uint16_t type = mnl_attr_get_type(a);

		if (type == MCHOST_C_PAD)
			continue;
		/* A counter newer than this program: still shown. */
		if (type <= MCHOST_C_MAX && counter_names[type])
			snprintf(name, sizeof(name), "%s", counter_names[type]);
		else
			snprintf(name, sizeof(name), "counter%u", type);
		print_string(p, PRINT_TEXT, NULL, NULL, fam);
		print_uint(p, PRINT_ANY, name, NULL, mnl_attr_get_u64(a));
		print_nl(p);
	}
	close_object(p);
	return 0;
}

struct stats_dev {
	uint16_t family;
	struct printer *p;
	unsigned int seen;
};

static int stats_dev_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTL_A_MAX + 1] = { 0 };
	struct stats_dev *sd = data;

	if (parse_mchost_msg(nlh, sd->family, tb) || !tb[MCHOST_A_IFINDEX] ||
	    !tb[MCHOST_A_IFNAME] || !tb[MCHOST_A_IGMP_STATS] ||
	    !tb[MCHOST_A_MLD_STATS] || sd->seen++)
		return -EBADMSG;
	print_string(sd->p, PRINT_JSON, "ifname", NULL,
		     mnl_attr_get_str(tb[MCHOST_A_IFNAME]));
	print_uint(sd->p, PRINT_JSON, "ifindex", NULL,
		   mnl_attr_get_u32(tb[MCHOST_A_IFINDEX]));
	if (stats_nest(sd->p, "igmp", tb[MCHOST_A_IGMP_STATS]) ||
	    stats_nest(sd->p, "mld", tb[MCHOST_A_MLD_STATS]))
		return -EBADMSG;
	return 0;
}

/* The counters of device @dev. Returns 0, or -1 after reporting the error. */
static int stats_dev(struct nl *nl, const struct ctx *ctx, const char *dev,
		     uint32_t seq, struct printer *p)
{
	struct stats_dev sd = { .family = nl->family, .p = p };
	struct sbuf req = { 0 };
	const struct nlmsghdr *nlh;
	struct nl_reply r;
	uint32_t ifindex;
	int error, rc = -1;

	error = dev_lookup(dev, &ifindex);
	if (error) {
		char *err = dev_error(dev, error);

		error_msg(ctx, "%s", err);
		free(err);
		return -1;
	}
	nlh = build_dump(&req, nl->family, seq, MCHOST_CMD_GET_STATS, ifindex,
			 false);
	nl_transact(nl, nlh, stats_dev_cb, &sd, &r);
	sbuf_free(&req);
	if (r.error)
		error_msg(ctx, "%s", r.msg);
	else if (!sd.seen)
		error_msg(ctx, "mchost has no state for device %s", dev);
	else
		rc = 0;
	nl_reply_free(&r);
	return rc;
}

/* The namespace's counters, from /proc. Returns 0, -ENOENT or -1. */
static int stats_proc(const struct ctx *ctx, struct printer *p)
{
	static const char *const fams[] = { "igmp", "mld" };
	int rc = 0;
	size_t i;

	for (i = 0; !rc && i < ARRAY_SIZE(fams); i++) {
		char *path = xasprintf("%s/%s", MCHOST_PROC_DIR, fams[i]);

		open_object(p, fams[i]);
		rc = stats_file(ctx, path, fams[i], p);
		close_object(p);
		free(path);
	}
	return rc;
}

/* nl is NULL unless dev DEV was given (CMDF_NETLINK_DEV). */
int run_stats(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	      uint32_t seq)
{
	struct printer p;
	char *text = NULL;
	size_t text_len = 0;
	int rc;
	FILE *out;

	out = open_memstream(&text, &text_len);
	if (!out) {
		error_msg(ctx, "open_memstream: %s", strerror(errno));
		return 1;
	}
	print_init(&p, out, ctx);
	open_object(&p, NULL);
	if (c->dev)
		rc = stats_dev(nl, ctx, c->dev, seq, &p);
	else
		rc = stats_proc(ctx, &p);
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
