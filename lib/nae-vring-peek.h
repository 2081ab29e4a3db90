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

#ifndef NAE_VRING_PEEK_H
#define NAE_VRING_PEEK_H 1

/* What a VM received last, read from its virtio-net receive ring (a split
 * ring) in its memory: the used ring's latest entries name the buffers its
 * device filled last, which nothing writes until the device runs again.
 * A port that expects a VM by migration (nae-channel-vhost.h) reads them
 * when the VM's device starts, to tell the frames it kept for the VM from
 * those the VM had received where it ran before.
 *
 * Everything read is the VM's: every index, length and address is read
 * once and checked, and a frame that spans buffers or descriptors, is
 * longer than NAE_VRING_PEEK_MAX_LEN or lies outside the VM's memory is
 * skipped.  No allocation, bounded work. */

#include <stddef.h>
#include <stdint.h>

struct vring_desc;
struct vring_used;

#define NAE_VRING_PEEK_MAX_LEN 65535    /* Bytes of a frame, at most. */

/* The host address of guest physical range [gpa, gpa + len), if mapped
 * contiguously, or NULL. */
typedef const void *nae_vring_map_cb(void *aux, uint64_t gpa, uint64_t len);

/* Fills 'hashes' with nae_vring_frame_hash() of up to 'max' of the last
 * frames in the receive ring with descriptor table 'desc' and used ring
 * 'used' of 'size' entries, under virtio 'features', newest first, and
 * returns how many. */
int nae_vring_peek_received(const struct vring_desc *desc,
                            const struct vring_used *used, uint32_t size,
                            uint64_t features, nae_vring_map_cb *map,
                            void *aux, uint64_t *hashes, int max);

/* The hash by which frames are compared. */
uint64_t nae_vring_frame_hash(const void *data, size_t n);

#endif /* nae-vring-peek.h */
