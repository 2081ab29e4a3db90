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

/* Unit tests of the split-I/O connection engine (lib/splitio-conn.c): two
 * engines, an active "guest" and a passive "host", joined by a simulated
 * link that can drop, duplicate and reorder frames, on a simulated clock.
 * Every frame either side emits must parse as valid IPv4/TCP. */

#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "nae-test-mem.h"
#include "openvswitch/util.h"
#include "ovstest.h"
#include "splitio-conn.h"
#include "util.h"

#define BUF_SIZE (256 * 1024)
#define MAX_FRAME 1600
#define LINK_SLOTS 4096

/* A deterministic PRNG, so every failure replays. */
static uint64_t
rnd_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

struct frame {
    uint8_t data[MAX_FRAME];
    size_t len;
    uint64_t at;                /* Delivery time. */
    int to;                     /* 0: guest, 1: host. */
};

struct side {
    struct sio_conn conn;
    void *mem;
    uint64_t rng;
    /* Messages: expected next request id and how many arrived. */
    uint64_t next_rx_id;
    uint64_t n_rx;
    uint64_t n_hello;
    bool refuse;                /* deliver() says "not now". */
    int n_states;
    enum sio_state states[64];
};

struct sim {
    struct side s[2];
    struct frame *link;
    size_t n_link;
    uint64_t now;
    uint64_t rng;
    unsigned int drop_pct, dup_pct, reorder_pct;    /* Per mille. */
    uint64_t n_frames;
};

/* Message body for request 'id': deterministic, length from the id. */
static uint32_t
body_len(uint64_t id)
{
    uint64_t s = id * 0x9e3779b97f4a7c15ULL + 1;
    uint32_t r = rnd_next(&s);

    return r % 4 ? SIO_NET_FRAME_MIN + r % (SIO_NET_FRAME_MAX - 13)
                 : SIO_BLK_REQ_LEN + 1 + r % SIO_BLK_MAX_REQ;
}

/* A message type whose length rules admit 'len'. */
static uint16_t
body_type(uint32_t len)
{
    return len <= SIO_NET_FRAME_MAX ? SIO_MSG_NET_FRAME : SIO_MSG_BLK_WRITE;
}

static void
body_fill(uint64_t id, uint8_t *p, uint32_t len)
{
    uint64_t s = id + 7;

    for (uint32_t i = 0; i < len; i++) {
        p[i] = (i & 7) ? p[i - 1] + 1 : rnd_next(&s);
    }
}

/* Queues message 'id' (body_len(id) bytes of body_fill(id)) on 'conn' if
 * it has room; returns whether it did. */
static bool
try_send(struct sio_conn *conn, uint64_t id)
{
    static uint8_t body[SIO_MSG_BODY_MAX];
    uint32_t len = body_len(id);

    if (sio_conn_send_room(conn) < len) {
        return false;
    }
    body_fill(id, body, len);
    ovs_assert(!sio_conn_send_msg(conn, body_type(len), id, body, len,
                                  NULL, 0));
    return true;
}

static bool
deliver(void *aux, const struct sio_msg *m, const uint8_t *body)
{
    struct side *side = aux;

    if (side->refuse) {
        return false;
    }
    if (m->type == SIO_MSG_HELLO) {
        side->n_hello++;
        return true;
    }
    ovs_assert(m->req_id == side->next_rx_id);
    ovs_assert(m->length == body_len(m->req_id));

    static uint8_t expect[SIO_MSG_BODY_MAX];
    body_fill(m->req_id, expect, m->length);
    ovs_assert(!memcmp(expect, body, m->length));
    side->next_rx_id++;
    side->n_rx++;
    return true;
}

static void
state_changed(void *aux, enum sio_state old OVS_UNUSED, enum sio_state new)
{
    struct side *side = aux;

    if (side->n_states < ARRAY_SIZE(side->states)) {
        side->states[side->n_states++] = new;
    }
}

static uint32_t
random32(void *aux)
{
    struct side *side = aux;

    return rnd_next(&side->rng);
}

static const struct sio_conn_ops ops = {
    .deliver = deliver,
    .state_changed = state_changed,
    .random = random32,
};

static void
sim_init(struct sim *sim, uint64_t seed)
{
    static const uint8_t gmac[6] = { 2, 0, 0, 0, 0, 1 };
    static const uint8_t hmac[6] = { 2, 0, 0, 0, 0, 2 };
    struct sio_conn_cfg cfg = {
        .mtu = 1500,
        .buf_size = BUF_SIZE,
    };

    memset(sim, 0, sizeof *sim);
    sim->rng = seed;
    sim->now = 1000000;
    sim->link = xcalloc(LINK_SLOTS, sizeof *sim->link);
    for (int i = 0; i < 2; i++) {
        struct side *side = &sim->s[i];
        bool guest = i == 0;

        side->rng = seed * 31 + i + 1;
        memcpy(cfg.local.mac, guest ? gmac : hmac, 6);
        memcpy(cfg.remote.mac, guest ? hmac : gmac, 6);
        cfg.local.ip = htonl(guest ? 0x0a000001 : 0x0a000002);
        cfg.remote.ip = htonl(guest ? 0x0a000002 : 0x0a000001);
        cfg.local.port = guest ? 0 : 7000;
        cfg.remote.port = guest ? 7000 : 0;
        cfg.active = guest;
        side->mem = xmalloc(sio_conn_mem_size(&cfg));
        sio_conn_init(&side->conn, &cfg, &ops, side, side->mem);
    }
    sio_conn_listen(&sim->s[1].conn);
    sio_conn_connect(&sim->s[0].conn, sim->now);
}

static void
sim_destroy(struct sim *sim)
{
    free(sim->s[0].mem);
    free(sim->s[1].mem);
    free(sim->link);
}

static void
link_put(struct sim *sim, const uint8_t *data, size_t len, int to,
         uint64_t delay)
{
    ovs_assert(sim->n_link < LINK_SLOTS);
    struct frame *f = &sim->link[sim->n_link++];
    memcpy(f->data, data, len);
    f->len = len;
    f->to = to;
    f->at = sim->now + delay;
}

/* Collects what side 'i' sends, through the impairments. */
static void
sim_output(struct sim *sim, int i)
{
    uint8_t buf[MAX_FRAME];
    size_t n;

    while ((n = sio_conn_output(&sim->s[i].conn, buf, sizeof buf,
                                sim->now))) {
        struct sio_seg seg;
        struct sio_arp arp;

        /* Everything on the wire is valid TCP/IPv4. */
        ovs_assert(sio_parse_frame(buf, n, &seg, &arp) == SIO_PARSE_OK);
        ovs_assert(n <= 14 + 1500);
        sim->n_frames++;
        if (rnd_next(&sim->rng) % 1000 < sim->drop_pct) {
            continue;
        }
        uint64_t delay = 50;
        if (rnd_next(&sim->rng) % 1000 < sim->reorder_pct) {
            delay += rnd_next(&sim->rng) % 3000;
        }
        link_put(sim, buf, n, !i, delay);
        if (rnd_next(&sim->rng) % 1000 < sim->dup_pct) {
            link_put(sim, buf, n, !i, delay + 10);
        }
    }
}

static void
sim_input_frame(struct sim *sim, const struct frame *f)
{
    struct side *side = &sim->s[f->to];
    struct sio_seg seg;
    struct sio_arp arp;

    ovs_assert(sio_parse_frame(f->data, f->len, &seg, &arp)
               == SIO_PARSE_OK);
    if (sio_conn_owns(&side->conn, &seg)) {
        sio_conn_input(&side->conn, &seg, sim->now);
    }
}

/* Advances the clock by 'us', delivering due frames in time order. */
static void
sim_step(struct sim *sim, uint64_t us)
{
    sim->now += us;
    for (size_t i = 0; i < sim->n_link;) {
        if (sim->link[i].at <= sim->now) {
            struct frame f = sim->link[i];
            sim->link[i] = sim->link[--sim->n_link];
            sim_input_frame(sim, &f);
        } else {
            i++;
        }
    }
    sim_output(sim, 0);
    sim_output(sim, 1);
}

/* Sends 'n' messages each way, queuing as room allows, until all are
 * delivered; fails if that takes longer than 'deadline_us'. */
static void
sim_transfer(struct sim *sim, uint64_t n, uint64_t deadline_us)
{
    uint64_t tx_id[2], tx_end[2];
    uint64_t start = sim->now;

    for (int i = 0; i < 2; i++) {
        tx_id[i] = sim->s[!i].next_rx_id;
        tx_end[i] = tx_id[i] + n;
    }
    while (sim->s[1].next_rx_id < tx_end[0]
           || sim->s[0].next_rx_id < tx_end[1]) {
        for (int i = 0; i < 2; i++) {
            while (tx_id[i] < tx_end[i] && try_send(&sim->s[i].conn,
                                                    tx_id[i])) {
                tx_id[i]++;
            }
        }
        sim_step(sim, 100);
        if (sim->now - start >= deadline_us) {
            for (int i = 0; i < 2; i++) {
                const struct sio_conn *c = &sim->s[i].conn;
                fprintf(stderr, "side %d %s una %u nxt %u max %u write %u "
                        "edge %u cwnd %u rcv_nxt %u read %u rx_id %llu "
                        "tx_id %llu/%llu rto %llu dl %llu\n", i,
                        sio_state_name(c->state), c->snd_una, c->snd_nxt,
                        c->snd_max, c->snd_write, c->snd_edge, c->cwnd,
                        c->rcv_nxt, c->rcv_read,
                        (unsigned long long) sim->s[i].next_rx_id,
                        (unsigned long long) tx_id[i],
                        (unsigned long long) tx_end[i],
                        (unsigned long long) c->rto_us,
                        (unsigned long long) c->rto_deadline);
            }
            ovs_assert(false);
        }
    }
}

static void
sim_run_until_established(struct sim *sim)
{
    for (int i = 0; i < 1000; i++) {
        sim_step(sim, 100);
        if (sio_conn_established(&sim->s[0].conn)
            && sio_conn_established(&sim->s[1].conn)) {
            return;
        }
    }
    ovs_assert(false);
}

static void
test_handshake_and_transfer(void)
{
    struct sim sim;

    sim_init(&sim, 1);
    sim_run_until_established(&sim);
    ovs_assert(sim.s[0].conn.stats.connects == 1);
    ovs_assert(sim.s[1].conn.stats.connects == 1);
    ovs_assert(sim.s[0].conn.snd_wscale == 7);

    sim_transfer(&sim, 300, 60 * 1000000ULL);
    ovs_assert(!sim.s[0].conn.stats.retrans_segs);
    ovs_assert(!sim.s[1].conn.stats.retrans_segs);
    ovs_assert(!sim.s[0].conn.stats.out_of_window);
    ovs_assert(!sim.s[1].conn.stats.out_of_window);
    ovs_assert(!sim.s[0].conn.stats.bad_ack);
    sim_destroy(&sim);
}

static void
impaired(unsigned int drop, unsigned int dup, unsigned int reorder,
         uint64_t seed)
{
    struct sim sim;

    sim_init(&sim, seed);
    sim.drop_pct = drop;
    sim.dup_pct = dup;
    sim.reorder_pct = reorder;
    sim_run_until_established(&sim);
    sim_transfer(&sim, 400, 600 * 1000000ULL);
    if (drop) {
        ovs_assert(sim.s[0].conn.stats.retrans_segs
                   + sim.s[1].conn.stats.retrans_segs);
    }
    if (dup) {
        ovs_assert(sim.s[0].conn.stats.dup_segs
                   + sim.s[1].conn.stats.dup_segs);
    }
    if (reorder) {
        ovs_assert(sim.s[0].conn.stats.ooo_segs
                   + sim.s[1].conn.stats.ooo_segs);
    }
    ovs_assert(!sim.s[0].conn.stats.msg_errors);
    ovs_assert(!sim.s[1].conn.stats.msg_errors);
    sim_destroy(&sim);
}

static void
test_loss(void)
{
    /* 1% and 5% loss (section 8). */
    impaired(10, 0, 0, 2);
    impaired(50, 0, 0, 3);
}

static void
test_reorder_dup(void)
{
    impaired(0, 20, 0, 4);
    impaired(0, 0, 100, 5);
    impaired(10, 10, 50, 6);
}

/* A full receiver stalls the sender without loss, then catches up. */
static void
test_backpressure(void)
{
    struct sim sim;

    sim_init(&sim, 7);
    sim_run_until_established(&sim);
    sim.s[1].refuse = true;
    int n_sent = 0;
    while (n_sent < 3000
           && try_send(&sim.s[0].conn, sim.s[1].next_rx_id + n_sent)) {
        n_sent++;
    }
    for (int i = 0; i < 20000; i++) {
        sim_step(&sim, 100);
    }
    /* Nothing delivered, the window closed, the connection alive (zero
     * window: keepalives answered, no RTO storm). */
    ovs_assert(sim.s[1].n_rx == 0);
    ovs_assert(sio_conn_established(&sim.s[0].conn));

    /* More data than the window takes: the sender probes the closed
     * window, and the probes are answered. */
    for (int i = 0; i < 10
                    && try_send(&sim.s[0].conn,
                                sim.s[1].next_rx_id + n_sent); i++) {
        n_sent++;
    }
    for (int i = 0; i < 20000; i++) {
        sim_step(&sim, 100);
    }
    ovs_assert(sim.s[1].n_rx == 0);
    ovs_assert(sim.s[0].conn.stats.window_probes > 0);
    ovs_assert(sim.s[1].conn.stats.keepalives_in > 0);
    sim.s[1].refuse = false;
    for (int i = 0; i < 200000 && sim.s[1].n_rx < n_sent; i++) {
        sim_step(&sim, 100);
    }
    ovs_assert(n_sent > 10 && sim.s[1].n_rx == n_sent);
    for (int i = 0; i < 100; i++) {
        sim_step(&sim, 100);    /* The last ACK. */
    }
    ovs_assert(!sim.s[0].conn.stats.rto_fired);
    ovs_assert(sim.s[0].conn.snd_una == sim.s[0].conn.snd_write);
    sim_destroy(&sim);
}

/* Forges a segment towards side 'to' from its peer's addresses and source
 * port 'sport', as an off-path attacker who knows them would. */
static void
forge_from(struct sim *sim, int to, uint8_t flags, uint32_t seq,
           uint32_t ack, uint16_t sport)
{
    struct sio_conn *victim = &sim->s[to].conn;
    struct sio_conn *peer = &sim->s[!to].conn;
    struct sio_endpoint src = peer->cfg.local, dst = victim->cfg.local;
    struct sio_seg_out o = {
        .src = &src, .dst = &dst, .seq = seq, .ack = ack,
        .flags = flags, .window = 100,
        .mss = flags & SIO_TCP_SYN ? 1460 : 0, .wscale = 7,
    };
    struct frame f = { .to = to };

    src.port = sport;
    dst.port = victim->local_port;
    f.len = sio_build_frame(f.data, sizeof f.data, &o);
    sim_input_frame(sim, &f);
}

static void
forge(struct sim *sim, int to, uint8_t flags, uint32_t seq, uint32_t ack,
      bool from_peer_port)
{
    forge_from(sim, to, flags, seq, ack,
               from_peer_port ? sim->s[!to].conn.local_port : 40000);
}

/* Forges, towards side 'to', a segment from its peer's endpoint that
 * carries message 'id' (as try_send() would have made it) at 'seq'. */
static void
forge_msg(struct sim *sim, int to, uint32_t seq, uint32_t ack, uint64_t id)
{
    struct sio_conn *victim = &sim->s[to].conn;
    struct sio_conn *peer = &sim->s[!to].conn;
    struct sio_endpoint src = peer->cfg.local, dst = victim->cfg.local;
    static uint8_t body[SIO_NET_FRAME_MAX];
    uint8_t hdr[SIO_MSG_HLEN];
    uint32_t len = SIO_NET_FRAME_MIN + 100;
    struct sio_seg_out o = {
        .src = &src, .dst = &dst, .seq = seq, .ack = ack,
        .flags = SIO_TCP_ACK, .window = 100,
        .data = { hdr, body }, .data_len = { sizeof hdr, len },
    };
    struct frame f = { .to = to };

    body_fill(id, body, len);
    sio_msg_encode(hdr, SIO_MSG_NET_FRAME, id, body, len, NULL, 0);
    src.port = peer->local_port;
    dst.port = victim->local_port;
    f.len = sio_build_frame(f.data, sizeof f.data, &o);
    ovs_assert(f.len);
    sim_input_frame(sim, &f);
}

/* RFC 9293 3.10.7.4 and RFC 5961 5.2: a segment whose ACK is beyond what
 * was sent, or further below SND.UNA than the peer's largest window, is
 * dropped whole, with a challenge ACK: its data never reaches the
 * message layer, however right its sequence number. */
static void
test_bad_ack_data(void)
{
    struct sim sim;

    sim_init(&sim, 12);
    sim_run_until_established(&sim);
    sim_transfer(&sim, 5, 10 * 1000000ULL);
    struct sio_conn *host = &sim.s[1].conn;
    uint64_t n_rx = sim.s[1].n_rx, challenges = host->stats.challenge_acks;
    uint32_t rcv_nxt = host->rcv_nxt;

    /* body_len() would disagree with this body's length: deliver() fails
     * the test if either segment gets through. */
    uint64_t id = sim.s[1].next_rx_id;
    forge_msg(&sim, 1, rcv_nxt, host->snd_max + (1u << 30), id);
    forge_msg(&sim, 1, rcv_nxt, host->snd_una - (1u << 30), id);
    forge_msg(&sim, 1, rcv_nxt, host->snd_max + 1, id);
    ovs_assert(host->stats.bad_ack == 3);
    ovs_assert(host->stats.challenge_acks == challenges + 3);
    ovs_assert(host->rcv_nxt == rcv_nxt && sim.s[1].n_rx == n_rx);
    ovs_assert(sio_conn_established(host));

    /* The connection goes on, and the real data still arrives in order. */
    sim_transfer(&sim, 20, 10 * 1000000ULL);
    ovs_assert(sim.s[1].n_rx == n_rx + 20);
    sim_destroy(&sim);
}

/* Spoofed SYNs from the guest's address and other source ports, 100 per
 * simulated second and in bursts beyond the SYN-ACK queue, never lock the
 * real guest out: the host keeps no state for them (SYN cookies).  Blind
 * ACKs guessing a cookie neither establish nor take over a connection. */
static void
test_syn_flood(void)
{
    struct sim sim;

    sim_init(&sim, 13);
    struct sio_conn *guest = &sim.s[0].conn, *host = &sim.s[1].conn;

    /* A burst before the guest's own SYN is even on the wire. */
    for (int i = 0; i < 3 * SIO_SYNACK_QUEUE; i++) {
        forge_from(&sim, 1, SIO_TCP_SYN, 1000 + i * 7919, 0, 40000 + i);
    }
    ovs_assert(host->state == SIO_LISTEN);
    ovs_assert(host->stats.synacks_dropped == 2 * SIO_SYNACK_QUEUE);
    for (int ms = 0; ms < 50 && !sio_conn_established(guest); ms++) {
        forge_from(&sim, 1, SIO_TCP_SYN, ms * 104729, 0, 41000 + ms);
        sim_step(&sim, 1000);
    }
    ovs_assert(sio_conn_established(guest));
    for (int i = 0; i < 10; i++) {
        sim_step(&sim, 1000);
    }
    ovs_assert(sio_conn_established(host));
    ovs_assert(host->remote_port == guest->local_port);
    ovs_assert(!guest->stats.retrans_segs && !guest->stats.rto_fired);

    /* Blind ACKs from other ports, and SYNs, while established. */
    uint64_t rng = 99;
    for (int i = 0; i < 1000; i++) {
        forge_from(&sim, 1, SIO_TCP_ACK, rnd_next(&rng), rnd_next(&rng),
                   42000 + i % 1000);
        if (i % 10 == 0) {
            forge_from(&sim, 1, SIO_TCP_SYN, rnd_next(&rng), 0, 43000 + i);
        }
        sim_step(&sim, 100);
    }
    ovs_assert(host->stats.bad_cookies == 1000);
    ovs_assert(!host->stats.takeovers);
    ovs_assert(host->remote_port == guest->local_port);

    /* The guest's addresses from another MAC are not the guest. */
    struct sio_seg seg = {
        .ip_src = host->cfg.remote.ip, .ip_dst = host->cfg.local.ip,
        .sport = host->remote_port, .dport = host->local_port,
        .flags = SIO_TCP_SYN,
    };
    memcpy(seg.eth_src, host->cfg.remote.mac, 6);
    ovs_assert(sio_conn_owns(host, &seg));
    seg.eth_src[5] ^= 1;
    ovs_assert(!sio_conn_owns(host, &seg));
    sim_transfer(&sim, 20, 10 * 1000000ULL);
    sim_destroy(&sim);
}

/* Section 9: blind RSTs and out-of-window data change nothing. */
static void
test_spoofing(void)
{
    struct sim sim;

    sim_init(&sim, 8);
    sim_run_until_established(&sim);
    struct sio_conn *host = &sim.s[1].conn;

    forge(&sim, 1, SIO_TCP_RST, host->rcv_nxt + 1000, 0, true);
    forge(&sim, 1, SIO_TCP_RST | SIO_TCP_ACK, host->rcv_nxt + 1, 0, true);
    ovs_assert(host->stats.rst_rejected == 2);
    forge(&sim, 1, SIO_TCP_ACK, host->rcv_nxt + BUF_SIZE * 4,
          host->snd_una, true);
    ovs_assert(host->stats.out_of_window == 1);
    forge(&sim, 1, SIO_TCP_ACK, host->rcv_nxt, host->snd_max + 100000, true);
    ovs_assert(host->stats.bad_ack == 1);
    forge(&sim, 1, SIO_TCP_SYN, 12345, 0, true);
    ovs_assert(host->stats.syn_rejected == 1);
    ovs_assert(sio_conn_established(host));
    sim_transfer(&sim, 20, 10 * 1000000ULL);

    /* The exact RST is accepted: the host goes back to LISTEN. */
    forge(&sim, 1, SIO_TCP_RST, host->rcv_nxt, 0, true);
    ovs_assert(host->state == SIO_LISTEN);
    sim_destroy(&sim);
}

/* Keepalive keeps an idle connection; a dead peer is detected. */
static void
test_keepalive(void)
{
    struct sim sim;

    sim_init(&sim, 9);
    sim_run_until_established(&sim);
    for (int i = 0; i < 300; i++) {
        sim_step(&sim, 100000);       /* 30 s idle. */
    }
    ovs_assert(sio_conn_established(&sim.s[0].conn));
    ovs_assert(sim.s[0].conn.stats.keepalives_out > 0);
    ovs_assert(sim.s[1].conn.stats.keepalives_in > 0);
    ovs_assert(!sim.s[0].conn.stats.keepalive_deaths);

    sim.drop_pct = 1000;            /* The link dies. */
    for (int i = 0; i < 200; i++) {
        sim_step(&sim, 100000);
    }
    ovs_assert(sim.s[0].conn.stats.keepalive_deaths == 1);
    ovs_assert(sim.s[0].conn.state == SIO_CLOSED);
    ovs_assert(sim.s[1].conn.state == SIO_LISTEN);
    sim_destroy(&sim);
}

/* Graceful close from the guest: FIN, FIN, ACK; host back to LISTEN. */
static void
test_teardown(void)
{
    struct sim sim;

    sim_init(&sim, 10);
    sim_run_until_established(&sim);
    sim_transfer(&sim, 10, 10 * 1000000ULL);
    sio_conn_close(&sim.s[0].conn);
    for (int i = 0; i < 100; i++) {
        sim_step(&sim, 1000);
    }
    ovs_assert(sim.s[0].conn.state == SIO_TIME_WAIT);
    ovs_assert(sim.s[1].conn.state == SIO_LISTEN);
    for (int i = 0; i < 30; i++) {
        sim_step(&sim, 100000);
    }
    ovs_assert(sim.s[0].conn.state == SIO_CLOSED);
    ovs_assert(!sim.s[0].conn.stats.resets_sent);
    ovs_assert(!sim.s[1].conn.stats.resets_sent);

    /* And a new connection works. */
    sio_conn_connect(&sim.s[0].conn, sim.now);
    sim_run_until_established(&sim);
    sim_transfer(&sim, 10, 10 * 1000000ULL);
    sim_destroy(&sim);
}

/* A guest that restarts reconnects from a new port; the newest complete
 * handshake replaces the old connection, which is reset. */
static void
test_takeover(void)
{
    struct sim sim;

    sim_init(&sim, 11);
    sim_run_until_established(&sim);
    sim_transfer(&sim, 10, 10 * 1000000ULL);
    uint16_t old_port = sim.s[0].conn.local_port;

    /* The guest forgets everything and connects again. */
    sio_conn_connect(&sim.s[0].conn, sim.now);
    ovs_assert(sim.s[0].conn.local_port != old_port);
    sim.s[1].next_rx_id = 0;
    sim.s[0].next_rx_id = 0;
    sim_run_until_established(&sim);
    for (int i = 0; i < 10; i++) {
        sim_step(&sim, 1000);
    }
    ovs_assert(sim.s[1].conn.stats.takeovers == 1);
    ovs_assert(sim.s[1].conn.remote_port == sim.s[0].conn.local_port);
    ovs_assert(sim.s[1].n_hello == 0);
    sim_transfer(&sim, 20, 10 * 1000000ULL);
    sim_destroy(&sim);
}

/* A corrupt message resets the connection (section 6). */
static void
test_bad_message(void)
{
    struct sim sim;
    uint8_t junk[100];

    sim_init(&sim, 12);
    sim_run_until_established(&sim);
    struct sio_conn *g = &sim.s[0].conn;
    memset(junk, 0x77, sizeof junk);
    /* Bypass the message layer: raw bytes into the stream. */
    uint32_t idx = (g->snd_write - g->snd_base) & (BUF_SIZE - 1);
    memcpy(g->snd_buf + idx, junk, sizeof junk);
    g->snd_write += sizeof junk;
    for (int i = 0; i < 100; i++) {
        sim_step(&sim, 1000);
    }
    ovs_assert(sim.s[1].conn.stats.msg_errors == 1);
    ovs_assert(sim.s[1].conn.state == SIO_LISTEN);
    ovs_assert(g->state == SIO_CLOSED);
    ovs_assert(g->stats.rst_accepted == 1);
    sim_destroy(&sim);
}

/* CRC32C known answers (RFC 3720, B.4), whole and in pieces. */
static void
test_crc32c(void)
{
    uint8_t zeros[32] = { 0 }, ones[32], buf[1000];

    memset(ones, 0xff, sizeof ones);
    ovs_assert(sio_crc32c(0, zeros, sizeof zeros) == 0x8a9136aa);
    ovs_assert(sio_crc32c(0, ones, sizeof ones) == 0x62a8ab43);
    ovs_assert(sio_crc32c(0, "123456789", 9) == 0xe3069283);
    for (int i = 0; i < sizeof buf; i++) {
        buf[i] = i * 7;
    }
    uint32_t whole = sio_crc32c(0, buf, sizeof buf);
    for (int cut = 0; cut <= sizeof buf; cut += 37) {
        ovs_assert(sio_crc32c(sio_crc32c(0, buf, cut), buf + cut,
                              sizeof buf - cut) == whole);
    }
}

static void
test_splitio_main(int argc, char *argv[])
{
    static const struct test_case tests[] = {
        { "crc32c", test_crc32c },
        { "handshake", test_handshake_and_transfer },
        { "loss", test_loss },
        { "reorder-dup", test_reorder_dup },
        { "backpressure", test_backpressure },
        { "spoofing", test_spoofing },
        { "bad-ack-data", test_bad_ack_data },
        { "syn-flood", test_syn_flood },
        { "keepalive", test_keepalive },
        { "teardown", test_teardown },
        { "takeover", test_takeover },
        { "bad-message", test_bad_message },
    };

    test_run(argc, argv, tests, ARRAY_SIZE(tests));
}

OVSTEST_REGISTER("test-splitio", test_splitio_main);
