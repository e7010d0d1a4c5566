/*
 * ptprobe: page tables changed behind the TLB, for the snapshot-transparency
 * test (tests/e2e/snapprop.c).
 *
 * An S-mode loop works on eight data pages mapped at VA 0x40000000 through
 * Sv39 tables it edits itself, WITHOUT sfence.vma most of the time: it
 * clears PTE.A/D with plain stores and with amoand.d (as Linux's
 * ptep_test_and_clear_young does), reads the PTEs back, and remaps pages to
 * other frames, then keeps accessing them. Which translation the hart uses
 * until the next fence, and whether the walker sets A/D again, are the
 * implementation's choice (priv spec 4.3.1, 4.2.1), but they must not depend
 * on what a debugger did: a snapshot restore, a seek or a watchpoint must not
 * change a byte of what is printed here. Every value read (PTE flag bytes,
 * data through the remapped window) goes into a running checksum, printed
 * every few hundred iterations. Timer interrupts (to M mode) arrive
 * throughout. Ends through sifive_test.
 */
#include "rt.h"

#define PTE_V 0x01UL
#define PTE_R 0x02UL
#define PTE_W 0x04UL
#define PTE_X 0x08UL
#define PTE_A 0x40UL
#define PTE_D 0x80UL
#define PTE(pa, fl) ((((uint64_t)(pa)) >> 12) << 10 | (fl))
#define SATP_SV39 (8UL << 60)

#define WIN      0x40000000UL
#define NPAGES   8
#define NFRAMES  12
#define ITERS    40000
#define TICK     50

typedef uint64_t Table[512] __attribute__((aligned(4096)));
static Table root, l1, l0;
static uint64_t frames[NFRAMES][512] __attribute__((aligned(4096)));

static volatile uint64_t ticks, irq_mix = 1;

static void on_irq(RtFrame *f, int to_mode)
{
    (void)to_mode;
    if ((f->cause & ~CAUSE_INTR) == 7) {
        ticks++;
        irq_mix = rt_mix(irq_mix, f->epc);
        mmio_write64(CLINT_MTIMECMP, mmio_read64(CLINT_MTIME) + TICK + (ticks % 7) * 31);
    }
}

static uint64_t amoand(volatile uint64_t *p, uint64_t mask)
{
    uint64_t old;
    __asm__ volatile("amoand.d %0, %2, (%1)" : "=r"(old) : "r"(p), "r"(mask) : "memory");
    return old;
}

static uint64_t s_loop(uint64_t arg)
{
    uint64_t seed = arg, h = 0;
    volatile uint64_t *pte = l0;
    for (int it = 0; it < ITERS; it++) {
        uint64_t r = rt_rand(&seed);
        int p = (int)(r % NPAGES);
        volatile uint64_t *va = (volatile uint64_t *)(WIN + p * 4096UL);
        switch ((r >> 8) % 8) {
        case 0: /* clear A and D with a plain store */
            pte[p] &= ~(PTE_A | PTE_D);
            break;
        case 1: /* clear A (and D) atomically, as ptep_test_and_clear_young */
            h = rt_mix(h, amoand(&pte[p], ~(PTE_A | ((r >> 12) & 1 ? PTE_D : 0))) & 0xff);
            break;
        case 2: /* remap the page to another frame, no fence */
            pte[p] = PTE(frames[(r >> 16) % NFRAMES], PTE_V | PTE_R | PTE_W);
            break;
        case 3: /* write through the window */
            va[(r >> 20) % 512] = r;
            break;
        case 4:
        case 5: /* read through the window */
            h = rt_mix(h, va[(r >> 20) % 512]);
            break;
        case 6: /* read the PTE back: what the walker wrote, if anything */
            h = rt_mix(h, pte[p] & 0xff);
            break;
        case 7: /* now and then, a fence (one page or all) */
            if ((r >> 24) % 4 == 0) {
                __asm__ volatile("sfence.vma" ::: "memory");
            } else {
                __asm__ volatile("sfence.vma %0, zero" :: "r"(va) : "memory");
            }
            break;
        }
        if (it % 1000 == 999) {
            uint64_t flags = 0;
            for (int i = 0; i < NPAGES; i++) {
                flags = flags << 8 | (pte[i] & 0xff);
            }
            rt_printf("it %d flags %016lx h %016lx\n", it + 1, flags, h);
        }
    }
    return h;
}

int main(void)
{
    rt_puts("ptprobe: page tables without fences\n");
    /* Gigapage 0: MMIO (the UART); gigapage 2: DRAM with the code and tables. */
    root[0] = PTE(0, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    root[1] = PTE(l1, PTE_V);
    root[2] = PTE(0x80000000UL, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    l1[0] = PTE(l0, PTE_V);
    for (int i = 0; i < NFRAMES; i++) {
        for (int j = 0; j < 512; j++) {
            frames[i][j] = (uint64_t)i << 56 | (uint64_t)j;
        }
    }
    for (int i = 0; i < NPAGES; i++) {
        l0[i] = PTE(frames[i], PTE_V | PTE_R | PTE_W);
    }
    csr_write(satp, SATP_SV39 | ((uint64_t)root >> 12));
    __asm__ volatile("sfence.vma" ::: "memory");
    rt_irq_hook = on_irq;
    mmio_write64(CLINT_MTIMECMP, mmio_read64(CLINT_MTIME) + TICK);
    csr_set(mie, 1UL << 7);
    csr_set(mstatus, 1UL << 3);
    uint64_t h = rt_run_mode(PRV_S, s_loop, 0x243f6a8885a308d3ULL);
    csr_clear(mstatus, 1UL << 3);
    csr_write(satp, 0);
    rt_printf("ptprobe: h %016lx ticks %lu irq %016lx\n", h, (unsigned long)ticks,
              (unsigned long)irq_mix);
    return 0;
}
