/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mchost KUnit suites (kunit/mchost_test.c): address
 * literals, and source sets (struct mchost_slist) built from them.
 *
 * Lifetime: every set these helpers return belongs to the test. It is
 * freed by a KUnit deferred action when the test case ends, passed or
 * failed, so a test never frees one (and must not: that would free it
 * twice).
 *
 * Failures: a bad literal, a word too long for its buffer, an allocation
 * failure or a duplicate address where a set is built fails the test with
 * a KUNIT_ASSERT_*(), which ends the test case. No helper returns an error.
 *
 * Literals: "addrs" is a string of address literals separated by spaces,
 * e.g. "10.0.0.1 2001:db8::1 ". White space before a literal is skipped
 * (skip_spaces()); a literal ends at the next ' ' or at the end of the
 * string. An IPv4 literal becomes its IPv4-mapped address (::ffff:a.b.c.d),
 * which is how the module keeps IPv4 sources; so "10.0.0.1" and
 * "::ffff:10.0.0.1" are the same address.
 */
#ifndef _MCHOST_TEST_H
#define _MCHOST_TEST_H

#include <kunit/test.h>
#include <linux/in6.h>
#include <linux/types.h>

#include "slist.h"

/*
 * Free s (NULL is fine) with mchost_slist_free() when the test case ends.
 * For sets the module allocates and hands to the test. If the action
 * cannot be registered, s is freed at once and the test fails.
 */
void mchost_test_defer_free(struct kunit *test, struct mchost_slist *s);

/*
 * mchost_slist_alloc(cap): an empty set (nr 0) with room for cap
 * addresses, never NULL (cap 0 included); freed when the test case ends.
 * cap above U16_MAX fails the test.
 */
struct mchost_slist *mchost_test_alloc(struct kunit *test, unsigned int cap);

/*
 * Parse the one literal lit into *a: IPv4 (as IPv4-mapped) or IPv6. The
 * whole string must be the literal; anything else fails the test.
 */
void mchost_test_pton(struct kunit *test, const char *lit,
		      struct in6_addr *a);

/*
 * Copy the next space-separated word of *pos into buf (NUL-terminated)
 * and move *pos past it. Returns false, *pos and buf untouched, when only
 * white space is left. A word of size characters or more fails the test.
 */
bool mchost_test_word(struct kunit *test, const char **pos, char *buf,
		      size_t size);

/*
 * The literals of addrs in the order written: NOT sorted, and duplicates
 * are kept (for tests of mchost_slist_sort() itself). Always an allocated
 * set with cap == nr == the number of literals; "" (or only spaces) is an
 * allocated empty set. addrs must not be NULL.
 */
struct mchost_slist *mchost_test_raw(struct kunit *test, const char *addrs);

/*
 * The literals of addrs as a proper set: sorted ascending, as the module
 * keeps them (cap == nr == the number of literals). A duplicate address
 * fails the test. "" (or only spaces) is an allocated empty set, not NULL;
 * a NULL addrs is a NULL set (NULL is the empty set wherever the module
 * reads one, but tests tell the two apart).
 */
struct mchost_slist *mchost_test_set(struct kunit *test, const char *addrs);

/*
 * As mchost_test_set(), but with the module's own representation of the
 * empty set: NULL when addrs is NULL or holds no literal ("", spaces), an
 * allocated non-empty sorted set otherwise.
 */
struct mchost_slist *mchost_test_set_or_null(struct kunit *test,
					     const char *addrs);

/*
 * The n addresses 2001:db8::<first + i>, i in [0, n): already sorted
 * (while first + n does not wrap around), cap == nr == n. For sets too
 * large to write as literals; n above U16_MAX fails the test.
 */
struct mchost_slist *mchost_test_range(struct kunit *test, u32 first,
				       unsigned int n);

/*
 * Expect got to hold exactly the addresses of want, in the same order
 * (NULL reads as empty). A different count is an assertion (the test case
 * ends), each different address an expectation failure.
 */
void mchost_test_expect_same(struct kunit *test,
			     const struct mchost_slist *got,
			     const struct mchost_slist *want);

#endif /* _MCHOST_TEST_H */
