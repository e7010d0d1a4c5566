/*
 * uart16550: an NS16550A UART (the virt board's serial@10000000), with
 * 16-byte FIFOs, the interrupt identification priorities of the datasheet,
 * divisor latch, scratch register and loopback.
 *
 * Transmission completes at once (the byte goes to the CharBackend during the
 * THR write), which keeps output deterministic without a line timing model.
 * Reception follows the FIFO trigger level; below it, the character timeout
 * interrupt fires four character times (at the programmed baud rate) of
 * CLOCK_VIRTUAL after the last byte, as on the real part.
 */
#ifndef RRSIM_HW_UART16550_H
#define RRSIM_HW_UART16550_H

#include <stdint.h>

#include "hw/board.h"
#include "hw/irq.h"
#include "sim/chardev/chardev.h"

typedef struct Uart16550 Uart16550;

/* Maps the UART at base (size VIRT_UART0_SIZE) and registers "name" with the
 * board's VMState registry. be may be NULL (output dropped, no input). */
Uart16550 *uart16550_create(const Board *b, const char *name, uint64_t base, IrqLine irq,
                            CharBackend *be, Error **errp);
void uart16550_reset(Uart16550 *u);
void uart16550_free(Uart16550 *u);

#endif
