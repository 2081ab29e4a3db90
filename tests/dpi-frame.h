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

#ifndef DPI_FRAME_H
#define DPI_FRAME_H 1

/* Frames for the DPI engine's tests and fuzz targets: Ethernet + IPv4 or
 * IPv6 (optionally with a destination options header) + TCP or UDP, with
 * good checksums.  Header-only and libc-only, so that both the ovstest
 * unit tests and the libFuzzer targets (which link no OVS) use it. */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct dpi_frame {
    uint8_t data[1600];
    size_t len;
};

/* What a frame carries.  Addresses are the last byte of 10.0.0.X or
 * 2001:db8::X. */
struct dpi_frame_spec {
    int proto;                  /* 6 (TCP) or 17 (UDP). */
    bool ipv6;
    bool dstopts;               /* IPv6: a destination options header. */
    int src, sport, dst, dport;
    uint32_t seq, ack;
    uint8_t flags;
    const uint8_t *payload;
    size_t len;
};

static inline uint32_t
dpi_frame_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += (p[i] << 8) | p[i + 1];
    }
    if (len & 1) {
        sum += p[len - 1] << 8;
    }
    return sum;
}

static inline uint16_t
dpi_frame_csum_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum;
}

/* Builds the frame 's' describes into 'f'. */
static inline void
dpi_frame_build(struct dpi_frame *f, const struct dpi_frame_spec *s)
{
    size_t l4_hlen = s->proto == 6 ? 20 : 8;
    size_t ext = s->ipv6 && s->dstopts ? 8 : 0;
    size_t l4_len = l4_hlen + s->len;
    uint8_t *ip = f->data + 14, *src, *dst, *l4;
    size_t alen;

    memset(f->data, 0, sizeof f->data);
    if (s->ipv6) {
        f->data[12] = 0x86;
        f->data[13] = 0xdd;
        ip[0] = 0x60;
        ip[4] = (ext + l4_len) >> 8;
        ip[5] = ext + l4_len;
        ip[6] = ext ? 60 : s->proto;
        ip[7] = 64;
        src = ip + 8;
        dst = ip + 24;
        src[0] = dst[0] = 0x20;
        src[1] = dst[1] = 0x01;
        src[2] = dst[2] = 0x0d;
        src[3] = dst[3] = 0xb8;
        src[15] = s->src;
        dst[15] = s->dst;
        alen = 16;
        l4 = ip + 40;
        if (ext) {
            l4[0] = s->proto;   /* Next header. */
            l4[2] = 1;          /* PadN over the other 4 bytes. */
            l4[3] = 4;
            l4 += 8;
        }
        f->len = 14 + 40 + ext + l4_len;
    } else {
        f->data[12] = 0x08;
        ip[0] = 0x45;
        ip[2] = (20 + l4_len) >> 8;
        ip[3] = 20 + l4_len;
        ip[8] = 64;
        ip[9] = s->proto;
        src = ip + 12;
        dst = ip + 16;
        src[0] = dst[0] = 10;
        src[3] = s->src;
        dst[3] = s->dst;
        alen = 4;
        l4 = ip + 20;
        uint16_t c = dpi_frame_csum_fold(dpi_frame_csum_add(0, ip, 20));
        ip[10] = c >> 8;
        ip[11] = c;
        f->len = 14 + 20 + l4_len;
    }

    l4[0] = s->sport >> 8;
    l4[1] = s->sport;
    l4[2] = s->dport >> 8;
    l4[3] = s->dport;
    if (s->len) {
        memcpy(l4 + l4_hlen, s->payload, s->len);
    }
    if (s->proto == 6) {
        uint32_t sum;
        uint16_t c;

        for (int i = 0; i < 4; i++) {
            l4[4 + i] = s->seq >> (24 - 8 * i);
            l4[8 + i] = s->ack >> (24 - 8 * i);
        }
        l4[12] = 5 << 4;
        l4[13] = s->flags;
        sum = dpi_frame_csum_add(dpi_frame_csum_add(0, src, alen), dst, alen);
        sum += 6 + (uint32_t) l4_len;
        c = dpi_frame_csum_fold(dpi_frame_csum_add(sum, l4, l4_len));
        l4[16] = c >> 8;
        l4[17] = c;
    } else {
        l4[4] = l4_len >> 8;
        l4[5] = l4_len;
    }
}

/* Offset of the TCP or UDP header in a frame built from 's'. */
static inline size_t
dpi_frame_l4_offset(const struct dpi_frame_spec *s)
{
    return 14 + (s->ipv6 ? 40 + (s->dstopts ? 8 : 0) : 20);
}

#endif /* dpi-frame.h */
