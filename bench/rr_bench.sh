#!/bin/bash
# Record/replay figures for rrsim and QEMU, side by side in one run: the
# U-Boot session and the cpu_bench guest in normal mode, -icount rr=record
# and rr=replay; speed ratios to normal mode, journal sizes and bytes per
# second of guest time.  See bench/rr_bench.py for the method.
#
# usage: rr_bench.sh BUILD_DIR      (QEMU: $QEMU, default qemu-system-riscv64)
# Not part of ctest: it takes a few minutes and its figures depend on the host.
set -u
if [ $# -ne 1 ]; then
    echo "usage: rr_bench.sh BUILD_DIR" >&2
    exit 2
fi
exec python3 "$(dirname "$0")/rr_bench.py" "$1"
