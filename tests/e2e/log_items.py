#!/usr/bin/env python3
"""rrsim's -d logging, -D, -dfilter, -d summary and rrsim-journal info --json.

usage: log_items.py CASE RRSIM RRSIM_JOURNAL GUEST_DIR QEMU OBJDUMP [DISAS_LINES]

Each CASE checks content against the guest programs' own bits (objdump of
the ELF) or QEMU 7.2's log of the same program, never only "some output":
  options    -d help, an unknown item (65), an unwritable -D (66)
  in_asm     every logged instruction is the ELF's bits at its address,
             and the text is QEMU's where QEMU's disassembler knows it
  int        the traps traps.elf takes: its illegal instructions and ecalls
  exec_cpu   a "Trace" line and a register dump per executed block
  dfilter    the log keeps to the ranges
  mmu_errors mmu walks and the bus errors traps.elf provokes
  devices    guest_errors and unimp from the devices hostile.elf abuses
  objdump    the disassembler against objdump on every instruction of the
             guest programs (DISAS_LINES: tests/unit/disas_lines.c)
  replay     the log of a replay is the recording's, byte for byte
  summary    -d summary's JSON and rrsim-journal info --json
"""
import json
import os
import re
import subprocess
import sys
import tempfile

CASE, RRSIM, TOOL, GUESTS, QEMU, OBJDUMP = sys.argv[1:7]
DISAS = sys.argv[7] if len(sys.argv) > 7 else None
TMP = tempfile.mkdtemp(prefix="log_items.")
failed = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failed.append(what)


def guest(name):
    return os.path.join(GUESTS, name + ".elf")


def rrsim(args, log="log.txt", timeout=120):
    path = os.path.join(TMP, log)
    p = subprocess.run([RRSIM, "-bios", "none", "-nographic", "-D", path] + args,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    text = open(path).read() if os.path.exists(path) else ""
    return p, text


def objdump_words(elf):
    """{address: raw bits} of every instruction in the ELF's code."""
    out = subprocess.run([OBJDUMP, "-d", elf], stdout=subprocess.PIPE, check=True,
                         universal_newlines=True).stdout
    words = {}
    for m in re.finditer(r"^\s*([0-9a-f]+):\s+([0-9a-f]{4,8})\s+(\S+)", out, re.M):
        words[int(m.group(1), 16)] = (int(m.group(2), 16), m.group(3))
    return words


IN_ASM = re.compile(r"^0x([0-9a-f]{16}):  ([0-9a-f]{4,8}) +(.*?)\s*$", re.M)

# Where QEMU 7.2's disassembler is wrong or has no name, rrsim prints the
# specification's form (cpu/disas.h): QEMU drops rs2 of andn/orn/xnor/
# xperm8, calls ctzw clzw, prints slli.uw's shift amount as a register,
# knows neither Zfh nor Svinval, and names reserved rounding modes.
QEMU_GAPS = ("andn", "orn", "xnor", "xperm8", "clzw", "slli.uw", "fadd.s")
# RV32-only encodings QEMU 7.2 also names on RV64, where they are illegal.
RV32_ONLY = ("zip", "unzip", "rev8")


def qemu_in_asm(elf, cpu="rv64"):
    path = os.path.join(TMP, "qemu.log")
    subprocess.run([QEMU, "-M", "virt", "-cpu", cpu, "-bios", "none", "-nographic", "-kernel", elf,
                    "-d", "in_asm", "-D", path], stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    return {int(a, 16): (int(r, 16), t) for a, r, t in IN_ASM.findall(open(path).read())}


def case_options():
    p = subprocess.run([RRSIM, "-d", "help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    items = re.findall(r"^(\S+)\s", p.stdout, re.M)
    check(p.returncode == 0 and all(i in items for i in
          ("in_asm", "int", "exec", "cpu", "mmu", "guest_errors", "unimp", "nochain", "page")),
          "-d help lists QEMU's items (got %s)" % items)
    p = subprocess.run([RRSIM, "-d", "in_asm,frob", "-bios", "none"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    check(p.returncode == 65 and "'frob'" in p.stderr, "unknown item: 65 naming it (%d %s)"
          % (p.returncode, p.stderr.strip()))
    p = subprocess.run([RRSIM, "-d", "out_asm", "-bios", "none"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    check(p.returncode == 65 and "'out_asm'" in p.stderr, "QEMU-only item: 65 naming it")
    p = subprocess.run([RRSIM, "-dfilter", "0x1000+zz", "-bios", "none"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    check(p.returncode == 65 and "-dfilter" in p.stderr, "bad -dfilter: 65")
    bad = os.path.join(TMP, "no-such-dir", "log.txt")
    p = subprocess.run([RRSIM, "-bios", "none", "-nographic", "-kernel", guest("isa_int"), "-d",
                        "int", "-D", bad], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    check(p.returncode == 66 and bad in p.stderr, "unwritable -D: 66 naming it (%d %s)"
          % (p.returncode, p.stderr.strip()))


def case_in_asm():
    for prog, cpu in (("isa_int", "rv64"), ("isa_c", "rv64"), ("isa_amo", "rv64"),
                      ("isa_fp", "rv64"), ("csr", "rv64"),
                      ("isa_bitmanip", "rv64,zbkb=on,zbkc=on,zbkx=on")):
        p, log = rrsim(["-cpu", cpu, "-kernel", guest(prog), "-d", "in_asm"])
        check(p.returncode == 0, "%s runs with -d in_asm" % prog)
        lines = IN_ASM.findall(log)
        words = objdump_words(guest(prog))
        ram = [(int(a, 16), int(r, 16), t) for a, r, t in lines if int(a, 16) >= 0x80000000]
        check(len(ram) > 100, "%s: %d instructions logged" % (prog, len(ram)))
        bad = [(hex(a), hex(r)) for a, r, t in ram if a in words and words[a][0] != r]
        # Code the program writes at run time (isa_int's in .bss) is not in
        # the ELF; inside .text every logged address must be an instruction.
        text_end = max(words) + 4
        missing = [hex(a) for a, r, t in ram if a not in words and a < text_end]
        check(not bad and not missing, "%s: every logged instruction is the ELF's at its "
              "address (wrong %s, not code %s)" % (prog, bad[:3], missing[:3]))
        check(log.count("IN: \nPriv: 3; Virt: 0\n") > 10, "%s: QEMU's block headers" % prog)
        qemu = qemu_in_asm(guest(prog), cpu)
        same = differ = 0
        diffs = []
        for a, r, t in lines:
            a = int(a, 16)
            if a not in qemu or qemu[a][0] != int(r, 16):
                continue
            qt = qemu[a][1]
            if qt == t:
                same += 1
            elif qt == "illegal" or qt.split()[0] in QEMU_GAPS or \
                    (t == "illegal" and qt.split()[0] in RV32_ONLY):
                continue
            else:
                differ += 1
                diffs.append("%x: qemu '%s' rrsim '%s'" % (a, qt, t))
        check(same > 100 and differ == 0, "%s: text as QEMU's (%d same, %d differ %s)"
              % (prog, same, differ, diffs[:3]))


def case_int():
    p, log = rrsim(["-kernel", guest("traps"), "-d", "int"])
    check(p.returncode == 0, "traps runs with -d int")
    words = objdump_words(guest("traps"))
    traps = re.findall(r"^riscv_cpu_do_interrupt: hart:0, async:(\d), cause:([0-9a-f]{16}), "
                       r"epc:0x([0-9a-f]{16}), tval:0x([0-9a-f]{16}), desc=(\S+)$", log, re.M)
    check(len(traps) > 5 and len(traps) == log.count("\n"), "%d trap lines, all in QEMU's "
          "format" % len(traps))
    ill = [t for t in traps if t[1] == "%016x" % 2]
    check(ill and all(t[4] == "illegal_instruction" for t in ill), "illegal instructions named")
    # An illegal instruction's tval is its bits, at its epc in the ELF.
    ok = [t for t in ill if int(t[2], 16) in words and
          words[int(t[2], 16)][0] == int(t[3], 16)]
    check(len(ok) >= 3, "illegal-instruction traps at the ELF's address with its bits as tval "
          "(%d of %d)" % (len(ok), len(ill)))
    ecalls = [t for t in traps if int(t[1], 16) in (8, 9, 11)]
    check(ecalls and all(words.get(int(t[2], 16), (0, ""))[1] == "ecall" for t in ecalls),
          "%d ecall traps, each at an ecall of the ELF" % len(ecalls))
    check(all(t[4] in ("user_ecall", "supervisor_ecall", "machine_ecall") for t in ecalls),
          "ecall causes named")


def case_exec_cpu():
    p, log = rrsim(["-kernel", guest("isa_int"), "-d", "exec,cpu,fpu,in_asm"])
    check(p.returncode == 0, "isa_int runs with -d exec,cpu,fpu")
    traces = re.findall(r"^Trace 0: 0x[0-9a-f]+ \[0{16}/([0-9a-f]{16})/0000000(\d)/[0-9a-f]{8}\] $",
                        log, re.M)
    dumps = re.findall(r"^ pc       ([0-9a-f]{16})$", log, re.M)
    check(len(traces) > 1000 and len(traces) == len(dumps), "%d Trace lines, one register dump "
          "each (%d)" % (len(traces), len(dumps)))
    check(all(t[0] == d for t, d in zip(traces, dumps)), "each dump is at its block's pc")
    check(traces[0][0] == "%016x" % 0x1000, "the first block is the reset vector")
    check(log.count(" x10/a0   ") == len(dumps) and log.count(" f10/fa0  ") == len(dumps),
          "integer and floating-point registers in each dump")
    blocks = {int(a, 16) for a, r, t in IN_ASM.findall(log)}
    check(all(int(t[0], 16) in blocks for t in traces), "every executed block was translated")


def case_dfilter():
    lo, hi = 0x80000000, 0x800001ff
    p, log = rrsim(["-kernel", guest("traps"), "-d", "in_asm,exec,int",
                    "-dfilter", "0x80000000..0x800000ff,0x80000100+0x100"])
    check(p.returncode == 0, "traps runs with -dfilter")
    addrs = [int(a, 16) for a, r, t in IN_ASM.findall(log)]
    blocks = [int(x, 16) for x in re.findall(r"^Trace 0: \S+ \[0{16}/([0-9a-f]{16})/", log, re.M)]
    check(addrs and blocks, "the ranges have code (%d instructions, %d blocks)"
          % (len(addrs), len(blocks)))
    # A block is logged when it starts in the range (QEMU's rule).
    starts = [int(a, 16) for a in re.findall(r"^IN: \nPriv: \d; Virt: 0\n0x([0-9a-f]{16})", log,
                                             re.M)]
    check(all(lo <= a <= hi for a in starts + blocks), "blocks outside the ranges are not logged")
    check(0x1000 not in blocks, "the reset vector is filtered out")
    p, log = rrsim(["-kernel", guest("traps"), "-d", "in_asm", "-dfilter", "0x1000-0x1fff"])
    addrs = [int(a, 16) for a, r, t in IN_ASM.findall(log)]
    check(addrs and all(0x1000 <= a <= 0x1fff for a in addrs), "START-END form")


def case_mmu_errors():
    p, log = rrsim(["-kernel", guest("traps"), "-d", "guest_errors"])
    check(p.returncode == 0, "traps runs with -d guest_errors")
    errs = re.findall(r"^Invalid (read|write) at addr 0x([0-9A-F]+), size (\d), region '(.*?)', "
                      r"reason: (\S+)$", log, re.M)
    check(errs and len(errs) == log.count("\n"), "bus errors in QEMU's words: %s" % errs[:2])
    p, log = rrsim(["-kernel", guest("mmu"), "-d", "mmu"])
    fills = re.findall(r"^riscv_cpu_tlb_fill address=([0-9a-f]+) ret (\d) physical ([0-9a-f]{16}) "
                       r"prot (\d)$", log, re.M)
    check(p.returncode == 0 and len(fills) > 100, "%d translations logged" % len(fills))
    check(any(int(a, 16) != int(pa, 16) for a, r, pa, pr in fills if r == "0"),
          "some translate to another address (paging on)")
    check(any(r == "1" for a, r, pa, pr in fills), "failed translations (page faults) logged")


def case_devices():
    """hostile.elf pokes every device region at random (seeded): the bus and
    the devices report it through guest_errors, unmodelled commands through
    unimp, each only under its own item."""
    def run(items):
        path = os.path.join(TMP, "dev.txt")
        p = subprocess.run([RRSIM, "-bios", "none", "-nographic", "-serial", "stdio", "-kernel",
                            guest("hostile"), "-d", items, "-D", path], input=b"1 400\n",
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        check(p.returncode == 0 and b"hostile: done" in p.stdout, "hostile runs with -d " + items)
        return open(path).read().splitlines()
    ge = run("guest_errors")
    check(any(re.match(r"Invalid (read|write) at addr 0x[0-9A-F]+, size \d, region '\(null\)', "
                       r"reason: unassigned$", l) for l in ge), "unassigned addresses reported")
    check(any(re.match(r"Invalid (read|write) at addr 0x[0-9A-F]+, size \d, region 'plic', "
                       r"reason: invalid size$", l) for l in ge), "bad access sizes reported")
    check(any(re.match(r"goldfish_rtc_(read|write): offset 0x[0-9a-f]+ is UNIMP\.$", l)
              for l in ge), "a device reports a register it does not have")
    check(not any("pflash" in l for l in ge), "no unimp lines under guest_errors")
    un = run("unimp")
    check(un and all(re.match(r"pflash_write: unimplemented flash cmd 0x[0-9a-f]{2} at offset "
                              r"0x[0-9a-f]+$", l) for l in un),
          "unimp: the flash commands it does not model, and nothing else (%d)" % len(un))
    both = run("guest_errors,unimp")
    check(sorted(both) == sorted(ge + un) and both == run("unimp,guest_errors"),
          "the same run writes the same log")


# objdump's aliases (and QEMU's, which rrsim prints) to the instruction
# they stand for, so both sides name the same thing.
CANON = {
    "li": "addi", "mv": "addi", "nop": "addi", "not": "xori", "neg": "sub", "negw": "subw",
    "sext.w": "addiw", "seqz": "sltiu", "snez": "sltu", "sltz": "slt", "sgtz": "slt",
    "beqz": "beq", "bnez": "bne", "blez": "bge", "bgez": "bge", "ble": "bge",
    "bltz": "blt", "bgtz": "blt", "bgt": "blt", "bgtu": "bltu", "bleu": "bgeu",
    "j": "jal", "jr": "jalr", "ret": "jalr",
    "csrr": "csrrs", "csrs": "csrrs", "csrw": "csrrw", "csrc": "csrrc", "csrwi": "csrrwi",
    "csrsi": "csrrsi", "csrci": "csrrci", "frflags": "csrrs", "frrm": "csrrs",
    "frcsr": "csrrs", "rdtime": "csrrs", "rdcycle": "csrrs", "rdinstret": "csrrs",
    "fsflags": "csrrw", "fsrm": "csrrw", "fscsr": "csrrw", "fsflagsi": "csrrwi",
    "fsrmi": "csrrwi", "fmv.x.s": "fmv.x.w", "fmv.s.x": "fmv.w.x", "zext.w": "add.uw",
    "zext.b": "andi", "pause": "fence", "fence.tso": "fence", "unimp": "illegal",
}
for f in ("s", "d", "h"):
    CANON.update({"fmv." + f: "fsgnj." + f, "fneg." + f: "fsgnjn." + f,
                  "fabs." + f: "fsgnjx." + f})
IMM_FORMS = {"add": "addi", "addw": "addiw", "and": "andi", "or": "ori", "xor": "xori",
             "sll": "slli", "srl": "srli", "sra": "srai", "sllw": "slliw", "srlw": "srliw",
             "sraw": "sraiw", "slt": "slti", "sltu": "sltiu", "bset": "bseti", "bclr": "bclri",
             "binv": "binvi", "bext": "bexti", "ror": "rori", "rorw": "roriw",
             "csrrw": "csrrwi", "csrrs": "csrrsi", "csrrc": "csrrci", "csrw": "csrrwi",
             "csrs": "csrrsi", "csrc": "csrrci"}
REGS = set("zero ra sp gp tp t0 t1 t2 s0 s1 a0 a1 a2 a3 a4 a5 a6 a7 s2 s3 s4 s5 s6 s7 s8 s9 "
           "s10 s11 t3 t4 t5 t6 fs0 fs1 fs2 fs3 fs4 fs5 fs6 fs7 fs8 fs9 fs10 fs11 fa0 fa1 fa2 "
           "fa3 fa4 fa5 fa6 fa7 ft0 ft1 ft2 ft3 ft4 ft5 ft6 ft7 ft8 ft9 ft10 ft11".split())


def canon(mnemonic, operands):
    m = mnemonic.replace(".aq.rl", ".aqrl")
    m = CANON.get(m, m)
    regs = set(re.split(r"[,()\s]+", operands)) & REGS
    regs.discard("zero")
    if m in ("jal", "jalr"):
        regs.discard("ra")      # objdump leaves the link register implied
    return m, regs


def case_objdump():
    """Every instruction of every guest program, read by objdump and by
    rrsim's disassembler: the same instruction (up to either one's aliases),
    the same registers, the same branch target."""
    total = 0
    for prog in ("isa_int", "isa_c", "isa_amo", "isa_fp", "isa_zfh", "isa_bitmanip", "csr",
                 "traps", "mmu", "ext_mmu", "zicbo_zicond", "sdtrig", "hpm", "pmp"):
        out = subprocess.run([OBJDUMP, "-d", guest(prog)], stdout=subprocess.PIPE, check=True,
                             universal_newlines=True).stdout
        insns = re.findall(r"^\s*([0-9a-f]+):\s+([0-9a-f]{4}|[0-9a-f]{8})\s+(\S+)[ \t]*(.*)$", out,
                           re.M)
        insns = [i for i in insns if not i[2].startswith(".")]
        feed = "".join("%s %s\n" % (a, r) for a, r, m, o in insns)
        ours = subprocess.run([DISAS], input=feed, stdout=subprocess.PIPE, check=True,
                              universal_newlines=True).stdout.splitlines()
        check(len(ours) == len(insns), "%s: one line per instruction" % prog)
        bad = []
        for (a, r, m, o), line in zip(insns, ours):
            f = line.split(None, 2)
            rm, rops = f[1], (f[2] if len(f) > 2 else "")
            ops = o.split("#")[0].split("<")[0]
            # This objdump writes ADDI as "add rd,rs,imm" (and so on): the
            # immediate says which.
            if m in IMM_FORMS and re.search(r",(-?[0-9]+|0x[0-9a-f]+)$", ops.strip()):
                m = IMM_FORMS[m]
            om, oregs = canon(m, ops)
            xm, xregs = canon(rm, rops.split("#")[0])
            if int(r, 16) == 0xc0001073 and om == "illegal":
                continue        # objdump's unimp is csrrw zero,cycle,zero
            same = om == xm and oregs == xregs
            if same and "#" in rops and m not in ("auipc",):
                t = re.search(r"^([0-9a-f]+)", o.split(",")[-1].strip())
                same = t and int(t.group(1), 16) == int(rops.split("#")[1], 16)
            if not same:
                bad.append("%s %s: objdump '%s %s', rrsim '%s %s'" % (a, r, m, o, rm, rops.strip()))
        total += len(insns)
        check(not bad, "%s: %d instructions agree with objdump (%d differ: %s)"
              % (prog, len(insns), len(bad), bad[:4]))
        if os.environ.get("ALL_DIFFS"):
            print("\n".join(bad))
    check(total > 20000, "%d instructions compared" % total)


def case_replay():
    j = os.path.join(TMP, "rec.rr")
    items = "in_asm,int,exec,cpu,mmu,guest_errors,unimp"
    for prog in ("traps", "mmu"):
        p1, rec = rrsim(["-kernel", guest(prog), "-d", items, "-icount",
                         "shift=0,rr=record,rrfile=" + j], log="rec.txt")
        p2, play = rrsim(["-kernel", guest(prog), "-d", items, "-icount",
                          "shift=0,rr=replay,rrfile=" + j], log="play.txt")
        p3, again = rrsim(["-kernel", guest(prog), "-d", items, "-icount", "shift=0"],
                          log="again.txt")
        check(p1.returncode == 0 and p2.returncode == 0 and len(rec) > 100000,
              "%s: record and replay ran (%d bytes of log)" % (prog, len(rec)))
        check(rec == play, "%s: the replay's log is the recording's" % prog)
        check(rec == again, "%s: the same run writes the same log" % prog)


def case_summary():
    j = os.path.join(TMP, "s.rr")
    p, log = rrsim(["-kernel", guest("isa_int"), "-d", "summary", "-icount",
                    "shift=0,rr=record,rrfile=" + j], log="rec.txt")
    rec = json.loads(log)
    p, log = rrsim(["-kernel", guest("isa_int"), "-d", "summary", "-icount",
                    "shift=0,rr=replay,rrfile=" + j], log="play.txt")
    play = json.loads(log)
    check(rec["mode"] == "record" and play["mode"] == "replay", "modes")
    check(play["replay_matched"] is True and rec["replay_matched"] is None, "replay_matched")
    for k in ("steps", "virtual_ns", "state", "exit_status", "reason"):
        check(rec[k] == play[k], "%s the same in record and replay (%s)" % (k, rec[k]))
    check(rec["reason"] == "guest-poweroff" and rec["exit_status"] == 0 and rec["steps"] > 1000,
          "outcome: %s" % rec)
    check(rec["journal"] == j and play["error"] is None, "journal path, no error")
    # Without -D the object is the line of stderr that starts with '{'.
    p = subprocess.run([RRSIM, "-bios", "none", "-nographic", "-kernel", guest("isa_int"), "-d",
                        "summary"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    objs = [json.loads(l) for l in p.stderr.splitlines() if l.startswith("{")]
    check(len(objs) == 1 and objs[0]["mode"] == "normal" and objs[0]["journal"] is None,
          "stderr without -D")
    p = subprocess.run([TOOL, "info", "--json", j], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    info = json.loads(p.stdout)
    text = subprocess.run([TOOL, "info", j], stdout=subprocess.PIPE,
                          universal_newlines=True).stdout
    check(p.returncode == 0 and info["steps"] == rec["steps"] and info["end"] == "clean",
          "info --json: steps and end (%s)" % info)
    check(info["event_counts"]["end"] == 1 and "kernel" in info["inputs"] and
          info["inputs"]["kernel"] in text and info["machine"] in text,
          "info --json has the facts info prints")
    check(info["virtual_ns"] == rec["virtual_ns"], "virtual time agrees with the run")


CASES = {
    "options": case_options, "in_asm": case_in_asm, "int": case_int, "exec_cpu": case_exec_cpu,
    "dfilter": case_dfilter, "mmu_errors": case_mmu_errors, "replay": case_replay,
    "devices": case_devices, "objdump": case_objdump,
    "summary": case_summary,
}
CASES[CASE]()
subprocess.run(["rm", "-rf", TMP])
if failed:
    print("%d check(s) failed" % len(failed))
    sys.exit(1)
print("all passed")
