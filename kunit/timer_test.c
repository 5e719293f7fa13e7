// SPDX-License-Identifier: GPL-2.0
/*
 * The namespace timer: exact arming, firing and re-arming, a callback that
 * runs while a setter is between unlocking and arming, and stop. The
 * fire() here stands for the devices: a list of deadlines, each served by
 * the first call made at or after it. It serves by 'now', not 'horizon',
 * so every deadline can be checked to be served neither early nor by a
 * later one.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/workqueue.h>
#include "timer.h"

#define MCHOST_TEST_MAX_DL	8
#define MCHOST_TEST_MAX_ARMS	16

struct mchost_test_ctx {
	struct mchost_timer t;
	struct kunit *test;
	spinlock_t lock;		/* the fields up to 'again' */
	ktime_t dl[MCHOST_TEST_MAX_DL];	/* deadlines asked for */
	ktime_t served[MCHOST_TEST_MAX_DL]; /* 'now' of the serving call, or 0 */
	unsigned int nr;
	unsigned int calls;
	ktime_t now, horizon;		/* of the last call */
	unsigned int again;		/* calls still to answer "due now" */
	struct completion fired;	/* once per call */
	ktime_t arms[MCHOST_TEST_MAX_ARMS]; /* targets armed, in order */
	unsigned int narms;
	unsigned int window_ms;		/* the timer's coalescing window */
	/* For the hooks, used by the test thread only. */
	bool paused;
	ktime_t a, d, e, n;		/* the lost-re-arm case's deadlines */
	struct work_struct stop_work;
	struct completion stopped;
};

/* The hooks act on this context's timer only. */
static struct mchost_test_ctx *mchost_test_hooked;

struct mchost_test_state {
	bool setter_active;
	bool dead;
	ktime_t pending;
	ktime_t armed;
};

static struct mchost_test_state mchost_test_state(struct mchost_timer *t)
{
	struct mchost_test_state s;

	spin_lock_bh(&t->lock);
	s.setter_active = t->setter_active;
	s.dead = t->dead;
	s.pending = t->pending;
	s.armed = t->armed;
	spin_unlock_bh(&t->lock);
	return s;
}

static ktime_t mchost_test_fire(struct mchost_timer *t, ktime_t now,
				ktime_t horizon)
{
	struct mchost_test_ctx *ctx = container_of(t, struct mchost_test_ctx, t);
	ktime_t next = KTIME_MAX;
	unsigned int i;

	spin_lock(&ctx->lock);
	ctx->calls++;
	ctx->now = now;
	ctx->horizon = horizon;
	for (i = 0; i < ctx->nr; i++) {
		if (ctx->served[i])
			continue;
		if (ctx->dl[i] <= now)
			ctx->served[i] = now;
		else
			next = min(next, ctx->dl[i]);
	}
	if (ctx->again) {
		ctx->again--;
		next = now;
	}
	spin_unlock(&ctx->lock);
	complete(&ctx->fired);
	return next;
}

/* Records a deadline without starting the timer for it; returns its slot. */
static unsigned int mchost_test_add(struct mchost_test_ctx *ctx, ktime_t dl)
{
	unsigned int i;

	spin_lock_bh(&ctx->lock);
	i = ctx->nr++;
	ctx->dl[i] = dl;
	spin_unlock_bh(&ctx->lock);
	return i;
}

/* As a device does: record the deadline, then start the timer for it. */
static unsigned int mchost_test_request(struct mchost_test_ctx *ctx,
					ktime_t dl)
{
	unsigned int i = mchost_test_add(ctx, dl);

	mchost_timer_start(&ctx->t, dl);
	return i;
}

static ktime_t mchost_test_served(struct mchost_test_ctx *ctx, unsigned int i)
{
	ktime_t at;

	spin_lock_bh(&ctx->lock);
	at = ctx->served[i];
	spin_unlock_bh(&ctx->lock);
	return at;
}

static unsigned int mchost_test_calls(struct mchost_test_ctx *ctx)
{
	unsigned int calls;

	spin_lock_bh(&ctx->lock);
	calls = ctx->calls;
	spin_unlock_bh(&ctx->lock);
	return calls;
}

static bool mchost_test_all_served(struct mchost_test_ctx *ctx)
{
	bool all = true;
	unsigned int i;

	spin_lock_bh(&ctx->lock);
	for (i = 0; i < ctx->nr; i++)
		all &= ctx->served[i] != 0;
	spin_unlock_bh(&ctx->lock);
	return all;
}

enum mchost_test_cond { MCHOST_TEST_ARMED, MCHOST_TEST_PENDING };

/* Polls for 'armed' or 'pending' to become 'want', for up to 'ms'. */
static bool mchost_test_wait(struct mchost_test_ctx *ctx,
			     enum mchost_test_cond cond, ktime_t want,
			     unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);
	struct mchost_test_state s;

	for (;;) {
		s = mchost_test_state(&ctx->t);
		if ((cond == MCHOST_TEST_ARMED ? s.armed : s.pending) == want)
			return true;
		if (time_after(jiffies, end))
			return false;
		usleep_range(200, 500);
	}
}

static bool mchost_test_wait_all_served(struct mchost_test_ctx *ctx,
					unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	while (!mchost_test_all_served(ctx)) {
		if (time_after(jiffies, end))
			return false;
		usleep_range(1000, 5000);
	}
	return true;
}

/*
 * Every target the timer arms, from any context: tests check what was
 * armed from this log rather than catch the hrtimer queued in passing,
 * which a loaded machine can make them miss.
 */
static void mchost_test_record(struct mchost_timer *t, ktime_t target)
{
	struct mchost_test_ctx *ctx = mchost_test_hooked;

	if (!ctx || t != &ctx->t)
		return;
	spin_lock_bh(&ctx->lock);
	if (ctx->narms < MCHOST_TEST_MAX_ARMS)
		ctx->arms[ctx->narms] = target;
	ctx->narms++;
	spin_unlock_bh(&ctx->lock);
}

/* The targets armed so far, into arms[MCHOST_TEST_MAX_ARMS]; their count. */
static unsigned int mchost_test_arms(struct mchost_test_ctx *ctx,
				     ktime_t *arms)
{
	unsigned int n;

	spin_lock_bh(&ctx->lock);
	n = ctx->narms;
	memcpy(arms, ctx->arms, sizeof(ctx->arms));
	spin_unlock_bh(&ctx->lock);
	return n;
}

static void mchost_test_set_hook(struct mchost_test_ctx *ctx,
				 void (*hook)(struct mchost_timer *t,
					      ktime_t target))
{
	mchost_test_hooked = ctx;
	WRITE_ONCE(mchost_timer_arm_hook, hook);
}

static void mchost_timer_test_arm(struct kunit *test)
{
	struct mchost_test_ctx *ctx = test->priv;
	struct mchost_timer *t = &ctx->t;
	ktime_t d = ktime_add_ms(ktime_get(), 10000);
	struct mchost_test_state s;

	s = mchost_test_state(t);
	KUNIT_EXPECT_EQ(test, s.armed, KTIME_MAX);
	KUNIT_EXPECT_EQ(test, s.pending, KTIME_MAX);
	KUNIT_EXPECT_FALSE(test, hrtimer_is_queued(&t->hrt));

	mchost_timer_start(t, d);
	s = mchost_test_state(t);
	KUNIT_EXPECT_EQ(test, s.armed, d);
	KUNIT_EXPECT_EQ(test, s.pending, KTIME_MAX);
	KUNIT_EXPECT_FALSE(test, s.setter_active);
	KUNIT_EXPECT_TRUE(test, hrtimer_is_queued(&t->hrt));
	KUNIT_EXPECT_EQ(test, hrtimer_get_expires(&t->hrt), d);

	/* Later (or none): the armed expiry stays. */
	mchost_timer_start(t, ktime_add_ms(d, 1000));
	mchost_timer_start(t, KTIME_MAX);
	mchost_timer_start(t, d);
	KUNIT_EXPECT_EQ(test, mchost_test_state(t).armed, d);
	KUNIT_EXPECT_EQ(test, hrtimer_get_expires(&t->hrt), d);

	/* Earlier: re-armed for exactly it. */
	d = ktime_sub_ms(d, 1000);
	mchost_timer_start(t, d);
	s = mchost_test_state(t);
	KUNIT_EXPECT_EQ(test, s.armed, d);
	KUNIT_EXPECT_EQ(test, s.pending, KTIME_MAX);
	KUNIT_EXPECT_FALSE(test, s.setter_active);
	KUNIT_EXPECT_EQ(test, hrtimer_get_expires(&t->hrt), d);

	KUNIT_EXPECT_EQ(test, mchost_test_calls(ctx), 0U);
}

static void mchost_timer_test_fire(struct kunit *test)
{
	struct mchost_test_ctx *ctx = test->priv;
	struct mchost_timer *t = &ctx->t;
	ktime_t now = ktime_get(), arms[MCHOST_TEST_MAX_ARMS];
	ktime_t d1 = ktime_add_ms(now, 100), d2 = ktime_add_ms(now, 1000);
	unsigned int i1, i2;

	/* d2 is only recorded: nothing but fire()'s answer arms it. */
	i2 = mchost_test_add(ctx, d2);
	i1 = mchost_test_request(ctx, d1);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&ctx->fired, 5 * HZ),
			0);
	KUNIT_EXPECT_EQ(test, mchost_test_calls(ctx), 1U);
	KUNIT_EXPECT_GE(test, mchost_test_served(ctx, i1), d1);
	KUNIT_EXPECT_EQ(test, mchost_test_served(ctx, i2), 0);
	spin_lock_bh(&ctx->lock);
	KUNIT_EXPECT_EQ(test, ctx->horizon,
			ktime_add(ctx->now, mchost_timer_window(t)));
	spin_unlock_bh(&ctx->lock);

	/* What fire() returned is armed, exactly, and fires. */
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&ctx->fired, 5 * HZ),
			0);
	KUNIT_EXPECT_GE(test, mchost_test_served(ctx, i2), d2);
	KUNIT_ASSERT_EQ(test, mchost_test_arms(ctx, arms), 2U);
	KUNIT_EXPECT_EQ(test, arms[0], d1);
	KUNIT_EXPECT_EQ(test, arms[1], d2);

	/* fire() returned KTIME_MAX: nothing more. */
	msleep(50);
	KUNIT_EXPECT_EQ(test, mchost_test_calls(ctx), 2U);
	KUNIT_EXPECT_EQ(test, mchost_test_state(t).armed, KTIME_MAX);
	KUNIT_EXPECT_FALSE(test, hrtimer_is_queued(&t->hrt));
	KUNIT_EXPECT_EQ(test, mchost_test_arms(ctx, arms), 2U);
}

/* A deadline returned already due is called again at once. */
static void mchost_timer_test_fire_again(struct kunit *test)
{
	struct mchost_test_ctx *ctx = test->priv;
	int i;

	ctx->again = 2;
	mchost_test_request(ctx, ktime_add_ms(ktime_get(), 5));
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_NE(test,
				wait_for_completion_timeout(&ctx->fired, 5 * HZ),
				0);
	msleep(30);
	KUNIT_EXPECT_EQ(test, mchost_test_calls(ctx), 3U);
	KUNIT_EXPECT_FALSE(test, hrtimer_is_queued(&ctx->t.hrt));
}

/* The window is read where the owner keeps it, at every expiry. */
static void mchost_timer_test_window(struct kunit *test)
{
	struct mchost_test_ctx *ctx = test->priv;
	struct mchost_timer *t = &ctx->t;

	KUNIT_EXPECT_EQ(test, mchost_timer_window(t), ms_to_ktime(1000));
	WRITE_ONCE(ctx->window_ms, 0);
	KUNIT_EXPECT_EQ(test, mchost_timer_window(t), 0);
	WRITE_ONCE(ctx->window_ms, 250);
	KUNIT_EXPECT_EQ(test, mchost_timer_window(t), ms_to_ktime(250));

	mchost_test_request(ctx, ktime_add_ms(ktime_get(), 10));
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&ctx->fired, 5 * HZ),
			0);
	spin_lock_bh(&ctx->lock);
	KUNIT_EXPECT_EQ(test, ctx->horizon, ktime_add_ms(ctx->now, 250));
	spin_unlock_bh(&ctx->lock);
}

/* A start comes in while the setter S is between unlocking and arming. */
static void mchost_timer_test_pending_hook(struct mchost_timer *t,
					   ktime_t target)
{
	struct mchost_test_ctx *ctx = mchost_test_hooked;
	struct kunit *test;

	mchost_test_record(t, target);
	if (!ctx || t != &ctx->t || !in_task() || ctx->paused)
		return;
	ctx->paused = true;
	test = ctx->test;

	KUNIT_EXPECT_EQ(test, target, ctx->d);
	mchost_test_request(ctx, ctx->e);
	KUNIT_EXPECT_EQ(test, mchost_test_state(t).pending, ctx->e);
}

/* S arms for d, then for the earlier e it found pending, before it returns. */
static void mchost_timer_test_pending(struct kunit *test)
{
	struct mchost_test_ctx *ctx = test->priv;
	struct mchost_timer *t = &ctx->t;
	ktime_t now = ktime_get();
	struct mchost_test_state s;
	unsigned int id, ie;

	ctx->d = ktime_add_ms(now, 3000);
	ctx->e = ktime_add_ms(now, 1000);
	mchost_test_set_hook(ctx, mchost_timer_test_pending_hook);
	id = mchost_test_request(ctx, ctx->d);
	mchost_test_set_hook(ctx, mchost_test_record);
	KUNIT_ASSERT_TRUE(test, ctx->paused);
	ie = id + 1;

	s = mchost_test_state(t);
	KUNIT_EXPECT_EQ(test, s.armed, ctx->e);
	KUNIT_EXPECT_EQ(test, s.pending, KTIME_MAX);
	KUNIT_EXPECT_FALSE(test, s.setter_active);
	KUNIT_EXPECT_EQ(test, hrtimer_get_expires(&t->hrt), ctx->e);

	/* e is served on time, not with d. */
	KUNIT_EXPECT_TRUE(test, mchost_test_wait_all_served(ctx, 10000));
	KUNIT_EXPECT_GE(test, mchost_test_served(ctx, ie), ctx->e);
	KUNIT_EXPECT_LT(test, mchost_test_served(ctx, ie), ctx->d);
	KUNIT_EXPECT_GE(test, mchost_test_served(ctx, id), ctx->d);
	KUNIT_EXPECT_EQ(test, mchost_test_calls(ctx), 2U);
}

/*
 * A lost re-arm: the setter S, re-arming for an earlier deadline d, is between
 * dropping the lock and arming when the armed deadline a expires. The
 * callback runs; its own re-arm (n) and another start (e) come in while S
 * is still busy. EXPECTs only here: an ASSERT would end the test thread
 * with the setter active, and the stop in exit would wait for ever.
 */
static void mchost_timer_test_lost_hook(struct mchost_timer *t, ktime_t target)
{
	struct mchost_test_ctx *ctx = mchost_test_hooked;
	struct mchost_test_state s;
	struct kunit *test;

	mchost_test_record(t, target);
	if (!ctx || t != &ctx->t || !in_task() || ctx->paused)
		return;
	ctx->paused = true;
	test = ctx->test;

	s = mchost_test_state(t);
	KUNIT_EXPECT_EQ(test, target, ctx->d);
	KUNIT_EXPECT_TRUE(test, s.setter_active);
	KUNIT_EXPECT_EQ(test, s.armed, ctx->a);

	/* a expires: the callback runs while S is away. */
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&ctx->fired, 5 * HZ),
			0);
	/*
	 * Its re-arm for n meets the active setter and must stay recorded.
	 * A callback that zeroed a shared "time to next" here would lose its
	 * re-arm in that zero: this wait is the first to fail.
	 */
	KUNIT_EXPECT_TRUE(test, mchost_test_wait(ctx, MCHOST_TEST_PENDING,
						 ctx->n, 5000));
	s = mchost_test_state(t);
	KUNIT_EXPECT_EQ(test, s.armed, KTIME_MAX);
	KUNIT_EXPECT_TRUE(test, s.setter_active);

	/* Another start meanwhile, earlier than n: the minimum is kept. */
	ctx->e = ktime_add_ms(ktime_get(), 1000);
	mchost_test_request(ctx, ctx->e);
	KUNIT_EXPECT_EQ(test, mchost_test_state(t).pending, ctx->e);
}

static void mchost_timer_test_lost_rearm(struct kunit *test)
{
	struct mchost_test_ctx *ctx = test->priv;
	struct mchost_timer *t = &ctx->t;
	ktime_t now = ktime_get(), arms[MCHOST_TEST_MAX_ARMS];
	unsigned int ia, id, in, ie, i, n;

	ctx->a = ktime_add_ms(now, 2000);
	ctx->d = ktime_add_ms(now, 1000);
	ctx->n = ktime_add_ms(now, 8000);
	ia = mchost_test_request(ctx, ctx->a);
	/* Later than a: only recorded, left to the callback to arm. */
	in = mchost_test_request(ctx, ctx->n);
	KUNIT_ASSERT_EQ(test, mchost_test_state(t).armed, ctx->a);

	mchost_test_set_hook(ctx, mchost_timer_test_lost_hook);
	id = mchost_test_request(ctx, ctx->d);
	mchost_test_set_hook(ctx, mchost_test_record);
	KUNIT_ASSERT_TRUE(test, ctx->paused);
	/* e is the slot the hook added after d. */
	ie = id + 1;

	/* The call at a served d and a. */
	KUNIT_EXPECT_GE(test, mchost_test_served(ctx, ia), ctx->a);
	KUNIT_EXPECT_EQ(test, mchost_test_served(ctx, id),
			mchost_test_served(ctx, ia));

	/*
	 * Armed for the earliest deadline still to serve, e, exactly. (S may
	 * first have armed its stale d, which is past; the call it causes
	 * arms e.) A setter that lost e armed nothing: this wait fails, and so
	 * does the one for all deadlines served below.
	 */
	KUNIT_EXPECT_TRUE(test, mchost_test_wait_all_served(ctx, 20000));
	n = mchost_test_arms(ctx, arms);
	KUNIT_ASSERT_GE(test, n, 3U);
	KUNIT_ASSERT_LE(test, n, (unsigned int)MCHOST_TEST_MAX_ARMS);
	KUNIT_EXPECT_EQ(test, arms[0], ctx->a);
	KUNIT_EXPECT_EQ(test, arms[1], ctx->d);
	for (i = 2; i < n && arms[i] != ctx->e; i++)
		;
	KUNIT_EXPECT_LT_MSG(test, i, n, "e was never armed");

	/* fire() runs for e (before n), then for n, then nothing is armed. */
	KUNIT_EXPECT_GE(test, mchost_test_served(ctx, ie), ctx->e);
	KUNIT_EXPECT_LT(test, mchost_test_served(ctx, ie), ctx->n);
	KUNIT_EXPECT_GE(test, mchost_test_served(ctx, in), ctx->n);
	msleep(20);
	KUNIT_EXPECT_EQ(test, mchost_test_state(t).armed, KTIME_MAX);
	KUNIT_EXPECT_FALSE(test, hrtimer_is_queued(&t->hrt));
}

static void mchost_timer_test_stop(struct kunit *test)
{
	struct mchost_test_ctx *ctx = test->priv;
	struct mchost_timer *t = &ctx->t;
	struct mchost_test_state s;

	mchost_test_request(ctx, ktime_add_ms(ktime_get(), 10000));
	KUNIT_EXPECT_TRUE(test, hrtimer_is_queued(&t->hrt));
	mchost_timer_stop(t);
	s = mchost_test_state(t);
	KUNIT_EXPECT_TRUE(test, s.dead);
	KUNIT_EXPECT_EQ(test, s.armed, KTIME_MAX);
	KUNIT_EXPECT_FALSE(test, hrtimer_is_queued(&t->hrt));
	msleep(60);
	KUNIT_EXPECT_EQ(test, mchost_test_calls(ctx), 0U);

	/* After stop, a start arms nothing. */
	mchost_test_request(ctx, ktime_add_ms(ktime_get(), 5));
	s = mchost_test_state(t);
	KUNIT_EXPECT_EQ(test, s.armed, KTIME_MAX);
	KUNIT_EXPECT_FALSE(test, s.setter_active);
	KUNIT_EXPECT_FALSE(test, hrtimer_is_queued(&t->hrt));
	msleep(30);
	KUNIT_EXPECT_EQ(test, mchost_test_calls(ctx), 0U);
}

static void mchost_test_stop_work(struct work_struct *work)
{
	struct mchost_test_ctx *ctx =
		container_of(work, struct mchost_test_ctx, stop_work);

	mchost_timer_stop(&ctx->t);
	complete(&ctx->stopped);
}

/* Stop comes in while a setter is between dropping the lock and arming. */
static void mchost_timer_test_stop_hook(struct mchost_timer *t,
					ktime_t target)
{
	struct mchost_test_ctx *ctx = mchost_test_hooked;
	struct kunit *test;

	mchost_test_record(t, target);
	if (!ctx || t != &ctx->t || !in_task() || ctx->paused)
		return;
	ctx->paused = true;
	test = ctx->test;

	schedule_work(&ctx->stop_work);
	/* It must wait for this setter. */
	KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&ctx->stopped,
							  msecs_to_jiffies(100)),
			0);
	KUNIT_EXPECT_TRUE(test, mchost_test_state(t).dead);
}

static void mchost_timer_test_stop_setter(struct kunit *test)
{
	struct mchost_test_ctx *ctx = test->priv;
	struct mchost_timer *t = &ctx->t;

	mchost_test_set_hook(ctx, mchost_timer_test_stop_hook);
	/* Far enough not to expire before the setter arms it. */
	mchost_test_request(ctx, ktime_add_ms(ktime_get(), 2000));
	mchost_test_set_hook(ctx, mchost_test_record);
	KUNIT_ASSERT_TRUE(test, ctx->paused);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&ctx->stopped, HZ),
			0);
	/* Had stop cancelled before the setter armed, this would be queued. */
	KUNIT_EXPECT_FALSE(test, hrtimer_is_queued(&t->hrt));
	KUNIT_EXPECT_FALSE(test, mchost_test_state(t).setter_active);
	KUNIT_EXPECT_EQ(test, mchost_test_calls(ctx), 0U);
}

static int mchost_timer_test_init(struct kunit *test)
{
	struct mchost_test_ctx *ctx;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	ctx->test = test;
	spin_lock_init(&ctx->lock);
	init_completion(&ctx->fired);
	init_completion(&ctx->stopped);
	INIT_WORK(&ctx->stop_work, mchost_test_stop_work);
	ctx->window_ms = 1000;
	mchost_timer_init(&ctx->t, mchost_test_fire, &ctx->window_ms);
	test->priv = ctx;
	mchost_test_set_hook(ctx, mchost_test_record);
	return 0;
}

static void mchost_timer_test_exit(struct kunit *test)
{
	struct mchost_test_ctx *ctx = test->priv;

	WRITE_ONCE(mchost_timer_arm_hook, NULL);
	mchost_test_hooked = NULL;
	/* Before kunit frees ctx: nothing may stay queued or running. */
	flush_work(&ctx->stop_work);
	mchost_timer_stop(&ctx->t);
}

static struct kunit_case mchost_timer_test_cases[] = {
	KUNIT_CASE(mchost_timer_test_arm),
	KUNIT_CASE(mchost_timer_test_fire),
	KUNIT_CASE(mchost_timer_test_fire_again),
	KUNIT_CASE(mchost_timer_test_window),
	KUNIT_CASE(mchost_timer_test_pending),
	KUNIT_CASE(mchost_timer_test_lost_rearm),
	KUNIT_CASE(mchost_timer_test_stop),
	KUNIT_CASE(mchost_timer_test_stop_setter),
	{}
};

static struct kunit_suite mchost_timer_test_suite = {
	.name = "mchost_timer",
	.init = mchost_timer_test_init,
	.exit = mchost_timer_test_exit,
	.test_cases = mchost_timer_test_cases,
};

kunit_test_suite(mchost_timer_test_suite);
