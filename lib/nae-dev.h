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

#ifndef NAE_DEV_H
#define NAE_DEV_H 1

/* The NAE device model: the switch's half of the virtual control path.
 *
 * A 'struct nae_dev' holds one guest session's view of the device: the
 * config space the guest programs (Table 1 of the thesis), the guest memory
 * it registered, and its interrupt sockets.  nae_dev_handle_msg() applies
 * one control message to it and validates everything the guest supplies;
 * nae_dev_layout() turns a started device into switch pointers for the data
 * path.  No sockets, threads or OVS types here: the transport lives in
 * nae-ctl.c, so the model can be unit tested and fuzzed on its own.
 *
 * Control path only.  Not thread safe: one owner, the main thread. */

#include <stdbool.h>
#include <stdint.h>
#include "nae-abi.h"
#include "nae-mem.h"

/* Why a guest's request was refused.  Each has a counter. */
#define NAE_REJECT_REASONS                                              \
    NAE_REJECT(BAD_MSG, "bad_message")       /* Unknown type, no HELLO. */ \
    NAE_REJECT(BAD_OFFSET, "bad_offset")     /* Not a field's offset. */   \
    NAE_REJECT(BAD_WIDTH, "bad_width")       /* Width != field width. */   \
    NAE_REJECT(READ_ONLY, "read_only")       /* Write to an RO field. */   \
    NAE_REJECT(BAD_VALUE, "bad_value")       /* Value out of range. */     \
    NAE_REJECT(BUSY, "busy")                 /* Change while running. */   \
    NAE_REJECT(BAD_START, "bad_start")       /* Rings fail validation. */  \
    NAE_REJECT(BAD_REGION, "bad_region")     /* Memory region refused. */  \
    NAE_REJECT(BAD_IRQ, "bad_irq")           /* Interrupt fd refused. */ \
    NAE_REJECT(MEM_LIMIT, "memory_limit")    /* Over max-guest-memory. */

enum nae_reject {
#define NAE_REJECT(ENUM, NAME) NAE_REJ_##ENUM,
    NAE_REJECT_REASONS
#undef NAE_REJECT
    NAE_N_REJECTS
};

const char *nae_reject_name(enum nae_reject);

/* What the switch offers, from the port's configuration. */
struct nae_dev_offer {
    uint16_t q_num;             /* Channels, 1..NAE_MAX_CHANNELS. */
    uint16_t sysid;
    uint16_t mtu;
    uint64_t features;          /* NAE_F_*. */
    uint64_t mac;               /* MAC in the low 48 bits. */
    uint64_t max_mem;           /* Bytes of memory the guest may register;
                                 * 0: no bound. */
};

/* One channel as the guest programmed it. */
struct nae_dev_chan {
    uint64_t features;          /* Offered until written, then agreed. */
    uint64_t rx_tail_addr, rx_head_addr, rx_dma;
    uint64_t tx_tail_addr, tx_head_addr, tx_dma;
    uint16_t int_rx_line, int_tx_line;
    uint16_t size;
};

struct nae_dev {
    struct nae_dev_offer offer;
    bool hello_done;
    bool started;
    bool has_link;
    uint16_t q_sel;
    uint16_t status;            /* NAE_STATUS_*. */
    uint64_t path;              /* NAE_PATH_VALUE(), set by the switch. */
    uint32_t path_ack;          /* Generation the driver acknowledged. */
    struct nae_dev_chan chans[NAE_MAX_CHANNELS];
    int irq_fd[2 * NAE_MAX_CHANNELS];   /* -1 if unset. */
    struct nae_mem mem;
    uint64_t rejects[NAE_N_REJECTS];
};

/* A ring as the data path uses it: switch pointers into guest memory. */
struct nae_ring_layout {
    struct nae_desc *desc;
    struct nae_ring_driver_words *driver;
    struct nae_ring_device_words *device;
    uint32_t size;
    int irq_fd;                 /* -1: none. */
};

struct nae_chan_layout {
    bool active;                /* The guest set this channel up. */
    uint64_t features;
    struct nae_ring_layout tx;  /* Guest to switch. */
    struct nae_ring_layout rx;  /* Switch to guest. */
};

void nae_dev_init(struct nae_dev *, const struct nae_dev_offer *);
void nae_dev_destroy(struct nae_dev *);
void nae_dev_stop(struct nae_dev *);

int nae_dev_handle_msg(struct nae_dev *, const struct nae_msg *, int fd,
                       struct nae_msg *reply);
int nae_dev_cfg_read(struct nae_dev *, uint32_t offset, uint32_t width,
                     uint64_t *value);
int nae_dev_cfg_write(struct nae_dev *, uint32_t offset, uint32_t width,
                      uint64_t value);
int nae_dev_layout(const struct nae_dev *,
                   struct nae_chan_layout layout[NAE_MAX_CHANNELS]);

#endif /* nae-dev.h */
