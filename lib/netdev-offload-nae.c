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

/* The flow offload provider for "nae" ports: with other_config:hw-offload,
 * dpif-netdev hands it the datapath flows whose input is a nae port, and it
 * turns those it can express into eswitch rules (rte_flow, transfer) of the
 * NIC behind the port's hardware channel.  docs/hw-channels.md explains the
 * model; OVS's own netdev-offload-dpdk does the same for "dpdk" ports.
 *
 * A flow is offloadable when its input and its one output (or none: drop)
 * are nae ports whose traffic is on their hardware channels, or the output
 * is a "dpdk" port of the same eswitch (the uplink), and it matches only on
 * Ethernet, one VLAN, IPv4/IPv6 addresses, protocol and fragments, and TCP
 * or UDP ports.  Everything else stays in software, counted by reason.
 *
 * Flows of a port that is on its software rings are remembered, not
 * installed: netdev-nae calls nae_offload_port_set() when a port's
 * hardware path comes and goes, and its rules are installed and removed
 * then, so that a path switch never leaves a rule pointing at a path the
 * guest has left.  Hardware counters survive removal: a flow's statistics
 * are those of every rule it has had.
 *
 * Threads: flow_put/get/del run in dpif-netdev's offload thread, flow_get
 * also in revalidators, nae_offload_port_set() in the main thread.  One
 * mutex covers it all; callers may hold a nae port's mutex (taken first). */

#include <config.h>

#include <errno.h>

#include <rte_ethdev.h>
#include <rte_flow.h>

#include "coverage.h"
#include "dpif.h"
#include "netdev-dpdk.h"
#include "netdev-offload-nae.h"
#include "netdev-offload-provider.h"
#include "netdev-provider.h"
#include "odp-netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/hmap.h"
#include "openvswitch/match.h"
#include "openvswitch/vlog.h"
#include "ovs-thread.h"
#include "packets.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(netdev_offload_nae);

COVERAGE_DEFINE(nae_offload_installed);
COVERAGE_DEFINE(nae_offload_refused);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Why a flow stays in software. */
#define NAE_OFFLOAD_REASONS                                             \
    NAE_OFFLOAD_REASON(MATCH, "match")         /* A field we cannot   \
                                                * express. */           \
    NAE_OFFLOAD_REASON(FRAGMENT, "ip_fragment")                         \
    NAE_OFFLOAD_REASON(ACTION, "action")       /* Not output/drop. */   \
    NAE_OFFLOAD_REASON(OUTPUTS, "several_outputs")                      \
    NAE_OFFLOAD_REASON(OUT_PORT, "output_port") /* Not nae-with-VF or  \
                                                 * the uplink. */       \
    NAE_OFFLOAD_REASON(NO_HW_CHANNEL, "no_hw_channel")                  \
    NAE_OFFLOAD_REASON(OTHER_SWITCH, "other_switch")                    \
    NAE_OFFLOAD_REASON(TABLE_FULL, "table_full")                        \
    NAE_OFFLOAD_REASON(PORT_QUOTA, "port_quota") /* Its input port has \
                                                  * its share. */       \
    NAE_OFFLOAD_REASON(NIC_REFUSED, "nic_refused")

enum nae_offload_reason {
#define NAE_OFFLOAD_REASON(ENUM, NAME) NAE_OFFLOAD_##ENUM,
    NAE_OFFLOAD_REASONS
#undef NAE_OFFLOAD_REASON
    NAE_OFFLOAD_N_REASONS
};

static const char *const nae_offload_reason_names[] = {
#define NAE_OFFLOAD_REASON(ENUM, NAME) NAME,
    NAE_OFFLOAD_REASONS
#undef NAE_OFFLOAD_REASON
};

/* A nae port as the provider knows it. */
struct nae_offload_port {
    struct hmap_node node;          /* In 'ports', by netdev pointer. */
    const struct netdev *netdev;    /* Not a reference: removed first. */
    int hw_port;                    /* Representor, or -1. */
    enum nae_offload_state state;
    /* Rules in the eswitch whose input is this port, and how many it may
     * have (0: any): one guest's flows must not take a table every port
     * shares. */
    unsigned int n_rules;
    unsigned int quota;
};

/* What an output becomes in the eswitch. */
struct nae_offload_fate {
    bool drop;
    const struct netdev *nae_out;   /* A nae port, or NULL. */
    int ethdev;                     /* Uplink port id, if not a nae port. */
};

/* A datapath flow the provider holds, installed or not. */
struct nae_offload_flow {
    struct hmap_node node;          /* In 'flows', by ufid. */
    ovs_u128 ufid;
    const struct netdev *in;        /* A nae port (flow_put's netdev). */
    struct nae_offload_fate fate;

    /* The rule's pattern, kept to (re)install it. */
    struct rte_flow_item_eth eth_spec, eth_mask;
    struct rte_flow_item_vlan vlan_spec, vlan_mask;
    struct rte_flow_item_ipv4 ip4_spec, ip4_mask;
    struct rte_flow_item_ipv6 ip6_spec, ip6_mask;
    struct rte_flow_item_tcp tcp_spec, tcp_mask;
    struct rte_flow_item_udp udp_spec, udp_mask;
    bool has_vlan, has_ip4, has_ip6, has_tcp, has_udp;

    struct rte_flow *rule;          /* NULL while not in the eswitch. */
    uint16_t rule_port;             /* The port it was created on. */
    uint64_t packets, bytes;        /* Of rules already removed. */
    long long int used;             /* Last time hardware counted one. */
    uint64_t last_hits;             /* Of the current rule. */
};

static struct ovs_mutex nae_offload_mutex = OVS_MUTEX_INITIALIZER;
static struct hmap ports OVS_GUARDED_BY(nae_offload_mutex)
    = HMAP_INITIALIZER(&ports);
static struct hmap flows OVS_GUARDED_BY(nae_offload_mutex)
    = HMAP_INITIALIZER(&flows);
static uint64_t refused[NAE_OFFLOAD_N_REASONS]
    OVS_GUARDED_BY(nae_offload_mutex);
static uint64_t n_installs, n_removals OVS_GUARDED_BY(nae_offload_mutex);

static struct nae_offload_port *
nae_offload_port_find(const struct netdev *netdev)
    OVS_REQUIRES(nae_offload_mutex)
{
    struct nae_offload_port *p;

    HMAP_FOR_EACH_WITH_HASH (p, node, hash_pointer(netdev, 0), &ports) {
        if (p->netdev == netdev) {
            return p;
        }
    }
    return NULL;
}

static struct nae_offload_flow *
nae_offload_flow_find(const ovs_u128 *ufid)
    OVS_REQUIRES(nae_offload_mutex)
{
    struct nae_offload_flow *f;

    HMAP_FOR_EACH_WITH_HASH (f, node, hash_bytes(ufid, sizeof *ufid, 0),
                             &flows) {
        if (ovs_u128_equals(f->ufid, *ufid)) {
            return f;
        }
    }
    return NULL;
}

static int
nae_offload_refuse(enum nae_offload_reason reason)
    OVS_REQUIRES(nae_offload_mutex)
{
    refused[reason]++;
    COVERAGE_INC(nae_offload_refused);
    return EOPNOTSUPP;
}

/* Translates the match into the rule's pattern fields.  Returns 0, or the
 * reason it cannot. */
static int
nae_offload_parse_match(const struct match *match, struct nae_offload_flow *f)
{
    struct flow_wildcards left = match->wc;     /* What is not consumed. */
    const struct flow *fl = &match->flow;
    struct flow *m = &left.masks;

    /* Consumed by the rule's existence: the input port (the rule's source),
     * the packet type and recirculation id 0 (a rule sees packets as they
     * come from the wire). */
    if (fl->recirc_id || (m->packet_type
                          && fl->packet_type != htonl(PT_ETH))) {
        return NAE_OFFLOAD_MATCH;
    }
    m->in_port.odp_port = 0;
    m->recirc_id = 0;
    m->packet_type = 0;

    memcpy(&f->eth_spec.dst, &fl->dl_dst, ETH_ADDR_LEN);
    memcpy(&f->eth_mask.dst, &m->dl_dst, ETH_ADDR_LEN);
    memcpy(&f->eth_spec.src, &fl->dl_src, ETH_ADDR_LEN);
    memcpy(&f->eth_mask.src, &m->dl_src, ETH_ADDR_LEN);
    f->eth_spec.type = fl->dl_type;
    f->eth_mask.type = m->dl_type;
    memset(&m->dl_dst, 0, sizeof m->dl_dst);
    memset(&m->dl_src, 0, sizeof m->dl_src);
    m->dl_type = 0;

    if (m->vlans[0].tci) {
        ovs_be16 cfi = htons(VLAN_CFI);

        f->eth_mask.has_vlan = 1;
        f->eth_spec.has_vlan = !!(fl->vlans[0].tci & cfi);
        if (f->eth_spec.has_vlan && m->vlans[0].tci & ~cfi) {
            f->has_vlan = true;
            f->vlan_spec.tci = fl->vlans[0].tci & ~cfi;
            f->vlan_mask.tci = m->vlans[0].tci & ~cfi;
        }
        m->vlans[0].tci = 0;
        m->vlans[0].tpid = 0;
    }

    if (fl->dl_type == htons(ETH_TYPE_IP) && f->eth_mask.type) {
        f->has_ip4 = true;
        f->ip4_spec.hdr.src_addr = fl->nw_src;
        f->ip4_mask.hdr.src_addr = m->nw_src;
        f->ip4_spec.hdr.dst_addr = fl->nw_dst;
        f->ip4_mask.hdr.dst_addr = m->nw_dst;
        f->ip4_spec.hdr.next_proto_id = fl->nw_proto;
        f->ip4_mask.hdr.next_proto_id = m->nw_proto;
        f->ip4_spec.hdr.type_of_service = fl->nw_tos;
        f->ip4_mask.hdr.type_of_service = m->nw_tos;
        if (m->nw_frag) {
            if (fl->nw_frag & m->nw_frag) {
                return NAE_OFFLOAD_FRAGMENT;
            }
            /* Not a fragment: MF clear and offset zero. */
            f->ip4_mask.hdr.fragment_offset = htons(RTE_IPV4_HDR_OFFSET_MASK
                                                    | RTE_IPV4_HDR_MF_FLAG);
        }
        m->nw_src = m->nw_dst = 0;
        m->nw_proto = m->nw_tos = m->nw_frag = 0;
    } else if (fl->dl_type == htons(ETH_TYPE_IPV6) && f->eth_mask.type) {
        f->has_ip6 = true;
        memcpy(f->ip6_spec.hdr.src_addr, &fl->ipv6_src, 16);
        memcpy(f->ip6_mask.hdr.src_addr, &m->ipv6_src, 16);
        memcpy(f->ip6_spec.hdr.dst_addr, &fl->ipv6_dst, 16);
        memcpy(f->ip6_mask.hdr.dst_addr, &m->ipv6_dst, 16);
        f->ip6_spec.hdr.proto = fl->nw_proto;
        f->ip6_mask.hdr.proto = m->nw_proto;
        if (m->nw_frag) {
            if (fl->nw_frag & m->nw_frag) {
                return NAE_OFFLOAD_FRAGMENT;
            }
            f->ip6_mask.has_frag_ext = 1;
        }
        memset(&m->ipv6_src, 0, sizeof m->ipv6_src);
        memset(&m->ipv6_dst, 0, sizeof m->ipv6_dst);
        m->nw_proto = m->nw_frag = 0;
    }

    if ((f->has_ip4 || f->has_ip6) && (m->tp_src || m->tp_dst)) {
        uint8_t proto = fl->nw_proto & (f->has_ip4
                                        ? f->ip4_mask.hdr.next_proto_id
                                        : f->ip6_mask.hdr.proto);

        if (proto == IPPROTO_TCP) {
            f->has_tcp = true;
            f->tcp_spec.hdr.src_port = fl->tp_src;
            f->tcp_mask.hdr.src_port = m->tp_src;
            f->tcp_spec.hdr.dst_port = fl->tp_dst;
            f->tcp_mask.hdr.dst_port = m->tp_dst;
        } else if (proto == IPPROTO_UDP) {
            f->has_udp = true;
            f->udp_spec.hdr.src_port = fl->tp_src;
            f->udp_mask.hdr.src_port = m->tp_src;
            f->udp_spec.hdr.dst_port = fl->tp_dst;
            f->udp_mask.hdr.dst_port = m->tp_dst;
        } else {
            return NAE_OFFLOAD_MATCH;
        }
        m->tp_src = m->tp_dst = 0;
    }

    return is_all_zeros(m, sizeof *m) ? 0 : NAE_OFFLOAD_MATCH;
}

/* Translates the actions: none (drop) or one output.  Returns 0 or the
 * reason it cannot. */
static int
nae_offload_parse_actions(const struct netdev *in, const struct nlattr *acts,
                          size_t acts_len, struct nae_offload_fate *fate)
    OVS_REQUIRES(nae_offload_mutex)
{
    const struct nlattr *a;
    unsigned int left;
    int n_outputs = 0;

    memset(fate, 0, sizeof *fate);
    fate->ethdev = -1;
    NL_ATTR_FOR_EACH_UNSAFE (a, left, acts, acts_len) {
        struct netdev *out;

        if (nl_attr_type(a) != OVS_ACTION_ATTR_OUTPUT) {
            return NAE_OFFLOAD_ACTION;
        }
        if (++n_outputs > 1) {
            return NAE_OFFLOAD_OUTPUTS;
        }
        out = netdev_ports_get(nl_attr_get_odp_port(a), in->dpif_type);
        if (!out) {
            return NAE_OFFLOAD_OUT_PORT;
        }
        if (!strcmp(netdev_get_type(out), "nae")) {
            fate->nae_out = nae_offload_port_find(out) ? out : NULL;
        } else if (netdev_dpdk_flow_api_supported(out)) {
            fate->ethdev = netdev_dpdk_get_port_id(out);
        }
        netdev_close(out);          /* 'ports' holds nae ports till gone. */
        if (!fate->nae_out && fate->ethdev < 0) {
            return NAE_OFFLOAD_OUT_PORT;
        }
    }
    fate->drop = !n_outputs;
    return 0;
}

static bool
same_switch(uint16_t a, uint16_t b)
{
    struct rte_eth_dev_info ia, ib;

    return (!rte_eth_dev_info_get(a, &ia) && !rte_eth_dev_info_get(b, &ib)
            && ia.switch_info.name && ib.switch_info.name
            && !strcmp(ia.switch_info.name, ib.switch_info.name)
            && ia.switch_info.domain_id == ib.switch_info.domain_id);
}

/* Puts 'f' into the eswitch if its ports are on their hardware paths.
 * Returns 0 (installed, or waiting for its ports) or the reason not. */
static int
nae_offload_install(struct nae_offload_flow *f)
    OVS_REQUIRES(nae_offload_mutex)
{
    struct nae_offload_port *in = nae_offload_port_find(f->in);
    struct nae_offload_port *out = (f->fate.nae_out
                                    ? nae_offload_port_find(f->fate.nae_out)
                                    : NULL);
    struct rte_flow_item_ethdev src;
    struct rte_flow_action_ethdev dst;
    struct rte_flow_action_count count = { .id = 0 };
    struct rte_flow_item items[8];
    struct rte_flow_action actions[3];
    struct rte_flow_attr attr = { .transfer = 1 };
    struct rte_flow_error error;
    uint16_t proxy;
    int n = 0, a = 0, dst_port;

    if (f->rule) {
        return 0;
    }
    if (!in || in->state == NAE_OFFLOAD_OFF
        || (f->fate.nae_out && (!out || out->state != NAE_OFFLOAD_ON))) {
        return 0;                   /* Later, when they are. */
    }
    dst_port = out ? out->hw_port : f->fate.ethdev;
    if (!f->fate.drop && !same_switch(in->hw_port, dst_port)) {
        return NAE_OFFLOAD_OTHER_SWITCH;
    }
    if (rte_flow_pick_transfer_proxy(in->hw_port, &proxy, &error)) {
        proxy = in->hw_port;
    }

    src.port_id = in->hw_port;
    items[n++] = (struct rte_flow_item) {
        .type = RTE_FLOW_ITEM_TYPE_REPRESENTED_PORT, .spec = &src,
        .mask = &rte_flow_item_ethdev_mask };
    items[n++] = (struct rte_flow_item) {
        .type = RTE_FLOW_ITEM_TYPE_ETH, .spec = &f->eth_spec,
        .mask = &f->eth_mask };
    if (f->has_vlan) {
        items[n++] = (struct rte_flow_item) {
            .type = RTE_FLOW_ITEM_TYPE_VLAN, .spec = &f->vlan_spec,
            .mask = &f->vlan_mask };
    }
    if (f->has_ip4) {
        items[n++] = (struct rte_flow_item) {
            .type = RTE_FLOW_ITEM_TYPE_IPV4, .spec = &f->ip4_spec,
            .mask = &f->ip4_mask };
    } else if (f->has_ip6) {
        items[n++] = (struct rte_flow_item) {
            .type = RTE_FLOW_ITEM_TYPE_IPV6, .spec = &f->ip6_spec,
            .mask = &f->ip6_mask };
    }
    if (f->has_tcp) {
        items[n++] = (struct rte_flow_item) {
            .type = RTE_FLOW_ITEM_TYPE_TCP, .spec = &f->tcp_spec,
            .mask = &f->tcp_mask };
    } else if (f->has_udp) {
        items[n++] = (struct rte_flow_item) {
            .type = RTE_FLOW_ITEM_TYPE_UDP, .spec = &f->udp_spec,
            .mask = &f->udp_mask };
    }
    items[n] = (struct rte_flow_item) { .type = RTE_FLOW_ITEM_TYPE_END };

    actions[a++] = (struct rte_flow_action) {
        .type = RTE_FLOW_ACTION_TYPE_COUNT, .conf = &count };
    if (f->fate.drop) {
        actions[a++] = (struct rte_flow_action) {
            .type = RTE_FLOW_ACTION_TYPE_DROP };
    } else {
        dst.port_id = dst_port;
        actions[a++] = (struct rte_flow_action) {
            .type = RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT, .conf = &dst };
    }
    actions[a] = (struct rte_flow_action) { .type = RTE_FLOW_ACTION_TYPE_END };

    if (in->quota && in->n_rules >= in->quota) {
        return NAE_OFFLOAD_PORT_QUOTA;
    }
    memset(&error, 0, sizeof error);
    f->rule = rte_flow_create(proxy, &attr, items, actions, &error);
    if (!f->rule) {
        int err = rte_errno;

        VLOG_DBG_RL(&rl, "%s: eswitch refused flow %016"PRIx64"%016"PRIx64
                    ": %s", netdev_get_name(f->in), f->ufid.u64.hi,
                    f->ufid.u64.lo,
                    error.message ? error.message : rte_strerror(err));
        return err == ENOSPC ? NAE_OFFLOAD_TABLE_FULL
                             : NAE_OFFLOAD_NIC_REFUSED;
    }
    f->rule_port = proxy;
    f->last_hits = 0;
    in->n_rules++;
    n_installs++;
    COVERAGE_INC(nae_offload_installed);
    return 0;
}

/* Reads the current rule's counters into 'f'. */
static void
nae_offload_query(struct nae_offload_flow *f, uint64_t *packets,
                  uint64_t *bytes)
    OVS_REQUIRES(nae_offload_mutex)
{
    struct rte_flow_query_count q = { .reset = 0 };
    struct rte_flow_action count[] = {
        { .type = RTE_FLOW_ACTION_TYPE_COUNT },
        { .type = RTE_FLOW_ACTION_TYPE_END },
    };
    struct rte_flow_error error;

    *packets = f->packets;
    *bytes = f->bytes;
    if (f->rule && !rte_flow_query(f->rule_port, f->rule, count, &q, &error)) {
        if (q.hits_set) {
            if (q.hits != f->last_hits) {
                f->used = time_msec();
                f->last_hits = q.hits;
            }
            *packets += q.hits;
        }
        if (q.bytes_set) {
            *bytes += q.bytes;
        }
    }
}

/* Takes 'f' out of the eswitch, keeping its counts. */
static void
nae_offload_uninstall(struct nae_offload_flow *f)
    OVS_REQUIRES(nae_offload_mutex)
{
    struct rte_flow_error error;

    if (!f->rule) {
        return;
    }
    nae_offload_query(f, &f->packets, &f->bytes);
    if (rte_flow_destroy(f->rule_port, f->rule, &error)) {
        VLOG_WARN_RL(&rl, "%s: cannot remove eswitch rule: %s",
                     netdev_get_name(f->in),
                     error.message ? error.message : "unknown error");
    }
    f->rule = NULL;
    n_removals++;

    struct nae_offload_port *in = nae_offload_port_find(f->in);
    if (in && in->n_rules) {
        in->n_rules--;
    }
}

static bool
nae_offload_flow_uses(const struct nae_offload_flow *f,
                      const struct netdev *netdev)
{
    return f->in == netdev || f->fate.nae_out == netdev;
}

static struct nae_offload_port *
nae_offload_port_get(const struct netdev *netdev)
    OVS_REQUIRES(nae_offload_mutex)
{
    struct nae_offload_port *p = nae_offload_port_find(netdev);

    if (!p) {
        p = xzalloc(sizeof *p);
        p->netdev = netdev;
        p->quota = NAE_OFFLOAD_DEFAULT_QUOTA;
        hmap_insert(&ports, &p->node, hash_pointer(netdev, 0));
    }
    return p;
}

void
nae_offload_port_set_quota(const struct netdev *netdev, unsigned int quota)
{
    ovs_mutex_lock(&nae_offload_mutex);
    nae_offload_port_get(netdev)->quota = quota;
    ovs_mutex_unlock(&nae_offload_mutex);
}

void
nae_offload_port_set(const struct netdev *netdev, int hw_port,
                     enum nae_offload_state state)
{
    struct nae_offload_port *p;
    struct nae_offload_flow *f, *next;

    ovs_mutex_lock(&nae_offload_mutex);
    p = nae_offload_port_get(netdev);
    p->hw_port = hw_port;
    p->state = hw_port >= 0 ? state : NAE_OFFLOAD_OFF;

    HMAP_FOR_EACH_SAFE (f, next, node, &flows) {
        if (!nae_offload_flow_uses(f, netdev)) {
            continue;
        }
        if (p->state == NAE_OFFLOAD_ON
            || (p->state == NAE_OFFLOAD_AS_SOURCE && f->in == netdev)) {
            int reason = nae_offload_install(f);

            if (reason) {
                /* Not now (e.g. the table is full): it stays in
                 * software, and is tried again at the next change. */
                refused[reason]++;
            }
        } else {
            nae_offload_uninstall(f);
        }
    }
    ovs_mutex_unlock(&nae_offload_mutex);
}

static void
nae_offload_flow_destroy(struct nae_offload_flow *f)
    OVS_REQUIRES(nae_offload_mutex)
{
    nae_offload_uninstall(f);
    hmap_remove(&flows, &f->node);
    free(f);
}

void
nae_offload_port_remove(const struct netdev *netdev)
{
    struct nae_offload_flow *f, *next;
    struct nae_offload_port *p;

    ovs_mutex_lock(&nae_offload_mutex);
    HMAP_FOR_EACH_SAFE (f, next, node, &flows) {
        if (nae_offload_flow_uses(f, netdev)) {
            nae_offload_flow_destroy(f);
        }
    }
    p = nae_offload_port_find(netdev);
    if (p) {
        hmap_remove(&ports, &p->node);
        free(p);
    }
    ovs_mutex_unlock(&nae_offload_mutex);
}

/* The flow API. */

static int
nae_offload_flow_put(struct netdev *netdev, struct match *match,
                     struct nlattr *actions, size_t actions_len,
                     const ovs_u128 *ufid,
                     struct offload_info *info OVS_UNUSED,
                     struct dpif_flow_stats *stats)
{
    struct nae_offload_flow *f, *old;
    int reason;

    f = xzalloc(sizeof *f);
    f->ufid = *ufid;
    f->in = netdev;

    ovs_mutex_lock(&nae_offload_mutex);
    old = nae_offload_flow_find(ufid);
    if (old) {
        /* Modified (e.g. new actions after revalidation): the new rule
         * replaces the old one, and inherits its counts. */
        uint64_t packets, bytes;

        nae_offload_query(old, &packets, &bytes);
        f->packets = packets;
        f->bytes = bytes;
        f->used = old->used;
        nae_offload_flow_destroy(old);
    }
    if (!nae_offload_port_find(netdev)) {
        reason = NAE_OFFLOAD_NO_HW_CHANNEL;
    } else {
        reason = nae_offload_parse_match(match, f);
        if (!reason) {
            reason = nae_offload_parse_actions(netdev, actions, actions_len,
                                               &f->fate);
        }
        if (!reason) {
            reason = nae_offload_install(f);
        }
    }
    if (reason) {
        int error = nae_offload_refuse(reason);

        ovs_mutex_unlock(&nae_offload_mutex);
        free(f);
        return error;
    }
    hmap_insert(&flows, &f->node, hash_bytes(ufid, sizeof *ufid, 0));
    ovs_mutex_unlock(&nae_offload_mutex);

    if (stats) {
        memset(stats, 0, sizeof *stats);
    }
    return 0;
}

static int
nae_offload_flow_get(struct netdev *netdev OVS_UNUSED,
                     struct match *match OVS_UNUSED,
                     struct nlattr **actions OVS_UNUSED,
                     const ovs_u128 *ufid, struct dpif_flow_stats *stats,
                     struct dpif_flow_attrs *attrs,
                     struct ofpbuf *buf OVS_UNUSED)
{
    struct nae_offload_flow *f;
    uint64_t packets, bytes;

    ovs_mutex_lock(&nae_offload_mutex);
    f = nae_offload_flow_find(ufid);
    if (!f) {
        ovs_mutex_unlock(&nae_offload_mutex);
        return ENOENT;
    }
    nae_offload_query(f, &packets, &bytes);
    memset(stats, 0, sizeof *stats);
    stats->n_packets = packets;
    stats->n_bytes = bytes;
    stats->used = f->used;
    /* A flow of a port that is on its rings is handled in software now;
     * what the eswitch counted before still counts. */
    attrs->offloaded = f->rule != NULL;
    attrs->dp_layer = f->rule ? "dpdk" : "ovs";
    attrs->dp_extra_info = NULL;
    ovs_mutex_unlock(&nae_offload_mutex);
    return 0;
}

static int
nae_offload_flow_del(struct netdev *netdev OVS_UNUSED, const ovs_u128 *ufid,
                     struct dpif_flow_stats *stats)
{
    struct nae_offload_flow *f;

    ovs_mutex_lock(&nae_offload_mutex);
    f = nae_offload_flow_find(ufid);
    if (!f) {
        ovs_mutex_unlock(&nae_offload_mutex);
        return ENOENT;
    }
    nae_offload_uninstall(f);
    if (stats) {
        memset(stats, 0, sizeof *stats);
        stats->n_packets = f->packets;
        stats->n_bytes = f->bytes;
        stats->used = f->used;
    }
    nae_offload_flow_destroy(f);
    ovs_mutex_unlock(&nae_offload_mutex);
    return 0;
}

static int
nae_offload_flow_flush(struct netdev *netdev)
{
    struct nae_offload_flow *f, *next;

    ovs_mutex_lock(&nae_offload_mutex);
    HMAP_FOR_EACH_SAFE (f, next, node, &flows) {
        if (f->in == netdev) {
            nae_offload_flow_destroy(f);
        }
    }
    ovs_mutex_unlock(&nae_offload_mutex);
    return 0;
}

static int
nae_offload_get_n_flows(struct netdev *netdev, uint64_t *n_flows)
{
    struct nae_offload_flow *f;

    *n_flows = 0;
    ovs_mutex_lock(&nae_offload_mutex);
    HMAP_FOR_EACH (f, node, &flows) {
        *n_flows += f->in == netdev && f->rule;
    }
    ovs_mutex_unlock(&nae_offload_mutex);
    return 0;
}

static int
nae_offload_init_flow_api(struct netdev *netdev)
{
    return strcmp(netdev_get_type(netdev), "nae") ? EOPNOTSUPP : 0;
}

/* nae/offload-show: what is in the eswitch, what is waiting, and why the
 * rest stays in software. */
static void
nae_offload_unixctl_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                         const char *argv[] OVS_UNUSED,
                         void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct nae_offload_port *p;
    struct nae_offload_flow *f;
    size_t n_hw = 0, n_waiting = 0;

    ovs_mutex_lock(&nae_offload_mutex);
    HMAP_FOR_EACH (f, node, &flows) {
        if (f->rule) {
            n_hw++;
        } else {
            n_waiting++;
        }
    }
    ds_put_format(&s, "flows in the eswitch: %"PRIuSIZE"\n"
                  "flows waiting for a port's hardware path: %"PRIuSIZE"\n"
                  "rules installed: %"PRIu64", removed: %"PRIu64"\n",
                  n_hw, n_waiting, n_installs, n_removals);
    ds_put_cstr(&s, "kept in software, by reason:\n");
    for (int r = 0; r < NAE_OFFLOAD_N_REASONS; r++) {
        ds_put_format(&s, "  %s: %"PRIu64"\n", nae_offload_reason_names[r],
                      refused[r]);
    }
    HMAP_FOR_EACH (p, node, &ports) {
        size_t n = 0;

        HMAP_FOR_EACH (f, node, &flows) {
            n += f->rule && nae_offload_flow_uses(f, p->netdev);
        }
        ds_put_format(&s, "port %s: %s, %"PRIuSIZE" rules\n",
                      netdev_get_name(p->netdev),
                      p->state == NAE_OFFLOAD_ON ? "hardware path"
                      : p->state == NAE_OFFLOAD_AS_SOURCE
                      ? "moving to hardware" : "software path", n);
    }
    ovs_mutex_unlock(&nae_offload_mutex);
    unixctl_command_reply(conn, ds_cstr(&s));
    ds_destroy(&s);
}

static const struct netdev_flow_api netdev_offload_nae = {
    .type = "nae_flow_api",
    .flow_put = nae_offload_flow_put,
    .flow_get = nae_offload_flow_get,
    .flow_del = nae_offload_flow_del,
    .flow_flush = nae_offload_flow_flush,
    .flow_get_n_flows = nae_offload_get_n_flows,
    .init_flow_api = nae_offload_init_flow_api,
};

void
nae_offload_register(void)
{
    netdev_register_flow_api_provider(&netdev_offload_nae);
    unixctl_command_register("nae/offload-show", "", 0, 0,
                             nae_offload_unixctl_show, NULL);
}
