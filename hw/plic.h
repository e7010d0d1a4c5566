/*
 * plic: the SiFive PLIC of QEMU's virt board ("sifive,plic-1.0.0"), two
 * contexts per hart as QEMU virt: 2h = hart h's M mode (drives its MEIP),
 * 2h + 1 = its S mode (drives its SEIP).
 *
 * Sources 1..PLIC_NDEV are level-sensitive inputs (plic_irq_line()); source 0
 * does not exist. Priorities are 3 bits (0 = never interrupts). A source is
 * pending while its input is high and it is not claimed; a claim returns the
 * highest-priority pending enabled source (lowest id on ties) and clears its
 * pending bit; completing it re-arms the gateway, so a still-high input
 * becomes pending again. (RISC-V PLIC spec 1.0.0, sections 5-9.)
 */
#ifndef RRSIM_HW_PLIC_H
#define RRSIM_HW_PLIC_H

#include <stdint.h>

#include "hw/board.h"
#include "hw/irq.h"

#define PLIC_NDEV        96   /* riscv,ndev of QEMU 7.2 virt */
#define PLIC_NUM_CONTEXTS 2   /* one hart's */
#define PLIC_MAX_CONTEXTS 16  /* eight harts' */
#define PLIC_PRIO_MASK   7u

#define PLIC_PRIORITY_BASE   0x0
#define PLIC_PENDING_BASE    0x1000
#define PLIC_ENABLE_BASE     0x2000
#define PLIC_ENABLE_STRIDE   0x80
#define PLIC_CONTEXT_BASE    0x200000
#define PLIC_CONTEXT_STRIDE  0x1000

typedef struct Plic Plic;

/* nctx contexts (2 per hart); ctx_irqs[i] is the output of context i
 * (MEIP, SEIP of hart i / 2). */
Plic *plic_create(const Board *b, const char *name, uint64_t base, int nctx,
                  const IrqLine *ctx_irqs, Error **errp);
void plic_reset(Plic *p);
void plic_free(Plic *p);

/* The input line of one source (1..PLIC_NDEV). */
IrqLine plic_irq_line(Plic *p, int source);

#endif
