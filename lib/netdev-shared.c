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

/* What ovs-nae's netdev classes (nae, splitio, ioservice) share. */

#include <config.h>

#include "netdev-shared.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "netdev-provider.h"
#include "util.h"

void
nae_custom_add(struct netdev_custom_stats *cs, size_t *n, uint64_t value,
               const char *fmt, ...)
{
    struct netdev_custom_counter *c = &cs->counters[(*n)++];
    va_list args;

    va_start(args, fmt);
    vsnprintf(c->name, sizeof c->name, fmt, args);
    va_end(args);
    c->value = value;
}

struct netdev_rxq *
nae_rxq_alloc(void)
{
    return xzalloc(sizeof(struct netdev_rxq));
}

int
nae_rxq_construct(struct netdev_rxq *rxq OVS_UNUSED)
{
    return 0;
}

void
nae_rxq_destruct(struct netdev_rxq *rxq OVS_UNUSED)
{
}

void
nae_rxq_dealloc(struct netdev_rxq *rxq)
{
    free(rxq);
}

int
nae_flags_update(struct netdev *netdev, struct ovs_mutex *mutex,
                 enum netdev_flags *flags, enum netdev_flags off,
                 enum netdev_flags on, enum netdev_flags *old)
    OVS_EXCLUDED(mutex)
{
    if ((off | on) & ~(NETDEV_UP | NETDEV_PROMISC)) {
        return EINVAL;
    }
    ovs_mutex_lock(mutex);
    *old = *flags;
    *flags = (*flags | on) & ~off;
    if (*old != *flags) {
        netdev_change_seq_changed(netdev);
    }
    ovs_mutex_unlock(mutex);
    return 0;
}
