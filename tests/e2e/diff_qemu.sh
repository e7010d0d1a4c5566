#!/bin/sh
# Run a bare-metal guest program on QEMU and on rrsim; compare console output
# (byte for byte) and exit status.
#
# usage: diff_qemu.sh [RRSIM] PROGRAM.elf      compare rrsim with QEMU
#        diff_qemu.sh --qemu-only PROGRAM.elf  check that the program passes on QEMU
#        diff_qemu.sh --rrsim-only [RRSIM] PROGRAM.elf
#                                check that the program passes on rrsim (for what
#                                QEMU 7.2 lacks, or gets wrong: no QEMU is run)
#
# RRSIM defaults to $RRSIM, then build/rrsim.  Environment:
#   QEMU        QEMU binary (default qemu-system-riscv64)
#   TIMEOUT     seconds per run (default 60)
#   CPU         -cpu value given to both (QEMU's property spelling, which
#               rrsim shares), e.g. rv64,zbkb=on; default: each one's default
#   RRSIM_ARGS  extra rrsim arguments
#   BOTH_ARGS   extra arguments for both (e.g. a disk)
#   KEEP        directory to keep both outputs in (default: a removed temp dir)
# Exit status: 0 on a match (or a QEMU pass, or an rrsim pass), 1 on a
# mismatch or a failed pass, 2 on usage errors.
# A match counts only if QEMU itself ran the program to "RESULT: PASS" with
# exit status 0: two runs that fail alike (QEMU missing, a broken program)
# prove nothing.
set -u

mode=compare
case "${1:-}" in
--qemu-only) mode=qemu; shift ;;
--rrsim-only) mode=rrsim; shift ;;
esac
case $# in
1) rrsim=${RRSIM:-build/rrsim}; elf=$1 ;;
2) rrsim=$1; elf=$2 ;;
*) echo "usage: $0 [--qemu-only|--rrsim-only] [RRSIM] PROGRAM.elf" >&2; exit 2 ;;
esac
if [ ! -f "$elf" ]; then
    echo "$0: no such program: $elf" >&2
    exit 2
fi
qemu=${QEMU:-qemu-system-riscv64}
tmo=${TIMEOUT:-60}
if [ $mode != rrsim ] && ! command -v "$qemu" >/dev/null; then
    echo "$0: FAIL: QEMU not found: $qemu (install qemu-system-misc)" >&2
    exit 1
fi
if [ $mode != qemu ] && [ ! -x "$rrsim" ]; then
    echo "$0: rrsim not found or not executable: $rrsim" >&2
    exit 2
fi
name=$(basename "$elf" .elf)

if [ -n "${KEEP:-}" ]; then
    dir=$KEEP
    mkdir -p "$dir"
else
    dir=$(mktemp -d "${TMPDIR:-/tmp}/diff_qemu.XXXXXX") || exit 2
    trap 'rm -rf "$dir"' EXIT
fi

# -icount shift=0: one instruction = 1 ns, so timer interrupts land at the
# same instruction on every run.  stdin is /dev/null: nothing is interactive.
# QEMU's default hart has H, which rrsim's lacks: the same hart needs h=off.
cpu=${CPU:-rv64}
qemu_rc=0
if [ $mode != rrsim ]; then
    # shellcheck disable=SC2086  # BOTH_ARGS is a word list
    timeout "$tmo" "$qemu" -M virt -cpu "$cpu,h=off" -bios none -kernel "$elf" -nographic \
        -icount shift=0 -monitor none -serial stdio ${BOTH_ARGS:-} \
        </dev/null >"$dir/$name.qemu.out" 2>"$dir/$name.qemu.err"
    qemu_rc=$?
fi

if [ $mode = qemu ]; then
    if [ $qemu_rc = 0 ] && grep -q '^RESULT: PASS' "$dir/$name.qemu.out"; then
        echo "$name: passes on QEMU"
        exit 0
    fi
    echo "$name: FAILS on QEMU (exit status $qemu_rc)"
    cat "$dir/$name.qemu.out" "$dir/$name.qemu.err"
    exit 1
fi

# shellcheck disable=SC2086  # RRSIM_ARGS is a word list
timeout "$tmo" "$rrsim" -M virt -cpu "$cpu" -bios none -kernel "$elf" -nographic ${RRSIM_ARGS:-} \
    ${BOTH_ARGS:-} \
    </dev/null >"$dir/$name.rrsim.out" 2>"$dir/$name.rrsim.err"
rrsim_rc=$?

if [ $mode = rrsim ]; then
    if [ $rrsim_rc = 0 ] && grep -q '^RESULT: PASS' "$dir/$name.rrsim.out"; then
        echo "$name: passes on rrsim ($(wc -l <"$dir/$name.rrsim.out") lines)"
        exit 0
    fi
    echo "$name: FAILS on rrsim (exit status $rrsim_rc)"
    cat "$dir/$name.rrsim.out" "$dir/$name.rrsim.err"
    exit 1
fi

status=0
if [ $qemu_rc != 0 ] || ! grep -q '^RESULT: PASS' "$dir/$name.qemu.out"; then
    echo "$name: QEMU did not run the program to RESULT: PASS (exit status $qemu_rc):"
    tail -n 20 "$dir/$name.qemu.out" "$dir/$name.qemu.err"
    status=1
fi
if ! cmp -s "$dir/$name.qemu.out" "$dir/$name.rrsim.out"; then
    echo "$name: console output differs (- QEMU, + rrsim):"
    diff -u --label qemu --label rrsim "$dir/$name.qemu.out" "$dir/$name.rrsim.out" | head -n 200
    status=1
fi
if [ $qemu_rc != $rrsim_rc ]; then
    echo "$name: exit status differs: QEMU $qemu_rc, rrsim $rrsim_rc"
    status=1
fi
if [ $status != 0 ]; then
    if [ -s "$dir/$name.rrsim.err" ]; then
        echo "--- rrsim stderr:"
        head -n 50 "$dir/$name.rrsim.err"
    fi
    exit 1
fi
echo "$name: rrsim matches QEMU ($(wc -l <"$dir/$name.qemu.out") lines, exit status $qemu_rc)"
exit 0
