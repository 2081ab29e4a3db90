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

/* libFuzzer target: what the emulated eswitch does to a frame from a guest
 * or the wire (emunic/esw-pkt.c): parse it into a lookup key, then apply
 * up to four rewriting actions chosen by the input.
 *
 * Input: n (1 byte, low 2 bits + 1 = number of actions), n * 8 bytes of
 * actions (type, then bytes for the value, IPv4 address, MAC), then the
 * frame.  The frame is copied to a buffer of exactly its size after the
 * eswitch's headroom, so ASan sees any access outside it. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "esw-pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct esw_action acts[4];
    struct esw_key key;
    size_t n;

    if (size < 1) {
        return 0;
    }
    n = (data[0] & 3) + 1;
    if (size < 1 + n * 8) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *a = data + 1 + i * 8;

        memset(&acts[i], 0, sizeof acts[i]);
        acts[i].type = a[0] % (ESW_ACT_SET_IPV4_DST + 1);
        acts[i].value16 = (a[1] << 8) | a[2];
        memcpy(&acts[i].ip, a + 3, 4);
        memcpy(acts[i].mac, a + 2, 6);
    }
    size_t len = size - 1 - n * 8;
    if (len > ESW_VF_MAX_FRAME) {
        len = ESW_VF_MAX_FRAME;
    }
    /* Headroom, then the frame; 4 bytes of tailroom per possible push. */
    enum { HEADROOM = 8 };
    uint8_t *buf = malloc(HEADROOM + len + 16);
    uint8_t *frame = buf + HEADROOM;
    uint32_t flen = len;
    int headroom = HEADROOM;

    memcpy(frame, data + 1 + n * 8, len);
    key.in_port = 7;
    esw_key_extract(frame, flen, &key);
    if (key.in_port != 7) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        esw_rewrite(&acts[i], &frame, &flen, &headroom);
        if (frame < buf || frame + flen > buf + HEADROOM + len + 16
            || headroom < 0 || headroom > HEADROOM + (int) len) {
            abort();
        }
    }
    esw_key_extract(frame, flen, &key);
    free(buf);
    return 0;
}
