/* Tests for hw/clint: mtime from CLOCK_VIRTUAL, exact mtimecmp deadlines, msip. */
#include "test_hw_util.h"

#include "hw/clint.h"

#define C VIRT_CLINT_BASE
#define MSIP_N 3
#define MTIP_N 7
#define STIP_N 5

typedef struct Fixture {
    TestBoard *tb;
    FakeIrq irq;
    Clint *c;
} Fixture;

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof(*f));
    f->tb = test_board_new();
    IrqLine msip = irq_line(fake_irq_set, &f->irq, MSIP_N);
    IrqLine mtip = irq_line(fake_irq_set, &f->irq, MTIP_N);
    IrqLine stip = irq_line(fake_irq_set, &f->irq, STIP_N);
    f->c = clint_create(&f->tb->b, "clint", C, 1, &msip, &mtip, &stip, NULL);
    assert_non_null(f->c);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    clint_free(f->c);
    test_board_free(f->tb);
    free(f);
    return 0;
}

static void test_mtime_follows_virtual_clock(void **state)
{
    Fixture *f = *state;
    loop_set_virtual_ns(f->tb->loop, 0);
    assert_int_equal(rd(f->tb, C + CLINT_MTIME_OFF, 8), 0);
    loop_set_virtual_ns(f->tb->loop, 99);
    assert_int_equal(rd(f->tb, C + CLINT_MTIME_OFF, 8), 0);
    loop_set_virtual_ns(f->tb->loop, 100);
    assert_int_equal(rd(f->tb, C + CLINT_MTIME_OFF, 8), 1);
    loop_set_virtual_ns(f->tb->loop, 123456789);
    assert_int_equal(rd(f->tb, C + CLINT_MTIME_OFF, 8), 1234567);
    assert_int_equal(clint_mtime(f->c), 1234567);
    /* 32-bit halves */
    loop_set_virtual_ns(f->tb->loop, (int64_t)0x123456789ull * 100);
    assert_int_equal(rd(f->tb, C + CLINT_MTIME_OFF, 4), 0x23456789);
    assert_int_equal(rd(f->tb, C + CLINT_MTIME_OFF + 4, 4), 0x1);
}

static void test_mtimecmp_fires_at_exact_ns(void **state)
{
    Fixture *f = *state;
    test_board_advance_to(f->tb, 450);     /* mtime = 4 */
    wr(f->tb, C + CLINT_MTIMECMP_OFF, 8, 7);
    assert_false(f->irq.level[MTIP_N]);
    /* First ns with floor(ns/100) >= 7 is 700. */
    assert_int_equal(loop_deadline_ns(f->tb->loop, CLOCK_VIRTUAL), 700);
    test_board_advance_to(f->tb, 699);
    assert_false(f->irq.level[MTIP_N]);
    test_board_advance_to(f->tb, 700);
    assert_true(f->irq.level[MTIP_N]);
    assert_int_equal(loop_deadline_ns(f->tb->loop, CLOCK_VIRTUAL), -1);
    /* Moving mtimecmp ahead lowers MTIP and re-arms. */
    wr(f->tb, C + CLINT_MTIMECMP_OFF, 8, 1000);
    assert_false(f->irq.level[MTIP_N]);
    assert_int_equal(loop_deadline_ns(f->tb->loop, CLOCK_VIRTUAL), 100000);
    /* A compare value in the past raises at once. */
    wr(f->tb, C + CLINT_MTIMECMP_OFF, 8, 3);
    assert_true(f->irq.level[MTIP_N]);
}

static void test_mtimecmp_halves(void **state)
{
    Fixture *f = *state;
    wr(f->tb, C + CLINT_MTIMECMP_OFF + 4, 4, 0);   /* high half first, as OpenSBI on RV32 */
    wr(f->tb, C + CLINT_MTIMECMP_OFF, 4, 50);
    assert_int_equal(rd(f->tb, C + CLINT_MTIMECMP_OFF, 8), 50);
    assert_int_equal(loop_deadline_ns(f->tb->loop, CLOCK_VIRTUAL), 5000);
    /* The reset value never fires. */
    wr(f->tb, C + CLINT_MTIMECMP_OFF, 8, UINT64_MAX);
    assert_int_equal(loop_deadline_ns(f->tb->loop, CLOCK_VIRTUAL), -1);
    assert_false(f->irq.level[MTIP_N]);
}

static void test_mtime_write(void **state)
{
    Fixture *f = *state;
    test_board_advance_to(f->tb, 1000);    /* mtime 10 */
    wr(f->tb, C + CLINT_MTIME_OFF, 8, 1000);
    assert_int_equal(rd(f->tb, C + CLINT_MTIME_OFF, 8), 1000);
    test_board_advance_to(f->tb, 1250);
    assert_int_equal(rd(f->tb, C + CLINT_MTIME_OFF, 8), 1002);
    wr(f->tb, C + CLINT_MTIMECMP_OFF, 8, 1005);   /* 3 ticks ahead: ns 1500 */
    assert_int_equal(loop_deadline_ns(f->tb->loop, CLOCK_VIRTUAL), 1500);
}

static void test_msip(void **state)
{
    Fixture *f = *state;
    wr(f->tb, C + CLINT_MSIP_OFF, 4, 1);
    assert_true(f->irq.level[MSIP_N]);
    assert_int_equal(rd(f->tb, C + CLINT_MSIP_OFF, 4), 1);
    wr(f->tb, C + CLINT_MSIP_OFF, 4, 0xfffffffe);   /* only bit 0 is writable */
    assert_false(f->irq.level[MSIP_N]);
    assert_int_equal(rd(f->tb, C + CLINT_MSIP_OFF, 4), 0);
    /* Byte accesses are refused by the bus. */
    uint64_t v;
    assert_int_equal(mem_read(&f->tb->as, C, 1, &v), MEM_ERR_SIZE);
}

/* mtime written near 2^64 wraps; a compare beyond the wrap point still
 * fires exactly once, and one the counter has wrapped past is simply later
 * (the timer is never armed in the past, which would re-fire for ever). */
static void test_mtime_wraps(void **state)
{
    Fixture *f = *state;
    test_board_advance_to(f->tb, 1000);
    wr(f->tb, C + CLINT_MTIMECMP_OFF, 8, UINT64_MAX);
    wr(f->tb, C + CLINT_MTIME_OFF, 8, UINT64_MAX - 5);    /* 6 ticks before the wrap */
    assert_false(f->irq.level[MTIP_N]);
    assert_int_equal(loop_deadline_ns(f->tb->loop, CLOCK_VIRTUAL), 1500);
    test_board_advance_to(f->tb, 1500);
    assert_true(f->irq.level[MTIP_N]);
    test_board_advance_to(f->tb, 1600);                   /* mtime wrapped to 0 */
    wr(f->tb, C + CLINT_MTIMECMP_OFF, 8, UINT64_MAX);     /* re-evaluated after the wrap */
    assert_int_equal(rd(f->tb, C + CLINT_MTIME_OFF, 8), 0);
    assert_false(f->irq.level[MTIP_N]);
    int64_t d = loop_deadline_ns(f->tb->loop, CLOCK_VIRTUAL);
    assert_true(d == -1 || d > 1600);
    wr(f->tb, C + CLINT_MTIMECMP_OFF, 8, 3);
    assert_int_equal(loop_deadline_ns(f->tb->loop, CLOCK_VIRTUAL), 1900);
}

/* Sstc: STIP follows the hart's stimecmp on the same mtime, only while
 * menvcfg.STCE is set; mtimecmp is independent. */
static void test_sstc_compare(void **state)
{
    Fixture *f = *state;
    test_board_advance_to(f->tb, 450);     /* mtime = 4 */
    clint_set_stimecmp(f->c, 0, 9, false);
    assert_int_equal(loop_deadline_ns(f->tb->loop, CLOCK_VIRTUAL), -1);
    clint_set_stimecmp(f->c, 0, 9, true);
    assert_int_equal(loop_deadline_ns(f->tb->loop, CLOCK_VIRTUAL), 900);
    wr(f->tb, C + CLINT_MTIMECMP_OFF, 8, 6);
    assert_int_equal(loop_deadline_ns(f->tb->loop, CLOCK_VIRTUAL), 600);
    test_board_advance_to(f->tb, 600);
    assert_true(f->irq.level[MTIP_N]);
    assert_false(f->irq.level[STIP_N]);
    test_board_advance_to(f->tb, 899);
    assert_false(f->irq.level[STIP_N]);
    test_board_advance_to(f->tb, 900);
    assert_true(f->irq.level[STIP_N]);
    /* Disabling (STCE cleared) drops the line; a later compare lowers it too. */
    clint_set_stimecmp(f->c, 0, 9, false);
    assert_false(f->irq.level[STIP_N]);
    clint_set_stimecmp(f->c, 0, 20, true);
    assert_false(f->irq.level[STIP_N]);
    assert_int_equal(loop_deadline_ns(f->tb->loop, CLOCK_VIRTUAL), 2000);
    /* Moving mtime forward past it raises STIP at once. */
    wr(f->tb, C + CLINT_MTIME_OFF, 8, 25);
    assert_true(f->irq.level[STIP_N]);
    /* Saved and restored with its timer. */
    clint_set_stimecmp(f->c, 0, 40, true);
    assert_vmstate_round_trip(f->tb);
    assert_false(f->irq.level[STIP_N]);
}

static void test_vmstate_round_trip(void **state)
{
    Fixture *f = *state;
    test_board_advance_to(f->tb, 300);
    wr(f->tb, C + CLINT_MSIP_OFF, 4, 1);
    wr(f->tb, C + CLINT_MTIMECMP_OFF, 8, 42);
    assert_vmstate_round_trip(f->tb);
    assert_int_equal(loop_deadline_ns(f->tb->loop, CLOCK_VIRTUAL), 4200);
    test_board_advance_to(f->tb, 4200);
    assert_true(f->irq.level[MTIP_N]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mtime_follows_virtual_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mtimecmp_fires_at_exact_ns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mtimecmp_halves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mtime_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mtime_wraps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sstc_compare, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vmstate_round_trip, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
