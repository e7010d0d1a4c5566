/*
 * virtio: what a virtio device (virtio-blk, ...) and the transport it is
 * plugged into share: the feature and status bits of the virtio spec (1.1,
 * sections 2 and 6), the table of operations a device provides, and the
 * calls a device makes on its transport (VirtioDev) to take requests from
 * its queues, complete them and raise interrupts.
 *
 * The transport (hw/virtio/virtio_mmio.c) keeps everything generic the
 * guest can see: status, feature negotiation, the interrupt status, the
 * queues and the device's error state. A device keeps only its own
 * state and reaches guest memory only through virtio_dma().
 *
 * Processing model: a driver's notification is served by a bottom half, so
 * the device runs at the next instruction boundary after the notifying
 * store, and completes every request it takes before returning: no request
 * is ever in flight across a main-loop iteration or a snapshot, and when a
 * request completes never depends on the host.
 */
#ifndef RRSIM_HW_VIRTIO_VIRTIO_H
#define RRSIM_HW_VIRTIO_VIRTIO_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/virtio/virtqueue.h"

/* Device status (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE  0x01
#define VIRTIO_STATUS_DRIVER       0x02
#define VIRTIO_STATUS_DRIVER_OK    0x04
#define VIRTIO_STATUS_FEATURES_OK  0x08
#define VIRTIO_STATUS_NEEDS_RESET  0x40
#define VIRTIO_STATUS_FAILED       0x80

/* Interrupt status bits (4.2.2, InterruptStatus). */
#define VIRTIO_ISR_QUEUE           0x01
#define VIRTIO_ISR_CONFIG          0x02

/* Transport feature bits (6). */
#define VIRTIO_F_NOTIFY_ON_EMPTY     24
#define VIRTIO_F_ANY_LAYOUT          27
#define VIRTIO_RING_F_INDIRECT_DESC  28
#define VIRTIO_RING_F_EVENT_IDX      29
#define VIRTIO_F_BAD_FEATURE         30
#define VIRTIO_F_VERSION_1           32
#define VIRTIO_F_RING_RESET          40

/* The device's view of its transport. */
typedef struct VirtioMmio VirtioDev;

typedef struct VirtioDeviceOps {
    const char *name;            /* QEMU's -device name, e.g. "virtio-blk-device" */
    uint32_t device_id;          /* 5.x: 2 = block */
    unsigned num_queues;
    uint32_t queue_size;         /* entries of each queue at reset */
    uint32_t config_len;         /* bytes of device configuration space */
    /* The features the device offers, given those the transport offers
     * (with VIRTIO_F_VERSION_1 when it is a modern one). */
    uint64_t (*get_features)(void *dev, uint64_t transport);
    /* Fill config[0..config_len) with the current configuration. */
    void (*get_config)(void *dev, uint8_t *config);
    /* The driver wrote the configuration space (config is the whole of it). */
    void (*set_config)(void *dev, const uint8_t *config);
    /* The driver wrote the status register (may be NULL). */
    void (*set_status)(void *dev, uint8_t status);
    /* Device reset: the driver wrote status 0, or the machine reset. */
    void (*reset)(void *dev);
    /* The driver notified queue q (from a bottom half, never inside the
     * notifying access). */
    void (*handle_queue)(void *dev, unsigned q);
} VirtioDeviceOps;

/* Negotiated features. */
uint64_t virtio_features(const VirtioDev *v);
static inline bool virtio_has_feature(const VirtioDev *v, unsigned bit)
{
    return (virtio_features(v) >> bit) & 1;
}
const VirtioDma *virtio_dma(const VirtioDev *v);
/* The device is in its error state (virtio_error()) until reset: it takes
 * no requests. */
bool virtio_broken(const VirtioDev *v);

/* The next request of queue q into e: 1, 0 when none, -1 when the guest
 * made a mistake (the device is then broken). */
int virtio_pop(VirtioDev *v, unsigned q, VirtqElem *e);
/* Complete a request taken with virtio_pop() (len bytes written into its
 * device-writable buffers) and interrupt the driver if it wants that. */
void virtio_push(VirtioDev *v, unsigned q, const VirtqElem *e, uint32_t len);
/* Give the last n requests taken with virtio_pop() back to the queue,
 * unanswered (QEMU's virtqueue_unpop()): the next pops take them again. */
void virtio_unpop(VirtioDev *v, unsigned q, unsigned n);
bool virtio_queue_empty(VirtioDev *v, unsigned q);
/* The driver is running (DRIVER_OK), the device works and queue q has a
 * chain available. Only reads guest memory, and a guest mistake reads as
 * "no" without putting the device into its error state: asking never
 * changes anything the guest can see. */
bool virtio_queue_has_avail(VirtioDev *v, unsigned q);
void virtio_set_notification(VirtioDev *v, unsigned q, bool enable);
/*
 * The guest broke the protocol: the device stops (no request is taken
 * until reset) and, when VIRTIO_F_VERSION_1 was negotiated, sets
 * DEVICE_NEEDS_RESET and signals a configuration change (2.1.2), as QEMU's
 * virtio_error() does. The message is reported once as a warning.
 */
void virtio_error(VirtioDev *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
