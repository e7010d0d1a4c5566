#!/bin/bash
# rrsim command line: --version, --help, and the exit status of each error class.
# usage: run_cmdline.sh RRSIM
set -u
RRSIM=$1
fail=0

# expect_msg STATUS DESCRIPTION TEXT -- ARGS...: also the message names TEXT.
expect_msg() {
    want_text=$3
    expect "$1" "$2" "$4" "${@:5}"
    if ! grep -q -e "$want_text" "$tmp/err"; then
        echo "FAIL: $2: the message does not name '$want_text':"; cat "$tmp/err"; fail=1
    fi
}

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
expect 65 "-smp 9 refused"        -- -smp 9
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

# Disks: a missing, empty, unreadable-as-a-file or locked image is an I/O
# error (66), a bad option or a drive= naming nothing is a usage error (65);
# each message names the option.
elf="$tmp/bad.elf"
img="$tmp/disk.img"
head -c 1048576 /dev/zero > "$img"
: > "$tmp/empty.img"
expect_msg 66 "missing disk image"   "-drive file=/nonexistent" -- -bios none -serial null \
    -drive file=/nonexistent/d.img,format=raw,if=virtio
expect_msg 66 "empty disk image"     "-drive" -- -bios none -serial null \
    -drive file="$tmp/empty.img",format=raw,if=virtio
expect_msg 66 "directory as a disk"  "-drive" -- -bios none -serial null \
    -drive file="$tmp",format=raw,if=virtio
expect_msg 65 "qcow2 refused"        "format 'qcow2'" -- -bios none -serial null \
    -drive file="$img",format=qcow2,if=virtio
expect_msg 65 "unknown -drive key"   "bogus=1" -- -bios none -serial null \
    -drive file="$img",format=raw,bogus=1
expect_msg 65 "-drive without file"  "file= is required" -- -bios none -serial null \
    -drive format=raw,if=virtio
expect_msg 65 "drive= naming nothing" "-device virtio-blk-device,drive=nope" -- -bios none \
    -serial null -drive file="$img",format=raw,if=none,id=hd0 -device virtio-blk-device,drive=nope
expect_msg 65 "two devices, one drive" "already in use" -- -bios none -serial null \
    -drive file="$img",format=raw,if=none,id=hd0 -device virtio-blk-device,drive=hd0 \
    -device virtio-blk-device,drive=hd0
expect_msg 65 "if=virtio drive used by a device" "already in use" -- -bios none -serial null \
    -drive file="$img",format=raw,if=virtio,id=v0 -device virtio-blk-device,drive=v0
expect_msg 65 "unsupported device"   "virtio-net-device" -- -bios none -serial null \
    -device virtio-net-device,netdev=n0
expect_msg 65 "unsupported -global"  "-global" -- -bios none -serial null -global foo.bar=1
nine=""
for i in 1 2 3 4 5 6 7 8 9; do nine="$nine -drive file=$img,format=raw,if=virtio,readonly=on"; done
# shellcheck disable=SC2086
expect_msg 65 "nine virtio disks"    "slots" -- -bios none -serial null $nine
# Snapshots cannot take back a disk written to its file (QEMU refuses too).
expect_msg 73 "loadvm with a file-backed disk" "snapshot=on" -- -bios none -serial null \
    -kernel "$elf" -drive file="$img",format=raw,if=virtio -loadvm x \
    -snapshot-store "$tmp/s.snap"
# Locks: a machine that writes the image keeps everybody else out; readers
# (snapshot=on, readonly, a recording) share it.
"$RRSIM" -bios none -serial null -S -qmp "unix:$tmp/qmp,server,nowait" \
    -drive file="$img",format=raw,if=virtio </dev/null >/dev/null 2>&1 &
holder=$!
for _ in $(seq 100); do [ -S "$tmp/qmp" ] && break; sleep 0.1; done
expect_msg 66 "image locked by a writer" "lock" -- -bios none -serial null \
    -drive file="$img",format=raw,if=virtio,snapshot=on
kill "$holder"; wait "$holder" 2>/dev/null
rm -f "$tmp/qmp"
"$RRSIM" -bios none -serial null -S -qmp "unix:$tmp/qmp,server,nowait" \
    -drive file="$img",format=raw,if=virtio,readonly=on </dev/null >/dev/null 2>&1 &
holder=$!
for _ in $(seq 100); do [ -S "$tmp/qmp" ] && break; sleep 0.1; done
expect_msg 66 "writer refused while read" "lock" -- -bios none -serial null \
    -drive file="$img",format=raw,if=virtio
kill "$holder"; wait "$holder" 2>/dev/null

# What QEMU users type around the board, accepted where it changes nothing
# here, refused with the reason where it would.
expect 0 "QEMU's usual spellings" -- -M virt,aclint=off,aia=none,dumpdtb="$tmp/q.dtb" \
    -accel tcg -name guest=x -bios default -nodefaults
"$RRSIM" -M help | grep -q '^virt ' || { echo "FAIL: -M help lists no virt"; fail=1; }
expect 0 "-M help exits 0" -- -M help
expect_msg 65 "aclint=on refused" "aclint=on" -- -M virt,aclint=on
expect_msg 65 "aia=aplic refused" "aia=aplic" -- -M virt,aia=aplic
expect_msg 65 "-accel kvm refused" "-accel kvm" -- -accel kvm
expect_msg 65 "-enable-kvm refused" "-enable-kvm" -- -enable-kvm
# -nodefaults: no serial port unless asked for; the console stays silent.
out=$("$RRSIM" -nodefaults -nographic -M virt,dumpdtb="$tmp/n.dtb" </dev/null 2>/dev/null)
[ -z "$out" ] || { echo "FAIL: -nodefaults printed: $out"; fail=1; }
# -pidfile: the pid while running, gone at exit.
"$RRSIM" -bios none -serial null -S -qmp "unix:$tmp/pq,server,nowait" -pidfile "$tmp/pid" \
    </dev/null >/dev/null 2>&1 &
runner=$!
for _ in $(seq 100); do [ -s "$tmp/pid" ] && break; sleep 0.1; done
[ "$(cat "$tmp/pid" 2>/dev/null)" = "$runner" ] ||
    { echo "FAIL: -pidfile holds '$(cat "$tmp/pid" 2>/dev/null)', not $runner"; fail=1; }
kill "$runner"; wait "$runner" 2>/dev/null
[ -e "$tmp/pid" ] && { echo "FAIL: -pidfile left behind"; fail=1; }
expect_msg 66 "-pidfile unwritable" "-pidfile" -- -pidfile /nonexistent/dir/pid \
    -M virt,dumpdtb="$tmp/p.dtb"
# -daemonize: the command returns once the daemon is ready; the pid file
# names the daemon (not the command), which runs on until told to stop.
"$RRSIM" -daemonize -bios none -S -monitor "unix:$tmp/dm,server,nowait" -pidfile "$tmp/dpid" \
    </dev/null >"$tmp/dout" 2>&1
st=$?
dpid=$(cat "$tmp/dpid" 2>/dev/null)
if [ "$st" != 0 ] || [ -z "$dpid" ] || ! kill -0 "$dpid" 2>/dev/null || [ ! -S "$tmp/dm" ]; then
    echo "FAIL: -daemonize: exit $st, pid '$dpid', socket $(ls "$tmp")"; cat "$tmp/dout"; fail=1
else
    kill "$dpid"
    for _ in $(seq 100); do [ -e "$tmp/dpid" ] || break; sleep 0.1; done
    [ -e "$tmp/dpid" ] && { echo "FAIL: -daemonize: pid file left behind"; fail=1; }
    echo "ok: -daemonize"
fi
# A daemon that fails before it is ready: the command exits with its status.
expect_msg 66 "-daemonize, bad socket" "-monitor" -- -daemonize -bios none -S \
    -monitor "unix:/nonexistent/dir/m,server,nowait"
expect_msg 65 "-daemonize with stdio" "-daemonize" -- -daemonize -nographic
expect_msg 65 "-monitor stdio and the serial port" "mon:stdio" -- -monitor stdio -serial stdio
expect_msg 65 "-rtc clock=host" "clock=vm" -- -rtc base=utc,clock=host
expect_msg 65 "-rtc bad date" "invalid" -- -rtc base=2021-02-30
expect_msg 65 "-machine acpi=on" "ACPI" -- -M virt,acpi=on
expect_msg 65 "QEMU's rr snapshot drive" "-snapshot-store" -- -drive file=e.qcow2,if=none,id=rr
expect 0 "-machine no-op properties" -- -M virt,acpi=off,iommu-sys=off,usb=off,dumpdtb="$tmp/q.dtb"

exit $fail
