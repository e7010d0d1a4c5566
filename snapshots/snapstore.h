/*
 * snapstore: the snapshot store, one LMDB environment (a single file).
 *
 * A snapshot is the whole machine at an instruction boundary: the VMState of
 * every registered instance (hart, devices, loop, clock), the guest RAM, and
 * where the replay layer was in the journal. Snapshots are keyed by
 * (recording id, step count); user-named snapshots also have a name index,
 * names being unique within a store.
 *
 * RAM is stored by content: each 4 KiB page under the 128-bit hash of its
 * bytes (zstd-compressed when that is smaller), each run of
 * SNAPSTORE_CHUNK_PAGES page hashes as a "chunk" under the hash of the list,
 * and the list of a RAM's chunk hashes as a "table"; a snapshot names its
 * table. Identical pages, chunks and tables are stored once and
 * reference-counted; all-zero ones are not stored at all. A new chunk or
 * table is stored as a delta on its previous version when few entries
 * changed. With the RAM region's dirty bitmap (sim/memory) the store
 * re-hashes only the pages written since its last save or load, so a
 * snapshot costs in proportion to what changed: the dirty pages, small
 * deltas for their chunks and the table, and one small record.
 *
 * The store keeps the page hashes of the regions it last saved or loaded
 * (RAM, and any further regions such as disk overlays, by position) and
 * clears their dirty bits after each save or load, so the snapshot layer
 * must be the only user of those bits. Anything that rewrites a region
 * without marking pages dirty must call snapstore_forget_ram().
 *
 * Nothing read back is trusted: every page is re-hashed after decompression,
 * chunks, tables and records carry or are named by hashes, and any mismatch, missing
 * object or undecodable blob fails with ERR_SNAPSHOT. A store written by
 * another store format, or for another machine configuration, is refused at
 * open with ERR_SNAPSHOT and the reason. Host I/O failures are ERR_IO.
 *
 * Not thread-safe: one SnapStore is used from the simulation thread only.
 */
#ifndef RRSIM_SNAPSHOTS_SNAPSTORE_H
#define RRSIM_SNAPSHOTS_SNAPSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/base/error.h"
#include "sim/base/hash.h"
#include "sim/memory/memory.h"
#include "snapshots/vmstate.h"

/* Layout of the store; a store with another value is refused. */
#define SNAPSTORE_FORMAT_VERSION 1u
#define SNAPSTORE_CHUNK_PAGES    64u
#define SNAP_NAME_MAX            64u   /* bytes including the NUL */
#define SNAP_RECORDING_MAX       128u  /* bytes including the NUL */

typedef struct SnapStore SnapStore;

typedef struct SnapStoreConfig {
    /* Id of the recording this session saves snapshots of (journal id or
     * name); part of every key it writes. NULL means "". */
    const char *recording;
    /* Loads refuse a snapshot of another recording (by name; by step count
     * only this recording's are found anyway), with ERR_SNAPSHOT. */
    bool own_recording_only;
    /* Hash of the machine configuration; a store made for another one is refused. */
    Hash128 machine_hash;
    /* Initial LMDB map size in bytes (0: default). The map grows on demand. */
    uint64_t map_size;
    /* Skip the flush at each commit: faster, but a host crash (not a process
     * crash) may then damage the store. */
    bool no_sync;
} SnapStoreConfig;

typedef struct SnapshotInfo {
    uint64_t steps;            /* instruction count at the snapshot (the key) */
    int64_t virtual_ns;        /* CLOCK_VIRTUAL at the snapshot */
    int64_t clock_bias_ns;     /* sim/icount warp bias at the snapshot */
    uint64_t journal_pos;      /* opaque position from sim/replay */
    char name[SNAP_NAME_MAX];  /* "" when unnamed */
    /* Filled in on load/list/find; ignored by save (the store's own is used). */
    char recording[SNAP_RECORDING_MAX];
    uint64_t ram_size;         /* filled in on load/list/find: the first region's */
} SnapshotInfo;

typedef struct SnapStoreStats {
    uint64_t snapshots;        /* snapshot records, all recordings */
    uint64_t pages;            /* distinct stored (non-zero) pages */
    uint64_t chunks;           /* distinct stored chunks */
    uint64_t tables;           /* distinct stored chunk tables */
    uint64_t page_db_bytes;    /* LMDB pages holding the page database (after compression) */
    uint64_t file_bytes;       /* bytes in use in the LMDB file (pages in use * page size) */
    /* The most recent snapstore_save(): */
    uint64_t last_pages_hashed;  /* pages re-hashed (dirty or unknown) */
    uint64_t last_pages_added;   /* pages new to the store */
    uint64_t last_chunks_added;  /* chunks new to the store */
    uint64_t last_bytes_added;   /* value bytes written: new pages, new chunks, record */
    /* The most recent snapstore_load*(): */
    uint64_t last_pages_restored; /* RAM pages rewritten (the others already matched) */
} SnapStoreStats;

/* Default store path for a journal: "<journal_path>.snap" (malloc'd; NULL on OOM). */
char *snapstore_path_for_journal(const char *journal_path);

/*
 * Open (creating if absent) the store at path, a single file; LMDB keeps its
 * lock file beside it as "<path>-lock".
 * Nothing LMDB maps is ever touched beyond what the disk holds: a file
 * shorter than its meta pages say its data is (a copy cut short) is refused
 * here, the lock file's blocks are allocated before LMDB maps it, and data
 * pages are written with pwrite() (never MDB_WRITEMAP), so a full disk is
 * an error (ERR_IO) from open or from the commit of a save, not a SIGBUS.
 * @param[in] path  store file
 * @param[in] cfg   recording id, machine hash and tuning; copied
 * @return the store, or NULL with errp set: ERR_SNAPSHOT for a file that is not
 *         a store, is cut short, has another store format or another machine
 *         configuration (the message says which), ERR_IO for host failures.
 */
SnapStore *snapstore_open(const char *path, const SnapStoreConfig *cfg, Error **errp);
void snapstore_close(SnapStore *s);

/*
 * Save the machine as snapshot (store recording, info->steps). Device state
 * comes from vmstate_save_all(reg); RAM from ram (a MEM_RAM region whose size
 * is a multiple of MEM_PAGE_SIZE). Only pages marked dirty since the store's
 * last save/load on this region are re-hashed; the dirty bits are cleared.
 * A snapshot already at that key is replaced, unless it has a name: a key
 * is one step of one recording, so the named snapshot holds the state being
 * saved, and is kept; a save under another name adds that name to it (a
 * snapshot may have several), one without a name does nothing more.
 * info->name, if not empty, must be shorter than SNAP_NAME_MAX and not name
 * another snapshot.
 * @return false with errp set (ERR_SNAPSHOT for a name in use or an
 *         unusable region; ERR_IO when the store cannot be written).
 */
bool snapstore_save(SnapStore *s, const SnapshotInfo *info, VMStateRegistry *reg,
                    const MemRegion *ram, Error **errp);

/*
 * Restore the snapshot at (store recording, steps), or the one called name:
 * device state through vmstate_load_all(reg), RAM into ram (which must have
 * the snapshot's size). Pages the store knows to hold the target content
 * already are not rewritten. out (may be NULL) receives the snapshot header.
 * All or nothing: the record, the device state's framing and every RAM page
 * that must change are read and checked before anything is written; if a
 * post_load hook or the commit hook (snapstore_set_load_commit()) then
 * refuses, RAM and device state are put back as they were.
 * @return false with errp set: ERR_SNAPSHOT if absent, damaged or not for
 *         this machine; the machine (RAM and every instance in reg) is then
 *         unchanged.
 */
bool snapstore_load(SnapStore *s, uint64_t steps, VMStateRegistry *reg,
                    const MemRegion *ram, SnapshotInfo *out, Error **errp);
bool snapstore_load_named(SnapStore *s, const char *name, VMStateRegistry *reg,
                          const MemRegion *ram, SnapshotInfo *out, Error **errp);

/*
 * The same with several regions stored by content: RAM first, then any
 * others (disk overlays, whose MemRegion need not be mapped anywhere),
 * always in the same order and with the same sizes for one store. A
 * region's optional nonzero bitmap spares reading the pages never written.
 * A load refuses a snapshot with another number of regions or other sizes.
 */
bool snapstore_save_regions(SnapStore *s, const SnapshotInfo *info, VMStateRegistry *reg,
                            const MemRegion *const *regions, size_t nregions, Error **errp);
bool snapstore_load_regions(SnapStore *s, uint64_t steps, VMStateRegistry *reg,
                            const MemRegion *const *regions, size_t nregions, SnapshotInfo *out,
                            Error **errp);
bool snapstore_load_named_regions(SnapStore *s, const char *name, VMStateRegistry *reg,
                                  const MemRegion *const *regions, size_t nregions,
                                  SnapshotInfo *out, Error **errp);

/*
 * Called by a load once the machine holds the snapshot, as its last step:
 * e.g. to move the journal to the snapshot's position. Returning false (with
 * errp set) undoes the whole restore; the hook must leave whatever it
 * changed itself as it was. fn NULL: none.
 */
typedef bool SnapLoadCommit(void *opaque, const SnapshotInfo *info, Error **errp);
void snapstore_set_load_commit(SnapStore *s, SnapLoadCommit *fn, void *opaque);

/*
 * The latest snapshot of the store's recording at or before steps.
 * @return 1 and *out filled if there is one, 0 if none, -1 with errp set.
 */
int snapstore_find_before(SnapStore *s, uint64_t steps, SnapshotInfo *out, Error **errp);

/* Every snapshot in the store (all recordings), ordered by recording then
 * steps, once per name (once with "" if unnamed), in a malloc'd array
 * (*out, *n; free() it). */
bool snapstore_list(SnapStore *s, SnapshotInfo **out, size_t *n, Error **errp);

/* Delete a snapshot with all its names (by steps), or one name (a snapshot
 * with other names keeps them and stays); pages and chunks nothing else
 * refers to are reclaimed. Deleting a missing snapshot is an ERR_SNAPSHOT
 * error. */
bool snapstore_delete(SnapStore *s, uint64_t steps, Error **errp);
bool snapstore_delete_named(SnapStore *s, const char *name, Error **errp);

bool snapstore_stats(SnapStore *s, SnapStoreStats *out, Error **errp);

/* RAM changed behind the dirty bitmap (e.g. reloaded from an image): the
 * next save re-hashes and the next load rewrites every page. */
void snapstore_forget_ram(SnapStore *s);

#endif
