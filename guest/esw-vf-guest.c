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

#define _GNU_SOURCE 1           /* F_GET_SEALS */
#include "esw-vf-guest.h"
#include "nae-failover.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "esw-vf.h"

/* Maps the VF memory in 'fd' (a sealed memfd from the NIC), which it
 * takes over. */
int
esw_vf_attach_fd(struct esw_vf_guest *g, int fd)
{
    struct stat st;
    int seals, error = 0;

    memset(g, 0, sizeof *g);
    seals = fcntl(fd, F_GET_SEALS);
    if (fstat(fd, &st) || (size_t) st.st_size < sizeof *g->shm
        || seals < 0 || !(seals & F_SEAL_SHRINK)) {
        close(fd);
        return EPROTO;
    }
    g->shm = mmap(NULL, sizeof *g->shm, PROT_READ | PROT_WRITE, MAP_SHARED,
                  fd, 0);
    if (g->shm == MAP_FAILED) {
        error = errno;
        g->shm = NULL;
    }
    close(fd);
    if (!error && (g->shm->magic != ESW_VF_MAGIC
                   || g->shm->version != ESW_VF_VERSION
                   || g->shm->slots != ESW_VF_SLOTS
                   || g->shm->buf_size != ESW_VF_BUF)) {
        esw_vf_detach(g);
        error = EPROTO;
    }
    g->size = sizeof *g->shm;
    return error;
}

/* Connects to the VF socket at 'path' and maps the memory the NIC hands
 * over.  ECONNREFUSED: the NIC refused (the VF is withdrawn, or a host
 * owner claimed it). */
int
esw_vf_attach(struct esw_vf_guest *g, const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    union {
        struct cmsghdr cm;
        char buf[CMSG_SPACE(sizeof(int))];
    } cmsgbuf;
    uint32_t hello[3];
    struct iovec iov = { .iov_base = hello, .iov_len = sizeof hello };
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = &cmsgbuf, .msg_controllen = sizeof cmsgbuf,
    };
    int sock, fd = -1;
    ssize_t n;

    memset(g, 0, sizeof *g);
    if (strlen(path) >= sizeof sun.sun_path) {
        return ENAMETOOLONG;
    }
    strcpy(sun.sun_path, path);
    sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (sock < 0) {
        return errno;
    }
    if (connect(sock, (struct sockaddr *) &sun, sizeof sun)) {
        int error = errno;

        close(sock);
        return error;
    }
    n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    close(sock);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); n > 0 && c;
         c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS
            && c->cmsg_len == CMSG_LEN(sizeof(int))) {
            memcpy(&fd, CMSG_DATA(c), sizeof fd);
        }
    }
    if (n != sizeof hello || hello[0] != ESW_VF_MAGIC || fd < 0) {
        if (fd >= 0) {
            close(fd);
        }
        return n == 0 ? ECONNREFUSED : EPROTO;
    }
    return esw_vf_attach_fd(g, fd);
}

void
esw_vf_detach(struct esw_vf_guest *g)
{
    if (g->shm) {
        munmap(g->shm, sizeof *g->shm);
        g->shm = NULL;
    }
}

bool
esw_vf_enabled(const struct esw_vf_guest *g)
{
    return __atomic_load_n(&g->shm->enabled, __ATOMIC_ACQUIRE);
}

uint32_t
esw_vf_generation(const struct esw_vf_guest *g)
{
    return g->shm->generation;
}

const uint8_t *
esw_vf_mac(const struct esw_vf_guest *g)
{
    return g->shm->mac;
}

int
esw_vf_send(struct esw_vf_guest *g, const void *frame, size_t len)
{
    struct esw_vf_ring *r = &g->shm->from_guest;

    if (len > ESW_VF_MAX_FRAME) {
        return EMSGSIZE;
    }
    if (!esw_vf_enabled(g)) {
        return ENETDOWN;
    }
    uint32_t head = r->head;
    uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
    if (head - tail >= ESW_VF_SLOTS) {
        return ENOBUFS;
    }
    uint32_t slot = head & (ESW_VF_SLOTS - 1);
    memcpy(r->buf[slot], frame, len);
    r->len[slot] = len;
    __atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
    return 0;
}

size_t
esw_vf_recv(struct esw_vf_guest *g, void *buf, size_t size)
{
    struct esw_vf_ring *r = &g->shm->to_guest;
    uint32_t tail = r->tail;
    uint32_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);

    for (; tail != head; tail++) {
        uint32_t slot = tail & (ESW_VF_SLOTS - 1);
        size_t len = r->len[slot];

        if (len <= ESW_VF_BUF && len <= size) {
            memcpy(buf, r->buf[slot], len);
            __atomic_store_n(&r->tail, tail + 1, __ATOMIC_RELEASE);
            return len;
        }
        g->rx_bad++;            /* Skipped: a NIC writing that is broken. */
    }
    __atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
    return 0;
}

bool
esw_vf_tx_idle(const struct esw_vf_guest *g)
{
    const struct esw_vf_ring *r = &g->shm->from_guest;

    return __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) == r->head;
}

uint32_t
esw_vf_rx_pending(const struct esw_vf_guest *g)
{
    const struct esw_vf_ring *r = &g->shm->to_guest;
    uint32_t n = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) - r->tail;

    return n > ESW_VF_SLOTS ? ESW_VF_SLOTS : n;
}

uint32_t
esw_vf_tx_room(const struct esw_vf_guest *g)
{
    const struct esw_vf_ring *r = &g->shm->from_guest;
    uint32_t used = r->head - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);

    return used >= ESW_VF_SLOTS ? 0 : ESW_VF_SLOTS - used;
}

/* The failover mechanism's view of the VF. */

static int
esw_vf_fo_attach_fd(void *vf, int fd)
{
    return esw_vf_attach_fd(vf, fd);
}

static void
esw_vf_fo_detach(void *vf)
{
    esw_vf_detach(vf);
}

static bool
esw_vf_fo_enabled(const void *vf)
{
    return esw_vf_enabled(vf);
}

static bool
esw_vf_fo_tx_idle(const void *vf)
{
    return esw_vf_tx_idle(vf);
}

static uint32_t
esw_vf_fo_tx_room(const void *vf)
{
    return esw_vf_tx_room(vf);
}

static int
esw_vf_fo_send(void *vf, const void *frame, size_t len)
{
    return esw_vf_send(vf, frame, len);
}

static size_t
esw_vf_fo_recv(void *vf, void *buf, size_t size)
{
    return esw_vf_recv(vf, buf, size);
}

static uint32_t
esw_vf_fo_rx_pending(const void *vf)
{
    return esw_vf_rx_pending(vf);
}

const struct nae_failover_ops esw_vf_failover_ops = {
    .attach_fd = esw_vf_fo_attach_fd,
    .detach = esw_vf_fo_detach,
    .enabled = esw_vf_fo_enabled,
    .tx_idle = esw_vf_fo_tx_idle,
    .tx_room = esw_vf_fo_tx_room,
    .send = esw_vf_fo_send,
    .recv = esw_vf_fo_recv,
    .rx_pending = esw_vf_fo_rx_pending,
};
