/*
 * fw_cfg: QEMU's firmware configuration interface, MMIO flavour
 * ("qemu,fw-cfg-mmio", docs/specs/fw_cfg.txt in QEMU), at 0x10100000 on the
 * virt board, holding nothing but its signature.
 *
 * Registers: data at 0x00 (reads of 1..8 bytes return the next bytes of the
 * selected item in address order), selector at 0x08 (16 bits, big-endian),
 * DMA address at 0x10 (not offered: the ID item reports no DMA, so the
 * register reads 0 and ignores writes). Item 0x0000 is the signature "QEMU";
 * every other item is empty and reads as zero bytes. Nothing depends on the
 * host. State: the selected item and the read position in it.
 */
#ifndef RRSIM_HW_FW_CFG_H
#define RRSIM_HW_FW_CFG_H

#include <stdint.h>

#include "hw/board.h"

#define FW_CFG_DATA      0x00
#define FW_CFG_SELECTOR  0x08
#define FW_CFG_DMA       0x10
#define FW_CFG_SIGNATURE 0x0000

typedef struct FwCfg FwCfg;

FwCfg *fw_cfg_create(const Board *b, const char *name, uint64_t base, Error **errp);
void fw_cfg_reset(FwCfg *f);
void fw_cfg_free(FwCfg *f);

#endif
