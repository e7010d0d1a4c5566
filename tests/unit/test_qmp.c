/* Tests for sim/monitor/qmp: greeting, negotiation, every command against a
 * fake machine, request validation, malformed and fragmented input, events,
 * and the socket transport. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sim/monitor/qmp.h"

/* ---- fake machine ---- */

typedef struct Fake {
    bool running;
    int stops, conts, resets, quits;
    uint64_t brk, seek;
    bool has_brk;
    bool recording;
    char snaps[4][32];
    uint64_t snap_icount[4];
    int nsnaps;
    char last_hmp[64];
} Fake;

static void f_query_status(void *t, QmpStatus *st)
{
    Fake *f = t;
    st->running = f->running;
    st->status = f->running ? "running" : "paused";
}

static bool f_stop(void *t, Error **errp)
{
    Fake *f = t;
    f->stops++;
    f->running = false;
    return true;
}

static bool f_cont(void *t, Error **errp)
{
    Fake *f = t;
    f->conts++;
    f->running = true;
    return true;
}

static bool f_reset(void *t, Error **errp)
{
    ((Fake *)t)->resets++;
    return true;
}

static bool f_quit(void *t, Error **errp)
{
    ((Fake *)t)->quits++;
    return true;
}

static bool f_query_replay(void *t, QmpReplayInfo *info, Error **errp)
{
    Fake *f = t;
    info->mode = f->recording ? "record" : "play";
    info->filename = "boot.rr";
    info->icount = 123456789012ull;
    return true;
}

static bool f_replay_break(void *t, uint64_t icount, Error **errp)
{
    Fake *f = t;
    if (f->recording) {
        error_setg(errp, "replay-break is only available while replaying");
        return false;
    }
    f->brk = icount;
    f->has_brk = true;
    return true;
}

static bool f_replay_delete_break(void *t, Error **errp)
{
    ((Fake *)t)->has_brk = false;
    return true;
}

static bool f_replay_seek(void *t, uint64_t icount, Error **errp)
{
    Fake *f = t;
    if (icount > 1000000) {
        error_setg(errp, "icount %llu is beyond the end of the recording",
                   (unsigned long long)icount);
        return false;
    }
    f->seek = icount;
    return true;
}

static bool f_snap_save(void *t, const char *name, Error **errp)
{
    Fake *f = t;
    if (f->nsnaps == 4) {
        error_setg(errp, "snapshot store full");
        return false;
    }
    snprintf(f->snaps[f->nsnaps], sizeof(f->snaps[0]), "%s", name);
    f->snap_icount[f->nsnaps] = 1000u * (unsigned)(f->nsnaps + 1);
    f->nsnaps++;
    return true;
}

static int f_find(Fake *f, const char *name)
{
    for (int i = 0; i < f->nsnaps; i++) {
        if (!strcmp(f->snaps[i], name)) {
            return i;
        }
    }
    return -1;
}

static bool f_snap_load(void *t, const char *name, Error **errp)
{
    if (f_find(t, name) < 0) {
        error_setg(errp, "Snapshot '%s' does not exist", name);
        return false;
    }
    return true;
}

static bool f_snap_delete(void *t, const char *name, Error **errp)
{
    Fake *f = t;
    int i = f_find(f, name);
    if (i < 0) {
        error_setg(errp, "Snapshot '%s' does not exist", name);
        return false;
    }
    f->nsnaps--;
    memmove(f->snaps[i], f->snaps[i + 1], sizeof(f->snaps[0]) * (size_t)(f->nsnaps - i));
    memmove(&f->snap_icount[i], &f->snap_icount[i + 1], sizeof(uint64_t) * (size_t)(f->nsnaps - i));
    return true;
}

static bool f_snap_list(void *t, QmpSnapshotInfo **list, size_t *count, Error **errp)
{
    Fake *f = t;
    *count = (size_t)f->nsnaps;
    *list = f->nsnaps ? calloc((size_t)f->nsnaps, sizeof(**list)) : NULL;
    for (int i = 0; i < f->nsnaps; i++) {
        (*list)[i].name = strdup(f->snaps[i]);
        (*list)[i].icount = f->snap_icount[i];
    }
    return true;
}

static char *f_hmp(void *t, const char *line, Error **errp)
{
    Fake *f = t;
    snprintf(f->last_hmp, sizeof(f->last_hmp), "%s", line);
    if (!strcmp(line, "bad")) {
        error_setg(errp, "unknown command: 'bad'");
        return NULL;
    }
    return strdup("icount 42\r\n");
}

static const QmpOps FAKE_OPS = {
    .query_status = f_query_status,
    .stop = f_stop,
    .cont = f_cont,
    .system_reset = f_reset,
    .quit = f_quit,
    .query_replay = f_query_replay,
    .replay_break = f_replay_break,
    .replay_delete_break = f_replay_delete_break,
    .replay_seek = f_replay_seek,
    .snapshot_save = f_snap_save,
    .snapshot_load = f_snap_load,
    .snapshot_delete = f_snap_delete,
    .snapshot_list = f_snap_list,
    .human_monitor_command = f_hmp,
};

/* ---- harness ---- */

typedef struct Ctx {
    Fake fake;
    QmpSession *s;
    char *out;
    size_t len, cap, rd;
} Ctx;

static void cap_write(void *opaque, const char *buf, size_t len)
{
    Ctx *c = opaque;
    if (c->len + len + 1 > c->cap) {
        c->cap = (c->len + len + 1) * 2;
        c->out = realloc(c->out, c->cap);
    }
    memcpy(c->out + c->len, buf, len);
    c->len += len;
    c->out[c->len] = 0;
}

/* The next line of output, parsed. */
static JsonValue *next_msg(Ctx *c)
{
    if (c->rd >= c->len) {
        return NULL;
    }
    char *nl = memchr(c->out + c->rd, '\n', c->len - c->rd);
    assert_non_null(nl);
    Error *err = NULL;
    JsonValue *v = json_parse(c->out + c->rd, (size_t)(nl - (c->out + c->rd)), &err);
    assert_null(err);
    c->rd = (size_t)(nl - c->out) + 1;
    return v;
}

/* Next message serialised, for exact comparisons. */
static char *next_text(Ctx *c)
{
    JsonValue *v = next_msg(c);
    assert_non_null(v);
    char *s = json_serialize(v, NULL);
    json_free(v);
    return s;
}

static void expect_msg(Ctx *c, const char *want)
{
    char *got = next_text(c);
    assert_string_equal(got, want);
    free(got);
}

static void expect_none(Ctx *c)
{
    assert_int_equal(c->rd, c->len);
}

static void input(Ctx *c, const char *s)
{
    qmp_session_input(c->s, s, strlen(s));
}

static void cmd(Ctx *c, const char *req, const char *want)
{
    input(c, req);
    expect_msg(c, want);
    expect_none(c);
}

static int setup(void **state)
{
    Ctx *c = calloc(1, sizeof(*c));
    c->s = qmp_session_new(&FAKE_OPS, &c->fake, cap_write, c);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    Ctx *c = *state;
    qmp_session_free(c->s);
    free(c->out);
    free(c);
    return 0;
}

/* Setup plus greeting and negotiation. */
static int setup_ready(void **state)
{
    setup(state);
    Ctx *c = *state;
    JsonValue *g = next_msg(c);
    json_free(g);
    cmd(c, "{\"execute\": \"qmp_capabilities\"}", "{\"return\": {}}");
    return 0;
}

/* ---- tests ---- */

static void test_greeting(void **state)
{
    Ctx *c = *state;
    JsonValue *g = next_msg(c);
    JsonValue *qmp = json_object_get(g, "QMP");
    assert_non_null(qmp);
    JsonValue *ver = json_object_get(json_object_get(qmp, "version"), "qemu");
    assert_int_equal(json_type(json_object_get(ver, "major")), JSON_INT);
    assert_int_equal(json_type(json_object_get(ver, "minor")), JSON_INT);
    assert_int_equal(json_type(json_object_get(ver, "micro")), JSON_INT);
    assert_int_equal(json_type(json_object_get(qmp, "capabilities")), JSON_ARRAY);
    assert_int_equal(json_array_size(json_object_get(qmp, "capabilities")), 0);
    json_free(g);
    expect_none(c);
}

static void test_negotiation(void **state)
{
    Ctx *c = *state;
    json_free(next_msg(c));
    cmd(c, "{\"execute\": \"query-status\", \"id\": 1}",
        "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Expecting capabilities "
        "negotiation with 'qmp_capabilities'\"}, \"id\": 1}");
    assert_false(c->fake.running);
    /* Events wait for negotiation. */
    qmp_session_emit_event(c->s, "STOP", NULL);
    expect_none(c);
    cmd(c, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}}",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Capability 'oob' not available\"}}");
    cmd(c, "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": []}, \"id\": \"x\"}",
        "{\"return\": {}, \"id\": \"x\"}");
    cmd(c, "{\"execute\": \"qmp_capabilities\"}",
        "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"Capabilities negotiation is "
        "already complete, command ignored\"}}");
    cmd(c, "{\"execute\": \"query-status\"}", "{\"return\": {\"running\": false, \"status\": \"paused\"}}");
}

static void test_run_control(void **state)
{
    Ctx *c = *state;
    Fake *f = &c->fake;
    cmd(c, "{\"execute\": \"cont\", \"id\": {\"nested\": [1, 2]}}",
        "{\"return\": {}, \"id\": {\"nested\": [1, 2]}}");
    assert_int_equal(f->conts, 1);
    cmd(c, "{\"execute\": \"query-status\"}",
        "{\"return\": {\"running\": true, \"status\": \"running\"}}");
    cmd(c, "{\"execute\": \"stop\"}", "{\"return\": {}}");
    assert_int_equal(f->stops, 1);
    cmd(c, "{\"execute\": \"system_reset\"}", "{\"return\": {}}");
    assert_int_equal(f->resets, 1);
    cmd(c, "{\"execute\": \"quit\"}", "{\"return\": {}}");
    assert_int_equal(f->quits, 1);
}

static void test_replay_commands(void **state)
{
    Ctx *c = *state;
    Fake *f = &c->fake;
    cmd(c, "{\"execute\": \"query-replay\"}",
        "{\"return\": {\"mode\": \"play\", \"filename\": \"boot.rr\", \"icount\": 123456789012}}");
    cmd(c, "{\"execute\": \"replay-break\", \"arguments\": {\"icount\": 5000}}", "{\"return\": {}}");
    assert_true(f->has_brk);
    assert_int_equal(f->brk, 5000);
    cmd(c, "{\"execute\": \"replay-delete-break\"}", "{\"return\": {}}");
    assert_false(f->has_brk);
    cmd(c, "{\"execute\": \"replay-seek\", \"arguments\": {\"icount\": 777}}", "{\"return\": {}}");
    assert_int_equal(f->seek, 777);
    cmd(c, "{\"execute\": \"replay-seek\", \"arguments\": {\"icount\": 2000000}}",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"icount 2000000 is beyond the end "
        "of the recording\"}}");
    f->recording = true;
    cmd(c, "{\"execute\": \"replay-break\", \"arguments\": {\"icount\": 1}, \"id\": 9}",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"replay-break is only available "
        "while replaying\"}, \"id\": 9}");
}

static void test_snapshot_commands(void **state)
{
    Ctx *c = *state;
    cmd(c, "{\"execute\": \"snapshot-list\"}", "{\"return\": []}");
    cmd(c, "{\"execute\": \"snapshot-save\", \"arguments\": {\"name\": \"boot\"}}", "{\"return\": {}}");
    cmd(c, "{\"execute\": \"snapshot-save\", \"arguments\": {\"name\": \"shell\"}}", "{\"return\": {}}");
    cmd(c, "{\"execute\": \"snapshot-list\"}",
        "{\"return\": [{\"name\": \"boot\", \"icount\": 1000}, {\"name\": \"shell\", \"icount\": 2000}]}");
    cmd(c, "{\"execute\": \"snapshot-load\", \"arguments\": {\"name\": \"boot\"}}", "{\"return\": {}}");
    cmd(c, "{\"execute\": \"snapshot-load\", \"arguments\": {\"name\": \"nope\"}}",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Snapshot 'nope' does not exist\"}}");
    cmd(c, "{\"execute\": \"snapshot-delete\", \"arguments\": {\"name\": \"boot\"}}", "{\"return\": {}}");
    cmd(c, "{\"execute\": \"snapshot-list\"}",
        "{\"return\": [{\"name\": \"shell\", \"icount\": 2000}]}");
    cmd(c, "{\"execute\": \"snapshot-save\", \"arguments\": {\"name\": \"\"}}",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'name' must not be empty\"}}");
}

static void test_hmp_and_queries(void **state)
{
    Ctx *c = *state;
    cmd(c, "{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"info icount\"}}",
        "{\"return\": \"icount 42\\r\\n\"}");
    assert_string_equal(c->fake.last_hmp, "info icount");
    cmd(c, "{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"bad\"}}",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"unknown command: 'bad'\"}}");
    input(c, "{\"execute\": \"query-commands\"}");
    JsonValue *r = next_msg(c);
    JsonValue *list = json_object_get(r, "return");
    bool found = false;
    for (size_t i = 0; i < json_array_size(list); i++) {
        const char *n = json_get_string(json_object_get(json_array_get(list, i), "name"), NULL);
        found |= !strcmp(n, "replay-seek");
    }
    assert_true(found);
    json_free(r);
    input(c, "{\"execute\": \"query-version\"}");
    r = next_msg(c);
    assert_non_null(json_object_get(json_object_get(r, "return"), "qemu"));
    json_free(r);
}

static void test_bad_requests(void **state)
{
    Ctx *c = *state;
    cmd(c, "{\"execute\": \"frobnicate\", \"id\": 3}",
        "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command frobnicate has not "
        "been found\"}, \"id\": 3}");
    cmd(c, "{\"execute\": \"replay-seek\"}",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'icount' is missing\"}}");
    cmd(c, "{\"execute\": \"replay-seek\", \"arguments\": {\"icount\": \"12\"}}",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Invalid parameter type for "
        "'icount', expected: uint64\"}}");
    cmd(c, "{\"execute\": \"replay-seek\", \"arguments\": {\"icount\": -1}}",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Invalid parameter type for "
        "'icount', expected: uint64\"}}");
    cmd(c, "{\"execute\": \"replay-seek\", \"arguments\": {\"icount\": 1.5}}",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Invalid parameter type for "
        "'icount', expected: uint64\"}}");
    cmd(c, "{\"execute\": \"snapshot-save\", \"arguments\": {\"name\": 5}}",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Invalid parameter type for "
        "'name', expected: string\"}}");
    cmd(c, "{\"execute\": \"stop\", \"arguments\": {\"force\": true}}",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Parameter 'force' is unexpected\"}}");
    cmd(c, "{\"execute\": \"stop\", \"arguments\": []}",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'arguments' must "
        "be an object\"}}");
    cmd(c, "{\"execute\": 42, \"id\": 1}",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'execute' must be "
        "a string\"}, \"id\": 1}");
    cmd(c, "{\"id\": 1}",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input lacks member 'execute'\"}, "
        "\"id\": 1}");
    cmd(c, "{\"execute\": \"stop\", \"bogus\": 1}",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input member 'bogus' is "
        "unexpected\"}}");
    cmd(c, "[1, 2]",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}");
    cmd(c, "\"just a string\"",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}");
    cmd(c, "42\n",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"QMP input must be a JSON object\"}}");
    assert_int_equal(c->fake.stops, 0);
}

static void test_malformed_json(void **state)
{
    Ctx *c = *state;
    input(c, "{\"execute\": stop}");
    JsonValue *r = next_msg(c);
    JsonValue *e = json_object_get(r, "error");
    assert_string_equal(json_get_string(json_object_get(e, "class"), NULL), "GenericError");
    assert_non_null(strstr(json_get_string(json_object_get(e, "desc"), NULL), "JSON parse error"));
    json_free(r);
    expect_none(c);
    input(c, "}");
    r = next_msg(c);
    assert_non_null(json_object_get(r, "error"));
    json_free(r);
    input(c, "garbage\n");
    r = next_msg(c);
    assert_non_null(json_object_get(r, "error"));
    json_free(r);
    input(c, "{\"execute\": \"stop\", \"x\": \"\xff\"}");
    r = next_msg(c);
    assert_non_null(json_object_get(r, "error"));
    json_free(r);
    expect_none(c);
    /* The session goes on. */
    cmd(c, "{\"execute\": \"stop\"}", "{\"return\": {}}");
}

static void test_fragments_and_batches(void **state)
{
    Ctx *c = *state;
    /* One byte at a time, with braces and quotes inside strings. */
    const char *req = "{\"execute\": \"snapshot-save\", \"arguments\": {\"name\": \"a}]\\\"{\"}, "
                      "\"id\": \"[\"}";
    for (const char *p = req; *p; p++) {
        qmp_session_input(c->s, p, 1);
        if (p[1]) {
            expect_none(c);
        }
    }
    expect_msg(c, "{\"return\": {}, \"id\": \"[\"}");
    assert_string_equal(c->fake.snaps[0], "a}]\"{");
    /* Several requests in one read, with and without separators. */
    input(c, "{\"execute\": \"stop\"}{\"execute\": \"cont\"}\r\n  {\"execute\": \"stop\", \"id\": 2}");
    expect_msg(c, "{\"return\": {}}");
    expect_msg(c, "{\"return\": {}}");
    expect_msg(c, "{\"return\": {}, \"id\": 2}");
    expect_none(c);
    assert_int_equal(c->fake.stops, 2);
    assert_int_equal(c->fake.conts, 1);
}

static void test_oversized_and_deep(void **state)
{
    Ctx *c = *state;
    /* An oversized request is refused; the one after it still works. */
    size_t n = QMP_MAX_REQUEST + 1000;
    char *big = malloc(n + 64);
    strcpy(big, "{\"execute\": \"stop\", \"arguments\": {\"x\": \"");
    size_t l = strlen(big);
    memset(big + l, '}', n - l);  /* braces inside the string must not confuse the splitter */
    strcpy(big + n, "\"}}{\"execute\": \"cont\"}");
    input(c, big);
    JsonValue *r = next_msg(c);
    assert_non_null(strstr(json_get_string(json_object_get(json_object_get(r, "error"), "desc"),
                                           NULL), "too large"));
    json_free(r);
    expect_msg(c, "{\"return\": {}}");
    expect_none(c);
    assert_int_equal(c->fake.stops, 0);
    assert_int_equal(c->fake.conts, 1);
    free(big);
    /* Too deep: an error, then business as usual. */
    char deep[400];
    memset(deep, '[', 200);
    memset(deep + 200, ']', 200);
    qmp_session_input(c->s, deep, sizeof(deep));
    r = next_msg(c);
    assert_non_null(strstr(json_get_string(json_object_get(json_object_get(r, "error"), "desc"),
                                           NULL), "nesting too deep"));
    json_free(r);
    cmd(c, "{\"execute\": \"stop\"}", "{\"return\": {}}");
}

static void test_events(void **state)
{
    Ctx *c = *state;
    JsonValue *data = json_object();
    json_object_set(data, "reason", json_string("breakpoint"));
    int64_t before = hostclock_ns(CLOCK_HOST) / NS_PER_SEC;
    qmp_session_emit_event(c->s, "STOP", data);
    JsonValue *ev = next_msg(c);
    assert_string_equal(json_get_string(json_object_get(ev, "event"), NULL), "STOP");
    assert_string_equal(json_get_string(json_object_get(json_object_get(ev, "data"), "reason"),
                                        NULL), "breakpoint");
    JsonValue *ts = json_object_get(ev, "timestamp");
    int64_t sec = json_get_int(json_object_get(ts, "seconds"));
    int64_t usec = json_get_int(json_object_get(ts, "microseconds"));
    assert_true(sec >= before && sec <= before + 5);
    assert_true(usec >= 0 && usec < 1000000);
    json_free(ev);
    qmp_session_emit_event(c->s, "RESUME", NULL);
    ev = next_msg(c);
    assert_null(json_object_get(ev, "data"));
    assert_string_equal(json_get_string(json_object_get(ev, "event"), NULL), "RESUME");
    json_free(ev);
}

static void test_unsupported_ops(void **state)
{
    Ctx *c = calloc(1, sizeof(*c));
    static const QmpOps NONE = { 0 };
    c->s = qmp_session_new(&NONE, &c->fake, cap_write, c);
    json_free(next_msg(c));
    cmd(c, "{\"execute\": \"qmp_capabilities\"}", "{\"return\": {}}");
    cmd(c, "{\"execute\": \"stop\"}",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"'stop' is not supported by this "
        "machine\"}}");
    cmd(c, "{\"execute\": \"query-replay\"}", "{\"return\": {\"mode\": \"none\", \"icount\": 0}}");
    cmd(c, "{\"execute\": \"snapshot-list\"}",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"'snapshot-list' is not supported "
        "by this machine\"}}");
    qmp_session_free(c->s);
    free(c->out);
    free(c);
}

/* ---- socket transport ---- */

static void pump(Loop *l, int n)
{
    for (int i = 0; i < n; i++) {
        main_loop_wait(l, true, NULL);
    }
}

static bool client_expect(Loop *l, int fd, const char *want)
{
    static char buf[16384];
    static size_t have;
    for (int i = 0; i < 200; i++) {
        pump(l, 1);
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 10) > 0) {
            ssize_t n = recv(fd, buf + have, sizeof(buf) - 1 - have, MSG_DONTWAIT);
            if (n > 0) {
                have += (size_t)n;
                buf[have] = 0;
            }
        }
        char *hit = strstr(buf, want);
        if (hit) {
            /* Consume through the hit. */
            size_t used = (size_t)(hit - buf) + strlen(want);
            memmove(buf, buf + used, have - used + 1);
            have -= used;
            return true;
        }
    }
    fprintf(stderr, "did not see %s; have: %s\n", want, buf);
    return false;
}

static int connect_unix(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

static void test_socket_session(void **state)
{
    Loop *l = loop_new(NULL);
    Fake *f = calloc(1, sizeof(*f));
    char path[108], spec[160];
    snprintf(path, sizeof(path), "/tmp/rrsim-test-qmp-%d.sock", (int)getpid());
    snprintf(spec, sizeof(spec), "unix:%s,server,nowait", path);
    Error *err = NULL;
    Qmp *q = qmp_new(l, spec, &FAKE_OPS, f, &err);
    assert_null(err);
    assert_non_null(q);
    assert_int_equal(qmp_port(q), -1);
    /* Events before anyone connects are dropped. */
    qmp_emit_event(q, "STOP", json_object());

    int fd = connect_unix(path);
    assert_true(client_expect(l, fd, "{\"QMP\": {\"version\": "));
    assert_true(qmp_connected(q));
    int fd2 = connect_unix(path);
    pump(l, 3);
    char b;
    assert_int_equal(recv(fd2, &b, 1, 0), 0);  /* second client refused */
    close(fd2);

    const char *msgs = "{\"execute\": \"qmp_capabilities\"}\n{\"execute\": \"cont\", \"id\": 7}";
    assert_int_equal(send(fd, msgs, strlen(msgs), 0), (ssize_t)strlen(msgs));
    assert_true(client_expect(l, fd, "{\"return\": {}}\n"));
    assert_true(client_expect(l, fd, "{\"return\": {}, \"id\": 7}\n"));
    assert_int_equal(f->conts, 1);
    qmp_emit_event(q, "RESUME", NULL);
    assert_true(client_expect(l, fd, "{\"event\": \"RESUME\", \"timestamp\": {\"seconds\": "));
    /* Disconnect halfway through a request; a new client starts afresh. */
    assert_int_equal(send(fd, "{\"exec", 6, 0), 6);
    close(fd);
    pump(l, 3);
    assert_false(qmp_connected(q));
    fd = connect_unix(path);
    assert_true(client_expect(l, fd, "{\"QMP\""));
    const char *early = "{\"execute\": \"stop\"}";
    assert_int_equal(send(fd, early, strlen(early), 0), (ssize_t)strlen(early));
    assert_true(client_expect(l, fd, "CommandNotFound"));
    close(fd);
    pump(l, 2);
    qmp_free(q);
    assert_int_equal(access(path, F_OK), -1);
    free(f);
    loop_free(l);
}

static void test_tcp_and_bad_specs(void **state)
{
    Loop *l = loop_new(NULL);
    Fake *f = calloc(1, sizeof(*f));
    Error *err = NULL;
    Qmp *q = qmp_new(l, "tcp:127.0.0.1:0,server=on,wait=off", &FAKE_OPS, f, &err);
    assert_non_null(q);
    assert_true(qmp_port(q) > 0);
    qmp_free(q);
    static const char *const BAD[] = { "tcp:127.0.0.1:0", "unix:/tmp/x", "tcp:1234,server,nowait",
                                       "tcp:h:port,server,nowait", "file:/x,server,nowait",
                                       "unix:/tmp/x,server,nowait,bogus", "unix:,server,nowait" };
    for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
        err = NULL;
        assert_null(qmp_new(l, BAD[i], &FAKE_OPS, f, &err));
        assert_non_null(err);
        assert_int_equal(error_get_class(err), ERR_USAGE);
        error_free(err);
    }
    free(f);
    loop_free(l);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define R(fn) cmocka_unit_test_setup_teardown(fn, setup_ready, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_greeting),
        T(test_negotiation),
        R(test_run_control),
        R(test_replay_commands),
        R(test_snapshot_commands),
        R(test_hmp_and_queries),
        R(test_bad_requests),
        R(test_malformed_json),
        R(test_fragments_and_batches),
        R(test_oversized_and_deep),
        R(test_events),
        cmocka_unit_test(test_unsupported_ops),
        cmocka_unit_test(test_socket_session),
        cmocka_unit_test(test_tcp_and_bad_specs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
