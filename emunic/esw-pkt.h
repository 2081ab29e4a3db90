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

#ifndef ESW_PKT_H
#define ESW_PKT_H 1

/* What the emulated eswitch does to a frame's bytes (esw-pkt.c): the key a
 * frame is looked up by, and the actions a rule applies.  The bottom layer
 * of the NIC model: C library only, so the fuzz target runs exactly this
 * code. */

#include <stdbool.h>
#include <stdint.h>

#include "esw-vf.h"

/* The header fields the eswitch matches on, as on the wire (network byte
 * order), plus the ethdev port that represents where the frame entered
 * the switch.  Rules hold a key and a mask of this shape. */
struct esw_key {
    uint32_t in_port;           /* Host order: uplink or representor id. */
    uint8_t dst[6], src[6];
    uint16_t eth_type;          /* At offset 12: a TPID if tagged. */
    uint16_t vlan_tci;          /* Outer tag, 0 if none. */
    uint16_t vlan_inner_type;
    uint16_t l3_type;           /* After the outer tag, if any. */
    uint8_t has_vlan;
    uint8_t ip_proto;
    uint8_t ip_tos;
    uint8_t pad0;
    uint32_t ip4_src, ip4_dst;
    uint8_t ip6_src[16], ip6_dst[16];
    uint16_t l4_src, l4_dst;
    uint16_t ip_frag;           /* IPv4 flags and fragment offset, less DF. */
    uint8_t ip6_frag_ext;       /* IPv6 with a fragment header next. */
    uint8_t pad1[5];
} __attribute__((aligned(8)));
/* Masking and hashing go 8 bytes at a time, on aligned words. */
_Static_assert(sizeof(struct esw_key) % 8 == 0, "esw_key size");

/* Parses 'frame' into 'key' (in_port set by the caller).  Fields of layers
 * the frame does not have stay zero. */
void esw_key_extract(const uint8_t *frame, uint32_t len, struct esw_key *);

enum esw_action_type {
    ESW_ACT_COUNT,
    ESW_ACT_DROP,
    ESW_ACT_TO_REPRESENTED,     /* To the VF or wire an ethdev stands for. */
    ESW_ACT_TO_REPRESENTOR,     /* To the ethdev itself: up to OVS. */
    ESW_ACT_POP_VLAN,
    ESW_ACT_PUSH_VLAN,          /* TPID; VID/PCP from SET_VLAN_*. */
    ESW_ACT_SET_VLAN_VID,
    ESW_ACT_SET_VLAN_PCP,
    ESW_ACT_SET_MAC_SRC,
    ESW_ACT_SET_MAC_DST,
    ESW_ACT_SET_IPV4_SRC,
    ESW_ACT_SET_IPV4_DST,
};

struct esw_action {
    enum esw_action_type type;
    uint16_t port;              /* TO_*: ethdev port id. */
    uint16_t value16;           /* PUSH_VLAN: TPID; VID; PCP (host). */
    uint32_t ip;                /* SET_IPV4_*: network order. */
    uint8_t mac[6];
};

#define ESW_MAX_ACTIONS 16

/* Applies one rewriting action (not a fate or COUNT) to the frame at
 * '*framep' of '*lenp' bytes, with '*headroom' writable bytes before it;
 * updates all three. */
void esw_rewrite(const struct esw_action *, uint8_t **framep,
                 uint32_t *lenp, int *headroom);

#endif /* esw-pkt.h */
