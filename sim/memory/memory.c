/* memory: see memory.h. */
#include "sim/memory/memory.h"

#include <stdlib.h>
#include <string.h>

void mem_init(AddressSpace *as)
{
    memset(as, 0, sizeof(*as));
}

void mem_destroy(AddressSpace *as)
{
    for (int i = 0; i < as->nregions; i++) {
        free(as->regions[i].dirty);
    }
    memset(as, 0, sizeof(*as));
}

static bool mem_add(AddressSpace *as, const MemRegion *nr, Error **errp)
{
    if (nr->size == 0 || nr->base + nr->size - 1 < nr->base) {
        error_setg(errp, "region '%s' at 0x%llx has an invalid size 0x%llx", nr->name,
                   (unsigned long long)nr->base, (unsigned long long)nr->size);
        return false;
    }
    if (as->nregions == MEM_MAX_REGIONS) {
        error_setg(errp, "too many memory regions mapping '%s'", nr->name);
        return false;
    }
    int pos = 0;
    for (; pos < as->nregions; pos++) {
        const MemRegion *r = &as->regions[pos];
        if (nr->base <= r->base + r->size - 1 && r->base <= nr->base + nr->size - 1) {
            error_setg(errp, "region '%s' [0x%llx, 0x%llx) overlaps '%s'", nr->name,
                       (unsigned long long)nr->base,
                       (unsigned long long)(nr->base + nr->size), r->name);
            return false;
        }
        if (r->base > nr->base) {
            break;
        }
    }
    memmove(&as->regions[pos + 1], &as->regions[pos],
            (size_t)(as->nregions - pos) * sizeof(MemRegion));
    as->regions[pos] = *nr;
    as->nregions++;
    return true;
}

bool mem_map_ram(AddressSpace *as, const char *name, uint64_t base, uint64_t size,
                 uint8_t *host, bool readonly, Error **errp)
{
    if ((base | size) & (MEM_PAGE_SIZE - 1)) {
        error_setg(errp, "RAM region '%s' must be page aligned", name);
        return false;
    }
    MemRegion r = { .name = name, .base = base, .size = size,
                    .kind = readonly ? MEM_ROM : MEM_RAM, .host = host };
    if (!readonly) {
        uint64_t pages = size >> MEM_PAGE_BITS;
        r.dirty = calloc((pages + 63) / 64, sizeof(uint64_t));
        if (!r.dirty) {
            error_setg(errp, "out of memory for the dirty bitmap of '%s'", name);
            return false;
        }
    }
    if (!mem_add(as, &r, errp)) {
        free(r.dirty);
        return false;
    }
    return true;
}

bool mem_map_mmio(AddressSpace *as, const char *name, uint64_t base, uint64_t size,
                  const MmioOps *ops, void *opaque, Error **errp)
{
    MemRegion r = { .name = name, .base = base, .size = size, .kind = MEM_MMIO,
                    .ops = ops, .opaque = opaque };
    return mem_add(as, &r, errp);
}

const MemRegion *mem_find(const AddressSpace *as, uint64_t addr, uint64_t len)
{
    int lo = 0, hi = as->nregions - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const MemRegion *r = &as->regions[mid];
        if (addr < r->base) {
            hi = mid - 1;
        } else if (addr - r->base >= r->size) {
            lo = mid + 1;
        } else {
            return len <= r->size - (addr - r->base) ? r : NULL;
        }
    }
    return NULL;
}

static uint64_t load_le(const uint8_t *p, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static void store_le(uint8_t *p, unsigned size, uint64_t v)
{
    for (unsigned i = 0; i < size; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static bool size_ok(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

static void mmio_limits(const MmioOps *ops, unsigned *vmin, unsigned *vmax,
                        unsigned *imin, unsigned *imax)
{
    *vmin = ops->valid.min_access_size ? ops->valid.min_access_size : 1;
    *vmax = ops->valid.max_access_size ? ops->valid.max_access_size : 8;
    *imin = ops->impl.min_access_size ? ops->impl.min_access_size : *vmin;
    *imax = ops->impl.max_access_size ? ops->impl.max_access_size : *vmax;
}

/* Devices see naturally aligned accesses of a size they accept, as with
 * QEMU's .valid (unaligned=false). */
static bool mmio_valid(const MemRegion *r, uint64_t off, unsigned size)
{
    unsigned vmin, vmax, imin, imax;
    mmio_limits(r->ops, &vmin, &vmax, &imin, &imax);
    return size >= vmin && size <= vmax && (off & (size - 1)) == 0;
}

static uint64_t mmio_read(const MemRegion *r, uint64_t off, unsigned size)
{
    unsigned vmin, vmax, imin, imax;
    mmio_limits(r->ops, &vmin, &vmax, &imin, &imax);
    if (size < imin) {
        uint64_t base = off & ~(uint64_t)(imin - 1);
        uint64_t v = r->ops->read(r->opaque, base, imin);
        unsigned shift = (unsigned)(off - base) * 8;
        return (v >> shift) & (size == 8 ? ~0ull : ((1ull << (size * 8)) - 1));
    }
    if (size > imax) {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i += imax) {
            v |= r->ops->read(r->opaque, off + i, imax) << (8 * i);
        }
        return v;
    }
    return r->ops->read(r->opaque, off, size);
}

static void mmio_write(const MemRegion *r, uint64_t off, unsigned size, uint64_t v)
{
    unsigned vmin, vmax, imin, imax;
    mmio_limits(r->ops, &vmin, &vmax, &imin, &imax);
    if (size < imin) {
        uint64_t base = off & ~(uint64_t)(imin - 1);
        r->ops->write(r->opaque, base, v << ((off - base) * 8), imin);
        return;
    }
    if (size > imax) {
        for (unsigned i = 0; i < size; i += imax) {
            uint64_t part = v >> (8 * i);
            if (imax < 8) {
                part &= (1ull << (imax * 8)) - 1;
            }
            r->ops->write(r->opaque, off + i, part, imax);
        }
        return;
    }
    r->ops->write(r->opaque, off, v, size);
}

MemResult mem_read(AddressSpace *as, uint64_t addr, unsigned size, uint64_t *value)
{
    if (!size_ok(size)) {
        return MEM_ERR_SIZE;
    }
    const MemRegion *r = mem_find(as, addr, size);
    if (!r) {
        return MEM_ERR_UNMAPPED;
    }
    uint64_t off = addr - r->base;
    if (r->kind != MEM_MMIO) {
        *value = load_le(r->host + off, size);
        return MEM_OK;
    }
    if (!mmio_valid(r, off, size)) {
        return MEM_ERR_SIZE;
    }
    *value = mmio_read(r, off, size);
    return MEM_OK;
}

MemResult mem_write(AddressSpace *as, uint64_t addr, unsigned size, uint64_t value)
{
    if (!size_ok(size)) {
        return MEM_ERR_SIZE;
    }
    const MemRegion *r = mem_find(as, addr, size);
    if (!r) {
        return MEM_ERR_UNMAPPED;
    }
    uint64_t off = addr - r->base;
    switch (r->kind) {
    case MEM_RAM:
        store_le(r->host + off, size, value);
        mem_ram_mark_dirty(r, off);
        mem_ram_mark_dirty(r, off + size - 1);
        return MEM_OK;
    case MEM_ROM:
        return MEM_OK; /* ignored, as QEMU's ROM regions do */
    case MEM_MMIO:
        if (!mmio_valid(r, off, size)) {
            return MEM_ERR_SIZE;
        }
        mmio_write(r, off, size, value);
        return MEM_OK;
    }
    return MEM_ERR_UNMAPPED;
}

/* Walk [addr, addr+len) region by region; fn copies one contiguous piece. */
static bool mem_copy(AddressSpace *as, uint64_t addr, size_t len, bool allow_rom,
                     bool to_guest, uint8_t *buf)
{
    while (len > 0) {
        const MemRegion *r = mem_find(as, addr, 1);
        if (!r || r->kind == MEM_MMIO || (to_guest && r->kind == MEM_ROM && !allow_rom)) {
            return false;
        }
        uint64_t off = addr - r->base;
        size_t n = (size_t)(r->size - off < len ? r->size - off : len);
        if (to_guest) {
            memcpy(r->host + off, buf, n);
            if (r->kind == MEM_RAM) {
                for (uint64_t p = off & ~(uint64_t)(MEM_PAGE_SIZE - 1); p < off + n;
                     p += MEM_PAGE_SIZE) {
                    mem_ram_mark_dirty(r, p);
                }
            }
        } else {
            memcpy(buf, r->host + off, n);
        }
        addr += n;
        buf += n;
        len -= n;
    }
    return true;
}

bool mem_copy_to(AddressSpace *as, uint64_t addr, const void *src, size_t len, bool allow_rom)
{
    return mem_copy(as, addr, len, allow_rom, true, (uint8_t *)src);
}

bool mem_copy_from(AddressSpace *as, uint64_t addr, void *dst, size_t len)
{
    return mem_copy(as, addr, len, false, false, dst);
}
