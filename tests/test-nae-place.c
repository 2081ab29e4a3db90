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

/* Unit tests of VF placement (lib/nae-place.c): priorities, pins, ties,
 * pools, preemption in progress, and many more ports than VFs. */

#include <config.h>
#undef NDEBUG
#include <stdio.h>
#include <string.h>

#include "nae-place.h"
#include "nae-test-mem.h"
#include "openvswitch/util.h"
#include "ovstest.h"
#include "util.h"

static const int pool_ab[] = { 10, 11 };
static const int pool_a[] = { 10 };
static const int pool_b[] = { 20 };
static const int pool_ba[] = { 20, 10 };

static struct nae_place_cand
cand(int priority, bool wants, int owns, const int *pool, size_t n_pool)
{
    struct nae_place_cand c = {
        .priority = priority, .wants = wants, .owns = owns,
        .pool = pool, .n_pool = n_pool,
    };
    return c;
}

/* New ports, more than VFs: the highest priorities get them. */
static void
test_priorities(void)
{
    struct nae_place_cand c[] = {
        cand(1, true, -1, pool_ab, 2),
        cand(5, true, -1, pool_ab, 2),
        cand(3, true, -1, pool_ab, 2),
        cand(9, false, -1, pool_ab, 2),    /* Does not want one. */
    };

    nae_place(c, ARRAY_SIZE(c));
    ovs_assert(c[1].given == 10 && c[2].given == 11);
    ovs_assert(c[0].given == -1 && c[3].given == -1);
    for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
        ovs_assert(c[i].preempted_for == -1);
    }
}

/* A higher-priority port takes the VF of a lower one, which first moves
 * to its rings: it is not given the VF in the same pass. */
static void
test_preempt(void)
{
    struct nae_place_cand c[] = {
        cand(1, true, 10, pool_a, 1),
        cand(5, true, -1, pool_a, 1),
    };

    nae_place(c, ARRAY_SIZE(c));
    ovs_assert(c[0].preempted && c[0].preempted_for == 1);
    ovs_assert(c[1].given == -1 && c[0].given == -1);

    /* Not below it: no preemption. */
    c[0] = cand(5, true, 10, pool_a, 1);
    c[1] = cand(5, true, -1, pool_a, 1);
    nae_place(c, ARRAY_SIZE(c));
    ovs_assert(!c[0].preempted && c[1].given == -1);
}

/* A holder that does not use its VF ranks below every port that would. */
static void
test_not_using(void)
{
    struct nae_place_cand c[] = {
        cand(9, false, 10, pool_a, 1),
        cand(0, true, -1, pool_a, 1),
    };

    nae_place(c, ARRAY_SIZE(c));
    ovs_assert(c[0].preempted_for == 1);
}

/* nae/set-path PORT hw pins the VF, whatever the priorities. */
static void
test_pinned(void)
{
    struct nae_place_cand c[] = {
        cand(0, true, 10, pool_a, 1),
        cand(9, true, -1, pool_a, 1),
    };

    c[0].pinned = true;
    nae_place(c, ARRAY_SIZE(c));
    ovs_assert(!c[0].preempted && c[0].preempted_for == -1);
    ovs_assert(c[1].given == -1);
}

/* Equal priorities: the earlier port is served first, and of two equal
 * holders the earlier one gives its VF up. */
static void
test_ties(void)
{
    struct nae_place_cand c[] = {
        cand(2, true, -1, pool_a, 1),
        cand(2, true, -1, pool_a, 1),
    };

    nae_place(c, ARRAY_SIZE(c));
    ovs_assert(c[0].given == 10 && c[1].given == -1);

    struct nae_place_cand d[] = {
        cand(2, true, 11, pool_ab, 2),
        cand(2, true, 10, pool_ab, 2),
        cand(5, true, -1, pool_ab, 2),
    };

    nae_place(d, ARRAY_SIZE(d));
    ovs_assert(d[0].preempted_for == 2 && !d[1].preempted);
    ovs_assert(d[2].given == -1);
}

/* One holder of the pool already giving its VF up: nobody else is asked
 * to until that VF is free. */
static void
test_on_its_way(void)
{
    struct nae_place_cand c[] = {
        cand(1, true, 10, pool_ab, 2),
        cand(0, true, 11, pool_ab, 2),
        cand(5, true, -1, pool_ab, 2),
    };

    c[0].preempted = true;
    nae_place(c, ARRAY_SIZE(c));
    ovs_assert(c[0].preempted_for == -1 && c[1].preempted_for == -1);
    ovs_assert(!c[1].preempted && c[2].given == -1);

    /* Once the VF is closed (no owner), it is handed on. */
    c[0] = cand(1, false, -1, pool_ab, 2);
    nae_place(c, ARRAY_SIZE(c));
    ovs_assert(c[2].given == 10);
}

/* Pools: a port only gets VFs of its own pool; shared pools are served
 * in priority order. */
static void
test_pools(void)
{
    struct nae_place_cand c[] = {
        cand(1, true, -1, pool_a, 1),
        cand(1, true, -1, pool_b, 1),
        cand(0, true, -1, pool_ba, 2),
        cand(0, true, -1, pool_ba, 2),
    };

    nae_place(c, ARRAY_SIZE(c));
    ovs_assert(c[0].given == 10 && c[1].given == 20);
    ovs_assert(c[2].given == -1 && c[3].given == -1);
    /* Equal to the holders: nobody is preempted. */
    for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
        ovs_assert(c[i].preempted_for == -1);
    }

    /* Without the first port, the VF of pool 'a' goes to the next. */
    c[0] = cand(1, false, -1, pool_a, 1);
    c[1].owns = 20;
    nae_place(c, ARRAY_SIZE(c));
    ovs_assert(c[2].given == 10 && c[3].given == -1);
}

/* Many more ports than VFs, far past any fixed array: each VF is given
 * once, to the best; a new best port then preempts exactly one holder,
 * the least deserving. */
static void
test_many(void)
{
    enum { N = 5000, N_VF = 4 };
    static const int pool[N_VF] = { 1, 2, 3, 4 };
    struct nae_place_cand *c = xcalloc(N + 1, sizeof *c);
    int n_given = 0, seen[N_VF + 1] = { 0 };

    for (int i = 0; i < N; i++) {
        /* Priorities 0..99; four ports have 100. */
        c[i] = cand(i % 1250 == 7 ? 100 : i % 100, true, -1, pool, N_VF);
    }
    nae_place(c, N);
    for (int i = 0; i < N; i++) {
        if (c[i].given >= 0) {
            n_given++;
            ovs_assert(c[i].priority == 100);
            ovs_assert(!seen[c[i].given]++);
        }
        ovs_assert(c[i].preempted_for == -1);
    }
    ovs_assert(n_given == N_VF);

    /* The holders lower their priority (1, 2, 3, 4), the others theirs
     * to 0; one new port of priority 50 arrives. */
    int rank = 1;

    for (int i = 0; i < N; i++) {
        c[i].priority = c[i].given >= 0 ? rank++ : 0;
    }
    c[N] = cand(50, true, -1, pool, N_VF);
    nae_place(c, N + 1);

    int n_preempted = 0;

    for (int i = 0; i <= N; i++) {
        if (c[i].preempted_for >= 0) {
            n_preempted++;
            ovs_assert(c[i].priority == 1 && c[i].preempted_for == N);
        }
        ovs_assert(c[i].given == -1);
    }
    ovs_assert(n_preempted == 1);
    free(c);
}

static void
test_nae_place_main(int argc, char *argv[])
{
    static const struct test_case tests[] = {
        { "priorities", test_priorities },
        { "preempt", test_preempt },
        { "not-using", test_not_using },
        { "pinned", test_pinned },
        { "ties", test_ties },
        { "on-its-way", test_on_its_way },
        { "pools", test_pools },
        { "many", test_many },
    };

    test_run(argc, argv, tests, ARRAY_SIZE(tests));
}

OVSTEST_REGISTER("test-nae-place", test_nae_place_main);
