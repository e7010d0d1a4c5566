#!/bin/sh
# A journal with valid checksums whose warps sum past INT64_MAX ns (written by
# test_journal --write-overflow) is a corrupt journal: rrsim-journal info,
# dump and verify, and a replay, all exit 69 naming the event; none wraps,
# saturates or aborts.
# usage: run_journal_overflow.sh TEST_JOURNAL RRSIM_JOURNAL RRSIM GUEST.elf
set -u
MAKER=$1
TOOL=$2
RRSIM=$3
ELF=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
FAIL() { echo "FAIL: $*"; fail=1; }

"$MAKER" --write-overflow "$tmp/j.rr" || { echo "FAIL: cannot write the journal"; exit 1; }
check() { # check WHAT STATUS ERRFILE
    if [ "$2" != 69 ]; then
        FAIL "$1: exit $2, expected 69: $(cat "$3")"
    elif ! grep -q 'event #1 (warp at step 0) makes the sum of warps overflow' "$3"; then
        FAIL "$1: message does not name the event: $(cat "$3")"
    else
        echo "ok: $1: $(cat "$3")"
    fi
}
for cmd in info dump verify; do
    "$TOOL" $cmd "$tmp/j.rr" >"$tmp/$cmd.out" 2>"$tmp/$cmd.err"
    check "rrsim-journal $cmd" $? "$tmp/$cmd.err"
done
"$RRSIM" -bios none -kernel "$ELF" -serial null -icount "shift=2,rr=replay,rrfile=$tmp/j.rr" \
    </dev/null >/dev/null 2>"$tmp/play.err"
check "replay" $? "$tmp/play.err"
exit $fail
