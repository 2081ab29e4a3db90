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

#ifndef ESW_VF_GUEST_H
#define ESW_VF_GUEST_H 1

/* A guest's side of an emulated-NIC virtual function (include/esw-vf.h):
 * get and map the VF's queue memory, then send and receive frames on it.
 * C library only. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct esw_vf_shm;
struct nae_failover_ops;

struct esw_vf_guest {
    struct esw_vf_shm *shm;
    size_t size;
    uint64_t rx_bad;            /* Frames the NIC wrote with bad lengths. */
};

/* Gets the VF's memory from its socket at 'path' (connecting takes over a
 * VF no host owner claimed) and maps it.  Returns 0 or a positive errno
 * value (ECONNREFUSED: the NIC refused; EPROTO: not a VF of a version we
 * speak). */
int esw_vf_attach(struct esw_vf_guest *, const char *path);
/* Maps VF memory handed over as 'fd' (by the port's switch), which it
 * closes. */
int esw_vf_attach_fd(struct esw_vf_guest *, int fd);
void esw_vf_detach(struct esw_vf_guest *);
/* Which assignment of the VF this memory is (changes with every one). */
uint32_t esw_vf_generation(const struct esw_vf_guest *);

/* Whether the NIC has the VF enabled (not withdrawn). */
bool esw_vf_enabled(const struct esw_vf_guest *);
const uint8_t *esw_vf_mac(const struct esw_vf_guest *);

/* Queues one frame for transmission.  Returns 0, ENOBUFS (ring full),
 * EMSGSIZE or ENETDOWN (VF withdrawn). */
int esw_vf_send(struct esw_vf_guest *, const void *frame, size_t len);

/* Copies the next received frame into 'buf' (of 'size' bytes); returns
 * its length, or 0 if none is waiting. */
size_t esw_vf_recv(struct esw_vf_guest *, void *buf, size_t size);

/* Whether the NIC has taken every frame queued for transmission. */
bool esw_vf_tx_idle(const struct esw_vf_guest *);

/* How many frames esw_vf_send() can queue now. */
uint32_t esw_vf_tx_room(const struct esw_vf_guest *);

/* How many received frames are waiting (at most a ring's worth). */
uint32_t esw_vf_rx_pending(const struct esw_vf_guest *);

/* The VF as the guest's failover mechanism drives it (nae-failover.h):
 * its 'vf' is a struct esw_vf_guest. */
extern const struct nae_failover_ops esw_vf_failover_ops;

#endif /* esw-vf-guest.h */
