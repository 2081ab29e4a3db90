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

/* nae-hostile: a guest that misbehaves on purpose, for the tests of the
 * switch's validation (tests/system-nae.at).  Each --attack breaks one
 * rule of the NAE device ABI (include/nae-abi.h) and checks that the
 * switch refused it, counted it and carried on: it prints one line per
 * check, "WHAT: ok" or "WHAT: FAILED", and exits non-zero if any failed.
 * It is a test program, not installed. */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "gen-util.h"
#include "nae-guest.h"

static struct {
    const char *socket;
    const char *attack;
    double duration;
    struct nae_guest_options gopts;
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
    printf("usage: nae-hostile --socket=PATH --attack=KIND "
           "[--duration=SECONDS]\n"
           "  KIND: out-of-region, oversize, wrapped-index, bad-config,\n"
           "        bad-frame, bad-offload, irq-block, churn\n"
           "  --no-offload  do not negotiate checksum offload and TSO\n");
}

static void
parse_options(int argc, char *argv[])
{
    static const struct option long_options[] = {
        {"socket", required_argument, NULL, 's'},
        {"attack", required_argument, NULL, 'a'},
        {"duration", required_argument, NULL, 'D'},
        {"no-offload", no_argument, NULL, 'O'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };

    cfg.gopts.features = NAE_F_ALL & ~NAE_F_HW_PATH;
    for (;;) {
        int c = getopt_long(argc, argv, "", long_options, NULL);

        if (c == -1) {
            break;
        }
        switch (c) {
        case 's': cfg.socket = optarg; break;
        case 'a': cfg.attack = optarg; break;
        case 'D': cfg.duration = atof(optarg); break;
        case 'O': cfg.gopts.features &= ~(NAE_F_CSUM | NAE_F_TSO); break;
        case 'h':
            usage();
            exit(EXIT_SUCCESS);
        default:
            exit(EXIT_FAILURE);
        }
    }
    if (!cfg.socket || !cfg.attack) {
        fprintf(stderr, "nae-hostile: --socket and --attack are required\n");
        exit(EXIT_FAILURE);
    }
}

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

/* The same, with offload fields. */
static void
raw_tx_offload(struct nae_guest *g, uint64_t data_addr, uint16_t length,
               uint16_t command, uint16_t mss, uint16_t csum_start,
               uint16_t csum_offset)
{
    struct nae_guest_chan *c = &g->chans[0];
    struct nae_desc *d = &c->tx.desc[c->tx.tail & c->tx.mask];

    raw_tx(g, 0, 0, data_addr, length, command);
    d->mss = mss;
    d->csum_start = csum_start;
    d->csum_offset = csum_offset;
}

/* Waits until the switch has completed every queued tx descriptor of
 * channel 0 and returns how many completed with 'status'. */
static int
wait_tx_status(struct nae_guest *g, uint32_t from, uint32_t status)
{
    struct nae_guest_chan *c = &g->chans[0];
    double deadline = gen_now() + 5;
    int n = 0;

    while (__atomic_load_n(&c->tx.device->head, __ATOMIC_ACQUIRE)
           != c->tx.tail && gen_now() < deadline) {
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

    gen_build_frame(frame, sizeof frame);
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

/* The offload attack: checksum and TSO commands that lie about the frame
 * (docs/nae-device.md), on a channel that negotiated them or, with
 * --no-offload, on one that did not. */
static int
hostile_bad_offload(struct nae_guest *g)
{
    struct nae_guest_chan *c = &g->chans[0];
    uint64_t good = c->tx.bufs_gpa;
    uint32_t from = c->tx.tail;
    uint8_t *f = c->tx.bufs;
    int fails = 0;

    /* A 20000-byte TCP/IPv4 frame at the start of the tx buffers (it runs
     * over several slots: the switch only checks it lies in memory). */
    gen_build_frame(f, 20000);
    f[23] = 6;                          /* TCP */
    f[46] = 5 << 4;                     /* Data offset 20. */
    f[47] = 0x10;                       /* ACK */

    if (c->features & NAE_F_TSO) {
        uint16_t tso = NAE_CMD_CSUM | NAE_CMD_TSO;

        printf("offloads negotiated\n");
        raw_tx_offload(g, good, 20000, tso, 0, 34, 16);     /* MSS 0. */
        raw_tx_offload(g, good, 20000, tso, 1448, 60000, 16);
        raw_tx_offload(g, good, 40, tso, 1448, 34, 16);     /* Header cut. */
        nae_guest_tx_flush(g, 0);
        fails += expect("3 lying offload commands refused",
                        wait_tx_status(g, from, NAE_DESC_ERR_CMD) == 3);
        from = c->tx.tail;
        raw_tx_offload(g, good, 20000, NAE_CMD_CSUM, 0, 34, 16);
        nae_guest_tx_flush(g, 0);
        fails += expect("a frame over the MTU without TSO refused",
                        wait_tx_status(g, from, NAE_DESC_ERR_LEN) == 1);
    } else {
        printf("offloads not negotiated\n");
        raw_tx_offload(g, good, 20000, NAE_CMD_CSUM | NAE_CMD_TSO, 1448, 34,
                       16);
        nae_guest_tx_flush(g, 0);
        fails += expect("a TSO command not negotiated refused",
                        wait_tx_status(g, from, NAE_DESC_ERR_CMD) == 1);
        from = c->tx.tail;
        raw_tx(g, 0, 0, good, 65000, 0);                    /* 64 KiB. */
        nae_guest_tx_flush(g, 0);
        fails += expect("a 64 KiB frame without TSO refused",
                        wait_tx_status(g, from, NAE_DESC_ERR_LEN) == 1);
    }
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
    double deadline = gen_now() + (cfg.duration > 0 ? cfg.duration : 3);
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

    while (gen_now() < deadline) {
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
    double deadline = gen_now() + (cfg.duration > 0 ? cfg.duration : 10);
    uint64_t rounds = 0, sessions = 0;

    srandom(getpid());
    while (gen_now() < deadline) {
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
    if (!strcmp(cfg.attack, "churn")) {
        return run_churn();
    }

    struct nae_guest g;
    int fails = 0;
    int error = nae_guest_open(&g, cfg.socket, &cfg.gopts);

    if (error) {
        fprintf(stderr, "nae-hostile: %s: %s\n", cfg.socket, strerror(error));
        return EXIT_FAILURE;
    }

    struct nae_guest_chan *c = &g.chans[0];
    uint32_t from = c->tx.tail;
    uint64_t good = c->tx.bufs_gpa;

    if (!strcmp(cfg.attack, "out-of-region")) {
        raw_tx(&g, 0, 0, 0xdead0000, 64, 0);              /* Unmapped. */
        raw_tx(&g, 0, 0, NAE_GUEST_MEM_BASE - 32, 64, 0); /* Straddles. */
        raw_tx(&g, 0, 0, NAE_GUEST_MEM_BASE + g.mem_size - 10, 64, 0);
        raw_tx(&g, 0, 0, UINT64_MAX - 8, 64, 0);          /* Wraps. */
        raw_tx(&g, 0xbad00000, 14, good, 64, 0);          /* Bad header. */
        nae_guest_tx_flush(&g, 0);
        fails += expect("5 out-of-region descriptors refused",
                        wait_tx_status(&g, from, NAE_DESC_ERR_ADDR) == 5);
    } else if (!strcmp(cfg.attack, "oversize")) {
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
    } else if (!strcmp(cfg.attack, "wrapped-index")) {
        double deadline = gen_now() + 5;

        __atomic_store_n(&c->tx.driver->tail, c->tx.tail + c->tx.mask + 9,
                         __ATOMIC_RELEASE);
        while (!g.needs_reset && gen_now() < deadline) {
            if (nae_guest_poll_ctl(&g)) {
                break;
            }
            usleep(10000);
        }
        fails += expect("switch asked for a reset", g.needs_reset);
        fails += expect("reset accepted", !nae_guest_reset(&g));
    } else if (!strcmp(cfg.attack, "bad-config")) {
        fails += hostile_bad_config(&g);
    } else if (!strcmp(cfg.attack, "irq-block")) {
        fails += hostile_irq_block(&g);
    } else if (!strcmp(cfg.attack, "bad-offload")) {
        fails += hostile_bad_offload(&g);
    } else if (!strcmp(cfg.attack, "bad-frame")) {
        char junk[5] = "junk";
        double deadline = gen_now() + 5;
        int gone = 0;

        send(g.sock, junk, sizeof junk, MSG_NOSIGNAL);
        while (!gone && gen_now() < deadline) {
            gone = nae_guest_poll_ctl(&g) == ECONNRESET;
            usleep(10000);
        }
        fails += expect("switch dropped the session", gone);
        nae_guest_close(&g);
        return fails ? EXIT_FAILURE : EXIT_SUCCESS;
    } else {
        fprintf(stderr, "nae-hostile: unknown --attack %s\n",
                cfg.attack);
        nae_guest_close(&g);
        return EXIT_FAILURE;
    }
    if (strcmp(cfg.attack, "bad-config")) {
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
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);
    return run_hostile();
}
