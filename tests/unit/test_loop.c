/* Tests for sim/loop: timer and BH ordering, fd and notifier dispatch, requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <unistd.h>

#include "sim/loop/loop.h"

/* A log of which callbacks ran, in order. */
typedef struct Log {
    int ev[64];
    int n;
} Log;

typedef struct Tag {
    Log *log;
    int id;
    Timer *other;       /* for callbacks that touch another timer */
    int64_t rearm_to;   /* >=0: re-arm self/other to this */
    BH *bh;             /* for BH-from-BH */
    Loop *loop;
} Tag;

static void log_cb(void *opaque)
{
    Tag *t = opaque;
    t->log->ev[t->log->n++] = t->id;
}

static Loop *new_loop(void)
{
    Loop *l = loop_new(NULL);
    assert_non_null(l);
    return l;
}

static void test_timer_deadline_order(void **state)
{
    Loop *l = new_loop();
    Log log = {0};
    Tag tags[3] = { { &log, 1 }, { &log, 2 }, { &log, 3 } };
    Timer t[3];
    for (int i = 0; i < 3; i++) {
        timer_init(&t[i], l, CLOCK_VIRTUAL, log_cb, &tags[i]);
    }
    timer_mod(&t[0], 300);
    timer_mod(&t[1], 100);
    timer_mod(&t[2], 200);
    assert_int_equal(loop_deadline_ns(l, CLOCK_VIRTUAL), 100);
    loop_set_virtual_ns(l, 150);
    assert_true(loop_run_timers(l, CLOCK_VIRTUAL));
    assert_int_equal(log.n, 1);
    assert_int_equal(log.ev[0], 2);
    assert_int_equal(loop_deadline_ns(l, CLOCK_VIRTUAL), 200);
    loop_set_virtual_ns(l, 1000);
    loop_run_timers(l, CLOCK_VIRTUAL);
    assert_int_equal(log.n, 3);
    assert_int_equal(log.ev[1], 3);
    assert_int_equal(log.ev[2], 1);
    assert_int_equal(loop_deadline_ns(l, CLOCK_VIRTUAL), -1);
    assert_false(loop_run_timers(l, CLOCK_VIRTUAL));
    loop_free(l);
}

static void test_timer_equal_deadline_arming_order(void **state)
{
    Loop *l = new_loop();
    Log log = {0};
    enum { N = 8 };
    Tag tags[N];
    Timer t[N];
    /* Arm in a permuted order; equal deadlines must fire in arming order,
     * whatever the timers' addresses. */
    static const int order[N] = { 5, 2, 7, 0, 3, 6, 1, 4 };
    for (int i = 0; i < N; i++) {
        tags[i] = (Tag){ &log, i };
        timer_init(&t[i], l, CLOCK_VIRTUAL, log_cb, &tags[i]);
    }
    for (int i = 0; i < N; i++) {
        timer_mod(&t[order[i]], 500);
    }
    /* Re-arming moves a timer to the back of its deadline group. */
    timer_mod(&t[5], 500);
    loop_set_virtual_ns(l, 500);
    loop_run_timers(l, CLOCK_VIRTUAL);
    static const int expect[N] = { 2, 7, 0, 3, 6, 1, 4, 5 };
    assert_int_equal(log.n, N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(log.ev[i], expect[i]);
    }
    loop_free(l);
}

static void cancel_other_cb(void *opaque)
{
    Tag *t = opaque;
    log_cb(t);
    timer_del(t->other);
}

static void rearm_other_cb(void *opaque)
{
    Tag *t = opaque;
    log_cb(t);
    timer_mod(t->other, t->rearm_to);
}

static void test_timer_cancel_and_rearm_in_callback(void **state)
{
    Loop *l = new_loop();
    Log log = {0};
    Timer a, b, c;
    Tag ta = { &log, 1, &b }, tb = { &log, 2 }, tc = { &log, 3, &c, 400 };
    timer_init(&a, l, CLOCK_VIRTUAL, cancel_other_cb, &ta);
    timer_init(&b, l, CLOCK_VIRTUAL, log_cb, &tb);
    timer_init(&c, l, CLOCK_VIRTUAL, rearm_other_cb, &tc);
    timer_mod(&a, 100);
    timer_mod(&b, 100);  /* cancelled by a before it can fire */
    timer_mod(&c, 100);  /* re-arms itself to 400 */
    loop_set_virtual_ns(l, 100);
    loop_run_timers(l, CLOCK_VIRTUAL);
    assert_int_equal(log.n, 2);
    assert_int_equal(log.ev[0], 1);
    assert_int_equal(log.ev[1], 3);
    assert_false(timer_pending(&b));
    assert_true(timer_pending(&c));
    assert_int_equal(timer_expire_time(&c), 400);
    assert_int_equal(timer_expire_time(&b), -1);

    /* A timer re-armed into the past from a callback fires in the same run. */
    tc.rearm_to = 50;
    Tag td = { &log, 4, &c, 50 };
    Timer d;
    timer_init(&d, l, CLOCK_VIRTUAL, rearm_other_cb, &td);
    timer_del(&c);
    c.opaque = &tb; c.cb = log_cb;   /* c now just logs 2 */
    timer_mod(&d, 90);
    loop_run_timers(l, CLOCK_VIRTUAL);
    assert_int_equal(log.n, 4);
    assert_int_equal(log.ev[2], 4);
    assert_int_equal(log.ev[3], 2);
    loop_free(l);
}

static void test_timer_clocks_are_separate(void **state)
{
    Loop *l = new_loop();
    Log log = {0};
    Tag tv = { &log, 1 }, th = { &log, 2 };
    Timer v, h;
    timer_init(&v, l, CLOCK_VIRTUAL, log_cb, &tv);
    timer_init(&h, l, CLOCK_REALTIME, log_cb, &th);
    timer_mod(&v, 10);
    timer_mod(&h, hostclock_ns(CLOCK_REALTIME) + 3600 * NS_PER_SEC);
    assert_int_equal(loop_deadline_ns(l, CLOCK_VIRTUAL), 10);
    assert_true(loop_deadline_ns(l, CLOCK_REALTIME) > 10);
    assert_int_equal(loop_deadline_ns(l, CLOCK_HOST), -1);
    loop_set_virtual_ns(l, 10);
    assert_true(main_loop_wait(l, true, NULL));
    assert_int_equal(log.n, 1);
    assert_int_equal(log.ev[0], 1);
    assert_true(timer_pending(&h));
    timer_del(&h);
    loop_free(l);
}

static void test_timer_save_restore_keeps_order(void **state)
{
    Loop *l = new_loop();
    Log log = {0};
    Tag ta = { &log, 1 }, tb = { &log, 2 };
    Timer a, b;
    timer_init(&a, l, CLOCK_VIRTUAL, log_cb, &ta);
    timer_init(&b, l, CLOCK_VIRTUAL, log_cb, &tb);
    timer_mod(&a, 700);
    timer_mod(&b, 700);
    TimerState sa = timer_save(&a), sb = timer_save(&b);
    uint64_t seq = loop_get_timer_seq(l);
    timer_del(&a);
    timer_del(&b);
    /* Restore in the opposite order: the saved sequence must win. */
    timer_restore(&b, &sb);
    timer_restore(&a, &sa);
    loop_set_timer_seq(l, seq);
    loop_set_virtual_ns(l, 700);
    loop_run_timers(l, CLOCK_VIRTUAL);
    assert_int_equal(log.n, 2);
    assert_int_equal(log.ev[0], 1);
    assert_int_equal(log.ev[1], 2);
    TimerState off = timer_save(&a);
    assert_int_equal(off.armed, 0);
    loop_free(l);
}

/* Host-clock timers (progress reports, socket timeouts) come and go with
 * host time; the virtual clock's numbering, which snapshots and state
 * digests carry, must not see them. */
static void test_host_timers_leave_virtual_seq(void **state)
{
    (void)state;
    Loop *l = new_loop();
    Log log = {0};
    Tag t1 = { &log, 1 };
    Timer v, h;
    timer_init(&v, l, CLOCK_VIRTUAL, log_cb, &t1);
    timer_init(&h, l, CLOCK_REALTIME, log_cb, &t1);
    timer_mod(&v, 100);
    uint64_t seq = loop_get_timer_seq(l);
    for (int i = 0; i < 5; i++) {
        timer_mod(&h, 1000 + i);
    }
    timer_del(&h);
    assert_int_equal(loop_get_timer_seq(l), seq);
    timer_mod(&v, 200);
    assert_int_equal(loop_get_timer_seq(l), seq + 1);
    timer_del(&v);
    loop_free(l);
}

static int64_t fake_virtual(void *opaque)
{
    return *(int64_t *)opaque;
}

static void test_virtual_source(void **state)
{
    Loop *l = new_loop();
    int64_t now = 1234;
    loop_set_virtual_source(l, fake_virtual, &now);
    assert_int_equal(loop_clock_ns(l, CLOCK_VIRTUAL), 1234);
    now = 99;
    assert_int_equal(loop_clock_ns(l, CLOCK_VIRTUAL), 99);
    loop_free(l);
}

static void kick_cb(void *opaque)
{
    (*(int *)opaque)++;
}

static void test_kick_on_earlier_deadline_and_bh(void **state)
{
    Loop *l = new_loop();
    int kicks = 0;
    loop_set_kick(l, kick_cb, &kicks);
    Log log = {0};
    Tag t1 = { &log, 1 };
    Timer a, b;
    timer_init(&a, l, CLOCK_VIRTUAL, log_cb, &t1);
    timer_init(&b, l, CLOCK_VIRTUAL, log_cb, &t1);
    timer_mod(&a, 100);
    assert_int_equal(kicks, 1);      /* new soonest deadline */
    timer_mod(&b, 200);
    assert_int_equal(kicks, 1);      /* later deadline: the hart need not stop */
    timer_mod(&b, 50);
    assert_int_equal(kicks, 2);
    BH *bh = bh_new(l, log_cb, &t1);
    bh_schedule(bh);
    assert_int_equal(kicks, 3);
    timer_del(&a);
    timer_del(&b);
    loop_free(l);
}

static void bh_chain_cb(void *opaque)
{
    Tag *t = opaque;
    log_cb(t);
    if (t->bh) {
        bh_schedule(t->bh);
    }
}

static void test_bh_fifo_and_bh_from_bh(void **state)
{
    Loop *l = new_loop();
    Log log = {0};
    Tag tc = { &log, 3 };
    BH *c = bh_new(l, log_cb, &tc);
    Tag ta = { &log, 1, .bh = c }, tb = { &log, 2 };
    BH *a = bh_new(l, bh_chain_cb, &ta);
    BH *b = bh_new(l, log_cb, &tb);
    BH *d = bh_new(l, log_cb, &tb);
    bh_schedule(b);
    bh_schedule(a);
    bh_schedule(b);                 /* already scheduled: keeps its place */
    bh_schedule(d);
    bh_cancel(d);                   /* cancelled: never runs */
    assert_false(bh_scheduled(d));
    assert_true(loop_bhs_pending(l));
    /* Pass 1: b then a (FIFO); c scheduled by a runs in the next pass. */
    assert_true(loop_run_bhs(l));
    assert_int_equal(log.n, 2);
    assert_int_equal(log.ev[0], 2);
    assert_int_equal(log.ev[1], 1);
    assert_true(bh_scheduled(c));
    assert_true(loop_run_bhs(l));
    assert_int_equal(log.n, 3);
    assert_int_equal(log.ev[2], 3);
    assert_false(loop_run_bhs(l));
    assert_false(loop_bhs_pending(l));
    bh_delete(d);
    loop_free(l);
}

static void self_resched_cb(void *opaque)
{
    Tag *t = opaque;
    log_cb(t);
    bh_schedule(t->bh);
}

static void test_bh_self_reschedule_terminates(void **state)
{
    Loop *l = new_loop();
    Log log = {0};
    Tag t = { &log, 7 };
    BH *bh = bh_new(l, self_resched_cb, &t);
    t.bh = bh;
    bh_schedule(bh);
    /* One pass runs it once, even though it reschedules itself. */
    assert_true(main_loop_wait(l, true, NULL));
    assert_int_equal(log.n, 1);
    assert_true(bh_scheduled(bh));
    bh_cancel(bh);
    loop_free(l);
}

typedef struct PipeCtx {
    int fd;
    char buf[16];
    int nread;
    Log *log;
    int id;
} PipeCtx;

static void pipe_read_cb(void *opaque)
{
    PipeCtx *p = opaque;
    ssize_t n = read(p->fd, p->buf + p->nread, sizeof(p->buf) - (size_t)p->nread);
    if (n > 0) {
        p->nread += (int)n;
    }
    p->log->ev[p->log->n++] = p->id;
}

static void test_fd_readiness_with_pipe(void **state)
{
    Loop *l = new_loop();
    Log log = {0};
    int p1[2], p2[2];
    assert_int_equal(pipe(p1), 0);
    assert_int_equal(pipe(p2), 0);
    PipeCtx c1 = { .fd = p1[0], .log = &log, .id = 1 };
    PipeCtx c2 = { .fd = p2[0], .log = &log, .id = 2 };
    assert_true(loop_set_fd_handler(l, p1[0], pipe_read_cb, NULL, &c1, NULL));
    assert_true(loop_set_fd_handler(l, p2[0], pipe_read_cb, NULL, &c2, NULL));
    /* Nothing readable: a nonblocking iteration dispatches nothing. */
    assert_false(main_loop_wait(l, true, NULL));
    assert_int_equal(log.n, 0);
    /* Both readable: handlers run in registration order, not fd order. */
    assert_int_equal(write(p2[1], "yz", 2), 2);
    assert_int_equal(write(p1[1], "abc", 3), 3);
    assert_true(main_loop_wait(l, false, NULL)); /* blocking: returns as data is there */
    assert_int_equal(log.n, 2);
    assert_int_equal(log.ev[0], 1);
    assert_int_equal(log.ev[1], 2);
    assert_memory_equal(c1.buf, "abc", 3);
    assert_memory_equal(c2.buf, "yz", 2);
    /* Removed handler is not called. */
    assert_true(loop_set_fd_handler(l, p1[0], NULL, NULL, NULL, NULL));
    assert_int_equal(write(p1[1], "q", 1), 1);
    assert_false(main_loop_wait(l, true, NULL));
    assert_int_equal(log.n, 2);
    assert_false(loop_set_fd_handler(l, -1, pipe_read_cb, NULL, &c1, NULL));
    loop_set_fd_handler(l, p2[0], NULL, NULL, NULL, NULL);
    close(p1[0]); close(p1[1]); close(p2[0]); close(p2[1]);
    loop_free(l);
}

typedef struct NotCtx {
    EventNotifier *e;
    int calls;
} NotCtx;

static void notifier_cb(void *opaque)
{
    NotCtx *c = opaque;
    assert_true(event_notifier_test_and_clear(c->e));
    c->calls++;
}

static void test_event_notifier(void **state)
{
    Loop *l = new_loop();
    NotCtx c = {0};
    c.e = event_notifier_new(l, notifier_cb, &c, NULL);
    assert_non_null(c.e);
    assert_false(main_loop_wait(l, true, NULL));
    event_notifier_set(c.e);
    event_notifier_set(c.e);       /* coalesces into one notification */
    assert_true(main_loop_wait(l, false, NULL));
    assert_int_equal(c.calls, 1);
    assert_false(main_loop_wait(l, true, NULL));
    assert_false(event_notifier_test_and_clear(c.e));
    event_notifier_free(c.e);
    loop_free(l);
}

static void test_blocking_wait_times_out_on_realtime_timer(void **state)
{
    Loop *l = new_loop();
    Log log = {0};
    Tag t = { &log, 9 };
    Timer rt;
    timer_init(&rt, l, CLOCK_REALTIME, log_cb, &t);
    int64_t start = hostclock_ns(CLOCK_REALTIME);
    timer_mod(&rt, start + 20 * 1000 * 1000);
    /* With no fds, a blocking wait must end at the REALTIME deadline. */
    while (log.n == 0) {
        main_loop_wait(l, false, NULL);
    }
    assert_true(hostclock_ns(CLOCK_REALTIME) - start >= 20 * 1000 * 1000);
    assert_int_equal(log.ev[0], 9);
    /* Bounded wait with nothing to do returns after the bound. */
    start = hostclock_ns(CLOCK_REALTIME);
    assert_false(loop_wait_bounded(l, 5 * 1000 * 1000, NULL));
    assert_true(hostclock_ns(CLOCK_REALTIME) - start >= 5 * 1000 * 1000);
    loop_free(l);
}

static void test_requests(void **state)
{
    Loop *l = new_loop();
    int kicks = 0;
    loop_set_kick(l, kick_cb, &kicks);
    int code = -1;
    assert_false(loop_shutdown_requested(l));
    assert_int_equal(loop_take_shutdown(l, &code), SHUTDOWN_NONE);
    loop_request_shutdown(l, SHUTDOWN_GUEST_POWEROFF, 3);
    loop_request_shutdown(l, SHUTDOWN_HOST_SIGNAL, 0);   /* first one wins */
    assert_true(kicks >= 1);
    assert_true(loop_shutdown_requested(l));
    assert_int_equal(loop_take_shutdown(l, &code), SHUTDOWN_GUEST_POWEROFF);
    assert_int_equal(code, 3);
    assert_false(loop_shutdown_requested(l));
    assert_false(loop_take_reset(l));
    loop_request_reset(l);
    assert_true(loop_take_reset(l));
    assert_false(loop_take_reset(l));
    loop_request_debug_stop(l);
    assert_true(loop_take_debug_stop(l));
    assert_false(loop_take_debug_stop(l));
    loop_free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timer_deadline_order),
        cmocka_unit_test(test_timer_equal_deadline_arming_order),
        cmocka_unit_test(test_timer_cancel_and_rearm_in_callback),
        cmocka_unit_test(test_timer_clocks_are_separate),
        cmocka_unit_test(test_timer_save_restore_keeps_order),
        cmocka_unit_test(test_virtual_source),
        cmocka_unit_test(test_kick_on_earlier_deadline_and_bh),
        cmocka_unit_test(test_bh_fifo_and_bh_from_bh),
        cmocka_unit_test(test_bh_self_reschedule_terminates),
        cmocka_unit_test(test_fd_readiness_with_pipe),
        cmocka_unit_test(test_event_notifier),
        cmocka_unit_test(test_host_timers_leave_virtual_seq),
        cmocka_unit_test(test_blocking_wait_times_out_on_realtime_timer),
        cmocka_unit_test(test_requests),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
