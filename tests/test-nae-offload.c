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

/* Unit tests of checksum and TCP segmentation offload (nae-offload.c) and
 * of the rings carrying them (nae-rxtx.c): header parsing, the checks on
 * what a guest claims, checksums against an independent computation, and
 * software segmentation byte for byte. */

#include <config.h>
#undef NDEBUG
#include <netinet/in.h>
#include <string.h>

#include "csum.h"
#include "dp-packet.h"
#include "nae-offload.h"
#include "nae-rxtx.h"
#include "nae-test-mem.h"
#include "netdev.h"
#include "openvswitch/util.h"
#include "ovstest.h"
#include "packets.h"
#include "util.h"

#define MAX_FRAME 1518          /* MTU 1500, with a VLAN tag. */

/* Builds in 'f' an Ethernet frame carrying TCP (or UDP) over IPv4 (or
 * IPv6) with 'payload' bytes of a position-dependent pattern, TCP sequence
 * number 'seq' and flags 'flags'.  The L4 checksum field holds garbage, as
 * a guest's partial sum would be to us.  Returns the frame's length. */
static uint32_t
build_frame(uint8_t *f, bool ipv6, bool udp, uint32_t payload, uint32_t seq,
            uint16_t flags)
{
    uint32_t l3 = ETH_HEADER_LEN, l4, hlen;

    memset(f, 0, 200);
    memcpy(f, "\x0a\x00\x00\x00\x00\x02\x0a\x00\x00\x00\x00\x01", 12);
    if (ipv6) {
        f[12] = 0x86;
        f[13] = 0xdd;
        f[l3] = 0x60;
        f[l3 + 6] = udp ? IPPROTO_UDP : IPPROTO_TCP;
        f[l3 + 7] = 64;
        for (int i = 0; i < 32; i++) {
            f[l3 + 8 + i] = i;
        }
        l4 = l3 + IPV6_HEADER_LEN;
    } else {
        f[12] = 0x08;
        f[13] = 0x00;
        f[l3] = 0x45;
        f[l3 + 4] = 0x12;           /* IP id 0x1234. */
        f[l3 + 5] = 0x34;
        f[l3 + 8] = 64;
        f[l3 + 9] = udp ? IPPROTO_UDP : IPPROTO_TCP;
        memcpy(f + l3 + 12, "\x0a\x09\x00\x01\x0a\x09\x00\x02", 8);
        l4 = l3 + IP_HEADER_LEN;
    }
    if (udp) {
        hlen = l4 + UDP_HEADER_LEN;
        f[l4 + 4] = (UDP_HEADER_LEN + payload) >> 8;
        f[l4 + 5] = UDP_HEADER_LEN + payload;
    } else {
        hlen = l4 + 32;             /* 12 bytes of options. */
        f[l4 + 4] = seq >> 24;
        f[l4 + 5] = seq >> 16;
        f[l4 + 6] = seq >> 8;
        f[l4 + 7] = seq;
        f[l4 + 12] = (32 / 4) << 4 | flags >> 8;
        f[l4 + 13] = flags;
        f[l4 + 20] = 1;             /* NOPs and a timestamp option. */
        f[l4 + 21] = 1;
        f[l4 + 22] = 8;
        f[l4 + 23] = 10;
    }
    f[l4 + (udp ? 6 : 16)] = 0xde;  /* "Partial" checksum. */
    f[l4 + (udp ? 7 : 17)] = 0xad;
    for (uint32_t i = 0; i < payload; i++) {
        f[hlen + i] = (i * 7 + i / 251) & 0xff;
    }
    uint32_t ip_len = hlen - l3 + payload - (ipv6 ? IPV6_HEADER_LEN : 0);
    f[l3 + (ipv6 ? 4 : 2)] = ip_len >> 8;
    f[l3 + (ipv6 ? 5 : 3)] = ip_len;
    if (!ipv6) {
        ovs_be16 sum = csum(f + l3, IP_HEADER_LEN);
        memcpy(f + l3 + 10, &sum, 2);
    }
    return hlen + payload;
}

static struct dp_packet *
frame_packet(const uint8_t *f, uint32_t len)
{
    struct dp_packet *pkt = dp_packet_new_with_headroom(len, 128);

    dp_packet_put(pkt, f, len);
    return pkt;
}

/* Whether the IP and L4 checksums of the 'len'-byte 'f' are right,
 * computed with OVS's own helpers from the IP header's lengths. */
static bool
csums_ok(const uint8_t *f, uint32_t len)
{
    struct nae_l4_info info;
    uint32_t sum;

    ovs_assert(nae_l4_parse(f, len, &info));
    if (info.ipv6) {
        const struct ovs_16aligned_ip6_hdr *ip6 = (const void *) (f + 14);

        ovs_assert(ntohs(ip6->ip6_plen) == len - info.l4_ofs);
        sum = packet_csum_pseudoheader6(ip6);
    } else {
        const struct ip_header *ip = (const void *) (f + info.l3_ofs);

        ovs_assert(ntohs(ip->ip_tot_len) == len - info.l3_ofs);
        if (csum(ip, info.l4_ofs - info.l3_ofs)) {
            return false;
        }
        sum = packet_csum_pseudoheader(ip);
    }
    return !csum_finish(csum_continue(sum, f + info.l4_ofs,
                                      len - info.l4_ofs));
}

static void
test_parse(void)
{
    uint8_t f[2048];
    struct nae_l4_info info;
    uint32_t len;

    len = build_frame(f, false, false, 100, 1, TCP_ACK);
    ovs_assert(nae_l4_parse(f, len, &info));
    ovs_assert(info.l3_ofs == 14 && info.l4_ofs == 34 && info.hdr_len == 66
               && info.proto == IPPROTO_TCP && !info.ipv6);
    ovs_assert(!nae_l4_parse(f, 65, &info));       /* TCP options cut. */

    len = build_frame(f, true, true, 10, 0, 0);
    ovs_assert(nae_l4_parse(f, len, &info));
    ovs_assert(info.l4_ofs == 54 && info.hdr_len == 62 && info.ipv6
               && info.proto == IPPROTO_UDP);

    len = build_frame(f, false, false, 100, 1, TCP_ACK);
    f[14 + 6] = 0x20;                               /* More fragments. */
    ovs_assert(!nae_l4_parse(f, len, &info));
    f[14 + 6] = 0;
    f[14] = 0x44;                                   /* IHL 4. */
    ovs_assert(!nae_l4_parse(f, len, &info));
    f[14] = 0x45;
    f[14 + 9] = IPPROTO_ICMP;
    ovs_assert(!nae_l4_parse(f, len, &info));
    f[14 + 9] = IPPROTO_TCP;
    f[34 + 12] = 4 << 4;                            /* Data offset 16. */
    ovs_assert(!nae_l4_parse(f, len, &info));
    f[34 + 12] = 15 << 4;                           /* 60 > the frame. */
    ovs_assert(!nae_l4_parse(f, 80, &info));

    /* One VLAN tag. */
    len = build_frame(f + 4, false, false, 100, 1, TCP_ACK);
    memmove(f, f + 4, 12);
    f[12] = 0x81;
    f[13] = 0x00;
    f[14] = 0;
    f[15] = 5;
    f[16] = 0x08;
    f[17] = 0x00;
    ovs_assert(nae_l4_parse(f, len + 4, &info));
    ovs_assert(info.l3_ofs == 18 && info.l4_ofs == 38);
}

/* What a guest claims with NAE_CMD_CSUM/NAE_CMD_TSO must match the frame. */
static void
test_from_guest(void)
{
    static uint8_t f[NAE_MAX_TSO_FRAME];
    uint32_t len = build_frame(f, false, false, 20000, 1, TCP_ACK);
    struct nae_offload_cmd good = {
        .command = NAE_CMD_CSUM | NAE_CMD_TSO, .mss = 1448,
        .csum_start = 34, .csum_offset = 16,
    };
    struct {
        uint16_t command, mss, csum_start, csum_offset;
        bool ok;
    } cases[] = {
        { NAE_CMD_CSUM | NAE_CMD_TSO, 1448, 34, 16, true },
        { NAE_CMD_CSUM, 0, 34, 16, true },
        { NAE_CMD_TSO, 1448, 34, 16, false },       /* TSO needs CSUM. */
        { NAE_CMD_CSUM | NAE_CMD_TSO, 0, 34, 16, false },     /* MSS 0. */
        { NAE_CMD_CSUM | NAE_CMD_TSO, 87, 34, 16, false },    /* Tiny. */
        { NAE_CMD_CSUM | NAE_CMD_TSO, 1453, 34, 16, false },  /* > MTU. */
        { NAE_CMD_CSUM | NAE_CMD_TSO, 1448, 40, 16, false },  /* Start. */
        { NAE_CMD_CSUM | NAE_CMD_TSO, 1448, 34, 6, false },   /* Offset. */
        { NAE_CMD_CSUM, 0, 60000, 16, false },      /* Beyond the frame. */
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct nae_offload_cmd cmd = {
            .command = cases[i].command, .mss = cases[i].mss,
            .csum_start = cases[i].csum_start,
            .csum_offset = cases[i].csum_offset,
        };
        struct dp_packet *pkt = frame_packet(f, len);

        ovs_assert(nae_offload_from_guest(pkt, &cmd, MAX_FRAME)
                   == cases[i].ok);
        if (cases[i].ok) {
            ovs_assert(dp_packet_hwol_l4_is_tcp(pkt));
            ovs_assert(dp_packet_hwol_is_ipv4(pkt));
            ovs_assert(dp_packet_hwol_is_tso(pkt)
                       == !!(cmd.command & NAE_CMD_TSO));
        }
        dp_packet_delete(pkt);
    }

    /* TSO of UDP is refused; checksum offload of UDP is fine. */
    len = build_frame(f, true, true, 1000, 0, 0);
    struct dp_packet *pkt = frame_packet(f, len);
    good.csum_start = 54;
    good.csum_offset = 6;
    ovs_assert(!nae_offload_from_guest(pkt, &good, MAX_FRAME));
    good.command = NAE_CMD_CSUM;
    ovs_assert(nae_offload_from_guest(pkt, &good, MAX_FRAME));
    ovs_assert(dp_packet_hwol_l4_is_udp(pkt) && !dp_packet_hwol_is_tso(pkt));

    /* ...and it goes back to a guest as it came. */
    struct nae_offload_cmd back;
    ovs_assert(nae_offload_to_guest(pkt, MAX_FRAME, &back));
    ovs_assert(back.command == NAE_CMD_CSUM && back.csum_start == 54
               && back.csum_offset == 6);
    dp_packet_delete(pkt);
}

static void
test_csum(void)
{
    uint8_t f[2048];

    for (int v6 = 0; v6 < 2; v6++) {
        for (int udp = 0; udp < 2; udp++) {
            for (uint32_t payload = 0; payload < 40; payload += 13) {
                uint32_t len = build_frame(f, v6, udp, payload, 9, TCP_ACK);
                struct dp_packet *pkt = frame_packet(f, len);

                ovs_assert(!csums_ok(dp_packet_data(pkt), len));
                if (udp) {
                    dp_packet_hwol_set_csum_udp(pkt);
                } else {
                    dp_packet_hwol_set_csum_tcp(pkt);
                }
                ovs_assert(nae_offload_wants(pkt) == NAE_F_CSUM);
                ovs_assert(nae_offload_csum(pkt));
                ovs_assert(csums_ok(dp_packet_data(pkt), len));
                ovs_assert(!nae_offload_wants(pkt));
                dp_packet_delete(pkt);
            }
        }
    }
}

/* Software TSO, checked segment by segment. */
static void
check_segments(bool ipv6, uint32_t payload, uint16_t mss, uint16_t flags)
{
    static uint8_t f[NAE_MAX_TSO_FRAME];
    uint32_t len = build_frame(f, ipv6, false, payload, 0xfffff000, flags);
    struct dp_packet *pkt = frame_packet(f, len);
    struct nae_l4_info info;
    struct nae_tso tso;
    uint32_t got = 0;

    ovs_assert(nae_l4_parse(f, len, &info));
    dp_packet_hwol_set_tcp_seg(pkt);
    dp_packet_hwol_set_csum_tcp(pkt);
#ifdef DPDK_NETDEV
    pkt->mbuf.tso_segsz = mss;
#endif
    ovs_assert(nae_offload_wants(pkt) == (NAE_F_CSUM | NAE_F_TSO));
    ovs_assert(nae_tso_start(&tso, pkt, MAX_FRAME));
    ovs_assert(tso.mss == MIN(mss, MAX_FRAME - info.hdr_len));
    ovs_assert(tso.n_segs == MAX(1, DIV_ROUND_UP(payload, tso.mss)));

    for (int i = 0; i < tso.n_segs; i++) {
        struct dp_packet *seg = dp_packet_new(MAX_FRAME);
        const uint8_t *s;
        uint32_t seg_len, seq;
        uint16_t seg_flags;

        nae_tso_segment_one(&tso, i, seg);
        s = dp_packet_data(seg);
        seg_len = dp_packet_size(seg) - info.hdr_len;
        ovs_assert(dp_packet_size(seg) <= MAX_FRAME);
        ovs_assert(seg_len == MIN(tso.mss, payload - got));
        ovs_assert(!memcmp(s + info.hdr_len, f + info.hdr_len + got,
                           seg_len));
        ovs_assert(!memcmp(s, f, info.l3_ofs));     /* Ethernet. */
        ovs_assert(csums_ok(s, dp_packet_size(seg)));
        seq = ((uint32_t) s[info.l4_ofs + 4] << 24
               | s[info.l4_ofs + 5] << 16 | s[info.l4_ofs + 6] << 8
               | s[info.l4_ofs + 7]);
        ovs_assert(seq == 0xfffff000 + got);        /* Wraps past 2^32. */
        seg_flags = (s[info.l4_ofs + 12] & 0xf) << 8 | s[info.l4_ofs + 13];
        ovs_assert(!!(seg_flags & TCP_FIN)
                   == (i == tso.n_segs - 1 && flags & TCP_FIN));
        ovs_assert(!!(seg_flags & TCP_PSH)
                   == (i == tso.n_segs - 1 && flags & TCP_PSH));
        ovs_assert(!!(seg_flags & TCP_CWR) == (!i && flags & TCP_CWR));
        ovs_assert(seg_flags & TCP_ACK);
        if (!ipv6) {
            ovs_assert((s[info.l3_ofs + 4] << 8 | s[info.l3_ofs + 5])
                       == ((0x1234 + i) & 0xffff));
        }
        ovs_assert(!memcmp(s + info.l4_ofs + 20, f + info.l4_ofs + 20, 12));
        ovs_assert(!nae_offload_wants(seg));
        got += seg_len;
        dp_packet_delete(seg);
    }
    ovs_assert(got == payload);
    dp_packet_delete(pkt);
}

static void
test_segment(void)
{
    check_segments(false, 64000, 1448, TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR);
    check_segments(true, 64000, 1428, TCP_ACK | TCP_PSH);
    check_segments(false, 1000, 1448, TCP_ACK | TCP_PSH);  /* One segment. */
    check_segments(false, 0, 1448, TCP_ACK | TCP_FIN);     /* No payload. */
    check_segments(false, 4345, 536, TCP_ACK);             /* Ragged end. */
    check_segments(false, 30000, 9000, TCP_ACK);           /* MSS > MTU. */

    /* Not TCP: nothing to cut. */
    uint8_t f[2048];
    uint32_t len = build_frame(f, false, true, 100, 0, 0);
    struct dp_packet *pkt = frame_packet(f, len);
    struct nae_tso tso;

    ovs_assert(!nae_tso_start(&tso, pkt, MAX_FRAME));
    dp_packet_delete(pkt);
}

/* --- Through the rings ---------------------------------------------- */

static void
chan_init(struct test_guest *tg, struct nae_rings *chan, uint64_t features)
{
    struct nae_chan_layout layout[NAE_MAX_CHANNELS];

    nae_rings_construct(chan);
    test_guest_init(tg, 32, features);
    ovs_assert(!nae_dev_layout(&tg->dev, layout));
    nae_rings_init(chan, &layout[0], MAX_FRAME);
}

/* The guest posts 'n' receive buffers of 'size' bytes each, from the
 * start of its buffer area. */
static void
post_rx(struct test_guest *tg, int n, uint16_t size)
{
    for (int i = 0; i < n; i++) {
        tg->rx_desc[i] = (struct nae_desc) {
            .data_addr = tg->bufs_gpa + (uint64_t) i * size, .length = size,
            .command = 0xffff,      /* The switch must overwrite it. */
        };
    }
    __atomic_store_n(&tg->rx_drv->tail, n, __ATOMIC_RELEASE);
}

static struct dp_packet *
tso_packet(uint32_t payload, uint16_t mss)
{
    static uint8_t f[NAE_MAX_TSO_FRAME];
    uint32_t len = build_frame(f, false, false, payload, 1000, TCP_ACK);
    struct dp_packet *pkt = frame_packet(f, len);

    dp_packet_hwol_set_tx_ipv4(pkt);
    dp_packet_hwol_set_csum_tcp(pkt);
    dp_packet_hwol_set_tcp_seg(pkt);
#ifdef DPDK_NETDEV
    pkt->mbuf.tso_segsz = mss;
#endif
    return pkt;
}

/* A guest with TSO gets the frame whole, with its commands; one without
 * gets it cut into segments in its own buffers, checksums right. */
static void
test_rings_tx(void)
{
    struct test_guest tg;
    struct nae_rings chan;
    struct dp_packet *pkt;

    chan_init(&tg, &chan, NAE_F_ALL & ~NAE_F_NOTIFY & ~NAE_F_SPLIT_HEADER);
    post_rx(&tg, 1, 65000);
    pkt = tso_packet(20000, 1000);
    ovs_assert(nae_rings_tx_burst(&chan, &tg.dev.mem.map, &pkt, 1) == 1);
    ovs_assert(tg.rx_desc[0].status == NAE_DESC_DONE);
    ovs_assert(tg.rx_desc[0].length == 20066);
    ovs_assert(tg.rx_desc[0].command == (NAE_CMD_CSUM | NAE_CMD_TSO));
    ovs_assert(tg.rx_desc[0].mss == 1000);
    ovs_assert(tg.rx_desc[0].csum_start == 34
               && tg.rx_desc[0].csum_offset == 16);
    ovs_assert(nae_stat_get(&chan.tx_stats.tso) == 1);
    dp_packet_delete(pkt);
    nae_rings_destroy(&chan);
    test_guest_destroy(&tg);

    chan_init(&tg, &chan, NAE_F_SPLIT_HEADER | NAE_F_MTU);
    post_rx(&tg, 20, 1600);
    for (int i = 0; i < 20; i++) {
        tg.rx_desc[i].header_addr = tg.bufs_gpa + 40000 + i * 64;
        tg.rx_desc[i].header_len = 64;
    }
    pkt = tso_packet(20000, 1000);
    ovs_assert(nae_rings_tx_burst(&chan, &tg.dev.mem.map, &pkt, 1) == 1);
    ovs_assert(tg.rx_dev->head == 20);
    ovs_assert(nae_stat_get(&chan.tx_stats.sw_tso) == 1);
    ovs_assert(nae_stat_get(&chan.tx_stats.sw_segs) == 20);
    for (int i = 0; i < 20; i++) {
        const struct nae_desc *d = &tg.rx_desc[i];
        uint8_t seg[MAX_FRAME];

        ovs_assert(d->status == NAE_DESC_DONE && d->command == 0);
        ovs_assert(d->header_len == 34 && d->length == 32 + 1000);
        memcpy(seg, tg.bufs + 40000 + i * 64, d->header_len);
        memcpy(seg + d->header_len, tg.bufs + i * 1600, d->length);
        ovs_assert(csums_ok(seg, d->header_len + d->length));
    }

    /* Too few buffers for all the segments: none is sent, the frame is
     * dropped as for a full ring. */
    for (int i = 20; i < 23; i++) {
        tg.rx_desc[i] = (struct nae_desc) {
            .header_addr = tg.bufs_gpa + 40000 + i * 64, .header_len = 64,
            .data_addr = tg.bufs_gpa + (i - 20) * 2048, .length = 2048,
        };
    }
    __atomic_store_n(&tg.rx_drv->tail, 23, __ATOMIC_RELEASE);
    ovs_assert(!nae_rings_tx_burst(&chan, &tg.dev.mem.map, &pkt, 1));
    ovs_assert(tg.rx_dev->head == 20);
    ovs_assert(nae_stat_get(&chan.tx_stats.drops[NAE_DROP_RX_FULL]) == 1);
    dp_packet_delete(pkt);

    /* A checksum left to a guest that took no offload is completed. */
    uint8_t f[2048], seg[2048];
    uint32_t len = build_frame(f, true, true, 333, 0, 0);
    const struct nae_desc *d = &tg.rx_desc[20];

    pkt = frame_packet(f, len);
    dp_packet_hwol_set_csum_udp(pkt);
    ovs_assert(nae_rings_tx_burst(&chan, &tg.dev.mem.map, &pkt, 1) == 1);
    ovs_assert(nae_stat_get(&chan.tx_stats.sw_csum) == 1);
    ovs_assert(d->status == NAE_DESC_DONE && d->command == 0);
    ovs_assert(d->header_len + d->length == len);
    memcpy(seg, tg.bufs + 40000 + 20 * 64, d->header_len);
    memcpy(seg + d->header_len, tg.bufs, d->length);
    ovs_assert(csums_ok(seg, len));
    dp_packet_delete(pkt);
    nae_rings_destroy(&chan);
    test_guest_destroy(&tg);
}

/* A guest lying in its offload fields is refused and counted; the ring
 * goes on. */
static void
test_rings_rx_hostile(void)
{
    struct dp_packet *pkts[NETDEV_MAX_BURST];
    struct test_guest tg;
    struct nae_rings chan;
    static uint8_t f[NAE_MAX_TSO_FRAME];
    uint32_t len = build_frame(f, false, false, 30000, 1, TCP_ACK);
    struct {
        uint16_t command, mss, csum_start, csum_offset;
        uint32_t len;
        uint32_t status;
    } cases[] = {
        { NAE_CMD_CSUM | NAE_CMD_TSO, 1448, 34, 16, 0, NAE_DESC_DONE },
        { NAE_CMD_CSUM | NAE_CMD_TSO, 0, 34, 16, 0, NAE_DESC_ERR_CMD },
        { NAE_CMD_CSUM | NAE_CMD_TSO, 1448, 34, 16, 60, NAE_DESC_ERR_CMD },
        { NAE_CMD_CSUM | NAE_CMD_TSO, 1448, 9000, 16, 0, NAE_DESC_ERR_CMD },
        { NAE_CMD_CSUM, 0, 34, 16, 0, NAE_DESC_ERR_LEN },   /* No TSO. */
        { NAE_CMD_NONE, 0, 0, 0, 0, NAE_DESC_ERR_LEN },
        { 1 << 7, 0, 0, 0, 100, NAE_DESC_ERR_CMD },         /* Unknown. */
        { NAE_CMD_CSUM | NAE_CMD_TSO, 1448, 34, 16, 0, NAE_DESC_DONE },
    };

    chan_init(&tg, &chan, NAE_F_ALL & ~NAE_F_NOTIFY);
    memcpy(tg.bufs, f, len);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        tg.tx_desc[i] = (struct nae_desc) {
            .data_addr = tg.bufs_gpa,
            .length = cases[i].len ? cases[i].len : len,
            .command = cases[i].command, .mss = cases[i].mss,
            .csum_start = cases[i].csum_start,
            .csum_offset = cases[i].csum_offset,
        };
    }
    __atomic_store_n(&tg.tx_drv->tail, ARRAY_SIZE(cases), __ATOMIC_RELEASE);

    int n = nae_rings_rx_pending(&chan);
    for (int i = 0; i < n; i++) {
        pkts[i] = dp_packet_new_with_headroom(NAE_MAX_TSO_FRAME, 128);
    }
    ovs_assert(nae_rings_rx_burst(&chan, &tg.dev.mem.map, pkts, n) == 2);
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        ovs_assert(tg.tx_desc[i].status == cases[i].status);
    }
    ovs_assert(dp_packet_hwol_is_tso(pkts[0]));
    ovs_assert(nae_stat_get(&chan.rx_stats.tso) == 2);
    ovs_assert(nae_stat_get(&chan.rx_stats.drops[NAE_DROP_BAD_OFFLOAD])
               == 3);
    ovs_assert(nae_stat_get(&chan.rx_stats.drops[NAE_DROP_BAD_LEN]) == 2);
    ovs_assert(nae_stat_get(&chan.rx_stats.drops[NAE_DROP_BAD_DESC]) == 1);
    for (int i = 0; i < n; i++) {
        dp_packet_delete(pkts[i]);
    }
    nae_rings_destroy(&chan);
    test_guest_destroy(&tg);

    /* A channel that did not negotiate TSO refuses the command and the
     * 64 KiB frame. */
    chan_init(&tg, &chan, NAE_F_SPLIT_HEADER | NAE_F_CSUM);
    memcpy(tg.bufs, f, len);
    tg.tx_desc[0] = (struct nae_desc) {
        .data_addr = tg.bufs_gpa, .length = len,
        .command = NAE_CMD_CSUM | NAE_CMD_TSO, .mss = 1448,
        .csum_start = 34, .csum_offset = 16,
    };
    __atomic_store_n(&tg.tx_drv->tail, 1, __ATOMIC_RELEASE);
    pkts[0] = dp_packet_new_with_headroom(NAE_MAX_TSO_FRAME, 128);
    ovs_assert(nae_rings_rx_pending(&chan) == 1);
    ovs_assert(!nae_rings_rx_burst(&chan, &tg.dev.mem.map, pkts, 1));
    ovs_assert(tg.tx_desc[0].status == NAE_DESC_ERR_CMD);
    dp_packet_delete(pkts[0]);
    nae_rings_destroy(&chan);
    test_guest_destroy(&tg);
}

static void
test_nae_offload_main(int argc, char *argv[])
{
    static const struct test_case tests[] = {
        { "parse", test_parse },
        { "from-guest", test_from_guest },
        { "csum", test_csum },
        { "segment", test_segment },
        { "rings-tx", test_rings_tx },
        { "rings-rx-hostile", test_rings_rx_hostile },
    };

    test_run(argc, argv, tests, ARRAY_SIZE(tests));
}

OVSTEST_REGISTER("test-nae-offload", test_nae_offload_main);
