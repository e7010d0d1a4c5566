/*
 * fpu: IEEE 754 binary16/binary32/binary64 arithmetic for the F, D and Zfh
 * extensions and the additions of Zfa (RISC-V unprivileged ISA 20191213,
 * chapters 11 and 12, section numbers below refer to that edition; Zfh and
 * Zfa are the chapters of those names in later editions), done entirely in
 * integer code so results and flags are bit-identical on every host,
 * whatever the host FPU's mode.
 *
 * Contract:
 *  - Every result is correctly rounded in the requested mode; all operations
 *    share one rounding step. Underflow uses tininess detected after
 *    rounding (section 11.4), and UF is raised only when the result is also
 *    inexact.
 *  - Any operation whose result is a NaN returns the canonical NaN
 *    (FPU_CANON_NAN_S / FPU_CANON_NAN_D); NaN payloads never propagate
 *    (section 11.3).
 *    A signalling NaN operand raises NV.
 *  - Exceptions are OR-ed into *fflags (never cleared) using the fflags bit
 *    layout; fflags must not be NULL.
 *  - rm is a static rounding mode 0..4 (FPU_RM_*). The caller resolves the
 *    dynamic mode (frm) and raises illegal-instruction for reserved modes
 *    before calling; passing rm > 4 is a programming error (asserted).
 *  - Half- and single-precision values are raw 16- and 32-bit encodings.
 *    NaN-boxing of f registers (section 12.2, "NaN Boxing of Narrower
 *    Values") is the caller's job: unbox before calling, box the returned
 *    value.
 *  - No state, no globals: every function is pure apart from *fflags.
 */
#ifndef RRSIM_CPU_FPU_H
#define RRSIM_CPU_FPU_H

#include <stdint.h>

/* Rounding modes, encoded as in the instruction rm field and frm. */
#define FPU_RM_RNE 0u  /* to nearest, ties to even */
#define FPU_RM_RTZ 1u  /* toward zero */
#define FPU_RM_RDN 2u  /* toward -infinity */
#define FPU_RM_RUP 3u  /* toward +infinity */
#define FPU_RM_RMM 4u  /* to nearest, ties away from zero */

/* Accrued exception bits, laid out as in fflags. */
#define FPU_NX 1u   /* inexact */
#define FPU_UF 2u   /* underflow */
#define FPU_OF 4u   /* overflow */
#define FPU_DZ 8u   /* divide by zero */
#define FPU_NV 16u  /* invalid operation */

#define FPU_CANON_NAN_H 0x7e00u
#define FPU_CANON_NAN_S 0x7fc00000u
#define FPU_CANON_NAN_D 0x7ff8000000000000ull

/* fclass result bits (section 11.9, table "Format of result of FCLASS"). */
#define FPU_CLASS_NEG_INF    (1u << 0)
#define FPU_CLASS_NEG_NORMAL (1u << 1)
#define FPU_CLASS_NEG_SUBNORMAL (1u << 2)
#define FPU_CLASS_NEG_ZERO   (1u << 3)
#define FPU_CLASS_POS_ZERO   (1u << 4)
#define FPU_CLASS_POS_SUBNORMAL (1u << 5)
#define FPU_CLASS_POS_NORMAL (1u << 6)
#define FPU_CLASS_POS_INF    (1u << 7)
#define FPU_CLASS_SNAN       (1u << 8)
#define FPU_CLASS_QNAN       (1u << 9)

/*
 * Arithmetic. @param[in] a, b operands; @param[in] rm rounding mode;
 * @param[in,out] fflags accrued exceptions.
 * @return the rounded result. inf-inf, 0*inf, 0/0, inf/inf and sqrt of a
 * negative non-zero number raise NV and return the canonical NaN; finite
 * non-zero / zero raises DZ and returns a signed infinity.
 * Exact zero sums are +0, or -0 in RDN, unless both addends are -0.
 */
uint32_t fpu_add_s(uint32_t a, uint32_t b, unsigned rm, uint32_t *fflags);
uint32_t fpu_sub_s(uint32_t a, uint32_t b, unsigned rm, uint32_t *fflags);
uint32_t fpu_mul_s(uint32_t a, uint32_t b, unsigned rm, uint32_t *fflags);
uint32_t fpu_div_s(uint32_t a, uint32_t b, unsigned rm, uint32_t *fflags);
uint32_t fpu_sqrt_s(uint32_t a, unsigned rm, uint32_t *fflags);
uint64_t fpu_add_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags);
uint64_t fpu_sub_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags);
uint64_t fpu_mul_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags);
uint64_t fpu_div_d(uint64_t a, uint64_t b, unsigned rm, uint32_t *fflags);
uint64_t fpu_sqrt_d(uint64_t a, unsigned rm, uint32_t *fflags);

/*
 * Fused multiply-add with a single rounding:
 *   madd = a*b + c,  msub = a*b - c,  nmsub = -(a*b) + c,  nmadd = -(a*b) - c.
 * inf*0 raises NV even when c is a quiet NaN (section 11.6,
 * "Single-Precision Floating-Point Computational Instructions"); the result is the canonical NaN.
 */
uint32_t fpu_madd_s(uint32_t a, uint32_t b, uint32_t c, unsigned rm, uint32_t *fflags);
uint32_t fpu_msub_s(uint32_t a, uint32_t b, uint32_t c, unsigned rm, uint32_t *fflags);
uint32_t fpu_nmsub_s(uint32_t a, uint32_t b, uint32_t c, unsigned rm, uint32_t *fflags);
uint32_t fpu_nmadd_s(uint32_t a, uint32_t b, uint32_t c, unsigned rm, uint32_t *fflags);
uint64_t fpu_madd_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags);
uint64_t fpu_msub_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags);
uint64_t fpu_nmsub_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags);
uint64_t fpu_nmadd_d(uint64_t a, uint64_t b, uint64_t c, unsigned rm, uint32_t *fflags);

/*
 * fmin/fmax (F version 2.2 semantics, section 11.6; IEEE 754-2019
 * minimumNumber/maximumNumber):
 * one NaN operand -> the other operand unchanged; both NaN -> canonical NaN;
 * -0.0 < +0.0; any signalling NaN operand raises NV. Never rounds.
 */
uint32_t fpu_min_s(uint32_t a, uint32_t b, uint32_t *fflags);
uint32_t fpu_max_s(uint32_t a, uint32_t b, uint32_t *fflags);
uint64_t fpu_min_d(uint64_t a, uint64_t b, uint32_t *fflags);
uint64_t fpu_max_d(uint64_t a, uint64_t b, uint32_t *fflags);

/*
 * Comparisons. @return 1 if the relation holds, else 0 (0 whenever an
 * operand is NaN). feq is quiet (NV only for a signalling NaN); flt and fle
 * are signalling (NV for any NaN). +0 and -0 compare equal.
 */
int fpu_eq_s(uint32_t a, uint32_t b, uint32_t *fflags);
int fpu_lt_s(uint32_t a, uint32_t b, uint32_t *fflags);
int fpu_le_s(uint32_t a, uint32_t b, uint32_t *fflags);
int fpu_eq_d(uint64_t a, uint64_t b, uint32_t *fflags);
int fpu_lt_d(uint64_t a, uint64_t b, uint32_t *fflags);
int fpu_le_d(uint64_t a, uint64_t b, uint32_t *fflags);

/* fclass: @return exactly one FPU_CLASS_* bit. Raises nothing. */
uint64_t fpu_class_s(uint32_t a);
uint64_t fpu_class_d(uint64_t a);

/*
 * Float -> integer (fcvt.{w,wu,l,lu}.{s,d}). The value is rounded to an
 * integer in mode rm; if the rounded value does not fit, the result
 * saturates and NV is raised (NX is then not raised):
 *   NaN or too large positive (incl. +inf) -> the type's maximum,
 *   too large negative (incl. -inf)        -> the type's minimum (0 for unsigned).
 * (section 11.7, table "Domains of float-to-integer conversions").
 * Otherwise NX is raised when rounding changed the value. A negative value
 * that rounds to 0 is not out of range for the unsigned types.
 * The 32-bit results are returned as 32-bit values; on RV64 the caller
 * sign-extends them into x[rd] (for wu too, so 0xffffffff becomes -1).
 */
int32_t fpu_cvt_w_s(uint32_t a, unsigned rm, uint32_t *fflags);
uint32_t fpu_cvt_wu_s(uint32_t a, unsigned rm, uint32_t *fflags);
int64_t fpu_cvt_l_s(uint32_t a, unsigned rm, uint32_t *fflags);
uint64_t fpu_cvt_lu_s(uint32_t a, unsigned rm, uint32_t *fflags);
int32_t fpu_cvt_w_d(uint64_t a, unsigned rm, uint32_t *fflags);
uint32_t fpu_cvt_wu_d(uint64_t a, unsigned rm, uint32_t *fflags);
int64_t fpu_cvt_l_d(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t fpu_cvt_lu_d(uint64_t a, unsigned rm, uint32_t *fflags);

/*
 * Integer -> float (fcvt.{s,d}.{w,wu,l,lu}), rounded in mode rm (only NX can
 * be raised; conversions to double from 32-bit integers are exact). Zero
 * converts to +0. For the w/wu forms the caller passes the low 32 bits of
 * x[rs1].
 */
uint32_t fpu_cvt_s_w(int32_t a, unsigned rm, uint32_t *fflags);
uint32_t fpu_cvt_s_wu(uint32_t a, unsigned rm, uint32_t *fflags);
uint32_t fpu_cvt_s_l(int64_t a, unsigned rm, uint32_t *fflags);
uint32_t fpu_cvt_s_lu(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t fpu_cvt_d_w(int32_t a, unsigned rm, uint32_t *fflags);
uint64_t fpu_cvt_d_wu(uint32_t a, unsigned rm, uint32_t *fflags);
uint64_t fpu_cvt_d_l(int64_t a, unsigned rm, uint32_t *fflags);
uint64_t fpu_cvt_d_lu(uint64_t a, unsigned rm, uint32_t *fflags);

/*
 * Between formats. fcvt.d.s is exact, so rm is accepted only for symmetry
 * and ignored (it must still be 0..4); NaN inputs give the canonical NaN,
 * with NV for a signalling NaN. fcvt.s.d rounds in mode rm and may raise
 * NX, UF, OF and NV.
 */
uint64_t fpu_cvt_d_s(uint32_t a, unsigned rm, uint32_t *fflags);
uint32_t fpu_cvt_s_d(uint64_t a, unsigned rm, uint32_t *fflags);

/*
 * Half precision (Zfh; the conversions also serve Zfhmin). The same
 * contracts as the single-precision functions above: canonical NaN
 * FPU_CANON_NAN_H, saturating float->integer conversions, one rounding for
 * the fused forms. Integer -> half may overflow (a 32-bit integer can
 * exceed 65504): OF and NX, and infinity or the largest finite value by
 * the rounding mode. fcvt.s.h and fcvt.d.h are exact (rm ignored, as for
 * fcvt.d.s); fcvt.h.s and fcvt.h.d round in mode rm.
 */
uint16_t fpu_add_h(uint16_t a, uint16_t b, unsigned rm, uint32_t *fflags);
uint16_t fpu_sub_h(uint16_t a, uint16_t b, unsigned rm, uint32_t *fflags);
uint16_t fpu_mul_h(uint16_t a, uint16_t b, unsigned rm, uint32_t *fflags);
uint16_t fpu_div_h(uint16_t a, uint16_t b, unsigned rm, uint32_t *fflags);
uint16_t fpu_sqrt_h(uint16_t a, unsigned rm, uint32_t *fflags);
uint16_t fpu_madd_h(uint16_t a, uint16_t b, uint16_t c, unsigned rm, uint32_t *fflags);
uint16_t fpu_msub_h(uint16_t a, uint16_t b, uint16_t c, unsigned rm, uint32_t *fflags);
uint16_t fpu_nmsub_h(uint16_t a, uint16_t b, uint16_t c, unsigned rm, uint32_t *fflags);
uint16_t fpu_nmadd_h(uint16_t a, uint16_t b, uint16_t c, unsigned rm, uint32_t *fflags);
uint16_t fpu_min_h(uint16_t a, uint16_t b, uint32_t *fflags);
uint16_t fpu_max_h(uint16_t a, uint16_t b, uint32_t *fflags);
int fpu_eq_h(uint16_t a, uint16_t b, uint32_t *fflags);
int fpu_lt_h(uint16_t a, uint16_t b, uint32_t *fflags);
int fpu_le_h(uint16_t a, uint16_t b, uint32_t *fflags);
uint64_t fpu_class_h(uint16_t a);
int32_t fpu_cvt_w_h(uint16_t a, unsigned rm, uint32_t *fflags);
uint32_t fpu_cvt_wu_h(uint16_t a, unsigned rm, uint32_t *fflags);
int64_t fpu_cvt_l_h(uint16_t a, unsigned rm, uint32_t *fflags);
uint64_t fpu_cvt_lu_h(uint16_t a, unsigned rm, uint32_t *fflags);
uint16_t fpu_cvt_h_w(int32_t a, unsigned rm, uint32_t *fflags);
uint16_t fpu_cvt_h_wu(uint32_t a, unsigned rm, uint32_t *fflags);
uint16_t fpu_cvt_h_l(int64_t a, unsigned rm, uint32_t *fflags);
uint16_t fpu_cvt_h_lu(uint64_t a, unsigned rm, uint32_t *fflags);
uint32_t fpu_cvt_s_h(uint16_t a, unsigned rm, uint32_t *fflags);
uint64_t fpu_cvt_d_h(uint16_t a, unsigned rm, uint32_t *fflags);
uint16_t fpu_cvt_h_s(uint32_t a, unsigned rm, uint32_t *fflags);
uint16_t fpu_cvt_h_d(uint64_t a, unsigned rm, uint32_t *fflags);

/*
 * Zfa.
 * fli: constant number idx (0..31) of the FLI table, in each format. Entry
 * 1 is the format's smallest normal; in half precision entries 2 and 3
 * (2^-16, 2^-15) are subnormal and entry 29 (2^16) is +infinity. Raises
 * nothing.
 */
uint16_t fpu_fli_h(unsigned idx);
uint32_t fpu_fli_s(unsigned idx);
uint64_t fpu_fli_d(unsigned idx);
/*
 * fminm/fmaxm: IEEE 754-2019 minimum/maximum. Like fmin/fmax, except that
 * any NaN operand gives the canonical NaN; NV for a signalling NaN.
 */
uint16_t fpu_minm_h(uint16_t a, uint16_t b, uint32_t *fflags);
uint16_t fpu_maxm_h(uint16_t a, uint16_t b, uint32_t *fflags);
uint32_t fpu_minm_s(uint32_t a, uint32_t b, uint32_t *fflags);
uint32_t fpu_maxm_s(uint32_t a, uint32_t b, uint32_t *fflags);
uint64_t fpu_minm_d(uint64_t a, uint64_t b, uint32_t *fflags);
uint64_t fpu_maxm_d(uint64_t a, uint64_t b, uint32_t *fflags);
/*
 * fround: round to an integral value in mode rm, in the same format.
 * Zeros and infinities are returned unchanged, the sign of a result that
 * rounds to zero is the operand's, a NaN gives the canonical NaN (NV for a
 * signalling one). fround raises nothing else; froundnx also raises NX
 * when the result differs from the operand (IEEE roundToIntegralExact).
 */
uint16_t fpu_round_h(uint16_t a, unsigned rm, uint32_t *fflags);
uint16_t fpu_roundnx_h(uint16_t a, unsigned rm, uint32_t *fflags);
uint32_t fpu_round_s(uint32_t a, unsigned rm, uint32_t *fflags);
uint32_t fpu_roundnx_s(uint32_t a, unsigned rm, uint32_t *fflags);
uint64_t fpu_round_d(uint64_t a, unsigned rm, uint32_t *fflags);
uint64_t fpu_roundnx_d(uint64_t a, unsigned rm, uint32_t *fflags);
/*
 * fcvtmod.w.d: truncate toward zero, keep bits 31:0 of the unbounded two's
 * complement integer; NaN and infinities give 0. The flags are those
 * fpu_cvt_w_d() raises in RTZ for the same operand (NV out of range, else
 * NX when inexact).
 */
int32_t fpu_cvtmod_w_d(uint64_t a, uint32_t *fflags);
/* fleq/fltq: fle/flt that raise NV only for signalling NaNs. */
int fpu_leq_h(uint16_t a, uint16_t b, uint32_t *fflags);
int fpu_ltq_h(uint16_t a, uint16_t b, uint32_t *fflags);
int fpu_leq_s(uint32_t a, uint32_t b, uint32_t *fflags);
int fpu_ltq_s(uint32_t a, uint32_t b, uint32_t *fflags);
int fpu_leq_d(uint64_t a, uint64_t b, uint32_t *fflags);
int fpu_ltq_d(uint64_t a, uint64_t b, uint32_t *fflags);

#endif /* RRSIM_CPU_FPU_H */
