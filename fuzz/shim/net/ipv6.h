/* SPDX-License-Identifier: GPL-2.0 */
/* Fuzz shim: the IPv6 address helpers the core files use. */
#ifndef _FUZZ_SHIM_NET_IPV6_H
#define _FUZZ_SHIM_NET_IPV6_H

#include <linux/in6.h>
#include <linux/types.h>

static inline bool ipv6_addr_any(const struct in6_addr *a)
{
	return !(a->s6_addr32[0] | a->s6_addr32[1] | a->s6_addr32[2] |
		 a->s6_addr32[3]);
}

/* ff00::/8 (RFC 4291 §2.7). */
static inline bool ipv6_addr_is_multicast(const struct in6_addr *a)
{
	return (a->s6_addr32[0] & htonl(0xff000000)) == htonl(0xff000000);
}

/* ::ffff:a.b.c.d (RFC 4291 §2.5.5.2). */
static inline void ipv6_addr_set_v4mapped(const __be32 addr,
					  struct in6_addr *v4mapped)
{
	v4mapped->s6_addr32[0] = 0;
	v4mapped->s6_addr32[1] = 0;
	v4mapped->s6_addr32[2] = htonl(0x0000ffff);
	v4mapped->s6_addr32[3] = addr;
}

#endif
