#!/usr/bin/env python3
"""Network input: journal bytes per MB of network input, and throughput of a
transfer into the Linux test guest, rrsim and QEMU 7.2 side by side in one run.

The guest (guests/linux, rrnet=7) serves TCP behind -netdev user with
hostfwd on 127.0.0.1; the host sends "sink N" and N bytes; the guest reads
them and answers with the guest time taken (CLOCK_MONOTONIC). Runs: rrsim
recording (journal size before and after the transfer gives bytes of journal
per MB sent; everything else the recording journals is measured by an
empty-transfer baseline), and QEMU (no icount: guest time is host time).

    net_bench.py BUILD_DIR [--mib N] [--qemu QEMU]

Not part of ctest: the figures depend on the host.
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import console  # noqa: E402,F401
import linux_net  # noqa: E402

SANK = re.compile(r"sank (\d+) bytes in (\d+) us")


def run(label, argv, port, nbytes, work):
    log, err = os.path.join(work, label + ".log"), os.path.join(work, label + ".err")
    with open(log, "wb") as out, open(err, "wb") as errf:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=errf)
    deadline = time.time() + 900
    if not linux_net.wait_for(log, "net: listening on tcp port", proc, deadline):
        proc.kill()
        sys.exit("%s: the guest never listened (%s)" % (label, err))
    s = socket.create_connection(("127.0.0.1", port), timeout=600)
    # Fresh random bytes: the journal's zstd gets nothing from the payload,
    # so the figure is the worst case (a compressible stream costs less).
    chunks = [os.urandom(1 << 20) for _ in range(min(64, max(1, nbytes >> 20)))]
    t0 = time.time()
    s.sendall(b"sink %d\n" % nbytes)
    left, i = nbytes, 0
    while left:
        data = chunks[i % len(chunks)]
        k = min(left, len(data))
        s.sendall(data[:k])
        left -= k
        i += 1
    reply = linux_net.recv_line(s)
    host_s = time.time() - t0
    s.sendall(b"quit\n")
    linux_net.recv_line(s)
    s.close()
    proc.wait(timeout=300)
    m = SANK.search(reply)
    if not m or int(m.group(1)) != nbytes:
        sys.exit("%s: unexpected answer %r" % (label, reply))
    return int(m.group(2)) / 1e6, host_s


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build")
    ap.add_argument("--mib", type=int, default=16)
    ap.add_argument("--qemu", default="qemu-system-riscv64")
    ap.add_argument("--guest-dir", default=None)
    opts = ap.parse_args()
    guest = opts.guest_dir or os.path.join(opts.build, "guests", "linux")
    rrsim = os.path.join(opts.build, "rrsim")
    work = tempfile.mkdtemp(prefix="rrsim-net_bench-")
    nbytes = opts.mib << 20
    rows = []
    journals = {}
    for label, n in (("rrsim record, 0 MiB", 0), ("rrsim record", nbytes)):
        port = linux_net.free_port()
        rr = os.path.join(work, "%d.rr" % n)
        argv = [rrsim] + linux_net.machine_args(guest, port, False) + \
            ["-icount", "shift=0,sleep=on,rr=record,rrfile=" + rr]
        g, h = run(label.replace(" ", "_").replace(",", ""), argv, port, n, work)
        journals[n] = os.path.getsize(rr)
        if n:
            rows.append(("rrsim record", g, h))
    port = linux_net.free_port()
    argv = [opts.qemu] + linux_net.machine_args(guest, port, False) + \
        ["-cpu", console.QEMU_CPU_LIKE_RRSIM]
    g, h = run("qemu", argv, port, nbytes, work)
    rows.append(("qemu 7.2", g, h))
    mb = nbytes / 1e6
    per_mb = (journals[nbytes] - journals[0]) / mb
    print("transfer: %d MiB into the guest through hostfwd (sink)" % opts.mib)
    print("%-14s %12s %12s %14s %14s" % ("run", "guest s", "host s", "MB/s guest", "MB/s host"))
    for label, g, h in rows:
        print("%-14s %12.3f %12.3f %14.2f %14.2f" % (label, g, h, mb / g if g else 0, mb / h))
    print("journal: %d bytes with the transfer, %d without: %.0f journal bytes per MB "
          "of network input (%.3f)" % (journals[nbytes], journals[0], per_mb, per_mb / 1e6))
    return 0


if __name__ == "__main__":
    sys.exit(main())
