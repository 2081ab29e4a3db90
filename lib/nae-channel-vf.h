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

#ifndef NAE_CHANNEL_VF_H
#define NAE_CHANNEL_VF_H 1

/* The hardware channel kind: an SR-IOV VF, driven through its representor
 * ethdev (one queue each way).  Receive returns what the eswitch did not
 * switch itself (misses of the VF's traffic); transmit reaches the VF.
 * Opening it claims the VF for the port through the VF assigner registry
 * (nae-vf-assign.h); closing gives it back. */

#include <stdint.h>

#include "nae-channel.h"
#include "nae-vf-assign.h"

struct rte_mempool;

/* Opens representor ethdev 'port' for the port named 'owner', receive
 * buffers from 'mp'.  Returns the channel, or NULL with the reason in
 * '*errorp' (to be freed by the caller). */
struct nae_channel *nae_channel_vf_open(const char *owner, uint16_t port,
                                        struct rte_mempool *mp,
                                        char **errorp);

bool nae_channel_is_vf(const struct nae_channel *);

/* What the port and its offload provider need to know of an open VF. */
uint16_t nae_channel_vf_port(const struct nae_channel *);
uint16_t nae_channel_vf_number(const struct nae_channel *);
struct rte_mempool *nae_channel_vf_mempool(const struct nae_channel *);

/* A new descriptor for the port's guest to map the VF with, or -1 if the
 * VF does not reach guests that way.  Main thread. */
int nae_channel_vf_guest_fd(const struct nae_channel *);

/* The VF's virtio mode (nae-vf-assign.h), if its NIC has one: a VM's port
 * lends the VM's rings to the VF through these.  has_virtio() says whether
 * it can; the others return 0 or a positive errno value (EOPNOTSUPP
 * without a virtio mode), and are called from the main thread, or from
 * rte_vhost's when it takes the rings back. */
bool nae_channel_vf_has_virtio(const struct nae_channel *);
int nae_channel_vf_virtio_attach(struct nae_channel *,
                                 const struct nae_vdpa_region *, int n,
                                 uint64_t features);
int nae_channel_vf_virtio_start(struct nae_channel *,
                                const struct nae_vdpa_queue q[2]);
int nae_channel_vf_virtio_stop(struct nae_channel *,
                               struct nae_vdpa_queue q[2]);
void nae_channel_vf_virtio_detach(struct nae_channel *);
/* The VF's virtio counters (ENOENT: never in virtio mode); any thread. */
int nae_channel_vf_virtio_stats(const struct nae_channel *,
                                struct nae_vdpa_stats *);

#endif /* nae-channel-vf.h */
