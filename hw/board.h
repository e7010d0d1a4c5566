/*
 * board: the pieces a device needs from the machine it lives in, and the
 * virt board's memory map (one table of addresses, as QEMU's virt_memmap).
 *
 * Devices take a Board rather than the whole Machine so unit tests can build
 * one from a bare Loop, AddressSpace and VMStateRegistry.
 */
#ifndef RRSIM_HW_BOARD_H
#define RRSIM_HW_BOARD_H

#include <stdint.h>

#include "sim/loop/loop.h"
#include "sim/memory/memory.h"
#include "snapshots/vmstate.h"

typedef struct Board {
    Loop *loop;
    AddressSpace *as;
    VMStateRegistry *vms;
} Board;

/* QEMU 7.2 hw/riscv/virt.c memory map (the parts rrsim models). */
#define VIRT_MROM_BASE      0x1000ull
#define VIRT_MROM_SIZE      0xf000ull
#define VIRT_TEST_BASE      0x100000ull
#define VIRT_TEST_SIZE      0x1000ull
#define VIRT_RTC_BASE       0x101000ull
#define VIRT_RTC_SIZE       0x1000ull
#define VIRT_CLINT_BASE     0x2000000ull
#define VIRT_CLINT_SIZE     0x10000ull
#define VIRT_PLIC_BASE      0xc000000ull
#define VIRT_PLIC_SIZE      0x600000ull
#define VIRT_UART0_BASE     0x10000000ull
#define VIRT_UART0_SIZE     0x100ull
#define VIRT_DRAM_BASE      0x80000000ull

#define VIRT_UART0_IRQ      10
#define VIRT_RTC_IRQ        11

#define VIRT_TIMEBASE_FREQ  10000000u   /* CLINT mtime ticks per second */
#define VIRT_UART_CLOCK     3686400u    /* 0x384000, as QEMU advertises */

#endif
