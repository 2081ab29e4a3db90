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

#ifndef NAE_PLACE_H
#define NAE_PLACE_H 1

/* Placement of scarce VFs over nae ports (thesis 5.2.3.2: more guests than
 * hardware data paths), as a pure function: the caller snapshots every
 * port that has or may get a VF into an array of candidates, calls
 * nae_place(), and applies the decisions it returns.  No locks, no I/O, no
 * bound on the number of ports (tests/test-nae-place.c).
 *
 * The policy: each candidate that wants a VF and has none gets a free VF
 * of its pool, highest priority first (ties: in the order of the array).
 * When its pool has none free, the holder of one of its pool's VFs that
 * deserves it least (one that does not use it first, then the lowest
 * priority) is preempted, if it ranks below the candidate and is not
 * pinned, unless one holder of the pool is already giving its VF up.  A
 * preempted port moves to its rings (make-before-break), lets its VF go,
 * and a later pass hands the VF on: a VF counts as taken until the port
 * that had it has closed it. */

#include <stdbool.h>
#include <stddef.h>

struct nae_place_cand {
    /* In. */
    int priority;               /* options:hw-priority. */
    bool wants;                 /* Would use a VF now. */
    int owns;                   /* VF (representor) it has or is given,
                                 * or -1. */
    bool preempted;             /* Already giving its VF up. */
    bool pinned;                /* nae/set-path PORT hw: keeps its VF. */
    const int *pool;            /* The VFs it may use. */
    size_t n_pool;

    /* Out. */
    int given;                  /* VF given to it now, or -1. */
    int preempted_for;          /* Gives its VF up to this candidate
                                 * (index into the array), or -1. */
};

void nae_place(struct nae_place_cand *, size_t n);

#endif /* nae-place.h */
