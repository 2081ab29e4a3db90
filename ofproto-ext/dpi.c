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

/* The DPI engine (see dpi.h): signature parsing, Hyperscan rule sets, the
 * flow table and the per-packet scan. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1           /* vasprintf() */
#endif

#include "dpi.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <hs/hs.h>

#define DPI_NONE UINT32_MAX

/* IPv4 addresses live in flow keys as IPv4-mapped IPv6, ::ffff:a.b.c.d. */
static const uint8_t dpi_v4_prefix[12] = { [10] = 0xff, [11] = 0xff };
#define DPI_UNUSED __attribute__((unused))

/* The streams of all flow slots of one rule set may not use more than this
 * much memory; max-flows and the signatures decide the size. */
#define DPI_MAX_STREAM_MEMORY (1024ULL * 1024 * 1024)

/* IPv6 extension headers walked before giving up on a packet (dropped as
 * malformed). */
#define DPI_MAX_EXT_HEADERS 8

struct dpi_ruleset {
    struct dpi_sigset set;
    hs_database_t *db;          /* NULL when 'set' is empty. */
    hs_scratch_t *scratch;
    hs_stream_t **streams;      /* [2 * max_flows]: slot i uses 2i, 2i+1. */
    hs_stream_t *packet_stream; /* For stateless scans. */
    size_t max_flows;
    size_t stream_size;
    uint64_t *hits;             /* Per signature. */

    /* Set by dpi_ruleset_link(). */
    const struct dpi_ruleset *linked_old;
    uint32_t *new_to_old;       /* [set.n], DPI_NONE if new. */
    uint32_t *old_to_new;       /* [linked_old->set.n], DPI_NONE if gone. */
};

struct dpi_flow {
    struct dpi_flow_key key;
    uint32_t hash;
    uint32_t hash_next;         /* Bucket chain, or free list. */
    uint32_t lru_prev, lru_next;
    bool in_use;
    uint8_t fins;
    bool seq_valid[2];          /* The direction's stream has started. */
    uint32_t next_seq[2];
    bool handshake;             /* 'isn' holds the SYN-ACK that started
                                 * the streams. */
    uint32_t isn[2];
    enum dpi_verdict verdict;
    uint32_t sig_idx;           /* Index in the rule set, or DPI_NONE. */
    uint16_t mark;
    uint64_t packets, bytes, held_back, last_used;
};

struct dpi_engine {
    struct dpi_ruleset *rs;
    size_t max_flows;
    struct dpi_flow *flows;
    uint32_t *buckets;
    uint32_t bucket_mask;
    uint32_t free_head;
    /* Two LRU lists, most recently used first: [DPI_LRU_OPEN] holds flows
     * eviction may take, [DPI_LRU_DROPPED] those with a DROP verdict, which
     * nothing but an idle time of 'drop_hold' may take: a flow that lost its
     * verdict would be picked up again after the signature's first bytes
     * and let the rest through. */
    uint32_t lru_head[2], lru_tail[2];
    uint64_t drop_hold;
    bool midstream;             /* See dpi_engine_set_midstream(). */
    size_t n_flows;
    uint64_t hash_seed;
    struct dpi_stats stats;
};

static void dpi_flow_set_verdict(struct dpi_engine *, struct dpi_flow *,
                                 enum dpi_verdict);

const char *
dpi_verdict_name(enum dpi_verdict v)
{
    switch (v) {
    case DPI_PASS: return "pass";
    case DPI_ALERT: return "alert";
    case DPI_MARK: return "mark";
    case DPI_DROP: return "drop";
    }
    return "?";
}

static char * __attribute__((format(printf, 1, 2)))
dpi_asprintf(const char *fmt, ...)
{
    va_list args;
    char *s;

    va_start(args, fmt);
    if (vasprintf(&s, fmt, args) < 0) {
        s = NULL;
    }
    va_end(args);
    return s;
}

/* Signature files. */

static bool
dpi_parse_u32(const char *s, size_t len, uint32_t max, uint32_t *value)
{
    uint64_t v = 0;

    if (!len || len > 10) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    if (v > max) {
        return false;
    }
    *value = v;
    return true;
}

/* Parses one trimmed, non-empty, non-comment line. */
static const char *
dpi_parse_line(const char *p, size_t len, struct dpi_sig *sig)
{
    const char *end = p + len;
    const char *colon = memchr(p, ':', len);
    const char *open, *close, *q;

    memset(sig, 0, sizeof *sig);
    if (!colon || !dpi_parse_u32(p, colon - p, UINT32_MAX, &sig->id)) {
        return "expected ID:/PATTERN/FLAGS:VERDICT, ID a decimal number";
    }
    open = colon + 1;
    if (open >= end || *open != '/') {
        return "the pattern must start with '/'";
    }
    close = NULL;
    for (q = end - 1; q > open; q--) {
        if (*q == '/') {
            close = q;
            break;
        }
    }
    if (!close) {
        return "the pattern must end with '/'";
    }
    if (close == open + 1) {
        return "empty pattern";
    }
    if (close - open - 1 > DPI_MAX_PATTERN) {
        return "pattern longer than 4096 bytes";
    }

    /* Flags up to the next ':'. */
    size_t n_flags = 0;
    for (q = close + 1; q < end && *q != ':'; q++) {
        static const struct { char c; unsigned int hs; } flags[] = {
            { 'i', HS_FLAG_CASELESS }, { 's', HS_FLAG_DOTALL },
            { 'm', HS_FLAG_MULTILINE }, { 'H', HS_FLAG_SINGLEMATCH },
            { '8', HS_FLAG_UTF8 },
        };
        size_t k;

        for (k = 0; k < sizeof flags / sizeof flags[0]; k++) {
            if (*q == flags[k].c) {
                break;
            }
        }
        if (k == sizeof flags / sizeof flags[0]) {
            return "unknown flag (known: i s m H 8)";
        }
        if (sig->hs_flags & flags[k].hs) {
            return "flag given twice";
        }
        sig->hs_flags |= flags[k].hs;
        sig->flags[n_flags++] = *q;
    }
    if (q >= end) {
        return "missing ':VERDICT' after the pattern";
    }

    /* Verdict and, for "mark", the VLAN ID. */
    const char *verdict = q + 1;
    const char *vend = memchr(verdict, ':', end - verdict);
    size_t vlen = (vend ? vend : end) - verdict;

    if (vlen == 5 && !memcmp(verdict, "alert", 5)) {
        sig->verdict = DPI_ALERT;
    } else if (vlen == 4 && !memcmp(verdict, "mark", 4)) {
        uint32_t mark;

        sig->verdict = DPI_MARK;
        if (!vend || !dpi_parse_u32(vend + 1, end - vend - 1, 4094, &mark)
            || !mark) {
            return "mark needs ':VID' with VID in 1..4094";
        }
        sig->mark = mark;
        vend = NULL;
    } else if (vlen == 4 && !memcmp(verdict, "drop", 4)) {
        sig->verdict = DPI_DROP;
    } else {
        return "verdict must be alert, mark:VID or drop";
    }
    if (vend) {
        return "unexpected text after the verdict";
    }

    sig->pattern = malloc(close - open);
    if (!sig->pattern) {
        return "out of memory";
    }
    memcpy(sig->pattern, open + 1, close - open - 1);
    sig->pattern[close - open - 1] = '\0';
    return NULL;
}

static int
dpi_cmp_u32(const void *a_, const void *b_)
{
    const uint32_t *a = a_, *b = b_;
    return *a < *b ? -1 : *a > *b;
}

bool
dpi_sigset_parse(const char *text, size_t len, struct dpi_sigset *set,
                 char **errp)
{
    size_t cap = 0, lineno = 0;
    const char *p = text, *end = text + len;
    const char *error = NULL;

    set->sigs = NULL;
    set->n = 0;
    *errp = NULL;
    if (memchr(text, '\0', len)) {
        *errp = dpi_asprintf("signature file contains a NUL byte");
        return false;
    }
    while (p < end && !error) {
        const char *nl = memchr(p, '\n', end - p);
        const char *lend = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;

        lineno++;
        while (p < lend && (*p == ' ' || *p == '\t')) {
            p++;
        }
        while (lend > p && (lend[-1] == ' ' || lend[-1] == '\t'
                            || lend[-1] == '\r')) {
            lend--;
        }
        if (p < lend && *p != '#') {
            if (set->n >= DPI_MAX_SIGS) {
                error = "more than 100000 signatures";
                break;
            }
            if (set->n == cap) {
                size_t ncap = cap ? cap * 2 : 64;
                struct dpi_sig *s = realloc(set->sigs, ncap * sizeof *s);

                if (!s) {
                    error = "out of memory";
                    break;
                }
                set->sigs = s;
                cap = ncap;
            }
            error = dpi_parse_line(p, lend - p, &set->sigs[set->n]);
            if (!error) {
                set->n++;
            }
        }
        p = next;
    }
    if (!error && set->n > 1) {
        uint32_t *ids = malloc(set->n * sizeof *ids);

        if (!ids) {
            error = "out of memory";
        } else {
            for (size_t i = 0; i < set->n; i++) {
                ids[i] = set->sigs[i].id;
            }
            qsort(ids, set->n, sizeof *ids, dpi_cmp_u32);
            for (size_t i = 1; i < set->n; i++) {
                if (ids[i] == ids[i - 1]) {
                    *errp = dpi_asprintf("signature id %"PRIu32" is used "
                                         "twice", ids[i]);
                    break;
                }
            }
            free(ids);
        }
    }
    if (error || *errp) {
        if (!*errp) {
            *errp = dpi_asprintf("line %zu: %s", lineno, error);
        }
        dpi_sigset_destroy(set);
        return false;
    }
    return true;
}

void
dpi_sigset_destroy(struct dpi_sigset *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->sigs[i].pattern);
    }
    free(set->sigs);
    set->sigs = NULL;
    set->n = 0;
}

/* Rule sets. */

struct dpi_ruleset *
dpi_ruleset_create(struct dpi_sigset *sigs, size_t max_flows, char **errp)
{
    struct dpi_ruleset *rs = calloc(1, sizeof *rs);
    const char **patterns = NULL;
    unsigned int *flags = NULL, *ids = NULL;
    hs_compile_error_t *cerr = NULL;
    size_t n_streams = 2 * max_flows;

    *errp = NULL;
    if (!rs) {
        *errp = dpi_asprintf("out of memory");
        return NULL;
    }
    rs->set = *sigs;
    sigs->sigs = NULL;
    sigs->n = 0;
    rs->max_flows = max_flows;
    rs->hits = calloc(rs->set.n + 1, sizeof *rs->hits);
    if (!rs->hits) {
        goto nomem;
    }
    if (!rs->set.n) {
        return rs;              /* Nothing to match: every packet passes. */
    }

    patterns = malloc(rs->set.n * sizeof *patterns);
    flags = malloc(rs->set.n * sizeof *flags);
    ids = malloc(rs->set.n * sizeof *ids);
    if (!patterns || !flags || !ids) {
        goto nomem;
    }
    for (size_t i = 0; i < rs->set.n; i++) {
        patterns[i] = rs->set.sigs[i].pattern;
        flags[i] = rs->set.sigs[i].hs_flags;
        ids[i] = i;             /* The callback gets the index. */
    }
    if (hs_compile_multi(patterns, flags, ids, rs->set.n, HS_MODE_STREAM,
                         NULL, &rs->db, &cerr) != HS_SUCCESS) {
        if (cerr->expression >= 0 && cerr->expression < (int) rs->set.n) {
            *errp = dpi_asprintf("signature %"PRIu32": %s",
                                 rs->set.sigs[cerr->expression].id,
                                 cerr->message);
        } else {
            *errp = dpi_asprintf("hyperscan: %s", cerr->message);
        }
        hs_free_compile_error(cerr);
        goto error;
    }
    if (hs_alloc_scratch(rs->db, &rs->scratch) != HS_SUCCESS
        || hs_stream_size(rs->db, &rs->stream_size) != HS_SUCCESS) {
        goto nomem;
    }
    if ((unsigned long long) rs->stream_size * (n_streams + 1)
        > DPI_MAX_STREAM_MEMORY) {
        *errp = dpi_asprintf("%zu flows need %llu MiB of stream state "
                             "(%zu bytes per direction), over the 1024 MiB "
                             "limit: lower max-flows",
                             max_flows,
                             (unsigned long long) rs->stream_size
                             * (n_streams + 1) >> 20, rs->stream_size);
        goto error;
    }
    rs->streams = calloc(n_streams, sizeof *rs->streams);
    if (!rs->streams
        || hs_open_stream(rs->db, 0, &rs->packet_stream) != HS_SUCCESS) {
        goto nomem;
    }
    for (size_t i = 0; i < n_streams; i++) {
        if (hs_open_stream(rs->db, 0, &rs->streams[i]) != HS_SUCCESS) {
            goto nomem;
        }
    }
    free(patterns);
    free(flags);
    free(ids);
    return rs;

nomem:
    *errp = dpi_asprintf("out of memory building the rule set");
error:
    free(patterns);
    free(flags);
    free(ids);
    dpi_ruleset_destroy(rs);
    return NULL;
}

void
dpi_ruleset_destroy(struct dpi_ruleset *rs)
{
    if (!rs) {
        return;
    }
    if (rs->streams) {
        for (size_t i = 0; i < 2 * rs->max_flows; i++) {
            if (rs->streams[i]) {
                hs_close_stream(rs->streams[i], NULL, NULL, NULL);
            }
        }
        free(rs->streams);
    }
    if (rs->packet_stream) {
        hs_close_stream(rs->packet_stream, NULL, NULL, NULL);
    }
    hs_free_scratch(rs->scratch);
    hs_free_database(rs->db);
    dpi_sigset_destroy(&rs->set);
    free(rs->hits);
    free(rs->new_to_old);
    free(rs->old_to_new);
    free(rs);
}

struct dpi_id_index {
    uint32_t id, index;
};

static int
dpi_cmp_id_index(const void *a_, const void *b_)
{
    const struct dpi_id_index *a = a_, *b = b_;
    return a->id < b->id ? -1 : a->id > b->id;
}

void
dpi_ruleset_link(struct dpi_ruleset *new, const struct dpi_ruleset *old)
{
    struct dpi_id_index *by_id;

    free(new->new_to_old);
    free(new->old_to_new);
    new->new_to_old = new->old_to_new = NULL;
    new->linked_old = NULL;
    if (!old) {
        return;
    }
    by_id = malloc((old->set.n + 1) * sizeof *by_id);
    new->new_to_old = malloc((new->set.n + 1) * sizeof *new->new_to_old);
    new->old_to_new = malloc((old->set.n + 1) * sizeof *new->old_to_new);
    if (!by_id || !new->new_to_old || !new->old_to_new) {
        /* Without the maps the swap clears verdicts and counters: safe. */
        free(by_id);
        free(new->new_to_old);
        free(new->old_to_new);
        new->new_to_old = new->old_to_new = NULL;
        return;
    }
    for (size_t i = 0; i < old->set.n; i++) {
        by_id[i].id = old->set.sigs[i].id;
        by_id[i].index = i;
        new->old_to_new[i] = DPI_NONE;
    }
    qsort(by_id, old->set.n, sizeof *by_id, dpi_cmp_id_index);
    for (size_t i = 0; i < new->set.n; i++) {
        struct dpi_id_index key = { .id = new->set.sigs[i].id };
        struct dpi_id_index *hit = bsearch(&key, by_id, old->set.n,
                                           sizeof *by_id, dpi_cmp_id_index);

        new->new_to_old[i] = hit ? hit->index : DPI_NONE;
        if (hit) {
            new->old_to_new[hit->index] = i;
        }
    }
    free(by_id);
    new->linked_old = old;
}

size_t
dpi_ruleset_n_sigs(const struct dpi_ruleset *rs)
{
    return rs ? rs->set.n : 0;
}

const struct dpi_sig *
dpi_ruleset_sig(const struct dpi_ruleset *rs, size_t i)
{
    return &rs->set.sigs[i];
}

uint64_t
dpi_ruleset_hits(const struct dpi_ruleset *rs, size_t i)
{
    return rs->hits[i];
}

size_t
dpi_ruleset_memory(const struct dpi_ruleset *rs)
{
    size_t db_size = 0, scratch_size = 0;

    if (!rs || !rs->db) {
        return 0;
    }
    hs_database_size(rs->db, &db_size);
    hs_scratch_size(rs->scratch, &scratch_size);
    return db_size + scratch_size + rs->stream_size * (2 * rs->max_flows + 1);
}

/* The flow table. */

struct dpi_engine *
dpi_engine_create(size_t max_flows)
{
    struct dpi_engine *e = calloc(1, sizeof *e);
    size_t n_buckets = 16;

    if (!e || !max_flows || max_flows >= DPI_NONE / 4) {
        free(e);
        return NULL;
    }
    while (n_buckets < 2 * max_flows) {
        n_buckets *= 2;
    }
    e->max_flows = max_flows;
    e->flows = calloc(max_flows, sizeof *e->flows);
    e->buckets = malloc(n_buckets * sizeof *e->buckets);
    if (!e->flows || !e->buckets) {
        dpi_engine_destroy(e);
        return NULL;
    }
    e->bucket_mask = n_buckets - 1;
    for (size_t i = 0; i < n_buckets; i++) {
        e->buckets[i] = DPI_NONE;
    }
    for (size_t i = 0; i < max_flows; i++) {
        e->flows[i].hash_next = i + 1 < max_flows ? i + 1 : DPI_NONE;
    }
    e->free_head = 0;
    for (int l = 0; l < 2; l++) {
        e->lru_head[l] = e->lru_tail[l] = DPI_NONE;
    }
    e->drop_hold = UINT64_MAX;
    /* A secret seed, so that a guest cannot aim its flows at one bucket. */
    if (getrandom(&e->hash_seed, sizeof e->hash_seed, 0)
        != sizeof e->hash_seed) {
        e->hash_seed = (uintptr_t) e ^ 0x9e3779b97f4a7c15ULL;
    }
    return e;
}

void
dpi_engine_destroy(struct dpi_engine *e)
{
    if (e) {
        free(e->flows);
        free(e->buckets);
        free(e);
    }
}

size_t
dpi_engine_max_flows(const struct dpi_engine *e)
{
    return e->max_flows;
}

const struct dpi_ruleset *
dpi_engine_ruleset(const struct dpi_engine *e)
{
    return e->rs;
}

const struct dpi_stats *
dpi_engine_stats(const struct dpi_engine *e)
{
    return &e->stats;
}

size_t
dpi_engine_n_flows(const struct dpi_engine *e)
{
    return e->n_flows;
}

struct dpi_ruleset *
dpi_engine_install(struct dpi_engine *e, struct dpi_ruleset *rs)
{
    struct dpi_ruleset *old = e->rs;
    bool linked = rs && old && rs->linked_old == old && rs->new_to_old;

    if (rs && rs->max_flows < e->max_flows) {
        abort();                /* Built for a smaller engine. */
    }
    e->rs = rs;
    e->stats.reloads++;
    if (linked) {
        for (size_t i = 0; i < rs->set.n; i++) {
            if (rs->new_to_old[i] != DPI_NONE) {
                rs->hits[i] = old->hits[rs->new_to_old[i]];
            }
        }
    }
    for (uint32_t i = 0; i < e->max_flows; i++) {
        struct dpi_flow *f = &e->flows[i];
        uint32_t idx = DPI_NONE;

        if (!f->in_use) {
            continue;
        }
        e->stats.stream_restarts++;
        if (rs && rs->db) {
            /* Fresh unless 'rs' served this engine before. */
            hs_reset_stream(rs->streams[2 * i], 0, NULL, NULL, NULL);
            hs_reset_stream(rs->streams[2 * i + 1], 0, NULL, NULL, NULL);
        }
        if (f->verdict == DPI_PASS) {
            continue;
        }
        if (linked && f->sig_idx != DPI_NONE) {
            idx = rs->old_to_new[f->sig_idx];
        }
        if (idx != DPI_NONE && rs->set.sigs[idx].verdict == f->verdict
            && rs->set.sigs[idx].mark == f->mark) {
            f->sig_idx = idx;
        } else {
            dpi_flow_set_verdict(e, f, DPI_PASS);
            f->sig_idx = DPI_NONE;
            f->mark = 0;
            e->stats.flows_cleared++;
        }
    }
    return old;
}

static uint32_t
dpi_hash_key(const struct dpi_engine *e, const struct dpi_flow_key *k)
{
    uint64_t words[sizeof *k / 8];
    uint64_t h = e->hash_seed;

    memcpy(words, k, sizeof words);
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        h ^= words[i];
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return h ^ (h >> 29);
}

enum { DPI_LRU_OPEN, DPI_LRU_DROPPED };

static int
dpi_lru_of(const struct dpi_flow *f)
{
    return f->verdict == DPI_DROP ? DPI_LRU_DROPPED : DPI_LRU_OPEN;
}

static void
dpi_lru_unlink(struct dpi_engine *e, uint32_t i)
{
    struct dpi_flow *f = &e->flows[i];
    int l = dpi_lru_of(f);

    if (f->lru_prev != DPI_NONE) {
        e->flows[f->lru_prev].lru_next = f->lru_next;
    } else {
        e->lru_head[l] = f->lru_next;
    }
    if (f->lru_next != DPI_NONE) {
        e->flows[f->lru_next].lru_prev = f->lru_prev;
    } else {
        e->lru_tail[l] = f->lru_prev;
    }
}

static void
dpi_lru_push(struct dpi_engine *e, uint32_t i)
{
    struct dpi_flow *f = &e->flows[i];
    int l = dpi_lru_of(f);

    f->lru_prev = DPI_NONE;
    f->lru_next = e->lru_head[l];
    if (e->lru_head[l] != DPI_NONE) {
        e->flows[e->lru_head[l]].lru_prev = i;
    } else {
        e->lru_tail[l] = i;
    }
    e->lru_head[l] = i;
}

/* Sets 'f''s verdict, moving it between the LRU lists as needed. */
static void
dpi_flow_set_verdict(struct dpi_engine *e, struct dpi_flow *f,
                     enum dpi_verdict verdict)
{
    uint32_t i = f - e->flows;

    dpi_lru_unlink(e, i);
    f->verdict = verdict;
    dpi_lru_push(e, i);
}

void
dpi_engine_set_drop_hold(struct dpi_engine *e, uint64_t idle)
{
    e->drop_hold = idle;
}

void
dpi_engine_set_midstream(struct dpi_engine *e, bool midstream)
{
    e->midstream = midstream;
}

static void
dpi_flow_remove(struct dpi_engine *e, uint32_t i)
{
    struct dpi_flow *f = &e->flows[i];
    uint32_t *p = &e->buckets[f->hash & e->bucket_mask];

    while (*p != i) {
        p = &e->flows[*p].hash_next;
    }
    *p = f->hash_next;
    dpi_lru_unlink(e, i);
    f->in_use = false;
    f->hash_next = e->free_head;
    e->free_head = i;
    e->n_flows--;
}

/* Finds the flow for 'key'.  If there is none and 'create', makes one,
 * evicting the least recently used flow without a DROP verdict if the table
 * is full, or a DROP flow idle since before 'now' - drop_hold.  Returns
 * DPI_NONE if there is none (and none was to be made), or if every slot
 * holds a DROP flow younger than that (counted: the caller fails closed). */
static uint32_t
dpi_flow_lookup(struct dpi_engine *e, const struct dpi_flow_key *key,
                bool create, uint64_t now)
{
    uint32_t hash = dpi_hash_key(e, key);
    uint32_t i;

    for (i = e->buckets[hash & e->bucket_mask]; i != DPI_NONE;
         i = e->flows[i].hash_next) {
        if (e->flows[i].hash == hash
            && !memcmp(&e->flows[i].key, key, sizeof *key)) {
            dpi_lru_unlink(e, i);
            dpi_lru_push(e, i);
            return i;
        }
    }
    if (!create) {
        return DPI_NONE;
    }

    if (e->free_head == DPI_NONE) {
        uint32_t victim = e->lru_tail[DPI_LRU_OPEN];

        if (victim == DPI_NONE) {
            victim = e->lru_tail[DPI_LRU_DROPPED];
            if (now - e->flows[victim].last_used < e->drop_hold) {
                e->stats.flows_refused++;
                return DPI_NONE;
            }
            e->stats.drop_flows_expired++;
        } else {
            e->stats.flows_evicted++;
        }
        dpi_flow_remove(e, victim);
    }
    i = e->free_head;
    e->free_head = e->flows[i].hash_next;

    struct dpi_flow *f = &e->flows[i];
    memset(f, 0, sizeof *f);
    f->key = *key;
    f->hash = hash;
    f->in_use = true;
    f->sig_idx = DPI_NONE;
    f->last_used = now;
    f->hash_next = e->buckets[hash & e->bucket_mask];
    e->buckets[hash & e->bucket_mask] = i;
    dpi_lru_push(e, i);
    e->n_flows++;
    e->stats.flows_created++;
    if (e->rs && e->rs->db) {
        /* The slot's streams may hold an earlier flow's state. */
        hs_reset_stream(e->rs->streams[2 * i], 0, NULL, NULL, NULL);
        hs_reset_stream(e->rs->streams[2 * i + 1], 0, NULL, NULL, NULL);
    }
    return i;
}

/* Scanning. */

struct dpi_scan_ctx {
    struct dpi_ruleset *rs;
    enum dpi_verdict verdict;
    uint32_t sig_idx;
};

static int
dpi_on_match(unsigned int id, unsigned long long from DPI_UNUSED,
             unsigned long long to DPI_UNUSED,
             unsigned int flags DPI_UNUSED, void *ctx_)
{
    struct dpi_scan_ctx *ctx = ctx_;
    const struct dpi_sig *sig = &ctx->rs->set.sigs[id];

    ctx->rs->hits[id]++;
    if (sig->verdict > ctx->verdict) {
        ctx->verdict = sig->verdict;
        ctx->sig_idx = id;
    }
    /* Nothing can overrule a drop: stop scanning this stream. */
    return sig->verdict == DPI_DROP;
}

static void
dpi_scan(struct dpi_engine *e, hs_stream_t *stream, const uint8_t *data,
         size_t len, struct dpi_scan_ctx *ctx)
{
    hs_error_t error;

    e->stats.bytes_scanned += len;
    error = hs_scan_stream(stream, (const char *) data, len, 0,
                           e->rs->scratch, dpi_on_match, ctx);
    if (error != HS_SUCCESS && error != HS_SCAN_TERMINATED) {
        e->stats.scan_errors++;
    }
}

static void
dpi_apply(struct dpi_engine *e, const struct dpi_scan_ctx *ctx,
          struct dpi_flow *f, struct dpi_result *res)
{
    if (f && ctx->verdict > f->verdict) {
        dpi_flow_set_verdict(e, f, ctx->verdict);
        f->sig_idx = ctx->sig_idx;
        f->mark = e->rs->set.sigs[ctx->sig_idx].mark;
        res->first = true;
    }
    if (f) {
        res->key = &f->key;
        res->verdict = f->verdict;
        res->mark = f->mark;
        res->sig_id = (f->sig_idx != DPI_NONE
                       ? e->rs->set.sigs[f->sig_idx].id : 0);
    } else if (ctx->verdict != DPI_PASS) {
        res->verdict = ctx->verdict;
        res->mark = e->rs->set.sigs[ctx->sig_idx].mark;
        res->sig_id = e->rs->set.sigs[ctx->sig_idx].id;
        res->first = true;
    }
}

static void
dpi_count_verdict(struct dpi_engine *e, const struct dpi_result *res)
{
    if (res->held_back) {
        return;
    }
    switch (res->verdict) {
    case DPI_PASS: break;
    case DPI_ALERT: e->stats.alerted++; break;
    case DPI_MARK: e->stats.marked++; break;
    case DPI_DROP: e->stats.dropped++; break;
    }
}

/* Scans a packet that belongs to no flow: its payload alone, including
 * end-anchored signatures. */
static void
dpi_scan_packet(struct dpi_engine *e, const uint8_t *data, size_t len,
                struct dpi_result *res)
{
    struct dpi_scan_ctx ctx = { .rs = e->rs, .sig_idx = DPI_NONE };

    e->stats.scanned_packet++;
    if (e->rs && e->rs->db) {
        dpi_scan(e, e->rs->packet_stream, data, len, &ctx);
        hs_reset_stream(e->rs->packet_stream, 0, e->rs->scratch,
                        dpi_on_match, &ctx);
    }
    dpi_apply(e, &ctx, NULL, res);
}

static uint32_t
dpi_get_be32(const uint8_t *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16)
           | ((uint32_t) p[2] << 8) | p[3];
}

static uint16_t
dpi_get_be16(const uint8_t *p)
{
    return (p[0] << 8) | p[1];
}

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/* The Internet checksum's running sum over 'len' bytes at 'p', in host
 * byte order, eight bytes at a time (RFC 1071: the one's complement sum
 * does not depend on byte order, and 32-bit words fold to the same 16-bit
 * sum).  Every frame the service scans goes through this. */
static uint64_t
dpi_csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
    /* Four independent sums, so that the adds do not wait on each other;
     * each takes at most 2^32 words of 33 bits before it could wrap. */
    uint64_t s[4] = { sum, 0, 0, 0 };

    for (; len >= 32; p += 32, len -= 32) {
        for (int i = 0; i < 4; i++) {
            uint64_t w;

            memcpy(&w, p + 8 * i, 8);
            s[i] += (w & 0xffffffff) + (w >> 32);
        }
    }
    sum = s[0] + s[1] + s[2] + s[3];
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t w;

        memcpy(&w, p, 8);
        sum += (w & 0xffffffff) + (w >> 32);
    }
    for (; len >= 2; p += 2, len -= 2) {
        uint16_t h;

        memcpy(&h, p, 2);
        sum += h;
    }
    if (len) {
        uint8_t last[2] = { p[0], 0 };
        uint16_t h;

        memcpy(&h, last, 2);
        sum += h;
    }
    return sum;
}

static bool
dpi_csum_ok(uint64_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum == 0xffff;
}

/* Whether the TCP segment 'l4' ('l4_len' bytes) between addresses 'src'
 * and 'dst' ('alen' bytes each) has a good checksum: a receiver drops it
 * otherwise, so the scanner must not take it for the stream's bytes. */
static bool
dpi_tcp_csum_ok(const uint8_t *src, const uint8_t *dst, size_t alen,
                const uint8_t *l4, size_t l4_len)
{
    /* Protocol and TCP length, as the pseudo-header has them on the
     * wire (IPv4's and IPv6's sum to the same). */
    uint8_t pseudo[8] = {
        0, 0, l4_len >> 24, l4_len >> 16, l4_len >> 8, l4_len, 0, 6,
    };
    uint64_t sum = dpi_csum_add(0, src, alen);

    sum = dpi_csum_add(sum, dst, alen);
    sum = dpi_csum_add(sum, pseudo, sizeof pseudo);
    return dpi_csum_ok(dpi_csum_add(sum, l4, l4_len));
}

/* Holds back (drops for now) a segment the receiver may take but the
 * scanner cannot place in its stream yet. */
static void
dpi_hold_back(struct dpi_engine *e, struct dpi_flow *f,
              struct dpi_result *res)
{
    f->held_back++;
    e->stats.held_back++;
    res->verdict = DPI_DROP;
    res->held_back = true;
}

/* Starts both streams of flow 'i' where its receivers start them: the
 * SYN-ACK, sent in direction 'dir' with sequence number 'seq' and
 * acknowledgement 'ack', names the server's ISN and the one client SYN the
 * server took.  A second, different SYN-ACK means a new connection on the
 * same 4-tuple (the server's old one is gone): both streams start afresh.
 * A duplicate changes nothing. */
static void
dpi_start_streams(struct dpi_engine *e, uint32_t i, int dir, uint32_t seq,
                  uint32_t ack)
{
    struct dpi_flow *f = &e->flows[i];

    if (f->handshake && f->isn[dir] == seq && f->isn[!dir] == ack - 1) {
        return;
    }
    if (f->handshake) {
        e->stats.stream_restarts++;
    }
    f->handshake = true;
    f->isn[dir] = seq;
    f->isn[!dir] = ack - 1;
    f->seq_valid[0] = f->seq_valid[1] = true;
    f->next_seq[dir] = seq + 1;
    f->next_seq[!dir] = ack;
    f->fins = 0;
    if (e->rs && e->rs->db) {
        hs_reset_stream(e->rs->streams[2 * i], 0, NULL, NULL, NULL);
        hs_reset_stream(e->rs->streams[2 * i + 1], 0, NULL, NULL, NULL);
    }
}

/* A TCP segment of flow 'key', direction 'dir', whose checksum is good.
 *
 * A stream starts where its receiver's does: at the SYN-ACK, which both
 * ends' ISNs are certain from (see dpi_start_streams()).  A SYN makes the
 * flow's entry, and nothing else: a SYN the receiver never took (or
 * ignored, on a connection it has) must not decide where its stream
 * starts.  A segment of a stream that has not started is held back: a
 * receiver takes no data before the handshake, and a flow whose handshake
 * the engine did not see (one older than the service, or one evicted from
 * a full table) cannot be scanned from its middle without letting a
 * signature that spans the gap through.  With midstream pickup
 * (dpi_engine_set_midstream()), such a flow's stream starts at the other
 * side's ACK number instead. */
static void
dpi_process_tcp(struct dpi_engine *e, const struct dpi_flow_key *key,
                int dir, const uint8_t *tcp, size_t l4_len, uint64_t now,
                struct dpi_result *res)
{
    size_t doff = (tcp[12] >> 4) * 4;
    uint8_t flags = tcp[13];
    uint32_t seq = dpi_get_be32(tcp + 4);
    uint32_t ack = dpi_get_be32(tcp + 8);
    const uint8_t *payload = tcp + doff;
    size_t len = l4_len - doff;

    if (doff < 20 || doff > l4_len) {
        e->stats.malformed++;
        return;                 /* Passes: no receiver will accept it. */
    }

    bool stream_bytes = len || flags & TCP_FIN;
    bool create = flags & TCP_SYN || e->midstream;
    uint32_t i = dpi_flow_lookup(e, key, create, now);
    if (i == DPI_NONE) {
        if (create) {
            /* Every slot holds a flow we must not forget (counted by
             * dpi_flow_lookup()): a connection we could not follow must
             * not start. */
            res->verdict = DPI_DROP;
        } else if (stream_bytes) {
            /* The middle of a stream we never saw start. */
            e->stats.unanchored++;
            res->verdict = DPI_DROP;
        }
        return;
    }
    struct dpi_flow *f = &e->flows[i];
    struct dpi_scan_ctx ctx = { .rs = e->rs, .sig_idx = DPI_NONE };

    f->packets++;
    f->last_used = now;
    if (f->verdict == DPI_DROP) {
        /* Kept, even on RST, so that a flow cannot shed its verdict. */
        dpi_apply(e, &ctx, f, res);
        return;
    }

    if ((flags & (TCP_SYN | TCP_ACK | TCP_RST)) == (TCP_SYN | TCP_ACK)) {
        dpi_start_streams(e, i, dir, seq, ack);
    } else if (e->midstream && flags & TCP_ACK && !(flags & TCP_SYN)
               && !f->seq_valid[!dir]) {
        f->seq_valid[!dir] = true;
        f->next_seq[!dir] = ack;
    }

    if (flags & TCP_RST) {
        /* RFC 5961 3.2: only a RST at exactly RCV.NXT ends a connection;
         * others get a challenge ACK, so the flow goes on.  A RST's data
         * reaches no application. */
        if (f->seq_valid[dir] && seq == f->next_seq[dir]) {
            dpi_apply(e, &ctx, f, res);
            e->stats.flows_ended++;
            dpi_flow_remove(e, i);
        } else {
            e->stats.rst_ignored++;
            dpi_apply(e, &ctx, f, res);
        }
        return;
    }

    if (!f->seq_valid[dir]) {
        if (stream_bytes) {
            e->stats.unanchored++;
            dpi_hold_back(e, f, res);
        } else {
            dpi_apply(e, &ctx, f, res);
        }
        return;
    }

    uint32_t start = seq + !!(flags & TCP_SYN);
    int32_t delta = start - f->next_seq[dir];
    if (delta > 0) {
        /* Data beyond a gap: scanning it now would scan the stream out of
         * order, so hold it back (drop it) until the sender retransmits it
         * in order.  No buffering, no evasion by reordering.  A segment
         * with no bytes of the stream (a bare ACK) passes and moves
         * nothing. */
        if (stream_bytes) {
            dpi_hold_back(e, f, res);
        } else {
            dpi_apply(e, &ctx, f, res);
        }
        return;
    }

    size_t skip = -delta;
    e->stats.scanned_tcp++;
    if (skip >= len) {
        e->stats.retransmit_bytes += len;
    } else {
        /* Overlapping bytes were scanned when they first came; as in
         * Linux, the first copy wins. */
        e->stats.retransmit_bytes += skip;
        f->bytes += len - skip;
        if (e->rs && e->rs->db) {
            dpi_scan(e, e->rs->streams[2 * i + dir], payload + skip,
                     len - skip, &ctx);
        }
        f->next_seq[dir] = start + len;
    }
    if ((flags & TCP_FIN) && (int32_t) (start + len - f->next_seq[dir]) >= 0) {
        f->next_seq[dir] = start + len + 1;
        f->fins |= 1 << dir;
    }
    dpi_apply(e, &ctx, f, res);

    if (res->verdict != DPI_DROP && f->fins == 3) {
        e->stats.flows_ended++;
        dpi_flow_remove(e, i);
    }
}

static void
dpi_key_init(struct dpi_flow_key *key, int *dir, const uint8_t *src,
             const uint8_t *dst, size_t alen, uint16_t sport, uint16_t dport,
             uint8_t proto)
{
    uint8_t a[16], b[16];

    if (alen == 4) {
        memcpy(a, dpi_v4_prefix, 12);
        memcpy(a + 12, src, 4);
        memcpy(b, dpi_v4_prefix, 12);
        memcpy(b + 12, dst, 4);
    } else {
        memcpy(a, src, 16);
        memcpy(b, dst, 16);
    }
    int c = memcmp(a, b, 16);
    memset(key, 0, sizeof *key);
    key->proto = proto;
    if (c < 0 || (!c && sport <= dport)) {
        *dir = 0;
        memcpy(key->addr[0], a, 16);
        memcpy(key->addr[1], b, 16);
        key->port[0] = sport;
        key->port[1] = dport;
    } else {
        *dir = 1;
        memcpy(key->addr[0], b, 16);
        memcpy(key->addr[1], a, 16);
        key->port[0] = dport;
        key->port[1] = sport;
    }
}

void
dpi_engine_process(struct dpi_engine *e, const uint8_t *frame, size_t len,
                   uint64_t now, struct dpi_result *res)
{
    const uint8_t *ip, *l4, *src, *dst;
    size_t off = 14, ip_len, l4_len, alen;
    uint16_t type;
    uint8_t proto;
    bool fragment = false;

    memset(res, 0, sizeof *res);
    if (len < 14) {
        e->stats.unscanned++;
        return;
    }
    type = dpi_get_be16(frame + 12);
    for (int tags = 0; (type == 0x8100 || type == 0x88a8) && tags < 2;
         tags++) {
        if (len < off + 4) {
            e->stats.unscanned++;
            return;
        }
        type = dpi_get_be16(frame + off + 2);
        off += 4;
    }
    ip = frame + off;
    ip_len = len - off;
    if (type == 0x0800) {
        size_t ihl, tot;

        if (ip_len < 20 || (ip[0] >> 4) != 4) {
            goto malformed;
        }
        ihl = (ip[0] & 0xf) * 4;
        tot = dpi_get_be16(ip + 2);
        if (ihl < 20 || tot < ihl || tot > ip_len) {
            goto malformed;
        }
        if (!dpi_csum_ok(dpi_csum_add(0, ip, ihl))) {
            goto bad_checksum;  /* The receiver's IP layer drops it. */
        }
        /* Any fragment, first or not, is scanned on its own. */
        fragment = (dpi_get_be16(ip + 6) & 0x3fff) != 0;
        proto = ip[9];
        src = ip + 12;
        dst = ip + 16;
        alen = 4;
        l4 = ip + ihl;
        l4_len = tot - ihl;
    } else if (type == 0x86dd) {
        size_t plen;

        if (ip_len < 40 || (ip[0] >> 4) != 6) {
            goto malformed;
        }
        plen = dpi_get_be16(ip + 4);
        if (plen > ip_len - 40) {
            goto malformed;
        }
        proto = ip[6];
        src = ip + 8;
        dst = ip + 24;
        alen = 16;
        l4 = ip + 40;
        l4_len = plen;
        /* Walk the extension headers to the upper layer, as the receiver
         * does: hop-by-hop (0), routing (43), destination options (60),
         * authentication (51), fragment (44). */
        for (int n = 0; proto == 0 || proto == 43 || proto == 60
                        || proto == 51 || proto == 44; n++) {
            size_t hlen = (proto == 44 ? 8
                           : proto == 51 ? (l4_len >= 2 ? (l4[1] + 2) * 4 : 0)
                           : (l4_len >= 2 ? (l4[1] + 1) * 8 : 0));

            if (n >= DPI_MAX_EXT_HEADERS || l4_len < 8 || hlen > l4_len) {
                goto malformed;
            }
            if (proto == 44 && (dpi_get_be16(l4 + 2) & 0xfff9)) {
                fragment = true;    /* Offset or more-fragments set. */
            }
            proto = l4[0];
            l4 += hlen;
            l4_len -= hlen;
        }
    } else {
        e->stats.unscanned++;
        return;
    }

    if (proto == 6 && !fragment && l4_len >= 20) {
        struct dpi_flow_key key;
        int dir;

        if (!dpi_tcp_csum_ok(src, dst, alen, l4, l4_len)) {
            goto bad_checksum;
        }
        dpi_key_init(&key, &dir, src, dst, alen, dpi_get_be16(l4),
                     dpi_get_be16(l4 + 2), proto);
        dpi_process_tcp(e, &key, dir, l4, l4_len, now, res);
    } else if (proto == 17 && !fragment && l4_len >= 8) {
        if (l4_len > 8) {
            dpi_scan_packet(e, l4 + 8, l4_len - 8, res);
        } else {
            e->stats.unscanned++;
        }
    } else if (l4_len) {
        dpi_scan_packet(e, l4, l4_len, res);
    } else {
        e->stats.unscanned++;
    }
    dpi_count_verdict(e, res);
    return;

malformed:
    e->stats.malformed++;
    return;

bad_checksum:
    /* Dropped, not scanned: the receiver would drop it too, and letting
     * the scanner take it for the stream's bytes (a decoy before the real
     * ones, a RST between two halves of a signature) is an evasion. */
    e->stats.bad_checksum++;
    res->verdict = DPI_DROP;
}

static size_t
dpi_flows_of_list(const struct dpi_engine *e, int l,
                  struct dpi_flow_info *out, size_t n, size_t max)
{
    for (uint32_t i = e->lru_head[l]; i != DPI_NONE && n < max;
         i = e->flows[i].lru_next) {
        const struct dpi_flow *f = &e->flows[i];
        struct dpi_flow_info *info = &out[n++];

        info->key = f->key;
        info->verdict = f->verdict;
        info->sig_id = (f->sig_idx != DPI_NONE && e->rs
                        ? e->rs->set.sigs[f->sig_idx].id : 0);
        info->mark = f->mark;
        info->fins = f->fins;
        info->packets = f->packets;
        info->bytes = f->bytes;
        info->held_back = f->held_back;
        info->last_used = f->last_used;
    }
    return n;
}

size_t
dpi_engine_flows(const struct dpi_engine *e, struct dpi_flow_info *out,
                 size_t max)
{
    size_t n = dpi_flows_of_list(e, DPI_LRU_OPEN, out, 0, max);

    return dpi_flows_of_list(e, DPI_LRU_DROPPED, out, n, max);
}

static void
dpi_format_addr(const uint8_t addr[16], char *buf, size_t size)
{

    if (!memcmp(addr, dpi_v4_prefix, 12)) {
        inet_ntop(AF_INET, addr + 12, buf, size);
    } else {
        char tmp[INET6_ADDRSTRLEN];

        inet_ntop(AF_INET6, addr, tmp, sizeof tmp);
        snprintf(buf, size, "[%s]", tmp);
    }
}

void
dpi_flow_key_format(const struct dpi_flow_key *key, char *buf, size_t size)
{
    char a[INET6_ADDRSTRLEN + 2], b[INET6_ADDRSTRLEN + 2];

    dpi_format_addr(key->addr[0], a, sizeof a);
    dpi_format_addr(key->addr[1], b, sizeof b);
    snprintf(buf, size, "%s %s:%u <-> %s:%u",
             key->proto == 6 ? "tcp" : "ip", a, key->port[0], b,
             key->port[1]);
}
