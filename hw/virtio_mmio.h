/*
 * virtio_mmio: a virtio-mmio transport ("virtio,mmio") with no device behind
 * it, as each of the eight slots of QEMU's virt board at 0x10001000 +
 * n * 0x1000 (PLIC sources 1..8) looks when nothing is plugged in.
 *
 * The guest reads the magic, the version and the vendor ID and a device ID of
 * 0, which the virtio spec (1.1, section 4.2.2) defines as "no device": the
 * driver stops there. QEMU 7.2's virt board leaves the transport in its
 * legacy mode (force-legacy defaults to on), so the version register reads 1.
 * Every other register reads 0 and writes are ignored, as QEMU does with no
 * backend; there is no state.
 */
#ifndef RRSIM_HW_VIRTIO_MMIO_H
#define RRSIM_HW_VIRTIO_MMIO_H

#include <stdint.h>

#include "hw/board.h"

#define VIRTIO_MMIO_MAGIC_VALUE  0x000
#define VIRTIO_MMIO_VERSION      0x004
#define VIRTIO_MMIO_DEVICE_ID    0x008
#define VIRTIO_MMIO_VENDOR_ID    0x00c

#define VIRTIO_MMIO_MAGIC        0x74726976u   /* "virt" */
#define VIRTIO_MMIO_LEGACY       1u
#define VIRTIO_MMIO_VENDOR_QEMU  0x554d4551u   /* "QEMU" */

typedef struct VirtioMmio VirtioMmio;

VirtioMmio *virtio_mmio_create(const Board *b, const char *name, uint64_t base, Error **errp);
void virtio_mmio_free(VirtioMmio *v);

#endif
