#!/usr/bin/env python3
"""Debian 13 riscv64 boots from a virtio-blk disk to a login prompt.

The system is ci/debian-image.sh's: its own kernel (an Image under OpenSBI
fw_jump) and initramfs-tools initrd, its root file system an ext4 image of
a minbase Debian with systemd.  The session (debian_login.txt) waits for
the serial getty's login prompt, logs in as root, checks /etc/os-release
says trixie and that / is /dev/vda, and powers off.  The disk is attached
with snapshot=on (-snapshot): the image is opened read-only and never
written; the test checks it is unchanged.

  --mode boot     the session on rrsim in normal mode
  --mode replay   recorded on rrsim, then replayed with stdin closed: same
                  console bytes, steps and final state

    debian_login.py --rrsim BUILD/rrsim --guest-dir BUILD/guests/debian-rootfs
                    [--mode boot|replay] [--workdir DIR]
"""
import argparse
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import console  # noqa: E402

FW = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"
APPEND = "root=/dev/vda rw console=ttyS0"
SCRIPT = os.path.join(HERE, "debian_login.txt")


def machine_args(guest_dir, memory="1G"):
    return ["-M", "virt", "-m", memory, "-bios", FW,
            "-kernel", os.path.join(guest_dir, "Image"),
            "-initrd", os.path.join(guest_dir, "initrd.img"),
            "-append", APPEND,
            "-drive", "file=%s,format=raw,if=none,id=hd0" % os.path.join(guest_dir, "rootfs.img"),
            "-device", "virtio-blk-device,drive=hd0", "-snapshot"]


def check(lines):
    problems = []
    if not any(l.startswith("VERSION_CODENAME=trixie") for l in lines):
        problems.append("/etc/os-release does not say trixie")
    if not any(l.startswith("rrsim-debian login: ") for l in lines):
        problems.append("no login prompt")
    failed = [l for l in lines if "[FAILED]" in l]
    if failed:
        problems.append("systemd units failed:\n  " + "\n  ".join(failed))
    return problems


def image_state(path):
    st = os.stat(path)
    return (st.st_size, st.st_mtime_ns)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rrsim", required=True, help="rrsim executable")
    ap.add_argument("--guest-dir", required=True, help="ci/debian-image.sh's output")
    ap.add_argument("--mode", choices=("boot", "replay"), default="boot")
    ap.add_argument("--icount", default="shift=0,sleep=on",
                    help="replay: -icount options besides rr and rrfile")
    ap.add_argument("--delay", default="80", help="ms between typed keys")
    ap.add_argument("--boot-timeout", default="300", help="seconds for each boot stage")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds for each run")
    ap.add_argument("--budget", type=float, default=1300.0, help="seconds for the whole test")
    ap.add_argument("--workdir", default=None)
    opts = ap.parse_args()

    name = "debian_login"
    image = os.path.join(opts.guest_dir, "rootfs.img")
    for f in (FW, os.path.join(opts.guest_dir, "Image"),
              os.path.join(opts.guest_dir, "initrd.img"), image):
        if not os.path.exists(f):
            print("%s: FAIL: %s is missing" % (name, f))
            return 1
    try:
        with open(os.path.join(opts.guest_dir, "image.packages")) as f:
            kernel = [l.strip() for l in f if l.startswith("linux-image-") and l[12].isdigit()]
        print("kernel: %s" % ", ".join(kernel))
    except OSError:
        pass
    workdir = opts.workdir or tempfile.mkdtemp(prefix="rrsim-%s-" % name)
    with open(SCRIPT) as f:
        steps = console.parse_script(f.read(), {"DELAY": opts.delay, "BOOT": opts.boot_timeout})
    rrsim = [opts.rrsim] + machine_args(opts.guest_dir)
    console._exit_on_sigterm()
    test = console.GuestTest(name, workdir, rrsim, None, steps, [], check,
                             opts.timeout, opts.budget)
    print("rrsim: %s" % " ".join(rrsim), flush=True)
    before = image_state(image)
    if opts.mode == "boot":
        if test.session("rrsim", rrsim + ["-nographic", "-d", "summary"]):
            print("summary: %s" % console._summary(test.path("rrsim.err")))
    else:
        why = test.rr_supported()
        if why:
            print("%s: FAIL: %s" % (name, why))
            return 1
        log = test.record_replay("rr", opts.icount)
        if log:
            for p in check(console.console_lines(log)):
                test.problem("rr-record: %s" % p)
    if image_state(image) != before:
        test.problem("%s was written (size or modification time changed)" % image)
    test.print_timings()
    status = test.result()
    if status == 0 and opts.mode == "replay":
        # The periodic snapshots of a 1 GiB machine run to hundreds of MB:
        # once the replay has matched they are of no further use.
        for leaf in ("rr.rr.snap", "rr.rr.snap-lock"):
            try:
                os.remove(test.path(leaf))
            except OSError:
                pass
    return status


if __name__ == "__main__":
    sys.exit(main())
