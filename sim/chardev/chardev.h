/*
 * chardev: host character backends (stdio, null, file, pipe, tcp, unix) for
 * serial frontends, in the spirit of QEMU's -serial/-chardev.
 *
 * Contract:
 *  - Output (guest -> host) is written at once with chardev_write(). Files,
 *    pipes and stdio use blocking writes; a socket backend with no client
 *    connected drops the bytes (as a real line with nobody listening), and a
 *    client that cannot keep up is written to blocking, so nothing is
 *    reordered.
 *  - Input (host -> guest) is read only from fd handlers on the main loop and
 *    never reaches the frontend directly: the bytes go to the input hook the
 *    machine installs (its replay gate), which later calls
 *    chardev_deliver(). A backend reads at most chardev_can_receive() bytes,
 *    so nothing is lost when the frontend's FIFO is full; when the frontend
 *    cannot take anything the fd is not even polled, and the frontend calls
 *    chardev_accept_input() once it has room again.
 *  - chardev_set_input_enabled(be, false) (replay) stops all host reads.
 *  - The stdio backend puts a terminal in raw mode and restores it on free.
 *    With mux (-nographic), Ctrl-A x requests a quit through the quit hook,
 *    Ctrl-A Ctrl-A sends one Ctrl-A, and Ctrl-A h prints the key help. The
 *    mux keeps reading keys while the guest is not taking input (so Ctrl-A x
 *    always works), holding up to 256 guest bytes until the frontend has room;
 *    those are passed on from a bottom half, never from inside a device call.
 *  - A mux may carry a monitor (chardev_set_mux_monitor()): Ctrl-A c moves
 *    the keyboard between the guest's console and the monitor, as QEMU's
 *    mon:stdio. Keys typed while the monitor has the keyboard go only to the
 *    monitor, never to the guest. With a monitor the mux keeps reading keys
 *    even while guest input is disabled (a replay): the monitor and the
 *    Ctrl-A keys still work there, and guest bytes are dropped (a replay's
 *    input comes from its journal).
 */
#ifndef RRSIM_SIM_CHARDEV_CHARDEV_H
#define RRSIM_SIM_CHARDEV_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/base/error.h"
#include "sim/loop/loop.h"

typedef struct CharBackend CharBackend;

/* Frontend (device) side. can_receive: how many bytes it can take now. */
typedef size_t CharCanReceive(void *opaque);
typedef void CharReceive(void *opaque, const uint8_t *buf, size_t len);
/* Machine side: bytes read from the host, to be passed on (or journaled). */
typedef void CharInputHook(void *opaque, CharBackend *be, const uint8_t *buf, size_t len);
/* Machine side: guest output reaching the user, each byte once along the
 * guest's timeline (see chardev_output_pos()): what -fail-on watches. */
typedef void CharOutputHook(void *opaque, const uint8_t *buf, size_t len);
/* Machine side: the user asked to quit from the keyboard (Ctrl-A x). */
typedef void CharQuitHook(void *opaque);

/* Parse and open a backend: "stdio", "mon:stdio" (stdio with the Ctrl-A
 * mux), "null", "none", "file:PATH", "pipe:PATH", "tcp:HOST:PORT,server[,nowait]",
 * "unix:PATH,server[,nowait]". A server without nowait waits for a client
 * before returning, as QEMU does. Errors: ERR_USAGE for a bad spec, ERR_IO
 * for host failures. */
CharBackend *chardev_new(Loop *loop, const char *spec, Error **errp);
/* An in-memory backend for tests: output is captured, input comes only
 * from chardev_deliver(). */
CharBackend *chardev_new_capture(Loop *loop);
/* Captured output so far (capture backend only; NULL otherwise). */
const uint8_t *chardev_captured(const CharBackend *be, size_t *len);
void chardev_free(CharBackend *be);

const char *chardev_spec(const CharBackend *be);

void chardev_set_frontend(CharBackend *be, CharCanReceive *can_receive, CharReceive *receive,
                          void *opaque);
void chardev_set_input_hook(CharBackend *be, CharInputHook *hook, void *opaque);
void chardev_set_quit_hook(CharBackend *be, CharQuitHook *hook, void *opaque);
void chardev_set_output_hook(CharBackend *be, CharOutputHook *hook, void *opaque);
/* The mux's monitor: input gets the bytes typed while the monitor has the
 * keyboard; focus is called with true when Ctrl-A c gives it the keyboard,
 * false when it goes back to the console. Only for mon:stdio. */
typedef void CharMonitorInput(void *opaque, const uint8_t *buf, size_t len);
typedef void CharMonitorFocus(void *opaque, bool focused);
bool chardev_is_mux(const CharBackend *be);
void chardev_set_mux_monitor(CharBackend *be, CharMonitorInput *input, CharMonitorFocus *focus,
                             void *opaque);
/* Monitor output on the mux's terminal: not guest output (not counted, not
 * muted). */
void chardev_mux_monitor_write(CharBackend *be, const uint8_t *buf, size_t len);

/* Enable or disable host reads (replay disables them). Enabled by default. */
void chardev_set_input_enabled(CharBackend *be, bool enabled);
/* Whether host input may still arrive (false for null/file, after EOF on
 * stdio or a pipe, or when input is disabled). A server socket counts as
 * able to receive: a client may connect. */
bool chardev_input_possible(const CharBackend *be);

/* Guest -> host. Returns the bytes accepted (all of them, or dropped ones
 * counted as written for a socket with no client). */
size_t chardev_write(CharBackend *be, const uint8_t *buf, size_t len);
/* While muted, output is dropped (counted as written, and as not shown). */
void chardev_set_output_muted(CharBackend *be, bool muted);

/*
 * Output along the guest's timeline. The backend counts the bytes the guest
 * has written (its position) and remembers the furthest position delivered
 * to the user (its high-water mark). A write is shown only where it goes
 * beyond the mark, so when a replay goes back in time and runs forward
 * again, what the console showed before is not shown twice, and what it had
 * not shown yet (e.g. passed over by a forward seek) is shown once, in order.
 * Neither count is guest state: the guest never sees them.
 */
uint64_t chardev_output_pos(const CharBackend *be);
/* The machine moved to a point of its timeline whose position is pos (a
 * snapshot restore). same_timeline: the history from there on is the one
 * already shown (a replay), so the mark stays; false (a new timeline, e.g.
 * a restore outside a replay) also moves the mark to pos, so everything the
 * guest writes from there on is shown. */
void chardev_set_output_pos(CharBackend *be, uint64_t pos, bool same_timeline);

/* Frontend capacity now (0 when no frontend). */
size_t chardev_can_receive(CharBackend *be);
/* Gate -> frontend: hand bytes to the device; at most can_receive bytes are
 * accepted, the rest are dropped (the gate never asks for more). */
void chardev_deliver(CharBackend *be, const uint8_t *buf, size_t len);
/* The frontend has room again: resume polling the host fd. */
void chardev_accept_input(CharBackend *be);

#endif
