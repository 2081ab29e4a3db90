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

/* libFuzzer target: a VM's receive ring as a port that expects the VM by
 * migration reads it when the VM's device starts (lib/nae-vring-peek.c):
 * its used ring, descriptors and buffers, all of it the VM's to write.
 *
 * Input: 8 bytes of negotiated features, 2 bytes of ring size (1 to 256),
 * then guest memory (at most FUZZ_MEM bytes, zero-padded, one allocation
 * of exactly that size so that ASan sees any access outside it).  The
 * descriptor table is at 0, the used ring at 0x1000; the memory lives at
 * guest physical address FUZZ_GPA. */

#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nae-vring-peek.h"

#define FUZZ_MEM 0x4000
#define FUZZ_GPA 0x10000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const void *
fuzz_map(void *mem, uint64_t gpa, uint64_t len)
{
    if (gpa < FUZZ_GPA || gpa - FUZZ_GPA > FUZZ_MEM
        || len > FUZZ_MEM - (gpa - FUZZ_GPA)) {
        return NULL;
    }
    return (uint8_t *) mem + (gpa - FUZZ_GPA);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t features, hashes[64];
    uint16_t ring_size;
    uint8_t *mem;

    if (size < 10) {
        return 0;
    }
    memcpy(&features, data, 8);
    memcpy(&ring_size, data + 8, 2);
    ring_size = ring_size % 256 + 1;
    data += 10;
    size -= 10;
    mem = calloc(1, FUZZ_MEM);
    memcpy(mem, data, size < FUZZ_MEM ? size : FUZZ_MEM);
    nae_vring_peek_received((void *) mem, (void *) (mem + 0x1000),
                            ring_size, features, fuzz_map, mem, hashes,
                            64);
    free(mem);
    return 0;
}
