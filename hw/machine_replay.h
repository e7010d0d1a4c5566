/*
 * machine_replay: record and replay for the virt machine. It implements the
 * machine's gate (MachineGateOps) with sim/replay, so that every host input
 * is journaled while recording and comes from the journal while replaying,
 * and it adds the run-loop duties of -icount rr=...: periodic state digests,
 * the end marker, and the checks that report a divergence where it starts.
 *
 * Why inputs are delivered where they are: while recording, bytes a serial
 * backend reads and host shutdown requests are queued, and delivered (and
 * journaled) at the start of the next slice, in before_slice. Replay delivers
 * journaled events at exactly that point too, so both modes take the same
 * path through the loop and nothing (timers, bottom halves, idle warps) can
 * be ordered differently. After delivering anything the slice is empty, so
 * bottom halves and timers the delivery caused run before the hart does.
 * Idle warps with sleep=on are journaled where the machine idles. Digests
 * are taken every rrcheckpoint steps (the budget is capped to land exactly
 * on them) and at the end; replay compares them at the same step counts.
 * They always cover the hart and the devices, and RAM at the first
 * checkpoint and then at most every MACHINE_REPLAY_RAM_DIGEST steps.
 *
 * Replay never reads host input or the host clock: the serial backends'
 * input is disabled and the clock and warps come from the journal. A signal
 * during a replay stops it (not an error); during a recording it is
 * journaled like any host input, and the journal is closed cleanly.
 */
#ifndef RRSIM_HW_MACHINE_REPLAY_H
#define RRSIM_HW_MACHINE_REPLAY_H

#include <stdbool.h>

/* Steps between digests that include RAM (hashing 128 MiB takes ~7 ms). */
#define MACHINE_REPLAY_RAM_DIGEST 10000000ull

#include "hw/machine.h"
#include "sim/base/error.h"
#include "sim/replay/replay.h"

typedef struct MachineReplay MachineReplay;

/**
 * Set up record or replay as m->opts.icount says (rr=, rrfile=, rrcheckpoint=,
 * rrcorrupt=) and install the gate. Without rr= this returns an inert object.
 * Call right after machine_new(), before machine_run().
 * @return NULL with errp set: ERR_IO (journal file, input images),
 *         ERR_JOURNAL_* and ERR_JOURNAL_MISMATCH (naming what differs).
 */
MachineReplay *machine_replay_new(Machine *m, Error **errp);

/**
 * The run is over (machine_run() returned, or failed): while recording,
 * write the end marker with the final digest and close the journal; while
 * replaying, check that the journal ends here with the same digest.
 * Also reports an error a hook met during the run (divergence, truncated
 * journal, journal I/O), which then decides the exit status.
 */
bool machine_replay_finish(MachineReplay *mr, Error **errp);

/* Uninstall the gate and free; an unfinished recording stays readable up to
 * its last complete frame. NULL is fine. */
void machine_replay_free(MachineReplay *mr);

/* The machine's state digest now: pc, virtual clock, hart, devices, x
 * registers, and RAM if with_ram. */
void machine_replay_digest(Machine *m, bool with_ram, JournalDigest *d);

/* The manifest this machine would record: version, canonical options and
 * the content hashes of its images. */
bool machine_replay_manifest(Machine *m, JournalManifest *out, Error **errp);

/* ---- snapshot support (hw/machine_snap) ---- */

/* REPLAY_MODE_NONE, RECORD or PLAY (NONE for mr == NULL). */
ReplayMode machine_replay_mode(const MachineReplay *mr);
/* Where the journal is now: the next event ordinals of both streams (PLAY),
 * the events written so far (RECORD), zeros otherwise. */
ReplayPosition machine_replay_position(MachineReplay *mr);
/* PLAY: continue from a restored snapshot at this journal position. Also
 * forgets a user stop of the replay (it belonged to the abandoned future).
 * Errors: ERR_USAGE when not playing, journal errors from sim/replay. */
bool machine_replay_set_position(MachineReplay *mr, ReplayPosition pos, Error **errp);
/* The id of the recording being written or replayed (the journal's
 * JOURNAL_INPUT_RECORDING nonce). false when not recording or replaying,
 * or for a journal written without one. */
bool machine_replay_recording_id(const MachineReplay *mr, Hash128 *id);
/* Whether a hook met an error (kept for machine_replay_finish()). */
bool machine_replay_failed(const MachineReplay *mr);
/* That error (still owned by mr), or NULL. */
const Error *machine_replay_error(const MachineReplay *mr);

/*
 * PLAY: check the replay against itself while it is being debugged. At
 * every step count that is a multiple of `period`, the first time the
 * replay reaches it, keep a digest of the machine (machine_replay_digest()
 * without RAM: pc, virtual clock, hart, devices, x registers); whenever a
 * seek, a snapshot load or a reverse step brings it there again, compare.
 * A difference is a divergence, reported like a journal checkpoint's (step,
 * pc, what differs; ERR_DIVERGENCE) and the run stops: some operation
 * changed the guest. Keeps about 330 bytes per period of the replay.
 * No-op unless replaying.
 */
void machine_replay_enable_selfcheck(MachineReplay *mr, uint64_t period);
typedef struct MachineReplaySelfCheckStats {
    uint64_t kept;      /* digests taken at a first visit */
    uint64_t compared;  /* digests compared at a later visit */
} MachineReplaySelfCheckStats;
MachineReplaySelfCheckStats machine_replay_selfcheck_stats(const MachineReplay *mr);

#endif
