#!/bin/sh
# A replay's end and its failures under gdb-multiarch (debugme.elf):
#  - continue to the end of the recording stops there ("replaylog:end",
#    gdb: "No more reverse-execution history"), reverse-stepi goes back one
#    step from it, continue stops at the end again, and continuing once
#    more ends the process with the recording's exit status;
#  - "monitor seek" past a divergence fails, and the continue after it ends
#    the replay with status 72 and the divergence message, not a hang.
# usage: gdb_replay_end.sh RRSIM DEBUGME.elf
set -u
here=$(dirname "$0")
. "$here/gdb_lib.sh"
gdb_script_init "$@"

"$RRSIM" -bios none -kernel "$ELF" -serial file:"$tmp/rec.out" -d summary \
    -icount shift=0,rr=record,rrfile="$tmp/j.rr",rrcheckpoint=200 </dev/null 2>"$tmp/rec.err" ||
    FAIL "recording failed: $(cat "$tmp/rec.err")"
steps=$(sed -n 's/.* steps=\([0-9]*\) .*/\1/p' "$tmp/rec.err")
[ -n "$steps" ] || FAIL "no step count from the recording: $(cat "$tmp/rec.err")"

# replay NAME SCRIPT [ICOUNT-OPTIONS]: replay under gdb; status in $status.
replay() {
    port=$(gdb_free_port)
    timeout 90 "$RRSIM" -bios none -kernel "$ELF" -serial file:"$tmp/$1.serial" -S \
        -gdb tcp:127.0.0.1:"$port" -icount shift=0,rr=replay,rrfile="$tmp/j.rr$3" \
        </dev/null 2>"$tmp/$1.err" &
    pid=$!
    gdb_wait_listening "$port" || FAIL "$1: nothing listens on $port"
    gdb_batch "$port" "$here/$2" "$ELF" "$tmp/$1.out"
    wait $pid
    status=$?
    pid=
}
after() { sed -n "/^MARK $2\$/{n;p;}" "$tmp/$1.out"; }

replay end gdb_replay_end.gdb ""
[ "$(grep -c 'No more reverse-execution history' "$tmp/end.out")" = 2 ] ||
    FAIL "continue did not stop at the end of the replay twice"
[ "$(after end end)" = "$steps" ] || FAIL "not at the end ($steps): $(after end end)"
[ "$(after end back)" = "$((steps - 1))" ] || FAIL "reverse-stepi from the end: $(after end back)"
[ "$(after end again)" = "$steps" ] || FAIL "not at the end again: $(after end again)"
grep -q "exited normally" "$tmp/end.out" || FAIL "continuing at the end did not end the run"
[ "$status" = 0 ] || FAIL "replay ended with $status: $(cat "$tmp/end.err")"
cmp -s "$tmp/end.serial" "$tmp/rec.out" || FAIL "console output differs from the recording"

replay fail gdb_replay_fail.gdb ",rrcorrupt=100"
grep -q "replay diverged at step 200" "$tmp/fail.out" || FAIL "monitor seek did not report the divergence"
[ "$status" = 72 ] || FAIL "continue after the failed seek: status $status, not 72"
grep -q "replay diverged at step 200" "$tmp/fail.err" || FAIL "no divergence message: $(cat "$tmp/fail.err")"
grep -q "exited with code 0110" "$tmp/fail.out" || FAIL "gdb did not see the exit (72)"

if [ $fail != 0 ]; then
    for f in "$tmp"/*.out "$tmp"/*.err; do echo "---- $f"; cat "$f"; done
    exit 1
fi
echo "gdb replay end and failure: ok"
