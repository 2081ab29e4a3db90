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

#ifndef NAE_VF_ASSIGN_H
#define NAE_VF_ASSIGN_H 1

/* How a VF reaches the guest of the nae port it is placed on: the
 * hypervisor's part of SR-IOV, which ethdev does not cover.  On a real
 * NIC a hypervisor passes the VF through to the VM (VFIO) and the switch
 * only drives the representor; the emulated NIC (emunic/) instead lets the
 * switch hand the VF's queue memory to the port's guest, with the path
 * event that moves the guest onto it, so that only that guest gets it,
 * and fresh memory for every assignment.  An assigner registers for the
 * representors it knows; ports whose representor none knows attach
 * nothing to their path events.
 *
 * Main thread only. */

#include <stdbool.h>
#include <stdint.h>

struct nae_vf_assigner {
    const char *name;

    /* Whether 'repr_port' is a representor of ours. */
    bool (*owns)(uint16_t repr_port);

    /* Assigns the VF behind 'repr_port' to the switch (true: no one else
     * gets it) or gives it back (false).  Either way the VF gets fresh
     * memory: whoever had it before keeps nothing the NIC still uses.
     * Returns 0 or a negative errno value. */
    int (*claim)(uint16_t repr_port, bool claim);

    /* A new descriptor for the guest to map the VF with, or a negative
     * errno value. */
    int (*guest_fd)(uint16_t repr_port);
};

void nae_vf_assigner_register(const struct nae_vf_assigner *);
const struct nae_vf_assigner *nae_vf_assigner_find(uint16_t repr_port);

#endif /* nae-vf-assign.h */
