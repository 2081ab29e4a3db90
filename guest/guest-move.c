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

void
guest_seen_init(struct guest_seen *s)
{
    s->n = s->next = 0;
    s->matching = s->done = false;
}

void
guest_seen_add(struct guest_seen *s, uint64_t hash)
{
    s->hash[s->n++ % GUEST_SEEN_MAX] = hash;
}

bool
guest_seen_is_copy(struct guest_seen *s, uint64_t hash)
{
    uint64_t oldest = s->n > GUEST_SEEN_MAX ? s->n - GUEST_SEEN_MAX : 0;

    if (s->done) {
        return false;
    }
    if (!s->matching) {
        /* The new port's first frame: where its copies begin. */
        for (uint64_t i = oldest; i < s->n; i++) {
            if (s->hash[i % GUEST_SEEN_MAX] == hash) {
                s->matching = true;
                s->next = i + 1;
                return true;
            }
        }
    } else if (s->next < s->n && s->next >= oldest
               && s->hash[s->next % GUEST_SEEN_MAX] == hash) {
        s->next++;
        return true;
    }
    s->done = true;
    return false;
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
