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

/* The path switch of a nae port.  See nae-path.h. */

#include <config.h>

#include "nae-path.h"

#include "coverage.h"
#include "dp-packet.h"
#include "nae-channel.h"
#include "openvswitch/vlog.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(nae_path);

COVERAGE_DEFINE(nae_path_switch);
COVERAGE_DEFINE(nae_path_timeout);
COVERAGE_DEFINE(nae_path_rx_stashed);

BUILD_ASSERT_DECL(NAE_PATH_STASH_MAX >= NETDEV_MAX_BURST);

void
nae_path_init(struct nae_path_machine *m, const char *name,
              const struct nae_path_ops *ops, void *aux)
{
    memset(m, 0, sizeof *m);
    m->name = name;
    m->ops = ops;
    m->aux = aux;
    m->path = NAE_PATH_SW;
    atomic_init(&m->tx_hw, false);
    atomic_init(&m->rx_hold, NAE_HOLD_OFF);
}

/* The next generation.  0 is every new session's initial value: never
 * reuse it, or a new guest's zero ack would look like an ack. */
static uint32_t
nae_path_next_gen(uint32_t gen)
{
    gen = (gen + 1) & NAE_PATH_GEN_MAX;
    return gen ? gen : 1;
}

/* Tells the guest about the switch under way once its rule change is done
 * (else nae_path_run() comes back). */
static void
nae_path_announce(struct nae_path_machine *m, long long int now)
{
    if (m->announce_pending
        && m->ops->offload_done(m->aux, m->offload_ticket)) {
        m->announce_pending = false;
    }
    if (!m->announce_pending) {
        m->announced_at = now;
        m->ops->announce(m->aux, m->gen, m->switch_to, m->releasing);
    }
}

/* Starts a switch to 'to' and waits for the guest's acknowledgement in
 * nae_path_run().  Our own transmit moves only then: from the event on,
 * the guest empties the old path before it reads the new one, so frames we
 * send on the new path after its ack cannot overtake older ones. */
static void
nae_path_start(struct nae_path_machine *m, enum nae_path to,
               long long int now)
{
    m->gen = nae_path_next_gen(m->gen);
    m->announce_pending = false;
    if (to == NAE_PATH_SW) {
        /* The eswitch's rules for the port go first: from then on its
         * traffic misses and comes through OVS, which still sends to the
         * VF until the guest acks, and nothing is switched to a VF the
         * guest is leaving. */
        m->offload_ticket = m->ops->offload(m->aux, NAE_OFFLOAD_OFF);
        m->announce_pending = true;
        /* The guest may send on the rings before we have read its last VF
         * frames from the hardware channel: hold the rings until it acks
         * and that channel's queue is empty. */
        atomic_store(&m->rx_hold, NAE_HOLD_ON);
    } else if (m->hw) {
        /* Rules from the port go in before its guest sends a frame on the
         * VF, so none of them takes the miss path and is overtaken by a
         * later one the eswitch switches itself.  Rules to the port wait
         * for the ack, when our transmit moves too. */
        m->offload_ticket = m->ops->offload(m->aux, NAE_OFFLOAD_AS_SOURCE);
        m->announce_pending = true;
    }
    m->switching = true;
    m->switch_to = to;
    m->switch_start = now;
    COVERAGE_INC(nae_path_switch);
    nae_path_announce(m, now);
}

static void
nae_path_finish(struct nae_path_machine *m, bool acked, long long int now)
{
    long long int gap = now - m->switch_start;

    m->switching = false;
    m->path = m->switch_to;
    if (m->releasing) {
        m->releasing = false;
        m->let_go = true;
    }
    atomic_store(&m->tx_hw, m->path == NAE_PATH_HW);
    if (m->hw) {
        /* On the VF now: the port's flows may go into the eswitch. */
        m->ops->offload(m->aux, m->path == NAE_PATH_HW ? NAE_OFFLOAD_ON
                                                       : NAE_OFFLOAD_OFF);
    }
    if (m->path == NAE_PATH_SW) {
        /* The guest sends on the rings now, and sent its last VF frame
         * before it acked: release the rings once the hardware queue has
         * drained into OVS (nae_path_rx_hw() sees to it). */
        atomic_store(&m->rx_hold, NAE_HOLD_UNTIL_HW_EMPTY);
    }
    if (acked) {
        m->n_switches++;
        m->last_gap_us = gap;
        m->max_gap_us = MAX(m->max_gap_us, gap);
    }
    VLOG_INFO("%s: traffic now on the %s channel (switch %"PRIu32", %s in "
              "%lld us)", m->name,
              m->path == NAE_PATH_HW ? "hardware" : "software",
              m->gen, acked ? "acknowledged" : "no guest", gap);
}

void
nae_path_force_sw(struct nae_path_machine *m)
{
    bool was_hw = m->path == NAE_PATH_HW || m->switching;

    if (m->hw) {
        m->ops->offload(m->aux, NAE_OFFLOAD_OFF);
    }
    atomic_store(&m->tx_hw, false);
    /* Frames the guest sent on the VF may still be queued there (a VM's
     * rings taken back by its own device's event): they go first. */
    atomic_store(&m->rx_hold, (was_hw && m->hw ? NAE_HOLD_UNTIL_HW_EMPTY
                               : NAE_HOLD_OFF));
    m->switching = false;
    m->announce_pending = false;
    m->releasing = false;
    m->path = NAE_PATH_SW;
    if (was_hw) {
        /* A guest still there follows, without us waiting. */
        m->gen = nae_path_next_gen(m->gen);
        m->ops->announce(m->aux, m->gen, NAE_PATH_SW, false);
    }
}

void
nae_path_attach(struct nae_path_machine *m, struct nae_channel *hw)
{
    ovs_assert(!m->hw);
    m->hw = hw;
    m->hw_link = false;         /* nae_path_run() looks. */
    m->hw_released = false;
    m->ops->offload(m->aux, NAE_OFFLOAD_OFF);
}

struct nae_channel *
nae_path_detach(struct nae_path_machine *m)
{
    struct nae_channel *hw = m->hw;

    if (hw) {
        nae_path_force_sw(m);
        atomic_store(&m->rx_hold, NAE_HOLD_OFF);   /* Nothing to drain. */
        m->hw = NULL;
        m->hw_link = false;
    }
    return hw;
}

bool
nae_path_retry_pending(const struct nae_path_machine *m, long long int now)
{
    return now < m->retry_at;
}

void
nae_path_release(struct nae_path_machine *m, long long int now)
{
    if (!m->releasing) {
        m->releasing = true;
        nae_path_start(m, NAE_PATH_SW, now);
    }
}

void
nae_path_run(struct nae_path_machine *m, bool want_hw, long long int now)
{
    enum nae_path wanted;
    bool link;

    if (!m->hw) {
        return;
    }
    link = nae_channel_link(m->hw);
    if (link != m->hw_link) {
        m->hw_link = link;
        VLOG_INFO("%s: hardware channel %s", m->name,
                  link ? "up (VF present)"
                  : "down (VF unplugged or unplugging)");
        if (link) {
            m->hw_released = false;
            m->retry_at = 0;
        }
    }

    if (m->switching && m->announce_pending) {
        /* The guest is told nothing before the rules have changed. */
        nae_path_announce(m, now);
    }
    if (m->switching) {
        uint32_t ack;

        if (!m->ops->guest_ack(m->aux, &ack)) {
            nae_path_finish(m, false, now);
        } else if (m->announce_pending) {
            /* Not told yet: no ack to wait for, no timeout running. */
        } else if (ack == m->gen) {
            nae_path_finish(m, true, now);
        } else if (now - m->announced_at > NAE_PATH_SWITCH_TIMEOUT_US
                   && m->switch_to == NAE_PATH_HW) {
            /* It cannot use the VF: back to the rings (a switch of its
             * own, as the guest may have started to move), and do not ask
             * again for a while.  A switch to the rings has no timeout:
             * until the guest acks, frames it sends on the rings could
             * overtake those it sent on the VF.  A guest that never acks
             * ends its session, or its VF is removed by surprise. */
            COVERAGE_INC(nae_path_timeout);
            m->n_timeouts++;
            VLOG_WARN("%s: guest did not acknowledge the switch to the "
                      "hardware channel in %d ms; back to software",
                      m->name, NAE_PATH_SWITCH_TIMEOUT_US / 1000);
            m->retry_at = now + NAE_PATH_RETRY_US;
            m->path = NAE_PATH_HW;
            m->switching = false;
            nae_path_start(m, NAE_PATH_SW, now);
        }
    }
    if (m->switching) {
        return;
    }

    wanted = (want_hw && m->hw_link && !nae_path_retry_pending(m, now)
              ? NAE_PATH_HW : NAE_PATH_SW);
    if (wanted != m->path) {
        nae_path_start(m, wanted, now);
    } else if (!m->hw_link && !m->hw_released) {
        /* An unplug waits for us to let go of the VF: nothing of the
         * guest's traffic uses it any more. */
        nae_channel_release(m->hw);
        m->hw_released = true;
    }
}

void
nae_path_wait(const struct nae_path_machine *m)
{
    if (m->switching && m->announce_pending) {
        m->ops->offload_wait(m->aux, m->offload_ticket);
    }
}

int
nae_path_rx_hw(struct nae_path_machine *m, struct dp_packet **pkts, int max)
{
    int n = nae_channel_rx_burst(m->hw, pkts, max);
    int hold;

    if (n) {
        return n;
    }
    /* Empty.  That releases the rings only if we saw it empty after the
     * guest's ack of a switch to them: the ack comes after the NIC queued
     * the guest's last VF frames, but an empty queue seen before it says
     * nothing about those (they would be overtaken by the first ring
     * frames).  So look again now that the hold says the ack came. */
    atomic_read_explicit(&m->rx_hold, &hold, memory_order_acquire);
    if (hold != NAE_HOLD_UNTIL_HW_EMPTY) {
        return 0;
    }
    n = nae_channel_rx_burst(m->hw, pkts, max);
    if (!n) {
        int expected = NAE_HOLD_UNTIL_HW_EMPTY;

        atomic_compare_exchange_strong(&m->rx_hold, &expected, NAE_HOLD_OFF);
    }
    return n;
}

int
nae_path_rx_sw(struct nae_path_machine *m, struct nae_path_stash *stash,
               struct nae_channel *sw, struct dp_packet **pkts, int max)
{
    int hold, n;

    if (nae_path_sw_rx_held(m)) {
        return 0;
    }
    if (OVS_UNLIKELY(stash->n)) {
        /* What we read as the hold came on: now behind the hardware
         * channel's frames, and ahead of anything newer on the rings. */
        n = MIN(stash->n, max);
        memcpy(pkts, stash->pkts, n * sizeof *pkts);
        stash->n -= n;
        memmove(stash->pkts, stash->pkts + n, stash->n * sizeof *pkts);
        return n;
    }
    n = nae_channel_rx_burst(sw, pkts, MIN(max, NAE_PATH_STASH_MAX));
    if (!n) {
        return 0;
    }
    /* Our look at the hold and this read are two steps.  A thread
     * descheduled between them can wake after a switch off the VF began
     * and the guest acked it: then these are frames it sent on the rings
     * after its last VF frames, which may still be queued on the hardware
     * channel.  Keep them until that queue has drained (the hold is off
     * again). */
    atomic_read_explicit(&m->rx_hold, &hold, memory_order_acquire);
    if (OVS_UNLIKELY(hold != NAE_HOLD_OFF)) {
        memcpy(stash->pkts, pkts, n * sizeof *pkts);
        stash->n = n;
        COVERAGE_INC(nae_path_rx_stashed);
        return 0;
    }
    return n;
}

int
nae_path_stash_clear(struct nae_path_stash *stash)
{
    int n = stash->n;

    for (int i = 0; i < n; i++) {
        dp_packet_delete(stash->pkts[i]);
    }
    stash->n = 0;
    return n;
}
