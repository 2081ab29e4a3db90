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

/* The split-I/O connection engine.  See splitio-conn.h and
 * docs/splitio-protocol.md; section numbers below refer to the latter. */

#include "splitio-conn.h"

#include <errno.h>
#include <string.h>

#define SEQ_LT(A, B) ((int32_t) ((A) - (B)) < 0)
#define SEQ_LEQ(A, B) ((int32_t) ((A) - (B)) <= 0)
#define SEQ_GT(A, B) ((int32_t) ((A) - (B)) > 0)
#define SEQ_GEQ(A, B) ((int32_t) ((A) - (B)) >= 0)

#define US_PER_S 1000000ULL
#define SIO_RTO_INIT_US 200000      /* One L2 hop: far below RFC 6298's
                                     * 1 s, which is for the Internet. */
#define SIO_RTO_MIN_US 20000
#define SIO_RTO_MAX_US 1000000
#define SIO_HANDSHAKE_TRIES 6
#define SIO_DATA_BACKOFFS 12        /* Then the peer is considered dead. */
#define SIO_KEEPALIVE_IDLE_US (5 * US_PER_S)
#define SIO_KEEPALIVE_INTVL_US (1 * US_PER_S)
#define SIO_KEEPALIVE_PROBES 6
#define SIO_TIME_WAIT_US (2 * US_PER_S)
#define SIO_COOKIE_SLOT_US (4 * US_PER_S)  /* A SYN cookie is good for one
                                             * to two slots. */
#define SIO_WSCALE 7
#define SIO_DEFAULT_PEER_MSS 536    /* RFC 9293 3.7.1. */

const char *
sio_state_name(enum sio_state s)
{
    static const char *const names[] = {
        [SIO_CLOSED] = "CLOSED",
        [SIO_LISTEN] = "LISTEN",
        [SIO_SYN_SENT] = "SYN_SENT",
        [SIO_ESTABLISHED] = "ESTABLISHED",
        [SIO_FIN_WAIT_1] = "FIN_WAIT_1",
        [SIO_FIN_WAIT_2] = "FIN_WAIT_2",
        [SIO_CLOSING] = "CLOSING",
        [SIO_TIME_WAIT] = "TIME_WAIT",
        [SIO_CLOSE_WAIT] = "CLOSE_WAIT",
        [SIO_LAST_ACK] = "LAST_ACK",
    };
    return s < sizeof names / sizeof names[0] ? names[s] : "UNKNOWN";
}

size_t
sio_conn_mem_size(const struct sio_conn_cfg *cfg)
{
    return 2 * (size_t) cfg->buf_size + SIO_MSG_HLEN + SIO_MSG_BODY_MAX;
}

static uint32_t
min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

static bool
is_synchronized(enum sio_state s)
{
    return s >= SIO_ESTABLISHED;
}

static bool
can_send_data(enum sio_state s)
{
    return s == SIO_ESTABLISHED || s == SIO_CLOSE_WAIT;
}

static void
set_state(struct sio_conn *c, enum sio_state s)
{
    enum sio_state old = c->state;

    c->state = s;
    if (old != s && c->ops->state_changed) {
        c->ops->state_changed(c->aux, old, s);
    }
}

static uint32_t
our_mss(const struct sio_conn *c)
{
    return c->cfg.mtu - SIO_IP_HLEN - SIO_TCP_HLEN;
}

/* Notes the peer's window: 'wnd' bytes from 'ack'. */
static void
set_snd_edge(struct sio_conn *c, uint32_t ack, uint32_t wnd)
{
    c->snd_edge = ack + wnd;
    c->max_snd_wnd = wnd > c->max_snd_wnd ? wnd : c->max_snd_wnd;
}

/* Forgets everything about the current connection except counters. */
static void
reset_conn(struct sio_conn *c)
{
    c->remote_port = 0;
    c->snd_una = c->snd_nxt = c->snd_max = c->snd_write = c->snd_base = 0;
    c->snd_edge = 0;
    c->max_snd_wnd = 0;
    c->cwnd = 10 * our_mss(c);
    c->ssthresh = UINT32_MAX;
    c->dupacks = 0;
    c->recover = 0;
    c->fin_queued = c->fin_sent = false;
    c->rcv_nxt = c->rcv_read = c->rcv_adv = c->rcv_base = 0;
    c->n_ooo = 0;
    c->ack_due = false;
    c->dupacks_due = 0;
    c->fast_rtx_due = false;
    c->held_checked = false;
    c->syn_due = false;
    c->rst_due = false;
    c->rst_reply.due = false;
    c->rto_us = SIO_RTO_INIT_US;
    c->srtt_us = c->rttvar_us = 0;
    c->rto_deadline = 0;
    c->rtt_start = 0;
    c->backoffs = 0;
    c->probes = 0;
    c->next_probe = 0;
    c->persist_deadline = 0;
    c->persist_due = false;
    c->time_wait_end = 0;
}

void
sio_conn_init(struct sio_conn *c, const struct sio_conn_cfg *cfg,
              const struct sio_conn_ops *ops, void *aux, void *mem)
{
    memset(c, 0, sizeof *c);
    c->cfg = *cfg;
    c->ops = ops;
    c->aux = aux;
    c->snd_buf = mem;
    c->rcv_buf = c->snd_buf + cfg->buf_size;
    c->stage = c->rcv_buf + cfg->buf_size;
    c->ip_id = ops->random(aux);
    for (int i = 0; i < 2; i++) {
        c->cookie_key[i] = ((uint64_t) ops->random(aux) << 32)
                           | ops->random(aux);
    }
    c->state = SIO_CLOSED;
    reset_conn(c);
}

static void
go_closed(struct sio_conn *c)
{
    bool passive = !c->cfg.active;
    /* A takeover's RST to the old peer must still go out. */
    bool rst_old = c->rst_old.due;

    reset_conn(c);
    set_state(c, SIO_CLOSED);
    c->rst_old.due = rst_old;
    if (passive) {
        sio_conn_listen(c);
    }
}

/* Starts a connection's sequence spaces: ours from a fresh ISS, the
 * peer's from its SYN. */
static void
start_send_space(struct sio_conn *c)
{
    c->iss = c->ops->random(c->aux);
    c->snd_una = c->snd_nxt = c->snd_max = c->iss;
    c->snd_base = c->snd_write = c->iss + 1;
    c->recover = c->iss;
}

static void
start_recv_space(struct sio_conn *c, uint32_t irs)
{
    c->irs = irs;
    c->rcv_base = c->rcv_nxt = c->rcv_read = irs + 1;
    c->rcv_adv = c->rcv_nxt;
}

static void
apply_syn_options(struct sio_conn *c, uint16_t mss, int8_t wscale)
{
    c->mss = min_u32(our_mss(c), mss ? mss : SIO_DEFAULT_PEER_MSS);
    if (c->mss < 64) {
        c->mss = 64;
    }
    /* RFC 7323: scaling only if both sides offered it. */
    if (wscale >= 0) {
        c->snd_wscale = wscale;
        c->rcv_wscale = SIO_WSCALE;
    } else {
        c->snd_wscale = c->rcv_wscale = 0;
    }
    c->cwnd = 10 * c->mss;
}

void
sio_conn_connect(struct sio_conn *c, uint64_t now)
{
    reset_conn(c);
    c->now = now;
    c->local_port = c->cfg.local.port
                    ? c->cfg.local.port
                    : 49152 + c->ops->random(c->aux) % 16384;
    c->remote_port = c->cfg.remote.port;
    start_send_space(c);
    c->syn_due = true;
    c->last_rx = now;
    set_state(c, SIO_SYN_SENT);
}

void
sio_conn_listen(struct sio_conn *c)
{
    reset_conn(c);
    c->local_port = c->cfg.local.port;
    set_state(c, SIO_LISTEN);
}

void
sio_conn_close(struct sio_conn *c)
{
    switch (c->state) {
    case SIO_ESTABLISHED:
    case SIO_CLOSE_WAIT:
        c->fin_queued = true;
        break;
    case SIO_SYN_SENT:
    case SIO_LISTEN:
        reset_conn(c);
        set_state(c, SIO_CLOSED);
        break;
    default:
        break;
    }
}

void
sio_conn_abort(struct sio_conn *c)
{
    if (c->state == SIO_CLOSED || c->state == SIO_LISTEN
        || c->state == SIO_SYN_SENT) {
        reset_conn(c);
        set_state(c, SIO_CLOSED);
    } else {
        c->rst_due = true;
    }
}

bool
sio_conn_established(const struct sio_conn *c)
{
    return can_send_data(c->state) && !c->fin_queued;
}

bool
sio_conn_owns(const struct sio_conn *c, const struct sio_seg *seg)
{
    /* The peer's frames come from its next hop: a frame with the peer's
     * address but another source MAC is someone else's. */
    if (seg->ip_src != c->cfg.remote.ip || seg->ip_dst != c->cfg.local.ip
        || memcmp(seg->eth_src, c->cfg.remote.mac, 6)
        || c->state == SIO_CLOSED) {
        return false;
    }
    if (c->state == SIO_LISTEN) {
        return seg->dport == c->cfg.local.port
               && (!c->cfg.remote.port || seg->sport == c->cfg.remote.port);
    }
    if (seg->dport != c->local_port) {
        return false;
    }
    if (seg->sport == c->remote_port) {
        return true;
    }
    /* A passive side also owns a newer handshake from its peer. */
    uint8_t hs = seg->flags & (SIO_TCP_SYN | SIO_TCP_ACK | SIO_TCP_RST);
    return !c->cfg.active && !c->cfg.remote.port
           && (hs == SIO_TCP_SYN || hs == SIO_TCP_ACK);
}

/* Free bytes of the receive buffer: the most we may accept. */
static uint32_t
rcv_free(const struct sio_conn *c)
{
    return c->cfg.buf_size - (c->rcv_nxt - c->rcv_read);
}

static void
rst_reply(struct sio_conn *c, const struct sio_seg *seg)
{
    if (!(seg->flags & SIO_TCP_RST)) {
        c->rst_reply.due = true;
        c->rst_reply.seg = *seg;
        c->rst_reply.seg.payload = NULL;
    }
}

static void
arm_rto(struct sio_conn *c)
{
    c->rto_deadline = c->now + c->rto_us;
}

static void
rtt_sample(struct sio_conn *c, uint64_t rtt)
{
    /* RFC 6298 2.2 and 2.3, alpha 1/8, beta 1/4. */
    if (!c->srtt_us) {
        c->srtt_us = rtt;
        c->rttvar_us = rtt / 2;
    } else {
        uint64_t delta = c->srtt_us > rtt ? c->srtt_us - rtt
                                          : rtt - c->srtt_us;
        c->rttvar_us = (3 * c->rttvar_us + delta) / 4;
        c->srtt_us = (7 * c->srtt_us + rtt) / 8;
    }
    c->rto_us = c->srtt_us + 4 * c->rttvar_us;
    if (c->rto_us < SIO_RTO_MIN_US) {
        c->rto_us = SIO_RTO_MIN_US;
    } else if (c->rto_us > SIO_RTO_MAX_US) {
        c->rto_us = SIO_RTO_MAX_US;
    }
}

static void input_synchronized(struct sio_conn *, const struct sio_seg *);

/* SipHash-2-4 of 'n' 64-bit words under 'key': the keyed hash behind SYN
 * cookies.  Written here because this engine links only the C library
 * (the guest side shares it); the cookie needs a PRF an off-path attacker
 * cannot predict, not a fast checksum such as CRC32C. */
static uint64_t
sio_siphash(const uint64_t key[2], const uint64_t *m, size_t n)
{
    uint64_t v0 = key[0] ^ 0x736f6d6570736575ULL;
    uint64_t v1 = key[1] ^ 0x646f72616e646f6dULL;
    uint64_t v2 = key[0] ^ 0x6c7967656e657261ULL;
    uint64_t v3 = key[1] ^ 0x7465646279746573ULL;
#define SIO_ROTL(X, B) (((X) << (B)) | ((X) >> (64 - (B))))
#define SIO_SIPROUND                                                    \
    do {                                                                \
        v0 += v1; v1 = SIO_ROTL(v1, 13); v1 ^= v0; v0 = SIO_ROTL(v0, 32); \
        v2 += v3; v3 = SIO_ROTL(v3, 16); v3 ^= v2;                      \
        v0 += v3; v3 = SIO_ROTL(v3, 21); v3 ^= v0;                      \
        v2 += v1; v1 = SIO_ROTL(v1, 17); v1 ^= v2; v2 = SIO_ROTL(v2, 32); \
    } while (0)

    for (size_t i = 0; i <= n; i++) {
        /* The last block is the length, as for a message of 8n bytes. */
        uint64_t w = i < n ? m[i] : (uint64_t) (8 * n) << 56;

        v3 ^= w;
        SIO_SIPROUND;
        SIO_SIPROUND;
        v0 ^= w;
    }
    v2 ^= 0xff;
    for (int i = 0; i < 4; i++) {
        SIO_SIPROUND;
    }
#undef SIO_SIPROUND
#undef SIO_ROTL
    return v0 ^ v1 ^ v2 ^ v3;
}

/* A SYN cookie: the ISN of a SYN-ACK, from which the final ACK alone
 * proves that its sender saw our SYN-ACK.  Bits 31-8: a keyed hash of the
 * 4-tuple, the peer's ISN, the time slot and bits 7-0; bit 7: the slot's
 * parity; bits 6-4: the peer's MSS, rounded down to one of
 * 'sio_cookie_mss'; bits 3-0: the peer's window scale (15: none). */
static const uint16_t sio_cookie_mss[8] = {
    536, 1200, 1360, 1400, 1440, 1460, 4312, 8960,
};

static uint32_t
sio_cookie_make(const struct sio_conn *c, uint16_t sport, uint32_t irs,
                uint64_t slot, uint8_t low7)
{
    uint8_t low = (slot & 1) << 7 | low7;
    uint64_t m[3] = {
        (uint64_t) c->cfg.local.ip << 32 | c->cfg.remote.ip,
        (uint64_t) c->local_port << 48 | (uint64_t) sport << 32 | irs,
        slot << 8 | low,
    };

    return (sio_siphash(c->cookie_key, m, 3) & 0xffffff00) | low;
}

/* Queues a SYN-ACK with a cookie for SYN 'seg' from port 'seg->sport'. */
static void
sio_cookie_answer(struct sio_conn *c, const struct sio_seg *seg)
{
    uint8_t mss_code = 0, ws_code = seg->wscale < 0 ? 15
                                    : seg->wscale > 14 ? 14 : seg->wscale;
    uint16_t mss = seg->mss ? seg->mss : SIO_DEFAULT_PEER_MSS;

    for (int i = 0; i < 8; i++) {
        if (sio_cookie_mss[i] <= mss) {
            mss_code = i;
        }
    }
    if (c->n_synacks >= SIO_SYNACK_QUEUE) {
        c->stats.synacks_dropped++;
        return;
    }
    struct sio_synack *sa = &c->synacks[c->n_synacks++];
    sa->port = seg->sport;
    sa->irs = seg->seq;
    sa->iss = sio_cookie_make(c, seg->sport, seg->seq,
                              c->now / SIO_COOKIE_SLOT_US,
                              mss_code << 4 | ws_code);
}

/* Checks that ACK 'seg' returns one of our cookies (current or previous
 * slot), and if so decodes the peer's SYN options from it. */
static bool
sio_cookie_check(const struct sio_conn *c, const struct sio_seg *seg,
                 uint16_t *mss, int8_t *wscale)
{
    uint32_t iss = seg->ack - 1, irs = seg->seq - 1;
    uint64_t slot = c->now / SIO_COOKIE_SLOT_US;

    if ((slot & 1) != (iss >> 7 & 1)) {
        if (!slot) {
            return false;
        }
        slot--;
    }
    if (sio_cookie_make(c, seg->sport, irs, slot, iss & 0x7f) != iss) {
        return false;
    }
    *mss = sio_cookie_mss[iss >> 4 & 7];
    *wscale = (iss & 15) == 15 ? -1 : (int8_t) (iss & 15);
    return true;
}

/* Completes the handshake whose final ACK 'seg' returned a valid cookie:
 * the connection is the peer's, from its source port, from now on. */
static void
sio_cookie_adopt(struct sio_conn *c, const struct sio_seg *seg,
                 uint16_t mss, int8_t wscale)
{
    uint32_t iss = seg->ack - 1;

    go_closed(c);               /* Back to LISTEN, rst_old kept. */
    c->remote_port = seg->sport;
    start_recv_space(c, seg->seq - 1);
    c->iss = iss;
    c->snd_base = c->snd_write = iss + 1;
    c->snd_una = c->snd_nxt = c->snd_max = iss + 1;
    c->recover = iss;
    apply_syn_options(c, mss, wscale);
    set_snd_edge(c, seg->ack, (uint32_t) seg->window << c->snd_wscale);
    c->last_rx = c->now;
    c->stats.segs_in++;
    c->stats.connects++;
    set_state(c, SIO_ESTABLISHED);
    if (seg->payload_len || seg->flags & SIO_TCP_FIN) {
        input_synchronized(c, seg);
    }
}

/* A passive side in LISTEN: SYNs are answered statelessly, and a final
 * ACK with a good cookie establishes the connection. */
static void
input_listen(struct sio_conn *c, const struct sio_seg *seg)
{
    uint16_t mss;
    int8_t wscale;

    if (seg->flags & SIO_TCP_RST) {
        return;
    }
    if (seg->flags & SIO_TCP_SYN) {
        if (!(seg->flags & SIO_TCP_ACK)) {
            sio_cookie_answer(c, seg);
        }
        return;
    }
    if (seg->flags & SIO_TCP_ACK) {
        if (sio_cookie_check(c, seg, &mss, &wscale)) {
            sio_cookie_adopt(c, seg, mss, wscale);
        } else {
            c->stats.bad_cookies++;
            rst_reply(c, seg);
        }
    }
}

static void
input_syn_sent(struct sio_conn *c, const struct sio_seg *seg)
{
    bool ack_ok = (seg->flags & SIO_TCP_ACK) && seg->ack == c->iss + 1;

    if (seg->flags & SIO_TCP_ACK && !ack_ok) {
        /* An ACK for some other connection (e.g. the challenge ACK of a
         * peer that still has our previous incarnation): RFC 9293 says
         * reset it, which lets the peer drop its stale state. */
        rst_reply(c, seg);
        return;
    }
    if (seg->flags & SIO_TCP_RST) {
        if (ack_ok) {
            c->stats.rst_accepted++;
            reset_conn(c);
            set_state(c, SIO_CLOSED);
        }
        return;
    }
    if (!(seg->flags & SIO_TCP_SYN) || !ack_ok) {
        return;                 /* No simultaneous open. */
    }
    start_recv_space(c, seg->seq);
    apply_syn_options(c, seg->mss, seg->wscale);
    c->snd_una = c->snd_nxt = c->snd_max = seg->ack;
    set_snd_edge(c, seg->ack, seg->window);     /* Unscaled in a SYN. */
    c->rto_deadline = 0;
    c->backoffs = 0;
    c->rto_us = SIO_RTO_INIT_US;
    c->ack_due = true;
    c->last_rx = c->now;
    c->stats.segs_in++;
    c->stats.connects++;
    set_state(c, SIO_ESTABLISHED);
}

/* RFC 9293 3.10.7.4, first check. */
static bool
seq_acceptable(const struct sio_conn *c, const struct sio_seg *seg,
               uint32_t seg_len)
{
    uint32_t wnd = rcv_free(c);
    uint32_t seq = seg->seq;

    if (!seg_len) {
        /* Like Linux (and conntrack), a bare ACK exactly at the right edge
         * is fine: the peer may have filled our window. */
        return wnd ? SEQ_LEQ(c->rcv_nxt, seq)
                     && SEQ_LEQ(seq, c->rcv_nxt + wnd)
                   : seq == c->rcv_nxt;
    }
    if (!wnd) {
        return false;
    }
    return (SEQ_LEQ(c->rcv_nxt, seq) && SEQ_LT(seq, c->rcv_nxt + wnd))
           || (SEQ_LEQ(c->rcv_nxt, seq + seg_len - 1)
               && SEQ_LT(seq + seg_len - 1, c->rcv_nxt + wnd));
}

static void
copy_to_ring(uint8_t *ring, uint32_t size, uint32_t idx,
             const uint8_t *data, uint32_t len)
{
    uint32_t first = min_u32(len, size - idx);

    memcpy(ring + idx, data, first);
    if (len > first) {
        memcpy(ring, data + first, len - first);
    }
}

static void
copy_from_ring(uint8_t *dst, const uint8_t *ring, uint32_t size,
               uint32_t idx, uint32_t len)
{
    uint32_t first = min_u32(len, size - idx);

    memcpy(dst, ring + idx, first);
    if (len > first) {
        memcpy(dst + first, ring, len - first);
    }
}

/* Records [start, end) beyond rcv_nxt.  Returns false if the queue is full
 * and the interval touches none held. */
static bool
ooo_add(struct sio_conn *c, uint32_t start, uint32_t end)
{
    unsigned int i = 0;

    while (i < c->n_ooo && SEQ_LT(c->ooo[i].end, start)) {
        i++;
    }
    if (i < c->n_ooo && SEQ_LEQ(c->ooo[i].start, end)) {
        /* Overlaps or touches interval i: grow it, then swallow the
         * intervals it now reaches. */
        if (SEQ_LT(start, c->ooo[i].start)) {
            c->ooo[i].start = start;
        }
        if (SEQ_GT(end, c->ooo[i].end)) {
            c->ooo[i].end = end;
        }
        unsigned int j = i + 1;
        while (j < c->n_ooo && SEQ_LEQ(c->ooo[j].start, c->ooo[i].end)) {
            if (SEQ_GT(c->ooo[j].end, c->ooo[i].end)) {
                c->ooo[i].end = c->ooo[j].end;
            }
            j++;
        }
        memmove(&c->ooo[i + 1], &c->ooo[j],
                (c->n_ooo - j) * sizeof c->ooo[0]);
        c->n_ooo -= j - i - 1;
        return true;
    }
    if (c->n_ooo == SIO_OOO_MAX) {
        return false;
    }
    memmove(&c->ooo[i + 1], &c->ooo[i], (c->n_ooo - i) * sizeof c->ooo[0]);
    c->ooo[i].start = start;
    c->ooo[i].end = end;
    c->n_ooo++;
    return true;
}

/* Section 4, receiving: stores the segment's acceptable bytes. */
static void
input_data(struct sio_conn *c, const struct sio_seg *seg)
{
    uint32_t seq = seg->seq;
    const uint8_t *data = seg->payload;
    uint32_t len = seg->payload_len;
    uint32_t right = c->rcv_nxt + rcv_free(c);

    if (SEQ_LT(seq, c->rcv_nxt)) {
        uint32_t skip = c->rcv_nxt - seq;
        if (skip >= len) {
            c->stats.dup_segs++;
            c->ack_due = true;
            return;
        }
        seq += skip;
        data += skip;
        len -= skip;
    }
    if (SEQ_GT(seq + len, right)) {
        len = right - seq;
    }
    if (!len) {
        return;
    }

    uint32_t mask = c->cfg.buf_size - 1;
    if (seq == c->rcv_nxt) {
        copy_to_ring(c->rcv_buf, c->cfg.buf_size,
                     (seq - c->rcv_base) & mask, data, len);
        c->rcv_nxt += len;
        c->stats.bytes_in += len;
        /* Pull in what the out-of-order queue now continues. */
        while (c->n_ooo && SEQ_LEQ(c->ooo[0].start, c->rcv_nxt)) {
            if (SEQ_GT(c->ooo[0].end, c->rcv_nxt)) {
                c->stats.bytes_in += c->ooo[0].end - c->rcv_nxt;
                c->rcv_nxt = c->ooo[0].end;
            }
            c->n_ooo--;
            memmove(&c->ooo[0], &c->ooo[1], c->n_ooo * sizeof c->ooo[0]);
        }
        c->ack_due = true;
    } else if (ooo_add(c, seq, seq + len)) {
        copy_to_ring(c->rcv_buf, c->cfg.buf_size,
                     (seq - c->rcv_base) & mask, data, len);
        c->stats.ooo_segs++;
        if (c->dupacks_due < 3) {
            c->dupacks_due++;
        }
    } else {
        c->stats.ooo_dropped++;
        c->ack_due = true;
    }
}

static void
enter_time_wait(struct sio_conn *c)
{
    c->time_wait_end = c->now + SIO_TIME_WAIT_US;
    c->rto_deadline = 0;
    set_state(c, SIO_TIME_WAIT);
}

/* Section 4, sending side of an ACK: RFC 5681/6582 (NewReno).  Returns
 * false if the ACK is unacceptable (RFC 9293 3.10.7.4, RFC 5961 5.2: beyond
 * what we sent, or further below snd_una than the peer's largest window):
 * then the whole segment must be dropped, its data and FIN included, and a
 * challenge ACK is due. */
static bool
input_ack(struct sio_conn *c, const struct sio_seg *seg, uint32_t seg_len)
{
    uint32_t ack = seg->ack;
    uint32_t wnd = (uint32_t) seg->window << c->snd_wscale;

    if (SEQ_GT(ack, c->snd_max) || SEQ_LT(ack, c->snd_una - c->max_snd_wnd)) {
        c->stats.bad_ack++;
        c->stats.challenge_acks++;
        c->ack_due = true;
        return false;
    }
    if (SEQ_GT(ack + wnd, c->snd_edge)) {
        set_snd_edge(c, ack, wnd);
    }
    if (SEQ_LT(ack, c->snd_una)) {
        return true;            /* Old, but acceptable. */
    }
    if (ack == c->snd_una) {
        if (!seg_len && c->snd_una != c->snd_max && !c->fast_rtx_due
            && !(seg->flags & (SIO_TCP_SYN | SIO_TCP_FIN))) {
            c->dupacks++;
            if (c->dupacks == 3 && SEQ_GT(c->snd_una, c->recover)) {
                uint32_t flight = c->snd_max - c->snd_una;
                c->ssthresh = flight / 2 > 2 * c->mss ? flight / 2
                                                      : 2 * c->mss;
                c->cwnd = c->ssthresh + 3 * c->mss;
                c->recover = c->snd_max;
                c->fast_rtx_due = true;
                c->rtt_start = 0;
                c->stats.fast_retrans++;
            } else if (c->dupacks > 3) {
                c->cwnd += c->mss;
            }
        }
        return true;
    }

    /* New data acknowledged. */
    uint32_t acked = ack - c->snd_una;
    if (c->rtt_start && SEQ_GEQ(ack, c->rtt_seq)) {
        rtt_sample(c, c->now - c->rtt_start);
        c->rtt_start = 0;
    }
    c->snd_una = ack;
    if (SEQ_LT(c->snd_nxt, ack)) {
        c->snd_nxt = ack;       /* After a go-back-N, skip what arrived. */
    }
    c->backoffs = 0;
    if (c->dupacks >= 3) {
        if (SEQ_LT(ack, c->recover)) {
            c->fast_rtx_due = true;     /* Partial ACK: next hole. */
            c->cwnd = c->cwnd > acked ? c->cwnd - acked + c->mss : c->mss;
        } else {
            c->cwnd = c->ssthresh;
            c->dupacks = 0;
        }
    } else {
        c->dupacks = 0;
        c->cwnd += c->cwnd < c->ssthresh ? acked
                   : (uint64_t) c->mss * c->mss / c->cwnd + 1;
        if (c->cwnd > 2 * c->cfg.buf_size) {
            c->cwnd = 2 * c->cfg.buf_size;
        }
    }
    if (c->snd_una == c->snd_max) {
        c->rto_deadline = 0;
    } else {
        arm_rto(c);
    }

    if (c->fin_sent && SEQ_GT(ack, c->fin_seq)) {
        switch (c->state) {
        case SIO_FIN_WAIT_1:
            set_state(c, SIO_FIN_WAIT_2);
            break;
        case SIO_CLOSING:
            enter_time_wait(c);
            break;
        case SIO_LAST_ACK:
            go_closed(c);
            break;
        default:
            break;
        }
    }
    return true;
}

static void
input_fin(struct sio_conn *c)
{
    c->rcv_nxt++;
    c->ack_due = true;
    switch (c->state) {
    case SIO_ESTABLISHED:
        /* No half-close in this protocol: answer with our own FIN once
         * queued data has gone (section 3). */
        c->fin_queued = true;
        set_state(c, SIO_CLOSE_WAIT);
        break;
    case SIO_FIN_WAIT_1:
        set_state(c, SIO_CLOSING);
        break;
    case SIO_FIN_WAIT_2:
        enter_time_wait(c);
        break;
    default:
        break;
    }
}

static void deliver_messages(struct sio_conn *);

static void
input_synchronized(struct sio_conn *c, const struct sio_seg *seg)
{
    uint32_t seg_len = seg->payload_len + !!(seg->flags & SIO_TCP_FIN);

    if (seg->flags & SIO_TCP_SYN) {
        /* RFC 5961 4.2: whatever its sequence number. */
        c->stats.syn_rejected++;
        c->stats.challenge_acks++;
        c->ack_due = true;
        return;
    }
    if (!seq_acceptable(c, seg, seg_len)) {
        if (seg->flags & SIO_TCP_RST) {
            c->stats.rst_rejected++;
            return;
        }
        if (!seg_len && seg->seq == c->rcv_nxt - 1) {
            c->stats.keepalives_in++;
        } else if (SEQ_LEQ(seg->seq + seg_len, c->rcv_nxt)) {
            c->stats.dup_segs++;
        } else {
            c->stats.out_of_window++;
        }
        c->ack_due = true;
        return;
    }
    c->last_rx = c->now;
    c->probes = 0;
    c->next_probe = 0;

    if (seg->flags & SIO_TCP_RST) {
        /* RFC 5961 3.2: only an exact match ends the connection. */
        if (seg->seq == c->rcv_nxt) {
            c->stats.rst_accepted++;
            go_closed(c);
        } else {
            c->stats.rst_rejected++;
            c->stats.challenge_acks++;
            c->ack_due = true;
        }
        return;
    }
    if (!(seg->flags & SIO_TCP_ACK)) {
        return;
    }
    c->stats.segs_in++;

    if (!input_ack(c, seg, seg_len)) {
        return;
    }
    if (c->state == SIO_LISTEN || c->state == SIO_CLOSED) {
        return;                 /* LAST_ACK completed. */
    }

    if (seg->payload_len) {
        if (c->state == SIO_ESTABLISHED || c->state == SIO_FIN_WAIT_1
            || c->state == SIO_FIN_WAIT_2) {
            input_data(c, seg);
        } else {
            c->ack_due = true;  /* Data after the peer's FIN: ignore. */
        }
    }
    if (seg->flags & SIO_TCP_FIN) {
        if (seg->seq + seg->payload_len == c->rcv_nxt
            && c->state != SIO_CLOSE_WAIT && c->state != SIO_LAST_ACK
            && c->state != SIO_CLOSING && c->state != SIO_TIME_WAIT) {
            input_fin(c);
        } else {
            c->ack_due = true;  /* Retransmitted or early FIN. */
        }
    }
    deliver_messages(c);
}

/* A newer handshake from the configured peer, on another port, while this
 * passive connection is synchronized (section 3: the newest complete
 * handshake wins).  Answered statelessly like one in LISTEN. */
static void
input_takeover(struct sio_conn *c, const struct sio_seg *seg)
{
    uint8_t hs = seg->flags & (SIO_TCP_SYN | SIO_TCP_ACK | SIO_TCP_RST);
    uint16_t mss;
    int8_t wscale;

    if (hs == SIO_TCP_SYN) {
        sio_cookie_answer(c, seg);
    } else if (hs == SIO_TCP_ACK) {
        if (!sio_cookie_check(c, seg, &mss, &wscale)) {
            c->stats.bad_cookies++;
            return;
        }
        /* Handshake complete: reset the old connection, adopt the new. */
        c->rst_old.due = true;
        c->rst_old.port = c->remote_port;
        c->rst_old.seq = c->snd_max;
        c->stats.takeovers++;
        sio_cookie_adopt(c, seg, mss, wscale);
    }
}

void
sio_conn_input(struct sio_conn *c, const struct sio_seg *seg, uint64_t now)
{
    c->now = now;
    switch (c->state) {
    case SIO_CLOSED:
        return;
    case SIO_LISTEN:
        input_listen(c, seg);
        return;
    case SIO_SYN_SENT:
        input_syn_sent(c, seg);
        return;
    default:
        break;
    }
    if (seg->sport != c->remote_port) {
        if (!c->cfg.active) {
            input_takeover(c, seg);
        }
        return;
    }
    input_synchronized(c, seg);
}

/* Section 6: hands every complete message in the receive buffer to the
 * application, in order, until it refuses one. */
static void
deliver_messages(struct sio_conn *c)
{
    uint32_t size = c->cfg.buf_size;
    uint32_t mask = size - 1;
    bool consumed = false;

    while (c->rcv_nxt - c->rcv_read >= SIO_MSG_HLEN
           && is_synchronized(c->state) && !c->rst_due) {
        uint8_t hdr[SIO_MSG_HLEN];
        struct sio_msg m;
        uint32_t idx = (c->rcv_read - c->rcv_base) & mask;

        copy_from_ring(hdr, c->rcv_buf, size, idx, SIO_MSG_HLEN);
        enum sio_msg_error err = sio_msg_decode(hdr, &m);
        if (err) {
            /* A byte stream cannot resynchronize after a bad header. */
            c->stats.msg_errors++;
            sio_conn_abort(c);
            return;
        }
        if (c->rcv_nxt - c->rcv_read < SIO_MSG_HLEN + m.length) {
            break;
        }

        uint32_t body_idx = (idx + SIO_MSG_HLEN) & mask;
        const uint8_t *body = c->rcv_buf + body_idx;
        if (body_idx + m.length > size) {
            copy_from_ring(c->stage, c->rcv_buf, size, body_idx, m.length);
            body = c->stage;
        }
        if (!c->held_checked) {
            if (!sio_msg_check_crc(hdr, &m, body)) {
                c->stats.msg_errors++;
                sio_conn_abort(c);
                return;
            }
            c->held_checked = true;
        }
        if (!c->ops->deliver(c->aux, &m, body)) {
            break;
        }
        c->held_checked = false;
        c->rcv_read += SIO_MSG_HLEN + m.length;
        c->stats.msgs_in++;
        consumed = true;
    }

    /* Window update once a quarter of the largest window we can show has
     * opened up since we last showed it. */
    if (consumed && is_synchronized(c->state)) {
        uint32_t max_wnd = (uint32_t) 0xffff << c->rcv_wscale;
        uint32_t wnd = min_u32(rcv_free(c), max_wnd);
        int32_t grow = (int32_t) (c->rcv_nxt + wnd - c->rcv_adv);

        if (grow >= (int32_t) (min_u32(size, max_wnd) / 4)) {
            c->ack_due = true;
        }
    }
}

int
sio_conn_send_msg(struct sio_conn *c, uint16_t type, uint64_t req_id,
                  const void *body1, uint32_t len1,
                  const void *body2, uint32_t len2)
{
    if (!sio_conn_established(c)) {
        return ENOTCONN;
    }
    if (sio_conn_send_room(c) < len1 + len2) {
        c->stats.send_full++;
        return ENOBUFS;
    }

    uint8_t hdr[SIO_MSG_HLEN];
    uint32_t size = c->cfg.buf_size;
    uint32_t idx = (c->snd_write - c->snd_base) & (size - 1);

    sio_msg_encode(hdr, type, req_id, body1, len1, body2, len2);
    copy_to_ring(c->snd_buf, size, idx, hdr, SIO_MSG_HLEN);
    idx = (idx + SIO_MSG_HLEN) & (size - 1);
    if (len1) {
        copy_to_ring(c->snd_buf, size, idx, body1, len1);
        idx = (idx + len1) & (size - 1);
    }
    if (len2) {
        copy_to_ring(c->snd_buf, size, idx, body2, len2);
    }
    c->snd_write += SIO_MSG_HLEN + len1 + len2;
    c->stats.msgs_out++;
    return 0;
}

uint32_t
sio_conn_send_room(const struct sio_conn *c)
{
    if (!sio_conn_established(c)) {
        return 0;
    }
    uint32_t used = c->snd_write - c->snd_una;
    uint32_t free_bytes = c->cfg.buf_size - used;
    return free_bytes > SIO_MSG_HLEN ? free_bytes - SIO_MSG_HLEN : 0;
}

/* The window field for an outgoing segment; records the edge it shows. */
static uint16_t
advertise(struct sio_conn *c, bool syn)
{
    uint32_t free_bytes = rcv_free(c);
    uint32_t wnd;

    if (syn) {
        return free_bytes > 0xffff ? 0xffff : free_bytes;
    }
    wnd = free_bytes >> c->rcv_wscale;
    if (wnd > 0xffff) {
        wnd = 0xffff;
    }
    if (SEQ_GT(c->rcv_nxt + (wnd << c->rcv_wscale), c->rcv_adv)) {
        c->rcv_adv = c->rcv_nxt + (wnd << c->rcv_wscale);
    }
    return wnd;
}

static size_t
emit(struct sio_conn *c, uint8_t *buf, size_t cap, uint16_t remote_port,
     uint32_t seq, uint8_t flags, uint32_t data_seq, uint32_t data_len,
     bool syn_opts)
{
    struct sio_endpoint src = c->cfg.local;
    struct sio_endpoint dst = c->cfg.remote;
    struct sio_seg_out o = {
        .src = &src,
        .dst = &dst,
        .ip_id = c->ip_id++,
        .seq = seq,
        .ack = c->rcv_nxt,
        .flags = flags,
    };

    src.port = c->local_port;
    dst.port = remote_port;
    if (!(flags & SIO_TCP_RST) || flags & SIO_TCP_ACK) {
        o.window = advertise(c, syn_opts);
    }
    if (syn_opts) {
        o.mss = our_mss(c);
        o.wscale = SIO_WSCALE;
    }
    if (data_len) {
        uint32_t size = c->cfg.buf_size;
        uint32_t idx = (data_seq - c->snd_base) & (size - 1);
        uint32_t first = min_u32(data_len, size - idx);

        o.data[0] = c->snd_buf + idx;
        o.data_len[0] = first;
        o.data[1] = c->snd_buf;
        o.data_len[1] = data_len - first;
    }
    size_t n = sio_build_frame(buf, cap, &o);
    if (n) {
        c->stats.segs_out++;
        if (flags & SIO_TCP_ACK) {
            c->ack_due = false;
        }
    }
    return n;
}

/* Sends data from snd_nxt, or the FIN after it, within the windows. */
static size_t
output_data(struct sio_conn *c, uint8_t *buf, size_t cap)
{
    uint32_t limit = c->snd_edge;

    if (SEQ_GT(limit, c->snd_una + c->cwnd)) {
        limit = c->snd_una + c->cwnd;
    }
    if (SEQ_LT(c->snd_nxt, c->snd_write)) {
        if (!SEQ_LT(c->snd_nxt, limit)) {
            return 0;
        }
        uint32_t n = min_u32(min_u32(c->snd_write - c->snd_nxt,
                                     limit - c->snd_nxt), c->mss);
        uint32_t seq = c->snd_nxt;
        bool last = seq + n == c->snd_write;
        size_t len = emit(c, buf, cap, c->remote_port, seq,
                          SIO_TCP_ACK | (last ? SIO_TCP_PSH : 0), seq, n,
                          false);
        if (!len) {
            return 0;
        }
        if (SEQ_LT(seq, c->snd_max)) {
            c->stats.retrans_segs++;
        } else {
            c->stats.bytes_out += n;
            if (!c->rtt_start) {
                c->rtt_start = c->now ? c->now : 1;
                c->rtt_seq = seq + n;
            }
        }
        c->snd_nxt = seq + n;
        if (SEQ_GT(c->snd_nxt, c->snd_max)) {
            c->snd_max = c->snd_nxt;
        }
        if (!c->rto_deadline) {
            arm_rto(c);
        }
        return len;
    }
    if (c->fin_queued && c->snd_nxt == c->snd_write
        && SEQ_LEQ(c->snd_nxt, limit)
        && (!c->fin_sent || SEQ_LEQ(c->snd_nxt, c->fin_seq))) {
        size_t len = emit(c, buf, cap, c->remote_port, c->snd_write,
                          SIO_TCP_FIN | SIO_TCP_ACK, 0, 0, false);
        if (!len) {
            return 0;
        }
        if (c->fin_sent) {
            c->stats.retrans_segs++;
        }
        c->fin_sent = true;
        c->fin_seq = c->snd_write;
        c->snd_nxt = c->fin_seq + 1;
        if (SEQ_GT(c->snd_nxt, c->snd_max)) {
            c->snd_max = c->snd_nxt;
        }
        if (!c->rto_deadline) {
            arm_rto(c);
        }
        if (c->state == SIO_ESTABLISHED) {
            set_state(c, SIO_FIN_WAIT_1);
        } else if (c->state == SIO_CLOSE_WAIT) {
            set_state(c, SIO_LAST_ACK);
        }
        return len;
    }
    return 0;
}

static void
run_timers(struct sio_conn *c)
{
    uint64_t now = c->now;

    if (c->state == SIO_TIME_WAIT && now >= c->time_wait_end) {
        go_closed(c);
        return;
    }
    if (c->rto_deadline && now >= c->rto_deadline) {
        c->stats.rto_fired++;
        c->backoffs++;
        c->rtt_start = 0;
        c->rto_us = c->rto_us * 2 > SIO_RTO_MAX_US ? SIO_RTO_MAX_US
                                                   : c->rto_us * 2;
        arm_rto(c);
        if (c->state == SIO_SYN_SENT) {
            if (c->backoffs >= SIO_HANDSHAKE_TRIES) {
                c->stats.handshake_failed++;
                reset_conn(c);
                set_state(c, SIO_CLOSED);
                return;
            }
            c->syn_due = true;
        } else if (c->backoffs >= SIO_DATA_BACKOFFS) {
            sio_conn_abort(c);
            return;
        } else {
            uint32_t flight = c->snd_max - c->snd_una;
            c->ssthresh = flight / 2 > 2 * c->mss ? flight / 2 : 2 * c->mss;
            c->cwnd = 2 * c->mss;
            c->dupacks = 0;
            c->recover = c->snd_max;
            c->snd_nxt = c->snd_una;    /* Go back: resend from the hole. */
            c->fast_rtx_due = false;
        }
    }
    /* Persist timer: data waits, nothing is in flight, and the peer's
     * window is closed.  The probe is what Linux sends (an ACK at
     * SND.UNA - 1), which makes the peer repeat its window, in case the
     * update that reopened it was lost. */
    if (can_send_data(c->state) && SEQ_LT(c->snd_nxt, c->snd_write)
        && c->snd_una == c->snd_max && SEQ_LEQ(c->snd_edge, c->snd_nxt)) {
        if (!c->persist_deadline) {
            c->persist_us = c->rto_us;
            c->persist_deadline = now + c->persist_us;
        } else if (now >= c->persist_deadline) {
            c->persist_due = true;
            c->persist_us = c->persist_us * 2 > SIO_RTO_MAX_US
                            ? SIO_RTO_MAX_US : c->persist_us * 2;
            c->persist_deadline = now + c->persist_us;
            c->stats.window_probes++;
        }
    } else {
        c->persist_deadline = 0;
    }
    if (is_synchronized(c->state) && c->state != SIO_TIME_WAIT
        && now - c->last_rx >= SIO_KEEPALIVE_IDLE_US
        && now >= c->next_probe) {
        if (c->probes >= SIO_KEEPALIVE_PROBES) {
            c->stats.keepalive_deaths++;
            sio_conn_abort(c);
            return;
        }
        c->probes++;
        c->next_probe = now + SIO_KEEPALIVE_INTVL_US;
        c->stats.keepalives_out++;
        /* Sent by sio_conn_output() below, flagged by 'probes'. */
        c->ack_due = false;
    }
}

size_t
sio_conn_output(struct sio_conn *c, uint8_t *buf, size_t cap, uint64_t now)
{
    size_t n;
    unsigned int probes_before = c->probes;

    c->now = now;
    if (c->rst_reply.due) {
        c->rst_reply.due = false;
        n = sio_build_rst_reply(buf, cap, &c->rst_reply.seg,
                                c->cfg.local.mac);
        if (n) {
            c->stats.resets_sent++;
            return n;
        }
    }
    if (c->rst_old.due) {
        c->rst_old.due = false;
        c->stats.resets_sent++;
        return emit(c, buf, cap, c->rst_old.port, c->rst_old.seq,
                    SIO_TCP_RST, 0, 0, false);
    }
    if (c->rst_due) {
        uint32_t seq = c->snd_max;
        uint16_t port = c->remote_port;

        c->rst_due = false;
        c->stats.resets_sent++;
        n = emit(c, buf, cap, port, seq, SIO_TCP_RST | SIO_TCP_ACK, 0, 0,
                 false);
        go_closed(c);
        return n;
    }
    while (c->n_synacks) {
        /* Stateless SYN-ACK (a SYN cookie), in LISTEN or for a takeover. */
        const struct sio_synack *sa = &c->synacks[--c->n_synacks];
        struct sio_endpoint src = c->cfg.local, dst = c->cfg.remote;
        struct sio_seg_out o = {
            .src = &src, .dst = &dst, .ip_id = c->ip_id++,
            .seq = sa->iss, .ack = sa->irs + 1,
            .flags = SIO_TCP_SYN | SIO_TCP_ACK,
            .window = c->cfg.buf_size > 0xffff ? 0xffff : c->cfg.buf_size,
            .mss = our_mss(c), .wscale = SIO_WSCALE,
        };
        src.port = c->local_port;
        dst.port = sa->port;
        n = sio_build_frame(buf, cap, &o);
        if (n) {
            c->stats.segs_out++;
            c->stats.syn_cookies++;
            return n;
        }
    }
    if (c->state == SIO_CLOSED || c->state == SIO_LISTEN) {
        return 0;
    }

    run_timers(c);
    if (c->state == SIO_CLOSED || c->state == SIO_LISTEN || c->rst_due) {
        return c->rst_due ? sio_conn_output(c, buf, cap, now) : 0;
    }

    if (c->syn_due) {
        c->syn_due = false;
        if (!c->rto_deadline) {
            arm_rto(c);
        }
        c->snd_nxt = c->snd_max = c->iss + 1;
        if (c->backoffs) {
            c->stats.retrans_segs++;
        }
        return emit(c, buf, cap, c->remote_port, c->iss, SIO_TCP_SYN, 0, 0,
                    true);
    }
    if (c->state == SIO_SYN_SENT) {
        return 0;
    }

    if (c->probes != probes_before || c->persist_due) {
        c->persist_due = false;
        return emit(c, buf, cap, c->remote_port, c->snd_una - 1,
                    SIO_TCP_ACK, 0, 0, false);
    }

    /* Messages a full application refused earlier may fit now. */
    if (c->rcv_nxt - c->rcv_read >= SIO_MSG_HLEN) {
        deliver_messages(c);
        if (c->rst_due) {
            return sio_conn_output(c, buf, cap, now);
        }
    }

    if (c->dupacks_due) {
        c->dupacks_due--;
        return emit(c, buf, cap, c->remote_port, c->snd_max, SIO_TCP_ACK,
                    0, 0, false);
    }
    if (c->fast_rtx_due) {
        uint32_t n_data = min_u32(c->snd_max - c->snd_una, c->mss);

        c->fast_rtx_due = false;
        if (c->fin_sent && SEQ_GEQ(c->snd_una, c->fin_seq)) {
            c->stats.retrans_segs++;
            return emit(c, buf, cap, c->remote_port, c->fin_seq,
                        SIO_TCP_FIN | SIO_TCP_ACK, 0, 0, false);
        }
        if (c->fin_sent && SEQ_GT(c->snd_una + n_data, c->fin_seq)) {
            n_data = c->fin_seq - c->snd_una;
        }
        if (n_data) {
            c->stats.retrans_segs++;
            arm_rto(c);
            return emit(c, buf, cap, c->remote_port, c->snd_una,
                        SIO_TCP_ACK, c->snd_una, n_data, false);
        }
    }

    if (is_synchronized(c->state) && c->state != SIO_TIME_WAIT) {
        n = output_data(c, buf, cap);
        if (n) {
            return n;
        }
    }
    if (c->ack_due) {
        return emit(c, buf, cap, c->remote_port, c->snd_max, SIO_TCP_ACK,
                    0, 0, false);
    }
    return 0;
}

uint64_t
sio_conn_next_timer(const struct sio_conn *c)
{
    uint64_t t = UINT64_MAX;

    if (c->rto_deadline) {
        t = c->rto_deadline;
    }
    if (c->state == SIO_TIME_WAIT && c->time_wait_end < t) {
        t = c->time_wait_end;
    }
    if (is_synchronized(c->state) && c->state != SIO_TIME_WAIT) {
        uint64_t ka = c->last_rx + SIO_KEEPALIVE_IDLE_US;
        if (c->next_probe > ka) {
            ka = c->next_probe;
        }
        if (ka < t) {
            t = ka;
        }
    }
    if (c->n_synacks) {
        t = c->now;
    }
    if (c->persist_deadline && c->persist_deadline < t) {
        t = c->persist_deadline;
    }
    return t;
}
