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

#ifndef NAE_TEST_MEM_H
#define NAE_TEST_MEM_H 1

/* Helpers for unit tests: guest memory and a started device whose rings
 * the test drives by hand, as a guest driver would. */

#include <stdint.h>
#include "nae-dev.h"

#define TEST_GPA 0x40000000ULL

int test_memfd(size_t size, bool sealed);
void *test_add_region(struct nae_dev *, uint64_t gpa, size_t size);

/* A one-channel device in guest memory at TEST_GPA, rings of 'size'. */
struct test_guest {
    struct nae_dev dev;
    uint8_t *mem;           /* Guest view of TEST_GPA. */
    size_t mem_size;
    struct nae_desc *tx_desc, *rx_desc;
    struct nae_ring_driver_words *tx_drv, *rx_drv;
    struct nae_ring_device_words *tx_dev, *rx_dev;
    uint64_t bufs_gpa;      /* 2 KiB buffers from here. */
    uint8_t *bufs;
};

/* A named subtest; test_run() runs the one argv[1] names, or all. */
struct test_case {
    const char *name;
    void (*fn)(void);
};
void test_run(int argc, char *argv[], const struct test_case *, size_t n);

void test_guest_init(struct test_guest *, uint32_t ring_size,
                     uint64_t features);
void test_guest_destroy(struct test_guest *);
uint64_t test_gpa(const struct test_guest *, const void *);

#endif
