break bug_report
continue
print total
print bug_state
watch -l bug_state.scale
reverse-continue
backtrace
x/i $pc
info registers a5
delete
continue
