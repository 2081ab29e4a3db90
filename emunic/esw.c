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

/* net_nae_esw: an emulated SR-IOV switchdev NIC, as a DPDK vdev driver.
 *
 *   --vdev net_nae_esw0,iface=veth0,vfs=4,flows=1024,shm_dir=/dev/shm
 *
 * creates one ethdev for the uplink (the PF, "net_nae_esw0") and one VF
 * representor ethdev per VF ("net_nae_esw0_representor_vf<N>", found by
 * OVS's dpdk-devargs "net_nae_esw0,representor=vf<N>").  Each VF's queues
 * live in a sealed memfd (esw-vf.h) that a guest maps: handed out on the
 * VF's unix socket (<shm_dir>/<name>-vf<N>) to whoever connects, or, for
 * a VF a host owner claimed (rte_pmd_nae_esw_vf_claim()), only by that
 * owner, which passes it to its guest over a channel of its own.  Every
 * assignment gets fresh memory: a previous holder's mapping is dead to the
 * NIC.  The uplink reaches a Linux interface through an AF_PACKET
 * socket.
 *
 * An "eswitch" thread plays the NIC's switching hardware: it takes frames
 * a VF transmits and frames from the wire, looks them up in the transfer
 * flow table that only rte_flow programs (esw-flow.c), and applies the
 * rule's actions; a miss goes up the source's representor (for a VF) or
 * the uplink ethdev (for the wire), where OVS receives it.  What OVS
 * transmits on a representor goes to its VF; on the uplink, to the wire.
 * README says what it models and what it does not. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1           /* memfd_create(), accept4(), pipe2() */
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <ethdev_vdev.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "esw-flow.h"
#include "esw-virtio.h"
#include "rte_pmd_nae_esw.h"

#ifndef CONTAINER_OF
#define CONTAINER_OF(POINTER, STRUCT, MEMBER)                           \
    ((STRUCT *) (void *) ((char *) (POINTER) - offsetof(STRUCT, MEMBER)))
#endif

#define ESW_MAX_VFS 64
#define ESW_DEFAULT_VFS 4
#define ESW_DEFAULT_FLOWS 1024
#define ESW_MAX_FLOWS (1024 * 1024)
#define ESW_RX_RING 1024
#define ESW_BURST 32
#define ESW_IDLE_NS 50000       /* The eswitch thread's nap when idle. */
#define ESW_HEADROOM 8          /* Room for two pushed VLAN tags. */

RTE_LOG_REGISTER_DEFAULT(esw_logtype, NOTICE);
#define ESW_LOG(LEVEL, ...) \
    rte_log(RTE_LOG_ ## LEVEL, esw_logtype, "net_nae_esw: " __VA_ARGS__)

enum esw_port_kind { ESW_UPLINK, ESW_REPR };

/* One ethdev: the uplink or a representor. */
struct esw_port {
    struct esw_flow_switch *flow_switch;    /* First: see esw-flow.h. */
    struct esw_nic *nic;
    struct rte_eth_dev *dev;
    enum esw_port_kind kind;
    int vf;                             /* ESW_REPR only. */
    struct rte_ring *rx_ring;           /* Misses for OVS: SP/SC mbufs. */
    struct rte_mempool *mp;             /* From rx_queue_setup(). */
    bool started;
    struct rte_ether_addr mac;
    /* Updated by the eswitch thread (rx) and the transmitting thread. */
    atomic_uint_fast64_t rx_packets, rx_bytes, rx_missed;
    atomic_uint_fast64_t tx_packets, tx_bytes, tx_errors;
};

/* A VF in virtio mode (a vDPA VF, rte_pmd_nae_esw_vf_virtio_attach()):
 * its queues are a VM's virtio rings, in the VM's memory as the NIC maps
 * it. */
struct esw_vio {
    struct esw_vio_mem mem;
    void *maps[ESW_VIO_MAX_REGIONS];
    size_t map_lens[ESW_VIO_MAX_REGIONS];
    uint64_t features;
    struct esw_vq rxq;                  /* The VM receives. */
    struct esw_vq txq;                  /* The VM transmits. */
    bool running;                       /* Between start and stop. */
    bool busy;                          /* Switching frames it took. */
};

/* Unmaps the VM's memory and frees 'vio'. */
static void
esw_vio_unmap(struct esw_vio *vio)
{
    for (int i = 0; i < vio->mem.n; i++) {
        munmap(vio->maps[i], vio->map_lens[i]);
    }
    free(vio);
}

/* A VF.  Its queues are the current generation's memfd, mapped at 'shm';
 * the guest is untrusted, so everything the NIC obeys is here, not there:
 * whether the VF is enabled, and the NIC's own ring indices (it writes
 * them to the shared memory for the guest and never reads them back). */
struct esw_vf {
    /* Under 'lock': the eswitch thread, tx_burst and the API. */
    rte_spinlock_t lock;
    struct esw_vf_shm *shm;             /* NULL while withdrawn. */
    int memfd;                          /* Of 'shm', or -1. */
    uint32_t gen;                       /* Generations handed out. */
    uint32_t to_head;                   /* Our producer index. */
    uint32_t from_tail;                 /* Our consumer index. */
    uint8_t mac[6];
    atomic_bool enabled;
    bool claimed;                       /* The socket hands out nothing. */
    struct esw_vio *vio;                /* Virtio mode, or NULL. */
    struct esw_vq_stats vio_closed;     /* Of virtio queues stopped before,
                                         * over the VF's life. */
    uint64_t vio_attaches;              /* Times put in virtio mode. */

    char path[108];                     /* The VF's socket. */
    int lsock;                          /* Listening on 'path', or -1. */
    /* Orderly hot-unplug asked for (rte_pmd_nae_esw_vf_request_eject()):
     * the representor's link is down until the host lets the VF go. */
    atomic_bool eject_requested;
    atomic_uint_fast64_t tx_refused;    /* Bad lengths from the guest. */
    atomic_uint_fast64_t tx_bad_index;  /* Rounds its head was a lie. */
    atomic_uint_fast64_t rx_full;       /* Its receive ring was full. */
    atomic_uint_fast64_t rx_down;       /* It was withdrawn. */
    atomic_uint_fast64_t handed_out;    /* Memory given to a guest. */
    atomic_uint_fast64_t refused;       /* Socket connections refused. */
};

#define ESW_NAME_MAX 40          /* Leaves room for "_representor_vfNN". */

struct esw_nic {
    char name[ESW_NAME_MAX];
    uint16_t domain_id;
    int n_vfs;
    struct esw_port *uplink;
    struct esw_port *reprs[ESW_MAX_VFS];
    struct esw_vf vfs[ESW_MAX_VFS];
    int n_open;                         /* Ethdevs not yet closed. */
    int sock;                           /* AF_PACKET on 'iface', or -1. */
    char iface[IF_NAMESIZE];
    struct esw_flow_switch sw;          /* Its rules. */
    pthread_t thread;
    atomic_bool stop;
    /* The VF sockets' thread, and a pipe that wakes it to stop. */
    pthread_t ctl_thread;
    int ctl_wake[2];
    atomic_uint_fast64_t wire_tx_dropped;
    atomic_uint_fast64_t rule_drops;    /* DROP actions. */
    atomic_uint_fast64_t no_port_drops; /* To a port since closed. */
};

static const struct eth_dev_ops esw_ops;

static struct esw_port *
esw_port(struct rte_eth_dev *dev)
{
    return dev->data->dev_private;
}

/* The ethdev with 'port_id' if it belongs to 'nic', else NULL. */
static struct esw_port *
esw_nic_port(struct esw_nic *nic, uint16_t port_id)
{
    if (nic->uplink && nic->uplink->dev->data->port_id == port_id) {
        return nic->uplink;
    }
    for (int i = 0; i < nic->n_vfs; i++) {
        if (nic->reprs[i] && nic->reprs[i]->dev->data->port_id == port_id) {
            return nic->reprs[i];
        }
    }
    return NULL;
}

/* The rte_flow front end's questions (struct esw_flow_switch). */
static bool
esw_nic_has_port(const struct esw_flow_switch *sw, uint16_t port_id)
{
    struct esw_nic *nic = CONTAINER_OF(sw, struct esw_nic, sw);

    return esw_nic_port(nic, port_id) != NULL;
}

static uint16_t
esw_nic_proxy_port(const struct esw_flow_switch *sw, uint16_t port_id)
{
    struct esw_nic *nic = CONTAINER_OF(sw, struct esw_nic, sw);

    /* The uplink manages the switch; once it is closed, any port will do:
     * rules are the switch's, whichever port creates them. */
    return nic->uplink ? nic->uplink->dev->data->port_id : port_id;
}

/* VF memory.  Each generation is a memfd the NIC creates, sized for
 * 'struct esw_vf_shm' and sealed against shrinking and growing (and
 * further sealing), so that no guest can truncate it under the eswitch
 * thread (SIGBUS) or make it a different object. */

static int
esw_vf_new_memory(struct esw_vf *v, int vf, struct esw_vf_shm **shmp)
{
    int fd = memfd_create("nae-esw-vf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    struct esw_vf_shm *shm;

    if (fd < 0) {
        return -errno;
    }
    if (ftruncate(fd, sizeof *shm)
        || fcntl(fd, F_ADD_SEALS,
                 F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)) {
        int error = -errno;

        close(fd);
        return error;
    }
    shm = mmap(NULL, sizeof *shm, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (shm == MAP_FAILED) {
        int error = -errno;

        close(fd);
        return error;
    }
    shm->magic = ESW_VF_MAGIC;
    shm->version = ESW_VF_VERSION;
    shm->vf = vf;
    shm->slots = ESW_VF_SLOTS;
    shm->buf_size = ESW_VF_BUF;
    memcpy(shm->mac, v->mac, 6);
    shm->mtu = 1500;
    *shmp = shm;
    return fd;
}

/* Makes 'shm' (memfd 'fd'; NULL and -1 for none) the VF's queues, as a
 * new generation: the NIC stops using the previous memory at once, tells
 * its holder so ('enabled' = 0 there) and lets go of it.  A guest that
 * keeps mapping old memory only talks to itself. */
static void
esw_vf_install(struct esw_vf *v, struct esw_vf_shm *shm, int fd)
{
    struct esw_vf_shm *old;
    int old_fd;

    rte_spinlock_lock(&v->lock);
    old = v->shm;
    old_fd = v->memfd;
    v->shm = shm;
    v->memfd = fd;
    v->to_head = v->from_tail = 0;
    if (shm) {
        shm->generation = ++v->gen;
        __atomic_store_n(&shm->enabled, atomic_load(&v->enabled),
                         __ATOMIC_RELEASE);
    }
    rte_spinlock_unlock(&v->lock);
    if (old) {
        __atomic_store_n(&old->enabled, 0, __ATOMIC_RELEASE);
        munmap(old, sizeof *old);
        close(old_fd);
    }
}

/* Gives the VF fresh memory.  Returns 0 or -errno (then the VF has none,
 * and counts as withdrawn). */
static int
esw_vf_renew(struct esw_vf *v, int vf)
{
    struct esw_vf_shm *shm = NULL;
    int fd = esw_vf_new_memory(v, vf, &shm);

    if (fd < 0) {
        esw_vf_install(v, NULL, -1);
        ESW_LOG(ERR, "VF %d: no memory for its queues: %s\n", vf,
                strerror(-fd));
        return fd;
    }
    esw_vf_install(v, shm, fd);
    return 0;
}

/* Hot-unplug: the VF stops, and its memory is revoked; a replug gives it
 * new memory. */
static void
esw_vf_withdraw(struct esw_vf *v)
{
    atomic_store(&v->enabled, false);
    esw_vf_install(v, NULL, -1);
}

/* Hands the VF's memory to the guest on connection 'conn': one record
 * (ESW_VF_MAGIC, VF, generation) carrying the memfd. */
static int
esw_vf_send_memory(struct esw_vf *v, int conn)
{
    uint32_t hello[3] = { ESW_VF_MAGIC, 0, 0 };
    union {
        struct cmsghdr cm;
        char buf[CMSG_SPACE(sizeof(int))];
    } cmsgbuf;
    struct iovec iov = { .iov_base = hello, .iov_len = sizeof hello };
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = &cmsgbuf, .msg_controllen = sizeof cmsgbuf,
    };
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    int fd, error = 0;

    rte_spinlock_lock(&v->lock);
    fd = v->memfd >= 0 ? dup(v->memfd) : -1;
    hello[1] = v->shm ? v->shm->vf : 0;
    hello[2] = v->gen;
    rte_spinlock_unlock(&v->lock);
    if (fd < 0) {
        return ENETDOWN;
    }
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
    if (sendmsg(conn, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) != sizeof hello) {
        error = errno ? errno : EPROTO;
    }
    close(fd);
    return error;
}

/* The VF sockets' thread.  A connection to an enabled VF that no host
 * owner claimed takes it over: the VF gets fresh memory (the previous
 * holder's is revoked) and the connection gets it.  Anything else is
 * refused, by closing the connection.  It may block (in poll()); it never
 * touches what the data path uses without the VF's lock. */
static void *
esw_ctl_thread(void *nic_)
{
    struct esw_nic *nic = nic_;
    struct pollfd pfds[ESW_MAX_VFS + 1];

    for (;;) {
        int n = 0;

        pfds[n++] = (struct pollfd) { .fd = nic->ctl_wake[0],
                                      .events = POLLIN };
        for (int i = 0; i < nic->n_vfs; i++) {
            pfds[n++] = (struct pollfd) { .fd = nic->vfs[i].lsock,
                                          .events = POLLIN };
        }
        if (poll(pfds, n, -1) < 0 && errno != EINTR) {
            return NULL;
        }
        if (pfds[0].revents) {
            return NULL;
        }
        for (int i = 0; i < nic->n_vfs; i++) {
            struct esw_vf *v = &nic->vfs[i];
            int conn;

            if (!(pfds[i + 1].revents & POLLIN)) {
                continue;
            }
            conn = accept4(v->lsock, NULL, NULL,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (conn < 0) {
                continue;
            }
            rte_spinlock_lock(&v->lock);
            bool free_vf = (!v->claimed && !v->vio
                            && atomic_load(&v->enabled));
            rte_spinlock_unlock(&v->lock);
            if (!free_vf || esw_vf_renew(v, i)
                || esw_vf_send_memory(v, conn)) {
                atomic_fetch_add(&v->refused, 1);
            } else {
                atomic_fetch_add(&v->handed_out, 1);
            }
            close(conn);
        }
    }
}

/* Delivery. */

static void
esw_to_wire(struct esw_nic *nic, const uint8_t *frame, uint32_t len)
{
    if (nic->sock < 0 || send(nic->sock, frame, len, MSG_DONTWAIT) < 0) {
        atomic_fetch_add(&nic->wire_tx_dropped, 1);
    }
}

/* esw_to_vf() for a VF in virtio mode, with its lock, which this
 * releases: the frame goes into the VM's receive queue, published by the
 * next esw_vio_flush(). */
static int
esw_to_vio(struct esw_vf *v, const uint8_t *frame, uint32_t len)
{
    struct esw_vio *vio = v->vio;
    int error;

    if (!vio->running || !atomic_load(&v->enabled)) {
        rte_spinlock_unlock(&v->lock);
        atomic_fetch_add(&v->rx_down, 1);
        return ENETDOWN;
    }
    error = esw_vq_push(&vio->rxq, &vio->mem, frame, len);
    rte_spinlock_unlock(&v->lock);
    return error == EINVAL ? EMSGSIZE : error;
}

/* Publishes what the NIC put in a virtio VF's receive queue, and
 * interrupts the VM if it asked. */
static void
esw_vio_flush(struct esw_vf *v)
{
    rte_spinlock_lock(&v->lock);
    if (v->vio && v->vio->running) {
        esw_vq_flush(&v->vio->rxq, false);
    }
    rte_spinlock_unlock(&v->lock);
}

/* Copies a frame into VF 'vf''s receive ring.  Returns 0, ENOBUFS if the
 * ring is full (not counted: the caller decides whether that is a drop),
 * or ENETDOWN/EMSGSIZE (counted drops). */
static int
esw_to_vf(struct esw_nic *nic, int vf, const uint8_t *frame, uint32_t len)
{
    struct esw_vf *v = &nic->vfs[vf];
    int error = ENOBUFS;

    if (len > ESW_VF_MAX_FRAME) {
        atomic_fetch_add(&v->rx_full, 1);
        return EMSGSIZE;
    }
    rte_spinlock_lock(&v->lock);
    if (v->vio) {
        return esw_to_vio(v, frame, len);
    }
    if (!atomic_load(&v->enabled) || !v->shm) {
        rte_spinlock_unlock(&v->lock);
        atomic_fetch_add(&v->rx_down, 1);
        return ENETDOWN;
    }
    struct esw_vf_ring *r = &v->shm->to_guest;
    uint32_t head = v->to_head;
    /* The guest's tail, untrusted: any value only makes us see the ring
     * fuller or emptier than it is; we write within it either way. */
    uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
    if (head - tail < ESW_VF_SLOTS) {
        uint32_t slot = head & (ESW_VF_SLOTS - 1);

        memcpy(r->buf[slot], frame, len);
        r->len[slot] = len;
        v->to_head = head + 1;
        __atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
        error = 0;
    }
    rte_spinlock_unlock(&v->lock);
    return error;
}

/* Hands a frame to OVS on ethdev 'p' (a miss, or PORT_REPRESENTOR). */
static void
esw_to_port(struct esw_port *p, const uint8_t *frame, uint32_t len)
{
    struct rte_mbuf *m;

    if (!p->started || !p->mp || !(m = rte_pktmbuf_alloc(p->mp))) {
        atomic_fetch_add(&p->rx_missed, 1);
        return;
    }
    if (len > rte_pktmbuf_tailroom(m)) {
        rte_pktmbuf_free(m);
        atomic_fetch_add(&p->rx_missed, 1);
        return;
    }
    memcpy(rte_pktmbuf_mtod(m, void *), frame, len);
    m->data_len = m->pkt_len = len;
    m->port = p->dev->data->port_id;
    if (rte_ring_sp_enqueue(p->rx_ring, m)) {
        rte_pktmbuf_free(m);
        atomic_fetch_add(&p->rx_missed, 1);
        return;
    }
    atomic_fetch_add(&p->rx_packets, 1);
    atomic_fetch_add(&p->rx_bytes, len);
}

/* "To the represented entity": the wire for the uplink, the VF for a
 * representor. */
static void
esw_to_represented(struct esw_nic *nic, struct esw_port *p,
                   const uint8_t *frame, uint32_t len)
{
    if (p->kind == ESW_UPLINK) {
        esw_to_wire(nic, frame, len);
    } else {
        if (esw_to_vf(nic, p->vf, frame, len) == ENOBUFS) {
            atomic_fetch_add(&nic->vfs[p->vf].rx_full, 1);
        }
    }
}

/* Applies a rule's actions, in order, to the frame at '*framep', which has
 * 'headroom' writable bytes before it, and delivers it. */
static void
esw_apply(struct esw_nic *nic, const struct esw_action *acts, int n,
          uint8_t **framep, uint32_t *lenp, int headroom)
{
    uint8_t *frame = *framep;
    uint32_t len = *lenp;

    for (int i = 0; i < n; i++) {
        const struct esw_action *a = &acts[i];
        struct esw_port *p;

        switch (a->type) {
        case ESW_ACT_COUNT:
            break;
        case ESW_ACT_DROP:
            atomic_fetch_add(&nic->rule_drops, 1);
            return;
        case ESW_ACT_TO_REPRESENTED:
        case ESW_ACT_TO_REPRESENTOR:
            p = esw_nic_port(nic, a->port);
            if (!p) {
                atomic_fetch_add(&nic->no_port_drops, 1);
            } else if (a->type == ESW_ACT_TO_REPRESENTED) {
                esw_to_represented(nic, p, frame, len);
            } else {
                esw_to_port(p, frame, len);
            }
            break;
        default:
            esw_rewrite(a, &frame, &len, &headroom);
            break;
        }
    }
    *framep = frame;
    *lenp = len;
}

/* Switches one frame that entered the switch at 'src' (the uplink for the
 * wire, a representor for its VF).  'frame' has ESW_HEADROOM writable
 * bytes before it, for pushed tags. */
static void
esw_switch(struct esw_nic *nic, struct esw_port *src, uint8_t *frame,
           uint32_t len)
{
    struct esw_action acts[ESW_MAX_ACTIONS];
    struct esw_key key;
    struct esw_rule *f;
    int n = 0;

    if (len < RTE_ETHER_HDR_LEN) {
        atomic_fetch_add(&src->rx_missed, 1);
        return;
    }
    key.in_port = src->dev->data->port_id;
    esw_key_extract(frame, len, &key);
    rte_spinlock_lock(&nic->sw.lock);
    f = esw_table_lookup(&nic->sw.table, &key);
    if (f) {
        f->hits++;
        f->bytes += len;
        n = f->n_actions;
        memcpy(acts, f->actions, n * sizeof acts[0]);
    }
    rte_spinlock_unlock(&nic->sw.lock);

    if (!f) {
        esw_to_port(src, frame, len);
        return;
    }
    esw_apply(nic, acts, n, &frame, &len, ESW_HEADROOM);
}

/* The eswitch thread's work on a virtio VF: a burst of what the VM
 * queued, switched.  A stop waits for 'busy' to clear, so that when it
 * returns every frame the NIC took is where the eswitch put it.  Returns
 * how many chains it took. */
static int
esw_vio_poll(struct esw_nic *nic, int vf,
             uint8_t (*burst)[ESW_HEADROOM + ESW_VF_BUF], uint32_t *lens)
{
    struct esw_vf *v = &nic->vfs[vf];
    struct esw_port *p = nic->reprs[vf];
    struct esw_vio *vio;
    int n = 0, work = 0;

    rte_spinlock_lock(&v->lock);
    vio = v->vio;
    if (!vio || !vio->running || !p || !atomic_load(&v->enabled)) {
        rte_spinlock_unlock(&v->lock);
        return 0;
    }
    for (; work < ESW_BURST; work++) {
        int r = esw_vq_pop(&vio->txq, &vio->mem, burst[n] + ESW_HEADROOM,
                           ESW_VF_MAX_FRAME, &lens[n]);
        if (!r) {
            break;
        } else if (r > 0) {
            n++;
        }
    }
    esw_vq_flush(&vio->txq, false);
    vio->busy = n > 0;
    rte_spinlock_unlock(&v->lock);

    for (int k = 0; k < n; k++) {
        esw_switch(nic, p, burst[k] + ESW_HEADROOM, lens[k]);
    }
    if (n) {
        rte_spinlock_lock(&v->lock);
        vio->busy = false;
        rte_spinlock_unlock(&v->lock);
    }
    return work;
}

/* The eswitch thread: the NIC's switching hardware. */
static void *
esw_thread(void *nic_)
{
    struct esw_nic *nic = nic_;
    /* A burst of one VF's frames, copied out under its lock and switched
     * after (a frame may go back to the same VF). */
    static __thread uint8_t burst[ESW_BURST][ESW_HEADROOM + ESW_VF_BUF];
    uint32_t burst_len[ESW_BURST];
    uint8_t *buf = burst[0];

    while (!atomic_load(&nic->stop)) {
        int work = 0;

        for (int i = 0; i < nic->n_vfs; i++) {
            struct esw_vf *v = &nic->vfs[i];
            struct esw_port *p = nic->reprs[i];
            uint32_t tail = 0, gen = 0;
            int n = 0;

            if (__atomic_load_n(&v->vio, __ATOMIC_RELAXED)) {
                work += esw_vio_poll(nic, i, burst, burst_len);
                continue;
            }
            if (!p || !atomic_load(&v->enabled)) {
                continue;
            }
            rte_spinlock_lock(&v->lock);
            if (v->shm && atomic_load(&v->enabled)) {
                struct esw_vf_ring *r = &v->shm->from_guest;
                uint32_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
                uint32_t avail;

                tail = v->from_tail;
                gen = v->gen;
                avail = head - tail;
                if (avail > ESW_VF_SLOTS) {
                    /* A head more than a ring ahead of our tail (or behind
                     * it) is a lie: take nothing until the guest tells the
                     * truth again, rather than a ring's worth of garbage
                     * every round. */
                    atomic_fetch_add(&v->tx_bad_index, 1);
                    avail = 0;
                }
                for (uint32_t k = 0; k < avail && k < ESW_BURST; k++) {
                    uint32_t slot = tail & (ESW_VF_SLOTS - 1);
                    uint32_t len = r->len[slot];

                    if (len < 14 || len > ESW_VF_MAX_FRAME) {
                        atomic_fetch_add(&v->tx_refused, 1);
                    } else {
                        memcpy(burst[n] + ESW_HEADROOM, r->buf[slot], len);
                        burst_len[n++] = len;
                    }
                    tail++;
                    work++;
                }
            }
            rte_spinlock_unlock(&v->lock);
            if (!gen) {
                continue;
            }
            for (int k = 0; k < n; k++) {
                esw_switch(nic, p, burst[k] + ESW_HEADROOM, burst_len[k]);
            }
            /* The guest learns the frames are taken only now that they
             * are where the eswitch put them (a representor's queue, say):
             * a guest that waits for an idle VF before moving to another
             * path must not overtake them there. */
            rte_spinlock_lock(&v->lock);
            if (v->gen == gen && v->shm) {
                v->from_tail = tail;
                __atomic_store_n(&v->shm->from_guest.tail, tail,
                                 __ATOMIC_RELEASE);
            }
            rte_spinlock_unlock(&v->lock);
        }
        if (nic->sock >= 0 && nic->uplink) {
            for (int k = 0; k < ESW_BURST; k++) {
                ssize_t len = recv(nic->sock, buf + ESW_HEADROOM, ESW_VF_BUF,
                                   MSG_DONTWAIT);
                if (len <= 0) {
                    break;
                }
                esw_switch(nic, nic->uplink, buf + ESW_HEADROOM, len);
                work++;
            }
        }
        for (int i = 0; i < nic->n_vfs; i++) {
            if (__atomic_load_n(&nic->vfs[i].vio, __ATOMIC_RELAXED)) {
                esw_vio_flush(&nic->vfs[i]);
            }
        }
        if (!work) {
            struct timespec ts = { 0, ESW_IDLE_NS };
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

/* Ethdev operations, for the uplink and the representors alike. */

static int
esw_dev_configure(struct rte_eth_dev *dev)
{
    return 0;
}

static int
esw_dev_start(struct rte_eth_dev *dev)
{
    esw_port(dev)->started = true;
    dev->data->dev_link.link_status = RTE_ETH_LINK_UP;
    dev->data->rx_queue_state[0] = RTE_ETH_QUEUE_STATE_STARTED;
    dev->data->tx_queue_state[0] = RTE_ETH_QUEUE_STATE_STARTED;
    return 0;
}

static int
esw_dev_stop(struct rte_eth_dev *dev)
{
    struct esw_port *p = esw_port(dev);
    struct rte_mbuf *m;

    p->started = false;
    dev->data->dev_started = 0;
    dev->data->dev_link.link_status = RTE_ETH_LINK_DOWN;
    while (!rte_ring_sc_dequeue(p->rx_ring, (void **) &m)) {
        rte_pktmbuf_free(m);
    }
    return 0;
}

static void esw_nic_free(struct esw_nic *);

static int
esw_dev_close(struct rte_eth_dev *dev)
{
    struct esw_port *p = esw_port(dev);
    struct esw_nic *nic = p->nic;

    if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
        return 0;
    }
    esw_dev_stop(dev);
    /* Stop the eswitch before a port it may deliver to goes away. */
    atomic_store(&nic->stop, true);
    pthread_join(nic->thread, NULL);
    if (p->kind == ESW_UPLINK) {
        nic->uplink = NULL;
    } else {
        nic->reprs[p->vf] = NULL;
    }
    rte_ring_free(p->rx_ring);
    dev->data->mac_addrs = NULL;        /* Points into 'p'. */
    if (--nic->n_open == 0) {
        esw_nic_free(nic);
    } else {
        atomic_store(&nic->stop, false);
        pthread_create(&nic->thread, NULL, esw_thread, nic);
    }
    return 0;
}

static int
esw_dev_infos_get(struct rte_eth_dev *dev, struct rte_eth_dev_info *info)
{
    struct esw_port *p = esw_port(dev);

    info->max_mac_addrs = 1;
    info->max_rx_pktlen = ESW_VF_MAX_FRAME;
    info->max_rx_queues = 1;
    info->max_tx_queues = 1;
    info->min_rx_bufsize = 0;
    info->min_mtu = RTE_ETHER_MIN_MTU;
    info->max_mtu = ESW_VF_MAX_FRAME - RTE_ETHER_HDR_LEN - 4;
    info->switch_info.name = p->nic->name;
    info->switch_info.domain_id = p->nic->domain_id;
    info->switch_info.port_id = p->kind == ESW_UPLINK ? 0xffff : p->vf;
    return 0;
}

static int
esw_rx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
                   unsigned int socket, const struct rte_eth_rxconf *conf,
                   struct rte_mempool *mp)
{
    struct esw_port *p = esw_port(dev);

    p->mp = mp;
    dev->data->rx_queues[qid] = p;
    return 0;
}

static int
esw_tx_queue_setup(struct rte_eth_dev *dev, uint16_t qid, uint16_t nb_desc,
                   unsigned int socket, const struct rte_eth_txconf *conf)
{
    dev->data->tx_queues[qid] = esw_port(dev);
    return 0;
}

static void
esw_queue_release(struct rte_eth_dev *dev, uint16_t qid)
{
}

/* A representor's link stands for its VF: up while the VF is plugged
 * and no unplug is pending, as switchdev NICs report a VF's state on its
 * representor. */
static bool
esw_port_link_up(struct esw_port *p)
{
    struct esw_vf *v;

    if (!p->started) {
        return false;
    }
    if (p->kind == ESW_UPLINK) {
        return true;
    }
    v = &p->nic->vfs[p->vf];
    return atomic_load(&v->enabled) && !atomic_load(&v->eject_requested);
}

static int
esw_link_update(struct rte_eth_dev *dev, int wait)
{
    struct rte_eth_link link = {
        .link_speed = RTE_ETH_SPEED_NUM_100G,
        .link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
        .link_autoneg = RTE_ETH_LINK_FIXED,
        .link_status = esw_port_link_up(esw_port(dev)),
    };

    return rte_eth_linkstatus_set(dev, &link);
}

/* On a representor whose VF is being unplugged, the host's "link down"
 * says it no longer uses the VF: the unplug completes. */
static int
esw_dev_set_link_down(struct rte_eth_dev *dev)
{
    struct esw_port *p = esw_port(dev);
    struct esw_vf *v;

    if (p->kind == ESW_REPR) {
        v = &p->nic->vfs[p->vf];
        if (atomic_load(&v->eject_requested)) {
            esw_vf_withdraw(v);
            ESW_LOG(INFO, "%s: VF %d released by the host, unplugged\n",
                    p->nic->name, p->vf);
        }
    }
    return 0;
}

static int
esw_dev_set_link_up(struct rte_eth_dev *dev)
{
    return 0;
}

static int
esw_stats_get(struct rte_eth_dev *dev, struct rte_eth_stats *st)
{
    struct esw_port *p = esw_port(dev);

    st->ipackets = atomic_load(&p->rx_packets);
    st->ibytes = atomic_load(&p->rx_bytes);
    st->imissed = atomic_load(&p->rx_missed);
    st->opackets = atomic_load(&p->tx_packets);
    st->obytes = atomic_load(&p->tx_bytes);
    st->oerrors = atomic_load(&p->tx_errors);
    return 0;
}

static int
esw_stats_reset(struct rte_eth_dev *dev)
{
    struct esw_port *p = esw_port(dev);

    atomic_store(&p->rx_packets, 0);
    atomic_store(&p->rx_bytes, 0);
    atomic_store(&p->rx_missed, 0);
    atomic_store(&p->tx_packets, 0);
    atomic_store(&p->tx_bytes, 0);
    atomic_store(&p->tx_errors, 0);
    return 0;
}

/* Extended statistics: the eswitch's own counters on every port of the
 * switch, and the port's VF counters on a representor.  Drop and error
 * counters end in _dropped and _errors, the ones OVS shows in the
 * Interface statistics column. */
#define ESW_XSTATS                                              \
    ESW_XSTAT(esw_lookups, nic->sw.table.lookups)                  \
    ESW_XSTAT(esw_misses, nic->sw.table.misses)                    \
    ESW_XSTAT(esw_rules, nic->sw.table.n_rules)                    \
    ESW_XSTAT(esw_rules_refused_full, nic->sw.table.full)          \
    ESW_XSTAT(esw_rule_dropped, atomic_load(&nic->rule_drops))  \
    ESW_XSTAT(esw_no_port_dropped, atomic_load(&nic->no_port_drops)) \
    ESW_XSTAT(esw_wire_tx_dropped, atomic_load(&nic->wire_tx_dropped)) \
    ESW_XSTAT(vf_rx_full_dropped, vf ? atomic_load(&vf->rx_full) : 0) \
    ESW_XSTAT(vf_rx_down_dropped, vf ? atomic_load(&vf->rx_down) : 0) \
    ESW_XSTAT(vf_tx_length_errors, vf ? atomic_load(&vf->tx_refused) : 0) \
    ESW_XSTAT(vf_tx_index_errors, vf ? atomic_load(&vf->tx_bad_index) : 0) \
    ESW_XSTAT(vf_enabled, vf ? atomic_load(&vf->enabled) : 0)          \
    ESW_XSTAT(vf_generation, vf ? vf->gen : 0)                         \
    ESW_XSTAT(vf_memory_handed_out, vf ? atomic_load(&vf->handed_out) : 0) \
    ESW_XSTAT(vf_connections_refused, vf ? atomic_load(&vf->refused) : 0)

static int
esw_xstats_get_names(struct rte_eth_dev *dev,
                     struct rte_eth_xstat_name *names, unsigned int size)
{
    static const char *const xnames[] = {
#define ESW_XSTAT(NAME, VALUE) #NAME,
        ESW_XSTATS
#undef ESW_XSTAT
    };
    unsigned int n = sizeof xnames / sizeof xnames[0];

    if (names) {
        for (unsigned int i = 0; i < n && i < size; i++) {
            snprintf(names[i].name, sizeof names[i].name, "%s", xnames[i]);
        }
    }
    return n;
}

static int
esw_xstats_get(struct rte_eth_dev *dev, struct rte_eth_xstat *xs,
               unsigned int n)
{
    struct esw_port *p = esw_port(dev);
    struct esw_nic *nic = p->nic;
    struct esw_vf *vf = p->kind == ESW_REPR ? &nic->vfs[p->vf] : NULL;
    uint64_t values[] = {
#define ESW_XSTAT(NAME, VALUE) VALUE,
        ESW_XSTATS
#undef ESW_XSTAT
    };
    unsigned int count = sizeof values / sizeof values[0];

    if (!xs || n < count) {
        return count;
    }
    for (unsigned int i = 0; i < count; i++) {
        xs[i].id = i;
        xs[i].value = values[i];
    }
    return count;
}

static int
esw_mtu_set(struct rte_eth_dev *dev, uint16_t mtu)
{
    return mtu + RTE_ETHER_HDR_LEN + 4 <= ESW_VF_MAX_FRAME ? 0 : -EINVAL;
}

/* On a representor this is the VF's MAC, as with switchdev NICs whose
 * representors set their VF's address. */
static int
esw_mac_addr_set(struct rte_eth_dev *dev, struct rte_ether_addr *mac)
{
    struct esw_port *p = esw_port(dev);

    p->mac = *mac;
    if (p->kind == ESW_REPR && rte_is_unicast_ether_addr(mac)) {
        memcpy(p->nic->vfs[p->vf].shm->mac, mac->addr_bytes, 6);
    }
    return 0;
}

static int
esw_promisc(struct rte_eth_dev *dev)
{
    return 0;
}

static int
esw_flow_ops_get(struct rte_eth_dev *dev, const struct rte_flow_ops **ops)
{
    *ops = &esw_flow_ops;
    return 0;
}

static const struct eth_dev_ops esw_ops = {
    .dev_configure = esw_dev_configure,
    .dev_start = esw_dev_start,
    .dev_stop = esw_dev_stop,
    .dev_close = esw_dev_close,
    .dev_infos_get = esw_dev_infos_get,
    .rx_queue_setup = esw_rx_queue_setup,
    .tx_queue_setup = esw_tx_queue_setup,
    .rx_queue_release = esw_queue_release,
    .tx_queue_release = esw_queue_release,
    .link_update = esw_link_update,
    .dev_set_link_up = esw_dev_set_link_up,
    .dev_set_link_down = esw_dev_set_link_down,
    .stats_get = esw_stats_get,
    .stats_reset = esw_stats_reset,
    .xstats_get = esw_xstats_get,
    .xstats_get_names = esw_xstats_get_names,
    .mtu_set = esw_mtu_set,
    .mac_addr_set = esw_mac_addr_set,
    .promiscuous_enable = esw_promisc,
    .promiscuous_disable = esw_promisc,
    .allmulticast_enable = esw_promisc,
    .allmulticast_disable = esw_promisc,
    .flow_ops_get = esw_flow_ops_get,
};

/* Data path of the ethdevs. */

static uint16_t
esw_rx_burst(void *q, struct rte_mbuf **pkts, uint16_t n)
{
    struct esw_port *p = q;

    return rte_ring_sc_dequeue_burst(p->rx_ring, (void **) pkts, n, NULL);
}

/* A transmit burst on 'p' is over: a VM behind it sees what came. */
static void
esw_tx_done(struct esw_port *p)
{
    if (p->kind == ESW_REPR
        && __atomic_load_n(&p->nic->vfs[p->vf].vio, __ATOMIC_RELAXED)) {
        esw_vio_flush(&p->nic->vfs[p->vf]);
    }
}

static uint16_t
esw_tx_burst(void *q, struct rte_mbuf **pkts, uint16_t n)
{
    struct esw_port *p = q;
    struct esw_nic *nic = p->nic;
    uint8_t buf[ESW_VF_BUF];

    for (uint16_t i = 0; i < n; i++) {
        struct rte_mbuf *m = pkts[i];
        uint32_t len = rte_pktmbuf_pkt_len(m);
        const uint8_t *frame;

        if (len > ESW_VF_MAX_FRAME) {
            atomic_fetch_add(&p->tx_errors, 1);
            rte_pktmbuf_free(m);
            continue;
        }
        frame = rte_pktmbuf_read(m, 0, len, buf);
        if (p->kind == ESW_UPLINK) {
            esw_to_wire(nic, frame, len);
        } else {
            int error = esw_to_vf(nic, p->vf, frame, len);

            if (error == ENOBUFS) {
                /* The VF's receive queue is full: like a full transmit
                 * ring, the rest is the caller's to retry or drop. */
                esw_tx_done(p);
                return i;
            } else if (error) {
                atomic_fetch_add(&p->tx_errors, 1);
                rte_pktmbuf_free(m);
                continue;
            }
        }
        atomic_fetch_add(&p->tx_packets, 1);
        atomic_fetch_add(&p->tx_bytes, len);
        rte_pktmbuf_free(m);
    }
    esw_tx_done(p);
    return n;
}

/* Probe and remove. */

static int
esw_kv_iface(const char *key, const char *value, void *out)
{
    if (strlen(value) >= IF_NAMESIZE) {
        return -EINVAL;
    }
    snprintf(out, IF_NAMESIZE, "%s", value);
    return 0;
}

static int
esw_kv_dir(const char *key, const char *value, void *out)
{
    if (strlen(value) >= 200) {
        return -EINVAL;
    }
    snprintf(out, 200, "%s", value);
    return 0;
}

static int
esw_kv_uint(const char *key, const char *value, void *out)
{
    char *end;
    unsigned long v = strtoul(value, &end, 0);

    if (!*value || *end) {
        return -EINVAL;
    }
    *(unsigned long *) out = v;
    return 0;
}

static int
esw_kv_ignore(const char *key, const char *value, void *out)
{
    return 0;
}

static struct esw_port *
esw_port_create(struct esw_nic *nic, struct rte_vdev_device *vdev,
                enum esw_port_kind kind, int vf)
{
    char name[RTE_ETH_NAME_MAX_LEN], ring[RTE_RING_NAMESIZE];
    struct rte_eth_dev *dev;
    struct esw_port *p;

    if (kind == ESW_UPLINK) {
        dev = rte_eth_vdev_allocate(vdev, sizeof *p);
    } else {
        snprintf(name, sizeof name, "%s_representor_vf%d", nic->name, vf);
        dev = rte_eth_dev_allocate(name);
        if (dev) {
            dev->data->dev_private = rte_zmalloc_socket(
                name, sizeof *p, RTE_CACHE_LINE_SIZE, vdev->device.numa_node);
            if (!dev->data->dev_private) {
                rte_eth_dev_release_port(dev);
                dev = NULL;
            } else {
                dev->device = &vdev->device;
            }
        }
    }
    if (!dev) {
        return NULL;
    }
    p = dev->data->dev_private;
    p->flow_switch = &nic->sw;
    p->nic = nic;
    p->dev = dev;
    p->kind = kind;
    p->vf = vf;
    snprintf(ring, sizeof ring, "esw%u_%d", dev->data->port_id, vf);
    p->rx_ring = rte_ring_create(ring, ESW_RX_RING, SOCKET_ID_ANY,
                                 RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (!p->rx_ring) {
        rte_eth_dev_release_port(dev);
        return NULL;
    }
    rte_eth_random_addr(p->mac.addr_bytes);
    dev->data->mac_addrs = &p->mac;
    dev->data->nb_rx_queues = 1;
    dev->data->nb_tx_queues = 1;
    dev->data->dev_link = (struct rte_eth_link) {
        .link_speed = RTE_ETH_SPEED_NUM_25G,
        .link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
        .link_status = RTE_ETH_LINK_DOWN,
        .link_autoneg = RTE_ETH_LINK_FIXED,
    };
    dev->dev_ops = &esw_ops;
    dev->rx_pkt_burst = esw_rx_burst;
    dev->tx_pkt_burst = esw_tx_burst;
    dev->data->dev_flags |= RTE_ETH_DEV_AUTOFILL_QUEUE_XSTATS;
    if (kind == ESW_REPR) {
        dev->data->dev_flags |= RTE_ETH_DEV_REPRESENTOR;
        dev->data->representor_id = vf;
        dev->data->backer_port_id = nic->uplink->dev->data->port_id;
    }
    nic->n_open++;
    return p;
}

static int
esw_vf_create(struct esw_nic *nic, int vf, const char *dir)
{
    struct esw_vf *v = &nic->vfs[vf];
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct stat st;

    rte_spinlock_init(&v->lock);
    v->memfd = -1;
    v->lsock = -1;
    rte_eth_random_addr(v->mac);
    atomic_store(&v->enabled, true);
    int error = esw_vf_renew(v, vf);
    if (error) {
        return error;
    }

    if ((size_t) snprintf(v->path, sizeof v->path, "%s/%s-vf%d", dir,
                          nic->name, vf) >= sizeof v->path) {
        ESW_LOG(ERR, "%s/%s-vf%d: path too long for a socket\n", dir,
                nic->name, vf);
        return -ENAMETOOLONG;
    }
    if (!lstat(v->path, &st)) {
        unlink(v->path);        /* A previous run's socket (or file). */
    }
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", v->path);
    v->lsock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
                      0);
    if (v->lsock < 0 || bind(v->lsock, (struct sockaddr *) &sun, sizeof sun)
        || chmod(v->path, 0600) || listen(v->lsock, 4)) {
        error = -errno;
        ESW_LOG(ERR, "%s: %s\n", v->path, strerror(errno));
        return error;
    }
    return 0;
}

static void
esw_nic_free(struct esw_nic *nic)
{
    if (nic->ctl_wake[1] >= 0) {
        if (write(nic->ctl_wake[1], "", 1) != 1) {
            ESW_LOG(ERR, "%s: cannot stop the VF socket thread\n", nic->name);
        }
        pthread_join(nic->ctl_thread, NULL);
        close(nic->ctl_wake[0]);
        close(nic->ctl_wake[1]);
    }
    for (int i = 0; i < nic->n_vfs; i++) {
        struct esw_vf *v = &nic->vfs[i];

        esw_vf_withdraw(v);
        if (v->vio) {
            /* The eswitch thread is gone. */
            for (int q = 0; q < 2; q++) {
                struct esw_vq *vq = q ? &v->vio->txq : &v->vio->rxq;

                if (v->vio->running && vq->callfd >= 0) {
                    close(vq->callfd);
                }
            }
            esw_vio_unmap(v->vio);
            v->vio = NULL;
        }
        if (v->lsock >= 0) {
            close(v->lsock);
            unlink(v->path);
        }
    }
    if (nic->sock >= 0) {
        close(nic->sock);
    }
    esw_flow_switch_destroy(&nic->sw);
    rte_eth_switch_domain_free(nic->domain_id);
    rte_free(nic);
}

static int
esw_open_wire(struct esw_nic *nic)
{
    struct sockaddr_ll sll = { .sll_family = AF_PACKET,
                               .sll_protocol = htons(ETH_P_ALL) };

    sll.sll_ifindex = if_nametoindex(nic->iface);
    if (!sll.sll_ifindex) {
        ESW_LOG(ERR, "%s: no interface %s\n", nic->name, nic->iface);
        return -ENODEV;
    }
    nic->sock = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    if (nic->sock < 0
        || bind(nic->sock, (struct sockaddr *) &sll, sizeof sll)) {
        ESW_LOG(ERR, "%s: AF_PACKET on %s: %s\n", nic->name, nic->iface,
                strerror(errno));
        return -errno;
    }
    struct packet_mreq mr = { .mr_ifindex = sll.sll_ifindex,
                              .mr_type = PACKET_MR_PROMISC };
    setsockopt(nic->sock, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr);
    /* Frames we send are not ours to receive again. */
    int one = 1;
    setsockopt(nic->sock, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
               sizeof one);
    return 0;
}

static int
esw_probe(struct rte_vdev_device *vdev)
{
    static const char *const keys[] = {
        "iface", "vfs", "flows", "shm_dir", "representor", NULL
    };
    const char *name = rte_vdev_device_name(vdev);
    unsigned long vfs = ESW_DEFAULT_VFS, flows = ESW_DEFAULT_FLOWS;
    char shm_dir[256] = "/dev/shm";
    struct rte_kvargs *kv = NULL;
    struct esw_nic *nic;
    int ret = 0;

    if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
        return -ENOTSUP;
    }
    nic = rte_zmalloc("esw_nic", sizeof *nic, RTE_CACHE_LINE_SIZE);
    if (!nic) {
        return -ENOMEM;
    }
    nic->sock = -1;
    nic->ctl_wake[0] = nic->ctl_wake[1] = -1;
    for (int i = 0; i < ESW_MAX_VFS; i++) {
        nic->vfs[i].memfd = nic->vfs[i].lsock = -1;
    }
    if (strlen(name) >= ESW_NAME_MAX) {
        ESW_LOG(ERR, "%s: name longer than %d\n", name, ESW_NAME_MAX - 1);
        rte_free(nic);
        return -EINVAL;
    }
    snprintf(nic->name, sizeof nic->name, "%s", name);
    if (rte_vdev_device_args(vdev)) {
        kv = rte_kvargs_parse(rte_vdev_device_args(vdev), keys);
        if (!kv
            || rte_kvargs_process(kv, "iface", esw_kv_iface, nic->iface) < 0
            || rte_kvargs_process(kv, "vfs", esw_kv_uint, &vfs) < 0
            || rte_kvargs_process(kv, "flows", esw_kv_uint, &flows) < 0
            || rte_kvargs_process(kv, "shm_dir", esw_kv_dir, shm_dir) < 0
            || rte_kvargs_process(kv, "representor", esw_kv_ignore,
                                  NULL) < 0) {
            ESW_LOG(ERR, "%s: bad arguments \"%s\"\n", name,
                    rte_vdev_device_args(vdev));
            ret = -EINVAL;
        }
        rte_kvargs_free(kv);
    }
    if (!ret && (vfs < 1 || vfs > ESW_MAX_VFS || flows < 1
                 || flows > ESW_MAX_FLOWS)) {
        ESW_LOG(ERR, "%s: vfs must be 1..%d, flows 1..%d\n", name,
                ESW_MAX_VFS, ESW_MAX_FLOWS);
        ret = -EINVAL;
    }
    if (ret || rte_eth_switch_domain_alloc(&nic->domain_id)) {
        rte_free(nic);
        return ret ? ret : -ENOSPC;
    }
    nic->n_vfs = vfs;
    esw_flow_switch_init(&nic->sw, flows);
    nic->sw.has_port = esw_nic_has_port;
    nic->sw.proxy_port = esw_nic_proxy_port;
    if (nic->iface[0] && (ret = esw_open_wire(nic))) {
        esw_nic_free(nic);
        return ret;
    }
    for (int i = 0; i < nic->n_vfs; i++) {
        if ((ret = esw_vf_create(nic, i, shm_dir))) {
            esw_nic_free(nic);
            return ret;
        }
    }
    if (pipe2(nic->ctl_wake, O_CLOEXEC)) {
        ret = -errno;
        esw_nic_free(nic);
        return ret;
    }
    if (pthread_create(&nic->ctl_thread, NULL, esw_ctl_thread, nic)) {
        close(nic->ctl_wake[0]);
        close(nic->ctl_wake[1]);
        nic->ctl_wake[0] = nic->ctl_wake[1] = -1;
        esw_nic_free(nic);
        return -EAGAIN;
    }
    nic->uplink = esw_port_create(nic, vdev, ESW_UPLINK, -1);
    for (int i = 0; nic->uplink && i < nic->n_vfs; i++) {
        nic->reprs[i] = esw_port_create(nic, vdev, ESW_REPR, i);
        if (!nic->reprs[i]) {
            break;
        }
    }
    if (!nic->uplink || !nic->reprs[nic->n_vfs - 1]) {
        ESW_LOG(ERR, "%s: cannot allocate its ethdevs\n", name);
        /* Ports already allocated are released with the vdev. */
        return -ENOMEM;
    }
    if (pthread_create(&nic->thread, NULL, esw_thread, nic)) {
        return -errno;
    }
    rte_eth_dev_probing_finish(nic->uplink->dev);
    for (int i = 0; i < nic->n_vfs; i++) {
        rte_eth_dev_probing_finish(nic->reprs[i]->dev);
    }
    ESW_LOG(INFO, "%s: uplink port %u%s%s, %d VFs, %lu flows\n", name,
            nic->uplink->dev->data->port_id, nic->iface[0] ? " on " : "",
            nic->iface, nic->n_vfs, flows);
    return 0;
}

static int
esw_remove(struct rte_vdev_device *vdev)
{
    const char *name = rte_vdev_device_name(vdev);
    char repr[RTE_ETH_NAME_MAX_LEN];
    struct rte_eth_dev *dev;

    /* Representors first: the uplink's close may free the NIC. */
    for (int i = 0; i < ESW_MAX_VFS; i++) {
        snprintf(repr, sizeof repr, "%s_representor_vf%d", name, i);
        dev = rte_eth_dev_allocated(repr);
        if (dev) {
            esw_dev_close(dev);
            rte_eth_dev_release_port(dev);
        }
    }
    dev = rte_eth_dev_allocated(name);
    if (dev) {
        esw_dev_close(dev);
        rte_eth_dev_release_port(dev);
    }
    return 0;
}

/* Driver-specific API (rte_pmd_nae_esw.h). */

static struct esw_port *
esw_repr_of(uint16_t port_id)
{
    struct rte_eth_dev *dev;

    if (!rte_eth_dev_is_valid_port(port_id)) {
        return NULL;
    }
    dev = &rte_eth_devices[port_id];
    if (dev->dev_ops != &esw_ops || esw_port(dev)->kind != ESW_REPR) {
        return NULL;
    }
    return esw_port(dev);
}

int
rte_pmd_nae_esw_vf_set_mac(uint16_t repr_port,
                           const struct rte_ether_addr *mac)
{
    struct esw_port *p = esw_repr_of(repr_port);
    struct esw_vf *v;

    if (!p) {
        return -ENODEV;
    }
    if (!rte_is_unicast_ether_addr(mac)) {
        return -EINVAL;
    }
    v = &p->nic->vfs[p->vf];
    rte_spinlock_lock(&v->lock);
    memcpy(v->mac, mac->addr_bytes, 6);
    if (v->shm) {
        memcpy(v->shm->mac, mac->addr_bytes, 6);
    }
    rte_spinlock_unlock(&v->lock);
    return 0;
}

int
rte_pmd_nae_esw_vf_set_enabled(uint16_t repr_port, bool enabled)
{
    struct esw_port *p = esw_repr_of(repr_port);
    struct esw_vf *v;

    if (!p) {
        return -ENODEV;
    }
    v = &p->nic->vfs[p->vf];
    atomic_store(&v->eject_requested, false);
    if (!enabled) {
        esw_vf_withdraw(v);
    } else if (!atomic_load(&v->enabled)) {
        /* A replugged VF is a new device: fresh memory. */
        atomic_store(&v->enabled, true);
        if (esw_vf_renew(v, p->vf)) {
            atomic_store(&v->enabled, false);
            return -ENOMEM;
        }
    }
    ESW_LOG(INFO, "%s: VF %d %s\n", p->nic->name, p->vf,
            enabled ? "enabled" : "withdrawn");
    return 0;
}

int
rte_pmd_nae_esw_vf_request_eject(uint16_t repr_port)
{
    struct esw_port *p = esw_repr_of(repr_port);

    if (!p) {
        return -ENODEV;
    }
    atomic_store(&p->nic->vfs[p->vf].eject_requested, true);
    ESW_LOG(INFO, "%s: VF %d unplug requested\n", p->nic->name, p->vf);
    return 0;
}

int
rte_pmd_nae_esw_vf_enabled(uint16_t repr_port)
{
    struct esw_port *p = esw_repr_of(repr_port);

    if (!p) {
        return -ENODEV;
    }
    return atomic_load(&p->nic->vfs[p->vf].enabled);
}

int
rte_pmd_nae_esw_vf_claim(uint16_t repr_port, bool claim)
{
    struct esw_port *p = esw_repr_of(repr_port);
    struct esw_vf *v;

    if (!p) {
        return -ENODEV;
    }
    v = &p->nic->vfs[p->vf];
    rte_spinlock_lock(&v->lock);
    v->claimed = claim;
    rte_spinlock_unlock(&v->lock);
    /* Whoever had the VF before (a guest of another port, or one that
     * connected to its socket) keeps nothing it can use. */
    return atomic_load(&v->enabled) ? esw_vf_renew(v, p->vf) : 0;
}

int
rte_pmd_nae_esw_vf_memfd(uint16_t repr_port)
{
    struct esw_port *p = esw_repr_of(repr_port);
    struct esw_vf *v;
    int fd;

    if (!p) {
        return -ENODEV;
    }
    v = &p->nic->vfs[p->vf];
    rte_spinlock_lock(&v->lock);
    fd = v->memfd >= 0 ? dup(v->memfd) : -1;
    int error = v->memfd < 0 ? ENETDOWN : errno;
    rte_spinlock_unlock(&v->lock);
    return fd >= 0 ? fd : -error;
}

/* Virtio mode: the VF as a vDPA device. */

static void
esw_vq_stats_add(struct esw_vq_stats *sum, const struct esw_vq_stats *st)
{
    sum->frames += st->frames;
    sum->bad_chain += st->bad_chain;
    sum->bad_index += st->bad_index;
    sum->refused += st->refused;
    sum->no_buffers += st->no_buffers;
    sum->interrupts += st->interrupts;
}

int
rte_pmd_nae_esw_vf_virtio_attach(
    uint16_t repr_port, const struct rte_pmd_nae_esw_vio_region *regions,
    int n_regions, uint64_t features)
{
    struct esw_port *p = esw_repr_of(repr_port);
    struct esw_vio *vio;
    struct esw_vf *v;

    if (!p) {
        return -ENODEV;
    }
    if (n_regions < 1 || n_regions > ESW_VIO_MAX_REGIONS) {
        return -EINVAL;
    }
    if (esw_vio_unsupported(features)) {
        return -ENOTSUP;
    }
    vio = calloc(1, sizeof *vio);
    if (!vio) {
        return -ENOMEM;
    }
    vio->features = features;
    for (int i = 0; i < n_regions; i++) {
        const struct rte_pmd_nae_esw_vio_region *r = &regions[i];
        struct stat st;
        void *map;

        /* A file shorter than what we map would fault (SIGBUS). */
        if (!r->size || r->fd_offset > r->mmap_size
            || r->size > r->mmap_size - r->fd_offset
            || fstat(r->fd, &st) || (uint64_t) st.st_size < r->mmap_size) {
            esw_vio_unmap(vio);
            return -EINVAL;
        }
        map = mmap(NULL, r->mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                   r->fd, 0);
        if (map == MAP_FAILED) {
            int error = -errno;

            esw_vio_unmap(vio);
            return error;
        }
        vio->maps[i] = map;
        vio->map_lens[i] = r->mmap_size;
        vio->mem.r[i].gpa = r->guest_phys_addr;
        vio->mem.r[i].size = r->size;
        vio->mem.r[i].va = (uint8_t *) map + r->fd_offset;
        vio->mem.n = i + 1;
    }

    v = &p->nic->vfs[p->vf];
    rte_spinlock_lock(&v->lock);
    if (v->vio) {
        rte_spinlock_unlock(&v->lock);
        esw_vio_unmap(vio);
        return -EBUSY;
    }
    __atomic_store_n(&v->vio, vio, __ATOMIC_RELAXED);
    v->vio_attaches++;
    rte_spinlock_unlock(&v->lock);
    ESW_LOG(INFO, "%s: VF %d in virtio mode (%d memory regions)\n",
            p->nic->name, p->vf, n_regions);
    return 0;
}

int
rte_pmd_nae_esw_vf_virtio_start(
    uint16_t repr_port, const struct rte_pmd_nae_esw_vio_queue q[2])
{
    struct esw_port *p = esw_repr_of(repr_port);
    struct esw_vq rxq, txq;
    struct esw_vio *vio;
    struct esw_vf *v;
    int fds[2] = { -1, -1 };
    int error = 0;

    if (!p) {
        return -ENODEV;
    }
    v = &p->nic->vfs[p->vf];
    for (int i = 0; i < 2; i++) {
        /* The NIC's own reference to the VM's interrupt. */
        if (q[i].callfd >= 0 && (fds[i] = dup(q[i].callfd)) < 0) {
            error = -errno;
        }
    }
    rte_spinlock_lock(&v->lock);
    vio = v->vio;
    if (error) {
        /* Closed below. */
    } else if (!vio || vio->running) {
        error = vio ? -EBUSY : -EINVAL;
    } else if (esw_vq_init(&rxq, &vio->mem, q[0].desc, q[0].avail, q[0].used,
                           q[0].size, vio->features, q[0].last_avail_idx,
                           q[0].last_used_idx, fds[0])
               || esw_vq_init(&txq, &vio->mem, q[1].desc, q[1].avail,
                              q[1].used, q[1].size, vio->features,
                              q[1].last_avail_idx, q[1].last_used_idx,
                              fds[1])) {
        error = -EINVAL;
    } else {
        vio->rxq = rxq;
        vio->txq = txq;
        vio->running = true;
    }
    rte_spinlock_unlock(&v->lock);
    if (error) {
        for (int i = 0; i < 2; i++) {
            if (fds[i] >= 0) {
                close(fds[i]);
            }
        }
    }
    return error;
}

int
rte_pmd_nae_esw_vf_virtio_stop(uint16_t repr_port,
                               struct rte_pmd_nae_esw_vio_queue q[2])
{
    struct esw_port *p = esw_repr_of(repr_port);
    struct esw_vio *vio;
    struct esw_vf *v;

    if (!p) {
        return -ENODEV;
    }
    v = &p->nic->vfs[p->vf];
    rte_spinlock_lock(&v->lock);
    vio = v->vio;
    if (!vio || !vio->running) {
        rte_spinlock_unlock(&v->lock);
        return -EINVAL;
    }
    vio->running = false;
    /* A burst the eswitch thread took is switched before we answer. */
    while (vio->busy) {
        rte_spinlock_unlock(&v->lock);
        sched_yield();
        rte_spinlock_lock(&v->lock);
    }
    struct esw_vq *qs[2] = { &vio->rxq, &vio->txq };
    for (int i = 0; i < 2; i++) {
        /* The next owner starts from here; the VM sees all we did. */
        esw_vq_flush(qs[i], true);
        q[i].last_avail_idx = qs[i]->last_avail;
        q[i].last_used_idx = qs[i]->last_used;
        if (qs[i]->callfd >= 0) {
            close(qs[i]->callfd);
            qs[i]->callfd = -1;
        }
        esw_vq_stats_add(&v->vio_closed, &qs[i]->stats);
        memset(&qs[i]->stats, 0, sizeof qs[i]->stats);
    }
    rte_spinlock_unlock(&v->lock);
    return 0;
}

int
rte_pmd_nae_esw_vf_virtio_detach(uint16_t repr_port)
{
    struct esw_port *p = esw_repr_of(repr_port);
    struct rte_pmd_nae_esw_vio_queue q[2];
    struct esw_vio *vio;
    struct esw_vf *v;

    if (!p) {
        return -ENODEV;
    }
    v = &p->nic->vfs[p->vf];
    rte_pmd_nae_esw_vf_virtio_stop(repr_port, q);
    rte_spinlock_lock(&v->lock);
    vio = v->vio;
    __atomic_store_n(&v->vio, NULL, __ATOMIC_RELAXED);
    rte_spinlock_unlock(&v->lock);
    if (!vio) {
        return -EINVAL;
    }
    esw_vio_unmap(vio);
    ESW_LOG(INFO, "%s: VF %d back from virtio mode\n", p->nic->name, p->vf);
    return 0;
}

int
rte_pmd_nae_esw_vf_virtio_stats(uint16_t repr_port,
                                struct rte_pmd_nae_esw_vio_stats *stats)
{
    struct esw_port *p = esw_repr_of(repr_port);
    struct esw_vq_stats sum, rx, tx;
    struct esw_vf *v;

    if (!p) {
        return -ENODEV;
    }
    v = &p->nic->vfs[p->vf];
    memset(&rx, 0, sizeof rx);
    memset(&tx, 0, sizeof tx);
    rte_spinlock_lock(&v->lock);
    if (!v->vio_attaches) {
        rte_spinlock_unlock(&v->lock);
        return -ENOENT;
    }
    sum = v->vio_closed;
    if (v->vio && v->vio->running) {
        rx = v->vio->rxq.stats;
        tx = v->vio->txq.stats;
    }
    stats->running = v->vio && v->vio->running;
    rte_spinlock_unlock(&v->lock);
    esw_vq_stats_add(&sum, &rx);
    esw_vq_stats_add(&sum, &tx);
    stats->frames = sum.frames;
    stats->bad_chain = sum.bad_chain;
    stats->bad_index = sum.bad_index;
    stats->refused = sum.refused;
    stats->no_buffers = sum.no_buffers;
    stats->interrupts = sum.interrupts;
    return 0;
}

static struct rte_vdev_driver esw_driver = {
    .probe = esw_probe,
    .remove = esw_remove,
};

RTE_PMD_REGISTER_VDEV(net_nae_esw, esw_driver);
RTE_PMD_REGISTER_PARAM_STRING(net_nae_esw,
                              "iface=<ifname> vfs=<1-64> flows=<n> "
                              "shm_dir=<dir of the VF sockets>");
