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

#ifndef NAE_ABI_H
#define NAE_ABI_H 1

/* The NAE device ABI: everything the switch and a guest driver must agree
 * on, and nothing else.  This header is shared, unchanged, by lib/ (the
 * switch side) and guest/ (the driver side), so it depends only on the C
 * library.  See docs/nae-device.md for the prose version.
 *
 * The device has two halves, as in chapter 5 of the NAE thesis:
 *
 *   - The virtual control path (VCP): a small config space (Table 1 of the
 *     thesis, plus a few fields we need and mark as extensions) that the
 *     guest reads and writes through messages on a unix socket, the way a
 *     device model traps MMIO.  Guest memory and interrupt sockets travel on
 *     the same socket as SCM_RIGHTS file descriptors.
 *
 *   - The virtual data path (VDP): per channel, two rings of descriptors in
 *     guest memory (Tables 2 and 3: header and data are separate buffers).
 *     "tx" and "rx" are always named from the guest's point of view.
 *
 * All multi-byte values are in host byte order: both ends run on the same
 * machine.  Ring indices are free-running 32-bit counters; the slot of index
 * 'i' is 'i & (q_size - 1)'. */

#include <stdint.h>

/* 2: interrupt lines are AF_UNIX SOCK_DGRAM sockets, not eventfds. */
#define NAE_ABI_VERSION 2
#define NAE_DEV_TYPE_NET 0x0001     /* 'dev_type' of a network device. */

/* Limits the switch enforces on what a guest asks for. */
#define NAE_MAX_CHANNELS 16         /* 'q_num' ceiling. */
#define NAE_MAX_REGIONS 8           /* Guest memory regions per device. */
#define NAE_MIN_RING_SIZE 32
#define NAE_MAX_RING_SIZE 4096
#define NAE_DEFAULT_RING_SIZE 256
#define NAE_MAX_FRAME_LEN 9728      /* Largest frame either side moves,
                                     * but for NAE_CMD_TSO frames. */
#define NAE_MAX_TSO_FRAME 65280     /* Largest NAE_CMD_TSO frame. */
#define NAE_MIN_MSS 88              /* Smallest NAE_CMD_TSO 'mss' (Linux's
                                     * TCP_MIN_MSS). */

/* Feature bits, per channel, in 'q_features'.  A feature is on only when
 * both the device offers it and the driver writes it back. */
enum nae_feature {
    /* Descriptors may carry the packet header and the payload in separate
     * buffers (header_addr/header_len and data_addr/length).  Without it,
     * header_len must be 0 and the whole frame sits at data_addr. */
    NAE_F_SPLIT_HEADER = 1ULL << 0,

    /* The device signals the channel's interrupt lines when the driver arms
     * them through the ring's 'irq_armed' word.  A line is one end of an
     * AF_UNIX SOCK_DGRAM socket pair the driver created: the device sends
     * it one byte per interrupt, never blocking (a full socket means an
     * interrupt is already pending), and the driver waits for POLLIN on the
     * other end and drains it.  Without this feature, the driver must
     * poll. */
    NAE_F_NOTIFY = 1ULL << 1,

    /* 'dev_mtu' is meaningful and enforced on both directions. */
    NAE_F_MTU = 1ULL << 2,

    /* The port also has a hardware channel (an SR-IOV VF the guest drives
     * beside these rings) and the driver follows the switch between the
     * two: it obeys NAE_EVENT_PATH and acknowledges through
     * 'dev_path_ack' (see docs/hw-channels.md).  Read from channel 0. */
    NAE_F_HW_PATH = 1ULL << 3,

    /* L4 checksum offload, both ways (thesis 5.5's checksum command).  A
     * descriptor with NAE_CMD_CSUM carries a TCP or UDP frame over IPv4 or
     * IPv6 whose L4 checksum is left to be completed: 'csum_start' is the
     * offset of its L4 header in the frame and 'csum_offset' that of the
     * checksum field in it (16 for TCP, 6 for UDP), as in a virtio-net
     * header.  The device completes checksums the driver left (or hands
     * the frame whole to a receiver that takes them), and may leave the
     * driver the checksums of frames it receives, marked the same way.
     * Frames without the command carry complete checksums. */
    NAE_F_CSUM = 1ULL << 4,

    /* TCP segmentation offload, both ways; needs NAE_F_CSUM.  A descriptor
     * with NAE_CMD_TSO (and NAE_CMD_CSUM) carries a TCP frame of up to
     * NAE_MAX_TSO_FRAME bytes to be cut into segments of 'mss' payload
     * bytes, each with the same headers (lengths, IPv4 ids, sequence
     * numbers and flags adjusted, checksums computed), as a NIC's TSO
     * does.  Larger than the MTU's frame only with this command. */
    NAE_F_TSO = 1ULL << 5,
};
#define NAE_F_ALL (NAE_F_SPLIT_HEADER | NAE_F_NOTIFY | NAE_F_MTU \
                   | NAE_F_HW_PATH | NAE_F_CSUM | NAE_F_TSO)

/* Config space byte offsets.  Rows are 8 bytes, as in Figure 6 of the
 * thesis.  Fields from 'q_features' to 'q_size' apply to the channel chosen
 * by the last write to 'q_sel'. */
enum nae_cfg_offset {
    NAE_CFG_DEV_TYPE = 0x00,        /* 16, RO. */
    NAE_CFG_Q_NUM = 0x02,           /* 16, RO: channels offered. */
    NAE_CFG_DEV_IRQ_NUM = 0x04,     /* 32, RO: interrupt lines offered. */
    NAE_CFG_Q_SEL = 0x08,           /* 16, RW: channel being programmed. */
    NAE_CFG_DEV_SYSID = 0x0a,       /* 16, RO. */
    NAE_CFG_DEV_START = 0x0c,       /* 16, RW: 1 starts, 0 stops/resets. */
    NAE_CFG_DEV_HAS_LINK = 0x0e,    /* 16, RO. */
    NAE_CFG_Q_FEATURES = 0x10,      /* 64, RW: offered, then negotiated. */
    NAE_CFG_Q_RX_TAIL_ADDR = 0x18,  /* 64, RW: guest address. */
    NAE_CFG_Q_RX_HEAD_ADDR = 0x20,  /* 64, RW. */
    NAE_CFG_Q_TX_TAIL_ADDR = 0x28,  /* 64, RW. */
    NAE_CFG_Q_TX_HEAD_ADDR = 0x30,  /* 64, RW. */
    NAE_CFG_Q_INT_RX_LINE = 0x38,   /* 16, RW: interrupt line, or 0xffff. */
    NAE_CFG_Q_INT_RX_ACK = 0x3a,    /* 16, WO. */
    NAE_CFG_Q_INT_TX_LINE = 0x3c,   /* 16, RW. */
    NAE_CFG_Q_INT_TX_ACK = 0x3e,    /* 16, WO. */
    NAE_CFG_Q_RX_DMA = 0x40,        /* 64, RW: descriptor ring address. */
    NAE_CFG_Q_TX_DMA = 0x48,        /* 64, RW. */
    NAE_CFG_DEV_MAC = 0x50,         /* 64, RO: MAC in the low 48 bits. */

    /* Extensions to Table 1. */
    NAE_CFG_Q_SIZE = 0x58,          /* 16, RW: ring entries, power of 2. */
    NAE_CFG_DEV_MTU = 0x5a,         /* 16, RO. */
    NAE_CFG_DEV_STATUS = 0x5c,      /* 16, RO: NAE_STATUS_* bits. */
    NAE_CFG_DEV_ABI = 0x5e,         /* 16, RO: NAE_ABI_VERSION. */
    NAE_CFG_DEV_PATH = 0x60,        /* 64, RO: NAE_PATH_VALUE() the driver
                                     * must follow (NAE_F_HW_PATH). */
    NAE_CFG_DEV_PATH_ACK = 0x68,    /* 32, RW: generation of the last path
                                     * the driver has switched to. */

    NAE_CFG_SIZE = 0x70
};

#define NAE_IRQ_NONE 0xffff

/* 'dev_status' bits. */
enum nae_dev_status {
    NAE_STATUS_RUNNING = 1 << 0,    /* dev_start accepted; rings live. */
    NAE_STATUS_NEEDS_RESET = 1 << 1,/* A channel broke a ring rule; the
                                     * driver must write dev_start=0, then
                                     * set up again. */
};

/* A data descriptor (Tables 2 and 3, with 'header_len' added so that the
 * header buffer's size is explicit).  32 bytes, so two per cache line.
 * The offload fields ('command' to 'csum_offset') are written by the
 * driver on the tx ring and by the device on the rx ring. */
struct nae_desc {
    uint64_t header_addr;   /* Guest address of the header buffer. */
    uint64_t data_addr;     /* Guest address of the data buffer. */
    uint16_t command;       /* NAE_CMD_* bits. */
    uint16_t header_len;    /* Bytes at header_addr. */
    uint16_t length;        /* Bytes at data_addr. */
    uint16_t mss;           /* NAE_CMD_TSO: payload bytes per segment. */
    uint32_t status;        /* NAE_DESC_*, written by the device. */
    uint16_t csum_start;    /* NAE_CMD_CSUM: offset of the L4 header. */
    uint16_t csum_offset;   /* NAE_CMD_CSUM: of its checksum, from there. */
};

/* 'command' bits.  A bit the channel did not negotiate is rejected
 * (NAE_DESC_ERR_CMD), so that a command is never silently ignored. */
enum nae_desc_command {
    NAE_CMD_NONE = 0,
    NAE_CMD_CSUM = 1 << 0,          /* NAE_F_CSUM: L4 checksum left. */
    NAE_CMD_TSO = 1 << 1,           /* NAE_F_TSO: segment by 'mss'. */
};

/* 'status' values written back by the device. */
enum nae_desc_status {
    NAE_DESC_PENDING = 0,
    NAE_DESC_DONE = 1,              /* Sent, or a frame received. */
    NAE_DESC_ERR_ADDR = 2,          /* A buffer lies outside guest memory. */
    NAE_DESC_ERR_LEN = 3,           /* Runt, oversize or over-MTU frame. */
    NAE_DESC_ERR_CMD = 4,           /* A command not negotiated, or one
                                     * the frame contradicts (no TCP or
                                     * UDP header where 'csum_start' says,
                                     * an 'mss' too small or too big). */
};

/* The two index words of a ring.  The driver owns 'tail' (and 'irq_armed');
 * the device owns 'head'.  Each side's words must sit at 8-byte aligned guest
 * addresses; drivers should put them on separate cache lines.
 *
 * tx ring: the driver fills descriptors and advances tail; the device sends
 *          them and advances head.
 * rx ring: the driver posts empty buffers and advances tail; the device
 *          fills them and advances head. */
struct nae_ring_driver_words {
    uint32_t tail;
    uint32_t irq_armed;     /* Nonzero: signal this ring's interrupt line at
                             * the next head advance, then clear it. */
};

struct nae_ring_device_words {
    uint32_t head;
    uint32_t reserved;
};

/* Control messages.  Every message, either way, is exactly one
 * 'struct nae_msg' in one SOCK_SEQPACKET record; any other size is a
 * protocol error and ends the session. */
enum nae_msg_type {
    NAE_MSG_HELLO = 1,      /* G->S: u.hello.  Reply: u.hello. */
    NAE_MSG_MEM_REGION,     /* G->S + memfd: u.region.  Reply: u.reply. */
    NAE_MSG_CFG_READ,       /* G->S: u.cfg.  Reply: u.reply (value). */
    NAE_MSG_CFG_WRITE,      /* G->S: u.cfg.  Reply: u.reply. */
    NAE_MSG_SET_IRQ_FD,     /* G->S + socket: u.irq.  Reply: u.reply. */
    NAE_MSG_REPLY,          /* S->G. */
    NAE_MSG_EVENT,          /* S->G, unsolicited: u.event. */
};

struct nae_msg_hello {
    uint32_t abi_version;
    uint32_t reserved;
};

/* A guest memory region: 'size' bytes of the passed memfd, from 'offset',
 * appear at guest address 'guest_addr'.  The memfd must carry
 * F_SEAL_SHRINK, so that the guest cannot truncate memory under the
 * switch. */
struct nae_msg_region {
    uint64_t guest_addr;
    uint64_t size;
    uint64_t offset;
};

struct nae_msg_cfg {
    uint32_t offset;        /* enum nae_cfg_offset. */
    uint32_t width;         /* 2, 4 or 8: must match the field. */
    uint64_t value;         /* For writes. */
};

struct nae_msg_irq {
    uint32_t line;          /* 0 .. dev_irq_num - 1. */
    uint32_t reserved;
};

struct nae_msg_reply {
    int32_t error;          /* 0 or a positive errno value. */
    uint32_t reserved;
    uint64_t value;
};

enum nae_event_type {
    NAE_EVENT_LINK = 1,     /* dev_has_link changed.  Reserved: the switch
                             * does not model link loss yet. */
    NAE_EVENT_RESET = 2,    /* The device needs a reset (see dev_status). */
    NAE_EVENT_PATH = 3,     /* 'value' = the new 'dev_path': switch, then
                             * write its generation to 'dev_path_ack'. */
};

/* Which channels carry the port's traffic ('dev_path', NAE_F_HW_PATH).
 *
 * Switching from one to the other is make-before-break.  On the event the
 * driver stops filling the old transmit ring, waits until the device has
 * taken everything in it, sends on the new one, and acknowledges; from the
 * event on it receives from both, always emptying the old path before it
 * takes from the new one what had arrived before that.  The switch moves
 * its own transmit to the new path when the acknowledgement arrives
 * (docs/hw-channels.md). */
enum nae_path {
    NAE_PATH_SW = 0,        /* The descriptor rings of this device. */
    NAE_PATH_HW = 1,        /* The VF. */
};
/* 'dev_path': bits 0-7 the path, 8-31 the switch's generation, 32-47 the
 * VF to use on NAE_PATH_HW (its number on its NIC: which VF a port gets
 * may change when VFs are shared by more ports than there are VFs). */
#define NAE_PATH_GEN_MAX 0xffffffu
#define NAE_PATH_VALUE(GEN, PATH, VF) \
    (((uint64_t) (VF) << 32) | ((uint32_t) (GEN) << 8) | (PATH))
#define NAE_PATH_OF(VALUE) ((enum nae_path) ((VALUE) & 0xff))
#define NAE_PATH_GEN(VALUE) ((uint32_t) (VALUE) >> 8)
#define NAE_PATH_VF(VALUE) ((uint16_t) ((VALUE) >> 32))
/* VF number on NAE_PATH_SW meaning "the VF is no longer yours": the driver
 * empties its receive queue, lets it go, and then acknowledges. */
#define NAE_PATH_VF_NONE 0xffff

struct nae_msg_event {
    uint32_t type;
    uint32_t reserved;
    uint64_t value;
};

struct nae_msg {
    uint32_t type;          /* enum nae_msg_type. */
    uint32_t seq;           /* Echoed in the reply. */
    union {
        struct nae_msg_hello hello;
        struct nae_msg_region region;
        struct nae_msg_cfg cfg;
        struct nae_msg_irq irq;
        struct nae_msg_reply reply;
        struct nae_msg_event event;
        uint64_t raw[3];
    } u;
};

_Static_assert(sizeof(struct nae_desc) == 32, "descriptor is 32 bytes");
_Static_assert(sizeof(struct nae_msg) == 32, "message is 32 bytes");

#endif /* nae-abi.h */
