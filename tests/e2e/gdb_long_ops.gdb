# Driven by gdb_long_ops.sh: operations that take seconds, with gdb's
# reply timeout at 1 s (gdb waits 3 timeouts before "Ignoring packet error").
set remotetimeout 1
monitor seek 1000000000
echo MARK seek\n
monitor icount
break *0x1000
reverse-continue
echo MARK rc\n
monitor icount
kill
