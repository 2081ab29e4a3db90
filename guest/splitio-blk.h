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

#ifndef SPLITIO_BLK_H
#define SPLITIO_BLK_H 1

/* The split-I/O remote block device, guest side: a FUSE file system with
 * one file, "disk", whose reads, writes and fsyncs become BLK_READ,
 * BLK_WRITE and BLK_FLUSH requests on the split-I/O connection
 * (docs/splitio-protocol.md, sections 6 and 8).
 *
 * FUSE runs in its own threads; requests reach the daemon's single main
 * loop, which alone touches the connection, through a queue and an
 * eventfd.  Every request is kept until its BLK_DONE: re-sent under its id
 * after a reconnect and after 30 s without an answer, failed with EIO
 * after 4 attempts. */

#include <stdint.h>
#include <stdio.h>

struct sio_conn;
struct sio_hello;
struct splitio_blk;

/* Mounts the file system at 'mountpoint'; NULL on error (printed). */
struct splitio_blk *splitio_blk_create(const char *mountpoint,
                                       struct sio_conn *);
void splitio_blk_destroy(struct splitio_blk *);

/* Main loop side. */
int splitio_blk_fd(const struct splitio_blk *);
void splitio_blk_run(struct splitio_blk *, uint64_t now_us);
uint64_t splitio_blk_next_timer(const struct splitio_blk *);
void splitio_blk_hello(struct splitio_blk *, const struct sio_hello *);
void splitio_blk_connected(struct splitio_blk *);
void splitio_blk_done(struct splitio_blk *, uint64_t req_id,
                      const uint8_t *body, uint32_t len);
void splitio_blk_dump(const struct splitio_blk *, FILE *);

#endif /* splitio-blk.h */
