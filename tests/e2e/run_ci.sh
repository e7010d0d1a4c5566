#!/bin/sh
# CI runs (-ci-record, packs, rrsim-journal check) with the cifail, cipass
# and traploop guests (tests/guest):
#  - a failing guest test leaves exactly one pack and the guest's status; a
#    passing one leaves nothing; -fail-on and -timeout fail a passing guest;
#  - the pack, alone in a fresh directory (the guest image it was recorded
#    from is gone), replays to the failure, and gdb-multiarch attached to
#    -replay-pack goes back from the end to the last breakpoint hit;
#  - a cut or damaged pack is refused with status 66 and a clear message;
#  - rrsim-journal pack refuses an image that changed since the recording;
#  - rrsim-journal check names exactly the journal that no longer replays;
#  - a trap loop at an unfetchable trap vector is a hang (74), not a spin;
#  - a pack carries a disk image (blkprobe) and, for an rrsnapshot=
#    recording, the snapshot store it starts from.
# usage: run_ci.sh RRSIM RRSIM-JOURNAL GUESTDIR
set -u
here=$(dirname "$0")
. "$here/gdb_lib.sh"
JOURNAL=$2
GUESTS=$3
gdb_script_init "$1" "$GUESTS/cifail.elf"

count() { find "$1" -mindepth 1 | wc -l; }

# 0. Option errors: 65 naming the option (66 for a missing pack).
usage() {   # STATUS TEXT ARGS...: rrsim ARGS fails with STATUS and says TEXT
    want=$1 text=$2
    shift 2
    "$RRSIM" -bios none -kernel "$GUESTS/cipass.elf" -serial null "$@" </dev/null \
        >/dev/null 2>"$tmp/usage.err"
    st=$?
    [ "$st" = "$want" ] || FAIL "$*: status $st, not $want"
    grep -qF -- "$text" "$tmp/usage.err" || FAIL "$*: $(cat "$tmp/usage.err")"
}
usage 65 "-timeout steps=0: steps=0: expected a positive whole number" -timeout steps=0
usage 65 "-timeout when=3: unknown key 'when'" -timeout when=3
usage 65 "-device pvpanic-mmio,foo=1: property 'foo' is not supported" -device pvpanic-mmio,foo=1
usage 65 "-ci-record records by itself" -ci-record "$tmp/x" -icount rr=record,rrfile="$tmp/y"
usage 65 "-fail-on needs a text" -fail-on ""
usage 66 "-replay-pack: cannot read pack $tmp/none" -replay-pack "$tmp/none"

# 1. A failing guest: exactly one pack, named by -name, the guest's status.
mkdir "$tmp/src"
cp "$GUESTS/cifail.elf" "$tmp/src/guest.elf"
(cd "$tmp/src" && "$RRSIM" -bios none -kernel guest.elf -name cifail -ci-record "$tmp/ci" \
    -serial file:"$tmp/rec.out" </dev/null 2>"$tmp/rec.err")
st=$?
[ "$st" = 3 ] || FAIL "failing guest: status $st, not 3: $(cat "$tmp/rec.err")"
[ "$(count "$tmp/ci")" = 1 ] || FAIL "failing guest: not exactly one file: $(ls -a "$tmp/ci")"
[ -f "$tmp/ci/cifail.rrpack" ] || FAIL "no cifail.rrpack: $(ls -a "$tmp/ci")"
grep -q "its recording is $tmp/ci/cifail.rrpack" "$tmp/rec.err" || FAIL "pack path not printed"

# Two failed runs with one -name: the second pack does not replace the first.
for i in 1 2; do
    "$RRSIM" -bios none -kernel "$GUESTS/cifail.elf" -serial null -ci-record "$tmp/ci6" \
        -name twin </dev/null 2>/dev/null
done
[ "$(ls -A "$tmp/ci6" | tr '\n' ' ')" = "twin-2.rrpack twin.rrpack " ] ||
    FAIL "two runs, one -name: $(ls -A "$tmp/ci6")"

# 2. A passing guest leaves nothing (no journal, args, store or pack).
"$RRSIM" -bios none -kernel "$GUESTS/cipass.elf" -ci-record "$tmp/ci2" -serial null \
    </dev/null 2>"$tmp/pass.err"
st=$?
[ "$st" = 0 ] || FAIL "passing guest: status $st: $(cat "$tmp/pass.err")"
[ "$(count "$tmp/ci2")" = 0 ] || FAIL "passing guest left files: $(ls -a "$tmp/ci2")"

# 3. A console pattern fails the passing guest (77), a step budget too (76).
"$RRSIM" -bios none -kernel "$GUESTS/cipass.elf" -ci-record "$tmp/ci3" -serial null \
    -fail-on "cifail: PASS" </dev/null 2>"$tmp/pat.err"
st=$?
[ "$st" = 77 ] || FAIL "-fail-on: status $st, not 77: $(cat "$tmp/pat.err")"
[ "$(count "$tmp/ci3")" = 1 ] || FAIL "-fail-on: not exactly one pack: $(ls -a "$tmp/ci3")"
grep -q 'the console printed "cifail: PASS" (-fail-on) at step' "$tmp/pat.err" ||
    FAIL "-fail-on: no message: $(cat "$tmp/pat.err")"
"$RRSIM" -bios none -kernel "$GUESTS/cipass.elf" -ci-record "$tmp/ci4" -serial null \
    -timeout steps=5000 -d summary </dev/null 2>"$tmp/to.err"
st=$?
[ "$st" = 76 ] || FAIL "-timeout: status $st, not 76: $(cat "$tmp/to.err")"
grep -q "timeout exit=76 steps=5000 " "$tmp/to.err" || FAIL "-timeout: not at step 5000"
[ "$(count "$tmp/ci4")" = 1 ] || FAIL "-timeout: not exactly one pack: $(ls -a "$tmp/ci4")"
# The pattern's pack replays to the same match.
"$RRSIM" -replay-pack "$tmp/ci3"/*.rrpack </dev/null >/dev/null 2>"$tmp/pat.rep"
st=$?
[ "$st" = 77 ] && grep -q "matched the recording" "$tmp/pat.rep" ||
    FAIL "-fail-on pack replay: status $st: $(cat "$tmp/pat.rep")"

# 4. Only the pack, in a fresh directory: the recorded image is gone.
mkdir "$tmp/fresh"
mv "$tmp/ci/cifail.rrpack" "$tmp/fresh/"
rm -rf "$tmp/src"
(cd "$tmp/fresh" && TMPDIR="$tmp/fresh" "$RRSIM" -replay-pack cifail.rrpack -d summary \
    </dev/null >"$tmp/rep.out" 2>"$tmp/rep.err")
st=$?
[ "$st" = 3 ] || FAIL "pack replay: status $st, not 3: $(cat "$tmp/rep.err")"
grep -q "replay completed at step .* and matched the recording" "$tmp/rep.err" ||
    FAIL "pack replay did not match: $(cat "$tmp/rep.err")"
cmp -s "$tmp/rep.out" "$tmp/rec.out" || FAIL "pack replay: console differs from the recording"
[ "$(count "$tmp/fresh")" = 1 ] || FAIL "the replay left files behind: $(ls -a "$tmp/fresh")"

# 5. gdb on the pack: from the end back to the last call of step (i = 999).
"$JOURNAL" unpack "$tmp/fresh/cifail.rrpack" "$tmp/unpacked" >"$tmp/unpack.out" 2>&1 ||
    FAIL "unpack: $(cat "$tmp/unpack.out")"
port=$(gdb_free_port)
(cd "$tmp/fresh" && exec timeout 90 "$RRSIM" -replay-pack cifail.rrpack -S \
    -gdb tcp:127.0.0.1:"$port" -serial null </dev/null 2>"$tmp/gdb.err") &
pid=$!
gdb_wait_listening "$port" || FAIL "nothing listens on $port"
gdb_batch "$port" "$here/ci_pack.gdb" "$tmp/unpacked/kernel" "$tmp/gdb.out"
wait $pid
st=$?
pid=
grep -q "No more reverse-execution history" "$tmp/gdb.out" || FAIL "gdb did not stop at the end"
grep -q "CHECK last-step i=999" "$tmp/gdb.out" || FAIL "reverse-continue: $(grep CHECK "$tmp/gdb.out")"
[ "$st" = 3 ] || FAIL "gdb replay ended with $st, not 3: $(cat "$tmp/gdb.err")"

# The -timeout pack under gdb: the end is step 5000, one back, the end again.
"$JOURNAL" unpack "$tmp/ci4"/*.rrpack "$tmp/unpacked4" >/dev/null 2>&1 || FAIL "unpack ci4"
port=$(gdb_free_port)
timeout 90 "$RRSIM" -replay-pack "$tmp/ci4"/*.rrpack -S -gdb tcp:127.0.0.1:"$port" -serial null \
    </dev/null 2>"$tmp/gdb4.err" &
pid=$!
gdb_wait_listening "$port" || FAIL "nothing listens on $port"
gdb_batch "$port" "$here/ci_timeout.gdb" "$tmp/unpacked4/kernel" "$tmp/gdb4.out"
wait $pid
st=$?
pid=
after() { sed -n "/^MARK $1\$/{n;p;}" "$tmp/gdb4.out"; }
[ "$(after end)" = 5000 ] || FAIL "timeout pack under gdb: end at $(after end), not 5000"
[ "$(after back)" = 4999 ] || FAIL "timeout pack under gdb: back at $(after back)"
[ "$(after again)" = 5000 ] || FAIL "timeout pack under gdb: again at $(after again)"
[ "$st" = 76 ] || FAIL "timeout pack under gdb ended with $st, not 76: $(cat "$tmp/gdb4.err")"

# 6. Damaged packs: 66 and a message, never a crash.
P=$tmp/fresh/cifail.rrpack
size=$(stat -c %s "$P")
damage() {   # NAME: the copy $tmp/bad.rrpack, already damaged
    "$RRSIM" -replay-pack "$tmp/bad.rrpack" </dev/null >/dev/null 2>"$tmp/$1.err"
    st=$?
    [ "$st" = 66 ] || FAIL "$1 pack: status $st, not 66: $(cat "$tmp/$1.err")"
    grep -q "not a usable rrsim pack" "$tmp/$1.err" || FAIL "$1 pack: $(cat "$tmp/$1.err")"
}
head -c $((size - 100)) "$P" >"$tmp/bad.rrpack"; damage cut
head -c 20 "$P" >"$tmp/bad.rrpack"; damage header-cut
flip() {   # OFFSET: one byte of the pack inverted
    cp "$P" "$tmp/bad.rrpack"
    b=$(od -An -tu1 -j "$1" -N1 "$P" | tr -d ' ')
    printf "$(printf '\\%03o' $((255 - b)))" |
        dd of="$tmp/bad.rrpack" bs=1 seek="$1" conv=notrunc 2>/dev/null
}
flip 3; damage magic
flip 40; damage index
flip $((size / 2)); damage data
flip $((size - 5)); damage tail

# 7. rrsim-journal pack: a recording whose kernel changed is refused.
cp "$GUESTS/cifail.elf" "$tmp/k.elf"
"$RRSIM" -bios none -kernel "$tmp/k.elf" -serial null \
    -icount shift=0,rr=record,rrfile="$tmp/k.rr" </dev/null 2>/dev/null
"$JOURNAL" pack "$tmp/k.rr" "$tmp/k.rrpack" >"$tmp/pack.out" 2>&1 ||
    FAIL "pack: $(cat "$tmp/pack.out")"
echo x >>"$tmp/k.elf"
"$JOURNAL" pack "$tmp/k.rr" "$tmp/k2.rrpack" >"$tmp/pack2.out" 2>&1
st=$?
[ "$st" = 66 ] || FAIL "pack of a changed kernel: status $st"
grep -q "kernel $tmp/k.elf has changed since the recording" "$tmp/pack2.out" ||
    FAIL "pack of a changed kernel: $(cat "$tmp/pack2.out")"
[ -e "$tmp/k2.rrpack" ] && FAIL "a refused pack was written"

# 8. rrsim-journal check: one good journal, one broken (its kernel changed).
mkdir "$tmp/reg"
cp "$GUESTS/cifail.elf" "$tmp/reg/good.elf"
cp "$GUESTS/cipass.elf" "$tmp/reg/bad.elf"
for n in good bad; do
    "$RRSIM" -bios none -kernel "$tmp/reg/$n.elf" -serial null \
        -icount shift=0,rr=record,rrfile="$tmp/reg/$n.rr" </dev/null 2>/dev/null
done
echo x >>"$tmp/reg/bad.elf"
"$JOURNAL" check "$tmp/reg" >"$tmp/check.out" 2>&1
st=$?
[ "$st" = 1 ] || FAIL "check: status $st, not 1"
grep -q "^ok     $tmp/reg/good.rr\$" "$tmp/check.out" || FAIL "check: good journal not ok"
grep -q "^BROKEN $tmp/reg/bad.rr: exit status 71: " "$tmp/check.out" ||
    FAIL "check: bad journal not reported"
[ "$(grep -c BROKEN "$tmp/check.out")" = 1 ] || FAIL "check: not exactly one broken"
"$JOURNAL" check --list "$tmp/reg" >"$tmp/list.out" 2>&1
[ "$(grep -c -- "rr=replay" "$tmp/list.out")" = 2 ] || FAIL "check --list: $(cat "$tmp/list.out")"

# 9. A trap loop is a hang, found quickly.
timeout 60 "$RRSIM" -bios none -kernel "$GUESTS/traploop.elf" -serial null </dev/null \
    2>"$tmp/loop.err"
st=$?
[ "$st" = 74 ] || FAIL "trap loop: status $st, not 74: $(cat "$tmp/loop.err")"
grep -q "guest hang: trap loop at step .* the M-mode trap vector 0x200 cannot be fetched" \
    "$tmp/loop.err" || FAIL "trap loop: $(cat "$tmp/loop.err")"
# Recorded, it leaves a pack whose replay ends in the same hang, and matches.
"$RRSIM" -bios none -kernel "$GUESTS/traploop.elf" -serial null -ci-record "$tmp/ci5" -name loop \
    </dev/null 2>/dev/null
"$RRSIM" -replay-pack "$tmp/ci5/loop.rrpack" -serial null </dev/null 2>"$tmp/loop.rep"
st=$?
[ "$st" = 74 ] || FAIL "trap loop pack replay: status $st, not 74"
grep -q "trap loop at step" "$tmp/loop.rep" && grep -q "matched the recording" "$tmp/loop.rep" ||
    FAIL "trap loop pack replay: $(cat "$tmp/loop.rep")"
"$JOURNAL" check "$tmp/ci5" >"$tmp/check5.out" 2>&1 || FAIL "check of a hang: $(cat "$tmp/check5.out")"

# 10. A disk and a snapshot store travel in the pack; the originals go.
mkdir "$tmp/d" "$tmp/d/out"
head -c 1048576 /dev/urandom >"$tmp/d/disk.img"
(cd "$tmp/d" && "$RRSIM" -bios none -kernel "$GUESTS/blkprobe.elf" -serial file:disk.out \
    -drive file=disk.img,format=raw,if=none,id=d0 -device virtio-blk-device,drive=d0 \
    -icount shift=0,rr=record,rrfile=disk.rr </dev/null 2>/dev/null)
(cd "$tmp/d" && "$RRSIM" -bios none -kernel "$GUESTS/cifail.elf" -serial file:snap.out \
    -icount shift=0,rr=record,rrfile=snap.rr,rrsnapshot=start </dev/null 2>/dev/null)
for n in disk snap; do
    "$JOURNAL" pack "$tmp/d/$n.rr" "$tmp/d/out/$n.rrpack" >"$tmp/pack-$n.out" 2>&1 ||
        FAIL "pack $n: $(cat "$tmp/pack-$n.out")"
done
grep -q "^disk0 " "$tmp/pack-disk.out" || FAIL "no disk in the pack: $(cat "$tmp/pack-disk.out")"
grep -q "^snapshots " "$tmp/pack-snap.out" || FAIL "no store in the pack: $(cat "$tmp/pack-snap.out")"
rm -f "$tmp/d/disk.img" "$tmp/d"/*.rr "$tmp/d"/*.rr.*
for n in disk snap; do
    "$RRSIM" -replay-pack "$tmp/d/out/$n.rrpack" -serial file:"$tmp/d/$n.rep" </dev/null \
        2>"$tmp/rep-$n.err"
    grep -q "matched the recording" "$tmp/rep-$n.err" || FAIL "$n pack: $(cat "$tmp/rep-$n.err")"
    cmp -s "$tmp/d/$n.out" "$tmp/d/$n.rep" || FAIL "$n pack: console differs"
done

if [ $fail != 0 ]; then
    for f in "$tmp"/*.out "$tmp"/*.err; do echo "---- $f"; cat "$f"; done
    exit 1
fi
echo "CI runs and packs: ok"
