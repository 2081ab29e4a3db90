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

#include <config.h>

#include "nae-hold.h"

#include <string.h>

#include "dp-packet.h"
#include "nae-channel.h"
#include "nae-stat.h"
#include "packets.h"
#include "util.h"

/* Whether 'pkt' is addressed to 'mac'. */
static bool
nae_hold_is_for(const struct dp_packet *pkt, struct eth_addr mac)
{
    const struct eth_header *eth = dp_packet_data(pkt);

    return (dp_packet_size(pkt) >= ETH_HEADER_LEN
            && eth_addr_equals(eth->eth_dst, mac));
}

/* Moves the frames among 'pkts' addressed to 'mac' to the front, in order,
 * frees the others, and returns how many it kept. */
static int
nae_hold_filter(struct nae_hold *hold, struct dp_packet **pkts, int n,
                struct eth_addr mac)
{
    int k = 0;

    for (int i = 0; i < n; i++) {
        if (nae_hold_is_for(pkts[i], mac)) {
            pkts[k++] = pkts[i];
        } else {
            dp_packet_delete(pkts[i]);
        }
    }
    if (k < n) {
        nae_stat_add_shared(&hold->lost, n - k);
    }
    return k;
}

/* Drops what 'hold' keeps and ends it. */
static void
nae_hold_end(struct nae_hold *hold)
    OVS_REQUIRES(hold->lock)
{
    for (size_t i = 0; i < hold->n; i++) {
        dp_packet_delete(hold->pkts[i]);
    }
    if (hold->n) {
        nae_stat_add_shared(&hold->lost, hold->n);
    }
    hold->n = 0;
    hold->to = NULL;
    atomic_store_relaxed(&hold->active, false);
}

/* A hold keeps up to 'max' frames. */
void
nae_hold_init(struct nae_hold *hold, size_t max)
{
    ovs_spin_init(&hold->lock);
    atomic_init(&hold->active, false);
    hold->until = 0;
    hold->guest_mac = eth_addr_zero;
    hold->claimed_mac = eth_addr_zero;
    hold->to = NULL;
    hold->arrival = false;
    hold->n = 0;
    hold->max = max;
    hold->pkts = xcalloc(max, sizeof *hold->pkts);
    atomic_init(&hold->held, 0);
    atomic_init(&hold->handed_over, 0);
    atomic_init(&hold->lost, 0);
    atomic_init(&hold->let_go, 0);
}

/* No thread uses 'hold' any more. */
void
nae_hold_destroy(struct nae_hold *hold)
{
    ovs_spin_lock(&hold->lock);
    nae_hold_end(hold);
    ovs_spin_unlock(&hold->lock);
    ovs_spin_destroy(&hold->lock);
    free(hold->pkts);
}

static void
nae_hold_start__(struct nae_hold *hold, struct eth_addr guest_mac,
                 long long int now, int ms, bool arrival)
{
    ovs_spin_lock(&hold->lock);
    nae_hold_end(hold);
    hold->until = now + ms;
    hold->guest_mac = guest_mac;
    hold->claimed_mac = eth_addr_zero;
    hold->arrival = arrival;
    atomic_store_relaxed(&hold->active, true);
    ovs_spin_unlock(&hold->lock);
}

/* The guest, which sent from 'guest_mac' on this port, left it by
 * migration at 'now': keep frames for it for 'ms' milliseconds. */
void
nae_hold_start(struct nae_hold *hold, struct eth_addr guest_mac,
               long long int now, int ms)
{
    nae_hold_start__(hold, guest_mac, now, ms, false);
}

/* A guest is expected here by migration: from 'now', for up to 'ms'
 * milliseconds, keep the latest frames for it (the older ones are the
 * likelier to have reached it where it runs now). */
void
nae_hold_start_arrival(struct nae_hold *hold, long long int now, int ms)
{
    nae_hold_start__(hold, eth_addr_zero, now, ms, true);
}

/* The guest is back on this port ('own' delivers to it) or the port goes
 * (null 'own'): a hold nobody claimed gives 'own' what it kept, all of it,
 * since the bridge sent all of it here.  Ends the hold. */
void
nae_hold_stop(struct nae_hold *hold,
              void (*own)(void *aux, struct dp_packet **, int n), void *aux)
{
    ovs_spin_lock(&hold->lock);
    if (own && !hold->to && hold->n) {
        int n = hold->n;

        own(aux, hold->pkts, n);
        hold->n = 0;
        nae_stat_add_shared(&hold->handed_over, n);
    }
    nae_hold_end(hold);
    ovs_spin_unlock(&hold->lock);
}

/* Ends 'hold' if its time is up at 'now'. */
void
nae_hold_run(struct nae_hold *hold, long long int now)
{
    if (!nae_hold_is_active(hold)) {
        return;
    }
    ovs_spin_lock(&hold->lock);
    if (now >= hold->until) {
        nae_hold_end(hold);
    }
    ovs_spin_unlock(&hold->lock);
}

/* Channel 'to' goes: 'hold' no longer hands anything to it.  The caller
 * frees 'to' only after an RCU grace period (a sender may have read it
 * just before). */
void
nae_hold_forget(struct nae_hold *hold, const struct nae_channel *to)
{
    ovs_spin_lock(&hold->lock);
    if (hold->to == to) {
        nae_hold_end(hold);
    }
    ovs_spin_unlock(&hold->lock);
}

void
nae_hold_get_stats(const struct nae_hold *hold_, struct nae_hold_stats *st)
{
    struct nae_hold *hold = CONST_CAST(struct nae_hold *, hold_);

    ovs_spin_lock(&hold->lock);
    atomic_read_relaxed(&hold->active, &st->active);
    st->arrival = hold->arrival;
    st->claimed = hold->to != NULL;
    ovs_spin_unlock(&hold->lock);
    st->held = nae_stat_get(&hold->held);
    st->handed_over = nae_stat_get(&hold->handed_over);
    st->lost = nae_stat_get(&hold->lost);
    st->let_go = nae_stat_get(&hold->let_go);
}

bool
nae_hold_is_active(const struct nae_hold *hold)
{
    bool active;

    atomic_read_relaxed(&CONST_CAST(struct nae_hold *, hold)->active,
                        &active);
    return active;
}

/* Data path: 'n' frames for the guest, which is not on this port now,
 * taking ownership of them.  Kept while nobody claimed the hold, handed to
 * the claimer once someone did (those for the guest), dropped once the
 * hold is over or full. */
void
nae_hold_send(struct nae_hold *hold, struct dp_packet **pkts, int n,
              long long int now)
{
    struct nae_channel *to = NULL;
    int k = 0;

    ovs_spin_lock(&hold->lock);
    if (!nae_hold_is_active(hold) || now >= hold->until) {
        nae_hold_end(hold);
    } else if (hold->to) {
        to = hold->to;
        k = nae_hold_filter(hold, pkts, n, hold->claimed_mac);
        n = 0;
    } else {
        if (hold->arrival) {
            /* The oldest make room: this burst's first ones if it alone is
             * too large, then kept ones. */
            size_t too_many = n > (int) hold->max ? n - hold->max : 0;
            size_t drop;

            for (size_t i = 0; i < too_many; i++) {
                dp_packet_delete(pkts[i]);
            }
            pkts += too_many;
            n -= too_many;
            drop = hold->n + n > hold->max ? hold->n + n - hold->max : 0;
            for (size_t i = 0; i < drop; i++) {
                dp_packet_delete(hold->pkts[i]);
            }
            memmove(hold->pkts, hold->pkts + drop,
                    (hold->n - drop) * sizeof *hold->pkts);
            hold->n -= drop;
            if (too_many + drop) {
                nae_stat_add_shared(&hold->let_go, too_many + drop);
            }
        }
        while (k < n && hold->n < hold->max) {
            hold->pkts[hold->n++] = pkts[k++];
        }
        nae_stat_add_shared(&hold->held, k);
        pkts += k;
        n -= k;
        k = 0;
    }
    ovs_spin_unlock(&hold->lock);

    if (n) {
        for (int i = 0; i < n; i++) {
            dp_packet_delete(pkts[i]);
        }
        nae_stat_add_shared(&hold->lost, n);
    }
    if (k) {
        /* Outside the lock: a claim delivered what the hold kept before it
         * let anyone through, so these come after. */
        nae_channel_tx_burst(to, pkts, k);
        nae_stat_add_shared(&hold->handed_over, k);
    }
}

/* Data path, the polling thread of channel 'to': the guest with 'mac'
 * announced itself there at 'now'.  If this hold is that guest's (it sent
 * from 'mac' here, or the hold keeps frames to 'mac'), hands the kept
 * frames addressed to 'mac' to 'to', in order and before any later frame,
 * and sends later ones after them until the hold ends.  Returns true if it
 * was the guest's. */
bool
nae_hold_claim(struct nae_hold *hold, struct eth_addr mac,
               struct nae_channel *to, long long int now)
{
    bool mine = false;

    if (!nae_hold_is_active(hold)) {
        return false;
    }
    ovs_spin_lock(&hold->lock);
    if (nae_hold_is_active(hold) && !hold->to && !hold->arrival
        && now < hold->until) {
        mine = eth_addr_equals(hold->guest_mac, mac);
        for (size_t i = 0; !mine && i < hold->n; i++) {
            mine = nae_hold_is_for(hold->pkts[i], mac);
        }
    }
    if (mine) {
        int k = nae_hold_filter(hold, hold->pkts, hold->n, mac);

        hold->n = 0;
        hold->to = to;
        hold->claimed_mac = mac;
        if (k) {
            nae_channel_tx_burst(to, hold->pkts, k);
            nae_stat_add_shared(&hold->handed_over, k);
        }
    }
    ovs_spin_unlock(&hold->lock);
    return mine;
}
