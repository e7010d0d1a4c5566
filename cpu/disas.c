/*
 * disas: see disas.h. The decoder says what the instruction is; this file
 * only knows how each kind of instruction shows its operands, and QEMU
 * 7.2's pseudo-instructions and CSR names (disas/riscv.c there), so the
 * logs of the two read alike.
 */
#include "cpu/disas.h"

#include <stdarg.h>
#include <stdio.h>

#include "cpu/internal.h"

static const char *const xreg[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2",
    "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9",
    "s10", "s11", "t3", "t4", "t5", "t6",
};

static const char *const freg[32] = {
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1",
    "fa2", "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7",
    "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};

static const char *const rm_name[8] = { "rne", "rtz", "rdn", "rup", "rmm", "inv", "inv", "dyn" };

/* The CSRs QEMU 7.2's disassembler names (0x320 keeps its old name there);
 * any other shows as its number. */
static const char *csr_name(unsigned csr, char *tmp, size_t n)
{
    static const struct { uint16_t num; const char *name; } names[] = {
        { 0x000, "ustatus" }, { 0x001, "fflags" }, { 0x002, "frm" }, { 0x003, "fcsr" },
        { 0x004, "uie" }, { 0x005, "utvec" }, { 0x040, "uscratch" }, { 0x041, "uepc" },
        { 0x042, "ucause" }, { 0x043, "utval" }, { 0x044, "uip" },
        { 0x100, "sstatus" }, { 0x102, "sedeleg" }, { 0x103, "sideleg" }, { 0x104, "sie" },
        { 0x105, "stvec" }, { 0x106, "scounteren" }, { 0x140, "sscratch" }, { 0x141, "sepc" },
        { 0x142, "scause" }, { 0x143, "stval" }, { 0x144, "sip" }, { 0x180, "satp" },
        { 0x300, "mstatus" }, { 0x301, "misa" }, { 0x302, "medeleg" }, { 0x303, "mideleg" },
        { 0x304, "mie" }, { 0x305, "mtvec" }, { 0x306, "mcounteren" }, { 0x320, "mucounteren" },
        { 0x321, "mscounteren" }, { 0x322, "mhcounteren" }, { 0x340, "mscratch" },
        { 0x341, "mepc" }, { 0x342, "mcause" }, { 0x343, "mtval" }, { 0x344, "mip" },
        { 0x7a0, "tselect" }, { 0x7a1, "tdata1" }, { 0x7a2, "tdata2" }, { 0x7a3, "tdata3" },
        { 0x7b0, "dcsr" }, { 0x7b1, "dpc" }, { 0x7b2, "dscratch" },
        { 0xb00, "mcycle" }, { 0xb01, "mtime" }, { 0xb02, "minstret" },
        { 0xc00, "cycle" }, { 0xc01, "time" }, { 0xc02, "instret" },
        { 0xc80, "cycleh" }, { 0xc81, "timeh" }, { 0xc82, "instreth" },
        { 0xf11, "mvendorid" }, { 0xf12, "marchid" }, { 0xf13, "mimpid" }, { 0xf14, "mhartid" },
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].num == csr)
            return names[i].name;
    if (csr >= 0x3a0 && csr <= 0x3a3)
        snprintf(tmp, n, "pmpcfg%u", csr - 0x3a0);
    else if (csr >= 0x3b0 && csr <= 0x3bf)
        snprintf(tmp, n, "pmpaddr%u", csr - 0x3b0);
    else if (csr >= 0x323 && csr <= 0x33f)
        snprintf(tmp, n, "mhpmevent%u", csr - 0x320);
    else if (csr >= 0xb03 && csr <= 0xb1f)
        snprintf(tmp, n, "mhpmcounter%u", csr - 0xb00);
    else
        snprintf(tmp, n, "0x%03x", csr);
    return tmp;
}

/* Operand shapes. */
enum {
    S_NONE, S_R, S_I, S_U, S_AUIPC, S_JAL, S_JALR, S_BR, S_LOAD, S_STORE, S_UNARY,
    S_CSR, S_CSRI, S_FENCE, S_RS1RS2, S_LR, S_AMO, S_FLOAD, S_FSTORE, S_R4, S_FRM3,
    S_F3, S_FCMP, S_FRM2, S_F2, S_CBO, S_FLI,
};

/* Register files of a two-operand floating-point op: 'x' or 'f' for rd, rs1. */
static void f2_files(Op op, char *rd, char *rs1)
{
    const char *n = insn_names[op];
    *rd = *rs1 = 'f';
    if (op == OP_fmv_x_w || op == OP_fmv_x_d || op == OP_fmv_x_h || op == OP_fclass_s ||
        op == OP_fclass_d || op == OP_fclass_h || op == OP_fcvtmod_w_d) {
        *rd = 'x';
    } else if (op == OP_fmv_w_x || op == OP_fmv_d_x || op == OP_fmv_h_x) {
        *rs1 = 'x';
    } else if (!strncmp(n, "fcvt_", 5)) {
        /* fcvt.<to>.<from>: w/wu/l/lu name an integer register. */
        const char *to = n + 5, *from = strchr(to, '_') + 1;
        if (*to == 'w' || *to == 'l')
            *rd = 'x';
        if (*from == 'w' || *from == 'l')
            *rs1 = 'x';
    }
}

static int shape(Op op)
{
    switch (op) {
    case OP_lui: return S_U;
    case OP_auipc: return S_AUIPC;
    case OP_jal: return S_JAL;
    case OP_jalr: return S_JALR;
    case OP_beq: case OP_bne: case OP_blt: case OP_bge: case OP_bltu: case OP_bgeu:
        return S_BR;
    case OP_lb: case OP_lh: case OP_lw: case OP_ld: case OP_lbu: case OP_lhu: case OP_lwu:
        return S_LOAD;
    case OP_sb: case OP_sh: case OP_sw: case OP_sd: return S_STORE;
    case OP_addi: case OP_slti: case OP_sltiu: case OP_xori: case OP_ori: case OP_andi:
    case OP_slli: case OP_srli: case OP_srai: case OP_addiw: case OP_slliw: case OP_srliw:
    case OP_sraiw: case OP_slli_uw: case OP_rori: case OP_roriw: case OP_bclri:
    case OP_bexti: case OP_binvi: case OP_bseti:
        return S_I;
    case OP_clz: case OP_clzw: case OP_ctz: case OP_ctzw: case OP_cpop: case OP_cpopw:
    case OP_sext_b: case OP_sext_h: case OP_zext_h: case OP_orc_b: case OP_rev8: case OP_brev8:
        return S_UNARY;
    case OP_fence: return S_FENCE;
    case OP_fence_i: case OP_ecall: case OP_ebreak: case OP_mret: case OP_sret: case OP_wfi:
    case OP_sfence_w_inval: case OP_sfence_inval_ir: case OP_illegal:
        return S_NONE;
    case OP_sfence_vma: case OP_sinval_vma: return S_RS1RS2;
    case OP_csrrw: case OP_csrrs: case OP_csrrc: return S_CSR;
    case OP_csrrwi: case OP_csrrsi: case OP_csrrci: return S_CSRI;
    case OP_lr_w: case OP_lr_d: return S_LR;
    case OP_flw: case OP_fld: case OP_flh: return S_FLOAD;
    case OP_fsw: case OP_fsd: case OP_fsh: return S_FSTORE;
    case OP_cbo_clean: case OP_cbo_flush: case OP_cbo_inval: case OP_cbo_zero: return S_CBO;
    case OP_fli_s: case OP_fli_d: case OP_fli_h: return S_FLI;
    default:
        break;
    }
    const char *n = insn_names[op];
    if (!strncmp(n, "sc_", 3) || !strncmp(n, "amo", 3))
        return S_AMO;
    if (n[0] != 'f')
        return S_R;
    if (!strncmp(n, "fmadd", 5) || !strncmp(n, "fmsub", 5) || !strncmp(n, "fnm", 3))
        return S_R4;
    if (!strncmp(n, "fadd", 4) || !strncmp(n, "fsub", 4) || !strncmp(n, "fmul", 4) ||
        !strncmp(n, "fdiv", 4))
        return S_FRM3;
    if (!strncmp(n, "feq", 3) || !strncmp(n, "flt", 3) || !strncmp(n, "fle", 3))
        return S_FCMP;
    if (!strncmp(n, "fsgnj", 5) || !strncmp(n, "fmin", 4) || !strncmp(n, "fmax", 4))
        return S_F3;
    if (!strncmp(n, "fmv", 3) || !strncmp(n, "fclass", 6))
        return S_F2;
    return S_FRM2;      /* fsqrt, fcvt, fround */
}

typedef struct Out {
    char *buf;
    size_t size, len;
} Out;

static void put(Out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(Out *o, const char *fmt, ...)
{
    va_list ap;
    if (o->len >= o->size)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len = o->len + (size_t)n < o->size ? o->len + (size_t)n : o->size - 1;
}

static void pad(Out *o, size_t col)
{
    while (o->len < col && o->len + 1 < o->size)
        o->buf[o->len++] = ' ';
    o->buf[o->len] = 0;
}

static void fence_set(char *s, unsigned v)
{
    char *p = s;
    if (v & 8) *p++ = 'i';
    if (v & 4) *p++ = 'o';
    if (v & 2) *p++ = 'r';
    if (v & 1) *p++ = 'w';
    if (p == s) *p++ = '0';
    *p = 0;
}

int riscv_disas(char *buf, size_t size, uint64_t pc, uint32_t raw)
{
    DecodedInsn d;
    Out o = { buf, size, 0 };
    char name[24], ops[64] = "", tmp[16];
    bool target = false;
    uint64_t tgt = 0;

    if (!size)
        return (raw & 3) == 3 ? 4 : 2;
    buf[0] = 0;
    riscv_decode(raw, &d);
    Op op = (Op)d.op;
    int rd = d.rd == 32 ? 0 : d.rd, rs1 = d.rs1, rs2 = d.rs2;
    long long imm = (long long)d.imm;
    const char *rdn = xreg[rd], *r1 = xreg[rs1], *r2 = xreg[rs2];

    snprintf(name, sizeof(name), "%s", insn_names[op]);
    for (char *p = name; *p; p++)
        if (*p == '_')
            *p = '.';
    if (op == OP_fmv_x_w)
        snprintf(name, sizeof(name), "fmv.x.s");
    else if (op == OP_fmv_w_x)
        snprintf(name, sizeof(name), "fmv.s.x");

#define OPS(...) snprintf(ops, sizeof(ops), __VA_ARGS__)
#define NAME(s) snprintf(name, sizeof(name), "%s", s)
    switch (shape(op)) {
    case S_NONE:
        break;
    case S_R:
        if (op == OP_sub && rs1 == 0) { NAME("neg"); OPS("%s,%s", rdn, r2); }
        else if (op == OP_subw && rs1 == 0) { NAME("negw"); OPS("%s,%s", rdn, r2); }
        else if (op == OP_sltu && rs1 == 0) { NAME("snez"); OPS("%s,%s", rdn, r2); }
        else if (op == OP_slt && rs2 == 0) { NAME("sltz"); OPS("%s,%s", rdn, r1); }
        else if (op == OP_slt && rs1 == 0) { NAME("sgtz"); OPS("%s,%s", rdn, r2); }
        else if (op == OP_add && rs1 == 0 && d.len == 2) { NAME("mv"); OPS("%s,%s", rdn, r2); }
        else OPS("%s,%s,%s", rdn, r1, r2);
        break;
    case S_I:
        if (op == OP_addi && rd == 0 && rs1 == 0 && imm == 0) NAME("nop");
        else if (op == OP_addi && imm == 0) { NAME("mv"); OPS("%s,%s", rdn, r1); }
        else if (op == OP_xori && imm == -1) { NAME("not"); OPS("%s,%s", rdn, r1); }
        else if (op == OP_sltiu && imm == 1) { NAME("seqz"); OPS("%s,%s", rdn, r1); }
        else if (op == OP_addiw && imm == 0) { NAME("sext.w"); OPS("%s,%s", rdn, r1); }
        else OPS("%s,%s,%lld", rdn, r1, imm);
        break;
    case S_U:
        OPS("%s,%lld", rdn, imm);
        break;
    case S_AUIPC:
        OPS("%s,%lld", rdn, imm);
        target = true;
        tgt = pc + (uint64_t)imm;
        break;
    case S_JAL:
        if (rd == 0) { NAME("j"); OPS("%lld", imm); }
        else OPS("%s,%lld", rdn, imm);
        target = true;
        tgt = pc + (uint64_t)imm;
        break;
    case S_JALR:
        if (rd == 0 && rs1 == 1 && imm == 0) NAME("ret");
        else if (rd == 0 && imm == 0) { NAME("jr"); OPS("%s", r1); }
        else OPS("%s,%s,%lld", rdn, r1, imm);
        break;
    case S_BR:
        /* QEMU shows blt/bge(u) with the operands swapped as bgt/ble(u),
         * and comparisons with zero as the *z forms. */
        target = true;
        tgt = pc + (uint64_t)imm;
        if ((op == OP_beq || op == OP_bne || op == OP_blt || op == OP_bge) && rs2 == 0) {
            NAME(op == OP_beq ? "beqz" : op == OP_bne ? "bnez" : op == OP_blt ? "bltz" : "bgez");
            OPS("%s,%lld", r1, imm);
        } else if ((op == OP_blt || op == OP_bge) && rs1 == 0) {
            NAME(op == OP_blt ? "bgtz" : "blez");
            OPS("%s,%lld", r2, imm);
        } else if (op == OP_beq || op == OP_bne) {
            OPS("%s,%s,%lld", r1, r2, imm);
        } else {
            NAME(op == OP_blt ? "bgt" : op == OP_bge ? "ble" : op == OP_bltu ? "bgtu" : "bleu");
            OPS("%s,%s,%lld", r2, r1, imm);
        }
        break;
    case S_LOAD:
        OPS("%s,%lld(%s)", rdn, imm, r1);
        break;
    case S_STORE:
        OPS("%s,%lld(%s)", r2, imm, r1);
        break;
    case S_UNARY:
        OPS("%s,%s", rdn, r1);
        break;
    case S_CSR: {
        unsigned csr = (unsigned)imm;
        static const char *const rd_names[4] = { "frflags", "frrm", "frcsr", NULL };
        static const char *const wr_names[4] = { "fsflags", "fsrm", "fscsr", NULL };
        if (op == OP_csrrs && rs1 == 0 && csr >= 1 && csr <= 3) {
            NAME(rd_names[csr - 1]);
            OPS("%s", rdn);
        } else if (op == OP_csrrs && rs1 == 0 && csr >= 0xc00 && csr <= 0xc02) {
            NAME(csr == 0xc00 ? "rdcycle" : csr == 0xc01 ? "rdtime" : "rdinstret");
            OPS("%s", rdn);
        } else if (op == OP_csrrw && csr >= 1 && csr <= 3) {
            NAME(wr_names[csr - 1]);
            OPS("%s,%s", rdn, r1);
        } else {
            OPS("%s,%s,%s", rdn, csr_name(csr, tmp, sizeof(tmp)), r1);
        }
        break;
    }
    case S_CSRI: {
        unsigned csr = (unsigned)imm;
        if (op == OP_csrrwi && (csr == 1 || csr == 2)) {
            NAME(csr == 1 ? "fsflagsi" : "fsrmi");
            OPS("%s,%d", rdn, rs1);
        } else {
            OPS("%s,%s,%d", rdn, csr_name(csr, tmp, sizeof(tmp)), rs1);
        }
        break;
    }
    case S_FENCE: {
        char p[6], s[6];
        fence_set(p, (raw >> 24) & 15);
        fence_set(s, (raw >> 20) & 15);
        OPS("%s,%s", p, s);
        break;
    }
    case S_RS1RS2:
        OPS("%s,%s", r1, r2);
        break;
    case S_LR:
    case S_AMO: {
        size_t n = strlen(name);
        if (raw & (1u << 26))
            n += (size_t)snprintf(name + n, sizeof(name) - n, ".aq");
        if (raw & (1u << 25))
            snprintf(name + n, sizeof(name) - n, ".rl");
        if (shape(op) == S_LR)
            OPS("%s,(%s)", rdn, r1);
        else
            OPS("%s,%s,(%s)", rdn, r2, r1);
        break;
    }
    case S_FLOAD:
        OPS("%s,%lld(%s)", freg[rd], imm, r1);
        break;
    case S_FSTORE:
        OPS("%s,%lld(%s)", freg[rs2], imm, r1);
        break;
    case S_R4:
        OPS("%s,%s,%s,%s,%s", rm_name[d.rm & 7], freg[rd], freg[rs1], freg[rs2], freg[d.rs3]);
        break;
    case S_FRM3:
        OPS("%s,%s,%s,%s", rm_name[d.rm & 7], freg[rd], freg[rs1], freg[rs2]);
        break;
    case S_F3:
        OPS("%s,%s,%s", freg[rd], freg[rs1], freg[rs2]);
        break;
    case S_FCMP:
        OPS("%s,%s,%s", rdn, freg[rs1], freg[rs2]);
        break;
    case S_FRM2:
    case S_F2: {
        char fd, fs;
        f2_files(op, &fd, &fs);
        const char *a = fd == 'x' ? rdn : freg[rd], *b = fs == 'x' ? r1 : freg[rs1];
        if (shape(op) == S_FRM2)
            OPS("%s,%s,%s", rm_name[d.rm & 7], a, b);
        else
            OPS("%s,%s", a, b);
        break;
    }
    case S_CBO:
        OPS("(%s)", r1);
        break;
    case S_FLI:
        OPS("%s,%d", freg[rd], rs1);
        break;
    }
#undef OPS
#undef NAME

    if (d.len == 4)
        put(&o, "%08x          ", (unsigned)raw);
    else
        put(&o, "%04x              ", (unsigned)(raw & 0xffff));
    put(&o, "%s", name);
    pad(&o, 18 + 24);
    put(&o, "%s", ops);
    if (target) {
        pad(&o, 18 + 48);
        put(&o, "# 0x%llx", (unsigned long long)tgt);
    }
    return d.len;
}
