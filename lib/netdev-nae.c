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
 * of a NAE device (see nae-abi.h) and, with options:hw-channel, by an SR-IOV
 * VF's representor as well (docs/hw-channels.md).  This file is the OVS side
 * of the control path (configuration, the guest session, reconfiguration,
 * path switches, statistics, unixctl) plus the thin rxq/send glue that hands
 * bursts to nae-rxtx.c or to the representor.
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
 *     channel's 'tx_lock'.  'hw_port' changes only in reconfigure() as well;
 *     which path carries traffic ('tx_hw', 'sw_rx_hold') the main thread
 *     steers with atomics while they run.
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
#include "nae-ctl.h"
#include "nae-mbuf.h"
#include "nae-netdev.h"
#include "nae-rxtx.h"
#include "nae-vf-assign.h"
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
#include "util.h"

VLOG_DEFINE_THIS_MODULE(netdev_nae);

COVERAGE_DEFINE(nae_reconfigure);
COVERAGE_DEFINE(nae_no_mbuf);
COVERAGE_DEFINE(nae_path_switch);
COVERAGE_DEFINE(nae_path_timeout);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

#define NAE_DEFAULT_MTU ETH_PAYLOAD_MAX
/* Largest frame for an MTU: Ethernet header, one VLAN tag, payload. */
#define NAE_MTU_TO_FRAME(MTU) ((MTU) + ETH_HEADER_LEN + VLAN_HEADER_LEN)
#define NAE_MIN_MTU 68
#define NAE_MAX_MTU (NAE_MAX_FRAME_LEN - ETH_HEADER_LEN - VLAN_HEADER_LEN)

/* Hardware channel. */
#define NAE_HW_RING 1024                /* Representor queue descriptors. */
#define NAE_SWITCH_TIMEOUT_US 2000000   /* Guest must ack a switch by then. */
#define NAE_HW_RETRY_US 5000000         /* After a refused switch to HW. */
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

/* Software receive while the guest moves its transmit off the VF: frames it
 * sent on the VF may still wait in the representor's queue, and must reach
 * OVS before anything it sends on the rings afterwards. */
enum nae_rx_hold {
    NAE_HOLD_OFF,               /* Poll the rings. */
    NAE_HOLD_ON,                /* Not yet: the guest has not acked. */
    NAE_HOLD_UNTIL_HW_EMPTY,    /* Once the representor queue is empty. */
};


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

    /* Hardware channel: the VF representor, polled in rxq 0 before the
     * rings.  Read by PMD threads; see the comment at the top. */
    int hw_port;                        /* Ethdev port id, or -1. */
    atomic_bool tx_hw;                  /* Output goes to 'hw_port'. */
    atomic_int sw_rx_hold;              /* enum nae_rx_hold. */
    struct ovs_spin hw_tx_lock;         /* Its one transmit queue. */
    atomic_uint64_t hw_rx_packets;
    atomic_uint64_t hw_tx_packets;
    atomic_uint64_t hw_tx_dropped;      /* Refused by the NIC, or no mbuf. */

    struct ovs_mutex mutex;
    struct nae_ctl *ctl OVS_GUARDED;    /* NULL until set_config(). */
    char *socket_path OVS_GUARDED;
    struct eth_addr hwaddr OVS_GUARDED;
    int mtu OVS_GUARDED;
    int requested_mtu OVS_GUARDED;
    int requested_n_chans OVS_GUARDED;
    uint64_t max_guest_mem OVS_GUARDED;     /* Bytes; for new sessions. */
    bool dp_resync OVS_GUARDED;         /* Guest session changed state. */
    bool dp_running OVS_GUARDED;        /* 'chans' drive a started device. */
    enum netdev_flags flags OVS_GUARDED;

    /* Hardware channel, main thread.  'hw_devargs' may name several
     * representors (a pool of VFs shared with other ports): placement
     * (netdev_nae_place()) gives the port one of them, or none. */
    char *hw_devargs OVS_GUARDED;       /* options:hw-channel, or NULL. */
    int hw_pool[NAE_HW_POOL_MAX] OVS_GUARDED;   /* Its representors. */
    int n_hw_pool OVS_GUARDED;
    int hw_priority OVS_GUARDED;        /* options:hw-priority. */
    int hw_quota OVS_GUARDED;           /* options:hw-flow-quota. */
    bool hw_preempted OVS_GUARDED;      /* Moving off its VF for another. */
    bool hw_releasing OVS_GUARDED;      /* Telling the guest to let go. */
    bool hw_let_go OVS_GUARDED;         /* The guest has let go of it. */
    char *hw_placement OVS_GUARDED;     /* Last placement decision. */
    int requested_hw_port OVS_GUARDED;  /* Placed VF's representor, or -1. */
    uint16_t hw_vf OVS_GUARDED;         /* That VF's number on its NIC. */
    char *hw_error OVS_GUARDED;         /* Why it could not be opened. */
    struct rte_mempool *hw_mp OVS_GUARDED;  /* Its rxq's pool. */
    bool hw_link OVS_GUARDED;           /* Representor link: VF plugged. */
    bool hw_released OVS_GUARDED;       /* We let an unplugging VF go. */
    enum nae_path_mode path_mode OVS_GUARDED;
    enum nae_path path OVS_GUARDED;     /* Path the guest acknowledged. */
    bool switching OVS_GUARDED;         /* Waiting for the guest's ack. */
    enum nae_path switch_to OVS_GUARDED;
    uint32_t path_gen OVS_GUARDED;      /* Generation of the last switch. */
    long long int switch_start OVS_GUARDED;     /* time_usec(). */
    long long int hw_retry_at OVS_GUARDED;      /* After a refusal. */
    uint64_t n_switches OVS_GUARDED;
    uint64_t n_timeouts OVS_GUARDED;
    long long int last_gap_us OVS_GUARDED;
    long long int max_gap_us OVS_GUARDED;

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
        .features = (dev->n_hw_pool ? NAE_F_ALL
                     : NAE_F_ALL & ~NAE_F_HW_PATH),
        .mac = eth_addr_to_uint64(dev->hwaddr),
        .max_mem = dev->max_guest_mem,
    };
    return offer;
}

/* Gives the VF the port's MAC: the guest's one device has one address,
 * whichever path carries it. */
static void
netdev_nae_hw_set_mac(struct netdev_nae *dev)
    OVS_REQUIRES(dev->mutex)
{
    struct rte_ether_addr ea;
    int error;

    if (dev->hw_port < 0) {
        return;
    }
    memcpy(ea.addr_bytes, dev->hwaddr.ea, ETH_ADDR_LEN);
    error = rte_eth_dev_default_mac_addr_set(dev->hw_port, &ea);
    if (error && error != -ENOTSUP) {
        VLOG_WARN_RL(&rl, "%s: cannot set the VF's MAC (%s)",
                     netdev_get_name(&dev->up), rte_strerror(-error));
    }
}

/* Makes 'mac' the MAC the device offers its guest, which reads it at its
 * next (re)connection. */
static void
netdev_nae_set_mac(struct netdev_nae *dev, struct eth_addr mac)
    OVS_REQUIRES(dev->mutex)
{
    if (!eth_addr_equals(dev->hwaddr, mac)) {
        dev->hwaddr = mac;
        netdev_nae_hw_set_mac(dev);
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
    dev->max_guest_mem = NAE_DEFAULT_GUEST_MEM_MB << 20;
    dev->flags = NETDEV_UP;
    atomic_init(&dev->tx_not_running, 0);
    dev->hw_port = dev->requested_hw_port = -1;
    atomic_init(&dev->tx_hw, false);
    atomic_init(&dev->sw_rx_hold, NAE_HOLD_OFF);
    ovs_spin_init(&dev->hw_tx_lock);
    atomic_init(&dev->hw_rx_packets, 0);
    atomic_init(&dev->hw_tx_packets, 0);
    atomic_init(&dev->hw_tx_dropped, 0);
    dev->path_mode = NAE_MODE_AUTO;
    dev->path = NAE_PATH_SW;
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

/* Tells the guest about switch 'to' and waits for its acknowledgement in
 * netdev_nae_hw_run().  Our own transmit moves only then: from the event on,
 * the guest empties the old path before it reads the new one, so frames we
 * send on the new path after its ack cannot overtake older ones. */
static void
netdev_nae_path_start(struct netdev_nae *dev, enum nae_path to)
    OVS_REQUIRES(dev->mutex)
{
    /* Generation 0 is every new session's initial value: never reuse it,
     * or a new guest's zero 'path_ack' would look like an ack. */
    dev->path_gen = (dev->path_gen + 1) & NAE_PATH_GEN_MAX;
    if (!dev->path_gen) {
        dev->path_gen = 1;
    }
    if (to == NAE_PATH_SW) {
        /* The eswitch's rules for the port go first: from now on its
         * traffic misses and comes through OVS, which still sends to the
         * VF until the guest acks. */
        nae_offload_port_set(&dev->up, dev->hw_port, NAE_OFFLOAD_OFF);
        /* The guest may send on the rings before we have read its last VF
         * frames from the representor: hold the rings until it acks and
         * the representor's queue is empty. */
        atomic_store(&dev->sw_rx_hold, NAE_HOLD_ON);
    } else if (dev->hw_port >= 0) {
        /* Rules from the port go in before its guest sends a frame on the
         * VF, so none of them takes the miss path and is overtaken by a
         * later one the eswitch switches itself.  Rules to the port wait
         * for the ack, when our transmit moves too. */
        nae_offload_port_set(&dev->up, dev->hw_port, NAE_OFFLOAD_AS_SOURCE);
    }
    dev->switching = true;
    dev->switch_to = to;
    dev->switch_start = time_usec();
    COVERAGE_INC(nae_path_switch);
    if (dev->ctl) {
        /* Without a guest, netdev_nae_hw_run() completes the switch.  To
         * the VF, the guest gets its memory with the event, if the NIC's
         * assigner hands VFs out that way. */
        int vf_fd = -1;

        if (to == NAE_PATH_HW && dev->hw_port >= 0) {
            const struct nae_vf_assigner *a
                = nae_vf_assigner_find(dev->hw_port);

            vf_fd = a ? a->guest_fd(dev->hw_port) : -1;
        }
        nae_ctl_set_path(dev->ctl, dev->path_gen, to,
                         dev->hw_releasing ? NAE_PATH_VF_NONE : dev->hw_vf,
                         vf_fd);
    }
}

static void
netdev_nae_path_finish(struct netdev_nae *dev, bool acked)
    OVS_REQUIRES(dev->mutex)
{
    long long int gap = time_usec() - dev->switch_start;

    dev->switching = false;
    dev->path = dev->switch_to;
    if (dev->hw_releasing) {
        dev->hw_releasing = false;
        dev->hw_let_go = true;
    }
    atomic_store(&dev->tx_hw, dev->path == NAE_PATH_HW);
    if (dev->hw_port >= 0) {
        /* On the VF now: the port's flows may go into the eswitch. */
        nae_offload_port_set(&dev->up, dev->hw_port,
                             dev->path == NAE_PATH_HW ? NAE_OFFLOAD_ON
                                                      : NAE_OFFLOAD_OFF);
    }
    if (dev->path == NAE_PATH_SW) {
        /* The guest sends on the rings now, and sent its last VF frame
         * before it acked: release the rings once the representor's queue
         * has drained into OVS (rxq 0 sees to it). */
        atomic_store(&dev->sw_rx_hold, NAE_HOLD_UNTIL_HW_EMPTY);
    }
    if (acked) {
        dev->n_switches++;
        dev->last_gap_us = gap;
        dev->max_gap_us = MAX(dev->max_gap_us, gap);
    }
    VLOG_INFO("%s: traffic now on the %s channel (switch %"PRIu32", %s in "
              "%lld us)", netdev_get_name(&dev->up),
              dev->path == NAE_PATH_HW ? "hardware" : "software",
              dev->path_gen, acked ? "acknowledged" : "no guest", gap);
}

/* Moves the port to its software rings at once, without the guest's
 * consent: the guest session or the hardware channel is gone. */
static void
netdev_nae_force_sw(struct netdev_nae *dev)
    OVS_REQUIRES(dev->mutex)
{
    bool was_hw = dev->path == NAE_PATH_HW || dev->switching;

    if (dev->hw_port >= 0) {
        nae_offload_port_set(&dev->up, dev->hw_port, NAE_OFFLOAD_OFF);
    }
    atomic_store(&dev->tx_hw, false);
    atomic_store(&dev->sw_rx_hold, NAE_HOLD_OFF);
    dev->switching = false;
    dev->hw_releasing = false;
    dev->path = NAE_PATH_SW;
    if (was_hw && dev->ctl) {
        /* A guest still there follows, without us waiting. */
        dev->path_gen = MAX((dev->path_gen + 1) & NAE_PATH_GEN_MAX, 1);
        nae_ctl_set_path(dev->ctl, dev->path_gen, NAE_PATH_SW, dev->hw_vf,
                         -1);
    }
}

/* The path the port should be on now. */
static enum nae_path
netdev_nae_path_wanted(const struct netdev_nae *dev)
    OVS_REQUIRES(dev->mutex)
{
    return (dev->hw_port >= 0
            && !dev->hw_preempted
            && dev->path_mode != NAE_MODE_SW
            && dev->hw_link
            && dev->dp_running
            && dev->n_tx_chans
            && dev->chans[dev->tx_chans[0]].features & NAE_F_HW_PATH
            && time_usec() >= dev->hw_retry_at
            ? NAE_PATH_HW : NAE_PATH_SW);
}

/* Main thread: follows the VF's presence and the guest's acks, and starts
 * the next switch when the wanted path differs. */
static void
netdev_nae_hw_run(struct netdev_nae *dev)
    OVS_REQUIRES(dev->mutex)
{
    const char *name = netdev_get_name(&dev->up);
    struct rte_eth_link link;
    enum nae_path wanted;

    if (dev->hw_port < 0) {
        return;
    }
    memset(&link, 0, sizeof link);
    rte_eth_link_get_nowait(dev->hw_port, &link);
    if (link.link_status != dev->hw_link) {
        dev->hw_link = link.link_status;
        VLOG_INFO("%s: hardware channel %s", name,
                  dev->hw_link ? "up (VF present)"
                  : "down (VF unplugged or unplugging)");
        if (dev->hw_link) {
            dev->hw_released = false;
            dev->hw_retry_at = 0;
        }
    }

    if (dev->switching) {
        const struct nae_dev *guest = dev->ctl ? nae_ctl_dev(dev->ctl) : NULL;

        if (!guest || !dev->dp_running) {
            netdev_nae_path_finish(dev, false);
        } else if (guest->path_ack == dev->path_gen) {
            netdev_nae_path_finish(dev, true);
        } else if (time_usec() - dev->switch_start > NAE_SWITCH_TIMEOUT_US
                   && dev->switch_to == NAE_PATH_HW) {
            /* It cannot use the VF: back to the rings (a switch of its
             * own, as the guest may have started to move), and do not ask
             * again for a while.  A switch to the rings has no timeout:
             * until the guest acks, frames it sends on the rings could
             * overtake those it sent on the VF.  A guest that never acks
             * ends its session, or its VF is removed by surprise. */
            COVERAGE_INC(nae_path_timeout);
            dev->n_timeouts++;
            VLOG_WARN("%s: guest did not acknowledge the switch to the "
                      "hardware channel in %d ms; back to software", name,
                      NAE_SWITCH_TIMEOUT_US / 1000);
            dev->hw_retry_at = time_usec() + NAE_HW_RETRY_US;
            dev->path = NAE_PATH_HW;
            dev->switching = false;
            netdev_nae_path_start(dev, NAE_PATH_SW);
        }
    }
    if (dev->switching) {
        return;
    }

    wanted = netdev_nae_path_wanted(dev);
    if (wanted != dev->path) {
        netdev_nae_path_start(dev, wanted);
    } else if (!dev->hw_link && !dev->hw_released) {
        /* An unplug waits for us to let go of the VF: nothing of the
         * guest's traffic uses it any more. */
        rte_eth_dev_set_link_down(dev->hw_port);
        dev->hw_released = true;
    }
}

/* Assigns the VF behind representor 'port' to this port ('assign') or
 * gives it back: either way with fresh memory, so that no earlier holder
 * (the guest of the port that had it before, or this port's, after it let
 * go) can read or send the new holder's traffic. */
static void
netdev_nae_hw_assign(struct netdev_nae *dev, int port, bool assign)
    OVS_REQUIRES(dev->mutex)
{
    const struct nae_vf_assigner *a = nae_vf_assigner_find(port);
    int error = a ? a->claim(port, assign) : 0;

    if (error) {
        VLOG_WARN("%s: cannot %s the VF of representor port %d (%s)",
                  netdev_get_name(&dev->up), assign ? "assign" : "release",
                  port, ovs_strerror(-error));
    }
}

/* Stops using the representor.  reconfigure() or destruct() only: no PMD
 * thread polls or sends to us. */
static void
netdev_nae_hw_close(struct netdev_nae *dev)
    OVS_REQUIRES(dev->mutex)
{
    if (dev->hw_port < 0) {
        return;
    }
    netdev_nae_force_sw(dev);
    nae_offload_port_remove(&dev->up);
    rte_eth_dev_stop(dev->hw_port);
    netdev_nae_hw_assign(dev, dev->hw_port, false);
    VLOG_INFO("%s: hardware channel %s (port %d) closed",
              netdev_get_name(&dev->up), dev->hw_devargs ? dev->hw_devargs
              : "(removed)", dev->hw_port);
    dev->hw_port = -1;
    dev->hw_link = false;
}

/* Sets up representor 'port' with one queue each way, receive buffers from
 * the port's pool.  reconfigure() only.  Returns 0 or a positive errno
 * value, with the reason in 'dev->hw_error'. */
static int
netdev_nae_hw_open(struct netdev_nae *dev, int port)
    OVS_REQUIRES(dev->mutex)
{
    struct rte_eth_dev_info info;
    struct rte_eth_conf conf;
    int socket = rte_eth_dev_socket_id(port);
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
        error = rte_eth_rx_queue_setup(port, 0, NAE_HW_RING, socket, NULL,
                                       dev->mp);
    }
    if (!error) {
        step = "set up the transmit queue of";
        error = rte_eth_tx_queue_setup(port, 0, NAE_HW_RING, socket, NULL);
    }
    if (!error) {
        step = "start";
        error = rte_eth_dev_start(port);
    }
    free(dev->hw_error);
    dev->hw_error = NULL;
    if (error) {
        dev->hw_error = xasprintf("cannot %s representor port %d (%s)",
                                  step, port, rte_strerror(-error));
        VLOG_WARN("%s: %s", netdev_get_name(&dev->up), dev->hw_error);
        return -error;
    }
    dev->hw_port = port;
    dev->hw_mp = dev->mp;
    netdev_nae_hw_assign(dev, port, true);
    if (!rte_eth_dev_info_get(port, &info)) {
        dev->hw_vf = info.switch_info.port_id;
    }
    dev->hw_link = false;           /* netdev_nae_hw_run() looks. */
    dev->hw_released = false;
    netdev_nae_hw_set_mac(dev);
    nae_offload_port_set(&dev->up, port, NAE_OFFLOAD_OFF);
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
                break;
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

/* What placement needs to know of one port, read under its mutex. */
struct nae_place_port {
    struct netdev_nae *dev;
    int priority;
    bool wants;                 /* Would use a VF now. */
    int owns;                   /* Representor it has or is given, or -1. */
    bool preempted;
    bool pinned;                /* nae/set-path PORT hw: keeps its VF. */
};

static int
nae_place_cmp(const void *a_, const void *b_)
{
    const struct nae_place_port *a = a_, *b = b_;

    return b->priority - a->priority;
}

/* Placement of scarce VFs (thesis 5.2.3.2: more guests than hardware data
 * paths).  Each port whose hw-channel names a pool of VFs and whose guest
 * would use one gets a free VF of its pool, highest priority first; when
 * none is free, the lowest-priority port holding one of its pool's VFs
 * (one that would not use it first) is moved to its rings
 * (make-before-break) and then gives its VF up, and the next pass hands it
 * on.  A VF counts as taken until the port that had it has closed it.
 * Main thread, every run(). */
static void
netdev_nae_place(void)
    OVS_REQUIRES(nae_list_mutex)
{
    struct nae_place_port ports[256];
    struct netdev_nae *dev;
    size_t n = 0;

    LIST_FOR_EACH (dev, list_node, &nae_list) {
        struct nae_place_port *p = &ports[n];

        if (n >= ARRAY_SIZE(ports)) {
            break;
        }
        ovs_mutex_lock(&dev->mutex);
        /* Also a port whose hw-channel just went, while it still has the
         * VF open. */
        if (dev->n_hw_pool || dev->hw_port >= 0) {
            p->dev = dev;
            p->priority = dev->hw_priority;
            p->wants = (dev->n_hw_pool && dev->path_mode != NAE_MODE_SW
                        && dev->dp_running
                        && dev->n_tx_chans
                        && dev->chans[dev->tx_chans[0]].features
                           & NAE_F_HW_PATH
                        && time_usec() >= dev->hw_retry_at);
            p->owns = (dev->requested_hw_port >= 0 ? dev->requested_hw_port
                       : dev->hw_port);
            p->preempted = dev->hw_preempted;
            p->pinned = dev->path_mode == NAE_MODE_HW;

            /* A port moved off its VF lets it go once on its rings, and
             * once its guest has let go too (or there is none): only then
             * may another guest use the VF. */
            if (dev->hw_preempted && dev->path == NAE_PATH_SW
                && !dev->switching && dev->requested_hw_port >= 0) {
                if (!dev->hw_let_go && dev->ctl && nae_ctl_dev(dev->ctl)) {
                    if (!dev->hw_releasing) {
                        dev->hw_releasing = true;
                        netdev_nae_path_start(dev, NAE_PATH_SW);
                    }
                } else {
                    dev->requested_hw_port = -1;
                    netdev_request_reconfigure(&dev->up);
                }
            }
            if (dev->hw_preempted && dev->hw_port < 0) {
                dev->hw_preempted = false;
                dev->hw_let_go = false;
                p->preempted = false;
            }
            n++;
        }
        ovs_mutex_unlock(&dev->mutex);
    }
    qsort(ports, n, sizeof ports[0], nae_place_cmp);

    for (size_t i = 0; i < n; i++) {
        struct nae_place_port *p = &ports[i];
        struct nae_place_port *victim = NULL;
        int free_vf = -1;

        if (!p->wants || p->owns >= 0) {
            continue;
        }
        ovs_mutex_lock(&p->dev->mutex);
        for (int k = 0; k < p->dev->n_hw_pool && free_vf < 0; k++) {
            int vf = p->dev->hw_pool[k];
            bool taken = false;

            for (size_t j = 0; j < n && !taken; j++) {
                taken = ports[j].owns == vf;
            }
            if (!taken) {
                free_vf = vf;
            }
        }
        if (free_vf >= 0) {
            p->dev->hw_let_go = false;
            p->dev->requested_hw_port = free_vf;
            p->owns = free_vf;
            netdev_request_reconfigure(&p->dev->up);
            netdev_nae_placement_note(p->dev, xasprintf(
                "given VF representor port %d (priority %d)", free_vf,
                p->priority));
        }
        ovs_mutex_unlock(&p->dev->mutex);
        if (free_vf >= 0) {
            continue;
        }

        /* None free: the least deserving holder of one of its VFs, unless
         * one of them is already on its way. */
        bool on_its_way = false;

        for (size_t j = 0; j < n && !on_its_way; j++) {
            struct nae_place_port *q = &ports[j];
            int q_rank = q->wants ? q->priority : -1;

            if (q->owns < 0) {
                continue;
            }
            ovs_mutex_lock(&p->dev->mutex);
            bool shared = netdev_nae_in_pool(p->dev, q->owns);
            ovs_mutex_unlock(&p->dev->mutex);
            if (!shared) {
                continue;
            }
            if (q->preempted) {
                on_its_way = true;
            } else if (!q->pinned && q_rank < p->priority
                       && (!victim
                           || q_rank < (victim->wants ? victim->priority
                                                      : -1))) {
                victim = q;
            }
        }
        if (victim && !on_its_way) {
            victim->preempted = true;
            ovs_mutex_lock(&victim->dev->mutex);
            victim->dev->hw_preempted = true;
            netdev_nae_placement_note(victim->dev, victim->wants
                ? xasprintf("giving up VF representor port %d to %s "
                            "(priority %d > %d)", victim->owns,
                            netdev_get_name(&p->dev->up), p->priority,
                            victim->priority)
                : xasprintf("giving up VF representor port %d to %s "
                            "(not using it)", victim->owns,
                            netdev_get_name(&p->dev->up)));
            netdev_nae_hw_run(victim->dev);
            ovs_mutex_unlock(&victim->dev->mutex);
        }
    }
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
    netdev_nae_free_chans(dev);
    nae_ctl_destroy(dev->ctl);
    free(dev->socket_path);
    free(dev->hw_devargs);
    free(dev->hw_error);
    free(dev->hw_placement);
    ovs_mutex_unlock(&dev->mutex);
    ovs_mutex_destroy(&dev->mutex);
    ovs_spin_destroy(&dev->hw_tx_lock);
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
    const char *hw = smap_get(args, "hw-channel");
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
    if (hw && hw[0]) {
        n_hw_pool = netdev_nae_resolve_hw(dev, hw, hw_pool, errp);
        if (!n_hw_pool) {
            goto error;
        }
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
    smap_add_format(args, "max-guest-memory", "%"PRIu64,
                    dev->max_guest_mem >> 20);
    smap_add_format(args, "mac", ETH_ADDR_FMT, ETH_ADDR_ARGS(dev->hwaddr));
    if (dev->socket_path) {
        smap_add(args, "socket", dev->socket_path);
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
        nae_chan_init(&dev->chans[i], &layout[i], max_frame);
        if (layout[i].active) {
            dev->tx_chans[dev->n_tx_chans++] = i;
        }
    }
    if (!dev->dp_running) {
        netdev_nae_force_sw(dev);
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

    if (dev->hw_port != dev->requested_hw_port
        || (dev->hw_port >= 0 && dev->hw_mp != dev->mp)) {
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
    if (!dev->ctl) {
        return;
    }
    if (nae_ctl_run(dev->ctl) & NAE_CTL_DP_CHANGE) {
        dev->dp_resync = true;
        netdev_request_reconfigure(&dev->up);
    }
    netdev_nae_hw_run(dev);
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
        ovs_mutex_unlock(&dev->mutex);
    }
    ovs_mutex_unlock(&nae_list_mutex);
}

static bool
netdev_nae_rxq_enabled(struct netdev_rxq *rxq)
{
    struct netdev_nae *dev = netdev_nae_cast(rxq->netdev);

    return ((rxq->queue_id == 0 && dev->hw_port >= 0)
            || (rxq->queue_id < dev->n_chans
                && dev->chans[rxq->queue_id].active));
}

/* PMD thread: receives a burst from the hardware channel: what the eswitch
 * did not switch itself.  Returns 0, or EAGAIN if there was none. */
static int
netdev_nae_rxq_recv_hw(struct netdev_nae *dev, struct dp_packet_batch *batch)
{
    int n = rte_eth_rx_burst(dev->hw_port, 0,
                             (struct rte_mbuf **) batch->packets,
                             NETDEV_MAX_BURST);
    int hold;

    if (!n) {
        /* Empty.  That releases the rings only if we saw it empty after
         * the guest's ack of a switch to them: the ack comes after the
         * NIC queued the guest's last VF frames on the representor, but an
         * empty queue seen before it says nothing about those (they would
         * be overtaken by the first ring frames).  So look again now that
         * the hold says the ack came. */
        atomic_read_explicit(&dev->sw_rx_hold, &hold, memory_order_acquire);
        if (hold != NAE_HOLD_UNTIL_HW_EMPTY) {
            return EAGAIN;
        }
        n = rte_eth_rx_burst(dev->hw_port, 0,
                             (struct rte_mbuf **) batch->packets,
                             NETDEV_MAX_BURST);
        if (!n) {
            int expected = NAE_HOLD_UNTIL_HW_EMPTY;

            atomic_compare_exchange_strong(&dev->sw_rx_hold, &expected,
                                           NAE_HOLD_OFF);
            return EAGAIN;
        }
    }
    nae_stat_add(&dev->hw_rx_packets, n);
    batch->count = n;
    dp_packet_batch_init_packet_fields(batch);
    return 0;
}

/* PMD thread: receives a burst from the hardware channel (rxq 0 only), or
 * else from the guest's tx ring of the channel this rxq stands for. */
static int
netdev_nae_rxq_recv(struct netdev_rxq *rxq, struct dp_packet_batch *batch,
                    int *qfill)
{
    struct netdev_nae *dev = netdev_nae_cast(rxq->netdev);
    struct nae_chan *chan;
    int n_pending, n, hold;

    if (qfill) {
        *qfill = -ENOTSUP;
    }
    if (rxq->queue_id == 0 && dev->hw_port >= 0
        && !netdev_nae_rxq_recv_hw(dev, batch)) {
        return 0;
    }
    if (OVS_UNLIKELY(rxq->queue_id >= dev->n_chans)) {
        return EAGAIN;
    }
    atomic_read_relaxed(&dev->sw_rx_hold, &hold);
    if (OVS_UNLIKELY(hold != NAE_HOLD_OFF)) {
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

/* PMD thread: sends 'batch' through the representor to the VF.  Packets
 * that are not DPDK mbufs are copied into one from the port's pool. */
static void
netdev_nae_send_hw(struct netdev_nae *dev, struct dp_packet_batch *batch)
{
    struct rte_mbuf *pkts[NETDEV_MAX_BURST];
    struct dp_packet *pkt;
    uint64_t dropped = 0;
    int n = 0, sent;

    DP_PACKET_BATCH_FOR_EACH (i, pkt, batch) {
        if (pkt->source == DPBUF_DPDK) {
            pkts[n++] = &pkt->mbuf;
            continue;
        }

        struct rte_mbuf *m = rte_pktmbuf_alloc(dev->mp);
        uint32_t len = dp_packet_size(pkt);

        if (m && len <= rte_pktmbuf_tailroom(m)) {
            memcpy(rte_pktmbuf_mtod(m, void *), dp_packet_data(pkt), len);
            m->data_len = m->pkt_len = len;
            pkts[n++] = m;
        } else {
            rte_pktmbuf_free(m);
            dropped++;
        }
        dp_packet_delete(pkt);
    }

    ovs_spin_lock(&dev->hw_tx_lock);
    sent = rte_eth_tx_burst(dev->hw_port, 0, pkts, n);
    ovs_spin_unlock(&dev->hw_tx_lock);
    if (OVS_UNLIKELY(sent < n)) {
        rte_pktmbuf_free_bulk(pkts + sent, n - sent);
        dropped += n - sent;
    }
    /* Any PMD thread sends to the port: shared counters. */
    nae_stat_add_shared(&dev->hw_tx_packets, sent);
    if (OVS_UNLIKELY(dropped)) {
        nae_stat_add_shared(&dev->hw_tx_dropped, dropped);
    }
    dp_packet_batch_init(batch);
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
    bool tx_hw;

    dp_packet_batch_apply_cutlen(batch);
    atomic_read_relaxed(&dev->tx_hw, &tx_hw);
    if (tx_hw) {
        netdev_nae_send_hw(dev, batch);
        return 0;
    }
    if (OVS_UNLIKELY(!n_chans)) {
        nae_stat_add_shared(&dev->tx_not_running, n_pkts);
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
        t->irq_undrained += nae_stat_get(&chan->from_guest.irq_undrained)
                            + nae_stat_get(&chan->to_guest.irq_undrained);
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

    /* Frames the eswitch switched itself never reach us: those the
     * offload provider counts per flow. */
    stats->rx_packets = t.rx_packets + nae_stat_get(&dev->hw_rx_packets);
    stats->rx_bytes = t.rx_bytes;
    stats->tx_packets = t.tx_packets + nae_stat_get(&dev->hw_tx_packets);
    stats->tx_bytes = t.tx_bytes;
    stats->rx_dropped = t.rx_drops[NAE_DROP_NO_MBUF];
    stats->rx_errors = 0;
    stats->tx_dropped = nae_stat_get(&dev->hw_tx_dropped);
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
                           + NAE_N_REJECTS + 9, sizeof *cs->counters);
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
        nae_custom_add(cs, &n, ctl_stats.refused, "ctl_refused_guests");
        nae_custom_add(cs, &n, ctl_stats.refused_rate,
                       "ctl_refused_reconnect_rate");
    }
    nae_custom_add(cs, &n, t.irq_undrained, "irq_undrained");
    if (dev->hw_devargs) {
        nae_custom_add(cs, &n, nae_stat_get(&dev->hw_rx_packets),
                       "hw_rx_packets");
        nae_custom_add(cs, &n, nae_stat_get(&dev->hw_tx_packets),
                       "hw_tx_packets");
        nae_custom_add(cs, &n, nae_stat_get(&dev->hw_tx_dropped),
                       "hw_tx_dropped");
        nae_custom_add(cs, &n, dev->n_switches, "path_switches");
        nae_custom_add(cs, &n, dev->n_timeouts, "path_switch_timeouts");
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

/* The hardware channel in a word or two. */
static const char *
netdev_nae_hw_state(const struct netdev_nae *dev)
    OVS_REQUIRES(dev->mutex)
{
    const struct nae_dev *guest = dev->ctl ? nae_ctl_dev(dev->ctl) : NULL;

    bool unused = (dev->dp_running && guest && dev->n_tx_chans
                   && !(dev->chans[dev->tx_chans[0]].features
                        & NAE_F_HW_PATH));

    return (dev->hw_error && dev->hw_port < 0 ? "error"
            : unused
              ? "unused (the guest's driver does not follow path switches)"
            : dev->hw_port < 0 ? "no VF placed"
            : dev->hw_preempted && dev->path == NAE_PATH_SW ? "giving up"
            : !dev->hw_link ? (dev->hw_released ? "unplugged"
                               : "down")
            : dev->switching ? "switching"
            : dev->path == NAE_PATH_HW ? "active"
            : dev->path_mode == NAE_MODE_SW ? "standby (path mode sw)"
            : "standby");
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
        if (nae_ctl_dev(dev->ctl)) {
            smap_add_format(smap, "guest_memory", "%"PRIu64,
                            nae_ctl_dev(dev->ctl)->mem.total);
        }
    }
    if (dev->hw_devargs) {
        smap_add(smap, "hw_channel", netdev_nae_hw_state(dev));
        if (dev->hw_port >= 0) {
            smap_add_format(smap, "hw_port", "%d", dev->hw_port);
        }
        smap_add(smap, "path", nae_path_name(dev->path));
        smap_add_format(smap, "hw_priority", "%d", dev->hw_priority);
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static void
netdev_nae_show_hw(struct ds *s, struct netdev_nae *dev)
    OVS_REQUIRES(dev->mutex)
{
    ds_put_format(s, "  path: %s%s (mode %s), %"PRIu64" switches, "
                  "%"PRIu64" timeouts", nae_path_name(dev->path),
                  dev->switching ? " (switching)" : "",
                  nae_path_mode_name(dev->path_mode), dev->n_switches,
                  dev->n_timeouts);
    if (dev->n_switches) {
        ds_put_format(s, ", last gap %lld us, max gap %lld us",
                      dev->last_gap_us, dev->max_gap_us);
    }
    ds_put_format(s, "\n  placement: priority %d, pool of %d VF(s)%s%s",
                  dev->hw_priority, dev->n_hw_pool,
                  dev->hw_placement ? ", last: " : "",
                  dev->hw_placement ? dev->hw_placement : "");
    ds_put_format(s, "\n  channel hw: %s, %s", dev->hw_devargs,
                  netdev_nae_hw_state(dev));
    if (dev->hw_port >= 0) {
        ds_put_format(s, ", representor port %d, link %s", dev->hw_port,
                      dev->hw_link ? "up" : "down");
    } else if (dev->hw_error) {
        ds_put_format(s, ": %s", dev->hw_error);
    }
    ds_put_format(s, "\n    rx %"PRIu64" pkts (eswitch misses), tx %"PRIu64
                  " pkts, tx dropped %"PRIu64,
                  nae_stat_get(&dev->hw_rx_packets),
                  nae_stat_get(&dev->hw_tx_packets),
                  nae_stat_get(&dev->hw_tx_dropped));
    if (dev->hw_port >= 0) {
        struct rte_eth_stats st;

        /* The NIC's own view: misses it could not queue for us, and
         * frames the VF's receive queue had no room for. */
        if (!rte_eth_stats_get(dev->hw_port, &st)) {
            ds_put_format(s, ", nic rx missed %"PRIu64", nic tx errors %"
                          PRIu64, st.imissed, st.oerrors);
        }
    }
    ds_put_char(s, '\n');
}

static void
netdev_nae_show_one(struct ds *s, struct netdev_nae *dev)
    OVS_REQUIRES(dev->mutex)
{
    ds_put_format(s, "%s: guest %s, socket %s, mtu %d, mac "ETH_ADDR_FMT"\n",
                  netdev_get_name(&dev->up), nae_guest_state(dev),
                  dev->socket_path ? dev->socket_path : "(none)", dev->mtu,
                  ETH_ADDR_ARGS(dev->hwaddr));
    if (dev->hw_devargs) {
        netdev_nae_show_hw(s, dev);
    }
    for (int i = 0; i < dev->n_chans; i++) {
        const struct nae_chan *c = &dev->chans[i];
        bool broken;

        atomic_read_relaxed(&CONST_CAST(struct nae_chan *, c)->broken,
                            &broken);
        ds_put_format(s, "  channel %d: sw, %s%s", i,
                      broken ? "broken" : c->active ? "active" : "inactive",
                      c->active && dev->path == NAE_PATH_HW && !dev->switching
                      ? " (standby)" : "");
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
            dev->path_mode = mode;
            netdev_nae_hw_run(dev);
            ds_put_format(&s, "%s: path mode %s, now %s%s",
                          argv[1], nae_path_mode_name(mode),
                          nae_path_name(dev->path),
                          dev->switching
                          ? (dev->switch_to == NAE_PATH_HW
                             ? " (switching to hw)" : " (switching to sw)")
                          : "");
            if (mode == NAE_MODE_HW && !dev->switching
                && dev->path != NAE_PATH_HW) {
                ds_put_format(&s, ": hardware channel %s",
                              netdev_nae_hw_state(dev));
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
