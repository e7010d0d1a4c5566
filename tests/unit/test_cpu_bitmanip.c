/* Bit-manipulation (Zba, Zbb, Zbc, Zbs, Zbkb, Zbkc, Zbkx) and Zicond
 * instructions on the hart against reference models written from the
 * specification's pseudo-code (bit by bit, unlike the executor), over
 * edge values and seeded random operands; and every one of them raising
 * illegal-instruction when its extensions are off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpu_test_util.h"

enum { MTVEC = 0x305, MCAUSE = 0x342, MTVAL = 0x343 };
#define PROG TM_RAM_BASE
#define TRAP (TM_RAM_BASE + 0x1000)

typedef uint64_t (*RefFn)(uint64_t a, uint64_t b, unsigned imm);

static uint64_t sx32(uint64_t v) { return (uint64_t)(int64_t)(int32_t)(uint32_t)v; }
static uint64_t bit(uint64_t v, unsigned i) { return (v >> i) & 1; }

static uint64_t r_rotl(uint64_t a, unsigned n, unsigned w)
{
    uint64_t mask = w == 64 ? ~0ull : (1ull << w) - 1;
    a &= mask;
    for (unsigned i = 0; i < n % w; i++)
        a = ((a << 1) | bit(a, w - 1)) & mask;
    return a;
}

static uint64_t r_clz(uint64_t a, unsigned w)
{
    unsigned n = 0;
    for (int i = (int)w - 1; i >= 0 && !bit(a, (unsigned)i); i--)
        n++;
    return n;
}

static uint64_t r_ctz(uint64_t a, unsigned w)
{
    unsigned n = 0;
    while (n < w && !bit(a, n))
        n++;
    return n;
}

static uint64_t r_cpop(uint64_t a, unsigned w)
{
    unsigned n = 0;
    for (unsigned i = 0; i < w; i++)
        n += (unsigned)bit(a, i);
    return n;
}

static uint64_t byte_of(uint64_t v, unsigned i) { return (v >> (8 * i)) & 0xff; }

/* Reference models, one per instruction (specification pseudo-code). */
#define REF(name, expr) \
    static uint64_t ref_##name(uint64_t a, uint64_t b, unsigned imm) \
    { (void)a; (void)b; (void)imm; return (expr); }
REF(add_uw, b + (a & 0xffffffffull))
REF(sh1add, b + a * 2)
REF(sh2add, b + a * 4)
REF(sh3add, b + a * 8)
REF(sh1add_uw, b + (a & 0xffffffffull) * 2)
REF(sh2add_uw, b + (a & 0xffffffffull) * 4)
REF(sh3add_uw, b + (a & 0xffffffffull) * 8)
REF(slli_uw, imm >= 64 ? 0 : (a & 0xffffffffull) << imm)
REF(andn, a & (b ^ ~0ull))
REF(orn, a | (b ^ ~0ull))
REF(xnor, (a ^ b) ^ ~0ull)
REF(clz, r_clz(a, 64))
REF(clzw, r_clz(a & 0xffffffffull, 32))
REF(ctz, r_ctz(a, 64))
REF(ctzw, r_ctz(a, 32))
REF(cpop, r_cpop(a, 64))
REF(cpopw, r_cpop(a, 32))
REF(max, (int64_t)a < (int64_t)b ? b : a)
REF(maxu, a < b ? b : a)
REF(min, (int64_t)a < (int64_t)b ? a : b)
REF(minu, a < b ? a : b)
REF(sext_b, bit(a, 7) ? (a | ~0xffull) : (a & 0xff))
REF(sext_h, bit(a, 15) ? (a | ~0xffffull) : (a & 0xffff))
REF(zext_h, a & 0xffff)
REF(rol, r_rotl(a, (unsigned)(b & 63), 64))
REF(ror, r_rotl(a, (unsigned)(64 - (b & 63)), 64))
REF(rori, r_rotl(a, 64 - imm, 64))
REF(rolw, sx32(r_rotl(a, (unsigned)(b & 31), 32)))
REF(rorw, sx32(r_rotl(a, (unsigned)(32 - (b & 31)), 32)))
REF(roriw, sx32(r_rotl(a, 32 - imm, 32)))
static uint64_t ref_orc_b(uint64_t a, uint64_t b, unsigned imm)
{
    uint64_t r = 0;
    (void)b; (void)imm;
    for (unsigned i = 0; i < 8; i++)
        r |= (byte_of(a, i) ? 0xffull : 0) << (8 * i);
    return r;
}
static uint64_t ref_rev8(uint64_t a, uint64_t b, unsigned imm)
{
    uint64_t r = 0;
    (void)b; (void)imm;
    for (unsigned i = 0; i < 8; i++)
        r |= byte_of(a, i) << (8 * (7 - i));
    return r;
}
static uint64_t ref_brev8(uint64_t a, uint64_t b, unsigned imm)
{
    uint64_t r = 0;
    (void)b; (void)imm;
    for (unsigned i = 0; i < 64; i++)
        r |= bit(a, i) << (8 * (i / 8) + 7 - i % 8);
    return r;
}
static uint64_t ref_clmul(uint64_t a, uint64_t b, unsigned imm)
{
    uint64_t r = 0;
    (void)imm;
    for (unsigned i = 0; i < 64; i++)
        if (bit(b, i))
            r ^= a << i;
    return r;
}
static uint64_t ref_clmulh(uint64_t a, uint64_t b, unsigned imm)
{
    uint64_t r = 0;
    (void)imm;
    for (unsigned i = 1; i < 64; i++)
        if (bit(b, i))
            r ^= a >> (64 - i);
    return r;
}
static uint64_t ref_clmulr(uint64_t a, uint64_t b, unsigned imm)
{
    uint64_t r = 0;
    (void)imm;
    for (unsigned i = 0; i < 64; i++)
        if (bit(b, i))
            r ^= a >> (64 - i - 1);
    return r;
}
REF(bclr, a & ~(1ull << (b & 63)))
REF(bclri, a & ~(1ull << imm))
REF(bext, bit(a, (unsigned)(b & 63)))
REF(bexti, bit(a, imm))
REF(binv, a ^ (1ull << (b & 63)))
REF(binvi, a ^ (1ull << imm))
REF(bset, a | (1ull << (b & 63)))
REF(bseti, a | (1ull << imm))
REF(pack, (a & 0xffffffffull) | ((b & 0xffffffffull) << 32))
REF(packh, (a & 0xff) | ((b & 0xff) << 8))
REF(packw, sx32((a & 0xffff) | ((b & 0xffff) << 16)))
static uint64_t ref_xperm(uint64_t a, uint64_t b, unsigned w)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 64; i += w) {
        uint64_t sel = (b >> i) & ((1ull << w) - 1);
        uint64_t v = sel < 64 / w ? (a >> (sel * w)) & ((1ull << w) - 1) : 0;
        r |= v << i;
    }
    return r;
}
REF(xperm4, ref_xperm(a, b, 4))
REF(xperm8, ref_xperm(a, b, 8))
REF(czero_eqz, b == 0 ? 0 : a)
REF(czero_nez, b != 0 ? 0 : a)

/* Encodings with rd = a0, rs1 = a1, rs2 = a2; immediate forms take the
 * shift amount in imm (max_imm: its range). */
typedef struct Case {
    const char *name;
    uint32_t enc;
    unsigned ext;           /* HART_EXT_* any of which provides it */
    RefFn ref;
    unsigned max_imm;       /* 0: register form */
} Case;

#define R(f7, f3, op) (((uint32_t)(f7) << 25) | (12u << 20) | (11u << 15) | ((f3) << 12) | (10u << 7) | (op))
#define U(f12, f3, op) (((uint32_t)(f12) << 20) | (11u << 15) | ((f3) << 12) | (10u << 7) | (op))
#define ZBKB_ZBB (HART_EXT_ZBB | HART_EXT_ZBKB)
static const Case cases[] = {
    { "add.uw", R(0x04, 0, 0x3b), HART_EXT_ZBA, ref_add_uw, 0 },
    { "sh1add", R(0x10, 2, 0x33), HART_EXT_ZBA, ref_sh1add, 0 },
    { "sh2add", R(0x10, 4, 0x33), HART_EXT_ZBA, ref_sh2add, 0 },
    { "sh3add", R(0x10, 6, 0x33), HART_EXT_ZBA, ref_sh3add, 0 },
    { "sh1add.uw", R(0x10, 2, 0x3b), HART_EXT_ZBA, ref_sh1add_uw, 0 },
    { "sh2add.uw", R(0x10, 4, 0x3b), HART_EXT_ZBA, ref_sh2add_uw, 0 },
    { "sh3add.uw", R(0x10, 6, 0x3b), HART_EXT_ZBA, ref_sh3add_uw, 0 },
    { "slli.uw", U(0x080, 1, 0x1b), HART_EXT_ZBA, ref_slli_uw, 63 },
    { "andn", R(0x20, 7, 0x33), ZBKB_ZBB, ref_andn, 0 },
    { "orn", R(0x20, 6, 0x33), ZBKB_ZBB, ref_orn, 0 },
    { "xnor", R(0x20, 4, 0x33), ZBKB_ZBB, ref_xnor, 0 },
    { "clz", U(0x600, 1, 0x13), HART_EXT_ZBB, ref_clz, 0 },
    { "clzw", U(0x600, 1, 0x1b), HART_EXT_ZBB, ref_clzw, 0 },
    { "ctz", U(0x601, 1, 0x13), HART_EXT_ZBB, ref_ctz, 0 },
    { "ctzw", U(0x601, 1, 0x1b), HART_EXT_ZBB, ref_ctzw, 0 },
    { "cpop", U(0x602, 1, 0x13), HART_EXT_ZBB, ref_cpop, 0 },
    { "cpopw", U(0x602, 1, 0x1b), HART_EXT_ZBB, ref_cpopw, 0 },
    { "max", R(0x05, 6, 0x33), HART_EXT_ZBB, ref_max, 0 },
    { "maxu", R(0x05, 7, 0x33), HART_EXT_ZBB, ref_maxu, 0 },
    { "min", R(0x05, 4, 0x33), HART_EXT_ZBB, ref_min, 0 },
    { "minu", R(0x05, 5, 0x33), HART_EXT_ZBB, ref_minu, 0 },
    { "sext.b", U(0x604, 1, 0x13), HART_EXT_ZBB, ref_sext_b, 0 },
    { "sext.h", U(0x605, 1, 0x13), HART_EXT_ZBB, ref_sext_h, 0 },
    { "zext.h", U(0x080, 4, 0x3b), ZBKB_ZBB, ref_zext_h, 0 },
    { "rol", R(0x30, 1, 0x33), ZBKB_ZBB, ref_rol, 0 },
    { "ror", R(0x30, 5, 0x33), ZBKB_ZBB, ref_ror, 0 },
    { "rori", U(0x600, 5, 0x13), ZBKB_ZBB, ref_rori, 63 },
    { "rolw", R(0x30, 1, 0x3b), ZBKB_ZBB, ref_rolw, 0 },
    { "rorw", R(0x30, 5, 0x3b), ZBKB_ZBB, ref_rorw, 0 },
    { "roriw", U(0x600, 5, 0x1b), ZBKB_ZBB, ref_roriw, 31 },
    { "orc.b", U(0x287, 5, 0x13), HART_EXT_ZBB, ref_orc_b, 0 },
    { "rev8", U(0x6b8, 5, 0x13), ZBKB_ZBB, ref_rev8, 0 },
    { "clmul", R(0x05, 1, 0x33), HART_EXT_ZBC | HART_EXT_ZBKC, ref_clmul, 0 },
    { "clmulh", R(0x05, 3, 0x33), HART_EXT_ZBC | HART_EXT_ZBKC, ref_clmulh, 0 },
    { "clmulr", R(0x05, 2, 0x33), HART_EXT_ZBC, ref_clmulr, 0 },
    { "bclr", R(0x24, 1, 0x33), HART_EXT_ZBS, ref_bclr, 0 },
    { "bclri", U(0x480, 1, 0x13), HART_EXT_ZBS, ref_bclri, 63 },
    { "bext", R(0x24, 5, 0x33), HART_EXT_ZBS, ref_bext, 0 },
    { "bexti", U(0x480, 5, 0x13), HART_EXT_ZBS, ref_bexti, 63 },
    { "binv", R(0x34, 1, 0x33), HART_EXT_ZBS, ref_binv, 0 },
    { "binvi", U(0x680, 1, 0x13), HART_EXT_ZBS, ref_binvi, 63 },
    { "bset", R(0x14, 1, 0x33), HART_EXT_ZBS, ref_bset, 0 },
    { "bseti", U(0x280, 1, 0x13), HART_EXT_ZBS, ref_bseti, 63 },
    { "pack", R(0x04, 4, 0x33), HART_EXT_ZBKB, ref_pack, 0 },
    { "packh", R(0x04, 7, 0x33), HART_EXT_ZBKB, ref_packh, 0 },
    { "packw", R(0x04, 4, 0x3b), HART_EXT_ZBKB, ref_packw, 0 },
    { "brev8", U(0x687, 5, 0x13), HART_EXT_ZBKB, ref_brev8, 0 },
    { "xperm4", R(0x14, 2, 0x33), HART_EXT_ZBKX, ref_xperm4, 0 },
    { "xperm8", R(0x14, 4, 0x33), HART_EXT_ZBKX, ref_xperm8, 0 },
    { "czero.eqz", R(0x07, 5, 0x33), HART_EXT_ZICOND, ref_czero_eqz, 0 },
    { "czero.nez", R(0x07, 7, 0x33), HART_EXT_ZICOND, ref_czero_nez, 0 },
};

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Run one instruction; returns a0, or sets *trapped. */
static uint64_t run_one(TestMachine *m, uint32_t insn, uint64_t a, uint64_t b, bool *trapped)
{
    uint64_t ex;
    tm_w32(m, PROG, insn);
    hart_invalidate_phys(m->h, PROG, 4);
    hart_set_pc(m->h, PROG);
    hart_set_xreg(m->h, 10, 0x5a5a5a5a5a5a5a5aull);
    hart_set_xreg(m->h, 11, a);
    hart_set_xreg(m->h, 12, b);
    tm_set_csr(m, MCAUSE, 0);
    hart_run(m->h, 1, &ex);
    *trapped = hart_get_pc(m->h) == TRAP;
    return hart_get_xreg(m->h, 10);
}

static TestMachine *machine_with(uint64_t ext)
{
    TestMachine *m = tm_new_ext(ext);
    tm_w32(m, TRAP, JAL(0, 0));
    tm_set_csr(m, MTVEC, TRAP);
    return m;
}

static void test_against_reference(void **st)
{
    (void)st;
    static const uint64_t edge[] = {
        0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000ull,
        0xffffffffull, 0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
        ~0ull, 0x0123456789abcdefull, 0xfedcba9876543210ull, 0x8040201008040201ull,
        0x00ff00ff00ff00ffull, 63, 64, 31, 32,
    };
    const size_t ne = sizeof(edge) / sizeof(edge[0]);
    TestMachine *m = machine_with(~0u);
    uint64_t seed = 0x9e3779b97f4a7c15ull;

    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        const Case *k = &cases[c];
        unsigned nimm = k->max_imm ? k->max_imm + 1 : 1;
        for (unsigned imm = 0; imm < nimm; imm++) {
            uint32_t insn = k->enc | (k->max_imm ? imm << 20 : 0);
            for (size_t i = 0; i < ne + 200; i++) {
                uint64_t a = i < ne ? edge[i] : rng_next(&seed);
                uint64_t b = i < ne ? edge[(i * 7 + 3) % ne] : rng_next(&seed);
                if (i >= ne && (i & 3) == 0)
                    b &= 0xff;      /* small shift amounts and lane indexes */
                bool trapped;
                uint64_t got = run_one(m, insn, a, b, &trapped), want = k->ref(a, b, imm);
                if (trapped || got != want) {
                    print_error("%s imm=%u a=%#llx b=%#llx: got %#llx%s, want %#llx\n", k->name,
                                imm, (unsigned long long)a, (unsigned long long)b,
                                (unsigned long long)got, trapped ? " (trapped)" : "",
                                (unsigned long long)want);
                    fail();
                }
                if (k->max_imm && i >= 8)
                    break;  /* immediate forms: a few operands per shift amount */
            }
        }
    }
    tm_free(m);
}

/* Each instruction is illegal unless one of its extensions is on, and the
 * trap reports the instruction bits; rd is untouched. */
static void test_gated_by_extension(void **st)
{
    (void)st;
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        const Case *k = &cases[c];
        for (unsigned e = 0; e < 8; e++) {
            uint64_t ext = 1ull << e;
            TestMachine *m = machine_with(ext);
            bool trapped;
            uint64_t rd = run_one(m, k->enc, 3, 5, &trapped);
            bool want_trap = !(k->ext & ext);
            if (trapped != want_trap) {
                print_error("%s with extension bit %u: trapped=%d\n", k->name, e, trapped);
                fail();
            }
            if (trapped) {
                assert_int_equal(tm_csr(m, MCAUSE), 2);
                assert_int_equal(tm_csr(m, MTVAL), k->enc);
                assert_int_equal(rd, 0x5a5a5a5a5a5a5a5aull);
            }
            tm_free(m);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_reference),
        cmocka_unit_test(test_gated_by_extension),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
