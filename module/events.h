/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _MCHOST_EVENTS_H
#define _MCHOST_EVENTS_H

/**
 * mchost_events_init() - follow devices as they come, go up, down and go
 *
 * Creates the state of every existing device first.
 *
 * Return: 0 or a negative errno.
 */
int mchost_events_init(void);

/**
 * mchost_events_uninit() - stop following devices; frees every device
 */
void mchost_events_uninit(void);

/**
 * mchost_events_ll_work() - announce MLD memberships once DAD ends
 * @work: &mchost_net.ll_work; it requeues itself while a link-local
 *        address of a device waiting for one is still tentative
 */
void mchost_events_ll_work(struct work_struct *work);

#endif /* _MCHOST_EVENTS_H */
