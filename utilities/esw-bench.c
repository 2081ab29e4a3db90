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

/* esw-bench: how fast the emulated switchdev NIC takes transfer rules
 * through rte_flow (create, query, destroy), the floor under any offload
 * provider's programming rate.  Usage: esw-bench N_RULES SHM_DIR.
 * Not a test: it prints rules per second. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_flow.h>

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
    char vdev[512];
    uint16_t uplink, repr0, repr1;

    if (argc != 3) {
        fprintf(stderr, "usage: %s N_RULES SHM_DIR\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[1]);
    snprintf(vdev, sizeof vdev, "net_nae_esw9,vfs=2,flows=%d,shm_dir=%s", n,
             argv[2]);
    char *eal[] = { "esw-bench", "--no-huge", "--legacy-mem", "-m", "512",
                    "--no-pci", "--no-shconf", "--log-level=lib.eal:4",
                    "--vdev", vdev, NULL };
    if (rte_eal_init(10, eal) < 0
        || rte_eth_dev_get_port_by_name("net_nae_esw9", &uplink)
        || rte_eth_dev_get_port_by_name("net_nae_esw9_representor_vf0",
                                        &repr0)
        || rte_eth_dev_get_port_by_name("net_nae_esw9_representor_vf1",
                                        &repr1)) {
        fprintf(stderr, "esw-bench: cannot set up the NIC\n");
        return 1;
    }
    struct rte_flow **flows = calloc(n, sizeof *flows);
    struct rte_flow_attr attr = { .transfer = 1 };
    struct rte_flow_item_ethdev from = { .port_id = repr0 };
    struct rte_flow_item_eth eth = { 0 }, eth_mask = { 0 };
    struct rte_flow_item_ipv4 ip = { 0 }, ip_mask = { 0 };
    struct rte_flow_item_udp udp = { 0 }, udp_mask = { 0 };
    struct rte_flow_action_ethdev to = { .port_id = repr1 };
    struct rte_flow_item pattern[] = {
        { .type = RTE_FLOW_ITEM_TYPE_REPRESENTED_PORT, .spec = &from },
        { .type = RTE_FLOW_ITEM_TYPE_ETH, .spec = &eth, .mask = &eth_mask },
        { .type = RTE_FLOW_ITEM_TYPE_IPV4, .spec = &ip, .mask = &ip_mask },
        { .type = RTE_FLOW_ITEM_TYPE_UDP, .spec = &udp, .mask = &udp_mask },
        { .type = RTE_FLOW_ITEM_TYPE_END },
    };
    struct rte_flow_action actions[] = {
        { .type = RTE_FLOW_ACTION_TYPE_COUNT },
        { .type = RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT, .conf = &to },
        { .type = RTE_FLOW_ACTION_TYPE_END },
    };
    struct rte_flow_error error;

    /* The shape OVS's megaflows take: MACs, addresses, ports. */
    memset(&eth_mask.dst, 0xff, 6);
    memset(&eth_mask.src, 0xff, 6);
    ip_mask.hdr.src_addr = ip_mask.hdr.dst_addr = RTE_BE32(~0u);
    udp_mask.hdr.dst_port = RTE_BE16(0xffff);
    double t0 = now();
    for (int i = 0; i < n; i++) {
        ip.hdr.dst_addr = rte_cpu_to_be_32(0x0a000000 | i);
        udp.hdr.dst_port = rte_cpu_to_be_16(i);
        flows[i] = rte_flow_create(uplink, &attr, pattern, actions, &error);
        if (!flows[i]) {
            fprintf(stderr, "rule %d: %s\n", i, error.message);
            return 1;
        }
    }
    double t1 = now();
    struct rte_flow_action count = { .type = RTE_FLOW_ACTION_TYPE_COUNT };
    for (int i = 0; i < n; i++) {
        struct rte_flow_query_count q = { 0 };

        rte_flow_query(uplink, flows[i], &count, &q, &error);
    }
    double t2 = now();
    for (int i = 0; i < n; i++) {
        rte_flow_destroy(uplink, flows[i], &error);
    }
    double t3 = now();
    printf("esw rules=%d create=%.0f/s query=%.0f/s destroy=%.0f/s\n", n,
           n / (t1 - t0), n / (t2 - t1), n / (t3 - t2));
    rte_eal_cleanup();
    return 0;
}
