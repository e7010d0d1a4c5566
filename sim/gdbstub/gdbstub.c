/*
 * The gdbstub transport: a listening socket and one client, served from
 * main-loop fd handlers. Output is written without blocking; what the
 * client does not take at once waits in a bounded queue flushed by a write
 * handler.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

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
    uint8_t *out;
    size_t out_len, out_cap;
    bool want_write;
    bool dead;      /* the client failed; close once back in an fd handler */
    bool in_input;  /* inside gdb_session_input(): the session must survive */
};

static void client_close(GdbStub *s, bool detach);

static void update_handlers(GdbStub *s);

static bool flush_out(GdbStub *s)
{
    size_t done = 0;
    while (done < s->out_len) {
        ssize_t n = send(s->client_fd, s->out + done, s->out_len - done, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                break;
            }
            memmove(s->out, s->out + done, s->out_len - done);
            s->out_len -= done;
            return false;
        }
        done += (size_t)n;
    }
    memmove(s->out, s->out + done, s->out_len - done);
    s->out_len -= done;
    return true;
}

static void session_write(void *opaque, const uint8_t *buf, size_t len)
{
    GdbStub *s = opaque;
    if (s->client_fd < 0 || s->dead) {
        return;
    }
    if (len > GDB_MAX_QUEUED - s->out_len) {
        s->dead = true;
        return;
    }
    if (s->out_len + len > s->out_cap) {
        size_t cap = s->out_cap ? s->out_cap : 4096;
        while (cap < s->out_len + len) {
            cap *= 2;
        }
        uint8_t *n = realloc(s->out, cap);
        if (!n) {
            s->dead = true;
            return;
        }
        s->out = n;
        s->out_cap = cap;
    }
    memcpy(s->out + s->out_len, buf, len);
    s->out_len += len;
    if (!flush_out(s)) {
        s->dead = true;
        return;
    }
    if (s->out_len && !s->want_write) {
        update_handlers(s);
    }
}

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
    bool alive = gdb_session_input(s->session, buf, (size_t)n);
    s->in_input = false;
    if (s->dead) {
        client_close(s, true);
    } else if (!alive) {
        /* 'D' or 'k': the session already told the target. */
        flush_out(s);
        client_close(s, false);
    }
}

static void client_write(void *opaque)
{
    GdbStub *s = opaque;
    if (!flush_out(s)) {
        client_close(s, true);
        return;
    }
    if (!s->out_len) {
        update_handlers(s);
    }
}

static void update_handlers(GdbStub *s)
{
    s->want_write = s->out_len > 0;
    loop_set_fd_handler(s->loop, s->client_fd, client_read, s->want_write ? client_write : NULL,
                        s, NULL);
}

static void client_close(GdbStub *s, bool detach)
{
    if (s->client_fd < 0) {
        return;
    }
    loop_set_fd_handler(s->loop, s->client_fd, NULL, NULL, NULL, NULL);
    close(s->client_fd);
    s->client_fd = -1;
    s->out_len = 0;
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

/* ---- socket setup ---- */

static int listen_tcp(const char *host, const char *port, int *bound_port, Error **errp)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE };
    struct addrinfo *res;
    int rc = getaddrinfo(host && *host ? host : NULL, port, &hints, &res);
    if (rc != 0) {
        error_setc(errp, ERR_USAGE, "gdb: cannot resolve '%s:%s': %s", host ? host : "", port,
                   gai_strerror(rc));
        return -1;
    }
    int err = 0;
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0) {
            break;
        }
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        error_setg_errno(errp, err, "gdb: cannot listen on %s:%s", host ? host : "", port);
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    *bound_port = -1;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET) {
            *bound_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            *bound_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        }
    }
    return fd;
}

static int listen_unix(const char *path, Error **errp)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (!*path || strlen(path) >= sizeof(sa.sun_path)) {
        error_setc(errp, ERR_USAGE, "gdb: bad unix socket path '%s'", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    struct stat st;
    /* Replace a stale socket from an earlier run, never a regular file. */
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unlink(path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setg_errno(errp, errno, "gdb: socket");
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
        error_setg_errno(errp, errno, "gdb: cannot listen on %s", path);
        close(fd);
        return -1;
    }
    return fd;
}

static bool all_digits(const char *s)
{
    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9') {
            return false;
        }
    }
    return true;
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

    char *copy = strdup(spec);
    if (!copy) {
        free(s);
        error_setg(errp, "gdb: out of memory");
        return NULL;
    }
    if (strncmp(copy, "unix:", 5) == 0 || (strchr(copy, '/') && strncmp(copy, "tcp:", 4) != 0)) {
        const char *path = strncmp(copy, "unix:", 5) == 0 ? copy + 5 : copy;
        /* QEMU-style options (",server,nowait") mean nothing here. */
        char *comma = strchr(copy, ',');
        if (comma) {
            *comma = 0;
        }
        s->listen_fd = listen_unix(path, errp);
        if (s->listen_fd >= 0) {
            s->unix_path = strdup(path);
        }
    } else {
        char *comma = strchr(copy, ',');
        if (comma) {
            *comma = 0;
        }
        char *host = NULL, *port = copy;
        if (strncmp(copy, "tcp:", 4) == 0) {
            host = copy + 4;
            char *colon = strrchr(host, ':');
            if (!colon) {
                port = host;
                host = NULL;
            } else {
                *colon = 0;
                port = colon + 1;
            }
            /* "[::1]:1234" */
            if (host && host[0] == '[' && host[strlen(host) - 1] == ']') {
                host[strlen(host) - 1] = 0;
                host++;
            }
        }
        if (!all_digits(port) || atoi(port) > 65535) {
            error_setc(errp, ERR_USAGE, "gdb: bad socket spec '%s' (want tcp::PORT, "
                       "tcp:HOST:PORT or a unix socket path)", spec);
        } else {
            s->listen_fd = listen_tcp(host, port, &s->port, errp);
        }
    }
    free(copy);
    if (s->listen_fd < 0) {
        free(s->unix_path);
        free(s);
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
    free(s->out);
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

bool gdbstub_connected(const GdbStub *s)
{
    return s->client_fd >= 0;
}

int gdbstub_port(const GdbStub *s)
{
    return s->port;
}
