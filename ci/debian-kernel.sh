#!/usr/bin/env bash
# Fetch the riscv64 Linux kernel of Debian 13 (trixie) and build a one-program
# initramfs for it (guests/cpuinfo/init.c: print /proc/cpuinfo, power off),
# for booting a distribution kernel with -kernel and -initrd.
#
#   ci/debian-kernel.sh [OUTDIR]      default OUTDIR: build/guests/debian
#
# Results in OUTDIR: Image (the raw kernel image), kernel.config,
# kernel.package (the package and version it came from), initrd.cpio and
# init (unstripped).
#
# The kernel comes through apt from the Debian mirror this machine's apt
# already uses, with a configuration of its own under OUTDIR/apt (its own
# sources list, lists, cache and an empty dpkg status, removed once the
# kernel is there), so the machine's apt configuration, package lists and
# architectures are left alone.  The linux-image-riscv64 metapackage names
# the current kernel package; that one is downloaded and only its kernel
# image and configuration are unpacked.
# Once OUTDIR/Image is there, later runs do not touch the network; REFRESH=1
# asks the mirror again and takes a newer kernel if there is one.
# DEBIAN_MIRROR=URL overrides the mirror.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$here/build/guests/debian"}
self="$here/ci/debian-kernel.sh"
init_src="$here/guests/cpuinfo/init.c"
suite=trixie
cross=riscv64-linux-gnu-

"$here/ci/setup.sh" debian-archive-keyring gcc-riscv64-linux-gnu libc6-dev-riscv64-cross python3

mkdir -p "$out"
out=$(cd "$out" && pwd)

# shellcheck source=ci/cache.sh
. "$here/ci/cache.sh"

# The mirror the machine's apt fetches Debian itself from.
host_mirror() {
  local site
  site=$(apt-get indextargets --format '$(SITE)' 'Identifier: Packages' 2>/dev/null |
         grep -m1 -E '/debian/?$' || true)
  echo "${site:-http://deb.debian.org/debian}"
}

fetch_kernel() {
  local mirror apt_dir keyring conf pkg deb tmp image
  mirror=${DEBIAN_MIRROR:-$(host_mirror)}
  apt_dir="$out/apt"
  # Trixie's Release file is signed with trixie's keys, which Debian 12's
  # debian-archive-keyring carries from 2023.3+deb12u1 on: an older one is
  # brought up to date.
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  if [ ! -e /usr/share/keyrings/debian-archive-trixie-stable.gpg ]; then
    echo "debian-kernel: the archive keyring has no trixie keys: upgrading debian-archive-keyring"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -q
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --only-upgrade debian-archive-keyring
    if [ ! -e /usr/share/keyrings/debian-archive-trixie-stable.gpg ]; then
      echo "debian-kernel: debian-archive-keyring $(dpkg-query -W -f='${Version}' debian-archive-keyring)" \
           "has no trixie keys" >&2
      exit 1
    fi
  fi

  mkdir -p "$apt_dir/etc/apt.conf.d" "$apt_dir/etc/preferences.d" \
           "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
  : > "$apt_dir/status"
  echo "deb [arch=riscv64 signed-by=$keyring] $mirror $suite main" > "$apt_dir/etc/sources.list"
  conf="$apt_dir/apt.conf"
  cat > "$conf" <<EOF
Dir::Etc "$apt_dir/etc";
Dir::Etc::sourcelist "$apt_dir/etc/sources.list";
Dir::Etc::sourceparts "-";
Dir::Etc::parts "$apt_dir/etc/apt.conf.d";
Dir::Etc::preferencesparts "$apt_dir/etc/preferences.d";
Dir::State "$apt_dir";
Dir::State::lists "$apt_dir/lists";
Dir::State::status "$apt_dir/status";
Dir::Cache "$apt_dir/cache";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT::Architecture "riscv64";
APT::Architectures { "riscv64"; };
Acquire::Languages "none";
APT::Sandbox::User "root";
EOF
  local -x APT_CONFIG="$conf"

  echo "debian-kernel: package lists of $mirror $suite (riscv64)"
  apt-get -q update
  # The metapackage depends on exactly one versioned kernel package.
  pkg=$(apt-cache depends linux-image-riscv64 |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-riscv64\)$/\1/p' | head -n1)
  if [ -z "$pkg" ]; then
    echo "debian-kernel: linux-image-riscv64 names no kernel package" >&2
    apt-cache depends linux-image-riscv64 >&2 || true
    exit 1
  fi
  local version
  version=$(apt-cache show --no-all-versions "$pkg" | sed -n 's/^Version: //p')
  if [ "$(cat "$out/kernel.package" 2>/dev/null)" = "$pkg $version" ] && [ -e "$out/Image" ]; then
    echo "debian-kernel: $pkg $version is the current kernel"
    rm -rf "$apt_dir"
    return
  fi

  echo "debian-kernel: downloading $pkg $version"
  rm -f "$apt_dir/debs/"*.deb
  (cd "$apt_dir/debs" && apt-get -q download "$pkg")
  deb=$(ls "$apt_dir/debs/"*.deb)
  tmp="$out/unpack"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinu*' './boot/config-*'
  image=$(ls "$tmp"/boot/vmlinu*)
  # Debian ships the riscv64 kernel as the flat Image (an EFI-stub PE file
  # that is also the image -kernel loads); a gzip-compressed vmlinuz is
  # unpacked.  Anything else is refused rather than guessed at.
  if [ "$(head -c2 "$image" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
    gzip -dc "$image" > "$out/Image.tmp"
  else
    cp "$image" "$out/Image.tmp"
  fi
  # The RISC-V Image header: "RISCV\0\0\0" at 48, "RSC\x05" at 56.
  if [ "$(od -An -j48 -N12 -tx1 "$out/Image.tmp" | tr -d ' \n')" != 524953435600000052534305 ]; then
    echo "debian-kernel: $(basename "$image") from $pkg is not a RISC-V kernel Image" >&2
    exit 1
  fi
  mv "$out/Image.tmp" "$out/Image"
  cp "$tmp"/boot/config-* "$out/kernel.config"
  echo "$pkg $version" > "$out/kernel.package"
  # Only the Image is kept: the package is 100+ MB of modules, and the
  # package lists are fetched anew when REFRESH asks.
  rm -rf "$tmp" "$apt_dir"
}

if [ -e "$out/Image" ] && [ -e "$out/kernel.package" ] && [ -z "${REFRESH:-}" ]; then
  echo "debian-kernel: Image is there ($(cat "$out/kernel.package")); REFRESH=1 checks for a newer one"
else
  fetch_kernel
fi

if newer_than "$out/initrd.cpio" "$init_src" "$self"; then
  echo "debian-kernel: initrd.cpio is up to date"
else
  ${cross}gcc -static -O2 -Wall -Wextra -Werror -o "$out/init" "$init_src"
  ${cross}strip -o "$out/init.stripped" "$out/init"
  # An uncompressed newc archive with /dev/console (the kernel opens it
  # for /init's standard streams), /proc and /init, all with zero
  # timestamps and fixed inode numbers so the guest is reproducible.
  python3 - "$out/init.stripped" "$out/initrd.cpio.tmp" <<'EOF'
import sys

init_path, out_path = sys.argv[1], sys.argv[2]
with open(init_path, "rb") as f:
    init = f.read()
# (name, mode, rdev major, rdev minor, data)
entries = [
    ("dev", 0o040755, 0, 0, b""),
    ("dev/console", 0o020600, 5, 1, b""),
    ("proc", 0o040755, 0, 0, b""),
    ("init", 0o100755, 0, 0, init),
    ("TRAILER!!!", 0, 0, 0, b""),
]
buf = bytearray()
for ino, (name, mode, rmaj, rmin, data) in enumerate(entries, 1):
    trailer = name == "TRAILER!!!"
    nlink = 2 if mode & 0o040000 else 1
    fields = [0 if trailer else ino, mode, 0, 0, 0 if trailer else nlink, 0,
              len(data), 0, 0, rmaj, rmin, len(name) + 1, 0]
    buf += b"070701" + b"".join(b"%08x" % v for v in fields)
    buf += name.encode() + b"\0"
    buf += b"\0" * (-len(buf) % 4)
    buf += data
    buf += b"\0" * (-len(buf) % 4)
buf += b"\0" * (-len(buf) % 512)
with open(out_path, "wb") as f:
    f.write(buf)
EOF
  mv "$out/initrd.cpio.tmp" "$out/initrd.cpio"
  echo "debian-kernel: initrd.cpio built"
fi

ls -l "$out/Image" "$out/initrd.cpio"
