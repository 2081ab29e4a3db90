/*
 * Copyright (c) 2026 The ovs-nae authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

#ifndef NAE_FAILOVER_H
#define NAE_FAILOVER_H 1

/* The guest half of a nae port's path switch (docs/hw-channels.md): a NAE
 * device's rings and a VF make one interface, as Linux's net_failover
 * bonds a VF with its paravirtual standby (same MAC, same addresses, open
 * connections stay), and the switch decides which one carries the traffic
 * (NAE_EVENT_PATH).  This is the mechanism: following path events,
 * emptying the old path before using the new one, acknowledging, letting
 * go of a VF.  The VF it drives is behind 'struct nae_failover_ops', which
 * each kind of VF implements (esw-vf-guest.c for the emulated NIC's), as
 * Linux's failover has failover_ops; what to do with the frames
 * (nae-guestd's TAP interface) is the caller's.  C library only. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nae-abi.h"

struct nae_guest;

struct nae_failover_ops {
    /* Maps the VF memory the switch handed over as 'fd' (closing it).
     * Returns 0 or a positive errno value. */
    int (*attach_fd)(void *vf, int fd);
    void (*detach)(void *vf);
    /* Whether the VF is plugged in (its memory not revoked). */
    bool (*enabled)(const void *vf);
    /* Whether the VF has taken every frame queued for transmission. */
    bool (*tx_idle)(const void *vf);
    uint32_t (*tx_room)(const void *vf);
    int (*send)(void *vf, const void *frame, size_t len);
    size_t (*recv)(void *vf, void *buf, size_t size);
    uint32_t (*rx_pending)(const void *vf);
};

struct nae_failover {
    const struct nae_failover_ops *ops;
    void *vf;

    bool attached;
    enum nae_path tx_path;      /* Where we send. */
    enum nae_path rx_new;       /* Where the switch sends now. */
    bool switching;             /* Emptying 'tx_path' before 'target'. */
    bool release;               /* ...and then letting go of the VF. */
    bool released;              /* The VF is not ours until a new one. */
    enum nae_path target;
    uint32_t target_gen;
    double switch_start;

    uint64_t switches;          /* Acknowledged. */
    uint64_t refused;           /* Asked for the VF while unusable. */
    uint64_t surprise;          /* VF vanished while we sent on it. */
    double max_hold;            /* Longest wait for the old path, s. */
};

void nae_failover_init(struct nae_failover *, const struct nae_failover_ops *,
                       void *vf);

/* Whether the VF is mapped and plugged in. */
bool nae_failover_vf_usable(const struct nae_failover *);

/* A new session starts on the rings: which VF is ours, if any, the switch
 * says, and hands over, with a path event. */
void nae_failover_session_reset(struct nae_failover *);

/* The device reported a path event ('g->path_event'); 'now' in seconds. */
void nae_failover_path_event(struct nae_failover *, struct nae_guest *g,
                             double now);

/* Where frames to send go now: NAE_PATH_SW or NAE_PATH_HW, or -1 to leave
 * them waiting while a switch empties the old path.  Completes a switch
 * (acknowledging it) once the old path is empty; before letting go of the
 * VF, calls 'drain_vf(aux)', which must take every frame the VF received
 * for us. */
int nae_failover_tx_path(struct nae_failover *, struct nae_guest *g,
                         double now, void (*drain_vf)(void *aux), void *aux);

/* Prints the counters, prefixed by 'who'. */
void nae_failover_print(const struct nae_failover *, FILE *, const char *who);

#endif /* nae-failover.h */
