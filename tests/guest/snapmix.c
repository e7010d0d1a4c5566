/*
 * snapmix: a guest for the machine snapshot tests. It mixes what a snapshot
 * must carry: timer interrupts (CLINT, re-armed from the handler), idle
 * periods (WFI until the next tick), console output, scattered RAM writes
 * over a few MiB, and, once the host has sent it a byte on the UART, host
 * clock reads (goldfish RTC) and further input - so that a recording of it
 * has journaled input and clock events. Every value it prints is derived
 * from that history, so any state a restore gets wrong shows up in the
 * output or the final state hash.
 */
#include "rt.h"

#define UART_RBR     (UART_BASE + 0)
#define UART_LSR     (UART_BASE + 5)
#define RTC_TIME_LOW  0x101000UL
#define RTC_TIME_HIGH 0x101004UL
#define SCRATCH      ((volatile uint64_t *)0x80800000UL)
#define SCRATCH_WORDS ((4u << 20) / 8)
#define TICK         500      /* mtime ticks (100 ns) between timer interrupts */
#ifndef ROUNDS
#define ROUNDS       400
#endif
#define INNER        2000

static volatile uint64_t ticks;
static volatile uint64_t irq_mix = 1;

static void on_irq(RtFrame *f, int to_mode)
{
    (void)to_mode;
    if ((f->cause & ~CAUSE_INTR) == 7) {
        ticks++;
        irq_mix = rt_mix(irq_mix, f->epc);
        SCRATCH[(ticks * 4099) % SCRATCH_WORDS] = irq_mix;
        mmio_write64(CLINT_MTIMECMP, mmio_read64(CLINT_MTIME) + TICK);
    }
}

static int uart_getc(void)
{
    if (*(volatile uint8_t *)UART_LSR & 1) {
        return *(volatile uint8_t *)UART_RBR;
    }
    return -1;
}

int main(void)
{
    uint64_t seed = 0x9e3779b97f4a7c15ULL, h = 0;
    int got_input = 0;
    rt_irq_hook = on_irq;
    mmio_write64(CLINT_MTIMECMP, mmio_read64(CLINT_MTIME) + TICK);
    csr_set(mie, 1UL << 7);
    csr_set(mstatus, 1UL << 3);
    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < INNER; i++) {
            uint64_t r = rt_rand(&seed);
            SCRATCH[r % SCRATCH_WORDS] += r;
            h = rt_mix(h, SCRATCH[(r >> 24) % SCRATCH_WORDS]);
        }
        int c;
        while ((c = uart_getc()) >= 0) {
            got_input = 1;
            h = rt_mix(h, (uint64_t)c);
            rt_printf("in %c\n", c);
        }
        if (got_input) {
            uint32_t lo = mmio_read32(RTC_TIME_LOW);
            uint32_t hi = mmio_read32(RTC_TIME_HIGH);
            h = rt_mix(h, ((uint64_t)hi << 32 | lo) & 0xfff);
        }
        if (round % 16 == 5) {
            __asm__ volatile("wfi");
        }
        rt_printf("r %d t %lu h %lx\n", round, (unsigned long)ticks, (unsigned long)(h ^ irq_mix));
    }
    csr_clear(mstatus, 1UL << 3);
    rt_printf("done\n");
    return 0;
}
