/*
 * The riscv64 target description served through qXfer:features:read.
 *
 * Feature names and register names are the ones gdb's riscv-tdep.c looks
 * for (the XML files in gdb/features/riscv); regnum attributes are the remote register
 * numbers, which are cpu/hart.h's numbers (65 + CSR number for CSRs), so a
 * 'p' packet for "mstatus" asks for 65 + 0x300 whatever gdb numbers it
 * internally. fflags/frm/fcsr are 32 bits wide as in gdb's own fpu feature;
 * gdb_reg_size() must agree with this table.
 *
 * The OS ABI is "none": the target is a bare machine. Left unset, gdb falls
 * back to its configured default (GNU/Linux for a Linux-hosted gdb), whose
 * riscv variant single-steps in software: a breakpoint at the next pc and a
 * continue, which never returns when the instruction traps and the handler
 * does not come back (a trap loop). With "none" gdb steps with 's', and a
 * step is one instruction or one trap entry. A user can still `set osabi`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/gdbstub/gdbstub.h"
#include "sim/gdbstub/internal.h"

static const char *const XREG_NAMES[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
    "fp", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
    "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static const char *const FREG_NAMES[32] = {
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7",
    "fs0", "fs1", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5",
    "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7",
    "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};

typedef struct CsrDesc {
    const char *name;
    unsigned num;
} CsrDesc;

/* fflags, frm and fcsr are in the fpu feature, not here: gdb rejects a
 * register that appears in two features. */
static const CsrDesc CSRS[] = {
    { "sstatus", 0x100 }, { "sie", 0x104 }, { "stvec", 0x105 }, { "scounteren", 0x106 },
    { "sscratch", 0x140 }, { "sepc", 0x141 }, { "scause", 0x142 }, { "stval", 0x143 },
    { "sip", 0x144 }, { "satp", 0x180 },
    { "mstatus", 0x300 }, { "misa", 0x301 }, { "medeleg", 0x302 }, { "mideleg", 0x303 },
    { "mie", 0x304 }, { "mtvec", 0x305 }, { "mcounteren", 0x306 },
    { "mscratch", 0x340 }, { "mepc", 0x341 }, { "mcause", 0x342 }, { "mtval", 0x343 },
    { "mip", 0x344 },
    { "pmpcfg0", 0x3a0 }, { "pmpcfg2", 0x3a2 }, { "pmpaddr0", 0x3b0 }, { "pmpaddr1", 0x3b1 },
    { "mcycle", 0xb00 }, { "minstret", 0xb02 },
    { "cycle", 0xc00 }, { "time", 0xc01 }, { "instret", 0xc02 },
    { "mvendorid", 0xf11 }, { "marchid", 0xf12 }, { "mimpid", 0xf13 }, { "mhartid", 0xf14 },
};

size_t gdb_reg_size(int regno)
{
    if (regno >= GDB_REGNO_CSR(1) && regno <= GDB_REGNO_CSR(3)) {
        return 4;
    }
    return 8;
}

typedef struct Sb {
    char *buf;
    size_t len, cap;
} Sb;

static void sb_printf(Sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(Sb *sb, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            return;
        }
        if ((size_t)n < sb->cap - sb->len) {
            sb->len += (size_t)n;
            return;
        }
        size_t cap = (sb->cap + (size_t)n + 1) * 2;
        char *nb = realloc(sb->buf, cap);
        if (!nb) {
            abort();  /* out of memory for a few KiB: nothing sensible to do */
        }
        sb->buf = nb;
        sb->cap = cap;
    }
}

char *gdbstub_riscv64_xml(void)
{
    Sb sb = { .buf = malloc(1024), .cap = 1024 };
    if (!sb.buf) {
        abort();
    }
    sb.buf[0] = 0;
    sb_printf(&sb, "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                   "<target version=\"1.0\">\n<architecture>riscv:rv64</architecture>\n"
                   "<osabi>none</osabi>\n");

    sb_printf(&sb, "<feature name=\"org.gnu.gdb.riscv.cpu\">\n");
    for (int i = 0; i < 32; i++) {
        const char *type = i == 1 ? "code_ptr" : (i == 2 || i == 3 || i == 4 || i == 8)
                                                     ? "data_ptr" : "int";
        sb_printf(&sb, "  <reg name=\"%s\" bitsize=\"64\" type=\"%s\" regnum=\"%d\"/>\n",
                  XREG_NAMES[i], type, GDB_REGNO_X0 + i);
    }
    sb_printf(&sb, "  <reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"%d\"/>\n"
                   "</feature>\n", GDB_REGNO_PC);

    sb_printf(&sb, "<feature name=\"org.gnu.gdb.riscv.fpu\">\n"
                   "  <union id=\"riscv_double\">\n"
                   "    <field name=\"float\" type=\"ieee_single\"/>\n"
                   "    <field name=\"double\" type=\"ieee_double\"/>\n"
                   "  </union>\n");
    for (int i = 0; i < 32; i++) {
        sb_printf(&sb, "  <reg name=\"%s\" bitsize=\"64\" type=\"riscv_double\" regnum=\"%d\"/>\n",
                  FREG_NAMES[i], GDB_REGNO_F0 + i);
    }
    static const char *const FCSRS[3] = { "fflags", "frm", "fcsr" };
    for (int i = 0; i < 3; i++) {
        sb_printf(&sb, "  <reg name=\"%s\" bitsize=\"32\" type=\"int\" regnum=\"%d\"/>\n",
                  FCSRS[i], GDB_REGNO_CSR(i + 1));
    }
    sb_printf(&sb, "</feature>\n");

    sb_printf(&sb, "<feature name=\"org.gnu.gdb.riscv.csr\">\n");
    for (size_t i = 0; i < sizeof(CSRS) / sizeof(CSRS[0]); i++) {
        sb_printf(&sb, "  <reg name=\"%s\" bitsize=\"64\" type=\"int\" regnum=\"%d\"/>\n",
                  CSRS[i].name, GDB_REGNO_CSR((int)CSRS[i].num));
    }
    sb_printf(&sb, "</feature>\n");

    sb_printf(&sb, "<feature name=\"org.gnu.gdb.riscv.virtual\">\n"
                   "  <reg name=\"priv\" bitsize=\"64\" type=\"int\" regnum=\"%d\"/>\n"
                   "</feature>\n</target>\n", GDB_REGNO_PRIV);
    return sb.buf;
}
