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

#ifndef NAE_CHANNEL_VHOST_H
#define NAE_CHANNEL_VHOST_H 1

/* The VM channel kind: the virtio-net queue pairs of a QEMU VM, reached
 * through DPDK's vhost-user library (rte_vhost), which speaks the protocol,
 * maps the VM's memory table, validates and walks its descriptor rings,
 * fills the virtio-net header and logs dirty pages during migration.
 *
 * One 'struct nae_vhost' is one VM NIC: QEMU is the vhost-user server and
 * the switch its client, so that either side restarts without the other.
 * While the VM's driver runs there is one vhost device, and each of its
 * queue pairs the port serves is a channel (struct nae_channel).
 *
 * Threads: rte_vhost runs its protocol in its own thread, which changes the
 * device's state and calls 'changed' (never under a lock of ours); the
 * port re-reads the state in its reconfigure().  Before the VM's memory
 * goes, that thread waits until no data path thread is inside a burst.
 *
 * Lending (docs/vm-hw-channel.md): the port can hand the VM's own rings of
 * queue pair 0 to a VF in virtio mode (a vDPA VF, nae-channel-vf.h) and
 * take them back, at a burst boundary each way, with each ring's indexes
 * carried over as vhost-user's GET/SET_VRING_BASE carry them: the VM sees
 * one virtio device throughout and nothing lost, duplicated or reordered.
 * While lent, what the port sends the VM goes through the VF's
 * representor (the NIC fills the VM's receive buffers) and what the VM
 * sends reaches the port on the VF's representor.  rte_vhost's thread
 * takes the rings back itself when the device stops, a queue is disabled
 * or dirty-page logging starts (the NIC logs nothing): software receive
 * then waits for the port, whose path switch orders it after what came
 * up the representor. */

#include <stdbool.h>
#include <stdint.h>

#include "nae-channel.h"
#include "openvswitch/types.h"

struct ds;
struct rte_mempool;

struct nae_vhost;

/* What the port is told. */
typedef void nae_vhost_changed_cb(void *aux);

/* What the VM's device looks like now. */
struct nae_vhost_state {
    bool connected;             /* QEMU's socket is connected. */
    bool running;               /* The VM's driver started the device. */
    bool logging;               /* Dirty-page logging (QEMU migrates). */
    bool holding;               /* Left by migration: frames kept for it. */
    bool arriving;              /* Expected by migration: frames kept. */
    int n_queue_pairs;          /* The device's, when running. */
    uint64_t features;          /* Negotiated virtio features. */
    uint64_t sessions;          /* Devices started since open. */
    bool lent;                  /* Queue pair 0's rings are the VF's. */
};

/* Connects to QEMU's vhost-user socket 'server_path' (and again whenever
 * it goes), negotiating TSO and checksum offload with the VM if 'tso'.
 * Returns 0 and the NIC in '*vhp', or an errno value with '*errp' set. */
int nae_vhost_open(const char *owner, const char *server_path, bool tso,
                   nae_vhost_changed_cb *, void *aux, struct nae_vhost **vhp,
                   char **errp);
void nae_vhost_close(struct nae_vhost *);

/* Whether the port expects a VM, with 'mac', by live migration from
 * another chassis (options:migration-destination): then, whenever QEMU
 * connects while no device runs, the port announces the VM at once (a
 * RARP, as QEMU sends when the VM resumes, so that OVN's
 * activation-strategy=rarp sends the VM's traffic here as well as to the
 * source), keeps the latest frames for it, and, when the VM runs, gives
 * it those it had not received at the source (told by the last frames in
 * its receive ring).  Only where the network keeps sending to the source
 * too: on a learning bridge the announcement would take the VM's traffic
 * from the source while it still runs there. */
void nae_vhost_set_arrival(struct nae_vhost *, bool wanted,
                           struct eth_addr mac);

/* Whether the PMD polling queue pair 0 has announcements to send, while
 * the VM does not run yet: the port's rxq 0 is to be polled. */
bool nae_vhost_announcing(const struct nae_vhost *);

void nae_vhost_get_state(const struct nae_vhost *, struct nae_vhost_state *);
void nae_vhost_run(struct nae_vhost *);

/* Data path: offers 'n' frames for a VM that does not run to its migration
 * hold; false (the frames still the caller's) if there is none. */
struct dp_packet;
bool nae_vhost_hold_send(struct nae_vhost *, struct dp_packet **, int n);

/* Drops by reason. */
struct nae_vhost_drops {
    /* To the VM. */
    uint64_t ring_full;         /* The VM gave no (usable) receive buffers. */
    uint64_t not_running;       /* No device, or the queue is disabled. */
    uint64_t over_mtu;          /* Larger than the MTU, without TSO. */
    uint64_t no_mbuf;           /* No mbuf to copy a packet into. */

    /* From the VM. */
    uint64_t rx_refused;        /* Descriptor chains that were no frame. */
    uint64_t rx_stalls;         /* Times a queue stopped on one unmappable. */

    /* To the VM after it left by migration (nae-hold.h): kept, delivered
     * at its new port (or back here), and lost (the hold full or over, or
     * not addressed to the VM). */
    uint64_t held;
    uint64_t handed_over;
    uint64_t hold_lost;
};
/* The counters of all channels together, since open(). */
void nae_vhost_get_stats(const struct nae_vhost *, struct nae_channel_stats *,
                         struct nae_vhost_drops *);

/* Lending the rings of queue pair 0 to 'vf', a VF channel.  Main thread;
 * 'vf' stays open until nae_vhost_reclaim() returns. */
bool nae_vhost_can_lend(const struct nae_vhost *, const char **why);
int nae_vhost_lend(struct nae_vhost *, struct nae_channel *vf, char **errp);

/* Takes the rings back (if lent) and resumes software receive, which
 * stays off after rte_vhost's thread took them back itself until this is
 * called.  Main thread. */
void nae_vhost_reclaim(struct nae_vhost *);

/* The PMD thread that polls queue pair 0 calls this at each poll, before
 * its receive burst: it does the hand-over nae_vhost_lend() or
 * nae_vhost_reclaim() waits for, if one is posted (an atomic read
 * otherwise), so that the data path never waits for the main thread. */
void nae_vhost_poll(struct nae_vhost *);

/* Whether rte_vhost's thread took lent rings back since the last
 * nae_vhost_reclaim(): the port moves to software at once. */
bool nae_vhost_taken_back(const struct nae_vhost *);

struct nae_vhost_lend_stats {
    uint64_t lent;              /* Rings handed to the VF. */
    uint64_t reclaimed;         /* Taken back by the port. */
    uint64_t taken_back;        /* By rte_vhost's thread (device events). */
    uint64_t refused;           /* Lends the VF refused. */
    uint64_t aborted;           /* Lends a device event cut short. */
    uint64_t by_pmd;            /* Hand-overs the PMD did between bursts
                                 * (the rest: the main thread, when no PMD
                                 * took it in time, or rte_vhost's). */
    uint64_t tx_waits;          /* Bursts that waited for a hand-over. */
    uint64_t last_handover_us;  /* Rings in neither's hands, last time. */
    uint64_t max_handover_us;   /* ...and at most. */
};
void nae_vhost_get_lend_stats(const struct nae_vhost *,
                              struct nae_vhost_lend_stats *);

/* Channel 'i', queue pair 'i' of the device, for i < NAE_MAX_CHANNELS. */
struct nae_channel *nae_vhost_channel(struct nae_vhost *, int i);

/* Gives the channels receive buffers from 'mp' and a frame bound ('max_frame'
 * bytes, for frames without TSO).  Only while no data path thread uses
 * them. */
void nae_vhost_set_mempool(struct nae_vhost *, struct rte_mempool *mp,
                           uint32_t max_frame);

#endif /* nae-channel-vhost.h */
