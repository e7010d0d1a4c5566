#!/bin/bash
# Compare rrsim's speed with QEMU's (-icount shift=0) on the cpu_bench guest.
#
# usage: cpu_bench.sh [-n REPS] [RRSIM [ELF]]
#   RRSIM defaults to $RRSIM, then build/rrsim; ELF to $CPU_BENCH_ELF,
#   then build/bench/cpu_bench.elf.  QEMU and rrsim runs alternate, REPS
#   (default 3) of each.  Prints wall and CPU (user+sys) seconds per run, the
#   guest's retired-instruction count, MIPS (per CPU second, less sensitive
#   to a loaded host than wall time) and the rrsim/QEMU speed ratio.
#   If rrsim is missing, QEMU alone is measured.
set -u
reps=3
if [ "${1:-}" = "-n" ]; then
    reps=$2
    shift 2
fi
rrsim=${1:-${RRSIM:-build/rrsim}}
elf=${2:-${CPU_BENCH_ELF:-build/bench/cpu_bench.elf}}
qemu=${QEMU:-qemu-system-riscv64}
if [ ! -f "$elf" ]; then
    echo "cpu_bench.sh: no guest $elf (build the cpu_bench_guest target)" >&2
    exit 2
fi
have_rrsim=1
if [ ! -x "$rrsim" ]; then
    echo "cpu_bench.sh: rrsim not found at $rrsim: measuring QEMU only" >&2
    have_rrsim=0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cpu_bench.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

# run NAME CMD...: runs once; appends "wall cpu instructions" to $tmp/NAME.
run() {
    local name=$1
    shift
    local TIMEFORMAT='%R %U %S'
    { time "$@" </dev/null >"$tmp/out" 2>"$tmp/err"; } 2>"$tmp/time"
    local rc=$?
    if [ $rc != 0 ] || ! grep -q '^RESULT: PASS' "$tmp/out"; then
        echo "$name: run failed (exit status $rc)" >&2
        cat "$tmp/out" "$tmp/err" >&2
        exit 1
    fi
    local insns
    insns=$(sed -n 's/^instructions \([0-9]*\)$/\1/p' "$tmp/out")
    grep '^checksum' "$tmp/out" >"$tmp/$name.sum"
    read -r wall user sys <"$tmp/time"
    local cpu
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.3f", u + s }')
    echo "$wall $cpu $insns" >>"$tmp/$name"
    printf '%-6s wall %8.3fs  cpu %8.3fs  %s instructions  %8.1f MIPS\n' \
        "$name" "$wall" "$cpu" "$insns" "$(awk -v n="$insns" -v c="$cpu" 'BEGIN { printf "%.1f", n / c / 1e6 }')"
}

for i in $(seq 1 "$reps"); do
    run qemu timeout 600 "$qemu" -M virt -bios none -kernel "$elf" -nographic \
        -icount shift=0 -monitor none -serial stdio
    if [ $have_rrsim = 1 ]; then
        run rrsim timeout 600 "$rrsim" -M virt -bios none -kernel "$elf" -nographic
    fi
done

summary() {
    awk -v name="$1" '{ w += $1; c += $2; n = $3; k++ }
        END { printf "%-6s mean wall %8.3fs  cpu %8.3fs  %.1f MIPS (cpu)  %.1f MIPS (wall)\n",
                     name, w / k, c / k, n * k / c / 1e6, n * k / w / 1e6 }' "$tmp/$1"
}
echo "---"
summary qemu
if [ $have_rrsim = 1 ]; then
    summary rrsim
    if ! cmp -s "$tmp/qemu.sum" "$tmp/rrsim.sum"; then
        echo "warning: guest checksums differ: QEMU $(cat "$tmp/qemu.sum"), rrsim $(cat "$tmp/rrsim.sum")"
    fi
    awk 'FNR == 1 { f++ } { c[f] += $2; n[f] += $3 }
         END { printf "speed rrsim/QEMU: %.2f (MIPS per CPU second)\n", (n[2] / c[2]) / (n[1] / c[1]) }' \
        "$tmp/qemu" "$tmp/rrsim"
fi
