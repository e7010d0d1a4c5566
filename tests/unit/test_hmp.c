/* Tests for sim/monitor/hmp: x's /fmt parsing, QEMU's memory_dump lines,
 * and a session against a fake machine (commands, errors, lines held while
 * the machine is busy). Expected lines are QEMU 7.2's for the same bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/monitor/hmp.h"

/* The first bytes of QEMU virt's reset vector at 0x1000. */
static const uint8_t mrom[16] = { 0x97, 0x02, 0x00, 0x00, 0x13, 0x86, 0x82, 0x02,
                                  0x73, 0x25, 0x40, 0xf1, 0x83, 0xb5, 0x02, 0x02 };

typedef struct Fake {
    bool running, busy;
    int conts, stops, resets;
    bool refuse_reset;
    uint64_t seek;
} Fake;

static bool f_read_mem(void *t, uint64_t addr, bool phys, void *buf, size_t len)
{
    (void)t;
    (void)phys;
    if (addr < 0x1000 || addr + len > 0x1000 + sizeof(mrom)) {
        return false;
    }
    memcpy(buf, mrom + (addr - 0x1000), len);
    return true;
}

static bool f_read_reg(void *t, const char *name, uint64_t *v)
{
    (void)t;
    if (!strcmp(name, "pc")) {
        *v = 0x1000;
        return true;
    }
    return false;
}

static void f_query_status(void *t, QmpStatus *st)
{
    Fake *f = t;
    st->running = f->running;
    st->status = f->running ? "running" : "prelaunch";
}

static bool f_cont(void *t, Error **errp)
{
    Fake *f = t;
    (void)errp;
    f->conts++;
    f->busy = true;     /* carried out later, as the debug session does */
    return true;
}

static bool f_stop(void *t, Error **errp)
{
    Fake *f = t;
    (void)errp;
    f->stops++;
    f->running = false;
    return true;
}

static bool f_reset(void *t, Error **errp)
{
    Fake *f = t;
    if (f->refuse_reset) {
        error_setg(errp, "system_reset is not available while recording or replaying");
        return false;
    }
    f->resets++;
    return true;
}

static bool f_seek(void *t, uint64_t icount, Error **errp)
{
    (void)errp;
    ((Fake *)t)->seek = icount;
    return true;
}

static bool f_query_replay(void *t, QmpReplayInfo *ri, Error **errp)
{
    (void)t;
    (void)errp;
    ri->mode = "play";
    ri->filename = "j.rr";
    ri->icount = 42;
    return true;
}

static bool f_busy(void *t)
{
    return ((Fake *)t)->busy;
}

static const QmpOps fake_qmp = {
    .query_status = f_query_status,
    .cont = f_cont,
    .stop = f_stop,
    .system_reset = f_reset,
    .replay_seek = f_seek,
    .query_replay = f_query_replay,
};

static const HmpOps fake_ops = {
    .qmp = &fake_qmp,
    .read_mem = f_read_mem,
    .read_reg = f_read_reg,
    .busy = f_busy,
};

static void sink(void *opaque, const char *buf, size_t len)
{
    FILE *f = opaque;
    fwrite(buf, 1, len, f);
}

/* Run one command line through a fresh session and return its output. */
static char *run(Fake *f, const char *line)
{
    char *text = NULL, *banner = NULL;
    size_t len = 0, blen = 0;
    FILE *out = open_memstream(&text, &len);
    FILE *bout = open_memstream(&banner, &blen);
    assert_non_null(out);
    assert_non_null(bout);
    HmpSession *s = hmp_session_new(&fake_ops, f, sink, bout, false);
    hmp_session_command(s, line, out);
    hmp_session_free(s);
    fclose(out);
    fclose(bout);
    free(banner);
    return text;
}

static void feed(HmpSession *s, const char *text)
{
    hmp_session_input(s, text, strlen(text));
}

static HmpSession *session(Fake *f, char **text, size_t *len, FILE **out)
{
    *out = open_memstream(text, len);
    assert_non_null(*out);
    return hmp_session_new(&fake_ops, f, sink, *out, false);
}

static void test_format_parse(void **state)
{
    (void)state;
    HmpFormat last = { 1, 'x', 4 }, f;
    assert_true(hmp_parse_format("/4xw", &last, &f, NULL));
    assert_int_equal(f.count, 4);
    assert_int_equal(f.format, 'x');
    assert_int_equal(f.size, 4);
    /* Letters in any order after the count; size and format stick for the
     * next command. */
    assert_true(hmp_parse_format("/3gd", &last, &f, NULL));
    assert_int_equal(f.count, 3);
    assert_int_equal(f.format, 'd');
    assert_int_equal(f.size, 8);
    assert_true(hmp_parse_format(NULL, &last, &f, NULL));
    assert_int_equal(f.count, 1);
    assert_int_equal(f.format, 'd');
    assert_int_equal(f.size, 8);
    assert_true(hmp_parse_format("/2o", &last, &f, NULL));
    assert_int_equal(f.size, 8);
    Error *err = NULL;
    assert_false(hmp_parse_format("/g3d", &last, &f, &err));   /* QEMU: count first */
    error_free(err);
    err = NULL;
    assert_false(hmp_parse_format("/zz", &last, &f, &err));
    assert_string_equal(error_get_message(err), "invalid char in format: 'z'");
    error_free(err);
    err = NULL;
    assert_true(hmp_parse_format("/2i", &last, &f, &err));
    assert_int_equal(f.count, 2);
    assert_int_equal(f.format, 'i');
}

/* The lines QEMU 7.2 prints for these bytes at 0x1000 (captured with
 * qemu-system-riscv64 -M virt -bios none -S -monitor stdio). */
static void test_memory_dump_like_qemu(void **state)
{
    (void)state;
    Fake f = { 0 };
    static const struct { const char *cmd, *want; } cases[] = {
        { "x /4xw 0x1000", "0000000000001000: 0x00000297 0x02828613 0xf1402573 0x0202b583\n" },
        { "xp /2xg 0x1000", "0000000000001000: 0x0282861300000297 0x0202b583f1402573\n" },
        { "x /3dh 0x1000", "0000000000001000:   663     0 34323\n" },
        { "x /2ub 0x1000", "0000000000001000: 151   2\n" },
        { "x /2ob 0x1000", "0000000000001000: 0227  02\n" },
        { "x /4cb 0x1008", "0000000000001008: 's' '%' '@' '\\xf1'\n" },
        { "x /1xw $pc+4", "0000000000001004: 0x02828613\n" },
        { "x /2xw 0x7000000000000", "0007000000000000: Cannot access memory\n" },
        { "x /zz 0x1000", "invalid char in format: 'z'\nTry \"help x\" for more information\n" },
        { "x", "unexpected end of expression\nTry \"help x\" for more information\n" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = run(&f, cases[i].cmd);
        if (strcmp(got, cases[i].want)) {
            fail_msg("%s: got '%s', want '%s'", cases[i].cmd, got, cases[i].want);
        }
        free(got);
    }
    /* Twelve bytes: 16 per line for words, 8 for bytes. */
    char *got = run(&f, "x /10xb 0x1000");
    assert_string_equal(got, "0000000000001000: 0x97 0x02 0x00 0x00 0x13 0x86 0x82 0x02\n"
                             "0000000000001008: 0x73 0x25\n");
    free(got);
}

static void test_session_commands(void **state)
{
    (void)state;
    Fake f = { 0 };
    char *text;
    size_t len;
    FILE *out;
    HmpSession *s = session(&f, &text, &len, &out);
    feed(s, "info status\r\n");
    feed(s, "info rep");       /* fragments make one line */
    feed(s, "lay\nfoo\nsystem_reset\nreplay_seek 100\nreplay_seek x\n");
    f.refuse_reset = true;
    feed(s, "system_reset\n");
    fflush(out);
    assert_non_null(strstr(text, "(qemu) VM status: paused (prelaunch)\n(qemu) "));
    assert_non_null(strstr(text, "Replaying execution 'j.rr': instruction count = 42\n"));
    assert_non_null(strstr(text, "unknown command: 'foo'\n"));
    assert_non_null(strstr(text, "Error: 'x' is not an instruction count\n"));
    assert_non_null(strstr(text, "Error: system_reset is not available while recording or "
                                 "replaying\n"));
    assert_int_equal(f.resets, 1);
    assert_int_equal(f.seek, 100);
    hmp_session_free(s);
    fclose(out);
    free(text);
}

/* Lines after cont wait until the machine has carried it out. */
static void test_session_busy(void **state)
{
    (void)state;
    Fake f = { 0 };
    char *text;
    size_t len;
    FILE *out;
    HmpSession *s = session(&f, &text, &len, &out);
    feed(s, "cont\ninfo status\nstop\n");
    assert_int_equal(f.conts, 1);
    assert_int_equal(f.stops, 0);
    f.busy = false;
    f.running = true;
    hmp_session_pump(s);
    assert_int_equal(f.stops, 1);
    fflush(out);
    assert_non_null(strstr(text, "VM status: running\n"));
    hmp_session_free(s);
    fclose(out);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_parse),
        cmocka_unit_test(test_memory_dump_like_qemu),
        cmocka_unit_test(test_session_commands),
        cmocka_unit_test(test_session_busy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
