/* Hart performance counters and state enables: the programmable counters
 * (Zihpm) against mcycle/minstret at every step, their inhibit, writes and
 * events, access from S/U; Sscofpmf's overflow interrupt at the exact step,
 * its mode filters and delegation; Smstateen's access rules; snapshots of
 * all of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpu_test_util.h"
#include "snapshots/vmstate.h"

#define PROG TM_RAM_BASE
#define HALT (TM_RAM_BASE + 0x3000)
#define HANDLER (TM_RAM_BASE + 0x3100)
#define SHANDLER (TM_RAM_BASE + 0x3200)
#define STUB (TM_RAM_BASE + 0x3300)

enum {
    SSTATUS = 0x100, SIE = 0x104, STVEC = 0x105, SCOUNTEREN = 0x106, SENVCFG = 0x10a,
    SSTATEEN0 = 0x10c, SEPC = 0x141, SCAUSE = 0x142, SIP = 0x144,
    MSTATUS = 0x300, MIDELEG = 0x303, MIE = 0x304, MTVEC = 0x305, MCOUNTEREN = 0x306,
    MSTATEEN0 = 0x30c, MCOUNTINHIBIT = 0x320, MHPMEVENT3 = 0x323,
    MEPC = 0x341, MCAUSE = 0x342, MIP = 0x344, PMPCFG0 = 0x3a0, PMPADDR0 = 0x3b0,
    MCYCLE = 0xb00, MINSTRET = 0xb02, MHPMCOUNTER3 = 0xb03, HPMCOUNTER3 = 0xc03,
    SCOUNTOVF = 0xda0,
};
#define MHPMEVENT(n) (MHPMEVENT3 + (n) - 3)
#define MHPMCOUNTER(n) (MHPMCOUNTER3 + (n) - 3)
#define HPMCOUNTER(n) (HPMCOUNTER3 + (n) - 3)

#define EV_CYCLES 1ull
#define EV_INSTRET 2ull
#define EV_DTLB_READ_MISS 0x10019ull
#define OF (1ull << 63)
#define MINH (1ull << 62)
#define SINH (1ull << 61)
#define UINH (1ull << 60)
#define LCOFIP (1ull << 13)
#define IRQ(n) ((1ull << 63) | (n))
#define MSTATUS_MIE (1ull << 3)
#define MSTATUS_SIE (1ull << 1)
#define MPP_SHIFT 11
#define SE (1ull << 63)
#define ENVCFG (1ull << 62)

#define PMU (HART_EXT_ZIHPM | HART_EXT_SSCOFPMF)

static TestMachine *setup(uint64_t ext, uint32_t pmu_num)
{
    TestMachine *m = tm_new_pmu(ext, pmu_num);
    tm_w32(m, HALT, JAL(0, 0));
    tm_set_csr(m, MTVEC, HALT);
    tm_set_csr(m, PMPADDR0, (1ull << 54) - 1);
    tm_set_csr(m, PMPCFG0, 0x1f);
    return m;
}

static HartExit run(TestMachine *m, uint64_t budget, uint64_t *ex)
{
    return hart_run(m->h, budget, ex);
}

/* Run one instruction `insn` in privilege `priv` (via MRET) and return mcause
 * (or ~0 when it did not trap). An ECALL after it brings the hart back to M. */
static uint64_t run_in(TestMachine *m, int priv, uint32_t insn)
{
    uint64_t at = PROG + 0x1000 + (uint64_t)(m->slot++ % 64) * 0x10;
    tm_w32(m, at, insn);
    tm_w32(m, at + 4, ECALL);
    tm_w32(m, STUB, MRET);
    tm_set_csr(m, MTVEC, HALT);
    tm_set_csr(m, MCAUSE, ~0ull);
    tm_set_csr(m, MEPC, at);
    uint64_t ms = tm_csr(m, MSTATUS) & ~(3ull << MPP_SHIFT);
    tm_set_csr(m, MSTATUS, ms | ((uint64_t)priv << MPP_SHIFT));
    hart_set_pc(m->h, STUB);
    uint64_t ex;
    run(m, 3, &ex);
    assert_int_equal(hart_priv(m->h), 3);
    uint64_t cause = tm_csr(m, MCAUSE);
    return cause == 8 || cause == 9 || cause == 11 ? ~0ull : cause;
}

/* Enter `priv` at pc through an MRET at STUB. */
static void enter(TestMachine *m, int priv, uint64_t pc, uint64_t mstatus_set)
{
    tm_w32(m, STUB, MRET);
    tm_set_csr(m, MEPC, pc);
    uint64_t ms = tm_csr(m, MSTATUS) & ~(3ull << MPP_SHIFT);
    tm_set_csr(m, MSTATUS, ms | ((uint64_t)priv << MPP_SHIFT) | mstatus_set);
    hart_set_pc(m->h, STUB);
}

/* Without Zihpm the hart is QEMU 7.2's with pmu-num=0: no programmable
 * counters (illegal from any mode), mhpmevent3..31 plain storage; without
 * Sscofpmf and Smstateen their CSRs and the LCOFI bits do not exist. */
static void test_absent(void **st)
{
    (void)st;
    TestMachine *m = setup(0, 0);
    uint64_t v;
    assert_false(hart_read_reg(m->h, 65 + MHPMCOUNTER3, &v));
    assert_int_equal(run_in(m, 3, CSRRS(5, MHPMCOUNTER3, 0)), 2);
    assert_int_equal(run_in(m, 3, CSRRW(0, MHPMCOUNTER(31), 0)), 2);
    assert_int_equal(run_in(m, 3, CSRRS(5, HPMCOUNTER3, 0)), 2);
    tm_set_csr(m, MHPMEVENT(31), 0x1234);
    assert_int_equal(tm_csr(m, MHPMEVENT(31)), 0x1234);
    assert_int_equal(run_in(m, 3, CSRRS(5, MHPMEVENT3, 0)), ~0ull);
    tm_set_csr(m, MCOUNTINHIBIT, ~0ull);
    assert_int_equal(tm_csr(m, MCOUNTINHIBIT), 5);
    tm_set_csr(m, MCOUNTINHIBIT, 0);
    assert_int_equal(run_in(m, 3, CSRRS(5, SCOUNTOVF, 0)), 2);
    assert_int_equal(run_in(m, 3, CSRRS(5, MSTATEEN0, 0)), 2);
    assert_int_equal(run_in(m, 3, CSRRS(5, MSTATEEN0 + 3, 0)), 2);
    assert_int_equal(run_in(m, 3, CSRRS(5, SSTATEEN0, 0)), 2);
    tm_set_csr(m, MIE, ~0ull);
    assert_int_equal(tm_csr(m, MIE), 0xaaa);
    tm_set_csr(m, MIDELEG, ~0ull);
    assert_int_equal(tm_csr(m, MIDELEG), 0x222);
    tm_set_csr(m, MIP, LCOFIP);
    assert_int_equal(tm_csr(m, MIP) & LCOFIP, 0);
    /* senvcfg is S's to use when there is no Smstateen. */
    assert_int_equal(run_in(m, 1, CSRRS(5, SENVCFG, 0)), ~0ull);
    tm_free(m);

    /* A hart cannot have more counters than there are CSRs for. */
    AddressSpace as;
    mem_init(&as);
    HartConfig cfg = { .ext = HART_EXT_ZIHPM, .pmu_num = 30 };
    Error *err = NULL;
    assert_null(hart_new(&as, &cfg, &err));
    assert_non_null(err);
    error_free(err);
    mem_destroy(&as);
}

/* pmu-num counters from mhpmcounter3 on; the others do not exist, for M
 * too, and their mcountinhibit bits are read-only zero. */
static void test_counter_set(void **st)
{
    (void)st;
    TestMachine *m = setup(HART_EXT_ZIHPM, 4);
    uint64_t v;
    assert_true(hart_read_reg(m->h, 65 + MHPMCOUNTER(6), &v));
    assert_false(hart_read_reg(m->h, 65 + MHPMCOUNTER(7), &v));
    assert_int_equal(run_in(m, 3, CSRRS(5, HPMCOUNTER(6), 0)), ~0ull);
    assert_int_equal(run_in(m, 3, CSRRS(5, HPMCOUNTER(7), 0)), 2);
    assert_int_equal(run_in(m, 3, CSRRW(0, MHPMCOUNTER(7), 0)), 2);
    tm_set_csr(m, MHPMEVENT(20), 7);
    assert_int_equal(tm_csr(m, MHPMEVENT(20)), 7);
    tm_set_csr(m, MCOUNTINHIBIT, ~0ull);
    assert_int_equal(tm_csr(m, MCOUNTINHIBIT), 0x7d);
    tm_free(m);

    m = setup(HART_EXT_ZIHPM, 0);   /* QEMU's default: 16 */
    assert_true(hart_read_reg(m->h, 65 + MHPMCOUNTER(18), &v));
    assert_false(hart_read_reg(m->h, 65 + MHPMCOUNTER(19), &v));
    tm_set_csr(m, MCOUNTINHIBIT, ~0ull);
    assert_int_equal(tm_csr(m, MCOUNTINHIBIT), 5 | (0xffffull << 3));
    tm_free(m);

    m = setup(HART_EXT_ZIHPM, 29);
    assert_true(hart_read_reg(m->h, 65 + MHPMCOUNTER(31), &v));
    tm_set_csr(m, MCOUNTINHIBIT, ~0ull);
    assert_int_equal(tm_csr(m, MCOUNTINHIBIT), 0xfffffffdull);
    tm_free(m);
}

/* A loop with an ecall (handled in M, mepc += 4) in it. */
static void emit_ecall_loop(TestMachine *m)
{
    Asm a = { m, PROG };
    emit(&a, ADDI(5, 0, 20));
    emit(&a, ADDI(5, 5, -1));
    emit(&a, ECALL);
    emit(&a, BNE(5, 0, -8));
    emit(&a, JAL(0, 0));
    Asm h = { m, HANDLER };
    emit(&h, CSRRS(6, MEPC, 0));
    emit(&h, ADDI(6, 6, 4));
    emit(&h, CSRRW(0, MEPC, 6));
    emit(&h, MRET);
    tm_set_csr(m, MTVEC, HANDLER);
    tm_set_csr(m, MHPMEVENT(3), EV_CYCLES);
    tm_set_csr(m, MHPMEVENT(4), EV_INSTRET);
    tm_set_csr(m, MHPMEVENT(5), EV_DTLB_READ_MISS);
    tm_set_csr(m, MHPMCOUNTER(3), 1000);
    tm_set_csr(m, MHPMCOUNTER(4), 2000);
    tm_set_csr(m, MHPMCOUNTER(5), 7);
    tm_set_csr(m, MCYCLE, 0);
    tm_set_csr(m, MINSTRET, 0);
}

/* Cycles and instructions count exactly as mcycle and minstret do, at every
 * step boundary, whether the run is sliced into single steps or not; an
 * event the hart cannot see counts nothing. */
static void test_counts_exact(void **st)
{
    (void)st;
    TestMachine *a = setup(HART_EXT_ZIHPM, 0), *b = setup(HART_EXT_ZIHPM, 0);
    uint64_t ex;
    emit_ecall_loop(a);
    emit_ecall_loop(b);
    /* A debugger write is exact: the value reads back. */
    assert_int_equal(tm_csr(a, MHPMCOUNTER(3)), 1000);
    assert_int_equal(tm_csr(a, MINSTRET), 0);
    for (int i = 1; i <= 150; i++) {
        run(a, 1, &ex);
        assert_int_equal(ex, 1);
        assert_int_equal(tm_csr(a, MCYCLE), (uint64_t)i);
        assert_int_equal(tm_csr(a, MHPMCOUNTER(3)), 1000 + tm_csr(a, MCYCLE));
        assert_int_equal(tm_csr(a, MHPMCOUNTER(4)), 2000 + tm_csr(a, MINSTRET));
        assert_int_equal(tm_csr(a, MHPMCOUNTER(5)), 7);
    }
    /* 20 ecalls: steps, not retired instructions. */
    assert_int_equal(tm_csr(a, MINSTRET), 130);
    run(b, 150, &ex);
    assert_int_equal(ex, 150);
    for (unsigned n = 3; n <= 5; n++)
        assert_int_equal(tm_csr(b, MHPMCOUNTER(n)), tm_csr(a, MHPMCOUNTER(n)));
    tm_free(a);
    tm_free(b);
}

/* A written value is the value after the writing instruction; inhibiting
 * freezes the value before the inhibiting instruction, and a restart counts
 * from the next one; an event change starts and stops counting alike. */
static void test_write_inhibit_event(void **st)
{
    (void)st;
    TestMachine *m = setup(HART_EXT_ZIHPM, 0);
    Asm a = { m, PROG };
    uint64_t ex;
    tm_set_csr(m, MHPMEVENT(3), EV_INSTRET);
    emit(&a, ADDI(5, 0, 100));
    emit(&a, CSRRW(0, MHPMCOUNTER(3), 5));
    emit(&a, CSRRS(6, MHPMCOUNTER(3), 0));    /* 100 */
    emit(&a, NOP);
    emit(&a, CSRRS(7, MHPMCOUNTER(3), 0));    /* 102 */
    emit(&a, ADDI(8, 0, 8));
    emit(&a, CSRRS(0, MCOUNTINHIBIT, 8));     /* stop: frozen at 104 */
    emit(&a, NOP);
    emit(&a, CSRRS(9, MHPMCOUNTER(3), 0));    /* 104 */
    emit(&a, CSRRW(0, MHPMCOUNTER(3), 5));    /* written while stopped: 100 */
    emit(&a, CSRRC(0, MCOUNTINHIBIT, 8));     /* restart after this one */
    emit(&a, NOP);
    emit(&a, CSRRS(10, MHPMCOUNTER(3), 0));   /* 101 */
    emit(&a, CSRRW(0, MHPMEVENT(3), 0));      /* no event: frozen at 102 */
    emit(&a, NOP);
    emit(&a, CSRRS(11, MHPMCOUNTER(3), 0));   /* 102 */
    emit(&a, ADDI(12, 0, (int32_t)EV_CYCLES));
    emit(&a, CSRRW(0, MHPMEVENT(3), 12));     /* cycles from the next one */
    emit(&a, NOP);
    emit(&a, CSRRS(13, MHPMCOUNTER(3), 0));   /* 103 */
    emit(&a, CSRRS(14, MCOUNTINHIBIT, 0));
    run(m, 21, &ex);
    assert_int_equal(ex, 21);
    assert_int_equal(hart_get_xreg(m->h, 6), 100);
    assert_int_equal(hart_get_xreg(m->h, 7), 102);
    assert_int_equal(hart_get_xreg(m->h, 9), 104);
    assert_int_equal(hart_get_xreg(m->h, 10), 101);
    assert_int_equal(hart_get_xreg(m->h, 11), 102);
    assert_int_equal(hart_get_xreg(m->h, 13), 103);
    assert_int_equal(hart_get_xreg(m->h, 14), 0);
    tm_free(m);
}

/* An exception step while minstret is inhibited leaves it alone. */
static void test_minstret_inhibited(void **st)
{
    (void)st;
    TestMachine *m = setup(0, 0);
    uint64_t ex;
    tm_w32(m, PROG, ECALL);
    tm_set_csr(m, MINSTRET, 50);
    tm_set_csr(m, MCOUNTINHIBIT, 4);
    run(m, 3, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 11);
    assert_int_equal(tm_csr(m, MINSTRET), 50);
    tm_set_csr(m, MCOUNTINHIBIT, 0);
    run(m, 3, &ex);
    assert_int_equal(tm_csr(m, MINSTRET), 53);
    tm_free(m);
}

/* hpmcounterN below M: mcounteren for S, mcounteren and scounteren for U,
 * as for cycle and instret; a counter the hart does not have is illegal
 * whatever the enables say. The S view is the M counter. */
static void test_counteren(void **st)
{
    (void)st;
    TestMachine *m = setup(HART_EXT_ZIHPM, 0);
    tm_set_csr(m, MHPMEVENT(3), EV_CYCLES);
    assert_int_equal(run_in(m, 1, CSRRS(5, HPMCOUNTER(3), 0)), 2);
    tm_set_csr(m, MCOUNTEREN, 1ull << 3);
    uint64_t before = tm_csr(m, MHPMCOUNTER(3));
    assert_int_equal(run_in(m, 1, CSRRS(5, HPMCOUNTER(3), 0)), ~0ull);
    assert_int_equal(hart_get_xreg(m->h, 5), before + 1);   /* after the MRET */
    assert_int_equal(run_in(m, 1, CSRRS(5, HPMCOUNTER(4), 0)), 2);
    assert_int_equal(run_in(m, 0, CSRRS(5, HPMCOUNTER(3), 0)), 2);
    tm_set_csr(m, SCOUNTEREN, 1ull << 3);
    assert_int_equal(run_in(m, 0, CSRRS(5, HPMCOUNTER(3), 0)), ~0ull);
    tm_set_csr(m, MCOUNTEREN, ~0ull);
    tm_set_csr(m, SCOUNTEREN, ~0ull);
    assert_int_equal(run_in(m, 1, CSRRS(5, HPMCOUNTER(19), 0)), 2);
    assert_int_equal(run_in(m, 0, CSRRS(5, HPMCOUNTER(18), 0)), ~0ull);
    /* The M counters stay M's. */
    assert_int_equal(run_in(m, 1, CSRRS(5, MHPMCOUNTER(3), 0)), 2);
    assert_int_equal(run_in(m, 1, CSRRS(5, MHPMEVENT(3), 0)), 2);
    tm_free(m);
}

/* Ten increments after setting a counter to wrap after `left` events. */
static void emit_overflow_prog(TestMachine *m, uint64_t event, uint64_t left)
{
    Asm a = { m, PROG };
    for (int i = 0; i < 10; i++)
        emit(&a, ADDI(5, 5, 1));
    emit(&a, JAL(0, 0));
    tm_set_csr(m, MHPMEVENT(3), event);
    tm_set_csr(m, MHPMCOUNTER(3), 0 - left);
    tm_set_csr(m, MIE, LCOFIP);
    tm_set_csr(m, MSTATUS, tm_csr(m, MSTATUS) | MSTATUS_MIE);
}

/* Sscofpmf: the overflowing step sets OF and mip.LCOFIP, and the interrupt
 * is taken right after it, mid-block, however the run is sliced. */
static void test_overflow_exact(void **st)
{
    (void)st;
    static const uint64_t slices[] = { 1, 3, 100 };
    for (size_t k = 0; k < sizeof(slices) / sizeof(slices[0]); k++) {
        uint64_t slice = slices[k];
        TestMachine *m = setup(PMU, 0);
        uint64_t ex, total = 0;
        emit_overflow_prog(m, EV_INSTRET, 5);
        while (total < 100) {
            run(m, slice < 100 - total ? slice : 100 - total, &ex);
            total += ex;
        }
        assert_int_equal(total, 100);
        assert_int_equal(tm_csr(m, MCAUSE), IRQ(13));
        assert_int_equal(tm_csr(m, MEPC), PROG + 20);
        assert_int_equal(hart_get_xreg(m->h, 5), 5);
        assert_int_equal(tm_csr(m, MHPMEVENT(3)), OF | EV_INSTRET);
        assert_int_equal(tm_csr(m, MIP) & LCOFIP, LCOFIP);
        assert_int_equal(tm_csr(m, SCOUNTOVF), 1ull << 3);
        /* It went on counting from 0: the handler's 95 steps. */
        assert_int_equal(tm_csr(m, MHPMCOUNTER(3)), 95);
        tm_free(m);
    }
}

/* A cycle wraps on an exception step; an instruction does not (it did not
 * retire), so that counter wraps on the next retired one. With OF already
 * set, a wrap raises nothing. */
static void test_overflow_exception(void **st)
{
    (void)st;
    for (int ir = 0; ir < 2; ir++) {
        TestMachine *m = setup(PMU, 0);
        Asm a = { m, PROG };
        uint64_t ex;
        emit(&a, ADDI(5, 5, 1));
        emit(&a, ECALL);
        tm_set_csr(m, MHPMEVENT(3), ir ? EV_INSTRET : EV_CYCLES);
        tm_set_csr(m, MHPMCOUNTER(3), 0 - 2ull);
        run(m, 1, &ex);
        assert_int_equal(tm_csr(m, MIP) & LCOFIP, 0);
        run(m, 1, &ex);                            /* the ecall */
        assert_int_equal(tm_csr(m, MCAUSE), 11);
        assert_int_equal(tm_csr(m, MIP) & LCOFIP, ir ? 0 : LCOFIP);
        assert_int_equal(tm_csr(m, MHPMCOUNTER(3)), ir ? ~0ull : 0);
        run(m, 1, &ex);                            /* the halt loop's jal */
        assert_int_equal(tm_csr(m, MIP) & LCOFIP, LCOFIP);
        assert_int_equal(tm_csr(m, MHPMEVENT(3)) & OF, OF);
        tm_free(m);
    }

    TestMachine *m = setup(PMU, 0);
    uint64_t ex;
    emit_overflow_prog(m, OF | EV_CYCLES, 1);
    run(m, 3, &ex);
    assert_int_equal(ex, 3);
    assert_int_equal(tm_csr(m, MIP) & LCOFIP, 0);
    assert_int_equal(tm_csr(m, MHPMCOUNTER(3)), 2);
    assert_int_equal(hart_get_xreg(m->h, 5), 3);
    /* Clearing OF re-arms it; software clears LCOFIP in mip. */
    tm_set_csr(m, MHPMCOUNTER(3), ~0ull);
    tm_set_csr(m, MHPMEVENT(3), EV_CYCLES);
    run(m, 10, &ex);
    assert_int_equal(tm_csr(m, MEPC), PROG + 16);
    assert_int_equal(tm_csr(m, MCAUSE), IRQ(13));
    tm_set_csr(m, MIP, 0);
    assert_int_equal(tm_csr(m, MIP) & LCOFIP, 0);
    tm_free(m);
}

/* Delegated (mideleg[13]), the overflow interrupt goes to S with sie.LCOFIE
 * and sstatus.SIE; sip.LCOFIP is S's to clear. */
static void test_overflow_delegated(void **st)
{
    (void)st;
    TestMachine *m = setup(PMU, 0);
    Asm a = { m, PROG };
    uint64_t ex;
    for (int i = 0; i < 10; i++)
        emit(&a, ADDI(5, 5, 1));
    tm_w32(m, SHANDLER, JAL(0, 0));
    tm_set_csr(m, STVEC, SHANDLER);
    tm_set_csr(m, MIDELEG, LCOFIP);
    assert_int_equal(tm_csr(m, MIDELEG), LCOFIP);
    tm_set_csr(m, SIE, LCOFIP);
    assert_int_equal(tm_csr(m, MIE), LCOFIP);
    tm_set_csr(m, MHPMEVENT(3), EV_CYCLES);
    tm_set_csr(m, MHPMCOUNTER(3), 0 - 4ull);   /* the MRET and 3 addi */
    enter(m, 1, PROG, 0);
    tm_set_csr(m, SSTATUS, tm_csr(m, SSTATUS) | MSTATUS_SIE);
    run(m, 20, &ex);
    assert_int_equal(ex, 20);
    assert_int_equal(hart_priv(m->h), 1);
    assert_int_equal(tm_csr(m, SCAUSE), IRQ(13));
    assert_int_equal(tm_csr(m, SEPC), PROG + 12);
    assert_int_equal(tm_csr(m, SIP), LCOFIP);
    tm_set_csr(m, SIP, 0);
    assert_int_equal(tm_csr(m, MIP) & LCOFIP, 0);
    tm_free(m);
}

/* MINH/SINH/UINH: a counter counts the steps that run in the modes it is
 * not inhibited in (an xRET runs in the mode it leaves, an exception step
 * in the mode it came from); a wrap on the last step before a mode that
 * stops the counter is still an overflow. */
static void test_mode_filter(void **st)
{
    (void)st;
    for (uint64_t slice = 1; slice <= 7; slice += 6) {
        TestMachine *m = setup(PMU, 0);
        Asm a = { m, PROG }, h = { m, HANDLER };
        uint64_t ex, total = 0;
        emit(&a, ADDI(5, 5, 1));
        emit(&a, ADDI(5, 5, 1));
        emit(&a, ADDI(5, 5, 1));
        emit(&a, ECALL);
        emit(&h, ADDI(6, 6, 1));
        emit(&h, ADDI(6, 6, 1));
        emit(&h, JAL(0, 0));
        tm_set_csr(m, MTVEC, HANDLER);
        tm_set_csr(m, MHPMEVENT(3), MINH | EV_CYCLES);
        tm_set_csr(m, MHPMEVENT(4), MINH | EV_INSTRET);
        tm_set_csr(m, MHPMEVENT(5), UINH | EV_CYCLES);
        tm_set_csr(m, MHPMEVENT(6), MINH | SINH | EV_CYCLES);
        tm_set_csr(m, MHPMCOUNTER(6), 0 - 4ull);
        tm_set_csr(m, MIE, LCOFIP);
        enter(m, 0, PROG, 0);
        while (total < 7) {
            run(m, slice, &ex);
            total += ex;
        }
        assert_int_equal(hart_priv(m->h), 3);
        assert_int_equal(tm_csr(m, MCAUSE), 8);
        assert_int_equal(tm_csr(m, MHPMCOUNTER(3)), 4);   /* 3 addi + ecall */
        assert_int_equal(tm_csr(m, MHPMCOUNTER(4)), 3);   /* the ecall did not retire */
        assert_int_equal(tm_csr(m, MHPMCOUNTER(5)), 3);   /* mret + 2 addi in M */
        assert_int_equal(tm_csr(m, MHPMCOUNTER(6)), 0);
        assert_int_equal(tm_csr(m, MHPMEVENT(6)) & OF, OF);
        assert_int_equal(tm_csr(m, MIP) & LCOFIP, LCOFIP);   /* MIE off in M */
        tm_free(m);
    }
}

/* LCOFI comes after the standard interrupts (priv spec 3.1.9). */
static void test_lcofi_priority(void **st)
{
    (void)st;
    TestMachine *m = setup(PMU, 0);
    uint64_t ex;
    tm_w32(m, PROG, NOP);
    tm_set_csr(m, MIE, LCOFIP | MIP_STIP);
    tm_set_csr(m, MIP, LCOFIP | MIP_STIP);
    tm_set_csr(m, MSTATUS, tm_csr(m, MSTATUS) | MSTATUS_MIE);
    run(m, 1, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), IRQ(5));
    tm_set_csr(m, MIP, LCOFIP);
    tm_set_csr(m, MSTATUS, tm_csr(m, MSTATUS) | MSTATUS_MIE);
    run(m, 1, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), IRQ(13));
    tm_free(m);
}

/* scountovf: read-only OF bits; below M only where mcounteren allows. */
static void test_scountovf(void **st)
{
    (void)st;
    TestMachine *m = setup(PMU, 0);
    tm_set_csr(m, MHPMEVENT(3), OF);
    tm_set_csr(m, MHPMEVENT(5), OF | EV_INSTRET);
    assert_int_equal(tm_csr(m, SCOUNTOVF), 0x28);
    assert_int_equal(run_in(m, 3, CSRRS(5, SCOUNTOVF, 0)), ~0ull);
    assert_int_equal(hart_get_xreg(m->h, 5), 0x28);
    assert_int_equal(run_in(m, 3, CSRRW(0, SCOUNTOVF, 0)), 2);
    tm_set_csr(m, MCOUNTEREN, 1ull << 3);
    assert_int_equal(run_in(m, 1, CSRRS(5, SCOUNTOVF, 0)), ~0ull);
    assert_int_equal(hart_get_xreg(m->h, 5), 0x8);
    assert_int_equal(run_in(m, 0, CSRRS(5, SCOUNTOVF, 0)), 2);
    tm_free(m);
}

/* Smstateen: mstateen0 has SE0 and ENVCFG, mstateen1-3 their SE bit, the
 * sstateen CSRs nothing (no state of theirs on this hart); sstateenN is S's
 * only with mstateenN.SE, senvcfg only with mstateen0.ENVCFG. */
static void test_smstateen(void **st)
{
    (void)st;
    TestMachine *m = setup(HART_EXT_SMSTATEEN, 0);
    tm_set_csr(m, MSTATEEN0, ~0ull);
    assert_int_equal(tm_csr(m, MSTATEEN0), SE | ENVCFG);
    tm_set_csr(m, MSTATEEN0 + 1, ~0ull);
    assert_int_equal(tm_csr(m, MSTATEEN0 + 1), SE);
    tm_set_csr(m, SSTATEEN0, ~0ull);
    assert_int_equal(tm_csr(m, SSTATEEN0), 0);
    assert_int_equal(run_in(m, 1, CSRRS(5, SSTATEEN0, 0)), ~0ull);
    assert_int_equal(run_in(m, 1, CSRRS(5, SENVCFG, 0)), ~0ull);
    assert_int_equal(run_in(m, 1, CSRRS(5, SSTATEEN0 + 2, 0)), 2);   /* mstateen2 = 0 */
    tm_set_csr(m, MSTATEEN0, 0);
    assert_int_equal(run_in(m, 1, CSRRS(5, SSTATEEN0, 0)), 2);
    assert_int_equal(run_in(m, 1, CSRRW(0, SSTATEEN0, 0)), 2);
    assert_int_equal(run_in(m, 1, CSRRS(5, SENVCFG, 0)), 2);
    assert_int_equal(run_in(m, 1, CSRRW(0, SENVCFG, 0)), 2);
    assert_int_equal(run_in(m, 1, CSRRS(5, SSTATEEN0 + 1, 0)), ~0ull);  /* mstateen1.SE */
    assert_int_equal(run_in(m, 0, CSRRS(5, SSTATEEN0 + 1, 0)), 2);
    assert_int_equal(run_in(m, 1, CSRRS(5, MSTATEEN0, 0)), 2);
    /* M is not bound by them. */
    assert_int_equal(run_in(m, 3, CSRRS(5, SSTATEEN0, 0)), ~0ull);
    assert_int_equal(run_in(m, 3, CSRRS(5, SENVCFG, 0)), ~0ull);
    tm_set_csr(m, MSTATEEN0, SE);
    assert_int_equal(run_in(m, 1, CSRRW(0, SSTATEEN0, 0)), ~0ull);
    assert_int_equal(run_in(m, 1, CSRRS(5, SENVCFG, 0)), 2);
    tm_free(m);
}

/* Everything new is state: a hart loaded from a snapshot taken mid-way
 * saves the same bytes and takes the same overflow at the same step. */
static void test_snapshot(void **st)
{
    (void)st;
    const uint64_t ext = PMU | HART_EXT_SMSTATEEN;
    TestMachine *a = setup(ext, 8), *b = setup(ext, 8);
    Asm p = { a, PROG };
    uint64_t ex;
    for (int i = 0; i < 40; i++)
        emit(&p, i % 8 == 7 ? ECALL : ADDI(5, 5, 1));
    emit(&p, JAL(0, 0));
    Asm h = { a, HANDLER };
    emit(&h, CSRRS(6, MEPC, 0));
    emit(&h, ADDI(6, 6, 4));
    emit(&h, CSRRW(0, MEPC, 6));
    emit(&h, MRET);
    tm_set_csr(a, MTVEC, HANDLER);
    tm_w32(a, SHANDLER, JAL(0, 0));
    tm_set_csr(a, STVEC, SHANDLER);
    tm_set_csr(a, MHPMEVENT(3), MINH | EV_INSTRET);
    tm_set_csr(a, MHPMCOUNTER(3), 0 - 20ull);
    tm_set_csr(a, MHPMEVENT(4), EV_CYCLES);
    tm_set_csr(a, MHPMCOUNTER(4), 12345);
    tm_set_csr(a, MHPMEVENT(5), EV_CYCLES);
    tm_set_csr(a, MHPMCOUNTER(5), 77);
    tm_set_csr(a, MCOUNTINHIBIT, 1ull << 5);
    tm_set_csr(a, MHPMEVENT(6), OF | 0x1234);
    tm_set_csr(a, MHPMEVENT(30), 0xabcd);
    tm_set_csr(a, MSTATEEN0, SE | ENVCFG);
    tm_set_csr(a, MSTATEEN0 + 3, SE);
    tm_set_csr(a, MIDELEG, LCOFIP);
    tm_set_csr(a, MIE, LCOFIP | MIP_MTIP);
    enter(a, 0, PROG, 0);
    run(a, 9, &ex);

    VMBuf s1, s2;
    vmbuf_init(&s1);
    vmbuf_init(&s2);
    vmstate_save(&hart_vmsd, hart_state_ptr(a->h), &s1);
    size_t used = 0;
    Error *err = NULL;
    assert_true(vmstate_load(&hart_vmsd, hart_state_ptr(b->h), s1.data, s1.len, &used, &err));
    assert_int_equal(used, s1.len);
    vmstate_save(&hart_vmsd, hart_state_ptr(b->h), &s2);
    assert_int_equal(s1.len, s2.len);
    assert_memory_equal(s1.data, s2.data, s1.len);
    memcpy(b->ram, a->ram, 0x4000);
    for (unsigned n = 3; n <= 6; n++) {
        assert_int_equal(tm_csr(b, MHPMCOUNTER(n)), tm_csr(a, MHPMCOUNTER(n)));
        assert_int_equal(tm_csr(b, MHPMEVENT(n)), tm_csr(a, MHPMEVENT(n)));
    }
    assert_int_equal(tm_csr(b, MHPMEVENT(30)), 0xabcd);
    assert_int_equal(tm_csr(b, MSTATEEN0), SE | ENVCFG);
    assert_int_equal(tm_csr(b, MSTATEEN0 + 3), SE);
    assert_int_equal(tm_csr(b, MCOUNTINHIBIT), 1ull << 5);

    /* Both go on to the overflow (U steps only) and its interrupt. */
    run(a, 40, &ex);
    run(b, 40, &ex);
    assert_int_equal(tm_csr(a, SCAUSE), IRQ(13));
    assert_int_equal(tm_csr(b, SCAUSE), IRQ(13));
    assert_int_equal(tm_csr(b, SEPC), tm_csr(a, SEPC));
    assert_int_equal(hart_icount(b->h), hart_icount(a->h));
    vmbuf_free(&s1);
    vmbuf_free(&s2);
    vmbuf_init(&s1);
    vmbuf_init(&s2);
    vmstate_save(&hart_vmsd, hart_state_ptr(a->h), &s1);
    vmstate_save(&hart_vmsd, hart_state_ptr(b->h), &s2);
    assert_int_equal(s1.len, s2.len);
    assert_memory_equal(s1.data, s2.data, s1.len);

    /* A state with bits this hart lacks is refused. */
    TestMachine *c = setup(0, 0);
    assert_false(vmstate_load(&hart_vmsd, hart_state_ptr(c->h), s1.data, s1.len, &used, &err));
    assert_non_null(err);
    error_free(err);
    vmbuf_free(&s1);
    vmbuf_free(&s2);
    tm_free(a);
    tm_free(b);
    tm_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_absent),
        cmocka_unit_test(test_counter_set),
        cmocka_unit_test(test_counts_exact),
        cmocka_unit_test(test_write_inhibit_event),
        cmocka_unit_test(test_minstret_inhibited),
        cmocka_unit_test(test_counteren),
        cmocka_unit_test(test_overflow_exact),
        cmocka_unit_test(test_overflow_exception),
        cmocka_unit_test(test_overflow_delegated),
        cmocka_unit_test(test_mode_filter),
        cmocka_unit_test(test_lcofi_priority),
        cmocka_unit_test(test_scountovf),
        cmocka_unit_test(test_smstateen),
        cmocka_unit_test(test_snapshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
