#!/bin/sh
# docs/guide.md, as a test: the Linux test guest booted with rrbug=8 computes
# a wrong total; its recording is replayed under gdb-multiarch with the
# unstripped /init, which breaks at the report, watches the clobbered field
# and reverse-continues to the store that wrote it. The lines the guide
# shows must come out as it shows them, and the replay must still match.
# usage: guide_linux_bug.sh RRSIM LINUX-GUEST-DIR
set -u
here=$(dirname "$0")
. "$here/gdb_lib.sh"
GUEST=$2
gdb_script_init "$1" "$GUEST/init"
boot() {
    "$RRSIM" -M virt -nographic -kernel "$GUEST/Image" \
        -initrd "$GUEST/initrd.cpio" -append "console=ttyS0 quiet rrbug=8" "$@"
}

boot -icount shift=0,rr=record,rrfile="$tmp/bug.rr" </dev/null >"$tmp/rec.out" 2>&1 ||
    { cat "$tmp/rec.out"; FAIL "recording failed"; exit 1; }
grep -q "^bug: total 8960, expected 420" "$tmp/rec.out" ||
    FAIL "the guest did not print the wrong total: $(cat "$tmp/rec.out")"

port=$(gdb_free_port)
boot -icount shift=0,rr=replay,rrfile="$tmp/bug.rr" -S -gdb tcp:127.0.0.1:"$port" \
    </dev/null >"$tmp/play.out" 2>&1 &
pid=$!
gdb_wait_listening "$port" || FAIL "the replay does not listen on $port"
gdb_batch "$port" "$here/guide_linux_bug.gdb" "$ELF" "$tmp/gdb.out"
wait $pid
status=$?
pid=

expect() {
    grep -qF -- "$1" "$tmp/gdb.out" || FAIL "gdb did not print '$1'"
}
expect "Breakpoint 1, bug_report (total=8960) at guests/linux/init.c"
expect '$1 = 8960'
expect '$2 = {samples = {0, 1, 4, 9, 16, 25, 36, 49}, scale = 64}'
expect "Old value = 64"
expect "New value = 3"
expect "in bug_fill (n=<optimized out>) at guests/linux/init.c"
expect "bug_state.samples[i] = i * i;"
expect "#1  "
expect "in bug_session"
expect "<bug_fill+"
expect "sw	a3,-4(a4)"
[ "$status" = 0 ] || FAIL "replay exited $status"
grep -q "replay completed at step [0-9]* and matched the recording" "$tmp/play.out" ||
    FAIL "the replay did not end matched: $(tail -3 "$tmp/play.out")"
[ "$(grep -c '^bug: total' "$tmp/play.out")" = 1 ] ||
    FAIL "the replay's console does not show the report once"
[ "$fail" = 0 ] || { cat "$tmp/gdb.out"; exit 1; }
echo "ok: the guide's session reverse-continues to the store that clobbered scale"
