#!/usr/bin/env bash
# Build a small Debian 13 (trixie) riscv64 system that boots to a login
# prompt on the serial console from a virtio-blk disk.
#
#   ci/debian-image.sh [OUTDIR]      default OUTDIR: build/guests/debian-rootfs
#
# Results in OUTDIR: rootfs.img (raw ext4, the whole root file system),
# Image (the system's own kernel as the flat image -kernel loads),
# initrd.img (its initramfs-tools initrd, which carries virtio_mmio,
# virtio_blk and ext4: the kernel has them as modules), image.packages
# (the versions of the packages installed) and image.stamp.
#
# mmdebstrap installs the variant minbase plus the kernel, initramfs-tools
# and systemd from the Debian mirror this machine's apt already uses (as
# ci/debian-kernel.sh finds it); the riscv64 maintainer scripts run under
# qemu-user-static through binfmt_misc.  root's password is "root"; the
# serial getty on ttyS0 is systemd's own (console=ttyS0 on the command line).
# Network, timers and services a console login does not need are left out.
#
# Built once: when the results are there and image.stamp holds the hash of
# this script, nothing is done.  REFRESH=1 builds anew (a newer kernel or
# packages from the mirror).  DEBIAN_MIRROR=URL overrides the mirror.
# Needs root (mmdebstrap's root mode, binfmt_misc, ownership in the image);
# sudo is used when not root.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$here/build/guests/debian-rootfs"}
self="$here/ci/debian-image.sh"
suite=trixie
password=root
hostname=rrsim-debian

"$here/ci/setup.sh" mmdebstrap arch-test qemu-user-static binfmt-support debian-archive-keyring \
    e2fsprogs python3

mkdir -p "$out"
out=$(cd "$out" && pwd)
stamp=$(sha256sum "$self" | cut -d' ' -f1)

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

if [ -z "${REFRESH:-}" ] && [ "$(cat "$out/image.stamp" 2>/dev/null)" = "$stamp" ] &&
   [ -e "$out/rootfs.img" ] && [ -e "$out/Image" ] && [ -e "$out/initrd.img" ]; then
  echo "debian-image: rootfs.img is up to date ($(grep -m1 '^linux-image-[0-9]' "$out/image.packages" || true));" \
       "REFRESH=1 builds it anew"
  exit 0
fi
start=$(date +%s)

# The mirror the machine's apt fetches Debian itself from.
host_mirror() {
  local site
  site=$(apt-get indextargets --format '$(SITE)' 'Identifier: Packages' 2>/dev/null |
         grep -m1 -E '/debian/?$' || true)
  echo "${site:-http://deb.debian.org/debian}"
}
mirror=${DEBIAN_MIRROR:-$(host_mirror)}

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
if [ ! -e /usr/share/keyrings/debian-archive-trixie-stable.gpg ]; then
  echo "debian-image: the archive keyring has no trixie keys: upgrading debian-archive-keyring"
  $sudo apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --only-upgrade debian-archive-keyring
  if [ ! -e /usr/share/keyrings/debian-archive-trixie-stable.gpg ]; then
    echo "debian-image: debian-archive-keyring has no trixie keys" >&2
    exit 1
  fi
fi

# riscv64 programs run in the chroot through qemu-user-static, which
# binfmt_misc must know (with the F flag, so the chroot needs no copy of
# the interpreter).
binfmt=/proc/sys/fs/binfmt_misc
if [ ! -e "$binfmt/register" ]; then
  echo "debian-image: mounting binfmt_misc on $binfmt"
  if ! $sudo mount -t binfmt_misc binfmt_misc "$binfmt"; then
    echo "debian-image: binfmt_misc is not mounted on $binfmt and cannot be mounted here;" \
         "riscv64 maintainer scripts cannot run (mount it, or run where it is)" >&2
    exit 1
  fi
fi
if [ ! -e "$binfmt/qemu-riscv64" ]; then
  $sudo update-binfmts --enable qemu-riscv64 || true
fi
if ! grep -qx enabled "$binfmt/qemu-riscv64" 2>/dev/null; then
  echo "debian-image: no enabled qemu-riscv64 handler in $binfmt (package qemu-user-static)" >&2
  exit 1
fi

root="$out/root"
$sudo rm -rf "$root"
rm -f "$out/rootfs.img.tmp" "$out/image.stamp"

# Units a console login on a simulator does without: clocks from the
# network, periodic maintenance, and the like.
masked="apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service
        fstrim.timer dpkg-db-backup.timer systemd-timesyncd.service
        systemd-networkd-wait-online.service getty-static.service"

# Hooks run on the host with the root directory as $1, the chroot ready.
customize=$(cat <<EOF
set -e
echo "root:$password" | chroot "\$1" chpasswd
echo $hostname > "\$1/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t$hostname\n' > "\$1/etc/hosts"
printf '/dev/vda\t/\text4\trw,errors=remount-ro\t0\t0\n' > "\$1/etc/fstab"
for u in $(echo $masked); do ln -sf /dev/null "\$1/etc/systemd/system/\$u"; done
chroot "\$1" dpkg-query -W -f='\${Package} \${Version}\n' > "\$1/root/image.packages"
# The kernel has these as modules: without them in the initrd there is no
# root file system.
chroot "\$1" sh -c 'lsinitramfs /boot/initrd.img-*' > "\$1/root/initrd.list"
EOF
)

echo "debian-image: mmdebstrap $suite riscv64 from $mirror"
$sudo env SOURCE_DATE_EPOCH=1735689600 mmdebstrap --mode=root --arch=riscv64 --variant=minbase \
  --keyring="$keyring" \
  --include=linux-image-riscv64,initramfs-tools,zstd,systemd-sysv,udev,login,passwd \
  --aptopt='Acquire::Languages "none"' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --customize-hook="$customize" \
  "$suite" "$root" "deb $mirror $suite main"

for m in virtio_mmio virtio_blk ext4; do
  if ! grep -q "/$m\.ko" "$root/root/initrd.list"; then
    echo "debian-image: the initrd has no $m module" >&2
    exit 1
  fi
done
$sudo mv "$root/root/image.packages" "$out/image.packages.tmp"
$sudo rm -f "$root/root/initrd.list"

# The kernel: Debian ships the riscv64 kernel as the flat Image; a gzip
# vmlinuz would be unpacked; anything else is refused.
image=$(ls "$root"/boot/vmlinu*-riscv64 | head -n1)
if [ "$(head -c2 "$image" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
  gzip -dc "$image" > "$out/Image.tmp"
else
  cp "$image" "$out/Image.tmp"
fi
# The RISC-V Image header: "RISCV\0\0\0" at 48, "RSC\x05" at 56.
if [ "$(od -An -j48 -N12 -tx1 "$out/Image.tmp" | tr -d ' \n')" != 524953435600000052534305 ]; then
  echo "debian-image: $(basename "$image") is not a RISC-V kernel Image" >&2
  exit 1
fi
cp "$(ls "$root"/boot/initrd.img-*-riscv64 | head -n1)" "$out/initrd.img.tmp"

# The file system: the content plus a quarter and 64 MiB to spare (logs,
# the guest's own writes); fixed UUID and hash seed so the same tree makes
# the same image.
mib=$(( $($sudo du -sm --apparent-size "$root" | cut -f1) * 5 / 4 + 64 ))
$sudo env E2FSPROGS_FAKE_TIME=1735689600 mkfs.ext4 -q -F -L root \
  -U 2f0e5c62-6a0a-4c7e-9a57-1d1f0e5c6a0a -E hash_seed=7c1c9a4e-0d8e-4f1b-8e3a-5b6c7d8e9f00 \
  -d "$root" "$out/rootfs.img.tmp" "${mib}M"
$sudo rm -rf "$root"
if [ -n "$sudo" ]; then
  $sudo chown "$(id -u):$(id -g)" "$out"/*.tmp
fi
mv "$out/Image.tmp" "$out/Image"
mv "$out/initrd.img.tmp" "$out/initrd.img"
mv "$out/rootfs.img.tmp" "$out/rootfs.img"
mv "$out/image.packages.tmp" "$out/image.packages"
echo "$stamp" > "$out/image.stamp"
echo "debian-image: built in $(( $(date +%s) - start )) s:" \
     "$(grep -m1 '^linux-image-[0-9]' "$out/image.packages")"
ls -l "$out/Image" "$out/initrd.img" "$out/rootfs.img"
