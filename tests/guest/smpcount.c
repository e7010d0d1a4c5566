/*
 * smpcount: NHARTS harts (-smp NHARTS -bios none) race on shared counters.
 *
 * Every hart comes from the boot ROM to _start with a0 = mhartid and runs
 * hart_main() on its own stack. In three phases separated by barriers,
 * each hart adds 1 to a counter ITERS times: with amoadd.w, with an
 * lr.w/sc.w loop, and with a plain load and store. The atomic counters
 * must come out at NHARTS * ITERS; the plain one loses the updates that
 * the interleaving lets race, which on rrsim is a function of the
 * schedule alone, so it is the same in every run and in a replay.
 * Then code written by one hart must be what the others execute (they
 * ran the old version before, so they had it translated), without a
 * FENCE.I of their own: rrsim's instruction fetch is coherent.
 *
 * Standalone (no rt.c): console on the ns16550a, exit through sifive_test.
 */
#include <stdint.h>

#ifndef NHARTS
#define NHARTS 4
#endif
#define ITERS 20000
#define STACK_SIZE 8192

#define UART_THR ((volatile uint8_t *)0x10000000UL)
#define UART_LSR ((volatile uint8_t *)0x10000005UL)
#define TEST_DEV ((volatile uint32_t *)0x100000UL)

/* Every hart: a stack of its own below __stack_top, then hart_main(). */
__asm__(".section .text.init, \"ax\"\n"
        ".option push\n"
        ".option norvc\n"
        ".globl _start\n"
        "_start:\n"
        "  csrr a0, mhartid\n"
        ".option norelax\n"
        "  la gp, __global_pointer$\n"
        "  la sp, __stack_top\n"
        "  li t0, " "8192" "\n"
        "  mul t0, t0, a0\n"
        "  sub sp, sp, t0\n"
        "  call hart_main\n"
        "1: wfi\n"
        "  j 1b\n"
        ".option pop\n"
        ".text\n");

static void putc_(char c)
{
    while (!(*UART_LSR & 0x20)) {
    }
    *UART_THR = (uint8_t)c;
}

static void puts_(const char *s)
{
    while (*s) {
        putc_(*s++);
    }
}

static void putu(uint64_t v)
{
    char buf[24];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) {
        putc_(buf[--n]);
    }
}

static void exit_(int code)
{
    *TEST_DEV = code ? ((uint32_t)code << 16) | 0x3333 : 0x5555;
    for (;;) {
    }
}

static uint32_t amoadd(volatile uint32_t *p, uint32_t v)
{
    uint32_t old;
    __asm__ volatile("amoadd.w %0, %2, (%1)" : "=r"(old) : "r"(p), "r"(v) : "memory");
    return old;
}

/* Returns how many SCs failed on the way. */
static uint32_t lrsc_inc(volatile uint32_t *p)
{
    uint32_t v, fail, fails = 0;
    for (;;) {
        __asm__ volatile("lr.w %0, (%2)\n"
                         "addiw %0, %0, 1\n"
                         "sc.w %1, %0, (%2)"
                         : "=&r"(v), "=&r"(fail) : "r"(p) : "memory");
        if (!fail) {
            return fails;
        }
        fails++;
    }
}

static volatile uint32_t bar_count, bar_sense;

static void barrier(void)
{
    uint32_t sense = bar_sense;
    if (amoadd(&bar_count, 1) == NHARTS - 1) {
        bar_count = 0;
        __asm__ volatile("fence" ::: "memory");
        bar_sense = !sense;
    } else {
        while (bar_sense == sense) {
        }
    }
}

static volatile uint32_t arrived[NHARTS];
static volatile uint32_t c_amo, c_lrsc, c_plain;
static volatile uint32_t sc_fails[NHARTS];
static volatile uint32_t smc_old[NHARTS], smc_new[NHARTS];

/* Code the harts run and one of them rewrites: "li a0, N; ret". */
static uint32_t code_buf[2] __attribute__((aligned(64)));

static void write_code(uint32_t value)
{
    code_buf[0] = 0x00000513u | (value << 20);     /* addi a0, zero, value */
    code_buf[1] = 0x00008067u;                      /* jalr zero, 0(ra) */
}

static uint32_t call_code(void)
{
    uint32_t (*fn)(void) = (uint32_t (*)(void))(uintptr_t)code_buf;
    return fn();
}

void hart_main(uint64_t hartid);

void hart_main(uint64_t hartid)
{
    if (hartid >= NHARTS) {
        return;     /* more harts than the program was built for: park */
    }
    if (hartid == 0) {
        write_code(1);
        __asm__ volatile("fence.i" ::: "memory");
    }
    arrived[hartid] = 1;
    barrier();

    for (int i = 0; i < ITERS; i++) {
        amoadd(&c_amo, 1);
    }
    barrier();
    uint32_t fails = 0;
    for (int i = 0; i < ITERS; i++) {
        fails += lrsc_inc(&c_lrsc);
    }
    sc_fails[hartid] = fails;
    barrier();
    for (int i = 0; i < ITERS; i++) {
        c_plain = c_plain + 1;
    }
    barrier();

    /* Everyone runs (and so translates) the first version. */
    __asm__ volatile("fence.i" ::: "memory");
    smc_old[hartid] = call_code();
    barrier();
    if (hartid == NHARTS - 1) {
        write_code(2);
        __asm__ volatile("fence.i" ::: "memory");
    }
    barrier();
    smc_new[hartid] = call_code();
    barrier();

    if (hartid != 0) {
        return;
    }
    int bad = 0;
    puts_("smpcount: harts");
    for (int h = 0; h < NHARTS; h++) {
        puts_(" ");
        putu(h);
        puts_(arrived[h] ? "+" : "-");
        bad |= !arrived[h];
    }
    puts_("\nsmpcount: amoadd ");
    putu(c_amo);
    puts_(" lrsc ");
    putu(c_lrsc);
    puts_(" (expected ");
    putu((uint64_t)NHARTS * ITERS);
    puts_(")\nsmpcount: plain ");
    putu(c_plain);
    puts_("\nsmpcount: sc failures");
    for (int h = 0; h < NHARTS; h++) {
        puts_(" ");
        putu(sc_fails[h]);
    }
    puts_("\nsmpcount: code written by hart ");
    putu(NHARTS - 1);
    puts_(": old");
    for (int h = 0; h < NHARTS; h++) {
        puts_(" ");
        putu(smc_old[h]);
        bad |= smc_old[h] != 1 || smc_new[h] != 2;
    }
    puts_(" new");
    for (int h = 0; h < NHARTS; h++) {
        puts_(" ");
        putu(smc_new[h]);
    }
    puts_("\n");
    bad |= c_amo != (uint32_t)NHARTS * ITERS || c_lrsc != (uint32_t)NHARTS * ITERS;
    bad |= c_plain > (uint32_t)NHARTS * ITERS;
    puts_(bad ? "smpcount: FAIL\n" : "smpcount: PASS\n");
    exit_(bad);
}
