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

#ifndef NAE_CTL_H
#define NAE_CTL_H 1

/* The control channel of one NAE port: a listening unix socket
 * (SOCK_SEQPACKET) and at most one guest connected to it.  It frames
 * messages, passes file descriptors and keeps the guest's 'struct nae_dev'
 * for as long as the session lasts.  Main thread only: it may block
 * briefly, allocate and log.
 *
 * Replies to dev_start writes are held back until the owner says the data
 * path has caught up (nae_ctl_dp_synced()), so that a guest never reuses ring
 * memory the switch still polls, and knows when its rings are live; the
 * guest's next messages wait in the socket until then.
 *
 * A session the data path never used ends without a data path change, and
 * a port accepts at most NAE_CTL_SESSION_RATE sessions a second (beyond a
 * burst), so that one guest's connect/hang-up churn costs the other ports
 * nothing. */

#include <stdbool.h>
#include <stdint.h>
#include "nae-dev.h"

struct nae_ctl;

/* What nae_ctl_run() tells its owner. */
enum nae_ctl_event {
    NAE_CTL_NOTHING = 0,
    NAE_CTL_DP_CHANGE = 1 << 0,     /* Started, stopped or session ended:
                                     * resync the data path, then call
                                     * nae_ctl_dp_synced(). */
    NAE_CTL_PATH_ACK = 1 << 1,      /* The guest acknowledged a path
                                     * switch: see nae_dev's 'path_ack'. */
};

int nae_ctl_create(const char *path, const struct nae_dev_offer *,
                   struct nae_ctl **);
void nae_ctl_destroy(struct nae_ctl *);

enum nae_ctl_event nae_ctl_run(struct nae_ctl *);
void nae_ctl_wait(struct nae_ctl *);

struct nae_dev *nae_ctl_dev(const struct nae_ctl *);
struct nae_dev *nae_ctl_take_retired(struct nae_ctl *);
void nae_ctl_dp_synced(struct nae_ctl *, bool dp_uses_session);
void nae_ctl_needs_reset(struct nae_ctl *);
void nae_ctl_set_offer(struct nae_ctl *, const struct nae_dev_offer *);
void nae_ctl_disconnect(struct nae_ctl *, const char *why);
bool nae_ctl_set_path(struct nae_ctl *, uint32_t gen, enum nae_path,
                      uint16_t vf, int vf_fd);


struct nae_ctl_stats {
    uint64_t sessions;          /* Guests accepted. */
    uint64_t refused;           /* Connections refused: one guest at once. */
    uint64_t refused_rate;      /* Refused: reconnecting too fast. */
    uint64_t proto_errors;      /* Sessions ended for framing errors. */
};
void nae_ctl_get_stats(const struct nae_ctl *, struct nae_ctl_stats *);
void nae_ctl_get_rejects(const struct nae_ctl *,
                         uint64_t rejects[NAE_N_REJECTS]);

/* Checks the framing of one received record: 'n' bytes with recvmsg()
 * flags 'flags' and 'n_fds' descriptors attached.  Returns 0 if it is one
 * whole 'struct nae_msg' with at most one descriptor, else EPROTO. */
int nae_ctl_check_frame(size_t n, int flags, int n_fds);

#endif /* nae-ctl.h */
