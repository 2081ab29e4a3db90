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

#ifndef ESW_VF_H
#define ESW_VF_H 1

/* The shared-memory ABI of the emulated switchdev NIC's virtual functions:
 * what a guest maps to use "its" VF, as a real guest maps a VF's BARs and
 * descriptor rings.  C library only, shared by the NIC driver
 * (emunic/esw.c) and the guest library (guest/esw-vf-guest.c).
 *
 * The memory is a memfd the NIC creates and seals (no shrink, no grow: a
 * guest cannot truncate it under the NIC), fresh for every assignment of
 * the VF ('generation'), so that a previous holder never sees the next
 * one's traffic.  A guest gets it either from the VF's unix socket
 * (SOCK_SEQPACKET at <shm_dir>/<nic>-vf<N>: connecting takes over an
 * unclaimed VF; the reply is one record of three uint32_t, ESW_VF_MAGIC,
 * the VF number and the generation, carrying the memfd as SCM_RIGHTS; a
 * refusal is a closed connection) or from the host owner that claimed the
 * VF (a nae port passes it with its path event, include/nae-abi.h).
 *
 * The NIC writes 'enabled' and its own ring indices here for the guest,
 * and never reads them back: what the guest writes there changes nothing
 * but its own view.
 *
 * Two single-producer, single-consumer rings of fixed-size buffers:
 * 'to_guest' (the VF's receive queue: the NIC produces) and 'from_guest'
 * (its transmit queue: the guest produces).  A ring's producer writes the
 * slot, then publishes 'head' with a release store; its consumer reads
 * 'head' with an acquire load, reads the slot, then publishes 'tail'.
 * Indices are free-running 32-bit counters; slot = index % ESW_VF_SLOTS.
 *
 * The guest is untrusted: the NIC bounds every length and index it reads
 * from the guest's side, counts what it refuses, and never trusts the
 * guest's 'head' to be within ESW_VF_SLOTS of its own 'tail'. */

#include <stdalign.h>
#include <stdint.h>

#define ESW_VF_MAGIC 0x4e414546u        /* "NAEF" */
#define ESW_VF_VERSION 3
#define ESW_VF_SLOTS 2048               /* Power of two. */
#define ESW_VF_BUF 2048                 /* Bytes per slot: one frame. */
#define ESW_VF_MAX_FRAME (ESW_VF_BUF - 64)

struct esw_vf_ring {
    alignas(64) uint32_t head;          /* Written by the producer. */
    alignas(64) uint32_t tail;          /* Written by the consumer. */
    alignas(64) uint16_t len[ESW_VF_SLOTS];
    alignas(64) uint8_t buf[ESW_VF_SLOTS][ESW_VF_BUF];
};

struct esw_vf_shm {
    /* Written once by the NIC before the file is visible. */
    uint32_t magic;
    uint32_t version;
    uint32_t vf;                        /* VF index on its NIC. */
    uint32_t slots;                     /* ESW_VF_SLOTS */
    uint32_t buf_size;                  /* ESW_VF_BUF */
    uint8_t mac[6];                     /* The VF's MAC (administered). */
    uint16_t mtu;
    uint32_t generation;                /* Of this memory, from 1. */

    /* 1 while the NIC has the VF enabled on this memory; 0 when it is
     * withdrawn (hot-unplug) or the memory was revoked (the VF was given
     * to someone else): the guest must stop using the rings. */
    alignas(64) uint32_t enabled;

    struct esw_vf_ring to_guest;
    struct esw_vf_ring from_guest;
};

#endif /* esw-vf.h */
