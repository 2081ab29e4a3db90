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

/* The emulated eswitch's flow table.  See esw-table.h. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "esw-table.h"

/* Each group's hash table has as many buckets as the table has room for
 * rules (a power of two, at most 64 Ki), so chains stay short when one
 * mask holds most rules, as OVS's megaflows of one shape do. */
#define ESW_MAX_BUCKETS 65536

struct esw_group {
    struct esw_key mask;
    uint32_t n_rules;
    uint32_t bucket_mask;
    struct esw_rule *buckets[];
};

static void
key_and(struct esw_key *dst, const struct esw_key *a, const struct esw_key *m)
{
    const uint64_t *pa = (const uint64_t *) a, *pm = (const uint64_t *) m;
    uint64_t *pd = (uint64_t *) dst;

    for (size_t i = 0; i < sizeof *dst / 8; i++) {
        pd[i] = pa[i] & pm[i];
    }
}

static uint32_t
key_hash(const struct esw_key *k)
{
    const uint64_t *p = (const uint64_t *) k;
    uint64_t h = 0x9e3779b97f4a7c15ULL;

    for (size_t i = 0; i < sizeof *k / 8; i++) {
        h = (h ^ p[i]) * 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
    }
    return h;
}

void
esw_table_init(struct esw_table *t, uint32_t capacity)
{
    memset(t, 0, sizeof *t);
    t->capacity = capacity;
}

void
esw_table_clear(struct esw_table *t, void (*free_rule)(struct esw_rule *))
{
    for (int g = 0; g < t->n_groups; g++) {
        for (uint32_t b = 0; b <= t->groups[g]->bucket_mask; b++) {
            struct esw_rule *r = t->groups[g]->buckets[b], *next;

            for (; r; r = next) {
                next = r->next;
                r->group = NULL;
                if (free_rule) {
                    free_rule(r);
                }
            }
        }
        free(t->groups[g]);
    }
    t->n_groups = 0;
    t->n_rules = 0;
}

struct esw_rule *
esw_table_lookup(struct esw_table *t, const struct esw_key *key)
{
    struct esw_rule *best = NULL;

    t->lookups++;
    for (int g = 0; g < t->n_groups; g++) {
        struct esw_group *grp = t->groups[g];
        struct esw_key masked;

        key_and(&masked, key, &grp->mask);
        for (struct esw_rule *f = grp->buckets[key_hash(&masked)
                                               & grp->bucket_mask];
             f; f = f->next) {
            if (!memcmp(&f->key, &masked, sizeof masked)
                && (!best || f->priority < best->priority
                    || (f->priority == best->priority
                        && f->seq < best->seq))) {
                best = f;
            }
        }
    }
    if (!best) {
        t->misses++;
    }
    return best;
}

int
esw_table_insert(struct esw_table *t, struct esw_rule *f)
{
    struct esw_group *grp = NULL;

    if (t->n_rules >= t->capacity) {
        t->full++;
        return ENOSPC;
    }

    for (int g = 0; g < t->n_groups; g++) {
        if (!memcmp(&t->groups[g]->mask, &f->mask, sizeof f->mask)) {
            grp = t->groups[g];
            break;
        }
    }
    if (!grp) {
        if (t->n_groups >= ESW_MAX_GROUPS) {
            return ENOSPC;
        }
        uint32_t n_buckets = 16;

        while (n_buckets < t->capacity && n_buckets < ESW_MAX_BUCKETS) {
            n_buckets *= 2;
        }
        grp = calloc(1, sizeof *grp + n_buckets * sizeof grp->buckets[0]);
        if (!grp) {
            return ENOMEM;
        }
        grp->mask = f->mask;
        grp->bucket_mask = n_buckets - 1;
        t->groups[t->n_groups++] = grp;
    }
    uint32_t b = key_hash(&f->key) & grp->bucket_mask;
    f->group = grp;
    f->next = grp->buckets[b];
    grp->buckets[b] = f;
    grp->n_rules++;
    f->seq = t->next_seq++;
    t->n_rules++;
    return 0;
}

void
esw_table_remove(struct esw_table *t, struct esw_rule *f)
{
    struct esw_group *grp = f->group;
    struct esw_rule **p = &grp->buckets[key_hash(&f->key)
                                         & grp->bucket_mask];

    while (*p != f) {
        p = &(*p)->next;
    }
    *p = f->next;
    f->group = NULL;
    t->n_rules--;
    if (!--grp->n_rules) {
        for (int g = 0; g < t->n_groups; g++) {
            if (t->groups[g] == grp) {
                t->groups[g] = t->groups[--t->n_groups];
                break;
            }
        }
        free(grp);
    }
}
