#!/bin/sh
# -machine dumpdtb: rrsim writes a valid tree with the virt board's nodes, and
# every compatible rrsim emits matches QEMU's node (QEMU must be installed).
# usage: run_dumpdtb.sh RRSIM
set -u
RRSIM=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

"$RRSIM" -M virt,dumpdtb="$tmp/r.dtb" -m 256M 2>"$tmp/err" || {
    echo "FAIL: dumpdtb exited $?"; cat "$tmp/err"; exit 1; }
grep -q "dtb dumped" "$tmp/err" || { echo "FAIL: no dump message"; fail=1; }
command -v dtc >/dev/null || { echo "FAIL: dtc (device-tree-compiler) is not installed"; exit 1; }
dtc -I dtb -O dts -o "$tmp/r.dts" "$tmp/r.dtb" 2>/dev/null || { echo "FAIL: dtc rejects the blob"; exit 1; }

for want in 'compatible = "sifive,clint0\0riscv,clint0"' \
            'compatible = "sifive,plic-1.0.0\0riscv,plic0"' \
            'compatible = "ns16550a"' \
            'compatible = "sifive,test1\0sifive,test0\0syscon"' \
            'compatible = "google,goldfish-rtc"' \
            'compatible = "syscon-poweroff"' \
            'stdout-path = "/soc/serial@10000000"' \
            'reg = <0x00 0x80000000 0x00 0x10000000>' \
            'timebase-frequency = <0x989680>'; do
    grep -qF "$want" "$tmp/r.dts" || { echo "FAIL: missing: $want"; fail=1; }
done

# Compare node by node with QEMU's tree for the nodes rrsim models.
if ! command -v qemu-system-riscv64 >/dev/null; then
    echo "FAIL: qemu-system-riscv64 (qemu-system-misc) is not installed"; fail=1
else
    if qemu-system-riscv64 -M virt,dumpdtb="$tmp/q.dtb" -m 256M -nographic >/dev/null 2>&1 </dev/null; then
        for node in /soc/clint@2000000 /soc/plic@c000000 /soc/serial@10000000 \
                    /soc/test@100000 /soc/rtc@101000 /poweroff /reboot /memory@80000000; do
            for prop in compatible reg interrupts interrupts-extended riscv,ndev clock-frequency value offset; do
                q=$(fdtget -t bx "$tmp/q.dtb" "$node" "$prop" 2>/dev/null)
                r=$(fdtget -t bx "$tmp/r.dtb" "$node" "$prop" 2>/dev/null)
                if [ "$q" != "$r" ]; then
                    echo "FAIL: $node $prop: qemu '$q' rrsim '$r'"; fail=1
                fi
            done
        done
    else
        echo "FAIL: qemu-system-riscv64 could not dump its device tree"; fail=1
    fi
fi
# Four harts: /cpus (each cpu@N with its interrupt controller), the
# cpu-map, the phandles and every hart's lines in the CLINT's and the PLIC's
# interrupts-extended, as QEMU 7.2 writes them for -smp 4.
if command -v qemu-system-riscv64 >/dev/null; then
    "$RRSIM" -M virt,dumpdtb="$tmp/r4.dtb" -smp 4 2>/dev/null ||
        { echo "FAIL: dumpdtb with -smp 4"; fail=1; }
    if qemu-system-riscv64 -M virt,dumpdtb="$tmp/q4.dtb" -smp 4 -nographic >/dev/null 2>&1 </dev/null; then
        nodes="/soc/clint@2000000 /soc/plic@c000000 /soc/serial@10000000 /cpus /cpus/cpu-map/cluster0"
        for h in 0 1 2 3; do
            nodes="$nodes /cpus/cpu@$h /cpus/cpu@$h/interrupt-controller /cpus/cpu-map/cluster0/core$h"
        done
        for node in $nodes; do
            for prop in reg phandle status device_type compatible cpu interrupt-controller \
                        '#interrupt-cells' interrupts-extended interrupt-parent '#address-cells'; do
                q=$(fdtget -t bx "$tmp/q4.dtb" "$node" "$prop" 2>&1)
                r=$(fdtget -t bx "$tmp/r4.dtb" "$node" "$prop" 2>&1)
                if [ "$q" != "$r" ]; then
                    echo "FAIL: -smp 4: $node $prop: qemu '$q' rrsim '$r'"; fail=1
                fi
            done
        done
        q=$(fdtget -l "$tmp/q4.dtb" /cpus | tr '\n' ' ')
        r=$(fdtget -l "$tmp/r4.dtb" /cpus | tr '\n' ' ')
        [ "$q" = "$r" ] || { echo "FAIL: -smp 4: /cpus children: qemu '$q' rrsim '$r'"; fail=1; }
    else
        echo "FAIL: qemu-system-riscv64 could not dump its -smp 4 device tree"; fail=1
    fi
fi
[ $fail = 0 ] && echo "ok: dumpdtb"
exit $fail
