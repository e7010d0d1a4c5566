/* sock: see sock.h. */
#include "sim/base/sock.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

_Static_assert(sizeof(((struct sockaddr_un *)0)->sun_path) == SOCK_UNIX_PATH_MAX + 1,
               "SOCK_UNIX_PATH_MAX must match sockaddr_un");

/* ---- spec parsing ---- */

static bool opt_is(const char *opt, size_t len, const char *name)
{
    return len == strlen(name) && !memcmp(opt, name, len);
}

static bool parse_options(const char *spec, const char *opts, SockSpec *out, Error **errp)
{
    while (opts && *opts) {
        const char *end = strchr(opts, ',');
        size_t len = end ? (size_t)(end - opts) : strlen(opts);
        if (opt_is(opts, len, "server") || opt_is(opts, len, "server=on")) {
            out->server = true;
        } else if (opt_is(opts, len, "server=off")) {
            out->server = false;
        } else if (opt_is(opts, len, "nowait") || opt_is(opts, len, "wait=off")) {
            out->wait = false;
        } else if (opt_is(opts, len, "wait") || opt_is(opts, len, "wait=on")) {
            out->wait = true;
        } else {
            error_setc(errp, ERR_USAGE, "unknown socket option '%.*s' in '%s'", (int)len, opts,
                       spec);
            return false;
        }
        opts = end ? end + 1 : NULL;
    }
    return true;
}

static void bad_address(const char *spec, unsigned flags, Error **errp)
{
    if (flags & SOCK_SPEC_SHORTHAND) {
        error_setc(errp, ERR_USAGE, "bad socket spec '%s' (want tcp::PORT, tcp:HOST:PORT or a "
                   "unix socket path)", spec);
    } else {
        error_setc(errp, ERR_USAGE, "bad address in '%s' (want tcp:HOST:PORT)", spec);
    }
}

/* hp: the "HOST:PORT" part, n bytes long, not NUL-terminated. */
static bool parse_tcp(const char *spec, const char *hp, size_t n, unsigned flags, SockSpec *out,
                      Error **errp)
{
    const char *colon = NULL;
    for (size_t i = 0; i < n; i++) {
        if (hp[i] == ':') {
            colon = hp + i;
        }
    }
    const char *host = hp, *port;
    size_t host_len, port_len;
    if (colon) {
        host_len = (size_t)(colon - hp);
        port = colon + 1;
        port_len = n - host_len - 1;
    } else if (flags & SOCK_SPEC_SHORTHAND) {
        host_len = 0;   /* "1234" or "tcp:1234" */
        port = hp;
        port_len = n;
    } else {
        bad_address(spec, flags, errp);
        return false;
    }
    if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') {
        host++;
        host_len -= 2;
    }
    if (port_len == 0 || host_len >= sizeof(out->host) || port_len >= sizeof(out->port)) {
        bad_address(spec, flags, errp);
        return false;
    }
    unsigned long v = 0;
    for (size_t i = 0; i < port_len; i++) {
        if (port[i] < '0' || port[i] > '9') {
            bad_address(spec, flags, errp);
            return false;
        }
        v = v * 10 + (unsigned long)(port[i] - '0');
        if (v > 65535) {
            error_setc(errp, ERR_USAGE, "port in '%s' is out of range (1 to 65535)", spec);
            return false;
        }
    }
    out->port_num = (uint16_t)v;
    out->kind = SOCK_KIND_TCP;
    memcpy(out->host, host, host_len);
    memcpy(out->port, port, port_len);
    return true;
}

bool sock_parse(const char *spec, unsigned flags, SockSpec *out, Error **errp)
{
    memset(out, 0, sizeof(*out));
    out->wait = true;
    const char *comma = strchr(spec, ',');
    size_t len = comma ? (size_t)(comma - spec) : strlen(spec);
    if (!parse_options(spec, comma ? comma + 1 : NULL, out, errp)) {
        return false;
    }
    if (flags & SOCK_SPEC_NO_OPTIONS) {
        out->server = false;
        out->wait = true;
    }
    const char *path = NULL;
    size_t path_len = 0;
    if (len >= 4 && !strncmp(spec, "tcp:", 4)) {
        return parse_tcp(spec, spec + 4, len - 4, flags, out, errp);
    } else if (len >= 5 && !strncmp(spec, "unix:", 5)) {
        path = spec + 5;
        path_len = len - 5;
    } else if ((flags & SOCK_SPEC_SHORTHAND) && memchr(spec, '/', len)) {
        path = spec;
        path_len = len;
    } else if (flags & SOCK_SPEC_SHORTHAND) {
        return parse_tcp(spec, spec, len, flags, out, errp);
    } else {
        error_setc(errp, ERR_USAGE, "bad socket spec '%s' (want tcp:HOST:PORT[,server][,nowait] "
                   "or unix:PATH[,server][,nowait])", spec);
        return false;
    }
    if (path_len == 0 || path_len > SOCK_UNIX_PATH_MAX) {
        error_setc(errp, ERR_USAGE, "unix socket path in '%s' is empty or too long (at most %d "
                   "bytes)", spec, SOCK_UNIX_PATH_MAX);
        return false;
    }
    out->kind = SOCK_KIND_UNIX;
    memcpy(out->path, path, path_len);
    return true;
}

/* ---- opening sockets ---- */

/* "host:port" for messages, bracketing IPv6 literals. */
static void tcp_name(const SockSpec *s, char *buf, size_t n)
{
    snprintf(buf, n, strchr(s->host, ':') ? "[%s]:%s" : "%s:%s", s->host, s->port);
}

static int tcp_open(const SockSpec *s, bool server, bool nonblock, Error **errp)
{
    char name[sizeof(s->host) + sizeof(s->port) + 4];
    tcp_name(s, name, sizeof(name));
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = server ? AI_PASSIVE : 0 };
    struct addrinfo *res = NULL;
    /* No host: every local address for a server, loopback for a client. */
    int rc = getaddrinfo(s->host[0] ? s->host : NULL, s->port, &hints, &res);
    if (rc != 0) {
        error_setc(errp, ERR_USAGE, "cannot resolve '%s': %s", name, gai_strerror(rc));
        return -1;
    }
    int fd = -1, err = EADDRNOTAVAIL;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0),
                    ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (server) {
            int one = 1;
            /* Rebinding right after an earlier run must not wait out TIME_WAIT. */
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
            if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0) {
                break;
            }
        } else if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            break;
        }
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        error_setg_errno(errp, err, "cannot %s %s", server ? "listen on" : "connect to", name);
    }
    return fd;
}

static int unix_open(const SockSpec *s, bool server, bool nonblock, Error **errp)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    memcpy(sa.sun_path, s->path, strlen(s->path));   /* sock_parse checked the length */
    if (server) {
        struct stat st;
        /* Replace a stale socket from an earlier run, as QEMU does, but
         * never delete a file that is something else. */
        if (lstat(s->path, &st) == 0) {
            if (!S_ISSOCK(st.st_mode)) {
                error_setc(errp, ERR_IO, "cannot listen on %s: the file exists and is not a "
                           "socket", s->path);
                return -1;
            }
            unlink(s->path);
        }
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0) {
        error_setg_errno(errp, errno, "cannot create a socket for %s", s->path);
        return -1;
    }
    bool bound = false;
    int rc;
    if (server) {
        rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
        bound = rc == 0;
        rc = bound ? listen(fd, 1) : rc;
    } else {
        rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    }
    if (rc != 0) {
        int err = errno;
        close(fd);
        if (bound) {
            unlink(s->path);   /* our own socket file, useless without a listener */
        }
        error_setg_errno(errp, err, "cannot %s %s", server ? "listen on" : "connect to", s->path);
        return -1;
    }
    return fd;
}

int sock_listen(const SockSpec *spec, bool nonblock, int *bound_port, Error **errp)
{
    if (bound_port) {
        *bound_port = -1;
    }
    if (spec->kind == SOCK_KIND_UNIX) {
        return unix_open(spec, true, nonblock, errp);
    }
    int fd = tcp_open(spec, true, nonblock, errp);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    if (fd >= 0 && bound_port && getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET) {
            *bound_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            *bound_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        }
    }
    return fd;
}

int sock_connect(const SockSpec *spec, Error **errp)
{
    return spec->kind == SOCK_KIND_UNIX ? unix_open(spec, false, false, errp)
                                        : tcp_open(spec, false, false, errp);
}

/* ---- output queue ---- */

void sock_outq_init(SockOutQueue *q, size_t max)
{
    *q = (SockOutQueue){ .max = max };
}

bool sock_outq_push(SockOutQueue *q, const void *data, size_t len)
{
    if (len > q->max - q->len) {
        return false;
    }
    if (q->len + len > q->cap) {
        size_t cap = q->cap ? q->cap : 4096;
        while (cap < q->len + len) {
            cap *= 2;
        }
        uint8_t *n = realloc(q->buf, cap);
        if (!n) {
            return false;
        }
        q->buf = n;
        q->cap = cap;
    }
    if (len) {
        memcpy(q->buf + q->len, data, len);
        q->len += len;
    }
    return true;
}

bool sock_outq_flush(SockOutQueue *q, int fd)
{
    size_t done = 0;
    bool ok = true;
    while (done < q->len) {
        ssize_t n = send(fd, q->buf + done, q->len - done, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            ok = errno == EAGAIN || errno == EWOULDBLOCK;
            break;
        }
        done += (size_t)n;
    }
    if (done) {
        memmove(q->buf, q->buf + done, q->len - done);
        q->len -= done;
    }
    return ok;
}

size_t sock_outq_pending(const SockOutQueue *q)
{
    return q->len;
}

void sock_outq_clear(SockOutQueue *q)
{
    q->len = 0;
}

void sock_outq_free(SockOutQueue *q)
{
    free(q->buf);
    q->buf = NULL;
    q->len = q->cap = 0;
}

bool sock_peer_gone(int fd)
{
    char c;
    ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}
