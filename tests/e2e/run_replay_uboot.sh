#!/bin/sh
# Record an interactive OpenSBI + U-Boot session (commands typed at the prompt,
# host-timed idle with sleep=on), then replay it with no input at all: the
# console must match byte for byte and the exit status too. A second recording
# is ended by SIGTERM at the prompt: the journal must still be complete and
# replay to the same point.
# usage: run_replay_uboot.sh RRSIM RRSIM_JOURNAL   (fails if the firmware is not installed)
set -u
RRSIM=$1
TOOL=$2
FW=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin
UBOOT=/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf
TIMEOUT=${TIMEOUT:-240}
[ -r "$FW" ] && [ -r "$UBOOT" ] || { echo "FAIL: $FW or $UBOOT missing (opensbi, u-boot-qemu)"; exit 1; }
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail=0
FAIL() { echo "FAIL: $*"; fail=1; }

# Type only once the N-th prompt is on the console, so host speed does not matter.
wait_prompt() {
    i=0
    until [ "$(grep -c '^=> ' "$tmp/console" 2>/dev/null)" -ge "$1" ]; do
        i=$((i + 1))
        if [ $i -gt $((TIMEOUT * 10)) ] || ! kill -0 "$pid" 2>/dev/null; then
            echo "FAIL: no U-Boot prompt ($1)"; cat "$tmp/console"; cat "$tmp/err"; exit 1
        fi
        sleep 0.1
    done
}

# record NAME ICOUNT: start a recording on a fresh console pipe
record() {
    rm -f "$tmp/con.in" "$tmp/con.out" "$tmp/console"
    mkfifo "$tmp/con.in" "$tmp/con.out"
    "$RRSIM" -M virt -bios "$FW" -kernel "$UBOOT" -nographic -serial pipe:"$tmp/con" \
        -icount "$2" -d summary </dev/null >/dev/null 2>"$tmp/err" &
    pid=$!
    cat "$tmp/con.out" >"$tmp/console" &
}

# replay NAME ICOUNT EXPECTED_STATUS: replay without input, compare with the recording
replay() {
    "$RRSIM" -M virt -bios "$FW" -kernel "$UBOOT" -serial file:"$tmp/$1.replay" \
        -icount "$2" -d summary </dev/null >/dev/null 2>"$tmp/$1.rerr"
    st=$?
    [ $st = "$3" ] || FAIL "$1: replay exit $st, expected $3: $(cat "$tmp/$1.rerr")"
    cmp -s "$tmp/$1.replay" "$tmp/$1.console" ||
        FAIL "$1: replay console differs from the recording ($(wc -c <"$tmp/$1.replay") vs $(wc -c <"$tmp/$1.console") bytes)"
    a=$(grep 'steps=' "$tmp/$1.err" | sed 's/.*steps=\([0-9]*\).*/\1/')
    b=$(grep 'steps=' "$tmp/$1.rerr" | sed 's/.*steps=\([0-9]*\).*/\1/')
    [ -n "$a" ] && [ "$a" = "$b" ] || FAIL "$1: steps differ: recorded $a, replayed $b"
    "$TOOL" verify "$tmp/$1.rr" >/dev/null 2>"$tmp/$1.verr" || FAIL "$1: verify: $(cat "$tmp/$1.verr")"
    [ $fail = 0 ] && echo "ok: $1: replay matches the recording ($a steps)"
}

# 1. Typed commands, idle in host time (sleep=on), poweroff from the guest.
record typed "shift=0,sleep=on,rr=record,rrfile=$tmp/typed.rr,rrcheckpoint=20000000"
wait_prompt 1
printf 'echo rr-$((6*7))\r' >"$tmp/con.in"   # U-Boot's echo prints it literally
printf 'version\r' >"$tmp/con.in"
wait_prompt 3
printf 'poweroff\r' >"$tmp/con.in"
wait "$pid"
st=$?
pid=
wait
cp "$tmp/console" "$tmp/typed.console"
cp "$tmp/err" "$tmp/typed.err"
[ $st = 0 ] || FAIL "typed: recording exited $st: $(cat "$tmp/err")"
"$TOOL" info "$tmp/typed.rr" | grep -q 'char-input' || FAIL "typed: no char input journaled"
# U-Boot polls its console rather than idling, so warps appear only if it used WFI.
replay typed "shift=0,sleep=on,rr=replay,rrfile=$tmp/typed.rr" 0

# 2. Stopped by SIGTERM at the prompt: the journal is closed cleanly.
record sigterm "shift=0,rr=record,rrfile=$tmp/sigterm.rr"
wait_prompt 1
kill -TERM "$pid"
wait "$pid"
st=$?
pid=
wait
cp "$tmp/console" "$tmp/sigterm.console"
cp "$tmp/err" "$tmp/sigterm.err"
[ $st = 0 ] || FAIL "sigterm: recording exited $st: $(cat "$tmp/err")"
"$TOOL" dump "$tmp/sigterm.rr" | grep -q 'shutdown host-signal' || FAIL "sigterm: no shutdown event"
replay sigterm "shift=0,rr=replay,rrfile=$tmp/sigterm.rr" 0

exit $fail
