"""bk_core: running one command, judging its outcome, and the shared setup of
the break-it harness (breakit.py). Standard library only.

An outcome is one of
  PROPER        a documented error (exit 65..74 and a message on stderr naming
                the problem), or the clean result where one is expected;
  CRASH         a signal, an exit status >= 128, a sanitizer report or an
                assertion;
  HANG          the command outlived its timeout (3x its clean time + 5 s);
  SILENT_WRONG  success, but a result that differs from the clean reference;
  UNCLEAR       anything else (an undocumented status, an error without a
                message, an error where the contract promises success ...).
"""
import os
import random
import shutil
import signal
import socket
import subprocess
import threading
import time

PROPER, CRASH, HANG, SILENT_WRONG, UNCLEAR = "PROPER", "CRASH", "HANG", "SILENT_WRONG", "UNCLEAR"
VERDICTS = [PROPER, CRASH, HANG, SILENT_WRONG, UNCLEAR]

CRASH_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
               "runtime error:", "Assertion", "assertion", "internal error",
               "Segmentation fault", "core dumped", "stack-overflow", "SUMMARY: ")

SAN_ENV = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=1:allocator_may_return_null=1",
           "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"}


class Result:
    """What one command did: status (negative = signal), output, time."""

    def __init__(self, cmd, rc, out, err, secs, timed_out):
        self.cmd, self.rc, self.out, self.err = cmd, rc, out, err
        self.secs, self.timed_out = secs, timed_out

    def summary_line(self):
        """The -d summary line ("rrsim: guest-poweroff exit=0 steps=..."), or ''."""
        for line in self.err.splitlines():
            if line.startswith("rrsim: ") and " steps=" in line and " state=" in line:
                return line
        return ""

    def messages(self):
        """stderr lines other than the summary line."""
        return [l for l in self.err.splitlines() if l.strip() and l != self.summary_line()]

    def brief(self):
        if self.timed_out:
            return "timed out after %.1f s" % self.secs
        msg = " | ".join(self.messages()[-2:])
        return "exit %s%s" % (self.rc, (": " + msg[:300]) if msg else "")


def shell_quote(args):
    out = []
    for a in args:
        a = str(a)
        if a and all(c.isalnum() or c in "-_./:=,+@%" for c in a):
            out.append(a)
        else:
            out.append("'" + a.replace("'", "'\\''") + "'")
    return " ".join(out)


def run(cmd, timeout, feed=None, cwd=None, out_path=None):
    """Run cmd with stdin from `feed` ((delay_s, bytes) chunks, then EOF; None:
    /dev/null), stdout into out_path (or a pipe), stderr captured. The whole
    process group is killed on timeout."""
    cmd = [str(c) for c in cmd]
    env = dict(os.environ)
    env.update(SAN_ENV)
    t0 = time.monotonic()
    out_f = open(out_path, "wb") if out_path else subprocess.PIPE
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE if feed is not None else subprocess.DEVNULL,
                         stdout=out_f, stderr=subprocess.PIPE, cwd=cwd, env=env,
                         start_new_session=True)
    if feed is not None:
        def writer():
            try:
                for delay, data in feed:
                    time.sleep(delay)
                    p.stdin.write(data)
                    p.stdin.flush()
            except OSError:
                pass
            finally:
                try:
                    p.stdin.close()
                except OSError:
                    pass
        threading.Thread(target=writer, daemon=True).start()
    timed_out = False
    try:
        out, err = p.communicate(timeout=timeout) if feed is None else _wait(p, timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_group(p)
        if feed is None:
            out, err = p.communicate()
        else:
            out, err = _wait(p, None)
    if out_path:
        out_f.close()
        with open(out_path, "rb") as f:
            out = f.read()
    return Result(cmd, p.returncode, out or b"", (err or b"").decode("utf-8", "replace"),
                  time.monotonic() - t0, timed_out)


def _wait(p, timeout):
    # communicate() would close stdin under the writer thread: read stderr
    # (and stdout) ourselves.
    bufs = {}

    def drain(name, f):
        bufs[name] = f.read() if f else b""
    ts = [threading.Thread(target=drain, args=("out", p.stdout), daemon=True),
          threading.Thread(target=drain, args=("err", p.stderr), daemon=True)]
    for t in ts:
        t.start()
    p.wait(timeout=timeout)
    for t in ts:
        t.join(5)
    return bufs.get("out", b""), bufs.get("err", b"")


def kill_group(p):
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except OSError:
        pass


def crashed(r):
    """A crash: signal, status >= 128, a sanitizer or assertion report."""
    if r.timed_out:
        return False
    if r.rc is not None and (r.rc < 0 or r.rc >= 128):
        return True
    return any(m in r.err for m in CRASH_MARKS)


def proper_error(r, allowed):
    """A documented status in `allowed` with a short message naming it."""
    if r.rc not in allowed:
        return False
    msgs = [l for l in r.messages() if not l.startswith("rrsim: warning")]
    return 1 <= len(msgs) <= 3 and any(l.startswith("rrsim") for l in msgs)


def judge_error_or(r, allowed, ok=None, what="command"):
    """The common verdict: HANG / CRASH first, then a proper error in `allowed`,
    then success judged by ok(r) -> (verdict, detail) when given."""
    if r.timed_out:
        return HANG, r.brief()
    if crashed(r):
        return CRASH, r.brief()
    if ok is not None and r.rc == 0:
        return ok(r)
    if proper_error(r, allowed):
        return PROPER, r.brief()
    if r.rc in range(65, 75):
        return UNCLEAR, "%s: status %d not expected here or message missing: %s" % (
            what, r.rc, r.brief())
    return UNCLEAR, "%s: %s" % (what, r.brief())


class Outcome:
    def __init__(self, family, name, verdict, detail, repro):
        self.family, self.name, self.verdict = family, name, verdict
        self.detail, self.repro = detail, repro


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Ctx:
    """Paths, seed, time limits and the clean references every family shares."""

    def __init__(self, build, workdir, seed, quick, jobs, asan_build=None):
        self.build = os.path.abspath(build)
        self.rrsim = os.path.join(self.build, "rrsim")
        self.tool = os.path.join(self.build, "rrsim-journal")
        self.guest_dir = os.path.join(self.build, "tests", "guest")
        self.hostile = os.path.join(self.guest_dir, "hostile.elf")
        self.debugme = os.path.join(self.guest_dir, "debugme.elf")
        self.snapmix = os.path.join(self.guest_dir, "snapmix.elf")
        self.cpu_bench = os.path.join(self.build, "bench", "cpu_bench.elf")
        self.asan_rrsim = os.path.join(asan_build, "rrsim") if asan_build else None
        self.workdir = os.path.abspath(workdir)
        self.seed, self.quick, self.jobs = seed, quick, jobs
        self._lock = threading.Lock()
        self._refs = {}
        self._n = 0
        for p in (self.rrsim, self.tool, self.hostile, self.debugme, self.snapmix, self.cpu_bench):
            if not os.access(p, os.R_OK):
                raise SystemExit("breakit: %s is missing (build first)" % p)

    def rng(self, *salt):
        return random.Random("%s/%s" % (self.seed, "/".join(str(s) for s in salt)))

    def case_dir(self, family, name):
        with self._lock:
            self._n += 1
            n = self._n
        d = os.path.join(self.workdir, family, "%04d-%s" % (n, "".join(
            c if c.isalnum() or c in "-_." else "_" for c in name)[:60]))
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        return d

    def timeout(self, clean_secs):
        return 3 * clean_secs + 5

    def ref(self, key, make):
        """A clean reference, made once (make() may take a while)."""
        with self._lock:
            ev = self._refs.get(key)
            if ev is None:
                ev = self._refs[key] = [threading.Event(), None, None]
                owner = True
            else:
                owner = False
        if owner:
            try:
                ev[1] = make()
            except Exception as e:  # a broken reference fails every case using it
                ev[2] = e
            ev[0].set()
        ev[0].wait()
        if ev[2] is not None:
            raise ev[2]
        return ev[1]


def bare(ctx, elf, *extra, rrsim=None):
    """A bare-metal command line for a guest program."""
    return [rrsim or ctx.rrsim, "-bios", "none", "-kernel", elf] + list(extra)


class Recording:
    """A recorded run of a guest and its clean replay (the reference every
    damaged variant is held to). `icount` is the -icount value without rr=."""

    def __init__(self, ctx, name, elf, icount, feed, extra=(), timeout=300):
        self.ctx, self.name, self.elf, self.icount = ctx, name, elf, icount
        self.extra = list(extra)
        # Replays start plain; a case adds rrsnapshot= itself.
        self.replay_icount = ",".join(x for x in icount.split(",") if not x.startswith("rrsnapshot="))
        self.dir = os.path.join(ctx.workdir, "recordings", name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.journal = os.path.join(self.dir, "j.rr")
        self.feed_desc = " ".join("sleep %.2f; printf %r;" % (d, b.decode("latin-1"))
                                  for d, b in feed)
        self.rec = run(bare(ctx, elf, "-serial", "stdio", "-d", "summary", *self.extra,
                            "-icount", "%s,rr=record,rrfile=%s" % (icount, self.journal)),
                       timeout=timeout, feed=feed, out_path=os.path.join(self.dir, "rec.out"))
        if self.rec.timed_out or self.rec.rc != 0 or not self.rec.summary_line():
            raise RuntimeError("recording %s failed: %s" % (name, self.rec.brief()))
        self.clean = run(self.replay_cmd(self.journal), timeout=timeout,
                         out_path=os.path.join(self.dir, "play.out"))
        # The baseline itself must hold, or nothing built on it means anything.
        self.baseline_error = None
        if self.clean.rc != 0 or self.clean.out != self.rec.out or \
                self.clean.summary_line() != self.rec.summary_line():
            self.baseline_error = "clean replay differs from its recording: %s vs %s" % (
                self.clean.brief(), self.rec.summary_line())
        self.timeout = ctx.timeout(max(self.rec.secs, self.clean.secs))

    def record_repro(self):
        return "(%s) | %s" % (self.feed_desc, shell_quote(self.rec.cmd))

    def replay_cmd(self, journal, *extra, rrsim=None, icount_extra=""):
        return bare(self.ctx, self.elf, "-serial", "stdio", "-d", "summary", *self.extra,
                    *extra, "-icount", "%s,rr=replay,rrfile=%s%s" % (self.replay_icount, journal,
                                                                   icount_extra),
                    rrsim=rrsim)

    def same_as_clean(self, r, what="replay"):
        """Verdict for a replay that exited 0: identical, or SILENT_WRONG."""
        if r.out == self.clean.out and r.summary_line() == self.clean.summary_line():
            return PROPER, "identical to the clean replay"
        return SILENT_WRONG, "%s exited 0 but differs from the clean replay: %s (console %d vs %d bytes) vs %s" % (
            what, r.summary_line() or "no summary", len(r.out), len(self.clean.out),
            self.clean.summary_line())


def hostile_feed(seed, ops):
    return [(0.05, b"%x %x\n" % (seed, ops))]


def hostile_recording(ctx, name, seed, ops, icount="shift=0,rrcheckpoint=100000", extra=()):
    return ctx.ref(("rec", name), lambda: Recording(ctx, name, ctx.hostile, icount,
                                                    hostile_feed(seed, ops), extra))


def snapmix_recording(ctx):
    feed = [(0.15, b"hello"), (0.15, b" world\n"), (0.1, b"q")]
    return ctx.ref(("rec", "snapmix"), lambda: Recording(
        ctx, "snapmix", ctx.snapmix, "shift=0,sleep=on,rrcheckpoint=1000000", feed))


def hostile_secs_per_op(ctx):
    """Seconds one hostile-guest operation takes on this build and host (a
    clean recording of 0x400 of them, timed), to size timeouts by."""
    rec = hostile_recording(ctx, "hostile-cal", 0x63616c ^ ctx.seed, 0x400)
    return max(rec.rec.secs, rec.clean.secs) / 0x400
