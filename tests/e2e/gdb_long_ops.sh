#!/bin/sh
# Long operations under gdb-multiarch on a replay of the CPU benchmark guest
# (1.1e9 steps): "monitor seek" far forward sends progress lines that keep
# gdb waiting for its reply (no "Ignoring packet error"), and a
# reverse-continue back to the reset vector, for which gdb waits as long as
# it takes.
# usage: gdb_long_ops.sh RRSIM CPU_BENCH.elf
set -u
here=$(dirname "$0")
. "$here/gdb_lib.sh"
gdb_script_init "$@"

"$RRSIM" -bios none -kernel "$ELF" -serial null \
    -icount shift=0,rr=record,rrfile="$tmp/j.rr" </dev/null 2>"$tmp/rec.err" ||
    FAIL "recording failed: $(cat "$tmp/rec.err")"
port=$(gdb_free_port)
timeout 200 "$RRSIM" -bios none -kernel "$ELF" -serial null -S -gdb tcp:127.0.0.1:"$port" \
    -icount shift=0,rr=replay,rrfile="$tmp/j.rr" </dev/null 2>"$tmp/play.err" &
pid=$!
gdb_wait_listening "$port" || FAIL "nothing listens on $port"
gdb_batch "$port" "$here/gdb_long_ops.gdb" "$ELF" "$tmp/gdb.out"
wait $pid
pid=
after() { sed -n "/^MARK $1\$/{n;p;}" "$tmp/gdb.out"; }

grep -q "Ignoring packet error" "$tmp/gdb.out" && FAIL "gdb timed out waiting for a reply"
grep -q "^seeking: at step [0-9]* of 1000000000$" "$tmp/gdb.out" || FAIL "no progress from the seek"
[ "$(after seek)" = 1000000000 ] || FAIL "seek ended at $(after seek)"
grep -q "Breakpoint 1, 0x0*1000 in" "$tmp/gdb.out" || FAIL "reverse-continue did not reach the reset vector"
[ "$(after rc)" = 0 ] || FAIL "reverse-continue ended at $(after rc)"
if [ $fail != 0 ]; then
    for f in "$tmp"/*.out "$tmp"/*.err; do echo "---- $f"; cat "$f"; done
    exit 1
fi
echo "gdb long operations: ok"
