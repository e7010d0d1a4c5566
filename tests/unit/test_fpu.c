/*
 * Tests for cpu/fpu: differential against the host's SSE arithmetic (which is
 * IEEE 754 with tininess after rounding, like RISC-V) in the four rounding
 * modes the host has, RMM checked against an exact binary128 reference, and
 * directed tests for RISC-V-specific behaviour the host does not share
 * (canonical NaN, fmin/fmax, fcvt saturation, fclass, fma inf*0+qNaN).
 *
 * This file must be compiled with -frounding-math -ffp-contract=off so host
 * operations happen at run time in the mode set by fesetround().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cpu/fpu.h"

typedef __float128 quad;

/* Random operands per operation and rounding mode (5 modes). */
#define N_PER_MODE 60000
#define MAX_REPORTS 6

static const int HOST_RM[4] = { FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD };
static const char *const RM_NAME[5] = { "RNE", "RTZ", "RDN", "RUP", "RMM" };

/* ---------------------------------------------------------------- helpers */

static uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static float u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static uint64_t d2u(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static double u2d(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }

static uint32_t host_flags(void)
{
    int e = fetestexcept(FE_ALL_EXCEPT);
    return ((e & FE_INEXACT) ? FPU_NX : 0) | ((e & FE_UNDERFLOW) ? FPU_UF : 0) |
           ((e & FE_OVERFLOW) ? FPU_OF : 0) | ((e & FE_DIVBYZERO) ? FPU_DZ : 0) |
           ((e & FE_INVALID) ? FPU_NV : 0);
}

/* xorshift64*: a fixed seed per test keeps every run identical. */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static uint64_t rng_below(uint64_t *s, uint64_t n)
{
    return rng_next(s) % n;
}

typedef struct Fmt {
    unsigned fb, eb;
    int bias;
} Fmt;

static const Fmt FS = { 23, 8, 127 };
static const Fmt FD = { 52, 11, 1023 };

static uint64_t fmt_emaxf(const Fmt *f) { return (1ull << f->eb) - 1; }
static uint64_t fmt_fmask(const Fmt *f) { return (1ull << f->fb) - 1; }

static uint64_t make_fp(const Fmt *f, bool sign, uint64_t field, uint64_t frac)
{
    return ((uint64_t)sign << (f->fb + f->eb)) | (field << f->fb) | (frac & fmt_fmask(f));
}

static uint64_t fp_field(const Fmt *f, uint64_t bits) { return (bits >> f->fb) & fmt_emaxf(f); }

static uint64_t gen_frac(uint64_t *s, const Fmt *f)
{
    uint64_t m = fmt_fmask(f);
    switch (rng_below(s, 7)) {
    case 0: return 0;
    case 1: return m;
    case 2: return rng_next(s) & m & ~((1ull << rng_below(s, f->fb)) - 1); /* trailing zeros: ties */
    case 3: return (rng_next(s) & m) >> rng_below(s, f->fb);
    case 4: return (1ull << rng_below(s, f->fb)) | (rng_next(s) & 1);
    case 5: return m ^ (1ull << rng_below(s, f->fb));
    default: return rng_next(s) & m;
    }
}

/* Random encoding biased toward special classes and the range edges. */
static uint64_t gen_fp(uint64_t *s, const Fmt *f)
{
    uint64_t emaxf = fmt_emaxf(f);
    int p = (int)f->fb + 1;
    bool sign = rng_next(s) & 1;
    uint64_t frac = gen_frac(s, f);
    uint64_t field;
    unsigned k = (unsigned)rng_below(s, 100);

    if (k < 4) {
        return make_fp(f, sign, 0, 0);
    } else if (k < 7) {
        return make_fp(f, sign, emaxf, 0);
    } else if (k < 10) {
        uint64_t quiet = (rng_next(s) & 1) << (f->fb - 1);
        uint64_t payload = rng_next(s) & (fmt_fmask(f) >> 1);
        return make_fp(f, sign, emaxf, quiet | payload | (quiet ? 0 : 1));
    } else if (k < 22) {
        return make_fp(f, sign, 0, frac ? frac : 1);
    } else if (k < 32) {
        field = 1 + rng_below(s, 3);
    } else if (k < 42) {
        field = emaxf - 1 - rng_below(s, 3);
    } else if (k < 55) {
        /* A small integer. */
        unsigned msb = (unsigned)rng_below(s, f->fb + 1);
        uint64_t n = (rng_next(s) | (1ull << 63)) >> (63 - msb);
        return make_fp(f, sign, (uint64_t)f->bias + msb, n << (f->fb - msb));
    } else if (k < 80) {
        field = (uint64_t)(f->bias + (int)rng_below(s, 2 * (p + 8)) - (p + 8));
    } else {
        field = 1 + rng_below(s, emaxf - 1);
    }
    return make_fp(f, sign, field, frac);
}

/* An operand close to `a` in exponent (cancellation, ties, alignment). */
static uint64_t gen_related(uint64_t *s, const Fmt *f, uint64_t a)
{
    uint64_t emaxf = fmt_emaxf(f);
    int p = (int)f->fb + 1;
    uint64_t field = fp_field(f, a);
    bool sign = rng_next(s) & 1;

    if (field == emaxf) {
        return gen_fp(s, f);
    }
    switch (rng_below(s, 4)) {
    case 0: /* equal or nearly equal magnitude */
        return make_fp(f, sign, field, (a & fmt_fmask(f)) ^ rng_below(s, 4));
    case 1: { /* exponent within the precision, random or sparse significand */
        int64_t nf = (int64_t)field - (int64_t)rng_below(s, (uint64_t)p + 3);
        if (nf < 0) {
            nf = 0;
        }
        return make_fp(f, sign, (uint64_t)nf, gen_frac(s, f));
    }
    case 2: { /* exactly half an ulp of a, or a few ulps either side */
        int64_t nf = (int64_t)field - p;
        if (nf <= 0) {
            return make_fp(f, sign, 0, 1ull << rng_below(s, f->fb));
        }
        return make_fp(f, sign, (uint64_t)nf, rng_below(s, 3));
    }
    default:
        return gen_fp(s, f);
    }
}

/*
 * A second factor putting a*b (or a/b) near the underflow or overflow edge,
 * half of the time within a few ulps of an exact power of two there, where
 * the rounded result may cross 2^emin or overflow.
 */
static uint64_t gen_edge_factor(uint64_t *s, const Fmt *f, uint64_t a, bool divide)
{
    int p = (int)f->fb + 1;
    int emin = 1 - f->bias, emax = f->bias;
    int64_t fa = (int64_t)fp_field(f, a);
    if (fa == 0 || fa == (int64_t)fmt_emaxf(f)) {
        return gen_fp(s, f);
    }
    int ea = (int)fa - f->bias;
    int target = (rng_next(s) & 1) ? emin - (int)rng_below(s, (uint64_t)p + 3) + 1
                                  : emax - 1 + (int)rng_below(s, 3);
    if (rng_next(s) & 1) {
        /* a's significand in [1, 2), as a double (exact for both formats). */
        double ma = f == &FD ? u2d(make_fp(f, false, (uint64_t)f->bias, a))
                             : (double)u2f((uint32_t)make_fp(f, false, (uint64_t)f->bias, a));
        double mb = divide ? ma : 1.0 / ma;
        int eb = divide ? ea - target : target - ea;
        uint64_t bits;
        if (f == &FD) {
            bits = d2u(ldexp(mb, eb));
        } else {
            bits = f2u((float)ldexp(mb, eb));
        }
        bits += rng_below(s, 7) - 3;
        return bits ^ ((rng_next(s) & 1) << (f->fb + f->eb));
    }
    int eb = divide ? ea - target : target - ea;
    int64_t fb = (int64_t)eb + f->bias;
    if (fb < 1 || fb >= (int64_t)fmt_emaxf(f)) {
        return gen_fp(s, f);
    }
    return make_fp(f, rng_next(s) & 1, (uint64_t)fb, gen_frac(s, f));
}

static uint64_t gen_int(uint64_t *s, unsigned width, bool is_signed)
{
    uint64_t mask = width == 64 ? ~0ull : (1ull << width) - 1;
    uint64_t v;
    switch (rng_below(s, 6)) {
    case 0: {
        uint64_t min = is_signed ? 1ull << (width - 1) : 0;
        const uint64_t special[6] = { 0, 1, mask, min, min - 1, min + 1 };
        v = special[rng_below(s, 6)];
        break;
    }
    case 1: v = rng_next(s); break;
    case 2: v = rng_next(s) >> rng_below(s, 64); break;
    case 3: { /* around the precision: 23..56 significant bits, shifted */
        unsigned bits = 23 + (unsigned)rng_below(s, 34);
        v = (rng_next(s) | (1ull << 63)) >> (64 - bits);
        v <<= rng_below(s, 64 - bits + 1) & 63;
        break;
    }
    case 4: v = (1ull << rng_below(s, width)) + rng_below(s, 5) - 2; break;
    default: v = (rng_next(s) >> rng_below(s, 64)) | 1; break;
    }
    if (is_signed && (rng_next(s) & 1)) {
        v = -v;
    }
    return v & mask;
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

static void finish(Stats *st)
{
    fesetround(FE_TONEAREST);
    if (st->bad) {
        print_message("%s: %lu of %lu wrong\n", st->name, st->bad, st->checked);
    }
    assert_int_equal(st->bad, 0);
}

/*
 * Round-to-nearest-ties-away reference. x is the exact result (when `exact`
 * is true; otherwise not representable in binary128, hence no tie at the
 * target precision) and rne the host's correctly rounded RNE result. RMM
 * differs from RNE only on an exact tie, where it picks the larger magnitude.
 * Flags are the same as RNE's: a tie cannot decide overflow or tininess
 * (those ties have an odd neighbour, which RNE also rounds up to).
 */
static double rmm_from_rne_d(quad x, bool exact, double rne)
{
    if (!exact || isnan(rne) || isinf(rne) || (quad)rne == x) {
        return rne;
    }
    double n = nextafter(rne, x > (quad)rne ? INFINITY : -INFINITY);
    if (isinf(n) || x != ((quad)rne + (quad)n) / 2) {
        return rne;
    }
    return fabs(n) > fabs(rne) ? n : rne;
}

static float rmm_from_rne_s(quad x, bool exact, float rne)
{
    if (!exact || isnan(rne) || isinf(rne) || (quad)rne == x) {
        return rne;
    }
    float n = nextafterf(rne, x > (quad)rne ? INFINITY : -INFINITY);
    if (isinf(n) || x != ((quad)rne + (quad)n) / 2) {
        return rne;
    }
    return fabsf(n) > fabsf(rne) ? n : rne;
}

/* ------------------------------------------------ arithmetic differential */

typedef enum Op { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_SQRT, OP_MADD, OP_MSUB, OP_NMSUB, OP_NMADD } Op;
static const char *const OP_NAME[] = { "add", "sub", "mul", "div", "sqrt",
                                       "madd", "msub", "nmsub", "nmadd" };

__attribute__((noinline)) static double host_d(Op op, double a, double b, double c)
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

__attribute__((noinline)) static float host_s(Op op, float a, float b, float c)
{
    volatile float x = a, y = b, z = c, r;
    switch (op) {
    case OP_ADD: r = x + y; break;
    case OP_SUB: r = x - y; break;
    case OP_MUL: r = x * y; break;
    case OP_DIV: r = x / y; break;
    case OP_SQRT: r = sqrtf(x); break;
    case OP_MADD: r = fmaf(x, y, z); break;
    case OP_MSUB: r = fmaf(x, y, -z); break;
    case OP_NMSUB: r = fmaf(-x, y, z); break;
    default: r = fmaf(-x, y, -z); break;
    }
    return r;
}

/*
 * IEEE 754-2019 7.2(c) leaves it to the implementation whether
 * fusedMultiplyAdd(0, inf, qNaN) signals invalid; x86 does not, RISC-V does
 * (unprivileged ISA 20191213 section 11.6: "...even when the addend is a quiet NaN").
 */
static bool fma_inf_times_zero(const Fmt *f, uint64_t a, uint64_t b)
{
    uint64_t mag = fmt_emaxf(f) << f->fb | fmt_fmask(f);
    uint64_t inf = fmt_emaxf(f) << f->fb;
    return ((a & mag) == inf && (b & mag) == 0) || ((a & mag) == 0 && (b & mag) == inf);
}

/* The exact result in binary128 (products of doubles are exact there);
 * *exact reports whether the one rounding of a sum/quotient lost anything.
 * sqrt is never a tie (an irrational or exactly representable root), so it
 * is reported inexact and RMM falls back to RNE. */
__attribute__((noinline)) static quad quad_op(Op op, quad a, quad b, quad c, bool *exact)
{
    volatile quad x = a, y = b, z = c, r = 0;
    feclearexcept(FE_ALL_EXCEPT);
    switch (op) {
    case OP_ADD: r = x + y; break;
    case OP_SUB: r = x - y; break;
    case OP_MUL: r = x * y; break;
    case OP_DIV: r = x / y; break;
    case OP_SQRT: *exact = false; return 0;
    case OP_MADD: r = x * y + z; break;
    case OP_MSUB: r = x * y - z; break;
    case OP_NMSUB: r = -(x * y) + z; break;
    default: r = -(x * y) - z; break;
    }
    *exact = !fetestexcept(FE_INEXACT);
    return r;
}

static uint64_t mine_d(Op op, uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fl)
{
    switch (op) {
    case OP_ADD: return fpu_add_d(a, b, rm, fl);
    case OP_SUB: return fpu_sub_d(a, b, rm, fl);
    case OP_MUL: return fpu_mul_d(a, b, rm, fl);
    case OP_DIV: return fpu_div_d(a, b, rm, fl);
    case OP_SQRT: return fpu_sqrt_d(a, rm, fl);
    case OP_MADD: return fpu_madd_d(a, b, c, rm, fl);
    case OP_MSUB: return fpu_msub_d(a, b, c, rm, fl);
    case OP_NMSUB: return fpu_nmsub_d(a, b, c, rm, fl);
    default: return fpu_nmadd_d(a, b, c, rm, fl);
    }
}

static uint32_t mine_s(Op op, uint32_t a, uint32_t b, uint32_t c, unsigned rm, uint32_t *fl)
{
    switch (op) {
    case OP_ADD: return fpu_add_s(a, b, rm, fl);
    case OP_SUB: return fpu_sub_s(a, b, rm, fl);
    case OP_MUL: return fpu_mul_s(a, b, rm, fl);
    case OP_DIV: return fpu_div_s(a, b, rm, fl);
    case OP_SQRT: return fpu_sqrt_s(a, rm, fl);
    case OP_MADD: return fpu_madd_s(a, b, c, rm, fl);
    case OP_MSUB: return fpu_msub_s(a, b, c, rm, fl);
    case OP_NMSUB: return fpu_nmsub_s(a, b, c, rm, fl);
    default: return fpu_nmadd_s(a, b, c, rm, fl);
    }
}

static void gen_operands(uint64_t *s, const Fmt *f, Op op, uint64_t *a, uint64_t *b, uint64_t *c)
{
    *a = gen_fp(s, f);
    unsigned k = (unsigned)rng_below(s, 10);
    if (op == OP_SQRT) {
        if (k < 8) { /* mostly non-negative: negative inputs all take one path */
            *a &= ~(1ull << (f->fb + f->eb));
        }
        k = (unsigned)rng_below(s, 10);
        if (k < 3) { /* perfect squares of short significands */
            uint64_t r = gen_fp(s, f) & ~((1ull << (f->fb / 2 + 1)) - 1);
            if (f == &FD) {
                *a = d2u(u2d(r) * u2d(r));
            } else {
                *a = f2u(u2f((uint32_t)r) * u2f((uint32_t)r));
            }
        }
        *b = *c = 0;
        return;
    }
    if ((op == OP_MUL || op == OP_DIV || op >= OP_MADD) && k < 3) {
        *b = gen_edge_factor(s, f, *a, op == OP_DIV);
    } else if (k < 7) {
        *b = gen_related(s, f, *a);
    } else {
        *b = gen_fp(s, f);
    }
    *c = gen_fp(s, f);
    if (op >= OP_MADD) {
        k = (unsigned)rng_below(s, 10);
        if (k < 4) { /* near the negated product: deep cancellation */
            uint64_t prod = f == &FD ? d2u(u2d(*a) * u2d(*b)) : f2u(u2f((uint32_t)*a) * u2f((uint32_t)*b));
            uint64_t flip = (op == OP_MADD || op == OP_NMADD) ? 1 : 0;  /* c enters as +c or -c */
            *c = (prod ^ (flip << (f->fb + f->eb))) ^ rng_below(s, 4);
        } else if (k < 7) {
            *c = gen_related(s, f, *a);
        }
    }
}

static void diff_arith(Op op, bool dbl)
{
    const Fmt *f = dbl ? &FD : &FS;
    char name[32];
    snprintf(name, sizeof(name), "%s_%s", OP_NAME[op], dbl ? "d" : "s");
    Stats st = { name, 0, 0 };

    for (unsigned rm = 0; rm < 5; rm++) {
        uint64_t seed = 0x9e3779b97f4a7c15ull ^ ((uint64_t)op << 8) ^ ((uint64_t)dbl << 16) ^ rm;
        fesetround(HOST_RM[rm == FPU_RM_RMM ? 0 : rm]);
        for (int i = 0; i < N_PER_MODE; i++) {
            uint64_t a, b, c, want, got;
            uint32_t wantf, gotf = 0;
            gen_operands(&seed, f, op, &a, &b, &c);
            bool host_misses_nv = op >= OP_MADD && fma_inf_times_zero(f, a, b);
            feclearexcept(FE_ALL_EXCEPT);
            if (dbl) {
                double r = host_d(op, u2d(a), u2d(b), u2d(c));
                wantf = host_flags();
                if (rm == FPU_RM_RMM) {
                    bool exact;
                    quad x = quad_op(op, u2d(a), u2d(b), u2d(c), &exact);
                    r = rmm_from_rne_d(x, exact, r);
                }
                want = isnan(r) ? FPU_CANON_NAN_D : d2u(r);
                got = mine_d(op, a, b, c, rm, &gotf);
            } else {
                float r = host_s(op, u2f((uint32_t)a), u2f((uint32_t)b), u2f((uint32_t)c));
                wantf = host_flags();
                if (rm == FPU_RM_RMM) {
                    bool exact;
                    quad x = quad_op(op, u2f((uint32_t)a), u2f((uint32_t)b), u2f((uint32_t)c), &exact);
                    r = rmm_from_rne_s(x, exact, r);
                }
                want = isnan(r) ? FPU_CANON_NAN_S : f2u(r);
                got = mine_s(op, (uint32_t)a, (uint32_t)b, (uint32_t)c, rm, &gotf);
            }
            if (host_misses_nv) {
                wantf |= FPU_NV;
            }
            check(&st, rm, a, b, c, got, gotf, want, wantf);
        }
    }
    finish(&st);
}

static void test_diff_add(void **state) { (void)state; diff_arith(OP_ADD, false); diff_arith(OP_ADD, true); }
static void test_diff_sub(void **state) { (void)state; diff_arith(OP_SUB, false); diff_arith(OP_SUB, true); }
static void test_diff_mul(void **state) { (void)state; diff_arith(OP_MUL, false); diff_arith(OP_MUL, true); }
static void test_diff_div(void **state) { (void)state; diff_arith(OP_DIV, false); diff_arith(OP_DIV, true); }
static void test_diff_sqrt(void **state) { (void)state; diff_arith(OP_SQRT, false); diff_arith(OP_SQRT, true); }

static void test_diff_fma(void **state)
{
    (void)state;
    for (Op op = OP_MADD; op <= OP_NMADD; op++) {
        diff_arith(op, false);
        diff_arith(op, true);
    }
}

/* ------------------------------------------------ conversions differential */

/* s -> d is exact in every mode; d -> s rounds. */
static void test_diff_cvt_sd(void **state)
{
    (void)state;
    Stats st_ds = { "cvt_d_s", 0, 0 }, st_sd = { "cvt_s_d", 0, 0 };
    for (unsigned rm = 0; rm < 5; rm++) {
        uint64_t seed = 0x1234567887654321ull ^ rm;
        fesetround(HOST_RM[rm == FPU_RM_RMM ? 0 : rm]);
        for (int i = 0; i < N_PER_MODE; i++) {
            uint32_t gotf = 0, wantf;
            volatile float hf = u2f((uint32_t)gen_fp(&seed, &FS));
            feclearexcept(FE_ALL_EXCEPT);
            volatile double hd = hf;
            wantf = host_flags();
            uint64_t got = fpu_cvt_d_s(f2u(hf), rm, &gotf);
            check(&st_ds, rm, f2u(hf), 0, 0, got, gotf, isnan(hd) ? FPU_CANON_NAN_D : d2u(hd), wantf);

            /* Doubles drawn around the single-precision range edges too. */
            uint64_t a = gen_fp(&seed, &FD);
            if (rng_below(&seed, 2)) {
                static const int edge[] = { -149, -126, 127 };
                int64_t e = 1023 + edge[rng_below(&seed, 3)] + (int64_t)rng_below(&seed, 9) - 4;
                a = make_fp(&FD, a >> 63, (uint64_t)e, a);
            }
            volatile double d = u2d(a);
            feclearexcept(FE_ALL_EXCEPT);
            volatile float r = (float)d;
            wantf = host_flags();
            float rf = r;
            if (rm == FPU_RM_RMM) {
                rf = rmm_from_rne_s(d, true, rf);
            }
            gotf = 0;
            got = fpu_cvt_s_d(a, rm, &gotf);
            check(&st_sd, rm, a, 0, 0, got, gotf, isnan(rf) ? FPU_CANON_NAN_S : f2u(rf), wantf);
        }
    }
    finish(&st_ds);
    finish(&st_sd);
}

/* Integer -> float: 8 functions, host casts in each mode. */
typedef enum IntType { IT_W, IT_WU, IT_L, IT_LU } IntType;
static const char *const IT_NAME[] = { "w", "wu", "l", "lu" };
static const unsigned IT_WIDTH[] = { 32, 32, 64, 64 };
static const bool IT_SIGNED[] = { true, false, true, false };

__attribute__((noinline)) static quad int_value(IntType t, uint64_t v)
{
    switch (t) {
    case IT_W: return (int32_t)(uint32_t)v;
    case IT_WU: return (uint32_t)v;
    case IT_L: return (int64_t)v;
    default: return v;
    }
}

__attribute__((noinline)) static double host_int_to_d(IntType t, uint64_t v)
{
    volatile uint64_t x = v;
    volatile double r;
    switch (t) {
    case IT_W: r = (double)(int32_t)(uint32_t)x; break;
    case IT_WU: r = (double)(uint32_t)x; break;
    case IT_L: r = (double)(int64_t)x; break;
    default: r = (double)x; break;
    }
    return r;
}

__attribute__((noinline)) static float host_int_to_s(IntType t, uint64_t v)
{
    volatile uint64_t x = v;
    volatile float r;
    switch (t) {
    case IT_W: r = (float)(int32_t)(uint32_t)x; break;
    case IT_WU: r = (float)(uint32_t)x; break;
    case IT_L: r = (float)(int64_t)x; break;
    default: r = (float)x; break;
    }
    return r;
}

static uint64_t mine_int_to_fp(IntType t, bool dbl, uint64_t v, unsigned rm, uint32_t *fl)
{
    if (dbl) {
        switch (t) {
        case IT_W: return fpu_cvt_d_w((int32_t)(uint32_t)v, rm, fl);
        case IT_WU: return fpu_cvt_d_wu((uint32_t)v, rm, fl);
        case IT_L: return fpu_cvt_d_l((int64_t)v, rm, fl);
        default: return fpu_cvt_d_lu(v, rm, fl);
        }
    }
    switch (t) {
    case IT_W: return fpu_cvt_s_w((int32_t)(uint32_t)v, rm, fl);
    case IT_WU: return fpu_cvt_s_wu((uint32_t)v, rm, fl);
    case IT_L: return fpu_cvt_s_l((int64_t)v, rm, fl);
    default: return fpu_cvt_s_lu(v, rm, fl);
    }
}

static void test_diff_int_to_fp(void **state)
{
    (void)state;
    for (IntType t = IT_W; t <= IT_LU; t++) {
        for (int dbl = 0; dbl < 2; dbl++) {
            char name[32];
            snprintf(name, sizeof(name), "cvt_%s_%s", dbl ? "d" : "s", IT_NAME[t]);
            Stats st = { name, 0, 0 };
            for (unsigned rm = 0; rm < 5; rm++) {
                uint64_t seed = 0xdeadbeefcafef00dull ^ ((uint64_t)t << 8) ^ ((uint64_t)dbl << 12) ^ rm;
                fesetround(HOST_RM[rm == FPU_RM_RMM ? 0 : rm]);
                for (int i = 0; i < N_PER_MODE; i++) {
                    uint64_t v = gen_int(&seed, IT_WIDTH[t], IT_SIGNED[t]), want, got;
                    uint32_t wantf, gotf = 0;
                    feclearexcept(FE_ALL_EXCEPT);
                    if (dbl) {
                        double r = host_int_to_d(t, v);
                        wantf = host_flags();
                        if (rm == FPU_RM_RMM) {
                            r = rmm_from_rne_d(int_value(t, v), true, r);
                        }
                        want = d2u(r);
                    } else {
                        float r = host_int_to_s(t, v);
                        wantf = host_flags();
                        if (rm == FPU_RM_RMM) {
                            r = rmm_from_rne_s(int_value(t, v), true, r);
                        }
                        want = f2u(r);
                    }
                    got = mine_int_to_fp(t, dbl, v, rm, &gotf);
                    check(&st, rm, v, 0, 0, got, gotf, want, wantf);
                }
            }
            finish(&st);
        }
    }
}

/*
 * Float -> integer: the host rounds to an integral value (rint() in the
 * current mode, round() for RMM); saturation and flags then follow the
 * spec's table for FCVT.int.fmt.
 */
static uint64_t mine_fp_to_int(IntType t, bool dbl, uint64_t a, unsigned rm, uint32_t *fl)
{
    if (dbl) {
        switch (t) {
        case IT_W: return (uint32_t)fpu_cvt_w_d(a, rm, fl);
        case IT_WU: return fpu_cvt_wu_d(a, rm, fl);
        case IT_L: return (uint64_t)fpu_cvt_l_d(a, rm, fl);
        default: return fpu_cvt_lu_d(a, rm, fl);
        }
    }
    switch (t) {
    case IT_W: return (uint32_t)fpu_cvt_w_s((uint32_t)a, rm, fl);
    case IT_WU: return fpu_cvt_wu_s((uint32_t)a, rm, fl);
    case IT_L: return (uint64_t)fpu_cvt_l_s((uint32_t)a, rm, fl);
    default: return fpu_cvt_lu_s((uint32_t)a, rm, fl);
    }
}

static void expect_fp_to_int(IntType t, double x, unsigned rm, uint64_t *want, uint32_t *wantf)
{
    static const double lo[] = { -0x1p31, 0.0, -0x1p63, 0.0 };
    static const double hi_excl[] = { 0x1p31, 0x1p32, 0x1p63, 0x1p64 };
    static const uint64_t maxv[] = { 0x7fffffff, 0xffffffff, 0x7fffffffffffffff, ~0ull };
    static const uint64_t minv[] = { 0x80000000, 0, 0x8000000000000000, 0 };

    *wantf = 0;
    if (isnan(x)) {
        *want = maxv[t];
        *wantf = FPU_NV;
        return;
    }
    volatile double vx = x;
    double r = rm == FPU_RM_RMM ? round(vx) : rint(vx);
    if (r >= hi_excl[t] || r < lo[t]) {
        *want = r > 0 ? maxv[t] : minv[t];
        *wantf = FPU_NV;
        return;
    }
    if (r != x) {
        *wantf = FPU_NX;
    }
    if (r >= 0x1p63) {
        *want = (uint64_t)r;
    } else {
        int64_t iv = (int64_t)r;
        *want = IT_WIDTH[t] == 32 ? (uint32_t)iv : (uint64_t)iv;
    }
}

/* Operands near integers, halves and the edges of each integer type. */
static uint64_t gen_cvt_operand(uint64_t *s, const Fmt *f, IntType t)
{
    unsigned k = (unsigned)rng_below(s, 10);
    double v;
    if (k < 4) {
        return gen_fp(s, f);
    } else if (k < 7) {
        static const double edge[] = { 0x1p31, 0x1p32, 0x1p63, 0x1p64, 1.0, 0.5 };
        v = edge[rng_below(s, 6)];
        if (rng_next(s) & 1) {
            v = -v;
        }
        uint64_t bits = f == &FD ? d2u(v) : f2u((float)v);
        return bits + rng_below(s, 7) - 3;
    } else {
        unsigned width = IT_WIDTH[t] < f->fb ? IT_WIDTH[t] : f->fb;
        uint64_t n = rng_next(s) >> (64 - rng_below(s, width) - 1);
        v = (double)n + (double)rng_below(s, 8) / 4.0 - 0.5;
        if (rng_next(s) & 1) {
            v = -v;
        }
        return f == &FD ? d2u(v) : f2u((float)v);
    }
}

static void test_diff_fp_to_int(void **state)
{
    (void)state;
    for (IntType t = IT_W; t <= IT_LU; t++) {
        for (int dbl = 0; dbl < 2; dbl++) {
            const Fmt *f = dbl ? &FD : &FS;
            char name[32];
            snprintf(name, sizeof(name), "cvt_%s_%s", IT_NAME[t], dbl ? "d" : "s");
            Stats st = { name, 0, 0 };
            for (unsigned rm = 0; rm < 5; rm++) {
                uint64_t seed = 0x0123456789abcdefull ^ ((uint64_t)t << 8) ^ ((uint64_t)dbl << 12) ^ rm;
                fesetround(HOST_RM[rm == FPU_RM_RMM ? 0 : rm]);
                for (int i = 0; i < N_PER_MODE; i++) {
                    uint64_t a = gen_cvt_operand(&seed, f, t), want, got;
                    uint32_t wantf, gotf = 0;
                    double x = dbl ? u2d(a) : (double)u2f((uint32_t)a);
                    expect_fp_to_int(t, x, rm, &want, &wantf);
                    got = mine_fp_to_int(t, dbl, a, rm, &gotf);
                    check(&st, rm, a, 0, 0, got, gotf, want, wantf);
                }
            }
            finish(&st);
        }
    }
}

/* ------------------------------------------------ comparisons, min/max, class */

__attribute__((noinline)) static int host_cmp_d(int rel, double a, double b)
{
    volatile double x = a, y = b;
    return rel == 0 ? x == y : rel == 1 ? x < y : x <= y;
}

__attribute__((noinline)) static int host_cmp_s(int rel, float a, float b)
{
    volatile float x = a, y = b;
    return rel == 0 ? x == y : rel == 1 ? x < y : x <= y;
}

static void test_diff_compare(void **state)
{
    (void)state;
    Stats st = { "compare", 0, 0 };
    uint64_t seed = 0x5555aaaa3333ccccull;
    fesetround(FE_TONEAREST);
    for (int i = 0; i < 3 * N_PER_MODE; i++) {
        int dbl = i & 1;
        const Fmt *f = dbl ? &FD : &FS;
        uint64_t a = gen_fp(&seed, f);
        uint64_t b = rng_below(&seed, 3) ? gen_related(&seed, f, a) : a ^ (rng_below(&seed, 2) << (f->fb + f->eb));
        for (int rel = 0; rel < 3; rel++) {
            uint32_t gotf = 0, wantf;
            int want, got;
            feclearexcept(FE_ALL_EXCEPT);
            if (dbl) {
                want = host_cmp_d(rel, u2d(a), u2d(b));
                wantf = host_flags();
                got = rel == 0 ? fpu_eq_d(a, b, &gotf) : rel == 1 ? fpu_lt_d(a, b, &gotf) : fpu_le_d(a, b, &gotf);
            } else {
                want = host_cmp_s(rel, u2f((uint32_t)a), u2f((uint32_t)b));
                wantf = host_flags();
                got = rel == 0 ? fpu_eq_s((uint32_t)a, (uint32_t)b, &gotf)
                    : rel == 1 ? fpu_lt_s((uint32_t)a, (uint32_t)b, &gotf)
                               : fpu_le_s((uint32_t)a, (uint32_t)b, &gotf);
            }
            check(&st, 0, a, b, (uint64_t)rel, (uint64_t)got, gotf, (uint64_t)want, wantf);
        }
    }
    finish(&st);
}

static bool is_snan_bits(const Fmt *f, uint64_t a)
{
    return fp_field(f, a) == fmt_emaxf(f) && (a & fmt_fmask(f)) != 0 && !((a >> (f->fb - 1)) & 1);
}

/* Reference minimumNumber/maximumNumber on host values. */
static uint64_t ref_minmax(const Fmt *f, uint64_t a, uint64_t b, bool is_max, uint32_t *fl)
{
    bool dbl = f == &FD;
    double x = dbl ? u2d(a) : u2f((uint32_t)a), y = dbl ? u2d(b) : u2f((uint32_t)b);
    if (is_snan_bits(f, a) || is_snan_bits(f, b)) {
        *fl |= FPU_NV;
    }
    if (isnan(x) && isnan(y)) {
        return dbl ? FPU_CANON_NAN_D : FPU_CANON_NAN_S;
    }
    if (isnan(x)) {
        return b;
    }
    if (isnan(y)) {
        return a;
    }
    if (x == y) { /* only ±0 pairs can differ in bits */
        bool a_neg = signbit(x) != 0;
        return (a_neg != is_max) ? a : b;
    }
    return ((x < y) != is_max) ? a : b;
}

static uint64_t ref_class(const Fmt *f, uint64_t a)
{
    bool dbl = f == &FD;
    bool neg = (a >> (f->fb + f->eb)) & 1;
    switch (dbl ? fpclassify(u2d(a)) : fpclassify(u2f((uint32_t)a))) {
    case FP_NAN: return is_snan_bits(f, a) ? FPU_CLASS_SNAN : FPU_CLASS_QNAN;
    case FP_INFINITE: return neg ? FPU_CLASS_NEG_INF : FPU_CLASS_POS_INF;
    case FP_ZERO: return neg ? FPU_CLASS_NEG_ZERO : FPU_CLASS_POS_ZERO;
    case FP_SUBNORMAL: return neg ? FPU_CLASS_NEG_SUBNORMAL : FPU_CLASS_POS_SUBNORMAL;
    default: return neg ? FPU_CLASS_NEG_NORMAL : FPU_CLASS_POS_NORMAL;
    }
}

static void test_random_minmax_class(void **state)
{
    (void)state;
    Stats st = { "minmax", 0, 0 }, stc = { "class", 0, 0 };
    uint64_t seed = 0x0f0f0f0ff0f0f0f0ull;
    for (int i = 0; i < 2 * N_PER_MODE; i++) {
        int dbl = i & 1;
        const Fmt *f = dbl ? &FD : &FS;
        uint64_t a = gen_fp(&seed, f);
        uint64_t b = rng_below(&seed, 2) ? gen_related(&seed, f, a) : gen_fp(&seed, f);
        for (int is_max = 0; is_max < 2; is_max++) {
            uint32_t gotf = 0, wantf = 0;
            uint64_t want = ref_minmax(f, a, b, is_max, &wantf), got;
            if (dbl) {
                got = is_max ? fpu_max_d(a, b, &gotf) : fpu_min_d(a, b, &gotf);
            } else {
                got = is_max ? fpu_max_s((uint32_t)a, (uint32_t)b, &gotf) : fpu_min_s((uint32_t)a, (uint32_t)b, &gotf);
            }
            check(&st, 0, a, b, (uint64_t)is_max, got, gotf, want, wantf);
        }
        uint64_t cls = dbl ? fpu_class_d(a) : fpu_class_s((uint32_t)a);
        check(&stc, 0, a, 0, 0, cls, 0, ref_class(f, a), 0);
    }
    finish(&st);
    finish(&stc);
}

/* ------------------------------------------------ directed tests */

#define S(x) f2u(x)
#define D(x) d2u(x)

#define EXPECT_S(call, want_bits, want_flags) do {                         \
        uint32_t fl_ = 0;                                                  \
        uint32_t r_ = (call);                                              \
        if (r_ != (uint32_t)(want_bits) || fl_ != (uint32_t)(want_flags)) { \
            print_message("%s: got %#x/%#x want %#x/%#x\n", #call, r_, fl_, \
                          (uint32_t)(want_bits), (uint32_t)(want_flags));  \
        }                                                                  \
        assert_int_equal(r_, (uint32_t)(want_bits));                       \
        assert_int_equal(fl_, (uint32_t)(want_flags));                     \
    } while (0)

#define EXPECT_D(call, want_bits, want_flags) do {                         \
        uint32_t fl_ = 0;                                                  \
        uint64_t r_ = (call);                                              \
        if (r_ != (uint64_t)(want_bits) || fl_ != (uint32_t)(want_flags)) { \
            print_message("%s: got %#llx/%#x want %#llx/%#x\n", #call,      \
                          (unsigned long long)r_, fl_,                     \
                          (unsigned long long)(want_bits), (uint32_t)(want_flags)); \
        }                                                                  \
        assert_int_equal(r_, (uint64_t)(want_bits));                       \
        assert_int_equal(fl_, (uint32_t)(want_flags));                     \
    } while (0)

/* In the EXPECT_* calls, `&fl_` is the flag accumulator. */
#define FL (&fl_)

enum {
    NX = FPU_NX, UF = FPU_UF, OF = FPU_OF, DZ = FPU_DZ, NV = FPU_NV,
    RNE = FPU_RM_RNE, RTZ = FPU_RM_RTZ, RDN = FPU_RM_RDN, RUP = FPU_RM_RUP, RMM = FPU_RM_RMM,
};

#define QNAN_S 0x7fc00000u
#define SNAN_S 0x7f800001u
#define QNAN_PAYLOAD_S 0xffc12345u
#define SNAN_D 0x7ff0000000000001ull
#define QNAN_PAYLOAD_D 0xfff8000000abcdefull
#define INF_S 0x7f800000u
#define NINF_S 0xff800000u
#define INF_D 0x7ff0000000000000ull
#define NINF_D 0xfff0000000000000ull
#define CNAN_S FPU_CANON_NAN_S
#define CNAN_D FPU_CANON_NAN_D

static void test_rmm_ties(void **state)
{
    (void)state;
    /* 1 + half an ulp: ties-to-even stays, ties-away goes up. */
    EXPECT_S(fpu_add_s(S(1.0f), S(0x1p-24f), RNE, FL), 0x3f800000, NX);
    EXPECT_S(fpu_add_s(S(1.0f), S(0x1p-24f), RMM, FL), 0x3f800001, NX);
    EXPECT_S(fpu_add_s(S(-1.0f), S(-0x1p-24f), RMM, FL), 0xbf800001, NX);
    EXPECT_S(fpu_add_s(S(-1.0f), S(-0x1p-24f), RDN, FL), 0xbf800001, NX);
    EXPECT_S(fpu_add_s(S(-1.0f), S(-0x1p-24f), RUP, FL), 0xbf800000, NX);
    /* An odd significand plus half an ulp: both nearest modes go up. */
    EXPECT_S(fpu_add_s(0x3f800001, S(0x1p-24f), RNE, FL), 0x3f800002, NX);
    EXPECT_S(fpu_add_s(0x3f800001, S(0x1p-24f), RMM, FL), 0x3f800002, NX);
    /* Just below the tie: both nearest modes go down. */
    EXPECT_S(fpu_add_s(S(1.0f), S(0x1.fffffep-25f), RMM, FL), 0x3f800000, NX);
    EXPECT_D(fpu_add_d(D(1.0), D(0x1p-53), RNE, FL), 0x3ff0000000000000ull, NX);
    EXPECT_D(fpu_add_d(D(1.0), D(0x1p-53), RMM, FL), 0x3ff0000000000001ull, NX);
    /* 2^24 + 1 has no single-precision representation. */
    EXPECT_S(fpu_cvt_s_w(16777217, RNE, FL), 0x4b800000, NX);
    EXPECT_S(fpu_cvt_s_w(16777217, RMM, FL), 0x4b800001, NX);
    EXPECT_S(fpu_cvt_s_w(-16777217, RMM, FL), 0xcb800001, NX);
    EXPECT_D(fpu_cvt_d_l((int64_t)((1ull << 53) + 1), RMM, FL), 0x4340000000000001ull, NX);
    EXPECT_D(fpu_cvt_d_l((int64_t)((1ull << 53) + 1), RNE, FL), 0x4340000000000000ull, NX);
    /* Tie below the smallest subnormal: half of it. */
    EXPECT_D(fpu_mul_d(1, D(0.5), RNE, FL), 0, UF | NX);
    EXPECT_D(fpu_mul_d(1, D(0.5), RMM, FL), 1, UF | NX);
    EXPECT_D(fpu_mul_d(3, D(0.5), RNE, FL), 2, UF | NX);
    EXPECT_D(fpu_mul_d(3, D(0.5), RMM, FL), 2, UF | NX);
    EXPECT_S(fpu_mul_s(0x80000001, S(0.5f), RMM, FL), 0x80000001, UF | NX);
    EXPECT_S(fpu_div_s(5, S(2.0f), RMM, FL), 3, UF | NX);
    EXPECT_S(fpu_div_s(5, S(2.0f), RNE, FL), 2, UF | NX);
    /* fcvt to integer: halves go away from zero. */
    EXPECT_S((uint32_t)fpu_cvt_w_s(S(2.5f), RMM, FL), 3, NX);
    EXPECT_S((uint32_t)fpu_cvt_w_s(S(2.5f), RNE, FL), 2, NX);
    EXPECT_S((uint32_t)fpu_cvt_w_s(S(-2.5f), RMM, FL), (uint32_t)-3, NX);
    EXPECT_S((uint32_t)fpu_cvt_w_s(S(3.5f), RNE, FL), 4, NX);
    EXPECT_S((uint32_t)fpu_cvt_w_d(D(-0.5), RMM, FL), (uint32_t)-1, NX);
    EXPECT_S(fpu_cvt_wu_d(D(0.5), RMM, FL), 1, NX);
    EXPECT_D((uint64_t)fpu_cvt_l_d(D(-1.5), RMM, FL), (uint64_t)-2, NX);
    EXPECT_D(fpu_cvt_lu_s(S(0.5f), RNE, FL), 0, NX);
    EXPECT_D(fpu_cvt_lu_s(S(0.5f), RMM, FL), 1, NX);
}

static void test_rounding_modes_and_overflow(void **state)
{
    (void)state;
    const uint64_t MAX_D = 0x7fefffffffffffffull;
    EXPECT_D(fpu_mul_d(MAX_D, D(2.0), RNE, FL), INF_D, OF | NX);
    EXPECT_D(fpu_mul_d(MAX_D, D(2.0), RMM, FL), INF_D, OF | NX);
    EXPECT_D(fpu_mul_d(MAX_D, D(2.0), RTZ, FL), MAX_D, OF | NX);
    EXPECT_D(fpu_mul_d(MAX_D, D(2.0), RDN, FL), MAX_D, OF | NX);
    EXPECT_D(fpu_mul_d(MAX_D, D(2.0), RUP, FL), INF_D, OF | NX);
    EXPECT_D(fpu_mul_d(MAX_D, D(-2.0), RDN, FL), NINF_D, OF | NX);
    EXPECT_D(fpu_mul_d(MAX_D, D(-2.0), RUP, FL), MAX_D | (1ull << 63), OF | NX);
    EXPECT_S(fpu_add_s(0x7f7fffff, 0x73000000, RNE, FL), INF_S, OF | NX);  /* max + half ulp */
    EXPECT_S(fpu_add_s(0x7f7fffff, 0x72ffffff, RNE, FL), 0x7f7fffff, NX);
    /* Exact cancellation: +0, except -0 when rounding down (IEEE 754 6.3). */
    EXPECT_D(fpu_sub_d(D(1.5), D(1.5), RNE, FL), 0, 0);
    EXPECT_D(fpu_sub_d(D(1.5), D(1.5), RDN, FL), 1ull << 63, 0);
    EXPECT_D(fpu_add_d(1ull << 63, 1ull << 63, RNE, FL), 1ull << 63, 0);
    EXPECT_D(fpu_add_d(0, 1ull << 63, RNE, FL), 0, 0);
    EXPECT_D(fpu_add_d(0, 1ull << 63, RDN, FL), 1ull << 63, 0);
    EXPECT_S(fpu_add_s(0x80000000, S(2.0f), RNE, FL), S(2.0f), 0);
    /* Division by zero and invalid. */
    EXPECT_D(fpu_div_d(D(1.0), 0, RNE, FL), INF_D, DZ);
    EXPECT_D(fpu_div_d(D(-1.0), 0, RNE, FL), NINF_D, DZ);
    EXPECT_D(fpu_div_d(D(1.0), 1ull << 63, RNE, FL), NINF_D, DZ);
    EXPECT_D(fpu_div_d(INF_D, 0, RNE, FL), INF_D, 0);
    EXPECT_S(fpu_div_s(0, 0, RNE, FL), CNAN_S, NV);
    EXPECT_S(fpu_div_s(INF_S, NINF_S, RNE, FL), CNAN_S, NV);
    EXPECT_S(fpu_sqrt_s(0x80000000, RNE, FL), 0x80000000, 0);
    EXPECT_S(fpu_sqrt_s(INF_S, RNE, FL), INF_S, 0);
    EXPECT_S(fpu_sqrt_s(NINF_S, RNE, FL), CNAN_S, NV);
    EXPECT_S(fpu_sqrt_s(S(2.0f), RNE, FL), 0x3fb504f3, NX);
    EXPECT_S(fpu_sqrt_s(S(2.0f), RUP, FL), 0x3fb504f4, NX);
    EXPECT_D(fpu_sqrt_d(D(0x1p-1074), RNE, FL), D(0x1p-537), 0);
    EXPECT_D(fpu_sqrt_d(D(2.25), RNE, FL), D(1.5), 0);
}

/* Underflow: tininess is detected after rounding (unprivileged ISA section 11.4). */
static void test_underflow_after_rounding(void **state)
{
    (void)state;
    /* 2^-1022 * (1+2^-52) * (1-2^-52) = 2^-1022 * (1 - 2^-104): rounding to
     * 53 bits with unbounded exponent gives 2^-1022, so not tiny: NX only
     * (a "before rounding" implementation would also raise UF). */
    EXPECT_D(fpu_mul_d(0x0010000000000001ull, 0x3feffffffffffffeull, RNE, FL), 0x0010000000000000ull, NX);
    EXPECT_D(fpu_mul_d(0x0010000000000001ull, 0x3feffffffffffffeull, RUP, FL), 0x0010000000000000ull, NX);
    EXPECT_D(fpu_mul_d(0x0010000000000001ull, 0x3feffffffffffffeull, RTZ, FL), 0x000fffffffffffffull, UF | NX);
    /* 2^-1022 * (1-2^-53) is exact at 53 bits below 2^-1022: tiny, and
     * inexact as a subnormal, though it rounds to 2^-1022. */
    EXPECT_D(fpu_mul_d(0x0010000000000000ull, 0x3fefffffffffffffull, RNE, FL), 0x0010000000000000ull, UF | NX);
    /* Exact subnormal results raise nothing. */
    EXPECT_D(fpu_mul_d(0x0010000000000000ull, D(0.5), RNE, FL), 0x0008000000000000ull, 0);
    EXPECT_S(fpu_sub_s(0x00800000, 0x00000001, RNE, FL), 0x007fffff, 0);
    EXPECT_S(fpu_cvt_s_d(D(1e-50), RNE, FL), 0, UF | NX);
    EXPECT_S(fpu_cvt_s_d(D(1e-50), RUP, FL), 1, UF | NX);
    EXPECT_S(fpu_cvt_s_d(D(-1e-50), RDN, FL), 0x80000001, UF | NX);
    EXPECT_S(fpu_cvt_s_d(0x7fefffffffffffffull, RNE, FL), INF_S, OF | NX);
    EXPECT_S(fpu_cvt_s_d(0x7fefffffffffffffull, RTZ, FL), 0x7f7fffff, OF | NX);
}

static void test_canonical_nan_and_snan(void **state)
{
    (void)state;
    /* Quiet NaN inputs: canonical result, no flag, payload and sign dropped. */
    EXPECT_S(fpu_add_s(QNAN_PAYLOAD_S, S(1.0f), RNE, FL), CNAN_S, 0);
    EXPECT_S(fpu_mul_s(S(1.0f), QNAN_PAYLOAD_S, RNE, FL), CNAN_S, 0);
    EXPECT_S(fpu_sqrt_s(QNAN_PAYLOAD_S, RNE, FL), CNAN_S, 0);
    EXPECT_D(fpu_div_d(QNAN_PAYLOAD_D, D(2.0), RNE, FL), CNAN_D, 0);
    EXPECT_D(fpu_madd_d(D(1.0), D(2.0), QNAN_PAYLOAD_D, RNE, FL), CNAN_D, 0);
    EXPECT_D(fpu_cvt_d_s(QNAN_PAYLOAD_S, RNE, FL), CNAN_D, 0);
    EXPECT_S(fpu_cvt_s_d(QNAN_PAYLOAD_D, RNE, FL), CNAN_S, 0);
    /* Invalid operations produce the canonical NaN. */
    EXPECT_D(fpu_sub_d(INF_D, INF_D, RNE, FL), CNAN_D, NV);
    EXPECT_D(fpu_add_d(NINF_D, INF_D, RNE, FL), CNAN_D, NV);
    EXPECT_D(fpu_mul_d(INF_D, 1ull << 63, RNE, FL), CNAN_D, NV);
    EXPECT_D(fpu_sqrt_d(D(-1.0), RNE, FL), CNAN_D, NV);
    EXPECT_S(fpu_sqrt_s(0x80000001, RNE, FL), CNAN_S, NV);
    /* Signalling NaN operands raise NV everywhere. */
    EXPECT_S(fpu_add_s(SNAN_S, S(1.0f), RNE, FL), CNAN_S, NV);
    EXPECT_S(fpu_sub_s(S(1.0f), SNAN_S, RNE, FL), CNAN_S, NV);
    EXPECT_S(fpu_div_s(SNAN_S, 0, RNE, FL), CNAN_S, NV);
    EXPECT_S(fpu_sqrt_s(SNAN_S | 0x80000000u, RNE, FL), CNAN_S, NV);
    EXPECT_D(fpu_mul_d(SNAN_D, 0, RNE, FL), CNAN_D, NV);
    EXPECT_D(fpu_nmadd_d(D(1.0), D(1.0), SNAN_D, RNE, FL), CNAN_D, NV);
    EXPECT_D(fpu_cvt_d_s(SNAN_S, RNE, FL), CNAN_D, NV);
    EXPECT_S(fpu_cvt_s_d(SNAN_D, RNE, FL), CNAN_S, NV);
    /* feq is quiet, flt/fle signalling. */
    EXPECT_S((uint32_t)fpu_eq_s(QNAN_S, QNAN_S, FL), 0, 0);
    EXPECT_S((uint32_t)fpu_eq_s(SNAN_S, S(1.0f), FL), 0, NV);
    EXPECT_S((uint32_t)fpu_lt_s(QNAN_S, S(1.0f), FL), 0, NV);
    EXPECT_S((uint32_t)fpu_le_d(D(1.0), QNAN_PAYLOAD_D, FL), 0, NV);
    EXPECT_S((uint32_t)fpu_eq_d(0, 1ull << 63, FL), 1, 0);
    EXPECT_S((uint32_t)fpu_lt_d(1ull << 63, 0, FL), 0, 0);
    EXPECT_S((uint32_t)fpu_le_s(0, 0x80000000, FL), 1, 0);
    EXPECT_S((uint32_t)fpu_lt_s(S(-2.0f), S(-1.0f), FL), 1, 0);
    EXPECT_S((uint32_t)fpu_lt_s(S(-1.0f), S(-2.0f), FL), 0, 0);
    EXPECT_S((uint32_t)fpu_lt_s(NINF_S, 0x80000001, FL), 1, 0);
}

static void test_min_max(void **state)
{
    (void)state;
    EXPECT_S(fpu_min_s(0, 0x80000000, FL), 0x80000000, 0);
    EXPECT_S(fpu_min_s(0x80000000, 0, FL), 0x80000000, 0);
    EXPECT_S(fpu_max_s(0, 0x80000000, FL), 0, 0);
    EXPECT_S(fpu_max_s(0x80000000, 0, FL), 0, 0);
    EXPECT_D(fpu_min_d(0, 1ull << 63, FL), 1ull << 63, 0);
    EXPECT_D(fpu_max_d(1ull << 63, 0, FL), 0, 0);
    /* One NaN: the other operand, untouched. */
    EXPECT_S(fpu_min_s(QNAN_PAYLOAD_S, S(-3.0f), FL), S(-3.0f), 0);
    EXPECT_S(fpu_max_s(S(-3.0f), QNAN_S, FL), S(-3.0f), 0);
    EXPECT_S(fpu_max_s(SNAN_S, S(5.0f), FL), S(5.0f), NV);
    EXPECT_D(fpu_min_d(D(7.0), SNAN_D, FL), D(7.0), NV);
    EXPECT_S(fpu_min_s(SNAN_S, 0x80000000, FL), 0x80000000, NV);
    /* Both NaN: canonical NaN. */
    EXPECT_S(fpu_min_s(QNAN_PAYLOAD_S, QNAN_PAYLOAD_S, FL), CNAN_S, 0);
    EXPECT_S(fpu_max_s(SNAN_S, QNAN_PAYLOAD_S, FL), CNAN_S, NV);
    EXPECT_D(fpu_max_d(QNAN_PAYLOAD_D, SNAN_D, FL), CNAN_D, NV);
    /* Ordinary ordering, including across signs and with infinities. */
    EXPECT_S(fpu_min_s(S(-1.0f), S(1.0f), FL), S(-1.0f), 0);
    EXPECT_S(fpu_max_s(S(-1.0f), S(-2.0f), FL), S(-1.0f), 0);
    EXPECT_D(fpu_max_d(NINF_D, D(-1e300), FL), D(-1e300), 0);
    EXPECT_D(fpu_min_d(INF_D, 1, FL), 1, 0);
}

static void test_fcvt_saturation(void **state)
{
    (void)state;
    const uint32_t NEGQ_S = 0xffc00000u;
    /* fcvt.w.s / fcvt.w.d (section 11.7, "Domains of float-to-integer conversions"). */
    EXPECT_S((uint32_t)fpu_cvt_w_s(QNAN_S, RNE, FL), 0x7fffffff, NV);
    EXPECT_S((uint32_t)fpu_cvt_w_s(NEGQ_S, RNE, FL), 0x7fffffff, NV);
    EXPECT_S((uint32_t)fpu_cvt_w_s(SNAN_S, RNE, FL), 0x7fffffff, NV);
    EXPECT_S((uint32_t)fpu_cvt_w_s(INF_S, RNE, FL), 0x7fffffff, NV);
    EXPECT_S((uint32_t)fpu_cvt_w_s(NINF_S, RNE, FL), 0x80000000, NV);
    EXPECT_S((uint32_t)fpu_cvt_w_s(S(0x1p31f), RNE, FL), 0x7fffffff, NV);
    EXPECT_S((uint32_t)fpu_cvt_w_s(S(-0x1p31f), RNE, FL), 0x80000000, 0);
    EXPECT_S((uint32_t)fpu_cvt_w_s(S(-0x1.000002p31f), RNE, FL), 0x80000000, NV);
    EXPECT_S((uint32_t)fpu_cvt_w_d(D(2147483647.4), RNE, FL), 0x7fffffff, NX);
    EXPECT_S((uint32_t)fpu_cvt_w_d(D(2147483647.5), RNE, FL), 0x7fffffff, NV);
    EXPECT_S((uint32_t)fpu_cvt_w_d(D(2147483647.5), RTZ, FL), 0x7fffffff, NX);
    EXPECT_S((uint32_t)fpu_cvt_w_d(D(-2147483648.5), RUP, FL), 0x80000000, NX);
    EXPECT_S((uint32_t)fpu_cvt_w_d(D(-2147483648.5), RDN, FL), 0x80000000, NV);
    EXPECT_S((uint32_t)fpu_cvt_w_d(D(1e300), RNE, FL), 0x7fffffff, NV);
    EXPECT_S((uint32_t)fpu_cvt_w_d(D(-0.0), RNE, FL), 0, 0);
    EXPECT_S((uint32_t)fpu_cvt_w_d(1, RUP, FL), 1, NX);
    /* fcvt.wu: negative values clamp to 0 (unless they round to 0). */
    EXPECT_S(fpu_cvt_wu_s(QNAN_S, RNE, FL), 0xffffffff, NV);
    EXPECT_S(fpu_cvt_wu_s(NINF_S, RNE, FL), 0, NV);
    EXPECT_S(fpu_cvt_wu_s(INF_S, RNE, FL), 0xffffffff, NV);
    EXPECT_S(fpu_cvt_wu_s(S(-1.0f), RNE, FL), 0, NV);
    EXPECT_S(fpu_cvt_wu_s(S(-0.5f), RTZ, FL), 0, NX);
    EXPECT_S(fpu_cvt_wu_s(S(-0.5f), RDN, FL), 0, NV);
    EXPECT_S(fpu_cvt_wu_s(S(0x1p32f), RNE, FL), 0xffffffff, NV);
    EXPECT_S(fpu_cvt_wu_s(S(0x1.fffffep31f), RNE, FL), 0xffffff00, 0);
    EXPECT_S(fpu_cvt_wu_d(D(4294967295.5), RTZ, FL), 0xffffffff, NX);
    EXPECT_S(fpu_cvt_wu_d(D(4294967295.5), RUP, FL), 0xffffffff, NV);
    EXPECT_S(fpu_cvt_wu_d(SNAN_D, RNE, FL), 0xffffffff, NV);
    /* fcvt.l */
    EXPECT_D((uint64_t)fpu_cvt_l_s(QNAN_S, RNE, FL), 0x7fffffffffffffffull, NV);
    EXPECT_D((uint64_t)fpu_cvt_l_s(NINF_S, RNE, FL), 0x8000000000000000ull, NV);
    EXPECT_D((uint64_t)fpu_cvt_l_s(S(0x1p63f), RNE, FL), 0x7fffffffffffffffull, NV);
    EXPECT_D((uint64_t)fpu_cvt_l_s(S(-0x1p63f), RNE, FL), 0x8000000000000000ull, 0);
    EXPECT_D((uint64_t)fpu_cvt_l_d(D(-0x1.0000000000001p63), RNE, FL), 0x8000000000000000ull, NV);
    EXPECT_D((uint64_t)fpu_cvt_l_d(D(0x1.fffffffffffffp62), RNE, FL), 0x7ffffffffffffc00ull, 0);
    EXPECT_D((uint64_t)fpu_cvt_l_d(INF_D, RNE, FL), 0x7fffffffffffffffull, NV);
    EXPECT_D((uint64_t)fpu_cvt_l_d(SNAN_D, RNE, FL), 0x7fffffffffffffffull, NV);
    /* fcvt.lu */
    EXPECT_D(fpu_cvt_lu_s(QNAN_S, RNE, FL), ~0ull, NV);
    EXPECT_D(fpu_cvt_lu_s(S(0x1p64f), RNE, FL), ~0ull, NV);
    EXPECT_D(fpu_cvt_lu_s(S(0x1.fffffep63f), RNE, FL), 0xffffff0000000000ull, 0);
    EXPECT_D(fpu_cvt_lu_d(D(0x1.fffffffffffffp63), RNE, FL), 0xfffffffffffff800ull, 0);
    EXPECT_D(fpu_cvt_lu_d(NINF_D, RNE, FL), 0, NV);
    EXPECT_D(fpu_cvt_lu_d(D(-1e-300), RNE, FL), 0, NX);
    EXPECT_D(fpu_cvt_lu_d(D(-1e-300), RDN, FL), 0, NV);
    EXPECT_D(fpu_cvt_lu_d(INF_D, RNE, FL), ~0ull, NV);
    EXPECT_D(fpu_cvt_lu_d(QNAN_PAYLOAD_D, RNE, FL), ~0ull, NV);
    /* Integer -> float extremes. */
    EXPECT_S(fpu_cvt_s_lu(~0ull, RNE, FL), S(0x1p64f), NX);
    EXPECT_S(fpu_cvt_s_lu(~0ull, RTZ, FL), 0x5f7fffff, NX);
    EXPECT_S(fpu_cvt_s_w(INT32_MIN, RNE, FL), S(-0x1p31f), 0);
    EXPECT_D(fpu_cvt_d_l(INT64_MIN, RNE, FL), D(-0x1p63), 0);
    EXPECT_D(fpu_cvt_d_wu(0xffffffffu, RNE, FL), D(4294967295.0), 0);
    EXPECT_D(fpu_cvt_d_w(0, RDN, FL), 0, 0);
}

static void test_fclass(void **state)
{
    (void)state;
    assert_int_equal(fpu_class_s(NINF_S), FPU_CLASS_NEG_INF);
    assert_int_equal(fpu_class_s(S(-1.0f)), FPU_CLASS_NEG_NORMAL);
    assert_int_equal(fpu_class_s(0x807fffff), FPU_CLASS_NEG_SUBNORMAL);
    assert_int_equal(fpu_class_s(0x80000000), FPU_CLASS_NEG_ZERO);
    assert_int_equal(fpu_class_s(0), FPU_CLASS_POS_ZERO);
    assert_int_equal(fpu_class_s(1), FPU_CLASS_POS_SUBNORMAL);
    assert_int_equal(fpu_class_s(0x00800000), FPU_CLASS_POS_NORMAL);
    assert_int_equal(fpu_class_s(INF_S), FPU_CLASS_POS_INF);
    assert_int_equal(fpu_class_s(SNAN_S), FPU_CLASS_SNAN);
    assert_int_equal(fpu_class_s(0xffbfffff), FPU_CLASS_SNAN);
    assert_int_equal(fpu_class_s(QNAN_S), FPU_CLASS_QNAN);
    assert_int_equal(fpu_class_s(QNAN_PAYLOAD_S), FPU_CLASS_QNAN);
    assert_int_equal(fpu_class_d(NINF_D), 1u << 0);
    assert_int_equal(fpu_class_d(D(-1e300)), 1u << 1);
    assert_int_equal(fpu_class_d(0x800fffffffffffffull), 1u << 2);
    assert_int_equal(fpu_class_d(1ull << 63), 1u << 3);
    assert_int_equal(fpu_class_d(0), 1u << 4);
    assert_int_equal(fpu_class_d(1), 1u << 5);
    assert_int_equal(fpu_class_d(0x7fefffffffffffffull), 1u << 6);
    assert_int_equal(fpu_class_d(INF_D), 1u << 7);
    assert_int_equal(fpu_class_d(SNAN_D), 1u << 8);
    assert_int_equal(fpu_class_d(CNAN_D), 1u << 9);
}

static void test_fma(void **state)
{
    (void)state;
    /* inf * 0 is invalid even with a quiet NaN addend (section 11.6). */
    EXPECT_S(fpu_madd_s(INF_S, 0, QNAN_S, RNE, FL), CNAN_S, NV);
    EXPECT_S(fpu_nmadd_s(0x80000000, NINF_S, QNAN_PAYLOAD_S, RNE, FL), CNAN_S, NV);
    EXPECT_D(fpu_msub_d(0, INF_D, QNAN_PAYLOAD_D, RNE, FL), CNAN_D, NV);
    EXPECT_D(fpu_nmsub_d(INF_D, 0, D(1.0), RNE, FL), CNAN_D, NV);
    /* A NaN multiplicand is not inf*0: quiet, no NV. */
    EXPECT_S(fpu_madd_s(QNAN_S, 0, INF_S, RNE, FL), CNAN_S, 0);
    EXPECT_D(fpu_madd_d(INF_D, QNAN_PAYLOAD_D, D(1.0), RNE, FL), CNAN_D, 0);
    /* inf product against an opposite infinity addend. */
    EXPECT_D(fpu_madd_d(INF_D, D(2.0), NINF_D, RNE, FL), CNAN_D, NV);
    EXPECT_D(fpu_msub_d(INF_D, D(2.0), INF_D, RNE, FL), CNAN_D, NV);
    EXPECT_D(fpu_nmsub_d(INF_D, D(2.0), INF_D, RNE, FL), CNAN_D, NV);
    EXPECT_D(fpu_nmadd_d(INF_D, D(2.0), NINF_D, RNE, FL), CNAN_D, NV);
    EXPECT_D(fpu_nmadd_d(INF_D, D(2.0), INF_D, RNE, FL), NINF_D, 0);
    EXPECT_D(fpu_nmsub_d(INF_D, D(-2.0), INF_D, RNE, FL), INF_D, 0);
    /* Signs of the four forms. */
    EXPECT_S(fpu_madd_s(S(2.0f), S(3.0f), S(1.0f), RNE, FL), S(7.0f), 0);
    EXPECT_S(fpu_msub_s(S(2.0f), S(3.0f), S(1.0f), RNE, FL), S(5.0f), 0);
    EXPECT_S(fpu_nmsub_s(S(2.0f), S(3.0f), S(1.0f), RNE, FL), S(-5.0f), 0);
    EXPECT_S(fpu_nmadd_s(S(2.0f), S(3.0f), S(1.0f), RNE, FL), S(-7.0f), 0);
    /* Exact zero results. */
    EXPECT_S(fpu_madd_s(S(2.0f), S(3.0f), S(-6.0f), RNE, FL), 0, 0);
    EXPECT_S(fpu_madd_s(S(2.0f), S(3.0f), S(-6.0f), RDN, FL), 0x80000000, 0);
    EXPECT_S(fpu_madd_s(0x80000000, S(1.0f), 0, RNE, FL), 0, 0);
    EXPECT_S(fpu_madd_s(0x80000000, S(1.0f), 0x80000000, RNE, FL), 0x80000000, 0);
    EXPECT_S(fpu_nmadd_s(0, S(1.0f), 0, RNE, FL), 0x80000000, 0);
    EXPECT_S(fpu_nmsub_s(0, S(1.0f), 0, RNE, FL), 0, 0);
    EXPECT_S(fpu_nmsub_s(0, S(1.0f), 0, RDN, FL), 0x80000000, 0);
    EXPECT_D(fpu_madd_d(0, D(5.0), 1, RNE, FL), 1, 0);
    /* One rounding: (1+2^-28)^2 - (1+2^-27) = 2^-56 exactly. */
    EXPECT_D(fpu_madd_d(D(0x1.0000001p0), D(0x1.0000001p0), D(-0x1.0000002p0), RNE, FL), D(0x1p-56), 0);
    EXPECT_S(fpu_madd_s(S(0x1.002p0f), S(0x1.002p0f), S(-0x1.004p0f), RNE, FL), S(0x1p-22f), 0);
    /* Tiny addend beyond the product's precision still decides rounding. */
    EXPECT_D(fpu_madd_d(D(1.0), D(1.0), 1, RUP, FL), 0x3ff0000000000001ull, NX);
    EXPECT_D(fpu_madd_d(D(1.0), D(1.0), 1ull | (1ull << 63), RTZ, FL), 0x3fefffffffffffffull, NX);
    EXPECT_D(fpu_madd_d(D(1.0), D(1.0), 1ull | (1ull << 63), RNE, FL), D(1.0), NX);
    /* A product far below the addend only contributes its sign and stickiness. */
    EXPECT_D(fpu_msub_d(1, 1, D(-1.0), RDN, FL), D(1.0), NX);
    EXPECT_D(fpu_msub_d(1, 1, D(-1.0), RUP, FL), 0x3ff0000000000001ull, NX);
    EXPECT_D(fpu_nmsub_d(1, 1, D(1.0), RTZ, FL), 0x3fefffffffffffffull, NX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rmm_ties),
        cmocka_unit_test(test_rounding_modes_and_overflow),
        cmocka_unit_test(test_underflow_after_rounding),
        cmocka_unit_test(test_canonical_nan_and_snan),
        cmocka_unit_test(test_min_max),
        cmocka_unit_test(test_fcvt_saturation),
        cmocka_unit_test(test_fclass),
        cmocka_unit_test(test_fma),
        cmocka_unit_test(test_diff_add),
        cmocka_unit_test(test_diff_sub),
        cmocka_unit_test(test_diff_mul),
        cmocka_unit_test(test_diff_div),
        cmocka_unit_test(test_diff_sqrt),
        cmocka_unit_test(test_diff_fma),
        cmocka_unit_test(test_diff_cvt_sd),
        cmocka_unit_test(test_diff_int_to_fp),
        cmocka_unit_test(test_diff_fp_to_int),
        cmocka_unit_test(test_diff_compare),
        cmocka_unit_test(test_random_minmax_class),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
