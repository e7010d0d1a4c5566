# Driven by gdb_qemu_stops.sh (which prepends "target remote :PORT"), once
# against QEMU and once against each rrsim mode: every CHECK line must agree.
# Watchpoints: where gdb ends up after each kind of hit, and the value.
break main
continue
delete
watch counter
continue
printf "CHECK watch pc=%#lx counter=%lu\n", $pc, counter
continue
printf "CHECK watch pc=%#lx counter=%lu\n", $pc, counter
delete
rwatch trace
continue
printf "CHECK rwatch pc=%#lx trace=%lu\n", $pc, trace
delete
awatch counter
continue
printf "CHECK awatch pc=%#lx counter=%lu\n", $pc, counter
continue
printf "CHECK awatch pc=%#lx counter=%lu\n", $pc, counter
delete
kill
