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

/* The "nae" netdev class: one OVS port per guest NIC, backed by the channels
 * of a NAE device (see nae-abi.h).  This file is the OVS side of the control
 * path (configuration, the guest session, reconfiguration, statistics,
 * unixctl) plus the thin rxq/send glue that hands bursts to nae-rxtx.c.
 *
 * Threads and locks:
 *
 *   - The main thread runs the class's run()/wait(), set_config(),
 *     reconfigure() and the unixctl commands, all under 'dev->mutex'.  The
 *     guest session (nae_ctl) is touched only there.
 *
 *   - PMD threads call rxq_recv() and send().  They read 'chans', 'n_chans',
 *     'map', 'mp' and 'tx_chans' without the mutex: those change only in
 *     reconfigure(), which dpif-netdev calls with this port removed from
 *     every PMD thread.  Per-channel transmit state is serialized by the
 *     channel's 'tx_lock'.
 *
 * Lock order: nae_list_mutex, then dev->mutex. */

#include <config.h>

#include <errno.h>
#include <sys/stat.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "coverage.h"
#include "dirs.h"
#include "dp-packet.h"
#include "dpdk.h"
#include "nae-ctl.h"
#include "nae-mbuf.h"
#include "nae-netdev.h"
#include "nae-rxtx.h"
#include "netdev-provider.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "smap.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(netdev_nae);

COVERAGE_DEFINE(nae_reconfigure);
COVERAGE_DEFINE(nae_no_mbuf);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

#define NAE_DEFAULT_MTU ETH_PAYLOAD_MAX
/* Largest frame for an MTU: Ethernet header, one VLAN tag, payload. */
#define NAE_MTU_TO_FRAME(MTU) ((MTU) + ETH_HEADER_LEN + VLAN_HEADER_LEN)
#define NAE_MIN_MTU 68
#define NAE_MAX_MTU (NAE_MAX_FRAME_LEN - ETH_HEADER_LEN - VLAN_HEADER_LEN)


struct netdev_nae {
    struct netdev up;

    /* Read by PMD threads; written only in reconfigure(), see above. */
    struct nae_chan *chans;             /* 'n_chans' channels. */
    int n_chans;
    int tx_chans[NAE_MAX_CHANNELS];     /* Indexes of active channels. */
    int n_tx_chans;
    struct nae_mem_map map;             /* The started session's memory. */
    struct rte_mempool *mp;
    atomic_uint64_t tx_not_running;     /* Sent while no channel is live. */

    struct ovs_mutex mutex;
    struct nae_ctl *ctl OVS_GUARDED;    /* NULL until set_config(). */
    char *socket_path OVS_GUARDED;
    struct eth_addr hwaddr OVS_GUARDED;
    int mtu OVS_GUARDED;
    int requested_mtu OVS_GUARDED;
    int requested_n_chans OVS_GUARDED;
    bool dp_resync OVS_GUARDED;         /* Guest session changed state. */
    bool dp_running OVS_GUARDED;        /* 'chans' drive a started device. */
    enum netdev_flags flags OVS_GUARDED;

    struct ovs_list list_node OVS_GUARDED_BY(nae_list_mutex);
};

static struct ovs_mutex nae_list_mutex = OVS_MUTEX_INITIALIZER;
static struct ovs_list nae_list OVS_GUARDED_BY(nae_list_mutex)
    = OVS_LIST_INITIALIZER(&nae_list);

static const struct netdev_class netdev_nae_class;

static bool
is_nae_class(const struct netdev_class *class)
{
    return class == &netdev_nae_class;
}

static struct netdev_nae *
netdev_nae_cast(const struct netdev *netdev)
{
    ovs_assert(is_nae_class(netdev_get_class(netdev)));
    return CONTAINER_OF(netdev, struct netdev_nae, up);
}

static struct netdev *
netdev_nae_alloc(void)
{
    struct netdev_nae *dev = xzalloc_cacheline(sizeof *dev);
    return &dev->up;
}

static void
netdev_nae_dealloc(struct netdev *netdev)
{
    free_cacheline(netdev_nae_cast(netdev));
}

static struct nae_dev_offer
netdev_nae_offer(const struct netdev_nae *dev)
    OVS_REQUIRES(dev->mutex)
{
    struct nae_dev_offer offer = {
        .q_num = dev->requested_n_chans,
        .mtu = dev->requested_mtu,
        .features = NAE_F_ALL,
        .mac = eth_addr_to_uint64(dev->hwaddr),
    };
    return offer;
}

/* Makes 'mac' the MAC the device offers its guest, which reads it at its
 * next (re)connection. */
static void
netdev_nae_set_mac(struct netdev_nae *dev, struct eth_addr mac)
    OVS_REQUIRES(dev->mutex)
{
    if (!eth_addr_equals(dev->hwaddr, mac)) {
        dev->hwaddr = mac;
        if (dev->ctl) {
            struct nae_dev_offer offer = netdev_nae_offer(dev);
            nae_ctl_set_offer(dev->ctl, &offer);
        }
        netdev_change_seq_changed(&dev->up);
    }
}

static int
netdev_nae_construct(struct netdev *netdev)
{
    struct netdev_nae *dev = netdev_nae_cast(netdev);

    if (!dpdk_available()) {
        VLOG_ERR("%s: nae ports take their packet buffers from DPDK: set "
                 "other_config:dpdk-init=true on the Open_vSwitch record",
                 netdev_get_name(netdev));
        return EOPNOTSUPP;
    }
    dev->mp = nae_mempool_get(NAE_MTU_TO_FRAME(NAE_DEFAULT_MTU));
    if (!dev->mp) {
        return ENOMEM;
    }

    ovs_mutex_init(&dev->mutex);
    ovs_mutex_lock(&dev->mutex);
    eth_addr_nicira_random(&dev->hwaddr);
    dev->mtu = dev->requested_mtu = NAE_DEFAULT_MTU;
    dev->requested_n_chans = 1;
    dev->flags = NETDEV_UP;
    atomic_init(&dev->tx_not_running, 0);
    /* Queues follow the channel count, set in reconfigure(). */
    netdev->n_rxq = 0;
    netdev->n_txq = 0;
    netdev_request_reconfigure(netdev);
    ovs_mutex_unlock(&dev->mutex);

    ovs_mutex_lock(&nae_list_mutex);
    ovs_list_push_back(&nae_list, &dev->list_node);
    ovs_mutex_unlock(&nae_list_mutex);
    return 0;
}

static void
netdev_nae_free_chans(struct netdev_nae *dev)
{
    for (int i = 0; i < dev->n_chans; i++) {
        nae_chan_destroy(&dev->chans[i]);
    }
    free_cacheline(dev->chans);
    dev->chans = NULL;
    dev->n_chans = 0;
    dev->n_tx_chans = 0;
}

static void
netdev_nae_destruct(struct netdev *netdev)
{
    struct netdev_nae *dev = netdev_nae_cast(netdev);

    ovs_mutex_lock(&nae_list_mutex);
    ovs_list_remove(&dev->list_node);
    ovs_mutex_unlock(&nae_list_mutex);

    /* The datapath has already stopped polling and sending to us. */
    ovs_mutex_lock(&dev->mutex);
    netdev_nae_free_chans(dev);
    nae_ctl_destroy(dev->ctl);
    free(dev->socket_path);
    ovs_mutex_unlock(&dev->mutex);
    ovs_mutex_destroy(&dev->mutex);
}

static char *
netdev_nae_default_socket(const struct netdev *netdev)
{
    return xasprintf("%s/nae-%s.sock", ovs_rundir(), netdev_get_name(netdev));
}

static int
netdev_nae_set_config(struct netdev *netdev, const struct smap *args,
                      char **errp)
{
    struct netdev_nae *dev = netdev_nae_cast(netdev);
    const char *name = netdev_get_name(netdev);
    int n_chans = smap_get_int(args, "n-channels", 1);
    const char *socket = smap_get(args, "socket");
    const char *mac_s = smap_get(args, "mac");
    struct eth_addr mac;
    char *path;
    int error = 0;

    if (n_chans < 1 || n_chans > NAE_MAX_CHANNELS) {
        *errp = xasprintf("%s: n-channels must be between 1 and %d",
                          name, NAE_MAX_CHANNELS);
        goto error;
    }
    if (mac_s && (!eth_addr_from_string(mac_s, &mac)
                  || eth_addr_is_multicast(mac) || eth_addr_is_zero(mac))) {
        *errp = xasprintf("%s: mac '%s' is not a unicast Ethernet address",
                          name, mac_s);
        goto error;
    }
    path = socket && socket[0] ? xstrdup(socket)
                               : netdev_nae_default_socket(netdev);

    ovs_mutex_lock(&dev->mutex);
    if (dev->socket_path && strcmp(path, dev->socket_path)) {
        *errp = xasprintf("%s: the socket of a nae port cannot change; "
                          "delete the port and add it again", name);
        VLOG_WARN("%s", *errp);
        error = EINVAL;
        goto out;
    }
    if (n_chans != dev->requested_n_chans) {
        dev->requested_n_chans = n_chans;
        netdev_request_reconfigure(netdev);
    }
    if (mac_s) {
        netdev_nae_set_mac(dev, mac);
    }
    if (!dev->ctl) {
        struct nae_dev_offer offer = netdev_nae_offer(dev);

        error = nae_ctl_create(path, &offer, &dev->ctl);
        if (error) {
            *errp = xasprintf("%s: cannot listen on %s (%s)", name, path,
                              ovs_strerror(error));
            VLOG_WARN("%s", *errp);
            goto out;
        }
        dev->socket_path = path;
        path = NULL;
        VLOG_INFO("%s: guest socket %s, %d channel(s)", name,
                  dev->socket_path, n_chans);
    }
out:
    ovs_mutex_unlock(&dev->mutex);
    free(path);
    return error;

error:
    VLOG_WARN("%s", *errp);
    return EINVAL;
}

static int
netdev_nae_get_config(const struct netdev *netdev, struct smap *args)
{
    struct netdev_nae *dev = netdev_nae_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    smap_add_format(args, "n-channels", "%d", dev->requested_n_chans);
    smap_add_format(args, "mac", ETH_ADDR_FMT, ETH_ADDR_ARGS(dev->hwaddr));
    if (dev->socket_path) {
        smap_add(args, "socket", dev->socket_path);
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

/* Rebuilds the channels from the guest session: live rings if the guest
 * started the device, inactive channels otherwise. */
static void
netdev_nae_sync_chans(struct netdev_nae *dev)
    OVS_REQUIRES(dev->mutex)
{
    struct nae_chan_layout layout[NAE_MAX_CHANNELS];
    struct nae_dev *guest = dev->ctl ? nae_ctl_dev(dev->ctl) : NULL;
    uint32_t max_frame = NAE_MTU_TO_FRAME(dev->mtu);

    memset(layout, 0, sizeof layout);
    dev->dp_running = false;
    if (guest && guest->started) {
        if (!nae_dev_layout(guest, layout)) {
            dev->map = guest->mem.map;
            dev->dp_running = true;
        } else {
            /* Validated when the guest started it; cannot change since. */
            VLOG_ERR("%s: started device has no valid layout",
                     netdev_get_name(&dev->up));
            nae_dev_stop(guest);
        }
    }

    dev->n_tx_chans = 0;
    for (int i = 0; i < dev->n_chans; i++) {
        nae_chan_init(&dev->chans[i], &layout[i], max_frame);
        if (layout[i].active) {
            dev->tx_chans[dev->n_tx_chans++] = i;
        }
    }
}

static int
netdev_nae_reconfigure(struct netdev *netdev)
{
    struct netdev_nae *dev = netdev_nae_cast(netdev);
    struct nae_dev *retired;
    int error = 0;

    COVERAGE_INC(nae_reconfigure);
    ovs_mutex_lock(&dev->mutex);

    if (dev->requested_mtu != dev->mtu) {
        struct rte_mempool *mp
            = nae_mempool_get(NAE_MTU_TO_FRAME(dev->requested_mtu));

        if (!mp) {
            error = ENOMEM;
            goto out;
        }
        dev->mp = mp;
        dev->mtu = dev->requested_mtu;
        for (int i = 0; i < dev->n_chans; i++) {
            dev->chans[i].max_frame = NAE_MTU_TO_FRAME(dev->mtu);
        }
    }

    if (dev->requested_n_chans != dev->n_chans) {
        /* The guest learned the channel count when it connected: make it
         * reconnect and learn the new one. */
        if (dev->ctl) {
            nae_ctl_disconnect(dev->ctl, "channel count changed");
        }
        netdev_nae_free_chans(dev);
        dev->chans = xzalloc_cacheline(dev->requested_n_chans
                                       * sizeof *dev->chans);
        dev->n_chans = dev->requested_n_chans;
        for (int i = 0; i < dev->n_chans; i++) {
            nae_chan_construct(&dev->chans[i]);
        }
        netdev->n_rxq = dev->n_chans;
        netdev->n_txq = dev->n_chans;
        dev->dp_resync = true;
    }

    if (dev->ctl) {
        struct nae_dev_offer offer = netdev_nae_offer(dev);
        nae_ctl_set_offer(dev->ctl, &offer);
    }

    if (dev->dp_resync) {
        netdev_nae_sync_chans(dev);
        dev->dp_resync = false;
    }

    /* No PMD thread polls or sends to us now, so ended sessions' memory can
     * go, and a guest waiting on dev_start can be told it took effect. */
    while (dev->ctl && (retired = nae_ctl_take_retired(dev->ctl))) {
        nae_dev_destroy(retired);
        free(retired);
    }
    if (dev->ctl) {
        nae_ctl_dp_synced(dev->ctl);
    }
    netdev_change_seq_changed(netdev);
out:
    ovs_mutex_unlock(&dev->mutex);
    return error;
}

/* Main-thread work for one port: the guest session, and rings the data path
 * found broken. */
static void
netdev_nae_run_one(struct netdev_nae *dev)
    OVS_REQUIRES(dev->mutex)
{
    if (!dev->ctl) {
        return;
    }
    if (nae_ctl_run(dev->ctl) & NAE_CTL_DP_CHANGE) {
        dev->dp_resync = true;
        netdev_request_reconfigure(&dev->up);
    }
    if (dev->dp_running) {
        for (int i = 0; i < dev->n_chans; i++) {
            bool broken;

            atomic_read_relaxed(&dev->chans[i].broken, &broken);
            if (broken) {
                VLOG_WARN_RL(&rl, "%s: channel %d broke a ring rule",
                             netdev_get_name(&dev->up), i);
                nae_ctl_needs_reset(dev->ctl);
                dev->dp_resync = true;
                netdev_request_reconfigure(&dev->up);
                break;
            }
        }
    }
}

static void
netdev_nae_run(const struct netdev_class *class OVS_UNUSED)
{
    struct netdev_nae *dev;

    ovs_mutex_lock(&nae_list_mutex);
    LIST_FOR_EACH (dev, list_node, &nae_list) {
        ovs_mutex_lock(&dev->mutex);
        netdev_nae_run_one(dev);
        ovs_mutex_unlock(&dev->mutex);
    }
    ovs_mutex_unlock(&nae_list_mutex);
}

static void
netdev_nae_wait(const struct netdev_class *class OVS_UNUSED)
{
    struct netdev_nae *dev;

    ovs_mutex_lock(&nae_list_mutex);
    LIST_FOR_EACH (dev, list_node, &nae_list) {
        ovs_mutex_lock(&dev->mutex);
        if (dev->ctl) {
            nae_ctl_wait(dev->ctl);
        }
        if (dev->dp_running) {
            /* Broken rings are flagged by PMD threads, which must not make
             * system calls to wake us; look now and then. */
            poll_timer_wait(500);
        }
        ovs_mutex_unlock(&dev->mutex);
    }
    ovs_mutex_unlock(&nae_list_mutex);
}

static bool
netdev_nae_rxq_enabled(struct netdev_rxq *rxq)
{
    struct netdev_nae *dev = netdev_nae_cast(rxq->netdev);

    return rxq->queue_id < dev->n_chans && dev->chans[rxq->queue_id].active;
}

/* PMD thread: receives a burst from the guest's tx ring of the channel this
 * rxq stands for. */
static int
netdev_nae_rxq_recv(struct netdev_rxq *rxq, struct dp_packet_batch *batch,
                    int *qfill)
{
    struct netdev_nae *dev = netdev_nae_cast(rxq->netdev);
    struct nae_chan *chan;
    int n_pending, n;

    if (qfill) {
        *qfill = -ENOTSUP;
    }
    if (OVS_UNLIKELY(rxq->queue_id >= dev->n_chans)) {
        return EAGAIN;
    }
    chan = &dev->chans[rxq->queue_id];
    n_pending = nae_chan_rx_pending(chan);
    if (!n_pending) {
        return EAGAIN;
    }
    if (OVS_UNLIKELY(rte_pktmbuf_alloc_bulk(dev->mp,
                                            (struct rte_mbuf **)
                                            batch->packets, n_pending))) {
        COVERAGE_INC(nae_no_mbuf);
        nae_stat_add(&chan->rx_stats.drops[NAE_DROP_NO_MBUF], 1);
        return EAGAIN;
    }
    n = nae_chan_rx_burst(chan, &dev->map, batch->packets, n_pending);
    for (int i = n; i < n_pending; i++) {
        dp_packet_delete(batch->packets[i]);
    }
    if (!n) {
        return EAGAIN;
    }
    batch->count = n;
    dp_packet_batch_init_packet_fields(batch);
    return 0;
}

/* Frees the packets of 'batch': in one call to the mempool when all are
 * DPDK mbufs, as they are when they came from a DPDK or nae port. */
static void
netdev_nae_free_batch(struct dp_packet_batch *batch)
{
    struct dp_packet *pkt;

    DP_PACKET_BATCH_FOR_EACH (i, pkt, batch) {
        if (pkt->source != DPBUF_DPDK) {
            dp_packet_delete_batch(batch, true);
            return;
        }
    }
    rte_pktmbuf_free_bulk((struct rte_mbuf **) batch->packets,
                          dp_packet_batch_size(batch));
    dp_packet_batch_init(batch);
}

/* PMD thread (or main thread): sends 'batch' to the guest, spreading flows
 * over the active channels by their RSS hash, as a multi-queue NIC does. */
static int
netdev_nae_send(struct netdev *netdev, int qid OVS_UNUSED,
                struct dp_packet_batch *batch,
                bool concurrent_txq OVS_UNUSED)
{
    struct netdev_nae *dev = netdev_nae_cast(netdev);
    int n_chans = dev->n_tx_chans;
    size_t n_pkts = dp_packet_batch_size(batch);

    dp_packet_batch_apply_cutlen(batch);
    if (OVS_UNLIKELY(!n_chans)) {
        nae_stat_add(&dev->tx_not_running, n_pkts);
    } else if (n_chans == 1) {
        struct nae_chan *chan = &dev->chans[dev->tx_chans[0]];

        ovs_spin_lock(&chan->tx_lock);
        nae_chan_tx_burst(chan, &dev->map, batch->packets, n_pkts);
        ovs_spin_unlock(&chan->tx_lock);
    } else {
        struct dp_packet *per_chan[NAE_MAX_CHANNELS][NETDEV_MAX_BURST];
        int counts[NAE_MAX_CHANNELS] = { 0 };
        struct dp_packet *pkt;

        DP_PACKET_BATCH_FOR_EACH (i, pkt, batch) {
            uint32_t hash = dp_packet_rss_valid(pkt)
                            ? dp_packet_get_rss_hash(pkt) : 0;
            int c = hash % n_chans;

            per_chan[c][counts[c]++] = pkt;
        }
        for (int c = 0; c < n_chans; c++) {
            if (counts[c]) {
                struct nae_chan *chan = &dev->chans[dev->tx_chans[c]];

                ovs_spin_lock(&chan->tx_lock);
                nae_chan_tx_burst(chan, &dev->map, per_chan[c], counts[c]);
                ovs_spin_unlock(&chan->tx_lock);
            }
        }
    }
    netdev_nae_free_batch(batch);
    return 0;
}

static int
netdev_nae_set_tx_multiq(struct netdev *netdev OVS_UNUSED,
                         unsigned int n_txq OVS_UNUSED)
{
    /* Transmit spreads by flow over channels under per-channel locks, so
     * any number of sending threads is fine. */
    return 0;
}

static int
netdev_nae_get_numa_id(const struct netdev *netdev OVS_UNUSED)
{
    return 0;
}

static int
netdev_nae_set_etheraddr(struct netdev *netdev, const struct eth_addr mac)
{
    struct netdev_nae *dev = netdev_nae_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    netdev_nae_set_mac(dev, mac);
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_nae_get_etheraddr(const struct netdev *netdev, struct eth_addr *mac)
{
    struct netdev_nae *dev = netdev_nae_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    *mac = dev->hwaddr;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_nae_get_mtu(const struct netdev *netdev, int *mtup)
{
    struct netdev_nae *dev = netdev_nae_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    *mtup = dev->mtu;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_nae_set_mtu(struct netdev *netdev, int mtu)
{
    struct netdev_nae *dev = netdev_nae_cast(netdev);

    if (mtu < NAE_MIN_MTU || mtu > NAE_MAX_MTU) {
        VLOG_WARN("%s: unsupported MTU %d (must be %d..%d)",
                  netdev_get_name(netdev), mtu, NAE_MIN_MTU, NAE_MAX_MTU);
        return EINVAL;
    }
    ovs_mutex_lock(&dev->mutex);
    if (dev->requested_mtu != mtu) {
        dev->requested_mtu = mtu;
        netdev_request_reconfigure(netdev);
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_nae_get_carrier(const struct netdev *netdev, bool *carrier)
{
    struct netdev_nae *dev = netdev_nae_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    *carrier = dev->dp_running;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static void
netdev_nae_sum_stats(const struct netdev_nae *dev, struct nae_chan_totals *t)
{
    memset(t, 0, sizeof *t);
    for (int i = 0; i < dev->n_chans; i++) {
        const struct nae_chan *chan = &dev->chans[i];

        t->rx_packets += nae_stat_get(&chan->rx_stats.packets);
        t->rx_bytes += nae_stat_get(&chan->rx_stats.bytes);
        t->tx_packets += nae_stat_get(&chan->tx_stats.packets);
        t->tx_bytes += nae_stat_get(&chan->tx_stats.bytes);
        for (int r = 0; r < NAE_N_DROPS; r++) {
            t->rx_drops[r] += nae_stat_get(&chan->rx_stats.drops[r]);
            t->tx_drops[r] += nae_stat_get(&chan->tx_stats.drops[r]);
        }
    }
    t->tx_drops[NAE_DROP_NOT_RUNNING] += nae_stat_get(&dev->tx_not_running);
}

static int
netdev_nae_get_stats(const struct netdev *netdev, struct netdev_stats *stats)
{
    struct netdev_nae *dev = netdev_nae_cast(netdev);
    struct nae_chan_totals t;

    ovs_mutex_lock(&dev->mutex);
    netdev_nae_sum_stats(dev, &t);
    ovs_mutex_unlock(&dev->mutex);

    stats->rx_packets = t.rx_packets;
    stats->rx_bytes = t.rx_bytes;
    stats->tx_packets = t.tx_packets;
    stats->tx_bytes = t.tx_bytes;
    stats->rx_dropped = t.rx_drops[NAE_DROP_NO_MBUF];
    stats->rx_errors = 0;
    stats->tx_dropped = 0;
    for (int r = 0; r < NAE_N_DROPS; r++) {
        if (r != NAE_DROP_NO_MBUF) {
            stats->rx_errors += t.rx_drops[r];
        }
        stats->tx_dropped += t.tx_drops[r];
    }
    return 0;
}

/* Per drop reason and direction, per channel traffic, and refused guest
 * control requests: everything "ovs-vsctl get Interface X statistics" should
 * show beyond the standard counters. */
static int
netdev_nae_get_custom_stats(const struct netdev *netdev,
                            struct netdev_custom_stats *cs)
{
    struct netdev_nae *dev = netdev_nae_cast(netdev);
    struct nae_chan_totals t;
    size_t n = 0;

    ovs_mutex_lock(&dev->mutex);
    netdev_nae_sum_stats(dev, &t);
    cs->counters = xcalloc(2 * NAE_N_DROPS + 2 * dev->n_chans
                           + NAE_N_REJECTS + 1, sizeof *cs->counters);
    for (int r = 0; r < NAE_N_DROPS; r++) {
        if (nae_drop_applies(r, NAE_RX)) {
            nae_custom_add(cs, &n, t.rx_drops[r], "rx_%s", nae_drop_name(r));
        }
        if (nae_drop_applies(r, NAE_TX)) {
            nae_custom_add(cs, &n, t.tx_drops[r], "tx_%s", nae_drop_name(r));
        }
    }
    for (int i = 0; i < dev->n_chans; i++) {
        nae_custom_add(cs, &n, nae_stat_get(&dev->chans[i].rx_stats.packets),
                       "ch%d_rx_packets", i);
        nae_custom_add(cs, &n, nae_stat_get(&dev->chans[i].tx_stats.packets),
                       "ch%d_tx_packets", i);
    }
    if (dev->ctl) {
        uint64_t rejects[NAE_N_REJECTS];
        struct nae_ctl_stats ctl_stats;

        nae_ctl_get_rejects(dev->ctl, rejects);
        for (int r = 0; r < NAE_N_REJECTS; r++) {
            nae_custom_add(cs, &n, rejects[r], "vcp_rejected_%s",
                           nae_reject_name(r));
        }
        nae_ctl_get_stats(dev->ctl, &ctl_stats);
        nae_custom_add(cs, &n, ctl_stats.proto_errors, "ctl_protocol_errors");
    }
    ovs_mutex_unlock(&dev->mutex);
    cs->size = n;
    return 0;
}

static const char *
nae_guest_state(const struct netdev_nae *dev)
    OVS_REQUIRES(dev->mutex)
{
    const struct nae_dev *guest = dev->ctl ? nae_ctl_dev(dev->ctl) : NULL;

    return (!guest ? "disconnected"
            : guest->status & NAE_STATUS_NEEDS_RESET ? "needs-reset"
            : dev->dp_running ? "running"
            : guest->started ? "starting"
            : "connected");
}

static int
netdev_nae_get_status(const struct netdev *netdev, struct smap *smap)
{
    struct netdev_nae *dev = netdev_nae_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    if (dev->socket_path) {
        smap_add(smap, "socket", dev->socket_path);
    }
    smap_add(smap, "guest", nae_guest_state(dev));
    smap_add_format(smap, "n_channels", "%d", dev->n_chans);
    smap_add_format(smap, "active_channels", "%d", dev->n_tx_chans);
    if (dev->n_tx_chans) {
        smap_add_format(smap, "features", "0x%"PRIx64,
                        dev->chans[dev->tx_chans[0]].features);
    }
    if (dev->ctl) {
        struct nae_ctl_stats cs;

        nae_ctl_get_stats(dev->ctl, &cs);
        smap_add_format(smap, "guest_sessions", "%"PRIu64, cs.sessions);
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static void
netdev_nae_show_one(struct ds *s, struct netdev_nae *dev)
    OVS_REQUIRES(dev->mutex)
{
    ds_put_format(s, "%s: guest %s, socket %s, mtu %d, mac "ETH_ADDR_FMT"\n",
                  netdev_get_name(&dev->up), nae_guest_state(dev),
                  dev->socket_path ? dev->socket_path : "(none)", dev->mtu,
                  ETH_ADDR_ARGS(dev->hwaddr));
    for (int i = 0; i < dev->n_chans; i++) {
        const struct nae_chan *c = &dev->chans[i];
        bool broken;

        atomic_read_relaxed(&CONST_CAST(struct nae_chan *, c)->broken,
                            &broken);
        ds_put_format(s, "  channel %d: sw, %s", i,
                      broken ? "broken" : c->active ? "active" : "inactive");
        if (c->active) {
            ds_put_format(s, ", ring %"PRIu32", features 0x%"PRIx64,
                          c->from_guest.mask + 1, c->features);
        }
        ds_put_format(s, "\n    rx %"PRIu64" pkts %"PRIu64" bytes, "
                      "tx %"PRIu64" pkts %"PRIu64" bytes\n",
                      nae_stat_get(&c->rx_stats.packets),
                      nae_stat_get(&c->rx_stats.bytes),
                      nae_stat_get(&c->tx_stats.packets),
                      nae_stat_get(&c->tx_stats.bytes));
        for (int r = 0; r < NAE_N_DROPS; r++) {
            uint64_t rx = nae_stat_get(&c->rx_stats.drops[r]);
            uint64_t tx = nae_stat_get(&c->tx_stats.drops[r]);

            if (rx || tx) {
                ds_put_format(s, "    %s: rx %"PRIu64" tx %"PRIu64"\n",
                              nae_drop_name(r), rx, tx);
            }
        }
    }
    if (dev->ctl) {
        uint64_t rejects[NAE_N_REJECTS];

        nae_ctl_get_rejects(dev->ctl, rejects);
        for (int r = 0; r < NAE_N_REJECTS; r++) {
            if (rejects[r]) {
                ds_put_format(s, "  refused control requests, %s: %"PRIu64
                              "\n", nae_reject_name(r), rejects[r]);
            }
        }
    }
}

static void
netdev_nae_unixctl_show(struct unixctl_conn *conn, int argc,
                        const char *argv[], void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct netdev_nae *dev;
    bool found = false;

    ovs_mutex_lock(&nae_list_mutex);
    LIST_FOR_EACH (dev, list_node, &nae_list) {
        if (argc > 1 && strcmp(argv[1], netdev_get_name(&dev->up))) {
            continue;
        }
        found = true;
        ovs_mutex_lock(&dev->mutex);
        netdev_nae_show_one(&s, dev);
        ovs_mutex_unlock(&dev->mutex);
    }
    ovs_mutex_unlock(&nae_list_mutex);

    if (argc > 1 && !found) {
        unixctl_command_reply_error(conn, "no such nae port");
    } else {
        unixctl_command_reply(conn, ds_cstr(&s));
    }
    ds_destroy(&s);
}

static int
netdev_nae_update_flags(struct netdev *netdev, enum netdev_flags off,
                        enum netdev_flags on, enum netdev_flags *old)
{
    struct netdev_nae *dev = netdev_nae_cast(netdev);

    return nae_flags_update(netdev, &dev->mutex, &dev->flags, off, on, old);
}

static const struct netdev_class netdev_nae_class = {
    .type = "nae",
    .is_pmd = true,
    .run = netdev_nae_run,
    .wait = netdev_nae_wait,
    .alloc = netdev_nae_alloc,
    .construct = netdev_nae_construct,
    .destruct = netdev_nae_destruct,
    .dealloc = netdev_nae_dealloc,
    .get_config = netdev_nae_get_config,
    .set_config = netdev_nae_set_config,
    .get_numa_id = netdev_nae_get_numa_id,
    .set_tx_multiq = netdev_nae_set_tx_multiq,
    .send = netdev_nae_send,
    .set_etheraddr = netdev_nae_set_etheraddr,
    .get_etheraddr = netdev_nae_get_etheraddr,
    .get_mtu = netdev_nae_get_mtu,
    .set_mtu = netdev_nae_set_mtu,
    .get_carrier = netdev_nae_get_carrier,
    .get_stats = netdev_nae_get_stats,
    .get_custom_stats = netdev_nae_get_custom_stats,
    .get_status = netdev_nae_get_status,
    .update_flags = netdev_nae_update_flags,
    .reconfigure = netdev_nae_reconfigure,
    .rxq_alloc = nae_rxq_alloc,
    .rxq_construct = nae_rxq_construct,
    .rxq_destruct = nae_rxq_destruct,
    .rxq_dealloc = nae_rxq_dealloc,
    .rxq_enabled = netdev_nae_rxq_enabled,
    .rxq_recv = netdev_nae_rxq_recv,
};

/* Registers the "nae" netdev class and its unixctl commands. */
void
netdev_nae_register(void)
{
    netdev_register_provider(&netdev_nae_class);
    unixctl_command_register("nae/show", "[PORT]", 0, 1,
                             netdev_nae_unixctl_show, NULL);
}
