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

/* Unit tests of the NAE device model: config space, feature negotiation,
 * q_sel, guest memory regions and every validation rule. */

#include <config.h>
#undef NDEBUG
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nae-dev.h"
#include "nae-test-mem.h"
#include "openvswitch/util.h"
#include "ovstest.h"
#include "util.h"

static const struct nae_dev_offer offer2 = {
    .q_num = 2, .sysid = 7, .mtu = 1500,
    .features = NAE_F_SPLIT_HEADER | NAE_F_NOTIFY,
    .mac = 0x0a0000000002,
};

static uint64_t
rd(struct nae_dev *dev, uint32_t off, uint32_t width)
{
    uint64_t v;

    ovs_assert(!nae_dev_cfg_read(dev, off, width, &v));
    return v;
}

static void
test_identity(void)
{
    struct nae_dev dev;

    nae_dev_init(&dev, &offer2);
    ovs_assert(rd(&dev, NAE_CFG_DEV_TYPE, 2) == NAE_DEV_TYPE_NET);
    ovs_assert(rd(&dev, NAE_CFG_Q_NUM, 2) == 2);
    ovs_assert(rd(&dev, NAE_CFG_DEV_IRQ_NUM, 4) == 4);
    ovs_assert(rd(&dev, NAE_CFG_DEV_SYSID, 2) == 7);
    ovs_assert(rd(&dev, NAE_CFG_DEV_MAC, 8) == 0x0a0000000002);
    ovs_assert(rd(&dev, NAE_CFG_DEV_MTU, 2) == 1500);
    ovs_assert(rd(&dev, NAE_CFG_DEV_HAS_LINK, 2) == 1);
    ovs_assert(rd(&dev, NAE_CFG_DEV_START, 2) == 0);
    ovs_assert(rd(&dev, NAE_CFG_DEV_ABI, 2) == NAE_ABI_VERSION);
    ovs_assert(rd(&dev, NAE_CFG_Q_SIZE, 2) == NAE_DEFAULT_RING_SIZE);
    nae_dev_destroy(&dev);
}

/* A feature is on only when both sides offer it. */
static void
test_features(void)
{
    struct nae_dev dev;

    nae_dev_init(&dev, &offer2);
    ovs_assert(rd(&dev, NAE_CFG_Q_FEATURES, 8)
               == (NAE_F_SPLIT_HEADER | NAE_F_NOTIFY));
    /* Driver supports SPLIT and MTU (not offered) and junk bits. */
    ovs_assert(!nae_dev_cfg_write(&dev, NAE_CFG_Q_FEATURES, 8,
                                  NAE_F_SPLIT_HEADER | NAE_F_MTU
                                  | (1ULL << 63)));
    ovs_assert(rd(&dev, NAE_CFG_Q_FEATURES, 8) == NAE_F_SPLIT_HEADER);
    /* Per channel: channel 1 still offers everything. */
    ovs_assert(!nae_dev_cfg_write(&dev, NAE_CFG_Q_SEL, 2, 1));
    ovs_assert(rd(&dev, NAE_CFG_Q_FEATURES, 8)
               == (NAE_F_SPLIT_HEADER | NAE_F_NOTIFY));
    ovs_assert(!nae_dev_cfg_write(&dev, NAE_CFG_Q_FEATURES, 8, 0));
    ovs_assert(rd(&dev, NAE_CFG_Q_FEATURES, 8) == 0);
    ovs_assert(!nae_dev_cfg_write(&dev, NAE_CFG_Q_SEL, 2, 0));
    ovs_assert(rd(&dev, NAE_CFG_Q_FEATURES, 8) == NAE_F_SPLIT_HEADER);
    nae_dev_destroy(&dev);
}

/* Channel fields are reached through q_sel, and only valid channels can be
 * selected. */
static void
test_q_sel(void)
{
    struct nae_dev dev;

    nae_dev_init(&dev, &offer2);
    ovs_assert(!nae_dev_cfg_write(&dev, NAE_CFG_Q_SEL, 2, 1));
    ovs_assert(!nae_dev_cfg_write(&dev, NAE_CFG_Q_TX_DMA, 8, 0x1000));
    ovs_assert(!nae_dev_cfg_write(&dev, NAE_CFG_Q_SIZE, 2, 64));
    ovs_assert(!nae_dev_cfg_write(&dev, NAE_CFG_Q_SEL, 2, 0));
    ovs_assert(rd(&dev, NAE_CFG_Q_TX_DMA, 8) == 0);
    ovs_assert(rd(&dev, NAE_CFG_Q_SIZE, 2) == NAE_DEFAULT_RING_SIZE);
    ovs_assert(!nae_dev_cfg_write(&dev, NAE_CFG_Q_SEL, 2, 1));
    ovs_assert(rd(&dev, NAE_CFG_Q_TX_DMA, 8) == 0x1000);
    ovs_assert(rd(&dev, NAE_CFG_Q_SIZE, 2) == 64);
    ovs_assert(rd(&dev, NAE_CFG_Q_SEL, 2) == 1);

    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_Q_SEL, 2, 2) == EINVAL);
    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_Q_SEL, 2, 0xffff) == EINVAL);
    ovs_assert(rd(&dev, NAE_CFG_Q_SEL, 2) == 1);
    ovs_assert(dev.rejects[NAE_REJ_BAD_VALUE] == 2);
    nae_dev_destroy(&dev);
}

/* Every malformed access is refused and counted by reason. */
static void
test_cfg_validation(void)
{
    struct nae_dev dev;
    uint64_t v;

    nae_dev_init(&dev, &offer2);
    /* Offsets that are no field's start, or past the space. */
    ovs_assert(nae_dev_cfg_read(&dev, 0x01, 2, &v) == EINVAL);
    ovs_assert(nae_dev_cfg_write(&dev, 0x11, 8, 0) == EINVAL);
    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_SIZE, 8, 0) == EINVAL);
    ovs_assert(nae_dev_cfg_write(&dev, UINT32_MAX, 8, 0) == EINVAL);
    ovs_assert(dev.rejects[NAE_REJ_BAD_OFFSET] == 4);
    /* Widths that do not match the field. */
    ovs_assert(nae_dev_cfg_read(&dev, NAE_CFG_Q_NUM, 8, &v) == EINVAL);
    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_Q_TX_DMA, 4, 0) == EINVAL);
    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_Q_SEL, 0, 0) == EINVAL);
    ovs_assert(dev.rejects[NAE_REJ_BAD_WIDTH] == 3);
    /* Read-only fields. */
    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_DEV_TYPE, 2, 9) == EPERM);
    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_Q_NUM, 2, 16) == EPERM);
    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_DEV_MAC, 8, 1) == EPERM);
    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_DEV_STATUS, 2, 0) == EPERM);
    ovs_assert(dev.rejects[NAE_REJ_READ_ONLY] == 4);
    ovs_assert(rd(&dev, NAE_CFG_Q_NUM, 2) == 2);
    /* Values out of range. */
    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_Q_SIZE, 2, 100) == EINVAL);
    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_Q_SIZE, 2, 16) == EINVAL);
    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_Q_SIZE, 2, 8192) == EINVAL);
    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_Q_SIZE, 2, 0) == EINVAL);
    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_DEV_START, 2, 2) == EINVAL);
    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_Q_INT_RX_LINE, 2, 4)
               == EINVAL);
    ovs_assert(!nae_dev_cfg_write(&dev, NAE_CFG_Q_INT_RX_LINE, 2, 3));
    ovs_assert(!nae_dev_cfg_write(&dev, NAE_CFG_Q_INT_RX_LINE, 2,
                                  NAE_IRQ_NONE));
    ovs_assert(dev.rejects[NAE_REJ_BAD_VALUE] == 6);
    /* Nothing set up: the device must not start. */
    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_DEV_START, 2, 1) == EINVAL);
    ovs_assert(dev.rejects[NAE_REJ_BAD_START] == 1);
    ovs_assert(!dev.started);
    nae_dev_destroy(&dev);
}

/* Rings must lie wholly inside registered memory, aligned, before the
 * device starts; once started, channel fields are frozen. */
static void
test_start_validation(void)
{
    struct test_guest tg;

    test_guest_init(&tg, 64, NAE_F_ALL);
    ovs_assert(tg.dev.started);
    ovs_assert(rd(&tg.dev, NAE_CFG_DEV_STATUS, 2) & NAE_STATUS_RUNNING);
    ovs_assert(nae_dev_cfg_write(&tg.dev, NAE_CFG_Q_TX_DMA, 8, 0) == EBUSY);
    ovs_assert(nae_dev_cfg_write(&tg.dev, NAE_CFG_Q_SIZE, 2, 32) == EBUSY);
    ovs_assert(tg.dev.rejects[NAE_REJ_BUSY] == 2);
    /* q_sel and acks stay writable. */
    ovs_assert(!nae_dev_cfg_write(&tg.dev, NAE_CFG_Q_SEL, 2, 0));
    ovs_assert(!nae_dev_cfg_write(&tg.dev, NAE_CFG_Q_INT_RX_ACK, 2, 1));

    ovs_assert(!nae_dev_cfg_write(&tg.dev, NAE_CFG_DEV_START, 2, 0));
    uint64_t good = rd(&tg.dev, NAE_CFG_Q_TX_DMA, 8);
    static const struct {
        uint32_t off;
        uint64_t value;
    } bad[] = {
        { NAE_CFG_Q_TX_DMA, TEST_GPA + 8 },             /* Misaligned. */
        { NAE_CFG_Q_TX_DMA, TEST_GPA - 64 },            /* Starts before. */
        { NAE_CFG_Q_TX_DMA, 0xdead000000ULL },          /* Nowhere. */
        { NAE_CFG_Q_TX_DMA, UINT64_MAX - 63 },          /* Wraps. */
        { NAE_CFG_Q_TX_TAIL_ADDR, TEST_GPA + 4 },       /* Misaligned. */
        { NAE_CFG_Q_RX_HEAD_ADDR, 8 },                  /* Nowhere. */
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        uint64_t saved = rd(&tg.dev, bad[i].off, 8);

        ovs_assert(!nae_dev_cfg_write(&tg.dev, bad[i].off, 8, bad[i].value));
        ovs_assert(nae_dev_cfg_write(&tg.dev, NAE_CFG_DEV_START, 2, 1)
                   == EINVAL);
        ovs_assert(!nae_dev_cfg_write(&tg.dev, bad[i].off, 8, saved));
    }
    ovs_assert(tg.dev.rejects[NAE_REJ_BAD_START] == ARRAY_SIZE(bad));
    /* The ring's last descriptor may not run off the region's end. */
    ovs_assert(!nae_dev_cfg_write(&tg.dev, NAE_CFG_Q_TX_DMA, 8,
                                  TEST_GPA + tg.mem_size - 64 * 32 + 64));
    ovs_assert(nae_dev_cfg_write(&tg.dev, NAE_CFG_DEV_START, 2, 1)
               == EINVAL);
    ovs_assert(!nae_dev_cfg_write(&tg.dev, NAE_CFG_Q_TX_DMA, 8,
                                  TEST_GPA + tg.mem_size - 64 * 32));
    ovs_assert(!nae_dev_cfg_write(&tg.dev, NAE_CFG_DEV_START, 2, 1));
    ovs_assert(!nae_dev_cfg_write(&tg.dev, NAE_CFG_DEV_START, 2, 0));
    ovs_assert(!nae_dev_cfg_write(&tg.dev, NAE_CFG_Q_TX_DMA, 8, good));

    /* An interrupt line with no eventfd behind it. */
    ovs_assert(!nae_dev_cfg_write(&tg.dev, NAE_CFG_Q_INT_RX_LINE, 2, 0));
    ovs_assert(nae_dev_cfg_write(&tg.dev, NAE_CFG_DEV_START, 2, 1)
               == EINVAL);
    ovs_assert(!nae_dev_cfg_write(&tg.dev, NAE_CFG_Q_INT_RX_LINE, 2,
                                  NAE_IRQ_NONE));
    ovs_assert(!nae_dev_cfg_write(&tg.dev, NAE_CFG_DEV_START, 2, 1));
    test_guest_destroy(&tg);
}

static bool
fd_is_open(int fd)
{
    return fcntl(fd, F_GETFD) != -1;
}

/* Region registration: seals, bounds, overlap, table size; translation at
 * the edges. */
static void
test_regions(void)
{
    struct nae_mem mem;
    struct nae_msg_region r = { .guest_addr = 0x10000, .size = 8192 };
    int fd;

    nae_mem_init(&mem, 0);
    fd = test_memfd(8192, false);
    ovs_assert(nae_mem_add(&mem, fd, &r) == EPERM);
    close(fd);

    fd = test_memfd(8192, true);
    r.size = 0;
    ovs_assert(nae_mem_add(&mem, fd, &r) == EINVAL);
    r.size = 8192;
    r.offset = 4096;
    ovs_assert(nae_mem_add(&mem, fd, &r) == ERANGE);
    r.offset = 0;
    r.guest_addr = UINT64_MAX - 100;
    ovs_assert(nae_mem_add(&mem, fd, &r) == EINVAL);
    r.guest_addr = 0x10000;
    ovs_assert(!nae_mem_add(&mem, fd, &r));

    int fd2 = test_memfd(8192, true);
    r.guest_addr = 0x11000;                         /* Overlaps. */
    ovs_assert(nae_mem_add(&mem, fd2, &r) == EINVAL);
    r.guest_addr = 0x12000;                         /* Adjacent: fine. */
    ovs_assert(!nae_mem_add(&mem, fd2, &r));

    const struct nae_mem_map *m = &mem.map;
    ovs_assert(nae_mem_translate(m, 0x10000, 8192));
    ovs_assert(nae_mem_translate(m, 0x11fff, 1));
    ovs_assert(!nae_mem_translate(m, 0x11fff, 2));  /* Spans two. */
    ovs_assert(nae_mem_translate(m, 0x13fff, 1));
    ovs_assert(!nae_mem_translate(m, 0x14000, 1));
    ovs_assert(!nae_mem_translate(m, 0xffff, 1));
    ovs_assert(!nae_mem_translate(m, 0x10000, UINT64_MAX));
    ovs_assert(!nae_mem_translate(m, UINT64_MAX, 2));

    for (int i = 2; i < NAE_MAX_REGIONS; i++) {
        int f = test_memfd(4096, true);
        struct nae_msg_region ri = { .guest_addr = 0x100000 * i,
                                     .size = 4096 };
        ovs_assert(!nae_mem_add(&mem, f, &ri));
    }
    int f = test_memfd(4096, true);
    struct nae_msg_region last = { .guest_addr = 0x9000000, .size = 4096 };
    ovs_assert(nae_mem_add(&mem, f, &last) == ENOSPC);
    close(f);
    nae_mem_clear(&mem);
    ovs_assert(!fd_is_open(fd) && !fd_is_open(fd2));

    /* A bound on the total: a 64 GiB sparse memfd costs the guest nothing,
     * but each page the switch copies from would cost the switch. */
    nae_mem_init(&mem, 1 << 20);
    fd = memfd_create("sparse", MFD_ALLOW_SEALING);
    ovs_assert(fd >= 0 && !ftruncate(fd, 64ULL << 30));
    ovs_assert(!fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
    r = (struct nae_msg_region) { .guest_addr = 0x10000,
                                  .size = 64ULL << 30 };
    ovs_assert(nae_mem_add(&mem, fd, &r) == EFBIG);
    r.size = 768 << 10;
    ovs_assert(!nae_mem_add(&mem, fd, &r));
    ovs_assert(mem.total == 768 << 10);
    fd2 = dup(fd);
    r.guest_addr = 0x10000000;
    r.size = 512 << 10;                             /* 1.25 MiB in all. */
    ovs_assert(nae_mem_add(&mem, fd2, &r) == EFBIG);
    r.size = 256 << 10;                             /* Exactly 1 MiB. */
    ovs_assert(!nae_mem_add(&mem, fd2, &r));
    nae_mem_clear(&mem);
    ovs_assert(mem.total == 0 && mem.limit == 1 << 20);

    /* hugetlbfs memory, sealed or not, is refused: holes punched in it
     * would SIGBUS the switch once the pool is dry.  (Where the kernel has
     * no hugetlbfs, memfd_create() fails and there is nothing to test.) */
    nae_mem_init(&mem, 0);
    fd = memfd_create("huge", MFD_HUGETLB | MFD_ALLOW_SEALING);
    if (fd >= 0) {
        r = (struct nae_msg_region) { .guest_addr = 0x10000,
                                      .size = 2 << 20 };
        if (!ftruncate(fd, 2 << 20)
            && !fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW)) {
            ovs_assert(nae_mem_add(&mem, fd, &r) == EPERM);
        }
        close(fd);
    }
}

/* Control messages: HELLO first, version checked, unknown types refused,
 * and passed descriptors never leak. */
static void
test_messages(void)
{
    struct nae_msg msg, reply;
    struct nae_dev dev;
    int fd, pipefd[2];

    nae_dev_init(&dev, &offer2);
    memset(&msg, 0, sizeof msg);
    msg.type = NAE_MSG_CFG_READ;
    msg.u.cfg.offset = NAE_CFG_Q_NUM;
    msg.u.cfg.width = 2;
    fd = test_memfd(4096, true);
    ovs_assert(nae_dev_handle_msg(&dev, &msg, fd, &reply) == EPROTO);
    ovs_assert(!fd_is_open(fd));

    msg.type = NAE_MSG_HELLO;
    msg.u.hello.abi_version = NAE_ABI_VERSION + 1;
    ovs_assert(nae_dev_handle_msg(&dev, &msg, -1, &reply) == EPROTO);
    msg.u.hello.abi_version = NAE_ABI_VERSION;
    msg.seq = 42;
    ovs_assert(!nae_dev_handle_msg(&dev, &msg, -1, &reply));
    ovs_assert(reply.type == NAE_MSG_HELLO && reply.seq == 42);

    memset(&msg, 0, sizeof msg);
    msg.type = NAE_MSG_CFG_READ;
    msg.u.cfg.offset = NAE_CFG_Q_NUM;
    msg.u.cfg.width = 2;
    ovs_assert(!nae_dev_handle_msg(&dev, &msg, -1, &reply));
    ovs_assert(reply.type == NAE_MSG_REPLY && reply.u.reply.value == 2);

    msg.type = 77;
    ovs_assert(nae_dev_handle_msg(&dev, &msg, -1, &reply) == EPROTO);
    ovs_assert(reply.u.reply.error == EPROTO);

    /* Region without a descriptor; interrupt fds that are not AF_UNIX
     * datagram sockets (an eventfd blocks on write once the guest cleared
     * O_NONBLOCK and raised its counter; a stream socket has no record
     * boundaries). */
    msg.type = NAE_MSG_MEM_REGION;
    ovs_assert(nae_dev_handle_msg(&dev, &msg, -1, &reply) == EINVAL);
    ovs_assert(!pipe(pipefd));
    msg.type = NAE_MSG_SET_IRQ_FD;
    msg.u.irq.line = 0;
    ovs_assert(nae_dev_handle_msg(&dev, &msg, pipefd[1], &reply) == EINVAL);
    ovs_assert(!fd_is_open(pipefd[1]));
    close(pipefd[0]);
    msg.u.irq.line = 4;
    fd = test_memfd(4096, true);
    ovs_assert(nae_dev_handle_msg(&dev, &msg, fd, &reply) == EINVAL);
    ovs_assert(!fd_is_open(fd));
    fd = eventfd(0, EFD_NONBLOCK);
    ovs_assert(nae_dev_handle_msg(&dev, &msg, fd, &reply) == EINVAL);
    ovs_assert(!fd_is_open(fd));
    ovs_assert(!socketpair(AF_UNIX, SOCK_STREAM, 0, pipefd));
    ovs_assert(nae_dev_handle_msg(&dev, &msg, pipefd[1], &reply) == EINVAL);
    close(pipefd[0]);
    ovs_assert(!socketpair(AF_UNIX, SOCK_DGRAM, 0, pipefd));
    msg.u.irq.line = 1;
    ovs_assert(!nae_dev_handle_msg(&dev, &msg, pipefd[1], &reply));
    ovs_assert(dev.irq_fd[1] == pipefd[1]);
    close(pipefd[0]);
    ovs_assert(dev.rejects[NAE_REJ_BAD_IRQ] == 4);
    ovs_assert(dev.rejects[NAE_REJ_BAD_MSG] == 3);
    nae_dev_destroy(&dev);
}

/* The path fields: the switch sets 'dev_path'; a driver may acknowledge
 * only the generation announced there, and cannot write the path. */
static void
test_path_ack(void)
{
    struct nae_dev dev;

    nae_dev_init(&dev, &offer2);
    ovs_assert(rd(&dev, NAE_CFG_DEV_PATH, 8) == 0);
    ovs_assert(rd(&dev, NAE_CFG_DEV_PATH_ACK, 4) == 0);
    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_DEV_PATH, 8,
                                 NAE_PATH_VALUE(1, NAE_PATH_HW, 0)) == EPERM);
    ovs_assert(dev.rejects[NAE_REJ_READ_ONLY] == 1);

    /* Nothing announced yet: no generation but 0 is acceptable. */
    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_DEV_PATH_ACK, 4, 1)
               == EINVAL);

    dev.path = NAE_PATH_VALUE(7, NAE_PATH_HW, 3);
    ovs_assert(rd(&dev, NAE_CFG_DEV_PATH, 8)
               == (3ULL << 32 | 7 << 8 | NAE_PATH_HW));
    ovs_assert(NAE_PATH_OF(rd(&dev, NAE_CFG_DEV_PATH, 8)) == NAE_PATH_HW);
    ovs_assert(NAE_PATH_GEN(rd(&dev, NAE_CFG_DEV_PATH, 8)) == 7);
    ovs_assert(NAE_PATH_VF(rd(&dev, NAE_CFG_DEV_PATH, 8)) == 3);
    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_DEV_PATH_ACK, 4, 6)
               == EINVAL);
    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_DEV_PATH_ACK, 4, 8)
               == EINVAL);
    ovs_assert(nae_dev_cfg_write(&dev, NAE_CFG_DEV_PATH_ACK, 2, 7)
               == EINVAL);
    ovs_assert(dev.path_ack == 0);
    ovs_assert(!nae_dev_cfg_write(&dev, NAE_CFG_DEV_PATH_ACK, 4, 7));
    ovs_assert(rd(&dev, NAE_CFG_DEV_PATH_ACK, 4) == 7);
    ovs_assert(dev.rejects[NAE_REJ_BAD_VALUE] == 3);
    ovs_assert(dev.rejects[NAE_REJ_BAD_WIDTH] == 1);
    nae_dev_destroy(&dev);
}

static void
test_nae_dev_main(int argc, char *argv[])
{
    static const struct test_case tests[] = {
        { "identity", test_identity },
        { "features", test_features },
        { "q-sel", test_q_sel },
        { "cfg-validation", test_cfg_validation },
        { "start-validation", test_start_validation },
        { "regions", test_regions },
        { "messages", test_messages },
        { "path-ack", test_path_ack },
    };

    test_run(argc, argv, tests, ARRAY_SIZE(tests));
}

OVSTEST_REGISTER("test-nae-dev", test_nae_dev_main);
