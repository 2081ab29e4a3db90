#!/usr/bin/env python3
# dpi-http.py: the HTTP-like client and server of the I/O service tests.
#
#   dpi-http.py server PORT
#       Serves POSTs one connection per thread: reads the headers and
#       Content-Length bytes of body, answers "200 OK", logs one line per
#       request ("PEER received N").
#   dpi-http.py client HOST PORT PART... [--wait-file FILE] [--timeout S]
#       Sends one POST whose body is the PARTs, each PART in its own TCP
#       segment (TCP_NODELAY, 0.3 s apart), waiting for FILE to exist
#       before the last one; then waits for the answer.  Prints "200" and
#       exits 0, or prints "timeout" and exits 1 if the connection or any
#       answer takes longer than S seconds (default 3).
#       "--keep N" sends N more requests on the same connection, 0.2 s apart,
#       each of which must be answered.
import argparse
import os
import socket
import sys
import threading
import time


def serve_one(conn, peer):
    conn.settimeout(30)
    buf = b""
    try:
        while True:
            while b"\r\n\r\n" not in buf:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
            head, buf = buf.split(b"\r\n\r\n", 1)
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            while len(buf) < length:
                data = conn.recv(65536)
                if not data:
                    return
                buf += data
            buf = buf[length:]
            print("%s received %d" % (peer[0], length), flush=True)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    except OSError:
        pass
    finally:
        conn.close()


def server(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(16)
    while True:
        conn, peer = s.accept()
        threading.Thread(target=serve_one, args=(conn, peer),
                         daemon=True).start()


def answer(s):
    buf = b""
    while b"\r\n\r\n" not in buf:
        data = s.recv(4096)
        if not data:
            raise OSError("closed")
        buf += data
    return buf.split(b" ")[1].decode()


def client(args):
    parts = [p.encode() for p in args.parts]
    try:
        s = socket.create_connection((args.host, args.port),
                                     timeout=args.timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(b"POST /upload HTTP/1.1\r\nHost: test\r\n"
                  b"Content-Length: %d\r\n\r\n" % sum(map(len, parts)))
        for i, part in enumerate(parts):
            time.sleep(0.3)
            if args.wait_file and i == len(parts) - 1:
                while not os.path.exists(args.wait_file):
                    time.sleep(0.05)
            s.sendall(part)
        code = answer(s)
        for i in range(args.keep):
            time.sleep(0.2)
            s.sendall(b"POST /more HTTP/1.1\r\nContent-Length: 4\r\n\r\n"
                      b"more")
            code = answer(s)
    except (OSError, socket.timeout):
        print("timeout", flush=True)
        return 1
    print(code, flush=True)
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    ps = sub.add_parser("server")
    ps.add_argument("port", type=int)
    pc = sub.add_parser("client")
    pc.add_argument("host")
    pc.add_argument("port", type=int)
    pc.add_argument("parts", nargs="+")
    pc.add_argument("--wait-file")
    pc.add_argument("--timeout", type=float, default=3)
    pc.add_argument("--keep", type=int, default=0)
    args = p.parse_args()
    if args.mode == "server":
        server(args.port)
        return 0
    return client(args)


if __name__ == "__main__":
    sys.exit(main())
