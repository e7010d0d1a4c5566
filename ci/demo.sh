#!/usr/bin/env bash
# The main job: install what is missing, build, then record an interactive
# OpenSBI + U-Boot session (commands typed with human-like gaps between the
# keys) and replay it with no input at all. The replay must print the same
# console bytes, retire the same number of instructions and end in the same
# machine state.
#   ci/demo.sh [OUTDIR]        default OUTDIR: build/demo
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/ci/setup.sh"
"$here/ci/build.sh" "$here/build"

rrsim="$here/build/rrsim"
out=${1:-"$here/build/demo"}
mkdir -p "$out"
journal="$out/uboot.rr"
rm -f "$journal" "$journal.snap" "$journal.snap-lock"
guest=(-M virt -nographic
       -bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
       -kernel /usr/lib/u-boot/qemu-riscv64_smode/uboot.elf)

echo "== rrsim $("$rrsim" --version | cut -d' ' -f2): recording a U-Boot session into $journal"
python3 "$here/tests/e2e/console.py" --script "$here/tests/e2e/uboot_session.txt" \
    --var DELAY=60 --log "$out/record.console" --stderr "$out/record.err" -- \
    "$rrsim" "${guest[@]}" -d summary -icount "shift=0,sleep=on,rr=record,rrfile=$journal"

echo "== replaying it with stdin closed"
status=0
"$rrsim" "${guest[@]}" -d summary -icount "shift=0,sleep=on,rr=replay,rrfile=$journal" \
    </dev/null >"$out/replay.console" 2>"$out/replay.err" || status=$?

echo "== journal"
"$here/build/rrsim-journal" info "$journal" || true

summary() { grep '^rrsim: .*steps=' "$1" | tail -n 1; }
echo "record: $(summary "$out/record.err")"
echo "replay: $(summary "$out/replay.err")"
if [ "$status" -ne 0 ]; then
    echo "FAIL: the replay exited with status $status:" >&2
    cat "$out/replay.err" >&2
    exit 1
fi
if ! cmp -s "$out/record.console" "$out/replay.console"; then
    echo "FAIL: the replay's console output differs from the recording's:" >&2
    diff -u "$out/record.console" "$out/replay.console" | head -40 >&2
    exit 1
fi
if [ "$(summary "$out/record.err")" != "$(summary "$out/replay.err")" ]; then
    echo "FAIL: the replay ended in another state than the recording" >&2
    exit 1
fi
echo "MATCH: $(wc -c <"$out/record.console") console bytes, the instruction count and" \
     "the final machine state are identical in the recording and its replay"
