#!/usr/bin/env python3
# nae-vhost-hostile.py SOCKET CONTROL MAC: a hostile VM for the qemu tests.
#
# Plays QEMU's part of vhost-user (the server on unix socket SOCKET, which
# a nae port with options:vhost-server-path connects to) for a one-queue
# virtio-net device whose "guest memory" is a memfd this script writes
# itself, so it can put in the rings what a compromised guest kernel could:
# descriptors outside its memory, loops, bad lengths, heads past the ring.
# From the switch's side this is a VM; the switch cannot tell.
#
# It reads one command per line from the FIFO CONTROL and prints "done
# CMD" on stdout when the command's descriptors are in the ring:
#   good N       N valid broadcast frames (ethertype 0x88b5) from MAC
#   short        a chain no longer than the virtio-net header
#   oversize     a 64 KiB frame (bigger than any buffer of the port)
#   outside      a descriptor whose address is past the end of memory
#   loop         a chain whose descriptor names itself as next
#   badhead      an available-ring entry naming descriptor 4096 of 256
#   repair       turns the chain at the head of the ring into a good frame
#   rx-garbage   fills the receive ring with descriptors outside memory
#   quit
# Only the ring contents are hostile: the protocol messages are what QEMU
# sends, since QEMU itself is not the guest.

import os
import socket
import struct
import sys
import mmap

MEM_SIZE = 4 << 20
UVA = 0x7f0000000000            # "QEMU's" address of guest address 0.
QSIZE = 256
HDR_LEN = 12                    # virtio_net_hdr_mrg_rxbuf (VERSION_1).
BUF_BASE = 0x20000              # Frame buffers, 4 KiB each.
BIG_BUF = 0x200000              # Where the 64 KiB frame goes.

F_VERSION_1 = 1 << 32
DESC_F_NEXT = 1
DESC_F_WRITE = 2

(GET_FEATURES, SET_FEATURES, SET_OWNER, SET_MEM_TABLE, SET_VRING_NUM,
 SET_VRING_ADDR, SET_VRING_BASE, SET_VRING_KICK,
 SET_VRING_CALL) = (1, 2, 3, 5, 8, 9, 10, 12, 13)


def vring_base(i):
    return i * 0x8000


def desc_addr(i):
    return vring_base(i)


def avail_addr(i):
    return vring_base(i) + 0x1000


def used_addr(i):
    return vring_base(i) + 0x2000


class Guest:
    def __init__(self, sock_path, mac):
        self.mac = bytes(int(x, 16) for x in mac.split(':'))
        self.fd = os.memfd_create("nae-hostile-vm", os.MFD_CLOEXEC)
        os.ftruncate(self.fd, MEM_SIZE)
        self.mem = mmap.mmap(self.fd, MEM_SIZE)
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            os.unlink(sock_path)
        except FileNotFoundError:
            pass
        self.srv.bind(sock_path)
        self.srv.listen(1)
        self.conn = None
        self.avail_idx = [0, 0]
        self.next_desc = [0, 0]
        self.seq = 0
        self.bad_slot = None    # Available-ring slot of the last bad chain.

    # --- vhost-user, as QEMU speaks it ------------------------------------

    def send(self, req, payload=b"", fds=(), reply=False):
        msg = struct.pack("<III", req, 0x1, len(payload)) + payload
        anc = []
        if fds:
            anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                    struct.pack("<%di" % len(fds), *fds))]
        self.conn.sendmsg([msg], anc)
        if reply:
            hdr = self.recv_exact(12)
            _, _, size = struct.unpack("<III", hdr)
            return self.recv_exact(size)
        return None

    def recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.conn.recv(n - len(data))
            if not chunk:
                sys.exit("nae-vhost-hostile: the switch hung up")
            data += chunk
        return data

    def attach(self):
        self.conn, _ = self.srv.accept()
        features = struct.unpack("<Q", self.send(GET_FEATURES,
                                                 reply=True))[0]
        if not features & F_VERSION_1:
            sys.exit("nae-vhost-hostile: no VIRTIO_F_VERSION_1 offered")
        self.send(SET_OWNER)
        self.send(SET_FEATURES, struct.pack("<Q", F_VERSION_1))
        region = struct.pack("<QQQQ", 0, MEM_SIZE, UVA, 0)
        self.send(SET_MEM_TABLE, struct.pack("<II", 1, 0) + region,
                  fds=[self.fd])
        self.kicks = []
        for q in (0, 1):
            self.send(SET_VRING_NUM, struct.pack("<II", q, QSIZE))
            self.send(SET_VRING_ADDR,
                      struct.pack("<IIQQQQ", q, 0, UVA + desc_addr(q),
                                  UVA + used_addr(q), UVA + avail_addr(q),
                                  0))
            self.send(SET_VRING_BASE, struct.pack("<II", q, 0))
            call = os.eventfd(0, os.EFD_NONBLOCK)
            kick = os.eventfd(0, os.EFD_NONBLOCK)
            self.kicks.append((kick, call))
            self.send(SET_VRING_CALL, struct.pack("<Q", q), fds=[call])
            self.send(SET_VRING_KICK, struct.pack("<Q", q), fds=[kick])

    # --- The rings, as a hostile guest kernel writes them ------------------

    def put_desc(self, q, i, addr, length, flags=0, nxt=0):
        struct.pack_into("<QIHH", self.mem, desc_addr(q) + 16 * i,
                         addr, length, flags, nxt)

    def alloc_desc(self, q):
        i = self.next_desc[q]
        self.next_desc[q] = (i + 1) % QSIZE
        return i

    def offer(self, q, head):
        idx = self.avail_idx[q]
        struct.pack_into("<H", self.mem, avail_addr(q) + 4 + 2 * (idx % QSIZE),
                         head)
        self.avail_idx[q] = (idx + 1) & 0xffff
        # x86 keeps stores in order: the entry is visible before the index.
        struct.pack_into("<H", self.mem, avail_addr(q) + 2,
                         self.avail_idx[q])

    def frame(self, size=64):
        self.seq += 1
        eth = b"\xff" * 6 + self.mac + struct.pack(">H", 0x88b5)
        body = struct.pack(">I", self.seq) * ((size - len(eth)) // 4 + 1)
        return bytes(HDR_LEN) + (eth + body)[:size]

    def write_good(self, i):
        addr = BUF_BASE + 4096 * i
        data = self.frame()
        self.mem[addr:addr + len(data)] = data
        self.put_desc(1, i, addr, len(data))

    def tx_chain(self, kind):
        i = self.alloc_desc(1)
        if kind == "good":
            self.write_good(i)
        elif kind == "short":
            self.put_desc(1, i, BUF_BASE + 4096 * i, HDR_LEN)
        elif kind == "oversize":
            data = self.frame(65536)
            self.mem[BIG_BUF:BIG_BUF + len(data)] = data
            self.put_desc(1, i, BIG_BUF, len(data))
        elif kind == "outside":
            self.put_desc(1, i, MEM_SIZE + 0x100000, 1500)
        elif kind == "loop":
            self.write_good(i)
            self.put_desc(1, i, BUF_BASE + 4096 * i, 80, DESC_F_NEXT, i)
        elif kind == "badhead":
            i = 4096
        if kind != "good":
            self.bad_slot = self.avail_idx[1] % QSIZE
        self.offer(1, i)

    def repair(self):
        # Points the available-ring entry of the last bad chain, where the
        # switch stopped, at a valid frame.
        i = self.alloc_desc(1)
        self.write_good(i)
        struct.pack_into("<H", self.mem,
                         avail_addr(1) + 4 + 2 * self.bad_slot, i)

    def rx_garbage(self):
        for _ in range(64):
            i = self.alloc_desc(0)
            self.put_desc(0, i, MEM_SIZE + 4096 * i, 2048, DESC_F_WRITE)
            self.offer(0, i)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: nae-vhost-hostile.py SOCKET CONTROL MAC")
    guest = Guest(sys.argv[1], sys.argv[3])
    ctl = open(os.open(sys.argv[2], os.O_RDWR), "r")
    print("listening", flush=True)
    guest.attach()
    print("attached", flush=True)
    for line in ctl:
        words = line.split()
        if not words:
            continue
        cmd = words[0]
        if cmd == "quit":
            break
        elif cmd == "good":
            for _ in range(int(words[1]) if len(words) > 1 else 1):
                guest.tx_chain("good")
        elif cmd in ("short", "oversize", "outside", "loop", "badhead"):
            guest.tx_chain(cmd)
        elif cmd == "repair":
            guest.repair()
        elif cmd == "rx-garbage":
            guest.rx_garbage()
        else:
            print("unknown command %s" % cmd, flush=True)
            continue
        print("done %s" % cmd, flush=True)


if __name__ == "__main__":
    main()
