// SPDX-License-Identifier: GPL-2.0
/*
 * mchostctl: generic netlink. The socket, the lookup of the "mchost"
 * family, building requests, reading replies and dumps, and the kernel's
 * extended-ack error messages.
 */
#include "mchostctl.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

/* Start size of the receive buffer; it grows when a datagram is larger. */
#define RBUF_INIT (64 * 1024)

/* strerror() of a kernel error code, whatever its sign. */
const char *errtext(int error)
{
	if (error == INT_MIN)
		return strerror(EPROTO);
	return strerror(error < 0 ? -error : error);
}

/* Room one attribute with @len bytes of payload takes, padding included. */
static size_t attr_size(size_t len)
{
	return MNL_ALIGN(MNL_ATTR_HDRLEN + len);
}

struct nlmsghdr *put_genl_header(void *buf, uint16_t type, uint16_t flags,
				 uint32_t seq, uint8_t cmd, uint8_t version)
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
 * Exact size of the attributes of the JOIN/LEAVE for @c, and in *@nest_len
 * the length of its SOURCES nest, which must fit nla_len (16 bits).
 */
static size_t change_attrs_size(const struct cmd *c, uint32_t ifindex,
				size_t *nest_len)
{
	size_t n = 0, i;

	if (ifindex)
		n += attr_size(sizeof(uint32_t));	/* IFINDEX */
	else
		n += attr_size(strlen(c->dev) + 1);	/* IFNAME */
	n += attr_size(c->group.len);		/* GROUP */
	*nest_len = 0;
	if (c->desc->genl_cmd == MCHOST_CMD_JOIN) {
		n += attr_size(sizeof(uint8_t));	/* FMODE */
		if (c->nsrc) {
			*nest_len = MNL_ATTR_HDRLEN;
			for (i = 0; i < c->nsrc; i++)
				*nest_len += attr_size(c->src[i].len);
			n += *nest_len;
		}
	}
	if (c->pending)
		n += attr_size(0);			/* PENDING */
	if (!c->hold)
		n += attr_size(0);			/* PERSISTENT */
	return n;
}

/* Exact size of the JOIN/LEAVE message for @c; *@nest_len as above. */
size_t change_msg_size(const struct cmd *c, uint32_t ifindex,
		       size_t *nest_len)
{
	return MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)) +
	       change_attrs_size(c, ifindex, nest_len);
}

/*
 * mnl_attr_put_check() and mnl_attr_nest_start_check() for the requests
 * of changes, inline (a batch line encodes five or six attributes): append
 * an attribute with @len bytes of @data to @nlh, whose buffer holds @size
 * bytes and is zeroed past nlmsg_len (sbuf_room()), so padding needs no
 * memset. Returns the attribute, or NULL, appending nothing, if it would
 * not fit.
 */
static struct nlattr *attr_put(struct nlmsghdr *nlh, size_t size,
			       uint16_t type, size_t len, const void *data)
{
	size_t room = attr_size(len);
	struct nlattr *a;

	if (nlh->nlmsg_len > size || room > size - nlh->nlmsg_len)
		return NULL;
	a = (struct nlattr *)((char *)nlh + nlh->nlmsg_len);
	a->nla_type = type;
	a->nla_len = MNL_ATTR_HDRLEN + len;
	if (len)
		memcpy((char *)a + MNL_ATTR_HDRLEN, data, len);
	nlh->nlmsg_len += room;
	return a;
}

/* A nest's header; mnl_attr_nest_end() sets its length. */
static struct nlattr *attr_nest_start(struct nlmsghdr *nlh, size_t size,
				      uint16_t type)
{
	return attr_put(nlh, size, NLA_F_NESTED | type, 0, NULL);
}

/*
 * Append the attributes of @c to @nlh, whose buffer holds @size bytes.
 * Returns false if they do not fit, which a wrong size computation would
 * make happen, and nothing worse.
 */
static bool put_change_attrs(struct nlmsghdr *nlh, size_t size,
			     const struct cmd *c, uint32_t ifindex)
{
	bool ok;
	size_t i;

	if (ifindex)
		ok = attr_put(nlh, size, MCHOST_A_IFINDEX, sizeof(ifindex),
			      &ifindex);
	else
		ok = attr_put(nlh, size, MCHOST_A_IFNAME, strlen(c->dev) + 1,
			      c->dev);
	ok = ok && attr_put(nlh, size, MCHOST_A_GROUP, c->group.len,
			    c->group.b);
	if (ok && c->desc->genl_cmd == MCHOST_CMD_JOIN) {
		ok = attr_put(nlh, size, MCHOST_A_FMODE, sizeof(c->fmode),
			      &c->fmode);
		if (ok && c->nsrc) {
			struct nlattr *nest;

			nest = attr_nest_start(nlh, size, MCHOST_A_SOURCES);
			ok = nest;
			for (i = 0; ok && i < c->nsrc; i++)
				ok = attr_put(nlh, size, MCHOST_A_SOURCE,
					      c->src[i].len, c->src[i].b);
			if (ok)
				mnl_attr_nest_end(nlh, nest);
		}
	}
	if (ok && c->pending)
		ok = attr_put(nlh, size, MCHOST_A_PENDING, 0, NULL);
	/* A held membership belongs to this socket, not to the netns. */
	if (ok && !c->hold)
		ok = attr_put(nlh, size, MCHOST_A_PERSISTENT, 0, NULL);
	return ok;
}

/*
 * Append the JOIN or LEAVE request for @c to @b, for device @ifindex, or
 * with @ifindex 0 for the device named c->dev (change_target()). Returns
 * its length, or 0 with *@err set when it cannot be encoded.
 */
size_t build_change(struct sbuf *b, uint16_t family, uint32_t seq,
		    const struct cmd *c, uint32_t ifindex, char **err)
{
	size_t nest_len, size = change_msg_size(c, ifindex, &nest_len);
	struct nlmsghdr *nlh;

	if (nest_len > UINT16_MAX || size > UINT32_MAX) {
		*err = xasprintf("too many sources (%zu) for one netlink message",
				 c->nsrc);
		return 0;
	}
	nlh = put_genl_header(sbuf_room(b, size), family,
			      NLM_F_REQUEST | NLM_F_ACK, seq,
			      c->desc->genl_cmd, MCHOST_GENL_VERSION);
	if (!put_change_attrs(nlh, size, c, ifindex) ||
	    nlh->nlmsg_len != size) {
		*err = xasprintf("internal error: request size mismatch");
		return 0;
	}
	b->len += size;
	return size;
}

/*
 * The room the JOIN for @c takes as a MCHOST_A_MEMBERSHIP of a batch JOIN,
 * or 0 if it cannot be one (its nest would overflow nla_len).
 */
size_t membership_size(const struct cmd *c, uint32_t ifindex)
{
	size_t nest_len, n;

	n = MNL_ATTR_HDRLEN + change_attrs_size(c, ifindex, &nest_len);
	return n > UINT16_MAX ? 0 : n;
}

/* Append an empty batch JOIN to @b: add_membership() fills it. */
void build_join_batch(struct sbuf *b, uint16_t family, uint32_t seq)
{
	size_t size = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr));

	put_genl_header(sbuf_room(b, size), family, NLM_F_REQUEST | NLM_F_ACK,
			seq, MCHOST_CMD_JOIN, MCHOST_GENL_VERSION);
	b->len += size;
}

/*
 * Append the JOIN for @c as a MCHOST_A_MEMBERSHIP of @esize bytes (its
 * membership_size()) to the batch JOIN at offset @off of @b, which must be
 * the last message there. Returns false with *@err set (the message
 * unchanged) when it cannot be encoded.
 */
bool add_membership(struct sbuf *b, size_t off, const struct cmd *c,
		    uint32_t ifindex, size_t esize, char **err)
{
	size_t room;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	uint32_t len;

	if (!esize) {
		*err = xasprintf("too many sources (%zu) for one netlink message",
				 c->nsrc);
		return false;
	}
	sbuf_room(b, esize);
	nlh = (struct nlmsghdr *)(b->data + off);
	len = nlh->nlmsg_len;
	room = len + esize;
	nest = attr_nest_start(nlh, room, MCHOST_A_MEMBERSHIP);
	if (!nest || !put_change_attrs(nlh, room, c, ifindex) ||
	    nlh->nlmsg_len != room) {
		nlh->nlmsg_len = len;
		*err = xasprintf("internal error: request size mismatch");
		return false;
	}
	mnl_attr_nest_end(nlh, nest);
	b->len = off + nlh->nlmsg_len;
	return true;
}

/*
 * Append a dump request (of GET_GROUP or GET_IFACE) to @b, of device
 * @ifindex or all (0). With @persistent, GET_GROUP lists the persistent
 * owner's filters instead of the merged ones (what save prints).
 */
struct nlmsghdr *build_dump(struct sbuf *b, uint16_t family, uint32_t seq,
			    uint8_t gcmd, uint32_t ifindex, bool persistent)
{
	size_t size = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)) +
		      (ifindex ? attr_size(sizeof(uint32_t)) : 0) +
		      (persistent ? attr_size(0) : 0);
	struct nlmsghdr *nlh;

	nlh = put_genl_header(sbuf_room(b, size), family,
			      NLM_F_REQUEST | NLM_F_DUMP, seq, gcmd,
			      MCHOST_GENL_VERSION);
	if (ifindex)
		mnl_attr_put_u32(nlh, MCHOST_A_IFINDEX, ifindex);
	if (persistent)
		mnl_attr_put(nlh, MCHOST_A_PERSISTENT, 0, "");
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
int decode_status(const struct nlmsghdr *nlh, const char **msg)
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

void nl_reply_free(struct nl_reply *r)
{
	free(r->msg);
	r->msg = NULL;
}

void nl_close(struct nl *nl)
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

int nl_send(struct nl *nl, const void *buf, size_t len)
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
ssize_t nl_recv(struct nl *nl, int flags)
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

/*
 * Send @req and read its reply: data messages go to @cb, the exchange
 * ends with the ack (or, for a dump, NLMSG_DONE). Returns r->error.
 */
int nl_transact(struct nl *nl, const struct nlmsghdr *req,
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

/* What the family lookup finds out. */
struct family_info {
	uint16_t id;
	uint32_t maxattr;
	uint32_t monitor;	/* id of its "monitor" group, 0: none */
};

/* One CTRL_ATTR_MCAST_GROUPS entry: remember the "monitor" group's id. */
static void getfamily_mcgrp(const struct nlattr *grp, struct family_info *fi)
{
	const struct nlattr *a;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(a, grp) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			name = mnl_attr_get_str(a);
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			id = mnl_attr_get_u32(a);
	}
	if (name && !strcmp(name, MCHOST_MCGRP_MONITOR))
		fi->monitor = id;
}

static int getfamily_attr_cb(const struct nlattr *attr, void *data)
{
	struct family_info *fi = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
		fi->id = mnl_attr_get_u16(attr);
	if (mnl_attr_get_type(attr) == CTRL_ATTR_MAXATTR &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		fi->maxattr = mnl_attr_get_u32(attr);
	if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GROUPS &&
	    mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0) {
		const struct nlattr *grp;

		mnl_attr_for_each_nested(grp, attr)
			if (mnl_attr_validate(grp, MNL_TYPE_NESTED) == 0)
				getfamily_mcgrp(grp, fi);
	}
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
int nl_setup(struct nl *nl, const struct ctx *ctx)
{
	struct family_info fi = { 0 };
	struct sbuf b = { 0 };
	struct nl_reply r;

	if (nl_open(nl, ctx))
		return -1;
	nl_transact(nl, build_getfamily(&b, 0), getfamily_cb, &fi, &r);
	sbuf_free(&b);
	if (r.error == -ENOENT)
		error_msg(ctx, "mchost is not loaded (generic netlink family \"%s\" not found)",
			  MCHOST_GENL_NAME);
	else if (r.error)
		error_msg(ctx, "cannot resolve generic netlink family \"%s\": %s",
			  MCHOST_GENL_NAME, r.msg);
	else if (!fi.id)
		error_msg(ctx, "no id for generic netlink family \"%s\"",
			  MCHOST_GENL_NAME);
	nl_reply_free(&r);
	if (r.error || !fi.id) {
		nl_close(nl);
		return -1;
	}
	nl->family = fi.id;
	nl->maxattr = fi.maxattr;
	nl->monitor = fi.monitor;
	return 0;
}

/*
 * The module knows MCHOST_A_PENDING: pending joins, and devices named by
 * MCHOST_A_IFNAME in JOIN and LEAVE. Attributes are only ever appended.
 */
bool nl_has_pending(const struct nl *nl)
{
	return nl->maxattr >= MCHOST_A_PENDING;
}

bool addr_attr_ok(const struct nlattr *attr)
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
	case MCHOST_A_NEXT_REPORT_MS:
	case MCHOST_A_LAST_REPORT_MS:
		ok = mnl_attr_validate(attr, MNL_TYPE_U32) == 0;
		break;
	case MCHOST_A_FMODE:
	case MCHOST_A_IGMP_VERSION:
	case MCHOST_A_MLD_VERSION:
	case MCHOST_A_UP:
	case MCHOST_A_SET_IGMP_VERSION:
	case MCHOST_A_SET_MLD_VERSION:
	case MCHOST_A_SET_ROBUSTNESS:
	case MCHOST_A_SET_REPORT_LINK_LOCAL:
	case MCHOST_A_EVENT:
	case MCHOST_A_RTX_LEFT:
		ok = mnl_attr_validate(attr, MNL_TYPE_U8) == 0;
		break;
	case MCHOST_A_IFNAME:
		ok = mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0;
		break;
	case MCHOST_A_PENDING:
		ok = mnl_attr_validate(attr, MNL_TYPE_FLAG) == 0;
		break;
	case MCHOST_A_GROUP:
		ok = addr_attr_ok(attr);
		break;
	case MCHOST_A_SOURCES:
	case MCHOST_A_IGMP_STATE:
	case MCHOST_A_MLD_STATE:
	case MCHOST_A_IGMP_STATS:
	case MCHOST_A_MLD_STATS:
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

/*
 * Collect the attributes of a message of the mchost family (id @family)
 * into @tb, type-checked. Returns 0 or -EBADMSG.
 */
int parse_mchost_msg(const struct nlmsghdr *nlh, uint16_t family,
		     const struct nlattr *tb[CTL_A_MAX + 1])
{
	if (nlh->nlmsg_type != family ||
	    mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN ||
	    mnl_attr_parse(nlh, GENL_HDRLEN, mchost_attr_cb, tb) == MNL_CB_ERROR)
		return -EBADMSG;
	return 0;
}
