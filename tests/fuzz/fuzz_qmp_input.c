/*
 * libFuzzer harness for the QMP engine: stream splitting, the JSON parser,
 * request validation and dispatch, with a machine whose operations all
 * succeed. Every reply line must itself be valid JSON, and anything the
 * parser accepts must survive a serialise/parse round trip unchanged.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim/monitor/qmp.h"

static bool ok_op(void *t, Error **errp)
{
    return true;
}

static bool ok_icount(void *t, uint64_t icount, Error **errp)
{
    return true;
}

static bool ok_name(void *t, const char *name, Error **errp)
{
    return true;
}

static char *hmp(void *t, const char *line, Error **errp)
{
    return strdup(line);
}

static const QmpOps OPS = {
    .stop = ok_op, .cont = ok_op, .system_reset = ok_op, .quit = ok_op,
    .replay_break = ok_icount, .replay_seek = ok_icount, .replay_delete_break = ok_op,
    .snapshot_save = ok_name, .snapshot_load = ok_name, .snapshot_delete = ok_name,
    .human_monitor_command = hmp,
};

static void check_lines(void *opaque, const char *buf, size_t len)
{
    assert(len > 0 && buf[len - 1] == '\n');
    Error *err = NULL;
    JsonValue *v = json_parse(buf, len - 1, &err);
    assert(v);
    json_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The parser alone, with a round trip for what it accepts. */
    JsonValue *v = json_parse((const char *)data, size, NULL);
    if (v) {
        size_t n1, n2;
        char *s1 = json_serialize(v, &n1);
        JsonValue *w = json_parse(s1, n1, NULL);
        assert(w);
        char *s2 = json_serialize(w, &n2);
        assert(n1 == n2 && memcmp(s1, s2, n1) == 0);
        free(s1);
        free(s2);
        json_free(w);
        json_free(v);
    }
    /* The session, fed in two fragments, negotiated first half the time. */
    QmpSession *s = qmp_session_new(&OPS, NULL, check_lines, NULL);
    if (size && (data[0] & 1)) {
        static const char caps[] = "{\"execute\": \"qmp_capabilities\"}";
        qmp_session_input(s, caps, sizeof(caps) - 1);
    }
    size_t cut = size / 2;
    qmp_session_input(s, (const char *)data, cut);
    qmp_session_emit_event(s, "STOP", NULL);
    qmp_session_input(s, (const char *)data + cut, size - cut);
    qmp_session_free(s);
    return 0;
}
