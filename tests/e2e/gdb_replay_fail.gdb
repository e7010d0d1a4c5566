# Driven by gdb_replay_end.sh: a seek that meets a divergence, then continue.
monitor seek 900
continue
