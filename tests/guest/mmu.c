/*
 * mmu: Sv39 and Sv48 translation (priv spec 4.3-4.5) built from C.
 *
 * Tables: DRAM and the MMIO gigapage identity-mapped, and a window at
 * VA 0x40000000 with one 4 KiB page per case (A/D clear, U, execute-only,
 * read-only, reserved W-only, invalid), a 2 MiB superpage and a misaligned
 * one.  The S/U code under test runs through rt_run_mode(); faults go to M
 * and are reported with cause and stval.  PTE flag bytes are printed after
 * accesses: they show A/D set by the hardware, as QEMU (and rrsim) do
 * rather than raising page faults for A/D (priv 4.3.1 allows both).
 */
#include "rt.h"

#define PTE_V 0x01UL
#define PTE_R 0x02UL
#define PTE_W 0x04UL
#define PTE_X 0x08UL
#define PTE_U 0x10UL
#define PTE_A 0x40UL
#define PTE_D 0x80UL
#define PTE(pa, fl) ((((uint64_t)(pa)) >> 12) << 10 | (fl))

#define MSTATUS_MPP  (3UL << 11)
#define MSTATUS_MPRV (1UL << 17)
#define MSTATUS_SUM  (1UL << 18)
#define MSTATUS_MXR  (1UL << 19)

#define SATP_SV39 (8UL << 60)
#define SATP_SV48 (9UL << 60)

#define WIN       0x40000000UL
#define VA_DATA   (WIN + 0x0000)
#define VA_USER   (WIN + 0x1000)
#define VA_XONLY  (WIN + 0x2000)
#define VA_RONLY  (WIN + 0x3000)
#define VA_WONLY  (WIN + 0x4000)
#define VA_INVAL  (WIN + 0x5000)
#define VA_MEGA   (WIN + 0x200000)
#define VA_BADMEGA (WIN + 0x400000)
#define PA_MEGA   0x80400000UL          /* free DRAM, 2 MiB aligned */
#define VA_HIGH48 0x8000000000UL        /* 512 GiB: Sv48 only */

typedef uint64_t Table[512] __attribute__((aligned(4096)));
static Table root_s, root_u, l1, l0, root48, l2_48;
static uint64_t data0[512] __attribute__((aligned(4096)));
static uint64_t data1[512] __attribute__((aligned(4096)));
static uint64_t upage[512] __attribute__((aligned(4096)));
static uint64_t xpage[512] __attribute__((aligned(4096)));

static uint64_t total;

static void show(const char *name, uint64_t got, uint64_t want)
{
    rt_printf("%-34s %016lx\n", name, got);
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
static uint64_t do_sfence_load(uint64_t va)
{
    __asm__ volatile("sfence.vma %0, zero" :: "r"(va) : "memory");
    return *(volatile uint64_t *)va;
}

static void build_tables(void)
{
    root_s[0] = PTE(0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    root_s[1] = PTE(l1, PTE_V);
    root_s[2] = PTE(0x80000000UL, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    for (int i = 0; i < 3; i++)
        root_u[i] = root_s[i];
    root_u[0] |= PTE_U;
    root_u[2] |= PTE_U;
    l1[0] = PTE(l0, PTE_V);
    l1[1] = PTE(PA_MEGA, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    l1[2] = PTE(PA_MEGA + 0x1000, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    l0[0] = PTE(data0, PTE_V | PTE_R | PTE_W);
    l0[1] = PTE(upage, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
    l0[2] = PTE(xpage, PTE_V | PTE_X | PTE_A);
    l0[3] = PTE(data1, PTE_V | PTE_R | PTE_A);
    l0[4] = PTE(data1, PTE_V | PTE_W | PTE_A | PTE_D);
    l0[5] = 0;
    /* Sv48: the Sv39 root doubles as the level-2 table of the first 512 GiB. */
    root48[0] = PTE(root_s, PTE_V);
    root48[1] = PTE(l2_48, PTE_V);
    l2_48[0] = PTE(0x80000000UL, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    data0[0] = 0x1111111111111111UL;
    data1[0] = 0xd1d1d1d1d1d1d1d1UL;
    upage[0] = 0x5555555555555555UL;
    xpage[0] = 0x0000006f0000006fUL;   /* "j ." twice: never run, only read */
}

static void set_satp(uint64_t v)
{
    csr_write(satp, v);
    __asm__ volatile("sfence.vma" ::: "memory");
}

/* Runs fn(va) in `mode`, prints the result or the fault. */
static uint64_t access(const char *what, int mode, uint64_t (*fn)(uint64_t), uint64_t va)
{
    rt_expect_trap();
    uint64_t r = rt_run_mode(mode, fn, va);
    rt_disarm();
    if (rt_trap.count) {
        rt_printf("%-34s fault cause %lx tval %s\n", what, rt_trap.cause,
                  rt_trap.tval == va ? "=va" : "!=va");
        total = rt_mix(rt_mix(total, rt_trap.cause), rt_trap.tval == va);
        return ~0UL;
    }
    rt_printf("%-34s ok %016lx\n", what, r);
    total = rt_mix(total, r);
    return r;
}

static void expect_fault(const char *what, int mode, uint64_t (*fn)(uint64_t), uint64_t va, uint64_t cause)
{
    access(what, mode, fn, va);
    CHECK_EQ(rt_trap.count, 1);
    CHECK_EQ(rt_trap.cause, cause);
    CHECK_EQ(rt_trap.tval, va);
}

static void test_sv39(void)
{
    rt_puts("-- Sv39, S mode\n");
    set_satp(SATP_SV39 | ((uint64_t)root_s >> 12));
    show("satp mode", csr_read(satp) >> 60, 8);
    show("pte flags before access", l0[0] & 0xff, 0x07);
    CHECK_EQ(access("load remapped page", PRV_S, do_load, VA_DATA), 0x1111111111111111UL);
    show("pte flags after load (A)", l0[0] & 0xff, 0x47);
    store_value = 0x2222;
    access("store remapped page", PRV_S, do_store, VA_DATA);
    show("pte flags after store (A|D)", l0[0] & 0xff, 0xc7);
    show("store reached the physical page", data0[0], 0x2222);

    store_value = 0xabcdef;
    access("store megapage", PRV_S, do_store, VA_MEGA + 0x1238);
    show("megapage maps PA_MEGA", *(volatile uint64_t *)(PA_MEGA + 0x1238), 0xabcdef);
    expect_fault("load misaligned megapage", PRV_S, do_load, VA_BADMEGA, 13);

    expect_fault("S load U page, SUM=0", PRV_S, do_load, VA_USER, 13);
    csr_set(mstatus, MSTATUS_SUM);
    CHECK_EQ(access("S load U page, SUM=1", PRV_S, do_load, VA_USER), 0x5555555555555555UL);
    csr_clear(mstatus, MSTATUS_SUM);

    expect_fault("load execute-only, MXR=0", PRV_S, do_load, VA_XONLY, 13);
    csr_set(mstatus, MSTATUS_MXR);
    CHECK_EQ(access("load execute-only, MXR=1", PRV_S, do_load, VA_XONLY), xpage[0]);
    csr_clear(mstatus, MSTATUS_MXR);

    store_value = 1;
    expect_fault("store read-only page", PRV_S, do_store, VA_RONLY, 15);
    expect_fault("load W-only (reserved)", PRV_S, do_load, VA_WONLY, 13);
    expect_fault("load invalid pte", PRV_S, do_load, VA_INVAL, 13);
    expect_fault("store invalid pte", PRV_S, do_store, VA_INVAL, 15);
    expect_fault("fetch invalid pte", PRV_S, do_fetch, VA_INVAL, 12);
    expect_fault("fetch non-executable page", PRV_S, do_fetch, VA_DATA, 12);
    expect_fault("load non-canonical va", PRV_S, do_load, VA_HIGH48, 13);

    /* Remap and flush: the new translation is used after sfence.vma. */
    l0[0] = PTE(data1, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    CHECK_EQ(access("load after remap + sfence.vma va", PRV_S, do_sfence_load, VA_DATA),
             0xd1d1d1d1d1d1d1d1UL);

    /* MPRV: M-mode loads translated with MPP = S (priv 3.1.6.3). */
    uint64_t v;
    csr_clear(mstatus, MSTATUS_MPP);
    csr_set(mstatus, MSTATUS_MPRV | (1UL << 11));
    v = *(volatile uint64_t *)(VA_MEGA + 0x1238);
    csr_clear(mstatus, MSTATUS_MPRV | MSTATUS_MPP);
    show("M load with MPRV, MPP=S", v, 0xabcdef);
}

static void test_user(void)
{
    rt_puts("-- Sv39, U mode\n");
    set_satp(SATP_SV39 | ((uint64_t)root_u >> 12));
    CHECK_EQ(access("U load U page", PRV_U, do_load, VA_USER), 0x5555555555555555UL);
    store_value = 0x77;
    access("U store U page", PRV_U, do_store, VA_USER);
    show("U store reached the page", upage[0], 0x77);
    expect_fault("U load S page", PRV_U, do_load, VA_DATA, 13);
    expect_fault("U store S page", PRV_U, do_store, VA_MEGA, 15);
    set_satp(0);
}

static void test_sv48(void)
{
    rt_puts("-- Sv48\n");
    set_satp(SATP_SV48 | ((uint64_t)root48 >> 12));
    show("satp mode", csr_read(satp) >> 60, 9);
    CHECK_EQ(access("load via Sv39-shared subtree", PRV_S, do_load, VA_DATA),
             0xd1d1d1d1d1d1d1d1UL);
    data0[1] = 0x4848484848484848UL;
    uint64_t va = VA_HIGH48 + ((uint64_t)&data0[1] - 0x80000000UL);
    CHECK_EQ(access("load at 512 GiB (gigapage)", PRV_S, do_load, va), 0x4848484848484848UL);
    expect_fault("load non-canonical Sv48 va", PRV_S, do_load, 0x0000800000000000UL, 13);
    expect_fault("load unmapped 1 TiB", PRV_S, do_load, 0x10000000000UL, 13);
    set_satp(0);
}

int main(void)
{
    rt_puts("mmu: Sv39/Sv48\n");
    build_tables();
    test_sv39();
    test_user();
    test_sv48();
    rt_printf("checksum %016lx\n", total);
    return rt_result();
}
