/*
 * uartprobe: the UART with its FIFOs mid-transfer, for the snapshot-
 * transparency test (tests/e2e/snapprop.c).
 *  1. Loopback bursts: bytes written to THR land in the receive FIFO (over
 *     its 16 bytes now and then: overrun); the program drains it slowly,
 *     a byte every few hundred instructions, reading LSR and IIR as it goes,
 *     and takes the UART's interrupt through the PLIC (received data and the
 *     character timeout, a CLOCK_VIRTUAL timer in the device) and timer
 *     interrupts meanwhile.
 *  2. Host input: it prints "ready>" and reads what the host types (the
 *     recording types it, replay feeds it from the journal), again slowly,
 *     so bytes wait in the FIFO across snapshot points.
 * Every register value read goes into a running checksum, printed every
 * burst. Ends through sifive_test.
 */
#include "rt.h"

#define RBR 0
#define THR 0
#define IER 1
#define IIR 2
#define FCR 2
#define MCR 4
#define LSR 5
#define MCR_LOOP 0x10
#define MCR_OUT2 0x08

#define PLIC_BASE      0x0c000000UL
#define PLIC_PRIO(n)   (PLIC_BASE + 4 * (n))
#define PLIC_ENABLE_M  (PLIC_BASE + 0x2000)
#define PLIC_THRESH_M  (PLIC_BASE + 0x200000)
#define PLIC_CLAIM_M   (PLIC_BASE + 0x200004)
#define UART_IRQ       10

#define BURSTS 120
#define TICK   80

static volatile uint64_t ticks, uart_irqs, irq_mix = 1, rx_mix = 1, rx_count;

static uint8_t reg_read(int r)
{
    return *(volatile uint8_t *)(UART_BASE + r);
}

static void reg_write(int r, uint8_t v)
{
    *(volatile uint8_t *)(UART_BASE + r) = v;
}

static void on_irq(RtFrame *f, int to_mode)
{
    (void)to_mode;
    uint64_t code = f->cause & ~CAUSE_INTR;
    irq_mix = rt_mix(rt_mix(irq_mix, f->epc), code);
    if (code == 7) {
        ticks++;
        mmio_write64(CLINT_MTIMECMP, mmio_read64(CLINT_MTIME) + TICK + (ticks % 3) * 101);
    } else if (code == 11) {
        uint32_t id = mmio_read32(PLIC_CLAIM_M);
        uart_irqs++;
        irq_mix = rt_mix(irq_mix, id);
        irq_mix = rt_mix(irq_mix, reg_read(IIR));
        /* Take one byte only: the rest stays in the FIFO. */
        if (reg_read(LSR) & 1) {
            rx_mix = rt_mix(rx_mix, reg_read(RBR));
            rx_count++;
        }
        mmio_write32(PLIC_CLAIM_M, id);
    }
}

static uint64_t spin(uint64_t n, uint64_t h)
{
    for (uint64_t i = 0; i < n; i++) {
        h = rt_mix(h, i);
    }
    return h;
}

/* Drain what is there slowly, recording LSR/IIR on the way. */
static uint64_t drain(uint64_t h, int max)
{
    for (int i = 0; i < max; i++) {
        uint8_t lsr = reg_read(LSR);
        h = rt_mix(h, lsr);
        h = rt_mix(h, reg_read(IIR));
        if (lsr & 1) {
            csr_clear(mstatus, 1UL << 3);
            if (reg_read(LSR) & 1) {
                rx_mix = rt_mix(rx_mix, reg_read(RBR));
                rx_count++;
            }
            csr_set(mstatus, 1UL << 3);
        }
        h = spin(150 + (h & 255), h);
    }
    return h;
}

int main(void)
{
    rt_puts("uartprobe: FIFOs mid-transfer\n");
    rt_irq_hook = on_irq;
    mmio_write32(PLIC_PRIO(UART_IRQ), 1);
    mmio_write32(PLIC_ENABLE_M, 1u << UART_IRQ);
    mmio_write32(PLIC_THRESH_M, 0);
    reg_write(FCR, 0x87);                 /* FIFOs on, cleared, trigger level 8 */
    reg_write(IER, 0x01);                 /* received data (and its timeout) */
    mmio_write64(CLINT_MTIMECMP, mmio_read64(CLINT_MTIME) + TICK);
    csr_set(mie, (1UL << 7) | (1UL << 11));
    csr_set(mstatus, 1UL << 3);
    uint64_t seed = 0xc0ac29b7c97c50ddULL, h = 0;

    reg_write(MCR, MCR_LOOP | MCR_OUT2);
    for (int b = 0; b < BURSTS; b++) {
        uint64_t r = rt_rand(&seed);
        int n = 1 + (int)(r % 20);      /* up to 20: over the FIFO sometimes */
        for (int i = 0; i < n; i++) {
            reg_write(THR, (uint8_t)('a' + (r >> (i % 48)) % 26));
            h = rt_mix(h, reg_read(LSR));
        }
        h = drain(h, 4 + (int)((r >> 40) % 24));
        if (b % 10 == 9) {
            reg_write(MCR, MCR_OUT2);
            rt_printf("burst %d rx %lu uart irqs %lu ticks %lu h %016lx rx %016lx\n", b + 1,
                      (unsigned long)rx_count, (unsigned long)uart_irqs,
                      (unsigned long)ticks, (unsigned long)h, (unsigned long)rx_mix);
            reg_write(MCR, MCR_LOOP | MCR_OUT2);
        }
    }
    reg_write(MCR, MCR_OUT2);
    h = drain(h, 40);

    /* Host input: typed by the recording after this prompt, read slowly. */
    rt_puts("ready>\n");
    uint64_t before = rx_count;
    for (int i = 0; i < 400 && rx_count - before < 24; i++) {
        h = drain(h, 2);
        if (i % 40 == 39) {
            rt_printf("input %lu h %016lx rx %016lx\n", (unsigned long)(rx_count - before),
                      (unsigned long)h, (unsigned long)rx_mix);
        }
    }
    csr_clear(mstatus, 1UL << 3);
    rt_printf("uartprobe: rx %lu uart irqs %lu ticks %lu h %016lx rx %016lx irq %016lx\n",
              (unsigned long)rx_count, (unsigned long)uart_irqs, (unsigned long)ticks,
              (unsigned long)h, (unsigned long)rx_mix, (unsigned long)irq_mix);
    return 0;
}
