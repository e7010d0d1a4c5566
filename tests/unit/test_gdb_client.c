/*
 * The gdbstub against a real gdb (gdb-multiarch in batch mode) and the fake
 * target: target.xml is accepted, registers including CSRs and the fpu
 * read with the right names and numbers, memory, stepi, breakpoints with
 * continue, reverse-stepi, monitor commands, refused writes, detach.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/test_gdb_fake.h"

typedef struct Ctx {
    FakeTarget fake;
    GdbStub *stub;
} Ctx;

static void sync_stop(void *opaque, GdbStopReason r)
{
    gdbstub_notify_stop(((Ctx *)opaque)->stub, r);
}

/* Run gdb with the given -ex commands against the stub; return its output. */
static char *run_gdb(Ctx *c, Loop *l, const char *sock, const char *const *cmds, size_t ncmds)
{
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        const char *argv[64];
        size_t n = 0;
        char target[200];
        snprintf(target, sizeof(target), "target remote %s", sock);
        argv[n++] = RRSIM_GDB;
        argv[n++] = "-nx";
        argv[n++] = "-batch";
        argv[n++] = "-ex";
        argv[n++] = "set confirm off";
        argv[n++] = "-ex";
        argv[n++] = target;
        for (size_t i = 0; i < ncmds && n < 60; i++) {
            argv[n++] = "-ex";
            argv[n++] = cmds[i];
        }
        argv[n] = NULL;
        dup2(pipefd[1], 1);
        dup2(pipefd[1], 2);
        close(pipefd[0]);
        execv(RRSIM_GDB, (char *const *)argv);
        _exit(127);
    }
    close(pipefd[1]);
    fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
    size_t cap = 1 << 16, len = 0;
    char *out = calloc(1, cap);
    int handled = 0;
    int status = 0;
    for (int spin = 0; spin < 20000; spin++) {
        main_loop_wait(l, true, NULL);
        /* A continue runs "until the breakpoint": report it. */
        if (c->fake.resumes > handled) {
            handled = c->fake.resumes;
            if (c->fake.last_resume == GDB_RESUME_CONTINUE && c->fake.npoints > 0) {
                c->fake.regs[GDB_REGNO_PC] = c->fake.points[0].addr;
                gdbstub_notify_stop(c->stub, (GdbStopReason){ .kind = GDB_STOP_SW_BREAK });
            } else if (c->fake.last_resume == GDB_RESUME_REVERSE_CONTINUE) {
                gdbstub_notify_stop(c->stub, (GdbStopReason){ .kind = GDB_STOP_REPLAY_BEGIN });
            }
        }
        ssize_t r = read(pipefd[0], out + len, cap - 1 - len);
        if (r > 0) {
            len += (size_t)r;
        }
        if (waitpid(pid, &status, WNOHANG) == pid) {
            while ((r = read(pipefd[0], out + len, cap - 1 - len)) > 0) {
                len += (size_t)r;
            }
            close(pipefd[0]);
            out[len] = 0;
            return out;
        }
        usleep(500);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    close(pipefd[0]);
    out[len] = 0;
    fprintf(stderr, "gdb timed out; output so far:\n%s\n", out);
    fail();
    return NULL;
}

static void expect_in(const char *out, const char *want)
{
    if (!strstr(out, want)) {
        fprintf(stderr, "missing \"%s\" in gdb output:\n%s\n", want, out);
        fail();
    }
}

static void test_real_gdb(void **state)
{
    Loop *l = loop_new(NULL);
    Ctx *c = calloc(1, sizeof(*c));
    char sock[108];
    snprintf(sock, sizeof(sock), "/tmp/rrsim-test-gdbclient-%d.sock", (int)getpid());
    c->stub = gdbstub_new(l, sock, &FAKE_OPS, &c->fake, NULL);
    assert_non_null(c->stub);
    c->fake.sync_stop = sync_stop;
    c->fake.sync_opaque = c;
    c->fake.regs[GDB_REGNO_PC] = 0x80000000;
    c->fake.regs[2] = 0x80008000;                       /* sp */
    c->fake.regs[GDB_REGNO_CSR(0x300)] = 0xa00001800;   /* mstatus */
    c->fake.regs[GDB_REGNO_CSR(0x180)] = 0x8000000000080000ull; /* satp */
    c->fake.regs[GDB_REGNO_PRIV] = 3;
    c->fake.regs[GDB_REGNO_F0 + 10] = 0x4000000000000000ull;     /* fa0 = 2.0 */
    memcpy(c->fake.mem, "\x97\x02\x00\x00\x93\x82\x02\x00", 8);

    static const char *const CMDS[] = {
        "p/x $pc", "p/x $sp", "p/x $mstatus", "p/x $satp", "p $priv", "p $fa0.double",
        "p/x $fcsr", "x/2xw 0x80000000", "set var *(unsigned char *)0x80000100 = 0x5a",
        "x/1xb 0x80000100", "set var $a0 = 0x1234", "p/x $a0", "stepi", "p/x $pc",
        "reverse-stepi", "p/x $pc", "break *0x80000040", "continue", "p/x $pc",
        "watch *(int *)0x80000200", "monitor hello", "detach",
    };
    char *out = run_gdb(c, l, sock, CMDS, sizeof(CMDS) / sizeof(CMDS[0]));
    expect_in(out, "$1 = 0x80000000");
    expect_in(out, "$2 = 0x80008000");
    expect_in(out, "$3 = 0xa00001800");
    expect_in(out, "$4 = 0x8000000000080000");
    expect_in(out, "$5 = 3");  /* gdb may print a mode name after the number */
    expect_in(out, "$6 = 2");
    expect_in(out, "0x80000000:\t0x00000297\t0x00028293");
    expect_in(out, "0x80000100:\t0x5a");
    expect_in(out, "$8 = 0x1234");
    expect_in(out, "$9 = 0x80000004");
    expect_in(out, "$10 = 0x80000000");
    expect_in(out, "Breakpoint 1, 0x0000000080000040");
    expect_in(out, "$11 = 0x80000040");
    expect_in(out, "atchpoint 2");
    expect_in(out, "echo hello");
    expect_in(out, "(Remote target) detached");
    assert_int_equal(c->fake.regs[10], 0x1234);
    assert_int_equal(c->fake.detaches, 1);
    free(out);

    /* Replay: writes are refused with the target's message. */
    c->fake.replay = true;
    static const char *const CMDS2[] = { "set var $a0 = 1", "p/x $a0", "detach" };
    out = run_gdb(c, l, sock, CMDS2, 3);
    /* gdb 13 does not announce error-message+: plain "Enn". */
    expect_in(out, "'E01'");
    expect_in(out, "= 0x1234");
    free(out);

    gdbstub_free(c->stub);
    free(c);
    loop_free(l);
}

/* A stub on a fresh unix socket in front of the fake target. */
static Ctx *ctx_new(Loop *l, char *sock, size_t socklen)
{
    Ctx *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    snprintf(sock, socklen, "/tmp/rrsim-test-gdbclient-%d.sock", (int)getpid());
    c->stub = gdbstub_new(l, sock, &FAKE_OPS, &c->fake, NULL);
    assert_non_null(c->stub);
    c->fake.sync_stop = sync_stop;
    c->fake.sync_opaque = c;
    c->fake.regs[GDB_REGNO_PC] = 0x80000000;
    return c;
}

static void ctx_free(Ctx *c, Loop *l)
{
    gdbstub_free(c->stub);
    free(c);
    loop_free(l);
}

static void test_real_gdb_large_reads(void **state)
{
    (void)state;
    Loop *l = loop_new(NULL);
    char sock[108];
    Ctx *c = ctx_new(l, sock, sizeof(sock));
    char *out;
    /* Reads as large as gdb makes them (PacketSize / 2 = 0x2000 bytes per
     * 'm'), and larger ones that gdb splits. */
    c->fake.mem[0x1fff] = 0x3c;
    c->fake.mem[0x8000] = 0xc3;
    char dump[96], cmd[200];
    snprintf(dump, sizeof(dump), "/tmp/rrsim-test-gdbclient-%d.bin", (int)getpid());
    snprintf(cmd, sizeof(cmd), "dump binary memory %s 0x80000000 0x8000c000", dump);
    const char *CMDS3[] = { "x/8192xb 0x80000000", cmd, "p/x *(unsigned char (*)[0x9000])0x80000000",
                            "detach" };
    out = run_gdb(c, l, sock, CMDS3, 4);
    expect_in(out, "0x80001ff8:\t0x00\t0x00\t0x00\t0x00\t0x00\t0x00\t0x00\t0x3c");
    expect_in(out, "(Remote target) detached");
    if (strstr(out, "rror") || strstr(out, "nvalid")) {
        fprintf(stderr, "gdb reported an error:\n%s\n", out);
        fail();
    }
    FILE *f = fopen(dump, "rb");
    assert_non_null(f);
    static uint8_t back[0xc000];
    assert_int_equal(fread(back, 1, sizeof(back), f), sizeof(back));
    fclose(f);
    unlink(dump);
    assert_memory_equal(back, c->fake.mem, sizeof(back));
    free(out);

    ctx_free(c, l);
}

static void test_real_gdb_stepi_is_a_step(void **state)
{
    (void)state;
    Loop *l = loop_new(NULL);
    char sock[108];
    Ctx *c = ctx_new(l, sock, sizeof(sock));
    char *out;
    /* stepi is a real step ('s'), not a breakpoint at the next pc and a
     * continue, which never comes back from an instruction that traps
     * into a handler that does not return: the target description says
     * the machine has no OS ABI. */
    c->fake.resumes = 0;
    static const char *const CMDS4[] = { "stepi", "detach" };
    out = run_gdb(c, l, sock, CMDS4, 2);
    assert_int_equal(c->fake.resumes, 1);
    assert_int_equal(c->fake.last_resume, GDB_RESUME_STEP);
    free(out);

    ctx_free(c, l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_gdb),
        cmocka_unit_test(test_real_gdb_large_reads),
        cmocka_unit_test(test_real_gdb_stepi_is_a_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
