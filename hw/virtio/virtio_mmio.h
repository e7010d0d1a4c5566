/*
 * virtio_mmio: one virtio-mmio transport ("virtio,mmio"), as each of the
 * eight slots of QEMU's virt board at 0x10001000 + n * 0x1000 (PLIC sources
 * 1..8), with or without a device plugged in (hw/virtio/virtio.h).
 *
 * Register layout (virtio 1.1, section 4.2.2): QEMU 7.2's virt board leaves
 * its transports in the legacy layout (version 1: GuestPageSize, QueueAlign,
 * QueuePFN; -global virtio-mmio.force-legacy=false selects the modern one,
 * version 2: QueueReady, QueueDesc/Driver/Device, ConfigGeneration, feature
 * words above bit 31). Both are implemented, register for register as QEMU's
 * hw/virtio/virtio-mmio.c behaves: registers are 32-bit (other sizes read 0
 * and are ignored; eight bytes are two registers), the configuration space
 * at 0x100 takes any size and reads all-ones past its end, write-only
 * registers read 0, and the region is 0x200 bytes (beyond it the bus faults).
 *
 * With no device the guest reads the magic, the version, the vendor ID and
 * a device ID of 0 ("no device", 4.2.3.1.1); everything else reads 0 and
 * writes are ignored; there is no state. With a device the transport also
 * keeps the generic virtio state (status, negotiated features, interrupt
 * status, queues, the error state), described by its VMState instance
 * (registered under the transport's name when the device is plugged).
 */
#ifndef RRSIM_HW_VIRTIO_VIRTIO_MMIO_H
#define RRSIM_HW_VIRTIO_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/board.h"
#include "hw/irq.h"
#include "hw/virtio/virtio.h"

#define VIRTIO_MMIO_MAGIC_VALUE      0x000
#define VIRTIO_MMIO_VERSION          0x004
#define VIRTIO_MMIO_DEVICE_ID        0x008
#define VIRTIO_MMIO_VENDOR_ID        0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES  0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES  0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_GUEST_PAGE_SIZE  0x028   /* legacy */
#define VIRTIO_MMIO_QUEUE_SEL        0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX    0x034
#define VIRTIO_MMIO_QUEUE_NUM        0x038
#define VIRTIO_MMIO_QUEUE_ALIGN      0x03c   /* legacy */
#define VIRTIO_MMIO_QUEUE_PFN        0x040   /* legacy */
#define VIRTIO_MMIO_QUEUE_READY      0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY     0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK    0x064
#define VIRTIO_MMIO_STATUS           0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW   0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH  0x084
#define VIRTIO_MMIO_QUEUE_AVAIL_LOW  0x090
#define VIRTIO_MMIO_QUEUE_AVAIL_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_USED_LOW   0x0a0
#define VIRTIO_MMIO_QUEUE_USED_HIGH  0x0a4
#define VIRTIO_MMIO_SHM_LEN_LOW      0x0b0
#define VIRTIO_MMIO_SHM_LEN_HIGH     0x0b4
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fc
#define VIRTIO_MMIO_CONFIG           0x100

#define VIRTIO_MMIO_MAGIC        0x74726976u   /* "virt" */
#define VIRTIO_MMIO_LEGACY       1u
#define VIRTIO_MMIO_MODERN       2u
#define VIRTIO_MMIO_VENDOR_QEMU  0x554d4551u   /* "QEMU" */

#define VIRTIO_MMIO_REGION_SIZE  0x200
#define VIRTIO_MMIO_CONFIG_MAX   (VIRTIO_MMIO_REGION_SIZE - VIRTIO_MMIO_CONFIG)
/* Queues a device may have on this transport (QueueSel may name up to
 * 1023, as on QEMU; those beyond this do not exist). */
#define VIRTIO_MMIO_MAX_QUEUES   8

typedef struct VirtioMmio VirtioMmio;

/* An empty transport at base, interrupting through irq. legacy: version 1
 * (QEMU's default), else version 2. name is kept by reference. */
VirtioMmio *virtio_mmio_create(const Board *b, const char *name, uint64_t base, IrqLine irq,
                               bool legacy, Error **errp);
/* Plug a device (ops and dev outlive the transport); registers the
 * transport's VMState. ERR_USAGE if one is plugged already or the device
 * wants more queues or configuration space than the transport has. */
bool virtio_mmio_plug(VirtioMmio *t, const VirtioDeviceOps *ops, void *dev, Error **errp);
bool virtio_mmio_has_device(const VirtioMmio *t);
/* Machine reset: the device and the transport's registers. */
void virtio_mmio_reset(VirtioMmio *t);
void virtio_mmio_free(VirtioMmio *t);

#endif
