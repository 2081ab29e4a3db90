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

#ifndef GUEST_MOVE_H
#define GUEST_MOVE_H 1

/* What a process guest needs to arrive on a port and to move between
 * ports as a VM moves by live migration (nae-guestd's "move" command):
 *
 *   - the announcement a VM's QEMU sends on arrival: a RARP from the
 *     guest's MAC, which MAC learning and OVN's activation-strategy=rarp
 *     wait for;
 *   - the merge of both ports' frames while both receive, so that
 *     nothing is lost or delivered twice (struct guest_merge);
 *   - the daemon's control socket, and its client side. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>

/* A RARP "request reverse" (RFC 903) from 'mac', as QEMU announces a VM:
 * fills 'frame' and returns its length. */
#define GUEST_RARP_LEN 60
size_t guest_rarp_frame(uint8_t frame[GUEST_RARP_LEN], uint64_t mac);

/* A hash of a frame's bytes, gathered from 'iov'. */
uint64_t guest_frame_hash(const struct iovec *iov, int n_iov);

/* Merging the two ports' receive streams while a guest moves.  The old
 * port stays the guest's until the new one has shown that it gets the
 * guest's traffic too: every frame the old one delivered in the last
 * GUEST_MERGE_QUIET seconds also reached the new one (a copy, as under
 * OVN's multi-chassis binding), or the old one went quiet (as a learning
 * bridge moves the guest's MAC).  One frame on the new port proves
 * little: a switch updates its cached flows one at a time, and one that
 * still sends some flow to the old port (or drops it at the new one)
 * would lose that flow if the guest left at the first frame.
 *
 * Meanwhile the old port's frames are delivered at once and the new
 * port's are held, in order; the held ones the old port delivered as
 * well are dropped.  When the guest leaves the old port it delivers what
 * is still held, then the new port's frames, dropping the late copies of
 * what the old one delivered.  Frames are told apart by a hash of their
 * bytes (guest_frame_hash()). */
#define GUEST_MERGE_FRAMES 4096         /* Frames remembered, each side. */
#define GUEST_MERGE_HOLD_BYTES (4u << 20)
#define GUEST_MERGE_MATCH_WAIT 0.02     /* s: for a copy to arrive. */
#define GUEST_MERGE_QUIET 0.1           /* s: with no frame missed. */

enum guest_merge_verdict {
    GUEST_MERGE_DELIVER,    /* Deliver it now. */
    GUEST_MERGE_HELD,       /* The merge keeps it: see guest_merge_next(). */
    GUEST_MERGE_COPY,       /* A copy of a frame delivered already: drop. */
};

struct guest_merge;

struct guest_merge *guest_merge_create(void);
void guest_merge_destroy(struct guest_merge *);

/* A frame the old port received: returns true if it is to be delivered,
 * false if it is a copy of one delivered already. */
bool guest_merge_old(struct guest_merge *, uint64_t hash, double now);

/* A frame the new port received, with bytes in 'iov' and their hash. */
enum guest_merge_verdict guest_merge_new(struct guest_merge *,
                                         const struct iovec *iov, int n_iov,
                                         uint64_t hash, double now);

/* Whether the old port may be left: the new port received, and no frame
 * of the old one's went missing on the new one for GUEST_MERGE_QUIET
 * seconds, or the merge can hold no more. */
bool guest_merge_ready(struct guest_merge *, double now);

/* The old port is gone: guest_merge_next() then returns the frames still
 * held, in order, each once, and guest_merge_new() holds no more. */
void guest_merge_leave(struct guest_merge *);
bool guest_merge_next(struct guest_merge *, const void **data, size_t *len);

struct guest_merge_stats {
    uint64_t old_frames;    /* Delivered from the old port. */
    uint64_t copies;        /* Dropped as copies, both sides. */
    uint64_t held;          /* Held from the new port. */
    uint64_t missed;        /* Old frames, since the new port's first,
                             * the new one had no copy of in
                             * GUEST_MERGE_MATCH_WAIT seconds. */
    bool full;              /* Left because the hold was full. */
};
void guest_merge_get_stats(const struct guest_merge *,
                           struct guest_merge_stats *);

/* The control socket: a Unix stream socket at 'path' (replaced if it
 * exists), non-blocking.  Returns the listening fd or -errno. */
int guest_control_listen(const char *path);

/* Reads one command line of at most 'size' - 1 bytes from connection 'fd'
 * within 'timeout_ms' into 'buf', without its newline.  Returns 0 or an
 * errno value. */
int guest_control_read(int fd, char *buf, size_t size, int timeout_ms);

/* The client: sends 'command' to the daemon listening at 'path', copies
 * its answer to 'out', and returns 0 if it starts with "ok", 1 if not, 2
 * if the daemon could not be reached. */
int guest_control_call(const char *path, const char *command, FILE *out);

#endif /* guest-move.h */
