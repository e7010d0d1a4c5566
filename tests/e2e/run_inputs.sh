#!/bin/sh
# Hostile inputs on the command line: each is refused at once with the right
# exit status and a message naming what is wrong, and never blocks.
#  - a FIFO as -kernel, -bios, -initrd, -dtb or rrfile (67 images, 66 journals);
#  - a second recording to a journal being recorded, or a replay of it (66),
#    and the first recording is not lost;
#  - ports out of 1..65535 or with junk in -serial, -gdb, -qmp (65);
#  - rrcheckpoint below its minimum, and other numeric options out of range (65).
# usage: run_inputs.sh RRSIM RRSIM_JOURNAL GUEST.elf LONG_GUEST.elf
# (LONG_GUEST runs for a few seconds: bench/cpu_bench.elf)
set -u
RRSIM=$1
TOOL=$2
ELF=$3
LONG=$4
for f in "$ELF" "$LONG"; do
    [ -r "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done
tmp=$(mktemp -d)
first=
trap '[ -n "$first" ] && kill -9 $first 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
FAIL() { echo "FAIL: $*"; fail=1; }

# expect STATUS PATTERN DESCRIPTION -- ARGS...: rrsim must end within 10 s
# (a FIFO that blocks open() would otherwise hang it) with STATUS and a
# message matching PATTERN.
expect() {
    want=$1; pat=$2; what=$3; shift 4
    timeout -s KILL 10 "$RRSIM" "$@" </dev/null >/dev/null 2>"$tmp/err"
    got=$?
    if [ "$got" = 137 ]; then
        FAIL "$what: still blocked after 10 s"
    elif [ "$got" != "$want" ]; then
        FAIL "$what: exit $got, expected $want: $(cat "$tmp/err")"
    elif ! grep -q -- "$pat" "$tmp/err"; then
        FAIL "$what: message lacks '$pat': $(cat "$tmp/err")"
    else
        echo "ok: $what: $(cat "$tmp/err")"
    fi
}

# ---- FIFOs ----
mkfifo "$tmp/fifo"
bm="-bios none -serial null"
expect 67 "kernel '$tmp/fifo' is not a regular file" "FIFO as -kernel" -- $bm -kernel "$tmp/fifo"
expect 67 "firmware '$tmp/fifo' is not a regular file" "FIFO as -bios" -- \
    -bios "$tmp/fifo" -kernel "$ELF" -serial null
expect 67 "initrd '$tmp/fifo' is not a regular file" "FIFO as -initrd" -- \
    $bm -kernel "$ELF" -initrd "$tmp/fifo"
expect 67 "device tree '$tmp/fifo' is not a regular file" "FIFO as -dtb" -- \
    $bm -kernel "$ELF" -dtb "$tmp/fifo"
expect 67 "kernel '$tmp' is not a regular file" "directory as -kernel" -- $bm -kernel "$tmp"
# A huge sparse file is refused by its size, before anything is read.
truncate -s 64G "$tmp/sparse.img"
expect 67 "kernel '$tmp/sparse.img' is larger than" "64 GiB sparse -kernel" -- $bm -kernel "$tmp/sparse.img"
expect 67 "initrd '$tmp/sparse.img' is larger than" "64 GiB sparse -initrd" -- \
    $bm -kernel "$ELF" -initrd "$tmp/sparse.img"
rm -f "$tmp/sparse.img"
for mode in record replay; do
    expect 66 "journal $tmp/fifo is not a regular file" "FIFO as rrfile ($mode)" -- \
        $bm -kernel "$ELF" -icount "shift=0,rr=$mode,rrfile=$tmp/fifo"
done
timeout -s KILL 10 "$TOOL" info "$tmp/fifo" >/dev/null 2>"$tmp/err"
st=$?
[ $st = 66 ] || FAIL "rrsim-journal info on a FIFO: exit $st, expected 66: $(cat "$tmp/err")"

# ---- one recorder per journal ----
# The first recording runs a guest of a few seconds; the others start while
# its journal is open and locked.
j=$tmp/j.rr
"$RRSIM" $bm -kernel "$LONG" -icount "shift=0,rr=record,rrfile=$j" -d summary </dev/null \
    >/dev/null 2>"$tmp/first.err" &
first=$!
for _ in $(seq 200); do
    [ -s "$j" ] && break
    sleep 0.05
done
[ -s "$j" ] || FAIL "the first recording did not create $j"
expect 66 "journal $j is in use by another rrsim" "a second recording of the same rrfile" -- \
    $bm -kernel "$ELF" -icount "shift=0,rr=record,rrfile=$j"
expect 66 "journal $j is being recorded" "a replay of a journal being recorded" -- \
    $bm -kernel "$LONG" -icount "shift=0,rr=replay,rrfile=$j"
kill -0 $first 2>/dev/null || FAIL "the first recording ended before the others were refused"
wait $first
st=$?
first=
[ $st = 0 ] || FAIL "the first recording ended with $st: $(cat "$tmp/first.err")"
"$TOOL" verify "$j" >"$tmp/verify.out" 2>&1 || FAIL "the first recording was damaged: $(cat "$tmp/verify.out")"
# Once it is finished, the journal replays the recorded run.
timeout -s KILL 120 "$RRSIM" $bm -kernel "$LONG" -icount "shift=0,rr=replay,rrfile=$j" -d summary \
    </dev/null >/dev/null 2>"$tmp/play.err" || FAIL "replay after the recording: $(cat "$tmp/play.err")"
sum() { grep '^rrsim: .* steps=' "$1"; }
[ -n "$(sum "$tmp/first.err")" ] && [ "$(sum "$tmp/play.err")" = "$(sum "$tmp/first.err")" ] ||
    FAIL "the replay differs from the first recording: $(cat "$tmp/play.err")"

# ---- ports ----
for opt in "-serial tcp::99999,server,nowait" "-serial tcp:127.0.0.1:65536" "-serial tcp::0,server,nowait" \
           "-serial tcp::12x,server,nowait" "-serial tcp:localhost:http" "-serial tcp::-1,server" \
           "-gdb tcp::99999" "-gdb tcp::0" "-gdb 70000" "-gdb tcp::1234x" \
           "-qmp tcp:127.0.0.1:99999,server,nowait" "-qmp tcp:127.0.0.1:0,server,nowait" \
           "-qmp tcp:127.0.0.1:80a,server,nowait"; do
    name=${opt%% *}
    serial="-serial null"
    [ "$name" = -serial ] && serial=
    # shellcheck disable=SC2086
    expect 65 "^rrsim: $name " "$opt" -- -bios none -kernel "$ELF" $serial $opt
done

# ---- numeric options ----
for cp in 1 10 99; do
    expect 65 "rrcheckpoint=$cp: must be 0 (no digests) or from 100" "rrcheckpoint=$cp" -- \
        $bm -kernel "$ELF" -icount "shift=0,rr=record,rrfile=$tmp/cp.rr,rrcheckpoint=$cp"
done
[ -e "$tmp/cp.rr" ] && FAIL "a refused rrcheckpoint still created the journal"
expect 65 "rrcheckpoint" "rrcheckpoint overflowing" -- \
    $bm -kernel "$ELF" -icount "shift=0,rr=record,rrfile=$tmp/cp.rr,rrcheckpoint=18446744073709551616"
expect 65 "rrcheckpoint" "rrcheckpoint negative" -- \
    $bm -kernel "$ELF" -icount "shift=0,rr=record,rrfile=$tmp/cp.rr,rrcheckpoint=-1"
for m in -1 +128 " 128" 0 99999999999999999999G 18446744073709551615K 16777215B; do
    expect 65 "^rrsim: -m" "-m '$m'" -- $bm -kernel "$ELF" -m "$m"
done
for s in 9 0 -1 "1,cores=2" "4,sockets=2" "2,maxcpus=4" "1,junk" "1,maxcpus=99999999999999999999" 99999999999999999999 "cpus=" ""; do
    expect 65 "^rrsim: -smp" "-smp '$s'" -- $bm -kernel "$ELF" -smp "$s"
done
for s in 11 -1 99999999999999999999 "1x"; do
    expect 65 "shift" "-icount shift=$s" -- $bm -kernel "$ELF" -icount "shift=$s"
done

exit $fail
