# Driven by run_ci.sh: a failed run's pack, replayed under gdb from the end.
continue
echo MARK end\n
monitor icount
break step
reverse-continue
printf "CHECK last-step i=%d\n", $a0
delete
continue
continue
