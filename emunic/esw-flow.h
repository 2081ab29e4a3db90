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

#ifndef ESW_FLOW_H
#define ESW_FLOW_H 1

/* The emulated eswitch's rte_flow front end (esw-flow.c): transfer rules
 * validated and translated into esw_rules of the switch's table
 * (esw-table.h).  The ethdev driver (esw.c) sits on top: it gives each of
 * its ports a 'struct esw_flow_switch', which is all the front end knows
 * of the NIC. */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_spinlock.h>

#include "esw-table.h"

/* What the front end needs of the switch its ports belong to. */
struct esw_flow_switch {
    rte_spinlock_t lock;        /* The table's, also the driver's. */
    struct esw_table table;

    /* Whether ethdev 'port_id' is a port of this switch. */
    bool (*has_port)(const struct esw_flow_switch *, uint16_t port_id);
    /* The port that manages rules, asked by 'port_id'. */
    uint16_t (*proxy_port)(const struct esw_flow_switch *, uint16_t port_id);
};

void esw_flow_switch_init(struct esw_flow_switch *, uint32_t capacity);
void esw_flow_switch_destroy(struct esw_flow_switch *);

/* The driver's private data of each ethdev starts with a pointer to its
 * switch. */
static inline struct esw_flow_switch *
esw_flow_switch_of(const struct rte_eth_dev *dev)
{
    return *(struct esw_flow_switch **) dev->data->dev_private;
}

/* The rte_flow handle: one rule.  'magic' tells a live handle from a
 * destroyed one on destroy and query. */
#define ESW_FLOW_MAGIC 0x65737772u

struct rte_flow {
    uint32_t magic;
    struct esw_rule rule;
};

extern const struct rte_flow_ops esw_flow_ops;

#endif /* esw-flow.h */
