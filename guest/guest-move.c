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

#include "guest-move.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

size_t
guest_rarp_frame(uint8_t frame[GUEST_RARP_LEN], uint64_t mac)
{
    uint8_t m[6];

    for (int i = 0; i < 6; i++) {
        m[i] = mac >> (40 - 8 * i);
    }
    memset(frame, 0, GUEST_RARP_LEN);
    memset(frame, 0xff, 6);                     /* Broadcast. */
    memcpy(frame + 6, m, 6);
    frame[12] = 0x80;                           /* ETH_TYPE_RARP. */
    frame[13] = 0x35;
    frame[15] = 1;                              /* Ethernet. */
    frame[16] = 0x08;                           /* IPv4. */
    frame[18] = 6;
    frame[19] = 4;
    frame[21] = 3;                              /* Request reverse. */
    memcpy(frame + 22, m, 6);                   /* Sender MAC. */
    memcpy(frame + 32, m, 6);                   /* Target MAC. */
    return GUEST_RARP_LEN;
}

/* FNV-1a, 64 bits: the frames compared are copies or unrelated. */
uint64_t
guest_frame_hash(const struct iovec *iov, int n_iov)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    for (int i = 0; i < n_iov; i++) {
        const uint8_t *p = iov[i].iov_base;

        for (size_t k = 0; k < iov[i].iov_len; k++) {
            h = (h ^ p[k]) * 0x100000001b3ULL;
        }
    }
    return h;
}

/* --- Merging two ports' frames -------------------------------------- */

/* One side's frames, the last GUEST_MERGE_FRAMES of them, in a ring, with
 * hash chains through it so that a copy is found in O(1).  Entry 's' (in
 * arrival order) lives at slot s % GUEST_MERGE_FRAMES while
 * s + GUEST_MERGE_FRAMES >= n; chain links are s + 1, 0 ends a chain, and
 * a link to an entry overwritten since ends it too (all older ones on the
 * chain are overwritten as well). */
#define MERGE_BUCKETS (2 * GUEST_MERGE_FRAMES)

enum merge_state {
    MERGE_UNMATCHED,        /* Old: no copy from the new port yet. */
    MERGE_MISSED,           /* Old: none within GUEST_MERGE_MATCH_WAIT. */
    MERGE_MATCHED,          /* Old: the copy came.  New: dropped. */
    MERGE_HELD,             /* New: waiting in 'hold'. */
    MERGE_DELIVERED,        /* New: delivered. */
};

struct merge_entry {
    uint64_t hash;
    double time;
    uint64_t next;              /* Older entry in the same bucket, + 1. */
    uint32_t offset, len;       /* New side: the bytes in 'hold'. */
    enum merge_state state;
};

struct merge_side {
    struct merge_entry e[GUEST_MERGE_FRAMES];
    uint64_t bucket[MERGE_BUCKETS];     /* Newest entry + 1, or 0. */
    uint64_t n;                         /* Entries ever added. */
};

struct guest_merge {
    struct merge_side old, new;
    uint8_t *hold;                      /* GUEST_MERGE_HOLD_BYTES. */
    uint32_t hold_used;
    uint64_t judged;        /* Old entries before this one are judged. */
    uint64_t next_held;     /* After leaving: the next to give back. */
    double first_new;       /* When the new port's first frame came. */
    double quiet_since;     /* That, or the last miss after it. */
    bool new_received, left, full;
    struct guest_merge_stats stats;
};

static struct merge_entry *
merge_entry(struct merge_side *side, uint64_t s)
{
    return &side->e[s % GUEST_MERGE_FRAMES];
}

static bool
merge_live(const struct merge_side *side, uint64_t s)
{
    return s < side->n && s + GUEST_MERGE_FRAMES >= side->n;
}

/* The oldest live entry of 'side' with 'hash' whose state is in the
 * bitmap 'states', or NULL. */
static struct merge_entry *
merge_find(struct merge_side *side, uint64_t hash, unsigned int states)
{
    struct merge_entry *found = NULL;

    for (uint64_t link = side->bucket[hash % MERGE_BUCKETS];
         link && merge_live(side, link - 1);
         link = merge_entry(side, link - 1)->next) {
        struct merge_entry *e = merge_entry(side, link - 1);

        if (e->hash == hash && states & (1u << e->state)) {
            found = e;
        }
    }
    return found;
}

static struct merge_entry *
merge_add(struct merge_side *side, uint64_t hash, double now,
          enum merge_state state)
{
    uint64_t s = side->n++;
    struct merge_entry *e = merge_entry(side, s);
    uint64_t *head = &side->bucket[hash % MERGE_BUCKETS];

    *e = (struct merge_entry) { .hash = hash, .time = now, .next = *head,
                                .state = state };
    *head = s + 1;
    return e;
}

struct guest_merge *
guest_merge_create(void)
{
    struct guest_merge *m = calloc(1, sizeof *m);

    if (m) {
        m->hold = malloc(GUEST_MERGE_HOLD_BYTES);
        if (!m->hold) {
            free(m);
            return NULL;
        }
    }
    return m;
}

void
guest_merge_destroy(struct guest_merge *m)
{
    if (m) {
        free(m->hold);
        free(m);
    }
}

bool
guest_merge_old(struct guest_merge *m, uint64_t hash, double now)
{
    struct merge_entry *held;

    if (m->old.n >= GUEST_MERGE_FRAMES
        && m->judged <= m->old.n - GUEST_MERGE_FRAMES) {
        m->judged = m->old.n - GUEST_MERGE_FRAMES + 1;  /* Overwritten. */
    }
    held = merge_find(&m->new, hash,
                      1u << MERGE_HELD | 1u << MERGE_DELIVERED);
    if (held && held->state == MERGE_DELIVERED) {
        /* The hold overflowed and delivered the new port's copy. */
        merge_add(&m->old, hash, now, MERGE_MATCHED);
        m->stats.copies++;
        return false;
    }
    if (held) {
        held->state = MERGE_MATCHED;
        m->stats.copies++;
        merge_add(&m->old, hash, now, MERGE_MATCHED);
    } else {
        merge_add(&m->old, hash, now, MERGE_UNMATCHED);
    }
    m->stats.old_frames++;
    return true;
}

enum guest_merge_verdict
guest_merge_new(struct guest_merge *m, const struct iovec *iov, int n_iov,
                uint64_t hash, double now)
{
    struct merge_entry *old = merge_find(&m->old, hash,
                                         1u << MERGE_UNMATCHED
                                         | 1u << MERGE_MISSED);
    size_t len = 0;

    if (!m->new_received) {
        m->new_received = true;
        m->first_new = m->quiet_since = now;
    }
    if (old) {
        old->state = MERGE_MATCHED;
        m->stats.copies++;
        return GUEST_MERGE_COPY;
    }
    if (m->left) {
        return GUEST_MERGE_DELIVER;
    }
    for (int i = 0; i < n_iov; i++) {
        len += iov[i].iov_len;
    }
    if (m->new.n >= GUEST_MERGE_FRAMES
        && merge_entry(&m->new, m->new.n - GUEST_MERGE_FRAMES)->state
           == MERGE_HELD) {
        m->full = true;
    }
    if (m->full || len > GUEST_MERGE_HOLD_BYTES - m->hold_used) {
        /* Out of room: this one goes now, and the guest leaves the old
         * port at once (guest_merge_ready()). */
        m->full = m->stats.full = true;
        merge_add(&m->new, hash, now, MERGE_DELIVERED);
        return GUEST_MERGE_DELIVER;
    }

    struct merge_entry *e = merge_add(&m->new, hash, now, MERGE_HELD);

    e->offset = m->hold_used;
    e->len = len;
    for (int i = 0; i < n_iov; i++) {
        memcpy(m->hold + m->hold_used, iov[i].iov_base, iov[i].iov_len);
        m->hold_used += iov[i].iov_len;
    }
    m->stats.held++;
    return GUEST_MERGE_HELD;
}

bool
guest_merge_ready(struct guest_merge *m, double now)
{
    /* Judges, oldest first, the old port's frames whose copies had time
     * to arrive. */
    for (; m->judged < m->old.n; m->judged++) {
        struct merge_entry *e = merge_entry(&m->old, m->judged);

        if (e->state == MERGE_UNMATCHED) {
            if (now - e->time < GUEST_MERGE_MATCH_WAIT) {
                break;
            }
            e->state = MERGE_MISSED;
            if (m->new_received && e->time >= m->first_new) {
                m->stats.missed++;
                m->quiet_since = now;
            }
        }
    }
    return m->full
           || (m->new_received && now - m->quiet_since >= GUEST_MERGE_QUIET);
}

void
guest_merge_leave(struct guest_merge *m)
{
    m->left = true;
    m->next_held = m->new.n > GUEST_MERGE_FRAMES
                   ? m->new.n - GUEST_MERGE_FRAMES : 0;
}

bool
guest_merge_next(struct guest_merge *m, const void **data, size_t *len)
{
    for (; m->next_held < m->new.n; m->next_held++) {
        struct merge_entry *e = merge_entry(&m->new, m->next_held);

        if (e->state == MERGE_HELD) {
            e->state = MERGE_DELIVERED;
            *data = m->hold + e->offset;
            *len = e->len;
            m->next_held++;
            return true;
        }
    }
    return false;
}

void
guest_merge_get_stats(const struct guest_merge *m,
                      struct guest_merge_stats *stats)
{
    *stats = m->stats;
}

int
guest_control_listen(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof sun.sun_path) {
        return -ENAMETOOLONG;
    }
    strcpy(sun.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -errno;
    }
    unlink(path);
    if (bind(fd, (struct sockaddr *) &sun, sizeof sun) || listen(fd, 4)) {
        int error = errno;

        close(fd);
        return -error;
    }
    return fd;
}

int
guest_control_read(int fd, char *buf, size_t size, int timeout_ms)
{
    size_t len = 0;

    while (len < size - 1) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        ssize_t n;

        if (poll(&pfd, 1, timeout_ms) <= 0) {
            return ETIMEDOUT;
        }
        n = recv(fd, buf + len, size - 1 - len, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            continue;
        } else if (n <= 0) {
            return n ? errno : EPIPE;
        }
        len += n;
        buf[len] = '\0';
        char *nl = memchr(buf, '\n', len);
        if (nl) {
            *nl = '\0';
            return 0;
        }
    }
    return EMSGSIZE;
}

int
guest_control_call(const char *path, const char *command, FILE *out)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    char reply[4096];
    size_t len = 0;
    ssize_t n;
    int fd;

    if (strlen(path) >= sizeof sun.sun_path) {
        fprintf(out, "%s: path too long\n", path);
        return 2;
    }
    strcpy(sun.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *) &sun, sizeof sun)) {
        fprintf(out, "%s: %s\n", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return 2;
    }
    if (send(fd, command, strlen(command), MSG_NOSIGNAL) < 0
        || send(fd, "\n", 1, MSG_NOSIGNAL) < 0) {
        fprintf(out, "%s: %s\n", path, strerror(errno));
        close(fd);
        return 2;
    }
    while (len < sizeof reply - 1
           && (n = recv(fd, reply + len, sizeof reply - 1 - len, 0)) > 0) {
        len += n;
    }
    close(fd);
    reply[len] = '\0';
    fputs(reply, out);
    return !strncmp(reply, "ok", 2) ? 0 : len ? 1 : 2;
}
