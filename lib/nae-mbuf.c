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

/* Shared DPDK mbuf pools for packets that ovs-nae's netdevs hand to OVS.
 * See nae-mbuf.h. */

#include <config.h>

#include "nae-mbuf.h"

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "dp-packet.h"
#include "nae-abi.h"
#include "nae-offload.h"
#include "netdev.h"
#include "openvswitch/thread.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(nae_mbuf);

/* Mbufs in each shared pool.  Frames stay in mbufs only while OVS switches
 * them (guest rings hold guest buffers, not mbufs), so this covers the
 * bursts in flight on every PMD thread with a wide margin. */
#define NAE_N_MBUFS 16384
#define NAE_MBUF_CACHE 256

/* TSO frames: 2048 of 64 KiB (134 MB) cover a burst on every receive queue
 * of a few dozen TSO channels; a channel that finds none drops and counts
 * (no_mbuf), as for the other pools. */
#define NAE_N_TSO_MBUFS 2048
#define NAE_TSO_MBUF_CACHE 32

BUILD_ASSERT_DECL(RTE_PKTMBUF_HEADROOM + NAE_MAX_TSO_FRAME <= UINT16_MAX);

/* Completes OVS's part of an mbuf's initialization (its dp_packet fields),
 * as netdev-dpdk does for its own pools. */
static void
nae_mbuf_init(struct rte_mempool *mp OVS_UNUSED, void *opaque OVS_UNUSED,
              void *obj, unsigned int idx OVS_UNUSED)
{
    dp_packet_init_dpdk(obj);
}

/* Shared mbuf pools: one for standard frames, one for jumbo frames, one
 * for TSO frames (created only once a guest negotiates TSO, and smaller:
 * each of its mbufs holds 64 KiB).  Created on first use and kept for the
 * life of the process, as packets from them may sit in any port's
 * queues. */
struct rte_mempool *
nae_mempool_get(uint32_t max_frame)
{
    static const struct {
        const char *name;
        uint32_t room;
        uint32_t n;
        uint32_t cache;
    } kinds[] = {
        { "nae_std", NAE_STD_FRAME_ROOM, NAE_N_MBUFS, NAE_MBUF_CACHE },
        { "nae_jumbo", NAE_MAX_FRAME_LEN, NAE_N_MBUFS, NAE_MBUF_CACHE },
        { "nae_tso", NAE_MAX_TSO_FRAME, NAE_N_TSO_MBUFS, NAE_TSO_MBUF_CACHE },
    };
    static struct ovs_mutex mutex = OVS_MUTEX_INITIALIZER;
    static struct rte_mempool *pools[ARRAY_SIZE(kinds)];
    int k = (max_frame <= NAE_STD_FRAME_ROOM ? 0
             : max_frame <= NAE_MAX_FRAME_LEN ? 1 : 2);
    struct rte_mempool *mp;

    ovs_mutex_lock(&mutex);
    mp = pools[k];
    if (!mp) {
        uint32_t room = kinds[k].room;
        uint32_t priv = sizeof(struct dp_packet) - sizeof(struct rte_mbuf);
        uint32_t elt = sizeof(struct dp_packet) + RTE_PKTMBUF_HEADROOM + room;

        /* Keep each element a whole number of cache lines, as netdev-dpdk
         * does, so that the data room stays aligned. */
        priv += ROUND_UP(elt, RTE_CACHE_LINE_SIZE) - elt;
        mp = rte_pktmbuf_pool_create(kinds[k].name, kinds[k].n,
                                     kinds[k].cache, priv,
                                     RTE_PKTMBUF_HEADROOM + room,
                                     SOCKET_ID_ANY);
        if (mp) {
            rte_mempool_obj_iter(mp, nae_mbuf_init, NULL);
            pools[k] = mp;
        } else {
            VLOG_ERR("cannot create mbuf pool %s: %s", kinds[k].name,
                     rte_strerror(rte_errno));
        }
    }
    ovs_mutex_unlock(&mutex);
    return mp;
}

void
nae_packets_free(struct dp_packet **pkts, int n)
{
    for (int i = 0; i < n; i++) {
        if (pkts[i]->source != DPBUF_DPDK) {
            for (int j = 0; j < n; j++) {
                dp_packet_delete(pkts[j]);
            }
            return;
        }
    }
    rte_pktmbuf_free_bulk((struct rte_mbuf **) pkts, n);
}

int
nae_packets_to_mbufs(struct dp_packet **pkts, int n, struct rte_mempool *mp,
                     struct rte_mbuf **mbufs, uint64_t *dropped)
{
    int n_mbufs = 0;

    for (int i = 0; i < n; i++) {
        struct dp_packet *pkt = pkts[i];

        if (pkt->source == DPBUF_DPDK) {
            mbufs[n_mbufs++] = &pkt->mbuf;
            continue;
        }

        struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
        uint32_t len = dp_packet_size(pkt);

        if (m && len <= rte_pktmbuf_tailroom(m)) {
            memcpy(rte_pktmbuf_mtod(m, void *), dp_packet_data(pkt), len);
            m->data_len = m->pkt_len = len;
            mbufs[n_mbufs++] = m;
        } else {
            rte_pktmbuf_free(m);
            ++*dropped;
        }
        dp_packet_delete(pkt);
    }
    return n_mbufs;
}

/* Whether any of the 'n' packets asks for an offload (nae-offload.h). */
bool
nae_packets_want_offload(struct dp_packet **pkts, int n)
{
    for (int i = 0; i < n; i++) {
        if (OVS_UNLIKELY(nae_offload_wants(pkts[i]))) {
            return true;
        }
    }
    return false;
}

/* For a channel that takes no offloads: hands 'send' the 'n' packets with
 * what they ask done in software, in bursts of at most NETDEV_MAX_BURST:
 * checksums completed in place, each TSO frame replaced by its segments
 * (mbufs of 'mp', frames of at most 'max_frame' bytes).  Takes ownership
 * of 'pkts'.  Adds to '*dropped' the frames it could not make, and to
 * '*segmented' the TSO frames it cut. */
void
nae_packets_tx_soft(struct dp_packet **pkts, int n, uint32_t max_frame,
                    struct rte_mempool *mp, nae_packets_send_fn *send,
                    void *aux, uint64_t *dropped, uint64_t *segmented)
{
    struct dp_packet *ready[NETDEV_MAX_BURST];
    int k = 0;

    for (int i = 0; i < n; i++) {
        struct dp_packet *pkt = pkts[i];
        uint64_t wants = nae_offload_wants(pkt);
        struct nae_tso tso;

        if (!wants) {
            ready[k++] = pkt;
        } else if (!(wants & NAE_F_TSO)) {
            if (nae_offload_csum(pkt)) {
                ready[k++] = pkt;
            } else {
                dp_packet_delete(pkt);
                ++*dropped;
            }
        } else if (!nae_tso_start(&tso, pkt, max_frame)) {
            dp_packet_delete(pkt);
            ++*dropped;
        } else {
            for (int s = 0; s < tso.n_segs; s++) {
                struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
                struct dp_packet *seg;

                if (!m || rte_pktmbuf_tailroom(m)
                          < tso.info.hdr_len + tso.mss) {
                    rte_pktmbuf_free(m);
                    ++*dropped;     /* The rest: TCP resends them. */
                    break;
                }
                seg = CONTAINER_OF(m, struct dp_packet, mbuf);
                nae_tso_segment_one(&tso, s, seg);
                ready[k++] = seg;
                if (k == NETDEV_MAX_BURST) {
                    send(aux, ready, k);
                    k = 0;
                }
            }
            ++*segmented;
            dp_packet_delete(pkt);
        }
        if (k == NETDEV_MAX_BURST) {
            send(aux, ready, k);
            k = 0;
        }
    }
    if (k) {
        send(aux, ready, k);
    }
}
