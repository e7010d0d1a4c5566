#!/usr/bin/env python3
"""The Linux test guest on the network: virtio-net with user networking.

/init (rrnet=PORT) brings eth0 up as 10.0.2.15/24 and serves TCP on PORT;
the host reaches it through hostfwd on 127.0.0.1, sends a line (answered in
upper case), a block of bytes ("sink N", counted), and "quit" (the guest
powers off). Nothing leaves the machine.

  --mode replay   record such a session on rrsim, then replay it with the
                  network unplugged (the forwarded port is held by this
                  script meanwhile, so a replay that opened it would fail):
                  console, step count and final state identical; a replay
                  with another MAC is refused.
  --mode qemu     the same session on rrsim and on QEMU 7.2 with the same
                  command line: the /init lines (the MAC it reads, what it
                  received) are the same.

    linux_net.py --rrsim BUILD/rrsim --guest-dir BUILD/guests/linux
                 [--mode replay|qemu] [--modern] [--nic] [--workdir DIR]
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import console  # noqa: E402

FW = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"
GUEST_PORT = 7
LINE = "hello rrsim over the network"
SINK = bytes((i * 7 + i // 1000) & 0xFF for i in range(200000))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


NIC = False   # --nic: the -nic shorthand instead of -netdev plus -device


def machine_args(guest_dir, port, modern, mac=None):
    fwd = "hostfwd=tcp:127.0.0.1:%d-:%d" % (port, GUEST_PORT)
    if NIC:
        net = ["-nic", "user,model=virtio-net-device," + fwd + (",mac=" + mac if mac else "")]
    else:
        net = ["-netdev", "user,id=n0," + fwd,
               "-device", "virtio-net-device,netdev=n0" + (",mac=" + mac if mac else "")]
    return ["-M", "virt", "-bios", FW, "-kernel", os.path.join(guest_dir, "Image"),
            "-append", "console=ttyS0 loglevel=6 rdinit=/init rrnet=%d" % GUEST_PORT,
            "-initrd", os.path.join(guest_dir, "initrd.cpio")] + net + \
        ["-display", "none", "-serial", "stdio"] + \
        (["-global", "virtio-mmio.force-legacy=false"] if modern else [])


def wait_for(path, text, proc, deadline):
    while time.time() < deadline:
        with open(path, "rb") as f:
            if text.encode() in f.read():
                return True
        if proc.poll() is not None:
            return False
        time.sleep(0.2)
    return False


def recv_line(s):
    buf = b""
    while not buf.endswith(b"\n"):
        b = s.recv(4096)
        if not b:
            break
        buf += b
    return buf.decode(errors="replace")


def connect_and_talk(port, deadline):
    """The host's side once the guest listens: a line, a block, quit.
    Returns the problems found."""
    problems = []
    s = None
    while time.time() < deadline and s is None:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=30)
        except OSError:
            time.sleep(0.2)
    if s is None:
        return ["could not connect to 127.0.0.1:%d" % port]
    s.settimeout(max(5, deadline - time.time()))
    s.sendall((LINE + "\n").encode())
    got = recv_line(s)
    if got != LINE.upper() + "\n":
        problems.append("the guest answered %r to %r" % (got, LINE))
    s.sendall(b"sink %d\n" % len(SINK) + SINK)
    got = recv_line(s)
    if not got.startswith("sank %d bytes in " % len(SINK)):
        problems.append("the guest answered %r to the sink" % got)
    s.sendall(b"quit\n")
    got = recv_line(s)
    if got != "bye\n":
        problems.append("the guest answered %r to quit" % got)
    s.close()
    return problems


def session(argv, log, err, port, timeout):
    """Boot, talk to the guest through the forwarded port, wait for power-off.
    Returns (problems, exit status)."""
    problems = []
    with open(log, "wb") as out, open(err, "wb") as errf:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=errf)
    deadline = time.time() + timeout
    try:
        if not wait_for(log, "net: listening on tcp port", proc, deadline):
            return ["the guest never listened (see %s, %s)" % (log, err)], proc.poll()
        problems += connect_and_talk(port, deadline)
        status = proc.wait(timeout=max(5, deadline - time.time()))
    except (OSError, subprocess.TimeoutExpired) as e:
        problems.append("session: %s (see %s)" % (e, log))
        proc.kill()
        status = proc.wait()
    return problems, status


def guest_lines(path):
    lines = console.console_lines(path)
    return [l for l in lines if l.startswith(("net:", "init:", "rrsim linux guest"))]


def summary(path):
    with open(path, "rb") as f:
        found = [l for l in f.read().decode("latin-1").splitlines()
                 if l.startswith("rrsim: ") and "steps=" in l]
    if not found:
        return None
    return " ".join(w for w in found[-1].split() if w.startswith(("steps=", "state=")))


EXPECTED = ["rrsim linux guest: init started (pid 1)",
            "net: eth0 mac 52:54:00:12:34:56",
            "net: eth0 up 10.0.2.15/24 via 10.0.2.2",
            "net: listening on tcp port %d" % GUEST_PORT,
            "net: connection",
            "net: got '%s'" % LINE,
            "net: sank %d bytes" % len(SINK),
            "net: quit",
            "init: done"]


def check_lines(name, path, problems):
    got = guest_lines(path)
    if got != EXPECTED:
        problems.append("%s: /init lines differ:\n%s" % (
            name, console.diff_lines(EXPECTED, got, "expected", name)))
    else:
        print("ok: %s: /init served the session" % name, flush=True)


def run_replay(opts, work):
    problems = []
    port = free_port()
    rr = os.path.join(work, "net.rr")
    base = [opts.rrsim] + machine_args(opts.guest_dir, port, opts.modern)
    ic = "shift=0,sleep=on"
    rec = base + ["-d", "summary", "-icount", "%s,rr=record,rrfile=%s" % (ic, rr)]
    print("record: %s" % " ".join(rec), flush=True)
    p, status = session(rec, os.path.join(work, "record.log"), os.path.join(work, "record.err"),
                        port, opts.timeout)
    problems += p
    if status != 0:
        problems.append("record exited %s" % status)
    check_lines("record", os.path.join(work, "record.log"), problems)
    if problems:
        return problems
    # Hold the forwarded port: a replay must not touch the host network.
    hold = socket.socket()
    # The recording's connection may linger in TIME_WAIT on this port.
    hold.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    hold.bind(("127.0.0.1", port))
    hold.listen(1)
    play = base + ["-d", "summary", "-icount", "%s,rr=replay,rrfile=%s" % (ic, rr)]
    for i in (1, 2):
        log, err = os.path.join(work, "replay%d.log" % i), os.path.join(work, "replay%d.err" % i)
        with open(log, "wb") as out, open(err, "wb") as errf:
            st = subprocess.run(play, stdin=subprocess.DEVNULL, stdout=out, stderr=errf,
                                timeout=opts.timeout).returncode
        with open(os.path.join(work, "record.log"), "rb") as a, open(log, "rb") as b:
            same = a.read() == b.read()
        s1, s2 = summary(os.path.join(work, "record.err")), summary(err)
        if st != 0 or not same or not s1 or s1 != s2:
            problems.append("replay %d: status %d, console %s, summary %r vs recorded %r (see %s)"
                            % (i, st, "same" if same else "DIFFERENT", s2, s1, err))
        else:
            print("ok: replay %d matches the recording: %s" % (i, s2), flush=True)
    hold.close()
    # Another card is another machine: refused before anything runs.
    other = [opts.rrsim] + machine_args(opts.guest_dir, port, opts.modern, "52:54:00:12:34:99") + \
        ["-icount", "%s,rr=replay,rrfile=%s" % (ic, rr)]
    r = subprocess.run(other, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=60)
    msg = r.stderr.decode(errors="replace").strip()
    if r.returncode != 71 or "virtio-net" not in msg:
        problems.append("a replay with another MAC: status %d, expected 71: %s"
                        % (r.returncode, msg))
    else:
        print("ok: a replay with another MAC is refused: %s" % msg, flush=True)
    return problems


def run_qemu(opts, work):
    problems = []
    for name, sim in (("rrsim", opts.rrsim), ("qemu", opts.qemu)):
        port = free_port()
        argv = [sim] + machine_args(opts.guest_dir, port, opts.modern)
        if name == "qemu":
            argv += ["-cpu", console.QEMU_CPU_LIKE_RRSIM]
        print("%s: %s" % (name, " ".join(argv)), flush=True)
        log = os.path.join(work, name + ".log")
        p, status = session(argv, log, os.path.join(work, name + ".err"), port, opts.timeout)
        problems += ["%s: %s" % (name, x) for x in p]
        if status != 0:
            problems.append("%s exited %s" % (name, status))
        check_lines(name, log, problems)
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rrsim", required=True)
    ap.add_argument("--qemu", default=os.environ.get("QEMU", "qemu-system-riscv64"))
    ap.add_argument("--guest-dir", required=True)
    ap.add_argument("--mode", choices=("replay", "qemu"), default="replay")
    ap.add_argument("--modern", action="store_true")
    ap.add_argument("--nic", action="store_true",
                    help="-nic user,... instead of -netdev and -device (rrsim only)")
    ap.add_argument("--timeout", type=float, default=150.0)
    ap.add_argument("--workdir", default=None)
    opts = ap.parse_args()
    global NIC
    NIC = opts.nic
    if NIC and opts.mode == "qemu":
        print("linux_net: FAIL: QEMU 7.2's virt board creates no -nic card on virtio-mmio")
        return 1
    for f in (FW, os.path.join(opts.guest_dir, "Image"),
              os.path.join(opts.guest_dir, "initrd.cpio")):
        if not os.path.exists(f):
            print("linux_net: FAIL: %s is missing" % f)
            return 1
    work = opts.workdir or tempfile.mkdtemp(prefix="rrsim-linux_net-")
    os.makedirs(work, exist_ok=True)
    problems = run_replay(opts, work) if opts.mode == "replay" else run_qemu(opts, work)
    for p in problems:
        print("linux_net: FAIL: %s" % p, flush=True)
    if not problems:
        print("linux_net: PASS", flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
