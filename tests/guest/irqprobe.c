/*
 * irqprobe: pending interrupts, for the snapshot-transparency test
 * (tests/e2e/snapprop.c). Timer interrupts (CLINT mtimecmp, re-armed at
 * irregular distances) and software interrupts (MSIP set by the hart to
 * itself) arrive while the program loops, while they are masked (mstatus.MIE
 * clear for a stretch, so they stay pending across snapshot points), in WFI,
 * and in S mode. Where each one lands (mepc) and how many were delivered go
 * into a running checksum, printed every few hundred rounds: a snapshot taken
 * or restored with an interrupt pending must deliver it at the same
 * instruction. Ends through sifive_test.
 */
#include "rt.h"

#define ROUNDS 3000
#define MIE_MSIE (1UL << 3)
#define MIE_MTIE (1UL << 7)
#define MSTATUS_MIE (1UL << 3)

static volatile uint64_t timer_irqs, soft_irqs, irq_mix = 1, seed_irq = 0x452821e638d01377ULL;

static void on_irq(RtFrame *f, int to_mode)
{
    uint64_t code = f->cause & ~CAUSE_INTR;
    irq_mix = rt_mix(rt_mix(irq_mix, f->epc), code);
    irq_mix = rt_mix(irq_mix, (f->status >> 11) & 3);
    if (code == 7) {
        timer_irqs++;
        uint64_t r = rt_rand((uint64_t *)&seed_irq);
        mmio_write64(CLINT_MTIMECMP, mmio_read64(CLINT_MTIME) + 50 + r % 1500);
    } else if (code == 3) {
        soft_irqs++;
        mmio_write32(CLINT_MSIP, 0);
    }
}

static uint64_t s_work(uint64_t n)
{
    uint64_t h = n;
    for (uint64_t i = 0; i < n; i++) {
        h = rt_mix(h, i);
    }
    return h;
}

int main(void)
{
    rt_puts("irqprobe: pending interrupts\n");
    rt_irq_hook = on_irq;
    mmio_write64(CLINT_MTIMECMP, mmio_read64(CLINT_MTIME) + 300);
    csr_set(mie, MIE_MTIE | MIE_MSIE);
    csr_set(mstatus, MSTATUS_MIE);
    uint64_t seed = 0xbe5466cf34e90c6cULL, h = 0;
    for (int round = 0; round < ROUNDS; round++) {
        uint64_t r = rt_rand(&seed);
        switch (r % 5) {
        case 0: /* masked: whatever arrives now stays pending until MIE is set */
            csr_clear(mstatus, MSTATUS_MIE);
            h = rt_mix(h, s_work(200 + (r >> 8) % 800));
            h = rt_mix(h, csr_read(mip) & (MIE_MTIE | MIE_MSIE));
            csr_set(mstatus, MSTATUS_MIE);
            break;
        case 1: /* a software interrupt to itself, taken at once */
            mmio_write32(CLINT_MSIP, 1);
            h = rt_mix(h, soft_irqs);
            break;
        case 2: /* a software interrupt raised while masked, taken at csrs */
            csr_clear(mstatus, MSTATUS_MIE);
            mmio_write32(CLINT_MSIP, 1);
            h = rt_mix(h, s_work(50));
            csr_set(mstatus, MSTATUS_MIE);
            break;
        case 3: /* idle until the next interrupt */
            __asm__ volatile("wfi");
            break;
        case 4: /* work in S mode: M interrupts preempt it */
            h = rt_mix(h, rt_run_mode(PRV_S, s_work, 300 + (r >> 8) % 1200));
            break;
        }
        h = rt_mix(h, timer_irqs);
        if (round % 150 == 149) {
            rt_printf("round %d timer %lu soft %lu irq %016lx h %016lx\n", round + 1,
                      (unsigned long)timer_irqs, (unsigned long)soft_irqs,
                      (unsigned long)irq_mix, (unsigned long)h);
        }
    }
    csr_clear(mstatus, MSTATUS_MIE);
    rt_printf("irqprobe: timer %lu soft %lu h %016lx\n", (unsigned long)timer_irqs,
              (unsigned long)soft_irqs, (unsigned long)h);
    return 0;
}
