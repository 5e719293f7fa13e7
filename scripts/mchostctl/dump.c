// SPDX-License-Identifier: GPL-2.0
/*
 * mchostctl: show, save and ifaces, the dumps of the mchost family,
 * printed; and the list of memberships that flush and apply work from.
 */
#include "mchostctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct dump {
	uint16_t family;
	const struct ctx *ctx;
	struct printer p;
	bool save;		/* save: no owners */
	/*
	 * dev DEV where no device DEV exists: only the pending memberships
	 * named DEV, found by name (the kernel filters by index only).
	 */
	const char *only_name;
	size_t shown;
	/* dump_members(): collect instead of printing. */
	struct memb *members;
	size_t nmembers, members_cap;
};

/* The device name of a message; @buf backs the if_indextoname() case. */
static const char *msg_dev(const struct nlattr *const tb[CTL_A_MAX + 1],
			   char buf[DEV_NAME_BUF])
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
	snprintf(buf, DEV_NAME_BUF, "if%u", idx);
	return buf;
}

/* The name filter of a dump for a device that does not exist. */
static bool name_skipped(const struct dump *d, const char *dev,
			 const struct nlattr *const tb[])
{
	return d->only_name &&
	       (strcmp(dev, d->only_name) || tb[MCHOST_A_IFINDEX]);
}

/*
 * One membership, in join syntax (with -d, and in JSON, also its owners;
 * save puts "join" first and prints no owners):
 *   dev h0 group 232.1.1.1 mode include source 192.0.2.1
 *   {"ifindex":2,"ifname":"h0","grp":"232.1.1.1","filter_mode":"include",
 *    "source_list":[{"address":"192.0.2.1"}],"owners":1}
 * JSON keys as "ip -j" and "bridge -j mdb" name them.
 * A pending membership ends with "pending" ("pending":true); until its
 * device exists it has no ifindex.
 */
static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTL_A_MAX + 1] = { 0 };
	char abuf[INET6_ADDRSTRLEN], dbuf[DEV_NAME_BUF];
	struct dump *d = data;
	struct printer *p = &d->p;
	const char *dev, *group;

	if (parse_mchost_msg(nlh, d->family, tb))
		return -EBADMSG;
	if (member_check(tb, dbuf, abuf, &dev, &group))
		return -EBADMSG;
	if (name_skipped(d, dev, tb))
		return 0;
	d->shown++;

	open_object(p, NULL);
	/* save: batch lines, so that "-b" restores them. */
	if (d->save)
		print_string(p, PRINT_TEXT, NULL, NULL, "join");
	print_member(p, tb, dev, group,
		     d->save ? PRINT_NONE : d->ctx->details ? PRINT_ANY :
							       PRINT_JSON,
		     !d->save && d->ctx->details);
	close_object(p);
	print_nl(p);
	return 0;
}

int member_check(const struct nlattr *const tb[CTL_A_MAX + 1],
		 char dbuf[DEV_NAME_BUF], char abuf[INET6_ADDRSTRLEN],
		 const char **dev, const char **group)
{
	const struct nlattr *a;

	*dev = msg_dev(tb, dbuf);
	if (!*dev || !tb[MCHOST_A_GROUP])
		return -EBADMSG;
	/* Validate the sources before printing anything of this entry. */
	if (tb[MCHOST_A_SOURCES])
		mnl_attr_for_each_nested(a, tb[MCHOST_A_SOURCES])
			if (mnl_attr_get_type(a) == MCHOST_A_SOURCE &&
			    !addr_attr_ok(a))
				return -EBADMSG;
	*group = addr_format(mnl_attr_get_payload(tb[MCHOST_A_GROUP]),
			     mnl_attr_get_payload_len(tb[MCHOST_A_GROUP]),
			     abuf);
	return *group ? 0 : -EBADMSG;
}

void print_member(struct printer *p, const struct nlattr *const tb[],
		  const char *dev, const char *group, enum print_type owners,
		  bool timers)
{
	static const struct {
		uint16_t type;
		const char *key;
	} tfields[] = {
		{ MCHOST_A_RTX_LEFT, "rtx_left" },
		{ MCHOST_A_NEXT_REPORT_MS, "next_report_ms" },
		{ MCHOST_A_LAST_REPORT_MS, "last_report_ms" },
	};
	size_t i;
	char abuf[INET6_ADDRSTRLEN];
	const struct nlattr *a;

	if (tb[MCHOST_A_IFINDEX])
		print_uint(p, PRINT_JSON, "ifindex", NULL,
			   mnl_attr_get_u32(tb[MCHOST_A_IFINDEX]));
	print_string(p, PRINT_ANY, "ifname", "dev", dev);
	print_string(p, PRINT_ANY, "grp", "group", group);
	if (tb[MCHOST_A_FMODE]) {
		uint8_t mode = mnl_attr_get_u8(tb[MCHOST_A_FMODE]);

		if (mode == MCHOST_FMODE_INCLUDE)
			print_string(p, PRINT_ANY, "filter_mode", "mode",
				     "include");
		else if (mode == MCHOST_FMODE_EXCLUDE)
			print_string(p, PRINT_ANY, "filter_mode", "mode",
				     "exclude");
		else
			print_uint(p, PRINT_ANY, "filter_mode", "mode", mode);
	}
	/*
	 * JSON: "source_list":[{"address":S},...], always; text: "source S"
	 * for each.
	 */
	open_array(p, "source_list");
	if (tb[MCHOST_A_SOURCES]) {
		mnl_attr_for_each_nested(a, tb[MCHOST_A_SOURCES]) {
			if (mnl_attr_get_type(a) != MCHOST_A_SOURCE)
				continue;
			open_object(p, NULL);
			print_string(p, PRINT_ANY, "address", "source",
				     addr_format(mnl_attr_get_payload(a),
						 mnl_attr_get_payload_len(a),
						 abuf));
			close_object(p);
		}
	}
	close_array(p);
	/* A bare word in text, like "hold" on the join line. */
	if (tb[MCHOST_A_PENDING])
		print_flag(p, "pending", true);
	if (tb[MCHOST_A_OWNERS] && owners != PRINT_NONE)
		print_uint(p, owners, "owners", NULL,
			   mnl_attr_get_u32(tb[MCHOST_A_OWNERS]));
	/* -d: the report timers; a time that does not apply is left out. */
	for (i = 0; timers && i < ARRAY_SIZE(tfields); i++) {
		const struct nlattr *t = tb[tfields[i].type];

		if (t)
			print_uint(p, PRINT_ANY, tfields[i].key, NULL,
				   mnl_attr_get_payload_len(t) == 1 ?
				   mnl_attr_get_u8(t) : mnl_attr_get_u32(t));
	}
}

/*
 * -d: the querier state of one protocol (a nest of enum mchost_state_attr),
 * as "<proto>_<key> value" pairs after the interface's other fields; in
 * JSON an object per protocol: "igmp":{"rv":2,...}.
 */
static void print_state(struct printer *p, const char *proto,
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
	char key[32];

	if (!nest)
		return;
	open_object(p, proto);
	mnl_attr_for_each_nested(a, nest) {
		uint16_t type = mnl_attr_get_type(a);
		uint16_t len = mnl_attr_get_payload_len(a);
		uint32_t v;

		if (type > MCHOST_S_MAX || !keys[type] || (len != 1 && len != 4))
			continue;
		v = len == 1 ? mnl_attr_get_u8(a) : mnl_attr_get_u32(a);
		snprintf(key, sizeof(key), "%s_%s", proto, keys[type]);
		print_uint(p, PRINT_ANY, keys[type], key, v);
	}
	close_object(p);
}

/*
 * One device, then its own settings ("set"), if any:
 *   dev h0 ifindex 2 up 1 mtu 1500 igmp_version 3 ... groups6 1
 *   {"ifname":"h0","ifindex":2,"up":true,"mtu":1500,...,"groups6":1}
 *   ... groups6 1 set_igmp_version 2 set_robustness 3
 */
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
		{ MCHOST_A_SET_IGMP_VERSION, "set_igmp_version" },
		{ MCHOST_A_SET_MLD_VERSION, "set_mld_version" },
		{ MCHOST_A_SET_ROBUSTNESS, "set_robustness" },
		{ MCHOST_A_SET_REPORT_LINK_LOCAL, "set_report_link_local" },
	};
	const struct nlattr *tb[CTL_A_MAX + 1] = { 0 };
	char dbuf[DEV_NAME_BUF];
	struct dump *d = data;
	struct printer *p = &d->p;
	const char *dev;
	size_t i;

	if (parse_mchost_msg(nlh, d->family, tb))
		return -EBADMSG;
	dev = msg_dev(tb, dbuf);
	open_object(p, NULL);
	if (dev)
		print_string(p, PRINT_ANY, "ifname", "dev", dev);
	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		const struct nlattr *a = tb[fields[i].type];
		unsigned int v;

		if (!a)
			continue;
		v = mnl_attr_get_payload_len(a) == 1 ? mnl_attr_get_u8(a) :
						       mnl_attr_get_u32(a);
		/* A setting the device does not have: the parameter applies. */
		if (v == MCHOST_SET_DEFAULT &&
		    fields[i].type >= MCHOST_A_SET_IGMP_VERSION)
			continue;
		if (fields[i].type == MCHOST_A_UP)
			print_bool(p, PRINT_ANY, fields[i].key, NULL, v);
		else
			print_uint(p, PRINT_ANY, fields[i].key, NULL, v);
	}
	if (d->ctx->details) {
		print_state(p, "igmp", tb[MCHOST_A_IGMP_STATE]);
		print_state(p, "mld", tb[MCHOST_A_MLD_STATE]);
	}
	close_object(p);
	print_nl(p);
	return 0;
}

/*
 * Write a command's whole output at once. Flushed right away so that, in
 * a batch, it is not overtaken by the (unbuffered) messages of later lines.
 */
int write_out(const struct ctx *ctx, const char *text, size_t len)
{
	if (fwrite(text, 1, len, stdout) != len || fflush(stdout)) {
		error_msg(ctx, "cannot write output: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The device of a dump, dev DEV: in *@ifindex; or, when no such device
 * exists and the module keeps pending memberships, 0 with d->only_name
 * set, so that the pending memberships named DEV are found. Returns 0, or
 * 1 after reporting the error.
 */
static int dump_dev(struct nl *nl, const struct ctx *ctx, const char *dev,
		    uint8_t gcmd, struct dump *d, uint32_t *ifindex)
{
	int error;

	*ifindex = 0;
	if (!dev)
		return 0;
	error = dev_lookup(dev, ifindex);
	if (error == -ENODEV && gcmd == MCHOST_CMD_GET_GROUP &&
	    nl_has_pending(nl)) {
		d->only_name = dev;
		return 0;
	}
	if (error) {
		char *err = dev_error(dev, error);

		error_msg(ctx, "%s", err);
		free(err);
		return 1;
	}
	return 0;
}

/*
 * Run a dump of @d->... for dev @dev (or all): data messages go to @cb.
 * Returns 0, or 1 after reporting the error.
 */
static int do_dump(struct nl *nl, const struct ctx *ctx, const char *dev,
		   uint32_t seq, uint8_t gcmd, bool persistent, msg_cb_t cb,
		   struct dump *d)
{
	struct sbuf req = { 0 };
	const struct nlmsghdr *nlh;
	struct nl_reply r;
	uint32_t ifindex;
	int rc = 1;

	if (dump_dev(nl, ctx, dev, gcmd, d, &ifindex))
		return 1;
	nlh = build_dump(&req, nl->family, seq, gcmd, ifindex, persistent);
	nl_transact(nl, nlh, cb, d, &r);
	sbuf_free(&req);
	if (r.error) {
		error_msg(ctx, "%s", r.msg);
		goto out;
	}
	/* dev DEV: neither a device nor a pending membership of that name. */
	if (d->only_name && !d->shown) {
		char *err = dev_error(dev, -ENODEV);

		error_msg(ctx, "%s", err);
		free(err);
		goto out;
	}
	if (r.intr)
		warn_msg(ctx, "dump was interrupted, output may be inconsistent");
	rc = 0;
out:
	nl_reply_free(&r);
	return rc;
}

/*
 * Run a dump and print it: a JSON array, or one line per message. Output
 * is collected in memory first so that a failure half-way never leaves
 * truncated output (or broken JSON) behind.
 */
static int run_dump(struct nl *nl, const struct ctx *ctx, const char *dev,
		    uint32_t seq, uint8_t gcmd, bool save, msg_cb_t cb)
{
	struct dump d = { .family = nl->family, .ctx = ctx, .save = save };
	char *text = NULL;
	size_t text_len = 0;
	FILE *out;
	int rc;

	out = open_memstream(&text, &text_len);
	if (!out) {
		error_msg(ctx, "open_memstream: %s", strerror(errno));
		return 1;
	}
	print_init(&d.p, out, ctx);
	open_array(&d.p, NULL);
	rc = do_dump(nl, ctx, dev, seq, gcmd, save, cb, &d);
	close_array(&d.p);
	if (fclose(out)) {
		if (!rc)
			error_msg(ctx, "cannot buffer output: %s",
				  strerror(errno));
		rc = 1;
	}
	if (!rc && write_out(ctx, text, text_len))
		rc = 1;
	free(text);
	return rc;
}

int run_show(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	     uint32_t seq)
{
	return run_dump(nl, ctx, c->dev, seq, MCHOST_CMD_GET_GROUP, false,
			show_cb);
}

/*
 * The persistent owner's filters (MCHOST_A_PERSISTENT on the dump), in
 * join syntax: what "-b" needs to restore them.
 */
int run_save(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	     uint32_t seq)
{
	return run_dump(nl, ctx, c->dev, seq, MCHOST_CMD_GET_GROUP, true,
			show_cb);
}

int run_ifaces(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
	       uint32_t seq)
{
	return run_dump(nl, ctx, c->dev, seq, MCHOST_CMD_GET_IFACE, false,
			ifaces_cb);
}

static int collect_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTL_A_MAX + 1] = { 0 };
	char dbuf[DEV_NAME_BUF];
	struct dump *d = data;
	const struct nlattr *g;
	struct memb *m;
	const char *dev;

	if (parse_mchost_msg(nlh, d->family, tb))
		return -EBADMSG;
	dev = msg_dev(tb, dbuf);
	g = tb[MCHOST_A_GROUP];
	if (!dev || !g || strlen(dev) >= IF_NAMESIZE)
		return -EBADMSG;
	if (name_skipped(d, dev, tb))
		return 0;
	d->shown++;
	d->members = grow_array(d->members, &d->members_cap,
				d->nmembers + 1, sizeof(*d->members));
	m = &d->members[d->nmembers++];
	memset(m, 0, sizeof(*m));
	if (tb[MCHOST_A_IFINDEX])
		m->ifindex = mnl_attr_get_u32(tb[MCHOST_A_IFINDEX]);
	snprintf(m->ifname, sizeof(m->ifname), "%s", dev);
	m->group.len = mnl_attr_get_payload_len(g);
	memcpy(m->group.b, mnl_attr_get_payload(g), m->group.len);
	m->pending = tb[MCHOST_A_PENDING];
	return 0;
}

/*
 * The memberships that have a persistent filter (of device @dev, or all)
 * into *@out (allocated) and *@n. A module that cannot dump the persistent
 * filters alone lists every membership, and leaving one that has no
 * persistent filter then fails with ENOENT, which flush and apply ignore.
 * Returns 0, or 1 after reporting the error.
 */
int dump_members(struct nl *nl, const struct ctx *ctx, const char *dev,
		 uint32_t seq, struct memb **out, size_t *n)
{
	struct dump d = { .family = nl->family, .ctx = ctx };
	int rc;

	rc = do_dump(nl, ctx, dev, seq, MCHOST_CMD_GET_GROUP, true,
		     collect_cb, &d);
	if (rc) {
		free(d.members);
		d.members = NULL;
		d.nmembers = 0;
	}
	*out = d.members;
	*n = d.nmembers;
	return rc;
}
