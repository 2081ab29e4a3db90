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

/* VF placement.  See nae-place.h. */

#include <config.h>

#include "nae-place.h"

#include <stdint.h>
#include <stdlib.h>

#include "hash.h"
#include "openvswitch/hmap.h"
#include "util.h"

/* One VF some candidate owns. */
struct nae_place_taken {
    struct hmap_node node;      /* In a set keyed by VF. */
    int vf;
    size_t owner;               /* Index of the candidate. */
};

static struct nae_place_taken *
nae_place_find(const struct hmap *taken, int vf)
{
    struct nae_place_taken *t;

    HMAP_FOR_EACH_WITH_HASH (t, node, hash_int(vf, 0), taken) {
        if (t->vf == vf) {
            return t;
        }
    }
    return NULL;
}

static void
nae_place_take(struct hmap *taken, int vf, size_t owner)
{
    struct nae_place_taken *t = xmalloc(sizeof *t);

    t->vf = vf;
    t->owner = owner;
    hmap_insert(taken, &t->node, hash_int(vf, 0));
}

/* A candidate's place in the order they are served. */
struct nae_place_turn {
    int priority;
    size_t index;
};

static int
nae_place_turn_cmp(const void *a_, const void *b_)
{
    const struct nae_place_turn *a = a_, *b = b_;

    return (a->priority != b->priority ? (a->priority < b->priority ? 1 : -1)
            : a->index < b->index ? -1
            : a->index > b->index);
}

/* How much 'c' deserves the VF it holds: one it does not use least. */
static int
nae_place_rank(const struct nae_place_cand *c)
{
    return c->wants ? c->priority : -1;
}

void
nae_place(struct nae_place_cand *cands, size_t n)
{
    struct hmap taken = HMAP_INITIALIZER(&taken);
    struct nae_place_taken *t;
    struct nae_place_turn *order;
    size_t *pos;

    for (size_t i = 0; i < n; i++) {
        cands[i].given = -1;
        cands[i].preempted_for = -1;
        if (cands[i].owns >= 0 && !nae_place_find(&taken, cands[i].owns)) {
            nae_place_take(&taken, cands[i].owns, i);
        }
    }

    order = xmalloc(MAX(n, 1) * sizeof *order);
    for (size_t i = 0; i < n; i++) {
        order[i].priority = cands[i].priority;
        order[i].index = i;
    }
    qsort(order, n, sizeof *order, nae_place_turn_cmp);
    pos = xmalloc(MAX(n, 1) * sizeof *pos);
    for (size_t k = 0; k < n; k++) {
        pos[order[k].index] = k;
    }

    for (size_t k = 0; k < n; k++) {
        size_t i = order[k].index;
        struct nae_place_cand *p = &cands[i];
        size_t victim = SIZE_MAX;
        bool on_its_way = false;

        if (!p->wants || p->owns >= 0) {
            continue;
        }
        for (size_t v = 0; v < p->n_pool; v++) {
            if (!nae_place_find(&taken, p->pool[v])) {
                p->given = p->owns = p->pool[v];
                nae_place_take(&taken, p->owns, i);
                break;
            }
        }
        if (p->given >= 0) {
            continue;
        }

        /* None free: the least deserving holder of one of its VFs (ties:
         * the first served), unless one of them is already on its way. */
        for (size_t v = 0; v < p->n_pool && !on_its_way; v++) {
            size_t j = nae_place_find(&taken, p->pool[v])->owner;
            const struct nae_place_cand *q = &cands[j];
            int rank = nae_place_rank(q);

            if (q->preempted) {
                on_its_way = true;
            } else if (!q->pinned && rank < p->priority
                       && (victim == SIZE_MAX
                           || rank < nae_place_rank(&cands[victim])
                           || (rank == nae_place_rank(&cands[victim])
                               && pos[j] < pos[victim]))) {
                victim = j;
            }
        }
        if (victim != SIZE_MAX && !on_its_way) {
            cands[victim].preempted = true;
            cands[victim].preempted_for = i;
        }
    }

    free(order);
    free(pos);
    HMAP_FOR_EACH_POP (t, node, &taken) {
        free(t);
    }
    hmap_destroy(&taken);
}
