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

/* Guest memory regions: control path only (mmap, fcntl, close). */

#include <config.h>
#include "nae-mem.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <unistd.h>

void
nae_mem_init(struct nae_mem *mem, uint64_t limit)
{
    memset(mem, 0, sizeof *mem);
    mem->limit = limit;
    for (size_t i = 0; i < NAE_MAX_REGIONS; i++) {
        mem->fd[i] = -1;
    }
}

static bool
nae_mem_overlaps(const struct nae_mem *mem, uint64_t start, uint64_t size)
{
    for (size_t i = 0; i < mem->map.n; i++) {
        const struct nae_mem_region *r = &mem->map.regions[i];

        if (start < r->guest_addr + r->size && r->guest_addr < start + size) {
            return true;
        }
    }
    return false;
}

/* Maps the region that 'req' describes from the memfd 'fd' and adds it to
 * 'mem'.  On success takes ownership of 'fd' and returns 0.  On failure
 * leaves 'mem' and 'fd' alone and returns a positive errno value:
 *
 *   ENOSPC  the region table is full;
 *   EINVAL  zero or over-large size, address overflow, or overlap with a
 *           region already registered;
 *   EPERM   'fd' is not sealed against shrinking (F_SEAL_SHRINK), so the
 *           guest could truncate it and fault the switch, or it is on
 *           hugetlbfs (holes a guest punches fault once the pool is dry);
 *   ERANGE  'offset' + 'size' is past the end of the file;
 *   EFBIG   the regions would add up to more than 'mem->limit';
 *   other   from fcntl(), fstat() or mmap(). */
int
nae_mem_add(struct nae_mem *mem, int fd, const struct nae_msg_region *req)
{
    if (mem->map.n >= NAE_MAX_REGIONS) {
        return ENOSPC;
    }
    if (!req->size || req->size > NAE_MEM_MAX_REGION_SIZE
        || req->guest_addr > UINT64_MAX - req->size
        || req->offset > UINT64_MAX - req->size
        || nae_mem_overlaps(mem, req->guest_addr, req->size)) {
        return EINVAL;
    }
    if (mem->limit && req->size > mem->limit - mem->total) {
        return EFBIG;
    }

    int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0) {
        return errno == EINVAL ? EPERM : errno;
    }
    if (!(seals & F_SEAL_SHRINK)) {
        return EPERM;
    }

    /* hugetlbfs: a guest can punch holes in it (fallocate) whatever its
     * seals, and once the hugepage pool runs dry the switch's next access
     * there is a SIGBUS.  (Holes in a tmpfs memfd just read back zeros.) */
    struct statfs sfs;
    if (fstatfs(fd, &sfs)) {
        return errno;
    }
    if (sfs.f_type == HUGETLBFS_MAGIC) {
        return EPERM;
    }

    struct stat st;
    if (fstat(fd, &st)) {
        return errno;
    }
    if (req->offset + req->size > (uint64_t) st.st_size) {
        return ERANGE;
    }

    long page = sysconf(_SC_PAGESIZE);
    uint64_t map_off = req->offset & ~(uint64_t) (page - 1);
    size_t map_len = req->offset - map_off + req->size;
    void *base = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
                      fd, map_off);
    if (base == MAP_FAILED) {
        return errno;
    }

    size_t i = mem->map.n++;
    mem->map.regions[i].guest_addr = req->guest_addr;
    mem->map.regions[i].size = req->size;
    mem->map.regions[i].host = (uint8_t *) base + (req->offset - map_off);
    mem->map_base[i] = base;
    mem->map_len[i] = map_len;
    mem->fd[i] = fd;
    mem->total += req->size;
    return 0;
}

/* Unmaps and forgets every region of 'mem'.  The caller must make sure no
 * data path still uses a copy of its map. */
void
nae_mem_clear(struct nae_mem *mem)
{
    for (size_t i = 0; i < mem->map.n; i++) {
        munmap(mem->map_base[i], mem->map_len[i]);
        close(mem->fd[i]);
    }
    nae_mem_init(mem, mem->limit);
}
