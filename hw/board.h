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

#include "sim/base/log.h"
#include "sim/loop/loop.h"
#include "sim/memory/memory.h"
#include "snapshots/vmstate.h"

typedef struct Board {
    Loop *loop;
    AddressSpace *as;
    VMStateRegistry *vms;
    /* A device wrote guest RAM behind the hart (DMA): the machine drops
     * translated code and page-table walks that read it. May be NULL. */
    void (*dma_written)(void *opaque, uint64_t addr, uint64_t len);
    void *dma_opaque;
    /* The machine's log: devices report guest misuse (LOG_GUEST_ERROR) and
     * what they do not model (LOG_UNIMP) through log_mask(). May be NULL. */
    SimLog *log;
} Board;

/* QEMU 7.2 hw/riscv/virt.c memory map (the parts rrsim models). */
#define VIRT_MROM_BASE      0x1000ull
#define VIRT_MROM_SIZE      0xf000ull
#define VIRT_TEST_BASE      0x100000ull
#define VIRT_TEST_SIZE      0x1000ull
#define VIRT_RTC_BASE       0x101000ull
#define VIRT_RTC_SIZE       0x1000ull
/* Not on QEMU's riscv virt: -device pvpanic-mmio (hw/pvpanic.h) goes in
 * the free page after the RTC. */
#define VIRT_PVPANIC_BASE   0x102000ull
#define VIRT_PVPANIC_SIZE   0x1000ull
#define VIRT_CLINT_BASE     0x2000000ull
#define VIRT_CLINT_SIZE     0x10000ull
#define VIRT_PLIC_BASE      0xc000000ull
#define VIRT_PLIC_SIZE      0x600000ull
#define VIRT_UART0_BASE     0x10000000ull
#define VIRT_UART0_SIZE     0x100ull
#define VIRT_VIRTIO_BASE    0x10001000ull   /* + n * VIRT_VIRTIO_SIZE */
#define VIRT_VIRTIO_SIZE    0x1000ull
#define VIRT_VIRTIO_COUNT   8
#define VIRT_FW_CFG_BASE    0x10100000ull
#define VIRT_FW_CFG_SIZE    0x18ull
#define VIRT_FLASH_BASE     0x20000000ull   /* two banks, back to back */
#define VIRT_FLASH_SIZE     0x2000000ull    /* per bank */
#define VIRT_FLASH_SECTOR   0x40000ull
#define VIRT_PLATFORM_BUS_BASE 0x4000000ull
#define VIRT_PLATFORM_BUS_SIZE 0x2000000ull
#define VIRT_PCIE_PIO_BASE  0x3000000ull
#define VIRT_PCIE_PIO_SIZE  0x10000ull
#define VIRT_PCIE_ECAM_BASE 0x30000000ull
#define VIRT_PCIE_ECAM_SIZE 0x10000000ull
#define VIRT_PCIE_MMIO_BASE 0x40000000ull
#define VIRT_PCIE_MMIO_SIZE 0x40000000ull
#define VIRT_PCIE_HIGH_MMIO_BASE 0x400000000ull   /* with up to 14 GiB of RAM */
#define VIRT_PCIE_HIGH_MMIO_SIZE 0x400000000ull
#define VIRT_DRAM_BASE      0x80000000ull

#define VIRT_VIRTIO_IRQ     1   /* slot n uses VIRT_VIRTIO_IRQ + n */

#define VIRT_UART0_IRQ      10
#define VIRT_RTC_IRQ        11
#define VIRT_PCIE_IRQ       0x20   /* INTA..INTD: 0x20..0x23 */
#define VIRT_PCIE_NUM_IRQS  4

#define VIRT_TIMEBASE_FREQ  10000000u   /* CLINT mtime ticks per second */
#define VIRT_UART_CLOCK     3686400u    /* 0x384000, as QEMU advertises */

#endif
