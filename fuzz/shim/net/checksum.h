/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fuzz shim: the Internet checksum (RFC 1071) with the kernel's calling
 * conventions, implemented in fuzz/shim.c. A __wsum is a 32-bit partial
 * ones' complement sum of 16-bit words taken in memory order, so the
 * folded result can be stored into a packet as it is, on any host.
 */
#ifndef _FUZZ_SHIM_NET_CHECKSUM_H
#define _FUZZ_SHIM_NET_CHECKSUM_H

#include <linux/types.h>

__wsum csum_partial(const void *buff, int len, __wsum sum);
__sum16 csum_fold(__wsum sum);
__sum16 ip_compute_csum(const void *buff, int len);

#endif
