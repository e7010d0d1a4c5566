/*
 * hostile: a guest that does what a well-behaved one never would, for the
 * break-it harness (tests/breakit). Seeded from its first console input line
 * ("SEED OPS\n", both hex), it
 *   - loads, stores and AMOs of every size, aligned or not, at random offsets
 *     of every MMIO region of the virt board (sifive_test excluded: that one
 *     ends the run) and of unmapped addresses, from M mode;
 *   - runs random instruction words in U mode, confined by PMP to one page;
 *   - jumps in U mode into MMIO, the boot ROM and unmapped space;
 * and folds every value read and every trap taken into a checksum it prints
 * as it goes. Nothing it prints is compared with QEMU: what matters is that
 * a recording of it replays bit for bit, and that the simulator survives it.
 *
 * Every U-mode run is bounded by a CLINT timer interrupt (M-mode interrupts
 * are taken in U mode whatever mstatus.MIE says), and any trap out of U mode
 * ends that run, so no random word can wedge the guest. Interrupts stay off
 * in M mode, whatever the hammering leaves pending in the CLINT or PLIC.
 */
#include "rt.h"

#define UART_RBR (UART_BASE + 0)
#define UART_IER (UART_BASE + 1)
#define UART_FCR (UART_BASE + 2)
#define UART_LCR (UART_BASE + 3)
#define UART_MCR (UART_BASE + 4)
#define UART_LSR (UART_BASE + 5)
#define WATCHDOG_TICKS 100     /* mtime ticks a U-mode run may last */
#define GARBAGE_WORDS  24      /* random words before the closing ecall */

typedef struct Region {
    uint64_t base, size;
} Region;

/* QEMU virt: every device region rrsim maps (hw/board.h), then holes. */
static const Region regions[] = {
    { 0x1000, 0xf000 },             /* boot ROM */
    { 0x101000, 0x1000 },           /* goldfish RTC */
    { 0x2000000, 0x10000 },         /* CLINT */
    { 0x3000000, 0x10000 },         /* PCIe PIO */
    { 0x4000000, 0x2000000 },       /* platform bus */
    { 0xc000000, 0x600000 },        /* PLIC */
    { 0x10000000, 0x100 },          /* UART */
    { 0x10001000, 0x8000 },         /* virtio-mmio 0..7 */
    { 0x10100000, 0x18 },           /* fw_cfg */
    { 0x20000000, 0x4000000 },      /* pflash 0 and 1 */
    { 0x30000000, 0x10000000 },     /* PCIe ECAM */
    { 0x40000000, 0x40000000 },     /* PCIe MMIO */
    { 0x0, 0x1000 },                /* unmapped from here on */
    { 0x102000, 0x1000000 },
    { 0x10200000, 0x1000000 },
    { 0x88000000, 0x1000000 },      /* just past the default 128 MiB of RAM */
    { 0x400000000, 0x1000 },        /* PCIe high MMIO */
    { 0x7ffffffff000, 0x1000 },
    { 0xfffffffffffff000, 0x1000 },
};
#define NREGIONS (sizeof(regions) / sizeof(regions[0]))

__attribute__((noreturn)) void rt_resume_m(uint64_t value);   /* start.S */

static uint32_t garbage[1024] __attribute__((aligned(4096)));
static uint64_t rng, h, traps, lower_runs;
static volatile int lower_running;

static uint64_t pick_value(void)
{
    uint64_t r = rt_rand(&rng);
    switch (r & 7) {
    case 0: return 0;
    case 1: return ~0ull;
    case 2: return r >> 56;
    case 3: return 1ull << (r >> 58);
    default: return rt_rand(&rng);
    }
}

static uint64_t pick_addr(unsigned size)
{
    uint64_t r = rt_rand(&rng);
    const Region *reg = &regions[r % NREGIONS];
    uint64_t off = rt_rand(&rng) % reg->size;
    /* Mostly the first registers, where the devices decode something. */
    if (r & 0x100) {
        off &= 0xff;
    }
    if (!(r & 0x600)) {
        return reg->base + off;        /* misaligned on purpose */
    }
    return reg->base + (off & ~(uint64_t)(size - 1));
}

/* One access; a trap skips the instruction and leaves the sentinel. */
static uint64_t access_once(unsigned op, uint64_t a, uint64_t v)
{
    uint64_t x = 0x5a5a5a5a5a5a5a5aull;
    switch (op) {
    case 0: __asm__ volatile("lb %0, 0(%1)" : "+r"(x) : "r"(a) : "memory"); break;
    case 1: __asm__ volatile("lhu %0, 0(%1)" : "+r"(x) : "r"(a) : "memory"); break;
    case 2: __asm__ volatile("lw %0, 0(%1)" : "+r"(x) : "r"(a) : "memory"); break;
    case 3: __asm__ volatile("ld %0, 0(%1)" : "+r"(x) : "r"(a) : "memory"); break;
    case 4: __asm__ volatile("sb %1, 0(%0)" :: "r"(a), "r"(v) : "memory"); break;
    case 5: __asm__ volatile("sh %1, 0(%0)" :: "r"(a), "r"(v) : "memory"); break;
    case 6: __asm__ volatile("sw %1, 0(%0)" :: "r"(a), "r"(v) : "memory"); break;
    case 7: __asm__ volatile("sd %1, 0(%0)" :: "r"(a), "r"(v) : "memory"); break;
    case 8: __asm__ volatile("amoswap.w %0, %2, (%1)" : "+r"(x) : "r"(a), "r"(v) : "memory"); break;
    case 9: __asm__ volatile("amoadd.d %0, %2, (%1)" : "+r"(x) : "r"(a), "r"(v) : "memory"); break;
    case 10: __asm__ volatile("amoor.w %0, %2, (%1)" : "+r"(x) : "r"(a), "r"(v) : "memory"); break;
    case 11: __asm__ volatile("amomaxu.d %0, %2, (%1)" : "+r"(x) : "r"(a), "r"(v) : "memory"); break;
    case 12: __asm__ volatile("lr.w %0, (%1)" : "+r"(x) : "r"(a) : "memory"); break;
    case 13: __asm__ volatile("sc.d %0, %2, (%1)" : "+r"(x) : "r"(a), "r"(v) : "memory"); break;
    case 14: __asm__ volatile("lr.d %0, (%1)\n\tsc.d %0, %2, (%1)" : "+r"(x) : "r"(a), "r"(v) : "memory"); break;
    default: __asm__ volatile("flw ft0, 0(%1)\n\tfmv.x.w %0, ft0" : "+r"(x) : "r"(a) : "ft0", "memory"); break;
    }
    return x;
}

static const unsigned op_size[16] = { 1, 2, 4, 8, 1, 2, 4, 8, 4, 8, 4, 8, 4, 8, 8, 4 };

static void hammer_one(void)
{
    unsigned op = rt_rand(&rng) & 15;
    uint64_t a = pick_addr(op_size[op]);
    uint64_t v = pick_value();
    rt_expect_trap();
    uint64_t x = access_once(op, a, v);
    rt_disarm();
    h = rt_mix(h, x);
    if (rt_trap.count) {
        traps++;
        h = rt_mix(h, rt_trap.cause << 8 | op);
    }
}

/* Any trap out of a U-mode run ends it. */
static int on_exception(RtFrame *f, int to_mode)
{
    if (!lower_running) {
        return 0;
    }
    lower_running = 0;
    mmio_write64(CLINT_MTIMECMP, ~0ull);
    csr_write(mie, 0);
    h = rt_mix(h, f->cause);
    rt_resume_m(0x100 | f->cause);
}

static void on_irq(RtFrame *f, int to_mode)
{
    on_exception(f, to_mode);
    /* An interrupt outside a U-mode run: nothing enabled it, so stop it. */
    csr_write(mie, 0);
}

static void run_lower(uint64_t target)
{
    lower_runs++;
    mmio_write64(CLINT_MTIMECMP, mmio_read64(CLINT_MTIME) + WATCHDOG_TICKS);
    lower_running = 1;
    csr_write(mie, 1UL << 7);
    uint64_t r = rt_run_mode(PRV_U, (uint64_t (*)(uint64_t))target, rt_rand(&rng));
    lower_running = 0;
    csr_write(mie, 0);
    mmio_write64(CLINT_MTIMECMP, ~0ull);
    h = rt_mix(h, r);
}

/* PMP entry 0: the garbage page, RWX; entry 1: everything else, nothing.
 * Entry 15 (start.S) lets U mode reach everything once these are off. */
static void confine_to_garbage(int on)
{
    if (on) {
        csr_write(pmpaddr0, ((uint64_t)garbage >> 2) | 0x1ff);
        csr_write(pmpaddr1, ~0ull);
        csr_write(pmpcfg0, 0x181f);
    } else {
        csr_write(pmpcfg0, 0);
    }
    __asm__ volatile("sfence.vma" ::: "memory");
}

/* Real opcodes with random operands, raw random words and compressed pairs. */
static uint32_t garbage_word(void)
{
    static const uint8_t opcodes[] = { 0x03, 0x07, 0x0f, 0x13, 0x17, 0x1b, 0x23, 0x27, 0x2f,
                                       0x33, 0x37, 0x3b, 0x43, 0x53, 0x63, 0x67, 0x6f, 0x73 };
    uint64_t r = rt_rand(&rng);
    switch (r & 3) {
    case 0: return (uint32_t)(r >> 32);
    case 1: return (uint32_t)(r >> 32) & ~0x7fu;
    default: return ((uint32_t)(r >> 32) & ~0x7fu) | opcodes[(r >> 8) % sizeof(opcodes)];
    }
}

static void run_garbage(void)
{
    for (int i = 0; i < GARBAGE_WORDS; i++) {
        garbage[i] = garbage_word();
    }
    garbage[GARBAGE_WORDS] = 0x00000073;      /* ecall: back to M mode */
    __asm__ volatile("fence.i" ::: "memory");
    confine_to_garbage(1);
    run_lower((uint64_t)garbage + (rt_rand(&rng) & 3) * 2);
    confine_to_garbage(0);
}

static void jump_somewhere(void)
{
    uint64_t r = rt_rand(&rng);
    const Region *reg = &regions[r % NREGIONS];
    run_lower((reg->base + rt_rand(&rng) % reg->size) & ~1ull);
}

/* Whatever the hammering did to the UART, make it print again. */
static void uart_sane(void)
{
    *(volatile uint8_t *)UART_LCR = 0x83;
    *(volatile uint8_t *)UART_BASE = 1;
    *(volatile uint8_t *)(UART_BASE + 1) = 0;
    *(volatile uint8_t *)UART_LCR = 0x03;
    *(volatile uint8_t *)UART_IER = 0;
    *(volatile uint8_t *)UART_MCR = 0;
    *(volatile uint8_t *)UART_FCR = 0x07;
}

static int getc_wait(void)
{
    while (!(*(volatile uint8_t *)UART_LSR & 1)) {
    }
    return *(volatile uint8_t *)UART_RBR;
}

static uint64_t read_hex(int *last)
{
    uint64_t v = 0;
    int c;
    while ((c = getc_wait()) == ' ') {
    }
    for (;; c = getc_wait()) {
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) {
            break;
        }
        v = v << 4 | (uint64_t)d;
    }
    *last = c;
    return v;
}

int main(void)
{
    int last;
    rt_puts("hostile: seed?\n");
    uint64_t seed = read_hex(&last);
    uint64_t ops = last == '\n' ? 0x800 : read_hex(&last);
    rng = seed ^ 0x9e3779b97f4a7c15ull;
    rng = rng ? rng : 1;
    h = seed;
    rt_printf("hostile: seed %lx ops %lx\n", seed, ops);
    rt_exc_hook = on_exception;
    rt_irq_hook = on_irq;
    mmio_write64(CLINT_MTIMECMP, ~0ull);
    for (uint64_t i = 1; i <= ops; i++) {
        hammer_one();
        if ((i & 7) == 0) {
            run_garbage();
        }
        if ((i & 15) == 8) {
            jump_somewhere();
        }
        if ((i & 0xff) == 0) {
            uart_sane();
            rt_printf("\nhostile: %lx h %lx traps %lx lower %lx\n", i, h, traps, lower_runs);
        }
    }
    uart_sane();
    rt_printf("\nhostile: done h %lx traps %lx lower %lx\n", h, traps, lower_runs);
    return 0;
}
