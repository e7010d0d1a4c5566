#!/bin/sh
# Record a run, replay it, and hold replay to the contract: the same console
# output byte for byte, the same exit status, the same step count and virtual
# time, the same final state. Then the failure modes: a corrupted register is
# reported as a divergence (72), a cut journal as truncated (68), another
# kernel as a mismatch (71).
# usage: run_replay.sh RRSIM RRSIM_JOURNAL GUEST.elf [OTHER_GUEST.elf]
set -u
RRSIM=$1
TOOL=$2
ELF=$3
OTHER=${4:-}
[ -r "$ELF" ] || { echo "FAIL: $ELF not built"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

FAIL() { echo "FAIL: $*"; fail=1; }

# run NAME ICOUNT-OPTIONS: console in $tmp/NAME.out, summary in $tmp/NAME.err
run() {
    name=$1
    shift
    "$RRSIM" -bios none -kernel "$ELF" -serial file:"$tmp/$name.out" -d summary \
        -icount "$1" </dev/null 2>"$tmp/$name.err"
    echo $? >"$tmp/$name.status"
}
summary() { grep '^rrsim: .* steps=' "$tmp/$1.err"; }

run plain "shift=0"
run rec "shift=0,rr=record,rrfile=$tmp/j.rr,rrcheckpoint=10000000"
run play "shift=0,rr=replay,rrfile=$tmp/j.rr"

[ "$(cat "$tmp/rec.status")" = "$(cat "$tmp/plain.status")" ] ||
    FAIL "recording changed the exit status: $(cat "$tmp/rec.status") vs $(cat "$tmp/plain.status")"
[ "$(cat "$tmp/play.status")" = "$(cat "$tmp/rec.status")" ] ||
    FAIL "replay exit $(cat "$tmp/play.status"), recording $(cat "$tmp/rec.status"): $(cat "$tmp/play.err")"
cmp -s "$tmp/rec.out" "$tmp/plain.out" || FAIL "recording changed the console output"
cmp -s "$tmp/play.out" "$tmp/rec.out" || FAIL "replay console output differs"
[ -n "$(summary rec)" ] && [ "$(summary play)" = "$(summary rec)" ] ||
    FAIL "summaries differ: '$(summary rec)' vs '$(summary play)'"
"$TOOL" verify "$tmp/j.rr" >/dev/null 2>"$tmp/verify.err" || FAIL "verify: $(cat "$tmp/verify.err")"
"$TOOL" info "$tmp/j.rr" | grep -q 'checkpoint' || FAIL "no checkpoints recorded"
echo "ok: record/replay identical ($(summary rec))"

# A flipped register bit at step 20000 must be caught at the next digest.
run corrupt "shift=0,rr=replay,rrfile=$tmp/j.rr,rrcorrupt=20000"
if [ "$(cat "$tmp/corrupt.status")" != 72 ]; then
    FAIL "corrupted replay: exit $(cat "$tmp/corrupt.status"), expected 72: $(cat "$tmp/corrupt.err")"
elif ! grep -q 'replay diverged at step [0-9]*.*(pc 0x' "$tmp/corrupt.err"; then
    FAIL "divergence report lacks step or pc: $(cat "$tmp/corrupt.err")"
else
    echo "ok: divergence reported: $(grep diverged "$tmp/corrupt.err")"
fi

# A journal cut in the middle replays up to its last complete frame, then says so.
size=$(wc -c <"$tmp/j.rr")
head -c $((size * 6 / 10)) "$tmp/j.rr" >"$tmp/cut.rr"
"$RRSIM" -bios none -kernel "$ELF" -serial file:"$tmp/cut.out" \
    -icount "shift=0,rr=replay,rrfile=$tmp/cut.rr" </dev/null 2>"$tmp/cut.err"
st=$?
if [ $st != 68 ] || ! grep -q 'at step [0-9]' "$tmp/cut.err"; then
    FAIL "cut journal: exit $st, expected 68 naming the step: $(cat "$tmp/cut.err")"
else
    echo "ok: truncated journal: $(cat "$tmp/cut.err")"
fi
cmp -s "$tmp/cut.out" "$tmp/rec.out" && FAIL "a cut journal cannot have replayed everything"
"$TOOL" verify "$tmp/cut.rr" >/dev/null 2>&1
[ $? = 68 ] || FAIL "rrsim-journal verify on a cut journal: expected 68"

# Replaying with another kernel is refused before anything runs.
if [ -n "$OTHER" ]; then
    "$RRSIM" -bios none -kernel "$OTHER" -serial null \
        -icount "shift=0,rr=replay,rrfile=$tmp/j.rr" </dev/null 2>"$tmp/mm.err"
    st=$?
    if [ $st != 71 ] || ! grep -q 'kernel' "$tmp/mm.err"; then
        FAIL "other kernel: exit $st, expected 71 naming the kernel: $(cat "$tmp/mm.err")"
    else
        echo "ok: mismatch refused: $(cat "$tmp/mm.err")"
    fi
    # So is another icount shift (the machine options differ).
    "$RRSIM" -bios none -kernel "$ELF" -serial null \
        -icount "shift=2,rr=replay,rrfile=$tmp/j.rr" </dev/null 2>"$tmp/mm2.err"
    [ $? = 71 ] || FAIL "other shift: expected 71: $(cat "$tmp/mm2.err")"
    # And another hart, naming the extension.
    "$RRSIM" -bios none -kernel "$ELF" -serial null -cpu rv64,zbkb=on,sstc=off \
        -icount "shift=0,rr=replay,rrfile=$tmp/j.rr" </dev/null 2>"$tmp/mm3.err"
    st=$?
    if [ $st != 71 ] || ! grep -q '(+zbkb -sstc)' "$tmp/mm3.err"; then
        FAIL "other -cpu: exit $st, expected 71 naming +zbkb -sstc: $(cat "$tmp/mm3.err")"
    else
        echo "ok: other -cpu refused: $(cat "$tmp/mm3.err")"
    fi
fi

# A missing journal is an I/O error.
"$RRSIM" -bios none -kernel "$ELF" -serial null \
    -icount "shift=0,rr=replay,rrfile=$tmp/none.rr" </dev/null 2>/dev/null
[ $? = 66 ] || FAIL "missing journal: expected 66"

exit $fail
