#!/usr/bin/env bash
# Install everything rrsim needs to build, test and run its bundled guests on
# Debian 12. Idempotent: apt is only touched when a package is missing.
#   ci/setup.sh           the packages below
#   ci/setup.sh PKG...    just these (other ci/ scripts use this for their extras)
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libzstd-dev liblmdb-dev libfdt-dev libcmocka-dev libxxhash-dev
  libslirp-dev libglib2.0-dev
  gcc-riscv64-unknown-elf device-tree-compiler
  qemu-system-misc opensbi u-boot-qemu gdb-multiarch
  clang libclang-rt-14-dev
  python3
)
if (($#)); then
  PACKAGES=("$@")
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "$(basename "$0"): installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
