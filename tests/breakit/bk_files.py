"""bk_files: the families that damage files: journals, snapshot stores, and
images and options on the command line."""
import os
import shutil
import struct
import subprocess

from bk_core import (PROPER, SILENT_WRONG, UNCLEAR, Outcome, bare, hostile_recording,
                     judge_error_or, run, shell_quote, snapmix_recording)

JOURNAL_ERRORS = (68, 69, 70, 71, 72)
FRAME_HDR = 56


# ---- journals ---------------------------------------------------------------

def journal_layout(data):
    """(end of file header, [(frame start, frame end)], trailer start or None),
    from the layout sim/replay/journal.h documents."""
    mlen = struct.unpack_from("<I", data, 12)[0]
    hdr_end = 24 + mlen + 8
    frames = []
    pos = hdr_end
    while pos + FRAME_HDR <= len(data) and data[pos:pos + 4] == b"RJFR":
        comp = struct.unpack_from("<I", data, pos + 32)[0]
        frames.append((pos, pos + FRAME_HDR + comp))
        pos += FRAME_HDR + comp
    trailer = pos if data[pos:pos + 8] == b"RJTRAILR" else None
    return hdr_end, frames, trailer


def journal_mutations(data, other, rng, count):
    """`count` (description, damaged bytes) pairs: cuts at every structural
    boundary and at random offsets, bit flips, byte sets, zeroed ranges,
    frames swapped, dropped, duplicated, appended, garbage appended, and
    headers and bodies of two journals spliced."""
    hdr_end, frames, trailer = journal_layout(data)
    n = len(data)
    muts = []
    cuts = {0, 1, 7, 8, 12, 16, 23, 24, hdr_end - 9, hdr_end - 1, hdr_end, n - 1, n - 8}
    for a, b in frames:
        cuts.update((a + 1, a + 4, a + FRAME_HDR - 1, a + FRAME_HDR, b - 1, b))
    if trailer is not None:
        cuts.update((trailer, trailer + 8, trailer + 16))
    structural = sorted(c for c in cuts if 0 <= c < n)
    rng.shuffle(structural)
    for c in structural[:max(4, count // 5)]:
        muts.append(("truncate to %d bytes" % c, data[:c]))
    kinds = ["cut", "flip", "set", "zero", "swap", "drop", "dup", "append_frame",
             "append_garbage", "append_self", "splice", "frame_hdr_flip"]
    while len(muts) < count:
        k = rng.choice(kinds)
        if k == "cut":
            c = rng.randrange(n)
            muts.append(("truncate to %d bytes" % c, data[:c]))
        elif k in ("flip", "frame_hdr_flip"):
            if k == "frame_hdr_flip" and frames:
                a, _ = rng.choice(frames)
                off = a + rng.randrange(FRAME_HDR)
            else:
                off = rng.randrange(n)
            bit = rng.randrange(8)
            d = bytearray(data)
            d[off] ^= 1 << bit
            muts.append(("flip bit %d of byte %d" % (bit, off), bytes(d)))
        elif k == "set":
            off, v = rng.randrange(n), rng.choice([0, 0xff, 0x7f, 0x80, rng.randrange(256)])
            d = bytearray(data)
            d[off] = v
            muts.append(("set byte %d to 0x%02x" % (off, v), bytes(d)))
        elif k == "zero":
            off = rng.randrange(n)
            ln = rng.choice([1, 4, 8, 16, 64, 512, 4096])
            d = bytearray(data)
            d[off:off + ln] = bytes(len(d[off:off + ln]))
            muts.append(("zero %d bytes at %d" % (ln, off), bytes(d)))
        elif k == "swap" and len(frames) >= 2:
            i, j = sorted(rng.sample(range(len(frames)), 2))
            (a1, b1), (a2, b2) = frames[i], frames[j]
            d = data[:a1] + data[a2:b2] + data[b1:a2] + data[a1:b1] + data[b2:]
            muts.append(("swap frames %d and %d" % (i, j), d))
        elif k == "drop" and frames:
            i = rng.randrange(len(frames))
            a, b = frames[i]
            muts.append(("drop frame %d" % i, data[:a] + data[b:]))
        elif k == "dup" and frames:
            i = rng.randrange(len(frames))
            a, b = frames[i]
            muts.append(("duplicate frame %d in place" % i, data[:b] + data[a:b] + data[b:]))
        elif k == "append_frame" and frames:
            i = rng.randrange(len(frames))
            a, b = frames[i]
            muts.append(("append a copy of frame %d" % i, data + data[a:b]))
        elif k == "append_garbage":
            ln = rng.choice([1, 7, 56, 100, 5000])
            g = bytes(rng.randrange(256) for _ in range(ln))
            if rng.random() < 0.3:
                g = b"RJFR" + g
            muts.append(("append %d garbage bytes (%s)" % (len(g), g[:8].hex()), data + g))
        elif k == "append_self":
            muts.append(("the journal twice, back to back", data + data))
        elif k == "splice" and other is not None and \
                other[:journal_layout(other)[0]] != data[:hdr_end]:
            ohdr = journal_layout(other)[0]
            if rng.random() < 0.5:
                muts.append(("this header + the other journal's frames and trailer",
                             data[:hdr_end] + other[ohdr:]))
            else:
                muts.append(("the other journal's header + these frames and trailer",
                             other[:ohdr] + data[hdr_end:]))
    return muts[:count]


def journal_case(ctx, rec, desc, damaged, idx):
    """Inspect and replay one damaged journal: four outcomes."""
    fam = "journal"
    d = ctx.case_dir(fam, "%s-%d" % (rec.name, idx))
    path = os.path.join(d, "j.rr")
    with open(path, "wb") as f:
        f.write(damaged)
    how = "journal of %s [%s] damaged: %s (%s)" % (rec.name, rec.record_repro(), desc, path)
    outs = []
    verify = None
    for sub in ("verify", "info", "dump"):
        r = run([ctx.tool, sub, path], timeout=rec.timeout, out_path=os.path.join(d, sub + ".out"))
        if sub == "verify":
            verify = r
        v, det = judge_error_or(r, (68, 69, 70), ok=lambda r: (PROPER, "exit 0"),
                                what="rrsim-journal " + sub)
        outs.append(Outcome(fam, "%s %s: %s" % (sub, rec.name, desc), v, det,
                            "%s  # %s" % (shell_quote(r.cmd), how)))
    r = run(rec.replay_cmd(path), timeout=rec.timeout, out_path=os.path.join(d, "play.out"))
    v, det = judge_error_or(r, JOURNAL_ERRORS, ok=lambda r: rec.same_as_clean(r), what="replay")
    if v == PROPER and r.rc != 0 and not rec.clean.out.startswith(r.out):
        v, det = UNCLEAR, "replay stopped with an error but printed output the clean replay " \
                          "never printed before it: " + r.brief()
    if v == PROPER and r.rc != 0 and verify is not None and verify.rc == 0:
        v, det = UNCLEAR, "verify accepted the journal, replay rejected it: " + r.brief()
    outs.append(Outcome(fam, "replay %s: %s" % (rec.name, desc), v, det,
                        "%s  # %s" % (shell_quote(r.cmd), how)))
    if all(o.verdict == PROPER for o in outs):
        shutil.rmtree(d, ignore_errors=True)
    return outs


def family_journal(ctx, n):
    recs = [hostile_recording(ctx, "hostile-j", 0x6a6f75726e616c ^ ctx.seed, 0x1000)]
    if not ctx.quick:
        recs.append(snapmix_recording(ctx))
    # Another recording of the same guest under another (harmless) option, so
    # its header differs: frames of one spliced behind the header of the
    # other must not replay as if they belonged there.
    other = hostile_recording(ctx, "hostile-j2", 0x6f74686572 ^ ctx.seed, 0x400,
                              extra=("-append", "breakit-other"))
    with open(other.journal, "rb") as f:
        other_data = f.read()
    cases = []
    for rec in recs:
        if rec.baseline_error:
            cases.append(lambda rec=rec: [Outcome("journal", "baseline " + rec.name, SILENT_WRONG,
                                                  rec.baseline_error, rec.record_repro())])
            continue
        with open(rec.journal, "rb") as f:
            data = f.read()
        rng = ctx.rng("journal", rec.name)
        for i, (desc, dmg) in enumerate(journal_mutations(data, other_data, rng, n // len(recs))):
            cases.append(lambda rec=rec, desc=desc, dmg=dmg, i=i: journal_case(ctx, rec, desc,
                                                                               dmg, i))
    return cases


# ---- snapshot stores ---------------------------------------------------------

def store_damages(size, rng, count):
    """(description, action(path)) pairs for a store file of `size` bytes."""
    def truncate(n):
        return lambda p: os.truncate(p, n)

    def flip(off, bit):
        def act(p):
            with open(p, "r+b") as f:
                f.seek(off)
                b = f.read(1)
                f.seek(off)
                f.write(bytes([b[0] ^ (1 << bit)]))
        return act

    def zero(off, ln):
        def act(p):
            with open(p, "r+b") as f:
                f.seek(off)
                f.write(bytes(ln))
        return act

    def replace(kind):
        def act(p):
            os.unlink(p)
            if kind == "dir":
                os.mkdir(p)
            elif kind == "fifo":
                os.mkfifo(p)
            elif kind == "devnull":
                os.symlink("/dev/null", p)
            elif kind == "dangling":
                os.symlink(p + ".nowhere", p)
            elif kind == "loop":
                os.symlink(os.path.basename(p), p)
            elif kind == "empty":
                open(p, "wb").close()
        return act

    def lock(kind):
        def act(p):
            lk = p + "-lock"
            if os.path.exists(lk):
                os.unlink(lk)
            if kind == "dir":
                os.mkdir(lk)
            else:
                with open(lk, "wb") as f:
                    f.write(bytes(rng.randrange(256) for _ in range(8192)))
        return act

    fixed = [("truncated to 0 bytes", truncate(0)), ("truncated to 4096 (one meta page)", truncate(4096)),
             ("truncated to 8192 (both meta pages)", truncate(8192)),
             ("truncated to half", truncate(size // 2)), ("truncated by one byte", truncate(size - 1)),
             ("replaced by a directory", replace("dir")), ("replaced by a FIFO", replace("fifo")),
             ("a symlink to /dev/null", replace("devnull")), ("a dangling symlink", replace("dangling")),
             ("a symlink to itself", replace("loop")), ("zero first meta page", zero(0, 4096)),
             ("zero second meta page", zero(4096, 4096)), ("both meta pages zeroed", zero(0, 8192)),
             ("lock file replaced by garbage", lock("garbage")), ("lock file is a directory", lock("dir"))]
    rng.shuffle(fixed)
    # Few cases: the ones known to hurt first (a cut inside the data, a FIFO).
    first = ("truncated to half", "replaced by a FIFO", "zero second meta page")
    fixed.sort(key=lambda f: f[0] not in first)
    out = fixed[:max(min(count, 3), count // 2)]
    while len(out) < count:
        k = rng.random()
        if k < 0.35:
            n = rng.choice([rng.randrange(1, 8192), rng.randrange(size)])
            out.append(("truncated to %d bytes" % n, truncate(n)))
        elif k < 0.8:
            off = rng.choice([rng.randrange(8192), rng.randrange(size)])
            bit = rng.randrange(8)
            out.append(("bit %d of byte %d flipped" % (bit, off), flip(off, bit)))
        else:
            off = rng.randrange(size) & ~4095
            out.append(("page at %d zeroed" % off, zero(off, 4096)))
    return out[:count]


def store_reference(ctx):
    """A hostile recording with rrsnapshot=start, and a store holding it,
    periodic snapshots and a named snapshot "mid" saved over QMP."""
    from bk_proto import Qmp
    rec = hostile_recording(ctx, "hostile-s", 0x73746f7265 ^ ctx.seed, 0x1400,
                            icount="shift=0,rrcheckpoint=500000,rrsnapshot=start")
    if rec.baseline_error:
        raise RuntimeError(rec.baseline_error)
    steps = int(rec.clean.summary_line().split("steps=")[1].split()[0])
    mid = steps // 2
    qmp = Qmp(ctx, rec.replay_cmd(rec.journal, "-S"), rec.timeout, os.path.join(rec.dir, "mid"))
    try:
        qmp.handshake()
        qmp.cmd("replay-break", icount=mid)
        qmp.cmd("cont")
        qmp.wait_event("STOP")
        r = qmp.cmd("snapshot-save", name="mid")
        if "error" in r:
            raise RuntimeError("cannot save snapshot mid: %r" % r)
        qmp.cmd("quit")
    finally:
        res = qmp.close()
    if res.timed_out or res.rc not in (0,):
        raise RuntimeError("store reference session failed: %s" % res.brief())
    store = rec.journal + ".snap"
    size = os.path.getsize(store)
    refs = {}
    for kind, extra, ie in (("loadvm", ("-loadvm", "mid"), ""), ("rrsnapshot", (), ",rrsnapshot=start")):
        d = os.path.join(rec.dir, "ref-" + kind)
        os.makedirs(d, exist_ok=True)
        j = os.path.join(d, "j.rr")
        shutil.copy(rec.journal, j)
        shutil.copy(store, j + ".snap")
        r = run(rec.replay_cmd(j, *extra, icount_extra=ie), timeout=rec.timeout,
                out_path=os.path.join(d, "out"))
        if r.rc != 0 or r.summary_line() != rec.clean.summary_line():
            refs[kind] = "clean %s replay from an undamaged store fails: %s  [%s]" % (
                kind, r.brief(), shell_quote(r.cmd))
        else:
            refs[kind] = None
    return rec, store, size, refs


def store_case(ctx, ref, desc, act, idx, with_qmp):
    from bk_proto import Qmp
    rec, store, _size, refs = ref
    fam = "snapstore"
    outs = []
    for kind in ("plain", "rrsnapshot", "loadvm") + (("qmp-load",) if with_qmp else ()):
        if refs.get(kind):
            continue        # its clean reference already fails: reported once
        d = ctx.case_dir(fam, "%d-%s" % (idx, kind))
        j = os.path.join(d, "j.rr")
        shutil.copy(rec.journal, j)
        shutil.copy(store, j + ".snap")
        if os.path.exists(store + "-lock"):
            shutil.copy(store + "-lock", j + ".snap-lock")
        act(j + ".snap")
        how = ("store of [%s], then a replay with -S and QMP: replay-break at half the steps, "
               "cont, snapshot-save mid, quit; store damaged: %s (%s)" % (
                   rec.record_repro(), desc, j + ".snap"))
        name = "%s replay, store %s" % (kind, desc)
        if kind == "qmp-load":
            qmp = Qmp(ctx, rec.replay_cmd(j, "-S"), rec.timeout, d)
            v, det = qmp.snapshot_load_session("mid", rec)
            outs.append(Outcome(fam, name, v, det, "%s  # %s" % (shell_quote(qmp.cmd_line), how)))
            if v == PROPER:
                shutil.rmtree(d, ignore_errors=True)
            continue
        extra, ie = {"plain": ((), ""), "rrsnapshot": ((), ",rrsnapshot=start"),
                     "loadvm": (("-loadvm", "mid"), "")}[kind]
        r = run(rec.replay_cmd(j, *extra, icount_extra=ie), timeout=rec.timeout,
                out_path=os.path.join(d, "out"))
        if kind == "plain":
            # The contract: a plain replay does not need the store; it may warn.
            v, det = judge_error_or(r, (), ok=lambda r: rec.same_as_clean(r), what="plain replay")
        else:
            def ok(r):
                if refs[kind]:
                    return UNCLEAR, refs[kind]
                if r.summary_line() == rec.clean.summary_line() and rec.clean.out.endswith(r.out):
                    return PROPER, "same final state as the clean replay"
                return SILENT_WRONG, "loaded a snapshot and ended elsewhere: %s vs %s" % (
                    r.summary_line(), rec.clean.summary_line())
            v, det = judge_error_or(r, (73,), ok=ok, what=kind + " replay")
        outs.append(Outcome(fam, name, v, det, "%s  # %s" % (shell_quote(r.cmd), how)))
        if v == PROPER:
            shutil.rmtree(d, ignore_errors=True)
    return outs


def family_snapstore(ctx, n):
    try:
        ref = ctx.ref("store", lambda: store_reference(ctx))
    except Exception as e:
        return [lambda e=e: [Outcome("snapstore", "reference store", UNCLEAR,
                                     "cannot build the reference store: %s" % e, "")]]
    rng = ctx.rng("snapstore")
    per = 4 if not ctx.quick else 3
    cases = []
    for kind, err in sorted(ref[3].items()):
        if err:
            cases.append(lambda kind=kind, err=err: [Outcome(
                "snapstore", "clean %s replay (undamaged store)" % kind, UNCLEAR, err,
                "%s  # journal and store: %s" % (kind, ref[0].record_repro()))])
    for i, (desc, act) in enumerate(store_damages(ref[2], rng, max(1, n // per))):
        cases.append(lambda i=i, desc=desc, act=act: store_case(ctx, ref, desc, act, i,
                                                                with_qmp=(i % 2 == 0)))
    return cases


# ---- images and options ------------------------------------------------------

def elf_variants(src, rng):
    """Damaged copies of an ELF: (description, bytes)."""
    with open(src, "rb") as f:
        e = bytearray(f.read())
    phoff = struct.unpack_from("<Q", e, 0x20)[0]
    phentsize, phnum = struct.unpack_from("<HH", e, 0x36)
    out = []

    def patch(desc, fmt, off, val):
        d = bytearray(e)
        struct.pack_into(fmt, d, off, val)
        out.append((desc, bytes(d)))
    patch("e_phoff past the end", "<Q", 0x20, len(e) + 4096)
    patch("e_phoff huge", "<Q", 0x20, (1 << 63) + 5)
    patch("e_phnum 0xffff", "<H", 0x38, 0xffff)
    patch("e_phentsize 1", "<H", 0x36, 1)
    patch("e_entry outside RAM", "<Q", 0x18, 0x10)
    patch("e_entry unaligned in RAM", "<Q", 0x18, 0x80000001)
    patch("32-bit class", "<B", 4, 1)
    patch("big-endian", "<B", 5, 2)
    patch("x86-64 machine", "<H", 0x12, 62)
    patch("ET_REL type", "<H", 0x10, 1)
    out.append(("phdrs cut off", bytes(e[:phoff + phentsize // 2])))
    out.append(("only the ELF header", bytes(e[:64])))
    out.append(("ELF magic only", bytes(e[:4])))
    for i in range(phnum):
        base = phoff + i * phentsize
        if struct.unpack_from("<I", e, base)[0] != 1:
            continue
        patch("segment %d paddr 0" % i, "<Q", base + 0x18, 0)
        patch("segment %d paddr at the top of memory" % i, "<Q", base + 0x18, 0xfffffffffffff000)
        patch("segment %d paddr at the UART" % i, "<Q", base + 0x18, 0x10000000)
        patch("segment %d paddr just below RAM end" % i, "<Q", base + 0x18, 0x87fff000)
        patch("segment %d filesz past the file" % i, "<Q", base + 0x20, 1 << 40)
        patch("segment %d memsz 2^63" % i, "<Q", base + 0x28, 1 << 63)
        patch("segment %d memsz 1 GiB" % i, "<Q", base + 0x28, 1 << 30)
        patch("segment %d offset huge" % i, "<Q", base + 0x08, (1 << 64) - 16)
        patch("segment %d filesz > memsz" % i, "<Q", base + 0x20,
              struct.unpack_from("<Q", e, base + 0x28)[0] + 4096)
    if phnum >= 2:
        d = bytearray(e)
        p0 = struct.unpack_from("<Q", e, phoff + 0x18)[0]
        struct.pack_into("<Q", d, phoff + phentsize + 0x18, p0)
        out.append(("two segments at the same address", bytes(d)))
    for _ in range(6):
        d = bytearray(e)
        off = rng.randrange(min(len(e), phoff + phnum * phentsize + 64))
        d[off] = rng.randrange(256)
        out.append(("header byte %d set to 0x%02x" % (off, d[off]), bytes(d)))
    for _ in range(3):
        n = rng.randrange(len(e))
        out.append(("truncated to %d bytes" % n, bytes(e[:n])))
    return out


def option_cases(ctx, d, rng):
    """(name, argv tail after rrsim, expect) where expect is "error", "ok"
    (the debugme guest runs as usual) or "either"."""
    k = ctx.debugme
    base = ["-bios", "none", "-kernel", k, "-serial", "file:" + os.path.join(d, "console")]
    long_unix = "unix:" + os.path.join(d, "s" * 200) + ",server,nowait"
    cases = []

    def add(name, args, expect="error", prefix=True):
        cases.append((name, (base if prefix else []) + args, expect))
    for v in ("0", "-1", "1", "15M", "16M", "64G", "65G", "1T", "99999999999999999999",
              "abc", "16Q", "4097B", "", "8E", "0x100", "16M,slots=2", "128MiB", "size=32M"):
        add("-m " + repr(v), ["-m", v], "either")
    icount_vals = ["shift=-1", "shift=10", "shift=11", "shift=99", "shift=abc", "shift=", "shift",
                   "sleep=maybe", "align=2", "rr=bogus", "rr=record", "rr=replay,rrfile=",
                   "rrcheckpoint=5", "shift=0,rr=record,rrfile=%s,rrcheckpoint=0",
                   "shift=0,rr=record,rrfile=%s,rrcheckpoint=1",
                   "shift=0,rr=record,rrfile=%s,rrcheckpoint=18446744073709551615",
                   "shift=0,rr=record,rrfile=%s,rrcheckpoint=18446744073709551616",
                   "shift=0,rr=record,rrfile=%s,rrcheckpoint=-1",
                   "shift=0,rr=replay,rrfile=%s,rrcorrupt=0",
                   "shift=0,rr=record,rrfile=%s,rrcorrupt=5", "rrsnapshot=x",
                   "shift=0,shift=1", "shift=0,", ",shift=0", "=", "shift=auto",
                   "shift=auto,sleep=on,align=on", "shift=0,rr=record,rrfile=/nonexistent/dir/j.rr",
                   "shift=0,rr=record,rrfile=/dev/full", "shift=0,rr=replay,rrfile=/dev/null",
                   "shift=0,rr=replay,rrfile=/dev/zero", "shift=0,rr=record,rrfile=" + d,
                   "shift=0,rr=record,rrfile=%s,rrsnapshot=" + "n" * 5000]
    for v in icount_vals:
        if "%s" in v:
            v = v % os.path.join(d, "j.rr")
        add("-icount " + v[:60], ["-icount", v], "either")
    for dev in ("tcp::99999", "tcp::-1", "tcp::0,server,nowait", "tcp:999.999.1.1:1,server,nowait",
                "tcp:nonexistent.invalid:1234,server,nowait", "unix:/nonexistent/dir/sock,server,nowait",
                long_unix, "file:/nonexistent/dir/x", "file:" + d, "pipe:/nonexistent/p", "bogus:x",
                "", "tcp:", "unix:", "tcp::65536,server,nowait", "tcp::1234x,server,nowait"):
        # server,nowait: nobody is listening, so the console goes nowhere.
        cases.append(("-serial " + dev[:50], ["-bios", "none", "-kernel", k, "-serial", dev],
                      "error" if "65536" in dev or "99999" in dev or "1234x" in dev
                      else "noout" if "nowait" in dev else "either"))
    for opt in ("-gdb", "-qmp"):
        for dev in ("tcp::99999", "tcp::-1", "tcp::65536", "bogus", "tcp:1.2.3.4.5:1", long_unix,
                    "unix:/nonexistent/dir/sock", "tcp::abc", "tcp::1234,server,nowait,extra=1"):
            add("%s %s" % (opt, dev[:50]), [opt, dev], "error")
    for args in (["--bogus"], ["-kernel"], ["-smp", "2"], ["-smp", "x"], ["-M", "foo"],
                 ["-M", "virt,dumpdtb="], ["-M", "virt,dumpdtb=/nonexistent/dir/x.dtb"],
                 ["-M", "virt,foo=bar"], ["-d", "foo"], ["-display", "gtk"],
                 ["-loadvm", "nothing"], ["-snapshot-store", "/dev/null", "-loadvm", "x"],
                 ["-snapshot-store", d, "-loadvm", "x"], ["-append", "x" * 100000],
                 ["-dtb", "/nonexistent"], ["-dtb", k], ["-initrd", d],
                 ["-initrd", "/dev/null"], ["-bios", k], ["-loadvm", ""]):
        add(" ".join(a[:40] for a in args), args, "either")
    return cases


def image_cases(ctx, d, rng):
    """Bad files as -kernel, -bios, -initrd and -dtb."""
    files = [("missing file", os.path.join(d, "missing")), ("a directory", d)]
    empty = os.path.join(d, "empty")
    open(empty, "wb").close()
    files.append(("empty file", empty))
    fifo = os.path.join(d, "fifo")
    os.mkfifo(fifo)
    files.append(("a FIFO nobody writes", fifo))
    sparse = os.path.join(d, "sparse")
    with open(sparse, "wb") as f:
        f.truncate(64 << 30)
    files.append(("64 GiB sparse file", sparse))
    files.append(("/dev/zero", "/dev/zero"))
    for i, (desc, data) in enumerate(elf_variants(ctx.debugme, rng)):
        p = os.path.join(d, "elf%d" % i)
        with open(p, "wb") as f:
            f.write(data)
        files.append(("ELF " + desc, p))
    garbage = os.path.join(d, "garbage")
    with open(garbage, "wb") as f:
        f.write(bytes(rng.randrange(256) for _ in range(5000)))
    files.append(("random bytes", garbage))
    dtb = os.path.join(d, "dtb")
    subprocess.run([ctx.rrsim, "-M", "virt,dumpdtb=" + dtb], stderr=subprocess.DEVNULL)
    if os.path.exists(dtb):
        with open(dtb, "rb") as f:
            good = bytearray(f.read())
        # A newer header version alone is valid (the devicetree spec has
        # readers check last_comp_version, as QEMU's libfdt does); a
        # last_comp_version newer than libfdt knows must be refused.
        for desc, off, val in (("dtb totalsize huge", 4, 0xfffffff0), ("dtb off_dt_struct past end", 8, 0x7fffffff),
                               ("dtb last_comp_version 99", 24, 99), ("dtb size_dt_strings huge", 32, 0xffffff00)):
            bad = bytearray(good)
            struct.pack_into(">I", bad, off, val)
            p = os.path.join(d, "dtb-%d" % off)
            with open(p, "wb") as f:
                f.write(bad)
            files.append((desc, p))
        p = os.path.join(d, "dtb-cut")
        with open(p, "wb") as f:
            f.write(good[:len(good) // 2])
        files.append(("dtb cut in half", p))
    cases = []
    k = ctx.debugme
    con = ["-serial", "file:" + os.path.join(d, "console")]
    for desc, path in files:
        if desc.startswith("dtb"):
            cases.append(("-dtb " + desc, ["-bios", "none", "-kernel", k, "-dtb", path] + con, "error"))
            continue
        # A damaged ELF whose loaded parts survived may run as usual; random
        # bytes are a valid raw image and may run forever, as on QEMU.
        exp = "image" if desc.startswith("ELF") else "error"
        if desc in ("random bytes", "ELF e_entry outside RAM"):
            exp = "runs"
        cases.append(("-kernel " + desc, ["-bios", "none", "-kernel", path] + con, exp))
        cases.append(("-bios " + desc, ["-bios", path, "-kernel", k] + con, exp))
        cases.append(("-initrd " + desc, ["-bios", "none", "-kernel", k, "-initrd", path] + con,
                      "either"))
    return cases


def option_case(ctx, name, args, expect, d, clean):
    # cwd: normal mode keeps its default snapshot store in the current directory.
    r = run([ctx.rrsim] + args, timeout=ctx.timeout(clean.secs), cwd=d,
            out_path=os.path.join(d, "stdout"))
    if expect == "runs" and r.timed_out:
        return [Outcome("options", name, PROPER, "accepted; the guest ran until the timeout",
                        shell_quote(r.cmd))]

    def ok(r):
        if expect == "error":
            return UNCLEAR, "accepted (exit 0) where an error was expected: " + r.brief()
        con = os.path.join(d, "console")
        got = r.out
        if os.path.exists(con):
            with open(con, "rb") as f:
                got += f.read()
        if got == clean.out or expect == "noout":
            return PROPER, "ran as usual"
        if expect in ("image", "runs"):
            return UNCLEAR, "a damaged image was accepted and ran something else " \
                            "(%d console bytes, usually %d)" % (len(got), len(clean.out))
        return SILENT_WRONG, "exit 0 but the guest printed %d bytes, not the usual %d" % (
            len(got), len(clean.out))
    v, det = judge_error_or(r, range(65, 75), ok=ok, what="rrsim")
    return [Outcome("options", name, v, det, shell_quote(r.cmd))]


def family_options(ctx, n):
    d0 = os.path.join(ctx.workdir, "options-files")
    shutil.rmtree(d0, ignore_errors=True)
    os.makedirs(d0)
    clean = ctx.ref("debugme-clean", lambda: run(bare(ctx, ctx.debugme, "-serial", "stdio"),
                                                 timeout=60))
    rng = ctx.rng("options")
    allc = option_cases(ctx, d0, rng) + image_cases(ctx, d0, rng)
    rng.shuffle(allc)
    cases = []
    for name, args, expect in allc[:n]:
        def case(name=name, args=args, expect=expect):
            d = ctx.case_dir("options", name)
            # Files the run writes are its own; the damaged inputs are shared.
            args = [a.replace(os.path.join(d0, "console"), os.path.join(d, "console"))
                     .replace(os.path.join(d0, "j.rr"), os.path.join(d, "j.rr")) for a in args]
            outs = option_case(ctx, name, args, expect, d, clean)
            if outs[0].verdict == PROPER:
                shutil.rmtree(d, ignore_errors=True)
            return outs
        cases.append(case)
    return cases
