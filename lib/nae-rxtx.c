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

/* The NAE software data path.  PMD-thread code only; see nae-rxtx.h. */

#include <config.h>
#include "nae-rxtx.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "coverage.h"
#include "dp-packet.h"
#include "nae-offload.h"
#include "netdev.h"
#include "packets.h"

COVERAGE_DEFINE(nae_ring_broken);
COVERAGE_DEFINE(nae_irq_signal);
COVERAGE_DEFINE(nae_irq_signal_undrained);

const char *
nae_drop_name(enum nae_drop reason)
{
    switch (reason) {
#define NAE_DROP(ENUM, NAME, DIRS) case NAE_DROP_##ENUM: return NAME;
    NAE_DROP_REASONS
#undef NAE_DROP
    case NAE_N_DROPS:
    default:
        return "unknown";
    }
}

/* Returns true if 'reason' can happen in direction 'dir' (NAE_RX or
 * NAE_TX). */
bool
nae_drop_applies(enum nae_drop reason, int dir)
{
    switch (reason) {
#define NAE_DROP(ENUM, NAME, DIRS) \
    case NAE_DROP_##ENUM: return (DIRS) & dir;
    NAE_DROP_REASONS
#undef NAE_DROP
    case NAE_N_DROPS:
    default:
        return false;
    }
}

static void
nae_ring_init(struct nae_ring *ring, const struct nae_ring_layout *l)
{
    ring->desc = l->desc;
    ring->driver = l->driver;
    ring->device = l->device;
    ring->mask = l->size - 1;
    ring->irq_fd = l->irq_fd;
    /* Both sides start a ring at index 0: the driver sets its rings up
     * afresh before every dev_start, and our head is never read back. */
    ring->next = 0;
    __atomic_store_n(&ring->device->head, ring->next, __ATOMIC_RELEASE);
}

/* Constructs 'chan' inactive, with zeroed counters. */
void
nae_rings_construct(struct nae_rings *chan)
{
    memset(chan, 0, sizeof *chan);
    ovs_spin_init(&chan->tx_lock);
    atomic_init(&chan->broken, false);
}

/* Sets 'chan' up to drive the rings in 'layout' (control path, with the
 * data path quiesced).  An inactive layout gives a channel that receives
 * nothing and drops what is sent to it.  Counters carry over, so that they
 * survive guest reconnects. */
void
nae_rings_init(struct nae_rings *chan, const struct nae_chan_layout *layout,
              uint32_t max_frame)
{
    memset(&chan->from_guest, 0, sizeof chan->from_guest);
    memset(&chan->to_guest, 0, sizeof chan->to_guest);
    chan->active = layout->active;
    chan->features = layout->features;
    chan->max_frame = max_frame;
    atomic_store_relaxed(&chan->broken, false);
    if (layout->active) {
        nae_ring_init(&chan->from_guest, &layout->tx);
        nae_ring_init(&chan->to_guest, &layout->rx);
    }
}

void
nae_rings_destroy(struct nae_rings *chan)
{
    if (chan) {
        ovs_spin_destroy(&chan->tx_lock);
    }
}

/* Wakes the guest if it armed 'ring''s interrupt.  Called right after the
 * head store, which nae_ring_publish() makes a full barrier; the driver
 * fences between arming and re-reading head, so one of the two sides
 * always sees the other. */
static void
nae_ring_notify(struct nae_ring *ring)
{
    if (__atomic_load_n(&ring->driver->irq_armed, __ATOMIC_RELAXED)) {
        static const uint8_t one = 1;

        __atomic_store_n(&ring->driver->irq_armed, 0, __ATOMIC_RELAXED);
        COVERAGE_INC(nae_irq_signal);
        /* Per-call non-blocking: the guest shares this socket's file status
         * flags and may have cleared O_NONBLOCK.  EAGAIN means the guest has
         * not drained earlier interrupts: one is pending anyway. */
        if (send(ring->irq_fd, &one, sizeof one,
                 MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
            COVERAGE_INC(nae_irq_signal_undrained);
            nae_stat_add(&ring->irq_undrained, 1);
        }
    }
}

/* Returns how many descriptors the driver has made available on 'ring', or
 * -1 (and freezes 'chan') if its tail is further ahead than the ring is
 * long. */
static int
nae_ring_avail(struct nae_rings *chan, struct nae_ring *ring,
               struct nae_dir_stats *stats)
{
    uint32_t tail = __atomic_load_n(&ring->driver->tail, __ATOMIC_ACQUIRE);
    uint32_t avail = tail - ring->next;

    if (avail > ring->mask + 1) {
        bool was_broken;

        atomic_read_relaxed(&chan->broken, &was_broken);
        if (!was_broken) {
            nae_stat_add(&stats->drops[NAE_DROP_BAD_INDEX], 1);
            COVERAGE_INC(nae_ring_broken);
            atomic_store_relaxed(&chan->broken, true);
        }
        return -1;
    }
    return avail;
}

static bool
nae_rings_usable(struct nae_rings *chan)
{
    bool broken;

    atomic_read_relaxed(&chan->broken, &broken);
    return chan->active && !broken;
}

/* Copies the descriptor at 'ring''s head out of guest memory, so that
 * every later check and use sees the same values. */
static inline void
nae_ring_fetch(const struct nae_ring *ring, struct nae_desc *d)
{
    memcpy(d, &ring->desc[ring->next & ring->mask], sizeof *d);
    atomic_signal_fence(memory_order_acquire);
}

static inline void
nae_ring_complete(struct nae_ring *ring, uint16_t header_len,
                  uint16_t length, uint32_t status)
{
    struct nae_desc *slot = &ring->desc[ring->next & ring->mask];

    slot->header_len = header_len;
    slot->length = length;
    __atomic_store_n(&slot->status, status, __ATOMIC_RELAXED);
    ring->next++;
}

/* Makes everything up to 'ring->next' visible to the driver, and wakes it
 * if it asked.  With interrupts, the head store must be a full barrier
 * (see nae_ring_notify()): an exchange is one, and on x86 costs less than a
 * store followed by a fence. */
static inline void
nae_ring_publish(struct nae_ring *ring)
{
    if (ring->irq_fd < 0) {
        __atomic_store_n(&ring->device->head, ring->next, __ATOMIC_RELEASE);
    } else {
        __atomic_exchange_n(&ring->device->head, ring->next,
                            __ATOMIC_SEQ_CST);
        nae_ring_notify(ring);
    }
}

/* Starts loading the 'n' descriptors from 'ring''s head: the driver wrote
 * them on another core, so each line is a cache miss worth overlapping. */
static inline void
nae_ring_prefetch(const struct nae_ring *ring, int n)
{
    for (int i = 0; i < n; i += 2) {
        OVS_PREFETCH(&ring->desc[(ring->next + i) & ring->mask]);
    }
}

/* Adds one burst's worth of counts to 'stats'. */
static inline void
nae_dir_stats_add(struct nae_dir_stats *stats, uint64_t packets,
                  uint64_t bytes, const uint64_t drops[NAE_N_DROPS])
{
    nae_stat_add(&stats->packets, packets);
    nae_stat_add(&stats->bytes, bytes);
    for (int i = 0; i < NAE_N_DROPS; i++) {
        if (OVS_UNLIKELY(drops[i])) {
            nae_stat_add(&stats->drops[i], drops[i]);
        }
    }
}

/* Returns how many frames wait on 'chan' from the guest, up to a burst, or 0
 * if the channel is not usable.  The guest's tail is read here, once per
 * burst: nae_rings_rx_burst() trusts this count (the guest can only add to
 * it). */
int
nae_rings_rx_pending(struct nae_rings *chan)
{
    if (!nae_rings_usable(chan)) {
        return 0;
    }
    int avail = nae_ring_avail(chan, &chan->from_guest, &chan->rx_stats);
    return MIN(MAX(avail, 0), NETDEV_MAX_BURST);
}

/* The command bits a channel with 'features' accepts. */
static inline uint16_t
nae_commands_allowed(uint64_t features)
{
    return ((features & NAE_F_CSUM ? NAE_CMD_CSUM : 0)
            | (features & NAE_F_TSO ? NAE_CMD_TSO : 0));
}

/* Validates guest tx descriptor 'd' and copies its frame into 'pkt'.
 * Returns NAE_DESC_DONE, or the error status and in '*reason' why. */
static inline uint32_t
nae_rx_one(const struct nae_rings *chan, const struct nae_mem_map *map,
           const struct nae_desc *d, struct dp_packet *pkt,
           enum nae_drop *reason)
{
    uint32_t total = (uint32_t) d->header_len + d->length;
    uint32_t limit = chan->max_frame;
    const void *hdr = NULL;
    const void *data;

    if (OVS_UNLIKELY(d->command & ~nae_commands_allowed(chan->features)
                     || (d->header_len
                         && !(chan->features & NAE_F_SPLIT_HEADER)))) {
        *reason = NAE_DROP_BAD_DESC;
        return (d->command & ~nae_commands_allowed(chan->features)
                ? NAE_DESC_ERR_CMD : NAE_DESC_ERR_LEN);
    }
    if (OVS_UNLIKELY(d->command & NAE_CMD_TSO)) {
        limit = NAE_MAX_TSO_FRAME;
    }
    if (OVS_UNLIKELY(total < ETH_HEADER_LEN || total > limit
                     || total > dp_packet_tailroom(pkt))) {
        *reason = NAE_DROP_BAD_LEN;
        return NAE_DESC_ERR_LEN;
    }
    if (d->header_len) {
        hdr = nae_mem_translate(map, d->header_addr, d->header_len);
    }
    data = nae_mem_translate(map, d->data_addr, d->length);
    if (OVS_UNLIKELY((d->header_len && !hdr) || !data)) {
        *reason = NAE_DROP_BAD_ADDR;
        return NAE_DESC_ERR_ADDR;
    }

    /* 'pkt' is empty with 'total' bytes of tailroom: fill it in place. */
    char *dst = dp_packet_data(pkt);
    if (d->header_len) {
        memcpy(dst, hdr, d->header_len);
    }
    memcpy(dst + d->header_len, data, d->length);
    dp_packet_set_size(pkt, total);

    /* Checked against our copy of the frame, which the guest cannot
     * change any more. */
    if (OVS_UNLIKELY(d->command)) {
        struct nae_offload_cmd cmd = {
            .command = d->command, .mss = d->mss,
            .csum_start = d->csum_start, .csum_offset = d->csum_offset,
        };

        if (!nae_offload_from_guest(pkt, &cmd, chan->max_frame)) {
            *reason = NAE_DROP_BAD_OFFLOAD;
            return NAE_DESC_ERR_CMD;
        }
    }
    return NAE_DESC_DONE;
}

/* Receives into 'pkts', which the caller allocated empty, the 'n_pkts'
 * frames nae_rings_rx_pending() just counted on 'chan'.  Returns how many of
 * 'pkts' now hold a frame; the rest are untouched, for the caller to free.
 * Descriptors that fail validation are handed back to the guest with an
 * error status and counted. */
int
nae_rings_rx_burst(struct nae_rings *chan, const struct nae_mem_map *map,
                  struct dp_packet **pkts, int n_pkts)
{
    struct nae_ring *ring = &chan->from_guest;
    uint64_t drops[NAE_N_DROPS] = { 0 };
    uint64_t bytes = 0, tso = 0, csum = 0;
    int n = 0;

    if (!n_pkts) {
        return 0;
    }
    nae_ring_prefetch(ring, n_pkts);
    for (int i = 0; i < n_pkts; i++) {
        enum nae_drop reason = NAE_N_DROPS;
        struct nae_desc d;
        uint32_t status;

        nae_ring_fetch(ring, &d);
        status = nae_rx_one(chan, map, &d, pkts[n], &reason);
        nae_ring_complete(ring, d.header_len, d.length, status);
        if (OVS_LIKELY(status == NAE_DESC_DONE)) {
            bytes += dp_packet_size(pkts[n]);
            if (OVS_UNLIKELY(d.command)) {
                csum++;
                tso += (d.command & NAE_CMD_TSO) != 0;
            }
            n++;
        } else {
            drops[reason]++;
        }
    }
    nae_ring_publish(ring);
    nae_dir_stats_add(&chan->rx_stats, n, bytes, drops);
    if (OVS_UNLIKELY(csum)) {
        nae_stat_add(&chan->rx_stats.csum, csum);
        nae_stat_add(&chan->rx_stats.tso, tso);
    }
    return n;
}

/* Where to split 'pkt' between a guest's header and data buffers: after its
 * L2-L3 headers when they were parsed, bounded by 'header_room'. */
static uint32_t
nae_split_point(const struct dp_packet *pkt, uint32_t header_room)
{
    uint32_t split = pkt->l4_ofs != UINT16_MAX ? pkt->l4_ofs : 0;

    return MIN(MIN(split, header_room), dp_packet_size(pkt));
}

/* Completes rx descriptor (switch to guest) at 'ring''s head with a frame
 * and the offloads 'cmd' it leaves to the guest, or with an error status
 * and no frame. */
static inline void
nae_ring_complete_rx(struct nae_ring *ring, uint16_t header_len,
                     uint16_t length, uint32_t status,
                     const struct nae_offload_cmd *cmd)
{
    struct nae_desc *slot = &ring->desc[ring->next & ring->mask];

    slot->command = cmd ? cmd->command : NAE_CMD_NONE;
    slot->mss = cmd ? cmd->mss : 0;
    slot->csum_start = cmd ? cmd->csum_start : 0;
    slot->csum_offset = cmd ? cmd->csum_offset : 0;
    nae_ring_complete(ring, header_len, length, status);
}

/* A frame to deliver, in up to two pieces (a segment's own headers and
 * its payload in the frame it was cut from). */
struct nae_frame_parts {
    const uint8_t *p[2];
    uint32_t len[2];
};

/* Copies bytes ['from', 'from' + 'n') of the pieces of 'f', end to end, to
 * 'dst'. */
static void
nae_parts_copy(uint8_t *dst, const struct nae_frame_parts *f, uint32_t from,
               uint32_t n)
{
    for (int i = 0; i < 2 && n; i++) {
        if (from >= f->len[i]) {
            from -= f->len[i];
            continue;
        }

        uint32_t k = MIN(n, f->len[i] - from);

        memcpy(dst, f->p[i] + from, k);
        dst += k;
        n -= k;
        from = 0;
    }
}

enum nae_put_result {
    NAE_PUT_DONE,               /* Delivered. */
    NAE_PUT_SMALL,              /* The next buffer is too small: dropped. */
    NAE_PUT_FULL,               /* No buffer posted. */
    NAE_PUT_REFUSED,            /* Not deliverable: dropped, counted. */
};

/* Delivers frame 'f' into the next good buffer of 'ring' ('*posted' of them
 * are posted), its first 'split' bytes into the buffer's header part if
 * there is one ('split_ok'), and leaves the guest the offloads 'cmd'.
 * Buffers outside guest memory are handed back with an error and counted
 * in 'drops'.  Always inlined (it has two callers): a call per frame
 * shows in the PMD's cycles per 64-byte frame. */
static inline enum nae_put_result __attribute__((always_inline))
nae_ring_put(struct nae_ring *ring, const struct nae_mem_map *map,
             bool split_ok, uint32_t *posted, uint64_t drops[NAE_N_DROPS],
             const struct nae_frame_parts *f, uint32_t split,
             const struct nae_offload_cmd *cmd)
{
    uint32_t size = f->len[0] + f->len[1];

    for (;;) {
        struct nae_desc d;
        uint16_t hdr_room;
        void *hdr, *data;

        if (!*posted) {
            return NAE_PUT_FULL;
        }
        nae_ring_fetch(ring, &d);
        hdr_room = split_ok ? d.header_len : 0;
        hdr = hdr_room ? nae_mem_translate(map, d.header_addr, hdr_room)
                       : NULL;
        data = nae_mem_translate(map, d.data_addr, d.length);
        if ((hdr_room && !hdr) || !data) {
            /* Hand the bad buffer back and try the next one. */
            nae_ring_complete_rx(ring, 0, 0, NAE_DESC_ERR_ADDR, NULL);
            --*posted;
            drops[NAE_DROP_BAD_ADDR]++;
            continue;
        }

        split = MIN(MIN(split, hdr_room), size);
        if (size - split > d.length) {
            return NAE_PUT_SMALL;
        }
        if (OVS_LIKELY(!f->len[1])) {
            /* One piece: every frame but a segment the switch cut. */
            if (split) {
                memcpy(hdr, f->p[0], split);
            }
            memcpy(data, f->p[0] + split, size - split);
        } else {
            if (split) {
                nae_parts_copy(hdr, f, 0, split);
            }
            nae_parts_copy(data, f, split, size - split);
        }
        nae_ring_complete_rx(ring, split, size - split, NAE_DESC_DONE, cmd);
        --*posted;
        return NAE_PUT_DONE;
    }
}

/* Offload work one burst did, for 'chan->tx_stats'. */
struct nae_tx_offloads {
    uint64_t tso, csum, sw_tso, sw_segs, sw_csum;
};

/* Cuts TSO frame 'pkt' for a guest that takes no TSO, straight into its
 * buffers: the one copy of the payload is the one into the guest.  Returns
 * what nae_ring_put() returned for the last segment it tried. */
static enum nae_put_result
nae_ring_put_segments(struct nae_rings *chan, const struct nae_mem_map *map,
                      uint32_t *posted, uint64_t drops[NAE_N_DROPS],
                      const struct dp_packet *pkt,
                      struct nae_tx_offloads *ol)
{
    bool split_ok = chan->features & NAE_F_SPLIT_HEADER;
    uint8_t hdr[NAE_MAX_L4_HDR_LEN];
    struct nae_tso tso;

    if (!nae_tso_start(&tso, pkt, chan->max_frame)) {
        drops[NAE_DROP_BAD_OFFLOAD]++;
        return NAE_PUT_REFUSED;
    }
    if (tso.n_segs > *posted) {
        return NAE_PUT_FULL;    /* Not a part of it: TCP resends it all. */
    }
    for (int i = 0; i < tso.n_segs; i++) {
        struct nae_frame_parts f;
        enum nae_put_result r;

        nae_tso_seg(&tso, i, hdr, &f.p[1], &f.len[1]);
        f.p[0] = hdr;
        f.len[0] = tso.info.hdr_len;
        r = nae_ring_put(&chan->to_guest, map, split_ok, posted, drops, &f,
                         tso.info.l4_ofs, NULL);
        if (r != NAE_PUT_DONE) {
            return r;
        }
    }
    ol->sw_tso++;
    ol->sw_segs += tso.n_segs;
    return NAE_PUT_DONE;
}

/* Delivers 'pkt' on 'chan', doing in software the offloads it asks for
 * that the guest did not negotiate. */
static inline enum nae_put_result
nae_tx_one(struct nae_rings *chan, const struct nae_mem_map *map,
           uint32_t *posted, uint64_t drops[NAE_N_DROPS],
           struct dp_packet *pkt, struct nae_tx_offloads *ol)
{
    bool split_ok = chan->features & NAE_F_SPLIT_HEADER;
    uint64_t wants = nae_offload_wants(pkt);
    struct nae_offload_cmd cmd, *cmdp = NULL;
    uint32_t limit = chan->max_frame;
    enum nae_put_result r;

    if (OVS_UNLIKELY(wants)) {
        if (!(wants & ~chan->features)) {
            if (!nae_offload_to_guest(pkt, chan->max_frame, &cmd)) {
                drops[NAE_DROP_BAD_OFFLOAD]++;
                return NAE_PUT_REFUSED;
            }
            if (cmd.command & NAE_CMD_TSO) {
                limit = NAE_MAX_TSO_FRAME;
            }
            cmdp = &cmd;
        } else if (wants & NAE_F_TSO) {
            return nae_ring_put_segments(chan, map, posted, drops, pkt, ol);
        } else if (nae_offload_csum(pkt)) {
            ol->sw_csum++;
        } else {
            drops[NAE_DROP_BAD_OFFLOAD]++;
            return NAE_PUT_REFUSED;
        }
    }
    if (dp_packet_size(pkt) > limit) {
        drops[NAE_DROP_BAD_LEN]++;
        return NAE_PUT_REFUSED;
    }

    struct nae_frame_parts f = {
        .p = { dp_packet_data(pkt), NULL },
        .len = { dp_packet_size(pkt), 0 },
    };
    r = nae_ring_put(&chan->to_guest, map, split_ok, posted, drops, &f,
                     nae_split_point(pkt, UINT32_MAX), cmdp);
    if (r == NAE_PUT_DONE && cmdp) {
        ol->csum++;
        ol->tso += (cmd.command & NAE_CMD_TSO) != 0;
    }
    return r;
}

/* Copies the frames in 'pkts' into buffers the guest posted on 'chan'.  The
 * caller must hold 'chan->tx_lock' and keeps ownership of 'pkts' (whose
 * checksums it may complete in place).  Returns how many frames were
 * delivered (a frame cut into segments counts once); the others are
 * counted as drops by reason.
 *
 * A frame asking for offloads (OVS's flags, nae-offload.h) goes to a guest
 * that negotiated them as it is, with its commands; for one that did not,
 * the switch completes the checksum, or cuts the frame into segments. */
int
nae_rings_tx_burst(struct nae_rings *chan, const struct nae_mem_map *map,
                  struct dp_packet **pkts, int n_pkts)
{
    struct nae_ring *ring = &chan->to_guest;
    struct nae_dir_stats *stats = &chan->tx_stats;
    uint64_t drops[NAE_N_DROPS] = { 0 };
    struct nae_tx_offloads ol = { 0 };
    uint64_t bytes = 0;
    uint32_t posted;
    int avail, n = 0;

    if (!nae_rings_usable(chan)) {
        drops[NAE_DROP_NOT_RUNNING] = n_pkts;
        goto out;
    }
    avail = nae_ring_avail(chan, ring, stats);
    if (avail < 0) {
        drops[NAE_DROP_NOT_RUNNING] = n_pkts;
        goto out;
    }
    posted = avail;
    nae_ring_prefetch(ring, MIN(posted, n_pkts));

    for (int i = 0; i < n_pkts; i++) {
        uint32_t size = dp_packet_size(pkts[i]);

        switch (nae_tx_one(chan, map, &posted, drops, pkts[i], &ol)) {
        case NAE_PUT_DONE:
            bytes += size;
            n++;
            break;
        case NAE_PUT_SMALL:
            drops[NAE_DROP_RX_SMALL]++;
            break;
        case NAE_PUT_FULL:
            drops[NAE_DROP_RX_FULL] += n_pkts - i;
            goto publish;
        case NAE_PUT_REFUSED:
        default:
            break;
        }
    }

publish:
    nae_ring_publish(ring);
out:
    nae_dir_stats_add(stats, n, bytes, drops);
    if (OVS_UNLIKELY(ol.csum || ol.sw_csum || ol.sw_tso)) {
        nae_stat_add(&stats->tso, ol.tso);
        nae_stat_add(&stats->csum, ol.csum);
        nae_stat_add(&stats->sw_tso, ol.sw_tso);
        nae_stat_add(&stats->sw_segs, ol.sw_segs);
        nae_stat_add(&stats->sw_csum, ol.sw_csum);
    }
    return n;
}
