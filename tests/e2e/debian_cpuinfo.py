#!/usr/bin/env python3
"""Debian 13's riscv64 kernel sees the hart's Sstc and Svpbmt, as on QEMU.

OpenSBI (fw_jump) starts the kernel of Debian's linux-image-riscv64 (Linux
6.12, fetched by ci/debian-kernel.sh) with a one-program initramfs
(guests/cpuinfo) that prints /proc/cpuinfo and powers off.  In compare mode
the boot runs on rrsim (-cpu rv64,svpbmt=on: Sstc is on by default) and on
QEMU (the same hart: rv64,h=false,svpbmt=on,pmu-num=0); the isa line of both
must name sstc and svpbmt, and rrsim's processor, hart, isa, mmu and hart isa
lines must equal QEMU's, with one difference allowed (see isa_difference).
In replay mode the boot is recorded on rrsim and replayed with stdin closed:
same console bytes, same steps and final state.  A missing kernel, firmware
or QEMU fails the test.

    debian_cpuinfo.py --rrsim BUILD/rrsim --guest-dir BUILD/guests/debian
                      [--mode compare|replay] [--workdir DIR]
"""
import argparse
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import console  # noqa: E402

FW = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"
APPEND = "console=ttyS0"
SCRIPT = os.path.join(HERE, "debian_cpuinfo.txt")
RRSIM_CPU = "rv64,svpbmt=on"
QEMU_CPU = "rv64,h=false,svpbmt=on,pmu-num=0"
WANT = ("sstc", "svpbmt")
COMPARED = ("processor", "hart", "isa", "mmu", "hart isa")
# Linux prints this when the cpu node has no riscv,isa-extensions and it
# parses the single riscv,isa string instead (QEMU 7.2's tree).
FALLBACK = 'Falling back to deprecated "riscv,isa"'


def cpuinfo(lines):
    """The key: value lines /init copied from /proc/cpuinfo, as a dict (one
    hart), or None when the block is not complete."""
    try:
        start = lines.index("init: cpuinfo begin")
        end = lines.index("init: cpuinfo end", start)
    except ValueError:
        return None
    info = {}
    for line in lines[start + 1:end]:
        m = re.fullmatch(r"([a-z ]+?)\s*: (.*)", line)
        if m:
            info[m.group(1)] = m.group(2)
    return info


def check(lines):
    """What every console must show: the cpuinfo block, and an isa line
    naming the extensions this test is about."""
    info = cpuinfo(lines)
    if info is None:
        return ["no complete /proc/cpuinfo on the console"]
    problems = []
    for key in COMPARED:
        if key not in info:
            problems.append("/proc/cpuinfo has no %r line" % key)
    exts = info.get("isa", "").split("_")[1:]
    for want in WANT:
        if want not in exts:
            problems.append("isa line %r does not name %s" % (info.get("isa"), want))
    if info.get("hart isa") != info.get("isa"):
        problems.append("hart isa %r is not isa %r" % (info.get("hart isa"), info.get("isa")))
    return problems


def isa_difference(rr, qemu, rr_lines, qemu_lines):
    """None when rrsim's isa value may differ from QEMU's this way, else why
    not.  The one difference allowed: QEMU 7.2's device tree has only
    riscv,isa, and from that legacy property Linux assumes Zicntr and Zihpm,
    as such old trees meant; rrsim's tree also has riscv,isa-extensions,
    which Linux takes as the exact list, and that names no zihpm (nor has
    QEMU's hart with pmu-num=0 any programmable counter).  Only that:
    QEMU's console says Linux fell back to riscv,isa, rrsim's does not, and
    the two lists are equal once zihpm is taken out of QEMU's."""
    q_exts = qemu.split("_")
    if "zihpm" not in q_exts:
        return "not the zihpm case"
    if FALLBACK not in "\n".join(qemu_lines) or FALLBACK in "\n".join(rr_lines):
        return "the zihpm case needs Linux to fall back to riscv,isa on QEMU only"
    if [e for e in q_exts if e != "zihpm"] != rr.split("_"):
        return "more than zihpm differs"
    return None


def compare(test, rr_log, qemu_log):
    rr_lines, q_lines = console.console_lines(rr_log), console.console_lines(qemu_log)
    rr, q = cpuinfo(rr_lines), cpuinfo(q_lines)
    if rr is None or q is None:
        return      # check() has said so
    print("/proc/cpuinfo (rrsim, then QEMU):")
    for key in COMPARED:
        print("  %-9s rrsim %s\n  %-9s QEMU  %s" % (key, rr.get(key), "", q.get(key)))
    for key in COMPARED:
        a, b = rr.get(key), q.get(key)
        if a == b:
            continue
        if key in ("isa", "hart isa") and a is not None and b is not None:
            why = isa_difference(a, b, rr_lines, q_lines)
            if why is None:
                print("ok: %s: QEMU's has zihpm, which Linux assumes from the legacy "
                      "riscv,isa only; otherwise equal" % key)
                continue
            test.problem("%s differs (%s):\n  rrsim: %s\n  QEMU:  %s" % (key, why, a, b))
            continue
        test.problem("%s differs:\n  rrsim: %s\n  QEMU:  %s" % (key, a, b))
    if not test.problems:
        print("ok: rrsim's /proc/cpuinfo agrees with QEMU's")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rrsim", required=True, help="rrsim executable")
    ap.add_argument("--qemu", default=os.environ.get("QEMU", "qemu-system-riscv64"))
    ap.add_argument("--guest-dir", required=True, help="ci/debian-kernel.sh's output")
    ap.add_argument("--mode", choices=("compare", "replay"), default="compare")
    ap.add_argument("--icount", default="shift=0,sleep=on",
                    help="replay: -icount options besides rr and rrfile")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds for each run")
    ap.add_argument("--budget", type=float, default=280.0, help="seconds for the whole test")
    ap.add_argument("--workdir", default=None)
    opts = ap.parse_args()

    name = "debian_cpuinfo"
    kernel = os.path.join(opts.guest_dir, "Image")
    initrd = os.path.join(opts.guest_dir, "initrd.cpio")
    for f in (FW, kernel, initrd):
        if not os.path.exists(f):
            print("%s: FAIL: %s is missing" % (name, f))
            return 1
    try:
        with open(os.path.join(opts.guest_dir, "kernel.package")) as f:
            print("kernel: %s" % f.read().strip())
    except OSError:
        pass
    workdir = opts.workdir or tempfile.mkdtemp(prefix="rrsim-%s-" % name)
    with open(SCRIPT) as f:
        steps = console.parse_script(f.read())
    boot = ["-M", "virt", "-bios", FW, "-kernel", kernel, "-initrd", initrd, "-append", APPEND]
    rrsim = [opts.rrsim, "-cpu", RRSIM_CPU] + boot
    qemu = [opts.qemu, "-cpu", QEMU_CPU] + boot
    console._exit_on_sigterm()
    test = console.GuestTest(name, workdir, rrsim, None, steps, [], check,
                             opts.timeout, opts.budget)
    print("rrsim: %s" % " ".join(rrsim))
    if opts.mode == "compare":
        if not console._which(qemu[0]):
            print("%s: FAIL: QEMU (%s) not found" % (name, qemu[0]))
            return 1
        print("qemu:  %s" % " ".join(qemu))
        r = test.session("rrsim", rrsim + ["-nographic", "-d", "summary"])
        q = test.session("qemu", qemu + ["-nographic"])
        if r:
            print("summary: %s" % console._summary(test.path("rrsim.err")))
        if r and q:
            compare(test, r, q)
    else:
        why = test.rr_supported()
        if why:
            print("%s: FAIL: %s" % (name, why))
            return 1
        log = test.record_replay("rr", opts.icount)
        if log:
            for p in check(console.console_lines(log)):
                test.problem("rr-record: %s" % p)
    test.print_timings()
    return test.result()


if __name__ == "__main__":
    sys.exit(main())
