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

#ifndef NETDEV_SHARED_H
#define NETDEV_SHARED_H 1

/* What ovs-nae's netdev classes (nae, splitio, ioservice) share. */

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

#include "netdev.h"
#include "openvswitch/thread.h"

struct netdev_custom_stats;
struct netdev_rxq;

/* Fills the next counter of 'cs' (whose 'counters' array the caller sized)
 * with 'value', named by printf-style 'fmt'; advances '*n'. */
void nae_custom_add(struct netdev_custom_stats *cs, size_t *n,
                    uint64_t value, const char *fmt, ...)
    OVS_PRINTF_FORMAT(4, 5);

/* Receive queues of our classes carry no state of their own. */
struct netdev_rxq *nae_rxq_alloc(void);
int nae_rxq_construct(struct netdev_rxq *);
void nae_rxq_destruct(struct netdev_rxq *);
void nae_rxq_dealloc(struct netdev_rxq *);

/* update_flags() for a class that only records NETDEV_UP and
 * NETDEV_PROMISC in '*flags', guarded by 'mutex'. */
int nae_flags_update(struct netdev *, struct ovs_mutex *mutex,
                     enum netdev_flags *flags, enum netdev_flags off,
                     enum netdev_flags on, enum netdev_flags *old);

#endif /* netdev-shared.h */
