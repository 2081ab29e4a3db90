#! /usr/bin/env python3
# Copyright (c) 2026 The ovs-nae authors.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at:
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""Hostile frames for the split-I/O tests, sent raw on an interface.

  sio-inject.py IFACE rst SRC_MAC DST_MAC SRC_IP:PORT DST_IP:PORT [COUNT]
      Blind RSTs (and RST+ACKs) with random sequence numbers, valid
      checksums, on a connection's 4-tuple: an off-path attacker's guess.
  sio-inject.py IFACE oow SRC_MAC DST_MAC SRC_IP:PORT DST_IP:PORT [COUNT]
      ACK segments with data at random sequence numbers.
  sio-inject.py IFACE garbage DST_MAC [COUNT]
      Random bytes, and IPv4/TCP frames with random damage (checksums,
      lengths, header fields).
"""

import random
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def endpoint(s):
    ip, port = s.rsplit(":", 1)
    return socket.inet_aton(ip), int(port)


def tcp_frame(smac, dmac, src, dst, seq, ack, flags, payload=b""):
    sip, sport = src
    dip, dport = dst
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      1024, 0, 0) + payload
    pseudo = sip + dip + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp),
                     random.getrandbits(16), 0x4000, 64, 6, 0, sip, dip)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dmac + smac + b"\x08\x00" + ip + tcp


def main():
    iface, kind = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    if kind in ("rst", "oow"):
        smac, dmac = mac(sys.argv[3]), mac(sys.argv[4])
        src, dst = endpoint(sys.argv[5]), endpoint(sys.argv[6])
        count = int(sys.argv[7]) if len(sys.argv) > 7 else 100
        for i in range(count):
            seq = random.getrandbits(32)
            if kind == "rst":
                flags = 0x04 if i % 2 else 0x14
                s.send(tcp_frame(smac, dmac, src, dst, seq, 0, flags))
            else:
                s.send(tcp_frame(smac, dmac, src, dst, seq,
                                 random.getrandbits(32), 0x10,
                                 random.randbytes(100)))
    elif kind == "garbage":
        dmac = mac(sys.argv[3])
        count = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
        smac = bytes([2, 0, 0, 0xde, 0xad, 0])
        src = (socket.inet_aton("10.9.9.9"), 4444)
        dst = (socket.inet_aton("10.9.9.10"), 7000)
        for i in range(count):
            if i % 3 == 0:
                f = dmac + smac + random.randbytes(random.randint(0, 200))
            else:
                f = bytearray(tcp_frame(smac, dmac, src, dst,
                                        random.getrandbits(32),
                                        random.getrandbits(32),
                                        random.getrandbits(8),
                                        random.randbytes(
                                            random.randint(0, 64))))
                for _ in range(random.randint(1, 4)):
                    pos = random.randrange(14, len(f))
                    f[pos] = random.getrandbits(8)
                f = bytes(f[:random.randint(14, len(f))])
            if len(f) < 14:
                continue
            s.send(f)
    else:
        sys.exit("unknown kind %s" % kind)


if __name__ == "__main__":
    main()
