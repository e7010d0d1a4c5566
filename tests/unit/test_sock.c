/* Tests for sim/base/sock: spec parsing, listening and connecting over TCP
 * and unix sockets, stale-socket replacement, and the bounded output queue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/base/sock.h"

static SockSpec parse_ok(const char *spec, unsigned flags)
{
    SockSpec s;
    Error *err = NULL;
    bool ok = sock_parse(spec, flags, &s, &err);
    if (!ok) {
        fail_msg("'%s' rejected: %s", spec, error_get_message(err));
    }
    assert_null(err);
    return s;
}

/* Must fail with a usage error whose message contains `what`. */
static void parse_bad(const char *spec, unsigned flags, const char *what)
{
    SockSpec s;
    Error *err = NULL;
    if (sock_parse(spec, flags, &s, &err)) {
        fail_msg("'%s' accepted", spec);
    }
    assert_non_null(err);
    assert_int_equal(error_get_class(err), ERR_USAGE);
    if (!strstr(error_get_message(err), what)) {
        fail_msg("'%s': message '%s' lacks '%s'", spec, error_get_message(err), what);
    }
    error_free(err);
}

static void test_parse_good(void **state)
{
    (void)state;
    SockSpec s = parse_ok("tcp:127.0.0.1:1234", 0);
    assert_int_equal(s.kind, SOCK_KIND_TCP);
    assert_string_equal(s.host, "127.0.0.1");
    assert_string_equal(s.port, "1234");
    assert_false(s.server);
    assert_true(s.wait);

    s = parse_ok("tcp::4444,server,nowait", 0);
    assert_string_equal(s.host, "");
    assert_string_equal(s.port, "4444");
    assert_true(s.server);
    assert_false(s.wait);

    s = parse_ok("tcp:[::1]:65535,server=on,wait=off", 0);
    assert_string_equal(s.host, "::1");
    assert_string_equal(s.port, "65535");
    assert_true(s.server);
    assert_false(s.wait);

    /* Later options override earlier ones. */
    s = parse_ok("tcp:h:0,server,server=off,nowait,wait=on", 0);
    assert_false(s.server);
    assert_true(s.wait);
    s = parse_ok("tcp:h:0,nowait,wait", 0);
    assert_true(s.wait);

    s = parse_ok("unix:/tmp/x.sock,server", 0);
    assert_int_equal(s.kind, SOCK_KIND_UNIX);
    assert_string_equal(s.path, "/tmp/x.sock");
    assert_true(s.server);
    assert_true(s.wait);

    /* A path of exactly the maximum length fits. */
    char spec[SOCK_UNIX_PATH_MAX + 16] = "unix:";
    memset(spec + 5, 'p', SOCK_UNIX_PATH_MAX);
    s = parse_ok(spec, 0);
    assert_int_equal(strlen(s.path), SOCK_UNIX_PATH_MAX);

    s = parse_ok("tcp:localhost:00080", 0);
    assert_string_equal(s.port, "00080");
    assert_int_equal(s.port_num, 80);

    /* gdb's forms. */
    unsigned gdb = SOCK_SPEC_SHORTHAND | SOCK_SPEC_NO_OPTIONS;
    s = parse_ok("1234", gdb);
    assert_int_equal(s.kind, SOCK_KIND_TCP);
    assert_string_equal(s.host, "");
    assert_string_equal(s.port, "1234");
    s = parse_ok("tcp:1234", gdb);
    assert_string_equal(s.port, "1234");
    s = parse_ok("tcp::1234,server,nowait", gdb);
    assert_string_equal(s.port, "1234");
    assert_false(s.server);             /* known options, and ignored */
    assert_true(s.wait);
    {
        SockSpec bad;
        Error *err = NULL;
        assert_false(sock_parse("tcp::1234,server,whatever", gdb, &bad, &err));
        assert_int_equal(error_get_class(err), ERR_USAGE);
        error_free(err);
    }
    s = parse_ok("tcp:localhost:1", gdb);
    assert_string_equal(s.host, "localhost");
    s = parse_ok("/tmp/gdb.sock,server", gdb);
    assert_int_equal(s.kind, SOCK_KIND_UNIX);
    assert_string_equal(s.path, "/tmp/gdb.sock");
    s = parse_ok("unix:rel.sock", gdb);
    assert_string_equal(s.path, "rel.sock");
}

static void test_parse_bad(void **state)
{
    (void)state;
    parse_bad("tcp:nohostport", 0, "bad address in 'tcp:nohostport'");
    parse_bad("tcp:1234", 0, "want tcp:HOST:PORT");
    parse_bad("tcp:", 0, "bad address");
    parse_bad("tcp:host:", 0, "bad address");
    parse_bad("tcp:localhost:http", 0, "bad address");
    parse_bad("tcp::12a", 0, "bad address");
    parse_bad("tcp::-1", 0, "bad address");
    parse_bad("tcp::65536", 0, "out of range");
    parse_bad("tcp::99999999999999999999", 0, "out of range");
    parse_bad("tcp::1,frobnicate", 0, "unknown socket option 'frobnicate'");
    parse_bad("tcp::1,,server", 0, "unknown socket option ''");
    parse_bad("unix:/tmp/x,server,nowait,bogus", 0, "unknown socket option 'bogus'");
    parse_bad("unix:", 0, "empty or too long");
    parse_bad("unix:,server,nowait", 0, "empty or too long");
    char spec[SOCK_UNIX_PATH_MAX + 16] = "unix:";
    memset(spec + 5, 'p', SOCK_UNIX_PATH_MAX + 1);
    parse_bad(spec, 0, "empty or too long");
    parse_bad("file:/x,server,nowait", 0, "bad socket spec 'file:/x,server,nowait'");
    parse_bad("", 0, "bad socket spec");
    parse_bad("1234", 0, "bad socket spec");
    parse_bad("/tmp/x", 0, "bad socket spec");

    unsigned gdb = SOCK_SPEC_SHORTHAND | SOCK_SPEC_NO_OPTIONS;
    parse_bad("tcp:localhost:http", gdb, "want tcp::PORT");
    parse_bad("tcp::99999", gdb, "out of range");
    parse_bad("bogus", gdb, "bad socket spec 'bogus'");
    parse_bad("tcp:", gdb, "bad socket spec");
    parse_bad("unix:", gdb, "empty or too long");
    parse_bad("", gdb, "bad socket spec");
}

static bool has_fd_flag(int fd, int get, int flag)
{
    int v = fcntl(fd, get);
    assert_true(v >= 0);
    return (v & flag) != 0;
}

/* Connected pair from a listener: a short message goes each way. */
static void exchange(int listen_fd, int client)
{
    int server = accept(listen_fd, NULL, NULL);
    assert_true(server >= 0);
    assert_int_equal(send(client, "ping", 4, 0), 4);
    char buf[8] = { 0 };
    assert_int_equal(recv(server, buf, sizeof(buf), 0), 4);
    assert_string_equal(buf, "ping");
    assert_int_equal(send(server, "pong", 4, 0), 4);
    memset(buf, 0, sizeof(buf));
    assert_int_equal(recv(client, buf, sizeof(buf), 0), 4);
    assert_string_equal(buf, "pong");
    close(server);
}

static void test_tcp_loopback(void **state)
{
    (void)state;
    SockSpec s = parse_ok("tcp:127.0.0.1:0,server", 0);
    Error *err = NULL;
    int port = 0;
    int lfd = sock_listen(&s, true, &port, &err);
    assert_null(err);
    assert_true(lfd >= 0);
    assert_true(port > 0 && port <= 65535);
    assert_true(has_fd_flag(lfd, F_GETFL, O_NONBLOCK));
    assert_true(has_fd_flag(lfd, F_GETFD, FD_CLOEXEC));

    char spec[64];
    snprintf(spec, sizeof(spec), "tcp:127.0.0.1:%d", port);
    SockSpec c = parse_ok(spec, 0);
    int cfd = sock_connect(&c, &err);
    assert_null(err);
    assert_true(cfd >= 0);
    assert_false(has_fd_flag(cfd, F_GETFL, O_NONBLOCK));
    assert_true(has_fd_flag(cfd, F_GETFD, FD_CLOEXEC));
    exchange(lfd, cfd);
    close(cfd);

    /* SO_REUSEADDR: the same port can be bound again at once, even with a
     * just-closed connection on it. */
    close(lfd);
    SockSpec again = parse_ok(spec, 0);
    int bound = 0;
    lfd = sock_listen(&again, false, &bound, &err);
    assert_null(err);
    assert_true(lfd >= 0);
    assert_int_equal(bound, port);
    assert_false(has_fd_flag(lfd, F_GETFL, O_NONBLOCK));
    close(lfd);

    /* Nobody listening any more: a host error, not a usage error. */
    cfd = sock_connect(&c, &err);
    assert_int_equal(cfd, -1);
    assert_non_null(err);
    assert_int_equal(error_get_class(err), ERR_IO);
    assert_non_null(strstr(error_get_message(err), "cannot connect to 127.0.0.1:"));
    error_free(err);
    err = NULL;

    /* An unresolvable host is the user's mistake. */
    SockSpec bad = parse_ok("tcp:no-such-host.invalid:1", 0);
    assert_int_equal(sock_connect(&bad, &err), -1);
    assert_int_equal(error_get_class(err), ERR_USAGE);
    error_free(err);
}

typedef struct TmpDir {
    char dir[64];
    char sock[128];
    char file[128];
} TmpDir;

static int tmp_setup(void **state)
{
    TmpDir *t = calloc(1, sizeof(*t));
    snprintf(t->dir, sizeof(t->dir), "/tmp/rrsim-sock-XXXXXX");
    if (!t || !mkdtemp(t->dir)) {
        return -1;
    }
    snprintf(t->sock, sizeof(t->sock), "%s/s", t->dir);
    snprintf(t->file, sizeof(t->file), "%s/f", t->dir);
    *state = t;
    return 0;
}

static int tmp_teardown(void **state)
{
    TmpDir *t = *state;
    unlink(t->sock);
    unlink(t->file);
    rmdir(t->dir);
    free(t);
    return 0;
}

static void test_unix_listen_connect(void **state)
{
    TmpDir *t = *state;
    char spec[160];
    snprintf(spec, sizeof(spec), "unix:%s,server,nowait", t->sock);
    SockSpec s = parse_ok(spec, 0);
    Error *err = NULL;
    int port = 0;
    int lfd = sock_listen(&s, true, &port, &err);
    assert_null(err);
    assert_true(lfd >= 0);
    assert_int_equal(port, -1);

    SockSpec c = s;
    c.server = false;
    int cfd = sock_connect(&c, &err);
    assert_null(err);
    assert_true(cfd >= 0);
    exchange(lfd, cfd);
    close(cfd);
    close(lfd);

    /* The file of a closed listener is a stale socket: replaced. */
    struct stat st;
    assert_int_equal(lstat(t->sock, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    lfd = sock_listen(&s, false, NULL, &err);
    assert_null(err);
    assert_true(lfd >= 0);
    cfd = sock_connect(&c, &err);
    assert_true(cfd >= 0);
    exchange(lfd, cfd);
    close(cfd);
    close(lfd);
    unlink(t->sock);

    /* No socket file: connecting fails cleanly. */
    assert_int_equal(sock_connect(&c, &err), -1);
    assert_int_equal(error_get_class(err), ERR_IO);
    error_free(err);
}

static void test_unix_regular_file_kept(void **state)
{
    TmpDir *t = *state;
    FILE *f = fopen(t->file, "w");
    assert_non_null(f);
    fputs("precious", f);
    fclose(f);

    char spec[160];
    snprintf(spec, sizeof(spec), "unix:%s,server", t->file);
    SockSpec s = parse_ok(spec, 0);
    Error *err = NULL;
    assert_int_equal(sock_listen(&s, true, NULL, &err), -1);
    assert_non_null(err);
    assert_int_equal(error_get_class(err), ERR_IO);
    assert_non_null(strstr(error_get_message(err), "not a socket"));
    error_free(err);
    err = NULL;

    /* Still there, still a regular file, contents intact. */
    struct stat st;
    assert_int_equal(lstat(t->file, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    char buf[16] = { 0 };
    f = fopen(t->file, "r");
    assert_non_null(f);
    assert_int_equal(fread(buf, 1, sizeof(buf), f), 8);
    fclose(f);
    assert_string_equal(buf, "precious");

    /* A symlink is not a socket either: left alone too. */
    char link[96];
    snprintf(link, sizeof(link), "%s/l", t->dir);
    assert_int_equal(symlink(t->sock, link), 0);
    snprintf(spec, sizeof(spec), "unix:%s,server", link);
    s = parse_ok(spec, 0);
    assert_int_equal(sock_listen(&s, true, NULL, &err), -1);
    assert_int_equal(error_get_class(err), ERR_IO);
    error_free(err);
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    unlink(link);
}

static void test_outq_cap(void **state)
{
    (void)state;
    SockOutQueue q;
    sock_outq_init(&q, 10);
    assert_int_equal(sock_outq_pending(&q), 0);
    assert_true(sock_outq_push(&q, "abcdef", 6));
    assert_false(sock_outq_push(&q, "ghijk", 5));    /* 11 > 10: refused whole */
    assert_int_equal(sock_outq_pending(&q), 6);
    assert_true(sock_outq_push(&q, "ghij", 4));      /* exactly the cap */
    assert_int_equal(sock_outq_pending(&q), 10);
    assert_false(sock_outq_push(&q, "k", 1));
    assert_true(sock_outq_push(&q, "", 0));
    assert_memory_equal(q.buf, "abcdefghij", 10);
    sock_outq_clear(&q);
    assert_int_equal(sock_outq_pending(&q), 0);
    assert_true(sock_outq_push(&q, "0123456789", 10));
    sock_outq_free(&q);
    assert_int_equal(sock_outq_pending(&q), 0);
    sock_outq_free(&q);                              /* twice is harmless */
}

static void test_outq_partial_flush(void **state)
{
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    int small = 4096;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));

    enum { TOTAL = 1 << 20 };
    uint8_t *data = malloc(TOTAL), *got = malloc(TOTAL);
    assert_non_null(data);
    assert_non_null(got);
    for (size_t i = 0; i < TOTAL; i++) {
        data[i] = (uint8_t)(i * 7 + (i >> 9));
    }
    SockOutQueue q;
    sock_outq_init(&q, 2 * TOTAL);
    /* Pushed in two halves so the order across pushes is checked too. */
    assert_true(sock_outq_push(&q, data, TOTAL / 2));
    assert_true(sock_outq_push(&q, data + TOTAL / 2, TOTAL / 2));
    assert_true(sock_outq_flush(&q, sv[0]));
    size_t left = sock_outq_pending(&q);
    assert_true(left > 0 && left < TOTAL);           /* the peer took some, not all */

    size_t ngot = 0;
    int rounds = 0;
    while (ngot < TOTAL) {
        assert_true(++rounds < 100000);
        ssize_t n = recv(sv[1], got + ngot, TOTAL - ngot, 0);
        if (n > 0) {
            ngot += (size_t)n;
        } else {
            assert_true(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
        }
        assert_true(sock_outq_flush(&q, sv[0]));
        assert_int_equal(sock_outq_pending(&q) + ngot <= TOTAL, 1);
    }
    assert_int_equal(sock_outq_pending(&q), 0);
    assert_memory_equal(got, data, TOTAL);

    /* The peer is gone: a hard error, reported, never SIGPIPE. */
    close(sv[1]);
    assert_true(sock_outq_push(&q, "x", 1));
    assert_false(sock_outq_flush(&q, sv[0]));
    assert_int_equal(sock_outq_pending(&q), 1);

    sock_outq_free(&q);
    close(sv[0]);
    free(data);
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_parse_bad),
        cmocka_unit_test(test_tcp_loopback),
        cmocka_unit_test_setup_teardown(test_unix_listen_connect, tmp_setup, tmp_teardown),
        cmocka_unit_test_setup_teardown(test_unix_regular_file_kept, tmp_setup, tmp_teardown),
        cmocka_unit_test(test_outq_cap),
        cmocka_unit_test(test_outq_partial_flush),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
