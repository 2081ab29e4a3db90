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

/* The "ioservice" netdev class: an I/O service attached to a bridge as a
 * port.  OpenFlow rules output packets to it; the service inspects them on
 * a PMD thread and returns the packets it accepts into the same bridge as
 * traffic received on the port, so a chain of services is ordinary
 * OpenFlow (docs/io-services.md).  The one service so far is "dpi"
 * (dpi.c): Hyperscan signatures, streamed per TCP flow, with alert, mark
 * and drop verdicts.
 *
 * A verdict must be visible in the packet: dpif-netdev zeroes pkt_mark,
 * ct_* and registers of every packet a netdev receives.  So "mark" returns
 * the packet with an 802.1Q (or 802.1ad) tag whose VID is the signature's
 * mark, and "drop" does not return it.
 *
 * Threads and locks:
 *
 *   - send() runs on any thread: it only enqueues the packets (pointers,
 *     no copy) on the port's multi-producer DPDK ring.
 *
 *   - rxq_recv() runs on the one PMD thread polling the port's single
 *     rxq: it dequeues a burst and runs the engine on it under 'lock',
 *     taken with trylock so that a PMD never waits for the main thread.
 *
 *   - The main thread compiles rule sets with no lock held (it can take
 *     seconds) and installs them under 'lock' (a pointer swap and one pass
 *     over the flow table), reads counters under 'lock', and replaces the
 *     ring and engine only in reconfigure(), when dpif-netdev guarantees
 *     that no thread sends to or polls the port.
 *
 * Lock order: ioservice_mutex, dev->mutex, dev->lock. */

#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ring.h>
#include <rte_spinlock.h>

#include "coverage.h"
#include "dp-packet.h"
#include "dpdk.h"
#include "dpi.h"
#include "hash.h"
#include "ioservice-chain.h"
#include "netdev-ioservice.h"
#include "netdev-provider.h"
#include "netdev-shared.h"
#include "netdev-splitio.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "packets.h"
#include "smap.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(netdev_ioservice);

COVERAGE_DEFINE(ioservice_queue_full);
COVERAGE_DEFINE(ioservice_alert);
COVERAGE_DEFINE(ioservice_reload);

static struct vlog_rate_limit alert_rl = VLOG_RATE_LIMIT_INIT(20, 100);

#define IOSERVICE_DEFAULT_MAX_FLOWS 4096
#define IOSERVICE_MIN_MAX_FLOWS 16
#define IOSERVICE_MAX_MAX_FLOWS (1024 * 1024)
#define IOSERVICE_DEFAULT_QUEUE 2048
#define IOSERVICE_MIN_QUEUE 64
#define IOSERVICE_MAX_QUEUE 65536
#define IOSERVICE_MAX_SIG_FILE (64 * 1024 * 1024)
#define IOSERVICE_MTU 9216
/* A flow with a drop verdict is kept at least this long after its last
 * packet, whatever floods the flow table (dpi_engine_set_drop_hold()). */
#define IOSERVICE_DROP_HOLD_S 120

struct ioservice_config {
    char *signatures;           /* Path of the signature file. */
    size_t max_flows;
    uint32_t queue_size;
    uint16_t mark_tpid;         /* ETH_TYPE_VLAN_8021Q or _8021AD. */
    bool midstream;             /* Scan TCP flows older than the service. */
};

/* Counters kept by the PMD thread under 'lock'. */
#define IOSERVICE_RX_COUNTERS                                           \
    IOSERVICE_RX_COUNTER(rx_packets, "returned to the bridge")          \
    IOSERVICE_RX_COUNTER(rx_bytes, "bytes returned to the bridge")      \
    IOSERVICE_RX_COUNTER(rx_verdict_drops, "dropped by a drop verdict") \
    IOSERVICE_RX_COUNTER(rx_held_back, "TCP segments beyond a gap")    \
    IOSERVICE_RX_COUNTER(rx_mark_no_room, "no headroom for the mark tag")

/* Guards the list of ports. */
static struct ovs_mutex ioservice_mutex = OVS_MUTEX_INITIALIZER;

struct netdev_ioservice {
    struct netdev up;
    struct ovs_list list_node;  /* In 'ioservices'. */

    struct ovs_mutex mutex OVS_ACQ_AFTER(ioservice_mutex);
    struct ioservice_config cfg OVS_GUARDED;
    bool configured OVS_GUARDED;
    enum netdev_flags flags OVS_GUARDED;
    struct eth_addr mac OVS_GUARDED;
    int mtu OVS_GUARDED;
    /* Built by set_config() when the ring or flow table must change size,
     * put in place by reconfigure(). */
    struct dpi_ruleset *staged OVS_GUARDED;
    long long int loaded_at OVS_GUARDED;    /* Wall clock, ms. */

    /* Replaced only in reconfigure(). */
    struct rte_ring *queue;     /* struct dp_packet *, MP enqueue, SC deq. */

    rte_spinlock_t lock;
    struct dpi_engine *engine;  /* Under 'lock'. */
    ovs_be16 mark_tpid;         /* Under 'lock'. */
#define IOSERVICE_RX_COUNTER(NAME, DESC) uint64_t NAME;
    IOSERVICE_RX_COUNTERS
#undef IOSERVICE_RX_COUNTER

    /* Any thread. */
    atomic_uint64_t tx_packets, tx_bytes, tx_queue_full;
};

static struct ovs_list ioservices OVS_GUARDED_BY(ioservice_mutex)
    = OVS_LIST_INITIALIZER(&ioservices);

static const struct netdev_class netdev_ioservice_class;

static struct netdev_ioservice *
netdev_ioservice_cast(const struct netdev *netdev)
{
    ovs_assert(netdev->netdev_class == &netdev_ioservice_class);
    return CONTAINER_OF(netdev, struct netdev_ioservice, up);
}

/* Control path: signature files and rule sets. */

/* Reads and compiles the signature file 'path' for 'max_flows' flows.
 * Returns the rule set, or NULL with a message in '*errp'. */
static struct dpi_ruleset *
ioservice_compile(const char *path, size_t max_flows, char **errp)
{
    struct dpi_sigset set;
    struct dpi_ruleset *rs;
    struct stat st;
    char *text, *err;
    FILE *file;
    size_t len;

    file = fopen(path, "r");
    if (!file) {
        *errp = xasprintf("cannot open signature file %s (%s)", path,
                          ovs_strerror(errno));
        return NULL;
    }
    if (fstat(fileno(file), &st) || !S_ISREG(st.st_mode)) {
        *errp = xasprintf("signature file %s is not a regular file", path);
        fclose(file);
        return NULL;
    }
    if (st.st_size > IOSERVICE_MAX_SIG_FILE) {
        *errp = xasprintf("signature file %s is larger than 64 MiB", path);
        fclose(file);
        return NULL;
    }
    text = xmalloc(st.st_size + 1);
    len = fread(text, 1, st.st_size, file);
    if (ferror(file)) {
        *errp = xasprintf("cannot read signature file %s (%s)", path,
                          ovs_strerror(errno));
        fclose(file);
        free(text);
        return NULL;
    }
    fclose(file);

    if (!dpi_sigset_parse(text, len, &set, &err)) {
        *errp = xasprintf("%s: %s", path, err);
        free(err);
        free(text);
        return NULL;
    }
    free(text);
    rs = dpi_ruleset_create(&set, max_flows, &err);
    if (!rs) {
        *errp = xasprintf("%s: %s", path, err);
        free(err);
        dpi_sigset_destroy(&set);
    }
    return rs;
}

/* Swaps 'rs' into the running engine.  The PMD thread waits at most one
 * burst for the lock; the engine keeps its flows. */
static void
ioservice_install(struct netdev_ioservice *dev, struct dpi_ruleset *rs)
    OVS_REQUIRES(dev->mutex)
{
    struct dpi_ruleset *old;

    /* Only this thread installs, so reading the current set is safe. */
    dpi_ruleset_link(rs, dpi_engine_ruleset(dev->engine));
    rte_spinlock_lock(&dev->lock);
    old = dpi_engine_install(dev->engine, rs);
    rte_spinlock_unlock(&dev->lock);
    dpi_ruleset_destroy(old);
    dev->loaded_at = time_wall_msec();
    COVERAGE_INC(ioservice_reload);
    netdev_change_seq_changed(&dev->up);     /* Status shows the count. */
}

/* Builds a new ring and flow table for 'cfg'.  Only while nothing sends to
 * or polls the port: before it joins a datapath, or in reconfigure(). */
static int
ioservice_build(struct netdev_ioservice *dev, struct dpi_ruleset *rs)
    OVS_REQUIRES(dev->mutex)
{
    static atomic_count ring_id = ATOMIC_COUNT_INIT(0);
    char name[RTE_RING_NAMESIZE];
    struct rte_ring *queue;
    struct dpi_engine *engine;
    struct dp_packet *pkt;

    snprintf(name, sizeof name, "iosvc_%u", atomic_count_inc(&ring_id));
    queue = rte_ring_create(name, dev->cfg.queue_size, SOCKET_ID_ANY,
                            RING_F_SC_DEQ | RING_F_EXACT_SZ);
    if (!queue) {
        VLOG_ERR("%s: cannot create service queue: %s",
                 netdev_get_name(&dev->up), rte_strerror(rte_errno));
        return ENOMEM;
    }
    engine = dpi_engine_create(dev->cfg.max_flows);
    if (!engine) {
        rte_ring_free(queue);
        return ENOMEM;
    }
    /* The engine's clock is the TSC (see the receive path). */
    dpi_engine_set_drop_hold(engine, IOSERVICE_DROP_HOLD_S
                                     * rte_get_tsc_hz());
    dpi_engine_set_midstream(engine, dev->cfg.midstream);
    if (dev->engine) {
        dpi_ruleset_destroy(dpi_engine_install(dev->engine, NULL));
        dpi_engine_destroy(dev->engine);
    }
    if (dev->queue) {
        while (!rte_ring_sc_dequeue(dev->queue, (void **) &pkt)) {
            dp_packet_delete(pkt);
        }
        rte_ring_free(dev->queue);
    }
    dpi_engine_install(engine, rs);
    rte_spinlock_lock(&dev->lock);
    dev->engine = engine;
    rte_spinlock_unlock(&dev->lock);
    dev->queue = queue;
    dev->loaded_at = time_wall_msec();
    return 0;
}

/* Netdev class. */

static struct netdev *
netdev_ioservice_alloc(void)
{
    struct netdev_ioservice *dev = xzalloc(sizeof *dev);
    return &dev->up;
}

static void
netdev_ioservice_dealloc(struct netdev *netdev)
{
    free(netdev_ioservice_cast(netdev));
}

static int
netdev_ioservice_construct(struct netdev *netdev)
{
    struct netdev_ioservice *dev = netdev_ioservice_cast(netdev);

    if (!dpdk_available()) {
        VLOG_ERR("%s: ioservice ports need DPDK: set "
                 "other_config:dpdk-init=true", netdev_get_name(netdev));
        return EOPNOTSUPP;
    }
    ovs_mutex_init(&dev->mutex);
    rte_spinlock_init(&dev->lock);
    /* A locally administered MAC from the name; a service port is never
     * the source of frames of its own. */
    uint32_t h = hash_string(netdev_get_name(netdev), 0x10c5e);

    ovs_mutex_lock(&dev->mutex);
    dev->flags = NETDEV_UP;
    dev->mtu = IOSERVICE_MTU;
    dev->mac = (struct eth_addr) { { { 0xaa, 0x10, h >> 24, h >> 16,
                                       h >> 8, h } } };
    ovs_mutex_unlock(&dev->mutex);
    dev->mark_tpid = htons(ETH_TYPE_VLAN_8021Q);
    atomic_init(&dev->tx_packets, 0);
    atomic_init(&dev->tx_bytes, 0);
    atomic_init(&dev->tx_queue_full, 0);

    ovs_mutex_lock(&ioservice_mutex);
    ovs_list_push_back(&ioservices, &dev->list_node);
    ovs_mutex_unlock(&ioservice_mutex);
    return 0;
}

static void
netdev_ioservice_destruct(struct netdev *netdev)
{
    struct netdev_ioservice *dev = netdev_ioservice_cast(netdev);
    struct dp_packet *pkt;

    ovs_mutex_lock(&ioservice_mutex);
    ovs_list_remove(&dev->list_node);
    ovs_mutex_unlock(&ioservice_mutex);

    if (dev->queue) {
        while (!rte_ring_sc_dequeue(dev->queue, (void **) &pkt)) {
            dp_packet_delete(pkt);
        }
        rte_ring_free(dev->queue);
    }
    if (dev->engine) {
        dpi_ruleset_destroy(dpi_engine_install(dev->engine, NULL));
        dpi_engine_destroy(dev->engine);
    }
    ovs_mutex_lock(&dev->mutex);
    dpi_ruleset_destroy(dev->staged);
    free(dev->cfg.signatures);
    ovs_mutex_unlock(&dev->mutex);
    ovs_mutex_destroy(&dev->mutex);
}

static int
ioservice_parse_range(const struct smap *args, const char *key,
                      unsigned long long dflt, unsigned long long min,
                      unsigned long long max, unsigned long long *value,
                      char **errp)
{
    const char *s = smap_get(args, key);
    char *end;

    *value = dflt;
    if (!s) {
        return 0;
    }
    errno = 0;
    *value = strtoull(s, &end, 0);
    if (errno || end == s || *end || *value < min || *value > max) {
        *errp = xasprintf("options:%s=%s is not a number in %llu..%llu",
                          key, s, min, max);
        return EINVAL;
    }
    return 0;
}

static int
netdev_ioservice_set_config(struct netdev *netdev, const struct smap *args,
                            char **errp)
{
    struct netdev_ioservice *dev = netdev_ioservice_cast(netdev);
    const char *name = netdev_get_name(netdev);
    const char *service = smap_get_def(args, "service", "");
    const char *sigs = smap_get(args, "signatures");
    unsigned long long max_flows, queue_size, tpid;
    struct dpi_ruleset *rs = NULL;
    char *err = NULL;
    int error = 0;

    if (strcmp(service, "dpi")) {
        if (!service[0]) {
            *errp = xasprintf("%s: options:service is required (dpi)",
                              name);
        } else if (!strcmp(service, "firewall")) {
            *errp = xasprintf("%s: there is no firewall service port: the "
                              "firewall is OVS's conntrack, ct() in OpenFlow "
                              "rules (ovs-nae(7), FIREWALL RECIPES)", name);
        } else {
            *errp = xasprintf("%s: unknown service \"%s\" (known: dpi)",
                              name, service);
        }
        return EINVAL;
    }
    if (!sigs || !sigs[0]) {
        *errp = xasprintf("%s: service dpi needs options:signatures=FILE",
                          name);
        return EINVAL;
    }
    if (ioservice_parse_range(args, "max-flows", IOSERVICE_DEFAULT_MAX_FLOWS,
                              IOSERVICE_MIN_MAX_FLOWS,
                              IOSERVICE_MAX_MAX_FLOWS, &max_flows, &err)
        || ioservice_parse_range(args, "queue-size", IOSERVICE_DEFAULT_QUEUE,
                                 IOSERVICE_MIN_QUEUE, IOSERVICE_MAX_QUEUE,
                                 &queue_size, &err)
        || ioservice_parse_range(args, "mark-tpid", ETH_TYPE_VLAN_8021Q,
                                 0, 0xffff, &tpid, &err)) {
        *errp = xasprintf("%s: %s", name, err);
        free(err);
        return EINVAL;
    }
    if (tpid != ETH_TYPE_VLAN_8021Q && tpid != ETH_TYPE_VLAN_8021AD) {
        *errp = xasprintf("%s: options:mark-tpid must be 0x8100 or 0x88a8",
                          name);
        return EINVAL;
    }

    ovs_mutex_lock(&dev->mutex);
    bool resize = !dev->configured || max_flows != dev->cfg.max_flows
                  || queue_size != dev->cfg.queue_size;
    if (resize || strcmp(sigs, dev->cfg.signatures)) {
        /* bridge.c calls set_config() on every database change; compile
         * only when the file or the table size changes.  A changed file's
         * contents need ioservice/reload. */
        rs = ioservice_compile(sigs, max_flows, &err);
        if (!rs) {
            *errp = xasprintf("%s: %s", name, err);
            free(err);
            error = EINVAL;
            goto out;
        }
        VLOG_INFO("%s: %zu DPI signatures loaded from %s", name,
                  dpi_ruleset_n_sigs(rs), sigs);
    }
    free(dev->cfg.signatures);
    dev->cfg.signatures = xstrdup(sigs);
    dev->cfg.max_flows = max_flows;
    dev->cfg.queue_size = queue_size;
    dev->cfg.mark_tpid = tpid;
    dev->cfg.midstream = smap_get_bool(args, "midstream", false);
    rte_spinlock_lock(&dev->lock);
    dev->mark_tpid = htons(tpid);
    if (dev->engine) {
        dpi_engine_set_midstream(dev->engine, dev->cfg.midstream);
    }
    rte_spinlock_unlock(&dev->lock);

    if (!dev->configured) {
        /* Not in a datapath yet: build in place. */
        error = ioservice_build(dev, rs);
        if (error) {
            dpi_ruleset_destroy(rs);
            *errp = xasprintf("%s: out of memory for the service queue or "
                              "flow table", name);
            goto out;
        }
        dev->configured = true;
    } else if (resize) {
        dpi_ruleset_destroy(dev->staged);
        dev->staged = rs;
        netdev_request_reconfigure(netdev);
    } else if (rs) {
        ioservice_install(dev, rs);
    }
out:
    ovs_mutex_unlock(&dev->mutex);
    return error;
}

static int
netdev_ioservice_get_config(const struct netdev *netdev, struct smap *args)
{
    struct netdev_ioservice *dev = netdev_ioservice_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    if (dev->configured) {
        smap_add(args, "service", "dpi");
        smap_add(args, "signatures", dev->cfg.signatures);
        smap_add_format(args, "max-flows", "%zu", dev->cfg.max_flows);
        smap_add_format(args, "queue-size", "%"PRIu32, dev->cfg.queue_size);
        smap_add_format(args, "mark-tpid", "0x%04"PRIx16,
                        dev->cfg.mark_tpid);
        smap_add(args, "midstream", dev->cfg.midstream ? "true" : "false");
    }
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

/* dpif-netdev calls this with the port out of every PMD's poll and
 * transmit lists, so the ring and engine may be replaced. */
static int
netdev_ioservice_reconfigure(struct netdev *netdev)
{
    struct netdev_ioservice *dev = netdev_ioservice_cast(netdev);
    int error = 0;

    ovs_mutex_lock(&dev->mutex);
    if (dev->staged) {
        error = ioservice_build(dev, dev->staged);
        if (!error) {
            dev->staged = NULL;
            VLOG_INFO("%s: flow table resized to %zu flows, queue to %"
                      PRIu32" packets; tracked flows restart",
                      netdev_get_name(netdev), dev->cfg.max_flows,
                      dev->cfg.queue_size);
        }
    }
    ovs_mutex_unlock(&dev->mutex);
    netdev_change_seq_changed(netdev);
    return error;
}

/* Data path. */

/* Any thread: hands the packets to the service, without copying. */
static int
netdev_ioservice_send(struct netdev *netdev, int qid OVS_UNUSED,
                      struct dp_packet_batch *batch,
                      bool concurrent_txq OVS_UNUSED)
{
    struct netdev_ioservice *dev = netdev_ioservice_cast(netdev);
    size_t n = dp_packet_batch_size(batch);
    uint64_t bytes = 0, ignore;
    unsigned int sent = 0;
    struct dp_packet *pkt;

    dp_packet_batch_apply_cutlen(batch);
    DP_PACKET_BATCH_FOR_EACH (i, pkt, batch) {
        bytes += dp_packet_size(pkt);
    }
    if (OVS_LIKELY(dev->queue)) {
        sent = rte_ring_mp_enqueue_burst(dev->queue,
                                         (void **) batch->packets, n, NULL);
    }
    for (size_t i = sent; i < n; i++) {
        bytes -= dp_packet_size(batch->packets[i]);
        dp_packet_delete(batch->packets[i]);
    }
    if (OVS_UNLIKELY(sent < n)) {
        COVERAGE_ADD(ioservice_queue_full, n - sent);
        atomic_add_relaxed(&dev->tx_queue_full, n - sent, &ignore);
    }
    atomic_add_relaxed(&dev->tx_packets, sent, &ignore);
    atomic_add_relaxed(&dev->tx_bytes, bytes, &ignore);
    return 0;
}

static void
ioservice_log_alert(const struct netdev_ioservice *dev,
                    const struct dpi_result *res)
{
    char flow[160];

    COVERAGE_INC(ioservice_alert);
    if (VLOG_DROP_WARN(&alert_rl)) {
        return;
    }
    if (res->key) {
        dpi_flow_key_format(res->key, flow, sizeof flow);
    } else {
        ovs_strlcpy(flow, "a packet", sizeof flow);
    }
    VLOG_WARN("%s: signature %"PRIu32" %s %s", netdev_get_name(&dev->up),
              res->sig_id, dpi_verdict_name(res->verdict), flow);
}

/* The PMD thread polling the port: runs the service over one burst. */
static int
netdev_ioservice_rxq_recv(struct netdev_rxq *rxq,
                          struct dp_packet_batch *batch, int *qfill)
{
    struct netdev_ioservice *dev = netdev_ioservice_cast(rxq->netdev);
    struct dp_packet *pkts[NETDEV_MAX_BURST];
    unsigned int n, out = 0;

    if (OVS_UNLIKELY(!dev->queue) || !rte_spinlock_trylock(&dev->lock)) {
        return EAGAIN;
    }
    n = rte_ring_sc_dequeue_burst(dev->queue, (void **) pkts,
                                  NETDEV_MAX_BURST, NULL);
    uint64_t now = rte_get_tsc_cycles();
    for (unsigned int i = 0; i < n; i++) {
        struct dp_packet *pkt = pkts[i];
        struct dpi_result res;

        dpi_engine_process(dev->engine, dp_packet_data(pkt),
                           dp_packet_size(pkt), now, &res);
        if (OVS_UNLIKELY(res.verdict != DPI_PASS)) {
            if (res.first && !res.held_back) {
                ioservice_log_alert(dev, &res);
            }
            if (res.verdict == DPI_DROP) {
                if (res.held_back) {
                    dev->rx_held_back++;
                } else {
                    dev->rx_verdict_drops++;
                }
                dp_packet_delete(pkt);
                continue;
            }
            if (res.verdict == DPI_MARK) {
                if (OVS_UNLIKELY(dp_packet_headroom(pkt) < VLAN_HEADER_LEN)) {
                    /* Passing it untagged would skip the quarantine. */
                    dev->rx_mark_no_room++;
                    dp_packet_delete(pkt);
                    continue;
                }
                eth_push_vlan(pkt, dev->mark_tpid, htons(res.mark));
            }
        }
        dev->rx_packets++;
        dev->rx_bytes += dp_packet_size(pkt);
        batch->packets[out++] = pkt;
    }
    rte_spinlock_unlock(&dev->lock);

    if (qfill) {
        *qfill = rte_ring_count(dev->queue);
    }
    if (!out) {
        return EAGAIN;
    }
    batch->count = out;
    dp_packet_batch_init_packet_fields(batch);
    return 0;
}

static int
netdev_ioservice_set_tx_multiq(struct netdev *netdev OVS_UNUSED,
                               unsigned int n_txq OVS_UNUSED)
{
    return 0;                   /* One multi-producer ring serves all. */
}

static int
netdev_ioservice_get_numa_id(const struct netdev *netdev OVS_UNUSED)
{
    return 0;
}

static int
netdev_ioservice_set_etheraddr(struct netdev *netdev,
                               const struct eth_addr mac)
{
    struct netdev_ioservice *dev = netdev_ioservice_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    dev->mac = mac;
    ovs_mutex_unlock(&dev->mutex);
    netdev_change_seq_changed(netdev);
    return 0;
}

static int
netdev_ioservice_get_etheraddr(const struct netdev *netdev,
                               struct eth_addr *mac)
{
    struct netdev_ioservice *dev = netdev_ioservice_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    *mac = dev->mac;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_ioservice_get_mtu(const struct netdev *netdev, int *mtup)
{
    struct netdev_ioservice *dev = netdev_ioservice_cast(netdev);

    ovs_mutex_lock(&dev->mutex);
    *mtup = dev->mtu;
    ovs_mutex_unlock(&dev->mutex);
    return 0;
}

static int
netdev_ioservice_get_carrier(const struct netdev *netdev OVS_UNUSED,
                             bool *carrier)
{
    *carrier = true;
    return 0;
}

/* A consistent copy of what the PMD thread counts. */
struct ioservice_snapshot {
#define IOSERVICE_RX_COUNTER(NAME, DESC) uint64_t NAME;
    IOSERVICE_RX_COUNTERS
#undef IOSERVICE_RX_COUNTER
    struct dpi_stats dpi;
    size_t n_flows, max_flows, n_sigs, memory;
    uint64_t tx_packets, tx_bytes, tx_queue_full;
    unsigned int queued;
};

static void
ioservice_snapshot(struct netdev_ioservice *dev, struct ioservice_snapshot *s)
{
    memset(s, 0, sizeof *s);
    rte_spinlock_lock(&dev->lock);
#define IOSERVICE_RX_COUNTER(NAME, DESC) s->NAME = dev->NAME;
    IOSERVICE_RX_COUNTERS
#undef IOSERVICE_RX_COUNTER
    if (dev->engine) {
        const struct dpi_ruleset *rs = dpi_engine_ruleset(dev->engine);

        s->dpi = *dpi_engine_stats(dev->engine);
        s->n_flows = dpi_engine_n_flows(dev->engine);
        s->max_flows = dpi_engine_max_flows(dev->engine);
        s->n_sigs = dpi_ruleset_n_sigs(rs);
        s->memory = dpi_ruleset_memory(rs);
    }
    rte_spinlock_unlock(&dev->lock);
    atomic_read_relaxed(&dev->tx_packets, &s->tx_packets);
    atomic_read_relaxed(&dev->tx_bytes, &s->tx_bytes);
    atomic_read_relaxed(&dev->tx_queue_full, &s->tx_queue_full);
    s->queued = dev->queue ? rte_ring_count(dev->queue) : 0;
}

static int
netdev_ioservice_get_stats(const struct netdev *netdev,
                           struct netdev_stats *stats)
{
    struct netdev_ioservice *dev = netdev_ioservice_cast(netdev);
    struct ioservice_snapshot s;

    ioservice_snapshot(dev, &s);
    stats->tx_packets = s.tx_packets;
    stats->tx_bytes = s.tx_bytes;
    stats->tx_dropped = s.tx_queue_full;
    stats->rx_packets = s.rx_packets;
    stats->rx_bytes = s.rx_bytes;
    stats->rx_dropped = s.rx_verdict_drops + s.rx_held_back
                        + s.rx_mark_no_room;
    return 0;
}

static int
netdev_ioservice_get_custom_stats(const struct netdev *netdev,
                                  struct netdev_custom_stats *cs)
{
    struct netdev_ioservice *dev = netdev_ioservice_cast(netdev);
    struct ioservice_snapshot s;
    size_t n = 0;

    ioservice_snapshot(dev, &s);
    cs->counters = xcalloc(32, sizeof *cs->counters);
#define IOSERVICE_RX_COUNTER(NAME, DESC) \
    nae_custom_add(cs, &n, s.NAME, "%s", #NAME);
    IOSERVICE_RX_COUNTERS
#undef IOSERVICE_RX_COUNTER
#define DPI_COUNTER(NAME, DESC) \
    nae_custom_add(cs, &n, s.dpi.NAME, "dpi_%s", #NAME);
    DPI_COUNTERS
#undef DPI_COUNTER
    nae_custom_add(cs, &n, s.tx_queue_full, "tx_queue_full");
    nae_custom_add(cs, &n, s.n_flows, "dpi_flows");
    ovs_assert(n <= 32);
    cs->size = n;
    return 0;
}

static int
netdev_ioservice_get_status(const struct netdev *netdev, struct smap *smap)
{
    struct netdev_ioservice *dev = netdev_ioservice_cast(netdev);
    struct ioservice_snapshot s;

    ioservice_snapshot(dev, &s);
    smap_add(smap, "service", "dpi");
    smap_add_format(smap, "signatures", "%zu", s.n_sigs);
    smap_add_format(smap, "flows", "%zu/%zu", s.n_flows, s.max_flows);
    smap_add_format(smap, "memory_kb", "%zu", s.memory / 1024);
    return 0;
}

/* ovs-appctl. */

static struct netdev_ioservice *
ioservice_find(const char *name) OVS_REQUIRES(ioservice_mutex)
{
    struct netdev_ioservice *dev;

    LIST_FOR_EACH (dev, list_node, &ioservices) {
        if (!strcmp(netdev_get_name(&dev->up), name)) {
            return dev;
        }
    }
    return NULL;
}

/* For the per-port commands: the port named 'name' with ioservice_mutex
 * held (the caller takes the port's mutex), or NULL after replying an
 * error to 'conn'. */
static struct netdev_ioservice *
ioservice_lock_port(struct unixctl_conn *conn, const char *name)
    OVS_TRY_LOCK(true, ioservice_mutex)
{
    struct netdev_ioservice *dev;

    ovs_mutex_lock(&ioservice_mutex);
    dev = ioservice_find(name);
    if (!dev) {
        ovs_mutex_unlock(&ioservice_mutex);
        unixctl_command_reply_error(conn, "no such ioservice port");
        return NULL;
    }
    return dev;
}

static void
ioservice_show_one(struct ds *out, struct netdev_ioservice *dev)
    OVS_REQUIRES(ioservice_mutex)
{
    const struct dpi_ruleset *rs;
    struct ioservice_snapshot s;
    uint64_t *hits = NULL;
    size_t n_sigs = 0;

    ovs_mutex_lock(&dev->mutex);
    ioservice_snapshot(dev, &s);
    ds_put_format(out, "%s: service dpi\n", netdev_get_name(&dev->up));
    ds_put_format(out, "  signatures: %s, %zu loaded ", dev->cfg.signatures,
                  s.n_sigs);
    ds_put_strftime_msec(out, "at %Y-%m-%d %H:%M:%S.###", dev->loaded_at,
                         false);
    ds_put_format(out, ", %zu KiB\n", s.memory / 1024);
    ds_put_format(out, "  flows: %zu of %zu, queue: %u of %"PRIu32", "
                  "mark tag: 0x%04"PRIx16"\n", s.n_flows, s.max_flows,
                  s.queued, dev->cfg.queue_size, dev->cfg.mark_tpid);
    ds_put_format(out, "  into service: %"PRIu64" packets, %"PRIu64
                  " bytes, %"PRIu64" dropped (queue full)\n",
                  s.tx_packets, s.tx_bytes, s.tx_queue_full);
#define IOSERVICE_RX_COUNTER(NAME, DESC) \
    ds_put_format(out, "  %-22s %-10"PRIu64" %s\n", #NAME, s.NAME, DESC);
    IOSERVICE_RX_COUNTERS
#undef IOSERVICE_RX_COUNTER
#define DPI_COUNTER(NAME, DESC) \
    ds_put_format(out, "  dpi_%-18s %-10"PRIu64" %s\n", #NAME, s.dpi.NAME, \
                  DESC);
    DPI_COUNTERS
#undef DPI_COUNTER

    /* Signatures do not change while this thread holds dev->mutex (only
     * this thread installs); their hit counters are read under the lock. */
    rte_spinlock_lock(&dev->lock);
    rs = dev->engine ? dpi_engine_ruleset(dev->engine) : NULL;
    n_sigs = dpi_ruleset_n_sigs(rs);
    if (n_sigs) {
        hits = xmalloc(n_sigs * sizeof *hits);
        for (size_t i = 0; i < n_sigs; i++) {
            hits[i] = dpi_ruleset_hits(rs, i);
        }
    }
    rte_spinlock_unlock(&dev->lock);
    ds_put_cstr(out, "  signature hits:\n");
    for (size_t i = 0; i < n_sigs; i++) {
        const struct dpi_sig *sig = dpi_ruleset_sig(rs, i);

        ds_put_format(out, "    id=%"PRIu32" hits=%"PRIu64" verdict=%s",
                      sig->id, hits[i], dpi_verdict_name(sig->verdict));
        if (sig->verdict == DPI_MARK) {
            ds_put_format(out, ":%"PRIu16, sig->mark);
        }
        ds_put_format(out, " /%s/%s\n", sig->pattern, sig->flags);
    }
    free(hits);
    ovs_mutex_unlock(&dev->mutex);
    ioservice_chain_format(netdev_get_name(&dev->up), out);
}

static void
ioservice_unixctl_show(struct unixctl_conn *conn, int argc,
                       const char *argv[], void *aux OVS_UNUSED)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    struct netdev_ioservice *dev;
    bool found = false;

    ovs_mutex_lock(&ioservice_mutex);
    LIST_FOR_EACH (dev, list_node, &ioservices) {
        if (argc < 2 || !strcmp(argv[1], netdev_get_name(&dev->up))) {
            ioservice_show_one(&out, dev);
            found = true;
        }
    }
    ovs_mutex_unlock(&ioservice_mutex);
    if (argc < 2) {
        netdev_splitio_format_blk_services(&out);
    } else if (!found) {
        unixctl_command_reply_error(conn, "no such ioservice port");
        ds_destroy(&out);
        return;
    }
    unixctl_command_reply(conn, ds_cstr(&out));
    ds_destroy(&out);
}

static void
ioservice_unixctl_reload(struct unixctl_conn *conn, int argc OVS_UNUSED,
                         const char *argv[], void *aux OVS_UNUSED)
{
    struct netdev_ioservice *dev = ioservice_lock_port(conn, argv[1]);
    struct dpi_ruleset *rs;
    char *err = NULL, *msg = NULL;

    if (!dev) {
        return;
    }
    ovs_mutex_lock(&dev->mutex);
    if (dev->staged || !dev->engine) {
        err = xstrdup("a reconfiguration is pending; try again");
    } else if ((rs = ioservice_compile(dev->cfg.signatures,
                                       dev->cfg.max_flows, &err))) {
        /* The old rule set kept scanning while the new one compiled. */
        size_t n_flows;

        ioservice_install(dev, rs);
        rte_spinlock_lock(&dev->lock);
        n_flows = dpi_engine_n_flows(dev->engine);
        rte_spinlock_unlock(&dev->lock);
        VLOG_INFO("%s: %zu DPI signatures reloaded from %s, %zu flows kept",
                  argv[1], dpi_ruleset_n_sigs(rs), dev->cfg.signatures,
                  n_flows);
        msg = xasprintf("%s: %zu signatures loaded, %zu flows kept",
                        argv[1], dpi_ruleset_n_sigs(rs), n_flows);
    } else {
        VLOG_WARN("%s: reload failed, previous signatures stay: %s",
                  argv[1], err);
    }
    ovs_mutex_unlock(&dev->mutex);
    ovs_mutex_unlock(&ioservice_mutex);

    if (msg) {
        unixctl_command_reply(conn, msg);
    } else {
        unixctl_command_reply_error(conn, err);
    }
    free(msg);
    free(err);
}

static void
ioservice_unixctl_flows(struct unixctl_conn *conn, int argc OVS_UNUSED,
                        const char *argv[], void *aux OVS_UNUSED)
{
    struct ds out = DS_EMPTY_INITIALIZER;
    struct netdev_ioservice *dev;
    struct dpi_flow_info *flows;
    size_t n = 0;
    uint64_t now, hz = rte_get_tsc_hz();

    dev = ioservice_lock_port(conn, argv[1]);
    if (!dev) {
        return;
    }
    ovs_mutex_lock(&dev->mutex);
    flows = xcalloc(dev->cfg.max_flows, sizeof *flows);
    rte_spinlock_lock(&dev->lock);
    if (dev->engine) {
        n = dpi_engine_flows(dev->engine, flows, dev->cfg.max_flows);
    }
    now = rte_get_tsc_cycles();
    rte_spinlock_unlock(&dev->lock);
    ovs_mutex_unlock(&dev->mutex);
    ovs_mutex_unlock(&ioservice_mutex);

    ds_put_format(&out, "%zu flows, most recently used first\n", n);
    for (size_t i = 0; i < n; i++) {
        const struct dpi_flow_info *f = &flows[i];
        char key[160];

        dpi_flow_key_format(&f->key, key, sizeof key);
        ds_put_format(&out, "%s: verdict=%s", key,
                      dpi_verdict_name(f->verdict));
        if (f->verdict != DPI_PASS) {
            ds_put_format(&out, " signature=%"PRIu32, f->sig_id);
        }
        if (f->verdict == DPI_MARK) {
            ds_put_format(&out, " mark=%"PRIu16, f->mark);
        }
        ds_put_format(&out, " packets=%"PRIu64" scanned_bytes=%"PRIu64
                      " held_back=%"PRIu64" fins=%u idle=%.1fs\n",
                      f->packets, f->bytes, f->held_back, f->fins,
                      hz ? (double) (now - f->last_used) / hz : 0.0);
    }
    free(flows);
    unixctl_command_reply(conn, ds_cstr(&out));
    ds_destroy(&out);
}

static int
netdev_ioservice_update_flags(struct netdev *netdev, enum netdev_flags off,
                              enum netdev_flags on, enum netdev_flags *old)
{
    struct netdev_ioservice *dev = netdev_ioservice_cast(netdev);

    return nae_flags_update(netdev, &dev->mutex, &dev->flags, off, on, old);
}

static const struct netdev_class netdev_ioservice_class = {
    .type = "ioservice",
    .is_pmd = true,
    .alloc = netdev_ioservice_alloc,
    .construct = netdev_ioservice_construct,
    .destruct = netdev_ioservice_destruct,
    .dealloc = netdev_ioservice_dealloc,
    .get_config = netdev_ioservice_get_config,
    .set_config = netdev_ioservice_set_config,
    .reconfigure = netdev_ioservice_reconfigure,
    .send = netdev_ioservice_send,
    .set_tx_multiq = netdev_ioservice_set_tx_multiq,
    .get_numa_id = netdev_ioservice_get_numa_id,
    .set_etheraddr = netdev_ioservice_set_etheraddr,
    .get_etheraddr = netdev_ioservice_get_etheraddr,
    .get_mtu = netdev_ioservice_get_mtu,
    .get_carrier = netdev_ioservice_get_carrier,
    .get_stats = netdev_ioservice_get_stats,
    .get_custom_stats = netdev_ioservice_get_custom_stats,
    .get_status = netdev_ioservice_get_status,
    .update_flags = netdev_ioservice_update_flags,
    .rxq_alloc = nae_rxq_alloc,
    .rxq_construct = nae_rxq_construct,
    .rxq_destruct = nae_rxq_destruct,
    .rxq_dealloc = nae_rxq_dealloc,
    .rxq_recv = netdev_ioservice_rxq_recv,
};

void
netdev_ioservice_register(void)
{
    netdev_register_provider(&netdev_ioservice_class);
    unixctl_command_register("ioservice/show", "[PORT]", 0, 1,
                             ioservice_unixctl_show, NULL);
    unixctl_command_register("ioservice/reload", "PORT", 1, 1,
                             ioservice_unixctl_reload, NULL);
    unixctl_command_register("ioservice/flows", "PORT", 1, 1,
                             ioservice_unixctl_flows, NULL);
}
