/* replay: see replay.h. */
#include "sim/replay/replay.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "sim/replay/journal_internal.h"

/* One stream of the journal (async or sync events) with a one-event lookahead. */
typedef struct Stream {
    JournalCursor *cur;
    bool sync;            /* which kinds this stream carries */
    bool have_head;
    bool at_end;
    JournalEvent head;
} Stream;

struct Replay {
    ReplayMode mode;
    char *path;
    JournalManifest manifest;
    /* RECORD */
    JournalWriter *w;
    /* PLAY */
    JournalReader *rd;
    Stream async, sync;
    bool truncated;
    uint64_t stop_steps;      /* truncated: where the readable part ends */
    bool ended;               /* END taken */
    JournalEvent end_ev;
    /* sticky error */
    Error *err;
    void (*fail)(void *opaque);
    void *fail_opaque;
};

static void set_sticky(Replay *r, Error *err)
{
    if (r->err) {
        error_free(err);
        return;
    }
    r->err = err;
    if (r->fail) {
        r->fail(r->fail_opaque);
    }
}

/* Report the pending error (if any) and fail. */
static bool report(Replay *r, Error **errp);

static Error *copy_error(const Error *e)
{
    Error *c = NULL;
    error_setc(&c, error_get_class(e), "%s", error_get_message(e));
    return c;
}

static void diverged(Replay *r, uint64_t steps, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void diverged(Replay *r, uint64_t steps, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    Error *e = NULL;
    error_setc(&e, ERR_DIVERGENCE, "replay diverged at step %" PRIu64 ": %s", steps, msg);
    set_sticky(r, e);
}

/* ---- manifest ---- */

/* The machine options are "key=value" fields joined by commas (the last
 * one, the kernel command line, may itself hold commas). Names the first
 * field that differs; for values made of '_'-separated names (the ISA
 * string) also which names only one side has. */
static void manifest_field_diff(const char *rec, const char *now, char *out, size_t len)
{
    const char *r = rec, *n = now;
    size_t rl, nl;
    for (;;) {
        rl = strcspn(r, ",");
        nl = strcspn(n, ",");
        if (rl != nl || memcmp(r, n, rl) || !r[rl] || !n[nl] ||
            !strncmp(r, "append=", 7)) {
            break;
        }
        r += rl + 1;
        n += nl + 1;
    }
    if (!strncmp(r, "append=", 7)) {
        rl = strlen(r);
        nl = strlen(n);
    }
    int used = snprintf(out, len, "'%.*s' in the recording, '%.*s' now", (int)rl, r, (int)nl, n);
    const char *req = memchr(r, '=', rl), *neq = memchr(n, '=', nl);
    if (used < 0 || (size_t)used >= len || !req || !neq || (req - r) != (neq - n) ||
        memcmp(r, n, (size_t)(req - r)) || !memchr(r, '_', rl)) {
        return;
    }
    /* Names on one side only, as +name (this run) and -name (recording). */
    const char *side[2][2] = { { neq + 1, n + nl }, { req + 1, r + rl } };
    const char *sign = "+-";
    bool any = false;
    for (int s = 0; s < 2; s++) {
        const char *o0 = side[1 - s][0], *o1 = side[1 - s][1];
        for (const char *p = side[s][0]; p < side[s][1];) {
            size_t tl = strcspn(p, "_,");
            if (p + tl > side[s][1]) {
                tl = (size_t)(side[s][1] - p);
            }
            bool found = false;
            for (const char *q = o0; q < o1 && !found;) {
                size_t ql = strcspn(q, "_,");
                if (q + ql > o1) {
                    ql = (size_t)(o1 - q);
                }
                found = ql == tl && !memcmp(p, q, tl);
                q += ql + 1;
            }
            if (!found && (size_t)used + tl + 8 < len) {
                used += snprintf(out + used, len - (size_t)used, "%s%c%.*s",
                                 any ? " " : " (", sign[s], (int)tl, p);
                any = true;
            }
            p += tl + 1;
        }
    }
    if (any && (size_t)used + 2 < len) {
        snprintf(out + used, len - (size_t)used, ")");
    }
}

bool replay_manifest_check(const JournalManifest *rec, const JournalManifest *now, Error **errp)
{
    if (strcmp(rec->rrsim_version, now->rrsim_version)) {
        error_setc(errp, ERR_JOURNAL_MISMATCH,
                   "journal was recorded by rrsim %s; this is rrsim %s", rec->rrsim_version,
                   now->rrsim_version);
        return false;
    }
    if (strcmp(rec->machine, now->machine)) {
        char diff[512];
        manifest_field_diff(rec->machine, now->machine, diff, sizeof(diff));
        error_setc(errp, ERR_JOURNAL_MISMATCH,
                   "journal was recorded with other machine options: %s (recorded '%s'; this "
                   "run has '%s')", diff, rec->machine, now->machine);
        return false;
    }
    if (rec->icount_shift != now->icount_shift) {
        error_setc(errp, ERR_JOURNAL_MISMATCH,
                   "journal was recorded with icount shift %d; this run has shift %d",
                   rec->icount_shift, now->icount_shift);
        return false;
    }
    for (size_t i = 0; i < rec->n_inputs; i++) {
        const JournalInput *a = &rec->inputs[i];
        if (!strcmp(a->name, JOURNAL_INPUT_RECORDING)) {
            continue; /* the recording's own id, not an input */
        }
        const JournalInput *b = journal_manifest_find(now, a->name);
        char ha[33], hb[33];
        hash_to_hex(a->hash, ha);
        if (!b) {
            error_setc(errp, ERR_JOURNAL_MISMATCH,
                       "journal was recorded with a %s (%s) that this run does not have",
                       a->name, ha);
            return false;
        }
        if (!hash_equal(a->hash, b->hash)) {
            hash_to_hex(b->hash, hb);
            error_setc(errp, ERR_JOURNAL_MISMATCH,
                       "journal was recorded with a different %s (recorded %s, now %s)",
                       a->name, ha, hb);
            return false;
        }
    }
    for (size_t i = 0; i < now->n_inputs; i++) {
        if (strcmp(now->inputs[i].name, JOURNAL_INPUT_RECORDING) &&
            !journal_manifest_find(rec, now->inputs[i].name)) {
            error_setc(errp, ERR_JOURNAL_MISMATCH,
                       "this run has a %s that the journal was recorded without",
                       now->inputs[i].name);
            return false;
        }
    }
    return true;
}

/* ---- open / free ---- */

/* Names this recording (JOURNAL_INPUT_RECORDING). Host randomness, but it
 * never reaches the guest: only snapshots are bound to it. */
static Hash128 recording_nonce(void)
{
    uint8_t b[16] = { 0 };
    size_t got = 0;
    while (got < sizeof(b)) {
        ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    if (got < sizeof(b)) {
        /* No entropy source: the process and its clock still tell two
         * recordings apart. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t v[3] = { (uint64_t)getpid(), (uint64_t)ts.tv_sec, (uint64_t)ts.tv_nsec };
        return hash128(v, sizeof(v));
    }
    return hash128(b, sizeof(b));
}

/* Decode every event once and follow the virtual clock it implies with
 * checked arithmetic: warps and step counts that would overflow it make the
 * journal corrupt now, naming the event, rather than a clock that saturates
 * or wraps somewhere in the middle of a replay. */
static bool check_clock(JournalReader *rd, const char *path, Error **errp)
{
    JournalCursor *c = journal_cursor_new(rd);
    JournalVclock vc;
    journal_vclock_init(&vc, journal_reader_manifest(rd)->icount_shift);
    JournalEvent ev;
    Error *err = NULL;
    while (journal_cursor_next(c, &ev, &err) && journal_vclock_event(&vc, &ev, path, &err)) {
    }
    journal_cursor_free(c);
    if (err) {
        error_propagate(errp, err);
        return false;
    }
    return true;
}

static bool open_play(Replay *r, const char *path, const JournalManifest *m, Error **errp)
{
    /* Verify every frame now: a damaged journal is refused before the guest
     * runs, rather than after minutes of replay. */
    r->rd = journal_reader_open(path, true, errp);
    if (!r->rd || !check_clock(r->rd, path, errp)) {
        return false;
    }
    journal_manifest_copy(&r->manifest, journal_reader_manifest(r->rd));
    if (m && !replay_manifest_check(&r->manifest, m, errp)) {
        error_prepend(errp, "%s: ", path);
        return false;
    }
    r->async.cur = journal_cursor_new(r->rd);
    r->sync.cur = journal_cursor_new(r->rd);
    r->sync.sync = true;
    if (journal_reader_end(r->rd) == JOURNAL_END_TRUNCATED) {
        r->truncated = true;
        r->stop_steps = journal_reader_last_steps(r->rd);
        /* A sync event at the very end happened inside that instruction, so
         * the recording got at least one step further. */
        uint64_t n = journal_reader_event_count(r->rd);
        if (n > 0) {
            JournalCursor *c = journal_cursor_new(r->rd);
            JournalEvent ev;
            bool ok = journal_cursor_seek_event(c, n - 1, errp) && journal_cursor_next(c, &ev, errp);
            journal_cursor_free(c);
            if (!ok) {
                if (errp && !*errp) {
                    error_setc(errp, ERR_JOURNAL_CORRUPT, "%s: cannot read the last event", path);
                }
                return false;
            }
            if (journal_event_is_sync(ev.kind) &&
                __builtin_add_overflow(r->stop_steps, 1, &r->stop_steps)) {
                error_setc(errp, ERR_JOURNAL_CORRUPT, "journal %s: event #%" PRIu64 " (%s) is "
                           "at the last possible step", path, ev.ordinal,
                           journal_event_kind_name(ev.kind));
                return false;
            }
        }
    }
    return true;
}

Replay *replay_open(ReplayMode mode, const char *path, const JournalManifest *m, Error **errp)
{
    Replay *r = calloc(1, sizeof(*r));
    if (!r) {
        abort();
    }
    r->mode = mode;
    if (mode == REPLAY_MODE_NONE) {
        return r;
    }
    if (!path) {
        error_setc(errp, ERR_USAGE, "record/replay needs a journal file (rrfile=)");
        free(r);
        return NULL;
    }
    r->path = strdup(path);
    if (!r->path) {
        abort();
    }
    bool ok;
    if (mode == REPLAY_MODE_RECORD) {
        if (!m) {
            error_setc(errp, ERR_USAGE, "recording needs a manifest");
            replay_free(r);
            return NULL;
        }
        journal_manifest_copy(&r->manifest, m);
        journal_manifest_add_input(&r->manifest, JOURNAL_INPUT_RECORDING, recording_nonce());
        r->w = journal_writer_open(path, &r->manifest, errp);
        ok = r->w != NULL;
    } else {
        ok = open_play(r, path, m, errp);
    }
    if (!ok) {
        replay_free(r);
        return NULL;
    }
    return r;
}

void replay_free(Replay *r)
{
    if (!r) {
        return;
    }
    journal_writer_abandon(r->w);
    journal_cursor_free(r->async.cur);
    journal_cursor_free(r->sync.cur);
    journal_reader_free(r->rd);
    journal_manifest_free(&r->manifest);
    error_free(r->err);
    free(r->path);
    free(r);
}

ReplayMode replay_mode(const Replay *r)
{
    return r ? r->mode : REPLAY_MODE_NONE;
}

const JournalManifest *replay_manifest(const Replay *r)
{
    return r->mode == REPLAY_MODE_NONE ? NULL : &r->manifest;
}

void replay_set_fail_hook(Replay *r, void (*fn)(void *opaque), void *opaque)
{
    r->fail = fn;
    r->fail_opaque = opaque;
}

bool replay_status(Replay *r, Error **errp)
{
    if (!r->err) {
        return true;
    }
    error_propagate(errp, copy_error(r->err));
    return false;
}

static bool report(Replay *r, Error **errp)
{
    replay_status(r, errp);
    return false;
}

/* ---- streams (PLAY) ---- */

/* Make s->head the stream's next event; false at its end or on error (sticky). */
static bool stream_peek(Replay *r, Stream *s)
{
    if (s->have_head) {
        return true;
    }
    if (s->at_end || r->err) {
        return false;
    }
    Error *err = NULL;
    JournalEvent ev;
    while (journal_cursor_next(s->cur, &ev, &err)) {
        if (journal_event_is_sync(ev.kind) == s->sync) {
            s->head = ev;
            s->have_head = true;
            return true;
        }
    }
    if (err) {
        set_sticky(r, err);
    } else {
        s->at_end = true;
    }
    return false;
}

static void stream_consume(Stream *s)
{
    s->have_head = false;
}

static uint64_t stream_position(const Stream *s)
{
    return s->have_head ? s->head.ordinal : journal_cursor_position(s->cur);
}

static void truncated_end(Replay *r, uint64_t steps)
{
    Error *e = journal_reader_end_error(r->rd);
    error_prepend(&e, "replay stopped at step %" PRIu64 ": ", steps);
    set_sticky(r, e);
}

/* At step `steps` every sync event before it must be gone. */
static bool sync_caught_up(Replay *r, uint64_t steps)
{
    if (stream_peek(r, &r->sync) && r->sync.head.steps < steps) {
        diverged(r, steps, "the journal has a %s at step %" PRIu64
                 " that the replay did not perform",
                 journal_event_kind_name(r->sync.head.kind), r->sync.head.steps);
        return false;
    }
    return !r->err;
}

/* ---- synchronous gate ---- */

/* PLAY: the next sync event must be `kind` at `steps`; NULL (sticky error) if not. */
static const JournalEvent *take_sync(Replay *r, JournalEventKind kind, uint64_t steps,
                                     const char *what)
{
    if (r->err) {
        return NULL;
    }
    if (!stream_peek(r, &r->sync)) {
        if (r->err) {
            return NULL;
        }
        if (r->truncated && steps >= journal_reader_last_steps(r->rd)) {
            truncated_end(r, steps);
        } else {
            diverged(r, steps, "the guest %s but the journal has no more such events", what);
        }
        return NULL;
    }
    const JournalEvent *h = &r->sync.head;
    if (h->steps != steps || h->kind != kind) {
        diverged(r, steps, "the guest %s but the journal has a %s at step %" PRIu64 " next", what,
                 journal_event_kind_name(h->kind), h->steps);
        return NULL;
    }
    stream_consume(&r->sync);
    return h;
}

static void record_event(Replay *r, const JournalEvent *ev)
{
    Error *err = NULL;
    if (!r->err && !journal_writer_append(r->w, ev, &err)) {
        set_sticky(r, err);
    }
}

int64_t replay_clock_read(Replay *r, ClockType clock, uint64_t steps)
{
    assert(clock != CLOCK_VIRTUAL);
    if (r->mode == REPLAY_MODE_NONE) {
        return hostclock_ns(clock);
    }
    if (r->mode == REPLAY_MODE_RECORD) {
        int64_t v = hostclock_ns(clock);
        JournalEvent ev = { .steps = steps, .kind = JOURNAL_EV_CLOCK_READ, .arg = clock, .value = v };
        record_event(r, &ev);
        return v;
    }
    char what[64];
    snprintf(what, sizeof(what), "read the %s clock", journal_clock_name(clock));
    const JournalEvent *h = take_sync(r, JOURNAL_EV_CLOCK_READ, steps, what);
    if (!h) {
        return 0;
    }
    if (h->arg != (int32_t)clock) {
        diverged(r, steps, "the guest read the %s clock but the journal has a %s clock read",
                 journal_clock_name(clock), journal_clock_name((ClockType)h->arg));
        return 0;
    }
    return h->value;
}

void replay_random(Replay *r, uint64_t steps, void *buf, size_t len)
{
    if (r->mode != REPLAY_MODE_PLAY) {
        uint8_t *p = buf;
        size_t got = 0;
        while (got < len) {
            ssize_t n = getrandom(p + got, len - got, 0);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                /* No entropy source: still never uninitialised bytes. */
                memset(p + got, 0, len - got);
                break;
            }
            got += (size_t)n;
        }
        if (r->mode == REPLAY_MODE_RECORD) {
            JournalEvent ev = { .steps = steps, .kind = JOURNAL_EV_RANDOM, .data = buf, .len = len };
            record_event(r, &ev);
        }
        return;
    }
    memset(buf, 0, len);
    const JournalEvent *h = take_sync(r, JOURNAL_EV_RANDOM, steps, "asked for random bytes");
    if (!h) {
        return;
    }
    if (h->len != len) {
        diverged(r, steps, "the guest asked for %zu random bytes, the journal has %zu", len, h->len);
        return;
    }
    memcpy(buf, h->data, len);
}

size_t replay_random_read(Replay *r, uint64_t steps, void *buf, size_t len,
                          ReplayRandomRead *read, void *opaque)
{
    if (r->mode != REPLAY_MODE_PLAY) {
        size_t n = read(opaque, buf, len);
        if (r->mode == REPLAY_MODE_RECORD) {
            JournalEvent ev = { .steps = steps, .kind = JOURNAL_EV_RANDOM, .data = buf, .len = n };
            record_event(r, &ev);
        }
        return n;
    }
    const JournalEvent *h = take_sync(r, JOURNAL_EV_RANDOM, steps, "asked for random bytes");
    if (!h) {
        return 0;
    }
    if (h->len > len) {
        diverged(r, steps, "the guest asked for %zu random bytes, the journal has %zu", len, h->len);
        return 0;
    }
    memcpy(buf, h->data, h->len);
    return h->len;
}

bool replay_char_input(Replay *r, int chr, const uint8_t *buf, size_t len, uint64_t steps)
{
    if (r->mode == REPLAY_MODE_PLAY) {
        return false;
    }
    if (r->mode == REPLAY_MODE_RECORD && len > 0) {
        JournalEvent ev = { .steps = steps, .kind = JOURNAL_EV_CHAR_INPUT, .arg = chr,
                            .data = buf, .len = len };
        record_event(r, &ev);
    }
    return true;
}

/* ---- asynchronous: record ---- */

static bool record_async(Replay *r, const JournalEvent *ev, Error **errp)
{
    if (r->mode != REPLAY_MODE_RECORD) {
        return true;
    }
    if (!replay_status(r, errp)) {
        return false;
    }
    return journal_writer_append(r->w, ev, errp);
}

bool replay_record_warp(Replay *r, uint64_t steps, int64_t ns, Error **errp)
{
    JournalEvent ev = { .steps = steps, .kind = JOURNAL_EV_WARP, .value = ns };
    return record_async(r, &ev, errp);
}

bool replay_record_net_rx(Replay *r, uint64_t steps, int nic, const uint8_t *frame, size_t len,
                          Error **errp)
{
    JournalEvent ev = { .steps = steps, .kind = JOURNAL_EV_NET_RX, .arg = nic, .data = frame,
                        .len = len };
    return record_async(r, &ev, errp);
}

bool replay_record_shutdown(Replay *r, uint64_t steps, ShutdownCause cause, Error **errp)
{
    JournalEvent ev = { .steps = steps, .kind = JOURNAL_EV_SHUTDOWN, .arg = (int32_t)cause };
    return record_async(r, &ev, errp);
}

bool replay_record_reset(Replay *r, uint64_t steps, Error **errp)
{
    JournalEvent ev = { .steps = steps, .kind = JOURNAL_EV_RESET };
    return record_async(r, &ev, errp);
}

bool replay_record_monitor(Replay *r, uint64_t steps, const char *action, Error **errp)
{
    JournalEvent ev = { .steps = steps, .kind = JOURNAL_EV_MONITOR,
                        .data = (const uint8_t *)action, .len = strlen(action) };
    return record_async(r, &ev, errp);
}

bool replay_record_checkpoint(Replay *r, uint64_t steps, const JournalDigest *d, Error **errp)
{
    JournalEvent ev = { .steps = steps, .kind = JOURNAL_EV_CHECKPOINT, .digest = *d };
    return record_async(r, &ev, errp) && replay_flush(r, errp);
}

bool replay_flush(Replay *r, Error **errp)
{
    if (r->mode != REPLAY_MODE_RECORD) {
        return true;
    }
    if (!replay_status(r, errp)) {
        return false;
    }
    return journal_writer_flush(r->w, errp);
}

/* ---- asynchronous: play ---- */

uint64_t replay_next_event_steps(Replay *r)
{
    if (r->mode != REPLAY_MODE_PLAY) {
        return UINT64_MAX;
    }
    if (stream_peek(r, &r->async)) {
        return r->async.head.steps;
    }
    if (r->err) {
        return 0;
    }
    return r->truncated ? r->stop_steps : UINT64_MAX;
}

bool replay_take_event(Replay *r, uint64_t steps, JournalEvent *ev, Error **errp)
{
    if (r->mode != REPLAY_MODE_PLAY) {
        return false;
    }
    if (!sync_caught_up(r, steps)) {
        return report(r, errp);
    }
    if (stream_peek(r, &r->async)) {
        const JournalEvent *h = &r->async.head;
        if (h->steps < steps) {
            diverged(r, steps, "the journal has a %s at step %" PRIu64 " that the replay passed",
                     journal_event_kind_name(h->kind), h->steps);
        } else if (h->steps == steps) {
            *ev = *h;
            stream_consume(&r->async);
            if (ev->kind == JOURNAL_EV_END) {
                r->ended = true;
                r->end_ev = *ev;
            }
            return true;
        } else {
            return false;
        }
    } else if (!r->err && r->truncated && steps >= r->stop_steps) {
        truncated_end(r, steps);
    }
    replay_status(r, errp);
    return false;
}

bool replay_peek_event(Replay *r, JournalEvent *ev)
{
    if (r->mode != REPLAY_MODE_PLAY || !stream_peek(r, &r->async)) {
        return false;
    }
    *ev = r->async.head;
    return true;
}

bool replay_idle(Replay *r, uint64_t steps, Error **errp)
{
    if (r->mode != REPLAY_MODE_PLAY) {
        return true;
    }
    if (!sync_caught_up(r, steps)) {
        return report(r, errp);
    }
    if (stream_peek(r, &r->async)) {
        if (r->async.head.steps == steps) {
            return true;
        }
        diverged(r, steps, "the guest is idle with nothing pending, but the journal's next "
                 "event is a %s at step %" PRIu64,
                 journal_event_kind_name(r->async.head.kind), r->async.head.steps);
    } else if (!r->err && r->truncated) {
        truncated_end(r, steps);
    } else if (!r->err) {
        diverged(r, steps, "the guest is idle with nothing pending after the journal's end");
    }
    return report(r, errp);
}

/* ABI names make a register difference readable (RISC-V psABI). */
static const char *const xreg_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0",
    "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5",
    "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

bool replay_digest_compare(uint64_t steps, const JournalDigest *rec, const JournalDigest *now,
                           Error **errp)
{
    char what[256];
    char a[33], b[33];
    if (rec->pc != now->pc) {
        snprintf(what, sizeof(what), "hart registers differ: pc recorded 0x%" PRIx64
                 ", replayed 0x%" PRIx64, rec->pc, now->pc);
        goto differ;
    }
    if (rec->has_xregs && now->has_xregs) {
        for (int i = 0; i < 32; i++) {
            if (rec->xregs[i] != now->xregs[i]) {
                snprintf(what, sizeof(what), "hart registers differ: x%d (%s) recorded 0x%" PRIx64
                         ", replayed 0x%" PRIx64, i, xreg_names[i], rec->xregs[i], now->xregs[i]);
                goto differ;
            }
        }
    }
    if (!hash_equal(rec->hart, now->hart)) {
        hash_to_hex(rec->hart, a);
        hash_to_hex(now->hart, b);
        snprintf(what, sizeof(what), "hart state differs (%s: recorded %s, replayed %s)",
                 rec->has_xregs && now->has_xregs ? "x registers and pc match; CSRs, FP or "
                 "privilege state" : "registers", a, b);
        goto differ;
    }
    if (rec->vclock_ns != now->vclock_ns) {
        snprintf(what, sizeof(what), "virtual clock differs: recorded %" PRId64 " ns, replayed %"
                 PRId64 " ns", rec->vclock_ns, now->vclock_ns);
        goto differ;
    }
    if (!hash_equal(rec->devices, now->devices)) {
        hash_to_hex(rec->devices, a);
        hash_to_hex(now->devices, b);
        snprintf(what, sizeof(what), "device state differs (recorded %s, replayed %s)", a, b);
        goto differ;
    }
    if (rec->has_ram && now->has_ram && !hash_equal(rec->ram, now->ram)) {
        hash_to_hex(rec->ram, a);
        hash_to_hex(now->ram, b);
        snprintf(what, sizeof(what), "RAM differs (recorded %s, replayed %s)", a, b);
        goto differ;
    }
    return true;
differ:
    error_setc(errp, ERR_DIVERGENCE, "replay diverged at step %" PRIu64 " (pc 0x%" PRIx64 "): %s",
               steps, now->pc, what);
    return false;
}

bool replay_checkpoint_check(Replay *r, const JournalEvent *rec, const JournalDigest *now,
                             Error **errp)
{
    if (r->mode != REPLAY_MODE_PLAY) {
        return true;
    }
    if (!replay_status(r, errp)) {
        return false;
    }
    Error *err = NULL;
    if (!replay_digest_compare(rec->steps, &rec->digest, now, &err)) {
        set_sticky(r, copy_error(err));
        error_propagate(errp, err);
        return false;
    }
    return true;
}

/* ---- the end ---- */

bool replay_finish(Replay *r, uint64_t steps, const JournalDigest *final, Error **errp)
{
    if (r->mode == REPLAY_MODE_NONE) {
        return true;
    }
    if (r->mode == REPLAY_MODE_RECORD) {
        if (!replay_status(r, errp)) {
            return false;
        }
        JournalEvent ev = { .steps = steps, .kind = JOURNAL_EV_END, .digest = *final };
        bool ok = journal_writer_append(r->w, &ev, errp);
        JournalWriter *w = r->w;
        r->w = NULL;
        if (!ok) {
            journal_writer_abandon(w);
            return false;
        }
        return journal_writer_finish(w, errp);
    }
    if (!replay_status(r, errp)) {
        return false;
    }
    if (!r->ended) {
        JournalEvent ev;
        Error *err = NULL;
        if (!replay_take_event(r, steps, &ev, &err)) {
            if (err) {
                error_propagate(errp, err);
                return false;
            }
            if (stream_peek(r, &r->async)) {
                diverged(r, steps, "the replay ended but the journal goes on (next: %s at step %"
                         PRIu64 ")", journal_event_kind_name(r->async.head.kind),
                         r->async.head.steps);
            } else if (!r->err && r->truncated) {
                truncated_end(r, steps);
            }
            return report(r, errp);
        }
        if (ev.kind != JOURNAL_EV_END) {
            diverged(r, steps, "the replay ended but the journal goes on (next: %s)",
                     journal_event_kind_name(ev.kind));
            return report(r, errp);
        }
    }
    if (r->end_ev.steps != steps) {
        diverged(r, steps, "the recording ended at step %" PRIu64, r->end_ev.steps);
        return report(r, errp);
    }
    if (stream_peek(r, &r->sync)) {
        diverged(r, steps, "the journal has a %s at step %" PRIu64 " that the replay did not "
                 "perform", journal_event_kind_name(r->sync.head.kind), r->sync.head.steps);
        return report(r, errp);
    }
    if (!replay_status(r, errp)) {
        return false;
    }
    Error *err = NULL;
    if (!replay_digest_compare(steps, &r->end_ev.digest, final, &err)) {
        error_prepend(&err, "final state: ");
        set_sticky(r, copy_error(err));
        error_propagate(errp, err);
        return false;
    }
    return true;
}

/* ---- snapshots ---- */

ReplayPosition replay_get_position(Replay *r)
{
    ReplayPosition p = { 0, 0 };
    if (r->mode == REPLAY_MODE_PLAY) {
        p.async_next = stream_position(&r->async);
        p.sync_next = stream_position(&r->sync);
    } else if (r->mode == REPLAY_MODE_RECORD && r->w) {
        p.async_next = p.sync_next = journal_writer_event_count(r->w);
    }
    return p;
}

bool replay_set_position(Replay *r, ReplayPosition pos, Error **errp)
{
    if (r->mode != REPLAY_MODE_PLAY) {
        error_setc(errp, ERR_USAGE, "only a replay can be repositioned");
        return false;
    }
    if (!replay_status(r, errp)) {
        return false;
    }
    Stream *s[2] = { &r->async, &r->sync };
    uint64_t at[2] = { pos.async_next, pos.sync_next };
    for (int i = 0; i < 2; i++) {
        s[i]->have_head = false;
        s[i]->at_end = false;
        if (!journal_cursor_seek_event(s[i]->cur, at[i], errp)) {
            return false;
        }
    }
    r->ended = false;
    return true;
}
