#!/usr/bin/env python3
"""Drive a guest console the way a person at a terminal would.

Runs a command with its stdin and stdout on pipes, follows an interaction
script (wait for text, type keys with host-timed gaps, wait for the exit
status), and keeps the whole console output in a log file.  Standard library
only, so it runs wherever python3 does.

As a program:

    console.py --script FILE --log OUT [--stderr ERR] [--timeout S]
               [--var NAME=VALUE ...] [--timings FILE] [--stdin null]
               -- COMMAND ARGS...

As a library:

    con = Console(["rrsim", ...], log_path="out.log")
    try:
        con.run_script(parse_script(open("x.txt").read()))
    finally:
        con.close()

Interaction scripts: one step per line, words split as a POSIX shell would
(double quotes keep spaces; inside them a backslash only escapes a double
quote or a backslash, so regular expressions can be written as they are);
"#" starts a comment; "${NAME}" is replaced by a --var value.

    timeout SECONDS             default time limit of the following steps
    expect REGEX [SECONDS]      wait for REGEX (Python re, MULTILINE) in the
                                output that follows the previous match
    send TEXT                   write TEXT at once (\\r, \\n, \\t, \\xHH, \\\\)
    type TEXT DELAY_MS          write TEXT one byte at a time, DELAY_MS of
                                host time between bytes
    sleep MS                    let MS of host time pass (output is still read)
    eof                         close the child's stdin
    mark NAME                   note the time under NAME (see --timings)
    expect_exit CODE [SECONDS]  wait for the output to end and the child to
                                exit with status CODE

A step that fails (time limit, unexpected exit, wrong status) stops the run:
the child is killed, and the message names the step, its script line and the
last output seen.  A child still running when the script ends is killed too.
The child runs in a session of its own, so killing it reaches anything it
started.  Exit status of the program: 0 when every step passed, 1 when one
failed, 2 on a bad script or command line.

The second half of this file is what the guest tests (uboot_session.py,
linux_boot.py) share: masking and diffing console logs, a host load
generator, and GuestTest, which runs a script on rrsim and QEMU and compares
the consoles, or records a session on rrsim and replays it without input.
"""

import argparse
import codecs
import contextlib
import os
import re
import select
import shlex
import signal
import subprocess
import sys
import time

DEFAULT_STEP_TIMEOUT = 30.0
DEFAULT_TOTAL_TIMEOUT = 170.0
TAIL_CHARS = 1200


class ConsoleError(Exception):
    """A step did not happen as the script says (the run has failed)."""


class ScriptError(Exception):
    """The interaction script cannot be parsed."""


_VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def decode_text(arg):
    """Backslash escapes of a send/type argument, to the bytes to write."""
    try:
        return codecs.decode(arg, "unicode_escape").encode("latin-1")
    except (UnicodeDecodeError, UnicodeEncodeError) as exc:
        raise ScriptError("bad escape or non-latin-1 text in %r: %s" % (arg, exc))


def _number(word, what, lineno):
    try:
        value = float(word)
    except ValueError:
        raise ScriptError("line %d: %s must be a number, not %r" % (lineno, what, word))
    if value < 0:
        raise ScriptError("line %d: %s must not be negative" % (lineno, what))
    return value


# verb -> (minimum, maximum) argument count
_ARITY = {
    "timeout": (1, 1), "expect": (1, 2), "send": (1, 1), "type": (2, 2),
    "sleep": (1, 1), "eof": (0, 0), "mark": (1, 1), "expect_exit": (1, 2),
}


def parse_script(text, variables=None):
    """Parse an interaction script into a list of (lineno, verb, args) steps."""
    variables = variables or {}
    steps = []
    for lineno, line in enumerate(text.splitlines(), 1):
        def subst(m, lineno=lineno):
            if m.group(1) not in variables:
                raise ScriptError("line %d: ${%s} is not defined (--var)" % (lineno, m.group(1)))
            return variables[m.group(1)]
        line = _VAR_RE.sub(subst, line)
        try:
            words = shlex.split(line, comments=True)
        except ValueError as exc:
            raise ScriptError("line %d: %s" % (lineno, exc))
        if not words:
            continue
        verb, args = words[0], words[1:]
        if verb not in _ARITY:
            raise ScriptError("line %d: unknown step %r" % (lineno, verb))
        lo, hi = _ARITY[verb]
        if not lo <= len(args) <= hi:
            raise ScriptError("line %d: %s takes %s argument(s), got %d"
                              % (lineno, verb, lo if lo == hi else "%d-%d" % (lo, hi), len(args)))
        if verb == "timeout":
            args = [_number(args[0], "timeout", lineno)]
        elif verb == "expect":
            try:
                rx = re.compile(args[0], re.MULTILINE)
            except re.error as exc:
                raise ScriptError("line %d: bad regular expression %r: %s" % (lineno, args[0], exc))
            args = [rx] + [_number(a, "timeout", lineno) for a in args[1:]]
        elif verb == "send":
            args = [decode_text(args[0])]
        elif verb == "type":
            args = [decode_text(args[0]), _number(args[1], "delay", lineno) / 1000.0]
        elif verb == "sleep":
            args = [_number(args[0], "sleep", lineno) / 1000.0]
        elif verb == "expect_exit":
            try:
                code = int(args[0])
            except ValueError:
                raise ScriptError("line %d: exit code must be an integer, not %r" % (lineno, args[0]))
            args = [code] + [_number(a, "timeout", lineno) for a in args[1:]]
        steps.append((lineno, verb, args))
    return steps


def _show(text):
    """Control characters made visible, lines kept."""
    out = []
    for ch in text:
        if ch == "\n" or (" " <= ch <= "~"):
            out.append(ch)
        elif ch == "\r":
            out.append("\\r")
        else:
            out.append("\\x%02x" % ord(ch))
    return "".join(out)


class Console:
    """A child process whose stdout is the console and stdin the keyboard."""

    def __init__(self, argv, log_path=None, stderr_path=None, stdin=True,
                 total_timeout=DEFAULT_TOTAL_TIMEOUT, env=None):
        self.argv = list(argv)
        self.start = time.monotonic()
        self.deadline = self.start + total_timeout if total_timeout is not None else None
        self.step_timeout = DEFAULT_STEP_TIMEOUT
        self.text = ""          # all output so far, one char per byte (latin-1)
        self.pos = 0            # expect searches from here
        self.eof = False
        self.marks = []         # (name, seconds since start)
        self.returncode = None
        self._log = open(log_path, "wb") if log_path else None
        self._err = open(stderr_path, "wb") if stderr_path else None
        try:
            # A session of its own, so that kill() reaches whatever the
            # command started too (a wrapper script's simulator, say).
            self.proc = subprocess.Popen(
                self.argv, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=self._err, env=env, start_new_session=True)
        except OSError as exc:
            self._close_files()
            raise ConsoleError("cannot start %s: %s" % (self.argv[0], exc))
        self._out = self.proc.stdout.fileno()
        os.set_blocking(self._out, False)

    # -- output ----------------------------------------------------------
    def _pump(self, until, once=False):
        """Read output until the monotonic time `until` or end of output;
        with `once`, return as soon as something was read."""
        while not self.eof:
            left = until - time.monotonic()
            if left <= 0:
                return
            ready, _, _ = select.select([self._out], [], [], left)
            if ready:
                self._read_available()
                if once:
                    return

    def _read_available(self):
        while True:
            try:
                chunk = os.read(self._out, 65536)
            except BlockingIOError:
                return
            if not chunk:
                self.eof = True
                return
            if self._log:
                self._log.write(chunk)
                self._log.flush()
            self.text += chunk.decode("latin-1")

    def _limit(self, timeout):
        """The monotonic deadline of a step, capped by the total deadline."""
        t = time.monotonic() + (self.step_timeout if timeout is None else timeout)
        return min(t, self.deadline) if self.deadline else t

    def elapsed(self):
        return time.monotonic() - self.start

    def tail(self, chars=TAIL_CHARS):
        return _show(self.text[-chars:])

    def _fail(self, what):
        if self.deadline is not None and time.monotonic() >= self.deadline:
            what += " (the time limit of the whole run is reached)"
        raise ConsoleError("%s (after %.1f s)\n----- last output -----\n%s\n-----------------------"
                           % (what, self.elapsed(), self.tail()))

    # -- steps -----------------------------------------------------------
    def expect(self, pattern, timeout=None):
        """Wait for `pattern` after the previous match; return the match."""
        rx = pattern if hasattr(pattern, "search") else re.compile(pattern, re.MULTILINE)
        until = self._limit(timeout)
        while True:
            m = rx.search(self.text, self.pos)
            if m:
                self.pos = m.end()
                return m
            if self.eof:
                self.wait_exit(max(0.0, until - time.monotonic()))
                self._fail("output ended (exit status %s) before '%s' appeared"
                           % (self.returncode, rx.pattern))
            if time.monotonic() >= until:
                self._fail("timed out waiting for '%s'" % rx.pattern)
            self._pump(until, once=True)

    def send(self, data):
        """Write bytes (or latin-1 text) to the child's stdin at once."""
        if isinstance(data, str):
            data = data.encode("latin-1")
        if self.proc.stdin is None:
            self._fail("cannot send %r: stdin is not connected" % data)
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            self._fail("cannot send %r: the child no longer reads its input" % data)
        self._read_available()

    def type(self, data, delay):
        """Write one byte at a time with `delay` seconds between bytes."""
        if isinstance(data, str):
            data = data.encode("latin-1")
        for i in range(len(data)):
            if i:
                self.sleep(delay)
            self.send(data[i:i + 1])

    def sleep(self, seconds):
        until = time.monotonic() + seconds
        if self.deadline and until > self.deadline:
            self._pump(self.deadline)
            self._fail("sleep runs past the time limit")
        self._pump(until)

    def close_stdin(self):
        if self.proc.stdin:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass

    def mark(self, name):
        self.marks.append((name, self.elapsed()))

    def wait_exit(self, timeout=None):
        """Read the rest of the output, wait for the child; its exit status
        (None when it did not exit in time)."""
        until = self._limit(timeout)
        self._pump(until)
        if self.eof:
            try:
                self.returncode = self.proc.wait(max(0.0, until - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        return self.returncode

    def expect_exit(self, code, timeout=None):
        status = self.wait_exit(timeout)
        if status is None:
            self._fail("timed out waiting for the exit (expected status %d)" % code)
        if status != code:
            self._fail("exited with status %d, expected %d" % (status, code))

    def run_script(self, steps):
        """Run parsed steps; ConsoleError names the failing script line."""
        for lineno, verb, args in steps:
            try:
                if verb == "timeout":
                    self.step_timeout = args[0]
                elif verb == "expect":
                    self.expect(*args)
                elif verb == "send":
                    self.send(args[0])
                elif verb == "type":
                    self.type(*args)
                elif verb == "sleep":
                    self.sleep(args[0])
                elif verb == "eof":
                    self.close_stdin()
                elif verb == "mark":
                    self.mark(args[0])
                elif verb == "expect_exit":
                    self.expect_exit(*args)
            except ConsoleError as exc:
                raise ConsoleError("script line %d (%s): %s" % (lineno, verb, exc))

    # -- teardown --------------------------------------------------------
    def _signal_group(self, sig):
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def kill(self):
        """Stop the child and its process group (SIGTERM, then SIGKILL)."""
        if self.proc.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.proc.wait()
        # what it started may outlive it and keep the console pipe open
        self._signal_group(signal.SIGKILL)
        if self.returncode is None:
            self.returncode = self.proc.returncode

    def _close_files(self):
        for f in (self._log, self._err):
            if f:
                f.close()
        self._log = self._err = None

    def close(self):
        """Kill the child if needed, keep whatever output is left, close files."""
        if self.proc.poll() is None or not self.eof:
            self.kill()
        if not self.eof:
            self._pump(time.monotonic() + 1.0)
        self.close_stdin()
        self.proc.stdout.close()
        self._close_files()


def run(argv, steps, log_path=None, stderr_path=None, stdin=True,
        total_timeout=DEFAULT_TOTAL_TIMEOUT, env=None):
    """Run `argv` through `steps`; return (ok, message, console).  The child
    is never left running."""
    con = None
    try:
        con = Console(argv, log_path, stderr_path, stdin, total_timeout, env)
        con.run_script(steps)
        return True, "", con
    except ConsoleError as exc:
        return False, str(exc), con
    finally:
        if con:
            con.close()


# -- helpers for the end-to-end guest tests --------------------------------
# A guest test runs one interaction script on rrsim and on QEMU and compares
# the consoles, or records a session on rrsim and replays it.  The pieces
# below are shared by uboot_session.py and linux_boot.py.

def console_lines(path):
    """A console log as lines, without the guest's CR before LF."""
    with open(path, "rb") as f:
        text = f.read().decode("latin-1")
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


def apply_masks(lines, masks):
    """Replace what legitimately differs.  masks: (regex, replacement, why);
    each regex is matched against whole lines; replacement None drops the
    line."""
    out = []
    for line in lines:
        for rx, repl, _why in masks:
            if re.fullmatch(rx, line):
                line = None if repl is None else re.sub(rx, repl, line)
                break
        if line is not None:
            out.append(line)
    return out


def diff_lines(a, b, name_a, name_b):
    import difflib
    return "".join(difflib.unified_diff([_show(x) + "\n" for x in a], [_show(x) + "\n" for x in b],
                                        name_a, name_b, n=1))


class HostLoad:
    """Busy loops keeping host cores occupied while the `with` block runs.
    Each loop runs under timeout(1), so it ends by itself even if this
    process dies first."""

    def __init__(self, loops=2, max_seconds=300):
        self.loops, self.max_seconds, self.procs = loops, max_seconds, []

    def __enter__(self):
        for _ in range(self.loops):
            self.procs.append(subprocess.Popen(
                ["timeout", str(self.max_seconds), "sh", "-c", "while :; do :; done"]))
        return self

    def __exit__(self, *exc):
        for p in self.procs:      # timeout(1) passes SIGTERM on to its loop
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []
        return False


def _summary(path):
    """rrsim's -d summary line (steps, virtual time, exit cause), or None."""
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("latin-1").splitlines()
    except OSError:
        return None
    found = [l for l in lines if l.startswith("rrsim: ") and "steps=" in l]
    return found[-1] if found else None


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("latin-1")
    except OSError:
        return ""


class GuestTest:
    """One guest, one interaction script, run on rrsim and QEMU.

    name        prefix of the files left in workdir
    rrsim       [rrsim executable, machine arguments...] (no -icount, no -d)
    qemu        [qemu executable, machine arguments...] or None
    steps       parsed interaction script (parse_script)
    masks       (regex, replacement, why) for apply_masks: what may differ
                between two runs (host time) and between rrsim and QEMU
    check       optional function(lines) -> list of problems, applied to
                every console that passed its script
    """

    def __init__(self, name, workdir, rrsim, qemu, steps, masks, check=None,
                 session_timeout=60.0, budget=150.0):
        self.name, self.workdir = name, workdir
        self.rrsim, self.qemu, self.steps = rrsim, qemu, steps
        self.masks, self.check = masks, check
        self.session_timeout = session_timeout
        self.deadline = time.monotonic() + budget
        self.problems = []
        self.timings = []   # (label, {mark: seconds})
        os.makedirs(workdir, exist_ok=True)

    def path(self, leaf):
        return os.path.join(self.workdir, "%s-%s" % (self.name, leaf))

    def time_left(self):
        """Seconds the next run may take: the session limit, capped by what
        is left of the whole test's budget."""
        return max(0.0, min(self.session_timeout, self.deadline - time.monotonic()))

    def problem(self, msg):
        print("FAIL: " + msg, flush=True)
        self.problems.append(msg)

    def session(self, label, argv):
        """Run the script; return the console log path, or None on failure."""
        log, err = self.path(label + ".log"), self.path(label + ".err")
        if self.time_left() < 1:
            self.problem("%s: not started, the test's time budget is used up" % label)
            return None
        ok, msg, con = run(argv, self.steps, log, err, True, self.time_left())
        if con:
            self.timings.append((label, dict(con.marks)))
        if not ok:
            stderr = _read(err).strip()
            self.problem("%s: %s%s" % (label, msg, "\n----- stderr -----\n" + stderr if stderr else ""))
            return None
        if self.check:
            for p in self.check(console_lines(log)):
                self.problem("%s: %s" % (label, p))
        print("ok: %s: script passed (%.2f s)" % (label, con.elapsed()), flush=True)
        return log

    def compare(self, log_a, log_b, show_raw=False):
        a, b = console_lines(log_a), console_lines(log_b)
        na, nb = os.path.basename(log_a), os.path.basename(log_b)
        if show_raw:
            raw = diff_lines(a, b, na, nb)
            print("----- %s vs %s before masking%s\n%s" % (na, nb, " (identical)" if not raw else ":", raw),
                  end="" if raw else "\n", flush=True)
        d = diff_lines(apply_masks(a, self.masks), apply_masks(b, self.masks), na, nb)
        if d:
            self.problem("%s and %s differ after masking:\n%s" % (na, nb, d))
        else:
            print("ok: %s and %s match after masking" % (na, nb), flush=True)

    def run_compare(self, runs):
        """rrsim and QEMU, `runs` times each: every console passes the
        script, and all of them agree once masked."""
        first = None
        for i in range(1, runs + 1):
            if self.problems:       # one failure says enough; save the time
                break
            r = self.session("rrsim-%d" % i, self.rrsim + ["-nographic", "-d", "summary"])
            q = self.session("qemu-%d" % i, self.qemu + ["-nographic"]) if self.qemu else None
            if r and q:
                self.compare(r, q, show_raw=(i == 1))
            if r and first and first != r:
                self.compare(first, r)
            first = first or r
        self.print_timings()

    def record_replay(self, label, icount):
        """Record a typed session, replay it with no input at all; the
        replay must print the same bytes and end the same way."""
        rec_opts = "%s,rr=record,rrfile=%s" % (icount, self.path(label + ".rr"))
        play_opts = "%s,rr=replay,rrfile=%s" % (icount, self.path(label + ".rr"))
        log, err = self.path(label + "-record.log"), self.path(label + "-record.err")
        if self.time_left() < 1:
            self.problem("%s: not started, the test's time budget is used up" % label)
            return None
        ok, msg, con = run(self.rrsim + ["-nographic", "-d", "summary", "-icount", rec_opts],
                           self.steps, log, err, True, self.time_left())
        if con:
            self.timings.append((label + "-record", dict(con.marks)))
        if not ok:
            # A refused recording (65 included) is a failure like any other:
            # the test exists to record.
            self.problem("%s-record: %s\n----- stderr -----\n%s" % (label, msg, _read(err).strip()))
            return None
        play_log, play_err = self.path(label + "-replay.log"), self.path(label + "-replay.err")
        t0, limit = time.monotonic(), self.time_left()
        with open(play_log, "wb") as out, open(play_err, "wb") as errf:
            try:
                status = subprocess.run(self.rrsim + ["-nographic", "-d", "summary", "-icount", play_opts],
                                        stdin=subprocess.DEVNULL, stdout=out, stderr=errf,
                                        timeout=limit).returncode
            except subprocess.TimeoutExpired:   # run() has killed it
                self.problem("%s-replay: no exit within %.0f s" % (label, limit))
                return None
        took = time.monotonic() - t0
        bad = len(self.problems)
        if status != con.returncode:
            self.problem("%s: replay exit status %d, recording %d\n%s"
                         % (label, status, con.returncode, _read(play_err).strip()))
        rec_bytes, play_bytes = _read(log), _read(play_log)
        if rec_bytes != play_bytes:
            self.problem("%s: replay console differs from the recording (%d vs %d bytes):\n%s"
                         % (label, len(play_bytes), len(rec_bytes),
                            diff_lines(console_lines(log), console_lines(play_log),
                                       os.path.basename(log), os.path.basename(play_log))))
        s_rec, s_play = _summary(err), _summary(play_err)
        if not s_rec or s_rec != s_play:
            self.problem("%s: summaries differ: recorded %r, replayed %r" % (label, s_rec, s_play))
        if len(self.problems) == bad:
            print("ok: %s: replay (%.2f s, stdin closed) matches the recording byte for byte: %s"
                  % (label, took, s_play), flush=True)
        return log

    def run_replay(self, icount, pairs=1, load=False):
        """`pairs` record/replay pairs, optionally with the host cores kept
        busy; the recorded consoles must also agree with each other once
        masked."""
        logs = []
        with HostLoad(2, max_seconds=max(5, int(self.deadline - time.monotonic()) + 5)) if load else contextlib.nullcontext():
            for i in range(1, pairs + 1):
                logs.append(self.record_replay("rr-%d" % i, icount))
        for log in logs[1:]:
            if log and logs[0]:
                self.compare(logs[0], log)
        self.print_timings()

    def rr_supported(self):
        """Whether rrsim offers -icount rr=record|replay (None) or why not."""
        try:
            out = subprocess.run([self.rrsim[0], "--help"], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, timeout=30).stdout.decode("latin-1")
        except (OSError, subprocess.TimeoutExpired) as exc:
            return "rrsim --help failed: %s" % exc
        return None if "rr=record" in out else "rrsim --help does not offer -icount rr=record"

    def print_timings(self):
        names = []
        for _label, marks in self.timings:
            names += [n for n in marks if n not in names]
        if not names:
            return
        print("timings (s, host wall clock from process start):")
        print("  %-16s" % "run" + "".join("%10s" % n for n in names))
        for label, marks in self.timings:
            print("  %-16s" % label + "".join(
                "%10s" % ("%.3f" % marks[n] if n in marks else "-") for n in names))

    def result(self):
        if self.problems:
            print("%s: %d problem(s); logs in %s" % (self.name, len(self.problems), self.workdir))
            return 1
        print("%s: PASS (logs in %s)" % (self.name, self.workdir))
        return 0


def guest_test_main(name, description, build_argv, masks, script, variables,
                    check=None, required=(), argv=None, extra_args=None):
    """Command line shared by the guest tests.  build_argv(opts) returns
    (rrsim argv, qemu argv or None) given the parsed options (opts.cpu: a
    -cpu for rrsim, already folded into opts.qemu_cpu for QEMU).
    extra_args(parser) adds a driver's own options; check(lines, opts)
    returns a list of problems with a console."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--rrsim", required=True, help="rrsim executable")
    ap.add_argument("--qemu", default=os.environ.get("QEMU", "qemu-system-riscv64"),
                    help="QEMU executable (compare mode); default $QEMU or %(default)s")
    ap.add_argument("--qemu-cpu", default=os.environ.get("QEMU_CPU", QEMU_CPU_LIKE_RRSIM),
                    help="QEMU -cpu value, empty for QEMU's default hart; default: a hart "
                         "with rrsim's ISA ($QEMU_CPU overrides)")
    ap.add_argument("--cpu", default=None,
                    help="-cpu for both simulators (QEMU's spelling, which rrsim shares; QEMU "
                         "also gets %s); default: each one's default hart" % QEMU_CPU_EXTRA)
    ap.add_argument("--mode", choices=("compare", "replay", "replay-load"), default="compare")
    ap.add_argument("--runs", type=int, default=1, help="compare: sessions on each simulator")
    ap.add_argument("--pairs", type=int, default=3, help="replay-load: record/replay pairs")
    ap.add_argument("--icount", default="shift=0,sleep=on",
                    help="replay modes: -icount options besides rr and rrfile")
    ap.add_argument("--delay", default="80", help="ms between typed keys")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="seconds for each guest run (default %(default)s)")
    ap.add_argument("--budget", type=float, default=150.0,
                    help="seconds for the whole test (default %(default)s)")
    ap.add_argument("--workdir", default=None, help="where logs are kept (default: a new temporary dir)")
    ap.add_argument("--guest-dir", default=None, help="guest image directory (Linux)")
    if extra_args:
        extra_args(ap)
    opts = ap.parse_args(argv)
    if opts.cpu:
        opts.qemu_cpu = "%s,%s" % (opts.cpu, QEMU_CPU_EXTRA)

    # A prerequisite that is missing fails the test: a test that cannot run
    # has not passed.
    for f in required(opts) if callable(required) else required:
        if not os.path.exists(f):
            print("%s: FAIL: %s is missing" % (name, f))
            return 1
    if opts.workdir is None:
        import tempfile
        opts.workdir = tempfile.mkdtemp(prefix="rrsim-%s-" % name)
    variables = dict(variables, DELAY=opts.delay)
    with open(script) as f:
        steps = parse_script(f.read(), variables)
    rrsim, qemu = build_argv(opts)
    _exit_on_sigterm()
    test = GuestTest(name, opts.workdir, rrsim, qemu, steps, masks,
                     (lambda lines: check(lines, opts)) if check else None,
                     opts.timeout, opts.budget)
    print("rrsim: %s" % " ".join(rrsim))
    if opts.mode == "compare":
        if not qemu or not _which(qemu[0]):
            print("%s: FAIL: QEMU (%s) not found" % (name, qemu[0] if qemu else "none given"))
            return 1
        if qemu:
            print("qemu:  %s" % " ".join(qemu))
        print("masks (regex -> replacement: why):")
        for rx, repl, why in masks:
            print("  %s -> %s: %s" % (rx, "<dropped>" if repl is None else repl, why))
        test.run_compare(opts.runs)
    else:
        why = test.rr_supported()
        if why:
            print("%s: FAIL: %s" % (name, why))
            return 1
        load = opts.mode == "replay-load"
        test.run_replay(opts.icount, opts.pairs if load else 1, load)
    return test.result()


def _exit_on_sigterm():
    """SIGTERM (ctest's timeout, a person's kill) unwinds like an exception,
    so the children are killed on the way out instead of left running."""
    def handler(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)


def _which(prog):
    import shutil
    return shutil.which(prog)


# rrsim's default hart is QEMU 7.2's default rv64 without H.  OpenSBI and
# U-Boot print what they find (ISA extensions, MIDELEG/MEDELEG, MHPM count), so
# QEMU is asked for the same hart and the banners must match line for line.
QEMU_CPU_EXTRA = "h=false"
QEMU_CPU_LIKE_RRSIM = "rv64," + QEMU_CPU_EXTRA


def main(args=None):
    ap = argparse.ArgumentParser(
        description="Run a command and drive its console with an interaction script.",
        usage="%(prog)s --script FILE [--log OUT] [options] -- COMMAND [ARGS...]")
    ap.add_argument("--script", required=True, help="interaction script")
    ap.add_argument("--log", help="write the whole console output (stdout) here")
    ap.add_argument("--stderr", help="write the child's stderr here (default: inherited)")
    ap.add_argument("--timeout", type=float, default=DEFAULT_TOTAL_TIMEOUT,
                    help="seconds for the whole run (default %(default)s)")
    ap.add_argument("--var", action="append", default=[], metavar="NAME=VALUE",
                    help="value of ${NAME} in the script")
    ap.add_argument("--stdin", choices=("pipe", "null"), default="pipe",
                    help="null: the child reads /dev/null (no send/type steps)")
    ap.add_argument("--timings", help="append 'NAME SECONDS' lines for mark steps here")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    opts = ap.parse_args(args)
    cmd = opts.command[1:] if opts.command[:1] == ["--"] else opts.command
    if not cmd:
        ap.error("no command given after --")
    variables = {}
    for v in opts.var:
        name, sep, value = v.partition("=")
        if not sep:
            ap.error("--var wants NAME=VALUE, not %r" % v)
        variables[name] = value
    try:
        with open(opts.script) as f:
            steps = parse_script(f.read(), variables)
    except (OSError, ScriptError) as exc:
        print("console: %s: %s" % (opts.script, exc), file=sys.stderr)
        return 2
    _exit_on_sigterm()
    ok, msg, con = run(cmd, steps, opts.log, opts.stderr, opts.stdin == "pipe", opts.timeout)
    if con and opts.timings:
        with open(opts.timings, "a") as f:
            for name, t in con.marks:
                f.write("%s %.3f\n" % (name, t))
    if not ok:
        print("console: FAIL: %s: %s" % (os.path.basename(opts.script), msg), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
