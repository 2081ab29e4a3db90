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

#ifndef GEN_FRAME_H
#define GEN_FRAME_H 1

/* The frame the benchmark's generators (nae-dpdk-gen, esw-vf-gen) send: a
 * broadcast UDP/IPv4 frame from 10.0.0.1 to 10.0.0.2, port 9, checksums
 * left zero (nothing on the measured paths looks at them).  Header only:
 * the generators link no common library. */

#include <stdint.h>
#include <string.h>

static inline void
gen_build_frame(uint8_t *f, unsigned int len)
{
    memset(f, 0, len);
    memset(f, 0xff, 6);
    f[6] = 0x02;
    f[12] = 0x08;                       /* IPv4 */
    f[14] = 0x45;
    f[16] = (len - 14) >> 8;
    f[17] = len - 14;
    f[22] = 64;
    f[23] = 17;                         /* UDP */
    f[26] = 10; f[29] = 1;
    f[30] = 10; f[33] = 2;
    f[34] = 4; f[36] = 0; f[37] = 9;
    f[38] = (len - 34) >> 8;
    f[39] = len - 34;
}

#endif /* gen-frame.h */
