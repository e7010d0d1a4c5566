#!/usr/bin/env python3
"""The Linux test guest with its root file system on a virtio-blk disk.

The disk is an ext4 image made here with mkfs.ext4 -d from the test guest's
/init and a few files (diskimg.py); Linux mounts it as root (root=/dev/vda),
and /init reads the files, asks for a line, writes files (fsync, sync),
replaces one, removes one, remounts / read-only and powers off
(linux_disk.txt).

  --mode compare   rrsim and QEMU, each on its own copy of the image: both
                   consoles say what is expected, agree line for line, and
                   the images hold what the guest wrote (read back with
                   debugfs): without snapshot=on writes go to the file.
  --mode replay    record on rrsim, replay twice with stdin closed: console,
                   step count and final state (which covers what the guest
                   wrote to the disk) identical each time; the image is not
                   written by any of them (hash before and after); a replay
                   with another image is refused, naming the disk.
  --mode image     only make the image (WORKDIR/root.img), for snapprop.

    linux_disk.py --rrsim BUILD/rrsim --guest-dir BUILD/guests/linux
                  [--mode compare|replay|image] [--modern] [--workdir DIR]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import console  # noqa: E402
import diskimg  # noqa: E402

FW = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"
APPEND = "console=ttyS0 loglevel=6 root=/dev/vda rw init=/init rrdisk=1"
SCRIPT = os.path.join(HERE, "linux_disk.txt")
SEED = "seed text for rrsim"
BLOB = diskimg.pattern(200000, seed=11)
LINE = "hello rrsim"


def big_pattern(n):
    return bytes(((i * 31 + i // 4096) & 0xFF) for i in range(n))


# What the guest writes (init.c, disk_session).
WRITTEN = ("written by the rrsim guest: %s\n" % LINE).encode()
BIG = b"pattern\n" + big_pattern(600 * 1024)
REPLACED = b"seed replaced\n"


def expected_lines():
    def wrote(path, data):
        return "disk: wrote %s, %d bytes, fnv %016x, read back ok" % (path, len(data),
                                                                     diskimg.fnv1a(data))
    return ["rrsim linux guest: init started (pid 1)",
            "disk: / is /dev/root (ext4)",
            "disk: seed.txt says: %s" % SEED,
            "disk: blob.bin %d bytes, fnv %016x" % (len(BLOB), diskimg.fnv1a(BLOB)),
            "init: type a line",
            LINE,
            "got: %s" % LINE,
            wrote("/data/written.txt", WRITTEN),
            wrote("/data/big.bin", BIG),
            wrote("/data/seed.txt", REPLACED),
            "disk: synced",
            "disk: / remounted read-only",
            "init: done"]


def check_console(lines):
    """/init's part of the console, exactly."""
    try:
        start = lines.index("rrsim linux guest: init started (pid 1)")
        end = lines.index("init: done", start)
    except ValueError:
        return ["/init output incomplete"]
    got, want = lines[start:end + 1], expected_lines()
    if got != want:
        return ["/init output differs from what the disk session should print:\n"
                + console.diff_lines(want, got, "expected", "console")]
    return []


def check_image(path):
    """The guest's writes, read back from the image on the host."""
    problems = []
    for name, want in (("/data/written.txt", WRITTEN), ("/data/big.bin", BIG),
                       ("/data/seed.txt", REPLACED)):
        got = diskimg.debugfs_cat(path, name)
        if got != want:
            problems.append("%s in %s: %s" % (name, os.path.basename(path),
                                              "missing" if got is None else
                                              "%d bytes, not the %d written" % (len(got), len(want))
                                              if len(got) != len(want) else "other content"))
    if diskimg.debugfs_cat(path, "/data/remove-me.txt") is not None:
        problems.append("/data/remove-me.txt is still in %s" % os.path.basename(path))
    return problems


def make_image(workdir, guest_dir, size_mib=32):
    tree = os.path.join(workdir, "tree")
    shutil.rmtree(tree, ignore_errors=True)
    for d in ("dev", "proc", "data"):
        os.makedirs(os.path.join(tree, d))
    shutil.copy(os.path.join(guest_dir, "init.stripped"), os.path.join(tree, "init"))
    os.chmod(os.path.join(tree, "init"), 0o755)
    with open(os.path.join(tree, "data", "seed.txt"), "w") as f:
        f.write(SEED + "\n")
    with open(os.path.join(tree, "data", "blob.bin"), "wb") as f:
        f.write(BLOB)
    with open(os.path.join(tree, "data", "remove-me.txt"), "w") as f:
        f.write("this file is removed by the guest\n")
    image = os.path.join(workdir, "root.img")
    diskimg.ext4_image(image, tree, size_mib)
    return image


MODERN = False   # --modern: virtio-mmio version 2 on both simulators


def machine_args(guest_dir, image, cpu):
    return ["-M", "virt"] + (["-cpu", cpu] if cpu else []) + [
        "-bios", FW, "-kernel", os.path.join(guest_dir, "Image"), "-append", APPEND,
        "-drive", "file=%s,format=raw,if=none,id=hd0" % image,
        "-device", "virtio-blk-device,drive=hd0"] + \
        (["-global", "virtio-mmio.force-legacy=false"] if MODERN else [])


def run_compare(opts, t, base):
    logs = {}
    for label, sim, cpu in (("rrsim", opts.rrsim, None),
                            ("qemu", opts.qemu, console.QEMU_CPU_LIKE_RRSIM)):
        image = t.path(label + ".img")
        shutil.copyfile(base, image)
        extra = ["-nographic"] + (["-d", "summary"] if label == "rrsim" else [])
        logs[label] = t.session(label, [sim] + machine_args(opts.guest_dir, image, cpu) + extra)
        for p in check_image(image):
            t.problem("%s: %s" % (label, p))
    if logs["rrsim"] and logs["qemu"]:
        t.compare(logs["rrsim"], logs["qemu"], show_raw=True)


def summary_line(path):
    with open(path, "rb") as f:
        lines = f.read().decode("latin-1").splitlines()
    found = [l for l in lines if l.startswith("rrsim: ") and "steps=" in l]
    return found[-1] if found else None


def run_replay(opts, t, base):
    before = diskimg.file_hash(base)
    rr = t.path("rr-1.rr")
    argv = [opts.rrsim] + machine_args(opts.guest_dir, base, None)
    log = t.record_replay("rr-1", opts.icount)
    if log is None:
        return
    # Once more: a replay can be repeated any number of times.
    play = ["-nographic", "-d", "summary", "-icount", "%s,rr=replay,rrfile=%s" % (opts.icount, rr)]
    again, err = t.path("rr-1-replay2.log"), t.path("rr-1-replay2.err")
    with open(again, "wb") as out, open(err, "wb") as errf:
        status = subprocess.run(argv + play, stdin=subprocess.DEVNULL, stdout=out, stderr=errf,
                                timeout=max(10, t.time_left())).returncode
    with open(log, "rb") as a, open(again, "rb") as b:
        same = a.read() == b.read()
    s1, s2 = summary_line(t.path("rr-1-replay.err")), summary_line(err)
    if status != 0 or not same or not s1 or s1 != s2:
        t.problem("second replay: status %d, console %s, summaries %r / %r"
                  % (status, "same" if same else "DIFFERENT", s1, s2))
    else:
        print("ok: a second replay matches too: %s" % s2, flush=True)
    after = diskimg.file_hash(base)
    if after != before:
        t.problem("the image changed during record and replay (sha256 %s -> %s)" % (before, after))
    else:
        print("ok: the image is unchanged by record and two replays (sha256 %s)" % after,
              flush=True)
    # Another disk is another input: refused before anything runs.
    other = t.path("other.img")
    shutil.copyfile(base, other)
    with open(other, "r+b") as f:
        f.seek(1 << 20)
        f.write(b"x")
    r = subprocess.run([opts.rrsim] + machine_args(opts.guest_dir, other, None) + play,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=60)
    msg = r.stderr.decode(errors="replace")
    if r.returncode != 71 or "disk on virtio-mmio7" not in msg or "-drive file=" + other not in msg:
        t.problem("a replay with another image: status %d, expected 71 naming the disk: %s"
                  % (r.returncode, msg.strip()))
    else:
        print("ok: a replay with another image is refused: %s" % msg.strip(), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rrsim", required=True)
    ap.add_argument("--qemu", default=os.environ.get("QEMU", "qemu-system-riscv64"))
    ap.add_argument("--guest-dir", required=True)
    ap.add_argument("--mode", choices=("compare", "replay", "image"), default="compare")
    ap.add_argument("--icount", default="shift=0,sleep=on")
    ap.add_argument("--modern", action="store_true",
                    help="the modern virtio-mmio layout (-global virtio-mmio.force-legacy=false)")
    ap.add_argument("--delay", default="80")
    ap.add_argument("--budget", type=float, default=150.0)
    ap.add_argument("--workdir", default=None)
    opts = ap.parse_args()
    global MODERN
    MODERN = opts.modern
    for f in (FW, os.path.join(opts.guest_dir, "Image"), os.path.join(opts.guest_dir, "init.stripped"),
              diskimg.MKFS, diskimg.DEBUGFS):
        if not os.path.exists(f):
            print("linux_disk: FAIL: %s is missing" % f)
            return 1
    if opts.mode == "compare" and not shutil.which(opts.qemu):
        print("linux_disk: FAIL: QEMU (%s) not found" % opts.qemu)
        return 1
    opts.workdir = opts.workdir or tempfile.mkdtemp(prefix="rrsim-linux_disk-")
    os.makedirs(opts.workdir, exist_ok=True)
    console._exit_on_sigterm()
    base = make_image(opts.workdir, opts.guest_dir)
    if opts.mode == "image":
        print("linux_disk: made %s" % base)
        return 0
    with open(SCRIPT) as f:
        steps = console.parse_script(f.read(), {"DELAY": opts.delay})
    rrsim = [opts.rrsim] + machine_args(opts.guest_dir, base, None)
    t = console.GuestTest("linux_disk", opts.workdir, rrsim, None, steps, [], check_console,
                          60.0, opts.budget)
    print("rrsim: %s" % " ".join(rrsim), flush=True)
    if opts.mode == "compare":
        run_compare(opts, t, base)
    else:
        run_replay(opts, t, base)
    t.print_timings()
    return t.result()


if __name__ == "__main__":
    sys.exit(main())
