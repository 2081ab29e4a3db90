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

/* Unit tests of the migration hold (lib/nae-hold.c): what it keeps, whom
 * it hands it to, in what order, and when it lets go. */

#include <config.h>
#undef NDEBUG
#include <string.h>

#include "dp-packet.h"
#include "nae-channel.h"
#include "nae-hold.h"
#include "nae-test-mem.h"
#include "openvswitch/util.h"
#include "ovstest.h"
#include "packets.h"
#include "util.h"

#define FAKE_MAX 64

static const struct eth_addr guest = ETH_ADDR_C(52, 54, 00, 09, 00, 02);
static const struct eth_addr other = ETH_ADDR_C(52, 54, 00, 09, 00, 07);

/* The guest's new port: records what it is given, by sequence number. */
struct fake_chan {
    struct nae_channel up;
    int n;
    uint32_t seq[FAKE_MAX];
    struct eth_addr dst[FAKE_MAX];
};

static void
fake_tx_burst(struct nae_channel *chan, struct dp_packet **pkts, int n)
{
    struct fake_chan *f = CONTAINER_OF(chan, struct fake_chan, up);

    for (int i = 0; i < n; i++) {
        const struct eth_header *eth = dp_packet_data(pkts[i]);

        ovs_assert(f->n < FAKE_MAX);
        f->dst[f->n] = eth->eth_dst;
        memcpy(&f->seq[f->n++], eth + 1, sizeof f->seq[0]);
        dp_packet_delete(pkts[i]);
    }
}

static const struct nae_channel_class fake_class = {
    .type = "fake",
    .tx_burst = fake_tx_burst,
};

static void
fake_init(struct fake_chan *f)
{
    memset(f, 0, sizeof *f);
    f->up.class = &fake_class;
}

/* A frame to 'dst' carrying sequence number 'seq'. */
static struct dp_packet *
frame(struct eth_addr dst, uint32_t seq)
{
    struct dp_packet *pkt = dp_packet_new(64);
    struct eth_header *eth = dp_packet_put_zeros(pkt, sizeof *eth);

    eth->eth_dst = dst;
    eth->eth_src = other;
    eth->eth_type = htons(ETH_TYPE_IP);
    memcpy(dp_packet_put_zeros(pkt, 46), &seq, sizeof seq);
    return pkt;
}

static void
send1(struct nae_hold *hold, struct eth_addr dst, uint32_t seq,
      long long int now)
{
    struct dp_packet *pkt = frame(dst, seq);

    nae_hold_send(hold, &pkt, 1, now);
}

static void
check_stats(const struct nae_hold *hold, uint64_t held, uint64_t handed_over,
            uint64_t lost)
{
    struct nae_hold_stats st;

    nae_hold_get_stats(hold, &st);
    ovs_assert(st.held == held);
    ovs_assert(st.handed_over == handed_over);
    ovs_assert(st.lost == lost);
}

/* Kept frames to the guest reach its new port in order, before later
 * ones, which follow; frames to others are not handed over. */
static void
test_claim_order(void)
{
    struct nae_hold hold;
    struct fake_chan to;

    fake_init(&to);
    nae_hold_init(&hold, 16);
    ovs_assert(!nae_hold_is_active(&hold));
    nae_hold_start(&hold, guest, 1000, 2000);
    ovs_assert(nae_hold_is_active(&hold));

    send1(&hold, guest, 1, 1010);
    send1(&hold, eth_addr_broadcast, 2, 1011);
    send1(&hold, guest, 3, 1012);
    check_stats(&hold, 3, 0, 0);

    /* Another VM's announcement takes nothing. */
    ovs_assert(!nae_hold_claim(&hold, other, &to.up, 1020));
    ovs_assert(to.n == 0);

    ovs_assert(nae_hold_claim(&hold, guest, &to.up, 1030));
    ovs_assert(to.n == 2 && to.seq[0] == 1 && to.seq[1] == 3);
    check_stats(&hold, 3, 2, 1);

    /* Claimed once only. */
    ovs_assert(!nae_hold_claim(&hold, guest, &to.up, 1031));

    /* Later frames follow, those to the guest only. */
    send1(&hold, guest, 4, 1040);
    send1(&hold, other, 5, 1041);
    ovs_assert(to.n == 3 && to.seq[2] == 4);
    check_stats(&hold, 3, 3, 2);
    for (int i = 0; i < to.n; i++) {
        ovs_assert(eth_addr_equals(to.dst[i], guest));
    }

    /* Until the hold is over. */
    send1(&hold, guest, 6, 3000);
    ovs_assert(to.n == 3 && !nae_hold_is_active(&hold));
    check_stats(&hold, 3, 3, 3);
    nae_hold_destroy(&hold);
}

/* A hold whose guest never sent from its port is its guest's if it keeps
 * frames to the announced MAC; an empty one with no MAC is nobody's. */
static void
test_claim_by_frames(void)
{
    struct nae_hold hold;
    struct fake_chan to;

    fake_init(&to);
    nae_hold_init(&hold, 16);
    nae_hold_start(&hold, eth_addr_zero, 0, 2000);
    ovs_assert(!nae_hold_claim(&hold, guest, &to.up, 10));
    send1(&hold, guest, 1, 20);
    ovs_assert(nae_hold_claim(&hold, guest, &to.up, 30));
    ovs_assert(to.n == 1 && to.seq[0] == 1);
    nae_hold_destroy(&hold);
}

/* Bounded in number and in time: what does not fit, or comes too late, is
 * dropped and counted; a claim too late takes nothing. */
static void
test_bounds(void)
{
    struct nae_hold hold;
    struct fake_chan to;

    fake_init(&to);
    nae_hold_init(&hold, 4);
    nae_hold_start(&hold, guest, 0, 100);
    for (int i = 0; i < 6; i++) {
        send1(&hold, guest, i, 10 + i);
    }
    check_stats(&hold, 4, 0, 2);

    ovs_assert(!nae_hold_claim(&hold, guest, &to.up, 100));
    nae_hold_run(&hold, 99);
    ovs_assert(nae_hold_is_active(&hold));
    nae_hold_run(&hold, 100);
    ovs_assert(!nae_hold_is_active(&hold));
    check_stats(&hold, 4, 0, 6);
    ovs_assert(to.n == 0);

    /* A new start begins afresh. */
    nae_hold_start(&hold, guest, 200, 100);
    send1(&hold, guest, 9, 210);
    ovs_assert(nae_hold_claim(&hold, guest, &to.up, 220));
    ovs_assert(to.n == 1 && to.seq[0] == 9);
    nae_hold_destroy(&hold);
}

static void
own_deliver(void *f_, struct dp_packet **pkts, int n)
{
    struct fake_chan *f = f_;

    fake_tx_burst(&f->up, pkts, n);
}

/* The guest comes back (a cancelled migration): its own port gets all it
 * kept, broadcasts too, since the bridge sent them there. */
static void
test_back_home(void)
{
    struct nae_hold hold;
    struct fake_chan own;

    fake_init(&own);
    nae_hold_init(&hold, 16);
    nae_hold_start(&hold, guest, 0, 2000);
    send1(&hold, guest, 1, 10);
    send1(&hold, eth_addr_broadcast, 2, 11);
    nae_hold_stop(&hold, own_deliver, &own);
    ovs_assert(own.n == 2 && own.seq[0] == 1 && own.seq[1] == 2);
    ovs_assert(!nae_hold_is_active(&hold));
    check_stats(&hold, 2, 2, 0);

    /* Stopped with nobody to give to: dropped. */
    nae_hold_start(&hold, guest, 100, 2000);
    send1(&hold, guest, 3, 110);
    nae_hold_stop(&hold, NULL, NULL);
    check_stats(&hold, 3, 2, 1);
    nae_hold_destroy(&hold);
}

/* The new port goes: the hold ends, nothing more is handed to it. */
static void
test_forget(void)
{
    struct nae_hold hold;
    struct fake_chan to, unrelated;

    fake_init(&to);
    fake_init(&unrelated);
    nae_hold_init(&hold, 16);
    nae_hold_start(&hold, guest, 0, 2000);
    ovs_assert(nae_hold_claim(&hold, guest, &to.up, 10));
    nae_hold_forget(&hold, &unrelated.up);
    ovs_assert(nae_hold_is_active(&hold));
    nae_hold_forget(&hold, &to.up);
    ovs_assert(!nae_hold_is_active(&hold));
    nae_hold_destroy(&hold);
}

/* An arrival hold keeps the latest frames (the oldest make room), is
 * claimed by nobody, and gives what it kept to its own port. */
static void
test_arrival(void)
{
    struct nae_hold hold;
    struct fake_chan own, to;

    fake_init(&own);
    fake_init(&to);
    nae_hold_init(&hold, 4);
    nae_hold_start_arrival(&hold, 0, 60000);
    for (uint32_t seq = 1; seq <= 6; seq++) {
        send1(&hold, guest, seq, seq);
    }
    ovs_assert(!nae_hold_claim(&hold, guest, &to.up, 10));
    nae_hold_stop(&hold, own_deliver, &own);
    ovs_assert(!to.n);
    ovs_assert(own.n == 4 && own.seq[0] == 3 && own.seq[3] == 6);
    check_stats(&hold, 6, 4, 0);

    struct nae_hold_stats st;
    nae_hold_get_stats(&hold, &st);
    ovs_assert(st.let_go == 2 && st.arrival && !st.active);

    /* A burst larger than the hold: its latest frames stay. */
    struct dp_packet *pkts[6];

    fake_init(&own);
    nae_hold_start_arrival(&hold, 100, 60000);
    send1(&hold, guest, 10, 100);
    for (int i = 0; i < 6; i++) {
        pkts[i] = frame(guest, 20 + i);
    }
    nae_hold_send(&hold, pkts, 6, 101);
    nae_hold_stop(&hold, own_deliver, &own);
    ovs_assert(own.n == 4 && own.seq[0] == 22 && own.seq[3] == 25);
    nae_hold_destroy(&hold);
}

static void
test_nae_hold_main(int argc, char *argv[])
{
    static const struct test_case tests[] = {
        { "claim-order", test_claim_order },
        { "claim-by-frames", test_claim_by_frames },
        { "bounds", test_bounds },
        { "back-home", test_back_home },
        { "forget", test_forget },
        { "arrival", test_arrival },
    };

    test_run(argc, argv, tests, ARRAY_SIZE(tests));
}

OVSTEST_REGISTER("test-nae-hold", test_nae_hold_main);
