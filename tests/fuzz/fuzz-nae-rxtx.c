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

/* libFuzzer target: the rings of a started channel, written by a hostile
 * guest.  Each round of input is the two driver tails (4 bytes each, first,
 * so that short inputs already reach the ring logic), then descriptors for
 * the tx and rx rings.  The switch then receives from the tx ring and sends
 * to the rx ring; two rounds, with the guest rewriting memory in between.
 * Every copy the switch makes must stay inside guest memory (ASan checks
 * the switch side: dp_packets are heap buffers).  Frames with checksum and
 * TSO commands go back as they came on the first round, and checksummed or
 * cut into segments by the switch on the second. */

#include <config.h>
#include <stdint.h>
#include <string.h>

#include "dp-packet.h"
#include "nae-rxtx.h"
#include "nae-test-mem.h"
#include "netdev.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RING 32
#define DESC_BYTES (2 * RING * sizeof(struct nae_desc))

/* On 'soft' rounds the guest's receive side takes no offloads, so that
 * frames the guest sent with checksum or TSO commands come back
 * checksummed or segmented by the switch, into guest buffers. */
static void
run_switch(struct test_guest *tg, struct nae_rings *chan, bool soft)
{
    struct dp_packet *pkts[NETDEV_MAX_BURST];
    int n = nae_rings_rx_pending(chan);

    for (int i = 0; i < n; i++) {
        pkts[i] = dp_packet_new_with_headroom(2048, 128);
    }
    int got = nae_rings_rx_burst(chan, &tg->dev.mem.map, pkts, n);
    for (int i = 0; i < got; i++) {
        pkts[i]->l4_ofs = MIN(dp_packet_size(pkts[i]), 34);
    }
    for (int i = got; i < n; i++) {
        dp_packet_delete(pkts[i]);      /* Allocated, left unfilled. */
    }
    /* Send back what arrived, plus one frame of our own. */
    struct dp_packet *own = dp_packet_new(128);
    dp_packet_put_zeros(own, 60);
    pkts[got] = own;
    uint64_t features = chan->features;
    if (soft) {
        chan->features &= ~(NAE_F_CSUM | NAE_F_TSO);
    }
    nae_rings_tx_burst(chan, &tg->dev.mem.map, pkts, got + 1);
    chan->features = features;
    for (int i = 0; i <= got; i++) {
        dp_packet_delete(pkts[i]);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct test_guest tg;
    static bool initialized;
    struct nae_chan_layout layout[NAE_MAX_CHANNELS];
    struct nae_rings chan;

    if (!initialized) {
        test_guest_init(&tg, RING, NAE_F_ALL & ~NAE_F_NOTIFY);
        initialized = true;
    }
    memset(tg.mem, 0, DESC_BYTES + 256);
    ovs_assert(!nae_dev_layout(&tg.dev, layout));
    nae_rings_construct(&chan);
    nae_rings_init(&chan, &layout[0], 1518);

    for (int round = 0; round < 2 && size >= 8; round++) {
        size_t n;

        memcpy(&tg.tx_drv->tail, data, 4);
        memcpy(&tg.rx_drv->tail, data + 4, 4);
        data += 8;
        size -= 8;
        n = MIN(size, DESC_BYTES);
        memcpy(tg.tx_desc, data, n);    /* tx ring, then rx ring. */
        data += n;
        size -= n;
        run_switch(&tg, &chan, round == 1);
    }
    nae_rings_destroy(&chan);
    return 0;
}
