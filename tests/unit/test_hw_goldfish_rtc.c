/* Tests for hw/goldfish_rtc: time only from the hook, guest offset, virtual-time alarm. */
#include "test_hw_util.h"

#include "hw/goldfish_rtc.h"

#define R VIRT_RTC_BASE
#define IRQ_N 11

typedef struct Fixture {
    TestBoard *tb;
    FakeIrq irq;
    GoldfishRtc *rtc;
    int64_t host_ns;
    int hook_calls;
} Fixture;

static int64_t fake_host(void *opaque)
{
    Fixture *f = opaque;
    f->hook_calls++;
    return f->host_ns;
}

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof(*f));
    f->tb = test_board_new();
    f->host_ns = 1700000000ll * NS_PER_SEC + 123;
    f->rtc = goldfish_rtc_create(&f->tb->b, "rtc", R, irq_line(fake_irq_set, &f->irq, IRQ_N),
                                 fake_host, f, NULL);
    assert_non_null(f->rtc);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    goldfish_rtc_free(f->rtc);
    test_board_free(f->tb);
    free(f);
    return 0;
}

static uint64_t read_time(Fixture *f)
{
    uint64_t lo = rd(f->tb, R + GOLDFISH_RTC_TIME_LOW, 4);
    uint64_t hi = rd(f->tb, R + GOLDFISH_RTC_TIME_HIGH, 4);
    return hi << 32 | lo;
}

static void test_time_from_hook(void **state)
{
    Fixture *f = *state;
    int before = f->hook_calls;
    assert_int_equal(read_time(f), (uint64_t)f->host_ns);
    assert_int_equal(f->hook_calls - before, 1);    /* one hook call per TIME_LOW/HIGH pair */
    /* TIME_HIGH is latched by TIME_LOW, not re-read. */
    rd(f->tb, R + GOLDFISH_RTC_TIME_LOW, 4);
    f->host_ns += 10ll << 32;
    assert_int_equal(rd(f->tb, R + GOLDFISH_RTC_TIME_HIGH, 4), (uint64_t)(f->host_ns - (10ll << 32)) >> 32);
}

static void test_set_time_is_an_offset(void **state)
{
    Fixture *f = *state;
    uint64_t want = 5ull * NS_PER_SEC;
    wr(f->tb, R + GOLDFISH_RTC_TIME_HIGH, 4, want >> 32);
    wr(f->tb, R + GOLDFISH_RTC_TIME_LOW, 4, (uint32_t)want);
    assert_int_equal(read_time(f), want);
    f->host_ns += 1000;
    assert_int_equal(read_time(f), want + 1000);
}

static void test_alarm_in_virtual_time(void **state)
{
    Fixture *f = *state;
    test_board_advance_to(f->tb, 1000);
    uint64_t alarm = (uint64_t)f->host_ns + 5000;
    wr(f->tb, R + GOLDFISH_RTC_IRQ_ENABLED, 4, 1);
    wr(f->tb, R + GOLDFISH_RTC_ALARM_HIGH, 4, alarm >> 32);
    wr(f->tb, R + GOLDFISH_RTC_ALARM_LOW, 4, (uint32_t)alarm);
    assert_int_equal(rd(f->tb, R + GOLDFISH_RTC_ALARM_STATUS, 4), 1);
    assert_int_equal(loop_deadline_ns(f->tb->loop, CLOCK_VIRTUAL), 6000);
    /* Host time passing does not fire it; virtual time does. */
    f->host_ns += 1000000;
    test_board_advance_to(f->tb, 5999);
    assert_false(f->irq.level[IRQ_N]);
    test_board_advance_to(f->tb, 6000);
    assert_true(f->irq.level[IRQ_N]);
    assert_int_equal(rd(f->tb, R + GOLDFISH_RTC_ALARM_STATUS, 4), 0);
    wr(f->tb, R + GOLDFISH_RTC_CLEAR_INTERRUPT, 4, 1);
    assert_false(f->irq.level[IRQ_N]);
}

static void test_alarm_past_and_masked(void **state)
{
    Fixture *f = *state;
    uint64_t past = (uint64_t)f->host_ns - 1;
    wr(f->tb, R + GOLDFISH_RTC_ALARM_HIGH, 4, past >> 32);
    wr(f->tb, R + GOLDFISH_RTC_ALARM_LOW, 4, (uint32_t)past);
    assert_false(f->irq.level[IRQ_N]);              /* pending but not enabled */
    wr(f->tb, R + GOLDFISH_RTC_IRQ_ENABLED, 4, 1);
    assert_true(f->irq.level[IRQ_N]);
    /* CLEAR_ALARM cancels an armed alarm. */
    wr(f->tb, R + GOLDFISH_RTC_CLEAR_INTERRUPT, 4, 1);
    uint64_t later = (uint64_t)f->host_ns + 100;
    wr(f->tb, R + GOLDFISH_RTC_ALARM_LOW, 4, (uint32_t)later);
    assert_int_equal(rd(f->tb, R + GOLDFISH_RTC_ALARM_STATUS, 4), 1);
    wr(f->tb, R + GOLDFISH_RTC_CLEAR_ALARM, 4, 1);
    assert_int_equal(loop_deadline_ns(f->tb->loop, CLOCK_VIRTUAL), -1);
}

static void test_vmstate_round_trip(void **state)
{
    Fixture *f = *state;
    wr(f->tb, R + GOLDFISH_RTC_TIME_LOW, 4, 77);
    uint64_t alarm = read_time(f) + 300;
    wr(f->tb, R + GOLDFISH_RTC_IRQ_ENABLED, 4, 1);
    wr(f->tb, R + GOLDFISH_RTC_ALARM_HIGH, 4, alarm >> 32);
    wr(f->tb, R + GOLDFISH_RTC_ALARM_LOW, 4, (uint32_t)alarm);
    assert_vmstate_round_trip(f->tb);
    assert_int_equal(loop_deadline_ns(f->tb->loop, CLOCK_VIRTUAL), 300);
    test_board_advance_to(f->tb, 300);
    assert_true(f->irq.level[IRQ_N]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_time_from_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_time_is_an_offset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alarm_in_virtual_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alarm_past_and_masked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vmstate_round_trip, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
