/*
 * snapcheck: end-to-end checks and figures for machine snapshots and replay
 * seeking with real guests (OpenSBI + U-Boot, Linux), driving hw/machine,
 * hw/machine_replay and hw/machine_snap directly.
 *
 *   snapcheck restore  [guest] --x X --y Y --dir D
 *       normal mode: snapshot at X, run to Y, hash; restore X, run to Y: the
 *       same hash. Prints the save/restore times.
 *   snapcheck replay   [guest] --x X --y Y --end E --dir D [--period N]
 *       record E steps (ended by a host shutdown at E), replay it without
 *       stopping, then replay again: run to Y, seek back to X, forward to Y
 *       (the same hash as the plain replay at Y), continue to the end: the same
 *       final hash and the rest of the console output byte for byte.
 *   snapcheck seekbench [guest] --y Y --end E --dir D [--period N]
 *       record E steps, replay to Y, time machine_seek(Y-1), (Y-2), (Y-1000).
 *   snapcheck periodbench [guest] --end E --dir D [--period N]
 *       record E steps with and without periodic snapshots, replay likewise:
 *       the overhead, and the bytes each periodic snapshot added to the store.
 * guest: --bios F --kernel F [--initrd F] [--append S] [--ram MiB] [--shift N]
 * Exit status 0 = checks passed, 1 = a check failed (a missing image too:
 * a check that cannot run has failed), 2 = usage.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/machine.h"
#include "hw/machine_replay.h"
#include "hw/machine_snap.h"

typedef struct Cfg {
    const char *mode, *bios, *kernel, *initrd, *append, *dir;
    uint64_t ram_mib, x, y, end, period;
    int shift;
} Cfg;

typedef struct Run {
    IcountOptions io;
    Machine *m;
    MachineReplay *mr;
    MachineSnap *s;
    char serial[600];
} Run;

static double now_s(void)
{
    return (double)hostclock_ns(CLOCK_REALTIME) * 1e-9;
}

static void die_err(Error *err, const char *what)
{
    fprintf(stderr, "snapcheck: %s: %s\n", what, err ? error_get_message(err) : "failed");
    exit(1);
}

static void hex(Hash128 h, char out[33])
{
    const uint8_t *p = (const uint8_t *)&h;
    for (size_t i = 0; i < sizeof(h) && i < 16; i++) {
        snprintf(out + 2 * i, 3, "%02x", p[i]);
    }
}

static bool hash_eq(Hash128 a, Hash128 b)
{
    return !memcmp(&a, &b, sizeof(a));
}

/* rr: NULL, "record" or "replay"; name: journal/console file stem. */
static void run_open(Run *r, const Cfg *c, const char *rr, const char *name, uint64_t period,
                     const char *store)
{
    memset(r, 0, sizeof(*r));
    char spec[700];
    snprintf(spec, sizeof(spec), "shift=%d", c->shift);
    if (rr) {
        size_t n = strlen(spec);
        snprintf(spec + n, sizeof(spec) - n, ",rr=%s,rrfile=%s/%s.rr", rr, c->dir, name);
    }
    Error *err = NULL;
    icount_options_init(&r->io);
    if (!icount_options_parse(&r->io, spec, &err)) {
        die_err(err, "icount");
    }
    snprintf(r->serial, sizeof(r->serial), "file:%s/%s.%s.console", c->dir, name,
             rr ? rr : "run");
    MachineOptions o;
    machine_options_init(&o);
    o.bios = c->bios;
    o.kernel = c->kernel;
    o.initrd = c->initrd;
    o.append = c->append;
    o.ram_size = c->ram_mib << 20;
    o.serial = r->serial;
    o.no_signals = true;
    o.icount = r->io;
    r->m = machine_new(&o, &err);
    if (!r->m) {
        die_err(err, "machine");
    }
    r->mr = machine_replay_new(r->m, &err);
    if (!r->mr) {
        die_err(err, "record/replay");
    }
    MachineSnapOptions so;
    machine_snap_options_init(&so);
    so.period_steps = period;
    so.store_path = store;
    r->s = machine_snap_new(r->m, r->mr, &so, &err);
    if (!r->s) {
        die_err(err, "snapshots");
    }
}

static void run_close(Run *r)
{
    Error *err = NULL;
    if (!machine_snap_status(r->s, &err)) {
        die_err(err, "periodic snapshots");
    }
    machine_snap_free(r->s);
    machine_replay_free(r->mr);
    machine_free(r->m);
    icount_options_free(&r->io);
}

static void run_to(Run *r, uint64_t steps)
{
    MachineStop why;
    Error *err = NULL;
    machine_set_stop_at(r->m, steps);
    if (!machine_run(r->m, &why, &err)) {
        die_err(err, "run");
    }
    if (why != MACHINE_STOP_DEBUG || machine_icount(r->m) != steps) {
        fprintf(stderr, "snapcheck: the run ended at step %" PRIu64 " (cause %d) before step %" PRIu64 "\n",
                machine_icount(r->m), (int)r->m->shutdown_cause, steps);
        exit(1);
    }
    machine_set_stop_at(r->m, UINT64_MAX);
}

static void run_end(Run *r)
{
    MachineStop why;
    Error *err = NULL;
    if (!machine_run(r->m, &why, &err)) {
        die_err(err, "run");
    }
    if (why != MACHINE_STOP_SHUTDOWN) {
        fprintf(stderr, "snapcheck: unexpected debug stop at step %" PRIu64 "\n",
                machine_icount(r->m));
        exit(1);
    }
    if (!machine_replay_finish(r->mr, &err)) {
        die_err(err, "end of record/replay");
    }
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        *len = 0;
        return calloc(1, 1);
    }
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (!b || fread(b, 1, (size_t)n, fp) != (size_t)n) {
        fprintf(stderr, "snapcheck: cannot read %s\n", path);
        exit(1);
    }
    fclose(fp);
    *len = (size_t)n;
    return b;
}

static size_t console_len(const Run *r)
{
    size_t n;
    free(slurp(r->serial + 5, &n));
    return n;
}

static int fails;
static void check(bool ok, const char *what)
{
    printf("%s: %s\n", ok ? "ok" : "FAIL", what);
    fails += !ok;
}

/* Record `end` steps; a host shutdown at `end` ends the recording there. */
static double record(const Cfg *c, const char *name, uint64_t period, const char *store)
{
    Run r;
    double t0 = now_s();
    run_open(&r, c, "record", name, period, store);
    run_to(&r, c->end);
    machine_host_shutdown(r.m, SHUTDOWN_HOST_SIGNAL, 0);
    run_end(&r);
    double t = now_s() - t0;
    run_close(&r);
    return t;
}

static int mode_restore(const Cfg *c)
{
    Run r;
    Error *err = NULL;
    char store[600], a[33], b[33];
    snprintf(store, sizeof(store), "%s/restore.snap", c->dir);
    unlink(store);
    run_open(&r, c, NULL, "restore", 0, store);
    run_to(&r, c->x);
    double t0 = now_s();
    if (!machine_snap_save(r.s, "x", &err)) {
        die_err(err, "save");
    }
    double t_full = now_s() - t0;
    run_to(&r, c->x + 1000);
    t0 = now_s();
    if (!machine_snap_save(r.s, "x2", &err)) {
        die_err(err, "save");
    }
    double t_incr = now_s() - t0;
    SnapStoreStats st;
    if (!snapstore_stats(machine_snap_store(r.s, NULL), &st, &err)) {
        die_err(err, "stats");
    }
    printf("figure: first snapshot (%" PRIu64 " MiB RAM) %.1f ms; after 1000 more steps %.2f ms, "
           "%" PRIu64 " pages re-hashed, %" PRIu64 " bytes added\n",
           c->ram_mib, t_full * 1e3, t_incr * 1e3, st.last_pages_hashed, st.last_bytes_added);
    run_to(&r, c->y);
    Hash128 h1 = machine_state_hash(r.m);
    t0 = now_s();
    if (!machine_snap_load(r.s, "x", &err)) {
        die_err(err, "load");
    }
    double t_load = now_s() - t0;
    snapstore_stats(machine_snap_store(r.s, NULL), &st, NULL);
    printf("figure: restore %.2f ms (%" PRIu64 " pages rewritten, %" PRIu64 " steps back)\n",
           t_load * 1e3, st.last_pages_restored, c->y - c->x);
    run_to(&r, c->y);
    Hash128 h2 = machine_state_hash(r.m);
    hex(h1, a);
    hex(h2, b);
    printf("state at %" PRIu64 ": first %s, after restoring %" PRIu64 ": %s\n", c->y, a, c->x, b);
    check(hash_eq(h1, h2), "restore then run reaches the same state");
    run_close(&r);
    return fails ? 1 : 0;
}

static int mode_replay(const Cfg *c)
{
    Error *err = NULL;
    double trec = record(c, "rp", c->period, NULL);
    printf("recorded %" PRIu64 " steps in %.2f s\n", c->end, trec);

    /* The plain replay: state at Y, output so far, final state and output. */
    Run r;
    run_open(&r, c, "replay", "rp", c->period, NULL);
    run_to(&r, c->x);
    size_t out_x = console_len(&r);
    run_to(&r, c->y);
    Hash128 hy = machine_state_hash(r.m);
    run_end(&r);
    Hash128 hend = machine_state_hash(r.m);
    uint64_t end_steps = machine_icount(r.m);
    run_close(&r);
    size_t plain_len;
    char *plain = slurp(r.serial + 5, &plain_len);

    /* Again, with seeks. */
    run_open(&r, c, "replay", "rp", c->period, NULL);
    run_to(&r, c->y);
    size_t shown = console_len(&r);
    double t0 = now_s();
    if (!machine_seek(r.s, c->x, &err)) {
        die_err(err, "seek back");
    }
    double tback = now_s() - t0;
    t0 = now_s();
    if (!machine_seek(r.s, c->y, &err)) {
        die_err(err, "seek forward");
    }
    double tfwd = now_s() - t0;
    MachineSnapCounters cnt;
    machine_snap_counters(r.s, &cnt);
    printf("figure: seek back to %" PRIu64 " %.1f ms, forward to %" PRIu64 " %.1f ms "
           "(%" PRIu64 " restores, %" PRIu64 " steps replayed)\n", c->x, tback * 1e3, c->y,
           tfwd * 1e3, cnt.loads, cnt.replayed_steps);
    check(hash_eq(machine_state_hash(r.m), hy), "seek back and forward: same state as the plain replay");
    if (!machine_seek(r.s, c->x, &err)) {
        die_err(err, "seek back");
    }
    run_end(&r);
    check(machine_icount(r.m) == end_steps && hash_eq(machine_state_hash(r.m), hend),
          "continuing after a seek: same final state, journal end checks pass");
    run_close(&r);
    size_t len;
    char *out = slurp(r.serial + 5, &len);
    size_t tail = plain_len - out_x;
    check(len == shown + tail && !memcmp(out + shown, plain + out_x, tail),
          "continuing after a seek: the rest of the console output byte for byte");
    check(len > shown || out_x == plain_len, "there was output after the seek point");
    free(out);
    free(plain);
    return fails ? 1 : 0;
}

static int mode_seekbench(const Cfg *c)
{
    Error *err = NULL;
    double trec = record(c, "sb", c->period, NULL);
    printf("recorded %" PRIu64 " steps in %.2f s (%.0f Msteps/s, period %" PRIu64 ")\n", c->end,
           trec, c->end / trec / 1e6, c->period);
    Run r;
    run_open(&r, c, "replay", "sb", c->period, NULL);
    double t0 = now_s();
    run_to(&r, c->y);
    printf("replayed to %" PRIu64 " in %.2f s\n", c->y, now_s() - t0);
    const uint64_t back[] = { 1, 2, 3, 1000, 1001, 100000 };
    for (size_t i = 0; i < sizeof(back) / sizeof(back[0]); i++) {
        MachineSnapCounters c0, c1;
        machine_snap_counters(r.s, &c0);
        t0 = now_s();
        if (!machine_seek(r.s, c->y - back[i], &err)) {
            die_err(err, "seek");
        }
        double t = now_s() - t0;
        machine_snap_counters(r.s, &c1);
        printf("figure: machine_seek(%" PRIu64 " - %" PRIu64 ") %.1f ms, %" PRIu64 " steps replayed\n",
               c->y, back[i], t * 1e3, c1.replayed_steps - c0.replayed_steps);
    }
    run_close(&r);
    return 0;
}

static int mode_periodbench(const Cfg *c)
{
    char store[600];
    double t_off = record(c, "pb0", 0, NULL);
    double t_on = record(c, "pb1", c->period, NULL);
    Error *err = NULL;
    /* The statistics of the store the recording made, through a replay
     * session's MachineSnap (which opens it). */
    Run r;
    run_open(&r, c, "replay", "pb1", c->period, NULL);
    SnapStore *st = machine_snap_store(r.s, &err);
    if (!st) {
        die_err(err, "store");
    }
    SnapStoreStats s;
    if (!snapstore_stats(st, &s, &err)) {
        die_err(err, "stats");
    }
    printf("figure: record %" PRIu64 " steps: %.2f s without periodic snapshots, %.2f s with one "
           "every %" PRIu64 " steps (%+.1f%%)\n", c->end, t_off, t_on, c->period,
           (t_on / t_off - 1) * 100);
    printf("figure: %" PRIu64 " snapshots, store %" PRIu64 " bytes in use, %" PRIu64
           " distinct pages: %.0f KiB per snapshot\n", s.snapshots, s.file_bytes, s.pages,
           s.snapshots ? s.file_bytes / 1024.0 / s.snapshots : 0.0);
    run_close(&r);
    /* Replay with the store already filled (no new snapshots) vs none. */
    double t0 = now_s();
    run_open(&r, c, "replay", "pb0", 0, NULL);
    run_end(&r);
    run_close(&r);
    double rp_off = now_s() - t0;
    snprintf(store, sizeof(store), "%s/pb2.snap", c->dir);
    t0 = now_s();
    run_open(&r, c, "replay", "pb0", c->period, store);
    run_end(&r);
    run_close(&r);
    double rp_on = now_s() - t0;
    printf("figure: replay: %.2f s without periodic snapshots, %.2f s with (%+.1f%%)\n", rp_off,
           rp_on, (rp_on / rp_off - 1) * 100);
    return 0;
}

static uint64_t num(const char *s)
{
    char *end;
    double d = strtod(s, &end);
    if (*end || d < 0) {
        fprintf(stderr, "snapcheck: bad number '%s'\n", s);
        exit(2);
    }
    return (uint64_t)d;
}

int main(int argc, char **argv)
{
    Cfg c = { .ram_mib = 128, .period = MACHINE_SNAP_DEFAULT_PERIOD, .dir = "." };
    if (argc < 2) {
        fprintf(stderr, "usage: snapcheck restore|replay|seekbench|periodbench [options]\n");
        return 2;
    }
    c.mode = argv[1];
    for (int i = 2; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "snapcheck: %s needs a value\n", k);
            return 2;
        }
        i++;
        if (!strcmp(k, "--bios")) c.bios = v;
        else if (!strcmp(k, "--kernel")) c.kernel = v;
        else if (!strcmp(k, "--initrd")) c.initrd = v;
        else if (!strcmp(k, "--append")) c.append = v;
        else if (!strcmp(k, "--dir")) c.dir = v;
        else if (!strcmp(k, "--ram")) c.ram_mib = num(v);
        else if (!strcmp(k, "--x")) c.x = num(v);
        else if (!strcmp(k, "--y")) c.y = num(v);
        else if (!strcmp(k, "--end")) c.end = num(v);
        else if (!strcmp(k, "--period")) c.period = num(v);
        else if (!strcmp(k, "--shift")) c.shift = (int)num(v);
        else {
            fprintf(stderr, "snapcheck: unknown option %s\n", k);
            return 2;
        }
    }
    const char *files[] = { c.bios && strcmp(c.bios, "none") ? c.bios : NULL, c.kernel, c.initrd };
    for (size_t i = 0; i < 3; i++) {
        if (files[i] && access(files[i], R_OK) != 0) {
            printf("FAIL: %s not found\n", files[i]);
            return 1;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(c.mode, "restore") && c.x < c.y) {
        return mode_restore(&c);
    }
    if (!strcmp(c.mode, "replay") && c.x < c.y && c.y < c.end) {
        return mode_replay(&c);
    }
    if (!strcmp(c.mode, "seekbench") && c.y > 100000 && c.y <= c.end) {
        return mode_seekbench(&c);
    }
    if (!strcmp(c.mode, "periodbench") && c.end) {
        return mode_periodbench(&c);
    }
    fprintf(stderr, "snapcheck: bad mode or steps (need X < Y < END)\n");
    return 2;
}
