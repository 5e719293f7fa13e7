// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the mchost KUnit suites; see mchost_test.h for what
 * each one guarantees.
 */

#include <kunit/test.h>
#include <linux/inet.h>
#include <linux/string.h>
#include <net/ipv6.h>

#include "mchost_test.h"

static void mchost_test_free(void *s)
{
	mchost_slist_free(s);
}

void mchost_test_defer_free(struct kunit *test, struct mchost_slist *s)
{
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, mchost_test_free, s));
}

struct mchost_slist *mchost_test_alloc(struct kunit *test, unsigned int cap)
{
	struct mchost_slist *s = mchost_slist_alloc(cap, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	mchost_test_defer_free(test, s);
	return s;
}

void mchost_test_pton(struct kunit *test, const char *lit,
		      struct in6_addr *a)
{
	const char *end;
	__be32 v4;

	if (in4_pton(lit, -1, (u8 *)&v4, -1, &end) && !*end) {
		ipv6_addr_set_v4mapped(v4, a);
		return;
	}
	KUNIT_ASSERT_TRUE_MSG(test,
			      in6_pton(lit, -1, a->s6_addr, -1, &end) && !*end,
			      "bad address literal \"%s\"", lit);
}

bool mchost_test_word(struct kunit *test, const char **pos, char *buf,
		      size_t size)
{
	const char *p = skip_spaces(*pos);
	size_t len = strchrnul(p, ' ') - p;

	if (!len)
		return false;
	KUNIT_ASSERT_LT(test, len, size);
	memcpy(buf, p, len);
	buf[len] = '\0';
	*pos = p + len;
	return true;
}

struct mchost_slist *mchost_test_raw(struct kunit *test, const char *addrs)
{
	char buf[INET6_ADDRSTRLEN + 1];
	struct mchost_slist *s;
	unsigned int n = 0;
	const char *p;

	for (p = addrs; mchost_test_word(test, &p, buf, sizeof(buf)); )
		n++;
	s = mchost_test_alloc(test, n);
	for (p = addrs; mchost_test_word(test, &p, buf, sizeof(buf)); )
		mchost_test_pton(test, buf, &s->addr[s->nr++]);
	return s;
}

struct mchost_slist *mchost_test_set(struct kunit *test, const char *addrs)
{
	struct mchost_slist *s;

	if (!addrs)
		return NULL;
	s = mchost_test_raw(test, addrs);
	KUNIT_ASSERT_EQ(test, 0, mchost_slist_sort(s));
	return s;
}

struct mchost_slist *mchost_test_set_or_null(struct kunit *test,
					     const char *addrs)
{
	/* What mchost_test_word() takes for the end of the literals. */
	if (!addrs || !*skip_spaces(addrs))
		return NULL;
	return mchost_test_set(test, addrs);
}

struct mchost_slist *mchost_test_range(struct kunit *test, u32 first,
				       unsigned int n)
{
	struct mchost_slist *s = mchost_test_alloc(test, n);

	for (s->nr = 0; s->nr < n; s->nr++)
		ipv6_addr_set(&s->addr[s->nr], htonl(0x20010db8), 0, 0,
			      htonl(first + s->nr));
	return s;
}

void mchost_test_expect_same(struct kunit *test,
			     const struct mchost_slist *got,
			     const struct mchost_slist *want)
{
	unsigned int i;

	KUNIT_ASSERT_EQ(test, mchost_slist_nr(got), mchost_slist_nr(want));
	for (i = 0; i < mchost_slist_nr(want); i++)
		KUNIT_EXPECT_TRUE_MSG(test,
				      ipv6_addr_equal(&got->addr[i],
						      &want->addr[i]),
				      "[%u] is %pI6c, want %pI6c",
				      i, &got->addr[i], &want->addr[i]);
}
