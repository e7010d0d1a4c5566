/*
 * The QMP transport: a listening socket and one client, served from
 * main-loop fd handlers, with non-blocking writes and a bounded queue.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim/base/sock.h"
#include "sim/monitor/qmp.h"

/* A client that stops reading while events keep coming is dropped past this. */
#define QMP_MAX_QUEUED (4u << 20)

struct Qmp {
    Loop *loop;
    const QmpOps *ops;
    void *target;
    int listen_fd;
    int client_fd;
    int port;
    char *unix_path;
    QmpSession *session;
    SockOutQueue out;
    bool want_write;
    bool dead;
    bool in_input;
};

static void client_close(Qmp *q);

static void client_read(void *opaque);
static void client_write(void *opaque);

/* A command may run the machine, and so the main loop: while the session
 * handles input nothing more is read and a failure only marks the client
 * dead, so the session is never freed under its own feet (see gdbstub.c). */
static void update_handlers(Qmp *q)
{
    q->want_write = !q->dead && sock_outq_pending(&q->out) > 0;
    loop_set_fd_handler(q->loop, q->client_fd, q->in_input || q->dead ? NULL : client_read,
                        q->want_write ? client_write : NULL, q, NULL);
}

static void session_write(void *opaque, const char *buf, size_t len)
{
    Qmp *q = opaque;
    if (q->client_fd < 0 || q->dead) {
        return;
    }
    if (!sock_outq_push(&q->out, buf, len) || !sock_outq_flush(&q->out, q->client_fd)) {
        q->dead = true;
        return;
    }
    if (sock_outq_pending(&q->out) && !q->want_write) {
        update_handlers(q);
    }
}

static void client_read(void *opaque)
{
    Qmp *q = opaque;
    char buf[4096];
    ssize_t n = recv(q->client_fd, buf, sizeof(buf), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        return;
    }
    if (n <= 0) {
        client_close(q);
        return;
    }
    q->in_input = true;
    update_handlers(q);
    qmp_session_input(q->session, buf, (size_t)n);
    q->in_input = false;
    if (q->dead) {
        client_close(q);
    } else {
        update_handlers(q);
    }
}

static void client_write(void *opaque)
{
    Qmp *q = opaque;
    if (!sock_outq_flush(&q->out, q->client_fd)) {
        if (q->in_input) {
            q->dead = true;
            update_handlers(q);
            return;
        }
        client_close(q);
        return;
    }
    if (!sock_outq_pending(&q->out)) {
        update_handlers(q);
    }
}

static void client_close(Qmp *q)
{
    if (q->client_fd < 0) {
        return;
    }
    loop_set_fd_handler(q->loop, q->client_fd, NULL, NULL, NULL, NULL);
    close(q->client_fd);
    q->client_fd = -1;
    sock_outq_clear(&q->out);
    q->dead = false;
    qmp_session_free(q->session);
    q->session = NULL;
}

static void client_open(Qmp *q, int fd)
{
    q->client_fd = fd;
    q->session = qmp_session_new(q->ops, q->target, session_write, q);  /* sends the greeting */
    if (!q->session || q->dead ||
        !loop_set_fd_handler(q->loop, fd, client_read,
                             sock_outq_pending(&q->out) ? client_write : NULL, q, NULL)) {
        client_close(q);
        return;
    }
    q->want_write = sock_outq_pending(&q->out) > 0;
}

static void listen_accept(void *opaque)
{
    Qmp *q = opaque;
    int fd = accept4(q->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        return;
    }
    if (q->client_fd >= 0 && !q->in_input && sock_peer_gone(q->client_fd)) {
        client_close(q);  /* gone, but its end not yet read: make way */
    }
    if (q->client_fd >= 0) {
        close(fd);  /* one client at a time */
        return;
    }
    client_open(q, fd);
}

/* ---- setup ---- */

/* "unix:PATH,server[,nowait]" or "tcp:HOST:PORT,server[,nowait]": rrsim
 * always listens; it never connects out to a QMP client. */
static bool qmp_listen(Qmp *q, const char *spec, bool *wait, Error **errp)
{
    SockSpec ss;
    if (!sock_parse(spec, 0, &ss, errp)) {
        error_prepend(errp, "qmp: ");
        return false;
    }
    if (!ss.server) {
        error_setc(errp, ERR_USAGE, "qmp: '%s' needs the 'server' option (rrsim listens, "
                   "it does not connect)", spec);
        return false;
    }
    *wait = ss.wait;
    q->listen_fd = sock_listen(&ss, true, &q->port, errp);
    if (q->listen_fd < 0) {
        error_prepend(errp, "qmp: ");
        return false;
    }
    if (ss.kind == SOCK_KIND_UNIX && !(q->unix_path = strdup(ss.path))) {
        unlink(ss.path);
        error_setg(errp, "qmp: out of memory");
        return false;
    }
    return true;
}

Qmp *qmp_new(Loop *loop, const char *spec, const QmpOps *ops, void *target, Error **errp)
{
    if (!spec || !ops) {
        error_setc(errp, ERR_USAGE, "qmp: missing socket spec or operations");
        return NULL;
    }
    Qmp *q = calloc(1, sizeof(*q));
    if (!q) {
        error_setg(errp, "qmp: out of memory");
        return NULL;
    }
    q->loop = loop;
    q->ops = ops;
    q->target = target;
    q->listen_fd = q->client_fd = q->port = -1;
    sock_outq_init(&q->out, QMP_MAX_QUEUED);
    bool wait;
    if (!qmp_listen(q, spec, &wait, errp) ||
        !loop_set_fd_handler(loop, q->listen_fd, listen_accept, NULL, q, errp)) {
        qmp_free(q);
        return NULL;
    }
    if (wait) {
        /* Startup only, before the simulation runs: block for the first
         * client as QEMU does without nowait. */
        struct pollfd p = { .fd = q->listen_fd, .events = POLLIN };
        while (q->client_fd < 0) {
            if (poll(&p, 1, -1) < 0 && errno != EINTR) {
                error_setg_errno(errp, errno, "qmp: waiting for a client");
                qmp_free(q);
                return NULL;
            }
            listen_accept(q);
        }
    }
    return q;
}

void qmp_free(Qmp *q)
{
    if (!q) {
        return;
    }
    client_close(q);
    if (q->listen_fd >= 0) {
        loop_set_fd_handler(q->loop, q->listen_fd, NULL, NULL, NULL, NULL);
        close(q->listen_fd);
    }
    if (q->unix_path) {
        unlink(q->unix_path);
        free(q->unix_path);
    }
    sock_outq_free(&q->out);
    free(q);
}

void qmp_emit_event(Qmp *q, const char *name, JsonValue *data)
{
    if (!q->session) {
        json_free(data);
        return;
    }
    qmp_session_emit_event(q->session, name, data);
    if (q->dead && !q->in_input) {
        client_close(q);
    }
}

bool qmp_connected(const Qmp *q)
{
    return q->client_fd >= 0;
}

int qmp_port(const Qmp *q)
{
    return q->port;
}
