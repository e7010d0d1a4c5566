#!/bin/sh
# Reverse debugging end to end: record tests/guest/debugme.elf, replay it
# under gdb-multiarch (batch, gdb_reverse.gdb) and check what gdb saw:
# breakpoints, stepi and reverse-stepi (pc and registers restored),
# reverse-continue to an earlier breakpoint hit, a watchpoint found backwards,
# reverse-finish and reverse-next as gdb builds them from those, and the
# forward run to the guest's exit. The replay must still produce the
# recorded console output and exit status.
# usage: gdb_reverse.sh RRSIM DEBUGME.elf
# SMP=N: the same on N harts (the others park in WFI; gdb sees hart 0).
set -u
here=$(dirname "$0")
. "$here/gdb_lib.sh"
gdb_script_init "$@"

"$RRSIM" -bios none -kernel "$ELF" ${SMP:+-smp "$SMP"} -serial file:"$tmp/rec.out" \
    -icount shift=0,rr=record,rrfile="$tmp/j.rr" </dev/null 2>"$tmp/rec.err" ||
    { cat "$tmp/rec.err"; FAIL "recording failed"; exit 1; }

port=$(gdb_free_port)
"$RRSIM" -bios none -kernel "$ELF" ${SMP:+-smp "$SMP"} -serial file:"$tmp/play.out" -S \
    -gdb tcp:127.0.0.1:"$port" -icount shift=0,rr=replay,rrfile="$tmp/j.rr" \
    </dev/null 2>"$tmp/play.err" &
pid=$!
gdb_wait_listening "$port"
gdb_batch "$port" "$here/gdb_reverse.gdb" "$ELF" "$tmp/gdb.out"
wait $pid
status=$?
pid=

expect() {
    grep -qx "$1" "$tmp/gdb.out" || FAIL "gdb did not print '$1'"
}
expect "CHECK first-hit counter=0 by=1"
expect "CHECK second-hit counter=1 by=2"
expect "CHECK stepi moved=1"
expect "CHECK reverse-stepi pc_same=1 regs_differing=0 counter_same=1"
expect "CHECK reverse-continue counter=0 by=1"
expect "CHECK fifth-hit counter=10 by=5"
# Backwards, gdb stops before the store that changed the value.
expect "CHECK reverse-watch counter=6 by=4"
expect "CHECK reverse-watch2 counter=3 by=3"
expect "CHECK forward-watch counter=6 by=3"
expect "CHECK reverse-finish counter=3 in_main=1"
expect "CHECK reverse-next counter=1 in_main=1"
grep -q "=> 0x[0-9a-f]* <bump+[0-9]*>:.*sd" "$tmp/gdb.out" || FAIL "reverse watch did not stop at a store"
grep -q "No more reverse-execution history" "$tmp/gdb.out" || FAIL "no stop at the end of the replay"
grep -q "exited normally" "$tmp/gdb.out" || FAIL "gdb did not see the guest exit"
[ "$status" = 0 ] || FAIL "replay under gdb exited with $status: $(cat "$tmp/play.err")"
cmp -s "$tmp/play.out" "$tmp/rec.out" || FAIL "console output under gdb differs from the recording"
if [ $fail != 0 ]; then
    echo "---- gdb output"; cat "$tmp/gdb.out"; echo "---- rrsim stderr"; cat "$tmp/play.err"
    exit 1
fi
echo "gdb reverse debugging: ok"
