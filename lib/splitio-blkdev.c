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

/* The I/O host's block backend for splitio ports.  See splitio-blkdev.h. */

#include <config.h>

#include "splitio-blkdev.h"

#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <rte_errno.h>
#include <rte_ring.h>

#include "blk-xts.h"
#include "openvswitch/thread.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "splitio-wire.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(splitio_blkdev);

#define BLKDEV_SLOTS SIO_BLK_MAX_OUTSTANDING
#define BLKDEV_HDR_SIZE 4096
#define BLKDEV_KEY_LEN 64               /* AES-256-XTS: two 256-bit keys. */
#define BLKDEV_MAGIC "ovs-nae splitio\n"  /* 16 bytes. */
#define BLKDEV_VERSION 1
#define BLKDEV_SALT_LEN 32
#define BLKDEV_CHECK_MSG "ovs-nae splitio key check"

/* The header of an encrypted image, at offset 0 (big-endian):
 *   0  magic (16)   16 version (4)   20 block size (4)
 *   24 salt (32)    56 HMAC-SHA256(key, salt | BLKDEV_CHECK_MSG) (32)
 * The rest of the 4 KiB is zero; data starts at 4 KiB. */

struct blkdev_req {
    uint16_t type;
    uint64_t id;
    uint64_t epoch;
    uint64_t offset;
    uint32_t len;
    bool malformed;
    uint8_t *buf;                       /* SIO_BLK_MAX_REQ bytes. */
    uint32_t status;                    /* Once served. */
    uint32_t data_len;
};

struct splitio_blkdev {
    int fd;
    char *path;
    uint64_t capacity;
    uint64_t data_offset;
    uint32_t block_size;
    bool read_only;
    bool encrypted;
    uint8_t key[BLKDEV_KEY_LEN];
    EVP_CIPHER_CTX *enc, *dec;

    struct blkdev_req reqs[BLKDEV_SLOTS];
    uint8_t *bufs;
    struct rte_ring *free_ring;         /* Idle slots. */
    struct rte_ring *work_ring;         /* Submitted, in order. */
    struct rte_ring *done_ring;         /* Served, in order. */
    struct blkdev_req *refused;         /* Its completion was refused; the
                                         * submitting thread's. */
    sem_t wake;
    atomic_bool stop;
    pthread_t thread;

    /* Written by the backend's thread only. */
    atomic_uint64_t n_reads, n_writes, n_flushes;
    atomic_uint64_t bytes_read, bytes_written, n_errors, n_invalid;
};

static void
blkdev_stat_add(atomic_uint64_t *var, uint64_t n)
{
    uint64_t v;

    atomic_read_relaxed(var, &v);
    atomic_store_relaxed(var, v + n);
}

/* ------------------------------------------------------------------ */
/* Data path. */

bool
splitio_blkdev_submit(struct splitio_blkdev *bd, uint16_t type,
                      uint64_t req_id, uint64_t epoch,
                      const uint8_t *body, uint32_t len)
{
    struct blkdev_req *r;

    if (rte_ring_dequeue(bd->free_ring, (void **) &r)) {
        return false;
    }
    r->type = type;
    r->id = req_id;
    r->epoch = epoch;
    r->malformed = false;
    r->offset = 0;
    r->len = 0;
    if (type != SIO_MSG_BLK_FLUSH) {
        /* The message layer checked the body's length range. */
        r->offset = sio_get64(body);
        r->len = sio_get32(body + 8);
        if (type == SIO_MSG_BLK_WRITE) {
            if (r->len != len - SIO_BLK_REQ_LEN) {
                r->malformed = true;
            } else {
                memcpy(r->buf, body + SIO_BLK_REQ_LEN, r->len);
            }
        }
    }
    /* Cannot fail: the work ring holds every slot. */
    rte_ring_enqueue(bd->work_ring, r);
    /* sem_post() makes a system call only when the thread sleeps. */
    sem_post(&bd->wake);
    return true;
}

bool
splitio_blkdev_has_completions(const struct splitio_blkdev *bd)
{
    return bd->refused || !rte_ring_empty(bd->done_ring);
}

unsigned int
splitio_blkdev_complete(struct splitio_blkdev *bd,
                        splitio_blkdev_done_cb *done, void *aux)
{
    unsigned int n = 0;

    for (;;) {
        struct blkdev_req *r = bd->refused;

        if (!r && rte_ring_dequeue(bd->done_ring, (void **) &r)) {
            break;
        }
        if (!done(aux, r->id, r->epoch, r->status, r->buf, r->data_len)) {
            bd->refused = r;    /* The stream is full: first, next time. */
            break;
        }
        bd->refused = NULL;
        /* Cannot fail: the free ring holds every slot. */
        rte_ring_enqueue(bd->free_ring, r);
        n++;
    }
    return n;
}

/* ------------------------------------------------------------------ */
/* The backend's thread. */

static int
blkdev_pread(int fd, uint8_t *buf, uint32_t len, uint64_t off)
{
    while (len) {
        ssize_t n = pread(fd, buf, len, off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        if (!n) {
            memset(buf, 0, len);        /* A sparse or short file. */
            return 0;
        }
        buf += n;
        len -= n;
        off += n;
    }
    return 0;
}

static int
blkdev_pwrite(int fd, const uint8_t *buf, uint32_t len, uint64_t off)
{
    while (len) {
        ssize_t n = pwrite(fd, buf, len, off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        buf += n;
        len -= n;
        off += n;
    }
    return 0;
}

static uint32_t
blkdev_serve(struct splitio_blkdev *bd, struct blkdev_req *r,
             uint32_t *data_len)
{
    *data_len = 0;
    if (r->type == SIO_MSG_BLK_FLUSH) {
        blkdev_stat_add(&bd->n_flushes, 1);
        return fdatasync(bd->fd) ? errno : 0;
    }
    if (r->malformed || !r->len || r->len > SIO_BLK_MAX_REQ
        || r->offset % bd->block_size || r->len % bd->block_size
        || r->offset > bd->capacity || r->len > bd->capacity - r->offset) {
        blkdev_stat_add(&bd->n_invalid, 1);
        return EINVAL;
    }
    uint64_t file_off = bd->data_offset + r->offset;
    int error;
    if (r->type == SIO_MSG_BLK_READ) {
        error = blkdev_pread(bd->fd, r->buf, r->len, file_off);
        if (!error && bd->encrypted) {
            error = blk_xts_crypt(bd->dec, false, bd->block_size,
                                  r->offset, r->buf, r->len);
        }
        if (!error) {
            *data_len = r->len;
            blkdev_stat_add(&bd->n_reads, 1);
            blkdev_stat_add(&bd->bytes_read, r->len);
        }
        return error;
    }
    if (bd->read_only) {
        return EROFS;
    }
    error = bd->encrypted ? blk_xts_crypt(bd->enc, true, bd->block_size,
                                          r->offset, r->buf, r->len) : 0;
    if (!error) {
        error = blkdev_pwrite(bd->fd, r->buf, r->len, file_off);
    }
    if (!error) {
        blkdev_stat_add(&bd->n_writes, 1);
        blkdev_stat_add(&bd->bytes_written, r->len);
    }
    return error;
}

static void *
blkdev_thread(void *bd_)
{
    struct splitio_blkdev *bd = bd_;

    for (;;) {
        struct blkdev_req *r;
        bool stop;

        atomic_read(&bd->stop, &stop);
        if (stop) {
            break;
        }
        if (rte_ring_dequeue(bd->work_ring, (void **) &r)) {
            /* Asleep, this thread must not hold up RCU grace periods
             * (the main thread waits for them in reconfiguration). */
            ovsrcu_quiesce_start();
            sem_wait(&bd->wake);
            ovsrcu_quiesce_end();
            continue;
        }

        r->status = blkdev_serve(bd, r, &r->data_len);
        if (r->status) {
            blkdev_stat_add(&bd->n_errors, 1);
        }
        /* Cannot fail: the done ring holds every slot.  The data path
         * takes it from there. */
        rte_ring_enqueue(bd->done_ring, r);
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Control path. */

static int
blkdev_read_key(const char *path, uint8_t key[BLKDEV_KEY_LEN], char **errp)
{
    uint8_t buf[2 * BLKDEV_KEY_LEN + 2];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0) {
        *errp = xasprintf("cannot open key file %s: %s", path,
                          ovs_strerror(errno));
        return errno;
    }
    /* A key others may read is no secret, and one others may write lets
     * them choose the key: as ssh does with private keys, refuse both. */
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_mode & 077) {
        *errp = xasprintf("key file %s must be a regular file that only "
                          "its owner may read or write (chmod 600)", path);
        close(fd);
        return EPERM;
    }
    n = read(fd, buf, sizeof buf);
    close(fd);
    if (n == BLKDEV_KEY_LEN) {
        memcpy(key, buf, BLKDEV_KEY_LEN);
    } else if (n >= 2 * BLKDEV_KEY_LEN && n <= 2 * BLKDEV_KEY_LEN + 1
               && (n == 2 * BLKDEV_KEY_LEN || buf[n - 1] == '\n')) {
        /* 128 hex digits, as "openssl rand -hex 64" writes them. */
        for (int i = 0; i < BLKDEV_KEY_LEN; i++) {
            int hi = hexit_value(buf[2 * i]);
            int lo = hexit_value(buf[2 * i + 1]);
            if (hi < 0 || lo < 0) {
                n = -1;
                break;
            }
            key[i] = hi << 4 | lo;
        }
    } else {
        n = -1;
    }
    explicit_bzero(buf, sizeof buf);
    if (n < 0) {
        *errp = xasprintf("key file %s must hold 64 bytes, raw or as 128 "
                          "hex digits", path);
        return EINVAL;
    }
    if (!memcmp(key, key + 32, 32)) {
        *errp = xasprintf("key file %s: the two XTS key halves are equal",
                          path);
        return EINVAL;
    }
    return 0;
}

static void
blkdev_verifier(const uint8_t key[BLKDEV_KEY_LEN], const uint8_t *salt,
                uint8_t out[32])
{
    uint8_t msg[BLKDEV_SALT_LEN + sizeof BLKDEV_CHECK_MSG];
    unsigned int len = 32;

    memcpy(msg, salt, BLKDEV_SALT_LEN);
    memcpy(msg + BLKDEV_SALT_LEN, BLKDEV_CHECK_MSG, sizeof BLKDEV_CHECK_MSG);
    HMAC(EVP_sha256(), key, BLKDEV_KEY_LEN, msg, sizeof msg, out, &len);
}

/* Checks (or, on a new image, writes) the encryption header. */
static int
blkdev_check_header(struct splitio_blkdev *bd, bool want_key, bool dry_run,
                    char **errp)
{
    uint8_t hdr[BLKDEV_HDR_SIZE];
    int error = blkdev_pread(bd->fd, hdr, sizeof hdr, 0);
    bool has_magic = !error && !memcmp(hdr, BLKDEV_MAGIC, 16);

    if (error) {
        *errp = xasprintf("cannot read %s: %s", bd->path,
                          ovs_strerror(error));
        return error;
    }
    if (!want_key) {
        if (has_magic) {
            *errp = xasprintf("%s is encrypted: set options:blk-key-file",
                              bd->path);
            return EPERM;
        }
        return 0;
    }
    if (has_magic) {
        uint8_t check[32];

        if (sio_get32(hdr + 16) != BLKDEV_VERSION
            || sio_get32(hdr + 20) != bd->block_size) {
            *errp = xasprintf("%s: encryption header of another version or "
                              "block size", bd->path);
            return EPERM;
        }
        blkdev_verifier(bd->key, hdr + 24, check);
        if (CRYPTO_memcmp(check, hdr + 56, 32)) {
            *errp = xasprintf("wrong key for %s", bd->path);
            return EPERM;
        }
        return 0;
    }
    for (size_t i = 0; i < sizeof hdr; i++) {
        if (hdr[i]) {
            *errp = xasprintf("%s has data but no encryption header: "
                              "refusing to encrypt over it", bd->path);
            return EPERM;
        }
    }
    if (bd->read_only) {
        *errp = xasprintf("%s: cannot format a read-only image", bd->path);
        return EROFS;
    }
    if (dry_run) {
        return 0;
    }
    /* A new (all-zero) image: format it. */
    memcpy(hdr, BLKDEV_MAGIC, 16);
    sio_put32(hdr + 16, BLKDEV_VERSION);
    sio_put32(hdr + 20, bd->block_size);
    if (RAND_bytes(hdr + 24, BLKDEV_SALT_LEN) != 1) {
        *errp = xstrdup("no randomness for the encryption header");
        return EIO;
    }
    blkdev_verifier(bd->key, hdr + 24, hdr + 56);
    error = blkdev_pwrite(bd->fd, hdr, sizeof hdr, 0);
    if (!error && fdatasync(bd->fd)) {
        error = errno;
    }
    if (error) {
        *errp = xasprintf("cannot write %s: %s", bd->path,
                          ovs_strerror(error));
        return error;
    }
    VLOG_INFO("%s: formatted for AES-XTS-256 encryption", bd->path);
    return 0;
}

static void
blkdev_free(struct splitio_blkdev *bd)
{
    if (bd->fd >= 0) {
        close(bd->fd);
    }
    EVP_CIPHER_CTX_free(bd->enc);
    EVP_CIPHER_CTX_free(bd->dec);
    rte_ring_free(bd->free_ring);
    rte_ring_free(bd->work_ring);
    rte_ring_free(bd->done_ring);
    explicit_bzero(bd->key, sizeof bd->key);
    free_cacheline(bd->bufs);
    free(bd->path);
    free(bd);
}

static int blkdev_open__(const struct splitio_blkdev_cfg *, bool dry_run,
                         struct splitio_blkdev **, char **errp);

int
splitio_blkdev_open(const struct splitio_blkdev_cfg *cfg,
                    struct splitio_blkdev **bdp, char **errp)
{
    return blkdev_open__(cfg, false, bdp, errp);
}

int
splitio_blkdev_validate(const struct splitio_blkdev_cfg *cfg, char **errp)
{
    struct splitio_blkdev *bd;

    return blkdev_open__(cfg, true, &bd, errp);
}

static int
blkdev_open__(const struct splitio_blkdev_cfg *cfg, bool dry_run,
              struct splitio_blkdev **bdp, char **errp)
{
    struct splitio_blkdev *bd = xzalloc(sizeof *bd);
    struct stat st;
    int error = 0;

    bd->fd = -1;
    bd->path = xstrdup(cfg->path);
    bd->block_size = cfg->block_size;
    bd->read_only = cfg->read_only;

    if (cfg->key_file) {
        error = blkdev_read_key(cfg->key_file, bd->key, errp);
        if (error) {
            goto error;
        }
        bd->encrypted = true;
        bd->data_offset = BLKDEV_HDR_SIZE;
    }
    bd->fd = open(cfg->path, (cfg->read_only ? O_RDONLY : O_RDWR)
                             | O_CLOEXEC);
    if (bd->fd < 0 || fstat(bd->fd, &st)) {
        error = errno;
        *errp = xasprintf("cannot open %s: %s", cfg->path,
                          ovs_strerror(error));
        goto error;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        *errp = xasprintf("%s is not a file or block device", cfg->path);
        error = EINVAL;
        goto error;
    }
    uint64_t size = S_ISREG(st.st_mode) ? st.st_size
                    : lseek(bd->fd, 0, SEEK_END);
    if (size <= bd->data_offset + bd->block_size) {
        *errp = xasprintf("%s is too small", cfg->path);
        error = EINVAL;
        goto error;
    }
    bd->capacity = (size - bd->data_offset) / bd->block_size
                   * bd->block_size;
    error = blkdev_check_header(bd, bd->encrypted, dry_run, errp);
    if (error || dry_run) {
        goto error;
    }
    if (bd->encrypted) {
        bd->enc = EVP_CIPHER_CTX_new();
        bd->dec = EVP_CIPHER_CTX_new();
        if (!bd->enc || !bd->dec
            || !EVP_CipherInit_ex(bd->enc, EVP_aes_256_xts(), NULL, bd->key,
                                  NULL, 1)
            || !EVP_CipherInit_ex(bd->dec, EVP_aes_256_xts(), NULL, bd->key,
                                  NULL, 0)) {
            *errp = xstrdup("OpenSSL refused the AES-256-XTS key");
            error = EINVAL;
            goto error;
        }
    }

    char name[RTE_RING_NAMESIZE];
    snprintf(name, sizeof name, "sbf_%p", bd);
    bd->free_ring = rte_ring_create(name, BLKDEV_SLOTS, SOCKET_ID_ANY,
                                    RING_F_EXACT_SZ);
    snprintf(name, sizeof name, "sbw_%p", bd);
    bd->work_ring = rte_ring_create(name, BLKDEV_SLOTS, SOCKET_ID_ANY,
                                    RING_F_EXACT_SZ | RING_F_SC_DEQ);
    snprintf(name, sizeof name, "sbd_%p", bd);
    bd->done_ring = rte_ring_create(name, BLKDEV_SLOTS, SOCKET_ID_ANY,
                                    RING_F_EXACT_SZ | RING_F_SP_ENQ
                                    | RING_F_SC_DEQ);
    if (!bd->free_ring || !bd->work_ring || !bd->done_ring) {
        *errp = xasprintf("cannot create request rings: %s",
                          rte_strerror(rte_errno));
        error = ENOMEM;
        goto error;
    }
    bd->bufs = xmalloc_cacheline((size_t) BLKDEV_SLOTS * SIO_BLK_MAX_REQ);
    for (int i = 0; i < BLKDEV_SLOTS; i++) {
        bd->reqs[i].buf = bd->bufs + (size_t) i * SIO_BLK_MAX_REQ;
        rte_ring_enqueue(bd->free_ring, &bd->reqs[i]);
    }
    sem_init(&bd->wake, 0, 0);
    atomic_init(&bd->stop, false);
    bd->thread = ovs_thread_create("splitio_blk", blkdev_thread, bd);
    VLOG_INFO("%s: %"PRIu64" bytes in %"PRIu32"-byte blocks%s%s",
              cfg->path, bd->capacity, bd->block_size,
              bd->encrypted ? ", AES-XTS-256" : "",
              bd->read_only ? ", read-only" : "");
    *bdp = bd;
    return 0;

error:
    /* (Also the end of a dry run, with error 0.) */
    blkdev_free(bd);
    *bdp = NULL;
    return error;
}

void
splitio_blkdev_close(struct splitio_blkdev *bd)
{
    if (!bd) {
        return;
    }
    atomic_store(&bd->stop, true);
    sem_post(&bd->wake);
    xpthread_join(bd->thread, NULL);
    sem_destroy(&bd->wake);
    blkdev_free(bd);
}

uint64_t
splitio_blkdev_capacity(const struct splitio_blkdev *bd)
{
    return bd->capacity;
}

uint32_t
splitio_blkdev_block_size(const struct splitio_blkdev *bd)
{
    return bd->block_size;
}

bool
splitio_blkdev_read_only(const struct splitio_blkdev *bd)
{
    return bd->read_only;
}

bool
splitio_blkdev_encrypted(const struct splitio_blkdev *bd)
{
    return bd->encrypted;
}

void
splitio_blkdev_get_stats(const struct splitio_blkdev *bd_,
                         struct splitio_blkdev_stats *s)
{
    struct splitio_blkdev *bd = CONST_CAST(struct splitio_blkdev *, bd_);

    atomic_read_relaxed(&bd->n_reads, &s->reads);
    atomic_read_relaxed(&bd->n_writes, &s->writes);
    atomic_read_relaxed(&bd->n_flushes, &s->flushes);
    atomic_read_relaxed(&bd->bytes_read, &s->bytes_read);
    atomic_read_relaxed(&bd->bytes_written, &s->bytes_written);
    atomic_read_relaxed(&bd->n_errors, &s->errors);
    atomic_read_relaxed(&bd->n_invalid, &s->invalid);
}
