/* Tests for hw/pvpanic: QEMU's pvpanic-mmio register, the panic request,
 * and its state through save -> load -> save. */
#include "test_hw_util.h"

#include "hw/pvpanic.h"

#define P VIRT_PVPANIC_BASE

static void test_capabilities_and_panic(void **state)
{
    TestBoard *tb = test_board_new();
    Pvpanic *p = pvpanic_create(&tb->b, "pvpanic", P, NULL);
    /* The driver masks its events with what a read reports. */
    assert_int_equal(rd(tb, P, 1), PVPANIC_PANICKED | PVPANIC_CRASH_LOADED);
    assert_int_equal(rd(tb, P + 1, 1), 0);
    /* A crash kernel loaded: noted, the run goes on. */
    wr(tb, P, 1, PVPANIC_CRASH_LOADED);
    assert_false(loop_shutdown_requested(tb->loop));
    assert_int_equal(pvpanic_events(p), PVPANIC_CRASH_LOADED);
    /* Other offsets and unknown bits are ignored. */
    wr(tb, P + 1, 1, PVPANIC_PANICKED);
    wr(tb, P, 1, 0xfc);
    assert_false(loop_shutdown_requested(tb->loop));
    wr(tb, P, 1, PVPANIC_PANICKED);
    int code = -1;
    assert_int_equal(loop_take_shutdown(tb->loop, &code), SHUTDOWN_GUEST_PANIC);
    assert_int_equal(pvpanic_events(p), PVPANIC_PANICKED | PVPANIC_CRASH_LOADED);
    pvpanic_reset(p);
    assert_int_equal(pvpanic_events(p), 0);
    pvpanic_free(p);
    test_board_free(tb);
}

static void test_vmstate_roundtrip(void **state)
{
    TestBoard *tb = test_board_new();
    Pvpanic *p = pvpanic_create(&tb->b, "pvpanic", P, NULL);
    wr(tb, P, 1, PVPANIC_CRASH_LOADED);
    assert_int_equal(tb->vms.n, 1);
    VMBuf a, b;
    vmbuf_init(&a);
    vmbuf_init(&b);
    vmstate_save_all(&tb->vms, &a);
    pvpanic_reset(p);
    assert_true(vmstate_load_all(&tb->vms, a.data, a.len, NULL));
    assert_int_equal(pvpanic_events(p), PVPANIC_CRASH_LOADED);
    vmstate_save_all(&tb->vms, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    /* Bits the device does not have are refused at load. */
    a.data[a.len - 1] = 0x80;
    Error *err = NULL;
    assert_false(vmstate_load_all(&tb->vms, a.data, a.len, &err));
    assert_non_null(err);
    error_free(err);
    vmbuf_free(&a);
    vmbuf_free(&b);
    pvpanic_free(p);
    test_board_free(tb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capabilities_and_panic),
        cmocka_unit_test(test_vmstate_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
