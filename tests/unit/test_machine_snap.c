/* Tests for hw/machine_snap: machine snapshots through the real run loop
 * with the snapmix guest (timer interrupts, idle warps, console output, RAM
 * writes, journaled input and host clock reads), and seeking in a replay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpu/hart.h"
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

static bool run_open_snap(Run *r, Fixture *f, const char *rr, const char *extra_icount,
                          const MachineSnapOptions *so, uint64_t ram, Error **errp);

/* rr: NULL, "record" or "replay". */
static void run_open(Run *r, Fixture *f, const char *rr, const char *extra_icount,
                     const char *store, uint64_t period, uint64_t ram)
{
    MachineSnapOptions so;
    machine_snap_options_init(&so);
    so.store_path = store;
    so.period_steps = period;
    Error *err = NULL;
    if (!run_open_snap(r, f, rr, extra_icount, &so, ram, &err)) {
        print_message("%s\n", error_get_message(err));
    }
    assert_non_null(r->s);
}

/* The machine and its replay must open; the snapshot support may fail
 * (then r->s is NULL and errp set). */
static bool run_open_snap(Run *r, Fixture *f, const char *rr, const char *extra_icount,
                          const MachineSnapOptions *so, uint64_t ram, Error **errp)
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
    r->s = machine_snap_new(r->m, r->mr, so, errp);
    return r->s != NULL;
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
static void record_input(Fixture *f, PassResult *pr, const char *extra, const char *input);

static void record(Fixture *f, PassResult *pr, const char *extra)
{
    record_input(f, pr, extra, "ab");
}

static void record_input(Fixture *f, PassResult *pr, const char *extra, const char *input)
{
    Run r;
    Error *err = NULL;
    run_open(&r, f, "record", extra, NULL, 1000000, 0);
    for (int i = 0; i < NPTS; i++) {
        if (points[i] > INPUT_AT && machine_icount(r.m) < INPUT_AT) {
            run_to(r.m, INPUT_AT);
            machine_char_input(r.m, 0, (const uint8_t *)input, strlen(input));
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
    /* Nothing was shown twice: the console holds the replay's output once. */
    size_t len;
    char *out = read_file(f->out, &len);
    assert_int_equal(len, plain.output_len);
    assert_memory_equal(out, plain.output, len);
    free(out);

    /* After the end of the replay, seek back again and finish again. */
    expect_ok(machine_seek(r.s, points[0], &err), err);
    assert_hash_eq(machine_state_hash(r.m), rec.h[0]);
    expect_ok(machine_seek(r.s, rec.final_steps, &err), err);
    run_end(r.m);
    assert_hash_eq(machine_state_hash(r.m), rec.final);
    run_close(&r);

    /* A replay that starts fresh uses the store that the first one filled:
     * forward it runs (the console shows the way), and back it restores. */
    run_open(&r, f, "replay", NULL, NULL, 1000000, 0);
    expect_ok(machine_seek(r.s, points[2], &err), err);
    assert_hash_eq(machine_state_hash(r.m), rec.h[2]);
    assert_int_equal(file_len(f->out), plain.out[2]);
    MachineSnapCounters c;
    machine_snap_counters(r.s, &c);
    expect_ok(machine_seek(r.s, points[1], &err), err);
    assert_hash_eq(machine_state_hash(r.m), rec.h[1]);
    MachineSnapCounters c2;
    machine_snap_counters(r.s, &c2);
    assert_true(c2.replayed_steps - c.replayed_steps < 1000000);
    run_close(&r);

    free(rec.output);
    free(plain.output);
}

/* The console of a replay is complete and in order whatever seeks happen:
 * a forward seek shows what it passes over, a seek back and a run forward
 * again show nothing twice, and a restart from a snapshot goes on where the
 * console stopped. */
static void test_seek_console_complete(void **state)
{
    Fixture *f = *state;
    PassResult rec = { 0 }, plain = { 0 };
    Error *err = NULL;
    record(f, &rec, NULL);
    replay_plain(f, &rec, &plain);
    assert_true(plain.out[0] > 0 && plain.out[0] < plain.out[2]);

    Run r;
    run_open(&r, f, "replay", NULL, NULL, 1000000, 0);
    /* Forward from the start, past points[0] and points[1]. */
    expect_ok(machine_seek(r.s, points[2], &err), err);
    assert_hash_eq(machine_state_hash(r.m), rec.h[2]);
    assert_int_equal(file_len(f->out), plain.out[2]);
    /* Back, then forward again beyond the furthest point reached. */
    expect_ok(machine_seek(r.s, points[0], &err), err);
    assert_int_equal(file_len(f->out), plain.out[2]);
    expect_ok(machine_seek(r.s, points[3], &err), err);
    assert_int_equal(file_len(f->out), plain.out[3]);
    /* A named snapshot behind the console's mark, loaded and run on. */
    expect_ok(machine_seek(r.s, points[1], &err), err);
    expect_ok(machine_snap_save(r.s, "p1", &err), err);
    expect_ok(machine_seek(r.s, points[0], &err), err);
    expect_ok(machine_snap_load(r.s, "p1", &err), err);
    assert_int_equal(machine_icount(r.m), points[1]);
    run_end(r.m);
    assert_hash_eq(machine_state_hash(r.m), rec.final);
    expect_ok(machine_replay_finish(r.mr, &err), err);
    run_close(&r);
    size_t len;
    char *out = read_file(f->out, &len);
    assert_int_equal(len, plain.output_len);
    assert_memory_equal(out, plain.output, len);
    free(out);
    free(rec.output);
    free(plain.output);
}

/* Delete one page of the store (by its content), with LMDB directly. */
static void store_drop_page(const char *path, const uint8_t *content)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    Hash128 h = hash128(content, MEM_PAGE_SIZE);
    uint8_t kb[16];
    for (int i = 0; i < 8; i++) {
        kb[i] = (uint8_t)(h.lo >> (8 * i));
        kb[8 + i] = (uint8_t)(h.hi >> (8 * i));
    }
    MDB_val k = { sizeof(kb), kb };
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
    assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "pages", 0, &dbi), 0);
    assert_int_equal(mdb_del(txn, dbi, &k, NULL), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

/* A load from a damaged store fails and changes nothing: the replay then
 * goes on as if it had not been tried, to the recorded end. */
static void test_failed_load_changes_nothing(void **state)
{
    Fixture *f = *state;
    PassResult rec = { 0 }, plain = { 0 };
    Error *err = NULL;
    record(f, &rec, NULL);
    replay_plain(f, &rec, &plain);

    Run r;
    run_open(&r, f, "replay", NULL, f->store, 0, 0);
    const MemRegion *ram = mem_find(&r.m->as, VIRT_DRAM_BASE, r.m->ram_size);
    assert_non_null(ram);
    uint8_t *at_x = malloc(ram->size);
    run_to(r.m, points[0]);
    expect_ok(machine_snap_save(r.s, "x", &err), err);
    memcpy(at_x, ram->host, ram->size);
    run_to(r.m, points[2]);
    /* The last page that the load must rewrite goes missing: the pages
     * before it would be rewritten first. */
    size_t differ = 0, last = 0;
    for (size_t pg = 0; pg < ram->size / MEM_PAGE_SIZE; pg++) {
        const uint8_t *a = at_x + pg * MEM_PAGE_SIZE;
        if (memcmp(a, ram->host + pg * MEM_PAGE_SIZE, MEM_PAGE_SIZE) != 0) {
            differ++;
            static const uint8_t zero[MEM_PAGE_SIZE];
            if (memcmp(a, zero, MEM_PAGE_SIZE) != 0) {
                last = pg;
            }
        }
    }
    assert_true(differ >= 2 && last > 0);
    run_close(&r);
    store_drop_page(f->store, at_x + last * MEM_PAGE_SIZE);
    free(at_x);

    run_open(&r, f, "replay", NULL, f->store, 0, 0);
    run_to(r.m, points[2]);
    Hash128 before = machine_state_hash(r.m);
    uint64_t pc = hart_get_pc(r.m->hart);
    assert_false(machine_snap_load(r.s, "x", &err));
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    print_message("damaged: %s\n", error_get_message(err));
    error_free(err);
    err = NULL;
    assert_int_equal(machine_icount(r.m), points[2]);
    assert_int_equal(hart_get_pc(r.m->hart), pc);
    assert_hash_eq(machine_state_hash(r.m), before);
    assert_hash_eq(before, rec.h[2]);
    run_to(r.m, points[3]);
    assert_hash_eq(machine_state_hash(r.m), rec.h[3]);
    run_end(r.m);
    assert_hash_eq(machine_state_hash(r.m), rec.final);
    expect_ok(machine_replay_finish(r.mr, &err), err);
    run_close(&r);
    size_t len;
    char *out = read_file(f->out, &len);
    assert_int_equal(len, plain.output_len);
    assert_memory_equal(out, plain.output, len);
    free(out);
    free(rec.output);
    free(plain.output);
}

static void expect_error_class(Error *err, ErrorClass cls, const char *needle)
{
    assert_non_null(err);
    print_message("expected: %s\n", error_get_message(err));
    assert_int_equal(error_get_class(err), cls);
    if (needle) {
        assert_non_null(strstr(error_get_message(err), needle));
    }
    error_free(err);
}

static size_t dir_entries(const char *path)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    unsigned long n = 0;
    assert_int_equal(fscanf(p, "%lu", &n), 1);
    pclose(p);
    return n;
}

/* The store next to the journal cannot be created (here: its directory is
 * a file, as a read-only directory is for anyone but root): the replay uses
 * a private temporary store, removed at exit, and seeks work. An explicit
 * store there is an error. */
static void test_unwritable_journal_dir(void **state)
{
    Fixture *f = *state;
    PassResult rec = { 0 };
    Error *err = NULL;
    record(f, &rec, NULL);
    char tmp[240];
    snprintf(tmp, sizeof(tmp), "%s/tmp", f->dir);
    assert_int_equal(mkdir(tmp, 0700), 0);
    char *old_tmp = getenv("TMPDIR") ? strdup(getenv("TMPDIR")) : NULL;
    setenv("TMPDIR", tmp, 1);

    Run r;
    MachineSnapOptions so;
    machine_snap_options_init(&so);
    so.period_steps = 1000000;
    so.default_store_path = "/dev/null/rec.rr.snap";
    bool ok = run_open_snap(&r, f, "replay", NULL, &so, 0, &err);
    expect_ok(ok, err);
    assert_int_equal(dir_entries(tmp), 1);
    run_to(r.m, points[2]);
    expect_ok(machine_seek(r.s, points[1], &err), err);
    assert_hash_eq(machine_state_hash(r.m), rec.h[1]);
    run_end(r.m);
    assert_hash_eq(machine_state_hash(r.m), rec.final);
    expect_ok(machine_replay_finish(r.mr, &err), err);
    run_close(&r);
    assert_int_equal(dir_entries(tmp), 0);

    machine_snap_options_init(&so);
    so.store_path = "/dev/null/explicit.snap";
    assert_false(run_open_snap(&r, f, "replay", NULL, &so, 0, &err));
    expect_error_class(err, ERR_SNAPSHOT, "/dev/null/explicit.snap");
    run_close(&r);

    if (old_tmp) {
        setenv("TMPDIR", old_tmp, 1);
        free(old_tmp);
    } else {
        unsetenv("TMPDIR");
    }
    free(rec.output);
}

/* A damaged store next to the journal: a replay that needs no snapshot
 * runs to its end (without periodic snapshots); whatever needs one fails
 * with ERR_SNAPSHOT. */
static void test_damaged_default_store(void **state)
{
    Fixture *f = *state;
    PassResult rec = { 0 }, plain = { 0 };
    Error *err = NULL;
    record(f, &rec, ",rrsnapshot=start");
    char store[220];
    snprintf(store, sizeof(store), "%s.snap", f->journal);
    struct stat st;
    assert_int_equal(stat(store, &st), 0);
    assert_int_equal(truncate(store, st.st_size / 2), 0);

    Run r;
    MachineSnapOptions so;
    machine_snap_options_init(&so);
    so.period_steps = 1000000;
    expect_ok(run_open_snap(&r, f, "replay", NULL, &so, 0, &err), err);
    run_to(r.m, points[1]);
    assert_false(machine_seek(r.s, points[0], &err));
    expect_error_class(err, ERR_SNAPSHOT, "truncated");
    err = NULL;
    assert_false(machine_snap_load(r.s, "start", &err));
    expect_error_class(err, ERR_SNAPSHOT, NULL);
    err = NULL;
    assert_int_equal(machine_icount(r.m), points[1]);
    run_end(r.m);
    assert_hash_eq(machine_state_hash(r.m), rec.final);
    expect_ok(machine_replay_finish(r.mr, &err), err);
    run_close(&r);
    plain.output = read_file(f->out, &plain.output_len);
    assert_int_equal(plain.output_len, rec.output_len);
    assert_memory_equal(plain.output, rec.output, rec.output_len);

    /* Starting from a snapshot needs the store. */
    assert_false(run_open_snap(&r, f, "replay", ",rrsnapshot=start", &so, 0, &err));
    expect_error_class(err, ERR_SNAPSHOT, "truncated");
    run_close(&r);
    free(rec.output);
    free(plain.output);
}

/* Snapshots belong to their recording: a replay refuses another
 * recording's snapshot by name, and its seeks never use another's periodic
 * snapshots, even of a journal of the same name in the same store. */
static void test_other_recording_refused(void **state)
{
    Fixture *f = *state;
    PassResult a = { 0 }, b = { 0 };
    Error *err = NULL;
    record(f, &a, NULL);
    Run r;
    run_open(&r, f, "replay", NULL, f->store, 1000000, 0);
    run_to(r.m, points[1]);
    assert_hash_eq(machine_state_hash(r.m), a.h[1]);
    expect_ok(machine_snap_save(r.s, "from-a", &err), err);
    run_to(r.m, points[3]);
    run_close(&r);

    /* Another recording under the same journal name, with other input. */
    record_input(f, &b, NULL, "xyz");
    assert_true(memcmp(&a.h[1], &b.h[1], sizeof(Hash128)) != 0);
    run_open(&r, f, "replay", NULL, f->store, 1000000, 0);
    run_to(r.m, points[2]);
    Hash128 before = machine_state_hash(r.m);
    assert_hash_eq(before, b.h[2]);
    assert_false(machine_snap_load(r.s, "from-a", &err));
    expect_error_class(err, ERR_SNAPSHOT, "belongs to recording");
    err = NULL;
    assert_int_equal(machine_icount(r.m), points[2]);
    assert_hash_eq(machine_state_hash(r.m), before);
    expect_ok(machine_seek(r.s, points[1], &err), err);
    assert_hash_eq(machine_state_hash(r.m), b.h[1]);
    run_end(r.m);
    assert_hash_eq(machine_state_hash(r.m), b.final);
    expect_ok(machine_replay_finish(r.mr, &err), err);
    run_close(&r);

    /* Outside a replay a snapshot is just a machine state: it loads. */
    run_open(&r, f, NULL, NULL, f->store, 0, 0);
    expect_ok(machine_snap_load(r.s, "from-a", &err), err);
    assert_hash_eq(machine_state_hash(r.m), a.h[1]);
    run_close(&r);
    free(a.output);
    free(b.output);
}

static bool refuse_commit(void *opaque, const SnapshotInfo *info, Error **errp)
{
    (void)opaque;
    error_setc(errp, ERR_SNAPSHOT, "refused at step %llu", (unsigned long long)info->steps);
    return false;
}

/* A load refused at its very end (after RAM and every device, the hart's
 * step count and the snapshot layer's record were written) is undone: the
 * machine is exactly as before, and the replay goes on to its recorded end. */
static void test_refused_load_undone(void **state)
{
    Fixture *f = *state;
    PassResult rec = { 0 }, plain = { 0 };
    Error *err = NULL;
    record(f, &rec, NULL);
    replay_plain(f, &rec, &plain);
    Run r;
    run_open(&r, f, "replay", NULL, f->store, 1000000, 0);
    run_to(r.m, points[0]);
    expect_ok(machine_snap_save(r.s, "x", &err), err);
    run_to(r.m, points[2]);
    VMBuf before, after;
    vmbuf_init(&before);
    vmbuf_init(&after);
    vmstate_save_all(&r.m->vms, &before);
    SnapStore *store = machine_snap_store(r.s, &err);
    assert_non_null(store);
    snapstore_set_load_commit(store, refuse_commit, NULL);
    assert_false(machine_snap_load(r.s, "x", &err));
    expect_error_class(err, ERR_SNAPSHOT, "refused at step");
    err = NULL;
    assert_int_equal(machine_icount(r.m), points[2]);
    vmstate_save_all(&r.m->vms, &after);
    assert_int_equal(before.len, after.len);
    assert_memory_equal(before.data, after.data, before.len);
    assert_hash_eq(machine_state_hash(r.m), rec.h[2]);
    run_end(r.m);
    assert_hash_eq(machine_state_hash(r.m), rec.final);
    expect_ok(machine_replay_finish(r.mr, &err), err);
    run_close(&r);
    size_t len;
    char *out = read_file(f->out, &len);
    assert_int_equal(len, plain.output_len);
    assert_memory_equal(out, plain.output, len);
    free(out);
    vmbuf_free(&before);
    vmbuf_free(&after);
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
        cmocka_unit_test_setup_teardown(test_seek_console_complete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_load_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_journal_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_default_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_recording_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_load_undone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rrsnapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_and_corrupt, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
