#!/bin/sh
# rrsim command line: --version, --help, and the exit status of each error class.
# usage: run_cmdline.sh RRSIM
set -u
RRSIM=$1
fail=0

expect() { # expect STATUS DESCRIPTION -- ARGS...
    want=$1; what=$2; shift 3
    "$RRSIM" "$@" </dev/null >/dev/null 2>"$tmp/err"
    got=$?
    if [ "$got" != "$want" ]; then
        echo "FAIL: $what: exit $got, expected $want; stderr:"; cat "$tmp/err"; fail=1
    elif [ "$want" != 0 ] && ! grep -q '^rrsim: ' "$tmp/err"; then
        echo "FAIL: $what: no 'rrsim:' message on stderr"; fail=1
    else
        echo "ok: $what"
    fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

[ "$("$RRSIM" --version)" = "rrsim 0.1.0" ] || { echo "FAIL: --version"; fail=1; }
"$RRSIM" --help | grep -q -- '-kernel' || { echo "FAIL: --help"; fail=1; }

expect 65 "unknown option"        -- -frobnicate
expect 65 "-smp 2 refused"        -- -smp 2
expect 65 "bad -m"                -- -m 12Q
expect 65 "other machine"         -- -M sifive_u
expect 65 "-gdb bad spec"         -- -bios none -serial null -gdb tcp:host:notaport
expect 65 "-qmp bad spec"         -- -bios none -serial null -qmp bogus:x,server,nowait
expect 65 "-loadvm needs a name"  -- -loadvm
"$RRSIM" --help | grep -q -- '-qmp' || { echo "FAIL: --help lacks -qmp"; fail=1; }
expect 65 "-display gtk"          -- -display gtk
expect 65 "missing argument"      -- -kernel
expect 65 "-append without -kernel" -- -bios none -append x -serial null
expect 67 "missing kernel"        -- -bios none -kernel /nonexistent/k.elf -serial null
printf 'garbage' > "$tmp/bad.elf"; printf '\177ELF\002' >> "$tmp/bad.elf"
printf '\177ELF\002\001\001' > "$tmp/trunc.elf"
expect 67 "truncated ELF kernel"  -- -bios none -kernel "$tmp/trunc.elf" -serial null
expect 66 "unwritable serial file" -- -bios none -kernel "$tmp/bad.elf" -serial file:/nonexistent/dir/x

exit $fail
