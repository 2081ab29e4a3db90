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

/* Unit tests of what a process guest needs to move between ports
 * (guest/guest-move.c): its announcement, and the merge of the two
 * ports' frames while both receive. */

#include <config.h>
#undef NDEBUG
#include <stdlib.h>
#include <string.h>

#include "guest-move.h"
#include "nae-test-mem.h"
#include "openvswitch/util.h"
#include "ovstest.h"
#include "packets.h"
#include "util.h"

/* Frame 'seq': 8 bytes of 'seq', then 'len' - 8 bytes of padding. */
struct frame {
    uint64_t seq;
    struct iovec iov[2];
    uint8_t pad[2048];
};

static struct frame *
frame_make(struct frame *f, uint64_t seq, size_t len)
{
    f->seq = seq;
    memset(f->pad, 0, sizeof f->pad);
    f->iov[0] = (struct iovec) { .iov_base = &f->seq, .iov_len = 8 };
    f->iov[1] = (struct iovec) { .iov_base = f->pad, .iov_len = len - 8 };
    return f;
}

static uint64_t
frame_hash(uint64_t seq)
{
    struct frame f;

    frame_make(&f, seq, 64);
    return guest_frame_hash(f.iov, 2);
}

static enum guest_merge_verdict
merge_new(struct guest_merge *m, uint64_t seq, double now)
{
    struct frame f;

    frame_make(&f, seq, 64);
    return guest_merge_new(m, f.iov, 2, guest_frame_hash(f.iov, 2), now);
}

/* The frames guest_merge_next() gives back are 'first'..'last'. */
static void
expect_held(struct guest_merge *m, uint64_t first, uint64_t last)
{
    const void *data;
    size_t len;

    for (uint64_t seq = first; seq <= last; seq++) {
        uint64_t got;

        ovs_assert(guest_merge_next(m, &data, &len));
        ovs_assert(len == 64);
        memcpy(&got, data, sizeof got);
        ovs_assert(got == seq);
    }
    ovs_assert(!guest_merge_next(m, &data, &len));
}

#define QUIET GUEST_MERGE_QUIET
#define WAIT GUEST_MERGE_MATCH_WAIT

/* A learning bridge: once it learns the guest on the new port, the old
 * one gets nothing more.  The new port's frames are held until the old
 * port was quiet for long enough, then given back in order. */
static void
test_learning_bridge(void)
{
    struct guest_merge *m = guest_merge_create();

    for (uint64_t seq = 1; seq <= 5; seq++) {
        ovs_assert(guest_merge_old(m, frame_hash(seq), 0.001 * seq));
    }
    ovs_assert(!guest_merge_ready(m, 0.5));    /* The new one got nothing. */
    for (uint64_t seq = 6; seq <= 10; seq++) {
        ovs_assert(merge_new(m, seq, 1.0) == GUEST_MERGE_HELD);
    }
    ovs_assert(!guest_merge_ready(m, 1.0 + QUIET / 2));
    ovs_assert(guest_merge_ready(m, 1.0 + QUIET));
    guest_merge_leave(m);
    expect_held(m, 6, 10);
    ovs_assert(merge_new(m, 11, 1.2) == GUEST_MERGE_DELIVER);

    struct guest_merge_stats st;
    guest_merge_get_stats(m, &st);
    ovs_assert(st.old_frames == 5 && st.held == 5 && !st.copies);
    ovs_assert(!st.missed && !st.full);     /* All before the new one. */
    guest_merge_destroy(m);
}

/* OVN's multi-chassis binding: both ports get every frame, in either
 * order.  Each is delivered once: the old port's at once, the new port's
 * only if the old one never got it. */
static void
test_copies_both_ways(void)
{
    struct guest_merge *m = guest_merge_create();
    double t = 0;

    for (uint64_t seq = 1; seq <= 100; seq++, t += 0.002) {
        if (seq % 2) {
            ovs_assert(guest_merge_old(m, frame_hash(seq), t));
            if (seq > 10) {
                ovs_assert(merge_new(m, seq, t) == GUEST_MERGE_COPY);
            }
        } else {
            if (seq > 10) {
                ovs_assert(merge_new(m, seq, t) == GUEST_MERGE_HELD);
            }
            ovs_assert(guest_merge_old(m, frame_hash(seq), t));
        }
        guest_merge_ready(m, t);
    }
    ovs_assert(guest_merge_ready(m, t));
    ovs_assert(merge_new(m, 101, t) == GUEST_MERGE_HELD);   /* Only here. */
    guest_merge_leave(m);
    expect_held(m, 101, 101);

    struct guest_merge_stats st;
    guest_merge_get_stats(m, &st);
    ovs_assert(st.old_frames == 100 && st.copies == 90 && st.held == 46);
    guest_merge_destroy(m);
}

/* A switch that still drops one flow at the new port (or sends it only to
 * the old one) while another already arrives there: the old port stays
 * until the missing flow's copies arrive too. */
static void
test_stale_flow(void)
{
    struct guest_merge *m = guest_merge_create();
    uint64_t seq = 1;
    double t = 0;

    /* Odd frames are flow X, even ones flow Y; the new port gets Y only
     * for the first 0.5 s, then both. */
    for (; t < 0.5; t += 0.002, seq++) {
        ovs_assert(guest_merge_old(m, frame_hash(seq), t));
        if (!(seq % 2)) {
            ovs_assert(merge_new(m, seq, t) == GUEST_MERGE_COPY);
        }
        ovs_assert(!guest_merge_ready(m, t));
    }
    double both = t;
    for (; !guest_merge_ready(m, t); t += 0.002, seq++) {
        ovs_assert(guest_merge_old(m, frame_hash(seq), t));
        ovs_assert(merge_new(m, seq, t) == GUEST_MERGE_COPY);
        ovs_assert(t < both + WAIT + QUIET + 0.01);
    }
    ovs_assert(t >= both + QUIET);

    struct guest_merge_stats st;
    guest_merge_get_stats(m, &st);
    ovs_assert(st.missed > 100 && !st.held);
    guest_merge_destroy(m);
}

/* Copies the new port gets after the guest left the old one are dropped;
 * what follows them is delivered. */
static void
test_late_copies(void)
{
    struct guest_merge *m = guest_merge_create();

    for (uint64_t seq = 1; seq <= 3; seq++) {
        ovs_assert(guest_merge_old(m, frame_hash(seq), 0));
    }
    ovs_assert(merge_new(m, 1, 0) == GUEST_MERGE_COPY);
    guest_merge_leave(m);
    expect_held(m, 1, 0);
    ovs_assert(merge_new(m, 2, 0.01) == GUEST_MERGE_COPY);
    ovs_assert(merge_new(m, 3, 0.01) == GUEST_MERGE_COPY);
    ovs_assert(merge_new(m, 4, 0.01) == GUEST_MERGE_DELIVER);
    ovs_assert(merge_new(m, 3, 0.01) == GUEST_MERGE_DELIVER);   /* Again. */
    guest_merge_destroy(m);
}

/* A hold that fills delivers at once and asks the guest to leave; an old
 * frame whose copy went that way is not delivered again. */
static void
test_hold_full(void)
{
    struct guest_merge *m = guest_merge_create();
    struct frame f;
    uint64_t seq;

    for (seq = 1; ; seq++) {
        frame_make(&f, seq, 2048);
        enum guest_merge_verdict v
            = guest_merge_new(m, f.iov, 2, guest_frame_hash(f.iov, 2), 0);
        if (v != GUEST_MERGE_HELD) {
            ovs_assert(v == GUEST_MERGE_DELIVER);
            break;
        }
        ovs_assert(!guest_merge_ready(m, 0));
    }
    ovs_assert(seq - 1 == MIN(GUEST_MERGE_FRAMES,
                              GUEST_MERGE_HOLD_BYTES / 2048));
    ovs_assert(guest_merge_ready(m, 0));
    ovs_assert(!guest_merge_old(m, guest_frame_hash(f.iov, 2), 0));
    frame_make(&f, 1, 2048);
    ovs_assert(guest_merge_old(m, guest_frame_hash(f.iov, 2), 0));

    struct guest_merge_stats st;
    guest_merge_get_stats(m, &st);
    ovs_assert(st.full && st.copies == 2);
    guest_merge_destroy(m);
}

/* The old port's frames are remembered GUEST_MERGE_FRAMES at a time: the
 * copy of one forgotten is taken for a new frame. */
static void
test_window(void)
{
    struct guest_merge *m = guest_merge_create();
    uint64_t n = GUEST_MERGE_FRAMES + 100;

    for (uint64_t seq = 1; seq <= n; seq++) {
        ovs_assert(guest_merge_old(m, frame_hash(seq), 0));
    }
    ovs_assert(merge_new(m, 50, 0) == GUEST_MERGE_HELD);
    ovs_assert(merge_new(m, n - GUEST_MERGE_FRAMES + 1, 0)
               == GUEST_MERGE_COPY);
    ovs_assert(merge_new(m, n, 0) == GUEST_MERGE_COPY);
    ovs_assert(merge_new(m, n, 0) == GUEST_MERGE_HELD);     /* Matched. */
    guest_merge_destroy(m);
}

/* The announcement is what QEMU sends for a VM: a broadcast RARP request
 * reverse (opcode 3) naming the guest's MAC as sender and target. */
static void
test_rarp(void)
{
    static const uint8_t mac[6] = { 0xf0, 0x00, 0x00, 0x01, 0x02, 0x01 };
    uint8_t frame[GUEST_RARP_LEN];

    ovs_assert(guest_rarp_frame(frame, 0xf00000010201ULL) == 60);
    ovs_assert(eth_addr_is_broadcast(*(struct eth_addr *) frame));
    ovs_assert(!memcmp(frame + 6, mac, 6));
    ovs_assert(frame[12] == 0x80 && frame[13] == 0x35);
    ovs_assert(frame[20] == 0 && frame[21] == 3);
    ovs_assert(!memcmp(frame + 22, mac, 6) && !memcmp(frame + 32, mac, 6));
    ovs_assert(!frame[28] && !frame[38]);      /* No protocol addresses. */
}

static void
test_guest_move_main(int argc, char *argv[])
{
    static const struct test_case tests[] = {
        { "learning-bridge", test_learning_bridge },
        { "copies-both-ways", test_copies_both_ways },
        { "stale-flow", test_stale_flow },
        { "late-copies", test_late_copies },
        { "hold-full", test_hold_full },
        { "window", test_window },
        { "rarp", test_rarp },
    };

    test_run(argc, argv, tests, ARRAY_SIZE(tests));
}

OVSTEST_REGISTER("test-guest-move", test_guest_move_main);
