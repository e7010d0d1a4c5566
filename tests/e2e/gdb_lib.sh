# Shared by the gdb end-to-end scripts (sourced, POSIX sh).

# gdb_script_init RRSIM ELF: the start every gdb script shares: its two
# arguments, the tools, a scratch directory $tmp removed at exit (with the
# rrsim whose pid is in $pid killed), and FAIL, which marks the run failed.
gdb_script_init() {
    RRSIM=$1
    ELF=$2
    [ -r "$ELF" ] || { echo "FAIL: $ELF not built"; exit 1; }
    command -v gdb-multiarch >/dev/null || { echo "FAIL: gdb-multiarch not installed"; exit 1; }
    tmp=$(mktemp -d)
    pid=
    trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
    fail=0
}
FAIL() { echo "FAIL: $*"; fail=1; }

# A TCP port on 127.0.0.1 that nothing listens on right now.
gdb_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Wait (up to 10 s) until something listens on the port, without connecting:
# a client that comes and goes would detach the debugger and let the
# machine run.
gdb_wait_listening() {
    _hexport=$(printf '%04X' "$1")
    for _i in $(seq 100); do
        grep -q ":$_hexport 00000000:0000 0A" /proc/net/tcp 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# gdb_batch PORT SCRIPT ELF OUT: gdb-multiarch in batch mode against the stub
# on PORT, running SCRIPT after connecting; everything it prints goes to OUT.
gdb_batch() {
    {
        echo "set architecture riscv:rv64"
        echo "set pagination off"
        echo "set confirm off"
        echo "target remote 127.0.0.1:$1"
        cat "$2"
    } >"$4.cmds"
    timeout 60 gdb-multiarch -batch -nx -x "$4.cmds" "$3" >"$4" 2>&1
}
