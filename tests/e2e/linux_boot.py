#!/usr/bin/env python3
"""The Linux test guest (guests/linux) on the virt board, driven by hand.

OpenSBI (fw_jump) starts Linux 6.1 with the initramfs; /init asks for a
line, which is typed once the prompt is there (linux_boot.txt), echoes it,
prints floating point results and powers off.  The session runs on rrsim and
on QEMU and the two consoles must agree line for line except for the masks
below, and /init's output must be guests/linux/expected-init.txt; or
(--mode replay / replay-load) a session is recorded on rrsim and replayed
with no input.  A missing firmware, guest image,
QEMU, or record/replay in this rrsim fails the test.

    linux_boot.py --rrsim BUILD/rrsim --guest-dir BUILD/guests/linux
                  [--mode compare|replay|replay-load] [--runs N] [--workdir DIR]
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import console  # noqa: E402

FW = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"
# --firmware dynamic: the default firmware of both simulators (no -bios).
FW_DYNAMIC = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
APPEND = "console=ttyS0 loglevel=6"
SCRIPT = os.path.join(HERE, "linux_boot.txt")
EXPECTED_INIT = os.path.join(HERE, "..", "..", "guests", "linux", "expected-init.txt")

MASKS = [
    # /init prints the goldfish RTC, which both simulators take from the
    # host clock (rrsim through its journal).  Nothing else is masked: the
    # OpenSBI banner, the kernel messages and the echo of the typed line
    # (typed while the guest waits at its prompt) must match.
    (r"rtc: .*", "rtc: <host time>", "host time: the goldfish RTC reads the host clock"),
    # --smp: fw_jump makes the first hart to arrive the boot hart; QEMU's
    # harts run in parallel, so on QEMU that is any of them (rrsim: hart 0).
    (r"(Domain0 Boot HART|Boot HART ID)( *): [0-9]+", r"\1\2: <lottery>",
     "OpenSBI's boot-hart lottery (several harts)"),
]


# What Linux 6.1's /proc/cpuinfo says about the default hart: it names the
# extensions it knows (Sstc, Svpbmt, Svinval, Zicbom, Zihintpause, Sscofpmf).
DEFAULT_ISA = "rv64imafdc_sstc_zihintpause"


def check_init(lines, opts):
    """/init's part of the console, RTC masked, against expected-init.txt
    with @ISA@ standing for --expect-isa."""
    try:
        start = lines.index("rrsim linux guest: init started (pid 1)")
        end = lines.index("init: done", start)
    except ValueError:
        return ["/init output incomplete"]
    got = console.apply_masks(lines[start:end + 1], MASKS)
    with open(EXPECTED_INIT) as f:
        want = f.read().replace("@ISA@", opts.expect_isa).replace("@HARTS@", str(opts.smp))
        want = want.splitlines()
    if got != want:
        return ["/init output differs from guests/linux/expected-init.txt:\n"
                + console.diff_lines(want, got, "expected-init.txt", "console")]
    return []


def guest_dir(opts):
    return opts.guest_dir or os.path.join(HERE, "..", "..", "build", "guests", "linux")


def build_argv(opts):
    d = guest_dir(opts)
    bios = ["-bios", FW] if opts.firmware == "jump" else []
    boot = ["-M", "virt"] + bios + ["-kernel", os.path.join(d, "Image"),
            "-initrd", os.path.join(d, "initrd.cpio"), "-append", APPEND]
    cpu = ["-cpu", opts.qemu_cpu] if opts.qemu_cpu else []
    rcpu = ["-cpu", opts.cpu] if opts.cpu else []
    if opts.smp != 1:
        cpu += ["-smp", str(opts.smp)]
        rcpu += ["-smp", str(opts.smp)]
    return [opts.rrsim] + boot[:2] + rcpu + boot[2:], [opts.qemu] + boot[:2] + cpu + boot[2:]


def extra_args(ap):
    ap.add_argument("--expect-isa", default=DEFAULT_ISA,
                    help="the isa line /proc/cpuinfo must show (default %(default)s)")
    ap.add_argument("--firmware", choices=("jump", "dynamic"), default="jump",
                    help="OpenSBI fw_jump (-bios) or the default fw_dynamic")
    ap.add_argument("--smp", type=int, default=1,
                    help="harts (-smp) on both simulators; /proc/cpuinfo must list as many")


def required(opts):
    d = guest_dir(opts)
    return (FW if opts.firmware == "jump" else FW_DYNAMIC, os.path.join(d, "Image"),
            os.path.join(d, "initrd.cpio"))


if __name__ == "__main__":
    sys.exit(console.guest_test_main(
        "linux_boot", __doc__.splitlines()[0], build_argv, MASKS, SCRIPT, {},
        check=check_init, required=required, extra_args=extra_args))
