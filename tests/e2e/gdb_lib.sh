# Shared by the gdb end-to-end scripts (sourced, POSIX sh).

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
