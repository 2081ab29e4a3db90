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

/* The VF channel class: an SR-IOV VF through its representor ethdev. */

#include <config.h>

#include <errno.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dp-packet.h"
#include "nae-channel-vf.h"
#include "nae-mbuf.h"
#include "nae-stat.h"
#include "nae-vf-assign.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "packets.h"
#include "ovs-thread.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(nae_channel_vf);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

#define NAE_VF_RING 1024                /* Representor queue descriptors. */

struct nae_channel_vf {
    struct nae_channel up;
    char *owner;                /* The nae port's name, for logs. */
    uint16_t port;              /* Representor ethdev. */
    uint16_t vf;                /* The VF's number on its NIC. */
    const struct nae_vf_assigner *assigner;     /* Its NIC's, or NULL. */
    struct rte_mempool *mp;     /* Receive buffers; copies on transmit. */

    /* Data path. */
    struct ovs_spin tx_lock;    /* The one transmit queue. */
    atomic_uint64_t rx_packets;
    atomic_uint64_t tx_packets;
    atomic_uint64_t tx_dropped; /* Refused by the NIC, or no mbuf. */
    atomic_uint64_t tx_segmented;   /* TSO frames cut in software. */
    uint32_t max_frame;         /* Of the VF's MTU: segments' size. */
};

static const struct nae_channel_class nae_channel_vf_class;

static struct nae_channel_vf *
nae_channel_vf_cast(const struct nae_channel *chan)
{
    ovs_assert(chan->class == &nae_channel_vf_class);
    return CONTAINER_OF(chan, struct nae_channel_vf, up);
}

bool
nae_channel_is_vf(const struct nae_channel *chan)
{
    return chan && chan->class == &nae_channel_vf_class;
}

uint16_t
nae_channel_vf_port(const struct nae_channel *chan)
{
    return nae_channel_vf_cast(chan)->port;
}

uint16_t
nae_channel_vf_number(const struct nae_channel *chan)
{
    return nae_channel_vf_cast(chan)->vf;
}

struct rte_mempool *
nae_channel_vf_mempool(const struct nae_channel *chan)
{
    return nae_channel_vf_cast(chan)->mp;
}

/* Assigns the VF to the switch ('claim') or gives it back: either way with
 * fresh memory, so that no earlier holder (the guest of the port that had
 * it before, or this port's, after it let go) can read or send the new
 * holder's traffic. */
static void
nae_channel_vf_claim(const struct nae_channel_vf *vf, bool claim)
{
    const struct nae_vf_assigner *a = vf->assigner;
    int error = a ? a->claim(vf->port, claim) : 0;

    if (error) {
        VLOG_WARN("%s: cannot %s the VF of representor port %d (%s)",
                  vf->owner, claim ? "assign" : "release", vf->port,
                  ovs_strerror(-error));
    }
}

int
nae_channel_vf_guest_fd(const struct nae_channel *chan)
{
    const struct nae_channel_vf *vf = nae_channel_vf_cast(chan);
    const struct nae_vf_assigner *a = vf->assigner;
    int fd = a ? a->guest_fd(vf->port) : -1;

    return fd >= 0 ? fd : -1;
}

bool
nae_channel_vf_has_virtio(const struct nae_channel *chan)
{
    const struct nae_channel_vf *vf = nae_channel_vf_cast(chan);

    return vf->assigner && vf->assigner->virtio_attach;
}

int
nae_channel_vf_virtio_attach(struct nae_channel *chan,
                             const struct nae_vdpa_region *regions, int n,
                             uint64_t features)
{
    const struct nae_channel_vf *vf = nae_channel_vf_cast(chan);

    return (nae_channel_vf_has_virtio(chan)
            ? -vf->assigner->virtio_attach(vf->port, regions, n, features)
            : EOPNOTSUPP);
}

int
nae_channel_vf_virtio_start(struct nae_channel *chan,
                            const struct nae_vdpa_queue q[2])
{
    const struct nae_channel_vf *vf = nae_channel_vf_cast(chan);

    return (nae_channel_vf_has_virtio(chan)
            ? -vf->assigner->virtio_start(vf->port, q)
            : EOPNOTSUPP);
}

int
nae_channel_vf_virtio_stop(struct nae_channel *chan,
                           struct nae_vdpa_queue q[2])
{
    const struct nae_channel_vf *vf = nae_channel_vf_cast(chan);

    return (nae_channel_vf_has_virtio(chan)
            ? -vf->assigner->virtio_stop(vf->port, q)
            : EOPNOTSUPP);
}

int
nae_channel_vf_virtio_stats(const struct nae_channel *chan,
                            struct nae_vdpa_stats *stats)
{
    const struct nae_channel_vf *vf = nae_channel_vf_cast(chan);

    return (nae_channel_vf_has_virtio(chan) && vf->assigner->virtio_stats
            ? -vf->assigner->virtio_stats(vf->port, stats)
            : EOPNOTSUPP);
}

void
nae_channel_vf_virtio_detach(struct nae_channel *chan)
{
    const struct nae_channel_vf *vf = nae_channel_vf_cast(chan);

    if (nae_channel_vf_has_virtio(chan)) {
        vf->assigner->virtio_detach(vf->port);
    }
}

struct nae_channel *
nae_channel_vf_open(const char *owner, uint16_t port, struct rte_mempool *mp,
                    char **errorp)
{
    struct rte_eth_dev_info info;
    struct rte_eth_conf conf;
    int socket = rte_eth_dev_socket_id(port);
    struct nae_channel_vf *vf;
    const char *step;
    int error;

    memset(&conf, 0, sizeof conf);
    if (socket < 0) {
        socket = SOCKET_ID_ANY;
    }
    rte_eth_dev_stop(port);
    step = "configure";
    error = rte_eth_dev_configure(port, 1, 1, &conf);
    if (!error) {
        step = "set up the receive queue of";
        error = rte_eth_rx_queue_setup(port, 0, NAE_VF_RING, socket, NULL,
                                       mp);
    }
    if (!error) {
        step = "set up the transmit queue of";
        error = rte_eth_tx_queue_setup(port, 0, NAE_VF_RING, socket, NULL);
    }
    if (!error) {
        step = "start";
        error = rte_eth_dev_start(port);
    }
    if (error) {
        *errorp = xasprintf("cannot %s representor port %d (%s)",
                            step, port, rte_strerror(-error));
        return NULL;
    }

    vf = xzalloc(sizeof *vf);
    vf->up.class = &nae_channel_vf_class;
    vf->owner = xstrdup(owner);
    vf->port = port;
    vf->mp = mp;
    vf->assigner = nae_vf_assigner_find(port);
    ovs_spin_init(&vf->tx_lock);
    atomic_init(&vf->rx_packets, 0);
    atomic_init(&vf->tx_packets, 0);
    atomic_init(&vf->tx_dropped, 0);
    atomic_init(&vf->tx_segmented, 0);
    uint16_t mtu;
    vf->max_frame = (!rte_eth_dev_get_mtu(port, &mtu) ? mtu : ETH_PAYLOAD_MAX)
                    + ETH_HEADER_LEN + VLAN_HEADER_LEN;
    if (!rte_eth_dev_info_get(port, &info)) {
        vf->vf = info.switch_info.port_id;
    }
    nae_channel_vf_claim(vf, true);
    return &vf->up;
}

static void
nae_channel_vf_close(struct nae_channel *chan)
{
    struct nae_channel_vf *vf = nae_channel_vf_cast(chan);

    rte_eth_dev_stop(vf->port);
    nae_channel_vf_claim(vf, false);
    ovs_spin_destroy(&vf->tx_lock);
    free(vf->owner);
    free(vf);
}

/* The representor's link is the VF's presence: down while it is unplugged
 * or being unplugged. */
static bool
nae_channel_vf_link(const struct nae_channel *chan)
{
    struct rte_eth_link link;

    memset(&link, 0, sizeof link);
    rte_eth_link_get_nowait(nae_channel_vf_cast(chan)->port, &link);
    return link.link_status;
}

/* An orderly unplug completes once the switch lets the VF go. */
static void
nae_channel_vf_release(struct nae_channel *chan)
{
    rte_eth_dev_set_link_down(nae_channel_vf_cast(chan)->port);
}

/* The guest's one device has one address, whichever channel carries it. */
static void
nae_channel_vf_set_mac(struct nae_channel *chan, struct eth_addr mac)
{
    struct nae_channel_vf *vf = nae_channel_vf_cast(chan);
    struct rte_ether_addr ea;
    int error;

    memcpy(ea.addr_bytes, mac.ea, ETH_ADDR_LEN);
    error = rte_eth_dev_default_mac_addr_set(vf->port, &ea);
    if (error && error != -ENOTSUP) {
        VLOG_WARN_RL(&rl, "%s: cannot set the VF's MAC (%s)", vf->owner,
                     rte_strerror(-error));
    }
}

static void
nae_channel_vf_get_stats(const struct nae_channel *chan,
                         struct nae_channel_stats *stats)
{
    const struct nae_channel_vf *vf = nae_channel_vf_cast(chan);

    memset(stats, 0, sizeof *stats);
    stats->rx_packets = nae_stat_get(&vf->rx_packets);
    stats->tx_packets = nae_stat_get(&vf->tx_packets);
    stats->tx_dropped = nae_stat_get(&vf->tx_dropped);
}

/* The NIC's own view: misses it could not queue for us, and frames the
 * VF's receive queue had no room for. */
static void
nae_channel_vf_format(const struct nae_channel *chan, struct ds *s)
{
    struct nae_channel_vf *vf = nae_channel_vf_cast(chan);
    struct nae_vdpa_stats vs;
    struct rte_eth_stats st;

    if (!rte_eth_stats_get(vf->port, &st)) {
        ds_put_format(s, ", nic rx missed %"PRIu64", nic tx errors %"PRIu64,
                      st.imissed, st.oerrors);
    }
    if (nae_stat_get(&vf->tx_segmented)) {
        ds_put_format(s, ", tx TSO frames cut in software %"PRIu64,
                      nae_stat_get(&vf->tx_segmented));
    }
    if (!nae_channel_vf_virtio_stats(chan, &vs)) {
        ds_put_format(s, "\n    virtio mode: %s, %"PRIu64" frames, no VM "
                      "buffers %"PRIu64", refused %"PRIu64", bad chains "
                      "%"PRIu64", bad indexes %"PRIu64", interrupts %"PRIu64,
                      vs.running ? "running" : "stopped", vs.frames,
                      vs.no_buffers, vs.refused, vs.bad_chain, vs.bad_index,
                      vs.interrupts);
    }
}

static int
nae_channel_vf_rx_burst(struct nae_channel *chan, struct dp_packet **pkts,
                        int max)
{
    struct nae_channel_vf *vf = nae_channel_vf_cast(chan);
    int n = rte_eth_rx_burst(vf->port, 0, (struct rte_mbuf **) pkts, max);

    if (n) {
        nae_stat_add(&vf->rx_packets, n);
    }
    return n;
}

/* Packets that are not DPDK mbufs are copied into one from the channel's
 * pool. */
static void
nae_channel_vf_send(void *vf_, struct dp_packet **pkts, int n_pkts)
{
    struct nae_channel_vf *vf = vf_;
    struct rte_mbuf *mbufs[NETDEV_MAX_BURST];
    uint64_t dropped = 0;
    int n, sent;

    n = nae_packets_to_mbufs(pkts, n_pkts, vf->mp, mbufs, &dropped);
    ovs_spin_lock(&vf->tx_lock);
    sent = rte_eth_tx_burst(vf->port, 0, mbufs, n);
    ovs_spin_unlock(&vf->tx_lock);
    if (OVS_UNLIKELY(sent < n)) {
        rte_pktmbuf_free_bulk(mbufs + sent, n - sent);
        dropped += n - sent;
    }
    /* Any PMD thread sends to the port: shared counters. */
    nae_stat_add_shared(&vf->tx_packets, sent);
    if (OVS_UNLIKELY(dropped)) {
        nae_stat_add_shared(&vf->tx_dropped, dropped);
    }
}

/* The VF takes no offloads: what frames ask (a port with userspace TSO
 * receives them), the switch does in software first. */
static void
nae_channel_vf_tx_burst(struct nae_channel *chan, struct dp_packet **pkts,
                        int n_pkts)
{
    struct nae_channel_vf *vf = nae_channel_vf_cast(chan);
    uint64_t dropped = 0, segmented = 0;

    if (OVS_LIKELY(!nae_packets_want_offload(pkts, n_pkts))) {
        nae_channel_vf_send(vf, pkts, n_pkts);
        return;
    }
    nae_packets_tx_soft(pkts, n_pkts, vf->max_frame, vf->mp,
                        nae_channel_vf_send, vf, &dropped, &segmented);
    nae_stat_add_shared(&vf->tx_segmented, segmented);
    if (dropped) {
        nae_stat_add_shared(&vf->tx_dropped, dropped);
    }
}

static const struct nae_channel_class nae_channel_vf_class = {
    .type = "vf",
    .close = nae_channel_vf_close,
    .link = nae_channel_vf_link,
    .release = nae_channel_vf_release,
    .set_mac = nae_channel_vf_set_mac,
    .get_stats = nae_channel_vf_get_stats,
    .format = nae_channel_vf_format,
    .rx_burst = nae_channel_vf_rx_burst,
    .tx_burst = nae_channel_vf_tx_burst,
};
