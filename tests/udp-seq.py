#!/usr/bin/env python3
# udp-seq.py: a steady UDP stream of numbered datagrams, and its receiver,
# which accounts for every number: lost, duplicated or out of order.  For
# tests that must prove a path switch loses nothing.
#
#   udp-seq.py send HOST PORT RATE SECONDS   (prints "sent N" at the end
#                                             or on SIGTERM)
#   udp-seq.py recv PORT OUTFILE             (until SIGTERM, then writes
#                                             "received N lost L dup D
#                                              reordered R last S")
import os
import signal
import socket
import struct
import sys
import time

SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)   # Linux's value.


def send(host, port, rate, seconds):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    interval = 1.0 / rate
    start = time.monotonic()
    n = 0
    done = [False]

    def stop(signum, frame):
        done[0] = True
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    while not done[0]:
        now = time.monotonic()
        if now - start >= seconds:
            break
        # Catch up in bursts when late: the rate, not the spacing, matters.
        while n <= (now - start) / interval:
            sock.sendto(struct.pack("!Q", n) + b"x" * 56, (host, port))
            n += 1
        time.sleep(interval / 2)
    print("sent %d" % n, flush=True)


def recv(port, outfile):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # SO_RCVBUF is capped at net.core.rmem_max (212992 by default): a
    # fifth of a second for a receiver starved of CPU under load.  The
    # tests run as root, which may go past it.
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    except PermissionError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind(("0.0.0.0", port))
    sock.settimeout(0.2)
    seen = set()
    stats = {"received": 0, "dup": 0, "reordered": 0}
    last = [-1]
    done = [False]

    def stop(signum, frame):
        done[0] = True
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def write():
        lost = (last[0] + 1) - len(seen)
        with open(outfile + ".tmp", "w") as f:
            f.write("received %d lost %d dup %d reordered %d last %d\n"
                    % (stats["received"], lost, stats["dup"],
                       stats["reordered"], last[0]))
        os.rename(outfile + ".tmp", outfile)

    while not done[0]:
        try:
            data = sock.recv(2048)
        except socket.timeout:
            write()
            continue
        except InterruptedError:
            continue
        if len(data) < 8:
            continue
        seq = struct.unpack("!Q", data[:8])[0]
        stats["received"] += 1
        if seq in seen:
            stats["dup"] += 1
            continue
        if seq < last[0]:
            stats["reordered"] += 1
            sys.stderr.write("%.6f: %d after %d\n"
                             % (time.time(), seq, last[0]))
        seen.add(seq)
        last[0] = max(last[0], seq)
    write()


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]),
             float(sys.argv[5]))
    elif len(sys.argv) == 4 and sys.argv[1] == "recv":
        recv(int(sys.argv[2]), sys.argv[3])
    else:
        sys.stderr.write("usage: udp-seq.py send HOST PORT RATE SECONDS\n"
                         "       udp-seq.py recv PORT OUTFILE\n")
        sys.exit(2)
