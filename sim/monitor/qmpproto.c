/*
 * The QMP protocol engine: splits the byte stream into JSON values,
 * validates requests, dispatches commands through a table to QmpOps, and
 * formats replies and events (QEMU docs/interop/qmp-spec: "Server
 * Greeting", "Issuing Commands", "Commands Responses", "Asynchronous
 * events").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/monitor/qmp.h"

typedef enum ChunkKind { CHUNK_CONTAINER, CHUNK_STRING, CHUNK_SCALAR } ChunkKind;

struct QmpSession {
    const QmpOps *ops;
    void *target;
    QmpWriteFn *write;
    void *opaque;
    bool negotiated;

    /* Stream splitter: one top-level JSON value at a time. */
    char *buf;
    size_t len, cap;
    bool in_value;
    ChunkKind kind;
    int depth;        /* container nesting (may exceed JSON_MAX_DEPTH: parse rejects) */
    bool in_string, escape;
    bool skipping;    /* discarding the rest of an oversized value */
};

/* ---- output ---- */

static void send_value(QmpSession *s, const JsonValue *v)
{
    size_t n;
    char *text = json_serialize(v, &n);
    text[n] = '\n';  /* one message per line, as QEMU; the NUL slot holds it */
    s->write(s->opaque, text, n + 1);
    free(text);
}

static void send_error(QmpSession *s, const char *cls, const char *desc, const JsonValue *id)
{
    JsonValue *r = json_object();
    JsonValue *e = json_object();
    json_object_set(e, "class", json_string(cls));
    json_object_set(e, "desc", json_string(desc));
    json_object_set(r, "error", e);
    if (id) {
        json_object_set(r, "id", json_copy(id));
    }
    send_value(s, r);
    json_free(r);
}

static void send_return(QmpSession *s, JsonValue *ret, const JsonValue *id)
{
    JsonValue *r = json_object();
    json_object_set(r, "return", ret);
    if (id) {
        json_object_set(r, "id", json_copy(id));
    }
    send_value(s, r);
    json_free(r);
}

static JsonValue *version_value(void)
{
    int major = 0, minor = 0, micro = 0;
    sscanf(RRSIM_VERSION, "%d.%d.%d", &major, &minor, &micro);
    JsonValue *q = json_object();
    json_object_set(q, "micro", json_int(micro));
    json_object_set(q, "minor", json_int(minor));
    json_object_set(q, "major", json_int(major));
    JsonValue *v = json_object();
    json_object_set(v, "qemu", q);
    json_object_set(v, "package", json_string("rrsim " RRSIM_VERSION));
    return v;
}

/* ---- commands ---- */

typedef enum ArgType { ARG_INT, ARG_UINT, ARG_STR, ARG_BOOL, ARG_ARRAY } ArgType;

typedef struct ArgSpec {
    const char *name;
    ArgType type;
    bool optional;
} ArgSpec;

typedef JsonValue *CmdFn(QmpSession *s, const JsonValue *args, Error **errp);

typedef struct QmpCommand {
    const char *name;
    CmdFn *fn;
    ArgSpec args[2];
} QmpCommand;

static bool unsupported(Error **errp, const char *cmd)
{
    error_setg(errp, "'%s' is not supported by this machine", cmd);
    return false;
}

static JsonValue *ok_or_null(bool ok)
{
    return ok ? json_object() : NULL;
}

static JsonValue *cmd_capabilities(QmpSession *s, const JsonValue *args, Error **errp)
{
    const JsonValue *en = json_object_get(args, "enable");
    if (en && json_array_size(en) > 0) {
        const char *cap = json_get_string(json_array_get(en, 0), NULL);
        error_setg(errp, "Capability '%s' not available", cap ? cap : "?");
        return NULL;
    }
    s->negotiated = true;
    return json_object();
}

static JsonValue *cmd_query_version(QmpSession *s, const JsonValue *args, Error **errp)
{
    return version_value();
}

static JsonValue *cmd_query_commands(QmpSession *s, const JsonValue *args, Error **errp);

static JsonValue *cmd_query_status(QmpSession *s, const JsonValue *args, Error **errp)
{
    if (!s->ops->query_status) {
        unsupported(errp, "query-status");
        return NULL;
    }
    QmpStatus st = { .status = NULL };
    s->ops->query_status(s->target, &st);
    JsonValue *r = json_object();
    json_object_set(r, "running", json_bool(st.running));
    json_object_set(r, "status", json_string(st.status ? st.status
                                                       : st.running ? "running" : "paused"));
    return r;
}

#define SIMPLE_CMD(fname, op, cmdname)                                                    \
    static JsonValue *fname(QmpSession *s, const JsonValue *args, Error **errp)           \
    {                                                                                     \
        if (!s->ops->op) {                                                                \
            unsupported(errp, cmdname);                                                   \
            return NULL;                                                                  \
        }                                                                                 \
        return ok_or_null(s->ops->op(s->target, errp));                                   \
    }

SIMPLE_CMD(cmd_stop, stop, "stop")
SIMPLE_CMD(cmd_cont, cont, "cont")
SIMPLE_CMD(cmd_system_reset, system_reset, "system_reset")
SIMPLE_CMD(cmd_quit, quit, "quit")
SIMPLE_CMD(cmd_replay_delete_break, replay_delete_break, "replay-delete-break")

static JsonValue *cmd_query_replay(QmpSession *s, const JsonValue *args, Error **errp)
{
    QmpReplayInfo info = { .mode = "none" };
    if (s->ops->query_replay && !s->ops->query_replay(s->target, &info, errp)) {
        return NULL;
    }
    JsonValue *r = json_object();
    json_object_set(r, "mode", json_string(info.mode ? info.mode : "none"));
    if (info.filename) {
        json_object_set(r, "filename", json_string(info.filename));
    }
    json_object_set(r, "icount", json_int((int64_t)info.icount));
    return r;
}

#define ICOUNT_CMD(fname, op, cmdname)                                                    \
    static JsonValue *fname(QmpSession *s, const JsonValue *args, Error **errp)           \
    {                                                                                     \
        if (!s->ops->op) {                                                                \
            unsupported(errp, cmdname);                                                   \
            return NULL;                                                                  \
        }                                                                                 \
        uint64_t ic = (uint64_t)json_get_int(json_object_get(args, "icount"));            \
        return ok_or_null(s->ops->op(s->target, ic, errp));                               \
    }

ICOUNT_CMD(cmd_replay_break, replay_break, "replay-break")
ICOUNT_CMD(cmd_replay_seek, replay_seek, "replay-seek")

#define NAME_CMD(fname, op, cmdname)                                                      \
    static JsonValue *fname(QmpSession *s, const JsonValue *args, Error **errp)           \
    {                                                                                     \
        if (!s->ops->op) {                                                                \
            unsupported(errp, cmdname);                                                   \
            return NULL;                                                                  \
        }                                                                                 \
        const char *name = json_get_string(json_object_get(args, "name"), NULL);          \
        if (!*name) {                                                                     \
            error_setg(errp, "Parameter 'name' must not be empty");                       \
            return NULL;                                                                  \
        }                                                                                 \
        return ok_or_null(s->ops->op(s->target, name, errp));                             \
    }

NAME_CMD(cmd_snapshot_save, snapshot_save, "snapshot-save")
NAME_CMD(cmd_snapshot_load, snapshot_load, "snapshot-load")
NAME_CMD(cmd_snapshot_delete, snapshot_delete, "snapshot-delete")

static JsonValue *cmd_snapshot_list(QmpSession *s, const JsonValue *args, Error **errp)
{
    if (!s->ops->snapshot_list) {
        unsupported(errp, "snapshot-list");
        return NULL;
    }
    QmpSnapshotInfo *list = NULL;
    size_t n = 0;
    if (!s->ops->snapshot_list(s->target, &list, &n, errp)) {
        return NULL;
    }
    JsonValue *r = json_array();
    for (size_t i = 0; i < n; i++) {
        JsonValue *e = json_object();
        json_object_set(e, "name", json_string(list[i].name ? list[i].name : ""));
        json_object_set(e, "icount", json_int((int64_t)list[i].icount));
        json_array_append(r, e);
        free(list[i].name);
    }
    free(list);
    return r;
}

static JsonValue *cmd_hmp(QmpSession *s, const JsonValue *args, Error **errp)
{
    if (!s->ops->human_monitor_command) {
        unsupported(errp, "human-monitor-command");
        return NULL;
    }
    const char *line = json_get_string(json_object_get(args, "command-line"), NULL);
    char *out = s->ops->human_monitor_command(s->target, line, errp);
    if (!out) {
        return NULL;
    }
    JsonValue *r = json_string(out);
    free(out);
    return r;
}

static const QmpCommand COMMANDS[] = {
    { "qmp_capabilities", cmd_capabilities, { { "enable", ARG_ARRAY, true } } },
    { "query-version", cmd_query_version, { { 0 } } },
    { "query-commands", cmd_query_commands, { { 0 } } },
    { "query-status", cmd_query_status, { { 0 } } },
    { "stop", cmd_stop, { { 0 } } },
    { "cont", cmd_cont, { { 0 } } },
    { "system_reset", cmd_system_reset, { { 0 } } },
    { "quit", cmd_quit, { { 0 } } },
    { "query-replay", cmd_query_replay, { { 0 } } },
    { "replay-break", cmd_replay_break, { { "icount", ARG_UINT, false } } },
    { "replay-delete-break", cmd_replay_delete_break, { { 0 } } },
    { "replay-seek", cmd_replay_seek, { { "icount", ARG_UINT, false } } },
    { "snapshot-save", cmd_snapshot_save, { { "name", ARG_STR, false } } },
    { "snapshot-load", cmd_snapshot_load, { { "name", ARG_STR, false } } },
    { "snapshot-delete", cmd_snapshot_delete, { { "name", ARG_STR, false } } },
    { "snapshot-list", cmd_snapshot_list, { { 0 } } },
    { "human-monitor-command", cmd_hmp, { { "command-line", ARG_STR, false } } },
};

#define NCOMMANDS (sizeof(COMMANDS) / sizeof(COMMANDS[0]))

static JsonValue *cmd_query_commands(QmpSession *s, const JsonValue *args, Error **errp)
{
    JsonValue *r = json_array();
    for (size_t i = 0; i < NCOMMANDS; i++) {
        JsonValue *e = json_object();
        json_object_set(e, "name", json_string(COMMANDS[i].name));
        json_array_append(r, e);
    }
    return r;
}

static const char *ARG_TYPE_NAMES[] = { "integer", "uint64", "string", "boolean", "array" };

static bool check_args(const QmpCommand *c, const JsonValue *args, Error **errp)
{
    size_t nspec = 0;
    while (nspec < 2 && c->args[nspec].name) {
        nspec++;
    }
    for (size_t i = 0; i < json_object_size(args); i++) {
        const char *key = json_object_key(args, i);
        bool known = false;
        for (size_t j = 0; j < nspec; j++) {
            known |= strcmp(key, c->args[j].name) == 0;
        }
        if (!known) {
            error_setg(errp, "Parameter '%s' is unexpected", key);
            return false;
        }
    }
    for (size_t j = 0; j < nspec; j++) {
        const ArgSpec *a = &c->args[j];
        const JsonValue *v = json_object_get(args, a->name);
        if (!v) {
            if (!a->optional) {
                error_setg(errp, "Parameter '%s' is missing", a->name);
                return false;
            }
            continue;
        }
        JsonType t = json_type(v);
        bool ok = (a->type == ARG_INT && t == JSON_INT) ||
                  (a->type == ARG_UINT && t == JSON_INT && json_get_int(v) >= 0) ||
                  (a->type == ARG_STR && t == JSON_STRING) ||
                  (a->type == ARG_BOOL && t == JSON_BOOL) ||
                  (a->type == ARG_ARRAY && t == JSON_ARRAY);
        if (!ok) {
            error_setg(errp, "Invalid parameter type for '%s', expected: %s", a->name,
                       ARG_TYPE_NAMES[a->type]);
            return false;
        }
    }
    return true;
}

static void dispatch(QmpSession *s, const JsonValue *req)
{
    if (json_type(req) != JSON_OBJECT) {
        send_error(s, "GenericError", "QMP input must be a JSON object", NULL);
        return;
    }
    const JsonValue *id = json_object_get(req, "id");
    for (size_t i = 0; i < json_object_size(req); i++) {
        const char *k = json_object_key(req, i);
        if (strcmp(k, "execute") && strcmp(k, "arguments") && strcmp(k, "id")) {
            char msg[160];
            snprintf(msg, sizeof(msg), "QMP input member '%.100s' is unexpected", k);
            send_error(s, "GenericError", msg, id);
            return;
        }
    }
    const JsonValue *exec = json_object_get(req, "execute");
    if (!exec) {
        send_error(s, "GenericError", "QMP input lacks member 'execute'", id);
        return;
    }
    const char *name = json_get_string(exec, NULL);
    if (!name) {
        send_error(s, "GenericError", "QMP input member 'execute' must be a string", id);
        return;
    }
    const JsonValue *args = json_object_get(req, "arguments");
    JsonValue *empty = NULL;
    if (args && json_type(args) != JSON_OBJECT) {
        send_error(s, "GenericError", "QMP input member 'arguments' must be an object", id);
        return;
    }
    bool is_caps = strcmp(name, "qmp_capabilities") == 0;
    if (!s->negotiated && !is_caps) {
        send_error(s, "CommandNotFound",
                   "Expecting capabilities negotiation with 'qmp_capabilities'", id);
        return;
    }
    if (s->negotiated && is_caps) {
        send_error(s, "CommandNotFound",
                   "Capabilities negotiation is already complete, command ignored", id);
        return;
    }
    const QmpCommand *cmd = NULL;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(COMMANDS[i].name, name) == 0) {
            cmd = &COMMANDS[i];
            break;
        }
    }
    if (!cmd) {
        char msg[200];
        snprintf(msg, sizeof(msg), "The command %.120s has not been found", name);
        send_error(s, "CommandNotFound", msg, id);
        return;
    }
    if (!args) {
        args = empty = json_object();
    }
    Error *err = NULL;
    JsonValue *ret = NULL;
    if (check_args(cmd, args, &err)) {
        ret = cmd->fn(s, args, &err);
    }
    if (ret) {
        send_return(s, ret, id);
    } else {
        send_error(s, "GenericError", err ? error_get_message(err) : "command failed", id);
    }
    error_free(err);
    json_free(empty);
}

/* ---- stream splitting ---- */

static void chunk_done(QmpSession *s)
{
    Error *err = NULL;
    JsonValue *v = json_parse(s->buf, s->len, &err);
    s->in_value = false;
    s->len = 0;
    if (!v) {
        send_error(s, "GenericError", error_get_message(err), NULL);
        error_free(err);
        return;
    }
    dispatch(s, v);
    json_free(v);
}

/* Track strings and nesting of one byte; returns true when a container
 * closes back to depth 0. */
static bool track(QmpSession *s, char c)
{
    if (s->in_string) {
        if (s->escape) {
            s->escape = false;
        } else if (c == '\\') {
            s->escape = true;
        } else if (c == '"') {
            s->in_string = false;
        }
        return false;
    }
    if (c == '"') {
        s->in_string = true;
    } else if (c == '{' || c == '[') {
        s->depth++;
    } else if (c == '}' || c == ']') {
        s->depth--;
        return s->depth == 0;
    }
    return false;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void buf_add(QmpSession *s, char c)
{
    if (s->len + 1 >= s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        char *n = realloc(s->buf, cap);
        if (!n) {
            abort();
        }
        s->buf = n;
        s->cap = cap;
    }
    s->buf[s->len++] = c;
}

static void input_byte(QmpSession *s, char c)
{
    if (s->skipping) {
        if (track(s, c) || (s->depth <= 0 && !s->in_string)) {
            s->skipping = false;
            s->depth = 0;
        }
        return;
    }
    if (s->in_value && s->kind == CHUNK_SCALAR &&
        (is_ws(c) || c == '{' || c == '[' || c == '}' || c == ']' || c == '"' || c == ',')) {
        /* A bare scalar ends at the first delimiter; it is a complete
         * (if useless) request. */
        chunk_done(s);
    }
    if (!s->in_value) {
        if (is_ws(c)) {
            return;
        }
        if (c == '}' || c == ']' || c == ',' || c == ':') {
            char msg[64];
            snprintf(msg, sizeof(msg), "JSON parse error: unexpected '%c'", c);
            send_error(s, "GenericError", msg, NULL);
            return;
        }
        s->in_value = true;
        s->len = 0;
        s->depth = 0;
        s->in_string = s->escape = false;
        s->kind = (c == '{' || c == '[') ? CHUNK_CONTAINER : c == '"' ? CHUNK_STRING
                                                                     : CHUNK_SCALAR;
    }
    if (s->len >= QMP_MAX_REQUEST) {
        send_error(s, "GenericError", "JSON parse error: request too large", NULL);
        s->in_value = false;
        s->len = 0;
        /* Drop the rest of this value, still following its strings and
         * brackets so the next request is found. */
        s->skipping = s->kind == CHUNK_CONTAINER || s->kind == CHUNK_STRING;
        if (s->skipping && (track(s, c) || (s->depth <= 0 && !s->in_string))) {
            s->skipping = false;
            s->depth = 0;
        }
        return;
    }
    buf_add(s, c);
    bool was_string = s->in_string;
    bool closed = track(s, c);
    if ((s->kind == CHUNK_CONTAINER && closed) ||
        (s->kind == CHUNK_STRING && was_string && !s->in_string)) {
        chunk_done(s);
    }
}

/* ---- public ---- */

QmpSession *qmp_session_new(const QmpOps *ops, void *target, QmpWriteFn *write, void *opaque)
{
    QmpSession *s = calloc(1, sizeof(*s));
    if (!s) {
        return NULL;
    }
    s->ops = ops;
    s->target = target;
    s->write = write;
    s->opaque = opaque;
    JsonValue *g = json_object();
    JsonValue *inner = json_object();
    json_object_set(inner, "version", version_value());
    json_object_set(inner, "capabilities", json_array());
    json_object_set(g, "QMP", inner);
    send_value(s, g);
    json_free(g);
    return s;
}

void qmp_session_free(QmpSession *s)
{
    if (s) {
        free(s->buf);
        free(s);
    }
}

void qmp_session_input(QmpSession *s, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        input_byte(s, buf[i]);
    }
}

void qmp_session_emit_event(QmpSession *s, const char *name, JsonValue *data)
{
    if (!s->negotiated) {
        json_free(data);
        return;
    }
    int64_t ns = hostclock_ns(CLOCK_HOST);
    JsonValue *ev = json_object();
    json_object_set(ev, "event", json_string(name));
    if (data) {
        json_object_set(ev, "data", data);
    }
    JsonValue *ts = json_object();
    json_object_set(ts, "seconds", json_int(ns / NS_PER_SEC));
    json_object_set(ts, "microseconds", json_int((ns % NS_PER_SEC) / 1000));
    json_object_set(ev, "timestamp", ts);
    send_value(s, ev);
    json_free(ev);
}
