#!/bin/sh
# rrsim-journal's exit status is rrsim's error class (64 + class): scripts
# rely on it to tell a missing file from a truncated, damaged or foreign one.
#   test_journal_tool.sh PATH-TO-rrsim-journal
set -u
tool=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0

expect() {  # expect STATUS ARGS...
    want=$1
    shift
    "$tool" "$@" >/dev/null 2>"$dir/err"
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL: rrsim-journal $*: exit $got, expected $want: $(cat "$dir/err")"
        fails=$((fails + 1))
    elif [ "$want" -ne 0 ] && [ ! -s "$dir/err" ]; then
        echo "FAIL: rrsim-journal $*: exit $got without a message"
        fails=$((fails + 1))
    fi
}

printf 'hello, world\n' >"$dir/text"
printf 'RRSIMJNL' >"$dir/short"
printf 'RRSIMJNL\143\000\000\000' >"$dir/v2"   # format version 99
: >"$dir/empty"

expect 0 --help
expect 65                              # no command: usage
expect 65 frobnicate "$dir/text"       # unknown command: usage
expect 66 verify "$dir/missing.rr"     # ERR_IO
expect 66 info "$dir"                  # a directory: ERR_IO
expect 68 verify "$dir/short"          # ERR_JOURNAL_TRUNCATED
expect 68 verify "$dir/empty"
expect 69 verify "$dir/text"           # ERR_JOURNAL_CORRUPT: not a journal
expect 70 info "$dir/v2"               # ERR_JOURNAL_VERSION
expect 70 dump "$dir/v2"

if [ "$fails" -ne 0 ]; then
    exit 1
fi
echo "all rrsim-journal exit statuses as expected"
