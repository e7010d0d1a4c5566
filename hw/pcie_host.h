/*
 * pcie_host: the generic PCIe host bridge of QEMU's virt board
 * ("pci-host-ecam-generic", QEMU's gpex) with nothing plugged in.
 *
 * The ECAM window (0x30000000, 256 buses) answers config reads with all-ones
 * (PCI Local Bus 3.0, 6.1: no device) except at 00:00.0, where QEMU's gpex
 * places its host bridge function: Red Hat 1b36:0008, class 0600 (host
 * bridge), subsystem 1af4:1100, header type 0, no BARs, no capabilities.
 * Its conventional 256-byte config space keeps the bits QEMU makes writable
 * (command, cache line size, interrupt line, and 0x40..0xff); offsets from
 * 0x100 up read all-ones, as for any conventional function behind ECAM.
 *
 * The I/O and low MMIO windows are mapped too: with no device decoding them,
 * reads give all-ones and writes are dropped. The high MMIO window is only
 * described in the device tree.
 */
#ifndef RRSIM_HW_PCIE_HOST_H
#define RRSIM_HW_PCIE_HOST_H

#include <stdint.h>

#include "hw/board.h"

#define PCIE_HOST_VENDOR_ID   0x1b36
#define PCIE_HOST_DEVICE_ID   0x0008
#define PCIE_HOST_CONFIG_SIZE 256

typedef struct PcieHost PcieHost;

PcieHost *pcie_host_create(const Board *b, const char *name, Error **errp);
void pcie_host_reset(PcieHost *p);
void pcie_host_free(PcieHost *p);

#endif
