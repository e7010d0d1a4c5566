/*
 * gdbstub: the GDB remote serial protocol for one riscv64 hart, including
 * reverse execution (bc/bs) on top of replay.
 *
 * The stub is a protocol layer only. It talks to the machine through
 * GdbTargetOps and never touches hart or device state itself, so it can be
 * tested with a fake target and wired to the real machine by hw/.
 *
 * Contract:
 *  - The socket side runs entirely from fd handlers on the main loop (the
 *    simulation thread). The listening socket and the client socket are
 *    non-blocking; replies that the client does not read at once are queued
 *    and flushed from a write handler. One client at a time: a second
 *    connection is accepted and closed at once.
 *  - Resume packets (c, s, vCont, bc, bs) call ops->resume() and return at
 *    once; the stub is then "running" until the target reports a stop with
 *    gdbstub_notify_stop(). A Ctrl-C (0x03) from the client while running
 *    calls ops->interrupt(); the target answers later with a stop whose kind
 *    is GDB_STOP_INTERRUPT.
 *  - Everything the client sends is bounded: packets longer than
 *    GDB_MAX_PACKET (the PacketSize advertised) are refused with an error
 *    reply; a read ('m') of more than GDB_MAX_READ bytes is answered with
 *    its first GDB_MAX_READ bytes (the manual allows a short reply, and gdb
 *    reads on from there), so any read gdb sizes by PacketSize succeeds; a
 *    write (M, X) carries at most what one packet can hold. No allocation is
 *    proportional to a number the client chose beyond those caps. Malformed
 *    packets get an error reply or a nack; nothing the client sends crashes
 *    or blocks.
 *  - Error replies are "Enn". "E.text" only after the client announced it
 *    understands it (qSupported error-message+, or QEnableErrorStrings):
 *    older gdbs read an 'm' reply that is not "Enn" as hex data.
 *  - Register numbers follow cpu/hart.h (GDB's riscv numbering): 0-31 x
 *    registers, 32 pc, 33-64 f registers, 65 + csr number for CSRs, and
 *    GDB_REGNO_PRIV for the virtual privilege register. The target
 *    description (target.xml) the stub serves uses the same numbers.
 */
#ifndef RRSIM_SIM_GDBSTUB_GDBSTUB_H
#define RRSIM_SIM_GDBSTUB_GDBSTUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/base/error.h"
#include "sim/loop/loop.h"

/* Largest packet payload accepted from the client (advertised as PacketSize). */
#define GDB_MAX_PACKET 0x4000
/* Largest 'm' reply in bytes: its hex fills one packet, which is what gdb
 * asks for (it splits reads to PacketSize / 2 bytes). */
#define GDB_MAX_READ (GDB_MAX_PACKET / 2)
/* Largest transfer through read_mem/write_mem: an X packet's binary data
 * can be as long as the packet. */
#define GDB_MAX_MEM GDB_MAX_PACKET
/* Largest qRcmd output forwarded to the client, in bytes. */
#define GDB_MAX_MONITOR_OUTPUT 0x10000

/* Register numbers (GDB riscv numbering, same as hart_read_reg()). */
#define GDB_REGNO_X0 0
#define GDB_REGNO_PC 32
#define GDB_REGNO_F0 33
#define GDB_REGNO_CSR0 65
#define GDB_REGNO_CSR(n) (GDB_REGNO_CSR0 + (n))
/* GDB's virtual "priv" register (org.gnu.gdb.riscv.virtual): 0 U, 1 S, 3 M. */
#define GDB_REGNO_PRIV GDB_REGNO_CSR(4096)

/* Z/z packet types (Z0 .. Z4). */
typedef enum GdbPointType {
    GDB_POINT_SW_BREAK = 0,
    GDB_POINT_HW_BREAK = 1,
    GDB_POINT_WATCH_WRITE = 2,
    GDB_POINT_WATCH_READ = 3,
    GDB_POINT_WATCH_ACCESS = 4,
} GdbPointType;

typedef enum GdbResumeKind {
    GDB_RESUME_CONTINUE = 0,
    GDB_RESUME_STEP,             /* exactly one instruction */
    GDB_RESUME_REVERSE_CONTINUE, /* back to the previous break/watchpoint hit */
    GDB_RESUME_REVERSE_STEP,     /* back one instruction */
} GdbResumeKind;

typedef enum GdbStopKind {
    GDB_STOP_STEP_DONE = 0, /* a step finished (or nothing special: SIGTRAP) */
    GDB_STOP_SW_BREAK,      /* Z0 breakpoint reached (pc = the breakpoint) */
    GDB_STOP_HW_BREAK,      /* Z1 breakpoint reached */
    GDB_STOP_WATCH_WRITE,   /* Z2 hit; addr = data address */
    GDB_STOP_WATCH_READ,    /* Z3 hit */
    GDB_STOP_WATCH_ACCESS,  /* Z4 hit */
    GDB_STOP_INTERRUPT,     /* Ctrl-C, monitor stop: SIGINT */
    GDB_STOP_REPLAY_BEGIN,  /* reverse execution reached the start of the replay */
    GDB_STOP_REPLAY_END,    /* forward execution reached the end of the journal */
    GDB_STOP_EXITED,        /* the machine powered off; exit_code is reported */
} GdbStopKind;

typedef struct GdbStopReason {
    GdbStopKind kind;
    uint64_t addr;  /* watchpoints: the data address that triggered */
    int exit_code;  /* GDB_STOP_EXITED: low 8 bits are reported */
} GdbStopReason;

/*
 * What the machine implements. `target` is the opaque pointer given to
 * gdbstub_new(). Callbacks run on the simulation thread while the hart is
 * not executing. Optional callbacks may be NULL; the stub then answers the
 * matching packets with an empty reply (unsupported) or a default.
 */
typedef struct GdbTargetOps {
    /* A client connected: stop the machine (if it runs) and keep it stopped
     * until resume(). Optional. */
    void (*attach)(void *target);

    /* Read one register; false if regno does not exist. Required. */
    bool (*read_reg)(void *target, int regno, uint64_t *value);
    /* Read x0-x31 and pc into regs[0..32] in one call ('g'). Optional: the
     * stub falls back to 33 read_reg() calls. */
    bool (*read_core_regs)(void *target, uint64_t regs[33]);
    /* Write one register. Fails with a message, e.g. when replaying
     * ("registers are read-only during replay"). Required. */
    bool (*write_reg)(void *target, int regno, uint64_t value, Error **errp);

    /* Debug memory access at virtual addresses through the hart's current
     * translation. read_mem fills buf and returns true only if every byte was
     * readable; the stub then retries byte by byte to return the readable
     * prefix. len <= GDB_MAX_MEM. Required. */
    bool (*read_mem)(void *target, uint64_t addr, void *buf, size_t len);
    bool (*write_mem)(void *target, uint64_t addr, const void *buf, size_t len, Error **errp);

    /* Break/watchpoints. For breakpoints len is gdb's "kind" (2 or 4, the
     * instruction size); for watchpoints the watched length in bytes.
     * Optional (NULL: Z/z packets get an empty reply = unsupported). */
    bool (*insert_point)(void *target, GdbPointType type, uint64_t addr, uint64_t len,
                         Error **errp);
    bool (*remove_point)(void *target, GdbPointType type, uint64_t addr, uint64_t len,
                         Error **errp);

    /* Start execution and return at once; the machine later calls
     * gdbstub_notify_stop(). Fails (with a message) when the resume is
     * impossible, e.g. reverse execution outside replay. Required. */
    bool (*resume)(void *target, GdbResumeKind kind, Error **errp);
    /* Whether reverse execution is available now (bc/bs and the
     * ReverseStep+/ReverseContinue+ features). Optional: NULL means yes. */
    bool (*can_reverse)(void *target);
    /* Stop as soon as possible (Ctrl-C); answer with a GDB_STOP_INTERRUPT
     * stop, possibly from inside this call. Required. */
    void (*interrupt)(void *target);

    /* The debugger leaves ('D' or the connection closes): remove every
     * debugger break/watchpoint and let the machine run on. Optional. */
    void (*detach)(void *target);
    /* 'k': the debugger asks to terminate the machine. Optional. */
    void (*kill)(void *target);

    /* "monitor CMD" (qRcmd): returns malloc'd text (possibly empty) that the
     * stub frees, or NULL with an error. Optional. */
    char *(*monitor)(void *target, const char *cmd, Error **errp);

    /* Target description to serve instead of the built-in riscv64 one.
     * Optional; the string must stay valid while the stub lives. */
    const char *(*target_xml)(void *target);
} GdbTargetOps;

typedef struct GdbStub GdbStub;

/*
 * Listen for a debugger. spec: "tcp::PORT" (all interfaces), "tcp:HOST:PORT",
 * "PORT" alone, "unix:PATH" or a path (contains '/'): a unix socket, removed
 * and re-created. Returns NULL with ERR_USAGE for a bad spec or ERR_IO when
 * the socket cannot be set up.
 */
GdbStub *gdbstub_new(Loop *loop, const char *spec, const GdbTargetOps *ops, void *target,
                     Error **errp);
/* Close the client and the listening socket (a unix socket file is removed). */
void gdbstub_free(GdbStub *s);

/* The machine stopped by itself after a resume (or was stopped by the monitor).
 * Sends the stop reply if a resume was pending; the reason is remembered for
 * '?' either way. */
void gdbstub_notify_stop(GdbStub *s, GdbStopReason reason);

/* Console text for the client (an 'O' packet), for a reply that takes
 * long: while the client waits for a "monitor" command's reply (qRcmd; the
 * target calls this from inside ops->monitor) or for a stop reply. gdb
 * shows the text and waits on: each packet restarts its reply timeout
 * (remotetimeout, 2 s by default, after which it prints "Ignoring packet
 * error"). At any other time the text is dropped: an 'O' packet would be
 * taken as the reply to the client's next request. */
void gdbstub_console(GdbStub *s, const char *text);

/* Whether a client is connected. */
bool gdbstub_connected(const GdbStub *s);
/* The TCP port actually bound (useful with port 0), or -1 for unix sockets. */
int gdbstub_port(const GdbStub *s);

/* The built-in riscv64 target description (org.gnu.gdb.riscv.cpu, .fpu,
 * .csr, .virtual) as a malloc'd string the caller frees. */
char *gdbstub_riscv64_xml(void);

/*
 * The protocol engine without a socket, for other transports, tests and
 * fuzzing. Bytes from the client go in through gdb_session_input(); bytes
 * for the client come out through the write callback, synchronously.
 */
typedef struct GdbSession GdbSession;
typedef void GdbWriteFn(void *opaque, const uint8_t *buf, size_t len);

GdbSession *gdb_session_new(const GdbTargetOps *ops, void *target, GdbWriteFn *write,
                            void *opaque);
void gdb_session_free(GdbSession *gs);
/* Process client bytes. Returns false once the session has ended ('D', 'k'):
 * the transport flushes what was written and closes. */
bool gdb_session_input(GdbSession *gs, const uint8_t *buf, size_t len);
void gdb_session_notify_stop(GdbSession *gs, GdbStopReason reason);
/* See gdbstub_console(). */
void gdb_session_console(GdbSession *gs, const char *text, size_t len);
/* True between a resume packet and the stop that answers it. */
bool gdb_session_running(const GdbSession *gs);
/* The stop reason '?' reports. */
GdbStopReason gdb_session_last_stop(const GdbSession *gs);
void gdb_session_set_last_stop(GdbSession *gs, GdbStopReason reason);

#endif
