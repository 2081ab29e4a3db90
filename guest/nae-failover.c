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

/* The guest half of a nae port's path switch.  See nae-failover.h. */

#include "nae-failover.h"

#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "nae-guest.h"

void
nae_failover_init(struct nae_failover *fo, const struct nae_failover_ops *ops,
                  void *vf)
{
    memset(fo, 0, sizeof *fo);
    fo->ops = ops;
    fo->vf = vf;
    fo->released = true;
}

bool
nae_failover_vf_usable(const struct nae_failover *fo)
{
    return !fo->released && fo->attached && fo->ops->enabled(fo->vf);
}

static void
nae_failover_detach(struct nae_failover *fo)
{
    if (fo->attached) {
        fo->ops->detach(fo->vf);
        fo->attached = false;
    }
}

void
nae_failover_session_reset(struct nae_failover *fo)
{
    fo->tx_path = fo->rx_new = NAE_PATH_SW;
    fo->switching = fo->release = false;
    nae_failover_detach(fo);
    fo->released = true;
}

void
nae_failover_path_event(struct nae_failover *fo, struct nae_guest *g,
                        double now)
{
    int vf_fd = nae_guest_take_vf_fd(g);

    fo->target = NAE_PATH_OF(g->path_event);
    fo->target_gen = NAE_PATH_GEN(g->path_event);
    fo->release = (fo->target == NAE_PATH_SW
                   && NAE_PATH_VF(g->path_event) == NAE_PATH_VF_NONE);
    if (fo->target == NAE_PATH_HW) {
        fo->released = false;
    }
    if (fo->target == NAE_PATH_HW && vf_fd >= 0) {
        /* The VF's memory, as the switch hands it over: the same we have
         * (its rings' state lives in it), or a new VF or a new assignment
         * of it, on which we start afresh.  We are on the rings, so the
         * old memory holds nothing of ours. */
        nae_failover_detach(fo);
        fo->attached = !fo->ops->attach_fd(fo->vf, vf_fd);
        if (!fo->attached) {
            fprintf(stderr, "nae-failover: cannot map the VF the switch "
                    "handed over\n");
        }
    } else if (vf_fd >= 0) {
        close(vf_fd);
    }
    fo->rx_new = fo->target;    /* The switch sends there once we ack. */
    fo->switching = true;
    fo->switch_start = now;
}

int
nae_failover_tx_path(struct nae_failover *fo, struct nae_guest *g,
                     double now, void (*drain_vf)(void *aux), void *aux)
{
    if (fo->switching) {
        bool empty = (fo->tx_path == NAE_PATH_HW
                      ? (!nae_failover_vf_usable(fo)
                         || fo->ops->tx_idle(fo->vf))
                      : nae_guest_tx_idle(g));
        double hold;

        if (!empty) {
            return -1;
        }
        fo->switching = false;
        if (fo->target == NAE_PATH_HW && !nae_failover_vf_usable(fo)) {
            /* We cannot follow.  Without our acknowledgement the switch
             * gives up and moves back to the rings. */
            fo->refused++;
            fprintf(stderr, "nae-failover: the switch asks for the VF, "
                    "which is not usable; staying on the rings\n");
        } else {
            fo->tx_path = fo->target;
            if (fo->release) {
                /* The switch gives the VF to another guest: what it
                 * received for us is delivered first. */
                if (fo->attached) {
                    drain_vf(aux);
                    nae_failover_detach(fo);
                }
                fo->released = true;
                fo->release = false;
            }
            hold = now - fo->switch_start;
            if (hold > fo->max_hold) {
                fo->max_hold = hold;
            }
            fo->switches++;
            if (nae_guest_ack_path(g, fo->target_gen)) {
                fprintf(stderr, "nae-failover: cannot acknowledge path "
                        "switch %"PRIu32"\n", fo->target_gen);
            }
        }
    }
    if (fo->tx_path == NAE_PATH_HW && !nae_failover_vf_usable(fo)) {
        /* Surprise removal: what the VF had not taken is lost, as on real
         * hardware; the rings carry on. */
        fo->surprise++;
        fo->tx_path = NAE_PATH_SW;
    }
    return fo->tx_path;
}

void
nae_failover_print(const struct nae_failover *fo, FILE *out, const char *who)
{
    fprintf(out, "%s: path %s%s, switches %"PRIu64", refused %"PRIu64", "
            "surprise_removals %"PRIu64", max_hold_ms %.3f",
            who, fo->tx_path == NAE_PATH_HW ? "hw" : "sw",
            fo->switching ? " (switching)" : "", fo->switches, fo->refused,
            fo->surprise, fo->max_hold * 1e3);
}
