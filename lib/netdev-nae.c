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
 * of a NAE device (see nae-abi.h) for a process guest, or by the virtio
 * queues of a QEMU VM through vhost-user (options:vhost-server-path), and,
 * with options:hw-channel, by an SR-IOV VF's representor as well
 * (docs/hw-channels.md).  This file is glue: the
 * OVS side of configuration, the guest session (nae-ctl.c), reconfiguration,
 * statistics and unixctl, and the rxq/send functions that hand bursts to
 * the port's channels (nae-channel.h).  Which channel carries the traffic
 * is the path machine's (nae-path.c); which port gets a scarce VF is
 * placement's (nae-place.c).
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
 *     every PMD thread.  Channels serialize their own transmit.  The
 *     hardware channel ('path.hw') changes only in reconfigure() as well;
 *     which path carries traffic the path machine steers with atomics while
 *     they run.
 *
 * Lock order: nae_list_mutex, then dev->mutex. */

#include <config.h>

#include <errno.h>
#include <sys/stat.h>

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "coverage.h"
#include "dirs.h"
#include "dp-packet.h"
#include "dpdk.h"
#include "hash.h"
#include "nae-channel-ring.h"
#include "nae-channel-vf.h"
#include "nae-channel-vhost.h"
#include "nae-ctl.h"
#include "nae-mbuf.h"
#include "netdev-nae.h"
#include "netdev-shared.h"
#include "nae-path.h"
#include "nae-place.h"
#include "nae-rxtx.h"
#include "netdev-offload-nae.h"
#include "netdev-provider.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "packets.h"
#include "smap.h"
#include "timeval.h"
#include "unixctl.h"
#include "userspace-tso.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(netdev_nae);

COVERAGE_DEFINE(nae_reconfigure);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

#define NAE_DEFAULT_MTU ETH_PAYLOAD_MAX
/* Largest frame for an MTU: Ethernet header, one VLAN tag, payload. */
#define NAE_MTU_TO_FRAME(MTU) ((MTU) + ETH_HEADER_LEN + VLAN_HEADER_LEN)
#define NAE_MIN_MTU 68
#define NAE_MAX_MTU (NAE_MAX_FRAME_LEN - ETH_HEADER_LEN - VLAN_HEADER_LEN)

/* Hardware channel. */
#define NAE_HW_POLL_MS 50               /* VF presence (representor link). */
#define NAE_HW_POOL_MAX 64              /* Representors in one hw-channel. */
#define NAE_HW_PRIORITY_MAX 100
#define NAE_HW_MAX_QUOTA (1024 * 1024)  /* Eswitch rules from one port. */

/* options:max-guest-memory, in MiB: how much memory one guest session may
 * register (the switch's copies can make the kernel allocate all of it). */
#define NAE_DEFAULT_GUEST_MEM_MB 1024
#define NAE_MAX_GUEST_MEM_MB (512 * 1024)

/* Which path a port should use, as nae/set-path asks. */
enum nae_path_mode {
    NAE_MODE_AUTO,      /* Hardware whenever it has a VF. */
    NAE_MODE_HW,        /* The same, and placement never takes its VF. */
    NAE_MODE_SW,        /* Software rings only. */
};

/* Guards the list of ports (see the top of the file). */
static struct ovs_mutex nae_list_mutex = OVS_MUTEX_INITIALIZER;

struct netdev_nae {
    struct netdev up;

    /* Read by PMD threads; written only in reconfigure(), see above. */
    struct nae_channel *chans[NAE_MAX_CHANNELS];    /* 'n_chans' of them. */
    /* Per channel, touched only by the thread polling its rxq: frames read
     * as the path machine's hold came on (nae_path_rx_sw()). */
    struct nae_path_stash rx_stash[NAE_MAX_CHANNELS];
    struct nae_channel_ring *rings;     /* A process guest's channels. */
    struct nae_vhost *vhost;            /* A VM's, or NULL. */
    int n_chans;
    int tx_chans[NAE_MAX_CHANNELS];     /* Indexes of active channels. */
    int n_tx_chans;
    struct nae_mem_map map;             /* The started session's memory. */
    struct rte_mempool *mp;
    struct rte_mempool *tso_mp;         /* With userspace TSO, for a process
                                         * guest's TSO frames; else NULL. */
    atomic_uint64_t tx_not_running;     /* Sent while no channel is live. */

    /* Which channel carries the traffic, and the hardware channel
     * ('path.hw', a VF's representor, polled by rxq 0 before ring 0).
     * Main thread under 'mutex', but for the data path's atomics. */
    struct nae_path_machine path;

    struct ovs_mutex mutex OVS_ACQ_AFTER(nae_list_mutex);
    struct nae_ctl *ctl OVS_GUARDED;    /* NULL until set_config(), or for
                                         * a VM. */
    char *socket_path OVS_GUARDED;      /* The guest's, or QEMU's. */
    struct eth_addr hwaddr OVS_GUARDED;
    int mtu OVS_GUARDED;
    int requested_mtu OVS_GUARDED;
    int requested_n_chans OVS_GUARDED;
    uint64_t max_guest_mem OVS_GUARDED;     /* Bytes; for new sessions. */
    bool migration_destination OVS_GUARDED; /* A VM port's: see
                                             * nae_vhost_set_arrival(). */
    bool dp_resync OVS_GUARDED;         /* Guest session changed state. */
    bool dp_running OVS_GUARDED;        /* 'rings' drive a started device. */
    uint64_t vm_seen OVS_GUARDED;       /* The VM state run() last saw. */
    uint32_t vm_path_ack OVS_GUARDED;   /* Last switch the VM's rings made. */
    bool vm_lend_failed OVS_GUARDED;    /* The last lend did not happen. */
    enum netdev_flags flags OVS_GUARDED;

    /* Hardware channel configuration and placement.  'hw_devargs' may name
     * several representors (a pool of VFs shared with other ports):
     * placement gives the port one of them, or none. */
    char *hw_devargs OVS_GUARDED;       /* options:hw-channel, or NULL. */
    int hw_pool[NAE_HW_POOL_MAX] OVS_GUARDED;   /* Its representors. */
    int n_hw_pool OVS_GUARDED;
    int hw_priority OVS_GUARDED;        /* options:hw-priority. */
    int hw_quota OVS_GUARDED;           /* options:hw-flow-quota. */
    enum nae_path_mode path_mode OVS_GUARDED;
    bool hw_preempted OVS_GUARDED;      /* Moving off its VF for another. */
    char *hw_placement OVS_GUARDED;     /* Last placement decision. */
    int requested_hw_port OVS_GUARDED;  /* Placed VF's representor, or -1. */
    char *hw_error OVS_GUARDED;         /* Why it could not be opened. */
    struct nae_channel_stats hw_closed OVS_GUARDED; /* Of channels closed. */

    struct ovs_list list_node OVS_GUARDED_BY(nae_list_mutex);
};

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
    uint64_t features = NAE_F_ALL;

    if (!dev->n_hw_pool) {
        features &= ~NAE_F_HW_PATH;
    }
    if (!dev->tso_mp) {
        /* OVS hands a port checksum and TSO work only with userspace
         * TSO. */
        features &= ~(NAE_F_CSUM | NAE_F_TSO);
    }

    struct nae_dev_offer offer = {
        .q_num = dev->requested_n_chans,
        .mtu = dev->requested_mtu,
        .features = features,
        .mac = eth_addr_to_uint64(dev->hwaddr),
        .max_mem = dev->max_guest_mem,
    };
    return offer;
}

/* The representor of the port's hardware channel, or -1. */
static int
netdev_nae_hw_port(const struct netdev_nae *dev)
{
    return dev->path.hw ? nae_channel_vf_port(dev->path.hw) : -1;
}

/* Makes 'mac' the MAC the device offers its guest, which reads it at its
 * next (re)connection. */
static void
netdev_nae_set_mac(struct netdev_nae *dev, struct eth_addr mac)
    OVS_REQUIRES(dev->mutex)
{
    if (!eth_addr_equals(dev->hwaddr, mac)) {
        dev->hwaddr = mac;
        if (dev->path.hw) {
            nae_channel_set_mac(dev->path.hw, mac);
        }
        if (dev->ctl) {
            struct nae_dev_offer offer = netdev_nae_offer(dev);
            nae_ctl_set_offer(dev->ctl, &offer);
        }
        netdev_change_seq_changed(&dev->up);
    }
}

/* The path machine's view of the guest and of the eswitch
 * (struct nae_path_ops).  Called under 'dev->mutex'. */

static bool
netdev_nae_path_guest_ack(void *dev_, uint32_t *ack)
    OVS_NO_THREAD_SAFETY_ANALYSIS
{
    struct netdev_nae *dev = dev_;
    const struct nae_dev *guest = dev->ctl ? nae_ctl_dev(dev->ctl) : NULL;

    if (dev->vhost) {
        /* A VM follows without knowing: its rings move (announce()). */
        *ack = dev->vm_path_ack;
        return dev->dp_running;
    }
    if (!guest || !dev->dp_running) {
        return false;
    }
    *ack = guest->path_ack;
    return true;
}

/* announce() for a VM: its own virtio rings go to the VF, which runs them
 * as a vDPA NIC would, or come back, at once; the VM's driver sees one
 * device throughout. */
static void
netdev_nae_path_announce_vm(struct netdev_nae *dev, uint32_t gen,
                            enum nae_path to)
    OVS_REQUIRES(dev->mutex)
{
    static struct vlog_rate_limit lend_rl = VLOG_RATE_LIMIT_INIT(1, 5);

    if (to == NAE_PATH_HW && dev->path.hw) {
        char *error = NULL;

        if (nae_vhost_lend(dev->vhost, dev->path.hw, &error)) {
            VLOG_WARN_RL(&lend_rl, "%s: the VM stays on its software path: "
                         "%s", netdev_get_name(&dev->up), error);
            free(error);
            dev->vm_lend_failed = true;
            return;
        }
    } else {
        nae_vhost_reclaim(dev->vhost);
    }
    dev->vm_path_ack = gen;
}

static void
netdev_nae_path_announce(void *dev_, uint32_t gen, enum nae_path to,
                         bool release)
    OVS_NO_THREAD_SAFETY_ANALYSIS
{
    struct netdev_nae *dev = dev_;
    uint16_t vf = (dev->path.hw ? nae_channel_vf_number(dev->path.hw)
                   : NAE_PATH_VF_NONE);
    int vf_fd = -1;

    if (dev->vhost) {
        netdev_nae_path_announce_vm(dev, gen, to);
        return;
    }
    if (!dev->ctl) {
        /* Without a guest, nae_path_run() completes the switch. */
        return;
    }
    if (to == NAE_PATH_HW && dev->path.hw) {
        /* The guest gets the VF's memory with the event, if the NIC's
         * assigner hands VFs out that way. */
        vf_fd = nae_channel_vf_guest_fd(dev->path.hw);
    }
    nae_ctl_set_path(dev->ctl, gen, to, release ? NAE_PATH_VF_NONE : vf,
                     vf_fd);
}

static uint64_t
netdev_nae_path_offload(void *dev_, enum nae_offload_state state)
{
    struct netdev_nae *dev = dev_;

    return nae_offload_port_set(&dev->up, netdev_nae_hw_port(dev), state);
}

static bool
netdev_nae_path_offload_done(void *dev_, uint64_t ticket)
{
    struct netdev_nae *dev = dev_;

    return nae_offload_port_done(&dev->up, ticket);
}

static void
netdev_nae_path_offload_wait(void *dev_, uint64_t ticket)
{
    struct netdev_nae *dev = dev_;

    nae_offload_port_wait(&dev->up, ticket);
}

static const struct nae_path_ops netdev_nae_path_ops = {
    .guest_ack = netdev_nae_path_guest_ack,
    .announce = netdev_nae_path_announce,
    .offload = netdev_nae_path_offload,
    .offload_done = netdev_nae_path_offload_done,
    .offload_wait = netdev_nae_path_offload_wait,
};

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
    dev->max_guest_mem = NAE_DEFAULT_GUEST_MEM_MB << 20;
    dev->flags = NETDEV_UP;
    atomic_init(&dev->tx_not_running, 0);
    nae_path_init(&dev->path, netdev_get_name(netdev), &netdev_nae_path_ops,
                  dev);
    dev->requested_hw_port = -1;
    dev->path_mode = NAE_MODE_AUTO;
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
        nae_path_stash_clear(&dev->rx_stash[i]);
        nae_channel_close(dev->chans[i]);
        dev->chans[i] = NULL;
    }
    free_cacheline(dev->rings);
    dev->rings = NULL;
    dev->n_chans = 0;
    dev->n_tx_chans = 0;
}

/* --- Hardware channel: control path ----------------------------------- */

static const char *
nae_path_name(enum nae_path path)
{
    return path == NAE_PATH_HW ? "hw" : "sw";
}

static const char *
nae_path_mode_name(enum nae_path_mode mode)
{
    return (mode == NAE_MODE_HW ? "hw"
            : mode == NAE_MODE_SW ? "sw"
            : "auto");
}

/* Whether the port's guest can follow path switches: a process guest's
 * driver says so; a VM's rings can be lent to a VF in virtio mode while
 * its device runs one queue pair with features the VF runs, and QEMU does
 * not migrate it.  Stores the reason if not in '*why', if nonnull. */
static bool
netdev_nae_guest_follows__(const struct netdev_nae *dev, const char **why)
    OVS_REQUIRES(dev->mutex)
{
    const char *reason = NULL;

    if (dev->vhost) {
        if (dev->path.hw && !nae_channel_vf_has_virtio(dev->path.hw)) {
            reason = "the VF has no virtio mode";
        } else {
            nae_vhost_can_lend(dev->vhost, &reason);
        }
    } else if (!dev->dp_running || !dev->n_tx_chans) {
        reason = "no guest session";
    } else if (!(dev->rings[dev->tx_chans[0]].rings.features
                 & NAE_F_HW_PATH)) {
        reason = "the guest's driver does not follow path switches";
    }
    if (why) {
        *why = reason;
    }
    return !reason;
}

static bool
netdev_nae_guest_follows(const struct netdev_nae *dev)
    OVS_REQUIRES(dev->mutex)
{
    return netdev_nae_guest_follows__(dev, NULL);
}

/* Runs the path machine with the port's policy: the VF unless nae/set-path
 * said "sw" or placement is taking it away. */
static void
netdev_nae_path_run(struct netdev_nae *dev)
    OVS_REQUIRES(dev->mutex)
{
    nae_path_run(&dev->path,
                 (!dev->hw_preempted && dev->path_mode != NAE_MODE_SW
                  && netdev_nae_guest_follows(dev)),
                 time_usec());
}

/* The hardware channel's counters over the port's life, 'hw' the open
 * one (or NULL). */
static struct nae_channel_stats
netdev_nae_hw_stats(const struct netdev_nae *dev,
                    const struct nae_channel *hw)
    OVS_REQUIRES(dev->mutex)
{
    struct nae_channel_stats st = dev->hw_closed;

    if (hw) {
        struct nae_channel_stats cur;

        hw->class->get_stats(hw, &cur);
        st.rx_packets += cur.rx_packets;
        st.rx_bytes += cur.rx_bytes;
        st.tx_packets += cur.tx_packets;
        st.tx_bytes += cur.tx_bytes;
        st.tx_dropped += cur.tx_dropped;
    }
    return st;
}

/* Stops using the representor.  reconfigure() or destruct() only: no PMD
 * thread polls or sends to us. */
static void
netdev_nae_hw_close(struct netdev_nae *dev)
    OVS_REQUIRES(dev->mutex)
{
    struct nae_channel *hw;
    int port = netdev_nae_hw_port(dev);

    if (!dev->path.hw) {
        return;
    }
    if (dev->vhost) {
        /* The NIC stops running the VM's rings before the VF goes. */
        nae_vhost_reclaim(dev->vhost);
    }
    hw = nae_path_detach(&dev->path);
    nae_offload_port_remove(&dev->up);
    /* The port's counters never go back. */
    dev->hw_closed = netdev_nae_hw_stats(dev, hw);
    nae_channel_close(hw);
    VLOG_INFO("%s: hardware channel %s (port %d) closed",
              netdev_get_name(&dev->up), dev->hw_devargs ? dev->hw_devargs
              : "(removed)", port);
}

/* Sets up representor 'port' as the port's hardware channel.
 * reconfigure() only.  Returns 0 or a positive errno value, with the reason
 * in 'dev->hw_error'. */
static int
netdev_nae_hw_open(struct netdev_nae *dev, int port)
    OVS_REQUIRES(dev->mutex)
{
    struct nae_channel *hw;

    free(dev->hw_error);
    dev->hw_error = NULL;
    hw = nae_channel_vf_open(netdev_get_name(&dev->up), port, dev->mp,
                             &dev->hw_error);
    if (!hw) {
        VLOG_WARN("%s: %s", netdev_get_name(&dev->up), dev->hw_error);
        return EINVAL;
    }
    nae_channel_set_mac(hw, dev->hwaddr);
    nae_path_attach(&dev->path, hw);
    VLOG_INFO("%s: hardware channel %s is representor port %d",
              netdev_get_name(&dev->up), dev->hw_devargs, port);
    return 0;
}

/* Finds the ethdevs 'devargs' names (probing the device if DPDK does not
 * have it yet, as OVS's dpdk ports do; a representor range such as
 * "representor=vf[0-3]" names several) and checks they are VF
 * representors.  Stores their port ids in 'pool' and returns how many, or
 * 0 with '*errp' set. */
static int
netdev_nae_resolve_hw(const struct netdev_nae *self, const char *devargs,
                      int pool[NAE_HW_POOL_MAX], char **errp)
{
    const char *name = netdev_get_name(&self->up);
    struct rte_dev_iterator it;
    uint16_t port_id;
    int n = 0;

    for (int attempt = 0; attempt < 2 && !n; attempt++) {
        if (attempt && rte_dev_probe(devargs)) {
            break;
        }
        RTE_ETH_FOREACH_MATCHING_DEV (port_id, devargs, &it) {
            if (n >= NAE_HW_POOL_MAX) {
                rte_eth_iterator_cleanup(&it);
                *errp = xasprintf("%s: hw-channel '%s' matches more than %d "
                                  "DPDK ports", name, devargs,
                                  NAE_HW_POOL_MAX);
                return 0;
            }
            pool[n++] = port_id;
        }
    }
    if (!n) {
        *errp = xasprintf("%s: hw-channel '%s' matches no DPDK port",
                          name, devargs);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        struct rte_eth_dev_info info;

        if (rte_eth_dev_info_get(pool[i], &info) || !info.dev_flags
            || !(*info.dev_flags & RTE_ETH_DEV_REPRESENTOR)) {
            *errp = xasprintf("%s: hw-channel '%s' matches DPDK port %d, "
                              "which is not a VF representor", name,
                              devargs, pool[i]);
            return 0;
        }
    }
    return n;
}

static bool
netdev_nae_in_pool(const struct netdev_nae *dev, int port)
    OVS_REQUIRES(dev->mutex)
{
    for (int i = 0; i < dev->n_hw_pool; i++) {
        if (dev->hw_pool[i] == port) {
            return true;
        }
    }
    return false;
}

static void
netdev_nae_placement_note(struct netdev_nae *dev, char *note)
    OVS_REQUIRES(dev->mutex)
{
    VLOG_INFO("%s: %s", netdev_get_name(&dev->up), note);
    free(dev->hw_placement);
    dev->hw_placement = note;
}

/* Fills 'c' with what placement needs to know of 'dev', after moving on a
 * port that placement took its VF from: once on its rings and once its
 * guest has let go too (or there is none), the VF is free for another. */
static void
netdev_nae_place_snapshot(struct netdev_nae *dev, struct nae_place_cand *c,
                          long long int now)
    OVS_REQUIRES(dev->mutex)
{
    struct nae_path_machine *m = &dev->path;

    if (dev->hw_preempted && m->path == NAE_PATH_SW && !m->switching
        && dev->requested_hw_port >= 0) {
        if (!m->let_go && dev->ctl && nae_ctl_dev(dev->ctl)) {
            nae_path_release(m, now);
        } else {
            dev->requested_hw_port = -1;
            netdev_request_reconfigure(&dev->up);
        }
    }
    if (dev->hw_preempted && !m->hw) {
        dev->hw_preempted = false;
        m->let_go = false;
    }

    c->priority = dev->hw_priority;
    c->wants = (dev->n_hw_pool && dev->path_mode != NAE_MODE_SW
                && netdev_nae_guest_follows(dev)
                && !nae_path_retry_pending(m, now));
    c->owns = (dev->requested_hw_port >= 0 ? dev->requested_hw_port
               : netdev_nae_hw_port(dev));
    c->preempted = dev->hw_preempted;
    c->pinned = dev->path_mode == NAE_MODE_HW;
    c->pool = dev->hw_pool;
    c->n_pool = dev->n_hw_pool;
}

/* Places VFs over every port with a hw-channel (nae-place.h), and applies
 * the decisions.  Main thread, every run(). */
static void
netdev_nae_place(void)
    OVS_REQUIRES(nae_list_mutex)
{
    long long int now = time_usec();
    struct nae_place_cand *cands;
    struct netdev_nae **devs;
    struct netdev_nae *dev;
    size_t n = 0, allocated = 0;

    cands = NULL;
    devs = NULL;
    LIST_FOR_EACH (dev, list_node, &nae_list) {
        ovs_mutex_lock(&dev->mutex);
        /* Also a port whose hw-channel just went, while it still has the
         * VF open. */
        if (dev->n_hw_pool || dev->path.hw) {
            if (n >= allocated) {
                cands = x2nrealloc(cands, &allocated, sizeof *cands);
                devs = xrealloc(devs, allocated * sizeof *devs);
            }
            devs[n] = dev;
            netdev_nae_place_snapshot(dev, &cands[n++], now);
        }
        ovs_mutex_unlock(&dev->mutex);
    }
    /* The pools the candidates point to change only in set_config(), on
     * this thread. */
    nae_place(cands, n);

    for (size_t i = 0; i < n; i++) {
        const struct nae_place_cand *c = &cands[i];

        dev = devs[i];
        if (c->given >= 0) {
            ovs_mutex_lock(&dev->mutex);
            dev->path.let_go = false;
            dev->requested_hw_port = c->given;
            netdev_request_reconfigure(&dev->up);
            netdev_nae_placement_note(dev, xasprintf(
                "given VF representor port %d (priority %d)", c->given,
                c->priority));
            ovs_mutex_unlock(&dev->mutex);
        } else if (c->preempted_for >= 0) {
            const struct nae_place_cand *to = &cands[c->preempted_for];
            const char *to_name = netdev_get_name(&devs[c->preempted_for]
                                                  ->up);

            ovs_mutex_lock(&dev->mutex);
            dev->hw_preempted = true;
            netdev_nae_placement_note(dev, c->wants
                ? xasprintf("giving up VF representor port %d to %s "
                            "(priority %d > %d)", c->owns, to_name,
                            to->priority, c->priority)
                : xasprintf("giving up VF representor port %d to %s "
                            "(not using it)", c->owns, to_name));
            netdev_nae_path_run(dev);
            ovs_mutex_unlock(&dev->mutex);
        }
    }
    free(cands);
    free(devs);
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
    netdev_nae_hw_close(dev);
    nae_offload_port_destroy(&dev->up);
    netdev_nae_free_chans(dev);
    nae_vhost_close(dev->vhost);
    nae_ctl_destroy(dev->ctl);
    free(dev->socket_path);
    free(dev->hw_devargs);
    free(dev->hw_error);
    free(dev->hw_placement);
    ovs_mutex_unlock(&dev->mutex);
    ovs_mutex_destroy(&dev->mutex);
}

/* rte_vhost's thread: the VM's device changed; run() reads it, and the
 * bridge refreshes the port's status.  No reconfigure(), unlike OVS's
 * vhost ports: the data path follows the device by itself (see
 * netdev_nae_send_vm()), and the datapath takes a port it reconfigures
 * away from its PMD threads for a moment, dropping what they send to it,
 * just when a migrating VM's traffic moves between two ports. */
static void
netdev_nae_vhost_changed(void *dev_)
{
    struct netdev_nae *dev = dev_;

    netdev_change_seq_changed(&dev->up);
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
    const char *vhost = smap_get(args, "vhost-server-path");
    const char *mac_s = smap_get(args, "mac");
    const char *hw = smap_get(args, "hw-channel");
    bool arrival = smap_get_bool(args, "migration-destination", false);
    int hw_priority = smap_get_int(args, "hw-priority", 0);
    int hw_quota = smap_get_int(args, "hw-flow-quota",
                                NAE_OFFLOAD_DEFAULT_QUOTA);
    unsigned long long int max_mem_mb
        = smap_get_ullong(args, "max-guest-memory",
                          NAE_DEFAULT_GUEST_MEM_MB);
    int hw_pool[NAE_HW_POOL_MAX];
    int n_hw_pool = 0;
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
    if (max_mem_mb < 1 || max_mem_mb > NAE_MAX_GUEST_MEM_MB) {
        *errp = xasprintf("%s: max-guest-memory must be between 1 and %d "
                          "(MiB)", name, NAE_MAX_GUEST_MEM_MB);
        goto error;
    }
    if (hw_quota < 0 || hw_quota > NAE_HW_MAX_QUOTA) {
        *errp = xasprintf("%s: hw-flow-quota must be between 0 (no bound) "
                          "and %d", name, NAE_HW_MAX_QUOTA);
        goto error;
    }
    if (hw_priority < 0 || hw_priority > NAE_HW_PRIORITY_MAX) {
        *errp = xasprintf("%s: hw-priority must be between 0 and %d",
                          name, NAE_HW_PRIORITY_MAX);
        goto error;
    }
    if (vhost && !vhost[0]) {
        vhost = NULL;
    }
    if (vhost && socket && socket[0]) {
        *errp = xasprintf("%s: options:socket is a process guest's and "
                          "options:vhost-server-path a VM's; set one", name);
        goto error;
    }
    if (arrival && (!vhost || !mac_s)) {
        *errp = xasprintf("%s: migration-destination is a VM port's "
                          "(options:vhost-server-path) and announces the "
                          "VM's MAC: set options:mac to it", name);
        goto error;
    }
    if (hw && hw[0]) {
        n_hw_pool = netdev_nae_resolve_hw(dev, hw, hw_pool, errp);
        if (!n_hw_pool) {
            goto error;
        }
    }
    path = (vhost ? xstrdup(vhost)
            : socket && socket[0] ? xstrdup(socket)
            : netdev_nae_default_socket(netdev));

    ovs_mutex_lock(&dev->mutex);
    if (dev->socket_path && (strcmp(path, dev->socket_path)
                             || !vhost != !dev->vhost)) {
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
    dev->hw_priority = hw_priority;
    dev->hw_quota = hw_quota;
    nae_offload_port_set_quota(&dev->up, hw_quota);
    if (max_mem_mb << 20 != dev->max_guest_mem) {
        /* Sessions that start from now on get the new bound. */
        dev->max_guest_mem = max_mem_mb << 20;
        if (dev->ctl) {
            struct nae_dev_offer offer = netdev_nae_offer(dev);
            nae_ctl_set_offer(dev->ctl, &offer);
        }
    }
    if (n_hw_pool != dev->n_hw_pool
        || memcmp(hw_pool, dev->hw_pool, n_hw_pool * sizeof *hw_pool)) {
        free(dev->hw_devargs);
        dev->hw_devargs = n_hw_pool ? xstrdup(hw) : NULL;
        memcpy(dev->hw_pool, hw_pool, n_hw_pool * sizeof *hw_pool);
        dev->n_hw_pool = n_hw_pool;
        if (dev->requested_hw_port >= 0
            && !netdev_nae_in_pool(dev, dev->requested_hw_port)) {
            dev->requested_hw_port = -1;
            netdev_request_reconfigure(netdev);
        }
        /* Guests learn whether to follow path switches when they
         * connect. */
        if (dev->ctl) {
            struct nae_dev_offer offer = netdev_nae_offer(dev);
            nae_ctl_set_offer(dev->ctl, &offer);
        }
    }
    if (mac_s) {
        netdev_nae_set_mac(dev, mac);
    }
    if (vhost && !dev->vhost) {
        error = nae_vhost_open(name, path, userspace_tso_enabled(),
                               netdev_nae_vhost_changed, dev, &dev->vhost,
                               errp);
        if (error) {
            VLOG_WARN("%s", *errp);
            goto out;
        }
        nae_vhost_set_mempool(dev->vhost, dev->mp,
                              NAE_MTU_TO_FRAME(dev->mtu));
        if (userspace_tso_enabled()) {
            /* The VM's virtio-net header carries them, as for OVS's own
             * vhost ports. */
            netdev->ol_flags |= (NETDEV_TX_OFFLOAD_TCP_TSO
                                 | NETDEV_TX_OFFLOAD_TCP_CKSUM
                                 | NETDEV_TX_OFFLOAD_UDP_CKSUM
                                 | NETDEV_TX_OFFLOAD_SCTP_CKSUM
                                 | NETDEV_TX_OFFLOAD_IPV4_CKSUM);
        }
        dev->socket_path = path;
        path = NULL;
        netdev_request_reconfigure(netdev);
    } else if (!dev->ctl && !dev->vhost) {
        if (userspace_tso_enabled()) {
            /* Guests that negotiate NAE_F_CSUM and NAE_F_TSO hand us, and
             * take, what OVS's offload flags say (nae-offload.h); for
             * those that do not, the channel does it in software. */
            dev->tso_mp = nae_mempool_get(NAE_MAX_TSO_FRAME);
            if (dev->tso_mp) {
                netdev->ol_flags |= (NETDEV_TX_OFFLOAD_TCP_TSO
                                     | NETDEV_TX_OFFLOAD_TCP_CKSUM
                                     | NETDEV_TX_OFFLOAD_UDP_CKSUM
                                     | NETDEV_TX_OFFLOAD_IPV4_CKSUM);
            } else {
                VLOG_WARN("%s: no TSO mbuf pool: the guest is offered no "
                          "checksum or TSO offload", name);
            }
        }

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
    if (dev->vhost) {
        dev->migration_destination = arrival;
        nae_vhost_set_arrival(dev->vhost, arrival,
                              mac_s ? mac : eth_addr_zero);
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
    smap_add_format(args, "max-guest-memory", "%"PRIu64,
                    dev->max_guest_mem >> 20);
    smap_add_format(args, "mac", ETH_ADDR_FMT, ETH_ADDR_ARGS(dev->hwaddr));
    if (dev->socket_path) {
        smap_add(args, dev->vhost ? "vhost-server-path" : "socket",
                 dev->socket_path);
    }
    if (dev->migration_destination) {
        smap_add(args, "migration-destination", "true");
    }
    if (dev->hw_devargs) {
        smap_add(args, "hw-channel", dev->hw_devargs);
        smap_add_format(args, "hw-priority", "%d", dev->hw_priority);
        smap_add_format(args, "hw-flow-quota", "%d", dev->hw_quota);
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
        nae_rings_init(&dev->rings[i].rings, &layout[i], max_frame);
        if (layout[i].active) {
            dev->tx_chans[dev->n_tx_chans++] = i;
        }
    }
    if (!dev->dp_running) {
        nae_path_force_sw(&dev->path);
    }
}

/* The same for a VM: its queue pairs that both of its vrings enabled. */
static void
netdev_nae_sync_vm_chans(struct netdev_nae *dev)
    OVS_REQUIRES(dev->mutex)
{
    struct nae_vhost_state st;

    nae_vhost_get_state(dev->vhost, &st);
    dev->dp_running = st.running;
    dev->n_tx_chans = 0;
    for (int i = 0; i < dev->n_chans; i++) {
        if (nae_channel_link(dev->chans[i])) {
            dev->tx_chans[dev->n_tx_chans++] = i;
        }
    }
    if (st.running && st.n_queue_pairs > dev->n_chans) {
        VLOG_WARN_RL(&rl, "%s: the VM has %d queue pairs and the port "
                     "serves %d (options:n-channels): what the VM sends on "
                     "the others is never received",
                     netdev_get_name(&dev->up), st.n_queue_pairs,
                     dev->n_chans);
    }
    if (!st.running) {
        nae_path_force_sw(&dev->path);
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
        for (int i = 0; dev->rings && i < dev->n_chans; i++) {
            dev->rings[i].rings.max_frame = NAE_MTU_TO_FRAME(dev->mtu);
            dev->rings[i].mp = mp;
        }
        if (dev->vhost) {
            nae_vhost_set_mempool(dev->vhost, mp, NAE_MTU_TO_FRAME(dev->mtu));
        }
    }

    /* A port becomes a VM's in its first set_config(). */
    if (dev->requested_n_chans != dev->n_chans
        || !dev->vhost != !!dev->rings) {
        /* The guest learned the channel count when it connected: make it
         * reconnect and learn the new one.  A VM keeps its queue pairs;
         * the port serves more or fewer of them. */
        if (dev->ctl) {
            nae_ctl_disconnect(dev->ctl, "channel count changed");
        }
        netdev_nae_free_chans(dev);
        dev->n_chans = dev->requested_n_chans;
        if (dev->vhost) {
            for (int i = 0; i < dev->n_chans; i++) {
                dev->chans[i] = nae_vhost_channel(dev->vhost, i);
            }
        } else {
            dev->rings = xzalloc_cacheline(dev->n_chans * sizeof *dev->rings);
            for (int i = 0; i < dev->n_chans; i++) {
                nae_channel_ring_construct(&dev->rings[i], &dev->map,
                                           dev->mp);
                dev->rings[i].tso_mp = dev->tso_mp;
                dev->chans[i] = &dev->rings[i].up;
            }
        }
        netdev->n_rxq = dev->n_chans;
        netdev->n_txq = dev->n_chans;
        dev->dp_resync = true;
    }

    if (dev->ctl) {
        struct nae_dev_offer offer = netdev_nae_offer(dev);
        nae_ctl_set_offer(dev->ctl, &offer);
    }

    if (dev->vhost) {
        netdev_nae_sync_vm_chans(dev);
    } else if (dev->dp_resync) {
        netdev_nae_sync_chans(dev);
        dev->dp_resync = false;
    }

    if (netdev_nae_hw_port(dev) != dev->requested_hw_port
        || (dev->path.hw && nae_channel_vf_mempool(dev->path.hw) != dev->mp)) {
        int port = dev->requested_hw_port;

        netdev_nae_hw_close(dev);
        if (port >= 0) {
            netdev_nae_hw_open(dev, port);
        }
    }

    /* No PMD thread polls or sends to us now, so ended sessions' memory can
     * go, and a guest waiting on dev_start can be told it took effect. */
    while (dev->ctl && (retired = nae_ctl_take_retired(dev->ctl))) {
        nae_dev_destroy(retired);
        free(retired);
    }
    if (dev->ctl) {
        nae_ctl_dp_synced(dev->ctl, dev->dp_running);
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
    if (dev->vhost) {
        /* rte_vhost's thread bumps the port's change sequence, but the
         * bridge can read it between that thread's two steps and miss the
         * change for good: say it again from here. */
        struct nae_vhost_state st;
        uint64_t seen;

        nae_vhost_run(dev->vhost);
        nae_vhost_get_state(dev->vhost, &st);
        seen = hash_bytes(&st, sizeof st, 0);
        if (seen != dev->vm_seen) {
            dev->vm_seen = seen;
            netdev_nae_sync_vm_chans(dev);
            netdev_change_seq_changed(&dev->up);
        }
        if (nae_vhost_taken_back(dev->vhost)) {
            /* The VM's device took its rings back from the VF (it stops,
             * disables a queue, or QEMU starts to migrate it): software at
             * once, after what came up the representor. */
            nae_path_force_sw(&dev->path);
            nae_vhost_reclaim(dev->vhost);
        }
        netdev_nae_path_run(dev);
        if (dev->vm_lend_failed) {
            dev->vm_lend_failed = false;
            nae_path_force_sw(&dev->path);
        }
        return;
    }
    if (!dev->ctl) {
        return;
    }
    if (nae_ctl_run(dev->ctl) & NAE_CTL_DP_CHANGE) {
        dev->dp_resync = true;
        netdev_request_reconfigure(&dev->up);
    }
    netdev_nae_path_run(dev);
    if (dev->dp_running) {
        for (int i = 0; i < dev->n_chans; i++) {
            bool broken;

            atomic_read_relaxed(&dev->rings[i].rings.broken, &broken);
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
    netdev_nae_place();
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
        if (dev->n_hw_pool) {
            /* A VF's (un)plug shows only in its representor's link, and
             * placement looks at every port now and then. */
            poll_timer_wait(NAE_HW_POLL_MS);
        }
        nae_path_wait(&dev->path);
        ovs_mutex_unlock(&dev->mutex);
    }
    ovs_mutex_unlock(&nae_list_mutex);
}

static bool
netdev_nae_rxq_enabled(struct netdev_rxq *rxq)
{
    struct netdev_nae *dev = netdev_nae_cast(rxq->netdev);

    return ((rxq->queue_id == 0 && dev->path.hw)
            || (rxq->queue_id == 0 && dev->vhost
                && nae_vhost_announcing(dev->vhost))
            || (rxq->queue_id < dev->n_chans
                && nae_channel_link(dev->chans[rxq->queue_id])));
}

/* PMD thread: receives a burst from the hardware channel (rxq 0 only:
 * ring 0's queue, so that the path machine's hold orders the two), or else
 * from the guest's tx ring of the channel this rxq stands for. */
static int
netdev_nae_rxq_recv(struct netdev_rxq *rxq, struct dp_packet_batch *batch,
                    int *qfill)
{
    struct netdev_nae *dev = netdev_nae_cast(rxq->netdev);
    int n = 0;

    if (qfill) {
        *qfill = -ENOTSUP;
    }
    if (rxq->queue_id == 0 && dev->vhost) {
        /* A hand-over of the VM's rings happens here, between bursts. */
        nae_vhost_poll(dev->vhost);
    }
    if (rxq->queue_id == 0 && dev->path.hw) {
        n = nae_path_rx_hw(&dev->path, batch->packets, NETDEV_MAX_BURST);
    }
    if (!n && OVS_LIKELY(rxq->queue_id < dev->n_chans)) {
        n = nae_path_rx_sw(&dev->path, &dev->rx_stash[rxq->queue_id],
                           dev->chans[rxq->queue_id], batch->packets,
                           NETDEV_MAX_BURST);
    }
    if (!n) {
        return EAGAIN;
    }
    batch->count = n;
    dp_packet_batch_init_packet_fields(batch);
    return 0;
}

/* Sends 'batch' over the 'n' channels in 'chans' by the packets' RSS hash,
 * as a multi-queue NIC spreads flows over its queues. */
static void
netdev_nae_spread(struct nae_channel **chans, int n,
                  struct dp_packet_batch *batch)
{
    struct dp_packet *per_chan[NAE_MAX_CHANNELS][NETDEV_MAX_BURST];
    int counts[NAE_MAX_CHANNELS] = { 0 };
    struct dp_packet *pkt;

    DP_PACKET_BATCH_FOR_EACH (i, pkt, batch) {
        uint32_t hash = dp_packet_rss_valid(pkt)
                        ? dp_packet_get_rss_hash(pkt) : 0;
        int c = hash % n;

        per_chan[c][counts[c]++] = pkt;
    }
    for (int c = 0; c < n; c++) {
        if (counts[c]) {
            nae_channel_tx_burst(chans[c], per_chan[c], counts[c]);
        }
    }
}

/* Sends 'batch' to a VM, spreading flows over the queue pairs its driver
 * enabled, read from the device as it is now.  A VM's channel keeps what
 * comes while the VM moves away (nae-hold.h), or drops it. */
static void
netdev_nae_send_vm(struct netdev_nae *dev, struct dp_packet_batch *batch)
{
    size_t n_pkts = dp_packet_batch_size(batch);
    struct nae_channel *active[NAE_MAX_CHANNELS];
    int n_active = 0;

    if (OVS_UNLIKELY(!dev->n_chans)) {
        nae_stat_add_shared(&dev->tx_not_running, n_pkts);
        nae_packets_free(batch->packets, n_pkts);
        return;
    } else if (dev->n_chans == 1) {
        nae_channel_tx_burst(dev->chans[0], batch->packets, n_pkts);
        return;
    }
    for (int i = 0; i < dev->n_chans; i++) {
        if (nae_channel_link(dev->chans[i])) {
            active[n_active++] = dev->chans[i];
        }
    }
    if (n_active <= 1) {
        /* One queue pair, or none: channel 0 holds or drops. */
        nae_channel_tx_burst(n_active ? active[0] : dev->chans[0],
                             batch->packets, n_pkts);
    } else {
        netdev_nae_spread(active, n_active, batch);
    }
}

/* PMD thread (or main thread): sends 'batch' to the guest, through the
 * hardware channel when it carries the port's traffic, else spreading flows
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
    if (dev->vhost) {
        netdev_nae_send_vm(dev, batch);
    } else if (nae_path_tx_on_hw(&dev->path)) {
        nae_channel_tx_burst(dev->path.hw, batch->packets, n_pkts);
    } else if (OVS_UNLIKELY(!n_chans)) {
        nae_stat_add_shared(&dev->tx_not_running, n_pkts);
        nae_packets_free(batch->packets, n_pkts);
    } else if (n_chans == 1) {
        nae_channel_tx_burst(dev->chans[dev->tx_chans[0]],
                             batch->packets, n_pkts);
    } else {
        struct nae_channel *active[NAE_MAX_CHANNELS];

        for (int c = 0; c < n_chans; c++) {
            active[c] = dev->chans[dev->tx_chans[c]];
        }
        netdev_nae_spread(active, n_chans, batch);
    }
    dp_packet_batch_init(batch);
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
netdev_nae_sum_stats(const struct netdev_nae *dev, struct nae_rings_totals *t)
{
    memset(t, 0, sizeof *t);
    for (int i = 0; dev->rings && i < dev->n_chans; i++) {
        const struct nae_rings *chan = &dev->rings[i].rings;

        t->rx_packets += nae_stat_get(&chan->rx_stats.packets);
        t->rx_bytes += nae_stat_get(&chan->rx_stats.bytes);
        t->tx_packets += nae_stat_get(&chan->tx_stats.packets);
        t->tx_bytes += nae_stat_get(&chan->tx_stats.bytes);
        for (int r = 0; r < NAE_N_DROPS; r++) {
            t->rx_drops[r] += nae_stat_get(&chan->rx_stats.drops[r]);
            t->tx_drops[r] += nae_stat_get(&chan->tx_stats.drops[r]);
        }
        t->irq_undrained += nae_stat_get(&chan->from_guest.irq_undrained)
                            + nae_stat_get(&chan->to_guest.irq_undrained);
        t->rx_tso += nae_stat_get(&chan->rx_stats.tso);
        t->rx_csum += nae_stat_get(&chan->rx_stats.csum);
        t->tx_tso += nae_stat_get(&chan->tx_stats.tso);
        t->tx_csum += nae_stat_get(&chan->tx_stats.csum);
        t->tx_sw_tso += nae_stat_get(&chan->tx_stats.sw_tso);
        t->tx_sw_segs += nae_stat_get(&chan->tx_stats.sw_segs);
        t->tx_sw_csum += nae_stat_get(&chan->tx_stats.sw_csum);
    }
    t->tx_drops[NAE_DROP_NOT_RUNNING] += nae_stat_get(&dev->tx_not_running);
}

static int
netdev_nae_get_stats(const struct netdev *netdev, struct netdev_stats *stats)
{
    struct netdev_nae *dev = netdev_nae_cast(netdev);
    struct nae_channel_stats hw;
    struct nae_rings_totals t;
    uint64_t vm_rx_errors = 0;

    ovs_mutex_lock(&dev->mutex);
    netdev_nae_sum_stats(dev, &t);
    if (dev->vhost) {
        struct nae_channel_stats vm;
        struct nae_vhost_drops drops;

        nae_vhost_get_stats(dev->vhost, &vm, &drops);
        t.rx_packets += vm.rx_packets;
        t.rx_bytes += vm.rx_bytes;
        t.tx_packets += vm.tx_packets;
        t.tx_bytes += vm.tx_bytes;
        t.tx_drops[NAE_DROP_NOT_RUNNING] += vm.tx_dropped;
        vm_rx_errors = drops.rx_refused;
    }
    hw = netdev_nae_hw_stats(dev, dev->path.hw);
    ovs_mutex_unlock(&dev->mutex);

    /* Frames the eswitch switched itself never reach us: those the
     * offload provider counts per flow. */
    stats->rx_packets = t.rx_packets + hw.rx_packets;
    stats->rx_bytes = t.rx_bytes;
    stats->tx_packets = t.tx_packets + hw.tx_packets;
    stats->tx_bytes = t.tx_bytes;
    stats->rx_dropped = t.rx_drops[NAE_DROP_NO_MBUF];
    stats->rx_errors = vm_rx_errors;
    stats->tx_dropped = hw.tx_dropped;
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
    struct nae_rings_totals t;
    size_t n = 0;

    ovs_mutex_lock(&dev->mutex);
    netdev_nae_sum_stats(dev, &t);
    cs->counters = xcalloc(2 * NAE_N_DROPS + 2 * dev->n_chans
                           + NAE_N_REJECTS + 20, sizeof *cs->counters);
    if (dev->vhost) {
        struct nae_channel_stats vm;
        struct nae_vhost_drops d;

        nae_vhost_get_stats(dev->vhost, &vm, &d);
        nae_custom_add(cs, &n, d.ring_full, "vm_tx_ring_full");
        nae_custom_add(cs, &n, (d.not_running
                                + nae_stat_get(&dev->tx_not_running)),
                       "vm_tx_not_running");
        nae_custom_add(cs, &n, d.over_mtu, "vm_tx_over_mtu");
        nae_custom_add(cs, &n, d.no_mbuf, "vm_tx_no_mbuf");
        nae_custom_add(cs, &n, d.rx_refused, "vm_rx_refused");
        nae_custom_add(cs, &n, d.rx_stalls, "vm_rx_ring_stalls");
        nae_custom_add(cs, &n, d.held, "vm_tx_migration_held");
        nae_custom_add(cs, &n, d.handed_over, "vm_tx_migration_handed_over");
        nae_custom_add(cs, &n, d.hold_lost, "vm_tx_migration_lost");
    } else {
        for (int r = 0; r < NAE_N_DROPS; r++) {
            if (nae_drop_applies(r, NAE_RX)) {
                nae_custom_add(cs, &n, t.rx_drops[r], "rx_%s",
                               nae_drop_name(r));
            }
            if (nae_drop_applies(r, NAE_TX)) {
                nae_custom_add(cs, &n, t.tx_drops[r], "tx_%s",
                               nae_drop_name(r));
            }
        }
        if (dev->tso_mp) {
            nae_custom_add(cs, &n, t.rx_tso, "rx_tso_frames");
            nae_custom_add(cs, &n, t.rx_csum, "rx_csum_offload");
            nae_custom_add(cs, &n, t.tx_tso, "tx_tso_frames");
            nae_custom_add(cs, &n, t.tx_csum, "tx_csum_offload");
            nae_custom_add(cs, &n, t.tx_sw_tso, "tx_sw_segmented");
            nae_custom_add(cs, &n, t.tx_sw_segs, "tx_sw_segments");
            nae_custom_add(cs, &n, t.tx_sw_csum, "tx_sw_csum");
        }
    }
    for (int i = 0; i < dev->n_chans; i++) {
        struct nae_channel_stats st;

        dev->chans[i]->class->get_stats(dev->chans[i], &st);
        nae_custom_add(cs, &n, st.rx_packets, "ch%d_rx_packets", i);
        nae_custom_add(cs, &n, st.tx_packets, "ch%d_tx_packets", i);
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
        nae_custom_add(cs, &n, ctl_stats.refused, "ctl_refused_guests");
        nae_custom_add(cs, &n, ctl_stats.refused_rate,
                       "ctl_refused_reconnect_rate");
    }
    if (!dev->vhost) {
        nae_custom_add(cs, &n, t.irq_undrained, "irq_undrained");
    }
    if (dev->hw_devargs) {
        struct nae_channel_stats hw = netdev_nae_hw_stats(dev, dev->path.hw);

        nae_custom_add(cs, &n, hw.rx_packets, "hw_rx_packets");
        nae_custom_add(cs, &n, hw.tx_packets, "hw_tx_packets");
        nae_custom_add(cs, &n, hw.tx_dropped, "hw_tx_dropped");
        nae_custom_add(cs, &n, dev->path.n_switches, "path_switches");
        nae_custom_add(cs, &n, dev->path.n_timeouts, "path_switch_timeouts");
        if (dev->vhost) {
            struct nae_vhost_lend_stats ls;

            nae_vhost_get_lend_stats(dev->vhost, &ls);
            nae_custom_add(cs, &n, ls.lent, "vm_rings_lent");
            nae_custom_add(cs, &n, ls.reclaimed, "vm_rings_reclaimed");
            nae_custom_add(cs, &n, ls.taken_back, "vm_rings_taken_back");
            nae_custom_add(cs, &n, ls.refused, "vm_rings_lend_refused");
        }
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

    if (dev->vhost) {
        struct nae_vhost_state st;

        nae_vhost_get_state(dev->vhost, &st);
        return (st.running && st.logging ? "running (migrating)"
                : st.running ? "running"
                : st.arriving ? "connected (keeping frames for the VM "
                                "migrating here)"
                : st.holding ? "migrated (frames kept for its new port)"
                : st.connected ? "connected"
                : "disconnected");
    }
    return (!guest ? "disconnected"
            : guest->status & NAE_STATUS_NEEDS_RESET ? "needs-reset"
            : dev->dp_running ? "running"
            : guest->started ? "starting"
            : "connected");
}

/* The hardware channel in a word or two, in 'out' (returned as a
 * string). */
static const char *
netdev_nae_hw_state(const struct netdev_nae *dev, struct ds *out)
    OVS_REQUIRES(dev->mutex)
{
    const struct nae_dev *guest = dev->ctl ? nae_ctl_dev(dev->ctl) : NULL;
    const struct nae_path_machine *m = &dev->path;
    const char *why = NULL;

    if (dev->dp_running && (dev->vhost || (guest && dev->n_tx_chans))
        && !netdev_nae_guest_follows__(dev, &why)) {
        ds_put_format(out, "unused (%s)", why);
        return ds_cstr(out);
    }
    ds_put_cstr(out, (dev->hw_error && !m->hw ? "error"
            : !m->hw ? "no VF placed"
            : dev->hw_preempted && m->path == NAE_PATH_SW ? "giving up"
            : !m->hw_link ? (m->hw_released ? "unplugged" : "down")
            : m->switching ? "switching"
            : m->path == NAE_PATH_HW ? "active"
            : dev->path_mode == NAE_MODE_SW ? "standby (path mode sw)"
            : "standby"));
    return ds_cstr(out);
}

static int
netdev_nae_get_status(const struct netdev *netdev, struct smap *smap)
{
    struct netdev_nae *dev = netdev_nae_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    if (dev->socket_path) {
        smap_add(smap, dev->vhost ? "vhost_server_path" : "socket",
                 dev->socket_path);
    }
    smap_add(smap, "guest", nae_guest_state(dev));
    smap_add_format(smap, "n_channels", "%d", dev->n_chans);
    smap_add_format(smap, "active_channels", "%d", dev->n_tx_chans);
    if (dev->vhost) {
        struct nae_vhost_state st;

        nae_vhost_get_state(dev->vhost, &st);
        smap_add(smap, "transport", "vhost-user");
        smap_add_format(smap, "guest_sessions", "%"PRIu64, st.sessions);
        if (st.running) {
            smap_add_format(smap, "vm_queue_pairs", "%d", st.n_queue_pairs);
            smap_add_format(smap, "virtio_features", "0x%"PRIx64,
                            st.features);
        }
    } else if (dev->n_tx_chans) {
        smap_add_format(smap, "features", "0x%"PRIx64,
                        dev->rings[dev->tx_chans[0]].rings.features);
    }
    if (dev->ctl) {
        struct nae_ctl_stats cs;

        nae_ctl_get_stats(dev->ctl, &cs);
        smap_add_format(smap, "guest_sessions", "%"PRIu64, cs.sessions);
        if (nae_ctl_dev(dev->ctl)) {
            smap_add_format(smap, "guest_memory", "%"PRIu64,
                            nae_ctl_dev(dev->ctl)->mem.total);
        }
    }
    if (dev->hw_devargs) {
        struct ds state = DS_EMPTY_INITIALIZER;

        smap_add(smap, "hw_channel", netdev_nae_hw_state(dev, &state));
        ds_destroy(&state);
        if (dev->path.hw) {
            smap_add_format(smap, "hw_port", "%d", netdev_nae_hw_port(dev));
        }
        smap_add(smap, "path", nae_path_name(dev->path.path));
        smap_add_format(smap, "hw_priority", "%d", dev->hw_priority);
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static void
netdev_nae_show_hw(struct ds *s, struct netdev_nae *dev)
    OVS_REQUIRES(dev->mutex)
{
    const struct nae_path_machine *m = &dev->path;
    struct nae_channel_stats st = netdev_nae_hw_stats(dev, m->hw);

    ds_put_format(s, "  path: %s%s (mode %s), %"PRIu64" switches, "
                  "%"PRIu64" timeouts", nae_path_name(m->path),
                  m->switching ? " (switching)" : "",
                  nae_path_mode_name(dev->path_mode), m->n_switches,
                  m->n_timeouts);
    if (m->n_switches) {
        ds_put_format(s, ", last gap %lld us, max gap %lld us",
                      m->last_gap_us, m->max_gap_us);
    }
    ds_put_format(s, "\n  placement: priority %d, pool of %d VF(s)%s%s",
                  dev->hw_priority, dev->n_hw_pool,
                  dev->hw_placement ? ", last: " : "",
                  dev->hw_placement ? dev->hw_placement : "");
    ds_put_format(s, "\n  channel hw: %s, ", dev->hw_devargs);
    netdev_nae_hw_state(dev, s);
    if (m->hw) {
        ds_put_format(s, ", representor port %d, link %s",
                      netdev_nae_hw_port(dev), m->hw_link ? "up" : "down");
    } else if (dev->hw_error) {
        ds_put_format(s, ": %s", dev->hw_error);
    }
    ds_put_format(s, "\n    rx %"PRIu64" pkts (eswitch misses), tx %"PRIu64
                  " pkts, tx dropped %"PRIu64,
                  st.rx_packets, st.tx_packets, st.tx_dropped);
    if (m->hw) {
        m->hw->class->format(m->hw, s);
    }
    if (dev->vhost) {
        struct nae_vhost_lend_stats ls;
        struct nae_vhost_state vs;

        nae_vhost_get_state(dev->vhost, &vs);
        nae_vhost_get_lend_stats(dev->vhost, &ls);
        ds_put_format(s, "\n    vm rings: %s; lent %"PRIu64", taken back "
                      "%"PRIu64" (by device events %"PRIu64"), refused "
                      "%"PRIu64", aborted %"PRIu64", transmit waits "
                      "%"PRIu64"; hand-over %"PRIu64" us, at most %"PRIu64
                      " us, %"PRIu64" by the PMD", vs.lent ? "on the VF"
                      : "in software",
                      ls.lent, ls.reclaimed + ls.taken_back, ls.taken_back,
                      ls.refused, ls.aborted, ls.tx_waits,
                      ls.last_handover_us, ls.max_handover_us, ls.by_pmd);
    }
    ds_put_char(s, '\n');
}

static void
netdev_nae_show_one(struct ds *s, struct netdev_nae *dev)
    OVS_REQUIRES(dev->mutex)
{
    ds_put_format(s, "%s: %s %s, %s %s, mtu %d, mac "ETH_ADDR_FMT"\n",
                  netdev_get_name(&dev->up), dev->vhost ? "vm" : "guest",
                  nae_guest_state(dev),
                  dev->vhost ? "vhost-user socket" : "socket",
                  dev->socket_path ? dev->socket_path : "(none)", dev->mtu,
                  ETH_ADDR_ARGS(dev->hwaddr));
    if (dev->hw_devargs) {
        netdev_nae_show_hw(s, dev);
    }
    for (int i = 0; dev->vhost && i < dev->n_chans; i++) {
        const struct nae_channel *chan = dev->chans[i];
        struct nae_channel_stats st;

        chan->class->get_stats(chan, &st);
        ds_put_format(s, "  channel %d: vm, %s", i,
                      nae_channel_link(chan) ? "active" : "inactive");
        chan->class->format(chan, s);
        ds_put_format(s, "\n    rx %"PRIu64" pkts %"PRIu64" bytes, "
                      "tx %"PRIu64" pkts %"PRIu64" bytes, tx dropped %"PRIu64
                      "\n", st.rx_packets, st.rx_bytes, st.tx_packets,
                      st.tx_bytes, st.tx_dropped);
    }
    for (int i = 0; dev->rings && i < dev->n_chans; i++) {
        const struct nae_channel *chan = &dev->rings[i].up;
        const struct nae_rings *c = &dev->rings[i].rings;
        bool broken;

        atomic_read_relaxed(&CONST_CAST(struct nae_rings *, c)->broken,
                            &broken);
        ds_put_format(s, "  channel %d: sw, %s%s", i,
                      broken ? "broken" : c->active ? "active" : "inactive",
                      (c->active && dev->path.path == NAE_PATH_HW
                       && !dev->path.switching ? " (standby)" : ""));
        chan->class->format(chan, s);
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
        if (c->features & (NAE_F_CSUM | NAE_F_TSO) || dev->tso_mp) {
            ds_put_format(s, "    offload: rx tso %"PRIu64" csum %"PRIu64
                          ", tx tso %"PRIu64" csum %"PRIu64"; in software: "
                          "%"PRIu64" tso frames cut into %"PRIu64
                          " segments, %"PRIu64" checksums\n",
                          nae_stat_get(&c->rx_stats.tso),
                          nae_stat_get(&c->rx_stats.csum),
                          nae_stat_get(&c->tx_stats.tso),
                          nae_stat_get(&c->tx_stats.csum),
                          nae_stat_get(&c->tx_stats.sw_tso),
                          nae_stat_get(&c->tx_stats.sw_segs),
                          nae_stat_get(&c->tx_stats.sw_csum));
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

/* nae/set-path PORT hw|sw|auto. */
static void
netdev_nae_unixctl_set_path(struct unixctl_conn *conn, int argc OVS_UNUSED,
                            const char *argv[], void *aux OVS_UNUSED)
{
    enum nae_path_mode mode;
    struct netdev_nae *dev;
    struct ds s = DS_EMPTY_INITIALIZER;
    bool found = false, refused = false;

    if (!strcmp(argv[2], "hw")) {
        mode = NAE_MODE_HW;
    } else if (!strcmp(argv[2], "sw")) {
        mode = NAE_MODE_SW;
    } else if (!strcmp(argv[2], "auto")) {
        mode = NAE_MODE_AUTO;
    } else {
        unixctl_command_reply_error(conn, "path must be hw, sw or auto");
        return;
    }

    ovs_mutex_lock(&nae_list_mutex);
    LIST_FOR_EACH (dev, list_node, &nae_list) {
        if (strcmp(argv[1], netdev_get_name(&dev->up))) {
            continue;
        }
        found = true;
        ovs_mutex_lock(&dev->mutex);
        if (!dev->hw_devargs && mode != NAE_MODE_SW) {
            ds_put_format(&s, "%s has no hw-channel", argv[1]);
            refused = true;
        } else {
            const struct nae_path_machine *m = &dev->path;

            dev->path_mode = mode;
            netdev_nae_path_run(dev);
            ds_put_format(&s, "%s: path mode %s, now %s%s",
                          argv[1], nae_path_mode_name(mode),
                          nae_path_name(m->path),
                          m->switching
                          ? (m->switch_to == NAE_PATH_HW
                             ? " (switching to hw)" : " (switching to sw)")
                          : "");
            if (mode == NAE_MODE_HW && !m->switching
                && m->path != NAE_PATH_HW) {
                ds_put_cstr(&s, ": hardware channel ");
                netdev_nae_hw_state(dev, &s);
            }
        }
        ovs_mutex_unlock(&dev->mutex);
        break;
    }
    ovs_mutex_unlock(&nae_list_mutex);

    if (!found) {
        unixctl_command_reply_error(conn, "no such nae port");
    } else if (refused) {
        unixctl_command_reply_error(conn, ds_cstr(&s));
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
    nae_offload_register();
    unixctl_command_register("nae/show", "[PORT]", 0, 1,
                             netdev_nae_unixctl_show, NULL);
    unixctl_command_register("nae/set-path", "PORT hw|sw|auto", 2, 2,
                             netdev_nae_unixctl_set_path, NULL);
}
