#!/usr/bin/env python3
"""Run the riscv-tests ISA suites on rrsim and, side by side, on QEMU.

usage: ci/riscv-tests.py RISCV_TESTS_DIR [--build DIR] [--rrsim PATH]
                         [--qemu] [--qemu-bin PATH] [--gcc PATH] [--jobs N]
                         [--timeout S] [--list] [SUITE[-ENV] ...]

RISCV_TESTS_DIR is a checkout of https://github.com/riscv-software-src/riscv-tests
with its env submodule (riscv-test-env) at RISCV_TESTS_DIR/env. Nothing of it
is part of rrsim: this script reads it and writes everything it makes under
the build directory (default build/riscv-tests):

  env/        a copy of RISCV_TESTS_DIR/env adapted to the virt board, plus
              rvt_virt.h (below); the originals are never modified
  SUITE/      SUITE-ENV-TEST (ELF), .d/.cmd (rebuild bookkeeping), .log
              (compiler output), .rrsim.out/.qemu.out (console of the last run)

The riscv-tests environments end a test through HTIF (a write to `tohost`),
which the virt board does not have. The copy of env/p/riscv_test.h ends
through the sifive_test device at 0x100000 instead (0x5555: pass;
(code << 16) | 0x3333: fail, so rrsim and QEMU exit with status 0 or the
code), and env/v/vm.c sends its HTIF console output to the UART at
0x10000000 and its exit to the same device, which it maps (identity, not
user-accessible) in the page tables it builds. A failing test prints one line
on the UART, `riscv-tests: tohost=0x... [mcause=0x... mepc=0x... mtval=0x...]`,
which this script decodes: tohost = (test case << 1) | 1 for a failed check,
and in the p environment the machine trap cause says whether the test ended
through its fail path (an ecall) or an exception nobody expected.

Tests are built as riscv-tests' isa/Makefile builds them (its compiler flags
per suite, its test lists from each suite's Makefrag) with Debian's
riscv64-unknown-elf-gcc, for the p (physical memory, M/S/U) and v (virtual
memory, the test in U mode) environments, linked at 0x80000000, and run with
`-M virt -bios none -kernel TEST -nographic -icount shift=0`. Each run has a
host time limit (--timeout, default 30 s; a test takes well under a second):
a test that hangs is reported as TIMEOUT rather than stopping the run.

Suites (default: all of these, in both environments where the suite has v
tests): rv64ui rv64uc rv64um rv64ua rv64uf rv64ud rv64si rv64mi, and the
extension suites rv64uzba rv64uzbb rv64uzbc rv64uzbs rv64uzbkb rv64uzbkx
rv64uzfh rv64mzicbo rv64ssvnapot rv64uzicond. An extension suite runs with
the extension turned on (`-cpu rv64,zbkb=on`, the same property names on
rrsim and on QEMU); QEMU 7.2 has no Zicond and no Zicboz, so its column
fails for rv64uzicond and rv64mzicbo. An assembler that knows no Zicond
(binutils 2.40) gets czero.eqz/czero.nez as .insn macros instead. A test
that does not build is reported as NOBUILD with the assembler's error. `rv64ui-p` selects one environment.

Output: one line per test (rrsim's result, then QEMU's with --qemu), the
totals per suite and environment, then what each failure printed. Results:
  pass         the test wrote 0x5555
  FAIL #N      test case N failed its check
  EXC c        an exception with mcause c that the test did not expect
  TIMEOUT      no result within the time limit
  ERR s        the simulator ended with status s and no test result
  NOBUILD      the test did not compile (the compiler's error is shown)

Exit status: 0 if every selected test builds and passes on rrsim (QEMU's
results are for reference only), 1 otherwise, 2 on usage errors.

--list prints the SUITE-ENV names the selection covers, one a line, and
exits (the CMake hook uses it to register one ctest per suite and env).
"""

import argparse
import concurrent.futures
import hashlib
import os
import re
import shutil
import subprocess
import sys

DEFAULT_SUITES = [
    "rv64ui", "rv64uc", "rv64um", "rv64ua", "rv64uf", "rv64ud", "rv64si", "rv64mi",
    "rv64uzba", "rv64uzbb", "rv64uzbc", "rv64uzbs", "rv64uzbkb", "rv64uzbkx",
    "rv64uzfh", "rv64mzicbo", "rv64ssvnapot", "rv64uzicond",
]

# -cpu properties per suite: (rrsim, QEMU 7.2). rrsim takes QEMU's property
# names. QEMU 7.2 has neither Zicond nor Zicboz (it refuses the properties),
# so those suites run there on the default CPU, and fail.
CPU_PROPS = {
    "rv64uzba": ("zba=on", "zba=on"),
    "rv64uzbb": ("zbb=on", "zbb=on"),
    "rv64uzbc": ("zbc=on", "zbc=on"),
    "rv64uzbs": ("zbs=on", "zbs=on"),
    "rv64uzbkb": ("zbkb=on", "zbkb=on"),
    "rv64uzbkx": ("zbkx=on", "zbkx=on"),
    "rv64uzfh": ("Zfh=on", "Zfh=on"),
    "rv64mzicbo": ("zicboz=on", None),
    "rv64ssvnapot": ("svnapot=on", "svnapot=on"),
    "rv64uzicond": ("zicond=on", None),
}

ENVS = ("p", "v")

# Options isa/Makefile gives every test (RISCV_GCC_OPTS), and the v
# environment's extra ones.
GCC_OPTS = ["-static", "-mcmodel=medany", "-fvisibility=hidden", "-nostdlib", "-nostartfiles"]
GCC_OPTS_V = ["-std=gnu99", "-O2"]

UART_BASE = 0x10000000
TEST_BASE = 0x100000

# The header both environments include (from the copy of p/riscv_test.h):
# how a test ends, and how the v environment prints, on the virt board.
RVT_VIRT_H = r"""/* Generated by rrsim's ci/riscv-tests.py: riscv-tests on QEMU's virt board.
 * A test ends through the sifive_test device (0x5555 = pass, (code << 16) |
 * 0x3333 = fail with exit status code), not through HTIF's tohost; a failure
 * first prints "riscv-tests: tohost=0x..." (the value HTIF would have got)
 * on the 16550 UART. */
#ifndef RVT_VIRT_H
#define RVT_VIRT_H

#define RVT_UART_BASE 0x%(uart)x
#define RVT_TEST_BASE 0x%(test)x

#ifdef __ASSEMBLER__

/* Zicond for assemblers older than it (binutils 2.40): the two
 * instructions as .insn, used when the script passes -DRVT_ZICOND_INSN. */
#ifdef RVT_ZICOND_INSN
.macro czero.eqz rd, rs1, rs2
.insn r 0x33, 5, 7, \rd, \rs1, \rs2
.endm
.macro czero.nez rd, rs1, rs2
.insn r 0x33, 7, 7, \rd, \rs1, \rs2
.endm
#endif

/* p environment, in the machine trap handler: every register but TESTNUM
 * (gp) is free. Local labels 70-79 are taken. */
#define RVT_PUTC(reg) \
  li t4, RVT_UART_BASE; 71: lbu t3, 5(t4); andi t3, t3, 0x20; beqz t3, 71b; sb reg, 0(t4)
#define RVT_PUTHEX(reg) \
  li t2, 60; 72: srl t6, reg, t2; andi t6, t6, 15; addi t6, t6, 48; li t3, 58; \
  blt t6, t3, 73f; addi t6, t6, 39; 73: RVT_PUTC(t6); addi t2, t2, -4; bgez t2, 72b
#define RVT_PUTS(str) \
  j 77f; 74: .asciz str; .balign 4, 0; 77: la t1, 74b; \
  75: lbu t6, 0(t1); beqz t6, 76f; RVT_PUTC(t6); addi t1, t1, 1; j 75b; 76:
#define RVT_WRITE_TOHOST \
  .option push; .option norelax; /* no linker relaxation around the strings */ \
  li t5, 1; beq TESTNUM, t5, 79f; \
  RVT_PUTS("riscv-tests: tohost=0x"); RVT_PUTHEX(TESTNUM); \
  RVT_PUTS(" mcause=0x"); csrr a0, mcause; RVT_PUTHEX(a0); \
  RVT_PUTS(" mepc=0x"); csrr a0, mepc; RVT_PUTHEX(a0); \
  RVT_PUTS(" mtval=0x"); csrr a0, mtval; RVT_PUTHEX(a0); \
  li t6, 10; RVT_PUTC(t6); \
  ori t6, TESTNUM, 1; li t5, 0xffff; and t6, t6, t5; slli t6, t6, 16; \
  li t5, 0x3333; or t6, t6, t5; j 78f; \
  79: li t6, 0x5555; \
  78: li t5, RVT_TEST_BASE; sw t6, 0(t5); 70: j 70b; \
  .option pop

#else

#include <stdint.h>

static inline void rvt_putc(int c)
{
  volatile uint8_t *uart = (volatile uint8_t *)RVT_UART_BASE;
  while (!(uart[5] & 0x20))
    ;
  uart[0] = (uint8_t)c;
}

static inline void rvt_puts(const char *s)
{
  while (*s)
    rvt_putc(*s++);
}

static inline void rvt_puthex(uint64_t x)
{
  for (int i = 60; i >= 0; i -= 4)
    rvt_putc("0123456789abcdef"[(x >> i) & 15]);
}

/* What HTIF does with a tohost value: device 1 command 1 is a console
 * byte; anything else ends the test, 1 meaning pass. */
static inline void rvt_tohost(uint64_t v)
{
  volatile uint32_t *test = (volatile uint32_t *)RVT_TEST_BASE;
  if ((v >> 48) == 0x0101) {
    rvt_putc((int)(v & 0xff));
    return;
  }
  if (v == 1) {
    *test = 0x5555;
  } else {
    uint32_t code = (uint32_t)(v | 1) & 0xffff;  /* odd: never exit status 0 */
    rvt_puts("riscv-tests: tohost=0x");
    rvt_puthex(v);
    rvt_putc('\n');
    *test = (code << 16) | 0x3333;
  }
  for (;;)
    ;
}

/* The v environment's machine trap handler (wtf) says what it caught. */
#define RVT_MACHINE_TRAP() do { \
  rvt_puts("riscv-tests: machine trap mcause=0x"); rvt_puthex(read_csr(mcause)); \
  rvt_puts(" mepc=0x"); rvt_puthex(read_csr(mepc)); \
  rvt_puts(" mtval=0x"); rvt_puthex(read_csr(mtval)); rvt_putc('\n'); \
} while (0)

/* Identity mappings of the test device (a 4 KiB page) and the UART (a
 * 2 MiB megapage), readable and writable by S mode only, in the low
 * gigapage the v environment gives user pages (which stay below 256 KiB). */
#define RVT_MAP_DEVICES(l2pt, llpt) do { \
  (llpt)[RVT_TEST_BASE >> PGSHIFT] = ((pte_t)RVT_TEST_BASE >> PGSHIFT << PTE_PPN_SHIFT) | \
      PTE_V | PTE_R | PTE_W | PTE_A | PTE_D; \
  (l2pt)[RVT_UART_BASE >> 21] = ((pte_t)RVT_UART_BASE >> PGSHIFT << PTE_PPN_SHIFT) | \
      PTE_V | PTE_R | PTE_W | PTE_A | PTE_D; \
} while (0)

#endif
#endif
""" % {"uart": UART_BASE, "test": TEST_BASE}

# Debian's riscv64-unknown-elf-gcc comes without a C library; the v
# environment's C files (vm.c, and string.c which implements what they use)
# need only these declarations. Written to env/libc/, searched first.
LIBC_SHIMS = {
    "stdint.h": "#include <stdint-gcc.h>\n",
    "string.h": "#include <stddef.h>\n"
                "void *memcpy(void *, const void *, size_t);\n"
                "void *memset(void *, int, size_t);\n"
                "int memcmp(const void *, const void *, size_t);\n"
                "size_t strlen(const char *);\n"
                "int strcmp(const char *, const char *);\n"
                "char *strcpy(char *, const char *);\n",
    "stdio.h": "",
    "ctype.h": "",
}

# (file under env/, [(regex, replacement)]): each pattern must match exactly
# once, so a riscv-tests change that moves the code is an error, not a test
# that silently talks to HTIF.
ENV_PATCHES = {
    "p/riscv_test.h": [
        (r'(#include "\.\./encoding\.h"\n)', r'\1#include "../rvt_virt.h"\n'),
        (r'write_tohost:[ \t]*\\\n'
         r'[ \t]*sw TESTNUM, tohost, t5;[ \t]*\\\n'
         r'[ \t]*sw zero, tohost \+ 4, t5;[ \t]*\\\n'
         r'[ \t]*j write_tohost;[ \t]*\\\n',
         'write_tohost:                                                         \\\n'
         '        RVT_WRITE_TOHOST;                                             \\\n'),
    ],
    "v/entry.S": [
        # wtf() is C: give it the machine stack, not whatever sp the
        # trapping code had (a user address).
        (r'(\ntrap_vector:\n([ \t]*))j wtf\n', r'\1csrr sp, mscratch\n\2j wtf\n'),
    ],
    "v/vm.c": [
        (r'static void do_tohost\(uint64_t tohost_value\)\n\{\n.*?\n\}\n',
         'static void do_tohost(uint64_t tohost_value)\n{\n  rvt_tohost(tohost_value);\n}\n'),
        (r'(void wtf\(\)\n\{\n)(\s*terminate\(841\);)',
         r'\1  RVT_MACHINE_TRAP();\n\2'),
        (r'(\n([ \t]*)user_l2pt\[0\] = \(\(pte_t\)user_llpt >> PGSHIFT << PTE_PPN_SHIFT\) \| PTE_V;\n)',
         r'\1\2RVT_MAP_DEVICES(user_l2pt, user_llpt);\n'),
    ],
}


class UsageError(Exception):
    pass


def read_makefile_vars(path):
    """Simple `NAME = value` / `NAME += value` assignments of a Makefrag,
    continuation lines joined, comments dropped."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"\\\n", " ", text)
    out = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        m = re.match(r"\s*([A-Za-z0-9_]+)\s*(\+?=)\s*(.*)$", line)
        if m:
            name, op, value = m.groups()
            out[name] = (out.get(name, "") + " " + value) if op == "+=" else value
    return out


def read_suites(rt_dir):
    """{suite: {"flags": [...], "tests": [...], "envs": [...]}} from
    isa/Makefile (compiler flags per suite) and the suites' Makefrags."""
    makefile = os.path.join(rt_dir, "isa", "Makefile")
    text = open(makefile, encoding="utf-8").read()
    suites = {}
    for m in re.finditer(r"\$\(call compile_template,(rv64[A-Za-z0-9_-]+),([^)]*)\)\)", text):
        name, flags = m.group(1), m.group(2).split()
        frag = os.path.join(rt_dir, "isa", name, "Makefrag")
        if not os.path.exists(frag):
            continue
        v = read_makefile_vars(frag)
        tests = v.get(name + "_sc_tests", "").split()
        envs = [e for e in ENVS if (name + "_" + e + "_tests") in v]
        suites[name] = {"flags": flags, "tests": tests, "envs": envs}
    if not suites:
        raise UsageError(f"{makefile}: no rv64 suites found (not a riscv-tests checkout?)")
    return suites


def write_if_changed(path, data):
    """Write atomically, and only if different: several harnesses (ctest
    runs them in parallel) may prepare the same build directory at once."""
    if os.path.exists(path):
        with open(path, "rb") as f:
            if f.read() == data:
                return
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def prepare_env(rt_dir, build):
    src = os.path.join(rt_dir, "env")
    for need in ("encoding.h", "p/riscv_test.h", "p/link.ld", "v/vm.c", "v/entry.S"):
        if not os.path.exists(os.path.join(src, need)):
            raise UsageError(f"{src}/{need} missing (is the env submodule checked out at "
                             f"{src}?)")
    dst = os.path.join(build, "env")
    for root, dirs, files in os.walk(src):
        dirs[:] = [d for d in dirs if d != ".git"]
        rel = os.path.relpath(root, src)
        os.makedirs(os.path.join(dst, rel), exist_ok=True)
        for f in files:
            if f == ".git":
                continue
            relf = os.path.normpath(os.path.join(rel, f))
            with open(os.path.join(root, f), "rb") as fh:
                data = fh.read()
            for pattern, repl in ENV_PATCHES.get(relf, []):
                text = data.decode("utf-8")
                new, n = re.subn(pattern, repl, text, flags=re.S)
                if n != 1:
                    raise UsageError(f"{src}/{relf}: cannot adapt it to the virt board "
                                     f"(pattern matched {n} times, expected once): "
                                     f"{pattern[:60]}...")
                data = new.encode("utf-8")
            write_if_changed(os.path.join(dst, relf), data)
    write_if_changed(os.path.join(dst, "rvt_virt.h"), RVT_VIRT_H.encode("utf-8"))
    os.makedirs(os.path.join(dst, "libc"), exist_ok=True)
    for name, text in LIBC_SHIMS.items():
        head = "/* Generated by rrsim's ci/riscv-tests.py for env/v: no C library. */\n"
        write_if_changed(os.path.join(dst, "libc", name), (head + text).encode("utf-8"))
    return dst


_KNOWS_MARCH = {}


def knows_march(gcc, march):
    """Whether the compiler and assembler accept -march=MARCH."""
    if march not in _KNOWS_MARCH:
        p = subprocess.run([gcc, "-march=" + march, "-mabi=lp64", "-c", "-x", "assembler",
                            "-", "-o", os.devnull], input="nop\n", text=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _KNOWS_MARCH[march] = p.returncode == 0
    return _KNOWS_MARCH[march]


def zicond_fallback(gcc, flags):
    """Zicond tests with an assembler that does not know Zicond: -march
    without it, and the instructions from .insn macros (rvt_virt.h)."""
    out = []
    for f in flags:
        if f.startswith("-march=") and "_zicond" in f and not knows_march(gcc, f[7:]):
            out += [f.replace("_zicond", ""), "-DRVT_ZICOND_INSN"]
        else:
            out.append(f)
    return out


def compile_cmd(gcc, rt_dir, env_dir, suite, flags, env, test, out):
    src = os.path.join(rt_dir, "isa", suite, test + ".S")
    macros = os.path.join(rt_dir, "isa", "macros", "scalar")
    cmd = [gcc] + zicond_fallback(gcc, flags) + GCC_OPTS
    if env == "p":
        cmd += ["-I" + os.path.join(env_dir, "p"), "-I" + macros,
                "-T" + os.path.join(env_dir, "p", "link.ld"), src]
    else:
        # isa/Makefile: ENTROPY from the md5 of the test's name (echo adds \n).
        name = os.path.basename(out)
        entropy = hashlib.md5((name + "\n").encode()).hexdigest()[:7]
        vdir = os.path.join(env_dir, "v")
        csrcs = sorted(os.path.join(vdir, f) for f in os.listdir(vdir) if f.endswith(".c"))
        cmd += ["-DENTROPY=0x" + entropy] + GCC_OPTS_V + \
               ["-I" + os.path.join(env_dir, "libc"), "-I" + vdir, "-I" + macros, "-T" + os.path.join(vdir, "link.ld"),
                os.path.join(vdir, "entry.S")] + csrcs + [src]
    return cmd + ["-MMD", "-MF", out + ".d", "-o", out]


def up_to_date(out, cmd):
    """The ELF exists, was built by this command, and no input (as the
    compiler's dependency file lists them) is newer."""
    try:
        with open(out + ".cmd", encoding="utf-8") as f:
            if f.read() != "\0".join(cmd):
                return False
        t = os.path.getmtime(out)
        deps = open(out + ".d", encoding="utf-8").read().replace("\\\n", " ")
    except OSError:
        return False
    for line in deps.splitlines():
        if ":" not in line:
            continue
        for dep in line.split(":", 1)[1].split():
            try:
                if os.path.getmtime(dep) > t:
                    return False
            except OSError:
                return False
    return True


def build_test(gcc, rt_dir, env_dir, build, suite, info, env, test):
    """Returns (elf or None, compiler output)."""
    outdir = os.path.join(build, suite)
    os.makedirs(outdir, exist_ok=True)
    out = os.path.join(outdir, f"{suite}-{env}-{test}")
    cmd = compile_cmd(gcc, rt_dir, env_dir, suite, info["flags"], env, test, out)
    if up_to_date(out, cmd):
        return out, ""
    for stale in (out, out + ".cmd"):
        if os.path.exists(stale):
            os.remove(stale)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with open(out + ".log", "w", encoding="utf-8") as f:
        f.write(" ".join(cmd) + "\n" + p.stdout)
    if p.returncode != 0:
        return None, p.stdout
    with open(out + ".cmd", "w", encoding="utf-8") as f:
        f.write("\0".join(cmd))
    return out, p.stdout


TOHOST_RE = re.compile(r"riscv-tests: tohost=0x([0-9a-f]+)"
                       r"(?: mcause=0x([0-9a-f]+) mepc=0x([0-9a-f]+) mtval=0x([0-9a-f]+))?")
MTRAP_RE = re.compile(r"riscv-tests: machine trap mcause=0x([0-9a-f]+)")
ECALL_CAUSES = (8, 9, 11)


def classify(rc, out, timed_out):
    """Short result for the table."""
    if timed_out:
        return "TIMEOUT"
    m = TOHOST_RE.search(out)
    if rc == 0 and not m:
        return "pass"
    if m:
        tohost = int(m.group(1), 16)
        trap = MTRAP_RE.search(out)
        if m.group(2) is not None and int(m.group(2), 16) not in ECALL_CAUSES:
            return f"EXC {int(m.group(2), 16)}"
        if trap:
            return f"EXC {int(trap.group(1), 16)}"
        if tohost & 1 and tohost > 1:
            return f"FAIL #{tohost >> 1}"
        return f"FAIL 0x{tohost:x}"
    return f"ERR {rc}"


def run_one(argv, logfile, timeout):
    """Run a simulator; returns (result, console output + stderr)."""
    try:
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
        out, err, rc, timed_out = p.stdout, p.stderr, p.returncode, False
    except subprocess.TimeoutExpired as e:
        out, err, rc, timed_out = e.stdout or b"", e.stderr or b"", None, True
    out = out.decode("utf-8", "replace")
    err = err.decode("utf-8", "replace")
    with open(logfile, "w", encoding="utf-8") as f:
        f.write(" ".join(argv) + "\n--- console\n" + out + "--- stderr\n" + err +
                f"--- exit status {rc if not timed_out else 'timeout'}\n")
    text = out + (("\n[stderr] " + err.strip()) if err.strip() else "")
    return classify(rc, out, timed_out), text


def sim_argv(sim, elf, cpu_props, qemu):
    argv = [sim, "-M", "virt", "-bios", "none", "-kernel", elf, "-nographic"]
    if qemu:
        argv += ["-monitor", "none", "-serial", "stdio"]
    argv += ["-icount", "shift=0"]
    if cpu_props:
        argv += ["-cpu", "rv64," + cpu_props]
    return argv


def parse_selection(names, suites):
    """[(suite, env)] in order; SUITE means each of its environments."""
    sel = []
    for name in names:
        m = re.fullmatch(r"(rv64[A-Za-z0-9_-]*?)(?:-([pv]))?", name)
        suite = m.group(1) if m else None
        if suite not in suites:
            raise UsageError(f"unknown suite '{name}' (suites: {' '.join(sorted(suites))})")
        envs = suites[suite]["envs"]
        if m.group(2):
            if m.group(2) not in envs:
                raise UsageError(f"{suite} has no {m.group(2)} tests (it has: {' '.join(envs)})")
            envs = [m.group(2)]
        for env in envs:
            if (suite, env) not in sel:
                sel.append((suite, env))
    return sel


def main(argv):
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(
        description="Run riscv-tests' ISA suites on rrsim and QEMU (see the top of this file).")
    ap.add_argument("rt_dir", metavar="RISCV_TESTS_DIR")
    ap.add_argument("suites", nargs="*", metavar="SUITE[-ENV]")
    ap.add_argument("--build", default=os.path.join(here, "build", "riscv-tests"))
    ap.add_argument("--rrsim", default=os.path.join(here, "build", "rrsim"))
    ap.add_argument("--qemu", action="store_true", help="also run each test on QEMU")
    ap.add_argument("--qemu-bin", default="qemu-system-riscv64", metavar="PATH")
    ap.add_argument("--gcc", default="riscv64-unknown-elf-gcc")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds per run")
    ap.add_argument("--list", action="store_true", help="print SUITE-ENV names and exit")
    args = ap.parse_intermixed_args(argv)

    try:
        rt_dir = os.path.abspath(args.rt_dir)
        if not os.path.isfile(os.path.join(rt_dir, "isa", "Makefile")):
            raise UsageError(f"{rt_dir}: no isa/Makefile (not a riscv-tests checkout)")
        suites = read_suites(rt_dir)
        selection = parse_selection(args.suites or DEFAULT_SUITES, suites)
        if args.list:
            for suite, env in selection:
                print(f"{suite}-{env}")
            return 0
        if not shutil.which(args.gcc):
            raise UsageError(f"{args.gcc} not found (install gcc-riscv64-unknown-elf)")
        if not (os.path.isfile(args.rrsim) and os.access(args.rrsim, os.X_OK)):
            raise UsageError(f"rrsim not found or not executable: {args.rrsim}")
        if args.qemu and not shutil.which(args.qemu_bin):
            raise UsageError(f"QEMU not found: {args.qemu_bin} (install qemu-system-misc)")
        build = os.path.abspath(args.build)
        os.makedirs(build, exist_ok=True)
        env_dir = prepare_env(rt_dir, build)
    except (UsageError, OSError) as e:
        print(f"riscv-tests: {e}", file=sys.stderr)
        return 2

    jobs = [(suite, env, test) for suite, env in selection for test in suites[suite]["tests"]]
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        built = list(pool.map(lambda j: build_test(args.gcc, rt_dir, env_dir, build, j[0],
                                                   suites[j[0]], j[1], j[2]), jobs))

        def run(i):
            suite, env, test = jobs[i]
            elf, _ = built[i]
            if elf is None:
                return ("NOBUILD", ""), ("NOBUILD", "") if args.qemu else None
            props = CPU_PROPS.get(suite, (None, None))
            r = run_one(sim_argv(args.rrsim, elf, props[0], False), elf + ".rrsim.out",
                        args.timeout)
            q = None
            if args.qemu:
                q = run_one(sim_argv(args.qemu_bin, elf, props[1], True), elf + ".qemu.out",
                            args.timeout)
            return r, q
        results = list(pool.map(run, range(len(jobs))))

    # One line per test.
    width = max(len(f"{s}-{e}-{t}") for s, e, t in jobs) + 2
    print(f"{'test':<{width}}{'rrsim':<14}{'QEMU' if args.qemu else ''}")
    for (suite, env, test), (r, q) in zip(jobs, results):
        qcol = q[0] if q else ""
        mark = "" if r[0] == "pass" else "   <-"
        print(f"{suite + '-' + env + '-' + test:<{width}}{r[0]:<14}{qcol}{mark}")

    # Totals per suite and environment.
    print()
    hdr = f"{'suite':<14}{'env':<5}{'tests':>6}{'rrsim pass':>12}{'fail':>6}"
    if args.qemu:
        hdr += f"{'QEMU pass':>11}{'fail':>6}"
    hdr += f"{'not built':>11}"
    print(hdr)
    tot = [0, 0, 0, 0, 0, 0]
    for suite, env in selection:
        rows = [(j, res) for j, res in zip(jobs, results) if j[0] == suite and j[1] == env]
        n = len(rows)
        nobuild = sum(1 for _, (r, _q) in rows if r[0] == "NOBUILD")
        rp = sum(1 for _, (r, _q) in rows if r[0] == "pass")
        qp = sum(1 for _, (_r, q) in rows if q and q[0] == "pass")
        line = f"{suite:<14}{env:<5}{n:>6}{rp:>12}{n - rp:>6}"
        if args.qemu:
            line += f"{qp:>11}{n - qp:>6}"
        line += f"{nobuild:>11}"
        print(line)
        for k, v in enumerate((n, rp, n - rp, qp, n - qp, nobuild)):
            tot[k] += v
    line = f"{'total':<19}{tot[0]:>6}{tot[1]:>12}{tot[2]:>6}"
    if args.qemu:
        line += f"{tot[3]:>11}{tot[4]:>6}"
    print(line + f"{tot[5]:>11}")

    # What each failure said: tests of one suite and environment that
    # failed alike (the same result and output) are listed together.
    failed = False
    for suite, env in selection:
        rows = [(j[2], res, b) for j, res, b in zip(jobs, results, built)
                if j[0] == suite and j[1] == env]
        nobuild = [t for t, (r, _q), _b in rows if r[0] == "NOBUILD"]
        if nobuild:
            failed = True
            log = next(b[1] for t, _res, b in rows if t == nobuild[0])
            print(f"\n{suite}-{env}: {len(nobuild)} of {len(rows)} tests do not build; "
                  f"{suite}-{env}-{nobuild[0]}:")
            print("    " + "\n    ".join(log.strip().splitlines()[:8]))
        for who, k in (("rrsim", 0), ("QEMU", 1)):
            groups = {}
            for t, res, _b in rows:
                r = res[k]
                if r and r[0] not in ("pass", "NOBUILD"):
                    groups.setdefault((r[0], r[1].strip()), []).append(t)
                    failed |= k == 0
            for (result, text), tests in groups.items():
                names = ", ".join(f"{suite}-{env}-{t}" for t in tests)
                print(f"\n{names} on {who}: {result}")
                if text:
                    print("    " + "\n    ".join(text.splitlines()[-6:]))
    print(f"\nriscv-tests: {tot[1]} of {tot[0]} tests pass on rrsim"
          + (f", {tot[3]} on QEMU" if args.qemu else "")
          + f"; logs in {build}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
