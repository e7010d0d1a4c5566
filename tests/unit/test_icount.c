/* Tests for sim/icount: option parsing, exact budgets, warps, overflow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sim/icount/icount.h"

typedef struct FakeHart {
    uint64_t steps;
} FakeHart;

static uint64_t fake_steps(void *opaque)
{
    return ((FakeHart *)opaque)->steps;
}

typedef struct Fixture {
    Loop *loop;
    FakeHart hart;
    Icount *ic;
} Fixture;

static Fixture *fixture_new(int shift)
{
    Fixture *f = calloc(1, sizeof(*f));
    f->loop = loop_new(NULL);
    assert_non_null(f->loop);
    IcountOptions o;
    icount_options_init(&o);
    o.shift = shift;
    f->ic = icount_new(f->loop, &o, fake_steps, &f->hart, NULL);
    assert_non_null(f->ic);
    return f;
}

static void fixture_free(Fixture *f)
{
    icount_free(f->ic);
    loop_free(f->loop);
    free(f);
}

/* ---- options ---- */

static ErrorClass parse_fails(const char *spec, const char *must_mention)
{
    IcountOptions o;
    icount_options_init(&o);
    Error *err = NULL;
    assert_false(icount_options_parse(&o, spec, &err));
    assert_non_null(err);
    if (must_mention) {
        assert_non_null(strstr(error_get_message(err), must_mention));
    }
    ErrorClass cls = error_get_class(err);
    error_free(err);
    icount_options_free(&o);
    return cls;
}

static void test_options_defaults(void **state)
{
    IcountOptions o;
    icount_options_init(&o);
    assert_int_equal(o.shift, ICOUNT_DEFAULT_SHIFT);
    assert_false(o.sleep);
    assert_false(o.align);
    assert_int_equal(o.rr, ICOUNT_RR_NONE);
    assert_true(icount_options_parse(&o, "", NULL));
    assert_int_equal(o.shift, 0);
    icount_options_free(&o);
}

static void test_options_full(void **state)
{
    IcountOptions o;
    icount_options_init(&o);
    assert_true(icount_options_parse(
        &o, "shift=7,sleep=on,align=yes,rr=record,rrfile=/tmp/x.rr,rrsnapshot=init", NULL));
    assert_int_equal(o.shift, 7);
    assert_false(o.shift_auto);
    assert_true(o.sleep);
    assert_true(o.align);
    assert_int_equal(o.rr, ICOUNT_RR_RECORD);
    assert_string_equal(o.rrfile, "/tmp/x.rr");
    assert_string_equal(o.rrsnapshot, "init");
    assert_int_equal(o.rrcheckpoint, ICOUNT_DEFAULT_CHECKPOINT);
    assert_false(o.rrcorrupt_set);
    assert_true(icount_options_parse(&o, "rr=replay,rrcheckpoint=0,rrcorrupt=18446744073709551615",
                                     NULL));
    assert_int_equal(o.rrcheckpoint, 0);
    assert_true(o.rrcorrupt_set);
    assert_int_equal(o.rrcorrupt, UINT64_MAX);
    char *c = icount_options_canonical(&o);
    assert_string_equal(c, "shift=7,sleep=on");   /* align and rr* are not guest visible */
    free(c);
    icount_options_free(&o);
}

static void test_options_bare_and_auto(void **state)
{
    IcountOptions o;
    icount_options_init(&o);
    assert_true(icount_options_parse(&o, "4", NULL));
    assert_int_equal(o.shift, 4);
    assert_true(icount_options_parse(&o, "auto,sleep=off", NULL));
    assert_true(o.shift_auto);
    assert_int_equal(o.shift, ICOUNT_AUTO_SHIFT);
    char *c = icount_options_canonical(&o);
    assert_string_equal(c, "shift=3,sleep=off");
    free(c);
    /* A later key overrides an earlier one. */
    assert_true(icount_options_parse(&o, "shift=2,shift=10,rr=replay,rrfile=a,rrfile=b", NULL));
    assert_int_equal(o.shift, 10);
    assert_false(o.shift_auto);
    assert_int_equal(o.rr, ICOUNT_RR_REPLAY);
    assert_string_equal(o.rrfile, "b");
    icount_options_free(&o);
}

static void test_options_errors(void **state)
{
    assert_int_equal(parse_fails("shift=11", "shift"), ERR_USAGE);
    assert_int_equal(parse_fails("shift=-1", "shift"), ERR_USAGE);
    assert_int_equal(parse_fails("shift=3x", "3x"), ERR_USAGE);
    assert_int_equal(parse_fails("shift=", "shift"), ERR_USAGE);
    assert_int_equal(parse_fails("shift=0x3", "shift"), ERR_USAGE);
    assert_int_equal(parse_fails("100", "shift"), ERR_USAGE);
    assert_int_equal(parse_fails("sleep=maybe", "sleep"), ERR_USAGE);
    assert_int_equal(parse_fails("align=1", "align"), ERR_USAGE);
    assert_int_equal(parse_fails("frobnicate=1", "frobnicate"), ERR_USAGE);
    assert_int_equal(parse_fails("rr=play,rrfile=x", "rr"), ERR_USAGE);
    assert_int_equal(parse_fails("rr=record", "rrfile"), ERR_USAGE);
    assert_int_equal(parse_fails("rrfile=x", "rr="), ERR_USAGE);
    assert_int_equal(parse_fails("rrsnapshot=s", "rrsnapshot"), ERR_USAGE);
    assert_int_equal(parse_fails("shift=1,,sleep=on", "empty"), ERR_USAGE);
    assert_int_equal(parse_fails("shift=1,", "empty"), ERR_USAGE);
    assert_int_equal(parse_fails("shift=1,sleep", "sleep"), ERR_USAGE);
    assert_int_equal(parse_fails("rr=record,rrfile=", "rrfile"), ERR_USAGE);
    assert_int_equal(parse_fails("rr=replay,rrfile=x,rrcheckpoint=1k", "rrcheckpoint"), ERR_USAGE);
    assert_int_equal(parse_fails("rr=replay,rrfile=x,rrcheckpoint=99999999999999999999",
                                 "rrcheckpoint"), ERR_USAGE);
    assert_int_equal(parse_fails("rr=record,rrfile=x,rrcorrupt=5", "replay-only"), ERR_USAGE);
}

/* ---- clock and budgets ---- */

static void test_virtual_ns(void **state)
{
    Fixture *f = fixture_new(3);
    f->hart.steps = 1000;
    assert_int_equal(icount_virtual_ns(f->ic), 8000);
    assert_int_equal(loop_clock_ns(f->loop, CLOCK_VIRTUAL), 8000);
    icount_warp(f->ic, 5);
    assert_int_equal(icount_virtual_ns(f->ic), 8005);
    assert_int_equal(icount_get_bias(f->ic), 5);
    icount_warp(f->ic, -7);   /* never backwards */
    assert_int_equal(icount_virtual_ns(f->ic), 8005);
    fixture_free(f);
}

/* The defining property: n steps make the deadline due, n-1 do not. */
static void check_budget(Fixture *f, int shift, int64_t bias, uint64_t steps, int64_t deadline)
{
    f->hart.steps = steps;
    icount_set_bias(f->ic, bias);
    uint64_t n = icount_budget(f->ic, deadline, UINT64_MAX);
    __int128 at_n = ((__int128)(steps + n) << shift) + bias;
    assert_true(at_n >= deadline);
    if (n > 0) {
        __int128 before = ((__int128)(steps + n - 1) << shift) + bias;
        assert_true(before < deadline);
    }
}

static void test_budget_exact_all_shifts(void **state)
{
    static const int64_t biases[] = { 0, 1, 7, 1000003, 123456789012LL };
    for (int shift = 0; shift <= ICOUNT_MAX_SHIFT; shift++) {
        Fixture *f = fixture_new(shift);
        assert_int_equal(icount_shift(f->ic), shift);
        for (size_t b = 0; b < sizeof(biases) / sizeof(biases[0]); b++) {
            for (uint64_t steps = 0; steps < 40; steps += 3) {
                int64_t now = ((int64_t)steps << shift) + biases[b];
                for (int64_t d = now - 3; d < now + (5LL << shift) + 3; d++) {
                    if (d < 0) {
                        continue;   /* negative = no deadline */
                    }
                    check_budget(f, shift, biases[b], steps, d);
                }
                check_budget(f, shift, biases[b], steps, now + 1000000007LL);
            }
        }
        fixture_free(f);
    }
}

static void test_budget_concrete(void **state)
{
    Fixture *f = fixture_new(2);   /* 4 ns per step */
    f->hart.steps = 10;            /* now = 40 + bias */
    icount_set_bias(f->ic, 3);     /* now = 43 */
    assert_int_equal(icount_budget(f->ic, 43, 100), 0);   /* due now */
    assert_int_equal(icount_budget(f->ic, 10, 100), 0);   /* overdue */
    assert_int_equal(icount_budget(f->ic, 44, 100), 1);   /* 47 >= 44 */
    assert_int_equal(icount_budget(f->ic, 47, 100), 1);
    assert_int_equal(icount_budget(f->ic, 48, 100), 2);
    assert_int_equal(icount_budget(f->ic, 51, 100), 2);
    assert_int_equal(icount_budget(f->ic, 52, 100), 3);
    assert_int_equal(icount_budget(f->ic, 52, 2), 2);     /* capped */
    assert_int_equal(icount_budget(f->ic, -1, 77), 77);   /* no deadline */
    fixture_free(f);
}

static void test_budget_overflow(void **state)
{
    Fixture *f = fixture_new(10);
    /* Far deadline, small now: the difference needs all 63 bits. */
    f->hart.steps = 0;
    uint64_t n = icount_budget(f->ic, INT64_MAX, UINT64_MAX);
    assert_int_equal(n, ((uint64_t)INT64_MAX >> 10) + 1);
    /* Steps so large that steps << shift overflows: the clock saturates and
     * nothing is pending any more, never a wrapped small value. */
    f->hart.steps = UINT64_MAX - 5;
    assert_int_equal(icount_virtual_ns(f->ic), INT64_MAX);
    assert_int_equal(icount_budget(f->ic, INT64_MAX - 1, 1000), 0);
    /* Bias near the top saturates too. */
    fixture_free(f);
    f = fixture_new(0);
    f->hart.steps = 100;
    icount_set_bias(f->ic, INT64_MAX - 50);
    assert_int_equal(icount_virtual_ns(f->ic), INT64_MAX);
    icount_warp(f->ic, INT64_MAX);
    assert_int_equal(icount_get_bias(f->ic), INT64_MAX);
    assert_int_equal(icount_virtual_ns(f->ic), INT64_MAX);
    fixture_free(f);
}

static void timer_noop(void *opaque)
{
}

static void test_deadline_warp(void **state)
{
    Fixture *f = fixture_new(1);
    Timer t;
    timer_init(&t, f->loop, CLOCK_VIRTUAL, timer_noop, NULL);
    assert_int_equal(icount_time_to_deadline(f->ic), -1);
    assert_int_equal(icount_warp_to_deadline(f->ic), -1);
    assert_int_equal(icount_budget_to_deadline(f->ic, 99), 99);
    f->hart.steps = 50;   /* 100 ns */
    timer_mod(&t, 1001);
    assert_int_equal(icount_budget_to_deadline(f->ic, UINT64_MAX), 451);   /* 50+451 = 501 -> 1002 */
    assert_int_equal(icount_time_to_deadline(f->ic), 901);
    assert_int_equal(icount_warp_to_deadline(f->ic), 901);
    assert_int_equal(icount_virtual_ns(f->ic), 1001);
    assert_int_equal(icount_budget_to_deadline(f->ic, 10), 0);
    assert_int_equal(icount_warp_to_deadline(f->ic), 0);   /* already due */
    assert_true(loop_run_timers(f->loop, CLOCK_VIRTUAL));
    timer_del(&t);
    fixture_free(f);
}

static void test_auto_shift_fixed(void **state)
{
    Loop *l = loop_new(NULL);
    FakeHart h = { .steps = 5 };
    IcountOptions o;
    icount_options_init(&o);
    assert_true(icount_options_parse(&o, "shift=auto", NULL));
    Icount *ic = icount_new(l, &o, fake_steps, &h, NULL);
    assert_int_equal(icount_shift(ic), ICOUNT_AUTO_SHIFT);
    assert_int_equal(icount_virtual_ns(ic), 5 << ICOUNT_AUTO_SHIFT);
    assert_int_equal(icount_align_delay(ic), 0);   /* align off */
    icount_free(ic);
    /* The loop keeps the last value rather than calling a freed source. */
    assert_int_equal(loop_clock_ns(l, CLOCK_VIRTUAL), 5 << ICOUNT_AUTO_SHIFT);
    icount_options_free(&o);
    loop_free(l);
}

static void test_align_delay(void **state)
{
    Loop *l = loop_new(NULL);
    FakeHart h = { .steps = 0 };
    IcountOptions o;
    icount_options_init(&o);
    o.align = true;
    Icount *ic = icount_new(l, &o, fake_steps, &h, NULL);
    assert_int_equal(icount_align_delay(ic), 0);   /* sets the reference */
    /* Jump 10 s of guest time ahead: the host is asked to wait ~10 s. */
    icount_warp(ic, 10 * NS_PER_SEC);
    int64_t d = icount_align_delay(ic);
    assert_true(d > 9 * NS_PER_SEC && d <= 10 * NS_PER_SEC);
    icount_free(ic);
    icount_options_free(&o);
    loop_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_defaults),
        cmocka_unit_test(test_options_full),
        cmocka_unit_test(test_options_bare_and_auto),
        cmocka_unit_test(test_options_errors),
        cmocka_unit_test(test_virtual_ns),
        cmocka_unit_test(test_budget_exact_all_shifts),
        cmocka_unit_test(test_budget_concrete),
        cmocka_unit_test(test_budget_overflow),
        cmocka_unit_test(test_deadline_warp),
        cmocka_unit_test(test_auto_shift_fixed),
        cmocka_unit_test(test_align_delay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
