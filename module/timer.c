// SPDX-License-Identifier: GPL-2.0
/*
 * The per-namespace timer.
 *
 * A start that needs an earlier expiry than the armed one becomes the only
 * "setter": it arms the hrtimer with the lock dropped, re-takes the lock and
 * then also arms for any earlier deadline asked for meanwhile (t->pending).
 * The callback re-arms through the same path. So a deadline asked for while
 * a setter or the callback is busy always ends up armed or scanned: a
 * callback that cleared the state while a setter waited must not lose it.
 *
 * Nobody waits for the callback here, except stop: hrtimer_start() moves a
 * queued timer and may be called while its callback runs, even from within
 * it, so moving the expiry earlier needs no cancel.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/sched.h>
#include <linux/wait_bit.h>
#include "timer.h"

#if IS_ENABLED(CONFIG_MCHOST_KUNIT_TEST)
void (*mchost_timer_arm_hook)(struct mchost_timer *t, ktime_t target);

static void mchost_timer_call_hook(struct mchost_timer *t, ktime_t target)
{
	void (*hook)(struct mchost_timer *t, ktime_t target);

	hook = READ_ONCE(mchost_timer_arm_hook);
	if (hook)
		hook(t, target);
}
#else
static inline void mchost_timer_call_hook(struct mchost_timer *t,
					  ktime_t target)
{
}
#endif

/*
 * The setter, lock held again after arming for *target. Returns true with
 * a new *target when an earlier deadline came in meanwhile.
 */
static bool mchost_timer_armed(struct mchost_timer *t, ktime_t *target)
{
	/*
	 * Only the setter queues the hrtimer, so if it is queued it is for
	 * *target. If not, it expired since we armed it: that expiry's
	 * callback resets 'armed', then scans all deadlines, ours included.
	 */
	t->armed = hrtimer_is_queued(&t->hrt) ? *target : KTIME_MAX;
	if (!t->dead && t->pending < t->armed) {
		*target = t->pending;
		t->pending = KTIME_MAX;
		return true;
	}
	/* A later pending deadline is found by the armed expiry's scan. */
	t->pending = KTIME_MAX;
	t->setter_active = false;
	if (t->dead) {
		/* Order the store above before wake_up_var()'s waiter check. */
		smp_mb();
		wake_up_var(&t->setter_active);
	}
	return false;
}

void mchost_timer_start(struct mchost_timer *t, ktime_t deadline)
{
	ktime_t target;

	spin_lock_bh(&t->lock);
	if (t->dead)
		goto unlock;
	if (t->setter_active) {
		/* The active setter arms for it before it finishes. */
		t->pending = min(t->pending, deadline);
		goto unlock;
	}
	if (t->armed <= deadline)
		goto unlock;

	t->setter_active = true;
	target = min(deadline, t->pending);
	t->pending = KTIME_MAX;
	do {
		spin_unlock_bh(&t->lock);
		mchost_timer_call_hook(t, target);
		hrtimer_start(&t->hrt, target, HRTIMER_MODE_ABS_SOFT);
		spin_lock_bh(&t->lock);
	} while (mchost_timer_armed(t, &target));
unlock:
	spin_unlock_bh(&t->lock);
}

static enum hrtimer_restart mchost_timer_expired(struct hrtimer *hrt)
{
	struct mchost_timer *t = container_of(hrt, struct mchost_timer, hrt);
	ktime_t now, next;

	spin_lock(&t->lock);
	if (t->dead) {
		spin_unlock(&t->lock);
		return HRTIMER_NORESTART;
	}
	/*
	 * Nothing is armed any more: a start from now on arms again. Should a
	 * setter have queued the timer since it expired, its deadline was set
	 * before the scan below, which accounts for it in 'next'.
	 */
	t->armed = KTIME_MAX;
	spin_unlock(&t->lock);

	now = ktime_get();
	next = t->fire(t, now, ktime_add(now, mchost_timer_window(t)));
	if (next == KTIME_MAX)
		return HRTIMER_NORESTART;
	/*
	 * Not HRTIMER_RESTART: a setter may have queued the timer meanwhile
	 * (hrtimer_forward() must not touch a queued timer), and 'armed' has
	 * to stay exact. A deadline already due would run again within this
	 * expiry pass; arming for the current time ends the pass, so other
	 * work gets the CPU between batches.
	 */
	mchost_timer_start(t, max(next, ktime_get()));
	return HRTIMER_NORESTART;
}

void mchost_timer_init(struct mchost_timer *t, mchost_timer_fire_t fire,
		       const unsigned int *window_ms)
{
	spin_lock_init(&t->lock);
	t->fire = fire;
	t->setter_active = false;
	t->dead = false;
	t->pending = KTIME_MAX;
	t->armed = KTIME_MAX;
	t->window_ms = window_ms;
	hrtimer_init(&t->hrt, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_SOFT);
	t->hrt.function = mchost_timer_expired;
}

void mchost_timer_stop(struct mchost_timer *t)
{
	spin_lock_bh(&t->lock);
	t->dead = true;
	spin_unlock_bh(&t->lock);

	/* A setter may still be about to arm: cancelling first would miss it. */
	wait_var_event(&t->setter_active, !READ_ONCE(t->setter_active));
	hrtimer_cancel(&t->hrt);

	/* Taking the lock also waits until the last setter has dropped it. */
	spin_lock_bh(&t->lock);
	t->armed = KTIME_MAX;
	t->pending = KTIME_MAX;
	spin_unlock_bh(&t->lock);
}
