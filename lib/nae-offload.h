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

#ifndef NAE_OFFLOAD_H
#define NAE_OFFLOAD_H 1

/* Checksum and TCP segmentation offload on the NAE data path.
 *
 * A guest's NAE_CMD_CSUM/NAE_CMD_TSO (nae-abi.h) become OVS's packet
 * offload flags (dp-packet.h's hwol bits, the same ones netdev-dpdk and
 * netdev-linux set), so that a large TCP frame crosses the bridge whole;
 * on the way out, a channel that takes the offloads gets the frame and
 * its commands, and one that does not gets the frame segmented and
 * checksummed here, in software.  Checksums are always computed from
 * scratch over the frame as it is, never from the partial sum a guest
 * left in it.
 *
 * Data path code: nothing here blocks or allocates from the heap (the
 * segments go into packets the caller allocated). */

#include <stdbool.h>
#include <stdint.h>

#include "dp-packet.h"
#include "nae-abi.h"

/* Where the headers of a TCP or UDP frame over IPv4 or IPv6 are. */
struct nae_l4_info {
    uint16_t l3_ofs;        /* IP header. */
    uint16_t l4_ofs;        /* TCP or UDP header. */
    uint16_t hdr_len;       /* Through the L4 header (TCP: its options). */
    uint8_t proto;          /* IPPROTO_TCP or IPPROTO_UDP. */
    bool ipv6;
};

/* A frame's offload commands, in descriptor terms. */
struct nae_offload_cmd {
    uint16_t command;       /* NAE_CMD_CSUM, NAE_CMD_TSO. */
    uint16_t mss;
    uint16_t csum_start;
    uint16_t csum_offset;
};

bool nae_l4_parse(const void *frame, uint32_t len, struct nae_l4_info *);

bool nae_offload_from_guest(struct dp_packet *,
                            const struct nae_offload_cmd *,
                            uint32_t max_frame);
bool nae_offload_to_guest(const struct dp_packet *, uint32_t max_frame,
                          struct nae_offload_cmd *);

/* What 'pkt' asks of its output channel: NAE_F_CSUM, NAE_F_TSO, or 0.
 * Once per packet sent, so inline. */
static inline uint64_t
nae_offload_wants(const struct dp_packet *pkt)
{
    uint64_t flags = *dp_packet_ol_flags_ptr(pkt);

    if (OVS_LIKELY(!(flags & (DP_PACKET_OL_TX_L4_MASK
                              | DP_PACKET_OL_TX_TCP_SEG)))) {
        return 0;
    }
    return NAE_F_CSUM | (flags & DP_PACKET_OL_TX_TCP_SEG ? NAE_F_TSO : 0);
}

bool nae_offload_csum(struct dp_packet *);
void nae_offload_clear(struct dp_packet *);

/* Software TSO: a frame being cut into segments (nae-offload.c). */
struct nae_tso {
    const uint8_t *frame;
    struct nae_l4_info info;
    uint32_t mss;           /* Payload bytes per segment. */
    uint32_t payload;       /* Payload bytes in all. */
    int n_segs;
    uint32_t seq;           /* The frame's TCP sequence number, */
    uint16_t flags;         /* ...TCP flags... */
    uint16_t ip_id;         /* ...and IPv4 id. */
};

/* Largest 'hdr_len' of a frame nae_l4_parse() accepts. */
#define NAE_MAX_L4_HDR_LEN (14 + 4 + 60 + 60)

bool nae_tso_start(struct nae_tso *, const struct dp_packet *,
                   uint32_t max_frame);
void nae_tso_seg(const struct nae_tso *, int i, uint8_t *hdr,
                 const uint8_t **data, uint32_t *len);
void nae_tso_segment_one(const struct nae_tso *, int i, struct dp_packet *);

#endif /* nae-offload.h */
