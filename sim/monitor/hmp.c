/* hmp: see hmp.h. Command names, argument syntax and output lines follow
 * QEMU 7.2's HMP (monitor/hmp-cmds.c) where rrsim has the same thing. */
#include "sim/monitor/hmp.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim/base/sock.h"

#define HMP_LINE_MAX 1024
/* A client that stops reading is dropped past this much queued output. */
#define HMP_MAX_QUEUED (4u << 20)

struct HmpSession {
    const HmpOps *ops;
    void *target;
    HmpWriteFn *write;
    void *opaque;
    bool echo;
    bool quit;
    bool skip_lf;              /* a CR ended the last line: ignore its LF */
    char line[HMP_LINE_MAX];
    size_t len;
    char *pend;                /* complete lines waiting, '\n'-separated */
    size_t plen;
    bool pumping;
    HmpFormat last;            /* x/xp's sticky format and size */
};

/* ---- x /fmt ---- */

bool hmp_parse_format(const char *s, HmpFormat *last, HmpFormat *out, Error **errp)
{
    HmpFormat f = { .count = 1, .format = last->format, .size = last->size };
    if (s && *s == '/') {
        const char *p = s + 1;
        int size = -1;
        char format = 0;
        if (isdigit((unsigned char)*p)) {
            long n = 0;
            while (isdigit((unsigned char)*p)) {
                n = n * 10 + (*p++ - '0');
                if (n > 1 << 20) {
                    error_setc(errp, ERR_USAGE, "count too large in format '%s'", s);
                    return false;
                }
            }
            f.count = (int)n;
        }
        for (; *p && !isspace((unsigned char)*p); p++) {
            switch (*p) {
            case 'o': case 'd': case 'u': case 'x': case 'c': case 'i':
                format = *p;
                break;
            case 'b': size = 1; break;
            case 'h': size = 2; break;
            case 'w': size = 4; break;
            case 'g': case 'L': size = 8; break;
            default:
                error_setc(errp, ERR_USAGE, "invalid char in format: '%c'", *p);
                return false;
            }
        }
        if (format) {
            f.format = format;
        }
        if (size > 0) {
            f.size = size;
        }
    }
    last->format = f.format;
    last->size = f.size;
    *out = f;
    return true;
}

static void print_char(FILE *out, uint64_t v)
{
    int c = (int)(v & 0xff);
    fputc('\'', out);
    switch (c) {
    case '\'': fputs("\\'", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\n': fputs("\\n", out); break;
    case '\r': fputs("\\r", out); break;
    default:
        if (c >= 32 && c <= 126) {
            fputc(c, out);
        } else {
            fprintf(out, "\\x%02x", c);
        }
    }
    fputc('\'', out);
}

/* x/i: one instruction per line, as QEMU's monitor_disas prints them (the
 * same text as -d in_asm). */
static void disas_dump(FILE *out, const HmpOps *ops, void *target, int count, uint64_t addr,
                       bool phys)
{
    for (int i = 0; i < count; i++) {
        uint8_t b[4];
        if (!ops->read_mem || !ops->read_mem(target, addr, phys, b, 2)) {
            fprintf(out, "0x%016" PRIx64 ":  Cannot access memory\n", addr);
            return;
        }
        uint32_t raw = (uint32_t)b[0] | (uint32_t)b[1] << 8;
        if ((raw & 3) == 3) {
            if (!ops->read_mem(target, addr + 2, phys, b + 2, 2)) {
                fprintf(out, "0x%016" PRIx64 ":  Cannot access memory\n", addr);
                return;
            }
            raw |= (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        }
        char line[128];
        int len = ops->disas(line, sizeof(line), addr, raw);
        fprintf(out, "0x%016" PRIx64 ":  %s\n", addr, line);
        addr += (uint64_t)len;
    }
}

void hmp_memory_dump(FILE *out, const HmpOps *ops, void *target, const HmpFormat *f,
                     uint64_t addr, bool phys)
{
    if (f->format == 'i') {
        if (ops->disas) {
            disas_dump(out, ops, target, f->count, addr, phys);
        } else {
            fputs("format 'i' is not available here\n", out);
        }
        return;
    }
    int wsize = f->size;
    int64_t len = (int64_t)wsize * f->count;
    int line_size = wsize == 1 ? 8 : 16;
    int digits = 0;
    switch (f->format) {
    case 'o': digits = (wsize * 8 + 2) / 3; break;
    case 'u': case 'd': digits = (wsize * 80 + 32) / 33; break;
    case 'c': wsize = 1; break;
    default: digits = wsize * 2; break;
    }
    while (len > 0) {
        fprintf(out, "%016" PRIx64 ":", addr);
        int l = len > line_size ? line_size : (int)len;
        uint8_t buf[16];
        if (!ops->read_mem || !ops->read_mem(target, addr, phys, buf, (size_t)l)) {
            fputs(" Cannot access memory\n", out);
            break;
        }
        for (int i = 0; i < l; i += wsize) {
            uint64_t v = 0;
            for (int b = 0; b < wsize && i + b < l; b++) {
                v |= (uint64_t)buf[i + b] << (8 * b);   /* the guest is little-endian */
            }
            fputc(' ', out);
            switch (f->format) {
            case 'o': fprintf(out, "%#*" PRIo64, digits, v); break;
            case 'u': fprintf(out, "%*" PRIu64, digits, v); break;
            case 'd': fprintf(out, "%*" PRId64, digits, (int64_t)v); break;
            case 'c': print_char(out, v); break;
            default: fprintf(out, "0x%0*" PRIx64, digits, v); break;
            }
        }
        fputc('\n', out);
        addr += (uint64_t)l;
        len -= l;
    }
}

/* ---- commands ---- */

/* QEMU's address expressions, in the part people use: numbers (0x.., 0..,
 * decimal), $registers, and + or - between them. */
static bool parse_expr(HmpSession *s, const char *e, uint64_t *out, Error **errp)
{
    uint64_t acc = 0;
    int sign = 1;
    const char *p = e;
    for (;;) {
        while (isspace((unsigned char)*p)) {
            p++;
        }
        uint64_t v;
        if (*p == '$') {
            char name[16];
            size_t n = 0;
            p++;
            while ((isalnum((unsigned char)*p) || *p == '_') && n + 1 < sizeof(name)) {
                name[n++] = *p++;
            }
            name[n] = '\0';
            if (!s->ops->read_reg || !s->ops->read_reg(s->target, name, &v)) {
                error_setc(errp, ERR_USAGE, "unknown register");
                return false;
            }
        } else if (isdigit((unsigned char)*p)) {
            char *end;
            errno = 0;
            v = strtoull(p, &end, 0);
            if (errno) {
                error_setc(errp, ERR_USAGE, "number too large");
                return false;
            }
            p = end;
        } else {
            error_setc(errp, ERR_USAGE, *p ? "invalid char in expression" :
                                             "unexpected end of expression");
            return false;
        }
        acc += sign > 0 ? v : (uint64_t)0 - v;
        while (isspace((unsigned char)*p)) {
            p++;
        }
        if (*p == '+' || *p == '-') {
            sign = *p++ == '+' ? 1 : -1;
            continue;
        }
        if (*p) {
            error_setc(errp, ERR_USAGE, "invalid char in expression");
            return false;
        }
        *out = acc;
        return true;
    }
}

static bool parse_icount(const char *arg, uint64_t *out, Error **errp)
{
    char *end;
    if (!arg) {
        error_setc(errp, ERR_USAGE, "an instruction count is required");
        return false;
    }
    errno = 0;
    *out = strtoull(arg, &end, 0);
    if (!isdigit((unsigned char)*arg) || errno || *end) {
        error_setc(errp, ERR_USAGE, "'%s' is not an instruction count", arg);
        return false;
    }
    return true;
}

static void info_status(HmpSession *s, FILE *out)
{
    QmpStatus st = { false, "paused" };
    s->ops->qmp->query_status(s->target, &st);
    /* QEMU: "paused", plus the run state when it is not plain "paused". */
    fprintf(out, "VM status: %s", st.running ? "running" : "paused");
    if (!st.running && strcmp(st.status, "paused")) {
        fprintf(out, " (%s)", st.status);
    }
    fputc('\n', out);
}

static bool info_replay(HmpSession *s, FILE *out, Error **errp)
{
    QmpReplayInfo ri = { 0 };
    if (!s->ops->qmp->query_replay(s->target, &ri, errp)) {
        return false;
    }
    if (!strcmp(ri.mode, "none")) {
        fputs("Record/replay is not active\n", out);
    } else {
        fprintf(out, "%s execution '%s': instruction count = %" PRIu64 "\n",
                !strcmp(ri.mode, "record") ? "Recording" : "Replaying",
                ri.filename ? ri.filename : "", ri.icount);
    }
    return true;
}

static bool info_snapshots(HmpSession *s, FILE *out, Error **errp)
{
    QmpSnapshotInfo *list = NULL;
    size_t n = 0;
    if (!s->ops->qmp->snapshot_list(s->target, &list, &n, errp)) {
        return false;
    }
    if (!n) {
        fputs("There is no snapshot available.\n", out);
    } else {
        fputs("List of snapshots present in the snapshot store:\n", out);
        fprintf(out, "%-10s%-24s%12s\n", "ID", "TAG", "ICOUNT");
        for (size_t i = 0; i < n; i++) {
            fprintf(out, "%-10s%-24s%12" PRIu64 "\n", "--", list[i].name, list[i].icount);
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(list[i].name);
    }
    free(list);
    return true;
}

static const char hmp_help[] =
    "cont|c  -- resume emulation\n"
    "delvm tag -- delete a VM snapshot from its tag\n"
    "help|? [cmd] -- show the help\n"
    "info [subcommand] -- show various information about the system state\n"
    "loadvm tag -- restore a VM snapshot from its tag\n"
    "quit|q  -- quit the emulator\n"
    "replay_break icount -- set breakpoint at the specified instruction count\n"
    "replay_delete_break  -- remove replay breakpoint\n"
    "replay_seek icount -- replay execution to the specified instruction count\n"
    "savevm tag -- save a VM snapshot\n"
    "stop|s  -- stop emulation\n"
    "system_reset  -- reset the system\n"
    "x /fmt addr -- virtual memory dump starting at 'addr'\n"
    "xp /fmt addr -- physical memory dump starting at 'addr'\n";

static const char hmp_info_help[] =
    "info mtree  -- show memory tree\n"
    "info qtree  -- show device tree\n"
    "info registers  -- show the cpu registers\n"
    "info replay  -- show record/replay information\n"
    "info snapshots  -- show the currently saved VM snapshots\n"
    "info status  -- show the current VM status (running|paused)\n";

/* QmpOps callbacks may be missing (qmp.h): say so instead of calling. */
static bool have(const void *fn, const char *cmd, Error **errp)
{
    if (!fn) {
        error_setg(errp, "%s is not supported by this machine", cmd);
    }
    return fn != NULL;
}

static bool run_info(HmpSession *s, const char *what, FILE *out, Error **errp)
{
    if (!what) {
        fputs(hmp_info_help, out);
        return true;
    }
    if (!strcmp(what, "status")) {
        info_status(s, out);
    } else if (!strcmp(what, "registers")) {
        s->ops->info_registers(s->target, out);
    } else if (!strcmp(what, "replay")) {
        return info_replay(s, out, errp);
    } else if (!strcmp(what, "snapshots")) {
        return info_snapshots(s, out, errp);
    } else if (!strcmp(what, "mtree")) {
        s->ops->info_mtree(s->target, out);
    } else if (!strcmp(what, "qtree")) {
        s->ops->info_qtree(s->target, out);
    } else {
        fprintf(out, "unknown command: 'info %s'\n", what);
    }
    return true;
}

static bool needs_arg(const char *cmd, const char *arg, Error **errp)
{
    if (!arg) {
        error_setc(errp, ERR_USAGE, "%s: missing argument (try \"help %s\")", cmd, cmd);
        return false;
    }
    return true;
}

void hmp_session_command(HmpSession *s, const char *line, FILE *out)
{
    char buf[HMP_LINE_MAX + 1];
    snprintf(buf, sizeof(buf) - 1, "%s", line);
    char *p = buf;
    while (isspace((unsigned char)*p)) {
        p++;
    }
    char *cmd = p;
    while (*p && !isspace((unsigned char)*p) && *p != '/') {
        p++;
    }
    if (*p == '/') {
        /* "x/3i $pc" as QEMU reads it: the format starts the arguments. */
        memmove(p + 1, p, strlen(p) + 1);
        *p++ = '\0';
    } else if (*p) {
        *p++ = '\0';
    }
    while (isspace((unsigned char)*p)) {
        p++;
    }
    /* The rest of the line; trailing blanks off. */
    char *rest = *p ? p : NULL;
    for (size_t n = rest ? strlen(rest) : 0; n && isspace((unsigned char)rest[n - 1]); n--) {
        rest[n - 1] = '\0';
    }
    if (!*cmd) {
        return;
    }
    Error *err = NULL;
    bool ok = true;
    if (!strcmp(cmd, "help") || !strcmp(cmd, "?")) {
        fputs(rest && !strcmp(rest, "info") ? hmp_info_help : hmp_help, out);
    } else if (!strcmp(cmd, "info") || !strcmp(cmd, "i")) {
        ok = run_info(s, rest, out, &err);
    } else if (!strcmp(cmd, "x") || !strcmp(cmd, "xp")) {
        char *fmt = rest && rest[0] == '/' ? rest : NULL;
        char *expr = rest;
        if (fmt) {
            expr = fmt + strcspn(fmt, " \t");
            if (*expr) {
                *expr++ = '\0';
            }
        }
        HmpFormat f;
        uint64_t addr;
        if (!expr || !*expr) {
            fputs("unexpected end of expression\nTry \"help x\" for more information\n", out);
        } else if (!hmp_parse_format(fmt, &s->last, &f, &err) ||
                   !parse_expr(s, expr, &addr, &err)) {
            fprintf(out, "%s\nTry \"help %s\" for more information\n",
                    error_get_message(err), cmd);
            error_free(err);
            err = NULL;
        } else {
            hmp_memory_dump(out, s->ops, s->target, &f, addr, cmd[1] == 'p');
        }
    } else if (!strcmp(cmd, "stop") || !strcmp(cmd, "s")) {
        ok = have(s->ops->qmp->stop, cmd, &err) && s->ops->qmp->stop(s->target, &err);
    } else if (!strcmp(cmd, "cont") || !strcmp(cmd, "c")) {
        ok = have(s->ops->qmp->cont, cmd, &err) && s->ops->qmp->cont(s->target, &err);
    } else if (!strcmp(cmd, "system_reset")) {
        ok = have(s->ops->qmp->system_reset, cmd, &err) && s->ops->qmp->system_reset(s->target, &err);
    } else if (!strcmp(cmd, "quit") || !strcmp(cmd, "q")) {
        ok = have(s->ops->qmp->quit, cmd, &err) && s->ops->qmp->quit(s->target, &err);
        s->quit = ok;
    } else if (!strcmp(cmd, "savevm")) {
        ok = needs_arg(cmd, rest, &err) && have(s->ops->qmp->snapshot_save, cmd, &err) &&
             s->ops->qmp->snapshot_save(s->target, rest, &err);
    } else if (!strcmp(cmd, "loadvm")) {
        ok = needs_arg(cmd, rest, &err) && have(s->ops->qmp->snapshot_load, cmd, &err) &&
             s->ops->qmp->snapshot_load(s->target, rest, &err);
    } else if (!strcmp(cmd, "delvm")) {
        ok = needs_arg(cmd, rest, &err) && have(s->ops->qmp->snapshot_delete, cmd, &err) &&
             s->ops->qmp->snapshot_delete(s->target, rest, &err);
    } else if (!strcmp(cmd, "replay_break") || !strcmp(cmd, "replay_seek")) {
        uint64_t n;
        ok = parse_icount(rest, &n, &err) &&
             (cmd[7] == 'b' ? have(s->ops->qmp->replay_break, cmd, &err) &&
                                 s->ops->qmp->replay_break(s->target, n, &err)
                            : have(s->ops->qmp->replay_seek, cmd, &err) &&
                                 s->ops->qmp->replay_seek(s->target, n, &err));
    } else if (!strcmp(cmd, "replay_delete_break")) {
        ok = have(s->ops->qmp->replay_delete_break, cmd, &err) &&
             s->ops->qmp->replay_delete_break(s->target, &err);
    } else {
        fprintf(out, "unknown command: '%s'\n", cmd);
    }
    if (!ok) {
        /* QEMU's hmp_handle_error(). */
        fprintf(out, "Error: %s\n", err ? error_get_message(err) : "failed");
        error_free(err);
    }
}

/* ---- session: line input ---- */

static void sess_write(HmpSession *s, const char *buf, size_t len)
{
    if (len) {
        s->write(s->opaque, buf, len);
    }
}

static void sess_puts(HmpSession *s, const char *text)
{
    sess_write(s, text, strlen(text));
}

HmpSession *hmp_session_new(const HmpOps *ops, void *target, HmpWriteFn *write, void *opaque,
                            bool echo)
{
    HmpSession *s = calloc(1, sizeof(*s));
    if (!s) {
        abort();
    }
    s->ops = ops;
    s->target = target;
    s->write = write;
    s->opaque = opaque;
    s->echo = echo;
    s->last = (HmpFormat){ 1, 'x', 4 };
    sess_puts(s, "rrsim " RRSIM_VERSION " monitor - type 'help' for more information\n");
    hmp_session_prompt(s);
    return s;
}

void hmp_session_free(HmpSession *s)
{
    if (s) {
        free(s->pend);
    }
    free(s);
}

void hmp_session_prompt(HmpSession *s)
{
    if (!s->quit) {
        sess_puts(s, HMP_PROMPT);
    }
}

bool hmp_session_quit(const HmpSession *s)
{
    return s->quit;
}

static void run_line(HmpSession *s, const char *line)
{
    char *text = NULL;
    size_t tlen = 0;
    FILE *out = open_memstream(&text, &tlen);
    if (!out) {
        abort();
    }
    hmp_session_command(s, line, out);
    fclose(out);
    sess_write(s, text, tlen);
    free(text);
    hmp_session_prompt(s);
}

void hmp_session_pump(HmpSession *s)
{
    /* A command may run the main loop, which may pump again: one at a time. */
    if (s->pumping) {
        return;
    }
    s->pumping = true;
    while (s->plen && !s->quit && !(s->ops->busy && s->ops->busy(s->target))) {
        char *nl = memchr(s->pend, '\n', s->plen);
        size_t n = (size_t)(nl - s->pend);
        char line[HMP_LINE_MAX];
        memcpy(line, s->pend, n);
        line[n] = '\0';
        memmove(s->pend, nl + 1, s->plen - n - 1);
        s->plen -= n + 1;
        run_line(s, line);
    }
    s->pumping = false;
}

static void queue_line(HmpSession *s)
{
    if (s->plen + s->len + 1 <= HMP_MAX_PENDING) {
        if (!s->pend && !(s->pend = malloc(HMP_MAX_PENDING))) {
            abort();
        }
        memcpy(s->pend + s->plen, s->line, s->len);
        s->plen += s->len;
        s->pend[s->plen++] = '\n';
    }
    s->len = 0;
}

void hmp_session_input(HmpSession *s, const char *buf, size_t len)
{
    for (size_t i = 0; i < len && !s->quit; i++) {
        char c = buf[i];
        bool skip = s->skip_lf && c == '\n';
        s->skip_lf = c == '\r';
        if (skip) {
            continue;
        }
        if (c == '\r' || c == '\n') {
            if (s->echo) {
                sess_puts(s, "\n");
            }
            queue_line(s);
        } else if (c == 0x7f || c == '\b') {
            if (s->len) {
                s->len--;
                if (s->echo) {
                    sess_puts(s, "\b \b");
                }
            }
        } else if ((unsigned char)c >= 32 && s->len + 1 < sizeof(s->line)) {
            s->line[s->len++] = c;
            if (s->echo) {
                sess_write(s, &c, 1);
            }
        }
    }
    hmp_session_pump(s);
}

/* ---- transports ---- */

struct Hmp {
    Loop *loop;
    const HmpOps *ops;
    void *target;
    bool is_stdio;
    int in_fd, out_fd;         /* stdio: 0 and 1; socket: the client (both) */
    int listen_fd;
    char *unix_path;
    HmpSession *session;
    SockOutQueue out;
    bool in_input, dead;
};

static void hmp_client_close(Hmp *h);
static void hmp_client_read(void *opaque);
static void hmp_client_write(void *opaque);

static void hmp_update_handlers(Hmp *h)
{
    if (h->in_fd < 0) {
        return;
    }
    bool w = !h->is_stdio && !h->dead && sock_outq_pending(&h->out) > 0;
    loop_set_fd_handler(h->loop, h->in_fd, h->in_input || h->dead ? NULL : hmp_client_read,
                        w ? hmp_client_write : NULL, h, NULL);
}

static void hmp_out(void *opaque, const char *buf, size_t len)
{
    Hmp *h = opaque;
    if (h->out_fd < 0 || h->dead) {
        return;
    }
    if (h->is_stdio) {
        while (len) {
            ssize_t n = write(h->out_fd, buf, len);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                return;   /* nowhere to show it */
            }
            buf += n;
            len -= (size_t)n;
        }
        return;
    }
    if (!sock_outq_push(&h->out, buf, len) || !sock_outq_flush(&h->out, h->out_fd)) {
        h->dead = true;
        return;
    }
    if (sock_outq_pending(&h->out)) {
        hmp_update_handlers(h);
    }
}

static void hmp_client_read(void *opaque)
{
    Hmp *h = opaque;
    char buf[1024];
    ssize_t n = read(h->in_fd, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        return;
    }
    if (n <= 0) {
        hmp_client_close(h);
        return;
    }
    /* A command may run the main loop (a seek): no reads meanwhile. */
    h->in_input = true;
    hmp_update_handlers(h);
    hmp_session_input(h->session, buf, (size_t)n);
    h->in_input = false;
    if (h->dead) {
        hmp_client_close(h);
    } else {
        hmp_update_handlers(h);
    }
}

static void hmp_client_write(void *opaque)
{
    Hmp *h = opaque;
    if (!sock_outq_flush(&h->out, h->out_fd)) {
        h->dead = true;
    }
    if (h->dead && !h->in_input) {
        hmp_client_close(h);
        return;
    }
    hmp_update_handlers(h);
}

static void hmp_client_close(Hmp *h)
{
    if (h->in_fd < 0) {
        return;
    }
    loop_set_fd_handler(h->loop, h->in_fd, NULL, NULL, NULL, NULL);
    if (!h->is_stdio) {
        close(h->in_fd);
    }
    h->in_fd = h->out_fd = -1;
    sock_outq_clear(&h->out);
    h->dead = false;
    hmp_session_free(h->session);
    h->session = NULL;
}

static void hmp_client_open(Hmp *h, int in_fd, int out_fd)
{
    h->in_fd = in_fd;
    h->out_fd = out_fd;
    h->session = hmp_session_new(h->ops, h->target, hmp_out, h, false);
    hmp_update_handlers(h);
}

static void hmp_accept(void *opaque)
{
    Hmp *h = opaque;
    int fd = accept4(h->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        return;
    }
    if (h->in_fd >= 0 && !h->in_input && sock_peer_gone(h->in_fd)) {
        hmp_client_close(h);
    }
    if (h->in_fd >= 0) {
        close(fd);   /* one client at a time */
        return;
    }
    hmp_client_open(h, fd, fd);
}

Hmp *hmp_new(Loop *loop, const char *spec, const HmpOps *ops, void *target, Error **errp)
{
    Hmp *h = calloc(1, sizeof(*h));
    if (!h) {
        abort();
    }
    h->loop = loop;
    h->ops = ops;
    h->target = target;
    h->in_fd = h->out_fd = h->listen_fd = -1;
    sock_outq_init(&h->out, HMP_MAX_QUEUED);
    if (!strcmp(spec, "none")) {
        return h;
    }
    if (!strcmp(spec, "stdio")) {
        h->is_stdio = true;
        hmp_client_open(h, STDIN_FILENO, STDOUT_FILENO);
        return h;
    }
    SockSpec ss;
    if (!sock_parse(spec, 0, &ss, errp)) {
        hmp_free(h);
        return NULL;
    }
    if (!ss.server) {
        error_setc(errp, ERR_USAGE, "'%s' needs the 'server' option (rrsim listens, it does "
                   "not connect)", spec);
        hmp_free(h);
        return NULL;
    }
    h->listen_fd = sock_listen(&ss, true, NULL, errp);
    if (h->listen_fd < 0) {
        hmp_free(h);
        return NULL;
    }
    if (ss.kind == SOCK_KIND_UNIX && !(h->unix_path = strdup(ss.path))) {
        abort();
    }
    if (!loop_set_fd_handler(loop, h->listen_fd, hmp_accept, NULL, h, errp)) {
        hmp_free(h);
        return NULL;
    }
    if (ss.wait) {
        /* Startup only: wait for the first client, as QEMU without nowait. */
        struct pollfd p = { .fd = h->listen_fd, .events = POLLIN };
        while (h->in_fd < 0) {
            if (poll(&p, 1, -1) < 0 && errno != EINTR) {
                error_setg_errno(errp, errno, "waiting for a monitor client");
                hmp_free(h);
                return NULL;
            }
            hmp_accept(h);
        }
    }
    return h;
}

void hmp_free(Hmp *h)
{
    if (!h) {
        return;
    }
    hmp_client_close(h);
    if (h->listen_fd >= 0) {
        loop_set_fd_handler(h->loop, h->listen_fd, NULL, NULL, NULL, NULL);
        close(h->listen_fd);
    }
    if (h->unix_path) {
        unlink(h->unix_path);
        free(h->unix_path);
    }
    sock_outq_free(&h->out);
    free(h);
}

bool hmp_connected(const Hmp *h)
{
    return h && h->in_fd >= 0;
}

void hmp_pump(Hmp *h)
{
    if (!h || !h->session || h->in_input) {
        return;
    }
    h->in_input = true;
    hmp_session_pump(h->session);
    h->in_input = false;
    if (h->dead) {
        hmp_client_close(h);
    }
}
