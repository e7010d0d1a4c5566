#!/usr/bin/env python3
"""The human monitor (HMP) end to end.

1. -monitor stdio with -S over the long CPU benchmark guest: info status
   (paused), cont (running), stop (paused), info registers, x and xp, savevm,
   info snapshots, loadvm (back to the saved pc), quit.
2. A unix-socket monitor over a replay of debugme: replay_break + cont stop
   at that step, replay_seek backwards, info replay, system_reset refused
   (it would not be in the journal), cont to the end: the console as recorded.
3. -nographic (mon:stdio) while recording: Ctrl-A c to the monitor and back;
   what is typed at the console is journaled, what is typed in the monitor
   is not (the journal shows it), and quit from the monitor ends the run;
   with snapmix, which prints what its UART receives, under -S: the key
   typed at the console before Ctrl-A c reaches the guest, the monitor's
   keys do not, in the recording and in its replay.
4. -no-shutdown: debugme powers off, rrsim stays, the monitor says
   "paused (shutdown)", cont is refused until system_reset, quit exits with
   the guest's status.

usage: hmp_session.py RRSIM RRSIM-JOURNAL DEBUGME.elf CPU_BENCH.elf SNAPMIX.elf
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

FAILS = []
PROMPT = b"(qemu) "


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what, flush=True)


class Monitor:
    """Lines in, text up to the next prompt out."""

    def __init__(self, read, write, timeout=30):
        self.read_some, self.write, self.timeout = read, write, timeout
        self.buf = b""
        self.banner = self.until_prompt()

    def until_prompt(self):
        deadline = time.time() + self.timeout
        while PROMPT not in self.buf:
            if time.time() > deadline:
                raise TimeoutError("no prompt; got %r" % self.buf)
            data = self.read_some()
            if not data:
                raise EOFError("monitor closed; got %r" % self.buf)
            self.buf += data
        out, self.buf = self.buf.split(PROMPT, 1)
        return out.decode("latin-1")

    def cmd(self, line):
        self.write((line + "\n").encode())
        return self.until_prompt()


def pipe_reader(f):
    fd = f.fileno()
    return lambda: os.read(fd, 65536)


def stdio_part(rrsim, bench, tmp):
    store = os.path.join(tmp, "stdio.snap")
    p = subprocess.Popen([rrsim, "-bios", "none", "-kernel", bench, "-S", "-monitor", "stdio",
                          "-serial", "file:" + os.path.join(tmp, "stdio.out"),
                          "-snapshot-store", store],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def write(b):
        p.stdin.write(b)
        p.stdin.flush()
    try:
        m = Monitor(pipe_reader(p.stdout), write)
        check("monitor - type 'help'" in m.banner, "banner: %r" % m.banner)
        check(m.cmd("info status") == "VM status: paused (prelaunch)\n", "-S: not paused")
        # The reset ROM, disassembled as QEMU 7.2's monitor prints it
        # (also without the blank between x and its format).
        want = ("0x0000000000001000:  00000297          auipc                   t0,0"
                "                    # 0x1000\n"
                "0x0000000000001004:  02828613          addi                    a2,t0,40\n"
                "0x0000000000001008:  f1402573          csrrs                   a0,mhartid,zero\n")
        check(m.cmd("x/3i 0x1000") == want, "x/3i: %r" % m.cmd("x/3i 0x1000"))
        check(m.cmd("xp /3i $pc") == want, "xp /3i $pc")
        regs = m.cmd("info registers")
        check(re.search(r"^ pc       0000000000001000$", regs, re.M), "pc at reset: %r" % regs)
        check(re.search(r"^ x0/zero  0{16} x1/ra    [0-9a-f]{16}", regs, re.M), "x regs: %r" % regs)
        check(m.cmd("cont") == "", "cont prints nothing")
        check(m.cmd("info status") == "VM status: running\n", "not running after cont")
        time.sleep(0.5)
        check(m.cmd("stop") == "", "stop prints nothing")
        check(m.cmd("info status") == "VM status: paused\n", "not paused after stop")
        x = m.cmd("x /4xw 0x80000000")
        check(re.fullmatch(r"0000000080000000:( 0x[0-9a-f]{8}){4}\n", x), "x /4xw: %r" % x)
        xp = m.cmd("xp /4xw 0x80000000")
        check(xp == x, "x and xp differ with the MMU off: %r %r" % (x, xp))
        check("Cannot access memory" in m.cmd("xp /1xg 0x7000000000000"), "unmapped xp")
        check("invalid char in format: 'z'" in m.cmd("x /2z 0"), "bad format")
        pc = re.search(r"^ pc       ([0-9a-f]+)$", m.cmd("info registers"), re.M).group(1)
        check(m.cmd("savevm s1") == "", "savevm")
        snaps = m.cmd("info snapshots")
        check(re.search(r"^--\s+s1\s+[1-9][0-9]*$", snaps, re.M), "info snapshots: %r" % snaps)
        m.cmd("cont")
        time.sleep(0.3)
        m.cmd("stop")
        pc2 = re.search(r"^ pc       ([0-9a-f]+)$", m.cmd("info registers"), re.M).group(1)
        check(m.cmd("loadvm s1") == "", "loadvm")
        pc3 = re.search(r"^ pc       ([0-9a-f]+)$", m.cmd("info registers"), re.M).group(1)
        check(pc3 == pc, "loadvm: pc %s, saved at %s (ran to %s)" % (pc3, pc, pc2))
        check("unknown command: 'frob'" in m.cmd("frob"), "unknown command")
        write(b"quit\n")
        p.stdin.close()
        rc = p.wait(timeout=30)
        check(rc == 0, "quit: exit status %d: %s" % (rc, p.stderr.read()))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def socket_monitor(path, timeout=30):
    deadline = time.time() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            break
        except OSError:
            s.close()
            if time.time() > deadline:
                raise
            time.sleep(0.05)
    s.settimeout(timeout)
    return s, Monitor(lambda: s.recv(65536), s.sendall)


def replay_part(rrsim, elf, tmp):
    journal = os.path.join(tmp, "j.rr")
    rec_out, play_out = os.path.join(tmp, "rec.out"), os.path.join(tmp, "play.out")
    rec = subprocess.run([rrsim, "-bios", "none", "-kernel", elf, "-serial", "file:" + rec_out,
                          "-icount", "shift=0,rr=record,rrfile=" + journal],
                         stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    check(rec.returncode == 0, "recording exited %d: %s" % (rec.returncode, rec.stderr))
    sock = os.path.join(tmp, "hmp.sock")
    p = subprocess.Popen([rrsim, "-bios", "none", "-kernel", elf, "-S",
                          "-serial", "file:" + play_out,
                          "-icount", "shift=0,rr=replay,rrfile=" + journal,
                          "-monitor", "unix:%s,server,nowait" % sock],
                         stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        s, m = socket_monitor(sock)
        check(m.cmd("info replay") ==
              "Replaying execution '%s': instruction count = 0\n" % journal, "info replay at 0")
        check(m.cmd("replay_break 500") == "", "replay_break")
        m.cmd("cont")
        deadline = time.time() + 20
        while "paused" not in m.cmd("info status") and time.time() < deadline:
            time.sleep(0.05)
        check(m.cmd("info replay").endswith("instruction count = 500\n"), "stopped at 500")
        check(m.cmd("replay_seek 100") == "", "replay_seek")
        check(m.cmd("info replay").endswith("instruction count = 100\n"), "seek back to 100")
        r = m.cmd("system_reset")
        check(r.startswith("Error: ") and "recording or replaying" in r, "system_reset: %r" % r)
        r = m.cmd("replay_seek 1000000000000")
        check(r.startswith("Error: "), "seek beyond the end: %r" % r)
        check(m.cmd("replay_break 50").startswith("Error: "), "break behind the replay")
        m.cmd("replay_break 300")
        check(m.cmd("replay_delete_break") == "", "replay_delete_break")
        s.sendall(b"cont\n")
        rc = p.wait(timeout=30)
        check(rc == 0, "replay: exit status %d: %s" % (rc, p.stderr.read()))
        with open(rec_out, "rb") as a, open(play_out, "rb") as b:
            check(a.read() == b.read(), "replay console differs from the recording")
        s.close()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def mux_part(rrsim, journal_tool, bench, tmp):
    journal = os.path.join(tmp, "mux.rr")
    p = subprocess.Popen([rrsim, "-bios", "none", "-kernel", bench, "-nographic",
                          "-icount", "shift=0,rr=record,rrfile=" + journal],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def write(b):
        p.stdin.write(b)
        p.stdin.flush()
    try:
        write(b"abc")                      # console: the guest's UART gets these
        time.sleep(0.5)
        write(b"\x01c")
        m = Monitor(pipe_reader(p.stdout), write)
        check("monitor - type 'help'" in m.banner, "Ctrl-A c: no monitor banner: %r" % m.banner)
        check(m.cmd("info status") == "VM status: running\n", "mux: info status")
        write(b"zzz")                      # typed in the monitor: never the guest's
        check("unknown command: 'zzzinfo'" in m.cmd("info replay"), "monitor line editing")
        r = m.cmd("info replay")
        check(r.startswith("Recording execution '%s'" % journal), "mux info replay: %r" % r)
        write(b"\x01c")                    # back to the console
        time.sleep(0.3)
        write(b"\x01c")
        m.buf = b""
        m.until_prompt()
        write(b"quit\n")
        p.stdin.close()
        rc = p.wait(timeout=30)
        check(rc == 0, "mux quit: exit status %d: %s" % (rc, p.stderr.read()))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    dump = subprocess.run([journal_tool, "dump", journal], capture_output=True, text=True)
    # The guest never reads its UART, so its one-byte holding register takes
    # the first key and the rest wait; that one must be in the journal.
    inputs = [l.split("chr=0", 1)[1] for l in dump.stdout.splitlines() if "char-input" in l]
    check(inputs and inputs[0].strip() == '"a"',
          "console input not journaled: %r" % dump.stdout[-2000:])
    check(len(inputs) == 1, "journaled input: %r" % inputs)


def mux_input_part(rrsim, journal_tool, snapmix, tmp):
    """snapmix echoes what its UART receives ("in k"): a key typed at the
    console before Ctrl-A c reaches it, the keys typed in the monitor do not,
    and the replay of the recording shows the same."""
    journal = os.path.join(tmp, "snapmix.rr")
    icount = "shift=0,rr=%s,rrfile=" + journal
    p = subprocess.Popen([rrsim, "-bios", "none", "-kernel", snapmix, "-nographic", "-S",
                          "-icount", icount % "record"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def write(b):
        p.stdin.write(b)
        p.stdin.flush()
    try:
        write(b"k\x01c")
        m = Monitor(pipe_reader(p.stdout), write)
        check(m.cmd("info status") == "VM status: paused (prelaunch)\n", "mux -S: status")
        check("unknown command: 'zzz'" in m.cmd("zzz"), "mux: typed line")
        write(b"cont\n")
        out, err = p.communicate(timeout=60)
        out = m.buf + out
        check(p.returncode == 0, "snapmix record: exit %d: %r" % (p.returncode, err))
        check(b"in k" in out, "the console key did not reach the guest: %r" % out[-500:])
        check(b"in z" not in out and b"in c" not in out and b"in o" not in out,
              "monitor keys reached the guest: %r" % out[-2000:])
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    dump = subprocess.run([journal_tool, "dump", journal], capture_output=True, text=True)
    inputs = [l.split("chr=0", 1)[1].strip() for l in dump.stdout.splitlines()
              if "char-input" in l]
    check(inputs == ['"k"'], "journaled input: %r" % inputs)
    play = subprocess.run([rrsim, "-bios", "none", "-kernel", snapmix, "-nographic",
                           "-icount", icount % "replay"],
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    check(play.returncode == 0, "snapmix replay: exit %d: %r" % (play.returncode, play.stderr))
    check(play.stdout.count(b"in k") == 1 and b"in z" not in play.stdout,
          "replay console: %r" % play.stdout[-500:])


def no_shutdown_part(rrsim, elf, tmp):
    out = os.path.join(tmp, "ns.out")
    sock = os.path.join(tmp, "ns.sock")
    p = subprocess.Popen([rrsim, "-bios", "none", "-kernel", elf, "-no-shutdown",
                          "-serial", "file:" + out, "-monitor", "unix:%s,server,nowait" % sock],
                         stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        s, m = socket_monitor(sock)
        deadline = time.time() + 20
        st = ""
        while time.time() < deadline:
            st = m.cmd("info status")
            if "shutdown" in st:
                break
            time.sleep(0.05)
        check(st == "VM status: paused (shutdown)\n", "-no-shutdown: %r" % st)
        check(p.poll() is None, "-no-shutdown: rrsim exited at the guest's poweroff")
        with open(out, "rb") as f:
            check(b"debugme counter=15" in f.read(), "guest output before poweroff")
        check("pc" in m.cmd("info registers"), "registers after poweroff")
        check(m.cmd("cont") == "Error: Resetting the Virtual Machine is required\n",
              "cont after poweroff must need a reset")
        check(m.cmd("system_reset") == "", "system_reset after poweroff")
        check(m.cmd("info status") == "VM status: paused\n", "paused after the reset")
        m.cmd("cont")
        deadline = time.time() + 20
        while "shutdown" not in m.cmd("info status") and time.time() < deadline:
            time.sleep(0.05)
        with open(out, "rb") as f:
            check(f.read().count(b"debugme counter=15") == 2, "the guest ran again after reset")
        s.sendall(b"quit\n")
        rc = p.wait(timeout=30)
        check(rc == 0, "quit after poweroff: exit status %d: %s" % (rc, p.stderr.read()))
        s.close()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def main():
    if len(sys.argv) != 6:
        print(__doc__)
        return 2
    rrsim, journal_tool, debugme, bench, snapmix = sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        for part in (lambda: stdio_part(rrsim, bench, tmp),
                     lambda: replay_part(rrsim, debugme, tmp),
                     lambda: mux_part(rrsim, journal_tool, bench, tmp),
                     lambda: mux_input_part(rrsim, journal_tool, snapmix, tmp),
                     lambda: no_shutdown_part(rrsim, debugme, tmp)):
            try:
                part()
            except Exception as exc:   # a hang or a crash is a failure, reported
                check(False, "%s: %r" % (type(exc).__name__, exc))
    print("%d failure(s)" % len(FAILS) if FAILS else "ok: HMP session")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
