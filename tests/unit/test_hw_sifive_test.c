/* Tests for hw/sifive_test: poweroff/fail/reset requests reach the loop. */
#include "test_hw_util.h"

#include "hw/sifive_test.h"

#define T VIRT_TEST_BASE

static void test_pass(void **state)
{
    TestBoard *tb = test_board_new();
    SifiveTest *t = sifive_test_create(&tb->b, "test", T, NULL);
    assert_false(loop_shutdown_requested(tb->loop));
    wr(tb, T, 4, 0x5555);
    int code = -1;
    assert_int_equal(loop_take_shutdown(tb->loop, &code), SHUTDOWN_GUEST_POWEROFF);
    assert_int_equal(code, 0);
    sifive_test_free(t);
    test_board_free(tb);
}

static void test_fail_with_code(void **state)
{
    TestBoard *tb = test_board_new();
    SifiveTest *t = sifive_test_create(&tb->b, "test", T, NULL);
    wr(tb, T, 4, 0x3333 | (42u << 16));
    int code = -1;
    assert_int_equal(loop_take_shutdown(tb->loop, &code), SHUTDOWN_GUEST_POWEROFF);
    assert_int_equal(code, 42);
    sifive_test_free(t);
    test_board_free(tb);
}

static void test_reset_and_ignored(void **state)
{
    TestBoard *tb = test_board_new();
    SifiveTest *t = sifive_test_create(&tb->b, "test", T, NULL);
    wr(tb, T, 4, 0x1234);                  /* unknown: ignored */
    wr(tb, T + 4, 4, 0x5555);              /* other offsets: ignored */
    assert_false(loop_shutdown_requested(tb->loop));
    assert_false(loop_take_reset(tb->loop));
    wr(tb, T, 4, 0x7777);
    assert_true(loop_take_reset(tb->loop));
    assert_false(loop_shutdown_requested(tb->loop));
    assert_int_equal(rd(tb, T, 4), 0);
    /* No state of its own: nothing registered. */
    assert_int_equal(tb->vms.n, 0);
    sifive_test_free(t);
    test_board_free(tb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pass),
        cmocka_unit_test(test_fail_with_code),
        cmocka_unit_test(test_reset_and_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
