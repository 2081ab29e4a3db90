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

#ifndef NAE_CHANNEL_RING_H
#define NAE_CHANNEL_RING_H 1

/* The software channel kind: one channel of the NAE device, a pair of
 * descriptor rings in guest memory that nae-rxtx.c drives.  The port keeps
 * its ring channels in one array, one per receive queue; they share the
 * guest session's memory map and the port's mbuf pool. */

#include "nae-channel.h"
#include "nae-rxtx.h"

struct nae_mem_map;
struct rte_mempool;

struct nae_channel_ring {
    struct nae_rings rings;     /* Read by the port for status and stats. */
    struct nae_channel up;
    const struct nae_mem_map *map;  /* The owner's; changes only while no
                                     * data path thread uses the channel. */
    struct rte_mempool *mp;     /* Receive buffers; the same rule. */
    struct rte_mempool *tso_mp; /* Instead, once the guest negotiated TSO
                                 * (NAE_MAX_TSO_FRAME mbufs); the same. */
};

void nae_channel_ring_construct(struct nae_channel_ring *,
                                const struct nae_mem_map *,
                                struct rte_mempool *);

static inline struct nae_channel_ring *
nae_channel_ring_cast(struct nae_channel *chan)
{
    return CONTAINER_OF(chan, struct nae_channel_ring, up);
}

#endif /* nae-channel-ring.h */
