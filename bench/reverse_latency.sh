#!/bin/sh
# Reverse-debugging latency at the end of a ~1.1e9-step recording of the CPU
# benchmark guest: gdb reverse-stepi ('bs'), QMP replay-seek N-1 and gdb
# reverse-continue ('bc'). See reverse_latency.py.
# usage: reverse_latency.sh [RRSIM [GUEST [JOURNAL [REPS]]]]
#   JOURNAL is recorded (a few minutes) unless it exists with JOURNAL.steps.
set -eu
here=$(dirname "$0")
rrsim=${1:-${RRSIM:-build/rrsim}}
guest=${2:-${CPU_BENCH_ELF:-build/bench/cpu_bench.elf}}
shift $(( $# < 2 ? $# : 2 ))
exec python3 "$here/reverse_latency.py" "$rrsim" "$guest" "$@"
