/*
 * virtio_blk: the virtio block device (virtio 1.1, section 5.2) behind a
 * virtio-mmio transport, backed by a BlockDev (sim/block): QEMU 7.2's
 * virtio-blk-device with its default properties, as a guest sees it.
 *
 * Offered: SEG_MAX, GEOMETRY, BLK_SIZE, FLUSH, TOPOLOGY, CONFIG_WCE,
 * DISCARD, WRITE_ZEROES (RO for readonly=on; SCSI in the legacy layout,
 * where commands are refused with UNSUPP as QEMU does without scsi=on),
 * one queue of 256 entries, 512-byte sectors, the geometry QEMU guesses
 * from the disk's partition table. Requests: IN, OUT, FLUSH, GET_ID,
 * DISCARD (accepted and ignored, as QEMU's default discard=ignore does:
 * the data stays readable), WRITE_ZEROES.
 *
 * Every request is completed before the device returns to the main loop:
 * a request's result and the step at which the guest sees it depend only on
 * the guest and the disk's content, never on host I/O timing. Host I/O
 * failures complete the request with VIRTIO_BLK_S_IOERR (and a warning).
 * The device's own state is the write cache flag (VMState); the disk's
 * content lives in the BlockDev (its overlay, for snapshots).
 */
#ifndef RRSIM_HW_VIRTIO_VIRTIO_BLK_H
#define RRSIM_HW_VIRTIO_VIRTIO_BLK_H

#include "hw/board.h"
#include "hw/virtio/virtio_mmio.h"
#include "sim/block/blockdev.h"

#define VIRTIO_ID_BLOCK          2
#define VIRTIO_BLK_QUEUE_SIZE    256
#define VIRTIO_BLK_ID_BYTES      20

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SIZE_MAX    1
#define VIRTIO_BLK_F_SEG_MAX     2
#define VIRTIO_BLK_F_GEOMETRY    4
#define VIRTIO_BLK_F_RO          5
#define VIRTIO_BLK_F_BLK_SIZE    6
#define VIRTIO_BLK_F_SCSI        7
#define VIRTIO_BLK_F_FLUSH       9
#define VIRTIO_BLK_F_TOPOLOGY    10
#define VIRTIO_BLK_F_CONFIG_WCE  11
#define VIRTIO_BLK_F_MQ          12
#define VIRTIO_BLK_F_DISCARD     13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* Request types and status (5.2.6). */
#define VIRTIO_BLK_T_IN          0
#define VIRTIO_BLK_T_OUT         1
#define VIRTIO_BLK_T_SCSI_CMD    2
#define VIRTIO_BLK_T_FLUSH       4
#define VIRTIO_BLK_T_GET_ID      8
#define VIRTIO_BLK_T_DISCARD     11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_T_BARRIER     0x80000000u
#define VIRTIO_BLK_S_OK          0
#define VIRTIO_BLK_S_IOERR       1
#define VIRTIO_BLK_S_UNSUPP      2
#define VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP 1

/* Bytes of configuration space with the features offered (up to and
 * including write_zeroes_may_unmap). */
#define VIRTIO_BLK_CONFIG_LEN    57

typedef struct VirtioBlk VirtioBlk;

/*
 * A virtio-blk device on transport t (which must be empty), backed by bd
 * (borrowed; outlives the device). serial: the GET_ID string (NULL: none).
 * Registers the transport's and the device's VMState (instance
 * "<transport name>.blk").
 */
VirtioBlk *virtio_blk_create(const Board *b, VirtioMmio *t, const char *transport_name,
                             BlockDev *bd, const char *serial, Error **errp);
void virtio_blk_free(VirtioBlk *d);

#endif
