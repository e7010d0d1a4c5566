#!/usr/bin/env python3
"""QMP end to end: drive rrsim's monitor over a unix socket.

Part 1 replays a recording of tests/guest/debugme.elf started with -S:
greeting, negotiation, query-status, query-replay, replay-break + cont (RESUME,
then STOP at exactly that icount), replay-seek backwards, snapshot-save /
list / load / delete, errors for bad arguments and for a seek beyond the end,
then cont to the end (SHUTDOWN event, exit status 0, console output as
recorded). Then a seek past a divergence followed by cont (exit 72), and
-loadvm without -S. Part 2 runs the long CPU benchmark guest normally: stop and cont
with their events, system_reset, and quit; then the replay self-check
catches a step that ran differently the second time.

usage: qmp_session.py RRSIM DEBUGME.elf [CPU_BENCH.elf]
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


class Qmp:
    def __init__(self, path, timeout=30):
        deadline = time.time() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.events = []
        self.greeting = self._read()

    def _read(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("QMP connection closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, execute, **args):
        req = {"execute": execute}
        if args:
            req["arguments"] = args
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        while True:
            msg = self._read()
            if "event" in msg:
                self.events.append(msg)
                continue
            return msg

    def raw(self, text):
        self.sock.sendall(text.encode() + b"\n")
        while True:
            msg = self._read()
            if "event" in msg:
                self.events.append(msg)
                continue
            return msg

    def event(self, name, timeout=30):
        deadline = time.time() + timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev["event"] == name:
                    return self.events.pop(i)
            if time.time() > deadline:
                return None
            self.sock.settimeout(max(0.01, deadline - time.time()))
            try:
                self.events.append(self._read())
            except (socket.timeout, EOFError):
                return None


def ok(reply):
    return "return" in reply


def err(reply):
    return reply.get("error", {}).get("class") == "GenericError"


def replay_part(rrsim, elf, tmp):
    journal = os.path.join(tmp, "j.rr")
    rec = subprocess.run([rrsim, "-bios", "none", "-kernel", elf,
                          "-serial", "file:" + os.path.join(tmp, "rec.out"),
                          "-icount", "shift=0,rr=record,rrfile=" + journal],
                         stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    check(rec.returncode == 0, "recording exited %d: %s" % (rec.returncode, rec.stderr))
    sock = os.path.join(tmp, "qmp.sock")
    proc = subprocess.Popen([rrsim, "-bios", "none", "-kernel", elf, "-S",
                             "-serial", "file:" + os.path.join(tmp, "play.out"),
                             "-icount", "shift=0,rr=replay,rrfile=" + journal,
                             "-qmp", "unix:%s,server,nowait" % sock],
                            stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        q = Qmp(sock)
        check("QMP" in q.greeting, "no QMP greeting: %r" % q.greeting)
        r = q.cmd("query-status")
        check(r.get("error", {}).get("class") == "CommandNotFound",
              "commands before qmp_capabilities must fail: %r" % r)
        check(ok(q.cmd("qmp_capabilities")), "qmp_capabilities")
        r = q.cmd("query-status")
        check(ok(r) and r["return"]["running"] is False and
              r["return"]["status"] == "prelaunch", "query-status under -S: %r" % r)
        r = q.cmd("query-replay")
        check(ok(r) and r["return"]["mode"] == "play" and r["return"]["icount"] == 0 and
              r["return"].get("filename") == journal, "query-replay at start: %r" % r)

        # replay-break, then cont: RESUME, STOP at exactly that count.
        check(ok(q.cmd("replay-break", icount=500)), "replay-break 500")
        check(ok(q.cmd("cont")), "cont")
        check(q.event("RESUME") is not None, "no RESUME event after cont")
        check(q.event("STOP") is not None, "no STOP event at the replay break")
        r = q.cmd("query-replay")
        check(ok(r) and r["return"]["icount"] == 500, "icount after replay-break: %r" % r)
        r = q.cmd("query-status")
        check(ok(r) and not r["return"]["running"], "running after the break: %r" % r)

        # Seek backwards, and snapshots.
        check(ok(q.cmd("replay-seek", icount=100)), "replay-seek 100")
        r = q.cmd("query-replay")
        check(ok(r) and r["return"]["icount"] == 100, "icount after seek: %r" % r)
        check(ok(q.cmd("snapshot-save", name="at100")), "snapshot-save")
        check(ok(q.cmd("replay-seek", icount=700)), "replay-seek forwards to 700")
        r = q.cmd("snapshot-list")
        check(ok(r) and {"name": "at100", "icount": 100} in r["return"],
              "snapshot-list: %r" % r)
        check(ok(q.cmd("snapshot-load", name="at100")), "snapshot-load")
        r = q.cmd("query-replay")
        check(ok(r) and r["return"]["icount"] == 100, "icount after snapshot-load: %r" % r)
        check(ok(q.cmd("snapshot-delete", name="at100")), "snapshot-delete")
        check(err(q.cmd("snapshot-load", name="at100")), "loading a deleted snapshot must fail")
        r = q.cmd("human-monitor-command", **{"command-line": "icount"})
        check(ok(r) and r["return"].strip() == "100", "hmp icount: %r" % r)

        # Errors.
        check(err(q.cmd("replay-seek", icount=10 ** 12)), "seek beyond the end must fail")
        check(err(q.cmd("replay-seek", icount="x")), "seek with a string must fail")
        check(err(q.cmd("replay-seek")), "seek without icount must fail")
        check(err(q.cmd("replay-break", icount=50)), "replay-break in the past must fail")
        check(err(q.cmd("system_reset")), "system_reset during replay must fail")
        r = q.raw("{\"execute\": }")
        check("error" in r, "malformed JSON must get an error: %r" % r)
        r = q.cmd("query-replay")
        check(ok(r) and r["return"]["icount"] == 100, "state after errors: %r" % r)

        # Run to the end: the guest powers off, the console is as recorded.
        check(ok(q.cmd("cont")), "cont to the end")
        check(q.event("SHUTDOWN") is not None, "no SHUTDOWN event at the end")
        rc = proc.wait(timeout=60)
        check(rc == 0, "replay under QMP exited %d: %s" % (rc, proc.stderr.read()))
        with open(os.path.join(tmp, "rec.out"), "rb") as a, \
                open(os.path.join(tmp, "play.out"), "rb") as b:
            check(a.read() == b.read(), "console output after seeks differs from the recording")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def summary_state(stderr):
    for word in stderr.split():
        if word.startswith("state="):
            return word[len("state="):]
    return None


def failure_and_loadvm_part(rrsim, elf, tmp):
    """A seek past a divergence, then cont: the replay ends with status 72
    and the divergence message (it used to spin for ever). -loadvm without
    -S: the replay starts from the snapshot and ends as recorded."""
    journal = os.path.join(tmp, "c.rr")
    rec = subprocess.run([rrsim, "-bios", "none", "-kernel", elf, "-d", "summary",
                          "-serial", "file:" + os.path.join(tmp, "c-rec.out"),
                          "-icount", "shift=0,rr=record,rrcheckpoint=200,rrfile=" + journal],
                         stdin=subprocess.DEVNULL, capture_output=True, timeout=60, text=True)
    check(rec.returncode == 0, "recording (3) exited %d: %s" % (rec.returncode, rec.stderr))
    recorded_state = summary_state(rec.stderr)
    base = [rrsim, "-bios", "none", "-kernel", elf, "-serial", "null"]

    sock = os.path.join(tmp, "qmp3.sock")
    proc = subprocess.Popen(base + ["-S", "-icount",
                                    "shift=0,rr=replay,rrcorrupt=100,rrfile=" + journal,
                                    "-qmp", "unix:%s,server,nowait" % sock],
                            stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        q = Qmp(sock)
        check(ok(q.cmd("qmp_capabilities")), "qmp_capabilities (3)")
        r = q.cmd("replay-seek", icount=900)
        check(err(r) and "diverged at step 200" in r["error"]["desc"],
              "seek past a divergence must fail and say where: %r" % r)
        check(ok(q.cmd("cont")), "cont after the failed seek")
        check(q.event("SHUTDOWN") is not None, "no SHUTDOWN event after the failed seek")
        try:
            rc = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            rc = None
        check(rc == 72, "cont after a failed seek: exit %r, not 72" % rc)
        if rc is not None:
            msg = proc.stderr.read()
            check("diverged at step 200" in msg, "no divergence message: %r" % msg)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    sock = os.path.join(tmp, "qmp4.sock")
    proc = subprocess.Popen(base + ["-S", "-icount", "shift=0,rr=replay,rrfile=" + journal,
                                    "-qmp", "unix:%s,server,nowait" % sock],
                            stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        q = Qmp(sock)
        check(ok(q.cmd("qmp_capabilities")), "qmp_capabilities (4)")
        check(ok(q.cmd("replay-seek", icount=500)), "replay-seek 500 (4)")
        check(ok(q.cmd("snapshot-save", name="mid")), "snapshot-save mid")
        check(ok(q.cmd("quit")), "quit (4)")
        check(proc.wait(timeout=30) == 0, "quit (4) exit status")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out = os.path.join(tmp, "c-load.out")
    run = subprocess.run([rrsim, "-bios", "none", "-kernel", elf, "-d", "summary",
                          "-serial", "file:" + out, "-loadvm", "mid",
                          "-icount", "shift=0,rr=replay,rrfile=" + journal],
                         stdin=subprocess.DEVNULL, capture_output=True, timeout=60, text=True)
    check(run.returncode == 0, "-loadvm without -S exited %d: %s" % (run.returncode, run.stderr))
    check(summary_state(run.stderr) == recorded_state and recorded_state,
          "-loadvm replay ended in another state: %r vs %r" % (run.stderr, recorded_state))
    with open(os.path.join(tmp, "c-rec.out"), "rb") as a, open(out, "rb") as b:
        full, tail = a.read(), b.read()
        check(tail and full.endswith(tail) and tail != full,
              "-loadvm output is not the rest of the recording's: %r" % tail)


def selfcheck_part(rrsim, bench, tmp):
    """A replay under a monitor checks itself: the first pass through the
    long CPU benchmark is made to differ (rrcorrupt flips a register at one
    step, once), and going back before that step and running through it
    again must stop at the next self-check step (every 1M steps) with a
    divergence (status 72), long before the journal's next checkpoint
    (100M). The same operations without rrcorrupt find nothing."""
    journal = os.path.join(tmp, "bench.rr")
    rec = subprocess.run([rrsim, "-bios", "none", "-kernel", bench, "-serial", "null",
                          "-icount", "shift=0,rr=record,rrfile=" + journal],
                         stdin=subprocess.DEVNULL, capture_output=True, timeout=120, text=True)
    check(rec.returncode == 0, "recording (5) exited %d: %s" % (rec.returncode, rec.stderr))
    for corrupt in (True, False):
        sock = os.path.join(tmp, "qmp5.sock")
        icount = "shift=0,rr=replay,rrfile=" + journal + (",rrcorrupt=4500000" if corrupt else "")
        proc = subprocess.Popen([rrsim, "-bios", "none", "-kernel", bench, "-serial", "null", "-S",
                                 "-snapshot-store", os.path.join(tmp, "bench%d.snap" % corrupt),
                                 "-icount", icount, "-qmp", "unix:%s,server,nowait" % sock],
                                stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            q = Qmp(sock)
            check(ok(q.cmd("qmp_capabilities")), "qmp_capabilities (5)")
            check(ok(q.cmd("replay-break", icount=20000000)), "replay-break 20M")
            check(ok(q.cmd("cont")), "cont to 20M")
            check(q.event("STOP", timeout=60) is not None, "no STOP at 20M")
            check(ok(q.cmd("replay-seek", icount=4000000)), "replay-seek 4M")
            check(ok(q.cmd("replay-break", icount=6000000)), "replay-break 6M")
            check(ok(q.cmd("cont")), "cont to 6M")
            if corrupt:
                check(q.event("SHUTDOWN", timeout=60) is not None,
                      "no SHUTDOWN after running through the changed step again")
                try:
                    rc = proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    rc = None
                check(rc == 72, "self-check: exit %r, not 72" % rc)
                if rc is not None:
                    msg = proc.stderr.read()
                    check("self-check" in msg and "diverged at step 5000000 " in msg and
                          "x3 (gp)" in msg, "self-check message: %r" % msg)
            else:
                check(q.event("STOP", timeout=60) is not None, "no STOP at 6M")
                r = q.cmd("query-replay")
                check(ok(r) and r["return"]["icount"] == 6000000, "at 6M: %r" % r)
                check(ok(q.cmd("quit")), "quit (5)")
                check(proc.wait(timeout=30) == 0, "quit (5) exit status")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def run_part(rrsim, elf, tmp):
    sock = os.path.join(tmp, "qmp2.sock")
    proc = subprocess.Popen([rrsim, "-bios", "none", "-kernel", elf, "-S",
                             "-serial", "null", "-icount", "shift=0",
                             "-snapshot-store", os.path.join(tmp, "normal.snap"),
                             "-qmp", "unix:%s,server,nowait" % sock],
                            stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        q = Qmp(sock)
        check(ok(q.cmd("qmp_capabilities")), "qmp_capabilities (2)")
        r = q.cmd("query-replay")
        check(ok(r) and r["return"]["mode"] == "none", "query-replay mode none: %r" % r)
        check(err(q.cmd("replay-seek", icount=1)), "replay-seek outside replay must fail")
        check(ok(q.cmd("cont")), "cont (2)")
        check(q.event("RESUME") is not None, "no RESUME event (2)")
        time.sleep(0.3)
        r = q.cmd("query-status")
        check(ok(r) and r["return"]["running"] and r["return"]["status"] == "running",
              "query-status while running: %r" % r)
        check(ok(q.cmd("stop")), "stop")
        check(q.event("STOP") is not None, "no STOP event after stop")
        a = q.cmd("query-replay")["return"]["icount"]
        time.sleep(0.2)
        b = q.cmd("query-replay")["return"]["icount"]
        check(a == b and a > 0, "the machine advanced while stopped: %d -> %d" % (a, b))
        r = q.cmd("query-status")
        check(ok(r) and r["return"]["status"] == "paused", "query-status stopped: %r" % r)
        check(ok(q.cmd("snapshot-save", name="s1")), "snapshot-save in normal mode")
        check(ok(q.cmd("system_reset")), "system_reset")
        check(q.event("RESET") is not None, "no RESET event")
        check(ok(q.cmd("snapshot-load", name="s1")), "snapshot-load in normal mode")
        r = q.cmd("query-replay")
        check(ok(r) and r["return"]["icount"] == a, "icount after loading s1: %r" % r)
        check(ok(q.cmd("quit")), "quit")
        check(q.event("SHUTDOWN") is not None, "no SHUTDOWN event after quit")
        rc = proc.wait(timeout=30)
        check(rc == 0, "quit exit status %d: %s" % (rc, proc.stderr.read()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main():
    rrsim, elf = sys.argv[1], sys.argv[2]
    bench = sys.argv[3] if len(sys.argv) > 3 else None
    if not os.access(elf, os.R_OK):
        print("FAIL:", elf, "not built")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        replay_part(rrsim, elf, tmp)
        failure_and_loadvm_part(rrsim, elf, tmp)
        if bench and os.access(bench, os.R_OK):
            run_part(rrsim, bench, tmp)
            selfcheck_part(rrsim, bench, tmp)
        else:
            check(False, "%s not built: the stop/cont/reset/quit part cannot run" % bench)
    if FAILS:
        print("%d failure(s)" % len(FAILS))
        return 1
    print("qmp session: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
