/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The membership protocol engine, one implementation for IGMP and MLD:
 * compatibility modes, queries, unsolicited reports and their
 * retransmission, all driven by the per-namespace timer.
 */
#ifndef _MCHOST_PROTO_H
#define _MCHOST_PROTO_H

#include "ill.h"
#include "timer.h"
#include "wire.h"

void mchost_proto_ill_init(struct mchost_ill *ill);
void mchost_proto_ilm_init(struct mchost_ilm *ilm);

/*
 * The device lock as writer. Unlocking sends what was queued under it and
 * hands any deadline recorded under it to the namespace timer, which must
 * never be armed with the lock held.
 */
void mchost_ill_lock(struct mchost_ill *ill) __acquires(&ill->lock);
void mchost_ill_unlock(struct mchost_ill *ill) __releases(&ill->lock);

/* Under the lock: ilm->merged changed from *old (INCLUDE {} for a join). */
void mchost_proto_change(struct mchost_ill *ill, struct mchost_ilm *ilm,
			 const struct mchost_filter *old);
/* Under the lock: drop every deadline and pending state of ilm. */
void mchost_proto_forget(struct mchost_ill *ill, struct mchost_ilm *ilm);
/* Under the lock: is a leave still being reported for this tombstone? */
bool mchost_proto_leaving(const struct mchost_ilm *ilm);

/* A valid query or report arrived on the device (softirq). */
void mchost_proto_rcv(struct mchost_ill *ill, enum mchost_fam fam,
		      const struct mchost_msg *m);
/* The link became operational (announce every membership again) or not. */
void mchost_proto_link(struct mchost_ill *ill, bool up);

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

/* Takes the device lock as reader. */
void mchost_proto_state(struct mchost_ill *ill, enum mchost_fam fam,
			struct mchost_proto_state *st);

/* Compatibility mode in force, in the family's own numbering. */
unsigned int mchost_proto_version(const struct mchost_ill *ill,
				  enum mchost_fam fam);

/* Pure decisions of the engine, exposed for KUnit. */
/* RFC 9776 §7 / RFC 9777 §8: the mode given older-querier deadlines. */
unsigned int mchost_compat_version(enum mchost_fam fam,
				   const ktime_t old_until[2], ktime_t now,
				   unsigned int max);
/* RFC 9776 §8.12, §8.13: Older Version Querier Present Timeout, in ms. */
u64 mchost_ovqp_ms(unsigned int rv, u32 qi_ms, u32 qri_ms);
/* Max Response Time of a valid query, in ms (0: respond at once). */
u32 mchost_query_mrt_ms(enum mchost_fam fam, const struct mchost_msg *m);
/*
 * RFC 9776 §5.2: sources to report for a group-and-source query, into out
 * (room for all of asked): filter ∩ asked in INCLUDE, asked − filter in
 * EXCLUDE.
 */
void mchost_gsr_sources(const struct mchost_filter *f,
			const struct mchost_slist *asked,
			struct mchost_slist *out);

/* The module is up (parameter writes may reach the devices) or going. */
void mchost_proto_set_running(bool running);
/* igmp_max_version / mld_max_version changed: apply at once. */
void mchost_proto_versions_changed(void);

ktime_t mchost_proto_fire(struct mchost_timer *t, ktime_t now,
			  ktime_t horizon);

#endif /* _MCHOST_PROTO_H */
