// SPDX-License-Identifier: GPL-2.0
/*
 * mchost: a host-side IGMP (v1/v2/v3) and MLD (v1/v2) membership engine
 * that keeps memberships per device without sockets. This file only brings
 * the subsystems up in order and takes them down in reverse.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>
#include <linux/mchost.h>
#include "events.h"
#include "genl.h"
#include "group.h"
#include "netns.h"
#include "proto.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

static int __init mchost_init(void)
{
	int err;

	err = mchost_group_cache_init();
	if (err)
		return err;
	err = mchost_proto_init();
	if (err)
		goto err_cache;
	/* Per-namespace state must exist before any device event. */
	err = mchost_netns_init();
	if (err)
		goto err_proto;
	err = mchost_events_init();
	if (err)
		goto err_netns;
	err = mchost_genl_init();
	if (err)
		goto err_events;
	pr_info("IGMP/MLD membership engine loaded\n");
	return 0;

err_events:
	mchost_events_uninit();
err_netns:
	mchost_netns_uninit();
err_proto:
	mchost_proto_uninit();
err_cache:
	mchost_group_cache_uninit();
	return err;
}

static void __exit mchost_exit(void)
{
	mchost_genl_uninit();
	mchost_events_uninit();
	mchost_netns_uninit();
	/* Every membership was freed with its namespace, above. */
	mchost_proto_uninit();
	mchost_group_cache_uninit();
}

module_init(mchost_init);
module_exit(mchost_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("mchost developers");
MODULE_DESCRIPTION("Host-side IGMP/MLD membership engine");
MODULE_VERSION(MCHOST_VERSION);
MODULE_ALIAS_GENL_FAMILY(MCHOST_GENL_NAME);
