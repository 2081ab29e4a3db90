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

#ifndef SPLITIO_WIRE_H
#define SPLITIO_WIRE_H 1

/* The split-I/O wire format (docs/splitio-protocol.md, sections 2 and 6):
 * Ethernet/IPv4/TCP frames carrying a byte stream of messages.  This file
 * only parses and builds frames and message headers; the connection state
 * machine is splitio-conn.h.
 *
 * Like nae-abi.h, it is shared unchanged by lib/ (the I/O host, inside
 * ovs-vswitchd) and guest/ (the frontend), so it depends only on the C
 * library.  Every function here takes untrusted bytes and never reads past
 * the length it is given. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIO_ETH_HLEN 14
#define SIO_IP_HLEN 20
#define SIO_TCP_HLEN 20
#define SIO_TCP_SYN_OPTLEN 8    /* MSS (4), NOP, window scale (3). */
#define SIO_HDRS_LEN (SIO_ETH_HLEN + SIO_IP_HLEN + SIO_TCP_HLEN)
#define SIO_MAX_HDRS_LEN (SIO_HDRS_LEN + SIO_TCP_SYN_OPTLEN)

#define SIO_ETHERTYPE_IPV4 0x0800
#define SIO_ETHERTYPE_ARP 0x0806

/* TCP flags. */
#define SIO_TCP_FIN 0x01
#define SIO_TCP_SYN 0x02
#define SIO_TCP_RST 0x04
#define SIO_TCP_PSH 0x08
#define SIO_TCP_ACK 0x10

/* One end of a connection.  'ip' is in network byte order (as on the wire
 * and in struct in_addr); 'port' in host byte order. */
struct sio_endpoint {
    uint8_t mac[6];
    uint32_t ip;
    uint16_t port;
};

/* Why a frame was refused by sio_parse_frame().  SIO_PARSE_OK and
 * SIO_PARSE_ARP are not errors; SIO_PARSE_NOT_OURS is for frames that are
 * not IPv4/TCP at all (counted, but nothing a peer did wrong). */
enum sio_parse_result {
    SIO_PARSE_OK,
    SIO_PARSE_ARP,
    SIO_PARSE_NOT_OURS,         /* Not ARP, not IPv4, or IPv4 but not TCP. */
    SIO_PARSE_TRUNCATED,        /* Shorter than its headers claim. */
    SIO_PARSE_BAD_IP_HDR,       /* Version, IHL or total length wrong. */
    SIO_PARSE_IP_OPTIONS,       /* IHL != 5. */
    SIO_PARSE_FRAGMENT,         /* MF set or fragment offset != 0. */
    SIO_PARSE_BAD_IP_CSUM,
    SIO_PARSE_BAD_TCP_HDR,      /* Data offset out of range, bad options,
                                 * forbidden flag combination. */
    SIO_PARSE_BAD_TCP_CSUM,
    SIO_PARSE_N_RESULTS
};

const char *sio_parse_result_name(enum sio_parse_result);

/* A parsed, checksum-verified TCP segment.  'payload' points into the frame
 * given to sio_parse_frame(). */
struct sio_seg {
    uint8_t eth_dst[6];
    uint8_t eth_src[6];
    uint32_t ip_src, ip_dst;    /* Network byte order. */
    uint16_t sport, dport;      /* Host byte order. */
    uint32_t seq, ack;
    uint16_t window;            /* As on the wire, not scaled. */
    uint8_t flags;
    uint16_t mss;               /* 0 if the option is absent. */
    int8_t wscale;              /* -1 if the option is absent. */
    const uint8_t *payload;
    uint32_t payload_len;
};

/* An ARP request or reply, IPv4 over Ethernet. */
struct sio_arp {
    uint16_t op;                /* 1 request, 2 reply. */
    uint8_t sha[6];
    uint32_t spa;               /* Network byte order. */
    uint8_t tha[6];
    uint32_t tpa;               /* Network byte order. */
};

enum sio_parse_result sio_parse_frame(const uint8_t *frame, size_t len,
                                      struct sio_seg *, struct sio_arp *);

/* What sio_build_frame() writes. */
struct sio_seg_out {
    const struct sio_endpoint *src, *dst;
    uint16_t ip_id;
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t window;            /* Already scaled down. */
    uint16_t mss;               /* Non-zero: add the SYN options. */
    uint8_t wscale;
    /* Payload, in up to two pieces (a ring buffer's wrap). */
    const uint8_t *data[2];
    uint32_t data_len[2];
};

/* Writes the whole frame into 'buf' and returns its length, or 0 if 'cap'
 * is too small.  Computes both checksums. */
size_t sio_build_frame(uint8_t *buf, size_t cap, const struct sio_seg_out *);

/* Writes an ARP reply to 'req' from 'self' into 'buf' (at least 60 bytes),
 * returns its length. */
size_t sio_build_arp_reply(uint8_t *buf, const struct sio_arp *req,
                           const struct sio_endpoint *self);

/* Writes a RST answering 'seg' (RFC 9293 3.10.7.1: a segment for no
 * connection), from 'self', returns its length.  Never answers a RST. */
size_t sio_build_rst_reply(uint8_t *buf, size_t cap, const struct sio_seg *,
                           const uint8_t self_mac[6]);

/* Internet checksum helpers. */
uint32_t sio_csum_add(uint32_t sum, const void *data, size_t len);
uint16_t sio_csum_fold(uint32_t sum);

/* CRC32C (Castagnoli), as used by the message layer. */
uint32_t sio_crc32c(uint32_t crc, const void *data, size_t len);

/* The message layer (docs/splitio-protocol.md, section 6). */
#define SIO_MSG_MAGIC 0x53
#define SIO_MSG_VERSION 1
#define SIO_MSG_HLEN 24

enum sio_msg_type {
    SIO_MSG_HELLO = 1,
    SIO_MSG_NET_FRAME = 2,
    SIO_MSG_BLK_READ = 3,
    SIO_MSG_BLK_WRITE = 4,
    SIO_MSG_BLK_FLUSH = 5,
    SIO_MSG_BLK_DONE = 6,
};

#define SIO_NET_FRAME_MIN 14
#define SIO_NET_FRAME_MAX 9216
#define SIO_BLK_MAX_REQ (128 * 1024)    /* Largest read or write. */
#define SIO_BLK_MAX_OUTSTANDING 128
#define SIO_MSG_BODY_MAX (SIO_BLK_MAX_REQ + 16)

/* A message header in host byte order. */
struct sio_msg {
    uint16_t type;
    uint32_t length;
    uint64_t req_id;
    uint32_t crc;
};

/* HELLO body: the devices the I/O host offers. */
#define SIO_HELLO_LEN 32
#define SIO_HELLO_BLK_RO 0x1
struct sio_hello {
    uint8_t mac[6];
    uint16_t mtu;
    uint64_t blk_capacity;      /* Bytes; 0: no block device. */
    uint32_t blk_size;          /* Logical block size. */
    uint32_t blk_flags;         /* SIO_HELLO_BLK_*. */
    uint32_t blk_max_req;
    uint32_t blk_max_outstanding;
};

/* BLK_READ / BLK_WRITE body prefix; BLK_DONE body prefix. */
#define SIO_BLK_REQ_LEN 16
#define SIO_BLK_DONE_LEN 8

/* Why a message header was refused. */
enum sio_msg_error {
    SIO_MSG_OK,
    SIO_MSG_BAD_MAGIC,
    SIO_MSG_BAD_VERSION,
    SIO_MSG_BAD_TYPE,
    SIO_MSG_BAD_LENGTH,
    SIO_MSG_BAD_CRC,
    SIO_MSG_N_ERRORS
};

const char *sio_msg_error_name(enum sio_msg_error);

/* Decodes and checks the 24-byte header at 'p' (everything but the CRC,
 * which needs the body: see sio_msg_check_crc()). */
enum sio_msg_error sio_msg_decode(const uint8_t *p, struct sio_msg *);

/* Checks 'm->crc' over the header bytes 'hdr' and the body. */
bool sio_msg_check_crc(const uint8_t *hdr, const struct sio_msg *,
                       const uint8_t *body);

/* Encodes a header for a body given in up to two pieces, CRC included. */
void sio_msg_encode(uint8_t *p, uint16_t type, uint64_t req_id,
                    const void *body1, uint32_t len1,
                    const void *body2, uint32_t len2);

void sio_hello_encode(uint8_t *p, const struct sio_hello *);
void sio_hello_decode(const uint8_t *p, struct sio_hello *);

/* Big-endian field helpers. */
static inline void
sio_put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static inline void
sio_put32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static inline void
sio_put64(uint8_t *p, uint64_t v)
{
    sio_put32(p, v >> 32);
    sio_put32(p + 4, v);
}

static inline uint16_t
sio_get16(const uint8_t *p)
{
    return (uint16_t) (p[0] << 8 | p[1]);
}

static inline uint32_t
sio_get32(const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
           | (uint32_t) p[2] << 8 | p[3];
}

static inline uint64_t
sio_get64(const uint8_t *p)
{
    return (uint64_t) sio_get32(p) << 32 | sio_get32(p + 4);
}

#endif /* splitio-wire.h */
