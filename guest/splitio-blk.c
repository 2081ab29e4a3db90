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

/* The split-I/O remote block device as a FUSE file.  See splitio-blk.h. */

#define _GNU_SOURCE
#define FUSE_USE_VERSION 31
#include "splitio-blk.h"

#include <errno.h>
#include <fuse.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "splitio-conn.h"

#define BLK_TIMEOUT_US 30000000ULL      /* Section 8. */
#define BLK_MAX_TIMEOUTS 4
#define BLK_FILE "disk"

struct blk_req {
    struct blk_req *next;
    uint64_t id;
    uint16_t type;
    uint64_t offset;
    uint32_t len;
    uint8_t *buf;               /* The FUSE thread's, valid until done. */
    int status;                 /* 0 or an errno, once 'done'. */
    bool done;
    unsigned int timeouts;
    uint64_t sent_gen;          /* Connection it was last sent on; 0:
                                 * never sent. */
    uint64_t sent_at;
};

struct splitio_blk {
    pthread_mutex_t mutex;
    pthread_cond_t cond;        /* A request completed, or room freed. */
    int efd;                    /* Wakes the main loop. */

    /* Under 'mutex'. */
    struct blk_req *reqs;       /* Outstanding, oldest first. */
    struct blk_req **tail;
    unsigned int n_reqs;
    uint64_t next_id;
    uint64_t gen;               /* Bumped per established connection. */
    bool have_hello;
    uint64_t capacity;
    uint32_t bsize;
    uint32_t max_req;
    uint32_t max_out;
    bool read_only;
    uint64_t n_reads, n_writes, n_flushes, bytes_read, bytes_written;
    uint64_t n_resent, n_timeouts, n_errors, n_stray_done, n_rmw;

    struct sio_conn *conn;      /* Main loop only. */
    struct fuse *fuse;
    char *mountpoint;
    pthread_t thread;
};

/* ------------------------------------------------------------------ */
/* Main loop side. */

int
splitio_blk_fd(const struct splitio_blk *blk)
{
    return blk->efd;
}

void
splitio_blk_hello(struct splitio_blk *blk, const struct sio_hello *h)
{
    pthread_mutex_lock(&blk->mutex);
    blk->capacity = h->blk_capacity;
    blk->bsize = h->blk_size >= 512 && !(h->blk_size & (h->blk_size - 1))
                 ? h->blk_size : 512;
    blk->max_req = h->blk_max_req && h->blk_max_req <= SIO_BLK_MAX_REQ
                   ? h->blk_max_req / blk->bsize * blk->bsize
                   : SIO_BLK_MAX_REQ;
    if (blk->max_req < blk->bsize) {
        blk->max_req = blk->bsize;
    }
    blk->max_out = h->blk_max_outstanding
                   && h->blk_max_outstanding <= SIO_BLK_MAX_OUTSTANDING
                   ? h->blk_max_outstanding : SIO_BLK_MAX_OUTSTANDING;
    blk->read_only = h->blk_flags & SIO_HELLO_BLK_RO;
    blk->have_hello = true;
    pthread_cond_broadcast(&blk->cond);
    pthread_mutex_unlock(&blk->mutex);
}

void
splitio_blk_connected(struct splitio_blk *blk)
{
    pthread_mutex_lock(&blk->mutex);
    blk->gen++;                 /* Everything outstanding goes again. */
    pthread_mutex_unlock(&blk->mutex);
}

static void
blk_complete(struct splitio_blk *blk, struct blk_req **prevp,
             struct blk_req *r, int status)
{
    *prevp = r->next;
    if (blk->tail == &r->next) {
        blk->tail = prevp;
    }
    blk->n_reqs--;
    r->status = status;
    r->done = true;
    if (status) {
        blk->n_errors++;
    }
    pthread_cond_broadcast(&blk->cond);
}

void
splitio_blk_run(struct splitio_blk *blk, uint64_t now)
{
    uint64_t junk;

    if (read(blk->efd, &junk, sizeof junk) < 0) {
        /* Nothing new; timers may still be due. */
    }
    pthread_mutex_lock(&blk->mutex);
    struct blk_req **prevp = &blk->reqs;
    for (struct blk_req *r = *prevp; r; r = *prevp) {
        if (blk->have_hello && !blk->capacity) {
            blk_complete(blk, prevp, r, ENODEV);
            continue;
        }
        if (!sio_conn_established(blk->conn) || !blk->have_hello) {
            break;
        }
        bool resend = r->sent_gen != blk->gen;
        if (!resend && now - r->sent_at >= BLK_TIMEOUT_US) {
            if (++r->timeouts >= BLK_MAX_TIMEOUTS) {
                blk_complete(blk, prevp, r, EIO);
                continue;
            }
            blk->n_timeouts++;
            resend = true;
        }
        if (resend) {
            uint8_t hdr[SIO_BLK_REQ_LEN] = { 0 };
            int error;

            sio_put64(hdr, r->offset);
            sio_put32(hdr + 8, r->len);
            if (r->type == SIO_MSG_BLK_FLUSH) {
                error = sio_conn_send_msg(blk->conn, r->type, r->id,
                                          NULL, 0, NULL, 0);
            } else {
                error = sio_conn_send_msg(blk->conn, r->type, r->id,
                                          hdr, sizeof hdr,
                                          r->type == SIO_MSG_BLK_WRITE
                                          ? r->buf : NULL,
                                          r->type == SIO_MSG_BLK_WRITE
                                          ? r->len : 0);
            }
            if (error) {
                break;          /* No room: keep order, try later. */
            }
            if (r->sent_gen) {
                blk->n_resent++;
            }
            r->sent_gen = blk->gen;
            r->sent_at = now;
        }
        prevp = &r->next;
    }
    pthread_mutex_unlock(&blk->mutex);
}

uint64_t
splitio_blk_next_timer(const struct splitio_blk *blk)
{
    struct splitio_blk *b = (struct splitio_blk *) blk;
    uint64_t t = UINT64_MAX;

    pthread_mutex_lock(&b->mutex);
    for (const struct blk_req *r = b->reqs; r; r = r->next) {
        if (r->sent_gen && r->sent_at + BLK_TIMEOUT_US < t) {
            t = r->sent_at + BLK_TIMEOUT_US;
        }
    }
    pthread_mutex_unlock(&b->mutex);
    return t;
}

void
splitio_blk_done(struct splitio_blk *blk, uint64_t req_id,
                 const uint8_t *body, uint32_t len)
{
    pthread_mutex_lock(&blk->mutex);
    struct blk_req **prevp = &blk->reqs;
    for (struct blk_req *r = *prevp; r; prevp = &r->next, r = *prevp) {
        if (r->id != req_id) {
            continue;
        }
        uint32_t status = sio_get32(body);
        uint32_t data_len = len - SIO_BLK_DONE_LEN;

        if (!status && r->type == SIO_MSG_BLK_READ) {
            if (data_len != r->len) {
                status = EIO;   /* A host that answers the wrong size. */
            } else {
                memcpy(r->buf, body + SIO_BLK_DONE_LEN, data_len);
            }
        }
        blk_complete(blk, prevp, r, status > 4095 ? EIO : (int) status);
        pthread_mutex_unlock(&blk->mutex);
        return;
    }
    /* The answer to a request already answered (re-sent after a
     * timeout or reconnect): the first answer won. */
    blk->n_stray_done++;
    pthread_mutex_unlock(&blk->mutex);
}

void
splitio_blk_dump(const struct splitio_blk *blk, FILE *stream)
{
    fprintf(stream, "  blk: capacity %"PRIu64" reads %"PRIu64" (%"PRIu64
            " B) writes %"PRIu64" (%"PRIu64" B) flushes %"PRIu64
            " resent %"PRIu64" timeouts %"PRIu64" errors %"PRIu64
            " stray_done %"PRIu64" read_modify_write %"PRIu64"\n",
            blk->capacity, blk->n_reads, blk->bytes_read, blk->n_writes,
            blk->bytes_written, blk->n_flushes, blk->n_resent,
            blk->n_timeouts, blk->n_errors, blk->n_stray_done, blk->n_rmw);
}

/* ------------------------------------------------------------------ */
/* FUSE side (its own threads). */

static struct splitio_blk *
blk_self(void)
{
    return fuse_get_context()->private_data;
}

/* Waits for the device description; false if there is no device. */
static bool
blk_wait_hello(struct splitio_blk *blk)
{
    while (!blk->have_hello) {
        pthread_cond_wait(&blk->cond, &blk->mutex);
    }
    return blk->capacity > 0;
}

/* Queues the requests 'reqs[0..n)' and waits for all of them.  Returns 0
 * or the first error. */
static int
blk_submit(struct splitio_blk *blk, struct blk_req *reqs, size_t n)
{
    uint64_t one = 1;
    int error = 0;

    pthread_mutex_lock(&blk->mutex);
    for (size_t i = 0; i < n; i++) {
        while (blk->n_reqs >= blk->max_out) {
            pthread_cond_wait(&blk->cond, &blk->mutex);
        }
        reqs[i].id = blk->next_id++;
        reqs[i].next = NULL;
        *blk->tail = &reqs[i];
        blk->tail = &reqs[i].next;
        blk->n_reqs++;
    }
    pthread_mutex_unlock(&blk->mutex);
    if (write(blk->efd, &one, sizeof one) < 0) {
        /* The counter cannot overflow in practice; the main loop polls
         * its timers anyway. */
    }
    pthread_mutex_lock(&blk->mutex);
    for (size_t i = 0; i < n; i++) {
        while (!reqs[i].done) {
            pthread_cond_wait(&blk->cond, &blk->mutex);
        }
        if (reqs[i].status && !error) {
            error = reqs[i].status;
        }
    }
    pthread_mutex_unlock(&blk->mutex);
    return error;
}

/* Reads or writes the block-aligned range [off, off + len). */
static int
blk_io(struct splitio_blk *blk, uint16_t type, uint64_t off, uint32_t len,
       uint8_t *buf)
{
    size_t n = (len + blk->max_req - 1) / blk->max_req;
    struct blk_req *reqs = calloc(n, sizeof *reqs);

    if (!reqs) {
        return ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t chunk = i + 1 < n ? blk->max_req
                                   : len - (uint32_t) i * blk->max_req;

        reqs[i].type = type;
        reqs[i].offset = off + (uint64_t) i * blk->max_req;
        reqs[i].len = chunk;
        reqs[i].buf = buf + (size_t) i * blk->max_req;
    }
    int error = blk_submit(blk, reqs, n);
    free(reqs);
    return error;
}

static int
blk_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
    struct splitio_blk *blk = blk_self();

    (void) fi;
    memset(st, 0, sizeof *st);
    if (!strcmp(path, "/")) {
        st->st_mode = S_IFDIR | 0755;
        st->st_nlink = 2;
        return 0;
    }
    if (strcmp(path, "/" BLK_FILE)) {
        return -ENOENT;
    }
    pthread_mutex_lock(&blk->mutex);
    st->st_mode = S_IFREG | (blk->read_only ? 0400 : 0600);
    st->st_size = blk->capacity;
    st->st_blksize = blk->bsize ? blk->bsize : 512;
    st->st_blocks = blk->capacity / 512;
    pthread_mutex_unlock(&blk->mutex);
    st->st_nlink = 1;
    return 0;
}

static int
blk_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
            struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
    (void) off;
    (void) fi;
    (void) flags;
    if (strcmp(path, "/")) {
        return -ENOENT;
    }
    fill(buf, ".", NULL, 0, 0);
    fill(buf, "..", NULL, 0, 0);
    fill(buf, BLK_FILE, NULL, 0, 0);
    return 0;
}

static int
blk_open(const char *path, struct fuse_file_info *fi)
{
    struct splitio_blk *blk = blk_self();
    bool ok;

    if (strcmp(path, "/" BLK_FILE)) {
        return -ENOENT;
    }
    pthread_mutex_lock(&blk->mutex);
    ok = blk_wait_hello(blk);
    bool ro = blk->read_only;
    pthread_mutex_unlock(&blk->mutex);
    if (!ok) {
        return -ENODEV;
    }
    if (ro && (fi->flags & O_ACCMODE) != O_RDONLY) {
        return -EROFS;
    }
    /* No guest page cache: every read and write reaches the host, so
     * what the test (or the user) reads back is what the host has. */
    fi->direct_io = 1;
    return 0;
}

/* The block-aligned range a FUSE read or write of 'size' bytes at 'off'
 * touches, after clipping it to the device. */
struct blk_extent {
    uint64_t start, end;        /* Aligned, [start, end). */
    size_t size;                /* The request's size, clipped. */
    bool aligned;               /* [off, off + size) == [start, end). */
};

/* Returns false if 'off' lies outside the device. */
static bool
blk_extent(struct splitio_blk *blk, off_t off, size_t size,
           struct blk_extent *e)
{
    pthread_mutex_lock(&blk->mutex);
    uint64_t cap = blk->capacity;
    uint32_t bs = blk->bsize;
    pthread_mutex_unlock(&blk->mutex);

    if (off < 0 || (uint64_t) off >= cap) {
        return false;
    }
    e->size = size > cap - off ? cap - off : size;
    e->start = off / bs * bs;
    e->end = (off + e->size + bs - 1) / bs * bs;
    e->aligned = e->start == (uint64_t) off && e->end == off + e->size;
    return true;
}

static int
blk_read(const char *path, char *buf, size_t size, off_t off,
         struct fuse_file_info *fi)
{
    struct splitio_blk *blk = blk_self();

    struct blk_extent e;

    (void) path;
    (void) fi;
    if (!blk_extent(blk, off, size, &e)) {
        return 0;
    }
    size = e.size;

    uint8_t *tmp = (uint8_t *) buf;
    if (!e.aligned) {
        tmp = malloc(e.end - e.start);
        if (!tmp) {
            return -ENOMEM;
        }
    }
    int error = blk_io(blk, SIO_MSG_BLK_READ, e.start, e.end - e.start, tmp);
    if (!e.aligned) {
        if (!error) {
            memcpy(buf, tmp + (off - e.start), size);
        }
        free(tmp);
    }
    pthread_mutex_lock(&blk->mutex);
    blk->n_reads++;
    blk->bytes_read += error ? 0 : size;
    pthread_mutex_unlock(&blk->mutex);
    return error ? -error : (int) size;
}

static int
blk_write(const char *path, const char *buf, size_t size, off_t off,
          struct fuse_file_info *fi)
{
    struct splitio_blk *blk = blk_self();
    struct blk_extent e;
    int error = 0;

    (void) path;
    (void) fi;
    if (!blk_extent(blk, off, size, &e)) {
        return -ENOSPC;
    }
    size = e.size;

    uint64_t start = e.start, end = e.end;
    if (e.aligned) {
        error = blk_io(blk, SIO_MSG_BLK_WRITE, start, size, (uint8_t *) buf);
    } else {
        /* Partial blocks: read, modify, write.  Two unaligned writers of
         * one block at once can lose an update, as on any block device
         * without a file system's locking above it. */
        uint8_t *tmp = malloc(end - start);

        if (!tmp) {
            return -ENOMEM;
        }
        error = blk_io(blk, SIO_MSG_BLK_READ, start, end - start, tmp);
        if (!error) {
            memcpy(tmp + (off - start), buf, size);
            error = blk_io(blk, SIO_MSG_BLK_WRITE, start, end - start, tmp);
        }
        free(tmp);
        pthread_mutex_lock(&blk->mutex);
        blk->n_rmw++;
        pthread_mutex_unlock(&blk->mutex);
    }
    pthread_mutex_lock(&blk->mutex);
    blk->n_writes++;
    blk->bytes_written += error ? 0 : size;
    pthread_mutex_unlock(&blk->mutex);
    return error ? -error : (int) size;
}

static int
blk_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
    struct splitio_blk *blk = blk_self();
    struct blk_req r = { .type = SIO_MSG_BLK_FLUSH };

    (void) path;
    (void) datasync;
    (void) fi;
    int error = blk_submit(blk, &r, 1);
    pthread_mutex_lock(&blk->mutex);
    blk->n_flushes++;
    pthread_mutex_unlock(&blk->mutex);
    return -error;
}

static int
blk_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
    (void) fi;
    (void) size;
    /* A disk has a fixed size: O_TRUNC and truncate() are ignored, as
     * for a block device node. */
    return strcmp(path, "/" BLK_FILE) ? -ENOENT : 0;
}

static void *
blk_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
    (void) conn;
    cfg->direct_io = 1;
    cfg->kernel_cache = 0;
    return fuse_get_context()->private_data;
}

static const struct fuse_operations blk_ops = {
    .init = blk_init,
    .getattr = blk_getattr,
    .readdir = blk_readdir,
    .open = blk_open,
    .read = blk_read,
    .write = blk_write,
    .fsync = blk_fsync,
    .truncate = blk_truncate,
};

static void *
blk_thread(void *blk_)
{
    struct splitio_blk *blk = blk_;

    /* Multi-threaded: concurrent readers and writers each have their
     * requests outstanding at once. */
    fuse_loop_mt(blk->fuse, 0);
    return NULL;
}

struct splitio_blk *
splitio_blk_create(const char *mountpoint, struct sio_conn *conn)
{
    struct splitio_blk *blk = calloc(1, sizeof *blk);
    char *argv[] = { "splitio-guestd", "-o", "fsname=splitio,subtype=splitio",
                     NULL };
    struct fuse_args args = FUSE_ARGS_INIT(3, argv);

    if (!blk) {
        return NULL;
    }
    pthread_mutex_init(&blk->mutex, NULL);
    pthread_cond_init(&blk->cond, NULL);
    blk->tail = &blk->reqs;
    blk->next_id = 1;
    blk->gen = 1;
    blk->bsize = 512;
    blk->max_req = SIO_BLK_MAX_REQ;
    blk->max_out = SIO_BLK_MAX_OUTSTANDING;
    blk->conn = conn;
    blk->mountpoint = strdup(mountpoint);
    blk->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (blk->efd < 0 || !blk->mountpoint) {
        fprintf(stderr, "splitio-guestd: eventfd: %s\n", strerror(errno));
        goto error;
    }
    blk->fuse = fuse_new(&args, &blk_ops, sizeof blk_ops, blk);
    fuse_opt_free_args(&args);
    if (!blk->fuse || fuse_mount(blk->fuse, mountpoint)) {
        fprintf(stderr, "splitio-guestd: cannot mount FUSE file system on "
                "%s\n", mountpoint);
        if (blk->fuse) {
            fuse_destroy(blk->fuse);
        }
        goto error;
    }
    if (pthread_create(&blk->thread, NULL, blk_thread, blk)) {
        fuse_unmount(blk->fuse);
        fuse_destroy(blk->fuse);
        goto error;
    }
    return blk;

error:
    if (blk->efd >= 0) {
        close(blk->efd);
    }
    free(blk->mountpoint);
    free(blk);
    return NULL;
}

void
splitio_blk_destroy(struct splitio_blk *blk)
{
    /* Fail whatever is still waiting so FUSE threads can finish. */
    pthread_mutex_lock(&blk->mutex);
    blk->have_hello = true;
    while (blk->reqs) {
        blk_complete(blk, &blk->reqs, blk->reqs, EIO);
    }
    pthread_mutex_unlock(&blk->mutex);

    fuse_exit(blk->fuse);
    fuse_unmount(blk->fuse);
    pthread_join(blk->thread, NULL);
    fuse_destroy(blk->fuse);
    close(blk->efd);
    free(blk->mountpoint);
    free(blk);
}
