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

/* The emulated eswitch's rte_flow front end: what a NIC's driver does with
 * transfer rules.  Rules come only through rte_flow (validate, create,
 * destroy, flush, query COUNT) and become rules of the switch's table
 * (esw-table.c), which a frame's lookup (esw.c) searches for the
 * highest-priority match.  See esw-flow.h for the layering. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_flow.h>
#include <rte_flow_driver.h>
#include <rte_malloc.h>

#include "esw-flow.h"

#ifndef CONTAINER_OF
#define CONTAINER_OF(POINTER, STRUCT, MEMBER)                           \
    ((STRUCT *) (void *) ((char *) (POINTER) - offsetof(STRUCT, MEMBER)))
#endif

/* True if the 'size' bytes at 'mask' are all zero. */
static bool
all_zero(const void *mask, size_t size)
{
    const uint8_t *p = mask;

    for (size_t i = 0; i < size; i++) {
        if (p[i]) {
            return false;
        }
    }
    return true;
}

/* Copies the masked 'n' bytes of a spec field into key and mask. */
static void
set_field(void *key, void *mask, const void *spec, const void *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ((uint8_t *) mask)[i] |= ((const uint8_t *) m)[i];
        ((uint8_t *) key)[i] = ((const uint8_t *) spec)[i]
                               & ((const uint8_t *) m)[i];
    }
}

static int
unsupported(struct rte_flow_error *error, enum rte_flow_error_type type,
            const void *cause, const char *msg)
{
    return rte_flow_error_set(error, ENOTSUP, type, cause, msg);
}

/* 'port_id' is the ethdev the rule is created on. */
static int
parse_pattern(const struct esw_flow_switch *sw, uint16_t port_id,
              const struct rte_flow_item pattern[], struct esw_rule *f,
              struct rte_flow_error *error)
{
    struct esw_key *k = &f->key, *m = &f->mask;
    bool have_port = false;
    uint16_t l3 = 0;
    uint8_t proto = 0;

    for (const struct rte_flow_item *it = pattern;
         it->type != RTE_FLOW_ITEM_TYPE_END; it++) {
        if (it->type == RTE_FLOW_ITEM_TYPE_VOID) {
            continue;
        }
        if (it->last) {
            return unsupported(error, RTE_FLOW_ERROR_TYPE_ITEM_LAST, it,
                               "ranges are not supported");
        }
        switch (it->type) {
        case RTE_FLOW_ITEM_TYPE_PORT_ID:
        case RTE_FLOW_ITEM_TYPE_REPRESENTED_PORT: {
            /* Both name the traffic's source by its ethdev: a VF by its
             * representor, the wire by the uplink. */
            uint32_t port;

            if (!it->spec) {
                port = UINT32_MAX;
            } else if (it->type == RTE_FLOW_ITEM_TYPE_PORT_ID) {
                port = ((const struct rte_flow_item_port_id *) it->spec)->id;
            } else {
                port = ((const struct rte_flow_item_ethdev *)
                        it->spec)->port_id;
            }
            if (port > UINT16_MAX || !sw->has_port(sw, port)) {
                return rte_flow_error_set(error, EINVAL,
                                          RTE_FLOW_ERROR_TYPE_ITEM_SPEC, it,
                                          "port not on this switch");
            }
            k->in_port = port;
            m->in_port = UINT32_MAX;
            have_port = true;
            break;
        }
        case RTE_FLOW_ITEM_TYPE_ETH: {
            const struct rte_flow_item_eth *s = it->spec;
            const struct rte_flow_item_eth *mk = it->mask ? it->mask
                                                 : &rte_flow_item_eth_mask;
            if (s) {
                set_field(k->dst, m->dst, &s->dst, &mk->dst, 6);
                set_field(k->src, m->src, &s->src, &mk->src, 6);
                set_field(&k->eth_type, &m->eth_type, &s->type, &mk->type,
                          2);
                if (mk->has_vlan) {
                    k->has_vlan = s->has_vlan;
                    m->has_vlan = 1;
                }
            }
            break;
        }
        case RTE_FLOW_ITEM_TYPE_VLAN: {
            const struct rte_flow_item_vlan *s = it->spec;
            const struct rte_flow_item_vlan *mk = it->mask ? it->mask
                                                  : &rte_flow_item_vlan_mask;
            k->has_vlan = 1;
            m->has_vlan = 1;
            if (s) {
                if (mk->has_more_vlan) {
                    return unsupported(error, RTE_FLOW_ERROR_TYPE_ITEM_MASK,
                                       it, "only one VLAN tag is matched");
                }
                set_field(&k->vlan_tci, &m->vlan_tci, &s->tci, &mk->tci, 2);
                set_field(&k->vlan_inner_type, &m->vlan_inner_type,
                          &s->inner_type, &mk->inner_type, 2);
            }
            break;
        }
        case RTE_FLOW_ITEM_TYPE_IPV4: {
            const struct rte_flow_item_ipv4 *s = it->spec;
            const struct rte_flow_item_ipv4 *mk = it->mask ? it->mask
                                                  : &rte_flow_item_ipv4_mask;
            l3 = 0x0800;
            if (s) {
                struct rte_ipv4_hdr rest = mk->hdr;

                rest.src_addr = rest.dst_addr = 0;
                rest.next_proto_id = rest.type_of_service = 0;
                rest.fragment_offset &= ~RTE_BE16(0x3fff);
                if (!all_zero(&rest, sizeof rest)) {
                    return unsupported(error, RTE_FLOW_ERROR_TYPE_ITEM_MASK,
                                       it, "IPv4: only addresses, protocol, "
                                       "TOS and fragments are matched");
                }
                uint16_t frag_mask = mk->hdr.fragment_offset
                                     & RTE_BE16(0x3fff);
                set_field(&k->ip_frag, &m->ip_frag, &s->hdr.fragment_offset,
                          &frag_mask, 2);
                set_field(&k->ip4_src, &m->ip4_src, &s->hdr.src_addr,
                          &mk->hdr.src_addr, 4);
                set_field(&k->ip4_dst, &m->ip4_dst, &s->hdr.dst_addr,
                          &mk->hdr.dst_addr, 4);
                set_field(&k->ip_proto, &m->ip_proto, &s->hdr.next_proto_id,
                          &mk->hdr.next_proto_id, 1);
                set_field(&k->ip_tos, &m->ip_tos, &s->hdr.type_of_service,
                          &mk->hdr.type_of_service, 1);
            }
            break;
        }
        case RTE_FLOW_ITEM_TYPE_IPV6: {
            const struct rte_flow_item_ipv6 *s = it->spec;
            const struct rte_flow_item_ipv6 *mk = it->mask ? it->mask
                                                  : &rte_flow_item_ipv6_mask;
            l3 = 0x86dd;
            if (s) {
                struct rte_flow_item_ipv6 rest = *mk;

                memset(rest.hdr.src_addr, 0, 16);
                memset(rest.hdr.dst_addr, 0, 16);
                rest.hdr.proto = 0;
                rest.has_frag_ext = 0;
                if (!all_zero(&rest, sizeof rest)) {
                    return unsupported(error, RTE_FLOW_ERROR_TYPE_ITEM_MASK,
                                       it, "IPv6: only addresses and next "
                                       "header are matched");
                }
                set_field(k->ip6_src, m->ip6_src, s->hdr.src_addr,
                          mk->hdr.src_addr, 16);
                set_field(k->ip6_dst, m->ip6_dst, s->hdr.dst_addr,
                          mk->hdr.dst_addr, 16);
                set_field(&k->ip_proto, &m->ip_proto, &s->hdr.proto,
                          &mk->hdr.proto, 1);
                if (mk->has_frag_ext) {
                    k->ip6_frag_ext = s->has_frag_ext;
                    m->ip6_frag_ext = 1;
                }
            }
            break;
        }
        case RTE_FLOW_ITEM_TYPE_TCP:
        case RTE_FLOW_ITEM_TYPE_UDP: {
            bool tcp = it->type == RTE_FLOW_ITEM_TYPE_TCP;
            const struct rte_flow_item_tcp *ts = it->spec;
            const struct rte_flow_item_tcp *tm = it->mask ? it->mask
                                                 : &rte_flow_item_tcp_mask;
            const struct rte_flow_item_udp *us = it->spec;
            const struct rte_flow_item_udp *um = it->mask ? it->mask
                                                 : &rte_flow_item_udp_mask;
            proto = tcp ? 6 : 17;
            if (it->spec) {
                const void *src = tcp ? &ts->hdr.src_port : &us->hdr.src_port;
                const void *dst = tcp ? &ts->hdr.dst_port : &us->hdr.dst_port;
                const void *msrc = tcp ? &tm->hdr.src_port
                                       : &um->hdr.src_port;
                const void *mdst = tcp ? &tm->hdr.dst_port
                                       : &um->hdr.dst_port;
                bool rest_zero = tcp
                    ? all_zero((const uint8_t *) tm + 4, sizeof *tm - 4)
                    : all_zero((const uint8_t *) um + 4, sizeof *um - 4);

                if (!rest_zero) {
                    return unsupported(error, RTE_FLOW_ERROR_TYPE_ITEM_MASK,
                                       it, "TCP/UDP: only ports are "
                                       "matched");
                }
                set_field(&k->l4_src, &m->l4_src, src, msrc, 2);
                set_field(&k->l4_dst, &m->l4_dst, dst, mdst, 2);
            }
            break;
        }
        default:
            return unsupported(error, RTE_FLOW_ERROR_TYPE_ITEM, it,
                               "item not supported by this eswitch");
        }
    }
    /* Protocol items imply their protocol, as on a real NIC. */
    if (l3) {
        k->l3_type = rte_cpu_to_be_16(l3);
        m->l3_type = UINT16_MAX;
    }
    if (proto) {
        if (m->ip_proto && k->ip_proto != proto) {
            return rte_flow_error_set(error, EINVAL,
                                      RTE_FLOW_ERROR_TYPE_ITEM, NULL,
                                      "conflicting IP protocol");
        }
        k->ip_proto = proto;
        m->ip_proto = UINT8_MAX;
    }
    if (!have_port) {
        /* A transfer rule without a source applies to traffic from the
         * port it was created on, as its represented port. */
        k->in_port = port_id;
        m->in_port = UINT32_MAX;
    }
    return 0;
}

static int
parse_actions(const struct esw_flow_switch *sw,
              const struct rte_flow_action actions[], struct esw_rule *f,
              struct rte_flow_error *error)
{
    bool fate = false;

    for (const struct rte_flow_action *a = actions;
         a->type != RTE_FLOW_ACTION_TYPE_END; a++) {
        struct esw_action *ea = &f->actions[f->n_actions];
        uint16_t port;

        if (a->type == RTE_FLOW_ACTION_TYPE_VOID) {
            continue;
        }
        if (f->n_actions >= ESW_MAX_ACTIONS) {
            return unsupported(error, RTE_FLOW_ERROR_TYPE_ACTION, a,
                               "too many actions");
        }
        memset(ea, 0, sizeof *ea);
        switch (a->type) {
        case RTE_FLOW_ACTION_TYPE_COUNT:
            ea->type = ESW_ACT_COUNT;
            f->counted = true;
            break;
        case RTE_FLOW_ACTION_TYPE_DROP:
            ea->type = ESW_ACT_DROP;
            fate = true;
            break;
        case RTE_FLOW_ACTION_TYPE_PORT_ID:
        case RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT:
        case RTE_FLOW_ACTION_TYPE_PORT_REPRESENTOR:
            if (!a->conf) {
                return rte_flow_error_set(error, EINVAL,
                                          RTE_FLOW_ERROR_TYPE_ACTION_CONF,
                                          a, "missing port");
            }
            if (a->type == RTE_FLOW_ACTION_TYPE_PORT_ID) {
                const struct rte_flow_action_port_id *c = a->conf;

                if (c->original) {
                    return unsupported(error, RTE_FLOW_ERROR_TYPE_ACTION_CONF,
                                       a, "port_id original is not "
                                       "supported");
                }
                port = c->id;
                ea->type = ESW_ACT_TO_REPRESENTED;
            } else {
                const struct rte_flow_action_ethdev *c = a->conf;

                port = c->port_id;
                ea->type = (a->type == RTE_FLOW_ACTION_TYPE_REPRESENTED_PORT
                            ? ESW_ACT_TO_REPRESENTED
                            : ESW_ACT_TO_REPRESENTOR);
            }
            if (!sw->has_port(sw, port)) {
                return rte_flow_error_set(error, EINVAL,
                                          RTE_FLOW_ERROR_TYPE_ACTION_CONF,
                                          a, "port not on this switch");
            }
            ea->port = port;
            fate = true;
            break;
        case RTE_FLOW_ACTION_TYPE_OF_POP_VLAN:
            ea->type = ESW_ACT_POP_VLAN;
            break;
        case RTE_FLOW_ACTION_TYPE_OF_PUSH_VLAN: {
            const struct rte_flow_action_of_push_vlan *c = a->conf;

            ea->type = ESW_ACT_PUSH_VLAN;
            ea->value16 = c ? rte_be_to_cpu_16(c->ethertype) : 0x8100;
            break;
        }
        case RTE_FLOW_ACTION_TYPE_OF_SET_VLAN_VID: {
            const struct rte_flow_action_of_set_vlan_vid *c = a->conf;

            ea->type = ESW_ACT_SET_VLAN_VID;
            ea->value16 = c ? rte_be_to_cpu_16(c->vlan_vid) & 0xfff : 0;
            break;
        }
        case RTE_FLOW_ACTION_TYPE_OF_SET_VLAN_PCP: {
            const struct rte_flow_action_of_set_vlan_pcp *c = a->conf;

            ea->type = ESW_ACT_SET_VLAN_PCP;
            ea->value16 = c ? c->vlan_pcp & 7 : 0;
            break;
        }
        case RTE_FLOW_ACTION_TYPE_SET_MAC_SRC:
        case RTE_FLOW_ACTION_TYPE_SET_MAC_DST: {
            const struct rte_flow_action_set_mac *c = a->conf;

            if (!c) {
                return rte_flow_error_set(error, EINVAL,
                                          RTE_FLOW_ERROR_TYPE_ACTION_CONF,
                                          a, "missing MAC");
            }
            ea->type = (a->type == RTE_FLOW_ACTION_TYPE_SET_MAC_SRC
                        ? ESW_ACT_SET_MAC_SRC : ESW_ACT_SET_MAC_DST);
            memcpy(ea->mac, c->mac_addr, 6);
            break;
        }
        case RTE_FLOW_ACTION_TYPE_SET_IPV4_SRC:
        case RTE_FLOW_ACTION_TYPE_SET_IPV4_DST: {
            const struct rte_flow_action_set_ipv4 *c = a->conf;

            if (!c) {
                return rte_flow_error_set(error, EINVAL,
                                          RTE_FLOW_ERROR_TYPE_ACTION_CONF,
                                          a, "missing address");
            }
            ea->type = (a->type == RTE_FLOW_ACTION_TYPE_SET_IPV4_SRC
                        ? ESW_ACT_SET_IPV4_SRC : ESW_ACT_SET_IPV4_DST);
            ea->ip = c->ipv4_addr;
            break;
        }
        default:
            return unsupported(error, RTE_FLOW_ERROR_TYPE_ACTION, a,
                               "action not supported by this eswitch");
        }
        f->n_actions++;
    }
    if (!fate) {
        return rte_flow_error_set(error, EINVAL, RTE_FLOW_ERROR_TYPE_ACTION,
                                  NULL, "a rule needs a fate action (drop "
                                  "or a port)");
    }
    return 0;
}

static int
parse_rule(const struct rte_eth_dev *dev, const struct rte_flow_attr *attr,
           const struct rte_flow_item pattern[],
           const struct rte_flow_action actions[], struct esw_rule *f,
           struct rte_flow_error *error)
{
    memset(f, 0, sizeof *f);
    if (!attr->transfer) {
        return unsupported(error, RTE_FLOW_ERROR_TYPE_ATTR_TRANSFER, attr,
                           "this eswitch takes transfer rules only");
    }
    if (attr->group || attr->egress) {
        return unsupported(error, RTE_FLOW_ERROR_TYPE_ATTR, attr,
                           "only group 0, ingress");
    }
    f->priority = attr->priority;
    const struct esw_flow_switch *sw = esw_flow_switch_of(dev);
    int ret = parse_pattern(sw, dev->data->port_id, pattern, f, error);

    return ret ? ret : parse_actions(sw, actions, f, error);
}

static int
esw_flow_validate(struct rte_eth_dev *dev, const struct rte_flow_attr *attr,
                  const struct rte_flow_item pattern[],
                  const struct rte_flow_action actions[],
                  struct rte_flow_error *error)
{
    struct esw_rule r;

    return parse_rule(dev, attr, pattern, actions, &r, error);
}

static struct rte_flow *
esw_flow_create(struct rte_eth_dev *dev, const struct rte_flow_attr *attr,
                const struct rte_flow_item pattern[],
                const struct rte_flow_action actions[],
                struct rte_flow_error *error)
{
    struct esw_flow_switch *sw = esw_flow_switch_of(dev);
    struct rte_flow *f = malloc(sizeof *f);
    int ret;

    if (!f) {
        rte_flow_error_set(error, ENOMEM, RTE_FLOW_ERROR_TYPE_HANDLE, NULL,
                           "out of memory");
        return NULL;
    }
    if (parse_rule(dev, attr, pattern, actions, &f->rule, error)) {
        free(f);
        return NULL;
    }
    rte_spinlock_lock(&sw->lock);
    ret = esw_table_insert(&sw->table, &f->rule);
    if (!ret) {
        f->magic = ESW_FLOW_MAGIC;
    }
    rte_spinlock_unlock(&sw->lock);
    if (ret) {
        free(f);
        rte_flow_error_set(error, ret, RTE_FLOW_ERROR_TYPE_HANDLE, NULL,
                           ret == ENOSPC ? "eswitch flow table full"
                                         : "out of memory");
        return NULL;
    }
    return f;
}

static int
esw_flow_destroy(struct rte_eth_dev *dev, struct rte_flow *f,
                 struct rte_flow_error *error)
{
    struct esw_flow_switch *sw = esw_flow_switch_of(dev);
    bool found;

    rte_spinlock_lock(&sw->lock);
    found = f && f->magic == ESW_FLOW_MAGIC;
    if (found) {
        esw_table_remove(&sw->table, &f->rule);
        f->magic = 0;
    }
    rte_spinlock_unlock(&sw->lock);
    if (!found) {
        return rte_flow_error_set(error, ENOENT, RTE_FLOW_ERROR_TYPE_HANDLE,
                                  f, "no such rule");
    }
    free(f);
    return 0;
}

static void
esw_flow_free_rule(struct esw_rule *r)
{
    struct rte_flow *f = CONTAINER_OF(r, struct rte_flow, rule);

    f->magic = 0;
    free(f);
}

static int
esw_flow_flush(struct rte_eth_dev *dev, struct rte_flow_error *error)
{
    struct esw_flow_switch *sw = esw_flow_switch_of(dev);

    rte_spinlock_lock(&sw->lock);
    esw_table_clear(&sw->table, esw_flow_free_rule);
    rte_spinlock_unlock(&sw->lock);
    return 0;
}

static int
esw_flow_query(struct rte_eth_dev *dev, struct rte_flow *f,
               const struct rte_flow_action *action, void *data,
               struct rte_flow_error *error)
{
    struct esw_flow_switch *sw = esw_flow_switch_of(dev);
    struct rte_flow_query_count *q = data;
    int ret = 0;

    if (action->type != RTE_FLOW_ACTION_TYPE_COUNT) {
        return unsupported(error, RTE_FLOW_ERROR_TYPE_ACTION, action,
                           "only COUNT can be queried");
    }
    rte_spinlock_lock(&sw->lock);
    if (!f || f->magic != ESW_FLOW_MAGIC) {
        ret = rte_flow_error_set(error, ENOENT, RTE_FLOW_ERROR_TYPE_HANDLE,
                                 f, "no such rule");
    } else if (!f->rule.counted) {
        ret = rte_flow_error_set(error, EINVAL, RTE_FLOW_ERROR_TYPE_ACTION,
                                 action, "rule has no COUNT action");
    } else {
        q->hits_set = q->bytes_set = 1;
        q->hits = f->rule.hits;
        q->bytes = f->rule.bytes;
        if (q->reset) {
            f->rule.hits = f->rule.bytes = 0;
        }
    }
    rte_spinlock_unlock(&sw->lock);
    return ret;
}

static int
esw_flow_pick_transfer_proxy(struct rte_eth_dev *dev, uint16_t *proxy_port_id,
                             struct rte_flow_error *error)
{
    const struct esw_flow_switch *sw = esw_flow_switch_of(dev);

    *proxy_port_id = sw->proxy_port(sw, dev->data->port_id);
    return 0;
}

void
esw_flow_switch_init(struct esw_flow_switch *sw, uint32_t capacity)
{
    rte_spinlock_init(&sw->lock);
    esw_table_init(&sw->table, capacity);
}

void
esw_flow_switch_destroy(struct esw_flow_switch *sw)
{
    rte_spinlock_lock(&sw->lock);
    esw_table_clear(&sw->table, esw_flow_free_rule);
    rte_spinlock_unlock(&sw->lock);
}

const struct rte_flow_ops esw_flow_ops = {
    .validate = esw_flow_validate,
    .create = esw_flow_create,
    .destroy = esw_flow_destroy,
    .flush = esw_flow_flush,
    .query = esw_flow_query,
    .pick_transfer_proxy = esw_flow_pick_transfer_proxy,
};
