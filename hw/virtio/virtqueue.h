/*
 * virtqueue: the split virtqueue of the virtio spec (1.1, section 2.6), as
 * a device sees it: descriptor table, available ring and used ring in guest
 * RAM, reached only through VirtioDma.
 *
 * What it promises:
 *  - Every guest mistake is reported, never acted on: a chain that loops,
 *    points outside the table, mixes the order of device-readable and
 *    device-writable buffers, has a zero-length buffer, an indirect table
 *    of a bad size or nested in another, more buffers than the queue can
 *    hold, or any buffer or ring outside RAM, makes virtq_pop() fail with a
 *    message; the device then goes into its error state (virtio_error()).
 *    Nothing here aborts or reads outside guest RAM.
 *  - The state is plain fixed-width values (described by virtq_vmsd); the
 *    rings themselves live in guest RAM. Requests are completed before the
 *    device returns to the main loop, so no element is ever in flight at a
 *    snapshot.
 *  - Notification suppression both ways: VIRTQ_USED_F_NO_NOTIFY or the
 *    avail_event word (EVENT_IDX) towards the driver, and the driver's
 *    VIRTQ_AVAIL_F_NO_INTERRUPT or used_event word towards the device
 *    (virtq_should_notify(), spec 2.6.7 and 2.6.10).
 */
#ifndef RRSIM_HW_VIRTIO_VIRTQUEUE_H
#define RRSIM_HW_VIRTIO_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/memory/memory.h"
#include "snapshots/vmstate.h"

#define VIRTQ_DESC_F_NEXT        1
#define VIRTQ_DESC_F_WRITE       2
#define VIRTQ_DESC_F_INDIRECT    4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY   1

#define VIRTQ_DESC_SIZE          16
/* Largest queue, and most buffers in one chain (QEMU's VIRTQUEUE_MAX_SIZE). */
#define VIRTQ_MAX_SIZE           1024
#define VIRTQ_MAX_SEGS           1024
/* Used ring alignment of the legacy layout until the driver sets one. */
#define VIRTQ_LEGACY_ALIGN       4096

/* Guest RAM as a device reaches it: through the address space, RAM only,
 * telling the machine what it wrote (translated code, page-table walks). */
typedef struct VirtioDma {
    AddressSpace *as;
    void (*written)(void *opaque, uint64_t addr, uint64_t len);   /* may be NULL */
    void *opaque;
} VirtioDma;

/* Copies; false if any byte is outside RAM (reads may also come from ROM). */
bool vdma_read(const VirtioDma *d, uint64_t addr, void *buf, size_t len);
bool vdma_write(const VirtioDma *d, uint64_t addr, const void *buf, size_t len);
/* Host pointer to [addr, addr+len) when it lies in one RAM region (ROM
 * too when !write), else NULL. After writing through it, call vdma_wrote(). */
uint8_t *vdma_map(const VirtioDma *d, uint64_t addr, uint64_t len, bool write);
void vdma_wrote(const VirtioDma *d, uint64_t addr, uint64_t len);

typedef struct VirtQueue {
    uint64_t desc, avail, used;   /* ring addresses; desc 0: not set up */
    uint32_t num;                 /* entries (0: the queue does not exist) */
    uint32_t align;               /* legacy layout: used ring alignment */
    uint16_t last_avail_idx;      /* next available entry to take */
    uint16_t used_idx;            /* next used entry to fill */
    uint16_t signalled_used;      /* used_idx at the last interrupt (EVENT_IDX) */
    bool signalled_used_valid;
    bool notification;            /* the driver's notifications are wanted */
    uint32_t num_default;         /* the device's queue size: not state */
} VirtQueue;

extern const VMStateDescription virtq_vmsd;

/* One buffer of a chain, as a guest physical range. */
typedef struct VirtqSeg {
    uint64_t addr;
    uint32_t len;
} VirtqSeg;

/* A popped chain: seg[0..n_out) device-readable, then n_in device-writable. */
typedef struct VirtqElem {
    uint16_t head;
    unsigned n_out, n_in;
    uint64_t out_len, in_len;     /* total bytes of each kind */
    VirtqSeg seg[VIRTQ_MAX_SEGS];
} VirtqElem;

void virtq_init(VirtQueue *vq, uint32_t num_default);
/* Reset as a device reset does (the legacy alignment is kept, as on QEMU). */
void virtq_reset(VirtQueue *vq);
/* Legacy layout: avail and used follow desc (virtio 0.9.5, 2.3). */
void virtq_legacy_layout(VirtQueue *vq);
/* Whether the three rings of num entries lie in writable RAM (event_idx:
 * with the used_event/avail_event words). */
bool virtq_rings_ok(const VirtQueue *vq, const VirtioDma *d, bool event_idx);

/* Nothing available (or the queue is not set up); false with *err on a
 * guest error. */
bool virtq_empty(const VirtQueue *vq, const VirtioDma *d, bool *empty, const char **err);
/*
 * Take the next available chain into e. Returns 1, 0 when there is none,
 * or -1 with *err naming the guest's mistake (nothing is consumed then).
 * Indirect tables are followed whether or not the feature was negotiated,
 * as QEMU does; event_idx: publish avail_event as chains are taken.
 */
int virtq_pop(VirtQueue *vq, const VirtioDma *d, bool event_idx, VirtqElem *e,
              const char **err);
/* Return a chain to the driver with len bytes written; false if the used
 * ring cannot be written. */
bool virtq_push(VirtQueue *vq, const VirtioDma *d, uint16_t head, uint32_t len);
/* Whether to interrupt the driver for the entries pushed so far. */
bool virtq_should_notify(VirtQueue *vq, const VirtioDma *d, bool event_idx,
                         bool notify_on_empty);
/* Ask the driver for notifications (or not) while the device works. */
void virtq_set_notification(VirtQueue *vq, const VirtioDma *d, bool event_idx, bool enable);

#endif
