#!/usr/bin/env python3
"""Record/replay figures: rrsim and QEMU side by side, in one run.

    rr_bench.py BUILD_DIR

Two workloads, each run in normal mode, with -icount shift=0,rr=record and
with rr=replay, on rrsim (BUILD_DIR/rrsim) and on QEMU:

  U-Boot session  OpenSBI fw_jump + U-Boot (S-mode): stop the autoboot, type
                  version, printenv, echo hello, poweroff.  Each line is sent
                  as soon as the prompt it answers appears, so the host adds
                  as little idle time as it can; replays run with stdin closed.
                  Wall time is from process start to exit.  Interactive runs
                  still contain host-timed waits (the guest polls its UART
                  while the driver reacts), so guest virtual time is reported
                  too, and guest speed as instructions per wall second.
  cpu_bench       bench/cpu_bench.elf with -bios none: no input and no idle
                  time, so the record/replay overhead against normal mode is
                  measured on pure execution.

Speed ratio = normal wall time / mode wall time (1.00: as fast as normal,
0.50: twice as slow).  CPU seconds (user+sys of the child) are printed as
well: the host may be shared.

Journal size per second of guest time:
  rrsim  file size / the virtual time `rrsim-journal info` reports.
  QEMU   file size / guest time, where guest time is the instruction count
         QMP query-replay reports at the last prompt, before poweroff is
         typed (shift=0: one instruction is one virtual ns; the poweroff
         command itself adds a negligible few thousand instructions).

QEMU's console is -serial stdio -monitor none -display none rather than
-nographic: with -nographic the serial port is multiplexed with the monitor
(mon:stdio), and QEMU 7.2's replay of that session diverged (the typed keys
were replayed at other points).  -net none and -no-reboot follow QEMU's own
record/replay tests.
"""
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import console  # noqa: E402

FW = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"
UBOOT = "/usr/lib/u-boot/qemu-riscv64_smode/uboot.elf"
QEMU = os.environ.get("QEMU", "qemu-system-riscv64")
QEMU_CONSOLE = ["-display", "none", "-serial", "stdio", "-monitor", "none", "-net", "none",
                "-no-reboot"]
SESSION_TIMEOUT = 240.0


def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class Result:
    def __init__(self, name):
        self.name = name
        self.ok = False
        self.wall = self.cpu = None
        self.steps = self.virtual_ns = None   # guest instructions, virtual time
        self.note = ""
        self.log = None


def parse_summary(err_path):
    """rrsim's -d summary line: (steps, virtual_ns) or (None, None)."""
    text = open(err_path, "rb").read().decode("latin-1")
    m = re.findall(r"steps=(\d+) virtual_ns=(\d+)", text)
    return (int(m[-1][0]), int(m[-1][1])) if m else (None, None)


class Qmp:
    """Just enough QMP to ask for query-replay."""

    def __init__(self, path, timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.sock.settimeout(timeout)
        self.buf = b""
        self._read()                            # greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise OSError("QMP connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name):
        self.sock.sendall(json.dumps({"execute": name}).encode() + b"\n")
        while True:
            msg = self._read()
            if "return" in msg or "error" in msg:
                return msg

    def close(self):
        self.sock.close()


def uboot_interactive(name, argv, log, err, qmp_path=None):
    """Drive the session; keys go out as soon as the prompt is seen."""
    r = Result(name)
    cpu0 = child_cpu()
    t0 = time.monotonic()
    con = console.Console(argv, log_path=log, stderr_path=err, total_timeout=SESSION_TIMEOUT)
    qmp = None
    try:
        con.step_timeout = SESSION_TIMEOUT
        if qmp_path:
            qmp = Qmp(qmp_path)
        con.expect(r"Hit any key to stop autoboot")
        con.send(b" ")
        con.expect(r"^=> ")
        con.send(b"version\r")
        con.expect(r"^GNU ld ")
        con.expect(r"^=> ")
        con.send(b"printenv\r")
        con.expect(r"^Environment size: \d+/\d+ bytes")
        con.expect(r"^=> ")
        con.send(b"echo hello\r")
        con.expect(r"^hello\r?$")
        con.expect(r"^=> ")
        if qmp:
            info = qmp.cmd("query-replay").get("return", {})
            r.steps = info.get("icount")
            r.virtual_ns = r.steps                  # shift=0
            r.note = "guest time at the last prompt (QMP query-replay)"
        con.send(b"poweroff\r")
        con.expect(r"^poweroff \.\.\.")
        con.expect_exit(0, SESSION_TIMEOUT)
        r.wall = time.monotonic() - t0
        r.ok = True
    except (console.ConsoleError, OSError) as exc:
        r.note = "FAILED: %s" % str(exc).splitlines()[0]
    finally:
        if qmp:
            qmp.close()
        con.close()
    r.cpu = child_cpu() - cpu0
    r.log = log
    return r


def run_batch(name, argv, log, err, expect_text=None):
    """Run with stdin closed until exit (replays, cpu_bench)."""
    r = Result(name)
    cpu0 = child_cpu()
    t0 = time.monotonic()
    with open(log, "wb") as out, open(err, "wb") as errf:
        try:
            status = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=errf,
                                    timeout=SESSION_TIMEOUT).returncode
        except subprocess.TimeoutExpired:
            status = None
    r.wall = time.monotonic() - t0
    r.cpu = child_cpu() - cpu0
    r.log = log
    text = open(log, "rb").read().decode("latin-1")
    if status != 0:
        r.note = "FAILED: exit status %s (no exit within %.0f s)" % (status, SESSION_TIMEOUT) \
            if status is None else "FAILED: exit status %s" % status
    elif expect_text and expect_text not in text:
        r.note = "FAILED: %r not in the output" % expect_text
    else:
        r.ok = True
    m = re.search(r"^instructions (\d+)", text, re.M)
    if m:
        r.steps = int(m.group(1))
    return r


def journal_info(tool, path):
    out = subprocess.run([tool, "info", path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         timeout=60).stdout.decode("latin-1")
    m = re.search(r"^length:\s+(\d+) steps, (\d+) ns virtual", out, re.M)
    return (int(m.group(1)), int(m.group(2))) if m else (None, None), out


def same_console(a, b):
    return open(a, "rb").read() == open(b, "rb").read()


def fmt(v, spec, none="-"):
    return none if v is None else spec % v


def table(rows, normal):
    print("  %-13s %8s %8s %7s %7s %12s %10s %7s %7s  %s" % (
        "run", "wall s", "cpu s", "speed", "(cpu)", "guest insns", "virtual s", "MIPS",
        "(cpu)", "notes"))
    for r in rows:
        speed = normal.wall / r.wall if (r.ok and normal.ok and r.wall) else None
        speed_cpu = normal.cpu / r.cpu if (r.ok and normal.ok and r.cpu) else None
        mips = r.steps / r.wall / 1e6 if (r.ok and r.steps and r.wall) else None
        mips_cpu = r.steps / r.cpu / 1e6 if (r.ok and r.steps and r.cpu) else None
        print("  %-13s %8s %8s %7s %7s %12s %10s %7s %7s  %s" % (
            r.name, fmt(r.wall, "%.3f"), fmt(r.cpu, "%.3f"), fmt(speed, "%.2fx"),
            fmt(speed_cpu, "%.2fx"), fmt(r.steps, "%d"),
            fmt(r.virtual_ns / 1e9 if r.virtual_ns else None, "%.6f"),
            fmt(mips, "%.1f"), fmt(mips_cpu, "%.1f"), r.note))


def main(argv):
    if len(argv) != 1:
        print("usage: rr_bench.sh BUILD_DIR", file=sys.stderr)
        return 2
    build = os.path.abspath(argv[0])
    rrsim = os.path.join(build, "rrsim")
    jtool = os.path.join(build, "rrsim-journal")
    cpu_elf = os.path.join(build, "bench", "cpu_bench.elf")
    for f in (rrsim, jtool, cpu_elf, FW, UBOOT):
        if not os.path.exists(f):
            print("rr_bench: %s is missing" % f, file=sys.stderr)
            return 2
    if not shutil.which(QEMU):
        print("rr_bench: %s not found" % QEMU, file=sys.stderr)
        return 2
    qver = subprocess.run([QEMU, "--version"], stdout=subprocess.PIPE).stdout.decode().splitlines()[0]
    work = tempfile.mkdtemp(prefix="rr_bench.")
    P = lambda leaf: os.path.join(work, leaf)  # noqa: E731
    failed = False

    print("rr_bench: rrsim %s" % rrsim)
    print("rr_bench: %s" % qver)
    print("rr_bench: work files in %s" % work)

    # ---------------- U-Boot session ----------------
    r_boot = [rrsim, "-M", "virt", "-bios", FW, "-kernel", UBOOT, "-nographic", "-d", "summary"]
    q_boot = [QEMU, "-M", "virt", "-cpu", console.QEMU_CPU_LIKE_RRSIM, "-bios", FW,
              "-kernel", UBOOT] + QEMU_CONSOLE
    rr_icount = "shift=0,rr=%s,rrfile=" + P("uboot.rr")
    q_icount = "shift=0,rr=%s,rrfile=" + P("uboot.qrr")
    qmp = P("qmp.sock")

    rows_r, rows_q = [], []
    r = uboot_interactive("rrsim normal", r_boot, P("r-normal.log"), P("r-normal.err"))
    r.steps, r.virtual_ns = parse_summary(P("r-normal.err"))
    rows_r.append(r)
    r = uboot_interactive("rrsim record", r_boot + ["-icount", rr_icount % "record"],
                          P("r-record.log"), P("r-record.err"))
    r.steps, r.virtual_ns = parse_summary(P("r-record.err"))
    rows_r.append(r)
    r = run_batch("rrsim replay", r_boot + ["-icount", rr_icount % "replay"],
                  P("r-replay.log"), P("r-replay.err"))
    r.steps, r.virtual_ns = parse_summary(P("r-replay.err"))
    if r.ok and rows_r[1].ok:
        same = same_console(P("r-record.log"), P("r-replay.log")) and \
            (r.steps, r.virtual_ns) == (rows_r[1].steps, rows_r[1].virtual_ns)
        r.note = "console and length identical to the recording" if same else \
            "DIVERGED from the recording"
        failed |= not same
    rows_r.append(r)

    q = uboot_interactive("qemu normal", q_boot, P("q-normal.log"), P("q-normal.err"))
    q.note = q.note or "no icount: guest time follows the host clock"
    rows_q.append(q)
    q = uboot_interactive("qemu icount", q_boot + ["-icount", "shift=0",
                                                  "-qmp", "unix:%s,server=on,wait=off" % qmp],
                          P("q-icount.log"), P("q-icount.err"), qmp_path=qmp)
    rows_q.append(q)
    q = uboot_interactive("qemu record", q_boot + ["-icount", q_icount % "record",
                                                  "-qmp", "unix:%s,server=on,wait=off" % qmp],
                          P("q-record.log"), P("q-record.err"), qmp_path=qmp)
    rows_q.append(q)
    q = run_batch("qemu replay", q_boot + ["-icount", q_icount % "replay"],
                  P("q-replay.log"), P("q-replay.err"))
    if q.ok and rows_q[2].ok:
        same = same_console(P("q-record.log"), P("q-replay.log"))
        q.note = "console identical to the recording" if same else "console DIFFERS from the recording"
    rows_q.append(q)
    def autoboot_ran(leaf):
        text = open(P(leaf), "rb").read().decode("latin-1")
        return "Device 0:" in text or "scanning bus" in text
    for x, leaf in zip(rows_r + rows_q, ("r-normal.log", "r-record.log", "r-replay.log",
                                         "q-normal.log", "q-icount.log", "q-record.log",
                                         "q-replay.log")):
        if x.ok and autoboot_ran(leaf):
            x.note += "; autoboot ran (key came too late)"

    print()
    print("== U-Boot session (OpenSBI fw_jump + U-Boot; keys sent as soon as each prompt appears)")
    print("rrsim (normal = no -icount; record/replay = -icount shift=0,rr=...):")
    table(rows_r, rows_r[0])
    print("QEMU (normal = no -icount; icount = -icount shift=0; record/replay = -icount shift=0,rr=...):")
    table(rows_q, rows_q[0])
    if any(x.ok and "autoboot ran" in x.note for x in rows_q):
        print("  note: where 'autoboot ran', the key sent at 'Hit any key to stop autoboot' reached "
              "the guest only after the 2 s (virtual) countdown had expired, so U-Boot also tried "
              "its autoboot and the key landed at the prompt: that run did more guest work than "
              "the normal-mode one, and its wall-time ratio is not a like-for-like speed figure; "
              "compare MIPS.")

    # Journals.
    print("journal (U-Boot session):")
    if os.path.exists(P("uboot.rr")):
        (steps, vns), _ = journal_info(jtool, P("uboot.rr"))
        size = os.path.getsize(P("uboot.rr"))
        print("  rrsim  %9d bytes  length %s steps, %s s virtual  -> %s bytes per guest second"
              % (size, fmt(steps, "%d"), fmt(vns / 1e9 if vns else None, "%.6f"),
                 fmt(size / (vns / 1e9) if vns else None, "%.0f")))
    if os.path.exists(P("uboot.qrr")):
        size = os.path.getsize(P("uboot.qrr"))
        vns = rows_q[2].virtual_ns
        print("  QEMU   %9d bytes  guest time %s s (icount at the last prompt)  -> %s bytes per guest second"
              % (size, fmt(vns / 1e9 if vns else None, "%.6f"),
                 fmt(size / (vns / 1e9) if vns else None, "%.0f")))

    # ---------------- cpu_bench ----------------
    r_cpu = [rrsim, "-M", "virt", "-bios", "none", "-kernel", cpu_elf, "-nographic", "-d", "summary"]
    q_cpu = [QEMU, "-M", "virt", "-cpu", console.QEMU_CPU_LIKE_RRSIM, "-bios", "none",
             "-kernel", cpu_elf] + QEMU_CONSOLE
    c_r = "shift=0,rr=%s,rrfile=" + P("cpu.rr")
    c_q = "shift=0,rr=%s,rrfile=" + P("cpu.qrr")
    rows_rc = [run_batch("rrsim normal", r_cpu, P("rc-normal.log"), P("rc-normal.err"), "RESULT: PASS"),
               run_batch("rrsim icount", r_cpu + ["-icount", "shift=0"], P("rc-icount.log"),
                         P("rc-icount.err"), "RESULT: PASS"),
               run_batch("rrsim record", r_cpu + ["-icount", c_r % "record"], P("rc-record.log"),
                         P("rc-record.err"), "RESULT: PASS"),
               run_batch("rrsim replay", r_cpu + ["-icount", c_r % "replay"], P("rc-replay.log"),
                         P("rc-replay.err"), "RESULT: PASS")]
    for x, leaf in zip(rows_rc, ("rc-normal", "rc-icount", "rc-record", "rc-replay")):
        x.steps, x.virtual_ns = parse_summary(P(leaf + ".err"))
    rows_qc = [run_batch("qemu normal", q_cpu, P("qc-normal.log"), P("qc-normal.err"), "RESULT: PASS"),
               run_batch("qemu icount", q_cpu + ["-icount", "shift=0"], P("qc-icount.log"),
                         P("qc-icount.err"), "RESULT: PASS"),
               run_batch("qemu record", q_cpu + ["-icount", c_q % "record"], P("qc-record.log"),
                         P("qc-record.err"), "RESULT: PASS"),
               run_batch("qemu replay", q_cpu + ["-icount", c_q % "replay"], P("qc-replay.log"),
                         P("qc-replay.err"), "RESULT: PASS")]
    # Without icount QEMU's instret follows host time, so the guest's own
    # count is meaningless there: use the icount run's (same program).
    if rows_qc[0].ok and rows_qc[1].ok:
        rows_qc[0].steps = rows_qc[1].steps
        rows_qc[0].note = "guest insns from the icount run"
    print()
    print("== cpu_bench (-bios none; no input, no idle time)")
    print("rrsim (guest insns/virtual time from -d summary):")
    table(rows_rc, rows_rc[0])
    print("QEMU (guest insns = the guest's own instret count of its work loop):")
    table(rows_qc, rows_qc[0])
    for rows, who in ((rows_rc, "rrsim"), (rows_qc, "QEMU")):
        n, ic, rec, rep = rows
        if all(x.ok for x in rows):
            print("  %-5s record speed %.2fx of normal (%.2fx of plain icount), replay %.2fx of normal "
                  "(%.2fx of plain icount)" % (who, n.wall / rec.wall, ic.wall / rec.wall,
                                               n.wall / rep.wall, ic.wall / rep.wall))
    if os.path.exists(P("cpu.rr")):
        print("  journals: rrsim %d bytes, QEMU %s bytes" % (
            os.path.getsize(P("cpu.rr")),
            os.path.getsize(P("cpu.qrr")) if os.path.exists(P("cpu.qrr")) else "-"))

    print()
    print("summary (speed = normal wall / mode wall):")
    for rows, who, what in ((rows_r, "rrsim", "U-Boot"), (rows_q[:1] + rows_q[2:], "QEMU", "U-Boot")):
        n, rec, rep = rows
        if n.ok and rec.ok:
            print("  %-5s %-9s record %.2fx%s (wall)" % (who, what, n.wall / rec.wall,
                                                      ", replay %.2fx" % (n.wall / rep.wall) if rep.ok else
                                                      ", replay FAILED"))
    n, rec, rep = rows_r
    if n.ok and rec.ok and rep.ok and n.steps:
        print("  rrsim U-Boot    in guest MIPS per CPU second: record %.2fx, replay %.2fx of normal"
              % ((rec.steps / rec.cpu) / (n.steps / n.cpu), (rep.steps / rep.cpu) / (n.steps / n.cpu)))
    ic, rec = rows_q[1], rows_q[2]
    if ic.ok and rec.ok and ic.steps and rec.steps:
        print("  QEMU  U-Boot    in guest MIPS per CPU second: record %.2fx of plain icount "
              "(normal mode has no instruction count%s)" % (
                  (rec.steps / rec.cpu) / (ic.steps / ic.cpu),
                  "; the recording ran the autoboot, different guest work"
                  if "autoboot ran" in rec.note and "autoboot ran" not in ic.note else ""))
    for rows, who in ((rows_rc, "rrsim"), (rows_qc, "QEMU")):
        n, _ic, rec, rep = rows
        if n.ok and rec.ok and rep.ok:
            print("  %-5s %-9s record %.2fx, replay %.2fx" % (who, "cpu_bench", n.wall / rec.wall,
                                                             n.wall / rep.wall))
    for row in rows_r + rows_q + rows_rc + rows_qc:
        if not row.ok and not row.name.startswith("qemu"):
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
