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

#ifndef NAE_CHANNEL_H
#define NAE_CHANNEL_H 1

/* Channel classes: the kinds of I/O channel behind one "nae" port.
 *
 * A nae port carries its guest's traffic over channels of different kinds:
 * the software rings of the NAE device (nae-channel-ring.c), the VF of an
 * SR-IOV NIC reached through its representor (nae-channel-vf.c), and a
 * QEMU VM's virtio queues through vhost-user (nae-channel-vhost.c).  The
 * port (netdev-nae.c) and the path switch (nae-path.c) see every kind only
 * through this table, as OVS's netdev-dpdk sees its backends through one
 * netdev_class each and Linux's failover sees its slaves through
 * failover_ops.
 *
 * Each kind has its own constructor (what it needs to open differs) and
 * returns a 'struct nae_channel' embedded in its own state.
 *
 * Threads: rx_burst() is called by the one thread that polls the channel;
 * tx_burst() by any thread (implementations serialize it).  Both are the
 * data path: they must not block, allocate from the heap, or make a system
 * call that can block.  Everything else is the control path, called from
 * the main thread with no data path thread using the channel when noted. */

#include <stdbool.h>
#include <stdint.h>

#include "openvswitch/types.h"

struct dp_packet;
struct ds;
struct nae_channel;

/* Counters every kind keeps, from OVS's point of view (rx: from the
 * guest). */
struct nae_channel_stats {
    uint64_t rx_packets;
    uint64_t rx_bytes;          /* 0 where the kind does not count bytes. */
    uint64_t tx_packets;
    uint64_t tx_bytes;
    uint64_t tx_dropped;
};

struct nae_channel_class {
    const char *type;           /* "ring", "vf", "vhost". */

    /* Control path. */

    /* Frees the channel.  No data path thread uses it any more. */
    void (*close)(struct nae_channel *);

    /* Whether the channel can carry traffic now (for a VF: it is
     * plugged).  Null: always. */
    bool (*link)(const struct nae_channel *);

    /* Lets an unplugging channel go once nothing uses it (a VF's orderly
     * unplug waits for it).  Null: nothing to do. */
    void (*release)(struct nae_channel *);

    /* Gives the channel the port's MAC address.  Null: the guest's side
     * owns it. */
    void (*set_mac)(struct nae_channel *, struct eth_addr);

    void (*get_stats)(const struct nae_channel *, struct nae_channel_stats *);

    /* Appends what "nae/show" says about the channel beyond its stats. */
    void (*format)(const struct nae_channel *, struct ds *);

    /* Data path. */

    /* Receives up to 'max' packets the guest sent into 'pkts'.  Returns
     * how many. */
    int (*rx_burst)(struct nae_channel *, struct dp_packet **pkts, int max);

    /* Sends 'n' packets to the guest, taking ownership of all of them
     * (those it cannot deliver it drops and counts). */
    void (*tx_burst)(struct nae_channel *, struct dp_packet **pkts, int n);
};

struct nae_channel {
    const struct nae_channel_class *class;
};

static inline void
nae_channel_close(struct nae_channel *chan)
{
    if (chan) {
        chan->class->close(chan);
    }
}

static inline bool
nae_channel_link(const struct nae_channel *chan)
{
    return !chan->class->link || chan->class->link(chan);
}

static inline void
nae_channel_release(struct nae_channel *chan)
{
    if (chan->class->release) {
        chan->class->release(chan);
    }
}

static inline void
nae_channel_set_mac(struct nae_channel *chan, struct eth_addr mac)
{
    if (chan->class->set_mac) {
        chan->class->set_mac(chan, mac);
    }
}

static inline int
nae_channel_rx_burst(struct nae_channel *chan, struct dp_packet **pkts,
                     int max)
{
    return chan->class->rx_burst(chan, pkts, max);
}

static inline void
nae_channel_tx_burst(struct nae_channel *chan, struct dp_packet **pkts,
                     int n)
{
    chan->class->tx_burst(chan, pkts, n);
}

#endif /* nae-channel.h */
