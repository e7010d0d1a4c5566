/*
 * Tests for cpu/fpu's half precision (Zfh) and the Zfa operations.
 *
 * References, none of them sharing code with fpu.c:
 *  - ref_round_h() rounds an exact (or already correctly pre-rounded) value
 *    to half precision with host floating-point arithmetic: power-of-two
 *    scaling, truncation and comparisons in binary128, all exact. Flags
 *    follow the spec: NX, OF when the result rounded with an unbounded
 *    exponent exceeds the largest half, UF when it is inexact and tiny after
 *    rounding (unprivileged ISA 20191213, section 11.4).
 *  - add, sub, mul of halves are exact in double; div and sqrt are computed
 *    by the host in double (53 >= 2*11+2 bits) in the directed mode under
 *    test (round to nearest for RNE and RMM), so rounding once more to half
 *    gives the correctly rounded result: a directed rounding of a directed
 *    rounding to a finer grid is the direct one, and a nearest rounding at
 *    53 bits never lands on a half-precision midpoint the exact quotient or
 *    root is not on. The host also gives NV, DZ and the signs of zeros.
 *  - fma: the exact a*b+c in binary128 (a 22-bit product plus an addend
 *    spans at most 81 bits), rounded once by ref_round_h().
 *  - conversions, compares, min/max, class, round-to-integer: exhaustive over
 *    all 65536 half encodings where there is one operand, random and
 *    boundary operands elsewhere, against host conversions and the spec's
 *    definitions.
 *  - directed cases pin down subnormals, ties, overflow per rounding mode,
 *    tininess after rounding, signalling NaNs, the FLI table and the Zfa
 *    corner cases with hand-computed encodings.
 *
 * Compiled like test_fpu.c with -frounding-math -ffp-contract=off.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fenv.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cpu/fpu.h"

typedef __float128 quad;

#define MAX_REPORTS 6

static const int HOST_RM[5] = { FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD, FE_TONEAREST };
static const char *const RM_NAME[5] = { "RNE", "RTZ", "RDN", "RUP", "RMM" };

enum {
    NX = FPU_NX, UF = FPU_UF, OF = FPU_OF, DZ = FPU_DZ, NV = FPU_NV,
    RNE = FPU_RM_RNE, RTZ = FPU_RM_RTZ, RDN = FPU_RM_RDN, RUP = FPU_RM_RUP, RMM = FPU_RM_RMM,
};

#define H_INF 0x7c00u
#define H_NINF 0xfc00u
#define H_CNAN 0x7e00u
#define H_SNAN 0x7c01u
#define H_MAX 0x7bffu
#define H_ONE 0x3c00u

/* ---------------------------------------------------------------- helpers */

static uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static float u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static uint64_t d2u(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static double u2d(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }

static uint32_t host_flags(void)
{
    int e = fetestexcept(FE_ALL_EXCEPT);
    return ((e & FE_INEXACT) ? NX : 0) | ((e & FE_UNDERFLOW) ? UF : 0) |
           ((e & FE_OVERFLOW) ? OF : 0) | ((e & FE_DIVBYZERO) ? DZ : 0) |
           ((e & FE_INVALID) ? NV : 0);
}

/* xorshift64*: fixed seeds keep every run identical. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static uint64_t rng_below(uint64_t *s, uint64_t n) { return rng_next(s) % n; }

static bool h_is_nan(uint16_t h) { return (h & 0x7c00) == 0x7c00 && (h & 0x3ff); }
static bool h_is_snan(uint16_t h) { return h_is_nan(h) && !(h & 0x200); }
static bool s_is_snan(uint32_t a) { return (a & 0x7f800000) == 0x7f800000 && (a & 0x7fffff) && !(a & 0x400000); }
static bool d_is_snan(uint64_t a)
{
    return (a & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (a & 0xfffffffffffffull) &&
           !(a & 0x8000000000000ull);
}

/* The half as a double, exactly; a NaN keeps its sign and signalling bit so
 * that host operations on it raise what they should. */
static double h2d(uint16_t h)
{
    bool neg = h >> 15;
    unsigned e = (h >> 10) & 31, m = h & 0x3ff;
    double v;
    if (e == 31) {
        if (!m) {
            return neg ? -INFINITY : INFINITY;
        }
        return u2d(((uint64_t)neg << 63) | 0x7ff0000000000000ull | ((uint64_t)m << 42));
    }
    v = e ? ldexp(1024 + m, (int)e - 25) : ldexp(m, -24);
    return neg ? -v : v;
}

typedef struct Stats {
    const char *name;
    unsigned long checked;
    unsigned long bad;
} Stats;

static void check(Stats *st, unsigned rm, uint64_t a, uint64_t b, uint64_t c, uint64_t got,
                  uint32_t gotf, uint64_t want, uint32_t wantf)
{
    st->checked++;
    if (got == want && gotf == wantf) {
        return;
    }
    if (st->bad++ < MAX_REPORTS) {
        print_message("%s %s a=%#llx b=%#llx c=%#llx: got %#llx flags %#x, want %#llx flags %#x\n",
                      st->name, RM_NAME[rm], (unsigned long long)a, (unsigned long long)b,
                      (unsigned long long)c, (unsigned long long)got, gotf,
                      (unsigned long long)want, wantf);
    }
}

/* check() on a call that accumulates flags into FLAGS, made before the
 * flags are read (argument evaluation order is unspecified). */
#define CHECK_CALL(st, rm, a, b, c, call, want, wantf) do {                    \
        uint32_t flags_ = 0;                                                  \
        uint64_t got_ = (uint64_t)(call);                                     \
        check((st), (rm), (a), (b), (c), got_, flags_, (want), (wantf));      \
    } while (0)
#define FLAGS (&flags_)

static void finish(Stats *st)
{
    fesetround(FE_TONEAREST);
    if (st->bad) {
        print_message("%s: %lu of %lu wrong\n", st->name, st->bad, st->checked);
    }
    assert_true(st->checked > 0);
    assert_int_equal(st->bad, 0);
}

/* ---------------------------------------------------- reference rounding */

static quad q_pow2(int e) { return (quad)ldexp(1.0, e); }

/* floor(log2(a)) for a > 0. */
static int q_ilogb(quad a)
{
    int e = ilogb((double)a);  /* the conversion may round up to 2^(e+1) */
    if (q_pow2(e) > a) {
        e--;
    }
    return e;
}

/* a > 0 rounded to a multiple of ulp (a power of two) in mode rm, for a
 * value of sign neg; *lost tells whether it changed. a/ulp < 2^64. */
static quad q_round_to(quad a, quad ulp, bool neg, unsigned rm, bool *lost)
{
    quad q = a / ulp;
    uint64_t n = (uint64_t)q;
    quad frac = q - (quad)n;
    bool up;
    *lost = frac != 0;
    switch (rm) {
    case RNE: up = frac > 0.5Q || (frac == 0.5Q && (n & 1)); break;
    case RMM: up = frac >= 0.5Q; break;
    case RDN: up = neg && frac != 0; break;
    case RUP: up = !neg && frac != 0; break;
    default:  up = false; break;
    }
    return (quad)(n + up) * ulp;
}

/* Round x (finite, non-zero) to half in mode rm. inexact_in: x itself was
 * already rounded (so the result is inexact even if x is a half). */
static uint16_t ref_round_h(quad x, bool inexact_in, unsigned rm, uint32_t *fl)
{
    bool neg = x < 0, lost, lost_unb;
    quad a = neg ? -x : x;
    int e = q_ilogb(a);
    quad r_unb = q_round_to(a, q_pow2(e - 10), neg, rm, &lost_unb);
    quad r = q_round_to(a, q_pow2((e < -14 ? -14 : e) - 10), neg, rm, &lost);
    uint16_t sign = neg ? 0x8000 : 0;

    if (r_unb > 65504) {
        bool to_inf = rm == RNE || rm == RMM || (rm == RDN && neg) || (rm == RUP && !neg);
        *fl |= OF | NX;
        return sign | (to_inf ? H_INF : H_MAX);
    }
    if (lost || inexact_in) {
        *fl |= NX;
        if (r_unb < q_pow2(-14)) {
            *fl |= UF;
        }
    }
    if (r == 0) {
        return sign;
    }
    if (r < q_pow2(-14)) {
        return sign | (uint16_t)(uint64_t)(r / q_pow2(-24));
    }
    int er = q_ilogb(r);
    uint64_t m = (uint64_t)(r / q_pow2(er - 10));
    return sign | (uint16_t)(((unsigned)(er + 15) << 10) | (unsigned)(m - 1024));
}

/* The expected half for a host double result hr with host flags hf: NaN,
 * infinities and zeros as the host has them, finite values rounded. */
static uint16_t ref_from_host(double hr, uint32_t hf, unsigned rm, uint32_t *fl)
{
    *fl = hf & (NV | DZ);
    if (isnan(hr)) {
        return H_CNAN;
    }
    if (isinf(hr)) {
        return hr < 0 ? H_NINF : H_INF;
    }
    if (hr == 0) {
        return signbit(hr) ? 0x8000 : 0;
    }
    return ref_round_h(hr, (hf & NX) != 0, rm, fl);
}

/* --------------------------------------------------------- operand choice */

/* A half biased toward specials, subnormals, values near 1 and the edges. */
static uint16_t gen_h(uint64_t *s)
{
    static const uint16_t special[] = {
        0x0000, 0x8000, H_INF, H_NINF, H_CNAN, 0xfe00, H_SNAN, 0xfdff, 0x7fff, H_MAX, 0xfbff,
        0x0400, 0x8400, 0x0001, 0x8001, 0x03ff, 0x83ff, H_ONE, 0xbc00, 0x3bff, 0x3c01,
    };
    uint16_t sign = (uint16_t)((rng_next(s) & 1) << 15);
    uint16_t m = (uint16_t)(rng_next(s) & 0x3ff);
    switch (rng_below(s, 10)) {
    case 0: return special[rng_below(s, sizeof(special) / sizeof(special[0]))];
    case 1: case 2: return (uint16_t)rng_next(s);
    case 3: return sign | m;                                          /* subnormal */
    case 4: return sign | (uint16_t)((1 + rng_below(s, 3)) << 10) | m; /* near 2^-14 */
    case 5: return sign | (uint16_t)((28 + rng_below(s, 3)) << 10) | m; /* near 2^16 */
    case 6: { /* few significant bits: ties and exact results */
        unsigned keep = (unsigned)rng_below(s, 11);
        m &= (uint16_t)(0x3ff << (10 - keep));
        return sign | (uint16_t)((5 + rng_below(s, 21)) << 10) | (m & 0x3ff);
    }
    default: return sign | (uint16_t)((10 + rng_below(s, 11)) << 10) | m; /* around 1 */
    }
}

/* A second operand close to a in exponent (cancellation, ties), or a
 * factor taking a product or quotient to the range edges. */
static uint16_t gen_h_related(uint64_t *s, uint16_t a)
{
    int e = (a >> 10) & 31;
    uint16_t sign = (uint16_t)((rng_next(s) & 1) << 15);
    if (e == 31) {
        return gen_h(s);
    }
    switch (rng_below(s, 4)) {
    case 0: return sign | (uint16_t)((a & 0x7fff) ^ rng_below(s, 4));
    case 1: {
        int ne = e - (int)rng_below(s, 14);
        return sign | (uint16_t)((ne < 0 ? 0 : ne) << 10) | (uint16_t)(rng_next(s) & 0x3ff);
    }
    case 2: { /* exponent so that a*b or a/b lands near 2^-14..2^-24 or 2^16 */
        int target = (rng_next(s) & 1) ? -14 - (int)rng_below(s, 12) : 15 + (int)rng_below(s, 2);
        int ea = (e ? e : 1) - 15;
        int eb = (rng_next(s) & 1) ? target - ea : ea - target;
        if (eb < -14 || eb > 15) {
            return gen_h(s);
        }
        return sign | (uint16_t)((eb + 15) << 10) | (uint16_t)(rng_next(s) & 0x3ff);
    }
    default: return gen_h(s);
    }
}

/* ------------------------------------------------ arithmetic differential */

typedef enum Op { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT, OP_MADD, OP_MSUB, OP_NMSUB, OP_NMADD } Op;
static const char *const OP_NAME[] = { "add_h", "sub_h", "mul_h", "div_h", "sqrt_h",
                                       "madd_h", "msub_h", "nmsub_h", "nmadd_h" };

__attribute__((noinline)) static double host_op(Op op, double a, double b, double c)
{
    volatile double x = a, y = b, z = c, r;
    switch (op) {
    case OP_ADD: r = x + y; break;
    case OP_SUB: r = x - y; break;
    case OP_MUL: r = x * y; break;
    case OP_DIV: r = x / y; break;
    case OP_SQRT: r = sqrt(x); break;
    case OP_MADD: r = fma(x, y, z); break;
    case OP_MSUB: r = fma(x, y, -z); break;
    case OP_NMSUB: r = fma(-x, y, z); break;
    default: r = fma(-x, y, -z); break;
    }
    return r;
}

static uint16_t mine(Op op, uint16_t a, uint16_t b, uint16_t c, unsigned rm, uint32_t *fl)
{
    switch (op) {
    case OP_ADD: return fpu_add_h(a, b, rm, fl);
    case OP_SUB: return fpu_sub_h(a, b, rm, fl);
    case OP_MUL: return fpu_mul_h(a, b, rm, fl);
    case OP_DIV: return fpu_div_h(a, b, rm, fl);
    case OP_SQRT: return fpu_sqrt_h(a, rm, fl);
    case OP_MADD: return fpu_madd_h(a, b, c, rm, fl);
    case OP_MSUB: return fpu_msub_h(a, b, c, rm, fl);
    case OP_NMSUB: return fpu_nmsub_h(a, b, c, rm, fl);
    default: return fpu_nmadd_h(a, b, c, rm, fl);
    }
}

static uint16_t expect_arith(Op op, uint16_t a, uint16_t b, uint16_t c, unsigned rm, uint32_t *fl)
{
    fesetround(HOST_RM[rm]);
    feclearexcept(FE_ALL_EXCEPT);
    double hr = host_op(op, h2d(a), h2d(b), h2d(c));
    uint32_t hf = host_flags();
    fesetround(FE_TONEAREST);
    if (op < OP_MADD) {
        return ref_from_host(hr, hf, rm, fl);
    }
    /* RISC-V raises NV for inf*0 even with a quiet NaN addend (section
     * 11.6); the host's fma need not. */
    bool inf_zero = ((a & 0x7fff) == H_INF && (b & 0x7fff) == 0) ||
                    ((a & 0x7fff) == 0 && (b & 0x7fff) == H_INF);
    if (isnan(hr) || isinf(hr) || hr == 0) {
        uint16_t r = ref_from_host(hr, hf, rm, fl);
        if (inf_zero) {
            *fl |= NV;
        }
        return r;
    }
    quad p = (quad)h2d(a) * (quad)h2d(b);
    quad z = h2d(c);
    quad x = op == OP_MADD ? p + z : op == OP_MSUB ? p - z : op == OP_NMSUB ? -p + z : -p - z;
    *fl = 0;
    return ref_round_h(x, false, rm, fl);
}

static void diff_arith(Op op, int n_per_mode)
{
    Stats st = { OP_NAME[op], 0, 0 };
    for (unsigned rm = 0; rm < 5; rm++) {
        uint64_t seed = 0x9e3779b97f4a7c15ull ^ ((uint64_t)op << 8) ^ rm;
        for (int i = 0; i < n_per_mode; i++) {
            uint16_t a, b, c;
            if (op == OP_SQRT) {
                /* Exhaustive: every encoding once per mode. */
                if (i >= 65536) {
                    break;
                }
                a = (uint16_t)i;
                b = c = 0;
            } else {
                a = gen_h(&seed);
                b = rng_below(&seed, 2) ? gen_h_related(&seed, a) : gen_h(&seed);
                c = gen_h(&seed);
                if (op >= OP_MADD && rng_below(&seed, 3) == 0) {
                    /* Near the (negated) product: deep cancellation. */
                    uint32_t ignored = 0;
                    c = fpu_mul_h(a, b, RNE, &ignored) ^ (uint16_t)rng_below(&seed, 3);
                    if (op == OP_MADD || op == OP_NMADD) {
                        c ^= 0x8000;
                    }
                }
            }
            uint32_t wantf = 0, gotf = 0;
            uint16_t want = expect_arith(op, a, b, c, rm, &wantf);
            uint16_t got = mine(op, a, b, c, rm, &gotf);
            check(&st, rm, a, b, c, got, gotf, want, wantf);
        }
    }
    finish(&st);
}

#define N_ARITH 200000
#define N_FMA 100000

static void test_diff_add(void **state) { (void)state; diff_arith(OP_ADD, N_ARITH); }
static void test_diff_sub(void **state) { (void)state; diff_arith(OP_SUB, N_ARITH); }
static void test_diff_mul(void **state) { (void)state; diff_arith(OP_MUL, N_ARITH); }
static void test_diff_div(void **state) { (void)state; diff_arith(OP_DIV, N_ARITH); }
static void test_exhaustive_sqrt(void **state) { (void)state; diff_arith(OP_SQRT, 65536); }

static void test_diff_fma(void **state)
{
    (void)state;
    for (Op op = OP_MADD; op <= OP_NMADD; op++) {
        diff_arith(op, N_FMA);
    }
}

/* ------------------------------------------------ conversions between formats */

/* h -> s and h -> d are exact: every encoding, every mode. */
static void test_exhaustive_widen(void **state)
{
    (void)state;
    Stats sts = { "cvt_s_h", 0, 0 }, std = { "cvt_d_h", 0, 0 };
    for (unsigned rm = 0; rm < 5; rm++) {
        for (uint32_t i = 0; i < 65536; i++) {
            uint16_t h = (uint16_t)i;
            double v = h2d(h);
            uint32_t wantf = h_is_snan(h) ? NV : 0;
            uint32_t want_s = h_is_nan(h) ? FPU_CANON_NAN_S : f2u((float)v);
            uint64_t want_d = h_is_nan(h) ? FPU_CANON_NAN_D : d2u(v);
            CHECK_CALL(&sts, rm, h, 0, 0, fpu_cvt_s_h(h, rm, FLAGS), want_s, wantf);
            CHECK_CALL(&std, rm, h, 0, 0, fpu_cvt_d_h(h, rm, FLAGS), want_d, wantf);
        }
    }
    finish(&sts);
    finish(&std);
}

static uint16_t expect_narrow(double v, bool snan, unsigned rm, uint32_t *fl)
{
    *fl = 0;
    if (isnan(v)) {
        *fl = snan ? NV : 0;
        return H_CNAN;
    }
    if (isinf(v)) {
        return v < 0 ? H_NINF : H_INF;
    }
    if (v == 0) {
        return signbit(v) ? 0x8000 : 0;
    }
    return ref_round_h(v, false, rm, fl);
}

/*
 * s -> h and d -> h: every midpoint between consecutive halves (and past the
 * largest one) and every half itself, each nudged by -2..+2 ulps of the
 * source format, in every mode; then random sources of all magnitudes.
 */
static void test_diff_narrow(void **state)
{
    (void)state;
    Stats sts = { "cvt_h_s", 0, 0 }, std = { "cvt_h_d", 0, 0 };
    for (unsigned rm = 0; rm < 5; rm++) {
        for (uint32_t i = 0; i < 0x7c00; i++) {
            double lo = h2d((uint16_t)i);
            double hi = i == H_MAX ? 65536.0 : h2d((uint16_t)(i + 1));
            double pts[2] = { lo, (lo + hi) / 2 };
            for (int k = 0; k < 2; k++) {
                for (int sgn = 0; sgn < 2; sgn++) {
                    double p = sgn ? -pts[k] : pts[k];
                    uint32_t fs = f2u((float)p);
                    uint64_t fd = d2u(p);
                    for (int d = -2; d <= 2; d++) {
                        uint32_t s = fs + (uint32_t)d, wantf;
                        uint64_t dd = fd + (uint64_t)(int64_t)d;
                        if ((p == 0 && d < 0) || (s & 0x7f800000) == 0x7f800000) {
                            continue;  /* no wrapping across zero or into NaNs */
                        }
                        uint16_t want = expect_narrow(u2f(s), false, rm, &wantf);
                        CHECK_CALL(&sts, rm, s, 0, 0, fpu_cvt_h_s(s, rm, FLAGS), want, wantf);
                        want = expect_narrow(u2d(dd), false, rm, &wantf);
                        CHECK_CALL(&std, rm, dd, 0, 0, fpu_cvt_h_d(dd, rm, FLAGS), want, wantf);
                    }
                }
            }
        }
        uint64_t seed = 0x5eed0000ull + rm;
        for (int i = 0; i < 100000; i++) {
            uint64_t r = rng_next(&seed);
            uint32_t s = (uint32_t)r, wantf;
            uint64_t dd = rng_next(&seed);
            if (i & 1) {  /* exponents within reach of half precision */
                s = (s & 0x807fffff) | (uint32_t)((127 - 30 + rng_below(&seed, 50)) << 23);
                dd = (dd & 0x800fffffffffffffull) | ((1023 - 30 + rng_below(&seed, 50)) << 52);
            }
            uint16_t want = expect_narrow(u2f(s), s_is_snan(s), rm, &wantf);
            CHECK_CALL(&sts, rm, s, 0, 0, fpu_cvt_h_s(s, rm, FLAGS), want, wantf);
            want = expect_narrow(u2d(dd), d_is_snan(dd), rm, &wantf);
            CHECK_CALL(&std, rm, dd, 0, 0, fpu_cvt_h_d(dd, rm, FLAGS), want, wantf);
        }
    }
    finish(&sts);
    finish(&std);
}

/* ------------------------------------------------ integer conversions */

typedef enum IntType { IT_W, IT_WU, IT_L, IT_LU } IntType;
static const char *const IT_NAME[] = { "w", "wu", "l", "lu" };

/* Saturation and flags from the spec's table for FCVT.int.fmt (section
 * 11.7); the host rounds to an integral value (rint, or round for RMM). */
static uint64_t expect_to_int(IntType t, double x, unsigned rm, uint32_t *fl)
{
    static const double lo[] = { -0x1p31, 0.0, -0x1p63, 0.0 };
    static const double hi_excl[] = { 0x1p31, 0x1p32, 0x1p63, 0x1p64 };
    static const uint64_t maxv[] = { 0x7fffffff, 0xffffffff, 0x7fffffffffffffff, ~0ull };
    static const uint64_t minv[] = { 0x80000000, 0, 0x8000000000000000, 0 };

    *fl = 0;
    if (isnan(x)) {
        *fl = NV;
        return maxv[t];
    }
    fesetround(HOST_RM[rm]);
    volatile double vx = x;
    double r = rm == RMM ? round(vx) : rint(vx);
    fesetround(FE_TONEAREST);
    if (r >= hi_excl[t] || r < lo[t]) {
        *fl = NV;
        return r > 0 ? maxv[t] : minv[t];
    }
    if (r != x) {
        *fl = NX;
    }
    int64_t iv = (int64_t)r;
    return (t == IT_W || t == IT_WU) ? (uint32_t)iv : (uint64_t)iv;
}

static uint64_t mine_to_int(IntType t, uint16_t a, unsigned rm, uint32_t *fl)
{
    switch (t) {
    case IT_W: return (uint32_t)fpu_cvt_w_h(a, rm, fl);
    case IT_WU: return fpu_cvt_wu_h(a, rm, fl);
    case IT_L: return (uint64_t)fpu_cvt_l_h(a, rm, fl);
    default: return fpu_cvt_lu_h(a, rm, fl);
    }
}

static void test_exhaustive_to_int(void **state)
{
    (void)state;
    for (IntType t = IT_W; t <= IT_LU; t++) {
        char name[32];
        snprintf(name, sizeof(name), "cvt_%s_h", IT_NAME[t]);
        Stats st = { name, 0, 0 };
        for (unsigned rm = 0; rm < 5; rm++) {
            for (uint32_t i = 0; i < 65536; i++) {
                uint32_t wantf, gotf = 0;
                uint64_t want = expect_to_int(t, h2d((uint16_t)i), rm, &wantf);
                uint64_t got = mine_to_int(t, (uint16_t)i, rm, &gotf);
                check(&st, rm, i, 0, 0, got, gotf, want, wantf);
            }
        }
        finish(&st);
    }
}

static uint64_t gen_int(uint64_t *s, IntType t)
{
    uint64_t v;
    switch (rng_below(s, 5)) {
    case 0: v = rng_next(s); break;
    case 1: v = rng_next(s) >> rng_below(s, 64); break;
    case 2: v = (rng_next(s) & 0x1ffff) << rng_below(s, 8); break;  /* near 65504 */
    case 3: v = 65504 + rng_below(s, 48) - 8; break;
    default: v = (1ull << rng_below(s, 64)) + rng_below(s, 5) - 2; break;
    }
    if ((t == IT_W || t == IT_L) && (rng_next(s) & 1)) {
        v = -v;
    }
    return (t == IT_W || t == IT_WU) ? (uint32_t)v : v;
}

static void test_diff_from_int(void **state)
{
    (void)state;
    for (IntType t = IT_W; t <= IT_LU; t++) {
        char name[32];
        snprintf(name, sizeof(name), "cvt_h_%s", IT_NAME[t]);
        Stats st = { name, 0, 0 };
        for (unsigned rm = 0; rm < 5; rm++) {
            uint64_t seed = 0xfeedfacecafebeefull ^ ((uint64_t)t << 8) ^ rm;
            for (int i = 0; i < 60000; i++) {
                uint64_t v = gen_int(&seed, t);
                quad x = t == IT_W ? (quad)(int32_t)(uint32_t)v : t == IT_WU ? (quad)(uint32_t)v
                       : t == IT_L ? (quad)(int64_t)v : (quad)v;
                uint32_t wantf = 0, gotf = 0;
                uint16_t want = x == 0 ? 0 : ref_round_h(x, false, rm, &wantf), got;
                switch (t) {
                case IT_W: got = fpu_cvt_h_w((int32_t)(uint32_t)v, rm, &gotf); break;
                case IT_WU: got = fpu_cvt_h_wu((uint32_t)v, rm, &gotf); break;
                case IT_L: got = fpu_cvt_h_l((int64_t)v, rm, &gotf); break;
                default: got = fpu_cvt_h_lu(v, rm, &gotf); break;
                }
                check(&st, rm, v, 0, 0, got, gotf, want, wantf);
            }
        }
        finish(&st);
    }
}

/* ------------------------------------------------ compare, min/max, class */

typedef enum Rel { R_EQ, R_LT, R_LE, R_LTQ, R_LEQ } Rel;

static int mine_cmp(Rel rel, uint16_t a, uint16_t b, uint32_t *fl)
{
    switch (rel) {
    case R_EQ: return fpu_eq_h(a, b, fl);
    case R_LT: return fpu_lt_h(a, b, fl);
    case R_LE: return fpu_le_h(a, b, fl);
    case R_LTQ: return fpu_ltq_h(a, b, fl);
    default: return fpu_leq_h(a, b, fl);
    }
}

/* feq, fltq, fleq are quiet (NV for signalling NaNs only), flt and fle
 * signalling (NV for any NaN); a NaN makes every relation false. */
static int expect_cmp(Rel rel, uint16_t a, uint16_t b, uint32_t *fl)
{
    double x = h2d(a), y = h2d(b);
    bool nan = h_is_nan(a) || h_is_nan(b);
    *fl = (h_is_snan(a) || h_is_snan(b) || (nan && (rel == R_LT || rel == R_LE))) ? NV : 0;
    if (nan) {
        return 0;
    }
    switch (rel) {
    case R_EQ: return x == y;
    case R_LT: case R_LTQ: return x < y;
    default: return x <= y;
    }
}

/* minimumNumber/maximumNumber (fmin/fmax) and, with nan_wins, Zfa's
 * minimum/maximum (fminm/fmaxm): -0 < +0, NV for signalling NaNs. */
static uint16_t expect_minmax(uint16_t a, uint16_t b, bool is_max, bool nan_wins, uint32_t *fl)
{
    *fl = (h_is_snan(a) || h_is_snan(b)) ? NV : 0;
    if (h_is_nan(a) || h_is_nan(b)) {
        if (nan_wins || (h_is_nan(a) && h_is_nan(b))) {
            return H_CNAN;
        }
        return h_is_nan(a) ? b : a;
    }
    double x = h2d(a), y = h2d(b);
    bool a_less = x < y || (x == y && signbit(x) && !signbit(y));
    return a_less != is_max ? a : b;
}

static uint64_t expect_class(uint16_t a)
{
    double x = h2d(a);
    bool neg = a >> 15;
    if (h_is_nan(a)) {
        return h_is_snan(a) ? FPU_CLASS_SNAN : FPU_CLASS_QNAN;
    }
    if (isinf(x)) {
        return neg ? FPU_CLASS_NEG_INF : FPU_CLASS_POS_INF;
    }
    if (x == 0) {
        return neg ? FPU_CLASS_NEG_ZERO : FPU_CLASS_POS_ZERO;
    }
    if (fabs(x) < 0x1p-14) {
        return neg ? FPU_CLASS_NEG_SUBNORMAL : FPU_CLASS_POS_SUBNORMAL;
    }
    return neg ? FPU_CLASS_NEG_NORMAL : FPU_CLASS_POS_NORMAL;
}

static void test_compare_minmax_class(void **state)
{
    (void)state;
    Stats stc = { "compare_h", 0, 0 }, stm = { "minmax_h", 0, 0 }, stk = { "class_h", 0, 0 };
    uint64_t seed = 0x5555aaaa3333ccccull;

    for (uint32_t i = 0; i < 65536; i++) {
        check(&stk, 0, i, 0, 0, fpu_class_h((uint16_t)i), 0, expect_class((uint16_t)i), 0);
    }
    for (int i = 0; i < 400000; i++) {
        uint16_t a = gen_h(&seed), b;
        switch (rng_below(&seed, 4)) {
        case 0: b = a; break;
        case 1: b = a ^ 0x8000; break;
        case 2: b = gen_h_related(&seed, a); break;
        default: b = gen_h(&seed); break;
        }
        for (Rel rel = R_EQ; rel <= R_LEQ; rel++) {
            uint32_t wantf, gotf = 0;
            int want = expect_cmp(rel, a, b, &wantf), got = mine_cmp(rel, a, b, &gotf);
            check(&stc, 0, a, b, rel, (uint64_t)got, gotf, (uint64_t)want, wantf);
        }
        for (int k = 0; k < 4; k++) {
            bool is_max = k & 1, nan_wins = k >> 1;
            uint32_t wantf, gotf = 0;
            uint16_t want = expect_minmax(a, b, is_max, nan_wins, &wantf), got;
            if (nan_wins) {
                got = is_max ? fpu_maxm_h(a, b, &gotf) : fpu_minm_h(a, b, &gotf);
            } else {
                got = is_max ? fpu_max_h(a, b, &gotf) : fpu_min_h(a, b, &gotf);
            }
            check(&stm, 0, a, b, (uint64_t)k, got, gotf, want, wantf);
        }
    }
    finish(&stc);
    finish(&stm);
    finish(&stk);
}

/* fminm/fmaxm and fleq/fltq in single and double: the same definitions
 * over the host's values. */
static void test_zfa_sd_minmax_compare(void **state)
{
    (void)state;
    static const uint64_t d_vals[] = {
        0, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull,
        0x7ff0000000000000ull, 0xfff0000000000000ull, FPU_CANON_NAN_D, 0xfff8000000000001ull,
        0x7ff0000000000001ull, 0xfff4000000000000ull, 1, 0x8000000000000001ull,
        0x7fefffffffffffffull, 0x3ff0000000000001ull,
    };
    static const uint32_t s_vals[] = {
        0, 0x80000000u, 0x3f800000u, 0xbf800000u, 0x7f800000u, 0xff800000u, FPU_CANON_NAN_S,
        0xffc00001u, 0x7f800001u, 0xffa00000u, 1, 0x80000001u, 0x7f7fffffu, 0x3f800001u,
    };
    const size_t n = sizeof(d_vals) / sizeof(d_vals[0]);
    Stats st = { "zfa_sd", 0, 0 };
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            uint64_t a = d_vals[i], b = d_vals[j];
            uint32_t sa = s_vals[i], sb = s_vals[j];
            double x = u2d(a), y = u2d(b);
            bool nan = isnan(x) || isnan(y);
            uint32_t nvd = (d_is_snan(a) || d_is_snan(b)) ? NV : 0;
            uint32_t nvs = (s_is_snan(sa) || s_is_snan(sb)) ? NV : 0;
            bool less = !nan && (x < y || (x == y && signbit(x) && !signbit(y)));
            /* single and double tables hold the same values, index for index */
            assert_int_equal(!!isnan(x), !!isnan(u2f(sa)));
            CHECK_CALL(&st, 0, a, b, 0, fpu_minm_d(a, b, FLAGS), nan ? FPU_CANON_NAN_D : less ? a : b, nvd);
            CHECK_CALL(&st, 0, a, b, 1, fpu_maxm_d(a, b, FLAGS), nan ? FPU_CANON_NAN_D : less ? b : a, nvd);
            CHECK_CALL(&st, 0, sa, sb, 2, fpu_minm_s(sa, sb, FLAGS), nan ? FPU_CANON_NAN_S : less ? sa : sb, nvs);
            CHECK_CALL(&st, 0, sa, sb, 3, fpu_maxm_s(sa, sb, FLAGS), nan ? FPU_CANON_NAN_S : less ? sb : sa, nvs);
            CHECK_CALL(&st, 0, a, b, 4, (uint64_t)fpu_ltq_d(a, b, FLAGS), !nan && x < y, nvd);
            CHECK_CALL(&st, 0, a, b, 5, (uint64_t)fpu_leq_d(a, b, FLAGS), !nan && x <= y, nvd);
            CHECK_CALL(&st, 0, sa, sb, 6, (uint64_t)fpu_ltq_s(sa, sb, FLAGS), !nan && x < y, nvs);
            CHECK_CALL(&st, 0, sa, sb, 7, (uint64_t)fpu_leq_s(sa, sb, FLAGS), !nan && x <= y, nvs);
        }
    }
    finish(&st);
}

/* ------------------------------------------------ Zfa round to integer */

/* roundToIntegral in mode rm by the host (rint, round for RMM). */
static double host_round_int(double x, unsigned rm)
{
    fesetround(HOST_RM[rm]);
    volatile double vx = x;
    double r = rm == RMM ? round(vx) : nearbyint(vx);
    fesetround(FE_TONEAREST);
    return r;
}

static void test_round_int(void **state)
{
    (void)state;
    Stats sth = { "fround_h", 0, 0 }, sts = { "fround_s", 0, 0 }, std = { "fround_d", 0, 0 };
    for (unsigned rm = 0; rm < 5; rm++) {
        for (uint32_t i = 0; i < 65536; i++) {
            uint16_t a = (uint16_t)i;
            double x = h2d(a);
            uint32_t nv = h_is_snan(a) ? NV : 0;
            uint16_t want = H_CNAN;
            bool changed = false;
            if (!h_is_nan(a)) {
                double r = host_round_int(x, rm);
                uint32_t ignored = 0;
                want = isinf(r) ? a : r == 0 ? (uint16_t)(signbit(r) ? 0x8000 : 0)
                                             : ref_round_h(r, false, rm, &ignored);
                changed = r != x;
            }
            CHECK_CALL(&sth, rm, a, 0, 0, fpu_round_h(a, rm, FLAGS), want, nv);
            CHECK_CALL(&sth, rm, a, 1, 0, fpu_roundnx_h(a, rm, FLAGS), want, nv | (changed ? NX : 0));
        }
        uint64_t seed = 0xabcdef0123456789ull ^ rm;
        for (int i = 0; i < 100000; i++) {
            uint64_t d = rng_next(&seed);
            uint32_t s = (uint32_t)rng_next(&seed);
            if (i & 1) {  /* magnitudes around the integers */
                d = (d & 0x800fffffffffffffull) | ((1023 - 3 + rng_below(&seed, 58)) << 52);
                s = (s & 0x807fffffu) | (uint32_t)((127 - 3 + rng_below(&seed, 29)) << 23);
            }
            if ((i & 7) == 2) {  /* exact halves and integers */
                double v = (double)(int64_t)(rng_next(&seed) >> rng_below(&seed, 64)) / 2;
                d = d2u(rng_next(&seed) & 1 ? -v : v);
                s = f2u((float)u2d(d));
            }
            double x = u2d(d), r;
            uint32_t nv = d_is_snan(d) ? NV : 0;
            uint64_t want_d = FPU_CANON_NAN_D;
            bool changed = false;
            if (!isnan(x)) {
                r = host_round_int(x, rm);
                want_d = d2u(r);
                changed = r != x;
            }
            CHECK_CALL(&std, rm, d, 0, 0, fpu_round_d(d, rm, FLAGS), want_d, nv);
            CHECK_CALL(&std, rm, d, 1, 0, fpu_roundnx_d(d, rm, FLAGS), want_d, nv | (changed ? NX : 0));

            x = u2f(s);
            nv = s_is_snan(s) ? NV : 0;
            uint32_t want_s = FPU_CANON_NAN_S;
            changed = false;
            if (!isnan(x)) {
                r = host_round_int(x, rm);  /* integral and float-representable */
                want_s = f2u((float)r);
                changed = r != x;
            }
            CHECK_CALL(&sts, rm, s, 0, 0, fpu_round_s(s, rm, FLAGS), want_s, nv);
            CHECK_CALL(&sts, rm, s, 1, 0, fpu_roundnx_s(s, rm, FLAGS), want_s, nv | (changed ? NX : 0));
        }
    }
    finish(&sth);
    finish(&sts);
    finish(&std);
}

/* ------------------------------------------------ Zfa fcvtmod.w.d */

static uint64_t expect_cvtmod(double x, uint32_t *fl)
{
    *fl = 0;
    if (isnan(x) || isinf(x)) {
        *fl = NV;
        return 0;
    }
    double t = trunc(x);
    if (t >= 0x1p31 || t < -0x1p31) {
        *fl = NV;
    } else if (t != x) {
        *fl = NX;
    }
    double m = fmod(fabs(t), 0x1p32);  /* exact */
    uint32_t low = (uint32_t)m;
    if (t < 0) {
        low = 0u - low;
    }
    return (uint64_t)(int64_t)(int32_t)low;
}

static void test_cvtmod(void **state)
{
    (void)state;
    Stats st = { "fcvtmod_w_d", 0, 0 };
    uint64_t seed = 0x0dd0dd0dd0dd0dd0ull;
    for (int i = 0; i < 300000; i++) {
        uint64_t d = rng_next(&seed);
        switch (i & 3) {
        case 0: break;
        case 1: d = (d & 0x800fffffffffffffull) | ((1023 - 2 + rng_below(&seed, 90)) << 52); break;
        case 2: { /* integers near multiples of 2^31, 2^32, 2^63, 2^64 and beyond */
            int e = 31 + (int)rng_below(&seed, 60);
            double v = ldexp((double)(1 + rng_below(&seed, 8)), e) + (double)((int)rng_below(&seed, 9) - 4);
            d = d2u(rng_next(&seed) & 1 ? -v : v);
            break;
        }
        default: /* infinities and NaNs */
            d |= 0x7ff0000000000000ull;
            if (rng_next(&seed) & 1) {
                d &= ~0xfffffffffffffull;
            }
            break;
        }
        uint32_t wantf, gotf = 0;
        uint64_t want = expect_cvtmod(u2d(d), &wantf);
        uint64_t got = (uint64_t)(int64_t)fpu_cvtmod_w_d(d, &gotf);
        check(&st, RTZ, d, 0, 0, got, gotf, want, wantf);
        /* Flags as fcvt.w.d's in RTZ, always. */
        uint32_t wf = 0;
        (void)fpu_cvt_w_d(d, RTZ, &wf);
        check(&st, RTZ, d, 1, 0, gotf, 0, wf, 0);
    }
    finish(&st);
}

/* ------------------------------------------------ directed tests */

#define EXPECT(call, want_bits, want_flags) do {                           \
        uint32_t fl_ = 0;                                                  \
        uint64_t r_ = (uint64_t)(call);                                    \
        if (r_ != (uint64_t)(want_bits) || fl_ != (uint32_t)(want_flags)) { \
            print_message("%s: got %#llx/%#x want %#llx/%#x\n", #call,      \
                          (unsigned long long)r_, fl_,                     \
                          (unsigned long long)(want_bits), (uint32_t)(want_flags)); \
        }                                                                  \
        assert_int_equal(r_, (uint64_t)(want_bits));                       \
        assert_int_equal(fl_, (uint32_t)(want_flags));                     \
    } while (0)
#define FL (&fl_)

static void test_directed_rounding(void **state)
{
    (void)state;
    /* 1 + 2^-11 is a tie between 1 and 1 + 2^-10 (0x3c01). */
    EXPECT(fpu_add_h(H_ONE, 0x1000, RNE, FL), H_ONE, NX);
    EXPECT(fpu_add_h(H_ONE, 0x1000, RMM, FL), 0x3c01, NX);
    EXPECT(fpu_add_h(H_ONE, 0x1000, RUP, FL), 0x3c01, NX);
    EXPECT(fpu_add_h(H_ONE, 0x1000, RDN, FL), H_ONE, NX);
    EXPECT(fpu_add_h(0x3c01, 0x1000, RNE, FL), 0x3c02, NX);   /* tie to even, upward */
    EXPECT(fpu_sub_h(0x8000 | H_ONE, 0x1000, RDN, FL), 0xbc01, NX);
    EXPECT(fpu_sub_h(0x8000 | H_ONE, 0x1000, RUP, FL), 0xbc00, NX);
    /* Exact zero sums: +0, or -0 in RDN. */
    EXPECT(fpu_sub_h(H_ONE, H_ONE, RNE, FL), 0, 0);
    EXPECT(fpu_sub_h(H_ONE, H_ONE, RDN, FL), 0x8000, 0);
    EXPECT(fpu_add_h(0x8000, 0x8000, RNE, FL), 0x8000, 0);
    /* 65504 + 16 is the tie above the largest half. */
    EXPECT(fpu_add_h(H_MAX, 0x4c00, RNE, FL), H_INF, OF | NX);
    EXPECT(fpu_add_h(H_MAX, 0x4c00, RMM, FL), H_INF, OF | NX);
    EXPECT(fpu_add_h(H_MAX, 0x4c00, RTZ, FL), H_MAX, NX);
    EXPECT(fpu_add_h(H_MAX, 0x4c00, RDN, FL), H_MAX, NX);
    EXPECT(fpu_add_h(H_MAX, 0x4c00, RUP, FL), H_INF, OF | NX);
    /* max * 2 overflows in every mode; the result depends on mode and sign. */
    EXPECT(fpu_mul_h(H_MAX, 0x4000, RNE, FL), H_INF, OF | NX);
    EXPECT(fpu_mul_h(H_MAX, 0x4000, RTZ, FL), H_MAX, OF | NX);
    EXPECT(fpu_mul_h(H_MAX, 0x4000, RDN, FL), H_MAX, OF | NX);
    EXPECT(fpu_mul_h(H_MAX, 0x4000, RUP, FL), H_INF, OF | NX);
    EXPECT(fpu_mul_h(H_MAX, 0x4000, RMM, FL), H_INF, OF | NX);
    EXPECT(fpu_mul_h(0xfbff, 0x4000, RDN, FL), H_NINF, OF | NX);
    EXPECT(fpu_mul_h(0xfbff, 0x4000, RUP, FL), 0xfbff, OF | NX);
    EXPECT(fpu_mul_h(0xfbff, 0x4000, RTZ, FL), 0xfbff, OF | NX);
    /* Subnormals: 2^-24 * 0.5 is a tie between 0 and 2^-24. */
    EXPECT(fpu_mul_h(0x0001, 0x3800, RNE, FL), 0, UF | NX);
    EXPECT(fpu_mul_h(0x0001, 0x3800, RMM, FL), 0x0001, UF | NX);
    EXPECT(fpu_mul_h(0x0001, 0x3800, RUP, FL), 0x0001, UF | NX);
    EXPECT(fpu_mul_h(0x8001, 0x3800, RDN, FL), 0x8001, UF | NX);
    EXPECT(fpu_mul_h(0x8001, 0x3800, RUP, FL), 0x8000, UF | NX);
    EXPECT(fpu_mul_h(0x0400, 0x3800, RNE, FL), 0x0200, 0);     /* exact subnormal */
    EXPECT(fpu_sub_h(0x0400, 0x0001, RNE, FL), 0x03ff, 0);
    EXPECT(fpu_add_h(0x03ff, 0x0001, RNE, FL), 0x0400, 0);
    /* Tininess after rounding: (1 - 2^-10)(2^-14 (1 + 2^-10)) = 2^-14 (1 -
     * 2^-20) rounds (11 bits, unbounded exponent) to 2^-14 in RNE and RUP:
     * not tiny, NX only; in RTZ and RDN it stays below: tiny. */
    EXPECT(fpu_mul_h(0x3bfe, 0x0401, RNE, FL), 0x0400, NX);
    EXPECT(fpu_mul_h(0x3bfe, 0x0401, RUP, FL), 0x0400, NX);
    EXPECT(fpu_mul_h(0x3bfe, 0x0401, RTZ, FL), 0x03ff, UF | NX);
    EXPECT(fpu_mul_h(0x3bfe, 0x0401, RDN, FL), 0x03ff, UF | NX);
    /* 2^-14 (1 - 2^-11) is exact at 11 bits below 2^-14: tiny, and
     * inexact as a subnormal though it rounds to 2^-14. */
    EXPECT(fpu_mul_h(0x0400, 0x3bff, RNE, FL), 0x0400, UF | NX);
    /* Division, square root. */
    EXPECT(fpu_div_h(H_ONE, 0x4200, RNE, FL), 0x3555, NX);      /* 1/3 */
    EXPECT(fpu_div_h(H_ONE, 0x4200, RUP, FL), 0x3556, NX);
    EXPECT(fpu_div_h(H_ONE, 0, RNE, FL), H_INF, DZ);
    EXPECT(fpu_div_h(0x8000 | H_ONE, 0, RNE, FL), H_NINF, DZ);
    EXPECT(fpu_div_h(0, 0, RNE, FL), H_CNAN, NV);
    EXPECT(fpu_div_h(H_INF, H_INF, RNE, FL), H_CNAN, NV);
    EXPECT(fpu_sqrt_h(0x4000, RNE, FL), 0x3da8, NX);            /* sqrt 2 */
    EXPECT(fpu_sqrt_h(0x4000, RUP, FL), 0x3da9, NX);
    EXPECT(fpu_sqrt_h(0x4400, RNE, FL), 0x4000, 0);
    EXPECT(fpu_sqrt_h(0x8000, RNE, FL), 0x8000, 0);
    EXPECT(fpu_sqrt_h(0xbc00, RNE, FL), H_CNAN, NV);
    EXPECT(fpu_sqrt_h(0x0001, RNE, FL), 0x0c00, 0);             /* sqrt 2^-24 = 2^-12 */
}

static void test_directed_nan_fma_cvt(void **state)
{
    (void)state;
    /* Quiet NaN operands: canonical result, no flag; signalling: NV. */
    EXPECT(fpu_add_h(0xfe01, H_ONE, RNE, FL), H_CNAN, 0);
    EXPECT(fpu_mul_h(H_ONE, H_SNAN, RNE, FL), H_CNAN, NV);
    EXPECT(fpu_sqrt_h(0xfc01, RNE, FL), H_CNAN, NV);
    EXPECT(fpu_sub_h(H_INF, H_INF, RNE, FL), H_CNAN, NV);
    EXPECT(fpu_mul_h(H_INF, 0x8000, RNE, FL), H_CNAN, NV);
    /* FMA: one rounding. (1+2^-10)^2 - (1+2^-9) = 2^-20, a subnormal, exactly. */
    EXPECT(fpu_madd_h(0x3c01, 0x3c01, 0xbc02, RNE, FL), 0x0010, 0);
    EXPECT(fpu_madd_h(0x7c00, 0, H_CNAN, RNE, FL), H_CNAN, NV);  /* inf*0 + qNaN */
    EXPECT(fpu_nmadd_h(0, 0xfc00, 0xfe01, RNE, FL), H_CNAN, NV);
    EXPECT(fpu_madd_h(H_CNAN, 0, H_INF, RNE, FL), H_CNAN, 0);
    EXPECT(fpu_madd_h(H_INF, 0x4000, H_NINF, RNE, FL), H_CNAN, NV);
    EXPECT(fpu_madd_h(0x4000, 0x4200, H_ONE, RNE, FL), 0x4700, 0);   /* 2*3+1 */
    EXPECT(fpu_msub_h(0x4000, 0x4200, H_ONE, RNE, FL), 0x4500, 0);   /* 2*3-1 */
    EXPECT(fpu_nmsub_h(0x4000, 0x4200, H_ONE, RNE, FL), 0xc500, 0);  /* -(2*3)+1 */
    EXPECT(fpu_nmadd_h(0x4000, 0x4200, H_ONE, RNE, FL), 0xc700, 0);  /* -(2*3)-1 */
    EXPECT(fpu_madd_h(0x4000, 0x4200, 0xc600, RDN, FL), 0x8000, 0);  /* 6 - 6 in RDN */
    EXPECT(fpu_madd_h(0x8000, H_ONE, 0x8000, RNE, FL), 0x8000, 0);
    /* A tiny addend still decides the rounding of the product. */
    EXPECT(fpu_madd_h(H_ONE, H_ONE, 0x0001, RUP, FL), 0x3c01, NX);
    EXPECT(fpu_madd_h(H_ONE, H_ONE, 0x8001, RTZ, FL), 0x3bff, NX);
    EXPECT(fpu_madd_h(H_ONE, H_ONE, 0x8001, RNE, FL), H_ONE, NX);
    /* Conversions between formats. */
    EXPECT(fpu_cvt_s_h(H_SNAN, RNE, FL), FPU_CANON_NAN_S, NV);
    EXPECT(fpu_cvt_d_h(0xfe01, RNE, FL), FPU_CANON_NAN_D, 0);
    EXPECT(fpu_cvt_s_h(0x0001, RNE, FL), 0x33800000, 0);           /* 2^-24 */
    EXPECT(fpu_cvt_d_h(0xfbff, RNE, FL), 0xc0effc0000000000ull, 0);  /* -65504 */
    EXPECT(fpu_cvt_h_s(0x477ff000, RNE, FL), H_INF, OF | NX);      /* 65520: the tie */
    EXPECT(fpu_cvt_h_s(0x477ff000, RTZ, FL), H_MAX, NX);
    EXPECT(fpu_cvt_h_s(0x477fefff, RNE, FL), H_MAX, NX);
    EXPECT(fpu_cvt_h_s(0x7f7fffff, RDN, FL), H_MAX, OF | NX);
    EXPECT(fpu_cvt_h_s(0xff7fffff, RDN, FL), H_NINF, OF | NX);
    EXPECT(fpu_cvt_h_s(0x33000000, RNE, FL), 0, UF | NX);           /* 2^-25: tie to 0 */
    EXPECT(fpu_cvt_h_s(0x33000001, RNE, FL), 0x0001, UF | NX);
    EXPECT(fpu_cvt_h_s(0x33000000, RMM, FL), 0x0001, UF | NX);
    EXPECT(fpu_cvt_h_s(0x7f800001, RNE, FL), H_CNAN, NV);
    EXPECT(fpu_cvt_h_s(0xffc00001, RNE, FL), H_CNAN, 0);
    EXPECT(fpu_cvt_h_d(0x3ff0020000000000ull, RNE, FL), H_ONE, NX);  /* 1 + 2^-11 */
    EXPECT(fpu_cvt_h_d(0x3ff0020000000001ull, RNE, FL), 0x3c01, NX);
    EXPECT(fpu_cvt_h_d(0x0000000000000001ull, RUP, FL), 0x0001, UF | NX);
    EXPECT(fpu_cvt_h_d(0x8000000000000001ull, RUP, FL), 0x8000, UF | NX);
    /* Integer conversions: saturation, and overflow of int -> half. */
    EXPECT(fpu_cvt_w_h(H_INF, RNE, FL), 0x7fffffff, NV);
    EXPECT((uint32_t)fpu_cvt_w_h(H_NINF, RNE, FL), 0x80000000u, NV);
    EXPECT(fpu_cvt_w_h(H_CNAN, RNE, FL), 0x7fffffff, NV);
    EXPECT(fpu_cvt_wu_h(0xbc00, RNE, FL), 0, NV);
    EXPECT(fpu_cvt_wu_h(0xb800, RTZ, FL), 0, NX);                  /* -0.5 rounds to 0 */
    EXPECT(fpu_cvt_wu_h(0xb800, RDN, FL), 0, NV);
    EXPECT(fpu_cvt_l_h(0xfbff, RNE, FL), -65504, 0);
    EXPECT(fpu_cvt_lu_h(0xfe00, RNE, FL), ~0ull, NV);
    EXPECT(fpu_cvt_w_h(0x3e00, RNE, FL), 2, NX);                   /* 1.5 */
    EXPECT(fpu_cvt_w_h(0x4100, RNE, FL), 2, NX);                   /* 2.5 */
    EXPECT(fpu_cvt_w_h(0x4100, RMM, FL), 3, NX);
    EXPECT(fpu_cvt_h_w(65504, RNE, FL), H_MAX, 0);
    EXPECT(fpu_cvt_h_w(65520, RNE, FL), H_INF, OF | NX);
    EXPECT(fpu_cvt_h_w(65520, RTZ, FL), H_MAX, NX);
    EXPECT(fpu_cvt_h_w(-70000, RUP, FL), 0xfbff, OF | NX);
    EXPECT(fpu_cvt_h_w(-70000, RNE, FL), H_NINF, OF | NX);
    EXPECT(fpu_cvt_h_lu(~0ull, RTZ, FL), H_MAX, OF | NX);
    EXPECT(fpu_cvt_h_l(0, RDN, FL), 0, 0);
    EXPECT(fpu_cvt_h_wu(2049, RNE, FL), 0x6800, NX);               /* 2048 */
    EXPECT(fpu_cvt_h_wu(2049, RUP, FL), 0x6801, NX);
    /* Compares and min/max. */
    EXPECT(fpu_eq_h(0, 0x8000, FL), 1, 0);
    EXPECT(fpu_lt_h(0x8000, 0, FL), 0, 0);
    EXPECT(fpu_le_h(H_CNAN, H_ONE, FL), 0, NV);
    EXPECT(fpu_eq_h(H_CNAN, H_ONE, FL), 0, 0);
    EXPECT(fpu_eq_h(H_SNAN, H_ONE, FL), 0, NV);
    EXPECT(fpu_leq_h(H_CNAN, H_ONE, FL), 0, 0);
    EXPECT(fpu_ltq_h(H_ONE, H_SNAN, FL), 0, NV);
    EXPECT(fpu_ltq_h(H_NINF, 0x8001, FL), 1, 0);
    EXPECT(fpu_min_h(0, 0x8000, FL), 0x8000, 0);
    EXPECT(fpu_max_h(0x8000, 0, FL), 0, 0);
    EXPECT(fpu_min_h(H_SNAN, H_ONE, FL), H_ONE, NV);
    EXPECT(fpu_max_h(0xfe01, 0xfe02, FL), H_CNAN, 0);
    EXPECT(fpu_minm_h(H_CNAN, H_ONE, FL), H_CNAN, 0);
    EXPECT(fpu_maxm_h(H_ONE, H_SNAN, FL), H_CNAN, NV);
    EXPECT(fpu_minm_h(0x8000, 0, FL), 0x8000, 0);
    EXPECT(fpu_maxm_h(0x8000, 0, FL), 0, 0);
    EXPECT(fpu_class_h(H_SNAN), FPU_CLASS_SNAN, 0);
    EXPECT(fpu_class_h(0x83ff), FPU_CLASS_NEG_SUBNORMAL, 0);
    EXPECT(fpu_class_h(0x0400), FPU_CLASS_POS_NORMAL, 0);
}

/* Every FLI constant in every format (Zfa chapter, table "Immediate values
 * loaded by the FLI.S instruction", and the notes on FLI.D and FLI.H). */
static void test_fli_table(void **state)
{
    (void)state;
    static const uint32_t fli_s[32] = {
        0xbf800000, 0x00800000, 0x37800000, 0x38000000, 0x3b800000, 0x3c000000, 0x3d800000,
        0x3e000000, 0x3e800000, 0x3ea00000, 0x3ec00000, 0x3ee00000, 0x3f000000, 0x3f200000,
        0x3f400000, 0x3f600000, 0x3f800000, 0x3fa00000, 0x3fc00000, 0x3fe00000, 0x40000000,
        0x40200000, 0x40400000, 0x40800000, 0x41000000, 0x41800000, 0x43000000, 0x43800000,
        0x47000000, 0x47800000, 0x7f800000, 0x7fc00000,
    };
    static const uint64_t fli_d[32] = {
        0xbff0000000000000, 0x0010000000000000, 0x3ef0000000000000, 0x3f00000000000000,
        0x3f70000000000000, 0x3f80000000000000, 0x3fb0000000000000, 0x3fc0000000000000,
        0x3fd0000000000000, 0x3fd4000000000000, 0x3fd8000000000000, 0x3fdc000000000000,
        0x3fe0000000000000, 0x3fe4000000000000, 0x3fe8000000000000, 0x3fec000000000000,
        0x3ff0000000000000, 0x3ff4000000000000, 0x3ff8000000000000, 0x3ffc000000000000,
        0x4000000000000000, 0x4004000000000000, 0x4008000000000000, 0x4010000000000000,
        0x4020000000000000, 0x4030000000000000, 0x4060000000000000, 0x4070000000000000,
        0x40e0000000000000, 0x40f0000000000000, 0x7ff0000000000000, 0x7ff8000000000000,
    };
    /* Half: entry 1 is 2^-14, entries 2 and 3 (2^-16, 2^-15) are subnormal,
     * entry 29 (2^16) is +inf. */
    static const uint16_t fli_h[32] = {
        0xbc00, 0x0400, 0x0100, 0x0200, 0x1c00, 0x2000, 0x2c00, 0x3000,
        0x3400, 0x3500, 0x3600, 0x3700, 0x3800, 0x3900, 0x3a00, 0x3b00,
        0x3c00, 0x3d00, 0x3e00, 0x3f00, 0x4000, 0x4100, 0x4200, 0x4400,
        0x4800, 0x4c00, 0x5800, 0x5c00, 0x7800, 0x7c00, 0x7c00, 0x7e00,
    };
    static const double value[30] = {
        -1.0, 0, 0x1p-16, 0x1p-15, 0x1p-8, 0x1p-7, 0.0625, 0.125, 0.25, 0.3125, 0.375,
        0.4375, 0.5, 0.625, 0.75, 0.875, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3, 4, 8, 16, 128,
        256, 0x1p15, 0x1p16,
    };
    for (unsigned i = 0; i < 32; i++) {
        assert_int_equal(fpu_fli_s(i), fli_s[i]);
        assert_int_equal(fpu_fli_d(i), fli_d[i]);
        assert_int_equal(fpu_fli_h(i), fli_h[i]);
        /* The hex tables agree with the decimal column of the spec. */
        if (i < 30 && i != 1) {
            assert_true(u2f(fli_s[i]) == (float)value[i]);
            assert_true(u2d(fli_d[i]) == value[i]);
            if (i != 29) {
                assert_true(h2d(fli_h[i]) == value[i]);
            }
        }
    }
    assert_true(u2f(fli_s[1]) == 0x1p-126f);
    assert_true(u2d(fli_d[1]) == 0x1p-1022);
    assert_true(h2d(fli_h[1]) == 0x1p-14);
}

static void test_directed_zfa(void **state)
{
    (void)state;
    /* fround keeps zeros, infinities and the sign of a zero result. */
    EXPECT(fpu_round_h(0x8000, RNE, FL), 0x8000, 0);
    EXPECT(fpu_round_h(H_NINF, RNE, FL), H_NINF, 0);
    EXPECT(fpu_round_h(0xb400, RNE, FL), 0x8000, 0);           /* -0.25 */
    EXPECT(fpu_roundnx_h(0xb400, RNE, FL), 0x8000, NX);
    EXPECT(fpu_roundnx_h(0xb400, RDN, FL), 0xbc00, NX);
    EXPECT(fpu_round_h(0x4100, RNE, FL), 0x4000, 0);           /* 2.5 -> 2 */
    EXPECT(fpu_round_h(0x4100, RMM, FL), 0x4200, 0);           /* 2.5 -> 3 */
    EXPECT(fpu_round_h(0x3800, RUP, FL), H_ONE, 0);            /* 0.5 -> 1 */
    EXPECT(fpu_roundnx_h(0x6400, RNE, FL), 0x6400, 0);         /* 1024: integral */
    EXPECT(fpu_roundnx_h(0x63ff, RNE, FL), 0x6400, NX);        /* 1023.5 */
    EXPECT(fpu_round_h(0xfe01, RNE, FL), H_CNAN, 0);
    EXPECT(fpu_roundnx_h(H_SNAN, RNE, FL), H_CNAN, NV);
    EXPECT(fpu_round_s(0x3fc00000, RNE, FL), 0x40000000, 0);   /* 1.5 -> 2 */
    EXPECT(fpu_roundnx_s(0x3fc00000, RTZ, FL), 0x3f800000, NX);
    EXPECT(fpu_roundnx_s(0x4affffff, RUP, FL), 0x4b000000, NX); /* 2^23 - 0.5 */
    EXPECT(fpu_round_s(0x7f800001, RNE, FL), FPU_CANON_NAN_S, NV);
    EXPECT(fpu_round_d(0xbfe0000000000000ull, RMM, FL), 0xbff0000000000000ull, 0);
    EXPECT(fpu_roundnx_d(0x0000000000000001ull, RUP, FL), 0x3ff0000000000000ull, NX);
    EXPECT(fpu_roundnx_d(0x8000000000000001ull, RUP, FL), 0x8000000000000000ull, NX);
    EXPECT(fpu_roundnx_d(0x4330000000000001ull, RNE, FL), 0x4330000000000001ull, 0);
    /* fcvtmod.w.d: bits 31:0 of the truncated value, fcvt.w.d's flags. */
    EXPECT(fpu_cvtmod_w_d(0x41f0000000000000ull, FL), 0, NV);            /* 2^32 */
    EXPECT(fpu_cvtmod_w_d(0x41f0000000100000ull, FL), 1, NV);            /* 2^32 + 1 */
    EXPECT(fpu_cvtmod_w_d(0x41e0000000000000ull, FL), (uint64_t)INT32_MIN, NV); /* 2^31 */
    EXPECT(fpu_cvtmod_w_d(0xc1e0000000000000ull, FL), (uint64_t)INT32_MIN, 0);  /* -2^31 */
    EXPECT(fpu_cvtmod_w_d(0xc1f0000000100000ull, FL), (uint64_t)-1ll, NV);      /* -(2^32+1) */
    EXPECT(fpu_cvtmod_w_d(0xbff8000000000000ull, FL), (uint64_t)-1ll, NX);      /* -1.5 */
    EXPECT(fpu_cvtmod_w_d(0x41dfffffffe00000ull, FL), 0x7fffffff, NX);          /* 2^31 - 0.5 */
    EXPECT(fpu_cvtmod_w_d(0x4340000000000001ull, FL), 2, NV);            /* 2^53 + 2 */
    EXPECT(fpu_cvtmod_w_d(0x7fefffffffffffffull, FL), 0, NV);
    EXPECT(fpu_cvtmod_w_d(0x7ff0000000000000ull, FL), 0, NV);
    EXPECT(fpu_cvtmod_w_d(0xfff8000000000000ull, FL), 0, NV);
    EXPECT(fpu_cvtmod_w_d(0x7ff0000000000001ull, FL), 0, NV);
    EXPECT(fpu_cvtmod_w_d(0x8000000000000000ull, FL), 0, 0);
    EXPECT(fpu_cvtmod_w_d(0x0000000000000001ull, FL), 0, NX);
    /* fleq/fltq are quiet; fminm/fmaxm return NaN for any NaN operand. */
    EXPECT(fpu_leq_s(FPU_CANON_NAN_S, 0, FL), 0, 0);
    EXPECT(fpu_leq_s(0x80000000, 0, FL), 1, 0);
    EXPECT(fpu_ltq_s(0x80000000, 0, FL), 0, 0);
    EXPECT(fpu_ltq_d(0x7ff0000000000001ull, 0, FL), 0, NV);
    EXPECT(fpu_minm_s(FPU_CANON_NAN_S, 0x3f800000, FL), FPU_CANON_NAN_S, 0);
    EXPECT(fpu_maxm_d(0x7ff0000000000001ull, 0x3ff0000000000000ull, FL), FPU_CANON_NAN_D, NV);
    EXPECT(fpu_min_d(0x7ff0000000000001ull, 0x3ff0000000000000ull, FL), 0x3ff0000000000000ull, NV);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_directed_rounding),
        cmocka_unit_test(test_directed_nan_fma_cvt),
        cmocka_unit_test(test_fli_table),
        cmocka_unit_test(test_directed_zfa),
        cmocka_unit_test(test_diff_add),
        cmocka_unit_test(test_diff_sub),
        cmocka_unit_test(test_diff_mul),
        cmocka_unit_test(test_diff_div),
        cmocka_unit_test(test_exhaustive_sqrt),
        cmocka_unit_test(test_diff_fma),
        cmocka_unit_test(test_exhaustive_widen),
        cmocka_unit_test(test_diff_narrow),
        cmocka_unit_test(test_exhaustive_to_int),
        cmocka_unit_test(test_diff_from_int),
        cmocka_unit_test(test_compare_minmax_class),
        cmocka_unit_test(test_zfa_sd_minmax_compare),
        cmocka_unit_test(test_round_int),
        cmocka_unit_test(test_cvtmod),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
