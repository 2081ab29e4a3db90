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

#ifndef NAE_GUEST_H
#define NAE_GUEST_H 1

/* The guest's driver for a NAE device: connects to the device's socket,
 * negotiates features and channels through the config space, lays out rings
 * and buffers in one sealed memfd it shares with the switch, and moves
 * frames on the rings.  Plain C and the ABI header only: a guest does not
 * link OVS.
 *
 * Control functions (open, close, reset, poll_ctl) block on the socket;
 * ring functions never block or make system calls.  'irq_fd' is the
 * guest's end of a ring's interrupt socket pair: poll it for POLLIN and
 * drain it with nae_guest_irq_drain(). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include "nae-abi.h"

struct nae_guest_ring {
    struct nae_desc *desc;
    struct nae_ring_driver_words *driver;       /* Ours. */
    struct nae_ring_device_words *device;       /* The switch's. */
    uint32_t mask;
    uint32_t tail;          /* Next slot we fill. */
    uint32_t done;          /* Next slot we take back from the switch. */
    uint8_t *bufs;          /* One buffer per slot, 'buf_size' bytes. */
    uint64_t bufs_gpa;
    uint8_t *hdrs;          /* Header buffers (rx, split header only). */
    uint64_t hdrs_gpa;
    int irq_fd;             /* -1 unless NAE_F_NOTIFY. */
};

struct nae_guest_chan {
    uint64_t features;      /* Negotiated. */
    struct nae_guest_ring tx;
    struct nae_guest_ring rx;
};

struct nae_guest_options {
    int n_channels;         /* 0: as many as the device offers. */
    uint32_t ring_size;     /* 0: NAE_DEFAULT_RING_SIZE. */
    uint64_t features;      /* What this driver supports. */
};

/* Ring-level error counters, as the guest sees completions. */
struct nae_guest_stats {
    uint64_t tx_packets, tx_errors, rx_packets, rx_errors;
};

struct nae_guest {
    int sock;
    uint32_t seq;
    char *path;
    struct nae_guest_options opts;

    /* From the config space. */
    uint16_t q_num;
    uint64_t mac;
    uint16_t mtu;

    int memfd;
    uint8_t *mem;
    size_t mem_size;
    uint32_t buf_size;

    int n_chans;
    struct nae_guest_chan chans[NAE_MAX_CHANNELS];
    bool needs_reset;       /* The switch asked for a reset. */
    bool path_event_new;    /* NAE_EVENT_PATH arrived: 'path_event'. */
    uint64_t path_event;
    int path_event_fd;      /* VF memory it carried, or -1. */
    struct nae_guest_stats stats;
};

/* Guest "physical" address of the shared memory. */
#define NAE_GUEST_MEM_BASE 0x100000000ULL

int nae_guest_open(struct nae_guest *, const char *path,
                   const struct nae_guest_options *);
void nae_guest_close(struct nae_guest *);
int nae_guest_reset(struct nae_guest *);
int nae_guest_poll_ctl(struct nae_guest *);

int nae_guest_cfg_read(struct nae_guest *, uint32_t offset, uint32_t width,
                       uint64_t *value);
int nae_guest_cfg_write(struct nae_guest *, uint32_t offset, uint32_t width,
                        uint64_t value);
int nae_guest_request(struct nae_guest *, struct nae_msg *, int fd,
                      struct nae_msg *reply);

int nae_guest_tx(struct nae_guest *, int chan, const void *frame,
                 size_t len);

/* A frame's offloads, as its descriptor carries them (NAE_F_CSUM,
 * NAE_F_TSO; see nae-abi.h). */
struct nae_guest_offload {
    uint16_t command;       /* NAE_CMD_CSUM, NAE_CMD_TSO. */
    uint16_t mss;
    uint16_t csum_start;
    uint16_t csum_offset;
};
int nae_guest_tx_offload(struct nae_guest *, int chan, const void *frame,
                         size_t len, const struct nae_guest_offload *);
void *nae_guest_tx_buf(struct nae_guest *, int chan, size_t *room);
int nae_guest_tx_commit(struct nae_guest *, int chan, size_t len,
                        const struct nae_guest_offload *);
void nae_guest_rx_offload(const struct nae_guest *, int chan,
                          struct nae_guest_offload *);
void nae_guest_tx_flush(struct nae_guest *, int chan);
int nae_guest_tx_room(struct nae_guest *, int chan);
bool nae_guest_tx_idle(struct nae_guest *);
int nae_guest_ack_path(struct nae_guest *, uint32_t gen);
int nae_guest_take_vf_fd(struct nae_guest *);
int nae_guest_rx_peek(struct nae_guest *, int chan, struct iovec iov[2]);
uint32_t nae_guest_rx_pending(struct nae_guest *, int chan);
void nae_guest_rx_release(struct nae_guest *, int chan);
void nae_guest_rx_flush(struct nae_guest *, int chan);
bool nae_guest_rx_arm(struct nae_guest *, int chan);
void nae_guest_rx_disarm(struct nae_guest *, int chan);
void nae_guest_irq_drain(struct nae_guest *, int chan);
int nae_guest_pick_chan(const struct nae_guest *, const void *frame,
                        size_t len);

#endif /* nae-guest.h */
