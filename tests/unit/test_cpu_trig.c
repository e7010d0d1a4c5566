/* Sdtrig triggers (cpu/trig.c): the CSRs and their WARL values as QEMU
 * 7.2 has them, execute/load/store matching in each mode, trap values,
 * priority over faults, re-entrancy in M and S mode, the debugger's own
 * breakpoints and watchpoints alongside, caches never showing, and the
 * state in snapshots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpu/internal.h"
#include "cpu_test_util.h"

#define PROG  TM_RAM_BASE
#define SLOTS (TM_RAM_BASE + 0x1000)     /* run_in() places its instruction here */
#define TRAMP (TM_RAM_BASE + 0x2000)     /* MRET into the mode under test */
#define HALT  (TM_RAM_BASE + 0x3000)     /* M trap vector: spins */
#define SHALT (TM_RAM_BASE + 0x3100)     /* S trap vector: spins */
#define DATA  (TM_RAM_BASE + 0x8000)
#define NONE  0x20000000ull              /* no device decodes it */

enum {
    SSTATUS = 0x100, STVEC = 0x105, SEPC = 0x141, SCAUSE = 0x142, STVAL = 0x143,
    MSTATUS = 0x300, MEDELEG = 0x302, MTVEC = 0x305, MEPC = 0x341, MCAUSE = 0x342,
    MTVAL = 0x343, PMPCFG0 = 0x3a0, PMPADDR0 = 0x3b0, MINSTRET = 0xb02,
    TSELECT = 0x7a0, TDATA1 = 0x7a1, TDATA2 = 0x7a2, TDATA3 = 0x7a3, TINFO = 0x7a4,
    TCONTROL = 0x7a5, MCONTEXT = 0x7a8,
};
#define MIE_BIT  (1ull << 3)
#define SIE_BIT  (1ull << 1)
#define MPIE_BIT (1ull << 7)

/* tdata1 fields (mcontrol = type 2, mcontrol6 = type 6 as QEMU 7.2 has it). */
#define T2 (2ull << 60)
#define T6 (6ull << 60)
#define LD_ 1ull
#define ST_ 2ull
#define EX_ 4ull
#define U_ 8ull
#define S_ 16ull
#define M_ 64ull
#define SIZE2(code) ((((uint64_t)(code) & 3) << 16) | (((uint64_t)(code) >> 2) << 21))
#define SIZE6(code) ((uint64_t)(code) << 16)

#define NOTRAP (~0ull)
#define CBO_ZERO(rs1) ((4u << 20) | ((rs1) << 15) | (2u << 12) | 0x0fu)
#define AMOADD_D(rd, rs1, rs2) enc_r(0x00, (rs2), (rs1), 3, (rd), 0x2f)

static TestMachine *setup(uint64_t ext)
{
    TestMachine *m = tm_new_ext(ext);
    tm_w32(m, HALT, JAL(0, 0));
    tm_w32(m, SHALT, JAL(0, 0));
    tm_w32(m, TRAMP, MRET);
    tm_set_csr(m, MTVEC, HALT);
    tm_set_csr(m, PMPADDR0, (1ull << 54) - 1);
    tm_set_csr(m, PMPCFG0, 0x1f);
    return m;
}

static void trig_set(TestMachine *m, unsigned i, uint64_t tdata1, uint64_t tdata2)
{
    tm_set_csr(m, TSELECT, i);
    tm_set_csr(m, TDATA1, tdata1 & ~(U_ | S_ | M_));    /* disarmed while tdata2 changes */
    tm_set_csr(m, TDATA2, tdata2);
    tm_set_csr(m, TDATA1, tdata1);
}

/* Start at pc in privilege priv through an MRET (one step) from M-mode,
 * wherever the last run left the hart; mstatus_set is or-ed in first
 * (MPIE gives M-mode its MIE). */
static void enter(TestMachine *m, int priv, uint64_t pc, uint64_t mstatus_set)
{
    hart_set_priv(m->h, PRV_M);
    uint64_t ms = tm_csr(m, MSTATUS) & ~((3ull << 11) | MIE_BIT | SIE_BIT | MPIE_BIT);
    tm_set_csr(m, MSTATUS, ms | ((uint64_t)priv << 11) | mstatus_set);
    tm_set_csr(m, MEPC, pc);
    tm_set_csr(m, MCAUSE, NOTRAP);
    tm_set_csr(m, MTVAL, 0);
    hart_set_pc(m->h, TRAMP);
}

/* Run the instruction insn in privilege priv (M with MIE = 1) and return
 * mcause, or NOTRAP. *at receives its address. */
static uint64_t run_in(TestMachine *m, int priv, uint32_t insn, uint64_t *at)
{
    uint64_t pc = SLOTS + (uint64_t)(m->slot++ % 64) * 8;
    uint64_t ex;
    tm_w32(m, pc, insn);
    tm_w32(m, pc + 4, JAL(0, 0));
    enter(m, priv, pc, MPIE_BIT);
    hart_run(m->h, 2, &ex);
    assert_int_equal(ex, 2);
    if (at)
        *at = pc;
    return tm_csr(m, MCAUSE);
}

/* ---- the registers ------------------------------------------------------ */

static uint64_t csr_insn_cause(TestMachine *m, int priv, unsigned csr)
{
    return run_in(m, priv, CSRRS(5, csr, 0), NULL);
}

/* Without Sdtrig no trigger CSR exists; with it they are M-mode CSRs, and
 * tcontrol and mcontext (which QEMU 7.2 lacks) still do not exist. */
static void test_csrs_exist(void **st)
{
    (void)st;
    TestMachine *off = setup(0);
    for (unsigned c = TSELECT; c <= TINFO; c++) {
        assert_int_equal(csr_insn_cause(off, 3, c), 2);
        assert_int_equal(run_in(off, 3, CSRRW(0, c, 0), NULL), 2);
    }
    tm_free(off);

    TestMachine *m = setup(HART_EXT_SDTRIG);
    for (unsigned c = TSELECT; c <= TINFO; c++) {
        assert_int_equal(csr_insn_cause(m, 3, c), NOTRAP);
        assert_int_equal(csr_insn_cause(m, 1, c), 2);
        assert_int_equal(csr_insn_cause(m, 0, c), 2);
    }
    assert_int_equal(csr_insn_cause(m, 3, TCONTROL), 2);
    assert_int_equal(csr_insn_cause(m, 3, MCONTEXT), 2);
    /* tinfo is not read-only by number: writes are ignored, not illegal. */
    assert_int_equal(run_in(m, 3, CSRRW(0, TINFO, 5), NULL), NOTRAP);
    assert_int_equal(tm_csr(m, TINFO), 0x44);
    tm_free(m);
}

static void test_reset_and_tselect(void **st)
{
    (void)st;
    TestMachine *m = setup(HART_EXT_SDTRIG);
    for (unsigned i = 0; i < 2; i++) {
        tm_set_csr(m, TSELECT, i);
        assert_int_equal(tm_csr(m, TSELECT), i);
        assert_int_equal(tm_csr(m, TDATA1), T2);
        assert_int_equal(tm_csr(m, TDATA2), 0);
        assert_int_equal(tm_csr(m, TDATA3), 0);
        assert_int_equal(tm_csr(m, TINFO), 0x44);
    }
    /* Two triggers: other values leave tselect as it was. */
    static const uint64_t bad[] = { 2, 3, 0x10, 1ull << 63, ~0ull };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        tm_set_csr(m, TSELECT, bad[k]);
        assert_int_equal(tm_csr(m, TSELECT), 1);
    }
    /* Through the instruction too (csrrw returns the old value). */
    hart_set_xreg(m->h, 6, 7);
    assert_int_equal(run_in(m, 3, CSRRW(5, TSELECT, 6), NULL), NOTRAP);
    assert_int_equal(hart_get_xreg(m->h, 5), 1);
    assert_int_equal(tm_csr(m, TSELECT), 1);
    hart_set_xreg(m->h, 6, 0);
    run_in(m, 3, CSRRW(0, TSELECT, 6), NULL);
    assert_int_equal(tm_csr(m, TSELECT), 0);
    /* A reset brings everything back. */
    trig_set(m, 1, T6 | M_ | EX_, 0x1234);
    hart_reset(m->h);
    assert_int_equal(tm_csr(m, TSELECT), 0);
    tm_set_csr(m, TSELECT, 1);
    assert_int_equal(tm_csr(m, TDATA1), T2);
    assert_int_equal(tm_csr(m, TDATA2), 0);
    tm_free(m);
}

/* tdata1 is WARL as in QEMU 7.2: types 2 and 6 keep their mode, access and
 * supported size bits; any other type (0 included) is ignored. */
static void test_tdata1_warl(void **st)
{
    (void)st;
    TestMachine *m = setup(HART_EXT_SDTRIG);
    uint64_t t2_keep = 0x5f | SIZE2(5);
    tm_set_csr(m, TSELECT, 0);

    /* Every other field of mcontrol reads 0: dmode (59), maskmax, hit,
     * select, timing, action, chain, match, bit 5. */
    tm_set_csr(m, TDATA1, T2 | ~(0xfull << 60));     /* size code 15: "any" */
    assert_int_equal(tm_csr(m, TDATA1), T2 | 0x5f);
    tm_set_csr(m, TDATA1, T2 | (1ull << 59) | (0xfull << 12) | (1ull << 11) | (0xfull << 7) |
                              (1ull << 18) | (1ull << 19) | (1ull << 20) | t2_keep);
    assert_int_equal(tm_csr(m, TDATA1), T2 | t2_keep);
    /* Sizes: any, 8, 16, 32, 64 bits are kept; 48 bits and codes above 5
     * become "any" (the rest of the write still counts). */
    static const struct { unsigned code; bool kept; } sizes[] = {
        { 0, true }, { 1, true }, { 2, true }, { 3, true }, { 4, false }, { 5, true },
        { 6, false }, { 7, false }, { 9, false }, { 15, false },
    };
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        tm_set_csr(m, TDATA1, T2 | SIZE2(sizes[k].code) | U_ | LD_);
        assert_int_equal(tm_csr(m, TDATA1), T2 | (sizes[k].kept ? SIZE2(sizes[k].code) : 0) | U_ | LD_);
        tm_set_csr(m, TDATA1, T6 | SIZE6(sizes[k].code) | S_ | ST_);
        assert_int_equal(tm_csr(m, TDATA1), T6 | (sizes[k].kept ? SIZE6(sizes[k].code) : 0) | S_ | ST_);
    }
    /* mcontrol6 keeps vu and vs (23, 24); drops uncertain, hit, select,
     * timing (20), action, chain, match. */
    tm_set_csr(m, TDATA1, T6 | ~(0xfull << 60));
    assert_int_equal(tm_csr(m, TDATA1), T6 | 0x5f | (3ull << 23));
    /* Unsupported types leave the register alone: 0 too (unlike the spec's
     * "writing 0 disables"), and the types QEMU 7.2 would abort on. */
    for (uint64_t type = 0; type < 16; type++) {
        if (type == 2 || type == 6)
            continue;
        tm_set_csr(m, TDATA1, T6 | M_ | EX_);
        tm_set_csr(m, TDATA1, (type << 60) | U_ | LD_);
        assert_int_equal(tm_csr(m, TDATA1), T6 | M_ | EX_);
    }
    /* tdata2 holds anything; tdata3 reads 0. Each trigger is its own. */
    tm_set_csr(m, TDATA2, 0xfedcba9876543211ull);
    tm_set_csr(m, TDATA3, 0x55);
    assert_int_equal(tm_csr(m, TDATA2), 0xfedcba9876543211ull);
    assert_int_equal(tm_csr(m, TDATA3), 0);
    tm_set_csr(m, TSELECT, 1);
    assert_int_equal(tm_csr(m, TDATA1), T2);
    assert_int_equal(tm_csr(m, TDATA2), 0);
    tm_set_csr(m, TDATA1, T2 | S_ | ST_);
    tm_set_csr(m, TSELECT, 0);
    assert_int_equal(tm_csr(m, TDATA1), T6 | M_ | EX_);
    /* The instruction path legalises the same way. */
    hart_set_xreg(m->h, 6, T2 | (1ull << 59) | M_ | LD_ | (1ull << 12));
    assert_int_equal(run_in(m, 3, CSRRW(0, TDATA1, 6), NULL), NOTRAP);
    assert_int_equal(tm_csr(m, TDATA1), T2 | M_ | LD_);
    tm_free(m);
}

/* ---- execute triggers ---------------------------------------------------- */

/* A trigger on the second of three instructions, run in priv with the
 * trigger's mode bits `modes` (M entered with MIE = 1). Returns whether it
 * fired, after checking the state either way. */
static bool exec_case(uint64_t type, int priv, uint64_t modes)
{
    TestMachine *m = setup(HART_EXT_SDTRIG);
    Asm a = { m, PROG };
    emit(&a, ADDI(5, 0, 1));
    emit(&a, ADDI(6, 0, 2));        /* PROG + 4: the trigger */
    emit(&a, ADDI(7, 0, 3));
    emit(&a, JAL(0, 0));
    trig_set(m, 0, type | modes | EX_, PROG + 4);
    enter(m, priv, PROG, MPIE_BIT);
    uint64_t instret = tm_csr(m, MINSTRET), ic = hart_icount(m->h), ex;
    /* MRET, the first addi, then the trigger's exception (a step). */
    hart_run(m->h, 3, &ex);
    assert_int_equal(ex, 3);
    bool fired = tm_csr(m, MCAUSE) == 3;
    if (fired) {
        assert_int_equal(hart_get_pc(m->h), HALT);
        assert_int_equal(tm_csr(m, MEPC), PROG + 4);
        assert_int_equal(tm_csr(m, MTVAL), PROG + 4);
        assert_int_equal((tm_csr(m, MSTATUS) >> 11) & 3, (uint64_t)priv);
        assert_int_equal(hart_get_xreg(m->h, 5), 1);
        assert_int_equal(hart_get_xreg(m->h, 6), 0);
        assert_int_equal(hart_icount(m->h), ic + 3);
        assert_int_equal(tm_csr(m, MINSTRET), instret + 2);   /* the exception did not retire */
    } else {
        assert_int_equal(tm_csr(m, MCAUSE), NOTRAP);
        assert_int_equal(hart_get_xreg(m->h, 6), 2);
    }
    tm_free(m);
    return fired;
}

static void test_exec_modes(void **st)
{
    (void)st;
    static const uint64_t bit[4] = { U_, S_, 0, M_ };
    static const int privs[3] = { 0, 1, 3 };
    for (int t = 0; t < 2; t++) {
        uint64_t type = t ? T6 : T2;
        for (int p = 0; p < 3; p++) {
            int priv = privs[p];
            assert_true(exec_case(type, priv, bit[priv]));
            assert_true(exec_case(type, priv, U_ | S_ | M_));
            assert_false(exec_case(type, priv, (U_ | S_ | M_) & ~bit[priv]));
        }
    }
    /* vs/vu alone never match (no H), though the bits read back. */
    assert_false(exec_case(T6, 0, 3ull << 23));
    assert_false(exec_case(T6, 1, 3ull << 23));
}

/* The execute breakpoint comes before the fetch: it wins over an
 * instruction access fault, with epc and tval the address. */
static void test_exec_before_fetch_fault(void **st)
{
    (void)st;
    TestMachine *m = setup(HART_EXT_SDTRIG);
    Asm a = { m, PROG };
    asm_li(&a, 5, NONE);
    emit(&a, JALR(1, 5, 0));
    enter(m, 3, PROG, MPIE_BIT);
    uint64_t ex;
    hart_run(m->h, 12, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 1);
    trig_set(m, 1, T2 | M_ | EX_, NONE);
    enter(m, 3, PROG, MPIE_BIT);
    hart_run(m->h, 12, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    assert_int_equal(tm_csr(m, MEPC), NONE);
    assert_int_equal(tm_csr(m, MTVAL), NONE);
    tm_free(m);
}

/* An execute trigger on a compressed instruction, and one on the middle
 * of a 4-byte instruction, which no pc ever equals. */
static void test_exec_alignment(void **st)
{
    (void)st;
    TestMachine *m = setup(HART_EXT_SDTRIG);
    Asm a = { m, PROG };
    emit16(&a, 0x0505);             /* c.addi a0, 1 */
    emit16(&a, 0x0505);             /* PROG + 2 */
    emit(&a, ADDI(6, 0, 2));        /* PROG + 4 */
    emit(&a, ADDI(7, 0, 3));
    emit(&a, JAL(0, 0));
    uint64_t ex;
    trig_set(m, 0, T2 | M_ | EX_, PROG + 6);
    enter(m, 3, PROG, MPIE_BIT);
    hart_run(m->h, 10, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), NOTRAP);
    assert_int_equal(hart_get_xreg(m->h, 7), 3);
    trig_set(m, 0, T2 | M_ | EX_, PROG + 2);
    hart_set_xreg(m->h, 10, 0);
    enter(m, 3, PROG, MPIE_BIT);
    hart_run(m->h, 10, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    assert_int_equal(tm_csr(m, MEPC), PROG + 2);
    assert_int_equal(hart_get_xreg(m->h, 10), 1);
    tm_free(m);
}

/* Two triggers fire on their own conditions only (QEMU 7.2 lets one
 * trigger's mode bits make the other one fire). */
static void test_exec_two_triggers(void **st)
{
    (void)st;
    TestMachine *m = setup(HART_EXT_SDTRIG);
    Asm a = { m, PROG };
    emit(&a, ADDI(5, 0, 1));
    emit(&a, ADDI(6, 0, 2));        /* PROG + 4: trigger 1, U only */
    emit(&a, ADDI(7, 0, 3));        /* PROG + 8: trigger 0, M */
    emit(&a, JAL(0, 0));
    trig_set(m, 0, T2 | M_ | EX_, PROG + 8);
    trig_set(m, 1, T6 | U_ | EX_, PROG + 4);
    enter(m, 3, PROG, MPIE_BIT);
    uint64_t ex;
    hart_run(m->h, 10, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    assert_int_equal(tm_csr(m, MEPC), PROG + 8);
    assert_int_equal(hart_get_xreg(m->h, 6), 2);
    tm_free(m);
}

/* ---- load/store triggers ------------------------------------------------- */

/* One access in priv (x5 = address, x6 = store value / load target). */
static uint64_t access_case(TestMachine *m, int priv, uint32_t insn, uint64_t addr)
{
    hart_set_xreg(m->h, 5, addr);
    hart_set_xreg(m->h, 6, 0x1111);
    return run_in(m, priv, insn, NULL);
}

static void test_load_store_modes(void **st)
{
    (void)st;
    static const uint64_t bit[4] = { U_, S_, 0, M_ };
    static const int privs[3] = { 0, 1, 3 };
    TestMachine *m = setup(HART_EXT_SDTRIG);
    for (int t = 0; t < 2; t++) {
        uint64_t type = t ? T6 : T2;
        for (int p = 0; p < 3; p++) {
            int priv = privs[p];
            uint64_t at;
            tm_w64(m, DATA, 0xabcd);
            /* A load trigger: loads stop before the access, stores pass. */
            trig_set(m, t, type | bit[priv] | LD_, DATA);
            hart_set_xreg(m->h, 5, DATA);
            hart_set_xreg(m->h, 6, 0x1111);
            assert_int_equal(run_in(m, priv, LD(6, 5, 0), &at), 3);
            assert_int_equal(tm_csr(m, MEPC), at);
            assert_int_equal(tm_csr(m, MTVAL), DATA);
            assert_int_equal(hart_get_xreg(m->h, 6), 0x1111);
            assert_int_equal(access_case(m, priv, SD(6, 5, 0), DATA), NOTRAP);
            assert_int_equal(tm_r64(m, DATA), 0x1111);
            /* Another mode's bit: nothing. */
            trig_set(m, t, type | ((U_ | S_ | M_) & ~bit[priv]) | LD_ | ST_, DATA);
            assert_int_equal(access_case(m, priv, LD(6, 5, 0), DATA), NOTRAP);
            assert_int_equal(hart_get_xreg(m->h, 6), 0x1111);
            /* A store trigger: the store writes nothing, loads pass. */
            trig_set(m, t, type | bit[priv] | ST_, DATA);
            tm_w64(m, DATA, 0xabcd);
            assert_int_equal(access_case(m, priv, SD(6, 5, 0), DATA), 3);
            assert_int_equal(tm_csr(m, MTVAL), DATA);
            assert_int_equal(tm_r64(m, DATA), 0xabcd);
            assert_int_equal(access_case(m, priv, LD(6, 5, 0), DATA), NOTRAP);
            assert_int_equal(hart_get_xreg(m->h, 6), 0xabcd);
            trig_set(m, t, T2, 0);
        }
    }
    tm_free(m);
}

/* The watched range is [tdata2, tdata2 + len): 8 bytes for size "any",
 * else QEMU 7.2's length for the size code (1, 2, 3, 5 bytes). An access
 * matches when it overlaps the range; tval is its lowest byte in it. */
static void test_ranges(void **st)
{
    (void)st;
    TestMachine *m = setup(HART_EXT_SDTRIG);
    const uint64_t W = DATA + 8;
    const struct {
        uint64_t tdata1;
        uint32_t insn;
        int64_t off;            /* access address - W */
        uint64_t tval;          /* NOTRAP: no match */
    } cases[] = {
        { T2 | M_ | LD_, LD(6, 5, 0), -8, NOTRAP },
        { T2 | M_ | LD_, LD(6, 5, 0), 8, NOTRAP },
        { T2 | M_ | LD_, LB(6, 5, 0), 7, 7 },
        { T2 | M_ | LD_, LD(6, 5, 0), -4, 0 },       /* misaligned, from below */
        { T2 | M_ | LD_, LW(6, 5, 0), -4, NOTRAP },
        { T2 | M_ | LD_, LB(6, 5, 0), 0, 0 },
        { T2 | M_ | LD_ | SIZE2(1), LB(6, 5, 0), 1, NOTRAP },
        { T2 | M_ | LD_ | SIZE2(1), LD(6, 5, 0), 0, 0 },
        { T2 | M_ | LD_ | SIZE2(2), LB(6, 5, 0), 1, 1 },
        { T2 | M_ | LD_ | SIZE2(2), LB(6, 5, 0), 2, NOTRAP },
        { T2 | M_ | LD_ | SIZE2(3), LB(6, 5, 0), 2, 2 },
        { T2 | M_ | LD_ | SIZE2(3), LB(6, 5, 0), 3, NOTRAP },
        { T6 | M_ | LD_ | SIZE6(5), LB(6, 5, 0), 4, 4 },
        { T6 | M_ | LD_ | SIZE6(5), LB(6, 5, 0), 5, NOTRAP },
        { T6 | M_ | ST_, SW(6, 5, 0), 6, 6 },        /* misaligned store */
        { T6 | M_ | ST_, SB(6, 5, 0), -1, NOTRAP },
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        trig_set(m, 0, cases[k].tdata1, W);
        uint64_t cause = access_case(m, 3, cases[k].insn, W + (uint64_t)cases[k].off);
        if (cases[k].tval == NOTRAP) {
            assert_int_equal(cause, NOTRAP);
        } else {
            assert_int_equal(cause, 3);
            assert_int_equal(tm_csr(m, MTVAL), W + cases[k].tval);
        }
    }
    /* A misaligned store that fires writes none of its bytes. */
    memset(m->ram + (DATA - TM_RAM_BASE), 0x77, 32);
    trig_set(m, 0, T2 | M_ | ST_, W + 4);
    assert_int_equal(access_case(m, 3, SD(6, 5, 0), W + 1), 3);
    for (int i = 0; i < 32; i++)
        assert_int_equal(m->ram[DATA - TM_RAM_BASE + (unsigned)i], 0x77);
    /* A range running off the top of the address space never matches. */
    trig_set(m, 0, T2 | M_ | LD_, ~0ull - 3);
    assert_int_equal(access_case(m, 3, LB(6, 5, 0), ~0ull - 3), 5);
    trig_set(m, 0, T2 | M_ | LD_ | SIZE2(3), ~0ull - 3);
    assert_int_equal(access_case(m, 3, LB(6, 5, 0), ~0ull - 3), 3);
    tm_free(m);
}

/* The breakpoint is taken before translation and PMP: it wins over the
 * access fault the access would take. */
static void test_before_access_fault(void **st)
{
    (void)st;
    TestMachine *m = setup(HART_EXT_SDTRIG);
    assert_int_equal(access_case(m, 3, LD(6, 5, 0), NONE), 5);
    assert_int_equal(access_case(m, 3, SD(6, 5, 0), NONE), 7);
    trig_set(m, 0, T2 | M_ | LD_ | ST_, NONE);
    assert_int_equal(access_case(m, 3, LD(6, 5, 0), NONE), 3);
    assert_int_equal(tm_csr(m, MTVAL), NONE);
    assert_int_equal(access_case(m, 3, SD(6, 5, 0), NONE), 3);
    /* U-mode, outside the PMP grant (the first 16 KiB, where the code is). */
    tm_set_csr(m, PMPADDR0, (PROG >> 2) | 0x7ff);
    trig_set(m, 0, T2 | U_ | LD_, DATA + 0x100);
    assert_int_equal(access_case(m, 0, LD(6, 5, 0), DATA + 0x100), 3);
    trig_set(m, 0, T2 | S_ | LD_, DATA + 0x100);
    assert_int_equal(access_case(m, 0, LD(6, 5, 0), DATA + 0x100), 5);
    tm_free(m);
}

/* LR is a load, AMOs a load and a store, SC a store once its reservation
 * matches; an AMO's alignment is checked first. */
static void test_atomics(void **st)
{
    (void)st;
    TestMachine *m = setup(HART_EXT_SDTRIG);
    tm_w64(m, DATA, 5);
    trig_set(m, 0, T2 | M_ | ST_, DATA);
    hart_set_xreg(m->h, 5, DATA);
    hart_set_xreg(m->h, 7, 1);
    assert_int_equal(run_in(m, 3, AMOADD_W(6, 5, 7), NULL), 3);
    assert_int_equal(tm_r64(m, DATA), 5);
    assert_int_equal(run_in(m, 3, LR_W(6, 5), NULL), NOTRAP);
    assert_int_equal(hart_get_xreg(m->h, 6), 5);
    /* The reservation is held: SC is a store, and stores nothing. */
    assert_int_equal(run_in(m, 3, SC_W(6, 5, 7), NULL), 3);
    assert_int_equal(tm_r64(m, DATA), 5);
    /* Without a reservation SC fails without accessing memory. */
    hart_set_xreg(m->h, 6, 9);
    assert_int_equal(run_in(m, 3, SC_W(6, 5, 7), NULL), NOTRAP);
    assert_int_equal(hart_get_xreg(m->h, 6), 1);
    trig_set(m, 0, T2 | M_ | LD_, DATA);
    assert_int_equal(run_in(m, 3, AMOADD_D(6, 5, 7), NULL), 3);
    assert_int_equal(run_in(m, 3, LR_W(6, 5), NULL), 3);
    assert_int_equal(tm_csr(m, MTVAL), DATA);
    /* Misaligned: the alignment exception first, as in QEMU 7.2. */
    hart_set_xreg(m->h, 5, DATA + 2);
    trig_set(m, 0, T2 | M_ | LD_ | ST_, DATA);
    assert_int_equal(run_in(m, 3, AMOADD_W(6, 5, 7), NULL), 6);
    assert_int_equal(run_in(m, 3, LR_W(6, 5), NULL), 4);
    tm_free(m);
}

/* CBO.ZERO is a store on its whole block, matched by size-any triggers. */
static void test_cbo_zero(void **st)
{
    (void)st;
    TestMachine *m = setup(HART_EXT_SDTRIG | HART_EXT_ZICBOZ);
    const uint64_t B = DATA + 0x40;
    memset(m->ram + (B - TM_RAM_BASE), 0x5a, 64);
    trig_set(m, 0, T2 | M_ | ST_, B + 0x28);
    hart_set_xreg(m->h, 5, B + 0x10);
    assert_int_equal(run_in(m, 3, CBO_ZERO(5), NULL), 3);
    assert_int_equal(tm_csr(m, MTVAL), B + 0x28);
    assert_int_equal(m->ram[B - TM_RAM_BASE + 0x3f], 0x5a);
    trig_set(m, 0, T2 | M_ | LD_, B + 0x28);
    assert_int_equal(run_in(m, 3, CBO_ZERO(5), NULL), NOTRAP);
    assert_int_equal(m->ram[B - TM_RAM_BASE + 0x3f], 0);
    memset(m->ram + (B - TM_RAM_BASE), 0x5a, 64);
    trig_set(m, 0, T2 | M_ | ST_ | SIZE2(1), B + 0x28);
    assert_int_equal(run_in(m, 3, CBO_ZERO(5), NULL), NOTRAP);
    assert_int_equal(m->ram[B - TM_RAM_BASE + 0x3f], 0);
    /* A trigger starting below the block: tval is the block's start. */
    trig_set(m, 0, T6 | M_ | ST_, B - 4);
    assert_int_equal(run_in(m, 3, CBO_ZERO(5), NULL), 3);
    assert_int_equal(tm_csr(m, MTVAL), B);
    tm_free(m);
}

/* ---- re-entrancy --------------------------------------------------------- */

/* M-mode triggers need mstatus.MIE: one on the trap handler, entered with
 * MIE = 0, does not fire (QEMU 7.2 would trap into it for ever). */
static void test_m_mode_needs_mie(void **st)
{
    (void)st;
    TestMachine *m = setup(HART_EXT_SDTRIG);
    tm_w32(m, PROG, ECALL);
    trig_set(m, 0, T2 | M_ | EX_, HALT);
    enter(m, 3, PROG, MPIE_BIT);
    uint64_t ex;
    hart_run(m->h, 50, &ex);
    assert_int_equal(ex, 50);
    assert_int_equal(tm_csr(m, MCAUSE), 11);
    assert_int_equal(tm_csr(m, MEPC), PROG);
    /* Data triggers likewise. */
    trig_set(m, 0, T2 | M_ | LD_, DATA);
    hart_set_xreg(m->h, 5, DATA);
    tm_w32(m, PROG, LD(6, 5, 0));
    tm_w32(m, PROG + 4, JAL(0, 0));
    hart_invalidate_phys(m->h, PROG, 8);
    enter(m, 3, PROG, 0);
    hart_run(m->h, 5, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), NOTRAP);
    enter(m, 3, PROG, MPIE_BIT);
    hart_run(m->h, 5, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    /* U- and S-mode triggers do not look at MIE. */
    trig_set(m, 0, T2 | U_ | S_ | LD_, DATA);
    assert_int_equal(access_case(m, 0, LD(6, 5, 0), DATA), 3);
    tm_set_csr(m, MSTATUS, tm_csr(m, MSTATUS) & ~(MIE_BIT | MPIE_BIT));
    enter(m, 1, PROG, 0);
    hart_run(m->h, 5, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    tm_free(m);
}

/* With breakpoints delegated to S, S-mode triggers need sstatus.SIE. */
static void test_s_mode_delegated(void **st)
{
    (void)st;
    TestMachine *m = setup(HART_EXT_SDTRIG);
    uint64_t ex;
    tm_set_csr(m, STVEC, SHALT);
    tm_w32(m, PROG, ADDI(6, 0, 2));
    tm_w32(m, PROG + 4, JAL(0, 0));
    trig_set(m, 0, T2 | S_ | U_ | EX_, PROG);
    /* Not delegated: fires into M whatever SIE is. */
    enter(m, 1, PROG, 0);
    hart_run(m->h, 5, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    tm_set_csr(m, MEDELEG, 1ull << 3);
    tm_set_csr(m, SCAUSE, NOTRAP);
    enter(m, 1, PROG, 0);
    hart_run(m->h, 5, &ex);
    assert_int_equal(tm_csr(m, SCAUSE), NOTRAP);
    assert_int_equal(tm_csr(m, MCAUSE), NOTRAP);
    assert_int_equal(hart_get_pc(m->h), PROG + 4);
    /* SIE = 1: fires, handled in S, with sepc and stval. */
    enter(m, 1, PROG, SIE_BIT);
    hart_run(m->h, 5, &ex);
    assert_int_equal(tm_csr(m, SCAUSE), 3);
    assert_int_equal(tm_csr(m, SEPC), PROG);
    assert_int_equal(tm_csr(m, STVAL), PROG);
    assert_int_equal(hart_get_pc(m->h), SHALT);
    /* S's handler, entered with SIE = 0, does not trap into itself. */
    trig_set(m, 0, T6 | S_ | EX_, SHALT);
    tm_w32(m, PROG, ECALL);
    hart_invalidate_phys(m->h, PROG, 4);
    tm_set_csr(m, MEDELEG, (1ull << 3) | (1ull << 9));
    tm_set_csr(m, SCAUSE, NOTRAP);
    enter(m, 1, PROG, SIE_BIT);
    hart_run(m->h, 30, &ex);
    assert_int_equal(tm_csr(m, SCAUSE), 9);
    assert_int_equal(hart_get_pc(m->h), SHALT);
    /* U mode is never held back: it traps to a different mode. */
    tm_w32(m, PROG, ADDI(6, 0, 2));
    hart_invalidate_phys(m->h, PROG, 4);
    trig_set(m, 0, T2 | U_ | EX_, PROG);
    tm_set_csr(m, SCAUSE, NOTRAP);
    enter(m, 0, PROG, 0);
    hart_run(m->h, 5, &ex);
    assert_int_equal(tm_csr(m, SCAUSE), 3);
    tm_free(m);
}

/* ---- the debugger alongside, and the caches -------------------------------- */

/* A debugger watchpoint and a trigger on the same page or address: the
 * trigger's exception replaces the access the watchpoint waits for; once
 * disarmed, the watchpoint sees it. A debugger breakpoint on a trigger's
 * address stops first; resuming takes the guest's exception. */
static void test_debugger_alongside(void **st)
{
    (void)st;
    TestMachine *m = setup(HART_EXT_SDTRIG);
    Asm a = { m, PROG };
    asm_li(&a, 5, DATA);
    emit(&a, ADDI(6, 0, 9));
    emit(&a, SD(6, 5, 0x100));      /* PROG + 36: watched by the debugger */
    emit(&a, SD(6, 5, 0));          /* PROG + 40: the trigger's too */
    emit(&a, ADDI(7, 0, 1));
    emit(&a, JAL(0, 0));
    uint64_t ex;
    trig_set(m, 0, T2 | M_ | ST_, DATA);
    assert_true(hart_watchpoint_insert(m->h, DATA + 0x100, 8, WATCH_WRITE));
    assert_true(hart_watchpoint_insert(m->h, DATA, 8, WATCH_WRITE));
    enter(m, 3, PROG, MPIE_BIT);
    assert_int_equal(hart_run(m->h, 100, &ex), HART_EXIT_WATCHPOINT);
    assert_int_equal(hart_watch_hit_addr(m->h), DATA + 0x100);
    hart_watchpoint_skip_once(m->h);
    assert_int_equal(hart_run(m->h, 3, &ex), HART_EXIT_BUDGET);
    assert_int_equal(tm_r64(m, DATA + 0x100), 9);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    assert_int_equal(tm_csr(m, MEPC), PROG + 40);
    assert_int_equal(tm_r64(m, DATA), 0);
    /* Disarmed, the store happens: the debugger's watchpoint sees it. */
    tm_set_csr(m, TDATA1, T2 | ST_);
    enter(m, 3, PROG + 40, MPIE_BIT);
    assert_int_equal(hart_run(m->h, 100, &ex), HART_EXIT_WATCHPOINT);
    assert_int_equal(ex, 1);
    assert_int_equal(hart_watch_hit_addr(m->h), DATA);
    /* The debugger's watchpoints gone, the trigger still holds its page. */
    assert_true(hart_watchpoint_remove(m->h, DATA, 8, WATCH_WRITE));
    assert_true(hart_watchpoint_remove(m->h, DATA + 0x100, 8, WATCH_WRITE));
    tm_set_csr(m, TDATA1, T2 | M_ | ST_);
    for (int i = 0; i < 2; i++) {
        enter(m, 3, PROG, MPIE_BIT);
        assert_int_equal(hart_run(m->h, 20, &ex), HART_EXIT_BUDGET);
        assert_int_equal(tm_csr(m, MCAUSE), 3);
        assert_int_equal(tm_csr(m, MEPC), PROG + 40);
        assert_int_equal(tm_r64(m, DATA), 0);
    }
    /* Breakpoint and execute trigger on one instruction. */
    trig_set(m, 1, T6 | M_ | EX_, PROG + 44);
    tm_set_csr(m, TSELECT, 0);
    tm_set_csr(m, TDATA1, T2);
    assert_true(hart_breakpoint_insert(m->h, PROG + 44));
    enter(m, 3, PROG, MPIE_BIT);
    assert_int_equal(hart_run(m->h, 100, &ex), HART_EXIT_BREAKPOINT);
    assert_int_equal(hart_get_pc(m->h), PROG + 44);
    assert_int_equal(tm_csr(m, MCAUSE), NOTRAP);
    hart_breakpoint_skip_once(m->h);
    assert_int_equal(hart_run(m->h, 1, &ex), HART_EXIT_BUDGET);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    assert_int_equal(tm_csr(m, MEPC), PROG + 44);
    assert_int_equal(hart_get_xreg(m->h, 7), 0);
    tm_free(m);
}

/* Arming takes effect at the next instruction, whatever the caches hold:
 * a page whose loads the TLB already serves, a hot loop already chained. */
static void test_arm_while_cached(void **st)
{
    (void)st;
    TestMachine *m = setup(HART_EXT_SDTRIG);
    Asm a = { m, PROG };
    uint64_t ex;
    asm_li(&a, 5, DATA);
    emit(&a, LD(7, 5, 0));
    emit(&a, LD(7, 5, 8));
    emit(&a, CSRRW(0, TDATA1, 6));  /* PROG + 40: arm */
    emit(&a, LW(8, 5, 4));          /* PROG + 44: a TLB hit but for the flush */
    emit(&a, JAL(0, 0));
    trig_set(m, 0, T2 | LD_, DATA);
    hart_set_xreg(m->h, 6, T2 | M_ | LD_);
    enter(m, 3, PROG, MPIE_BIT);
    hart_run(m->h, 20, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    assert_int_equal(tm_csr(m, MEPC), PROG + 44);
    assert_int_equal(tm_csr(m, MTVAL), DATA + 4);

    /* A loop whose blocks chain into each other, the trigger armed by the
     * CSR write of the second outer pass (the first writes the disarmed
     * value, so every block is in the jump cache by then). */
    const uint64_t L = PROG + 0x400;
    a.pc = L;
    emit(&a, ADDI(7, 7, 1));        /* L */
    emit(&a, ADDI(8, 8, 1));        /* L + 4: the trigger */
    emit(&a, BNE(7, 10, -8));
    emit(&a, CSRRW(0, TDATA1, 6));  /* L + 12 */
    emit(&a, ADD(6, 6, 11));
    emit(&a, ADDI(10, 10, 5));
    emit(&a, JAL(0, -24));          /* L + 24 */
    trig_set(m, 0, T6 | EX_, L + 4);
    hart_set_xreg(m->h, 6, T6 | EX_);
    hart_set_xreg(m->h, 11, M_);
    hart_set_xreg(m->h, 7, 0);
    hart_set_xreg(m->h, 8, 0);
    hart_set_xreg(m->h, 10, 5);
    enter(m, 3, L, MPIE_BIT);
    hart_run(m->h, 1000, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    assert_int_equal(tm_csr(m, MEPC), L + 4);
    assert_int_equal(hart_get_xreg(m->h, 7), 11);
    assert_int_equal(hart_get_xreg(m->h, 8), 10);
    /* Disarming takes effect as fast: a trigger on the jump back, which
     * the CSR write just before it disarms (or leaves armed). */
    for (int disarm = 0; disarm < 2; disarm++) {
        hart_set_xreg(m->h, 6, disarm ? T6 | EX_ : T6 | M_ | EX_);
        hart_set_xreg(m->h, 11, 0);
        hart_set_xreg(m->h, 7, 0);
        hart_set_xreg(m->h, 8, 0);
        hart_set_xreg(m->h, 10, 5);
        trig_set(m, 0, T6 | M_ | EX_, L + 24);
        enter(m, 3, L, MPIE_BIT);
        hart_run(m->h, 100, &ex);
        if (disarm) {
            assert_int_equal(tm_csr(m, MCAUSE), NOTRAP);
            assert_true(hart_get_xreg(m->h, 8) > 10);
        } else {
            assert_int_equal(tm_csr(m, MCAUSE), 3);
            assert_int_equal(tm_csr(m, MEPC), L + 24);
            assert_int_equal(hart_get_xreg(m->h, 8), 5);
        }
    }
    tm_free(m);
}

/* A program using every kind of trigger, its handler skipping the
 * instruction: run in one go, or with every cache flushed every few steps,
 * it ends in the same state, byte for byte. */
static TestMachine *flush_program(void)
{
    TestMachine *m = setup(HART_EXT_SDTRIG);
    const uint64_t H = PROG + 0x800;
    Asm a = { m, H };
    emit(&a, CSRRS(28, MEPC, 0));
    emit(&a, ADDI(28, 28, 4));
    emit(&a, CSRRW(0, MEPC, 28));
    emit(&a, ADDI(29, 29, 1));
    emit(&a, MRET);
    tm_set_csr(m, MTVEC, H);
    a.pc = PROG;
    asm_li(&a, 5, DATA);
    emit(&a, ADDI(10, 0, 40));
    uint64_t loop = a.pc;
    emit(&a, LD(6, 5, 0));          /* hits DATA + 64 on pass 8 */
    emit(&a, ADDI(6, 6, 3));        /* execute trigger, every pass */
    emit(&a, SD(6, 5, 16));         /* pass 6 */
    emit(&a, SD(6, 5, 8));          /* pass 7, and the load below */
    emit(&a, LD(7, 5, 8));
    emit(&a, ADD(9, 9, 7));
    emit(&a, ADDI(5, 5, 8));
    emit(&a, ADDI(10, 10, -1));
    emit(&a, BNE(10, 0, (int32_t)(loop - a.pc)));
    emit(&a, JAL(0, 0));
    trig_set(m, 0, T2 | M_ | LD_ | ST_, DATA + 64);
    trig_set(m, 1, T6 | M_ | EX_, loop + 4);
    for (uint64_t i = 0; i < 64; i++)
        tm_w64(m, DATA + 8 * i, i * 7);
    enter(m, 3, PROG, MPIE_BIT);
    return m;
}

static void test_flush_anywhere(void **st)
{
    (void)st;
    TestMachine *ref = flush_program();
    uint64_t ex;
    hart_run(ref->h, 2000, &ex);
    assert_int_equal(hart_get_xreg(ref->h, 29), 44);  /* 40 executes, 4 accesses */
    assert_int_equal(hart_get_xreg(ref->h, 10), 0);
    VMBuf b1;
    vmbuf_init(&b1);
    vmstate_save(&hart_vmsd, hart_state_ptr(ref->h), &b1);
    for (unsigned stride = 1; stride <= 7; stride += 3) {
        TestMachine *m = flush_program();
        for (uint64_t done = 0; done < 2000; done += ex) {
            hart_flush_caches(m->h);
            hart_run(m->h, stride < 2000 - done ? stride : 2000 - done, &ex);
        }
        VMBuf b2;
        vmbuf_init(&b2);
        vmstate_save(&hart_vmsd, hart_state_ptr(m->h), &b2);
        assert_int_equal(b1.len, b2.len);
        assert_memory_equal(b1.data, b2.data, b1.len);
        assert_memory_equal(ref->ram, m->ram, TM_RAM_SIZE);
        vmbuf_free(&b2);
        tm_free(m);
    }
    vmbuf_free(&b1);
    tm_free(ref);
}

/* ---- snapshots ----------------------------------------------------------- */

static void test_snapshot(void **st)
{
    (void)st;
    TestMachine *m = setup(HART_EXT_SDTRIG);
    trig_set(m, 0, T6 | M_ | U_ | LD_ | SIZE6(2), DATA + 2);
    trig_set(m, 1, T2 | M_ | EX_, PROG + 4);
    VMBuf b1, b2;
    vmbuf_init(&b1);
    vmbuf_init(&b2);
    vmstate_save(&hart_vmsd, hart_state_ptr(m->h), &b1);

    /* Into a fresh hart: the registers, and triggers that fire. */
    TestMachine *m2 = setup(HART_EXT_SDTRIG);
    size_t used = 0;
    Error *err = NULL;
    assert_true(vmstate_load(&hart_vmsd, hart_state_ptr(m2->h), b1.data, b1.len, &used, &err));
    vmstate_save(&hart_vmsd, hart_state_ptr(m2->h), &b2);
    assert_int_equal(b1.len, b2.len);
    assert_memory_equal(b1.data, b2.data, b1.len);
    assert_int_equal(tm_csr(m2, TSELECT), 1);
    assert_int_equal(tm_csr(m2, TDATA2), PROG + 4);
    tm_set_csr(m2, TSELECT, 0);
    assert_int_equal(tm_csr(m2, TDATA1), T6 | M_ | U_ | LD_ | SIZE6(2));
    assert_int_equal(access_case(m2, 0, LB(6, 5, 0), DATA + 3), 3);
    assert_int_equal(tm_csr(m2, MTVAL), DATA + 3);
    tm_w32(m2, PROG, NOP);
    tm_w32(m2, PROG + 4, NOP);
    enter(m2, 3, PROG, MPIE_BIT);
    uint64_t ex;
    hart_run(m2->h, 5, &ex);
    assert_int_equal(tm_csr(m2, MEPC), PROG + 4);
    /* A hart at reset takes the saved triggers back too (derived state
     * recomputed on load). */
    hart_reset(m2->h);
    used = 0;
    assert_true(vmstate_load(&hart_vmsd, hart_state_ptr(m2->h), b1.data, b1.len, &used, &err));
    assert_int_equal(access_case(m2, 0, LB(6, 5, 0), DATA + 2), 3);

    /* A hart without Sdtrig refuses armed triggers. */
    TestMachine *off = setup(0);
    used = 0;
    assert_false(vmstate_load(&hart_vmsd, hart_state_ptr(off->h), b1.data, b1.len, &used, &err));
    assert_non_null(strstr(error_get_message(err), "trigger"));
    error_free(err);
    err = NULL;
    /* ... but takes its own. */
    vmbuf_free(&b2);
    vmbuf_init(&b2);
    TestMachine *off2 = setup(0);
    vmstate_save(&hart_vmsd, hart_state_ptr(off2->h), &b2);
    used = 0;
    assert_true(vmstate_load(&hart_vmsd, hart_state_ptr(off->h), b2.data, b2.len, &used, &err));

    /* Values no write could leave are refused. */
    HartState *s = hart_state_ptr(m->h);
    static const struct { unsigned field; uint64_t value; } bad[] = {
        { 0, 2 }, { 1, 3ull << 60 }, { 1, T2 | (1ull << 59) }, { 1, T2 | SIZE2(4) },
        { 1, T6 | (1ull << 20) }, { 1, 0 },
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        HartState saved = *s;
        if (bad[k].field == 0)
            s->tselect = bad[k].value;
        else
            s->tdata1[1] = bad[k].value;
        VMBuf b3;
        vmbuf_init(&b3);
        vmstate_save(&hart_vmsd, s, &b3);
        *s = saved;
        used = 0;
        assert_false(vmstate_load(&hart_vmsd, hart_state_ptr(m2->h), b3.data, b3.len, &used, &err));
        error_free(err);
        err = NULL;
        vmbuf_free(&b3);
    }
    vmbuf_free(&b1);
    vmbuf_free(&b2);
    tm_free(off2);
    tm_free(off);
    tm_free(m2);
    tm_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csrs_exist),
        cmocka_unit_test(test_reset_and_tselect),
        cmocka_unit_test(test_tdata1_warl),
        cmocka_unit_test(test_exec_modes),
        cmocka_unit_test(test_exec_before_fetch_fault),
        cmocka_unit_test(test_exec_alignment),
        cmocka_unit_test(test_exec_two_triggers),
        cmocka_unit_test(test_load_store_modes),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_before_access_fault),
        cmocka_unit_test(test_atomics),
        cmocka_unit_test(test_cbo_zero),
        cmocka_unit_test(test_m_mode_needs_mie),
        cmocka_unit_test(test_s_mode_delegated),
        cmocka_unit_test(test_debugger_alongside),
        cmocka_unit_test(test_arm_while_cached),
        cmocka_unit_test(test_flush_anywhere),
        cmocka_unit_test(test_snapshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
