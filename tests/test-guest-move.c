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
 * (guest/guest-move.c): its announcement, and which of the new port's
 * first frames are copies of what the old port delivered. */

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

/* The hash of a frame whose bytes are 'seq', 8 bytes. */
static uint64_t
frame_hash(uint64_t seq)
{
    struct iovec iov = { .iov_base = &seq, .iov_len = sizeof seq };

    return guest_frame_hash(&iov, 1);
}

/* Records frames 'first'..'last' as delivered by the old port. */
static void
seen_range(struct guest_seen *s, uint64_t first, uint64_t last)
{
    for (uint64_t i = first; i <= last; i++) {
        guest_seen_add(s, frame_hash(i));
    }
}

/* The new port got copies from frame 7 on: 7..10 are dropped, 11 (which
 * the old port never delivered) and all after are delivered. */
static void
test_copies_then_new(void)
{
    struct guest_seen *s = xmalloc(sizeof *s);

    guest_seen_init(s);
    seen_range(s, 1, 10);
    for (uint64_t i = 7; i <= 10; i++) {
        ovs_assert(guest_seen_is_copy(s, frame_hash(i)));
    }
    ovs_assert(!guest_seen_is_copy(s, frame_hash(11)));
    ovs_assert(s->done);
    /* Once a frame was new, nothing is dropped, even a repeat. */
    ovs_assert(!guest_seen_is_copy(s, frame_hash(3)));
    free(s);
}

/* No overlap (a learning bridge moved the traffic at once): the new port's
 * first frame is none of the old one's, and nothing is dropped. */
static void
test_no_overlap(void)
{
    struct guest_seen *s = xmalloc(sizeof *s);

    guest_seen_init(s);
    seen_range(s, 1, 5);
    ovs_assert(!guest_seen_is_copy(s, frame_hash(6)));
    ovs_assert(!guest_seen_is_copy(s, frame_hash(7)));
    free(s);

    /* Nothing recorded at all. */
    s = xmalloc(sizeof *s);
    guest_seen_init(s);
    ovs_assert(!guest_seen_is_copy(s, frame_hash(1)));
    free(s);
}

/* The copies stop matching midway (a frame the new port lost, or one the
 * old port never got): from there on everything is delivered. */
static void
test_gap_ends_matching(void)
{
    struct guest_seen *s = xmalloc(sizeof *s);

    guest_seen_init(s);
    seen_range(s, 1, 10);
    ovs_assert(guest_seen_is_copy(s, frame_hash(4)));
    ovs_assert(guest_seen_is_copy(s, frame_hash(5)));
    ovs_assert(!guest_seen_is_copy(s, frame_hash(7)));       /* 6 missing. */
    ovs_assert(!guest_seen_is_copy(s, frame_hash(8)));
    free(s);
}

/* Only the last GUEST_SEEN_MAX frames are kept: a copy of an older one is
 * no longer recognised, a copy of a kept one is. */
static void
test_window(void)
{
    struct guest_seen *s = xmalloc(sizeof *s);
    uint64_t n = GUEST_SEEN_MAX + 100;

    guest_seen_init(s);
    seen_range(s, 1, n);
    ovs_assert(!guest_seen_is_copy(s, frame_hash(50)));
    free(s);

    s = xmalloc(sizeof *s);
    guest_seen_init(s);
    seen_range(s, 1, n);
    ovs_assert(guest_seen_is_copy(s, frame_hash(n - 1)));
    ovs_assert(guest_seen_is_copy(s, frame_hash(n)));
    ovs_assert(!guest_seen_is_copy(s, frame_hash(n + 1)));
    free(s);
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
        { "copies-then-new", test_copies_then_new },
        { "no-overlap", test_no_overlap },
        { "gap-ends-matching", test_gap_ends_matching },
        { "window", test_window },
        { "rarp", test_rarp },
    };

    test_run(argc, argv, tests, ARRAY_SIZE(tests));
}

OVSTEST_REGISTER("test-guest-move", test_guest_move_main);
