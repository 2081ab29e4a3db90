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

/* Unit tests of the NAE software data path: ring wrap-around, split
 * header/data, and the validation of every descriptor and index a guest
 * writes. */

#include <config.h>
#undef NDEBUG
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dp-packet.h"
#include "nae-rxtx.h"
#include "nae-test-mem.h"
#include "netdev.h"
#include "openvswitch/util.h"
#include "ovstest.h"
#include "util.h"

struct test_chan {
    struct test_guest tg;
    struct nae_rings chan;
    uint32_t tx_tail;       /* Guest's tx producer index. */
    uint32_t rx_tail;       /* Guest's rx producer index. */
};

static void
tc_init(struct test_chan *tc, uint32_t size, uint64_t features)
{
    struct nae_chan_layout layout[NAE_MAX_CHANNELS];

    nae_rings_construct(&tc->chan);
    test_guest_init(&tc->tg, size, features);
    ovs_assert(!nae_dev_layout(&tc->tg.dev, layout));
    nae_rings_init(&tc->chan, &layout[0], 1518);
    tc->tx_tail = tc->rx_tail = 0;
}

static void
tc_destroy(struct test_chan *tc)
{
    nae_rings_destroy(&tc->chan);
    test_guest_destroy(&tc->tg);
}

/* Guest: queues one tx descriptor. */
static void
guest_tx(struct test_chan *tc, uint64_t hdr, uint16_t hdr_len,
         uint64_t data, uint16_t len, uint16_t cmd)
{
    uint32_t mask = tc->chan.from_guest.mask;
    struct nae_desc *d = &tc->tg.tx_desc[tc->tx_tail++ & mask];

    *d = (struct nae_desc) {
        .header_addr = hdr, .header_len = hdr_len,
        .data_addr = data, .length = len, .command = cmd,
    };
}

static void
guest_tx_flush(struct test_chan *tc)
{
    __atomic_store_n(&tc->tg.tx_drv->tail, tc->tx_tail, __ATOMIC_RELEASE);
}

/* Switch: receives whatever is queued, up to a burst. */
static int
switch_rx(struct test_chan *tc, struct dp_packet *pkts[NETDEV_MAX_BURST])
{
    int n = nae_rings_rx_pending(&tc->chan);

    for (int i = 0; i < n; i++) {
        pkts[i] = dp_packet_new_with_headroom(2048, 128);
    }
    int got = nae_rings_rx_burst(&tc->chan, &tc->tg.dev.mem.map, pkts, n);
    for (int i = got; i < n; i++) {
        dp_packet_delete(pkts[i]);
    }
    return got;
}

static uint64_t
rx_drop(const struct test_chan *tc, enum nae_drop r)
{
    return nae_stat_get(&tc->chan.rx_stats.drops[r]);
}

static uint64_t
tx_drop(const struct test_chan *tc, enum nae_drop r)
{
    return nae_stat_get(&tc->chan.tx_stats.drops[r]);
}

/* Frames go through a 32-entry ring thousands of times in odd-sized
 * bursts, so indices wrap the ring often, and once across 2**32. */
static void
test_wrap(void)
{
    struct dp_packet *pkts[NETDEV_MAX_BURST];
    struct test_chan tc;
    uint32_t seq = 0, got_seq = 0;

    tc_init(&tc, 32, NAE_F_ALL);
    for (int round = 0; round < 2; round++) {
        if (round == 1) {
            /* Restart both sides just below the 32-bit wrap. */
            uint32_t start = UINT32_MAX - 40;

            tc.tx_tail = start;
            tc.chan.from_guest.next = start;
            guest_tx_flush(&tc);
        }
        for (int i = 0; i < 3000; i++) {
            int burst = 1 + i % 7;

            for (int b = 0; b < burst; b++) {
                uint8_t *buf = tc.tg.bufs + (tc.tx_tail & 31) * 2048;

                memset(buf, 0xab, 64);
                memcpy(buf + 20, &seq, sizeof seq);
                seq++;
                guest_tx(&tc, 0, 0, tc.tg.bufs_gpa + (tc.tx_tail & 31) * 2048,
                         64, 0);
            }
            guest_tx_flush(&tc);
            int n = switch_rx(&tc, pkts);
            ovs_assert(n == burst);
            for (int k = 0; k < n; k++) {
                uint32_t s;

                ovs_assert(dp_packet_size(pkts[k]) == 64);
                memcpy(&s, (uint8_t *) dp_packet_data(pkts[k]) + 20, sizeof s);
                ovs_assert(s == got_seq++);
                dp_packet_delete(pkts[k]);
            }
            ovs_assert(__atomic_load_n(&tc.tg.tx_dev->head, __ATOMIC_ACQUIRE)
                       == tc.tx_tail);
        }
    }
    ovs_assert(nae_stat_get(&tc.chan.rx_stats.packets) == seq);
    tc_destroy(&tc);
}

/* Header and data arrive from two buffers and leave into two. */
static void
test_split(void)
{
    struct dp_packet *pkts[NETDEV_MAX_BURST];
    struct test_chan tc;
    uint8_t *hdr, *data;
    int n;

    tc_init(&tc, 32, NAE_F_ALL);
    hdr = tc.tg.bufs;
    data = tc.tg.bufs + 2048;
    memset(hdr, 0x11, 34);
    memset(data, 0x22, 100);
    guest_tx(&tc, tc.tg.bufs_gpa, 34, tc.tg.bufs_gpa + 2048, 100, 0);
    guest_tx_flush(&tc);
    n = switch_rx(&tc, pkts);
    ovs_assert(n == 1 && dp_packet_size(pkts[0]) == 134);
    const uint8_t *p = dp_packet_data(pkts[0]);
    ovs_assert(p[0] == 0x11 && p[33] == 0x11 && p[34] == 0x22
               && p[133] == 0x22);

    /* To the guest: post one split buffer pair; header room 64. */
    struct nae_desc *d = &tc.tg.rx_desc[0];
    *d = (struct nae_desc) {
        .header_addr = tc.tg.bufs_gpa + 4096, .header_len = 64,
        .data_addr = tc.tg.bufs_gpa + 6144, .length = 2048,
    };
    tc.rx_tail = 1;
    __atomic_store_n(&tc.tg.rx_drv->tail, 1, __ATOMIC_RELEASE);
    pkts[0]->l4_ofs = 34;
    n = nae_rings_tx_burst(&tc.chan, &tc.tg.dev.mem.map, pkts, 1);
    ovs_assert(n == 1);
    ovs_assert(d->status == NAE_DESC_DONE);
    ovs_assert(d->header_len == 34 && d->length == 100);
    ovs_assert(tc.tg.bufs[4096] == 0x11 && tc.tg.bufs[6144] == 0x22);
    ovs_assert(tc.tg.rx_dev->head == 1);

    /* Ring now empty: the next frame is dropped and counted. */
    n = nae_rings_tx_burst(&tc.chan, &tc.tg.dev.mem.map, pkts, 1);
    ovs_assert(!n && tx_drop(&tc, NAE_DROP_RX_FULL) == 1);

    /* A posted buffer too small keeps its descriptor for the next frame. */
    d = &tc.tg.rx_desc[1];
    *d = (struct nae_desc) { .data_addr = tc.tg.bufs_gpa + 4096,
                             .length = 50 };
    __atomic_store_n(&tc.tg.rx_drv->tail, 2, __ATOMIC_RELEASE);
    pkts[0]->l4_ofs = UINT16_MAX;
    n = nae_rings_tx_burst(&tc.chan, &tc.tg.dev.mem.map, pkts, 1);
    ovs_assert(!n && tx_drop(&tc, NAE_DROP_RX_SMALL) == 1);
    ovs_assert(tc.tg.rx_dev->head == 1 && d->status == NAE_DESC_PENDING);
    dp_packet_delete(pkts[0]);
    tc_destroy(&tc);
}

/* Without the split feature, a header buffer is a malformed descriptor. */
static void
test_no_split(void)
{
    struct dp_packet *pkts[NETDEV_MAX_BURST];
    struct test_chan tc;

    tc_init(&tc, 32, NAE_F_NOTIFY);
    guest_tx(&tc, tc.tg.bufs_gpa, 14, tc.tg.bufs_gpa + 2048, 64, 0);
    guest_tx_flush(&tc);
    ovs_assert(!switch_rx(&tc, pkts));
    ovs_assert(tc.tg.tx_desc[0].status == NAE_DESC_ERR_LEN);
    ovs_assert(rx_drop(&tc, NAE_DROP_BAD_DESC) == 1);
    tc_destroy(&tc);
}

/* Bad addresses, lengths and commands are refused one by one; good frames
 * around them still pass. */
static void
test_bad_descriptors(void)
{
    struct dp_packet *pkts[NETDEV_MAX_BURST];
    struct test_chan tc;
    uint64_t good, end;

    tc_init(&tc, 32, NAE_F_ALL);
    good = tc.tg.bufs_gpa;
    end = TEST_GPA + tc.tg.mem_size;
    guest_tx(&tc, 0, 0, good, 64, 0);                   /* Good. */
    guest_tx(&tc, 0, 0, 0xdead0000, 64, 0);             /* Unmapped. */
    guest_tx(&tc, 0, 0, end - 32, 64, 0);               /* Runs off end. */
    guest_tx(&tc, 0, 0, UINT64_MAX - 10, 64, 0);        /* Wraps. */
    guest_tx(&tc, TEST_GPA - 14, 14, good, 64, 0);      /* Header before. */
    guest_tx(&tc, 0, 0, good, 9000, 0);                 /* Over MTU. */
    guest_tx(&tc, 0, 0, good, 10, 0);                   /* Runt. */
    guest_tx(&tc, 1000, 1000, good, 1000, 0);           /* Sum over MTU. */
    guest_tx(&tc, 0, 0, good, 64, 1 << 15);             /* Command. */
    guest_tx(&tc, 0, 0, good, 64, 0);                   /* Good. */
    guest_tx_flush(&tc);

    ovs_assert(switch_rx(&tc, pkts) == 2);
    dp_packet_delete(pkts[0]);
    dp_packet_delete(pkts[1]);
    ovs_assert(rx_drop(&tc, NAE_DROP_BAD_ADDR) == 4);
    ovs_assert(rx_drop(&tc, NAE_DROP_BAD_LEN) == 3);
    ovs_assert(rx_drop(&tc, NAE_DROP_BAD_DESC) == 1);
    static const uint32_t want[] = {
        NAE_DESC_DONE, NAE_DESC_ERR_ADDR, NAE_DESC_ERR_ADDR,
        NAE_DESC_ERR_ADDR, NAE_DESC_ERR_ADDR, NAE_DESC_ERR_LEN,
        NAE_DESC_ERR_LEN, NAE_DESC_ERR_LEN, NAE_DESC_ERR_CMD, NAE_DESC_DONE,
    };
    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        ovs_assert(tc.tg.tx_desc[i].status == want[i]);
    }

    /* Posted rx buffers outside memory are handed back; the frame goes to
     * the next good one. */
    struct nae_desc *rx = tc.tg.rx_desc;
    rx[0] = (struct nae_desc) { .data_addr = 0xdead0000, .length = 2048 };
    rx[1] = (struct nae_desc) { .header_addr = 0xbad0000,
                                .header_len = 64,
                                .data_addr = good, .length = 2048 };
    rx[2] = (struct nae_desc) { .data_addr = good, .length = 2048 };
    __atomic_store_n(&tc.tg.rx_drv->tail, 3, __ATOMIC_RELEASE);
    struct dp_packet *p = dp_packet_new(128);
    dp_packet_put_zeros(p, 60);
    ovs_assert(nae_rings_tx_burst(&tc.chan, &tc.tg.dev.mem.map, &p, 1) == 1);
    ovs_assert(rx[0].status == NAE_DESC_ERR_ADDR);
    ovs_assert(rx[1].status == NAE_DESC_ERR_ADDR);
    ovs_assert(rx[2].status == NAE_DESC_DONE && rx[2].length == 60);
    ovs_assert(tx_drop(&tc, NAE_DROP_BAD_ADDR) == 2);
    dp_packet_delete(p);
    tc_destroy(&tc);
}

/* A tail further ahead than the ring is long freezes the channel: nothing
 * more is read from it or written to it. */
static void
test_bad_index(void)
{
    struct dp_packet *pkts[NETDEV_MAX_BURST];
    struct test_chan tc;
    bool broken;

    tc_init(&tc, 32, NAE_F_ALL);
    __atomic_store_n(&tc.tg.tx_drv->tail, 33, __ATOMIC_RELEASE);
    ovs_assert(!switch_rx(&tc, pkts));
    atomic_read_relaxed(&tc.chan.broken, &broken);
    ovs_assert(broken);
    ovs_assert(rx_drop(&tc, NAE_DROP_BAD_INDEX) == 1);
    ovs_assert(tc.tg.tx_dev->head == 0);

    /* Frozen: even a sane tail is not read, and nothing is sent. */
    __atomic_store_n(&tc.tg.tx_drv->tail, 1, __ATOMIC_RELEASE);
    ovs_assert(!switch_rx(&tc, pkts));
    struct dp_packet *p = dp_packet_new(128);
    dp_packet_put_zeros(p, 60);
    ovs_assert(!nae_rings_tx_burst(&tc.chan, &tc.tg.dev.mem.map, &p, 1));
    ovs_assert(tx_drop(&tc, NAE_DROP_NOT_RUNNING) == 1);
    dp_packet_delete(p);
    tc_destroy(&tc);

    /* The same rule on the rx ring, with a tail that went backwards. */
    tc_init(&tc, 32, NAE_F_ALL);
    __atomic_store_n(&tc.tg.rx_drv->tail, UINT32_MAX, __ATOMIC_RELEASE);
    p = dp_packet_new(128);
    dp_packet_put_zeros(p, 60);
    ovs_assert(!nae_rings_tx_burst(&tc.chan, &tc.tg.dev.mem.map, &p, 1));
    ovs_assert(tx_drop(&tc, NAE_DROP_BAD_INDEX) == 1);
    atomic_read_relaxed(&tc.chan.broken, &broken);
    ovs_assert(broken);
    dp_packet_delete(p);
    tc_destroy(&tc);
}

/* A guest that never drains its interrupt socket and cleared O_NONBLOCK on
 * the description it shares with the switch (here: our own end) must not
 * block the thread that signals it: the signal is skipped and counted. */
static void
test_irq_undrained(void)
{
    struct dp_packet *pkts[NETDEV_MAX_BURST];
    struct test_chan tc;
    int sv[2];

    tc_init(&tc, 32, NAE_F_ALL);
    ovs_assert(!socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    ovs_assert(!fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL) & ~O_NONBLOCK));
    tc.chan.from_guest.irq_fd = sv[1];

    alarm(10);                  /* A blocked signal fails the test. */
    for (int i = 0; i < 1000; i++) {
        __atomic_store_n(&tc.tg.tx_drv->irq_armed, 1, __ATOMIC_RELAXED);
        guest_tx(&tc, 0, 0, tc.tg.bufs_gpa + (tc.tx_tail & 31) * 2048,
                 64, 0);
        guest_tx_flush(&tc);
        ovs_assert(switch_rx(&tc, pkts) == 1);
        dp_packet_delete(pkts[0]);
    }
    alarm(0);
    ovs_assert(nae_stat_get(&tc.chan.rx_stats.packets) == 1000);
    /* Every signal either reached the socket or was counted. */
    uint64_t undrained = nae_stat_get(&tc.chan.from_guest.irq_undrained);
    uint64_t queued = 0;
    uint8_t buf[16];

    ovs_assert(undrained > 0);
    while (recv(sv[0], buf, sizeof buf, MSG_DONTWAIT) > 0) {
        queued++;
    }
    ovs_assert(queued + undrained == 1000);

    /* The guest drained: the next signal arrives. */
    __atomic_store_n(&tc.tg.tx_drv->irq_armed, 1, __ATOMIC_RELAXED);
    guest_tx(&tc, 0, 0, tc.tg.bufs_gpa, 64, 0);
    guest_tx_flush(&tc);
    ovs_assert(switch_rx(&tc, pkts) == 1);
    dp_packet_delete(pkts[0]);
    ovs_assert(recv(sv[0], buf, sizeof buf, MSG_DONTWAIT) == 1);

    tc.chan.from_guest.irq_fd = -1;
    close(sv[0]);
    close(sv[1]);
    tc_destroy(&tc);
}

static void
test_nae_rxtx_main(int argc, char *argv[])
{
    static const struct test_case tests[] = {
        { "wrap", test_wrap },
        { "split", test_split },
        { "no-split", test_no_split },
        { "bad-descriptors", test_bad_descriptors },
        { "bad-index", test_bad_index },
        { "irq-undrained", test_irq_undrained },
    };

    test_run(argc, argv, tests, ARRAY_SIZE(tests));
}

OVSTEST_REGISTER("test-nae-rxtx", test_nae_rxtx_main);
