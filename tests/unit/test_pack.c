/* Tests for sim/replay/pack: a recording's options turned into replay
 * options, a pack round trip, images that changed since the recording, and
 * a pack cut at every length or with any byte flipped: always ERR_IO, never
 * a crash or a half-trusted extraction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/base/hash.h"
#include "sim/replay/journal.h"
#include "sim/replay/pack.h"

typedef struct Tmp {
    char dir[64];
    char path[256];    /* scratch */
} Tmp;

static const char kernel_bytes[] = "a kernel image, not much of one";

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
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

static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
            if (unlink(p) != 0) {
                rm_tree(p);
            }
        }
    }
    if (d) {
        closedir(d);
    }
    rmdir(dir);
}

/* A recording as rrsim leaves it: journal (manifest naming the kernel by
 * hash) and args file, recorded from `dir`. */
static void make_recording(Tmp *t)
{
    char k[128], j[128];
    snprintf(k, sizeof(k), "%s/k.elf", t->dir);
    snprintf(j, sizeof(j), "%s/j.rr", t->dir);
    write_file(k, kernel_bytes, sizeof(kernel_bytes));
    JournalManifest m;
    journal_manifest_init(&m, "9.9.9", "virt,m=128M", 0);
    journal_manifest_add_input(&m, "kernel", hash128(kernel_bytes, sizeof(kernel_bytes)));
    JournalWriter *w = journal_writer_open(j, &m, NULL);
    assert_non_null(w);
    JournalEvent ev = { .steps = 10, .kind = JOURNAL_EV_END };
    assert_true(journal_writer_append(w, &ev, NULL));
    assert_true(journal_writer_finish(w, NULL));
    journal_manifest_free(&m);
    char *argv[] = { "rrsim", "-bios", "none", "-kernel", k, "-s", "-S", "-serial", "file:x",
                     "-icount", "shift=0,rr=record,rrfile=j.rr,rrcheckpoint=100",
                     "-append", "a,b -gdb", "-fail-on", "oops", "-timeout", "steps=5,host=9",
                     "-object", "rng-random,id=r,filename=/dev/x", NULL };
    assert_true(pack_args_write(j, 19, argv, "/no/such/firmware", NULL));
}

static int setup(void **state)
{
    Tmp *t = calloc(1, sizeof(*t));
    snprintf(t->dir, sizeof(t->dir), "/tmp/rrsim-pack-test-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    make_recording(t);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    Tmp *t = *state;
    rm_tree(t->dir);
    free(t);
    return 0;
}

static void test_replay_args(void **state)
{
    Tmp *t = *state;
    char j[128];
    snprintf(j, sizeof(j), "%s/j.rr", t->dir);
    PackArgs a = { 0 };
    assert_true(pack_replay_args(j, &a, NULL));
    /* Debugger, console and record-only keys dropped; host time and the
     * entropy source's file too (the journal has both); the value of
     * -append kept whole even where it looks like an option. */
    char want[1024];
    snprintf(want, sizeof(want), "-bios none -kernel %s/k.elf -icount shift=0,rr=replay,"
             "rrfile=%s -append a,b -gdb -fail-on oops -timeout steps=5 -object rng-random,id=r ",
             t->dir, j);
    char got[1024] = "";
    for (int i = 0; i < a.n; i++) {
        strcat(got, a.v[i]);
        strcat(got, " ");
    }
    assert_string_equal(got, want);
    pack_args_free(&a);
}

static void test_round_trip_and_changed_image(void **state)
{
    Tmp *t = *state;
    char j[128], out[128], x[128], k[128];
    snprintf(j, sizeof(j), "%s/j.rr", t->dir);
    snprintf(out, sizeof(out), "%s/p.rrpack", t->dir);
    snprintf(x, sizeof(x), "%s/x", t->dir);
    snprintf(k, sizeof(k), "%s/x/kernel", t->dir);
    assert_true(pack_create(j, out, NULL, NULL));
    assert_int_equal(mkdir(x, 0777), 0);
    PackArgs a = { 0 };
    assert_true(pack_extract(out, x, &a, NULL));
    size_t len;
    uint8_t *kb = read_file(k, &len);
    assert_int_equal(len, sizeof(kernel_bytes));
    assert_memory_equal(kb, kernel_bytes, len);
    free(kb);
    assert_string_equal(a.v[3], k);
    pack_args_free(&a);

    /* The kernel changed since the recording: refused, nothing written. */
    char kin[128];
    snprintf(kin, sizeof(kin), "%s/k.elf", t->dir);
    write_file(kin, "another", 7);
    Error *err = NULL;
    snprintf(out, sizeof(out), "%s/q.rrpack", t->dir);
    assert_false(pack_create(j, out, NULL, &err));
    assert_int_equal(error_get_class(err), ERR_IO);
    assert_non_null(strstr(error_get_message(err), "has changed since the recording"));
    error_free(err);
    assert_int_not_equal(access(out, F_OK), 0);
}

/* Every cut and every single-byte flip is refused with ERR_IO. */
static void test_damage_everywhere(void **state)
{
    Tmp *t = *state;
    char j[128], out[128], bad[128], x[128];
    snprintf(j, sizeof(j), "%s/j.rr", t->dir);
    snprintf(out, sizeof(out), "%s/p.rrpack", t->dir);
    snprintf(bad, sizeof(bad), "%s/bad.rrpack", t->dir);
    snprintf(x, sizeof(x), "%s/y", t->dir);
    assert_true(pack_create(j, out, NULL, NULL));
    assert_int_equal(mkdir(x, 0777), 0);
    size_t len;
    uint8_t *p = read_file(out, &len);
    for (size_t cut = 0; cut < len; cut++) {
        write_file(bad, p, cut);
        PackArgs a = { 0 };
        Error *err = NULL;
        assert_false(pack_extract(bad, x, &a, &err));
        assert_int_equal(error_get_class(err), ERR_IO);
        error_free(err);
        pack_args_free(&a);
    }
    for (size_t i = 0; i < len; i++) {
        p[i] ^= 0x41;
        write_file(bad, p, len);
        p[i] ^= 0x41;
        PackArgs a = { 0 };
        Error *err = NULL;
        if (pack_extract(bad, x, &a, &err)) {
            fail_msg("a pack with byte %zu flipped was accepted", i);
        }
        assert_int_equal(error_get_class(err), ERR_IO);
        error_free(err);
        pack_args_free(&a);
    }
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_replay_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip_and_changed_image, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damage_everywhere, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
