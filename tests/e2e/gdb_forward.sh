#!/bin/sh
# Forward debugging of a normal (not recorded) run of tests/guest/debugme.elf
# under gdb-multiarch: -S, a breakpoint, reading the priv register, a memory
# write the guest then sees, stepi, a watchpoint, and the exit.
# usage: gdb_forward.sh RRSIM DEBUGME.elf
set -u
here=$(dirname "$0")
. "$here/gdb_lib.sh"
gdb_script_init "$@"

port=$(gdb_free_port)
"$RRSIM" -bios none -kernel "$ELF" -serial file:"$tmp/run.out" -S \
    -gdb tcp:127.0.0.1:"$port" </dev/null 2>"$tmp/run.err" &
pid=$!
gdb_wait_listening "$port"
gdb_batch "$port" "$here/gdb_forward.gdb" "$ELF" "$tmp/gdb.out"
wait $pid
status=$?
pid=

grep -qx "CHECK hit counter=0 by=1 priv=3" "$tmp/gdb.out" || FAIL "first breakpoint hit"
grep -qx "CHECK stepi advanced=1" "$tmp/gdb.out" || FAIL "stepi"
grep -qx "CHECK watch counter=101" "$tmp/gdb.out" || FAIL "watchpoint after the memory write"
grep -q "exited normally" "$tmp/gdb.out" || FAIL "gdb did not see the guest exit"
[ "$status" = 0 ] || FAIL "rrsim exited with $status: $(cat "$tmp/run.err")"
grep -q "debugme counter=115 " "$tmp/run.out" || FAIL "the guest did not see the write: $(cat "$tmp/run.out")"
if [ $fail != 0 ]; then
    echo "---- gdb output"; cat "$tmp/gdb.out"; echo "---- rrsim stderr"; cat "$tmp/run.err"
    exit 1
fi
echo "gdb forward debugging: ok"
