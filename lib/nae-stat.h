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

#ifndef NAE_STAT_H
#define NAE_STAT_H 1

/* Counters the data path keeps in atomics, so that other threads read
 * them without a lock: the rings, the channels and the netdev classes
 * alike.  Relaxed ordering: a reader sees each counter whole, not a
 * snapshot of several. */

#include <stdint.h>

#include "openvswitch/util.h"
#include "ovs-atomic.h"

/* Adds 'n' to a counter with one writer at a time (a load and a store:
 * cheap, but two threads at once would lose counts). */
static inline void
nae_stat_add(atomic_uint64_t *counter, uint64_t n)
{
    uint64_t value;

    atomic_read_relaxed(counter, &value);
    atomic_store_relaxed(counter, value + n);
}

/* Adds 'n' to a counter any number of threads update at once (OVS's PMD
 * threads all transmit to any port): an atomic read-modify-write. */
static inline void
nae_stat_add_shared(atomic_uint64_t *counter, uint64_t n)
{
    uint64_t orig;

    atomic_add_relaxed(counter, n, &orig);
}

static inline uint64_t
nae_stat_get(const atomic_uint64_t *counter)
{
    uint64_t value;

    atomic_read_relaxed(CONST_CAST(atomic_uint64_t *, counter), &value);
    return value;
}

#endif /* nae-stat.h */
