/* loop: see loop.h for the contract. */
#include "sim/loop/loop.h"

#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

struct BH {
    Loop *loop;
    BHCb *cb;
    void *opaque;
    bool scheduled;
    uint64_t seq;            /* scheduling order; a pass runs seq < its start mark */
    BH *prev, *next;         /* scheduled queue, FIFO by seq */
    BH *all_next;            /* every BH of the loop, for loop_free() */
};

typedef struct FdEntry {
    int fd;
    FdHandler *on_read, *on_write;
    void *opaque;
} FdEntry;

struct EventNotifier {
    Loop *loop;
    int fd;
    FdHandler *cb;
    void *opaque;
};

struct LoopPollSource {
    LoopPollPrepare *prepare;
    LoopPollDispatch *dispatch;
    void *opaque;
    LoopPollSource *next;
};

/* The pollfd array of one iteration: the fd handlers' first, then what the
 * poll sources add. */
struct LoopPoll {
    struct pollfd *pfds;
    size_t n, cap;
    size_t base;                  /* index of the current source's first fd */
};

struct Loop {
    Timer *timers[CLOCK_MAX];     /* sorted by (expire, seq) */
    /* Per clock: host-time timers (progress reports, sockets) must not move
     * the numbering of virtual ones, which is machine state. */
    uint64_t timer_seq[CLOCK_MAX];

    int64_t virtual_ns;
    int64_t (*virtual_now)(void *opaque);
    void *virtual_opaque;

    KickFn *kick;
    void *kick_opaque;

    BH *bh_head, *bh_tail;
    BH *bh_all;
    uint64_t bh_seq;

    FdEntry *fds;
    size_t nfds, fds_cap;
    LoopPollSource *sources;
    LoopPoll poll;

    ShutdownCause shutdown;
    int shutdown_code;
    bool reset_requested;
    bool debug_stop_requested;
};

static void loop_kick(Loop *loop)
{
    if (loop->kick) {
        loop->kick(loop->kick_opaque);
    }
}

Loop *loop_new(Error **errp)
{
    Loop *loop = calloc(1, sizeof(*loop));
    if (!loop) {
        error_setg(errp, "out of memory creating the main loop");
        return NULL;
    }
    return loop;
}

void loop_free(Loop *loop)
{
    if (!loop) {
        return;
    }
    while (loop->sources) {
        LoopPollSource *n = loop->sources->next;
        free(loop->sources);
        loop->sources = n;
    }
    free(loop->poll.pfds);
    BH *bh = loop->bh_all;
    while (bh) {
        BH *n = bh->all_next;
        free(bh);
        bh = n;
    }
    free(loop->fds);
    free(loop);
}

void loop_set_virtual_source(Loop *loop, int64_t (*now)(void *opaque), void *opaque)
{
    loop->virtual_now = now;
    loop->virtual_opaque = opaque;
}

void loop_set_virtual_ns(Loop *loop, int64_t ns)
{
    loop->virtual_ns = ns;
}

void loop_set_kick(Loop *loop, KickFn *fn, void *opaque)
{
    loop->kick = fn;
    loop->kick_opaque = opaque;
}

int64_t hostclock_ns(ClockType clock)
{
    struct timespec ts;
    clock_gettime(clock == CLOCK_HOST ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

int64_t loop_clock_ns(Loop *loop, ClockType clock)
{
    switch (clock) {
    case CLOCK_VIRTUAL:
        return loop->virtual_now ? loop->virtual_now(loop->virtual_opaque) : loop->virtual_ns;
    case CLOCK_REALTIME:
        return hostclock_ns(CLOCK_REALTIME);
    case CLOCK_HOST:
        return hostclock_ns(CLOCK_HOST);
    default:
        assert(!"bad clock");
        return 0;
    }
}

/* ---- timers ---- */

void timer_init(Timer *t, Loop *loop, ClockType clock, TimerCb *cb, void *opaque)
{
    assert(clock >= 0 && clock < CLOCK_MAX);
    memset(t, 0, sizeof(*t));
    t->loop = loop;
    t->clock = clock;
    t->cb = cb;
    t->opaque = opaque;
}

static void timer_unlink(Timer *t)
{
    Timer **pp = &t->loop->timers[t->clock];
    while (*pp && *pp != t) {
        pp = &(*pp)->next;
    }
    assert(*pp == t);
    *pp = t->next;
    t->next = NULL;
    t->armed = false;
}

static bool timer_before(const Timer *a, const Timer *b)
{
    return a->expire < b->expire || (a->expire == b->expire && a->seq < b->seq);
}

/* Insert keeping (expire, seq) order; kick if it became the soonest VIRTUAL timer. */
static void timer_link(Timer *t)
{
    Timer **pp = &t->loop->timers[t->clock];
    while (*pp && timer_before(*pp, t)) {
        pp = &(*pp)->next;
    }
    t->next = *pp;
    *pp = t;
    t->armed = true;
    if (t->clock == CLOCK_VIRTUAL && t->loop->timers[CLOCK_VIRTUAL] == t) {
        loop_kick(t->loop);
    }
}

void timer_mod(Timer *t, int64_t expire_ns)
{
    if (t->armed) {
        timer_unlink(t);
    }
    t->expire = expire_ns;
    t->seq = t->loop->timer_seq[t->clock]++;
    timer_link(t);
}

void timer_del(Timer *t)
{
    if (t->armed) {
        timer_unlink(t);
    }
}

bool timer_pending(const Timer *t)
{
    return t->armed;
}

int64_t timer_expire_time(const Timer *t)
{
    return t->armed ? t->expire : -1;
}

TimerState timer_save(const Timer *t)
{
    return (TimerState){ .armed = t->armed, .expire = t->armed ? t->expire : 0,
                         .seq = t->armed ? t->seq : 0 };
}

void timer_restore(Timer *t, const TimerState *s)
{
    timer_del(t);
    if (s->armed) {
        t->expire = s->expire;
        t->seq = s->seq;
        timer_link(t);
    }
}

uint64_t loop_get_timer_seq(const Loop *loop)
{
    return loop->timer_seq[CLOCK_VIRTUAL];
}

void loop_set_timer_seq(Loop *loop, uint64_t seq)
{
    loop->timer_seq[CLOCK_VIRTUAL] = seq;
}

int64_t loop_deadline_ns(Loop *loop, ClockType clock)
{
    Timer *t = loop->timers[clock];
    return t ? t->expire : -1;
}

bool loop_run_timers(Loop *loop, ClockType clock)
{
    bool ran = false;
    int64_t now = loop_clock_ns(loop, clock);
    Timer *t;
    while ((t = loop->timers[clock]) && t->expire <= now) {
        loop->timers[clock] = t->next;
        t->next = NULL;
        t->armed = false;
        t->cb(t->opaque);
        ran = true;
    }
    return ran;
}

/* ---- bottom halves ---- */

BH *bh_new(Loop *loop, BHCb *cb, void *opaque)
{
    BH *bh = calloc(1, sizeof(*bh));
    if (!bh) {
        abort(); /* tiny allocation at device creation; nothing sensible to do */
    }
    bh->loop = loop;
    bh->cb = cb;
    bh->opaque = opaque;
    bh->all_next = loop->bh_all;
    loop->bh_all = bh;
    return bh;
}

void bh_schedule(BH *bh)
{
    Loop *loop = bh->loop;
    if (bh->scheduled) {
        return;
    }
    bh->scheduled = true;
    bh->seq = loop->bh_seq++;
    bh->next = NULL;
    bh->prev = loop->bh_tail;
    if (loop->bh_tail) {
        loop->bh_tail->next = bh;
    } else {
        loop->bh_head = bh;
    }
    loop->bh_tail = bh;
    loop_kick(loop);
}

void bh_cancel(BH *bh)
{
    Loop *loop = bh->loop;
    if (!bh->scheduled) {
        return;
    }
    if (bh->prev) {
        bh->prev->next = bh->next;
    } else {
        loop->bh_head = bh->next;
    }
    if (bh->next) {
        bh->next->prev = bh->prev;
    } else {
        loop->bh_tail = bh->prev;
    }
    bh->prev = bh->next = NULL;
    bh->scheduled = false;
}

bool bh_scheduled(const BH *bh)
{
    return bh->scheduled;
}

void bh_delete(BH *bh)
{
    Loop *loop = bh->loop;
    bh_cancel(bh);
    BH **pp = &loop->bh_all;
    while (*pp != bh) {
        pp = &(*pp)->all_next;
    }
    *pp = bh->all_next;
    free(bh);
}

bool loop_run_bhs(Loop *loop)
{
    /* BHs scheduled from inside this pass get seq >= mark and wait for the
     * next pass, so a BH that reschedules itself cannot starve the loop. */
    uint64_t mark = loop->bh_seq;
    bool ran = false;
    BH *bh;
    while ((bh = loop->bh_head) && bh->seq < mark) {
        bh_cancel(bh);
        bh->cb(bh->opaque);
        ran = true;
    }
    return ran;
}

bool loop_bhs_pending(const Loop *loop)
{
    return loop->bh_head != NULL;
}

/* ---- fd handlers ---- */

static FdEntry *fd_find(Loop *loop, int fd)
{
    for (size_t i = 0; i < loop->nfds; i++) {
        if (loop->fds[i].fd == fd) {
            return &loop->fds[i];
        }
    }
    return NULL;
}

bool loop_set_fd_handler(Loop *loop, int fd, FdHandler *on_read, FdHandler *on_write,
                         void *opaque, Error **errp)
{
    if (fd < 0) {
        error_setg(errp, "invalid file descriptor %d", fd);
        return false;
    }
    FdEntry *e = fd_find(loop, fd);
    if (!on_read && !on_write) {
        if (e) {
            size_t i = (size_t)(e - loop->fds);
            memmove(&loop->fds[i], &loop->fds[i + 1], (loop->nfds - i - 1) * sizeof(*e));
            loop->nfds--;
        }
        return true;
    }
    if (!e) {
        if (loop->nfds == loop->fds_cap) {
            size_t cap = loop->fds_cap ? loop->fds_cap * 2 : 8;
            FdEntry *n = realloc(loop->fds, cap * sizeof(*n));
            if (!n) {
                error_setg(errp, "out of memory registering fd %d", fd);
                return false;
            }
            loop->fds = n;
            loop->fds_cap = cap;
        }
        e = &loop->fds[loop->nfds++];
        e->fd = fd;
    }
    e->on_read = on_read;
    e->on_write = on_write;
    e->opaque = opaque;
    return true;
}

static void notifier_read(void *opaque)
{
    EventNotifier *e = opaque;
    e->cb(e->opaque);
}

EventNotifier *event_notifier_new(Loop *loop, FdHandler *cb, void *opaque, Error **errp)
{
    EventNotifier *e = calloc(1, sizeof(*e));
    if (!e) {
        error_setg(errp, "out of memory creating an event notifier");
        return NULL;
    }
    e->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (e->fd < 0) {
        error_setg_errno(errp, errno, "eventfd");
        free(e);
        return NULL;
    }
    e->loop = loop;
    e->cb = cb;
    e->opaque = opaque;
    if (!loop_set_fd_handler(loop, e->fd, notifier_read, NULL, e, errp)) {
        close(e->fd);
        free(e);
        return NULL;
    }
    return e;
}

void event_notifier_set(EventNotifier *e)
{
    uint64_t one = 1;
    /* Async-signal-safe; EAGAIN only when the counter would overflow, in
     * which case a notification is pending anyway. */
    ssize_t r = write(e->fd, &one, sizeof(one));
    (void)r;
}

bool event_notifier_test_and_clear(EventNotifier *e)
{
    uint64_t v;
    return read(e->fd, &v, sizeof(v)) == (ssize_t)sizeof(v) && v != 0;
}

void event_notifier_free(EventNotifier *e)
{
    if (!e) {
        return;
    }
    loop_set_fd_handler(e->loop, e->fd, NULL, NULL, NULL, NULL);
    close(e->fd);
    free(e);
}

/* ---- one iteration ---- */

static int64_t host_timeout_ns(Loop *loop)
{
    int64_t timeout = -1;
    static const ClockType host_clocks[] = { CLOCK_REALTIME, CLOCK_HOST };
    for (size_t i = 0; i < sizeof(host_clocks) / sizeof(host_clocks[0]); i++) {
        int64_t d = loop_deadline_ns(loop, host_clocks[i]);
        if (d >= 0) {
            int64_t rel = d - hostclock_ns(host_clocks[i]);
            if (rel < 0) {
                rel = 0;
            }
            if (timeout < 0 || rel < timeout) {
                timeout = rel;
            }
        }
    }
    return timeout;
}

/* ---- poll sources ---- */

LoopPollSource *loop_add_poll_source(Loop *loop, LoopPollPrepare *prepare,
                                     LoopPollDispatch *dispatch, void *opaque, Error **errp)
{
    LoopPollSource *src = calloc(1, sizeof(*src));
    if (!src) {
        error_setg(errp, "out of memory adding a poll source");
        return NULL;
    }
    src->prepare = prepare;
    src->dispatch = dispatch;
    src->opaque = opaque;
    LoopPollSource **pp = &loop->sources;
    while (*pp) {
        pp = &(*pp)->next;
    }
    *pp = src;
    return src;
}

void loop_remove_poll_source(Loop *loop, LoopPollSource *src)
{
    for (LoopPollSource **pp = &loop->sources; *pp; pp = &(*pp)->next) {
        if (*pp == src) {
            *pp = src->next;
            free(src);
            return;
        }
    }
}

static bool poll_reserve(LoopPoll *p, size_t n)
{
    if (n <= p->cap) {
        return true;
    }
    size_t cap = p->cap ? p->cap : 16;
    while (cap < n) {
        cap *= 2;
    }
    struct pollfd *a = realloc(p->pfds, cap * sizeof(*a));
    if (!a) {
        return false;
    }
    p->pfds = a;
    p->cap = cap;
    return true;
}

int loop_poll_add(LoopPoll *p, int fd, short events)
{
    if (!poll_reserve(p, p->n + 1)) {
        return -1;
    }
    p->pfds[p->n] = (struct pollfd){ .fd = fd, .events = events };
    return (int)(p->n++ - p->base);
}

short loop_poll_revents(const LoopPoll *p, int idx)
{
    if (idx < 0 || p->base + (size_t)idx >= p->n) {
        return 0;
    }
    return p->pfds[p->base + (size_t)idx].revents;
}

static bool loop_poll_and_dispatch(Loop *loop, int64_t timeout_ns, Error **errp)
{
    LoopPoll *p = &loop->poll;
    size_t n = loop->nfds;
    if (!poll_reserve(p, n)) {
        error_setg(errp, "out of memory polling %zu descriptors", n);
        return false;
    }
    struct pollfd *pfds = p->pfds;
    for (size_t i = 0; i < n; i++) {
        pfds[i].fd = loop->fds[i].fd;
        pfds[i].events = (loop->fds[i].on_read ? POLLIN : 0) |
                         (loop->fds[i].on_write ? POLLOUT : 0);
        pfds[i].revents = 0;
    }
    p->n = n;
    /* Each source's fds follow; remember where each one starts. */
    size_t nsrc = 0;
    for (LoopPollSource *s = loop->sources; s; s = s->next) {
        nsrc++;
    }
    size_t starts_stack[8];
    size_t *starts = nsrc <= 8 ? starts_stack : calloc(nsrc, sizeof(*starts));
    if (!starts) {
        error_setg(errp, "out of memory polling");
        return false;
    }
    size_t k = 0;
    for (LoopPollSource *s = loop->sources; s; s = s->next, k++) {
        p->base = starts[k] = p->n;
        s->prepare(s->opaque, p, &timeout_ns);
    }
    pfds = p->pfds;
    size_t total = p->n;
    struct timespec ts, *tsp = NULL;
    if (timeout_ns >= 0) {
        ts.tv_sec = timeout_ns / NS_PER_SEC;
        ts.tv_nsec = timeout_ns % NS_PER_SEC;
        tsp = &ts;
    }
    int r = ppoll(pfds, total, tsp, NULL);
    bool dispatched = false;
    if (r < 0 && errno != EINTR) {
        error_setg_errno(errp, errno, "ppoll");
        if (starts != starts_stack) {
            free(starts);
        }
        return false;
    }
    if (r < 0) {
        for (size_t i = 0; i < total; i++) {
            pfds[i].revents = 0;
        }
    }
    if (r > 0) {
        /* Dispatch in registration order. A handler may add or remove
         * handlers; look each fd up again so a removed one is not called. */
        for (size_t i = 0; i < n; i++) {
            short rev = pfds[i].revents;
            if (!rev) {
                continue;
            }
            FdEntry *e = fd_find(loop, pfds[i].fd);
            if (!e) {
                continue;
            }
            if ((rev & (POLLIN | POLLHUP | POLLERR)) && e->on_read) {
                e->on_read(e->opaque);
                dispatched = true;
                e = fd_find(loop, pfds[i].fd);
            }
            if (e && (rev & (POLLOUT | POLLERR)) && e->on_write) {
                e->on_write(e->opaque);
                dispatched = true;
            }
        }
    }
    /* Sources see their own fds; one removed by a handler is skipped. */
    k = 0;
    for (LoopPollSource *s = loop->sources; s && k < nsrc; s = s->next, k++) {
        p->base = starts[k];
        for (size_t i = starts[k]; i < (k + 1 < nsrc ? starts[k + 1] : total); i++) {
            dispatched |= pfds[i].revents != 0;
        }
        s->dispatch(s->opaque, p);
    }
    p->base = 0;
    if (starts != starts_stack) {
        free(starts);
    }
    return dispatched;
}

static bool loop_iterate(Loop *loop, int64_t timeout_ns, Error **errp)
{
    if (loop_bhs_pending(loop)) {
        timeout_ns = 0;
    }
    Error *err = NULL;
    bool progress = loop_poll_and_dispatch(loop, timeout_ns, &err);
    if (err) {
        error_propagate(errp, err);
        return false;
    }
    for (ClockType c = 0; c < CLOCK_MAX; c++) {
        progress |= loop_run_timers(loop, c);
    }
    progress |= loop_run_bhs(loop);
    return progress;
}

bool main_loop_wait(Loop *loop, bool nonblocking, Error **errp)
{
    return loop_iterate(loop, nonblocking ? 0 : host_timeout_ns(loop), errp);
}

bool loop_wait_bounded(Loop *loop, int64_t max_timeout_ns, Error **errp)
{
    int64_t t = host_timeout_ns(loop);
    if (max_timeout_ns >= 0 && (t < 0 || max_timeout_ns < t)) {
        t = max_timeout_ns;
    }
    return loop_iterate(loop, t, errp);
}

/* ---- requests ---- */

void loop_request_shutdown(Loop *loop, ShutdownCause cause, int exit_code)
{
    /* The first request wins: a guest poweroff racing a signal keeps its code. */
    if (loop->shutdown == SHUTDOWN_NONE) {
        loop->shutdown = cause;
        loop->shutdown_code = exit_code;
    }
    loop_kick(loop);
}

void loop_request_reset(Loop *loop)
{
    loop->reset_requested = true;
    loop_kick(loop);
}

void loop_request_debug_stop(Loop *loop)
{
    loop->debug_stop_requested = true;
    loop_kick(loop);
}

ShutdownCause loop_take_shutdown(Loop *loop, int *exit_code)
{
    ShutdownCause c = loop->shutdown;
    if (exit_code) {
        *exit_code = loop->shutdown_code;
    }
    loop->shutdown = SHUTDOWN_NONE;
    loop->shutdown_code = 0;
    return c;
}

bool loop_take_reset(Loop *loop)
{
    bool r = loop->reset_requested;
    loop->reset_requested = false;
    return r;
}

bool loop_take_debug_stop(Loop *loop)
{
    bool r = loop->debug_stop_requested;
    loop->debug_stop_requested = false;
    return r;
}

bool loop_shutdown_requested(const Loop *loop)
{
    return loop->shutdown != SHUTDOWN_NONE;
}
