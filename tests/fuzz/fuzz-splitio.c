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

/* libFuzzer target: the split-I/O wire parser and connection engine, as an
 * I/O host sees them from the wire.
 *
 * Each run sets up a host (passive) and a guest (active) connection and
 * completes their handshake, then plays the input as records:
 *
 *   0, n, bytes[n]        a raw frame for the host (the parser's path)
 *   1, seq(4), ack(4),    a well-formed segment on the connection's
 *   flags, n, bytes[n]    4-tuple, seq/ack relative to the host's
 *                         RCV.NXT/SND.UNA (the engine's paths)
 *   2, ms                 time passes; both sides send what they have
 *   3, n                  the guest sends a message of n * 97 bytes
 *
 * Every frame either side emits must parse as valid TCP, and every message
 * the host delivers must be within its type's bounds. */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "splitio-conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BUF (256 * 1024)

struct peer {
    struct sio_conn conn;
    uint8_t *mem;
    uint64_t rng;
};

static bool
deliver(void *aux, const struct sio_msg *m, const uint8_t *body)
{
    volatile uint8_t sink = 0;

    (void) aux;
    if (m->length > SIO_MSG_BODY_MAX) {
        abort();
    }
    for (uint32_t i = 0; i < m->length; i += 512) {
        sink ^= body[i];
    }
    if (m->length) {
        sink ^= body[m->length - 1];
    }
    (void) sink;
    return true;
}

static uint32_t
random32(void *aux)
{
    struct peer *p = aux;

    p->rng = p->rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return p->rng >> 32;
}

static const struct sio_conn_ops ops = {
    .deliver = deliver,
    .random = random32,
};

static void
check_frame(const uint8_t *f, size_t n)
{
    struct sio_seg seg;
    struct sio_arp arp;

    if (sio_parse_frame(f, n, &seg, &arp) != SIO_PARSE_OK) {
        abort();
    }
}

/* Moves everything 'from' has to send into 'to'. */
static void
pump(struct peer *from, struct peer *to, uint64_t now)
{
    static uint8_t f[2048];
    size_t n;
    int limit = 256;

    while (limit-- && (n = sio_conn_output(&from->conn, f, sizeof f, now))) {
        struct sio_seg seg;
        struct sio_arp arp;

        check_frame(f, n);
        if (sio_parse_frame(f, n, &seg, &arp) == SIO_PARSE_OK
            && sio_conn_owns(&to->conn, &seg)) {
            sio_conn_input(&to->conn, &seg, now);
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct peer host, guest;
    static uint8_t frame[2048];
    struct sio_conn_cfg cfg = { .mtu = 1500, .buf_size = BUF };
    uint64_t now = 1000000;

    if (!host.mem) {
        host.mem = malloc(sio_conn_mem_size(&cfg));
        guest.mem = malloc(sio_conn_mem_size(&cfg));
    }
    host.rng = 1;
    guest.rng = 2;

    static const uint8_t hmac[6] = { 2, 0, 0, 0, 0, 1 };
    static const uint8_t gmac[6] = { 2, 0, 0, 0, 0, 2 };
    memcpy(cfg.local.mac, hmac, 6);
    memcpy(cfg.remote.mac, gmac, 6);
    cfg.local.ip = 0x0200000a;
    cfg.remote.ip = 0x0100000a;
    cfg.local.port = 7000;
    sio_conn_init(&host.conn, &cfg, &ops, &host, host.mem);
    sio_conn_listen(&host.conn);

    memcpy(cfg.local.mac, gmac, 6);
    memcpy(cfg.remote.mac, hmac, 6);
    cfg.local.ip = 0x0100000a;
    cfg.remote.ip = 0x0200000a;
    cfg.local.port = 0;
    cfg.remote.port = 7000;
    cfg.active = true;
    sio_conn_init(&guest.conn, &cfg, &ops, &guest, guest.mem);
    sio_conn_connect(&guest.conn, now);
    for (int i = 0; i < 3; i++) {
        pump(&guest, &host, now);
        pump(&host, &guest, now);
    }

    size_t pos = 0;
    while (pos < size) {
        uint8_t kind = data[pos++] % 4;

        if (kind == 0 && pos < size) {
            size_t n = data[pos++];
            n = n > size - pos ? size - pos : n;
            struct sio_seg seg;
            struct sio_arp arp;
            if (sio_parse_frame(data + pos, n, &seg, &arp) == SIO_PARSE_OK
                && sio_conn_owns(&host.conn, &seg)) {
                sio_conn_input(&host.conn, &seg, now);
            }
            pos += n;
        } else if (kind == 1 && size - pos >= 10) {
            struct sio_conn *h = &host.conn;
            struct sio_endpoint src = guest.conn.cfg.local;
            struct sio_endpoint dst = h->cfg.local;
            uint32_t dseq, dack;
            memcpy(&dseq, data + pos, 4);
            memcpy(&dack, data + pos + 4, 4);
            uint8_t flags = data[pos + 8];
            size_t n = data[pos + 9] * 8;
            pos += 10;
            n = n > size - pos ? size - pos : n;
            src.port = guest.conn.local_port;
            struct sio_seg_out o = {
                .src = &src, .dst = &dst,
                .seq = h->rcv_nxt + (int32_t) dseq % 70000,
                .ack = h->snd_una + (int32_t) dack % 70000,
                .flags = flags & 0x1f, .window = 0xffff,
                .data = { data + pos }, .data_len = { n },
            };
            size_t len = sio_build_frame(frame, sizeof frame, &o);
            struct sio_seg seg;
            struct sio_arp arp;
            if (len && sio_parse_frame(frame, len, &seg, &arp)
                       == SIO_PARSE_OK
                && sio_conn_owns(h, &seg)) {
                sio_conn_input(h, &seg, now);
            }
            pos += n;
        } else if (kind == 2 && pos < size) {
            now += data[pos++] * 1000ULL;
            pump(&host, &guest, now);
            pump(&guest, &host, now);
        } else if (kind == 3 && pos < size) {
            static uint8_t body[SIO_NET_FRAME_MAX];
            uint32_t n = SIO_NET_FRAME_MIN + data[pos++] * 36;
            sio_conn_send_msg(&guest.conn, SIO_MSG_NET_FRAME, 0, body, n,
                              NULL, 0);
        } else {
            break;
        }
        /* Whatever the host answers must be valid on the wire. */
        size_t n;
        int limit = 64;
        while (limit-- && (n = sio_conn_output(&host.conn, frame,
                                               sizeof frame, now))) {
            check_frame(frame, n);
        }
    }
    return 0;
}
