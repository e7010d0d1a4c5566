/*
 * debug: the run state of rrsim under a debugger or a monitor.
 *
 * A DebugSession owns the gdbstub (-gdb/-s), the QMP monitor (-qmp), the
 * human monitor (-monitor, and the one behind Ctrl-A c on mon:stdio), the
 * machine's snapshot and seek support, and the run state: running or paused.
 * It implements the stub's GdbTargetOps and the monitor's QmpOps on top of
 * the machine, including reverse execution over a replay (reverse-stepi =
 * seek one step back; reverse-continue = re-run earlier intervals with the
 * break/watchpoints armed and seek to the last hit).
 *
 * Contract:
 *  - While paused the main loop still serves the gdb and QMP sockets, but the
 *    hart does not run and virtual time does not move.
 *  - Resume requests from the sockets are only noted by the fd handlers; the
 *    session acts on them from debug_run(), never from inside a handler, so a
 *    seek or a re-run never nests in the socket code that asked for it.
 *  - A breakpoint stops the run wherever it is reached, also at the very
 *    first instruction of a run; continuing or stepping from a breakpoint
 *    stop executes that instruction (hart_breakpoint_skip_once()). Stops are
 *    told apart by machine_last_debug_exit(), not guessed from the pc.
 *  - Nothing the debugger does may change what a recording or a replay
 *    contains: register and memory writes, and system_reset, are refused
 *    while recording or replaying.
 *  - With -no-shutdown a guest poweroff pauses the machine (run state
 *    "shutdown"): the monitors and gdb can still look at it; `cont` needs a
 *    system_reset first (as QEMU), `quit` exits with the guest's status.
 *  - Without -gdb, -qmp and -S the session just runs the machine to its
 *    end; while recording or replaying it still takes the periodic
 *    snapshots that later seeks and reverse debugging start from.
 */
#ifndef RRSIM_APP_DEBUG_H
#define RRSIM_APP_DEBUG_H

#include <stdbool.h>

#include "hw/machine.h"
#include "hw/machine_replay.h"
#include "sim/base/error.h"

typedef struct DebugOptions {
    const char *gdb;            /* -gdb spec (-s: "tcp::1234"), NULL = none */
    const char *qmp;            /* -qmp spec, NULL = none */
    bool start_stopped;         /* -S */
    const char *loadvm;         /* -loadvm NAME */
    const char *snapshot_store; /* -snapshot-store PATH */
    const char *monitor;        /* -monitor spec (HMP), NULL = none */
    bool mux_monitor;           /* -serial mon:stdio: a monitor behind Ctrl-A c */
    bool no_shutdown;           /* -no-shutdown: a guest poweroff pauses */
} DebugOptions;

typedef struct DebugSession DebugSession;

/**
 * Open the sockets and the snapshot support, and apply -loadvm.
 * @param m   the machine, reset and ready to run
 * @param mr  its record/replay state (machine_replay_new()); may be inert
 * @return NULL with errp set: ERR_USAGE (bad socket spec, reverse options
 *         without replay), ERR_IO (sockets), ERR_SNAPSHOT (store, -loadvm).
 */
DebugSession *debug_new(Machine *m, MachineReplay *mr, const DebugOptions *o, Error **errp);

/**
 * Run until the machine shuts down (guest poweroff, end of replay with no
 * debugger attached, signal, QMP quit or gdb kill). m->shutdown_cause and
 * m->exit_code then say why. Returns false with errp set on a fatal
 * condition from machine_run() or a failing main loop.
 */
bool debug_run(DebugSession *d, Error **errp);

/* Close the sockets and the snapshot support. NULL is fine. */
void debug_free(DebugSession *d);

#endif
