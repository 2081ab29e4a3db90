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
 * State is per port, as netdev-offload-dpdk keeps it: each nae netdev's
 * 'hw_info.offload_data' is its 'struct nae_offload_port', with a cmap of
 * the flows whose input it is, by ufid.
 *
 * Threads:
 *
 *   - flow_put/del/flush run in dpif-netdev's offload thread(s), and the
 *     offload worker (below) reprograms a port's rules when its hardware
 *     path changes.  Both program the NIC under 'nae_offload_mutex', which
 *     serializes changes to flows, rules and ports.
 *
 *   - flow_get runs in revalidators too.  It finds the flow in the port's
 *     cmap under RCU and takes only that flow's 'mutex' (which guards its
 *     rule and counters) to query the NIC, so it never waits for the
 *     programming of other flows.  Flows are freed after an RCU grace
 *     period.
 *
 *   - The main thread (netdev-nae, the path machine) never programs the
 *     NIC: nae_offload_port_set() queues the change for the worker and
 *     returns a ticket; the path machine waits for nae_offload_port_done()
 *     on it as for one more acknowledgement.  nae_offload_port_remove(),
 *     called when a port closes its representor, waits for the worker: the
 *     representor must carry no rule once closed.
 *
 * Lock order: a nae port's mutex (the caller's), nae_offload_mutex,
 * a flow's mutex; the worker's queue lock is taken alone. */

#include <config.h>

#include <errno.h>

#include <rte_ethdev.h>
#include <rte_flow.h>

#include "cmap.h"
#include "coverage.h"
#include "dpif.h"
#include "hash.h"
#include "netdev-dpdk.h"
#include "netdev-offload-nae.h"
#include "netdev-offload-provider.h"
#include "netdev-provider.h"
#include "odp-netlink.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/list.h"
#include "openvswitch/match.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/vlog.h"
#include "ovs-rcu.h"
#include "ovs-thread.h"
#include "packets.h"
#include "seq.h"
#include "timeval.h"
#include "unixctl.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(netdev_offload_nae);

COVERAGE_DEFINE(nae_offload_installed);
COVERAGE_DEFINE(nae_offload_refused);

static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(5, 20);

/* Why a flow stays in software: what the translation and installation
 * functions return (NAE_OFFLOAD_ACCEPTED, or a refusal), never an errno
 * value.  The flow API maps every refusal to EOPNOTSUPP. */
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

enum nae_offload_refusal {
    NAE_OFFLOAD_ACCEPTED,           /* In the eswitch, or waiting for its
                                     * ports' hardware paths. */
#define NAE_OFFLOAD_REASON(ENUM, NAME) NAE_OFFLOAD_##ENUM,
    NAE_OFFLOAD_REASONS
#undef NAE_OFFLOAD_REASON
    NAE_OFFLOAD_N_REFUSALS
};

static const char *const nae_offload_refusal_names[] = {
    "accepted",
#define NAE_OFFLOAD_REASON(ENUM, NAME) NAME,
    NAE_OFFLOAD_REASONS
#undef NAE_OFFLOAD_REASON
};

/* A nae port as the provider knows it: its netdev's
 * 'hw_info.offload_data', from its first use until the netdev goes. */
struct nae_offload_port {
    const struct netdev *netdev;    /* Not a reference: the netdev owns us. */
    struct ovs_list node;           /* In 'ports'. */

    /* Flows whose input is this port (struct nae_offload_flow), by ufid.
     * Changed under nae_offload_mutex; read under RCU. */
    struct cmap flows;

    /* Under nae_offload_mutex. */
    int hw_port;                    /* Representor, or -1. */
    enum nae_offload_state state;
    /* Rules in the eswitch whose input is this port, and how many it may
     * have (0: any): one guest's flows must not take a table every port
     * shares. */
    unsigned int n_rules;
    unsigned int quota;

    bool dead;                      /* Its netdev is going. */

    /* Changes the worker has to make, by ticket: the last one asked for
     * (main thread) and the last one made. */
    uint64_t requested;
    atomic_uint64_t done;
};

/* What an output becomes in the eswitch. */
struct nae_offload_fate {
    bool drop;
    const struct netdev *nae_out;   /* A nae port, or NULL. */
    struct nae_offload_port *nae_out_port;  /* Its state. */
    int ethdev;                     /* Uplink port id, if not a nae port. */
};

/* A datapath flow the provider holds, installed or not. */
struct nae_offload_flow {
    struct cmap_node node;          /* In its input port's 'flows'. */
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

    /* Its rule and counters: written under nae_offload_mutex and this
     * mutex, read under either. */
    struct ovs_mutex mutex;
    struct rte_flow *rule;          /* NULL while not in the eswitch. */
    uint16_t rule_port;             /* The port it was created on. */
    uint64_t packets, bytes;        /* Of rules already removed. */
    long long int used;             /* Last time hardware counted one. */
    uint64_t last_hits;             /* Of the current rule. */
};

static struct ovs_mutex nae_offload_mutex = OVS_MUTEX_INITIALIZER;
static struct ovs_list ports OVS_GUARDED_BY(nae_offload_mutex)
    = OVS_LIST_INITIALIZER(&ports);
static uint64_t refused[NAE_OFFLOAD_N_REFUSALS]
    OVS_GUARDED_BY(nae_offload_mutex);
static uint64_t n_installs OVS_GUARDED_BY(nae_offload_mutex);
static uint64_t n_removals OVS_GUARDED_BY(nae_offload_mutex);

/* The provider's state of nae port 'netdev', or NULL before its first
 * use. */
static struct nae_offload_port *
nae_offload_port_find(const struct netdev *netdev)
{
    return ovsrcu_get(void *, &netdev->hw_info.offload_data);
}

static uint32_t
nae_offload_ufid_hash(const ovs_u128 *ufid)
{
    return hash_bytes(ufid, sizeof *ufid, 0);
}

/* The flow 'ufid' of input port 'p'.  Under nae_offload_mutex or RCU. */
static struct nae_offload_flow *
nae_offload_flow_find(const struct nae_offload_port *p, const ovs_u128 *ufid)
{
    struct nae_offload_flow *f;

    CMAP_FOR_EACH_WITH_HASH (f, node, nae_offload_ufid_hash(ufid),
                             &p->flows) {
        if (ovs_u128_equals(f->ufid, *ufid)) {
            return f;
        }
    }
    return NULL;
}

static void
nae_offload_count_refusal(enum nae_offload_refusal refusal)
    OVS_REQUIRES(nae_offload_mutex)
{
    if (refusal != NAE_OFFLOAD_ACCEPTED) {
        refused[refusal]++;
        COVERAGE_INC(nae_offload_refused);
    }
}

/* Translates the match into the rule's pattern fields. */
static enum nae_offload_refusal
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

    return is_all_zeros(m, sizeof *m) ? NAE_OFFLOAD_ACCEPTED
                                      : NAE_OFFLOAD_MATCH;
}

/* Translates the actions: none (drop) or one output.  Not under
 * nae_offload_mutex: looking the output up takes OVS's netdev locks, which
 * the main thread may hold while it waits for the offload worker. */
static enum nae_offload_refusal
nae_offload_parse_actions(const struct netdev *in, const struct nlattr *acts,
                          size_t acts_len, struct nae_offload_fate *fate)
    OVS_EXCLUDED(nae_offload_mutex)
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
            /* Under RCU: flow_put() checks it is still alive once it
             * holds nae_offload_mutex. */
            fate->nae_out_port = nae_offload_port_find(out);
            fate->nae_out = fate->nae_out_port ? out : NULL;
        } else if (netdev_dpdk_flow_api_supported(out)) {
            fate->ethdev = netdev_dpdk_get_port_id(out);
        }
        /* Its flows go before it does (nae_offload_port_destroy()). */
        netdev_close(out);
        if (!fate->nae_out && fate->ethdev < 0) {
            return NAE_OFFLOAD_OUT_PORT;
        }
    }
    fate->drop = !n_outputs;
    return NAE_OFFLOAD_ACCEPTED;
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

/* Puts 'f' into the eswitch if its ports are on their hardware paths. */
static enum nae_offload_refusal
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
    struct rte_flow *rule;
    uint16_t proxy;
    int n = 0, a = 0, dst_port;

    if (f->rule) {
        return NAE_OFFLOAD_ACCEPTED;
    }
    if (!in || in->state == NAE_OFFLOAD_OFF
        || (f->fate.nae_out && (!out || out->state != NAE_OFFLOAD_ON))) {
        return NAE_OFFLOAD_ACCEPTED;    /* Later, when they are. */
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
    rule = rte_flow_create(proxy, &attr, items, actions, &error);
    if (!rule) {
        int err = rte_errno;

        VLOG_DBG_RL(&rl, "%s: eswitch refused flow %016"PRIx64"%016"PRIx64
                    ": %s", netdev_get_name(f->in), f->ufid.u64.hi,
                    f->ufid.u64.lo,
                    error.message ? error.message : rte_strerror(err));
        return err == ENOSPC ? NAE_OFFLOAD_TABLE_FULL
                             : NAE_OFFLOAD_NIC_REFUSED;
    }
    ovs_mutex_lock(&f->mutex);
    f->rule = rule;
    f->rule_port = proxy;
    f->last_hits = 0;
    ovs_mutex_unlock(&f->mutex);
    in->n_rules++;
    n_installs++;
    COVERAGE_INC(nae_offload_installed);
    return NAE_OFFLOAD_ACCEPTED;
}

/* Stores in '*packets' and '*bytes' the counts of every rule 'f' has had,
 * the current one's from the NIC. */
static void
nae_offload_query(struct nae_offload_flow *f, uint64_t *packets,
                  uint64_t *bytes)
    OVS_REQUIRES(f->mutex)
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
    ovs_mutex_lock(&f->mutex);
    nae_offload_query(f, &f->packets, &f->bytes);
    if (rte_flow_destroy(f->rule_port, f->rule, &error)) {
        VLOG_WARN_RL(&rl, "%s: cannot remove eswitch rule: %s",
                     netdev_get_name(f->in),
                     error.message ? error.message : "unknown error");
    }
    f->rule = NULL;
    ovs_mutex_unlock(&f->mutex);
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

/* The provider's state of nae port 'netdev', created on first use.  Main
 * thread (netdev-nae configures every port before OVS offloads a flow of
 * it). */
static struct nae_offload_port *
nae_offload_port_get(const struct netdev *netdev)
{
    struct nae_offload_port *p = nae_offload_port_find(netdev);

    if (!p) {
        p = xzalloc(sizeof *p);
        p->netdev = netdev;
        p->hw_port = -1;
        p->quota = NAE_OFFLOAD_DEFAULT_QUOTA;
        cmap_init(&p->flows);
        atomic_init(&p->done, 0);
        ovs_mutex_lock(&nae_offload_mutex);
        ovs_list_push_back(&ports, &p->node);
        ovs_mutex_unlock(&nae_offload_mutex);
        ovsrcu_set(&CONST_CAST(struct netdev *, netdev)->hw_info.offload_data,
                   p);
    }
    return p;
}

static void
nae_offload_flow_free(struct nae_offload_flow *f)
{
    ovs_mutex_destroy(&f->mutex);
    free(f);
}

/* Removes 'f' from its port's flows and the eswitch.  Readers under RCU may
 * still see it until it is freed. */
static void
nae_offload_flow_destroy(struct nae_offload_port *in,
                         struct nae_offload_flow *f)
    OVS_REQUIRES(nae_offload_mutex)
{
    nae_offload_uninstall(f);
    cmap_remove(&in->flows, &f->node, nae_offload_ufid_hash(&f->ufid));
    ovsrcu_postpone(nae_offload_flow_free, f);
}

/* Installs or removes the rules of every flow that involves port 'p', as
 * its new state asks.  The worker only. */
static void
nae_offload_port_apply(struct nae_offload_port *p, int hw_port,
                       enum nae_offload_state state)
    OVS_REQUIRES(nae_offload_mutex)
{
    struct nae_offload_port *q;

    p->hw_port = hw_port;
    p->state = hw_port >= 0 ? state : NAE_OFFLOAD_OFF;

    LIST_FOR_EACH (q, node, &ports) {
        struct nae_offload_flow *f;

        CMAP_FOR_EACH (f, node, &q->flows) {
            if (!nae_offload_flow_uses(f, p->netdev)) {
                continue;
            }
            if (p->state == NAE_OFFLOAD_ON
                || (p->state == NAE_OFFLOAD_AS_SOURCE && f->in == p->netdev)) {
                /* Not now (e.g. the table is full): it stays in software,
                 * and is tried again at the next change. */
                nae_offload_count_refusal(nae_offload_install(f));
            } else {
                nae_offload_uninstall(f);
            }
        }
    }
}

/* Destroys every flow that involves 'p'.  The worker only. */
static void
nae_offload_port_flush(struct nae_offload_port *p)
    OVS_REQUIRES(nae_offload_mutex)
{
    struct nae_offload_port *q;

    LIST_FOR_EACH (q, node, &ports) {
        struct nae_offload_flow *f;

        CMAP_FOR_EACH (f, node, &q->flows) {
            if (nae_offload_flow_uses(f, p->netdev)) {
                nae_offload_flow_destroy(q, f);
            }
        }
    }
    p->hw_port = -1;
    p->state = NAE_OFFLOAD_OFF;
}

/* The offload worker: applies the main thread's port changes, so that the
 * main thread never waits for the NIC's rule table. */

struct nae_offload_request {
    struct ovs_list node;           /* In 'requests'. */
    struct nae_offload_port *port;
    uint64_t ticket;
    bool flush;                     /* Remove its flows, or: */
    int hw_port;                    /* apply this representor and */
    enum nae_offload_state state;   /* state. */
};

static struct ovs_mutex worker_mutex = OVS_MUTEX_INITIALIZER;
static pthread_cond_t worker_cond = PTHREAD_COND_INITIALIZER;
static struct ovs_list requests OVS_GUARDED_BY(worker_mutex)
    = OVS_LIST_INITIALIZER(&requests);
static bool worker_started OVS_GUARDED_BY(worker_mutex);
/* Changes when the worker has made a change: wakes the main loop. */
static struct seq *worker_seq;

static void *
nae_offload_worker_main(void *arg OVS_UNUSED)
{
    for (;;) {
        struct nae_offload_request *r;

        /* Waiting, the thread holds no RCU-protected pointer. */
        ovsrcu_quiesce_start();
        ovs_mutex_lock(&worker_mutex);
        while (ovs_list_is_empty(&requests)) {
            ovs_mutex_cond_wait(&worker_cond, &worker_mutex);
        }
        r = CONTAINER_OF(ovs_list_pop_front(&requests),
                         struct nae_offload_request, node);
        ovs_mutex_unlock(&worker_mutex);
        ovsrcu_quiesce_end();

        ovs_mutex_lock(&nae_offload_mutex);
        if (r->flush) {
            nae_offload_port_flush(r->port);
        } else {
            nae_offload_port_apply(r->port, r->hw_port, r->state);
        }
        ovs_mutex_unlock(&nae_offload_mutex);

        atomic_store(&r->port->done, r->ticket);
        ovs_mutex_lock(&worker_mutex);
        /* nae_offload_port_remove() may be waiting. */
        xpthread_cond_broadcast(&worker_cond);
        ovs_mutex_unlock(&worker_mutex);
        seq_change(worker_seq);
        free(r);
    }
    return NULL;
}

/* Queues a change of port 'p' for the worker.  Returns its ticket. */
static uint64_t
nae_offload_request(struct nae_offload_port *p, bool flush, int hw_port,
                    enum nae_offload_state state)
{
    struct nae_offload_request *r = xmalloc(sizeof *r);
    uint64_t ticket = ++p->requested;

    r->port = p;
    r->ticket = ticket;
    r->flush = flush;
    r->hw_port = hw_port;
    r->state = state;

    ovs_mutex_lock(&worker_mutex);
    if (!worker_started) {
        worker_started = true;
        ovs_thread_create("nae_offload", nae_offload_worker_main, NULL);
    }
    ovs_list_push_back(&requests, &r->node);
    xpthread_cond_broadcast(&worker_cond);
    ovs_mutex_unlock(&worker_mutex);
    return ticket;              /* 'r' may be gone already. */
}

void
nae_offload_port_set_quota(const struct netdev *netdev, unsigned int quota)
{
    struct nae_offload_port *p = nae_offload_port_get(netdev);

    ovs_mutex_lock(&nae_offload_mutex);
    p->quota = quota;
    ovs_mutex_unlock(&nae_offload_mutex);
}

uint64_t
nae_offload_port_set(const struct netdev *netdev, int hw_port,
                     enum nae_offload_state state)
{
    return nae_offload_request(nae_offload_port_get(netdev), false, hw_port,
                               state);
}

bool
nae_offload_port_done(const struct netdev *netdev, uint64_t ticket)
{
    struct nae_offload_port *p = nae_offload_port_find(netdev);
    uint64_t done;

    if (!p) {
        return true;
    }
    atomic_read(&p->done, &done);
    return done >= ticket;
}

void
nae_offload_port_wait(const struct netdev *netdev, uint64_t ticket)
{
    uint64_t seq = seq_read(worker_seq);

    if (nae_offload_port_done(netdev, ticket)) {
        poll_immediate_wake();
    } else {
        seq_wait(worker_seq, seq);
    }
}

void
nae_offload_port_remove(const struct netdev *netdev)
{
    struct nae_offload_port *p = nae_offload_port_find(netdev);
    uint64_t ticket, done;

    if (!p) {
        return;
    }
    ticket = nae_offload_request(p, true, -1, NAE_OFFLOAD_OFF);
    ovs_mutex_lock(&worker_mutex);
    for (;;) {
        atomic_read(&p->done, &done);
        if (done >= ticket) {
            break;
        }
        ovs_mutex_cond_wait(&worker_cond, &worker_mutex);
    }
    ovs_mutex_unlock(&worker_mutex);
}

void
nae_offload_port_destroy(const struct netdev *netdev)
{
    struct nae_offload_port *p = nae_offload_port_find(netdev);

    if (!p) {
        return;
    }
    ovs_mutex_lock(&nae_offload_mutex);
    p->dead = true;                 /* No new flow may use it. */
    ovs_mutex_unlock(&nae_offload_mutex);
    /* No flow left, no request queued. */
    nae_offload_port_remove(netdev);
    ovs_mutex_lock(&nae_offload_mutex);
    ovs_list_remove(&p->node);
    ovs_mutex_unlock(&nae_offload_mutex);
    ovsrcu_set(&CONST_CAST(struct netdev *, netdev)->hw_info.offload_data,
               NULL);
    cmap_destroy(&p->flows);
    ovsrcu_postpone(free, p);
}

/* The flow API. */

static int
nae_offload_flow_put(struct netdev *netdev, struct match *match,
                     struct nlattr *actions, size_t actions_len,
                     const ovs_u128 *ufid,
                     struct offload_info *info OVS_UNUSED,
                     struct dpif_flow_stats *stats)
{
    struct nae_offload_port *in = nae_offload_port_find(netdev);
    enum nae_offload_refusal refusal;
    struct nae_offload_flow *f, *old;

    f = xzalloc(sizeof *f);
    f->ufid = *ufid;
    f->in = netdev;
    ovs_mutex_init(&f->mutex);

    refusal = (!in ? NAE_OFFLOAD_NO_HW_CHANNEL
               : nae_offload_parse_match(match, f));
    if (refusal == NAE_OFFLOAD_ACCEPTED) {
        refusal = nae_offload_parse_actions(netdev, actions, actions_len,
                                            &f->fate);
    }

    ovs_mutex_lock(&nae_offload_mutex);
    old = in ? nae_offload_flow_find(in, ufid) : NULL;
    if (old) {
        /* Modified (e.g. new actions after revalidation): the new rule
         * replaces the old one, and inherits its counts. */
        uint64_t packets, bytes;

        ovs_mutex_lock(&old->mutex);
        nae_offload_query(old, &packets, &bytes);
        f->packets = packets;
        f->bytes = bytes;
        f->used = old->used;
        ovs_mutex_unlock(&old->mutex);
        nae_offload_flow_destroy(in, old);
    }
    if (refusal == NAE_OFFLOAD_ACCEPTED
        && (in->dead || (f->fate.nae_out_port
                         && f->fate.nae_out_port->dead))) {
        refusal = NAE_OFFLOAD_OUT_PORT;     /* Going away meanwhile. */
    }
    if (refusal == NAE_OFFLOAD_ACCEPTED) {
        refusal = nae_offload_install(f);
    }
    if (refusal != NAE_OFFLOAD_ACCEPTED) {
        nae_offload_count_refusal(refusal);
        ovs_mutex_unlock(&nae_offload_mutex);
        nae_offload_flow_free(f);
        return EOPNOTSUPP;
    }
    cmap_insert(&in->flows, &f->node, nae_offload_ufid_hash(ufid));
    ovs_mutex_unlock(&nae_offload_mutex);

    if (stats) {
        memset(stats, 0, sizeof *stats);
    }
    return 0;
}

/* Revalidators and the offload thread: takes only the flow's own mutex. */
static int
nae_offload_flow_get(struct netdev *netdev,
                     struct match *match OVS_UNUSED,
                     struct nlattr **actions OVS_UNUSED,
                     const ovs_u128 *ufid, struct dpif_flow_stats *stats,
                     struct dpif_flow_attrs *attrs,
                     struct ofpbuf *buf OVS_UNUSED)
{
    struct nae_offload_port *in = nae_offload_port_find(netdev);
    struct nae_offload_flow *f = in ? nae_offload_flow_find(in, ufid) : NULL;
    uint64_t packets, bytes;

    if (!f) {
        return ENOENT;
    }
    ovs_mutex_lock(&f->mutex);
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
    ovs_mutex_unlock(&f->mutex);
    return 0;
}

static int
nae_offload_flow_del(struct netdev *netdev, const ovs_u128 *ufid,
                     struct dpif_flow_stats *stats)
{
    struct nae_offload_port *in = nae_offload_port_find(netdev);
    struct nae_offload_flow *f;

    ovs_mutex_lock(&nae_offload_mutex);
    f = in ? nae_offload_flow_find(in, ufid) : NULL;
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
    nae_offload_flow_destroy(in, f);
    ovs_mutex_unlock(&nae_offload_mutex);
    return 0;
}

static int
nae_offload_flow_flush(struct netdev *netdev)
{
    struct nae_offload_port *in = nae_offload_port_find(netdev);
    struct nae_offload_flow *f;

    if (!in) {
        return 0;
    }
    ovs_mutex_lock(&nae_offload_mutex);
    CMAP_FOR_EACH (f, node, &in->flows) {
        nae_offload_flow_destroy(in, f);
    }
    ovs_mutex_unlock(&nae_offload_mutex);
    return 0;
}

static int
nae_offload_get_n_flows(struct netdev *netdev, uint64_t *n_flows)
{
    struct nae_offload_port *in = nae_offload_port_find(netdev);
    struct nae_offload_flow *f;

    *n_flows = 0;
    if (in) {
        CMAP_FOR_EACH (f, node, &in->flows) {
            *n_flows += f->rule != NULL;
        }
    }
    return 0;
}

static int
nae_offload_init_flow_api(struct netdev *netdev)
{
    return strcmp(netdev_get_type(netdev), "nae") ? EOPNOTSUPP : 0;
}

/* The datapath lets go of the port (it left the bridge, or offload went
 * off): its flows leave the eswitch with it.  The port's own state stays
 * until the netdev goes (nae_offload_port_destroy()). */
static void
nae_offload_uninit_flow_api(struct netdev *netdev)
{
    nae_offload_flow_flush(netdev);
}

/* nae/offload-show: what is in the eswitch, what is waiting, and why the
 * rest stays in software. */
static void
nae_offload_unixctl_show(struct unixctl_conn *conn, int argc OVS_UNUSED,
                         const char *argv[] OVS_UNUSED,
                         void *aux OVS_UNUSED)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct nae_offload_port *p, *q;
    struct nae_offload_flow *f;
    size_t n_hw = 0, n_waiting = 0;

    ovs_mutex_lock(&nae_offload_mutex);
    LIST_FOR_EACH (p, node, &ports) {
        CMAP_FOR_EACH (f, node, &p->flows) {
            if (f->rule) {
                n_hw++;
            } else {
                n_waiting++;
            }
        }
    }
    ds_put_format(&s, "flows in the eswitch: %"PRIuSIZE"\n"
                  "flows waiting for a port's hardware path: %"PRIuSIZE"\n"
                  "rules installed: %"PRIu64", removed: %"PRIu64"\n",
                  n_hw, n_waiting, n_installs, n_removals);
    ds_put_cstr(&s, "kept in software, by reason:\n");
    for (int r = NAE_OFFLOAD_ACCEPTED + 1; r < NAE_OFFLOAD_N_REFUSALS; r++) {
        ds_put_format(&s, "  %s: %"PRIu64"\n", nae_offload_refusal_names[r],
                      refused[r]);
    }
    LIST_FOR_EACH (p, node, &ports) {
        size_t n = 0;

        if (p->hw_port < 0 && cmap_is_empty(&p->flows)) {
            continue;           /* A port with no hardware channel. */
        }
        LIST_FOR_EACH (q, node, &ports) {
            CMAP_FOR_EACH (f, node, &q->flows) {
                n += f->rule && nae_offload_flow_uses(f, p->netdev);
            }
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
    .uninit_flow_api = nae_offload_uninit_flow_api,
};

void
nae_offload_register(void)
{
    worker_seq = seq_create();
    netdev_register_flow_api_provider(&netdev_offload_nae);
    unixctl_command_register("nae/offload-show", "", 0, 0,
                             nae_offload_unixctl_show, NULL);
}
