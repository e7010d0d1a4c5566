/* chardev: see chardev.h. */
#include "sim/chardev/chardev.h"
#include "sim/base/sock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define CHR_READ_MAX 256
#define MUX_ESCAPE 0x01   /* Ctrl-A, as QEMU's mux */

typedef enum CharKind {
    CHR_NULL,
    CHR_CAPTURE,
    CHR_STDIO,
    CHR_FILE,
    CHR_PIPE,
    CHR_SOCKET,
} CharKind;

struct CharBackend {
    Loop *loop;
    char *spec;
    CharKind kind;
    int in_fd, out_fd;       /* -1 when absent; for a socket, the connected client */
    bool close_in, close_out;

    /* socket */
    int listen_fd;
    bool is_server;
    char *unix_path;         /* unlinked on free */

    /* stdio */
    bool tty_raw;
    struct termios saved_tio;
    bool mux, mux_escape;
    /* The mux reads keys even while the guest cannot take input (so Ctrl-A x
     * always works); guest bytes wait here until the frontend has room. */
    uint8_t mux_pend[CHR_READ_MAX];
    size_t mux_pend_len;
    BH *mux_bh;
    CharMonitorInput *mon_input;   /* the mux's monitor, NULL if none */
    CharMonitorFocus *mon_focus;
    void *mon_opaque;
    bool mon_focused;              /* Ctrl-A c gave the monitor the keyboard */

    bool input_enabled;
    bool output_muted;       /* chardev_set_output_muted() */
    /* Output along the guest's timeline: out_pos bytes written by the guest
     * up to now, of which the first out_shown were delivered to the user
     * (see chardev_set_output_pos()). */
    uint64_t out_pos, out_shown;
    bool eof;                /* stdin/pipe reached end of file */
    int watched_fd;          /* fd with our read handler installed, -1 if none */

    CharCanReceive *fe_can_receive;
    CharReceive *fe_receive;
    void *fe_opaque;
    CharInputHook *input_hook;
    CharOutputHook *output_hook;
    void *output_opaque;
    void *input_opaque;
    CharQuitHook *quit_hook;
    void *quit_opaque;

    uint8_t *cap_buf;        /* capture backend */
    size_t cap_len, cap_size;
};

static void chr_read_cb(void *opaque);

/* Poll the input fd only when its bytes could go somewhere: input enabled,
 * not at EOF, and a frontend with room. Otherwise a readable fd would make
 * every loop iteration spin on it. */
static void chr_update_watch(CharBackend *be)
{
    int want = -1;
    bool room = be->mux ? be->mux_pend_len < sizeof(be->mux_pend) : chardev_can_receive(be) > 0;
    /* A mux with a monitor reads keys even with guest input disabled. */
    bool keys = be->input_enabled || be->mon_input;
    if (keys && !be->eof && be->in_fd >= 0 && (room || be->mon_input)) {
        want = be->in_fd;
    }
    if (want == be->watched_fd) {
        return;
    }
    if (be->watched_fd >= 0) {
        loop_set_fd_handler(be->loop, be->watched_fd, NULL, NULL, NULL, NULL);
    }
    be->watched_fd = -1;
    if (want >= 0 && loop_set_fd_handler(be->loop, want, chr_read_cb, NULL, be, NULL)) {
        be->watched_fd = want;
    }
}

static void chr_client_closed(CharBackend *be)
{
    if (be->watched_fd == be->in_fd) {
        loop_set_fd_handler(be->loop, be->watched_fd, NULL, NULL, NULL, NULL);
        be->watched_fd = -1;
    }
    close(be->in_fd);
    be->in_fd = be->out_fd = -1;
}

static void chr_pass_input(CharBackend *be, const uint8_t *buf, size_t len)
{
    if (!len) {
        return;
    }
    if (be->input_hook) {
        be->input_hook(be->input_opaque, be, buf, len);
    } else {
        chardev_deliver(be, buf, len);
    }
}

static const char mux_help[] =
    "\r\nC-a h    print this help\r\n"
    "C-a x    exit emulator\r\n"
    "C-a C-a  sends C-a\r\n";
static const char mux_help_mon[] =
    "C-a c    switch between console and monitor\r\n";

static void chr_mux_to_monitor(CharBackend *be, const uint8_t *buf, size_t len)
{
    if (len && be->mon_input) {
        be->mon_input(be->mon_opaque, buf, len);
    }
}

/* Strip the Ctrl-A escapes out of buf in place; returns the guest bytes
 * left. Keys typed while the monitor has the keyboard go to it, in order
 * with the switches. */
static size_t chr_mux_filter(CharBackend *be, uint8_t *buf, size_t len)
{
    size_t out = 0;
    uint8_t mon[CHR_READ_MAX];
    size_t nmon = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = buf[i];
        if (be->mux_escape) {
            be->mux_escape = false;
            if (c == 'x') {
                if (be->quit_hook) {
                    be->quit_hook(be->quit_opaque);
                }
            } else if (c == 'h' || c == '?') {
                /* Host-side help on the terminal; never seen by the guest. */
                if (write(STDERR_FILENO, mux_help, sizeof(mux_help) - 1) < 0 ||
                    (be->mon_input &&
                     write(STDERR_FILENO, mux_help_mon, sizeof(mux_help_mon) - 1) < 0)) {
                    /* nowhere else to report it */
                }
            } else if (c == 'c' && be->mon_input) {
                chr_mux_to_monitor(be, mon, nmon);
                nmon = 0;
                be->mon_focused = !be->mon_focused;
                if (be->mon_focus) {
                    be->mon_focus(be->mon_opaque, be->mon_focused);
                }
            } else if (c == MUX_ESCAPE || c == 'a') {
                if (be->mon_focused) {
                    mon[nmon++] = MUX_ESCAPE;
                } else {
                    buf[out++] = MUX_ESCAPE;
                }
            }
            continue;
        }
        if (c == MUX_ESCAPE) {
            be->mux_escape = true;
            continue;
        }
        if (be->mon_focused) {
            mon[nmon++] = c;
        } else {
            buf[out++] = c;
        }
    }
    chr_mux_to_monitor(be, mon, nmon);
    return out;
}

/* Hand buffered mux bytes to the gate, as many as the frontend can take. */
static void chr_mux_flush(CharBackend *be)
{
    size_t n = chardev_can_receive(be);
    if (n > be->mux_pend_len) {
        n = be->mux_pend_len;
    }
    if (n && be->input_enabled) {
        uint8_t tmp[CHR_READ_MAX];
        memcpy(tmp, be->mux_pend, n);
        be->mux_pend_len -= n;
        memmove(be->mux_pend, be->mux_pend + n, be->mux_pend_len);
        chr_pass_input(be, tmp, n);
    }
    chr_update_watch(be);
}

static void chr_mux_bh(void *opaque)
{
    chr_mux_flush(opaque);
}

static void chr_read_cb(void *opaque)
{
    CharBackend *be = opaque;
    uint8_t buf[CHR_READ_MAX];
    size_t room = be->mux ? sizeof(be->mux_pend) - be->mux_pend_len : chardev_can_receive(be);
    if (be->mon_input && room < sizeof(buf)) {
        /* Monitor keys must not wait for the guest: read anyway; guest
         * bytes beyond the room are dropped, as a full line would. */
        room = sizeof(buf);
    }
    if (room == 0 || !(be->input_enabled || be->mon_input)) {
        chr_update_watch(be);
        return;
    }
    size_t want = room < sizeof(buf) ? room : sizeof(buf);
    ssize_t n = read(be->in_fd, buf, want);
    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) {
            return;
        }
        n = 0;   /* a broken input is treated as its end */
    }
    if (n == 0) {
        if (be->kind == CHR_SOCKET) {
            chr_client_closed(be);
        } else {
            be->eof = true;
        }
        chr_update_watch(be);
        return;
    }
    size_t len = (size_t)n;
    if (be->mux) {
        len = chr_mux_filter(be, buf, len);
        if (!be->input_enabled) {
            len = 0;   /* guest input is off (a replay): nothing to hold */
        }
        if (len > sizeof(be->mux_pend) - be->mux_pend_len) {
            len = sizeof(be->mux_pend) - be->mux_pend_len;
        }
        memcpy(be->mux_pend + be->mux_pend_len, buf, len);
        be->mux_pend_len += len;
        chr_mux_flush(be);
        return;
    }
    chr_pass_input(be, buf, len);
    chr_update_watch(be);
}

static void chr_accept_cb(void *opaque)
{
    CharBackend *be = opaque;
    int fd = accept4(be->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
        return;
    }
    if (be->in_fd >= 0) {
        close(fd);   /* one client at a time, as QEMU's socket chardev */
        return;
    }
    be->in_fd = be->out_fd = fd;
    chr_update_watch(be);
}

static CharBackend *chr_alloc(Loop *loop, const char *spec, CharKind kind)
{
    CharBackend *be = calloc(1, sizeof(*be));
    if (!be) {
        return NULL;
    }
    be->loop = loop;
    be->spec = strdup(spec);
    be->kind = kind;
    be->in_fd = be->out_fd = be->listen_fd = be->watched_fd = -1;
    be->input_enabled = true;
    if (!be->spec) {
        free(be);
        return NULL;
    }
    return be;
}

static bool chr_open_stdio(CharBackend *be, bool mux, Error **errp)
{
    be->in_fd = STDIN_FILENO;
    be->out_fd = STDOUT_FILENO;
    be->mux = mux;
    if (mux) {
        be->mux_bh = bh_new(be->loop, chr_mux_bh, be);
        if (!be->mux_bh) {
            error_setg(errp, "out of memory");
            return false;
        }
    }
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &be->saved_tio) == 0) {
        struct termios t = be->saved_tio;
        t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
        t.c_oflag |= OPOST;
        t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN);
        /* With the mux (mon:stdio, -nographic) Ctrl-C goes to the guest and
         * Ctrl-A x quits; plain stdio keeps Ctrl-C as a signal, as QEMU. */
        if (mux) {
            t.c_lflag &= ~(tcflag_t)ISIG;
        }
        t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
        t.c_cflag |= CS8;
        t.c_cc[VMIN] = 1;
        t.c_cc[VTIME] = 0;
        if (tcsetattr(STDIN_FILENO, TCSANOW, &t) != 0) {
            error_setg_errno(errp, errno, "cannot set the terminal to raw mode");
            return false;
        }
        be->tty_raw = true;
    }
    return true;
}

static bool chr_open_file(CharBackend *be, const char *path, Error **errp)
{
    be->out_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (be->out_fd < 0) {
        error_setg_errno(errp, errno, "cannot open serial output file '%s'", path);
        return false;
    }
    be->close_out = true;
    return true;
}

/* QEMU's pipe: PATH.in and PATH.out if both exist, else PATH both ways. */
static bool chr_open_pipe(CharBackend *be, const char *path, Error **errp)
{
    size_t n = strlen(path) + 5;
    char *in = malloc(n), *out = malloc(n);
    if (!in || !out) {
        free(in);
        free(out);
        error_setg(errp, "out of memory");
        return false;
    }
    snprintf(in, n, "%s.in", path);
    snprintf(out, n, "%s.out", path);
    struct stat st;
    bool split = stat(in, &st) == 0 && stat(out, &st) == 0;
    if (split) {
        be->out_fd = open(out, O_RDWR | O_CLOEXEC);
        be->in_fd = open(in, O_RDWR | O_CLOEXEC);
    } else {
        be->in_fd = be->out_fd = open(path, O_RDWR | O_CLOEXEC);
    }
    int err = errno;
    free(in);
    free(out);
    be->close_in = be->close_out = true;
    if (be->in_fd < 0 || be->out_fd < 0) {
        error_setg_errno(errp, err, "cannot open pipe '%s'", path);
        return false;
    }
    return true;
}

/* tcp:HOST:PORT or unix:PATH, as a client or (",server") a listener that
 * takes one client at a time. As QEMU, a server without "nowait" blocks
 * here, before the simulation starts, until its first client connects. */
static bool chr_open_socket(CharBackend *be, Error **errp)
{
    SockSpec ss;
    /* The caller (hw/machine) names the option in every error. */
    if (!sock_parse(be->spec, 0, &ss, errp)) {
        return false;
    }
    if (!ss.server) {
        be->in_fd = be->out_fd = sock_connect(&ss, errp);
        if (be->in_fd < 0) {
            return false;
        }
        return true;
    }
    be->listen_fd = sock_listen(&ss, false, NULL, errp);
    if (be->listen_fd < 0) {
        return false;
    }
    be->is_server = true;
    if (ss.kind == SOCK_KIND_UNIX && !(be->unix_path = strdup(ss.path))) {
        error_setg(errp, "out of memory");
        return false;
    }
    if (ss.wait) {
        warn_report("waiting for a connection on %s", be->spec);
        int c;
        do {
            c = accept4(be->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        } while (c < 0 && errno == EINTR);
        if (c < 0) {
            error_setg_errno(errp, errno, "serial: accept on '%s'", be->spec);
            return false;
        }
        be->in_fd = be->out_fd = c;
    }
    return loop_set_fd_handler(be->loop, be->listen_fd, chr_accept_cb, NULL, be, errp);
}

CharBackend *chardev_new(Loop *loop, const char *spec, Error **errp)
{
    CharKind kind;
    const char *arg = NULL;
    bool mux = false;

    if (!strcmp(spec, "stdio") || !strcmp(spec, "mon:stdio")) {
        kind = CHR_STDIO;
        mux = spec[0] == 'm';
    } else if (!strcmp(spec, "null") || !strcmp(spec, "none")) {
        kind = CHR_NULL;
    } else if (!strncmp(spec, "file:", 5)) {
        kind = CHR_FILE;
        arg = spec + 5;
    } else if (!strncmp(spec, "pipe:", 5)) {
        kind = CHR_PIPE;
        arg = spec + 5;
    } else if (!strncmp(spec, "tcp:", 4)) {
        kind = CHR_SOCKET;
        arg = spec + 4;
    } else if (!strncmp(spec, "unix:", 5)) {
        kind = CHR_SOCKET;
        arg = spec + 5;
    } else {
        error_setc(errp, ERR_USAGE,
                   "unknown serial backend '%s' (expected stdio, mon:stdio, null, file:PATH, "
                   "pipe:PATH, tcp:HOST:PORT,server[,nowait] or unix:PATH,server[,nowait])",
                   spec);
        return NULL;
    }
    if (arg && !*arg) {
        error_setc(errp, ERR_USAGE, "serial backend '%s' needs a path or address", spec);
        return NULL;
    }
    CharBackend *be = chr_alloc(loop, spec, kind);
    if (!be) {
        error_setg(errp, "out of memory");
        return NULL;
    }
    bool ok = true;
    switch (kind) {
    case CHR_STDIO:
        ok = chr_open_stdio(be, mux, errp);
        break;
    case CHR_FILE:
        ok = chr_open_file(be, arg, errp);
        break;
    case CHR_PIPE:
        ok = chr_open_pipe(be, arg, errp);
        break;
    case CHR_SOCKET:
        ok = chr_open_socket(be, errp);
        break;
    default:
        break;
    }
    if (!ok) {
        chardev_free(be);
        return NULL;
    }
    return be;
}

CharBackend *chardev_new_capture(Loop *loop)
{
    return chr_alloc(loop, "capture", CHR_CAPTURE);
}

const uint8_t *chardev_captured(const CharBackend *be, size_t *len)
{
    if (be->kind != CHR_CAPTURE) {
        *len = 0;
        return NULL;
    }
    *len = be->cap_len;
    return be->cap_buf;
}

void chardev_free(CharBackend *be)
{
    if (!be) {
        return;
    }
    if (be->watched_fd >= 0) {
        loop_set_fd_handler(be->loop, be->watched_fd, NULL, NULL, NULL, NULL);
    }
    if (be->listen_fd >= 0) {
        loop_set_fd_handler(be->loop, be->listen_fd, NULL, NULL, NULL, NULL);
        close(be->listen_fd);
    }
    if (be->tty_raw) {
        tcsetattr(STDIN_FILENO, TCSANOW, &be->saved_tio);
    }
    if (be->mux_bh) {
        bh_delete(be->mux_bh);
    }
    if (be->kind == CHR_SOCKET) {
        if (be->in_fd >= 0) {
            close(be->in_fd);
        }
    } else {
        if (be->close_in && be->in_fd >= 0) {
            close(be->in_fd);
        }
        if (be->close_out && be->out_fd >= 0 && be->out_fd != be->in_fd) {
            close(be->out_fd);
        }
    }
    if (be->unix_path) {
        unlink(be->unix_path);
        free(be->unix_path);
    }
    free(be->cap_buf);
    free(be->spec);
    free(be);
}

const char *chardev_spec(const CharBackend *be)
{
    return be->spec;
}

void chardev_set_frontend(CharBackend *be, CharCanReceive *can_receive, CharReceive *receive,
                          void *opaque)
{
    be->fe_can_receive = can_receive;
    be->fe_receive = receive;
    be->fe_opaque = opaque;
    chr_update_watch(be);
}

void chardev_set_output_hook(CharBackend *be, CharOutputHook *hook, void *opaque)
{
    be->output_hook = hook;
    be->output_opaque = opaque;
}

void chardev_set_input_hook(CharBackend *be, CharInputHook *hook, void *opaque)
{
    be->input_hook = hook;
    be->input_opaque = opaque;
}

void chardev_set_quit_hook(CharBackend *be, CharQuitHook *hook, void *opaque)
{
    be->quit_hook = hook;
    be->quit_opaque = opaque;
}

void chardev_set_input_enabled(CharBackend *be, bool enabled)
{
    be->input_enabled = enabled;
    chr_update_watch(be);
}

bool chardev_input_possible(const CharBackend *be)
{
    if (!be->input_enabled) {
        return false;
    }
    if (be->kind == CHR_SOCKET) {
        return be->is_server || be->in_fd >= 0;
    }
    return (be->in_fd >= 0 && !be->eof) || be->mux_pend_len > 0;
}

static size_t chr_write_out(CharBackend *be, const uint8_t *buf, size_t len);

static bool chr_write_all(int fd, const uint8_t *buf, size_t len, bool sock)
{
    while (len) {
        ssize_t n = sock ? send(fd, buf, len, MSG_NOSIGNAL) : write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN) {
                /* Someone made the fd non-blocking: wait rather than drop or reorder. */
                struct pollfd p = { .fd = fd, .events = POLLOUT };
                poll(&p, 1, -1);
                continue;
            }
            return false;
        }
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

size_t chardev_write(CharBackend *be, const uint8_t *buf, size_t len)
{
    uint64_t pos = be->out_pos;
    be->out_pos += len;
    if (be->output_muted || be->out_pos <= be->out_shown) {
        return len;
    }
    /* Only the bytes beyond what was already shown: a run through history
     * the user has seen (after a replay went back) shows nothing twice. */
    if (be->out_shown > pos) {
        buf += be->out_shown - pos;
        len -= (size_t)(be->out_shown - pos);
    }
    be->out_shown = be->out_pos;
    size_t skipped = (size_t)(be->out_pos - pos) - len;
    if (be->output_hook) {
        be->output_hook(be->output_opaque, buf, len);
    }
    return skipped + chr_write_out(be, buf, len);
}

static size_t chr_write_out(CharBackend *be, const uint8_t *buf, size_t len)
{
    switch (be->kind) {
    case CHR_CAPTURE:
        if (be->cap_len + len > be->cap_size) {
            size_t ns = be->cap_size ? be->cap_size : 256;
            while (ns < be->cap_len + len) {
                ns *= 2;
            }
            uint8_t *nb = realloc(be->cap_buf, ns);
            if (!nb) {
                return 0;
            }
            be->cap_buf = nb;
            be->cap_size = ns;
        }
        memcpy(be->cap_buf + be->cap_len, buf, len);
        be->cap_len += len;
        return len;
    case CHR_SOCKET:
        /* No client: the bytes go nowhere, as on a line with nobody listening. */
        if (be->out_fd >= 0 && !chr_write_all(be->out_fd, buf, len, true)) {
            chr_client_closed(be);
        }
        return len;
    case CHR_NULL:
        return len;
    default:
        /* Host output errors (a closed pipe) drop output; the guest cannot tell. */
        if (be->out_fd >= 0) {
            chr_write_all(be->out_fd, buf, len, false);
        }
        return len;
    }
}

size_t chardev_can_receive(CharBackend *be)
{
    return be->fe_can_receive ? be->fe_can_receive(be->fe_opaque) : 0;
}

void chardev_deliver(CharBackend *be, const uint8_t *buf, size_t len)
{
    size_t room = chardev_can_receive(be);
    if (len > room) {
        len = room;
    }
    if (len && be->fe_receive) {
        be->fe_receive(be->fe_opaque, buf, len);
    }
    chr_update_watch(be);
}

void chardev_accept_input(CharBackend *be)
{
    /* Called from device code, possibly in the middle of an instruction:
     * buffered bytes move on from a BH at the next loop iteration, where the
     * gate can stamp them with a step count replay can reproduce. */
    if (be->mux_pend_len && be->mux_bh) {
        bh_schedule(be->mux_bh);
    }
    chr_update_watch(be);
}

void chardev_set_output_muted(CharBackend *be, bool muted)
{
    be->output_muted = muted;
}

uint64_t chardev_output_pos(const CharBackend *be)
{
    return be->out_pos;
}

void chardev_set_output_pos(CharBackend *be, uint64_t pos, bool same_timeline)
{
    be->out_pos = pos;
    if (!same_timeline) {
        be->out_shown = pos;
    }
}

bool chardev_is_mux(const CharBackend *be)
{
    return be->mux;
}

void chardev_set_mux_monitor(CharBackend *be, CharMonitorInput *input, CharMonitorFocus *focus,
                             void *opaque)
{
    be->mon_input = input;
    be->mon_focus = focus;
    be->mon_opaque = opaque;
    be->mon_focused = false;
    chr_update_watch(be);
}

void chardev_mux_monitor_write(CharBackend *be, const uint8_t *buf, size_t len)
{
    if (be->out_fd >= 0) {
        chr_write_all(be->out_fd, buf, len, false);
    }
}
