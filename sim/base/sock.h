/*
 * sock: host stream sockets for the front ends that talk to the outside
 * world (serial chardev, gdbstub, QMP).
 *
 * It parses QEMU-style socket specs ("tcp:HOST:PORT,server,nowait",
 * "unix:PATH,server"), opens listening or connected sockets from them, and
 * provides the bounded output queue a non-blocking server uses so that a
 * client which stops reading can never make the simulator block or grow
 * without limit. Nothing here touches guest-visible state or the main loop;
 * callers install their own fd handlers and add their own context to errors
 * with error_prepend() ("gdb: ", "qmp: ").
 */
#ifndef RRSIM_SIM_BASE_SOCK_H
#define RRSIM_SIM_BASE_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/base/error.h"

typedef enum SockKind {
    SOCK_KIND_TCP,
    SOCK_KIND_UNIX,
} SockKind;

/* Longest unix socket path, without its NUL (sizeof sockaddr_un.sun_path - 1 on Linux). */
#define SOCK_UNIX_PATH_MAX 107

/* A parsed socket spec. Fixed-size fields: nothing to free. */
typedef struct SockSpec {
    SockKind kind;
    char host[256];       /* TCP: "" means every local address (server) or loopback (client);
                           * IPv6 brackets already removed */
    char port[32];        /* TCP: decimal 0..65535 (0: any free port, see sock_listen) */
    uint16_t port_num;    /* TCP: the same as a number */
    char path[SOCK_UNIX_PATH_MAX + 1];  /* UNIX: non-empty */
    bool server;          /* "server", "server=on"; default false */
    bool wait;            /* server waits for a client at startup: default true,
                           * "nowait"/"wait=off" clear it */
} SockSpec;

/* Flags for sock_parse(). */
enum {
    /* Also accept gdb's short forms: a bare port number ("1234"), "tcp:PORT",
     * and a path containing '/' without the "unix:" prefix. */
    SOCK_SPEC_SHORTHAND = 1u << 0,
    /* The socket is always a server that does not wait: the options after
     * the first ',' (QEMU's spelling: "tcp::1234,server,nowait") are checked
     * for being known ones, and otherwise ignored. */
    SOCK_SPEC_NO_OPTIONS = 1u << 1,
};

/**
 * Parse "tcp:HOST:PORT[,opt...]" or "unix:PATH[,opt...]".
 * Options: server, server=on, server=off, nowait, wait, wait=on, wait=off.
 * HOST may be empty ("tcp::1234") or bracketed IPv6 ("tcp:[::1]:1234").
 * PORT is always a decimal number 0..65535, never a service name: this one
 * parser serves every socket option (-serial, -gdb, -qmp), so a port out of
 * range is refused everywhere rather than handed to getaddrinfo(), which
 * would wrap it. Port 0 (any free port) is for tests; the command line
 * refuses it.
 * @param[in] spec   the text from the command line
 * @param[in] flags  SOCK_SPEC_* bits
 * @param[out] out   filled on success; unspecified on failure
 * @return true on success; false with an ERR_USAGE error that quotes @spec.
 */
bool sock_parse(const char *spec, unsigned flags, SockSpec *out, Error **errp);

/**
 * Open a listening socket (backlog 1, SO_REUSEADDR, close-on-exec) for @spec,
 * trying each address getaddrinfo() gives until one binds.
 * For a unix socket, an existing file at the path is removed first only if it
 * is a socket (a stale one from an earlier run); any other file is an error
 * and left alone. The caller unlinks the path when it is done with it.
 * @param[in] nonblock   make the listening socket O_NONBLOCK
 * @param[out] bound_port  if not NULL: the TCP port actually bound (useful
 *                         with port 0), or -1 for a unix socket
 * @return the fd, or -1 with ERR_USAGE (unresolvable host) or ERR_IO.
 */
int sock_listen(const SockSpec *spec, bool nonblock, int *bound_port, Error **errp);

/**
 * Connect to @spec (blocking, close-on-exec), trying each address in turn.
 * @return the fd, or -1 with ERR_USAGE (unresolvable host) or ERR_IO.
 */
int sock_connect(const SockSpec *spec, Error **errp);

/* Has the peer of connected socket fd gone (its close is all that is left
 * to read, or the socket failed)? A listener serving one client at a time
 * may then take a new connection before the old one's end was processed. */
bool sock_peer_gone(int fd);

/*
 * Bytes waiting to go to one non-blocking client. Embed it in the owner's
 * state, zero-initialised, and call sock_outq_init() before use.
 */
typedef struct SockOutQueue {
    uint8_t *buf;
    size_t len, cap;
    size_t max;       /* most bytes ever queued; past it the client is given up on */
} SockOutQueue;

void sock_outq_init(SockOutQueue *q, size_t max);

/**
 * Append @len bytes.
 * @return false if that would exceed the cap (or memory ran out); the queue
 *         is then unchanged and the caller should drop the client.
 */
bool sock_outq_push(SockOutQueue *q, const void *data, size_t len);

/**
 * Send as much as @fd takes now (send() with MSG_NOSIGNAL); what it does not
 * take (EAGAIN) stays queued, in order.
 * @return false on a hard send error (the peer is gone); bytes already sent
 *         are removed either way.
 */
bool sock_outq_flush(SockOutQueue *q, int fd);

/* Bytes still queued: a caller polls for writability while this is non-zero. */
size_t sock_outq_pending(const SockOutQueue *q);

/* Drop everything queued (the client went away); keeps the buffer. */
void sock_outq_clear(SockOutQueue *q);

/* Release the buffer; the queue is empty and reusable after sock_outq_init(). */
void sock_outq_free(SockOutQueue *q);

#endif
