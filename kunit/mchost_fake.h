/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A fake device for driving the protocol engine (proto.c, query.c) through
 * its seam, struct mchost_dev_ops, with a fake clock: what the engine sends
 * is kept in order with the time it was sent, decoded by the module's own
 * parsers into one line of text per packet, and compared exactly.
 *
 * Lifetime: everything is freed when the test case ends (KUnit actions).
 * Failures: helpers fail the test with KUNIT_ASSERT_*() and never return
 * an error.
 */
#ifndef _MCHOST_FAKE_H
#define _MCHOST_FAKE_H

#include <kunit/test.h>
#include "params.h"
#include "proto.h"

/* How the fake draws "random" delays in [lo, hi]. */
enum mchost_fake_rand {
	MCHOST_FAKE_RAND_MAX,	/* hi: the default, the latest allowed */
	MCHOST_FAKE_RAND_MIN,	/* lo */
	MCHOST_FAKE_RAND_MID,	/* (lo + hi) / 2 */
	/* lo + (hi - lo) * (k % 4 + 1) / 4 at the k-th call: each differs */
	MCHOST_FAKE_RAND_CYCLE,
};

struct mchost_fake {
	struct kunit *test;
	struct mchost_dev md;
	struct mchost_timer timer;	/* never started: its window only */
	unsigned int window_ms;		/* the coalescing window (1000) */
	ktime_t now;			/* the fake clock */
	unsigned int mtu;		/* 1500 */
	enum mchost_fake_rand rand;
	unsigned int rand_calls;	/* rand() calls */
	bool fail_alloc;		/* alloc() returns NULL */
	unsigned int reaps;		/* reap() calls */
	unsigned int compats[MCHOST_NFAM];	/* compat() calls */
	unsigned int fires;		/* mchost_proto_fire() calls */
	unsigned int budget_outs;	/* firings that ran out of budget */
	struct sk_buff_head sent;	/* emitted, oldest first */
};

/*
 * A fake device at time 1000 s, MTU 1500, delays drawn at their maximum,
 * IGMPv3/MLDv2, link up, module parameters at their defaults (restored
 * when the test ends, whatever it changes).
 */
struct mchost_fake *mchost_fake_new(struct kunit *test);

/* Set a module parameter for this test only. */
#define mchost_fake_param(f, name, v) \
	__mchost_fake_param((f), &mchost_params.name, (v))
void __mchost_fake_param(struct mchost_fake *f, struct mchost_uint_param *p,
			 unsigned int v);

/*
 * Set the merged filter of group "g" (an IPv4 or IPv6 literal) to mode
 * MCHOST_FMODE_INCLUDE/EXCLUDE with the sources in addrs (mchost_test.h
 * syntax; NULL or "" for none), as an owner's join would, and tell the
 * engine. Creates the group (with one owner) if it does not exist.
 */
struct mchost_group *mchost_fake_join(struct mchost_fake *f, const char *g,
				      u8 mode, const char *addrs);

/* The last owner left group "g": the engine reports the leave. */
void mchost_fake_leave(struct mchost_fake *f, const char *g);

/* The group "g", which must exist. */
struct mchost_group *mchost_fake_group(struct mchost_fake *f, const char *g);

/*
 * A query arrives. version: 1, 2 or 3 for IGMP (by the group's family),
 * 1 or 2 for MLD; g: "" for a general query; addrs: its sources (v3);
 * mrc: the raw Max Resp Code; qrv, qqic raw (v3).
 */
void mchost_fake_query(struct mchost_fake *f, enum mchost_fam fam,
		       unsigned int version, const char *g, const char *addrs,
		       unsigned int mrc, u8 qrv, u8 qqic);

/* Another host's v1/v2 (MLDv1) report for "g" arrives. */
void mchost_fake_report(struct mchost_fake *f, const char *g,
			unsigned int version);

/* The link goes down or up. */
void mchost_fake_link(struct mchost_fake *f, bool up);

/* igmp_max_version / mld_max_version were changed: tell the engine. */
void mchost_fake_caps_changed(struct mchost_fake *f);

/*
 * Let time pass until 'until' (absolute), firing as the namespace timer
 * would: at each earliest deadline, serving what is due within the
 * coalescing window, 64 packets per firing.
 */
void mchost_fake_run(struct mchost_fake *f, ktime_t until);

/*
 * One firing only, at the earliest deadline (or now, if that is past);
 * nothing if no deadline is pending. Returns whether it fired.
 */
bool mchost_fake_fire(struct mchost_fake *f);

/* Free group "g" at once, as group.c does for a finished membership. */
void mchost_fake_remove(struct mchost_fake *f, const char *g);

/* mchost_fake_run() for ms milliseconds from now. */
void mchost_fake_run_ms(struct mchost_fake *f, unsigned int ms);

/*
 * The oldest packet not yet looked at, as text, and when it was sent
 * (*at, may be NULL); NULL if none. Text, by kind:
 *   "224.0.0.22 v3 ALLOW 232.1.1.1 (10.0.0.1 10.0.0.2) BLOCK 232.1.1.1 ()"
 *   "232.1.1.1 v2-report 232.1.1.1", "232.1.1.1 v1-report 232.1.1.1",
 *   "224.0.0.2 leave 232.1.1.1", "ff02::2 leave ff3e::1"
 * (destination first; records in packet order). A packet the module's
 * own parser rejects fails the test.
 */
const char *mchost_fake_pop(struct mchost_fake *f, ktime_t *at);

/* How many packets wait to be popped. */
unsigned int mchost_fake_queued(struct mchost_fake *f);

/*
 * Pop every packet and return how many there were. Each v3 group record is
 * tallied in seen[i], i being the low 16 bits of its group address, when
 * i < n.
 */
unsigned int mchost_fake_drain(struct mchost_fake *f, u16 *seen,
			       unsigned int n);

/* A counter of the fake device. */
u64 mchost_fake_stat(struct mchost_fake *f, enum mchost_fam fam,
		     enum mchost_stat stat);

/* Milliseconds, as ktime_t offsets from the fake's start. */
#define MCHOST_FAKE_T0	ms_to_ktime(1000000)
#define MCHOST_FAKE_AT(ms)	ktime_add_ms(MCHOST_FAKE_T0, (ms))

#endif /* _MCHOST_FAKE_H */
