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

/* libFuzzer target: a guest's control channel.  The input is a sequence of
 * records as they would arrive on the socket: a flags byte (bit 0: attach a
 * sealed memfd, bit 1: attach an interrupt socket, bit 2: attach an
 * unsealed memfd, bits 4-7: truncate the record by that many bytes) and
 * then up to 32 message bytes.  Each record goes through framing checks
 * and then the device model, exactly as nae-ctl.c does; if the device
 * starts, the layout it produced is checked to lie inside registered
 * memory. */

#include <config.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include "nae-ctl.h"
#include "nae-dev.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
make_memfd(bool sealed)
{
    int fd = memfd_create("fuzz", MFD_CLOEXEC
                          | (sealed ? MFD_ALLOW_SEALING : 0));

    if (fd >= 0 && ftruncate(fd, 1 << 16) == 0 && sealed) {
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK);
    }
    return fd;
}

static bool
inside(const struct nae_mem_map *map, const void *p, size_t len)
{
    for (size_t i = 0; i < map->n; i++) {
        const uint8_t *start = map->regions[i].host;

        if ((const uint8_t *) p >= start
            && (const uint8_t *) p + len <= start + map->regions[i].size) {
            return true;
        }
    }
    return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nae_dev_offer offer = {
        .q_num = 2, .mtu = 1500, .features = NAE_F_ALL, .mac = 1,
    };
    struct nae_dev dev;

    nae_dev_init(&dev, &offer);
    while (size > 0) {
        uint8_t flags = data[0];
        size_t n = MIN(size - 1, sizeof(struct nae_msg));
        size_t cut = MIN(n, (size_t) (flags >> 4));
        struct nae_msg msg, reply;
        int fd = -1;

        memset(&msg, 0, sizeof msg);
        memcpy(&msg, data + 1, n);
        data += 1 + n;
        size -= 1 + n;

        if (nae_ctl_check_frame(n - cut, 0, !!(flags & 7))) {
            continue;               /* The session would end here. */
        }
        if (flags & 1) {
            fd = make_memfd(true);
        } else if (flags & 2) {
            int sv[2];

            if (!socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv)) {
                close(sv[0]);
                fd = sv[1];
            }
        } else if (flags & 4) {
            fd = make_memfd(false);
        }
        nae_dev_handle_msg(&dev, &msg, fd, &reply);

        if (dev.started) {
            struct nae_chan_layout layout[NAE_MAX_CHANNELS];

            ovs_assert(!nae_dev_layout(&dev, layout));
            for (int i = 0; i < NAE_MAX_CHANNELS; i++) {
                const struct nae_chan_layout *l = &layout[i];

                if (!l->active) {
                    continue;
                }
                ovs_assert(inside(&dev.mem.map, l->tx.desc,
                                  l->tx.size * sizeof *l->tx.desc));
                ovs_assert(inside(&dev.mem.map, l->rx.desc,
                                  l->rx.size * sizeof *l->rx.desc));
                ovs_assert(inside(&dev.mem.map, l->tx.driver, 8));
                ovs_assert(inside(&dev.mem.map, l->rx.device, 8));
            }
        }
    }
    nae_dev_destroy(&dev);
    return 0;
}
