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

/* Checksum and TCP segmentation offload.  See nae-offload.h.
 *
 * OVS 3.1 has no software segmentation of its own (netdev_send() drops a
 * TSO packet on a port that does not declare TSO), so this is written
 * here; it follows what Linux's tcp_gso_segment() does to each segment. */

#include <config.h>
#include "nae-offload.h"

#include <netinet/in.h>
#include <string.h>

#include "csum.h"
#include "dp-packet.h"
#include "nae-abi.h"
#include "packets.h"
#include "util.h"

/* Reads a big-endian 16-bit value at 'p'. */
static inline uint16_t
get_be16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

static inline void
put_be16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

/* Parses the Ethernet (with at most one VLAN tag), IPv4 or IPv6 (no
 * extension headers) and TCP or UDP headers of the 'len'-byte 'frame'.
 * Returns false unless all of them are there, whole. */
bool
nae_l4_parse(const void *frame_, uint32_t len, struct nae_l4_info *info)
{
    const uint8_t *frame = frame_;
    uint32_t ofs = ETH_HEADER_LEN;
    uint16_t type;
    uint32_t l4_ofs;
    uint8_t proto;

    if (len < ETH_HEADER_LEN) {
        return false;
    }
    type = get_be16(frame + 12);
    if (type == ETH_TYPE_VLAN_8021Q || type == ETH_TYPE_VLAN_8021AD) {
        if (len < ofs + VLAN_HEADER_LEN) {
            return false;
        }
        type = get_be16(frame + ofs + 2);
        ofs += VLAN_HEADER_LEN;
    }
    if (type == ETH_TYPE_IP) {
        uint32_t ihl;

        if (len < ofs + IP_HEADER_LEN || frame[ofs] >> 4 != 4) {
            return false;
        }
        ihl = (frame[ofs] & 0xf) * 4;
        if (ihl < IP_HEADER_LEN || len < ofs + ihl
            || get_be16(frame + ofs + 6) & 0x3fff) {
            return false;       /* Short, or a fragment. */
        }
        proto = frame[ofs + 9];
        l4_ofs = ofs + ihl;
        info->ipv6 = false;
    } else if (type == ETH_TYPE_IPV6) {
        if (len < ofs + IPV6_HEADER_LEN || frame[ofs] >> 4 != 6) {
            return false;
        }
        proto = frame[ofs + 6];
        l4_ofs = ofs + IPV6_HEADER_LEN;
        info->ipv6 = true;
    } else {
        return false;
    }

    if (proto == IPPROTO_TCP) {
        uint32_t thl;

        if (len < l4_ofs + TCP_HEADER_LEN) {
            return false;
        }
        thl = (frame[l4_ofs + 12] >> 4) * 4;
        if (thl < TCP_HEADER_LEN || len < l4_ofs + thl) {
            return false;
        }
        info->hdr_len = l4_ofs + thl;
    } else if (proto == IPPROTO_UDP) {
        if (len < l4_ofs + UDP_HEADER_LEN) {
            return false;
        }
        info->hdr_len = l4_ofs + UDP_HEADER_LEN;
    } else {
        return false;
    }
    info->l3_ofs = ofs;
    info->l4_ofs = l4_ofs;
    info->proto = proto;
    return true;
}

static uint16_t
nae_csum_field(uint8_t proto)
{
    return proto == IPPROTO_TCP ? offsetof(struct tcp_header, tcp_csum)
                                : offsetof(struct udp_header, udp_csum);
}

static uint16_t
nae_pkt_mss(const struct dp_packet *pkt)
{
#ifdef DPDK_NETDEV
    return pkt->mbuf.tso_segsz;
#else
    return 0;
#endif
}

static void
nae_pkt_set_mss(struct dp_packet *pkt OVS_UNUSED, uint16_t mss OVS_UNUSED)
{
#ifdef DPDK_NETDEV
    pkt->mbuf.tso_segsz = mss;
#endif
}

/* Checks the offload commands 'cmd' a guest gave with the frame now in
 * 'pkt' (copied out of guest memory: it cannot change under us) and sets
 * the packet's OVS offload flags to match.  The caller has checked that
 * the channel negotiated every bit of 'cmd->command', and that a frame
 * over 'max_frame' (the channel's MTU frame) has NAE_CMD_TSO.  Returns
 * false if the frame contradicts the commands. */
bool
nae_offload_from_guest(struct dp_packet *pkt,
                       const struct nae_offload_cmd *cmd, uint32_t max_frame)
{
    struct nae_l4_info info;

    if (!(cmd->command & NAE_CMD_CSUM)
        || !nae_l4_parse(dp_packet_data(pkt), dp_packet_size(pkt), &info)
        || cmd->csum_start != info.l4_ofs
        || cmd->csum_offset != nae_csum_field(info.proto)) {
        return false;
    }
    if (cmd->command & NAE_CMD_TSO
        && (info.proto != IPPROTO_TCP || cmd->mss < NAE_MIN_MSS
            || info.hdr_len + cmd->mss > max_frame)) {
        return false;
    }

    if (info.ipv6) {
        dp_packet_hwol_set_tx_ipv6(pkt);
    } else {
        dp_packet_hwol_set_tx_ipv4(pkt);
    }
    if (info.proto == IPPROTO_TCP) {
        dp_packet_hwol_set_csum_tcp(pkt);
    } else {
        dp_packet_hwol_set_csum_udp(pkt);
    }
    if (cmd->command & NAE_CMD_TSO) {
        dp_packet_hwol_set_tcp_seg(pkt);
        nae_pkt_set_mss(pkt, cmd->mss);
    }
    return true;
}

/* The segment size for TSO frame 'pkt', whose headers take 'hdr_len'
 * bytes, sent where frames are at most 'max_frame' bytes: the sender's,
 * unless that does not fit. */
static uint32_t
nae_seg_size(const struct dp_packet *pkt, uint32_t hdr_len,
             uint32_t max_frame)
{
    uint32_t room = max_frame > hdr_len ? max_frame - hdr_len : 0;
    uint32_t mss = nae_pkt_mss(pkt);

    return mss && mss < room ? mss : room;
}

/* Describes, for a guest that negotiated what 'pkt' asks (see
 * nae_offload_wants()), the offloads it carries.  Returns false if 'pkt'
 * has no TCP or UDP header where its flags say. */
bool
nae_offload_to_guest(const struct dp_packet *pkt, uint32_t max_frame,
                     struct nae_offload_cmd *cmd)
{
    struct nae_l4_info info;

    memset(cmd, 0, sizeof *cmd);
    if (!dp_packet_hwol_tx_l4_checksum(pkt) && !dp_packet_hwol_is_tso(pkt)) {
        return true;
    }
    if (!nae_l4_parse(dp_packet_data(pkt), dp_packet_size(pkt), &info)) {
        return false;
    }
    cmd->command = NAE_CMD_CSUM;
    cmd->csum_start = info.l4_ofs;
    cmd->csum_offset = nae_csum_field(info.proto);
    if (dp_packet_hwol_is_tso(pkt)) {
        uint32_t mss = nae_seg_size(pkt, info.hdr_len, max_frame);

        if (info.proto != IPPROTO_TCP || mss < NAE_MIN_MSS) {
            return false;
        }
        cmd->command |= NAE_CMD_TSO;
        cmd->mss = mss;
    }
    return true;
}

/* The pseudo-header sum of an L4 segment of 'l4_len' bytes. */
static uint32_t
nae_pseudo_sum(const uint8_t *frame, const struct nae_l4_info *info,
               uint32_t l4_len)
{
    const uint8_t *ip = frame + info->l3_ofs;
    uint32_t sum;

    if (info->ipv6) {
        sum = csum_continue(0, ip + 8, 32);     /* Source, destination. */
    } else {
        sum = csum_continue(0, ip + 12, 8);
    }
    sum = csum_add16(sum, htons(info->proto));
    return csum_add16(sum, htons(l4_len));
}

/* Computes the L4 checksum of the 'len'-byte 'frame' in place. */
static void
nae_l4_csum(uint8_t *frame, uint32_t len, const struct nae_l4_info *info)
{
    uint8_t *field = frame + info->l4_ofs + nae_csum_field(info->proto);
    uint32_t l4_len = len - info->l4_ofs;
    ovs_be16 sum;

    memset(field, 0, 2);
    sum = csum_finish(csum_continue(nae_pseudo_sum(frame, info, l4_len),
                                    frame + info->l4_ofs, l4_len));
    if (info->proto == IPPROTO_UDP && !sum) {
        sum = htons(0xffff);    /* 0 would mean "no checksum". */
    }
    memcpy(field, &sum, 2);
}

/* Sets the IP header's lengths for an L4 segment of 'l4_len' bytes, and
 * the IPv4 header's checksum. */
static void
nae_ip_fix(uint8_t *frame, const struct nae_l4_info *info, uint32_t l4_len)
{
    uint8_t *ip = frame + info->l3_ofs;

    if (info->ipv6) {
        put_be16(ip + 4, l4_len);
    } else {
        uint32_t ihl = info->l4_ofs - info->l3_ofs;
        ovs_be16 sum;

        put_be16(ip + 2, ihl + l4_len);
        memset(ip + 10, 0, 2);
        sum = csum(ip, ihl);
        memcpy(ip + 10, &sum, 2);
    }
}

void
nae_offload_clear(struct dp_packet *pkt)
{
    *dp_packet_ol_flags_ptr(pkt) &= ~(DP_PACKET_OL_TX_L4_MASK
                                      | DP_PACKET_OL_TX_TCP_SEG
                                      | DP_PACKET_OL_TX_IPV4
                                      | DP_PACKET_OL_TX_IPV6);
    nae_pkt_set_mss(pkt, 0);
}

/* Completes the L4 checksum of 'pkt' in software and clears its offload
 * flags.  Returns false if it has no TCP or UDP header to sum. */
bool
nae_offload_csum(struct dp_packet *pkt)
{
    struct nae_l4_info info;
    uint8_t *frame = dp_packet_data(pkt);
    uint32_t len = dp_packet_size(pkt);

    if (!nae_l4_parse(frame, len, &info)) {
        return false;
    }
    nae_l4_csum(frame, len, &info);
    nae_offload_clear(pkt);
    return true;
}

/* Starts cutting TSO frame 'pkt' for a channel whose frames are at most
 * 'max_frame' bytes.  Returns false if it cannot be cut: no TCP header, or
 * headers that leave no room for payload. */
bool
nae_tso_start(struct nae_tso *tso, const struct dp_packet *pkt,
              uint32_t max_frame)
{
    const uint8_t *frame = dp_packet_data(pkt);
    uint32_t len = dp_packet_size(pkt);
    const uint8_t *th;

    if (!nae_l4_parse(frame, len, &tso->info)
        || tso->info.proto != IPPROTO_TCP) {
        return false;
    }
    tso->mss = nae_seg_size(pkt, tso->info.hdr_len, max_frame);
    if (!tso->mss) {
        return false;
    }
    tso->frame = frame;
    tso->payload = len - tso->info.hdr_len;
    tso->n_segs = MAX(1, DIV_ROUND_UP(tso->payload, tso->mss));
    th = frame + tso->info.l4_ofs;
    tso->seq = ((uint32_t) get_be16(th + 4) << 16) | get_be16(th + 6);
    tso->flags = get_be16(th + 12);
    tso->ip_id = tso->info.ipv6 ? 0 : get_be16(frame + tso->info.l3_ofs + 4);
    return true;
}

/* Writes segment 'i' of 'tso' (0 <= i < tso->n_segs), as a NIC's TSO makes
 * it: the frame's headers ('tso->info.hdr_len' bytes, written to 'hdr')
 * with the IP length (and IPv4 id, incremented), TCP sequence number and
 * checksums made the segment's own, FIN and PSH only on the last segment,
 * CWR only on the first; and its payload, which it points '*data' and
 * '*len' at, inside the frame. */
void
nae_tso_seg(const struct nae_tso *tso, int i, uint8_t *hdr,
            const uint8_t **data, uint32_t *len)
{
    const struct nae_l4_info *info = &tso->info;
    uint32_t off = i * tso->mss;
    uint32_t seg_len = MIN(tso->mss, tso->payload - off);
    uint32_t l4_len = info->hdr_len - info->l4_ofs + seg_len;
    uint16_t flags = tso->flags;
    uint8_t *th = hdr + info->l4_ofs;
    uint32_t sum;

    memcpy(hdr, tso->frame, info->hdr_len);
    if (i) {
        flags &= ~TCP_CWR;
    }
    if (i != tso->n_segs - 1) {
        flags &= ~(TCP_FIN | TCP_PSH);
    }
    put_be16(th + 12, flags);
    put_be16(th + 4, (tso->seq + off) >> 16);
    put_be16(th + 6, tso->seq + off);
    if (!info->ipv6) {
        put_be16(hdr + info->l3_ofs + 4, tso->ip_id + i);
    }
    nae_ip_fix(hdr, info, l4_len);

    /* The TCP header is a whole number of 32-bit words, so the payload's
     * sum continues it. */
    *data = tso->frame + info->hdr_len + off;
    *len = seg_len;
    memset(th + offsetof(struct tcp_header, tcp_csum), 0, 2);
    sum = nae_pseudo_sum(hdr, info, l4_len);
    sum = csum_continue(sum, th, info->hdr_len - info->l4_ofs);
    ovs_be16 csum16 = csum_finish(csum_continue(sum, *data, seg_len));
    memcpy(th + offsetof(struct tcp_header, tcp_csum), &csum16, 2);
}

/* Makes segment 'i' of 'tso' in 'seg', an empty packet with room for it.
 * The segment carries no offload flags. */
void
nae_tso_segment_one(const struct nae_tso *tso, int i, struct dp_packet *seg)
{
    const uint8_t *data;
    uint32_t len;
    uint8_t *out;

    dp_packet_clear(seg);
    out = dp_packet_put_uninit(seg, tso->info.hdr_len);
    nae_tso_seg(tso, i, out, &data, &len);
    dp_packet_put(seg, data, len);
    nae_offload_clear(seg);
}
