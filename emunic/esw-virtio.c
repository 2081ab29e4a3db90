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

/* A split virtqueue, device side (see esw-virtio.h).  Written from the
 * virtio 1.1 specification, section 2.6: we write it rather than use
 * DPDK's rte_vhost because this is the NIC's hardware, which rte_vhost's
 * callers hand the rings to (as to a vDPA device); it must not depend on
 * the library it stands in for.
 *
 * Guest memory is read once per field into locals: the guest may change it
 * under us at any time, and what we check must be what we use. */

#include "esw-virtio.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#define ESW_VQ_MAX_SIZE 32768
#define ESW_VQ_MAX_MERGE 8      /* Receive chains one frame may take. */

/* What a descriptor chain is, once validated: its buffers, in order. */
struct esw_vq_seg {
    uint8_t *va;
    uint32_t len;
};

struct esw_vq_chain {
    uint16_t head;
    int n;
    uint64_t bytes;
    struct esw_vq_seg segs[ESW_VIO_MAX_SEGS];
};

uint64_t
esw_vio_unsupported(uint64_t features)
{
    const uint64_t ok = (1ULL << VIRTIO_NET_F_CSUM
                         | 1ULL << VIRTIO_NET_F_GUEST_CSUM
                         | 1ULL << VIRTIO_NET_F_MTU
                         | 1ULL << VIRTIO_NET_F_MAC
                         /* The NIC never sends large frames to the VM, so
                          * it may take them. */
                         | 1ULL << VIRTIO_NET_F_GUEST_TSO4
                         | 1ULL << VIRTIO_NET_F_GUEST_TSO6
                         | 1ULL << VIRTIO_NET_F_GUEST_ECN
                         | 1ULL << VIRTIO_NET_F_GUEST_UFO
                         | 1ULL << VIRTIO_NET_F_MRG_RXBUF
                         | 1ULL << VIRTIO_NET_F_STATUS
                         /* QEMU serves the control queue itself. */
                         | 1ULL << VIRTIO_NET_F_CTRL_VQ
                         | 1ULL << VIRTIO_NET_F_CTRL_RX
                         | 1ULL << VIRTIO_NET_F_CTRL_VLAN
                         | 1ULL << VIRTIO_NET_F_CTRL_RX_EXTRA
                         | 1ULL << VIRTIO_NET_F_GUEST_ANNOUNCE
                         | 1ULL << VIRTIO_NET_F_MQ
                         | 1ULL << VIRTIO_NET_F_CTRL_MAC_ADDR
                         | 1ULL << VIRTIO_F_NOTIFY_ON_EMPTY
                         | 1ULL << VIRTIO_F_ANY_LAYOUT
                         | 1ULL << VIRTIO_RING_F_INDIRECT_DESC
                         | 1ULL << VIRTIO_RING_F_EVENT_IDX
                         | 1ULL << 30     /* vhost-user protocol features */
                         | 1ULL << 26     /* vhost's dirty-page logging */
                         | 1ULL << VIRTIO_F_VERSION_1);

    return features & ~ok;
}

void *
esw_vio_translate(const struct esw_vio_mem *mem, uint64_t gpa, uint64_t len)
{
    for (int i = 0; i < mem->n; i++) {
        const struct esw_vio_region *r = &mem->r[i];

        if (gpa >= r->gpa && gpa - r->gpa < r->size
            && len <= r->size - (gpa - r->gpa)) {
            return r->va + (gpa - r->gpa);
        }
    }
    return NULL;
}

int
esw_vq_init(struct esw_vq *vq, const struct esw_vio_mem *mem,
            uint64_t desc, uint64_t avail, uint64_t used, uint16_t size,
            uint64_t features, uint16_t last_avail, uint16_t last_used,
            int callfd)
{
    memset(vq, 0, sizeof *vq);
    if (!size || size & (size - 1)) {
        return EINVAL;
    }
    vq->desc = esw_vio_translate(mem, desc, 16ULL * size);
    vq->avail = esw_vio_translate(mem, avail, 6 + 2ULL * size);
    vq->used = esw_vio_translate(mem, used, 6 + 8ULL * size);
    if (!vq->desc || !vq->avail || !vq->used
        || (uintptr_t) vq->avail % 2 || (uintptr_t) vq->used % 4
        || (uintptr_t) vq->desc % 8) {
        return EINVAL;
    }
    vq->size = size;
    vq->last_avail = last_avail;
    vq->last_used = vq->published = vq->signalled = last_used;
    vq->event_idx = features & (1ULL << VIRTIO_RING_F_EVENT_IDX);
    vq->indirect = features & (1ULL << VIRTIO_RING_F_INDIRECT_DESC);
    vq->mrg_rxbuf = features & (1ULL << VIRTIO_NET_F_MRG_RXBUF);
    vq->hdr_len = (vq->mrg_rxbuf || features & (1ULL << VIRTIO_F_VERSION_1)
                   ? sizeof(struct virtio_net_hdr_mrg_rxbuf)
                   : sizeof(struct virtio_net_hdr));
    vq->callfd = callfd;
    /* We poll: the guest need not kick us. */
    __atomic_store_n((uint16_t *) vq->used, VRING_USED_F_NO_NOTIFY,
                     __ATOMIC_RELAXED);
    return 0;
}

static uint16_t
esw_vq_avail_idx(const struct esw_vq *vq)
{
    return __atomic_load_n((uint16_t *) &vq->avail[1], __ATOMIC_ACQUIRE);
}

/* How many chains the guest has queued beyond ours, or -1 if its index is
 * a lie (more than a ring ahead). */
static int
esw_vq_pending(struct esw_vq *vq)
{
    uint16_t n = esw_vq_avail_idx(vq) - vq->last_avail;

    if (n > vq->size) {
        vq->stats.bad_index++;
        return -1;
    }
    return n;
}

struct esw_vq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

static void
esw_vq_read_desc(const volatile uint8_t *table, uint32_t i,
                 struct esw_vq_desc *d)
{
    memcpy(d, (const uint8_t *) table + 16 * i, sizeof *d);
}

/* Walks the chain at the guest's head 'head' into 'c', every buffer of it
 * 'writable' (receive) or not (transmit).  Returns false if any of it is
 * invalid. */
static bool
esw_vq_walk(const struct esw_vq *vq, const struct esw_vio_mem *mem,
            uint16_t head, bool writable, struct esw_vq_chain *c)
{
    const volatile uint8_t *table = vq->desc;
    uint32_t table_size = vq->size;
    uint32_t i = head, seen = 0;
    bool in_indirect = false;

    c->head = head;
    c->n = 0;
    c->bytes = 0;
    if (head >= vq->size) {
        return false;
    }
    for (;;) {
        struct esw_vq_desc d;

        if (i >= table_size || ++seen > table_size) {
            return false;           /* Past the table, or a loop. */
        }
        esw_vq_read_desc(table, i, &d);
        if (d.flags & VRING_DESC_F_INDIRECT) {
            /* A table of its own, only as the chain's one descriptor. */
            if (!vq->indirect || in_indirect || seen != 1
                || d.flags & VRING_DESC_F_NEXT
                || !d.len || d.len % 16 || d.len / 16 > ESW_VQ_MAX_SIZE) {
                return false;
            }
            table = esw_vio_translate(mem, d.addr, d.len);
            if (!table || (uintptr_t) table % 8) {
                return false;
            }
            table_size = d.len / 16;
            in_indirect = true;
            i = 0;
            seen = 0;
            continue;
        }
        if (!(d.flags & VRING_DESC_F_WRITE) != !writable) {
            return false;
        }
        if (d.len) {
            uint8_t *va = esw_vio_translate(mem, d.addr, d.len);

            if (!va || c->n == ESW_VIO_MAX_SEGS) {
                return false;
            }
            c->segs[c->n].va = va;
            c->segs[c->n].len = d.len;
            c->n++;
            c->bytes += d.len;
        }
        if (!(d.flags & VRING_DESC_F_NEXT)) {
            return true;
        }
        i = d.next;
    }
}

static void
esw_vq_add_used(struct esw_vq *vq, uint16_t id, uint32_t len)
{
    volatile uint8_t *e = vq->used + 4 + 8 * (vq->last_used % vq->size);
    uint32_t id32 = id;

    memcpy((uint8_t *) e, &id32, 4);
    memcpy((uint8_t *) e + 4, &len, 4);
    vq->last_used++;
}

/* Copies 'len' bytes from the chain's buffers starting 'off' bytes in. */
static void
esw_vq_chain_read(const struct esw_vq_chain *c, uint64_t off, uint8_t *dst,
                  uint32_t len)
{
    for (int i = 0; i < c->n && len; i++) {
        const struct esw_vq_seg *s = &c->segs[i];

        if (off >= s->len) {
            off -= s->len;
            continue;
        }
        uint32_t k = s->len - off < len ? s->len - off : len;
        memcpy(dst, s->va + off, k);
        dst += k;
        len -= k;
        off = 0;
    }
}

/* The Internet checksum the guest asked the device to put at 'csum_offset'
 * past 'csum_start' (the pseudo-header sum is already there). */
static bool
esw_vq_csum(uint8_t *frame, uint32_t len, uint16_t start, uint16_t offset)
{
    uint32_t sum = 0;
    uint16_t folded;

    if (start > len || offset > len - start || len - start - offset < 2) {
        return false;
    }
    for (uint32_t i = start; i + 1 < len; i += 2) {
        sum += (uint32_t) frame[i] << 8 | frame[i + 1];
    }
    if ((len - start) % 2) {
        sum += (uint32_t) frame[len - 1] << 8;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    folded = ~sum;
    frame[start + offset] = folded >> 8;
    frame[start + offset + 1] = folded;
    return true;
}

/* Copies 'len' bytes into the buffers of 'n' chains, seen as one, from
 * 'off' bytes in. */
static void
esw_vq_chains_write(struct esw_vq_chain *chains, int n, uint64_t off,
                    const uint8_t *src, uint32_t len)
{
    for (int i = 0; i < n && len; i++) {
        for (int k = 0; k < chains[i].n && len; k++) {
            struct esw_vq_seg *s = &chains[i].segs[k];

            if (off >= s->len) {
                off -= s->len;
                continue;
            }
            uint32_t chunk = s->len - off < len ? s->len - off : len;
            memcpy(s->va + off, src, chunk);
            src += chunk;
            len -= chunk;
            off = 0;
        }
    }
}

int
esw_vq_pop(struct esw_vq *vq, const struct esw_vio_mem *mem, uint8_t *buf,
           uint32_t cap, uint32_t *lenp)
{
    struct virtio_net_hdr_mrg_rxbuf hdr;
    struct esw_vq_chain c;
    uint16_t head;
    uint64_t frame_len;
    bool ok;

    if (esw_vq_pending(vq) <= 0) {
        return 0;
    }
    head = __atomic_load_n((uint16_t *) &vq->avail[2 + vq->last_avail
                                                   % vq->size],
                           __ATOMIC_RELAXED);
    vq->last_avail++;
    ok = esw_vq_walk(vq, mem, head, false, &c);
    if (!ok || c.bytes < vq->hdr_len) {
        vq->stats.bad_chain++;
        esw_vq_add_used(vq, head, 0);
        return -1;
    }
    frame_len = c.bytes - vq->hdr_len;
    memset(&hdr, 0, sizeof hdr);
    esw_vq_chain_read(&c, 0, (uint8_t *) &hdr, vq->hdr_len);
    ok = (frame_len >= 14 && frame_len <= cap
          && hdr.hdr.gso_type == VIRTIO_NET_HDR_GSO_NONE);
    if (ok) {
        esw_vq_chain_read(&c, vq->hdr_len, buf, frame_len);
        if (hdr.hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
            ok = esw_vq_csum(buf, frame_len, hdr.hdr.csum_start,
                             hdr.hdr.csum_offset);
        }
    }
    esw_vq_add_used(vq, head, 0);
    if (!ok) {
        vq->stats.refused++;
        return -1;
    }
    vq->stats.frames++;
    *lenp = frame_len;
    return 1;
}

int
esw_vq_push(struct esw_vq *vq, const struct esw_vio_mem *mem,
            const uint8_t *frame, uint32_t len)
{
    /* Chains for the frame, validated before any is taken. */
    struct esw_vq_chain chains[ESW_VQ_MAX_MERGE];
    uint64_t need = vq->hdr_len + (uint64_t) len, room = 0;
    int pending = esw_vq_pending(vq), n = 0;
    struct virtio_net_hdr_mrg_rxbuf hdr;

    if (pending < 0) {
        return ENOBUFS;
    }
    while (room < need) {
        uint16_t head;

        if (n == pending || n == (vq->mrg_rxbuf ? ESW_VQ_MAX_MERGE : 1)) {
            if (n < pending) {
                /* Buffers too small for one frame without merging. */
                break;
            }
            vq->stats.no_buffers++;
            return ENOBUFS;
        }
        head = __atomic_load_n((uint16_t *) &vq->avail[2 + (uint16_t)
                                                       (vq->last_avail + n)
                                                       % vq->size],
                               __ATOMIC_RELAXED);
        if (!esw_vq_walk(vq, mem, head, true, &chains[n])) {
            /* Give the bad chain back used and empty; the frame is lost,
             * as on a NIC whose descriptor faults. */
            for (int i = 0; i <= n; i++) {
                esw_vq_add_used(vq, chains[i].head, 0);
            }
            vq->last_avail += n + 1;
            vq->stats.bad_chain++;
            return EINVAL;
        }
        room += chains[n].bytes;
        n++;
    }
    if (room < need) {
        for (int i = 0; i < n; i++) {
            esw_vq_add_used(vq, chains[i].head, 0);
        }
        vq->last_avail += n;
        vq->stats.refused++;
        return EINVAL;
    }

    memset(&hdr, 0, sizeof hdr);
    hdr.hdr.gso_type = VIRTIO_NET_HDR_GSO_NONE;
    hdr.num_buffers = n;
    esw_vq_chains_write(chains, n, 0, (const uint8_t *) &hdr, vq->hdr_len);
    esw_vq_chains_write(chains, n, vq->hdr_len, frame, len);
    for (int i = 0; i < n; i++) {
        uint64_t used = need < chains[i].bytes ? need : chains[i].bytes;

        esw_vq_add_used(vq, chains[i].head, used);
        need -= used;
    }
    vq->last_avail += n;
    vq->stats.frames++;
    return 0;
}

/* virtio's vring_need_event(): whether the guest's 'event' index lies in
 * (old, new]. */
static bool
esw_vq_need_event(uint16_t event, uint16_t new, uint16_t old)
{
    return (uint16_t) (new - event - 1) < (uint16_t) (new - old);
}

void
esw_vq_flush(struct esw_vq *vq, bool force)
{
    bool notify;

    if (vq->published != vq->last_used) {
        __atomic_store_n((uint16_t *) (vq->used + 2), vq->last_used,
                         __ATOMIC_RELEASE);
        vq->published = vq->last_used;
    } else if (!force) {
        return;
    }
    /* The guest's wish (read after our index is visible, as it reads
     * ours after writing it). */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (force) {
        notify = true;
    } else if (vq->event_idx) {
        uint16_t event = __atomic_load_n((uint16_t *) &vq->avail[2
                                                                 + vq->size],
                                         __ATOMIC_RELAXED);

        notify = (!vq->signalled_valid
                  || esw_vq_need_event(event, vq->last_used, vq->signalled));
    } else {
        notify = !(__atomic_load_n((uint16_t *) &vq->avail[0],
                                   __ATOMIC_RELAXED)
                   & VRING_AVAIL_F_NO_INTERRUPT);
    }
    vq->signalled = vq->last_used;
    vq->signalled_valid = true;
    if (notify && vq->callfd >= 0) {
        uint64_t one = 1;

        /* An eventfd write blocks only at a counter of 2^64 - 2: the same
         * exposure as rte_vhost's own interrupts. */
        if (write(vq->callfd, &one, sizeof one) == sizeof one) {
            vq->stats.interrupts++;
        }
    }
}
