#!/usr/bin/env python3
"""One Linux session with every kind of outside input, recorded and replayed.

The Linux test guest boots from its ext4 disk (virtio-blk, as linux_disk.py
makes it) with a virtio-rng device fed from /dev/urandom and a virtio-net
card on user networking. /init (rrrng=64 rrdisk=1 rrnet=7) reads 64 random
bytes from /dev/hwrng, reads the disk's files, asks for a line (typed here
on its console), writes and syncs files, then serves TCP on port 7, which
this script reaches through hostfwd on 127.0.0.1 (a line, a block of bytes,
"quit"), and powers off.

The recording is then replayed twice with stdin closed, the forwarded port
held by this script (so a replay that touched the host network would fail)
and an empty file as the random source: console, step count and final
state (RAM, devices, and the disk as the guest wrote it) must be identical,
and the disk image is never written, by the recording or the replays.

    linux_session.py --rrsim BUILD/rrsim --guest-dir BUILD/guests/linux
                     [--workdir DIR]
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
sys.path.insert(0, HERE)
import console  # noqa: E402
import diskimg  # noqa: E402
import linux_disk  # noqa: E402
import linux_net  # noqa: E402

GUEST_PORT = 7
APPEND = ("console=ttyS0 loglevel=6 root=/dev/vda rw init=/init "
          "rrrng=64 rrdisk=1 rrnet=%d" % GUEST_PORT)


def machine_args(opts, image, port, rng_src):
    return ["-M", "virt", "-bios", linux_disk.FW,
            "-kernel", os.path.join(opts.guest_dir, "Image"), "-append", APPEND,
            "-drive", "file=%s,format=raw,if=none,id=hd0" % image,
            "-device", "virtio-blk-device,drive=hd0",
            "-object", "rng-random,id=r0,filename=%s" % rng_src,
            "-device", "virtio-rng-device,rng=r0",
            "-netdev", "user,id=n0,hostfwd=tcp:127.0.0.1:%d-:%d" % (port, GUEST_PORT),
            "-device", "virtio-net-device,netdev=n0",
            "-display", "none", "-serial", "stdio", "-d", "summary"]


def record(argv, log, err, port, timeout):
    problems = []
    with open(log, "wb") as out, open(err, "wb") as errf:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=out, stderr=errf)
    deadline = time.time() + timeout
    try:
        if not linux_net.wait_for(log, "init: type a line", proc, deadline):
            return ["the guest never asked for a line (see %s, %s)" % (log, err)], proc.poll()
        for ch in linux_disk.LINE + "\r":
            proc.stdin.write(ch.encode())
            proc.stdin.flush()
            time.sleep(0.05)
        if not linux_net.wait_for(log, "net: listening on tcp port", proc, deadline):
            return ["the guest never listened (see %s, %s)" % (log, err)], proc.poll()
        problems += linux_net.connect_and_talk(port, deadline)
        proc.stdin.close()
        status = proc.wait(timeout=max(5, deadline - time.time()))
    except (OSError, subprocess.TimeoutExpired) as e:
        problems.append("session: %s (see %s)" % (e, log))
        proc.kill()
        status = proc.wait()
    return problems, status


def check_console(path):
    lines = console.console_lines(path)
    problems = []
    rng = [l for l in lines if l.startswith("rng: ")]
    if len(rng) != 1 or not re.fullmatch(r"rng: 64 bytes from /dev/hwrng, fnv [0-9a-f]{16}",
                                         rng[0]):
        problems.append("the guest's random bytes: %r" % rng)
    disk = linux_disk.expected_lines()[1:-1]   # between "init started" and "init: done"
    got = [l for l in lines if l in disk]
    if got != disk:
        problems.append("the disk session:\n" + console.diff_lines(disk, got, "expected",
                                                                    "console"))
    net = linux_net.EXPECTED[1:]
    got = [l for l in lines if l.startswith(("net:", "init: done"))]
    if got != net:
        problems.append("the network session:\n" + console.diff_lines(net, got, "expected",
                                                                       "console"))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rrsim", required=True)
    ap.add_argument("--guest-dir", required=True)
    ap.add_argument("--timeout", type=float, default=240.0)
    ap.add_argument("--workdir", default=None)
    opts = ap.parse_args()
    work = opts.workdir or tempfile.mkdtemp(prefix="linux_session.")
    os.makedirs(work, exist_ok=True)
    for name in ("Image", "init.stripped"):
        if not os.path.exists(os.path.join(opts.guest_dir, name)):
            print("FAIL: %s not built in %s" % (name, opts.guest_dir))
            return 1
    image = linux_disk.make_image(work, opts.guest_dir)
    before = diskimg.file_hash(image)
    port = linux_net.free_port()
    rr = os.path.join(work, "session.rr")
    for f in (rr, rr + ".snap"):
        if os.path.isdir(f):
            import shutil
            shutil.rmtree(f)
        elif os.path.exists(f):
            os.remove(f)
    problems = []

    rec = [opts.rrsim] + machine_args(opts, image, port, "/dev/urandom") + \
        ["-icount", "shift=0,sleep=on,rr=record,rrfile=%s" % rr]
    print("record: %s" % " ".join(rec), flush=True)
    rlog, rerr = os.path.join(work, "record.log"), os.path.join(work, "record.err")
    p, status = record(rec, rlog, rerr, port, opts.timeout)
    problems += p
    if status != 0:
        problems.append("the recording exited %s" % status)
    problems += ["record: " + x for x in check_console(rlog)]
    counts = subprocess.run([os.path.join(os.path.dirname(opts.rrsim), "rrsim-journal"), "info",
                             rr], capture_output=True, text=True).stdout
    for kind in ("char-input", "random", "net-rx"):
        if not re.search(r"^  %s +\d+$" % kind, counts, re.M):
            problems.append("the journal has no %s events:\n%s" % (kind, counts))
    if problems:
        print("\n".join("FAIL: " + x for x in problems))
        return 1
    print("ok: recorded a session with typed input, disk writes, network traffic and "
          "random bytes", flush=True)

    empty = os.path.join(work, "empty-rng")
    open(empty, "wb").close()
    hold = socket.socket()
    hold.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    hold.bind(("127.0.0.1", port))
    hold.listen(1)
    play = [opts.rrsim] + machine_args(opts, image, port, empty) + \
        ["-icount", "shift=0,sleep=on,rr=replay,rrfile=%s" % rr]
    want = linux_disk.summary_line(rerr)
    for i in (1, 2):
        log, err = os.path.join(work, "replay%d.log" % i), os.path.join(work, "replay%d.err" % i)
        with open(log, "wb") as out, open(err, "wb") as errf:
            st = subprocess.run(play, stdin=subprocess.DEVNULL, stdout=out, stderr=errf,
                                timeout=opts.timeout).returncode
        with open(rlog, "rb") as a, open(log, "rb") as b:
            same = a.read() == b.read()
        got = linux_disk.summary_line(err)
        if st != 0 or not same or not want or got != want:
            problems.append("replay %d: status %d, console %s, summary %r, recorded %r (see %s)"
                            % (i, st, "same" if same else "DIFFERENT", got, want, err))
        else:
            print("ok: replay %d with stdin closed and the network unplugged: %s"
                  % (i, got), flush=True)
    hold.close()
    if diskimg.file_hash(image) != before:
        problems.append("the disk image was written")
    else:
        print("ok: the disk image is as it was made", flush=True)
    if problems:
        print("\n".join("FAIL: " + x for x in problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
