// SPDX-License-Identifier: GPL-2.0
/*
 * benchjoin - the join loop of `make bench`, the same C for both stacks, so
 * that the two sides time the same scope: the system calls that create N
 * memberships, with nothing else inside the clock.
 *
 *   benchjoin stock  IFINDEX N [SOURCES]   one UDP socket, N x
 *            IP_ADD_MEMBERSHIP (or SOURCES x MCAST_JOIN_SOURCE_GROUP each)
 *   benchjoin mchost IFINDEX N [SOURCES]   N persistent joins to the mchost
 *            family as `mchostctl -b` sends them: batch JOINs of up to
 *            MCHOST_BATCH_MAX memberships, packed into 64 KiB datagrams,
 *            every ack and reply read (NETLINK_CAP_ACK)
 *
 * Group i is 239.16.0.0 + i; source j is 10.1.0.1 + j. With SOURCES the
 * filter is INCLUDE(those sources). After the loop it prints one JSON line:
 *   {"loop_seconds": S, "joins_ok": K, "errors": E, "first_error": "..."}
 * then waits for end of file on stdin and closes its socket (which, for the
 * stock stack, leaves every group), printing {"close_seconds": S}. The
 * caller times the process from exec to the first line: the user's view.
 *
 * Exit status: 0 when it ran (the errors are in the JSON), 1 when it could
 * not (no family, no socket), 2 on a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/mchost.h>
#include <linux/netlink.h>

#define SEND_MAX (64 * 1024)
#define RCVBUF (8 * 1024 * 1024)
#define MAX_SOURCES 64

struct result {
	unsigned long ok;
	unsigned long errors;
	int first_errno;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t group_be(unsigned long i)
{
	return htonl(((239u << 24) | (16u << 16)) + (uint32_t)i);
}

static uint32_t source_be(unsigned int j)
{
	return htonl((10u << 24) | (1u << 16) | (j + 1));
}

static void note_error(struct result *r, int err)
{
	if (!r->errors++)
		r->first_errno = err;
}

/* ------------------------------------------------------------ stock */

static int stock_loop(int fd, int ifindex, unsigned long n, unsigned int nsrc,
		      struct result *r)
{
	struct group_source_req gsr;
	struct ip_mreqn mr;
	struct sockaddr_in *sin;
	unsigned long i;
	unsigned int j;

	memset(&mr, 0, sizeof(mr));
	mr.imr_ifindex = ifindex;
	memset(&gsr, 0, sizeof(gsr));
	gsr.gsr_interface = ifindex;
	for (i = 0; i < n; i++) {
		if (!nsrc) {
			mr.imr_multiaddr.s_addr = group_be(i);
			if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr,
				       sizeof(mr)) < 0) {
				note_error(r, errno);
				continue;
			}
			r->ok++;
			continue;
		}
		sin = (struct sockaddr_in *)&gsr.gsr_group;
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = group_be(i);
		for (j = 0; j < nsrc; j++) {
			sin = (struct sockaddr_in *)&gsr.gsr_source;
			sin->sin_family = AF_INET;
			sin->sin_addr.s_addr = source_be(j);
			if (setsockopt(fd, IPPROTO_IP, MCAST_JOIN_SOURCE_GROUP,
				       &gsr, sizeof(gsr)) < 0) {
				note_error(r, errno);
				break;
			}
		}
		if (j == nsrc)
			r->ok++;
	}
	return 0;
}

/* ----------------------------------------------------------- mchost */

static int family_cb(const struct nlattr *a, void *data)
{
	uint16_t *id = data;

	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(a, MNL_TYPE_U16) >= 0)
		*id = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int family_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_cb, data);
}

static uint16_t family_id(struct mnl_socket *nl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct genlmsghdr *g;
	struct nlmsghdr *nlh;
	uint16_t id = 0;
	ssize_t len;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = 1;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, MCHOST_GENL_NAME);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return 0;
	len = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (len <= 0 || mnl_cb_run(buf, len, 1, 0, family_msg_cb, &id) < 0)
		return 0;
	return id;
}

/* What one membership takes in a batch JOIN. */
static size_t member_size(unsigned int nsrc)
{
	size_t n = MNL_ATTR_HDRLEN;			/* MEMBERSHIP */

	n += MNL_ALIGN(MNL_ATTR_HDRLEN + 4) * 2;	/* IFINDEX, GROUP */
	n += MNL_ALIGN(MNL_ATTR_HDRLEN + 1);		/* FMODE */
	n += MNL_ALIGN(MNL_ATTR_HDRLEN);		/* PERSISTENT */
	if (nsrc)
		n += MNL_ATTR_HDRLEN + nsrc * MNL_ALIGN(MNL_ATTR_HDRLEN + 4);
	return n;
}

static struct nlmsghdr *put_batch(char *buf, uint16_t fam, uint32_t seq)
{
	struct genlmsghdr *g;
	struct nlmsghdr *nlh;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = fam;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = MCHOST_CMD_JOIN;
	g->version = MCHOST_GENL_VERSION;
	return nlh;
}

static void put_member(struct nlmsghdr *nlh, int ifindex, unsigned long i,
		       unsigned int nsrc)
{
	struct nlattr *m, *nest;
	uint32_t a;
	unsigned int j;

	m = mnl_attr_nest_start(nlh, MCHOST_A_MEMBERSHIP);
	mnl_attr_put_u32(nlh, MCHOST_A_IFINDEX, ifindex);
	a = group_be(i);
	mnl_attr_put(nlh, MCHOST_A_GROUP, 4, &a);
	mnl_attr_put_u8(nlh, MCHOST_A_FMODE,
			nsrc ? MCHOST_FMODE_INCLUDE : MCHOST_FMODE_EXCLUDE);
	mnl_attr_put(nlh, MCHOST_A_PERSISTENT, 0, NULL);
	if (nsrc) {
		nest = mnl_attr_nest_start(nlh, MCHOST_A_SOURCES);
		for (j = 0; j < nsrc; j++) {
			a = source_be(j);
			mnl_attr_put(nlh, MCHOST_A_SOURCE, 4, &a);
		}
		mnl_attr_nest_end(nlh, nest);
	}
	mnl_attr_nest_end(nlh, m);
}

/* A batch JOIN's reply: one error per MCHOST_A_FAILED. */
static void note_failures(const struct nlmsghdr *nlh, struct result *r)
{
	const struct nlattr *a, *f;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != MCHOST_A_FAILED)
			continue;
		mnl_attr_for_each_nested(f, a)
			if (mnl_attr_get_type(f) == MCHOST_F_ERROR)
				note_error(r, (int)mnl_attr_get_u32(f));
	}
}

/*
 * Read every ack and reply queued so far; the kernel answers inside
 * send(). A failed batch JOIN fails all its memberships (sizes[seq]).
 */
static int read_acks(int fd, char *rbuf, size_t rlen, unsigned long *acked,
		     const unsigned int *sizes, struct result *r, bool block)
{
	const struct nlmsgerr *e;
	struct nlmsghdr *nlh;
	unsigned int k;
	ssize_t got;
	int len;

	for (;;) {
		got = recv(fd, rbuf, rlen, block ? 0 : MSG_DONTWAIT);
		if (got < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -1;
		}
		len = (int)got;
		for (nlh = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type != NLMSG_ERROR) {
				note_failures(nlh, r);
				continue;
			}
			e = mnl_nlmsg_get_payload(nlh);
			(*acked)++;
			for (k = 0; e->error && k < sizes[nlh->nlmsg_seq]; k++)
				note_error(r, -e->error);
		}
		block = false;
	}
}

static int mchost_loop(struct mnl_socket *nl, uint16_t fam, int ifindex,
		       unsigned long n, unsigned int nsrc, struct result *r)
{
	size_t msz = member_size(nsrc), used = 0;
	size_t hdr = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr));
	unsigned long i, acked = 0, nmsg = 0;
	int fd = mnl_socket_get_fd(nl);
	static char rbuf[16384];
	struct nlmsghdr *nlh = NULL;
	unsigned int *sizes;
	char *sbuf;
	int rc = -1;

	sbuf = malloc(SEND_MAX);
	/*
	 * Memberships per message, by sequence number (the message's index);
	 * a message holds one at least.
	 */
	sizes = calloc(n + 1, sizeof(*sizes));
	if (!sbuf || !sizes)
		goto out;
	for (i = 0; i < n; i++) {
		if (!nlh)
			nlh = put_batch(sbuf + used, fam, (uint32_t)nmsg);
		put_member(nlh, ifindex, i, nsrc);
		if (++sizes[nmsg] < MCHOST_BATCH_MAX &&
		    used + nlh->nlmsg_len + msz <= SEND_MAX && i + 1 < n)
			continue;
		used += nlh->nlmsg_len;
		nlh = NULL;
		nmsg++;
		if (used + hdr + msz <= SEND_MAX && i + 1 < n)
			continue;
		if (send(fd, sbuf, used, 0) < 0)
			goto out;
		used = 0;
		if (read_acks(fd, rbuf, sizeof(rbuf), &acked, sizes, r,
			      false) < 0)
			goto out;
	}
	while (acked < nmsg)
		if (read_acks(fd, rbuf, sizeof(rbuf), &acked, sizes, r,
			      true) < 0)
			goto out;
	r->ok = n - r->errors;
	rc = 0;
out:
	free(sbuf);
	free(sizes);
	return rc;
}

static int mchost_open(struct mnl_socket **nlp, uint16_t *fam)
{
	struct mnl_socket *nl;
	int one = 1, want = RCVBUF;
	int fd;

	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -1;
	fd = mnl_socket_get_fd(nl);
	/* Room for the acks of several datagrams; root may pass rmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	*fam = family_id(nl);
	if (!*fam) {
		fprintf(stderr, "benchjoin: no generic netlink family \"%s\"\n",
			MCHOST_GENL_NAME);
		mnl_socket_close(nl);
		return -1;
	}
	*nlp = nl;
	return 0;
}

/* -------------------------------------------------------------- main */

static void bad_usage(void)
{
	fprintf(stderr, "usage: benchjoin stock|mchost IFINDEX N [SOURCES]\n");
	exit(2);
}

static unsigned long number(const char *s, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max)
		bad_usage();
	return v;
}

int main(int argc, char **argv)
{
	struct mnl_socket *nl = NULL;
	struct result r = { 0 };
	unsigned long n;
	unsigned int nsrc = 0;
	bool stock;
	uint16_t fam = 0;
	int ifindex, fd, rc;
	double t0, t1;
	char c;

	if (argc < 4 || argc > 5)
		bad_usage();
	if (!strcmp(argv[1], "stock"))
		stock = true;
	else if (!strcmp(argv[1], "mchost"))
		stock = false;
	else
		bad_usage();
	ifindex = (int)number(argv[2], 0x7fffffff);
	n = number(argv[3], 1ul << 24);
	if (argc == 5)
		nsrc = (unsigned int)number(argv[4], MAX_SOURCES);

	if (stock) {
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd < 0) {
			perror("benchjoin: socket");
			return 1;
		}
	} else {
		if (mchost_open(&nl, &fam) < 0)
			return 1;
		fd = mnl_socket_get_fd(nl);
	}

	t0 = now();
	if (stock)
		rc = stock_loop(fd, ifindex, n, nsrc, &r);
	else
		rc = mchost_loop(nl, fam, ifindex, n, nsrc, &r);
	t1 = now();
	if (rc < 0) {
		perror("benchjoin: netlink");
		return 1;
	}
	printf("{\"loop_seconds\": %.6f, \"joins_ok\": %lu, ", t1 - t0, r.ok);
	printf("\"errors\": %lu, \"first_error\": \"%s\"}\n", r.errors,
	       r.errors ? strerror(r.first_errno) : "");
	fflush(stdout);

	/* Hold the memberships (the stock ones die with the socket). */
	while (read(STDIN_FILENO, &c, 1) > 0)
		;
	t0 = now();
	if (nl)
		mnl_socket_close(nl);
	else
		close(fd);
	printf("{\"close_seconds\": %.6f}\n", now() - t0);
	return 0;
}
