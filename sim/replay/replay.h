/*
 * replay: the one gate through which anything nondeterministic reaches the
 * guest (host clock reads, chardev input, idle warps with sleep=on, random
 * bytes, host-requested shutdown/reset, monitor actions), and the record and
 * replay of those inputs through a journal (journal.h).
 *
 * Modes: NONE passes everything through; RECORD performs the host action and
 * logs it with the step count; PLAY never touches the host (no clock reads,
 * no host input) and hands back what was logged.
 *
 * Event model:
 *  - Asynchronous events (char input, warp, host shutdown/reset, monitor
 *    actions, checkpoints, the end marker) happen between instructions. In
 *    play the machine caps the hart's budget at replay_next_event_steps(),
 *    and at that step count takes them with replay_take_event() and
 *    dispatches them, in journal order.
 *  - Synchronous events (clock reads, random bytes) happen inside an
 *    instruction or a device callback. In play they are consumed in order as
 *    the guest performs them; the step count and kind must match.
 *  - The two streams are ordered independently; a sync event and an async
 *    event with the same step count may be consumed in either order.
 *  - When the machine reaches step S, every sync event before S must have
 *    been consumed and no async event before S may remain; otherwise the
 *    replay has diverged and says where.
 *
 * Errors: open/close errors and divergence use the classes of error.h
 * (ERR_JOURNAL_* , ERR_DIVERGENCE, ERR_IO). The gate functions called from
 * inside device callbacks (clock, random, char input) cannot return an error,
 * so they record the first error in the Replay ("sticky"), call the fail hook
 * (the machine kicks the hart) and return a harmless value; the machine
 * collects the error with replay_status() after each hart slice.
 *
 * Snapshot support: a play position is a pair of event ordinals (one per
 * stream), saved with the machine state and restored with
 * replay_set_position().
 */
#ifndef RRSIM_SIM_REPLAY_REPLAY_H
#define RRSIM_SIM_REPLAY_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/base/error.h"
#include "sim/loop/loop.h"
#include "sim/replay/journal.h"

typedef enum ReplayMode {
    REPLAY_MODE_NONE = 0,
    REPLAY_MODE_RECORD,
    REPLAY_MODE_PLAY,
} ReplayMode;

typedef struct Replay Replay;

/**
 * Open the gate.
 * @param[in] mode  NONE (path and m ignored), RECORD or PLAY.
 * @param[in] path  journal file: created (truncated) in RECORD, read in PLAY.
 * @param[in] m     what this run depends on. RECORD writes it; PLAY compares
 *                  it with the journal's and refuses a mismatch. PLAY with
 *                  m == NULL skips the comparison (tools).
 * @return the gate, or NULL with errp set: ERR_IO (cannot create/open),
 *         ERR_JOURNAL_CORRUPT, ERR_JOURNAL_VERSION, ERR_JOURNAL_MISMATCH
 *         (naming what differs), ERR_JOURNAL_TRUNCATED (header incomplete).
 *         A journal truncated after its header opens: replay runs up to its
 *         last complete frame and then fails with ERR_JOURNAL_TRUNCATED.
 */
Replay *replay_open(ReplayMode mode, const char *path, const JournalManifest *m, Error **errp);
/* Abandon: in RECORD, buffered events are written as complete frames without
 * an end marker (the journal then reads as interrupted); in PLAY nothing is
 * checked. Use replay_finish() for a normal end. NULL is fine. */
void replay_free(Replay *r);

ReplayMode replay_mode(const Replay *r);
static inline bool replay_is_playing(const Replay *r)
{
    return replay_mode(r) == REPLAY_MODE_PLAY;
}
/* The journal's manifest in PLAY, the one written in RECORD, NULL in NONE. */
const JournalManifest *replay_manifest(const Replay *r);

/* Called once when a sticky error is first set (e.g. the machine's hart_kick). */
void replay_set_fail_hook(Replay *r, void (*fn)(void *opaque), void *opaque);
/* False, moving the pending error into errp, if a sticky error is pending.
 * The error stays pending for later calls (they fail too). */
bool replay_status(Replay *r, Error **errp);

/* ---- synchronous gate functions (device context) ---- */

/**
 * A guest-visible read of a host clock (CLOCK_HOST or CLOCK_REALTIME).
 * NONE: hostclock_ns(). RECORD: hostclock_ns(), logged. PLAY: the logged
 * value; if the journal has no such read at `steps`, a divergence error
 * becomes pending and 0 is returned.
 */
int64_t replay_clock_read(Replay *r, ClockType clock, uint64_t steps);
/* Random bytes for the guest: NONE/RECORD from getrandom() (RECORD logs
 * them), PLAY from the journal (len must match). */
void replay_random(Replay *r, uint64_t steps, void *buf, size_t len);
/* Read up to len bytes from a host source into buf; returns how many. */
typedef size_t ReplayRandomRead(void *opaque, void *buf, size_t len);
/**
 * Random bytes for the guest from a host source (a device's backend).
 * NONE: read(opaque, buf, len). RECORD: the same, and the bytes obtained
 * are logged. PLAY: the logged bytes; read is never called. If the journal
 * has no random bytes at `steps`, or more than len, a divergence error
 * becomes pending and 0 is returned.
 * @return the number of bytes put into buf (fewer than len when the host
 *         source ran short in the recording).
 */
size_t replay_random_read(Replay *r, uint64_t steps, void *buf, size_t len,
                          ReplayRandomRead *read, void *opaque);
/**
 * Host bytes for chardev `chr` (the machine's CharInputHook calls this).
 * @return true if the machine should deliver them now (NONE, RECORD: logged
 *         first), false in PLAY: host input is ignored there; the logged
 *         bytes arrive through replay_take_event().
 */
bool replay_char_input(Replay *r, int chr, const uint8_t *buf, size_t len, uint64_t steps);

/* ---- asynchronous events: recording (no-ops returning true in NONE and
 * PLAY, where these actions come from the journal instead) ---- */

/* sleep=on idle: ns of host time that became virtual time. */
bool replay_record_warp(Replay *r, uint64_t steps, int64_t ns, Error **errp);
/* A frame delivered to network card `nic` now (the machine delivers it
 * right after; in PLAY it comes back through replay_take_event()). */
bool replay_record_net_rx(Replay *r, uint64_t steps, int nic, const uint8_t *frame, size_t len,
                          Error **errp);
/* Host-requested shutdown (signal, monitor quit). Guest poweroff is not an
 * input and is not recorded. */
bool replay_record_shutdown(Replay *r, uint64_t steps, ShutdownCause cause, Error **errp);
bool replay_record_reset(Replay *r, uint64_t steps, Error **errp);
bool replay_record_monitor(Replay *r, uint64_t steps, const char *action, Error **errp);
/* A digest of the machine at `steps`; also flushes the journal frame, so a
 * killed recording loses at most the events since the last checkpoint. */
bool replay_record_checkpoint(Replay *r, uint64_t steps, const JournalDigest *d, Error **errp);
/* Write buffered events out now (e.g. before a long idle wait). */
bool replay_flush(Replay *r, Error **errp);

/* ---- asynchronous events: playing ---- */

/* PLAY: step count of the next asynchronous event, i.e. where the hart's
 * budget must end; for a truncated journal, where its readable part ends.
 * UINT64_MAX when nothing is left or not playing. If an error is pending it
 * returns 0, so the budget is empty and the machine notices the error. */
uint64_t replay_next_event_steps(Replay *r);
/**
 * PLAY: the next asynchronous event if it is due at exactly `steps`.
 * @return true with *ev filled (ev->data valid until the next call on r);
 *         false with no error when nothing is due now; false with errp set on
 *         divergence (an event or a sync read was skipped), at the end of a
 *         truncated journal (ERR_JOURNAL_TRUNCATED), or damage.
 * Dispatch: CHAR_INPUT -> chardev_deliver(); WARP -> icount_warp();
 * SHUTDOWN/RESET -> loop requests; MONITOR -> re-issue; CHECKPOINT ->
 * replay_checkpoint_check(); END -> stop (SHUTDOWN_REPLAY_END) and
 * replay_finish().
 */
bool replay_take_event(Replay *r, uint64_t steps, JournalEvent *ev, Error **errp);
/* PLAY: the next asynchronous event without taking it (false if none). */
bool replay_peek_event(Replay *r, JournalEvent *ev);
/**
 * PLAY: the hart is idle at `steps` and only an input could wake it (sleep=on,
 * or no timer armed). True if an event is due now (take it); otherwise an
 * error: divergence (the journal's next event is later or earlier) or the end
 * of a truncated journal. NONE/RECORD: true.
 */
bool replay_idle(Replay *r, uint64_t steps, Error **errp);
/* PLAY: compare a recorded checkpoint with the machine now. ERR_DIVERGENCE
 * names the step count, the pc and the first thing that differs: pc, a
 * register (when both digests carry them), other hart state, the virtual
 * clock, device state, RAM. */
bool replay_checkpoint_check(Replay *r, const JournalEvent *recorded, const JournalDigest *now,
                             Error **errp);
/* Compare two digests taken at the same step (also used by tests and tools). */
bool replay_digest_compare(uint64_t steps, const JournalDigest *recorded,
                           const JournalDigest *now, Error **errp);

/* ---- the end ---- */

/**
 * The run ended normally (guest poweroff, host shutdown, end of replay) at
 * `steps` with the machine in state `final`.
 * RECORD: write the end marker, index and trailer. PLAY: the journal must end
 * here too, with the same final digest (else ERR_DIVERGENCE), and every sync
 * event must have been consumed. Frees nothing; call replay_free() after.
 */
bool replay_finish(Replay *r, uint64_t steps, const JournalDigest *final, Error **errp);

/* ---- snapshots ---- */

typedef struct ReplayPosition {
    uint64_t async_next;   /* ordinal of the next async event to take */
    uint64_t sync_next;    /* ordinal of the next sync event to consume */
} ReplayPosition;

ReplayPosition replay_get_position(Replay *r);
/* PLAY only (a recording cannot be rewound). */
bool replay_set_position(Replay *r, ReplayPosition pos, Error **errp);

/* Compare the manifest of a journal with this run's; ERR_JOURNAL_MISMATCH
 * naming the first thing that differs. */
bool replay_manifest_check(const JournalManifest *recorded, const JournalManifest *now,
                           Error **errp);

#endif
