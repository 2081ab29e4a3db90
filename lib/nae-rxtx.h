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

#ifndef NAE_RXTX_H
#define NAE_RXTX_H 1

/* The NAE software data path: moving frames between guest descriptor rings
 * and OVS dp_packets.  Everything declared here runs on PMD threads (or the
 * main thread standing in for one): no allocation, no blocking, no system
 * call per packet.  The only system call is the non-blocking send() that
 * wakes a guest which armed its ring's interrupt, at most once per burst;
 * no call here may block on a descriptor whose flags a guest can change.
 *
 * Every descriptor and index the guest wrote is copied into switch memory
 * once, then validated; what fails is counted by reason and skipped.  A ring
 * whose indices break the ring rules is frozen until the guest resets the
 * device. */

#include <stdbool.h>
#include <stdint.h>
#include "nae-abi.h"
#include "nae-dev.h"
#include "nae-mem.h"
#include "nae-stat.h"
#include "openvswitch/thread.h"
#include "openvswitch/util.h"
#include "ovs-atomic.h"

struct dp_packet;

/* Drop and error reasons on the data path, with the directions each can
 * happen in.  "rx" and "tx" are from OVS's point of view: rx is guest to
 * switch. */
#define NAE_RX 1
#define NAE_TX 2
#define NAE_DROP_REASONS                                                   \
    NAE_DROP(BAD_INDEX, "invalid_ring_index", NAE_RX | NAE_TX)             \
    NAE_DROP(BAD_ADDR, "invalid_buffer_address", NAE_RX | NAE_TX)          \
    NAE_DROP(BAD_LEN, "invalid_length", NAE_RX | NAE_TX)                   \
    NAE_DROP(BAD_DESC, "invalid_descriptor", NAE_RX)                       \
    NAE_DROP(BAD_OFFLOAD, "invalid_offload", NAE_RX | NAE_TX)              \
    NAE_DROP(NO_MBUF, "no_mbuf", NAE_RX)                                   \
    NAE_DROP(RX_FULL, "guest_ring_full", NAE_TX)                           \
    NAE_DROP(RX_SMALL, "guest_buffer_small", NAE_TX)                       \
    NAE_DROP(NOT_RUNNING, "not_running", NAE_TX)

enum nae_drop {
#define NAE_DROP(ENUM, NAME, DIRS) NAE_DROP_##ENUM,
    NAE_DROP_REASONS
#undef NAE_DROP
    NAE_N_DROPS
};

const char *nae_drop_name(enum nae_drop);
bool nae_drop_applies(enum nae_drop, int dir);

/* One ring as the switch drives it. */
struct nae_ring {
    struct nae_desc *desc;                  /* In guest memory. */
    struct nae_ring_driver_words *driver;   /* In guest memory. */
    struct nae_ring_device_words *device;   /* In guest memory. */
    uint32_t mask;                          /* Entries - 1. */
    uint32_t next;          /* Our head: never read back from the guest. */
    int irq_fd;
    atomic_uint64_t irq_undrained;  /* Signals the guest's full socket
                                     * refused: one was pending anyway. */
};

/* Counters of one direction of one channel.  Each has a single writer at a
 * time (the polling thread, or the holder of 'tx_lock'); readers on other
 * threads use relaxed atomic loads. */
struct nae_dir_stats {
    atomic_uint64_t packets;
    atomic_uint64_t bytes;
    atomic_uint64_t drops[NAE_N_DROPS];

    /* Offloads (NAE_F_CSUM, NAE_F_TSO).  'tso' and 'csum' count frames
     * that crossed the ring with NAE_CMD_TSO or NAE_CMD_CSUM; on tx,
     * 'sw_tso' counts TSO frames the switch cut for a guest that takes no
     * TSO (into 'sw_segs' segments) and 'sw_csum' the checksums it
     * completed for one that takes no checksum offload. */
    atomic_uint64_t tso;
    atomic_uint64_t csum;
    atomic_uint64_t sw_tso;
    atomic_uint64_t sw_segs;
    atomic_uint64_t sw_csum;
};

struct nae_rings {
    /* Guest to switch: polled by the one thread that owns this rxq. */
    PADDED_MEMBERS_CACHELINE_MARKER(CACHE_LINE_SIZE, cacheline_rx,
        struct nae_ring from_guest;
        uint64_t features;
        uint32_t max_frame;
        atomic_bool broken;     /* A ring rule was broken; see above. */
        bool active;
    );
    PADDED_MEMBERS(CACHE_LINE_SIZE, struct nae_dir_stats rx_stats;);

    /* Switch to guest: any thread, holding 'tx_lock'. */
    PADDED_MEMBERS_CACHELINE_MARKER(CACHE_LINE_SIZE, cacheline_tx,
        struct ovs_spin tx_lock;
        struct nae_ring to_guest;
    );
    PADDED_MEMBERS(CACHE_LINE_SIZE, struct nae_dir_stats tx_stats;);
};

/* Totals over channels, for statistics. */
struct nae_rings_totals {
    uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes;
    uint64_t rx_drops[NAE_N_DROPS];
    uint64_t tx_drops[NAE_N_DROPS];
    uint64_t irq_undrained;
    uint64_t rx_tso, rx_csum, tx_tso, tx_csum;
    uint64_t tx_sw_tso, tx_sw_segs, tx_sw_csum;
};

void nae_rings_construct(struct nae_rings *);
void nae_rings_init(struct nae_rings *, const struct nae_chan_layout *,
                   uint32_t max_frame);
void nae_rings_destroy(struct nae_rings *);

int nae_rings_rx_pending(struct nae_rings *);
int nae_rings_rx_burst(struct nae_rings *, const struct nae_mem_map *,
                      struct dp_packet **pkts, int n_pkts);
int nae_rings_tx_burst(struct nae_rings *, const struct nae_mem_map *,
                      struct dp_packet **pkts, int n_pkts);

#endif /* nae-rxtx.h */
