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

#ifndef GEN_UTIL_H
#define GEN_UTIL_H 1

/* What the benchmark's generators (nae-gen, nae-dpdk-gen, esw-vf-gen)
 * share: the frame they send, the measuring window after a warm-up, and
 * the summary line nae-bench.sh reads.  Header only: the generators link no
 * common library.  Times are seconds on any monotonic clock the caller
 * reads; gen_now() is CLOCK_MONOTONIC's. */

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static inline double
gen_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A broadcast UDP/IPv4 frame from 10.0.0.1 to 10.0.0.2, port 9, checksums
 * left zero (nothing on the measured paths looks at them). */
static inline void
gen_build_frame(uint8_t *f, unsigned int len)
{
    memset(f, 0, len);
    memset(f, 0xff, 6);
    f[6] = 0x02;
    f[12] = 0x08;                       /* IPv4 */
    f[14] = 0x45;
    f[16] = (len - 14) >> 8;
    f[17] = len - 14;
    f[22] = 64;
    f[23] = 17;                         /* UDP */
    f[26] = 10; f[29] = 1;
    f[30] = 10; f[33] = 2;
    f[34] = 4; f[36] = 0; f[37] = 9;
    f[38] = (len - 34) >> 8;
    f[39] = len - 34;
}

struct gen_counts {
    uint64_t tx, rx, full;      /* Sent, received, sends a full ring
                                 * refused. */
};

struct gen_window {
    double start;               /* Of the counted part. */
    double end;
    double counting;            /* When the warm-up ends, or 0. */
};

static inline void
gen_window_init(struct gen_window *w, double now, double duration,
                double warmup)
{
    w->start = now;
    w->end = now + duration;
    w->counting = warmup > 0 ? now + warmup : 0;
}

/* Call now and then with the time: when the warm-up ends, 'c' restarts
 * from zero.  Returns true once the run is over. */
static inline bool
gen_window_tick(struct gen_window *w, struct gen_counts *c, double now)
{
    if (w->counting && now >= w->counting) {
        memset(c, 0, sizeof *c);
        w->start = now;
        w->counting = 0;
    }
    return now >= w->end;
}

/* Prints the summary line, in the format nae-bench.sh reads. */
static inline void
gen_report(const char *mode, unsigned int pkt_size,
           const struct gen_window *w, const struct gen_counts *c,
           double now)
{
    double secs = now - w->start;

    printf("mode=%s pkt_size=%u seconds=%.3f tx_packets=%"PRIu64
           " rx_packets=%"PRIu64" tx_ring_full=%"PRIu64
           " tx_pps=%.0f rx_pps=%.0f\n", mode, pkt_size, secs, c->tx, c->rx,
           c->full, c->tx / secs, c->rx / secs);
}

#endif /* gen-util.h */
