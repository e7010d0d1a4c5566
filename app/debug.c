/* debug: see debug.h. */
#include "app/debug.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/disas.h"
#include "hw/machine_snap.h"
#include "sim/gdbstub/gdbstub.h"
#include "sim/monitor/hmp.h"
#include "sim/monitor/qmp.h"

#define DEBUG_MAX_POINTS 64
/* First interval reverse-continue re-runs; doubled for each earlier one, so
 * a hit far back costs O(log distance) seeks. */
#define DEBUG_RC_FIRST_SPAN (1ull << 20)
#define DEBUG_NO_STOP UINT64_MAX
/* Automatic snapshot period while replaying under a debugger or monitor:
 * about 0.1 s of re-execution at most for a step back. */
#define DEBUG_SNAP_PERIOD 2000000ull
/* A long forward seek runs in pieces of this many steps (a few tens of ms)
 * so that it can tell gdb it is still at work. */
#define DEBUG_SEEK_CHUNK 20000000ull
/* ... at most this often (host time): well inside gdb's 2 s remotetimeout. */
#define DEBUG_PROGRESS_NS 500000000ll
/* Self-check period of a replay under a debugger or monitor: a step back
 * or a seek that ran the guest differently is caught within this many
 * steps (machine_replay_enable_selfcheck()). */
#define DEBUG_SELFCHECK_PERIOD 1000000ull

typedef struct DebugPoint {
    GdbPointType type;
    uint64_t addr;
    uint64_t len;
} DebugPoint;

/* What a resume request asked for; carried out by debug_run(). */
typedef enum DebugAction {
    ACT_NONE = 0,
    ACT_CONT,
    ACT_STEP,
    ACT_REVERSE_CONT,
    ACT_REVERSE_STEP,
} DebugAction;

struct DebugSession {
    Machine *m;
    MachineReplay *mr;
    DebugOptions o;
    GdbStub *gdb;
    Qmp *qmp;
    Hmp *hmp;                  /* -monitor */
    HmpSession *mux_hmp;       /* the monitor behind Ctrl-A c (mon:stdio) */
    CharBackend *mux;
    MachineSnap *snap;
    bool recording, replaying;

    bool running;
    const char *status;        /* QMP run-state name while paused */
    DebugAction action;        /* requested, not yet carried out */
    bool interrupt_req;        /* Ctrl-C, QMP stop, debugger attach */
    bool quit_req;             /* QMP quit, gdb kill */
    bool powered_off;          /* -no-shutdown: paused where the guest powered off */
    bool at_end;               /* the replay reached its end (journal end or guest
                                * poweroff/reset) and is paused there */
    bool ended;                /* the session is over: debug_run() returns */
    uint64_t step_target;      /* forward single step ends here */
    uint64_t break_at;         /* QMP replay-break */
    uint64_t high_water;       /* furthest step a replay ran to (console shown) */

    DebugPoint pts[DEBUG_MAX_POINTS];
    int npts;
};

/* ---- helpers ---- */

static bool debug_have_snap(const DebugSession *d)
{
    return d->snap != NULL;
}

static uint64_t debug_now(const DebugSession *d)
{
    return machine_icount(d->m);
}

static void debug_set_stop_at(DebugSession *d, uint64_t steps)
{
    machine_set_stop_at(d->m, steps);
}

static void debug_mute(DebugSession *d, bool muted)
{
    machine_set_output_muted(d->m, muted);
}

static bool debug_need_replay(const DebugSession *d, const char *what, Error **errp)
{
    if (!d->replaying) {
        error_setc(errp, ERR_USAGE, "%s needs a replay (-icount ...,rr=replay,rrfile=FILE)", what);
        return false;
    }
    if (!debug_have_snap(d)) {
        error_setc(errp, ERR_USAGE, "%s: snapshot support is off", what);
        return false;
    }
    return true;
}

static void points_arm(DebugSession *d, bool armed);

/*
 * machine_seek() in pieces when it has far to go forward (backwards, a
 * snapshot at most DEBUG_SNAP_PERIOD before the target is restored, so that
 * is quick), with a line of progress for gdb every DEBUG_PROGRESS_NS: a
 * "monitor seek" is a qRcmd that gdb otherwise gives up waiting for
 * ("Ignoring packet error") after remotetimeout. Stopping on the way
 * changes nothing: the machine at step N is one state however reached.
 */
static bool seek_with_progress(DebugSession *d, uint64_t steps, Error **errp)
{
    uint64_t now = debug_now(d);
    if (steps <= now + DEBUG_SEEK_CHUNK) {
        return machine_seek(d->snap, steps, errp);
    }
    uint64_t end = machine_snap_replay_end(d->snap, errp);
    if (end == UINT64_MAX) {
        return false;
    }
    if (steps > end) {
        /* machine_seek() says so; without running up to the end first. */
        return machine_seek(d->snap, steps, errp);
    }
    int64_t last = hostclock_ns(CLOCK_REALTIME);
    while (now + DEBUG_SEEK_CHUNK < steps) {
        if (!machine_seek(d->snap, now + DEBUG_SEEK_CHUNK, errp)) {
            return false;
        }
        now = debug_now(d);
        int64_t t = hostclock_ns(CLOCK_REALTIME);
        if (t - last >= DEBUG_PROGRESS_NS && d->gdb) {
            char line[96];
            snprintf(line, sizeof(line), "seeking: at step %" PRIu64 " of %" PRIu64 "\n", now,
                     steps);
            gdbstub_console(d->gdb, line);
            last = t;
        }
    }
    return machine_seek(d->snap, steps, errp);
}

/* Move the replay to exactly `steps` (backwards or forwards). */
static bool debug_seek(DebugSession *d, uint64_t steps, Error **errp)
{
    /* A seek re-executes history the debugger is not looking at: the hart
     * must neither stop at the break/watchpoints on the way (a run stops
     * at a breakpoint until told to skip it) nor single-step for them. */
    points_arm(d, false);
    Error *err = NULL;
    bool ok = seek_with_progress(d, steps, &err);
    points_arm(d, true);
    if (!ok) {
        const Error *why = machine_replay_error(d->mr);
        if (why) {
            /* Say what failed, not only that the replay did. */
            error_setc(errp, error_get_class(why), "%s: %s", error_get_message(err),
                       error_get_message(why));
            error_free(err);
        } else {
            error_propagate(errp, err);
        }
        return false;
    }
    /* Stop requests and the end marker belong to the timeline we left. */
    loop_take_debug_stop(d->m->loop);
    d->at_end = false;
    return true;
}

static JsonValue *debug_shutdown_data(bool guest, const char *reason)
{
    JsonValue *v = json_object();
    json_object_set(v, "guest", json_bool(guest));
    json_object_set(v, "reason", json_string(reason));
    return v;
}

static void debug_event(DebugSession *d, const char *name, JsonValue *data)
{
    if (d->qmp) {
        qmp_emit_event(d->qmp, name, data);
    } else {
        json_free(data);
    }
}

static void debug_notify(DebugSession *d, GdbStopReason r)
{
    if (d->gdb) {
        gdbstub_notify_stop(d->gdb, r);
    }
}

/* The machine is now paused for reason r: tell both front ends. */
static void debug_stopped(DebugSession *d, GdbStopReason r)
{
    bool was_running = d->running;
    d->running = false;
    d->interrupt_req = false;
    d->step_target = DEBUG_NO_STOP;
    debug_set_stop_at(d, DEBUG_NO_STOP);
    /* A request that raced with this stop must not end the next run at once. */
    loop_take_debug_stop(d->m->loop);
    d->status = r.kind == GDB_STOP_INTERRUPT ? "paused" : "debug";
    if (r.kind == GDB_STOP_SW_BREAK || r.kind == GDB_STOP_HW_BREAK) {
        /* Resuming from here (continue, step) executes the breakpointed
         * instruction. Armed now rather than at the resume, so whatever
         * moves the hart in between (a seek, a snapshot load, a pc write,
         * a reset) cancels it, as gdb only steps over a breakpoint when
         * it resumes at the pc it stopped at. */
        hart_breakpoint_skip_once(d->m->hart);
    }
    debug_notify(d, r);
    if (was_running) {
        debug_event(d, "STOP", NULL);
    }
}

static void debug_start_running(DebugSession *d)
{
    d->running = true;
    d->status = "running";
    debug_event(d, "RESUME", NULL);
}

static GdbStopReason stop_reason(GdbStopKind kind)
{
    return (GdbStopReason){ .kind = kind };
}

/* ---- break/watchpoints ---- */

static WatchKind watch_kind(GdbPointType t)
{
    return t == GDB_POINT_WATCH_WRITE ? WATCH_WRITE
         : t == GDB_POINT_WATCH_READ ? WATCH_READ : WATCH_ACCESS;
}

static bool point_is_break(GdbPointType t)
{
    return t == GDB_POINT_SW_BREAK || t == GDB_POINT_HW_BREAK;
}

static int point_find(const DebugSession *d, GdbPointType type, uint64_t addr, uint64_t len)
{
    for (int i = 0; i < d->npts; i++) {
        const DebugPoint *p = &d->pts[i];
        if (p->type == type && p->addr == addr && (point_is_break(type) || p->len == len)) {
            return i;
        }
    }
    return -1;
}

/* The stop reason for a machine stop at a breakpoint (the pc, not yet
 * executed) or a watchpoint (the hart stopped before the accessing
 * instruction). */
static GdbStopReason hit_reason(const DebugSession *d, MachineDebugExit e)
{
    if (e == MACHINE_DEBUG_BREAKPOINT) {
        uint64_t pc = hart_get_pc(d->m->hart);
        bool hw = point_find(d, GDB_POINT_HW_BREAK, pc, 0) >= 0 &&
                  point_find(d, GDB_POINT_SW_BREAK, pc, 0) < 0;
        return stop_reason(hw ? GDB_STOP_HW_BREAK : GDB_STOP_SW_BREAK);
    }
    uint64_t a = hart_watch_hit_addr(d->m->hart);
    GdbStopReason r = { .kind = GDB_STOP_WATCH_WRITE, .addr = a };
    for (int i = 0; i < d->npts; i++) {
        const DebugPoint *p = &d->pts[i];
        if (!point_is_break(p->type) && a < p->addr + p->len && p->addr <= a) {
            r.kind = p->type == GDB_POINT_WATCH_WRITE ? GDB_STOP_WATCH_WRITE
                   : p->type == GDB_POINT_WATCH_READ ? GDB_STOP_WATCH_READ
                                                     : GDB_STOP_WATCH_ACCESS;
            break;
        }
    }
    return r;
}

static bool exit_is_hit(MachineDebugExit e)
{
    return e == MACHINE_DEBUG_BREAKPOINT || e == MACHINE_DEBUG_WATCHPOINT;
}

/* Put the session's break/watchpoints into the hart or take them out
 * (the session's list stays as it is). */
static void points_arm(DebugSession *d, bool armed)
{
    for (int i = 0; i < d->npts; i++) {
        const DebugPoint *p = &d->pts[i];
        if (point_is_break(p->type)) {
            if (armed) {
                hart_breakpoint_insert(d->m->hart, p->addr);
            } else {
                hart_breakpoint_remove(d->m->hart, p->addr);
            }
        } else if (armed) {
            hart_watchpoint_insert(d->m->hart, p->addr, p->len, watch_kind(p->type));
        } else {
            hart_watchpoint_remove(d->m->hart, p->addr, p->len, watch_kind(p->type));
        }
    }
}

static void points_remove_all(DebugSession *d)
{
    points_arm(d, false);
    d->npts = 0;
}

/* ---- reverse execution ---- */

typedef struct ScanHit {
    bool found;
    uint64_t steps;
    GdbStopReason reason;
} ScanHit;

/*
 * Re-run [from, stop) with the break/watchpoints armed and keep the last hit
 * whose position is before `limit`. A breakpoint hit is at the step count at
 * which the pc reached it (before executing). A watchpoint hit is placed
 * right after the accessing instruction: gdb treats riscv watchpoints as
 * stopping before the access and, going backwards, steps back over it
 * itself, so the user lands before the access, with the old value: the
 * mirror image of a forward stop, which gdb steps forward over the access.
 */
static bool reverse_scan(DebugSession *d, uint64_t from, uint64_t stop, uint64_t limit,
                         ScanHit *hit, Error **errp)
{
    Machine *m = d->m;
    if (!debug_seek(d, from, errp)) {
        return false;
    }
    /* `from` is behind the current step, so the seek restored a snapshot,
     * which cancels any breakpoint skip: a breakpoint at `from` itself
     * stops the first run with nothing executed, like any other. */
    debug_set_stop_at(d, stop);
    bool ok = true;
    while (debug_now(d) < stop) {
        MachineStop why;
        if (!machine_run(m, &why, errp)) {
            ok = false;
            break;
        }
        uint64_t now = debug_now(d);
        if (why == MACHINE_STOP_SHUTDOWN || now >= stop) {
            break;
        }
        MachineDebugExit e = machine_last_debug_exit(m);
        if (exit_is_hit(e)) {
            uint64_t at = e == MACHINE_DEBUG_WATCHPOINT ? now + 1 : now;
            if (at < limit) {
                *hit = (ScanHit){ true, at, hit_reason(d, e) };
            }
            if (e == MACHINE_DEBUG_BREAKPOINT) {
                hart_breakpoint_skip_once(m->hart);
            } else {
                hart_watchpoint_skip_once(m->hart);
            }
        } else if (e == MACHINE_DEBUG_REQUEST) {
            /* Ctrl-C or QMP stop: the scan finishes first (it is bounded). */
            d->interrupt_req = false;
        }
    }
    debug_set_stop_at(d, DEBUG_NO_STOP);
    /* A Ctrl-C during the scan is answered by the stop that ends it. */
    loop_take_debug_stop(m->loop);
    return ok;
}

/* Find the last hit before now, newest interval first, and go there. */
static bool reverse_continue(DebugSession *d, GdbStopReason *out, Error **errp)
{
    uint64_t end = debug_now(d);
    uint64_t span = DEBUG_RC_FIRST_SPAN;
    bool ok = true;
    debug_mute(d, true);
    for (bool top = true; ; top = false) {
        if (end == 0) {
            ok = debug_seek(d, 0, errp);
            *out = stop_reason(GDB_STOP_REPLAY_BEGIN);
            break;
        }
        uint64_t lo = end > span ? end - span : 0;
        ScanHit hit = { 0 };
        /* In the first interval, only hits before where we are; a watchpoint
         * hit of the instruction just before is at `end` itself. In earlier
         * intervals that position (the access of the instruction just
         * before `lo` of the later one) is before where we started. */
        if (!reverse_scan(d, lo, end, top ? end : UINT64_MAX, &hit, errp)) {
            ok = false;
            break;
        }
        if (hit.found) {
            ok = debug_seek(d, hit.steps, errp);
            *out = hit.reason;
            break;
        }
        end = lo;
        if (span < (1ull << 62)) {
            span *= 2;
        }
    }
    debug_mute(d, false);
    return ok;
}

static bool debug_attached(const DebugSession *d)
{
    /* A terminal monitor (stdio, mon:stdio) does not hold a replay's end:
     * the run ends there as without one. */
    return (d->gdb && gdbstub_connected(d->gdb)) || (d->qmp && qmp_connected(d->qmp)) ||
           (d->hmp && d->o.monitor && strcmp(d->o.monitor, "stdio") && hmp_connected(d->hmp));
}

/* Someone can answer a debug stop: a debugger or a monitor. */
static bool debug_has_frontend(const DebugSession *d)
{
    return d->gdb || d->qmp || d->hmp || d->mux_hmp;
}

/* The exit status rrsim will have if the run ends now as it stands. */
static int debug_exit_status(const DebugSession *d)
{
    return machine_exit_status(d->m);
}

static const char *shutdown_reason(ShutdownCause c);

/* The session is over with this exit status: tell both front ends. */
static void debug_end(DebugSession *d, int status)
{
    ShutdownCause c = d->m->shutdown_cause;
    bool guest = c == SHUTDOWN_GUEST_POWEROFF || c == SHUTDOWN_GUEST_RESET ||
                 c == SHUTDOWN_GUEST_PANIC;
    bool failed = machine_replay_failed(d->mr);
    debug_notify(d, (GdbStopReason){ .kind = GDB_STOP_EXITED, .exit_code = status });
    debug_event(d, "SHUTDOWN", debug_shutdown_data(guest && !failed,
                                                   failed ? "host-error" : shutdown_reason(c)));
    d->running = false;
    d->status = "shutdown";
    d->ended = true;
}

/* Carry out a resume the debugger or the monitor asked for. */
static void debug_perform(DebugSession *d, DebugAction a)
{
    Error *err = NULL;
    GdbStopReason r = stop_reason(GDB_STOP_STEP_DONE);
    if (a == ACT_NONE) {
        return;
    }
    if (machine_replay_failed(d->mr)) {
        /* The replay failed earlier (a seek met a divergence, or the journal
         * ended early): nothing can run any more; end, and let main()
         * report the error. */
        debug_end(d, error_exit_status(machine_replay_error(d->mr)));
        return;
    }
    switch (a) {
    case ACT_NONE:
        return;
    case ACT_CONT:
    case ACT_STEP:
        if (d->at_end) {
            /* Continuing at the end (or gdb gone) ends the run there, with
             * the recording's exit status; a step stays at the end. */
            if (a == ACT_CONT || !debug_attached(d)) {
                debug_end(d, debug_exit_status(d));
                return;
            }
            debug_stopped(d, stop_reason(GDB_STOP_REPLAY_END));
            return;
        }
        if (a == ACT_STEP) {
            d->step_target = debug_now(d) + 1;
        }
        debug_start_running(d);
        return;
    case ACT_REVERSE_STEP: {
        /* Busy from here on: requests that arrive meanwhile (Ctrl-C, QMP)
         * are treated as arriving while the machine runs. */
        debug_start_running(d);
        uint64_t now = debug_now(d);
        if (now == 0) {
            r = stop_reason(GDB_STOP_REPLAY_BEGIN);
        } else if (!debug_seek(d, now - 1, &err)) {
            r = stop_reason(GDB_STOP_INTERRUPT);
        }
        break;
    }
    case ACT_REVERSE_CONT:
        debug_start_running(d);
        if (!reverse_continue(d, &r, &err)) {
            r = stop_reason(GDB_STOP_INTERRUPT);
        }
        break;
    }
    if (err) {
        error_prepend(&err, "reverse execution: ");
        warn_report("%s", error_get_message(err));
        error_free(err);
    }
    debug_stopped(d, r);
}

/* ---- text monitor (gdb "monitor CMD", QMP human-monitor-command) ---- */

static char *text_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *text_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = malloc(n > 0 ? (size_t)n + 1 : 1);
    if (!s) {
        abort();
    }
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static bool snap_save(DebugSession *d, const char *name, Error **errp);
static bool snap_load(DebugSession *d, const char *name, Error **errp);
static bool snap_delete(DebugSession *d, const char *name, Error **errp);
static bool seek_cmd(DebugSession *d, uint64_t steps, Error **errp);

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-') {
        return false;
    }
    unsigned long long v = strtoull(s, &end, 0);
    *out = v;
    return *end == '\0';
}

static char *info_registers(DebugSession *d)
{
    static const char *const abi[32] = {
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2",
        "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9",
        "s10", "s11", "t3", "t4", "t5", "t6" };
    Hart *h = d->m->hart;
    size_t cap = 2048, len = 0;
    char *s = malloc(cap);
    if (!s) {
        abort();
    }
    len += (size_t)snprintf(s + len, cap - len, " pc       %016" PRIx64 "  priv %d  icount %" PRIu64 "\n",
                            hart_get_pc(h), hart_priv(h), hart_icount(h));
    for (int i = 0; i < 32; i++) {
        len += (size_t)snprintf(s + len, cap - len, " x%-2d/%-4s %016" PRIx64 "%s", i, abi[i],
                                hart_get_xreg(h, i), i % 4 == 3 ? "\n" : " ");
    }
    return s;
}

static char *debug_monitor_text(DebugSession *d, const char *cmdline, Error **errp)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", cmdline);
    char *save = NULL;
    char *cmd = strtok_r(buf, " \t", &save);
    char *arg = strtok_r(NULL, " \t", &save);
    if (!cmd || !strcmp(cmd, "help")) {
        return strdup("commands: icount, info registers, info snapshots, savevm NAME,\n"
                      "          loadvm NAME, delvm NAME, seek ICOUNT (replay only)\n");
    }
    if (!strcmp(cmd, "icount")) {
        return text_printf("%" PRIu64 "\n", debug_now(d));
    }
    if (!strcmp(cmd, "info") && arg && !strcmp(arg, "registers")) {
        return info_registers(d);
    }
    if (!strcmp(cmd, "info") && arg && !strcmp(arg, "snapshots")) {
        if (!d->snap) {
            error_setc(errp, ERR_USAGE, "snapshots are not enabled");
            return NULL;
        }
        char **names;
        uint64_t *steps;
        size_t n;
        if (!machine_snap_list(d->snap, &names, &steps, &n, errp)) {
            return NULL;
        }
        char *out = strdup("");
        for (size_t i = 0; i < n && out; i++) {
            char *o2 = text_printf("%s%-20s icount %" PRIu64 "\n", out, names[i], steps[i]);
            free(out);
            out = o2;
        }
        machine_snap_list_free(names, steps, n);
        return out;
    }
    bool ok;
    if (!strcmp(cmd, "savevm") && arg) {
        ok = snap_save(d, arg, errp);
    } else if (!strcmp(cmd, "loadvm") && arg) {
        ok = snap_load(d, arg, errp);
    } else if (!strcmp(cmd, "delvm") && arg) {
        ok = snap_delete(d, arg, errp);
    } else if (!strcmp(cmd, "seek") && arg) {
        uint64_t n;
        if (!parse_u64(arg, &n)) {
            error_setc(errp, ERR_USAGE, "seek: '%s' is not an instruction count", arg);
            return NULL;
        }
        ok = seek_cmd(d, n, errp);
        if (ok) {
            return text_printf("at icount %" PRIu64 "\n", debug_now(d));
        }
    } else {
        error_setc(errp, ERR_USAGE, "unknown command '%s' (try 'help')", cmdline);
        return NULL;
    }
    return ok ? strdup("") : NULL;
}

/* ---- actions shared by QMP, the text monitor and -loadvm ---- */

static bool snap_available(DebugSession *d, Error **errp)
{
    if (!debug_have_snap(d)) {
        error_setc(errp, ERR_USAGE, "snapshots are not available (no snapshot support)");
        return false;
    }
    return true;
}

static bool snap_save(DebugSession *d, const char *name, Error **errp)
{
    if (!snap_available(d, errp)) {
        return false;
    }
    return machine_snap_save(d->snap, name, errp);
}

static bool require_paused(DebugSession *d, const char *what, Error **errp)
{
    if (d->running) {
        error_setc(errp, ERR_USAGE, "%s: the machine is running; stop it first", what);
        return false;
    }
    return true;
}

static bool snap_load(DebugSession *d, const char *name, Error **errp)
{
    if (!snap_available(d, errp) || !require_paused(d, "loading a snapshot", errp)) {
        return false;
    }
    if (!machine_snap_load(d->snap, name, errp)) {
        return false;
    }
    loop_take_debug_stop(d->m->loop);
    d->at_end = false;
    return true;
}

static bool snap_delete(DebugSession *d, const char *name, Error **errp)
{
    if (!snap_available(d, errp)) {
        return false;
    }
    return machine_snap_delete(d->snap, name, errp);
}

static bool seek_cmd(DebugSession *d, uint64_t steps, Error **errp)
{
    if (!debug_need_replay(d, "replay-seek", errp) || !require_paused(d, "replay-seek", errp)) {
        return false;
    }
    if (!debug_seek(d, steps, errp)) {
        return false;
    }
    /* The debugger's idea of where it stopped follows the seek. */
    if (d->gdb) {
        gdbstub_notify_stop(d->gdb, stop_reason(GDB_STOP_STEP_DONE));
    }
    d->status = "debug";
    return true;
}

/* ---- GdbTargetOps ---- */

static void gdb_attach(void *t)
{
    DebugSession *d = t;
    if (d->running) {
        d->interrupt_req = true;
        loop_request_debug_stop(d->m->loop);
    }
}

static bool gdb_read_reg(void *t, int regno, uint64_t *value)
{
    DebugSession *d = t;
    if (regno == GDB_REGNO_PRIV) {
        *value = (uint64_t)hart_priv(d->m->hart);
        return true;
    }
    return hart_read_reg(d->m->hart, regno, value);
}

static bool gdb_read_core_regs(void *t, uint64_t regs[33])
{
    DebugSession *d = t;
    for (int i = 0; i < 32; i++) {
        regs[i] = hart_get_xreg(d->m->hart, i);
    }
    regs[32] = hart_get_pc(d->m->hart);
    return true;
}

static bool refuse_write(DebugSession *d, const char *what, Error **errp)
{
    if (d->replaying) {
        error_setg(errp, "%s are read-only during replay", what);
        return true;
    }
    if (d->recording) {
        error_setg(errp, "%s are read-only while recording (the change would not be journaled)",
                   what);
        return true;
    }
    return false;
}

static bool gdb_write_reg(void *t, int regno, uint64_t value, Error **errp)
{
    DebugSession *d = t;
    if (refuse_write(d, "registers", errp)) {
        return false;
    }
    if (regno == GDB_REGNO_PRIV || !hart_write_reg(d->m->hart, regno, value)) {
        error_setg(errp, "register %d cannot be written", regno);
        return false;
    }
    return true;
}

static bool gdb_read_mem(void *t, uint64_t addr, void *buf, size_t len)
{
    DebugSession *d = t;
    return hart_debug_read(d->m->hart, addr, buf, len);
}

static bool gdb_write_mem(void *t, uint64_t addr, const void *buf, size_t len, Error **errp)
{
    DebugSession *d = t;
    if (refuse_write(d, "memory contents", errp)) {
        return false;
    }
    if (!hart_debug_write(d->m->hart, addr, buf, len)) {
        error_setg(errp, "cannot write %zu bytes at 0x%" PRIx64, len, addr);
        return false;
    }
    return true;
}

static bool gdb_insert_point(void *t, GdbPointType type, uint64_t addr, uint64_t len,
                             Error **errp)
{
    DebugSession *d = t;
    if (point_find(d, type, addr, len) >= 0) {
        return true;
    }
    if (d->npts == DEBUG_MAX_POINTS) {
        error_setg(errp, "too many break/watchpoints (at most %d)", DEBUG_MAX_POINTS);
        return false;
    }
    bool ok = point_is_break(type) ? hart_breakpoint_insert(d->m->hart, addr)
                                   : hart_watchpoint_insert(d->m->hart, addr, len, watch_kind(type));
    if (!ok) {
        error_setg(errp, "the hart cannot take another %s", point_is_break(type) ? "breakpoint"
                                                                               : "watchpoint");
        return false;
    }
    d->pts[d->npts++] = (DebugPoint){ type, addr, len };
    return true;
}

static bool gdb_remove_point(void *t, GdbPointType type, uint64_t addr, uint64_t len,
                             Error **errp)
{
    DebugSession *d = t;
    int i = point_find(d, type, addr, len);
    if (i < 0) {
        error_setg(errp, "no such break/watchpoint");
        return false;
    }
    d->pts[i] = d->pts[--d->npts];
    if (!point_is_break(type)) {
        hart_watchpoint_remove(d->m->hart, addr, len, watch_kind(type));
    } else if (point_find(d, type == GDB_POINT_SW_BREAK ? GDB_POINT_HW_BREAK
                                                        : GDB_POINT_SW_BREAK, addr, 0) < 0) {
        /* The hart holds one breakpoint per pc, shared by Z0 and Z1. */
        hart_breakpoint_remove(d->m->hart, addr);
    }
    return true;
}

static bool gdb_can_reverse(void *t)
{
    DebugSession *d = t;
    return d->replaying && debug_have_snap(d);
}

static bool gdb_resume(void *t, GdbResumeKind kind, Error **errp)
{
    DebugSession *d = t;
    switch (kind) {
    case GDB_RESUME_CONTINUE:
        d->action = ACT_CONT;
        return true;
    case GDB_RESUME_STEP:
        d->action = ACT_STEP;
        return true;
    case GDB_RESUME_REVERSE_CONTINUE:
    case GDB_RESUME_REVERSE_STEP:
        if (!debug_need_replay(d, "reverse execution", errp)) {
            return false;
        }
        d->action = kind == GDB_RESUME_REVERSE_STEP ? ACT_REVERSE_STEP : ACT_REVERSE_CONT;
        return true;
    }
    error_setg(errp, "unknown resume kind");
    return false;
}

static void gdb_interrupt(void *t)
{
    DebugSession *d = t;
    if (d->running) {
        d->interrupt_req = true;
        loop_request_debug_stop(d->m->loop);
        return;
    }
    /* Not started yet (or already stopped): answer at once. */
    d->action = ACT_NONE;
    debug_notify(d, stop_reason(GDB_STOP_INTERRUPT));
}

static void gdb_detach(void *t)
{
    DebugSession *d = t;
    points_remove_all(d);
    if (!d->running && !d->quit_req) {
        d->action = ACT_CONT;
    }
}

static void gdb_kill(void *t)
{
    DebugSession *d = t;
    d->quit_req = true;
    if (d->running) {
        loop_request_debug_stop(d->m->loop);
    }
}

static char *gdb_monitor(void *t, const char *cmd, Error **errp)
{
    return debug_monitor_text(t, cmd, errp);
}

static const GdbTargetOps debug_gdb_ops = {
    .attach = gdb_attach,
    .read_reg = gdb_read_reg,
    .read_core_regs = gdb_read_core_regs,
    .write_reg = gdb_write_reg,
    .read_mem = gdb_read_mem,
    .write_mem = gdb_write_mem,
    .insert_point = gdb_insert_point,
    .remove_point = gdb_remove_point,
    .resume = gdb_resume,
    .can_reverse = gdb_can_reverse,
    .interrupt = gdb_interrupt,
    .detach = gdb_detach,
    .kill = gdb_kill,
    .monitor = gdb_monitor,
};

/* ---- QmpOps ---- */

static void qmp_query_status(void *t, QmpStatus *st)
{
    DebugSession *d = t;
    st->running = d->running;
    st->status = d->running ? "running" : d->status;
}

static bool qmp_stop(void *t, Error **errp)
{
    DebugSession *d = t;
    (void)errp;
    if (d->running) {
        d->interrupt_req = true;
        loop_request_debug_stop(d->m->loop);
    } else {
        d->action = ACT_NONE;
    }
    return true;
}

static bool qmp_cont(void *t, Error **errp)
{
    DebugSession *d = t;
    if (d->powered_off) {
        /* QEMU's words for a guest stopped by -no-shutdown. */
        error_setg(errp, "Resetting the Virtual Machine is required");
        return false;
    }
    if (d->at_end) {
        error_setg(errp, "the replay has reached its end; seek backwards first");
        return false;
    }
    if (!d->running) {
        d->action = ACT_CONT;
    }
    return true;
}

static bool qmp_system_reset(void *t, Error **errp)
{
    DebugSession *d = t;
    if (d->replaying || d->recording) {
        error_setg(errp, "system_reset is not available while recording or replaying "
                         "(it would not be journaled)");
        return false;
    }
    if (d->running) {
        loop_request_reset(d->m->loop);
    } else {
        machine_reset(d->m);
    }
    if (d->powered_off) {
        /* Back from -no-shutdown's stop: paused, ready to continue. */
        d->powered_off = false;
        d->m->shutdown_cause = SHUTDOWN_NONE;
        d->m->exit_code = 0;
        d->status = "paused";
    }
    debug_event(d, "RESET", debug_shutdown_data(false, "host-qmp-system-reset"));
    return true;
}

static bool qmp_quit(void *t, Error **errp)
{
    (void)errp;
    gdb_kill(t);
    return true;
}

static bool qmp_query_replay(void *t, QmpReplayInfo *info, Error **errp)
{
    DebugSession *d = t;
    (void)errp;
    info->mode = d->replaying ? "play" : d->recording ? "record" : "none";
    info->filename = (d->replaying || d->recording) ? d->m->opts.icount.rrfile : NULL;
    info->icount = debug_now(d);
    return true;
}

static bool qmp_replay_break(void *t, uint64_t icount, Error **errp)
{
    DebugSession *d = t;
    if (!d->replaying) {
        error_setg(errp, "replay-break is only valid while replaying");
        return false;
    }
    if (icount <= debug_now(d)) {
        error_setg(errp, "cannot set a replay break at icount %" PRIu64 ": the replay is at %" PRIu64,
                   icount, debug_now(d));
        return false;
    }
    d->break_at = icount;
    return true;
}

static bool qmp_replay_delete_break(void *t, Error **errp)
{
    DebugSession *d = t;
    (void)errp;
    d->break_at = DEBUG_NO_STOP;
    return true;
}

static bool qmp_replay_seek(void *t, uint64_t icount, Error **errp)
{
    return seek_cmd(t, icount, errp);
}

static bool qmp_snapshot_save(void *t, const char *name, Error **errp)
{
    return snap_save(t, name, errp);
}

static bool qmp_snapshot_load(void *t, const char *name, Error **errp)
{
    return snap_load(t, name, errp);
}

static bool qmp_snapshot_delete(void *t, const char *name, Error **errp)
{
    return snap_delete(t, name, errp);
}

static bool qmp_snapshot_list(void *t, QmpSnapshotInfo **list, size_t *count, Error **errp)
{
    DebugSession *d = t;
    if (!snap_available(d, errp)) {
        return false;
    }
    char **names;
    uint64_t *steps;
    size_t n;
    if (!machine_snap_list(d->snap, &names, &steps, &n, errp)) {
        return false;
    }
    *list = n ? calloc(n, sizeof(**list)) : NULL;
    if (n && !*list) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        (*list)[i].name = strdup(names[i]);
        (*list)[i].icount = steps[i];
    }
    *count = n;
    machine_snap_list_free(names, steps, n);
    return true;
}

static char *qmp_hmp(void *t, const char *cmdline, Error **errp)
{
    return debug_monitor_text(t, cmdline, errp);
}

static const QmpOps debug_qmp_ops = {
    .query_status = qmp_query_status,
    .stop = qmp_stop,
    .cont = qmp_cont,
    .system_reset = qmp_system_reset,
    .quit = qmp_quit,
    .query_replay = qmp_query_replay,
    .replay_break = qmp_replay_break,
    .replay_delete_break = qmp_replay_delete_break,
    .replay_seek = qmp_replay_seek,
    .snapshot_save = qmp_snapshot_save,
    .snapshot_load = qmp_snapshot_load,
    .snapshot_delete = qmp_snapshot_delete,
    .snapshot_list = qmp_snapshot_list,
    .human_monitor_command = qmp_hmp,
};


/* ---- HmpOps (the human monitor) ---- */

static void hmp_info_registers(void *t, FILE *out)
{
    /* QEMU's riscv_cpu_dump_state() layout (this hart has no H extension). */
    static const char *const abi[32] = {
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2",
        "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9",
        "s10", "s11", "t3", "t4", "t5", "t6" };
    static const char *const fabi[32] = {
        "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1",
        "fa2", "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7",
        "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11" };
    static const struct { const char *name; int csr; } csrs[] = {
        { "mhartid", 0xf14 }, { "mstatus", 0x300 }, { "mip", 0x344 }, { "mie", 0x304 },
        { "mideleg", 0x303 }, { "medeleg", 0x302 }, { "mtvec", 0x305 }, { "stvec", 0x105 },
        { "mepc", 0x341 }, { "sepc", 0x141 }, { "mcause", 0x342 }, { "scause", 0x142 },
        { "mtval", 0x343 }, { "stval", 0x143 }, { "mscratch", 0x340 }, { "sscratch", 0x140 },
        { "satp", 0x180 } };
    DebugSession *d = t;
    Hart *h = d->m->hart;
    fprintf(out, "CPU#0\n %-8s %016" PRIx64 "\n", "pc", hart_get_pc(h));
    for (size_t i = 0; i < sizeof(csrs) / sizeof(csrs[0]); i++) {
        uint64_t v;
        if (hart_read_reg(h, 65 + csrs[i].csr, &v)) {
            fprintf(out, " %-8s %016" PRIx64 "\n", csrs[i].name, v);
        }
    }
    for (int i = 0; i < 32; i++) {
        char name[16];
        snprintf(name, sizeof(name), "x%d/%s", i, abi[i]);
        fprintf(out, " %-8s %016" PRIx64 "%s", name, hart_get_xreg(h, i), i % 4 == 3 ? "\n" : "");
    }
    uint64_t f;
    if (hart_read_reg(h, 33, &f)) {
        for (int i = 0; i < 32; i++) {
            char name[16];
            hart_read_reg(h, 33 + i, &f);
            snprintf(name, sizeof(name), "f%d/%s", i, fabi[i]);
            fprintf(out, " %-8s %016" PRIx64 "%s", name, f, i % 4 == 3 ? "\n" : "");
        }
    }
}

static void hmp_info_mtree(void *t, FILE *out)
{
    DebugSession *d = t;
    const AddressSpace *as = &d->m->as;
    fputs("address-space: memory\n"
          "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n", out);
    for (int i = 0; i < as->nregions; i++) {
        const MemRegion *r = &as->regions[i];
        fprintf(out, "    %016" PRIx64 "-%016" PRIx64 " (prio 0, %s): %s\n", r->base,
                r->base + r->size - 1,
                r->kind == MEM_RAM ? "ram" : r->kind == MEM_ROM ? "rom" : "i/o", r->name);
    }
    fputc('\n', out);
}

static void hmp_info_qtree(void *t, FILE *out)
{
    DebugSession *d = t;
    const AddressSpace *as = &d->m->as;
    fputs("bus: main-system-bus\n  type System\n", out);
    for (int i = 0; i < as->nregions; i++) {
        const MemRegion *r = &as->regions[i];
        if (r->kind == MEM_MMIO) {
            fprintf(out, "  dev: %s, id \"\"\n    mmio %016" PRIx64 "/%016" PRIx64 "\n", r->name,
                    r->base, r->size);
        }
    }
}

static bool hmp_read_mem(void *t, uint64_t addr, bool phys, void *buf, size_t len)
{
    DebugSession *d = t;
    return phys ? mem_copy_from(&d->m->as, addr, buf, len)
                : hart_debug_read(d->m->hart, addr, buf, len);
}

static bool hmp_read_reg(void *t, const char *name, uint64_t *value)
{
    static const char *const abi[32] = {
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2",
        "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9",
        "s10", "s11", "t3", "t4", "t5", "t6" };
    DebugSession *d = t;
    if (!strcmp(name, "pc")) {
        *value = hart_get_pc(d->m->hart);
        return true;
    }
    for (int i = 0; i < 32; i++) {
        char xn[8];
        snprintf(xn, sizeof(xn), "x%d", i);
        if (!strcmp(name, abi[i]) || !strcmp(name, xn) || (i == 8 && !strcmp(name, "fp"))) {
            *value = hart_get_xreg(d->m->hart, i);
            return true;
        }
    }
    return false;
}

static bool hmp_busy(void *t)
{
    DebugSession *d = t;
    return d->action != ACT_NONE || d->quit_req || (d->running && d->interrupt_req);
}

static const HmpOps debug_hmp_ops = {
    .busy = hmp_busy,
    .qmp = &debug_qmp_ops,
    .info_registers = hmp_info_registers,
    .info_mtree = hmp_info_mtree,
    .info_qtree = hmp_info_qtree,
    .read_mem = hmp_read_mem,
    .read_reg = hmp_read_reg,
    .disas = riscv_disas,
};

/* The monitor behind Ctrl-A c: its own session on the mux's terminal. */
static void mux_monitor_write(void *opaque, const char *buf, size_t len)
{
    DebugSession *d = opaque;
    chardev_mux_monitor_write(d->mux, (const uint8_t *)buf, len);
}

static void mux_monitor_focus(void *opaque, bool focused)
{
    DebugSession *d = opaque;
    if (!focused) {
        return;
    }
    if (!d->mux_hmp) {
        /* The first switch opens the session (banner and prompt); a raw
         * terminal does not echo, so the session does. From here on the
         * replay may be seeked: check it as under any other monitor (not
         * before, so a plain -nographic replay runs at full speed). */
        if (d->replaying) {
            machine_replay_enable_selfcheck(d->mr, DEBUG_SELFCHECK_PERIOD);
        }
        d->mux_hmp = hmp_session_new(&debug_hmp_ops, d, mux_monitor_write, d,
                                     isatty(STDIN_FILENO));
    } else {
        mux_monitor_write(d, "\n", 1);
        hmp_session_prompt(d->mux_hmp);
    }
}

static void mux_monitor_input(void *opaque, const uint8_t *buf, size_t len)
{
    DebugSession *d = opaque;
    if (d->mux_hmp) {
        hmp_session_input(d->mux_hmp, (const char *)buf, len);
    }
}

/* ---- running ---- */

static const char *shutdown_reason(ShutdownCause c)
{
    switch (c) {
    case SHUTDOWN_GUEST_POWEROFF: return "guest-shutdown";
    case SHUTDOWN_GUEST_RESET:    return "guest-reset";
    case SHUTDOWN_HOST_SIGNAL:    return "host-signal";
    case SHUTDOWN_HOST_MONITOR:   return "host-qmp-quit";
    case SHUTDOWN_REPLAY_END:     return "replay-end";
    case SHUTDOWN_GUEST_PANIC:    return "guest-panic";
    case SHUTDOWN_TIMEOUT:        return "timeout";
    case SHUTDOWN_CONSOLE_MATCH:  return "console-match";
    default:                      return "host-error";
    }
}

/* The run ended with a shutdown. Returns true when the session is over; a
 * replay that reaches its end with a debugger attached stays paused there
 * instead, so the debugger can look around and go back. */
static bool debug_shutdown(DebugSession *d)
{
    Machine *m = d->m;
    ShutdownCause c = m->shutdown_cause;
    /* Under gdb a replay also pauses where the guest powered off or reset,
     * its last recorded step: gdb gets "replaylog:end" (as from QEMU's
     * record/replay) and can go back from there; continuing once more,
     * detaching or killing ends the run with the recording's status. */
    bool guest_end = (c == SHUTDOWN_GUEST_POWEROFF || c == SHUTDOWN_GUEST_RESET ||
                      c == SHUTDOWN_GUEST_PANIC || c == SHUTDOWN_TIMEOUT ||
                      c == SHUTDOWN_CONSOLE_MATCH) &&
                     d->replaying && debug_have_snap(d) && d->gdb && gdbstub_connected(d->gdb);
    if ((c == SHUTDOWN_REPLAY_END || guest_end) && !d->quit_req && debug_attached(d) &&
        !machine_replay_failed(d->mr)) {
        d->at_end = true;
        debug_stopped(d, stop_reason(GDB_STOP_REPLAY_END));
        return false;
    }
    /* -no-shutdown: the guest's poweroff only stops it (QEMU's run state
     * "shutdown"); quit ends the run with the guest's status. */
    if (c == SHUTDOWN_GUEST_POWEROFF && d->o.no_shutdown && !d->quit_req &&
        !machine_replay_failed(d->mr)) {
        debug_stopped(d, stop_reason(GDB_STOP_INTERRUPT));
        d->powered_off = true;
        d->status = "shutdown";
        debug_event(d, "SHUTDOWN", debug_shutdown_data(true, "guest-shutdown"));
        return false;
    }
    /* A failed replay exits with its error's status (main() reports it). */
    const Error *failure = machine_replay_error(d->mr);
    debug_end(d, failure ? error_exit_status(failure) : debug_exit_status(d));
    return true;
}

/* A debug stop ended machine_run(): say why. */
static void debug_stop_reached(DebugSession *d)
{
    uint64_t now = debug_now(d);
    MachineDebugExit e = machine_last_debug_exit(d->m);
    GdbStopReason r;
    if (now == d->step_target) {
        r = stop_reason(GDB_STOP_STEP_DONE);
    } else if (now == d->break_at) {
        d->break_at = DEBUG_NO_STOP;
        r = stop_reason(GDB_STOP_STEP_DONE);
    } else if (exit_is_hit(e)) {
        /* Also when a Ctrl-C raced with it: this stop answers both. */
        r = hit_reason(d, e);
    } else if (e == MACHINE_DEBUG_REQUEST || d->interrupt_req) {
        r = stop_reason(GDB_STOP_INTERRUPT);
    } else {
        r = stop_reason(GDB_STOP_STEP_DONE);
    }
    debug_stopped(d, r);
    /* The hart stopped before the access, where gdb expects a riscv
     * watchpoint to stop (it steps over the access itself, with the
     * watchpoints out). Whatever resumes from here makes the access. */
    if (r.kind == GDB_STOP_WATCH_WRITE || r.kind == GDB_STOP_WATCH_READ ||
        r.kind == GDB_STOP_WATCH_ACCESS) {
        hart_watchpoint_skip_once(d->m->hart);
    }
}

/* QMP quit / gdb kill: end the run through the gate, so a recording
 * journals it and a replay knows the user stopped it. */
static bool debug_quit(DebugSession *d, Error **errp)
{
    Machine *m = d->m;
    if (d->at_end || d->powered_off) {
        /* Already where the recording ended (or the guest powered off):
         * end as it did. */
        debug_end(d, debug_exit_status(d));
        return true;
    }
    points_remove_all(d);
    debug_set_stop_at(d, DEBUG_NO_STOP);
    loop_take_debug_stop(m->loop);
    machine_host_shutdown(m, SHUTDOWN_HOST_MONITOR, 0);
    for (int i = 0; i < 16; i++) {
        MachineStop why;
        if (!machine_run(m, &why, errp)) {
            return false;
        }
        if (why == MACHINE_STOP_SHUTDOWN) {
            debug_shutdown(d);
            return true;
        }
    }
    error_setg(errp, "the machine did not stop after quit");
    return false;
}

bool debug_run(DebugSession *d, Error **errp)
{
    Machine *m = d->m;
    for (;;) {
        if (d->quit_req) {
            return debug_quit(d, errp);
        }
        DebugAction a = d->action;
        d->action = ACT_NONE;
        debug_perform(d, a);
        if (d->ended) {
            return true;
        }
        /* Monitor lines that waited for that to happen. */
        hmp_pump(d->hmp);
        if (d->mux_hmp) {
            hmp_session_pump(d->mux_hmp);
        }
        if (d->quit_req) {
            continue;
        }
        if (d->running) {
            /* After going back, the console does not show again what it
             * showed before: output stays muted up to the furthest step
             * reached so far, where the run pauses for a moment to unmute. */
            bool behind = d->replaying && debug_now(d) < d->high_water;
            uint64_t stop = d->step_target < d->break_at ? d->step_target : d->break_at;
            if (behind && d->high_water < stop) {
                stop = d->high_water;
            }
            debug_mute(d, behind);
            debug_set_stop_at(d, stop);
            MachineStop why;
            if (!machine_run(m, &why, errp)) {
                return false;
            }
            uint64_t now = debug_now(d);
            if (now > d->high_water) {
                d->high_water = now;
            }
            /* Only the pause at high_water itself is passed over; a
             * breakpoint there is reported by the next run, which stops on
             * it before executing anything. */
            if (why == MACHINE_STOP_DEBUG && behind &&
                machine_last_debug_exit(m) == MACHINE_DEBUG_STOP_AT && now == d->high_water &&
                now != d->step_target && now != d->break_at && !d->interrupt_req &&
                !d->quit_req) {
                continue;
            }
            debug_mute(d, false);
            if (why == MACHINE_STOP_SHUTDOWN) {
                if (debug_shutdown(d)) {
                    return true;
                }
            } else if (!d->quit_req && (debug_has_frontend(d) || d->step_target != DEBUG_NO_STOP)) {
                debug_stop_reached(d);
            }
            continue;
        }
        Error *local = NULL;
        main_loop_wait(m->loop, false, &local);
        if (local) {
            error_propagate(errp, local);
            return false;
        }
        /* A signal while paused ends the session like it would a run. */
        if (loop_shutdown_requested(m->loop) && d->action == ACT_NONE) {
            d->running = true;
        }
    }
}

/* ---- lifecycle ---- */

DebugSession *debug_new(Machine *m, MachineReplay *mr, const DebugOptions *o, Error **errp)
{
    DebugSession *d = calloc(1, sizeof(*d));
    if (!d) {
        abort();
    }
    d->m = m;
    d->mr = mr;
    d->o = *o;
    d->recording = m->opts.icount.rr == ICOUNT_RR_RECORD;
    d->replaying = m->opts.icount.rr == ICOUNT_RR_REPLAY;
    d->step_target = DEBUG_NO_STOP;
    d->break_at = DEBUG_NO_STOP;
    /* Paused until -loadvm is applied: the machine has not started yet. */
    d->running = false;
    d->status = "prelaunch";

    bool want_snap = o->gdb || o->qmp || o->monitor || o->mux_monitor || o->loadvm ||
                     o->snapshot_store ||
                     m->opts.icount.rrsnapshot || d->recording || d->replaying;
    if (want_snap) {
        MachineSnapOptions so;
        machine_snap_options_init(&so);
        if (o->snapshot_store) {
            so.store_path = o->snapshot_store;
        }
        /* A seek replays from the latest snapshot before its target, so the
         * period bounds the cost of a reverse-stepi. */
        if (d->replaying && so.period_steps > DEBUG_SNAP_PERIOD) {
            so.period_steps = DEBUG_SNAP_PERIOD;
        }
        so.rrsnapshot = m->opts.icount.rrsnapshot;
        d->snap = machine_snap_new(m, mr, &so, errp);
        if (!d->snap) {
            goto fail;
        }
    }
    /* Debugging a replay must not change it; this is the net that catches
     * any operation that did (a seek, a snapshot, a reverse step). */
    if (d->replaying && (o->gdb || o->qmp || o->monitor)) {
        machine_replay_enable_selfcheck(mr, DEBUG_SELFCHECK_PERIOD);
    }
    if (o->loadvm && !snap_load(d, o->loadvm, errp)) {
        error_prepend(errp, "-loadvm %s: ", o->loadvm);
        goto fail;
    }
    if (!o->start_stopped) {
        d->running = true;
        d->status = "running";
    }
    if (o->qmp) {
        d->qmp = qmp_new(m->loop, o->qmp, &debug_qmp_ops, d, errp);
        if (!d->qmp) {
            error_prepend(errp, "-qmp %s: ", o->qmp);
            goto fail;
        }
    }
    if (o->monitor && strcmp(o->monitor, "none")) {
        d->hmp = hmp_new(m->loop, o->monitor, &debug_hmp_ops, d, errp);
        if (!d->hmp) {
            error_prepend(errp, "-monitor %s: ", o->monitor);
            goto fail;
        }
    }
    if (o->mux_monitor && m->nserial > 0 && chardev_is_mux(m->serial[0])) {
        d->mux = m->serial[0];
        chardev_set_mux_monitor(d->mux, mux_monitor_input, mux_monitor_focus, d);
    }
    if (o->gdb) {
        d->gdb = gdbstub_new(m->loop, o->gdb, &debug_gdb_ops, d, errp);
        if (!d->gdb) {
            error_prepend(errp, "-gdb %s: ", o->gdb);
            goto fail;
        }
    }
    return d;

fail:
    debug_free(d);
    return NULL;
}

void debug_free(DebugSession *d)
{
    if (!d) {
        return;
    }
    gdbstub_free(d->gdb);
    qmp_free(d->qmp);
    hmp_free(d->hmp);
    if (d->mux) {
        chardev_set_mux_monitor(d->mux, NULL, NULL, NULL);
    }
    hmp_session_free(d->mux_hmp);
    machine_snap_free(d->snap);
    free(d);
}
