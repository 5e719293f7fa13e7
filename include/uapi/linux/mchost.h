/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mchost: host-side IGMP/MLD membership engine, generic netlink interface.
 *
 * Family "mchost", version 1. Every change needs CAP_NET_ADMIN in the user
 * namespace owning the network namespace; dumps need nothing.
 */
#ifndef _UAPI_LINUX_MCHOST_H
#define _UAPI_LINUX_MCHOST_H

#define MCHOST_GENL_NAME	"mchost"
#define MCHOST_GENL_VERSION	1

/* Hard upper bound of the max_sources module parameter. */
#define MCHOST_MAX_SOURCES_LIMIT	1024

enum mchost_cmd {
	MCHOST_CMD_UNSPEC,
	/*
	 * Set the caller's filter for (IFINDEX, GROUP): FMODE, SOURCES.
	 * Full-state: a later JOIN by the same owner replaces its filter.
	 * With PERSISTENT the owner is the netns itself; without it, the
	 * requesting netlink socket, and the filter is dropped when that
	 * socket closes. The device: IFINDEX, IFNAME, or both if they agree.
	 */
	MCHOST_CMD_JOIN,
	/* Drop the owner's filter for (IFINDEX, GROUP); PERSISTENT as above. */
	MCHOST_CMD_LEAVE,
	/*
	 * Dump: one message per membership (optionally only IFINDEX). With
	 * PERSISTENT, the persistent owner's filter instead of the merge, and
	 * only memberships that have one.
	 */
	MCHOST_CMD_GET_GROUP,
	/* Dump: one message per interface (optionally only IFINDEX). */
	MCHOST_CMD_GET_IFACE,
	/*
	 * Per-device settings of IFINDEX: any of the MCHOST_A_SET_* given;
	 * MCHOST_SET_DEFAULT puts one back to the module parameter.
	 */
	MCHOST_CMD_SET_IFACE,
	/*
	 * Notifications to the "monitor" multicast group. GROUP_NTF: a
	 * membership changed; the attributes of GET_GROUP (the merged filter
	 * after the change; OWNERS 0 when the membership is gone) and EVENT.
	 */
	MCHOST_CMD_GROUP_NTF,
	/*
	 * COMPAT_NTF: the compatibility mode of a device changed (RFC 9776
	 * §7, RFC 9777 §8): IFINDEX, IFNAME, EVENT, and the new IGMP_VERSION
	 * or MLD_VERSION.
	 */
	MCHOST_CMD_COMPAT_NTF,
	/*
	 * Dump: the counters of each device mchost has state for (optionally
	 * only IFINDEX): IFINDEX, IFNAME, IGMP_STATS, MLD_STATS.
	 */
	MCHOST_CMD_GET_STATS,

	__MCHOST_CMD_MAX,
	MCHOST_CMD_MAX = __MCHOST_CMD_MAX - 1
};

/* The multicast group of the notifications. */
#define MCHOST_MCGRP_MONITOR	"monitor"

/* A MCHOST_A_SET_* value: the device follows the module parameter. */
#define MCHOST_SET_DEFAULT	255

enum mchost_fmode {
	MCHOST_FMODE_INCLUDE = 1,
	MCHOST_FMODE_EXCLUDE = 2,
};

/* MCHOST_A_EVENT: what caused a notification. */
enum mchost_event {
	MCHOST_EVENT_JOIN = 1,		/* an owner joined */
	MCHOST_EVENT_CHANGE,		/* an owner changed its filter */
	MCHOST_EVENT_LEAVE,		/* an owner left */
	MCHOST_EVENT_OWNER_GONE,	/* an owner's socket closed */
	MCHOST_EVENT_DEVICE_GONE,	/* the device went: membership gone */
	MCHOST_EVENT_COMPAT,		/* compatibility mode change */
};

enum mchost_attr {
	MCHOST_A_UNSPEC,
	MCHOST_A_IFINDEX,	/* u32 */
	MCHOST_A_IFNAME,	/* string; JOIN/LEAVE input: see PENDING */
	MCHOST_A_GROUP,		/* binary: 4 bytes (IPv4) or 16 bytes (IPv6) */
	MCHOST_A_FMODE,		/* u8, enum mchost_fmode; JOIN default EXCLUDE */
	MCHOST_A_SOURCES,	/* nest of MCHOST_A_SOURCE */
	MCHOST_A_SOURCE,	/* binary, same family as GROUP */
	MCHOST_A_PERSISTENT,	/* flag */
	MCHOST_A_OWNERS,	/* u32, output: owners holding a filter */
	MCHOST_A_IGMP_VERSION,	/* u8, output: current IGMP version */
	MCHOST_A_MLD_VERSION,	/* u8, output: current MLD version */
	MCHOST_A_NGROUPS4,	/* u32, output */
	MCHOST_A_NGROUPS6,	/* u32, output */
	MCHOST_A_MTU,		/* u32, output */
	MCHOST_A_UP,		/* u8, output: 1 if the link is running */
	MCHOST_A_IGMP_STATE,	/* nest of enum mchost_state_attr, output */
	MCHOST_A_MLD_STATE,	/* nest of enum mchost_state_attr, output */
	/*
	 * SET_IFACE input, and GET_IFACE output (MCHOST_SET_DEFAULT where
	 * the module parameter applies): u8 each.
	 */
	MCHOST_A_SET_IGMP_VERSION,	/* 1-3: highest IGMP version spoken */
	MCHOST_A_SET_MLD_VERSION,	/* 1-2: highest MLD version spoken */
	MCHOST_A_SET_ROBUSTNESS,	/* 1-7: until a querier sets one */
	MCHOST_A_SET_REPORT_LINK_LOCAL,	/* 0-1 */
	MCHOST_A_EVENT,		/* u8, enum mchost_event: notifications */
	/* GET_STATS output: nest of u64 each, enum mchost_counter. */
	MCHOST_A_IGMP_STATS,
	MCHOST_A_MLD_STATS,
	/*
	 * GET_GROUP output, per membership: unsolicited transmissions still
	 * to come (RFC 9776 §5.1), and, where there is such a time, ms until
	 * the next scheduled report and since the last one.
	 */
	MCHOST_A_RTX_LEFT,		/* u8 */
	MCHOST_A_NEXT_REPORT_MS,	/* u32 */
	MCHOST_A_LAST_REPORT_MS,	/* u32 */
	/*
	 * Flag. JOIN: a persistent membership bound to the device named by
	 * IFNAME (IFINDEX, if given too, must be that device): applied at
	 * once if it exists, else kept waiting and applied when a device of
	 * that name registers or is renamed to it; waiting again when it
	 * unregisters. Needs PERSISTENT and IFNAME; not for LEAVE, which
	 * names such a membership's device by IFNAME (with PERSISTENT it
	 * also drops the waiting one). GET_GROUP: set on such memberships;
	 * the waiting ones come last, without IFINDEX, and only when the
	 * dump is not for one IFINDEX.
	 */
	MCHOST_A_PENDING,		/* flag */

	__MCHOST_A_MAX,
	MCHOST_A_MAX = __MCHOST_A_MAX - 1
};

/*
 * Per device and protocol: what the querier told us (RFC 9776 §8). Times
 * are what remains, in ms; 0 when the timer is not running.
 */
enum mchost_state_attr {
	MCHOST_S_UNSPEC,
	MCHOST_S_RV,		/* u8: Robustness Variable in force */
	MCHOST_S_QI_MS,		/* u32: Query Interval */
	MCHOST_S_QRI_MS,	/* u32: last Query Response Interval */
	MCHOST_S_V1_QUERIER_MS,	/* u32: IGMPv1 querier present (IGMP only) */
	MCHOST_S_V2_QUERIER_MS,	/* u32: IGMPv2 / MLDv1 querier present */
	MCHOST_S_GENERAL_MS,	/* u32: pending general-query response */

	__MCHOST_S_MAX,
	MCHOST_S_MAX = __MCHOST_S_MAX - 1
};

/*
 * The counters of one device and protocol (GET_STATS), u64 each, named and
 * ordered as in /proc/net/mchost/igmp and mld. New ones only go at the end.
 * PAD aligns the u64 values where the architecture needs it; skip it.
 */
enum mchost_counter {
	MCHOST_C_UNSPEC,
	MCHOST_C_PAD,
	MCHOST_C_RCV_TOTAL,
	MCHOST_C_RCV_TOOSHORT,
	MCHOST_C_RCV_BADSUM,
	MCHOST_C_RCV_QUERIES,
	MCHOST_C_RCV_BADQUERIES,
	MCHOST_C_RCV_REPORTS,
	MCHOST_C_RCV_BADREPORTS,
	MCHOST_C_RCV_OURREPORTS,
	MCHOST_C_SND_REPORTS,
	MCHOST_C_RCV_FRAGMENTS,
	MCHOST_C_RCV_NOMEM,
	MCHOST_C_RCV_UNKNOWN,
	MCHOST_C_RCV_BADHOPLIMIT,
	MCHOST_C_RCV_BADSRC,
	MCHOST_C_RCV_NORA,
	MCHOST_C_SND_ERRORS,
	MCHOST_C_QRY_V1,
	MCHOST_C_QRY_V2,
	MCHOST_C_QRY_V3,
	MCHOST_C_QRY_GENERAL,
	MCHOST_C_QRY_GROUP,
	MCHOST_C_QRY_GROUP_SOURCE,
	MCHOST_C_QRY_RATELIMITED,
	MCHOST_C_SND_V1_REPORTS,
	MCHOST_C_SND_V2_REPORTS,
	MCHOST_C_SND_LEAVES,
	MCHOST_C_SND_V3_REPORTS,
	MCHOST_C_SND_TRUNCATED,
	MCHOST_C_SND_SUPPRESSED,
	MCHOST_C_RCV_BADTTL,
	MCHOST_C_RCV_BADDST,

	__MCHOST_C_MAX,
	MCHOST_C_MAX = __MCHOST_C_MAX - 1
};

#endif /* _UAPI_LINUX_MCHOST_H */
