/* Tests for hw/pcie_host: ECAM with only the host bridge at 00:00.0. */
#include "test_hw_util.h"

#include "hw/pcie_host.h"

#define E VIRT_PCIE_ECAM_BASE
#define BDF(b, d, f) (((uint64_t)(b) << 20) | ((uint64_t)(d) << 15) | ((uint64_t)(f) << 12))

static void test_config_space(void **state)
{
    TestBoard *tb = test_board_new();
    PcieHost *p = pcie_host_create(&tb->b, "pcie", NULL);
    assert_non_null(p);
    /* The words QEMU's gpex shows at 00:00.0. */
    assert_int_equal(rd(tb, E + 0x00, 4), 0x00081b36);
    assert_int_equal(rd(tb, E + 0x04, 4), 0);
    assert_int_equal(rd(tb, E + 0x08, 4), 0x06000000);
    assert_int_equal(rd(tb, E + 0x0c, 4), 0);
    assert_int_equal(rd(tb, E + 0x2c, 4), 0x11001af4);
    assert_int_equal(rd(tb, E + 0x10, 4), 0);            /* no BARs */
    assert_int_equal(rd(tb, E + 0x02, 2), 0x0008);
    assert_int_equal(rd(tb, E + 0x0b, 1), 0x06);
    /* Past the conventional space, other functions, devices, buses: all-ones. */
    assert_int_equal(rd(tb, E + 0x100, 4), 0xffffffff);
    assert_int_equal(rd(tb, E + BDF(0, 0, 1), 4), 0xffffffff);
    assert_int_equal(rd(tb, E + BDF(0, 1, 0), 4), 0xffffffff);
    assert_int_equal(rd(tb, E + BDF(0, 31, 7) + 0xffc, 4), 0xffffffff);
    assert_int_equal(rd(tb, E + BDF(255, 0, 0), 2), 0xffff);
    /* The I/O and memory windows decode nothing. */
    assert_int_equal(rd(tb, VIRT_PCIE_PIO_BASE, 4), 0xffffffff);
    assert_int_equal(rd(tb, VIRT_PCIE_MMIO_BASE + 0x1000, 8), ~0ull);
    wr(tb, VIRT_PCIE_MMIO_BASE, 4, 0);
    assert_int_equal(rd(tb, VIRT_PCIE_MMIO_BASE, 4), 0xffffffff);
    pcie_host_free(p);
    test_board_free(tb);
}

static void test_writable_bits_and_vmstate(void **state)
{
    TestBoard *tb = test_board_new();
    PcieHost *p = pcie_host_create(&tb->b, "pcie", NULL);
    wr(tb, E + 0x00, 4, 0x12345678);                  /* IDs: read-only */
    assert_int_equal(rd(tb, E + 0x00, 4), 0x00081b36);
    wr(tb, E + 0x04, 4, 0xffffffff);                  /* command: IO|MEM|MASTER|INTX_DIS */
    assert_int_equal(rd(tb, E + 0x04, 4), 0x0407);
    wr(tb, E + 0x10, 4, 0xffffffff);                  /* no BAR to size */
    assert_int_equal(rd(tb, E + 0x10, 4), 0);
    wr(tb, E + 0x0c, 1, 0x10);                        /* cache line size */
    wr(tb, E + 0x3c, 1, 0x21);                        /* interrupt line */
    wr(tb, E + 0x80, 4, 0xa5a5a5a5);                  /* device-specific space */
    assert_int_equal(rd(tb, E + 0x0c, 4), 0x10);
    assert_int_equal(rd(tb, E + 0x3c, 1), 0x21);
    assert_int_equal(rd(tb, E + 0x80, 4), 0xa5a5a5a5);
    wr(tb, E + BDF(0, 1, 0), 4, 0);                   /* nobody there */
    assert_int_equal(rd(tb, E + BDF(0, 1, 0), 4), 0xffffffff);

    assert_int_equal(tb->vms.n, 1);
    assert_vmstate_round_trip(tb);
    assert_int_equal(rd(tb, E + 0x04, 2), 0x0407);
    assert_int_equal(rd(tb, E + 0x80, 4), 0xa5a5a5a5);

    /* A snapshot holds only writable state: a stray command bit in it is
     * never shown, and the IDs cannot be changed by one. */
    VMBuf a;
    vmbuf_init(&a);
    vmstate_save_all(&tb->vms, &a);
    uint8_t *hit = memmem(a.data, a.len, "\x07\x04\x10\x21", 4);
    assert_non_null(hit);
    hit[0] = 0xff;
    Error *err = NULL;
    assert_true(vmstate_load_all(&tb->vms, a.data, a.len, &err));
    assert_int_equal(rd(tb, E + 0x04, 2), 0x0407);
    assert_int_equal(rd(tb, E + 0x00, 4), 0x00081b36);
    vmbuf_free(&a);

    pcie_host_reset(p);
    assert_int_equal(rd(tb, E + 0x04, 2), 0);
    assert_int_equal(rd(tb, E + 0x80, 4), 0);
    pcie_host_free(p);
    test_board_free(tb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_space),
        cmocka_unit_test(test_writable_bits_and_vmstate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
