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

/* nae-gen: a packet generator and sink on a NAE device's rings, for
 * benchmarks (utilities/nae-bench.sh).  Like testpmd's forwarding modes it
 * polls: "txonly" sends UDP frames on every channel, "rxonly" counts what
 * arrives, "macswap" sends back what arrives with its MACs swapped, and
 * "loop" sends on one device (--socket) and receives on another
 * (--peer-socket), as testpmd does with two ports.  It prints one summary
 * line at the end, counted after --warmup. */

#define _GNU_SOURCE
#include <errno.h>
#include <float.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gen-util.h"
#include "nae-guest.h"

#define BURST 32

enum mode { MODE_TXONLY, MODE_RXONLY, MODE_MACSWAP, MODE_LOOP };

static struct {
    const char *socket;
    const char *peer_socket;
    enum mode mode;
    struct nae_guest_options gopts;
    unsigned int pkt_size;
    unsigned int flows;
    double duration;
    double warmup;
    uint8_t dst_mac[6];
} cfg;

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
    (void) sig;
    stop = 1;
}

static void
usage(void)
{
    printf("usage: nae-gen --socket=PATH [OPTIONS]\n"
           "  --mode=txonly|rxonly|macswap|loop  (default: txonly)\n"
           "  --peer-socket=PATH  loop mode: the device to receive on\n"
           "  --channels=N        channels to use (default: all offered)\n"
           "  --ring-size=N       descriptors per ring (default: %d)\n"
           "  --no-split          do not negotiate split header buffers\n"
           "  --no-notify         do not negotiate interrupts (poll)\n"
           "  --pkt-size=BYTES    frame size (default: 64)\n"
           "  --flows=N           UDP flows (default: 1)\n"
           "  --dst-mac=MAC       destination MAC (default: broadcast)\n"
           "  --duration=SECONDS  run time (default: until SIGTERM)\n"
           "  --warmup=SECONDS    count only after this long\n",
           NAE_DEFAULT_RING_SIZE);
}

static bool
parse_mac(const char *s, uint8_t mac[6])
{
    return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
                  &mac[2], &mac[3], &mac[4], &mac[5]) == 6;
}

static void
parse_options(int argc, char *argv[])
{
    static const struct option long_options[] = {
        {"socket", required_argument, NULL, 's'},
        {"peer-socket", required_argument, NULL, 'R'},
        {"mode", required_argument, NULL, 'm'},
        {"channels", required_argument, NULL, 'c'},
        {"ring-size", required_argument, NULL, 'r'},
        {"no-split", no_argument, NULL, 'S'},
        {"no-notify", no_argument, NULL, 'N'},
        {"pkt-size", required_argument, NULL, 'p'},
        {"flows", required_argument, NULL, 'f'},
        {"dst-mac", required_argument, NULL, 'd'},
        {"duration", required_argument, NULL, 'D'},
        {"warmup", required_argument, NULL, 'W'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };

    cfg.mode = MODE_TXONLY;
    cfg.gopts.features = NAE_F_ALL & ~NAE_F_HW_PATH;
    cfg.pkt_size = 64;
    cfg.flows = 1;
    memset(cfg.dst_mac, 0xff, sizeof cfg.dst_mac);

    for (;;) {
        int c = getopt_long(argc, argv, "", long_options, NULL);

        if (c == -1) {
            break;
        }
        switch (c) {
        case 's': cfg.socket = optarg; break;
        case 'R': cfg.peer_socket = optarg; break;
        case 'c': cfg.gopts.n_channels = atoi(optarg); break;
        case 'r': cfg.gopts.ring_size = atoi(optarg); break;
        case 'S': cfg.gopts.features &= ~NAE_F_SPLIT_HEADER; break;
        case 'N': cfg.gopts.features &= ~NAE_F_NOTIFY; break;
        case 'p': cfg.pkt_size = atoi(optarg); break;
        case 'f': cfg.flows = atoi(optarg); break;
        case 'D': cfg.duration = atof(optarg); break;
        case 'W': cfg.warmup = atof(optarg); break;
        case 'd':
            if (!parse_mac(optarg, cfg.dst_mac)) {
                fprintf(stderr, "nae-gen: bad MAC %s\n", optarg);
                exit(EXIT_FAILURE);
            }
            break;
        case 'm':
            if (!strcmp(optarg, "txonly")) {
                cfg.mode = MODE_TXONLY;
            } else if (!strcmp(optarg, "rxonly")) {
                cfg.mode = MODE_RXONLY;
            } else if (!strcmp(optarg, "macswap")) {
                cfg.mode = MODE_MACSWAP;
            } else if (!strcmp(optarg, "loop")) {
                cfg.mode = MODE_LOOP;
            } else {
                fprintf(stderr, "nae-gen: unknown mode %s\n", optarg);
                exit(EXIT_FAILURE);
            }
            break;
        case 'h':
            usage();
            exit(EXIT_SUCCESS);
        default:
            exit(EXIT_FAILURE);
        }
    }
    if (!cfg.socket) {
        fprintf(stderr, "nae-gen: --socket is required\n");
        exit(EXIT_FAILURE);
    }
    if ((cfg.mode == MODE_LOOP) != !!cfg.peer_socket) {
        fprintf(stderr, "nae-gen: --peer-socket goes with --mode=loop\n");
        exit(EXIT_FAILURE);
    }
    if (cfg.pkt_size < 60 || cfg.pkt_size > NAE_MAX_FRAME_LEN
        || !cfg.flows) {
        fprintf(stderr, "nae-gen: bad --pkt-size or --flows\n");
        exit(EXIT_FAILURE);
    }
}

static void
build_udp_frame(uint8_t *f, unsigned int len, uint64_t src_mac,
                unsigned int flow)
{
    unsigned int ip_len = len - 14, udp_len = ip_len - 20;
    uint32_t sum = 0;

    memset(f, 0, len);
    memcpy(f, cfg.dst_mac, 6);
    for (int i = 0; i < 6; i++) {
        f[6 + i] = src_mac >> (40 - 8 * i);
    }
    f[12] = 0x08;
    f[13] = 0x00;
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[2] = ip_len >> 8;
    ip[3] = ip_len;
    ip[8] = 64;
    ip[9] = 17;
    memcpy(ip + 12, (uint8_t[]) { 10, 0, 0, 1 }, 4);
    memcpy(ip + 16, (uint8_t[]) { 10, 0, 0, 2 }, 4);
    for (int i = 0; i < 20; i += 2) {
        sum += (ip[i] << 8) | ip[i + 1];
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    ip[10] = ~sum >> 8;
    ip[11] = ~sum;
    uint8_t *udp = ip + 20;
    unsigned int sport = 1024 + flow;
    udp[0] = sport >> 8;
    udp[1] = sport;
    udp[2] = 9 >> 8;
    udp[3] = 9;                     /* discard */
    udp[4] = udp_len >> 8;
    udp[5] = udp_len;
}

/* Sends one burst of 'frames' on every channel of 'g'.  Returns how many
 * went out; counts bursts cut short by a full ring in '*full'. */
static uint64_t
gen_send(struct nae_guest *g, uint8_t (*frames)[NAE_MAX_FRAME_LEN],
         unsigned int n_frames, uint64_t sent, uint64_t *full)
{
    uint64_t total = 0;

    for (int c = 0; c < g->n_chans; c++) {
        int n = 0;

        for (; n < BURST; n++) {
            const uint8_t *f = frames[(sent + total + n) % n_frames];

            if (nae_guest_tx(g, c, f, cfg.pkt_size)) {
                (*full)++;
                break;
            }
        }
        if (n) {
            nae_guest_tx_flush(g, c);
            total += n;
        }
    }
    return total;
}

/* Takes up to a burst per channel off 'g'; in macswap mode sends each
 * frame back with its MACs swapped.  Returns how many arrived. */
static uint64_t
gen_receive(struct nae_guest *g, uint64_t *tx)
{
    uint64_t total = 0;

    for (int c = 0; c < g->n_chans; c++) {
        struct iovec iov[2];
        int n = 0;

        while (n < BURST && nae_guest_rx_peek(g, c, iov)) {
            if (cfg.mode == MODE_MACSWAP) {
                uint8_t frame[NAE_MAX_FRAME_LEN], mac[6];
                size_t len = iov[0].iov_len + iov[1].iov_len;

                memcpy(frame, iov[0].iov_base, iov[0].iov_len);
                memcpy(frame + iov[0].iov_len, iov[1].iov_base,
                       iov[1].iov_len);
                memcpy(mac, frame, 6);
                memcpy(frame, frame + 6, 6);
                memcpy(frame + 6, mac, 6);
                if (!nae_guest_tx(g, c, frame, len)) {
                    (*tx)++;
                }
            }
            nae_guest_rx_release(g, c);
            n++;
        }
        if (n) {
            nae_guest_rx_flush(g, c);
            if (cfg.mode == MODE_MACSWAP) {
                nae_guest_tx_flush(g, c);
            }
        }
        total += n;
    }
    return total;
}

static const char *
mode_name(void)
{
    return (cfg.mode == MODE_TXONLY ? "txonly"
            : cfg.mode == MODE_RXONLY ? "rxonly"
            : cfg.mode == MODE_LOOP ? "loop" : "macswap");
}

/* The generator modes.  "loop" sends on the device at --socket and
 * receives on the one at --peer-socket from the same polling loop, as
 * testpmd does with two ports, so that one core serves both ends without
 * two busy processes fighting over it. */
static int
run_generator(void)
{
    static uint8_t frames[64][NAE_MAX_FRAME_LEN];
    unsigned int n_frames = cfg.flows < 64 ? cfg.flows : 64;
    struct gen_counts counts = { 0, 0, 0 };
    struct nae_guest g, peer;
    struct nae_guest *rx_dev = &g;
    struct gen_window w;
    int error;

    error = nae_guest_open(&g, cfg.socket, &cfg.gopts);
    if (error) {
        fprintf(stderr, "nae-gen: %s: %s\n", cfg.socket, strerror(error));
        return EXIT_FAILURE;
    }
    if (cfg.mode == MODE_LOOP) {
        error = nae_guest_open(&peer, cfg.peer_socket, &cfg.gopts);
        if (error) {
            fprintf(stderr, "nae-gen: %s: %s\n", cfg.peer_socket,
                    strerror(error));
            nae_guest_close(&g);
            return EXIT_FAILURE;
        }
        rx_dev = &peer;
    }
    for (unsigned int i = 0; i < n_frames; i++) {
        build_udp_frame(frames[i], cfg.pkt_size, g.mac, i);
    }

    /* Without --duration, until SIGTERM. */
    gen_window_init(&w, gen_now(), cfg.duration > 0 ? cfg.duration : DBL_MAX,
                    cfg.warmup);
    for (uint64_t iter = 0; !stop; iter++) {
        if (cfg.mode == MODE_TXONLY || cfg.mode == MODE_LOOP) {
            counts.tx += gen_send(&g, frames, n_frames, counts.tx,
                                  &counts.full);
        }
        if (cfg.mode != MODE_TXONLY) {
            counts.rx += gen_receive(rx_dev, &counts.tx);
        }
        if (!(iter & 0xfff)) {
            if (gen_window_tick(&w, &counts, gen_now())) {
                break;
            }
            if (nae_guest_poll_ctl(&g)
                || (rx_dev != &g && nae_guest_poll_ctl(rx_dev))) {
                fprintf(stderr, "nae-gen: switch went away\n");
                break;
            }
        }
    }
    gen_report(mode_name(), cfg.pkt_size, &w, &counts, gen_now());
    fflush(stdout);
    if (rx_dev != &g) {
        nae_guest_close(rx_dev);
    }
    nae_guest_close(&g);
    return EXIT_SUCCESS;
}

int
main(int argc, char *argv[])
{
    struct sigaction sa = { .sa_handler = on_signal };

    parse_options(argc, argv);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    return run_generator();
}
