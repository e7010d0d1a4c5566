/*
 * The QMP transport: a listening socket and one client, served from
 * main-loop fd handlers, with non-blocking writes and a bounded queue.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

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
    char *out;
    size_t out_len, out_cap;
    bool want_write;
    bool dead;
    bool in_input;
};

static void client_close(Qmp *q);

static bool flush_out(Qmp *q)
{
    size_t done = 0;
    bool ok = true;
    while (done < q->out_len) {
        ssize_t n = send(q->client_fd, q->out + done, q->out_len - done, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            ok = errno == EAGAIN || errno == EWOULDBLOCK;
            break;
        }
        done += (size_t)n;
    }
    memmove(q->out, q->out + done, q->out_len - done);
    q->out_len -= done;
    return ok;
}

static void client_read(void *opaque);
static void client_write(void *opaque);

static void update_handlers(Qmp *q)
{
    q->want_write = q->out_len > 0;
    loop_set_fd_handler(q->loop, q->client_fd, client_read, q->want_write ? client_write : NULL,
                        q, NULL);
}

static void session_write(void *opaque, const char *buf, size_t len)
{
    Qmp *q = opaque;
    if (q->client_fd < 0 || q->dead) {
        return;
    }
    if (len > QMP_MAX_QUEUED - q->out_len) {
        q->dead = true;
        return;
    }
    if (q->out_len + len > q->out_cap) {
        size_t cap = q->out_cap ? q->out_cap : 4096;
        while (cap < q->out_len + len) {
            cap *= 2;
        }
        char *n = realloc(q->out, cap);
        if (!n) {
            q->dead = true;
            return;
        }
        q->out = n;
        q->out_cap = cap;
    }
    memcpy(q->out + q->out_len, buf, len);
    q->out_len += len;
    if (!flush_out(q)) {
        q->dead = true;
        return;
    }
    if (q->out_len && !q->want_write) {
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
    qmp_session_input(q->session, buf, (size_t)n);
    q->in_input = false;
    if (q->dead) {
        client_close(q);
    }
}

static void client_write(void *opaque)
{
    Qmp *q = opaque;
    if (!flush_out(q)) {
        client_close(q);
        return;
    }
    if (!q->out_len) {
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
    q->out_len = 0;
    q->dead = false;
    qmp_session_free(q->session);
    q->session = NULL;
}

static void client_open(Qmp *q, int fd)
{
    q->client_fd = fd;
    q->session = qmp_session_new(q->ops, q->target, session_write, q);  /* sends the greeting */
    if (!q->session || q->dead ||
        !loop_set_fd_handler(q->loop, fd, client_read, q->out_len ? client_write : NULL, q,
                             NULL)) {
        client_close(q);
        return;
    }
    q->want_write = q->out_len > 0;
}

static void listen_accept(void *opaque)
{
    Qmp *q = opaque;
    int fd = accept4(q->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        return;
    }
    if (q->client_fd >= 0) {
        close(fd);  /* one client at a time */
        return;
    }
    client_open(q, fd);
}

/* ---- setup ---- */

static int listen_tcp(const char *host, const char *port, int *bound, Error **errp)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE };
    struct addrinfo *res;
    int rc = getaddrinfo(*host ? host : NULL, port, &hints, &res);
    if (rc != 0) {
        error_setc(errp, ERR_USAGE, "qmp: cannot resolve '%s:%s': %s", host, port,
                   gai_strerror(rc));
        return -1;
    }
    int fd = -1, err = 0;
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
        error_setg_errno(errp, err, "qmp: cannot listen on %s:%s", host, port);
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    *bound = -1;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET) {
            *bound = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            *bound = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        }
    }
    return fd;
}

static int listen_unix(const char *path, Error **errp)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (!*path || strlen(path) >= sizeof(sa.sun_path)) {
        error_setc(errp, ERR_USAGE, "qmp: bad unix socket path '%s'", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
        unlink(path);  /* a stale socket from an earlier run, never a regular file */
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setg_errno(errp, errno, "qmp: socket");
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
        error_setg_errno(errp, errno, "qmp: cannot listen on %s", path);
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

/* Split "kind:addr,opt,opt" and open the listening socket. */
static bool parse_and_listen(Qmp *q, const char *spec, bool *wait, Error **errp)
{
    char *copy = strdup(spec);
    if (!copy) {
        error_setg(errp, "qmp: out of memory");
        return false;
    }
    bool server = false;
    *wait = true;
    bool ok = false;
    char *opts = strchr(copy, ',');
    if (opts) {
        *opts++ = 0;
    }
    for (char *o = opts; o && *o;) {
        char *next = strchr(o, ',');
        if (next) {
            *next++ = 0;
        }
        if (!strcmp(o, "server") || !strcmp(o, "server=on")) {
            server = true;
        } else if (!strcmp(o, "nowait") || !strcmp(o, "wait=off")) {
            *wait = false;
        } else if (!strcmp(o, "wait") || !strcmp(o, "wait=on")) {
            *wait = true;
        } else {
            error_setc(errp, ERR_USAGE, "qmp: unknown option '%s' in '%s'", o, spec);
            goto out;
        }
        o = next;
    }
    if (!server) {
        error_setc(errp, ERR_USAGE, "qmp: '%s' needs the 'server' option (rrsim listens, "
                   "it does not connect)", spec);
        goto out;
    }
    if (!strncmp(copy, "unix:", 5)) {
        q->listen_fd = listen_unix(copy + 5, errp);
        if (q->listen_fd >= 0) {
            q->unix_path = strdup(copy + 5);
        }
    } else if (!strncmp(copy, "tcp:", 4)) {
        char *host = copy + 4;
        char *colon = strrchr(host, ':');
        if (!colon || !all_digits(colon + 1) || atoi(colon + 1) > 65535) {
            error_setc(errp, ERR_USAGE, "qmp: bad address in '%s' (want tcp:HOST:PORT)", spec);
            goto out;
        }
        *colon = 0;
        if (host[0] == '[' && host[strlen(host) - 1] == ']') {
            host[strlen(host) - 1] = 0;
            host++;
        }
        q->listen_fd = listen_tcp(host, colon + 1, &q->port, errp);
    } else {
        error_setc(errp, ERR_USAGE, "qmp: bad spec '%s' (want unix:PATH,server,nowait or "
                   "tcp:HOST:PORT,server,nowait)", spec);
        goto out;
    }
    ok = q->listen_fd >= 0;
out:
    free(copy);
    return ok;
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
    bool wait;
    if (!parse_and_listen(q, spec, &wait, errp) ||
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
    free(q->out);
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
