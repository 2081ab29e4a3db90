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

/* The hypervisor's part of the emulated switchdev NIC (emunic/), which
 * lives inside ovs-vswitchd: ovs-appctl hot-plug buttons for its VFs
 * (tests and the sandbox press them), and the VF assigner that hands a
 * placed VF's queue memory to the nae port's guest (lib/nae-vf-assign.h).
 * A real NIC's VFs are plugged, unplugged and passed through by the
 * hypervisor, not by OVS. */

#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "esw-appctl.h"
#include "nae-vf-assign.h"
#include "openvswitch/dynamic-string.h"
#include "rte_pmd_nae_esw.h"
#include "unixctl.h"
#include "util.h"

/* The representor port of VF 'vf_s' of NIC 'nic', or -1 with an error
 * reply sent. */
static int
esw_appctl_repr(struct unixctl_conn *conn, const char *nic, const char *vf_s)
{
    char name[RTE_ETH_NAME_MAX_LEN];
    uint16_t port;
    char *end;
    long vf = strtol(vf_s, &end, 10);

    if (*end || vf < 0 || vf > 63) {
        unixctl_command_reply_error(conn, "VF must be a number 0..63");
        return -1;
    }
    snprintf(name, sizeof name, "%s_representor_vf%ld", nic, vf);
    if (rte_eth_dev_get_port_by_name(name, &port)) {
        unixctl_command_reply_error(conn, "no such NIC or VF");
        return -1;
    }
    return port;
}

static void
esw_appctl_reply(struct unixctl_conn *conn, int error, const char *what,
                 const char *argv[])
{
    if (error) {
        char *msg = xasprintf("%s: %s", argv[1], ovs_strerror(-error));

        unixctl_command_reply_error(conn, msg);
        free(msg);
    } else {
        char *msg = xasprintf("%s VF %s: %s", argv[1], argv[2], what);

        unixctl_command_reply(conn, msg);
        free(msg);
    }
}

/* esw/vf-unplug NIC VF [surprise]. */
static void
esw_appctl_unplug(struct unixctl_conn *conn, int argc, const char *argv[],
                  void *aux OVS_UNUSED)
{
    bool surprise = argc > 3 && !strcmp(argv[3], "surprise");
    int port = esw_appctl_repr(conn, argv[1], argv[2]);

    if (argc > 3 && !surprise) {
        unixctl_command_reply_error(conn, "the only flag is 'surprise'");
    } else if (port >= 0) {
        int error = (surprise ? rte_pmd_nae_esw_vf_set_enabled(port, false)
                     : rte_pmd_nae_esw_vf_request_eject(port));

        esw_appctl_reply(conn, error, surprise ? "removed"
                         : "unplug requested; it completes when the "
                           "host releases the VF", argv);
    }
}

/* esw/vf-plug NIC VF. */
static void
esw_appctl_plug(struct unixctl_conn *conn, int argc OVS_UNUSED,
                const char *argv[], void *aux OVS_UNUSED)
{
    int port = esw_appctl_repr(conn, argv[1], argv[2]);

    if (port >= 0) {
        esw_appctl_reply(conn, rte_pmd_nae_esw_vf_set_enabled(port, true),
                         "plugged", argv);
    }
}

static bool
esw_assign_owns(uint16_t repr_port)
{
    return rte_pmd_nae_esw_vf_enabled(repr_port) != -ENODEV;
}

/* The NIC's virtio mode, in the assigner's terms. */

static int
esw_assign_virtio_attach(uint16_t repr_port,
                         const struct nae_vdpa_region *regions,
                         int n_regions, uint64_t features)
{
    struct rte_pmd_nae_esw_vio_region r[NAE_VDPA_MAX_REGIONS];

    if (n_regions < 0 || n_regions > NAE_VDPA_MAX_REGIONS) {
        return -E2BIG;
    }
    for (int i = 0; i < n_regions; i++) {
        r[i] = (struct rte_pmd_nae_esw_vio_region) {
            .guest_phys_addr = regions[i].guest_phys_addr,
            .size = regions[i].size,
            .fd = regions[i].fd,
            .fd_offset = regions[i].fd_offset,
            .mmap_size = regions[i].mmap_size,
        };
    }
    return rte_pmd_nae_esw_vf_virtio_attach(repr_port, r, n_regions,
                                            features);
}

static void
esw_assign_to_vio(const struct nae_vdpa_queue *q,
                  struct rte_pmd_nae_esw_vio_queue *v)
{
    *v = (struct rte_pmd_nae_esw_vio_queue) {
        .desc = q->desc, .avail = q->avail, .used = q->used,
        .size = q->size, .last_avail_idx = q->last_avail_idx,
        .last_used_idx = q->last_used_idx, .callfd = q->callfd,
    };
}

static int
esw_assign_virtio_start(uint16_t repr_port, const struct nae_vdpa_queue q[2])
{
    struct rte_pmd_nae_esw_vio_queue v[2];

    esw_assign_to_vio(&q[0], &v[0]);
    esw_assign_to_vio(&q[1], &v[1]);
    return rte_pmd_nae_esw_vf_virtio_start(repr_port, v);
}

static int
esw_assign_virtio_stop(uint16_t repr_port, struct nae_vdpa_queue q[2])
{
    struct rte_pmd_nae_esw_vio_queue v[2];
    int error;

    memset(v, 0, sizeof v);
    error = rte_pmd_nae_esw_vf_virtio_stop(repr_port, v);
    for (int i = 0; !error && i < 2; i++) {
        q[i].last_avail_idx = v[i].last_avail_idx;
        q[i].last_used_idx = v[i].last_used_idx;
    }
    return error;
}

static int
esw_assign_virtio_stats(uint16_t repr_port, struct nae_vdpa_stats *stats)
{
    struct rte_pmd_nae_esw_vio_stats v;
    int error = rte_pmd_nae_esw_vf_virtio_stats(repr_port, &v);

    if (!error) {
        *stats = (struct nae_vdpa_stats) {
            .running = v.running,
            .frames = v.frames,
            .bad_chain = v.bad_chain,
            .bad_index = v.bad_index,
            .refused = v.refused,
            .no_buffers = v.no_buffers,
            .interrupts = v.interrupts,
        };
    }
    return error;
}

static const struct nae_vf_assigner esw_assigner = {
    .name = "net_nae_esw",
    .owns = esw_assign_owns,
    .claim = rte_pmd_nae_esw_vf_claim,
    .guest_fd = rte_pmd_nae_esw_vf_memfd,
    .virtio_attach = esw_assign_virtio_attach,
    .virtio_start = esw_assign_virtio_start,
    .virtio_stop = esw_assign_virtio_stop,
    .virtio_detach = rte_pmd_nae_esw_vf_virtio_detach,
    .virtio_stats = esw_assign_virtio_stats,
};

void
esw_appctl_register(void)
{
    nae_vf_assigner_register(&esw_assigner);
    unixctl_command_register("esw/vf-unplug", "NIC VF [surprise]", 2, 3,
                             esw_appctl_unplug, NULL);
    unixctl_command_register("esw/vf-plug", "NIC VF", 2, 2,
                             esw_appctl_plug, NULL);
}
