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

/* The VM channel class: virtio-net queue pairs through rte_vhost. */

#include <config.h>

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <linux/virtio_net.h>

#include <rte_mbuf.h>
#include <rte_vhost.h>

#include "coverage.h"
#include "dp-packet.h"
#include "nae-channel-vhost.h"
#include "nae-abi.h"
#include "nae-channel-vf.h"
#include "nae-hold.h"
#include "nae-mbuf.h"
#include "nae-stat.h"
#include "nae-vring-peek.h"
#include "netdev.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/vlog.h"
#include "ovs-atomic.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "packets.h"
#include "rculist.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(nae_channel_vhost);

COVERAGE_DEFINE(nae_vhost_new_device);
COVERAGE_DEFINE(nae_vhost_destroy_device);
COVERAGE_DEFINE(nae_vhost_tx_retry);
COVERAGE_DEFINE(nae_vhost_hold_claimed);
COVERAGE_DEFINE(nae_vhost_lend);
COVERAGE_DEFINE(nae_vhost_take_back);

/* rte_vhost's queue numbering: queue pair 'i' is vring 2i (to the VM) and
 * vring 2i + 1 (from the VM). */
#define NAE_VHOST_RXQ(QP) ((QP) * 2)        /* The VM receives. */
#define NAE_VHOST_TXQ(QP) ((QP) * 2 + 1)    /* The VM transmits. */

/* Enqueue attempts while the VM's receive ring takes some but not all of a
 * burst, as netdev-dpdk's vhost ports retry. */
#define NAE_VHOST_TX_RETRIES 8

/* Empty polls of a from-VM queue between two looks at whether it holds
 * buffers rte_vhost does not take (see nae_channel_vhost_audit_rx()). */
#define NAE_VHOST_STALL_POLLS 256

/* How long, and how many frames, a port keeps for a VM that left it by
 * live migration (see nae-hold.h): well beyond QEMU's downtime plus the
 * bridge's revalidation of the VM's flows after its announcement. */
#define NAE_VHOST_HOLD_MS 2000
#define NAE_VHOST_HOLD_MAX 1024

/* A port that expects a VM by migration from another chassis
 * (nae_vhost_set_arrival()) keeps the latest frames for it while QEMU
 * copies it, up to this long, and tells them from those the VM received
 * before by the last frames in its receive ring, up to this many. */
#define NAE_VHOST_ARRIVAL_MS (10 * 60 * 1000)
#define NAE_VHOST_ARRIVAL_SEEN 64

struct nae_channel_vhost {
    struct nae_channel up;
    struct nae_vhost *vh;
    int qp;

    /* The port's; change only while no data path thread uses us. */
    struct rte_mempool *mp;
    uint32_t max_frame;

    /* Data path threads inside a burst with the device's 'vid'; the vhost
     * thread waits for 0 before the VM's memory is unmapped. */
    atomic_uint users;

    atomic_uint64_t rx_packets;         /* One polling thread. */
    atomic_uint64_t rx_bytes;
    atomic_uint64_t tx_packets;         /* Any thread. */
    atomic_uint64_t tx_bytes;
    atomic_uint64_t tx_ring_full;       /* The VM had no buffers. */
    atomic_uint64_t tx_not_running;     /* No device, or queue disabled. */
    atomic_uint64_t tx_oversize;        /* Larger than the MTU, no TSO. */
    atomic_uint64_t tx_no_mbuf;         /* No mbuf for a copy. */

    /* What the VM's transmit ring holds that is no frame.  Written by the
     * one thread that polls the queue, like the state below. */
    atomic_uint64_t rx_refused;         /* Chains rte_vhost dropped. */
    atomic_uint64_t rx_stalls;          /* Heads rte_vhost cannot map. */
    uint64_t rx_session;                /* Device session of 'rx_avail'. */
    uint16_t rx_avail;                  /* rte_vhost's last_avail_idx. */
    unsigned int rx_idle_polls;
    bool rx_pending;                    /* Buffers left at the last look. */
    atomic_bool rx_stalled;             /* Counted already. */
    struct eth_addr rx_mac;             /* The VM's, from its last frame. */
};

/* Our sockets, for rte_vhost's callbacks, which name a device by 'vid'. */
static struct ovs_mutex nae_vhost_mutex = OVS_MUTEX_INITIALIZER;

/* Whose queue pair 0's rings are (see the header). */
enum nae_vhost_lend {
    NAE_LEND_NONE,              /* rte_vhost's. */
    NAE_LEND_MOVING,            /* Changing hands: the data path waits. */
    NAE_LEND_LENT,              /* The VF's: the data path goes through it. */
    NAE_LEND_BACK,              /* rte_vhost's again, taken back by its
                                 * thread: receive waits for the port. */
};

/* A hand-over asked of the PMD (see 'req' in struct nae_vhost). */
enum nae_vhost_req {
    NAE_REQ_NONE,
    NAE_REQ_LEND,               /* Posted: lend the rings to 'req_vf'. */
    NAE_REQ_BACK,               /* Posted: take them back. */
    NAE_REQ_BUSY,               /* The PMD is at it. */
    NAE_REQ_DONE,               /* Done; the outcome in 'req_*'. */
};

struct nae_vhost {
    char *owner;                /* The nae port, for logs. */
    char *path;                 /* QEMU's socket. */
    nae_vhost_changed_cb *changed;
    void *aux;
    bool tso;

    /* Written by rte_vhost's thread, read by anyone. */
    atomic_int vid;             /* The running device, or -1. */
    atomic_bool connected;
    atomic_uint64_t features;
    atomic_int n_queue_pairs;
    atomic_uint64_t sessions;
    atomic_bool vring_enabled[2 * NAE_MAX_CHANNELS];
    /* rte_vhost's index in each from-VM ring when the device started. */
    atomic_uint16_t start_avail[NAE_MAX_CHANNELS];

    /* Frames for the VM after it left by migration, or before it comes
     * (an arrival hold). */
    struct nae_hold hold;

    /* A VM expected by migration from another chassis.  'arrival_wanted'
     * and 'arrival_mac' (eth_addr_to_uint64()) are the port's options.
     * When QEMU connects while no device runs, rte_vhost's thread starts
     * an arrival hold ('arriving') and asks the PMD that polls queue
     * pair 0 to announce the VM ('announce_*'); when the device starts it
     * reads the hashes of the last frames the VM received into
     * 'arrival_seen' (sorted, before it publishes 'vid'); the first burst
     * to the running VM gives it what the hold kept after the last of
     * them. */
    atomic_bool arrival_wanted;
    atomic_uint64_t arrival_mac;
    atomic_bool arriving;
    atomic_bool announcing;
    atomic_llong announce_next;         /* msec. */
    atomic_llong announce_until;        /* msec: the hold's end. */
    atomic_uint announce_seq;           /* Sent since QEMU connected. */
    uint64_t arrival_seen[NAE_VHOST_ARRIVAL_SEEN];
    int n_arrival_seen;
    atomic_uint64_t n_announced;
    atomic_uint64_t arrival_copies;     /* Kept, but the VM had them. */
    atomic_uint64_t arrival_delivered;
    atomic_uint64_t arrival_unmatched;  /* No kept frame was the VM's. */

    /* Queue pair 0's rings lent to a VF.  'lend' is read by the data
     * path, which uses 'lend_vf' while it says NAE_LEND_LENT; both change
     * under 'lend_mutex', taken by the main thread and by rte_vhost's
     * (after 'nae_vhost_mutex').  'reclaim_wanted': rte_vhost's thread
     * waits for 'lend_mutex', perhaps holding the queues' locks that a
     * data path thread the main thread waits for is blocked on; the main
     * thread gives up a lend then. */
    struct ovs_mutex lend_mutex OVS_ACQ_AFTER(nae_vhost_mutex);
    atomic_int lend;                    /* enum nae_vhost_lend. */
    atomic_bool reclaim_wanted;
    struct nae_channel *lend_vf;
    int lend_vid OVS_GUARDED;
    uint64_t lend_refused OVS_GUARDED;  /* Session, or 0. */
    char *lend_error OVS_GUARDED;       /* Why. */
    atomic_uint64_t n_lent;
    atomic_uint64_t n_reclaimed;
    atomic_uint64_t n_taken_back;
    atomic_uint64_t n_lend_refused;
    atomic_uint64_t n_lend_aborted;
    atomic_uint64_t lend_tx_waits;
    atomic_uint64_t last_handover_us;   /* Written under 'lend_mutex'. */
    atomic_uint64_t max_handover_us;    /* Written under 'lend_mutex'. */
    atomic_uint64_t n_by_pmd;           /* Hand-overs the PMD did. */

    /* A hand-over the thread holding 'lend_mutex' asks the PMD thread that
     * polls queue pair 0 to do at its next poll (nae_vhost_poll()), and
     * waits for: the data path then waits only for that PMD's own few
     * microseconds, never for a thread that may lose its core mid-way.
     * The 'req_*' members belong to whoever moved 'req' last. */
    atomic_int req;                     /* enum nae_vhost_req. */
    struct nae_channel *req_vf;
    int req_vid;
    struct nae_vdpa_queue req_q[2];
    int req_error;
    long long int req_bursts_us;
    uint64_t req_us;

    /* In 'nae_vhost_list': changed under 'nae_vhost_mutex', read under RCU
     * by a data path thread looking for a migrated VM's hold. */
    struct rculist node;
    struct nae_channel_vhost chans[NAE_MAX_CHANNELS];  /* Queue pairs. */
};

static struct rculist nae_vhost_list;  /* Initialized by the first open. */
static bool nae_vhost_list_ready OVS_GUARDED_BY(nae_vhost_mutex);

static const struct nae_channel_class nae_channel_vhost_class;

static struct nae_channel_vhost *
nae_channel_vhost_cast(const struct nae_channel *chan)
{
    ovs_assert(chan->class == &nae_channel_vhost_class);
    return CONTAINER_OF(chan, struct nae_channel_vhost, up);
}

/* --- Lending the rings to a VF --------------------------------------- */

/* Waits until no data path thread is inside a burst of channel 'c'.  With
 * 'abortable', gives up (returns false) once rte_vhost's thread wants the
 * lend mutex. */
static bool
nae_channel_vhost_wait_idle(struct nae_channel_vhost *c, bool abortable)
{
    for (;;) {
        unsigned int users;
        bool wanted;

        atomic_read(&c->users, &users);
        if (!users) {
            return true;
        }
        atomic_read(&c->vh->reclaim_wanted, &wanted);
        if (abortable && wanted) {
            return false;
        }
        sched_yield();
    }
}

/* Records a hand-over that began at 'start' (time_usec()) and returns its
 * duration in microseconds: the time the data path waited. */
static uint64_t
nae_vhost_handover_done(struct nae_vhost *vh, long long int start)
    OVS_REQUIRES(vh->lend_mutex)
{
    uint64_t us = MAX(time_usec() - start, 0);
    uint64_t max = nae_stat_get(&vh->max_handover_us);

    atomic_store_relaxed(&vh->last_handover_us, us);
    if (us > max) {
        atomic_store_relaxed(&vh->max_handover_us, us);
    }
    return us;
}

/* The switch of a take-back, by whichever thread does it (the PMD, for
 * the holder of 'lend_mutex'): from MOVING until the rings are rte_vhost's
 * again, at a burst boundary of the NIC's, with the indexes to go on from.
 * Returns 0 or the NIC's error. */
static int
nae_vhost_back_switch(struct nae_vhost *vh, bool by_port,
                      struct nae_vdpa_queue q[2], long long int *bursts_us,
                      uint64_t *us)
    OVS_REQUIRES(vh->lend_mutex)
{
    struct nae_channel_vhost *c = &vh->chans[0];
    long long int start = time_usec();
    int error;

    atomic_store(&vh->lend, NAE_LEND_MOVING);
    nae_channel_vhost_wait_idle(c, false);
    *bursts_us = time_usec() - start;

    memset(q, 0, 2 * sizeof *q);
    error = nae_channel_vf_virtio_stop(vh->lend_vf, q);
    if (!error) {
        rte_vhost_set_vring_base(vh->lend_vid, NAE_VHOST_RXQ(0),
                                 q[0].last_avail_idx, q[0].last_used_idx);
        rte_vhost_set_vring_base(vh->lend_vid, NAE_VHOST_TXQ(0),
                                 q[1].last_avail_idx, q[1].last_used_idx);
        /* What the NIC took from the VM is no refusal of rte_vhost's
         * (nae_channel_vhost_audit_rx()). */
        c->rx_avail = q[1].last_avail_idx;
        c->rx_pending = false;
        c->rx_idle_polls = 0;
    }
    atomic_store(&vh->lend, by_port ? NAE_LEND_NONE : NAE_LEND_BACK);
    *us = nae_vhost_handover_done(vh, start);
    return error;
}

/* The switch of a lend, by whichever thread does it (the PMD, for the
 * holder of 'lend_mutex'): from MOVING until the NIC runs the rings of
 * device 'vid' from where rte_vhost left them, 'q' (addresses filled in)
 * taking the indexes.  Returns 0, ECANCELED if rte_vhost's thread wants
 * 'lend_mutex' first (the lend gives up), or the NIC's error; the rings
 * stay rte_vhost's but for 0. */
static int
nae_vhost_lend_switch(struct nae_vhost *vh, struct nae_channel *vf, int vid,
                      struct nae_vdpa_queue q[2], long long int *bursts_us,
                      uint64_t *us)
    OVS_REQUIRES(vh->lend_mutex)
{
    struct nae_channel_vhost *c = &vh->chans[0];
    long long int start = time_usec();
    int error;

    /* Until the NIC runs the rings, bursts wait (transmit) or come back
     * empty (receive). */
    atomic_store(&vh->lend, NAE_LEND_MOVING);
    if (!nae_channel_vhost_wait_idle(c, true)) {
        atomic_store(&vh->lend, NAE_LEND_NONE);
        return ECANCELED;
    }
    *bursts_us = time_usec() - start;
    for (int i = 0; i < 2; i++) {
        rte_vhost_get_vring_base(vid, i, &q[i].last_avail_idx,
                                 &q[i].last_used_idx);
    }
    error = nae_channel_vf_virtio_start(vf, q);
    if (error) {
        atomic_store(&vh->lend, NAE_LEND_NONE);
        return error;
    }
    vh->lend_vf = vf;
    vh->lend_vid = vid;
    atomic_store(&vh->lend, NAE_LEND_LENT);
    *us = nae_vhost_handover_done(vh, start);
    return 0;
}

/* Does the hand-over posted in 'vh->req' ('kind'), on behalf of the holder
 * of 'lend_mutex', who waits for NAE_REQ_DONE in nae_vhost_handover(). */
static void
nae_vhost_do_req(struct nae_vhost *vh, int kind)
    OVS_NO_THREAD_SAFETY_ANALYSIS
{
    if (kind == NAE_REQ_LEND) {
        vh->req_error = nae_vhost_lend_switch(vh, vh->req_vf, vh->req_vid,
                                              vh->req_q, &vh->req_bursts_us,
                                              &vh->req_us);
    } else {
        vh->req_error = nae_vhost_back_switch(vh, true, vh->req_q,
                                              &vh->req_bursts_us,
                                              &vh->req_us);
    }
    atomic_store_explicit(&vh->req, NAE_REQ_DONE, memory_order_release);
}

/* How long the holder of 'lend_mutex' waits for the PMD to take a posted
 * hand-over before it does it itself: no PMD polls queue pair 0 (its vring
 * is disabled), or the PMD is stalled. */
#define NAE_VHOST_PMD_WAIT_US 20000

/* Runs hand-over 'kind' (NAE_REQ_LEND or _BACK, its 'req_*' inputs set) on
 * the PMD thread that polls queue pair 0 (nae_vhost_poll()), or here if
 * none takes it within NAE_VHOST_PMD_WAIT_US or rte_vhost's thread wants
 * 'lend_mutex' first.  Returns with the outcome in 'req_*'. */
static void
nae_vhost_handover(struct nae_vhost *vh, int kind)
    OVS_REQUIRES(vh->lend_mutex)
{
    long long int deadline = time_usec() + NAE_VHOST_PMD_WAIT_US;

    atomic_store_explicit(&vh->req, kind, memory_order_release);
    for (;;) {
        bool wanted;
        int req;

        atomic_read_explicit(&vh->req, &req, memory_order_acquire);
        if (req == NAE_REQ_DONE) {
            break;
        }
        atomic_read(&vh->reclaim_wanted, &wanted);
        if (req == kind && (wanted || time_usec() >= deadline)) {
            int expected = kind;

            if (atomic_compare_exchange_strong(&vh->req, &expected,
                                               NAE_REQ_BUSY)) {
                nae_vhost_do_req(vh, kind);
                break;
            }
            continue;               /* The PMD took it just now. */
        }
        /* The data path does not wait for us meanwhile. */
        sched_yield();
    }
    atomic_store(&vh->req, NAE_REQ_NONE);
}

void
nae_vhost_poll(struct nae_vhost *vh)
{
    int req, expected;

    atomic_read_relaxed(&vh->req, &req);
    if (OVS_LIKELY(req != NAE_REQ_LEND && req != NAE_REQ_BACK)) {
        return;
    }
    expected = req;
    if (atomic_compare_exchange_strong(&vh->req, &expected, NAE_REQ_BUSY)) {
        nae_stat_add_shared(&vh->n_by_pmd, 1);
        nae_vhost_do_req(vh, req);
    }
}

/* Takes lent rings back from the VF (nae_vhost_back_switch()), on the
 * PMD if 'by_port' (nae_vhost_handover()), else here.  'by_port' false:
 * rte_vhost's thread, for a device event; software receive then waits for
 * nae_vhost_reclaim(). */
static void
nae_vhost_take_back(struct nae_vhost *vh, bool by_port)
    OVS_REQUIRES(vh->lend_mutex)
{
    struct nae_vdpa_queue *q = vh->req_q;
    long long int bursts_us;
    int lend, error;
    uint64_t us;

    atomic_read(&vh->lend, &lend);
    if (lend != NAE_LEND_LENT) {
        if (by_port && lend == NAE_LEND_BACK) {
            atomic_store(&vh->lend, NAE_LEND_NONE);
        }
        return;
    }
    if (by_port) {
        nae_vhost_handover(vh, NAE_REQ_BACK);
        error = vh->req_error;
        bursts_us = vh->req_bursts_us;
        us = vh->req_us;
    } else {
        error = nae_vhost_back_switch(vh, false, q, &bursts_us, &us);
    }
    if (error) {
        /* The rings stay where rte_vhost left them: the VM sees a stall
         * or duplicates until its driver resets the device. */
        VLOG_ERR("%s: the VF did not give the rings back (%s)", vh->owner,
                 ovs_strerror(error));
    }
    /* No burst uses the VF any more: unmapping the VM's memory from it
     * need not hold the data path up. */
    nae_channel_vf_virtio_detach(vh->lend_vf);
    vh->lend_vf = NULL;
    COVERAGE_INC(nae_vhost_take_back);
    nae_stat_add_shared(by_port ? &vh->n_reclaimed : &vh->n_taken_back, 1);
    VLOG_INFO("%s: the VM's rings are back in software in %"PRIu64" us, "
              "%lld us of it waiting for bursts (%s; rx %"PRIu16"/%"PRIu16
              ", tx %"PRIu16"/%"PRIu16")", vh->owner, us, bursts_us,
              by_port ? "the port's path switch" : "a device event",
              q[0].last_avail_idx, q[0].last_used_idx, q[1].last_avail_idx,
              q[1].last_used_idx);
}

/* rte_vhost's thread, under 'nae_vhost_mutex': the device is about to
 * change under lent rings. */
static void
nae_vhost_take_back_for_event(struct nae_vhost *vh)
    OVS_NO_THREAD_SAFETY_ANALYSIS
{
    /* A lend under way gives up rather than wait for bursts that may be
     * blocked on the queue locks this thread holds. */
    atomic_store(&vh->reclaim_wanted, true);
    ovs_mutex_lock(&vh->lend_mutex);
    atomic_store(&vh->reclaim_wanted, false);
    nae_vhost_take_back(vh, false);
    ovs_mutex_unlock(&vh->lend_mutex);
}

/* --- rte_vhost's thread ----------------------------------------------- */

/* Finds the socket 'vid' came in on, calls 'fn' on it under the list's
 * mutex, then tells the port, outside it (nae_vhost_close() unregisters
 * the socket, which waits for a callback in progress, before it frees
 * anything).  Returns false if 'vid' is none of ours. */
static bool
nae_vhost_with(int vid, void (*fn)(struct nae_vhost *, int vid, void *),
               void *arg)
{
    nae_vhost_changed_cb *changed = NULL;
    char ifname[PATH_MAX];
    struct nae_vhost *vh;
    void *aux = NULL;
    bool found = false;

    if (rte_vhost_get_ifname(vid, ifname, sizeof ifname)) {
        return false;
    }
    ovs_mutex_lock(&nae_vhost_mutex);
    RCULIST_FOR_EACH_PROTECTED (vh, node, &nae_vhost_list) {
        if (!strcmp(vh->path, ifname)) {
            fn(vh, vid, arg);
            changed = vh->changed;
            aux = vh->aux;
            found = true;
            break;
        }
    }
    ovs_mutex_unlock(&nae_vhost_mutex);
    if (changed) {
        changed(aux);
    }
    return found;
}

/* The MAC of the VM a port expects. */
static struct eth_addr
nae_vhost_arrival_mac(struct nae_vhost *vh)
{
    struct eth_addr ea;
    uint64_t mac;

    atomic_read_relaxed(&vh->arrival_mac, &mac);
    eth_addr_from_uint64(mac, &ea);
    return ea;
}

static int
nae_vhost_compare_u64(const void *a_, const void *b_)
{
    uint64_t a = *(const uint64_t *) a_, b = *(const uint64_t *) b_;

    return a < b ? -1 : a > b;
}

static const void *
nae_vhost_map(void *mem_, uint64_t gpa, uint64_t len)
{
    struct rte_vhost_memory *mem = mem_;
    uint64_t mapped = len;
    uintptr_t va = rte_vhost_va_from_guest_pa(mem, gpa, &mapped);

    return va && mapped >= len ? (const void *) va : NULL;
}

/* Reads into 'arrival_seen' the hashes of the last frames the VM received
 * where it ran before it came here by migration (nae-vring-peek.h), from
 * its receive ring of queue pair 0. */
static void
nae_vhost_read_arrival(struct nae_vhost *vh, int vid, uint64_t features)
{
    struct rte_vhost_memory *mem = NULL;
    struct rte_vhost_vring vr;
    int n = 0;

    if (!rte_vhost_get_vhost_vring(vid, NAE_VHOST_RXQ(0), &vr)
        && !rte_vhost_get_mem_table(vid, &mem)) {
        n = nae_vring_peek_received(vr.desc, vr.used, vr.size, features,
                                    nae_vhost_map, mem, vh->arrival_seen,
                                    NAE_VHOST_ARRIVAL_SEEN);
    }
    free(mem);
    qsort(vh->arrival_seen, n, sizeof vh->arrival_seen[0],
          nae_vhost_compare_u64);
    vh->n_arrival_seen = n;
}

static void
nae_vhost_device_up(struct nae_vhost *vh, int vid, void *arg OVS_UNUSED)
{
    uint64_t features = 0;
    size_t n_vrings = rte_vhost_get_vring_num(vid);
    int n_qp = n_vrings / 2;

    rte_vhost_get_negotiated_features(vid, &features);
    for (size_t i = 0; i < n_vrings; i++) {
        struct rte_vhost_vring vring;

        /* We poll: the VM need not kick us. */
        rte_vhost_enable_guest_notification(vid, i, 0);

        /* rte_vhost reports a vring's state change only while the device
         * runs; one QEMU set up before (as after a reconnection) is
         * enabled.  Those it disables later are reported. */
        if (i < ARRAY_SIZE(vh->vring_enabled)
            && !rte_vhost_get_vhost_vring(vid, i, &vring) && vring.desc) {
            atomic_store(&vh->vring_enabled[i], true);
        }
    }
    for (int i = 0; i < n_qp && i < NAE_MAX_CHANNELS; i++) {
        uint16_t last_avail = 0, last_used;

        rte_vhost_get_vring_base(vid, NAE_VHOST_TXQ(i), &last_avail,
                                 &last_used);
        atomic_store_relaxed(&vh->start_avail[i], last_avail);
    }
    bool arriving;
    atomic_read(&vh->arriving, &arriving);
    if (arriving) {
        nae_vhost_read_arrival(vh, vid, features);
        atomic_store_relaxed(&vh->announcing, false);
    }
    atomic_store_relaxed(&vh->features, features);
    atomic_store_relaxed(&vh->n_queue_pairs, n_qp);
    nae_stat_add_shared(&vh->sessions, 1);
    atomic_store(&vh->vid, vid);
    VLOG_INFO("%s: VM device %d started on %s: %d queue pair(s), virtio "
              "features 0x%"PRIx64, vh->owner, vid, vh->path, n_qp, features);
}

static int
nae_vhost_new_device(int vid)
{
    COVERAGE_INC(nae_vhost_new_device);
    return nae_vhost_with(vid, nae_vhost_device_up, NULL) ? 0 : -1;
}

/* Waits until no data path thread is inside a burst on 'vh': they read
 * 'vid' after announcing themselves in 'users'. */
static void
nae_vhost_quiesce(struct nae_vhost *vh)
{
    for (int i = 0; i < NAE_MAX_CHANNELS; i++) {
        unsigned int users;

        for (;;) {
            atomic_read(&vh->chans[i].users, &users);
            if (!users) {
                break;
            }
            sched_yield();
        }
    }
}

/* QEMU stops a VM it migrates with dirty-page logging still on, first
 * disabling its queues, then stopping the device: from the first of these
 * (before a data path thread can see it, so that nothing falls between)
 * until the VM's announcement on its new port moves its traffic there,
 * keep what comes for it. */
static void
nae_vhost_hold_start(struct nae_vhost *vh)
{
    struct eth_addr mac = eth_addr_zero;
    uint64_t features;

    atomic_read_relaxed(&vh->features, &features);
    if (!RTE_VHOST_NEED_LOG(features) || nae_hold_is_active(&vh->hold)) {
        return;
    }
    for (int i = 0; i < NAE_MAX_CHANNELS && eth_addr_is_zero(mac); i++) {
        mac = vh->chans[i].rx_mac;
    }
    nae_hold_start(&vh->hold, mac, time_msec(), NAE_VHOST_HOLD_MS);
    VLOG_INFO("%s: VM "ETH_ADDR_FMT" stopped for migration: keeping frames "
              "for its new port for up to %d ms", vh->owner,
              ETH_ADDR_ARGS(mac), NAE_VHOST_HOLD_MS);
}

static void
nae_vhost_device_down(struct nae_vhost *vh, int vid, void *arg OVS_UNUSED)
{
    int cur;

    atomic_read(&vh->vid, &cur);
    if (cur != vid) {
        return;
    }

    nae_vhost_hold_start(vh);
    /* rte_vhost answers QEMU's GET_VRING_BASE with its indexes once we
     * return: the NIC's must be there. */
    nae_vhost_take_back_for_event(vh);
    atomic_store(&vh->vid, -1);
    for (size_t i = 0; i < ARRAY_SIZE(vh->vring_enabled); i++) {
        atomic_store_relaxed(&vh->vring_enabled[i], false);
    }
    /* rte_vhost unmaps the VM's memory when we return. */
    nae_vhost_quiesce(vh);
    VLOG_INFO("%s: VM device %d stopped", vh->owner, vid);
}

static void
nae_vhost_destroy_device(int vid)
{
    COVERAGE_INC(nae_vhost_destroy_device);
    nae_vhost_with(vid, nae_vhost_device_down, NULL);
}

struct nae_vring_change {
    uint16_t queue_id;
    bool enable;
};

static void
nae_vhost_vring_change(struct nae_vhost *vh, int vid OVS_UNUSED, void *arg)
{
    const struct nae_vring_change *c = arg;

    if (c->queue_id >= ARRAY_SIZE(vh->vring_enabled)) {
        return;
    }
    VLOG_DBG("%s: vring %"PRIu16" %s", vh->owner, c->queue_id,
             c->enable ? "enabled" : "disabled");
    if (!c->enable && c->queue_id % 2 == 0) {
        nae_vhost_hold_start(vh);       /* A to-VM queue. */
    }
    if (!c->enable && c->queue_id < 2) {
        nae_vhost_take_back_for_event(vh);
    }
    /* rte_vhost holds every queue's lock while it calls us here: a data
     * path thread may be waiting for one inside a burst, so do not wait
     * for bursts into rte_vhost (what a burst then gives a disabled queue
     * goes to the hold) nor send anything.  Taking lent rings back waits
     * only for bursts through the VF, which take no queue lock. */
    atomic_store(&vh->vring_enabled[c->queue_id], c->enable);
}

static int
nae_vhost_vring_state_changed(int vid, uint16_t queue_id, int enable)
{
    struct nae_vring_change c = { .queue_id = queue_id, .enable = enable };

    return nae_vhost_with(vid, nae_vhost_vring_change, &c) ? 0 : -1;
}

static void
nae_vhost_features_change(struct nae_vhost *vh, int vid OVS_UNUSED,
                          void *arg)
{
    uint64_t features = *(uint64_t *) arg, old;

    atomic_read_relaxed(&vh->features, &old);
    if (RTE_VHOST_NEED_LOG(features) != RTE_VHOST_NEED_LOG(old)) {
        VLOG_INFO("%s: dirty-page logging %s (QEMU %s)", vh->owner,
                  RTE_VHOST_NEED_LOG(features) ? "on" : "off",
                  RTE_VHOST_NEED_LOG(features) ? "migrates the VM"
                                               : "ended a migration");
    }
    if (features != old) {
        /* The NIC runs the rings with the features it was given, and logs
         * no dirty pages: software must, from now on. */
        nae_vhost_take_back_for_event(vh);
    }
    atomic_store_relaxed(&vh->features, features);
}

static int
nae_vhost_features_changed(int vid, uint64_t features)
{
    return nae_vhost_with(vid, nae_vhost_features_change, &features) ? 0 : -1;
}

/* QEMU connected or went.  A port that expects a VM by migration keeps
 * its traffic from QEMU's connection until the VM runs, and announces it
 * now (OVN's activation-strategy=rarp then sends its traffic here too), not
 * when the VM resumes: then what comes for it during QEMU's downtime is
 * here. */
static void
nae_vhost_connection(struct nae_vhost *vh, int vid OVS_UNUSED, void *arg)
{
    bool up = *(bool *) arg, wanted, arriving;
    int cur;

    atomic_store_relaxed(&vh->connected, up);
    atomic_read(&vh->arrival_wanted, &wanted);
    atomic_read(&vh->arriving, &arriving);
    atomic_read(&vh->vid, &cur);
    if (up && wanted && cur < 0) {
        struct eth_addr mac = nae_vhost_arrival_mac(vh);

        nae_hold_start_arrival(&vh->hold, time_msec(), NAE_VHOST_ARRIVAL_MS);
        atomic_store(&vh->arriving, true);
        atomic_store_relaxed(&vh->announce_next, time_msec());
        atomic_store_relaxed(&vh->announce_until,
                             time_msec() + NAE_VHOST_ARRIVAL_MS);
        atomic_store_relaxed(&vh->announce_seq, 0);
        atomic_store(&vh->announcing, true);
        VLOG_INFO("%s: QEMU connected for VM "ETH_ADDR_FMT" (migration "
                  "destination): announcing it, keeping the latest %d "
                  "frames for it until it runs", vh->owner,
                  ETH_ADDR_ARGS(mac), NAE_VHOST_HOLD_MAX);
    } else if (!up && arriving) {
        atomic_store(&vh->arriving, false);
        atomic_store(&vh->announcing, false);
        nae_hold_stop(&vh->hold, NULL, NULL);
        VLOG_INFO("%s: QEMU went before the VM ran here; frames kept for "
                  "it dropped", vh->owner);
    }
}

static int
nae_vhost_new_connection(int vid)
{
    bool up = true;

    return nae_vhost_with(vid, nae_vhost_connection, &up) ? 0 : -1;
}

static void
nae_vhost_destroy_connection(int vid)
{
    bool up = false;

    nae_vhost_with(vid, nae_vhost_connection, &up);
}

static const struct rte_vhost_device_ops nae_vhost_ops;

/* --- Control path ----------------------------------------------------- */

static void
nae_vhost_destroy(struct nae_vhost *vh)
    OVS_NO_THREAD_SAFETY_ANALYSIS
{
    nae_hold_destroy(&vh->hold);
    ovs_mutex_destroy(&vh->lend_mutex);
    free(vh->lend_error);
    free(vh->owner);
    free(vh->path);
    free(vh);
}

/* Forgets 'vh', whose socket rte_vhost no longer has.  Another port's hold
 * may hand frames to its channels until it forgets them here, and a data
 * path thread may still look at it: it goes after an RCU grace period. */
static void
nae_vhost_free(struct nae_vhost *vh)
{
    struct nae_vhost *other;

    ovs_mutex_lock(&nae_vhost_mutex);
    RCULIST_FOR_EACH_PROTECTED (other, node, &nae_vhost_list) {
        for (int i = 0; other != vh && i < NAE_MAX_CHANNELS; i++) {
            nae_hold_forget(&other->hold, &vh->chans[i].up);
        }
    }
    rculist_remove(&vh->node);
    ovs_mutex_unlock(&nae_vhost_mutex);
    nae_hold_stop(&vh->hold, NULL, NULL);
    ovsrcu_postpone(nae_vhost_destroy, vh);
}

int
nae_vhost_open(const char *owner, const char *server_path, bool tso,
               nae_vhost_changed_cb *changed, void *aux,
               struct nae_vhost **vhp, char **errp)
{
    uint64_t flags = (RTE_VHOST_USER_CLIENT
                      /* dp_packets are one buffer. */
                      | RTE_VHOST_USER_LINEARBUF_SUPPORT);
    uint64_t unsupported;
    struct nae_vhost *vh;
    int err;

    /* Without the guest's own announcement, QEMU announces a migrated VM
     * itself the moment it resumes on the destination: it asks us for a
     * RARP with the VM's MAC (VHOST_USER_SEND_RARP), which rte_vhost puts
     * first in the next burst we receive, so the bridge learns the VM's
     * new port before the guest has run at all. */
    unsupported = 1ULL << VIRTIO_NET_F_GUEST_ANNOUNCE;
    if (tso) {
        /* Large frames from the VM in buffers of their size. */
        flags |= RTE_VHOST_USER_EXTBUF_SUPPORT;
        unsupported |= (1ULL << VIRTIO_NET_F_HOST_ECN
                        | 1ULL << VIRTIO_NET_F_HOST_UFO);
    } else {
        /* No checksum offload, and so none of what depends on it (TSO,
         * UFO, ECN), as the virtio spec says: a guest driver may still
         * accept HOST_ECN alone, which a VF in virtio mode refuses. */
        unsupported |= (1ULL << VIRTIO_NET_F_CSUM
                        | 1ULL << VIRTIO_NET_F_HOST_TSO4
                        | 1ULL << VIRTIO_NET_F_HOST_TSO6
                        | 1ULL << VIRTIO_NET_F_HOST_ECN
                        | 1ULL << VIRTIO_NET_F_HOST_UFO);
    }

    vh = xzalloc(sizeof *vh);
    vh->owner = xstrdup(owner);
    vh->path = xstrdup(server_path);
    vh->changed = changed;
    vh->aux = aux;
    vh->tso = tso;
    atomic_init(&vh->vid, -1);
    nae_hold_init(&vh->hold, NAE_VHOST_HOLD_MAX);
    ovs_mutex_init(&vh->lend_mutex);
    atomic_init(&vh->lend, NAE_LEND_NONE);
    atomic_init(&vh->reclaim_wanted, false);
    for (int i = 0; i < NAE_MAX_CHANNELS; i++) {
        struct nae_channel_vhost *c = &vh->chans[i];

        c->up.class = &nae_channel_vhost_class;
        c->vh = vh;
        c->qp = i;
        atomic_init(&c->users, 0);
    }

    ovs_mutex_lock(&nae_vhost_mutex);
    if (!nae_vhost_list_ready) {
        rculist_init(&nae_vhost_list);
        nae_vhost_list_ready = true;
    }
    rculist_push_back(&nae_vhost_list, &vh->node);
    ovs_mutex_unlock(&nae_vhost_mutex);

    err = rte_vhost_driver_register(server_path, flags);
    if (err) {
        *errp = xasprintf("%s: cannot register vhost-user client socket %s "
                          "(is it another port's?)", owner, server_path);
        goto error;
    }
    if (rte_vhost_driver_callback_register(server_path, &nae_vhost_ops)
        || rte_vhost_driver_disable_features(server_path, unsupported)
        || rte_vhost_driver_start(server_path)) {
        *errp = xasprintf("%s: cannot start the vhost-user client on %s",
                          owner, server_path);
        rte_vhost_driver_unregister(server_path);
        goto error;
    }
    VLOG_INFO("%s: vhost-user client of %s%s", owner, server_path,
              tso ? ", TSO" : "");
    *vhp = vh;
    return 0;

error:
    nae_vhost_free(vh);
    return EINVAL;
}

/* The port's data path no longer uses the channels. */
void
nae_vhost_close(struct nae_vhost *vh)
{
    if (!vh) {
        return;
    }
    /* Stops the device (destroy_device() runs here) and the callbacks.
     * rte_vhost refuses while one of its threads is inside a callback of
     * ours, which then still needs 'vh'. */
    for (int tries = 0; rte_vhost_driver_unregister(vh->path); tries++) {
        if (tries == 100) {
            VLOG_ERR("%s: rte_vhost keeps %s busy; leaking its state",
                     vh->owner, vh->path);
            return;
        }
        xnanosleep(10 * 1000 * 1000);
    }
    nae_vhost_free(vh);
}

void
nae_vhost_get_state(const struct nae_vhost *vh_, struct nae_vhost_state *st)
{
    struct nae_vhost *vh = CONST_CAST(struct nae_vhost *, vh_);
    int vid;

    memset(st, 0, sizeof *st);  /* The port hashes it, padding and all. */
    atomic_read(&vh->vid, &vid);
    atomic_read_relaxed(&vh->connected, &st->connected);
    st->running = vid >= 0;
    atomic_read_relaxed(&vh->features, &st->features);
    st->logging = RTE_VHOST_NEED_LOG(st->features) != 0;
    atomic_read_relaxed(&vh->n_queue_pairs, &st->n_queue_pairs);
    st->sessions = nae_stat_get(&vh->sessions);
    st->holding = nae_hold_is_active(&vh->hold);
    atomic_read_relaxed(&vh->arriving, &st->arriving);
    int lend;
    atomic_read(&vh->lend, &lend);
    st->lent = lend == NAE_LEND_LENT;
    if (!st->running) {
        st->n_queue_pairs = 0;
    }
}

struct nae_channel *
nae_vhost_channel(struct nae_vhost *vh, int i)
{
    ovs_assert(i >= 0 && i < NAE_MAX_CHANNELS);
    return &vh->chans[i].up;
}

void
nae_vhost_set_mempool(struct nae_vhost *vh, struct rte_mempool *mp,
                      uint32_t max_frame)
{
    for (int i = 0; i < NAE_MAX_CHANNELS; i++) {
        vh->chans[i].mp = mp;
        vh->chans[i].max_frame = max_frame;
    }
}

void
nae_vhost_set_arrival(struct nae_vhost *vh, bool wanted, struct eth_addr mac)
{
    atomic_store_relaxed(&vh->arrival_mac, eth_addr_to_uint64(mac));
    atomic_store(&vh->arrival_wanted, wanted);
}

bool
nae_vhost_announcing(const struct nae_vhost *vh)
{
    bool announcing;

    atomic_read_relaxed(&CONST_CAST(struct nae_vhost *, vh)->announcing,
                        &announcing);
    return announcing;
}

/* Ends a migration hold whose time is up.  Main thread, now and then. */
void
nae_vhost_run(struct nae_vhost *vh)
{
    nae_hold_run(&vh->hold, time_msec());
}

/* Data path: 'n' frames for the VM while it does not run.  If it left by
 * migration, its hold takes them (and their ownership) and returns true;
 * otherwise the caller drops them. */
bool
nae_vhost_hold_send(struct nae_vhost *vh, struct dp_packet **pkts, int n)
{
    if (OVS_LIKELY(!nae_hold_is_active(&vh->hold))) {
        return false;
    }
    nae_hold_send(&vh->hold, pkts, n, time_msec());
    return true;
}

/* The guest-physical address of our mapping 'hva' of the VM's memory, or
 * 0 if it is in none of its regions. */
static uint64_t
nae_vhost_hva_to_gpa(const struct rte_vhost_memory *mem, const void *hva)
{
    uint64_t a = (uintptr_t) hva;

    for (uint32_t i = 0; a && i < mem->nregions; i++) {
        const struct rte_vhost_mem_region *r = &mem->regions[i];

        if (a >= r->host_user_addr && a - r->host_user_addr < r->size) {
            return r->guest_phys_addr + (a - r->host_user_addr);
        }
    }
    return 0;
}

bool
nae_vhost_can_lend(const struct nae_vhost *vh_, const char **why)
    OVS_NO_THREAD_SAFETY_ANALYSIS
{
    struct nae_vhost *vh = CONST_CAST(struct nae_vhost *, vh_);
    struct nae_vhost_state st;
    bool rx, tx;

    nae_vhost_get_state(vh, &st);
    atomic_read_relaxed(&vh->vring_enabled[NAE_VHOST_RXQ(0)], &rx);
    atomic_read_relaxed(&vh->vring_enabled[NAE_VHOST_TXQ(0)], &tx);
    /* 'lend_refused' and 'lend_error' change only on this thread. */
    *why = (!st.running ? "the VM's device is not running"
            : st.n_queue_pairs != 1 ? "the VM has several queue pairs (a "
                                      "VF in virtio mode runs one)"
            : !rx || !tx ? "the VM's driver has not enabled its queues"
            : st.logging ? "QEMU migrates the VM (software logs the pages "
                           "it dirties)"
            : vh->lend_refused == st.sessions ? vh->lend_error
            : NULL);
    return !*why;
}

int
nae_vhost_lend(struct nae_vhost *vh, struct nae_channel *vf, char **errp)
{
    struct nae_vdpa_region regions[NAE_VDPA_MAX_REGIONS];
    struct rte_vhost_memory *mem = NULL;
    struct nae_vdpa_queue q[2];
    uint64_t features, session;
    const char *why;
    int vid, lend, error = 0;

    ovs_mutex_lock(&vh->lend_mutex);
    atomic_read(&vh->lend, &lend);
    if (lend == NAE_LEND_LENT) {
        goto out;
    }
    if (lend == NAE_LEND_BACK || !nae_vhost_can_lend(vh, &why)) {
        *errp = xstrdup(lend == NAE_LEND_BACK
                        ? "the rings were just taken back" : why);
        error = EAGAIN;
        goto out;
    }
    atomic_read(&vh->vid, &vid);
    atomic_read_relaxed(&vh->features, &features);
    session = nae_stat_get(&vh->sessions);

    /* The VM's memory and rings, as the NIC's IOMMU and queue registers
     * would be programmed. */
    memset(q, 0, sizeof q);
    if (rte_vhost_get_mem_table(vid, &mem) || !mem->nregions
        || mem->nregions > NAE_VDPA_MAX_REGIONS) {
        *errp = xstrdup("the VM's memory table is unreadable");
        error = EINVAL;
        goto out;
    }
    for (uint32_t i = 0; i < mem->nregions; i++) {
        const struct rte_vhost_mem_region *r = &mem->regions[i];

        regions[i] = (struct nae_vdpa_region) {
            .guest_phys_addr = r->guest_phys_addr,
            .size = r->size,
            .fd = r->fd,
            .fd_offset = r->host_user_addr - (uintptr_t) r->mmap_addr,
            .mmap_size = r->mmap_size,
        };
    }
    for (int i = 0; i < 2; i++) {
        struct rte_vhost_vring vr;

        if (rte_vhost_get_vhost_vring(vid, i, &vr)) {
            error = EINVAL;
            break;
        }
        q[i].desc = nae_vhost_hva_to_gpa(mem, vr.desc);
        q[i].avail = nae_vhost_hva_to_gpa(mem, vr.avail);
        q[i].used = nae_vhost_hva_to_gpa(mem, vr.used);
        q[i].size = vr.size;
        q[i].callfd = vr.callfd;
        if (!q[i].desc || !q[i].avail || !q[i].used) {
            error = EINVAL;
        }
    }
    if (error) {
        *errp = xstrdup("the VM's rings are outside its memory table");
        goto refused;
    }
    error = nae_channel_vf_virtio_attach(vf, regions, mem->nregions,
                                         features);
    if (error) {
        *errp = xasprintf("the VF's virtio mode refused the VM's memory or "
                          "features 0x%"PRIx64" (%s)", features,
                          ovs_strerror(error));
        goto refused;
    }

    /* The switch itself, on the PMD. */
    memcpy(vh->req_q, q, sizeof q);
    vh->req_vf = vf;
    vh->req_vid = vid;
    nae_vhost_handover(vh, NAE_REQ_LEND);
    error = vh->req_error;
    memcpy(q, vh->req_q, sizeof q);
    if (error == ECANCELED) {
        nae_channel_vf_virtio_detach(vf);
        nae_stat_add_shared(&vh->n_lend_aborted, 1);
        *errp = xstrdup("a device event came first");
        error = EAGAIN;
        goto out;
    } else if (error) {
        nae_channel_vf_virtio_detach(vf);
        *errp = xasprintf("the VF's virtio mode refused the VM's rings (%s)",
                          ovs_strerror(error));
        goto refused;
    }
    COVERAGE_INC(nae_vhost_lend);
    nae_stat_add_shared(&vh->n_lent, 1);
    VLOG_INFO("%s: the VM's rings are lent to the VF in %"PRIu64" us, "
              "%lld us of it waiting for bursts (rx %"PRIu16"/%"PRIu16", tx "
              "%"PRIu16"/%"PRIu16")", vh->owner, vh->req_us,
              vh->req_bursts_us, q[0].last_avail_idx, q[0].last_used_idx,
              q[1].last_avail_idx, q[1].last_used_idx);
    goto out;

refused:
    /* Not again for this device: its memory, rings and features stay. */
    vh->lend_refused = session;
    free(vh->lend_error);
    vh->lend_error = xstrdup(*errp);
    nae_stat_add_shared(&vh->n_lend_refused, 1);
out:
    ovs_mutex_unlock(&vh->lend_mutex);
    free(mem);
    return error;
}

void
nae_vhost_reclaim(struct nae_vhost *vh)
{
    ovs_mutex_lock(&vh->lend_mutex);
    nae_vhost_take_back(vh, true);
    ovs_mutex_unlock(&vh->lend_mutex);
}

bool
nae_vhost_taken_back(const struct nae_vhost *vh_)
{
    struct nae_vhost *vh = CONST_CAST(struct nae_vhost *, vh_);
    int lend;

    atomic_read(&vh->lend, &lend);
    return lend == NAE_LEND_BACK;
}

void
nae_vhost_get_lend_stats(const struct nae_vhost *vh,
                         struct nae_vhost_lend_stats *st)
{
    st->lent = nae_stat_get(&vh->n_lent);
    st->reclaimed = nae_stat_get(&vh->n_reclaimed);
    st->taken_back = nae_stat_get(&vh->n_taken_back);
    st->refused = nae_stat_get(&vh->n_lend_refused);
    st->aborted = nae_stat_get(&vh->n_lend_aborted);
    st->by_pmd = nae_stat_get(&vh->n_by_pmd);
    st->tx_waits = nae_stat_get(&vh->lend_tx_waits);
    st->last_handover_us = nae_stat_get(&vh->last_handover_us);
    st->max_handover_us = nae_stat_get(&vh->max_handover_us);
}

/* --- Channel class ---------------------------------------------------- */

/* The channels live in their 'struct nae_vhost'. */
static void
nae_channel_vhost_close(struct nae_channel *chan OVS_UNUSED)
{
}

static bool
nae_channel_vhost_enabled(const struct nae_channel_vhost *c, int vring)
{
    bool enabled;

    atomic_read_relaxed(&CONST_CAST(struct nae_channel_vhost *, c)
                        ->vh->vring_enabled[vring], &enabled);
    return enabled;
}

/* Both vrings of the queue pair are enabled by the VM's driver. */
static bool
nae_channel_vhost_link(const struct nae_channel *chan)
{
    const struct nae_channel_vhost *c = nae_channel_vhost_cast(chan);
    struct nae_vhost *vh = c->vh;
    int vid;

    atomic_read(&vh->vid, &vid);
    return (vid >= 0 && nae_channel_vhost_enabled(c, NAE_VHOST_RXQ(c->qp))
            && nae_channel_vhost_enabled(c, NAE_VHOST_TXQ(c->qp)));
}

static void
nae_channel_vhost_get_stats(const struct nae_channel *chan,
                            struct nae_channel_stats *stats)
{
    const struct nae_channel_vhost *c = nae_channel_vhost_cast(chan);

    stats->rx_packets = nae_stat_get(&c->rx_packets);
    stats->rx_bytes = nae_stat_get(&c->rx_bytes);
    stats->tx_packets = nae_stat_get(&c->tx_packets);
    stats->tx_bytes = nae_stat_get(&c->tx_bytes);
    stats->tx_dropped = (nae_stat_get(&c->tx_ring_full)
                         + nae_stat_get(&c->tx_not_running)
                         + nae_stat_get(&c->tx_oversize)
                         + nae_stat_get(&c->tx_no_mbuf));
}

void
nae_vhost_get_stats(const struct nae_vhost *vh, struct nae_channel_stats *st,
                    struct nae_vhost_drops *d)
{
    memset(st, 0, sizeof *st);
    memset(d, 0, sizeof *d);
    for (int i = 0; i < NAE_MAX_CHANNELS; i++) {
        const struct nae_channel_vhost *c = &vh->chans[i];

        st->rx_packets += nae_stat_get(&c->rx_packets);
        st->rx_bytes += nae_stat_get(&c->rx_bytes);
        st->tx_packets += nae_stat_get(&c->tx_packets);
        st->tx_bytes += nae_stat_get(&c->tx_bytes);
        d->ring_full += nae_stat_get(&c->tx_ring_full);
        d->not_running += nae_stat_get(&c->tx_not_running);
        d->over_mtu += nae_stat_get(&c->tx_oversize);
        d->no_mbuf += nae_stat_get(&c->tx_no_mbuf);
        d->rx_refused += nae_stat_get(&c->rx_refused);
        d->rx_stalls += nae_stat_get(&c->rx_stalls);
    }

    struct nae_hold_stats hs;
    nae_hold_get_stats(&vh->hold, &hs);
    d->held = hs.held;
    d->handed_over = hs.handed_over;
    d->hold_lost = hs.lost;
    st->tx_dropped = (d->ring_full + d->not_running + d->over_mtu + d->no_mbuf
                      + d->hold_lost);
}

static void
nae_channel_vhost_format(const struct nae_channel *chan, struct ds *s)
{
    const struct nae_channel_vhost *c = nae_channel_vhost_cast(chan);
    bool stalled;

    ds_put_format(s, ", virtio queue pair %d (vrings %s/%s)", c->qp,
                  nae_channel_vhost_enabled(c, NAE_VHOST_RXQ(c->qp))
                  ? "on" : "off",
                  nae_channel_vhost_enabled(c, NAE_VHOST_TXQ(c->qp))
                  ? "on" : "off");
    ds_put_format(s, "\n    tx dropped: VM ring full %"PRIu64", not running "
                  "%"PRIu64", over MTU %"PRIu64", no mbuf %"PRIu64,
                  nae_stat_get(&c->tx_ring_full),
                  nae_stat_get(&c->tx_not_running),
                  nae_stat_get(&c->tx_oversize),
                  nae_stat_get(&c->tx_no_mbuf));
    atomic_read_relaxed(&CONST_CAST(struct nae_channel_vhost *, c)
                        ->rx_stalled, &stalled);
    ds_put_format(s, "\n    from the VM: refused %"PRIu64", ring stalls "
                  "%"PRIu64"%s", nae_stat_get(&c->rx_refused),
                  nae_stat_get(&c->rx_stalls), stalled ? " (stuck now)" : "");
    if (!c->qp) {
        struct nae_hold_stats hs;

        /* The port's, shown once. */
        nae_hold_get_stats(&c->vh->hold, &hs);
        ds_put_format(s, "\n    migration hold: kept %"PRIu64", handed over "
                      "%"PRIu64", lost %"PRIu64"%s", hs.held, hs.handed_over,
                      hs.lost, (!hs.active ? ""
                                : hs.arrival ? " (keeping for the VM's "
                                               "arrival)"
                                : hs.claimed ? " (forwarding to the new port)"
                                : " (keeping)"));
        if (nae_stat_get(&c->vh->n_announced)) {
            ds_put_format(s, "\n    arrival: announced %"PRIu64", older "
                          "frames let go %"PRIu64", kept frames the VM had "
                          "received before %"PRIu64" (dropped), delivered "
                          "%"PRIu64", holds with none of the VM's frames "
                          "%"PRIu64,
                          nae_stat_get(&c->vh->n_announced), hs.let_go,
                          nae_stat_get(&c->vh->arrival_copies),
                          nae_stat_get(&c->vh->arrival_delivered),
                          nae_stat_get(&c->vh->arrival_unmatched));
        }
    }
}

/* Enters a burst through rte_vhost: returns the device's vid, or -1 (then
 * the caller must not touch the device, and has left already): no device,
 * or the rings are not rte_vhost's, as '*lendp' says (a receive burst
 * also waits, after rte_vhost's thread took them back, for the port). */
static int
nae_channel_vhost_enter(struct nae_channel_vhost *c, bool rx, int *lendp)
{
    unsigned int orig;
    int vid, lend;

    atomic_add(&c->users, 1, &orig);
    atomic_read(&c->vh->vid, &vid);
    if (c->qp) {
        lend = NAE_LEND_NONE;           /* Only queue pair 0 is lent. */
    } else {
        atomic_read(&c->vh->lend, &lend);
    }
    if (vid < 0 || (lend != NAE_LEND_NONE
                    && (rx || lend != NAE_LEND_BACK))) {
        atomic_sub(&c->users, 1, &orig);
        vid = -1;
    }
    *lendp = lend;
    return vid;
}

static void
nae_channel_vhost_leave(struct nae_channel_vhost *c)
{
    unsigned int orig;

    atomic_sub(&c->users, 1, &orig);
}

/* Accounts, after a dequeue of 'n' frames from the VM, for what rte_vhost
 * refused without telling us.  A descriptor chain it can map but not turn
 * into a frame (no longer than the virtio-net header, larger than our
 * buffers) it consumes and drops: the ring's index moves further than 'n'.
 * A chain it cannot map (an address outside the VM's memory, a loop, a
 * head index past the ring) it leaves at the head: the queue stops there
 * until the guest repairs the chain or resets the device, which hurts only
 * that VM; we count each such stop once.  Returns how many of the 'n'
 * frames took no buffer of the VM: rte_vhost made them up (QEMU's RARP,
 * first in the burst).  Called inside a burst. */
static int
nae_channel_vhost_audit_rx(struct nae_channel_vhost *c, int vid, int n)
{
    uint16_t vring = NAE_VHOST_TXQ(c->qp);
    uint16_t last_avail, last_used, consumed;
    uint64_t session;
    int made_up = 0;

    if (!n && ++c->rx_idle_polls < NAE_VHOST_STALL_POLLS) {
        return 0;
    }
    c->rx_idle_polls = 0;
    if (rte_vhost_get_vring_base(vid, vring, &last_avail, &last_used)) {
        return 0;
    }
    atomic_read_relaxed(&c->vh->sessions, &session);
    if (session != c->rx_session) {
        /* A new device: its ring starts where QEMU told rte_vhost. */
        atomic_read_relaxed(&c->vh->start_avail[c->qp], &c->rx_avail);
        c->rx_session = session;
        c->rx_pending = false;
        atomic_store_relaxed(&c->rx_stalled, false);
    }

    consumed = last_avail - c->rx_avail;
    if (OVS_UNLIKELY(consumed > n)) {
        nae_stat_add(&c->rx_refused, consumed - n);
    } else {
        made_up = n - consumed;
    }
    if (consumed) {
        c->rx_pending = false;
        atomic_store_relaxed(&c->rx_stalled, false);
    } else if (!n) {
        struct rte_vhost_vring vr;
        bool pending, stalled;

        pending = (!rte_vhost_get_vhost_vring(vid, vring, &vr) && vr.avail
                   && (*(volatile uint16_t *) &vr.avail->idx) != last_avail);
        /* Two looks apart, and not for want of our own mbufs. */
        atomic_read_relaxed(&c->rx_stalled, &stalled);
        if (pending && c->rx_pending && !stalled
            && rte_mempool_avail_count(c->mp) >= NETDEV_MAX_BURST) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);

            atomic_store_relaxed(&c->rx_stalled, true);
            nae_stat_add(&c->rx_stalls, 1);
            VLOG_WARN_RL(&rl, "%s: queue pair %d: the VM's transmit ring is "
                         "stuck on a descriptor chain outside its memory, "
                         "looping or past the ring (index %"PRIu16")",
                         c->vh->owner, c->qp, last_avail);
        }
        c->rx_pending = pending;
    }
    c->rx_avail = last_avail;
    return made_up;
}

/* QEMU announced its VM on this port with 'pkt', a RARP rte_vhost made up
 * (the guest cannot: it took no buffer of the VM).  If the VM left another
 * port of ours by migration, what that port kept for it comes here now,
 * before the announcement reaches the bridge. */
static void
nae_channel_vhost_announced(struct nae_channel_vhost *c,
                            const struct dp_packet *pkt)
{
    const struct eth_header *eth = dp_packet_data(pkt);
    struct nae_vhost *other;
    long long int now;

    if (dp_packet_size(pkt) < ETH_HEADER_LEN
        || eth->eth_type != htons(ETH_TYPE_RARP)) {
        return;
    }
    now = time_msec();
    RCULIST_FOR_EACH (other, node, &nae_vhost_list) {
        if (other != c->vh
            && nae_hold_claim(&other->hold, eth->eth_src, &c->up, now)) {
            static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 5);

            COVERAGE_INC(nae_vhost_hold_claimed);
            VLOG_INFO_RL(&rl, "%s: VM "ETH_ADDR_FMT" resumed here after "
                         "leaving %s: frames kept for it there handed over",
                         c->vh->owner, ETH_ADDR_ARGS(eth->eth_src),
                         other->owner);
        }
    }
}

/* Puts into empty 'pkt' the RARP QEMU announces a VM with ('mac' as
 * sender and target).  Not compose_rarp(): it moves the data to the start
 * of the buffer, and an mbuf then has no headroom for a tunnel header. */
static void
nae_vhost_put_rarp(struct dp_packet *pkt, struct eth_addr mac)
{
    struct eth_header *eth = dp_packet_put_uninit(pkt, sizeof *eth);
    struct arp_eth_header *arp = dp_packet_put_zeros(pkt, sizeof *arp);

    eth->eth_dst = eth_addr_broadcast;
    eth->eth_src = mac;
    eth->eth_type = htons(ETH_TYPE_RARP);
    arp->ar_hrd = htons(ARP_HRD_ETHERNET);
    arp->ar_pro = htons(ARP_PRO_IP);
    arp->ar_hln = sizeof arp->ar_sha;
    arp->ar_pln = sizeof arp->ar_spa;
    arp->ar_op = htons(ARP_OP_RARP);
    arp->ar_sha = mac;
    arp->ar_tha = mac;
    dp_packet_set_l3(pkt, arp);
    pkt->packet_type = htonl(PT_ETH);
}

/* The PMD polling queue pair 0 of a port that expects a VM: if an
 * announcement of it is due, makes it up in '*pkt' (a RARP from its MAC,
 * what QEMU sends when the VM resumes) and returns true. */
static bool
nae_channel_vhost_announce(struct nae_channel_vhost *c,
                           struct dp_packet **pkt)
{
    struct nae_vhost *vh = c->vh;
    long long int now = time_msec(), next, until;
    struct rte_mbuf *m;
    unsigned int sent;

    atomic_read_relaxed(&vh->announce_next, &next);
    if (now < next) {
        return false;
    }
    atomic_read_relaxed(&vh->announce_until, &until);
    if (now >= until) {
        atomic_store_relaxed(&vh->announcing, false);   /* Gave up. */
        return false;
    }
    m = rte_pktmbuf_alloc(c->mp);
    if (!m) {
        return false;                   /* At the next poll. */
    }
    /* As QEMU's announce timer (at once, then 50, 100, 100, 100 ms apart),
     * then every second until the VM runs, in case the chassis bound the
     * port only later. */
    atomic_read_relaxed(&vh->announce_seq, &sent);
    atomic_store_relaxed(&vh->announce_seq, ++sent);
    atomic_store_relaxed(&vh->announce_next,
                         now + (sent == 1 ? 50 : sent <= 4 ? 100 : 1000));
    nae_stat_add(&vh->n_announced, 1);
    *pkt = CONTAINER_OF(m, struct dp_packet, mbuf);
    nae_vhost_put_rarp(*pkt, nae_vhost_arrival_mac(vh));
    return true;
}

static int
nae_channel_vhost_rx_burst(struct nae_channel *chan, struct dp_packet **pkts,
                           int max)
{
    struct nae_channel_vhost *c = nae_channel_vhost_cast(chan);
    uint64_t bytes = 0;
    int vid, n, made_up, lend;
    bool announcing;

    if (!c->qp) {
        atomic_read_relaxed(&c->vh->announcing, &announcing);
        if (OVS_UNLIKELY(announcing)
            && nae_channel_vhost_announce(c, pkts)) {
            return 1;
        }
    }
    if (!nae_channel_vhost_enabled(c, NAE_VHOST_TXQ(c->qp))) {
        return 0;
    }
    vid = nae_channel_vhost_enter(c, true, &lend);
    if (vid < 0) {
        /* Lent, what the VM sends comes up the VF's representor. */
        return 0;
    }
    /* rte_vhost validates every descriptor against the VM's memory table
     * and copies the frames into our mbufs. */
    n = rte_vhost_dequeue_burst(vid, NAE_VHOST_TXQ(c->qp), c->mp,
                                (struct rte_mbuf **) pkts, max);
    made_up = nae_channel_vhost_audit_rx(c, vid, n);
    nae_channel_vhost_leave(c);
    if (n) {
        const struct eth_header *eth = dp_packet_data(pkts[n - 1]);

        if (OVS_LIKELY(dp_packet_size(pkts[n - 1]) >= ETH_HEADER_LEN)) {
            c->rx_mac = eth->eth_src;
        }
        if (OVS_UNLIKELY(made_up)) {
            nae_channel_vhost_announced(c, pkts[0]);
        }
        for (int i = 0; i < n; i++) {
            bytes += dp_packet_size(pkts[i]);
        }
        nae_stat_add(&c->rx_packets, n);
        nae_stat_add(&c->rx_bytes, bytes);
    }
    return n;
}

/* What the virtio-net header needs of a frame OVS hands us for TSO or
 * checksum offload, as netdev-dpdk prepares its vhost ports' frames.
 * Returns false if the frame cannot be offloaded. */
static bool
nae_channel_vhost_prep_offload(struct rte_mbuf *m)
{
    struct dp_packet *pkt = CONTAINER_OF(m, struct dp_packet, mbuf);

    if (m->ol_flags & RTE_MBUF_F_TX_L4_MASK) {
        m->l2_len = (char *) dp_packet_l3(pkt) - (char *) dp_packet_eth(pkt);
        m->l3_len = (char *) dp_packet_l4(pkt) - (char *) dp_packet_l3(pkt);
        m->outer_l2_len = 0;
        m->outer_l3_len = 0;
    }
    if (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) {
        struct tcp_header *th = dp_packet_l4(pkt);

        if (!th) {
            return false;
        }
        m->l4_len = TCP_OFFSET(th->tcp_ctl) * 4;
        m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
    }
    return true;
}

/* Sends up to NETDEV_MAX_BURST frames to queue pair 'c' of the running
 * device 'vid'.  What the VM does not take is dropped, or given to the
 * port's migration hold if 'may_hold' (not while delivering from it). */
static void
nae_channel_vhost_enqueue__(struct nae_channel_vhost *c, int vid,
                            struct dp_packet **pkts, int n_pkts,
                            bool may_hold)
{
    struct rte_mbuf *mbufs[NETDEV_MAX_BURST];
    uint64_t no_mbuf = 0, oversize = 0, bytes = 0;
    int n = 0, sent = 0;

    n_pkts = nae_packets_to_mbufs(pkts, n_pkts, c->mp, mbufs, &no_mbuf);
    for (int i = 0; i < n_pkts; i++) {
        struct rte_mbuf *m = mbufs[i];

        if (OVS_UNLIKELY(m->nb_segs > 1
                         || (m->pkt_len > c->max_frame
                             && !(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG))
                         || (c->vh->tso
                             && !nae_channel_vhost_prep_offload(m)))) {
            rte_pktmbuf_free(m);
            oversize++;
            continue;
        }
        bytes += m->pkt_len;
        mbufs[n++] = m;
    }

    /* rte_vhost serializes the threads that send to one vring, copies the
     * frames into the VM's buffers, logs the pages it dirties and
     * interrupts the VM. */
    for (int tries = 0; sent < n && tries <= NAE_VHOST_TX_RETRIES; tries++) {
        int k = rte_vhost_enqueue_burst(vid, NAE_VHOST_RXQ(c->qp),
                                        mbufs + sent, n - sent);
        if (!k) {
            break;
        }
        if (tries) {
            COVERAGE_INC(nae_vhost_tx_retry);
        }
        sent += k;
    }

    for (int i = sent; i < n; i++) {
        bytes -= mbufs[i]->pkt_len;
    }
    if (OVS_UNLIKELY(sent < n) && may_hold
        && !nae_channel_vhost_enabled(c, NAE_VHOST_RXQ(c->qp))) {
        /* QEMU disabled the queue under this burst (rte_vhost then takes
         * nothing): if it stops the VM to migrate it, the hold takes the
         * rest. */
        struct dp_packet *rest[NETDEV_MAX_BURST];

        for (int i = sent; i < n; i++) {
            rest[i - sent] = CONTAINER_OF(mbufs[i], struct dp_packet, mbuf);
        }
        if (nae_vhost_hold_send(c->vh, rest, n - sent)) {
            n = sent;
        }
    }
    rte_pktmbuf_free_bulk(mbufs, n);
    nae_stat_add_shared(&c->tx_packets, sent);
    nae_stat_add_shared(&c->tx_bytes, bytes);
    if (OVS_UNLIKELY(sent < n)) {
        nae_stat_add_shared(&c->tx_ring_full, n - sent);
    }
    if (OVS_UNLIKELY(oversize)) {
        nae_stat_add_shared(&c->tx_oversize, oversize);
    }
    if (OVS_UNLIKELY(no_mbuf)) {
        nae_stat_add_shared(&c->tx_no_mbuf, no_mbuf);
    }
}

/* The same for any number of frames (a hold hands over more at once). */
static void
nae_channel_vhost_enqueue(struct nae_channel_vhost *c, int vid,
                          struct dp_packet **pkts, int n_pkts, bool may_hold)
{
    for (int i = 0; i < n_pkts; i += NETDEV_MAX_BURST) {
        nae_channel_vhost_enqueue__(c, vid, pkts + i,
                                    MIN(n_pkts - i, NETDEV_MAX_BURST),
                                    may_hold);
    }
}

struct nae_vhost_own {
    struct nae_channel_vhost *c;
    int vid;
    bool arrival;               /* An arrival hold's frames. */
};

/* Of the frames an arrival hold kept for a VM that now runs here, drops
 * those up to the last one the VM received before it came (its copies of
 * what it got where it ran until then) and returns how many are left, at
 * the front of 'pkts'. */
static int
nae_vhost_arrival_filter(struct nae_vhost *vh, struct dp_packet **pkts,
                         int n)
{
    int last = -1;

    for (int i = 0; i < n; i++) {
        uint64_t h = nae_vring_frame_hash(dp_packet_data(pkts[i]),
                                          dp_packet_size(pkts[i]));

        if (bsearch(&h, vh->arrival_seen, vh->n_arrival_seen,
                    sizeof h, nae_vhost_compare_u64)) {
            last = i;
        }
    }
    if (last < 0 && n) {
        nae_stat_add_shared(&vh->arrival_unmatched, 1);
    }
    for (int i = 0; i <= last; i++) {
        dp_packet_delete(pkts[i]);
    }
    memmove(pkts, pkts + last + 1, (n - last - 1) * sizeof *pkts);
    nae_stat_add_shared(&vh->arrival_copies, last + 1);
    nae_stat_add_shared(&vh->arrival_delivered, n - last - 1);
    return n - last - 1;
}

static void
nae_vhost_deliver_own(void *own_, struct dp_packet **pkts, int n)
{
    struct nae_vhost_own *own = own_;

    if (own->arrival) {
        n = nae_vhost_arrival_filter(own->c->vh, pkts, n);
    }
    nae_channel_vhost_enqueue(own->c, own->vid, pkts, n, false);
}

static void
nae_channel_vhost_tx_burst(struct nae_channel *chan, struct dp_packet **pkts,
                           int n_pkts)
{
    struct nae_channel_vhost *c = nae_channel_vhost_cast(chan);
    bool waited = false;
    int vid, lend;

    for (;;) {
        unsigned int orig;

        if (!nae_channel_vhost_enabled(c, NAE_VHOST_RXQ(c->qp))) {
            vid = -1;
            break;
        }
        vid = nae_channel_vhost_enter(c, false, &lend);
        if (OVS_LIKELY(vid >= 0) || lend == NAE_LEND_NONE
            || lend == NAE_LEND_BACK) {
            break;                      /* rte_vhost's, or no device. */
        }
        if (lend == NAE_LEND_LENT) {
            /* The NIC fills the VM's receive ring from its representor. */
            atomic_add(&c->users, 1, &orig);
            atomic_read(&c->vh->lend, &lend);
            if (lend == NAE_LEND_LENT) {
                nae_channel_tx_burst(c->vh->lend_vf, pkts, n_pkts);
                atomic_sub(&c->users, 1, &orig);
                return;
            }
            atomic_sub(&c->users, 1, &orig);
        } else if (!waited) {
            /* The rings change hands: what we send must land after what
             * the old owner queued and before what the new one will.  The
             * thread moving them waits for nothing of the data path's but
             * the bursts inside, and for the NIC's current burst: a few
             * microseconds. */
            waited = true;
            nae_stat_add_shared(&c->vh->lend_tx_waits, 1);
        }
    }
    if (vid < 0) {
        if (!nae_vhost_hold_send(c->vh, pkts, n_pkts)) {
            nae_stat_add_shared(&c->tx_not_running, n_pkts);
            nae_packets_free(pkts, n_pkts);
        }
        return;
    }
    if (OVS_UNLIKELY(nae_hold_is_active(&c->vh->hold))) {
        /* The VM runs here again (a new device, or the same one after
         * QEMU gave up its migration): what the port kept goes first,
         * unless the VM's new port claimed it. */
        struct nae_vhost_own own = { .c = c, .vid = vid };

        atomic_read(&c->vh->arriving, &own.arrival);
        nae_hold_stop(&c->vh->hold, nae_vhost_deliver_own, &own);
        if (own.arrival) {
            atomic_store(&c->vh->arriving, false);
        }
    }
    nae_channel_vhost_enqueue(c, vid, pkts, n_pkts, true);
    nae_channel_vhost_leave(c);
}

static const struct nae_channel_class nae_channel_vhost_class = {
    .type = "vhost",
    .close = nae_channel_vhost_close,
    .link = nae_channel_vhost_link,
    .get_stats = nae_channel_vhost_get_stats,
    .format = nae_channel_vhost_format,
    .rx_burst = nae_channel_vhost_rx_burst,
    .tx_burst = nae_channel_vhost_tx_burst,
};

static const struct rte_vhost_device_ops nae_vhost_ops = {
    .new_device = nae_vhost_new_device,
    .destroy_device = nae_vhost_destroy_device,
    .vring_state_changed = nae_vhost_vring_state_changed,
    .features_changed = nae_vhost_features_changed,
    .new_connection = nae_vhost_new_connection,
    .destroy_connection = nae_vhost_destroy_connection,
};
