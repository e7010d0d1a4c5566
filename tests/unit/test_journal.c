/* Tests for sim/replay/journal: round trips, seeking, truncation and damage
 * at every byte, version/magic/missing files, and the inspection tool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/replay/journal.h"
#include "sim/replay/journal_internal.h"
#include "sim/replay/replay.h"

/* ---- helpers ---- */

typedef struct Tmp {
    char dir[64];
    char path[128];
    char cut[128];
} Tmp;

static int tmp_setup(void **state)
{
    Tmp *t = calloc(1, sizeof(*t));
    snprintf(t->dir, sizeof(t->dir), "/tmp/rrsim-journal-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->path, sizeof(t->path), "%s/j.rr", t->dir);
    snprintf(t->cut, sizeof(t->cut), "%s/cut.rr", t->dir);
    *state = t;
    return 0;
}

static int tmp_teardown(void **state)
{
    Tmp *t = *state;
    unlink(t->path);
    unlink(t->cut);
    rmdir(t->dir);
    free(t);
    return 0;
}

static void manifest(JournalManifest *m)
{
    journal_manifest_init(m, "9.9.9", "virt,m=128M,icount=shift=2,sleep=off", 2);
    journal_manifest_add_input(m, "firmware", hash128("fw", 2));
    journal_manifest_add_input(m, "kernel", hash128("kernel", 6));
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void write_file(const char *path, const uint8_t *b, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    fclose(f);
}

static JournalDigest digest(uint64_t seed, bool ram, bool xregs)
{
    JournalDigest d = { 0 };
    d.pc = 0x80000000 + seed * 4;
    d.vclock_ns = (int64_t)seed * 1000;
    d.hart = hash128(&seed, sizeof(seed));
    uint64_t s2 = seed + 77;
    d.devices = hash128(&s2, sizeof(s2));
    d.has_ram = ram;
    if (ram) {
        d.ram = hash128("ram", 3);
    }
    d.has_xregs = xregs;
    for (int i = 0; xregs && i < 32; i++) {
        d.xregs[i] = seed * 100 + (uint64_t)i;
    }
    return d;
}

/* The sample: every kind at least once, several at one step count, a long
 * string, large step gaps. */
#define N_SAMPLE 14
static const uint8_t chars1[] = "ls -l\r";
static const uint8_t chars2[] = { 0x00, 0xff, 0x1b, '[', 'A' };
static const uint8_t rnd[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static void sample(JournalEvent ev[N_SAMPLE])
{
    memset(ev, 0, sizeof(JournalEvent) * N_SAMPLE);
    int i = 0;
    ev[i++] = (JournalEvent){ .steps = 0, .kind = JOURNAL_EV_CLOCK_READ, .arg = CLOCK_HOST,
                              .value = 1700000000123456789LL };
    ev[i++] = (JournalEvent){ .steps = 10, .kind = JOURNAL_EV_CHAR_INPUT, .arg = 0,
                              .data = chars1, .len = sizeof(chars1) - 1 };
    ev[i++] = (JournalEvent){ .steps = 10, .kind = JOURNAL_EV_CHAR_INPUT, .arg = 3,
                              .data = chars2, .len = sizeof(chars2) };
    ev[i++] = (JournalEvent){ .steps = 10, .kind = JOURNAL_EV_WARP, .value = 123456 };
    ev[i++] = (JournalEvent){ .steps = 1000, .kind = JOURNAL_EV_CHECKPOINT,
                              .digest = digest(1, false, false) };
    ev[i++] = (JournalEvent){ .steps = 1001, .kind = JOURNAL_EV_RANDOM, .data = rnd,
                              .len = sizeof(rnd) };
    ev[i++] = (JournalEvent){ .steps = 5000000000ULL, .kind = JOURNAL_EV_CLOCK_READ,
                              .arg = CLOCK_REALTIME, .value = -5 };
    ev[i++] = (JournalEvent){ .steps = 5000000000ULL, .kind = JOURNAL_EV_MONITOR,
                              .data = (const uint8_t *)"{\"execute\":\"stop\"}", .len = 18 };
    ev[i++] = (JournalEvent){ .steps = 5000000001ULL, .kind = JOURNAL_EV_RESET };
    ev[i++] = (JournalEvent){ .steps = 5000000002ULL, .kind = JOURNAL_EV_CHECKPOINT,
                              .digest = digest(2, true, true) };
    ev[i++] = (JournalEvent){ .steps = 5000000002ULL, .kind = JOURNAL_EV_WARP, .value = 0 };
    ev[i++] = (JournalEvent){ .steps = 6000000000ULL, .kind = JOURNAL_EV_CHAR_INPUT, .arg = 1,
                              .data = chars1, .len = 1 };
    ev[i++] = (JournalEvent){ .steps = 7000000000ULL, .kind = JOURNAL_EV_SHUTDOWN,
                              .arg = SHUTDOWN_HOST_SIGNAL };
    ev[i++] = (JournalEvent){ .steps = 7000000000ULL, .kind = JOURNAL_EV_END,
                              .digest = digest(3, true, false) };
    assert_int_equal(i, N_SAMPLE);
    for (int k = 0; k < N_SAMPLE; k++) {
        ev[k].ordinal = (uint64_t)k;
    }
}

static void write_sample(const char *path, uint32_t frame_events, bool finish)
{
    JournalManifest m;
    manifest(&m);
    JournalEvent ev[N_SAMPLE];
    sample(ev);
    Error *err = NULL;
    JournalWriter *w = journal_writer_open(path, &m, &err);
    assert_null(err);
    assert_non_null(w);
    journal_manifest_free(&m);
    journal_writer_set_frame_limits(w, 1 << 20, frame_events);
    for (int i = 0; i < N_SAMPLE - (finish ? 0 : 1); i++) {
        assert_true(journal_writer_append(w, &ev[i], &err));
    }
    assert_int_equal(journal_writer_last_steps(w), ev[N_SAMPLE - (finish ? 1 : 2)].steps);
    if (finish) {
        assert_true(journal_writer_finish(w, &err));
        assert_null(err);
    } else {
        journal_writer_abandon(w);
    }
}

static void assert_event_equal(const JournalEvent *a, const JournalEvent *b)
{
    assert_int_equal(a->steps, b->steps);
    assert_int_equal(a->ordinal, b->ordinal);
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(a->arg, b->arg);
    assert_int_equal(a->value, b->value);
    assert_int_equal(a->len, b->len);
    if (a->len) {
        assert_memory_equal(a->data, b->data, a->len);
    }
    assert_memory_equal(&a->digest, &b->digest, sizeof(a->digest));
}

static ErrorClass error_class_and_free(Error *err)
{
    assert_non_null(err);
    ErrorClass c = error_get_class(err);
    error_free(err);
    return c;
}

/* ---- round trip ---- */

static void check_all_events(const char *path, bool verify)
{
    JournalEvent want[N_SAMPLE];
    sample(want);
    Error *err = NULL;
    JournalReader *r = journal_reader_open(path, verify, &err);
    assert_null(err);
    assert_non_null(r);
    assert_int_equal(journal_reader_end(r), JOURNAL_END_CLEAN);
    assert_int_equal(journal_reader_event_count(r), N_SAMPLE);
    assert_int_equal(journal_reader_last_steps(r), 7000000000ULL);
    assert_null(journal_reader_end_error(r));
    const JournalManifest *m = journal_reader_manifest(r);
    assert_int_equal(m->format_version, JOURNAL_FORMAT_VERSION);
    assert_string_equal(m->rrsim_version, "9.9.9");
    assert_string_equal(m->machine, "virt,m=128M,icount=shift=2,sleep=off");
    assert_int_equal(m->icount_shift, 2);
    assert_int_equal(m->n_inputs, 2);
    assert_true(hash_equal(journal_manifest_find(m, "kernel")->hash, hash128("kernel", 6)));
    JournalCursor *c = journal_cursor_new(r);
    JournalEvent ev;
    for (int i = 0; i < N_SAMPLE; i++) {
        assert_true(journal_cursor_next(c, &ev, &err));
        assert_event_equal(&ev, &want[i]);
    }
    assert_false(journal_cursor_next(c, &ev, &err));
    assert_null(err);
    journal_cursor_free(c);
    journal_reader_free(r);
}

static void test_round_trip_all_kinds(void **state)
{
    Tmp *t = *state;
    write_sample(t->path, 0, true);   /* one frame */
    check_all_events(t->path, false);
    check_all_events(t->path, true);
    JournalReader *r = journal_reader_open(t->path, false, NULL);
    assert_true(journal_reader_used_index(r));
    assert_int_equal(journal_reader_frame_count(r), 1);
    journal_reader_free(r);

    write_sample(t->path, 2, true);   /* many small frames */
    check_all_events(t->path, false);
    check_all_events(t->path, true);
    r = journal_reader_open(t->path, false, NULL);
    assert_int_equal(journal_reader_frame_count(r), (N_SAMPLE + 1) / 2);
    journal_reader_free(r);
    assert_true(journal_verify(t->path, stderr, NULL));
}

static void test_writer_rejects_bad_events(void **state)
{
    Tmp *t = *state;
    JournalManifest m;
    manifest(&m);
    JournalWriter *w = journal_writer_open(t->path, &m, NULL);
    journal_manifest_free(&m);
    assert_non_null(w);
    Error *err = NULL;
    uint8_t *big = calloc(1, JOURNAL_MAX_PAYLOAD);
    JournalEvent ev = { .steps = 1, .kind = JOURNAL_EV_MONITOR, .data = big,
                        .len = JOURNAL_MAX_PAYLOAD };
    assert_false(journal_writer_append(w, &ev, &err));
    error_free(err);
    err = NULL;
    free(big);
    ev = (JournalEvent){ .steps = 1, .kind = JOURNAL_EV_WARP, .value = -1 };
    assert_false(journal_writer_append(w, &ev, &err));
    error_free(err);
    err = NULL;
    ev = (JournalEvent){ .steps = 1, .kind = JOURNAL_EV_CLOCK_READ, .arg = 99 };
    assert_false(journal_writer_append(w, &ev, &err));
    error_free(err);
    err = NULL;
    /* Steps never go backwards, even in builds without assertions. */
    ev = (JournalEvent){ .steps = 5, .kind = JOURNAL_EV_RESET };
    assert_true(journal_writer_append(w, &ev, &err));
    ev.steps = 4;
    assert_false(journal_writer_append(w, &ev, &err));
    assert_non_null(strstr(error_get_message(err), "step 4 after reset at step 5"));
    error_free(err);
    journal_writer_abandon(w);
    /* Only the valid event was written, in an interrupted recording. */
    JournalReader *r = journal_reader_open(t->path, true, NULL);
    assert_non_null(r);
    assert_int_equal(journal_reader_event_count(r), 1);
    assert_int_equal(journal_reader_last_steps(r), 5);
    assert_int_equal(journal_reader_end(r), JOURNAL_END_TRUNCATED);
    journal_reader_free(r);
}

/* ---- seeking ---- */

static void test_seek(void **state)
{
    Tmp *t = *state;
    JournalEvent want[N_SAMPLE];
    sample(want);
    for (uint32_t fe = 1; fe <= 4; fe++) {
        write_sample(t->path, fe, true);
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 1) {
                /* Without the index: cut the trailer off so frames are scanned. */
                size_t len;
                uint8_t *b = read_file(t->path, &len);
                write_file(t->path, b, len - 1);
                free(b);
            }
            JournalReader *r = journal_reader_open(t->path, false, NULL);
            assert_non_null(r);
            assert_int_equal(journal_reader_used_index(r), pass == 0);
            JournalCursor *c = journal_cursor_new(r);
            JournalEvent ev;
            Error *err = NULL;
            /* By ordinal, in a scrambled order. */
            for (int k = 0; k < N_SAMPLE; k++) {
                int o = (k * 5) % N_SAMPLE;
                assert_true(journal_cursor_seek_event(c, (uint64_t)o, &err));
                assert_int_equal(journal_cursor_position(c), o);
                assert_true(journal_cursor_next(c, &ev, &err));
                assert_event_equal(&ev, &want[o]);
            }
            assert_true(journal_cursor_seek_event(c, N_SAMPLE, &err));
            assert_false(journal_cursor_next(c, &ev, &err));
            assert_null(err);
            assert_false(journal_cursor_seek_event(c, N_SAMPLE + 1, &err));
            error_free(err);
            err = NULL;
            /* By steps: the first event at or after each probe. */
            uint64_t probes[] = { 0, 1, 10, 11, 999, 1000, 1001, 1002, 4999999999ULL,
                                  5000000000ULL, 5000000002ULL, 5000000003ULL, 7000000000ULL,
                                  7000000001ULL, UINT64_MAX };
            for (size_t p = 0; p < sizeof(probes) / sizeof(probes[0]); p++) {
                int first = N_SAMPLE;
                for (int k = N_SAMPLE - 1; k >= 0; k--) {
                    if (want[k].steps >= probes[p]) {
                        first = k;
                    }
                }
                assert_true(journal_cursor_seek_steps(c, probes[p], &err));
                assert_int_equal(journal_cursor_position(c), first);
                if (first < N_SAMPLE) {
                    assert_true(journal_cursor_next(c, &ev, &err));
                    assert_event_equal(&ev, &want[first]);
                } else {
                    assert_false(journal_cursor_next(c, &ev, &err));
                }
                assert_null(err);
            }
            journal_cursor_free(c);
            journal_reader_free(r);
        }
    }
}

/* ---- truncation at every byte ---- */

/* Events in frames that lie completely within the first `len` bytes. */
static uint64_t events_within(const char *full, size_t len, uint64_t *last_steps)
{
    JournalReader *r = journal_reader_open(full, false, NULL);
    assert_non_null(r);
    uint64_t n = 0;
    *last_steps = 0;
    JournalEvent want[N_SAMPLE];
    sample(want);
    for (size_t i = 0; i < journal_reader_frame_count(r); i++) {
        const JournalFrameInfo *f = journal_reader_frame(r, i);
        if (f->offset + 64 + f->comp_len <= len) {
            n = f->first_event + f->n_events;
            *last_steps = want[n - 1].steps;
        }
    }
    journal_reader_free(r);
    return n;
}

static void test_truncation_every_byte(void **state)
{
    Tmp *t = *state;
    JournalEvent want[N_SAMPLE];
    sample(want);
    write_sample(t->path, 3, true);
    size_t len;
    uint8_t *full = read_file(t->path, &len);
    size_t header_end = 0;
    FILE *devnull = fopen("/dev/null", "w");
    for (size_t cut = 0; cut <= len; cut++) {
        write_file(t->cut, full, cut);
        Error *err = NULL;
        JournalReader *r = journal_reader_open(t->cut, cut % 2 == 0, &err);
        if (!r) {
            /* Only a cut inside the file header may refuse to open, and then
             * it says "truncated". */
            assert_int_equal(error_get_class(err), ERR_JOURNAL_TRUNCATED);
            assert_non_null(strstr(error_get_message(err), "truncated"));
            error_free(err);
            assert_true(header_end == 0);
        } else {
            if (!header_end) {
                header_end = cut;
            }
            uint64_t last = 0;
            uint64_t expect = events_within(t->path, cut, &last);
            assert_int_equal(journal_reader_event_count(r), expect);
            assert_int_equal(journal_reader_last_steps(r), last);
            JournalCursor *c = journal_cursor_new(r);
            JournalEvent ev;
            uint64_t n = 0;
            while (journal_cursor_next(c, &ev, &err)) {
                assert_event_equal(&ev, &want[n]);
                n++;
            }
            assert_null(err);
            assert_int_equal(n, expect);
            journal_cursor_free(c);
            if (cut == len) {
                assert_int_equal(journal_reader_end(r), JOURNAL_END_CLEAN);
            } else if (expect == N_SAMPLE) {
                assert_int_equal(journal_reader_end(r), JOURNAL_END_NO_INDEX);
            } else {
                assert_int_equal(journal_reader_end(r), JOURNAL_END_TRUNCATED);
                Error *e = journal_reader_end_error(r);
                assert_int_equal(error_get_class(e), ERR_JOURNAL_TRUNCATED);
                char want_steps[64];
                snprintf(want_steps, sizeof(want_steps), "at step %llu", (unsigned long long)last);
                assert_non_null(strstr(error_get_message(e), want_steps));
                error_free(e);
            }
            journal_reader_free(r);
        }
        /* verify: fine only for the whole file, "truncated" for any prefix. */
        err = NULL;
        bool ok = journal_verify(t->cut, devnull, &err);
        if (cut == len) {
            assert_true(ok);
        } else {
            assert_false(ok);
            assert_int_equal(error_class_and_free(err), ERR_JOURNAL_TRUNCATED);
        }
    }
    assert_true(header_end > 24);
    fclose(devnull);
    free(full);
}

/* ---- damage at every byte ---- */

static void test_flipped_byte_every_offset(void **state)
{
    Tmp *t = *state;
    JournalEvent want[N_SAMPLE];
    sample(want);
    write_sample(t->path, 4, true);
    size_t len;
    uint8_t *full = read_file(t->path, &len);
    FILE *devnull = fopen("/dev/null", "w");
    for (size_t off = 0; off < len; off++) {
        for (int bit = 0; bit < 8; bit += 7) {
            full[off] ^= (uint8_t)(1u << bit);
            write_file(t->cut, full, len);
            full[off] ^= (uint8_t)(1u << bit);
            Error *err = NULL;
            /* verify always notices, with the right class. */
            assert_false(journal_verify(t->cut, devnull, &err));
            ErrorClass cls = error_class_and_free(err);
            if (off >= 8 && off < 12) {
                assert_int_equal(cls, ERR_JOURNAL_VERSION);
            } else {
                assert_int_equal(cls, ERR_JOURNAL_CORRUPT);
            }
            /* A reader without up-front verification never returns a wrong
             * event: what it yields is a prefix of the truth, then either the
             * end or an error. */
            err = NULL;
            JournalReader *r = journal_reader_open(t->cut, false, &err);
            if (!r) {
                assert_true(error_class_and_free(err) != ERR_GENERIC);
                continue;
            }
            JournalCursor *c = journal_cursor_new(r);
            JournalEvent ev;
            uint64_t n = 0;
            while (journal_cursor_next(c, &ev, &err)) {
                assert_true(n < N_SAMPLE);
                assert_event_equal(&ev, &want[n]);
                n++;
            }
            if (err) {
                assert_int_equal(error_class_and_free(err), ERR_JOURNAL_CORRUPT);
            } else {
                assert_int_equal(n, journal_reader_event_count(r));
            }
            journal_cursor_free(c);
            journal_reader_free(r);
        }
    }
    fclose(devnull);
    free(full);
}

/* ---- wrong files ---- */

static void test_version_magic_missing(void **state)
{
    Tmp *t = *state;
    Error *err = NULL;
    /* Missing file and a directory: I/O errors. */
    assert_null(journal_reader_open("/nonexistent/x.rr", false, &err));
    assert_int_equal(error_get_class(err), ERR_IO);
    assert_non_null(strstr(error_get_message(err), "/nonexistent/x.rr"));
    error_free(err);
    err = NULL;
    assert_null(journal_reader_open(t->dir, false, &err));
    assert_int_equal(error_class_and_free(err), ERR_IO);
    err = NULL;

    /* Another format version, whatever follows. */
    write_sample(t->path, 0, true);
    size_t len;
    uint8_t *b = read_file(t->path, &len);
    b[8] = JOURNAL_FORMAT_VERSION + 1;
    write_file(t->cut, b, len);
    assert_null(journal_reader_open(t->cut, false, &err));
    assert_int_equal(error_get_class(err), ERR_JOURNAL_VERSION);
    char want[32];
    snprintf(want, sizeof(want), "version %u", JOURNAL_FORMAT_VERSION + 1);
    assert_non_null(strstr(error_get_message(err), want));
    error_free(err);
    err = NULL;
    write_file(t->cut, b, 12);   /* even with nothing after the version */
    assert_null(journal_reader_open(t->cut, false, &err));
    assert_int_equal(error_class_and_free(err), ERR_JOURNAL_VERSION);
    err = NULL;

    /* Not a journal at all. */
    write_file(t->cut, (const uint8_t *)"#!/bin/sh\necho hello\n", 21);
    assert_null(journal_reader_open(t->cut, false, &err));
    assert_int_equal(error_get_class(err), ERR_JOURNAL_CORRUPT);
    assert_non_null(strstr(error_get_message(err), "not an rrsim journal"));
    error_free(err);
    err = NULL;
    /* Empty file: a recording that never got its header out. */
    write_file(t->cut, b, 0);
    assert_null(journal_reader_open(t->cut, false, &err));
    assert_int_equal(error_class_and_free(err), ERR_JOURNAL_TRUNCATED);
    free(b);
}

/* A hostile frame header with a valid checksum must not make the reader
 * allocate what it claims. */
static void test_hostile_lengths(void **state)
{
    Tmp *t = *state;
    write_sample(t->path, 0, true);
    size_t len;
    uint8_t *b = read_file(t->path, &len);
    JournalReader *r = journal_reader_open(t->path, false, NULL);
    size_t off = (size_t)journal_reader_frame(r, 0)->offset;
    journal_reader_free(r);
    for (int variant = 0; variant < 3; variant++) {
        uint8_t *h = b + off;
        uint8_t save[64];
        memcpy(save, h, 64);
        uint32_t v = variant == 0 ? 0xffffffffu : variant == 1 ? (64u << 20) : 0x7fffffffu;
        int field = variant == 2 ? 40 : 36;   /* raw_len, or comp_len */
        for (int i = 0; i < 4; i++) {
            h[field + i] = (uint8_t)(v >> (8 * i));
        }
        /* The header checksum also covers the manifest's, which is the u64
         * right before the first frame. */
        uint64_t ck = journal_checksum(h, 56, b + off - 8, 8);
        for (int i = 0; i < 8; i++) {
            h[56 + i] = (uint8_t)(ck >> (8 * i));
        }
        write_file(t->cut, b, len - 25);   /* also drop the trailer: force a scan */
        memcpy(h, save, 64);
        Error *err = NULL;
        assert_null(journal_reader_open(t->cut, false, &err));
        assert_int_equal(error_get_class(err), ERR_JOURNAL_CORRUPT);
        assert_non_null(strstr(error_get_message(err), "out of range"));
        error_free(err);
    }
    free(b);
}

/* Frames are bound to their file's manifest: the header of one journal
 * followed by the frames of another (same events, another manifest) is
 * corrupt, not a journal that replays someone else's inputs. */
static void test_spliced_frames_refused(void **state)
{
    Tmp *t = *state;
    char other[160];
    snprintf(other, sizeof(other), "%s/other.rr", t->dir);
    write_sample(t->path, 0, true);
    JournalManifest m;
    manifest(&m);
    m.icount_shift = 7;
    JournalEvent ev[N_SAMPLE];
    sample(ev);
    JournalWriter *w = journal_writer_open(other, &m, NULL);
    assert_non_null(w);
    journal_manifest_free(&m);
    for (int i = 0; i < N_SAMPLE; i++) {
        assert_true(journal_writer_append(w, &ev[i], NULL));
    }
    assert_true(journal_writer_finish(w, NULL));

    size_t la, lb;
    uint8_t *a = read_file(t->path, &la), *b = read_file(other, &lb);
    JournalReader *r = journal_reader_open(t->path, false, NULL);
    size_t ha = (size_t)journal_reader_frame(r, 0)->offset;
    journal_reader_free(r);
    r = journal_reader_open(other, false, NULL);
    size_t hb = (size_t)journal_reader_frame(r, 0)->offset;
    journal_reader_free(r);
    uint8_t *s = malloc(ha + lb - hb);
    memcpy(s, a, ha);
    memcpy(s + ha, b + hb, lb - hb);
    write_file(t->cut, s, ha + lb - hb);
    Error *err = NULL;
    r = journal_reader_open(t->cut, true, &err);
    if (r) {
        /* Opened only as a journal cut short before its first frame. */
        assert_int_equal(journal_reader_frame_count(r), 0);
        journal_reader_free(r);
    } else {
        assert_int_equal(error_get_class(err), ERR_JOURNAL_CORRUPT);
        error_free(err);
    }
    free(s);
    free(a);
    free(b);
}

/* ---- the tool functions ---- */

static char *run_tool(bool (*fn)(const char *, FILE *, Error **), const char *path, Error **errp)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    fn(path, f, errp);
    fclose(f);
    return buf;
}

static int count_lines_starting(const char *s, char c)
{
    int n = 0;
    for (const char *p = s; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        n += *p == c;
    }
    return n;
}

static void test_tool_good(void **state)
{
    Tmp *t = *state;
    write_sample(t->path, 5, true);
    Error *err = NULL;
    char *out = run_tool(journal_info, t->path, &err);
    assert_null(err);
    assert_non_null(strstr(out, "machine:      virt,m=128M,icount=shift=2,sleep=off"));
    assert_non_null(strstr(out, "input:        kernel"));
    assert_non_null(strstr(out, "events:       14"));
    assert_non_null(strstr(out, "char-input   3"));
    assert_non_null(strstr(out, "checkpoint   2"));
    assert_non_null(strstr(out, "7000000000 steps"));
    assert_non_null(strstr(out, "3000 ns virtual"));   /* from the end marker's clock */
    assert_non_null(strstr(out, "clean"));
    free(out);

    out = run_tool(journal_dump, t->path, &err);
    assert_null(err);
    assert_int_equal(count_lines_starting(out, '#') - 7, N_SAMPLE);   /* 7 manifest lines */
    assert_non_null(strstr(out, "#1 step 10 char-input chr=0 \"ls -l\\r\""));
    assert_non_null(strstr(out, "#2 step 10 char-input chr=3 \"\\x00\\xff\\x1b[A\""));
    assert_non_null(strstr(out, "clock-read host = 1700000000123456789"));
    assert_non_null(strstr(out, "shutdown host-signal"));
    assert_non_null(strstr(out, "warp +123456 ns"));
    free(out);

    out = run_tool(journal_verify, t->path, &err);
    assert_null(err);
    assert_non_null(strstr(out, "ok: 14 events"));
    free(out);
}

static void test_tool_bad(void **state)
{
    Tmp *t = *state;
    write_sample(t->path, 5, false);   /* interrupted: no end marker */
    Error *err = NULL;
    char *out = run_tool(journal_info, t->path, &err);
    assert_null(err);   /* info describes, it does not fail */
    assert_non_null(strstr(out, "TRUNCATED"));
    assert_non_null(strstr(out, "at least"));
    free(out);

    out = run_tool(journal_dump, t->path, &err);
    assert_int_equal(error_get_class(err), ERR_JOURNAL_TRUNCATED);
    assert_int_equal(error_exit_status(err), ERR_EXIT_BASE + ERR_JOURNAL_TRUNCATED);
    error_free(err);
    err = NULL;
    assert_non_null(strstr(out, "#12 step 7000000000 shutdown"));   /* all readable events */
    free(out);

    out = run_tool(journal_verify, t->path, &err);
    assert_int_equal(error_class_and_free(err), ERR_JOURNAL_TRUNCATED);
    err = NULL;
    free(out);

    /* A damaged frame in the middle: dump prints what precedes it. */
    write_sample(t->path, 5, true);
    size_t len;
    uint8_t *b = read_file(t->path, &len);
    JournalReader *r = journal_reader_open(t->path, false, NULL);
    size_t off = (size_t)journal_reader_frame(r, 1)->offset + 64 + 3;
    journal_reader_free(r);
    b[off] ^= 0x40;
    write_file(t->path, b, len);
    free(b);
    out = run_tool(journal_dump, t->path, &err);
    assert_int_equal(error_class_and_free(err), ERR_JOURNAL_CORRUPT);
    err = NULL;
    assert_non_null(strstr(out, "#4 step 1000 checkpoint"));
    assert_null(strstr(out, "#5 "));
    free(out);
    out = run_tool(journal_verify, t->path, &err);
    assert_non_null(err);
    assert_non_null(strstr(error_get_message(err), "damaged"));
    assert_int_equal(error_class_and_free(err), ERR_JOURNAL_CORRUPT);
    free(out);
}

/* ---- overflowing values with valid checksums ---- */

/* Journals whose every frame and checksum is valid but whose values make
 * the virtual clock overflow (manifest shift 2: 4 ns per step). The writer
 * takes them as they are: only readers can judge what the values imply. */
typedef struct Overflow {
    const char *what;
    JournalEvent ev[3];
    int n;
    uint64_t bad;           /* ordinal of the event that overflows */
} Overflow;

static void overflow_cases(Overflow c[3])
{
    memset(c, 0, sizeof(Overflow) * 3);
    /* Two warps whose sum passes INT64_MAX. */
    c[0].what = "warp sum";
    c[0].ev[0] = (JournalEvent){ .steps = 0, .kind = JOURNAL_EV_WARP, .value = INT64_MAX - 1000 };
    c[0].ev[1] = (JournalEvent){ .steps = 0, .kind = JOURNAL_EV_WARP, .value = INT64_MAX };
    c[0].n = 2;
    c[0].bad = 1;
    /* A digest's clock near INT64_MAX, then one more step. */
    c[1].what = "digest clock plus steps";
    c[1].ev[0] = (JournalEvent){ .steps = 100, .kind = JOURNAL_EV_CHECKPOINT,
                                 .digest = { .vclock_ns = INT64_MAX - 3 } };
    c[1].ev[1] = (JournalEvent){ .steps = 101, .kind = JOURNAL_EV_CHAR_INPUT, .data = chars1,
                                 .len = 1 };
    c[1].n = 2;
    c[1].bad = 1;
    /* A step count whose time (steps << 2) passes INT64_MAX. */
    c[2].what = "steps << shift";
    c[2].ev[0] = (JournalEvent){ .steps = 1, .kind = JOURNAL_EV_WARP, .value = 5 };
    c[2].ev[1] = (JournalEvent){ .steps = 1ull << 62, .kind = JOURNAL_EV_RESET };
    c[2].n = 2;
    c[2].bad = 1;
}

static void write_overflow(const char *path, const Overflow *c)
{
    JournalManifest m;
    manifest(&m);
    Error *err = NULL;
    JournalWriter *w = journal_writer_open(path, &m, &err);
    assert_non_null(w);
    journal_manifest_free(&m);
    journal_writer_set_frame_limits(w, 1 << 20, 1);   /* one event per frame */
    for (int i = 0; i < c->n; i++) {
        assert_true(journal_writer_append(w, &c->ev[i], &err));
    }
    JournalEvent end = { .steps = c->ev[c->n - 1].steps, .kind = JOURNAL_EV_END };
    assert_true(journal_writer_append(w, &end, &err));
    assert_true(journal_writer_finish(w, &err));
    assert_null(err);
}

static void assert_overflow_error(Error *err, const Overflow *c, const char *who)
{
    if (!err) {
        fail_msg("%s: %s accepted", c->what, who);
    }
    char want[32];
    snprintf(want, sizeof(want), "event #%llu (", (unsigned long long)c->bad);
    if (error_get_class(err) != ERR_JOURNAL_CORRUPT || !strstr(error_get_message(err), want) ||
        !strstr(error_get_message(err), "overflow")) {
        fail_msg("%s: %s: class %d, message '%s' (want corrupt, '%s', overflow)", c->what, who,
                 error_get_class(err), error_get_message(err), want);
    }
    error_free(err);
}

static void test_overflowing_values(void **state)
{
    Tmp *t = *state;
    Overflow cases[3];
    overflow_cases(cases);
    for (int k = 0; k < 3; k++) {
        const Overflow *c = &cases[k];
        write_overflow(t->path, c);
        Error *err = NULL;
        /* The frames and checksums are fine: a plain read passes. */
        JournalReader *r = journal_reader_open(t->path, true, &err);
        assert_non_null(r);
        assert_int_equal(journal_reader_end(r), JOURNAL_END_CLEAN);
        journal_reader_free(r);

        bool (*const fn[3])(const char *, FILE *, Error **) = { journal_info, journal_dump,
                                                                journal_verify };
        const char *name[3] = { "info", "dump", "verify" };
        for (int i = 0; i < 3; i++) {
            char *out = run_tool(fn[i], t->path, &err);
            assert_overflow_error(err, c, name[i]);
            err = NULL;
            free(out);
        }
        Replay *rp = replay_open(REPLAY_MODE_PLAY, t->path, NULL, &err);
        assert_null(rp);
        assert_overflow_error(err, c, "replay");
    }
}

/* The exact limits are still fine: INT64_MAX itself is a valid clock. */
static void test_largest_values(void **state)
{
    Tmp *t = *state;
    Overflow c = { .what = "largest", .n = 2 };
    c.ev[0] = (JournalEvent){ .steps = 0, .kind = JOURNAL_EV_WARP, .value = INT64_MAX - 4 };
    c.ev[1] = (JournalEvent){ .steps = 1, .kind = JOURNAL_EV_WARP, .value = 0 };
    write_overflow(t->path, &c);
    Error *err = NULL;
    char *out = run_tool(journal_verify, t->path, &err);
    assert_null(err);
    free(out);
    out = run_tool(journal_dump, t->path, &err);
    assert_null(err);
    free(out);
    Replay *rp = replay_open(REPLAY_MODE_PLAY, t->path, NULL, &err);
    assert_null(err);
    replay_free(rp);
}

/* Writes the first overflowing journal to argv[2], for the end-to-end test
 * that runs rrsim-journal and rrsim on it (tests/e2e/run_journal_overflow.sh). */
static int write_overflow_main(const char *path)
{
    Overflow cases[3];
    overflow_cases(cases);
    write_overflow(path, &cases[0]);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--write-overflow")) {
        return write_overflow_main(argv[2]);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip_all_kinds, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_writer_rejects_bad_events, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_seek, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_truncation_every_byte, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_flipped_byte_every_offset, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_version_magic_missing, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_hostile_lengths, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_spliced_frames_refused, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_tool_good, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_tool_bad, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_overflowing_values, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_largest_values, tmp_setup, tmp_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
