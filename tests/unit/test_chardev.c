/* Tests for sim/chardev: backends, the input hook, flow control by can_receive. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sim/chardev/chardev.h"

typedef struct Front {
    size_t room;
    uint8_t got[64];
    size_t ngot;
    int hook_calls;
    CharBackend *be;
} Front;

static size_t fe_can(void *opaque)
{
    return ((Front *)opaque)->room;
}

static void fe_rx(void *opaque, const uint8_t *buf, size_t len)
{
    Front *f = opaque;
    assert_true(len <= f->room);
    memcpy(f->got + f->ngot, buf, len);
    f->ngot += len;
    f->room -= len;
}

/* The machine's gate in miniature: pass straight to the frontend. */
static void hook(void *opaque, CharBackend *be, const uint8_t *buf, size_t len)
{
    Front *f = opaque;
    f->hook_calls++;
    chardev_deliver(be, buf, len);
}

static void tmp(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "/tmp/rrsim-chr-%d-%s", (int)getpid(), name);
}

static void test_bad_specs(void **state)
{
    Loop *loop = loop_new(NULL);
    const char *bad[] = { "bogus", "file:", "tcp:nohostport", "tcp:127.0.0.1:0,frobnicate",
                          "vc", NULL };
    for (int i = 0; bad[i]; i++) {
        Error *err = NULL;
        assert_null(chardev_new(loop, bad[i], &err));
        assert_int_equal(error_get_class(err), ERR_USAGE);
        error_free(err);
    }
    Error *err = NULL;
    assert_null(chardev_new(loop, "file:/nonexistent-dir/x", &err));
    assert_int_equal(error_get_class(err), ERR_IO);
    error_free(err);
    loop_free(loop);
}

static void test_file_and_null(void **state)
{
    Loop *loop = loop_new(NULL);
    char path[128], spec[140];
    tmp(path, sizeof(path), "out");
    snprintf(spec, sizeof(spec), "file:%s", path);
    CharBackend *be = chardev_new(loop, spec, NULL);
    assert_non_null(be);
    assert_false(chardev_input_possible(be));
    assert_int_equal(chardev_write(be, (const uint8_t *)"hello", 5), 5);
    chardev_free(be);
    FILE *f = fopen(path, "rb");
    char buf[16] = { 0 };
    assert_int_equal(fread(buf, 1, sizeof(buf), f), 5);
    fclose(f);
    assert_string_equal(buf, "hello");
    unlink(path);

    be = chardev_new(loop, "null", NULL);
    assert_int_equal(chardev_write(be, (const uint8_t *)"x", 1), 1);
    assert_false(chardev_input_possible(be));
    chardev_free(be);
    loop_free(loop);
}

static void test_pipe_input_respects_can_receive(void **state)
{
    Loop *loop = loop_new(NULL);
    char path[128], spec[140];
    tmp(path, sizeof(path), "fifo");
    unlink(path);
    assert_int_equal(mkfifo(path, 0600), 0);
    snprintf(spec, sizeof(spec), "pipe:%s", path);
    CharBackend *be = chardev_new(loop, spec, NULL);
    assert_non_null(be);
    Front fe = { .room = 3 };
    chardev_set_frontend(be, fe_can, fe_rx, &fe);
    chardev_set_input_hook(be, hook, &fe);

    FILE *w = fopen(path, "wb");   /* the backend holds it O_RDWR, so this does not block */
    assert_non_null(w);
    fputs("abcdefg", w);
    fflush(w);

    main_loop_wait(loop, true, NULL);
    assert_int_equal(fe.ngot, 3);                 /* only what the frontend can take */
    assert_memory_equal(fe.got, "abc", 3);
    assert_int_equal(fe.hook_calls, 1);
    /* Full: the fd is not polled at all, so nothing more is read. */
    main_loop_wait(loop, true, NULL);
    assert_int_equal(fe.ngot, 3);
    assert_int_equal(fe.hook_calls, 1);
    fe.room = 10;
    chardev_accept_input(be);
    main_loop_wait(loop, true, NULL);
    assert_int_equal(fe.ngot, 7);
    assert_memory_equal(fe.got, "abcdefg", 7);

    /* Replay mode: input disabled, nothing is read. */
    chardev_set_input_enabled(be, false);
    assert_false(chardev_input_possible(be));
    fputs("zz", w);
    fflush(w);
    main_loop_wait(loop, true, NULL);
    assert_int_equal(fe.ngot, 7);
    fclose(w);
    chardev_free(be);
    unlink(path);
    loop_free(loop);
}

static void test_unix_server_nowait(void **state)
{
    Loop *loop = loop_new(NULL);
    char path[100], spec[140];
    tmp(path, sizeof(path), "sock");
    snprintf(spec, sizeof(spec), "unix:%s,server,nowait", path);
    CharBackend *be = chardev_new(loop, spec, NULL);
    assert_non_null(be);
    assert_true(chardev_input_possible(be));
    Front fe = { .room = 16 };
    chardev_set_frontend(be, fe_can, fe_rx, &fe);
    chardev_set_input_hook(be, hook, &fe);

    /* No client yet: output is dropped, not an error. */
    assert_int_equal(chardev_write(be, (const uint8_t *)"lost", 4), 4);

    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
    assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
    main_loop_wait(loop, true, NULL);            /* accept */
    assert_int_equal(chardev_write(be, (const uint8_t *)"seen", 4), 4);
    char buf[8] = { 0 };
    assert_int_equal(recv(c, buf, sizeof(buf), 0), 4);
    assert_string_equal(buf, "seen");
    assert_int_equal(send(c, "in", 2, 0), 2);
    for (int i = 0; i < 100 && fe.ngot < 2; i++) {
        main_loop_wait(loop, true, NULL);
        usleep(1000);
    }
    assert_int_equal(fe.ngot, 2);
    assert_memory_equal(fe.got, "in", 2);
    close(c);
    chardev_free(be);
    struct stat st;
    assert_int_not_equal(stat(path, &st), 0);    /* the socket file is removed */
    loop_free(loop);
}

static void test_capture_deliver_clamps(void **state)
{
    Loop *loop = loop_new(NULL);
    CharBackend *be = chardev_new_capture(loop);
    Front fe = { .room = 2 };
    chardev_set_frontend(be, fe_can, fe_rx, &fe);
    chardev_deliver(be, (const uint8_t *)"xyz", 3);
    assert_int_equal(fe.ngot, 2);
    chardev_write(be, (const uint8_t *)"ab", 2);
    chardev_write(be, (const uint8_t *)"c", 1);
    size_t len;
    const uint8_t *out = chardev_captured(be, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(out, "abc", 3);
    chardev_free(be);
    loop_free(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_specs),
        cmocka_unit_test(test_file_and_null),
        cmocka_unit_test(test_pipe_input_respects_can_receive),
        cmocka_unit_test(test_unix_server_nowait),
        cmocka_unit_test(test_capture_deliver_clamps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
