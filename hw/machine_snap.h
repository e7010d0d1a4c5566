/*
 * machine_snap: snapshots of the whole virt machine, and seeking in a replay.
 *
 * A machine snapshot (snapshots/snapstore.h) holds every registered VMState
 * instance (machine clock bias and timer sequence, hart with its step count,
 * devices with their armed VIRTUAL timers), the guest RAM by page content,
 * what the guest wrote to its disks (their overlays, by page content too:
 * a disk written straight to its image file makes snapshots impossible,
 * ERR_SNAPSHOT, as on QEMU), and a "snap" record of this layer: the step count and the journal position
 * (both streams) that sim/replay resumes from. Caches (TBs, TLB) are not
 * saved; they are flushed after a restore.
 *
 * Where a snapshot is taken. Always at the top of a run-loop iteration,
 * after host requests are handled and before the gate delivers the events
 * due at that step count (see machine_set_slice_hook()), with no bottom half
 * pending: the point machine_set_stop_at() stops at. Periodic snapshots are
 * only taken at the first iteration at a step count, so "the machine at step
 * N" means one state whichever way it is reached: by running, by stopping at
 * N, or by restoring a snapshot and replaying forward.
 *
 * Stores and keys. Snapshots are keyed by (recording id, step count):
 *  - record/replay (-icount rr=...): the store defaults to "<rrfile>.snap",
 *    the recording id is "rr:" and the hex of the nonce the journal's
 *    manifest carries (JOURNAL_INPUT_RECORDING; for a journal without one,
 *    the hash of its content), so two recordings never share snapshots,
 *    whatever their journals are called. A replay refuses a snapshot of
 *    another recording ("snapshot 'x' belongs to recording ..., not to
 *    ..."; ERR_SNAPSHOT); outside a replay any snapshot loads. A new
 *    recording replaces the default store (it belongs to the journal the
 *    recording truncates).
 *    The default store only serves periodic snapshots and seeks, so it is
 *    never a reason for a run to fail: if the journal's directory cannot be
 *    written, a private temporary store (removed at exit) takes its place,
 *    with a note on stderr; if it is damaged or the disk is full, the run
 *    goes on without periodic snapshots, with a warning. Whatever needs a
 *    snapshot (rrsnapshot=, -loadvm, savevm/loadvm, a seek) then fails with
 *    ERR_SNAPSHOT, as does an explicit store that cannot be opened.
 *  - normal mode: the store defaults to MACHINE_SNAP_DEFAULT_STORE in the
 *    current directory, opened on the first save/load/list/delete; the
 *    recording id is "" (one snapshot per step count: a save replaces an
 *    unnamed one at the same count).
 * A store is bound to one machine: the hash of rrsim's version, the canonical
 * guest-visible options and the content hashes of the images (the journal
 * manifest, machine_replay_manifest()). Another one is refused at open.
 *
 * Periodic snapshots (period_steps) are taken in record and replay, plus one
 * at the start, so a seek never re-runs from reset; machine_seek() adds
 * snapshots on its way so repeated small steps back stay cheap.
 *
 * Errors from the periodic hook cannot be returned where they happen: the
 * first one stops periodic snapshots and is kept for machine_snap_status().
 */
#ifndef RRSIM_HW_MACHINE_SNAP_H
#define RRSIM_HW_MACHINE_SNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/machine.h"
#include "hw/machine_replay.h"
#include "sim/base/error.h"
#include "snapshots/snapstore.h"

/* About 0.05-0.1 s of guest execution at this simulator's speed: the most a
 * reverse-stepi has to replay without the seek's extra snapshots. */
#define MACHINE_SNAP_DEFAULT_PERIOD 10000000ull
/* machine_seek() saves snapshots on its way until it is this close to the
 * target, so seeking again just before it replays at most this much. */
#define MACHINE_SNAP_SEEK_FINE      200000ull
#define MACHINE_SNAP_DEFAULT_STORE  "rrsim-snapshots.snap"

typedef struct MachineSnap MachineSnap;

typedef struct MachineSnapOptions {
    /* NULL: "<rrfile>.snap" when recording/replaying, else
     * MACHINE_SNAP_DEFAULT_STORE, opened when first needed. Borrowed.
     * An explicit store that cannot be opened is an error (ERR_SNAPSHOT). */
    const char *store_path;
    /* Where the default store of a recording goes instead of
     * "<rrfile>.snap" (tests). Borrowed. */
    const char *default_store_path;
    /* Automatic snapshots every N steps during record and replay; 0 = off.
     * Default MACHINE_SNAP_DEFAULT_PERIOD. */
    uint64_t period_steps;
    /* -icount rrsnapshot=NAME: record saves snapshot NAME at the start; replay
     * starts from it. NULL: m->opts.icount.rrsnapshot is used. Borrowed. */
    const char *rrsnapshot;
} MachineSnapOptions;

void machine_snap_options_init(MachineSnapOptions *o);

/*
 * Attach snapshot support to m (after machine_new() and machine_replay_new(),
 * before machine_run()); installs the machine's slice hook. mr may be NULL
 * (normal mode). With rrsnapshot in replay, the machine is restored from it.
 * Errors: ERR_SNAPSHOT (store of another machine/version, damaged, missing
 * rrsnapshot), ERR_IO.
 */
MachineSnap *machine_snap_new(Machine *m, MachineReplay *mr, const MachineSnapOptions *o,
                              Error **errp);
void machine_snap_free(MachineSnap *s);

/* Save the machine now (it must be stopped at a slice boundary: between
 * machine_run() calls). name NULL = automatic (unnamed) snapshot.
 * Errors: ERR_SNAPSHOT (name in use, pending bottom halves), ERR_IO. */
bool machine_snap_save(MachineSnap *s, const char *name, Error **errp);
/* Restore a named snapshot. In replay the journal position follows; in
 * record only before anything was journaled. All or nothing: on failure
 * (missing, damaged, another machine's or another recording's snapshot,
 * journal position unusable) the machine, its step count, RAM, devices and
 * the journal position are exactly as before the call. */
bool machine_snap_load(MachineSnap *s, const char *name, Error **errp);
bool machine_snap_delete(MachineSnap *s, const char *name, Error **errp);
/* Named snapshots of the store: malloc'd arrays the caller frees with
 * machine_snap_list_free(). */
bool machine_snap_list(MachineSnap *s, char ***names, uint64_t **steps, size_t *count,
                       Error **errp);
void machine_snap_list_free(char **names, uint64_t *steps, size_t count);

/*
 * Replay only: bring the machine to exactly `steps` (backwards or forwards):
 * restore the latest snapshot at or before it (or continue from where the
 * machine is when that is closer), then replay forward with the journal
 * position restored, so that continuing afterwards produces exactly the
 * original replay. The console shows what the replay had not shown yet (a
 * forward seek shows what it passes over) and nothing twice: a replay's
 * console output is the recording's, in order, whatever seeks happened. Breakpoints and watchpoints met on
 * the way are passed over. Stop-at is left off.
 * Errors: ERR_USAGE if not replaying or steps beyond the end of the
 * recording; ERR_SNAPSHOT / journal errors / ERR_DIVERGENCE from the way.
 */
bool machine_seek(MachineSnap *s, uint64_t steps, Error **errp);

/* Steps at the end of the recording being replayed (its end marker, or its
 * last readable event if truncated); UINT64_MAX when not replaying. */
uint64_t machine_snap_replay_end(MachineSnap *s, Error **errp);

/* The first error the periodic hook met (then periodic snapshots stop). */
bool machine_snap_status(MachineSnap *s, Error **errp);

/* The store (opened on demand in normal mode; NULL with errp set if it cannot
 * be opened): for statistics and tests. */
SnapStore *machine_snap_store(MachineSnap *s, Error **errp);

/* Counters for reports and benchmarks. */
typedef struct MachineSnapCounters {
    uint64_t saves, loads;         /* snapshots saved / restored by this object */
    uint64_t replayed_steps;       /* steps re-executed by machine_seek() */
} MachineSnapCounters;
void machine_snap_counters(MachineSnap *s, MachineSnapCounters *out);

#endif
