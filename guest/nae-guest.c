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

/* The guest driver for a NAE device.  See nae-guest.h. */

#define _GNU_SOURCE
#include "nae-guest.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define NAE_GUEST_HDR_ROOM 128      /* Per-slot rx header buffer. */
#define NAE_GUEST_TIMEOUT_MS 10000  /* Longest wait for a reply. */
#define CACHE_LINE 64

static size_t
round_up(size_t x, size_t unit)
{
    return (x + unit - 1) / unit * unit;
}

/* Records an event from the switch for the driver's loop to act on; 'fd'
 * came with it (-1 if none): a path event's VF memory, kept for
 * nae_guest_take_vf_fd(), else closed. */
static void
nae_guest_note_event(struct nae_guest *g, const struct nae_msg_event *ev,
                     int fd)
{
    if (ev->type == NAE_EVENT_RESET) {
        g->needs_reset = true;
    } else if (ev->type == NAE_EVENT_PATH) {
        g->path_event = ev->value;
        g->path_event_new = true;
        if (g->path_event_fd >= 0) {
            close(g->path_event_fd);
        }
        g->path_event_fd = fd;
        fd = -1;
    }
    if (fd >= 0) {
        close(fd);
    }
}

/* Receives one message from the switch into 'msg', and its descriptor, if
 * any, into '*fdp' (-1 otherwise).  Returns the byte count as recv()
 * does. */
static ssize_t
nae_guest_recv(struct nae_guest *g, struct nae_msg *msg, int flags,
               int *fdp)
{
    union {
        struct cmsghdr cm;
        char buf[CMSG_SPACE(sizeof(int))];
    } cmsgbuf;
    struct iovec iov = { .iov_base = msg, .iov_len = sizeof *msg };
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = &cmsgbuf, .msg_controllen = sizeof cmsgbuf,
    };
    ssize_t n = recvmsg(g->sock, &mh, flags | MSG_CMSG_CLOEXEC);

    *fdp = -1;
    for (struct cmsghdr *c = n >= 0 ? CMSG_FIRSTHDR(&mh) : NULL; c;
         c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS
            && c->cmsg_len == CMSG_LEN(sizeof(int))) {
            memcpy(fdp, CMSG_DATA(c), sizeof *fdp);
        }
    }
    if (*fdp >= 0 && n != sizeof *msg) {
        close(*fdp);
        *fdp = -1;
    }
    return n;
}

/* Returns the VF memory the switch sent with its last path event, for the
 * caller to map (and close), or -1. */
int
nae_guest_take_vf_fd(struct nae_guest *g)
{
    int fd = g->path_event_fd;

    g->path_event_fd = -1;
    return fd;
}

/* Sends 'msg' (with 'fd' attached unless it is -1) and waits for the reply
 * with the same sequence number, noting any events that arrive first.
 * Returns 0 with the reply in '*reply', or a positive errno value for a
 * transport failure.  The device's verdict is in reply->u.reply.error. */
int
nae_guest_request(struct nae_guest *g, struct nae_msg *msg, int fd,
                  struct nae_msg *reply)
{
    union {
        struct cmsghdr cm;
        char buf[CMSG_SPACE(sizeof(int))];
    } cmsgbuf;
    struct iovec iov = { .iov_base = msg, .iov_len = sizeof *msg };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

    msg->seq = ++g->seq;
    if (fd >= 0) {
        memset(&cmsgbuf, 0, sizeof cmsgbuf);
        mh.msg_control = &cmsgbuf;
        mh.msg_controllen = sizeof cmsgbuf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    if (sendmsg(g->sock, &mh, MSG_NOSIGNAL) != sizeof *msg) {
        return errno ? errno : EPROTO;
    }

    for (;;) {
        struct pollfd pfd = { .fd = g->sock, .events = POLLIN };
        ssize_t n;

        if (poll(&pfd, 1, NAE_GUEST_TIMEOUT_MS) <= 0) {
            return ETIMEDOUT;
        }
        int rfd;

        n = nae_guest_recv(g, reply, 0, &rfd);
        if (n == 0) {
            return ECONNRESET;
        } else if (n != sizeof *reply) {
            return n < 0 ? errno : EPROTO;
        }
        if (reply->type == NAE_MSG_EVENT) {
            nae_guest_note_event(g, &reply->u.event, rfd);
            continue;
        }
        if (rfd >= 0) {
            close(rfd);
        }
        if (reply->seq == msg->seq) {
            return 0;
        }
    }
}

static int
nae_guest_cfg(struct nae_guest *g, uint32_t type, uint32_t offset,
              uint32_t width, uint64_t value, uint64_t *result)
{
    struct nae_msg msg = {
        .type = type,
        .u.cfg = { .offset = offset, .width = width, .value = value },
    };
    struct nae_msg reply;
    int error = nae_guest_request(g, &msg, -1, &reply);

    if (!error) {
        error = reply.u.reply.error;
        if (result) {
            *result = reply.u.reply.value;
        }
    }
    return error;
}

int
nae_guest_cfg_read(struct nae_guest *g, uint32_t offset, uint32_t width,
                   uint64_t *value)
{
    return nae_guest_cfg(g, NAE_MSG_CFG_READ, offset, width, 0, value);
}

int
nae_guest_cfg_write(struct nae_guest *g, uint32_t offset, uint32_t width,
                    uint64_t value)
{
    return nae_guest_cfg(g, NAE_MSG_CFG_WRITE, offset, width, value, NULL);
}

/* Bytes of shared memory one channel needs. */
static size_t
nae_guest_chan_bytes(uint32_t size, uint32_t buf_size)
{
    return 2 * round_up(size * sizeof(struct nae_desc), CACHE_LINE)
           + 4 * CACHE_LINE
           + 2 * (size_t) size * buf_size
           + (size_t) size * NAE_GUEST_HDR_ROOM;
}

static uint64_t
nae_guest_gpa(const struct nae_guest *g, const void *p)
{
    return NAE_GUEST_MEM_BASE + ((const uint8_t *) p - g->mem);
}

/* Carves channel 'i''s rings and buffers out of shared memory at '*cursor'
 * and sets their indices to the start state. */
static void
nae_guest_layout_chan(struct nae_guest *g, int i, uint8_t **cursor)
{
    struct nae_guest_chan *c = &g->chans[i];
    uint32_t size = g->opts.ring_size;
    size_t desc_bytes = round_up(size * sizeof(struct nae_desc), CACHE_LINE);
    uint8_t *p = *cursor;

    c->tx.desc = (struct nae_desc *) p;
    p += desc_bytes;
    c->rx.desc = (struct nae_desc *) p;
    p += desc_bytes;
    c->tx.driver = (struct nae_ring_driver_words *) p;
    c->tx.device = (struct nae_ring_device_words *) (p + CACHE_LINE);
    c->rx.driver = (struct nae_ring_driver_words *) (p + 2 * CACHE_LINE);
    c->rx.device = (struct nae_ring_device_words *) (p + 3 * CACHE_LINE);
    p += 4 * CACHE_LINE;
    c->tx.bufs = p;
    p += (size_t) size * g->buf_size;
    c->rx.bufs = p;
    p += (size_t) size * g->buf_size;
    c->rx.hdrs = p;
    p += (size_t) size * NAE_GUEST_HDR_ROOM;
    *cursor = p;

    c->tx.bufs_gpa = nae_guest_gpa(g, c->tx.bufs);
    c->rx.bufs_gpa = nae_guest_gpa(g, c->rx.bufs);
    c->rx.hdrs_gpa = nae_guest_gpa(g, c->rx.hdrs);
    c->tx.mask = c->rx.mask = size - 1;
}

static void
nae_guest_post_rx(struct nae_guest *g, struct nae_guest_chan *c,
                  uint32_t slot)
{
    struct nae_desc *d = &c->rx.desc[slot];
    bool split = c->features & NAE_F_SPLIT_HEADER;

    d->header_addr = split ? c->rx.hdrs_gpa + slot * NAE_GUEST_HDR_ROOM : 0;
    d->header_len = split ? NAE_GUEST_HDR_ROOM : 0;
    d->data_addr = c->rx.bufs_gpa + (uint64_t) slot * g->buf_size;
    d->length = g->buf_size;
    d->command = NAE_CMD_NONE;
    d->status = NAE_DESC_PENDING;
}

/* Puts every ring in its start state: indices zero, every rx buffer
 * posted. */
static void
nae_guest_init_rings(struct nae_guest *g)
{
    for (int i = 0; i < g->n_chans; i++) {
        struct nae_guest_chan *c = &g->chans[i];
        uint32_t size = c->rx.mask + 1;

        memset(c->tx.desc, 0, size * sizeof *c->tx.desc);
        memset(c->tx.driver, 0, sizeof *c->tx.driver);
        memset(c->tx.device, 0, sizeof *c->tx.device);
        memset(c->rx.driver, 0, sizeof *c->rx.driver);
        memset(c->rx.device, 0, sizeof *c->rx.device);
        c->tx.tail = c->tx.done = 0;
        c->rx.done = 0;
        for (uint32_t s = 0; s < size; s++) {
            nae_guest_post_rx(g, c, s);
        }
        c->rx.tail = size;
        __atomic_store_n(&c->rx.driver->tail, size, __ATOMIC_RELEASE);
    }
}

static int
nae_guest_setup_chan(struct nae_guest *g, int i)
{
    struct nae_guest_chan *c = &g->chans[i];
    uint64_t offered, agreed;
    int error;

    error = nae_guest_cfg_write(g, NAE_CFG_Q_SEL, 2, i);
    if (!error) {
        error = nae_guest_cfg_read(g, NAE_CFG_Q_FEATURES, 8, &offered);
    }
    if (!error) {
        error = nae_guest_cfg_write(g, NAE_CFG_Q_FEATURES, 8,
                                    offered & g->opts.features);
    }
    if (!error) {
        error = nae_guest_cfg_read(g, NAE_CFG_Q_FEATURES, 8, &agreed);
    }
    if (error) {
        return error;
    }
    c->features = agreed;

    const struct {
        uint32_t offset, width;
        uint64_t value;
    } writes[] = {
        { NAE_CFG_Q_SIZE, 2, g->opts.ring_size },
        { NAE_CFG_Q_TX_DMA, 8, nae_guest_gpa(g, c->tx.desc) },
        { NAE_CFG_Q_RX_DMA, 8, nae_guest_gpa(g, c->rx.desc) },
        { NAE_CFG_Q_TX_TAIL_ADDR, 8, nae_guest_gpa(g, c->tx.driver) },
        { NAE_CFG_Q_TX_HEAD_ADDR, 8, nae_guest_gpa(g, c->tx.device) },
        { NAE_CFG_Q_RX_TAIL_ADDR, 8, nae_guest_gpa(g, c->rx.driver) },
        { NAE_CFG_Q_RX_HEAD_ADDR, 8, nae_guest_gpa(g, c->rx.device) },
    };
    for (size_t w = 0; w < sizeof writes / sizeof writes[0]; w++) {
        error = nae_guest_cfg_write(g, writes[w].offset, writes[w].width,
                                    writes[w].value);
        if (error) {
            return error;
        }
    }

    c->tx.irq_fd = c->rx.irq_fd = -1;
    if (agreed & NAE_F_NOTIFY) {
        struct nae_guest_ring *rings[2] = { &c->rx, &c->tx };

        for (int r = 0; r < 2; r++) {
            struct nae_msg msg = {
                .type = NAE_MSG_SET_IRQ_FD,
                .u.irq = { .line = 2 * i + r },
            };
            struct nae_msg reply;
            int sv[2];

            if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK
                           | SOCK_CLOEXEC, 0, sv)) {
                return errno;
            }
            error = nae_guest_request(g, &msg, sv[1], &reply);
            close(sv[1]);           /* The switch has its own reference. */
            if (error || reply.u.reply.error) {
                close(sv[0]);
                return error ? error : reply.u.reply.error;
            }
            rings[r]->irq_fd = sv[0];
        }
        error = nae_guest_cfg_write(g, NAE_CFG_Q_INT_RX_LINE, 2, 2 * i);
        if (!error) {
            error = nae_guest_cfg_write(g, NAE_CFG_Q_INT_TX_LINE, 2,
                                        2 * i + 1);
        }
    }
    return error;
}

static int
nae_guest_share_memory(struct nae_guest *g)
{
    struct nae_msg msg = { .type = NAE_MSG_MEM_REGION };
    struct nae_msg reply;
    int error;

    g->memfd = memfd_create("nae-guest", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (g->memfd < 0) {
        return errno;
    }
    if (ftruncate(g->memfd, g->mem_size)
        || fcntl(g->memfd, F_ADD_SEALS,
                 F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
        return errno;
    }
    g->mem = mmap(NULL, g->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                  g->memfd, 0);
    if (g->mem == MAP_FAILED) {
        g->mem = NULL;
        return errno;
    }
    msg.u.region.guest_addr = NAE_GUEST_MEM_BASE;
    msg.u.region.size = g->mem_size;
    msg.u.region.offset = 0;
    error = nae_guest_request(g, &msg, g->memfd, &reply);
    return error ? error : reply.u.reply.error;
}

/* Connects to the NAE device at 'path' and brings it up as 'opts' asks:
 * negotiates features per channel, shares memory, posts receive buffers and
 * starts the device.  Returns 0 or a positive errno value (then 'g' holds
 * nothing). */
int
nae_guest_open(struct nae_guest *g, const char *path,
               const struct nae_guest_options *opts)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct nae_msg msg = {
        .type = NAE_MSG_HELLO,
        .u.hello = { .abi_version = NAE_ABI_VERSION },
    };
    struct nae_msg reply;
    uint64_t v;
    int error;

    memset(g, 0, sizeof *g);
    g->sock = g->memfd = g->path_event_fd = -1;
    for (int i = 0; i < NAE_MAX_CHANNELS; i++) {
        g->chans[i].tx.irq_fd = g->chans[i].rx.irq_fd = -1;
    }
    g->opts = *opts;
    if (!g->opts.ring_size) {
        g->opts.ring_size = NAE_DEFAULT_RING_SIZE;
    }
    size_t path_len = strlen(path);
    if (path_len >= sizeof sun.sun_path) {
        return ENAMETOOLONG;
    }
    memcpy(sun.sun_path, path, path_len + 1);
    g->path = strdup(path);
    g->sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (g->sock < 0 || !g->path) {
        error = errno;
        goto fail;
    }
    if (connect(g->sock, (struct sockaddr *) &sun, sizeof sun)) {
        error = errno;
        goto fail;
    }

    error = nae_guest_request(g, &msg, -1, &reply);
    if (!error && reply.type != NAE_MSG_HELLO) {
        error = reply.u.reply.error ? reply.u.reply.error : EPROTO;
    }
    if (error) {
        goto fail;
    }
    if ((error = nae_guest_cfg_read(g, NAE_CFG_DEV_TYPE, 2, &v))) {
        goto fail;
    }
    if (v != NAE_DEV_TYPE_NET) {
        error = ENODEV;
        goto fail;
    }
    if ((error = nae_guest_cfg_read(g, NAE_CFG_Q_NUM, 2, &v))) {
        goto fail;
    }
    g->q_num = v;
    if ((error = nae_guest_cfg_read(g, NAE_CFG_DEV_MAC, 8, &g->mac))
        || (error = nae_guest_cfg_read(g, NAE_CFG_DEV_MTU, 2, &v))) {
        goto fail;
    }
    g->mtu = v;

    g->n_chans = g->q_num;
    if (opts->n_channels > 0 && opts->n_channels < g->n_chans) {
        g->n_chans = opts->n_channels;
    }
    /* A buffer holds a whole frame of the device's MTU, or a TSO frame if
     * both sides want TSO (channels share one offer: channel 0's
     * tells). */
    g->buf_size = g->mtu + 18 <= 2048 ? 2048 : NAE_MAX_FRAME_LEN;
    if (g->opts.features & NAE_F_TSO) {
        uint64_t offered;

        if ((error = nae_guest_cfg_write(g, NAE_CFG_Q_SEL, 2, 0))
            || (error = nae_guest_cfg_read(g, NAE_CFG_Q_FEATURES, 8,
                                           &offered))) {
            goto fail;
        }
        if ((offered & (NAE_F_CSUM | NAE_F_TSO))
            == (NAE_F_CSUM | NAE_F_TSO)) {
            g->buf_size = NAE_MAX_TSO_FRAME;
        }
    }
    g->mem_size = round_up(g->n_chans * nae_guest_chan_bytes(
                               g->opts.ring_size, g->buf_size), 4096);
    if ((error = nae_guest_share_memory(g))) {
        goto fail;
    }

    uint8_t *cursor = g->mem;
    for (int i = 0; i < g->n_chans; i++) {
        nae_guest_layout_chan(g, i, &cursor);
        if ((error = nae_guest_setup_chan(g, i))) {
            goto fail;
        }
    }
    nae_guest_init_rings(g);
    if ((error = nae_guest_cfg_write(g, NAE_CFG_DEV_START, 2, 1))) {
        goto fail;
    }
    return 0;

fail:
    nae_guest_close(g);
    return error;
}

/* Closes the session and releases everything.  Safe on a closed 'g'. */
void
nae_guest_close(struct nae_guest *g)
{
    for (int i = 0; i < NAE_MAX_CHANNELS; i++) {
        struct nae_guest_chan *c = &g->chans[i];

        if (c->tx.irq_fd >= 0) {
            close(c->tx.irq_fd);
        }
        if (c->rx.irq_fd >= 0) {
            close(c->rx.irq_fd);
        }
        c->tx.irq_fd = c->rx.irq_fd = -1;
    }
    if (g->sock >= 0) {
        close(g->sock);
    }
    g->sock = -1;
    if (g->path_event_fd >= 0) {
        close(g->path_event_fd);
        g->path_event_fd = -1;
    }
    if (g->mem) {
        munmap(g->mem, g->mem_size);
        g->mem = NULL;
    }
    if (g->memfd >= 0) {
        close(g->memfd);
        g->memfd = -1;
    }
    free(g->path);
    g->path = NULL;
}

/* Resets the device after the switch asked for it: stop, rings back to the
 * start state, start.  Returns 0 or a positive errno value. */
int
nae_guest_reset(struct nae_guest *g)
{
    int error = nae_guest_cfg_write(g, NAE_CFG_DEV_START, 2, 0);

    if (!error) {
        nae_guest_init_rings(g);
        error = nae_guest_cfg_write(g, NAE_CFG_DEV_START, 2, 1);
    }
    if (!error) {
        g->needs_reset = false;
    }
    return error;
}

/* Reads events the switch sent without being asked.  Returns 0, or
 * ECONNRESET once the switch is gone. */
int
nae_guest_poll_ctl(struct nae_guest *g)
{
    for (;;) {
        struct nae_msg msg;
        int fd;
        ssize_t n = nae_guest_recv(g, &msg, MSG_DONTWAIT, &fd);

        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            return 0;
        } else if (n != sizeof msg) {
            return ECONNRESET;
        }
        if (msg.type == NAE_MSG_EVENT) {
            nae_guest_note_event(g, &msg.u.event, fd);
        } else if (fd >= 0) {
            close(fd);
        }
    }
}

/* Takes back the tx descriptors the switch has finished with. */
static void
nae_guest_tx_reclaim(struct nae_guest *g, struct nae_guest_chan *c)
{
    uint32_t head = __atomic_load_n(&c->tx.device->head, __ATOMIC_ACQUIRE);

    while (c->tx.done != head) {
        const struct nae_desc *d = &c->tx.desc[c->tx.done & c->tx.mask];

        if (d->status == NAE_DESC_DONE) {
            g->stats.tx_packets++;
        } else {
            g->stats.tx_errors++;
        }
        c->tx.done++;
    }
}

/* Whether the switch has taken every frame queued on every channel. */
bool
nae_guest_tx_idle(struct nae_guest *g)
{
    for (int i = 0; i < g->n_chans; i++) {
        struct nae_guest_chan *c = &g->chans[i];

        nae_guest_tx_reclaim(g, c);
        if (c->tx.done != c->tx.tail) {
            return false;
        }
    }
    return true;
}

/* Tells the switch the driver now uses the path of switch 'gen'. */
int
nae_guest_ack_path(struct nae_guest *g, uint32_t gen)
{
    return nae_guest_cfg_write(g, NAE_CFG_DEV_PATH_ACK, 4, gen);
}

/* Returns how many frames channel 'chan' can queue now. */
int
nae_guest_tx_room(struct nae_guest *g, int chan)
{
    struct nae_guest_chan *c = &g->chans[chan];

    nae_guest_tx_reclaim(g, c);
    return c->tx.mask + 1 - (c->tx.tail - c->tx.done);
}

/* Queues a copy of 'frame' on channel 'chan'.  The switch sees it after the
 * next nae_guest_tx_flush().  Returns 0, EAGAIN if the ring is full, or
 * EMSGSIZE. */
int
nae_guest_tx(struct nae_guest *g, int chan, const void *frame, size_t len)
{
    return nae_guest_tx_offload(g, chan, frame, len, NULL);
}

/* The same, with the offloads 'ol' (NULL: none) the channel negotiated
 * (EINVAL if it did not). */
int
nae_guest_tx_offload(struct nae_guest *g, int chan, const void *frame,
                     size_t len, const struct nae_guest_offload *ol)
{
    size_t room;
    void *buf = nae_guest_tx_buf(g, chan, &room);

    if (!buf) {
        return EAGAIN;
    }
    if (len > room) {
        return EMSGSIZE;
    }
    memcpy(buf, frame, len);
    return nae_guest_tx_commit(g, chan, len, ol);
}

/* The buffer of channel 'chan''s next free transmit slot, with room for
 * '*room' bytes, for a frame to be put straight into it (read from a TAP
 * interface, say); NULL if the ring is full.  nae_guest_tx_commit()
 * queues what was put there. */
void *
nae_guest_tx_buf(struct nae_guest *g, int chan, size_t *room)
{
    struct nae_guest_chan *c = &g->chans[chan];

    if (c->tx.tail - c->tx.done > c->tx.mask) {
        nae_guest_tx_reclaim(g, c);
        if (c->tx.tail - c->tx.done > c->tx.mask) {
            return NULL;
        }
    }
    *room = g->buf_size < UINT16_MAX ? g->buf_size : UINT16_MAX;
    return c->tx.bufs + (size_t) (c->tx.tail & c->tx.mask) * g->buf_size;
}

/* Queues the 'len'-byte frame put into the buffer nae_guest_tx_buf() just
 * returned for 'chan', with offloads 'ol' (NULL: none).  Returns 0,
 * EMSGSIZE, or EINVAL for offloads the channel did not negotiate. */
int
nae_guest_tx_commit(struct nae_guest *g, int chan, size_t len,
                    const struct nae_guest_offload *ol)
{
    struct nae_guest_chan *c = &g->chans[chan];
    uint32_t slot = c->tx.tail & c->tx.mask;

    if (len > g->buf_size || len > UINT16_MAX) {
        return EMSGSIZE;
    }
    if (ol && ((ol->command & NAE_CMD_CSUM && !(c->features & NAE_F_CSUM))
               || (ol->command & NAE_CMD_TSO
                   && !(c->features & NAE_F_TSO)))) {
        return EINVAL;
    }

    struct nae_desc *d = &c->tx.desc[slot];
    d->header_addr = 0;
    d->header_len = 0;
    d->data_addr = c->tx.bufs_gpa + (uint64_t) slot * g->buf_size;
    d->length = len;
    d->command = ol ? ol->command : NAE_CMD_NONE;
    d->mss = ol ? ol->mss : 0;
    d->csum_start = ol ? ol->csum_start : 0;
    d->csum_offset = ol ? ol->csum_offset : 0;
    d->status = NAE_DESC_PENDING;
    c->tx.tail++;
    return 0;
}

/* The offloads the switch left to the driver on the frame
 * nae_guest_rx_peek() last returned on 'chan'. */
void
nae_guest_rx_offload(const struct nae_guest *g, int chan,
                     struct nae_guest_offload *ol)
{
    const struct nae_guest_chan *c = &g->chans[chan];
    const struct nae_desc *d = &c->rx.desc[c->rx.done & c->rx.mask];

    ol->command = d->command & (NAE_CMD_CSUM | NAE_CMD_TSO);
    ol->mss = d->mss;
    ol->csum_start = d->csum_start;
    ol->csum_offset = d->csum_offset;
}

void
nae_guest_tx_flush(struct nae_guest *g, int chan)
{
    struct nae_guest_chan *c = &g->chans[chan];

    __atomic_store_n(&c->tx.driver->tail, c->tx.tail, __ATOMIC_RELEASE);
}

/* Points 'iov' at the next received frame on 'chan' (header buffer first;
 * either part may be empty).  Returns 1 if there is one, 0 if not.  Call
 * nae_guest_rx_release() when done with it, and nae_guest_rx_flush() after
 * a burst. */
int
nae_guest_rx_peek(struct nae_guest *g, int chan, struct iovec iov[2])
{
    struct nae_guest_chan *c = &g->chans[chan];

    for (;;) {
        uint32_t head = __atomic_load_n(&c->rx.device->head,
                                        __ATOMIC_ACQUIRE);
        uint32_t slot;

        if (c->rx.done == head) {
            return 0;
        }
        slot = c->rx.done & c->rx.mask;
        const struct nae_desc *d = &c->rx.desc[slot];
        if (d->status != NAE_DESC_DONE || d->header_len > NAE_GUEST_HDR_ROOM
            || d->length > g->buf_size) {
            g->stats.rx_errors++;
            nae_guest_rx_release(g, chan);
            nae_guest_rx_flush(g, chan);
            continue;
        }
        iov[0].iov_base = c->rx.hdrs + (size_t) slot * NAE_GUEST_HDR_ROOM;
        iov[0].iov_len = d->header_len;
        iov[1].iov_base = c->rx.bufs + (size_t) slot * g->buf_size;
        iov[1].iov_len = d->length;
        return 1;
    }
}

/* How many received frames wait on 'chan' (some may be bad). */
uint32_t
nae_guest_rx_pending(struct nae_guest *g, int chan)
{
    struct nae_guest_chan *c = &g->chans[chan];

    return __atomic_load_n(&c->rx.device->head, __ATOMIC_ACQUIRE)
           - c->rx.done;
}

/* Reposts the buffer of the frame last peeked on 'chan'.  The switch sees
 * it after the next nae_guest_rx_flush(): one store to the shared tail per
 * burst, not per frame. */
void
nae_guest_rx_release(struct nae_guest *g, int chan)
{
    struct nae_guest_chan *c = &g->chans[chan];

    g->stats.rx_packets++;
    c->rx.done++;
    nae_guest_post_rx(g, c, c->rx.tail & c->rx.mask);
    c->rx.tail++;
}

/* Hands every released rx buffer of 'chan' back to the switch. */
void
nae_guest_rx_flush(struct nae_guest *g, int chan)
{
    struct nae_guest_chan *c = &g->chans[chan];

    __atomic_store_n(&c->rx.driver->tail, c->rx.tail, __ATOMIC_RELEASE);
}

/* Asks the switch to signal 'chan''s rx interrupt line on the next frame.
 * Returns false, with the request withdrawn, if frames are already waiting,
 * so that the caller does not sleep on them. */
bool
nae_guest_rx_arm(struct nae_guest *g, int chan)
{
    struct nae_guest_chan *c = &g->chans[chan];

    __atomic_store_n(&c->rx.driver->irq_armed, 1, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&c->rx.device->head, __ATOMIC_ACQUIRE)
        != c->rx.done) {
        nae_guest_rx_disarm(g, chan);
        return false;
    }
    return true;
}

/* Consumes every interrupt pending on 'chan''s rx line, if it has one. */
void
nae_guest_irq_drain(struct nae_guest *g, int chan)
{
    int fd = g->chans[chan].rx.irq_fd;
    uint8_t buf[64];

    if (fd >= 0) {
        while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
            continue;
        }
    }
}

void
nae_guest_rx_disarm(struct nae_guest *g, int chan)
{
    __atomic_store_n(&g->chans[chan].rx.driver->irq_armed, 0,
                     __ATOMIC_RELAXED);
}

/* Chooses a channel for 'frame' by a hash of its IPv4 addresses and ports,
 * so that one flow stays on one channel. */
int
nae_guest_pick_chan(const struct nae_guest *g, const void *frame,
                    size_t len)
{
    const uint8_t *p = frame;
    uint32_t h = 0;

    if (g->n_chans <= 1) {
        return 0;
    }
    if (len >= 34 && p[12] == 0x08 && p[13] == 0x00) {
        size_t ihl = (p[14] & 0x0f) * 4;
        uint8_t proto = p[23];

        for (int i = 26; i < 34; i++) {
            h = h * 31 + p[i];
        }
        if ((proto == 6 || proto == 17) && len >= 14 + ihl + 4
            && !(p[20] & 0x3f) && !p[21]) {
            for (size_t i = 14 + ihl; i < 14 + ihl + 4; i++) {
                h = h * 31 + p[i];
            }
        }
        h ^= h >> 16;
    }
    return h % g->n_chans;
}
