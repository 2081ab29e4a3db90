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

#ifndef FUZZ_DPI_UTIL_H
#define FUZZ_DPI_UTIL_H 1

/* What the DPI engine's fuzz targets share. */

#include <stdlib.h>
#include <string.h>

#include "dpi.h"

/* Compiles signature text 'sigs' for 'max_flows' flows; aborts on error
 * (the targets' signatures are fixed and good). */
static inline struct dpi_ruleset *
fuzz_dpi_ruleset(const char *sigs, size_t max_flows)
{
    struct dpi_sigset set;
    struct dpi_ruleset *rs;
    char *err;

    if (!dpi_sigset_parse(sigs, strlen(sigs), &set, &err)) {
        abort();
    }
    rs = dpi_ruleset_create(&set, max_flows, &err);
    if (!rs) {
        abort();
    }
    return rs;
}

#endif /* fuzz-dpi-util.h */
