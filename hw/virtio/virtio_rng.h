/*
 * virtio_rng: the entropy device (virtio 1.1, section 5.4) behind a
 * virtio-mmio transport: QEMU 7.2's virtio-rng-device as a guest sees it.
 * Device ID 4, one queue of 8 entries, no configuration space, no feature
 * bits of its own (the transport's are offered as QEMU offers them).
 *
 * Every chain the driver makes available is served at the next instruction
 * boundary after the notification (virtio.h's processing model): its
 * device-writable buffers are filled, in order, with bytes from the fill
 * callback and the chain is returned with the number of bytes written.
 * Device-readable buffers are never written; a chain with none writable is
 * returned with length 0 when a later chain asks for bytes (until then it
 * stays available), as QEMU does. A chain the guest built wrongly
 * puts the transport into its error state (virtqueue.h).
 *
 * The bytes are an input from outside the simulation: the fill callback is
 * the machine's gate (machine_random_bytes()), which journals them in
 * record and takes them from the journal in replay. This file never reads
 * the host.
 *
 * QEMU's rate limit (max-bytes per period) defaults to INT64_MAX bytes per
 * 65536 ms, i.e. no limit; the device has no limit either. One request gets
 * at most VIRTIO_RNG_MAX_REQUEST bytes (QEMU fills a larger buffer whole);
 * drivers ask for a few dozen bytes at a time.
 *
 * State: none of its own (nothing is in flight between instructions); what
 * a guest can see lives in the transport's VMState.
 */
#ifndef RRSIM_HW_VIRTIO_VIRTIO_RNG_H
#define RRSIM_HW_VIRTIO_VIRTIO_RNG_H

#include <stddef.h>

#include "hw/board.h"
#include "hw/virtio/virtio_mmio.h"

#define VIRTIO_ID_RNG            4
#define VIRTIO_RNG_QUEUE_SIZE    8
#define VIRTIO_RNG_MAX_REQUEST   65536u

/* Put up to len random bytes into buf; returns how many (fewer only when
 * the host source failed or ran dry). */
typedef size_t VirtioRngFill(void *opaque, void *buf, size_t len);

typedef struct VirtioRng VirtioRng;

/* A virtio-rng device on transport t (which must be empty), taking its
 * bytes from fill(opaque, ...). Registers the transport's VMState. */
VirtioRng *virtio_rng_create(VirtioMmio *t, VirtioRngFill *fill, void *opaque, Error **errp);
void virtio_rng_free(VirtioRng *d);

#endif
