#!/usr/bin/env python3
"""breakit: try to break rrsim, reproducibly, and count what happened.

Families (--families, default all):
  journal    recordings damaged at many offsets (cut, bit flips, zeroed
             ranges, frames swapped, dropped, duplicated, appended, garbage,
             two journals spliced): rrsim-journal verify/info/dump and a replay
  snapstore  the snapshot store of a replay damaged (cut incl. inside the LMDB
             meta pages, flipped, zeroed, a directory, a FIFO, symlinks, the
             lock file): plain replay, rrsnapshot=, -loadvm, QMP snapshot-load
  gdb        hostile GDB remote protocol input, normal mode and replay
  qmp        hostile QMP input (malformed JSON, deep nesting, huge strings,
             wrong types, absurd seeks, missing snapshots)
  options    bad images (missing, empty, FIFO, sparse, damaged ELF and DTB)
             and bad option values
  hostile    tests/guest/hostile.c recorded and replayed (and replayed by the
             sanitizer build with --asan-build)
  load       replays while every host core is kept busy

Every outcome is PROPER, CRASH, HANG, SILENT_WRONG or UNCLEAR (bk_core.py).
Prints a table and one reproduction line per non-PROPER outcome; exits 1 if
there is any. Deterministic for a given --seed (what the host does to timing
aside).

usage: breakit.py --build BUILD [--seed N] [--budget SECONDS | --quick]
                  [--families a,b] [--asan-build DIR] [--jobs N] [--workdir DIR]
"""
import argparse
import os
import shutil
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bk_core import PROPER, UNCLEAR, VERDICTS, Ctx, Outcome  # noqa: E402
from bk_files import family_journal, family_options, family_snapstore  # noqa: E402
from bk_guest import family_hostile, family_load  # noqa: E402
from bk_proto import family_gdb, family_qmp  # noqa: E402

# name, generator, cases in --quick, cases per 100 s of --budget
FAMILIES = [
    ("journal", family_journal, 14, 60),
    ("snapstore", family_snapstore, 12, 60),
    ("gdb", family_gdb, 6, 40),
    ("qmp", family_qmp, 6, 40),
    ("options", family_options, 40, 200),
    ("hostile", family_hostile, 3, 10),
    ("load", family_load, 3, 6),
]


def run_family(ctx, name, gen, n, deadline, jobs):
    t0 = time.monotonic()
    try:
        cases = gen(ctx, n)
    except Exception as e:
        return [Outcome(name, "setup", UNCLEAR, "setup failed: %s" % e,
                        traceback.format_exc().splitlines()[-3:])], time.monotonic() - t0
    outs = []

    def one(case):
        if time.monotonic() > deadline:
            return []
        try:
            return case()
        except Exception:
            return [Outcome(name, "harness", UNCLEAR, "harness error: " +
                            " / ".join(traceback.format_exc().splitlines()[-3:]), "")]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for res in pool.map(one, cases):
            outs.extend(res)
    return outs, time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True, help="build directory (rrsim, rrsim-journal, guests)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--budget", type=float, default=300, help="seconds for the whole run")
    ap.add_argument("--quick", action="store_true", help="the small fixed set ctest runs")
    ap.add_argument("--families", default=",".join(f[0] for f in FAMILIES))
    ap.add_argument("--asan-build", help="a -DRRSIM_SANITIZE=ON build: hostile replays run there too")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every outcome")
    a = ap.parse_args()

    workdir = a.workdir or os.path.join(os.path.abspath(a.build), "breakit")
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    ctx = Ctx(a.build, workdir, a.seed, a.quick, a.jobs, a.asan_build)
    wanted = a.families.split(",")
    unknown = set(wanted) - {f[0] for f in FAMILIES}
    if unknown:
        ap.error("unknown families: %s" % ", ".join(sorted(unknown)))
    fams = [f for f in FAMILIES if f[0] in wanted]
    start = time.monotonic()
    table, findings = [], []
    for i, (name, gen, quick_n, per100) in enumerate(fams):
        left = a.budget - (time.monotonic() - start)
        share = left / (len(fams) - i)
        n = quick_n if a.quick else max(quick_n, int(per100 * share / 100))
        # The quick set always runs whole; a budget run stops starting cases.
        deadline = float("inf") if a.quick else time.monotonic() + share
        jobs = 1 if name == "load" else a.jobs
        outs, secs = run_family(ctx, name, gen, n, deadline, jobs)
        counts = {v: sum(1 for o in outs if o.verdict == v) for v in VERDICTS}
        table.append((name, len(outs), counts, secs))
        findings.extend(o for o in outs if o.verdict != PROPER)
        if a.verbose:
            for o in outs:
                print("  %s %s: %s" % (o.verdict, o.name, o.detail))
        print("%-10s %4d outcomes in %5.1f s: %s" % (name, len(outs), secs, " ".join(
            "%s=%d" % (v, counts[v]) for v in VERDICTS if counts[v])), flush=True)

    print()
    print("breakit: build %s, seed %d, %s, %.0f s" % (a.build, a.seed,
                                                      "quick" if a.quick else "budget %.0f s" % a.budget,
                                                      time.monotonic() - start))
    hdr = "%-10s %6s %7s %6s %5s %13s %8s" % ("family", "cases", *VERDICTS)
    print(hdr)
    print("-" * len(hdr))
    tot = {v: 0 for v in VERDICTS}
    for name, n, counts, _ in table:
        print("%-10s %6d %7d %6d %5d %13d %8d" % (name, n, *(counts[v] for v in VERDICTS)))
        for v in VERDICTS:
            tot[v] += counts[v]
    print("%-10s %6d %7d %6d %5d %13d %8d" % ("total", sum(t[1] for t in table),
                                              *(tot[v] for v in VERDICTS)))
    if findings:
        print("\nnot PROPER (family, verdict, case: detail; reproduction):")
        for o in findings:
            print("- [%s] %s %s: %s\n    repro: %s" % (o.family, o.verdict, o.name, o.detail,
                                                       o.repro))
    if not a.keep and not findings:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
