#!/bin/sh
# Figures for machine snapshots (hw/machine_snap) with real guests:
#  - snapshot of a 128 MiB guest that dirtied few pages, and restore (U-Boot);
#  - periodic snapshots during a Linux boot: bytes added per snapshot, and the
#    record and replay overhead;
#  - latency of machine_seek(N-1), (N-2), ... at N = 1e9 steps into a recording
#    of U-Boot idling at its prompt.
# usage: bench/snapshot_machine.sh BUILD_DIR [PERIOD_STEPS]
set -eu
B=${1:?build dir}
PERIOD=${2:-10000000}
SNAPCHECK=$B/hw/snapcheck
FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
UBOOT=/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf
L=$B/guests/linux
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "== U-Boot: snapshot and restore (128 MiB)"
"$SNAPCHECK" restore --bios "$FW" --kernel "$UBOOT" --x 50e6 --y 100e6 --dir "$tmp"
if [ -r "$L/Image" ]; then
    echo "== Linux boot: periodic snapshots every $PERIOD steps"
    "$SNAPCHECK" periodbench --bios "$FW" --kernel "$L/Image" --initrd "$L/initrd.cpio" \
        --append "console=ttyS0 loglevel=6" --end 1.5e9 --period "$PERIOD" --dir "$tmp"
else
    echo "== no Linux guest in $L (ci/build-linux.sh $L): periodic figures skipped"
fi
echo "== U-Boot idling: seeks at 1e9 steps"
"$SNAPCHECK" seekbench --bios "$FW" --kernel "$UBOOT" --y 1e9 --end 1.01e9 --period "$PERIOD" --dir "$tmp"
