/* Tests for hw/plic: priorities, thresholds, claim/complete, context masking. */
#include "test_hw_util.h"

#include "hw/plic.h"

#define P VIRT_PLIC_BASE
#define MEIP 11
#define SEIP 9
#define PRIO(i) (P + PLIC_PRIORITY_BASE + 4 * (i))
#define ENABLE(ctx) (P + PLIC_ENABLE_BASE + PLIC_ENABLE_STRIDE * (ctx))
#define THRESH(ctx) (P + PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * (ctx))
#define CLAIM(ctx) (THRESH(ctx) + 4)

typedef struct Fixture {
    TestBoard *tb;
    FakeIrq irq;
    Plic *p;
} Fixture;

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof(*f));
    f->tb = test_board_new();
    IrqLine out[2] = { irq_line(fake_irq_set, &f->irq, MEIP), irq_line(fake_irq_set, &f->irq, SEIP) };
    f->p = plic_create(&f->tb->b, "plic", P, 2, out, NULL);
    assert_non_null(f->p);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    plic_free(f->p);
    test_board_free(f->tb);
    free(f);
    return 0;
}

static void src(Fixture *f, int n, bool level)
{
    irq_set(plic_irq_line(f->p, n), level);
}

static void test_priority_zero_never_interrupts(void **state)
{
    Fixture *f = *state;
    wr(f->tb, ENABLE(0), 4, 1u << 10);
    src(f, 10, true);
    assert_int_equal(rd(f->tb, P + PLIC_PENDING_BASE, 4), 1u << 10);
    assert_false(f->irq.level[MEIP]);        /* priority 0 */
    assert_int_equal(rd(f->tb, CLAIM(0), 4), 0);
    wr(f->tb, PRIO(10), 4, 1);
    assert_true(f->irq.level[MEIP]);
    assert_false(f->irq.level[SEIP]);        /* not enabled for S */
}

static void test_threshold(void **state)
{
    Fixture *f = *state;
    wr(f->tb, PRIO(5), 4, 3);
    wr(f->tb, ENABLE(1), 4, 1u << 5);
    src(f, 5, true);
    assert_true(f->irq.level[SEIP]);
    wr(f->tb, THRESH(1), 4, 3);               /* priority must exceed the threshold */
    assert_false(f->irq.level[SEIP]);
    wr(f->tb, THRESH(1), 4, 2);
    assert_true(f->irq.level[SEIP]);
    wr(f->tb, PRIO(5), 4, 0xff);              /* WARL: 3 bits */
    assert_int_equal(rd(f->tb, PRIO(5), 4), 7);
}

static void test_claim_order_and_complete(void **state)
{
    Fixture *f = *state;
    wr(f->tb, PRIO(3), 4, 2);
    wr(f->tb, PRIO(4), 4, 5);
    wr(f->tb, PRIO(7), 4, 5);
    wr(f->tb, ENABLE(0), 4, (1u << 3) | (1u << 4) | (1u << 7));
    src(f, 3, true);
    src(f, 4, true);
    src(f, 7, true);
    /* Highest priority first; ties go to the lowest id. */
    assert_int_equal(rd(f->tb, CLAIM(0), 4), 4);
    assert_int_equal(rd(f->tb, CLAIM(0), 4), 7);
    assert_int_equal(rd(f->tb, CLAIM(0), 4), 3);
    assert_int_equal(rd(f->tb, CLAIM(0), 4), 0);
    assert_false(f->irq.level[MEIP]);
    /* Claimed sources do not re-pend until completed. */
    src(f, 4, false);
    src(f, 4, true);
    assert_int_equal(rd(f->tb, CLAIM(0), 4), 0);
    /* Completing with the line still high makes it pending again. */
    wr(f->tb, CLAIM(0), 4, 4);
    assert_true(f->irq.level[MEIP]);
    assert_int_equal(rd(f->tb, CLAIM(0), 4), 4);
    /* Completing after the line dropped leaves it idle. */
    src(f, 7, false);
    wr(f->tb, CLAIM(0), 4, 7);
    assert_int_equal(rd(f->tb, P + PLIC_PENDING_BASE, 4) & (1u << 7), 0);
}

static void test_complete_needs_enable(void **state)
{
    Fixture *f = *state;
    wr(f->tb, PRIO(2), 4, 1);
    wr(f->tb, ENABLE(0), 4, 1u << 2);
    src(f, 2, true);
    assert_int_equal(rd(f->tb, CLAIM(0), 4), 2);
    /* Completion through a context where the source is not enabled is ignored. */
    wr(f->tb, CLAIM(1), 4, 2);
    assert_int_equal(rd(f->tb, CLAIM(0), 4), 0);
    wr(f->tb, CLAIM(0), 4, 2);
    assert_int_equal(rd(f->tb, CLAIM(0), 4), 2);
}

static void test_context_masking(void **state)
{
    Fixture *f = *state;
    wr(f->tb, PRIO(10), 4, 1);
    wr(f->tb, PRIO(11), 4, 1);
    wr(f->tb, ENABLE(0), 4, 1u << 10);
    wr(f->tb, ENABLE(1), 4, 1u << 11);
    src(f, 11, true);
    assert_false(f->irq.level[MEIP]);
    assert_true(f->irq.level[SEIP]);
    assert_int_equal(rd(f->tb, CLAIM(0), 4), 0);
    assert_int_equal(rd(f->tb, CLAIM(1), 4), 11);
    assert_false(f->irq.level[SEIP]);
    /* Source 0 does not exist and the bits above ndev stay zero. */
    wr(f->tb, ENABLE(0), 4, 0xffffffff);
    assert_int_equal(rd(f->tb, ENABLE(0), 4), 0xfffffffe);
    wr(f->tb, ENABLE(0) + 12, 4, 0xffffffff);
    assert_int_equal(rd(f->tb, ENABLE(0) + 12, 4), 1);   /* source 96 only */
}

static void test_pending_follows_level(void **state)
{
    Fixture *f = *state;
    src(f, 96, true);
    assert_int_equal(rd(f->tb, P + PLIC_PENDING_BASE + 12, 4), 1);
    wr(f->tb, P + PLIC_PENDING_BASE + 12, 4, 0);   /* read-only */
    assert_int_equal(rd(f->tb, P + PLIC_PENDING_BASE + 12, 4), 1);
    src(f, 96, false);
    assert_int_equal(rd(f->tb, P + PLIC_PENDING_BASE + 12, 4), 0);
}

static void test_vmstate_round_trip(void **state)
{
    Fixture *f = *state;
    wr(f->tb, PRIO(10), 4, 6);
    wr(f->tb, ENABLE(1), 4, 1u << 10);
    wr(f->tb, THRESH(0), 4, 2);
    src(f, 10, true);
    assert_vmstate_round_trip(f->tb);
    assert_true(f->irq.level[SEIP]);
    assert_int_equal(rd(f->tb, CLAIM(1), 4), 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_priority_zero_never_interrupts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threshold, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claim_order_and_complete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_complete_needs_enable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_context_masking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pending_follows_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vmstate_round_trip, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
