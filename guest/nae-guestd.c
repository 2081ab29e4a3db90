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

/* nae-guestd: the guest side of a NAE device as a daemon.
 *
 * In "tap" mode it exposes the device as a TAP interface in the network
 * namespace it runs in, so unmodified programs use it, and reconnects by
 * itself when the switch goes away.  With --vf the TAP interface is backed
 * by a VF of the emulated NIC as well, and the daemon follows the switch's
 * moves between VF and rings (see "Hardware path" below).  The generator
 * modes ("txonly", "rxonly", "macswap") drive the rings by polling, like
 * testpmd's forwarding modes, for benchmarks.  "--hostile" makes it
 * misbehave on purpose, for tests of the switch's validation. */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "esw-vf-guest.h"
#include "guest-tap.h"
#include "nae-guest.h"

#define BURST 32

enum mode { MODE_TAP, MODE_TXONLY, MODE_RXONLY, MODE_MACSWAP, MODE_LOOP };

static struct {
    const char *socket;
    const char *peer_socket;
    const char *tap;
    const char *pidfile;
    const char *hostile;
    bool vf;                    /* Follow the switch onto VFs. */
    enum mode mode;
    struct nae_guest_options gopts;
    unsigned int pkt_size;
    unsigned int flows;
    double duration;
    double warmup;
    uint8_t dst_mac[6];
} cfg;

static volatile sig_atomic_t stop;
static volatile sig_atomic_t dump_counters;

static void
on_signal(int sig)
{
    if (sig == SIGUSR1) {
        dump_counters = 1;
    } else {
        stop = 1;
    }
}

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
usage(void)
{
    printf("usage: nae-guestd --socket=PATH [OPTIONS]\n"
           "  --mode=tap|txonly|rxonly|macswap|loop  (default: tap)\n"
           "  --peer-socket=PATH  loop mode: the device to receive on\n"
           "  --tap=NAME          TAP interface to create (default: nae0)\n"
           "  --channels=N        channels to use (default: all offered)\n"
           "  --ring-size=N       descriptors per ring (default: 1024 in tap "
           "mode, %d otherwise)\n"
           "  --no-split          do not negotiate split header buffers\n"
           "  --no-notify         do not negotiate interrupts (poll)\n"
           "  --pkt-size=BYTES    txonly frame size (default: 64)\n"
           "  --flows=N           txonly UDP flows (default: 1)\n"
           "  --dst-mac=MAC       txonly destination MAC\n"
           "  --duration=SECONDS  generator run time (default: until "
           "SIGTERM)\n"
           "  --warmup=SECONDS    generator: count only after this long\n"
           "  --vf                also drive the VF the switch hands over "
           "with its\n"
           "                      path events, and follow it between the "
           "VF and the rings\n"
           "  --hostile=KIND      misbehave: out-of-region, oversize, "
           "wrapped-index,\n"
           "                      bad-config, bad-frame, irq-block, churn\n"
           "  --pidfile=FILE\n", NAE_DEFAULT_RING_SIZE);
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
        {"tap", required_argument, NULL, 't'},
        {"channels", required_argument, NULL, 'c'},
        {"ring-size", required_argument, NULL, 'r'},
        {"no-split", no_argument, NULL, 'S'},
        {"no-notify", no_argument, NULL, 'N'},
        {"pkt-size", required_argument, NULL, 'p'},
        {"flows", required_argument, NULL, 'f'},
        {"dst-mac", required_argument, NULL, 'd'},
        {"duration", required_argument, NULL, 'D'},
        {"warmup", required_argument, NULL, 'W'},
        {"hostile", required_argument, NULL, 'H'},
        {"pidfile", required_argument, NULL, 'P'},
        {"vf", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };

    cfg.tap = "nae0";
    cfg.mode = MODE_TAP;
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
        case 't': cfg.tap = optarg; break;
        case 'c': cfg.gopts.n_channels = atoi(optarg); break;
        case 'r': cfg.gopts.ring_size = atoi(optarg); break;
        case 'S': cfg.gopts.features &= ~NAE_F_SPLIT_HEADER; break;
        case 'N': cfg.gopts.features &= ~NAE_F_NOTIFY; break;
        case 'p': cfg.pkt_size = atoi(optarg); break;
        case 'f': cfg.flows = atoi(optarg); break;
        case 'D': cfg.duration = atof(optarg); break;
        case 'W': cfg.warmup = atof(optarg); break;
        case 'H': cfg.hostile = optarg; break;
        case 'P': cfg.pidfile = optarg; break;
        case 'V':
            cfg.vf = true;
            cfg.gopts.features |= NAE_F_HW_PATH;
            break;
        case 'd':
            if (!parse_mac(optarg, cfg.dst_mac)) {
                fprintf(stderr, "nae-guestd: bad MAC %s\n", optarg);
                exit(EXIT_FAILURE);
            }
            break;
        case 'm':
            if (!strcmp(optarg, "tap")) {
                cfg.mode = MODE_TAP;
            } else if (!strcmp(optarg, "txonly")) {
                cfg.mode = MODE_TXONLY;
            } else if (!strcmp(optarg, "rxonly")) {
                cfg.mode = MODE_RXONLY;
            } else if (!strcmp(optarg, "macswap")) {
                cfg.mode = MODE_MACSWAP;
            } else if (!strcmp(optarg, "loop")) {
                cfg.mode = MODE_LOOP;
            } else {
                fprintf(stderr, "nae-guestd: unknown mode %s\n", optarg);
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
    if (cfg.mode == MODE_TAP && !cfg.hostile && !cfg.gopts.ring_size) {
        /* The kernel hands a TAP reader bursts of TCP segments; a deeper
         * ring rides them out without drops. */
        cfg.gopts.ring_size = 1024;
    }
    if (!cfg.socket) {
        fprintf(stderr, "nae-guestd: --socket is required\n");
        exit(EXIT_FAILURE);
    }
    if (cfg.vf && cfg.mode != MODE_TAP) {
        fprintf(stderr, "nae-guestd: --vf goes with --mode=tap\n");
        exit(EXIT_FAILURE);
    }
    if ((cfg.mode == MODE_LOOP) != !!cfg.peer_socket) {
        fprintf(stderr, "nae-guestd: --peer-socket goes with --mode=loop\n");
        exit(EXIT_FAILURE);
    }
    if (cfg.pkt_size < 60 || cfg.pkt_size > NAE_MAX_FRAME_LEN
        || !cfg.flows) {
        fprintf(stderr, "nae-guestd: bad --pkt-size or --flows\n");
        exit(EXIT_FAILURE);
    }
}

/* --- Hardware path (--vf) ------------------------------------------ */

/* The VF the switch may move the port's traffic to.  It and the device's
 * rings make one TAP interface, as Linux's net_failover bonds a VF with
 * its paravirtual standby: same MAC, same addresses, open connections
 * stay.  The switch decides which one carries traffic and tells us with
 * NAE_EVENT_PATH (nae-abi.h, docs/hw-channels.md). */
static struct {
    struct esw_vf_guest vf;
    bool attached;
    enum nae_path tx_path;      /* Where we send. */
    enum nae_path rx_new;       /* Where the switch sends now. */
    bool switching;             /* Emptying 'tx_path' before 'target'. */
    bool release;               /* ...and then letting go of the VF. */
    bool released;              /* The VF is not ours until a new one. */
    enum nae_path target;
    uint32_t target_gen;
    double switch_start;

    uint64_t switches;          /* Acknowledged. */
    uint64_t refused;           /* Asked for the VF while unusable. */
    uint64_t surprise;          /* VF vanished while we sent on it. */
    uint64_t vf_tx, vf_rx, vf_tx_errors;
    double max_hold;            /* Longest wait for the old path, s. */
} hw;

/* Whether the VF is mapped and plugged in (its memory not revoked). */
static bool
vf_usable(void)
{
    return !hw.released && hw.attached && esw_vf_enabled(&hw.vf);
}

static void
hw_detach(void)
{
    if (hw.attached) {
        esw_vf_detach(&hw.vf);
        hw.attached = false;
    }
}

/* A new session starts on the rings.  Which VF is ours, if any, the switch
 * says, and hands over, with a path event. */
static void
hw_session_reset(void)
{
    hw.tx_path = hw.rx_new = NAE_PATH_SW;
    hw.switching = hw.release = false;
    hw_detach();
    hw.released = true;
}

static int tap_from_vf(int tap_fd, uint32_t max, bool *more);

/* Lets go of the VF (the switch gives it to another guest): what it
 * received for us is delivered first. */
static void
hw_release_vf(int tap_fd)
{
    bool more = true;

    if (hw.attached) {
        while (more) {
            tap_from_vf(tap_fd, UINT32_MAX, &more);
        }
        hw_detach();
    }
    hw.released = true;
    hw.release = false;
}

static void
hw_path_event(struct nae_guest *g)
{
    int vf_fd = nae_guest_take_vf_fd(g);

    hw.target = NAE_PATH_OF(g->path_event);
    hw.target_gen = NAE_PATH_GEN(g->path_event);
    hw.release = (hw.target == NAE_PATH_SW
                  && NAE_PATH_VF(g->path_event) == NAE_PATH_VF_NONE);
    if (hw.target == NAE_PATH_HW) {
        hw.released = false;
    }
    if (hw.target == NAE_PATH_HW && vf_fd >= 0) {
        /* The VF's memory, as the switch hands it over: the same we have
         * (its rings' state lives in it), or a new VF or a new assignment
         * of it, on which we start afresh.  We are on the rings, so the
         * old memory holds nothing of ours. */
        hw_detach();
        hw.attached = !esw_vf_attach_fd(&hw.vf, vf_fd);
        if (!hw.attached) {
            fprintf(stderr, "nae-guestd: cannot map the VF the switch "
                    "handed over\n");
        }
    } else if (vf_fd >= 0) {
        close(vf_fd);
    }
    hw.rx_new = hw.target;      /* The switch sends there once we ack. */
    hw.switching = true;
    hw.switch_start = now();
}

/* Where frames from the TAP interface go now, or -1 to leave them queued in
 * the kernel while a path switch waits for the old path to empty. */
static int
hw_tx_path(struct nae_guest *g, int tap_fd)
{
    if (hw.switching) {
        bool empty = (hw.tx_path == NAE_PATH_HW
                      ? !vf_usable() || esw_vf_tx_idle(&hw.vf)
                      : nae_guest_tx_idle(g));
        double hold;

        if (!empty) {
            return -1;
        }
        hw.switching = false;
        if (hw.target == NAE_PATH_HW && !vf_usable()) {
            /* We cannot follow.  Without our acknowledgement the switch
             * gives up and moves back to the rings. */
            hw.refused++;
            fprintf(stderr, "nae-guestd: the switch asks for the VF, "
                    "which is not usable; staying on the rings\n");
        } else {
            hw.tx_path = hw.target;
            if (hw.release) {
                hw_release_vf(tap_fd);
            }
            hold = now() - hw.switch_start;
            if (hold > hw.max_hold) {
                hw.max_hold = hold;
            }
            hw.switches++;
            if (nae_guest_ack_path(g, hw.target_gen)) {
                fprintf(stderr, "nae-guestd: cannot acknowledge path "
                        "switch %"PRIu32"\n", hw.target_gen);
            }
        }
    }
    if (hw.tx_path == NAE_PATH_HW && !vf_usable()) {
        /* Surprise removal: what the VF had not taken is lost, as on real
         * hardware; the rings carry on. */
        hw.surprise++;
        hw.tx_path = NAE_PATH_SW;
    }
    return hw.tx_path;
}

static void
hw_dump_counters(void)
{
    fprintf(stderr, "nae-guestd: path %s%s, switches %"PRIu64", refused "
            "%"PRIu64", surprise_removals %"PRIu64", vf_tx %"PRIu64", "
            "vf_rx %"PRIu64", vf_tx_errors %"PRIu64", max_hold_ms %.3f\n",
            hw.tx_path == NAE_PATH_HW ? "hw" : "sw",
            hw.switching ? " (switching)" : "", hw.switches, hw.refused,
            hw.surprise, hw.vf_tx, hw.vf_rx, hw.vf_tx_errors,
            hw.max_hold * 1e3);
}

/* --- TAP mode ------------------------------------------------------- */

/* A full or vanished TAP queue drops, as a NIC would; counted. */
static uint64_t tap_drops;

static void
tap_write(int tap_fd, const struct iovec *iov, int n_iov)
{
    if (writev(tap_fd, iov, n_iov) < 0) {
        tap_drops++;
    }
}

/* Moves frames from the device's rings to the TAP interface, at most
 * 'limit[c]' from channel 'c' if 'limit' is nonnull.  Returns how many;
 * sets '*more' if frames are left. */
static int
tap_from_rings(struct nae_guest *g, int tap_fd, const uint32_t *limit,
               bool *more)
{
    int n = 0;

    *more = false;
    for (int c = 0; c < g->n_chans; c++) {
        uint32_t max = limit ? limit[c] : UINT32_MAX;
        struct iovec iov[2];
        int before = n;

        for (uint32_t k = 0; k < max && n < 4 * BURST
                             && nae_guest_rx_peek(g, c, iov); k++) {
            tap_write(tap_fd, iov, 2);
            nae_guest_rx_release(g, c);
            n++;
        }
        if (n != before) {
            nae_guest_rx_flush(g, c);
        }
        if (nae_guest_rx_pending(g, c)) {
            *more = true;
        }
    }
    return n;
}

/* Moves at most 'max' frames from the VF to the TAP interface. */
static int
tap_from_vf(int tap_fd, uint32_t max, bool *more)
{
    static uint8_t frame[NAE_MAX_FRAME_LEN];
    uint32_t n = 0;
    size_t len;

    while (n < max && n < 4 * BURST
           && (len = esw_vf_recv(&hw.vf, frame, sizeof frame))) {
        struct iovec iov = { .iov_base = frame, .iov_len = len };

        tap_write(tap_fd, &iov, 1);
        hw.vf_rx++;
        n++;
    }
    *more = esw_vf_rx_pending(&hw.vf) > 0;
    return n;
}

/* Moves frames from the device, and the VF if any, to the TAP interface.
 * Returns how many.
 *
 * Across a path switch, frames still on the path the switch left are older
 * than any on the path it now uses.  So the old path is emptied first, and
 * of the new one only what had arrived before that: nothing is reordered
 * within a flow. */
static int
tap_from_device(struct nae_guest *g, int tap_fd)
{
    uint32_t snap[NAE_MAX_CHANNELS];
    bool more;
    int n;

    if (!hw.attached) {
        return tap_from_rings(g, tap_fd, NULL, &more);
    }
    if (hw.rx_new == NAE_PATH_SW) {
        for (int c = 0; c < g->n_chans; c++) {
            snap[c] = nae_guest_rx_pending(g, c);
        }
        n = tap_from_vf(tap_fd, UINT32_MAX, &more);
        return more ? n : n + tap_from_rings(g, tap_fd, snap, &more);
    } else {
        uint32_t vf_snap = esw_vf_rx_pending(&hw.vf);

        n = tap_from_rings(g, tap_fd, NULL, &more);
        return more ? n : n + tap_from_vf(tap_fd, vf_snap, &more);
    }
}

/* Moves frames from the TAP interface to the VF.  Returns how many, or -1
 * if its queue is full and frames are left waiting. */
static int
tap_to_vf(int tap_fd)
{
    static uint8_t frame[NAE_MAX_FRAME_LEN];
    int n = 0;

    while (n < BURST) {
        if (!esw_vf_tx_room(&hw.vf)) {
            return -1;
        }
        ssize_t len = read(tap_fd, frame, sizeof frame);
        if (len <= 0) {
            break;
        }
        if (esw_vf_send(&hw.vf, frame, len)) {
            hw.vf_tx_errors++;      /* Oversize, or unplugged just now. */
        } else {
            hw.vf_tx++;
        }
        n++;
    }
    return n;
}

/* Moves frames from the TAP interface to the device, or to the VF when
 * the switch has the port on its hardware path.  Returns how many, or -1
 * if frames are left waiting (a full ring, or a path switch). */
static int
tap_to_device(struct nae_guest *g, int tap_fd)
{
    static uint8_t frame[NAE_MAX_FRAME_LEN];
    bool flush[NAE_MAX_CHANNELS] = { false };
    int n = 0, full = 0;

    if (cfg.vf) {
        int path = hw_tx_path(g, tap_fd);

        if (path < 0) {
            return -1;
        } else if (path == NAE_PATH_HW) {
            return tap_to_vf(tap_fd);
        }
    }
    while (n < BURST) {
        int c = 0;

        /* Do not read a frame we may have no room for. */
        for (int i = 0; i < g->n_chans; i++) {
            if (!nae_guest_tx_room(g, i)) {
                full = 1;
            }
        }
        if (full) {
            break;
        }
        ssize_t len = read(tap_fd, frame, sizeof frame);
        if (len <= 0) {
            break;
        }
        c = nae_guest_pick_chan(g, frame, len);
        if (!nae_guest_tx(g, c, frame, len)) {
            flush[c] = true;
        }
        n++;
    }
    for (int c = 0; c < g->n_chans; c++) {
        if (flush[c]) {
            nae_guest_tx_flush(g, c);
        }
    }
    return full ? -1 : n;
}

static int
run_tap(void)
{
    int tap_fd = guest_tap_open(cfg.tap);
    struct nae_guest g;
    bool connected = false;
    double next_try = 0;

    if (tap_fd < 0) {
        return EXIT_FAILURE;
    }
    memset(&g, 0, sizeof g);

    while (!stop) {
        if (!connected) {
            static uint8_t discard[NAE_MAX_FRAME_LEN];

            /* Frames sent while the switch is away are lost, as on a NIC
             * without link. */
            while (read(tap_fd, discard, sizeof discard) > 0) {
                continue;
            }
            if (now() >= next_try) {
                int error = nae_guest_open(&g, cfg.socket, &cfg.gopts);

                if (!error) {
                    connected = true;
                    hw_session_reset();
                    guest_tap_configure(cfg.tap, g.mac, g.mtu);
                    fprintf(stderr, "nae-guestd: connected to %s: %d "
                            "channel(s), features 0x%"PRIx64"\n", cfg.socket,
                            g.n_chans, g.chans[0].features);
                } else {
                    next_try = now() + 0.2;
                }
            }
            if (!connected) {
                usleep(50 * 1000);
                continue;
            }
        }

        int moved = tap_from_device(&g, tap_fd);
        int sent = tap_to_device(&g, tap_fd);

        if (nae_guest_poll_ctl(&g)) {
            fprintf(stderr, "nae-guestd: switch went away; reconnecting\n");
            nae_guest_close(&g);
            connected = false;
            continue;
        }
        if (g.path_event_new) {
            g.path_event_new = false;
            hw_path_event(&g);
        }
        if (dump_counters) {
            dump_counters = 0;
            fprintf(stderr, "nae-guestd: tx %"PRIu64" tx_errors %"PRIu64
                    " rx %"PRIu64" rx_errors %"PRIu64" tap_drops %"PRIu64
                    "\n", g.stats.tx_packets, g.stats.tx_errors,
                    g.stats.rx_packets, g.stats.rx_errors, tap_drops);
            if (cfg.vf) {
                hw_dump_counters();
            }
        }
        if (g.needs_reset && nae_guest_reset(&g)) {
            nae_guest_close(&g);
            connected = false;
            continue;
        }
        if (moved || sent > 0) {
            continue;
        }

        /* Idle: arm interrupts and sleep, unless frames slipped in. */
        struct pollfd pfds[2 + NAE_MAX_CHANNELS];
        /* A VF has no interrupt line here: poll it. */
        int n_pfds = 0, timeout = sent < 0 || hw.attached ? 1 : 100;
        bool pending = false;

        pfds[n_pfds++] = (struct pollfd) { .fd = g.sock, .events = POLLIN };
        if (sent >= 0) {
            pfds[n_pfds++] = (struct pollfd) { .fd = tap_fd,
                                               .events = POLLIN };
        }
        for (int c = 0; c < g.n_chans; c++) {
            if (g.chans[c].rx.irq_fd < 0) {
                timeout = 1;        /* No interrupts: poll the rings. */
            } else if (!nae_guest_rx_arm(&g, c)) {
                pending = true;
            } else {
                pfds[n_pfds++] = (struct pollfd) {
                    .fd = g.chans[c].rx.irq_fd, .events = POLLIN };
            }
        }
        if (!pending) {
            poll(pfds, n_pfds, timeout);
        }
        for (int c = 0; c < g.n_chans; c++) {
            nae_guest_rx_disarm(&g, c);
            nae_guest_irq_drain(&g, c);
        }
    }

    if (connected) {
        nae_guest_close(&g);
    }
    close(tap_fd);
    return EXIT_SUCCESS;
}

/* --- Generator modes ------------------------------------------------ */

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
    uint64_t tx = 0, rx = 0, tx_full = 0;
    struct nae_guest g, peer;
    struct nae_guest *rx_dev = &g;
    double start, end;
    int error;

    error = nae_guest_open(&g, cfg.socket, &cfg.gopts);
    if (error) {
        fprintf(stderr, "nae-guestd: %s: %s\n", cfg.socket, strerror(error));
        return EXIT_FAILURE;
    }
    if (cfg.mode == MODE_LOOP) {
        error = nae_guest_open(&peer, cfg.peer_socket, &cfg.gopts);
        if (error) {
            fprintf(stderr, "nae-guestd: %s: %s\n", cfg.peer_socket,
                    strerror(error));
            nae_guest_close(&g);
            return EXIT_FAILURE;
        }
        rx_dev = &peer;
    }
    for (unsigned int i = 0; i < n_frames; i++) {
        build_udp_frame(frames[i], cfg.pkt_size, g.mac, i);
    }

    start = now();
    end = cfg.duration > 0 ? start + cfg.duration : 0;
    double counting = cfg.warmup > 0 ? start + cfg.warmup : 0;
    for (uint64_t iter = 0; !stop; iter++) {
        if (cfg.mode == MODE_TXONLY || cfg.mode == MODE_LOOP) {
            tx += gen_send(&g, frames, n_frames, tx, &tx_full);
        }
        if (cfg.mode != MODE_TXONLY) {
            rx += gen_receive(rx_dev, &tx);
        }
        if (!(iter & 0xfff)) {
            double t = now();

            if (counting && t >= counting) {
                /* Warm-up over: count from here. */
                tx = rx = tx_full = 0;
                start = t;
                counting = 0;
            }
            if (end && t >= end) {
                break;
            }
            if (nae_guest_poll_ctl(&g)
                || (rx_dev != &g && nae_guest_poll_ctl(rx_dev))) {
                fprintf(stderr, "nae-guestd: switch went away\n");
                break;
            }
        }
    }
    double secs = now() - start;

    printf("mode=%s pkt_size=%u seconds=%.3f tx_packets=%"PRIu64
           " rx_packets=%"PRIu64" tx_ring_full=%"PRIu64
           " tx_pps=%.0f rx_pps=%.0f\n", mode_name(),
           cfg.pkt_size, secs, tx, rx, tx_full, tx / secs, rx / secs);
    fflush(stdout);
    if (rx_dev != &g) {
        nae_guest_close(rx_dev);
    }
    nae_guest_close(&g);
    return EXIT_SUCCESS;
}

/* --- Hostile modes -------------------------------------------------- */

/* Queues a descriptor exactly as given, bypassing every driver check. */
static void
raw_tx(struct nae_guest *g, uint64_t header_addr, uint16_t header_len,
       uint64_t data_addr, uint16_t length, uint16_t command)
{
    struct nae_guest_chan *c = &g->chans[0];
    struct nae_desc *d = &c->tx.desc[c->tx.tail & c->tx.mask];

    d->header_addr = header_addr;
    d->header_len = header_len;
    d->data_addr = data_addr;
    d->length = length;
    d->command = command;
    d->status = NAE_DESC_PENDING;
    c->tx.tail++;
}

/* Waits until the switch has completed every queued tx descriptor of
 * channel 0 and returns how many completed with 'status'. */
static int
wait_tx_status(struct nae_guest *g, uint32_t from, uint32_t status)
{
    struct nae_guest_chan *c = &g->chans[0];
    double deadline = now() + 5;
    int n = 0;

    while (__atomic_load_n(&c->tx.device->head, __ATOMIC_ACQUIRE)
           != c->tx.tail && now() < deadline) {
        usleep(1000);
    }
    for (uint32_t i = from; i != c->tx.tail; i++) {
        n += c->tx.desc[i & c->tx.mask].status == status;
    }
    c->tx.done = __atomic_load_n(&c->tx.device->head, __ATOMIC_ACQUIRE);
    return n;
}

/* Sends one good frame and checks that the switch took it. */
static bool
still_works(struct nae_guest *g)
{
    uint8_t frame[64];
    uint32_t from = g->chans[0].tx.tail;

    build_udp_frame(frame, sizeof frame, g->mac, 0);
    if (nae_guest_tx(g, 0, frame, sizeof frame)) {
        return false;
    }
    nae_guest_tx_flush(g, 0);
    return wait_tx_status(g, from, NAE_DESC_DONE) == 1;
}

static int
expect(const char *what, bool ok)
{
    printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}

static int
expect_refused(struct nae_guest *g, const char *what, uint32_t type,
               uint32_t offset, uint32_t width, uint64_t value, int fd,
               int want)
{
    struct nae_msg msg = {
        .type = type,
        .u.cfg = { .offset = offset, .width = width, .value = value },
    };
    struct nae_msg reply;
    int error = nae_guest_request(g, &msg, fd, &reply);
    int got = error ? -error : reply.u.reply.error;

    printf("%s: refused with %s, want %s: %s\n", what,
           got ? strerror(got > 0 ? got : -got) : "nothing (accepted)",
           strerror(want), got == want ? "ok" : "FAILED");
    return got == want ? 0 : 1;
}

static int
hostile_bad_config(struct nae_guest *g)
{
    int fails = 0, pipefd[2];

#define REFUSE(WHAT, OFF, W, V, WANT) \
    fails += expect_refused(g, WHAT, NAE_MSG_CFG_WRITE, OFF, W, V, -1, WANT)
    REFUSE("write to unaligned offset", 0x1, 2, 0, EINVAL);
    REFUSE("write past config space", 0x1000, 8, 0, EINVAL);
    REFUSE("wrong width for q_sel", NAE_CFG_Q_SEL, 8, 0, EINVAL);
    REFUSE("write to read-only dev_mac", NAE_CFG_DEV_MAC, 8, 0, EPERM);
    REFUSE("write to read-only q_num", NAE_CFG_Q_NUM, 2, 16, EPERM);
    REFUSE("q_sel beyond q_num", NAE_CFG_Q_SEL, 2, 999, EINVAL);
    REFUSE("dev_start=7", NAE_CFG_DEV_START, 2, 7, EINVAL);
    REFUSE("ring change while running", NAE_CFG_Q_TX_DMA, 8, 0, EBUSY);
#undef REFUSE
    fails += expect_refused(g, "read at bad offset", NAE_MSG_CFG_READ,
                            0x3, 2, 0, -1, EINVAL);
    fails += expect_refused(g, "unknown message type", 99, 0, 0, 0, -1,
                            EPROTO);
    if (!pipe(pipefd)) {
        struct nae_msg msg = { .type = NAE_MSG_SET_IRQ_FD,
                               .u.irq = { .line = 0 } };
        struct nae_msg reply;

        nae_guest_request(g, &msg, pipefd[1], &reply);
        fails += expect("pipe as interrupt eventfd refused",
                        reply.u.reply.error == EINVAL);
        close(pipefd[0]);
        close(pipefd[1]);
    }
    {
        /* Memory the guest could truncate under the switch. */
        int fd = memfd_create("unsealed", MFD_CLOEXEC);
        struct nae_msg msg = { .type = NAE_MSG_MEM_REGION };
        struct nae_msg reply;

        if (fd >= 0 && !ftruncate(fd, 65536)) {
            msg.u.region.guest_addr = 0x10000;
            msg.u.region.size = 65536;
            nae_guest_cfg_write(g, NAE_CFG_DEV_START, 2, 0);
            nae_guest_request(g, &msg, fd, &reply);
            fails += expect("unsealed memory region refused",
                            reply.u.reply.error == EPERM);
            msg.u.region.guest_addr = NAE_GUEST_MEM_BASE + 4096;
            nae_guest_request(g, &msg, fd, &reply);
            fails += expect("overlapping memory region refused",
                            reply.u.reply.error == EINVAL);
            close(fd);
        }

        /* 64 GiB the guest never touches: each page the switch would copy
         * from would be allocated, and charged, on the switch's side. */
        fd = memfd_create("sparse", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd >= 0 && !ftruncate(fd, 64ULL << 30)
            && !fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW)) {
            msg.u.region.guest_addr = 1ULL << 48;
            msg.u.region.size = 64ULL << 30;
            msg.u.region.offset = 0;
            nae_guest_request(g, &msg, fd, &reply);
            fails += expect("64 GiB sparse memory region refused",
                            reply.u.reply.error == EFBIG);
        }
        if (fd >= 0) {
            close(fd);
        }

        /* Rings outside guest memory must not start. */
        uint64_t good;
        nae_guest_cfg_read(g, NAE_CFG_Q_TX_DMA, 8, &good);
        nae_guest_cfg_write(g, NAE_CFG_Q_TX_DMA, 8, 0xdead0000);
        fails += expect_refused(g, "start with ring outside memory",
                                NAE_MSG_CFG_WRITE, NAE_CFG_DEV_START, 2, 1,
                                -1, EINVAL);
        nae_guest_cfg_write(g, NAE_CFG_Q_TX_DMA, 8, good);
        fails += expect("device restarts with good rings",
                        !nae_guest_reset(g));
    }
    fails += expect("device still works", still_works(g));
    return fails;
}

/* The interrupt attack: keep the switch's end of every rx interrupt
 * socket, clear O_NONBLOCK on it (status flags belong to the open file
 * description the switch shares), shrink its send buffer to the minimum,
 * never drain our end, and re-arm after
 * every burst for --duration seconds (default 3) while consuming frames.
 * A switch that signalled with a call that honours the file's flags would
 * freeze the PMD thread serving this port, then every other port. */
static int
hostile_irq_block(struct nae_guest *g)
{
    double deadline = now() + (cfg.duration > 0 ? cfg.duration : 3);
    int fails = 0, kept[NAE_MAX_CHANNELS];
    uint64_t frames = 0;

    if (!(g->chans[0].features & NAE_F_NOTIFY)) {
        return expect("interrupts negotiated", false);
    }
    nae_guest_cfg_write(g, NAE_CFG_DEV_START, 2, 0);
    for (int c = 0; c < g->n_chans; c++) {
        struct nae_msg msg = { .type = NAE_MSG_SET_IRQ_FD,
                               .u.irq = { .line = 2 * c } };
        struct nae_msg reply;
        int sv[2], efd = eventfd(0, 0);

        nae_guest_request(g, &msg, efd, &reply);
        close(efd);
        fails += expect("eventfd as interrupt line refused",
                        reply.u.reply.error == EINVAL);
        if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv)) {
            return fails + expect("socketpair", false);
        }
        nae_guest_request(g, &msg, sv[1], &reply);
        fails += expect("interrupt socket accepted", !reply.u.reply.error);
        /* Blocking, and full after a few signals: the send buffer is the
         * switch's end's, which we share too. */
        int tiny = 1;
        fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL) & ~O_NONBLOCK);
        setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &tiny, sizeof tiny);
        kept[c] = sv[1];
        close(g->chans[c].rx.irq_fd);
        g->chans[c].rx.irq_fd = sv[0];
    }
    fails += expect("device restarts", !nae_guest_reset(g));

    while (now() < deadline) {
        for (int c = 0; c < g->n_chans; c++) {
            struct iovec iov[2];

            while (nae_guest_rx_peek(g, c, iov)) {
                nae_guest_rx_release(g, c);
                frames++;
            }
            nae_guest_rx_flush(g, c);
            __atomic_store_n(&g->chans[c].rx.driver->irq_armed, 1,
                             __ATOMIC_SEQ_CST);
        }
        usleep(1000);
    }
    printf("frames received while refusing interrupts: %"PRIu64"\n", frames);
    fails += expect("the switch kept delivering", frames > 0);
    for (int c = 0; c < g->n_chans; c++) {
        close(kept[c]);
    }
    return fails;
}

/* Connects a raw control socket to the port, or returns -1. */
static int
churn_connect(void)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

    if (fd < 0 || strlen(cfg.socket) >= sizeof sun.sun_path) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    strcpy(sun.sun_path, cfg.socket);
    if (connect(fd, (struct sockaddr *) &sun, sizeof sun)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends a record of 'len' bytes of junk carrying 'n_fds' descriptors of
 * ours (memfds, sealed or not, an eventfd, a pipe). */
static void
churn_send_junk(int sock, size_t len, int n_fds)
{
    union {
        struct cmsghdr cm;
        char buf[CMSG_SPACE(sizeof(int) * 4)];
    } cmsgbuf;
    uint8_t junk[64];
    struct iovec iov = { .iov_base = junk, .iov_len = len };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    int fds[4], pipefd[2] = { -1, -1 };

    for (size_t i = 0; i < sizeof junk; i++) {
        junk[i] = random();
    }
    n_fds = n_fds > 4 ? 4 : n_fds;
    for (int i = 0; i < n_fds; i++) {
        switch (i) {
        case 0: fds[i] = memfd_create("churn", MFD_CLOEXEC); break;
        case 1: fds[i] = eventfd(0, EFD_CLOEXEC); break;
        case 2:
            if (!pipe(pipefd)) {
                fds[i] = pipefd[0];
            } else {
                fds[i] = eventfd(0, EFD_CLOEXEC);
            }
            break;
        default: fds[i] = memfd_create("churn", MFD_CLOEXEC); break;
        }
    }
    if (n_fds) {
        memset(&cmsgbuf, 0, sizeof cmsgbuf);
        mh.msg_control = &cmsgbuf;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
    }
    if (sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
        /* Refused, or the switch hung up first: either is fine. */
    }
    for (int i = 0; i < n_fds; i++) {
        close(fds[i]);
    }
    if (pipefd[1] >= 0) {
        close(pipefd[1]);
    }
}

/* The soak test's hostile guest: for --duration seconds (default 10),
 * every few milliseconds one of: connect and hang up; a garbage record; an
 * empty record carrying descriptors; a whole device brought up (memory,
 * rings, interrupt sockets) and dropped without a stop; an interrupt line
 * it makes blocking and never drains.  Exits 0 when the time is up: what
 * it tests is that nobody else noticed. */
static int
run_churn(void)
{
    double deadline = now() + (cfg.duration > 0 ? cfg.duration : 10);
    uint64_t rounds = 0, sessions = 0;

    srandom(getpid());
    while (now() < deadline) {
        int sock, kind = random() % 5;

        rounds++;
        if (kind == 3) {
            struct nae_guest g;

            if (!nae_guest_open(&g, cfg.socket, &cfg.gopts)) {
                sessions++;
                for (int c = 0; c < g.n_chans && c < NAE_MAX_CHANNELS; c++) {
                    if (g.chans[c].rx.irq_fd >= 0) {
                        /* Its end of the line; ours would be the switch's
                         * had we kept it (see --hostile=irq-block). */
                        __atomic_store_n(&g.chans[c].rx.driver->irq_armed,
                                         1, __ATOMIC_RELAXED);
                    }
                }
            }
            nae_guest_close(&g);
        } else if ((sock = churn_connect()) >= 0) {
            if (kind == 1) {
                churn_send_junk(sock, 1 + random() % 63, 0);
            } else if (kind == 2) {
                churn_send_junk(sock, 0, 1 + random() % 4);
            } else if (kind == 4) {
                churn_send_junk(sock, sizeof(struct nae_msg), 2);
            }
            close(sock);
        }
        usleep(1000 + random() % 4000);
    }
    printf("churn: %"PRIu64" rounds, %"PRIu64" sessions accepted\n", rounds,
           sessions);
    return EXIT_SUCCESS;
}

static int
run_hostile(void)
{
    if (!strcmp(cfg.hostile, "churn")) {
        return run_churn();
    }

    struct nae_guest g;
    int fails = 0;
    int error = nae_guest_open(&g, cfg.socket, &cfg.gopts);

    if (error) {
        fprintf(stderr, "nae-guestd: %s: %s\n", cfg.socket, strerror(error));
        return EXIT_FAILURE;
    }

    struct nae_guest_chan *c = &g.chans[0];
    uint32_t from = c->tx.tail;
    uint64_t good = c->tx.bufs_gpa;

    if (!strcmp(cfg.hostile, "out-of-region")) {
        raw_tx(&g, 0, 0, 0xdead0000, 64, 0);              /* Unmapped. */
        raw_tx(&g, 0, 0, NAE_GUEST_MEM_BASE - 32, 64, 0); /* Straddles. */
        raw_tx(&g, 0, 0, NAE_GUEST_MEM_BASE + g.mem_size - 10, 64, 0);
        raw_tx(&g, 0, 0, UINT64_MAX - 8, 64, 0);          /* Wraps. */
        raw_tx(&g, 0xbad00000, 14, good, 64, 0);          /* Bad header. */
        nae_guest_tx_flush(&g, 0);
        fails += expect("5 out-of-region descriptors refused",
                        wait_tx_status(&g, from, NAE_DESC_ERR_ADDR) == 5);
    } else if (!strcmp(cfg.hostile, "oversize")) {
        raw_tx(&g, 0, 0, good, 9000, 0);                  /* Over MTU. */
        raw_tx(&g, 0, 0, good, UINT16_MAX, 0);            /* Way over. */
        raw_tx(&g, 0, 0, good, 4, 0);                     /* Runt. */
        nae_guest_tx_flush(&g, 0);
        fails += expect("3 bad lengths refused",
                        wait_tx_status(&g, from, NAE_DESC_ERR_LEN) == 3);
        from = c->tx.tail;
        raw_tx(&g, 0, 0, good, 64, 0x7);                  /* Bad command. */
        nae_guest_tx_flush(&g, 0);
        fails += expect("unknown command refused",
                        wait_tx_status(&g, from, NAE_DESC_ERR_CMD) == 1);
    } else if (!strcmp(cfg.hostile, "wrapped-index")) {
        double deadline = now() + 5;

        __atomic_store_n(&c->tx.driver->tail, c->tx.tail + c->tx.mask + 9,
                         __ATOMIC_RELEASE);
        while (!g.needs_reset && now() < deadline) {
            if (nae_guest_poll_ctl(&g)) {
                break;
            }
            usleep(10000);
        }
        fails += expect("switch asked for a reset", g.needs_reset);
        fails += expect("reset accepted", !nae_guest_reset(&g));
    } else if (!strcmp(cfg.hostile, "bad-config")) {
        fails += hostile_bad_config(&g);
    } else if (!strcmp(cfg.hostile, "irq-block")) {
        fails += hostile_irq_block(&g);
    } else if (!strcmp(cfg.hostile, "bad-frame")) {
        char junk[5] = "junk";
        double deadline = now() + 5;
        int gone = 0;

        send(g.sock, junk, sizeof junk, MSG_NOSIGNAL);
        while (!gone && now() < deadline) {
            gone = nae_guest_poll_ctl(&g) == ECONNRESET;
            usleep(10000);
        }
        fails += expect("switch dropped the session", gone);
        nae_guest_close(&g);
        return fails ? EXIT_FAILURE : EXIT_SUCCESS;
    } else {
        fprintf(stderr, "nae-guestd: unknown --hostile kind %s\n",
                cfg.hostile);
        nae_guest_close(&g);
        return EXIT_FAILURE;
    }
    if (strcmp(cfg.hostile, "bad-config")) {
        fails += expect("device still works", still_works(&g));
    }
    nae_guest_close(&g);
    return fails ? EXIT_FAILURE : EXIT_SUCCESS;
}

int
main(int argc, char *argv[])
{
    struct sigaction sa = { .sa_handler = on_signal };

    parse_options(argc, argv);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (cfg.pidfile) {
        FILE *f = fopen(cfg.pidfile, "w");

        if (!f) {
            fprintf(stderr, "nae-guestd: %s: %s\n", cfg.pidfile,
                    strerror(errno));
            return EXIT_FAILURE;
        }
        fprintf(f, "%ld\n", (long) getpid());
        fclose(f);
    }

    int status = (cfg.hostile ? run_hostile()
                  : cfg.mode == MODE_TAP ? run_tap()
                  : run_generator());
    if (cfg.pidfile) {
        unlink(cfg.pidfile);
    }
    return status;
}
