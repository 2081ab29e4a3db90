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

/* The ring channel class: the NAE device's software channels. */

#include <config.h>

#include <rte_mbuf.h>

#include "coverage.h"
#include "dp-packet.h"
#include "nae-channel-ring.h"
#include "nae-mbuf.h"
#include "openvswitch/dynamic-string.h"
#include "util.h"

COVERAGE_DEFINE(nae_no_mbuf);

static const struct nae_channel_class nae_channel_ring_class;

void
nae_channel_ring_construct(struct nae_channel_ring *ring,
                           const struct nae_mem_map *map,
                           struct rte_mempool *mp)
{
    nae_rings_construct(&ring->rings);
    ring->up.class = &nae_channel_ring_class;
    ring->map = map;
    ring->mp = mp;
}

/* The array the channel lives in is its owner's to free. */
static void
nae_channel_ring_close(struct nae_channel *chan)
{
    nae_rings_destroy(&nae_channel_ring_cast(chan)->rings);
}

/* Only a device the guest started has live rings. */
static bool
nae_channel_ring_link(const struct nae_channel *chan)
{
    return nae_channel_ring_cast(CONST_CAST(struct nae_channel *, chan))
           ->rings.active;
}

static void
nae_channel_ring_get_stats(const struct nae_channel *chan,
                           struct nae_channel_stats *stats)
{
    const struct nae_rings *r
        = &nae_channel_ring_cast(CONST_CAST(struct nae_channel *, chan))
           ->rings;
    uint64_t dropped = 0;

    for (int i = 0; i < NAE_N_DROPS; i++) {
        dropped += nae_stat_get(&r->tx_stats.drops[i]);
    }
    stats->rx_packets = nae_stat_get(&r->rx_stats.packets);
    stats->rx_bytes = nae_stat_get(&r->rx_stats.bytes);
    stats->tx_packets = nae_stat_get(&r->tx_stats.packets);
    stats->tx_bytes = nae_stat_get(&r->tx_stats.bytes);
    stats->tx_dropped = dropped;
}

static void
nae_channel_ring_format(const struct nae_channel *chan, struct ds *s)
{
    const struct nae_rings *r
        = &nae_channel_ring_cast(CONST_CAST(struct nae_channel *, chan))
           ->rings;

    if (r->active) {
        ds_put_format(s, ", ring %"PRIu32", features 0x%"PRIx64,
                      r->from_guest.mask + 1, r->features);
    }
}

static int
nae_channel_ring_rx_burst(struct nae_channel *chan, struct dp_packet **pkts,
                          int max)
{
    struct nae_channel_ring *ring = nae_channel_ring_cast(chan);
    int n_pending = MIN(nae_rings_rx_pending(&ring->rings), max);
    struct rte_mempool *mp;
    int n;

    if (!n_pending) {
        return 0;
    }
    mp = (OVS_UNLIKELY(ring->rings.features & NAE_F_TSO) && ring->tso_mp
          ? ring->tso_mp : ring->mp);
    if (OVS_UNLIKELY(rte_pktmbuf_alloc_bulk(mp,
                                            (struct rte_mbuf **) pkts,
                                            n_pending))) {
        COVERAGE_INC(nae_no_mbuf);
        nae_stat_add(&ring->rings.rx_stats.drops[NAE_DROP_NO_MBUF], 1);
        return 0;
    }
    n = nae_rings_rx_burst(&ring->rings, ring->map, pkts, n_pending);
    for (int i = n; i < n_pending; i++) {
        dp_packet_delete(pkts[i]);
    }
    return n;
}

static void
nae_channel_ring_tx_burst(struct nae_channel *chan, struct dp_packet **pkts,
                          int n)
{
    struct nae_channel_ring *ring = nae_channel_ring_cast(chan);

    ovs_spin_lock(&ring->rings.tx_lock);
    nae_rings_tx_burst(&ring->rings, ring->map, pkts, n);
    ovs_spin_unlock(&ring->rings.tx_lock);
    /* Copied into the guest's buffers (or dropped and counted). */
    nae_packets_free(pkts, n);
}

static const struct nae_channel_class nae_channel_ring_class = {
    .type = "ring",
    .close = nae_channel_ring_close,
    .link = nae_channel_ring_link,
    .get_stats = nae_channel_ring_get_stats,
    .format = nae_channel_ring_format,
    .rx_burst = nae_channel_ring_rx_burst,
    .tx_burst = nae_channel_ring_tx_burst,
};
