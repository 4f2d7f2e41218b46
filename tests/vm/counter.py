#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A plain UDP program for the CRIU migration tests: it knows nothing of edgemu.

    counter.py --port P [--mem MIB] [--dirty PAGES_PER_S] [--huge]

Listens on 0.0.0.0:P (UDP) and sends every datagram back unchanged, as a plain echo server
does (edgemu-probe --echo probes such servers), counting them. Two datagrams are questions,
answered and not counted:

    "count?"  ->  "count N"      N datagrams echoed since the start, never reset: the state a
                                 migration must carry
    "check?"  ->  "check ok K"   every one of the K pages of its memory still holds its own
                                 number (written at the start), else "check bad B" with B the
                                 pages that do not: the memory came back whole
    "dirty?"  ->  "dirty D"      D page writes so far (the rate actually reached)

It holds MIB MiB of anonymous memory, every 4 KiB page written at the start (so it is
resident: a dump has MIB MiB of pages to move), and keeps writing PAGES_PER_S random pages a
second, between datagrams, so that a pre-copy has dirty pages to chase. That memory is
madvise'd MADV_NOHUGEPAGE: where transparent huge pages are on (Debian's default, "always"),
the kernel tracks a huge page's writes for the whole 2 MiB, so a pre-copy would send nearly
all of it again each round (measured in the test VM: 14 of 16 MiB in huge pages, a second
pre-dump 2 s later wrote 3722 of 4096 pages). --huge leaves the kernel's default, to see that.
Ends on SIGTERM or SIGINT.
Only python3's standard library: /usr/bin/python3 is Debian's (CRIU's crit needs it too).
"""

import argparse
import mmap
import random
import select
import signal
import socket
import struct
import sys
import time

PAGE = 4096
TICK_S = 0.01  # how often the dirtying timer fires: 100 times a second
TAG = 0x65646765_6D750000  # mixed into each page's number, so zero pages never pass


class Memory:
    """MIB MiB whose pages each start with their own number; the rest is dirtied at random."""

    def __init__(self, mib, huge):
        self.pages = mib * 1024 * 1024 // PAGE
        # anonymous and private, as a bytearray's would be, but ours to madvise
        self.buf = mmap.mmap(-1, max(self.pages, 1) * PAGE,
                             flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        if not huge and hasattr(mmap, "MADV_NOHUGEPAGE"):
            self.buf.madvise(mmap.MADV_NOHUGEPAGE)
        # one copy of the whole, every page's number in front: quicker than a page at a time
        rest = bytes(PAGE - 8)
        self.buf[:self.pages * PAGE] = b"".join(
            struct.pack("<Q", TAG | i) + rest for i in range(self.pages))
        self.written = 0

    def dirty(self, n):
        for _ in range(n):
            page = random.randrange(self.pages)
            off = page * PAGE + random.randrange(8, PAGE)
            self.buf[off] = (self.buf[off] + 1) & 0xFF
        self.written += n

    def bad_pages(self):
        return sum(
            1
            for i in range(self.pages)
            if struct.unpack_from("<Q", self.buf, i * PAGE)[0] != TAG | i
        )


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="counter.py",
        description="UDP echo server that counts what it echoed and dirties its memory",
    )
    p.add_argument("--port", type=int, required=True, help="UDP port on 0.0.0.0")
    p.add_argument("--mem", type=int, default=0, metavar="MIB", help="memory to hold (MiB)")
    p.add_argument("--dirty", type=float, default=0, metavar="PAGES_PER_S",
                   help="random 4 KiB pages written a second")
    p.add_argument("--huge", action="store_true",
                   help="let the kernel back the memory with transparent huge pages")
    a = p.parse_args(argv)
    if not 1 <= a.port <= 65535:
        p.error("--port must be 1 to 65535, not %d" % a.port)
    if a.mem < 0:
        p.error("--mem must be 0 or more MiB, not %d" % a.mem)
    if a.dirty < 0:
        p.error("--dirty must be 0 or more pages a second, not %g" % a.dirty)
    if a.dirty > 0 and a.mem == 0:
        p.error("--dirty needs memory to write (--mem)")
    return a


def answer(mem, count, data):
    """What to send back for a datagram, and whether it counts as echoed."""
    q = data.strip()
    if q == b"count?":
        return b"count %d" % count, False
    if q == b"check?":
        bad = mem.bad_pages()
        if bad:
            return b"check bad %d" % bad, False
        return b"check ok %d" % mem.pages, False
    if q == b"dirty?":
        return b"dirty %d" % mem.written, False
    return data, True


def serve(args):
    # Bound first: whoever waits for the port to be listened on (edgemu, 5 s) need not wait
    # for the memory too; datagrams sent meanwhile wait in the socket's queue.
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", args.port))
    mem = Memory(args.mem, args.huge)
    print("counter.py: UDP 0.0.0.0:%d, %d MiB (%d pages), %g pages/s dirtied"
          % (args.port, args.mem, mem.pages, args.dirty), flush=True)
    count = 0
    owed = 0.0  # pages the timer still owes, fractions kept so the rate holds
    last = time.monotonic()
    while True:
        timeout = TICK_S if args.dirty else None
        ready, _, _ = select.select([sock], [], [], timeout)
        if ready:
            data, peer = sock.recvfrom(65535)
            out, echoed = answer(mem, count, data)
            try:
                sock.sendto(out, peer)
            except OSError:
                pass  # a peer gone (ICMP unreachable reported late): nothing to do
            if echoed:
                count += 1
        if args.dirty:
            now = time.monotonic()
            # after a freeze (a dump, a stopped process) the clock jumps: no burst of
            # catching up, at most one second's pages
            owed = min(owed + (now - last) * args.dirty, args.dirty)
            last = now
            if owed >= 1:
                mem.dirty(int(owed))
                owed -= int(owed)


def main(argv):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        serve(args)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
