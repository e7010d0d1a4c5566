#!/usr/bin/env python3
"""The snapshot store from the command line: debugging never changes the
guest, and the store never kills a run that does not need it.

With tests/guest/snapmix.elf (it prints all along its run):
 1. a replay under QMP that seeks forward from the start, back, and forward
    past where it had been, then continues: the console holds the
    recording's output exactly, nothing lost and nothing twice;
 2. a replay that loads a snapshot of another recording (a journal of the
    same name sharing the store) is refused by name and changes nothing;
    with -loadvm the run ends with exit status 73;
 3. a store next to the journal cut short: a plain replay runs to the end
    (exit 0, a warning, the recorded console); rrsnapshot= and -loadvm,
    which need it, end with exit status 73 (no SIGBUS, 135);
 4. a recording on a "full disk" (a file size limit: every write past it
    fails with EFBIG): recorded without periodic snapshots, with a
    warning, and its replay matches.

usage: snap_store_cli.py RRSIM SNAPMIX.elf
"""
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qmp_session import Qmp, check, ok, FAILS  # noqa: E402

ERR_SNAPSHOT = 73


def base(rrsim, elf):
    return [rrsim, "-M", "virt", "-bios", "none", "-kernel", elf]


def run(cmd, preexec=None, timeout=120):
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=timeout, preexec_fn=preexec)


def record(rrsim, elf, journal, out, preexec=None, extra=""):
    r = run(base(rrsim, elf) + ["-serial", "file:" + out, "-icount",
                                "shift=0,rr=record,rrfile=" + journal + extra],
            preexec=preexec)
    check(r.returncode == 0, "recording %s exited %d: %s" % (journal, r.returncode, r.stderr))
    return r


def replay_args(rrsim, elf, journal, out, extra=""):
    return base(rrsim, elf) + ["-serial", "file:" + out, "-icount",
                               "shift=0,rr=replay,rrfile=" + journal + extra]


def same_file(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def end_steps(rrsim, elf, journal, tmp):
    r = run(replay_args(rrsim, elf, journal, os.path.join(tmp, "steps.out")) + ["-d", "summary"])
    for word in r.stderr.decode().split():
        if word.startswith("steps="):
            return int(word[6:])
    check(False, "no step count in %r" % r.stderr)
    return 0


def qmp_replay(rrsim, elf, journal, out, sock, extra_args=()):
    proc = subprocess.Popen(replay_args(rrsim, elf, journal, out) + ["-S", "-qmp",
                            "unix:%s,server,nowait" % sock] + list(extra_args),
                            stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    q = Qmp(sock)
    check(ok(q.cmd("qmp_capabilities")), "qmp_capabilities")
    return proc, q


def icount(q):
    r = q.cmd("query-replay")
    return r["return"]["icount"] if ok(r) else None


def finish(proc, q, what):
    check(ok(q.cmd("cont")), "%s: cont to the end" % what)
    check(q.event("SHUTDOWN") is not None, "%s: no SHUTDOWN event" % what)
    rc = proc.wait(timeout=120)
    check(rc == 0, "%s: exited %d: %s" % (what, rc, proc.stderr.read()))


def seeks_keep_console(rrsim, elf, tmp):
    journal = os.path.join(tmp, "seek.rr")
    rec_out = os.path.join(tmp, "seek.rec.out")
    record(rrsim, elf, journal, rec_out)
    end = end_steps(rrsim, elf, journal, tmp)
    check(end > 10_000_000, "snapmix ran only %d steps" % end)
    play_out = os.path.join(tmp, "seek.play.out")
    proc, q = qmp_replay(rrsim, elf, journal, play_out, os.path.join(tmp, "seek.sock"))
    try:
        for target in (end // 2, end // 4, end * 3 // 4):
            check(ok(q.cmd("replay-seek", icount=target)), "replay-seek %d" % target)
            check(icount(q) == target, "icount after seeking to %d" % target)
        size = os.path.getsize(play_out)
        check(size > os.path.getsize(rec_out) // 2,
              "the console showed %d bytes after a seek to 3/4 of the replay" % size)
        finish(proc, q, "replay with seeks")
        check(same_file(rec_out, play_out),
              "the console after forward and backward seeks differs from the recording")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def other_recording_refused(rrsim, elf, tmp):
    store = os.path.join(tmp, "shared.snap")
    dirs = [os.path.join(tmp, d) for d in ("a", "b")]
    for d in dirs:
        os.mkdir(d)
        record(rrsim, elf, os.path.join(d, "rec.rr"), os.path.join(d, "rec.out"))
    ja, jb = (os.path.join(d, "rec.rr") for d in dirs)
    # Replay A: save snapshot "a" in the shared store.
    proc, q = qmp_replay(rrsim, elf, ja, os.path.join(tmp, "a.play"),
                         os.path.join(tmp, "a.sock"), ["-snapshot-store", store])
    try:
        check(ok(q.cmd("replay-seek", icount=5_000_000)), "A: replay-seek")
        check(ok(q.cmd("snapshot-save", name="a")), "A: snapshot-save")
        finish(proc, q, "replay of A")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # Replay B (same journal name): "a" is refused, nothing changes.
    play_b = os.path.join(tmp, "b.play")
    proc, q = qmp_replay(rrsim, elf, jb, play_b, os.path.join(tmp, "b.sock"),
                         ["-snapshot-store", store])
    try:
        check(ok(q.cmd("replay-seek", icount=3_000_000)), "B: replay-seek")
        r = q.cmd("snapshot-load", name="a")
        msg = r.get("error", {}).get("desc", "")
        check("belongs to recording" in msg, "B: loading A's snapshot: %r" % r)
        check(icount(q) == 3_000_000, "B: icount changed by a refused load")
        finish(proc, q, "replay of B")
        check(same_file(os.path.join(dirs[1], "rec.out"), play_b),
              "B: console differs from its recording")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    r = run(replay_args(rrsim, elf, jb, os.path.join(tmp, "b2.play")) +
            ["-snapshot-store", store, "-loadvm", "a"])
    check(r.returncode == ERR_SNAPSHOT and b"belongs to recording" in r.stderr,
          "-loadvm of another recording's snapshot: exit %d, %r" % (r.returncode, r.stderr))


def truncated_store(rrsim, elf, tmp):
    journal = os.path.join(tmp, "cut.rr")
    rec_out = os.path.join(tmp, "cut.rec.out")
    record(rrsim, elf, journal, rec_out, extra=",rrsnapshot=start")
    store = journal + ".snap"
    size = os.path.getsize(store)
    check(size > 1 << 20, "store of %d bytes" % size)
    os.truncate(store, size // 3)
    play_out = os.path.join(tmp, "cut.play.out")
    r = run(replay_args(rrsim, elf, journal, play_out))
    check(r.returncode == 0 and b"warning" in r.stderr and b"truncated" in r.stderr,
          "plain replay with a cut store: exit %d, %r" % (r.returncode, r.stderr))
    check(same_file(rec_out, play_out), "plain replay with a cut store: console differs")
    r = run(replay_args(rrsim, elf, journal, play_out, ",rrsnapshot=start"))
    check(r.returncode == ERR_SNAPSHOT,
          "rrsnapshot= with a cut store: exit %d, %r" % (r.returncode, r.stderr))
    r = run(replay_args(rrsim, elf, journal, play_out) + ["-loadvm", "start"])
    check(r.returncode == ERR_SNAPSHOT,
          "-loadvm with a cut store: exit %d, %r" % (r.returncode, r.stderr))


def full_disk(rrsim, elf, tmp):
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (96 * 1024, 96 * 1024))

    journal = os.path.join(tmp, "full.rr")
    rec_out = os.path.join(tmp, "full.rec.out")
    r = record(rrsim, elf, journal, rec_out, preexec=limit)
    check(b"warning" in r.stderr and b"periodic snapshots" in r.stderr,
          "recording on a full disk: no warning: %r" % r.stderr)
    play_out = os.path.join(tmp, "full.play.out")
    r = run(replay_args(rrsim, elf, journal, play_out))
    check(r.returncode == 0, "replay of the full-disk recording: exit %d, %r"
          % (r.returncode, r.stderr))
    check(same_file(rec_out, play_out), "replay of the full-disk recording: console differs")


def main():
    rrsim, elf = sys.argv[1], sys.argv[2]
    for path in (rrsim, elf):
        if not os.access(path, os.R_OK):
            print(path, "is missing")
            return 1
    tmp = tempfile.mkdtemp(prefix="snap_store_cli.")
    try:
        seeks_keep_console(rrsim, elf, tmp)
        other_recording_refused(rrsim, elf, tmp)
        truncated_store(rrsim, elf, tmp)
        full_disk(rrsim, elf, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILS:
        print("%d failure(s)" % len(FAILS))
        return 1
    print("snapshot store from the command line: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
