# Driven by gdb_forward.sh (which prepends "target remote :PORT"): forward
# debugging of a normal run, where the debugger may change the guest.
break bump
continue
printf "CHECK hit counter=%d by=%d priv=%d\n", counter, by, $priv
set var counter = 100
set $pc0 = $pc
stepi
printf "CHECK stepi advanced=%d\n", $pc > $pc0
monitor icount
delete
watch counter
continue
printf "CHECK watch counter=%d\n", counter
delete
continue
