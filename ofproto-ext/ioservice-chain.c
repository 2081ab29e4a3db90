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

/* The OpenFlow view of a service chain, for ioservice/show: which rules
 * send packets into a service port and which take them out of it.  It
 * reads ofproto's flow tables directly, as ofproto's own unixctl commands
 * do, from the main thread. */

#include <config.h>

#include "ioservice-chain.h"

#include "classifier.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/ofp-actions.h"
#include "openvswitch/ofp-port.h"
#include "ofproto/ofproto-provider.h"
#include "netdev.h"
#include "sset.h"

static void
ioservice_chain_rule(struct ds *out, const char *dir,
                     const struct ofproto *ofproto, const struct rule *rule,
                     const struct ofputil_port_map *map)
{
    const struct rule_actions *actions = rule_get_actions(rule);
    struct ofpact_format_params fp = { .port_map = map, .s = out };

    ds_put_format(out, "    %s: table=%"PRIu8", ", dir, rule->table_id);
    cls_rule_format(&rule->cr, ofproto_get_tun_tab(ofproto), map, out);
    ds_put_cstr(out, " actions=");
    ofpacts_format(actions->ofpacts, actions->ofpacts_len, &fp);
    ds_put_char(out, '\n');
}

static void
ioservice_chain_bridge(struct ds *out, const struct ofproto *ofproto,
                       ofp_port_t port)
{
    struct ofputil_port_map map = OFPUTIL_PORT_MAP_INITIALIZER(&map);
    const struct ofport *ofport;
    const struct oftable *table;
    size_t n = 0;

    HMAP_FOR_EACH (ofport, hmap_node, &ofproto->ports) {
        ofputil_port_map_put(&map, ofport->ofp_port,
                             netdev_get_name(ofport->netdev));
    }
    OFPROTO_FOR_EACH_TABLE (table, ofproto) {
        const struct rule *rule;

        CLS_FOR_EACH (rule, cr, &table->cls) {
            const struct rule_actions *actions = rule_get_actions(rule);
            struct match match;

            if (ofpacts_output_to_port(actions->ofpacts,
                                       actions->ofpacts_len, port)) {
                ioservice_chain_rule(out, "into", ofproto, rule, &map);
                n++;
            }
            minimatch_expand(&rule->cr.match, &match);
            if (match.wc.masks.in_port.ofp_port == OFPP_NONE
                && match.flow.in_port.ofp_port == port) {
                ioservice_chain_rule(out, "from", ofproto, rule, &map);
                n++;
            }
        }
    }
    if (!n) {
        ds_put_cstr(out, "    (no OpenFlow rule outputs to or matches "
                    "in_port on this port)\n");
    }
    ofputil_port_map_destroy(&map);
}

void
ioservice_chain_format(const char *devname, struct ds *out)
{
    struct sset types = SSET_INITIALIZER(&types);
    struct sset names = SSET_INITIALIZER(&names);
    const char *type, *name;
    bool found = false;

    ofproto_enumerate_types(&types);
    SSET_FOR_EACH (type, &types) {
        ofproto_enumerate_names(type, &names);
        SSET_FOR_EACH (name, &names) {
            struct ofproto *ofproto = ofproto_lookup(name);
            struct ofproto_port port;

            if (!ofproto
                || ofproto_port_query_by_name(ofproto, devname, &port)) {
                continue;
            }
            ds_put_format(out, "  chain: bridge %s, OpenFlow port %"PRIu32
                          "\n", name, ofp_to_u16(port.ofp_port));
            ioservice_chain_bridge(out, ofproto, port.ofp_port);
            ofproto_port_destroy(&port);
            found = true;
        }
    }
    if (!found) {
        ds_put_cstr(out, "  chain: not on any bridge\n");
    }
    sset_destroy(&names);
    sset_destroy(&types);
}
