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

#include "esw-vf-guest.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "esw-vf.h"

int
esw_vf_attach(struct esw_vf_guest *g, const char *path)
{
    struct stat st;
    int fd, error = 0;

    memset(g, 0, sizeof *g);
    fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    if (fstat(fd, &st) || (size_t) st.st_size < sizeof *g->shm) {
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
