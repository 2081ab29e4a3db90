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

/* The control channel of a NAE port: socket, framing and fd passing.  See
 * nae-ctl.h.  Main thread only. */

#include <config.h>
#include "nae-ctl.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "coverage.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/token-bucket.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(nae_ctl);

COVERAGE_DEFINE(nae_ctl_msg);
COVERAGE_DEFINE(nae_ctl_proto_error);
COVERAGE_DEFINE(nae_ctl_refused_rate);

/* Messages handled per nae_ctl_run() call, so that one chatty guest cannot
 * hold the main thread. */
#define NAE_CTL_MSGS_PER_RUN 64

/* Guest sessions a port accepts: NAE_CTL_SESSION_RATE per second, in
 * bursts of NAE_CTL_SESSION_BURST.  A guest that connects faster is cut off
 * at once and counted: its churn must not cost the switch (or the other
 * ports) more than that.  token_bucket counts per millisecond, so one
 * session costs NAE_CTL_SESSION_COST tokens at one token per ms. */
#define NAE_CTL_SESSION_RATE 10
#define NAE_CTL_SESSION_BURST 20
#define NAE_CTL_SESSION_COST (1000 / NAE_CTL_SESSION_RATE)

/* Connections accepted per nae_ctl_run() call. */
#define NAE_CTL_ACCEPTS_PER_RUN 16

struct nae_ctl {
    char *path;
    int listen_fd;
    int conn_fd;                /* -1: no guest connected. */
    struct nae_dev *dev;        /* Non-null iff 'conn_fd' >= 0. */
    struct nae_dev_offer offer;

    /* While the data path has not caught up with the device (see
     * nae-ctl.h), the guest's further messages wait in the socket, and the
     * reply and events for it wait here. */
    bool dp_sync_pending;
    bool reply_pending;
    struct nae_msg pending_reply;
    bool reset_event_pending;   /* NAE_EVENT_RESET to send after it. */
    bool path_event_pending;    /* NAE_EVENT_PATH to send after it, */
    int path_event_fd;          /* ...with this descriptor, or -1. */

    /* Whether the data path, when it last caught up, used the current
     * session's memory.  A session it never used ends at once, with no
     * data path change. */
    bool dp_uses_session;
    bool dp_change_owed;        /* A session the data path used ended
                                 * outside nae_ctl_run(): say so next. */

    struct token_bucket sessions_tb;

    /* Sessions that ended, waiting until no data path uses them. */
    struct nae_dev **retired;
    size_t n_retired, allocated_retired;

    struct nae_ctl_stats stats;
    uint64_t past_rejects[NAE_N_REJECTS];   /* Of sessions that ended. */
};

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

int
nae_ctl_check_frame(size_t n, int flags, int n_fds)
{
    if (n != sizeof(struct nae_msg) || flags & (MSG_TRUNC | MSG_CTRUNC)
        || n_fds > 1) {
        return EPROTO;
    }
    return 0;
}

/* Creates a control channel listening on 'path', replacing a stale socket
 * left there.  Returns 0 and stores it in '*ctlp', or a positive errno
 * value. */
int
nae_ctl_create(const char *path, const struct nae_dev_offer *offer,
               struct nae_ctl **ctlp)
{
    struct sockaddr_un sun;
    struct stat st;
    int fd, error;

    *ctlp = NULL;
    if (strlen(path) >= sizeof sun.sun_path) {
        VLOG_ERR("%s: socket path too long (at most %zu bytes)",
                 path, sizeof sun.sun_path - 1);
        return ENAMETOOLONG;
    }
    if (!lstat(path, &st)) {
        if (!S_ISSOCK(st.st_mode)) {
            VLOG_ERR("%s: exists and is not a socket", path);
            return EEXIST;
        }
        unlink(path);
    }

    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return errno;
    }
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    ovs_strlcpy(sun.sun_path, path, sizeof sun.sun_path);
    if (bind(fd, (struct sockaddr *) &sun, sizeof sun) || listen(fd, 4)) {
        error = errno;
        VLOG_ERR("%s: cannot listen (%s)", path, ovs_strerror(error));
        close(fd);
        return error;
    }

    struct nae_ctl *ctl = xzalloc(sizeof *ctl);
    ctl->path = xstrdup(path);
    ctl->listen_fd = fd;
    ctl->conn_fd = -1;
    ctl->path_event_fd = -1;
    ctl->offer = *offer;
    token_bucket_init(&ctl->sessions_tb, 1,
                      NAE_CTL_SESSION_BURST * NAE_CTL_SESSION_COST);
    *ctlp = ctl;
    return 0;
}

static void nae_ctl_clear_path_fd(struct nae_ctl *);

/* Ends the session.  If the data path may still use its memory, it waits
 * in the retired list for the owner's next data path sync (which
 * nae_ctl_run() then asks for); otherwise it is freed now. */
static void
nae_ctl_end_session(struct nae_ctl *ctl)
{
    bool dp_uses = ctl->dp_uses_session || ctl->dp_sync_pending;

    if (ctl->conn_fd < 0) {
        return;
    }
    close(ctl->conn_fd);
    ctl->conn_fd = -1;
    ctl->reply_pending = false;
    ctl->reset_event_pending = false;
    ctl->path_event_pending = false;
    nae_ctl_clear_path_fd(ctl);
    for (size_t i = 0; i < NAE_N_REJECTS; i++) {
        ctl->past_rejects[i] += ctl->dev->rejects[i];
    }
    if (dp_uses) {
        ctl->dp_change_owed = true;
        if (ctl->n_retired >= ctl->allocated_retired) {
            ctl->retired = x2nrealloc(ctl->retired, &ctl->allocated_retired,
                                      sizeof *ctl->retired);
        }
        ctl->retired[ctl->n_retired++] = ctl->dev;
    } else {
        nae_dev_destroy(ctl->dev);
        free(ctl->dev);
    }
    ctl->dev = NULL;
}

/* Ends the guest session, if any, logging 'why'. */
void
nae_ctl_disconnect(struct nae_ctl *ctl, const char *why)
{
    if (ctl->conn_fd >= 0) {
        VLOG_INFO("%s: guest disconnected: %s", ctl->path, why);
        nae_ctl_end_session(ctl);
    }
}

/* Destroys 'ctl', and with it every session, current or retired.  The
 * caller must make sure no data path uses them. */
void
nae_ctl_destroy(struct nae_ctl *ctl)
{
    struct nae_dev *dev;

    if (!ctl) {
        return;
    }
    nae_ctl_end_session(ctl);
    while ((dev = nae_ctl_take_retired(ctl))) {
        nae_dev_destroy(dev);
        free(dev);
    }
    free(ctl->retired);
    close(ctl->listen_fd);
    unlink(ctl->path);
    free(ctl->path);
    free(ctl);
}

/* Sends 'msg', with descriptor 'fd' attached unless it is -1. */
static int
nae_ctl_send_fd(struct nae_ctl *ctl, const struct nae_msg *msg, int fd)
{
    union {
        struct cmsghdr cm;
        char buf[CMSG_SPACE(sizeof(int))];
    } cmsgbuf;
    struct iovec iov = { .iov_base = CONST_CAST(struct nae_msg *, msg),
                         .iov_len = sizeof *msg };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

    if (fd >= 0) {
        struct cmsghdr *c;

        memset(&cmsgbuf, 0, sizeof cmsgbuf);
        mh.msg_control = &cmsgbuf;
        mh.msg_controllen = sizeof cmsgbuf;
        c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof fd);
    }
    ssize_t n = sendmsg(ctl->conn_fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
    return n == sizeof *msg ? 0 : n < 0 ? errno : EPROTO;
}

static int
nae_ctl_send(struct nae_ctl *ctl, const struct nae_msg *msg)
{
    return nae_ctl_send_fd(ctl, msg, -1);
}

static void
nae_ctl_accept(struct nae_ctl *ctl)
{
    for (int i = 0; i < NAE_CTL_ACCEPTS_PER_RUN; i++) {
        int fd = accept4(ctl->listen_fd, NULL, NULL,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            return;
        }
        if (ctl->conn_fd >= 0) {
            VLOG_WARN_RL(&rl, "%s: refusing a second guest", ctl->path);
            ctl->stats.refused++;
            close(fd);
            continue;
        }
        if (!token_bucket_withdraw(&ctl->sessions_tb,
                                   NAE_CTL_SESSION_COST)) {
            VLOG_WARN_RL(&rl, "%s: guest reconnects faster than %d/s, "
                         "refused", ctl->path, NAE_CTL_SESSION_RATE);
            ctl->stats.refused_rate++;
            COVERAGE_INC(nae_ctl_refused_rate);
            close(fd);
            continue;
        }
        ctl->conn_fd = fd;
        ctl->dev = xmalloc(sizeof *ctl->dev);
        nae_dev_init(ctl->dev, &ctl->offer);
        ctl->stats.sessions++;
        VLOG_INFO("%s: guest connected", ctl->path);
    }
}

/* Tells a zero-length read on 'fd' that is the peer's hang-up from an
 * empty SOCK_SEQPACKET record, which recvmsg() reports the same way. */
static bool
nae_ctl_peer_gone(int fd)
{
    struct pollfd pfd = { .fd = fd, .events = POLLRDHUP };

    return poll(&pfd, 1, 0) == 1 && pfd.revents & (POLLRDHUP | POLLHUP);
}

/* Receives one record into 'msg' and its descriptor, if any, into '*fdp'.
 * Returns 0, EAGAIN, EOF, or a positive errno value (EPROTO for a record
 * that is not one message with at most one descriptor, an empty one
 * included).  Every descriptor received is either returned or closed. */
static int
nae_ctl_recv(struct nae_ctl *ctl, struct nae_msg *msg, int *fdp)
{
    union {
        struct cmsghdr cm;
        char buf[CMSG_SPACE(sizeof(int) * 4)];
    } cmsgbuf;
    struct iovec iov = { .iov_base = msg, .iov_len = sizeof *msg };
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = &cmsgbuf, .msg_controllen = sizeof cmsgbuf,
    };
    int fds[4], n_fds = 0;
    ssize_t n;

    *fdp = -1;
    n = recvmsg(ctl->conn_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0) {
        return errno == EWOULDBLOCK ? EAGAIN : errno;
    }

    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            size_t len = c->cmsg_len - CMSG_LEN(0);
            const int *p = (const int *) CMSG_DATA(c);

            for (size_t i = 0; i < len / sizeof(int); i++) {
                if (n_fds < ARRAY_SIZE(fds)) {
                    fds[n_fds++] = p[i];
                } else {
                    close(p[i]);
                    n_fds++;
                }
            }
        }
    }

    int error = nae_ctl_check_frame(n, mh.msg_flags, n_fds);
    if (!n && !n_fds && !(mh.msg_flags & MSG_CTRUNC)
        && nae_ctl_peer_gone(ctl->conn_fd)) {
        error = EOF;
    }
    if (error) {
        for (int i = 0; i < MIN(n_fds, ARRAY_SIZE(fds)); i++) {
            close(fds[i]);
        }
        return error;
    }
    *fdp = n_fds ? fds[0] : -1;
    return 0;
}

/* Ends the session for 'error' (from nae_ctl_recv() or a send). */
static void
nae_ctl_fail(struct nae_ctl *ctl, int error)
{
    if (error == EPROTO) {
        ctl->stats.proto_errors++;
        COVERAGE_INC(nae_ctl_proto_error);
    }
    nae_ctl_disconnect(ctl, error == EOF ? "connection closed"
                            : error == EPROTO ? "malformed message"
                            : ovs_strerror(error));
}

/* Accepts a guest, and handles the messages it sent.  Returns what the
 * owner must do. */
enum nae_ctl_event
nae_ctl_run(struct nae_ctl *ctl)
{
    enum nae_ctl_event event = NAE_CTL_NOTHING;

    nae_ctl_accept(ctl);

    for (int i = 0; i < NAE_CTL_MSGS_PER_RUN; i++) {
        struct nae_msg msg, reply;
        uint32_t path_ack;
        bool was_started;
        int fd, error;

        if (ctl->conn_fd < 0 || ctl->dp_sync_pending) {
            break;
        }
        error = nae_ctl_recv(ctl, &msg, &fd);
        if (error == EAGAIN) {
            break;
        } else if (error) {
            nae_ctl_fail(ctl, error);
            break;
        }

        COVERAGE_INC(nae_ctl_msg);
        was_started = ctl->dev->started;
        path_ack = ctl->dev->path_ack;
        error = nae_dev_handle_msg(ctl->dev, &msg, fd, &reply);
        if (ctl->dev->path_ack != path_ack) {
            event |= NAE_CTL_PATH_ACK;
        }
        if (error) {
            VLOG_WARN_RL(&rl, "%s: guest request type %"PRIu32" refused "
                         "(%s)", ctl->path, msg.type, ovs_strerror(error));
        }
        if (ctl->dev->started != was_started) {
            ctl->pending_reply = reply;
            ctl->reply_pending = true;
            ctl->dp_sync_pending = true;
            event |= NAE_CTL_DP_CHANGE;
            VLOG_INFO("%s: guest %s the device", ctl->path,
                      ctl->dev->started ? "started" : "stopped");
        } else {
            error = nae_ctl_send(ctl, &reply);
            if (error) {
                nae_ctl_fail(ctl, error);
            }
        }
    }
    if (ctl->dp_change_owed) {
        /* A session the data path used ended, here or since the last
         * call (a failed send of an event). */
        ctl->dp_change_owed = false;
        event |= NAE_CTL_DP_CHANGE;
    }
    return event;
}

void
nae_ctl_wait(struct nae_ctl *ctl)
{
    poll_fd_wait(ctl->listen_fd, POLLIN);
    if (ctl->conn_fd >= 0 && !ctl->dp_sync_pending) {
        poll_fd_wait(ctl->conn_fd, POLLIN);
    }
}

/* Returns the current session's device, or NULL if no guest is connected. */
struct nae_dev *
nae_ctl_dev(const struct nae_ctl *ctl)
{
    return ctl->dev;
}

/* Returns an ended session for the caller to destroy and free, or NULL. */
struct nae_dev *
nae_ctl_take_retired(struct nae_ctl *ctl)
{
    return ctl->n_retired ? ctl->retired[--ctl->n_retired] : NULL;
}

static void
nae_ctl_send_event(struct nae_ctl *ctl, uint32_t type, uint64_t value,
                   int fd)
{
    struct nae_msg event = {
        .type = NAE_MSG_EVENT,
        .u.event = { .type = type, .value = value },
    };

    if (nae_ctl_send_fd(ctl, &event, fd)) {
        nae_ctl_disconnect(ctl, "cannot send event");
    }
}

static void
nae_ctl_clear_path_fd(struct nae_ctl *ctl)
{
    if (ctl->path_event_fd >= 0) {
        close(ctl->path_event_fd);
        ctl->path_event_fd = -1;
    }
}

/* Tells 'ctl' that the data path now matches the device's started state,
 * and whether it uses the current session's memory ('dp_uses_session').
 * This releases the held-back reply and events, and the guest's further
 * messages. */
void
nae_ctl_dp_synced(struct nae_ctl *ctl, bool dp_uses_session)
{
    ctl->dp_uses_session = ctl->dev && dp_uses_session;
    ctl->dp_change_owed = false;
    if (!ctl->dp_sync_pending) {
        return;
    }
    ctl->dp_sync_pending = false;
    if (ctl->reply_pending) {
        ctl->reply_pending = false;
        if (nae_ctl_send(ctl, &ctl->pending_reply)) {
            nae_ctl_disconnect(ctl, "cannot send reply");
            return;
        }
    }
    if (ctl->dev && ctl->reset_event_pending) {
        ctl->reset_event_pending = false;
        nae_ctl_send_event(ctl, NAE_EVENT_RESET, ctl->dev->status, -1);
    }
    if (ctl->dev && ctl->path_event_pending) {
        ctl->path_event_pending = false;
        nae_ctl_send_event(ctl, NAE_EVENT_PATH, ctl->dev->path,
                           ctl->path_event_fd);
    }
    nae_ctl_clear_path_fd(ctl);
}

/* Tells the guest to move its traffic to 'path' (on NAE_PATH_HW, VF number
 * 'vf', whose memory 'vf_fd' is, or -1), as switch 'gen' (which the guest
 * acknowledges, reported by nae_ctl_run() as NAE_CTL_PATH_ACK).  Takes
 * 'vf_fd' over.  Returns false if no guest is connected. */
bool
nae_ctl_set_path(struct nae_ctl *ctl, uint32_t gen, enum nae_path path,
                 uint16_t vf, int vf_fd)
{
    if (!ctl->dev) {
        if (vf_fd >= 0) {
            close(vf_fd);
        }
        return false;
    }
    ctl->dev->path = NAE_PATH_VALUE(gen & NAE_PATH_GEN_MAX, path, vf);
    nae_ctl_clear_path_fd(ctl);
    if (ctl->dp_sync_pending) {
        /* The guest waits for that reply first; events after it. */
        ctl->path_event_pending = true;
        ctl->path_event_fd = vf_fd;
    } else {
        nae_ctl_send_event(ctl, NAE_EVENT_PATH, ctl->dev->path, vf_fd);
        if (vf_fd >= 0) {
            close(vf_fd);
        }
    }
    return true;
}

/* The data path found a ring broken: stop the device and tell the guest to
 * reset it.  The owner must resync the data path (and then call
 * nae_ctl_dp_synced()): until then the guest's messages wait, so that it
 * cannot change what a PMD thread still uses (an interrupt socket, rings),
 * and the reset event is sent once the data path let go. */
void
nae_ctl_needs_reset(struct nae_ctl *ctl)
{
    struct nae_dev *dev = ctl->dev;

    if (!dev || dev->status & NAE_STATUS_NEEDS_RESET) {
        return;
    }
    VLOG_WARN_RL(&rl, "%s: guest broke a ring rule; device needs reset",
                 ctl->path);
    nae_dev_stop(dev);
    dev->status |= NAE_STATUS_NEEDS_RESET;
    ctl->dp_sync_pending = true;
    ctl->reset_event_pending = true;
}

/* Changes what later sessions are offered.  The live session keeps its
 * channel count; MAC and MTU it sees at once. */
void
nae_ctl_set_offer(struct nae_ctl *ctl, const struct nae_dev_offer *offer)
{
    ctl->offer = *offer;
    if (ctl->dev) {
        ctl->dev->offer.mac = offer->mac;
        ctl->dev->offer.mtu = offer->mtu;
    }
}

void
nae_ctl_get_stats(const struct nae_ctl *ctl, struct nae_ctl_stats *stats)
{
    *stats = ctl->stats;
}

/* Stores in 'rejects' the guest requests refused, by reason, over every
 * session 'ctl' has had. */
void
nae_ctl_get_rejects(const struct nae_ctl *ctl,
                    uint64_t rejects[NAE_N_REJECTS])
{
    for (size_t i = 0; i < NAE_N_REJECTS; i++) {
        rejects[i] = ctl->past_rejects[i]
                     + (ctl->dev ? ctl->dev->rejects[i] : 0);
    }
}
