/* SPDX-License-Identifier: GPL-2.0 */
/* Fuzz shim: the uapi header holds the ICMPv6 (MLD) type numbers. */
#ifndef _FUZZ_SHIM_LINUX_ICMPV6_H
#define _FUZZ_SHIM_LINUX_ICMPV6_H

#include_next <linux/icmpv6.h>

#endif
