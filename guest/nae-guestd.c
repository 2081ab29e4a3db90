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
 * It exposes the device as a TAP interface in the network namespace it
 * runs in, so unmodified programs use it, and reconnects by itself when
 * the switch goes away.  With --vf the TAP interface is backed by a VF of
 * the emulated NIC as well, and the daemon follows the switch's moves
 * between VF and rings (see "Hardware path" below).  On each arrival on a
 * port it announces the guest's MAC as QEMU does a VM's, and told so on
 * its control socket it moves to another port without losing a frame,
 * keeping its TAP interface (see "Moving" below).  The rings' packet
 * generator for benchmarks is utilities/nae-gen.c; the misbehaving guest
 * for tests is tests/nae-hostile.c. */

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
#include <linux/virtio_net.h>

#include "esw-vf-guest.h"
#include "guest-move.h"
#include "guest-tap.h"
#include "nae-failover.h"
#include "nae-guest.h"

#define BURST 32

static struct {
    const char *socket;
    const char *tap;
    const char *pidfile;
    const char *control;        /* Control socket, or NULL. */
    const char *move_to;        /* Client mode: ask the daemon to move. */
    bool vf;                    /* Follow the switch onto VFs. */
    bool no_offload;            /* No checksum or TSO offload. */
    struct nae_guest_options gopts;
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
           "  --tap=NAME          TAP interface to create (default: nae0)\n"
           "  --channels=N        channels to use (default: all offered)\n"
           "  --ring-size=N       descriptors per ring (default: 1024)\n"
           "  --no-split          do not negotiate split header buffers\n"
           "  --no-notify         do not negotiate interrupts (poll)\n"
           "  --no-offload        do not negotiate checksum offload and "
           "TSO\n"
           "  --vf                also drive the VF the switch hands over "
           "with its\n"
           "                      path events, and follow it between the "
           "VF and the rings\n"
           "  --control=PATH      take commands (\"move SOCKET\") on a "
           "Unix socket\n"
           "  --control=PATH --move=SOCKET\n"
           "                      tell the daemon on PATH to move to another "
           "port's socket\n"
           "  --pidfile=FILE\n");
}

static void
parse_options(int argc, char *argv[])
{
    static const struct option long_options[] = {
        {"socket", required_argument, NULL, 's'},
        {"tap", required_argument, NULL, 't'},
        {"channels", required_argument, NULL, 'c'},
        {"ring-size", required_argument, NULL, 'r'},
        {"no-split", no_argument, NULL, 'S'},
        {"no-notify", no_argument, NULL, 'N'},
        {"no-offload", no_argument, NULL, 'O'},
        {"pidfile", required_argument, NULL, 'P'},
        {"vf", no_argument, NULL, 'V'},
        {"control", required_argument, NULL, 'C'},
        {"move", required_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };

    cfg.tap = "nae0";
    cfg.gopts.features = NAE_F_ALL & ~NAE_F_HW_PATH;

    for (;;) {
        int c = getopt_long(argc, argv, "", long_options, NULL);

        if (c == -1) {
            break;
        }
        switch (c) {
        case 's': cfg.socket = optarg; break;
        case 't': cfg.tap = optarg; break;
        case 'c': cfg.gopts.n_channels = atoi(optarg); break;
        case 'r': cfg.gopts.ring_size = atoi(optarg); break;
        case 'S': cfg.gopts.features &= ~NAE_F_SPLIT_HEADER; break;
        case 'N': cfg.gopts.features &= ~NAE_F_NOTIFY; break;
        case 'O': cfg.no_offload = true; break;
        case 'P': cfg.pidfile = optarg; break;
        case 'C': cfg.control = optarg; break;
        case 'M': cfg.move_to = optarg; break;
        case 'V':
            cfg.vf = true;
            cfg.gopts.features |= NAE_F_HW_PATH;
            break;
        case 'h':
            usage();
            exit(EXIT_SUCCESS);
        default:
            exit(EXIT_FAILURE);
        }
    }
    if (cfg.no_offload || cfg.vf || cfg.control) {
        /* The emulated VF takes no offloads: a TAP that handed over large
         * frames could not follow the switch onto it.  Nor do the frames a
         * move holds (guest-move.h) keep theirs. */
        cfg.no_offload = true;
        cfg.gopts.features &= ~(NAE_F_CSUM | NAE_F_TSO);
    }
    if (!cfg.gopts.ring_size) {
        /* The kernel hands a TAP reader bursts of TCP segments; a deeper
         * ring rides them out without drops. */
        cfg.gopts.ring_size = 1024;
    }
    if (cfg.move_to) {
        if (!cfg.control) {
            fprintf(stderr, "nae-guestd: --move needs --control\n");
            exit(EXIT_FAILURE);
        }
        return;
    }
    if (!cfg.socket) {
        fprintf(stderr, "nae-guestd: --socket is required\n");
        exit(EXIT_FAILURE);
    }
}

/* --- Hardware path (--vf) ------------------------------------------ */

/* The VF the switch may move the port's traffic to, bonded with the
 * device's rings into one TAP interface by the failover mechanism of the
 * guest library (nae-failover.h), which drives the VF through its ops. */
static struct {
    struct esw_vf_guest vf;
    struct nae_failover fo;
    uint64_t vf_tx, vf_rx, vf_tx_errors;
} hw;

static int tap_from_vf(int tap_fd, uint32_t max, bool *more);

/* Delivers everything the VF received for us, before it goes. */
static void
hw_drain_vf(void *tap_fd_)
{
    int tap_fd = *(int *) tap_fd_;
    bool more = true;

    while (more) {
        tap_from_vf(tap_fd, UINT32_MAX, &more);
    }
}

static void
hw_dump_counters(void)
{
    nae_failover_print(&hw.fo, stderr, "nae-guestd");
    fprintf(stderr, ", vf_tx %"PRIu64", vf_rx %"PRIu64", vf_tx_errors %"
            PRIu64"\n", hw.vf_tx, hw.vf_rx, hw.vf_tx_errors);
}

/* --- TAP mode ------------------------------------------------------- */

/* A full or vanished TAP queue drops, as a NIC would; counted. */
static uint64_t tap_drops;

/* Frames the TAP handed over that the device cannot carry (larger than
 * its buffers, or offloads it did not negotiate); counted. */
static uint64_t tap_refused;

/* Whether the TAP carries virtio-net headers (guest_tap_open_vnet()): the
 * kernel's checksum and TSO offloads, mapped to the device's. */
static bool tap_vnet;

/* Largest frame a TAP read can return; a longer one would be cut. */
#define TAP_MAX_FRAME (NAE_MAX_TSO_FRAME + 512)

static void
tap_write(int tap_fd, const struct virtio_net_hdr *vh,
          const struct iovec *iov, int n_iov)
{
    static const struct virtio_net_hdr none;
    struct iovec all[3];
    int n = 0;

    if (tap_vnet) {
        all[n++] = (struct iovec) { .iov_base = (void *) (vh ? vh : &none),
                                    .iov_len = sizeof *vh };
    }
    for (int i = 0; i < n_iov; i++) {
        all[n++] = iov[i];
    }
    if (writev(tap_fd, all, n) < 0) {
        tap_drops++;
    }
}

/* Reads one frame from the TAP into 'frame' (room for 'max' bytes) and its
 * virtio-net header, zeroed without one, into '*vh'.  Returns its length,
 * or 0 or -1 if there is none, as read() does. */
static ssize_t
tap_read(int tap_fd, struct virtio_net_hdr *vh, void *frame, size_t max)
{
    memset(vh, 0, sizeof *vh);
    if (!tap_vnet) {
        return read(tap_fd, frame, max);
    }

    struct iovec iov[2] = {
        { .iov_base = vh, .iov_len = sizeof *vh },
        { .iov_base = frame, .iov_len = max },
    };
    ssize_t n = readv(tap_fd, iov, 2);

    if (n < (ssize_t) sizeof *vh) {
        return n < 0 ? n : 0;
    }
    return n - sizeof *vh;
}

/* The device's offloads for a frame the kernel handed over with 'vh'.
 * Returns false for one the device cannot carry (UDP fragmentation
 * offload, say, which we never enable). */
static bool
tap_vnet_to_nae(const struct virtio_net_hdr *vh,
                struct nae_guest_offload *ol)
{
    memset(ol, 0, sizeof *ol);
    if (vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
        ol->command = NAE_CMD_CSUM;
        ol->csum_start = vh->csum_start;
        ol->csum_offset = vh->csum_offset;
    }
    switch (vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
    case VIRTIO_NET_HDR_GSO_NONE:
        return true;
    case VIRTIO_NET_HDR_GSO_TCPV4:
    case VIRTIO_NET_HDR_GSO_TCPV6:
        ol->command |= NAE_CMD_TSO;
        ol->mss = vh->gso_size;
        return (ol->command & NAE_CMD_CSUM) != 0;
    default:
        return false;
    }
}

/* Byte 'ofs' of the frame in 'iov' (header buffer, then data), or 0. */
static uint8_t
frame_byte(const struct iovec iov[2], size_t ofs)
{
    for (int i = 0; i < 2; i++) {
        if (ofs < iov[i].iov_len) {
            return ((const uint8_t *) iov[i].iov_base)[ofs];
        }
        ofs -= iov[i].iov_len;
    }
    return 0;
}

/* The virtio-net header for a frame in 'iov' that the switch delivered
 * with offloads 'ol' left to us: the kernel completes them. */
static void
tap_nae_to_vnet(const struct nae_guest_offload *ol, const struct iovec iov[2],
                struct virtio_net_hdr *vh)
{
    memset(vh, 0, sizeof *vh);
    if (ol->command & NAE_CMD_CSUM) {
        vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        vh->csum_start = ol->csum_start;
        vh->csum_offset = ol->csum_offset;
    }
    if (ol->command & NAE_CMD_TSO) {
        size_t type_ofs = 12;
        uint16_t type;

        type = frame_byte(iov, type_ofs) << 8 | frame_byte(iov, type_ofs + 1);
        if (type == 0x8100 || type == 0x88a8) {
            type_ofs += 4;
            type = (frame_byte(iov, type_ofs) << 8
                    | frame_byte(iov, type_ofs + 1));
        }
        vh->gso_type = (type == 0x86dd ? VIRTIO_NET_HDR_GSO_TCPV6
                        : VIRTIO_NET_HDR_GSO_TCPV4);
        vh->gso_size = ol->mss;
        vh->hdr_len = (ol->csum_start
                       + (frame_byte(iov, ol->csum_start + 12) >> 4) * 4);
    }
}

/* While moving (see "Moving" below) and until 'move_merge_until' after:
 * the merge of the old port's frames ('move_old', while attached) and the
 * new one's. */
static struct guest_merge *move_merge;
static const struct nae_guest *move_old;
static double move_merge_until;
static uint64_t move_copies_dropped;

static void
move_merge_end(void)
{
    struct guest_merge_stats st;

    if (move_merge) {
        guest_merge_get_stats(move_merge, &st);
        move_copies_dropped += st.copies;
        guest_merge_destroy(move_merge);
        move_merge = NULL;
    }
}

/* Whether the frame in 'iov', which 'g' received, goes to the TAP
 * interface now. */
static bool
tap_wants(const struct nae_guest *g, const struct iovec *iov)
{
    if (!move_merge) {
        return true;
    }

    uint64_t hash = guest_frame_hash(iov, 2);

    if (g == move_old) {
        return guest_merge_old(move_merge, hash, now());
    }
    return guest_merge_new(move_merge, iov, 2, hash, now())
           == GUEST_MERGE_DELIVER;
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
            if (tap_wants(g, iov)) {
                struct nae_guest_offload ol;
                struct virtio_net_hdr vh;

                nae_guest_rx_offload(g, c, &ol);
                tap_nae_to_vnet(&ol, iov, &vh);
                tap_write(tap_fd, &vh, iov, 2);
            }
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
           && (len = hw.fo.ops->recv(hw.fo.vf, frame, sizeof frame))) {
        struct iovec iov = { .iov_base = frame, .iov_len = len };

        tap_write(tap_fd, NULL, &iov, 1);
        hw.vf_rx++;
        n++;
    }
    *more = hw.fo.ops->rx_pending(hw.fo.vf) > 0;
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

    if (!hw.fo.attached) {
        return tap_from_rings(g, tap_fd, NULL, &more);
    }
    if (hw.fo.rx_new == NAE_PATH_SW) {
        for (int c = 0; c < g->n_chans; c++) {
            snap[c] = nae_guest_rx_pending(g, c);
        }
        n = tap_from_vf(tap_fd, UINT32_MAX, &more);
        return more ? n : n + tap_from_rings(g, tap_fd, snap, &more);
    } else {
        uint32_t vf_snap = hw.fo.ops->rx_pending(hw.fo.vf);

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
    struct virtio_net_hdr vh;
    int n = 0;

    while (n < BURST) {
        if (!hw.fo.ops->tx_room(hw.fo.vf)) {
            return -1;
        }
        ssize_t len = tap_read(tap_fd, &vh, frame, sizeof frame);
        if (len <= 0) {
            break;
        }
        if (hw.fo.ops->send(hw.fo.vf, frame, len)) {
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
    static uint8_t frame[TAP_MAX_FRAME];
    bool flush[NAE_MAX_CHANNELS] = { false };
    struct nae_guest_offload ol;
    struct virtio_net_hdr vh;
    int n = 0, full = 0;

    if (cfg.vf) {
        int path = nae_failover_tx_path(&hw.fo, g, now(), hw_drain_vf,
                                        &tap_fd);

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
        /* One channel: read straight into its ring, no copy.  A frame
         * that fills the buffer may have been cut: refused. */
        size_t room = sizeof frame;
        uint8_t *buf = (g->n_chans == 1 ? nae_guest_tx_buf(g, 0, &room)
                        : frame);
        if (!buf) {
            full = 1;
            break;
        }
        ssize_t len = tap_read(tap_fd, &vh, buf, room);
        if (len <= 0) {
            break;
        }
        n++;
        if ((size_t) len >= room || !tap_vnet_to_nae(&vh, &ol)) {
            tap_refused++;
            continue;
        }
        c = g->n_chans == 1 ? 0 : nae_guest_pick_chan(g, frame, len);
        if (!(buf == frame
              ? nae_guest_tx_offload(g, c, frame, len,
                                     ol.command ? &ol : NULL)
              : nae_guest_tx_commit(g, c, len, ol.command ? &ol : NULL))) {
            flush[c] = true;
        } else {
            tap_refused++;      /* Too large, or offloads not agreed. */
        }
    }
    for (int c = 0; c < g->n_chans; c++) {
        if (flush[c]) {
            nae_guest_tx_flush(g, c);
        }
    }
    return full ? -1 : n;
}

/* --- Arriving ------------------------------------------------------- */

/* On each arrival on a port, the guest announces its MAC as QEMU does a
 * VM's after migration (qemu_announce_self()'s defaults: 5 RARPs, 50 ms
 * apart and then 100 ms more each time): bridges learn where it is now,
 * and OVN's activation-strategy=rarp lets the new port's traffic through.
 * One may be lost before the switch's flows are ready; hence five. */
#define ANNOUNCE_ROUNDS 5

static struct {
    uint64_t mac;               /* The TAP interface's. */
    int left;                   /* Announcements still to send. */
    double next;                /* When. */
    uint64_t sent;
} announce;

static void
announce_start(uint64_t mac)
{
    announce.mac = mac;
    announce.left = ANNOUNCE_ROUNDS;
    announce.next = now();
}

/* Sends the next announcement on 'g' if it is time.  Returns the seconds
 * until the one after, or a negative number if none is left. */
static double
announce_run(struct nae_guest *g)
{
    uint8_t frame[GUEST_RARP_LEN];
    double t = now();

    if (!announce.left) {
        return -1;
    }
    if (t < announce.next) {
        return announce.next - t;
    }
    size_t len = guest_rarp_frame(frame, announce.mac);
    if (nae_guest_tx_room(g, 0) && !nae_guest_tx(g, 0, frame, len)) {
        nae_guest_tx_flush(g, 0);
        announce.sent++;
    }
    announce.left--;
    announce.next = t + 0.05 + 0.1 * (ANNOUNCE_ROUNDS - 1 - announce.left);
    return announce.left ? announce.next - t : -1;
}

/* --- Moving --------------------------------------------------------- */

/* The process-guest analogue of a VM's live migration: told "move SOCKET"
 * on its control socket, the daemon attaches to the new port while it
 * still runs on the old one.  It stops reading its TAP interface (what the
 * guest sends waits in the TAP queue, the VM's pause), lets the old port
 * take what it queued there, announces itself on the new port, and goes
 * on receiving from the old one until the new one receives: under OVN's
 * multi-chassis binding, when the new chassis has seen the announcement
 * and sends the guest's traffic there too, as copies of what the old one
 * gets; on a learning bridge, at once.  From then on the guest sends on
 * the new port and receives on both, merged (struct guest_merge), until
 * the new port has shown it gets all the guest's traffic: then it
 * delivers what the old port received last, detaches from it, and goes on
 * with the new one, dropping the new port's copies of what the old one
 * delivered.  Nothing the guest sends leaves from the old port after the
 * announcement, or a learning bridge would learn it back there.  The TAP
 * interface, its MAC, addresses and connections stay.  Nothing is lost as
 * long as the switch delivers to one port or the other for the duration,
 * as OVN does while both chassis are in requested-chassis, and the TAP
 * queue holds what the guest sends meanwhile. */
#define MOVE_ACTIVATION_WAIT 3.0    /* s: for the new port to receive. */
#define MOVE_TX_WAIT 0.5            /* s: for the old port to take ours. */
#define MOVE_MERGE_WAIT 2.0         /* s: for the new port to get it all. */
#define MOVE_DEDUP_WAIT 2.0         /* s: for copies still on their way. */

static char *moved_socket;          /* cfg.socket after a move. */

static int tap_to_device(struct nae_guest *, int tap_fd);

static bool
rx_pending_any(struct nae_guest *g)
{
    for (int c = 0; c < g->n_chans; c++) {
        if (nae_guest_rx_pending(g, c)) {
            return true;
        }
    }
    return false;
}

/* Moves from '*g' to the port at 'path'; answers on 'client'. */
static void
move_to_port(struct nae_guest *g, int tap_fd, const char *path, int client)
{
    struct guest_merge_stats st;
    struct nae_guest new;
    double start = now(), activated, merged, waited;
    uint64_t drained = 0, held = 0;
    const void *frame;
    size_t len;
    char reply[4096];
    bool more;
    int error;

    if (cfg.vf) {
        dprintf(client, "error: a guest that drives a VF (--vf) cannot "
                "move\n");
        return;
    }
    memset(&new, 0, sizeof new);
    error = nae_guest_open(&new, path, &cfg.gopts);
    if (error) {
        dprintf(client, "error: %s: %s (still on %s)\n", path,
                strerror(error), cfg.socket);
        return;
    }
    move_merge_end();
    move_merge = guest_merge_create();
    if (!move_merge) {
        nae_guest_close(&new);
        dprintf(client, "error: out of memory (still on %s)\n", cfg.socket);
        return;
    }
    move_old = g;

    /* From here on the TAP queue waits: what the guest sends next leaves
     * from the new port, after the announcement, or a learning switch
     * would learn the guest back on the old one.  First the old port
     * takes what we queued there; it goes on receiving. */
    while (!nae_guest_tx_idle(g) && now() - start < MOVE_TX_WAIT) {
        tap_from_rings(g, tap_fd, NULL, &more);
        poll(NULL, 0, 0);
    }
    waited = now() - start;
    bool tx_left = !nae_guest_tx_idle(g);

    /* Announced on the new port, received on the old one until the new
     * one receives. */
    announce_start(announce.mac);
    bool old_gone = false;
    while (!stop && now() - start - waited < MOVE_ACTIVATION_WAIT) {
        announce_run(&new);
        if (rx_pending_any(&new)) {
            break;
        }
        int moved = tap_from_rings(g, tap_fd, NULL, &more);
        if (nae_guest_poll_ctl(g)) {
            old_gone = true;            /* The old switch went away. */
            break;
        }
        if (!moved) {
            poll(NULL, 0, 1);
        }
    }
    activated = now() - start - waited;

    /* Both receive; the guest sends on the new port. */
    while (!stop && !old_gone && now() - start - waited - activated
                                 < MOVE_MERGE_WAIT
           && !guest_merge_ready(move_merge, now())) {
        int moved = tap_from_rings(g, tap_fd, NULL, &more);

        moved += tap_from_rings(&new, tap_fd, NULL, &more);
        int sent = tap_to_device(&new, tap_fd);

        moved += sent > 0 ? sent : 0;
        announce_run(&new);
        old_gone = nae_guest_poll_ctl(g);
        if (!moved) {
            poll(NULL, 0, 1);
        }
    }
    merged = now() - start - waited - activated;

    /* What the old port received last, then what the new one kept. */
    do {
        drained += tap_from_rings(g, tap_fd, NULL, &more);
    } while (more);
    nae_guest_close(g);
    *g = new;
    move_old = NULL;
    guest_merge_leave(move_merge);
    while (guest_merge_next(move_merge, &frame, &len)) {
        struct iovec iov = { .iov_base = (void *) frame, .iov_len = len };

        tap_write(tap_fd, NULL, &iov, 1);
        held++;
    }
    move_merge_until = now() + MOVE_DEDUP_WAIT;
    nae_failover_session_reset(&hw.fo);
    if (new.mac != announce.mac) {
        fprintf(stderr, "nae-guestd: %s offers MAC %012"PRIx64"; the TAP "
                "interface keeps %012"PRIx64"\n", path, new.mac,
                announce.mac);
    }

    guest_merge_get_stats(move_merge, &st);
    snprintf(reply, sizeof reply, "ok: moved from %s to %s in %.1f ms (the "
             "old port took our last frames in %.1f ms%s; the new one "
             "received %.1f ms after our announcement; both received for "
             "%.1f ms%s; frames: %"PRIu64" from the old "
             "port, %"PRIu64" of them at the end, %"PRIu64" held from the "
             "new one, %"PRIu64" copies dropped, %"PRIu64" the new one "
             "had no copy of in time)\n", cfg.socket, path,
             (now() - start) * 1e3, waited * 1e3,
             tx_left ? ", not all" : "", activated * 1e3, merged * 1e3,
             st.full ? ", until the merge was full"
             : old_gone ? ", until the old switch went away"
             : merged >= MOVE_MERGE_WAIT ? ", the longest we wait" : "",
             st.old_frames, drained, held, st.copies, st.missed);
    fputs(reply + 4, stderr);
    if (write(client, reply, strlen(reply)) < 0) {
        /* The asker went away; the move stands. */
    }
    free(moved_socket);
    moved_socket = strdup(path);
    if (moved_socket) {
        cfg.socket = moved_socket;
    }
}

/* Serves the control socket: one command per connection. */
static void
control_run(int ctl_fd, struct nae_guest *g, bool connected, int tap_fd)
{
    char cmd[1024];
    int client = accept4(ctl_fd, NULL, NULL, SOCK_CLOEXEC);

    if (client < 0) {
        return;
    }
    if (guest_control_read(client, cmd, sizeof cmd, 1000)) {
        dprintf(client, "error: no command\n");
    } else if (!strncmp(cmd, "move ", 5) && cmd[5]) {
        if (!connected) {
            dprintf(client, "error: not attached to a port\n");
        } else {
            move_to_port(g, tap_fd, cmd + 5, client);
        }
    } else {
        dprintf(client, "error: unknown command \"%s\" (known: move "
                "SOCKET)\n", cmd);
    }
    close(client);
}

static int
run_tap(void)
{
    int tap_fd = (cfg.no_offload ? guest_tap_open(cfg.tap)
                  : guest_tap_open_vnet(cfg.tap));
    struct nae_guest g;
    bool connected = false;
    double next_try = 0, next_ctl = 0;
    int ctl_fd = -1;

    if (tap_fd < 0) {
        return EXIT_FAILURE;
    }
    tap_vnet = !cfg.no_offload;
    if (cfg.control) {
        ctl_fd = guest_control_listen(cfg.control);
        if (ctl_fd < 0) {
            fprintf(stderr, "nae-guestd: %s: %s\n", cfg.control,
                    strerror(-ctl_fd));
            close(tap_fd);
            return EXIT_FAILURE;
        }
    }
    memset(&g, 0, sizeof g);

    while (!stop) {
        if (!connected) {
            static uint8_t discard[TAP_MAX_FRAME];
            struct virtio_net_hdr vh;

            /* Frames sent while the switch is away are lost, as on a NIC
             * without link. */
            while (tap_read(tap_fd, &vh, discard, sizeof discard) > 0) {
                continue;
            }
            if (now() >= next_try) {
                int error = nae_guest_open(&g, cfg.socket, &cfg.gopts);

                if (!error) {
                    connected = true;
                    nae_failover_session_reset(&hw.fo);
                    /* A guest that moved keeps its MAC, as a migrated VM
                     * does, whatever its new port offers. */
                    uint64_t mac = moved_socket ? announce.mac : g.mac;

                    guest_tap_configure(cfg.tap, mac, g.mtu);
                    if (tap_vnet) {
                        /* What the device agreed is what the kernel may
                         * hand over, and will be handed. */
                        uint64_t f = g.chans[0].features;

                        guest_tap_set_offload(tap_fd, f & NAE_F_CSUM,
                                              f & NAE_F_TSO);
                        if (f & NAE_F_TSO) {
                            /* No frame the rings cannot take. */
                            guest_tap_set_gso_max_size(
                                cfg.tap, NAE_MAX_TSO_FRAME - 64);
                        }
                    }
                    announce_start(mac);
                    fprintf(stderr, "nae-guestd: connected to %s: %d "
                            "channel(s), features 0x%"PRIx64"\n", cfg.socket,
                            g.n_chans, g.chans[0].features);
                } else {
                    next_try = now() + 0.2;
                }
            }
            if (!connected) {
                if (ctl_fd >= 0) {
                    control_run(ctl_fd, &g, false, tap_fd);
                }
                usleep(50 * 1000);
                continue;
            }
        }

        double announce_in = announce_run(&g);
        int moved = tap_from_device(&g, tap_fd);
        int sent = tap_to_device(&g, tap_fd);

        if (ctl_fd >= 0 && now() >= next_ctl) {
            /* Not a system call per burst: commands wait up to 10 ms. */
            next_ctl = now() + 0.01;
            control_run(ctl_fd, &g, connected, tap_fd);
        }
        if (move_merge && now() > move_merge_until) {
            move_merge_end();
        }

        if (nae_guest_poll_ctl(&g)) {
            fprintf(stderr, "nae-guestd: switch went away; reconnecting\n");
            nae_guest_close(&g);
            connected = false;
            continue;
        }
        if (g.path_event_new) {
            g.path_event_new = false;
            nae_failover_path_event(&hw.fo, &g, now());
        }
        if (dump_counters) {
            dump_counters = 0;
            fprintf(stderr, "nae-guestd: tx %"PRIu64" tx_errors %"PRIu64
                    " rx %"PRIu64" rx_errors %"PRIu64" tap_drops %"PRIu64
                    " tap_refused %"PRIu64
                    " announced %"PRIu64" move_copies_dropped %"PRIu64"\n",
                    g.stats.tx_packets, g.stats.tx_errors,
                    g.stats.rx_packets, g.stats.rx_errors, tap_drops,
                    tap_refused,
                    announce.sent, move_copies_dropped);
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
        struct pollfd pfds[3 + NAE_MAX_CHANNELS];
        /* A VF has no interrupt line here: poll it. */
        int n_pfds = 0, timeout = sent < 0 || hw.fo.attached ? 1 : 100;
        bool pending = false;

        if (announce_in >= 0 && announce_in * 1000 < timeout) {
            timeout = announce_in * 1000 + 1;
        }
        if (ctl_fd >= 0) {
            pfds[n_pfds++] = (struct pollfd) { .fd = ctl_fd,
                                               .events = POLLIN };
        }
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
            if (ctl_fd >= 0 && pfds[0].revents & POLLIN) {
                next_ctl = 0;
            }
        }
        for (int c = 0; c < g.n_chans; c++) {
            nae_guest_rx_disarm(&g, c);
            nae_guest_irq_drain(&g, c);
        }
    }

    if (connected) {
        nae_guest_close(&g);
    }
    if (ctl_fd >= 0) {
        close(ctl_fd);
        unlink(cfg.control);
    }
    close(tap_fd);
    return EXIT_SUCCESS;
}

int
main(int argc, char *argv[])
{
    struct sigaction sa = { .sa_handler = on_signal };

    parse_options(argc, argv);
    if (cfg.move_to) {
        char cmd[1024];

        snprintf(cmd, sizeof cmd, "move %s", cfg.move_to);
        return guest_control_call(cfg.control, cmd, stdout);
    }
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

    nae_failover_init(&hw.fo, &esw_vf_failover_ops, &hw.vf);
    int status = run_tap();
    if (cfg.pidfile) {
        unlink(cfg.pidfile);
    }
    return status;
}
