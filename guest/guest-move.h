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
 *   - the frames the old port delivered while both ports received, so
 *     that what the new one received as well is not delivered twice
 *     (struct guest_seen);
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

/* The last frames the old port delivered, while the new one may have
 * received copies of them, in order; and how far the new port's first
 * frames were found among them.  The copies a new port receives are a
 * prefix of what it gets: it begins to receive them at some frame of the
 * old port's, and they follow in the same order. */
#define GUEST_SEEN_MAX 4096     /* A new port's rings hold fewer. */
struct guest_seen {
    uint64_t hash[GUEST_SEEN_MAX];      /* Frame 'i' at i % GUEST_SEEN_MAX. */
    uint64_t n;             /* Frames recorded. */
    uint64_t next;          /* While 'matching': the copy expected next. */
    bool matching;          /* The new port's frames so far were copies. */
    bool done;              /* A frame that is no copy came: no more. */
};

void guest_seen_init(struct guest_seen *);
void guest_seen_add(struct guest_seen *, uint64_t hash);
bool guest_seen_is_copy(struct guest_seen *, uint64_t hash);

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
