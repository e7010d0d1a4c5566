/*
 * The gdbstub transport: a listening socket and one client, served from
 * main-loop fd handlers. Output is written without blocking; what the
 * client does not take at once waits in a bounded queue flushed by a write
 * handler.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim/base/sock.h"
#include "sim/gdbstub/gdbstub.h"

/* A client that stops reading while we keep writing is dropped past this. */
#define GDB_MAX_QUEUED (4u << 20)

struct GdbStub {
    Loop *loop;
    const GdbTargetOps *ops;
    void *target;
    int listen_fd;
    int client_fd;
    int port;
    char *unix_path;
    GdbSession *session;
    GdbStopReason last_stop;
    SockOutQueue out;
    bool want_write;
    bool dead;      /* the client failed; close once back in an fd handler */
    bool in_input;  /* inside gdb_session_input(): the session must survive */
};

static void client_close(GdbStub *s, bool detach);

static void update_handlers(GdbStub *s);

static void session_write(void *opaque, const uint8_t *buf, size_t len)
{
    GdbStub *s = opaque;
    if (s->client_fd < 0 || s->dead) {
        return;
    }
    if (!sock_outq_push(&s->out, buf, len) || !sock_outq_flush(&s->out, s->client_fd)) {
        s->dead = true;
        return;
    }
    if (sock_outq_pending(&s->out) && !s->want_write) {
        update_handlers(s);
    }
}

/*
 * A packet may run the machine (continue, a seek, a reverse step), and the
 * machine runs the main loop, which serves this socket too: while the
 * session handles input, nothing more is read (it stays queued in the
 * socket) and a failure only marks the client dead, so the session is
 * never freed under its own feet; the outer call closes it afterwards.
 */
static void client_read(void *opaque)
{
    GdbStub *s = opaque;
    uint8_t buf[4096];
    ssize_t n = recv(s->client_fd, buf, sizeof(buf), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        return;
    }
    if (n <= 0) {
        client_close(s, true);
        return;
    }
    s->in_input = true;
    update_handlers(s);
    bool alive = gdb_session_input(s->session, buf, (size_t)n);
    s->in_input = false;
    if (s->dead) {
        client_close(s, true);
    } else if (!alive) {
        /* 'D' or 'k': the session already told the target. */
        sock_outq_flush(&s->out, s->client_fd);
        client_close(s, false);
    } else {
        update_handlers(s);
    }
}

static void client_write(void *opaque)
{
    GdbStub *s = opaque;
    if (!sock_outq_flush(&s->out, s->client_fd)) {
        if (s->in_input) {
            s->dead = true;
            update_handlers(s);
            return;
        }
        client_close(s, true);
        return;
    }
    if (!sock_outq_pending(&s->out)) {
        update_handlers(s);
    }
}

static void update_handlers(GdbStub *s)
{
    s->want_write = !s->dead && sock_outq_pending(&s->out) > 0;
    loop_set_fd_handler(s->loop, s->client_fd, s->in_input || s->dead ? NULL : client_read,
                        s->want_write ? client_write : NULL, s, NULL);
}

static void client_close(GdbStub *s, bool detach)
{
    if (s->client_fd < 0) {
        return;
    }
    loop_set_fd_handler(s->loop, s->client_fd, NULL, NULL, NULL, NULL);
    close(s->client_fd);
    s->client_fd = -1;
    sock_outq_clear(&s->out);
    s->dead = false;
    s->last_stop = gdb_session_last_stop(s->session);
    gdb_session_free(s->session);
    s->session = NULL;
    if (detach && s->ops->detach) {
        /* The debugger vanished: do not leave the machine stopped at its
         * breakpoints forever. */
        s->ops->detach(s->target);
    }
}

static void listen_accept(void *opaque)
{
    GdbStub *s = opaque;
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        return;  /* EAGAIN or a client that went away before accept */
    }
    if (s->client_fd >= 0 && !s->in_input && sock_peer_gone(s->client_fd)) {
        client_close(s, true);  /* gone, but its end not yet read: make way */
    }
    if (s->client_fd >= 0) {
        close(fd);  /* one debugger at a time */
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));  /* fails harmlessly on unix */
    s->session = gdb_session_new(s->ops, s->target, session_write, s);
    if (!s->session) {
        close(fd);
        return;
    }
    gdb_session_set_last_stop(s->session, s->last_stop);
    s->client_fd = fd;
    if (!loop_set_fd_handler(s->loop, fd, client_read, NULL, s, NULL)) {
        client_close(s, false);
        return;
    }
    if (s->ops->attach) {
        s->ops->attach(s->target);
    }
}

GdbStub *gdbstub_new(Loop *loop, const char *spec, const GdbTargetOps *ops, void *target,
                     Error **errp)
{
    if (!spec || !ops || !ops->read_reg || !ops->write_reg || !ops->read_mem ||
        !ops->write_mem || !ops->resume || !ops->interrupt) {
        error_setc(errp, ERR_USAGE, "gdb: missing socket spec or target operations");
        return NULL;
    }
    GdbStub *s = calloc(1, sizeof(*s));
    if (!s) {
        error_setg(errp, "gdb: out of memory");
        return NULL;
    }
    s->loop = loop;
    s->ops = ops;
    s->target = target;
    s->client_fd = -1;
    s->listen_fd = -1;
    s->port = -1;
    s->last_stop.kind = GDB_STOP_STEP_DONE;

    sock_outq_init(&s->out, GDB_MAX_QUEUED);

    /* gdb's own forms ("tcp::1234", "1234", a path); QEMU-style options
     * (",server,nowait") mean nothing here and are ignored. */
    SockSpec ss;
    if (!sock_parse(spec, SOCK_SPEC_SHORTHAND | SOCK_SPEC_NO_OPTIONS, &ss, errp) ||
        (s->listen_fd = sock_listen(&ss, true, &s->port, errp)) < 0) {
        error_prepend(errp, "gdb: ");
        free(s);
        return NULL;
    }
    if (ss.kind == SOCK_KIND_UNIX && !(s->unix_path = strdup(ss.path))) {
        unlink(ss.path);
        error_setg(errp, "gdb: out of memory");
        gdbstub_free(s);
        return NULL;
    }
    if (!loop_set_fd_handler(loop, s->listen_fd, listen_accept, NULL, s, errp)) {
        gdbstub_free(s);
        return NULL;
    }
    return s;
}

void gdbstub_free(GdbStub *s)
{
    if (!s) {
        return;
    }
    client_close(s, false);
    if (s->listen_fd >= 0) {
        loop_set_fd_handler(s->loop, s->listen_fd, NULL, NULL, NULL, NULL);
        close(s->listen_fd);
    }
    if (s->unix_path) {
        unlink(s->unix_path);
        free(s->unix_path);
    }
    sock_outq_free(&s->out);
    free(s);
}

void gdbstub_notify_stop(GdbStub *s, GdbStopReason reason)
{
    s->last_stop = reason;
    if (s->session) {
        gdb_session_notify_stop(s->session, reason);
        if (s->dead && !s->in_input) {
            /* Outside the client's read handler (which closes it itself):
             * the loop looks handlers up again after each call. */
            client_close(s, true);
        }
    }
}

void gdbstub_console(GdbStub *s, const char *text)
{
    if (s->session && !s->dead) {
        gdb_session_console(s->session, text, strlen(text));
    }
}

bool gdbstub_connected(const GdbStub *s)
{
    return s->client_fd >= 0;
}

int gdbstub_port(const GdbStub *s)
{
    return s->port;
}
