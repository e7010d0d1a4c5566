/*
 * loop: the simulation thread's main loop (clocks, timers, bottom halves,
 * fd handlers, event notifiers), modelled on QEMU's main_loop_wait(),
 * qemu-timer and AioContext bottom halves, but deterministic by construction.
 *
 * Contract:
 *  - One Loop per machine, used only from the simulation thread.
 *  - Clocks: CLOCK_VIRTUAL is what the guest sees; its value comes from a
 *    source the owner installs (sim/icount), or from loop_set_virtual_ns()
 *    when none is installed (tests). CLOCK_REALTIME and CLOCK_HOST are host
 *    time, read only through hostclock_ns(); the guest may observe them only
 *    through sim/replay.
 *  - Timers on one clock fire in (deadline, arming sequence) order: equal
 *    deadlines fire in the order they were armed (re-arming counts as a new
 *    arming). Never pointer or hash order. A timer callback may re-arm or
 *    cancel any timer, including itself; a timer armed for a time already
 *    past during a run fires in that same run.
 *  - Bottom halves run in FIFO order of scheduling. Scheduling an already
 *    scheduled BH does not move it. A BH scheduled while BHs are running runs
 *    in the next pass, so one pass always ends (no starvation of timers/fds).
 *  - fd handlers and event notifiers are polled with ppoll(); the timeout is
 *    derived from the soonest REALTIME/HOST deadline (and 0 when BHs are
 *    pending or nonblocking). CLOCK_VIRTUAL deadlines do not bound the poll:
 *    virtual time only moves when the hart runs or sim/icount warps it.
 *    Handlers run in registration order.
 *  - Whenever the soonest CLOCK_VIRTUAL deadline moves earlier, or a BH is
 *    scheduled, the kick hook runs, so a running hart can stop at the next
 *    instruction boundary and let the loop serve it.
 */
#ifndef RRSIM_SIM_LOOP_LOOP_H
#define RRSIM_SIM_LOOP_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/base/error.h"

typedef enum ClockType {
    CLOCK_REALTIME = 0, /* host monotonic time; never guest visible */
    CLOCK_VIRTUAL,      /* guest time; from instruction count in rrsim */
    CLOCK_HOST,         /* host wall-clock time (for an RTC), via sim/replay only */
    CLOCK_MAX
} ClockType;

#define NS_PER_SEC 1000000000LL

typedef struct Loop Loop;
typedef struct Timer Timer;
typedef struct BH BH;
typedef struct EventNotifier EventNotifier;

typedef void TimerCb(void *opaque);
typedef void BHCb(void *opaque);
typedef void FdHandler(void *opaque);
typedef void KickFn(void *opaque);

/* A timer is embedded in its owner's state; the loop never allocates one.
 * Fields are private to sim/loop; snapshots go through timer_save()/timer_restore(). */
struct Timer {
    Loop *loop;
    ClockType clock;
    TimerCb *cb;
    void *opaque;
    int64_t expire;   /* valid when armed */
    uint64_t seq;     /* arming sequence number; orders equal deadlines */
    bool armed;
    Timer *next;      /* in the clock's sorted list */
};

/* ---- loop lifecycle ---- */

Loop *loop_new(Error **errp);
/* All timers must be deleted and fds removed by their owners first; BHs are freed. */
void loop_free(Loop *loop);

/* Install the source of CLOCK_VIRTUAL (sim/icount does this). */
void loop_set_virtual_source(Loop *loop, int64_t (*now)(void *opaque), void *opaque);
/* Without a source: set CLOCK_VIRTUAL directly (tests, early boot). */
void loop_set_virtual_ns(Loop *loop, int64_t ns);
/* Install the hook called when the VIRTUAL deadline moves earlier or a BH is scheduled. */
void loop_set_kick(Loop *loop, KickFn *fn, void *opaque);

int64_t loop_clock_ns(Loop *loop, ClockType clock);

/* ---- timers ---- */

void timer_init(Timer *t, Loop *loop, ClockType clock, TimerCb *cb, void *opaque);
/* Arm (or re-arm) to fire when the clock reaches expire_ns. */
void timer_mod(Timer *t, int64_t expire_ns);
void timer_del(Timer *t);
bool timer_pending(const Timer *t);
/* Deadline of an armed timer, -1 if not armed. */
int64_t timer_expire_time(const Timer *t);

/* Snapshot support: state of one timer as fixed-width values, and back.
 * Restoring keeps the saved arming sequence so equal-deadline order survives. */
typedef struct TimerState {
    uint8_t armed;
    int64_t expire;
    uint64_t seq;
} TimerState;
TimerState timer_save(const Timer *t);
void timer_restore(Timer *t, const TimerState *s);
/* The next arming sequence number of CLOCK_VIRTUAL timers, part of machine
 * state for snapshots; timers on host clocks have their own and leave it be. */
uint64_t loop_get_timer_seq(const Loop *loop);
void loop_set_timer_seq(Loop *loop, uint64_t seq);

/* Soonest deadline on a clock in ns (absolute), or -1 if no timer is armed. */
int64_t loop_deadline_ns(Loop *loop, ClockType clock);
/* Run every expired timer of one clock; returns true if any ran. */
bool loop_run_timers(Loop *loop, ClockType clock);

/* ---- bottom halves ---- */

BH *bh_new(Loop *loop, BHCb *cb, void *opaque);
void bh_schedule(BH *bh);
/* Unschedule; harmless if not scheduled. */
void bh_cancel(BH *bh);
bool bh_scheduled(const BH *bh);
void bh_delete(BH *bh);
/* Run one pass of scheduled BHs (those scheduled before the pass started).
 * Returns true if any ran. */
bool loop_run_bhs(Loop *loop);
bool loop_bhs_pending(const Loop *loop);

/* ---- fd handlers and event notifiers ---- */

/* Register (or replace, or with both NULL remove) read/write handlers for fd. */
bool loop_set_fd_handler(Loop *loop, int fd, FdHandler *on_read, FdHandler *on_write,
                         void *opaque, Error **errp);

/* An eventfd-based notifier: set from anywhere (even a signal handler or
 * another thread), its handler runs in the simulation thread. */
EventNotifier *event_notifier_new(Loop *loop, FdHandler *cb, void *opaque, Error **errp);
void event_notifier_set(EventNotifier *e);
/* Consume a pending notification; returns true if one was pending. */
bool event_notifier_test_and_clear(EventNotifier *e);
void event_notifier_free(EventNotifier *e);

/* ---- poll sources: fds that change every iteration ---- */

/*
 * For a library that decides each time which descriptors it wants polled
 * (libslirp): before every poll the loop calls prepare(), which adds them
 * with loop_poll_add() and may shorten the poll timeout; after the poll it
 * calls dispatch(), which reads what happened with loop_poll_revents()
 * (0 for every fd when the poll failed or was skipped). Sources run after
 * the fd handlers, in the order they were added.
 */
typedef struct LoopPoll LoopPoll;
typedef struct LoopPollSource LoopPollSource;
typedef void LoopPollPrepare(void *opaque, LoopPoll *p, int64_t *timeout_ns);
typedef void LoopPollDispatch(void *opaque, LoopPoll *p);

LoopPollSource *loop_add_poll_source(Loop *loop, LoopPollPrepare *prepare,
                                     LoopPollDispatch *dispatch, void *opaque, Error **errp);
void loop_remove_poll_source(Loop *loop, LoopPollSource *src);
/* Poll fd for events (POLLIN, POLLOUT, ...); returns its index for
 * loop_poll_revents(), or -1 when out of memory (the fd is then not polled). */
int loop_poll_add(LoopPoll *p, int fd, short events);
short loop_poll_revents(const LoopPoll *p, int idx);

/* ---- one iteration ---- */

/* One main-loop iteration: poll fds (blocking until the next REALTIME/HOST
 * deadline or an fd event unless nonblocking or BHs are pending), run fd
 * handlers, run expired timers on every clock, run one pass of BHs.
 * Returns true if anything was dispatched. Errors only for a failing poll. */
bool main_loop_wait(Loop *loop, bool nonblocking, Error **errp);
/* Like main_loop_wait() but with an explicit upper bound on the poll timeout
 * (ns, -1 = no bound); sim/icount uses it for sleep=on warps. */
bool loop_wait_bounded(Loop *loop, int64_t max_timeout_ns, Error **errp);

/* ---- requests (checked by the owner, as QEMU's main_loop_should_exit) ---- */

typedef enum ShutdownCause {
    SHUTDOWN_NONE = 0,
    SHUTDOWN_GUEST_POWEROFF,  /* guest asked (sifive_test pass/fail) */
    SHUTDOWN_GUEST_RESET,     /* guest asked for reset */
    SHUTDOWN_HOST_SIGNAL,     /* SIGINT/SIGTERM/SIGHUP */
    SHUTDOWN_HOST_MONITOR,    /* monitor quit */
    SHUTDOWN_REPLAY_END,      /* the journal being replayed ended */
    SHUTDOWN_ERROR,           /* a fatal simulator error (divergence, ...) */
    SHUTDOWN_GUEST_PANIC,     /* the guest reported a panic (pvpanic-mmio) */
    SHUTDOWN_TIMEOUT,         /* a -timeout budget ran out (steps, or host time) */
    SHUTDOWN_CONSOLE_MATCH,   /* the console printed a -fail-on pattern */
} ShutdownCause;

void loop_request_shutdown(Loop *loop, ShutdownCause cause, int exit_code);
void loop_request_reset(Loop *loop);
void loop_request_debug_stop(Loop *loop);
/* Take-and-clear accessors: each returns the pending request and clears it. */
ShutdownCause loop_take_shutdown(Loop *loop, int *exit_code);
bool loop_take_reset(Loop *loop);
bool loop_take_debug_stop(Loop *loop);
/* Peek without clearing. */
bool loop_shutdown_requested(const Loop *loop);

/* ---- host time: the only place rrsim reads the host clocks ---- */

/* CLOCK_REALTIME: CLOCK_MONOTONIC; CLOCK_HOST: CLOCK_REALTIME of the host.
 * Guest-visible uses must go through sim/replay, which wraps this. */
int64_t hostclock_ns(ClockType clock);

#endif
