#!/usr/bin/env python3
# nae-vm-cmd.py SOCKET COMMAND [TIMEOUT]: runs COMMAND (a shell command
# line) inside a test VM booted from utilities/nae-vm-image.sh's image,
# through the VM's second serial port, which QEMU serves on unix socket
# SOCKET.  Prints what the command printed and exits with its status (124
# if it did not end within TIMEOUT seconds, default 60).
#
# nae-vm-cmd.py --hmp SOCKET COMMAND: runs COMMAND on the QEMU monitor
# (HMP) served on SOCKET and prints its reply.

import os
import socket
import sys
import time


def connect(path, deadline):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    while True:
        try:
            sock.connect(path)
            return sock
        except OSError:
            if time.time() > deadline:
                sys.stderr.write("cannot connect to %s\n" % path)
                sys.exit(124)
            time.sleep(0.2)


def recv(sock, deadline):
    """What arrives before 'deadline': bytes, b"" at EOF, None if none."""
    left = deadline - time.time()
    if left <= 0:
        return None
    sock.settimeout(left)
    try:
        return sock.recv(65536)
    except socket.timeout:
        return None


def read_until(sock, marker, deadline):
    buf = b""
    while marker not in buf:
        data = recv(sock, deadline)
        if data is None:
            sys.stderr.write("timed out\n")
            sys.exit(124)
        if not data:
            break
        buf += data
    return buf


def hmp(path, command):
    deadline = time.time() + 30
    sock = connect(path, deadline)
    read_until(sock, b"(qemu) ", deadline)
    sock.sendall(command.encode() + b"\n")
    reply = read_until(sock, b"(qemu) ", deadline).decode(errors="replace")
    # The monitor echoes the command line, with terminal escapes; an error
    # may follow the echo on the same line.
    lines = reply.replace("\r", "").split("\n")[:-1]
    if lines:
        error = lines[0].find("Error")
        lines[0:1] = [lines[0][error:]] if error >= 0 else []
    sys.stdout.write("".join(line + "\n" for line in lines))
    return 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--hmp":
        return hmp(sys.argv[2], sys.argv[3])
    if len(sys.argv) < 3:
        sys.stderr.write("usage: %s SOCKET COMMAND [TIMEOUT]\n" % sys.argv[0])
        return 2
    path, command = sys.argv[1], sys.argv[2]
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
    if "\n" in command:
        sys.stderr.write("one line only\n")
        return 2
    tag = "%d-%d" % (os.getpid(), int(time.time() * 1000) % 1000000)
    end = ("NAE-VM-END %s " % tag).encode()

    deadline = time.time() + timeout
    sock = connect(path, deadline)
    sock.sendall(("%s %s\n" % (tag, command)).encode())

    buf = b""
    while True:
        data = recv(sock, deadline)
        if data is None:
            sys.stdout.write(buf.decode(errors="replace"))
            sys.stderr.write("timed out after %g s\n" % timeout)
            return 124
        if not data:
            sys.stderr.write("the VM's serial port closed\n")
            return 125
        buf += data
        i = buf.find(end)
        if i >= 0 and buf.find(b"\n", i) >= 0:
            # What an earlier command that timed out printed is not ours.
            start = buf.rfind(b"NAE-VM-END ", 0, i)
            start = buf.find(b"\n", start) + 1 if start >= 0 else 0
            out = buf[start:i].replace(b"\r", b"")
            status = int(buf[i + len(end):buf.find(b"\n", i)])
            sys.stdout.write(out.decode(errors="replace"))
            return status


if __name__ == "__main__":
    sys.exit(main())
