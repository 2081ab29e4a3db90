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

/* libFuzzer target, differential: a sender tries to get a signature past
 * the DPI engine to a model TCP receiver, by any segmentation, order,
 * overlap, decoy, bad checksum, RST, FIN, bare segment far ahead, IPv6
 * extension header or flood of other flows the input describes.  Every
 * frame the engine does not drop reaches the receiver, which accepts what
 * a TCP receiver would (RFC 9293: a SYN first, good checksums, bytes in
 * its window, the first copy of each byte, RST only at exactly RCV.NXT)
 * and hands its in-order bytes to the application.  The property: the
 * application never receives the signature.
 *
 * The receiver's ACKs (what lets the engine pick up a flow whose SYN it
 * missed) carry its true RCV.NXT.
 *
 * Input: byte 0 bit 0: IPv6 with a destination options header, else IPv4;
 * then records of 4 bytes: op (low 3 bits) and flags (high 5 bits), a
 * 16-bit offset, a length.  Ops: 0 SYN at ISN + offset - 1 (offset 1:
 * the true one), 1 data from the attack text at stream offset 'offset',
 * 2 RST at that offset, 3 FIN, 4 bare ACK 'offset' * 2^16 ahead, 5 the
 * receiver's ACK (it sends its SYN-ACK by itself), 6 SYNs of 24 other flows
 * (the table holds 16), 7 data of the fuzzer's own (the next 'length'
 * input bytes).  Flag bit 0 (0x08 of the byte): bad checksum. */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dpi.h"
#include "dpi-frame.h"
#include "fuzz-dpi-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SIG "EVILSIGNATURE"
#define ISN 0x7fff0000u         /* Close to a wrap, to test that too. */
#define SERVER_ISN 0x1000u
#define WINDOW 4096
#define MAX_DELIVERED 8192

/* The text a sender wants delivered: the signature, twice, amid filler. */
static const char attack[] =
    "GET / HTTP/1.1\r\nHost: x\r\n\r\n" "xxEVILSIGNATURExx"
    "0123456789abcdefghij" "EVILSIGNATURE" "zzzzzzzzzzzzzzzzzzzzzzzzzzzz";

struct receiver {
    bool synced, reset;
    uint32_t rcv_nxt;           /* Absolute sequence number. */
    uint8_t buf[WINDOW];        /* [rcv_nxt, rcv_nxt + WINDOW). */
    bool have[WINDOW];
    uint8_t delivered[MAX_DELIVERED];
    size_t n_delivered;
};


/* Moves in-order bytes from the window to the application. */
static void
receiver_deliver(struct receiver *r)
{
    while (r->have[0] && r->n_delivered < MAX_DELIVERED) {
        r->delivered[r->n_delivered++] = r->buf[0];
        memmove(r->buf, r->buf + 1, WINDOW - 1);
        memmove(r->have, r->have + 1, WINDOW - 1);
        r->have[WINDOW - 1] = false;
        r->rcv_nxt++;
    }
}

/* What a TCP receiver does with a segment that reached it. */
static void
receiver_input(struct receiver *r, uint32_t seq, uint8_t flags,
               const uint8_t *payload, size_t len, bool csum_ok)
{
    if (!csum_ok || r->reset) {
        return;
    }
    if (!r->synced) {
        if (flags & 0x02 && !(flags & 0x04)) {
            r->synced = true;
            r->rcv_nxt = seq + 1;
        }
        return;
    }
    if (flags & 0x04) {
        r->reset = seq == r->rcv_nxt;
        return;
    }
    if (flags & 0x02) {
        return;                 /* Challenge ACK (RFC 5961 4.2). */
    }
    for (size_t i = 0; i < len; i++) {
        uint32_t off = seq + i - r->rcv_nxt;

        if (off < WINDOW && !r->have[off]) {
            r->buf[off] = payload[i];
            r->have[off] = true;
        }
    }
    receiver_deliver(r);
}

static bool
contains_sig(const uint8_t *p, size_t n)
{
    size_t m = strlen(SIG);

    for (size_t i = 0; i + m <= n; i++) {
        if (!memcmp(p + i, SIG, m)) {
            return true;
        }
    }
    return false;
}

/* The receiver's segment towards the sender, with its true RCV.NXT:
 * through the engine, which sees both directions. */
static void
receiver_send(struct dpi_engine *e, const struct receiver *r,
              const struct dpi_frame_spec *from, uint8_t flags, uint64_t now)
{
    struct dpi_frame_spec s = *from;
    struct dpi_result res;
    struct dpi_frame f;

    s.src = from->dst;
    s.sport = from->dport;
    s.dst = from->src;
    s.dport = from->sport;
    s.seq = SERVER_ISN + !(flags & 0x02);
    s.ack = r->rcv_nxt;
    s.flags = flags;
    s.payload = NULL;
    s.len = 0;
    dpi_frame_build(&f, &s);
    dpi_engine_process(e, f.data, f.len, now, &res);
}

static void
send_frame(struct dpi_engine *e, struct receiver *r,
           struct dpi_frame_spec *s, bool bad_csum, bool to_receiver,
           uint64_t now)
{
    struct dpi_result res;
    struct dpi_frame f;
    bool was_synced = r->synced;

    dpi_frame_build(&f, s);
    if (bad_csum) {
        f.data[dpi_frame_l4_offset(s) + 16] ^= 0x81;
    }
    dpi_engine_process(e, f.data, f.len, now, &res);
    if (res.verdict != DPI_DROP && to_receiver) {
        receiver_input(r, s->seq, s->flags, s->payload, s->len, !bad_csum);
        if (r->synced && !was_synced) {
            receiver_send(e, r, s, 0x12, now);  /* SYN-ACK. */
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct dpi_ruleset *rs;
    static struct receiver r;
    uint16_t other_port = 1000;

    if (!size) {
        return 0;
    }
    if (!rs) {
        /* Compiled once: Hyperscan takes milliseconds. */
        rs = fuzz_dpi_ruleset("1:/" SIG "/:drop\n", 16);
    }
    /* A fresh flow table for every input, so that inputs replay alone. */
    struct dpi_engine *e = dpi_engine_create(16);
    dpi_engine_install(e, rs);
    memset(&r, 0, sizeof r);

    bool ipv6 = data[0] & 1;
    uint64_t now = 0;
    for (size_t off = 1; off + 4 <= size; off += 4) {
        uint8_t op = data[off] & 7, flags = data[off] >> 3;
        uint16_t arg = (data[off + 1] << 8) | data[off + 2];
        size_t len = data[off + 3] % 48;
        struct dpi_frame_spec s = {
            .proto = 6, .ipv6 = ipv6, .dstopts = ipv6,
            .src = 1, .sport = 4000, .dst = 2, .dport = 80,
            .ack = 1, .flags = 0x10,
        };

        now++;
        switch (op) {
        case 0:
            s.seq = ISN + arg - 1;
            s.flags = 0x02;
            break;
        case 1:
            if (arg >= sizeof attack - 1) {
                arg %= sizeof attack - 1;
            }
            if (len > sizeof attack - 1 - arg) {
                len = sizeof attack - 1 - arg;
            }
            s.seq = ISN + arg;
            s.payload = (const uint8_t *) attack + arg;
            s.len = len;
            break;
        case 2:
            s.seq = ISN + arg;
            s.flags = 0x04;
            break;
        case 3:
            s.seq = ISN + arg;
            s.flags = 0x11;
            break;
        case 4:
            s.seq = ISN + ((uint32_t) arg << 16);
            break;
        case 5:
            /* The receiver's own ACK, towards the sender. */
            if (r.synced) {
                receiver_send(e, &r, &s, 0x10, now);
            }
            continue;
        case 6:
            for (int i = 0; i < 24; i++) {
                struct dpi_frame_spec o = s;

                o.sport = other_port++;
                o.seq = 1;
                o.flags = 0x02;
                send_frame(e, &r, &o, false, false, now);
            }
            continue;
        case 7:
            if (len > size - off - 4) {
                len = size - off - 4;
            }
            s.seq = ISN + arg;
            s.payload = data + off + 4;
            s.len = len;
            off += len;
            break;
        }
        send_frame(e, &r, &s, flags & 1, true, now);
        if (contains_sig(r.delivered, r.n_delivered)) {
            abort();            /* The signature got through. */
        }
    }
    dpi_engine_install(e, NULL);
    dpi_engine_destroy(e);
    return 0;
}
