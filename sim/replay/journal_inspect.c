/* journal inspection: names, readable event lines, info/dump/verify. */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/replay/journal.h"
#include "sim/replay/journal_internal.h"

static const char *const kind_names[JOURNAL_EV_KIND_COUNT] = {
    [JOURNAL_EV_CHAR_INPUT] = "char-input",
    [JOURNAL_EV_CLOCK_READ] = "clock-read",
    [JOURNAL_EV_WARP] = "warp",
    [JOURNAL_EV_SHUTDOWN] = "shutdown",
    [JOURNAL_EV_RESET] = "reset",
    [JOURNAL_EV_MONITOR] = "monitor",
    [JOURNAL_EV_RANDOM] = "random",
    [JOURNAL_EV_NET_RX] = "net-rx",
    [JOURNAL_EV_CHECKPOINT] = "checkpoint",
    [JOURNAL_EV_END] = "end",
};

const char *journal_event_kind_name(JournalEventKind k)
{
    return k > 0 && k < JOURNAL_EV_KIND_COUNT ? kind_names[k] : "unknown";
}

const char *journal_clock_name(ClockType c)
{
    switch (c) {
    case CLOCK_REALTIME:
        return "realtime";
    case CLOCK_VIRTUAL:
        return "virtual";
    case CLOCK_HOST:
        return "host";
    default:
        return "unknown";
    }
}

const char *journal_shutdown_name(ShutdownCause c)
{
    static const char *const names[] = {
        [SHUTDOWN_NONE] = "none",
        [SHUTDOWN_GUEST_POWEROFF] = "guest-poweroff",
        [SHUTDOWN_GUEST_RESET] = "guest-reset",
        [SHUTDOWN_HOST_SIGNAL] = "host-signal",
        [SHUTDOWN_HOST_MONITOR] = "host-monitor",
        [SHUTDOWN_REPLAY_END] = "replay-end",
        [SHUTDOWN_ERROR] = "error",
        [SHUTDOWN_GUEST_PANIC] = "guest-panic",
        [SHUTDOWN_TIMEOUT] = "timeout",
        [SHUTDOWN_CONSOLE_MATCH] = "console-match",
    };
    return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "unknown";
}

/* Append to a malloc'd string via open_memstream-free snprintf growth. */
typedef struct Str {
    char *s;
    size_t len, cap;
} Str;

static void str_addf(Str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void str_addf(Str *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        n = 0;
    }
    if (s->len + (size_t)n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 128;
        while (cap < s->len + (size_t)n + 1) {
            cap *= 2;
        }
        s->s = realloc(s->s, cap);
        if (!s->s) {
            abort();
        }
        s->cap = cap;
    }
    vsnprintf(s->s + s->len, (size_t)n + 1, fmt, ap);
    s->len += (size_t)n;
    va_end(ap);
}

/* Bytes as a C-like quoted string, at most `max` shown. */
static void str_add_quoted(Str *s, const uint8_t *p, size_t len, size_t max)
{
    str_addf(s, "\"");
    for (size_t i = 0; i < len && i < max; i++) {
        uint8_t c = p[i];
        if (c == '"' || c == '\\') {
            str_addf(s, "\\%c", c);
        } else if (c == '\n') {
            str_addf(s, "\\n");
        } else if (c == '\r') {
            str_addf(s, "\\r");
        } else if (c == '\t') {
            str_addf(s, "\\t");
        } else if (c >= 0x20 && c < 0x7f) {
            str_addf(s, "%c", c);
        } else {
            str_addf(s, "\\x%02x", c);
        }
    }
    str_addf(s, "\"");
    if (len > max) {
        str_addf(s, "... (%zu bytes)", len);
    }
}

static void str_add_digest(Str *s, const JournalDigest *d)
{
    char h[33], dv[33];
    hash_to_hex(d->hart, h);
    hash_to_hex(d->devices, dv);
    str_addf(s, " pc=0x%016" PRIx64 " vclock=%" PRId64 " hart=%s devices=%s", d->pc,
             d->vclock_ns, h, dv);
    if (d->has_ram) {
        char r[33];
        hash_to_hex(d->ram, r);
        str_addf(s, " ram=%s", r);
    }
    if (d->has_xregs) {
        str_addf(s, " xregs");
    }
}

char *journal_event_describe(const JournalEvent *ev)
{
    Str s = { 0 };
    str_addf(&s, "#%" PRIu64 " step %" PRIu64 " %s", ev->ordinal, ev->steps,
             journal_event_kind_name(ev->kind));
    switch (ev->kind) {
    case JOURNAL_EV_CHAR_INPUT:
        str_addf(&s, " chr=%d ", ev->arg);
        str_add_quoted(&s, ev->data, ev->len, 64);
        break;
    case JOURNAL_EV_CLOCK_READ:
        str_addf(&s, " %s = %" PRId64, journal_clock_name((ClockType)ev->arg), ev->value);
        break;
    case JOURNAL_EV_WARP:
        str_addf(&s, " +%" PRId64 " ns", ev->value);
        break;
    case JOURNAL_EV_SHUTDOWN:
        str_addf(&s, " %s", journal_shutdown_name((ShutdownCause)ev->arg));
        break;
    case JOURNAL_EV_MONITOR:
        str_addf(&s, " ");
        str_add_quoted(&s, ev->data, ev->len, 200);
        break;
    case JOURNAL_EV_NET_RX:
        str_addf(&s, " nic=%d %zu bytes", ev->arg, ev->len);
        break;
    case JOURNAL_EV_RANDOM:
        str_addf(&s, " %zu bytes ", ev->len);
        for (size_t i = 0; i < ev->len && i < 32; i++) {
            str_addf(&s, "%02x", ev->data[i]);
        }
        if (ev->len > 32) {
            str_addf(&s, "...");
        }
        break;
    case JOURNAL_EV_CHECKPOINT:
    case JOURNAL_EV_END:
        str_add_digest(&s, &ev->digest);
        break;
    default:
        break;
    }
    return s.s;
}

void journal_vclock_init(JournalVclock *v, int shift)
{
    assert(shift >= 0 && shift <= 63);   /* manifest_decode() checks it */
    memset(v, 0, sizeof(*v));
    v->shift = shift;
}

bool journal_vclock_event(JournalVclock *v, const JournalEvent *ev, const char *path,
                          Error **errp)
{
    const char *why = NULL;
    if (ev->kind == JOURNAL_EV_CHECKPOINT || ev->kind == JOURNAL_EV_END) {
        if (ev->digest.vclock_ns < 0) {
            why = "has a negative virtual clock";
        } else if (ev->steps < v->base_steps) {
            why = "goes back in steps";
        } else {
            v->base_steps = ev->steps;
            v->base_ns = ev->digest.vclock_ns;
            v->warps = 0;
            v->now_ns = v->base_ns;
            return true;
        }
    } else {
        int64_t t;
        uint64_t since = ev->steps - v->base_steps;
        if (ev->steps < v->base_steps) {
            why = "goes back in steps";
        } else if (ev->kind == JOURNAL_EV_WARP &&
                   (ev->value < 0 || __builtin_add_overflow(v->warps, ev->value, &v->warps))) {
            why = "makes the sum of warps overflow";
        } else if (since > ((uint64_t)INT64_MAX >> v->shift) ||
                   __builtin_add_overflow(v->base_ns, (int64_t)(since << v->shift), &t) ||
                   __builtin_add_overflow(t, v->warps, &t)) {
            why = "makes the virtual clock overflow (past 2^63-1 ns)";
        } else {
            v->now_ns = t;
            return true;
        }
    }
    error_setc(errp, ERR_JOURNAL_CORRUPT, "journal %s: event #%" PRIu64 " (%s at step %" PRIu64
               ") %s", path, ev->ordinal, journal_event_kind_name(ev->kind), ev->steps, why);
    return false;
}

static void print_manifest(FILE *out, const char *path, const JournalManifest *m,
                           const char *prefix)
{
    fprintf(out, "%sjournal:      %s\n", prefix, path);
    fprintf(out, "%sformat:       %u\n", prefix, m->format_version);
    fprintf(out, "%srrsim:        %s\n", prefix, m->rrsim_version);
    fprintf(out, "%smachine:      %s\n", prefix, m->machine);
    fprintf(out, "%sicount shift: %d (%llu ns per step)\n", prefix, m->icount_shift,
            1ULL << m->icount_shift);
    for (size_t i = 0; i < m->n_inputs; i++) {
        char h[33];
        hash_to_hex(m->inputs[i].hash, h);
        fprintf(out, "%sinput:        %s %s\n", prefix, m->inputs[i].name, h);
    }
}

bool journal_info_collect(const char *path, JournalInfo *info, Error **errp)
{
    memset(info, 0, sizeof(*info));
    JournalReader *r = journal_reader_open(path, false, errp);
    if (!r) {
        return false;
    }
    const JournalManifest *m = journal_reader_manifest(r);
    JournalCursor *c = journal_cursor_new(r);
    JournalEvent ev;
    Error *err = NULL;
    /* Virtual time: exact from the end marker; otherwise the last digest's
     * clock plus the steps and warps after it, a lower bound when warps
     * were not recorded (sleep=off). */
    bool have_end = false;
    JournalVclock vc;
    journal_vclock_init(&vc, m->icount_shift);
    while (journal_cursor_next(c, &ev, &err)) {
        info->counts[ev.kind]++;
        info->events++;
        if (!journal_vclock_event(&vc, &ev, path, &err)) {
            break;
        }
        have_end |= ev.kind == JOURNAL_EV_END;
    }
    journal_cursor_free(c);
    if (err) {
        error_propagate(errp, err);
        journal_reader_free(r);
        return false;
    }
    journal_manifest_copy(&info->manifest, m);
    info->frames = journal_reader_frame_count(r);
    info->index_used = journal_reader_used_index(r);
    info->steps = journal_reader_last_steps(r);
    info->virtual_ns = vc.now_ns;
    info->virtual_exact = have_end;
    info->end = journal_reader_end(r);
    Error *end_err = journal_reader_end_error(r);
    if (info->end != JOURNAL_END_CLEAN) {
        info->end_message = strdup(end_err ? error_get_message(end_err) : "missing");
    }
    error_free(end_err);
    journal_reader_free(r);
    return true;
}

void journal_info_free(JournalInfo *info)
{
    journal_manifest_free(&info->manifest);
    free(info->end_message);
    info->end_message = NULL;
}

bool journal_info(const char *path, FILE *out, Error **errp)
{
    JournalInfo in;
    if (!journal_info_collect(path, &in, errp)) {
        return false;
    }
    print_manifest(out, path, &in.manifest, "");
    fprintf(out, "frames:       %zu (index: %s)\n", in.frames,
            in.index_used ? "used" : "not used, frames scanned");
    fprintf(out, "events:       %" PRIu64 "\n", in.events);
    for (int k = 1; k < JOURNAL_EV_KIND_COUNT; k++) {
        if (in.counts[k]) {
            fprintf(out, "  %-12s %" PRIu64 "\n", journal_event_kind_name(k), in.counts[k]);
        }
    }
    const char *qual = in.virtual_exact ? "" : "at least ";
    fprintf(out, "length:       %" PRIu64 " steps, %s%" PRId64 " ns virtual (%.6f s)\n", in.steps,
            qual, in.virtual_ns, (double)in.virtual_ns / 1e9);
    if (in.end == JOURNAL_END_CLEAN) {
        fprintf(out, "end:          clean (end marker at step %" PRIu64 ")\n", in.steps);
    } else if (in.end == JOURNAL_END_NO_INDEX) {
        fprintf(out, "end:          complete, index unusable: %s\n", in.end_message);
    } else {
        fprintf(out, "end:          TRUNCATED: %s\n", in.end_message);
    }
    journal_info_free(&in);
    return true;
}

bool journal_dump(const char *path, FILE *out, Error **errp)
{
    JournalReader *r = journal_reader_open(path, false, errp);
    if (!r) {
        return false;
    }
    print_manifest(out, path, journal_reader_manifest(r), "# ");
    JournalCursor *c = journal_cursor_new(r);
    JournalEvent ev;
    Error *err = NULL;
    JournalVclock vc;
    journal_vclock_init(&vc, journal_reader_manifest(r)->icount_shift);
    while (journal_cursor_next(c, &ev, &err)) {
        char *line = journal_event_describe(&ev);
        fprintf(out, "%s\n", line);
        free(line);
        if (!journal_vclock_event(&vc, &ev, path, &err)) {
            break;
        }
    }
    journal_cursor_free(c);
    if (!err && journal_reader_end(r) == JOURNAL_END_TRUNCATED) {
        err = journal_reader_end_error(r);
    }
    journal_reader_free(r);
    if (err) {
        error_propagate(errp, err);
        return false;
    }
    return true;
}

bool journal_verify(const char *path, FILE *out, Error **errp)
{
    JournalReader *r = journal_reader_open(path, true, errp);
    if (!r) {
        return false;
    }
    JournalCursor *c = journal_cursor_new(r);
    JournalEvent ev;
    Error *err = NULL;
    uint64_t n = 0;
    JournalEventKind last = 0;
    JournalVclock vc;
    journal_vclock_init(&vc, journal_reader_manifest(r)->icount_shift);
    while (journal_cursor_next(c, &ev, &err)) {
        n++;
        last = ev.kind;
        if (!journal_vclock_event(&vc, &ev, path, &err)) {
            break;
        }
    }
    journal_cursor_free(c);
    if (!err && n != journal_reader_event_count(r)) {
        error_setc(&err, ERR_JOURNAL_CORRUPT, "journal %s: %" PRIu64 " events decoded, %" PRIu64
                   " announced", path, n, journal_reader_event_count(r));
    }
    if (!err && journal_reader_end(r) != JOURNAL_END_CLEAN) {
        err = journal_reader_end_error(r);
    }
    if (!err && last != JOURNAL_EV_END) {
        error_setc(&err, ERR_JOURNAL_CORRUPT, "journal %s: the last event is not the end marker",
                   path);
    }
    if (!err) {
        fprintf(out, "%s: ok: %" PRIu64 " events in %zu frames, %" PRIu64 " steps, clean end\n",
                path, n, journal_reader_frame_count(r), journal_reader_last_steps(r));
    }
    journal_reader_free(r);
    if (err) {
        error_propagate(errp, err);
        return false;
    }
    return true;
}
