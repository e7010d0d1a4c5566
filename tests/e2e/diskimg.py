#!/usr/bin/env python3
"""Disk images for the guest tests, made on the spot from a directory tree:
nothing is downloaded and nothing needs root.

    ext4_image(path, tree, size_mib)     mkfs.ext4 -d, reproducible (fixed
                                         UUID, hash seed and clock)
    partitioned(path, fs_image)          an MBR disk with fs_image as its one
                                         Linux partition at 1 MiB
    pattern(n, seed)                     n deterministic pseudo-random bytes
    fnv1a(data)                          the checksum the Linux guest prints
    file_hash(path)                      sha256 of a file (base image checks)

The same inputs give the same image bytes, so a console that prints what the
guest read from a disk can be compared with a fixed expectation.
"""
import hashlib
import os
import shutil
import struct
import subprocess

MKFS = shutil.which("mkfs.ext4") or "/usr/sbin/mkfs.ext4"
DEBUGFS = shutil.which("debugfs") or "/usr/sbin/debugfs"
E2FSCK = shutil.which("e2fsck") or "/usr/sbin/e2fsck"
FIXED_UUID = "6c1c9c3e-6f1b-4c7e-9a55-0d6f3e2b1a11"
FIXED_TIME = "1700000000"


class DiskImageError(Exception):
    pass


def pattern(n, seed=1):
    """n bytes of an xorshift64 stream: the same bytes for the same seed."""
    out = bytearray(n)
    x = (seed * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF or 1
    for i in range(0, n, 8):
        x ^= (x << 13) & 0xFFFFFFFFFFFFFFFF
        x ^= x >> 7
        x ^= (x << 17) & 0xFFFFFFFFFFFFFFFF
        out[i:i + 8] = struct.pack("<Q", x)[:min(8, n - i)]
    return bytes(out)


def fnv1a(data, h=0xCBF29CE484222325):
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def file_hash(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fix_times(tree):
    """mkfs.ext4 -d copies modification times: make them all the same."""
    t = int(FIXED_TIME)
    for root, dirs, files in os.walk(tree):
        for name in dirs + files:
            os.utime(os.path.join(root, name), (t, t), follow_symlinks=False)
    os.utime(tree, (t, t))


def ext4_image(path, tree, size_mib, block_size=4096):
    """An ext4 file system of size_mib MiB holding the files under tree."""
    _fix_times(tree)
    if os.path.exists(path):
        os.unlink(path)
    env = dict(os.environ, E2FSPROGS_FAKE_TIME=FIXED_TIME)
    cmd = [MKFS, "-q", "-F", "-b", str(block_size), "-U", FIXED_UUID,
           "-E", "hash_seed=%s,root_owner=0:0,lazy_itable_init=0,lazy_journal_init=0" % FIXED_UUID,
           "-d", tree, path, "%dM" % size_mib]
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise DiskImageError("%s failed: %s" % (" ".join(cmd), r.stdout.decode(errors="replace")))


def partitioned(path, fs_image, start=2048, disk_id=0x12345678):
    """A disk with an MBR: one Linux partition (type 0x83) holding fs_image
    from sector `start`; CHS fields say "use LBA", as fdisk writes them."""
    with open(fs_image, "rb") as f:
        fs = f.read()
    if len(fs) % 512:
        raise DiskImageError("%s is not a whole number of sectors" % fs_image)
    mbr = bytearray(512)
    struct.pack_into("<I", mbr, 440, disk_id)
    entry = bytes([0x00, 0xFE, 0xFF, 0xFF, 0x83, 0xFE, 0xFF, 0xFF]) + \
        struct.pack("<II", start, len(fs) // 512)
    mbr[446:462] = entry
    mbr[510:512] = b"\x55\xaa"
    with open(path, "wb") as f:
        f.write(mbr)
        f.write(bytes(start * 512 - 512))
        f.write(fs)


def debugfs_cat(image, path):
    """A file's content read straight from an ext4 image (None if absent)."""
    r = subprocess.run([DEBUGFS, "-R", "cat " + path, image], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode != 0 or b"File not found" in r.stderr:
        return None
    return r.stdout


def fsck_clean(image):
    """(clean?, report) of e2fsck -fn on an image (never modifies it)."""
    r = subprocess.run([E2FSCK, "-fn", image], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return r.returncode == 0, r.stdout.decode(errors="replace")
