#!/usr/bin/env bash
# Build the Linux test guest: a Linux 6.1 RISC-V kernel Image from Debian's
# linux-source-6.1 with a small configuration (guests/linux/rrsim.config on
# top of tinyconfig), and an initramfs holding a static /init
# (guests/linux/init.c), to be passed with -kernel and -initrd.
#
#   ci/build-linux.sh [OUTDIR]      default OUTDIR: build/guests/linux
#
# Results in OUTDIR: Image, initrd.cpio, init (unstripped), kernel.config.
# Everything is cached in OUTDIR: the source tree is unpacked once per
# linux-source-6.1 version, and the kernel and the initramfs are each rebuilt
# only when one of their inputs (the fragment, the /init source, the cpio
# list, this script) is newer than the result.
# JOBS (default 2) sets the parallelism of the kernel build.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$here/build/guests/linux"}
guest="$here/guests/linux"
self="$here/ci/build-linux.sh"
jobs=${JOBS:-2}

"$here/ci/setup.sh" build-essential bc bison flex xz-utils \
  linux-source-6.1 gcc-riscv64-linux-gnu libc6-dev-riscv64-cross

mkdir -p "$out"
out=$(cd "$out" && pwd)
src="$out/linux-source-6.1"
obj="$out/kbuild"
tarball=/usr/src/linux-source-6.1.tar.xz
cross=riscv64-linux-gnu-

# shellcheck source=ci/cache.sh
. "$here/ci/cache.sh"

# Unpack once per package version; a new version also discards the objects.
version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
if [ "$(cat "$src/.rrsim-unpacked" 2>/dev/null)" != "$version" ]; then
  echo "build-linux: unpacking linux-source-6.1 $version"
  rm -rf "$src" "$obj" "$out/Image"
  tar -C "$out" -xJf "$tarball"
  echo "$version" > "$src/.rrsim-unpacked"
fi

# Reproducible kernel: the version banner carries these instead of the
# build host's name and clock.
export KBUILD_BUILD_TIMESTAMP="Thu Jan  1 00:00:00 UTC 2026"
export KBUILD_BUILD_USER=rrsim KBUILD_BUILD_HOST=rrsim KBUILD_BUILD_VERSION=1
kmake=(make --no-print-directory -C "$src" O="$obj" ARCH=riscv CROSS_COMPILE="$cross")

if newer_than "$out/Image" "$guest/rrsim.config" "$self" "$src/.rrsim-unpacked"; then
  echo "build-linux: kernel Image is up to date"
else
  start=$(date +%s)
  mkdir -p "$obj"
  # tinyconfig plus the fragment, as one allnoconfig run with all of them
  # as KCONFIG_ALLCONFIG: symbols that the fragment makes visible (EFI,
  # RTC_HCTOSYS, ...) then default to off, as in tinyconfig, instead of to
  # their Kconfig defaults.  The kernel's fragments name some x86-only
  # symbols, so merge_config's own report is only kept in a log.
  (cd "$src" && ARCH=riscv CROSS_COMPILE="$cross" scripts/kconfig/merge_config.sh -n -O "$obj" \
     kernel/configs/tiny-base.config kernel/configs/tiny.config "$guest/rrsim.config") \
    > "$out/merge_config.log"
  "${kmake[@]}" -s olddefconfig

  # A symbol whose dependencies are not met is silently dropped by Kconfig:
  # insist that every setting of the fragment survived.
  bad=0
  while IFS= read -r line; do
    case "$line" in CONFIG_*=*) ;; *) continue ;; esac
    if ! grep -qxF -- "$line" "$obj/.config"; then
      echo "build-linux: $line did not survive olddefconfig" >&2
      bad=1
    fi
  done < "$guest/rrsim.config"
  [ "$bad" -eq 0 ] || exit 1

  nice "${kmake[@]}" -j"$jobs" Image
  cp "$obj/arch/riscv/boot/Image" "$out/Image.tmp"
  mv "$out/Image.tmp" "$out/Image"
  cp "$obj/.config" "$out/kernel.config"
  echo "build-linux: kernel built in $(($(date +%s) - start)) s"
fi

if newer_than "$out/initrd.cpio" "$guest/init.c" "$guest/initramfs.list" "$self"; then
  echo "build-linux: initrd.cpio is up to date"
else
  # -g: the unstripped init is what gdb reads (docs/guide.md); the
  # initramfs gets the stripped copy.
  ${cross}gcc -static -O2 -g -ffile-prefix-map="$here"/= -Wall -Wextra -Werror \
      -o "$out/init" "$guest/init.c" -lm
  ${cross}strip -o "$out/init.stripped" "$out/init"
  gcc -O2 -o "$out/gen_init_cpio" "$src/usr/gen_init_cpio.c"
  sed "s|@INIT@|$out/init.stripped|" "$guest/initramfs.list" > "$out/initramfs.list"
  # Fixed timestamps make the archive, and so the guest, reproducible:
  # -t covers directories and nodes, files keep their own mtime.
  touch -d @0 "$out/init.stripped"
  "$out/gen_init_cpio" -t 0 "$out/initramfs.list" > "$out/initrd.cpio.tmp"
  mv "$out/initrd.cpio.tmp" "$out/initrd.cpio"
  echo "build-linux: initrd.cpio built"
fi

ls -l "$out/Image" "$out/initrd.cpio"
