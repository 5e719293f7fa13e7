/* SPDX-License-Identifier: GPL-2.0 */
/* Fuzz shim: IPPROTO_* (glibc) and the kernel's IPv4 address tests. */
#ifndef _FUZZ_SHIM_LINUX_IN_H
#define _FUZZ_SHIM_LINUX_IN_H

#include <netinet/in.h>
#include <linux/types.h>

/* 224.0.0.0/4 (RFC 5771). */
static inline bool ipv4_is_multicast(__be32 addr)
{
	return (addr & htonl(0xf0000000)) == htonl(0xe0000000);
}

#endif
