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

#ifndef NAE_PATH_H
#define NAE_PATH_H 1

/* The make-before-break path switch of one nae port (docs/hw-channels.md):
 * which of its channels, the hardware one or the software rings, carries
 * the guest's traffic, and how it moves from one to the other with nothing
 * lost, duplicated or reordered.
 *
 * A switch has a generation.  The machine first has the port's eswitch
 * rules changed (rules to the port out before a move to the rings, rules
 * from it in before a move to the VF) and waits for that as for one more
 * acknowledgement; then tells the guest (through 'announce'), waits for
 * the guest to acknowledge that generation, and only then moves the
 * switch's own transmit.  Going to the rings, software
 * receive is held from the start until the guest has acked and the
 * hardware channel's receive queue has been seen empty after the ack, so
 * that frames the guest sent on the VF reach OVS before anything it sends
 * on the rings.  A switch to the hardware channel times out (the guest
 * cannot use the VF: back to the rings, and no new try for a while); a
 * switch to the rings never does (acking is the only proof the guest's
 * last VF frames are queued), it ends with the guest's session.
 *
 * The machine reaches the hardware channel only through the channel class
 * (nae-channel.h), the guest and the eswitch rules only through
 * 'struct nae_path_ops', and time only through its callers: the unit tests
 * (tests/test-nae-path.c) drive it with a fake channel class.
 *
 * Threads: nae_path_rx_hw(), nae_path_rx_sw(), nae_path_sw_rx_held() and
 * nae_path_tx_on_hw() are the data path (PMD threads); everything else is
 * the main thread, under the owner's lock.  'hw' changes only while no data
 * path thread uses the port. */

#include <stdbool.h>
#include <stdint.h>

#include "nae-abi.h"
#include "ovs-atomic.h"

struct dp_packet;
struct nae_channel;

/* The guest has this long to acknowledge a switch to the hardware channel;
 * after a refusal the machine waits NAE_PATH_RETRY_US before trying
 * again. */
#define NAE_PATH_SWITCH_TIMEOUT_US 2000000
#define NAE_PATH_RETRY_US 5000000

/* How far a port's traffic is on its hardware channel, as its eswitch rules
 * must follow. */
enum nae_offload_state {
    NAE_OFFLOAD_OFF,            /* On its rings: no rule may involve it. */
    NAE_OFFLOAD_AS_SOURCE,      /* Its guest is about to send on the VF:
                                 * rules from it, so that its first VF
                                 * frames are switched, not missed. */
    NAE_OFFLOAD_ON,             /* On its VF both ways. */
};

/* Software receive while the guest moves its transmit off the VF. */
enum nae_rx_hold {
    NAE_HOLD_OFF,               /* Poll the rings. */
    NAE_HOLD_ON,                /* Not yet: the guest has not acked. */
    NAE_HOLD_UNTIL_HW_EMPTY,    /* Once the hardware queue is empty. */
};

/* What the machine drives besides the hardware channel. */
struct nae_path_ops {
    /* Whether the port has a guest session; if so, stores in '*ack' the
     * generation of the last switch the guest acknowledged. */
    bool (*guest_ack)(void *aux, uint32_t *ack);

    /* Tells the guest (if any) of switch 'gen' to 'to'.  'release': the
     * guest must let go of its VF as well. */
    void (*announce)(void *aux, uint32_t gen, enum nae_path to,
                     bool release);

    /* Has the port's eswitch rules installed or removed.  Returns a
     * ticket for 'offload_done' (the offload provider does it off the main
     * thread) and 'offload_wait' (wakes the main loop once done). */
    uint64_t (*offload)(void *aux, enum nae_offload_state);
    bool (*offload_done)(void *aux, uint64_t ticket);
    void (*offload_wait)(void *aux, uint64_t ticket);
};

struct nae_path_machine {
    /* Data path. */
    struct nae_channel *hw;     /* Hardware channel, or NULL. */
    atomic_bool tx_hw;          /* Output goes to 'hw'. */
    atomic_int rx_hold;         /* enum nae_rx_hold. */

    /* Main thread. */
    const char *name;           /* For logs. */
    const struct nae_path_ops *ops;
    void *aux;

    enum nae_path path;         /* Path the guest acknowledged. */
    bool switching;             /* Waiting for the guest's ack. */
    bool announce_pending;      /* Not told yet: the rules come first. */
    uint64_t offload_ticket;    /* The rule change it waits for. */
    enum nae_path switch_to;
    uint32_t gen;               /* Generation of the last switch. */
    long long int switch_start; /* Microseconds. */
    long long int announced_at; /* The guest was told then. */
    long long int retry_at;     /* After a refused switch to 'hw'. */

    bool releasing;             /* Telling the guest to let go of 'hw'. */
    bool let_go;                /* The guest has let go of it. */
    bool hw_link;               /* 'hw' can carry traffic. */
    bool hw_released;           /* We let an unplugging 'hw' go. */

    uint64_t n_switches;        /* Acknowledged. */
    uint64_t n_timeouts;
    long long int last_gap_us;
    long long int max_gap_us;
};

void nae_path_init(struct nae_path_machine *, const char *name,
                   const struct nae_path_ops *, void *aux);

/* Gives the machine its hardware channel (the port is on its rings), or
 * takes it away (at once to the rings).  Only while no data path thread
 * uses the port. */
void nae_path_attach(struct nae_path_machine *, struct nae_channel *hw);
struct nae_channel *nae_path_detach(struct nae_path_machine *);

/* Wakes the main loop when nae_path_run() has something to do that does not
 * show in the guest's session: a rule change it waits for. */
void nae_path_wait(const struct nae_path_machine *);

/* Follows the hardware channel's link and the guest's acks, times out
 * switches, and starts the next switch when the path the port should use
 * differs: the hardware channel if 'want_hw' (the owner's policy: its
 * guest can follow switches, nothing keeps it off the VF), the channel is
 * up, and no refusal is recent.  'now' is in microseconds. */
void nae_path_run(struct nae_path_machine *, bool want_hw,
                  long long int now);

/* Moves the port to its rings at once, without the guest's consent: its
 * session or its hardware channel is gone, or (a VM) its device took its
 * rings back from the VF.  Software receive waits until the hardware
 * channel, if still there, has been seen empty. */
void nae_path_force_sw(struct nae_path_machine *);

/* Tells the guest to let go of its VF (placement gives it to another
 * port); 'let_go' becomes true once it has. */
void nae_path_release(struct nae_path_machine *, long long int now);

/* Whether a refused switch to the hardware channel still blocks a new
 * one. */
bool nae_path_retry_pending(const struct nae_path_machine *,
                            long long int now);

/* Data path.  Receives from the hardware channel into 'pkts' (the receive
 * queue that polls it must be the one that polls ring 0, so that its
 * frames and the rings' are handed to OVS in order) and releases held
 * software receive once that channel is drained.  Returns how many. */
int nae_path_rx_hw(struct nae_path_machine *, struct dp_packet **pkts,
                   int max);

/* Frames a software channel gave nae_path_rx_sw() as the hold came on,
 * kept until it is off.  One per software channel, used only by the thread
 * that polls it. */
#define NAE_PATH_STASH_MAX 32
struct nae_path_stash {
    struct dp_packet *pkts[NAE_PATH_STASH_MAX];
    int n;
};

/* Data path.  Receives from software channel 'sw' into 'pkts' unless its
 * receive is held, frames stashed in 'stash' first.  Returns how many. */
int nae_path_rx_sw(struct nae_path_machine *, struct nae_path_stash *,
                   struct nae_channel *sw, struct dp_packet **pkts, int max);

/* Frees what 'stash' holds (no data path thread may be using it) and
 * returns how many frames that dropped. */
int nae_path_stash_clear(struct nae_path_stash *);

static inline bool
nae_path_sw_rx_held(struct nae_path_machine *m)
{
    int hold;

    atomic_read_relaxed(&m->rx_hold, &hold);
    return hold != NAE_HOLD_OFF;
}

static inline bool
nae_path_tx_on_hw(struct nae_path_machine *m)
{
    bool tx_hw;

    atomic_read_relaxed(&m->tx_hw, &tx_hw);
    return tx_hw;
}

#endif /* nae-path.h */
