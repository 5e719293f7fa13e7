// SPDX-License-Identifier: GPL-2.0
/*
 * mchostctl: monitor, the notifications of the "monitor" multicast group,
 * one line (or JSON object) each, as "bridge monitor mdb" prints them:
 *
 *   join dev h0 group 239.1.1.1 mode exclude owners 1
 *   leave dev h0 group 239.1.1.1 mode include owners 0
 *   compat dev h0 igmp_version 2
 *   {"event":"join","ifindex":2,"ifname":"h0","grp":"239.1.1.1",...}
 */
#include "mchostctl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

/* The word of each enum mchost_event. */
static const char *event_name(const struct nlattr *a)
{
	static const char *const names[] = {
		[MCHOST_EVENT_JOIN] = "join",
		[MCHOST_EVENT_CHANGE] = "change",
		[MCHOST_EVENT_LEAVE] = "leave",
		[MCHOST_EVENT_OWNER_GONE] = "owner-gone",
		[MCHOST_EVENT_DEVICE_GONE] = "device-gone",
		[MCHOST_EVENT_COMPAT] = "compat",
	};
	uint8_t e = a ? mnl_attr_get_u8(a) : 0;

	return e < ARRAY_SIZE(names) && names[e] ? names[e] : "unknown";
}

/* The cause: a bare first word in text, "event" in JSON. */
static void print_event(struct printer *p, const struct nlattr *a)
{
	print_string(p, PRINT_TEXT, NULL, NULL, event_name(a));
	print_string(p, PRINT_JSON, "event", NULL, event_name(a));
}

static void print_compat(struct printer *p,
			 const struct nlattr *const tb[CTL_A_MAX + 1],
			 const char *dev)
{
	if (tb[MCHOST_A_IFINDEX])
		print_uint(p, PRINT_JSON, "ifindex", NULL,
			   mnl_attr_get_u32(tb[MCHOST_A_IFINDEX]));
	print_string(p, PRINT_ANY, "ifname", "dev", dev);
	if (tb[MCHOST_A_IGMP_VERSION])
		print_uint(p, PRINT_ANY, "igmp_version", NULL,
			   mnl_attr_get_u8(tb[MCHOST_A_IGMP_VERSION]));
	if (tb[MCHOST_A_MLD_VERSION])
		print_uint(p, PRINT_ANY, "mld_version", NULL,
			   mnl_attr_get_u8(tb[MCHOST_A_MLD_VERSION]));
}

/* One notification; messages it does not know are skipped. */
static int monitor_msg(const struct nl *nl, const struct ctx *ctx,
		       const struct nlmsghdr *nlh, struct printer *p)
{
	const struct nlattr *tb[CTL_A_MAX + 1] = { 0 };
	char abuf[INET6_ADDRSTRLEN], dbuf[DEV_NAME_BUF];
	const struct genlmsghdr *genl;
	const char *dev, *group;

	if (parse_mchost_msg(nlh, nl->family, tb))
		return -EBADMSG;
	genl = mnl_nlmsg_get_payload(nlh);
	/* One JSON document per notification. */
	print_init(p, stdout, ctx);
	switch (genl->cmd) {
	case MCHOST_CMD_GROUP_NTF:
		if (member_check(tb, dbuf, abuf, &dev, &group))
			return -EBADMSG;
		open_object(p, NULL);
		print_event(p, tb[MCHOST_A_EVENT]);
		print_member(p, tb, dev, group, PRINT_ANY, false);
		break;
	case MCHOST_CMD_COMPAT_NTF:
		if (!tb[MCHOST_A_IFNAME])
			return -EBADMSG;
		dev = mnl_attr_get_str(tb[MCHOST_A_IFNAME]);
		open_object(p, NULL);
		print_event(p, tb[MCHOST_A_EVENT]);
		print_compat(p, tb, dev);
		break;
	default:
		return 0;
	}
	close_object(p);
	print_nl(p);
	return 0;
}

/*
 * Subscribe to the group and print what comes until killed. ENOBUFS says
 * notifications were lost (our receive buffer overflowed, or the kernel
 * could not build one): say so, and go on, as "ip monitor" does; the
 * state can be dumped again with show.
 */
int run_monitor(struct nl *nl, const struct ctx *ctx, const struct cmd *c,
		uint32_t seq)
{
	int grp = nl->monitor;
	struct printer p;

	(void)c;
	(void)seq;
	if (!nl->monitor) {
		error_msg(ctx, "this mchost module sends no notifications (no \"%s\" group)",
			  MCHOST_MCGRP_MONITOR);
		return 1;
	}
	if (setsockopt(nl->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
		       sizeof(grp)) < 0) {
		error_msg(ctx, "cannot join the \"%s\" group: %s",
			  MCHOST_MCGRP_MONITOR, strerror(errno));
		return 1;
	}
	for (;;) {
		const struct nlmsghdr *nlh;
		ssize_t n = nl_recv(nl, 0);
		int left;

		if (n < 0) {
			if (errno != ENOBUFS) {
				error_msg(ctx, "cannot receive notifications: %s",
					  strerror(errno));
				return 1;
			}
			warn_msg(ctx, "notifications were lost");
			continue;
		}
		nlh = (const struct nlmsghdr *)nl->rbuf;
		left = n;
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_type != nl->family)
				continue;
			if (monitor_msg(nl, ctx, nlh, &p))
				warn_msg(ctx, "malformed notification skipped");
		}
		if (fflush(stdout) || ferror(stdout)) {
			error_msg(ctx, "cannot write output: %s",
				  strerror(errno));
			return 1;
		}
	}
}
