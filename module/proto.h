/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The membership protocol engine, one implementation for IGMP and MLD:
 * compatibility modes, queries, unsolicited reports and their
 * retransmission. Every entry point runs with the device lock held for
 * writing and is told the time; the engine reaches the world only through
 * the device's struct mchost_dev_ops (send a report, wake me at T), so
 * KUnit can drive it with a fake device and a fake clock.
 */
#ifndef _MCHOST_PROTO_H
#define _MCHOST_PROTO_H

#include "dev.h"
#include "wire.h"

/**
 * mchost_proto_init() - create the slab cache of pending protocol state
 *
 * Before anything can join.
 *
 * Return: 0 or -ENOMEM.
 */
int mchost_proto_init(void);

/**
 * mchost_proto_uninit() - destroy it
 *
 * After the last membership was freed, as mchost_group_cache_uninit().
 */
void mchost_proto_uninit(void);

/**
 * mchost_proto_change() - a group's merged filter changed
 * @md: the device
 * @grp: the group; grp->merged is the new state
 * @old: the state before (INCLUDE {} for a join)
 * @now: the time
 *
 * Reports the change (RFC 9776 §5.1) and plans its retransmissions.
 */
void mchost_proto_change(struct mchost_dev *md, struct mchost_group *grp,
			 const struct mchost_filter *old, ktime_t now);

/**
 * mchost_proto_forget() - drop every deadline and pending state of a group
 * @md: the device
 * @grp: the group, about to be freed
 */
void mchost_proto_forget(struct mchost_dev *md, struct mchost_group *grp);

/**
 * mchost_proto_leaving() - is a leave still being reported?
 * @grp: a group without owners
 *
 * Return: true while its leave has retransmissions to go.
 */
bool mchost_proto_leaving(const struct mchost_group *grp);

/**
 * mchost_proto_rcv() - a valid query or report arrived on the device
 * @md: the device
 * @fam: its protocol
 * @m: the parsed message
 * @now: the time
 */
void mchost_proto_rcv(struct mchost_dev *md, enum mchost_fam fam,
		      const struct mchost_msg *m, ktime_t now);

/**
 * mchost_proto_link() - the device became operational, or stopped being so
 * @md: the device
 * @up: operational now
 * @now: the time
 *
 * Everything pending is dropped; coming up announces every membership.
 */
void mchost_proto_link(struct mchost_dev *md, bool up, ktime_t now);

/**
 * mchost_proto_announce() - send every membership's state of a family again
 * @md: the device
 * @fam: the family
 * @now: the time
 *
 * For when the family's reports start going out from a usable source
 * address (RFC 9777 §5.2.13: an MLD host whose link-local address
 * finished Duplicate Address Detection): the state-change reports of a
 * fresh join, with their retransmissions, merged with what is pending.
 */
void mchost_proto_announce(struct mchost_dev *md, enum mchost_fam fam,
			   ktime_t now);

/* What SET_IFACE changes: a value, 0 for the parameter, or KEEP. */
#define MCHOST_PROTO_KEEP	0xff
struct mchost_proto_settings {
	u8 version[MCHOST_NFAM];
	u8 rv;
	u8 rll;				/* 1: off, 2: on */
};

/**
 * mchost_proto_configure() - change a device's settings
 * @md: the device, locked
 * @set: the new values (each may be %MCHOST_PROTO_KEEP)
 * @now: the time
 *
 * A lower version applies at once and cancels what is pending, as a lower
 * igmp_max_version / mld_max_version does.
 */
void mchost_proto_configure(struct mchost_dev *md,
			    const struct mchost_proto_settings *set,
			    ktime_t now);

/**
 * mchost_proto_settings() - a device's own settings
 * @md: the device
 * @set: filled with them, 0 where the module parameter applies
 */
void mchost_proto_settings(const struct mchost_dev *md,
			   struct mchost_proto_settings *set);

/**
 * mchost_proto_caps_changed() - igmp_max_version or mld_max_version changed
 * @md: the device
 * @now: the time
 *
 * Applies the cap at once rather than at the device's next event.
 */
void mchost_proto_caps_changed(struct mchost_dev *md, ktime_t now);

/**
 * mchost_proto_fire() - do what is due on the device
 * @md: the device
 * @now: the time
 * @horizon: serve what may be served early up to this time
 * @budget: packets that may still be built; decremented
 *
 * Return: the device's earliest deadline still pending, KTIME_MAX if none.
 */
ktime_t mchost_proto_fire(struct mchost_dev *md, ktime_t now, ktime_t horizon,
			  int *budget);

/* Querier state of one family, for /proc and dumps (ms remaining). */
struct mchost_proto_state {
	u8 version;
	u8 rv;
	u32 qi_ms;
	u32 qri_ms;
	u32 v1_querier_ms;
	u32 v2_querier_ms;
	u32 general_ms;
};

/**
 * mchost_proto_state() - the querier state of one family
 * @md: the device, lock held (reading is enough)
 * @fam: the family
 * @now: the time
 * @st: filled in
 */
void mchost_proto_state(const struct mchost_dev *md, enum mchost_fam fam,
			ktime_t now, struct mchost_proto_state *st);

/* Per membership, for show -d: U32_MAX where there is no such time. */
struct mchost_group_timers {
	u8 rtx_left;	/* unsolicited transmissions still to come */
	u32 next_ms;	/* until the next scheduled report */
	u32 last_ms;	/* since the last report of it */
};

/**
 * mchost_proto_group_timers() - the report timers of one membership
 * @grp: the membership; its device's lock held (reading is enough)
 * @now: the time
 * @t: filled in
 */
void mchost_proto_group_timers(const struct mchost_group *grp, ktime_t now,
			       struct mchost_group_timers *t);

/**
 * mchost_proto_version() - the compatibility mode in force
 * @md: the device; no lock needed
 * @fam: the family
 *
 * Return: the version in the family's own numbering (IGMP 1-3, MLD 1-2).
 */
unsigned int mchost_proto_version(const struct mchost_dev *md,
				  enum mchost_fam fam);

/**
 * mchost_compat_version() - the compatibility mode (RFC 9776 §7, 9777 §8)
 * @fam: the family
 * @old_until: when the v1 and the v2 (MLDv1) querier present timers end
 * @now: the time
 * @max: the version cap
 *
 * Return: the version, in the family's own numbering.
 */
unsigned int mchost_compat_version(enum mchost_fam fam,
				   const ktime_t old_until[2], ktime_t now,
				   unsigned int max);

/**
 * mchost_ovqp_ms() - Older Version Querier Present Timeout
 * @rv: Robustness Variable
 * @qi_ms: Query Interval
 * @qri_ms: Query Response Interval
 *
 * RFC 9776 §8.12, §8.13.
 *
 * Return: RV·QI + QRI, in ms.
 */
u64 mchost_ovqp_ms(unsigned int rv, u32 qi_ms, u32 qri_ms);

/**
 * mchost_query_mrt_ms() - the Max Response Time of a valid query
 * @fam: its family
 * @m: the query
 *
 * Return: milliseconds; 0 means respond at once.
 */
u32 mchost_query_mrt_ms(enum mchost_fam fam, const struct mchost_msg *m);

/**
 * mchost_gsr_sources() - what to report for a group-and-source query
 * @f: the group's filter
 * @asked: the sources asked about
 * @out: room for all of @asked
 *
 * RFC 9776 §5.2: filter ∩ asked in INCLUDE, asked − filter in EXCLUDE.
 */
void mchost_gsr_sources(const struct mchost_filter *f,
			const struct mchost_slist *asked,
			struct mchost_slist *out);

/*
 * KUnit only: the largest source set the receive side allocated since the
 * test set it to 0.
 */
extern unsigned int mchost_query_alloc_max;

#endif /* _MCHOST_PROTO_H */
