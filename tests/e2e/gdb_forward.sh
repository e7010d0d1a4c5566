#!/bin/sh
# Forward debugging of a normal (not recorded) run of tests/guest/debugme.elf
# under gdb-multiarch: -S, a breakpoint, reading the priv register, a memory
# write the guest then sees, stepi, a watchpoint, and the exit.
# usage: gdb_forward.sh RRSIM DEBUGME.elf
set -u
RRSIM=$1
ELF=$2
[ -r "$ELF" ] || { echo "$ELF not built (no RISC-V cross compiler?): skipped"; exit 77; }
command -v gdb-multiarch >/dev/null || { echo "gdb-multiarch not installed: skipped"; exit 77; }
here=$(dirname "$0")
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
FAIL() { echo "FAIL: $*"; fail=1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$RRSIM" -bios none -kernel "$ELF" -serial file:"$tmp/run.out" -S \
    -gdb tcp:127.0.0.1:"$port" </dev/null 2>"$tmp/run.err" &
pid=$!
hexport=$(printf '%04X' "$port")
for i in $(seq 100); do
    grep -q ":$hexport 00000000:0000 0A" /proc/net/tcp 2>/dev/null && break
    sleep 0.1
done
{
    echo "set architecture riscv:rv64"
    echo "set pagination off"
    echo "set confirm off"
    echo "target remote 127.0.0.1:$port"
    cat "$here/gdb_forward.gdb"
} >"$tmp/cmds.gdb"
timeout 60 gdb-multiarch -batch -nx -x "$tmp/cmds.gdb" "$ELF" >"$tmp/gdb.out" 2>&1
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
