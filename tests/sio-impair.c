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

/* sio-impair: an impairing Ethernet relay for the split-I/O tests.
 *
 * Forwards every frame between two interfaces (AF_PACKET), dropping,
 * duplicating and reordering a set share of them, since this kernel has no
 * netem.  Reordering holds a frame back and sends it after the next one in
 * the same direction (or after --hold-ms if none comes).
 *
 *   sio-impair IF_A IF_B [--drop=PERMILLE] [--dup=PERMILLE]
 *                        [--reorder=PERMILLE] [--seed=N]
 *
 * SIGUSR1 or exit prints what it did. */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAME 16384
#define HOLD_MS 2

struct side {
    const char *name;
    int fd;
    /* A frame held back for reordering, to go out of the other side. */
    uint8_t held[MAX_FRAME];
    size_t held_len;
    uint64_t held_since;
};

static unsigned int drop_pm, dup_pm, reorder_pm;
static uint64_t rng = 88172645463325252ULL;
static uint64_t n_fwd, n_drop, n_dup, n_reorder;
static volatile sig_atomic_t stop, dump;

static uint32_t
rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static int
open_if(const char *name)
{
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET,
        .sll_protocol = htons(ETH_P_ALL),
        .sll_ifindex = if_nametoindex(name),
    };
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
    int one = 1;

    if (fd < 0 || !sll.sll_ifindex
        || bind(fd, (struct sockaddr *) &sll, sizeof sll)) {
        fprintf(stderr, "sio-impair: %s: %s\n", name, strerror(errno));
        exit(EXIT_FAILURE);
    }
    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
    return fd;
}

static void
emit(int fd, const uint8_t *f, size_t len)
{
    if (send(fd, f, len, 0) >= 0) {
        n_fwd++;
    }
}

/* Forwards what arrived on 'in' out of 'out'. */
static void
relay(struct side *in, struct side *out)
{
    uint8_t f[MAX_FRAME];

    for (int i = 0; i < 64; i++) {
        struct sockaddr_ll from;
        socklen_t fromlen = sizeof from;
        ssize_t n = recvfrom(in->fd, f, sizeof f, 0,
                             (struct sockaddr *) &from, &fromlen);
        if (n < 0) {
            return;
        }
        if (from.sll_pkttype == PACKET_OUTGOING) {
            continue;
        }
        if (rnd() % 1000 < drop_pm) {
            n_drop++;
            continue;
        }
        if (!in->held_len && rnd() % 1000 < reorder_pm) {
            memcpy(in->held, f, n);
            in->held_len = n;
            in->held_since = now_ms();
            n_reorder++;
            continue;
        }
        emit(out->fd, f, n);
        if (rnd() % 1000 < dup_pm) {
            emit(out->fd, f, n);
            n_dup++;
        }
        if (in->held_len) {
            emit(out->fd, in->held, in->held_len);
            in->held_len = 0;
        }
    }
}

static void
flush_held(struct side *in, struct side *out)
{
    if (in->held_len && now_ms() - in->held_since >= HOLD_MS) {
        emit(out->fd, in->held, in->held_len);
        in->held_len = 0;
    }
}

static void
on_signal(int sig)
{
    if (sig == SIGUSR1) {
        dump = 1;
    } else {
        stop = 1;
    }
}

static void
print_stats(void)
{
    printf("forwarded %llu dropped %llu duplicated %llu reordered %llu\n",
           (unsigned long long) n_fwd, (unsigned long long) n_drop,
           (unsigned long long) n_dup, (unsigned long long) n_reorder);
    fflush(stdout);
}

int
main(int argc, char *argv[])
{
    struct side a = { 0 }, b = { 0 };
    int n_if = 0;

    for (int i = 1; i < argc; i++) {
        if (!strncmp(argv[i], "--drop=", 7)) {
            drop_pm = atoi(argv[i] + 7);
        } else if (!strncmp(argv[i], "--dup=", 6)) {
            dup_pm = atoi(argv[i] + 6);
        } else if (!strncmp(argv[i], "--reorder=", 10)) {
            reorder_pm = atoi(argv[i] + 10);
        } else if (!strncmp(argv[i], "--seed=", 7)) {
            rng = strtoull(argv[i] + 7, NULL, 10) | 1;
        } else if (n_if < 2) {
            (n_if++ ? &b : &a)->name = argv[i];
        } else {
            fprintf(stderr, "usage: sio-impair IF_A IF_B [--drop=PM] "
                    "[--dup=PM] [--reorder=PM] [--seed=N]\n");
            return EXIT_FAILURE;
        }
    }
    if (n_if != 2) {
        fprintf(stderr, "sio-impair: two interfaces needed\n");
        return EXIT_FAILURE;
    }
    a.fd = open_if(a.name);
    b.fd = open_if(b.name);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGUSR1, on_signal);

    while (!stop) {
        struct pollfd pfd[2] = {
            { .fd = a.fd, .events = POLLIN },
            { .fd = b.fd, .events = POLLIN },
        };
        poll(pfd, 2, a.held_len || b.held_len ? HOLD_MS : 100);
        relay(&a, &b);
        relay(&b, &a);
        flush_held(&a, &b);
        flush_held(&b, &a);
        if (dump) {
            dump = 0;
            print_stats();
        }
    }
    print_stats();
    return EXIT_SUCCESS;
}
