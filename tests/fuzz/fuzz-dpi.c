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

/* libFuzzer target: the DPI service's parsers, as a guest and an operator
 * reach them.
 *
 * The first byte chooses:
 *
 *   even   the rest is a signature file for dpi_sigset_parse() (parsed,
 *          not compiled: Hyperscan's compiler is not ours to fuzz)
 *   odd    the rest is a series of frames, each "n(2, big endian),
 *          bytes[n]", run through a 16-flow engine with a fixed rule set;
 *          a frame of length 0xffff swaps in the other of two rule sets
 *
 * The engine must never read outside a frame, and its flow table must
 * stay within its bounds. */

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dpi.h"
#include "fuzz-dpi-util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char sigs[] =
    "1:/evil-payload/:drop\n"
    "2:/GET \\/admin/i:alert\n"
    "3:/tag[0-9]{2,4}x/:mark:7\n"
    "4:/^\\x00\\x01/:drop\n"
    "5:/end$/:alert\n";


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct dpi_engine *engine;
    static struct dpi_ruleset *spare;   /* Swapped in on a reload. */

    if (!size) {
        return 0;
    }
    if (!(data[0] & 1)) {
        struct dpi_sigset set;
        char *err;

        if (dpi_sigset_parse((const char *) data + 1, size - 1, &set,
                             &err)) {
            for (size_t i = 0; i < set.n; i++) {
                if (!set.sigs[i].pattern[0]
                    || (set.sigs[i].verdict == DPI_MARK
                        && (!set.sigs[i].mark || set.sigs[i].mark > 4094))) {
                    abort();
                }
            }
            dpi_sigset_destroy(&set);
        } else {
            free(err);
        }
        return 0;
    }

    if (!engine) {
        engine = dpi_engine_create(16);
        dpi_engine_install(engine, fuzz_dpi_ruleset(sigs, 16));
        spare = fuzz_dpi_ruleset(sigs, 16);
    }
    size_t off = 1;
    uint64_t now = 0;
    while (off + 2 <= size) {
        size_t n = (data[off] << 8) | data[off + 1];
        struct dpi_result res;

        off += 2;
        if (n == 0xffff) {
            dpi_ruleset_link(spare, dpi_engine_ruleset(engine));
            spare = dpi_engine_install(engine, spare);
            continue;
        }
        if (n > size - off) {
            n = size - off;
        }
        /* A copy of exactly n bytes, so ASan sees any over-read. */
        uint8_t *frame = malloc(n ? n : 1);
        memcpy(frame, data + off, n);
        dpi_engine_process(engine, frame, n, now++, &res);
        free(frame);
        off += n;
        if (dpi_engine_n_flows(engine) > 16 || res.verdict > DPI_DROP) {
            abort();
        }
    }
    return 0;
}
