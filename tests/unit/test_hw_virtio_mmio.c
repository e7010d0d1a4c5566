/* Tests for hw/virtio_mmio: an empty transport reads as "no device". */
#include "test_hw_util.h"

#include "hw/virtio/virtio_mmio.h"

#define V VIRT_VIRTIO_BASE

static void test_identity_registers(void **state)
{
    TestBoard *tb = test_board_new();
    VirtioMmio *v = virtio_mmio_create(&tb->b, "virtio0", V, (IrqLine){ 0 }, true, NULL);
    assert_non_null(v);
    assert_int_equal(rd(tb, V + VIRTIO_MMIO_MAGIC_VALUE, 4), 0x74726976);
    assert_int_equal(rd(tb, V + VIRTIO_MMIO_VERSION, 4), 1);
    assert_int_equal(rd(tb, V + VIRTIO_MMIO_DEVICE_ID, 4), 0);
    assert_int_equal(rd(tb, V + VIRTIO_MMIO_VENDOR_ID, 4), 0x554d4551);
    /* Narrow reads see the register at its own offset only, as on QEMU. */
    assert_int_equal(rd(tb, V, 1), 'v');
    assert_int_equal(rd(tb, V + 3, 1), 0);
    assert_int_equal(rd(tb, V + VIRTIO_MMIO_VENDOR_ID, 2), 0x4551);
    /* Features, queue and status registers read 0 and ignore writes. */
    for (uint64_t off = 0x10; off < 0x100; off += 4) {
        wr(tb, V + off, 4, 0xffffffff);
        assert_int_equal(rd(tb, V + off, 4), 0);
    }
    wr(tb, V + VIRTIO_MMIO_MAGIC_VALUE, 4, 0);
    assert_int_equal(rd(tb, V + VIRTIO_MMIO_MAGIC_VALUE, 4), 0x74726976);
    /* Eight bytes are two registers; past 0x200 there is nothing. */
    assert_int_equal(rd(tb, V, 8), 0x0000000174726976ull);
    uint64_t x;
    assert_int_not_equal(mem_read(&tb->as, V + VIRTIO_MMIO_REGION_SIZE, 4, &x), MEM_OK);
    virtio_mmio_free(v);
    test_board_free(tb);
}

static void test_eight_slots_no_state(void **state)
{
    TestBoard *tb = test_board_new();
    /* The address space keeps region names by reference. */
    static const char *const names[VIRT_VIRTIO_COUNT] = {
        "virtio0", "virtio1", "virtio2", "virtio3", "virtio4", "virtio5", "virtio6", "virtio7",
    };
    VirtioMmio *v[VIRT_VIRTIO_COUNT];
    for (int i = 0; i < VIRT_VIRTIO_COUNT; i++) {
        v[i] = virtio_mmio_create(&tb->b, names[i], V + (uint64_t)i * VIRT_VIRTIO_SIZE, (IrqLine){ 0 }, true, NULL);
        assert_non_null(v[i]);
    }
    assert_int_equal(rd(tb, V + 7 * VIRT_VIRTIO_SIZE + VIRTIO_MMIO_VENDOR_ID, 4), 0x554d4551);
    /* An overlapping slot is refused. */
    Error *err = NULL;
    assert_null(virtio_mmio_create(&tb->b, "dup", V + 0x100, (IrqLine){ 0 }, true, &err));
    assert_non_null(err);
    error_free(err);
    /* Nothing to save: no description registered. */
    assert_int_equal(tb->vms.n, 0);
    for (int i = 0; i < VIRT_VIRTIO_COUNT; i++) {
        virtio_mmio_free(v[i]);
    }
    test_board_free(tb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity_registers),
        cmocka_unit_test(test_eight_slots_no_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
