#!/usr/bin/env python3
"""OpenSBI (fw_jump) + U-Boot (S-mode) with a virtio-blk disk.

The disk is made here (diskimg.py: an MBR with one ext4 partition made by
mkfs.ext4 -d); U-Boot scans it, lists the partition and the file system,
loads a text file and a pseudo-random blob whose crc32 it checks, and dumps
the virtio-mmio registers and configuration space.  The session
(uboot_disk.txt) runs on rrsim and on QEMU and the consoles must agree line
for line except for the masks below; or (--mode replay / replay-load) it is
recorded on rrsim and replayed with no input, and the image must be the same
file, byte for byte, before and after.

    uboot_disk.py --rrsim BUILD/rrsim [--mode compare|replay|replay-load]
                  [--modern] [--runs N] [--workdir DIR]
"""
import os
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import console  # noqa: E402
import diskimg  # noqa: E402
import uboot_session  # noqa: E402

SCRIPT = os.path.join(HERE, "uboot_disk.txt")
BLOB = diskimg.pattern(300000, seed=7)

MASKS = uboot_session.MASKS + [
    # U-Boot times loads with its timer: host time on QEMU, and on rrsim
    # virtual time, in which a disk transfer takes no time.
    (r"(\d+ bytes read in) \d+ ms.*", r"\1 <time>",
     "how long a load took (host time on QEMU)"),
]


def make_disk(workdir):
    tree = os.path.join(workdir, "disk-tree")
    os.makedirs(os.path.join(tree, "boot"), exist_ok=True)
    with open(os.path.join(tree, "hello.txt"), "w") as f:
        f.write("hello from the disk\n")
    with open(os.path.join(tree, "boot", "blob.bin"), "wb") as f:
        f.write(BLOB)
    fs = os.path.join(workdir, "disk-fs.img")
    disk = os.path.join(workdir, "disk.img")
    diskimg.ext4_image(fs, tree, 8, block_size=1024)
    diskimg.partitioned(disk, fs)
    return disk


def build_argv(opts):
    disk = make_disk(opts.workdir)
    opts.disk = disk
    opts.disk_hash = diskimg.file_hash(disk)
    boot = ["-M", "virt", "-bios", uboot_session.FW, "-kernel", uboot_session.UBOOT,
            "-drive", "file=%s,format=raw,if=none,id=hd0" % disk,
            "-device", "virtio-blk-device,drive=hd0"]
    if opts.modern:
        boot += ["-global", "virtio-mmio.force-legacy=false"]
    cpu = ["-cpu", opts.qemu_cpu] if opts.qemu_cpu else []
    rcpu = ["-cpu", opts.cpu] if opts.cpu else []
    return [opts.rrsim] + boot[:2] + rcpu + boot[2:], [opts.qemu] + boot[:2] + cpu + boot[2:]


def main():
    opts_seen = {}

    def argv_and_remember(opts):
        opts_seen["opts"] = opts
        return build_argv(opts)

    status = console.guest_test_main(
        "uboot_disk", __doc__.splitlines()[0], argv_and_remember, MASKS, SCRIPT,
        {"CRC": "%08x" % zlib.crc32(BLOB)},
        required=(uboot_session.FW, uboot_session.UBOOT, diskimg.MKFS),
        extra_args=lambda ap: ap.add_argument(
            "--modern", action="store_true",
            help="the modern virtio-mmio layout (-global virtio-mmio.force-legacy=false)"))
    opts = opts_seen.get("opts")
    if opts is not None and opts.mode != "compare" and hasattr(opts, "disk"):
        # Record and replay never write the image.
        if diskimg.file_hash(opts.disk) != opts.disk_hash:
            print("uboot_disk: FAIL: the disk image changed during record/replay")
            return 1
        print("ok: the disk image is unchanged after record and replay")
    return status


if __name__ == "__main__":
    sys.exit(main())
