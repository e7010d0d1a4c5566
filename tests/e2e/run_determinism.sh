#!/usr/bin/env bash
# Without record or replay, a guest that gets no outside input must run
# identically every time: the same console bytes, instruction count and final
# machine state, whatever the host is doing. The guest (snapmix) prints values
# that depend on exactly which instruction each timer interrupt lands on, so
# any host time leaking into virtual time shows up. Runs 1 and 2 are on a
# quiet host; run 3 has both host cores kept busy.
#   run_determinism.sh RRSIM GUEST.elf
set -euo pipefail
rrsim=$1
elf=$2
work=$(mktemp -d)
hogs=()
cleanup() {
    for p in "${hogs[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

run() {
    "$rrsim" -M virt -bios none -kernel "$elf" -nographic -d summary \
        </dev/null >"$work/out$1" 2>"$work/err$1"
    grep '^rrsim: .*steps=' "$work/err$1" >"$work/sum$1"
}

run 1
run 2
for _ in 1 2; do
    # Bounded: the hogs die with this script, or after 120 s at the latest.
    timeout 120 sh -c 'while :; do :; done' &
    hogs+=($!)
done
run 3

status=0
for i in 2 3; do
    if ! cmp -s "$work/out1" "$work/out$i"; then
        echo "FAIL: run $i printed something else than run 1:"
        diff -u "$work/out1" "$work/out$i" | head -20
        status=1
    fi
    if ! cmp -s "$work/sum1" "$work/sum$i"; then
        echo "FAIL: run $i ended elsewhere: $(cat "$work/sum$i") vs $(cat "$work/sum1")"
        status=1
    fi
done
lines=$(wc -l <"$work/out1")
if [ "$lines" -lt 100 ] || ! grep -q '^done$' "$work/out1"; then
    echo "FAIL: the guest did not run to its end ($lines lines)"
    status=1
fi
[ "$status" -eq 0 ] && echo "deterministic: 3 runs, $lines lines, $(cat "$work/sum1")"
exit "$status"
