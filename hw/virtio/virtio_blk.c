/* virtio_blk: see virtio_blk.h (behaviour as QEMU 7.2's hw/block/virtio-blk.c). */
#include "hw/virtio/virtio_blk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUTHDR_LEN     16          /* type, ioprio, sector */
#define DWZ_LEN        16          /* sector, num_sectors, flags */
#define MAX_SECTORS    0x3fffffu   /* QEMU's BDRV_REQUEST_MAX_SECTORS */

typedef struct VirtioBlkState {
    bool wce;                      /* write cache on (config byte 32) */
} VirtioBlkState;

struct VirtioBlk {
    VirtioBlkState s;              /* first: the VMState description covers it */
    VirtioDev *vdev;
    BlockDev *bd;
    char *vms_name;
    char serial[VIRTIO_BLK_ID_BYTES + 1];
    uint16_t cyls;
    uint8_t heads, secs;
    VirtqElem elem;
};

/* ---- geometry, as QEMU's hd_geometry_guess() for a disk ---- */

/* The logical geometry an MBR partition table implies, if any. */
static bool guess_lchs(VirtioBlk *d, uint32_t *cyls, uint32_t *heads, uint32_t *secs)
{
    uint8_t mbr[BLOCKDEV_SECTOR];
    if (!blockdev_read(d->bd, 0, mbr, sizeof(mbr), NULL) || mbr[510] != 0x55 ||
        mbr[511] != 0xaa) {
        return false;
    }
    uint64_t nb = blockdev_sectors(d->bd);
    for (int i = 0; i < 4; i++) {
        const uint8_t *p = mbr + 0x1be + 16 * i;
        uint32_t nr_sects = (uint32_t)p[12] | (uint32_t)p[13] << 8 | (uint32_t)p[14] << 16 |
                            (uint32_t)p[15] << 24;
        if (!nr_sects || !p[5]) {
            continue;
        }
        /* Partitions end on a cylinder boundary. */
        uint32_t h = p[5] + 1u, s = p[6] & 63u;
        if (s == 0) {
            continue;
        }
        uint64_t c = nb / (h * s);
        if (c < 1 || c > 16383) {
            continue;
        }
        *cyls = (uint32_t)c;
        *heads = h;
        *secs = s;
        return true;
    }
    return false;
}

static void guess_geometry(VirtioBlk *d)
{
    uint32_t c, h, s;
    if (!guess_lchs(d, &c, &h, &s) || h > 16) {
        /* No usable table, or one made with LBA translation: a standard
         * physical geometry for the size. */
        uint64_t cc = blockdev_sectors(d->bd) / (16 * 63);
        c = cc > 16383 ? 16383 : cc < 2 ? 2 : (uint32_t)cc;
        h = 16;
        s = 63;
    }
    d->cyls = (uint16_t)c;
    d->heads = (uint8_t)h;
    d->secs = (uint8_t)s;
}

/* ---- the device's operations ---- */

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static uint64_t blk_get_features(void *opaque, uint64_t f)
{
    VirtioBlk *d = opaque;
    f |= 1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_GEOMETRY |
         1ull << VIRTIO_BLK_F_TOPOLOGY | 1ull << VIRTIO_BLK_F_BLK_SIZE |
         1ull << VIRTIO_BLK_F_CONFIG_WCE | 1ull << VIRTIO_BLK_F_FLUSH |
         1ull << VIRTIO_BLK_F_DISCARD | 1ull << VIRTIO_BLK_F_WRITE_ZEROES;
    if (!(f >> VIRTIO_F_VERSION_1 & 1)) {
        /* A legacy device: QEMU offers SCSI passthrough's bit (and refuses
         * the commands) and never ANY_LAYOUT. */
        f &= ~(1ull << VIRTIO_F_ANY_LAYOUT);
        f |= 1ull << VIRTIO_BLK_F_SCSI;
    }
    if (blockdev_readonly(d->bd)) {
        f |= 1ull << VIRTIO_BLK_F_RO;
    }
    return f;
}

static void blk_get_config(void *opaque, uint8_t *c)
{
    VirtioBlk *d = opaque;
    memset(c, 0, VIRTIO_BLK_CONFIG_LEN);
    put_le(c + 0, blockdev_sectors(d->bd), 8);          /* capacity */
    put_le(c + 12, VIRTIO_BLK_QUEUE_SIZE - 2, 4);       /* seg_max */
    put_le(c + 16, d->cyls, 2);
    c[18] = d->heads;
    c[19] = d->secs;
    put_le(c + 20, BLOCKDEV_SECTOR, 4);                 /* blk_size */
    c[32] = d->s.wce;
    put_le(c + 34, 1, 2);                               /* num_queues */
    put_le(c + 36, MAX_SECTORS, 4);                     /* max_discard_sectors */
    put_le(c + 40, 1, 4);                               /* max_discard_seg */
    put_le(c + 44, 1, 4);                               /* discard_sector_alignment */
    put_le(c + 48, MAX_SECTORS, 4);                     /* max_write_zeroes_sectors */
    put_le(c + 52, 1, 4);                               /* max_write_zeroes_seg */
    c[56] = 1;                                          /* write_zeroes_may_unmap */
}

static void blk_set_wce(VirtioBlk *d, bool wce)
{
    d->s.wce = wce;
    blockdev_set_write_cache(d->bd, wce);
}

static void blk_set_config(void *opaque, const uint8_t *c)
{
    blk_set_wce(opaque, c[32] != 0);
}

static void blk_set_status(void *opaque, uint8_t status)
{
    VirtioBlk *d = opaque;
    if (!(status & VIRTIO_STATUS_DRIVER_OK)) {
        return;
    }
    /* A driver without CONFIG_WCE gets a write cache only if it can flush
     * (5.2.5.1). */
    if (!virtio_has_feature(d->vdev, VIRTIO_BLK_F_CONFIG_WCE)) {
        blk_set_wce(d, virtio_has_feature(d->vdev, VIRTIO_BLK_F_FLUSH));
    }
}

static void blk_reset(void *opaque)
{
    blk_set_wce(opaque, true);   /* QEMU's cache=writeback */
}

/* ---- requests ---- */

/* Walks a byte range of an element's buffers: out buffers from `skip`,
 * or in buffers up to (not including) the status byte. */
typedef struct SegIter {
    const VirtqSeg *seg;
    unsigned n;
    uint64_t skip;                 /* bytes to pass over at the start */
    uint64_t left;                 /* bytes still to visit */
} SegIter;

typedef bool SegFn(VirtioBlk *d, uint64_t disk_off, uint64_t addr, uint32_t len, Error **errp);

static bool seg_walk(VirtioBlk *d, SegIter it, uint64_t disk_off, SegFn *fn, Error **errp)
{
    for (unsigned i = 0; i < it.n && it.left; i++) {
        uint64_t len = it.seg[i].len, addr = it.seg[i].addr;
        if (it.skip >= len) {
            it.skip -= len;
            continue;
        }
        addr += it.skip;
        len -= it.skip;
        it.skip = 0;
        if (len > it.left) {
            len = it.left;
        }
        if (!fn(d, disk_off, addr, (uint32_t)len, errp)) {
            return false;
        }
        disk_off += len;
        it.left -= len;
    }
    return true;
}

static bool seg_read_disk(VirtioBlk *d, uint64_t off, uint64_t addr, uint32_t len, Error **errp)
{
    const VirtioDma *dma = virtio_dma(d->vdev);
    uint8_t *p = vdma_map(dma, addr, len, true);   /* checked when the chain was taken */
    bool ok = p && blockdev_read(d->bd, off, p, len, errp);
    if (p) {
        vdma_wrote(dma, addr, len);
    }
    return ok;
}

static bool seg_write_disk(VirtioBlk *d, uint64_t off, uint64_t addr, uint32_t len, Error **errp)
{
    const uint8_t *p = vdma_map(virtio_dma(d->vdev), addr, len, false);
    return p && blockdev_write(d->bd, off, p, len, errp);
}

/* Copy out the first n bytes of the device-readable buffers. */
static bool gather(VirtioBlk *d, const VirtqElem *e, uint64_t skip, uint8_t *buf, size_t n)
{
    size_t got = 0;
    for (unsigned i = 0; i < e->n_out && got < n; i++) {
        uint64_t len = e->seg[i].len;
        if (skip >= len) {
            skip -= len;
            continue;
        }
        size_t k = len - skip < n - got ? (size_t)(len - skip) : n - got;
        if (!vdma_read(virtio_dma(d->vdev), e->seg[i].addr + skip, buf + got, k)) {
            return false;
        }
        got += k;
        skip = 0;
    }
    return got == n;
}

static bool range_ok(VirtioBlk *d, uint64_t sector, uint64_t bytes)
{
    uint64_t nb = bytes / BLOCKDEV_SECTOR, total = blockdev_sectors(d->bd);
    return bytes % BLOCKDEV_SECTOR == 0 && nb <= MAX_SECTORS && sector <= total &&
           nb <= total - sector;
}

static uint8_t io_status(VirtioBlk *d, bool ok, Error *err, const char *what)
{
    if (!ok) {
        /* A host failure is worth a word; a write to a read-only disk is
         * the guest's business. */
        if (err && error_get_class(err) == ERR_IO) {
            warn_report("%s: %s failed: %s", blockdev_id(d->bd), what, error_get_message(err));
        }
        error_free(err);
        return VIRTIO_BLK_S_IOERR;
    }
    return VIRTIO_BLK_S_OK;
}

static uint8_t blk_rw(VirtioBlk *d, const VirtqElem *e, uint32_t type, const uint8_t *hdr)
{
    bool is_write = type & VIRTIO_BLK_T_OUT;
    uint64_t sector = get_le(hdr + 8, 8);
    uint64_t bytes = is_write ? e->out_len - OUTHDR_LEN : e->in_len - 1;
    if (!range_ok(d, sector, bytes)) {
        return VIRTIO_BLK_S_IOERR;
    }
    Error *err = NULL;
    bool ok;
    if (is_write) {
        SegIter it = { e->seg, e->n_out, OUTHDR_LEN, bytes };
        ok = seg_walk(d, it, sector * BLOCKDEV_SECTOR, seg_write_disk, &err);
    } else {
        SegIter it = { e->seg + e->n_out, e->n_in, 0, bytes };
        ok = seg_walk(d, it, sector * BLOCKDEV_SECTOR, seg_read_disk, &err);
    }
    return io_status(d, ok, err, is_write ? "write" : "read");
}

static bool seg_put(VirtioBlk *d, uint64_t off, uint64_t addr, uint32_t len, Error **errp)
{
    return vdma_write(virtio_dma(d->vdev), addr, d->serial + off, len);
}

/* -1: the guest broke the protocol (the device is now broken). */
static int blk_discard_wz(VirtioBlk *d, const VirtqElem *e, uint32_t type)
{
    bool wz = (type & ~VIRTIO_BLK_T_BARRIER) == VIRTIO_BLK_T_WRITE_ZEROES;
    uint64_t len = e->out_len - OUTHDR_LEN;
    uint8_t h[DWZ_LEN];
    /* One segment per request, as QEMU's max_*_seg of 1. */
    if (!(type & VIRTIO_BLK_T_OUT) || len > DWZ_LEN) {
        return VIRTIO_BLK_S_UNSUPP;
    }
    if (len < DWZ_LEN || !gather(d, e, OUTHDR_LEN, h, DWZ_LEN)) {
        virtio_error(d->vdev, "virtio-blk discard/write_zeroes header too short");
        return -1;
    }
    uint64_t sector = get_le(h, 8);
    uint32_t num = (uint32_t)get_le(h + 8, 4), flags = (uint32_t)get_le(h + 12, 4);
    if (num > MAX_SECTORS || !range_ok(d, sector, (uint64_t)num * BLOCKDEV_SECTOR)) {
        return VIRTIO_BLK_S_IOERR;
    }
    if (flags & ~VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) {
        return VIRTIO_BLK_S_UNSUPP;
    }
    if (!wz) {
        /* Discarding is a hint; QEMU's default (discard=ignore) drops it. */
        return flags ? VIRTIO_BLK_S_UNSUPP : VIRTIO_BLK_S_OK;
    }
    Error *err = NULL;
    bool ok = blockdev_write_zeroes(d->bd, sector * BLOCKDEV_SECTOR,
                                    (uint64_t)num * BLOCKDEV_SECTOR, &err);
    return io_status(d, ok, err, "write zeroes");
}

/* Serve one request; false when the device went into its error state. */
static bool blk_request(VirtioBlk *d, unsigned q, const VirtqElem *e)
{
    uint8_t hdr[OUTHDR_LEN];
    if (e->n_out < 1 || e->n_in < 1) {
        virtio_error(d->vdev, "virtio-blk missing headers");
        return false;
    }
    if (!gather(d, e, 0, hdr, OUTHDR_LEN)) {
        virtio_error(d->vdev, "virtio-blk request outhdr too short");
        return false;
    }
    const VirtqSeg *last = &e->seg[e->n_out + e->n_in - 1];
    uint64_t status_addr = last->addr + last->len - 1;
    uint32_t type = (uint32_t)get_le(hdr, 4);
    int status;
    Error *err = NULL;

    switch (type & ~(VIRTIO_BLK_T_OUT | VIRTIO_BLK_T_BARRIER)) {
    case VIRTIO_BLK_T_IN:
        status = blk_rw(d, e, type, hdr);
        break;
    case VIRTIO_BLK_T_FLUSH:
        status = io_status(d, blockdev_flush(d->bd, &err), err, "flush");
        break;
    case VIRTIO_BLK_T_SCSI_CMD:
        /* Passthrough is off: the command fails, with the SCSI header's
         * errors word (in the second-to-last writable buffer) set. */
        if (e->n_out < 2 || e->n_in < 3) {
            status = VIRTIO_BLK_S_IOERR;
        } else {
            const VirtqSeg *sh = &e->seg[e->n_out + e->n_in - 2];
            uint8_t errors[4] = { 255, 0, 0, 0 };
            if (sh->len >= 4) {
                vdma_write(virtio_dma(d->vdev), sh->addr, errors, 4);
            }
            status = VIRTIO_BLK_S_UNSUPP;
        }
        break;
    case VIRTIO_BLK_T_GET_ID: {
        /* NUL-terminated only when shorter than the 20 bytes. */
        uint64_t n = strlen(d->serial) + 1, room = e->in_len - 1;
        n = n < room ? n : room;
        n = n < VIRTIO_BLK_ID_BYTES ? n : VIRTIO_BLK_ID_BYTES;
        SegIter it = { e->seg + e->n_out, e->n_in, 0, n };
        seg_walk(d, it, 0, seg_put, NULL);
        status = VIRTIO_BLK_S_OK;
        break;
    }
    case VIRTIO_BLK_T_DISCARD & ~VIRTIO_BLK_T_OUT:
    case VIRTIO_BLK_T_WRITE_ZEROES & ~VIRTIO_BLK_T_OUT:
        status = blk_discard_wz(d, e, type);
        if (status < 0) {
            return false;
        }
        break;
    default:
        status = VIRTIO_BLK_S_UNSUPP;
        break;
    }
    uint8_t st = (uint8_t)status;
    if (!vdma_write(virtio_dma(d->vdev), status_addr, &st, 1)) {
        virtio_error(d->vdev, "virtio-blk status byte not writable");
        return false;
    }
    virtio_push(d->vdev, q, e, (uint32_t)e->in_len);
    return !virtio_broken(d->vdev);
}

static void blk_handle_queue(void *opaque, unsigned q)
{
    VirtioBlk *d = opaque;
    VirtioDev *v = d->vdev;
    do {
        virtio_set_notification(v, q, false);
        while (virtio_pop(v, q, &d->elem) == 1) {
            if (!blk_request(d, q, &d->elem)) {
                break;
            }
        }
        virtio_set_notification(v, q, true);
    } while (!virtio_broken(v) && !virtio_queue_empty(v, q));
}

static const VirtioDeviceOps virtio_blk_ops = {
    .name = "virtio-blk-device",
    .device_id = VIRTIO_ID_BLOCK,
    .num_queues = 1,
    .queue_size = VIRTIO_BLK_QUEUE_SIZE,
    .config_len = VIRTIO_BLK_CONFIG_LEN,
    .get_features = blk_get_features,
    .get_config = blk_get_config,
    .set_config = blk_set_config,
    .set_status = blk_set_status,
    .reset = blk_reset,
    .handle_queue = blk_handle_queue,
};

/* ---- state ---- */

static bool blk_post_load(void *opaque, int version_id, Error **errp)
{
    VirtioBlk *d = opaque;
    blockdev_set_write_cache(d->bd, d->s.wce);
    return true;
}

static const VMStateField blk_fields[] = {
    VMSTATE_BOOL(wce, VirtioBlkState),
    VMSTATE_END_OF_LIST()
};

static const VMStateDescription virtio_blk_vmsd = {
    .name = "virtio-blk",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = blk_post_load,
    .fields = blk_fields,
};

VirtioBlk *virtio_blk_create(const Board *b, VirtioMmio *t, const char *transport_name,
                             BlockDev *bd, const char *serial, Error **errp)
{
    VirtioBlk *d = calloc(1, sizeof(*d));
    size_t n = strlen(transport_name) + 5;
    if (!d || !(d->vms_name = malloc(n))) {
        free(d);
        error_setg(errp, "out of memory");
        return NULL;
    }
    snprintf(d->vms_name, n, "%s.blk", transport_name);
    snprintf(d->serial, sizeof(d->serial), "%s", serial ? serial : "");
    d->bd = bd;
    d->vdev = t;
    d->s.wce = true;
    guess_geometry(d);
    if (!virtio_mmio_plug(t, &virtio_blk_ops, d, errp)) {
        virtio_blk_free(d);
        return NULL;
    }
    vmstate_register(b->vms, d->vms_name, &virtio_blk_vmsd, d);
    return d;
}

void virtio_blk_free(VirtioBlk *d)
{
    if (d) {
        free(d->vms_name);
        free(d);
    }
}
