#!/bin/sh
# Machine snapshots and replay seeking with a real guest, through snapcheck
# (tests/e2e/snapcheck.c): snapshot at X, run to Y, restore X, run to Y again:
# the same state hash; record, replay, and a replay that seeks back and forth
# and then continues: the same states, final state and console output.
# usage: snap_e2e.sh SNAPCHECK uboot|linux [LINUX_DIR]   (a missing image fails)
set -u
SNAPCHECK=$1
GUEST=$2
FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case $GUEST in
uboot)
    UBOOT=/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf
    [ -r "$FW" ] && [ -r "$UBOOT" ] || { echo "FAIL: $FW or $UBOOT missing (opensbi, u-boot-qemu)"; exit 1; }
    set -- --bios "$FW" --kernel "$UBOOT"
    X=50e6 Y=100e6 END=150e6 ;;
linux)
    D=${3:?linux guest directory}
    [ -r "$FW" ] && [ -r "$D/Image" ] || { echo "FAIL: $FW or the Linux guest $D/Image missing"; exit 1; }
    set -- --bios "$FW" --kernel "$D/Image" --initrd "$D/initrd.cpio" \
        --append "console=ttyS0 loglevel=6"
    X=300e6 Y=600e6 END=800e6 ;;
*)
    echo "unknown guest $GUEST"; exit 2 ;;
esac
"$SNAPCHECK" restore "$@" --x $X --y $Y --dir "$tmp" || exit 1
"$SNAPCHECK" replay "$@" --x $X --y $Y --end $END --dir "$tmp" || exit 1
