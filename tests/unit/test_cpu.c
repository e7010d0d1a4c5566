/* Host-side execution tests of the hart: programs built in RAM, run through
 * hart_run() on a real AddressSpace. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpu_test_util.h"
#include "cpu/internal.h"      /* translation statistics */
#include "snapshots/vmstate.h"

#define PROG TM_RAM_BASE
#define HALT (TM_RAM_BASE + 0x3000)
#define DATA (TM_RAM_BASE + 0x8000)

enum {
    MSTATUS = 0x300, MEDELEG = 0x302, MIDELEG = 0x303, MIE = 0x304, MTVEC = 0x305,
    MEPC = 0x341, MCAUSE = 0x342, MTVAL = 0x343, MIP = 0x344, STVEC = 0x105, SEPC = 0x141,
    SCAUSE = 0x142, STVAL = 0x143, PMPCFG0 = 0x3a0, PMPADDR0 = 0x3b0, MINSTRET = 0xb02,
    CYCLE = 0xc00, INSTRET = 0xc02,
};

static TestMachine *setup(void)
{
    TestMachine *m = tm_new();
    tm_w32(m, HALT, JAL(0, 0));
    tm_set_csr(m, MTVEC, HALT);
    return m;
}

/* Run until the program reaches HALT (or the budget runs out). */
static HartExit run(TestMachine *m, uint64_t budget, uint64_t *ex)
{
    return hart_run(m->h, budget, ex);
}

static void allow_all_pmp(TestMachine *m)
{
    tm_set_csr(m, PMPADDR0, (1ull << 54) - 1);
    tm_set_csr(m, PMPCFG0, 0x1f);   /* NAPOT, RWX */
}

static void test_arith(void **st)
{
    (void)st;
    TestMachine *m = setup();
    Asm a = { m, PROG };
    emit(&a, ADDI(1, 0, 100));
    emit(&a, ADDI(2, 0, -7));
    emit(&a, ADD(3, 1, 2));         /* 93 */
    emit(&a, SUB(4, 2, 1));         /* -107 */
    emit(&a, MUL(5, 1, 2));         /* -700 */
    emit(&a, DIV(6, 5, 2));         /* 100 */
    emit(&a, DIV(7, 1, 0));         /* div by zero: -1 */
    emit(&a, REMU(8, 1, 0));        /* rem by zero: dividend */
    emit(&a, ADDI(0, 1, 5));        /* x0 stays 0 */
    emit(&a, LUI(9, 0x80000));      /* sign-extended */
    emit(&a, ADDW(10, 9, 9));       /* 0x80000000*2 -> 0 (32-bit wrap) */
    emit(&a, AUIPC(11, 1));
    emit(&a, XOR(12, 0, 0));
    emit(&a, EBREAK);
    uint64_t ex;
    run(m, 100, &ex);
    Hart *h = m->h;
    assert_int_equal(hart_get_xreg(h, 3), 93);
    assert_int_equal((int64_t)hart_get_xreg(h, 4), -107);
    assert_int_equal((int64_t)hart_get_xreg(h, 5), -700);
    assert_int_equal(hart_get_xreg(h, 6), 100);
    assert_int_equal(hart_get_xreg(h, 7), UINT64_MAX);
    assert_int_equal(hart_get_xreg(h, 8), 100);
    assert_int_equal(hart_get_xreg(h, 0), 0);
    assert_int_equal(hart_get_xreg(h, 9), 0xffffffff80000000ull);
    assert_int_equal(hart_get_xreg(h, 10), 0);
    assert_int_equal(hart_get_xreg(h, 11), PROG + 11 * 4 + 0x1000);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    assert_int_equal(tm_csr(m, MEPC), PROG + 13 * 4);
    assert_int_equal(tm_csr(m, MTVAL), PROG + 13 * 4);
    assert_int_equal(hart_get_pc(h), HALT);
    /* 14 steps then the halt loop: instret counts retired only (ebreak did not). */
    assert_int_equal(ex, 100);
    tm_free(m);
}

static void test_branch_loop(void **st)
{
    (void)st;
    TestMachine *m = setup();
    Asm a = { m, PROG };
    emit(&a, ADDI(1, 0, 0));        /* sum */
    emit(&a, ADDI(2, 0, 10));       /* i */
    emit(&a, ADD(1, 1, 2));         /* loop: */
    emit(&a, ADDI(2, 2, -1));
    emit(&a, BNE(2, 0, -8));
    emit(&a, JAL(5, 8));
    emit(&a, ADDI(1, 0, 0));        /* skipped */
    emit(&a, BLT(0, 1, 8));         /* taken */
    emit(&a, ADDI(1, 0, 0));        /* skipped */
    emit(&a, EBREAK);
    uint64_t ex;
    run(m, 2 + 30 + 1 + 1 + 1, &ex);
    assert_int_equal(hart_get_xreg(m->h, 1), 55);
    assert_int_equal(hart_get_xreg(m->h, 5), PROG + 6 * 4);
    assert_int_equal(hart_get_pc(m->h), HALT);
    assert_int_equal(ex, 35);
    tm_free(m);
}

static void test_exact_budget(void **st)
{
    (void)st;
    TestMachine *m = setup();
    Asm a = { m, PROG };
    for (int i = 0; i < 20; i++)
        emit(&a, ADDI(1, 1, 1));
    emit(&a, JAL(0, 0));
    uint64_t ex = 0;
    assert_int_equal(run(m, 7, &ex), HART_EXIT_BUDGET);
    assert_int_equal(ex, 7);
    assert_int_equal(hart_get_xreg(m->h, 1), 7);
    assert_int_equal(hart_get_pc(m->h), PROG + 28);
    assert_int_equal(hart_icount(m->h), 7);
    assert_int_equal(run(m, 5, &ex), HART_EXIT_BUDGET);
    assert_int_equal(hart_get_xreg(m->h, 1), 12);
    assert_int_equal(hart_get_pc(m->h), PROG + 48);
    assert_int_equal(run(m, 0, &ex), HART_EXIT_BUDGET);
    assert_int_equal(ex, 0);
    assert_int_equal(run(m, 100, &ex), HART_EXIT_BUDGET);
    assert_int_equal(hart_icount(m->h), 112);
    assert_int_equal(tm_csr(m, MINSTRET), 112);
    tm_free(m);
}

static void test_illegal(void **st)
{
    (void)st;
    TestMachine *m = setup();
    Asm a = { m, PROG };
    emit(&a, NOP);
    emit(&a, 0xffffffffu);
    uint64_t ex;
    run(m, 2, &ex);
    assert_int_equal(ex, 2);
    assert_int_equal(tm_csr(m, MCAUSE), 2);
    assert_int_equal(tm_csr(m, MTVAL), 0xffffffffu);
    assert_int_equal(tm_csr(m, MEPC), PROG + 4);
    assert_int_equal(hart_get_pc(m->h), HALT);
    /* Exceptions are steps but do not retire. */
    assert_int_equal(tm_csr(m, MINSTRET), 1);

    /* A 16-bit all-zero parcel is illegal; tval holds the 16 bits. */
    hart_set_pc(m->h, PROG + 0x100);
    tm_w32(m, PROG + 0x100, 0x00000000);
    run(m, 1, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 2);
    assert_int_equal(tm_csr(m, MTVAL), 0);
    assert_int_equal(tm_csr(m, MEPC), PROG + 0x100);

    /* CSR that does not exist, and a write to a read-only CSR. */
    hart_set_pc(m->h, PROG + 0x200);
    tm_w32(m, PROG + 0x200, CSRRS(1, 0x7ff, 0));
    run(m, 1, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 2);
    hart_set_pc(m->h, PROG + 0x300);
    tm_w32(m, PROG + 0x300, CSRRW(1, 0xf14, 2));  /* mhartid */
    run(m, 1, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 2);
    assert_int_equal(tm_csr(m, MTVAL), CSRRW(1, 0xf14, 2));
    tm_free(m);
}

static void test_misaligned_and_access(void **st)
{
    (void)st;
    TestMachine *m = setup();
    Asm a = { m, PROG };
    uint64_t ex;

    /* Misaligned loads and stores complete (as on QEMU), within a page and
     * across two pages. */
    for (int i = 0; i < 16; i++)        /* byte k of DATA + 0xff8 holds 0x10 + k */
        tm_w16(m, DATA + 0xff8 + 2 * (uint64_t)i, (uint16_t)(0x1110 + 0x202 * i));
    asm_li(&a, 5, DATA + 0xff9);
    emit(&a, LW(6, 5, 0));                /* within the page */
    emit(&a, LD(7, 5, 4));                /* 0x...ffd: three bytes on the next page */
    asm_li(&a, 8, 0x8877665544332211ull);
    emit(&a, SD(8, 5, 2));                /* 0x...ffb: five bytes on the next page */
    emit(&a, JAL(0, (int32_t)(HALT - a.pc)));
    run(m, 40, &ex);
    assert_int_equal(hart_get_pc(m->h), HALT);
    assert_int_equal(tm_csr(m, MCAUSE), 0);
    assert_int_equal(hart_get_xreg(m->h, 6), 0x14131211);
    assert_int_equal(hart_get_xreg(m->h, 7), 0x1c1b1a1918171615ull);
    assert_int_equal(tm_r64(m, DATA + 0xff8), 0x5544332211121110ull);
    assert_int_equal(tm_r64(m, DATA + 0x1000), 0x1f1e1d1c1b887766ull);

    /* Misaligned access to a device register: access fault, nothing split. */
    a.pc = PROG + 0x100;
    hart_set_pc(m->h, a.pc);
    asm_li(&a, 5, TM_DEV_BASE + 1);
    emit(&a, SW(0, 5, 0));
    run(m, 9, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 7);
    assert_int_equal(tm_csr(m, MTVAL), TM_DEV_BASE + 1);
    assert_int_equal(m->dev_writes, 0);

    /* Load from an unmapped address: access fault. */
    a.pc = PROG + 0x200;
    hart_set_pc(m->h, a.pc);
    asm_li(&a, 5, 0x40000000);
    emit(&a, LD(6, 5, 0));
    run(m, 9, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 5);
    assert_int_equal(tm_csr(m, MTVAL), 0x40000000);

    /* Fetch from unmapped memory: instruction access fault. */
    a.pc = PROG + 0x300;
    hart_set_pc(m->h, a.pc);
    asm_li(&a, 5, 0x50000000);
    emit(&a, JALR(0, 5, 0));
    run(m, 10, &ex);
    assert_int_equal(ex, 10);
    assert_int_equal(tm_csr(m, MCAUSE), 1);
    assert_int_equal(tm_csr(m, MTVAL), 0x50000000);
    assert_int_equal(tm_csr(m, MEPC), 0x50000000);
    assert_int_equal(hart_get_pc(m->h), HALT);
    tm_free(m);
}

static void enter_user(TestMachine *m, uint64_t upc, int mpp)
{
    Asm a = { m, PROG + 0x2000 };
    allow_all_pmp(m);
    tm_set_csr(m, MEPC, upc);
    uint64_t ms = tm_csr(m, MSTATUS) & ~(3ull << 11);
    tm_set_csr(m, MSTATUS, ms | ((uint64_t)mpp << 11));
    hart_set_pc(m->h, a.pc);
    emit(&a, MRET);
}

static void test_ecall_u_to_m(void **st)
{
    (void)st;
    TestMachine *m = setup();
    Asm u = { m, PROG + 0x1000 };
    emit(&u, ADDI(10, 0, 42));
    emit(&u, ECALL);
    enter_user(m, PROG + 0x1000, 0);
    uint64_t ex;
    run(m, 1, &ex);
    assert_int_equal(hart_priv(m->h), 0);
    assert_int_equal(hart_get_pc(m->h), PROG + 0x1000);
    run(m, 2, &ex);
    assert_int_equal(hart_priv(m->h), 3);
    assert_int_equal(tm_csr(m, MCAUSE), 8);
    assert_int_equal(tm_csr(m, MEPC), PROG + 0x1004);
    assert_int_equal((tm_csr(m, MSTATUS) >> 11) & 3, 0);   /* MPP = U */
    assert_int_equal(hart_get_xreg(m->h, 10), 42);
    tm_free(m);
}

static void test_delegation_to_s(void **st)
{
    (void)st;
    TestMachine *m = setup();
    Asm u = { m, PROG + 0x1000 };
    emit(&u, ECALL);
    emit(&u, MRET);     /* illegal in U mode; delegated below */
    Asm s = { m, PROG + 0x1800 };
    emit(&s, JAL(0, 0));
    tm_set_csr(m, MEDELEG, (1u << 8) | (1u << 2));
    tm_set_csr(m, STVEC, PROG + 0x1800);
    enter_user(m, PROG + 0x1000, 0);
    uint64_t ex;
    run(m, 2, &ex);
    assert_int_equal(hart_priv(m->h), 1);
    assert_int_equal(tm_csr(m, SCAUSE), 8);
    assert_int_equal(tm_csr(m, SEPC), PROG + 0x1000);
    assert_int_equal(tm_csr(m, MCAUSE), 0);     /* M did not see it */
    assert_int_equal(hart_get_pc(m->h), PROG + 0x1800);
    assert_int_equal(tm_csr(m, MSTATUS) & (1u << 8), 0);   /* SPP = U */

    /* S-mode ECALL is not delegated: goes to M with cause 9. */
    tm_w32(m, PROG + 0x1800, ECALL);
    hart_flush_caches(m->h);
    run(m, 1, &ex);
    assert_int_equal(hart_priv(m->h), 3);
    assert_int_equal(tm_csr(m, MCAUSE), 9);
    assert_int_equal((tm_csr(m, MSTATUS) >> 11) & 3, 1);
    tm_free(m);
}

static void test_interrupt_priority(void **st)
{
    (void)st;
    TestMachine *m = setup();
    Asm a = { m, PROG };
    for (int i = 0; i < 8; i++)
        emit(&a, NOP);
    tm_set_csr(m, MIE, MIP_MSIP | MIP_MTIP | MIP_MEIP | MIP_SEIP | MIP_SSIP | MIP_STIP);
    uint64_t ex;

    /* M mode with MIE clear: nothing is taken. */
    hart_set_irq(m->h, MIP_MTIP | MIP_MSIP | MIP_MEIP, true);
    run(m, 1, &ex);
    assert_int_equal(hart_get_pc(m->h), PROG + 4);
    assert_true(hart_irq_pending(m->h));

    tm_set_csr(m, MSTATUS, tm_csr(m, MSTATUS) | 8);
    run(m, 1, &ex);
    assert_int_equal(ex, 1);            /* taking the interrupt is not a step */
    assert_int_equal(tm_csr(m, MCAUSE), (1ull << 63) | 11);
    assert_int_equal(tm_csr(m, MEPC), PROG + 4);
    assert_int_equal(hart_get_pc(m->h), HALT);

    hart_set_irq(m->h, MIP_MEIP, false);
    hart_set_pc(m->h, PROG);
    tm_set_csr(m, MSTATUS, tm_csr(m, MSTATUS) | 8);
    run(m, 1, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), (1ull << 63) | 3);   /* MSI before MTI */

    hart_set_irq(m->h, MIP_MSIP, false);
    tm_set_csr(m, MIP, MIP_SEIP);       /* software SEIP, not delegated: M-level */
    hart_set_pc(m->h, PROG);
    tm_set_csr(m, MSTATUS, tm_csr(m, MSTATUS) | 8);
    run(m, 1, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), (1ull << 63) | 7);   /* MTI before SEI */

    /* Delegated S-level interrupts are not taken in M mode, but are in S. */
    hart_set_irq(m->h, MIP_MTIP, false);
    tm_set_csr(m, MIDELEG, MIP_SEIP | MIP_STIP | MIP_SSIP);
    tm_set_csr(m, MIP, MIP_SEIP | MIP_STIP);
    tm_set_csr(m, STVEC, PROG + 0x1800 + 1);    /* vectored */
    tm_w32(m, PROG + 0x1800 + 4 * 9, JAL(0, 0));
    hart_set_pc(m->h, PROG);
    tm_set_csr(m, MSTATUS, tm_csr(m, MSTATUS) | 8);
    run(m, 1, &ex);
    assert_int_equal(hart_get_pc(m->h), PROG + 4);
    enter_user(m, PROG, 1);
    tm_set_csr(m, MSTATUS, tm_csr(m, MSTATUS) & ~2ull);   /* SIE = 0 */
    run(m, 2, &ex);
    assert_int_equal(hart_priv(m->h), 1);
    assert_int_equal(hart_get_pc(m->h), PROG + 4);      /* S with SIE=0: not taken */
    tm_set_csr(m, 0x100, tm_csr(m, 0x100) | 2);         /* sstatus.SIE */
    run(m, 1, &ex);
    assert_int_equal(tm_csr(m, SCAUSE), (1ull << 63) | 9); /* SEI before STI */
    assert_int_equal(hart_get_pc(m->h), PROG + 0x1800 + 4 * 9 + 0);
    tm_free(m);
}

static void test_wfi(void **st)
{
    (void)st;
    TestMachine *m = setup();
    Asm a = { m, PROG };
    emit(&a, NOP);
    emit(&a, WFI);
    emit(&a, ADDI(1, 0, 1));
    emit(&a, JAL(0, 0));
    uint64_t ex;
    assert_int_equal(run(m, 100, &ex), HART_EXIT_WFI);
    assert_int_equal(ex, 2);
    assert_int_equal(hart_get_pc(m->h), PROG + 8);
    assert_int_equal(run(m, 100, &ex), HART_EXIT_WFI);   /* still waiting */
    assert_int_equal(ex, 0);
    assert_int_equal(hart_get_xreg(m->h, 1), 0);
    /* An enabled pending interrupt wakes it even with MIE clear. */
    tm_set_csr(m, MIE, MIP_MTIP);
    hart_set_irq(m->h, MIP_MTIP, true);
    assert_int_equal(run(m, 3, &ex), HART_EXIT_BUDGET);
    assert_int_equal(hart_get_xreg(m->h, 1), 1);
    assert_int_equal(tm_csr(m, MCAUSE), 0);
    /* With the interrupt pending WFI does not stop. */
    hart_set_pc(m->h, PROG);
    assert_int_equal(run(m, 4, &ex), HART_EXIT_BUDGET);
    assert_int_equal(ex, 4);
    tm_free(m);
}

static void test_mmio_icount_and_kick(void **st)
{
    (void)st;
    TestMachine *m = setup();
    Asm a = { m, PROG };
    asm_li(&a, 5, TM_DEV_BASE);     /* 8 insns */
    emit(&a, ADDI(6, 0, 7));
    emit(&a, SD(6, 5, 0));          /* icount 9 before this one */
    emit(&a, LD(7, 5, 0x10));       /* reads icount 10 */
    emit(&a, SD(0, 5, 8));          /* kick */
    emit(&a, ADDI(8, 0, 1));
    emit(&a, ADDI(8, 0, 2));
    emit(&a, JAL(0, 0));
    uint64_t ex;
    assert_int_equal(run(m, 1000, &ex), HART_EXIT_KICK);
    assert_int_equal(ex, 12);
    assert_int_equal(m->dev_value, 7);
    assert_int_equal(m->dev_icount, 9);
    assert_int_equal(hart_get_xreg(m->h, 7), 10);
    assert_int_equal(hart_get_xreg(m->h, 8), 0);
    assert_int_equal(hart_get_pc(m->h), PROG + 12 * 4);
    /* A device raising MEIP during a store: the interrupt is taken right after. */
    a.pc = PROG + 0x400;
    hart_set_pc(m->h, a.pc);
    tm_set_csr(m, MIE, MIP_MEIP);
    tm_set_csr(m, MSTATUS, tm_csr(m, MSTATUS) | 8);
    emit(&a, ADDI(6, 0, 0x101));
    emit(&a, SD(6, 5, 0));
    emit(&a, ADDI(9, 0, 1));
    run(m, 3, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), (1ull << 63) | 11);
    assert_int_equal(tm_csr(m, MEPC), PROG + 0x408);
    assert_int_equal(hart_get_xreg(m->h, 9), 0);
    tm_free(m);
}

static void test_lr_sc_amo(void **st)
{
    (void)st;
    TestMachine *m = setup();
    Asm a = { m, PROG };
    tm_w32(m, DATA, 5);
    asm_li(&a, 5, DATA);
    emit(&a, ADDI(6, 0, 9));
    emit(&a, LR_W(7, 5));
    emit(&a, SC_W(8, 5, 6));        /* succeeds */
    emit(&a, SC_W(9, 5, 6));        /* no reservation: fails */
    emit(&a, LR_W(10, 5));
    emit(&a, SW(0, 5, 0));          /* value changes under the reservation */
    emit(&a, SC_W(11, 5, 6));       /* fails */
    emit(&a, ADDI(12, 0, -3));
    emit(&a, AMOADD_W(13, 5, 12));  /* mem 0 + -3 */
    emit(&a, EBREAK);
    uint64_t ex;
    run(m, 8 + 10, &ex);
    assert_int_equal(hart_get_xreg(m->h, 7), 5);
    assert_int_equal(hart_get_xreg(m->h, 8), 0);
    assert_int_equal(hart_get_xreg(m->h, 9), 1);
    assert_int_equal(hart_get_xreg(m->h, 10), 9);
    assert_int_equal(hart_get_xreg(m->h, 11), 1);
    assert_int_equal(hart_get_xreg(m->h, 13), 0);
    assert_int_equal(tm_r32(m, DATA), (uint32_t)-3);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    tm_free(m);
}

static void test_self_modifying(void **st)
{
    (void)st;
    TestMachine *m = setup();
    uint64_t A = PROG + 0x100;
    Asm a = { m, A };
    emit(&a, ADDI(1, 1, 1));        /* A: replaced by addi x1,x1,100 */
    emit(&a, ADDI(2, 2, 1));
    emit(&a, BEQ(2, 3, 12));        /* -> done */
    emit(&a, SW(5, 6, 0));
    emit(&a, JAL(0, -16));
    emit(&a, EBREAK);               /* done */
    Asm p = { m, PROG };
    asm_li(&p, 6, A);
    emit(&p, ADDI(3, 0, 2));
    emit(&p, LUI(5, 0x06408));      /* x5 = addi x1,x1,100 = 0x06408093 */
    emit(&p, ADDI(5, 5, 0x093));
    emit(&p, JAL(0, (int32_t)(A - p.pc)));
    uint64_t ex;
    run(m, 200, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    assert_int_equal(hart_get_xreg(m->h, 1), 101);

    /* A store that rewrites a later instruction of the running block. */
    Asm b = { m, PROG + 0x600 };
    hart_set_pc(m->h, b.pc);
    asm_li(&b, 6, PROG + 0x600 + 8 * 4 + 8);
    emit(&b, SW(5, 6, 0));
    emit(&b, NOP);
    emit(&b, ADDI(1, 0, 1));        /* replaced */
    emit(&b, EBREAK);
    hart_set_xreg(m->h, 1, 0);
    run(m, 12, &ex);
    assert_int_equal(hart_get_xreg(m->h, 1), 100);

    /* Same code run again after the host rewrote it and FENCE.I. */
    Asm c = { m, PROG + 0x800 };
    hart_set_pc(m->h, c.pc);
    emit(&c, ADDI(1, 0, 7));
    emit(&c, EBREAK);
    run(m, 3, &ex);
    assert_int_equal(hart_get_xreg(m->h, 1), 7);
    uint32_t nw = ADDI(1, 0, 8);
    assert_true(hart_debug_write(m->h, PROG + 0x800, &nw, 4));
    hart_set_pc(m->h, PROG + 0x800);
    run(m, 3, &ex);
    assert_int_equal(hart_get_xreg(m->h, 1), 8);
    /* Written behind the hart's back (DMA): stale until invalidated. */
    tm_w32(m, PROG + 0x800, ADDI(1, 0, 9));
    hart_invalidate_phys(m->h, PROG + 0x800, 4);
    hart_set_pc(m->h, PROG + 0x800);
    run(m, 3, &ex);
    assert_int_equal(hart_get_xreg(m->h, 1), 9);
    tm_free(m);
}

/* Data sharing a 4 KiB page with code (small bare-metal programs, kernels'
 * .data next to .text): stores to it must not invalidate the page's blocks,
 * including stores to the bytes right after the last instruction. */
static void test_smc_data_on_code_page(void **st)
{
    (void)st;
    TestMachine *m = setup();
    uint64_t P = PROG + 0x1000;
    Asm a = { m, P };
    asm_li(&a, 6, P + 0x800);       /* a word in the page's data part */
    emit(&a, ADDI(3, 0, 100));
    uint64_t loop = a.pc;
    emit(&a, ADDI(2, 2, 1));
    emit(&a, SW(2, 6, 0));
    emit(&a, SD(2, 6, 8));
    emit(&a, enc_s(0, 2, 7, 1, 0x23));     /* sh x2, 0(x7) */
    emit(&a, SB(2, 7, 2));
    emit(&a, BEQ(2, 3, 8));
    emit(&a, JAL(0, (int32_t)(loop - a.pc)));
    emit(&a, EBREAK);
    uint64_t after = a.pc;          /* first byte after the code */
    hart_set_xreg(m->h, 7, after);
    hart_set_pc(m->h, P);
    uint64_t ex, t0 = m->h->tb_translations;
    run(m, 2000, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    assert_int_equal(tm_csr(m, MEPC), after - 4);
    assert_int_equal(tm_r32(m, P + 0x800), 100);
    assert_int_equal(tm_r64(m, P + 0x808), 100);
    assert_int_equal(tm_r32(m, after) & 0xffffff, 0x640064);
    /* Blocks: li/addi, loop body, jal, ebreak and the trap handler; each
     * translated once, not once per iteration. */
    uint64_t n = m->h->tb_translations - t0;
    assert_true(n <= 6);

    /* Code untouched since: running it again translates nothing. */
    hart_set_xreg(m->h, 2, 0);
    hart_set_pc(m->h, loop);
    t0 = m->h->tb_translations;
    run(m, 2000, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    assert_int_equal(m->h->tb_translations - t0, 0);
    tm_free(m);
}

/* Stores overlapping code on a page invalidate the blocks they hit (and only
 * those): the rewritten instruction executes the next time round. */
static void test_smc_store_into_code(void **st)
{
    (void)st;
    TestMachine *m = setup();
    uint64_t P = PROG + 0x2000;
    Asm a = { m, P };
    asm_li(&a, 6, 0);               /* patched below: address of T */
    uint64_t li_end = a.pc;
    asm_li(&a, 5, ADDI(1, 1, 1));
    emit(&a, LUI(8, 0x100));        /* x8 = 1 << 20: +1 in the I immediate */
    emit(&a, ADDI(3, 0, 10));
    uint64_t loop = a.pc;
    emit(&a, SW(5, 6, 0));          /* T = addi x1, x1, i */
    emit(&a, ADD(5, 5, 8));
    emit(&a, ADDI(2, 2, 1));
    emit(&a, BEQ(2, 3, 16));        /* -> done */
    emit(&a, JAL(0, 4));            /* a block of its own, left alone */
    uint64_t T = a.pc;
    emit(&a, ADDI(1, 1, 0));
    emit(&a, JAL(0, (int32_t)(loop - a.pc)));
    emit(&a, EBREAK);               /* done */
    Asm fix = { m, P };
    asm_li(&fix, 6, T);
    assert_true(fix.pc <= li_end);
    while (fix.pc < li_end)
        emit(&fix, NOP);
    hart_set_pc(m->h, P);
    uint64_t ex, t0 = m->h->tb_translations;
    run(m, 2000, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    assert_int_equal(hart_get_xreg(m->h, 1), 45);      /* 1 + 2 + ... + 9 */
    /* The T block is retranslated each of the 9 times; the loop body, the
     * jal block and the setup are not (one extra per block at most). */
    uint64_t n = m->h->tb_translations - t0;
    assert_true(n >= 9);
    assert_true(n <= 9 + 7);

    /* A byte store into the upper half of an instruction (halfword
     * granularity of the code map): addi x1, x0, 1 becomes addi x1, x0, 17. */
    Asm b = { m, PROG + 0x3800 };
    uint64_t U = b.pc;
    emit(&b, ADDI(1, 0, 1));
    emit(&b, EBREAK);
    hart_set_pc(m->h, U);
    run(m, 2, &ex);
    assert_int_equal(hart_get_xreg(m->h, 1), 1);
    Asm c = { m, PROG + 0x3900 };
    hart_set_pc(m->h, c.pc);
    asm_li(&c, 7, U + 3);
    emit(&c, ADDI(9, 0, 1));
    emit(&c, SB(9, 7, 0));
    emit(&c, JAL(0, (int32_t)(U - c.pc)));
    run(m, 100, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    assert_int_equal(hart_get_xreg(m->h, 1), 17);
    tm_free(m);
}

static void test_breakpoint_watchpoint(void **st)
{
    (void)st;
    TestMachine *m = setup();
    Asm a = { m, PROG };
    asm_li(&a, 5, DATA);
    emit(&a, ADDI(1, 0, 1));
    emit(&a, ADDI(1, 1, 1));        /* breakpoint here (PROG + 36) */
    emit(&a, SD(1, 5, 0));          /* watched */
    emit(&a, ADDI(1, 1, 1));
    emit(&a, JAL(0, 0));
    uint64_t ex;
    assert_true(hart_breakpoint_insert(m->h, PROG + 36));
    assert_int_equal(run(m, 100, &ex), HART_EXIT_BREAKPOINT);
    assert_int_equal(ex, 9);
    assert_int_equal(hart_get_pc(m->h), PROG + 36);
    assert_int_equal(hart_get_xreg(m->h, 1), 1);
    /* Resuming without a skip stops again at once. */
    assert_int_equal(run(m, 100, &ex), HART_EXIT_BREAKPOINT);
    assert_int_equal(ex, 0);
    assert_true(hart_watchpoint_insert(m->h, DATA, 8, WATCH_WRITE));
    hart_breakpoint_skip_once(m->h);
    /* A watchpoint stops before the store: pc on it, not counted, memory
     * as it was (gdb steps over the access itself). */
    assert_int_equal(run(m, 100, &ex), HART_EXIT_WATCHPOINT);
    assert_int_equal(ex, 1);
    assert_int_equal(hart_watch_hit_addr(m->h), DATA);
    assert_int_equal(hart_get_pc(m->h), PROG + 40);
    assert_int_equal(tm_r64(m, DATA), 0);
    /* Resuming without a skip stops again at once; with one, the store
     * happens and the run goes on. */
    assert_int_equal(run(m, 100, &ex), HART_EXIT_WATCHPOINT);
    assert_int_equal(ex, 0);
    hart_watchpoint_skip_once(m->h);
    assert_int_equal(run(m, 1, &ex), HART_EXIT_BUDGET);
    assert_int_equal(ex, 1);
    assert_int_equal(hart_get_pc(m->h), PROG + 44);
    assert_int_equal(tm_r64(m, DATA), 2);
    assert_true(hart_watchpoint_remove(m->h, DATA, 8, WATCH_WRITE));
    assert_true(hart_breakpoint_remove(m->h, PROG + 36));
    assert_int_equal(run(m, 5, &ex), HART_EXIT_BUDGET);
    assert_int_equal(hart_get_xreg(m->h, 1), 3);
    uint64_t v = 0;
    assert_true(hart_debug_read(m->h, DATA, &v, 8));
    assert_int_equal(v, 2);
    tm_free(m);
}

/* A breakpoint on the first instruction of a run stops it: runs start
 * wherever the board sliced execution. Resuming from it takes
 * hart_breakpoint_skip_once(), which is good for one pass only. */
static void test_breakpoint_at_run_start(void **st)
{
    (void)st;
    TestMachine *m = setup();
    const uint64_t bp = PROG + 4;
    Asm a = { m, PROG };
    emit(&a, ADDI(1, 0, 0));
    emit(&a, ADDI(1, 1, 1));        /* bp: the loop body */
    emit(&a, JAL(0, -4));
    uint64_t ex;
    assert_true(hart_breakpoint_insert(m->h, bp));

    /* The budget ends exactly before the breakpoint. */
    assert_int_equal(run(m, 1, &ex), HART_EXIT_BUDGET);
    assert_int_equal(ex, 1);
    assert_int_equal(hart_get_pc(m->h), bp);
    assert_int_equal(run(m, 100, &ex), HART_EXIT_BREAKPOINT);
    assert_int_equal(ex, 0);
    assert_int_equal(hart_get_pc(m->h), bp);
    assert_int_equal(hart_get_xreg(m->h, 1), 0);

    /* The skip executes it once; the next pass round the loop stops. */
    hart_breakpoint_skip_once(m->h);
    assert_int_equal(run(m, 100, &ex), HART_EXIT_BREAKPOINT);
    assert_int_equal(ex, 2);
    assert_int_equal(hart_get_xreg(m->h, 1), 1);

    /* A run that executes nothing keeps the skip. */
    hart_breakpoint_skip_once(m->h);
    assert_int_equal(run(m, 0, &ex), HART_EXIT_BUDGET);
    assert_int_equal(ex, 0);
    assert_int_equal(run(m, 100, &ex), HART_EXIT_BREAKPOINT);
    assert_int_equal(ex, 2);
    assert_int_equal(hart_get_xreg(m->h, 1), 2);

    /* Once the hart moved on, the skip has lapsed, even when a slice
     * boundary brings it back to the breakpoint. */
    hart_breakpoint_skip_once(m->h);
    assert_int_equal(run(m, 1, &ex), HART_EXIT_BUDGET);
    assert_int_equal(run(m, 1, &ex), HART_EXIT_BUDGET);
    assert_int_equal(hart_get_pc(m->h), bp);
    assert_int_equal(run(m, 100, &ex), HART_EXIT_BREAKPOINT);
    assert_int_equal(ex, 0);
    assert_int_equal(hart_get_xreg(m->h, 1), 3);

    /* Moving the pc cancels it. */
    hart_breakpoint_skip_once(m->h);
    hart_set_pc(m->h, bp);
    assert_int_equal(run(m, 100, &ex), HART_EXIT_BREAKPOINT);
    assert_int_equal(ex, 0);

    /* So does loading state: the skip is debugger state, not guest state. */
    VMBuf b;
    vmbuf_init(&b);
    vmstate_save(&hart_vmsd, hart_state_ptr(m->h), &b);
    hart_breakpoint_skip_once(m->h);
    size_t used = 0;
    Error *err = NULL;
    assert_true(vmstate_load(&hart_vmsd, hart_state_ptr(m->h), b.data, b.len, &used, &err));
    vmbuf_free(&b);
    assert_int_equal(run(m, 100, &ex), HART_EXIT_BREAKPOINT);
    assert_int_equal(ex, 0);

    /* An interrupt taken at the start of the run leads elsewhere; when the
     * handler returns, the breakpoint is reached anew and stops the hart. */
    const uint64_t handler = PROG + 0x100;
    Asm h = { m, handler };
    emit(&h, ADDI(5, 0, (int32_t)MIP_SSIP));
    emit(&h, CSRRC(0, MIP, 5));
    emit(&h, MRET);
    tm_set_csr(m, MTVEC, handler);
    tm_set_csr(m, MIE, MIP_SSIP);
    tm_set_csr(m, MSTATUS, tm_csr(m, MSTATUS) | 8);     /* MIE */
    tm_set_csr(m, MIP, MIP_SSIP);
    hart_breakpoint_skip_once(m->h);
    assert_int_equal(run(m, 100, &ex), HART_EXIT_BREAKPOINT);
    assert_int_equal(ex, 3);
    assert_int_equal(hart_get_pc(m->h), bp);
    assert_int_equal(hart_get_xreg(m->h, 1), 3);
    assert_int_equal(tm_csr(m, MCAUSE), (1ull << 63) | 1);

    /* Without breakpoints the skip is inert. */
    assert_true(hart_breakpoint_remove(m->h, bp));
    assert_int_equal(run(m, 4, &ex), HART_EXIT_BUDGET);
    assert_int_equal(hart_get_xreg(m->h, 1), 5);
    tm_free(m);
}

static void test_compressed_exec(void **st)
{
    (void)st;
    TestMachine *m = setup();
    Asm a = { m, PROG };
    emit16(&a, 0x4515);     /* c.li a0, 5 */
    emit16(&a, 0x0505);     /* c.addi a0, 1 */
    emit16(&a, 0x85aa);     /* c.mv a1, a0 */
    emit16(&a, 0x95aa);     /* c.add a1, a0 */
    emit(&a, ADDI(12, 0, 3));
    emit16(&a, 0x9002);     /* c.ebreak */
    uint64_t ex;
    run(m, 6, &ex);
    assert_int_equal(hart_get_xreg(m->h, 10), 6);
    assert_int_equal(hart_get_xreg(m->h, 11), 12);
    assert_int_equal(tm_csr(m, MEPC), PROG + 12);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    tm_free(m);
}

static void test_vmstate_roundtrip(void **st)
{
    (void)st;
    TestMachine *m = setup();
    Asm a = { m, PROG };
    for (int i = 0; i < 10; i++)
        emit(&a, ADDI(i + 1, i, 3));
    emit(&a, JAL(0, 0));
    uint64_t ex;
    tm_set_csr(m, MIE, MIP_MTIP);
    tm_set_csr(m, 0x3, 0x45);       /* fcsr needs FS on */
    tm_set_csr(m, MSTATUS, tm_csr(m, MSTATUS) | (1ull << 13));
    tm_set_csr(m, 0x3, 0x45);
    run(m, 13, &ex);
    VMBuf b1, b2;
    vmbuf_init(&b1);
    vmbuf_init(&b2);
    vmstate_save(&hart_vmsd, hart_state_ptr(m->h), &b1);

    TestMachine *m2 = setup();
    size_t used = 0;
    Error *err = NULL;
    assert_true(vmstate_load(&hart_vmsd, hart_state_ptr(m2->h), b1.data, b1.len, &used, &err));
    assert_int_equal(used, b1.len);
    vmstate_save(&hart_vmsd, hart_state_ptr(m2->h), &b2);
    assert_int_equal(b1.len, b2.len);
    assert_memory_equal(b1.data, b2.data, b1.len);
    assert_int_equal(hart_icount(m2->h), 13);
    assert_int_equal(hart_get_xreg(m2->h, 10), 30);
    assert_int_equal(tm_csr(m2, 0x3), 0x45);
    /* The loaded hart continues identically. */
    memcpy(m2->ram, m->ram, 0x1000);
    run(m, 5, &ex);
    run(m2, 5, &ex);
    assert_int_equal(hart_get_pc(m->h), hart_get_pc(m2->h));
    vmbuf_free(&b1);
    vmbuf_free(&b2);
    tm_free(m2);
    tm_free(m);
}

/* Random bytes as code (deterministic xorshift): whatever it does to CSRs,
 * translation and PMP, hart_run() must consume exactly its budget (or stop
 * for WFI) and never crash or hang. */
static void test_garbage_code(void **st)
{
    (void)st;
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 60; round++) {
        TestMachine *m = tm_new();
        static const uint8_t ops[] = { 0x03, 0x13, 0x17, 0x1b, 0x23, 0x2f, 0x33, 0x37, 0x3b,
                                       0x63, 0x67, 0x6f, 0x73, 0x07, 0x27, 0x43, 0x53, 0x0f };
        for (size_t i = 0; i < TM_RAM_SIZE; i += 4) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            uint32_t w = (uint32_t)(x >> 32);
            if (round & 1) {
                /* Mostly valid major opcodes; some compressed pairs. */
                if ((x & 3) != 0)
                    w = (w & ~0x7fu) | ops[(x >> 2) % sizeof(ops)];
                else
                    w &= ~0x00010001u;
            }
            memcpy(m->ram + i, &w, 4);
        }
        tm_set_csr(m, MSTATUS, tm_csr(m, MSTATUS) | (1ull << 13));
        tm_set_csr(m, MTVEC, TM_RAM_BASE + ((x >> 8) & (TM_RAM_SIZE - 4)));
        hart_set_pc(m->h, TM_RAM_BASE + ((x >> 20) & (TM_RAM_SIZE - 2)));
        uint64_t total = 0;
        for (int i = 0; i < 50; i++) {
            uint64_t ex = 0;
            HartExit why = hart_run(m->h, 2000, &ex);
            if (why == HART_EXIT_BUDGET)
                assert_int_equal(ex, 2000);
            else
                assert_true(why == HART_EXIT_WFI && ex <= 2000);
            total += ex;
            if (why == HART_EXIT_WFI) {
                hart_set_irq(m->h, MIP_MTIP, true);
                tm_set_csr(m, MIE, tm_csr(m, MIE) | MIP_MTIP);
            }
        }
        assert_int_equal(hart_icount(m->h), total);
        tm_free(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arith),
        cmocka_unit_test(test_branch_loop),
        cmocka_unit_test(test_exact_budget),
        cmocka_unit_test(test_illegal),
        cmocka_unit_test(test_misaligned_and_access),
        cmocka_unit_test(test_ecall_u_to_m),
        cmocka_unit_test(test_delegation_to_s),
        cmocka_unit_test(test_interrupt_priority),
        cmocka_unit_test(test_wfi),
        cmocka_unit_test(test_mmio_icount_and_kick),
        cmocka_unit_test(test_lr_sc_amo),
        cmocka_unit_test(test_self_modifying),
        cmocka_unit_test(test_smc_data_on_code_page),
        cmocka_unit_test(test_smc_store_into_code),
        cmocka_unit_test(test_breakpoint_watchpoint),
        cmocka_unit_test(test_breakpoint_at_run_start),
        cmocka_unit_test(test_compressed_exec),
        cmocka_unit_test(test_vmstate_roundtrip),
        cmocka_unit_test(test_garbage_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
