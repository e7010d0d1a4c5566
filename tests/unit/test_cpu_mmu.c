/* Hart translation and protection tests: Sv39 walks with A/D updates,
 * page faults, superpage alignment, SUM, and PMP (including the walker's
 * own accesses). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cpu_test_util.h"
#include "cpu/internal.h"

#define PROG TM_RAM_BASE
#define HALT (TM_RAM_BASE + 0x3000)
#define DATA (TM_RAM_BASE + 0x8000)
#define PT_ROOT (TM_RAM_BASE + 0x100000)
#define PT_L1 (PT_ROOT + 0x1000)
#define PT_L0 (PT_ROOT + 0x2000)
#define PA_CODE (TM_RAM_BASE + 0x10000)
#define PA_DATA (TM_RAM_BASE + 0x20000)
#define PA_RO (TM_RAM_BASE + 0x21000)
#define PA_USER (TM_RAM_BASE + 0x22000)

enum {
    MSTATUS = 0x300, MEDELEG = 0x302, MTVEC = 0x305, MEPC = 0x341, MCAUSE = 0x342,
    MTVAL = 0x343, SATP = 0x180, PMPCFG0 = 0x3a0, PMPADDR0 = 0x3b0, SSTATUS = 0x100,
};
enum { V = 1, R = 2, W = 4, X = 8, U = 16, A = 64, D = 128 };

static uint64_t pte(uint64_t pa, unsigned flags) { return ((pa >> 12) << 10) | flags; }

static TestMachine *setup(void)
{
    TestMachine *m = tm_new();
    tm_w32(m, HALT, JAL(0, 0));
    tm_set_csr(m, MTVEC, HALT);
    return m;
}

static void allow_all_pmp(TestMachine *m)
{
    tm_set_csr(m, PMPADDR0, (1ull << 54) - 1);
    tm_set_csr(m, PMPCFG0, 0x1f);
}

static void build_tables(TestMachine *m)
{
    tm_w64(m, PT_ROOT + 0 * 8, pte(PT_L1, V));
    tm_w64(m, PT_ROOT + 1 * 8, pte(TM_RAM_BASE + 0x1000, V | R | W | A | D)); /* misaligned 1 GiB */
    tm_w64(m, PT_L1 + 0 * 8, pte(PT_L0, V));
    tm_w64(m, PT_L0 + 1 * 8, pte(PA_CODE, V | R | X | A));
    tm_w64(m, PT_L0 + 2 * 8, pte(PA_DATA, V | R | W));
    tm_w64(m, PT_L0 + 3 * 8, pte(PA_RO, V | R | A));
    tm_w64(m, PT_L0 + 4 * 8, pte(PA_USER, V | R | W | U | A | D));
}

/* Enter S mode at vpc with Sv39 on. */
static void enter_s(TestMachine *m, uint64_t vpc)
{
    Asm a = { m, PROG + 0x2000 };
    tm_set_csr(m, SATP, (8ull << 60) | (PT_ROOT >> 12));
    tm_set_csr(m, MEPC, vpc);
    tm_set_csr(m, MSTATUS, (tm_csr(m, MSTATUS) & ~(3ull << 11)) | (1ull << 11));
    hart_set_pc(m->h, a.pc);
    emit(&a, MRET);
}

static void test_sv39_ad_and_faults(void **st)
{
    (void)st;
    TestMachine *m = setup();
    build_tables(m);
    allow_all_pmp(m);
    tm_w64(m, PA_DATA, 0x1122334455667788ull);
    Asm c = { m, PA_CODE };
    emit(&c, LUI(5, 2));
    emit(&c, LD(6, 5, 0));
    emit(&c, SD(6, 5, 8));
    emit(&c, LUI(7, 3));
    emit(&c, LD(8, 7, 0));
    emit(&c, SD(8, 7, 0));      /* read-only page: store page fault */
    enter_s(m, 0x1000);
    uint64_t ex;
    hart_run(m->h, 7, &ex);
    assert_int_equal(ex, 7);
    assert_int_equal(tm_csr(m, MCAUSE), 15);
    assert_int_equal(tm_csr(m, MTVAL), 0x3000);
    assert_int_equal(tm_csr(m, MEPC), 0x1014);
    assert_int_equal(hart_get_xreg(m->h, 6), 0x1122334455667788ull);
    assert_int_equal(tm_r64(m, PA_DATA + 8), 0x1122334455667788ull);
    assert_int_equal(tm_r64(m, PT_L0 + 2 * 8) & (A | D), A | D);
    assert_int_equal(tm_r64(m, PT_L0 + 1 * 8) & (A | D), A);   /* code: no D */
    assert_int_equal(tm_r64(m, PT_L0 + 3 * 8) & D, 0);         /* faulting store sets no D */
    tm_free(m);
}

static void test_sv39_read_sets_only_a(void **st)
{
    (void)st;
    TestMachine *m = setup();
    build_tables(m);
    allow_all_pmp(m);
    Asm c = { m, PA_CODE };
    emit(&c, LUI(5, 2));
    emit(&c, LD(6, 5, 0));
    emit(&c, EBREAK);
    enter_s(m, 0x1000);
    uint64_t ex;
    hart_run(m->h, 4, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    assert_int_equal(tm_r64(m, PT_L0 + 2 * 8) & (A | D), A);
    tm_free(m);
}

static void test_sv39_page_faults(void **st)
{
    (void)st;
    TestMachine *m = setup();
    build_tables(m);
    allow_all_pmp(m);
    uint64_t ex;
    struct { uint32_t insn[2]; uint64_t cause, tval; } cases[] = {
        /* misaligned gigapage */
        { { LUI(5, 0x40000), LD(6, 5, 0) }, 13, 0x40000000 },
        /* unmapped VA 0x5000 (L0 entry invalid) */
        { { LUI(5, 5), SD(6, 5, 0) }, 15, 0x5000 },
        /* U page from S without SUM */
        { { LUI(5, 4), LD(6, 5, 0) }, 13, 0x4000 },
        /* fetch from a page without X */
        { { LUI(5, 2), JALR(0, 5, 0) }, 12, 0x2000 },
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        Asm c = { m, PA_CODE + 0x100 * i };
        emit(&c, cases[i].insn[0]);
        emit(&c, cases[i].insn[1]);
        enter_s(m, 0x1000 + 0x100 * i);
        hart_run(m->h, 4, &ex);
        assert_int_equal(tm_csr(m, MCAUSE), cases[i].cause);
        assert_int_equal(tm_csr(m, MTVAL), cases[i].tval);
    }
    /* Non-canonical address (bit 39 set, 38 clear). */
    Asm c = { m, PA_CODE + 0x800 };
    emit(&c, ADDI(5, 0, 1));
    emit(&c, SLLI(5, 5, 39));
    emit(&c, LD(6, 5, 0));
    enter_s(m, 0x1800);
    hart_run(m->h, 4, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 13);
    assert_int_equal(tm_csr(m, MTVAL), 1ull << 39);
    /* With SUM, S may read the U page. */
    Asm d = { m, PA_CODE + 0x900 };
    tm_w64(m, PA_USER, 77);
    emit(&d, LUI(5, 4));
    emit(&d, LD(6, 5, 0));
    emit(&d, EBREAK);
    enter_s(m, 0x1900);
    tm_set_csr(m, MSTATUS, tm_csr(m, MSTATUS) | (1ull << 18));
    hart_run(m->h, 4, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    assert_int_equal(hart_get_xreg(m->h, 6), 77);
    /* The debugger reads through the translation. */
    uint64_t v = 0;
    assert_true(hart_debug_read(m->h, 0x4000, &v, 8) || hart_priv(m->h) == 3);
    tm_free(m);
}

static void test_pmp_user(void **st)
{
    (void)st;
    TestMachine *m = setup();
    /* entry0: TOR [0, PROG+0x2000) R|X; entry1: locked NAPOT over DATA's page, R only. */
    tm_set_csr(m, PMPADDR0, (PROG + 0x2000) >> 2);
    tm_set_csr(m, PMPADDR0 + 1, (DATA >> 2) | 0x1ff);
    tm_set_csr(m, PMPCFG0, 0x990d);
    assert_int_equal(tm_csr(m, PMPCFG0), 0x990d);
    Asm u = { m, PROG + 0x1000 };
    asm_li(&u, 5, DATA + 0x1000);
    emit(&u, LD(6, 5, 0));      /* no entry matches: U denied */
    Asm mret = { m, PROG + 0x1f00 };
    emit(&mret, MRET);
    tm_set_csr(m, MEPC, PROG + 0x1000);
    tm_set_csr(m, MSTATUS, tm_csr(m, MSTATUS) & ~(3ull << 11));
    hart_set_pc(m->h, PROG + 0x1f00);
    uint64_t ex;
    hart_run(m->h, 10, &ex);
    assert_int_equal(hart_priv(m->h), 3);
    assert_int_equal(tm_csr(m, MCAUSE), 5);
    assert_int_equal(tm_csr(m, MTVAL), DATA + 0x1000);

    /* U store into the R|X region. */
    Asm u2 = { m, PROG + 0x1100 };
    asm_li(&u2, 5, PROG + 0x1800);
    emit(&u2, SD(0, 5, 0));
    tm_set_csr(m, MEPC, PROG + 0x1100);
    tm_set_csr(m, MSTATUS, tm_csr(m, MSTATUS) & ~(3ull << 11));
    hart_set_pc(m->h, PROG + 0x1f00);
    hart_run(m->h, 10, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 7);

    /* M mode: unlocked entries do not apply, the locked one does. */
    Asm mm = { m, PROG + 0x1200 };
    asm_li(&mm, 5, DATA);
    emit(&mm, LD(6, 5, 0));
    emit(&mm, SD(6, 5, 0));
    hart_set_pc(m->h, PROG + 0x1200);
    hart_run(m->h, 10, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 7);
    assert_int_equal(tm_csr(m, MEPC), PROG + 0x1224);
    /* Locked entries ignore writes. */
    tm_set_csr(m, PMPCFG0, 0x1f1f);
    assert_int_equal(tm_csr(m, PMPCFG0) >> 8 & 0xff, 0x99);
    tm_free(m);
}

static void test_pmp_walker(void **st)
{
    (void)st;
    TestMachine *m = setup();
    build_tables(m);
    /* entry0: page tables (64 KiB NAPOT) no access; entry1: everything. */
    tm_set_csr(m, PMPADDR0, (PT_ROOT >> 2) | 0x1fff);
    tm_set_csr(m, PMPADDR0 + 1, (1ull << 54) - 1);
    tm_set_csr(m, PMPCFG0, 0x1f18);
    Asm c = { m, PA_CODE };
    emit(&c, NOP);
    enter_s(m, 0x1000);
    uint64_t ex;
    hart_run(m->h, 2, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 1);
    assert_int_equal(tm_csr(m, MTVAL), 0x1000);
    assert_int_equal(tm_csr(m, MEPC), 0x1000);
    tm_free(m);
}

static void test_sfence_and_remap(void **st)
{
    (void)st;
    TestMachine *m = setup();
    build_tables(m);
    allow_all_pmp(m);
    tm_w64(m, PA_DATA, 1);
    tm_w64(m, PA_USER, 2);
    /* S code: load VA 0x2000, remap L0[2] to PA_USER via its identity... the
     * table itself is written by the host between runs, then SFENCE.VMA. */
    Asm c = { m, PA_CODE };
    emit(&c, LUI(5, 2));
    emit(&c, LD(6, 5, 0));
    emit(&c, SFENCE_VMA);
    emit(&c, LD(7, 5, 0));
    emit(&c, EBREAK);
    enter_s(m, 0x1000);
    uint64_t ex;
    hart_run(m->h, 3, &ex);
    assert_int_equal(hart_get_xreg(m->h, 6), 1);
    tm_w64(m, PT_L0 + 2 * 8, pte(PA_USER, V | R | W | A | D));
    hart_run(m->h, 3, &ex);
    assert_int_equal(hart_get_xreg(m->h, 7), 2);
    tm_free(m);
}

/*
 * Cached translations must be unobservable: the guest below rewrites its
 * own page tables without SFENCE.VMA (clears PTE.A with a store and with an
 * AMO, as Linux's ptep_test_and_clear_young does, then remaps a page), and
 * what it computes must not depend on when the simulator flushed its
 * caches. Run it straight, then one step at a time with every cache flushed
 * before each step: registers and page tables must come out the same, and
 * equal to what walking the tables on every access gives.
 */
#define PA_ALT (TM_RAM_BASE + 0x23000)
#define ANDI(rd, rs1, imm) enc_i((imm), (rs1), 7, (rd), 0x13)
#define AMOAND_D(rd, rs1, rs2) enc_r(0x0c << 2, (rs2), (rs1), 3, (rd), 0x2f)

static TestMachine *pt_rewrite_guest(unsigned *steps)
{
    TestMachine *m = setup();
    build_tables(m);
    allow_all_pmp(m);
    tm_w64(m, PT_L0 + 5 * 8, pte(PT_L0, V | R | W | A | D));   /* VA 0x5000: the L0 table */
    tm_w64(m, PA_DATA, 0x1111);
    tm_w64(m, PA_ALT, 0x2222);
    Asm c = { m, PA_CODE };
    emit(&c, LUI(5, 2));            /* x5 = VA of the data page */
    emit(&c, LUI(9, 5));            /* x9 = VA of the L0 table */
    emit(&c, LD(6, 5, 0));          /* walk: A set on L0[2] */
    emit(&c, LD(7, 9, 16));
    emit(&c, ANDI(7, 7, -65));      /* clear A with a plain store */
    emit(&c, SD(7, 9, 16));
    emit(&c, LD(6, 5, 0));          /* must walk again and set A again */
    emit(&c, LD(20, 9, 16));
    emit(&c, ADDI(10, 0, -65));
    emit(&c, ADDI(11, 9, 16));
    emit(&c, AMOAND_D(0, 11, 10));  /* clear A with an AMO */
    emit(&c, LD(21, 5, 0));
    emit(&c, LD(22, 9, 16));
    asm_li(&c, 12, pte(PA_ALT, V | R | W | A | D));
    emit(&c, SD(12, 9, 16));        /* remap the data page, no fence */
    emit(&c, LD(23, 5, 0));         /* reads the new page */
    emit(&c, EBREAK);
    *steps = (unsigned)((c.pc - PA_CODE) / 4);
    enter_s(m, 0x1000);
    return m;
}

static void test_translations_coherent_with_page_tables(void **st)
{
    (void)st;
    unsigned n;
    uint64_t ex, a[32], b[32];
    TestMachine *m1 = pt_rewrite_guest(&n), *m2 = pt_rewrite_guest(&n);

    hart_run(m1->h, n + 1, &ex);     /* + the mret that enters S mode */
    assert_int_equal(tm_csr(m1, MCAUSE), 3);
    for (unsigned i = 0; i <= n; i++) {
        hart_flush_caches(m2->h);
        hart_run(m2->h, 1, &ex);
    }
    assert_int_equal(tm_csr(m2, MCAUSE), 3);

    assert_int_equal(hart_get_xreg(m1->h, 20) & A, A);   /* re-set after the store */
    assert_int_equal(hart_get_xreg(m1->h, 22) & A, A);   /* re-set after the AMO */
    assert_int_equal(hart_get_xreg(m1->h, 21), 0x1111);
    assert_int_equal(hart_get_xreg(m1->h, 23), 0x2222);  /* the remap is seen */
    for (int r = 0; r < 32; r++) {
        a[r] = hart_get_xreg(m1->h, r);
        b[r] = hart_get_xreg(m2->h, r);
    }
    assert_memory_equal(a, b, sizeof(a));
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal(tm_r64(m1, PT_L0 + i * 8), tm_r64(m2, PT_L0 + i * 8));
    tm_free(m1);
    tm_free(m2);
}

/* A misaligned store whose second page faults writes nothing at all, and
 * reports the first address of the faulting part. */
static void test_misaligned_store_across_pages(void **st)
{
    (void)st;
    TestMachine *m = setup();
    build_tables(m);
    allow_all_pmp(m);
    tm_w64(m, PA_DATA + 0xff8, 0x1111111111111111ull);
    Asm c = { m, PA_CODE };
    emit(&c, LUI(5, 3));
    emit(&c, ADDI(5, 5, -4));       /* x5 = 0x2ffc: four bytes on the read-only page */
    emit(&c, ADDI(6, 0, -1));
    emit(&c, SD(6, 5, 0));
    enter_s(m, 0x1000);
    uint64_t ex;
    hart_run(m->h, 5, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 15);
    assert_int_equal(tm_csr(m, MTVAL), 0x3000);
    assert_int_equal(tm_csr(m, MEPC), 0x100c);
    assert_int_equal(tm_r64(m, PA_DATA + 0xff8), 0x1111111111111111ull);
    tm_free(m);
}

/* ---- Sv57, Svnapot, Svpbmt, Zicbom/Zicboz, Svinval ---------------------- */

#define MENVCFG 0x30a
#define CBO(fn, rs1) (((uint32_t)(fn) << 20) | ((rs1) << 15) | (2u << 12) | 0x0fu)
#define SINVAL_VMA(rs1, rs2) (0x16000073u | ((rs2) << 20) | ((rs1) << 15))
#define PA_NAPOT (TM_RAM_BASE + 0x40000)   /* 64 KiB aligned */

static TestMachine *setup_ext(uint64_t ext)
{
    TestMachine *m = tm_new_ext(ext);
    tm_w32(m, HALT, JAL(0, 0));
    tm_set_csr(m, MTVEC, HALT);
    build_tables(m);
    allow_all_pmp(m);
    return m;
}

/* Run S-mode code at VA 0x1000 (PA_CODE) that makes one access `insn`
 * through x5 = va (x6 = 0 and x7 = 0x7777 before); returns mcause. */
static uint64_t s_access(TestMachine *m, uint64_t va, uint32_t insn)
{
    Asm c = { m, PA_CODE };
    uint64_t ex;
    asm_li(&c, 5, va);
    emit(&c, insn);
    emit(&c, EBREAK);
    hart_flush_caches(m->h);
    enter_s(m, 0x1000);
    hart_set_xreg(m->h, 6, 0);
    hart_set_xreg(m->h, 7, 0x7777);
    hart_run(m->h, 20, &ex);
    return tm_csr(m, MCAUSE);
}

/* Loads VA `va` into x6 in S mode. */
static uint64_t s_load(TestMachine *m, uint64_t va, uint64_t *cause)
{
    *cause = s_access(m, va, LD(6, 5, 0));
    return hart_get_xreg(m->h, 6);
}

static void test_sv57(void **st)
{
    (void)st;
    enum { ROOT5 = PT_ROOT + 0x8000 };
    uint64_t cause;
    for (int with = 0; with < 2; with++) {
        TestMachine *m = setup_ext(with ? HART_EXT_SV57 : 0);
        /* Level 4 -> level 3 -> the Sv48 tables' root (levels 2..0 as in Sv39). */
        tm_w64(m, ROOT5, pte(ROOT5 + 0x1000, V));
        tm_w64(m, ROOT5 + 0x1000, pte(PT_ROOT, V));
        tm_w64(m, PA_DATA, 0x5757);
        tm_set_csr(m, SATP, (10ull << 60) | (ROOT5 >> 12));
        if (!with) {
            assert_int_equal(tm_csr(m, SATP), 0);   /* mode 10 refused: write ignored */
            tm_free(m);
            continue;
        }
        assert_int_equal(tm_csr(m, SATP) >> 60, 10);
        Asm c = { m, PA_CODE };
        emit(&c, LUI(5, 2));
        emit(&c, LD(6, 5, 0));
        emit(&c, EBREAK);
        Asm a = { m, PROG + 0x2000 };
        tm_set_csr(m, MEPC, 0x1000);
        tm_set_csr(m, MSTATUS, (tm_csr(m, MSTATUS) & ~(3ull << 11)) | (1ull << 11));
        hart_set_pc(m->h, a.pc);
        emit(&a, MRET);
        uint64_t ex;
        hart_run(m->h, 4, &ex);
        assert_int_equal(tm_csr(m, MCAUSE), 3);
        assert_int_equal(hart_get_xreg(m->h, 6), 0x5757);
        /* A 57-bit VA with bits 56..47 not all equal to bit 56 would be
         * non-canonical for Sv48 but is fine here: the walk finds no PTE. */
        (void)cause;
        tm_free(m);
    }
}

static void test_svnapot(void **st)
{
    (void)st;
    uint64_t cause, v;
    uint64_t napot = (1ull << 63) | ((((PA_NAPOT >> 12) & ~0xfull) | 0x8) << 10) | V | R | W | A | D;
    for (int with = 0; with < 2; with++) {
        TestMachine *m = setup_ext(with ? HART_EXT_SVNAPOT : 0);
        tm_w64(m, PA_NAPOT + 0x3008, 0xabcd);
        for (unsigned i = 0; i < 16; i++)
            tm_w64(m, PT_L0 + (0x10 + i) * 8, napot);   /* VA 0x10000..0x1ffff */
        v = s_load(m, 0x13008, &cause);
        if (with) {
            assert_int_equal(cause, 3);
            assert_int_equal(v, 0xabcd);
        } else {
            assert_int_equal(cause, 13);     /* N is reserved without Svnapot */
        }
        /* Only the 64 KiB encoding (ppn[3:0] = 1000) is defined. */
        tm_w64(m, PT_L0 + 0x13 * 8, napot ^ (0xcull << 10));
        s_load(m, 0x13008, &cause);
        assert_int_equal(cause, 13);
        tm_free(m);
    }
}

/* Who sets A and D: the walker (QEMU's way, and Svadu with menvcfg.ADUE),
 * or software after a page fault (Svade, and Svadu with ADUE clear). */
static void test_svadu_svade(void **st)
{
    (void)st;
    const uint64_t pte_addr = PT_L0 + 2 * 8;       /* VA 0x2000 -> PA_DATA, no A/D */
    const struct { uint64_t ext; bool adue_off; bool hw; } cases[] = {
        { 0, false, true },
        { HART_EXT_SVADE, false, false },
        { HART_EXT_SVADU, false, true },            /* ADUE is set at reset */
        { HART_EXT_SVADU, true, false },
        { HART_EXT_SVADU | HART_EXT_SVADE, false, true },
        { HART_EXT_SVADU | HART_EXT_SVADE, true, false },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        TestMachine *m = setup_ext(cases[i].ext);
        uint64_t cause;
        assert_int_equal(tm_csr(m, MENVCFG) >> 61 & 1, !!(cases[i].ext & HART_EXT_SVADU));
        if (cases[i].adue_off)
            tm_set_csr(m, MENVCFG, 0);
        uint64_t before = tm_r64(m, pte_addr);
        s_load(m, 0x2000, &cause);
        if (cases[i].hw) {
            assert_int_equal(cause, 3);
            assert_int_equal(tm_r64(m, pte_addr), before | A);
            assert_int_equal(s_access(m, 0x2000, SD(7, 5, 0)), 3);
            assert_int_equal(tm_r64(m, pte_addr), before | A | D);
            assert_int_equal(tm_r64(m, PA_DATA), 0x7777);
        } else {
            assert_int_equal(cause, 13);
            assert_int_equal(tm_r64(m, pte_addr), before);
            /* With A set by software, reads work; a store still faults on D
             * although a read translation of the page is cached. */
            tm_w64(m, pte_addr, before | A);
            s_load(m, 0x2000, &cause);
            assert_int_equal(cause, 3);
            assert_int_equal(s_access(m, 0x2000, SD(7, 5, 0)), 15);
            assert_int_equal(tm_r64(m, pte_addr), before | A);
            assert_int_not_equal(tm_r64(m, PA_DATA), 0x7777);
        }
        tm_free(m);
    }
    /* Without Svadu, ADUE is not writable. */
    TestMachine *m = setup_ext(0);
    tm_set_csr(m, MENVCFG, 1ull << 61);
    assert_int_equal(tm_csr(m, MENVCFG), 0);
    tm_free(m);
}

static void test_svpbmt(void **st)
{
    (void)st;
    uint64_t cause;
    TestMachine *m = setup_ext(HART_EXT_SVPBMT);
    tm_w64(m, PA_DATA, 0x77);
    tm_w64(m, PT_L0 + 2 * 8, pte(PA_DATA, V | R | W | A | D) | (1ull << 61));    /* NC */
    s_load(m, 0x2000, &cause);
    assert_int_equal(cause, 13);            /* PBMT needs menvcfg.PBMTE */
    tm_set_csr(m, MENVCFG, 1ull << 62);
    assert_int_equal(tm_csr(m, MENVCFG), 1ull << 62);
    assert_int_equal(s_load(m, 0x2000, &cause), 0x77);
    assert_int_equal(cause, 3);
    tm_w64(m, PT_L0 + 2 * 8, pte(PA_DATA, V | R | W | A | D) | (3ull << 61));    /* reserved */
    s_load(m, 0x2000, &cause);
    assert_int_equal(cause, 13);
    tm_free(m);
    m = setup_ext(0);
    tm_set_csr(m, MENVCFG, 1ull << 62);
    assert_int_equal(tm_csr(m, MENVCFG), 0);    /* no Svpbmt: PBMTE is read-only 0 */
    tm_free(m);
}

static void test_cbo(void **st)
{
    (void)st;
    uint64_t ex;
    TestMachine *m = setup_ext(HART_EXT_ZICBOM | HART_EXT_ZICBOZ);
    for (unsigned i = 0; i < 0x100; i += 8)
        tm_w64(m, PA_DATA + i, ~0ull);
    /* S mode: CBO.ZERO is illegal until menvcfg.CBZE, then zeroes the
     * 64-byte block holding the address; CBO.CLEAN on a missing page is a
     * store page fault; CBO.ZERO on a read-only page too. */
    Asm c = { m, PA_CODE };
    emit(&c, LUI(5, 2));
    emit(&c, ADDI(5, 5, 0x45));
    emit(&c, CBO(4, 5));
    emit(&c, EBREAK);
    enter_s(m, 0x1000);
    hart_run(m->h, 4, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 2);
    assert_int_equal(tm_csr(m, MTVAL), CBO(4, 5));

    tm_set_csr(m, MENVCFG, ENVCFG_CBZE | ENVCFG_CBCFE | ENVCFG_CBIE_INVAL);
    hart_flush_caches(m->h);
    enter_s(m, 0x1000);
    hart_run(m->h, 5, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    assert_int_equal(tm_r64(m, PA_DATA + 0x38), ~0ull);
    for (unsigned i = 0x40; i < 0x80; i += 8)
        assert_int_equal(tm_r64(m, PA_DATA + i), 0);
    assert_int_equal(tm_r64(m, PA_DATA + 0x80), ~0ull);
    assert_int_equal(tm_r64(m, PT_L0 + 2 * 8) & (A | D), A | D);

    c.pc = PA_CODE;
    emit(&c, LUI(5, 3));
    emit(&c, ADDI(5, 5, 0x7f));
    emit(&c, CBO(4, 5));                  /* read-only page */
    hart_flush_caches(m->h);
    enter_s(m, 0x1000);
    hart_run(m->h, 4, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 15);
    assert_int_equal(tm_csr(m, MTVAL), 0x307f);   /* rs1, not the block */

    c.pc = PA_CODE;
    emit(&c, LUI(5, 7));                  /* VA 0x7000: not mapped */
    emit(&c, ADDI(5, 5, 0x29));
    emit(&c, CBO(1, 5));
    hart_flush_caches(m->h);
    enter_s(m, 0x1000);
    hart_run(m->h, 4, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 15);
    assert_int_equal(tm_csr(m, MTVAL), 0x7029);

    /* M mode, no translation: where nothing answers loads and stores, the
     * management operations fault too (store access fault, tval = rs1); on
     * a device they are allowed (and do nothing). */
    tm_set_csr(m, SATP, 0);
    static const struct { uint32_t lui; unsigned fn; uint64_t cause; } phys[] = {
        { 0x20000, 1, 7 }, { 0x20000, 0, 7 }, { 0x20000, 4, 7 },
        { TM_DEV_BASE >> 12, 2, 3 },
    };
    for (unsigned i = 0; i < sizeof(phys) / sizeof(phys[0]); i++) {
        Asm p = { m, PROG + 0x100 };
        emit(&p, LUI(5, phys[i].lui));
        emit(&p, ADDI(5, 5, 0x23));
        emit(&p, CBO(phys[i].fn, 5));
        emit(&p, EBREAK);
        hart_flush_caches(m->h);
        hart_set_pc(m->h, PROG + 0x100);
        hart_run(m->h, 4, &ex);
        assert_int_equal(tm_csr(m, MCAUSE), phys[i].cause);
        if (phys[i].cause == 7)
            assert_int_equal(tm_csr(m, MTVAL), ((uint64_t)phys[i].lui << 12) + 0x23);
    }
    tm_free(m);
}

static void test_svinval(void **st)
{
    (void)st;
    uint64_t ex;
    TestMachine *m = setup_ext(HART_EXT_SVINVAL);
    tm_w64(m, PA_DATA, 1);
    tm_w64(m, PA_USER, 2);
    Asm c = { m, PA_CODE };
    emit(&c, LUI(5, 2));
    emit(&c, LD(6, 5, 0));
    emit(&c, 0x18000073u);                /* sfence.w.inval */
    emit(&c, SINVAL_VMA(0, 0));
    emit(&c, 0x18100073u);                /* sfence.inval.ir */
    emit(&c, LD(7, 5, 0));
    emit(&c, EBREAK);
    enter_s(m, 0x1000);
    hart_run(m->h, 3, &ex);
    tm_w64(m, PT_L0 + 2 * 8, pte(PA_USER, V | R | W | A | D));
    hart_run(m->h, 5, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 3);
    assert_int_equal(hart_get_xreg(m->h, 6), 1);
    assert_int_equal(hart_get_xreg(m->h, 7), 2);
    tm_free(m);
    /* Without the extension they are illegal. */
    m = setup_ext(0);
    c = (Asm){ m, PA_CODE };
    emit(&c, SINVAL_VMA(0, 0));
    enter_s(m, 0x1000);
    hart_run(m->h, 2, &ex);
    assert_int_equal(tm_csr(m, MCAUSE), 2);
    tm_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sv39_ad_and_faults),
        cmocka_unit_test(test_sv39_read_sets_only_a),
        cmocka_unit_test(test_sv39_page_faults),
        cmocka_unit_test(test_pmp_user),
        cmocka_unit_test(test_pmp_walker),
        cmocka_unit_test(test_sfence_and_remap),
        cmocka_unit_test(test_translations_coherent_with_page_tables),
        cmocka_unit_test(test_misaligned_store_across_pages),
        cmocka_unit_test(test_sv57),
        cmocka_unit_test(test_svnapot),
        cmocka_unit_test(test_svpbmt),
        cmocka_unit_test(test_svadu_svade),
        cmocka_unit_test(test_cbo),
        cmocka_unit_test(test_svinval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
