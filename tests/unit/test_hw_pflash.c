/* Tests for hw/pflash: read array, CFI query, device ID, command cycles. */
#include "test_hw_util.h"

#include "hw/pflash.h"

#define F VIRT_FLASH_BASE

/* Commands go out on both 16-bit halves, as a driver for 2 x16 parts does. */
static void cmd(TestBoard *tb, uint64_t off, uint32_t c)
{
    wr(tb, F + off, 4, c | (c << 16));
}

static uint32_t cfi(TestBoard *tb, unsigned idx)
{
    uint32_t v = (uint32_t)rd(tb, F + idx * 4, 4);
    assert_int_equal(v >> 16, v & 0xffff);   /* both parts answer alike */
    return v & 0xffff;
}

static void test_query_and_id(void **state)
{
    TestBoard *tb = test_board_new();
    Pflash *f = pflash_create(&tb->b, "flash0", F, NULL);
    assert_non_null(f);
    /* Unbacked flash reads as QEMU's with no -drive: zero bytes. */
    assert_int_equal(rd(tb, F, 4), 0);
    assert_int_equal(rd(tb, F + VIRT_FLASH_SIZE - 8, 8), 0);

    cmd(tb, 0x55 * 4, 0x98);
    assert_int_equal(cfi(tb, 0x10), 'Q');
    assert_int_equal(cfi(tb, 0x11), 'R');
    assert_int_equal(cfi(tb, 0x12), 'Y');
    assert_int_equal(cfi(tb, 0x13), 0x01);      /* Intel/Sharp command set */
    assert_int_equal(cfi(tb, 0x15), 0x31);      /* primary table */
    assert_int_equal(cfi(tb, 0x27), 24);        /* 16 MiB per part, two parts: 32 MiB */
    assert_int_equal(cfi(tb, 0x28), 0x02);
    assert_int_equal(cfi(tb, 0x2a), 0x0b);
    assert_int_equal(cfi(tb, 0x2c), 1);
    assert_int_equal(cfi(tb, 0x2d) | cfi(tb, 0x2e) << 8, 127);   /* 128 blocks */
    assert_int_equal(cfi(tb, 0x2f) | cfi(tb, 0x30) << 8, 0x200); /* 128 KiB per part */
    assert_int_equal(cfi(tb, 0x31), 'P');
    assert_int_equal(cfi(tb, 0x3f), 1);
    assert_int_equal(rd(tb, F + 0x200 * 4, 4), 0);  /* past the table */
    /* Narrow reads see the low bytes of the bus word. */
    assert_int_equal(rd(tb, F + 0x10 * 4, 1), 'Q');
    assert_int_equal(rd(tb, F + 0x11 * 4, 2), 'R');
    /* 0xf0 does not leave query mode on this command set; 0xff does. */
    cmd(tb, 0, 0xf0);
    assert_int_equal(cfi(tb, 0x10), 'Q');
    cmd(tb, 0, 0xff);
    assert_int_equal(rd(tb, F + 0x10 * 4, 4), 0);

    cmd(tb, 0, 0x90);
    assert_int_equal(rd(tb, F, 4), 0x00890089);
    assert_int_equal(rd(tb, F + 4, 4), 0x00180018);
    assert_int_equal(rd(tb, F + 8, 4), 0);
    assert_int_equal(rd(tb, F, 8), 0x0018001800890089ull);
    cmd(tb, 0, 0xff);
    assert_int_equal(rd(tb, F, 4), 0);
    pflash_free(f);
    test_board_free(tb);
}

static void test_program_erase_status(void **state)
{
    TestBoard *tb = test_board_new();
    Pflash *f = pflash_create(&tb->b, "flash0", F, NULL);
    cmd(tb, 0, 0x70);
    assert_int_equal(rd(tb, F, 4), 0x00800080);   /* ready on both parts */
    cmd(tb, 0, 0x50);                            /* clear status, back to array */
    assert_int_equal(rd(tb, F, 4), 0);
    cmd(tb, 0, 0x70);
    assert_int_equal(rd(tb, F, 4), 0);
    /* Erase then confirm: ready again, the content does not change. */
    cmd(tb, 0x40000, 0x20);
    assert_int_equal(rd(tb, F, 4), 0x00800080);
    cmd(tb, 0x40000, 0xd0);
    assert_int_equal(rd(tb, F, 2), 0x0080);
    cmd(tb, 0, 0xff);
    assert_int_equal(rd(tb, F + 0x40000, 4), 0);
    /* Word program: the data is dropped. */
    cmd(tb, 0, 0x40);
    wr(tb, F + 0x100, 4, 0x12345678);
    cmd(tb, 0, 0xff);
    assert_int_equal(rd(tb, F + 0x100, 4), 0);
    /* Buffered write: count, data words, confirm; then the next command is taken. */
    cmd(tb, 0, 0xe8);
    cmd(tb, 0, 1);                               /* two words */
    wr(tb, F, 4, 1);
    wr(tb, F + 4, 4, 2);
    cmd(tb, 0, 0xd0);
    cmd(tb, 0, 0x90);
    assert_int_equal(rd(tb, F, 4), 0x00890089);
    /* An unknown command returns to read array. */
    cmd(tb, 0, 0x98);
    cmd(tb, 0, 0xff);
    cmd(tb, 0, 0x33);
    assert_int_equal(rd(tb, F + 0x40, 4), 0);
    pflash_free(f);
    test_board_free(tb);
}

static void test_vmstate(void **state)
{
    TestBoard *tb = test_board_new();
    Pflash *f0 = pflash_create(&tb->b, "flash0", F, NULL);
    Pflash *f1 = pflash_create(&tb->b, "flash1", F + VIRT_FLASH_SIZE, NULL);
    assert_int_equal(tb->vms.n, 2);
    cmd(tb, 0, 0x98);
    assert_vmstate_round_trip(tb);
    assert_int_equal(cfi(tb, 0x10), 'Q');                    /* bank 0 still in query */
    assert_int_equal(rd(tb, F + VIRT_FLASH_SIZE + 0x40, 4), 0);   /* bank 1 in array */

    /* Saved in query mode, then moved on: loading restores query mode. */
    VMBuf a;
    vmbuf_init(&a);
    vmstate_save_all(&tb->vms, &a);
    cmd(tb, 0, 0xff);
    Error *err = NULL;
    assert_true(vmstate_load_all(&tb->vms, a.data, a.len, &err));
    assert_int_equal(cfi(tb, 0x11), 'R');
    /* A command byte the model never enters reads as array; the next write
     * returns to read array, and commands work again after it. */
    uint8_t *c = memchr(a.data, 0x98, a.len);
    assert_non_null(c);
    *c = 0x77;
    assert_true(vmstate_load_all(&tb->vms, a.data, a.len, &err));
    assert_int_equal(rd(tb, F + 0x40, 4), 0);
    cmd(tb, 0, 0x90);
    assert_int_equal(rd(tb, F, 4), 0);
    cmd(tb, 0, 0x90);
    assert_int_equal(rd(tb, F, 4), 0x00890089);
    vmbuf_free(&a);

    pflash_reset(f0);
    assert_int_equal(rd(tb, F + 0x40, 4), 0);
    pflash_free(f0);
    pflash_free(f1);
    test_board_free(tb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_and_id),
        cmocka_unit_test(test_program_erase_status),
        cmocka_unit_test(test_vmstate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
