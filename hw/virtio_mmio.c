/* virtio_mmio: see virtio_mmio.h (registers as QEMU's hw/virtio/virtio-mmio.c with no device). */
#include "hw/virtio_mmio.h"

#include <stdlib.h>

struct VirtioMmio {
    uint64_t base;
};

static uint64_t virtio_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    switch (offset) {
    case VIRTIO_MMIO_MAGIC_VALUE:
        return VIRTIO_MMIO_MAGIC;
    case VIRTIO_MMIO_VERSION:
        return VIRTIO_MMIO_LEGACY;
    case VIRTIO_MMIO_VENDOR_ID:
        return VIRTIO_MMIO_VENDOR_QEMU;
    default:
        return 0;   /* DEVICE_ID 0: no device (virtio 1.1, 4.2.2) */
    }
}

static void virtio_mmio_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    /* Nothing behind the transport takes a write. */
}

static const MmioOps virtio_mmio_ops = {
    .read = virtio_mmio_read,
    .write = virtio_mmio_write,
    .valid = { 1, 4 },
    .impl = { 4, 4 },
};

VirtioMmio *virtio_mmio_create(const Board *b, const char *name, uint64_t base, Error **errp)
{
    VirtioMmio *v = calloc(1, sizeof(*v));
    if (!v) {
        error_setg(errp, "out of memory creating %s", name);
        return NULL;
    }
    v->base = base;
    if (!mem_map_mmio(b->as, name, base, VIRT_VIRTIO_SIZE, &virtio_mmio_ops, v, errp)) {
        free(v);
        return NULL;
    }
    /* No state: an empty transport has nothing to save. */
    return v;
}

void virtio_mmio_free(VirtioMmio *v)
{
    free(v);
}
