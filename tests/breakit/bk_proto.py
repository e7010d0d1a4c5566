"""bk_proto: hostile input on the debugger sockets: the GDB remote protocol
and QMP. After the junk, a fresh connection must still get answers and end
the process; a replay driven to its end afterwards must end exactly as the
clean replay did (debugging never changes the guest)."""
import json
import os
import shutil
import socket
import subprocess
import time

from bk_core import (CRASH, HANG, PROPER, SAN_ENV, SILENT_WRONG, UNCLEAR, Outcome, Result,
                     bare, crashed, free_port, hostile_recording, kill_group, shell_quote)


class Proc:
    """rrsim with a debugger socket; stdout and stderr go to files in d."""

    def __init__(self, cmd, timeout, d):
        self.cmd_line, self.timeout, self.d = [str(c) for c in cmd], timeout, d
        env = dict(os.environ)
        env.update(SAN_ENV)
        self.t0 = time.monotonic()
        self.out = open(os.path.join(d, "stdout"), "wb")
        self.err = open(os.path.join(d, "stderr"), "wb")
        self.p = subprocess.Popen(self.cmd_line, stdin=subprocess.DEVNULL, stdout=self.out,
                                  stderr=self.err, env=env, start_new_session=True, cwd=d)
        self.result = None

    def connect(self, port, family=socket.AF_INET):
        deadline = time.monotonic() + self.timeout
        while True:
            s = socket.socket(family, socket.SOCK_STREAM)
            try:
                s.connect(("127.0.0.1", port))
                s.settimeout(self.timeout)
                return s
            except OSError:
                s.close()
                if self.p.poll() is not None or time.monotonic() > deadline:
                    raise ConnectionError("cannot connect to port %d (process %s)" % (
                        port, "exited %s" % self.p.returncode if self.p.poll() is not None
                        else "running"))
                time.sleep(0.05)

    def finish(self, timeout=None):
        """Wait for the exit (kill after the timeout): a Result."""
        if self.result:
            return self.result
        timed_out = False
        try:
            self.p.wait(timeout=self.timeout if timeout is None else timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            kill_group(self.p)
            self.p.wait()
        self.out.close()
        self.err.close()
        with open(os.path.join(self.d, "stdout"), "rb") as f:
            out = f.read()
        with open(os.path.join(self.d, "stderr"), "rb") as f:
            err = f.read().decode("utf-8", "replace")
        self.result = Result(self.cmd_line, self.p.returncode, out, err,
                             time.monotonic() - self.t0, timed_out)
        return self.result


# ---- QMP ---------------------------------------------------------------------

class Qmp(Proc):
    def __init__(self, ctx, cmd, timeout, d):
        os.makedirs(d, exist_ok=True)
        self.port = free_port()
        super().__init__(list(cmd) + ["-qmp", "tcp:127.0.0.1:%d,server,nowait" % self.port],
                         timeout, d)
        self.sock, self.buf, self.events, self.nid = None, b"", [], 0

    def open(self):
        if self.sock:
            self.sock.close()
        self.sock, self.buf = self.connect(self.port), b""
        return self.read()

    def handshake(self):
        greeting = self.open()
        if "QMP" not in greeting:
            raise ConnectionError("no QMP greeting: %r" % greeting)
        r = self.cmd("qmp_capabilities")
        if "return" not in r:
            raise ConnectionError("qmp_capabilities refused: %r" % r)

    def read(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("QMP connection closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError:
            return {"_unparsable": line[:200].decode("latin-1")}

    def cmd(self, execute, **args):
        self.nid += 1
        req = {"execute": execute, "id": "bk%d" % self.nid}
        if args:
            req["arguments"] = args
        self.sock.sendall(json.dumps(req).encode() + b"\n")
        while True:
            m = self.read()
            if "event" in m:
                self.events.append(m)
            elif m.get("id") == req["id"]:
                return m

    def wait_event(self, name):
        while True:
            for e in self.events:
                if e.get("event") == name:
                    self.events.remove(e)
                    return e
            m = self.read()
            if "event" in m:
                self.events.append(m)

    def drain(self, secs):
        self.sock.settimeout(secs)
        try:
            while True:
                data = self.sock.recv(1 << 20)
                if not data:
                    break
        except OSError:
            pass
        self.sock.settimeout(self.timeout)

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None
        return self.finish()

    def end_session(self, rec, how):
        """After the junk: a fresh connection must work. how = "quit" (the
        process must end) or "cont" (the replay runs to its end and must end
        exactly as the clean replay). Returns (verdict, detail)."""
        # A connection made before the server saw the previous one close is
        # a separate finding (reconnect_case): give it time here.
        time.sleep(0.5)
        try:
            self.handshake()
            st = self.cmd("query-status")
            if "return" not in st:
                return UNCLEAR, "query-status on a fresh connection failed: %r" % st
            if how == "quit":
                self.cmd("quit")
            else:
                self.cmd("replay-delete-break")
                r = self.cmd("cont")
                if "error" in r:
                    return UNCLEAR, "cont refused after the junk: %r" % r
        except (OSError, EOFError, ConnectionError) as e:
            r = self.close()
            if r.timed_out:
                return HANG, "no answer on a fresh connection (%s); killed after %.0f s" % (e, r.secs)
            if crashed(r):
                return CRASH, r.brief()
            if r.rc == 0 and self.p.returncode == 0 and r.summary_line():
                # A cont in the junk ran the replay to its end, with nobody
                # attached: it ended, and must have ended as the clean one.
                if r.out != rec.clean.out or r.summary_line() != rec.clean.summary_line():
                    return SILENT_WRONG, "replay resumed by the junk ended differently: %s " \
                        "(console %d bytes) vs clean %s (%d bytes)" % (
                            r.summary_line(), len(r.out), rec.clean.summary_line(),
                            len(rec.clean.out))
                return PROPER, "the junk resumed the replay; it ended as the clean one"
            return UNCLEAR, "fresh connection failed: %s; process %s" % (e, r.brief())
        r = self.close()
        if r.timed_out:
            return HANG, "did not end after %s: killed after %.0f s" % (how, r.secs)
        if crashed(r):
            return CRASH, r.brief()
        if how == "quit":
            return (PROPER, "answered and quit") if r.rc == 0 else (UNCLEAR, "quit: " + r.brief())
        if r.rc != 0:
            return UNCLEAR, "replay driven to its end after the junk: " + r.brief()
        if r.out != rec.clean.out or r.summary_line() != rec.clean.summary_line():
            return SILENT_WRONG, "debugging changed the replay: %s (console %d bytes) vs clean %s (%d bytes)" % (
                r.summary_line() or "no summary", len(r.out), rec.clean.summary_line(),
                len(rec.clean.out))
        return PROPER, "answered, and the replay ended exactly as the clean one"

    def snapshot_load_session(self, name, rec):
        """snapshot-load NAME, then cont to the end: an error reply, or the
        clean replay's final state."""
        try:
            self.handshake()
            r = self.cmd("snapshot-load", name=name)
            loaded = "return" in r
            if not loaded and not r.get("error", {}).get("desc"):
                self.close()
                return UNCLEAR, "snapshot-load: neither success nor an error: %r" % r
            r2 = self.cmd("cont")
            if "error" in r2:
                self.cmd("quit")
                res = self.close()
                if crashed(res) or res.timed_out:
                    return (HANG if res.timed_out else CRASH), res.brief()
                return PROPER, "snapshot-load refused (%s), cont refused" % r["error"]["desc"][:120]
        except (OSError, EOFError, ConnectionError) as e:
            res = self.close()
            if res.timed_out:
                return HANG, "QMP stopped answering (%s)" % e
            if crashed(res):
                return CRASH, res.brief()
            if res.rc == 73 and res.messages():
                return PROPER, res.brief()
            return UNCLEAR, "QMP connection lost (%s): %s" % (e, res.brief())
        res = self.close()
        if res.timed_out:
            return HANG, "replay did not end after cont (killed after %.0f s)" % res.secs
        if crashed(res):
            return CRASH, res.brief()
        if res.rc != 0:
            if res.rc in range(65, 75) and res.messages():
                return PROPER, res.brief()
            return UNCLEAR, res.brief()
        if res.summary_line() != rec.clean.summary_line():
            return SILENT_WRONG, "snapshot-load %s (%s) then cont ended at %s, clean %s" % (
                name, "loaded" if loaded else "refused", res.summary_line(),
                rec.clean.summary_line())
        return PROPER, "snapshot-load %s, ended as the clean replay" % (
            "succeeded" if loaded else "refused")


def qmp_junk(rng, steps):
    """One hostile QMP message (bytes), and whether it leaves the stream
    balanced (the session may go on after it)."""
    def cmd(execute, **args):
        m = {"execute": execute}
        if args:
            m["arguments"] = args
        return json.dumps(m).encode()
    absurd = [-1, 2 ** 64, 2 ** 63, 2 ** 64 - 1, 1.5, 1e308, "abc", None, {}, [], True,
              steps + 1, steps * 10, 0, steps - 1, rng.randrange(max(1, steps))]
    names = ["", "mid", "nothing", "a" * rng.choice([1, 300, 70000]), "../x", "\u0000", "\ud7ff",
             "x y", 123, None]
    k = rng.randrange(14)
    if k == 0:
        return rng.choice([b"{", b"}", b"]", b"{\"execute\":", b"null", b"[]", b"42", b"\"s\"",
                           b"true", b"{\"execute\": 1}", b"{\"execute\":\"cont\",\"arguments\":[]}",
                           b"{\"execute\":\"x\",\"foo\":1}", b"\x00" * 64, b"\xff\xfe{\"a\"}",
                           b"{\"execute\":\"query-status\",\"id\":{\"a\":[1,2,{}]}}",
                           b"1e999999", b"-0", b"{\"execute\":\"\\ud800\"}", b"{\"a\":\"\\u00\"}",
                           b"{\"execute\":\"query-status\",\"execute\":\"stop\"}"]), False
    if k == 1:
        depth = rng.choice([64, 1000, 100000, 1000000])
        o = rng.choice([(b"[", b"]"), (b"{\"a\":", b"}")])
        return o[0] * depth + b"1" + o[1] * depth, True
    if k == 2:
        n = rng.choice([1 << 16, 1 << 20, 5 << 20])
        return b"{\"execute\":\"" + b"q" * n + b"\"}", True
    if k == 3:
        return bytes(rng.randrange(256) for _ in range(rng.choice([1, 16, 4096]))), False
    if k == 4:
        return cmd(rng.choice(["replay-seek", "replay-break"]), icount=rng.choice(absurd)), True
    if k == 5:
        return cmd(rng.choice(["snapshot-load", "snapshot-save", "snapshot-delete"]),
                   name=rng.choice(names)), True
    if k == 6:
        line = rng.choice(["seek -1", "seek 99999999999999999999", "seek %d" % (steps + 5),
                           "savevm", "savevm " + "n" * 5000, "loadvm nothing", "delvm x",
                           "info", "info registers", "info snapshots x", "", "x" * 100000,
                           "icount extra", "help " * 1000, "seek 0", "seek %d" % (steps // 3),
                           "\x00\x01"])
        return cmd("human-monitor-command", **{"command-line": line}), True
    if k == 7:
        return cmd(rng.choice(["bogus", "", "QUIT", "query-" + "x" * 1000, "device_add",
                               "qmp_capabilities"])), True
    if k == 8:
        return cmd(rng.choice(["query-status", "query-replay", "snapshot-list", "query-version",
                               "query-commands", "stop", "cont", "replay-delete-break",
                               "system_reset"])), True
    if k == 9:
        return cmd(rng.choice(["replay-seek", "replay-break"]),
                   icount=rng.randrange(max(1, steps))), True
    if k == 10:
        return cmd("query-status", bogus=rng.choice(absurd)), True
    if k == 11:
        return cmd("replay-seek", icount=rng.choice(absurd), extra=1), True
    if k == 12:
        return cmd(rng.choice(["cont", "stop", "query-replay"]), **{"arguments": 1}), True
    return json.dumps({"execute": "replay-seek", "arguments": {"icount": str(
        rng.randrange(max(1, steps)))}}).encode(), True


def qmp_case(ctx, rec, idx, before_caps):
    fam = "qmp"
    rng = ctx.rng("qmp", idx)
    steps = int(rec.clean.summary_line().split("steps=")[1].split()[0])
    d = ctx.case_dir(fam, "case%d" % idx)
    how = rng.choice(["quit", "cont"])
    shutil.copy(rec.journal, os.path.join(d, "j.rr"))
    q = Qmp(ctx, rec.replay_cmd(os.path.join(d, "j.rr"), "-S"), rec.timeout, d)
    sent = []
    try:
        q.open()
        if not before_caps:
            q.sock.sendall(b"{\"execute\":\"qmp_capabilities\"}\n")
        for _ in range(rng.randrange(3, 12)):
            msg, balanced = qmp_junk(rng, steps)
            sent.append(msg[:80])
            q.sock.sendall(msg + b"\n")
            q.drain(0.05)
            if not balanced:
                break
        q.drain(0.2)
        q.sock.close()
        q.sock = None
    except (OSError, EOFError, ConnectionError):
        pass
    v, det = q.end_session(rec, how)
    repro = "%s; then over QMP (seed %s, case %d)%s: %s ... then a fresh connection: %s  # journal: %s" % (
        shell_quote(q.cmd_line), ctx.seed, idx, " before qmp_capabilities" if before_caps else "",
        " | ".join(repr(m) for m in sent), how, rec.record_repro())
    if v == PROPER:
        shutil.rmtree(d, ignore_errors=True)
    return [Outcome(fam, "QMP junk #%d then %s" % (idx, how), v, det, repro)]


def reconnect_case(ctx, fam, rec):
    """A client that reconnects at once after closing must be served (or
    queued), not accepted and dropped."""
    d = ctx.case_dir(fam, "reconnect")
    shutil.copy(rec.journal, os.path.join(d, "j.rr"))
    port = free_port()
    extra = ["-S"] + (["-gdb", "tcp::%d" % port] if fam == "gdb" else
                      ["-qmp", "tcp:127.0.0.1:%d,server,nowait" % port])
    if fam == "gdb":
        # A gdb disconnect lets the target run on, and a short replay would
        # end before the next connection: use a long guest in normal mode.
        p = Proc(bare(ctx, ctx.cpu_bench, "-serial", "file:" + os.path.join(d, "console"), *extra),
                 20, d)
    else:
        p = Proc(rec.replay_cmd(os.path.join(d, "j.rr"), *extra), rec.timeout, d)
    got = []
    try:
        for i in range(3):
            s = p.connect(port)
            if fam == "gdb":
                s.sendall(gdb_packet(b"?"))
                got.append(gdb_read_until(s, lambda pkt: pkt[:1] in (b"S", b"T"), 3) is not None)
            else:
                s.settimeout(3)
                try:
                    got.append(b"QMP" in s.recv(4096))
                except OSError:
                    got.append(False)
            s.close()
        time.sleep(0.5)
        s = p.connect(port)
        s.sendall(gdb_packet(b"k") if fam == "gdb" else b'{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n')
        time.sleep(0.5)
        s.close()
    except OSError as e:
        got.append("error %s" % e)
    r = p.finish()
    repro = "%s; then connect, %s, close, reconnect at once (3 times)" % (
        shell_quote(p.cmd_line), "send $?#3f" if fam == "gdb" else "read the greeting")
    if r.timed_out:
        v, det = HANG, "did not end (killed after %.0f s); answers: %s" % (r.secs, got)
    elif crashed(r):
        v, det = CRASH, r.brief()
    elif all(g is True for g in got):
        v, det = PROPER, "every quick reconnection served"
    else:
        v, det = UNCLEAR, "a connection made right after the previous one closed was dropped " \
                          "without a word (answers per connection: %s)" % got
    if v == PROPER:
        shutil.rmtree(d, ignore_errors=True)
    return [Outcome(fam, "%s quick reconnect" % fam, v, det, repro)]


def disconnect_case(ctx, fam, rec, what):
    """Send a command that replays a long way (a seek back to 0 from near the
    end), and hang up at once: the session must survive its own client going
    away while the command runs the machine."""
    d = ctx.case_dir(fam, "disconnect-" + what)
    shutil.copy(rec.journal, os.path.join(d, "j.rr"))
    steps = int(rec.clean.summary_line().split("steps=")[1].split()[0])
    port = free_port()
    if fam == "gdb":
        extra = ["-S", "-gdb", "tcp::%d" % port]
        seek = lambda n: gdb_packet(b"qRcmd," + (b"seek %d" % n).hex().encode())
        end = gdb_packet(b"k")
    else:
        extra = ["-S", "-qmp", "tcp:127.0.0.1:%d,server,nowait" % port]
        seek = lambda n: b'{"execute":"replay-seek","arguments":{"icount":%d}}\n' % n
        end = b'{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n'
    p = Proc(rec.replay_cmd(os.path.join(d, "j.rr"), *extra), rec.timeout, d)
    sent = []
    try:
        s = p.connect(port)
        if fam == "qmp":
            s.sendall(b'{"execute":"qmp_capabilities"}\n')
        for target in ((steps - 10, 0) if what == "back" else (steps - 10,)):
            s.sendall(seek(target))
            sent.append("seek %d" % target)
            if target != 0 and what == "back":
                time.sleep(0.5 * rec.clean.secs + 0.2)
        s.close()
        time.sleep(0.5)
        if p.p.poll() is None:
            s = p.connect(port)
            s.sendall(end)
            time.sleep(0.5)
            s.close()
    except OSError:
        pass
    r = p.finish()
    repro = "%s; then send %s and close the connection at once; reconnect, end it" % (
        shell_quote(p.cmd_line), ", ".join(sent))
    if r.timed_out:
        v, det = HANG, "did not end (killed after %.0f s)" % r.secs
    elif crashed(r):
        v, det = CRASH, r.brief()
    elif r.rc == 0 or (fam == "gdb" and r.rc in (0, 137)):
        v, det = PROPER, "survived the client leaving mid-command"
    else:
        v, det = UNCLEAR, r.brief()
    if v == PROPER:
        shutil.rmtree(d, ignore_errors=True)
    return [Outcome(fam, "%s: client leaves during a long seek (%s)" % (fam, what), v, det, repro)]


def family_qmp(ctx, n):
    rec = hostile_recording(ctx, "hostile-q", 0x716d70 ^ ctx.seed, 0x800)
    if rec.baseline_error:
        return [lambda: [Outcome("qmp", "baseline", SILENT_WRONG, rec.baseline_error,
                                 rec.record_repro())]]
    return [lambda: reconnect_case(ctx, "qmp", rec), lambda: disconnect_case(ctx, "qmp", rec, "fwd"),
            lambda: disconnect_case(ctx, "qmp", rec, "back")] + [
        lambda i=i: qmp_case(ctx, rec, i, before_caps=(i % 4 == 1)) for i in range(n - 3)]


# ---- GDB remote protocol -----------------------------------------------------

def gdb_packet(data):
    return b"$" + data + b"#%02x" % (sum(data) & 0xff)


def gdb_junk(rng):
    """One hostile chunk of the GDB remote protocol."""
    addr = rng.choice([0x80000000, 0x80001000, 0, 0x10000000, 0x100000, 0xfffffffffffffff0,
                       0x7fffffffffffffff, rng.randrange(1 << 64), 0x87fffff0])
    ln = rng.choice([0, 1, 4, 8, 0x100, 0x1000, 0x10000, 0x100000, 0x7fffffff, 0xffffffff,
                     0xffffffffffffffff, 1 << 40])
    kind = rng.choice(["bp", "bp", "hw", "w", "r", "a"])
    zt = {"bp": 0, "hw": 1, "w": 2, "r": 3, "a": 4}[kind]
    body = rng.choice([
        b"m%x,%x" % (addr, ln), b"M%x,%x:%s" % (addr, ln % 64, b"ab" * (ln % 64)),
        b"M%x,%x:" % (addr, ln), b"X%x,%x:" % (addr, ln) + bytes(rng.randrange(256) for _ in range(8)),
        b"m%x" % addr, b"m,", b"m-1,-1", b"m%x,-%x" % (addr, ln), b"M0,1:zz", b"m" + b"f" * 40 + b",1",
        b"Z%d,%x,%d" % (zt, addr, rng.choice([0, 1, 2, 3, 4, 8, 16, 1 << 20, 1 << 62])),
        b"z%d,%x,%d" % (zt, addr, rng.choice([0, 1, 2, 3, 4, 8])), b"Z9,0,0", b"Z0", b"Z1,", b"z",
        b"g", b"G" + b"00" * rng.choice([1, 33, 100, 5000]), b"p%x" % rng.choice([0, 32, 33, 65, 4096, 0x1000 + 0x341, 0xffffffff]),
        b"P%x=%s" % (rng.choice([1, 32, 0x1000, 99999]), b"11" * rng.choice([0, 1, 8, 9])),
        b"P", b"p", b"?", b"H", b"Hg-1", b"Hc0", b"T1", b"T-1", b"qC", b"qAttached",
        b"qSupported:" + b";".join(rng.choice([b"multiprocess+", b"xmlRegisters=i386", b"x" * 300,
                                               b"swbreak+", b"=", b";;"]) for _ in range(rng.randrange(1, 30))),
        b"qXfer:features:read:target.xml:%x,%x" % (rng.choice([0, 1 << 20, 1 << 63]), ln),
        b"qXfer:features:read:nothing.xml:0,ffff", b"qXfer:features:read:../../../etc/passwd:0,100",
        b"qRcmd," + bytes(rng.randrange(256) for _ in range(rng.randrange(0, 40))).hex().encode(),
        b"qRcmd," + b"seek 99999999999999999999".hex().encode(), b"qRcmd,zz", b"qRcmd,",
        b"qRcmd," + b"savevm ".hex().encode() + b"ab" * 3000, b"qRcmd," + b"seek -5".hex().encode(),
        b"qRcmd," + b"loadvm nothing".hex().encode(), b"qRcmd," + b"info registers".hex().encode(),
        b"vCont?", b"vCont;c", b"vCont;s", b"vCont;s:1;c", b"vCont;t", b"vCont;x", b"vCont;r0,1",
        b"vCont;c:-1", b"vCont;" + b";".join([b"s"] * 200), b"vMustReplyEmpty", b"vFile:open:",
        b"vRun;", b"vAttach;1", b"c", b"c%x" % addr, b"s", b"s%x" % addr, b"C05", b"S0b", b"bc", b"bs",
        b"qfThreadInfo", b"qsThreadInfo", b"qThreadExtraInfo,1", b"qThreadExtraInfo,zz",
        b"QStartNoAckMode", b"QNonStop:1", b"QThreadEvents:1", b"!", b"R00", b"i", b"I", b"A0,0,",
        b"bogus", b"q", b"Q", b"v", b"x" * 70000, b"qSymbol::", b"qOffsets", b"qTStatus"])
    k = rng.randrange(10)
    if k < 5:
        return gdb_packet(body)
    if k == 5:
        p = gdb_packet(body)
        return p[:-2] + b"%02x" % ((int(p[-2:], 16) + 1) & 0xff)     # bad checksum
    if k == 6:
        return b"$" + body                                              # no '#'
    if k == 7:
        return b"$" + body + b"#zz"
    if k == 8:
        return rng.choice([b"\x03", b"+", b"-", b"---", b"}", b"*", b"$#00", b"$}}}#00",
                           bytes(rng.randrange(256) for _ in range(rng.choice([1, 50, 5000])))])
    esc = bytearray(gdb_packet(body))
    for _ in range(3):
        esc.insert(rng.randrange(1, max(2, len(esc) - 3)), rng.choice(b"}*$#"))
    return bytes(esc)


def gdb_read_until(s, pred, timeout):
    """Collect packets until pred(packet) for one of them; None on timeout."""
    deadline = time.monotonic() + timeout
    buf = b""
    while time.monotonic() < deadline:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = s.recv(1 << 20)
        except socket.timeout:
            break
        if not data:
            return None
        buf += data
        while b"$" in buf and b"#" in buf[buf.index(b"$"):]:
            i = buf.index(b"$")
            j = buf.index(b"#", i)
            pkt, buf = buf[i + 1:j], buf[j + 3:]
            if pred(pkt):
                return pkt
    return None


def gdb_case(ctx, idx, mode, target):
    """Junk on one connection (maybe cut mid-packet), then a fresh connection
    must answer '?' and 'k' must end the process; in replay, 'D' instead lets
    the replay run to its end, which must be the clean replay's."""
    fam = "gdb"
    rng = ctx.rng("gdb", idx)
    d = ctx.case_dir(fam, "%s-%d" % (mode, idx))
    port = free_port()
    if mode == "replay":
        rec = target
        shutil.copy(rec.journal, os.path.join(d, "j.rr"))
        cmd = rec.replay_cmd(os.path.join(d, "j.rr"), "-S", "-gdb", "tcp::%d" % port)
        timeout = rec.timeout
    else:
        cmd = bare(ctx, ctx.cpu_bench, "-serial", "file:" + os.path.join(d, "console"), "-S",
                   "-gdb", "tcp::%d" % port)
        timeout = 20
    p = Proc(cmd, timeout, d)
    sent = []
    try:
        s = p.connect(port)
        for _ in range(rng.randrange(3, 15)):
            j = gdb_junk(rng)
            sent.append(j[:60])
            s.sendall(j)
            gdb_read_until(s, lambda pkt: False, 0.05)
        if rng.random() < 0.3:
            s.sendall(b"$m80000000,4")               # cut mid-packet
            sent.append(b"<disconnect mid-packet>")
        s.close()
    except OSError:
        pass
    how = "detach" if mode == "replay" and rng.random() < 0.5 else "kill"
    verdict, detail = None, ""
    time.sleep(0.5)      # see reconnect_case
    if mode == "replay" and p.p.poll() is not None:
        how = "none (a disconnect lets the replay run on; it ended by itself)"
    try:
        if p.p.poll() is not None:
            raise ConnectionError("ended")
        s = p.connect(port)
        s.sendall(b"\x03")
        time.sleep(0.1)
        s.sendall(b"+" + gdb_packet(b"?"))
        pkt = gdb_read_until(s, lambda pkt: pkt[:1] in (b"S", b"T", b"W", b"X"), timeout)
        if pkt is None:
            verdict, detail = HANG, "no stop reply to '?' on a fresh connection"
        if how == "kill":
            s.sendall(gdb_packet(b"k"))
        else:
            s.sendall(gdb_packet(b"D"))
            gdb_read_until(s, lambda pkt: pkt == b"OK", 2)
        time.sleep(0.2)
        s.close()
    except (OSError, ConnectionError) as e:
        if mode == "replay" and p.p.poll() is not None:
            how = "none (the replay ran on after the disconnect and ended)"
        else:
            verdict, detail = UNCLEAR, "fresh connection failed: %s" % e
    r = p.finish()
    if r.timed_out:
        verdict, detail = HANG, "did not end after '%s' (killed after %.0f s)%s" % (
            how, r.secs, "; " + detail if detail else "")
    elif crashed(r):
        verdict, detail = CRASH, r.brief()
    elif verdict is None:
        if how == "kill" and mode == "normal":
            verdict, detail = (PROPER, "answered, killed") if r.rc in (0, 137) or r.rc in range(65, 75) \
                else (UNCLEAR, "after 'k': " + r.brief())
        elif how == "kill":
            verdict, detail = (PROPER, "answered, killed") if r.rc in (0, 137) or r.rc in range(65, 75) \
                else (UNCLEAR, "after 'k': " + r.brief())
        elif r.rc != 0:
            verdict, detail = UNCLEAR, "replay after detach: " + r.brief()
        elif r.out != target.clean.out or r.summary_line() != target.clean.summary_line():
            verdict, detail = SILENT_WRONG, "debugging changed the replay: %s vs clean %s" % (
                r.summary_line() or "no summary (%s)" % r.brief(), target.clean.summary_line())
        else:
            verdict, detail = PROPER, "replay ended as the clean one (%s)" % how
    repro = "%s; then on tcp::%d (seed %s, case %d): %s ... then a fresh connection: ^C, ?, %s" % (
        shell_quote(p.cmd_line), port, ctx.seed, idx, b" ".join(sent).decode("latin-1")[:600], how)
    if mode == "replay":
        repro += "  # journal: " + target.record_repro()
    if verdict == PROPER:
        shutil.rmtree(d, ignore_errors=True)
    return [Outcome(fam, "gdb %s junk #%d then %s" % (mode, idx, how), verdict, detail, repro)]


def family_gdb(ctx, n):
    rec = hostile_recording(ctx, "hostile-g", 0x676462 ^ ctx.seed, 0x800)
    cases = [lambda: reconnect_case(ctx, "gdb", rec), lambda: disconnect_case(ctx, "gdb", rec, "fwd"),
             lambda: disconnect_case(ctx, "gdb", rec, "back")]
    for i in range(n - 3):
        mode = "replay" if i % 2 else "normal"
        cases.append(lambda i=i, mode=mode: gdb_case(ctx, i, mode, rec if mode == "replay" else None))
    return cases
