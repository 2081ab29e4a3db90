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

/* splitio-guestd: the guest frontend of split I/O.
 *
 * Runs in the guest's network namespace.  It speaks the split-I/O protocol
 * (docs/splitio-protocol.md) to the I/O host over a plain Ethernet
 * interface through an AF_PACKET socket, with splitio/splitio-conn.c as the
 * whole of its "TCP", and gives the guest's kernel:
 *
 *   - the remote virtual NIC as a TAP interface (--tap), and
 *   - the remote virtual block device as a file in a FUSE mount (--blk),
 *     see guest/splitio-blk.c.
 *
 * The underlay interface must not carry --local-ip as a kernel address:
 * the kernel would answer the stream with RSTs of its own. */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "guest-tap.h"
#include "splitio-blk.h"
#include "splitio-conn.h"

#define SIO_GUEST_BUF (4 * 1024 * 1024)
#define RECONNECT_MIN_US 100000
#define RECONNECT_MAX_US 5000000
#define CLOSE_WAIT_US 3000000       /* Longest wait for a clean close. */
#define TX_BATCH 32                 /* Frames per sendmmsg(). */
#define RX_BATCH 32                 /* Frames per recvmmsg(). */

struct guestd {
    /* Options. */
    const char *iface;
    const char *tap_name;
    const char *blk_mount;
    const char *netns;
    struct sio_conn_cfg cfg;
    bool verbose;

    int pkt_fd;
    int ifindex;
    int tap_fd;
    struct sio_conn conn;
    void *conn_mem;
    struct splitio_blk *blk;
    bool have_hello;
    struct sio_hello hello;
    uint64_t reconnect_delay;
    uint64_t reconnect_at;

    /* Counters, printed on exit and on SIGUSR1. */
    uint64_t tap_rx, tap_tx, tap_tx_dropped, pkt_send_errors;
    uint64_t parse_errors[SIO_PARSE_N_RESULTS];
};

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t dump_requested;

static uint64_t
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
log_msg(const char *fmt, ...)
{
    struct timespec ts;
    va_list args;

    clock_gettime(CLOCK_REALTIME, &ts);
    fprintf(stderr, "%lld.%03ld splitio-guestd: ", (long long) ts.tv_sec,
            ts.tv_nsec / 1000000);
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fputc('\n', stderr);
}

static uint32_t
guestd_random(void *aux)
{
    uint32_t r;

    (void) aux;
    if (getrandom(&r, sizeof r, 0) != sizeof r) {
        r = (uint32_t) now_us() * 2654435761u;
    }
    return r;
}

static bool
guestd_deliver(void *aux, const struct sio_msg *m, const uint8_t *body)
{
    struct guestd *d = aux;

    switch (m->type) {
    case SIO_MSG_HELLO: {
        struct sio_hello old = d->hello;

        sio_hello_decode(body, &d->hello);
        /* The host repeats HELLO on every connection; its NIC's MAC or
         * MTU may have been reconfigured meanwhile. */
        if (!d->have_hello || memcmp(old.mac, d->hello.mac, 6)
            || old.mtu != d->hello.mtu) {
            uint64_t mac = 0;

            for (int i = 0; i < 6; i++) {
                mac = mac << 8 | d->hello.mac[i];
            }
            log_msg("HELLO: NIC %02x:%02x:%02x:%02x:%02x:%02x MTU %u, "
                    "block device %"PRIu64" bytes", d->hello.mac[0],
                    d->hello.mac[1], d->hello.mac[2], d->hello.mac[3],
                    d->hello.mac[4], d->hello.mac[5], d->hello.mtu,
                    d->hello.blk_capacity);
            if (d->tap_fd >= 0) {
                guest_tap_configure(d->tap_name, mac, d->hello.mtu);
            }
        }
        d->have_hello = true;
        if (d->blk) {
            splitio_blk_hello(d->blk, &d->hello);
        }
        return true;
    }
    case SIO_MSG_NET_FRAME:
        if (d->tap_fd < 0 || write(d->tap_fd, body, m->length) < 0) {
            d->tap_tx_dropped++;    /* A full TAP queue drops, as a NIC. */
        } else {
            d->tap_tx++;
        }
        return true;
    case SIO_MSG_BLK_DONE:
        if (d->blk) {
            splitio_blk_done(d->blk, m->req_id, body, m->length);
        }
        return true;
    default:
        return true;            /* Requests are the host's to serve. */
    }
}

static void
guestd_state_changed(void *aux, enum sio_state old, enum sio_state new)
{
    struct guestd *d = aux;

    log_msg("connection %s -> %s (local port %u)", sio_state_name(old),
            sio_state_name(new), d->conn.local_port);
    if (new == SIO_ESTABLISHED) {
        d->reconnect_delay = RECONNECT_MIN_US;
        if (d->blk) {
            splitio_blk_connected(d->blk);
        }
    }
}

static const struct sio_conn_ops guestd_ops = {
    .deliver = guestd_deliver,
    .state_changed = guestd_state_changed,
    .random = guestd_random,
};

static int
open_packet_socket(struct guestd *d, uint8_t mac[6], uint16_t *mtu)
{
    struct sockaddr_ll sll;
    struct ifreq ifr;
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    htons(ETH_P_ALL));

    if (fd < 0) {
        log_msg("AF_PACKET socket: %s", strerror(errno));
        return -1;
    }
    d->ifindex = if_nametoindex(d->iface);
    if (!d->ifindex) {
        log_msg("%s: %s", d->iface, strerror(errno));
        close(fd);
        return -1;
    }
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = d->ifindex;
    if (bind(fd, (struct sockaddr *) &sll, sizeof sll)) {
        log_msg("bind %s: %s", d->iface, strerror(errno));
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
    int bufsize = 4 * 1024 * 1024;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof bufsize);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof bufsize);

    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", d->iface);
    if (!ioctl(fd, SIOCGIFHWADDR, &ifr)) {
        memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
    }
    if (!ioctl(fd, SIOCGIFMTU, &ifr)) {
        *mtu = ifr.ifr_mtu;
    }
    return fd;
}

/* Joins network namespace 'name' (as "ip netns" names them) for the
 * sockets and the TAP interface, while the FUSE mount stays in the mount
 * namespace we were started in ("ip netns exec" would give us a private
 * one that nobody else sees). */
static int
enter_netns(const char *name)
{
    char path[PATH_MAX];
    int fd;

    snprintf(path, sizeof path, "/run/netns/%s", name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET)) {
        log_msg("cannot enter network namespace %s: %s", name,
                strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    close(fd);
    return 0;
}

static void
send_frame(struct guestd *d, const uint8_t *frame, size_t len)
{
    if (send(d->pkt_fd, frame, len, 0) < 0) {
        d->pkt_send_errors++;
    }
}

static void
handle_frame(struct guestd *d, const uint8_t *frame, size_t len,
             uint64_t now)
{
    struct sio_seg seg;
    struct sio_arp arp;
    enum sio_parse_result r = sio_parse_frame(frame, len, &seg, &arp);

    if (r == SIO_PARSE_ARP) {
        if (arp.op == 1 && arp.tpa == d->cfg.local.ip) {
            uint8_t reply[60];
            send_frame(d, reply, sio_build_arp_reply(reply, &arp,
                                                     &d->cfg.local));
        }
        return;
    }
    if (r != SIO_PARSE_OK) {
        d->parse_errors[r]++;
        return;
    }
    if (memcmp(seg.eth_dst, d->cfg.local.mac, 6)
        || seg.ip_dst != d->cfg.local.ip) {
        return;
    }
    if (sio_conn_owns(&d->conn, &seg)) {
        sio_conn_input(&d->conn, &seg, now);
    } else if (!(seg.flags & SIO_TCP_RST)) {
        uint8_t reply[SIO_MAX_HDRS_LEN];
        size_t n = sio_build_rst_reply(reply, sizeof reply, &seg,
                                       d->cfg.local.mac);
        if (n) {
            send_frame(d, reply, n);
        }
    }
}

/* Sends what the connection has to send, up to TX_BATCH frames per
 * system call. */
static void
flush_output(struct guestd *d, uint64_t now)
{
    static uint8_t frames[TX_BATCH][SIO_MAX_HDRS_LEN + SIO_NET_FRAME_MAX];
    struct mmsghdr msgs[TX_BATCH];
    struct iovec iov[TX_BATCH];
    int n;

    do {
        for (n = 0; n < TX_BATCH; n++) {
            size_t len = sio_conn_output(&d->conn, frames[n],
                                         sizeof frames[n], now);
            if (!len) {
                break;
            }
            iov[n] = (struct iovec) { .iov_base = frames[n], .iov_len = len };
            msgs[n] = (struct mmsghdr) {
                .msg_hdr = { .msg_iov = &iov[n], .msg_iovlen = 1 },
            };
        }
        for (int sent = 0; sent < n;) {
            int r = sendmmsg(d->pkt_fd, msgs + sent, n - sent, 0);
            if (r <= 0) {
                /* The socket buffer is full: the frames are lost on the
                 * wire, and the stream retransmits them. */
                d->pkt_send_errors += n - sent;
                break;
            }
            sent += r;
        }
    } while (n == TX_BATCH);
}

/* Receives up to 8 batches of RX_BATCH frames, one system call each. */
static void
read_underlay(struct guestd *d, uint64_t now)
{
    static uint8_t frames[RX_BATCH][16384];
    struct sockaddr_ll from[RX_BATCH];
    struct mmsghdr msgs[RX_BATCH];
    struct iovec iov[RX_BATCH];

    for (int round = 0; round < 8; round++) {
        for (int i = 0; i < RX_BATCH; i++) {
            iov[i] = (struct iovec) { .iov_base = frames[i],
                                      .iov_len = sizeof frames[i] };
            msgs[i] = (struct mmsghdr) {
                .msg_hdr = { .msg_name = &from[i],
                             .msg_namelen = sizeof from[i],
                             .msg_iov = &iov[i], .msg_iovlen = 1 },
            };
        }
        int n = recvmmsg(d->pkt_fd, msgs, RX_BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0) {
            break;
        }
        for (int i = 0; i < n; i++) {
            if (from[i].sll_pkttype != PACKET_OUTGOING) {
                handle_frame(d, frames[i], msgs[i].msg_len, now);
            }
        }
        if (n < RX_BATCH) {
            break;
        }
    }
}

/* Frames from the guest's kernel, as long as the stream has room: a full
 * stream leaves them in the TAP queue (the kernel then drops, as for a
 * full NIC ring), never half-sent. */
static void
read_tap(struct guestd *d)
{
    uint8_t frame[SIO_NET_FRAME_MAX];

    for (int i = 0; i < 256; i++) {
        if (sio_conn_send_room(&d->conn) < sizeof frame) {
            break;
        }
        ssize_t n = read(d->tap_fd, frame, sizeof frame);
        if (n < 0) {
            break;
        }
        if (n < SIO_NET_FRAME_MIN) {
            continue;
        }
        if (!sio_conn_send_msg(&d->conn, SIO_MSG_NET_FRAME, 0, frame, n,
                               NULL, 0)) {
            d->tap_rx++;
        }
    }
}

static void
dump_stats(const struct guestd *d)
{
    const struct sio_conn_stats *s = &d->conn.stats;

    log_msg("state %s; tap rx %"PRIu64" tx %"PRIu64" tx_dropped %"PRIu64
            "; send errors %"PRIu64, sio_state_name(d->conn.state),
            d->tap_rx, d->tap_tx, d->tap_tx_dropped, d->pkt_send_errors);
#define SIO_COUNTER(NAME, DESC) \
    fprintf(stderr, "  %-18s %"PRIu64"\n", #NAME, s->NAME);
    SIO_CONN_COUNTERS
#undef SIO_COUNTER
    for (int r = SIO_PARSE_TRUNCATED; r < SIO_PARSE_N_RESULTS; r++) {
        fprintf(stderr, "  rx_%-15s %"PRIu64"\n", sio_parse_result_name(r),
                d->parse_errors[r]);
    }
    if (d->blk) {
        splitio_blk_dump(d->blk, stderr);
    }
}

static void
on_signal(int sig)
{
    if (sig == SIGUSR1) {
        dump_requested = 1;
    } else {
        stop_requested = 1;
    }
}

static void
usage(void)
{
    printf("usage: splitio-guestd --iface=IF --local-ip=IP --remote-ip=IP "
           "--remote-mac=MAC\n"
           "                      [--remote-port=PORT] [--local-mac=MAC] "
           "[--local-port=PORT]\n"
           "                      [--tap=NAME] [--blk=MOUNTPOINT] "
           "[--netns=NAME] [--verbose]\n"
           "See splitio-guestd(8).\n");
}

static bool
parse_mac(const char *s, uint8_t mac[6])
{
    unsigned int b[6];
    char junk;

    if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3],
               &b[4], &b[5], &junk) != 6) {
        return false;
    }
    for (int i = 0; i < 6; i++) {
        if (b[i] > 255) {
            return false;
        }
        mac[i] = b[i];
    }
    return true;
}

static void
parse_options(struct guestd *d, int argc, char *argv[])
{
    enum { OPT_IFACE = 256, OPT_LIP, OPT_RIP, OPT_RMAC, OPT_LMAC, OPT_RPORT,
           OPT_LPORT, OPT_TAP, OPT_BLK, OPT_NETNS };
    static const struct option options[] = {
        { "iface", required_argument, NULL, OPT_IFACE },
        { "local-ip", required_argument, NULL, OPT_LIP },
        { "remote-ip", required_argument, NULL, OPT_RIP },
        { "remote-mac", required_argument, NULL, OPT_RMAC },
        { "local-mac", required_argument, NULL, OPT_LMAC },
        { "remote-port", required_argument, NULL, OPT_RPORT },
        { "local-port", required_argument, NULL, OPT_LPORT },
        { "tap", required_argument, NULL, OPT_TAP },
        { "blk", required_argument, NULL, OPT_BLK },
        { "netns", required_argument, NULL, OPT_NETNS },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    bool have_lmac = false, have_rmac = false;
    int c;

    d->cfg.remote.port = 7000;
    while ((c = getopt_long(argc, argv, "vh", options, NULL)) != -1) {
        struct in_addr a;
        bool ok = true;

        switch (c) {
        case OPT_IFACE:
            d->iface = optarg;
            break;
        case OPT_LIP:
        case OPT_RIP:
            ok = inet_pton(AF_INET, optarg, &a) == 1;
            if (c == OPT_LIP) {
                d->cfg.local.ip = a.s_addr;
            } else {
                d->cfg.remote.ip = a.s_addr;
            }
            break;
        case OPT_RMAC:
            ok = have_rmac = parse_mac(optarg, d->cfg.remote.mac);
            break;
        case OPT_LMAC:
            ok = have_lmac = parse_mac(optarg, d->cfg.local.mac);
            break;
        case OPT_RPORT:
        case OPT_LPORT: {
            char *end;
            long v = strtol(optarg, &end, 10);

            ok = !*end && v >= (c == OPT_LPORT ? 0 : 1) && v <= 65535;
            if (c == OPT_RPORT) {
                d->cfg.remote.port = v;
            } else {
                d->cfg.local.port = v;
            }
            break;
        }
        case OPT_TAP:
            d->tap_name = optarg;
            break;
        case OPT_BLK:
            d->blk_mount = optarg;
            break;
        case OPT_NETNS:
            d->netns = optarg;
            break;
        case 'v':
            d->verbose = true;
            break;
        case 'h':
            usage();
            exit(EXIT_SUCCESS);
        default:
            usage();
            exit(EXIT_FAILURE);
        }
        if (!ok) {
            log_msg("bad value for --%s: %s", options[c - OPT_IFACE].name,
                    optarg);
            exit(EXIT_FAILURE);
        }
    }
    if (!d->iface || !d->cfg.local.ip || !d->cfg.remote.ip || !have_rmac) {
        log_msg("--iface, --local-ip, --remote-ip and --remote-mac are "
                "required");
        usage();
        exit(EXIT_FAILURE);
    }
    if (!have_lmac) {
        memset(d->cfg.local.mac, 0, 6);     /* The interface's, below. */
    }
}

int
main(int argc, char *argv[])
{
    struct guestd d;
    uint16_t mtu = 1500;
    uint8_t if_mac[6] = { 0 };

    memset(&d, 0, sizeof d);
    d.tap_fd = -1;
    parse_options(&d, argc, argv);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGUSR1, on_signal);

    if (d.netns && enter_netns(d.netns)) {
        return EXIT_FAILURE;
    }
    d.pkt_fd = open_packet_socket(&d, if_mac, &mtu);
    if (d.pkt_fd < 0) {
        return EXIT_FAILURE;
    }
    static const uint8_t zero_mac[6];
    if (!memcmp(d.cfg.local.mac, zero_mac, 6)) {
        memcpy(d.cfg.local.mac, if_mac, 6);
    }
    if (d.tap_name) {
        d.tap_fd = guest_tap_open(d.tap_name);
        if (d.tap_fd < 0) {
            return EXIT_FAILURE;
        }
    }
    d.cfg.active = true;
    d.cfg.mtu = mtu;
    d.cfg.buf_size = SIO_GUEST_BUF;
    d.conn_mem = malloc(sio_conn_mem_size(&d.cfg));
    if (!d.conn_mem) {
        log_msg("out of memory");
        return EXIT_FAILURE;
    }
    sio_conn_init(&d.conn, &d.cfg, &guestd_ops, &d, d.conn_mem);
    if (d.blk_mount) {
        d.blk = splitio_blk_create(d.blk_mount, &d.conn);
        if (!d.blk) {
            return EXIT_FAILURE;
        }
    }

    d.reconnect_delay = RECONNECT_MIN_US;
    uint64_t close_deadline = 0;
    for (;;) {
        uint64_t now = now_us();

        if (stop_requested && !close_deadline) {
            log_msg("closing");
            sio_conn_close(&d.conn);
            close_deadline = now + CLOSE_WAIT_US;
        }
        if (close_deadline
            && (d.conn.state == SIO_CLOSED || d.conn.state == SIO_TIME_WAIT
                || now >= close_deadline)) {
            if (d.conn.state != SIO_CLOSED
                && d.conn.state != SIO_TIME_WAIT) {
                sio_conn_abort(&d.conn);
                flush_output(&d, now);
            }
            break;
        }
        if (dump_requested) {
            dump_requested = 0;
            dump_stats(&d);
        }
        if (d.conn.state == SIO_CLOSED && !close_deadline
            && now >= d.reconnect_at) {
            sio_conn_connect(&d.conn, now);
            d.reconnect_at = now + d.reconnect_delay;
            d.reconnect_delay = d.reconnect_delay * 2 > RECONNECT_MAX_US
                                ? RECONNECT_MAX_US : d.reconnect_delay * 2;
        }

        read_underlay(&d, now);
        if (d.tap_fd >= 0 && sio_conn_established(&d.conn)) {
            read_tap(&d);
        }
        if (d.blk) {
            splitio_blk_run(d.blk, now);
        }
        flush_output(&d, now);

        /* Sleep until a frame, a TAP frame, a block request or a timer. */
        struct pollfd pfd[3];
        int n_pfd = 0;
        pfd[n_pfd++] = (struct pollfd) { .fd = d.pkt_fd, .events = POLLIN };
        if (d.tap_fd >= 0 && sio_conn_established(&d.conn)
            && sio_conn_send_room(&d.conn) >= SIO_NET_FRAME_MAX) {
            pfd[n_pfd++] = (struct pollfd) { .fd = d.tap_fd,
                                             .events = POLLIN };
        }
        if (d.blk) {
            pfd[n_pfd++] = (struct pollfd) { .fd = splitio_blk_fd(d.blk),
                                             .events = POLLIN };
        }
        uint64_t next = sio_conn_next_timer(&d.conn);
        if (d.conn.state == SIO_CLOSED && d.reconnect_at < next) {
            next = d.reconnect_at;
        }
        if (d.blk && splitio_blk_next_timer(d.blk) < next) {
            next = splitio_blk_next_timer(d.blk);
        }
        now = now_us();
        int timeout = next == UINT64_MAX ? 1000
                      : next <= now ? 0
                      : (int) ((next - now + 999) / 1000);
        if (timeout > 1000) {
            timeout = 1000;
        }
        poll(pfd, n_pfd, timeout);
    }
    dump_stats(&d);
    if (d.blk) {
        splitio_blk_destroy(d.blk);
    }
    free(d.conn_mem);
    return EXIT_SUCCESS;
}
