/*
 * blockdev: a raw disk image as the guest's disks see it (QEMU's -drive with
 * format=raw).
 *
 * Two ways of writing:
 *  - to the file: reads and writes go to the image, flushes are
 *    fdatasync(), as QEMU does without snapshot=on;
 *  - to an overlay (snapshot=on, -snapshot, and always in record and
 *    replay): the image is opened read-only and never written; a block the
 *    guest writes is copied into memory first, and from then on read from
 *    there. The overlay is a page-granular region (blockdev_overlay()):
 *    a presence bitmap of the image's 4 KiB blocks in its first pages, then
 *    one page per block, so the snapshot store keeps it by content exactly
 *    as it keeps RAM (pages by hash, only what changed since the last
 *    snapshot), and restoring a snapshot restores the disk as it was.
 *    Its host memory is reserved, not used: a page costs memory once written.
 *
 * What the guest reads is a function of the image's content (known by its
 * hash, blockdev_image_hash()) and of what it wrote: never of host timing.
 * Reads past the end of the file and within its last sector see zeros.
 *
 * The image is locked against other writers as QEMU locks it (an OFD lock:
 * shared while only read, exclusive while written): a second process that
 * wants to write it, or to read it while it is being written, is refused.
 */
#ifndef RRSIM_SIM_BLOCK_BLOCKDEV_H
#define RRSIM_SIM_BLOCK_BLOCKDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/base/error.h"
#include "sim/base/hash.h"
#include "sim/memory/memory.h"

#define BLOCKDEV_SECTOR 512u
#define BLOCKDEV_BLOCK  MEM_PAGE_SIZE   /* overlay granularity */

typedef struct BlockDev BlockDev;

typedef struct BlockDevOptions {
    const char *id;          /* the drive's id, for messages */
    const char *path;        /* the image file (or block device) */
    bool readonly;           /* readonly=on: the guest may not write */
    bool overlay;            /* writes go to memory; the file is opened read-only */
} BlockDevOptions;

/*
 * Open and lock the image.
 * @return the device, or NULL with errp set: ERR_IO when the file is
 *         missing, unreadable, not a regular file or block device, empty,
 *         or locked by another process.
 */
BlockDev *blockdev_open(const BlockDevOptions *o, Error **errp);
void blockdev_close(BlockDev *b);

const char *blockdev_id(const BlockDev *b);
const char *blockdev_path(const BlockDev *b);
/* Bytes of the image; the guest sees it rounded up to whole sectors. */
uint64_t blockdev_length(const BlockDev *b);
uint64_t blockdev_sectors(const BlockDev *b);
bool blockdev_readonly(const BlockDev *b);
bool blockdev_has_overlay(const BlockDev *b);

/* Transfers within [0, blockdev_sectors() * 512). Host I/O failures are
 * ERR_IO; a write to a read-only device is ERR_USAGE. */
bool blockdev_read(BlockDev *b, uint64_t off, void *buf, size_t len, Error **errp);
bool blockdev_write(BlockDev *b, uint64_t off, const void *buf, size_t len, Error **errp);
bool blockdev_write_zeroes(BlockDev *b, uint64_t off, uint64_t len, Error **errp);
/* Make written data durable (file mode); nothing to do with an overlay. */
bool blockdev_flush(BlockDev *b, Error **errp);
/* Write cache off: every write is flushed before it completes. */
void blockdev_set_write_cache(BlockDev *b, bool enabled);

/* Content hash of the image file (computed once, at the first call). */
bool blockdev_image_hash(BlockDev *b, Hash128 *out, Error **errp);

/* The overlay as a region for the snapshot store (NULL without one). */
const MemRegion *blockdev_overlay(BlockDev *b);
/* Feed the overlay's content (its non-zero pages, with their numbers) into
 * a digest: equal for equal disk contents, whatever the host did. */
void blockdev_overlay_digest(BlockDev *b, HashState *hs);
/* Blocks the guest has written into the overlay (statistics, tests). */
uint64_t blockdev_overlay_blocks(BlockDev *b);

#endif
