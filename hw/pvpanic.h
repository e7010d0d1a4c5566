/*
 * pvpanic: a guest's way to tell the host it panicked, with the register
 * QEMU's "pvpanic-mmio" device has (compatible "qemu,pvpanic-mmio", Linux's
 * CONFIG_PVPANIC_MMIO driver).
 *
 * One byte register at offset 0. A read returns the events the device
 * supports: bit 0 PANICKED, bit 1 CRASH_LOADED. A write reports events:
 * PANICKED ends the run (loop_request_shutdown(SHUTDOWN_GUEST_PANIC), taken
 * at the next instruction boundary, as sifive_test's requests are);
 * CRASH_LOADED (a crash kernel will take over) is only latched, and the run
 * goes on, as on QEMU. The latched events are the device's state.
 *
 * QEMU 7.2's riscv virt has no pvpanic-mmio (only pvpanic-pci); rrsim places
 * it at VIRT_PVPANIC_BASE, a free address in the low device area, and adds
 * its node to the device tree when -device pvpanic-mmio is given.
 */
#ifndef RRSIM_HW_PVPANIC_H
#define RRSIM_HW_PVPANIC_H

#include <stdint.h>

#include "hw/board.h"
#include "sim/base/error.h"

#define PVPANIC_PANICKED     0x1
#define PVPANIC_CRASH_LOADED 0x2

typedef struct Pvpanic Pvpanic;

Pvpanic *pvpanic_create(const Board *b, const char *name, uint64_t base, Error **errp);
void pvpanic_reset(Pvpanic *p);
/* The events the guest has reported since reset (PVPANIC_* bits). */
uint8_t pvpanic_events(const Pvpanic *p);
void pvpanic_free(Pvpanic *p);

#endif
