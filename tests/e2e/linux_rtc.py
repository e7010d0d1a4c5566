#!/usr/bin/env python3
"""-rtc on the Linux test guest, whose /init prints the goldfish RTC
("rtc: YYYY-MM-DD HH:MM:SS").

1. -rtc base=2021-02-03T04:05:06 while recording: /init sees that date (the
   RTC runs on the virtual clock from it); the replay prints the same bytes.
2. -rtc base=utc while recording: the host's time, read once through the
   journal; its replay, started later, shows the recording's time, not the
   host's time at the replay.
3. Replaying 1's journal with another base is refused, naming rtc.

    linux_rtc.py RRSIM GUEST_DIR WORKDIR
"""
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import console  # noqa: E402

FW = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"
APPEND = "console=ttyS0 loglevel=6"
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what, flush=True)


def boot_argv(rrsim, guest_dir):
    return [rrsim, "-M", "virt", "-bios", FW, "-kernel", os.path.join(guest_dir, "Image"),
            "-initrd", os.path.join(guest_dir, "initrd.cpio"), "-append", APPEND, "-nographic"]


def record(argv, journal, log):
    """Boot to /init's prompt, answer it, return the rtc line."""
    con = console.Console(argv + ["-icount", "shift=0,sleep=on,rr=record,rrfile=" + journal],
                          log_path=log, total_timeout=150)
    try:
        con.expect(r"^rrsim linux guest: init started", 120)
        rtc = con.expect(r"^rtc: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", 20).group(1)
        con.expect(r"^init: type a line", 30)
        con.type("hi\r", 0.05)
        con.expect(r"^init: done", 30)
        status = con.wait_exit(30)
        check(status == 0, "%s: exit status %s" % (journal, status))
        return rtc
    except console.ConsoleError as exc:
        check(False, "%s: %s" % (journal, exc))
        return None
    finally:
        con.close()


def replay(argv, journal, log):
    with open(log, "wb") as out:
        r = subprocess.run(argv + ["-icount", "shift=0,sleep=on,rr=replay,rrfile=" + journal],
                           stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE,
                           timeout=150)
    check(r.returncode == 0, "%s replay: exit %d: %s" % (journal, r.returncode, r.stderr))
    return r


def rtc_line(log):
    with open(log, "rb") as f:
        m = re.search(rb"^rtc: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", f.read(), re.M)
    return m.group(1).decode() if m else None


def same(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    rrsim, guest_dir, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    for path in (FW, os.path.join(guest_dir, "Image"), os.path.join(guest_dir, "initrd.cpio")):
        if not os.path.exists(path):
            print("FAIL: missing", path)
            return 1
    base = boot_argv(rrsim, guest_dir)

    j1 = os.path.join(work, "date.rr")
    dated = base + ["-rtc", "base=2021-02-03T04:05:06"]
    rtc = record(dated, j1, os.path.join(work, "date-record.log"))
    # The guest boots in a few seconds of virtual time.
    check(rtc and rtc.startswith("2021-02-03 04:0"), "/init's rtc with base=DATE: %r" % rtc)
    replay(dated, j1, os.path.join(work, "date-replay.log"))
    check(same(os.path.join(work, "date-record.log"), os.path.join(work, "date-replay.log")),
          "base=DATE: replay console differs")

    j2 = os.path.join(work, "utc.rr")
    utc = base + ["-rtc", "base=utc"]
    rtc = record(utc, j2, os.path.join(work, "utc-record.log"))
    now = time.gmtime()
    check(rtc and rtc.startswith(time.strftime("%Y-%m-%d", now)), "base=utc: %r" % rtc)
    time.sleep(2)   # the host's clock moves on; the replay must not see it
    replay(utc, j2, os.path.join(work, "utc-replay.log"))
    check(rtc_line(os.path.join(work, "utc-replay.log")) == rtc,
          "base=utc: replay shows %r, the recording %r"
          % (rtc_line(os.path.join(work, "utc-replay.log")), rtc))

    r = subprocess.run(base + ["-rtc", "base=2022-01-01", "-icount",
                               "shift=0,sleep=on,rr=replay,rrfile=" + j1],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    check(r.returncode != 0 and b"rtc" in r.stderr,
          "replay with another -rtc base: exit %d: %r" % (r.returncode, r.stderr))

    print("%d failure(s)" % len(FAILS) if FAILS else "ok: -rtc on Linux")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
