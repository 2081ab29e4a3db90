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

/* The "splitio" netdev class: the I/O host's end of a split-I/O guest's
 * virtual NIC.  Each port is one remote guest; its Ethernet frames travel
 * as NET_FRAME messages inside one TCP-mimic connection per guest
 * (docs/splitio-protocol.md; the engine is splitio-conn.c).  Many ports
 * share an underlay: a DPDK ethdev, by default DPDK's af_packet driver on a
 * Linux interface.
 *
 * Threads and locks:
 *
 *   - The underlay's receive queue, its demultiplexing tables and the
 *     set of its ports are under the underlay's 'ul->lock': the poller
 *     (whichever PMD thread's splitio rxq_recv() gets it first) takes a
 *     receive burst, finds each segment's connection in the demux table
 *     (a hash of local address and port and remote address), feeds it,
 *     and then sends only what the connections it fed, or whose timers
 *     are due, have to send.
 *
 *   - Each port's connection and counters are under its own
 *     'dev->conn_lock': the poller feeding it and sending the block
 *     backend's completions (which the backend's thread queues on a ring,
 *     see splitio-blkdev.h), send() from any thread (which flushes only its
 *     own connection), and statistics readers.  A connection's
 *     segments go to the underlay's one transmit queue ('ul->tx_lock')
 *     while its lock is held, so they reach the wire in order.
 *
 *   - Nothing under these locks blocks or makes a system call of ours
 *     (DPDK's af_packet transmit kicks the kernel once per burst, as it
 *     does for OVS's own af_packet ports).
 *
 *   - Frames for OVS are handed from the poller to the port's rxq through
 *     a single-producer (the poller), single-consumer DPDK ring.
 *
 *   - The main thread configures: set_config() records options,
 *     reconfigure() attaches and detaches ports and underlays under
 *     'splitio_mutex', taking 'ul->lock' only to link or unlink a port.
 *
 * Lock order: splitio_mutex, dev->mutex, ul->lock, dev->conn_lock,
 * ul->tx_lock. */

#include <config.h>

#include <errno.h>
#include <net/if.h>
#include <stdlib.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "coverage.h"
#include "dp-packet.h"
#include "dpdk.h"
#include "hash.h"
#include "nae-abi.h"
#include "nae-mbuf.h"
#include "nae-stat.h"
#include "netdev-shared.h"
#include "netdev-splitio.h"
#include "netdev-provider.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "packets.h"
#include "random.h"
#include "smap.h"
#include "splitio-blkdev.h"
#include "splitio-conn.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(netdev_splitio);

COVERAGE_DEFINE(splitio_no_mbuf);
COVERAGE_DEFINE(splitio_state_change);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

#define SPLITIO_DEFAULT_PORT 7000
#define SPLITIO_BUF_SIZE (4 * 1024 * 1024)
#define SPLITIO_RX_RING 1024            /* Frames waiting for OVS. */
#define SPLITIO_UL_RING 1024            /* Underlay descriptors. */
#define SPLITIO_BURST 32
#define SPLITIO_RST_PER_SEC 100         /* Replies to stray segments. */
#define SPLITIO_DEFAULT_MTU ETH_PAYLOAD_MAX
#define SPLITIO_MAX_MTU (SIO_NET_FRAME_MAX - ETH_HEADER_LEN - VLAN_HEADER_LEN)

/* Underlay outcomes, counted per underlay: receive ones by the poller,
 * under 'ul->lock'; transmit ones by any sender, atomically. */
#define SPLITIO_UL_TX_COUNTERS                                          \
    SPLITIO_UL_COUNTER(tx_frames, "frames sent")                        \
    SPLITIO_UL_COUNTER(tx_dropped, "frames the driver did not take")    \
    SPLITIO_UL_COUNTER(tx_no_mbuf, "frames not built: no mbuf")
#define SPLITIO_UL_COUNTERS                                             \
    SPLITIO_UL_COUNTER(rx_frames, "frames received")                    \
    SPLITIO_UL_COUNTER(not_for_us, "frames for other MACs or IPs")      \
    SPLITIO_UL_COUNTER(no_connection, "segments for no connection")     \
    SPLITIO_UL_COUNTER(rst_replies, "RSTs sent for stray segments")     \
    SPLITIO_UL_COUNTER(arp_replies, "ARP requests answered")            \
    SPLITIO_UL_COUNTER(multi_seg, "frames in chained mbufs, dropped")

struct splitio_underlay {
    struct ovs_list node;               /* In 'underlays'. */
    char *name;                         /* The option's value. */
    char *vdev_name;                    /* Set if we probed the device. */
    uint16_t port_id;
    int refcnt;
    uint16_t mtu;
    struct rte_mempool *mp;

    /* Receive: the poller, and the ports' set and demux tables.  Every
     * OVS_GUARDED field here is under 'lock' (C gives the analysis no way
     * to name a sibling member). */
    struct ovs_spin lock;
    struct ovs_list ports OVS_GUARDED;  /* netdev_splitio. */
    struct hmap by_flow OVS_GUARDED;    /* By splitio_flow_hash(). */
    struct hmap by_ip OVS_GUARDED;      /* By local IP address. */
    uint64_t poll_gen OVS_GUARDED;      /* Bursts received. */
    uint64_t rst_tokens_at OVS_GUARDED; /* Stray RSTs' rate. */
    unsigned int rst_tokens OVS_GUARDED;
    uint64_t parse_errors[SIO_PARSE_N_RESULTS] OVS_GUARDED;
#define SPLITIO_UL_COUNTER(NAME, DESC) uint64_t NAME OVS_GUARDED;
    SPLITIO_UL_COUNTERS
#undef SPLITIO_UL_COUNTER

    /* The earliest timer of its connections (microseconds): when the
     * poller sends for every connection, not only those it fed. */
    atomic_uint64_t timer_at;

    /* Transmit: the one queue, any thread. */
    struct ovs_spin tx_lock;
#define SPLITIO_UL_COUNTER(NAME, DESC) atomic_uint64_t NAME;
    SPLITIO_UL_TX_COUNTERS
#undef SPLITIO_UL_COUNTER
};

/* A port's configuration, as set_config() parsed it. */
struct splitio_config {
    char *underlay;
    struct sio_endpoint local, remote;
    struct eth_addr nic_mac;            /* Offered to the guest. */
    /* Block device; 'blk_backing' NULL for none. */
    char *blk_backing;
    char *blk_key_file;
    uint32_t blk_block_size;
    bool blk_read_only;
};

/* Guards the list of ports (see the top of the file). */
static struct ovs_mutex splitio_mutex = OVS_MUTEX_INITIALIZER;

struct netdev_splitio {
    struct netdev up;

    struct ovs_mutex mutex OVS_ACQ_AFTER(splitio_mutex);
    struct splitio_config requested OVS_GUARDED;
    bool have_config OVS_GUARDED;
    int requested_mtu OVS_GUARDED;
    enum netdev_flags flags OVS_GUARDED;

    /* What reconfigure() applied.  Written under 'mutex' only while the
     * port is not linked into an underlay, so the underlay's poller reads
     * them under 'ul->lock' alone. */
    struct splitio_config cfg;
    int mtu;

    /* Attached in reconfigure(); PMD threads read 'ul' and 'rx_ring'
     * without the mutex (dpif-netdev quiesces the port meanwhile). */
    struct splitio_underlay *ul;
    struct rte_ring *rx_ring;
    struct rte_mempool *rx_mp;          /* For frames up to the MTU. */
    uint32_t max_frame;

    /* In the underlay's list and demux tables, under its 'lock'. */
    struct ovs_list ul_node;
    struct hmap_node flow_node;         /* In 'ul->by_flow'. */
    struct hmap_node ip_node;           /* In 'ul->by_ip'. */
    uint64_t poll_gen;                  /* Fed in the poller's burst. */
    struct splitio_blkdev *blk;         /* Set before, cleared after
                                         * linking into the underlay. */

    /* The connection, once attached: every OVS_GUARDED field below is
     * under 'conn_lock'. */
    struct ovs_spin conn_lock;
    struct sio_conn conn OVS_GUARDED;
    void *conn_mem;
    uint64_t rx_packets OVS_GUARDED;
    uint64_t rx_bytes OVS_GUARDED;
    uint64_t rx_dropped OVS_GUARDED;
    uint64_t rx_no_mbuf OVS_GUARDED;
    uint64_t rx_ring_full OVS_GUARDED;
    uint64_t tx_packets OVS_GUARDED;
    uint64_t tx_bytes OVS_GUARDED;
    uint64_t tx_dropped OVS_GUARDED;
    uint64_t tx_not_connected OVS_GUARDED;
    uint64_t tx_too_big OVS_GUARDED;
    /* No block device on this port. */
    uint64_t blk_refused OVS_GUARDED;
    /* Completions for an old connection, not sent. */
    uint64_t blk_stale OVS_GUARDED;
    /* HELLO or BLK_DONE from a guest. */
    uint64_t msgs_unexpected OVS_GUARDED;

    /* Set by the connection's state changes, read by the main thread's
     * run(). */
    atomic_bool link_changed;

    struct ovs_list list_node OVS_GUARDED_BY(splitio_mutex);
};

static struct ovs_list underlays OVS_GUARDED_BY(splitio_mutex)
    = OVS_LIST_INITIALIZER(&underlays);
static struct ovs_list splitio_ports OVS_GUARDED_BY(splitio_mutex)
    = OVS_LIST_INITIALIZER(&splitio_ports);

static const struct netdev_class netdev_splitio_class;

static struct netdev_splitio *
netdev_splitio_cast(const struct netdev *netdev)
{
    ovs_assert(netdev_get_class(netdev) == &netdev_splitio_class);
    return CONTAINER_OF(netdev, struct netdev_splitio, up);
}

/* Microseconds from the TSC: the engine's clock, no system call. */
static uint64_t
splitio_now_us(void)
{
    static uint64_t cycles_per_us;

    if (OVS_UNLIKELY(!cycles_per_us)) {
        cycles_per_us = MAX(rte_get_tsc_hz() / 1000000, 1);
    }
    return rte_get_tsc_cycles() / cycles_per_us;
}

/* ------------------------------------------------------------------ */
/* Engine callbacks: run under the port's 'conn_lock', on whichever thread
 * holds it (the analysis cannot follow 'aux' to the lock). */

static bool
splitio_deliver(void *aux, const struct sio_msg *m, const uint8_t *body)
    OVS_NO_THREAD_SAFETY_ANALYSIS
{
    struct netdev_splitio *dev = aux;

    switch (m->type) {
    case SIO_MSG_NET_FRAME: {
        if (m->length > dev->max_frame) {
            dev->rx_dropped++;
            return true;
        }
        struct rte_mbuf *mbuf = rte_pktmbuf_alloc(dev->rx_mp);
        if (OVS_UNLIKELY(!mbuf)) {
            COVERAGE_INC(splitio_no_mbuf);
            dev->rx_no_mbuf++;
            dev->rx_dropped++;
            return true;        /* A NIC drops; it does not stall. */
        }
        struct dp_packet *pkt = CONTAINER_OF(mbuf, struct dp_packet, mbuf);
        memcpy(dp_packet_data(pkt), body, m->length);
        dp_packet_set_size(pkt, m->length);
        /* Only the poller feeds connections: one producer. */
        if (OVS_UNLIKELY(rte_ring_sp_enqueue(dev->rx_ring, mbuf))) {
            rte_pktmbuf_free(mbuf);
            dev->rx_ring_full++;
            dev->rx_dropped++;
            return true;
        }
        dev->rx_packets++;
        dev->rx_bytes += m->length;
        return true;
    }
    case SIO_MSG_BLK_READ:
    case SIO_MSG_BLK_WRITE:
    case SIO_MSG_BLK_FLUSH: {
        if (dev->blk) {
            /* All request slots busy: leave it in the stream, which
             * stalls the guest through the window. */
            return splitio_blkdev_submit(dev->blk, m->type, m->req_id,
                                         dev->conn.stats.connects, body,
                                         m->length);
        }

        /* No block device on this port: complete with ENODEV, so the
         * guest fails the request instead of re-sending it forever. */
        uint8_t done[SIO_BLK_DONE_LEN] = { 0 };

        sio_put32(done, ENODEV);
        if (sio_conn_send_msg(&dev->conn, SIO_MSG_BLK_DONE, m->req_id,
                              done, sizeof done, NULL, 0) == ENOBUFS) {
            return false;       /* Try again when the send buffer drains. */
        }
        dev->blk_refused++;
        return true;
    }
    default:
        dev->msgs_unexpected++;
        return true;
    }
}

static void
splitio_send_hello(struct netdev_splitio *dev)
    OVS_REQUIRES(dev->conn_lock)
{
    struct sio_hello hello = {
        .mtu = dev->mtu,
        .blk_size = 512,
        .blk_max_req = SIO_BLK_MAX_REQ,
        .blk_max_outstanding = SIO_BLK_MAX_OUTSTANDING,
    };
    uint8_t body[SIO_HELLO_LEN];

    if (dev->blk) {
        hello.blk_capacity = splitio_blkdev_capacity(dev->blk);
        hello.blk_size = splitio_blkdev_block_size(dev->blk);
        hello.blk_flags = splitio_blkdev_read_only(dev->blk)
                          ? SIO_HELLO_BLK_RO : 0;
    }

    memcpy(hello.mac, dev->cfg.nic_mac.ea, ETH_ADDR_LEN);
    sio_hello_encode(body, &hello);
    sio_conn_send_msg(&dev->conn, SIO_MSG_HELLO, 0, body, sizeof body,
                      NULL, 0);
}

static void
splitio_state_changed(void *aux, enum sio_state old, enum sio_state new)
    OVS_NO_THREAD_SAFETY_ANALYSIS
{
    struct netdev_splitio *dev = aux;

    COVERAGE_INC(splitio_state_change);
    VLOG_INFO_RL(&rl, "%s: connection %s -> %s",
                 netdev_get_name(&dev->up), sio_state_name(old),
                 sio_state_name(new));
    if (new == SIO_ESTABLISHED) {
        splitio_send_hello(dev);
    }
    if (new == SIO_ESTABLISHED || old == SIO_ESTABLISHED) {
        atomic_store_relaxed(&dev->link_changed, true);
    }
}

static uint32_t
splitio_random(void *aux OVS_UNUSED)
{
    return random_uint32();
}

/* The poller, under the port's 'conn_lock': queues a BLK_DONE for a
 * request the block backend completed on the connection it came on. */
static bool
splitio_blk_done(void *aux, uint64_t req_id, uint64_t epoch,
                 uint32_t status, const uint8_t *data, uint32_t len)
    OVS_NO_THREAD_SAFETY_ANALYSIS
{
    struct netdev_splitio *dev = aux;
    uint8_t hdr[SIO_BLK_DONE_LEN] = { 0 };

    sio_put32(hdr, status);
    if (epoch != dev->conn.stats.connects
        || !sio_conn_established(&dev->conn)) {
        /* The guest re-sends it on its new connection. */
        dev->blk_stale++;
        return true;
    }
    return sio_conn_send_msg(&dev->conn, SIO_MSG_BLK_DONE, req_id, hdr,
                             sizeof hdr, data, len) != ENOBUFS;
}

static const struct sio_conn_ops splitio_conn_ops = {
    .deliver = splitio_deliver,
    .state_changed = splitio_state_changed,
    .random = splitio_random,
};

/* ------------------------------------------------------------------ */
/* The underlay data path (PMD threads, and the block backend's). */

/* Hands 'n' frames to the underlay's queue; counts and frees what the
 * driver does not take. */
static void
splitio_ul_tx(struct splitio_underlay *ul, struct rte_mbuf **pkts, int n)
{
    uint16_t sent;

    ovs_spin_lock(&ul->tx_lock);
    sent = rte_eth_tx_burst(ul->port_id, 0, pkts, n);
    ovs_spin_unlock(&ul->tx_lock);
    nae_stat_add_shared(&ul->tx_frames, sent);
    if (sent < n) {
        nae_stat_add_shared(&ul->tx_dropped, n - sent);
        rte_pktmbuf_free_bulk(pkts + sent, n - sent);
    }
}

/* Lowers the underlay's next timer to 'at'. */
static void
splitio_ul_timer_min(struct splitio_underlay *ul, uint64_t at)
{
    uint64_t cur;

    atomic_read_relaxed(&ul->timer_at, &cur);
    while (at < cur
           && !atomic_compare_exchange_weak(&ul->timer_at, &cur, at)) {
        continue;
    }
}

/* Transmits what 'dev''s connection has to send (its timers run too). */
static void
splitio_conn_flush(struct splitio_underlay *ul, struct netdev_splitio *dev,
                   uint64_t now)
    OVS_REQUIRES(dev->conn_lock)
{
    struct rte_mbuf *out[SPLITIO_BURST];
    int n_out = 0;

    for (;;) {
        if (n_out == SPLITIO_BURST) {
            splitio_ul_tx(ul, out, n_out);
            n_out = 0;
        }
        struct rte_mbuf *m = rte_pktmbuf_alloc(ul->mp);
        if (OVS_UNLIKELY(!m)) {
            nae_stat_add_shared(&ul->tx_no_mbuf, 1);
            break;
        }
        size_t len = sio_conn_output(&dev->conn,
                                     rte_pktmbuf_mtod(m, uint8_t *),
                                     rte_pktmbuf_tailroom(m), now);
        if (!len) {
            rte_pktmbuf_free(m);
            break;
        }
        m->data_len = m->pkt_len = len;
        out[n_out++] = m;
    }
    if (n_out) {
        splitio_ul_tx(ul, out, n_out);
    }
    splitio_ul_timer_min(ul, sio_conn_next_timer(&dev->conn));
}

static void
splitio_ul_send_raw(struct splitio_underlay *ul, const uint8_t *frame,
                    size_t len)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(ul->mp);

    if (!m) {
        nae_stat_add_shared(&ul->tx_no_mbuf, 1);
        return;
    }
    memcpy(rte_pktmbuf_mtod(m, uint8_t *), frame, len);
    m->data_len = m->pkt_len = len;
    splitio_ul_tx(ul, &m, 1);
}

static bool
splitio_ul_rst_allowed(struct splitio_underlay *ul, uint64_t now)
    OVS_REQUIRES(ul->lock)
{
    if (now - ul->rst_tokens_at >= 1000000) {
        ul->rst_tokens_at = now;
        ul->rst_tokens = SPLITIO_RST_PER_SEC;
    }
    if (!ul->rst_tokens) {
        return false;
    }
    ul->rst_tokens--;
    return true;
}

/* The demux key of a connection: its local address and port and its
 * peer's address, as configured (the I/O host's side is passive, so its
 * local port is the configured one; the peer's port may be any). */
static uint32_t
splitio_flow_hash(uint32_t local_ip, uint16_t local_port, uint32_t remote_ip)
{
    return hash_3words(local_ip, local_port, remote_ip);
}

/* Feeds the segment in 'frame' to the connection that owns it, answers
 * ARP for our endpoints, and resets what belongs to no connection.  Adds
 * the port it fed to 'fed' (once per burst). */
static void
splitio_ul_input(struct splitio_underlay *ul, const uint8_t *frame,
                 size_t len, uint64_t now, struct netdev_splitio **fed,
                 int *n_fed)
    OVS_REQUIRES(ul->lock)
{
    struct netdev_splitio *dev;
    struct sio_seg seg;
    struct sio_arp arp;
    enum sio_parse_result r = sio_parse_frame(frame, len, &seg, &arp);

    if (r == SIO_PARSE_ARP) {
        if (arp.op != 1) {
            return;
        }
        HMAP_FOR_EACH_WITH_HASH (dev, ip_node, hash_int(arp.tpa, 0),
                                 &ul->by_ip) {
            if (arp.tpa == dev->cfg.local.ip) {
                uint8_t reply[60];

                splitio_ul_send_raw(ul, reply,
                                    sio_build_arp_reply(reply, &arp,
                                                        &dev->cfg.local));
                ul->arp_replies++;
                return;
            }
        }
        ul->not_for_us++;
        return;
    }
    if (r != SIO_PARSE_OK) {
        ul->parse_errors[r]++;
        return;
    }

    HMAP_FOR_EACH_WITH_HASH (dev, flow_node,
                             splitio_flow_hash(seg.ip_dst, seg.dport,
                                               seg.ip_src), &ul->by_flow) {
        bool owns;

        if (dev->cfg.local.ip != seg.ip_dst
            || dev->cfg.local.port != seg.dport
            || dev->cfg.remote.ip != seg.ip_src
            || memcmp(seg.eth_dst, dev->cfg.local.mac, ETH_ADDR_LEN)) {
            continue;
        }
        ovs_spin_lock(&dev->conn_lock);
        owns = sio_conn_owns(&dev->conn, &seg);
        if (owns) {
            sio_conn_input(&dev->conn, &seg, now);
        }
        ovs_spin_unlock(&dev->conn_lock);
        if (owns) {
            if (dev->poll_gen != ul->poll_gen && *n_fed < SPLITIO_BURST) {
                dev->poll_gen = ul->poll_gen;
                fed[(*n_fed)++] = dev;
            }
            return;
        }
    }

    bool ours = false;
    HMAP_FOR_EACH_WITH_HASH (dev, ip_node, hash_int(seg.ip_dst, 0),
                             &ul->by_ip) {
        if (dev->cfg.local.ip == seg.ip_dst
            && !memcmp(seg.eth_dst, dev->cfg.local.mac, ETH_ADDR_LEN)) {
            ours = true;
            break;
        }
    }
    if (!ours) {
        ul->not_for_us++;
        return;
    }
    /* Addressed to one of our endpoints, but no connection takes it. */
    ul->no_connection++;
    if (!(seg.flags & SIO_TCP_RST) && splitio_ul_rst_allowed(ul, now)) {
        uint8_t reply[SIO_MAX_HDRS_LEN];
        size_t n = sio_build_rst_reply(reply, sizeof reply, &seg,
                                       seg.eth_dst);
        if (n) {
            splitio_ul_send_raw(ul, reply, n);
            ul->rst_replies++;
        }
    }
}

/* Receives a burst from the underlay, feeds the connections, and sends
 * what the connections it fed answer, or what every connection has to
 * send once one's timer is due.  Does nothing if another thread is at
 * it. */
static void
splitio_ul_poll(struct splitio_underlay *ul)
{
    struct netdev_splitio *fed[SPLITIO_BURST];
    struct rte_mbuf *pkts[SPLITIO_BURST];
    int n_fed = 0;
    uint64_t timer_at;

    if (ovs_spin_trylock(&ul->lock)) {
        return;
    }
    uint64_t now = splitio_now_us();
    uint16_t n = rte_eth_rx_burst(ul->port_id, 0, pkts, SPLITIO_BURST);

    ul->rx_frames += n;
    ul->poll_gen++;
    for (uint16_t i = 0; i < n; i++) {
        if (OVS_UNLIKELY(pkts[i]->nb_segs != 1)) {
            ul->multi_seg++;
            continue;
        }
        splitio_ul_input(ul, rte_pktmbuf_mtod(pkts[i], const uint8_t *),
                         pkts[i]->data_len, now, fed, &n_fed);
    }
    if (n) {
        rte_pktmbuf_free_bulk(pkts, n);
    }

    /* Block completions, from the backends' rings: the connections they
     * go on are flushed below, with those fed. */
    struct netdev_splitio *dev;

    LIST_FOR_EACH (dev, ul_node, &ul->ports) {
        if (dev->blk && splitio_blkdev_has_completions(dev->blk)) {
            unsigned int done;

            ovs_spin_lock(&dev->conn_lock);
            done = splitio_blkdev_complete(dev->blk, splitio_blk_done, dev);
            if (done && dev->poll_gen != ul->poll_gen) {
                if (n_fed < SPLITIO_BURST) {
                    dev->poll_gen = ul->poll_gen;
                    fed[n_fed++] = dev;
                } else {
                    splitio_conn_flush(ul, dev, now);
                }
            }
            ovs_spin_unlock(&dev->conn_lock);
        }
    }

    atomic_read_relaxed(&ul->timer_at, &timer_at);
    if (now >= timer_at) {
        /* Each flush lowers it again to its connection's next timer. */
        atomic_store_relaxed(&ul->timer_at, UINT64_MAX);
        LIST_FOR_EACH (dev, ul_node, &ul->ports) {
            ovs_spin_lock(&dev->conn_lock);
            splitio_conn_flush(ul, dev, now);
            ovs_spin_unlock(&dev->conn_lock);
        }
    } else {
        for (int i = 0; i < n_fed; i++) {
            ovs_spin_lock(&fed[i]->conn_lock);
            splitio_conn_flush(ul, fed[i], now);
            ovs_spin_unlock(&fed[i]->conn_lock);
        }
    }
    ovs_spin_unlock(&ul->lock);
}

/* ------------------------------------------------------------------ */
/* Underlay setup (main thread, under splitio_mutex). */

static bool
splitio_is_devargs(const char *name)
{
    return strchr(name, ',') || !strncmp(name, "net_", 4);
}

/* Closes and unplugs an ethdev we probed. */
static void
splitio_remove_port(uint16_t port_id)
{
    struct rte_eth_dev_info info;
    struct rte_device *rdev = NULL;

    if (!rte_eth_dev_info_get(port_id, &info)) {
        rdev = info.device;
    }
    rte_eth_dev_close(port_id);
    if (rdev) {
        rte_dev_remove(rdev);
    }
}

static int
splitio_ul_open(const char *name, struct splitio_underlay **ulp, char **err)
    OVS_REQUIRES(splitio_mutex)
{
    struct splitio_underlay *ul;
    char *vdev_name = NULL;
    char *devargs;
    uint16_t port_id;
    int error;

    LIST_FOR_EACH (ul, node, &underlays) {
        if (!strcmp(ul->name, name)) {
            ul->refcnt++;
            *ulp = ul;
            return 0;
        }
    }

    if (splitio_is_devargs(name)) {
        devargs = xstrdup(name);
        vdev_name = xmemdup0(name, strcspn(name, ","));
    } else {
        vdev_name = xasprintf("net_af_packet_sio_%s", name);
        /* A deeper ring than the driver's default 512 frames absorbs a
         * sender's burst while the PMD thread is busy elsewhere. */
        devargs = xasprintf("%s,iface=%s,qpairs=1,qdisc_bypass=0,"
                            "framecnt=4096", vdev_name, name);
    }
    if (rte_eth_dev_get_port_by_name(vdev_name, &port_id)) {
        error = -rte_dev_probe(devargs);
        if (error || rte_eth_dev_get_port_by_name(vdev_name, &port_id)) {
            *err = xasprintf("cannot open underlay \"%s\" (%s): %s", name,
                             devargs, ovs_strerror(error ? error : ENODEV));
            free(devargs);
            free(vdev_name);
            return error ? error : ENODEV;
        }
    } else {
        free(vdev_name);
        vdev_name = NULL;       /* Someone else's device: do not remove. */
    }
    free(devargs);

    uint16_t mtu = ETH_PAYLOAD_MAX;
    rte_eth_dev_get_mtu(port_id, &mtu);
    if (mtu < 576) {
        mtu = 576;
    }
    struct rte_mempool *mp = nae_mempool_get(mtu + ETH_HEADER_LEN);
    struct rte_eth_conf conf;
    memset(&conf, 0, sizeof conf);
    error = -rte_eth_dev_configure(port_id, 1, 1, &conf);
    if (!error && mp) {
        error = -rte_eth_rx_queue_setup(port_id, 0, SPLITIO_UL_RING,
                                        rte_eth_dev_socket_id(port_id),
                                        NULL, mp);
    }
    if (!error && mp) {
        error = -rte_eth_tx_queue_setup(port_id, 0, SPLITIO_UL_RING,
                                        rte_eth_dev_socket_id(port_id),
                                        NULL);
    }
    if (!error && mp) {
        error = -rte_eth_dev_start(port_id);
    }
    if (error || !mp) {
        *err = xasprintf("cannot start underlay \"%s\": %s", name,
                         mp ? ovs_strerror(error) : "no mbuf pool");
        if (vdev_name) {
            splitio_remove_port(port_id);
        }
        free(vdev_name);
        return error ? error : ENOMEM;
    }
    /* Our endpoints' MACs are not the interface's. */
    rte_eth_promiscuous_enable(port_id);

    ul = xzalloc(sizeof *ul);
    ul->name = xstrdup(name);
    ul->vdev_name = vdev_name;
    ul->port_id = port_id;
    ul->refcnt = 1;
    ul->mtu = mtu;
    ul->mp = mp;
    ovs_spin_init(&ul->lock);
    ovs_spin_init(&ul->tx_lock);
    ovs_spin_lock(&ul->lock);
    ovs_list_init(&ul->ports);
    hmap_init(&ul->by_flow);
    hmap_init(&ul->by_ip);
    ovs_spin_unlock(&ul->lock);
    atomic_init(&ul->timer_at, 0);
#define SPLITIO_UL_COUNTER(NAME, DESC) atomic_init(&ul->NAME, 0);
    SPLITIO_UL_TX_COUNTERS
#undef SPLITIO_UL_COUNTER
    ovs_list_push_back(&underlays, &ul->node);
    VLOG_INFO("splitio underlay %s: DPDK port %"PRIu16", MTU %"PRIu16,
              name, port_id, mtu);
    *ulp = ul;
    return 0;
}

static void
splitio_ul_close(struct splitio_underlay *ul) OVS_REQUIRES(splitio_mutex)
{
    if (!ul || --ul->refcnt) {
        return;
    }
    ovs_list_remove(&ul->node);
    rte_eth_dev_stop(ul->port_id);
    if (ul->vdev_name) {
        splitio_remove_port(ul->port_id);
    }
    VLOG_INFO("splitio underlay %s closed", ul->name);
    ovs_spin_lock(&ul->lock);
    hmap_destroy(&ul->by_flow);
    hmap_destroy(&ul->by_ip);
    ovs_spin_unlock(&ul->lock);
    ovs_spin_destroy(&ul->lock);
    ovs_spin_destroy(&ul->tx_lock);
    free(ul->vdev_name);
    free(ul->name);
    free(ul);
}

/* ------------------------------------------------------------------ */
/* The netdev class. */

static struct netdev *
netdev_splitio_alloc(void)
{
    struct netdev_splitio *dev = xzalloc(sizeof *dev);
    return &dev->up;
}

static void
netdev_splitio_dealloc(struct netdev *netdev)
{
    free(netdev_splitio_cast(netdev));
}

static struct eth_addr
splitio_default_mac(const char *name, uint32_t salt)
{
    uint32_t h = hash_string(name, salt);
    struct eth_addr ea = ETH_ADDR_C(02, 00, 00, 00, 00, 00);

    ea.ea[1] = salt;
    ea.ea[2] = h >> 24;
    ea.ea[3] = h >> 16;
    ea.ea[4] = h >> 8;
    ea.ea[5] = h;
    return ea;
}

static int
netdev_splitio_construct(struct netdev *netdev)
{
    struct netdev_splitio *dev = netdev_splitio_cast(netdev);

    if (!dpdk_available()) {
        VLOG_ERR("%s: splitio ports need DPDK: set "
                 "other_config:dpdk-init=true", netdev_get_name(netdev));
        return EOPNOTSUPP;
    }
    ovs_mutex_init(&dev->mutex);
    ovs_spin_init(&dev->conn_lock);
    ovs_mutex_lock(&dev->mutex);
    dev->mtu = dev->requested_mtu = SPLITIO_DEFAULT_MTU;
    dev->flags = NETDEV_UP;
    ovs_mutex_unlock(&dev->mutex);
    ovs_list_init(&dev->ul_node);
    atomic_init(&dev->link_changed, false);

    char name[RTE_RING_NAMESIZE];
    snprintf(name, sizeof name, "sio_%p", dev);
    dev->rx_ring = rte_ring_create(name, SPLITIO_RX_RING, SOCKET_ID_ANY,
                                   RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (!dev->rx_ring) {
        VLOG_ERR("%s: cannot create receive ring: %s",
                 netdev_get_name(netdev), rte_strerror(rte_errno));
        ovs_mutex_destroy(&dev->mutex);
        return ENOMEM;
    }

    ovs_mutex_lock(&splitio_mutex);
    ovs_list_push_back(&splitio_ports, &dev->list_node);
    ovs_mutex_unlock(&splitio_mutex);
    return 0;
}

static void
splitio_config_clear(struct splitio_config *c)
{
    free(c->underlay);
    free(c->blk_backing);
    free(c->blk_key_file);
    memset(c, 0, sizeof *c);
}

static void
splitio_config_copy(struct splitio_config *dst,
                    const struct splitio_config *src)
{
    *dst = *src;
    dst->underlay = nullable_xstrdup(src->underlay);
    dst->blk_backing = nullable_xstrdup(src->blk_backing);
    dst->blk_key_file = nullable_xstrdup(src->blk_key_file);
}

static bool
splitio_config_equal(const struct splitio_config *a,
                     const struct splitio_config *b)
{
    return nullable_string_is_equal(a->underlay, b->underlay)
           && !memcmp(&a->local, &b->local, sizeof a->local)
           && !memcmp(&a->remote, &b->remote, sizeof a->remote)
           && eth_addr_equals(a->nic_mac, b->nic_mac)
           && nullable_string_is_equal(a->blk_backing, b->blk_backing)
           && nullable_string_is_equal(a->blk_key_file, b->blk_key_file)
           && a->blk_block_size == b->blk_block_size
           && a->blk_read_only == b->blk_read_only;
}

/* Detaches 'dev' from its underlay: resets its connection (the guest will
 * reconnect to whatever comes next) and drops queued frames. */
static void
splitio_detach(struct netdev_splitio *dev)
    OVS_REQUIRES(splitio_mutex, dev->mutex)
{
    struct splitio_underlay *ul = dev->ul;
    struct rte_mbuf *m;

    if (!ul) {
        return;
    }
    /* Out of the underlay first: from then on no poller feeds the
     * connection or takes the block backend's completions. */
    ovs_spin_lock(&ul->lock);
    ovs_spin_lock(&dev->conn_lock);
    sio_conn_abort(&dev->conn);
    /* Send the RST now: the port is going. */
    splitio_conn_flush(ul, dev, splitio_now_us());
    ovs_spin_unlock(&dev->conn_lock);
    ovs_list_remove(&dev->ul_node);
    ovs_list_init(&dev->ul_node);
    hmap_remove(&ul->by_flow, &dev->flow_node);
    hmap_remove(&ul->by_ip, &dev->ip_node);
    ovs_spin_unlock(&ul->lock);

    /* Its requests in flight are dropped: the guest re-sends them on its
     * next connection. */
    splitio_blkdev_close(dev->blk);
    dev->blk = NULL;

    while (!rte_ring_sc_dequeue(dev->rx_ring, (void **) &m)) {
        rte_pktmbuf_free(m);
    }
    splitio_ul_close(ul);
    dev->ul = NULL;
    free_cacheline(dev->conn_mem);
    dev->conn_mem = NULL;
}

static int
splitio_attach(struct netdev_splitio *dev, char **errp)
    OVS_REQUIRES(splitio_mutex, dev->mutex)
{
    struct splitio_underlay *ul;
    int error;

    if (dev->cfg.blk_backing) {
        struct splitio_blkdev_cfg bcfg = {
            .path = dev->cfg.blk_backing,
            .key_file = dev->cfg.blk_key_file,
            .block_size = dev->cfg.blk_block_size,
            .read_only = dev->cfg.blk_read_only,
        };
        error = splitio_blkdev_open(&bcfg, &dev->blk, errp);
        if (error) {
            return error;
        }
    }
    dev->rx_mp = nae_mempool_get(dev->max_frame);
    error = dev->rx_mp ? splitio_ul_open(dev->cfg.underlay, &ul, errp)
                       : ENOMEM;
    if (error) {
        if (!dev->rx_mp) {
            *errp = xstrdup("no DPDK mbuf pool for received frames");
        }
        splitio_blkdev_close(dev->blk);
        dev->blk = NULL;
        return error;
    }
    struct sio_conn_cfg ccfg = {
        .local = dev->cfg.local,
        .remote = dev->cfg.remote,
        .active = false,
        .mtu = ul->mtu,
        .buf_size = SPLITIO_BUF_SIZE,
    };
    /* Not linked yet: no other thread sees the connection. */
    ovs_spin_lock(&dev->conn_lock);
    /* Counters survive reconfiguration. */
    struct sio_conn_stats saved_stats = dev->conn.stats;

    dev->conn_mem = xmalloc_cacheline(sio_conn_mem_size(&ccfg));
    sio_conn_init(&dev->conn, &ccfg, &splitio_conn_ops, dev, dev->conn_mem);
    dev->conn.stats = saved_stats;
    sio_conn_listen(&dev->conn);
    ovs_spin_unlock(&dev->conn_lock);

    dev->ul = ul;
    ovs_spin_lock(&ul->lock);
    ovs_list_push_back(&ul->ports, &dev->ul_node);
    hmap_insert(&ul->by_flow, &dev->flow_node,
                splitio_flow_hash(dev->cfg.local.ip, dev->cfg.local.port,
                                  dev->cfg.remote.ip));
    hmap_insert(&ul->by_ip, &dev->ip_node, hash_int(dev->cfg.local.ip, 0));
    ovs_spin_unlock(&ul->lock);
    return 0;
}

static void
netdev_splitio_destruct(struct netdev *netdev)
{
    struct netdev_splitio *dev = netdev_splitio_cast(netdev);

    ovs_mutex_lock(&splitio_mutex);
    ovs_mutex_lock(&dev->mutex);
    splitio_detach(dev);
    ovs_mutex_unlock(&dev->mutex);
    ovs_list_remove(&dev->list_node);
    ovs_mutex_unlock(&splitio_mutex);

    rte_ring_free(dev->rx_ring);
    splitio_config_clear(&dev->cfg);
    splitio_config_clear(&dev->requested);
    ovs_spin_destroy(&dev->conn_lock);
    ovs_mutex_destroy(&dev->mutex);
}

static int
splitio_parse_ip(const struct smap *args, const char *key, uint32_t *ip,
                 char **errp)
{
    const char *s = smap_get(args, key);
    ovs_be32 addr;

    if (!s) {
        *errp = xasprintf("missing options:%s", key);
        return EINVAL;
    }
    if (!ip_parse(s, &addr) || !addr || ip_is_multicast(addr)) {
        *errp = xasprintf("options:%s=%s is not a unicast IPv4 address",
                          key, s);
        return EINVAL;
    }
    *ip = (OVS_FORCE uint32_t) addr;
    return 0;
}

static int
splitio_parse_mac(const struct smap *args, const char *key,
                  struct eth_addr dflt, bool required, uint8_t mac[6],
                  char **errp)
{
    const char *s = smap_get(args, key);
    struct eth_addr ea = dflt;

    if (!s && required) {
        *errp = xasprintf("missing options:%s", key);
        return EINVAL;
    }
    if (s && (!eth_addr_from_string(s, &ea) || eth_addr_is_multicast(ea)
              || eth_addr_is_zero(ea))) {
        *errp = xasprintf("options:%s=%s is not a unicast MAC address",
                          key, s);
        return EINVAL;
    }
    memcpy(mac, ea.ea, ETH_ADDR_LEN);
    return 0;
}

static int
splitio_parse_port(const struct smap *args, const char *key, int dflt,
                   bool zero_ok, uint16_t *port, char **errp)
{
    const char *s = smap_get(args, key);
    int value = dflt;

    if (s && (!str_to_int(s, 10, &value) || value < !zero_ok
              || value > 65535)) {
        *errp = xasprintf("options:%s=%s is not a TCP port number", key, s);
        return EINVAL;
    }
    *port = value;
    return 0;
}

static int
netdev_splitio_set_config(struct netdev *netdev, const struct smap *args,
                          char **errp)
{
    struct netdev_splitio *dev = netdev_splitio_cast(netdev);
    const char *name = netdev_get_name(netdev);
    struct splitio_config c;
    struct eth_addr nic_mac;
    int error = 0;

    memset(&c, 0, sizeof c);
    const char *underlay = smap_get(args, "underlay");
    if (!underlay || !underlay[0]) {
        *errp = xstrdup("missing options:underlay (a Linux interface or "
                        "DPDK devargs)");
        return EINVAL;
    }
    if (!splitio_is_devargs(underlay) && !if_nametoindex(underlay)) {
        *errp = xasprintf("options:underlay=%s: no such network interface "
                          "(or give DPDK devargs)", underlay);
        return ENODEV;
    }
    c.underlay = xstrdup(underlay);
    error = (splitio_parse_ip(args, "local_ip", &c.local.ip, errp)
             || splitio_parse_ip(args, "remote_ip", &c.remote.ip, errp)
             || splitio_parse_mac(args, "remote_mac", eth_addr_zero, true,
                                  c.remote.mac, errp)
             || splitio_parse_mac(args, "local_mac",
                                  splitio_default_mac(name, 0x5a), false,
                                  c.local.mac, errp)
             || splitio_parse_port(args, "local_port", SPLITIO_DEFAULT_PORT,
                                   false, &c.local.port, errp)
             || splitio_parse_port(args, "remote_port", 0, true,
                                   &c.remote.port, errp)
             || splitio_parse_mac(args, "mac",
                                  splitio_default_mac(name, 0x5e), false,
                                  nic_mac.ea, errp)) ? EINVAL : 0;
    const char *backing = smap_get(args, "blk-backing");
    const char *key_file = smap_get(args, "blk-key-file");
    c.blk_block_size = smap_get_uint(args, "blk-block-size", 512);
    c.blk_read_only = smap_get_bool(args, "blk-read-only", false);
    if (!error && backing && backing[0]) {
        c.blk_backing = xstrdup(backing);
        c.blk_key_file = key_file && key_file[0] ? xstrdup(key_file) : NULL;
        if (c.blk_block_size != 512 && c.blk_block_size != 4096) {
            *errp = xstrdup("options:blk-block-size must be 512 or 4096");
            error = EINVAL;
        }
    } else if (!error && key_file) {
        *errp = xstrdup("options:blk-key-file needs options:blk-backing");
        error = EINVAL;
    }
    if (!error && c.blk_backing) {
        struct splitio_blkdev_cfg bcfg = {
            .path = c.blk_backing,
            .key_file = c.blk_key_file,
            .block_size = c.blk_block_size,
            .read_only = c.blk_read_only,
        };
        error = splitio_blkdev_validate(&bcfg, errp);
    }
    if (!error && c.local.ip == c.remote.ip) {
        *errp = xstrdup("options:local_ip and options:remote_ip are equal");
        error = EINVAL;
    }
    if (error) {
        splitio_config_clear(&c);
        return error;
    }
    c.nic_mac = nic_mac;

    ovs_mutex_lock(&splitio_mutex);
    /* Two ports cannot be the same endpoint on one underlay. */
    struct netdev_splitio *other;
    LIST_FOR_EACH (other, list_node, &splitio_ports) {
        if (other != dev && other->have_config
            && !strcmp(other->requested.underlay, c.underlay)
            && other->requested.local.ip == c.local.ip
            && other->requested.local.port == c.local.port
            && other->requested.remote.ip == c.remote.ip) {
            *errp = xasprintf("%s already serves this endpoint on %s",
                              netdev_get_name(&other->up), c.underlay);
            error = EEXIST;
            break;
        }
    }
    if (!error) {
        ovs_mutex_lock(&dev->mutex);
        if (!dev->have_config
            || !splitio_config_equal(&dev->requested, &c)) {
            splitio_config_clear(&dev->requested);
            dev->requested = c;
            memset(&c, 0, sizeof c);
            dev->have_config = true;
            netdev_request_reconfigure(netdev);
        }
        ovs_mutex_unlock(&dev->mutex);
    }
    ovs_mutex_unlock(&splitio_mutex);
    splitio_config_clear(&c);
    return error;
}

static int
netdev_splitio_get_config(const struct netdev *netdev, struct smap *args)
{
    struct netdev_splitio *dev = netdev_splitio_cast(netdev);
    const struct splitio_config *c = &dev->requested;

    ovs_mutex_lock(&dev->mutex);
    if (dev->have_config) {
        struct eth_addr ea;

        smap_add(args, "underlay", c->underlay);
        smap_add_format(args, "local_ip", IP_FMT,
                        IP_ARGS((OVS_FORCE ovs_be32) c->local.ip));
        smap_add_format(args, "remote_ip", IP_FMT,
                        IP_ARGS((OVS_FORCE ovs_be32) c->remote.ip));
        memcpy(ea.ea, c->local.mac, ETH_ADDR_LEN);
        smap_add_format(args, "local_mac", ETH_ADDR_FMT, ETH_ADDR_ARGS(ea));
        memcpy(ea.ea, c->remote.mac, ETH_ADDR_LEN);
        smap_add_format(args, "remote_mac", ETH_ADDR_FMT, ETH_ADDR_ARGS(ea));
        smap_add_format(args, "local_port", "%"PRIu16, c->local.port);
        if (c->remote.port) {
            smap_add_format(args, "remote_port", "%"PRIu16, c->remote.port);
        }
        smap_add_format(args, "mac", ETH_ADDR_FMT,
                        ETH_ADDR_ARGS(c->nic_mac));
        if (c->blk_backing) {
            smap_add(args, "blk-backing", c->blk_backing);
            if (c->blk_key_file) {
                smap_add(args, "blk-key-file", c->blk_key_file);
            }
            smap_add_format(args, "blk-block-size", "%"PRIu32,
                            c->blk_block_size);
            if (c->blk_read_only) {
                smap_add(args, "blk-read-only", "true");
            }
        }
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_splitio_reconfigure(struct netdev *netdev)
{
    struct netdev_splitio *dev = netdev_splitio_cast(netdev);
    char *err = NULL;
    int error = 0;

    ovs_mutex_lock(&splitio_mutex);
    ovs_mutex_lock(&dev->mutex);
    bool cfg_changed = !dev->ul
                       || !splitio_config_equal(&dev->cfg, &dev->requested);
    if (!dev->have_config
        || (!cfg_changed && dev->mtu == dev->requested_mtu)) {
        goto out;
    }
    splitio_detach(dev);
    splitio_config_clear(&dev->cfg);
    splitio_config_copy(&dev->cfg, &dev->requested);
    dev->mtu = dev->requested_mtu;
    dev->max_frame = dev->mtu + ETH_HEADER_LEN + VLAN_HEADER_LEN;
    error = splitio_attach(dev, &err);
    if (error) {
        VLOG_ERR("%s: %s", netdev_get_name(netdev), err);
        free(err);
    }
    netdev_change_seq_changed(netdev);
out:
    ovs_mutex_unlock(&dev->mutex);
    ovs_mutex_unlock(&splitio_mutex);
    return error;
}

/* Main thread: turns connection state changes seen by the data path into
 * OVS's change notifications (carrier, status). */
static void
netdev_splitio_run(const struct netdev_class *class OVS_UNUSED)
{
    struct netdev_splitio *dev;

    ovs_mutex_lock(&splitio_mutex);
    LIST_FOR_EACH (dev, list_node, &splitio_ports) {
        bool changed;

        atomic_read_relaxed(&dev->link_changed, &changed);
        if (changed) {
            atomic_store_relaxed(&dev->link_changed, false);
            netdev_change_seq_changed(&dev->up);
        }
    }
    ovs_mutex_unlock(&splitio_mutex);
}

static void
netdev_splitio_wait(const struct netdev_class *class OVS_UNUSED)
{
    bool any;

    ovs_mutex_lock(&splitio_mutex);
    any = !ovs_list_is_empty(&splitio_ports);
    ovs_mutex_unlock(&splitio_mutex);
    if (any) {
        /* The data path cannot wake the main loop without a system call
         * of its own; carrier changes show within this period. */
        poll_timer_wait(500);
    }
}

/* PMD thread: polls the underlay (if no other thread is), then hands this
 * port's received frames to OVS. */
static int
netdev_splitio_rxq_recv(struct netdev_rxq *rxq, struct dp_packet_batch *batch,
                        int *qfill)
{
    struct netdev_splitio *dev = netdev_splitio_cast(rxq->netdev);
    unsigned int n;

    if (OVS_UNLIKELY(!dev->ul)) {
        return EAGAIN;
    }
    splitio_ul_poll(dev->ul);
    n = rte_ring_sc_dequeue_burst(dev->rx_ring, (void **) batch->packets,
                                  NETDEV_MAX_BURST, NULL);
    if (qfill) {
        *qfill = rte_ring_count(dev->rx_ring);
    }
    if (!n) {
        return EAGAIN;
    }
    batch->count = n;
    dp_packet_batch_init_packet_fields(batch);
    return 0;
}

/* Any thread: queues each frame as a NET_FRAME message and sends what the
 * connection can send now.  Frames are dropped, and counted, when the
 * guest is not connected or the send buffer is full, as a NIC whose link
 * is down or whose ring is full drops them. */
static int
netdev_splitio_send(struct netdev *netdev, int qid OVS_UNUSED,
                    struct dp_packet_batch *batch,
                    bool concurrent_txq OVS_UNUSED)
{
    struct netdev_splitio *dev = netdev_splitio_cast(netdev);
    struct splitio_underlay *ul = dev->ul;
    struct dp_packet *pkt;

    if (OVS_UNLIKELY(!ul)) {
        dp_packet_delete_batch(batch, true);
        return 0;
    }
    dp_packet_batch_apply_cutlen(batch);
    ovs_spin_lock(&dev->conn_lock);
    DP_PACKET_BATCH_FOR_EACH (i, pkt, batch) {
        uint32_t len = dp_packet_size(pkt);

        if (OVS_UNLIKELY(len > dev->max_frame || len < ETH_HEADER_LEN)) {
            dev->tx_too_big++;
            dev->tx_dropped++;
            continue;
        }
        int error = sio_conn_send_msg(&dev->conn, SIO_MSG_NET_FRAME, 0,
                                      dp_packet_data(pkt), len, NULL, 0);
        if (OVS_LIKELY(!error)) {
            dev->tx_packets++;
            dev->tx_bytes += len;
        } else {
            if (error == ENOTCONN) {
                dev->tx_not_connected++;
            }
            dev->tx_dropped++;
        }
    }
    /* This connection only: the others send when they have something. */
    splitio_conn_flush(ul, dev, splitio_now_us());
    ovs_spin_unlock(&dev->conn_lock);
    dp_packet_delete_batch(batch, true);
    return 0;
}

static int
netdev_splitio_set_tx_multiq(struct netdev *netdev OVS_UNUSED,
                             unsigned int n_txq OVS_UNUSED)
{
    return 0;                   /* send() serializes on the underlay. */
}

static int
netdev_splitio_get_numa_id(const struct netdev *netdev OVS_UNUSED)
{
    return 0;
}

static int
netdev_splitio_set_etheraddr(struct netdev *netdev OVS_UNUSED,
                             const struct eth_addr mac OVS_UNUSED)
{
    /* The guest's MAC is options:mac, offered in HELLO. */
    return EOPNOTSUPP;
}

static int
netdev_splitio_get_etheraddr(const struct netdev *netdev,
                             struct eth_addr *mac)
{
    struct netdev_splitio *dev = netdev_splitio_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    *mac = dev->requested.nic_mac;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_splitio_get_mtu(const struct netdev *netdev, int *mtup)
{
    struct netdev_splitio *dev = netdev_splitio_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    *mtup = dev->mtu;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_splitio_set_mtu(struct netdev *netdev, int mtu)
{
    struct netdev_splitio *dev = netdev_splitio_cast(netdev);

    if (mtu < 68 || mtu > SPLITIO_MAX_MTU) {
        VLOG_WARN_RL(&rl, "%s: MTU %d outside 68..%d",
                     netdev_get_name(netdev), mtu, SPLITIO_MAX_MTU);
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

/* A snapshot of the port's counters, taken under the underlay lock. */
struct splitio_snapshot {
    enum sio_state state;
    uint16_t remote_port, local_port;
    struct sio_conn_stats conn;
    uint64_t rx_packets, rx_bytes, rx_dropped;
    uint64_t tx_packets, tx_bytes, tx_dropped;
    uint64_t tx_not_connected, tx_too_big, rx_no_mbuf, rx_ring_full;
    uint64_t blk_refused, blk_stale, msgs_unexpected;
    bool have_blk;
    struct splitio_blkdev_stats blk;
    uint32_t srtt_us, rto_us, snd_inflight, snd_queued, rcv_queued;
    uint32_t iss, irs, snd_una, snd_nxt, snd_wnd, rcv_nxt, rcv_wnd, cwnd;
};

static bool
splitio_snapshot(struct netdev_splitio *dev, struct splitio_snapshot *s)
    OVS_REQUIRES(dev->mutex)
{
    struct splitio_underlay *ul = dev->ul;
    const struct sio_conn *c = &dev->conn;

    memset(s, 0, sizeof *s);
    ovs_spin_lock(&dev->conn_lock);
    if (!ul) {
        s->state = SIO_CLOSED;
        s->conn = c->stats;
        ovs_spin_unlock(&dev->conn_lock);
        return false;
    }
    s->state = c->state;
    s->remote_port = c->remote_port;
    s->local_port = c->local_port;
    s->conn = c->stats;
    s->rx_packets = dev->rx_packets;
    s->rx_bytes = dev->rx_bytes;
    s->rx_dropped = dev->rx_dropped;
    s->tx_packets = dev->tx_packets;
    s->tx_bytes = dev->tx_bytes;
    s->tx_dropped = dev->tx_dropped;
    s->tx_not_connected = dev->tx_not_connected;
    s->tx_too_big = dev->tx_too_big;
    s->rx_no_mbuf = dev->rx_no_mbuf;
    s->rx_ring_full = dev->rx_ring_full;
    s->blk_refused = dev->blk_refused;
    s->blk_stale = dev->blk_stale;
    s->have_blk = dev->blk != NULL;
    if (dev->blk) {
        splitio_blkdev_get_stats(dev->blk, &s->blk);
    }
    s->msgs_unexpected = dev->msgs_unexpected;
    s->srtt_us = c->srtt_us;
    s->rto_us = c->rto_us;
    if (c->state >= SIO_ESTABLISHED) {
        s->snd_inflight = c->snd_max - c->snd_una;
        s->snd_queued = c->snd_write - c->snd_una;
        s->rcv_queued = c->rcv_nxt - c->rcv_read;
        s->iss = c->iss;
        s->irs = c->irs;
        s->snd_una = c->snd_una;
        s->snd_nxt = c->snd_nxt;
        s->snd_wnd = c->snd_edge - c->snd_una;
        s->rcv_nxt = c->rcv_nxt;
        s->rcv_wnd = c->rcv_adv - c->rcv_nxt;
        s->cwnd = c->cwnd;
    }
    ovs_spin_unlock(&dev->conn_lock);
    return true;
}

/* splitio_snapshot() for callers that need nothing else under the
 * mutex. */
static void
splitio_get_snapshot(struct netdev_splitio *dev,
                          struct splitio_snapshot *s)
    OVS_EXCLUDED(dev->mutex)
{
    ovs_mutex_lock(&dev->mutex);
    splitio_snapshot(dev, s);
    ovs_mutex_unlock(&dev->mutex);
}

static int
netdev_splitio_get_carrier(const struct netdev *netdev, bool *carrier)
{
    struct netdev_splitio *dev = netdev_splitio_cast(netdev);
    struct splitio_snapshot s;

    splitio_get_snapshot(dev, &s);
    *carrier = s.state == SIO_ESTABLISHED;
    return 0;
}

static int
netdev_splitio_get_stats(const struct netdev *netdev,
                         struct netdev_stats *stats)
{
    struct netdev_splitio *dev = netdev_splitio_cast(netdev);
    struct splitio_snapshot s;

    splitio_get_snapshot(dev, &s);
    stats->rx_packets = s.rx_packets;
    stats->rx_bytes = s.rx_bytes;
    stats->rx_dropped = s.rx_dropped;
    stats->rx_errors = s.conn.msg_errors;
    stats->tx_packets = s.tx_packets;
    stats->tx_bytes = s.tx_bytes;
    stats->tx_dropped = s.tx_dropped;
    return 0;
}

static int
netdev_splitio_get_custom_stats(const struct netdev *netdev,
                                struct netdev_custom_stats *cs)
{
    struct netdev_splitio *dev = netdev_splitio_cast(netdev);
    struct splitio_snapshot s;
    size_t n = 0;

    splitio_get_snapshot(dev, &s);

    const struct {
        const char *name;
        uint64_t value;
    } port_stats[] = {
        { "tx_not_connected", s.tx_not_connected },
        { "tx_too_big", s.tx_too_big },
        { "rx_no_mbuf", s.rx_no_mbuf },
        { "rx_ring_full", s.rx_ring_full },
        { "blk_refused", s.blk_refused },
        { "blk_stale", s.blk_stale },
        { "blk_reads", s.blk.reads },
        { "blk_writes", s.blk.writes },
        { "blk_flushes", s.blk.flushes },
        { "blk_bytes_read", s.blk.bytes_read },
        { "blk_bytes_written", s.blk.bytes_written },
        { "blk_errors", s.blk.errors },
        { "blk_invalid", s.blk.invalid },
        { "msgs_unexpected", s.msgs_unexpected },
    };

    cs->size = 0;
#define SIO_COUNTER(NAME, DESC) cs->size++;
    SIO_CONN_COUNTERS
#undef SIO_COUNTER
    cs->size += ARRAY_SIZE(port_stats);
    cs->counters = xcalloc(cs->size, sizeof *cs->counters);
#define SIO_COUNTER(NAME, DESC)                                         \
    nae_custom_add(cs, &n, s.conn.NAME, "conn_%s", #NAME);
    SIO_CONN_COUNTERS
#undef SIO_COUNTER
    for (size_t i = 0; i < ARRAY_SIZE(port_stats); i++) {
        nae_custom_add(cs, &n, port_stats[i].value, "%s",
                       port_stats[i].name);
    }
    return 0;
}

static int
netdev_splitio_get_status(const struct netdev *netdev, struct smap *smap)
{
    struct netdev_splitio *dev = netdev_splitio_cast(netdev);
    struct splitio_snapshot s;

    ovs_mutex_lock(&dev->mutex);
    bool attached = splitio_snapshot(dev, &s);
    if (attached) {
        smap_add(smap, "underlay", dev->cfg.underlay);
        smap_add_format(smap, "underlay_mtu", "%"PRIu16, dev->ul->mtu);
    }
    ovs_mutex_unlock(&dev->mutex);
    smap_add(smap, "connection", attached ? sio_state_name(s.state)
                                          : "not attached");
    if (s.state >= SIO_ESTABLISHED) {
        smap_add_format(smap, "remote_port", "%"PRIu16, s.remote_port);
    }
    smap_add_format(smap, "connects", "%"PRIu64, s.conn.connects);
    smap_add_format(smap, "retransmits", "%"PRIu64, s.conn.retrans_segs);
    return 0;
}

static void
splitio_show_one(struct ds *out, struct netdev_splitio *dev)
    OVS_REQUIRES(splitio_mutex)
{
    struct splitio_snapshot s;
    struct splitio_underlay *ul;

    ovs_mutex_lock(&dev->mutex);
    splitio_snapshot(dev, &s);
    const struct splitio_config *c = &dev->cfg;
    ul = dev->ul;
    ds_put_format(out, "%s:\n", netdev_get_name(&dev->up));
    if (!ul) {
        ds_put_cstr(out, "  not attached to an underlay\n");
        ovs_mutex_unlock(&dev->mutex);
        return;
    }
    ds_put_format(out, "  underlay %s (DPDK port %"PRIu16", MTU %"PRIu16
                  "), virtual NIC MTU %d\n", c->underlay, ul->port_id,
                  ul->mtu, dev->mtu);
    ds_put_format(out, "  local "IP_FMT":%"PRIu16" remote "IP_FMT":",
                  IP_ARGS((OVS_FORCE ovs_be32) c->local.ip), c->local.port,
                  IP_ARGS((OVS_FORCE ovs_be32) c->remote.ip));
    if (s.state >= SIO_ESTABLISHED) {
        ds_put_format(out, "%"PRIu16, s.remote_port);
    } else {
        ds_put_cstr(out, c->remote.port ? "" : "any");
        if (c->remote.port) {
            ds_put_format(out, "%"PRIu16, c->remote.port);
        }
    }
    ds_put_format(out, "\n  state %s, srtt %"PRIu32" us, rto %"PRIu32
                  " us, in flight %"PRIu32" B, send queue %"PRIu32
                  " B, receive queue %"PRIu32" B\n",
                  sio_state_name(s.state), s.srtt_us, s.rto_us,
                  s.snd_inflight, s.snd_queued, s.rcv_queued);
    if (s.state >= SIO_ESTABLISHED) {
        /* Relative sequence numbers, as tshark shows them. */
        ds_put_format(out, "  snd: iss %"PRIu32" una +%"PRIu32" nxt +%"
                      PRIu32" wnd %"PRIu32" cwnd %"PRIu32"; rcv: irs %"
                      PRIu32" nxt +%"PRIu32" wnd %"PRIu32"\n",
                      s.iss, s.snd_una - s.iss, s.snd_nxt - s.iss,
                      s.snd_wnd, s.cwnd, s.irs, s.rcv_nxt - s.irs,
                      s.rcv_wnd);
    }
    ds_put_format(out, "  frames: rx %"PRIu64" (dropped %"PRIu64
                  "), tx %"PRIu64" (dropped %"PRIu64", not connected %"
                  PRIu64")\n", s.rx_packets, s.rx_dropped, s.tx_packets,
                  s.tx_dropped, s.tx_not_connected);
    if (s.have_blk) {
        ds_put_format(out, "  block device %s: %"PRIu64" bytes, %"PRIu32
                      "-byte blocks%s%s\n", c->blk_backing,
                      splitio_blkdev_capacity(dev->blk),
                      splitio_blkdev_block_size(dev->blk),
                      splitio_blkdev_encrypted(dev->blk)
                      ? ", AES-XTS-256" : "",
                      splitio_blkdev_read_only(dev->blk)
                      ? ", read-only" : "");
        ds_put_format(out, "  block: reads %"PRIu64" (%"PRIu64" B), writes %"
                      PRIu64" (%"PRIu64" B), flushes %"PRIu64", errors %"
                      PRIu64", invalid %"PRIu64", stale %"PRIu64"\n",
                      s.blk.reads, s.blk.bytes_read, s.blk.writes,
                      s.blk.bytes_written, s.blk.flushes, s.blk.errors,
                      s.blk.invalid, s.blk_stale);
    }
#define SIO_COUNTER(NAME, DESC)                                         \
    ds_put_format(out, "  %-18s %"PRIu64"\n", #NAME, s.conn.NAME);
    SIO_CONN_COUNTERS
#undef SIO_COUNTER
    ovs_mutex_unlock(&dev->mutex);
}

static void
splitio_show_underlays(struct ds *out) OVS_REQUIRES(splitio_mutex)
{
    struct splitio_underlay *ul;

    LIST_FOR_EACH (ul, node, &underlays) {
        ovs_spin_lock(&ul->lock);
        ds_put_format(out, "underlay %s: %d port(s)\n", ul->name,
                      ul->refcnt);
#define SPLITIO_UL_COUNTER(NAME, DESC)                                  \
        ds_put_format(out, "  %-18s %"PRIu64"\n", #NAME, ul->NAME);
        SPLITIO_UL_COUNTERS
#undef SPLITIO_UL_COUNTER
#define SPLITIO_UL_COUNTER(NAME, DESC)                                  \
        ds_put_format(out, "  %-18s %"PRIu64"\n", #NAME,             \
                      nae_stat_get(&ul->NAME));
        SPLITIO_UL_TX_COUNTERS
#undef SPLITIO_UL_COUNTER
        for (int r = SIO_PARSE_NOT_OURS; r < SIO_PARSE_N_RESULTS; r++) {
            ds_put_format(out, "  rx_%-15s %"PRIu64"\n",
                          sio_parse_result_name(r), ul->parse_errors[r]);
        }
        ovs_spin_unlock(&ul->lock);
    }
}

static void
splitio_unixctl_show(struct unixctl_conn *conn, int argc,
                     const char *argv[], void *aux OVS_UNUSED)
{
    struct netdev_splitio *dev;
    struct ds out = DS_EMPTY_INITIALIZER;
    bool found = false;

    ovs_mutex_lock(&splitio_mutex);
    LIST_FOR_EACH (dev, list_node, &splitio_ports) {
        if (argc < 2 || !strcmp(argv[1], netdev_get_name(&dev->up))) {
            splitio_show_one(&out, dev);
            found = true;
        }
    }
    if (argc < 2) {
        splitio_show_underlays(&out);
    }
    ovs_mutex_unlock(&splitio_mutex);

    if (argc > 1 && !found) {
        unixctl_command_reply_error(conn, "no such splitio port");
    } else {
        unixctl_command_reply(conn, ds_cstr(&out));
    }
    ds_destroy(&out);
}

/* ioservice/show lists block encryption as the per-device service it is:
 * configured by the splitio port's blk-* options, applied by its block
 * backend. */
void
netdev_splitio_format_blk_services(struct ds *out)
{
    struct netdev_splitio *dev;
    bool any = false;

    ovs_mutex_lock(&splitio_mutex);
    LIST_FOR_EACH (dev, list_node, &splitio_ports) {
        ovs_mutex_lock(&dev->mutex);
        if (dev->cfg.blk_backing) {
            struct splitio_blkdev_stats st;
            bool open = dev->blk != NULL;

            if (!any) {
                ds_put_cstr(out, "block encryption (split-I/O block "
                            "devices):\n");
                any = true;
            }
            ds_put_format(out, "  %s: %s, backing %s, block size %"PRIu32,
                          netdev_get_name(&dev->up),
                          !dev->cfg.blk_key_file ? "plaintext"
                          : "aes-xts-256", dev->cfg.blk_backing,
                          dev->cfg.blk_block_size);
            if (dev->cfg.blk_key_file) {
                ds_put_format(out, ", key file %s", dev->cfg.blk_key_file);
            }
            if (open) {
                splitio_blkdev_get_stats(dev->blk, &st);
                ds_put_format(out, ", %"PRIu64" reads, %"PRIu64" writes\n",
                              st.reads, st.writes);
            } else {
                ds_put_cstr(out, ", not open\n");
            }
        }
        ovs_mutex_unlock(&dev->mutex);
    }
    ovs_mutex_unlock(&splitio_mutex);
}

static int
netdev_splitio_update_flags(struct netdev *netdev, enum netdev_flags off,
                            enum netdev_flags on, enum netdev_flags *old)
{
    struct netdev_splitio *dev = netdev_splitio_cast(netdev);

    return nae_flags_update(netdev, &dev->mutex, &dev->flags, off, on, old);
}

static const struct netdev_class netdev_splitio_class = {
    .type = "splitio",
    .is_pmd = true,
    .run = netdev_splitio_run,
    .wait = netdev_splitio_wait,
    .alloc = netdev_splitio_alloc,
    .construct = netdev_splitio_construct,
    .destruct = netdev_splitio_destruct,
    .dealloc = netdev_splitio_dealloc,
    .get_config = netdev_splitio_get_config,
    .set_config = netdev_splitio_set_config,
    .reconfigure = netdev_splitio_reconfigure,
    .send = netdev_splitio_send,
    .set_tx_multiq = netdev_splitio_set_tx_multiq,
    .get_numa_id = netdev_splitio_get_numa_id,
    .set_etheraddr = netdev_splitio_set_etheraddr,
    .get_etheraddr = netdev_splitio_get_etheraddr,
    .get_mtu = netdev_splitio_get_mtu,
    .set_mtu = netdev_splitio_set_mtu,
    .get_carrier = netdev_splitio_get_carrier,
    .get_stats = netdev_splitio_get_stats,
    .get_custom_stats = netdev_splitio_get_custom_stats,
    .get_status = netdev_splitio_get_status,
    .update_flags = netdev_splitio_update_flags,
    .rxq_alloc = nae_rxq_alloc,
    .rxq_construct = nae_rxq_construct,
    .rxq_destruct = nae_rxq_destruct,
    .rxq_dealloc = nae_rxq_dealloc,
    .rxq_recv = netdev_splitio_rxq_recv,
};

void
netdev_splitio_register(void)
{
    netdev_register_provider(&netdev_splitio_class);
    unixctl_command_register("splitio/show", "[PORT]", 0, 1,
                             splitio_unixctl_show, NULL);
}
