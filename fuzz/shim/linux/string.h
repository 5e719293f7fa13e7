/* SPDX-License-Identifier: GPL-2.0 */
/* Fuzz shim: memcpy(), memcmp(), memset(), memmove(). */
#ifndef _FUZZ_SHIM_LINUX_STRING_H
#define _FUZZ_SHIM_LINUX_STRING_H

#include <string.h>

#endif
