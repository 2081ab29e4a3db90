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

#include <config.h>
#include "nae-test-mem.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

/* Returns a memfd of 'size' bytes, sealed against shrinking if 'sealed'. */
int
test_memfd(size_t size, bool sealed)
{
    int fd = memfd_create("nae-test", MFD_CLOEXEC
                          | (sealed ? MFD_ALLOW_SEALING : 0));

    ovs_assert(fd >= 0);
    ovs_assert(!ftruncate(fd, size));
    if (sealed) {
        ovs_assert(!fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));
    }
    return fd;
}

/* Registers 'size' bytes of fresh memory at 'gpa' in 'dev' and returns the
 * test's own mapping of it. */
void *
test_add_region(struct nae_dev *dev, uint64_t gpa, size_t size)
{
    int fd = test_memfd(size, true);
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    struct nae_msg_region r = { .guest_addr = gpa, .size = size };

    ovs_assert(p != MAP_FAILED);
    ovs_assert(!nae_mem_add(&dev->mem, fd, &r));
    return p;
}

uint64_t
test_gpa(const struct test_guest *tg, const void *p)
{
    return TEST_GPA + ((const uint8_t *) p - tg->mem);
}

static void
cfg_w(struct nae_dev *dev, uint32_t off, uint32_t width, uint64_t v)
{
    ovs_assert(!nae_dev_cfg_write(dev, off, width, v));
}

void
test_guest_init(struct test_guest *tg, uint32_t ring_size, uint64_t features)
{
    struct nae_dev_offer offer = {
        .q_num = 1, .mtu = 1500, .features = NAE_F_ALL, .mac = 0x0a0000000001,
    };
    size_t desc_bytes = ROUND_UP(ring_size * sizeof(struct nae_desc), 64);

    memset(tg, 0, sizeof *tg);
    nae_dev_init(&tg->dev, &offer);
    tg->mem_size = 2 * desc_bytes + 4 * 64 + 2 * ring_size * 2048;
    tg->mem_size = ROUND_UP(tg->mem_size, 4096);
    tg->mem = test_add_region(&tg->dev, TEST_GPA, tg->mem_size);

    uint8_t *p = tg->mem;
    tg->tx_desc = (struct nae_desc *) p;
    p += desc_bytes;
    tg->rx_desc = (struct nae_desc *) p;
    p += desc_bytes;
    tg->tx_drv = (void *) p;
    tg->tx_dev = (void *) (p + 64);
    tg->rx_drv = (void *) (p + 128);
    tg->rx_dev = (void *) (p + 192);
    p += 256;
    tg->bufs = p;
    tg->bufs_gpa = test_gpa(tg, p);

    tg->dev.hello_done = true;
    cfg_w(&tg->dev, NAE_CFG_Q_SEL, 2, 0);
    cfg_w(&tg->dev, NAE_CFG_Q_FEATURES, 8, features);
    cfg_w(&tg->dev, NAE_CFG_Q_SIZE, 2, ring_size);
    cfg_w(&tg->dev, NAE_CFG_Q_TX_DMA, 8, test_gpa(tg, tg->tx_desc));
    cfg_w(&tg->dev, NAE_CFG_Q_RX_DMA, 8, test_gpa(tg, tg->rx_desc));
    cfg_w(&tg->dev, NAE_CFG_Q_TX_TAIL_ADDR, 8, test_gpa(tg, tg->tx_drv));
    cfg_w(&tg->dev, NAE_CFG_Q_TX_HEAD_ADDR, 8, test_gpa(tg, tg->tx_dev));
    cfg_w(&tg->dev, NAE_CFG_Q_RX_TAIL_ADDR, 8, test_gpa(tg, tg->rx_drv));
    cfg_w(&tg->dev, NAE_CFG_Q_RX_HEAD_ADDR, 8, test_gpa(tg, tg->rx_dev));
    cfg_w(&tg->dev, NAE_CFG_DEV_START, 2, 1);
}

void
test_guest_destroy(struct test_guest *tg)
{
    munmap(tg->mem, tg->mem_size);
    nae_dev_destroy(&tg->dev);
}

/* Runs the test in 'tests' that argv[1] names, or every test if there is no
 * argv[1], printing "NAME: ok" after each. */
void
test_run(int argc, char *argv[], const struct test_case *tests, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (argc < 2 || !strcmp(argv[1], tests[i].name)) {
            tests[i].fn();
            printf("%s: ok\n", tests[i].name);
        }
    }
}
