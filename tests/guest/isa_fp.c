/*
 * isa_fp: the F and D extensions (unpriv spec chapters 11 and 12).
 *
 * Every operation runs on a table of special operands and on a
 * deterministic pseudo-random sweep, in each static rounding mode and in
 * each dynamic mode (frm); the static and dynamic results must agree, and a
 * checksum of results and fflags is printed per operation and mode.  A
 * table of pinned-down cases (NaN boxing, canonical NaN, fmin/fmax, fcvt
 * saturation, fclass, fma, over/underflow) prints result and flags in hex
 * and checks them.  Operands go in and results come out as raw 64-bit
 * register images (fmv.d.x / fmv.x.d) so NaN boxing is visible.
 */
#include "rt.h"

enum { SRC_S, SRC_D, SRC_I };
enum { K_FFF, K_FF, K_FFFF, K_XFF, K_XF, K_FX };

/* X(id, mnemonic, kind, takes rm, source format) */
#define FP_OPS(X) \
    X(FADD_S, "fadd.s", K_FFF, 1, SRC_S)      X(FSUB_S, "fsub.s", K_FFF, 1, SRC_S)      \
    X(FMUL_S, "fmul.s", K_FFF, 1, SRC_S)      X(FDIV_S, "fdiv.s", K_FFF, 1, SRC_S)      \
    X(FSQRT_S, "fsqrt.s", K_FF, 1, SRC_S)     X(FMIN_S, "fmin.s", K_FFF, 0, SRC_S)      \
    X(FMAX_S, "fmax.s", K_FFF, 0, SRC_S)      X(FSGNJ_S, "fsgnj.s", K_FFF, 0, SRC_S)    \
    X(FSGNJN_S, "fsgnjn.s", K_FFF, 0, SRC_S)  X(FSGNJX_S, "fsgnjx.s", K_FFF, 0, SRC_S)  \
    X(FMADD_S, "fmadd.s", K_FFFF, 1, SRC_S)   X(FMSUB_S, "fmsub.s", K_FFFF, 1, SRC_S)   \
    X(FNMADD_S, "fnmadd.s", K_FFFF, 1, SRC_S) X(FNMSUB_S, "fnmsub.s", K_FFFF, 1, SRC_S) \
    X(FEQ_S, "feq.s", K_XFF, 0, SRC_S)        X(FLT_S, "flt.s", K_XFF, 0, SRC_S)        \
    X(FLE_S, "fle.s", K_XFF, 0, SRC_S)        X(FCLASS_S, "fclass.s", K_XF, 0, SRC_S)   \
    X(FCVT_W_S, "fcvt.w.s", K_XF, 1, SRC_S)   X(FCVT_WU_S, "fcvt.wu.s", K_XF, 1, SRC_S) \
    X(FCVT_L_S, "fcvt.l.s", K_XF, 1, SRC_S)   X(FCVT_LU_S, "fcvt.lu.s", K_XF, 1, SRC_S) \
    X(FMV_X_W, "fmv.x.w", K_XF, 0, SRC_S)     X(FCVT_S_W, "fcvt.s.w", K_FX, 1, SRC_I)   \
    X(FCVT_S_WU, "fcvt.s.wu", K_FX, 1, SRC_I) X(FCVT_S_L, "fcvt.s.l", K_FX, 1, SRC_I)   \
    X(FCVT_S_LU, "fcvt.s.lu", K_FX, 1, SRC_I) X(FMV_W_X, "fmv.w.x", K_FX, 0, SRC_I)     \
    X(FCVT_D_S, "fcvt.d.s", K_FF, 0, SRC_S)   X(FCVT_S_D, "fcvt.s.d", K_FF, 1, SRC_D)   \
    X(FADD_D, "fadd.d", K_FFF, 1, SRC_D)      X(FSUB_D, "fsub.d", K_FFF, 1, SRC_D)      \
    X(FMUL_D, "fmul.d", K_FFF, 1, SRC_D)      X(FDIV_D, "fdiv.d", K_FFF, 1, SRC_D)      \
    X(FSQRT_D, "fsqrt.d", K_FF, 1, SRC_D)     X(FMIN_D, "fmin.d", K_FFF, 0, SRC_D)      \
    X(FMAX_D, "fmax.d", K_FFF, 0, SRC_D)      X(FSGNJ_D, "fsgnj.d", K_FFF, 0, SRC_D)    \
    X(FSGNJN_D, "fsgnjn.d", K_FFF, 0, SRC_D)  X(FSGNJX_D, "fsgnjx.d", K_FFF, 0, SRC_D)  \
    X(FMADD_D, "fmadd.d", K_FFFF, 1, SRC_D)   X(FMSUB_D, "fmsub.d", K_FFFF, 1, SRC_D)   \
    X(FNMADD_D, "fnmadd.d", K_FFFF, 1, SRC_D) X(FNMSUB_D, "fnmsub.d", K_FFFF, 1, SRC_D) \
    X(FEQ_D, "feq.d", K_XFF, 0, SRC_D)        X(FLT_D, "flt.d", K_XFF, 0, SRC_D)        \
    X(FLE_D, "fle.d", K_XFF, 0, SRC_D)        X(FCLASS_D, "fclass.d", K_XF, 0, SRC_D)   \
    X(FCVT_W_D, "fcvt.w.d", K_XF, 1, SRC_D)   X(FCVT_WU_D, "fcvt.wu.d", K_XF, 1, SRC_D) \
    X(FCVT_L_D, "fcvt.l.d", K_XF, 1, SRC_D)   X(FCVT_LU_D, "fcvt.lu.d", K_XF, 1, SRC_D) \
    X(FMV_X_D, "fmv.x.d", K_XF, 0, SRC_D)     X(FCVT_D_W, "fcvt.d.w", K_FX, 0, SRC_I)   \
    X(FCVT_D_WU, "fcvt.d.wu", K_FX, 0, SRC_I) X(FCVT_D_L, "fcvt.d.l", K_FX, 1, SRC_I)   \
    X(FCVT_D_LU, "fcvt.d.lu", K_FX, 1, SRC_I) X(FMV_D_X, "fmv.d.x", K_FX, 0, SRC_I)

#define X_ENUM(id, mn, kind, rm, src) id,
enum { FP_OPS(X_ENUM) NOPS };

typedef struct OpInfo { const char *name; int kind, has_rm, src; } OpInfo;
#define X_INFO(id, mn, kind, rm, src) { mn, kind, rm, src },
static const OpInfo ops[] = { FP_OPS(X_INFO) };

#define RM_1(rm) ", " rm
#define RM_0(rm) ""
#define ASM_K_FFF(mn, rm)  "fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\t" mn " ft2, ft0, ft1" rm "\n\tfmv.x.d %0, ft2"
#define ASM_K_FF(mn, rm)   "fmv.d.x ft0, %1\n\t" mn " ft2, ft0" rm "\n\tfmv.x.d %0, ft2"
#define ASM_K_FFFF(mn, rm) "fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\tfmv.d.x ft3, %3\n\t" \
                           mn " ft2, ft0, ft1, ft3" rm "\n\tfmv.x.d %0, ft2"
#define ASM_K_XFF(mn, rm)  "fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\t" mn " %0, ft0, ft1" rm
#define ASM_K_XF(mn, rm)   "fmv.d.x ft0, %1\n\t" mn " %0, ft0" rm
#define ASM_K_FX(mn, rm)   mn " ft2, %1" rm "\n\tfmv.x.d %0, ft2"

#define X_CASE(id, mn, kind, hasrm, src)                                        \
    case id:                                                                    \
        __asm__ volatile(ASM_##kind(mn, RM_##hasrm(RM)) : "=&r"(r)              \
                         : "r"(a), "r"(b), "r"(c) : "ft0", "ft1", "ft2", "ft3"); \
        break;

#define EXEC_FN(fname, rmstr)                                                   \
    static uint64_t fname(int op, uint64_t a, uint64_t b, uint64_t c)          \
    {                                                                           \
        uint64_t r = 0;                                                         \
        switch (op) {                                                           \
            FP_OPS(X_CASE)                                                      \
        }                                                                       \
        return r;                                                               \
    }

#define RM "rne"
EXEC_FN(exec_rne, RM)
#undef RM
#define RM "rtz"
EXEC_FN(exec_rtz, RM)
#undef RM
#define RM "rdn"
EXEC_FN(exec_rdn, RM)
#undef RM
#define RM "rup"
EXEC_FN(exec_rup, RM)
#undef RM
#define RM "rmm"
EXEC_FN(exec_rmm, RM)
#undef RM
#define RM "dyn"
EXEC_FN(exec_dyn, RM)
#undef RM

typedef uint64_t (*ExecFn)(int, uint64_t, uint64_t, uint64_t);
static const ExecFn exec_static[5] = { exec_rne, exec_rtz, exec_rdn, exec_rup, exec_rmm };
static const char *const rm_name[5] = { "rne", "rtz", "rdn", "rup", "rmm" };

#define BOX(x) (0xffffffff00000000ULL | (uint32_t)(x))

static const uint64_t vals_s[] = {
    BOX(0x00000000), BOX(0x80000000), BOX(0x3f800000), BOX(0xbf800000),
    BOX(0x40000000), BOX(0x7f800000), BOX(0xff800000), BOX(0x7fc00000),
    BOX(0x7f800001), BOX(0xffc00001), BOX(0x00000001), BOX(0x007fffff),
    BOX(0x00800000), BOX(0x7f7fffff), BOX(0x3eaaaaab), BOX(0x3fc00000),
    BOX(0x40200000), BOX(0xc0200000), BOX(0x3f000000), BOX(0xbf000000),
    BOX(0x4f000000), BOX(0xcf000000), BOX(0x4f800000), BOX(0x5f000000),
    BOX(0x5f800000), BOX(0x4b800001), BOX(0x80800000), 0x000000003f800000,
};
static const uint64_t vals_d[] = {
    0, 0x8000000000000000, 0x3ff0000000000000, 0xbff0000000000000,
    0x4000000000000000, 0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000,
    0x7ff0000000000001, 0xfff8000000000001, 1, 0x000fffffffffffff,
    0x0010000000000000, 0x7fefffffffffffff, 0x3fd5555555555555, 0x3ff8000000000000,
    0x4004000000000000, 0xc004000000000000, 0x3fe0000000000000, 0xbfe0000000000000,
    0x41e0000000000000, 0xc1e0000000100000, 0x41f0000000000000, 0x43e0000000000000,
    0x43f0000000000000, 0xc3e0000000000000, 0x47efffffe0000000, 0x36a0000000000000,
};
static const uint64_t vals_i[] = {
    0, 1, ~0UL, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0xffffffff80000000,
    0x7fffffffffffffff, 0x8000000000000000, 0x1000001, 0x20000000000001,
    0x123456789abcdef0, 0xfffffffffffffffe, 0x100000001, 0x7fffff80,
};
#define NV(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t total;

static const uint64_t *src_vals(int src, unsigned *n)
{
    switch (src) {
    case SRC_S: *n = NV(vals_s); return vals_s;
    case SRC_D: *n = NV(vals_d); return vals_d;
    default:    *n = NV(vals_i); return vals_i;
    }
}

/* Random operand in the op's source format, biased towards interesting exponents. */
static uint64_t rand_operand(int src, uint64_t *seed)
{
    uint64_t r = rt_rand(seed), sel = rt_rand(seed) & 7;
    switch (src) {
    case SRC_S: {
        uint32_t v = (uint32_t)r;
        if (sel < 3)   /* exponent near 127 */
            v = (v & 0x807fffff) | (uint32_t)((120 + (r >> 40) % 16) << 23);
        else if (sel == 3)
            v &= 0x807fffff;           /* subnormal */
        else if (sel == 4)
            v |= 0x7f800000;           /* inf / NaN */
        return BOX(v);
    }
    case SRC_D:
        if (sel < 3)
            r = (r & 0x800fffffffffffff) | ((1016 + (r >> 52) % 16) << 52);
        else if (sel == 3)
            r &= 0x800fffffffffffff;
        else if (sel == 4)
            r |= 0x7ff0000000000000;
        return r;
    default:
        return sel < 4 ? r : (uint64_t)(int64_t)(int32_t)r >> (sel & 3);
    }
}

#define FP_SWEEP_RANDOM 256
#include "fp_sweep.h"

static void test_sweeps(void)
{
    for (int op = 0; op < NOPS; op++) {
        if (!ops[op].has_rm) {
            uint64_t h = sweep(op, 0);
            rt_printf("%-10s     %016lx\n", ops[op].name, h);
            total = rt_mix(total, h);
            continue;
        }
        for (int rm = 0; rm < 5; rm++) {
            uint64_t h = sweep(op, rm);
            rt_printf("%-10s %s %016lx\n", ops[op].name, rm_name[rm], h);
            total = rt_mix(total, h);
        }
    }
}

enum { F_NX = 1, F_UF = 2, F_OF = 4, F_DZ = 8, F_NV = 16 };
enum { RNE, RTZ, RDN, RUP, RMM };

typedef struct Case {
    const char *what;
    int op, rm;
    uint64_t a, b, c, want, flags;
} Case;

#define QNAN_S BOX(0x7fc00000)
#define SNAN_S BOX(0x7f800001)
#define ONE_S  BOX(0x3f800000)
#define QNAN_D 0x7ff8000000000000ULL
#define SNAN_D 0x7ff0000000000001ULL
#define ONE_D  0x3ff0000000000000ULL
#define UNBOXED 0x000000003f800000ULL

static const Case cases[] = {
    { "1/0", FDIV_S, RNE, ONE_S, BOX(0), 0, BOX(0x7f800000), F_DZ },
    { "0/0", FDIV_S, RNE, BOX(0), BOX(0), 0, QNAN_S, F_NV },
    { "sqrt(-1)", FSQRT_S, RNE, BOX(0xbf800000), 0, 0, QNAN_S, F_NV },
    { "inf-inf", FSUB_S, RNE, BOX(0x7f800000), BOX(0x7f800000), 0, QNAN_S, F_NV },
    { "snan+1", FADD_S, RNE, SNAN_S, ONE_S, 0, QNAN_S, F_NV },
    { "-qnan(payload)+1", FADD_S, RNE, BOX(0xffc00001), ONE_S, 0, QNAN_S, 0 },
    { "fmin(-0,+0)", FMIN_S, RNE, BOX(0x80000000), BOX(0), 0, BOX(0x80000000), 0 },
    { "fmax(-0,+0)", FMAX_S, RNE, BOX(0x80000000), BOX(0), 0, BOX(0), 0 },
    { "fmin(qnan,1)", FMIN_S, RNE, QNAN_S, ONE_S, 0, ONE_S, 0 },
    { "fmin(snan,1)", FMIN_S, RNE, SNAN_S, ONE_S, 0, ONE_S, F_NV },
    { "fmax(qnan,qnan)", FMAX_S, RNE, BOX(0xffc00001), QNAN_S, 0, QNAN_S, 0 },
    { "fmax(snan,snan)", FMAX_S, RNE, SNAN_S, SNAN_S, 0, QNAN_S, F_NV },
    { "fcvt.w.s(nan)", FCVT_W_S, RNE, QNAN_S, 0, 0, 0x7fffffff, F_NV },
    { "fcvt.w.s(-nan)", FCVT_W_S, RNE, BOX(0xffc00001), 0, 0, 0x7fffffff, F_NV },
    { "fcvt.w.s(inf)", FCVT_W_S, RNE, BOX(0x7f800000), 0, 0, 0x7fffffff, F_NV },
    { "fcvt.w.s(-inf)", FCVT_W_S, RNE, BOX(0xff800000), 0, 0, 0xffffffff80000000, F_NV },
    { "fcvt.w.s(3e9)", FCVT_W_S, RNE, BOX(0x4f32d05e), 0, 0, 0x7fffffff, F_NV },
    { "fcvt.w.s(-2^31)", FCVT_W_S, RNE, BOX(0xcf000000), 0, 0, 0xffffffff80000000, 0 },
    { "fcvt.wu.s(-1)", FCVT_WU_S, RNE, BOX(0xbf800000), 0, 0, 0, F_NV },
    { "fcvt.wu.s(-0.5) rtz", FCVT_WU_S, RTZ, BOX(0xbf000000), 0, 0, 0, F_NX },
    { "fcvt.wu.s(2^32)", FCVT_WU_S, RNE, BOX(0x4f800000), 0, 0, ~0UL, F_NV },
    { "fcvt.wu.s(3e9)", FCVT_WU_S, RNE, BOX(0x4f32d05e), 0, 0, 0xffffffffb2d05e00, 0 },
    { "fcvt.l.s(nan)", FCVT_L_S, RNE, QNAN_S, 0, 0, 0x7fffffffffffffff, F_NV },
    { "fcvt.l.s(2^63)", FCVT_L_S, RNE, BOX(0x5f000000), 0, 0, 0x7fffffffffffffff, F_NV },
    { "fcvt.lu.s(-inf)", FCVT_LU_S, RNE, BOX(0xff800000), 0, 0, 0, F_NV },
    { "fcvt.lu.s(2^64)", FCVT_LU_S, RNE, BOX(0x5f800000), 0, 0, ~0UL, F_NV },
    { "fcvt.w.s(2.5) rne", FCVT_W_S, RNE, BOX(0x40200000), 0, 0, 2, F_NX },
    { "fcvt.w.s(2.5) rmm", FCVT_W_S, RMM, BOX(0x40200000), 0, 0, 3, F_NX },
    { "fcvt.w.s(-2.5) rdn", FCVT_W_S, RDN, BOX(0xc0200000), 0, 0, -3UL, F_NX },
    { "fcvt.w.s(-2.5) rup", FCVT_W_S, RUP, BOX(0xc0200000), 0, 0, -2UL, F_NX },
    { "fcvt.w.s(-2.5) rtz", FCVT_W_S, RTZ, BOX(0xc0200000), 0, 0, -2UL, F_NX },
    { "fcvt.s.w(2^31-1)", FCVT_S_W, RNE, 0x7fffffff, 0, 0, BOX(0x4f000000), F_NX },
    { "fcvt.s.wu(2^32-1)", FCVT_S_WU, RNE, 0xffffffff, 0, 0, BOX(0x4f800000), F_NX },
    { "fcvt.s.w(hi bits)", FCVT_S_W, RNE, 0x1234567800000001, 0, 0, ONE_S, 0 },
    { "fcvt.s.l(-1)", FCVT_S_L, RNE, ~0UL, 0, 0, BOX(0xbf800000), 0 },
    { "fcvt.s.lu(2^64-1)", FCVT_S_LU, RNE, ~0UL, 0, 0, BOX(0x5f800000), F_NX },
    { "fcvt.s.lu(2^64-1) rtz", FCVT_S_LU, RTZ, ~0UL, 0, 0, BOX(0x5f7fffff), F_NX },
    { "fclass.s(-inf)", FCLASS_S, RNE, BOX(0xff800000), 0, 0, 0x001, 0 },
    { "fclass.s(-1)", FCLASS_S, RNE, BOX(0xbf800000), 0, 0, 0x002, 0 },
    { "fclass.s(-sub)", FCLASS_S, RNE, BOX(0x80000001), 0, 0, 0x004, 0 },
    { "fclass.s(-0)", FCLASS_S, RNE, BOX(0x80000000), 0, 0, 0x008, 0 },
    { "fclass.s(+0)", FCLASS_S, RNE, BOX(0), 0, 0, 0x010, 0 },
    { "fclass.s(+sub)", FCLASS_S, RNE, BOX(0x007fffff), 0, 0, 0x020, 0 },
    { "fclass.s(1)", FCLASS_S, RNE, ONE_S, 0, 0, 0x040, 0 },
    { "fclass.s(inf)", FCLASS_S, RNE, BOX(0x7f800000), 0, 0, 0x080, 0 },
    { "fclass.s(snan)", FCLASS_S, RNE, SNAN_S, 0, 0, 0x100, 0 },
    { "fclass.s(qnan)", FCLASS_S, RNE, QNAN_S, 0, 0, 0x200, 0 },
    /* NaN boxing (unpriv 12.2): an improperly boxed single is the canonical NaN... */
    { "unboxed+1", FADD_S, RNE, UNBOXED, ONE_S, 0, QNAN_S, 0 },
    { "fclass.s(unboxed)", FCLASS_S, RNE, UNBOXED, 0, 0, 0x200, 0 },
    { "fsgnj.s(unboxed,1)", FSGNJ_S, RNE, UNBOXED, ONE_S, 0, QNAN_S, 0 },
    { "fsgnjn.s(1,unboxed)", FSGNJN_S, RNE, ONE_S, UNBOXED, 0, BOX(0xbf800000), 0 },
    { "fcvt.d.s(unboxed)", FCVT_D_S, RNE, UNBOXED, 0, 0, QNAN_D, 0 },
    { "feq.s(unboxed,unboxed)", FEQ_S, RNE, UNBOXED, UNBOXED, 0, 0, 0 },
    { "fcvt.w.s(unboxed)", FCVT_W_S, RNE, UNBOXED, 0, 0, 0x7fffffff, F_NV },
    /* ...but transfers move raw bits: fmv.x.w sign-extends the low word. */
    { "fmv.x.w(unboxed)", FMV_X_W, RNE, 0x1234567887654321, 0, 0, 0xffffffff87654321, 0 },
    { "fmv.w.x boxes", FMV_W_X, RNE, 0x123456783f800000, 0, 0, ONE_S, 0 },
    { "feq.s(qnan,1)", FEQ_S, RNE, QNAN_S, ONE_S, 0, 0, 0 },
    { "feq.s(snan,1)", FEQ_S, RNE, SNAN_S, ONE_S, 0, 0, F_NV },
    { "flt.s(qnan,1)", FLT_S, RNE, QNAN_S, ONE_S, 0, 0, F_NV },
    { "fle.s(-0,+0)", FLE_S, RNE, BOX(0x80000000), BOX(0), 0, 1, 0 },
    { "flt.s(-0,+0)", FLT_S, RNE, BOX(0x80000000), BOX(0), 0, 0, 0 },
    { "fma(inf,0,qnan)", FMADD_S, RNE, BOX(0x7f800000), BOX(0), QNAN_S, QNAN_S, F_NV },
    { "fma(1,1,-1) rne", FMADD_S, RNE, ONE_S, ONE_S, BOX(0xbf800000), BOX(0), 0 },
    { "fma(1,1,-1) rdn", FMADD_S, RDN, ONE_S, ONE_S, BOX(0xbf800000), BOX(0x80000000), 0 },
    { "fmsub(1,2,3)", FMSUB_S, RNE, ONE_S, BOX(0x40000000), BOX(0x40400000), BOX(0xbf800000), 0 },
    { "fnmadd(1,2,3)", FNMADD_S, RNE, ONE_S, BOX(0x40000000), BOX(0x40400000), BOX(0xc0a00000), 0 },
    { "fnmsub(1,2,3)", FNMSUB_S, RNE, ONE_S, BOX(0x40000000), BOX(0x40400000), ONE_S, 0 },
    { "max*2 rne", FMUL_S, RNE, BOX(0x7f7fffff), BOX(0x40000000), 0, BOX(0x7f800000), F_OF | F_NX },
    { "max*2 rtz", FMUL_S, RTZ, BOX(0x7f7fffff), BOX(0x40000000), 0, BOX(0x7f7fffff), F_OF | F_NX },
    { "-max*2 rup", FMUL_S, RUP, BOX(0xff7fffff), BOX(0x40000000), 0, BOX(0xff7fffff), F_OF | F_NX },
    { "minnorm*0.5 exact", FMUL_S, RNE, BOX(0x00800000), BOX(0x3f000000), 0, BOX(0x00400000), 0 },
    { "minsub*0.5 rne", FMUL_S, RNE, BOX(0x00000001), BOX(0x3f000000), 0, BOX(0), F_UF | F_NX },
    { "minsub*0.5 rup", FMUL_S, RUP, BOX(0x00000001), BOX(0x3f000000), 0, BOX(1), F_UF | F_NX },
    { "fcvt.s.d(1/3)", FCVT_S_D, RNE, 0x3fd5555555555555, 0, 0, BOX(0x3eaaaaab), F_NX },
    { "fcvt.s.d(snan)", FCVT_S_D, RNE, SNAN_D, 0, 0, QNAN_S, F_NV },
    { "fcvt.s.d(max)", FCVT_S_D, RNE, 0x7fefffffffffffff, 0, 0, BOX(0x7f800000), F_OF | F_NX },
    { "fcvt.d.s(snan)", FCVT_D_S, RNE, SNAN_S, 0, 0, QNAN_D, F_NV },
    { "1/0 d", FDIV_D, RNE, ONE_D, 0, 0, 0x7ff0000000000000, F_DZ },
    { "0/0 d", FDIV_D, RNE, 0, 0, 0, QNAN_D, F_NV },
    { "fmin.d(+0,-0)", FMIN_D, RNE, 0, 0x8000000000000000, 0, 0x8000000000000000, 0 },
    { "fmax.d(snan,1)", FMAX_D, RNE, SNAN_D, ONE_D, 0, ONE_D, F_NV },
    { "fsgnjx.d(-1,-1)", FSGNJX_D, RNE, 0xbff0000000000000, 0xbff0000000000000, 0, ONE_D, 0 },
    { "fcvt.w.d(nan)", FCVT_W_D, RNE, QNAN_D, 0, 0, 0x7fffffff, F_NV },
    { "fcvt.w.d(-2^31-.5) rtz", FCVT_W_D, RTZ, 0xc1e0000000100000, 0, 0, 0xffffffff80000000, F_NX },
    { "fcvt.w.d(-2^31-.5) rdn", FCVT_W_D, RDN, 0xc1e0000000100000, 0, 0, 0xffffffff80000000, F_NV },
    { "fcvt.w.d(2^31)", FCVT_W_D, RNE, 0x41e0000000000000, 0, 0, 0x7fffffff, F_NV },
    { "fcvt.wu.d(-0.5) rtz", FCVT_WU_D, RTZ, 0xbfe0000000000000, 0, 0, 0, F_NX },
    { "fcvt.wu.d(-0.5) rdn", FCVT_WU_D, RDN, 0xbfe0000000000000, 0, 0, 0, F_NV },
    { "fcvt.l.d(2^63)", FCVT_L_D, RNE, 0x43e0000000000000, 0, 0, 0x7fffffffffffffff, F_NV },
    { "fcvt.l.d(-2^63)", FCVT_L_D, RNE, 0xc3e0000000000000, 0, 0, 0x8000000000000000, 0 },
    { "fcvt.lu.d(2^64)", FCVT_LU_D, RNE, 0x43f0000000000000, 0, 0, ~0UL, F_NV },
    { "fcvt.lu.d(-nan)", FCVT_LU_D, RNE, 0xfff8000000000001, 0, 0, ~0UL, F_NV },
    { "fcvt.d.w(-1)", FCVT_D_W, RNE, 0xffffffff, 0, 0, 0xbff0000000000000, 0 },
    { "fcvt.d.wu(2^32-1)", FCVT_D_WU, RNE, ~0UL, 0, 0, 0x41efffffffe00000, 0 },
    { "fcvt.d.lu(2^64-1)", FCVT_D_LU, RNE, ~0UL, 0, 0, 0x43f0000000000000, F_NX },
    { "fclass.d(-sub)", FCLASS_D, RNE, 0x8000000000000001, 0, 0, 0x004, 0 },
    { "fclass.d(snan)", FCLASS_D, RNE, SNAN_D, 0, 0, 0x100, 0 },
    { "fclass.d(qnan)", FCLASS_D, RNE, QNAN_D, 0, 0, 0x200, 0 },
    { "fma.d(inf,0,qnan)", FMADD_D, RNE, 0x7ff0000000000000, 0, QNAN_D, QNAN_D, F_NV },
};

static void test_cases(void)
{
    for (unsigned i = 0; i < NV(cases); i++) {
        const Case *t = &cases[i];
        Res r = run(exec_static[t->rm], t->op, t->a, t->b, t->c);
        rt_printf("%-24s %016lx flags %02lx\n", t->what, r.r, r.flags);
        total = rt_mix(rt_mix(total, r.r), r.flags);
        if (r.r != t->want || r.flags != t->flags) {
            rt_printf("  want %016lx flags %02lx\n", t->want, t->flags);
            rt_check_fail(__FILE__, __LINE__, t->what);
        }
    }
}

#define MSTATUS_FS (3UL << 13)
#define MSTATUS_SD (1UL << 63)

static void test_csrs(void)
{
    uint64_t v;
    csr_write(fcsr, ~0UL);
    v = csr_read(fcsr);
    rt_printf("fcsr after writing ~0     %016lx\n", v);
    CHECK_EQ(v, 0xff);
    CHECK_EQ(csr_read(frm), 7);
    CHECK_EQ(csr_read(fflags), 0x1f);
    csr_write(fcsr, 0);
    /* Reserved rounding modes in frm make dynamic-rm instructions illegal. */
    for (uint64_t rm = 5; rm < 8; rm++) {
        csr_write(frm, rm);
        rt_expect_trap();
        exec_dyn(FADD_S, ONE_S, ONE_S, 0);
        rt_disarm();
        rt_printf("fadd.s dyn with frm=%lu: cause %lx\n", rm, rt_trap.cause);
        CHECK_EQ(rt_trap.cause, 2);
    }
    csr_write(frm, 0);
    /* Writing an f register makes FS Dirty, and SD follows FS (priv 3.1.6.6). */
    csr_clear(mstatus, MSTATUS_FS);
    csr_set(mstatus, 1UL << 13);
    v = csr_read(mstatus);
    rt_printf("FS initial: FS %lx SD %lx\n", (v & MSTATUS_FS) >> 13, v >> 63);
    exec_dyn(FADD_D, ONE_D, ONE_D, 0);
    v = csr_read(mstatus);
    rt_printf("after fadd.d: FS %lx SD %lx\n", (v & MSTATUS_FS) >> 13, v >> 63);
    CHECK_EQ((v & MSTATUS_FS) >> 13, 3);
    CHECK_EQ(v >> 63, 1);
    /* flw NaN-boxes; fsw stores the low word of whatever the register holds. */
    static uint32_t word = 0x40490fdb;
    static uint64_t dword;
    uint64_t boxed;
    __asm__ volatile("flw ft0, %1\n\tfmv.x.d %0, ft0" : "=r"(boxed) : "m"(word) : "ft0");
    rt_printf("flw -> %016lx\n", boxed);
    CHECK_EQ(boxed, BOX(0x40490fdb));
    __asm__ volatile("fmv.d.x ft0, %1\n\tfsw ft0, %0" : "=m"(word) : "r"(0x1122334455667788UL) : "ft0");
    rt_printf("fsw of unboxed -> %08x\n", word);
    CHECK_EQ(word, 0x55667788);
    __asm__ volatile("fmv.d.x ft0, %1\n\tfsd ft0, %0" : "=m"(dword) : "r"(0x1122334455667788UL) : "ft0");
    CHECK_EQ(dword, 0x1122334455667788);
}

int main(void)
{
    rt_puts("isa_fp: F and D\n");
    test_cases();
    test_csrs();
    test_sweeps();
    rt_printf("checksum %016lx\n", total);
    return rt_result();
}
