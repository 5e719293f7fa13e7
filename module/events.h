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

#endif /* _MCHOST_EVENTS_H */
