/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fuzz shim: struct in6_addr (with s6_addr, s6_addr16, s6_addr32) and the
 * real htons()/ntohl() come from glibc. The uapi <linux/in6.h> would clash
 * with <netinet/in.h>, so it is never included.
 */
#ifndef _FUZZ_SHIM_LINUX_IN6_H
#define _FUZZ_SHIM_LINUX_IN6_H

#include <netinet/in.h>

#endif
