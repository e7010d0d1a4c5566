/* Tests for sim/gdbstub: every packet against a fake target, framing and
 * acks, hostile input, stop replies, target.xml, and the socket transport. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "tests/unit/test_gdb_fake.h"

/* ---- harness: a session whose output is captured ---- */

typedef struct Ctx {
    FakeTarget fake;
    GdbSession *gs;
    uint8_t *out;
    size_t out_len, out_cap, rd;  /* rd: how much of out the test consumed */
    bool alive;
} Ctx;

static void cap_write(void *opaque, const uint8_t *buf, size_t len)
{
    Ctx *c = opaque;
    if (c->out_len + len > c->out_cap) {
        c->out_cap = (c->out_len + len) * 2;
        c->out = realloc(c->out, c->out_cap);
        assert_non_null(c->out);
    }
    memcpy(c->out + c->out_len, buf, len);
    c->out_len += len;
}

static void ctx_sync_stop(void *opaque, GdbStopReason r)
{
    gdb_session_notify_stop(((Ctx *)opaque)->gs, r);
}

static int setup(void **state)
{
    Ctx *c = calloc(1, sizeof(*c));
    c->gs = gdb_session_new(&FAKE_OPS, &c->fake, cap_write, c);
    c->alive = true;
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    Ctx *c = *state;
    gdb_session_free(c->gs);
    free(c->out);
    free(c);
    return 0;
}

static void feed(Ctx *c, const void *buf, size_t len)
{
    c->alive = gdb_session_input(c->gs, buf, len);
}

static void feed_str(Ctx *c, const char *s)
{
    feed(c, s, strlen(s));
}

static uint8_t checksum(const void *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++) {
        s += ((const uint8_t *)p)[i];
    }
    return s;
}

static void send_pkt_n(Ctx *c, const void *payload, size_t n)
{
    char tail[4];
    feed(c, "$", 1);
    feed(c, payload, n);
    snprintf(tail, sizeof(tail), "#%02x", checksum(payload, n));
    feed(c, tail, 3);
}

static void send_pkt(Ctx *c, const char *payload)
{
    send_pkt_n(c, payload, strlen(payload));
}

/* Next packet from the output, skipping acks; returns a malloc'd payload
 * (NUL-terminated) after checking its checksum, or NULL if none. */
static char *next_packet(Ctx *c, size_t *len_out)
{
    while (c->rd < c->out_len && c->out[c->rd] != '$') {
        assert_true(c->out[c->rd] == '+' || c->out[c->rd] == '-');
        c->rd++;
    }
    if (c->rd == c->out_len) {
        return NULL;
    }
    size_t start = ++c->rd;
    while (c->rd < c->out_len && c->out[c->rd] != '#') {
        c->rd++;
    }
    assert_true(c->rd + 3 <= c->out_len);
    size_t n = c->rd - start;
    char sum[3] = { (char)c->out[c->rd + 1], (char)c->out[c->rd + 2], 0 };
    assert_int_equal(strtoul(sum, NULL, 16), checksum(c->out + start, n));
    c->rd += 3;
    char *p = malloc(n + 1);
    memcpy(p, c->out + start, n);
    p[n] = 0;
    if (len_out) {
        *len_out = n;
    }
    return p;
}

static void expect_reply(Ctx *c, const char *want)
{
    char *got = next_packet(c, NULL);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void expect_no_output(Ctx *c)
{
    assert_int_equal(c->rd, c->out_len);
}

/* Drain acks, leaving the test in sync with the output. */
static void skip_acks(Ctx *c)
{
    while (c->rd < c->out_len && (c->out[c->rd] == '+')) {
        c->rd++;
    }
}

/* Ask and get one reply. */
static void roundtrip(Ctx *c, const char *pkt, const char *want)
{
    send_pkt(c, pkt);
    expect_reply(c, want);
    expect_no_output(c);
}

/* ---- framing ---- */

static void test_ack_and_status(void **state)
{
    Ctx *c = *state;
    send_pkt(c, "?");
    assert_int_equal(c->out[0], '+');  /* ack precedes the reply */
    expect_reply(c, "T05thread:1;");
    expect_no_output(c);
}

static void test_bad_checksum_nack(void **state)
{
    Ctx *c = *state;
    feed_str(c, "$?#00");
    assert_int_equal(c->out_len, 1);
    assert_int_equal(c->out[0], '-');
    c->rd = 1;
    feed_str(c, "$?#zz");  /* non-hex checksum */
    assert_int_equal(c->out[c->rd], '-');
    c->rd++;
    expect_no_output(c);
    /* The stream recovers at the next packet. */
    roundtrip(c, "?", "T05thread:1;");
}

static void test_nack_retransmits_last_reply(void **state)
{
    Ctx *c = *state;
    roundtrip(c, "qC", "QC1");
    feed_str(c, "-");
    expect_reply(c, "QC1");
    /* Retransmissions are bounded. */
    for (int i = 0; i < 100; i++) {
        feed_str(c, "-");
    }
    int count = 0;
    char *p;
    while ((p = next_packet(c, NULL))) {
        free(p);
        count++;
    }
    assert_true(count < 10);
}

static void test_noise_and_restart(void **state)
{
    Ctx *c = *state;
    /* Garbage between packets, a NUL byte, and a packet restarted by '$'. */
    feed(c, "xyz\0+", 5);
    feed_str(c, "$qGarb$");
    send_pkt_n(c, "qC", 2);
    c->rd = 0;
    skip_acks(c);
    expect_reply(c, "QC1");
    expect_no_output(c);
}

static void test_overlong_packet(void **state)
{
    Ctx *c = *state;
    size_t n = 70000;
    char *big = malloc(n);
    memset(big, 'A', n);
    send_pkt_n(c, big, n);
    assert_int_equal(c->out[0], '+');  /* checksum was right: ack, then refuse */
    expect_reply(c, "E16");
    /* Overlong with a bad checksum is simply nacked. */
    feed(c, "$", 1);
    feed(c, big, n);
    feed_str(c, "#00");
    assert_int_equal(c->out[c->out_len - 1], '-');
    c->rd = c->out_len;
    free(big);
    roundtrip(c, "?", "T05thread:1;");
}

static void test_packet_with_nul_byte(void **state)
{
    Ctx *c = *state;
    static const char pkt[] = "m8000\0000,4";
    send_pkt_n(c, pkt, sizeof(pkt) - 1);
    char *r = next_packet(c, NULL);
    assert_non_null(r);
    assert_int_equal(r[0], 'E');
    free(r);
}

static void test_no_ack_mode(void **state)
{
    Ctx *c = *state;
    roundtrip(c, "QStartNoAckMode", "OK");
    size_t before = c->out_len;
    feed_str(c, "$qC#00");  /* checksum no longer verified, no '+' */
    assert_int_equal(c->out[before], '$');
    expect_reply(c, "QC1");
}

/* ---- queries ---- */

static void test_qsupported(void **state)
{
    Ctx *c = *state;
    send_pkt(c, "qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386");
    char *r = next_packet(c, NULL);
    assert_non_null(r);
    assert_non_null(strstr(r, "PacketSize=4000"));
    assert_non_null(strstr(r, "qXfer:features:read+"));
    assert_non_null(strstr(r, "ReverseStep+"));
    assert_non_null(strstr(r, "ReverseContinue+"));
    assert_non_null(strstr(r, "swbreak+"));
    assert_non_null(strstr(r, "hwbreak+"));
    assert_non_null(strstr(r, "vContSupported+"));
    assert_null(strstr(r, "multiprocess"));
    assert_null(strstr(r, "error-message"));
    free(r);
    c->fake.no_reverse = true;
    send_pkt(c, "qSupported:error-message+");
    r = next_packet(c, NULL);
    assert_null(strstr(r, "Reverse"));
    assert_non_null(strstr(r, "error-message+"));
    free(r);
}

static void test_threads_and_misc(void **state)
{
    Ctx *c = *state;
    roundtrip(c, "qC", "QC1");
    roundtrip(c, "qfThreadInfo", "m1");
    roundtrip(c, "qsThreadInfo", "l");
    roundtrip(c, "qAttached", "1");
    roundtrip(c, "qAttached:1", "1");
    roundtrip(c, "Hg0", "OK");
    roundtrip(c, "Hc-1", "OK");
    roundtrip(c, "T1", "OK");
    roundtrip(c, "Tp1.1", "OK");
    roundtrip(c, "T2", "E16");
    roundtrip(c, "vMustReplyEmpty", "");
    roundtrip(c, "qTStatus", "");
    roundtrip(c, "qOffsets", "");
    roundtrip(c, "!", "");
    roundtrip(c, "vFlashErase:0,1", "");
    roundtrip(c, "qSymbol::", "OK");
    roundtrip(c, "", "");
    send_pkt(c, "qThreadExtraInfo,1");
    expect_reply(c, "686172742030");  /* "hart 0" */
}

/* ---- registers ---- */

static void test_registers(void **state)
{
    Ctx *c = *state;
    FakeTarget *f = &c->fake;
    for (int i = 1; i < 33; i++) {
        f->regs[i] = 0x1122334455667700ull + (uint64_t)i;
    }
    send_pkt(c, "g");
    size_t n;
    char *r = next_packet(c, &n);
    assert_int_equal(n, 33 * 16);
    assert_memory_equal(r, "0000000000000000", 16);        /* x0 */
    assert_memory_equal(r + 16, "0177665544332211", 16);   /* x1, little-endian */
    assert_memory_equal(r + 32 * 16, "2077665544332211", 16);
    free(r);

    roundtrip(c, "p20", "2077665544332211");   /* pc */
    f->regs[GDB_REGNO_CSR(0x300)] = 0xa00000080ull;
    roundtrip(c, "p341", "800000000a000000");  /* mstatus = 65 + 0x300 */
    f->regs[GDB_REGNO_CSR(3)] = 0xe0;
    roundtrip(c, "p44", "e0000000");           /* fcsr is 32 bits */
    f->regs[GDB_REGNO_PRIV] = 3;
    roundtrip(c, "p1041", "0300000000000000"); /* priv */
    roundtrip(c, "p41", "E0e");                /* csr 0 does not exist in the fake */
    roundtrip(c, "p99999", "E16");
    roundtrip(c, "pzz", "E16");
    roundtrip(c, "p1,", "E16");

    roundtrip(c, "P5=efbeadde00000000", "OK");
    assert_int_equal(f->regs[5], 0xdeadbeef);
    roundtrip(c, "P42=01000000", "OK");        /* fflags: 4 bytes */
    assert_int_equal(f->regs[GDB_REGNO_CSR(1)], 1);
    roundtrip(c, "P5=efbe", "E16");
    roundtrip(c, "P5=zzbeadde00000000", "E16");
    roundtrip(c, "P5", "E16");

    char G[33 * 16 + 2] = "G";
    for (int i = 0; i < 33; i++) {
        snprintf(G + 1 + 16 * i, 17, "%02x00000000000000", i);
    }
    roundtrip(c, G, "OK");
    assert_int_equal(f->regs[7], 7);
    assert_int_equal(f->regs[32], 32);
    roundtrip(c, "G0011", "E16");
    roundtrip(c, "gx", "E16");
}

static void test_register_writes_refused_in_replay(void **state)
{
    Ctx *c = *state;
    c->fake.replay = true;
    roundtrip(c, "P5=0100000000000000", "E01");
    roundtrip(c, "QEnableErrorStrings", "OK");
    roundtrip(c, "P5=0100000000000000", "E.registers are read-only during replay");
    roundtrip(c, "M80000000,1:00", "E.memory is read-only during replay");
    /* 'm' errors stay "Enn" even then: gdb 13 would parse "E.text" as data. */
    roundtrip(c, "m1000,4", "E0e");
    assert_int_equal(c->fake.regs[5], 0);
}

/* Text errors only for a client that says it takes them: gdb 13 announces
 * qRelocInsn+ but reads an 'm' reply "E.text" as hex ("Invalid hex digit"). */
static void test_error_text_only_when_announced(void **state)
{
    Ctx *c = *state;
    c->fake.replay = true;
    send_pkt(c, "qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+");
    char *r = next_packet(c, NULL);
    assert_null(strstr(r, "error-message"));  /* not offered unless asked */
    free(r);
    roundtrip(c, "P5=0100000000000000", "E01");
    roundtrip(c, "M80000000,1:00", "E0e");
    roundtrip(c, "m80000000", "E16");
    send_pkt(c, "qSupported:error-message+");
    r = next_packet(c, NULL);
    assert_non_null(strstr(r, "error-message+"));
    free(r);
    roundtrip(c, "P5=0100000000000000", "E.registers are read-only during replay");
    roundtrip(c, "m80000000", "E16");
}

/* ---- memory ---- */

static void test_memory(void **state)
{
    Ctx *c = *state;
    FakeTarget *f = &c->fake;
    memcpy(f->mem, "\x01\x02\xab\xff", 4);
    roundtrip(c, "m80000000,4", "0102abff");
    roundtrip(c, "m80000000,0", "");
    roundtrip(c, "M80000004,3:a1b2c3", "OK");
    assert_memory_equal(f->mem + 4, "\xa1\xb2\xc3", 3);
    /* X: binary with '}' escapes for # $ } * (manual, "Packets", X). */
    uint8_t x[] = { 'X', '8', '0', '0', '0', '0', '0', '1', '0', ',', '5', ':',
                    0x00, '}', '#' ^ 0x20, '}', '}' ^ 0x20, '*' ^ 0x20, 0xff };
    /* '*' itself may appear as '}' 0x0a: here we send 0x0a raw meaning '\n'. */
    send_pkt_n(c, x, sizeof(x));
    expect_reply(c, "OK");
    assert_memory_equal(f->mem + 0x10, "\x00#}\x0a\xff", 5);
    roundtrip(c, "X80000000,0:", "OK");  /* gdb's probe for X support */
    roundtrip(c, "X80000000,2:a", "E16");
    roundtrip(c, "X80000000,1:ab", "E16");
    roundtrip(c, "X80000000,1:}", "E16");
    roundtrip(c, "M80000000,2:00", "E16");
    roundtrip(c, "M80000000,1:zz", "E16");
    roundtrip(c, "M80000000,1", "E16");
    roundtrip(c, "m80000000", "E16");
    roundtrip(c, "m,4", "E16");
    roundtrip(c, "m80000000,4,", "E16");
    roundtrip(c, "m10000000000000000,4", "E16");  /* 17 digits overflow */
    roundtrip(c, "m1000,4", "E0e");                /* unmapped */
    roundtrip(c, "M1000,1:00", "E0e");
}

static void test_memory_huge_and_partial(void **state)
{
    Ctx *c = *state;
    roundtrip(c, "m0,100000000", "E0e");   /* cut to the cap, still unmapped */
    roundtrip(c, "M80000000,ffffffff:00", "E16");
    roundtrip(c, "X80000000,ffffffffffff:", "E16");
    /* gdb sizes reads by PacketSize: half of it in bytes, whose hex fills
     * one packet exactly. */
    char pkt[64];
    snprintf(pkt, sizeof(pkt), "m80000000,%x", GDB_MAX_PACKET / 2);
    send_pkt(c, pkt);
    size_t n;
    char *r = next_packet(c, &n);
    assert_int_equal(n, GDB_MAX_PACKET);
    assert_int_equal(strspn(r, "0123456789abcdef"), n);
    free(r);
    /* A longer read gets its first PacketSize / 2 bytes (a short reply). */
    memset(c->fake.mem, 0xa5, GDB_MAX_PACKET / 2 + 1);
    snprintf(pkt, sizeof(pkt), "m80000000,%x", 0x8000);
    send_pkt(c, pkt);
    r = next_packet(c, &n);
    assert_int_equal(n, GDB_MAX_PACKET);
    assert_int_equal(strspn(r, "a5"), n);
    free(r);
    send_pkt(c, "m80000000,ffffffffffffffff");
    r = next_packet(c, &n);
    assert_int_equal(n, GDB_MAX_PACKET);
    free(r);
    expect_no_output(c);
    /* Writes as long as a packet can carry: M in hex, X in binary. */
    size_t mlen = (GDB_MAX_PACKET - 32) / 2;
    char *big = malloc(GDB_MAX_PACKET + 1);
    int h = snprintf(big, GDB_MAX_PACKET, "M80000000,%zx:", mlen);
    memset(big + h, '7', 2 * mlen);
    send_pkt_n(c, big, (size_t)h + 2 * mlen);
    expect_reply(c, "OK");
    assert_int_equal(c->fake.mem[mlen - 1], 0x77);
    size_t xlen = GDB_MAX_PACKET - 32;
    h = snprintf(big, GDB_MAX_PACKET, "X80000000,%zx:", xlen);
    memset(big + h, 0x42, xlen);
    send_pkt_n(c, big, (size_t)h + xlen);
    expect_reply(c, "OK");
    assert_int_equal(c->fake.mem[xlen - 1], 0x42);
    free(big);
    /* A read running off the end of memory returns the readable prefix. */
    memset(c->fake.mem + FAKE_MEM_SIZE - 2, 0x5a, 2);
    snprintf(pkt, sizeof(pkt), "m%llx,8", (unsigned long long)(FAKE_MEM_BASE + FAKE_MEM_SIZE - 2));
    roundtrip(c, pkt, "5a5a");
}

/* ---- break/watchpoints ---- */

static void test_points(void **state)
{
    Ctx *c = *state;
    FakeTarget *f = &c->fake;
    roundtrip(c, "Z0,80000000,4", "OK");
    roundtrip(c, "Z1,80000002,2", "OK");
    roundtrip(c, "Z2,80001000,8", "OK");
    roundtrip(c, "Z3,80001008,4", "OK");
    roundtrip(c, "Z4,80001010,1", "OK");
    roundtrip(c, "Z0,80000010,4;X2,0a", "OK");  /* conditions left to gdb */
    assert_int_equal(f->npoints, 6);
    assert_int_equal(f->points[0].type, GDB_POINT_SW_BREAK);
    assert_int_equal(f->points[0].addr, 0x80000000);
    assert_int_equal(f->points[0].len, 4);
    assert_int_equal(f->points[2].type, GDB_POINT_WATCH_WRITE);
    assert_int_equal(f->points[2].len, 8);
    assert_int_equal(f->points[3].type, GDB_POINT_WATCH_READ);
    assert_int_equal(f->points[4].type, GDB_POINT_WATCH_ACCESS);
    roundtrip(c, "z2,80001000,8", "OK");
    assert_int_equal(f->npoints, 5);
    roundtrip(c, "z2,80001000,8", "E01");
    roundtrip(c, "Z5,0,1", "");
    roundtrip(c, "Z0,80000000", "E16");
    roundtrip(c, "Z0,80000000,4x", "E16");
    roundtrip(c, "Z2,80000000,0", "E16");
    roundtrip(c, "Z", "E16");
}

/* ---- execution and stop replies ---- */

static void test_continue_and_stop(void **state)
{
    Ctx *c = *state;
    FakeTarget *f = &c->fake;
    roundtrip(c, "qSupported:swbreak+;hwbreak+",
              "PacketSize=4000;qXfer:features:read+;swbreak+;hwbreak+;vContSupported+;"
              "QStartNoAckMode+;ReverseStep+;ReverseContinue+");
    send_pkt(c, "c");
    skip_acks(c);
    expect_no_output(c);  /* no reply until the target stops */
    assert_true(gdb_session_running(c->gs));
    assert_int_equal(f->last_resume, GDB_RESUME_CONTINUE);
    send_pkt(c, "c");     /* already running */
    expect_reply(c, "E01");
    gdb_session_notify_stop(c->gs, (GdbStopReason){ .kind = GDB_STOP_SW_BREAK });
    expect_reply(c, "T05swbreak:;thread:1;");
    assert_false(gdb_session_running(c->gs));
    /* A second stop report with no resume pending is only remembered. */
    gdb_session_notify_stop(c->gs, (GdbStopReason){ .kind = GDB_STOP_HW_BREAK });
    expect_no_output(c);
    roundtrip(c, "?", "T05hwbreak:;thread:1;");

    send_pkt(c, "c80000100");
    assert_int_equal(f->regs[GDB_REGNO_PC], 0x80000100);
    gdb_session_notify_stop(c->gs, (GdbStopReason){ .kind = GDB_STOP_WATCH_WRITE,
                                                    .addr = 0x80001000 });
    expect_reply(c, "T05watch:80001000;thread:1;");
    send_pkt(c, "C05;80000200");
    assert_int_equal(f->regs[GDB_REGNO_PC], 0x80000200);
    gdb_session_notify_stop(c->gs, (GdbStopReason){ .kind = GDB_STOP_WATCH_READ, .addr = 0x10 });
    expect_reply(c, "T05rwatch:10;thread:1;");
    send_pkt(c, "c");
    gdb_session_notify_stop(c->gs, (GdbStopReason){ .kind = GDB_STOP_WATCH_ACCESS, .addr = 0x18 });
    expect_reply(c, "T05awatch:18;thread:1;");
    send_pkt(c, "c");
    gdb_session_notify_stop(c->gs, (GdbStopReason){ .kind = GDB_STOP_REPLAY_END });
    expect_reply(c, "T05replaylog:end;thread:1;");
    send_pkt(c, "bc");
    assert_int_equal(f->last_resume, GDB_RESUME_REVERSE_CONTINUE);
    gdb_session_notify_stop(c->gs, (GdbStopReason){ .kind = GDB_STOP_REPLAY_BEGIN });
    expect_reply(c, "T05replaylog:begin;thread:1;");
    send_pkt(c, "c");
    gdb_session_notify_stop(c->gs, (GdbStopReason){ .kind = GDB_STOP_EXITED, .exit_code = 3 });
    expect_reply(c, "W03");
    roundtrip(c, "?", "W03");
    roundtrip(c, "cxyz", "E16");
    roundtrip(c, "Cxx", "E16");
}

static void test_breakpoint_stop_without_swbreak_feature(void **state)
{
    Ctx *c = *state;
    send_pkt(c, "c");
    gdb_session_notify_stop(c->gs, (GdbStopReason){ .kind = GDB_STOP_SW_BREAK });
    expect_reply(c, "T05thread:1;");
}

static void test_step_and_reverse(void **state)
{
    Ctx *c = *state;
    FakeTarget *f = &c->fake;
    f->sync_stop = ctx_sync_stop;
    f->sync_opaque = c;
    f->regs[GDB_REGNO_PC] = 0x80000000;
    roundtrip(c, "s", "T05thread:1;");
    assert_int_equal(f->regs[GDB_REGNO_PC], 0x80000004);
    roundtrip(c, "bs", "T05thread:1;");
    assert_int_equal(f->last_resume, GDB_RESUME_REVERSE_STEP);
    assert_int_equal(f->regs[GDB_REGNO_PC], 0x80000000);
    roundtrip(c, "s80000040", "T05thread:1;");
    assert_int_equal(f->regs[GDB_REGNO_PC], 0x80000044);
    roundtrip(c, "bx", "");
    f->no_reverse = true;
    roundtrip(c, "bc", "E01");
    roundtrip(c, "bs", "E01");
    f->no_reverse = false;
    f->fail_resume = true;
    roundtrip(c, "c", "E01");
    assert_false(gdb_session_running(c->gs));
}

static void test_vcont(void **state)
{
    Ctx *c = *state;
    FakeTarget *f = &c->fake;
    f->sync_stop = ctx_sync_stop;
    f->sync_opaque = c;
    roundtrip(c, "vCont?", "vCont;c;C;s;S;t");
    roundtrip(c, "vCont;s:1;c", "T05thread:1;");
    assert_int_equal(f->last_resume, GDB_RESUME_STEP);
    /* The first action for our thread wins; one for thread 2 is skipped. */
    send_pkt(c, "vCont;s:2;c");
    skip_acks(c);
    expect_no_output(c);
    assert_int_equal(f->last_resume, GDB_RESUME_CONTINUE);
    gdb_session_notify_stop(c->gs, (GdbStopReason){ .kind = GDB_STOP_STEP_DONE });
    expect_reply(c, "T05thread:1;");
    roundtrip(c, "vCont;S05:p1.-1", "T05thread:1;");
    send_pkt(c, "vCont;C05");
    skip_acks(c);
    expect_no_output(c);
    assert_true(gdb_session_running(c->gs));
    feed(c, "\x03", 1);  /* the fake stops synchronously */
    expect_reply(c, "T02thread:1;");
    roundtrip(c, "vCont;t", "OK");
    roundtrip(c, "vCont;x", "E16");
    roundtrip(c, "vCont", "E16");
    roundtrip(c, "vCont;", "E16");
    roundtrip(c, "vCont;c:2", "E16");
}

static void test_ctrl_c(void **state)
{
    Ctx *c = *state;
    FakeTarget *f = &c->fake;
    feed(c, "\x03", 1);  /* not running: ignored */
    assert_int_equal(f->interrupts, 0);
    expect_no_output(c);
    send_pkt(c, "c");
    skip_acks(c);
    feed(c, "\x03", 1);
    assert_int_equal(f->interrupts, 1);
    expect_no_output(c);  /* the stop comes from the target */
    gdb_session_notify_stop(c->gs, (GdbStopReason){ .kind = GDB_STOP_INTERRUPT });
    expect_reply(c, "T02thread:1;");
}

/* ---- target description ---- */

static void test_qxfer_target_xml(void **state)
{
    Ctx *c = *state;
    char *want = gdbstub_riscv64_xml();
    size_t total = strlen(want);
    char *got = malloc(total + 1);
    size_t have = 0;
    for (int guard = 0; guard < 1000; guard++) {
        char q[80];
        snprintf(q, sizeof(q), "qXfer:features:read:target.xml:%zx,%x", have, 0x100);
        send_pkt(c, q);
        size_t n;
        char *r = next_packet(c, &n);
        assert_non_null(r);
        assert_true(r[0] == 'm' || r[0] == 'l');
        for (size_t i = 1; i < n; i++) {
            char ch = r[i];
            if (ch == '}') {
                ch = (char)(r[++i] ^ 0x20);
            }
            assert_true(have < total);
            got[have++] = ch;
        }
        bool last = r[0] == 'l';
        free(r);
        if (last) {
            break;
        }
    }
    got[have] = 0;
    assert_int_equal(have, total);
    assert_string_equal(got, want);
    /* The description gdb needs, with hart.h's numbers. */
    assert_non_null(strstr(got, "<feature name=\"org.gnu.gdb.riscv.cpu\">"));
    assert_non_null(strstr(got, "<feature name=\"org.gnu.gdb.riscv.fpu\">"));
    assert_non_null(strstr(got, "<feature name=\"org.gnu.gdb.riscv.csr\">"));
    assert_non_null(strstr(got, "<reg name=\"zero\" bitsize=\"64\" type=\"int\" regnum=\"0\"/>"));
    assert_non_null(strstr(got, "<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\"/>"));
    assert_non_null(strstr(got, "name=\"ft0\" bitsize=\"64\" type=\"riscv_double\" regnum=\"33\""));
    assert_non_null(strstr(got, "name=\"ft11\" bitsize=\"64\" type=\"riscv_double\" regnum=\"64\""));
    assert_non_null(strstr(got, "name=\"fcsr\" bitsize=\"32\" type=\"int\" regnum=\"68\""));
    assert_non_null(strstr(got, "name=\"mstatus\" bitsize=\"64\" type=\"int\" regnum=\"833\""));
    assert_non_null(strstr(got, "name=\"satp\" bitsize=\"64\" type=\"int\" regnum=\"449\""));
    assert_non_null(strstr(got, "name=\"priv\" bitsize=\"64\" type=\"int\" regnum=\"4161\""));
    /* Balanced tags: every <feature> closes, the document ends with </target>. */
    int open = 0, close = 0;
    for (const char *p = got; (p = strstr(p, "<feature ")); p++) {
        open++;
    }
    for (const char *p = got; (p = strstr(p, "</feature>")); p++) {
        close++;
    }
    assert_int_equal(open, 4);
    assert_int_equal(close, 4);
    assert_non_null(strstr(got, "</target>\n"));
    free(got);
    free(want);

    roundtrip(c, "qXfer:features:read:target.xml:ffffff,100", "l");
    roundtrip(c, "qXfer:features:read:other.xml:0,100", "E00");
    roundtrip(c, "qXfer:features:read:target.xml:0", "E16");
    roundtrip(c, "qXfer:features:read:target.xml", "E16");
    roundtrip(c, "qXfer:memory-map:read::0,100", "");
    /* A huge length is capped to one packet. */
    send_pkt(c, "qXfer:features:read:target.xml:0,ffffffffffff");
    size_t n;
    char *r = next_packet(c, &n);
    assert_true(n <= GDB_MAX_PACKET);
    free(r);
}

/* ---- monitor ---- */

static void hex_of(const char *s, char *out)
{
    for (; *s; s++, out += 2) {
        sprintf(out, "%02x", (unsigned char)*s);
    }
    *out = 0;
}

static void test_qrcmd(void **state)
{
    Ctx *c = *state;
    char pkt[128] = "qRcmd,";
    hex_of("info icount", pkt + 6);
    send_pkt(c, pkt);
    char want[128] = "O";
    hex_of("echo info icount\n", want + 1);
    expect_reply(c, want);
    expect_reply(c, "OK");
    assert_string_equal(c->fake.last_monitor, "info icount");

    hex_of("fail", pkt + 6);
    send_pkt(c, pkt);
    hex_of("monitor command failed on purpose\n", want + 1);
    expect_reply(c, want);
    expect_reply(c, "OK");

    /* Output beyond one packet is split; beyond the cap it is cut. */
    hex_of("big", pkt + 6);
    send_pkt(c, pkt);
    size_t total = 0, n;
    char *r;
    while ((r = next_packet(c, &n))) {
        if (strcmp(r, "OK") == 0) {
            free(r);
            break;
        }
        assert_int_equal(r[0], 'O');
        assert_true(n <= GDB_MAX_PACKET);
        total += (n - 1) / 2;
        free(r);
    }
    assert_int_equal(total, GDB_MAX_MONITOR_OUTPUT);
    roundtrip(c, "qRcmd,6", "E16");
    roundtrip(c, "qRcmd,zz", "E16");
}

/* A monitor command that takes long reports progress while it runs: gdb
 * takes 'O' packets before the reply, and each one restarts its timeout. */
static GdbSession *progress_session;

static char *progress_monitor(void *t, const char *cmd, Error **errp)
{
    (void)t;
    (void)cmd;
    (void)errp;
    gdb_session_console(progress_session, "step 1\n", 7);
    gdb_session_console(progress_session, "step 2\n", 7);
    return strdup("done\n");
}

static void test_console_only_while_awaited(void **state)
{
    Ctx *c = *state;
    static GdbTargetOps ops;
    ops = FAKE_OPS;
    ops.monitor = progress_monitor;
    gdb_session_free(c->gs);
    c->gs = gdb_session_new(&ops, &c->fake, cap_write, c);
    progress_session = c->gs;
    char pkt[64] = "qRcmd,", want[64] = "O";
    hex_of("seek", pkt + 6);
    send_pkt(c, pkt);
    hex_of("step 1\n", want + 1);
    expect_reply(c, want);
    hex_of("step 2\n", want + 1);
    expect_reply(c, want);
    hex_of("done\n", want + 1);
    expect_reply(c, want);
    expect_reply(c, "OK");
    expect_no_output(c);
    /* Stopped, with no request pending: an 'O' packet would be taken as
     * the reply to the next request. */
    gdb_session_console(c->gs, "late\n", 5);
    expect_no_output(c);
    /* While the client waits for a stop reply it is fine. */
    send_pkt(c, "c");
    skip_acks(c);
    gdb_session_console(c->gs, "busy\n", 5);
    hex_of("busy\n", want + 1);
    expect_reply(c, want);
    gdb_session_notify_stop(c->gs, (GdbStopReason){ .kind = GDB_STOP_STEP_DONE });
    expect_reply(c, "T05thread:1;");
    expect_no_output(c);
}

/* ---- session end ---- */

static void test_detach(void **state)
{
    Ctx *c = *state;
    roundtrip(c, "Z0,80000000,4", "OK");
    send_pkt(c, "D");
    expect_reply(c, "OK");
    assert_false(c->alive);
    assert_int_equal(c->fake.detaches, 1);
    assert_int_equal(c->fake.npoints, 0);
    /* Input after the end is ignored. */
    send_pkt(c, "?");
    expect_no_output(c);
}

static void test_kill(void **state)
{
    Ctx *c = *state;
    send_pkt(c, "k");
    skip_acks(c);
    expect_no_output(c);
    assert_false(c->alive);
    assert_int_equal(c->fake.kills, 1);
}

static void test_vkill(void **state)
{
    Ctx *c = *state;
    send_pkt(c, "vKill;1");
    expect_reply(c, "OK");
    assert_false(c->alive);
    assert_int_equal(c->fake.kills, 1);
}

/* ---- socket transport ---- */

typedef struct SockCtx {
    FakeTarget fake;
    GdbStub *stub;
} SockCtx;

static void sock_sync_stop(void *opaque, GdbStopReason r)
{
    gdbstub_notify_stop(((SockCtx *)opaque)->stub, r);
}

static void pump(Loop *l, int n)
{
    for (int i = 0; i < n; i++) {
        main_loop_wait(l, true, NULL);
    }
}

/* Read from a client socket until `want` appears or a timeout. */
static bool client_expect(Loop *l, int fd, const char *want)
{
    char buf[8192];
    size_t have = 0;
    for (int i = 0; i < 200; i++) {
        pump(l, 1);
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 10) > 0) {
            ssize_t n = recv(fd, buf + have, sizeof(buf) - 1 - have, MSG_DONTWAIT);
            if (n > 0) {
                have += (size_t)n;
                buf[have] = 0;
                if (strstr(buf, want)) {
                    return true;
                }
            }
        }
    }
    return false;
}

static void client_send_pkt(int fd, const char *payload)
{
    char buf[256];
    int n = snprintf(buf, sizeof(buf), "$%s#%02x", payload, checksum(payload, strlen(payload)));
    assert_int_equal(send(fd, buf, (size_t)n, 0), n);
}

static int connect_unix(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

static void test_socket_unix(void **state)
{
    Loop *l = loop_new(NULL);
    SockCtx *sc = calloc(1, sizeof(*sc));
    char path[108];
    snprintf(path, sizeof(path), "/tmp/rrsim-test-gdb-%d.sock", (int)getpid());
    Error *err = NULL;
    sc->stub = gdbstub_new(l, path, &FAKE_OPS, &sc->fake, &err);
    assert_null(err);
    assert_non_null(sc->stub);
    assert_int_equal(gdbstub_port(sc->stub), -1);
    sc->fake.sync_stop = sock_sync_stop;
    sc->fake.sync_opaque = sc;

    int fd = connect_unix(path);
    pump(l, 3);
    assert_true(gdbstub_connected(sc->stub));
    assert_int_equal(sc->fake.attaches, 1);

    /* A second client is turned away; the first keeps working. */
    int fd2 = connect_unix(path);
    pump(l, 3);
    char b;
    assert_int_equal(recv(fd2, &b, 1, 0), 0);
    close(fd2);

    client_send_pkt(fd, "?");
    assert_true(client_expect(l, fd, "$T05thread:1;#"));
    client_send_pkt(fd, "c");
    pump(l, 3);
    assert_int_equal(sc->fake.resumes, 1);
    /* The machine stops on its own: the reply goes out from outside any
     * handler of the stub. */
    gdbstub_notify_stop(sc->stub, (GdbStopReason){ .kind = GDB_STOP_WATCH_WRITE,
                                                    .addr = 0x1234 });
    assert_true(client_expect(l, fd, "$T05watch:1234;thread:1;#"));
    /* Ctrl-C while running, stop reported from inside interrupt(). */
    client_send_pkt(fd, "c");
    pump(l, 3);
    assert_int_equal(send(fd, "\x03", 1, 0), 1);
    assert_true(client_expect(l, fd, "$T02thread:1;#"));
    assert_int_equal(sc->fake.interrupts, 1);

    /* Disconnect mid-packet: the target is detached, the stub listens on. */
    assert_int_equal(send(fd, "$m8000", 6, 0), 6);
    close(fd);
    pump(l, 5);
    assert_false(gdbstub_connected(sc->stub));
    assert_int_equal(sc->fake.detaches, 1);

    /* The last stop survives into the next session. */
    fd = connect_unix(path);
    pump(l, 3);
    assert_true(gdbstub_connected(sc->stub));
    client_send_pkt(fd, "?");
    assert_true(client_expect(l, fd, "$T02thread:1;#"));
    client_send_pkt(fd, "D");
    assert_true(client_expect(l, fd, "$OK#9a"));
    pump(l, 2);
    assert_false(gdbstub_connected(sc->stub));
    assert_int_equal(sc->fake.detaches, 2);
    close(fd);

    gdbstub_free(sc->stub);
    assert_int_equal(access(path, F_OK), -1);  /* socket file removed */
    free(sc);
    loop_free(l);
}

static void test_socket_tcp(void **state)
{
    Loop *l = loop_new(NULL);
    FakeTarget *f = calloc(1, sizeof(*f));
    Error *err = NULL;
    GdbStub *s = gdbstub_new(l, "tcp:127.0.0.1:0", &FAKE_OPS, f, &err);
    assert_non_null(s);
    int port = gdbstub_port(s);
    assert_true(port > 0);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    client_send_pkt(fd, "qC");
    assert_true(client_expect(l, fd, "$QC1#"));
    client_send_pkt(fd, "k");
    pump(l, 3);
    assert_int_equal(f->kills, 1);
    assert_false(gdbstub_connected(s));
    close(fd);
    gdbstub_free(s);
    free(f);
    loop_free(l);
}

static void test_bad_specs(void **state)
{
    Loop *l = loop_new(NULL);
    FakeTarget *f = calloc(1, sizeof(*f));
    static const char *const BAD[] = { "tcp:localhost:http", "tcp::99999", "bogus", "tcp:",
                                       "unix:", "" };
    for (size_t i = 0; i < sizeof(BAD) / sizeof(BAD[0]); i++) {
        Error *err = NULL;
        assert_null(gdbstub_new(l, BAD[i], &FAKE_OPS, f, &err));
        assert_non_null(err);
        assert_int_equal(error_get_class(err), ERR_USAGE);
        error_free(err);
    }
    GdbTargetOps partial = FAKE_OPS;
    partial.resume = NULL;
    Error *err = NULL;
    assert_null(gdbstub_new(l, "tcp::0", &partial, f, &err));
    error_free(err);
    free(f);
    loop_free(l);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_ack_and_status),
        T(test_bad_checksum_nack),
        T(test_nack_retransmits_last_reply),
        T(test_noise_and_restart),
        T(test_overlong_packet),
        T(test_packet_with_nul_byte),
        T(test_no_ack_mode),
        T(test_qsupported),
        T(test_threads_and_misc),
        T(test_registers),
        T(test_register_writes_refused_in_replay),
        T(test_error_text_only_when_announced),
        T(test_memory),
        T(test_memory_huge_and_partial),
        T(test_points),
        T(test_continue_and_stop),
        T(test_breakpoint_stop_without_swbreak_feature),
        T(test_step_and_reverse),
        T(test_vcont),
        T(test_ctrl_c),
        T(test_qxfer_target_xml),
        T(test_qrcmd),
        T(test_console_only_while_awaited),
        T(test_detach),
        T(test_kill),
        T(test_vkill),
        cmocka_unit_test(test_socket_unix),
        cmocka_unit_test(test_socket_tcp),
        cmocka_unit_test(test_bad_specs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
