/*
 * pmp: physical memory protection (priv spec 3.7).  Entries 0-1 guard one
 * page; entry 15 (set up by start.S) lets S/U reach everything else.  U and
 * S accesses are checked against NAPOT, NA4 and TOR entries with access
 * faults 1/5/7; M is unaffected until an entry is locked.  Locking is tested
 * last since only a reset clears it.
 */
#include "rt.h"

#define PMP_R 0x01
#define PMP_W 0x02
#define PMP_X 0x04
#define PMP_TOR 0x08
#define PMP_NA4 0x10
#define PMP_NAPOT 0x18
#define PMP_L 0x80

static uint8_t page[4096] __attribute__((aligned(4096)));
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

/* Sets entries 0 and 1, leaving entries 2-7 off. */
static void set_pmp(uint64_t addr0, uint8_t cfg0, uint64_t addr1, uint8_t cfg1)
{
    csr_write(pmpcfg0, 0);
    csr_write(pmpaddr0, addr0);
    csr_write(pmpaddr1, addr1);
    csr_write(pmpcfg0, (uint64_t)cfg0 | (uint64_t)cfg1 << 8);
    __asm__ volatile("sfence.vma" ::: "memory");
}

static uint64_t napot_page(void) { return ((uint64_t)page >> 2) | 0x1ff; }

static volatile uint64_t store_value;
static uint64_t do_load(uint64_t a) { return *(volatile uint64_t *)a; }
static uint64_t do_load32(uint64_t a) { return *(volatile uint32_t *)a; }
static uint64_t do_store(uint64_t a) { *(volatile uint64_t *)a = store_value; return 0; }
static uint64_t do_fetch(uint64_t a) { return ((uint64_t (*)(void))a)(); }

static void access(const char *what, int mode, uint64_t (*fn)(uint64_t), uint64_t a,
                   uint64_t want_cause)
{
    rt_expect_trap();
    uint64_t r = mode == PRV_M ? fn(a) : rt_run_mode(mode, fn, a);
    rt_disarm();
    if (rt_trap.count) {
        rt_printf("%-34s fault cause %lx tval %s\n", what, rt_trap.cause,
                  rt_trap.tval == a ? "=addr" : "!=addr");
        total = rt_mix(rt_mix(total, rt_trap.cause), rt_trap.tval == a);
        CHECK_EQ(rt_trap.cause, want_cause);
        CHECK_EQ(rt_trap.tval, a);
    } else {
        rt_printf("%-34s ok %016lx\n", what, r);
        total = rt_mix(total, r);
        CHECK_EQ(want_cause, 0);
    }
}

int main(void)
{
    uint64_t p = (uint64_t)page;
    rt_puts("pmp: physical memory protection\n");
    ((uint64_t *)page)[0] = 0x0101010101010101UL;
    ((uint64_t *)page)[1] = 0x0808080808080808UL;
    store_value = 0x42;

    set_pmp(napot_page(), PMP_NAPOT | PMP_R, 0, 0);
    show("pmpaddr0 readback ^ base", csr_read(pmpaddr0) ^ (p >> 2), 0x1ff);
    show("pmpcfg0 readback", csr_read(pmpcfg0) & 0xffff, PMP_NAPOT | PMP_R);
    access("U load, NAPOT R", PRV_U, do_load, p, 0);
    access("U store, NAPOT R", PRV_U, do_store, p + 16, 7);
    access("S store, NAPOT R", PRV_S, do_store, p + 24, 7);
    access("M store, unlocked NAPOT R", PRV_M, do_store, p + 32, 0);

    set_pmp(napot_page(), PMP_NAPOT, 0, 0);
    access("U load, NAPOT none", PRV_U, do_load, p, 5);
    access("S load, NAPOT none", PRV_S, do_load, p + 8, 5);
    access("M load, NAPOT none", PRV_M, do_load, p + 8, 0);

    /*
     * The lowest-numbered entry matching any byte decides, and it must
     * match all bytes (priv 3.7.1.1): an 8-byte load over a 4-byte NA4
     * entry fails even though the entry allows it.
     */
    set_pmp((p + 8) >> 2, PMP_NA4 | PMP_R | PMP_W, napot_page(), PMP_NAPOT);
    access("U lw inside NA4 RW", PRV_U, do_load32, p + 8, 0);
    access("U ld straddling NA4 RW", PRV_U, do_load, p + 8, 5);
    access("U lw next to NA4 (NAPOT none)", PRV_U, do_load32, p + 12, 5);

    /* TOR [page, page + 4096) execute-only, with code copied into the page. */
    static const uint32_t code[] = { 0x02a00513, 0x00008067 };   /* li a0, 42; ret */
    memcpy(page + 64, code, sizeof code);
    __asm__ volatile("fence.i" ::: "memory");
    set_pmp(p >> 2, 0, (p + 4096) >> 2, PMP_TOR | PMP_X);
    access("U fetch, TOR X", PRV_U, do_fetch, p + 64, 0);
    access("U load, TOR X", PRV_U, do_load, p + 64, 5);
    set_pmp(p >> 2, 0, (p + 4096) >> 2, PMP_TOR | PMP_R);
    access("U fetch, TOR R", PRV_U, do_fetch, p + 64, 1);
    access("S fetch, TOR R", PRV_S, do_fetch, p + 64, 1);
    access("M fetch, unlocked TOR R", PRV_M, do_fetch, p + 64, 0);
    /* An address below the TOR base is not matched by it. */
    access("U load below TOR", PRV_U, do_load, p - 8, 0);

    /* Locked entries bind M mode too and ignore writes (priv 3.7.1.2). */
    set_pmp(napot_page(), PMP_NAPOT | PMP_R | PMP_L, 0, 0);
    access("M load, locked NAPOT R", PRV_M, do_load, p, 0);
    access("M store, locked NAPOT R", PRV_M, do_store, p + 8, 7);
    access("M fetch, locked NAPOT R", PRV_M, do_fetch, p + 64, 1);
    csr_write(pmpcfg0, 0);
    csr_write(pmpaddr0, 0);
    show("locked pmpcfg0 after write", csr_read(pmpcfg0) & 0xff, PMP_NAPOT | PMP_R | PMP_L);
    show("locked pmpaddr0 after write", csr_read(pmpaddr0) ^ (p >> 2), 0x1ff);
    rt_printf("checksum %016lx\n", total);
    return rt_result();
}
