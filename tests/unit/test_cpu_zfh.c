/* Zfh, Zfhmin and Zfa on the hart: which extension set makes each
 * instruction legal (Zfhmin's subset with either half-precision extension,
 * Zfa's half forms only with Zfh as well), NaN boxing of halves in the f
 * registers, flh/fsh, the mstatus.FS rules, rounding-mode fields (dynamic,
 * reserved, fcvtmod's fixed RTZ, the quiet compares whose funct3 is not a
 * rounding mode), and every FLI constant through the decoder and executor.
 * The arithmetic itself is tested in test_fpu_half.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cpu_test_util.h"

enum { MSTATUS = 0x300, MTVEC = 0x305, MCAUSE = 0x342, MTVAL = 0x343, FFLAGS = 1, FRM = 2 };
#define PROG TM_RAM_BASE
#define TRAP (TM_RAM_BASE + 0x1000)
#define DATA (TM_RAM_BASE + 0x2000)
#define FS_MASK (3ull << 13)
#define BOXH(h) (0xffffffffffff0000ull | (uint16_t)(h))
#define BOXS(s) (0xffffffff00000000ull | (uint32_t)(s))

#define OPFP(f7, rs2, rs1, f3, rd) enc_r((f7), (rs2), (rs1), (f3), (rd), 0x53)
#define FREG(r) (33 + (r))

static const uint64_t ZFH = HART_EXT_ZFH, ZFHMIN = HART_EXT_ZFHMIN, ZFA = HART_EXT_ZFA;

static TestMachine *machine_with(uint64_t ext)
{
    TestMachine *m = tm_new_ext(ext);
    tm_w32(m, TRAP, JAL(0, 0));
    tm_set_csr(m, MTVEC, TRAP);
    tm_set_csr(m, MSTATUS, tm_csr(m, MSTATUS) | (1ull << 13));  /* FS = Initial */
    return m;
}

static uint64_t freg(TestMachine *m, int r)
{
    uint64_t v = 0;
    assert_true(hart_read_reg(m->h, FREG(r), &v));
    return v;
}

static void set_freg(TestMachine *m, int r, uint64_t v)
{
    assert_true(hart_write_reg(m->h, FREG(r), v));
}

/* Run one instruction at PROG; true when it trapped. a0 = 0x5a.., a1 = DATA. */
static bool run_one(TestMachine *m, uint32_t insn)
{
    uint64_t ex;
    tm_w32(m, PROG, insn);
    hart_invalidate_phys(m->h, PROG, 4);
    hart_set_pc(m->h, PROG);
    hart_set_xreg(m->h, 10, 0x5a5a5a5a5a5a5a5aull);
    hart_set_xreg(m->h, 11, DATA);
    tm_set_csr(m, MCAUSE, 0);
    hart_run(m->h, 1, &ex);
    assert_int_equal(ex, 1);
    return hart_get_pc(m->h) == TRAP;
}

typedef enum Need { N_ZFHMIN, N_ZFH, N_ZFA, N_ZFA_ZFH } Need;

typedef struct Enc {
    const char *name;
    uint32_t insn;
    Need need;
} Enc;

/* fa0 = f10, fa1 = f11, fa2 = f12, fa3 = f13, a0 = x10, a1 = x11. */
static const Enc encs[] = {
    { "flh", 0x00259507u, N_ZFHMIN },
    { "fsh", 0x00c59127u, N_ZFHMIN },
    { "fmv.x.h", 0xe4058553u, N_ZFHMIN },
    { "fmv.h.x", 0xf4058553u, N_ZFHMIN },
    { "fcvt.s.h", 0x40258553u, N_ZFHMIN },
    { "fcvt.h.s", 0x4405f553u, N_ZFHMIN },
    { "fcvt.d.h", 0x42258553u, N_ZFHMIN },
    { "fcvt.h.d", 0x44159553u, N_ZFHMIN },
    { "fmadd.h", 0x6cc5f543u, N_ZFH },
    { "fnmadd.h", 0x6cc5c54fu, N_ZFH },
    { "fadd.h", 0x04c5f553u, N_ZFH },
    { "fsqrt.h", 0x5c05f553u, N_ZFH },
    { "fsgnjx.h", 0x24c5a553u, N_ZFH },
    { "fmax.h", 0x2cc59553u, N_ZFH },
    { "fcvt.w.h", 0xc4059553u, N_ZFH },
    { "fcvt.h.lu", 0xd435f553u, N_ZFH },
    { "feq.h", 0xa4c5a553u, N_ZFH },
    { "fclass.h", 0xe4059553u, N_ZFH },
    { "fli.s", 0xf0100553u, N_ZFA },
    { "fli.d", 0xf2180553u, N_ZFA },
    { "fminm.s", 0x28c5a553u, N_ZFA },
    { "fmaxm.d", 0x2ac5b553u, N_ZFA },
    { "fround.s", 0x4045f553u, N_ZFA },
    { "froundnx.d", 0x4255f553u, N_ZFA },
    { "fcvtmod.w.d", 0xc2859553u, N_ZFA },
    { "fleq.s", 0xa0c5c553u, N_ZFA },
    { "fltq.d", 0xa2c5d553u, N_ZFA },
    { "fli.h", 0xf41f8553u, N_ZFA_ZFH },
    { "fminm.h", 0x2cc5a553u, N_ZFA_ZFH },
    { "fmaxm.h", 0x2cc5b553u, N_ZFA_ZFH },
    { "fround.h", 0x4445a553u, N_ZFA_ZFH },
    { "froundnx.h", 0x4455b553u, N_ZFA_ZFH },
    { "fleq.h", 0xa4c5c553u, N_ZFA_ZFH },
    { "fltq.h", 0xa4c5d553u, N_ZFA_ZFH },
};

static bool legal(Need need, uint64_t ext)
{
    switch (need) {
    case N_ZFHMIN: return ext & (ZFH | ZFHMIN);
    case N_ZFH: return ext & ZFH;
    case N_ZFA: return ext & ZFA;
    default: return (ext & ZFA) && (ext & ZFH);
    }
}

static void test_gating(void **st)
{
    (void)st;
    static const uint64_t sets[] = {
        0, HART_EXT_ZFH, HART_EXT_ZFHMIN, HART_EXT_ZFA, HART_EXT_ZFA | HART_EXT_ZFHMIN,
        HART_EXT_ZFA | HART_EXT_ZFH, HART_EXT_ZFH | HART_EXT_ZFHMIN,
        ~(HART_EXT_ZFH | HART_EXT_ZFHMIN | HART_EXT_ZFA),
    };
    for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
        TestMachine *m = machine_with(sets[s]);
        for (size_t i = 0; i < sizeof(encs) / sizeof(encs[0]); i++) {
            bool trapped = run_one(m, encs[i].insn);
            if (trapped != !legal(encs[i].need, sets[s])) {
                print_error("%s with ext %#llx: trapped=%d\n", encs[i].name,
                            (unsigned long long)sets[s], trapped);
                fail();
            }
            if (trapped) {
                assert_int_equal(tm_csr(m, MCAUSE), 2);
                assert_int_equal(tm_csr(m, MTVAL), encs[i].insn);
            }
        }
        tm_free(m);
    }
}

/* mstatus.FS = Off makes every one of them illegal; a result written to an
 * f register makes FS Dirty. */
static void test_fs(void **st)
{
    (void)st;
    TestMachine *m = machine_with(ZFH | ZFA);
    for (size_t i = 0; i < sizeof(encs) / sizeof(encs[0]); i++) {
        tm_set_csr(m, MSTATUS, tm_csr(m, MSTATUS) & ~FS_MASK);
        assert_true(run_one(m, encs[i].insn));
        assert_int_equal(tm_csr(m, MCAUSE), 2);
    }
    tm_set_csr(m, MSTATUS, (tm_csr(m, MSTATUS) & ~FS_MASK) | (1ull << 13));
    assert_false(run_one(m, 0xf0100553u));   /* fli.s fa0, -1.0 */
    assert_int_equal(tm_csr(m, MSTATUS) & FS_MASK, FS_MASK);
    assert_int_equal(freg(m, 10), BOXS(0xbf800000));
    /* fmv.x.h writes x only and raises nothing: FS stays Clean. */
    tm_set_csr(m, MSTATUS, (tm_csr(m, MSTATUS) & ~FS_MASK) | (2ull << 13));
    assert_false(run_one(m, 0xe4058553u));
    assert_int_equal(tm_csr(m, MSTATUS) & FS_MASK, 2ull << 13);
    /* fleq.h raising NV (signalling NaN) dirties fflags, hence FS. */
    set_freg(m, 11, BOXH(0x7c01));
    set_freg(m, 12, BOXH(0x3c00));
    tm_set_csr(m, FFLAGS, 0);
    tm_set_csr(m, MSTATUS, (tm_csr(m, MSTATUS) & ~FS_MASK) | (2ull << 13));
    assert_false(run_one(m, 0xa4c5c553u));
    assert_int_equal(hart_get_xreg(m->h, 10), 0);
    assert_int_equal(tm_csr(m, FFLAGS), 0x10);
    assert_int_equal(tm_csr(m, MSTATUS) & FS_MASK, FS_MASK);
    tm_free(m);
}

/* Halves live NaN-boxed in the 64-bit f registers (unprivileged spec,
 * section 12.2, applied to Zfh): improperly boxed inputs read as the
 * canonical NaN 0x7e00; moves and stores carry raw bits. */
static void test_nan_boxing(void **st)
{
    (void)st;
    TestMachine *m = machine_with(ZFH | ZFA);
    set_freg(m, 11, BOXH(0x3c00));
    set_freg(m, 12, 0xffffffff7fff3c00ull);  /* not boxed: bits 31:16 not ones */
    assert_false(run_one(m, 0x04c5f553u));   /* fadd.h fa0, fa1, fa2 */
    assert_int_equal(freg(m, 10), BOXH(0x7e00));
    assert_false(run_one(m, 0xe4059553u));   /* fclass.h a0, fa1 */
    assert_int_equal(hart_get_xreg(m->h, 10), 1u << 6);
    set_freg(m, 11, 0x3c00);                 /* a bare 16-bit value */
    assert_false(run_one(m, 0xe4059553u));
    assert_int_equal(hart_get_xreg(m->h, 10), 1u << 9);  /* quiet NaN */
    set_freg(m, 11, BOXS(0x3f800000));       /* a boxed single is not a boxed half */
    assert_false(run_one(m, 0x40258553u));   /* fcvt.s.h fa0, fa1 */
    assert_int_equal(freg(m, 10), BOXS(0x7fc00000));
    /* fsgnj.h of an unboxed input: the canonical NaN with rs2's sign. */
    set_freg(m, 11, 0x3c00);
    set_freg(m, 12, BOXH(0x8000));
    assert_false(run_one(m, 0x24c58553u));   /* fsgnj.h fa0, fa1, fa2 */
    assert_int_equal(freg(m, 10), BOXH(0xfe00));
    /* fmv.x.h sign-extends bits 15:0 whatever lies above; fmv.h.x boxes. */
    set_freg(m, 11, 0x123456789abc8001ull);
    assert_false(run_one(m, 0xe4058553u));   /* fmv.x.h a0, fa1 */
    assert_int_equal(hart_get_xreg(m->h, 10), 0xffffffffffff8001ull);
    hart_set_xreg(m->h, 11, 0);
    tm_w32(m, PROG, 0xf4058553u);            /* fmv.h.x fa0, a1 with a1 = 0x...7fff */
    hart_invalidate_phys(m->h, PROG, 4);
    hart_set_pc(m->h, PROG);
    hart_set_xreg(m->h, 11, 0x1234567800017fffull);
    uint64_t ex;
    hart_run(m->h, 1, &ex);
    assert_int_equal(freg(m, 10), BOXH(0x7fff));
    /* flh boxes what it loads (payload kept); fsh stores bits 15:0. */
    tm_w64(m, DATA, 0x1111222233337c01ull);
    assert_false(run_one(m, 0x00259507u));   /* flh fa0, 2(a1) */
    assert_int_equal(freg(m, 10), BOXH(0x3333));
    assert_false(run_one(m, 0x00059507u));   /* flh fa0, 0(a1) */
    assert_int_equal(freg(m, 10), BOXH(0x7c01));
    set_freg(m, 12, 0x1122334455667788ull);
    assert_false(run_one(m, 0x00c59127u));   /* fsh fa2, 2(a1) */
    assert_int_equal(tm_r64(m, DATA), 0x1111222277887c01ull);
    /* A flh from where nothing is mapped: load access fault. */
    hart_set_xreg(m->h, 11, 0x100);
    tm_w32(m, PROG, 0x00059507u);
    hart_invalidate_phys(m->h, PROG, 4);
    hart_set_pc(m->h, PROG);
    hart_run(m->h, 1, &ex);
    assert_int_equal(hart_get_pc(m->h), TRAP);
    assert_int_equal(tm_csr(m, MCAUSE), 5);
    tm_free(m);
}

/* Rounding-mode fields: dynamic from frm, reserved values illegal; Zfa's
 * fleq/fltq use funct3 4 and 5 and fcvtmod.w.d requires RTZ. */
static void test_rounding_fields(void **st)
{
    (void)st;
    TestMachine *m = machine_with(ZFH | ZFA);
    set_freg(m, 11, BOXH(0x3e00));           /* 1.5 */
    tm_set_csr(m, FRM, 3);                   /* RUP */
    assert_false(run_one(m, 0x4445f553u));   /* fround.h fa0, fa1, dyn */
    assert_int_equal(freg(m, 10), BOXH(0x4000));
    tm_set_csr(m, FRM, 2);                   /* RDN */
    assert_false(run_one(m, 0x4445f553u));
    assert_int_equal(freg(m, 10), BOXH(0x3c00));
    for (unsigned frm = 5; frm < 8; frm++) {
        tm_set_csr(m, FRM, frm);
        assert_true(run_one(m, 0x4445f553u));
        assert_true(run_one(m, 0x04c5f553u));   /* fadd.h dyn */
    }
    tm_set_csr(m, FRM, 0);
    assert_true(run_one(m, 0x4445d553u));       /* fround.h with rm 5 */
    assert_true(run_one(m, 0x04c5e553u));       /* fadd.h with rm 6 */
    /* fltq.h has funct3 5: not a reserved rounding mode. */
    set_freg(m, 12, BOXH(0x4000));
    assert_false(run_one(m, 0xa4c5d553u));      /* fltq.h a0, fa1, fa2 */
    assert_int_equal(hart_get_xreg(m->h, 10), 1);
    /* fcvtmod.w.d: modular result; any rm but RTZ is reserved. */
    set_freg(m, 11, 0x41f0000000100000ull);     /* 2^32 + 1 */
    tm_set_csr(m, FFLAGS, 0);
    assert_false(run_one(m, 0xc2859553u));
    assert_int_equal(hart_get_xreg(m->h, 10), 1);
    assert_int_equal(tm_csr(m, FFLAGS), 0x10);
    set_freg(m, 11, 0xc1dfffffffe00000ull);     /* -(2^31 - 0.5) */
    assert_false(run_one(m, 0xc2859553u));
    assert_int_equal(hart_get_xreg(m->h, 10), 0xffffffff80000001ull);
    for (unsigned rm = 0; rm < 8; rm++) {
        if (rm != 1) {
            assert_true(run_one(m, 0xc2858553u | (rm << 12)));
        }
    }
    /* Writing x0 through a Zfa compare or fcvtmod is a no-op write. */
    assert_false(run_one(m, 0xc2859053u));      /* fcvtmod.w.d zero, fa1, rtz */
    assert_int_equal(hart_get_xreg(m->h, 0), 0);
    tm_free(m);
}

/* Every FLI index through decode and execute, in all three formats. */
static void test_fli_all(void **st)
{
    (void)st;
    static const uint16_t fli_h[32] = {
        0xbc00, 0x0400, 0x0100, 0x0200, 0x1c00, 0x2000, 0x2c00, 0x3000,
        0x3400, 0x3500, 0x3600, 0x3700, 0x3800, 0x3900, 0x3a00, 0x3b00,
        0x3c00, 0x3d00, 0x3e00, 0x3f00, 0x4000, 0x4100, 0x4200, 0x4400,
        0x4800, 0x4c00, 0x5800, 0x5c00, 0x7800, 0x7c00, 0x7c00, 0x7e00,
    };
    TestMachine *m = machine_with(ZFH | ZFA);
    for (unsigned i = 0; i < 32; i++) {
        tm_set_csr(m, FFLAGS, 0);
        assert_false(run_one(m, OPFP(0x7a, 1, i, 0, 10)));   /* fli.h fa0, i */
        assert_int_equal(freg(m, 10), BOXH(fli_h[i]));
        assert_false(run_one(m, OPFP(0x78, 1, i, 0, 10)));   /* fli.s fa0, i */
        uint64_t s = freg(m, 10);
        assert_int_equal(s >> 32, 0xffffffffu);
        assert_false(run_one(m, OPFP(0x79, 1, i, 0, 10)));   /* fli.d fa0, i */
        uint64_t d = freg(m, 10);
        /* The single and the double hold the same value (fcvt.d.s of one is
         * the other; 2^16 included) but for entry 1, each format's smallest
         * normal; FLI raises no flags. */
        set_freg(m, 11, s);
        assert_false(run_one(m, OPFP(0x21, 0, 11, 0, 12)));   /* fcvt.d.s fa2, fa1 */
        if (i == 1) {
            assert_int_equal(s, BOXS(0x00800000));
            assert_int_equal(d, 0x0010000000000000ull);
        } else {
            assert_int_equal(freg(m, 12), d);
        }
        assert_int_equal(tm_csr(m, FFLAGS), 0);
    }
    tm_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gating),
        cmocka_unit_test(test_fs),
        cmocka_unit_test(test_nan_boxing),
        cmocka_unit_test(test_rounding_fields),
        cmocka_unit_test(test_fli_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
