#!/bin/sh
# A replay's progress and outcome lines (-d progress, and a terminal stderr):
# progress names the step, the journal's last step and a percentage, never
# reaches the guest's console, and the replay ends with one line saying it
# matched the recording; a replay that does not match says why instead.
#
# usage: run_progress.sh RRSIM GUEST.elf   (a guest that runs a few seconds)
set -u
RRSIM=$1
ELF=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/progress.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
fail=0
FAIL() { echo "FAIL: $*"; fail=1; }

# Record (cut short by SIGINT if the host is slow: the replay then ends there too).
timeout -s INT 20 "$RRSIM" -bios none -kernel "$ELF" -serial "file:$tmp/rec.out" -d summary \
    -icount shift=0,rr=record,rrfile="$tmp/j.rr" </dev/null 2>"$tmp/rec.err"
steps=$(sed -n 's/.* steps=\([0-9]*\) .*/\1/p' "$tmp/rec.err")
[ -n "$steps" ] || FAIL "no step count from the recording: $(cat "$tmp/rec.err")"

# Forced, to a file: one line a second, then the outcome.
"$RRSIM" -bios none -kernel "$ELF" -serial "file:$tmp/rep.out" -d progress \
    -icount shift=0,rr=replay,rrfile="$tmp/j.rr" </dev/null 2>"$tmp/rep.err"
st=$?
[ $st = 0 ] || FAIL "replay: exit $st: $(cat "$tmp/rep.err")"
grep -Eq "^rrsim: replay step [0-9]+ of $steps \([0-9.]+%\), [0-9.]+ M steps/s, .* left$" "$tmp/rep.err" ||
    FAIL "no progress line naming the journal's $steps steps: $(cat "$tmp/rep.err")"
[ "$(tail -n 1 "$tmp/rep.err")" = "rrsim: replay completed at step $steps and matched the recording" ] ||
    FAIL "last line is not the outcome: $(tail -n 1 "$tmp/rep.err")"
cmp -s "$tmp/rec.out" "$tmp/rep.out" || FAIL "the console differs between recording and replay"
grep -q "rrsim" "$tmp/rep.out" && FAIL "progress reached the guest's console"

# On a terminal (stderr), with the console elsewhere: redrawn in place.
script -qec "$RRSIM -bios none -kernel $ELF -serial file:$tmp/tty.out \
    -icount shift=0,rr=replay,rrfile=$tmp/j.rr </dev/null" "$tmp/typescript" >/dev/null 2>&1
st=$?
[ $st = 0 ] || FAIL "replay on a terminal: exit $st"
if ! grep -q "$(printf '\r')rrsim: replay step" "$tmp/typescript" ||
   ! grep -q "$(printf '\033')\[K" "$tmp/typescript"; then
    FAIL "no progress line redrawn on the terminal: $(od -c "$tmp/typescript" | head -5)"
fi

# Without -d progress and with stderr not a terminal: only the outcome.
"$RRSIM" -bios none -kernel "$ELF" -serial null \
    -icount shift=0,rr=replay,rrfile="$tmp/j.rr" </dev/null 2>"$tmp/quiet.err"
[ "$(cat "$tmp/quiet.err")" = "rrsim: replay completed at step $steps and matched the recording" ] ||
    FAIL "quiet replay printed: $(cat "$tmp/quiet.err")"

# A replay that diverges says so, and not that it matched.
printf '\001' | dd of="$tmp/j.rr" bs=1 seek=200 conv=notrunc 2>/dev/null
"$RRSIM" -bios none -kernel "$ELF" -serial null -d progress \
    -icount shift=0,rr=replay,rrfile="$tmp/j.rr" </dev/null 2>"$tmp/bad.err"
st=$?
[ $st != 0 ] || FAIL "a damaged journal replayed with status 0"
grep -q "matched" "$tmp/bad.err" && FAIL "a failed replay claimed a match: $(cat "$tmp/bad.err")"
[ $fail = 0 ] && echo "ok: progress and outcome lines ($steps steps)"
exit $fail
