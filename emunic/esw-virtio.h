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

#ifndef ESW_VIRTIO_H
#define ESW_VIRTIO_H 1

/* The device side of a split virtqueue of virtio-net, as a vDPA NIC's
 * hardware runs it (esw-virtio.c): the VF of a VM in virtio mode reads the
 * frames the VM's driver puts in its transmit queue and writes frames into
 * the buffers of its receive queue, in the VM's own memory.
 *
 * Everything in that memory is the guest's and untrusted: descriptor
 * indexes, lengths, addresses, flags, the avail index.  Addresses are
 * guest-physical, translated through the memory table the host gave the
 * NIC (its IOMMU view of the VM); a buffer outside it, a loop, an index
 * past the ring or an avail index more than a ring ahead is refused and
 * counted, and never makes the NIC read or write outside that table.
 *
 * C library only, no lock: the owner serializes (the VF's lock), and the
 * fuzz target (tests/fuzz/fuzz-esw-virtio.c) runs exactly this code. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ESW_VIO_MAX_REGIONS 8           /* vhost-user's own bound. */
#define ESW_VIO_MAX_SEGS 64             /* Buffers of one frame. */

/* One region of the VM's memory as the NIC maps it. */
struct esw_vio_region {
    uint64_t gpa;               /* Guest-physical start. */
    uint64_t size;
    uint8_t *va;                /* Where the NIC sees it. */
};

struct esw_vio_mem {
    int n;
    struct esw_vio_region r[ESW_VIO_MAX_REGIONS];
};

/* 'len' bytes at guest-physical 'gpa', or NULL unless all of them lie in
 * one region. */
void *esw_vio_translate(const struct esw_vio_mem *, uint64_t gpa,
                        uint64_t len);

/* Counters of what the guest did wrong, or had no room for. */
struct esw_vq_stats {
    uint64_t frames;            /* Taken or delivered. */
    uint64_t bad_chain;         /* A descriptor chain refused. */
    uint64_t bad_index;         /* Polls whose avail index was a lie. */
    uint64_t refused;           /* Valid chain, frame not acceptable. */
    uint64_t no_buffers;        /* Receive queue had no room. */
    uint64_t interrupts;        /* Writes to the call eventfd. */
};

struct esw_vq {
    /* Guest memory, where the NIC maps it. */
    volatile uint16_t *avail;   /* flags, idx, ring[size], used_event */
    volatile uint8_t *used;     /* flags, idx, ring[size] of 8 bytes */
    const volatile uint8_t *desc;   /* size descriptors of 16 bytes */
    uint16_t size;              /* Power of two, at most 32768. */

    /* The NIC's own state: never read back from guest memory. */
    uint16_t last_avail;
    uint16_t last_used;
    uint16_t published;         /* Used index last written to 'used'. */
    uint16_t signalled;         /* Used index at the last interrupt. */
    bool signalled_valid;
    bool event_idx;             /* VIRTIO_RING_F_EVENT_IDX negotiated. */
    bool indirect;              /* VIRTIO_RING_F_INDIRECT_DESC. */
    bool mrg_rxbuf;             /* VIRTIO_NET_F_MRG_RXBUF. */
    uint32_t hdr_len;           /* Of the virtio-net header: 10 or 12. */
    int callfd;                 /* Eventfd that interrupts the VM, or -1. */

    struct esw_vq_stats stats;
};

/* Of 'features' a VM negotiated, those the model does not implement
 * (TSO from the VM, packed rings, an IOMMU...): a VM with any cannot have
 * its queues run by the NIC.  0 if none. */
uint64_t esw_vio_unsupported(uint64_t features);

/* Sets up 'vq' on the ring at guest-physical 'desc', 'avail', 'used' of
 * 'size' entries, with the VM's negotiated 'features', resuming at the
 * given indexes.  Returns 0, or EINVAL if the ring does not lie in 'mem'
 * or 'size' is not a power of two. */
int esw_vq_init(struct esw_vq *, const struct esw_vio_mem *,
                uint64_t desc, uint64_t avail, uint64_t used, uint16_t size,
                uint64_t features, uint16_t last_avail, uint16_t last_used,
                int callfd);

/* Transmit queue: takes the next frame the guest queued into 'buf' (at
 * most 'cap' bytes, the virtio-net header stripped and its checksum
 * request done) and stores its length in '*len'.  Returns 1 with a frame,
 * 0 if the queue is empty or its avail index lies, -1 if the chain it
 * took was refused (counted; the guest gets it back, used, length 0). */
int esw_vq_pop(struct esw_vq *, const struct esw_vio_mem *, uint8_t *buf,
               uint32_t cap, uint32_t *len);

/* Receive queue: writes 'frame' into the guest's next buffers, behind a
 * virtio-net header.  Returns 0, ENOBUFS if the guest has not queued room
 * enough (nothing taken), or EINVAL if a chain was refused (consumed,
 * counted, frame dropped). */
int esw_vq_push(struct esw_vq *, const struct esw_vio_mem *,
                const uint8_t *frame, uint32_t len);

/* Publishes the used entries written since the last call and interrupts
 * the guest if it asked for it ('force': whether or not it did, as after
 * the queue changes hands). */
void esw_vq_flush(struct esw_vq *, bool force);

#endif /* esw-virtio.h */
