/*
 * smcprobe: self-modifying code, for the snapshot-transparency test
 * (tests/e2e/snapprop.c). Translated blocks are a cache the simulator
 * rebuilds after a snapshot restore, so what the guest executes after it
 * rewrites its own code must not depend on whether the cache was dropped:
 *  - smc_fn is rewritten (a new immediate), fence.i, then called, in a hot
 *    loop, so its block is translated over and over (defined behaviour);
 *  - smc_same stores a new instruction a few bytes ahead in the block that
 *    is executing, with fence.i between (defined: the new one runs);
 *  - smc_nofence does the same without fence.i: which instruction runs is
 *    unspecified (priv spec, Zifencei), but it must be the same in every run.
 * Timer interrupts arrive throughout. Results go into a running checksum,
 * printed every few hundred rounds. Ends through sifive_test.
 */
#include "rt.h"

#define ROUNDS 20000
#define TICK   60

/* addi a0, a1, imm (imm 12 bits, signed) */
#define ADDI_A0_A1(imm) ((((uint32_t)(imm) & 0xfff) << 20) | (11u << 15) | (10u << 7) | 0x13u)

uint64_t smc_fn(uint64_t a0, uint64_t a1);
uint64_t smc_same(uint32_t insn, uint64_t a1);
uint64_t smc_nofence(uint32_t insn, uint64_t a1);
extern uint32_t smc_fn_insn[];

/* Code in a writable section; PMP entry 15 (start.S) lets M mode run it. */
__asm__(
    ".pushsection .data.smc, \"aw\", @progbits\n"
    ".option push\n"
    ".option norvc\n"
    ".balign 64\n"
    ".globl smc_fn, smc_fn_insn, smc_same, smc_nofence\n"
    "smc_fn:\n"
    "smc_fn_insn:\n"
    "    addi a0, a1, 0\n"
    "    ret\n"
    ".balign 64\n"
    "smc_same:\n"
    "    auipc t0, 0\n"
    "    sw    a0, 16(t0)\n"
    "    fence.i\n"
    "    nop\n"
    "    addi  a0, a1, 0\n"      /* smc_same + 16: replaced */
    "    ret\n"
    ".balign 64\n"
    "smc_nofence:\n"
    "    auipc t0, 0\n"
    "    sw    a0, 16(t0)\n"
    "    nop\n"
    "    nop\n"
    "    addi  a0, a1, 0\n"      /* smc_nofence + 16: replaced */
    "    ret\n"
    ".option pop\n"
    ".popsection\n");

static volatile uint64_t ticks, irq_mix = 1;

static void on_irq(RtFrame *f, int to_mode)
{
    (void)to_mode;
    if ((f->cause & ~CAUSE_INTR) == 7) {
        ticks++;
        irq_mix = rt_mix(irq_mix, f->epc);
        mmio_write64(CLINT_MTIMECMP, mmio_read64(CLINT_MTIME) + TICK + (ticks % 5) * 17);
    }
}

int main(void)
{
    rt_puts("smcprobe: self-modifying code\n");
    rt_irq_hook = on_irq;
    mmio_write64(CLINT_MTIMECMP, mmio_read64(CLINT_MTIME) + TICK);
    csr_set(mie, 1UL << 7);
    csr_set(mstatus, 1UL << 3);
    uint64_t seed = 0x13198a2e03707344ULL, h = 0;
    for (int round = 0; round < ROUNDS; round++) {
        uint64_t r = rt_rand(&seed);
        int imm = (int)(r % 2000) - 1000;
        uint64_t a1 = r >> 20;
        switch (round % 3) {
        case 0:
            smc_fn_insn[0] = ADDI_A0_A1(imm);
            __asm__ volatile("fence.i" ::: "memory");
            h = rt_mix(h, smc_fn(0, a1) - a1);
            break;
        case 1:
            h = rt_mix(h, smc_same(ADDI_A0_A1(imm), a1) - a1);
            break;
        case 2:
            h = rt_mix(h, smc_nofence(ADDI_A0_A1(imm), a1) - a1);
            break;
        }
        /* Run the hot function again without rewriting it: the cached block. */
        h = rt_mix(h, smc_fn(0, round) - round);
        if (round % 500 == 499) {
            rt_printf("round %d h %016lx\n", round + 1, h);
        }
    }
    csr_clear(mstatus, 1UL << 3);
    rt_printf("smcprobe: h %016lx ticks %lu irq %016lx\n", h, (unsigned long)ticks,
              (unsigned long)irq_mix);
    return 0;
}
