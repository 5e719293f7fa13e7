/* SPDX-License-Identifier: GPL-2.0 */
/* Fuzz shim: the ICMPv6/UDP/TCP checksum over the IPv6 pseudo-header. */
#ifndef _FUZZ_SHIM_NET_IP6_CHECKSUM_H
#define _FUZZ_SHIM_NET_IP6_CHECKSUM_H

#include <linux/in6.h>
#include <net/checksum.h>

/*
 * Fold csum (the sum of the upper-layer message) with the pseudo-header of
 * RFC 8200 §8.1: source, destination, upper-layer length, next header.
 */
__sum16 csum_ipv6_magic(const struct in6_addr *saddr,
			const struct in6_addr *daddr, __u32 len, __u8 proto,
			__wsum csum);

#endif
