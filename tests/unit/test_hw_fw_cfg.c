/* Tests for hw/fw_cfg: the signature item, the big-endian selector, state. */
#include "test_hw_util.h"

#include "hw/fw_cfg.h"

#define C VIRT_FW_CFG_BASE

/* The guest stores the key big-endian; the bus hands the device a
 * little-endian value of those bytes. */
static void select_key(TestBoard *tb, uint16_t key)
{
    wr(tb, C + FW_CFG_SELECTOR, 2, (uint16_t)((key >> 8) | (key << 8)));
}

static void test_signature(void **state)
{
    TestBoard *tb = test_board_new();
    FwCfg *f = fw_cfg_create(&tb->b, "fw_cfg", C, NULL);
    assert_non_null(f);
    select_key(tb, FW_CFG_SIGNATURE);
    assert_int_equal(rd(tb, C, 1), 'Q');
    assert_int_equal(rd(tb, C, 1), 'E');
    assert_int_equal(rd(tb, C, 2), 'M' | 'U' << 8);
    assert_int_equal(rd(tb, C, 1), 0);            /* past the end */
    select_key(tb, FW_CFG_SIGNATURE);             /* selecting rewinds */
    assert_int_equal(rd(tb, C, 4), 0x554d4551);   /* "QEMU" in memory order */
    select_key(tb, FW_CFG_SIGNATURE);
    assert_int_equal(rd(tb, C, 8), 0x554d4551);
    select_key(tb, 0x0001);                       /* ID: no features, no DMA */
    assert_int_equal(rd(tb, C, 4), 0);
    select_key(tb, 0x0019);                       /* file directory: empty */
    assert_int_equal(rd(tb, C, 4), 0);
    /* A selector written with the wrong width, DMA and data writes: ignored. */
    select_key(tb, FW_CFG_SIGNATURE);
    wr(tb, C + FW_CFG_SELECTOR, 4, 0x0100);
    wr(tb, C + FW_CFG_DMA, 8, 0x1234);
    wr(tb, C + FW_CFG_DATA, 1, 0x55);
    assert_int_equal(rd(tb, C + FW_CFG_DMA, 8), 0);
    assert_int_equal(rd(tb, C, 1), 'Q');
    fw_cfg_free(f);
    test_board_free(tb);
}

static void test_vmstate(void **state)
{
    TestBoard *tb = test_board_new();
    FwCfg *f = fw_cfg_create(&tb->b, "fw_cfg", C, NULL);
    select_key(tb, FW_CFG_SIGNATURE);
    assert_int_equal(rd(tb, C, 2), 'Q' | 'E' << 8);
    assert_int_equal(tb->vms.n, 1);
    assert_vmstate_round_trip(tb);
    assert_int_equal(rd(tb, C, 1), 'M');          /* the position survived */

    VMBuf a;
    vmbuf_init(&a);
    vmstate_save_all(&tb->vms, &a);
    assert_int_equal(rd(tb, C, 1), 'U');
    Error *err = NULL;
    assert_true(vmstate_load_all(&tb->vms, a.data, a.len, &err));
    assert_int_equal(rd(tb, C, 1), 'U');          /* rewound to the saved position */
    fw_cfg_reset(f);
    assert_int_equal(rd(tb, C, 1), 'Q');
    fw_cfg_free(f);
    vmbuf_free(&a);
    test_board_free(tb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signature),
        cmocka_unit_test(test_vmstate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
