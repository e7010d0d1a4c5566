/*
 * ext_mmu: the address-translation extensions Svnapot, Svpbmt, Svinval and
 * Sv57 (priv spec 1.12: 4.6 for Sv57, and the Svnapot, Svpbmt and Svinval
 * chapters).
 *
 * Built three ways: plain, for a hart with svnapot=on,svpbmt=on,svinval=on;
 * with EXT_OFF, for the default hart where the three are off (the N and PBMT
 * PTE bits are then reserved and fault, the Svinval instructions are
 * illegal); and with SPEC_STRICT (on rrsim alone), which adds the cases QEMU
 * 7.2 gets wrong (see the comments at each).  Sv57 is on in both harts (QEMU
 * 7.2 takes satp mode 10 on any rv64 hart).
 *
 * Tables: VA 0x40000000 (the window) holds a 64 KiB NAPOT page (16 PTEs),
 * NAPOT PTEs with the reserved sizes, pages with each PBMT value and reserved
 * bits, and a page that is remapped around the Svinval fences; DRAM's
 * gigapage is identity-mapped for the code.  Sv57 reaches the same tables
 * through two more levels and adds mappings above Sv48's 256 TiB: a
 * gigapage, a 512 GiB page and 256 TiB pages, in both halves.  The S/U code
 * under test runs through rt_run_mode(); faults go to M and print cause and
 * whether stval was the address.
 */
#include "rt.h"

#define PTE_V 0x01UL
#define PTE_R 0x02UL
#define PTE_W 0x04UL
#define PTE_X 0x08UL
#define PTE_U 0x10UL
#define PTE_A 0x40UL
#define PTE_D 0x80UL
#define PTE_NC   (1UL << 61)
#define PTE_IO   (2UL << 61)
#define PTE_PBMT (3UL << 61)
#define PTE_N    (1UL << 63)
#define PTE(pa, fl) ((((uint64_t)(pa)) >> 12) << 10 | (fl))
#define RW   (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define RWX  (RW | PTE_X)

#define MSTATUS_TVM (1UL << 20)
#define MENVCFG_PBMTE (1UL << 62)

#define SATP_SV39 (8UL << 60)
#define SATP_SV48 (9UL << 60)
#define SATP_SV57 (10UL << 60)

#define WIN         0x40000000UL
#define VA_NAPOT    (WIN + 0x00000)       /* 16 PTEs: one 64 KiB page */
#define VA_NAPOT_RO (WIN + 0x10000)       /* 64 KiB, read-only */
#define VA_BADNAPOT (WIN + 0x20000)       /* N with ppn[3:0] != 1000, three kinds */
#define VA_NC       (WIN + 0x30000)
#define VA_IO       (WIN + 0x31000)
#define VA_PBMT3    (WIN + 0x32000)
#define VA_RES54    (WIN + 0x33000)
#define VA_RES60    (WIN + 0x34000)
#define VA_REMAP    (WIN + 0x38000)
#define VA_NMEGA    (WIN + 0x200000)      /* N on a level-1 leaf */
#define VA_NNONLEAF (WIN + 0x400000)      /* N on a non-leaf PTE */
#define VA_PNONLEAF (WIN + 0x600000)      /* PBMT on a non-leaf PTE */

typedef uint64_t Table[512] __attribute__((aligned(4096)));
static Table root, l1, l0, l0b, root57, l3a, l3b, l2b;
/* The NAPOT target: 16 pages, 64 KiB aligned. */
static uint64_t np[16][512] __attribute__((aligned(65536)));
static uint64_t pg_nc[512] __attribute__((aligned(4096)));
static uint64_t pg_io[512] __attribute__((aligned(4096)));
static uint64_t pg_a[512] __attribute__((aligned(4096)));
static uint64_t pg_b[512] __attribute__((aligned(4096)));
static volatile uint64_t hi_data[4];

static uint64_t total;

static void show(const char *name, uint64_t got, uint64_t want)
{
    rt_printf("%-36s %016lx\n", name, got);
    total = rt_mix(total, got);
    if (got != want) {
        rt_printf("  want %016lx\n", want);
        rt_check_fail(__FILE__, __LINE__, name);
    }
}

static volatile uint64_t store_value;

static uint64_t do_load(uint64_t va) { return *(volatile uint64_t *)va; }
static uint64_t do_store(uint64_t va) { *(volatile uint64_t *)va = store_value; return 0; }
static uint64_t do_fetch(uint64_t va) { return ((uint64_t (*)(void))va)(); }

#define SVINVAL ".option push\n\t.option arch, +svinval\n\t"
#define POP "\n\t.option pop"

static uint64_t do_sinval(uint64_t va)
{
    __asm__ volatile(SVINVAL "sinval.vma %0, zero" POP :: "r"(va) : "memory");
    return 1;
}
static uint64_t do_sinval_all(uint64_t va)
{
    __asm__ volatile(SVINVAL "sinval.vma zero, zero" POP ::: "memory");
    return 2;
}
static uint64_t do_w_inval(uint64_t va)
{
    __asm__ volatile(SVINVAL "sfence.w.inval" POP ::: "memory");
    return 3;
}
static uint64_t do_inval_ir(uint64_t va)
{
    __asm__ volatile(SVINVAL "sfence.inval.ir" POP ::: "memory");
    return 4;
}
#ifndef EXT_OFF
/* The Svinval sequence around a changed PTE: the load sees the new mapping. */
static uint64_t do_svinval_load(uint64_t va)
{
    __asm__ volatile(SVINVAL "sfence.w.inval\n\tsinval.vma %0, zero\n\tsfence.inval.ir" POP
                     :: "r"(va) : "memory");
    return *(volatile uint64_t *)va;
}
#endif

static const uint32_t insn_sinval = 0x16050073;      /* sinval.vma a0, zero */

static void set_satp(uint64_t v)
{
    csr_write(satp, v);
    __asm__ volatile("sfence.vma" ::: "memory");
}

/* Runs fn(va) in `mode`; prints the result, or the fault's cause and whether stval = va. */
static uint64_t access(const char *what, int mode, uint64_t (*fn)(uint64_t), uint64_t va)
{
    rt_expect_trap();
    uint64_t r = rt_run_mode(mode, fn, va);
    rt_disarm();
    if (rt_trap.count) {
        rt_printf("%-36s fault cause %lx tval %s\n", what, rt_trap.cause,
                  rt_trap.tval == va ? "=va" : "!=va");
        total = rt_mix(rt_mix(total, rt_trap.cause), rt_trap.tval == va);
        return ~0UL;
    }
    rt_printf("%-36s ok %016lx\n", what, r);
    total = rt_mix(total, r);
    return r;
}

static void expect_ok(const char *what, int mode, uint64_t (*fn)(uint64_t), uint64_t va,
                      uint64_t want)
{
    uint64_t r = access(what, mode, fn, va);
    CHECK_EQ(rt_trap.count, 0);
    CHECK_EQ(r, want);
}

static void expect_fault(const char *what, int mode, uint64_t (*fn)(uint64_t), uint64_t va,
                         uint64_t cause)
{
    access(what, mode, fn, va);
    CHECK_EQ(rt_trap.count, 1);
    CHECK_EQ(rt_trap.cause, cause);
    CHECK_EQ(rt_trap.tval, va);
}

/*
 * An Svinval instruction that must raise illegal instruction.  stval may be
 * 0 or the instruction (priv 3.1.16); QEMU 7.2 gives 0 where the privilege
 * check fails (U mode, TVM) and the bits where the extension is off, rrsim
 * the bits: only "one of the two" is printed.
 */
static void expect_illegal(const char *what, int mode, uint64_t (*fn)(uint64_t), uint32_t insn)
{
    rt_expect_trap();
    rt_run_mode(mode, fn, 0);
    rt_disarm();
    int tval_ok = rt_trap.tval == 0 || rt_trap.tval == insn;
    rt_printf("%-36s traps %lu cause %lx, tval 0 or insn: %d\n", what, rt_trap.count,
              rt_trap.cause, tval_ok);
    total = rt_mix(rt_mix(rt_mix(total, rt_trap.count), rt_trap.cause), tval_ok);
    CHECK_EQ(rt_trap.count, 1);
    CHECK_EQ(rt_trap.cause, 2);
    CHECK(tval_ok);
}

#define NAPOT_MARK(k) (0x4e41504f00000000UL | (k))

static void build_tables(void)
{
    uint64_t napot = (((uint64_t)np >> 12) | 0x8) << 10;   /* ppn[3:0] = 1000: 64 KiB */

    root[1] = PTE(l1, PTE_V);
    root[2] = PTE(0x80000000UL, RWX);
    l1[0] = PTE(l0, PTE_V);
    l1[1] = PTE(np, RW) | PTE_N;                        /* N on a megapage leaf */
    l1[2] = PTE(l0b, PTE_V) | PTE_N;                    /* N on a non-leaf */
    l1[3] = PTE(l0b, PTE_V) | PTE_NC;                   /* PBMT on a non-leaf */
    l0b[0] = PTE(pg_a, RW);
    for (int k = 0; k < 16; k++) {
        l0[0x00 + k] = napot | RWX | PTE_N;
        l0[0x10 + k] = napot | PTE_V | PTE_R | PTE_A | PTE_N;
        np[k][k] = NAPOT_MARK(k);
    }
    l0[0x20] = (((uint64_t)np >> 12 | 0x4) << 10) | RW | PTE_N;   /* 32 KiB: reserved */
    l0[0x21] = (((uint64_t)np >> 12) << 10) | RW | PTE_N;         /* ppn[3:0] = 0000 */
    l0[0x22] = (((uint64_t)np >> 12 | 0x9) << 10) | RW | PTE_N;   /* ppn[3:0] = 1001 */
    l0[0x30] = PTE(pg_nc, RW) | PTE_NC;
    l0[0x31] = PTE(pg_io, RW) | PTE_IO;
    l0[0x32] = PTE(pg_a, RW) | PTE_PBMT;                /* PBMT = 3: reserved */
    l0[0x33] = PTE(pg_a, RW) | (1UL << 54);             /* reserved bits */
    l0[0x34] = PTE(pg_a, RW) | (1UL << 60);
    l0[0x38] = PTE(pg_a, RW);
    pg_nc[0] = 0x4e43;
    pg_io[0] = 0x494f;
    pg_a[0] = 0xaaaa;
    pg_b[0] = 0xbbbb;

    /* Sv57: level 4 -> level 3 -> the Sv39 root as level 2, and above 2^48. */
    root57[0] = PTE(l3a, PTE_V);
    l3a[0] = PTE(root, PTE_V);
    root57[1] = PTE(l3b, PTE_V);
    l3b[0] = PTE(l2b, PTE_V);
    l2b[2] = PTE(0x80000000UL, RW);                     /* 1 GiB at 2^48 + 2 GiB */
    l3b[1] = PTE(0, RW);                                /* 512 GiB at 2^48 + 2^39 */
    root57[2] = PTE(0, RW);                             /* 256 TiB at 2^49 */
    root57[0x100] = PTE(0, RW);                         /* 256 TiB at -2^56 */
    root57[3] = PTE(0x80000000UL, RW);                  /* misaligned 256 TiB page */
}

static void test_svnapot(void)
{
    rt_puts("-- Svnapot\n");
    set_satp(SATP_SV39 | ((uint64_t)root >> 12));
#ifndef EXT_OFF
    /* Each 4 KiB page of the range maps the page of the same index (priv 4.7). */
    uint64_t h = 0, want = 0;
    for (int k = 0; k < 16; k++) {
        uint64_t va = VA_NAPOT + 0x1000UL * k + 8 * k;
        rt_expect_trap();
        uint64_t v = rt_run_mode(PRV_S, do_load, va);
        rt_disarm();
        h = rt_mix(h, rt_trap.count ? rt_trap.cause : v);
        want = rt_mix(want, NAPOT_MARK(k));
    }
    show("napot: each sub-page maps its page", h, want);
    store_value = 0x5354;
    expect_ok("napot: store to sub-page 9", PRV_S, do_store, VA_NAPOT + 0x9ff8, 0);
    show("napot: store reached page 9", np[9][511], 0x5354);
    np[5][32] = 0x0000806705500513UL;       /* li a0, 0x55; ret (page 5 + 0x100) */
    __asm__ volatile("fence.i" ::: "memory");
    expect_ok("napot: fetch from sub-page 5", PRV_S, do_fetch, VA_NAPOT + 0x5100, 0x55);
    expect_ok("napot read-only: load", PRV_S, do_load, VA_NAPOT_RO + 0xc000 + 8 * 12,
              NAPOT_MARK(12));
    expect_fault("napot read-only: store", PRV_S, do_store, VA_NAPOT_RO + 0x3000, 15);
#else
    /* Without Svnapot, bit 63 (N) is reserved: the PTE faults. */
    expect_fault("N without Svnapot: load", PRV_S, do_load, VA_NAPOT + 0x5000, 13);
    expect_fault("N without Svnapot: store", PRV_S, do_store, VA_NAPOT, 15);
    expect_fault("N without Svnapot: fetch", PRV_S, do_fetch, VA_NAPOT + 0x5100, 12);
#endif
    /* Only the 64 KiB size (ppn[3:0] = 1000) is defined; N only on level-0 leaves. */
    expect_fault("napot size 32 KiB (reserved)", PRV_S, do_load, VA_BADNAPOT, 13);
    expect_fault("napot ppn[3:0] = 0000", PRV_S, do_load, VA_BADNAPOT + 0x1000, 13);
    expect_fault("napot ppn[3:0] = 1001", PRV_S, do_store, VA_BADNAPOT + 0x2000, 15);
    expect_fault("N on a megapage leaf", PRV_S, do_load, VA_NMEGA, 13);
    expect_fault("N on a non-leaf pte", PRV_S, do_load, VA_NNONLEAF, 13);
}

static void test_svpbmt(void)
{
    rt_puts("-- Svpbmt\n");
#ifndef EXT_OFF
    csr_write(0x30a, MENVCFG_PBMTE);
    show("menvcfg.PBMTE <- 1", csr_read(0x30a) & MENVCFG_PBMTE, MENVCFG_PBMTE);
    __asm__ volatile("sfence.vma" ::: "memory");
    /* NC and IO change the memory type, not the result, of main-memory accesses. */
    expect_ok("PBMT=NC load", PRV_S, do_load, VA_NC, 0x4e43);
    store_value = 0x6e63;
    expect_ok("PBMT=NC store", PRV_S, do_store, VA_NC + 8, 0);
    show("PBMT=NC store reached the page", pg_nc[1], 0x6e63);
    expect_ok("PBMT=IO load", PRV_S, do_load, VA_IO, 0x494f);
    store_value = 0x696f;
    expect_ok("PBMT=IO store", PRV_S, do_store, VA_IO + 8, 0);
    show("PBMT=IO store reached the page", pg_io[1], 0x696f);
#ifdef SPEC_STRICT
    /*
     * QEMU 7.2 accepts all three: it neither reserves PBMT = 3 nor bits
     * 60..54 (priv 4.4.1: reserved bits set in a PTE raise a page fault).
     */
    expect_fault("PBMT=3 (reserved)", PRV_S, do_load, VA_PBMT3, 13);
    expect_fault("pte bit 54 (reserved)", PRV_S, do_load, VA_RES54, 13);
    expect_fault("pte bit 60 (reserved)", PRV_S, do_store, VA_RES60, 15);
    /*
     * With menvcfg.PBMTE = 0, PBMT is reserved (Svpbmt chapter); QEMU 7.2
     * does not look at PBMTE.
     */
    csr_write(0x30a, 0);
    __asm__ volatile("sfence.vma" ::: "memory");
    expect_fault("PBMT=NC with PBMTE=0", PRV_S, do_load, VA_NC, 13);
    expect_fault("PBMT=IO with PBMTE=0", PRV_S, do_store, VA_IO, 15);
    csr_write(0x30a, MENVCFG_PBMTE);
    __asm__ volatile("sfence.vma" ::: "memory");
#endif
#else
    /*
     * Without Svpbmt, bits 62..61 are reserved.  (menvcfg.PBMTE is not
     * written: QEMU 7.2 lets it be set even then, and honours it.)
     */
    expect_fault("PBMT=NC without Svpbmt", PRV_S, do_load, VA_NC, 13);
    expect_fault("PBMT=IO without Svpbmt", PRV_S, do_store, VA_IO, 15);
#endif
    /* PBMT is reserved in non-leaf PTEs. */
    expect_fault("PBMT on a non-leaf pte", PRV_S, do_load, VA_PNONLEAF, 13);
    csr_write(0x30a, 0);
    set_satp(0);
}

static void test_svinval(void)
{
    rt_puts("-- Svinval\n");
    set_satp(SATP_SV39 | ((uint64_t)root >> 12));
#ifndef EXT_OFF
    expect_ok("S sinval.vma va", PRV_S, do_sinval, VA_REMAP, 1);
    expect_ok("S sinval.vma all", PRV_S, do_sinval_all, 0, 2);
    expect_ok("S sfence.w.inval", PRV_S, do_w_inval, 0, 3);
    expect_ok("S sfence.inval.ir", PRV_S, do_inval_ir, 0, 4);
    /* A PTE changed between two loads, with the Svinval fences in between. */
    expect_ok("S load before remap", PRV_S, do_load, VA_REMAP, 0xaaaa);
    l0[0x38] = PTE(pg_b, RW);
    expect_ok("S load after remap + svinval", PRV_S, do_svinval_load, VA_REMAP, 0xbbbb);
    /* sinval.vma follows sfence.vma's rules: TVM makes it illegal in S... */
    csr_set(mstatus, MSTATUS_TVM);
    expect_illegal("S sinval.vma with TVM", PRV_S, do_sinval, insn_sinval);
    /* ...but the two fences only order, so TVM does not trap them. */
    expect_ok("S sfence.w.inval with TVM", PRV_S, do_w_inval, 0, 3);
    expect_ok("S sfence.inval.ir with TVM", PRV_S, do_inval_ir, 0, 4);
    csr_clear(mstatus, MSTATUS_TVM);
    set_satp(0);
    expect_illegal("U sinval.vma", PRV_U, do_sinval, insn_sinval);
#ifdef SPEC_STRICT
    /* Illegal in U mode (Svinval chapter); QEMU 7.2 executes them. */
    expect_illegal("U sfence.w.inval", PRV_U, do_w_inval, 0x18000073);
    expect_illegal("U sfence.inval.ir", PRV_U, do_inval_ir, 0x18100073);
#endif
    CHECK_EQ(do_sinval(0) + do_w_inval(0) + do_inval_ir(0), 8);
    rt_puts("M svinval instructions ok\n");
#else
    /* Without Svinval the three are not instructions, in any mode. */
    expect_illegal("S sinval.vma", PRV_S, do_sinval, insn_sinval);
    expect_illegal("S sinval.vma zero, zero", PRV_S, do_sinval_all, 0x16000073);
    expect_illegal("S sfence.w.inval", PRV_S, do_w_inval, 0x18000073);
    expect_illegal("S sfence.inval.ir", PRV_S, do_inval_ir, 0x18100073);
    set_satp(0);
    expect_illegal("U sinval.vma", PRV_U, do_sinval, insn_sinval);
    expect_illegal("U sfence.w.inval", PRV_U, do_w_inval, 0x18000073);
    rt_expect_trap();
    do_sinval(0);
    do_w_inval(0);
    do_inval_ir(0);
    rt_disarm();
    show("M svinval instructions trap", rt_trap.count, 3);
    show("  the last one's tval", rt_trap.tval, 0x18100073);
#endif
    set_satp(0);
}

static void test_sv57(void)
{
    rt_puts("-- Sv57\n");
    uint64_t satp57 = SATP_SV57 | ((uint64_t)root57 >> 12);
    set_satp(satp57);
    show("satp <- Sv57", csr_read(satp), satp57);
    hi_data[0] = 0x5735;
    uint64_t pa = (uint64_t)&hi_data[0];
    /* The Sv39 tables two levels down: DRAM and the window, through 5 levels. */
    expect_ok("load DRAM through 5 levels", PRV_S, do_load, pa, 0x5735);
#ifndef EXT_OFF
    expect_ok("napot sub-page 7 through 5 levels", PRV_S, do_load,
              VA_NAPOT + 0x7000 + 8 * 7, NAPOT_MARK(7));
#endif
    /* Above Sv48's range: each superpage level. */
    expect_ok("gigapage at 2^48", PRV_S, do_load, (1UL << 48) + pa, 0x5735);
    expect_ok("512 GiB page at 2^48 + 2^39", PRV_S, do_load, (1UL << 48) + (1UL << 39) + pa,
              0x5735);
    expect_ok("256 TiB page at 2^49", PRV_S, do_load, (2UL << 48) + pa, 0x5735);
    store_value = 0x7575;
    expect_ok("store to the top half (-2^56)", PRV_S, do_store, 0xff00000000000000UL + pa, 0);
    show("top-half store reached DRAM", hi_data[0], 0x7575);
    expect_fault("misaligned 256 TiB page", PRV_S, do_load, (3UL << 48) + pa, 13);
    /* Bits 63..57 must equal bit 56. */
    expect_fault("non-canonical 2^56", PRV_S, do_load, (1UL << 56) + pa, 13);
    expect_fault("non-canonical 2^57", PRV_S, do_store, (1UL << 57) + pa, 15);
    expect_fault("unmapped 2^48 + 4 GiB", PRV_S, do_load, (1UL << 48) + 0x100000000UL, 13);
#ifndef EXT_OFF
    expect_ok("S sinval.vma of a 57-bit va", PRV_S, do_sinval, 0xff00000000000000UL + pa, 1);
#endif
    /* The same address is not canonical for Sv48. */
    set_satp(SATP_SV48 | ((uint64_t)l3a >> 12));
    expect_ok("Sv48: load DRAM", PRV_S, do_load, pa, 0x7575);
    expect_fault("Sv48: 2^48 is non-canonical", PRV_S, do_load, (1UL << 48) + pa, 13);
    set_satp(0);
}

int main(void)
{
#if defined(EXT_OFF)
    rt_puts("ext_mmu: Svnapot, Svpbmt, Svinval off; Sv57\n");
#elif defined(SPEC_STRICT)
    rt_puts("ext_mmu: Svnapot, Svpbmt, Svinval, Sv57 (strict)\n");
#else
    rt_puts("ext_mmu: Svnapot, Svpbmt, Svinval, Sv57\n");
#endif
    build_tables();
    test_svnapot();
    test_svpbmt();
    test_svinval();
    test_sv57();
    rt_printf("checksum %016lx\n", total);
    return rt_result();
}
