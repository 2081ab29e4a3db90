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

#ifndef NAE_MEM_H
#define NAE_MEM_H 1

/* Guest memory as the switch sees it: the regions a guest registered
 * (memfds mapped here) and the translation of guest addresses to switch
 * pointers.  Adding and clearing regions is control path; translation is an
 * inline, allocation-free check used on the data path.
 *
 * Thread safety: a 'struct nae_mem' is written only by its owner on the main
 * thread.  The data path gets its own copy of the translation table
 * (struct nae_mem_map), so it never reads a table that is being changed. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nae-abi.h"

struct nae_mem_region {
    uint64_t guest_addr;        /* First guest address of the region. */
    uint64_t size;              /* Bytes. */
    uint8_t *host;              /* Where 'guest_addr' is mapped here. */
};

/* The data path's read-only translation table. */
struct nae_mem_map {
    size_t n;
    struct nae_mem_region regions[NAE_MAX_REGIONS];
};

/* What the control path owns: the table plus the mappings and fds behind
 * it. */
struct nae_mem {
    struct nae_mem_map map;
    void *map_base[NAE_MAX_REGIONS];    /* For munmap(). */
    size_t map_len[NAE_MAX_REGIONS];
    int fd[NAE_MAX_REGIONS];

    /* Every byte a guest registers is memory the switch's own accesses can
     * make the kernel allocate (and charge to the switch): a sparse memfd
     * costs the guest nothing until the switch copies from it.  So the sum
     * of region sizes is bounded by 'limit' (0: no bound). */
    uint64_t total;
    uint64_t limit;
};

/* Largest region a guest may register. */
#define NAE_MEM_MAX_REGION_SIZE (64ULL << 30)

void nae_mem_init(struct nae_mem *, uint64_t limit);
int nae_mem_add(struct nae_mem *, int fd, const struct nae_msg_region *);
void nae_mem_clear(struct nae_mem *);

/* Returns the switch pointer for 'len' bytes at guest address 'addr', or
 * NULL unless all of them lie inside one region of 'map'.  'len' may be 0,
 * in which case 'addr' must still lie inside a region. */
static inline void *
nae_mem_translate(const struct nae_mem_map *map, uint64_t addr, uint64_t len)
{
    for (size_t i = 0; i < map->n; i++) {
        const struct nae_mem_region *r = &map->regions[i];
        uint64_t off = addr - r->guest_addr;    /* Wraps if addr < start. */

        if (addr >= r->guest_addr && off < r->size && len <= r->size - off) {
            return r->host + off;
        }
    }
    return NULL;
}

#endif /* nae-mem.h */
