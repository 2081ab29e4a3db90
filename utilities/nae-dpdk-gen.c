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

/* nae-dpdk-gen: a polling traffic generator/sink on any DPDK port, for the
 * benchmark's reference side (OVS's dpdkvhostuser ports driven by DPDK's
 * virtio_user).  Debian 12 ships no dpdk-testpmd, so this is the part of
 * testpmd the benchmark needs: its txonly and rxonly forwarding modes, on
 * one lcore, with the same per-packet work as nae-guestd's generator (one
 * frame copy per sent packet, one free per received packet).
 *
 * Usage: nae-dpdk-gen [EAL options] -- --mode=txonly|rxonly|loop
 *                     [--pkt-size=N] [--duration=S] [--warmup=S]
 * "loop" sends on port 0 and receives on port 1 from one polling loop, as
 * testpmd does with two ports.
 * Prints one summary line, in nae-guestd's format, at the end. */

#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "gen-util.h"

#define BURST 32
#define RING 1024

static volatile int stop;

static void
on_signal(int sig)
{
    (void) sig;
    stop = 1;
}

int
main(int argc, char *argv[])
{
    static const struct option opts[] = {
        {"mode", required_argument, NULL, 'm'},
        {"pkt-size", required_argument, NULL, 'p'},
        {"duration", required_argument, NULL, 'd'},
        {"warmup", required_argument, NULL, 'w'},
        {NULL, 0, NULL, 0},
    };
    unsigned int pkt_size = 64;
    double duration = 10, warmup = 0;
    int mode = -1;                      /* 0 rxonly, 1 txonly, 2 loop. */
    int n = rte_eal_init(argc, argv);

    if (n < 0) {
        fprintf(stderr, "nae-dpdk-gen: EAL init failed\n");
        return 1;
    }
    argc -= n;
    argv += n;
    for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
        switch (c) {
        case 'm':
            mode = !strcmp(optarg, "txonly") ? 1
                   : !strcmp(optarg, "rxonly") ? 0
                   : !strcmp(optarg, "loop") ? 2 : -1;
            break;
        case 'p': pkt_size = atoi(optarg); break;
        case 'd': duration = atof(optarg); break;
        case 'w': warmup = atof(optarg); break;
        default: return 1;
        }
    }
    uint16_t n_ports = mode == 2 ? 2 : 1;
    if (mode < 0 || pkt_size < 60 || pkt_size > 2000
        || rte_eth_dev_count_avail() < n_ports) {
        fprintf(stderr, "nae-dpdk-gen: need --mode=txonly|rxonly|loop, "
                "--pkt-size 60..2000 and %u DPDK port(s)\n", n_ports);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    struct rte_mempool *mp = rte_pktmbuf_pool_create("gen", 8191, 256, 0,
                                                     RTE_MBUF_DEFAULT_BUF_SIZE,
                                                     rte_socket_id());
    struct rte_eth_conf conf;

    memset(&conf, 0, sizeof conf);
    for (uint16_t port = 0; port < n_ports; port++) {
        if (!mp || rte_eth_dev_configure(port, 1, 1, &conf)
            || rte_eth_rx_queue_setup(port, 0, RING, rte_socket_id(), NULL,
                                      mp)
            || rte_eth_tx_queue_setup(port, 0, RING, rte_socket_id(), NULL)
            || rte_eth_dev_start(port)) {
            fprintf(stderr, "nae-dpdk-gen: port %u setup failed\n", port);
            return 1;
        }
    }
    uint16_t tx_port = 0, rx_port = mode == 2 ? 1 : 0;

    uint8_t frame[2048];
    struct gen_counts counts = { 0, 0, 0 };
    double hz = rte_get_tsc_hz();
    struct gen_window w;

    gen_window_init(&w, rte_get_tsc_cycles() / hz, duration, warmup);

    gen_build_frame(frame, pkt_size);
    for (uint64_t iter = 0; !stop; iter++) {
        struct rte_mbuf *pkts[BURST];

        if (mode != 0) {
            if (rte_pktmbuf_alloc_bulk(mp, pkts, BURST) == 0) {
                for (int i = 0; i < BURST; i++) {
                    char *p = rte_pktmbuf_append(pkts[i], pkt_size);
                    memcpy(p, frame, pkt_size);
                }
                uint16_t sent = rte_eth_tx_burst(tx_port, 0, pkts, BURST);
                counts.tx += sent;
                if (sent < BURST) {
                    counts.full++;
                    rte_pktmbuf_free_bulk(pkts + sent, BURST - sent);
                }
            }
        }
        if (mode != 1) {
            uint16_t got = rte_eth_rx_burst(rx_port, 0, pkts, BURST);
            counts.rx += got;
            if (got) {
                rte_pktmbuf_free_bulk(pkts, got);
            }
        }
        if (!(iter & 0xfff)
            && gen_window_tick(&w, &counts, rte_get_tsc_cycles() / hz)) {
            break;
        }
    }
    gen_report(mode == 1 ? "txonly" : mode == 0 ? "rxonly" : "loop",
               pkt_size, &w, &counts, rte_get_tsc_cycles() / hz);
    for (uint16_t port = 0; port < n_ports; port++) {
        rte_eth_dev_stop(port);
        rte_eth_dev_close(port);
    }
    rte_eal_cleanup();
    return 0;
}
