// SPDX-License-Identifier: GPL-2.0
/*
 * benchflood - the frame flood of `make bench`: one prebuilt Ethernet frame
 * sent over and over on a device, from a packet socket, as fast as the
 * kernel takes it. The bench uses it for the UDP receive rate with and
 * without mchost loaded, and for the query flood, so that both stacks get
 * the very same load.
 *
 *   benchflood IFINDEX HEXFRAME SECONDS
 *
 * Sends in batches of BATCH (sendmmsg), bypassing the qdisc, for SECONDS
 * seconds, then prints one JSON line:
 *   {"sent": K, "refused": R, "seconds": S}
 * where refused counts the batches whose first frame the device would not
 * take (ENOBUFS: a veth peer's receive backlog was full); the receiver's
 * counters say what arrived. Exit status: 0 when it ran, 1 when it could
 * not (no socket), 2 on a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BATCH 64
#define FRAME_MAX 1514

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_hex(const char *hex, unsigned char *buf, size_t max)
{
	size_t len = strlen(hex), i;

	if (len % 2 || len / 2 > max || len < 2 * ETH_HLEN)
		return -1;
	for (i = 0; i < len / 2; i++) {
		unsigned int b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -1;
		buf[i] = b;
	}
	return len / 2;
}

int main(int argc, char **argv)
{
	static struct mmsghdr msgs[BATCH];
	unsigned long sent = 0, refused = 0;
	unsigned char frame[FRAME_MAX];
	struct sockaddr_ll ll = { 0 };
	double secs, t0, t;
	struct iovec iov;
	int fd, len, i, one = 1;
	char *end;

	if (argc != 4)
		goto usage;
	ll.sll_family = AF_PACKET;
	ll.sll_ifindex = strtol(argv[1], &end, 10);
	if (*end || ll.sll_ifindex <= 0)
		goto usage;
	len = parse_hex(argv[2], frame, sizeof(frame));
	secs = strtod(argv[3], &end);
	if (len < 0 || *end || secs <= 0)
		goto usage;
	memcpy(&ll.sll_protocol, frame + 12, 2);

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		perror("benchflood: socket");
		return 1;
	}
	/* The same path for every frame: no qdisc to fill or to drop in. */
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)))
		perror("benchflood: PACKET_QDISC_BYPASS");
	iov.iov_base = frame;
	iov.iov_len = len;
	for (i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_name = &ll;
		msgs[i].msg_hdr.msg_namelen = sizeof(ll);
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	t0 = now();
	do {
		int n = sendmmsg(fd, msgs, BATCH, 0);

		if (n > 0) {
			sent += n;
		} else if (errno == ENOBUFS || errno == EAGAIN) {
			refused++;
		} else {
			perror("benchflood: sendmmsg");
			return 1;
		}
		t = now();
	} while (t - t0 < secs);
	printf("{\"sent\": %lu, \"refused\": %lu, \"seconds\": %.6f}\n",
	       sent, refused, t - t0);
	return 0;

usage:
	fprintf(stderr, "usage: benchflood IFINDEX HEXFRAME SECONDS\n");
	return 2;
}
