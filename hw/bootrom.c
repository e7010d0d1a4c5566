/* bootrom: see bootrom.h. */
#include "hw/bootrom.h"

#include <string.h>

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

bool bootrom_build(uint8_t *rom, size_t rom_size, uint64_t start_addr, uint64_t fdt_addr,
                   uint64_t next_addr, Error **errp)
{
    /* Hand-assembled RV64 code; t0 holds the ROM base after the auipc, the two
     * data words follow the code and fw_dynamic_info follows them. */
    static const uint32_t code[6] = {
        0x00000297,  /* auipc t0, 0                                  */
        0x02828613,  /* addi  a2, t0, 40   (fw_dynamic_info)         */
        0xf1402573,  /* csrr  a0, mhartid                            */
        0x0202b583,  /* ld    a1, 32(t0)   (FDT address)             */
        0x0182b283,  /* ld    t0, 24(t0)   (start address)           */
        0x00028067,  /* jr    t0                                     */
    };
    if (rom_size < BOOTROM_IMAGE_SIZE) {
        error_setg(errp, "boot ROM too small for the reset vector");
        return false;
    }
    memset(rom, 0, BOOTROM_IMAGE_SIZE);
    for (int i = 0; i < 6; i++) {
        put32(rom + 4 * i, code[i]);
    }
    put64(rom + 24, start_addr);
    put64(rom + 32, fdt_addr);

    uint8_t *dyn = rom + BOOTROM_FW_DYN_OFFSET;
    put64(dyn + 0, FW_DYNAMIC_INFO_MAGIC);
    put64(dyn + 8, FW_DYNAMIC_INFO_VERSION);
    put64(dyn + 16, next_addr);
    put64(dyn + 24, FW_DYNAMIC_NEXT_MODE_S);
    put64(dyn + 32, 0);   /* options */
    put64(dyn + 40, 0);   /* boot_hart */
    return true;
}
