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

/* esw-test: the emulated switchdev NIC (emunic/) alone, driven through
 * the ethdev and rte_flow API as OVS drives a NIC, and through its VF
 * shared memory as a guest does.  Usage: esw-test SHM_DIR.  Prints one
 * line per check and exits non-zero on the first failure. */

#define _GNU_SOURCE 1           /* F_ADD_SEALS */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_mbuf.h>

#include "esw-vf-guest.h"
#include "esw-vf.h"
#include "rte_pmd_nae_esw.h"

#define CHECK(COND, ...)                                        \
    do {                                                        \
        if (!(COND)) {                                          \
            fprintf(stderr, "FAILED %s:%d: %s: ", __FILE__,     \
                    __LINE__, #COND);                           \
            fprintf(stderr, __VA_ARGS__);                       \
            fprintf(stderr, "\n");                              \
            exit(1);                                            \
        }                                                       \
    } while (0)

static struct rte_mempool *pool;
static uint16_t uplink, repr[2];
static struct esw_vf_guest vf[2];

static void
port_start(uint16_t port)
{
    struct rte_eth_conf conf = { 0 };

    CHECK(!rte_eth_dev_configure(port, 1, 1, &conf), "configure");
    CHECK(!rte_eth_rx_queue_setup(port, 0, 512, 0, NULL, pool), "rxq");
    CHECK(!rte_eth_tx_queue_setup(port, 0, 512, 0, NULL), "txq");
    CHECK(!rte_eth_dev_start(port), "start");
}

/* A UDP/IPv4 frame from 'src' to 'dst' MAC, 10.0.0.1 -> 10.0.0.2. */
static size_t
frame(uint8_t *buf, const uint8_t *dst, const uint8_t *src, uint8_t tag)
{
    memset(buf, 0, 64);
    memcpy(buf, dst, 6);
    memcpy(buf + 6, src, 6);
    buf[12] = 0x08;
    buf[14] = 0x45;
    buf[17] = 50;
    buf[22] = 64;
    buf[23] = 17;
    buf[26] = 10; buf[29] = 1;
    buf[30] = 10; buf[33] = 2;
    buf[34] = 0x12; buf[35] = 0x34;
    buf[36] = 0x00; buf[37] = 53;
    buf[38] = 0; buf[39] = 30;
    buf[63] = tag;
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) {
        sum += (buf[14 + i] << 8) | buf[15 + i];
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    buf[24] = ~sum >> 8;
    buf[25] = ~sum;
    return 64;
}

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits up to a second for one frame on VF 'i'. */
static size_t
vf_wait(int i, uint8_t *buf)
{
    double end = now() + 1;
    size_t n;

    while (!(n = esw_vf_recv(&vf[i], buf, 2048)) && now() < end) {
        continue;
    }
    return n;
}

/* Waits up to a second for one frame on ethdev 'port'. */
static struct rte_mbuf *
port_wait(uint16_t port)
{
    struct rte_mbuf *m = NULL;
    double end = now() + 1;

    while (!rte_eth_rx_burst(port, 0, &m, 1) && now() < end) {
        continue;
    }
    return m;
}

/* Two producers on one VF receive ring, as in production: the eswitch
 * thread (what a rule forwards from VF0) and a transmitting thread (what
 * OVS sends on the representor).  Each stamps its frames (byte 62: who,
 * bytes 56-59: sequence). */
#define STRESS_FRAMES 100000
static volatile int stress_tx_done;

static void
stamp(uint8_t *buf, uint8_t who, uint32_t seq)
{
    buf[62] = who;
    memcpy(buf + 56, &seq, sizeof seq);
}

static void *
stress_tx(void *aux)
{
    const uint8_t *tmpl = aux;

    for (uint32_t i = 0; i < STRESS_FRAMES; i++) {
        struct rte_mbuf *m;

        while (!(m = rte_pktmbuf_alloc(pool))) {
            sched_yield();
        }
        uint8_t *p = (uint8_t *) rte_pktmbuf_append(m, 64);
        memcpy(p, tmpl, 64);
        stamp(p, 2, i);
        /* A full VF ring returns the frame, as a full NIC queue does. */
        while (rte_eth_tx_burst(repr[1], 0, &m, 1) != 1) {
            sched_yield();
        }
    }
    __atomic_store_n(&stress_tx_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

/* The transmitter on an EAL worker lcore, as OVS's PMD threads are. */
static int
stress_tx_lcore(void *aux)
{
    stress_tx(aux);
    return 0;
}

static uint64_t
xstat(uint16_t port, const char *name)
{
    uint64_t id, value = 0;

    CHECK(!rte_eth_xstats_get_id_by_name(port, name, &id), "%s", name);
    CHECK(rte_eth_xstats_get_by_id(port, &id, &value, 1) == 1, "%s", name);
    return value;
}

/* Receives everything waiting on VF1, checking each producer's order. */
static void
stress_drain(uint32_t next[3], uint64_t got[3])
{
    uint8_t out[2048];
    size_t n;

    while ((n = esw_vf_recv(&vf[1], out, sizeof out))) {
        uint8_t who = out[62];
        uint32_t seq;

        memcpy(&seq, out + 56, sizeof seq);
        CHECK(n == 64 && (who == 1 || who == 2), "frame from %u", who);
        CHECK(seq >= next[who], "producer %u: %u after %u (reordered or "
              "duplicated)", who, seq, next[who]);
        next[who] = seq + 1;
        got[who]++;
    }
}

static void
stress_two_producers(const uint8_t *from0, const uint8_t *to1)
{
    uint32_t next[3] = { 0 };
    uint64_t got[3] = { 0 };
    uint64_t full0 = xstat(repr[1], "vf_rx_full_dropped");
    unsigned int worker = rte_get_next_lcore(-1, 1, 0);
    pthread_t thread;
    uint8_t buf[64];

    if (worker < RTE_MAX_LCORE) {
        CHECK(!rte_eal_remote_launch(stress_tx_lcore, (void *) to1, worker),
              "launch");
    } else {
        CHECK(!pthread_create(&thread, NULL, stress_tx, (void *) to1),
              "thread");
    }
    memcpy(buf, from0, 64);
    for (uint32_t i = 0; i < STRESS_FRAMES; i++) {
        stamp(buf, 1, i);
        while (esw_vf_send(&vf[0], buf, 64) == ENOBUFS) {
            stress_drain(next, got);
        }
        stress_drain(next, got);
    }
    while (!__atomic_load_n(&stress_tx_done, __ATOMIC_ACQUIRE)) {
        stress_drain(next, got);
    }
    if (worker < RTE_MAX_LCORE) {
        rte_eal_wait_lcore(worker);
    } else {
        pthread_join(thread, NULL);
    }
    double quiet = now() + 0.5;
    while (now() < quiet) {
        uint64_t before = got[1] + got[2];

        stress_drain(next, got);
        if (got[1] + got[2] != before) {
            quiet = now() + 0.5;
        }
    }
    uint64_t full = xstat(repr[1], "vf_rx_full_dropped") - full0;
    /* The transmitter retries what a full ring returns: all of it
     * arrives.  What the eswitch could not deliver is counted. */
    CHECK(got[2] == STRESS_FRAMES, "transmitted: %"PRIu64" of %d",
          got[2], STRESS_FRAMES);
    CHECK(got[1] + full == STRESS_FRAMES, "switched: %"PRIu64" + %"PRIu64
          " counted drops of %d", got[1], full, STRESS_FRAMES);
    printf("two producers on one VF ring: in order, nothing lost "
           "uncounted: ok\n");
    fprintf(stderr, "stress: %"PRIu64" switched, %"PRIu64" dropped "
            "(counted), %"PRIu64" transmitted\n", got[1], full, got[2]);
}

static struct rte_flow *
rule(uint32_t priority, const struct rte_flow_item *pattern,
     const struct rte_flow_action *actions, int *err)
{
    struct rte_flow_attr attr = { .transfer = 1, .priority = priority };
    struct rte_flow_error error;
    struct rte_flow *f = rte_flow_create(uplink, &attr, pattern, actions,
                                         &error);

    *err = f ? 0 : rte_errno;
    return f;
}

/* A VM's side of a VF in virtio mode: guest memory (a memfd at
 * guest-physical VM_GPA) holding a receive and a transmit split ring of
 * VQ_SIZE entries each, and buffers, driven as virtio-net's driver drives
 * them. */
#define VM_GPA 0x100000ULL
#define VM_MEM (1 << 20)
#define VQ_SIZE 16
#define VQ_RX 0x0000            /* Ring offsets in guest memory. */
#define VQ_TX 0x1000
#define VQ_BUFS 0x10000         /* 2 KiB buffers from here. */
#define VQ_HDR 12               /* virtio_net_hdr_mrg_rxbuf */

struct vm {
    int fd;
    uint8_t *mem;
    uint16_t avail_idx[2];      /* rx, tx */
    uint16_t used_seen[2];
};

static uint8_t *
vm_at(struct vm *vm, uint64_t off)
{
    return vm->mem + off;
}

static void
vm_desc(struct vm *vm, uint64_t ring, uint16_t i, uint64_t gpa, uint32_t len,
        uint16_t flags, uint16_t next)
{
    uint8_t *d = vm_at(vm, ring + 16 * i);

    memcpy(d, &gpa, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
}

/* Rings: desc at +0 (16 * 16), avail at +0x100, used at +0x200. */
static void
vm_post(struct vm *vm, int q, uint16_t head)
{
    uint64_t ring = q ? VQ_TX : VQ_RX;
    uint16_t *avail = (uint16_t *) vm_at(vm, ring + 0x100);

    avail[2 + vm->avail_idx[q] % VQ_SIZE] = head;
    vm->avail_idx[q]++;
    __atomic_store_n(&avail[1], vm->avail_idx[q], __ATOMIC_RELEASE);
}

static uint16_t
vm_used_idx(struct vm *vm, int q)
{
    uint16_t *used = (uint16_t *) vm_at(vm, (q ? VQ_TX : VQ_RX) + 0x200);

    return __atomic_load_n(&used[1], __ATOMIC_ACQUIRE);
}

/* Waits up to a second for used entry 'vm->used_seen[q]' of queue 'q';
 * returns its length, or -1. */
static int64_t
vm_wait_used(struct vm *vm, int q, uint32_t *id)
{
    double end = now() + 1;
    uint8_t *e;
    uint32_t len;

    while (vm_used_idx(vm, q) == vm->used_seen[q]) {
        if (now() > end) {
            return -1;
        }
    }
    e = vm_at(vm, (q ? VQ_TX : VQ_RX) + 0x204 + 8 * (vm->used_seen[q]
                                                    % VQ_SIZE));
    memcpy(id, e, 4);
    memcpy(&len, e + 4, 4);
    vm->used_seen[q]++;
    return len;
}

static void
vm_queue(struct rte_pmd_nae_esw_vio_queue *q, uint64_t ring, int callfd)
{
    q->desc = VM_GPA + ring;
    q->avail = VM_GPA + ring + 0x100;
    q->used = VM_GPA + ring + 0x200;
    q->size = VQ_SIZE;
    q->callfd = callfd;
}

/* Transmits 'frame' as descriptor 'i' (header) and 'i + 1' (frame), with
 * 'hdr' as its virtio-net header. */
static void
vm_send(struct vm *vm, uint16_t i, const uint8_t *hdr, const uint8_t *frame,
        uint32_t len)
{
    uint64_t buf = VQ_BUFS + 0x40000 + 0x800 * i;

    memcpy(vm_at(vm, buf), hdr, VQ_HDR);
    memcpy(vm_at(vm, buf + 0x100), frame, len);
    vm_desc(vm, VQ_TX, i, VM_GPA + buf, VQ_HDR, 1 /* NEXT */, i + 1);
    vm_desc(vm, VQ_TX, i + 1, VM_GPA + buf + 0x100, len, 0, 0);
    vm_post(vm, 1, i);
}

static void
test_virtio_mode(uint16_t port, uint8_t *buf, uint8_t *out)
{
    const uint8_t peer[6] = { 2, 0, 0, 0, 0, 9 };
    const uint8_t me[6] = { 2, 0, 0, 0, 0, 8 };
    uint64_t features = (1ULL << 32 /* VERSION_1 */ | 1ULL << 15 /* MRG */
                         | 1ULL << 28 /* INDIRECT */ | 1ULL << 0 /* CSUM */);
    struct rte_pmd_nae_esw_vio_region region = {
        .guest_phys_addr = VM_GPA, .size = VM_MEM, .fd_offset = 0,
        .mmap_size = VM_MEM,
    };
    struct rte_pmd_nae_esw_vio_queue q[2];
    struct rte_pmd_nae_esw_vio_stats st;
    uint8_t hdr[VQ_HDR] = { 0 };
    struct rte_mbuf *m;
    struct vm vm = { 0 };
    uint32_t id;
    int64_t used;
    size_t len;
    int callfd;

    vm.fd = memfd_create("esw-test-vm", MFD_CLOEXEC);
    CHECK(vm.fd >= 0 && !ftruncate(vm.fd, VM_MEM), "guest memory");
    vm.mem = mmap(NULL, VM_MEM, PROT_READ | PROT_WRITE, MAP_SHARED, vm.fd, 0);
    CHECK(vm.mem != MAP_FAILED, "map");
    region.fd = vm.fd;
    callfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    CHECK(callfd >= 0, "eventfd");

    CHECK(rte_pmd_nae_esw_vf_virtio_attach(port, &region, 1,
                                           features | 1ULL << 11 /* TSO4 */)
          == -ENOTSUP, "TSO from the VM is not modelled");
    region.mmap_size = VM_MEM * 2;
    CHECK(rte_pmd_nae_esw_vf_virtio_attach(port, &region, 1, features)
          == -EINVAL, "a region past its file");
    region.mmap_size = VM_MEM;
    CHECK(!rte_pmd_nae_esw_vf_virtio_attach(port, &region, 1, features),
          "attach");
    vm_queue(&q[0], VQ_RX, callfd);
    vm_queue(&q[1], VQ_TX, callfd);
    q[0].last_avail_idx = q[0].last_used_idx = 0;
    q[1].last_avail_idx = q[1].last_used_idx = 0;
    q[1].used = VM_GPA + VM_MEM - 8;
    CHECK(rte_pmd_nae_esw_vf_virtio_start(port, q) == -EINVAL,
          "a ring outside the VM's memory");
    vm_queue(&q[1], VQ_TX, callfd);
    CHECK(!rte_pmd_nae_esw_vf_virtio_start(port, q), "start");

    /* OVS sends on the representor: the frame lands in the VM's buffer,
     * behind a header, and the VM is interrupted. */
    for (uint16_t i = 0; i < 4; i++) {
        vm_desc(&vm, VQ_RX, i, VM_GPA + VQ_BUFS + 0x800 * i, 0x800,
                2 /* WRITE */, 0);
        vm_post(&vm, 0, i);
    }
    len = frame(buf, me, peer, 41);
    m = rte_pktmbuf_alloc(pool);
    memcpy(rte_pktmbuf_append(m, len), buf, len);
    CHECK(rte_eth_tx_burst(port, 0, &m, 1) == 1, "tx on representor");
    used = vm_wait_used(&vm, 0, &id);
    CHECK(used == VQ_HDR + (int64_t) len && id == 0, "used %"PRId64, used);
    CHECK(vm_at(&vm, VQ_BUFS)[10] == 1 /* num_buffers */
          && !memcmp(vm_at(&vm, VQ_BUFS + VQ_HDR), buf, len), "delivered");
    uint64_t ticks = 0;
    CHECK(read(callfd, &ticks, 8) == 8 && ticks >= 1, "interrupted");

    /* The VM sends: a miss comes up the representor; one with a checksum
     * request gets its checksum. */
    len = frame(buf, peer, me, 42);
    vm_send(&vm, 0, hdr, buf, len);
    m = port_wait(port);
    CHECK(m && m->pkt_len == len
          && !memcmp(rte_pktmbuf_mtod(m, void *), buf, len), "VM -> repr");
    rte_pktmbuf_free(m);
    CHECK(vm_wait_used(&vm, 1, &id) == 0 && id == 0, "tx used");
    hdr[0] = 1;                                 /* NEEDS_CSUM */
    hdr[6] = 34; hdr[7] = 0;                    /* csum_start */
    hdr[8] = 6; hdr[9] = 0;                     /* csum_offset */
    vm_send(&vm, 2, hdr, buf, len);
    m = port_wait(port);
    CHECK(m && m->pkt_len == len, "checksummed frame");
    const uint8_t *u = rte_pktmbuf_mtod(m, const uint8_t *);
    uint32_t sum = 0;
    for (size_t i = 34; i + 1 < len; i += 2) {
        sum += (u[i] << 8) | u[i + 1];
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    CHECK(sum == 0xffff && (u[40] || u[41]), "checksum filled in");
    rte_pktmbuf_free(m);
    CHECK(vm_wait_used(&vm, 1, &id) == 0 && id == 2, "tx used");
    memset(hdr, 0, sizeof hdr);

    /* Through an indirect table. */
    uint64_t table = VQ_BUFS + 0x80000;
    memcpy(vm_at(&vm, VQ_BUFS + 0x81000), hdr, VQ_HDR);
    memcpy(vm_at(&vm, VQ_BUFS + 0x81100), buf, len);
    vm_desc(&vm, table, 0, VM_GPA + VQ_BUFS + 0x81000, VQ_HDR, 1, 1);
    vm_desc(&vm, table, 1, VM_GPA + VQ_BUFS + 0x81100, len, 0, 0);
    vm_desc(&vm, VQ_TX, 4, VM_GPA + table, 32, 4 /* INDIRECT */, 0);
    vm_post(&vm, 1, 4);
    m = port_wait(port);
    CHECK(m && m->pkt_len == len, "indirect chain");
    rte_pktmbuf_free(m);
    CHECK(vm_wait_used(&vm, 1, &id) == 0 && id == 4, "tx used");

    /* A hostile VM: a buffer outside its memory, a loop, a head past the
     * ring, an avail index a ring ahead.  Each is refused and counted, and
     * the next good frame goes through. */
    vm_desc(&vm, VQ_TX, 5, VM_GPA + VM_MEM - 4, 64, 0, 0);
    vm_post(&vm, 1, 5);
    vm_desc(&vm, VQ_TX, 6, VM_GPA + VQ_BUFS, 64, 1, 6);
    vm_post(&vm, 1, 6);
    vm_post(&vm, 1, 999);
    for (int i = 0; i < 3; i++) {
        CHECK(vm_wait_used(&vm, 1, &id) == 0, "bad chain given back");
    }
    uint16_t *tx_avail = (uint16_t *) vm_at(&vm, VQ_TX + 0x100);
    __atomic_store_n(&tx_avail[1], vm.avail_idx[1] + 100, __ATOMIC_RELEASE);
    usleep(2000);
    CHECK(vm_used_idx(&vm, 1) == vm.used_seen[1], "a lying index: nothing");
    __atomic_store_n(&tx_avail[1], vm.avail_idx[1], __ATOMIC_RELEASE);
    vm_send(&vm, 8, hdr, buf, len);
    m = port_wait(port);
    CHECK(m && m->pkt_len == len, "a good frame after the bad ones");
    rte_pktmbuf_free(m);
    CHECK(vm_wait_used(&vm, 1, &id) == 0 && id == 8, "tx used");
    CHECK(!rte_pmd_nae_esw_vf_virtio_stats(port, &st) && st.running
          && st.bad_chain == 3 && st.bad_index >= 1 && st.frames == 5,
          "counted: %"PRIu64" bad chains, %"PRIu64" frames", st.bad_chain,
          st.frames);

    /* Stop: the indexes to resume from; the queues are still; a start
     * from them goes on where the NIC left off. */
    CHECK(!rte_pmd_nae_esw_vf_virtio_stop(port, q), "stop");
    CHECK(q[0].last_avail_idx == 1 && q[0].last_used_idx == 1
          && q[1].last_avail_idx == 7 && q[1].last_used_idx == 7,
          "indexes %u/%u %u/%u", q[0].last_avail_idx, q[0].last_used_idx,
          q[1].last_avail_idx, q[1].last_used_idx);
    vm_send(&vm, 10, hdr, buf, len);
    CHECK(!port_wait(port), "a stopped queue is not read");
    CHECK(vm_used_idx(&vm, 1) == vm.used_seen[1], "nor completed");
    vm_queue(&q[0], VQ_RX, callfd);
    vm_queue(&q[1], VQ_TX, callfd);
    CHECK(!rte_pmd_nae_esw_vf_virtio_start(port, q), "restart");
    m = port_wait(port);
    CHECK(m && m->pkt_len == len, "the frame queued while stopped");
    rte_pktmbuf_free(m);
    CHECK(vm_wait_used(&vm, 1, &id) == 0 && id == 10, "tx used");
    len = frame(buf, me, peer, 43);
    m = rte_pktmbuf_alloc(pool);
    memcpy(rte_pktmbuf_append(m, len), buf, len);
    CHECK(rte_eth_tx_burst(port, 0, &m, 1) == 1, "tx on representor");
    CHECK(vm_wait_used(&vm, 0, &id) == VQ_HDR + (int64_t) len && id == 1,
          "into the VM's next buffer");
    CHECK(vm_at(&vm, VQ_BUFS + 0x800 + VQ_HDR + 63)[0] == 43, "content");

    CHECK(!rte_pmd_nae_esw_vf_virtio_detach(port), "detach");
    CHECK(rte_pmd_nae_esw_vf_virtio_detach(port) == -EINVAL, "once");
    close(callfd);
    munmap(vm.mem, VM_MEM);
    close(vm.fd);
}

int
main(int argc, char *argv[])
{
    char vdev[512], path[512];
    uint8_t buf[2048], out[2048];
    const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    size_t len;
    int err;

    if (argc != 2) {
        fprintf(stderr, "usage: %s SHM_DIR\n", argv[0]);
        return 2;
    }
    snprintf(vdev, sizeof vdev, "net_nae_esw7,vfs=2,flows=4,shm_dir=%s",
             argv[1]);
    char *eal[] = { "esw-test", "--no-huge", "--legacy-mem", "-m", "256",
                    "--no-pci", "--no-shconf", "--log-level=lib.eal:4",
                    "--vdev", vdev, NULL };
    CHECK(rte_eal_init(10, eal) >= 0, "EAL init");
    pool = rte_pktmbuf_pool_create("esw_test", 4096, 0, 0, 2048 + 128,
                                   SOCKET_ID_ANY);
    CHECK(pool, "mempool");

    /* The ports, found the way OVS's dpdk-devargs finds them. */
    CHECK(!rte_eth_dev_get_port_by_name("net_nae_esw7", &uplink), "uplink");
    for (int i = 0; i < 2; i++) {
        struct rte_dev_iterator it;
        char devargs[64];
        uint16_t p, n = 0;

        snprintf(devargs, sizeof devargs, "net_nae_esw7,representor=vf%d",
                 i);
        RTE_ETH_FOREACH_MATCHING_DEV (p, devargs, &it) {
            repr[i] = p;
            n++;
        }
        CHECK(n == 1, "%s matches %u ports", devargs, n);
        struct rte_eth_dev_info info;
        CHECK(!rte_eth_dev_info_get(repr[i], &info), "info");
        CHECK(*info.dev_flags & RTE_ETH_DEV_REPRESENTOR, "representor");
        CHECK(info.switch_info.port_id == i, "switch port");
    }
    printf("ports: uplink %u, representors %u %u: ok\n", uplink, repr[0],
           repr[1]);
    port_start(uplink);
    port_start(repr[0]);
    port_start(repr[1]);
    char vf_path[2][256];
    struct esw_vf_guest gone_vf;
    for (int i = 0; i < 2; i++) {
        snprintf(vf_path[i], sizeof vf_path[i], "%s/net_nae_esw7-vf%d",
                 argv[1], i);
        CHECK(!esw_vf_attach(&vf[i], vf_path[i]), "attach %s", vf_path[i]);
        CHECK(esw_vf_enabled(&vf[i]), "enabled");
    }
    uint32_t gen0 = esw_vf_generation(&vf[0]);
    uint16_t proxy;
    struct rte_flow_error error;
    CHECK(!rte_flow_pick_transfer_proxy(repr[1], &proxy, &error)
          && proxy == uplink, "transfer proxy");

    /* No rule: what VF0 sends comes up its representor; what OVS sends on
     * a representor reaches its VF. */
    len = frame(buf, bcast, esw_vf_mac(&vf[0]), 1);
    CHECK(!esw_vf_send(&vf[0], buf, len), "send");
    struct rte_mbuf *m = port_wait(repr[0]);
    CHECK(m && m->pkt_len == len
          && !memcmp(rte_pktmbuf_mtod(m, void *), buf, len), "miss to repr");
    CHECK(rte_eth_tx_burst(repr[1], 0, &m, 1) == 1, "tx on repr1");
    CHECK(vf_wait(1, out) == len && !memcmp(out, buf, len), "repr1 -> VF1");
    printf("miss path and representor transmit: ok\n");

    /* A transfer rule VF0 -> VF1 switches in the NIC, counted. */
    struct rte_flow_item_ethdev from0 = { .port_id = repr[0] };
    struct rte_flow_item_eth eth = { 0 }, eth_mask = { 0 };
    memcpy(&eth.dst, esw_vf_mac(&vf[1]), 6);
    memset(&eth_mask.dst, 0xff, 6);
    struct rte_flow_item pattern[] = {
        { .type = RTE_FLOW_ITEM_TYPE_REPRESENTED_PORT, .spec = &from0 },
        { .type = RTE_FLOW_ITEM_TYPE_ETH, .spec = &eth, .mask = &eth_mask },
        { .type = RTE_FLOW_ITEM_TYPE_END },
    };
    struct rte_flow_action_ethdev to1 = { .port_id = repr[1] };
    struct rte_flow_action_count count = { 0 };
    struct rte_flow_action fwd[] = {
        { .type = RTE_FLOW_ACTION_TYPE_COUNT, .conf = &count },
        { .type = RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT, .conf = &to1 },
        { .type = RTE_FLOW_ACTION_TYPE_END },
    };
    struct rte_flow *f1 = rule(1, pattern, fwd, &err);
    CHECK(f1, "create: %d", err);
    for (int i = 0; i < 3; i++) {
        len = frame(buf, esw_vf_mac(&vf[1]), esw_vf_mac(&vf[0]), 10 + i);
        CHECK(!esw_vf_send(&vf[0], buf, len), "send");
        size_t got = vf_wait(1, out);
        CHECK(got == len && out[63] == 10 + i, "VF0 -> VF1: %zu bytes", got);
    }
    m = NULL;
    CHECK(!rte_eth_rx_burst(repr[0], 0, &m, 1), "nothing reached OVS");
    struct rte_flow_query_count q = { .reset = 1 };
    struct rte_flow_action qa = { .type = RTE_FLOW_ACTION_TYPE_COUNT };
    CHECK(!rte_flow_query(uplink, f1, &qa, &q, &error)
          && q.hits == 3 && q.bytes == 3 * len, "counter %lu", q.hits);
    q.hits = 99;
    CHECK(!rte_flow_query(uplink, f1, &qa, &q, &error) && q.hits == 0,
          "counter reset");
    printf("transfer rule VF0 -> VF1, counters: ok\n");
    {
        uint8_t tmpl[64];

        frame(tmpl, esw_vf_mac(&vf[1]), bcast, 0);
        stress_two_producers(buf, tmpl);
    }

    /* Rewrites and a tag, delivered up to OVS on representor 1; a
     * higher-priority rule wins over f1. */
    struct rte_flow_item_ipv4 ip = { .hdr.dst_addr = RTE_BE32(0x0a000002) };
    struct rte_flow_item_ipv4 ip_mask = { .hdr.dst_addr = RTE_BE32(~0u) };
    struct rte_flow_item_udp udp = { .hdr.dst_port = RTE_BE16(53) };
    struct rte_flow_item_udp udp_mask = { .hdr.dst_port = RTE_BE16(0xffff) };
    struct rte_flow_item pattern2[] = {
        { .type = RTE_FLOW_ITEM_TYPE_REPRESENTED_PORT, .spec = &from0 },
        { .type = RTE_FLOW_ITEM_TYPE_ETH },
        { .type = RTE_FLOW_ITEM_TYPE_IPV4, .spec = &ip, .mask = &ip_mask },
        { .type = RTE_FLOW_ITEM_TYPE_UDP, .spec = &udp, .mask = &udp_mask },
        { .type = RTE_FLOW_ITEM_TYPE_END },
    };
    struct rte_flow_action_set_mac newdst = {
        .mac_addr = { 2, 0, 0, 0, 0, 0x42 } };
    struct rte_flow_action_set_ipv4 newip = { RTE_BE32(0x0a000063) };
    struct rte_flow_action_of_push_vlan push = { RTE_BE16(0x8100) };
    struct rte_flow_action_of_set_vlan_vid vid = { RTE_BE16(100) };
    struct rte_flow_action_ethdev up1 = { .port_id = repr[1] };
    struct rte_flow_action mod[] = {
        { .type = RTE_FLOW_ACTION_TYPE_SET_MAC_DST, .conf = &newdst },
        { .type = RTE_FLOW_ACTION_TYPE_SET_IPV4_DST, .conf = &newip },
        { .type = RTE_FLOW_ACTION_TYPE_OF_PUSH_VLAN, .conf = &push },
        { .type = RTE_FLOW_ACTION_TYPE_OF_SET_VLAN_VID, .conf = &vid },
        { .type = RTE_FLOW_ACTION_TYPE_PORT_REPRESENTOR, .conf = &up1 },
        { .type = RTE_FLOW_ACTION_TYPE_END },
    };
    struct rte_flow *f2 = rule(0, pattern2, mod, &err);
    CHECK(f2, "create 2: %d", err);
    len = frame(buf, esw_vf_mac(&vf[1]), esw_vf_mac(&vf[0]), 20);
    CHECK(!esw_vf_send(&vf[0], buf, len), "send");
    m = port_wait(repr[1]);
    CHECK(m && m->pkt_len == len + 4, "rewritten frame up repr1");
    const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
    CHECK(p[5] == 0x42 && p[12] == 0x81 && p[13] == 0 && p[15] == 100
          && p[16] == 0x08 && p[37] == 0x63, "rewrites");
    /* The IPv4 header checksum still verifies. */
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) {
        sum += (p[18 + i] << 8) | p[19 + i];
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    CHECK(sum == 0xffff || sum == 0, "IPv4 checksum 0x%x", sum);
    rte_pktmbuf_free(m);
    printf("priority, rewrites, VLAN push, to a representor: ok\n");

    /* What the NIC refuses, and its capacity (flows=4). */
    struct rte_flow_attr ingress = { .ingress = 1 };
    CHECK(rte_flow_validate(uplink, &ingress, pattern, fwd, &error)
          == -ENOTSUP, "non-transfer refused");
    struct rte_flow_item gtp[] = {
        { .type = RTE_FLOW_ITEM_TYPE_GTP },
        { .type = RTE_FLOW_ITEM_TYPE_END },
    };
    CHECK(!rule(0, gtp, fwd, &err) && err == ENOTSUP, "GTP refused");
    struct rte_flow_action nofate[] = {
        { .type = RTE_FLOW_ACTION_TYPE_COUNT },
        { .type = RTE_FLOW_ACTION_TYPE_END },
    };
    CHECK(!rule(0, pattern, nofate, &err) && err == EINVAL, "no fate");
    struct rte_flow_action drop[] = {
        { .type = RTE_FLOW_ACTION_TYPE_DROP },
        { .type = RTE_FLOW_ACTION_TYPE_END },
    };
    struct rte_flow *f3 = rule(5, pattern, drop, &err);
    struct rte_flow *f4 = rule(6, pattern, drop, &err);
    CHECK(f3 && f4, "rules 3 and 4");
    CHECK(!rule(7, pattern, drop, &err) && err == ENOSPC, "table full");
    CHECK(!rte_flow_destroy(uplink, f4, &error), "destroy");
    CHECK(rule(7, pattern, drop, &err), "room again");
    CHECK(rte_flow_destroy(uplink, NULL, &error) == -ENOENT, "no handle");
    printf("refusals, capacity: ok\n");

    /* A lying guest: a huge length and a head far ahead are refused and
     * the NIC carries on. */
    CHECK(!rte_flow_flush(uplink, &error), "flush");
    {
        struct esw_vf_shm *shm = vf[0].shm;
        uint32_t h = __atomic_load_n(&shm->from_guest.head,
                                     __ATOMIC_RELAXED);

        shm->from_guest.len[h & 511] = 60000;
        __atomic_store_n(&shm->from_guest.head, h + 1000000,
                         __ATOMIC_RELEASE);
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep(&ts, NULL);
        CHECK(xstat(repr[0], "vf_tx_index_errors") > 0, "lie counted");
        CHECK(!port_wait(repr[0]), "nothing taken from a lying ring");
        /* Resynchronize as a sane guest would after a reset. */
        __atomic_store_n(&shm->from_guest.head,
                         __atomic_load_n(&shm->from_guest.tail,
                                         __ATOMIC_ACQUIRE),
                         __ATOMIC_RELEASE);
        while ((m = port_wait(repr[0])) != NULL) {
            rte_pktmbuf_free(m);
        }
    }
    len = frame(buf, bcast, esw_vf_mac(&vf[0]), 30);
    CHECK(!esw_vf_send(&vf[0], buf, len), "send");
    m = port_wait(repr[0]);
    CHECK(m && rte_pktmbuf_mtod(m, uint8_t *)[63] == 30, "still switching");
    rte_pktmbuf_free(m);
    printf("hostile guest refused: ok\n");

    /* The hypervisor's controls: the VF's MAC, and withdrawing the VF
     * (hot-unplug) and giving it back. */
    struct rte_ether_addr newmac = { { 0x02, 0xaa, 0, 0, 0, 0x07 } };
    CHECK(!rte_pmd_nae_esw_vf_set_mac(repr[1], &newmac)
          && !memcmp(esw_vf_mac(&vf[1]), newmac.addr_bytes, 6), "VF MAC");
    CHECK(rte_pmd_nae_esw_vf_set_mac(uplink, &newmac) == -ENODEV,
          "uplink has no VF");
    CHECK(!rte_pmd_nae_esw_vf_set_enabled(repr[0], false)
          && !esw_vf_enabled(&vf[0])
          && rte_pmd_nae_esw_vf_enabled(repr[0]) == 0, "withdraw");
    CHECK(esw_vf_send(&vf[0], buf, len) == ENETDOWN, "withdrawn VF");
    m = rte_pktmbuf_alloc(pool);
    CHECK(m, "mbuf");
    memcpy(rte_pktmbuf_append(m, len), buf, len);
    CHECK(rte_eth_tx_burst(repr[0], 0, &m, 1) == 1, "tx to withdrawn VF");
    CHECK(!vf_wait(0, out), "nothing reaches a withdrawn VF");
    /* Withdrawn means withdrawn: the guest's 'enabled' is only its own
     * view, and its memory was revoked. */
    struct esw_vf_shm *old = vf[0].shm;
    __atomic_store_n(&old->enabled, 1, __ATOMIC_RELEASE);
    CHECK(!esw_vf_send(&vf[0], buf, len), "queue on a withdrawn VF");
    CHECK(!port_wait(repr[0]) && rte_pmd_nae_esw_vf_enabled(repr[0]) == 0,
          "enabled=1 from the guest changes nothing");
    CHECK(esw_vf_attach(&gone_vf, vf_path[0]) == ECONNREFUSED,
          "a withdrawn VF's socket refuses");
    CHECK(!rte_pmd_nae_esw_vf_set_enabled(repr[0], true), "replug");
    CHECK(!port_wait(repr[0]), "old memory stays dead after replug");
    esw_vf_detach(&vf[0]);
    CHECK(!esw_vf_attach(&vf[0], vf_path[0]) && esw_vf_enabled(&vf[0])
          && esw_vf_generation(&vf[0]) > gen0, "new memory after replug");
    CHECK(!esw_vf_send(&vf[0], buf, len), "send after replug");
    m = port_wait(repr[0]);
    CHECK(m, "traffic after replug");
    rte_pktmbuf_free(m);
    printf("VF MAC, withdraw and replug: ok\n");

    /* The VF's memory cannot be truncated (SIGBUS in the eswitch thread)
     * or grown: its seals are the NIC's. */
    int memfd = rte_pmd_nae_esw_vf_memfd(repr[1]);
    CHECK(memfd >= 0, "VF memfd");
    CHECK(ftruncate(memfd, 0) && errno == EPERM, "truncate refused");
    CHECK(ftruncate(memfd, 1 << 30) && errno == EPERM, "grow refused");
    CHECK(fcntl(memfd, F_ADD_SEALS, 0) && errno == EPERM, "seals sealed");
    close(memfd);

    /* A VF claimed for another owner: the previous holder keeps a mapping
     * the NIC no longer uses, and reads none of the new holder's traffic;
     * the socket hands a claimed VF to no one. */
    struct esw_vf_shm *prev = vf[1].shm;
    uint32_t prev_head = __atomic_load_n(&prev->to_guest.head,
                                         __ATOMIC_ACQUIRE);
    CHECK(!rte_pmd_nae_esw_vf_claim(repr[1], true), "claim");
    CHECK(!esw_vf_enabled(&vf[1]), "previous holder told");
    CHECK(esw_vf_attach(&gone_vf, vf_path[1]) == ECONNREFUSED,
          "a claimed VF's socket refuses");
    struct esw_vf_guest owner;
    CHECK(!esw_vf_attach_fd(&owner, rte_pmd_nae_esw_vf_memfd(repr[1]))
          && esw_vf_enabled(&owner), "the owner's guest maps it");
    m = rte_pktmbuf_alloc(pool);
    memcpy(rte_pktmbuf_append(m, len), buf, len);
    CHECK(rte_eth_tx_burst(repr[1], 0, &m, 1) == 1, "tx to the new holder");
    CHECK(esw_vf_recv(&owner, out, sizeof out) == len, "new holder gets it");
    CHECK(__atomic_load_n(&prev->to_guest.head, __ATOMIC_ACQUIRE)
          == prev_head, "the previous holder does not");
    __atomic_store_n(&prev->enabled, 1, __ATOMIC_RELEASE);
    CHECK(!esw_vf_send(&vf[1], buf, len), "the previous holder sends");
    CHECK(!port_wait(repr[1]), "nothing of it is switched");
    esw_vf_detach(&owner);
    CHECK(!rte_pmd_nae_esw_vf_claim(repr[1], false), "unclaim");
    esw_vf_detach(&vf[1]);
    CHECK(!esw_vf_attach(&vf[1], vf_path[1]), "the socket serves it again");
    printf("sealed memory, revocation: ok\n");

    test_virtio_mode(repr[0], buf, out);
    printf("virtio mode: a VM's rings run by the NIC, stopped, resumed: ok\n");

    for (int i = 0; i < 2; i++) {
        esw_vf_detach(&vf[i]);
    }
    uint16_t ports[] = { repr[0], repr[1], uplink };
    for (int i = 0; i < 3; i++) {
        CHECK(!rte_eth_dev_stop(ports[i]) && !rte_eth_dev_close(ports[i]),
              "close port %u", ports[i]);
    }
    snprintf(path, sizeof path, "%s/net_nae_esw7-vf0", argv[1]);
    struct esw_vf_guest gone;
    CHECK(esw_vf_attach(&gone, path) == ENOENT, "VF files removed");
    rte_eal_cleanup();
    printf("close: ok\n");
    return 0;
}
