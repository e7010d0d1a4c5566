#!/bin/sh
# A Linux guest's panic ends the run (the Linux test guest, guests/linux):
# /init exits on rrpanic=1, the kernel panics, its pvpanic driver tells
# -device pvpanic-mmio, and rrsim exits with 75 at once. Under -ci-record
# that leaves one pack, which replays to the same panic; without the device
# the panicked kernel just spins (here: until a step budget, 76, or a
# host-time budget, whose step the recording keeps for the replay).
# usage: run_linux_panic.sh RRSIM GUEST-DIR
set -u
RRSIM=$1
G=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
FAIL() { echo "FAIL: $*"; fail=1; }
boot="-kernel $G/Image -initrd $G/initrd.cpio -m 256M"
append="console=ttyS0 loglevel=6 rrpanic=1"

timeout 150 "$RRSIM" $boot -append "$append" -device pvpanic-mmio -ci-record "$tmp/ci" \
    -name panic </dev/null >"$tmp/rec.out" 2>"$tmp/rec.err"
st=$?
[ "$st" = 75 ] || FAIL "panic: status $st, not 75"
grep -q "Kernel panic - not syncing: Attempted to kill init" "$tmp/rec.out" ||
    FAIL "no kernel panic on the console"
grep -q "the guest panicked (pvpanic) at step" "$tmp/rec.err" || FAIL "no panic message"
[ "$(ls -A "$tmp/ci")" = panic.rrpack ] || FAIL "not exactly one pack: $(ls -A "$tmp/ci")"

timeout 150 "$RRSIM" -replay-pack "$tmp/ci/panic.rrpack" </dev/null >"$tmp/rep.out" \
    2>"$tmp/rep.err"
st=$?
[ "$st" = 75 ] || FAIL "pack replay: status $st, not 75"
grep -q "matched the recording" "$tmp/rep.err" || FAIL "pack replay did not match"
cmp -s "$tmp/rep.out" "$tmp/rec.out" || FAIL "pack replay: console differs"

steps=$(sed -n 's/.*panicked (pvpanic) at step \([0-9]*\).*/\1/p' "$tmp/rec.err")
[ -n "$steps" ] || steps=40000000
timeout 150 "$RRSIM" $boot -append "$append" -timeout steps=$((steps + 20000000)) \
    </dev/null >"$tmp/nodev.out" 2>"$tmp/nodev.err"
st=$?
[ "$st" = 76 ] || FAIL "without pvpanic-mmio: status $st, not 76 (a spinning panic)"

timeout 150 "$RRSIM" $boot -append "$append" -timeout host=2 -ci-record "$tmp/ci2" -name spin \
    </dev/null >"$tmp/host.out" 2>"$tmp/host.err"
st=$?
[ "$st" = 76 ] || FAIL "-timeout host=2: status $st, not 76"
grep -q "host-time budget ran out" "$tmp/host.err" || FAIL "-timeout host=2: no message"
at=$(sed -n 's/.*timeout at step \([0-9]*\).*/\1/p' "$tmp/host.err")
timeout 150 "$RRSIM" -replay-pack "$tmp/ci2/spin.rrpack" </dev/null >/dev/null 2>"$tmp/host.rep"
st=$?
[ "$st" = 76 ] || FAIL "host timeout pack replay: status $st, not 76"
grep -q "timeout at step $at\$" "$tmp/host.rep" || FAIL "host timeout replay: not at step $at"
grep -q "matched the recording" "$tmp/host.rep" || FAIL "host timeout replay did not match"

if [ $fail != 0 ]; then
    for f in "$tmp"/*.err; do echo "---- $f"; cat "$f"; done
    tail -5 "$tmp/rec.out"
    exit 1
fi
echo "Linux panic through pvpanic-mmio: ok"
