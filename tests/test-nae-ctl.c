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

/* Unit tests of a NAE port's control channel (nae-ctl.c) against guests
 * that abuse it: descriptors riding on empty records, and connect/hang-up
 * churn.  The switch side and the "guest" share this process, so a
 * descriptor the switch leaks shows in our own descriptor table. */

#include <config.h>
#undef NDEBUG
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "nae-ctl.h"
#include "nae-test-mem.h"
#include "openvswitch/util.h"
#include "openvswitch/vlog.h"
#include "ovstest.h"
#include "timeval.h"
#include "util.h"

static const struct nae_dev_offer offer = {
    .q_num = 1, .sysid = 1, .mtu = 1500, .mac = 0x0a0000000001,
};

static int
count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    ovs_assert(d);
    while (readdir(d)) {
        n++;
    }
    closedir(d);
    return n;
}

static struct nae_ctl *
make_ctl(char *path, size_t size)
{
    struct nae_ctl *ctl;

    snprintf(path, size, "/tmp/test-nae-ctl-%ld.sock", (long) getpid());
    ovs_assert(!nae_ctl_create(path, &offer, &ctl));
    return ctl;
}

static int
guest_connect(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

    ovs_assert(fd >= 0);
    ovs_strlcpy(sun.sun_path, path, sizeof sun.sun_path);
    ovs_assert(!connect(fd, (struct sockaddr *) &sun, sizeof sun));
    return fd;
}

/* Sends a record of 'len' bytes carrying 'n_fds' fresh memfds. */
static void
guest_send_fds(int sock, size_t len, int n_fds)
{
    union {
        struct cmsghdr cm;
        char buf[CMSG_SPACE(sizeof(int) * 8)];
    } cmsgbuf;
    struct nae_msg msg;
    struct iovec iov = { .iov_base = &msg, .iov_len = len };
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = &cmsgbuf,
        .msg_controllen = CMSG_SPACE(sizeof(int) * n_fds),
    };
    int fds[8];

    memset(&msg, 0, sizeof msg);
    memset(&cmsgbuf, 0, sizeof cmsgbuf);
    for (int i = 0; i < n_fds; i++) {
        fds[i] = test_memfd(4096, true);
    }
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
    ovs_assert(sendmsg(sock, &mh, 0) == (ssize_t) len);
    for (int i = 0; i < n_fds; i++) {
        close(fds[i]);
    }
}

/* Runs 'ctl' until no more happens, returning the events it reported. */
static enum nae_ctl_event
run_ctl(struct nae_ctl *ctl)
{
    enum nae_ctl_event events = 0;

    for (int i = 0; i < 4; i++) {
        events |= nae_ctl_run(ctl);
    }
    return events;
}

/* An empty record with descriptors is a protocol error that closes them
 * all; so is one with too many; a plain hang-up is not an error. */
static void
test_empty_record(void)
{
    struct nae_ctl_stats stats;
    char path[64];
    struct nae_ctl *ctl = make_ctl(path, sizeof path);
    int before = count_fds();

    /* Fewer sessions than the reconnect burst: each one is heard. */
    for (int i = 0; i < 16; i++) {
        int sock = guest_connect(path);

        guest_send_fds(sock, i % 2 ? 0 : sizeof(struct nae_msg), 4);
        ovs_assert(!(run_ctl(ctl) & NAE_CTL_DP_CHANGE));
        ovs_assert(!nae_ctl_dev(ctl));
        close(sock);
        run_ctl(ctl);
    }
    ovs_assert(count_fds() == before);
    nae_ctl_get_stats(ctl, &stats);
    ovs_assert(stats.proto_errors == 16);

    /* A hang-up with nothing sent. */
    int sock = guest_connect(path);
    run_ctl(ctl);
    ovs_assert(nae_ctl_dev(ctl));
    close(sock);
    run_ctl(ctl);
    ovs_assert(!nae_ctl_dev(ctl));
    nae_ctl_get_stats(ctl, &stats);
    ovs_assert(stats.proto_errors == 16);
    ovs_assert(count_fds() == before);
    nae_ctl_destroy(ctl);
}

/* A guest that connects and hangs up as fast as it can: sessions that
 * never started cost no data path change, and past the burst the port
 * refuses sessions at its rate, counting them. */
static void
test_churn(void)
{
    struct nae_ctl_stats stats;
    char path[64];
    struct nae_ctl *ctl = make_ctl(path, sizeof path);
    int before = count_fds();
    long long int start = time_msec();

    for (int i = 0; i < 500; i++) {
        int sock = guest_connect(path);

        ovs_assert(!(run_ctl(ctl) & NAE_CTL_DP_CHANGE));
        close(sock);
        ovs_assert(!(run_ctl(ctl) & NAE_CTL_DP_CHANGE));
        ovs_assert(!nae_ctl_take_retired(ctl));
    }
    long long int elapsed = time_msec() - start;

    nae_ctl_get_stats(ctl, &stats);
    ovs_assert(stats.sessions + stats.refused_rate == 500);
    ovs_assert(stats.sessions <= 20 + 10 * (elapsed / 1000 + 1));
    ovs_assert(stats.refused_rate > 0);
    ovs_assert(count_fds() == before);
    nae_ctl_destroy(ctl);
}

static void
test_nae_ctl_main(int argc, char *argv[])
{
    static const struct test_case tests[] = {
        { "empty-record", test_empty_record },
        { "churn", test_churn },
    };

    /* The refusals are logged; the test checks the counters instead. */
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_OFF);
    test_run(argc, argv, tests, ARRAY_SIZE(tests));
}

OVSTEST_REGISTER("test-nae-ctl", test_nae_ctl_main);
