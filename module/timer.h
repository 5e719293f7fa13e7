/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One hrtimer per namespace drives every deadline of every device.
 * Deadlines are absolute ktime_t (CLOCK_MONOTONIC), KTIME_MAX meaning
 * none. The owner hands the timer where to read its coalescing window.
 */
#ifndef _MCHOST_TIMER_H
#define _MCHOST_TIMER_H

#include <linux/hrtimer.h>
#include <linux/spinlock.h>

struct mchost_timer;

/*
 * Do everything due at or before 'horizon' (now plus the coalescing window)
 * and return the earliest deadline still pending (KTIME_MAX: none). Runs in
 * softirq context, never concurrently with itself. It may return a deadline
 * in the past to be called again at once (bounded work per call).
 */
typedef ktime_t (*mchost_timer_fire_t)(struct mchost_timer *t, ktime_t now,
				       ktime_t horizon);

struct mchost_timer {
	struct hrtimer hrt;
	mchost_timer_fire_t fire;
	/*
	 * The serialized start state. Lock order: device lock, then this
	 * lock; never arm or cancel the hrtimer while holding either.
	 */
	spinlock_t lock;
	bool setter_active;	/* a start is re-arming the hrtimer */
	bool dead;		/* stopping: arm nothing any more */
	ktime_t pending;	/* earliest deadline asked for meanwhile */
	ktime_t armed;		/* deadline the hrtimer is armed for */
	const unsigned int *window_ms;	/* coalescing window; READ_ONCE() */
};

/**
 * mchost_timer_init() - set up a stopped timer
 * @t: the timer
 * @fire: its callback
 * @window_ms: fire() serves everything due up to *@window_ms ms after
 *             now; read at every expiry, so a change applies at the next
 */
void mchost_timer_init(struct mchost_timer *t, mchost_timer_fire_t fire,
		       const unsigned int *window_ms);

/**
 * mchost_timer_start() - make sure the timer fires no later than @deadline
 * @t: the timer
 * @deadline: absolute; only one earlier than the armed expiry re-arms
 *
 * Must not be called with a device lock held: code under a device lock
 * records a deferred deadline that whoever unlocks hands to this
 * function. Any context but hardirq.
 */
void mchost_timer_start(struct mchost_timer *t, ktime_t deadline);

/**
 * mchost_timer_stop() - stop for good, waiting for a running fire()
 * @t: the timer; starts do nothing afterwards. Sleeps.
 */
void mchost_timer_stop(struct mchost_timer *t);

/**
 * mchost_timer_window() - the coalescing window in force
 * @t: the timer
 *
 * Return: the window.
 */
static inline ktime_t mchost_timer_window(const struct mchost_timer *t)
{
	return ms_to_ktime(READ_ONCE(*t->window_ms));
}

#if IS_ENABLED(CONFIG_MCHOST_KUNIT_TEST)
/*
 * Test only: called by a start after it drops the lock and before it arms
 * the hrtimer, so a test can run the callback and other starts right there.
 */
extern void (*mchost_timer_arm_hook)(struct mchost_timer *t, ktime_t target);
#endif

#endif /* _MCHOST_TIMER_H */
