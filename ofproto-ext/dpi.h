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

#ifndef DPI_H
#define DPI_H 1

/* The DPI service's engine: signature files, Hyperscan rule sets and the
 * per-service flow table.  It uses only the C library and Hyperscan, so the
 * unit tests, the fuzz target and the benchmark drive exactly the code the
 * switch runs.
 *
 * Control path (main thread): dpi_sigset_parse(), dpi_ruleset_create(),
 * dpi_ruleset_link(), dpi_engine_create().  They allocate and may take
 * long (compiling 10k signatures takes seconds).
 *
 * Data path (one thread at a time per engine): dpi_engine_process().  It
 * never allocates, blocks or makes a system call: every Hyperscan stream
 * is opened when the rule set is built, and a flow slot's streams are
 * reset, not reopened, when the slot is reused.
 *
 * dpi_engine_install() swaps rule sets; the caller serializes it with
 * dpi_engine_process() (the netdev holds its service lock). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What happens to a packet or flow, in increasing precedence: a flow's
 * verdict only ever rises until the flow ends or a reload withdraws the
 * signature that set it. */
enum dpi_verdict {
    DPI_PASS,
    DPI_ALERT,                  /* Pass, counted and logged once per flow. */
    DPI_MARK,                   /* Pass with a VLAN tag, VID = mark. */
    DPI_DROP,                   /* Drop this and every later packet. */
};

const char *dpi_verdict_name(enum dpi_verdict);

/* One line of a signature file: "ID:/PATTERN/FLAGS:VERDICT[:MARK]". */
struct dpi_sig {
    uint32_t id;                /* Operator's id, unique in the file. */
    char *pattern;              /* Hyperscan (PCRE subset) expression. */
    unsigned int hs_flags;      /* HS_FLAG_* from FLAGS. */
    char flags[8];              /* FLAGS as written, for display. */
    enum dpi_verdict verdict;
    uint16_t mark;              /* 1..4094 for DPI_MARK, else 0. */
};

struct dpi_sigset {
    struct dpi_sig *sigs;
    size_t n;
};

#define DPI_MAX_SIGS 100000
#define DPI_MAX_PATTERN 4096

/* Parses a signature file's contents.  On error returns false, leaves
 * 'set' empty and stores a malloc'd message naming the line in '*errp'. */
bool dpi_sigset_parse(const char *text, size_t len, struct dpi_sigset *set,
                      char **errp);
void dpi_sigset_destroy(struct dpi_sigset *);

/* A compiled rule set with everything scanning needs: the streaming
 * database, scratch space, two streams (one per direction) for each of
 * 'max_flows' flow slots, one stream for stateless scans, and a hit
 * counter per signature. */
struct dpi_ruleset;

struct dpi_ruleset *dpi_ruleset_create(struct dpi_sigset *sigs,
                                       size_t max_flows, char **errp);
void dpi_ruleset_destroy(struct dpi_ruleset *);

/* Prepares 'new' to replace 'old' in an engine: hit counters of signatures
 * that keep their id carry over, and flows whose verdict came from a
 * signature that is gone or changed verdict are cleared at the swap. */
void dpi_ruleset_link(struct dpi_ruleset *new, const struct dpi_ruleset *old);

size_t dpi_ruleset_n_sigs(const struct dpi_ruleset *);
const struct dpi_sig *dpi_ruleset_sig(const struct dpi_ruleset *, size_t i);
uint64_t dpi_ruleset_hits(const struct dpi_ruleset *, size_t i);
size_t dpi_ruleset_memory(const struct dpi_ruleset *);

/* Per-engine counters.  Every packet lands in exactly one of the first
 * four or in 'malformed'; the rest count bytes and events. */
#define DPI_COUNTERS                                                    \
    DPI_COUNTER(scanned_tcp, "TCP segments scanned in their flow's stream") \
    DPI_COUNTER(scanned_packet, "non-TCP packets scanned one by one")   \
    DPI_COUNTER(unscanned, "packets without payload or not IP")         \
    DPI_COUNTER(held_back, "TCP segments beyond a gap, dropped for now") \
    DPI_COUNTER(bytes_scanned, "payload bytes given to Hyperscan")      \
    DPI_COUNTER(retransmit_bytes, "payload bytes already scanned, skipped") \
    DPI_COUNTER(flows_created, "flows entered in the table")            \
    DPI_COUNTER(flows_ended, "flows ended by an exact RST or both FINs") \
    DPI_COUNTER(flows_evicted, "least recently used flows evicted "     \
                "(never one with a drop verdict)")                      \
    DPI_COUNTER(flows_cleared, "flow verdicts withdrawn by a reload")   \
    DPI_COUNTER(stream_restarts, "flow streams restarted by a reload")  \
    DPI_COUNTER(reloads, "rule sets installed")                         \
    DPI_COUNTER(malformed, "IP packets with bad lengths, not scanned")  \
    DPI_COUNTER(bad_checksum, "packets with a bad IPv4 or TCP checksum, " \
                "dropped unscanned")                                    \
    DPI_COUNTER(unanchored, "TCP segments of a stream whose start " \
                "(SYN-ACK) the engine did not see, dropped")            \
    DPI_COUNTER(rst_ignored, "RSTs not at the expected sequence number " \
                "(the flow goes on)")                                   \
    DPI_COUNTER(flows_refused, "packets of new flows dropped: every slot " \
                "holds a flow with a drop verdict")                     \
    DPI_COUNTER(drop_flows_expired, "flows with a drop verdict forgotten " \
                "after the drop hold time idle")                        \
    DPI_COUNTER(scan_errors, "Hyperscan errors (flow passes unscanned)") \
    DPI_COUNTER(alerted, "packets passed with an alert verdict")       \
    DPI_COUNTER(marked, "packets passed with a mark verdict")           \
    DPI_COUNTER(dropped, "packets dropped by a drop verdict")

struct dpi_stats {
#define DPI_COUNTER(NAME, DESC) uint64_t NAME;
    DPI_COUNTERS
#undef DPI_COUNTER
};

/* A flow's addresses in canonical order (the lower address/port pair
 * first), so both directions share one entry. */
struct dpi_flow_key {
    uint8_t addr[2][16];        /* IPv4 as ::ffff:a.b.c.d. */
    uint16_t port[2];           /* Host order. */
    uint8_t proto;
    uint8_t pad[3];
};

/* A flow as shown by dpi_engine_flows(). */
struct dpi_flow_info {
    struct dpi_flow_key key;
    enum dpi_verdict verdict;
    uint32_t sig_id;            /* Signature that set 'verdict', if any. */
    uint16_t mark;
    uint8_t fins;               /* Bit per direction. */
    uint64_t packets, bytes;    /* Bytes = payload scanned. */
    uint64_t held_back;
    uint64_t last_used;         /* Caller's clock. */
};

/* What dpi_engine_process() decided for one packet. */
struct dpi_result {
    enum dpi_verdict verdict;
    uint16_t mark;
    uint32_t sig_id;
    bool first;                 /* The packet's flow got this verdict now. */
    bool held_back;             /* Dropped as out of order, not by a rule. */
    const struct dpi_flow_key *key;     /* The TCP flow, else NULL; valid
                                         * until the next call. */
};

struct dpi_engine;

struct dpi_engine *dpi_engine_create(size_t max_flows);
void dpi_engine_destroy(struct dpi_engine *);
size_t dpi_engine_max_flows(const struct dpi_engine *);

/* Makes 'rs' (built for at least this engine's max_flows) the engine's rule
 * set and returns the previous one, which the caller destroys once no
 * dpi_engine_process() can be running.  Flows stay; their streams restart
 * on 'rs'. */
struct dpi_ruleset *dpi_engine_install(struct dpi_engine *,
                                       struct dpi_ruleset *rs);
const struct dpi_ruleset *dpi_engine_ruleset(const struct dpi_engine *);

/* Scans one Ethernet frame.  'now' is any monotonic clock (flows' idle
 * times, the drop hold).  IPv4 and TCP checksums are verified: a packet
 * with a bad one is dropped unscanned, since its receiver drops it too. */
void dpi_engine_process(struct dpi_engine *, const uint8_t *frame,
                        size_t len, uint64_t now, struct dpi_result *);

/* A flow with a DROP verdict is never evicted for a new one while it has
 * been idle less than 'idle' (in the clock dpi_engine_process() is given;
 * default: forever).  When every slot holds such a flow, packets of new
 * flows are dropped (fail closed). */
void dpi_engine_set_drop_hold(struct dpi_engine *, uint64_t idle);

/* Whether TCP flows whose handshake the engine did not see are scanned
 * from the other side's ACK number on (default: no, their data is
 * dropped).  Picking a flow up in its middle loses whatever part of a
 * signature came before, and an engine that evicts flows from a full table
 * would then let a signature through that spans the eviction: a sender
 * that floods the table can do that on purpose. */
void dpi_engine_set_midstream(struct dpi_engine *, bool);

const struct dpi_stats *dpi_engine_stats(const struct dpi_engine *);
size_t dpi_engine_n_flows(const struct dpi_engine *);

/* Copies up to 'max' in-use flows into 'out', most recently used first,
 * those with a drop verdict after the others; returns how many. */
size_t dpi_engine_flows(const struct dpi_engine *, struct dpi_flow_info *out,
                        size_t max);

/* Formats 'key' as "tcp 10.0.0.1:80 <-> 10.0.0.2:4242" into 'buf'. */
void dpi_flow_key_format(const struct dpi_flow_key *, char *buf,
                         size_t size);

#endif /* dpi.h */
