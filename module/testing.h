/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Knobs of the test build only (make MCHOST_TESTING=y, see testing.c):
 * they widen races and force failures for the VM tests. In a normal build
 * each is an empty inline.
 */
#ifndef _MCHOST_TESTING_H
#define _MCHOST_TESTING_H

#include <linux/types.h>

#ifdef MCHOST_TESTING
/**
 * mchost_testing_hook_delay() - stall the receive hook (hook_delay_ms)
 */
void mchost_testing_hook_delay(void);

/**
 * mchost_testing_release_delay() - stall a closed socket's release
 *                                  (release_delay_ms)
 */
void mchost_testing_release_delay(void);

/**
 * mchost_testing_fail_merge() - make an owner's merge fail (fail_merges)
 *
 * Return: true while fail_merges is non-zero, which it decrements.
 */
bool mchost_testing_fail_merge(void);
#else
static inline void mchost_testing_hook_delay(void)
{
}

static inline void mchost_testing_release_delay(void)
{
}

static inline bool mchost_testing_fail_merge(void)
{
	return false;
}
#endif

#endif /* _MCHOST_TESTING_H */
