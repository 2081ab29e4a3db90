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

#ifndef BLK_XTS_H
#define BLK_XTS_H 1

/* AES-XTS-256 over whole blocks of a block device, each block's number as
 * its tweak (little-endian, as dm-crypt's "plain64").  Shared by the
 * split-I/O block backend and the benchmark that measures it. */

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>

/* Encrypts or decrypts 'len' bytes (a multiple of 'block_size') of 'buf'
 * in place; 'offset' is the byte offset of 'buf' on the device.  'ctx'
 * holds the 64-byte key, set up with EVP_aes_256_xts().  Returns 0 or
 * EIO. */
int blk_xts_crypt(EVP_CIPHER_CTX *ctx, bool encrypt, uint32_t block_size,
                  uint64_t offset, uint8_t *buf, uint32_t len);

#endif /* blk-xts.h */
