# Driven by gdb_reverse.sh (which prepends "target remote :PORT").
# Every line the driver checks starts with "CHECK ".
break bump
continue
printf "CHECK first-hit counter=%d by=%d\n", counter, by
continue
printf "CHECK second-hit counter=%d by=%d\n", counter, by
# stepi, then reverse-stepi: pc, every x register and memory as before.
set $i = 1
while $i < 32
  eval "set $save%d = $x%d", $i, $i
  set $i = $i + 1
end
set $pc0 = $pc
set $counter0 = counter
stepi
printf "CHECK stepi moved=%d\n", $pc != $pc0
reverse-stepi
set $bad = 0
set $i = 1
while $i < 32
  eval "set $bad = $bad + ($save%d != $x%d)", $i, $i
  set $i = $i + 1
end
printf "CHECK reverse-stepi pc_same=%d regs_differing=%d counter_same=%d\n", $pc == $pc0, $bad, counter == $counter0
# Back to the previous breakpoint hit.
reverse-continue
printf "CHECK reverse-continue counter=%d by=%d\n", counter, by
# Forward to the fifth call, then find the last write to counter backwards.
continue 4
printf "CHECK fifth-hit counter=%d by=%d\n", counter, by
delete
watch counter
reverse-continue
printf "CHECK reverse-watch counter=%d by=%d\n", counter, by
x/i $pc
reverse-continue
printf "CHECK reverse-watch2 counter=%d by=%d\n", counter, by
continue
printf "CHECK forward-watch counter=%d by=%d\n", counter, by
delete
# reverse-finish: out of bump(3) back to its call in main, before the call.
reverse-finish
printf "CHECK reverse-finish counter=%d in_main=%d\n", counter, $pc >= (long)&main && $pc < (long)&main + 256
# reverse-next over the previous call, bump(2), without stopping inside it
# (the first may only finish the source line reverse-finish landed in).
set $n = 0
while counter == 3 && $n < 3
  reverse-next
  set $n = $n + 1
end
printf "CHECK reverse-next counter=%d in_main=%d\n", counter, $pc >= (long)&main && $pc < (long)&main + 256
monitor icount
# The end of the replay stops gdb there; continuing again ends the run.
continue
continue
