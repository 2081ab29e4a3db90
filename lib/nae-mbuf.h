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

#ifndef NAE_MBUF_H
#define NAE_MBUF_H 1

#include <stdbool.h>
#include <stdint.h>

struct rte_mempool;

/* Data room of the standard pool's mbufs; larger frames come from the
 * jumbo pool (NAE_MAX_FRAME_LEN), TSO frames from the TSO pool
 * (NAE_MAX_TSO_FRAME). */
#define NAE_STD_FRAME_ROOM 2048

/* Returns the shared pool whose mbufs hold frames of 'max_frame' bytes, with
 * OVS's dp_packet fields initialized, creating it on first use; NULL (and
 * an error logged) if DPDK cannot.  The pools live as long as the process:
 * their packets may sit in any port's queues. */
struct rte_mempool *nae_mempool_get(uint32_t max_frame);

/* Frees 'n' packets: in one call to the mempool when all are DPDK mbufs, as
 * they are when they came from a DPDK or nae port.  Any thread. */
struct dp_packet;
void nae_packets_free(struct dp_packet **pkts, int n);

/* Collects 'n' packets as mbufs for a DPDK transmit call: DPDK packets as
 * they are, others copied into mbufs of 'mp' and freed (those that do not
 * fit, or find no mbuf, are only freed and added to '*dropped').  Returns
 * how many mbufs it put in 'mbufs'.  The data path's one copy for packets
 * from ports that are not DPDK's. */
struct rte_mbuf;
int nae_packets_to_mbufs(struct dp_packet **pkts, int n,
                         struct rte_mempool *mp, struct rte_mbuf **mbufs,
                         uint64_t *dropped);

/* Offloads done in software for channels that take none (nae-offload.h),
 * before a send function of this type. */
typedef void nae_packets_send_fn(void *aux, struct dp_packet **, int n);
bool nae_packets_want_offload(struct dp_packet **, int n);
void nae_packets_tx_soft(struct dp_packet **, int n, uint32_t max_frame,
                         struct rte_mempool *, nae_packets_send_fn *,
                         void *aux, uint64_t *dropped, uint64_t *segmented);

#endif /* nae-mbuf.h */
