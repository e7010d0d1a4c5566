/*
 * fpu: software IEEE 754 binary16/binary32/binary64 for the F, D, Zfh and
 * Zfa extensions.
 *
 * Every operand is unpacked into sign, class and, for finite non-zero
 * numbers, an exact value sig * 2^exp with an integer significand. Each
 * operation computes its exact result (or, for div/sqrt, a truncated one with
 * a sticky bit well below the rounding position) as a 128-bit integer and
 * hands it to fp_round_pack(), the single place where rounding, overflow,
 * underflow and inexact are decided. All three formats go through the same
 * code, parameterised by an FpFormat.
 */
#include "cpu/fpu.h"

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>

typedef unsigned __int128 u128;

typedef struct FpFormat {
    unsigned frac_bits;  /* stored fraction bits; precision p = frac_bits + 1 */
    unsigned exp_bits;
    int bias;            /* also emax; emin = 1 - bias */
} FpFormat;

static const FpFormat FP_H = { 10, 5, 15 };
static const FpFormat FP_S = { 23, 8, 127 };
static const FpFormat FP_D = { 52, 11, 1023 };

typedef enum FpClass {
    FP_ZERO,
    FP_FINITE,  /* normal or subnormal, non-zero */
    FP_INF,
    FP_QNAN,
    FP_SNAN,
} FpClass;

typedef struct FpVal {
    FpClass cls;
    bool sign;
    bool subnormal;  /* only meaningful for FP_FINITE */
    int exp;         /* value = sig * 2^exp for FP_FINITE */
    uint64_t sig;
} FpVal;

/* Addends are aligned with their leading bit here: the sum of two still fits
 * in 128 bits, and even a 106-bit double product keeps 20 zero bits below it
 * (see fp_add_core()). */
#define FP_ALIGN_MSB 125

static inline unsigned fp_width(const FpFormat *f)
{
    return 1 + f->exp_bits + f->frac_bits;
}

static inline uint64_t fp_sign_bit(const FpFormat *f)
{
    return 1ull << (fp_width(f) - 1);
}

static inline uint64_t fp_exp_mask(const FpFormat *f)
{
    return ((1ull << f->exp_bits) - 1) << f->frac_bits;
}

static inline uint64_t fp_frac_mask(const FpFormat *f)
{
    return (1ull << f->frac_bits) - 1;
}

static inline uint64_t fp_canon_nan(const FpFormat *f)
{
    return fp_exp_mask(f) | (1ull << (f->frac_bits - 1));
}

static inline uint64_t fp_inf(const FpFormat *f, bool sign)
{
    return (sign ? fp_sign_bit(f) : 0) | fp_exp_mask(f);
}

static inline uint64_t fp_zero(const FpFormat *f, bool sign)
{
    return sign ? fp_sign_bit(f) : 0;
}

static inline uint64_t fp_max_finite(const FpFormat *f, bool sign)
{
    return fp_inf(f, sign) - 1;
}

static int msb128(u128 x)
{
    uint64_t hi = (uint64_t)(x >> 64);
    if (hi) {
        return 127 - __builtin_clzll(hi);
    }
    return 63 - __builtin_clzll((uint64_t)x);
}

static FpVal fp_unpack(const FpFormat *f, uint64_t bits)
{
    FpVal v = { 0 };
    uint64_t frac = bits & fp_frac_mask(f);
    int bexp = (int)((bits & fp_exp_mask(f)) >> f->frac_bits);
    int bexp_max = (1 << f->exp_bits) - 1;

    v.sign = (bits & fp_sign_bit(f)) != 0;
    if (bexp == bexp_max) {
        if (frac == 0) {
            v.cls = FP_INF;
        } else {
            /* The quiet bit is the fraction's MSB (section 11.3; IEEE 754-2008 6.2.1). */
            v.cls = (frac >> (f->frac_bits - 1)) ? FP_QNAN : FP_SNAN;
        }
    } else if (bexp == 0) {
        if (frac == 0) {
            v.cls = FP_ZERO;
        } else {
            v.cls = FP_FINITE;
            v.subnormal = true;
            v.sig = frac;
            v.exp = 1 - f->bias - (int)f->frac_bits;
        }
    } else {
        v.cls = FP_FINITE;
        v.sig = frac | (1ull << f->frac_bits);
        v.exp = bexp - f->bias - (int)f->frac_bits;
    }
    return v;
}

static inline bool fp_is_nan(const FpVal *v)
{
    return v->cls == FP_QNAN || v->cls == FP_SNAN;
}

/*
 * Shift sig right by `shift` bits, rounding the discarded part in mode rm for
 * a number of sign `sign`. *inexact tells whether anything non-zero was lost.
 * A non-positive shift is an exact left shift (the caller ensures it fits).
 */
static u128 fp_shift_round(u128 sig, int shift, bool sign, unsigned rm, bool *inexact)
{
    enum { EXACT, BELOW_HALF, HALF, ABOVE_HALF } lost;
    u128 q;

    if (shift <= 0) {
        *inexact = false;
        return sig << -shift;
    }
    if (shift > 128) {
        q = 0;
        lost = sig ? BELOW_HALF : EXACT;
    } else {
        u128 half = (u128)1 << (shift - 1);
        u128 rem;
        if (shift == 128) {
            q = 0;
            rem = sig;
        } else {
            q = sig >> shift;
            rem = sig & ((half << 1) - 1);
        }
        lost = rem == 0 ? EXACT : rem < half ? BELOW_HALF : rem == half ? HALF : ABOVE_HALF;
    }

    *inexact = lost != EXACT;
    bool up;
    switch (rm) {
    case FPU_RM_RNE: up = lost == ABOVE_HALF || (lost == HALF && (q & 1)); break;
    case FPU_RM_RTZ: up = false; break;
    case FPU_RM_RDN: up = lost != EXACT && sign; break;
    case FPU_RM_RUP: up = lost != EXACT && !sign; break;
    case FPU_RM_RMM: up = lost >= HALF; break;
    default: assert(!"fpu: rounding mode must be resolved to 0..4"); up = false; break;
    }
    return q + up;
}

/*
 * Round sign * sig * 2^exp (sig != 0) to format f and encode it. The only
 * rounding step of the module.
 */
static uint64_t fp_round_pack(const FpFormat *f, bool sign, int exp, u128 sig, unsigned rm,
                              uint32_t *fflags)
{
    const int p = (int)f->frac_bits + 1;
    const int emin = 1 - f->bias;
    const int emax = f->bias;
    const int e = exp + msb128(sig);          /* exponent of the leading bit */
    int q = (e < emin ? emin : e) - (p - 1);  /* exponent of the result's unit bit */
    bool inexact;
    u128 r = fp_shift_round(sig, q - exp, sign, rm, &inexact);

    if (r >> p) {  /* rounding carried into a new leading bit; r was 2^p */
        r >>= 1;
        q++;
    }
    if (q + (p - 1) > emax) {
        *fflags |= FPU_OF | FPU_NX;
        bool to_inf = rm == FPU_RM_RNE || rm == FPU_RM_RMM ||
                      (rm == FPU_RM_RDN && sign) || (rm == FPU_RM_RUP && !sign);
        return to_inf ? fp_inf(f, sign) : fp_max_finite(f, sign);
    }
    if (inexact) {
        *fflags |= FPU_NX;
        /*
         * Tininess is detected after rounding (unprivileged ISA section 11.4,
         * "Subnormal Arithmetic"): the value is tiny if rounding it to p bits with an
         * unbounded exponent range gives a magnitude below 2^emin. That only
         * differs from "before rounding" when the leading bit is at emin-1
         * and the p-bit rounding carries up to 2^emin.
         */
        bool tiny = e < emin;
        if (e == emin - 1) {
            bool unused;
            u128 r2 = fp_shift_round(sig, (e - (p - 1)) - exp, sign, rm, &unused);
            tiny = (r2 >> p) == 0;
        }
        if (tiny) {
            *fflags |= FPU_UF;
        }
    }
    /* Adding the hidden bit carries into the exponent field, which gives the
     * right encoding for normals and for subnormals rounding up to 2^emin. */
    uint64_t biased_minus_one = (uint64_t)(q + (p - 2) + f->bias);
    return fp_zero(f, sign) + ((biased_minus_one << f->frac_bits) + (uint64_t)r);
}

/* Propagate NaN operands: NV for any signalling one, canonical NaN result. */
static uint64_t fp_nan_result(const FpFormat *f, const FpVal *a, const FpVal *b, uint32_t *fflags)
{
    if (a->cls == FP_SNAN || (b && b->cls == FP_SNAN)) {
        *fflags |= FPU_NV;
    }
    return fp_canon_nan(f);
}

static uint64_t fp_invalid(const FpFormat *f, uint32_t *fflags)
{
    *fflags |= FPU_NV;
    return fp_canon_nan(f);
}

/* Sign of an exact zero sum of operands with different signs (IEEE 754 6.3). */
static inline bool fp_zero_sum_sign(unsigned rm)
{
    return rm == FPU_RM_RDN;
}

/*
 * Round the sum of two finite non-zero values sa*ma*2^ea + sb*mb*2^eb.
 * Both significands are aligned to FP_ALIGN_MSB; the smaller one is shifted
 * right with its lost bits OR-ed into bit 0. The larger operand has at most
 * 106 significant bits, so its bit 0 is zero and the final rounding position
 * lies at least 70 bits above bit 0; a sticky odd bit there sits strictly
 * between the same rounding boundaries as the exact sum or difference.
 */
static uint64_t fp_add_core(const FpFormat *f, bool sa, int ea, u128 ma, bool sb, int eb, u128 mb,
                            unsigned rm, uint32_t *fflags)
{
    int sh = FP_ALIGN_MSB - msb128(ma);
    ma <<= sh;
    ea -= sh;
    sh = FP_ALIGN_MSB - msb128(mb);
    mb <<= sh;
    eb -= sh;

    if (ea < eb || (ea == eb && ma < mb)) {
        bool ts = sa; sa = sb; sb = ts;
        int te = ea; ea = eb; eb = te;
        u128 tm = ma; ma = mb; mb = tm;
    }
    int d = ea - eb;
    if (d >= 128) {
        mb = 1;
    } else if (d > 0) {
        bool lost = (mb & (((u128)1 << d) - 1)) != 0;
        mb = (mb >> d) | lost;
    }

    u128 sum;
    if (sa == sb) {
        sum = ma + mb;
    } else {
        sum = ma - mb;  /* ma >= mb after the swap */
        if (sum == 0) {
            return fp_zero(f, fp_zero_sum_sign(rm));
        }
    }
    return fp_round_pack(f, sa, ea, sum, rm, fflags);
}

static uint64_t fp_add(const FpFormat *f, uint64_t a, uint64_t b, bool negate_b, unsigned rm,
                       uint32_t *fflags)
{
    FpVal va = fp_unpack(f, a);
    FpVal vb = fp_unpack(f, b);

    if (fp_is_nan(&va) || fp_is_nan(&vb)) {
        return fp_nan_result(f, &va, &vb, fflags);
    }
    vb.sign ^= negate_b;
    if (va.cls == FP_INF || vb.cls == FP_INF) {
        if (va.cls == FP_INF && vb.cls == FP_INF && va.sign != vb.sign) {
            return fp_invalid(f, fflags);
        }
        return fp_inf(f, va.cls == FP_INF ? va.sign : vb.sign);
    }
    if (va.cls == FP_ZERO && vb.cls == FP_ZERO) {
        return fp_zero(f, va.sign == vb.sign ? va.sign : fp_zero_sum_sign(rm));
    }
    if (vb.cls == FP_ZERO) {
        return fp_round_pack(f, va.sign, va.exp, va.sig, rm, fflags);  /* exact */
    }
    if (va.cls == FP_ZERO) {
        return fp_round_pack(f, vb.sign, vb.exp, vb.sig, rm, fflags);  /* exact */
    }
    return fp_add_core(f, va.sign, va.exp, va.sig, vb.sign, vb.exp, vb.sig, rm, fflags);
}

static uint64_t fp_mul(const FpFormat *f, uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    FpVal va = fp_unpack(f, a);
    FpVal vb = fp_unpack(f, b);
    bool sign = va.sign != vb.sign;

    if (fp_is_nan(&va) || fp_is_nan(&vb)) {
        return fp_nan_result(f, &va, &vb, fflags);
    }
    if (va.cls == FP_INF || vb.cls == FP_INF) {
        if (va.cls == FP_ZERO || vb.cls == FP_ZERO) {
            return fp_invalid(f, fflags);
        }
        return fp_inf(f, sign);
    }
    if (va.cls == FP_ZERO || vb.cls == FP_ZERO) {
        return fp_zero(f, sign);
    }
    return fp_round_pack(f, sign, va.exp + vb.exp, (u128)va.sig * vb.sig, rm, fflags);
}

/*
 * a*b + c with one rounding; negate_prod and negate_c select madd, msub,
 * nmsub and nmadd (section 11.6: nmsub/nmadd negate the product).
 */
static uint64_t fp_muladd(const FpFormat *f, uint64_t a, uint64_t b, uint64_t c, bool negate_prod,
                          bool negate_c, unsigned rm, uint32_t *fflags)
{
    FpVal va = fp_unpack(f, a);
    FpVal vb = fp_unpack(f, b);
    FpVal vc = fp_unpack(f, c);
    bool inf_times_zero = (va.cls == FP_INF && vb.cls == FP_ZERO) ||
                          (va.cls == FP_ZERO && vb.cls == FP_INF);

    if (fp_is_nan(&va) || fp_is_nan(&vb) || fp_is_nan(&vc)) {
        /* Spec 11.6: inf*0 raises NV even when the addend is a quiet NaN. */
        if (inf_times_zero || va.cls == FP_SNAN || vb.cls == FP_SNAN || vc.cls == FP_SNAN) {
            *fflags |= FPU_NV;
        }
        return fp_canon_nan(f);
    }
    if (inf_times_zero) {
        return fp_invalid(f, fflags);
    }

    bool ps = (va.sign != vb.sign) != negate_prod;
    bool cs = vc.sign != negate_c;
    if (va.cls == FP_INF || vb.cls == FP_INF) {
        if (vc.cls == FP_INF && cs != ps) {
            return fp_invalid(f, fflags);
        }
        return fp_inf(f, ps);
    }
    if (vc.cls == FP_INF) {
        return fp_inf(f, cs);
    }
    if (va.cls == FP_ZERO || vb.cls == FP_ZERO) {
        if (vc.cls == FP_ZERO) {
            return fp_zero(f, ps == cs ? ps : fp_zero_sum_sign(rm));
        }
        return fp_round_pack(f, cs, vc.exp, vc.sig, rm, fflags);  /* exact */
    }
    u128 prod = (u128)va.sig * vb.sig;
    if (vc.cls == FP_ZERO) {
        return fp_round_pack(f, ps, va.exp + vb.exp, prod, rm, fflags);
    }
    return fp_add_core(f, ps, va.exp + vb.exp, prod, cs, vc.exp, vc.sig, rm, fflags);
}

static uint64_t fp_div(const FpFormat *f, uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    FpVal va = fp_unpack(f, a);
    FpVal vb = fp_unpack(f, b);
    bool sign = va.sign != vb.sign;

    if (fp_is_nan(&va) || fp_is_nan(&vb)) {
        return fp_nan_result(f, &va, &vb, fflags);
    }
    if (va.cls == FP_INF) {
        return vb.cls == FP_INF ? fp_invalid(f, fflags) : fp_inf(f, sign);
    }
    if (vb.cls == FP_INF) {
        return fp_zero(f, sign);
    }
    if (vb.cls == FP_ZERO) {
        if (va.cls == FP_ZERO) {
            return fp_invalid(f, fflags);
        }
        *fflags |= FPU_DZ;
        return fp_inf(f, sign);
    }
    if (va.cls == FP_ZERO) {
        return fp_zero(f, sign);
    }
    /* The dividend at bit 127 over a divisor below 2^53 gives a quotient of at
     * least 74 bits, so the remainder only contributes a sticky bit. */
    int sh = 127 - msb128(va.sig);
    u128 num = (u128)va.sig << sh;
    u128 quo = num / vb.sig;
    bool rem = (num % vb.sig) != 0;
    return fp_round_pack(f, sign, va.exp - sh - vb.exp, quo | rem, rm, fflags);
}

/* Integer square root of x (digit by digit); *rem_nonzero tells if inexact. */
static uint64_t isqrt128(u128 x, bool *rem_nonzero)
{
    u128 rem = 0;
    uint64_t root = 0;
    for (int i = 63; i >= 0; i--) {
        rem = (rem << 2) | ((x >> (2 * i)) & 3);
        u128 trial = ((u128)root << 2) | 1;
        root <<= 1;
        if (rem >= trial) {
            rem -= trial;
            root |= 1;
        }
    }
    *rem_nonzero = rem != 0;
    return root;
}

static uint64_t fp_sqrt(const FpFormat *f, uint64_t a, unsigned rm, uint32_t *fflags)
{
    FpVal va = fp_unpack(f, a);

    if (fp_is_nan(&va)) {
        return fp_nan_result(f, &va, NULL, fflags);
    }
    if (va.cls == FP_ZERO) {
        return a;  /* sqrt(-0) = -0 (IEEE 754 6.3) */
    }
    if (va.sign) {
        return fp_invalid(f, fflags);
    }
    if (va.cls == FP_INF) {
        return a;
    }
    u128 m = va.sig;
    int e = va.exp;
    if (e & 1) {
        m <<= 1;
        e -= 1;
    }
    /* Scale by an even power of two so the root has at least 61 bits. */
    int sh = (124 - msb128(m)) & ~1;
    bool rem;
    uint64_t root = isqrt128(m << sh, &rem);
    return fp_round_pack(f, false, (e - sh) / 2, (u128)(root | rem), rm, fflags);
}

/* Order key for non-NaN values in which -0 < +0 and unsigned compare works. */
static inline uint64_t fp_order_key(const FpFormat *f, uint64_t bits)
{
    uint64_t sb = fp_sign_bit(f);
    return (bits & sb) ? (~bits & (sb | (sb - 1))) : (bits | sb);
}

/* fmin/fmax; with nan_wins (Zfa fminm/fmaxm) any NaN operand gives the
 * canonical NaN instead of the other operand. */
static uint64_t fp_minmax(const FpFormat *f, uint64_t a, uint64_t b, bool is_max, bool nan_wins,
                          uint32_t *fflags)
{
    FpVal va = fp_unpack(f, a);
    FpVal vb = fp_unpack(f, b);

    if (va.cls == FP_SNAN || vb.cls == FP_SNAN) {
        *fflags |= FPU_NV;
    }
    if (nan_wins && (fp_is_nan(&va) || fp_is_nan(&vb))) {
        return fp_canon_nan(f);
    }
    if (fp_is_nan(&va)) {
        return fp_is_nan(&vb) ? fp_canon_nan(f) : b;
    }
    if (fp_is_nan(&vb)) {
        return a;
    }
    bool a_less = fp_order_key(f, a) < fp_order_key(f, b);
    return (a_less != is_max) ? a : b;
}

/* FP_LTQ and FP_LEQ are Zfa's quiet fltq/fleq. */
typedef enum FpRel { FP_EQ, FP_LT, FP_LE, FP_LTQ, FP_LEQ } FpRel;

static int fp_compare(const FpFormat *f, uint64_t a, uint64_t b, FpRel rel, uint32_t *fflags)
{
    FpVal va = fp_unpack(f, a);
    FpVal vb = fp_unpack(f, b);

    if (fp_is_nan(&va) || fp_is_nan(&vb)) {
        /* feq is a quiet comparison, flt/fle signalling (section 11.8). */
        if (rel == FP_LT || rel == FP_LE || va.cls == FP_SNAN || vb.cls == FP_SNAN) {
            *fflags |= FPU_NV;
        }
        return 0;
    }
    if (rel == FP_LTQ) {
        rel = FP_LT;
    } else if (rel == FP_LEQ) {
        rel = FP_LE;
    }
    if (va.cls == FP_ZERO && vb.cls == FP_ZERO) {
        return rel != FP_LT;
    }
    uint64_t ka = fp_order_key(f, a), kb = fp_order_key(f, b);
    switch (rel) {
    case FP_EQ: return ka == kb;
    case FP_LT: return ka < kb;
    default:    return ka <= kb;
    }
}

static uint64_t fp_class(const FpFormat *f, uint64_t a)
{
    FpVal v = fp_unpack(f, a);
    switch (v.cls) {
    case FP_INF:  return v.sign ? FPU_CLASS_NEG_INF : FPU_CLASS_POS_INF;
    case FP_ZERO: return v.sign ? FPU_CLASS_NEG_ZERO : FPU_CLASS_POS_ZERO;
    case FP_SNAN: return FPU_CLASS_SNAN;
    case FP_QNAN: return FPU_CLASS_QNAN;
    case FP_FINITE:
    default:
        if (v.subnormal) {
            return v.sign ? FPU_CLASS_NEG_SUBNORMAL : FPU_CLASS_POS_SUBNORMAL;
        }
        return v.sign ? FPU_CLASS_NEG_NORMAL : FPU_CLASS_POS_NORMAL;
    }
}

/*
 * Convert to a `width`-bit integer (signed or not), returned as its
 * two's-complement bit pattern in the low `width` bits. Out-of-range and NaN
 * saturate with NV (section 11.7, table "Domains of float-to-integer conversions and
 * behavior for invalid inputs"); the range is judged on the rounded value.
 */
static uint64_t fp_to_int(const FpFormat *f, uint64_t a, bool is_signed, unsigned width,
                          unsigned rm, uint32_t *fflags)
{
    FpVal v = fp_unpack(f, a);
    uint64_t mask = width == 64 ? ~0ull : (1ull << width) - 1;
    uint64_t max = is_signed ? mask >> 1 : mask;
    uint64_t min = is_signed ? (max + 1) & mask : 0;  /* bit pattern of the minimum */
    u128 neg_limit = is_signed ? (u128)max + 1 : 0;   /* largest negative magnitude */

    if (fp_is_nan(&v)) {
        *fflags |= FPU_NV;
        return max;
    }
    if (v.cls == FP_INF) {
        *fflags |= FPU_NV;
        return v.sign ? min : max;
    }
    if (v.cls == FP_ZERO) {
        return 0;
    }

    u128 mag;
    bool inexact = false;
    if (v.exp >= 0) {
        if (v.exp + msb128(v.sig) >= 64) {
            *fflags |= FPU_NV;
            return v.sign ? min : max;
        }
        mag = (u128)v.sig << v.exp;
    } else {
        mag = fp_shift_round(v.sig, -v.exp, v.sign, rm, &inexact);
    }
    if (v.sign ? mag > neg_limit : mag > max) {
        *fflags |= FPU_NV;
        return v.sign ? min : max;
    }
    if (inexact) {
        *fflags |= FPU_NX;
    }
    uint64_t r = (uint64_t)mag;
    return (v.sign ? -r : r) & mask;
}

static uint64_t fp_from_int(const FpFormat *f, bool negative, uint64_t mag, unsigned rm,
                            uint32_t *fflags)
{
    if (mag == 0) {
        return fp_zero(f, false);
    }
    return fp_round_pack(f, negative, 0, mag, rm, fflags);
}

static uint64_t fp_convert(const FpFormat *to, const FpFormat *from, uint64_t a, unsigned rm,
                           uint32_t *fflags)
{
    FpVal v = fp_unpack(from, a);
    switch (v.cls) {
    case FP_QNAN:
    case FP_SNAN: return fp_nan_result(to, &v, NULL, fflags);
    case FP_INF:  return fp_inf(to, v.sign);
    case FP_ZERO: return fp_zero(to, v.sign);
    default:      return fp_round_pack(to, v.sign, v.exp, v.sig, rm, fflags);
    }
}

/*
 * Zfa's FLI table: entry i is -1.0 (0), the smallest normal (1),
 * (1 + m/4) * 2^e for entries 2..29, +inf (30) and the canonical NaN (31)
 * (Zfa chapter, table "Immediate values loaded by the FLI.S instruction").
 */
static const struct { int8_t e; uint8_t m; } fli_table[32] = {
    { 0, 0 }, { 0, 0 }, { -16, 0 }, { -15, 0 }, { -8, 0 }, { -7, 0 }, { -4, 0 }, { -3, 0 },
    { -2, 0 }, { -2, 1 }, { -2, 2 }, { -2, 3 }, { -1, 0 }, { -1, 1 }, { -1, 2 }, { -1, 3 },
    { 0, 0 }, { 0, 1 }, { 0, 2 }, { 0, 3 }, { 1, 0 }, { 1, 1 }, { 1, 2 }, { 2, 0 },
    { 3, 0 }, { 4, 0 }, { 7, 0 }, { 8, 0 }, { 15, 0 }, { 16, 0 }, { 0, 0 }, { 0, 0 },
};

static uint64_t fp_fli(const FpFormat *f, unsigned idx)
{
    uint32_t ignored = 0;
    switch (idx & 31) {
    case 0:  return fp_round_pack(f, true, 0, 1, FPU_RM_RNE, &ignored);
    case 1:  return 1ull << f->frac_bits;
    case 30: return fp_inf(f, false);
    case 31: return fp_canon_nan(f);
    default:
        /* Exact in every format but for half's 2^16, which rounds (RNE) to
         * +inf as the half table asks; FLI raises no flags either way. */
        return fp_round_pack(f, false, fli_table[idx & 31].e - 2, 4 + fli_table[idx & 31].m,
                             FPU_RM_RNE, &ignored);
    }
}

/* Round to an integral value in the same format (Zfa fround/froundnx). */
static uint64_t fp_round_int(const FpFormat *f, uint64_t a, unsigned rm, bool exact,
                             uint32_t *fflags)
{
    FpVal v = fp_unpack(f, a);

    if (fp_is_nan(&v)) {
        return fp_nan_result(f, &v, NULL, fflags);
    }
    if (v.cls != FP_FINITE || v.exp >= 0) {
        return a;  /* zero, infinity, or already integral */
    }
    bool inexact;
    u128 n = fp_shift_round(v.sig, -v.exp, v.sign, rm, &inexact);
    if (inexact && exact) {
        *fflags |= FPU_NX;
    }
    if (n == 0) {
        return fp_zero(f, v.sign);
    }
    return fp_round_pack(f, v.sign, 0, n, rm, fflags);  /* n <= 2^p: exact */
}

/* ---- public entry points ---- */

uint32_t fpu_add_s(uint32_t a, uint32_t b, unsigned rm, uint32_t *fflags)
{
    return (uint32_t)fp_add(&FP_S, a, b, false, rm, fflags);
}

uint32_t fpu_sub_s(uint32_t a, uint32_t b, unsigned rm, uint32_t *fflags)
{
    return (uint32_t)fp_add(&FP_S, a, b, true, rm, fflags);
}

uint32_t fpu_mul_s(uint32_t a, uint32_t b, unsigned rm, uint32_t *fflags)
{
    return (uint32_t)fp_mul(&FP_S, a, b, rm, fflags);
}

uint32_t fpu_div_s(uint32_t a, uint32_t b, unsigned rm, uint32_t *fflags)
{
    return (uint32_t)fp_div(&FP_S, a, b, rm, fflags);
}

uint32_t fpu_sqrt_s(uint32_t a, unsigned rm, uint32_t *fflags)
{
    return (uint32_t)fp_sqrt(&FP_S, a, rm, fflags);
}

uint64_t fpu_add_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    return fp_add(&FP_D, a, b, false, rm, fflags);
}

uint64_t fpu_sub_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    return fp_add(&FP_D, a, b, true, rm, fflags);
}

uint64_t fpu_mul_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    return fp_mul(&FP_D, a, b, rm, fflags);
}

uint64_t fpu_div_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags)
{
    return fp_div(&FP_D, a, b, rm, fflags);
}

uint64_t fpu_sqrt_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return fp_sqrt(&FP_D, a, rm, fflags);
}

uint32_t fpu_madd_s(uint32_t a, uint32_t b, uint32_t c, unsigned rm, uint32_t *fflags)
{
    return (uint32_t)fp_muladd(&FP_S, a, b, c, false, false, rm, fflags);
}

uint32_t fpu_msub_s(uint32_t a, uint32_t b, uint32_t c, unsigned rm, uint32_t *fflags)
{
    return (uint32_t)fp_muladd(&FP_S, a, b, c, false, true, rm, fflags);
}

uint32_t fpu_nmsub_s(uint32_t a, uint32_t b, uint32_t c, unsigned rm, uint32_t *fflags)
{
    return (uint32_t)fp_muladd(&FP_S, a, b, c, true, false, rm, fflags);
}

uint32_t fpu_nmadd_s(uint32_t a, uint32_t b, uint32_t c, unsigned rm, uint32_t *fflags)
{
    return (uint32_t)fp_muladd(&FP_S, a, b, c, true, true, rm, fflags);
}

uint64_t fpu_madd_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)
{
    return fp_muladd(&FP_D, a, b, c, false, false, rm, fflags);
}

uint64_t fpu_msub_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)
{
    return fp_muladd(&FP_D, a, b, c, false, true, rm, fflags);
}

uint64_t fpu_nmsub_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)
{
    return fp_muladd(&FP_D, a, b, c, true, false, rm, fflags);
}

uint64_t fpu_nmadd_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags)
{
    return fp_muladd(&FP_D, a, b, c, true, true, rm, fflags);
}

uint32_t fpu_min_s(uint32_t a, uint32_t b, uint32_t *fflags)
{
    return (uint32_t)fp_minmax(&FP_S, a, b, false, false, fflags);
}

uint32_t fpu_max_s(uint32_t a, uint32_t b, uint32_t *fflags)
{
    return (uint32_t)fp_minmax(&FP_S, a, b, true, false, fflags);
}

uint64_t fpu_min_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return fp_minmax(&FP_D, a, b, false, false, fflags);
}

uint64_t fpu_max_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return fp_minmax(&FP_D, a, b, true, false, fflags);
}

int fpu_eq_s(uint32_t a, uint32_t b, uint32_t *fflags)
{
    return fp_compare(&FP_S, a, b, FP_EQ, fflags);
}

int fpu_lt_s(uint32_t a, uint32_t b, uint32_t *fflags)
{
    return fp_compare(&FP_S, a, b, FP_LT, fflags);
}

int fpu_le_s(uint32_t a, uint32_t b, uint32_t *fflags)
{
    return fp_compare(&FP_S, a, b, FP_LE, fflags);
}

int fpu_eq_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return fp_compare(&FP_D, a, b, FP_EQ, fflags);
}

int fpu_lt_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return fp_compare(&FP_D, a, b, FP_LT, fflags);
}

int fpu_le_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return fp_compare(&FP_D, a, b, FP_LE, fflags);
}

uint64_t fpu_class_s(uint32_t a)
{
    return fp_class(&FP_S, a);
}

uint64_t fpu_class_d(uint64_t a)
{
    return fp_class(&FP_D, a);
}

int32_t fpu_cvt_w_s(uint32_t a, unsigned rm, uint32_t *fflags)
{
    return (int32_t)(uint32_t)fp_to_int(&FP_S, a, true, 32, rm, fflags);
}

uint32_t fpu_cvt_wu_s(uint32_t a, unsigned rm, uint32_t *fflags)
{
    return (uint32_t)fp_to_int(&FP_S, a, false, 32, rm, fflags);
}

int64_t fpu_cvt_l_s(uint32_t a, unsigned rm, uint32_t *fflags)
{
    return (int64_t)fp_to_int(&FP_S, a, true, 64, rm, fflags);
}

uint64_t fpu_cvt_lu_s(uint32_t a, unsigned rm, uint32_t *fflags)
{
    return fp_to_int(&FP_S, a, false, 64, rm, fflags);
}

int32_t fpu_cvt_w_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return (int32_t)(uint32_t)fp_to_int(&FP_D, a, true, 32, rm, fflags);
}

uint32_t fpu_cvt_wu_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return (uint32_t)fp_to_int(&FP_D, a, false, 32, rm, fflags);
}

int64_t fpu_cvt_l_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return (int64_t)fp_to_int(&FP_D, a, true, 64, rm, fflags);
}

uint64_t fpu_cvt_lu_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return fp_to_int(&FP_D, a, false, 64, rm, fflags);
}

static inline uint64_t fp_abs_i64(int64_t a)
{
    return a < 0 ? -(uint64_t)a : (uint64_t)a;
}

uint32_t fpu_cvt_s_w(int32_t a, unsigned rm, uint32_t *fflags)
{
    return (uint32_t)fp_from_int(&FP_S, a < 0, fp_abs_i64(a), rm, fflags);
}

uint32_t fpu_cvt_s_wu(uint32_t a, unsigned rm, uint32_t *fflags)
{
    return (uint32_t)fp_from_int(&FP_S, false, a, rm, fflags);
}

uint32_t fpu_cvt_s_l(int64_t a, unsigned rm, uint32_t *fflags)
{
    return (uint32_t)fp_from_int(&FP_S, a < 0, fp_abs_i64(a), rm, fflags);
}

uint32_t fpu_cvt_s_lu(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return (uint32_t)fp_from_int(&FP_S, false, a, rm, fflags);
}

uint64_t fpu_cvt_d_w(int32_t a, unsigned rm, uint32_t *fflags)
{
    return fp_from_int(&FP_D, a < 0, fp_abs_i64(a), rm, fflags);
}

uint64_t fpu_cvt_d_wu(uint32_t a, unsigned rm, uint32_t *fflags)
{
    return fp_from_int(&FP_D, false, a, rm, fflags);
}

uint64_t fpu_cvt_d_l(int64_t a, unsigned rm, uint32_t *fflags)
{
    return fp_from_int(&FP_D, a < 0, fp_abs_i64(a), rm, fflags);
}

uint64_t fpu_cvt_d_lu(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return fp_from_int(&FP_D, false, a, rm, fflags);
}

uint64_t fpu_cvt_d_s(uint32_t a, unsigned rm, uint32_t *fflags)
{
    assert(rm <= FPU_RM_RMM);
    (void)rm;
    return fp_convert(&FP_D, &FP_S, a, FPU_RM_RNE, fflags);
}

uint32_t fpu_cvt_s_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return (uint32_t)fp_convert(&FP_S, &FP_D, a, rm, fflags);
}

/* ---- half precision (Zfh, Zfhmin) ---- */

uint16_t fpu_add_h(uint16_t a, uint16_t b, unsigned rm, uint32_t *fflags)
{
    return (uint16_t)fp_add(&FP_H, a, b, false, rm, fflags);
}

uint16_t fpu_sub_h(uint16_t a, uint16_t b, unsigned rm, uint32_t *fflags)
{
    return (uint16_t)fp_add(&FP_H, a, b, true, rm, fflags);
}

uint16_t fpu_mul_h(uint16_t a, uint16_t b, unsigned rm, uint32_t *fflags)
{
    return (uint16_t)fp_mul(&FP_H, a, b, rm, fflags);
}

uint16_t fpu_div_h(uint16_t a, uint16_t b, unsigned rm, uint32_t *fflags)
{
    return (uint16_t)fp_div(&FP_H, a, b, rm, fflags);
}

uint16_t fpu_sqrt_h(uint16_t a, unsigned rm, uint32_t *fflags)
{
    return (uint16_t)fp_sqrt(&FP_H, a, rm, fflags);
}

uint16_t fpu_madd_h(uint16_t a, uint16_t b, uint16_t c, unsigned rm, uint32_t *fflags)
{
    return (uint16_t)fp_muladd(&FP_H, a, b, c, false, false, rm, fflags);
}

uint16_t fpu_msub_h(uint16_t a, uint16_t b, uint16_t c, unsigned rm, uint32_t *fflags)
{
    return (uint16_t)fp_muladd(&FP_H, a, b, c, false, true, rm, fflags);
}

uint16_t fpu_nmsub_h(uint16_t a, uint16_t b, uint16_t c, unsigned rm, uint32_t *fflags)
{
    return (uint16_t)fp_muladd(&FP_H, a, b, c, true, false, rm, fflags);
}

uint16_t fpu_nmadd_h(uint16_t a, uint16_t b, uint16_t c, unsigned rm, uint32_t *fflags)
{
    return (uint16_t)fp_muladd(&FP_H, a, b, c, true, true, rm, fflags);
}

uint16_t fpu_min_h(uint16_t a, uint16_t b, uint32_t *fflags)
{
    return (uint16_t)fp_minmax(&FP_H, a, b, false, false, fflags);
}

uint16_t fpu_max_h(uint16_t a, uint16_t b, uint32_t *fflags)
{
    return (uint16_t)fp_minmax(&FP_H, a, b, true, false, fflags);
}

int fpu_eq_h(uint16_t a, uint16_t b, uint32_t *fflags)
{
    return fp_compare(&FP_H, a, b, FP_EQ, fflags);
}

int fpu_lt_h(uint16_t a, uint16_t b, uint32_t *fflags)
{
    return fp_compare(&FP_H, a, b, FP_LT, fflags);
}

int fpu_le_h(uint16_t a, uint16_t b, uint32_t *fflags)
{
    return fp_compare(&FP_H, a, b, FP_LE, fflags);
}

uint64_t fpu_class_h(uint16_t a)
{
    return fp_class(&FP_H, a);
}

int32_t fpu_cvt_w_h(uint16_t a, unsigned rm, uint32_t *fflags)
{
    return (int32_t)(uint32_t)fp_to_int(&FP_H, a, true, 32, rm, fflags);
}

uint32_t fpu_cvt_wu_h(uint16_t a, unsigned rm, uint32_t *fflags)
{
    return (uint32_t)fp_to_int(&FP_H, a, false, 32, rm, fflags);
}

int64_t fpu_cvt_l_h(uint16_t a, unsigned rm, uint32_t *fflags)
{
    return (int64_t)fp_to_int(&FP_H, a, true, 64, rm, fflags);
}

uint64_t fpu_cvt_lu_h(uint16_t a, unsigned rm, uint32_t *fflags)
{
    return fp_to_int(&FP_H, a, false, 64, rm, fflags);
}

uint16_t fpu_cvt_h_w(int32_t a, unsigned rm, uint32_t *fflags)
{
    return (uint16_t)fp_from_int(&FP_H, a < 0, fp_abs_i64(a), rm, fflags);
}

uint16_t fpu_cvt_h_wu(uint32_t a, unsigned rm, uint32_t *fflags)
{
    return (uint16_t)fp_from_int(&FP_H, false, a, rm, fflags);
}

uint16_t fpu_cvt_h_l(int64_t a, unsigned rm, uint32_t *fflags)
{
    return (uint16_t)fp_from_int(&FP_H, a < 0, fp_abs_i64(a), rm, fflags);
}

uint16_t fpu_cvt_h_lu(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return (uint16_t)fp_from_int(&FP_H, false, a, rm, fflags);
}

uint32_t fpu_cvt_s_h(uint16_t a, unsigned rm, uint32_t *fflags)
{
    assert(rm <= FPU_RM_RMM);
    (void)rm;
    return (uint32_t)fp_convert(&FP_S, &FP_H, a, FPU_RM_RNE, fflags);
}

uint64_t fpu_cvt_d_h(uint16_t a, unsigned rm, uint32_t *fflags)
{
    assert(rm <= FPU_RM_RMM);
    (void)rm;
    return fp_convert(&FP_D, &FP_H, a, FPU_RM_RNE, fflags);
}

uint16_t fpu_cvt_h_s(uint32_t a, unsigned rm, uint32_t *fflags)
{
    return (uint16_t)fp_convert(&FP_H, &FP_S, a, rm, fflags);
}

uint16_t fpu_cvt_h_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return (uint16_t)fp_convert(&FP_H, &FP_D, a, rm, fflags);
}

/* ---- Zfa ---- */

uint16_t fpu_fli_h(unsigned idx)
{
    return (uint16_t)fp_fli(&FP_H, idx);
}

uint32_t fpu_fli_s(unsigned idx)
{
    return (uint32_t)fp_fli(&FP_S, idx);
}

uint64_t fpu_fli_d(unsigned idx)
{
    return fp_fli(&FP_D, idx);
}

uint16_t fpu_minm_h(uint16_t a, uint16_t b, uint32_t *fflags)
{
    return (uint16_t)fp_minmax(&FP_H, a, b, false, true, fflags);
}

uint16_t fpu_maxm_h(uint16_t a, uint16_t b, uint32_t *fflags)
{
    return (uint16_t)fp_minmax(&FP_H, a, b, true, true, fflags);
}

uint32_t fpu_minm_s(uint32_t a, uint32_t b, uint32_t *fflags)
{
    return (uint32_t)fp_minmax(&FP_S, a, b, false, true, fflags);
}

uint32_t fpu_maxm_s(uint32_t a, uint32_t b, uint32_t *fflags)
{
    return (uint32_t)fp_minmax(&FP_S, a, b, true, true, fflags);
}

uint64_t fpu_minm_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return fp_minmax(&FP_D, a, b, false, true, fflags);
}

uint64_t fpu_maxm_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return fp_minmax(&FP_D, a, b, true, true, fflags);
}

uint16_t fpu_round_h(uint16_t a, unsigned rm, uint32_t *fflags)
{
    return (uint16_t)fp_round_int(&FP_H, a, rm, false, fflags);
}

uint16_t fpu_roundnx_h(uint16_t a, unsigned rm, uint32_t *fflags)
{
    return (uint16_t)fp_round_int(&FP_H, a, rm, true, fflags);
}

uint32_t fpu_round_s(uint32_t a, unsigned rm, uint32_t *fflags)
{
    return (uint32_t)fp_round_int(&FP_S, a, rm, false, fflags);
}

uint32_t fpu_roundnx_s(uint32_t a, unsigned rm, uint32_t *fflags)
{
    return (uint32_t)fp_round_int(&FP_S, a, rm, true, fflags);
}

uint64_t fpu_round_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return fp_round_int(&FP_D, a, rm, false, fflags);
}

uint64_t fpu_roundnx_d(uint64_t a, unsigned rm, uint32_t *fflags)
{
    return fp_round_int(&FP_D, a, rm, true, fflags);
}

int32_t fpu_cvtmod_w_d(uint64_t a, uint32_t *fflags)
{
    FpVal v = fp_unpack(&FP_D, a);

    /* The flags are fcvt.w.d's in RTZ (Zfa chapter, "Modular
     * Convert-to-Integer Instruction"); only the value differs. */
    (void)fp_to_int(&FP_D, a, true, 32, FPU_RM_RTZ, fflags);
    if (v.cls != FP_FINITE) {
        return 0;  /* zero, infinities and NaN */
    }
    uint32_t low;
    if (v.exp >= 32) {
        low = 0;  /* a multiple of 2^32 */
    } else if (v.exp >= 0) {
        low = (uint32_t)((u128)v.sig << v.exp);
    } else {
        low = v.exp <= -64 ? 0 : (uint32_t)(v.sig >> -v.exp);
    }
    return (int32_t)(v.sign ? 0u - low : low);
}

int fpu_leq_h(uint16_t a, uint16_t b, uint32_t *fflags)
{
    return fp_compare(&FP_H, a, b, FP_LEQ, fflags);
}

int fpu_ltq_h(uint16_t a, uint16_t b, uint32_t *fflags)
{
    return fp_compare(&FP_H, a, b, FP_LTQ, fflags);
}

int fpu_leq_s(uint32_t a, uint32_t b, uint32_t *fflags)
{
    return fp_compare(&FP_S, a, b, FP_LEQ, fflags);
}

int fpu_ltq_s(uint32_t a, uint32_t b, uint32_t *fflags)
{
    return fp_compare(&FP_S, a, b, FP_LTQ, fflags);
}

int fpu_leq_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return fp_compare(&FP_D, a, b, FP_LEQ, fflags);
}

int fpu_ltq_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return fp_compare(&FP_D, a, b, FP_LTQ, fflags);
}
