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

/* The NAE device model (virtual control path).  See nae-dev.h. */

#include <config.h>
#include "nae-dev.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

const char *
nae_reject_name(enum nae_reject reason)
{
    switch (reason) {
#define NAE_REJECT(ENUM, NAME) case NAE_REJ_##ENUM: return NAME;
    NAE_REJECT_REASONS
#undef NAE_REJECT
    case NAE_N_REJECTS:
    default:
        return "unknown";
    }
}

static void
nae_dev_reset_chans(struct nae_dev *dev)
{
    for (size_t i = 0; i < NAE_MAX_CHANNELS; i++) {
        struct nae_dev_chan *c = &dev->chans[i];

        memset(c, 0, sizeof *c);
        c->features = dev->offer.features;
        c->int_rx_line = c->int_tx_line = NAE_IRQ_NONE;
        c->size = NAE_DEFAULT_RING_SIZE;
    }
}

/* Initializes 'dev' for a new guest session, offering what 'offer' says. */
void
nae_dev_init(struct nae_dev *dev, const struct nae_dev_offer *offer)
{
    memset(dev, 0, sizeof *dev);
    dev->offer = *offer;
    if (!dev->offer.q_num || dev->offer.q_num > NAE_MAX_CHANNELS) {
        dev->offer.q_num = 1;
    }
    dev->offer.features &= NAE_F_ALL;
    dev->has_link = true;
    for (size_t i = 0; i < ARRAY_SIZE(dev->irq_fd); i++) {
        dev->irq_fd[i] = -1;
    }
    nae_dev_reset_chans(dev);
    nae_mem_init(&dev->mem, dev->offer.max_mem);
}

/* Releases everything 'dev' holds: guest memory mappings and interrupt
 * sockets.  The
 * caller must first make sure no data path uses 'dev''s layout. */
void
nae_dev_destroy(struct nae_dev *dev)
{
    if (!dev) {
        return;
    }
    for (size_t i = 0; i < ARRAY_SIZE(dev->irq_fd); i++) {
        if (dev->irq_fd[i] >= 0) {
            close(dev->irq_fd[i]);
            dev->irq_fd[i] = -1;
        }
    }
    nae_mem_clear(&dev->mem);
}

/* Stops 'dev' as if the driver had written dev_start=0, e.g. because the
 * data path found a ring in a state the rules forbid. */
void
nae_dev_stop(struct nae_dev *dev)
{
    dev->started = false;
    dev->status &= ~NAE_STATUS_RUNNING;
}

static int
nae_dev_reject(struct nae_dev *dev, enum nae_reject reason, int error)
{
    dev->rejects[reason]++;
    return error;
}

/* Returns the width in bytes of the field at 'offset', or 0 if no field
 * starts there. */
static unsigned int
nae_cfg_width(uint32_t offset)
{
    switch (offset) {
    case NAE_CFG_DEV_TYPE:
    case NAE_CFG_Q_NUM:
    case NAE_CFG_Q_SEL:
    case NAE_CFG_DEV_SYSID:
    case NAE_CFG_DEV_START:
    case NAE_CFG_DEV_HAS_LINK:
    case NAE_CFG_Q_INT_RX_LINE:
    case NAE_CFG_Q_INT_RX_ACK:
    case NAE_CFG_Q_INT_TX_LINE:
    case NAE_CFG_Q_INT_TX_ACK:
    case NAE_CFG_Q_SIZE:
    case NAE_CFG_DEV_MTU:
    case NAE_CFG_DEV_STATUS:
    case NAE_CFG_DEV_ABI:
        return 2;
    case NAE_CFG_DEV_IRQ_NUM:
    case NAE_CFG_DEV_PATH_ACK:
        return 4;
    case NAE_CFG_Q_FEATURES:
    case NAE_CFG_Q_RX_TAIL_ADDR:
    case NAE_CFG_Q_RX_HEAD_ADDR:
    case NAE_CFG_Q_TX_TAIL_ADDR:
    case NAE_CFG_Q_TX_HEAD_ADDR:
    case NAE_CFG_Q_RX_DMA:
    case NAE_CFG_Q_TX_DMA:
    case NAE_CFG_DEV_MAC:
    case NAE_CFG_DEV_PATH:
        return 8;
    default:
        return 0;
    }
}

static int
nae_cfg_check(struct nae_dev *dev, uint32_t offset, uint32_t width)
{
    unsigned int field_width = nae_cfg_width(offset);

    if (!field_width) {
        return nae_dev_reject(dev, NAE_REJ_BAD_OFFSET, EINVAL);
    }
    if (width != field_width) {
        return nae_dev_reject(dev, NAE_REJ_BAD_WIDTH, EINVAL);
    }
    return 0;
}

/* Reads the config space field at 'offset', 'width' bytes wide, into
 * '*value'.  Returns 0 or EINVAL (bad offset or width, counted). */
int
nae_dev_cfg_read(struct nae_dev *dev, uint32_t offset, uint32_t width,
                 uint64_t *value)
{
    const struct nae_dev_chan *c = &dev->chans[dev->q_sel];
    int error = nae_cfg_check(dev, offset, width);

    *value = 0;
    if (error) {
        return error;
    }
    switch ((enum nae_cfg_offset) offset) {
    case NAE_CFG_DEV_TYPE: *value = NAE_DEV_TYPE_NET; break;
    case NAE_CFG_Q_NUM: *value = dev->offer.q_num; break;
    case NAE_CFG_DEV_IRQ_NUM: *value = 2 * dev->offer.q_num; break;
    case NAE_CFG_Q_SEL: *value = dev->q_sel; break;
    case NAE_CFG_DEV_SYSID: *value = dev->offer.sysid; break;
    case NAE_CFG_DEV_START: *value = dev->started; break;
    case NAE_CFG_DEV_HAS_LINK: *value = dev->has_link; break;
    case NAE_CFG_Q_FEATURES: *value = c->features; break;
    case NAE_CFG_Q_RX_TAIL_ADDR: *value = c->rx_tail_addr; break;
    case NAE_CFG_Q_RX_HEAD_ADDR: *value = c->rx_head_addr; break;
    case NAE_CFG_Q_TX_TAIL_ADDR: *value = c->tx_tail_addr; break;
    case NAE_CFG_Q_TX_HEAD_ADDR: *value = c->tx_head_addr; break;
    case NAE_CFG_Q_INT_RX_LINE: *value = c->int_rx_line; break;
    case NAE_CFG_Q_INT_TX_LINE: *value = c->int_tx_line; break;
    case NAE_CFG_Q_INT_RX_ACK:
    case NAE_CFG_Q_INT_TX_ACK: *value = 0; break;
    case NAE_CFG_Q_RX_DMA: *value = c->rx_dma; break;
    case NAE_CFG_Q_TX_DMA: *value = c->tx_dma; break;
    case NAE_CFG_DEV_MAC: *value = dev->offer.mac; break;
    case NAE_CFG_Q_SIZE: *value = c->size; break;
    case NAE_CFG_DEV_MTU: *value = dev->offer.mtu; break;
    case NAE_CFG_DEV_STATUS: *value = dev->status; break;
    case NAE_CFG_DEV_ABI: *value = NAE_ABI_VERSION; break;
    case NAE_CFG_DEV_PATH: *value = dev->path; break;
    case NAE_CFG_DEV_PATH_ACK: *value = dev->path_ack; break;
    case NAE_CFG_SIZE:
    default:
        OVS_NOT_REACHED();
    }
    return 0;
}

static bool
is_pow2_in_range(uint64_t x, uint64_t min, uint64_t max)
{
    return x >= min && x <= max && !(x & (x - 1));
}

/* Writes 'value' to the config space field at 'offset', 'width' bytes wide.
 * Returns 0 or a positive errno value; every refusal is counted:
 *
 *   EINVAL  bad offset, width or value, or rings that fail validation when
 *           the driver starts the device;
 *   EPERM   the field is read-only;
 *   EBUSY   a channel field while the device runs. */
int
nae_dev_cfg_write(struct nae_dev *dev, uint32_t offset, uint32_t width,
                  uint64_t value)
{
    struct nae_dev_chan *c = &dev->chans[dev->q_sel];
    int error = nae_cfg_check(dev, offset, width);

    if (error) {
        return error;
    }

    switch ((enum nae_cfg_offset) offset) {
    case NAE_CFG_DEV_TYPE:
    case NAE_CFG_Q_NUM:
    case NAE_CFG_DEV_IRQ_NUM:
    case NAE_CFG_DEV_SYSID:
    case NAE_CFG_DEV_HAS_LINK:
    case NAE_CFG_DEV_MAC:
    case NAE_CFG_DEV_MTU:
    case NAE_CFG_DEV_STATUS:
    case NAE_CFG_DEV_ABI:
    case NAE_CFG_DEV_PATH:
        return nae_dev_reject(dev, NAE_REJ_READ_ONLY, EPERM);

    case NAE_CFG_DEV_PATH_ACK:
        /* Only the generation the switch announced can be acknowledged: a
         * driver cannot claim a switch it was never asked to make. */
        if (value != NAE_PATH_GEN(dev->path)) {
            return nae_dev_reject(dev, NAE_REJ_BAD_VALUE, EINVAL);
        }
        dev->path_ack = value;
        return 0;

    case NAE_CFG_Q_SEL:
        if (value >= dev->offer.q_num) {
            return nae_dev_reject(dev, NAE_REJ_BAD_VALUE, EINVAL);
        }
        dev->q_sel = value;
        return 0;

    case NAE_CFG_DEV_START:
        if (value > 1) {
            return nae_dev_reject(dev, NAE_REJ_BAD_VALUE, EINVAL);
        }
        if (!value) {
            nae_dev_stop(dev);
            dev->status &= ~NAE_STATUS_NEEDS_RESET;
        } else if (!dev->started) {
            struct nae_chan_layout layout[NAE_MAX_CHANNELS];

            if (dev->status & NAE_STATUS_NEEDS_RESET
                || nae_dev_layout(dev, layout)) {
                return nae_dev_reject(dev, NAE_REJ_BAD_START, EINVAL);
            }
            dev->started = true;
            dev->status |= NAE_STATUS_RUNNING;
        }
        return 0;

    case NAE_CFG_Q_INT_RX_ACK:
    case NAE_CFG_Q_INT_TX_ACK:
        /* Interrupts re-arm through the ring's 'irq_armed' word, which
         * costs no message; an ack here is accepted for drivers written to
         * the thesis's register model and has nothing left to do. */
        return 0;

    case NAE_CFG_Q_FEATURES:
    case NAE_CFG_Q_RX_TAIL_ADDR:
    case NAE_CFG_Q_RX_HEAD_ADDR:
    case NAE_CFG_Q_TX_TAIL_ADDR:
    case NAE_CFG_Q_TX_HEAD_ADDR:
    case NAE_CFG_Q_INT_RX_LINE:
    case NAE_CFG_Q_INT_TX_LINE:
    case NAE_CFG_Q_RX_DMA:
    case NAE_CFG_Q_TX_DMA:
    case NAE_CFG_Q_SIZE:
        break;

    case NAE_CFG_SIZE:
    default:
        OVS_NOT_REACHED();
    }

    /* Channel fields: frozen while the rings are live. */
    if (dev->started) {
        return nae_dev_reject(dev, NAE_REJ_BUSY, EBUSY);
    }
    switch ((enum nae_cfg_offset) offset) {
    case NAE_CFG_Q_FEATURES:
        c->features = dev->offer.features & value;
        if (!(c->features & NAE_F_CSUM)) {
            c->features &= ~NAE_F_TSO;      /* TSO needs checksums. */
        }
        break;
    case NAE_CFG_Q_RX_TAIL_ADDR: c->rx_tail_addr = value; break;
    case NAE_CFG_Q_RX_HEAD_ADDR: c->rx_head_addr = value; break;
    case NAE_CFG_Q_TX_TAIL_ADDR: c->tx_tail_addr = value; break;
    case NAE_CFG_Q_TX_HEAD_ADDR: c->tx_head_addr = value; break;
    case NAE_CFG_Q_RX_DMA: c->rx_dma = value; break;
    case NAE_CFG_Q_TX_DMA: c->tx_dma = value; break;
    case NAE_CFG_Q_INT_RX_LINE:
    case NAE_CFG_Q_INT_TX_LINE:
        if (value != NAE_IRQ_NONE && value >= 2 * dev->offer.q_num) {
            return nae_dev_reject(dev, NAE_REJ_BAD_VALUE, EINVAL);
        }
        if (offset == NAE_CFG_Q_INT_RX_LINE) {
            c->int_rx_line = value;
        } else {
            c->int_tx_line = value;
        }
        break;
    case NAE_CFG_Q_SIZE:
        if (!is_pow2_in_range(value, NAE_MIN_RING_SIZE, NAE_MAX_RING_SIZE)) {
            return nae_dev_reject(dev, NAE_REJ_BAD_VALUE, EINVAL);
        }
        c->size = value;
        break;
    default:
        OVS_NOT_REACHED();
    }
    return 0;
}

/* Translates one ring of a channel.  Returns 0 or EINVAL. */
static int
nae_dev_ring_layout(const struct nae_dev *dev, const struct nae_dev_chan *c,
                    uint64_t dma, uint64_t tail_addr, uint64_t head_addr,
                    uint16_t irq_line, struct nae_ring_layout *ring)
{
    const struct nae_mem_map *map = &dev->mem.map;
    uint64_t ring_bytes = (uint64_t) c->size * sizeof(struct nae_desc);

    if (dma % 64 || tail_addr % 8 || head_addr % 8) {
        return EINVAL;
    }
    ring->desc = nae_mem_translate(map, dma, ring_bytes);
    ring->driver = nae_mem_translate(map, tail_addr, sizeof *ring->driver);
    ring->device = nae_mem_translate(map, head_addr, sizeof *ring->device);
    if (!ring->desc || !ring->driver || !ring->device) {
        return EINVAL;
    }
    ring->size = c->size;
    ring->irq_fd = -1;
    if (c->features & NAE_F_NOTIFY && irq_line != NAE_IRQ_NONE) {
        ring->irq_fd = dev->irq_fd[irq_line];
        if (ring->irq_fd < 0) {
            return EINVAL;
        }
    }
    return 0;
}

/* Fills 'layout' with switch pointers for every channel of 'dev' the driver
 * set up.  A channel is set up when either of its descriptor rings has a
 * nonzero address.  Returns 0, or EINVAL if any set-up channel has a ring
 * that is misaligned, not wholly inside one registered memory region, or
 * names an interrupt line without a socket, or if no channel is set up. */
int
nae_dev_layout(const struct nae_dev *dev,
               struct nae_chan_layout layout[NAE_MAX_CHANNELS])
{
    bool any = false;

    memset(layout, 0, NAE_MAX_CHANNELS * sizeof *layout);
    for (size_t i = 0; i < dev->offer.q_num; i++) {
        const struct nae_dev_chan *c = &dev->chans[i];
        struct nae_chan_layout *l = &layout[i];

        if (!c->rx_dma && !c->tx_dma) {
            continue;
        }
        if (nae_dev_ring_layout(dev, c, c->tx_dma, c->tx_tail_addr,
                                c->tx_head_addr, c->int_tx_line, &l->tx)
            || nae_dev_ring_layout(dev, c, c->rx_dma, c->rx_tail_addr,
                                   c->rx_head_addr, c->int_rx_line, &l->rx)) {
            return EINVAL;
        }
        l->active = true;
        l->features = c->features;
        any = true;
    }
    return any ? 0 : EINVAL;
}

/* Accepts 'fd' as an interrupt line only if it is an AF_UNIX datagram
 * socket.  The guest shares the open file description, so it can clear
 * O_NONBLOCK on it at any time: the data path therefore signals with
 * send(MSG_DONTWAIT), which is non-blocking per call whatever the file's
 * flags say.  An eventfd or a pipe has no such call (write() on an eventfd
 * whose counter the guest raised near its maximum blocks forever). */
static bool
is_irq_socket(int fd)
{
    int domain, type;
    socklen_t len = sizeof domain;

    if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len)
        || domain != AF_UNIX) {
        return false;
    }
    len = sizeof type;
    return !getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len)
           && type == SOCK_DGRAM;
}

static int
nae_dev_set_irq_fd(struct nae_dev *dev, uint32_t line, int fd)
{
    if (fd < 0 || line >= 2 * dev->offer.q_num || !is_irq_socket(fd)) {
        return nae_dev_reject(dev, NAE_REJ_BAD_IRQ, EINVAL);
    }
    if (dev->started) {
        return nae_dev_reject(dev, NAE_REJ_BUSY, EBUSY);
    }
    if (dev->irq_fd[line] >= 0) {
        close(dev->irq_fd[line]);
    }
    dev->irq_fd[line] = fd;
    return 0;
}

/* Applies the guest's control message 'msg', which arrived with file
 * descriptor 'fd' (-1 if none), to 'dev', and fills in 'reply'.  Always takes
 * ownership of 'fd'.  Returns the error put in the reply: 0, or a positive
 * errno value, every one of which is also counted by reason. */
int
nae_dev_handle_msg(struct nae_dev *dev, const struct nae_msg *msg, int fd,
                   struct nae_msg *reply)
{
    uint64_t value = 0;
    int error;

    memset(reply, 0, sizeof *reply);
    reply->type = NAE_MSG_REPLY;
    reply->seq = msg->seq;

    if (!dev->hello_done && msg->type != NAE_MSG_HELLO) {
        error = nae_dev_reject(dev, NAE_REJ_BAD_MSG, EPROTO);
        goto out;
    }

    switch (msg->type) {
    case NAE_MSG_HELLO:
        if (msg->u.hello.abi_version != NAE_ABI_VERSION) {
            error = nae_dev_reject(dev, NAE_REJ_BAD_MSG, EPROTO);
        } else {
            dev->hello_done = true;
            reply->type = NAE_MSG_HELLO;
            reply->u.hello.abi_version = NAE_ABI_VERSION;
            error = 0;
        }
        break;

    case NAE_MSG_MEM_REGION:
        if (fd < 0) {
            error = nae_dev_reject(dev, NAE_REJ_BAD_REGION, EINVAL);
        } else if (dev->started) {
            error = nae_dev_reject(dev, NAE_REJ_BUSY, EBUSY);
        } else {
            error = nae_mem_add(&dev->mem, fd, &msg->u.region);
            if (!error) {
                fd = -1;
            } else {
                nae_dev_reject(dev, error == EFBIG ? NAE_REJ_MEM_LIMIT
                                                   : NAE_REJ_BAD_REGION,
                               error);
            }
        }
        break;

    case NAE_MSG_CFG_READ:
        error = nae_dev_cfg_read(dev, msg->u.cfg.offset, msg->u.cfg.width,
                                 &value);
        break;

    case NAE_MSG_CFG_WRITE:
        error = nae_dev_cfg_write(dev, msg->u.cfg.offset, msg->u.cfg.width,
                                  msg->u.cfg.value);
        break;

    case NAE_MSG_SET_IRQ_FD:
        error = nae_dev_set_irq_fd(dev, msg->u.irq.line, fd);
        if (!error) {
            fd = -1;
        }
        break;

    default:
        error = nae_dev_reject(dev, NAE_REJ_BAD_MSG, EPROTO);
        break;
    }

out:
    if (fd >= 0) {
        close(fd);
    }
    if (reply->type == NAE_MSG_REPLY) {
        reply->u.reply.error = error;
        reply->u.reply.value = value;
    }
    return error;
}
