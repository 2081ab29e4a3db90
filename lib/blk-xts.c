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

#include "blk-xts.h"

#include <errno.h>

int
blk_xts_crypt(EVP_CIPHER_CTX *ctx, bool encrypt, uint32_t block_size,
              uint64_t offset, uint8_t *buf, uint32_t len)
{
    for (uint32_t done = 0; done < len; done += block_size) {
        uint64_t block = (offset + done) / block_size;
        uint8_t iv[16] = { 0 };
        int outl;

        for (int i = 0; i < 8; i++) {
            iv[i] = block >> (8 * i);
        }
        if (!EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, encrypt)
            || !EVP_CipherUpdate(ctx, buf + done, &outl, buf + done,
                                 block_size)) {
            return EIO;
        }
    }
    return 0;
}
