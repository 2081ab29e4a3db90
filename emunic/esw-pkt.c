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

/* What the emulated eswitch does to a frame's bytes: parse it into a
 * lookup key, and rewrite it for a rule's non-fate actions.  Every frame
 * comes from a guest or the wire, so nothing here reads or writes outside
 * [frame, frame + len) or the headroom before it.  No DPDK calls, so the
 * fuzz target runs exactly this code. */

#include <string.h>

#include <rte_byteorder.h>

#include "esw-pkt.h"

static uint16_t
get_be16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

void
esw_key_extract(const uint8_t *frame, uint32_t len, struct esw_key *key)
{
    uint32_t in_port = key->in_port;
    uint32_t off = 14;
    const uint8_t *l4 = NULL;
    uint32_t l4_len = 0;

    memset(key, 0, sizeof *key);
    key->in_port = in_port;
    if (len < 14) {
        return;
    }
    memcpy(key->dst, frame, 6);
    memcpy(key->src, frame + 6, 6);
    memcpy(&key->eth_type, frame + 12, 2);
    key->l3_type = key->eth_type;
    if ((get_be16(frame + 12) == 0x8100 || get_be16(frame + 12) == 0x88a8)
        && len >= 18) {
        key->has_vlan = 1;
        memcpy(&key->vlan_tci, frame + 14, 2);
        memcpy(&key->vlan_inner_type, frame + 16, 2);
        key->l3_type = key->vlan_inner_type;
        off = 18;
    }
    const uint8_t *ip = frame + off;
    uint32_t ip_len = len - off;
    if (key->l3_type == RTE_BE16(0x0800) && ip_len >= 20
        && (ip[0] >> 4) == 4) {
        uint32_t ihl = (ip[0] & 0xf) * 4;

        key->ip_tos = ip[1];
        key->ip_proto = ip[9];
        memcpy(&key->ip4_src, ip + 12, 4);
        memcpy(&key->ip4_dst, ip + 16, 4);
        memcpy(&key->ip_frag, ip + 6, 2);
        key->ip_frag &= RTE_BE16(0x3fff);
        if (ihl >= 20 && ihl <= ip_len && !(get_be16(ip + 6) & 0x1fff)) {
            l4 = ip + ihl;
            l4_len = ip_len - ihl;
        }
    } else if (key->l3_type == RTE_BE16(0x86dd) && ip_len >= 40) {
        key->ip_tos = ((ip[0] & 0xf) << 4) | (ip[1] >> 4);
        key->ip_proto = ip[6];
        key->ip6_frag_ext = key->ip_proto == 44;
        memcpy(key->ip6_src, ip + 8, 16);
        memcpy(key->ip6_dst, ip + 24, 16);
        l4 = ip + 40;
        l4_len = ip_len - 40;
    }
    if (l4 && l4_len >= 4 && (key->ip_proto == 6 || key->ip_proto == 17)) {
        memcpy(&key->l4_src, l4, 2);
        memcpy(&key->l4_dst, l4 + 2, 2);
    }
}

static void
csum_replace4(uint8_t *sum, uint32_t old, uint32_t new)
{
    /* RFC 1624: HC' = ~(~HC + ~m + m'). */
    uint32_t s = (uint16_t) ~((sum[0] << 8) | sum[1]);

    s += (uint16_t) ~(rte_be_to_cpu_32(old) >> 16);
    s += (uint16_t) ~(rte_be_to_cpu_32(old) & 0xffff);
    s += rte_be_to_cpu_32(new) >> 16;
    s += rte_be_to_cpu_32(new) & 0xffff;
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    s = (uint16_t) ~s;
    sum[0] = s >> 8;
    sum[1] = s;
}

static void
esw_set_ipv4(uint8_t *frame, uint32_t len, bool src, uint32_t addr)
{
    uint32_t off = 14;

    if (len >= 18 && (frame[12] == 0x81 || frame[12] == 0x88)
        && (frame[13] == 0x00 || frame[13] == 0xa8)) {
        off = 18;
    }
    if (len < off + 20 || frame[off - 2] != 0x08 || frame[off - 1] != 0x00) {
        return;
    }
    uint8_t *ip = frame + off;
    uint32_t ihl = (ip[0] & 0xf) * 4;
    uint8_t *field = ip + (src ? 12 : 16);
    uint32_t old;

    memcpy(&old, field, 4);
    memcpy(field, &addr, 4);
    csum_replace4(ip + 10, old, addr);
    if (ihl < 20 || len < off + ihl + 8 || (ip[6] & 0x1f) || ip[7]) {
        return;                 /* No L4 header to fix (or a fragment). */
    }
    uint8_t *l4 = ip + ihl;
    if (ip[9] == 6 && len >= off + ihl + 18) {
        csum_replace4(l4 + 16, old, addr);
    } else if (ip[9] == 17 && (l4[6] | l4[7])) {
        csum_replace4(l4 + 6, old, addr);
    }
}


static bool
esw_is_tagged(const uint8_t *frame, uint32_t len)
{
    return len >= 18 && ((frame[12] == 0x81 && frame[13] == 0x00)
                         || (frame[12] == 0x88 && frame[13] == 0xa8));
}

void
esw_rewrite(const struct esw_action *a, uint8_t **framep, uint32_t *lenp,
            int *headroom)
{
    uint8_t *frame = *framep;
    uint32_t len = *lenp;

    if (len < 14) {
        return;
    }
    switch (a->type) {
    case ESW_ACT_POP_VLAN:
        if (esw_is_tagged(frame, len)) {
            memmove(frame + 4, frame, 12);
            frame += 4;
            len -= 4;
            *headroom += 4;
        }
        break;
    case ESW_ACT_PUSH_VLAN:
        if (*headroom >= 4 && len + 4 <= ESW_VF_MAX_FRAME) {
            memmove(frame - 4, frame, 12);
            frame -= 4;
            len += 4;
            *headroom -= 4;
            frame[12] = a->value16 >> 8;
            frame[13] = a->value16;
            frame[14] = 0;
            frame[15] = 0;
        }
        break;
    case ESW_ACT_SET_VLAN_VID:
        if (esw_is_tagged(frame, len)) {
            frame[14] = (frame[14] & 0xf0) | (a->value16 >> 8);
            frame[15] = a->value16;
        }
        break;
    case ESW_ACT_SET_VLAN_PCP:
        if (esw_is_tagged(frame, len)) {
            frame[14] = (frame[14] & 0x1f) | (a->value16 << 5);
        }
        break;
    case ESW_ACT_SET_MAC_SRC:
        memcpy(frame + 6, a->mac, 6);
        break;
    case ESW_ACT_SET_MAC_DST:
        memcpy(frame, a->mac, 6);
        break;
    case ESW_ACT_SET_IPV4_SRC:
    case ESW_ACT_SET_IPV4_DST:
        esw_set_ipv4(frame, len, a->type == ESW_ACT_SET_IPV4_SRC, a->ip);
        break;
    case ESW_ACT_COUNT:
    case ESW_ACT_DROP:
    case ESW_ACT_TO_REPRESENTED:
    case ESW_ACT_TO_REPRESENTOR:
        break;                  /* Fates: the caller's. */
    }
    *framep = frame;
    *lenp = len;
}
