#!/usr/bin/env python3
"""OpenSBI (fw_jump) + U-Boot (S-mode) on the virt board, driven by hand.

The session of uboot_session.txt (stop the autoboot, type version, printenv
and echo with host-timed gaps between the keys, power off) runs on rrsim and
on QEMU, and the two consoles must agree line for line except for the masks
below; or (--mode replay / replay-load) a session is recorded on rrsim and
replayed with no input.  A missing firmware, QEMU,
or record/replay in this rrsim fails the test.

    uboot_session.py --rrsim BUILD/rrsim [--mode compare|replay|replay-load]
                     [--runs N] [--workdir DIR]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import console  # noqa: E402

FW = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"
UBOOT = "/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf"
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "uboot_session.txt")

MASKS = [
    # Host time: the countdown shows the digits printed before the key
    # arrived, and the key is sent when the host sees the line.
    (r"Hit any key to stop autoboot:.*", "Hit any key to stop autoboot: <countdown>",
     "host time: how far the countdown got before the key arrived"),
    # U-Boot relocates the device tree below itself: its address depends on
    # the tree's size, and rrsim's tree also carries riscv,isa-base and
    # riscv,isa-extensions, which QEMU 7.2 does not write.
    (r"(Working FDT set to |fdt_addr=|fdtaddr=|fdtcontroladdr=)[0-9a-f]+", r"\1<fdt address>",
     "the device tree's size: rrsim adds riscv,isa-base/-extensions"),
]


def build_argv(opts):
    boot = ["-M", "virt", "-bios", FW, "-kernel", UBOOT]
    cpu = ["-cpu", opts.qemu_cpu] if opts.qemu_cpu else []
    rcpu = ["-cpu", opts.cpu] if opts.cpu else []
    return [opts.rrsim] + boot[:2] + rcpu + boot[2:], [opts.qemu] + boot[:2] + cpu + boot[2:]


if __name__ == "__main__":
    sys.exit(console.guest_test_main(
        "uboot_session", __doc__.splitlines()[0], build_argv, MASKS, SCRIPT, {},
        required=(FW, UBOOT)))
