// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink family "mchost": join, leave, dump memberships and
 * interfaces. A request is validated completely before anything changes,
 * and every rejection carries an extended-ack message.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/addrconf.h>
#include <linux/mchost.h>
#include "genl.h"
#include "group.h"
#include "dev.h"
#include "params.h"
#include "pending.h"
#include "proto.h"
#include "testing.h"

static const struct nla_policy mchost_src_policy[MCHOST_A_MAX + 1] = {
	[MCHOST_A_SOURCE]	= { .type = NLA_BINARY, .len = 16 },
};

static const struct nla_policy mchost_policy[MCHOST_A_MAX + 1] = {
	[MCHOST_A_IFINDEX]	= NLA_POLICY_MIN(NLA_U32, 1),
	[MCHOST_A_GROUP]	= { .type = NLA_BINARY, .len = 16 },
	[MCHOST_A_FMODE]	= NLA_POLICY_RANGE(NLA_U8, MCHOST_FMODE_INCLUDE,
						   MCHOST_FMODE_EXCLUDE),
	[MCHOST_A_SOURCES]	= NLA_POLICY_NESTED(mchost_src_policy),
	[MCHOST_A_PERSISTENT]	= { .type = NLA_FLAG },
	/* Checked by mchost_genl_target(). */
	[MCHOST_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[MCHOST_A_PENDING]	= { .type = NLA_FLAG },
	/*
	 * Its content is a JOIN's attributes, parsed with this policy per
	 * entry: a bad one fails alone (mchost_genl_join_batch()).
	 */
	[MCHOST_A_MEMBERSHIP]	= { .type = NLA_NESTED },
	/* Ranges checked by mchost_genl_setting(): 255 is "default". */
	[MCHOST_A_SET_IGMP_VERSION]	= { .type = NLA_U8 },
	[MCHOST_A_SET_MLD_VERSION]	= { .type = NLA_U8 },
	[MCHOST_A_SET_ROBUSTNESS]	= { .type = NLA_U8 },
	[MCHOST_A_SET_REPORT_LINK_LOCAL] = { .type = NLA_U8 },
	/* The rest are output only. */
	[MCHOST_A_SOURCE]	= { .type = NLA_REJECT },
	[MCHOST_A_OWNERS]	= { .type = NLA_REJECT },
	[MCHOST_A_IGMP_VERSION]	= { .type = NLA_REJECT },
	[MCHOST_A_MLD_VERSION]	= { .type = NLA_REJECT },
	[MCHOST_A_NGROUPS4]	= { .type = NLA_REJECT },
	[MCHOST_A_NGROUPS6]	= { .type = NLA_REJECT },
	[MCHOST_A_MTU]		= { .type = NLA_REJECT },
	[MCHOST_A_UP]		= { .type = NLA_REJECT },
	[MCHOST_A_IGMP_STATE]	= { .type = NLA_REJECT },
	[MCHOST_A_MLD_STATE]	= { .type = NLA_REJECT },
	[MCHOST_A_EVENT]	= { .type = NLA_REJECT },
	[MCHOST_A_IGMP_STATS]	= { .type = NLA_REJECT },
	[MCHOST_A_MLD_STATS]	= { .type = NLA_REJECT },
	[MCHOST_A_RTX_LEFT]	= { .type = NLA_REJECT },
	[MCHOST_A_NEXT_REPORT_MS] = { .type = NLA_REJECT },
	[MCHOST_A_LAST_REPORT_MS] = { .type = NLA_REJECT },
	[MCHOST_A_FAILED]	= { .type = NLA_REJECT },
};

static struct genl_family mchost_genl_family;

/* An address attribute: 4 bytes is IPv4 (kept IPv4-mapped), 16 is IPv6. */
static int mchost_nla_addr(const struct nlattr *nla, struct in6_addr *a,
			   u8 *family)
{
	switch (nla_len(nla)) {
	case sizeof(__be32):
		ipv6_addr_set_v4mapped(nla_get_in_addr(nla), a);
		*family = AF_INET;
		return 0;
	case sizeof(struct in6_addr):
		*a = nla_get_in6_addr(nla);
		*family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static int mchost_parse_group(struct genl_info *info, struct in6_addr *group,
			      u8 *family)
{
	struct nlattr *nla = info->attrs[MCHOST_A_GROUP];
	struct netlink_ext_ack *extack = info->extack;

	if (GENL_REQ_ATTR_CHECK(info, MCHOST_A_GROUP)) {
		NL_SET_ERR_MSG(extack, "missing group (MCHOST_A_GROUP)");
		return -EINVAL;
	}
	if (mchost_nla_addr(nla, group, family)) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "group must be a 4-byte IPv4 or 16-byte IPv6 address");
		return -EINVAL;
	}
	if (*family == AF_INET) {
		__be32 g = group->s6_addr32[3];

		if (!ipv4_is_multicast(g)) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "group is not a multicast address");
			return -EINVAL;
		}
		/* RFC 9776 §5: all-hosts is joined by every host, never reported. */
		if (g == htonl(INADDR_ALLHOSTS_GROUP)) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "the all-hosts group (224.0.0.1) cannot be joined");
			return -EINVAL;
		}
		return 0;
	}
	if (!ipv6_addr_is_multicast(group)) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "group is not a multicast address");
		return -EINVAL;
	}
	/* RFC 9777 §6: scope 0 and 1 groups are never reported. */
	if (IPV6_ADDR_MC_SCOPE(group) <= IPV6_ADDR_SCOPE_NODELOCAL) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "IPv6 groups of scope 0 or 1 cannot be joined");
		return -EINVAL;
	}
	if (ipv6_addr_is_ll_all_nodes(group)) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "the all-hosts group (ff02::1) cannot be joined");
		return -EINVAL;
	}
	return 0;
}

static bool mchost_src_is_unicast(const struct in6_addr *a, u8 family)
{
	if (family == AF_INET)
		return !ipv4_is_multicast(a->s6_addr32[3]) &&
		       !ipv4_is_zeronet(a->s6_addr32[3]) &&
		       !ipv4_is_lbcast(a->s6_addr32[3]);
	return !ipv6_addr_any(a) && !ipv6_addr_is_multicast(a);
}

/* Sources: same family as the group, unicast, unique, at most max_sources. */
static int mchost_parse_sources(struct genl_info *info, u8 family,
				struct mchost_slist **out)
{
	struct nlattr *nest = info->attrs[MCHOST_A_SOURCES];
	struct netlink_ext_ack *extack = info->extack;
	unsigned int max = mchost_param(max_sources);
	struct mchost_slist *s;
	struct nlattr *nla;
	int n = 0, rem, err;
	u8 sfamily;

	*out = NULL;
	if (!nest)
		return 0;
	nla_for_each_nested(nla, nest, rem)
		n++;
	if (!n)
		return 0;
	if (n > max) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "too many sources (more than max_sources)");
		return -E2BIG;
	}
	s = mchost_slist_alloc(n, GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	nla_for_each_nested(nla, nest, rem) {
		struct in6_addr *a = &s->addr[s->nr];

		err = -EINVAL;
		if (nla_type(nla) != MCHOST_A_SOURCE) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "only MCHOST_A_SOURCE may be nested in MCHOST_A_SOURCES");
			goto err;
		}
		if (mchost_nla_addr(nla, a, &sfamily)) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "source must be a 4-byte IPv4 or 16-byte IPv6 address");
			goto err;
		}
		if (sfamily != family) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "source address family differs from the group's");
			goto err;
		}
		if (!mchost_src_is_unicast(a, family)) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "source is not a unicast address");
			goto err;
		}
		s->nr++;
	}
	if (mchost_slist_sort(s)) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "duplicate source address");
		err = -EINVAL;
		goto err;
	}
	*out = s;
	return 0;
err:
	mchost_slist_free(s);
	return err;
}

/* The state of dev, named by attribute nla of a request. RTNL. */
static struct mchost_dev *mchost_genl_dev_state(struct genl_info *info,
						struct net_device *dev,
						struct nlattr *nla)
{
	struct mchost_dev *md;

	/* Like the stock stack, allow devices without IFF_MULTICAST (dummy). */
	if (dev->flags & IFF_LOOPBACK) {
		NL_SET_ERR_MSG_ATTR(info->extack, nla,
				    "memberships on a loopback device are meaningless");
		return ERR_PTR(-EOPNOTSUPP);
	}
	md = mchost_dev_get(dev);
	return md ?: ERR_PTR(-ENOMEM);
}

/* Device from MCHOST_A_IFINDEX, under RTNL. */
static struct mchost_dev *mchost_genl_dev(struct genl_info *info)
{
	struct nlattr *nla = info->attrs[MCHOST_A_IFINDEX];
	struct net_device *dev;

	dev = __dev_get_by_index(genl_info_net(info), nla_get_u32(nla));
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(info->extack, nla, "unknown device");
		return ERR_PTR(-ENODEV);
	}
	return mchost_genl_dev_state(info, dev, nla);
}

/*
 * The device of a JOIN or LEAVE, under RTNL: by MCHOST_A_IFINDEX, which
 * MCHOST_A_IFNAME must name too if given; or by the name alone, NULL if
 * no device has it.
 */
static struct mchost_dev *mchost_genl_target_dev(struct genl_info *info)
{
	struct nlattr *name = info->attrs[MCHOST_A_IFNAME];
	struct net_device *dev;

	if (!info->attrs[MCHOST_A_IFINDEX]) {
		dev = __dev_get_by_name(genl_info_net(info), nla_data(name));
		return dev ? mchost_genl_dev_state(info, dev, name) : NULL;
	}
	dev = __dev_get_by_index(genl_info_net(info),
				 nla_get_u32(info->attrs[MCHOST_A_IFINDEX]));
	if (dev && name && strcmp(dev->name, nla_data(name))) {
		NL_SET_ERR_MSG_ATTR(info->extack, name,
				    "MCHOST_A_IFNAME is not the name of device MCHOST_A_IFINDEX");
		return ERR_PTR(-EINVAL);
	}
	return mchost_genl_dev(info);
}

/* The owner a request acts for: its socket, or NULL for the persistent one. */
static struct sock *mchost_genl_owner(struct sk_buff *skb,
				      struct genl_info *info)
{
	return nla_get_flag(info->attrs[MCHOST_A_PERSISTENT]) ?
	       NULL : NETLINK_CB(skb).sk;
}

/*
 * What JOIN and LEAVE both name: a device (looked up later), by index,
 * name or both, and a group; and, for JOIN, whether it is pending.
 */
static int mchost_genl_target(struct genl_info *info, struct in6_addr *group,
			      u8 *family)
{
	struct nlattr *pending = info->attrs[MCHOST_A_PENDING];
	struct nlattr *name = info->attrs[MCHOST_A_IFNAME];
	struct netlink_ext_ack *extack = info->extack;

	if (pending && info->genlhdr->cmd == MCHOST_CMD_LEAVE) {
		NL_SET_ERR_MSG_ATTR(extack, pending,
				    "LEAVE takes no MCHOST_A_PENDING: name the device by MCHOST_A_IFNAME");
		return -EINVAL;
	}
	if (pending && !info->attrs[MCHOST_A_PERSISTENT]) {
		NL_SET_ERR_MSG_ATTR(extack, pending,
				    "pending memberships are persistent: MCHOST_A_PERSISTENT is needed");
		return -EINVAL;
	}
	if (pending && !name) {
		NL_SET_ERR_MSG_ATTR(extack, pending,
				    "a pending membership needs the device name (MCHOST_A_IFNAME)");
		return -EINVAL;
	}
	if (name && !dev_valid_name(nla_data(name))) {
		NL_SET_ERR_MSG_ATTR(extack, name, "invalid device name");
		return -EINVAL;
	}
	if (!name && GENL_REQ_ATTR_CHECK(info, MCHOST_A_IFINDEX)) {
		NL_SET_ERR_MSG(extack, "missing device (MCHOST_A_IFINDEX)");
		return -EINVAL;
	}
	return mchost_parse_group(info, group, family);
}

/* A device named by MCHOST_A_IFNAME alone that does not exist. */
static int mchost_genl_no_dev(struct genl_info *info)
{
	NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[MCHOST_A_IFNAME],
			    "unknown device");
	return -ENODEV;
}

/* A JOIN request, parsed. */
struct mchost_join_req {
	struct mchost_filter f;
	struct in6_addr group;
	u8 family;
	bool pending;
};

static int mchost_genl_join_parse(struct genl_info *info,
				  struct mchost_join_req *r)
{
	int err;

	r->f.mode = MCHOST_FMODE_EXCLUDE;
	r->f.src = NULL;
	r->pending = nla_get_flag(info->attrs[MCHOST_A_PENDING]);
	err = mchost_genl_target(info, &r->group, &r->family);
	if (err)
		return err;
	if (info->attrs[MCHOST_A_FMODE])
		r->f.mode = nla_get_u8(info->attrs[MCHOST_A_FMODE]);
	err = mchost_parse_sources(info, r->family, &r->f.src);
	if (err)
		return err;
	/* RFC 9776 §3.1: INCLUDE {} is the state of a non-member. */
	if (r->f.mode == MCHOST_FMODE_INCLUDE && !r->f.src) {
		NL_SET_ERR_MSG(info->extack,
			       "INCLUDE with no sources is a leave, use LEAVE");
		return -EINVAL;
	}
	return 0;
}

/*
 * A batch JOIN's state: the devices whose reports it holds back (past the
 * array's size a device's reports simply go out one by one), and its
 * reply of failed memberships being filled.
 */
struct mchost_join_batch {
	struct mchost_dev *devs[8];
	unsigned int ndevs;
	struct sk_buff *reply;
	void *hdr;
	int lost;	/* why some failures could not be told, or 0 */
};

static void mchost_join_batch_add(struct mchost_join_batch *b,
				  struct mchost_dev *md)
{
	unsigned int i;

	for (i = 0; i < b->ndevs; i++)
		if (b->devs[i] == md)
			return;
	if (b->ndevs < ARRAY_SIZE(b->devs)) {
		mchost_dev_batch_begin(md);
		b->devs[b->ndevs++] = md;
	}
}

/* Send the reply filled so far. */
static int mchost_join_reply(struct genl_info *info,
			     struct mchost_join_batch *b)
{
	struct sk_buff *skb = b->reply;

	b->reply = NULL;
	genlmsg_end(skb, b->hdr);
	return genlmsg_reply(skb, info);
}

/*
 * Tell the failure of membership 'index': into the reply, which is sent
 * when full and another one started (any number precede the ack).
 */
static void mchost_join_failed(struct genl_info *info,
			       struct mchost_join_batch *b, u32 index,
			       int err, const char *msg)
{
	struct nlattr *nest;
	bool fresh;

	while (!b->lost) {
		fresh = !b->reply;
		if (fresh) {
			b->reply = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
			b->hdr = b->reply ?
				 genlmsg_put_reply(b->reply, info,
						   &mchost_genl_family, 0,
						   MCHOST_CMD_JOIN) : NULL;
			if (!b->hdr) {
				nlmsg_free(b->reply);
				b->reply = NULL;
				b->lost = -ENOMEM;
				return;
			}
		}
		nest = nla_nest_start(b->reply, MCHOST_A_FAILED);
		if (nest && !nla_put_u32(b->reply, MCHOST_F_INDEX, index) &&
		    !nla_put_u32(b->reply, MCHOST_F_ERROR, -err) &&
		    (!msg || !nla_put_string(b->reply, MCHOST_F_MESSAGE, msg))) {
			nla_nest_end(b->reply, nest);
			return;
		}
		nla_nest_cancel(b->reply, nest);
		/* Full: send it and go on in the next (one always fits). */
		b->lost = fresh ? -EMSGSIZE : mchost_join_reply(info, b);
	}
}

/* Apply a parsed JOIN, under RTNL; r->f.src is consumed. */
static int mchost_genl_join_apply(struct sk_buff *skb, struct genl_info *info,
				  struct mchost_join_req *r,
				  struct mchost_join_batch *b)
{
	struct nlattr *name = info->attrs[MCHOST_A_IFNAME];
	struct mchost_dev *md;

	md = mchost_genl_target_dev(info);
	if (IS_ERR(md) || (!md && !r->pending)) {
		mchost_slist_free(r->f.src);
		return md ? PTR_ERR(md) : mchost_genl_no_dev(info);
	}
	if (b && md)
		mchost_join_batch_add(b, md);
	if (r->pending)
		/* The name is the membership's, whoever has it now. */
		return mchost_pending_join(mchost_net(genl_info_net(info)), md,
					   nla_data(name), &r->group, r->family,
					   &r->f, info->extack);
	return mchost_group_join(md, &r->group, r->family, info->snd_portid,
				 mchost_genl_owner(skb, info), &r->f, false,
				 info->extack);
}

/* The membership attributes JOIN takes, which a batch has in its entries. */
static const int mchost_join_attrs[] = {
	MCHOST_A_IFINDEX, MCHOST_A_IFNAME, MCHOST_A_GROUP, MCHOST_A_FMODE,
	MCHOST_A_SOURCES, MCHOST_A_PERSISTENT, MCHOST_A_PENDING,
};

/*
 * A JOIN of MCHOST_A_MEMBERSHIP entries: each is applied in order as a JOIN
 * of its own would be, a failing one alone failing (its error and extack
 * message go into the reply), under one RTNL; their state-change reports
 * leave packed at the end. Only a malformed batch fails as a whole, and
 * then nothing changes.
 */
static int mchost_genl_join_batch(struct sk_buff *skb, struct genl_info *info)
{
	struct mchost_join_batch b = { .ndevs = 0 };
	struct mchost_join_req r;
	unsigned int n = 0, i;
	struct nlattr **tb;
	struct nlattr *nla;
	int rem, err;

	for (i = 0; i < ARRAY_SIZE(mchost_join_attrs); i++) {
		if (info->attrs[mchost_join_attrs[i]]) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[mchost_join_attrs[i]],
					    "a batch JOIN has its memberships in MCHOST_A_MEMBERSHIP only");
			return -EINVAL;
		}
	}
	nlmsg_for_each_attr(nla, info->nlhdr, GENL_HDRLEN, rem)
		if (nla_type(nla) == MCHOST_A_MEMBERSHIP)
			n++;
	if (n > MCHOST_BATCH_MAX) {
		NL_SET_ERR_MSG(info->extack,
			       "more than MCHOST_BATCH_MAX memberships");
		return -E2BIG;
	}
	tb = kmalloc_array(MCHOST_A_MAX + 1, sizeof(*tb), GFP_KERNEL);
	if (!tb)
		return -ENOMEM;

	i = 0;
	rtnl_lock();
	nlmsg_for_each_attr(nla, info->nlhdr, GENL_HDRLEN, rem) {
		struct netlink_ext_ack ext = {};
		struct genl_info ei = *info;

		if (nla_type(nla) != MCHOST_A_MEMBERSHIP)
			continue;
		/* The entry stands for the request in every helper. */
		ei.attrs = tb;
		ei.extack = &ext;
		err = nla_parse_nested(tb, MCHOST_A_MAX, nla, mchost_policy,
				       &ext);
		if (!err && tb[MCHOST_A_MEMBERSHIP]) {
			NL_SET_ERR_MSG(&ext, "MCHOST_A_MEMBERSHIP does not nest");
			err = -EINVAL;
		}
		err = err ?: mchost_genl_join_parse(&ei, &r);
		err = err ?: mchost_genl_join_apply(skb, &ei, &r, &b);
		if (err)
			mchost_join_failed(info, &b, i, err, ext._msg);
		i++;
	}
	for (i = 0; i < b.ndevs; i++)
		mchost_dev_batch_end(b.devs[i]);
	rtnl_unlock();
	kfree(tb);

	err = b.lost;
	if (b.reply) {
		if (err)
			nlmsg_free(b.reply);
		else
			err = mchost_join_reply(info, &b);
	}
	if (err)
		/* Every membership was tried: only what failed is unknown. */
		NL_SET_ERR_MSG(info->extack,
			       "cannot send the list of failed memberships: the outcome of some is unknown");
	return err;
}

static int mchost_genl_join(struct sk_buff *skb, struct genl_info *info)
{
	struct mchost_join_req r;
	int err;

	if (info->attrs[MCHOST_A_MEMBERSHIP])
		return mchost_genl_join_batch(skb, info);
	err = mchost_genl_join_parse(info, &r);
	if (err)
		return err;
	rtnl_lock();
	err = mchost_genl_join_apply(skb, info, &r, NULL);
	rtnl_unlock();
	return err;
}

static int mchost_genl_leave(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *name = info->attrs[MCHOST_A_IFNAME];
	struct sock *owner = mchost_genl_owner(skb, info);
	struct mchost_dev *md;
	struct in6_addr group;
	u8 family;
	int err;

	err = mchost_genl_target(info, &group, &family);
	if (err)
		return err;

	rtnl_lock();
	md = mchost_genl_target_dev(info);
	if (IS_ERR(md))
		err = PTR_ERR(md);
	else if (name && !owner)	/* a pending membership's too */
		err = mchost_pending_leave(mchost_net(genl_info_net(info)), md,
					   nla_data(name), &group,
					   info->extack);
	else if (!md)
		err = mchost_genl_no_dev(info);
	else
		err = mchost_group_leave(md, &group, owner, info->extack);
	rtnl_unlock();
	return err;
}

/*
 * One MCHOST_A_SET_* attribute into *out: MCHOST_PROTO_KEEP if absent, 0
 * for the parameter, else the value plus bias (report_link_local's 0 and 1
 * are stored as 1 and 2, since 0 means "the parameter").
 */
static bool mchost_genl_setting(struct genl_info *info, int type, u8 lo,
				u8 hi, u8 bias, u8 *out)
{
	struct nlattr *nla = info->attrs[type];
	u8 v;

	*out = MCHOST_PROTO_KEEP;
	if (!nla)
		return true;
	v = nla_get_u8(nla);
	if (v == MCHOST_SET_DEFAULT) {
		*out = 0;
		return true;
	}
	if (v < lo || v > hi)
		return false;
	*out = v + bias;
	return true;
}

static int mchost_genl_set(struct sk_buff *skb, struct genl_info *info)
{
	struct mchost_proto_settings set;
	struct mchost_dev *md;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, MCHOST_A_IFINDEX)) {
		NL_SET_ERR_MSG(info->extack, "missing device (MCHOST_A_IFINDEX)");
		return -EINVAL;
	}
	if (!mchost_genl_setting(info, MCHOST_A_SET_IGMP_VERSION, 1, 3, 0,
				 &set.version[MCHOST_IGMP])) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[MCHOST_A_SET_IGMP_VERSION],
				    "igmp_version must be 1, 2 or 3");
		return -EINVAL;
	}
	if (!mchost_genl_setting(info, MCHOST_A_SET_MLD_VERSION, 1, 2, 0,
				 &set.version[MCHOST_MLD])) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[MCHOST_A_SET_MLD_VERSION],
				    "mld_version must be 1 or 2");
		return -EINVAL;
	}
	/* RFC 9776 §8.1: the Robustness Variable must not be zero. */
	if (!mchost_genl_setting(info, MCHOST_A_SET_ROBUSTNESS, 1, 7, 0,
				 &set.rv)) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[MCHOST_A_SET_ROBUSTNESS],
				    "robustness must be 1 to 7");
		return -EINVAL;
	}
	if (!mchost_genl_setting(info, MCHOST_A_SET_REPORT_LINK_LOCAL, 0, 1, 1,
				 &set.rll)) {
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[MCHOST_A_SET_REPORT_LINK_LOCAL],
				    "report_link_local must be 0 or 1");
		return -EINVAL;
	}
	if (set.version[MCHOST_IGMP] == MCHOST_PROTO_KEEP &&
	    set.version[MCHOST_MLD] == MCHOST_PROTO_KEEP &&
	    set.rv == MCHOST_PROTO_KEEP && set.rll == MCHOST_PROTO_KEEP) {
		NL_SET_ERR_MSG(info->extack, "nothing to set");
		return -EINVAL;
	}

	rtnl_lock();
	md = mchost_genl_dev(info);
	if (IS_ERR(md)) {
		err = PTR_ERR(md);
	} else {
		mchost_dev_lock(md);
		if (!md->dead)
			mchost_proto_configure(md, &set, ktime_get());
		mchost_dev_unlock(md);
	}
	rtnl_unlock();
	return err;
}

/* A setting for GET_IFACE: MCHOST_SET_DEFAULT where the parameter applies. */
static u8 mchost_setting_out(u8 v, u8 bias)
{
	return v ? v - bias : MCHOST_SET_DEFAULT;
}

/* Dump position, in netlink_callback.ctx. */
struct mchost_dump_ctx {
	unsigned long filter;		/* only this ifindex, or 0 */
	unsigned long ifindex;		/* device being dumped */
	struct mchost_dev_pos pos;	/* where in it */
	bool persistent;		/* GET_GROUP: persistent filters only */
	u32 waiting;			/* GET_GROUP: waiting ones dumped */
};

static struct mchost_dump_ctx *mchost_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct mchost_dump_ctx) > sizeof(cb->ctx));
	return (struct mchost_dump_ctx *)cb->ctx;
}

static int mchost_dump_start(struct netlink_callback *cb)
{
	struct nlattr *tb[MCHOST_A_MAX + 1];
	int err;

	err = nlmsg_parse(cb->nlh, GENL_HDRLEN, tb, MCHOST_A_MAX,
			  mchost_policy, cb->extack);
	if (err)
		return err;
	if (tb[MCHOST_A_IFINDEX])
		mchost_dump_ctx(cb)->filter = nla_get_u32(tb[MCHOST_A_IFINDEX]);
	mchost_dump_ctx(cb)->persistent = nla_get_flag(tb[MCHOST_A_PERSISTENT]);
	/* A group with max sources must fit in one message. */
	cb->min_dump_alloc = NLMSG_GOODSIZE +
			     MCHOST_MAX_SOURCES_LIMIT *
			     nla_total_size(sizeof(struct in6_addr));
	return 0;
}

static int mchost_put_addr(struct sk_buff *skb, int type,
			   const struct in6_addr *a, u8 family)
{
	if (family == AF_INET)
		return nla_put_in_addr(skb, type, a->s6_addr32[3]);
	return nla_put_in6_addr(skb, type, a);
}

/* Where a group message goes: a dump's reply, or a notification. */
struct mchost_genl_msg {
	u32 portid, seq;
	int flags;
	u8 cmd;
	u8 event;	/* MCHOST_A_EVENT, 0 for none */
	bool gone;	/* the membership is gone: OWNERS 0 */
};

/* The report timers of grp, md's lock held. */
static int mchost_put_timers(struct sk_buff *skb,
			     const struct mchost_group *grp)
{
	struct mchost_group_timers t;

	mchost_proto_group_timers(grp, ktime_get(), &t);
	if (nla_put_u8(skb, MCHOST_A_RTX_LEFT, t.rtx_left) ||
	    (t.next_ms != U32_MAX &&
	     nla_put_u32(skb, MCHOST_A_NEXT_REPORT_MS, t.next_ms)) ||
	    (t.last_ms != U32_MAX &&
	     nla_put_u32(skb, MCHOST_A_LAST_REPORT_MS, t.last_ms)))
		return -EMSGSIZE;
	return 0;
}

/*
 * A membership's message: ifindex 0 and no grp for a waiting pending one;
 * with m->gone no owners, and no timers. The lock of grp's device held.
 */
static int mchost_fill_memb(struct sk_buff *skb, const struct mchost_genl_msg *m,
			    int ifindex, const char *name,
			    const struct in6_addr *addr, u8 family, u32 owners,
			    bool pending, const struct mchost_group *grp,
			    const struct mchost_filter *f)
{
	const struct mchost_slist *src = f->src;
	struct nlattr *nest;
	unsigned int i;
	void *hdr;

	hdr = genlmsg_put(skb, m->portid, m->seq, &mchost_genl_family,
			  m->flags, m->cmd);
	if (!hdr)
		return -EMSGSIZE;
	if ((ifindex && nla_put_u32(skb, MCHOST_A_IFINDEX, ifindex)) ||
	    nla_put_string(skb, MCHOST_A_IFNAME, name) ||
	    mchost_put_addr(skb, MCHOST_A_GROUP, addr, family) ||
	    nla_put_u8(skb, MCHOST_A_FMODE, f->mode) ||
	    nla_put_u32(skb, MCHOST_A_OWNERS, m->gone ? 0 : owners) ||
	    (pending && nla_put_flag(skb, MCHOST_A_PENDING)) ||
	    (m->event && nla_put_u8(skb, MCHOST_A_EVENT, m->event)) ||
	    (!m->gone && grp && mchost_put_timers(skb, grp)))
		goto cancel;
	nest = nla_nest_start(skb, MCHOST_A_SOURCES);
	if (!nest)
		goto cancel;
	for (i = 0; i < mchost_slist_nr(src); i++)
		if (mchost_put_addr(skb, MCHOST_A_SOURCE, &src->addr[i],
				    family))
			goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int mchost_fill_group(struct sk_buff *skb, const struct mchost_genl_msg *m,
			     const struct mchost_dev *md,
			     const struct mchost_group *grp,
			     const struct mchost_filter *f)
{
	return mchost_fill_memb(skb, m, md->dev->ifindex, md->dev->name,
				&grp->addr, grp->family, grp->nowners,
				grp->pending, grp, f);
}

/* Where a GET_GROUP dump's messages go. */
static struct mchost_genl_msg mchost_dump_group_msg(struct netlink_callback *cb)
{
	return (struct mchost_genl_msg) {
		.portid = NETLINK_CB(cb->skb).portid,
		.seq = cb->nlh->nlmsg_seq,
		.flags = NLM_F_MULTI,
		.cmd = MCHOST_CMD_GET_GROUP,
	};
}

/* Fill from one device; returns -EMSGSIZE with the position saved. */
static int mchost_dump_dev(struct sk_buff *skb, struct netlink_callback *cb,
			   struct mchost_dev *md)
{
	struct mchost_dump_ctx *ctx = mchost_dump_ctx(cb);
	const struct mchost_genl_msg m = mchost_dump_group_msg(cb);
	const struct mchost_filter *f;
	struct mchost_dev_pos at;
	struct mchost_group *grp;
	int err = 0;

	read_lock_bh(&md->lock);
	for (;;) {
		at = ctx->pos;
		grp = mchost_dev_pos_next(md, &ctx->pos);
		if (!grp)
			break;
		/* A leave still being reported is no membership. */
		if (!grp->nowners)
			continue;
		/* For "save": the persistent owner's filter, not the merge. */
		f = ctx->persistent ? mchost_group_persistent(grp) : &grp->merged;
		if (!f)
			continue;
		err = mchost_fill_group(skb, &m, md, grp, f);
		if (err) {
			ctx->pos = at;	/* this one goes first next time */
			break;
		}
	}
	read_unlock_bh(&md->lock);
	return err;
}

/*
 * The waiting pending memberships, after the devices'; resumed by count,
 * with NLM_F_DUMP_INTR if the list changed in between. RTNL.
 */
static int mchost_dump_waiting(struct sk_buff *skb, struct netlink_callback *cb,
			       struct mchost_net *mn)
{
	struct mchost_dump_ctx *ctx = mchost_dump_ctx(cb);
	const struct mchost_genl_msg m = mchost_dump_group_msg(cb);
	struct mchost_pending *e;
	u32 n = 0;
	int err;

	cb->seq = mn->pending_gen;
	list_for_each_entry(e, &mn->pending, node) {
		if (n++ < ctx->waiting)
			continue;
		err = mchost_fill_memb(skb, &m, 0, e->name, &e->addr,
				       e->family, 1, true, NULL, &e->f);
		if (err)
			return err;
		nl_dump_check_consistent(cb, nlmsg_hdr(skb));
		ctx->waiting++;
	}
	return 0;
}

static int mchost_dump_groups(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct mchost_net *mn = mchost_net(sock_net(skb->sk));
	struct mchost_dump_ctx *ctx = mchost_dump_ctx(cb);
	unsigned long idx = ctx->ifindex;
	struct mchost_dev *md;
	int err = 0;

	/* Owners change under RTNL only. */
	if (ctx->persistent)
		rtnl_lock();
	rcu_read_lock();
	xa_for_each_start(&mn->devs, idx, md, idx) {
		if (ctx->filter && idx != ctx->filter)
			continue;
		if (idx != ctx->ifindex) {
			ctx->ifindex = idx;
			memset(&ctx->pos, 0, sizeof(ctx->pos));
		}
		err = mchost_dump_dev(skb, cb, md);
		if (err)
			break;
	}
	rcu_read_unlock();
	if (ctx->persistent)
		rtnl_unlock();
	if (!err && !ctx->filter) {
		/* Devices done (ULONG_MAX is none's index): the waiting ones. */
		ctx->ifindex = ULONG_MAX;
		rtnl_lock();
		err = mchost_dump_waiting(skb, cb, mn);
		rtnl_unlock();
	}
	if (err && !skb->len)
		return err;	/* one group does not fit in an empty skb */
	if (!err)
		ctx->ifindex = ULONG_MAX;
	return skb->len;
}

static int mchost_put_state(struct sk_buff *skb, int type,
			    struct mchost_dev *md, enum mchost_fam fam)
{
	struct mchost_proto_state st;
	struct nlattr *nest;

	read_lock_bh(&md->lock);
	mchost_proto_state(md, fam, ktime_get(), &st);
	read_unlock_bh(&md->lock);
	nest = nla_nest_start(skb, type);
	if (!nest ||
	    nla_put_u8(skb, MCHOST_S_RV, st.rv) ||
	    nla_put_u32(skb, MCHOST_S_QI_MS, st.qi_ms) ||
	    nla_put_u32(skb, MCHOST_S_QRI_MS, st.qri_ms) ||
	    (fam == MCHOST_IGMP &&
	     nla_put_u32(skb, MCHOST_S_V1_QUERIER_MS, st.v1_querier_ms)) ||
	    nla_put_u32(skb, MCHOST_S_V2_QUERIER_MS, st.v2_querier_ms) ||
	    nla_put_u32(skb, MCHOST_S_GENERAL_MS, st.general_ms))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int mchost_fill_iface(struct sk_buff *skb, struct netlink_callback *cb,
			     struct mchost_dev *md)
{
	const struct net_device *dev = md->dev;
	struct mchost_proto_settings set;
	u32 n4, n6;
	void *hdr;

	mchost_proto_settings(md, &set);
	read_lock_bh(&md->lock);
	n4 = md->ngroups[MCHOST_IGMP];
	n6 = md->ngroups[MCHOST_MLD];
	read_unlock_bh(&md->lock);

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &mchost_genl_family, NLM_F_MULTI,
			  MCHOST_CMD_GET_IFACE);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, MCHOST_A_IFINDEX, dev->ifindex) ||
	    nla_put_string(skb, MCHOST_A_IFNAME, dev->name) ||
	    nla_put_u8(skb, MCHOST_A_UP,
		       netif_running(dev) && netif_carrier_ok(dev)) ||
	    nla_put_u32(skb, MCHOST_A_MTU, READ_ONCE(dev->mtu)) ||
	    nla_put_u8(skb, MCHOST_A_IGMP_VERSION,
		       mchost_proto_version(md, MCHOST_IGMP)) ||
	    nla_put_u8(skb, MCHOST_A_MLD_VERSION,
		       mchost_proto_version(md, MCHOST_MLD)) ||
	    nla_put_u32(skb, MCHOST_A_NGROUPS4, n4) ||
	    nla_put_u32(skb, MCHOST_A_NGROUPS6, n6) ||
	    mchost_put_state(skb, MCHOST_A_IGMP_STATE, md, MCHOST_IGMP) ||
	    mchost_put_state(skb, MCHOST_A_MLD_STATE, md, MCHOST_MLD) ||
	    nla_put_u8(skb, MCHOST_A_SET_IGMP_VERSION,
		       mchost_setting_out(set.version[MCHOST_IGMP], 0)) ||
	    nla_put_u8(skb, MCHOST_A_SET_MLD_VERSION,
		       mchost_setting_out(set.version[MCHOST_MLD], 0)) ||
	    nla_put_u8(skb, MCHOST_A_SET_ROBUSTNESS,
		       mchost_setting_out(set.rv, 0)) ||
	    nla_put_u8(skb, MCHOST_A_SET_REPORT_LINK_LOCAL,
		       mchost_setting_out(set.rll, 1))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* A dump of one message per device, each from fill(); resumes by ifindex. */
static int mchost_dump_devs(struct sk_buff *skb, struct netlink_callback *cb,
			    int (*fill)(struct sk_buff *skb,
					struct netlink_callback *cb,
					struct mchost_dev *md))
{
	struct mchost_net *mn = mchost_net(sock_net(skb->sk));
	struct mchost_dump_ctx *ctx = mchost_dump_ctx(cb);
	unsigned long idx = ctx->ifindex;
	struct mchost_dev *md;
	int err = 0;

	rcu_read_lock();
	xa_for_each_start(&mn->devs, idx, md, idx) {
		if (ctx->filter && idx != ctx->filter)
			continue;
		err = fill(skb, cb, md);
		if (err)
			break;
	}
	rcu_read_unlock();
	ctx->ifindex = err ? idx : ULONG_MAX;
	return skb->len;
}

static int mchost_dump_ifaces(struct sk_buff *skb, struct netlink_callback *cb)
{
	return mchost_dump_devs(skb, cb, mchost_fill_iface);
}

/* One device's counters: IFINDEX, IFNAME, IGMP_STATS, MLD_STATS. */
static int mchost_fill_stats(struct sk_buff *skb, struct netlink_callback *cb,
			     struct mchost_dev *md)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &mchost_genl_family, NLM_F_MULTI,
			  MCHOST_CMD_GET_STATS);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, MCHOST_A_IFINDEX, md->dev->ifindex) ||
	    nla_put_string(skb, MCHOST_A_IFNAME, md->dev->name) ||
	    mchost_stats_put(skb, MCHOST_A_IGMP_STATS, md->dstats,
			     MCHOST_IGMP) ||
	    mchost_stats_put(skb, MCHOST_A_MLD_STATS, md->dstats, MCHOST_MLD)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int mchost_dump_stats(struct sk_buff *skb, struct netlink_callback *cb)
{
	return mchost_dump_devs(skb, cb, mchost_fill_stats);
}

/*
 * Notifications. Cleared before the family goes, so that a notification
 * racing with the unload (a timer's compat change) sends nothing; the
 * sends run under RCU, and the unload waits for them.
 */
static bool mchost_genl_live;

enum { MCHOST_MCGRP_MONITOR_ID };

static const struct genl_multicast_group mchost_mcgrps[] = {
	[MCHOST_MCGRP_MONITOR_ID] = { .name = MCHOST_MCGRP_MONITOR },
};

static bool mchost_genl_listened(struct net *net)
{
	return READ_ONCE(mchost_genl_live) &&
	       genl_has_listeners(&mchost_genl_family, net,
				  MCHOST_MCGRP_MONITOR_ID);
}

/*
 * Send a notification; NULL if it could not be built, which the listeners
 * learn as ENOBUFS (they missed one), as with rtnetlink.
 */
static void mchost_genl_multicast(struct net *net, struct sk_buff *skb)
{
	rcu_read_lock();
	if (!READ_ONCE(mchost_genl_live))
		nlmsg_free(skb);
	else if (skb)
		genlmsg_multicast_netns(&mchost_genl_family, net, skb, 0,
					MCHOST_MCGRP_MONITOR_ID, GFP_ATOMIC);
	else
		genl_set_err(&mchost_genl_family, net, 0,
			     MCHOST_MCGRP_MONITOR_ID, -ENOBUFS);
	rcu_read_unlock();
}

void mchost_genl_notify_group(struct mchost_dev *md,
			      const struct mchost_group *grp, u8 event)
{
	static const struct mchost_filter none = {
		.mode = MCHOST_FMODE_INCLUDE,
	};
	const struct mchost_genl_msg m = {
		.cmd = MCHOST_CMD_GROUP_NTF,
		.event = event,
		.gone = event == MCHOST_EVENT_DEVICE_GONE,
	};
	const struct mchost_filter *f = m.gone ? &none : &grp->merged;
	struct net *net = dev_net(md->dev);
	struct sk_buff *skb;
	size_t size;

	ASSERT_RTNL();
	if (!mchost_genl_listened(net))
		return;
	size = NLMSG_GOODSIZE + mchost_slist_nr(f->src) *
				nla_total_size(sizeof(struct in6_addr));
	skb = genlmsg_new(size, GFP_KERNEL);
	if (skb) {
		read_lock_bh(&md->lock);
		if (mchost_fill_group(skb, &m, md, grp, f)) {
			nlmsg_free(skb);
			skb = NULL;
		}
		read_unlock_bh(&md->lock);
	}
	mchost_genl_multicast(net, skb);
}

void mchost_genl_notify_compat(struct mchost_dev *md, enum mchost_fam fam)
{
	struct net *net = dev_net(md->dev);
	struct sk_buff *skb;
	void *hdr;

	if (!mchost_genl_listened(net))
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!skb)
		goto out;
	hdr = genlmsg_put(skb, 0, 0, &mchost_genl_family, 0,
			  MCHOST_CMD_COMPAT_NTF);
	if (!hdr ||
	    nla_put_u32(skb, MCHOST_A_IFINDEX, md->dev->ifindex) ||
	    nla_put_string(skb, MCHOST_A_IFNAME, md->dev->name) ||
	    nla_put_u8(skb, MCHOST_A_EVENT, MCHOST_EVENT_COMPAT) ||
	    nla_put_u8(skb, fam == MCHOST_IGMP ? MCHOST_A_IGMP_VERSION :
						 MCHOST_A_MLD_VERSION,
		       mchost_proto_version(md, fam))) {
		nlmsg_free(skb);
		skb = NULL;
	} else {
		genlmsg_end(skb, hdr);
	}
out:
	mchost_genl_multicast(net, skb);
}

static const struct genl_ops mchost_genl_ops[] = {
	{
		.cmd	= MCHOST_CMD_JOIN,
		.doit	= mchost_genl_join,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= MCHOST_CMD_LEAVE,
		.doit	= mchost_genl_leave,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= MCHOST_CMD_GET_GROUP,
		.start	= mchost_dump_start,
		.dumpit	= mchost_dump_groups,
	},
	{
		.cmd	= MCHOST_CMD_GET_IFACE,
		.start	= mchost_dump_start,
		.dumpit	= mchost_dump_ifaces,
	},
	{
		.cmd	= MCHOST_CMD_SET_IFACE,
		.doit	= mchost_genl_set,
		.flags	= GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd	= MCHOST_CMD_GET_STATS,
		.start	= mchost_dump_start,
		.dumpit	= mchost_dump_stats,
	},
};

static struct genl_family mchost_genl_family __ro_after_init = {
	.name		= MCHOST_GENL_NAME,
	.version	= MCHOST_GENL_VERSION,
	.maxattr	= MCHOST_A_MAX,
	.policy		= mchost_policy,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.ops		= mchost_genl_ops,
	.n_ops		= ARRAY_SIZE(mchost_genl_ops),
	.mcgrps		= mchost_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(mchost_mcgrps),
};

/*
 * A socket that held non-persistent memberships closed: drop them. Its port
 * is already free (another socket may hold it now), but the socket is
 * marked dead, and that is what the owners are matched by.
 */
static int mchost_netlink_event(struct notifier_block *nb,
				unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;
	struct mchost_net *mn;
	int err;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	mn = mchost_net(n->net);
	if (!mchost_group_owns_port(mn, n->portid))
		return NOTIFY_DONE;
	mchost_testing_release_delay();
	rtnl_lock();
	err = mchost_group_release_dead(mn);
	rtnl_unlock();
	if (err) {
		pr_warn_ratelimited("no memory to release port %u's memberships: retrying\n",
				    n->portid);
		schedule_delayed_work(&mn->release_work, HZ);
	}
	return NOTIFY_DONE;
}

static struct notifier_block mchost_netlink_nb = {
	.notifier_call = mchost_netlink_event,
};

int __init mchost_genl_init(void)
{
	int err;

	err = netlink_register_notifier(&mchost_netlink_nb);
	if (err)
		return err;
	err = genl_register_family(&mchost_genl_family);
	if (err) {
		netlink_unregister_notifier(&mchost_netlink_nb);
		return err;
	}
	WRITE_ONCE(mchost_genl_live, true);
	return 0;
}

void mchost_genl_uninit(void)
{
	WRITE_ONCE(mchost_genl_live, false);
	/* No notification is under way once this returns. */
	synchronize_rcu();
	genl_unregister_family(&mchost_genl_family);
	netlink_unregister_notifier(&mchost_netlink_nb);
}
