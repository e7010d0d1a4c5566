/*
 * decode: RV64GC (and Zb*, Zicond, Zicbo*, Svinval, Zfh, Zfa) instruction
 * bits -> DecodedInsn (opcode + operands). Every known encoding is decoded;
 * whether the hart has its extension is decided when translating (tb.c).
 *
 * Compressed instructions are expanded here to their 32-bit equivalents
 * (unprivileged spec chapter 16, "RVC"), so the executor knows only one form;
 * `len` remembers the 2-byte size for pc arithmetic and `raw` keeps the
 * original bits for mtval on illegal instructions.
 *
 * Integer destinations equal to x0 are redirected to the sink register 32,
 * so handlers never test rd == 0.
 */
#include "cpu/internal.h"

const char *const insn_names[OP_COUNT] = {
#define INSN(name, kind, flags) [OP_##name] = #name,
#include "cpu/insn.def"
#undef INSN
};

const uint8_t insn_kind[OP_COUNT] = {
#define INSN(name, kind, flags) [OP_##name] = kind,
#include "cpu/insn.def"
#undef INSN
};

const uint64_t insn_flags[OP_COUNT] = {
#define INSN(name, kind, flags) [OP_##name] = flags,
#include "cpu/insn.def"
#undef INSN
};

static inline uint32_t bits(uint32_t v, int hi, int lo)
{
    return (v >> lo) & ((1u << (hi - lo + 1)) - 1);
}

static inline int64_t sext(uint64_t v, int width)
{
    return (int64_t)(v << (64 - width)) >> (64 - width);
}

static void set(DecodedInsn *d, Op op, int rd, int rs1, int rs2, int64_t imm)
{
    d->op = (uint16_t)op;
    d->rd = (uint8_t)rd;
    d->rs1 = (uint8_t)rs1;
    d->rs2 = (uint8_t)rs2;
    d->imm = imm;
}

/* Ops whose funct3 is not a rounding mode (for the others rm 5 and 6 are
 * reserved). */
static bool uses_rm(Op op)
{
    switch (op) {
    case OP_fsgnj_s: case OP_fsgnjn_s: case OP_fsgnjx_s: case OP_fmin_s: case OP_fmax_s:
    case OP_fmv_x_w: case OP_feq_s: case OP_flt_s: case OP_fle_s: case OP_fclass_s:
    case OP_fmv_w_x:
    case OP_fsgnj_d: case OP_fsgnjn_d: case OP_fsgnjx_d: case OP_fmin_d: case OP_fmax_d:
    case OP_fmv_x_d: case OP_feq_d: case OP_flt_d: case OP_fle_d: case OP_fclass_d:
    case OP_fmv_d_x:
    case OP_fsgnj_h: case OP_fsgnjn_h: case OP_fsgnjx_h: case OP_fmin_h: case OP_fmax_h:
    case OP_fmv_x_h: case OP_feq_h: case OP_flt_h: case OP_fle_h: case OP_fclass_h:
    case OP_fmv_h_x:
    case OP_fli_s: case OP_fli_d: case OP_fli_h:
    case OP_fminm_s: case OP_fmaxm_s: case OP_fminm_d: case OP_fmaxm_d:
    case OP_fminm_h: case OP_fmaxm_h:
    case OP_fleq_s: case OP_fltq_s: case OP_fleq_d: case OP_fltq_d:
    case OP_fleq_h: case OP_fltq_h:
    case OP_fcvtmod_w_d:
        return false;
    default:
        return true;
    }
}

/* The op of format fmt (funct7 bits 1:0 / funct2: S, D, H; Q is not
 * supported). */
static Op by_fmt(unsigned fmt, Op s, Op d, Op h)
{
    return fmt == 0 ? s : fmt == 1 ? d : fmt == 2 ? h : OP_illegal;
}
#define FMT(name) by_fmt(fmt, OP_##name##_s, OP_##name##_d, OP_##name##_h)

static void decode_op_fp(uint32_t r, DecodedInsn *d)
{
    int rd = bits(r, 11, 7), rs1 = bits(r, 19, 15), rs2 = bits(r, 24, 20);
    unsigned f3 = bits(r, 14, 12), f7 = bits(r, 31, 25);
    unsigned fmt = f7 & 3;
    Op op = OP_illegal;

    switch (f7 & ~3u) {
    case 0x00: op = FMT(fadd); break;
    case 0x04: op = FMT(fsub); break;
    case 0x08: op = FMT(fmul); break;
    case 0x0c: op = FMT(fdiv); break;
    case 0x2c: if (rs2 == 0) op = FMT(fsqrt); break;
    case 0x10:
        if (f3 == 0) op = FMT(fsgnj);
        else if (f3 == 1) op = FMT(fsgnjn);
        else if (f3 == 2) op = FMT(fsgnjx);
        break;
    case 0x14:
        if (f3 == 0) op = FMT(fmin);
        else if (f3 == 1) op = FMT(fmax);
        else if (f3 == 2) op = FMT(fminm);
        else if (f3 == 3) op = FMT(fmaxm);
        break;
    case 0x20: {
        /* fcvt.<fmt>.<rs2 format>; rs2 4 and 5 are Zfa's fround, froundnx. */
        static const Op cvt[3][3] = {
            { OP_illegal, OP_fcvt_s_d, OP_fcvt_s_h },
            { OP_fcvt_d_s, OP_illegal, OP_fcvt_d_h },
            { OP_fcvt_h_s, OP_fcvt_h_d, OP_illegal },
        };
        if (rs2 == 4) op = FMT(fround);
        else if (rs2 == 5) op = FMT(froundnx);
        else if (fmt < 3 && rs2 < 3) op = cvt[fmt][rs2];
        break;
    }
    case 0x50:
        if (f3 == 2) op = FMT(feq);
        else if (f3 == 1) op = FMT(flt);
        else if (f3 == 0) op = FMT(fle);
        else if (f3 == 5) op = FMT(fltq);
        else if (f3 == 4) op = FMT(fleq);
        break;
    case 0x60: {
        static const Op s[4] = { OP_fcvt_w_s, OP_fcvt_wu_s, OP_fcvt_l_s, OP_fcvt_lu_s };
        static const Op dd[4] = { OP_fcvt_w_d, OP_fcvt_wu_d, OP_fcvt_l_d, OP_fcvt_lu_d };
        static const Op h[4] = { OP_fcvt_w_h, OP_fcvt_wu_h, OP_fcvt_l_h, OP_fcvt_lu_h };
        if (rs2 < 4) op = by_fmt(fmt, s[rs2], dd[rs2], h[rs2]);
        /* fcvtmod.w.d: rm must be RTZ, the others are reserved (Zfa). */
        else if (rs2 == 8 && fmt == 1 && f3 == 1) op = OP_fcvtmod_w_d;
        break;
    }
    case 0x68: {
        static const Op s[4] = { OP_fcvt_s_w, OP_fcvt_s_wu, OP_fcvt_s_l, OP_fcvt_s_lu };
        static const Op dd[4] = { OP_fcvt_d_w, OP_fcvt_d_wu, OP_fcvt_d_l, OP_fcvt_d_lu };
        static const Op h[4] = { OP_fcvt_h_w, OP_fcvt_h_wu, OP_fcvt_h_l, OP_fcvt_h_lu };
        if (rs2 < 4) op = by_fmt(fmt, s[rs2], dd[rs2], h[rs2]);
        break;
    }
    case 0x70:
        if (rs2 == 0 && f3 == 0) op = by_fmt(fmt, OP_fmv_x_w, OP_fmv_x_d, OP_fmv_x_h);
        else if (rs2 == 0 && f3 == 1) op = FMT(fclass);
        break;
    case 0x78:
        if (rs2 == 0 && f3 == 0) op = by_fmt(fmt, OP_fmv_w_x, OP_fmv_d_x, OP_fmv_h_x);
        else if (rs2 == 1 && f3 == 0) op = FMT(fli);  /* rs1: the constant's index */
        break;
    default:
        break;
    }
    if (op != OP_illegal && uses_rm(op) && (f3 == 5 || f3 == 6))
        op = OP_illegal;
    set(d, op, rd, rs1, rs2, 0);
    d->rm = (uint8_t)f3;
}

static void decode32(uint32_t r, DecodedInsn *d)
{
    int rd = bits(r, 11, 7), rs1 = bits(r, 19, 15), rs2 = bits(r, 24, 20);
    unsigned f3 = bits(r, 14, 12), f7 = bits(r, 31, 25);
    int64_t imm_i = (int32_t)r >> 20;
    int64_t imm_s = ((int64_t)((int32_t)r >> 25) * 32) | bits(r, 11, 7);
    int64_t imm_b = sext(((uint64_t)bits(r, 31, 31) << 12) | (bits(r, 7, 7) << 11) |
                         (bits(r, 30, 25) << 5) | (bits(r, 11, 8) << 1), 13);
    int64_t imm_u = (int32_t)(r & 0xfffff000u);
    int64_t imm_j = sext(((uint64_t)bits(r, 31, 31) << 20) | (bits(r, 19, 12) << 12) |
                         (bits(r, 20, 20) << 11) | (bits(r, 30, 21) << 1), 21);

    switch (r & 0x7f) {
    case 0x37: set(d, OP_lui, rd, 0, 0, imm_u); return;
    case 0x17: set(d, OP_auipc, rd, 0, 0, imm_u); return;
    case 0x6f: set(d, OP_jal, rd, 0, 0, imm_j); return;
    case 0x67: if (f3 == 0) set(d, OP_jalr, rd, rs1, 0, imm_i); return;
    case 0x63: {
        static const Op b[8] = { OP_beq, OP_bne, OP_illegal, OP_illegal,
                                 OP_blt, OP_bge, OP_bltu, OP_bgeu };
        set(d, b[f3], 0, rs1, rs2, imm_b);
        return;
    }
    case 0x03: {
        static const Op l[8] = { OP_lb, OP_lh, OP_lw, OP_ld, OP_lbu, OP_lhu, OP_lwu, OP_illegal };
        set(d, l[f3], rd, rs1, 0, imm_i);
        return;
    }
    case 0x23: {
        static const Op s[8] = { OP_sb, OP_sh, OP_sw, OP_sd,
                                 OP_illegal, OP_illegal, OP_illegal, OP_illegal };
        set(d, s[f3], 0, rs1, rs2, imm_s);
        return;
    }
    case 0x13: {
        unsigned sh = bits(r, 25, 20), f6 = bits(r, 31, 26), f12 = bits(r, 31, 20);
        switch (f3) {
        case 0: set(d, OP_addi, rd, rs1, 0, imm_i); return;
        case 1:
            if (f6 == 0) set(d, OP_slli, rd, rs1, 0, sh);
            else if (f6 == 0x0a) set(d, OP_bseti, rd, rs1, 0, sh);
            else if (f6 == 0x12) set(d, OP_bclri, rd, rs1, 0, sh);
            else if (f6 == 0x1a) set(d, OP_binvi, rd, rs1, 0, sh);
            else if (f12 == 0x600) set(d, OP_clz, rd, rs1, 0, 0);
            else if (f12 == 0x601) set(d, OP_ctz, rd, rs1, 0, 0);
            else if (f12 == 0x602) set(d, OP_cpop, rd, rs1, 0, 0);
            else if (f12 == 0x604) set(d, OP_sext_b, rd, rs1, 0, 0);
            else if (f12 == 0x605) set(d, OP_sext_h, rd, rs1, 0, 0);
            return;
        case 2: set(d, OP_slti, rd, rs1, 0, imm_i); return;
        case 3: set(d, OP_sltiu, rd, rs1, 0, imm_i); return;
        case 4: set(d, OP_xori, rd, rs1, 0, imm_i); return;
        case 5:
            if (f6 == 0) set(d, OP_srli, rd, rs1, 0, sh);
            else if (f6 == 0x10) set(d, OP_srai, rd, rs1, 0, sh);
            else if (f6 == 0x18) set(d, OP_rori, rd, rs1, 0, sh);
            else if (f6 == 0x12) set(d, OP_bexti, rd, rs1, 0, sh);
            else if (f12 == 0x287) set(d, OP_orc_b, rd, rs1, 0, 0);
            else if (f12 == 0x6b8) set(d, OP_rev8, rd, rs1, 0, 0);
            else if (f12 == 0x687) set(d, OP_brev8, rd, rs1, 0, 0);
            return;
        case 6: set(d, OP_ori, rd, rs1, 0, imm_i); return;
        case 7: set(d, OP_andi, rd, rs1, 0, imm_i); return;
        }
        return;
    }
    case 0x1b: {
        unsigned sh = bits(r, 24, 20), f12 = bits(r, 31, 20);
        if (f3 == 0) set(d, OP_addiw, rd, rs1, 0, imm_i);
        else if (f3 == 1 && f7 == 0) set(d, OP_slliw, rd, rs1, 0, sh);
        else if (f3 == 1 && bits(r, 31, 26) == 0x02) set(d, OP_slli_uw, rd, rs1, 0, bits(r, 25, 20));
        else if (f3 == 1 && f12 == 0x600) set(d, OP_clzw, rd, rs1, 0, 0);
        else if (f3 == 1 && f12 == 0x601) set(d, OP_ctzw, rd, rs1, 0, 0);
        else if (f3 == 1 && f12 == 0x602) set(d, OP_cpopw, rd, rs1, 0, 0);
        else if (f3 == 5 && f7 == 0) set(d, OP_srliw, rd, rs1, 0, sh);
        else if (f3 == 5 && f7 == 0x20) set(d, OP_sraiw, rd, rs1, 0, sh);
        else if (f3 == 5 && f7 == 0x30) set(d, OP_roriw, rd, rs1, 0, sh);
        return;
    }
    case 0x33: {
        static const Op base[8] = { OP_add, OP_sll, OP_slt, OP_sltu, OP_xor, OP_srl, OP_or, OP_and };
        static const Op mext[8] = { OP_mul, OP_mulh, OP_mulhsu, OP_mulhu,
                                    OP_div, OP_divu, OP_rem, OP_remu };
        /* Bit manipulation (Zb*) by funct7, then funct3; unlisted pairs stay illegal. */
        static const struct { uint8_t f7, f3; Op op; } zb[] = {
            { 0x20, 7, OP_andn }, { 0x20, 6, OP_orn }, { 0x20, 4, OP_xnor },
            { 0x05, 4, OP_min }, { 0x05, 5, OP_minu }, { 0x05, 6, OP_max }, { 0x05, 7, OP_maxu },
            { 0x05, 1, OP_clmul }, { 0x05, 3, OP_clmulh }, { 0x05, 2, OP_clmulr },
            { 0x30, 1, OP_rol }, { 0x30, 5, OP_ror },
            { 0x10, 2, OP_sh1add }, { 0x10, 4, OP_sh2add }, { 0x10, 6, OP_sh3add },
            { 0x24, 1, OP_bclr }, { 0x24, 5, OP_bext }, { 0x34, 1, OP_binv }, { 0x14, 1, OP_bset },
            { 0x14, 2, OP_xperm4 }, { 0x14, 4, OP_xperm8 },
            { 0x04, 4, OP_pack }, { 0x04, 7, OP_packh },
            { 0x07, 5, OP_czero_eqz }, { 0x07, 7, OP_czero_nez },
        };
        if (f7 == 0) set(d, base[f3], rd, rs1, rs2, 0);
        else if (f7 == 1) set(d, mext[f3], rd, rs1, rs2, 0);
        else if (f7 == 0x20 && f3 == 0) set(d, OP_sub, rd, rs1, rs2, 0);
        else if (f7 == 0x20 && f3 == 5) set(d, OP_sra, rd, rs1, rs2, 0);
        else
            for (size_t i = 0; i < sizeof(zb) / sizeof(zb[0]); i++)
                if (zb[i].f7 == f7 && zb[i].f3 == f3)
                    set(d, zb[i].op, rd, rs1, rs2, 0);
        return;
    }
    case 0x3b: {
        static const Op mw[8] = { OP_mulw, OP_illegal, OP_illegal, OP_illegal,
                                  OP_divw, OP_divuw, OP_remw, OP_remuw };
        if (f7 == 0 && f3 == 0) set(d, OP_addw, rd, rs1, rs2, 0);
        else if (f7 == 0 && f3 == 1) set(d, OP_sllw, rd, rs1, rs2, 0);
        else if (f7 == 0 && f3 == 5) set(d, OP_srlw, rd, rs1, rs2, 0);
        else if (f7 == 0x20 && f3 == 0) set(d, OP_subw, rd, rs1, rs2, 0);
        else if (f7 == 0x20 && f3 == 5) set(d, OP_sraw, rd, rs1, rs2, 0);
        else if (f7 == 1) set(d, mw[f3], rd, rs1, rs2, 0);
        else if (f7 == 0x04 && f3 == 0) set(d, OP_add_uw, rd, rs1, rs2, 0);
        else if (f7 == 0x10 && f3 == 2) set(d, OP_sh1add_uw, rd, rs1, rs2, 0);
        else if (f7 == 0x10 && f3 == 4) set(d, OP_sh2add_uw, rd, rs1, rs2, 0);
        else if (f7 == 0x10 && f3 == 6) set(d, OP_sh3add_uw, rd, rs1, rs2, 0);
        else if (f7 == 0x30 && f3 == 1) set(d, OP_rolw, rd, rs1, rs2, 0);
        else if (f7 == 0x30 && f3 == 5) set(d, OP_rorw, rd, rs1, rs2, 0);
        /* zext.h is packw with rs2 = x0: Zbb has only that form. */
        else if (f7 == 0x04 && f3 == 4) set(d, rs2 ? OP_packw : OP_zext_h, rd, rs1, rs2, 0);
        return;
    }
    case 0x0f:
        /* FENCE (pause is a FENCE hint) and FENCE.I; unused fields are ignored
         * as the spec reserves them for future fences. */
        if (f3 == 0) set(d, OP_fence, 0, 0, 0, 0);
        else if (f3 == 1) set(d, OP_fence_i, 0, 0, 0, 0);
        else if (f3 == 2 && rd == 0) {
            switch (bits(r, 31, 20)) {
            case 0: set(d, OP_cbo_inval, 0, rs1, 0, 0); break;
            case 1: set(d, OP_cbo_clean, 0, rs1, 0, 0); break;
            case 2: set(d, OP_cbo_flush, 0, rs1, 0, 0); break;
            case 4: set(d, OP_cbo_zero, 0, rs1, 0, 0); break;
            }
        }
        return;
    case 0x73:
        if (f3 == 0) {
            if (r == 0x00000073) set(d, OP_ecall, 0, 0, 0, 0);
            else if (r == 0x00100073) set(d, OP_ebreak, 0, 0, 0, 0);
            else if (r == 0x30200073) set(d, OP_mret, 0, 0, 0, 0);
            else if (r == 0x10200073) set(d, OP_sret, 0, 0, 0, 0);
            else if (r == 0x10500073) set(d, OP_wfi, 0, 0, 0, 0);
            else if (f7 == 0x09 && rd == 0) set(d, OP_sfence_vma, 0, rs1, rs2, 0);
            else if (f7 == 0x0b && rd == 0) set(d, OP_sinval_vma, 0, rs1, rs2, 0);
            else if (r == 0x18000073) set(d, OP_sfence_w_inval, 0, 0, 0, 0);
            else if (r == 0x18100073) set(d, OP_sfence_inval_ir, 0, 0, 0, 0);
            return;
        }
        {
            static const Op c[8] = { OP_illegal, OP_csrrw, OP_csrrs, OP_csrrc,
                                     OP_illegal, OP_csrrwi, OP_csrrsi, OP_csrrci };
            set(d, c[f3], rd, rs1, 0, bits(r, 31, 20));
        }
        return;
    case 0x2f: {
        unsigned f5 = bits(r, 31, 27);
        Op op = OP_illegal;
        if (f3 != 2 && f3 != 3)
            return;
        bool dw = f3 == 3;
        switch (f5) {
        case 0x02: if (rs2 == 0) op = dw ? OP_lr_d : OP_lr_w; break;
        case 0x03: op = dw ? OP_sc_d : OP_sc_w; break;
        case 0x01: op = dw ? OP_amoswap_d : OP_amoswap_w; break;
        case 0x00: op = dw ? OP_amoadd_d : OP_amoadd_w; break;
        case 0x04: op = dw ? OP_amoxor_d : OP_amoxor_w; break;
        case 0x0c: op = dw ? OP_amoand_d : OP_amoand_w; break;
        case 0x08: op = dw ? OP_amoor_d : OP_amoor_w; break;
        case 0x10: op = dw ? OP_amomin_d : OP_amomin_w; break;
        case 0x14: op = dw ? OP_amomax_d : OP_amomax_w; break;
        case 0x18: op = dw ? OP_amominu_d : OP_amominu_w; break;
        case 0x1c: op = dw ? OP_amomaxu_d : OP_amomaxu_w; break;
        default: break;
        }
        set(d, op, rd, rs1, rs2, 0);
        return;
    }
    case 0x07:
        if (f3 == 1) set(d, OP_flh, rd, rs1, 0, imm_i);
        else if (f3 == 2) set(d, OP_flw, rd, rs1, 0, imm_i);
        else if (f3 == 3) set(d, OP_fld, rd, rs1, 0, imm_i);
        return;
    case 0x27:
        if (f3 == 1) set(d, OP_fsh, 0, rs1, rs2, imm_s);
        else if (f3 == 2) set(d, OP_fsw, 0, rs1, rs2, imm_s);
        else if (f3 == 3) set(d, OP_fsd, 0, rs1, rs2, imm_s);
        return;
    case 0x43: case 0x47: case 0x4b: case 0x4f: {
        unsigned fmt = bits(r, 26, 25);
        static const Op s[4] = { OP_fmadd_s, OP_fmsub_s, OP_fnmsub_s, OP_fnmadd_s };
        static const Op dd[4] = { OP_fmadd_d, OP_fmsub_d, OP_fnmsub_d, OP_fnmadd_d };
        static const Op h[4] = { OP_fmadd_h, OP_fmsub_h, OP_fnmsub_h, OP_fnmadd_h };
        unsigned k = ((r & 0x7f) - 0x43) >> 2;
        if (fmt > 2 || f3 == 5 || f3 == 6)
            return;
        set(d, by_fmt(fmt, s[k], dd[k], h[k]), rd, rs1, rs2, 0);
        d->rs3 = (uint8_t)bits(r, 31, 27);
        d->rm = (uint8_t)f3;
        return;
    }
    case 0x53:
        decode_op_fp(r, d);
        return;
    default:
        return;
    }
}

static void decode16(uint32_t r, DecodedInsn *d)
{
    int rdp = 8 + bits(r, 4, 2), rs1p = 8 + bits(r, 9, 7);
    int rd = bits(r, 11, 7), rs2 = bits(r, 6, 2);
    unsigned f3 = bits(r, 15, 13);
    int64_t imm6 = sext((bits(r, 12, 12) << 5) | bits(r, 6, 2), 6);
    unsigned sh = (bits(r, 12, 12) << 5) | bits(r, 6, 2);

    switch (r & 3) {
    case 0: {
        unsigned uw = (bits(r, 12, 10) << 3) | (bits(r, 6, 6) << 2) | (bits(r, 5, 5) << 6);
        unsigned ud = (bits(r, 12, 10) << 3) | (bits(r, 6, 5) << 6);
        switch (f3) {
        case 0: {
            unsigned nz = (bits(r, 12, 11) << 4) | (bits(r, 10, 7) << 6) |
                          (bits(r, 6, 6) << 2) | (bits(r, 5, 5) << 3);
            if (nz) set(d, OP_addi, rdp, 2, 0, nz);
            return;
        }
        case 1: set(d, OP_fld, rdp, rs1p, 0, ud); return;
        case 2: set(d, OP_lw, rdp, rs1p, 0, uw); return;
        case 3: set(d, OP_ld, rdp, rs1p, 0, ud); return;
        case 5: set(d, OP_fsd, 0, rs1p, rdp, ud); return;
        case 6: set(d, OP_sw, 0, rs1p, rdp, uw); return;
        case 7: set(d, OP_sd, 0, rs1p, rdp, ud); return;
        default: return;
        }
    }
    case 1:
        switch (f3) {
        case 0: set(d, OP_addi, rd, rd, 0, imm6); return;
        case 1: if (rd) set(d, OP_addiw, rd, rd, 0, imm6); return;
        case 2: set(d, OP_addi, rd, 0, 0, imm6); return;
        case 3:
            if (rd == 2) {
                int64_t nz = sext((bits(r, 12, 12) << 9) | (bits(r, 6, 6) << 4) |
                                  (bits(r, 5, 5) << 6) | (bits(r, 4, 3) << 7) |
                                  (bits(r, 2, 2) << 5), 10);
                if (nz) set(d, OP_addi, 2, 2, 0, nz);
            } else {
                int64_t nz = sext(((uint64_t)bits(r, 12, 12) << 17) | (bits(r, 6, 2) << 12), 18);
                if (nz) set(d, OP_lui, rd, 0, 0, nz);
            }
            return;
        case 4:
            switch (bits(r, 11, 10)) {
            case 0: set(d, OP_srli, rs1p, rs1p, 0, sh); return;
            case 1: set(d, OP_srai, rs1p, rs1p, 0, sh); return;
            case 2: set(d, OP_andi, rs1p, rs1p, 0, imm6); return;
            default: {
                static const Op a[8] = { OP_sub, OP_xor, OP_or, OP_and,
                                         OP_subw, OP_addw, OP_illegal, OP_illegal };
                set(d, a[(bits(r, 12, 12) << 2) | bits(r, 6, 5)], rs1p, rs1p, rdp, 0);
                return;
            }
            }
        case 5: {
            int64_t off = sext((bits(r, 12, 12) << 11) | (bits(r, 11, 11) << 4) |
                               (bits(r, 10, 9) << 8) | (bits(r, 8, 8) << 10) |
                               (bits(r, 7, 7) << 6) | (bits(r, 6, 6) << 7) |
                               (bits(r, 5, 3) << 1) | (bits(r, 2, 2) << 5), 12);
            set(d, OP_jal, 0, 0, 0, off);
            return;
        }
        case 6: case 7: {
            int64_t off = sext((bits(r, 12, 12) << 8) | (bits(r, 11, 10) << 3) |
                               (bits(r, 6, 5) << 6) | (bits(r, 4, 3) << 1) |
                               (bits(r, 2, 2) << 5), 9);
            set(d, f3 == 6 ? OP_beq : OP_bne, 0, rs1p, 0, off);
            return;
        }
        }
        return;
    case 2: {
        unsigned ul = (bits(r, 12, 12) << 5) | (bits(r, 6, 4) << 2) | (bits(r, 3, 2) << 6);
        unsigned uld = (bits(r, 12, 12) << 5) | (bits(r, 6, 5) << 3) | (bits(r, 4, 2) << 6);
        unsigned usw = (bits(r, 12, 9) << 2) | (bits(r, 8, 7) << 6);
        unsigned usd = (bits(r, 12, 10) << 3) | (bits(r, 9, 7) << 6);
        switch (f3) {
        case 0: set(d, OP_slli, rd, rd, 0, sh); return;
        case 1: set(d, OP_fld, rd, 2, 0, uld); return;
        case 2: if (rd) set(d, OP_lw, rd, 2, 0, ul); return;
        case 3: if (rd) set(d, OP_ld, rd, 2, 0, uld); return;
        case 4:
            if (!bits(r, 12, 12)) {
                if (rs2 == 0) { if (rd) set(d, OP_jalr, 0, rd, 0, 0); }
                else set(d, OP_add, rd, 0, rs2, 0);
            } else {
                if (rd == 0 && rs2 == 0) set(d, OP_ebreak, 0, 0, 0, 0);
                else if (rs2 == 0) set(d, OP_jalr, 1, rd, 0, 0);
                else set(d, OP_add, rd, rd, rs2, 0);
            }
            return;
        case 5: set(d, OP_fsd, 0, 2, rs2, usd); return;
        case 6: set(d, OP_sw, 0, 2, rs2, usw); return;
        case 7: set(d, OP_sd, 0, 2, rs2, usd); return;
        }
        return;
    }
    }
}

void riscv_decode(uint32_t raw, DecodedInsn *d)
{
    memset(d, 0, sizeof(*d));
    d->op = OP_illegal;
    if ((raw & 3) == 3) {
        d->len = 4;
        d->raw = raw;
        decode32(raw, d);
    } else {
        d->len = 2;
        d->raw = raw & 0xffff;
        decode16(d->raw, d);
    }
    if (d->op == OP_illegal) {
        d->rd = d->rs1 = d->rs2 = d->rs3 = 0;
        d->imm = 0;
    } else if (insn_kind[d->op] == K_X && d->rd == 0) {
        d->rd = 32;
    }
}
