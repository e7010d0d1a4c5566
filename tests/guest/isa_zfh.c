/*
 * isa_zfh: half precision (Zfh, Zfhmin; the Zfh chapter of the unprivileged
 * spec), run with -cpu rv64,Zfh=on or, built with -DZFHMIN_ONLY, with
 * -cpu rv64,Zfhmin=on.
 *
 * As isa_fp does for F and D: every operation runs on a table of special
 * operands and a deterministic pseudo-random sweep, in each static rounding
 * mode and in the dynamic one (the two must agree), printing a checksum of
 * results and fflags per operation and mode; then pinned-down cases (NaN
 * boxing, canonical NaN, fcvt saturation and overflow, subnormals, fclass,
 * fma) print result and flags and are checked; then flh/fsh, fmv and the
 * mstatus.FS rules. Operands go in and results come out as raw 64-bit
 * register images (fmv.d.x / fmv.x.d) so NaN boxing shows.
 *
 * With Zfhmin only, the loads, stores, moves and conversions between
 * formats run as above and every other half-precision instruction must
 * raise illegal-instruction.
 */
#include "rt.h"

enum { SRC_H, SRC_S, SRC_D, SRC_I };
enum { K_FFF, K_FF, K_FFFF, K_XFF, K_XF, K_FX };

/* X(id, mnemonic, kind, takes rm, source format, in Zfhmin) */
#define FP_OPS(X) \
    X(FADD_H, "fadd.h", K_FFF, 1, SRC_H, 0)      X(FSUB_H, "fsub.h", K_FFF, 1, SRC_H, 0)      \
    X(FMUL_H, "fmul.h", K_FFF, 1, SRC_H, 0)      X(FDIV_H, "fdiv.h", K_FFF, 1, SRC_H, 0)      \
    X(FSQRT_H, "fsqrt.h", K_FF, 1, SRC_H, 0)     X(FMIN_H, "fmin.h", K_FFF, 0, SRC_H, 0)      \
    X(FMAX_H, "fmax.h", K_FFF, 0, SRC_H, 0)      X(FSGNJ_H, "fsgnj.h", K_FFF, 0, SRC_H, 0)    \
    X(FSGNJN_H, "fsgnjn.h", K_FFF, 0, SRC_H, 0)  X(FSGNJX_H, "fsgnjx.h", K_FFF, 0, SRC_H, 0)  \
    X(FMADD_H, "fmadd.h", K_FFFF, 1, SRC_H, 0)   X(FMSUB_H, "fmsub.h", K_FFFF, 1, SRC_H, 0)   \
    X(FNMADD_H, "fnmadd.h", K_FFFF, 1, SRC_H, 0) X(FNMSUB_H, "fnmsub.h", K_FFFF, 1, SRC_H, 0) \
    X(FEQ_H, "feq.h", K_XFF, 0, SRC_H, 0)        X(FLT_H, "flt.h", K_XFF, 0, SRC_H, 0)        \
    X(FLE_H, "fle.h", K_XFF, 0, SRC_H, 0)        X(FCLASS_H, "fclass.h", K_XF, 0, SRC_H, 0)   \
    X(FCVT_W_H, "fcvt.w.h", K_XF, 1, SRC_H, 0)   X(FCVT_WU_H, "fcvt.wu.h", K_XF, 1, SRC_H, 0) \
    X(FCVT_L_H, "fcvt.l.h", K_XF, 1, SRC_H, 0)   X(FCVT_LU_H, "fcvt.lu.h", K_XF, 1, SRC_H, 0) \
    X(FCVT_H_W, "fcvt.h.w", K_FX, 1, SRC_I, 0)   X(FCVT_H_WU, "fcvt.h.wu", K_FX, 1, SRC_I, 0) \
    X(FCVT_H_L, "fcvt.h.l", K_FX, 1, SRC_I, 0)   X(FCVT_H_LU, "fcvt.h.lu", K_FX, 1, SRC_I, 0) \
    X(FMV_X_H, "fmv.x.h", K_XF, 0, SRC_H, 1)     X(FMV_H_X, "fmv.h.x", K_FX, 0, SRC_I, 1)     \
    X(FCVT_S_H, "fcvt.s.h", K_FF, 0, SRC_H, 1)   X(FCVT_H_S, "fcvt.h.s", K_FF, 1, SRC_S, 1)   \
    X(FCVT_D_H, "fcvt.d.h", K_FF, 0, SRC_H, 1)   X(FCVT_H_D, "fcvt.h.d", K_FF, 1, SRC_D, 1)

#define X_ENUM(id, mn, kind, rm, src, min) id,
enum { FP_OPS(X_ENUM) NOPS };

typedef struct OpInfo { const char *name; int kind, has_rm, src, zfhmin; } OpInfo;
#define X_INFO(id, mn, kind, rm, src, min) { mn, kind, rm, src, min },
static const OpInfo ops[] = { FP_OPS(X_INFO) };

#ifdef ZFHMIN_ONLY
#define FULL 0
#else
#define FULL 1
#endif

#define RM_1(rm) ", " rm
#define RM_0(rm) ""
#define ASM_K_FFF(mn, rm)  "fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\t" mn " ft2, ft0, ft1" rm "\n\tfmv.x.d %0, ft2"
#define ASM_K_FF(mn, rm)   "fmv.d.x ft0, %1\n\t" mn " ft2, ft0" rm "\n\tfmv.x.d %0, ft2"
#define ASM_K_FFFF(mn, rm) "fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\tfmv.d.x ft3, %3\n\t" \
                           mn " ft2, ft0, ft1, ft3" rm "\n\tfmv.x.d %0, ft2"
#define ASM_K_XFF(mn, rm)  "fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\t" mn " %0, ft0, ft1" rm
#define ASM_K_XF(mn, rm)   "fmv.d.x ft0, %1\n\t" mn " %0, ft0" rm
#define ASM_K_FX(mn, rm)   mn " ft2, %1" rm "\n\tfmv.x.d %0, ft2"

/* r starts as a marker: an instruction that traps leaves it (rd untouched). */
#define X_CASE(id, mn, kind, hasrm, src, min)                                   \
    case id:                                                                    \
        __asm__ volatile(ASM_##kind(mn, RM_##hasrm(RM)) : "+&r"(r)              \
                         : "r"(a), "r"(b), "r"(c) : "ft0", "ft1", "ft2", "ft3"); \
        break;

#define EXEC_FN(fname, rmstr)                                                   \
    static uint64_t fname(int op, uint64_t a, uint64_t b, uint64_t c)          \
    {                                                                           \
        uint64_t r = 0x5a5a5a5a5a5a5a5aULL;                                     \
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

#define BOXH(x) (0xffffffffffff0000ULL | (uint16_t)(x))
#define BOXS(x) (0xffffffff00000000ULL | (uint32_t)(x))

static const uint64_t vals_h[] = {
    BOXH(0x0000), BOXH(0x8000), BOXH(0x3c00), BOXH(0xbc00), BOXH(0x4000), BOXH(0x7c00),
    BOXH(0xfc00), BOXH(0x7e00), BOXH(0x7c01), BOXH(0xfe01), BOXH(0x0001), BOXH(0x03ff),
    BOXH(0x0400), BOXH(0x7bff), BOXH(0xfbff), BOXH(0x3555), BOXH(0x3e00), BOXH(0x4100),
    BOXH(0xc100), BOXH(0x3800), BOXH(0xb800), BOXH(0x3c01), BOXH(0x3bff), BOXH(0x6800),
    BOXH(0x7800), BOXH(0x0200), BOXH(0x8001), 0x0000000000003c00ULL, 0xffffffff7fff3c00ULL,
};
static const uint64_t vals_s[] = {
    BOXS(0x00000000), BOXS(0x80000000), BOXS(0x3f800000), BOXS(0x7f800000), BOXS(0x7fc00000),
    BOXS(0x7f800001), BOXS(0xffc00001), BOXS(0x00000001), BOXS(0x477fe000), BOXS(0x477ff000),
    BOXS(0x477ff001), BOXS(0x47800000), BOXS(0x33000000), BOXS(0x33000001), BOXS(0x38800000),
    BOXS(0x387fc000), BOXS(0x3f801000), BOXS(0x3f801001), BOXS(0xc77ff000), BOXS(0x3eaaaaab),
    0x000000003f800000ULL,
};
static const uint64_t vals_d[] = {
    0, 0x8000000000000000, 0x3ff0000000000000, 0x7ff0000000000000, 0x7ff8000000000000,
    0x7ff0000000000001, 0xfff8000000000001, 1, 0x40effe0000000000, 0x40effe0000000001,
    0x40efffffffffffff, 0x3e70000000000000, 0x3e70000000000001, 0x3f0ff80000000000,
    0x3ff0020000000000, 0x3ff0020000000001, 0xc0effe0000000000, 0x3fd5555555555555,
    0x7fefffffffffffff,
};
static const uint64_t vals_i[] = {
    0, 1, ~0UL, 2, 2049, 65504, 65519, 65520, 65536, 0x7fffffff, 0x80000000, 0xffffffff,
    0xffffffff80000000, 0x7fffffffffffffff, 0x8000000000000000, 0xfffffffffffeffff,
    0x1234567800000801, 0xffffffffffff0011,
};
#define NV(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t total;

static const uint64_t *src_vals(int src, unsigned *n)
{
    switch (src) {
    case SRC_H: *n = NV(vals_h); return vals_h;
    case SRC_S: *n = NV(vals_s); return vals_s;
    case SRC_D: *n = NV(vals_d); return vals_d;
    default:    *n = NV(vals_i); return vals_i;
    }
}

/* Random operand in the op's source format, biased towards interesting
 * exponents (for half: all of them are interesting). */
static uint64_t rand_operand(int src, uint64_t *seed)
{
    uint64_t r = rt_rand(seed), sel = rt_rand(seed) & 7;
    switch (src) {
    case SRC_H: {
        uint16_t v = (uint16_t)r;
        if (sel < 3)
            v = (uint16_t)((v & 0x83ff) | ((12 + (r >> 40) % 8) << 10));
        else if (sel == 3)
            v &= 0x83ff;
        else if (sel == 7)
            return r;                  /* unboxed now and then */
        return BOXH(v);
    }
    case SRC_S: {
        uint32_t v = (uint32_t)r;
        if (sel < 5)   /* exponent within half's reach */
            v = (v & 0x807fffff) | (uint32_t)((100 + (r >> 40) % 44) << 23);
        return BOXS(v);
    }
    case SRC_D:
        if (sel < 5)
            r = (r & 0x800fffffffffffff) | ((996 + (r >> 52) % 44) << 52);
        return r;
    default:
        return sel < 3 ? r : sel < 6 ? (uint64_t)(int64_t)(int32_t)r >> (sel & 3) * 8
                                     : (uint64_t)(int64_t)(int16_t)r << (sel & 1) * 4;
    }
}

#define FP_SWEEP_RANDOM 512
#include "fp_sweep.h"

static void test_sweeps(void)
{
    for (int op = 0; op < NOPS; op++) {
        if (!FULL && !ops[op].zfhmin)
            continue;
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

/* Zfhmin alone: every other half-precision instruction is illegal, with
 * the instruction bits in mtval, and leaves an integer rd alone (for an f
 * rd, the value printed is what ft2 held before). */
static void test_zfh_only_illegal(void)
{
    for (int op = 0; op < NOPS; op++) {
        if (ops[op].zfhmin)
            continue;
        rt_expect_trap();
        uint64_t r = exec_rne(op, BOXH(0x3c00), BOXH(0x3c00), BOXH(0x3c00));
        rt_disarm();
        rt_printf("%-10s without Zfh: cause %lx tval %08lx rd %lx\n", ops[op].name,
                  rt_trap.cause, rt_trap.tval, r);
        CHECK_EQ(rt_trap.count, 1);
        CHECK_EQ(rt_trap.cause, 2);
        if (ops[op].kind == K_XF || ops[op].kind == K_XFF)
            CHECK_EQ(r, 0x5a5a5a5a5a5a5a5aULL);
    }
}

enum { F_NX = 1, F_UF = 2, F_OF = 4, F_DZ = 8, F_NV = 16 };
enum { RNE, RTZ, RDN, RUP, RMM };

typedef struct Case {
    const char *what;
    int op, rm;
    uint64_t a, b, c, want, flags;
} Case;

#define QNAN_H BOXH(0x7e00)
#define SNAN_H BOXH(0x7c01)
#define ONE_H  BOXH(0x3c00)
#define INF_H  BOXH(0x7c00)
#define NINF_H BOXH(0xfc00)
#define MAX_H  BOXH(0x7bff)
#define UNBOXED 0xffffffff7fff3c00ULL   /* bits 63:16 not all ones */

static const Case cases[] = {
    { "1+2^-11 rne (tie)", FADD_H, RNE, ONE_H, BOXH(0x1000), 0, ONE_H, F_NX },
    { "1+2^-11 rmm (tie)", FADD_H, RMM, ONE_H, BOXH(0x1000), 0, BOXH(0x3c01), F_NX },
    { "1-1 rdn", FSUB_H, RDN, ONE_H, ONE_H, 0, BOXH(0x8000), 0 },
    { "1/0", FDIV_H, RNE, ONE_H, BOXH(0), 0, INF_H, F_DZ },
    { "0/0", FDIV_H, RNE, BOXH(0), BOXH(0), 0, QNAN_H, F_NV },
    { "1/3 rup", FDIV_H, RUP, ONE_H, BOXH(0x4200), 0, BOXH(0x3556), F_NX },
    { "sqrt(-1)", FSQRT_H, RNE, BOXH(0xbc00), 0, 0, QNAN_H, F_NV },
    { "sqrt(2^-24)", FSQRT_H, RNE, BOXH(0x0001), 0, 0, BOXH(0x0c00), 0 },
    { "inf-inf", FSUB_H, RNE, INF_H, INF_H, 0, QNAN_H, F_NV },
    { "snan+1", FADD_H, RNE, SNAN_H, ONE_H, 0, QNAN_H, F_NV },
    { "-qnan(payload)+1", FADD_H, RNE, BOXH(0xfe01), ONE_H, 0, QNAN_H, 0 },
    { "max+16 rne", FADD_H, RNE, MAX_H, BOXH(0x4c00), 0, INF_H, F_OF | F_NX },
    { "max+16 rtz", FADD_H, RTZ, MAX_H, BOXH(0x4c00), 0, MAX_H, F_NX },
    { "max*2 rtz", FMUL_H, RTZ, MAX_H, BOXH(0x4000), 0, MAX_H, F_OF | F_NX },
    { "-max*2 rup", FMUL_H, RUP, BOXH(0xfbff), BOXH(0x4000), 0, BOXH(0xfbff), F_OF | F_NX },
    { "-max*2 rdn", FMUL_H, RDN, BOXH(0xfbff), BOXH(0x4000), 0, NINF_H, F_OF | F_NX },
    { "minsub*0.5 rne", FMUL_H, RNE, BOXH(0x0001), BOXH(0x3800), 0, BOXH(0), F_UF | F_NX },
    { "minsub*0.5 rmm", FMUL_H, RMM, BOXH(0x0001), BOXH(0x3800), 0, BOXH(1), F_UF | F_NX },
    { "minnorm*0.5 exact", FMUL_H, RNE, BOXH(0x0400), BOXH(0x3800), 0, BOXH(0x0200), 0 },
    { "tiny after rounding rne", FMUL_H, RNE, BOXH(0x3bfe), BOXH(0x0401), 0, BOXH(0x0400), F_NX },
    { "tiny after rounding rtz", FMUL_H, RTZ, BOXH(0x3bfe), BOXH(0x0401), 0, BOXH(0x03ff), F_UF | F_NX },
    { "fmin(-0,+0)", FMIN_H, RNE, BOXH(0x8000), BOXH(0), 0, BOXH(0x8000), 0 },
    { "fmax(-0,+0)", FMAX_H, RNE, BOXH(0x8000), BOXH(0), 0, BOXH(0), 0 },
    { "fmin(qnan,1)", FMIN_H, RNE, QNAN_H, ONE_H, 0, ONE_H, 0 },
    { "fmin(snan,1)", FMIN_H, RNE, SNAN_H, ONE_H, 0, ONE_H, F_NV },
    { "fmax(snan,snan)", FMAX_H, RNE, SNAN_H, SNAN_H, 0, QNAN_H, F_NV },
    { "fma single rounding", FMADD_H, RNE, BOXH(0x3c01), BOXH(0x3c01), BOXH(0xbc02), BOXH(0x0010), 0 },
    { "fma(inf,0,qnan)", FMADD_H, RNE, INF_H, BOXH(0), QNAN_H, QNAN_H, F_NV },
    { "fmsub(1,2,3)", FMSUB_H, RNE, ONE_H, BOXH(0x4000), BOXH(0x4200), BOXH(0xbc00), 0 },
    { "fnmadd(1,2,3)", FNMADD_H, RNE, ONE_H, BOXH(0x4000), BOXH(0x4200), BOXH(0xc500), 0 },
    { "fnmsub(1,2,3)", FNMSUB_H, RNE, ONE_H, BOXH(0x4000), BOXH(0x4200), ONE_H, 0 },
    { "feq(snan,1)", FEQ_H, RNE, SNAN_H, ONE_H, 0, 0, F_NV },
    { "flt(qnan,1)", FLT_H, RNE, QNAN_H, ONE_H, 0, 0, F_NV },
    { "fle(-0,+0)", FLE_H, RNE, BOXH(0x8000), BOXH(0), 0, 1, 0 },
    { "fclass(-sub)", FCLASS_H, RNE, BOXH(0x83ff), 0, 0, 0x004, 0 },
    { "fclass(snan)", FCLASS_H, RNE, SNAN_H, 0, 0, 0x100, 0 },
    { "fclass(unboxed)", FCLASS_H, RNE, UNBOXED, 0, 0, 0x200, 0 },
    { "unboxed+1", FADD_H, RNE, UNBOXED, ONE_H, 0, QNAN_H, 0 },
    { "fsgnjn(1,unboxed)", FSGNJN_H, RNE, ONE_H, UNBOXED, 0, BOXH(0xbc00), 0 },
    { "fcvt.w.h(inf)", FCVT_W_H, RNE, INF_H, 0, 0, 0x7fffffff, F_NV },
    { "fcvt.w.h(-inf)", FCVT_W_H, RNE, NINF_H, 0, 0, 0xffffffff80000000, F_NV },
    { "fcvt.w.h(nan)", FCVT_W_H, RNE, QNAN_H, 0, 0, 0x7fffffff, F_NV },
    { "fcvt.wu.h(-1)", FCVT_WU_H, RNE, BOXH(0xbc00), 0, 0, 0, F_NV },
    { "fcvt.wu.h(-0.5) rtz", FCVT_WU_H, RTZ, BOXH(0xb800), 0, 0, 0, F_NX },
    { "fcvt.wu.h(max)", FCVT_WU_H, RNE, MAX_H, 0, 0, 65504, 0 },
    { "fcvt.l.h(-max)", FCVT_L_H, RNE, BOXH(0xfbff), 0, 0, -65504UL, 0 },
    { "fcvt.lu.h(nan)", FCVT_LU_H, RNE, QNAN_H, 0, 0, ~0UL, F_NV },
    { "fcvt.w.h(2.5) rmm", FCVT_W_H, RMM, BOXH(0x4100), 0, 0, 3, F_NX },
    { "fcvt.h.w(65520)", FCVT_H_W, RNE, 65520, 0, 0, INF_H, F_OF | F_NX },
    { "fcvt.h.w(65520) rtz", FCVT_H_W, RTZ, 65520, 0, 0, MAX_H, F_NX },
    { "fcvt.h.wu(2049)", FCVT_H_WU, RNE, 2049, 0, 0, BOXH(0x6800), F_NX },
    { "fcvt.h.l(-70000) rup", FCVT_H_L, RUP, -70000UL, 0, 0, BOXH(0xfbff), F_OF | F_NX },
    { "fcvt.h.lu(2^64-1) rtz", FCVT_H_LU, RTZ, ~0UL, 0, 0, MAX_H, F_OF | F_NX },
    { "fcvt.h.w(hi bits)", FCVT_H_W, RNE, 0x1234567800000001, 0, 0, ONE_H, 0 },
};

/* The Zfhmin subset: moves and conversions between formats. */
static const Case cases_min[] = {
    { "fmv.x.h(unboxed)", FMV_X_H, RNE, 0x123456789abc8001, 0, 0, 0xffffffffffff8001, 0 },
    { "fmv.x.h(7fff)", FMV_X_H, RNE, 0xffffffffffff7fff, 0, 0, 0x7fff, 0 },
    { "fmv.h.x boxes", FMV_H_X, RNE, 0x123456789abc3c00, 0, 0, ONE_H, 0 },
    { "fcvt.s.h(snan)", FCVT_S_H, RNE, SNAN_H, 0, 0, BOXS(0x7fc00000), F_NV },
    { "fcvt.s.h(minsub)", FCVT_S_H, RNE, BOXH(0x0001), 0, 0, BOXS(0x33800000), 0 },
    { "fcvt.s.h(unboxed)", FCVT_S_H, RNE, UNBOXED, 0, 0, BOXS(0x7fc00000), 0 },
    { "fcvt.d.h(-max)", FCVT_D_H, RNE, BOXH(0xfbff), 0, 0, 0xc0effc0000000000, 0 },
    { "fcvt.d.h(-qnan)", FCVT_D_H, RNE, BOXH(0xfe01), 0, 0, 0x7ff8000000000000, 0 },
    { "fcvt.h.s(65520)", FCVT_H_S, RNE, BOXS(0x477ff000), 0, 0, INF_H, F_OF | F_NX },
    { "fcvt.h.s(65520) rtz", FCVT_H_S, RTZ, BOXS(0x477ff000), 0, 0, MAX_H, F_NX },
    { "fcvt.h.s(2^-25)", FCVT_H_S, RNE, BOXS(0x33000000), 0, 0, BOXH(0), F_UF | F_NX },
    { "fcvt.h.s(2^-25) rup", FCVT_H_S, RUP, BOXS(0x33000000), 0, 0, BOXH(1), F_UF | F_NX },
    { "fcvt.h.s(snan)", FCVT_H_S, RNE, BOXS(0x7f800001), 0, 0, QNAN_H, F_NV },
    { "fcvt.h.s(unboxed)", FCVT_H_S, RNE, 0x000000003f800000, 0, 0, QNAN_H, 0 },
    { "fcvt.h.d(1+2^-11)", FCVT_H_D, RNE, 0x3ff0020000000000, 0, 0, ONE_H, F_NX },
    { "fcvt.h.d(1+2^-11+) rne", FCVT_H_D, RNE, 0x3ff0020000000001, 0, 0, BOXH(0x3c01), F_NX },
    { "fcvt.h.d(dmax) rdn", FCVT_H_D, RDN, 0x7fefffffffffffff, 0, 0, MAX_H, F_OF | F_NX },
    { "fcvt.h.d(-dminsub) rup", FCVT_H_D, RUP, 0x8000000000000001, 0, 0, BOXH(0x8000), F_UF | F_NX },
};

static void run_cases(const Case *t, unsigned n)
{
    for (unsigned i = 0; i < n; i++, t++) {
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

static void test_loads_stores_fs(void)
{
    /* flh NaN-boxes; fsh stores bits 15:0 of whatever the register holds. */
    static uint16_t half[2] = { 0x7c01, 0x1234 };
    uint64_t boxed, v;
    __asm__ volatile("flh ft0, %1\n\tfmv.x.d %0, ft0" : "=r"(boxed) : "m"(half[0]) : "ft0");
    rt_printf("flh -> %016lx\n", boxed);
    CHECK_EQ(boxed, BOXH(0x7c01));
    __asm__ volatile("fmv.d.x ft0, %1\n\tfsh ft0, %0" : "=m"(half[1]) : "r"(0x1122334455667788UL) : "ft0");
    rt_printf("fsh of unboxed -> %04x\n", half[1]);
    CHECK_EQ(half[1], 0x7788);

    /* FS=Off: every half instruction is illegal, flh included. */
    csr_clear(mstatus, MSTATUS_FS);
    rt_expect_trap();
    __asm__ volatile("flh ft0, %0" :: "m"(half[0]) : "ft0");
    rt_disarm();
    rt_printf("flh with FS=Off: cause %lx\n", rt_trap.cause);
    CHECK_EQ(rt_trap.cause, 2);
    rt_expect_trap();
    v = 0x5a;
    __asm__ volatile("fmv.x.h %0, ft0" : "+r"(v) :: "memory");
    rt_disarm();
    rt_printf("fmv.x.h with FS=Off: cause %lx rd %lx\n", rt_trap.cause, v);
    CHECK_EQ(rt_trap.cause, 2);
    /* FS=Initial, then a half write makes it Dirty. */
    csr_set(mstatus, 1UL << 13);
    __asm__ volatile("fmv.h.x ft0, zero" ::: "ft0");
    v = csr_read(mstatus);
    rt_printf("after fmv.h.x: FS %lx SD %lx\n", (v & MSTATUS_FS) >> 13, v >> 63);
    CHECK_EQ((v & MSTATUS_FS) >> 13, 3);
    /* Clean stays Clean for fmv.x.h (writes only x registers, raises nothing). */
    csr_clear(mstatus, MSTATUS_FS);
    csr_set(mstatus, 2UL << 13);
    __asm__ volatile("fmv.x.h %0, ft0" : "=r"(v));
    v = csr_read(mstatus);
    rt_printf("after fmv.x.h: FS %lx\n", (v & MSTATUS_FS) >> 13);
    CHECK_EQ((v & MSTATUS_FS) >> 13, 2);
    csr_set(mstatus, MSTATUS_FS);
    /* Reserved rounding modes in frm make a dynamic-rm fcvt.h.s illegal. */
    for (uint64_t rm = 5; rm < 8; rm++) {
        csr_write(frm, rm);
        rt_expect_trap();
        exec_dyn(FCVT_H_S, BOXS(0x3f800000), 0, 0);
        rt_disarm();
        rt_printf("fcvt.h.s dyn with frm=%lu: cause %lx\n", rm, rt_trap.cause);
        CHECK_EQ(rt_trap.cause, 2);
    }
    csr_write(frm, 0);
}

int main(void)
{
    rt_puts(FULL ? "isa_zfh: Zfh\n" : "isa_zfh: Zfhmin only\n");
    if (FULL)
        run_cases(cases, NV(cases));
    else
        test_zfh_only_illegal();
    run_cases(cases_min, NV(cases_min));
    test_loads_stores_fs();
    test_sweeps();
    rt_printf("checksum %016lx\n", total);
    return rt_result();
}
