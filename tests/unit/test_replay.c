/* Tests for sim/replay: the gate in its three modes, the event model
 * (async at their step, sync in order), divergence reports, truncated
 * journals, manifests, positions. A scripted "machine" stands in for the
 * real one: it records a run, then replays it and must see the same inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/replay/replay.h"

typedef struct Tmp {
    char dir[64];
    char path[128];
} Tmp;

static int tmp_setup(void **state)
{
    Tmp *t = calloc(1, sizeof(*t));
    snprintf(t->dir, sizeof(t->dir), "/tmp/rrsim-replay-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->path, sizeof(t->path), "%s/j.rr", t->dir);
    *state = t;
    return 0;
}

static int tmp_teardown(void **state)
{
    Tmp *t = *state;
    unlink(t->path);
    rmdir(t->dir);
    free(t);
    return 0;
}

static void manifest(JournalManifest *m, const char *kernel)
{
    journal_manifest_init(m, "1.0", "virt,m=64M,shift=0,sleep=on", 0);
    journal_manifest_add_input(m, "firmware", hash128("opensbi", 7));
    journal_manifest_add_input(m, "kernel", hash128(kernel, strlen(kernel)));
}

static JournalDigest state_at(uint64_t steps)
{
    JournalDigest d = { 0 };
    d.pc = 0x80000000 + steps * 4;
    d.vclock_ns = (int64_t)steps;
    d.hart = hash128(&steps, sizeof(steps));
    d.devices = hash128("dev", 3);
    d.has_ram = true;
    d.ram = hash128("ram", 3);
    d.has_xregs = true;
    for (int i = 1; i < 32; i++) {
        d.xregs[i] = steps + (uint64_t)i;
    }
    return d;
}

static Error *expect_error(ErrorClass cls, Error *err, const char *mention)
{
    assert_non_null(err);
    if (error_get_class(err) != cls || (mention && !strstr(error_get_message(err), mention))) {
        fail_msg("unexpected error (class %d): %s", error_get_class(err), error_get_message(err));
    }
    error_free(err);
    return NULL;
}

/* The recorded script:
 *   step 100: char input "hi" on chr 0
 *   step 150: guest reads the host clock (sync)
 *   step 150: guest reads it again
 *   step 200: warp 5000 ns
 *   step 300: checkpoint
 *   step 310: 8 random bytes (sync)
 *   step 400: monitor action, then host shutdown
 *   end at 400.
 * Returns the two clock values read. */
static void record_script(const char *path, int64_t clk[2], uint8_t rnd[8], bool finish)
{
    JournalManifest m;
    manifest(&m, "linux-6.1");
    Error *err = NULL;
    Replay *r = replay_open(REPLAY_MODE_RECORD, path, &m, &err);
    journal_manifest_free(&m);
    assert_null(err);
    assert_int_equal(replay_mode(r), REPLAY_MODE_RECORD);
    assert_true(replay_char_input(r, 0, (const uint8_t *)"hi", 2, 100));
    clk[0] = replay_clock_read(r, CLOCK_HOST, 150);
    clk[1] = replay_clock_read(r, CLOCK_HOST, 150);
    assert_true(clk[0] > 1000000000LL);   /* a real wall clock, not zero */
    assert_true(replay_record_warp(r, 200, 5000, &err));
    JournalDigest d = state_at(300);
    assert_true(replay_record_checkpoint(r, 300, &d, &err));
    replay_random(r, 310, rnd, 8);
    assert_true(replay_record_monitor(r, 400, "stop", &err));
    assert_true(replay_record_shutdown(r, 400, SHUTDOWN_HOST_SIGNAL, &err));
    assert_int_equal(replay_next_event_steps(r), UINT64_MAX);   /* not playing */
    assert_true(replay_status(r, &err));
    if (finish) {
        d = state_at(400);
        assert_true(replay_finish(r, 400, &d, &err));
        assert_null(err);
    }
    replay_free(r);
}

static Replay *open_play(const char *path, const char *kernel, Error **errp)
{
    JournalManifest m;
    manifest(&m, kernel);
    Replay *r = replay_open(REPLAY_MODE_PLAY, path, &m, errp);
    journal_manifest_free(&m);
    return r;
}

static void test_none_passes_through(void **state)
{
    Replay *r = replay_open(REPLAY_MODE_NONE, NULL, NULL, NULL);
    assert_non_null(r);
    int64_t a = replay_clock_read(r, CLOCK_REALTIME, 0);
    assert_true(a > 0);
    assert_true(replay_char_input(r, 0, (const uint8_t *)"x", 1, 5));
    assert_int_equal(replay_next_event_steps(r), UINT64_MAX);
    JournalEvent ev;
    assert_false(replay_take_event(r, 5, &ev, NULL));
    assert_true(replay_idle(r, 5, NULL));
    assert_true(replay_record_warp(r, 5, 10, NULL));
    JournalDigest d = state_at(5);
    assert_true(replay_finish(r, 5, &d, NULL));
    replay_free(r);
}

static void test_record_then_play(void **state)
{
    Tmp *t = *state;
    int64_t clk[2];
    uint8_t rnd[8];
    record_script(t->path, clk, rnd, true);

    Error *err = NULL;
    Replay *r = open_play(t->path, "linux-6.1", &err);
    assert_null(err);
    assert_true(replay_is_playing(r));
    assert_string_equal(replay_manifest(r)->machine, "virt,m=64M,shift=0,sleep=on");
    /* Host input is ignored while playing. */
    assert_false(replay_char_input(r, 0, (const uint8_t *)"zz", 2, 0));

    JournalEvent ev;
    assert_int_equal(replay_next_event_steps(r), 100);
    assert_false(replay_take_event(r, 50, &ev, &err));   /* nothing due yet */
    assert_null(err);
    assert_true(replay_take_event(r, 100, &ev, &err));
    assert_int_equal(ev.kind, JOURNAL_EV_CHAR_INPUT);
    assert_int_equal(ev.arg, 0);
    assert_int_equal(ev.len, 2);
    assert_memory_equal(ev.data, "hi", 2);
    assert_false(replay_take_event(r, 100, &ev, &err));
    /* The budget skips the sync reads at 150: the next async event is the warp. */
    assert_int_equal(replay_next_event_steps(r), 200);
    assert_int_equal(replay_clock_read(r, CLOCK_HOST, 150), clk[0]);
    assert_int_equal(replay_clock_read(r, CLOCK_HOST, 150), clk[1]);
    assert_true(replay_take_event(r, 200, &ev, &err));
    assert_int_equal(ev.kind, JOURNAL_EV_WARP);
    assert_int_equal(ev.value, 5000);
    assert_int_equal(replay_next_event_steps(r), 300);
    assert_true(replay_take_event(r, 300, &ev, &err));
    assert_int_equal(ev.kind, JOURNAL_EV_CHECKPOINT);
    JournalDigest now = state_at(300);
    assert_true(replay_checkpoint_check(r, &ev, &now, &err));
    uint8_t got[8];
    replay_random(r, 310, got, 8);
    assert_memory_equal(got, rnd, 8);
    assert_int_equal(replay_next_event_steps(r), 400);
    assert_true(replay_idle(r, 400, &err));   /* an event is due: the idle hart waits for it */
    assert_true(replay_take_event(r, 400, &ev, &err));
    assert_int_equal(ev.kind, JOURNAL_EV_MONITOR);
    assert_int_equal(ev.len, 4);
    assert_memory_equal(ev.data, "stop", 4);
    assert_true(replay_take_event(r, 400, &ev, &err));
    assert_int_equal(ev.kind, JOURNAL_EV_SHUTDOWN);
    assert_int_equal(ev.arg, SHUTDOWN_HOST_SIGNAL);
    JournalDigest fin = state_at(400);
    assert_true(replay_finish(r, 400, &fin, &err));
    assert_null(err);
    assert_true(replay_status(r, &err));
    replay_free(r);
}

static void test_manifest_mismatch(void **state)
{
    Tmp *t = *state;
    int64_t clk[2];
    uint8_t rnd[8];
    record_script(t->path, clk, rnd, true);
    Error *err = NULL;
    assert_null(open_play(t->path, "linux-6.2", &err));
    assert_non_null(strstr(error_get_message(err), "kernel"));
    assert_non_null(strstr(error_get_message(err), t->path));
    err = expect_error(ERR_JOURNAL_MISMATCH, err, "different kernel");

    JournalManifest rec, now;
    manifest(&rec, "k");
    manifest(&now, "k");
    assert_true(replay_manifest_check(&rec, &now, NULL));
    journal_manifest_add_input(&now, "initrd", hash128("i", 1));
    assert_false(replay_manifest_check(&rec, &now, &err));
    err = expect_error(ERR_JOURNAL_MISMATCH, err, "initrd");
    assert_false(replay_manifest_check(&now, &rec, &err));
    err = expect_error(ERR_JOURNAL_MISMATCH, err, "initrd");
    journal_manifest_free(&now);
    manifest(&now, "k");
    free(now.machine);
    now.machine = strdup("virt,m=128M,shift=0,sleep=on");
    assert_false(replay_manifest_check(&rec, &now, &err));
    err = expect_error(ERR_JOURNAL_MISMATCH, err, "machine options");
    journal_manifest_free(&now);
    /* Another hart: the message names the field and the extensions that
     * differ, whichever side has them. */
    journal_manifest_free(&rec);
    journal_manifest_init(&rec, "1.0", "virt,m=64M,cpu=rv64imafdc_zicsr_zba_sstc,shift=0,append=a,b", 0);
    journal_manifest_init(&now, "1.0", "virt,m=64M,cpu=rv64imafdc_zicsr_zba_zbkb,shift=0,append=a,b", 0);
    assert_false(replay_manifest_check(&rec, &now, &err));
    assert_non_null(strstr(error_get_message(err),
                           "'cpu=rv64imafdc_zicsr_zba_sstc' in the recording, "
                           "'cpu=rv64imafdc_zicsr_zba_zbkb' now (+zbkb -sstc)"));
    err = expect_error(ERR_JOURNAL_MISMATCH, err, "machine options");
    journal_manifest_free(&now);
    /* The kernel command line is last and may hold commas. */
    journal_manifest_init(&now, "1.0", "virt,m=64M,cpu=rv64imafdc_zicsr_zba_sstc,shift=0,append=a,c", 0);
    assert_false(replay_manifest_check(&rec, &now, &err));
    assert_non_null(strstr(error_get_message(err), "'append=a,b' in the recording, 'append=a,c' now"));
    err = expect_error(ERR_JOURNAL_MISMATCH, err, "machine options");
    journal_manifest_free(&now);
    journal_manifest_free(&rec);
    manifest(&rec, "k");
    manifest(&now, "k");
    now.icount_shift = 3;
    assert_false(replay_manifest_check(&rec, &now, &err));
    err = expect_error(ERR_JOURNAL_MISMATCH, err, "shift");
    journal_manifest_free(&now);
    manifest(&now, "k");
    free(now.rrsim_version);
    now.rrsim_version = strdup("2.0");
    assert_false(replay_manifest_check(&rec, &now, &err));
    err = expect_error(ERR_JOURNAL_MISMATCH, err, "rrsim 1.0");
    journal_manifest_free(&now);
    journal_manifest_free(&rec);

    /* Other open failures keep their classes. */
    assert_null(open_play("/nonexistent/j.rr", "k", &err));
    err = expect_error(ERR_IO, err, "/nonexistent/j.rr");
    assert_null(replay_open(REPLAY_MODE_RECORD, "/nonexistent/dir/j.rr", &rec, &err));
    err = expect_error(ERR_IO, err, NULL);
}

static void fail_hook(void *opaque)
{
    (*(int *)opaque)++;
}

static void test_divergence_sync(void **state)
{
    Tmp *t = *state;
    int64_t clk[2];
    uint8_t rnd[8];
    record_script(t->path, clk, rnd, true);
    Error *err = NULL;

    /* A clock read at the wrong step. */
    Replay *r = open_play(t->path, "linux-6.1", NULL);
    int calls = 0;
    replay_set_fail_hook(r, fail_hook, &calls);
    JournalEvent ev;
    assert_true(replay_take_event(r, 100, &ev, &err));
    assert_int_equal(replay_clock_read(r, CLOCK_HOST, 149), 0);
    assert_int_equal(calls, 1);
    assert_false(replay_status(r, &err));
    assert_non_null(strstr(error_get_message(err), "step 149"));
    err = expect_error(ERR_DIVERGENCE, err, "clock-read at step 150");
    /* Sticky: everything fails from now on, the hook is not called again. */
    assert_false(replay_take_event(r, 200, &ev, &err));
    err = expect_error(ERR_DIVERGENCE, err, "step 149");
    assert_int_equal(replay_next_event_steps(r), 0);
    assert_int_equal(calls, 1);
    replay_free(r);

    /* The wrong clock. */
    r = open_play(t->path, "linux-6.1", NULL);
    assert_int_equal(replay_clock_read(r, CLOCK_REALTIME, 150), 0);
    assert_false(replay_status(r, &err));
    err = expect_error(ERR_DIVERGENCE, err, "realtime");
    replay_free(r);

    /* A skipped read: reaching step 200 without the reads at 150. */
    r = open_play(t->path, "linux-6.1", NULL);
    assert_true(replay_take_event(r, 100, &ev, &err));
    assert_false(replay_take_event(r, 200, &ev, &err));
    err = expect_error(ERR_DIVERGENCE, err, "clock-read at step 150 that the replay did not perform");
    replay_free(r);

    /* A random read of the wrong size. */
    r = open_play(t->path, "linux-6.1", NULL);
    replay_clock_read(r, CLOCK_HOST, 150);
    replay_clock_read(r, CLOCK_HOST, 150);
    uint8_t buf[4] = { 0xaa, 0xaa, 0xaa, 0xaa };
    replay_random(r, 310, buf, 4);
    assert_int_equal(buf[0], 0);   /* never stale or uninitialised */
    assert_false(replay_status(r, &err));
    err = expect_error(ERR_DIVERGENCE, err, "random");
    replay_free(r);
}

static void test_divergence_async(void **state)
{
    Tmp *t = *state;
    int64_t clk[2];
    uint8_t rnd[8];
    record_script(t->path, clk, rnd, true);
    Error *err = NULL;
    JournalEvent ev;

    /* Passing an event without taking it. */
    Replay *r = open_play(t->path, "linux-6.1", NULL);
    assert_false(replay_take_event(r, 101, &ev, &err));
    err = expect_error(ERR_DIVERGENCE, err, "char-input at step 100 that the replay passed");
    replay_free(r);

    /* Idle where the recording was not. */
    r = open_play(t->path, "linux-6.1", NULL);
    assert_false(replay_idle(r, 50, &err));
    err = expect_error(ERR_DIVERGENCE, err, "next event is a char-input at step 100");
    replay_free(r);

    /* Ending early, or with another final state. */
    r = open_play(t->path, "linux-6.1", NULL);
    JournalDigest d = state_at(100);
    assert_false(replay_finish(r, 100, &d, &err));
    err = expect_error(ERR_DIVERGENCE, err, "journal goes on");
    replay_free(r);
}

static void play_to_checkpoint(Replay *r, JournalEvent *ev)
{
    assert_true(replay_take_event(r, 100, ev, NULL));
    replay_clock_read(r, CLOCK_HOST, 150);
    replay_clock_read(r, CLOCK_HOST, 150);
    assert_true(replay_take_event(r, 200, ev, NULL));
    assert_true(replay_take_event(r, 300, ev, NULL));
    assert_int_equal(ev->kind, JOURNAL_EV_CHECKPOINT);
}

static void test_checkpoint_reports(void **state)
{
    Tmp *t = *state;
    int64_t clk[2];
    uint8_t rnd[8];
    record_script(t->path, clk, rnd, true);
    Error *err = NULL;
    JournalEvent ev;

    /* Each case breaks one part of the state; the report names that part. */
    JournalDigest base = state_at(300);
    for (int c = 0; c < 6; c++) {
        JournalDigest now = base;
        const char *mention = NULL;
        switch (c) {
        case 0:
            now.xregs[10] ^= 1;
            now.hart.lo ^= 1;
            mention = "x10 (a0) recorded 0x" "136" ", replayed 0x137";
            break;
        case 1:
            now.pc += 4;
            mention = "pc recorded 0x800004b0, replayed 0x800004b4";
            break;
        case 2:
            now.hart.hi ^= 1;
            mention = "hart state differs";
            break;
        case 3:
            now.devices.lo ^= 1;
            mention = "device state differs";
            break;
        case 4:
            now.ram.lo ^= 1;
            mention = "RAM differs";
            break;
        case 5:
            now.vclock_ns += 1;
            mention = "virtual clock differs";
            break;
        }
        Replay *r = open_play(t->path, "linux-6.1", NULL);
        play_to_checkpoint(r, &ev);
        assert_false(replay_checkpoint_check(r, &ev, &now, &err));
        assert_non_null(strstr(error_get_message(err), "step 300"));
        assert_non_null(strstr(error_get_message(err), "(pc 0x8000"));
        err = expect_error(ERR_DIVERGENCE, err, mention);
        assert_false(replay_status(r, &err));   /* and it is sticky */
        err = expect_error(ERR_DIVERGENCE, err, mention);
        replay_free(r);
    }

    /* A different final state. */
    Replay *r = open_play(t->path, "linux-6.1", NULL);
    play_to_checkpoint(r, &ev);
    replay_random(r, 310, rnd, 8);
    assert_true(replay_take_event(r, 400, &ev, NULL));
    assert_true(replay_take_event(r, 400, &ev, NULL));
    JournalDigest fin = state_at(400);
    fin.devices.hi ^= 1;
    assert_false(replay_finish(r, 400, &fin, &err));
    err = expect_error(ERR_DIVERGENCE, err, "final state");
    replay_free(r);
}

static void test_truncated_journal(void **state)
{
    Tmp *t = *state;
    int64_t clk[2];
    uint8_t rnd[8];
    record_script(t->path, clk, rnd, false);   /* killed before the end */
    Error *err = NULL;
    Replay *r = open_play(t->path, "linux-6.1", &err);
    assert_null(err);
    JournalEvent ev;
    play_to_checkpoint(r, &ev);
    /* Frames are flushed at checkpoints; what followed the last one was in
     * the frame still being filled: recovered by replay_free()'s abandon.
     * So everything up to the shutdown at 400 is there, but no end marker. */
    replay_random(r, 310, rnd, 8);
    assert_true(replay_take_event(r, 400, &ev, &err));
    assert_true(replay_take_event(r, 400, &ev, &err));
    assert_int_equal(ev.kind, JOURNAL_EV_SHUTDOWN);
    assert_int_equal(replay_next_event_steps(r), 400);
    assert_false(replay_take_event(r, 400, &ev, &err));
    assert_non_null(strstr(error_get_message(err), "step 400"));
    err = expect_error(ERR_JOURNAL_TRUNCATED, err, "interrupted");
    replay_free(r);

    /* Truncated right after a clock read: replay may run one more step. */
    JournalManifest m;
    manifest(&m, "linux-6.1");
    Replay *w = replay_open(REPLAY_MODE_RECORD, t->path, &m, NULL);
    journal_manifest_free(&m);
    replay_clock_read(w, CLOCK_HOST, 70);
    replay_free(w);
    r = open_play(t->path, "linux-6.1", NULL);
    assert_int_equal(replay_next_event_steps(r), 71);
    assert_false(replay_take_event(r, 50, &ev, &err));
    assert_null(err);
    replay_clock_read(r, CLOCK_HOST, 70);
    assert_true(replay_status(r, NULL));
    assert_false(replay_take_event(r, 71, &ev, &err));
    err = expect_error(ERR_JOURNAL_TRUNCATED, err, "step 71");
    replay_free(r);
    /* A read beyond the readable part: truncated, not divergence. */
    r = open_play(t->path, "linux-6.1", NULL);
    replay_clock_read(r, CLOCK_HOST, 70);
    replay_clock_read(r, CLOCK_HOST, 70);
    assert_false(replay_status(r, &err));
    err = expect_error(ERR_JOURNAL_TRUNCATED, err, NULL);
    replay_free(r);
}

static void test_position_roundtrip(void **state)
{
    Tmp *t = *state;
    int64_t clk[2];
    uint8_t rnd[8];
    record_script(t->path, clk, rnd, true);
    Error *err = NULL;
    JournalEvent ev;
    Replay *r = open_play(t->path, "linux-6.1", NULL);
    assert_true(replay_take_event(r, 100, &ev, &err));
    assert_int_equal(replay_clock_read(r, CLOCK_HOST, 150), clk[0]);
    ReplayPosition p = replay_get_position(r);   /* a snapshot at step 150 */
    assert_int_equal(replay_clock_read(r, CLOCK_HOST, 150), clk[1]);
    assert_true(replay_take_event(r, 200, &ev, &err));
    assert_true(replay_take_event(r, 300, &ev, &err));
    /* Back to the snapshot: the same inputs again. */
    assert_true(replay_set_position(r, p, &err));
    assert_int_equal(replay_next_event_steps(r), 200);
    assert_int_equal(replay_clock_read(r, CLOCK_HOST, 150), clk[1]);
    assert_true(replay_take_event(r, 200, &ev, &err));
    assert_int_equal(ev.kind, JOURNAL_EV_WARP);
    assert_null(err);
    /* Back to the very start. */
    assert_true(replay_set_position(r, (ReplayPosition){ 0, 0 }, &err));
    assert_int_equal(replay_next_event_steps(r), 100);
    replay_free(r);

    Replay *none = replay_open(REPLAY_MODE_NONE, NULL, NULL, NULL);
    assert_false(replay_set_position(none, p, &err));
    err = expect_error(ERR_USAGE, err, NULL);
    replay_free(none);
}

static void test_play_rejects_damage_up_front(void **state)
{
    Tmp *t = *state;
    int64_t clk[2];
    uint8_t rnd[8];
    record_script(t->path, clk, rnd, true);
    FILE *f = fopen(t->path, "r+b");
    fseek(f, -60, SEEK_END);   /* inside the last event frame or the index */
    int c = fgetc(f);
    fseek(f, -60, SEEK_END);
    fputc(c ^ 0x10, f);
    fclose(f);
    Error *err = NULL;
    Replay *r = open_play(t->path, "linux-6.1", &err);
    if (r) {
        /* Damage in the index only: the events are intact and play normally. */
        assert_null(err);
        replay_free(r);
    } else {
        err = expect_error(ERR_JOURNAL_CORRUPT, err, NULL);
    }
    /* Damage in the first frame is always refused before anything runs. */
    record_script(t->path, clk, rnd, true);
    JournalReader *jr = journal_reader_open(t->path, false, NULL);
    long off = (long)journal_reader_frame(jr, 0)->offset + 70;
    journal_reader_free(jr);
    f = fopen(t->path, "r+b");
    fseek(f, off, SEEK_SET);
    c = fgetc(f);
    fseek(f, off, SEEK_SET);
    fputc(c ^ 0x01, f);
    fclose(f);
    assert_null(open_play(t->path, "linux-6.1", &err));
    err = expect_error(ERR_JOURNAL_CORRUPT, err, "damaged");
}

/* A host source for replay_random_read(): counts calls, gives `avail`
 * bytes of a pattern at most. */
typedef struct Src {
    int calls;
    size_t avail;
    uint8_t seed;
} Src;

static size_t src_read(void *opaque, void *buf, size_t len)
{
    Src *s = opaque;
    size_t n = len < s->avail ? len : s->avail;
    s->calls++;
    for (size_t i = 0; i < n; i++) {
        ((uint8_t *)buf)[i] = (uint8_t)(s->seed + i);
    }
    return n;
}

static void test_random_read(void **state)
{
    Tmp *t = *state;
    Error *err = NULL;
    JournalManifest m;
    /* Record: the source's bytes (a short read too) are what is logged. */
    manifest(&m, "linux-6.1");
    Replay *r = replay_open(REPLAY_MODE_RECORD, t->path, &m, &err);
    journal_manifest_free(&m);
    assert_non_null(r);
    Src s = { 0, 16, 7 };
    uint8_t a[16], b[16];
    assert_int_equal(replay_random_read(r, 10, a, 16, src_read, &s), 16);
    s.avail = 5;
    s.seed = 40;
    assert_int_equal(replay_random_read(r, 20, b, 16, src_read, &s), 5);
    assert_int_equal(s.calls, 2);
    JournalDigest d = state_at(30);
    assert_true(replay_finish(r, 30, &d, &err));
    replay_free(r);

    /* Play: the same bytes and lengths, the source never read. */
    r = open_play(t->path, "linux-6.1", &err);
    assert_non_null(r);
    Src none = { 0, 16, 99 };
    uint8_t got[16];
    assert_int_equal(replay_random_read(r, 10, got, 16, src_read, &none), 16);
    assert_memory_equal(got, a, 16);
    assert_int_equal(replay_random_read(r, 20, got, 16, src_read, &none), 5);
    assert_memory_equal(got, b, 5);
    assert_int_equal(none.calls, 0);
    d = state_at(30);
    assert_true(replay_finish(r, 30, &d, &err));
    assert_null(err);
    replay_free(r);

    /* Asking for fewer bytes than were logged is a divergence. */
    r = open_play(t->path, "linux-6.1", &err);
    assert_int_equal(replay_random_read(r, 10, got, 8, src_read, &none), 0);
    assert_false(replay_status(r, &err));
    expect_error(ERR_DIVERGENCE, err, "random bytes");
    replay_free(r);

    /* NONE passes through. */
    r = replay_open(REPLAY_MODE_NONE, NULL, NULL, &err);
    assert_int_equal(replay_random_read(r, 1, got, 3, src_read, &none), 3);
    assert_int_equal(none.calls, 1);
    replay_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_none_passes_through),
        cmocka_unit_test_setup_teardown(test_record_then_play, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_manifest_mismatch, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_random_read, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_divergence_sync, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_divergence_async, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_reports, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_truncated_journal, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_position_roundtrip, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_play_rejects_damage_up_front, tmp_setup, tmp_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
