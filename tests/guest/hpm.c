/*
 * hpm: the programmable counters of the default hart (QEMU 7.2's rv64:
 * pmu-num=16, no Sscofpmf, no Smstateen).
 *
 * Printed: which counter CSRs exist (mhpmcounter3..18 and hpmcounter3..18,
 * not 19..31), that mhpmevent3..31 hold what is written, that a counter with
 * no countable event holds its written value, counts of cycles (event 0x01)
 * and instructions (0x02) over straight-line code, and the gating of
 * hpmcounterN by mcounteren/scounteren.  Not printed, because QEMU 7.2's
 * PMU has its own ideas there: counts across traps (it counts an exception
 * as an instruction), values right after a write (it counts the writing
 * instruction), what mcountinhibit does to a programmable counter (nothing
 * once started), its TLB-miss events (its own TLB's misses), and bits of
 * mcountinhibit for counters that do not exist (it keeps them).
 */
#include "rt.h"

static uint64_t total;

static void show(const char *name, uint64_t got, uint64_t want)
{
    rt_printf("%-38s %016lx\n", name, got);
    total = rt_mix(total, got);
    if (got != want) {
        rt_printf("  want %016lx\n", want);
        rt_check_fail(__FILE__, __LINE__, name);
    }
}

#define STR_(x) #x
#define STR(x) STR_(x)

/* One reader per CSR number (csrr takes the number as an immediate). */
#define N_LIST(X) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) \
    X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27) \
    X(28) X(29) X(30) X(31)
#define DEF(n) \
    static uint64_t rd_m##n(void) { uint64_t v; __asm__ volatile("csrr %0, 0xb00 + " #n : "=r"(v) :: "memory"); return v; } \
    static uint64_t rd_u##n(void) { uint64_t v; __asm__ volatile("csrr %0, 0xc00 + " #n : "=r"(v) :: "memory"); return v; } \
    static uint64_t rd_e##n(void) { uint64_t v; __asm__ volatile("csrr %0, 0x320 + " #n : "=r"(v) :: "memory"); return v; } \
    static void wr_e##n(uint64_t v) { __asm__ volatile("csrw 0x320 + " #n ", %0" :: "r"(v) : "memory"); }
N_LIST(DEF)
#define RD_M(n) rd_m##n,
#define RD_U(n) rd_u##n,
#define RD_E(n) rd_e##n,
#define WR_E(n) wr_e##n,
static uint64_t (*const rd_m[])(void) = { N_LIST(RD_M) };
static uint64_t (*const rd_u[])(void) = { N_LIST(RD_U) };
static uint64_t (*const rd_e[])(void) = { N_LIST(RD_E) };
static void (*const wr_e[])(uint64_t) = { N_LIST(WR_E) };

/* Bit n set when reading CSR n (of 3..31) through f traps. */
static uint64_t trap_mask(uint64_t (*const *f)(void))
{
    uint64_t m = 0;
    for (unsigned n = 3; n <= 31; n++) {
        rt_expect_trap();
        f[n - 3]();
        rt_disarm();
        if (rt_trap.count)
            m |= 1UL << n;
    }
    return m;
}

static uint64_t try_read(uint64_t (*f)(void))
{
    rt_expect_trap();
    f();
    rt_disarm();
    return rt_trap.count;
}

static uint64_t rd_scountovf(void) { uint64_t v; __asm__ volatile("csrr %0, 0xda0" : "=r"(v) :: "memory"); return v; }
static uint64_t rd_mstateen0(void) { uint64_t v; __asm__ volatile("csrr %0, 0x30c" : "=r"(v) :: "memory"); return v; }
static uint64_t rd_sstateen0(void) { uint64_t v; __asm__ volatile("csrr %0, 0x10c" : "=r"(v) :: "memory"); return v; }

static void test_csrs(void)
{
    show("mhpmcounter3..31 that trap", trap_mask(rd_m), 0xfff80000UL);
    show("hpmcounter3..31 that trap (M)", trap_mask(rd_u), 0xfff80000UL);
    show("mhpmevent3..31 that trap", trap_mask(rd_e), 0);
    rt_expect_trap();
    __asm__ volatile("csrw 0xb13, zero\n\tcsrw 0xb03, zero" ::: "memory");
    rt_disarm();
    show("writes to mhpmcounter19, 3 that trap", rt_trap.count, 1);
    show("scountovf traps (no Sscofpmf)", try_read(rd_scountovf), 1);
    show("mstateen0 traps (no Smstateen)", try_read(rd_mstateen0), 1);
    show("sstateen0 traps", try_read(rd_sstateen0), 1);

    uint64_t sum = 0, ok = 1;
    for (unsigned n = 3; n <= 31; n++) {
        uint64_t v = 0x0123456789abcdefUL * n;
        wr_e[n - 3](v);
        ok &= rd_e[n - 3]() == v;
        sum = rt_mix(sum, rd_e[n - 3]());
        wr_e[n - 3](0);
    }
    show("mhpmevent3..31 read back", ok, 1);
    show("mhpmevent3..31 checksum", sum, sum);
    csr_write(mcountinhibit, ~0UL);
    show("mcountinhibit <- ~0 (counters 0..18)", csr_read(mcountinhibit) & 0x7fffd, 0x7fffd);
    csr_write(mcountinhibit, 0);
}

static void test_counting(void)
{
    uint64_t c0, i0, z0, c1, i1, z1;
    /* The event first, then the value: counting starts from it. */
    csr_write(mhpmevent3, 1);
    csr_write(mhpmevent4, 2);
    csr_write(mhpmevent5, 0x12345);     /* no such event: nothing counts */
    csr_write(mhpmcounter3, 0);
    csr_write(mhpmcounter4, 0);
    csr_write(mhpmcounter5, 0x1234);
    show("mhpmcounter5, no event", csr_read(mhpmcounter5), 0x1234);
    __asm__ volatile(".option push\n\t.option norvc\n\t"
                     "csrr %0, mhpmcounter3\n\tcsrr %1, mhpmcounter4\n\tcsrr %2, mhpmcounter5\n\t"
                     "addi t0, zero, 1\n\taddi t0, t0, 1\n\taddi t0, t0, 1\n\taddi t0, t0, 1\n\t"
                     "addi t0, t0, 1\n\taddi t0, t0, 1\n\taddi t0, t0, 1\n\taddi t0, t0, 1\n\t"
                     "csrr %3, mhpmcounter3\n\tcsrr %4, mhpmcounter4\n\tcsrr %5, mhpmcounter5\n\t"
                     ".option pop"
                     : "=&r"(c0), "=&r"(i0), "=&r"(z0), "=&r"(c1), "=&r"(i1), "=&r"(z1) :: "t0");
    show("cycles (0x01) over 8 addi + 2 csrr", c1 - c0, 11);
    show("instructions (0x02), the same", i1 - i0, 11);
    show("mhpmcounter5 after them", z1, 0x1234);
    /* A loop with taken branches. */
    uint64_t n = 100;
    __asm__ volatile("csrr %0, mhpmcounter4\n\t"
                     "1:\taddi %2, %2, -1\n\tbnez %2, 1b\n\t"
                     "csrr %1, mhpmcounter4"
                     : "=&r"(i0), "=&r"(i1), "+r"(n));
    show("instructions over a 100-pass loop", i1 - i0, 201);
    /* The counter's user-level view is the same counter. */
    __asm__ volatile("csrr %0, mhpmcounter4\n\tcsrr %1, hpmcounter4" : "=&r"(i0), "=&r"(i1));
    show("hpmcounter4 - mhpmcounter4", i1 - i0, 1);
    csr_write(mhpmevent3, 0);
    csr_write(mhpmevent4, 0);
    csr_write(mhpmevent5, 0);
}

static uint64_t rd_hpm3(uint64_t arg) { return csr_read(hpmcounter3) & 0; }
static uint64_t rd_hpm19(uint64_t arg) { return csr_read(hpmcounter19) & 0; }
static uint64_t u_count(uint64_t arg)
{
    uint64_t a, b;
    __asm__ volatile("csrr %0, hpmcounter4\n\tnop\n\tnop\n\tnop\n\tcsrr %1, hpmcounter4"
                     : "=r"(a), "=r"(b));
    return b - a;
}

static void test_gating(void)
{
    static const struct { const char *what; uint64_t m, s; int mode; uint64_t (*fn)(uint64_t); uint64_t traps; } cases[] = {
        { "S hpmcounter3, mcounteren=0", 0, ~0UL, PRV_S, rd_hpm3, 1 },
        { "S hpmcounter3, mcounteren=8", 8, 0, PRV_S, rd_hpm3, 0 },
        { "U hpmcounter3, m=8 s=0", 8, 0, PRV_U, rd_hpm3, 1 },
        { "U hpmcounter3, m=0 s=8", 0, 8, PRV_U, rd_hpm3, 1 },
        { "U hpmcounter3, m=8 s=8", 8, 8, PRV_U, rd_hpm3, 0 },
        { "U hpmcounter3, m=~8 s=~0", ~8UL, ~0UL, PRV_U, rd_hpm3, 1 },
        { "S hpmcounter19, m=~0", ~0UL, ~0UL, PRV_S, rd_hpm19, 1 },
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        csr_write(mcounteren, cases[i].m);
        csr_write(scounteren, cases[i].s);
        rt_expect_trap();
        rt_run_mode(cases[i].mode, cases[i].fn, 0);
        rt_disarm();
        rt_printf("%-38s traps %lu", cases[i].what, rt_trap.count);
        if (rt_trap.count)
            rt_printf(" cause %lx", rt_trap.cause);
        rt_putc('\n');
        total = rt_mix(total, rt_trap.count);
        CHECK_EQ(rt_trap.count, cases[i].traps);
        if (rt_trap.count)
            CHECK_EQ(rt_trap.cause, 2);
    }
    csr_write(mhpmevent4, 2);
    csr_write(mcounteren, 0x10);
    csr_write(scounteren, 0x10);
    show("U hpmcounter4 delta over 3 nops", rt_run_mode(PRV_U, u_count, 0), 4);
    csr_write(mhpmevent4, 0);
    csr_write(mcounteren, 0);
    csr_write(scounteren, 0);
}

int main(void)
{
    rt_puts("hpm: programmable counters (pmu-num=16)\n");
    test_csrs();
    test_counting();
    test_gating();
    rt_printf("checksum %016lx\n", total);
    return rt_result();
}
