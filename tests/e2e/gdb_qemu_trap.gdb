# Driven by gdb_qemu_stops.sh: stepi onto an instruction that traps, with
# mtvec = 0 so that the trap vector itself faults (a trap loop). Each stepi
# must come back after one trap entry, at the vector.
break main
continue
delete
set $mtvec = 0
set {int}0x80100000 = 0
set $pc = 0x80100000
stepi
printf "CHECK stepi pc=%#lx mcause=%lu\n", $pc, $mcause
stepi
printf "CHECK stepi pc=%#lx mcause=%lu\n", $pc, $mcause
kill
