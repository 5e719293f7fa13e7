// SPDX-License-Identifier: GPL-2.0
/*
 * The test build's knobs (make MCHOST_TESTING=y): parameters the VM tests
 * write to widen races with unload, namespace removal and socket release,
 * and to force allocation failures where they cannot be caused from
 * outside. Never part of a normal build.
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/moduleparam.h>
#include <linux/sysfs.h>
#include "testing.h"

static unsigned int hook_delay_ms;
module_param(hook_delay_ms, uint, 0644);
MODULE_PARM_DESC(hook_delay_ms, "Test build: stall every received IGMP message (ms)");

static unsigned int release_delay_ms;
module_param(release_delay_ms, uint, 0644);
MODULE_PARM_DESC(release_delay_ms, "Test build: stall a closed socket's release (ms)");

static atomic_t fail_merges = ATOMIC_INIT(0);

static int mchost_testing_set_fails(const char *val,
				    const struct kernel_param *kp)
{
	unsigned int n;
	int err = kstrtouint(val, 0, &n);

	if (err)
		return err;
	atomic_set(&fail_merges, n);
	return 0;
}

static int mchost_testing_get_fails(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&fail_merges));
}

static const struct kernel_param_ops mchost_testing_fails_ops = {
	.set = mchost_testing_set_fails,
	.get = mchost_testing_get_fails,
};

module_param_cb(fail_merges, &mchost_testing_fails_ops, NULL, 0644);
MODULE_PARM_DESC(fail_merges, "Test build: this many owners' merges fail with -ENOMEM");

void mchost_testing_hook_delay(void)
{
	unsigned int ms = READ_ONCE(hook_delay_ms);

	if (ms)
		mdelay(ms);
}

void mchost_testing_release_delay(void)
{
	unsigned int ms = READ_ONCE(release_delay_ms);

	if (ms)
		msleep(ms);
}

bool mchost_testing_fail_merge(void)
{
	return atomic_dec_if_positive(&fail_merges) >= 0;
}
