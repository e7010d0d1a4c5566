#!/bin/sh
# virtio-rng bytes are an input: a recording journals them, its replay
# prints the same hash and ends in the same state without reading the host
# source, and a plain run gets other bytes (they really come from the host).
# usage: run_replay_rng.sh RRSIM GUEST.elf   (the rngprobe guest)
set -u
RRSIM=$1
ELF=$2
[ -r "$ELF" ] || { echo "FAIL: $ELF not built"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
FAIL() { echo "FAIL: $*"; fail=1; }

# run NAME DEVICE-ARGS ICOUNT-OPTIONS
run() {
    name=$1
    dev=$2
    # shellcheck disable=SC2086  # dev is a word list
    "$RRSIM" -bios none -kernel "$ELF" -serial file:"$tmp/$name.out" -d summary $dev \
        -icount "$3" </dev/null 2>"$tmp/$name.err"
    echo $? >"$tmp/$name.status"
}
summary() { grep '^rrsim: .* steps=' "$tmp/$1.err"; }
hash() { grep '^bytes hash' "$tmp/$1.out"; }

head -c 65536 /dev/urandom >"$tmp/src.bin"
dev="-object rng-random,id=r0,filename=$tmp/src.bin -device virtio-rng-device,rng=r0"
run rec "$dev" "shift=0,rr=record,rrfile=$tmp/j.rr,rrcheckpoint=100000"
# The source is gone in the replay: it must not be read (an empty one is
# opened so the options stay the same).
: >"$tmp/src.bin"
run play "$dev" "shift=0,rr=replay,rrfile=$tmp/j.rr"
run plain "-device virtio-rng-device" "shift=0"
run plain2 "-device virtio-rng-device" "shift=0"

for n in rec play plain plain2; do
    [ "$(cat "$tmp/$n.status")" = 0 ] || FAIL "$n: exit $(cat "$tmp/$n.status"): $(cat "$tmp/$n.out" "$tmp/$n.err")"
done
[ -n "$(hash rec)" ] || FAIL "no hash printed"
cmp -s "$tmp/play.out" "$tmp/rec.out" || FAIL "replay console output differs"
[ -n "$(summary rec)" ] && [ "$(summary play)" = "$(summary rec)" ] ||
    FAIL "summaries differ: '$(summary rec)' vs '$(summary play)'"
[ "$(hash plain)" != "$(hash rec)" ] || FAIL "a plain run got the recorded bytes"
[ "$(hash plain)" != "$(hash plain2)" ] || FAIL "two runs on /dev/urandom got the same bytes"
grep -q 'warning' "$tmp/play.err" && FAIL "the replay read the host source: $(cat "$tmp/play.err")"

# Replaying without the device is refused (the manifest names it).
"$RRSIM" -bios none -kernel "$ELF" -serial null \
    -icount "shift=0,rr=replay,rrfile=$tmp/j.rr" </dev/null 2>"$tmp/mm.err"
[ $? = 71 ] || FAIL "replay without virtio-rng: expected 71: $(cat "$tmp/mm.err")"
# Configuration errors name the option: usage 65, an unreadable source 66.
err() {
    want=$1
    shift
    "$RRSIM" -bios none -kernel "$ELF" -serial null "$@" </dev/null 2>"$tmp/e.err"
    st=$?
    [ $st = "$want" ] && grep -q -- "$2" "$tmp/e.err" ||
        FAIL "$*: exit $st, expected $want naming '$2': $(cat "$tmp/e.err")"
}
err 65 -device virtio-rng-device,rng=nope
err 65 -object rng-egd,id=r0
err 65 -object rng-random,filename=/dev/urandom
err 65 -device virtio-rng-device,drive=hd0
err 66 -object "rng-random,id=r0,filename=$tmp/missing" -device virtio-rng-device,rng=r0

[ $fail = 0 ] && echo "ok: $(hash rec) recorded and replayed; plain runs: $(hash plain), $(hash plain2)"
exit $fail
