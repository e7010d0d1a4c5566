# Driven by run_ci.sh: a -timeout pack under gdb: its end, one step back,
# the end again, then the run ends with the timeout's status.
continue
echo MARK end\n
monitor icount
reverse-stepi
echo MARK back\n
monitor icount
continue
echo MARK again\n
monitor icount
continue
