/* Tests for sim/block/blockdev: file mode, the overlay, locks, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/block/blockdev.h"

typedef struct Fix {
    char path[256];
} Fix;

/* An image of n bytes: byte i holds (i * 7 + i / 4096) & 0xff. */
static void make_image(const char *path, size_t n)
{
    uint8_t *b = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        b[i] = (uint8_t)(i * 7 + i / 4096);
    }
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
    free(b);
}

static uint8_t pattern(uint64_t i)
{
    return (uint8_t)(i * 7 + i / 4096);
}

static int setup(void **state)
{
    Fix *f = calloc(1, sizeof(*f));
    const char *dir = getenv("TMPDIR");
    snprintf(f->path, sizeof(f->path), "%s/rrsim-test-blockdev-%d.img", dir ? dir : "/tmp",
             (int)getpid());
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fix *f = *state;
    unlink(f->path);
    free(f);
    return 0;
}

static BlockDev *open_dev(const char *path, bool ro, bool overlay)
{
    BlockDevOptions o = { .id = "hd0", .path = path, .readonly = ro, .overlay = overlay };
    Error *err = NULL;
    BlockDev *b = blockdev_open(&o, &err);
    if (!b) {
        fail_msg("open: %s", error_get_message(err));
    }
    return b;
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

static void test_errors(void **state)
{
    Fix *f = *state;
    Error *err = NULL;
    BlockDevOptions o = { .id = "hd0", .path = "/nonexistent/rrsim.img" };
    assert_null(blockdev_open(&o, &err));
    assert_int_equal(error_get_class(err), ERR_IO);
    assert_non_null(strstr(error_get_message(err), "/nonexistent/rrsim.img"));
    error_free(err);
    err = NULL;

    make_image(f->path, 0);
    o.path = f->path;
    assert_null(blockdev_open(&o, &err));
    assert_int_equal(error_get_class(err), ERR_IO);
    assert_non_null(strstr(error_get_message(err), "empty"));
    error_free(err);
    err = NULL;

    o.path = "/tmp";
    assert_null(blockdev_open(&o, &err));
    assert_int_equal(error_get_class(err), ERR_IO);
    error_free(err);
}

static void test_locks(void **state)
{
    Fix *f = *state;
    Error *err = NULL;
    make_image(f->path, 8192);
    /* OFD locks conflict between open files of one process, too. */
    BlockDev *w = open_dev(f->path, false, false);
    BlockDevOptions o = { .id = "hd1", .path = f->path, .overlay = true };
    assert_null(blockdev_open(&o, &err));
    assert_int_equal(error_get_class(err), ERR_IO);
    assert_non_null(strstr(error_get_message(err), "lock"));
    error_free(err);
    err = NULL;
    blockdev_close(w);
    /* Readers share. */
    BlockDev *r1 = open_dev(f->path, true, false);
    BlockDev *r2 = open_dev(f->path, false, true);
    o.overlay = false;
    assert_null(blockdev_open(&o, &err));   /* but keep writers out */
    error_free(err);
    blockdev_close(r1);
    blockdev_close(r2);
}

static void test_file_mode(void **state)
{
    Fix *f = *state;
    make_image(f->path, 3 * 4096 + 100);   /* not a whole number of sectors */
    BlockDev *b = open_dev(f->path, false, false);
    assert_int_equal(blockdev_length(b), 3 * 4096 + 100);
    assert_int_equal(blockdev_sectors(b), 25);   /* rounded up */
    assert_null(blockdev_overlay(b));
    uint8_t buf[1024];
    Error *err = NULL;
    /* The tail past the file's end reads as zeros. */
    assert_true(blockdev_read(b, 24 * 512, buf, 512, &err));
    for (int i = 0; i < 100; i++) {
        assert_int_equal(buf[i], pattern(3 * 4096 + (uint64_t)i));
    }
    for (int i = 100; i < 512; i++) {
        assert_int_equal(buf[i], 0);
    }
    assert_false(blockdev_read(b, 25 * 512, buf, 1, &err));   /* beyond the disk */
    error_free(err);
    err = NULL;
    memset(buf, 0xab, sizeof(buf));
    assert_true(blockdev_write(b, 4000, buf, 200, &err));
    assert_true(blockdev_flush(b, &err));
    assert_int_equal(file_byte(f->path, 4000), 0xab);
    assert_int_equal(file_byte(f->path, 4199), 0xab);
    assert_int_equal(file_byte(f->path, 4200), pattern(4200));
    assert_true(blockdev_write_zeroes(b, 512, 1024, &err));
    assert_int_equal(file_byte(f->path, 512), 0);
    assert_int_equal(file_byte(f->path, 1535), 0);
    assert_int_equal(file_byte(f->path, 1536), pattern(1536));
    blockdev_close(b);

    /* Read-only: the guest may not write. */
    b = open_dev(f->path, true, false);
    assert_false(blockdev_write(b, 0, buf, 1, &err));
    assert_int_equal(error_get_class(err), ERR_USAGE);
    error_free(err);
    blockdev_close(b);
}

static void test_overlay(void **state)
{
    Fix *f = *state;
    make_image(f->path, 64 * 1024);
    Hash128 before, after;
    Error *err = NULL;
    BlockDev *b = open_dev(f->path, false, true);
    assert_true(blockdev_image_hash(b, &before, &err));
    const MemRegion *r = blockdev_overlay(b);
    assert_non_null(r);
    assert_int_equal(r->size, (1 + 16) * 4096);   /* one bitmap page, 16 blocks */
    assert_int_equal(blockdev_overlay_blocks(b), 0);

    HashState hs;
    hash_init(&hs);
    blockdev_overlay_digest(b, &hs);
    Hash128 empty = hash_final(&hs);
    hash_free(&hs);

    /* A write across a block boundary: two blocks copied in, merged. */
    uint8_t w[600], rbuf[8192];
    memset(w, 0x5a, sizeof(w));
    assert_true(blockdev_write(b, 4096 - 300, w, sizeof(w), &err));
    assert_int_equal(blockdev_overlay_blocks(b), 2);
    assert_true(blockdev_read(b, 0, rbuf, sizeof(rbuf), &err));
    for (uint64_t i = 0; i < sizeof(rbuf); i++) {
        uint8_t want = i >= 4096 - 300 && i < 4096 + 300 ? 0x5a : pattern(i);
        assert_int_equal(rbuf[i], want);
    }
    /* The image is untouched. */
    assert_int_equal(file_byte(f->path, 4096), pattern(4096));
    /* The overlay region holds the bitmap and the blocks, marked for the
     * snapshot store. */
    assert_true(r->dirty[0] & 1);          /* bitmap page */
    assert_true(r->dirty[0] & (1 << 1));   /* block 0 */
    assert_true(r->dirty[0] & (1 << 2));   /* block 1 */
    assert_true(r->nonzero[0] & 7);
    assert_int_equal(r->host[0], 3);       /* blocks 0 and 1 present */
    assert_int_equal(r->host[4096 + 4096 - 300], 0x5a);

    /* A whole-block write of zeros is still the guest's data. */
    assert_true(blockdev_write_zeroes(b, 8 * 4096, 4096, &err));
    assert_int_equal(blockdev_overlay_blocks(b), 3);
    assert_true(blockdev_read(b, 8 * 4096, rbuf, 4096, &err));
    for (int i = 0; i < 4096; i++) {
        assert_int_equal(rbuf[i], 0);
    }
    assert_true(blockdev_read(b, 9 * 4096, rbuf, 16, &err));
    assert_int_equal(rbuf[0], pattern(9 * 4096));

    hash_init(&hs);
    blockdev_overlay_digest(b, &hs);
    Hash128 written = hash_final(&hs);
    hash_free(&hs);
    assert_false(hash_equal(empty, written));
    /* The digest does not depend on pages merely marked possibly non-zero. */
    r->nonzero[0] |= 1ull << 10;
    hash_init(&hs);
    blockdev_overlay_digest(b, &hs);
    assert_true(hash_equal(hash_final(&hs), written));
    hash_free(&hs);

    assert_true(blockdev_flush(b, &err));
    blockdev_close(b);
    b = open_dev(f->path, false, true);
    assert_true(blockdev_image_hash(b, &after, &err));
    assert_true(hash_equal(before, after));
    blockdev_close(b);

    /* Another image, another hash. */
    make_image(f->path, 64 * 1024 + 1);
    b = open_dev(f->path, false, true);
    assert_true(blockdev_image_hash(b, &after, &err));
    assert_false(hash_equal(before, after));
    blockdev_close(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_locks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlay, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
