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

#ifndef RTE_PMD_NAE_ESW_H
#define RTE_PMD_NAE_ESW_H 1

/* Driver-specific API of the emulated switchdev NIC (net_nae_esw), the
 * kind of thing real PF drivers offer beside ethdev (e.g. setting a VF's
 * MAC): what a hypervisor does to a VF that no generic API covers.
 * Each call takes the VF's representor port. */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

/* Gives the VF the MAC the guest's driver will read (its shared memory
 * header), as "ip link set PF vf N mac" does.  Returns 0 or -errno
 * (-ENODEV: not a net_nae_esw representor). */
int rte_pmd_nae_esw_vf_set_mac(uint16_t repr_port,
                               const struct rte_ether_addr *mac);

/* Enables or withdraws the VF, as a hot-unplug (or migration away from
 * this NIC) and replug would.  A withdrawn VF's queue memory is revoked:
 * the guest sees 'enabled' = 0 there, and the eswitch neither takes from
 * nor delivers to it (what it could not deliver is counted); whatever the
 * guest writes there, 'enabled' included, the NIC ignores.  A replug gives
 * the VF new memory. */
int rte_pmd_nae_esw_vf_set_enabled(uint16_t repr_port, bool enabled);

/* Asks for an orderly unplug, as a hypervisor's eject request does: the
 * VF keeps working, but its representor's link goes down, telling whoever
 * drives the port to move the guest's traffic elsewhere; that owner's
 * rte_eth_dev_set_link_down() on the representor then completes the
 * unplug (the VF is withdrawn).  rte_pmd_nae_esw_vf_set_enabled(true)
 * plugs it back. */
int rte_pmd_nae_esw_vf_request_eject(uint16_t repr_port);

/* Whether the VF is enabled: 1, 0, or -errno. */
int rte_pmd_nae_esw_vf_enabled(uint16_t repr_port);

/* Claims the VF for the caller ('claim' true), as a hypervisor assigns a
 * VF to one VM, or gives it back to its socket (false).  Either way the
 * VF gets fresh queue memory: whoever held it before (another port's
 * guest, a process that connected to the VF's socket) keeps a mapping the
 * NIC no longer uses.  A claimed VF's socket hands out nothing; its owner
 * passes rte_pmd_nae_esw_vf_memfd() to its guest by a channel of its own.
 * Returns 0 or -errno. */
int rte_pmd_nae_esw_vf_claim(uint16_t repr_port, bool claim);

/* A new descriptor of the VF's current queue memory (a sealed memfd, see
 * esw-vf.h), for the caller to pass on and close; or -ENETDOWN while the
 * VF is withdrawn (a replug gives it new memory), -ENODEV. */
int rte_pmd_nae_esw_vf_memfd(uint16_t repr_port);

/* Virtio mode: the VF as a vDPA device, whose queues are a VM's virtio-net
 * rings in the VM's memory, read and written by the NIC itself (as mlx5,
 * ifcvf or sfc vDPA NICs do; see emunic/README for what is modelled).
 * The host (the switch, holding the VM's vhost-user session) hands the
 * rings over and takes them back at any time: their state is the two
 * indexes of each queue, as rte_vhost's get/set_vring_base carry it.
 *
 * attach: gives the NIC the VM's memory (its IOMMU mapping: the NIC maps
 * each region's file itself) and the negotiated virtio features; -ENOTSUP
 * if the VM negotiated one the NIC does not implement.  While attached the
 * VF's socket hands nothing out.
 * start: the NIC runs the receive (q[0], to the VM) and transmit (q[1])
 * queues from the given indexes; frames the VM sends are switched by the
 * eswitch (a miss goes up the representor), the representor's transmit and
 * rules to the VF fill the VM's receive buffers.
 * stop: at a burst boundary (every frame the NIC took is where the eswitch
 * put it), stores the indexes to resume from in q[], after publishing the
 * used ring and interrupting the VM.
 * detach: stops and unmaps.
 * Each returns 0 or -errno. */
struct rte_pmd_nae_esw_vio_region {
    uint64_t guest_phys_addr;
    uint64_t size;
    int fd;                     /* The memory's file; not kept. */
    uint64_t fd_offset;         /* Where the region starts in it. */
    uint64_t mmap_size;         /* How much of the file to map, from 0. */
};

struct rte_pmd_nae_esw_vio_queue {
    uint64_t desc, avail, used; /* Guest-physical. */
    uint16_t size;
    uint16_t last_avail_idx;
    uint16_t last_used_idx;
    int callfd;                 /* The VM's interrupt (dup'ed), or -1. */
};

/* Counters of the VF's virtio mode over the VF's life (the stats call
 * returns -ENOENT if it was never in virtio mode). */
struct rte_pmd_nae_esw_vio_stats {
    bool running;
    uint64_t frames;            /* Taken from and given to the VM. */
    uint64_t bad_chain;         /* Descriptor chains refused. */
    uint64_t bad_index;         /* Polls whose avail index lied. */
    uint64_t refused;           /* Frames not acceptable (size, GSO). */
    uint64_t no_buffers;        /* Frames the VM had no room for. */
    uint64_t interrupts;
};

int rte_pmd_nae_esw_vf_virtio_attach(
    uint16_t repr_port, const struct rte_pmd_nae_esw_vio_region *,
    int n_regions, uint64_t features);
int rte_pmd_nae_esw_vf_virtio_start(
    uint16_t repr_port, const struct rte_pmd_nae_esw_vio_queue q[2]);
int rte_pmd_nae_esw_vf_virtio_stop(uint16_t repr_port,
                                   struct rte_pmd_nae_esw_vio_queue q[2]);
int rte_pmd_nae_esw_vf_virtio_detach(uint16_t repr_port);
int rte_pmd_nae_esw_vf_virtio_stats(uint16_t repr_port,
                                    struct rte_pmd_nae_esw_vio_stats *);

#endif /* rte_pmd_nae_esw.h */
