#!/usr/bin/env python3
"""Interrupting a running guest from gdb (Ctrl-C), over the raw remote protocol.

rrsim runs tests/guest/debugme.elf normally (not recorded) with -S. Through
the stub the script turns the start of RAM into an endless two-instruction
loop and points the pc at it, then: continue, Ctrl-C (0x03) -> a SIGINT stop
reply, registers readable, the step count moved; a second continue/Ctrl-C;
a breakpoint inside the loop is hit, and continuing from it executes it and
stops at its next visit exactly one loop turn later. Finally it restores
memory and pc, removes the breakpoint and detaches: the guest must then run
to its normal exit (status 0, its usual console output).

usage: gdb_interrupt.py RRSIM DEBUGME.elf
"""
import os
import select
import socket
import subprocess
import sys
import tempfile
import time

LOOP = 0x80000000
NOP = 0x00000013           # addi x0, x0, 0
JAL_BACK = 0xFFDFF06F      # jal x0, -4
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


def le_hex(value, size):
    return value.to_bytes(size, "little").hex()


class Remote:
    """A minimal gdb remote protocol client (acks until no-ack mode)."""

    def __init__(self, port, timeout=30):
        deadline = time.time() + timeout
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        self.buf = b""
        self.ack = True

    def send(self, payload):
        data = payload.encode() if isinstance(payload, str) else payload
        csum = sum(data) & 0xFF
        self.sock.sendall(b"$" + data + b"#" + ("%02x" % csum).encode())

    def packet(self, timeout=10):
        deadline = time.time() + timeout
        while True:
            start = self.buf.find(b"$")
            if start >= 0:
                hash_at = self.buf.find(b"#", start)
                if hash_at >= 0 and len(self.buf) >= hash_at + 3:
                    payload = self.buf[start + 1:hash_at]
                    self.buf = self.buf[hash_at + 3:]
                    if self.ack:
                        self.sock.sendall(b"+")
                    return payload.decode("latin-1")
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("no reply from the stub")
            ready, _, _ = select.select([self.sock], [], [], left)
            if ready:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise EOFError("the stub closed the connection")
                self.buf += chunk

    def pending(self, wait):
        """True when a packet start arrived within `wait` seconds."""
        if b"$" in self.buf:
            return True
        ready, _, _ = select.select([self.sock], [], [], wait)
        if ready:
            chunk = self.sock.recv(65536)
            self.buf += chunk
        return b"$" in self.buf

    def cmd(self, payload, timeout=10):
        self.send(payload)
        return self.packet(timeout)

    def reg(self, regno):
        reply = self.cmd("p%x" % regno)
        return int.from_bytes(bytes.fromhex(reply), "little")

    def monitor(self, text):
        self.send("qRcmd," + text.encode().hex())
        out = ""
        while True:
            reply = self.packet()
            if reply.startswith("O") and reply != "OK":
                out += bytes.fromhex(reply[1:]).decode()
            else:
                return out, reply

    def icount(self):
        out, reply = self.monitor("icount")
        check(reply == "OK", "monitor icount: %r" % reply)
        return int(out.strip() or "-1")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    rrsim, elf = sys.argv[1], sys.argv[2]
    if not os.access(elf, os.R_OK):
        print("FAIL:", elf, "not built")
        return 1

    tmp = tempfile.mkdtemp()
    serial = os.path.join(tmp, "run.out")
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    err = open(os.path.join(tmp, "run.err"), "w+")
    proc = subprocess.Popen([rrsim, "-bios", "none", "-kernel", elf, "-serial", "file:" + serial,
                             "-S", "-gdb", "tcp:127.0.0.1:%d" % port],
                            stdin=subprocess.DEVNULL, stderr=err)
    try:
        r = Remote(port)
        r.cmd("qSupported:swbreak+;hwbreak+")
        check(r.cmd("QStartNoAckMode") == "OK", "no-ack mode")
        r.ack = False
        r.cmd("?")

        pc0 = r.reg(32)
        orig = r.cmd("m%x,8" % LOOP)
        check(len(orig) == 16, "reading RAM: %r" % orig)
        check(r.cmd("M%x,8:%s%s" % (LOOP, le_hex(NOP, 4), le_hex(JAL_BACK, 4))) == "OK",
              "writing the loop")
        check(r.cmd("P20=" + le_hex(LOOP, 8)) == "OK", "setting the pc")
        steps0 = r.icount()

        # Continue into the endless loop, then Ctrl-C, twice.
        for turn in (1, 2):
            r.send("c")
            check(not r.pending(0.3), "turn %d: the guest stopped by itself" % turn)
            r.sock.sendall(b"\x03")
            stop = r.packet(timeout=10)
            check(stop.startswith("T02") or stop.startswith("S02"),
                  "turn %d: interrupt stop reply %r" % (turn, stop))
            pc = r.reg(32)
            check(pc in (LOOP, LOOP + 4), "turn %d: pc 0x%x outside the loop" % (turn, pc))
            regs = r.cmd("g")
            check(len(regs) >= 33 * 16, "turn %d: 'g' reply of %d chars" % (turn, len(regs)))
            steps = r.icount()
            check(steps > steps0, "turn %d: no progress (%d -> %d)" % (turn, steps0, steps))
            steps0 = steps

        # A breakpoint in the loop; continuing from it executes it once and
        # stops on the next turn, exactly two steps later.
        bp = LOOP + 4
        check(r.cmd("Z0,%x,4" % bp) == "OK", "inserting the breakpoint")
        stop = r.cmd("c")
        check(stop.startswith("T05"), "breakpoint stop reply %r" % stop)
        check(r.reg(32) == bp, "pc at the breakpoint")
        at = r.icount()
        for turn in (1, 2):
            stop = r.cmd("c")
            check(stop.startswith("T05"), "continue from the breakpoint: %r" % stop)
            check(r.reg(32) == bp, "continue from the breakpoint: pc")
            now = r.icount()
            check(now == at + 2, "continue from the breakpoint: %d steps, not 2" % (now - at))
            at = now
        # A single step from the breakpoint executes it.
        stop = r.cmd("s")
        check(r.reg(32) == LOOP and r.icount() == at + 1, "step from the breakpoint (%r)" % stop)
        check(r.cmd("z0,%x,4" % bp) == "OK", "removing the breakpoint")

        # Put the program back and let it finish on its own.
        check(r.cmd("M%x,8:%s" % (LOOP, orig)) == "OK", "restoring RAM")
        check(r.cmd("P20=" + le_hex(pc0, 8)) == "OK", "restoring the pc")
        check(r.cmd("D") == "OK", "detach")
        r.sock.close()
        status = proc.wait(timeout=30)
        check(status == 0, "rrsim exited with %d" % status)
        with open(serial) as f:
            out = f.read()
        check("debugme counter=15 " in out, "guest output after detach: %r" % out)
    except (OSError, EOFError, TimeoutError, subprocess.TimeoutExpired, ValueError) as e:
        check(False, "session: %s" % e)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        err.seek(0)
        errtext = err.read()
        err.close()

    if FAILS:
        print("---- rrsim stderr")
        print(errtext)
        return 1
    print("gdb interrupt: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
