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

/* Split-I/O frames and message headers.  See splitio-wire.h. */

#include "splitio-wire.h"

#include <string.h>

const char *
sio_parse_result_name(enum sio_parse_result r)
{
    switch (r) {
    case SIO_PARSE_OK: return "ok";
    case SIO_PARSE_ARP: return "arp";
    case SIO_PARSE_NOT_OURS: return "not_tcp";
    case SIO_PARSE_TRUNCATED: return "truncated";
    case SIO_PARSE_BAD_IP_HDR: return "bad_ip_header";
    case SIO_PARSE_IP_OPTIONS: return "ip_options";
    case SIO_PARSE_FRAGMENT: return "ip_fragment";
    case SIO_PARSE_BAD_IP_CSUM: return "bad_ip_csum";
    case SIO_PARSE_BAD_TCP_HDR: return "bad_tcp_header";
    case SIO_PARSE_BAD_TCP_CSUM: return "bad_tcp_csum";
    case SIO_PARSE_N_RESULTS: break;
    }
    return "unknown";
}

const char *
sio_msg_error_name(enum sio_msg_error e)
{
    switch (e) {
    case SIO_MSG_OK: return "ok";
    case SIO_MSG_BAD_MAGIC: return "bad_magic";
    case SIO_MSG_BAD_VERSION: return "bad_version";
    case SIO_MSG_BAD_TYPE: return "bad_type";
    case SIO_MSG_BAD_LENGTH: return "bad_length";
    case SIO_MSG_BAD_CRC: return "bad_crc";
    case SIO_MSG_N_ERRORS: break;
    }
    return "unknown";
}

/* One's-complement sum of 'len' bytes, big-endian 16-bit words, added to
 * 'sum'.  An odd trailing byte is the high byte of a last word, so a piece
 * of odd length must be the last one summed. */
uint32_t
sio_csum_add(uint32_t sum, const void *data_, size_t len)
{
    const uint8_t *p = data_;
    uint64_t acc = sum;

    while (len >= 8) {
        acc += (uint32_t) (p[0] << 8 | p[1]) + (uint32_t) (p[2] << 8 | p[3])
               + (uint32_t) (p[4] << 8 | p[5])
               + (uint32_t) (p[6] << 8 | p[7]);
        p += 8;
        len -= 8;
    }
    while (len >= 2) {
        acc += (uint32_t) (p[0] << 8 | p[1]);
        p += 2;
        len -= 2;
    }
    if (len) {
        acc += (uint32_t) p[0] << 8;
    }
    while (acc >> 32) {
        acc = (acc & 0xffffffff) + (acc >> 32);
    }
    return acc;
}

uint16_t
sio_csum_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return ~sum & 0xffff;
}

static uint32_t
sio_pseudo_sum(const uint8_t *ip_hdr, uint32_t tcp_len)
{
    /* Source and destination addresses, zero + protocol, TCP length. */
    uint32_t sum = sio_csum_add(0, ip_hdr + 12, 8);

    return sum + 6 + tcp_len;
}

enum sio_parse_result
sio_parse_frame(const uint8_t *f, size_t len, struct sio_seg *seg,
                struct sio_arp *arp)
{
    if (len < SIO_ETH_HLEN) {
        return SIO_PARSE_TRUNCATED;
    }
    uint16_t ethertype = sio_get16(f + 12);
    if (ethertype == SIO_ETHERTYPE_ARP) {
        const uint8_t *a = f + SIO_ETH_HLEN;

        if (len < SIO_ETH_HLEN + 28) {
            return SIO_PARSE_TRUNCATED;
        }
        /* Ethernet (1), IPv4, 6-byte and 4-byte addresses only. */
        if (sio_get16(a) != 1 || sio_get16(a + 2) != SIO_ETHERTYPE_IPV4
            || a[4] != 6 || a[5] != 4) {
            return SIO_PARSE_NOT_OURS;
        }
        arp->op = sio_get16(a + 6);
        memcpy(arp->sha, a + 8, 6);
        memcpy(&arp->spa, a + 14, 4);
        memcpy(arp->tha, a + 18, 6);
        memcpy(&arp->tpa, a + 24, 4);
        return SIO_PARSE_ARP;
    }
    if (ethertype != SIO_ETHERTYPE_IPV4) {
        return SIO_PARSE_NOT_OURS;
    }

    const uint8_t *ip = f + SIO_ETH_HLEN;
    size_t ip_room = len - SIO_ETH_HLEN;
    if (ip_room < SIO_IP_HLEN) {
        return SIO_PARSE_TRUNCATED;
    }
    if (ip[0] >> 4 != 4) {
        return SIO_PARSE_BAD_IP_HDR;
    }
    if (ip[9] != 6) {
        return SIO_PARSE_NOT_OURS;
    }
    if ((ip[0] & 0xf) != 5) {
        return (ip[0] & 0xf) < 5 ? SIO_PARSE_BAD_IP_HDR
                                 : SIO_PARSE_IP_OPTIONS;
    }
    uint16_t tot_len = sio_get16(ip + 2);
    if (tot_len < SIO_IP_HLEN + SIO_TCP_HLEN) {
        return SIO_PARSE_BAD_IP_HDR;
    }
    if (tot_len > ip_room) {
        return SIO_PARSE_TRUNCATED;
    }
    /* Frames shorter than 60 bytes are padded; the IP length rules. */
    if (sio_get16(ip + 6) & 0x3fff) {
        return SIO_PARSE_FRAGMENT;
    }
    if (sio_csum_fold(sio_csum_add(0, ip, SIO_IP_HLEN))) {
        return SIO_PARSE_BAD_IP_CSUM;
    }

    const uint8_t *tcp = ip + SIO_IP_HLEN;
    uint32_t tcp_len = tot_len - SIO_IP_HLEN;
    uint32_t doff = (tcp[12] >> 4) * 4;
    if (doff < SIO_TCP_HLEN || doff > tcp_len) {
        return SIO_PARSE_BAD_TCP_HDR;
    }
    if (sio_csum_fold(sio_csum_add(sio_pseudo_sum(ip, tcp_len),
                                   tcp, tcp_len))) {
        return SIO_PARSE_BAD_TCP_CSUM;
    }

    uint8_t flags = tcp[13];
    /* SYN+FIN, SYN+RST and a segment without any of SYN/RST/ACK are
     * never valid (the combinations conntrack calls INVALID). */
    if ((flags & SIO_TCP_SYN && flags & (SIO_TCP_FIN | SIO_TCP_RST))
        || !(flags & (SIO_TCP_SYN | SIO_TCP_RST | SIO_TCP_ACK))) {
        return SIO_PARSE_BAD_TCP_HDR;
    }

    memcpy(seg->eth_dst, f, 6);
    memcpy(seg->eth_src, f + 6, 6);
    memcpy(&seg->ip_src, ip + 12, 4);
    memcpy(&seg->ip_dst, ip + 16, 4);
    seg->sport = sio_get16(tcp);
    seg->dport = sio_get16(tcp + 2);
    seg->seq = sio_get32(tcp + 4);
    seg->ack = sio_get32(tcp + 8);
    seg->flags = flags;
    seg->window = sio_get16(tcp + 14);
    seg->mss = 0;
    seg->wscale = -1;

    /* Options: only MSS and window scale mean anything to us; others are
     * skipped, malformed lengths refused. */
    const uint8_t *o = tcp + SIO_TCP_HLEN;
    const uint8_t *end = tcp + doff;
    while (o < end) {
        if (o[0] == 0) {            /* End of options. */
            break;
        } else if (o[0] == 1) {     /* NOP. */
            o++;
            continue;
        }
        if (end - o < 2 || o[1] < 2 || o[1] > end - o) {
            return SIO_PARSE_BAD_TCP_HDR;
        }
        if (o[0] == 2 && o[1] == 4) {
            seg->mss = sio_get16(o + 2);
        } else if (o[0] == 3 && o[1] == 3) {
            seg->wscale = o[2] > 14 ? 14 : o[2];
        }
        o += o[1];
    }

    seg->payload = tcp + doff;
    seg->payload_len = tcp_len - doff;
    return SIO_PARSE_OK;
}

static void
sio_put_eth(uint8_t *f, const uint8_t dst[6], const uint8_t src[6],
            uint16_t ethertype)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    sio_put16(f + 12, ethertype);
}

size_t
sio_build_frame(uint8_t *f, size_t cap, const struct sio_seg_out *o)
{
    uint32_t optlen = o->mss ? SIO_TCP_SYN_OPTLEN : 0;
    uint32_t data_len = o->data_len[0] + o->data_len[1];
    uint32_t tcp_len = SIO_TCP_HLEN + optlen + data_len;
    size_t len = SIO_ETH_HLEN + SIO_IP_HLEN + tcp_len;

    if (len > cap || SIO_IP_HLEN + tcp_len > 0xffff) {
        return 0;
    }

    sio_put_eth(f, o->dst->mac, o->src->mac, SIO_ETHERTYPE_IPV4);

    uint8_t *ip = f + SIO_ETH_HLEN;
    ip[0] = 0x45;
    ip[1] = 0;
    sio_put16(ip + 2, SIO_IP_HLEN + tcp_len);
    sio_put16(ip + 4, o->ip_id);
    sio_put16(ip + 6, 0x4000);      /* DF. */
    ip[8] = 64;
    ip[9] = 6;
    sio_put16(ip + 10, 0);
    memcpy(ip + 12, &o->src->ip, 4);
    memcpy(ip + 16, &o->dst->ip, 4);
    sio_put16(ip + 10, sio_csum_fold(sio_csum_add(0, ip, SIO_IP_HLEN)));

    uint8_t *tcp = ip + SIO_IP_HLEN;
    sio_put16(tcp, o->src->port);
    sio_put16(tcp + 2, o->dst->port);
    sio_put32(tcp + 4, o->seq);
    sio_put32(tcp + 8, o->flags & SIO_TCP_ACK ? o->ack : 0);
    tcp[12] = ((SIO_TCP_HLEN + optlen) / 4) << 4;
    tcp[13] = o->flags;
    sio_put16(tcp + 14, o->window);
    sio_put16(tcp + 16, 0);
    sio_put16(tcp + 18, 0);
    if (optlen) {
        uint8_t *opt = tcp + SIO_TCP_HLEN;
        opt[0] = 2;
        opt[1] = 4;
        sio_put16(opt + 2, o->mss);
        opt[4] = 1;
        opt[5] = 3;
        opt[6] = 3;
        opt[7] = o->wscale;
    }

    uint8_t *payload = tcp + SIO_TCP_HLEN + optlen;
    if (o->data_len[0]) {
        memcpy(payload, o->data[0], o->data_len[0]);
    }
    if (o->data_len[1]) {
        memcpy(payload + o->data_len[0], o->data[1], o->data_len[1]);
    }
    sio_put16(tcp + 16, sio_csum_fold(sio_csum_add(sio_pseudo_sum(ip, tcp_len),
                                                   tcp, tcp_len)));
    return len;
}

size_t
sio_build_arp_reply(uint8_t *f, const struct sio_arp *req,
                    const struct sio_endpoint *self)
{
    uint8_t *a = f + SIO_ETH_HLEN;

    sio_put_eth(f, req->sha, self->mac, SIO_ETHERTYPE_ARP);
    sio_put16(a, 1);
    sio_put16(a + 2, SIO_ETHERTYPE_IPV4);
    a[4] = 6;
    a[5] = 4;
    sio_put16(a + 6, 2);
    memcpy(a + 8, self->mac, 6);
    memcpy(a + 14, &self->ip, 4);
    memcpy(a + 18, req->sha, 6);
    memcpy(a + 24, &req->spa, 4);
    memset(a + 28, 0, 60 - SIO_ETH_HLEN - 28);
    return 60;
}

size_t
sio_build_rst_reply(uint8_t *f, size_t cap, const struct sio_seg *in,
                    const uint8_t self_mac[6])
{
    struct sio_endpoint src = { .ip = in->ip_dst, .port = in->dport };
    struct sio_endpoint dst = { .ip = in->ip_src, .port = in->sport };
    struct sio_seg_out o = { .src = &src, .dst = &dst };

    if (in->flags & SIO_TCP_RST) {
        return 0;
    }
    memcpy(src.mac, self_mac, 6);
    memcpy(dst.mac, in->eth_src, 6);
    if (in->flags & SIO_TCP_ACK) {
        o.seq = in->ack;
        o.flags = SIO_TCP_RST;
    } else {
        o.seq = 0;
        o.ack = in->seq + in->payload_len
                + !!(in->flags & SIO_TCP_SYN) + !!(in->flags & SIO_TCP_FIN);
        o.flags = SIO_TCP_RST | SIO_TCP_ACK;
    }
    return sio_build_frame(f, cap, &o);
}

/* CRC32C: the SSE4.2 instruction where the CPU has it, else slice-by-8
 * tables built on first use (the guest frontend must run on any CPU). */
static uint32_t crc32c_table[8][256];
static bool crc32c_ready;

static void
sio_crc32c_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = c & 1 ? (c >> 1) ^ 0x82f63b78 : c >> 1;
        }
        crc32c_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        for (int t = 1; t < 8; t++) {
            uint32_t prev = crc32c_table[t - 1][i];
            crc32c_table[t][i] = (prev >> 8) ^ crc32c_table[0][prev & 0xff];
        }
    }
    __atomic_store_n(&crc32c_ready, true, __ATOMIC_RELEASE);
}

#if defined(__x86_64__)
/* The SSE4.2 crc32 instruction computes exactly CRC32C, 8 bytes a cycle
 * or so: several times the tables' speed, on both ends of the stream. */
__attribute__((target("sse4.2")))
static uint32_t
sio_crc32c_sse42(uint32_t crc, const uint8_t *p, size_t len)
{
    uint64_t c = ~crc;

    while (len >= 8) {
        uint64_t v;

        memcpy(&v, p, 8);
        c = __builtin_ia32_crc32di(c, v);
        p += 8;
        len -= 8;
    }
    uint32_t c32 = c;
    while (len--) {
        c32 = __builtin_ia32_crc32qi(c32, *p++);
    }
    return ~c32;
}
#endif

uint32_t
sio_crc32c(uint32_t crc, const void *data_, size_t len)
{
    const uint8_t *p = data_;

#if defined(__x86_64__)
    static int have_sse42 = -1;

    if (have_sse42 < 0) {
        /* Idempotent: racing threads compute the same answer. */
        __builtin_cpu_init();
        have_sse42 = __builtin_cpu_supports("sse4.2");
    }
    if (have_sse42) {
        return sio_crc32c_sse42(crc, p, len);
    }
#endif
    if (!__atomic_load_n(&crc32c_ready, __ATOMIC_ACQUIRE)) {
        /* Idempotent: racing threads compute identical tables. */
        sio_crc32c_init();
    }
    crc = ~crc;
    while (len >= 8) {
        uint32_t lo = crc ^ ((uint32_t) p[0] | (uint32_t) p[1] << 8
                             | (uint32_t) p[2] << 16
                             | (uint32_t) p[3] << 24);
        crc = crc32c_table[7][lo & 0xff] ^ crc32c_table[6][(lo >> 8) & 0xff]
              ^ crc32c_table[5][(lo >> 16) & 0xff]
              ^ crc32c_table[4][lo >> 24]
              ^ crc32c_table[3][p[4]] ^ crc32c_table[2][p[5]]
              ^ crc32c_table[1][p[6]] ^ crc32c_table[0][p[7]];
        p += 8;
        len -= 8;
    }
    while (len--) {
        crc = (crc >> 8) ^ crc32c_table[0][(crc ^ *p++) & 0xff];
    }
    return ~crc;
}

/* Largest body each message type may carry, and smallest. */
static bool
sio_msg_length_ok(uint16_t type, uint32_t length)
{
    switch (type) {
    case SIO_MSG_HELLO:
        return length == SIO_HELLO_LEN;
    case SIO_MSG_NET_FRAME:
        return length >= SIO_NET_FRAME_MIN && length <= SIO_NET_FRAME_MAX;
    case SIO_MSG_BLK_READ:
        return length == SIO_BLK_REQ_LEN;
    case SIO_MSG_BLK_WRITE:
        return length > SIO_BLK_REQ_LEN
               && length <= SIO_BLK_REQ_LEN + SIO_BLK_MAX_REQ;
    case SIO_MSG_BLK_FLUSH:
        return length == 0;
    case SIO_MSG_BLK_DONE:
        return length >= SIO_BLK_DONE_LEN
               && length <= SIO_BLK_DONE_LEN + SIO_BLK_MAX_REQ;
    }
    return false;
}

enum sio_msg_error
sio_msg_decode(const uint8_t *p, struct sio_msg *m)
{
    if (p[0] != SIO_MSG_MAGIC) {
        return SIO_MSG_BAD_MAGIC;
    }
    if (p[1] != SIO_MSG_VERSION) {
        return SIO_MSG_BAD_VERSION;
    }
    m->type = sio_get16(p + 2);
    if (m->type < SIO_MSG_HELLO || m->type > SIO_MSG_BLK_DONE) {
        return SIO_MSG_BAD_TYPE;
    }
    m->length = sio_get32(p + 4);
    if (!sio_msg_length_ok(m->type, m->length) || sio_get32(p + 20)) {
        return SIO_MSG_BAD_LENGTH;
    }
    m->req_id = sio_get64(p + 8);
    m->crc = sio_get32(p + 16);
    return SIO_MSG_OK;
}

static uint32_t
sio_msg_crc(const uint8_t *hdr, const void *body1, uint32_t len1,
            const void *body2, uint32_t len2)
{
    static const uint8_t zero[4];
    uint32_t crc = sio_crc32c(0, hdr, 16);

    crc = sio_crc32c(crc, zero, 4);
    crc = sio_crc32c(crc, hdr + 20, 4);
    crc = sio_crc32c(crc, body1, len1);
    return sio_crc32c(crc, body2, len2);
}

bool
sio_msg_check_crc(const uint8_t *hdr, const struct sio_msg *m,
                  const uint8_t *body)
{
    return sio_msg_crc(hdr, body, m->length, NULL, 0) == m->crc;
}

void
sio_msg_encode(uint8_t *p, uint16_t type, uint64_t req_id,
               const void *body1, uint32_t len1,
               const void *body2, uint32_t len2)
{
    p[0] = SIO_MSG_MAGIC;
    p[1] = SIO_MSG_VERSION;
    sio_put16(p + 2, type);
    sio_put32(p + 4, len1 + len2);
    sio_put64(p + 8, req_id);
    sio_put32(p + 16, 0);
    sio_put32(p + 20, 0);
    sio_put32(p + 16, sio_msg_crc(p, body1, len1, body2, len2));
}

void
sio_hello_encode(uint8_t *p, const struct sio_hello *h)
{
    memcpy(p, h->mac, 6);
    sio_put16(p + 6, h->mtu);
    sio_put64(p + 8, h->blk_capacity);
    sio_put32(p + 16, h->blk_size);
    sio_put32(p + 20, h->blk_flags);
    sio_put32(p + 24, h->blk_max_req);
    sio_put32(p + 28, h->blk_max_outstanding);
}

void
sio_hello_decode(const uint8_t *p, struct sio_hello *h)
{
    memcpy(h->mac, p, 6);
    h->mtu = sio_get16(p + 6);
    h->blk_capacity = sio_get64(p + 8);
    h->blk_size = sio_get32(p + 16);
    h->blk_flags = sio_get32(p + 20);
    h->blk_max_req = sio_get32(p + 24);
    h->blk_max_outstanding = sio_get32(p + 28);
}
