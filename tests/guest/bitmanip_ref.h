/*
 * bitmanip_ref: the RV64 bit-manipulation instructions (Zba, Zbb, Zbc, Zbs,
 * Zbkb, Zbkc, Zbkx) written in plain C after the pseudo-code of the
 * unprivileged spec's "B" and scalar-crypto chapters, one bit or one byte at a
 * time.  The guest programs are compiled for RV64GC without any B extension,
 * so these models never use the instructions they check.
 */
#ifndef BITMANIP_REF_H
#define BITMANIP_REF_H

#include <stdint.h>

static inline uint64_t ref_bit(uint64_t x, unsigned i) { return (x >> i) & 1; }
static inline uint64_t ref_sx32(uint64_t x) { return (uint64_t)(int64_t)(int32_t)(uint32_t)x; }
static inline uint64_t ref_zx32(uint64_t x) { return x & 0xffffffffUL; }

/* Zba */
static inline uint64_t ref_add_uw(uint64_t a, uint64_t b) { return b + ref_zx32(a); }
static inline uint64_t ref_sh1add(uint64_t a, uint64_t b) { return b + (a << 1); }
static inline uint64_t ref_sh2add(uint64_t a, uint64_t b) { return b + (a << 2); }
static inline uint64_t ref_sh3add(uint64_t a, uint64_t b) { return b + (a << 3); }
static inline uint64_t ref_sh1add_uw(uint64_t a, uint64_t b) { return b + (ref_zx32(a) << 1); }
static inline uint64_t ref_sh2add_uw(uint64_t a, uint64_t b) { return b + (ref_zx32(a) << 2); }
static inline uint64_t ref_sh3add_uw(uint64_t a, uint64_t b) { return b + (ref_zx32(a) << 3); }
static inline uint64_t ref_slli_uw(uint64_t a, uint64_t sh) { return ref_zx32(a) << (sh & 63); }

/* Zbb (and Zbkb's share of it) */
static inline uint64_t ref_andn(uint64_t a, uint64_t b) { return a & ~b; }
static inline uint64_t ref_orn(uint64_t a, uint64_t b) { return a | ~b; }
static inline uint64_t ref_xnor(uint64_t a, uint64_t b) { return ~(a ^ b); }

/* Leading zeros of the low `width` bits. */
static inline uint64_t ref_clz_n(uint64_t a, unsigned width)
{
    uint64_t n = 0;
    for (int i = (int)width - 1; i >= 0 && !ref_bit(a, (unsigned)i); i--)
        n++;
    return n;
}

static inline uint64_t ref_ctz_n(uint64_t a, unsigned width)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < width && !ref_bit(a, i); i++)
        n++;
    return n;
}

static inline uint64_t ref_cpop_n(uint64_t a, unsigned width)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < width; i++)
        n += ref_bit(a, i);
    return n;
}

static inline uint64_t ref_clz(uint64_t a, uint64_t b) { (void)b; return ref_clz_n(a, 64); }
static inline uint64_t ref_clzw(uint64_t a, uint64_t b) { (void)b; return ref_clz_n(a, 32); }
static inline uint64_t ref_ctz(uint64_t a, uint64_t b) { (void)b; return ref_ctz_n(a, 64); }
static inline uint64_t ref_ctzw(uint64_t a, uint64_t b) { (void)b; return ref_ctz_n(a, 32); }
static inline uint64_t ref_cpop(uint64_t a, uint64_t b) { (void)b; return ref_cpop_n(a, 64); }
static inline uint64_t ref_cpopw(uint64_t a, uint64_t b) { (void)b; return ref_cpop_n(a, 32); }
static inline uint64_t ref_max(uint64_t a, uint64_t b) { return (int64_t)a < (int64_t)b ? b : a; }
static inline uint64_t ref_maxu(uint64_t a, uint64_t b) { return a < b ? b : a; }
static inline uint64_t ref_min(uint64_t a, uint64_t b) { return (int64_t)a < (int64_t)b ? a : b; }
static inline uint64_t ref_minu(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* Copy bit `from` of a into every bit above it. */
static inline uint64_t ref_sext_from(uint64_t a, unsigned from)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 64; i++)
        r |= ref_bit(a, i < from ? i : from) << i;
    return r;
}

static inline uint64_t ref_sext_b(uint64_t a, uint64_t b) { (void)b; return ref_sext_from(a, 7); }
static inline uint64_t ref_sext_h(uint64_t a, uint64_t b) { (void)b; return ref_sext_from(a, 15); }
static inline uint64_t ref_zext_h(uint64_t a, uint64_t b) { (void)b; return a & 0xffff; }

/* Rotate the low `width` bits right by sh (mod width), bit by bit. */
static inline uint64_t ref_ror_n(uint64_t a, uint64_t sh, unsigned width)
{
    uint64_t r = 0;
    sh %= width;
    for (unsigned i = 0; i < width; i++)
        r |= ref_bit(a, (unsigned)((i + sh) % width)) << i;
    return r;
}

static inline uint64_t ref_ror(uint64_t a, uint64_t b) { return ref_ror_n(a, b & 63, 64); }
static inline uint64_t ref_rol(uint64_t a, uint64_t b) { return ref_ror_n(a, (64 - (b & 63)) & 63, 64); }
static inline uint64_t ref_rorw(uint64_t a, uint64_t b) { return ref_sx32(ref_ror_n(a, b & 31, 32)); }
static inline uint64_t ref_rolw(uint64_t a, uint64_t b) { return ref_sx32(ref_ror_n(a, (32 - (b & 31)) & 31, 32)); }

static inline uint64_t ref_orc_b(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    (void)b;
    for (unsigned i = 0; i < 64; i += 8)
        if ((a >> i) & 0xff)
            r |= 0xffUL << i;
    return r;
}

static inline uint64_t ref_rev8(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    (void)b;
    for (unsigned i = 0; i < 8; i++)
        r |= ((a >> (8 * i)) & 0xff) << (8 * (7 - i));
    return r;
}

/* Zbc, Zbkc: carry-less products (clmulr is Zbc only). */
static inline uint64_t ref_clmul(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 64; i++)
        if (ref_bit(b, i))
            r ^= a << i;
    return r;
}

static inline uint64_t ref_clmulh(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    for (unsigned i = 1; i < 64; i++)
        if (ref_bit(b, i))
            r ^= a >> (64 - i);
    return r;
}

static inline uint64_t ref_clmulr(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 64; i++)
        if (ref_bit(b, i))
            r ^= a >> (63 - i);
    return r;
}

/* Zbs: the index is rs2 (or shamt) mod XLEN. */
static inline uint64_t ref_bclr(uint64_t a, uint64_t b) { return a & ~(1UL << (b & 63)); }
static inline uint64_t ref_bext(uint64_t a, uint64_t b) { return ref_bit(a, (unsigned)(b & 63)); }
static inline uint64_t ref_binv(uint64_t a, uint64_t b) { return a ^ (1UL << (b & 63)); }
static inline uint64_t ref_bset(uint64_t a, uint64_t b) { return a | (1UL << (b & 63)); }

/* Zbkb */
static inline uint64_t ref_pack(uint64_t a, uint64_t b) { return ref_zx32(a) | (b << 32); }
static inline uint64_t ref_packh(uint64_t a, uint64_t b) { return (a & 0xff) | ((b & 0xff) << 8); }
static inline uint64_t ref_packw(uint64_t a, uint64_t b) { return ref_sx32((a & 0xffff) | ((b & 0xffff) << 16)); }

static inline uint64_t ref_brev8(uint64_t a, uint64_t b)
{
    uint64_t r = 0;
    (void)b;
    for (unsigned i = 0; i < 64; i++)
        r |= ref_bit(a, (i & ~7u) + 7 - (i & 7)) << i;
    return r;
}

/* Zbkx: each lane of b indexes the lanes of a; an index past the last lane gives 0. */
static inline uint64_t ref_xperm(uint64_t a, uint64_t b, unsigned w)
{
    uint64_t r = 0, mask = (1UL << w) - 1;
    unsigned lanes = 64 / w;
    for (unsigned i = 0; i < lanes; i++) {
        uint64_t idx = (b >> (i * w)) & mask;
        if (idx < lanes)
            r |= ((a >> (idx * w)) & mask) << (i * w);
    }
    return r;
}

static inline uint64_t ref_xperm4(uint64_t a, uint64_t b) { return ref_xperm(a, b, 4); }
static inline uint64_t ref_xperm8(uint64_t a, uint64_t b) { return ref_xperm(a, b, 8); }

#endif
