"""bk_guest: the hostile guest (tests/guest/hostile.c) recorded and replayed,
and replays while other processes keep every host core busy."""
import os
import shutil
import subprocess

from bk_core import (CRASH, HANG, PROPER, SILENT_WRONG, UNCLEAR, Outcome, Recording, crashed,
                     hostile_feed, hostile_recording, hostile_secs_per_op, judge_error_or, run,
                     shell_quote, snapmix_recording)

# Seeds that once broke something, run first in every pass: (seed, ops, icount).
HOSTILE_FIXED = [
    # mtime set near 2^64 with mtimecmp parked at ~0: the CLINT timer re-arms
    # in the past forever.
    (0x1a461b0bcf8b, 0x2000, "shift=0,sleep=off,rrcheckpoint=100000"),
]


def hostile_case(ctx, idx):
    """Record the hostile guest with a fresh seed and random icount options,
    replay it (and under the sanitizer build when given): bit for bit."""
    fam = "hostile"
    rng = ctx.rng("hostile", idx)
    seed = rng.randrange(1 << 48)
    ops = rng.choice([0x200, 0x800, 0x1000]) if ctx.quick else rng.choice([0x800, 0x2000, 0x4000])
    icount = "shift=%s,sleep=%s,rrcheckpoint=%d" % (rng.choice(["0", "1", "3", "auto"]),
                                                    rng.choice(["on", "off"]),
                                                    rng.choice([100000, 200000, 1000000]))
    if idx < len(HOSTILE_FIXED):
        seed, ops, icount = HOSTILE_FIXED[idx]
    name = "hostile-%d" % idx
    outs = []
    timeout = 3 * hostile_secs_per_op(ctx) * ops + 5
    repro = "(sleep 0.05; printf '%x %x\\n') | %s" % (seed, ops, shell_quote(
        [ctx.rrsim, "-bios", "none", "-kernel", ctx.hostile, "-serial", "stdio", "-d", "summary",
         "-icount", icount + ",rr=record,rrfile=j.rr"]))
    try:
        rec = Recording(ctx, name, ctx.hostile, icount, hostile_feed(seed, ops), timeout=timeout)
    except RuntimeError as e:
        r = e.args[0]
        v = HANG if "timed out" in r else CRASH if ("exit -" in r or "Sanitizer" in r) else UNCLEAR
        return [Outcome(fam, "record seed %x ops %x %s" % (seed, ops, icount), v, r, repro)]
    v, det = (SILENT_WRONG, rec.baseline_error) if rec.baseline_error else (
        PROPER, "replay identical: " + rec.clean.summary_line())
    if rec.clean.timed_out:
        v, det = HANG, "replay timed out"
    elif crashed(rec.clean):
        v, det = CRASH, rec.clean.brief()
    outs.append(Outcome(fam, "record+replay seed %x ops %x %s" % (seed, ops, icount), v, det,
                        "%s; then %s" % (repro, shell_quote(rec.clean.cmd))))
    if ctx.asan_rrsim:
        r = run(rec.replay_cmd(rec.journal, rrsim=ctx.asan_rrsim), timeout=20 * rec.timeout,
                out_path=os.path.join(rec.dir, "asan.out"))
        v, det = judge_error_or(r, (), ok=lambda r: rec.same_as_clean(r, "sanitizer replay"),
                                what="sanitizer replay")
        outs.append(Outcome(fam, "sanitizer replay seed %x" % seed, v, det,
                            "%s; then %s" % (rec.record_repro(), shell_quote(r.cmd))))
    if all(o.verdict == PROPER for o in outs):
        shutil.rmtree(rec.dir, ignore_errors=True)
    return outs


def family_hostile(ctx, n):
    return [lambda i=i: hostile_case(ctx, i) for i in range(max(n, len(HOSTILE_FIXED)))]


class Load:
    """Busy loops on every host core for the duration of a with-block."""

    def __enter__(self):
        self.procs = [subprocess.Popen(["sh", "-c", "while :; do :; done"],
                                       start_new_session=True) for _ in range(os.cpu_count() or 2)]
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.kill()
            p.wait()


def load_case(ctx, idx, rec):
    """A replay while the host is saturated must equal the clean replay."""
    fam = "load"
    d = ctx.case_dir(fam, "%s-%d" % (rec.name, idx))
    j = os.path.join(d, "j.rr")
    shutil.copy(rec.journal, j)
    with Load():
        r = run(rec.replay_cmd(j), timeout=3 * rec.timeout, out_path=os.path.join(d, "out"))
    v, det = judge_error_or(r, (), ok=lambda r: rec.same_as_clean(r, "replay under load"),
                            what="replay under load")
    if v == PROPER:
        shutil.rmtree(d, ignore_errors=True)
    return [Outcome(fam, "replay of %s under load #%d" % (rec.name, idx), v, det,
                    "%s  # while `sh -c 'while :; do :; done'` runs on every core; journal: %s" % (
                        shell_quote(r.cmd), rec.record_repro()))]


def record_under_load_case(ctx, idx):
    """Record while the host is saturated, replay on a quiet host."""
    fam = "load"
    rng = ctx.rng("load-rec", idx)
    seed = rng.randrange(1 << 48)
    with Load():
        try:
            rec = Recording(ctx, "loadrec-%d" % idx, ctx.hostile, "shift=0,sleep=on,rrcheckpoint=100000",
                            hostile_feed(seed, 0x400))
        except RuntimeError as e:
            return [Outcome(fam, "record under load #%d" % idx, "UNCLEAR", str(e), "seed %x" % seed)]
    r = run(rec.replay_cmd(rec.journal), timeout=rec.timeout, out_path=os.path.join(rec.dir, "again.out"))
    v, det = judge_error_or(r, (), ok=lambda r: (PROPER, "identical") if (
        r.out == rec.rec.out and r.summary_line() == rec.rec.summary_line()) else (
        SILENT_WRONG, "replay of a recording made under load differs: %s vs %s" % (
            r.summary_line(), rec.rec.summary_line())), what="replay")
    if v == PROPER:
        shutil.rmtree(rec.dir, ignore_errors=True)
    return [Outcome(fam, "record under load, replay quiet #%d" % idx, v, det,
                    "%s (under load); then %s" % (rec.record_repro(), shell_quote(r.cmd)))]


def family_load(ctx, n):
    recs = [hostile_recording(ctx, "hostile-l", 0x6c6f6164 ^ ctx.seed, 0x1000)]
    recs.append(snapmix_recording(ctx))
    cases = []
    for i in range(n):
        if i % 3 == 2:
            cases.append(lambda i=i: record_under_load_case(ctx, i))
        else:
            cases.append(lambda i=i: load_case(ctx, i, recs[i % 2]))
    return cases
