/* Tests for hw/virtio/virtio_blk: the configuration space QEMU 7.2 shows,
 * reads and writes through several buffers, every request type and status,
 * range checks, read-only disks, the geometry guessed from a partition
 * table, a request that breaks the protocol, and the state round trip. */
#include "virtio_test_driver.h"

#include <fcntl.h>

#include "hw/virtio/virtio_blk.h"

#define DISK_SECTORS 2048u                     /* 1 MiB */
#define HDR   (TV_DATA)                        /* request header */
#define BUF   (TV_DATA + 0x1000)               /* data */
#define BUF2  (TV_DATA + 0x3000)
#define STAT  (TV_DATA + 0x8000)               /* status byte */

typedef struct Blk {
    TestVirtio *v;
    BlockDev *bd;
    VirtioBlk *d;
    char path[256];
} Blk;

static uint8_t pattern(uint64_t i)
{
    return (uint8_t)(i * 13 + i / 512);
}

static void write_image(const char *path, size_t n, bool mbr)
{
    uint8_t *b = malloc(n);
    for (size_t i = 0; i < n; i++) {
        b[i] = pattern(i);
    }
    if (mbr) {
        /* One partition ending on head 7, sector 32: 8 heads, 32 sectors. */
        memset(b, 0, 512);
        uint8_t *p = b + 0x1be;
        p[1] = 1;
        p[2] = 1;
        p[4] = 0x83;
        p[5] = 7;
        p[6] = 32;
        p[7] = 7;
        p[8] = 32;       /* start LBA 32 */
        p[12] = 0xe0;
        p[13] = 0x07;    /* 2016 sectors */
        b[510] = 0x55;
        b[511] = 0xaa;
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
    free(b);
}

static Blk *blk_new(bool legacy, bool readonly, bool overlay, bool mbr, const char *serial)
{
    Blk *k = calloc(1, sizeof(*k));
    test_tmp_path(k->path, sizeof(k->path), "blk.img");
    write_image(k->path, DISK_SECTORS * 512, mbr);
    BlockDevOptions o = { .id = "hd0", .path = k->path, .readonly = readonly, .overlay = overlay };
    Error *err = NULL;
    k->bd = blockdev_open(&o, &err);
    assert_non_null(k->bd);
    k->v = tv_new(legacy);
    k->d = virtio_blk_create(&k->v->tb->b, k->v->t, "virtio-mmio7", k->bd, serial, &err);
    assert_non_null(k->d);
    return k;
}

static void blk_free(Blk *k)
{
    tv_free(k->v);
    virtio_blk_free(k->d);
    blockdev_close(k->bd);
    unlink(k->path);
    free(k);
}

static uint8_t file_byte(const char *path, uint64_t off)
{
    uint8_t v = 0;
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &v, 1, (off_t)off), 1);
    close(fd);
    return v;
}

/* One request: header (type, sector), then the given buffers, then the
 * status byte; returns the status and the used length. */
static uint8_t request(Blk *k, uint32_t type, uint64_t sector, const TvBuf *data, int ndata,
                       uint32_t *used_len)
{
    TestVirtio *v = k->v;
    tv_put(v, HDR, type, 4);
    tv_put(v, HDR + 4, 0, 4);
    tv_put(v, HDR + 8, sector, 8);
    tv_put(v, STAT, 0xee, 1);
    TvBuf b[8];
    b[0] = (TvBuf){ HDR, 16, false };
    for (int i = 0; i < ndata; i++) {
        b[1 + i] = data[i];
    }
    b[1 + ndata] = (TvBuf){ STAT, 1, true };
    uint16_t head = tv_chain(v, b, ndata + 2, false);
    tv_kick(v, 0);
    uint16_t id;
    uint32_t len;
    tv_used(v, &id, &len);
    assert_int_equal(id, head);
    if (used_len) {
        *used_len = len;
    }
    return (uint8_t)tv_get(v, STAT, 1);
}

static void test_config(void **state)
{
    Blk *k = blk_new(true, false, true, false, NULL);
    TestVirtio *v = k->v;
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
    /* QEMU 7.2's virtio-blk-device on a legacy transport. */
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_DEVICE_FEATURES), 0x31006ed4);
    /* Its configuration space, as QEMU shows it for the same disk. */
    static const uint32_t want[] = { DISK_SECTORS, 0, 0, 0xfe, 0x3f100002, 0x200, 0, 0,
                                     0x00010001, 0x3fffff, 1, 1, 0x3fffff, 1 };
    for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        assert_int_equal(rd(v->tb, TV_BASE + 0x100 + 4 * i, 4), want[i]);
    }
    assert_int_equal(rd(v->tb, TV_BASE + 0x138, 1), 1);      /* write_zeroes_may_unmap */
    assert_int_equal(rd(v->tb, TV_BASE + 0x138, 4), 0xffffffff);
    /* The driver turns the write cache off through the config space. */
    wr(v->tb, TV_BASE + 0x120, 1, 0);
    assert_int_equal(rd(v->tb, TV_BASE + 0x120, 1), 0);
    assert_vmstate_round_trip(v->tb);
    virtio_mmio_reset(v->t);
    assert_int_equal(rd(v->tb, TV_BASE + 0x120, 1), 1);
    blk_free(k);

    /* Modern: no SCSI, VERSION_1 and RING_RESET above. */
    k = blk_new(false, true, false, true, NULL);
    v = k->v;
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_DEVICE_FEATURES), 0x30006e54 | 1u << VIRTIO_BLK_F_RO);
    tv_wr(v, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_DEVICE_FEATURES), 0x101);
    /* The geometry comes from the partition table: 8 heads, 32 sectors. */
    assert_int_equal(rd(v->tb, TV_BASE + 0x110, 2), DISK_SECTORS / (8 * 32));
    assert_int_equal(rd(v->tb, TV_BASE + 0x112, 1), 8);
    assert_int_equal(rd(v->tb, TV_BASE + 0x113, 1), 32);
    blk_free(k);
}

static void run_rw(bool legacy, bool overlay)
{
    Blk *k = blk_new(legacy, false, overlay, false, NULL);
    TestVirtio *v = k->v;
    tv_setup(v, legacy ? 0 : 1ull << VIRTIO_F_VERSION_1, 16);
    uint32_t len;
    /* A read of 3 sectors into two buffers. */
    TvBuf rbuf[2] = { { BUF, 1000, true }, { BUF2, 536, true } };
    assert_int_equal(request(k, VIRTIO_BLK_T_IN, 5, rbuf, 2, &len), VIRTIO_BLK_S_OK);
    assert_int_equal(len, 1537);
    for (uint64_t i = 0; i < 1000; i++) {
        assert_int_equal(tv_get(v, BUF + i, 1), pattern(5 * 512 + i));
    }
    for (uint64_t i = 0; i < 536; i++) {
        assert_int_equal(tv_get(v, BUF2 + i, 1), pattern(5 * 512 + 1000 + i));
    }
    /* A write of 2 sectors from two buffers, then read back. */
    for (uint64_t i = 0; i < 1024; i++) {
        tv_put(v, BUF + i, (uint8_t)(0xa0 ^ i), 1);
    }
    TvBuf wbuf[2] = { { BUF, 700, false }, { BUF + 700, 324, false } };
    assert_int_equal(request(k, VIRTIO_BLK_T_OUT, 7, wbuf, 2, &len), VIRTIO_BLK_S_OK);
    assert_int_equal(len, 1);
    TvBuf back = { BUF2, 2048, true };
    assert_int_equal(request(k, VIRTIO_BLK_T_IN, 6, &back, 1, &len), VIRTIO_BLK_S_OK);
    for (uint64_t i = 0; i < 512; i++) {
        assert_int_equal(tv_get(v, BUF2 + i, 1), pattern(6 * 512 + i));
        assert_int_equal(tv_get(v, BUF2 + 512 + i, 1), (uint8_t)(0xa0 ^ i));
        assert_int_equal(tv_get(v, BUF2 + 1536 + i, 1), pattern(9 * 512 + i));
    }
    /* The file has the write, or not (overlay). */
    assert_int_equal(file_byte(k->path, 7 * 512), overlay ? pattern(7 * 512) : 0xa0);
    assert_int_equal(blockdev_overlay_blocks(k->bd), overlay ? 2 : 0);   /* bytes 3584..4607 */
    assert_int_equal(request(k, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, NULL), VIRTIO_BLK_S_OK);

    /* Out of range, or not whole sectors: IOERR, nothing transferred. */
    TvBuf one = { BUF, 512, true };
    assert_int_equal(request(k, VIRTIO_BLK_T_IN, DISK_SECTORS, &one, 1, NULL),
                     VIRTIO_BLK_S_IOERR);
    assert_int_equal(request(k, VIRTIO_BLK_T_OUT, DISK_SECTORS - 1, wbuf, 2, NULL),
                     VIRTIO_BLK_S_IOERR);
    TvBuf odd = { BUF, 511, true };
    assert_int_equal(request(k, VIRTIO_BLK_T_IN, 0, &odd, 1, NULL), VIRTIO_BLK_S_IOERR);
    assert_int_equal(request(k, VIRTIO_BLK_T_IN, UINT64_MAX, &one, 1, NULL),
                     VIRTIO_BLK_S_IOERR);
    /* Barrier flag ignored; reading the last sector is fine. */
    assert_int_equal(request(k, VIRTIO_BLK_T_IN | VIRTIO_BLK_T_BARRIER, DISK_SECTORS - 1, &one,
                             1, NULL), VIRTIO_BLK_S_OK);
    /* Unknown types. */
    assert_int_equal(request(k, 99, 0, NULL, 0, NULL), VIRTIO_BLK_S_UNSUPP);
    /* SCSI passthrough is refused: IOERR without its headers, else UNSUPP
     * with the SCSI header's errors word set. */
    assert_int_equal(request(k, VIRTIO_BLK_T_SCSI_CMD, 0, &one, 1, NULL), VIRTIO_BLK_S_IOERR);
    TvBuf scsi[3] = { { BUF, 16, false }, { BUF2, 96, true }, { BUF2 + 0x100, 16, true } };
    assert_int_equal(request(k, VIRTIO_BLK_T_SCSI_CMD, 0, scsi, 3, NULL), VIRTIO_BLK_S_UNSUPP);
    assert_int_equal(tv_get(v, BUF2 + 0x100, 4), 255);
    assert_true(tv_irq(v));
    assert_false(virtio_broken(v->t));
    assert_vmstate_round_trip(v->tb);
    blk_free(k);
}

static void test_read_write(void **state)
{
    run_rw(true, false);
    run_rw(true, true);
    run_rw(false, true);
}

static void test_get_id_discard_zeroes(void **state)
{
    Blk *k = blk_new(true, false, true, false, "rrsim-serial-0123456789");
    TestVirtio *v = k->v;
    tv_setup(v, 0, 16);
    TvBuf id = { BUF, 64, true };
    memset(v->ram + (BUF - TV_RAM), 0x77, 64);
    uint32_t len;
    assert_int_equal(request(k, VIRTIO_BLK_T_GET_ID, 0, &id, 1, &len), VIRTIO_BLK_S_OK);
    assert_int_equal(len, 65);
    /* 20 bytes, not terminated when the serial fills them. */
    assert_memory_equal(v->ram + (BUF - TV_RAM), "rrsim-serial-0123456", 20);
    assert_int_equal(tv_get(v, BUF + 20, 1), 0x77);

    /* WRITE_ZEROES of sectors 2..3; DISCARD changes nothing (ignored, as
     * QEMU's default discard=ignore). */
    TvBuf seg = { BUF2, 16, false };
    tv_put(v, BUF2, 2, 8);
    tv_put(v, BUF2 + 8, 2, 4);
    tv_put(v, BUF2 + 12, 0, 4);
    assert_int_equal(request(k, VIRTIO_BLK_T_WRITE_ZEROES, 0, &seg, 1, NULL), VIRTIO_BLK_S_OK);
    tv_put(v, BUF2, 4, 8);
    assert_int_equal(request(k, VIRTIO_BLK_T_DISCARD, 0, &seg, 1, NULL), VIRTIO_BLK_S_OK);
    TvBuf back = { BUF, 3 * 512, true };
    assert_int_equal(request(k, VIRTIO_BLK_T_IN, 2, &back, 1, NULL), VIRTIO_BLK_S_OK);
    for (uint64_t i = 0; i < 1024; i++) {
        assert_int_equal(tv_get(v, BUF + i, 1), 0);
    }
    assert_int_equal(tv_get(v, BUF + 1024, 1), pattern(4 * 512));
    /* Unknown flags, UNMAP on a discard, or two segments: UNSUPP; too many
     * sectors: IOERR. */
    tv_put(v, BUF2 + 12, 2, 4);
    assert_int_equal(request(k, VIRTIO_BLK_T_WRITE_ZEROES, 0, &seg, 1, NULL),
                     VIRTIO_BLK_S_UNSUPP);
    tv_put(v, BUF2 + 12, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP, 4);
    assert_int_equal(request(k, VIRTIO_BLK_T_DISCARD, 0, &seg, 1, NULL), VIRTIO_BLK_S_UNSUPP);
    assert_int_equal(request(k, VIRTIO_BLK_T_WRITE_ZEROES, 0, &seg, 1, NULL), VIRTIO_BLK_S_OK);
    TvBuf two = { BUF2, 32, false };
    assert_int_equal(request(k, VIRTIO_BLK_T_WRITE_ZEROES, 0, &two, 1, NULL),
                     VIRTIO_BLK_S_UNSUPP);
    tv_put(v, BUF2 + 8, 0x400000, 4);
    tv_put(v, BUF2 + 12, 0, 4);
    assert_int_equal(request(k, VIRTIO_BLK_T_WRITE_ZEROES, 0, &seg, 1, NULL),
                     VIRTIO_BLK_S_IOERR);
    blk_free(k);
}

static void test_readonly(void **state)
{
    Blk *k = blk_new(true, true, false, false, NULL);
    TestVirtio *v = k->v;
    tv_setup(v, 0, 16);
    TvBuf w = { BUF, 512, false };
    assert_int_equal(request(k, VIRTIO_BLK_T_OUT, 0, &w, 1, NULL), VIRTIO_BLK_S_IOERR);
    assert_int_equal(file_byte(k->path, 0), pattern(0));
    TvBuf r = { BUF, 512, true };
    assert_int_equal(request(k, VIRTIO_BLK_T_IN, 0, &r, 1, NULL), VIRTIO_BLK_S_OK);
    blk_free(k);
}

static void test_protocol_errors(void **state)
{
    /* No device-writable buffer at all: the device stops. */
    Blk *k = blk_new(false, false, true, false, NULL);
    TestVirtio *v = k->v;
    tv_setup(v, 1ull << VIRTIO_F_VERSION_1, 16);
    TvBuf b[2] = { { HDR, 16, false }, { BUF, 512, false } };
    tv_chain(v, b, 2, false);
    tv_kick(v, 0);
    assert_true(virtio_broken(v->t));
    assert_true(tv_rd(v, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
    assert_int_equal(tv_used_idx(v), 0);
    blk_free(k);

    /* A header shorter than 16 bytes. */
    k = blk_new(false, false, true, false, NULL);
    v = k->v;
    tv_setup(v, 1ull << VIRTIO_F_VERSION_1, 16);
    TvBuf c[2] = { { HDR, 8, false }, { STAT, 1, true } };
    tv_chain(v, c, 2, false);
    tv_kick(v, 0);
    assert_true(virtio_broken(v->t));
    blk_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_read_write),
        cmocka_unit_test(test_get_id_discard_zeroes),
        cmocka_unit_test(test_readonly),
        cmocka_unit_test(test_protocol_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
