#!/bin/sh
# Debian's OpenSBI (fw_jump) + U-Boot (S-mode) on rrsim: reach the "=>" prompt,
# type "poweroff", and expect rrsim to exit 0.
# usage: run_uboot.sh RRSIM [FIRMWARE|default [UBOOT]]   (fails if they are not installed)
# FIRMWARE "default" passes no -bios (rrsim then loads OpenSBI fw_dynamic).
# With RESET=1, "reset" is typed first and the second boot must reach the prompt too.
set -u
RRSIM=$1
FW=${2:-/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin}
UBOOT=${3:-/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf}
TIMEOUT=${TIMEOUT:-240}
BIOS="-bios $FW"
if [ "$FW" = default ]; then
    BIOS=
    FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
fi
[ -r "$FW" ] && [ -r "$UBOOT" ] || { echo "FAIL: $FW or $UBOOT missing (opensbi, u-boot-qemu)"; exit 1; }
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
mkfifo "$tmp/con.in" "$tmp/con.out"

# shellcheck disable=SC2086
"$RRSIM" -M virt $BIOS -kernel "$UBOOT" -nographic -serial pipe:"$tmp/con" \
    -d summary </dev/null >/dev/null 2>"$tmp/err" &
pid=$!
cat "$tmp/con.out" >"$tmp/console" &

# Type only once the N-th prompt is on the console, so host speed does not matter.
wait_prompt() {
    i=0
    until [ "$(grep -c '^=> ' "$tmp/console" 2>/dev/null)" -ge "$1" ]; do
        i=$((i + 1))
        if [ $i -gt $((TIMEOUT * 10)) ] || ! kill -0 "$pid" 2>/dev/null; then
            echo "FAIL: no U-Boot prompt ($1)"; cat "$tmp/console"; cat "$tmp/err"; exit 1
        fi
        sleep 0.1
    done
}
wait_prompt 1
if [ "${RESET:-0}" = 1 ]; then
    printf 'reset\r' >"$tmp/con.in"
    wait_prompt 2
    [ "$(grep -c 'OpenSBI v' "$tmp/console")" -ge 2 ] || { echo "FAIL: no second boot"; exit 1; }
fi
printf 'poweroff\r' >"$tmp/con.in"
wait "$pid"
status=$?
pid=
cat "$tmp/console"
cat "$tmp/err"
if [ $status != 0 ]; then
    echo "FAIL: rrsim exited $status after poweroff"; exit 1
fi
grep -q 'OpenSBI' "$tmp/console" && grep -q 'U-Boot' "$tmp/console" || {
    echo "FAIL: banners missing"; exit 1; }
echo "ok: OpenSBI + U-Boot prompt + poweroff"
