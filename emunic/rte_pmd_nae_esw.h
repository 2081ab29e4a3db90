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

#endif /* rte_pmd_nae_esw.h */
