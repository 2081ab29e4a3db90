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

#include <config.h>

#include "nae-vring-peek.h"

#include <stdbool.h>
#include <string.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "hash.h"
#include "util.h"

uint64_t
nae_vring_frame_hash(const void *data, size_t n)
{
    return hash_bytes(data, n, 0) | (uint64_t) hash_bytes(data, n, 1) << 32;
}

int
nae_vring_peek_received(const struct vring_desc *desc_,
                        const struct vring_used *used_, uint32_t size,
                        uint64_t features, nae_vring_map_cb *map, void *aux,
                        uint64_t *hashes, int max)
{
    const volatile struct vring_desc *desc = desc_;
    const volatile struct vring_used *used = used_;
    bool mrg = features & (1ULL << VIRTIO_NET_F_MRG_RXBUF);
    size_t hdr = mrg || features & (1ULL << VIRTIO_F_VERSION_1) ? 12 : 10;
    uint16_t used_idx;
    int n = 0;

    if (!desc || !used || !size || size > 32768
        || features & (1ULL << VIRTIO_F_RING_PACKED
                       | 1ULL << VIRTIO_F_ACCESS_PLATFORM)) {
        return 0;
    }
    used_idx = used->idx;
    for (uint32_t i = 1; i <= size && n < max; i++) {
        const volatile struct vring_used_elem *u
            = &used->ring[(uint16_t) (used_idx - i) % size];
        uint32_t id = u->id, len = u->len;

        if (id >= size || len <= hdr || len > hdr + NAE_VRING_PEEK_MAX_LEN) {
            continue;
        }

        const volatile struct vring_desc *d = &desc[id];
        uint64_t addr = d->addr;
        uint32_t desc_len = d->len;
        uint16_t flags = d->flags;
        const uint8_t *va;

        if (flags & VRING_DESC_F_INDIRECT || len > desc_len) {
            continue;
        }
        va = map(aux, addr, len);
        if (!va) {
            continue;
        }
        if (mrg) {
            uint16_t num_buffers;

            memcpy(&num_buffers, va + 10, sizeof num_buffers);
            if (num_buffers != 1) {
                continue;
            }
        }
        hashes[n++] = nae_vring_frame_hash(va + hdr, len - hdr);
    }
    return n;
}
