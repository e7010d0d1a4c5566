#!/usr/bin/env python3
"""rrsim-journal timeline: the picture of a recording agrees with its facts.

Records the rngprobe guest (random bytes, digests every 1000 steps), then
checks that the SVG is well-formed XML, has one row per event kind that
`rrsim-journal info` counts with the same counts, puts every event inside
the plot, is the same bytes when drawn twice, and that a cut journal is
drawn as TRUNCATED while a damaged one is refused (69) without leaving a
file behind.

    journal_timeline.py RRSIM RRSIM-JOURNAL RNGPROBE.elf
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def info_counts(tool, journal):
    out = subprocess.run([tool, "info", journal], capture_output=True, text=True, check=True).stdout
    counts = {}
    in_events = False
    for line in out.splitlines():
        if line.startswith("events:"):
            in_events = True
            continue
        m = re.match(r"^  (\S+)\s+(\d+)$", line)
        if in_events and m:
            counts[m.group(1)] = int(m.group(2))
        elif in_events:
            in_events = False
    steps = int(re.search(r"^length:\s+(\d+) steps", out, re.M).group(1))
    return counts, steps


def rows_of(svg_path):
    tree = ET.parse(svg_path)
    rows = {}
    for g in tree.getroot().iter(SVG + "g"):
        if g.get("class") == "row":
            rows[g.get("data-kind")] = (int(g.get("data-events")), g)
    return tree.getroot(), rows


def main():
    rrsim, tool, elf = sys.argv[1:4]
    tmp = tempfile.mkdtemp()
    try:
        j = os.path.join(tmp, "j.rr")
        src = os.path.join(tmp, "src.bin")
        with open(src, "wb") as f:
            f.write(bytes(range(256)) * 256)
        r = subprocess.run([rrsim, "-bios", "none", "-kernel", elf, "-serial", "null",
                            "-object", "rng-random,id=r0,filename=" + src,
                            "-device", "virtio-rng-device,rng=r0",
                            "-icount", "shift=0,rr=record,rrfile=%s,rrcheckpoint=1000" % j],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if r.returncode != 0:
            fail("recording exited %d: %s" % (r.returncode, r.stderr))
        counts, steps = info_counts(tool, j)
        for need in ("random", "checkpoint", "end"):
            if not counts.get(need):
                fail("the recording has no %s events: %s" % (need, counts))

        a, b = os.path.join(tmp, "a.svg"), os.path.join(tmp, "b.svg")
        for out in (a, b):
            r = subprocess.run([tool, "timeline", j, out], capture_output=True, text=True)
            if r.returncode != 0:
                fail("timeline exited %d: %s" % (r.returncode, r.stderr))
        if open(a, "rb").read() != open(b, "rb").read():
            fail("two drawings of one journal differ")
        r = subprocess.run([tool, "timeline", j], capture_output=True)
        if r.returncode != 0 or r.stdout != open(a, "rb").read():
            fail("timeline to standard output differs from the file")

        root, rows = rows_of(a)
        got = {k: n for k, (n, _) in rows.items()}
        if got != counts:
            fail("rows %s, info counts %s" % (got, counts))
        width = int(root.get("width"))
        for kind, (n, g) in rows.items():
            rects = list(g.iter(SVG + "rect"))
            if not rects:
                fail("row %s draws nothing" % kind)
            for rc in rects:
                x, w = int(rc.get("x")), int(rc.get("width"))
                if x < 0 or x + w > width or w < 1:
                    fail("row %s: bar at x=%d width %d outside the picture" % (kind, x, w))
        text = open(a).read()
        if "clean end" not in text:
            fail("header does not say the journal ends cleanly")
        # The end marker's line sits at the right edge of the plot.
        ends = [ln for ln in root.iter(SVG + "line") if ln.get("class") == "end"]
        if len(ends) != 1 or steps <= 0:
            fail("no single end line for a clean journal of %d steps" % steps)

        # A journal cut in the middle is drawn up to where it ends.
        cut = os.path.join(tmp, "cut.rr")
        data = open(j, "rb").read()
        with open(cut, "wb") as f:
            f.write(data[: len(data) * 2 // 3])
        c = os.path.join(tmp, "cut.svg")
        r = subprocess.run([tool, "timeline", cut, c], capture_output=True, text=True)
        if r.returncode == 0:
            if "TRUNCATED" not in open(c).read():
                fail("a cut journal is not drawn as TRUNCATED")
        elif r.returncode not in (68, 69) or os.path.exists(c):
            fail("a cut journal: exit %d, %s" % (r.returncode, r.stderr))

        # Damage inside a frame: refused, and no picture left behind.
        bad = os.path.join(tmp, "bad.rr")
        buf = bytearray(data)
        for i in range(len(buf) // 2, len(buf) // 2 + 16):
            buf[i] ^= 0x5A
        with open(bad, "wb") as f:
            f.write(buf)
        d = os.path.join(tmp, "bad.svg")
        r = subprocess.run([tool, "timeline", bad, d], capture_output=True, text=True)
        if r.returncode != 69 or "corrupt" not in r.stderr.lower() and "checksum" not in r.stderr:
            fail("a damaged journal: exit %d, %s" % (r.returncode, r.stderr))
        if os.path.exists(d) or os.path.exists(d + ".tmp"):
            fail("a damaged journal left a picture behind")

        # Usage errors.
        r = subprocess.run([tool, "timeline", j, os.path.join(tmp, "no", "such", "dir.svg")],
                           capture_output=True, text=True)
        if r.returncode != 66:
            fail("unwritable output: exit %d, %s" % (r.returncode, r.stderr))
    finally:
        shutil.rmtree(tmp)
    print("ok: timeline rows match the journal's counts, drawn identically twice")


if __name__ == "__main__":
    main()
