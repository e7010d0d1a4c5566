/* icount: see icount.h. */
#include "sim/icount/icount.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct Icount {
    Loop *loop;
    int shift;
    bool sleep;
    bool align;
    int64_t bias;
    uint64_t (*get_steps)(void *opaque);
    void *opaque;
    /* align=on reference point: virtual and host time that correspond. */
    bool align_started;
    int64_t align_virt_ref;
    int64_t align_host_ref;
};

/* ---- options ---- */

void icount_options_init(IcountOptions *o)
{
    memset(o, 0, sizeof(*o));
    o->shift = ICOUNT_DEFAULT_SHIFT;
    o->rrcheckpoint = ICOUNT_DEFAULT_CHECKPOINT;
}

void icount_options_free(IcountOptions *o)
{
    free(o->rrfile);
    free(o->rrsnapshot);
    o->rrfile = NULL;
    o->rrsnapshot = NULL;
}

static bool parse_bool(const char *key, const char *val, bool *out, Error **errp)
{
    static const char *const yes[] = { "on", "yes", "true" };
    static const char *const no[] = { "off", "no", "false" };
    for (size_t i = 0; i < 3; i++) {
        if (!strcmp(val, yes[i])) {
            *out = true;
            return true;
        }
        if (!strcmp(val, no[i])) {
            *out = false;
            return true;
        }
    }
    error_setc(errp, ERR_USAGE, "-icount: %s: expected on or off, got '%s'", key, val);
    return false;
}

static bool parse_shift(IcountOptions *o, const char *val, Error **errp)
{
    if (!strcmp(val, "auto")) {
        o->shift_auto = true;
        o->shift = ICOUNT_AUTO_SHIFT;
        return true;
    }
    /* Plain decimal only: no sign, no hex, no trailing junk. */
    int v = 0;
    size_t n = strlen(val);
    bool ok = n > 0 && n <= 2;
    for (size_t i = 0; ok && i < n; i++) {
        ok = val[i] >= '0' && val[i] <= '9';
        v = v * 10 + (val[i] - '0');
    }
    if (!ok || v > ICOUNT_MAX_SHIFT) {
        error_setc(errp, ERR_USAGE, "-icount: shift: expected 0..%d or auto, got '%s'",
                   ICOUNT_MAX_SHIFT, val);
        return false;
    }
    o->shift_auto = false;
    o->shift = v;
    return true;
}

/* A plain decimal step count. */
static bool parse_steps(const char *key, const char *val, uint64_t *out, Error **errp)
{
    uint64_t v = 0;
    bool ok = *val != '\0';
    for (const char *p = val; ok && *p; p++) {
        ok = *p >= '0' && *p <= '9' && v <= (UINT64_MAX - (uint64_t)(*p - '0')) / 10;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (!ok) {
        error_setc(errp, ERR_USAGE, "-icount: %s: expected a step count, got '%s'", key, val);
        return false;
    }
    *out = v;
    return true;
}

static void set_str(char **dst, const char *val)
{
    free(*dst);
    *dst = strdup(val);
    if (!*dst) {
        abort();
    }
}

static bool parse_item(IcountOptions *o, const char *key, const char *val, Error **errp)
{
    if (!strcmp(key, "shift")) {
        return parse_shift(o, val, errp);
    }
    if (!strcmp(key, "sleep")) {
        return parse_bool(key, val, &o->sleep, errp);
    }
    if (!strcmp(key, "align")) {
        return parse_bool(key, val, &o->align, errp);
    }
    if (!strcmp(key, "rr")) {
        if (!strcmp(val, "record")) {
            o->rr = ICOUNT_RR_RECORD;
        } else if (!strcmp(val, "replay")) {
            o->rr = ICOUNT_RR_REPLAY;
        } else {
            error_setc(errp, ERR_USAGE, "-icount: rr: expected record or replay, got '%s'", val);
            return false;
        }
        return true;
    }
    if (!strcmp(key, "rrfile") || !strcmp(key, "rrsnapshot")) {
        if (!*val) {
            error_setc(errp, ERR_USAGE, "-icount: %s: empty value", key);
            return false;
        }
        set_str(!strcmp(key, "rrfile") ? &o->rrfile : &o->rrsnapshot, val);
        return true;
    }
    if (!strcmp(key, "rrcheckpoint")) {
        return parse_steps(key, val, &o->rrcheckpoint, errp);
    }
    if (!strcmp(key, "quantum")) {
        uint64_t q;
        if (!parse_steps(key, val, &q, errp)) {
            return false;
        }
        if (q < 1 || q > ICOUNT_MAX_QUANTUM) {
            error_setc(errp, ERR_USAGE, "-icount: quantum: expected 1..%llu steps, got '%s'",
                       (unsigned long long)ICOUNT_MAX_QUANTUM, val);
            return false;
        }
        o->quantum = q;
        return true;
    }
    if (!strcmp(key, "rrcorrupt")) {
        o->rrcorrupt_set = true;
        return parse_steps(key, val, &o->rrcorrupt, errp);
    }
    error_setc(errp, ERR_USAGE, "-icount: unknown option '%s'", key);
    return false;
}

bool icount_options_parse(IcountOptions *o, const char *spec, Error **errp)
{
    char *copy = strdup(spec);
    if (!copy) {
        abort();
    }
    bool ok = true;
    bool first = true;
    char *p = copy;
    /* QEMU's option syntax doubles a comma to put one in a value; icount
     * values never need commas, so a plain split suffices. */
    while (ok && *copy) {
        char *item = p;
        char *comma = strchr(p, ',');
        if (comma) {
            *comma = '\0';
        }
        if (!*item) {
            error_setc(errp, ERR_USAGE, "-icount: empty item in '%s'", spec);
            ok = false;
            break;
        }
        char *eq = strchr(item, '=');
        if (eq) {
            *eq = '\0';
            ok = parse_item(o, item, eq + 1, errp);
        } else if (first) {
            ok = parse_shift(o, item, errp);   /* implied key, as in QEMU */
        } else {
            error_setc(errp, ERR_USAGE, "-icount: '%s' needs a value (%s=...)", item, item);
            ok = false;
        }
        first = false;
        if (!comma) {
            break;
        }
        p = comma + 1;
    }
    free(copy);
    if (!ok) {
        return false;
    }
    if (o->rr != ICOUNT_RR_NONE && !o->rrfile) {
        error_setc(errp, ERR_USAGE, "-icount: rr=%s needs rrfile=PATH",
                   o->rr == ICOUNT_RR_RECORD ? "record" : "replay");
        return false;
    }
    if (o->rr == ICOUNT_RR_NONE && (o->rrfile || o->rrsnapshot)) {
        error_setc(errp, ERR_USAGE, "-icount: %s= needs rr=record or rr=replay",
                   o->rrfile ? "rrfile" : "rrsnapshot");
        return false;
    }
    if (o->rrcorrupt_set && o->rr != ICOUNT_RR_REPLAY) {
        error_setc(errp, ERR_USAGE, "-icount: rrcorrupt= is a replay-only debug option");
        return false;
    }
    return true;
}

char *icount_options_canonical(const IcountOptions *o)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "shift=%d,sleep=%s", o->shift, o->sleep ? "on" : "off");
    char *s = strdup(buf);
    if (!s) {
        abort();
    }
    return s;
}

/* ---- the clock ---- */

static int64_t icount_clock_cb(void *opaque)
{
    return icount_virtual_ns(opaque);
}

Icount *icount_new(Loop *loop, const IcountOptions *o,
                   uint64_t (*get_steps)(void *opaque), void *opaque, Error **errp)
{
    Icount *ic = calloc(1, sizeof(*ic));
    if (!ic) {
        abort();
    }
    ic->loop = loop;
    ic->shift = o->shift_auto ? ICOUNT_AUTO_SHIFT : o->shift;
    ic->sleep = o->sleep;
    ic->align = o->align;
    ic->get_steps = get_steps;
    ic->opaque = opaque;
    loop_set_virtual_source(loop, icount_clock_cb, ic);
    return ic;
}

void icount_free(Icount *ic)
{
    if (!ic) {
        return;
    }
    /* Leave the loop a frozen clock rather than a dangling source. */
    int64_t now = icount_virtual_ns(ic);
    loop_set_virtual_source(ic->loop, NULL, NULL);
    loop_set_virtual_ns(ic->loop, now);
    free(ic);
}

int icount_shift(const Icount *ic)
{
    return ic->shift;
}

bool icount_sleep_on(const Icount *ic)
{
    return ic->sleep;
}

uint64_t icount_steps(Icount *ic)
{
    return ic->get_steps(ic->opaque);
}

/* (steps << shift) + bias, saturating at INT64_MAX (and at 0 below: the
 * bias is never negative in a sane run, but a snapshot may say otherwise). */
static int64_t virtual_ns_at(const Icount *ic, uint64_t steps)
{
    if (steps > ((uint64_t)INT64_MAX >> ic->shift)) {
        return INT64_MAX;
    }
    int64_t t = (int64_t)(steps << ic->shift);
    if (ic->bias > 0 && t > INT64_MAX - ic->bias) {
        return INT64_MAX;
    }
    if (ic->bias < 0 && t < INT64_MIN - ic->bias) {
        return INT64_MIN;
    }
    return t + ic->bias;
}

int64_t icount_virtual_ns(Icount *ic)
{
    return virtual_ns_at(ic, ic->get_steps(ic->opaque));
}

uint64_t icount_budget(Icount *ic, int64_t deadline_ns, uint64_t max_budget)
{
    if (deadline_ns < 0) {
        return max_budget;
    }
    int64_t now = icount_virtual_ns(ic);
    if (now >= deadline_ns) {
        return 0;
    }
    if (now == INT64_MAX) {
        return 0;   /* saturated: the clock cannot move; cannot happen above */
    }
    /* now + (n << shift) >= deadline  <=>  n >= ceil((deadline - now) / 2^shift).
     * deadline > now, both int64, so the difference fits in uint64 exactly. */
    uint64_t diff = (uint64_t)deadline_ns - (uint64_t)now;
    uint64_t mask = ((uint64_t)1 << ic->shift) - 1;
    uint64_t n = (diff >> ic->shift) + ((diff & mask) != 0);
    return n < max_budget ? n : max_budget;
}

uint64_t icount_budget_to_deadline(Icount *ic, uint64_t max_budget)
{
    return icount_budget(ic, loop_deadline_ns(ic->loop, CLOCK_VIRTUAL), max_budget);
}

void icount_warp(Icount *ic, int64_t delta_ns)
{
    if (delta_ns <= 0) {
        return;
    }
    if (ic->bias > INT64_MAX - delta_ns) {
        ic->bias = INT64_MAX;
    } else {
        ic->bias += delta_ns;
    }
}

int64_t icount_time_to_deadline(Icount *ic)
{
    int64_t d = loop_deadline_ns(ic->loop, CLOCK_VIRTUAL);
    if (d < 0) {
        return -1;
    }
    int64_t now = icount_virtual_ns(ic);
    if (now >= d) {
        return 0;
    }
    /* d > now: the difference may exceed INT64_MAX only if now < 0. */
    uint64_t diff = (uint64_t)d - (uint64_t)now;
    return diff > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)diff;
}

int64_t icount_warp_to_deadline(Icount *ic)
{
    int64_t delta = icount_time_to_deadline(ic);
    if (delta > 0) {
        icount_warp(ic, delta);
    }
    return delta;
}

int64_t icount_align_delay(Icount *ic)
{
    if (!ic->align) {
        return 0;
    }
    int64_t virt = icount_virtual_ns(ic);
    int64_t host = hostclock_ns(CLOCK_REALTIME);
    if (!ic->align_started) {
        ic->align_started = true;
        ic->align_virt_ref = virt;
        ic->align_host_ref = host;
        return 0;
    }
    /* Differences of clocks that started together stay far from overflow;
     * compute in unsigned to keep UBSan quiet on pathological biases. */
    int64_t dv = (int64_t)((uint64_t)virt - (uint64_t)ic->align_virt_ref);
    int64_t dh = (int64_t)((uint64_t)host - (uint64_t)ic->align_host_ref);
    int64_t ahead = dv - dh;
    if (ahead < -ICOUNT_ALIGN_MAX_LAG_NS) {
        /* The host is slower than the guest clock; forgive the debt so that
         * pacing resumes from here instead of after a long unpaced sprint. */
        ic->align_virt_ref = virt;
        ic->align_host_ref = host;
        return 0;
    }
    return ahead > ICOUNT_ALIGN_SLACK_NS ? ahead : 0;
}

int64_t icount_get_bias(const Icount *ic)
{
    return ic->bias;
}

void icount_set_bias(Icount *ic, int64_t bias)
{
    ic->bias = bias;
    ic->align_started = false;   /* a restore is a discontinuity in pacing */
}
