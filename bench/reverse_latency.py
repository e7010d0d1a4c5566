#!/usr/bin/env python3
"""Reverse-debugging latency deep into a recording.

Records GUEST (default: build/bench/cpu_bench.elf, about 1.1e9 steps) unless
JOURNAL exists, replays it under -S with QMP and the gdbstub, runs the replay
to one step before its end (QMP replay-break + cont), then times:
  - reverse-stepi as the gdb remote packet 'bs' (REPS times in a row),
  - QMP replay-seek to N-1 (the same operation without gdb),
  - reverse-continue ('bc') back to a breakpoint in the guest's hot loop.

usage: reverse_latency.py RRSIM GUEST [JOURNAL] [REPS]
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time


class Qmp:
    def __init__(self, path):
        for _ in range(600):
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                time.sleep(0.05)
        self.f = self.s.makefile("rb")
        self.events = []
        self.read()
        self.cmd("qmp_capabilities")

    def read(self):
        line = self.f.readline()
        if not line:
            raise EOFError("QMP closed")
        return json.loads(line)

    def cmd(self, name, **args):
        req = {"execute": name}
        if args:
            req["arguments"] = args
        self.s.sendall(json.dumps(req).encode() + b"\n")
        while True:
            m = self.read()
            if "event" in m:
                self.events.append(m["event"])
                continue
            if "error" in m:
                raise RuntimeError("%s: %s" % (name, m["error"]["desc"]))
            return m["return"]

    def wait_event(self, name):
        while name not in self.events:
            m = self.read()
            if "event" in m:
                self.events.append(m["event"])
        self.events.remove(name)


class Rsp:
    """Just enough of the gdb remote protocol to time packets."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def packet(self, data):
        data = data.encode()
        self.s.sendall(b"$" + data + b"#%02x" % (sum(data) & 0xFF))
        while True:
            m = re.search(rb"\$([^#]*)#[0-9a-fA-F]{2}", self.buf)
            if m:
                self.buf = self.buf[m.end():]
                self.s.sendall(b"+")
                return m.group(1).decode()
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("gdb connection closed")
            self.buf += chunk


def main():
    rrsim, guest = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="reverse_latency.")
    journal = sys.argv[3] if len(sys.argv) > 3 else os.path.join(tmp, "guest.rr")
    reps = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    icount = "shift=0,rr=%s,rrfile=" + journal
    steps_file = journal + ".steps"
    if not os.path.exists(journal) or not os.path.exists(steps_file):
        t = time.time()
        r = subprocess.run([rrsim, "-bios", "none", "-kernel", guest, "-serial", "null",
                            "-d", "summary", "-icount", icount % "record"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True)
        m = re.search(r"steps=(\d+)", r.stderr)
        if r.returncode != 0 or not m:
            sys.exit("recording failed: " + r.stderr)
        with open(steps_file, "w") as f:
            f.write(m.group(1))
        print("record: %s steps in %.1f s" % (m.group(1), time.time() - t))
    n = int(open(steps_file).read())

    sock = os.path.join(tmp, "qmp.sock")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([rrsim, "-bios", "none", "-kernel", guest, "-serial", "null", "-S",
                             "-icount", icount % "replay", "-qmp",
                             "unix:%s,server,nowait" % sock, "-gdb", "tcp:127.0.0.1:%d" % port],
                            stdin=subprocess.DEVNULL)
    try:
        q = Qmp(sock)
        end = n - 1
        q.cmd("replay-break", icount=end)
        t = time.time()
        q.cmd("cont")
        q.wait_event("STOP")
        print("replay to step %d (with periodic snapshots): %.1f s" % (end, time.time() - t))

        g = Rsp(port)
        g.packet("?")
        times = []
        for _ in range(reps):
            t = time.time()
            reply = g.packet("bs")
            times.append(time.time() - t)
            assert reply.startswith("T05"), reply
        now = q.cmd("query-replay")["icount"]
        assert now == end - reps, (now, end - reps)
        print("reverse-stepi (gdb bs) at step %d: first %.3f s, mean %.3f s, max %.3f s"
              % (end, times[0], sum(times) / len(times), max(times)))

        times = []
        for i in range(reps):
            target = now - 1 - i
            t = time.time()
            q.cmd("replay-seek", icount=target)
            times.append(time.time() - t)
        print("QMP replay-seek N-1: mean %.3f s, max %.3f s"
              % (sum(times) / len(times), max(times)))

        # A breakpoint in the hot loop, at the pc of a point 3M steps back.
        here = q.cmd("query-replay")["icount"]
        q.cmd("replay-seek", icount=here - 3000000)
        regs = q.cmd("human-monitor-command", **{"command-line": "info registers"})
        pc = int(re.search(r"pc\s+([0-9a-f]+)", regs).group(1), 16)
        q.cmd("replay-seek", icount=here)
        assert g.packet("Z0,%x,4" % pc) == "OK"
        t = time.time()
        reply = g.packet("bc")
        dt = time.time() - t
        hit = q.cmd("query-replay")["icount"]
        print("reverse-continue (gdb bc) to a breakpoint %d steps back: %.3f s (%s)"
              % (here - hit, dt, reply[:3]))
        g.packet("z0,%x,4" % pc)
        q.cmd("quit")
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()


if __name__ == "__main__":
    main()
