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

#ifndef SPLITIO_BLKDEV_H
#define SPLITIO_BLKDEV_H 1

/* The I/O host's block backend for a splitio port: serves BLK_READ,
 * BLK_WRITE and BLK_FLUSH (docs/splitio-protocol.md, section 6) from a
 * backing file, optionally encrypted at rest with AES-XTS-256.
 *
 * Requests are taken on the data path (splitio_blkdev_submit(), on a PMD
 * thread, never blocking) and served by the backend's own thread, which
 * does the system calls and the cryptography and queues each completion
 * on a ring; the data path takes them from it (splitio_blkdev_complete())
 * and sends them, so the backend's thread never touches a connection.
 * Requests are served and completed one at a time in arrival order, so a
 * FLUSH covers every write before it.
 *
 * Encrypted images start with a 4 KiB header holding a key verifier, so
 * a wrong key is refused at open instead of turning reads into garbage
 * and writes into corruption; see docs/nae-ports.md. */

#include <stdbool.h>
#include <stdint.h>

struct splitio_blkdev;

struct splitio_blkdev_cfg {
    const char *path;           /* Backing file; must exist. */
    const char *key_file;       /* NULL: no encryption. */
    uint32_t block_size;        /* 512 or 4096. */
    bool read_only;
};

/* Completion: 'data' (reads only) is valid during the call.  Returns false
 * if the completion cannot be queued now; it is offered again, first, at
 * the next splitio_blkdev_complete(). */
typedef bool splitio_blkdev_done_cb(void *aux, uint64_t req_id,
                                    uint64_t epoch, uint32_t status,
                                    const uint8_t *data, uint32_t len);

int splitio_blkdev_open(const struct splitio_blkdev_cfg *,
                        struct splitio_blkdev **, char **errp);
void splitio_blkdev_close(struct splitio_blkdev *);

/* Checks what splitio_blkdev_open() would check (key file, image, key
 * verifier), changing nothing, so that configuration errors reach the
 * Interface's error column. */
int splitio_blkdev_validate(const struct splitio_blkdev_cfg *, char **errp);

uint64_t splitio_blkdev_capacity(const struct splitio_blkdev *);
uint32_t splitio_blkdev_block_size(const struct splitio_blkdev *);
bool splitio_blkdev_read_only(const struct splitio_blkdev *);
bool splitio_blkdev_encrypted(const struct splitio_blkdev *);

/* Data path: queues one request ('body' as in the message) under
 * 'epoch' (the connection it came on).  Returns false if all request slots
 * are busy: the caller leaves the message in the stream and retries. */
bool splitio_blkdev_submit(struct splitio_blkdev *, uint16_t type,
                           uint64_t req_id, uint64_t epoch,
                           const uint8_t *body, uint32_t len);

/* Data path, the thread that submits: whether completions wait, without a
 * lock or a system call. */
bool splitio_blkdev_has_completions(const struct splitio_blkdev *);

/* Data path, the thread that submits: hands the completed requests to
 * 'done' in order, stopping at the first it refuses.  Returns how many it
 * took. */
unsigned int splitio_blkdev_complete(struct splitio_blkdev *,
                                     splitio_blkdev_done_cb *done,
                                     void *aux);

struct splitio_blkdev_stats {
    uint64_t reads, writes, flushes;
    uint64_t bytes_read, bytes_written;
    uint64_t errors;            /* Completed with a non-zero status. */
    uint64_t invalid;           /* Refused: misaligned or out of range. */
};
void splitio_blkdev_get_stats(const struct splitio_blkdev *,
                              struct splitio_blkdev_stats *);

#endif /* splitio-blkdev.h */
