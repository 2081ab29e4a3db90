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
 * A NIC whose VFs have a virtio mode (vDPA: the NIC runs a VM's own
 * virtio-net rings in the VM's memory) says so with the virtio_*
 * functions: a VM's port can then lend its rings to the VF and take them
 * back at any time, the VM seeing one virtio device throughout.  The
 * state handed over is what vhost-user's GET/SET_VRING_BASE carry.
 *
 * Main thread, or rte_vhost's thread taking a VM's rings back. */

#include <stdbool.h>
#include <stdint.h>

#define NAE_VDPA_MAX_REGIONS 8          /* vhost-user's bound. */

/* One region of a VM's memory: guest-physical range, and where it is in
 * its file (the NIC maps it itself, as a vDPA driver maps it for the NIC's
 * IOMMU). */
struct nae_vdpa_region {
    uint64_t guest_phys_addr;
    uint64_t size;
    int fd;                     /* Not kept. */
    uint64_t fd_offset;         /* Start of the region in the file. */
    uint64_t mmap_size;         /* What to map of the file, from 0. */
};

/* One virtqueue: ring addresses (guest-physical), size, state, and the
 * VM's interrupt eventfd (duplicated by the NIC, or -1). */
struct nae_vdpa_queue {
    uint64_t desc, avail, used;
    uint16_t size;
    uint16_t last_avail_idx;
    uint16_t last_used_idx;
    int callfd;
};

/* What a VF in virtio mode counted, over every lend of its life. */
struct nae_vdpa_stats {
    bool running;               /* Runs a VM's rings now. */
    uint64_t frames;            /* Taken from and given to the VM. */
    uint64_t bad_chain;         /* Descriptor chains refused. */
    uint64_t bad_index;         /* Polls whose avail index lied. */
    uint64_t refused;           /* Frames not acceptable (size, GSO). */
    uint64_t no_buffers;        /* Frames the VM had no room for. */
    uint64_t interrupts;        /* Signalled to the VM. */
};

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

    /* Virtio mode; all null if the NIC has none.  attach() gives the VF
     * the VM's memory and negotiated virtio features (-ENOTSUP: the NIC
     * does not implement one of them); start() runs q[0] (to the VM) and
     * q[1] (from it) from their indexes; stop() stops at a burst boundary
     * and stores the indexes to resume from in q[]; detach() unmaps;
     * stats() reads the counters (any thread).  Each returns 0 or a
     * negative errno value. */
    int (*virtio_attach)(uint16_t repr_port, const struct nae_vdpa_region *,
                         int n_regions, uint64_t features);
    int (*virtio_start)(uint16_t repr_port,
                        const struct nae_vdpa_queue q[2]);
    int (*virtio_stop)(uint16_t repr_port, struct nae_vdpa_queue q[2]);
    int (*virtio_detach)(uint16_t repr_port);
    int (*virtio_stats)(uint16_t repr_port, struct nae_vdpa_stats *);
};

void nae_vf_assigner_register(const struct nae_vf_assigner *);
const struct nae_vf_assigner *nae_vf_assigner_find(uint16_t repr_port);

#endif /* nae-vf-assign.h */
