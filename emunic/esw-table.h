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

#ifndef ESW_TABLE_H
#define ESW_TABLE_H 1

/* The emulated eswitch's flow table (esw-table.c): a pure classifier over
 * esw_keys, what a NIC's firmware keeps of its transfer rules.  It knows
 * nothing of rte_flow or ethdev (esw-flow.c translates rte_flow into its
 * rules; esw.c looks frames up in it) and takes no lock: its owner
 * serializes every call. */

#include <stdbool.h>
#include <stdint.h>

#include "esw-pkt.h"

struct esw_group;

/* One rule. */
struct esw_rule {
    struct esw_key key;         /* Already masked. */
    struct esw_key mask;
    uint32_t priority;          /* Lower wins, as rte_flow's. */
    uint64_t seq;               /* Older wins among equal priorities. */
    int n_actions;
    struct esw_action actions[ESW_MAX_ACTIONS];
    bool counted;
    uint64_t hits, bytes;
    struct esw_group *group;    /* Set while in a table. */
    struct esw_rule *next;      /* In the group's bucket. */
};

/* Rules grouped by mask, each group a hash table on the masked key: a
 * lookup probes every group once (tuple space search, as OVS's
 * classifier and NIC flow tables do). */
#define ESW_MAX_GROUPS 64

struct esw_table {
    uint32_t capacity;
    uint32_t n_rules;
    uint64_t next_seq;
    int n_groups;
    struct esw_group *groups[ESW_MAX_GROUPS];
    /* Counters: lookups, misses, rules refused for lack of room. */
    uint64_t lookups, misses, full;
};

void esw_table_init(struct esw_table *, uint32_t capacity);

/* Removes every rule, passing each to 'free_rule' (which may be NULL). */
void esw_table_clear(struct esw_table *,
                     void (*free_rule)(struct esw_rule *));

/* Inserts 'rule' (its key already masked).  Returns 0, ENOSPC if the
 * table is full or has no group left for a new mask, or ENOMEM. */
int esw_table_insert(struct esw_table *, struct esw_rule *);
void esw_table_remove(struct esw_table *, struct esw_rule *);

/* Returns the best rule for 'key', or NULL. */
struct esw_rule *esw_table_lookup(struct esw_table *, const struct esw_key *);

#endif /* esw-table.h */
