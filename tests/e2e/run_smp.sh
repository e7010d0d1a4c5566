#!/bin/sh
# Several harts, deterministically (tests/guest/smpcount.c on -smp 4): the
# atomic counters are right, every run of the same quantum gives the same
# console bytes, step count and final state (the racy plain counter
# included), another quantum gives another interleaving, a recording
# replays bit-exactly with its checkpoints (digests over all harts), a
# flipped register is reported as a divergence, and a replay on another
# hart count or quantum is refused.
# usage: run_smp.sh RRSIM RRSIM_JOURNAL smpcount.elf
set -u
RRSIM=$1
TOOL=$2
ELF=$3
[ -r "$ELF" ] || { echo "FAIL: $ELF not built"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

FAIL() { echo "FAIL: $*"; fail=1; }

# run NAME SMP ICOUNT-OPTIONS: console in $tmp/NAME.out, summary in $tmp/NAME.err
run() {
    name=$1
    smp=$2
    shift 2
    "$RRSIM" -bios none -kernel "$ELF" -smp "$smp" -serial file:"$tmp/$name.out" -d summary \
        -icount "$1" </dev/null 2>"$tmp/$name.err"
    echo $? >"$tmp/$name.status"
}
summary() { grep '^rrsim: .* steps=' "$tmp/$1.err"; }
plain() { grep '^smpcount: plain' "$tmp/$1.out"; }

run a 4 "shift=0"
run b 4 "shift=0"
run c 4 "shift=0,quantum=10000"
run q 4 "shift=0,quantum=3001"
[ "$(cat "$tmp/a.status")" = 0 ] || FAIL "exit $(cat "$tmp/a.status"): $(cat "$tmp/a.out" "$tmp/a.err")"
grep -q '^smpcount: harts 0+ 1+ 2+ 3+$' "$tmp/a.out" || FAIL "not every hart arrived: $(cat "$tmp/a.out")"
grep -q '^smpcount: amoadd 80000 lrsc 80000 (expected 80000)$' "$tmp/a.out" ||
    FAIL "atomic counters wrong: $(cat "$tmp/a.out")"
grep -q '^smpcount: code written by hart 3: old 1 1 1 1 new 2 2 2 2$' "$tmp/a.out" ||
    FAIL "code written by another hart not seen: $(cat "$tmp/a.out")"
grep -q '^smpcount: PASS$' "$tmp/a.out" || FAIL "guest check failed: $(cat "$tmp/a.out")"
for r in b c; do
    cmp -s "$tmp/a.out" "$tmp/$r.out" || FAIL "run $r console differs from run a"
    [ "$(summary a)" = "$(summary $r)" ] || FAIL "run $r summary differs: '$(summary a)' vs '$(summary $r)'"
done
grep -q '^smpcount: PASS$' "$tmp/q.out" || FAIL "quantum=3001: $(cat "$tmp/q.out")"
[ "$(summary a)" != "$(summary q)" ] || FAIL "another quantum gave the same run"
echo "ok: deterministic: $(plain a) (quantum=3001: $(plain q)), $(summary a)"

run rec 4 "shift=0,rr=record,rrfile=$tmp/j.rr,rrcheckpoint=100000"
run play 4 "shift=0,rr=replay,rrfile=$tmp/j.rr"
[ "$(cat "$tmp/play.status")" = "$(cat "$tmp/rec.status")" ] ||
    FAIL "replay exit $(cat "$tmp/play.status"), recording $(cat "$tmp/rec.status"): $(cat "$tmp/play.err")"
cmp -s "$tmp/rec.out" "$tmp/a.out" || FAIL "recording changed the console output"
cmp -s "$tmp/play.out" "$tmp/rec.out" || FAIL "replay console output differs"
[ -n "$(summary rec)" ] && [ "$(summary play)" = "$(summary rec)" ] ||
    FAIL "summaries differ: '$(summary rec)' vs '$(summary play)'"
"$TOOL" verify "$tmp/j.rr" >/dev/null 2>"$tmp/verify.err" || FAIL "verify: $(cat "$tmp/verify.err")"
"$TOOL" info "$tmp/j.rr" | grep -q 'smp=4,quantum=10000' || FAIL "manifest lacks smp=4,quantum=10000"
echo "ok: record/replay identical ($(summary rec))"

# A flipped bit in hart 0's registers is caught at the next digest.
run corrupt 4 "shift=0,rr=replay,rrfile=$tmp/j.rr,rrcorrupt=300000"
[ "$(cat "$tmp/corrupt.status")" = 72 ] ||
    FAIL "corrupted replay: exit $(cat "$tmp/corrupt.status"), expected 72: $(cat "$tmp/corrupt.err")"

# The machine a recording was made on: four harts, quantum 10000.
run two 2 "shift=0,rr=replay,rrfile=$tmp/j.rr"
[ "$(cat "$tmp/two.status")" = 71 ] ||
    FAIL "replay with -smp 2: exit $(cat "$tmp/two.status"), expected 71: $(cat "$tmp/two.err")"
run quant 4 "shift=0,quantum=5000,rr=replay,rrfile=$tmp/j.rr"
[ "$(cat "$tmp/quant.status")" = 71 ] ||
    FAIL "replay with another quantum: exit $(cat "$tmp/quant.status"), expected 71: $(cat "$tmp/quant.err")"
[ $fail = 0 ] && echo "ok: divergence and machine mismatches reported"
exit $fail
