/*
 * qmp: a QMP-compatible JSON monitor (QEMU's docs/interop/qmp-spec) for
 * controlling the machine, replay and snapshots from scripts.
 *
 * Contract:
 *  - Served from main-loop fd handlers; one client at a time (a second
 *    connection is closed at once). Input may arrive in any fragments, with
 *    several commands per read; each complete JSON value is one request.
 *    Malformed JSON, oversized requests (QMP_MAX_REQUEST) and bad requests
 *    get an error reply; the session goes on. Replies the client does not
 *    read at once are queued (bounded; a client that stops reading for good
 *    is dropped). Nothing the client sends crashes or blocks the simulation.
 *  - On connect the client gets {"QMP": {"version": ..., "capabilities": []}}
 *    and must send qmp_capabilities first; until then every other command
 *    fails with class CommandNotFound, as in QEMU.
 *  - Replies: {"return": VALUE[, "id": ID]} or
 *    {"error": {"class": CLASS, "desc": TEXT}[, "id": ID]}, with "id" copied
 *    from the request. Classes: GenericError, CommandNotFound.
 *  - Events go only to a client past negotiation. Their timestamps are host
 *    time (hostclock_ns(CLOCK_HOST)); the monitor is not guest visible.
 *  - Commands act on the machine only through QmpOps, called on the
 *    simulation thread while the hart is not running.
 *
 * Commands (arguments in parentheses):
 *   qmp_capabilities ([enable: array])   query-version   query-commands
 *   query-status -> {"running": bool, "status": str}
 *   stop, cont, system_reset, quit
 *   query-replay -> {"mode": "none"|"record"|"play", "filename"?: str, "icount": int}
 *   replay-break (icount: int), replay-delete-break, replay-seek (icount: int)
 *   snapshot-save (name: str), snapshot-load (name: str), snapshot-delete (name: str)
 *   snapshot-list -> [{"name": str, "icount": int}, ...]
 *   human-monitor-command (command-line: str) -> str
 */
#ifndef RRSIM_SIM_MONITOR_QMP_H
#define RRSIM_SIM_MONITOR_QMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/base/error.h"
#include "sim/loop/loop.h"
#include "sim/monitor/json.h"

/* Largest single request accepted, in bytes. */
#define QMP_MAX_REQUEST (64u * 1024)

typedef struct QmpStatus {
    bool running;
    /* QEMU run-state name: "running", "paused", "debug", "shutdown", ... */
    const char *status;
} QmpStatus;

typedef struct QmpReplayInfo {
    const char *mode;      /* "none", "record" or "play" */
    const char *filename;  /* journal path, NULL when mode is "none" */
    uint64_t icount;       /* instructions retired so far */
} QmpReplayInfo;

typedef struct QmpSnapshotInfo {
    char *name;       /* malloc'd; freed by the monitor */
    uint64_t icount;  /* instruction count the snapshot was taken at */
} QmpSnapshotInfo;

/*
 * What the machine implements. Every callback may be NULL: the command then
 * fails with "... is not supported by this machine". Strings passed in
 * belong to the monitor and live only during the call; strings returned in
 * QmpStatus/QmpReplayInfo must live until the callback's caller returns.
 */
typedef struct QmpOps {
    void (*query_status)(void *target, QmpStatus *st);
    bool (*stop)(void *target, Error **errp);
    bool (*cont)(void *target, Error **errp);
    bool (*system_reset)(void *target, Error **errp);
    /* Ask the machine to exit; the reply is written before this returns to
     * the loop, so a prompt exit still delivers it. */
    bool (*quit)(void *target, Error **errp);

    bool (*query_replay)(void *target, QmpReplayInfo *info, Error **errp);
    /* Stop when the replay reaches icount (one break at a time, as QEMU). */
    bool (*replay_break)(void *target, uint64_t icount, Error **errp);
    bool (*replay_delete_break)(void *target, Error **errp);
    /* Move the replay to icount (forwards or backwards) and stop there. */
    bool (*replay_seek)(void *target, uint64_t icount, Error **errp);

    bool (*snapshot_save)(void *target, const char *name, Error **errp);
    bool (*snapshot_load)(void *target, const char *name, Error **errp);
    bool (*snapshot_delete)(void *target, const char *name, Error **errp);
    /* *list: malloc'd array of *count entries (may be NULL when empty),
     * freed with its names by the monitor. */
    bool (*snapshot_list)(void *target, QmpSnapshotInfo **list, size_t *count, Error **errp);

    /* HMP-style text command; returns malloc'd output (freed by the monitor). */
    char *(*human_monitor_command)(void *target, const char *cmdline, Error **errp);
} QmpOps;

typedef struct Qmp Qmp;

/*
 * Listen for QMP clients. spec: "unix:PATH,server[,nowait]" or
 * "tcp:HOST:PORT,server[,nowait]" ("server=on", "wait=off" accepted too).
 * Without nowait, waits for the first client before returning, as QEMU.
 * Errors: ERR_USAGE for a bad spec, ERR_IO for socket failures.
 */
Qmp *qmp_new(Loop *loop, const char *spec, const QmpOps *ops, void *target, Error **errp);
void qmp_free(Qmp *q);

/* Send {"event": NAME, "data": DATA, "timestamp": {...}} to a negotiated
 * client; takes ownership of data (may be NULL: no "data" member). */
void qmp_emit_event(Qmp *q, const char *name, JsonValue *data);

bool qmp_connected(const Qmp *q);
/* TCP port actually bound (useful with port 0), -1 for unix sockets. */
int qmp_port(const Qmp *q);

/*
 * The protocol engine without a socket, for tests and fuzzing: bytes in
 * through qmp_session_input(), replies and events out through write.
 * qmp_session_new() writes the greeting at once.
 */
typedef struct QmpSession QmpSession;
typedef void QmpWriteFn(void *opaque, const char *buf, size_t len);

QmpSession *qmp_session_new(const QmpOps *ops, void *target, QmpWriteFn *write, void *opaque);
void qmp_session_free(QmpSession *s);
void qmp_session_input(QmpSession *s, const char *buf, size_t len);
void qmp_session_emit_event(QmpSession *s, const char *name, JsonValue *data);

#endif
