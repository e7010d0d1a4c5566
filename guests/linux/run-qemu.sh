#!/usr/bin/env bash
# Reference boot of the Linux test guest on QEMU's virt board: OpenSBI
# (fw_jump) -> Linux Image -> /init from initrd.cpio, which reads one typed
# line and powers the machine off.  Checks the console output and that QEMU
# exits with status 0 (sifive_test "pass", written by OpenSBI on SBI SRST
# shutdown).
#
#   guests/linux/run-qemu.sh [OUTDIR]     default OUTDIR: build/guests/linux
#
# OUTDIR is where ci/build-linux.sh put Image and initrd.cpio.  The console
# log is left in OUTDIR/qemu-console.log.  Environment:
#   TIMEOUT  seconds before the boot counts as hung (default 120)
#   APPEND   kernel command line (default below; add "earlycon" to see
#            kernel messages from before the 8250 driver probes)
#   QEMU_ARGS  extra QEMU arguments, e.g. "-cpu rv64,h=false,sstc=false"
#            to boot on the same ISA as a plain RV64GC model
#
# The line is typed only once /init has asked for it: bytes sent earlier
# would be lost when the 8250 driver resets the UART FIFOs during probe.
# The init part of the output (rtc line masked) must match
# guests/linux/expected-init.txt exactly, so the same file can check a run
# of the guest on another machine model.
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-"$here/build/guests/linux"}
timeout_s=${TIMEOUT:-120}
append=${APPEND:-"console=ttyS0 loglevel=6"}
fw=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
input="hello rrsim"
expected="$here/guests/linux/expected-init.txt"
read -r -a extra_args <<<"${QEMU_ARGS:-}"

for f in "$out/Image" "$out/initrd.cpio" "$fw"; do
  [ -e "$f" ] || { echo "run-qemu: missing $f (run ci/build-linux.sh)" >&2; exit 1; }
done

tmp=$(mktemp -d)
qemu_pid=""
cleanup() {
  if [ -n "$qemu_pid" ]; then kill "$qemu_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

log="$out/qemu-console.log"
: >"$log"   # the prompt is looked for in it: no stale one from a previous run
mkfifo "$tmp/stdin"
# Held open read-write so QEMU never sees end of file on its console input.
exec {console_in}<>"$tmp/stdin"

start=$(date +%s%N)
timeout "$timeout_s" qemu-system-riscv64 -M virt -m 128M -smp 1 \
  -display none -monitor none -serial stdio \
  -bios "$fw" -kernel "$out/Image" -initrd "$out/initrd.cpio" \
  -append "$append" "${extra_args[@]}" <"$tmp/stdin" >"$log" 2>&1 &
qemu_pid=$!

prompt_ms=""
while kill -0 "$qemu_pid" 2>/dev/null; do
  if grep -q "init: type a line" "$log"; then
    prompt_ms=$((($(date +%s%N) - start) / 1000000))
    printf '%s\n' "$input" >&"$console_in"
    break
  fi
  sleep 0.05
done

status=0
wait "$qemu_pid" || status=$?
qemu_pid=""
total_ms=$((($(date +%s%N) - start) / 1000000))
exec {console_in}>&-

tr -d '\r' <"$log" >"$tmp/console.txt"
echo "----- console output -----"
cat "$tmp/console.txt"
echo "--------------------------"

fail=0
if [ "$status" -ne 0 ]; then
  if [ "$status" -eq 124 ]; then
    echo "run-qemu: FAIL: no power-off within ${timeout_s} s" >&2
  else
    echo "run-qemu: FAIL: QEMU exited with status $status" >&2
  fi
  fail=1
fi
for want in "rrsim linux guest: init started" "^rtc: " "got: $input" "^fp: pi~" "^init: done"; do
  if ! grep -q -- "$want" "$tmp/console.txt"; then
    echo "run-qemu: FAIL: console output lacks '$want'" >&2
    fail=1
  fi
done
sed -n '/^rrsim linux guest: init started/,/^init: done$/p' "$tmp/console.txt" |
  sed 's/^rtc: .*/rtc: <host time>/' >"$tmp/init.txt"
if ! diff -u "$expected" "$tmp/init.txt" >&2; then
  echo "run-qemu: FAIL: /init output differs from $expected" >&2
  fail=1
fi

echo "run-qemu: prompt after ${prompt_ms:-?} ms, power-off after $total_ms ms"
if [ "$fail" -ne 0 ]; then exit 1; fi
echo "run-qemu: PASS"
