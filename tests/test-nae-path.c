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

/* Unit tests of the path machine (lib/nae-path.c) over a fake hardware
 * channel class and a fake guest: the ordering of frames across a switch,
 * lost and stale acks, a guest gone mid-switch, timeouts, unplug and
 * release.  Time is the test's own. */

#include <config.h>
#undef NDEBUG
#include <stdio.h>
#include <string.h>

#include "dp-packet.h"
#include "nae-channel.h"
#include "nae-path.h"
#include "nae-test-mem.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "ovstest.h"
#include "util.h"

#define FAKE_QUEUE 64

struct fake_port;

/* A channel (the hardware one, or the rings): a queue of frames the guest
 * sent on it. */
struct fake_chan {
    struct nae_channel up;
    bool link;
    int n_released;
    struct dp_packet *queue[FAKE_QUEUE];
    int head, tail;
    int n_tx;

    /* Called as a read starts, for what happens meanwhile elsewhere. */
    void (*on_rx)(struct fake_port *);
    struct fake_port *port;
};

/* Everything the machine drives, as a port would give it. */
struct fake_port {
    struct nae_path_machine m;
    struct fake_chan hw;
    struct fake_chan ring;              /* Ring 0, polled by rxq 0 too. */
    struct nae_path_stash stash;
    long long int now;                  /* For 'on_rx' hooks. */
    bool guest;                 /* Has a session. */
    uint32_t ack;               /* Its last acknowledged generation. */

    int n_announce;
    uint32_t announced_gen;
    enum nae_path announced_to;
    bool announced_release;
    int offload_at_announce;    /* 'offload' when the last event went. */

    int n_offload;
    enum nae_offload_state offload;     /* As last asked for. */
    uint64_t offload_asked;             /* Tickets given out. */
    uint64_t offload_done;              /* Rule changes made. */
    bool offload_slow;                  /* The test makes them. */
};

static struct fake_chan *
fake_chan_cast(const struct nae_channel *chan)
{
    return CONTAINER_OF(chan, struct fake_chan, up);
}

static bool
fake_link(const struct nae_channel *chan)
{
    return fake_chan_cast(chan)->link;
}

static void
fake_release(struct nae_channel *chan)
{
    fake_chan_cast(chan)->n_released++;
}

static int
fake_rx_burst(struct nae_channel *chan, struct dp_packet **pkts, int max)
{
    struct fake_chan *f = fake_chan_cast(chan);
    int n = 0;

    if (f->on_rx) {
        void (*on_rx)(struct fake_port *) = f->on_rx;

        f->on_rx = NULL;
        on_rx(f->port);
    }
    while (n < max && f->head != f->tail) {
        pkts[n++] = f->queue[f->head++ % FAKE_QUEUE];
    }
    return n;
}

static void
fake_tx_burst(struct nae_channel *chan, struct dp_packet **pkts, int n)
{
    fake_chan_cast(chan)->n_tx += n;
    for (int i = 0; i < n; i++) {
        dp_packet_delete(pkts[i]);
    }
}

static const struct nae_channel_class fake_class = {
    .type = "fake",
    .link = fake_link,
    .release = fake_release,
    .rx_burst = fake_rx_burst,
    .tx_burst = fake_tx_burst,
};

static bool
fake_guest_ack(void *p_, uint32_t *ack)
{
    struct fake_port *p = p_;

    *ack = p->ack;
    return p->guest;
}

static void
fake_announce(void *p_, uint32_t gen, enum nae_path to, bool release)
{
    struct fake_port *p = p_;

    p->n_announce++;
    p->announced_gen = gen;
    p->announced_to = to;
    p->announced_release = release;
    p->offload_at_announce = p->offload;
}

static uint64_t
fake_offload(void *p_, enum nae_offload_state state)
{
    struct fake_port *p = p_;

    p->n_offload++;
    p->offload = state;
    p->offload_asked++;
    if (!p->offload_slow) {
        p->offload_done = p->offload_asked;
    }
    return p->offload_asked;
}

static bool
fake_offload_done(void *p_, uint64_t ticket)
{
    struct fake_port *p = p_;

    return p->offload_done >= ticket;
}

static void
fake_offload_wait(void *p_ OVS_UNUSED, uint64_t ticket OVS_UNUSED)
{
}

static const struct nae_path_ops fake_ops = {
    .guest_ack = fake_guest_ack,
    .announce = fake_announce,
    .offload = fake_offload,
    .offload_done = fake_offload_done,
    .offload_wait = fake_offload_wait,
};

/* A frame carrying sequence number 'seq'. */
static struct dp_packet *
frame(uint32_t seq)
{
    struct dp_packet *pkt = dp_packet_new(64);

    dp_packet_put(pkt, &seq, sizeof seq);
    return pkt;
}

static uint32_t
frame_seq(const struct dp_packet *pkt)
{
    uint32_t seq;

    memcpy(&seq, dp_packet_data(pkt), sizeof seq);
    return seq;
}

static void
chan_send(struct fake_chan *f, uint32_t seq)
{
    ovs_assert(f->tail - f->head < FAKE_QUEUE);
    f->queue[f->tail++ % FAKE_QUEUE] = frame(seq);
}

/* The guest sends 'seq' on its VF. */
static void
vf_send(struct fake_port *p, uint32_t seq)
{
    chan_send(&p->hw, seq);
}

static void
port_init(struct fake_port *p)
{
    memset(p, 0, sizeof *p);
    p->hw.up.class = &fake_class;
    p->hw.link = true;
    p->hw.port = p;
    p->ring.up.class = &fake_class;
    p->ring.link = true;
    p->ring.port = p;
    p->guest = true;
    nae_path_init(&p->m, "p", &fake_ops, p);
    nae_path_attach(&p->m, &p->hw.up);
    ovs_assert(p->offload == NAE_OFFLOAD_OFF);
}

/* The guest acknowledges the last switch announced. */
static void
guest_acks(struct fake_port *p)
{
    p->ack = p->announced_gen;
}

/* A port that is on its hardware channel, at time 'now'. */
static void
port_on_hw(struct fake_port *p, long long int now)
{
    port_init(p);
    nae_path_run(&p->m, true, now);
    guest_acks(p);
    nae_path_run(&p->m, true, now + 10);
    ovs_assert(p->m.path == NAE_PATH_HW && !p->m.switching);
    ovs_assert(nae_path_tx_on_hw(&p->m));
}

/* A port on its VF, with frames 1, 2 and 3 the guest sent there still in
 * the VF's queue. */
static void
port_on_hw_holding(struct fake_port *p)
{
    port_on_hw(p, 0);
    for (uint32_t seq = 1; seq <= 3; seq++) {
        vf_send(p, seq);
    }
}

/* Moving onto the VF: rules from the port before the guest is told, rules
 * to it and our transmit at its ack. */
static void
test_to_hw(void)
{
    struct fake_port p;

    port_init(&p);
    nae_path_run(&p.m, false, 0);
    ovs_assert(!p.m.switching && !p.n_announce);

    nae_path_run(&p.m, true, 1000);
    ovs_assert(p.m.switching && p.m.switch_to == NAE_PATH_HW);
    ovs_assert(p.n_announce == 1 && p.announced_to == NAE_PATH_HW);
    ovs_assert(!p.announced_release);
    ovs_assert(p.offload_at_announce == NAE_OFFLOAD_AS_SOURCE);
    ovs_assert(!nae_path_tx_on_hw(&p.m));
    ovs_assert(!nae_path_sw_rx_held(&p.m));

    /* Nothing moves before the ack, however often it runs. */
    for (int i = 0; i < 10; i++) {
        nae_path_run(&p.m, true, 1000 + i * 1000);
    }
    ovs_assert(p.n_announce == 1 && !nae_path_tx_on_hw(&p.m));

    guest_acks(&p);
    nae_path_run(&p.m, true, 51000);
    ovs_assert(!p.m.switching && p.m.path == NAE_PATH_HW);
    ovs_assert(nae_path_tx_on_hw(&p.m));
    ovs_assert(p.offload == NAE_OFFLOAD_ON);
    ovs_assert(p.m.n_switches == 1 && p.m.last_gap_us == 50000);
}

/* Collects what the port's rxq 0 hands OVS in one poll, as netdev-nae's
 * does: the hardware channel first, else the rings, which the guest has
 * filled with frames from '*ring_next' up to 'ring_end'. */
static int
poll_rxq0(struct fake_port *p, uint32_t *ring_next, uint32_t ring_end,
          uint32_t *out, int n_out)
{
    struct dp_packet *pkts[2];
    int n;

    while (*ring_next < ring_end) {
        chan_send(&p->ring, (*ring_next)++);
    }
    n = nae_path_rx_hw(&p->m, pkts, ARRAY_SIZE(pkts));
    if (!n) {
        n = nae_path_rx_sw(&p->m, &p->stash, &p->ring.up, pkts,
                           ARRAY_SIZE(pkts));
    }
    for (int i = 0; i < n; i++) {
        out[n_out++] = frame_seq(pkts[i]);
        dp_packet_delete(pkts[i]);
    }
    return n_out;
}

/* Moving off the VF: frames the guest sent on it, even after the switch
 * began and even while the PMD saw its queue empty, reach OVS before any
 * frame it sends on the rings. */
static void
test_to_sw_order(void)
{
    uint32_t out[32], ring_next = 10;
    struct fake_port p;
    int n = 0;

    port_on_hw_holding(&p);

    nae_path_run(&p.m, false, 100);
    ovs_assert(p.m.switching && p.announced_to == NAE_PATH_SW);
    ovs_assert(p.offload_at_announce == NAE_OFFLOAD_OFF);
    ovs_assert(nae_path_sw_rx_held(&p.m));
    /* Our transmit stays on the VF until the ack. */
    ovs_assert(nae_path_tx_on_hw(&p.m));

    /* The PMD drains what is there and sees the queue empty: not enough
     * to let the rings in, since the guest has not acked. */
    for (int i = 0; i < 4; i++) {
        n = poll_rxq0(&p, &ring_next, 10, out, n);
    }
    ovs_assert(n == 3 && nae_path_sw_rx_held(&p.m));

    /* The guest sends one more on the VF, acks, and sends on the rings
     * (frames 10..12) before the PMD looks again. */
    vf_send(&p, 4);
    guest_acks(&p);
    nae_path_run(&p.m, false, 200);
    ovs_assert(!p.m.switching && !nae_path_tx_on_hw(&p.m));
    ovs_assert(p.offload == NAE_OFFLOAD_OFF);
    for (int i = 0; i < 4; i++) {
        n = poll_rxq0(&p, &ring_next, 13, out, n);
    }
    ovs_assert(n == 7 && !nae_path_sw_rx_held(&p.m));
    ovs_assert(out[3] == 4);
    for (int i = 0; i < 3; i++) {
        ovs_assert(out[i] == i + 1 && out[4 + i] == 10 + i);
    }
}

/* While the PMD, which found the rings not held, is descheduled before it
 * reads them: a switch off the VF starts, the guest's last VF frames (1-3)
 * reach the hardware channel, it acks, we see the ack, and it sends 10 and
 * 11 on the rings.  The PMD's read then returns 10 and 11; they must still
 * come after 1-3, and before 12. */
static void
descheduled_meanwhile(struct fake_port *p)
{
    nae_path_run(&p->m, false, p->now);
    ovs_assert(p->m.switching && nae_path_sw_rx_held(&p->m));
    for (uint32_t seq = 1; seq <= 3; seq++) {
        vf_send(p, seq);
    }
    guest_acks(p);
    nae_path_run(&p->m, false, p->now + 100);
    ovs_assert(!p->m.switching && p->m.path == NAE_PATH_SW);
    chan_send(&p->ring, 10);
    chan_send(&p->ring, 11);
}

static void
test_to_sw_descheduled(void)
{
    uint32_t out[32], ring_next = 12;
    struct fake_port p;
    int n = 0;

    port_on_hw(&p, 0);
    p.now = 100;
    p.ring.on_rx = descheduled_meanwhile;
    n = poll_rxq0(&p, &ring_next, 12, out, n);
    ovs_assert(n == 0 && p.stash.n == 2);
    for (int i = 0; i < 6; i++) {
        n = poll_rxq0(&p, &ring_next, 13, out, n);
    }
    ovs_assert(n == 6 && !p.stash.n && !nae_path_sw_rx_held(&p.m));
    ovs_assert(out[0] == 1 && out[1] == 2 && out[2] == 3);
    ovs_assert(out[3] == 10 && out[4] == 11 && out[5] == 12);

    /* A port torn down with frames stashed frees them. */
    p.ring.on_rx = NULL;
    nae_path_run(&p.m, true, 300);
    guest_acks(&p);
    nae_path_run(&p.m, true, 310);
    ovs_assert(p.m.path == NAE_PATH_HW);
    p.now = 400;
    p.ring.on_rx = descheduled_meanwhile;
    ring_next = 12;
    poll_rxq0(&p, &ring_next, 12, out, 0);
    ovs_assert(p.stash.n == 2 && nae_path_stash_clear(&p.stash) == 2);
    ovs_assert(!p.stash.n);
    while (p.hw.head != p.hw.tail) {
        dp_packet_delete(p.hw.queue[p.hw.head++ % FAKE_QUEUE]);
    }
}

/* Forced off the VF while it still holds frames the guest sent (a VM whose
 * device took its rings back): they reach OVS before the rings' frames. */
static void
test_force_sw_order(void)
{
    uint32_t out[32], ring_next = 10;
    struct fake_port p;
    int n = 0;

    port_on_hw_holding(&p);
    nae_path_force_sw(&p.m);
    ovs_assert(p.m.path == NAE_PATH_SW && !nae_path_tx_on_hw(&p.m));
    ovs_assert(nae_path_sw_rx_held(&p.m));
    for (int i = 0; i < 4; i++) {
        n = poll_rxq0(&p, &ring_next, 13, out, n);
    }
    ovs_assert(n == 6 && !nae_path_sw_rx_held(&p.m));
    for (int i = 0; i < 3; i++) {
        ovs_assert(out[i] == i + 1 && out[3 + i] == 10 + i);
    }

    /* Already on the rings: nothing to wait for. */
    nae_path_force_sw(&p.m);
    ovs_assert(!nae_path_sw_rx_held(&p.m));
}

/* A guest that never acks a switch to the VF: back to the rings after the
 * timeout, with no new try until the retry time. */
static void
test_lost_ack(void)
{
    long long int t = 1000000;
    struct fake_port p;
    uint32_t first;

    port_init(&p);
    nae_path_run(&p.m, true, t);
    first = p.announced_gen;
    nae_path_run(&p.m, true, t + NAE_PATH_SWITCH_TIMEOUT_US);
    ovs_assert(p.m.switching && p.m.switch_to == NAE_PATH_HW);
    ovs_assert(!p.m.n_timeouts);

    nae_path_run(&p.m, true, t + NAE_PATH_SWITCH_TIMEOUT_US + 1);
    ovs_assert(p.m.n_timeouts == 1);
    ovs_assert(p.m.switching && p.m.switch_to == NAE_PATH_SW);
    ovs_assert(p.announced_to == NAE_PATH_SW && p.announced_gen != first);
    ovs_assert(nae_path_sw_rx_held(&p.m));
    ovs_assert(nae_path_retry_pending(&p.m, t + NAE_PATH_SWITCH_TIMEOUT_US
                                      + NAE_PATH_RETRY_US));

    t += NAE_PATH_SWITCH_TIMEOUT_US + 10;
    guest_acks(&p);
    nae_path_run(&p.m, true, t);
    ovs_assert(!p.m.switching && p.m.path == NAE_PATH_SW);
    ovs_assert(!nae_path_tx_on_hw(&p.m));

    /* The port still wants the VF, but not yet. */
    int announced = p.n_announce;

    nae_path_run(&p.m, true, t + NAE_PATH_RETRY_US / 2);
    ovs_assert(!p.m.switching && p.n_announce == announced);
    nae_path_run(&p.m, true, t + NAE_PATH_RETRY_US);
    ovs_assert(p.m.switching && p.m.switch_to == NAE_PATH_HW);
}

/* A switch to the rings has no timeout: only the ack says the guest's last
 * VF frames are queued. */
static void
test_sw_no_timeout(void)
{
    struct fake_port p;

    port_on_hw(&p, 0);
    nae_path_run(&p.m, false, 100);
    for (long long int t = 100; t < 60 * 1000 * 1000; t += 500 * 1000) {
        nae_path_run(&p.m, false, t);
    }
    ovs_assert(p.m.switching && p.m.switch_to == NAE_PATH_SW);
    ovs_assert(!p.m.n_timeouts && p.n_announce == 2);
    ovs_assert(nae_path_tx_on_hw(&p.m) && nae_path_sw_rx_held(&p.m));
}

/* An ack of an older generation completes nothing. */
static void
test_stale_ack(void)
{
    struct fake_port p;
    uint32_t old;

    port_on_hw(&p, 0);
    old = p.ack;
    nae_path_run(&p.m, false, 100);
    ovs_assert(p.announced_gen != old);
    p.ack = old;
    nae_path_run(&p.m, false, 200);
    ovs_assert(p.m.switching && nae_path_tx_on_hw(&p.m));
    p.ack = p.announced_gen + 1;
    nae_path_run(&p.m, false, 300);
    ovs_assert(p.m.switching);
    guest_acks(&p);
    nae_path_run(&p.m, false, 400);
    ovs_assert(!p.m.switching && p.m.n_switches == 2);
}

/* The guest's session ends mid-switch: the switch completes, unacked, and
 * what the VF still holds is drained before the rings. */
static void
test_guest_gone(void)
{
    uint32_t out[8], ring_next = 10;
    struct fake_port p;
    int n = 0;

    port_on_hw(&p, 0);
    vf_send(&p, 1);
    nae_path_run(&p.m, false, 100);
    p.guest = false;
    nae_path_run(&p.m, false, 200);
    ovs_assert(!p.m.switching && p.m.path == NAE_PATH_SW);
    ovs_assert(p.m.n_switches == 1);     /* Only the first, acked. */
    ovs_assert(!nae_path_tx_on_hw(&p.m));
    n = poll_rxq0(&p, &ring_next, 11, out, n);
    n = poll_rxq0(&p, &ring_next, 11, out, n);
    n = poll_rxq0(&p, &ring_next, 11, out, n);
    ovs_assert(n == 2 && out[0] == 1 && out[1] == 10);
}

/* Generation 0 is a new session's ack: it is never announced. */
static void
test_generations(void)
{
    struct fake_port p;

    port_init(&p);
    p.m.gen = NAE_PATH_GEN_MAX;
    nae_path_run(&p.m, true, 0);
    ovs_assert(p.announced_gen == 1);
    /* A new guest's zero ack does not complete it. */
    p.ack = 0;
    nae_path_run(&p.m, true, 10);
    ovs_assert(p.m.switching);
}

/* An orderly unplug: link down moves the port to its rings, and the VF is
 * let go once, after the guest's ack; a replug brings it back. */
static void
test_unplug(void)
{
    struct fake_port p;

    port_on_hw(&p, 0);
    p.hw.link = false;
    nae_path_run(&p.m, true, 100);
    ovs_assert(p.m.switching && p.m.switch_to == NAE_PATH_SW);
    nae_path_run(&p.m, true, 200);
    ovs_assert(!p.hw.n_released);

    /* The guest's ack says it no longer uses the VF. */
    guest_acks(&p);
    nae_path_run(&p.m, true, 300);
    ovs_assert(p.m.path == NAE_PATH_SW && p.hw.n_released == 1);
    nae_path_run(&p.m, true, 400);
    nae_path_run(&p.m, true, 500);
    ovs_assert(p.hw.n_released == 1 && !p.m.switching);

    p.hw.link = true;
    nae_path_run(&p.m, true, 600);
    ovs_assert(p.m.switching && p.m.switch_to == NAE_PATH_HW);
    ovs_assert(!p.m.hw_released);
}

/* The hardware channel is taken away: to the rings at once, the guest
 * told, no rule left. */
static void
test_detach(void)
{
    struct fake_port p;

    port_on_hw(&p, 0);
    nae_path_run(&p.m, false, 100);     /* Mid-switch, too. */
    ovs_assert(nae_path_detach(&p.m) == &p.hw.up);
    ovs_assert(!p.m.hw && !p.m.switching && p.m.path == NAE_PATH_SW);
    ovs_assert(!nae_path_tx_on_hw(&p.m) && !nae_path_sw_rx_held(&p.m));
    ovs_assert(p.offload == NAE_OFFLOAD_OFF);
    ovs_assert(p.announced_to == NAE_PATH_SW && !p.announced_release);
    /* Without a channel, running does nothing. */
    int announced = p.n_announce;

    nae_path_run(&p.m, true, 200);
    ovs_assert(p.n_announce == announced);
    ovs_assert(!nae_path_detach(&p.m));
}

/* The eswitch's rules change off the main thread: the guest hears of a
 * switch only once they have, and the timeout runs only from then. */
static void
test_offload_wait(void)
{
    struct fake_port p;

    port_init(&p);
    p.offload_slow = true;
    nae_path_run(&p.m, true, 0);
    ovs_assert(p.m.switching && !p.n_announce);
    ovs_assert(p.offload == NAE_OFFLOAD_AS_SOURCE);
    nae_path_run(&p.m, true, 3 * NAE_PATH_SWITCH_TIMEOUT_US);
    ovs_assert(p.m.switching && !p.n_announce && !p.m.n_timeouts);

    p.offload_done = p.offload_asked;
    nae_path_run(&p.m, true, 3 * NAE_PATH_SWITCH_TIMEOUT_US + 10);
    ovs_assert(p.n_announce == 1 && p.announced_to == NAE_PATH_HW);
    nae_path_run(&p.m, true, 4 * NAE_PATH_SWITCH_TIMEOUT_US);
    ovs_assert(p.m.switching && !p.m.n_timeouts);
    guest_acks(&p);
    nae_path_run(&p.m, true, 4 * NAE_PATH_SWITCH_TIMEOUT_US + 10);
    ovs_assert(p.m.path == NAE_PATH_HW && nae_path_tx_on_hw(&p.m));
    /* The gap counts the wait for the rules. */
    ovs_assert(p.m.last_gap_us == 4 * NAE_PATH_SWITCH_TIMEOUT_US + 10);

    /* Off the VF: the rules to the port go before the guest is told, and
     * the rings are held from the start. */
    nae_path_run(&p.m, false, 5 * NAE_PATH_SWITCH_TIMEOUT_US);
    ovs_assert(p.n_announce == 1 && p.offload == NAE_OFFLOAD_OFF);
    ovs_assert(nae_path_sw_rx_held(&p.m) && nae_path_tx_on_hw(&p.m));
    p.offload_done = p.offload_asked;
    nae_path_run(&p.m, false, 5 * NAE_PATH_SWITCH_TIMEOUT_US + 10);
    ovs_assert(p.n_announce == 2 && p.announced_to == NAE_PATH_SW);
    ovs_assert(p.offload_at_announce == NAE_OFFLOAD_OFF);
}

/* Placement takes the VF: the guest is told to let go, and 'let_go' says
 * when it has. */
static void
test_release(void)
{
    struct fake_port p;

    port_on_hw(&p, 0);
    nae_path_run(&p.m, false, 100);
    guest_acks(&p);
    nae_path_run(&p.m, false, 200);
    ovs_assert(p.m.path == NAE_PATH_SW && !p.m.let_go);

    nae_path_release(&p.m, 300);
    ovs_assert(p.m.switching && p.announced_release);
    nae_path_release(&p.m, 310);        /* Once is enough. */
    ovs_assert(p.n_announce == 3);
    guest_acks(&p);
    nae_path_run(&p.m, false, 400);
    ovs_assert(p.m.let_go && !p.m.releasing);
}

static void
test_nae_path_main(int argc, char *argv[])
{
    static const struct test_case tests[] = {
        { "to-hw", test_to_hw },
        { "to-sw-order", test_to_sw_order },
        { "to-sw-descheduled", test_to_sw_descheduled },
        { "lost-ack", test_lost_ack },
        { "sw-no-timeout", test_sw_no_timeout },
        { "stale-ack", test_stale_ack },
        { "guest-gone", test_guest_gone },
        { "generations", test_generations },
        { "unplug", test_unplug },
        { "detach", test_detach },
        { "force-sw-order", test_force_sw_order },
        { "release", test_release },
        { "offload-wait", test_offload_wait },
    };

    /* Switches are logged; the test checks the machine instead. */
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_OFF);
    test_run(argc, argv, tests, ARRAY_SIZE(tests));
}

OVSTEST_REGISTER("test-nae-path", test_nae_path_main);
