/*
 * memory: the guest physical address space.
 *
 * A flat table of regions: RAM/ROM backed by host memory, and MMIO regions
 * served by a device's MmioOps. The hart resolves RAM to host pointers once
 * (and caches them in its TLB); everything else goes through mem_read() /
 * mem_write(), which check the access size against the device's .valid
 * sizes and split or widen it to the .impl sizes before the device sees it,
 * as QEMU's MemoryRegionOps do. An access the bus rejects (unmapped address,
 * invalid size) returns MEM_ERR_* and the hart raises an access fault; the
 * bus itself never aborts on guest input. Writes to ROM are ignored, as on
 * QEMU's virt board.
 *
 * RAM regions keep a dirty bitmap (one bit per 4 KiB page) that every write
 * path must set through mem_ram_mark_dirty(); snapshots use it to store
 * only the pages that changed.
 */
#ifndef RRSIM_SIM_MEMORY_MEMORY_H
#define RRSIM_SIM_MEMORY_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/base/error.h"

#define MEM_PAGE_BITS 12
#define MEM_PAGE_SIZE (1u << MEM_PAGE_BITS)

typedef struct MmioOps {
    /* offset is relative to the region base; size is in bytes (1, 2, 4, 8). */
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
    /* Sizes the guest may use (0 means 1..8); anything else is an access fault. */
    struct { unsigned min_access_size, max_access_size; } valid;
    /* Sizes the device implements (0 means same as valid); the bus splits
     * wider accesses and widens narrower ones (read-modify-write is NOT done:
     * a narrow write to a wider impl is passed as the wider size, value shifted,
     * with only the addressed bytes meaningful; devices that care set impl). */
    struct { unsigned min_access_size, max_access_size; } impl;
} MmioOps;

typedef enum MemRegionKind { MEM_RAM, MEM_ROM, MEM_MMIO } MemRegionKind;

typedef struct MemRegion {
    const char *name;
    uint64_t base, size;
    MemRegionKind kind;
    uint8_t *host;          /* RAM/ROM: backing store, owned by the region creator */
    uint64_t *dirty;        /* RAM: dirty page bitmap, owned by the AddressSpace */
    /* Optional (NULL for guest RAM): pages that may hold non-zero bytes;
     * every other page is all zero. Whoever writes a page sets its bit
     * first (the snapshot store does for the pages it restores), so a
     * sparse region (a disk overlay) need not be read where it was never
     * written. Owned by the region's creator. */
    uint64_t *nonzero;
    const MmioOps *ops;     /* MMIO */
    void *opaque;           /* MMIO */
} MemRegion;

typedef enum MemResult {
    MEM_OK = 0,
    MEM_ERR_UNMAPPED,       /* no region at that address */
    MEM_ERR_SIZE,           /* access size/alignment the device does not accept */
} MemResult;

#define MEM_MAX_REGIONS 32

typedef struct AddressSpace {
    MemRegion regions[MEM_MAX_REGIONS]; /* sorted by base, non-overlapping */
    int nregions;
} AddressSpace;

void mem_init(AddressSpace *as);
void mem_destroy(AddressSpace *as);  /* frees dirty bitmaps, not RAM backing */

/* Map regions; overlapping or zero-sized regions are refused with an error. */
bool mem_map_ram(AddressSpace *as, const char *name, uint64_t base, uint64_t size,
                 uint8_t *host, bool readonly, Error **errp);
bool mem_map_mmio(AddressSpace *as, const char *name, uint64_t base, uint64_t size,
                  const MmioOps *ops, void *opaque, Error **errp);

/* Region containing [addr, addr+len), or NULL. */
const MemRegion *mem_find(const AddressSpace *as, uint64_t addr, uint64_t len);

/* Guest-sized access (size 1, 2, 4 or 8); little-endian values. */
MemResult mem_read(AddressSpace *as, uint64_t addr, unsigned size, uint64_t *value);
MemResult mem_write(AddressSpace *as, uint64_t addr, unsigned size, uint64_t value);

/* Bulk copies for loaders, the gdbstub and DMA; RAM/ROM only (loaders may
 * write ROM). Return false if any byte is outside RAM/ROM. */
bool mem_copy_to(AddressSpace *as, uint64_t addr, const void *src, size_t len, bool allow_rom);
bool mem_copy_from(AddressSpace *as, uint64_t addr, void *dst, size_t len);

static inline void mem_ram_mark_dirty(const MemRegion *r, uint64_t offset)
{
    uint64_t page = offset >> MEM_PAGE_BITS;
    r->dirty[page >> 6] |= 1ull << (page & 63);
}

#endif
