/* Hart privilege-control and FP-state tests: TVM/TW/TSR, counter enables,
 * MPRV, mstatus.FS gating and dirty tracking, NaN-boxing, frm. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpu_test_util.h"

#define PROG TM_RAM_BASE
#define HALT (TM_RAM_BASE + 0x3000)
#define DATA (TM_RAM_BASE + 0x8000)

enum {
    MSTATUS = 0x300, MTVEC = 0x305, MEPC = 0x341, MCAUSE = 0x342, MTVAL = 0x343,
    MCOUNTEREN = 0x306, SCOUNTEREN = 0x106, SATP = 0x180, PMPCFG0 = 0x3a0, PMPADDR0 = 0x3b0,
    FCSR = 0x003, CYCLE = 0xc00, TIME = 0xc01, INSTRET = 0xc02,
    STIMECMP = 0x14d, MENVCFG = 0x30a, MIP = 0x344, MEDELEG = 0x302,
};
#define FS_SHIFT 13

static TestMachine *setup(void)
{
    TestMachine *m = tm_new();
    tm_w32(m, HALT, JAL(0, 0));
    tm_set_csr(m, MTVEC, HALT);
    tm_set_csr(m, PMPADDR0, (1ull << 54) - 1);
    tm_set_csr(m, PMPCFG0, 0x1f);
    return m;
}

/* Run one instruction `insn` in privilege `priv` (via MRET) and return mcause
 * (or ~0 when it did not trap). */
static uint64_t run_in(TestMachine *m, int priv, uint32_t insn, uint64_t mstatus_set)
{
    /* A previous instruction that did not trap left the hart in S or U:
     * back to M through an ECALL first, or the MRET below would be the
     * illegal instruction every "expect 2" saw. */
    if (hart_priv(m->h) != 3) {
        uint64_t ex;
        tm_w32(m, PROG + 0x2800, ECALL);
        tm_set_csr(m, MEDELEG, 0);
        hart_set_pc(m->h, PROG + 0x2800);
        hart_run(m->h, 1, &ex);
        assert_int_equal(hart_priv(m->h), 3);
    }
    uint64_t at = PROG + 0x1000 + (uint64_t)(m->slot++ % 64) * 0x10;
    tm_w32(m, at, insn);
    tm_w32(m, at + 4, JAL(0, 0));
    tm_w32(m, PROG + 0x2000, MRET);
    tm_set_csr(m, MCAUSE, ~0ull);
    tm_set_csr(m, MEPC, at);
    uint64_t ms = tm_csr(m, MSTATUS) & ~((3ull << 11) | (1ull << 20) | (1ull << 21) | (1ull << 22));
    tm_set_csr(m, MSTATUS, ms | ((uint64_t)priv << 11) | mstatus_set);
    hart_set_pc(m->h, PROG + 0x2000);
    uint64_t ex;
    hart_run(m->h, 2, &ex);
    /* A trap must come from the instruction under test. */
    if (tm_csr(m, MCAUSE) != ~0ull) {
        assert_int_equal(tm_csr(m, MEPC), at);
    }
    return tm_csr(m, MCAUSE);
}

static void test_trap_controls(void **st)
{
    (void)st;
    TestMachine *m = setup();
    const uint64_t TVM = 1ull << 20, TW = 1ull << 21, TSR = 1ull << 22;
    assert_int_equal(run_in(m, 1, CSRRS(5, SATP, 0), 0), ~0ull);
    assert_int_equal(run_in(m, 1, CSRRS(5, SATP, 0), TVM), 2);
    assert_int_equal(run_in(m, 1, SFENCE_VMA, 0), ~0ull);
    assert_int_equal(run_in(m, 1, SFENCE_VMA, TVM), 2);
    assert_int_equal(run_in(m, 0, SFENCE_VMA, 0), 2);
    assert_int_equal(run_in(m, 1, WFI, TW), 2);
    assert_int_equal(run_in(m, 0, WFI, 0), 2);
    assert_int_equal(run_in(m, 1, SRET, TSR), 2);
    assert_int_equal(run_in(m, 0, SRET, 0), 2);
    assert_int_equal(run_in(m, 1, MRET, 0), 2);
    assert_int_equal(run_in(m, 1, CSRRS(5, MSTATUS, 0), 0), 2);   /* M CSR from S */
    assert_int_equal(run_in(m, 0, CSRRS(5, 0x100, 0), 0), 2);     /* sstatus from U */
    assert_int_equal(tm_csr(m, MTVAL), CSRRS(5, 0x100, 0));
    tm_free(m);
}

static void test_counter_enable(void **st)
{
    (void)st;
    TestMachine *m = setup();
    assert_int_equal(run_in(m, 1, CSRRS(5, CYCLE, 0), 0), 2);
    tm_set_csr(m, MCOUNTEREN, 7);
    assert_int_equal(run_in(m, 1, CSRRS(5, TIME, 0), 0), ~0ull);
    assert_int_equal(run_in(m, 0, CSRRS(5, INSTRET, 0), 0), 2);   /* scounteren = 0 */
    tm_set_csr(m, SCOUNTEREN, 4);
    assert_int_equal(run_in(m, 0, CSRRS(5, INSTRET, 0), 0), ~0ull);
    assert_int_equal(run_in(m, 0, CSRRS(5, CYCLE, 0), 0), 2);
    /* time comes from the configured source at the exact instruction. */
    m->time = 1000;
    uint64_t before = hart_icount(m->h);
    assert_int_equal(run_in(m, 3, CSRRS(6, TIME, 0), 0), ~0ull);
    assert_int_equal(hart_get_xreg(m->h, 6), 1000 + before + 1);   /* after the MRET */
    tm_free(m);
}

/* mcountinhibit stops mcycle (CY) and minstret (IR) independently; a
 * stopped counter keeps its value and can still be written. */
static void test_mcountinhibit(void **st)
{
    (void)st;
    enum { MCOUNTINHIBIT = 0x320, MCYCLE = 0xb00, MINSTRET = 0xb02 };
    TestMachine *m = setup();
    Asm a = { m, PROG };
    uint64_t ex;
    emit(&a, CSRRW(0, MINSTRET, 0));      /* minstret = 0 after this one */
    emit(&a, ADDI(5, 0, 4));
    emit(&a, CSRRW(0, MCOUNTINHIBIT, 5)); /* stop IR: frozen at 1 (the addi) */
    emit(&a, NOP);
    emit(&a, NOP);
    emit(&a, CSRRS(6, MINSTRET, 0));      /* 1 */
    emit(&a, CSRRS(7, MCYCLE, 0));        /* cycles go on */
    emit(&a, CSRRW(0, MINSTRET, 5));      /* written while stopped: 4 */
    emit(&a, CSRRW(0, MCOUNTINHIBIT, 0)); /* restart: counts from the next one */
    emit(&a, NOP);
    emit(&a, CSRRS(8, MINSTRET, 0));      /* 4 + nop = 5 */
    emit(&a, CSRRS(9, MCOUNTINHIBIT, 0));
    hart_run(m->h, 12, &ex);
    assert_int_equal(ex, 12);
    assert_int_equal(hart_get_xreg(m->h, 6), 1);
    assert_int_equal(hart_get_xreg(m->h, 8), 5);
    assert_int_equal(hart_get_xreg(m->h, 9), 0);
    assert_int_equal(hart_get_xreg(m->h, 7), 6);   /* every step before it */
    tm_set_csr(m, MCOUNTINHIBIT, ~0ull);
    assert_int_equal(tm_csr(m, MCOUNTINHIBIT), 5);   /* only CY and IR exist */
    tm_free(m);
}

/* Sstc: stimecmp exists only with the extension; below M it needs
 * menvcfg.STCE and mcounteren.TM; writes reach the board's timer; with STCE
 * on, mip.STIP is the comparator's line and software cannot set it. */
static void test_sstc(void **st)
{
    (void)st;
    TestMachine *m = setup();
    assert_int_equal(run_in(m, 3, CSRRS(5, STIMECMP, 0), 0), 2);
    tm_set_csr(m, MENVCFG, 1ull << 63);
    assert_int_equal(tm_csr(m, MENVCFG), 0);
    tm_free(m);

    m = tm_new_ext(HART_EXT_SSTC);
    tm_w32(m, HALT, JAL(0, 0));
    tm_set_csr(m, MTVEC, HALT);
    tm_set_csr(m, PMPADDR0, (1ull << 54) - 1);
    tm_set_csr(m, PMPCFG0, 0x1f);
    assert_false(m->stce);
    hart_set_xreg(m->h, 5, 12345);
    assert_int_equal(run_in(m, 3, CSRRW(0, STIMECMP, 5), 0), ~0ull);    /* M: always */
    assert_int_equal(m->stimecmp, 12345);
    assert_false(m->stce);
    hart_set_xreg(m->h, 5, 777);
    assert_int_equal(run_in(m, 1, CSRRW(0, STIMECMP, 5), 0), 2);          /* STCE off */
    tm_set_csr(m, MENVCFG, 1ull << 63);
    assert_true(m->stce);
    assert_int_equal(run_in(m, 1, CSRRW(0, STIMECMP, 5), 0), 2);          /* TM off */
    tm_set_csr(m, MCOUNTEREN, 2);
    int calls = m->stimecmp_calls;
    assert_int_equal(run_in(m, 1, CSRRW(0, STIMECMP, 5), 0), ~0ull);
    assert_int_equal(m->stimecmp, 777);
    assert_int_equal(m->stimecmp_calls, calls + 1);
    assert_int_equal(run_in(m, 0, CSRRS(6, STIMECMP, 0), 0), 2);          /* never U */
    /* STIP: software writes are ignored, the line shows through. */
    tm_set_csr(m, MIP, 1u << 5);
    assert_int_equal(tm_csr(m, MIP) & (1u << 5), 0);
    hart_set_irq(m->h, MIP_STIP, true);
    assert_int_equal(tm_csr(m, MIP) & (1u << 5), 1u << 5);
    hart_set_irq(m->h, MIP_STIP, false);
    /* STCE off: STIP is software's again. */
    tm_set_csr(m, MENVCFG, 0);
    assert_false(m->stce);
    tm_set_csr(m, MIP, 1u << 5);
    assert_int_equal(tm_csr(m, MIP) & (1u << 5), 1u << 5);
    tm_free(m);
}

static void test_mprv(void **st)
{
    (void)st;
    TestMachine *m = setup();
    /* PMP: RAM below DATA is RWX for everyone; DATA's page has no entry. */
    tm_set_csr(m, PMPADDR0, DATA >> 2);
    tm_set_csr(m, PMPCFG0, 0x0f);     /* TOR RWX */
    Asm a = { m, PROG };
    asm_li(&a, 5, DATA);
    emit(&a, LD(6, 5, 0));
    emit(&a, EBREAK);
    uint64_t ex;
    hart_run(m->h, 10, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 3);       /* M ignores unlocked PMP */
    /* MPRV with MPP=U: the same load is checked as a U access. */
    tm_set_csr(m, MSTATUS, (tm_csr(m, MSTATUS) & ~(3ull << 11)) | (1ull << 17));
    hart_set_pc(m->h, PROG);
    hart_run(m->h, 9, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 5);
    assert_int_equal(tm_csr(m, MTVAL), DATA);
    assert_int_equal(tm_csr(m, MEPC), PROG + 32);
    /* Fetches are not affected by MPRV: the code ran in M above. */
    tm_free(m);
}

#define FADD_D(rd, a, b, rm) enc_r(0x01, (b), (a), (rm), (rd), 0x53)
#define FADD_S(rd, a, b, rm) enc_r(0x00, (b), (a), (rm), (rd), 0x53)
#define FMV_D_X(rd, rs) enc_r(0x79, 0, (rs), 0, (rd), 0x53)
#define FMV_X_D(rd, rs) enc_r(0x71, 0, (rs), 0, (rd), 0x53)
#define FMV_W_X(rd, rs) enc_r(0x78, 0, (rs), 0, (rd), 0x53)
#define FMV_X_W(rd, rs) enc_r(0x70, 0, (rs), 0, (rd), 0x53)
#define FDIV_D(rd, a, b, rm) enc_r(0x0d, (b), (a), (rm), (rd), 0x53)

static void test_fp_state(void **st)
{
    (void)st;
    TestMachine *m = setup();
    Asm a = { m, PROG };
    emit(&a, FADD_D(1, 2, 3, 7));
    uint64_t ex;
    hart_run(m->h, 1, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 2);           /* FS = Off */
    assert_int_equal(run_in(m, 3, CSRRS(5, FCSR, 0), 0), 2);

    tm_set_csr(m, MSTATUS, tm_csr(m, MSTATUS) | (1ull << FS_SHIFT));   /* Initial */
    a.pc = PROG + 0x100;
    hart_set_pc(m->h, a.pc);
    asm_li(&a, 5, 0x3ff0000000000000ull);     /* 1.0 */
    emit(&a, FMV_D_X(2, 5));
    emit(&a, FADD_D(1, 2, 2, 7));
    emit(&a, FMV_X_D(6, 1));
    asm_li(&a, 5, 0x3f800000);                /* 1.0f */
    emit(&a, FMV_W_X(4, 5));
    emit(&a, FADD_S(5, 4, 4, 0));
    emit(&a, FMV_X_W(7, 5));
    emit(&a, FMV_D_X(6, 5));                  /* 1.0f without NaN-boxing */
    emit(&a, FADD_S(7, 6, 6, 0));
    emit(&a, FMV_X_W(8, 7));
    emit(&a, EBREAK);
    hart_run(m->h, 8 + 3 + 8 + 6 + 1, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    assert_int_equal(hart_get_xreg(m->h, 6), 0x4000000000000000ull);   /* 2.0 */
    assert_int_equal(hart_get_xreg(m->h, 7), 0x40000000);               /* 2.0f */
    uint64_t f5;
    assert_true(hart_read_reg(m->h, 33 + 5, &f5));
    assert_int_equal(f5, 0xffffffff40000000ull);                        /* boxed */
    assert_int_equal(hart_get_xreg(m->h, 8), 0x7fc00000);               /* canonical NaN */
    uint64_t ms = tm_csr(m, MSTATUS);
    assert_int_equal((ms >> FS_SHIFT) & 3, 3);                          /* Dirty */
    assert_true(ms >> 63);                                              /* SD */

    /* 1/0 raises DZ in fflags; an invalid frm with rm=dyn is illegal. */
    a.pc = PROG + 0x400;
    hart_set_pc(m->h, a.pc);
    emit(&a, FMV_D_X(3, 0));
    emit(&a, FDIV_D(1, 2, 3, 7));
    emit(&a, CSRRS(9, FCSR, 0));
    emit(&a, EBREAK);
    hart_run(m->h, 4, &ex);
    assert_int_equal(hart_get_xreg(m->h, 9) & 0x1f, 8);
    tm_set_csr(m, FCSR, 5 << 5);
    assert_int_equal(run_in(m, 3, FADD_D(1, 2, 2, 7), 0), 2);
    assert_int_equal(run_in(m, 3, FADD_D(1, 2, 2, 0), 0), ~0ull);       /* static rm fine */
    tm_free(m);
}

/* 3.1.9: CSRRS/CSRRC on mip must not latch the external SEIP line into the
 * software-writable SEIP bit (a Linux boot stormed on SEIP because of it). */
static void test_mip_seip_rmw(void **st)
{
    (void)st;
    TestMachine *m = setup();
    Asm a = { m, PROG };
    emit(&a, ADDI(5, 0, 0x20));
    emit(&a, CSRRS(6, 0x344, 5));      /* set STIP */
    emit(&a, CSRRC(7, 0x344, 5));      /* clear STIP */
    emit(&a, JAL(0, 0));
    hart_set_irq(m->h, MIP_SEIP, true);
    uint64_t ex;
    hart_run(m->h, 3, &ex);
    assert_int_equal(hart_get_xreg(m->h, 6), MIP_SEIP);            /* reads see the line */
    assert_int_equal(hart_get_xreg(m->h, 7), MIP_SEIP | MIP_STIP);
    hart_set_irq(m->h, MIP_SEIP, false);
    assert_int_equal(tm_csr(m, 0x344), 0);
    tm_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trap_controls),
        cmocka_unit_test(test_counter_enable),
        cmocka_unit_test(test_mcountinhibit),
        cmocka_unit_test(test_sstc),
        cmocka_unit_test(test_mprv),
        cmocka_unit_test(test_fp_state),
        cmocka_unit_test(test_mip_seip_rmw),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
