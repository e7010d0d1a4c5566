#!/bin/sh
# Where gdb-multiarch stops, compared with QEMU (qemu-system-riscv64 -s -S)
# on the same guest, tests/guest/debugme.elf:
#  - write, read and access watchpoints: the pc gdb shows and the value,
#    in a normal run, while recording, and in a replay;
#  - stepi onto an instruction that traps into a trap loop (mtvec = 0):
#    it returns after one trap entry (normal run; QEMU is told "set osabi
#    none", which rrsim's target description says by itself).
# usage: gdb_qemu_stops.sh RRSIM DEBUGME.elf
set -u
here=$(dirname "$0")
. "$here/gdb_lib.sh"
gdb_script_init "$@"
QEMU=${QEMU:-qemu-system-riscv64}
command -v "$QEMU" >/dev/null || { echo "FAIL: $QEMU not installed"; exit 1; }

# run NAME SCRIPT PRE-SCRIPT COMMAND...: start COMMAND (a gdb server on
# $port), run gdb with PRE-SCRIPT then SCRIPT, keep its CHECK lines.
run() {
    name=$1 script=$2 pre=$3
    shift 3
    port=$(gdb_free_port)
    eval "$(printf '%s' "$*" | sed "s/@PORT@/$port/g")" </dev/null >"$tmp/$name.stdout" \
        2>"$tmp/$name.err" &
    pid=$!
    gdb_wait_listening "$port" || FAIL "$name: nothing listens on $port"
    cat "$pre" "$here/$script" >"$tmp/$name.gdb"
    gdb_batch "$port" "$tmp/$name.gdb" "$ELF" "$tmp/$name.out"
    wait $pid
    pid=
    grep '^CHECK ' "$tmp/$name.out" >"$tmp/$name.checks"
}

: >"$tmp/none"
echo "set osabi none" >"$tmp/osabi"
QEMU_CMD="$QEMU -M virt -bios none -kernel $ELF -display none -monitor none \
    -serial file:$tmp/qemu.serial -icount shift=0 -S -gdb tcp:127.0.0.1:@PORT@"
RR="$RRSIM -bios none -kernel $ELF -S -gdb tcp:127.0.0.1:@PORT@"

run qemu_watch gdb_qemu_watch.gdb "$tmp/none" "$QEMU_CMD"
[ "$(wc -l <"$tmp/qemu_watch.checks")" = 5 ] || FAIL "QEMU run incomplete: $(cat "$tmp/qemu_watch.out")"
"$RRSIM" -bios none -kernel "$ELF" -serial file:"$tmp/rec.out" \
    -icount shift=0,rr=record,rrfile="$tmp/j.rr" </dev/null 2>"$tmp/rec.err" ||
    FAIL "recording failed: $(cat "$tmp/rec.err")"
run normal_watch gdb_qemu_watch.gdb "$tmp/none" "$RR -serial file:$tmp/n.out"
run record_watch gdb_qemu_watch.gdb "$tmp/none" \
    "$RR -serial file:$tmp/r.out -icount shift=0,rr=record,rrfile=$tmp/j2.rr"
run replay_watch gdb_qemu_watch.gdb "$tmp/none" \
    "$RR -serial file:$tmp/p.out -icount shift=0,rr=replay,rrfile=$tmp/j.rr"
for mode in normal record replay; do
    cmp -s "$tmp/qemu_watch.checks" "$tmp/${mode}_watch.checks" ||
        FAIL "$mode: watchpoint stops differ from QEMU's:
$(diff "$tmp/qemu_watch.checks" "$tmp/${mode}_watch.checks")"
done

run qemu_trap gdb_qemu_trap.gdb "$tmp/osabi" "$QEMU_CMD"
run normal_trap gdb_qemu_trap.gdb "$tmp/none" "$RR -serial file:$tmp/t.out"
grep -qx "CHECK stepi pc=0 mcause=1" "$tmp/qemu_trap.checks" ||
    FAIL "QEMU did not step into the trap loop: $(cat "$tmp/qemu_trap.out")"
cmp -s "$tmp/qemu_trap.checks" "$tmp/normal_trap.checks" ||
    FAIL "stepi into a trap loop differs from QEMU:
$(diff "$tmp/qemu_trap.checks" "$tmp/normal_trap.checks")"

if [ $fail != 0 ]; then
    for f in "$tmp"/*.out "$tmp"/*.err; do echo "---- $f"; cat "$f"; done
    exit 1
fi
echo "gdb stops as QEMU's: ok"
