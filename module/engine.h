/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the protocol engine's two files share: proto.c (state changes,
 * timers, sending) and query.c (queries and other hosts' reports). Not for
 * use outside the engine. Everything runs with the device lock held.
 */
#ifndef _MCHOST_ENGINE_H
#define _MCHOST_ENGINE_H

#include "proto.h"

/**
 * mchost_gen() - a version as a "generation", comparable across families
 * @fam: the family
 * @version: in the family's numbering
 *
 * Return: 1 for IGMPv1, 2 for IGMPv2 and MLDv1, 3 for IGMPv3 and MLDv2.
 */
static inline unsigned int mchost_gen(enum mchost_fam fam,
				      unsigned int version)
{
	return fam == MCHOST_IGMP ? version : version + 1;
}

/**
 * mchost_grp_gen() - the generation a group's family speaks now
 * @md: the device
 * @grp: the group
 *
 * Return: see mchost_gen().
 */
static inline unsigned int mchost_grp_gen(const struct mchost_dev *md,
					  const struct mchost_group *grp)
{
	enum mchost_fam fam = mchost_fam_of(grp->family);

	return mchost_gen(fam, md->proto[fam].version);
}

/**
 * mchost_rand_ms() - a random delay
 * @md: the device (whose ops draw it)
 * @lo: shortest, in ms
 * @hi: longest, in ms
 *
 * Return: a delay in [@lo, @hi].
 */
static inline u32 mchost_rand_ms(struct mchost_dev *md, u32 lo, u32 hi)
{
	return md->ops->rand(md, lo, hi);
}

/**
 * mchost_rv() - the Robustness Variable in force
 * @p: a device's state of one family
 *
 * Return: the querier's QRV once one was heard, else the parameter.
 */
unsigned int mchost_rv(const struct mchost_dev_proto *p);

/**
 * mchost_reportable() - is the group ever reported?
 * @md: the device
 * @grp: the group
 *
 * Return: false for all-hosts and scope 0/1 groups, and for link-local
 * ones unless the device reports them.
 */
bool mchost_reportable(const struct mchost_dev *md,
		       const struct mchost_group *grp);

/**
 * mchost_deadline() - a deadline that may be served a little early
 * @md: the device (its timer's coalescing window bounds the slack)
 * @now: the time
 * @delay_ms: due this long from now
 * @interval_ms: the interval the delay was drawn from
 * @at: the deadline
 * @early: the earliest it may be served: a quarter of the interval, at
 *         most the window, and never in the current firing
 */
void mchost_deadline(const struct mchost_dev *md, ktime_t now, u32 delay_ms,
		     u32 interval_ms, ktime_t *at, ktime_t *early);

/**
 * mchost_gst() - a group's pending state, allocated if it has none
 * @md: the device, lock held for writing
 * @grp: the group
 *
 * Allocates atomically (softirq, or under the device lock). When memory
 * is short, what would have been scheduled is lost, as a report that
 * cannot be allocated is, and counted as a send error.
 *
 * Return: the state, or NULL.
 */
struct mchost_gstate *mchost_gst(struct mchost_dev *md,
				 struct mchost_group *grp);

/**
 * mchost_tq_update() - reschedule a group after its deadlines changed
 * @md: the device
 * @grp: the group
 *
 * Frees its pending state once nothing is left in it.
 */
void mchost_tq_update(struct mchost_dev *md, struct mchost_group *grp);

/**
 * mchost_version_update() - follow the older queriers' timers
 * @md: the device
 * @fam: the family
 * @now: the time
 *
 * A change of mode cancels everything pending in that family.
 */
void mchost_version_update(struct mchost_dev *md, enum mchost_fam fam,
			   ktime_t now);

/**
 * mchost_query() - act on a valid query
 * @md: the device
 * @fam: its family
 * @m: the query
 * @now: the time
 */
void mchost_query(struct mchost_dev *md, enum mchost_fam fam,
		  const struct mchost_msg *m, ktime_t now);

#endif /* _MCHOST_ENGINE_H */
