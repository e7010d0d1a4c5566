/* Tests for hw/machine_snap: machine snapshots through the real run loop
 * with the snapmix guest (timer interrupts, idle warps, console output, RAM
 * writes, journaled input and host clock reads), and seeking in a replay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/machine.h"
#include "hw/machine_replay.h"
#include "hw/machine_snap.h"

#ifndef SNAPMIX_ELF
#define SNAPMIX_ELF "snapmix.elf"
#endif

typedef struct Fixture {
    char dir[128];
    char out[192], serial[208], journal[192], store[192];
} Fixture;

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/test_machine_snap.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->out, sizeof(f->out), "%s/serial.out", f->dir);
    snprintf(f->serial, sizeof(f->serial), "file:%s", f->out);
    snprintf(f->journal, sizeof(f->journal), "%s/rec.rr", f->dir);
    snprintf(f->store, sizeof(f->store), "%s/store.snap", f->dir);
    *state = f;
    if (access(SNAPMIX_ELF, R_OK) != 0) {
        /* A test that cannot run has failed, never passed. */
        fail_msg("no %s (guest programs not built)", SNAPMIX_ELF);
    }
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) {
        print_message("could not remove %s\n", f->dir);
    }
    free(f);
    return 0;
}

typedef struct Run {
    IcountOptions io;
    Machine *m;
    MachineReplay *mr;
    MachineSnap *s;
} Run;

/* rr: NULL, "record" or "replay". */
static void run_open(Run *r, Fixture *f, const char *rr, const char *extra_icount,
                     const char *store, uint64_t period, uint64_t ram)
{
    memset(r, 0, sizeof(*r));
    char spec[512];
    snprintf(spec, sizeof(spec), "shift=0%s%s%s%s%s", rr ? ",rr=" : "", rr ? rr : "",
             rr ? ",rrcheckpoint=1000000,rrfile=" : "", rr ? f->journal : "",
             extra_icount ? extra_icount : "");
    icount_options_init(&r->io);
    Error *err = NULL;
    assert_true(icount_options_parse(&r->io, spec, &err));
    MachineOptions o;
    machine_options_init(&o);
    o.bios = "none";
    o.kernel = SNAPMIX_ELF;
    o.serial = f->serial;
    o.no_signals = true;
    o.icount = r->io;
    if (ram) {
        o.ram_size = ram;
    }
    unlink(f->out);
    r->m = machine_new(&o, &err);
    if (!r->m) {
        print_message("%s\n", error_get_message(err));
    }
    assert_non_null(r->m);
    r->mr = machine_replay_new(r->m, &err);
    if (!r->mr) {
        print_message("%s\n", error_get_message(err));
    }
    assert_non_null(r->mr);
    MachineSnapOptions so;
    machine_snap_options_init(&so);
    so.store_path = store;
    so.period_steps = period;
    r->s = machine_snap_new(r->m, r->mr, &so, &err);
    if (!r->s) {
        print_message("%s\n", error_get_message(err));
    }
    assert_non_null(r->s);
}

static void run_close(Run *r)
{
    machine_snap_free(r->s);
    machine_replay_free(r->mr);
    machine_free(r->m);
    icount_options_free(&r->io);
}

/* Run to exactly `steps` (a stop-at debug stop). */
static void run_to(Machine *m, uint64_t steps)
{
    MachineStop why;
    Error *err = NULL;
    machine_set_stop_at(m, steps);
    bool ok = machine_run(m, &why, &err);
    if (!ok) {
        print_message("%s\n", error_get_message(err));
    }
    assert_true(ok);
    if (why != MACHINE_STOP_DEBUG) {
        print_message("stopped at step %llu (cause %d) instead of %llu\n",
                      (unsigned long long)machine_icount(m), (int)m->shutdown_cause,
                      (unsigned long long)steps);
    }
    assert_int_equal(why, MACHINE_STOP_DEBUG);
    assert_int_equal(machine_icount(m), steps);
    machine_set_stop_at(m, UINT64_MAX);
}

/* Run to the end (guest poweroff or the end of a replay). */
static void run_end(Machine *m)
{
    MachineStop why;
    Error *err = NULL;
    bool ok = machine_run(m, &why, &err);
    if (!ok) {
        print_message("%s\n", error_get_message(err));
    }
    assert_true(ok);
    assert_int_equal(why, MACHINE_STOP_SHUTDOWN);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = 0;
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static size_t file_len(const char *path)
{
    size_t n;
    free(read_file(path, &n));
    return n;
}

static void assert_hash_eq(Hash128 a, Hash128 b)
{
    assert_memory_equal(&a, &b, sizeof(a));
}

static void expect_ok_(bool ok, Error *err)
{
    if (!ok) {
        print_message("unexpected error: %s\n", error_get_message(err));
        error_free(err);
    }
    assert_true(ok);
}

/* The call is complete (and err set) before err is read. */
#define expect_ok(call, err) do { bool ok_ = (call); expect_ok_(ok_, (err)); (err) = NULL; } while (0)

#define X 3000001ull
#define Y 7500003ull

/* Normal mode: snapshot at X, run to Y; restore X, run to Y: same state,
 * same output from there on; save -> load -> save gives the same bytes. */
static void test_restore_reaches_same_state(void **state)
{
    Fixture *f = *state;
    Run r;
    Error *err = NULL;
    run_open(&r, f, NULL, NULL, f->store, 0, 0);
    run_to(r.m, X);
    Hash128 hx = machine_state_hash(r.m);
    VMBuf b1, b2;
    vmbuf_init(&b1);
    vmbuf_init(&b2);
    vmstate_save_all(&r.m->vms, &b1);
    expect_ok(machine_snap_save(r.s, "x", &err), err);
    size_t out_x = file_len(f->out);

    run_to(r.m, Y);
    Hash128 hy = machine_state_hash(r.m);
    size_t out_y = file_len(f->out);
    assert_true(out_y > out_x);
    assert_true(memcmp(&hx, &hy, sizeof(hx)) != 0);

    expect_ok(machine_snap_load(r.s, "x", &err), err);
    assert_int_equal(machine_icount(r.m), X);
    assert_hash_eq(machine_state_hash(r.m), hx);
    vmstate_save_all(&r.m->vms, &b2);
    assert_int_equal(b1.len, b2.len);
    assert_memory_equal(b1.data, b2.data, b1.len);

    run_to(r.m, Y);
    assert_hash_eq(machine_state_hash(r.m), hy);
    /* The output after the restore repeats what followed X. */
    size_t len;
    char *out = read_file(f->out, &len);
    assert_int_equal(len, out_y + (out_y - out_x));
    assert_memory_equal(out + out_y, out + out_x, out_y - out_x);
    free(out);

    /* Named snapshots are listed; a second save under the name is refused. */
    char **names;
    uint64_t *steps;
    size_t n;
    expect_ok(machine_snap_list(r.s, &names, &steps, &n, &err), err);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "x");
    assert_int_equal(steps[0], X);
    machine_snap_list_free(names, steps, n);
    assert_false(machine_snap_save(r.s, "x", &err));
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    error_free(err);
    err = NULL;
    /* Seeking is for replays only. */
    assert_false(machine_seek(r.s, X, &err));
    assert_int_equal(error_get_class(err), ERR_USAGE);
    error_free(err);
    err = NULL;

    run_end(r.m);
    assert_int_equal(r.m->shutdown_cause, SHUTDOWN_GUEST_POWEROFF);
    assert_int_equal(r.m->exit_code, 0);
    vmbuf_free(&b1);
    vmbuf_free(&b2);
    run_close(&r);

    /* A new session loads the snapshot from the store. */
    run_open(&r, f, NULL, NULL, f->store, 0, 0);
    expect_ok(machine_snap_load(r.s, "x", &err), err);
    assert_hash_eq(machine_state_hash(r.m), hx);
    run_to(r.m, Y);
    assert_hash_eq(machine_state_hash(r.m), hy);
    expect_ok(machine_snap_delete(r.s, "x", &err), err);
    assert_false(machine_snap_load(r.s, "x", &err));
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    error_free(err);
    run_close(&r);
}

#define NPTS 4
static const uint64_t points[NPTS] = { 1500007, 4200011, 6100013, 9000017 };
#define INPUT_AT 2000003ull

typedef struct PassResult {
    Hash128 h[NPTS];
    size_t out[NPTS];
    Hash128 final;
    uint64_t final_steps;
    char *output;
    size_t output_len;
} PassResult;

/* Record the guest with input sent at INPUT_AT (after which it also reads
 * the host clock), hashing the state at each point. */
static void record(Fixture *f, PassResult *pr, const char *extra)
{
    Run r;
    Error *err = NULL;
    run_open(&r, f, "record", extra, NULL, 1000000, 0);
    for (int i = 0; i < NPTS; i++) {
        if (points[i] > INPUT_AT && machine_icount(r.m) < INPUT_AT) {
            run_to(r.m, INPUT_AT);
            machine_char_input(r.m, 0, (const uint8_t *)"ab", 2);
        }
        run_to(r.m, points[i]);
        pr->h[i] = machine_state_hash(r.m);
    }
    machine_char_input(r.m, 0, (const uint8_t *)"c", 1);
    run_end(r.m);
    assert_int_equal(r.m->shutdown_cause, SHUTDOWN_GUEST_POWEROFF);
    pr->final = machine_state_hash(r.m);
    pr->final_steps = machine_icount(r.m);
    expect_ok(machine_replay_finish(r.mr, &err), err);
    expect_ok(machine_snap_status(r.s, &err), err);
    run_close(&r);
    pr->output = read_file(f->out, &pr->output_len);
}

/* An uninterrupted replay: the same states, the output length at each point. */
static void replay_plain(Fixture *f, const PassResult *rec, PassResult *pr)
{
    Run r;
    Error *err = NULL;
    run_open(&r, f, "replay", NULL, NULL, 1000000, 0);
    for (int i = 0; i < NPTS; i++) {
        run_to(r.m, points[i]);
        pr->h[i] = machine_state_hash(r.m);
        assert_hash_eq(pr->h[i], rec->h[i]);
        pr->out[i] = file_len(f->out);
    }
    run_end(r.m);
    pr->final = machine_state_hash(r.m);
    assert_hash_eq(pr->final, rec->final);
    expect_ok(machine_replay_finish(r.mr, &err), err);
    run_close(&r);
    pr->output = read_file(f->out, &pr->output_len);
    assert_int_equal(pr->output_len, rec->output_len);
    assert_memory_equal(pr->output, rec->output, rec->output_len);
}

static void test_replay_seek(void **state)
{
    Fixture *f = *state;
    PassResult rec = { 0 }, plain = { 0 };
    Error *err = NULL;
    record(f, &rec, NULL);
    assert_non_null(strstr(rec.output, "in a\n"));
    assert_non_null(strstr(rec.output, "in c\n"));
    replay_plain(f, &rec, &plain);

    Run r;
    run_open(&r, f, "replay", NULL, NULL, 1000000, 0);
    run_to(r.m, points[3]);
    size_t shown = file_len(f->out);
    assert_int_equal(shown, plain.out[3]);
    /* Backwards, forwards, backwards across the input, to a snapshot's own
     * step and one step before a point. */
    const int order[] = { 1, 2, 0, 3, 1 };
    for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
        int i = order[k];
        expect_ok(machine_seek(r.s, points[i], &err), err);
        assert_int_equal(machine_icount(r.m), points[i]);
        assert_hash_eq(machine_state_hash(r.m), rec.h[i]);
        /* Muted: re-executed history does not reach the console again. */
        assert_int_equal(file_len(f->out), shown);
    }
    expect_ok(machine_seek(r.s, 3000000, &err), err);
    expect_ok(machine_seek(r.s, points[1] - 1, &err), err);
    expect_ok(machine_seek(r.s, points[1], &err), err);
    assert_hash_eq(machine_state_hash(r.m), rec.h[1]);
    /* Repeated small steps back after one long seek stay short. */
    MachineSnapCounters c0, c1;
    machine_snap_counters(r.s, &c0);
    for (uint64_t k = 1; k <= 3; k++) {
        expect_ok(machine_seek(r.s, points[1] - k, &err), err);
        assert_int_equal(machine_icount(r.m), points[1] - k);
    }
    machine_snap_counters(r.s, &c1);
    assert_true(c1.replayed_steps - c0.replayed_steps <= 3 * MACHINE_SNAP_SEEK_FINE);
    expect_ok(machine_seek(r.s, points[1], &err), err);
    assert_hash_eq(machine_state_hash(r.m), rec.h[1]);

    /* Beyond the end: refused. */
    assert_false(machine_seek(r.s, rec.final_steps + 1, &err));
    assert_int_equal(error_get_class(err), ERR_USAGE);
    error_free(err);
    err = NULL;

    /* Continue from the seek: the rest of the original replay, byte for byte,
     * the same final state, and the journal's end checks pass. */
    run_end(r.m);
    assert_int_equal(machine_icount(r.m), rec.final_steps);
    assert_hash_eq(machine_state_hash(r.m), rec.final);
    expect_ok(machine_replay_finish(r.mr, &err), err);
    expect_ok(machine_snap_status(r.s, &err), err);
    size_t len;
    char *out = read_file(f->out, &len);
    size_t tail = plain.output_len - plain.out[1];
    assert_int_equal(len, shown + tail);
    assert_memory_equal(out + shown, plain.output + plain.out[1], tail);
    free(out);

    /* After the end of the replay, seek back again and finish again. */
    expect_ok(machine_seek(r.s, points[0], &err), err);
    assert_hash_eq(machine_state_hash(r.m), rec.h[0]);
    expect_ok(machine_seek(r.s, rec.final_steps, &err), err);
    run_end(r.m);
    assert_hash_eq(machine_state_hash(r.m), rec.final);
    run_close(&r);

    /* A replay that starts fresh uses the store that the first one filled. */
    run_open(&r, f, "replay", NULL, NULL, 1000000, 0);
    expect_ok(machine_seek(r.s, points[2], &err), err);
    assert_hash_eq(machine_state_hash(r.m), rec.h[2]);
    MachineSnapCounters c;
    machine_snap_counters(r.s, &c);
    assert_true(c.replayed_steps < 1000000);
    run_close(&r);

    free(rec.output);
    free(plain.output);
}

/* rrsnapshot=NAME: the recording saves NAME at its start, the replay starts
 * from it. */
static void test_rrsnapshot(void **state)
{
    Fixture *f = *state;
    PassResult rec = { 0 };
    Error *err = NULL;
    record(f, &rec, ",rrsnapshot=start");
    Run r;
    run_open(&r, f, "replay", ",rrsnapshot=start", NULL, 0, 0);
    char **names;
    uint64_t *steps;
    size_t n;
    expect_ok(machine_snap_list(r.s, &names, &steps, &n, &err), err);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "start");
    assert_int_equal(steps[0], 0);
    machine_snap_list_free(names, steps, n);
    run_end(r.m);
    assert_hash_eq(machine_state_hash(r.m), rec.final);
    expect_ok(machine_replay_finish(r.mr, &err), err);
    run_close(&r);
    free(rec.output);
}

/* A store made for another machine configuration is refused, with the
 * reason; a damaged one is reported, never crashes. */
static void test_refused_and_corrupt(void **state)
{
    Fixture *f = *state;
    Run r;
    Error *err = NULL;
    run_open(&r, f, NULL, NULL, f->store, 0, 0);
    run_to(r.m, 100000);
    expect_ok(machine_snap_save(r.s, "a", &err), err);
    run_close(&r);

    run_open(&r, f, NULL, NULL, f->store, 0, 64ull << 20);
    assert_false(machine_snap_load(r.s, "a", &err));
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    print_message("other config: %s\n", error_get_message(err));
    assert_non_null(strstr(error_get_message(err), f->store));
    assert_non_null(strstr(error_get_message(err), "m=67108864"));
    error_free(err);
    err = NULL;
    run_close(&r);

    FILE *fp = fopen(f->store, "r+b");
    assert_non_null(fp);
    static const char junk[8192] = "this is not a snapshot store";
    assert_int_equal(fwrite(junk, 1, sizeof(junk), fp), sizeof(junk));
    fclose(fp);
    run_open(&r, f, NULL, NULL, f->store, 0, 0);
    assert_false(machine_snap_load(r.s, "a", &err));
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    print_message("damaged: %s\n", error_get_message(err));
    error_free(err);
    run_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_restore_reaches_same_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_seek, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rrsnapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_and_corrupt, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
