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

/* esw-vf-gen: the benchmark's traffic generator for two VFs of the emulated
 * switchdev NIC (emunic/), as nae-dpdk-gen is for virtio_user ports and
 * "nae-guestd --mode=loop" for nae rings: one polling thread sends bursts of
 * UDP frames on one VF and drains the other, and prints what reached it in
 * the same "... rx_pps=N" form.  Links the guest's VF library only. */

#define _GNU_SOURCE
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "esw-vf-guest.h"
#include "gen-util.h"

#define BURST 32

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
    (void) sig;
    stop = 1;
}

int
main(int argc, char *argv[])
{
    static const struct option options[] = {
        {"vf-tx", required_argument, NULL, 't'},
        {"vf-rx", required_argument, NULL, 'r'},
        {"pkt-size", required_argument, NULL, 'p'},
        {"duration", required_argument, NULL, 'd'},
        {"warmup", required_argument, NULL, 'w'},
        {NULL, 0, NULL, 0},
    };
    const char *tx_path = NULL, *rx_path = NULL;
    unsigned int pkt_size = 64;
    double duration = 10, warmup = 0;
    struct esw_vf_guest txv, rxv;
    uint8_t frame[2048], buf[2048];
    struct gen_counts counts = { 0, 0, 0 };
    struct gen_window w;
    int c;

    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (c) {
        case 't': tx_path = optarg; break;
        case 'r': rx_path = optarg; break;
        case 'p': pkt_size = atoi(optarg); break;
        case 'd': duration = atof(optarg); break;
        case 'w': warmup = atof(optarg); break;
        default: return 1;
        }
    }
    if (!tx_path || !rx_path || pkt_size < 60 || pkt_size > 1984) {
        fprintf(stderr, "usage: esw-vf-gen --vf-tx=FILE --vf-rx=FILE "
                "[--pkt-size=60..1984] [--duration=S] [--warmup=S]\n");
        return 1;
    }
    if (esw_vf_attach(&txv, tx_path) || esw_vf_attach(&rxv, rx_path)) {
        fprintf(stderr, "esw-vf-gen: cannot map %s or %s\n", tx_path,
                rx_path);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    gen_build_frame(frame, pkt_size);

    gen_window_init(&w, gen_now(), duration, warmup);
    for (uint64_t iter = 0; !stop; iter++) {
        for (int i = 0; i < BURST; i++) {
            if (esw_vf_send(&txv, frame, pkt_size)) {
                counts.full++;
                break;
            }
            counts.tx++;
        }
        for (int i = 0; i < 4 * BURST && esw_vf_recv(&rxv, buf, sizeof buf);
             i++) {
            counts.rx++;
        }
        if (!(iter & 0xff) && gen_window_tick(&w, &counts, gen_now())) {
            break;
        }
    }
    gen_report("loop", pkt_size, &w, &counts, gen_now());
    esw_vf_detach(&txv);
    esw_vf_detach(&rxv);
    return 0;
}
