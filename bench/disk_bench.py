#!/usr/bin/env python3
"""Sequential disk throughput from inside the Linux test guest, rrsim and
QEMU 7.2 side by side in one run.

The guest (guests/linux, root on a virtio-blk disk, rrbench=MiB) writes then
reads a file of that size with O_DIRECT in 1 MiB requests and prints how long
each took in guest time (CLOCK_MONOTONIC); the host time of the same two
phases is taken from when its console lines arrive.  Runs: rrsim in normal
mode, rrsim recording (the disk then writes to its overlay in memory), rrsim
replaying that recording, and QEMU (its default, no icount: guest time is
host time).  Each run gets its own copy of the image.

    disk_bench.py BUILD_DIR [--mib N] [--qemu QEMU] [--guest-dir DIR]

Not part of ctest: the figures depend on the host.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import console  # noqa: E402
import linux_disk  # noqa: E402

RESULT = re.compile(r"bench: (write|read) (\d+) MiB in ([\d.]+) s guest time")


def one_run(label, argv, mib, stdin=True):
    con = console.Console(argv, stdin=stdin, total_timeout=900)
    try:
        if stdin:
            con.expect(r"init: type a line", 120)
            con.send(b"bench\r")
        con.expect(r"bench: writing", 300)
        t0 = con.elapsed()
        w = con.expect(RESULT, 600)
        t1 = con.elapsed()
        r = con.expect(RESULT, 600)
        t2 = con.elapsed()
        con.expect_exit(0, 120)
    finally:
        con.close()
    mb = mib * 1.048576
    return {"label": label, "wg": mb / float(w.group(3)), "rg": mb / float(r.group(3)),
            "wh": mb / (t1 - t0), "rh": mb / (t2 - t1)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build")
    ap.add_argument("--mib", type=int, default=64)
    ap.add_argument("--qemu", default=os.environ.get("QEMU", "qemu-system-riscv64"))
    ap.add_argument("--guest-dir", default=None,
                    help="the Linux test guest (default BUILD_DIR/guests/linux)")
    opts = ap.parse_args()
    rrsim = os.path.join(opts.build, "rrsim")
    guest = opts.guest_dir or os.path.join(opts.build, "guests", "linux")
    work = tempfile.mkdtemp(prefix="rrsim-disk-bench-")
    try:
        base = linux_disk.make_image(work, guest, size_mib=opts.mib + 96)
        append = linux_disk.APPEND + " rrbench=%d" % opts.mib

        def args(image, cpu):
            a = linux_disk.machine_args(guest, image, cpu)
            a[a.index("-append") + 1] = append
            return a + ["-nographic"]

        runs = []
        rr = os.path.join(work, "bench.rr")
        for label, sim, cpu, extra, stdin in (
                ("rrsim", rrsim, None, [], True),
                ("rrsim record", rrsim, None, ["-icount", "shift=0,rr=record,rrfile=" + rr], True),
                ("rrsim replay", rrsim, None, ["-icount", "shift=0,rr=replay,rrfile=" + rr], False),
                ("qemu", opts.qemu, console.QEMU_CPU_LIKE_RRSIM, [], True)):
            image = os.path.join(work, "copy.img")
            if label != "rrsim replay":   # a replay needs the recording's image
                shutil.copyfile(base, image)
            runs.append(one_run(label, [sim] + args(image, cpu) + extra, opts.mib, stdin))
        print("sequential %d MiB, 1 MiB O_DIRECT requests, MB/s (10^6 bytes per second):"
              % opts.mib)
        print("  %-14s %12s %12s %12s %12s" % ("run", "write guest", "write host",
                                               "read guest", "read host"))
        for r in runs:
            print("  %-14s %12.1f %12.1f %12.1f %12.1f" % (r["label"], r["wg"], r["wh"],
                                                           r["rg"], r["rh"]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
