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

#ifndef NETDEV_OFFLOAD_NAE_H
#define NETDEV_OFFLOAD_NAE_H 1

/* The flow offload provider of "nae" ports (netdev-offload-nae.c), and what
 * netdev-nae.c tells it about its ports' hardware paths. */

#include <stdbool.h>
#include <stdint.h>

#include "nae-path.h"

struct netdev;

void nae_offload_register(void);

/* 'netdev' (a nae port) has representor 'hw_port' (-1: none) in 'state'
 * (nae-path.h): its flows' rules are to be installed or removed
 * accordingly.  The offload worker does it; returns a ticket for
 * nae_offload_port_done(), which says when it has, and
 * nae_offload_port_wait(), which wakes the main loop then.  Main thread. */
uint64_t nae_offload_port_set(const struct netdev *, int hw_port,
                              enum nae_offload_state);
bool nae_offload_port_done(const struct netdev *, uint64_t ticket);
void nae_offload_port_wait(const struct netdev *, uint64_t ticket);

/* The port closes its representor: removes every flow that involves it
 * from the provider and the eswitch, and returns once that is done. */
void nae_offload_port_remove(const struct netdev *);

/* The port's netdev goes: what nae_offload_port_remove() does, and frees
 * the provider's state of it. */
void nae_offload_port_destroy(const struct netdev *);

/* At most 'quota' eswitch rules may have 'netdev' as their input (0: no
 * bound); flows past it stay in software, refused as "port_quota". */
#define NAE_OFFLOAD_DEFAULT_QUOTA 256
void nae_offload_port_set_quota(const struct netdev *, unsigned int quota);

#endif /* netdev-offload-nae.h */
