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

/* ioservice-bench: the I/O services' per-core cost against the raw
 * libraries on the same machine, single-threaded (one PMD core's work).
 *
 *   ioservice-bench dpi SIGS FRAME SECONDS
 *       SIGS random signatures (literals and short classes), FRAME-byte
 *       Ethernet/IPv4/TCP frames round-robin over 1024 flows.  Runs the
 *       service's engine (dpi_engine_process(): parse, flow lookup, stream
 *       scan) and then raw Hyperscan (hs_scan_stream() of the same
 *       payloads on per-flow streams, as hsbench does), each for SECONDS.
 *       Prints: frames/s, Gbit/s of frames for both, and their ratio.
 *   ioservice-bench xts BLOCK SECONDS
 *       Encrypts 4 KiB requests with blk_xts_crypt() as the block backend
 *       does (BLOCK = 512 or 4096 bytes per tweak).  Prints MB/s; compare
 *       with "openssl speed -evp aes-256-xts" (utilities/ioservice-bench.sh
 *       does). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hs/hs.h>
#include <openssl/evp.h>

#include "blk-xts.h"
#include "dpi.h"

#define N_FLOWS 1024

static double
now_sec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
rand_word(char *buf, int len, const char *alphabet)
{
    size_t n = strlen(alphabet);

    for (int i = 0; i < len; i++) {
        buf[i] = alphabet[random() % n];
    }
    buf[len] = '\0';
}

/* "ID:/PATTERN/:alert" lines: four in five literals of 10-20 characters,
 * the rest literal, digit class, literal. */
static char *
make_sigs(int n)
{
    size_t cap = (size_t) n * 80 + 1, len = 0;
    char *text = malloc(cap);

    for (int i = 0; i < n; i++) {
        char a[32], b[32];

        rand_word(a, 10 + random() % 11, "abcdefghijklmnopqrstuvwxyz");
        if (i % 5) {
            len += snprintf(text + len, cap - len, "%d:/%s/:alert\n",
                            i + 1, a);
        } else {
            rand_word(b, 4 + random() % 4, "abcdefghijklmnopqrstuvwxyz");
            len += snprintf(text + len, cap - len,
                            "%d:/%s[0-9]{2,4}%s/:alert\n", i + 1, a, b);
        }
    }
    return text;
}

struct flow_frame {
    uint8_t data[1514];
    uint32_t seq;
};

static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += (p[i] << 8) | p[i + 1];
    }
    return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

/* Sets 'fr''s sequence number to 'seq' and its IPv4 and TCP checksums to
 * what they must be: the engine drops frames whose checksums are wrong. */
static void
frame_set_seq(struct flow_frame *fr, int frame_len, uint32_t seq)
{
    uint8_t *p = fr->data;
    uint32_t sum;

    p[38] = seq >> 24;
    p[39] = seq >> 16;
    p[40] = seq >> 8;
    p[41] = seq;
    p[24] = p[25] = 0;
    sum = ~csum_fold(csum_add(0, p + 14, 20));
    p[24] = sum >> 8;
    p[25] = sum;
    p[50] = p[51] = 0;
    sum = csum_add(0, p + 26, 8) + 6 + (frame_len - 34);
    sum = ~csum_fold(csum_add(sum, p + 34, frame_len - 34));
    p[50] = sum >> 8;
    p[51] = sum;
}

static void
build_frames(struct flow_frame *frames, int frame_len)
{
    for (int f = 0; f < N_FLOWS; f++) {
        uint8_t *p = frames[f].data;
        int plen = frame_len - 54;

        memset(p, 0, 54);
        p[12] = 0x08;
        p[14] = 0x45;
        p[16] = (frame_len - 14) >> 8;
        p[17] = frame_len - 14;
        p[22] = 64;
        p[23] = 6;
        p[26] = 10; p[28] = f >> 8; p[29] = f;
        p[30] = 10; p[31] = 1; p[33] = 1;
        p[34] = 0x80; p[35] = f;            /* sport */
        p[36] = 0; p[37] = 80;
        p[46] = 5 << 4;
        p[47] = 0x10;
        for (int i = 0; i < plen; i++) {
            p[54 + i] = "abcdefghijklmnopqrstuvwxyz  "[random() % 28];
        }
        frames[f].seq = random();
    }
}

/* The TCP checksum of 'fr' after its sequence number moved by 'plen': an
 * incremental update (RFC 1624), as cheap as a generator can make it. */
static void
frame_advance(struct flow_frame *fr, int plen)
{
    uint8_t *p = fr->data;
    uint32_t old = fr->seq, seq = old + plen;
    uint32_t sum = (uint16_t) ~((p[50] << 8) | p[51]);

    sum += (uint16_t) ~(old >> 16) + (uint16_t) ~(old & 0xffff);
    sum += (seq >> 16) + (seq & 0xffff);
    sum = (uint16_t) ~csum_fold(sum);
    p[38] = seq >> 24;
    p[39] = seq >> 16;
    p[40] = seq >> 8;
    p[41] = seq;
    p[50] = sum >> 8;
    p[51] = sum;
    fr->seq = seq;
}

static int
bench_dpi(int n_sigs, int frame_len, double seconds)
{
    struct flow_frame *frames = calloc(N_FLOWS, sizeof *frames);
    char *text = make_sigs(n_sigs), *err;
    int plen = frame_len - 54;
    struct dpi_sigset set;
    struct dpi_ruleset *rs;
    struct dpi_engine *e;
    uint64_t n = 0;

    if (frame_len < 64 || frame_len > 1514) {
        fprintf(stderr, "frame length must be 64..1514\n");
        return 1;
    }
    build_frames(frames, frame_len);
    if (!dpi_sigset_parse(text, strlen(text), &set, &err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    double t0 = now_sec();
    rs = dpi_ruleset_create(&set, N_FLOWS, &err);
    if (!rs) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    double compile = now_sec() - t0;
    e = dpi_engine_create(N_FLOWS);
    dpi_engine_install(e, rs);

    /* Every flow starts with its handshake, as the engine requires: the
     * SYN, and the SYN-ACK that names where the client's stream starts. */
    for (int f = 0; f < N_FLOWS; f++) {
        struct flow_frame syn = frames[f], synack;
        struct dpi_result res;
        uint32_t ack = frames[f].seq;

        syn.data[16] = 0;
        syn.data[17] = 40;
        syn.data[47] = 0x02;
        frame_set_seq(&syn, 54, frames[f].seq - 1);
        dpi_engine_process(e, syn.data, 54, 0, &res);
        synack = syn;
        memcpy(synack.data + 26, syn.data + 30, 4);     /* Addresses, */
        memcpy(synack.data + 30, syn.data + 26, 4);
        memcpy(synack.data + 34, syn.data + 36, 2);     /* ports swapped. */
        memcpy(synack.data + 36, syn.data + 34, 2);
        synack.data[42] = ack >> 24;
        synack.data[43] = ack >> 16;
        synack.data[44] = ack >> 8;
        synack.data[45] = ack;
        synack.data[47] = 0x12;
        frame_set_seq(&synack, 54, 0x1000);
        dpi_engine_process(e, synack.data, 54, 0, &res);
        frame_set_seq(&frames[f], frame_len, frames[f].seq);
    }

    /* The service's engine. */
    double start = now_sec(), elapsed;
    do {
        for (int i = 0; i < 4096; i++, n++) {
            struct flow_frame *fr = &frames[n % N_FLOWS];
            struct dpi_result res;

            dpi_engine_process(e, fr->data, frame_len, n, &res);
            frame_advance(fr, plen);
            if (res.verdict == DPI_DROP) {
                fprintf(stderr, "unexpected drop\n");
                return 1;
            }
        }
        elapsed = now_sec() - start;
    } while (elapsed < seconds);
    double ours = n / elapsed;

    /* Raw Hyperscan on the same payloads: one stream per flow, its own
     * database and scratch (the rule set's are private). */
    const char **patterns = malloc(n_sigs * sizeof *patterns);
    unsigned int *ids = malloc(n_sigs * sizeof *ids);
    hs_stream_t **streams = malloc(N_FLOWS * sizeof *streams);
    hs_compile_error_t *cerr;
    hs_scratch_t *scratch = NULL;
    hs_database_t *db;

    for (int i = 0; i < n_sigs; i++) {
        patterns[i] = dpi_ruleset_sig(rs, i)->pattern;
        ids[i] = i;
    }
    if (hs_compile_multi(patterns, NULL, ids, n_sigs, HS_MODE_STREAM, NULL,
                         &db, &cerr) != HS_SUCCESS
        || hs_alloc_scratch(db, &scratch) != HS_SUCCESS) {
        fprintf(stderr, "hyperscan failed\n");
        return 1;
    }
    for (int f = 0; f < N_FLOWS; f++) {
        hs_open_stream(db, 0, &streams[f]);
    }
    n = 0;
    start = now_sec();
    do {
        for (int i = 0; i < 4096; i++, n++) {
            const struct flow_frame *fr = &frames[n % N_FLOWS];

            hs_scan_stream(streams[n % N_FLOWS],
                           (const char *) fr->data + 54, plen, 0, scratch,
                           NULL, NULL);
        }
        elapsed = now_sec() - start;
    } while (elapsed < seconds);
    double raw = n / elapsed;

    printf("dpi sigs=%d frame=%d compile=%.2fs memory=%zuKiB "
           "ours=%.3fMpps/%.2fGbps raw=%.3fMpps/%.2fGbps ratio=%.2f\n",
           n_sigs, frame_len, compile, dpi_ruleset_memory(rs) / 1024,
           ours / 1e6, ours * frame_len * 8 / 1e9, raw / 1e6,
           raw * frame_len * 8 / 1e9, ours / raw);
    return 0;
}

static int
bench_xts(int block_size, double seconds)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    uint8_t key[64], buf[4096];
    uint64_t n = 0;

    for (int i = 0; i < 64; i++) {
        key[i] = i * 7 + 1;
    }
    memset(buf, 0x5a, sizeof buf);
    if (!EVP_CipherInit_ex(ctx, EVP_aes_256_xts(), NULL, key, NULL, 1)) {
        fprintf(stderr, "OpenSSL refused the key\n");
        return 1;
    }
    double start = now_sec(), elapsed;
    do {
        for (int i = 0; i < 256; i++, n++) {
            if (blk_xts_crypt(ctx, true, block_size, n * sizeof buf, buf,
                              sizeof buf)) {
                fprintf(stderr, "encryption failed\n");
                return 1;
            }
        }
        elapsed = now_sec() - start;
    } while (elapsed < seconds);
    printf("xts block=%d ours=%.1fMB/s\n", block_size,
           n * sizeof buf / elapsed / 1e6);
    EVP_CIPHER_CTX_free(ctx);
    return 0;
}

int
main(int argc, char *argv[])
{
    srandom(42);
    if (argc == 5 && !strcmp(argv[1], "dpi")) {
        return bench_dpi(atoi(argv[2]), atoi(argv[3]), atof(argv[4]));
    } else if (argc == 4 && !strcmp(argv[1], "xts")) {
        return bench_xts(atoi(argv[2]), atof(argv[3]));
    }
    fprintf(stderr, "usage: %s dpi SIGS FRAME SECONDS | xts BLOCK SECONDS\n",
            argv[0]);
    return 2;
}
