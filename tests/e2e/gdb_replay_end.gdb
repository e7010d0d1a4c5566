# Driven by gdb_replay_end.sh: the end of a replay under gdb.
break bump
continue
delete
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
