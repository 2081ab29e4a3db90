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

/* nae-udp-seq: a steady stream of numbered UDP datagrams, and a receiver
 * that accounts for every number (lost, duplicated, out of order) and for
 * the longest silence between two arrivals.  tests/udp-seq.py's protocol
 * (an 8-byte big-endian number first), in C with libc only, so that the
 * VM image (utilities/nae-vm-image.sh) carries it and it keeps its rate
 * under QEMU's emulation.
 *
 *   nae-udp-seq send HOST PORT RATE SECONDS   (prints "sent N unsent U"
 *                                              at the end or on SIGTERM:
 *                                              U of N found no interface)
 *   nae-udp-seq recv PORT OUTFILE             (until SIGTERM; every 200 ms
 *                                              and at the end rewrites
 *                                              OUTFILE with "received N
 *                                              lost L dup D reordered R
 *                                              last S max_gap_us G"; on
 *                                              stderr, the time and
 *                                              numbers of each jump) */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
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

#define DGRAM_LEN 64
#define MAX_SEQ (1u << 26)      /* 64 Mi datagrams: a bitmap of 8 MiB. */

static volatile sig_atomic_t stop;

static void
on_signal(int signo)
{
    (void) signo;
    stop = 1;
}

static long long int
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static void
catch_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

static int
send_stream(const char *host, int port, double rate, double seconds)
{
    struct sockaddr_in sin = { .sin_family = AF_INET,
                               .sin_port = htons(port) };
    long long int start, interval_us;
    uint8_t buf[DGRAM_LEN];
    uint64_t n = 0, unsent = 0;
    int fd;

    if (inet_pton(AF_INET, host, &sin.sin_addr) != 1 || rate <= 0) {
        fprintf(stderr, "nae-udp-seq: bad address or rate\n");
        return 2;
    }
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("socket");
        return 1;
    }
    memset(buf, 'x', sizeof buf);
    interval_us = 1e6 / rate;
    start = now_us();
    catch_signals();
    while (!stop) {
        long long int elapsed = now_us() - start;

        if (elapsed >= seconds * 1e6) {
            break;
        }
        /* Catch up in bursts when late: the rate, not the spacing,
         * matters. */
        while ((long long int) n * interval_us <= elapsed) {
            uint64_t be = htobe64(n);

            memcpy(buf, &be, sizeof be);
            if (sendto(fd, buf, sizeof buf, 0, (struct sockaddr *) &sin,
                       sizeof sin) < 0) {
                /* A full queue on our side retries the same number: only
                 * the network may lose one. */
                if (errno == EAGAIN || errno == EINTR || errno == ENOBUFS) {
                    usleep(50);
                    continue;
                }
                /* Our interface is gone for a while (a guest's TAP
                 * recreated): that number is lost, as on the wire. */
                if (errno != ENETUNREACH && errno != ENETDOWN
                    && errno != EHOSTUNREACH) {
                    perror("sendto");
                    return 1;
                }
                unsent++;
            }
            n++;
        }
        usleep(interval_us / 2 > 0 ? interval_us / 2 : 1);
    }
    printf("sent %llu unsent %llu\n", (unsigned long long int) n,
           (unsigned long long int) unsent);
    return 0;
}

struct recv_stats {
    uint64_t received, dup, reordered, distinct;
    long long int last;         /* Highest number seen, or -1. */
    long long int max_gap_us;
    long long int last_arrival; /* Microseconds, or 0. */
};

static void
write_stats(const char *outfile, const struct recv_stats *st)
{
    char tmp[4096];
    FILE *f;

    snprintf(tmp, sizeof tmp, "%s.tmp", outfile);
    f = fopen(tmp, "w");
    if (!f) {
        perror(tmp);
        return;
    }
    fprintf(f, "received %llu lost %lld dup %llu reordered %llu last %lld "
            "max_gap_us %lld\n", (unsigned long long int) st->received,
            (long long int) (st->last + 1 - (long long int) st->distinct),
            (unsigned long long int) st->dup,
            (unsigned long long int) st->reordered, st->last,
            st->max_gap_us);
    fclose(f);
    rename(tmp, outfile);
}

static int
recv_stream(int port, const char *outfile)
{
    struct sockaddr_in sin = { .sin_family = AF_INET,
                               .sin_port = htons(port),
                               .sin_addr.s_addr = htonl(INADDR_ANY) };
    struct recv_stats st = { .last = -1 };
    long long int next_write = 0;
    int rcvbuf = 8 << 20;
    uint8_t *seen;
    int fd;

    seen = calloc(MAX_SEQ / 8, 1);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (!seen || fd < 0) {
        perror("nae-udp-seq");
        return 1;
    }
    /* SO_RCVBUF is capped at net.core.rmem_max (212992 by default), a
     * fifth of a second at test rates for a receiver starved of CPU;
     * root may go past it. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf)) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    }
    if (bind(fd, (struct sockaddr *) &sin, sizeof sin)) {
        perror("bind");
        return 1;
    }
    catch_signals();
    while (!stop) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        uint8_t buf[2048];
        long long int now;
        uint64_t be, seq;
        ssize_t len;

        if (poll(&pfd, 1, 200) > 0) {
            len = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            now = now_us();
            if (len >= (ssize_t) sizeof be) {
                memcpy(&be, buf, sizeof be);
                seq = be64toh(be);
                st.received++;
                if (st.last_arrival
                    && now - st.last_arrival > st.max_gap_us) {
                    st.max_gap_us = now - st.last_arrival;
                }
                st.last_arrival = now;
                if (seq >= MAX_SEQ) {
                    /* Not ours: counted received, nothing else. */
                } else if (seen[seq / 8] & (1u << (seq % 8))) {
                    st.dup++;
                } else {
                    if ((long long int) seq > st.last + 1 && st.last >= 0) {
                        /* Where a loss (or reordering) shows, in wall-clock
                         * time to set beside the switches' logs. */
                        struct timespec ts;
                        struct tm tm;

                        clock_gettime(CLOCK_REALTIME, &ts);
                        gmtime_r(&ts.tv_sec, &tm);
                        fprintf(stderr, "%02d:%02d:%02d.%03ld: %llu after "
                                "%lld\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
                                ts.tv_nsec / 1000000,
                                (unsigned long long int) seq, st.last);
                    }
                    if ((long long int) seq < st.last) {
                        st.reordered++;
                        fprintf(stderr, "%llu after %lld\n",
                                (unsigned long long int) seq, st.last);
                    }
                    seen[seq / 8] |= 1u << (seq % 8);
                    st.distinct++;
                    if ((long long int) seq > st.last) {
                        st.last = seq;
                    }
                }
            }
        }
        now = now_us();
        if (now >= next_write) {
            write_stats(outfile, &st);
            next_write = now + 200000;
        }
    }
    write_stats(outfile, &st);
    free(seen);
    return 0;
}

int
main(int argc, char *argv[])
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 6 && !strcmp(argv[1], "send")) {
        return send_stream(argv[2], atoi(argv[3]), atof(argv[4]),
                           atof(argv[5]));
    } else if (argc == 4 && !strcmp(argv[1], "recv")) {
        return recv_stream(atoi(argv[2]), argv[3]);
    }
    fprintf(stderr, "usage: nae-udp-seq send HOST PORT RATE SECONDS\n"
            "       nae-udp-seq recv PORT OUTFILE\n");
    return 2;
}
