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

/* Unit tests of the DPI engine (ofproto-ext/dpi.c): signature files,
 * streaming across TCP segments, retransmissions and reordering, the flow
 * table's eviction, reloads that keep flows, stateless scans. */

#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "dpi.h"
#include "dpi-frame.h"
#include "nae-test-mem.h"
#include "openvswitch/util.h"
#include "ovstest.h"
#include "util.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/* Builds Ethernet/IPv4/TCP (proto 6) or UDP (17) from 10.0.0.SRC:SPORT to
 * 10.0.0.DST:DPORT, with good checksums. */
static void
build(struct dpi_frame *f, int proto, int src, int sport, int dst, int dport,
      uint32_t seq, uint8_t flags, const char *payload)
{
    struct dpi_frame_spec spec = {
        .proto = proto, .src = src, .sport = sport, .dst = dst,
        .dport = dport, .seq = seq, .flags = flags,
        .payload = (const uint8_t *) payload, .len = strlen(payload),
    };

    dpi_frame_build(f, &spec);
}

static struct dpi_ruleset *
ruleset(const char *text, size_t max_flows)
{
    struct dpi_sigset set;
    struct dpi_ruleset *rs;
    char *err;

    if (!dpi_sigset_parse(text, strlen(text), &set, &err)) {
        ovs_fatal(0, "parse: %s", err);
    }
    rs = dpi_ruleset_create(&set, max_flows, &err);
    if (!rs) {
        ovs_fatal(0, "compile: %s", err);
    }
    return rs;
}

/* Sends one TCP frame, with its checksum corrupted if 'bad_csum'. */
static enum dpi_verdict
tcp_frame(struct dpi_engine *e, int src, int sport, int dst, int dport,
          uint32_t seq, uint8_t flags, const char *payload, bool bad_csum)
{
    struct dpi_result res;
    struct dpi_frame f;

    build(&f, 6, src, sport, dst, dport, seq, flags, payload);
    if (bad_csum) {
        f.data[14 + 20 + 16] ^= 0x5a;   /* The TCP checksum. */
    }
    dpi_engine_process(e, f.data, f.len, 0, &res);
    return res.verdict;
}

static enum dpi_verdict
tcp(struct dpi_engine *e, int src, int sport, int dst, int dport,
    uint32_t seq, uint8_t flags, const char *payload)
{
    return tcp_frame(e, src, sport, dst, dport, seq, flags, payload, false);
}

/* Sends the handshake's SYN and SYN-ACK of a TCP flow from client C:CPORT
 * to server S:SPORT whose streams start at 'cseq' and 'sseq'. */
static void
handshake(struct dpi_engine *e, int c, int cport, int s, int sport,
          uint32_t cseq, uint32_t sseq)
{
    struct dpi_frame_spec spec = {
        .proto = 6, .src = s, .sport = sport, .dst = c, .dport = cport,
        .seq = sseq - 1, .ack = cseq, .flags = TCP_SYN | TCP_ACK,
    };
    struct dpi_result res;
    struct dpi_frame f;

    ovs_assert(tcp(e, c, cport, s, sport, cseq - 1, TCP_SYN, "")
               == DPI_PASS);
    dpi_frame_build(&f, &spec);
    dpi_engine_process(e, f.data, f.len, 0, &res);
    ovs_assert(res.verdict == DPI_PASS);
}

/* The same, when the test cares only that the client's stream starts at
 * 'seq'. */
static void
syn(struct dpi_engine *e, int src, int sport, int dst, int dport,
    uint32_t seq)
{
    handshake(e, src, sport, dst, dport, seq, 5001);
}

static const char *sigs =
    "# test signatures\n"
    "1:/evil-payload/:drop\n"
    "  2:/suspicious/i:alert  \r\n"
    "\n"
    "3:/tag-me[0-9]+x/:mark:7\n";

static void
test_parse(void)
{
    static const struct {
        const char *text;
        const char *error;
    } bad[] = {
        { "x:/a/:drop", "line 1: expected ID" },
        { "1:a/:drop", "line 1: the pattern must start with '/'" },
        { "1:/a:drop", "line 1: the pattern must end with '/'" },
        { "1:/" "/:drop", "line 1: empty pattern" },
        { "1:/a/q:drop", "line 1: unknown flag" },
        { "1:/a/ii:drop", "line 1: flag given twice" },
        { "1:/a/", "line 1: missing ':VERDICT'" },
        { "1:/a/:reject", "line 1: verdict must be" },
        { "1:/a/:mark", "line 1: mark needs" },
        { "1:/a/:mark:4095", "line 1: mark needs" },
        { "1:/a/:mark:0", "line 1: mark needs" },
        { "1:/a/:drop:9", "line 1: unexpected text" },
        { "#c\n\n1:/a/:drop\n1:/b/:drop\n", "signature id 1 is used twice" },
        { "1:/a/:drop\n2:/b/:dropx\n", "line 2: verdict must be" },
        { "99999999999:/a/:drop", "line 1: expected ID" },
    };
    struct dpi_sigset set;
    char *err;

    ovs_assert(dpi_sigset_parse(sigs, strlen(sigs), &set, &err));
    ovs_assert(set.n == 3);
    ovs_assert(set.sigs[1].id == 2 && !strcmp(set.sigs[1].pattern,
                                              "suspicious"));
    ovs_assert(set.sigs[1].verdict == DPI_ALERT);
    ovs_assert(!strcmp(set.sigs[1].flags, "i"));
    ovs_assert(set.sigs[2].verdict == DPI_MARK && set.sigs[2].mark == 7);
    /* A '/' inside the pattern: the last one closes it. */
    dpi_sigset_destroy(&set);
    ovs_assert(dpi_sigset_parse("5:/GET \\/admin/:drop", 20, &set, &err));
    ovs_assert(!strcmp(set.sigs[0].pattern, "GET \\/admin"));
    dpi_sigset_destroy(&set);

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        ovs_assert(!dpi_sigset_parse(bad[i].text, strlen(bad[i].text), &set,
                                     &err));
        if (!strstr(err, bad[i].error)) {
            ovs_fatal(0, "\"%s\": got \"%s\", want \"%s\"", bad[i].text,
                      err, bad[i].error);
        }
        ovs_assert(set.n == 0 && !set.sigs);
        free(err);
    }
    ovs_assert(!dpi_sigset_parse("1:/a/:drop\0", 11, &set, &err));
    ovs_assert(strstr(err, "NUL"));
    free(err);

    /* A pattern Hyperscan refuses names its signature. */
    ovs_assert(dpi_sigset_parse("1:/ok/:drop\n42:/a(b/:drop\n", 25, &set,
                                &err));
    ovs_assert(!dpi_ruleset_create(&set, 16, &err));
    ovs_assert(strstr(err, "signature 42:"));
    free(err);
    dpi_sigset_destroy(&set);
}

/* "evil-payload" split over two segments is found in the second; the flow
 * is dropped from then on, both ways; another flow passes. */
static void
test_split(void)
{
    struct dpi_engine *e = dpi_engine_create(64);
    struct dpi_ruleset *rs = ruleset(sigs, 64);

    dpi_engine_install(e, rs);
    handshake(e, 1, 4000, 2, 80, 101, 901);
    ovs_assert(tcp(e, 1, 4000, 2, 80, 101, TCP_ACK,
                   "POST / HTTP/1.1\r\n\r\nbody evil-") == DPI_PASS);
    syn(e, 1, 4001, 2, 80, 7);
    ovs_assert(tcp(e, 1, 4001, 2, 80, 7, TCP_ACK, "payload") == DPI_PASS);
    ovs_assert(tcp(e, 1, 4000, 2, 80, 101 + 29, TCP_ACK, "payload here")
               == DPI_DROP);
    ovs_assert(tcp(e, 2, 80, 1, 4000, 901, TCP_ACK, "HTTP/1.1 200")
               == DPI_DROP);
    /* A RST does not let the flow shed its verdict. */
    ovs_assert(tcp(e, 1, 4000, 2, 80, 200, TCP_RST, "") == DPI_DROP);
    ovs_assert(tcp(e, 1, 4000, 2, 80, 200, TCP_ACK, "x") == DPI_DROP);
    ovs_assert(tcp(e, 1, 4001, 2, 80, 14, TCP_ACK, "more") == DPI_PASS);
    ovs_assert(dpi_ruleset_hits(rs, 0) == 1);
    ovs_assert(dpi_engine_stats(e)->dropped == 4);
    ovs_assert(dpi_engine_n_flows(e) == 2);

    /* Alert and mark verdicts stick to their flows too. */
    syn(e, 3, 5000, 2, 80, 1);
    syn(e, 3, 5001, 2, 80, 1);
    ovs_assert(tcp(e, 3, 5000, 2, 80, 1, TCP_ACK, "a SUSPICIOUS thing")
               == DPI_ALERT);
    ovs_assert(tcp(e, 3, 5000, 2, 80, 19, TCP_ACK, "fine") == DPI_ALERT);
    ovs_assert(tcp(e, 3, 5001, 2, 80, 1, TCP_ACK, "tag-me12") == DPI_PASS);
    ovs_assert(tcp(e, 3, 5001, 2, 80, 9, TCP_ACK, "3x") == DPI_MARK);

    struct dpi_flow_info info[8];
    size_t n = dpi_engine_flows(e, info, 8);
    ovs_assert(n == 4);
    ovs_assert(info[0].verdict == DPI_MARK && info[0].mark == 7
               && info[0].sig_id == 3);
    ovs_assert(info[1].verdict == DPI_ALERT && info[1].sig_id == 2);
    dpi_ruleset_destroy(dpi_engine_install(e, NULL));
    dpi_engine_destroy(e);
}

/* Retransmitted bytes are not scanned twice; data beyond a gap is held
 * back until it comes in order, so reordering cannot split a signature
 * past the scanner. */
static void
test_reorder(void)
{
    struct dpi_engine *e = dpi_engine_create(64);
    struct dpi_ruleset *rs = ruleset(sigs, 64);
    const struct dpi_stats *st = dpi_engine_stats(e);

    dpi_engine_install(e, rs);
    syn(e, 1, 4000, 2, 80, 1000);
    ovs_assert(tcp(e, 1, 4000, 2, 80, 1000, TCP_ACK, "aaaevil-") == DPI_PASS);
    /* The second half arrives before the middle: held back. */
    ovs_assert(tcp(e, 1, 4000, 2, 80, 1012, TCP_ACK, "load") == DPI_DROP);
    ovs_assert(st->held_back == 1 && st->dropped == 0);
    /* A full retransmission of the first segment: nothing new to scan. */
    ovs_assert(tcp(e, 1, 4000, 2, 80, 1000, TCP_ACK, "aaaevil-") == DPI_PASS);
    ovs_assert(st->retransmit_bytes == 8);
    /* The middle, overlapping what was scanned by two bytes. */
    ovs_assert(tcp(e, 1, 4000, 2, 80, 1006, TCP_ACK, "l-pay") == DPI_PASS);
    ovs_assert(st->retransmit_bytes == 10);
    /* Now the held-back segment comes again, in order. */
    ovs_assert(tcp(e, 1, 4000, 2, 80, 1011, TCP_ACK, "load") == DPI_DROP);
    ovs_assert(dpi_ruleset_hits(rs, 0) == 1);
    ovs_assert(st->dropped == 1);

    /* Sequence numbers wrap. */
    syn(e, 5, 1, 6, 2, 0xfffffffa);
    ovs_assert(tcp(e, 5, 1, 6, 2, 0xfffffffa, TCP_ACK, "xxevil-")
               == DPI_PASS);
    ovs_assert(tcp(e, 5, 1, 6, 2, 1, TCP_ACK, "payload") == DPI_DROP);

    /* FIN both ways ends a flow; RST ends one without a drop verdict. */
    size_t before = dpi_engine_n_flows(e);
    handshake(e, 7, 1, 8, 2, 10, 50);
    syn(e, 9, 1, 8, 2, 10);
    ovs_assert(tcp(e, 7, 1, 8, 2, 10, TCP_FIN | TCP_ACK, "bye") == DPI_PASS);
    ovs_assert(tcp(e, 8, 2, 7, 1, 50, TCP_FIN | TCP_ACK, "") == DPI_PASS);
    ovs_assert(tcp(e, 9, 1, 8, 2, 10, TCP_ACK, "x") == DPI_PASS);
    ovs_assert(tcp(e, 9, 1, 8, 2, 11, TCP_RST, "") == DPI_PASS);
    ovs_assert(dpi_engine_n_flows(e) == before);
    ovs_assert(st->flows_ended == 2);
    dpi_ruleset_destroy(dpi_engine_install(e, NULL));
    dpi_engine_destroy(e);
}

/* The table holds max_flows; the least recently used flow goes first. */
static void
test_eviction(void)
{
    struct dpi_engine *e = dpi_engine_create(16);
    struct dpi_flow_info info[16];

    dpi_engine_install(e, ruleset(sigs, 16));
    for (int i = 0; i < 20; i++) {
        syn(e, 1, 1000 + i, 2, 80, 1);
        ovs_assert(tcp(e, 1, 1000 + i, 2, 80, 1, TCP_ACK, "hello")
                   == DPI_PASS);
        /* Keep the first flow in use. */
        ovs_assert(tcp(e, 1, 1000, 2, 80, 6 + 5 * i, TCP_ACK, "again")
                   == DPI_PASS);
    }
    ovs_assert(dpi_engine_n_flows(e) == 16);
    ovs_assert(dpi_engine_stats(e)->flows_evicted == 4);
    ovs_assert(dpi_engine_stats(e)->flows_created == 20);
    ovs_assert(dpi_engine_flows(e, info, 16) == 16);
    ovs_assert(info[0].key.port[0] == 1000 && info[0].key.port[1] == 80);
    ovs_assert(info[0].packets == 23);  /* SYN, SYN-ACK, "hello", 20 more. */
    /* A reused slot starts a fresh stream: no match across flows. */
    syn(e, 1, 2000, 2, 80, 1);
    ovs_assert(tcp(e, 1, 2000, 2, 80, 1, TCP_ACK, "evil-") == DPI_PASS);
    for (int i = 0; i < 16; i++) {
        syn(e, 3, 3000 + i, 2, 80, 1);
    }
    syn(e, 1, 2001, 2, 80, 1);
    ovs_assert(tcp(e, 1, 2001, 2, 80, 1, TCP_ACK, "payload") == DPI_PASS);
    dpi_ruleset_destroy(dpi_engine_install(e, NULL));
    dpi_engine_destroy(e);
}

/* A reload keeps flows and the hit counters of kept signatures; verdicts
 * of withdrawn signatures are cleared; new signatures apply to existing
 * flows. */
static void
test_reload(void)
{
    struct dpi_engine *e = dpi_engine_create(64);
    struct dpi_ruleset *rs1 = ruleset(sigs, 64), *rs2, *rs3;
    struct dpi_flow_info info[8];

    dpi_engine_install(e, rs1);
    syn(e, 1, 1, 2, 2, 1);
    syn(e, 1, 3, 2, 2, 1);
    syn(e, 1, 4, 2, 2, 1);
    ovs_assert(tcp(e, 1, 1, 2, 2, 1, TCP_ACK, "suspicious") == DPI_ALERT);
    ovs_assert(tcp(e, 1, 3, 2, 2, 1, TCP_ACK, "tag-me1x") == DPI_MARK);
    ovs_assert(tcp(e, 1, 4, 2, 2, 1, TCP_ACK, "clean") == DPI_PASS);

    rs2 = ruleset("2:/suspicious/i:alert\n3:/tag-me/:mark:9\n"
                  "10:/newbad/:drop\n", 64);
    dpi_ruleset_link(rs2, rs1);
    ovs_assert(dpi_engine_install(e, rs2) == rs1);
    dpi_ruleset_destroy(rs1);
    ovs_assert(dpi_engine_n_flows(e) == 3);
    ovs_assert(dpi_engine_stats(e)->flows_cleared == 1);   /* mark 7 -> 9 */
    ovs_assert(dpi_ruleset_hits(rs2, 0) == 1);     /* By id, not verdict. */
    ovs_assert(dpi_ruleset_hits(rs2, 1) == 1);
    ovs_assert(dpi_ruleset_hits(rs2, 2) == 0);
    ovs_assert(tcp(e, 1, 1, 2, 2, 11, TCP_ACK, "ok") == DPI_ALERT);
    ovs_assert(tcp(e, 1, 4, 2, 2, 6, TCP_ACK, "newbad") == DPI_DROP);

    rs3 = ruleset("", 64);
    dpi_ruleset_link(rs3, rs2);
    dpi_ruleset_destroy(dpi_engine_install(e, rs3));
    ovs_assert(dpi_engine_n_flows(e) == 3);
    ovs_assert(dpi_engine_flows(e, info, 8) == 3);
    for (int i = 0; i < 3; i++) {
        ovs_assert(info[i].verdict == DPI_PASS);
    }
    ovs_assert(tcp(e, 1, 4, 2, 2, 12, TCP_ACK, "newbad") == DPI_PASS);
    dpi_ruleset_destroy(dpi_engine_install(e, NULL));
    dpi_engine_destroy(e);
}

static enum dpi_verdict
tcp_bad_csum(struct dpi_engine *e, int src, int sport, int dst, int dport,
             uint32_t seq, uint8_t flags, const char *payload)
{
    return tcp_frame(e, src, sport, dst, dport, seq, flags, payload, true);
}

static enum dpi_verdict
tcp6_synack(struct dpi_engine *e, int src, int sport, int dst, int dport,
            uint32_t seq, uint32_t ack)
{
    struct dpi_frame_spec spec = {
        .proto = 6, .ipv6 = true, .dstopts = true,
        .src = src, .sport = sport, .dst = dst, .dport = dport,
        .seq = seq, .ack = ack, .flags = TCP_SYN | TCP_ACK,
    };
    struct dpi_result res;
    struct dpi_frame f;

    dpi_frame_build(&f, &spec);
    dpi_engine_process(e, f.data, f.len, 0, &res);
    return res.verdict;
}

static enum dpi_verdict
tcp6(struct dpi_engine *e, int src, int sport, int dst, int dport,
     uint32_t seq, uint8_t flags, const char *payload)
{
    struct dpi_result res;
    struct dpi_frame f;

    struct dpi_frame_spec spec = {
        .proto = 6, .ipv6 = true, .dstopts = true,
        .src = src, .sport = sport, .dst = dst, .dport = dport,
        .seq = seq, .flags = flags,
        .payload = (const uint8_t *) payload, .len = strlen(payload),
    };

    dpi_frame_build(&f, &spec);
    dpi_engine_process(e, f.data, f.len, 0, &res);
    return res.verdict;
}

/* The five evasions a hostile review found: the scanner must see what the
 * receiver will accept. */
static void
test_evasion(void)
{
    struct dpi_engine *e = dpi_engine_create(16);
    const struct dpi_stats *st = dpi_engine_stats(e);

    dpi_engine_install(e, ruleset(sigs, 16));

    /* (a) A decoy with a bad checksum at the real bytes' sequence number
     * is dropped unscanned; the real bytes are then scanned. */
    syn(e, 1, 100, 2, 80, 1);
    ovs_assert(tcp(e, 1, 100, 2, 80, 1, TCP_ACK, "evil-") == DPI_PASS);
    ovs_assert(tcp_bad_csum(e, 1, 100, 2, 80, 6, TCP_ACK, "harmless")
               == DPI_DROP);
    ovs_assert(st->bad_checksum == 1);
    ovs_assert(tcp(e, 1, 100, 2, 80, 6, TCP_ACK, "payload!") == DPI_DROP);

    /* (b) A bare segment far ahead does not move the stream: the real
     * data that follows is scanned, not taken for a retransmission. */
    syn(e, 1, 101, 2, 80, 1);
    ovs_assert(tcp(e, 1, 101, 2, 80, 1 + (1u << 30), TCP_ACK, "")
               == DPI_PASS);
    ovs_assert(tcp(e, 1, 101, 2, 80, 1, TCP_ACK, "evil-payload")
               == DPI_DROP);
    /* A flow whose handshake the engine did not see: its data is dropped,
     * whatever ACKs come (no midstream pickup by default)... */
    struct dpi_result res;
    struct dpi_frame f;
    struct dpi_frame_spec ack = {
        .proto = 6, .src = 2, .sport = 80, .dst = 1, .dport = 102,
        .seq = 7000, .ack = 500, .flags = TCP_ACK,
    };
    ovs_assert(tcp(e, 1, 102, 2, 80, 1 + (1u << 30), TCP_ACK, "")
               == DPI_PASS);
    ovs_assert(tcp(e, 1, 102, 2, 80, 500, TCP_ACK, "evil-") == DPI_DROP);
    dpi_frame_build(&f, &ack);
    dpi_engine_process(e, f.data, f.len, 0, &res);
    ovs_assert(res.verdict == DPI_PASS);
    ovs_assert(tcp(e, 1, 102, 2, 80, 500, TCP_ACK, "clean") == DPI_DROP);
    ovs_assert(st->unanchored == 2);
    /* ...and a SYN the server never answered starts nothing either. */
    ovs_assert(tcp(e, 1, 102, 2, 80, 100, TCP_SYN, "") == DPI_PASS);
    ovs_assert(tcp(e, 1, 102, 2, 80, 101, TCP_ACK, "clean") == DPI_DROP);
    ovs_assert(st->unanchored == 3);
    /* With midstream pickup, such a flow starts where the receiver ACKs,
     * never at the sender's own sequence numbers. */
    dpi_engine_set_midstream(e, true);
    ack.dport = 105;
    ovs_assert(tcp(e, 1, 105, 2, 80, 1 + (1u << 30), TCP_ACK, "")
               == DPI_PASS);
    dpi_frame_build(&f, &ack);
    dpi_engine_process(e, f.data, f.len, 0, &res);
    ovs_assert(tcp(e, 1, 105, 2, 80, 500, TCP_ACK, "evil-") == DPI_PASS);
    ovs_assert(tcp(e, 1, 105, 2, 80, 505, TCP_ACK, "payload") == DPI_DROP);
    dpi_engine_set_midstream(e, false);

    /* (c) A RST between the halves of a signature ends nothing unless a
     * receiver would take it: bad checksum, or not exactly at RCV.NXT. */
    syn(e, 1, 103, 2, 80, 1);
    ovs_assert(tcp(e, 1, 103, 2, 80, 1, TCP_ACK, "evil-") == DPI_PASS);
    ovs_assert(tcp_bad_csum(e, 1, 103, 2, 80, 6, TCP_RST, "") == DPI_DROP);
    ovs_assert(tcp(e, 1, 103, 2, 80, 9, TCP_RST, "") == DPI_PASS);
    ovs_assert(st->rst_ignored == 1);
    ovs_assert(tcp(e, 1, 103, 2, 80, 6, TCP_ACK, "payload") == DPI_DROP);

    /* (d) IPv6 extension headers are walked: the flow is still a stream. */
    ovs_assert(tcp6(e, 1, 104, 2, 80, 0, TCP_SYN, "") == DPI_PASS);
    ovs_assert(tcp6_synack(e, 2, 80, 1, 104, 700, 1) == DPI_PASS);
    ovs_assert(tcp6(e, 1, 104, 2, 80, 1, TCP_ACK, "evil-") == DPI_PASS);
    ovs_assert(tcp6(e, 1, 104, 2, 80, 6, TCP_ACK, "payload") == DPI_DROP);

    /* (e) A flood of new flows evicts every flow but those with a drop
     * verdict: they still drop. */
    uint64_t evicted = st->flows_evicted;
    for (int i = 0; i < 100; i++) {
        syn(e, 3, 2000 + i, 2, 80, 1);
    }
    ovs_assert(st->flows_evicted > evicted);
    ovs_assert(tcp(e, 1, 100, 2, 80, 14, TCP_ACK, "more") == DPI_DROP);
    ovs_assert(tcp(e, 1, 101, 2, 80, 13, TCP_ACK, "more") == DPI_DROP);
    ovs_assert(tcp(e, 1, 105, 2, 80, 512, TCP_ACK, "more") == DPI_DROP);
    ovs_assert(tcp(e, 1, 103, 2, 80, 13, TCP_ACK, "more") == DPI_DROP);
    ovs_assert(tcp6(e, 1, 104, 2, 80, 13, TCP_ACK, "more") == DPI_DROP);
    /* A flow the flood evicted lost its stream: its data is dropped from
     * then on, never scanned from the middle. */
    ovs_assert(tcp(e, 3, 2000, 2, 80, 1, TCP_ACK, "evil-") == DPI_DROP);
    dpi_ruleset_destroy(dpi_engine_install(e, NULL));
    dpi_engine_destroy(e);

    /* When every slot holds a drop verdict, new flows fail closed until the
     * oldest has been idle for the drop hold time. */
    e = dpi_engine_create(4);
    st = dpi_engine_stats(e);
    dpi_engine_install(e, ruleset(sigs, 4));
    dpi_engine_set_drop_hold(e, 1000);
    for (int i = 0; i < 4; i++) {
        handshake(e, 1, 300 + i, 2, 80, 1, 1);
        build(&f, 6, 1, 300 + i, 2, 80, 1, TCP_ACK, "evil-payload");
        dpi_engine_process(e, f.data, f.len, 10 * i, &res);
        ovs_assert(res.verdict == DPI_DROP);
    }
    build(&f, 6, 1, 400, 2, 80, 0, TCP_SYN, "");
    dpi_engine_process(e, f.data, f.len, 500, &res);
    ovs_assert(res.verdict == DPI_DROP && st->flows_refused == 1);
    dpi_engine_process(e, f.data, f.len, 1000, &res);
    ovs_assert(res.verdict == DPI_PASS && st->drop_flows_expired == 1);
    build(&f, 6, 1, 301, 2, 80, 13, TCP_ACK, "x");
    dpi_engine_process(e, f.data, f.len, 1000, &res);
    ovs_assert(res.verdict == DPI_DROP);
    dpi_ruleset_destroy(dpi_engine_install(e, NULL));
    dpi_engine_destroy(e);
}

/* UDP and other non-TCP packets are scanned one by one, with no state. */
static void
test_stateless(void)
{
    struct dpi_engine *e = dpi_engine_create(16);
    struct dpi_ruleset *rs = ruleset(sigs, 16);
    struct dpi_result res;
    struct dpi_frame f;

    dpi_engine_install(e, rs);
    build(&f, 17, 1, 53, 2, 53, 0, 0, "an evil-payload datagram");
    dpi_engine_process(e, f.data, f.len, 0, &res);
    ovs_assert(res.verdict == DPI_DROP && res.sig_id == 1 && !res.key);
    build(&f, 17, 1, 53, 2, 53, 0, 0, "evil-");
    dpi_engine_process(e, f.data, f.len, 0, &res);
    ovs_assert(res.verdict == DPI_PASS);
    build(&f, 17, 1, 53, 2, 53, 0, 0, "payload");
    dpi_engine_process(e, f.data, f.len, 0, &res);
    ovs_assert(res.verdict == DPI_PASS);
    ovs_assert(dpi_engine_n_flows(e) == 0);
    ovs_assert(dpi_engine_stats(e)->scanned_packet == 3);

    /* Truncated or lying headers are counted, never read past. */
    build(&f, 6, 1, 1, 2, 2, 1, TCP_ACK, "evil-payload");
    f.data[14 + 3] = 0xff;              /* IP total length > frame */
    dpi_engine_process(e, f.data, f.len, 0, &res);
    ovs_assert(res.verdict == DPI_PASS);
    ovs_assert(dpi_engine_stats(e)->malformed == 1);
    for (size_t len = 0; len < 14 + 20 + 20; len++) {
        build(&f, 6, 1, 1, 2, 2, 1, TCP_ACK, "");
        dpi_engine_process(e, f.data, len, 0, &res);
    }
    /* A VLAN-tagged frame is scanned like an untagged one. */
    build(&f, 17, 1, 53, 2, 53, 0, 0, "evil-payload");
    memmove(f.data + 16, f.data + 12, f.len - 12);
    f.data[12] = 0x81;
    f.data[13] = 0x00;
    f.data[14] = 0;
    f.data[15] = 5;
    dpi_engine_process(e, f.data, f.len + 4, 0, &res);
    ovs_assert(res.verdict == DPI_DROP);
    dpi_ruleset_destroy(dpi_engine_install(e, NULL));
    dpi_engine_destroy(e);
}

static void
test_dpi_main(int argc, char *argv[])
{
    static const struct test_case tests[] = {
        { "parse", test_parse },
        { "split", test_split },
        { "reorder", test_reorder },
        { "eviction", test_eviction },
        { "reload", test_reload },
        { "stateless", test_stateless },
        { "evasion", test_evasion },
    };

    test_run(argc, argv, tests, ARRAY_SIZE(tests));
}

OVSTEST_REGISTER("test-dpi", test_dpi_main);
