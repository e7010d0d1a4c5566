/*
 * bootrom: the virt board's reset vector in the mask ROM at 0x1000, with the
 * same register convention as QEMU (hw/riscv/boot.c) so the same firmware
 * boots: a0 = mhartid, a1 = FDT address, a2 = address of a fw_dynamic_info
 * block (OpenSBI's fw_dynamic protocol, version 2), then a jump to the start
 * address (the firmware, or the kernel with -bios none).
 */
#ifndef RRSIM_HW_BOOTROM_H
#define RRSIM_HW_BOOTROM_H

#include <stddef.h>
#include <stdint.h>

#include "sim/base/error.h"

#define FW_DYNAMIC_INFO_MAGIC   0x4942534full   /* "OSBI" */
#define FW_DYNAMIC_INFO_VERSION 2
#define FW_DYNAMIC_NEXT_MODE_S  1

/* Offset of the fw_dynamic_info block inside the ROM image. */
#define BOOTROM_FW_DYN_OFFSET   40
#define BOOTROM_IMAGE_SIZE      (BOOTROM_FW_DYN_OFFSET + 6 * 8)

/* Fill rom[0..BOOTROM_IMAGE_SIZE) (rom_size must be at least that). next_addr
 * is where the firmware continues (the kernel entry; 0 if none). */
bool bootrom_build(uint8_t *rom, size_t rom_size, uint64_t start_addr, uint64_t fdt_addr,
                   uint64_t next_addr, Error **errp);

#endif
