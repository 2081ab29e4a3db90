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

/* Unit tests of the read of what a VM received last from its receive ring
 * (lib/nae-vring-peek.c): frames found newest first, and every kind of
 * entry a hostile VM can write there skipped. */

#include <config.h>
#undef NDEBUG
#include <string.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "nae-test-mem.h"
#include "nae-vring-peek.h"
#include "openvswitch/util.h"
#include "ovstest.h"
#include "util.h"

#define RING 8
#define MEM 8192
#define GPA 0x100000        /* Where the memory lives for the VM. */
#define HDR 12              /* With VIRTIO_NET_F_MRG_RXBUF. */

struct vm {
    struct vring_desc desc[RING];
    struct {
        uint16_t flags, idx;
        struct vring_used_elem ring[RING];
    } used;
    uint8_t mem[MEM];
};

static const void *
vm_map(void *vm_, uint64_t gpa, uint64_t len)
{
    struct vm *vm = vm_;

    if (gpa < GPA || gpa - GPA > MEM || len > MEM - (gpa - GPA)) {
        return NULL;
    }
    return vm->mem + (gpa - GPA);
}

/* The device writes frame 'seq' (64 bytes) into buffer 'id', at offset
 * 'id' * 512 of the memory, and uses it. */
static void
vm_receive(struct vm *vm, uint16_t id, uint8_t seq, uint16_t num_buffers)
{
    uint8_t *buf = vm->mem + id * 512;

    vm->desc[id] = (struct vring_desc) { .addr = GPA + id * 512,
                                         .len = 512 };
    memset(buf, 0, HDR);
    memcpy(buf + 10, &num_buffers, 2);
    memset(buf + HDR, seq, 64);
    vm->used.ring[vm->used.idx % RING] = (struct vring_used_elem) {
        .id = id, .len = HDR + 64 };
    vm->used.idx++;
}

static uint64_t
seq_hash(uint8_t seq)
{
    uint8_t frame[64];

    memset(frame, seq, sizeof frame);
    return nae_vring_frame_hash(frame, sizeof frame);
}

static int
peek(struct vm *vm, uint64_t features, uint64_t *hashes, int max)
{
    return nae_vring_peek_received((struct vring_desc *) vm->desc,
                                   (struct vring_used *) &vm->used, RING,
                                   features, vm_map, vm, hashes, max);
}

static const uint64_t MRG = 1ULL << VIRTIO_NET_F_MRG_RXBUF;

/* The last frames, newest first, across the used ring's wrap. */
static void
test_received(void)
{
    struct vm *vm = xzalloc(sizeof *vm);
    uint64_t h[RING];

    vm->used.idx = 65534;               /* Wraps below. */
    for (int i = 0; i < 5; i++) {
        vm_receive(vm, i, 10 + i, 1);
    }
    ovs_assert(peek(vm, MRG, h, RING) == 5);
    for (int i = 0; i < 5; i++) {
        ovs_assert(h[i] == seq_hash(14 - i));
    }
    ovs_assert(peek(vm, MRG, h, 2) == 2 && h[1] == seq_hash(13));
    free(vm);
}

/* What a hostile VM can write in its used ring and descriptors is
 * skipped, and the rest still read. */
static void
test_hostile(void)
{
    struct vm *vm = xzalloc(sizeof *vm);
    uint64_t h[RING];
    int n;

    vm_receive(vm, 0, 1, 1);            /* The one good frame. */
    vm_receive(vm, 1, 2, 2);            /* Spans two buffers. */
    vm_receive(vm, 2, 3, 1);
    vm->used.ring[2].id = 4000;         /* Past the ring. */
    vm_receive(vm, 3, 4, 1);
    vm->used.ring[3].len = 4096;        /* Longer than its buffer. */
    vm_receive(vm, 4, 5, 1);
    vm->desc[4].addr = GPA + MEM - 8;   /* Off the end of memory. */
    vm_receive(vm, 5, 6, 1);
    vm->desc[5].flags = VRING_DESC_F_INDIRECT;
    vm_receive(vm, 6, 7, 1);
    vm->used.ring[6].len = HDR;         /* No frame. */
    vm_receive(vm, 7, 8, 1);
    vm->used.ring[7].len = UINT32_MAX;
    vm->desc[7].len = UINT32_MAX;
    n = peek(vm, MRG, h, RING);
    ovs_assert(n == 1 && h[0] == seq_hash(1));

    /* Rings it cannot read this way. */
    ovs_assert(!peek(vm, MRG | 1ULL << VIRTIO_F_RING_PACKED, h, RING));
    ovs_assert(!peek(vm, MRG | 1ULL << VIRTIO_F_ACCESS_PLATFORM, h, RING));
    ovs_assert(!nae_vring_peek_received(NULL, NULL, RING, MRG, vm_map, vm,
                                        h, RING));
    free(vm);
}

/* Without mergeable buffers or VERSION_1 the header is 10 bytes and has
 * no buffer count. */
static void
test_legacy_header(void)
{
    struct vm *vm = xzalloc(sizeof *vm);
    uint8_t frame[64 + 2];
    uint64_t h[RING];

    vm_receive(vm, 0, 9, 7);
    memcpy(frame, vm->mem + 10, sizeof frame);
    ovs_assert(peek(vm, 0, h, RING) == 1);
    ovs_assert(h[0] == nae_vring_frame_hash(frame, sizeof frame));
    free(vm);
}

static void
test_nae_vring_peek_main(int argc, char *argv[])
{
    static const struct test_case tests[] = {
        { "received", test_received },
        { "hostile", test_hostile },
        { "legacy-header", test_legacy_header },
    };

    test_run(argc, argv, tests, ARRAY_SIZE(tests));
}

OVSTEST_REGISTER("test-nae-vring-peek", test_nae_vring_peek_main);
