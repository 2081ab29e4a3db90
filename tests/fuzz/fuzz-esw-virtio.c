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

/* libFuzzer target: a VM's virtqueues as the emulated NIC's VF in virtio
 * mode runs them (emunic/esw-virtio.c).  The input is the VM's memory:
 * descriptors, avail rings, indirect tables, virtio-net headers, all of it
 * the guest's to write.
 *
 * Input: 8 bytes of negotiated features, then guest memory (at most
 * FUZZ_MEM bytes, zero-padded), in two regions split at FUZZ_MEM / 2 so
 * that buffers can straddle them.  The transmit ring is at 0 (avail at
 * 0x100, used at 0x140), the receive ring at 0x200, 16 entries each: near
 * the start, so that short inputs reach them.  The NIC takes up to 128
 * frames from the transmit ring and writes a frame into the receive ring
 * after each. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esw-virtio.h"

#define FUZZ_MEM 0x4000
#define FUZZ_GPA 0x10000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t frame[2048], out[2048];
    struct esw_vio_mem mem;
    struct esw_vq rxq, txq;
    uint64_t features;
    uint8_t *a, *b;

    if (size < 8) {
        return 0;
    }
    memcpy(&features, data, 8);
    data += 8;
    size -= 8;
    /* Two separate allocations of exactly their size: ASan sees any
     * access outside either. */
    a = calloc(1, FUZZ_MEM / 2);
    b = calloc(1, FUZZ_MEM / 2);
    memcpy(a, data, size < FUZZ_MEM / 2 ? size : FUZZ_MEM / 2);
    if (size > FUZZ_MEM / 2) {
        size_t rest = size - FUZZ_MEM / 2;

        memcpy(b, data + FUZZ_MEM / 2, rest < FUZZ_MEM / 2 ? rest
                                                           : FUZZ_MEM / 2);
    }
    mem.n = 2;
    mem.r[0] = (struct esw_vio_region) { FUZZ_GPA, FUZZ_MEM / 2, a };
    mem.r[1] = (struct esw_vio_region) { FUZZ_GPA + FUZZ_MEM / 2,
                                         FUZZ_MEM / 2, b };
    memset(frame, 0x5a, sizeof frame);
    if (!esw_vq_init(&txq, &mem, FUZZ_GPA, FUZZ_GPA + 0x100,
                     FUZZ_GPA + 0x140, 16, features, 0, 0, -1)
        && !esw_vq_init(&rxq, &mem, FUZZ_GPA + 0x200, FUZZ_GPA + 0x300,
                        FUZZ_GPA + 0x340, 16, features, 0, 0, -1)) {
        for (int i = 0; i < 128; i++) {
            uint32_t len = 0;
            int r = esw_vq_pop(&txq, &mem, out, sizeof out, &len);

            if (!r) {
                break;
            }
            if (r > 0 && len > sizeof out) {
                abort();
            }
            esw_vq_push(&rxq, &mem, frame, 60 + (i * 97) % 1500);
        }
        esw_vq_flush(&txq, false);
        esw_vq_flush(&rxq, true);
    }
    free(a);
    free(b);
    return 0;
}
