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

/* The registry of VF assigners; see nae-vf-assign.h. */

#include <config.h>
#include "nae-vf-assign.h"

#include "util.h"

#define NAE_MAX_VF_ASSIGNERS 4

static const struct nae_vf_assigner *assigners[NAE_MAX_VF_ASSIGNERS];
static size_t n_assigners;

void
nae_vf_assigner_register(const struct nae_vf_assigner *a)
{
    ovs_assert(n_assigners < ARRAY_SIZE(assigners));
    assigners[n_assigners++] = a;
}

const struct nae_vf_assigner *
nae_vf_assigner_find(uint16_t repr_port)
{
    for (size_t i = 0; i < n_assigners; i++) {
        if (assigners[i]->owns(repr_port)) {
            return assigners[i];
        }
    }
    return NULL;
}
