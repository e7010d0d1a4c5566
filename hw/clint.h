/*
 * clint: the SiFive CLINT / RISC-V ACLINT (MSWI + MTIMER) of the virt board,
 * for 1..CLINT_MAX_HARTS harts (QEMU virt's layout):
 *
 *   +0x0000 + 4 * hart  msip (bit 0 drives that hart's MSIP)
 *   +0x4000 + 8 * hart  mtimecmp (64-bit; 32-bit halves accepted)
 *   +0xbff8 mtime    (64-bit; writable, as QEMU's ACLINT)
 *
 * mtime counts at VIRT_TIMEBASE_FREQ (10 MHz): mtime = CLOCK_VIRTUAL ns / 100
 * + a guest-written offset. MTIP is high exactly while mtime >= mtimecmp; the
 * rising edge comes from a CLOCK_VIRTUAL timer armed for the first ns at which
 * that holds, so it fires at the same instruction in every run.
 *
 * The hart's Sstc compare (stimecmp, a CSR of the hart) counts on the same
 * mtime, so its timer lives here too: the hart reports stimecmp and
 * menvcfg.STCE (clint_set_stimecmp()) and STIP is high exactly while STCE is
 * set and mtime >= stimecmp. The copy is part of this device's state.
 */
#ifndef RRSIM_HW_CLINT_H
#define RRSIM_HW_CLINT_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/board.h"
#include "hw/irq.h"

#define CLINT_MSIP_OFF      0x0000
#define CLINT_MTIMECMP_OFF  0x4000
#define CLINT_MTIME_OFF     0xbff8
#define CLINT_NS_PER_TICK   (NS_PER_SEC / VIRT_TIMEBASE_FREQ)
#define CLINT_MAX_HARTS     8

typedef struct Clint Clint;

/* msip[i], mtip[i], stip[i]: the lines of hart i (nharts of each). */
Clint *clint_create(const Board *b, const char *name, uint64_t base, int nharts,
                    const IrqLine *msip, const IrqLine *mtip, const IrqLine *stip,
                    Error **errp);
/* Sstc: a hart's stimecmp and menvcfg.STCE (HartConfig.stimecmp_changed). */
void clint_set_stimecmp(Clint *c, int hart, uint64_t stimecmp, bool enabled);
void clint_reset(Clint *c);
void clint_free(Clint *c);

/* Current mtime; also the hart's `time` CSR source (HartConfig.read_time). */
uint64_t clint_mtime(Clint *c);

#endif
