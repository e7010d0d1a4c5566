/*
 * The GDB remote protocol engine: framing, acks, checksums and the packet
 * dispatcher. No sockets here (gdbstub.c is the transport), so tests and
 * the fuzzer drive it directly.
 *
 * References: the "Remote Protocol" appendix of the GDB manual (packets,
 * "Stop Reply Packets", "General Query Packets", "Packet Acknowledgment").
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/gdbstub/gdbstub.h"
#include "sim/gdbstub/internal.h"

typedef enum RxState { RX_IDLE = 0, RX_DATA, RX_CSUM1, RX_CSUM2 } RxState;

/* Consecutive nacks answered with a retransmission before we give up, so a
 * client cannot turn single '-' bytes into unbounded output. */
#define GDB_MAX_RETRANSMIT 4
/* The one thread we report: gdb thread ids are positive hex numbers. */
#define GDB_THREAD_ID "1"

struct GdbSession {
    const GdbTargetOps *ops;
    void *target;
    GdbWriteFn *write;
    void *opaque;

    RxState rx;
    uint8_t pkt[GDB_MAX_PACKET + 1];  /* + NUL so text packets can use string functions */
    size_t pkt_len;
    bool pkt_overflow;
    uint8_t csum;       /* running checksum of the packet data */
    uint8_t rx_csum;    /* checksum received so far */
    bool rx_csum_bad;   /* non-hex checksum character */

    bool no_ack;
    bool ended;
    bool running;
    bool in_rcmd;       /* inside ops->monitor(): the client awaits its reply */
    bool swbreak_ok, hwbreak_ok, error_strings, error_message_feature;
    GdbStopReason last_stop;
    char *xml;          /* built-in target description, or NULL when ops provides one */

    char reply[GDB_MAX_PACKET + 1];
    size_t reply_len;
    bool reply_overflow;
    uint8_t tx[GDB_MAX_PACKET + 8]; /* last framed packet, for retransmission */
    size_t tx_len;
    int nacks;
};

/* ---- helpers ---- */

static const char HEX[] = "0123456789abcdef";

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* A hex number of 1..16 digits at *p (before end); advances *p. */
static bool parse_hex(const char **p, const char *end, uint64_t *out)
{
    uint64_t v = 0;
    int n = 0;
    while (*p < end && hexval((unsigned char)**p) >= 0) {
        if (++n > 16) {
            return false;
        }
        v = (v << 4) | (uint64_t)hexval((unsigned char)**p);
        (*p)++;
    }
    *out = v;
    return n > 0;
}

static bool expect(const char **p, const char *end, char c)
{
    if (*p < end && **p == c) {
        (*p)++;
        return true;
    }
    return false;
}

/* Decode 2*n hex digits into n bytes. */
static bool hex_decode(const char *p, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hexval((unsigned char)p[2 * i]);
        int lo = hexval((unsigned char)p[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* ---- output ---- */

static void rep_reset(GdbSession *gs)
{
    gs->reply_len = 0;
    gs->reply_overflow = false;
}

static void rep_bytes(GdbSession *gs, const void *data, size_t n)
{
    if (n > GDB_MAX_PACKET - gs->reply_len) {
        gs->reply_overflow = true;
        return;
    }
    memcpy(gs->reply + gs->reply_len, data, n);
    gs->reply_len += n;
}

static void rep_str(GdbSession *gs, const char *s)
{
    rep_bytes(gs, s, strlen(s));
}

static void rep_printf(GdbSession *gs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void rep_printf(GdbSession *gs, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        gs->reply_overflow = true;
        return;
    }
    rep_bytes(gs, tmp, (size_t)n);
}

static void rep_hex(GdbSession *gs, const uint8_t *data, size_t n)
{
    if (n > (GDB_MAX_PACKET - gs->reply_len) / 2) {
        gs->reply_overflow = true;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        gs->reply[gs->reply_len++] = HEX[data[i] >> 4];
        gs->reply[gs->reply_len++] = HEX[data[i] & 15];
    }
}

/* A register value in target (little-endian) byte order. */
static void rep_reg(GdbSession *gs, uint64_t v, size_t size)
{
    uint8_t b[8];
    for (size_t i = 0; i < size; i++) {
        b[i] = (uint8_t)(v >> (8 * i));
    }
    rep_hex(gs, b, size);
}

static void send_raw(GdbSession *gs, const void *data, size_t n)
{
    gs->write(gs->opaque, data, n);
}

/* Frame and send the current reply ("$payload#cc"). */
static void send_reply(GdbSession *gs)
{
    if (gs->reply_overflow) {
        /* Every reply is sized below the cap; an overflow is a stub bug, but
         * the client still gets a well-formed answer. */
        rep_reset(gs);
        rep_str(gs, "E01");
    }
    uint8_t sum = 0;
    gs->tx[0] = '$';
    memcpy(gs->tx + 1, gs->reply, gs->reply_len);
    for (size_t i = 0; i < gs->reply_len; i++) {
        sum += (uint8_t)gs->reply[i];
    }
    size_t n = 1 + gs->reply_len;
    gs->tx[n++] = '#';
    gs->tx[n++] = (uint8_t)HEX[sum >> 4];
    gs->tx[n++] = (uint8_t)HEX[sum & 15];
    gs->tx_len = n;
    gs->nacks = 0;
    send_raw(gs, gs->tx, n);
}

static void reply_str(GdbSession *gs, const char *s)
{
    rep_reset(gs);
    rep_str(gs, s);
    send_reply(gs);
}

/* An error reply: "E.message" when the client accepts text errors
 * (qSupported error-message+ or QEnableErrorStrings), else "Enn". */
static void reply_error(GdbSession *gs, int code, const char *msg)
{
    rep_reset(gs);
    if (gs->error_strings && msg && *msg) {
        rep_str(gs, "E.");
        for (const char *c = msg; *c && gs->reply_len < 200; c++) {
            /* Framing characters cannot appear unescaped in a reply. */
            char ch = (*c == '$' || *c == '#' || *c == '}' || *c == '*') ? '?' : *c;
            rep_bytes(gs, &ch, 1);
        }
    } else {
        rep_printf(gs, "E%02x", code & 0xff);
    }
    send_reply(gs);
}

static void reply_errp(GdbSession *gs, int code, Error *err)
{
    reply_error(gs, code, err ? error_get_message(err) : NULL);
    error_free(err);
}

/* ---- stop replies ---- */

static void rep_stop(GdbSession *gs, GdbStopReason r)
{
    switch (r.kind) {
    case GDB_STOP_EXITED:
        rep_printf(gs, "W%02x", (unsigned)r.exit_code & 0xff);
        return;
    case GDB_STOP_INTERRUPT:
        rep_str(gs, "T02");
        break;
    case GDB_STOP_SW_BREAK:
        rep_str(gs, gs->swbreak_ok ? "T05swbreak:;" : "T05");
        break;
    case GDB_STOP_HW_BREAK:
        rep_str(gs, gs->hwbreak_ok ? "T05hwbreak:;" : "T05");
        break;
    case GDB_STOP_WATCH_WRITE:
        rep_printf(gs, "T05watch:%llx;", (unsigned long long)r.addr);
        break;
    case GDB_STOP_WATCH_READ:
        rep_printf(gs, "T05rwatch:%llx;", (unsigned long long)r.addr);
        break;
    case GDB_STOP_WATCH_ACCESS:
        rep_printf(gs, "T05awatch:%llx;", (unsigned long long)r.addr);
        break;
    case GDB_STOP_REPLAY_BEGIN:
        rep_str(gs, "T05replaylog:begin;");
        break;
    case GDB_STOP_REPLAY_END:
        rep_str(gs, "T05replaylog:end;");
        break;
    case GDB_STOP_STEP_DONE:
    default:
        rep_str(gs, "T05");
        break;
    }
    rep_str(gs, "thread:" GDB_THREAD_ID ";");
}

/* ---- registers ---- */

static void handle_g(GdbSession *gs)
{
    uint64_t regs[33];
    bool ok = true;
    if (gs->ops->read_core_regs) {
        ok = gs->ops->read_core_regs(gs->target, regs);
    } else {
        for (int i = 0; i < 33 && ok; i++) {
            ok = gs->ops->read_reg(gs->target, i, &regs[i]);
        }
    }
    if (!ok) {
        reply_error(gs, 1, "cannot read registers");
        return;
    }
    /* Only x0-x31 and pc: gdb fetches the registers beyond a short 'g'
     * reply one by one with 'p', which suits the sparse CSR numbering. */
    rep_reset(gs);
    for (int i = 0; i < 33; i++) {
        rep_reg(gs, regs[i], 8);
    }
    send_reply(gs);
}

static bool write_reg_bytes(GdbSession *gs, int regno, const uint8_t *b, size_t size)
{
    uint64_t v = 0;
    for (size_t i = 0; i < size; i++) {
        v |= (uint64_t)b[i] << (8 * i);
    }
    Error *err = NULL;
    if (!gs->ops->write_reg(gs->target, regno, v, &err)) {
        reply_errp(gs, 1, err);
        return false;
    }
    return true;
}

static void handle_G(GdbSession *gs, const char *p, const char *end)
{
    size_t n = (size_t)(end - p);
    if (n == 0 || n % 16 != 0 || n / 16 > 33) {
        reply_error(gs, 22, "bad register block length");
        return;
    }
    uint8_t b[33 * 8];
    if (!hex_decode(p, n / 2, b)) {
        reply_error(gs, 22, "bad hex in register block");
        return;
    }
    for (size_t i = 0; i < n / 16; i++) {
        if (!write_reg_bytes(gs, (int)i, b + 8 * i, 8)) {
            return;
        }
    }
    reply_str(gs, "OK");
}

static bool parse_regno(const char **p, const char *end, int *regno)
{
    uint64_t v;
    /* Registers above GDB_REGNO_PRIV do not exist; the bound also keeps the
     * value inside an int. */
    if (!parse_hex(p, end, &v) || v > GDB_REGNO_PRIV) {
        return false;
    }
    *regno = (int)v;
    return true;
}

static void handle_p(GdbSession *gs, const char *p, const char *end)
{
    int regno;
    uint64_t v;
    if (!parse_regno(&p, end, &regno) || p != end) {
        reply_error(gs, 22, "bad register number");
        return;
    }
    if (!gs->ops->read_reg(gs->target, regno, &v)) {
        reply_error(gs, 14, "no such register");
        return;
    }
    rep_reset(gs);
    rep_reg(gs, v, gdb_reg_size(regno));
    send_reply(gs);
}

static void handle_P(GdbSession *gs, const char *p, const char *end)
{
    int regno;
    if (!parse_regno(&p, end, &regno) || !expect(&p, end, '=')) {
        reply_error(gs, 22, "malformed P packet");
        return;
    }
    size_t size = gdb_reg_size(regno);
    uint8_t b[8];
    if ((size_t)(end - p) != 2 * size || !hex_decode(p, size, b)) {
        reply_error(gs, 22, "bad register value");
        return;
    }
    if (write_reg_bytes(gs, regno, b, size)) {
        reply_str(gs, "OK");
    }
}

/* ---- memory ---- */

/* "addr,len" shared by m, M and X. */
static bool parse_addr_len(const char **p, const char *end, uint64_t *addr, uint64_t *len)
{
    return parse_hex(p, end, addr) && expect(p, end, ',') && parse_hex(p, end, len);
}

static void handle_m(GdbSession *gs, const char *p, const char *end)
{
    uint64_t addr, len;
    /* Errors to 'm' are always "Enn": gdb 13 parses an 'm' reply that is
     * not exactly "Enn" as hex data ("Invalid hex digit"). */
    if (!parse_addr_len(&p, end, &addr, &len) || p != end) {
        reply_error(gs, 22, NULL);
        return;
    }
    if (len > GDB_MAX_READ) {
        /* A short reply is allowed ("m addr,length" in the manual); gdb
         * asks again for the rest. */
        len = GDB_MAX_READ;
    }
    uint8_t buf[GDB_MAX_READ];
    size_t got = (size_t)len;
    if (len && !gs->ops->read_mem(gs->target, addr, buf, (size_t)len)) {
        /* The manual allows a short read; find the readable prefix so
         * "x/8x" across an unmapped page still shows the mapped part. */
        got = 0;
        while (got < len && gs->ops->read_mem(gs->target, addr + got, buf + got, 1)) {
            got++;
        }
        if (got == 0) {
            reply_error(gs, 14, NULL);
            return;
        }
    }
    rep_reset(gs);
    rep_hex(gs, buf, got);
    send_reply(gs);
}

static void write_mem_reply(GdbSession *gs, uint64_t addr, const uint8_t *buf, size_t len)
{
    Error *err = NULL;
    if (len && !gs->ops->write_mem(gs->target, addr, buf, len, &err)) {
        reply_errp(gs, 14, err);
        return;
    }
    reply_str(gs, "OK");
}

static void handle_M(GdbSession *gs, const char *p, const char *end)
{
    uint64_t addr, len;
    if (!parse_addr_len(&p, end, &addr, &len) || !expect(&p, end, ':')) {
        reply_error(gs, 22, "malformed M packet");
        return;
    }
    /* Two hex digits a byte: more than this cannot fit in the packet. */
    if (len > GDB_MAX_PACKET / 2) {
        reply_error(gs, 22, "M packet longer than PacketSize");
        return;
    }
    uint8_t buf[GDB_MAX_PACKET / 2];
    if ((uint64_t)(end - p) != 2 * len || !hex_decode(p, (size_t)len, buf)) {
        reply_error(gs, 22, "bad data in M packet");
        return;
    }
    write_mem_reply(gs, addr, buf, (size_t)len);
}

static void handle_X(GdbSession *gs, const char *p, const char *end)
{
    uint64_t addr, len;
    if (!parse_addr_len(&p, end, &addr, &len) || !expect(&p, end, ':')) {
        reply_error(gs, 22, "malformed X packet");
        return;
    }
    if (len > GDB_MAX_MEM) {
        reply_error(gs, 22, "X packet longer than PacketSize");
        return;
    }
    uint8_t buf[GDB_MAX_MEM];
    size_t n = 0;
    while (p < end) {
        uint8_t c = (uint8_t)*p++;
        if (c == '}') {
            if (p == end) {
                reply_error(gs, 22, "truncated escape in X packet");
                return;
            }
            c = (uint8_t)*p++ ^ 0x20;
        }
        if (n == len) {
            reply_error(gs, 22, "X packet data longer than its length");
            return;
        }
        buf[n++] = c;
    }
    if (n != len) {
        reply_error(gs, 22, "X packet data shorter than its length");
        return;
    }
    write_mem_reply(gs, addr, buf, n);
}

/* ---- execution ---- */

static void do_resume(GdbSession *gs, GdbResumeKind kind)
{
    if (gs->running) {
        reply_error(gs, 1, "target is running");
        return;
    }
    bool reverse = kind == GDB_RESUME_REVERSE_CONTINUE || kind == GDB_RESUME_REVERSE_STEP;
    if (reverse && gs->ops->can_reverse && !gs->ops->can_reverse(gs->target)) {
        reply_error(gs, 1, "reverse execution needs a replay");
        return;
    }
    /* Set before the call: the target may report the stop from inside it. */
    gs->running = true;
    Error *err = NULL;
    if (!gs->ops->resume(gs->target, kind, &err)) {
        gs->running = false;
        reply_errp(gs, 1, err);
    }
}

/* c [addr], s [addr], C sig[;addr], S sig[;addr]. */
static void handle_cont(GdbSession *gs, char cmd, const char *p, const char *end)
{
    uint64_t v;
    if (cmd == 'C' || cmd == 'S') {
        if (!parse_hex(&p, end, &v)) {
            reply_error(gs, 22, "malformed signal");
            return;
        }
        /* Signals mean nothing to a bare-metal hart; ignore the number. */
        if (p < end && !expect(&p, end, ';')) {
            reply_error(gs, 22, "malformed resume packet");
            return;
        }
    }
    if (p < end) {
        if (!parse_hex(&p, end, &v) || p != end) {
            reply_error(gs, 22, "malformed resume address");
            return;
        }
        Error *err = NULL;
        if (!gs->ops->write_reg(gs->target, GDB_REGNO_PC, v, &err)) {
            reply_errp(gs, 1, err);
            return;
        }
    }
    do_resume(gs, (cmd == 's' || cmd == 'S') ? GDB_RESUME_STEP : GDB_RESUME_CONTINUE);
}

/* Whether a vCont thread-id names our thread (absent, -1, 0, 1, p1.1 ...). */
static bool vcont_thread_matches(const char *p, const char *end)
{
    if (p == end) {
        return true;
    }
    if (*p == 'p') {
        p++;
        const char *dot = memchr(p, '.', (size_t)(end - p));
        if (!dot) {
            return true;  /* "pPID": all threads of the process */
        }
        p = dot + 1;
    }
    if (end - p == 2 && p[0] == '-' && p[1] == '1') {
        return true;
    }
    uint64_t v;
    return parse_hex(&p, end, &v) && p == end && (v == 0 || v == 1);
}

static void handle_vcont(GdbSession *gs, const char *p, const char *end)
{
    /* Actions are tried left to right; the first one that applies to our
     * thread wins (manual: "vCont[;action[:thread-id]]..."). */
    while (p < end) {
        if (!expect(&p, end, ';') || p == end) {
            break;
        }
        const char *a = p;
        const char *next = memchr(p, ';', (size_t)(end - p));
        const char *aend = next ? next : end;
        const char *colon = memchr(a, ':', (size_t)(aend - a));
        const char *tid = colon ? colon + 1 : aend;
        char act = *a;
        if (vcont_thread_matches(tid, aend)) {
            if (act == 'c' || act == 'C') {
                do_resume(gs, GDB_RESUME_CONTINUE);
                return;
            }
            if (act == 's' || act == 'S') {
                do_resume(gs, GDB_RESUME_STEP);
                return;
            }
            if (act == 't') {
                if (gs->running) {
                    gs->ops->interrupt(gs->target);
                } else {
                    reply_str(gs, "OK");
                }
                return;
            }
            reply_error(gs, 22, "unsupported vCont action");
            return;
        }
        p = aend;
    }
    reply_error(gs, 22, "malformed vCont packet");
}

/* ---- break/watchpoints ---- */

static void handle_point(GdbSession *gs, bool insert, const char *p, const char *end)
{
    uint64_t type, addr, len;
    if (!parse_hex(&p, end, &type) || !expect(&p, end, ',') ||
        !parse_hex(&p, end, &addr) || !expect(&p, end, ',') || !parse_hex(&p, end, &len) ||
        (p < end && *p != ';')) {
        reply_error(gs, 22, "malformed Z packet");
        return;
    }
    /* Conditions and commands after ';' are evaluated by gdb itself. */
    if (type > GDB_POINT_WATCH_ACCESS || !gs->ops->insert_point || !gs->ops->remove_point) {
        reply_str(gs, "");
        return;
    }
    if (len == 0 || len > GDB_MAX_MEM) {
        reply_error(gs, 22, "bad break/watchpoint length");
        return;
    }
    Error *err = NULL;
    bool ok = insert ? gs->ops->insert_point(gs->target, (GdbPointType)type, addr, len, &err)
                     : gs->ops->remove_point(gs->target, (GdbPointType)type, addr, len, &err);
    if (ok) {
        reply_str(gs, "OK");
    } else {
        reply_errp(gs, 1, err);
    }
}

/* ---- queries ---- */

static bool starts(const char *p, const char *end, const char *prefix, const char **rest)
{
    size_t n = strlen(prefix);
    if ((size_t)(end - p) < n || memcmp(p, prefix, n) != 0) {
        return false;
    }
    if (rest) {
        *rest = p + n;
    }
    return true;
}

static bool is(const char *p, const char *end, const char *s)
{
    return (size_t)(end - p) == strlen(s) && memcmp(p, s, (size_t)(end - p)) == 0;
}

static void handle_qsupported(GdbSession *gs, const char *p, const char *end)
{
    /* "qSupported:feat+;feat-;feat=val" */
    if (p < end && *p == ':') {
        p++;
    }
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *fend = semi ? semi : end;
        if (is(p, fend, "swbreak+")) {
            gs->swbreak_ok = true;
        } else if (is(p, fend, "hwbreak+")) {
            gs->hwbreak_ok = true;
        } else if (is(p, fend, "error-message+")) {
            gs->error_strings = gs->error_message_feature = true;
        }
        p = semi ? semi + 1 : end;
    }
    bool rev = !gs->ops->can_reverse || gs->ops->can_reverse(gs->target);
    rep_reset(gs);
    rep_printf(gs, "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+;vContSupported+;"
                   "QStartNoAckMode+", GDB_MAX_PACKET);
    if (rev) {
        rep_str(gs, ";ReverseStep+;ReverseContinue+");
    }
    if (gs->error_message_feature) {
        rep_str(gs, ";error-message+");
    }
    send_reply(gs);
}

static const char *target_xml(GdbSession *gs)
{
    if (gs->ops->target_xml) {
        const char *x = gs->ops->target_xml(gs->target);
        if (x) {
            return x;
        }
    }
    if (!gs->xml) {
        gs->xml = gdbstub_riscv64_xml();
    }
    return gs->xml;
}

static bool needs_escape(char c)
{
    return c == '#' || c == '$' || c == '}' || c == '*';
}

/* qXfer:features:read:ANNEX:OFF,LEN */
static void handle_qxfer_features(GdbSession *gs, const char *p, const char *end)
{
    const char *colon = memchr(p, ':', (size_t)(end - p));
    uint64_t off, len;
    if (!colon) {
        reply_error(gs, 22, "malformed qXfer");
        return;
    }
    const char *q = colon + 1;
    if (!parse_hex(&q, end, &off) || !expect(&q, end, ',') || !parse_hex(&q, end, &len) ||
        q != end) {
        reply_error(gs, 22, "malformed qXfer offset/length");
        return;
    }
    if (!is(p, colon, "target.xml")) {
        reply_error(gs, 0, "no such annex");
        return;
    }
    const char *xml = target_xml(gs);
    size_t total = strlen(xml);
    if (off >= total) {
        reply_str(gs, "l");
        return;
    }
    rep_reset(gs);
    rep_str(gs, "m");
    size_t i = (size_t)off;
    /* Leave room for the worst case: an escaped byte takes two. */
    while (i < total && (uint64_t)(i - off) < len && gs->reply_len + 2 <= GDB_MAX_PACKET) {
        char c = xml[i++];
        if (needs_escape(c)) {
            char esc[2] = { '}', (char)(c ^ 0x20) };
            rep_bytes(gs, esc, 2);
        } else {
            rep_bytes(gs, &c, 1);
        }
    }
    if (i >= total) {
        gs->reply[0] = 'l';
    }
    send_reply(gs);
}

static void send_console(GdbSession *gs, const char *text, size_t len)
{
    /* "O" packets carry hex console output; chunks fit one packet each. */
    const size_t chunk = (GDB_MAX_PACKET - 2) / 2;
    if (len > GDB_MAX_MONITOR_OUTPUT) {
        len = GDB_MAX_MONITOR_OUTPUT;
    }
    for (size_t i = 0; i < len; i += chunk) {
        size_t n = len - i < chunk ? len - i : chunk;
        rep_reset(gs);
        rep_str(gs, "O");
        rep_hex(gs, (const uint8_t *)text + i, n);
        send_reply(gs);
    }
}

static void handle_qrcmd(GdbSession *gs, const char *p, const char *end)
{
    size_t n = (size_t)(end - p);
    if (!gs->ops->monitor) {
        reply_str(gs, "");
        return;
    }
    char cmd[GDB_MAX_PACKET / 2 + 1];
    if (n % 2 != 0 || !hex_decode(p, n / 2, (uint8_t *)cmd)) {
        reply_error(gs, 22, "bad hex in monitor command");
        return;
    }
    cmd[n / 2] = 0;
    Error *err = NULL;
    gs->in_rcmd = true;
    char *out = gs->ops->monitor(gs->target, cmd, &err);
    gs->in_rcmd = false;
    if (!out) {
        /* Shown to the user as console text: gdb 13 reports any "E" reply
         * to qRcmd only as "Protocol error with Rcmd". */
        const char *msg = err ? error_get_message(err) : "monitor command failed";
        char line[512];
        int len = snprintf(line, sizeof(line), "%s\n", msg);
        send_console(gs, line, len < 0 ? 0 : (size_t)len >= sizeof(line) ? sizeof(line) - 1
                                                                          : (size_t)len);
        error_free(err);
    } else {
        send_console(gs, out, strlen(out));
        free(out);
    }
    reply_str(gs, "OK");
}

static void handle_q(GdbSession *gs, const char *p, const char *end)
{
    const char *rest;
    if (starts(p, end, "qSupported", &rest) && (rest == end || *rest == ':')) {
        handle_qsupported(gs, rest, end);
    } else if (starts(p, end, "qXfer:features:read:", &rest)) {
        handle_qxfer_features(gs, rest, end);
    } else if (is(p, end, "qAttached") || starts(p, end, "qAttached:", NULL)) {
        reply_str(gs, "1");  /* the machine existed before us: detach, not kill */
    } else if (is(p, end, "qC")) {
        reply_str(gs, "QC" GDB_THREAD_ID);
    } else if (is(p, end, "qfThreadInfo")) {
        reply_str(gs, "m" GDB_THREAD_ID);
    } else if (is(p, end, "qsThreadInfo")) {
        reply_str(gs, "l");
    } else if (starts(p, end, "qThreadExtraInfo,", NULL)) {
        rep_reset(gs);
        rep_hex(gs, (const uint8_t *)"hart 0", 6);
        send_reply(gs);
    } else if (starts(p, end, "qRcmd,", &rest)) {
        handle_qrcmd(gs, rest, end);
    } else if (starts(p, end, "qSymbol:", NULL)) {
        reply_str(gs, "OK");  /* no symbols needed */
    } else {
        reply_str(gs, "");
    }
}

static void handle_Q(GdbSession *gs, const char *p, const char *end)
{
    if (is(p, end, "QStartNoAckMode")) {
        reply_str(gs, "OK");
        /* The client acks this very reply; acks stop after it. */
        gs->no_ack = true;
    } else if (is(p, end, "QEnableErrorStrings")) {
        gs->error_strings = true;
        reply_str(gs, "OK");
    } else {
        reply_str(gs, "");
    }
}

static void handle_v(GdbSession *gs, const char *p, const char *end)
{
    const char *rest;
    if (is(p, end, "vCont?")) {
        reply_str(gs, "vCont;c;C;s;S;t");
    } else if (starts(p, end, "vCont", &rest) && (rest == end || *rest == ';')) {
        handle_vcont(gs, rest, end);
    } else if (starts(p, end, "vKill", NULL)) {
        if (gs->ops->kill) {
            gs->ops->kill(gs->target);
        }
        reply_str(gs, "OK");
        gs->ended = true;
    } else {
        /* vMustReplyEmpty and everything unknown: the empty reply means
         * "not supported" (manual, "Packets"). */
        reply_str(gs, "");
    }
}

static void handle_thread_alive(GdbSession *gs, const char *p, const char *end)
{
    if (vcont_thread_matches(p, end) && p != end) {
        reply_str(gs, "OK");
    } else {
        reply_error(gs, 22, "no such thread");
    }
}

static void dispatch(GdbSession *gs, const char *p, const char *end)
{
    if (p == end) {
        reply_str(gs, "");
        return;
    }
    char cmd = *p;
    const char *args = p + 1;
    switch (cmd) {
    case '?':
        rep_reset(gs);
        rep_stop(gs, gs->last_stop);
        send_reply(gs);
        break;
    case 'g':
        if (args == end) {
            handle_g(gs);
        } else {
            reply_error(gs, 22, "malformed g packet");
        }
        break;
    case 'G':
        handle_G(gs, args, end);
        break;
    case 'p':
        handle_p(gs, args, end);
        break;
    case 'P':
        handle_P(gs, args, end);
        break;
    case 'm':
        handle_m(gs, args, end);
        break;
    case 'M':
        handle_M(gs, args, end);
        break;
    case 'X':
        handle_X(gs, args, end);
        break;
    case 'c':
    case 's':
    case 'C':
    case 'S':
        handle_cont(gs, cmd, args, end);
        break;
    case 'b':
        if (is(args, end, "c")) {
            do_resume(gs, GDB_RESUME_REVERSE_CONTINUE);
        } else if (is(args, end, "s")) {
            do_resume(gs, GDB_RESUME_REVERSE_STEP);
        } else {
            reply_str(gs, "");
        }
        break;
    case 'Z':
    case 'z':
        handle_point(gs, cmd == 'Z', args, end);
        break;
    case 'q':
        handle_q(gs, p, end);
        break;
    case 'Q':
        handle_Q(gs, p, end);
        break;
    case 'v':
        handle_v(gs, p, end);
        break;
    case 'H':
        /* One thread: every selection is ours. */
        reply_str(gs, "OK");
        break;
    case 'T':
        handle_thread_alive(gs, args, end);
        break;
    case 'k':
        if (gs->ops->kill) {
            gs->ops->kill(gs->target);
        }
        gs->ended = true;  /* no reply to 'k' in all-stop mode */
        break;
    case 'D':
        if (gs->ops->detach) {
            gs->ops->detach(gs->target);
        }
        gs->running = false;
        reply_str(gs, "OK");
        gs->ended = true;
        break;
    default:
        reply_str(gs, "");
        break;
    }
}

/* ---- framing ---- */

static void packet_complete(GdbSession *gs)
{
    bool sum_ok = !gs->rx_csum_bad && gs->rx_csum == gs->csum;
    /* Without acks the transport is trusted (manual, "Packet Acknowledgment"). */
    if (!gs->no_ack) {
        if (!sum_ok) {
            send_raw(gs, "-", 1);
            return;
        }
        send_raw(gs, "+", 1);
    }
    if (gs->pkt_overflow) {
        reply_error(gs, 22, "packet too long");
        return;
    }
    gs->pkt[gs->pkt_len] = 0;
    dispatch(gs, (const char *)gs->pkt, (const char *)gs->pkt + gs->pkt_len);
}

static void rx_byte(GdbSession *gs, uint8_t c)
{
    switch (gs->rx) {
    case RX_IDLE:
        if (c == '$') {
            gs->rx = RX_DATA;
            gs->pkt_len = 0;
            gs->pkt_overflow = false;
            gs->csum = 0;
        } else if (c == 0x03) {
            if (gs->running) {
                gs->ops->interrupt(gs->target);
            }
        } else if (c == '-' && !gs->no_ack) {
            if (gs->tx_len && gs->nacks < GDB_MAX_RETRANSMIT) {
                gs->nacks++;
                send_raw(gs, gs->tx, gs->tx_len);
            }
        }
        /* '+' and noise between packets are ignored. */
        break;
    case RX_DATA:
        if (c == '#') {
            gs->rx = RX_CSUM1;
        } else if (c == '$') {
            /* A raw '$' never occurs inside a packet: the client restarted. */
            gs->pkt_len = 0;
            gs->pkt_overflow = false;
            gs->csum = 0;
        } else {
            gs->csum += c;
            if (gs->pkt_len < GDB_MAX_PACKET) {
                gs->pkt[gs->pkt_len++] = c;
            } else {
                /* Keep summing so the client still gets a proper ack and
                 * an error, not a nack it would retransmit forever. */
                gs->pkt_overflow = true;
            }
        }
        break;
    case RX_CSUM1:
    case RX_CSUM2: {
        int v = hexval(c);
        if (gs->rx == RX_CSUM1) {
            gs->rx_csum_bad = v < 0;
            gs->rx_csum = (uint8_t)((v < 0 ? 0 : v) << 4);
            gs->rx = RX_CSUM2;
        } else {
            gs->rx_csum_bad |= v < 0;
            gs->rx_csum |= (uint8_t)(v < 0 ? 0 : v);
            gs->rx = RX_IDLE;
            packet_complete(gs);
        }
        break;
    }
    }
}

/* ---- public ---- */

GdbSession *gdb_session_new(const GdbTargetOps *ops, void *target, GdbWriteFn *write,
                            void *opaque)
{
    GdbSession *gs = calloc(1, sizeof(*gs));
    if (!gs) {
        return NULL;
    }
    gs->ops = ops;
    gs->target = target;
    gs->write = write;
    gs->opaque = opaque;
    gs->last_stop.kind = GDB_STOP_STEP_DONE;
    return gs;
}

void gdb_session_free(GdbSession *gs)
{
    if (gs) {
        free(gs->xml);
        free(gs);
    }
}

bool gdb_session_input(GdbSession *gs, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len && !gs->ended; i++) {
        rx_byte(gs, buf[i]);
    }
    return !gs->ended;
}

void gdb_session_notify_stop(GdbSession *gs, GdbStopReason reason)
{
    gs->last_stop = reason;
    if (gs->running && !gs->ended) {
        gs->running = false;
        rep_reset(gs);
        rep_stop(gs, reason);
        send_reply(gs);
    }
}

void gdb_session_console(GdbSession *gs, const char *text, size_t len)
{
    if ((gs->in_rcmd || gs->running) && !gs->ended) {
        send_console(gs, text, len);
    }
}

bool gdb_session_running(const GdbSession *gs)
{
    return gs->running;
}

GdbStopReason gdb_session_last_stop(const GdbSession *gs)
{
    return gs->last_stop;
}

void gdb_session_set_last_stop(GdbSession *gs, GdbStopReason reason)
{
    gs->last_stop = reason;
}
