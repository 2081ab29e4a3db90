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

#ifndef NAE_HOLD_H
#define NAE_HOLD_H 1

/* The migration hold: frames for a guest that left its port by live
 * migration, kept for the port where it resumes.
 *
 * Between the moment QEMU stops a VM on the source and the moment the
 * bridge learns its new port, frames for the VM still reach the old port
 * (MAC learning and the datapath's flows move only on the VM's
 * announcement, and flows are revalidated after it).  A port drops them:
 * that gap is most of what a migration loses.  A hold keeps them, in
 * order and bounded in number and time, and when the VM announces itself
 * on another port of the switch (QEMU's RARP, made up by rte_vhost, not by
 * the guest) hands the ones addressed to the VM's MAC to that port before
 * the announcement reaches the bridge; until the hold ends, later frames
 * to the old port follow the same way.  If the VM comes back (a cancelled
 * migration) its old port takes them itself.
 *
 * Only frames addressed to the MAC QEMU announces are handed over, so a
 * hold never gives a VM what the bridge did not mean for it.
 *
 * An arrival hold is the other end's (nae_hold_start_arrival()): a port
 * that expects a VM by migration from another chassis, which receives
 * copies of the VM's traffic while the VM still runs there, keeps the
 * latest of them until the VM runs here; nobody else claims it.
 *
 * Threads: any data path thread sends into a hold; the thread that polls
 * the new port claims it; the control path starts, stops and expires it.
 * All take the hold's spinlock, held only for a copy of pointers, except
 * the claim, which delivers the kept frames under it so that no later
 * frame overtakes them. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "openvswitch/thread.h"
#include "openvswitch/types.h"
#include "ovs-atomic.h"

struct dp_packet;
struct nae_channel;

struct nae_hold {
    struct ovs_spin lock;
    atomic_bool active;         /* Read without the lock first. */

    /* Guarded by 'lock'. */
    long long int until;        /* When the hold ends (msec). */
    struct eth_addr guest_mac;  /* What the guest sent from, on its port. */
    struct eth_addr claimed_mac;
    struct nae_channel *to;     /* The guest's new port, once claimed. */
    bool arrival;               /* Keeps the latest; never claimed. */
    size_t n, max;
    struct dp_packet **pkts;    /* Kept frames, oldest first. */

    atomic_uint64_t held;       /* Frames kept. */
    atomic_uint64_t handed_over;  /* Delivered at the guest's new port. */
    atomic_uint64_t lost;       /* Full, ended, or not for the guest. */
    atomic_uint64_t let_go;     /* Arrival: older ones, to make room. */
};

/* Counters and state, for the port's statistics and "nae/show". */
struct nae_hold_stats {
    bool active;
    bool arrival;
    bool claimed;
    uint64_t held;
    uint64_t handed_over;
    uint64_t lost;
    uint64_t let_go;
};

/* Control path. */
void nae_hold_init(struct nae_hold *, size_t max);
void nae_hold_destroy(struct nae_hold *);
void nae_hold_start(struct nae_hold *, struct eth_addr guest_mac,
                    long long int now, int ms);
void nae_hold_start_arrival(struct nae_hold *, long long int now, int ms);
void nae_hold_stop(struct nae_hold *,
                   void (*own)(void *aux, struct dp_packet **, int n),
                   void *aux);
void nae_hold_run(struct nae_hold *, long long int now);
void nae_hold_forget(struct nae_hold *, const struct nae_channel *to);
void nae_hold_get_stats(const struct nae_hold *, struct nae_hold_stats *);

/* Data path. */
bool nae_hold_is_active(const struct nae_hold *);
void nae_hold_send(struct nae_hold *, struct dp_packet **, int n,
                   long long int now);
bool nae_hold_claim(struct nae_hold *, struct eth_addr mac,
                    struct nae_channel *to, long long int now);

#endif /* nae-hold.h */
