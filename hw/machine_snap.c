/* machine_snap: see machine_snap.h. */
#include "hw/machine_snap.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/replay/journal.h"

/* A run that stops this often at debug stops without advancing is not
 * making progress (e.g. a debugger stop request repeated forever). */
#define SEEK_MAX_IDLE_STOPS 1000
/* Bottom halves that keep rescheduling themselves before a restore. */
#define RESTORE_MAX_BH_ROUNDS 100

/* This layer's own record in every snapshot: where the machine and the
 * journal were. Registered in the snapshot's private registry only, so the
 * machine's state hash does not depend on it. */
typedef struct SnapMeta {
    uint64_t steps;
    uint64_t async_next;
    uint64_t sync_next;
    /* Console output position of each serial backend (bytes the guest had
     * written): debugger/output state, never guest state. Version 2. */
    uint64_t console_pos[MACHINE_MAX_SERIAL];
    bool console_known;         /* not saved: false after loading version 1 */
    Machine *m;                 /* not saved */
    MachineReplay *mr;          /* not saved */
} SnapMeta;

struct MachineSnap {
    Machine *m;
    MachineReplay *mr;
    ReplayMode mode;
    char *store_path;
    bool rr_default_store;      /* "<rrfile>.snap": belongs to the journal */
    char *temp_dir;             /* private store of this session, removed at exit */
    char recording[SNAP_RECORDING_MAX];
    Hash128 machine_hash;
    char *machine_desc;         /* for error messages */
    SnapStore *store;
    const MemRegion *ram;
    VMStateRegistry reg;        /* the machine's instances, then "snap" */
    SnapMeta meta;

    uint64_t period;
    uint64_t next_auto;
    bool started;               /* the snapshot at the start is there */
    bool hook_seen;
    uint64_t hook_steps;        /* step count at the last slice hook */
    /* The furthest step this session ran to without a gap since its start
     * (or since a restore beyond it): the console has shown everything the
     * guest wrote before it, so a seek may restore a snapshot up to here
     * but must run, not jump, past it. */
    uint64_t shown_steps;

    /* Sorted step counts of this recording's snapshots in the store. */
    uint64_t *known;
    size_t nknown, capknown;

    bool end_known;
    uint64_t end_steps;

    Error *err;                 /* first error of the periodic hook */
    MachineSnapCounters cnt;
};

/* Whatever saves the registry (a snapshot, or the copy of the present a
 * load keeps to undo itself) records where the machine and journal are. */
static void snap_meta_pre_save(void *opaque)
{
    SnapMeta *sm = opaque;
    ReplayPosition pos = machine_replay_position(sm->mr);
    sm->steps = machine_icount(sm->m);
    sm->async_next = pos.async_next;
    sm->sync_next = pos.sync_next;
    memset(sm->console_pos, 0, sizeof(sm->console_pos));
    for (int i = 0; i < sm->m->nserial && i < MACHINE_MAX_SERIAL; i++) {
        if (sm->m->serial[i]) {
            sm->console_pos[i] = chardev_output_pos(sm->m->serial[i]);
        }
    }
}

static bool snap_meta_post_load(void *opaque, int version_id, Error **errp)
{
    SnapMeta *sm = opaque;
    sm->console_known = version_id >= 2;
    if (sm->steps != machine_icount(sm->m)) {
        error_setc(errp, ERR_SNAPSHOT,
                   "snapshot record is for step %" PRIu64 " but its hart state is at step %" PRIu64,
                   sm->steps, machine_icount(sm->m));
        return false;
    }
    return true;
}

static const VMStateField snap_meta_fields[] = {
    VMSTATE_UINT64(steps, SnapMeta),
    VMSTATE_UINT64(async_next, SnapMeta),
    VMSTATE_UINT64(sync_next, SnapMeta),
    { .name = "console_pos", .type = VMS_U64, .offset = offsetof(SnapMeta, console_pos),
      .count = MACHINE_MAX_SERIAL, .version_id = 2 },
    VMSTATE_END_OF_LIST()
};

static const VMStateDescription snap_meta_vmsd = {
    .name = "snap",
    .version_id = 2,
    .minimum_version_id = 1,
    .pre_save = snap_meta_pre_save,
    .post_load = snap_meta_post_load,
    .fields = snap_meta_fields,
};

void machine_snap_options_init(MachineSnapOptions *o)
{
    memset(o, 0, sizeof(*o));
    o->period_steps = MACHINE_SNAP_DEFAULT_PERIOD;
}

/* ---- the set of known snapshot step counts ---- */

static size_t known_index(const MachineSnap *s, uint64_t steps)
{
    size_t lo = 0, hi = s->nknown;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->known[mid] < steps) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static bool known_has(const MachineSnap *s, uint64_t steps)
{
    size_t i = known_index(s, steps);
    return i < s->nknown && s->known[i] == steps;
}

static void known_add(MachineSnap *s, uint64_t steps)
{
    size_t i = known_index(s, steps);
    if (i < s->nknown && s->known[i] == steps) {
        return;
    }
    if (s->nknown == s->capknown) {
        s->capknown = s->capknown ? s->capknown * 2 : 64;
        s->known = realloc(s->known, s->capknown * sizeof(*s->known));
        if (!s->known) {
            abort();
        }
    }
    memmove(&s->known[i + 1], &s->known[i], (s->nknown - i) * sizeof(*s->known));
    s->known[i] = steps;
    s->nknown++;
}

/* Re-read this recording's snapshots from the store. */
static bool known_reload(MachineSnap *s, Error **errp)
{
    SnapshotInfo *list = NULL;
    size_t n = 0;
    if (!snapstore_list(s->store, &list, &n, errp)) {
        return false;
    }
    s->nknown = 0;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(list[i].recording, s->recording)) {
            known_add(s, list[i].steps);
        }
    }
    free(list);
    return true;
}

/* ---- identity of the machine ---- */

static bool snap_machine_identity(MachineSnap *s, Error **errp)
{
    JournalManifest man;
    if (!machine_replay_manifest(s->m, &man, errp)) {
        return false;
    }
    HashState hs;
    hash_init(&hs);
    const char *tag = "rrsim machine snapshot v1";
    hash_update(&hs, tag, strlen(tag) + 1);
    hash_update(&hs, man.rrsim_version, strlen(man.rrsim_version) + 1);
    hash_update(&hs, man.machine, strlen(man.machine) + 1);
    hash_update_u64(&hs, (uint64_t)man.icount_shift);
    for (size_t i = 0; i < man.n_inputs; i++) {
        hash_update(&hs, man.inputs[i].name, strlen(man.inputs[i].name) + 1);
        hash_update(&hs, &man.inputs[i].hash, sizeof(man.inputs[i].hash));
    }
    s->machine_hash = hash_final(&hs);
    hash_free(&hs);
    size_t len = strlen(man.rrsim_version) + strlen(man.machine) + 64;
    s->machine_desc = malloc(len);
    if (!s->machine_desc) {
        abort();
    }
    snprintf(s->machine_desc, len, "rrsim %s, %s, %zu image(s)", man.rrsim_version,
             man.machine, man.n_inputs);
    journal_manifest_free(&man);
    return true;
}

/*
 * The recording's id, which every snapshot of it is keyed by: the nonce the
 * journal's manifest carries (JOURNAL_INPUT_RECORDING), so two recordings,
 * even of journals named alike, never share snapshots. A journal written
 * before the nonce existed is known by the hash of its whole content.
 */
static bool snap_recording_identity(MachineSnap *s, Error **errp)
{
    Hash128 id;
    if (!machine_replay_recording_id(s->mr, &id)) {
        const char *path = s->m->opts.icount.rrfile;
        FILE *fp = fopen(path, "rb");
        if (!fp) {
            error_setg_errno(errp, errno, "cannot read journal '%s'", path);
            return false;
        }
        HashState hs;
        hash_init(&hs);
        bool bad = !hash_update_stream(&hs, fp);
        fclose(fp);
        id = hash_final(&hs);
        hash_free(&hs);
        if (bad) {
            error_setc(errp, ERR_IO, "error reading journal '%s'", path);
            return false;
        }
    }
    char hex[33];
    hash_to_hex(id, hex);
    snprintf(s->recording, sizeof(s->recording), "rr:%s", hex);
    return true;
}

static void unlink_store(const char *path)
{
    size_t len = strlen(path) + 8;
    char *lock = malloc(len);
    if (!lock) {
        abort();
    }
    snprintf(lock, len, "%s-lock", path);
    unlink(path);
    unlink(lock);
    free(lock);
}

static SnapLoadCommit snap_load_commit;

/* A store that cannot be read or written (damaged, full disk, no access) is
 * a snapshot store failure, whatever host error is behind it: the run
 * needed a snapshot and has none (ERR_SNAPSHOT). */
static void snap_store_error(Error **errp, Error *local)
{
    if (local && error_get_class(local) == ERR_IO) {
        error_setc(errp, ERR_SNAPSHOT, "%s", error_get_message(local));
        error_free(local);
    } else {
        error_propagate(errp, local);
    }
}

/* Whether a store at path could be created or written: its directory is
 * one and writable (access(2) also answers EROFS for root), and the file,
 * if there, is readable and writable. */
static bool store_dir_writable(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
    if (!dir) {
        abort();
    }
    struct stat st;
    bool ok = stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && access(dir, W_OK | X_OK) == 0;
    free(dir);
    if (ok && stat(path, &st) == 0) {
        ok = access(path, R_OK | W_OK) == 0;
    }
    return ok;
}

/* The journal's directory cannot take a store (read-only, or not ours):
 * keep this session's snapshots in a private temporary store instead. */
static bool snap_use_temp_store(MachineSnap *s, Error **errp)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp) {
        tmp = "/tmp";
    }
    size_t n = strlen(tmp) + 32;
    char *dir = malloc(n);
    if (!dir) {
        abort();
    }
    snprintf(dir, n, "%s/rrsim-snap.XXXXXX", tmp);
    if (!mkdtemp(dir)) {
        error_setg_errno(errp, errno, "cannot create a temporary snapshot store in %s", tmp);
        error_prepend(errp, "'%s' cannot be written and ", s->store_path);
        free(dir);
        return false;
    }
    char *path = malloc(strlen(dir) + 16);
    if (!path) {
        abort();
    }
    sprintf(path, "%s/replay.snap", dir);
    fprintf(stderr, "rrsim: note: '%s' cannot be written; snapshots go to %s, removed at exit\n",
            s->store_path, path);
    free(s->store_path);
    s->store_path = path;
    s->temp_dir = dir;
    return true;
}

static bool snap_open_store(MachineSnap *s, Error **errp)
{
    if (s->store) {
        return true;
    }
    SnapStoreConfig cfg = {
        .recording = s->recording,
        /* A replay is one recording's: another's snapshot is another
         * history, which its journal cannot continue. */
        .own_recording_only = s->mode == REPLAY_MODE_PLAY,
        .machine_hash = s->machine_hash,
        /* The default store of a journal can be rebuilt from it by replaying:
         * trade host-crash durability for cheap periodic snapshots. */
        .no_sync = s->rr_default_store,
    };
    Error *local = NULL;
    s->store = snapstore_open(s->store_path, &cfg, &local);
    if (!s->store) {
        ErrorClass cls = error_get_class(local);
        /* The store names itself; add what this machine is when it was
         * refused as another machine's (rrsim version, options, images). */
        if (cls == ERR_SNAPSHOT && strstr(error_get_message(local), "another machine")) {
            error_setc(errp, cls, "%s (this machine: %s)", error_get_message(local),
                       s->machine_desc);
            error_free(local);
        } else {
            snap_store_error(errp, local);
        }
        return false;
    }
    if (!known_reload(s, errp)) {
        snapstore_close(s->store);
        s->store = NULL;
        return false;
    }
    snapstore_set_load_commit(s->store, snap_load_commit, s);
    return true;
}

SnapStore *machine_snap_store(MachineSnap *s, Error **errp)
{
    return snap_open_store(s, errp) ? s->store : NULL;
}

/* ---- save and restore ---- */

static bool snap_save_now(MachineSnap *s, const char *name, Error **errp)
{
    Machine *m = s->m;
    if (name && strlen(name) >= SNAP_NAME_MAX) {
        error_setc(errp, ERR_USAGE, "snapshot name '%s' is longer than %u bytes", name,
                   SNAP_NAME_MAX - 1);
        return false;
    }
    if (!snap_open_store(s, errp)) {
        return false;
    }
    /* A disk written to its file cannot be taken back (QEMU refuses too). */
    const char *drive = machine_drive_without_overlay(m);
    if (drive) {
        error_setc(errp, ERR_SNAPSHOT, "cannot snapshot: -drive %s writes to its image file; "
                   "give it snapshot=on (or use -snapshot) so that writes go to an overlay "
                   "snapshots can hold", drive);
        return false;
    }
    /* Bottom halves are not machine state: a snapshot is only taken where
     * none is pending (the run loop has just run them all). */
    if (loop_bhs_pending(m->loop)) {
        error_setc(errp, ERR_SNAPSHOT,
                   "cannot snapshot at step %" PRIu64 ": deferred device work is pending; "
                   "step once and retry", machine_icount(m));
        return false;
    }
    ReplayPosition pos = machine_replay_position(s->mr);
    uint64_t steps = machine_icount(m);

    SnapshotInfo info;
    memset(&info, 0, sizeof(info));
    info.steps = steps;
    info.virtual_ns = machine_virtual_ns(m);
    info.clock_bias_ns = icount_get_bias(m->icount);
    info.journal_pos = pos.async_next;
    if (name) {
        strcpy(info.name, name);
    }
    Error *local = NULL;
    const MemRegion *regions[1 + VIRT_VIRTIO_COUNT];
    regions[0] = s->ram;
    size_t nregions = 1 + machine_overlays(m, regions + 1, VIRT_VIRTIO_COUNT);
    if (!snapstore_save_regions(s->store, &info, &s->reg, regions, nregions, &local)) {
        snap_store_error(errp, local);
        return false;
    }
    known_add(s, steps);
    s->cnt.saves++;
    return true;
}

static void snap_after_restore(MachineSnap *s, uint64_t steps)
{
    if (steps > s->shown_steps) {
        s->shown_steps = steps;   /* what lies between was skipped, not shown */
    }
    s->hook_seen = true;
    s->hook_steps = steps;
    s->started = true;
    if (s->period) {
        s->next_auto = (steps / s->period + 1) * s->period;
    }
    s->cnt.loads++;
}

/* The last step of every restore (snapstore's commit hook): the journal
 * follows the machine in a replay; a failure here undoes the restore. */
static bool snap_load_commit(void *opaque, const SnapshotInfo *info, Error **errp)
{
    MachineSnap *s = opaque;
    Machine *m = s->m;
    (void)info;
    if (s->mode == REPLAY_MODE_PLAY) {
        ReplayPosition old = machine_replay_position(s->mr);
        ReplayPosition pos = { s->meta.async_next, s->meta.sync_next };
        if (!machine_replay_set_position(s->mr, pos, errp)) {
            error_prepend(errp, "resuming the journal at step %" PRIu64 ": ", s->meta.steps);
            (void)machine_replay_set_position(s->mr, old, NULL);
            return false;
        }
    }
    /* A replay goes on along the timeline the console has shown; anything
     * else starts a new one, shown in full. */
    for (int i = 0; i < m->nserial && i < MACHINE_MAX_SERIAL; i++) {
        if (m->serial[i] && s->meta.console_known) {
            chardev_set_output_pos(m->serial[i], s->meta.console_pos[i],
                                   s->mode == REPLAY_MODE_PLAY);
        }
    }
    return true;
}

/* Restore the snapshot called name, or the one at `steps` of this recording. */
static bool snap_restore(MachineSnap *s, const char *name, uint64_t steps, Error **errp)
{
    Machine *m = s->m;
    if (!snap_open_store(s, errp)) {
        return false;
    }
    const char *drive = machine_drive_without_overlay(m);
    if (drive) {
        error_setc(errp, ERR_SNAPSHOT, "cannot load a snapshot: -drive %s writes to its image "
                   "file, which a snapshot cannot take back; give it snapshot=on", drive);
        return false;
    }
    if (s->mode == REPLAY_MODE_RECORD) {
        ReplayPosition p = machine_replay_position(s->mr);
        if (p.async_next || p.sync_next) {
            error_setc(errp, ERR_USAGE,
                       "cannot load a snapshot in the middle of a recording "
                       "(only before it starts)");
            return false;
        }
    }
    /* Deferred work of the present being abandoned: let it finish against
     * the old state, which the restore then overwrites. Its console output
     * is the timeline's at this step, so it is shown (once: a replay that
     * passes here again shows nothing twice, see chardev_set_output_pos()). */
    for (int i = 0; i < RESTORE_MAX_BH_ROUNDS && loop_bhs_pending(m->loop); i++) {
        loop_run_bhs(m->loop);
    }

    SnapshotInfo info;
    const MemRegion *regions[1 + VIRT_VIRTIO_COUNT];
    regions[0] = s->ram;
    size_t nregions = 1 + machine_overlays(m, regions + 1, VIRT_VIRTIO_COUNT);
    bool ok = name ? snapstore_load_named_regions(s->store, name, &s->reg, regions, nregions,
                                                  &info, errp)
                   : snapstore_load_regions(s->store, steps, &s->reg, regions, nregions, &info,
                                            errp);
    if (!ok) {
        if (name) {
            error_prepend(errp, "loading snapshot '%s': ", name);
        } else {
            error_prepend(errp, "loading the snapshot at step %" PRIu64 ": ", steps);
        }
        return false;
    }
    /* Translated code and TLB entries may describe the old RAM and mappings. */
    for (int i = 0; i < m->nharts; i++) {
        hart_flush_caches(m->harts[i]);
    }
    /* Requests of the old present (shutdown at the end of the replay, a
     * reset, a debug stop) do not belong to the restored one. */
    int code = 0;
    (void)loop_take_shutdown(m->loop, &code);
    (void)loop_take_reset(m->loop);
    (void)loop_take_debug_stop(m->loop);
    snap_after_restore(s, s->meta.steps);
    return true;
}

/* ---- periodic snapshots ---- */

static void snap_slice_hook(void *opaque, Machine *m)
{
    MachineSnap *s = opaque;
    uint64_t steps = machine_icount(m);
    bool first = !s->hook_seen || steps != s->hook_steps;
    if (steps > s->shown_steps) {
        s->shown_steps = steps;
    }
    s->hook_seen = true;
    s->hook_steps = steps;
    if (!first || s->err || s->mode == REPLAY_MODE_NONE) {
        return;
    }
    bool due = !s->started || (s->period && steps >= s->next_auto);
    if (!due || loop_bhs_pending(m->loop)) {
        return;   /* not now; retried at the next step count */
    }
    if (!known_has(s, steps)) {
        Error *err = NULL;
        if (!snap_save_now(s, NULL, &err)) {
            error_prepend(&err, "periodic snapshot at step %" PRIu64 ": ", steps);
            /* The run itself needs no snapshot: it goes on without. */
            warn_report("%s; periodic snapshots stop", error_get_message(err));
            s->err = err;
            return;
        }
    }
    s->started = true;
    if (s->period) {
        s->next_auto = (steps / s->period + 1) * s->period;
    }
}

/* ---- lifecycle ---- */

/* A new recording: snapshots of an old one with the same id are stale. */
static bool snap_forget_recording(MachineSnap *s, Error **errp)
{
    SnapshotInfo *list = NULL;
    size_t n = 0;
    if (!snapstore_list(s->store, &list, &n, errp)) {
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        if (!strcmp(list[i].recording, s->recording)) {
            ok = snapstore_delete(s->store, list[i].steps, errp);
        }
    }
    free(list);
    return ok && known_reload(s, errp);
}

static bool snap_start(MachineSnap *s, const MachineSnapOptions *o, Error **errp)
{
    Machine *m = s->m;
    const IcountOptions *io = &m->opts.icount;
    const char *rrsnapshot = o->rrsnapshot ? o->rrsnapshot : io->rrsnapshot;

    s->ram = mem_find(&m->as, VIRT_DRAM_BASE, m->ram_size);
    if (!s->ram || s->ram->kind != MEM_RAM) {
        error_setc(errp, ERR_SNAPSHOT, "the machine has no RAM region to snapshot");
        return false;
    }
    vmstate_registry_init(&s->reg);
    for (size_t i = 0; i < m->vms.n; i++) {
        const VMStateEntry *e = &m->vms.entries[i];
        vmstate_register(&s->reg, e->instance, e->vmsd, e->opaque);
    }
    s->meta.m = m;
    s->meta.mr = s->mr;
    vmstate_register(&s->reg, "snap", &snap_meta_vmsd, &s->meta);

    if (!snap_machine_identity(s, errp)) {
        return false;
    }
    if (s->mode != REPLAY_MODE_NONE) {
        if (!snap_recording_identity(s, errp)) {
            return false;
        }
        s->period = o->period_steps;
        if (o->store_path) {
            s->store_path = strdup(o->store_path);
        } else {
            s->store_path = o->default_store_path ? strdup(o->default_store_path)
                                                  : snapstore_path_for_journal(io->rrfile);
            s->rr_default_store = true;
        }
    } else {
        s->store_path = strdup(o->store_path ? o->store_path : MACHINE_SNAP_DEFAULT_STORE);
    }
    if (!s->store_path) {
        abort();
    }
    if (s->mode == REPLAY_MODE_NONE) {
        return true;   /* the store is opened when first needed */
    }
    if (s->mode == REPLAY_MODE_RECORD && s->rr_default_store) {
        unlink_store(s->store_path);
    }
    if (s->rr_default_store && !store_dir_writable(s->store_path) &&
        !snap_use_temp_store(s, errp)) {
        return false;
    }
    Error *local = NULL;
    if (!snap_open_store(s, &local)) {
        /* The store next to the journal is only for periodic snapshots,
         * which nothing needs yet: go on without them. An explicit store,
         * or one needed now (rrsnapshot=), is an error. */
        if (!s->rr_default_store || rrsnapshot) {
            error_propagate(errp, local);
            if (rrsnapshot) {
                error_prepend(errp, "rrsnapshot=%s: ", rrsnapshot);
            }
            return false;
        }
        warn_report("%s; %s without periodic snapshots", error_get_message(local),
                    s->mode == REPLAY_MODE_RECORD ? "recording" : "replaying");
        s->err = local;
        return true;
    }
    if (s->mode == REPLAY_MODE_RECORD && !s->rr_default_store &&
        !snap_forget_recording(s, errp)) {
        return false;
    }
    if (rrsnapshot && s->mode == REPLAY_MODE_RECORD) {
        Error *ignored = NULL;
        /* QEMU's rrsnapshot: the recording's start, replacing an old one. */
        if (!snapstore_delete_named(s->store, rrsnapshot, &ignored)) {
            error_free(ignored);
        } else if (!known_reload(s, errp)) {
            return false;
        }
        if (!snap_save_now(s, rrsnapshot, errp)) {
            error_prepend(errp, "rrsnapshot=%s: ", rrsnapshot);
            return false;
        }
        s->started = true;
    } else if (rrsnapshot) {
        if (!machine_snap_load(s, rrsnapshot, errp)) {
            error_prepend(errp, "rrsnapshot=%s: ", rrsnapshot);
            return false;
        }
    }
    return true;
}

MachineSnap *machine_snap_new(Machine *m, MachineReplay *mr, const MachineSnapOptions *o,
                              Error **errp)
{
    MachineSnapOptions defaults;
    if (!o) {
        machine_snap_options_init(&defaults);
        o = &defaults;
    }
    MachineSnap *s = calloc(1, sizeof(*s));
    if (!s) {
        abort();
    }
    s->m = m;
    s->mr = mr;
    s->mode = machine_replay_mode(mr);
    if (!snap_start(s, o, errp)) {
        machine_snap_free(s);
        return NULL;
    }
    machine_set_slice_hook(m, snap_slice_hook, s);
    return s;
}

void machine_snap_free(MachineSnap *s)
{
    if (!s) {
        return;
    }
    if (s->m->slice_hook_opaque == s) {
        machine_set_slice_hook(s->m, NULL, NULL);
    }
    snapstore_close(s->store);
    if (s->temp_dir) {
        unlink_store(s->store_path);
        rmdir(s->temp_dir);
        free(s->temp_dir);
    }
    vmstate_registry_free(&s->reg);
    free(s->store_path);
    free(s->machine_desc);
    free(s->known);
    error_free(s->err);
    free(s);
}

/* ---- the public operations ---- */

bool machine_snap_save(MachineSnap *s, const char *name, Error **errp)
{
    if (name && !*name) {
        error_setc(errp, ERR_USAGE, "a snapshot name cannot be empty");
        return false;
    }
    /* In record and replay the machine at a step count is always the same:
     * an automatic snapshot that exists already is that state. */
    if (!name && s->mode != REPLAY_MODE_NONE && s->store &&
        known_has(s, machine_icount(s->m))) {
        return true;
    }
    return snap_save_now(s, name, errp);
}

bool machine_snap_load(MachineSnap *s, const char *name, Error **errp)
{
    if (!name || !*name) {
        error_setc(errp, ERR_USAGE, "loading a snapshot needs its name");
        return false;
    }
    if (!snap_restore(s, name, 0, errp)) {
        return false;
    }
    /* A seek back to this point should find a snapshot of this recording.
     * Only a shortcut: the load itself is done, so a failure here is not
     * the load's (it would otherwise report a restore that happened as
     * failed); the seek then starts from an earlier snapshot. */
    if (s->mode != REPLAY_MODE_NONE && !known_has(s, machine_icount(s->m))) {
        Error *err = NULL;
        if (!snap_save_now(s, NULL, &err)) {
            warn_report("snapshot at step %" PRIu64 " after loading '%s': %s",
                        machine_icount(s->m), name, error_get_message(err));
            error_free(err);
        }
    }
    return true;
}

bool machine_snap_delete(MachineSnap *s, const char *name, Error **errp)
{
    if (!name || !*name) {
        error_setc(errp, ERR_USAGE, "deleting a snapshot needs its name");
        return false;
    }
    if (!snap_open_store(s, errp)) {
        return false;
    }
    if (!snapstore_delete_named(s->store, name, errp)) {
        return false;
    }
    return known_reload(s, errp);
}

bool machine_snap_list(MachineSnap *s, char ***names, uint64_t **steps, size_t *count,
                       Error **errp)
{
    *names = NULL;
    *steps = NULL;
    *count = 0;
    if (!snap_open_store(s, errp)) {
        return false;
    }
    SnapshotInfo *list = NULL;
    size_t n = 0;
    if (!snapstore_list(s->store, &list, &n, errp)) {
        return false;
    }
    size_t named = 0;
    for (size_t i = 0; i < n; i++) {
        named += list[i].name[0] != 0;
    }
    char **nv = calloc(named ? named : 1, sizeof(*nv));
    uint64_t *sv = calloc(named ? named : 1, sizeof(*sv));
    if (!nv || !sv) {
        abort();
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (list[i].name[0]) {
            nv[k] = strdup(list[i].name);
            if (!nv[k]) {
                abort();
            }
            sv[k++] = list[i].steps;
        }
    }
    free(list);
    *names = nv;
    *steps = sv;
    *count = named;
    return true;
}

void machine_snap_list_free(char **names, uint64_t *steps, size_t count)
{
    for (size_t i = 0; names && i < count; i++) {
        free(names[i]);
    }
    free(names);
    free(steps);
}

bool machine_snap_status(MachineSnap *s, Error **errp)
{
    if (s->err) {
        error_propagate(errp, s->err);
        s->err = NULL;
        return false;
    }
    return true;
}

void machine_snap_counters(MachineSnap *s, MachineSnapCounters *out)
{
    *out = s->cnt;
}

/* ---- seeking ---- */

uint64_t machine_snap_replay_end(MachineSnap *s, Error **errp)
{
    if (s->mode != REPLAY_MODE_PLAY) {
        return UINT64_MAX;
    }
    if (!s->end_known) {
        JournalReader *rd = journal_reader_open(s->m->opts.icount.rrfile, false, errp);
        if (!rd) {
            return UINT64_MAX;
        }
        s->end_steps = journal_reader_last_steps(rd);
        s->end_known = true;
        journal_reader_free(rd);
    }
    return s->end_steps;
}

/* Replay forward to `target`, saving snapshots on the way (at halfway points
 * until MACHINE_SNAP_SEEK_FINE from the target). The console shows only what
 * it has not shown yet (chardev_set_output_pos()): nothing when re-running
 * history, and what a forward seek passes over. */
static bool snap_run_to(MachineSnap *s, uint64_t target, Error **errp)
{
    Machine *m = s->m;
    uint64_t from = machine_icount(m);
    unsigned idle_stops = 0;
    bool ok = true;

    while (ok && machine_icount(m) < target) {
        uint64_t cur = machine_icount(m);
        uint64_t stop = target;
        if (target - cur > MACHINE_SNAP_SEEK_FINE) {
            stop = cur + (target - cur) / 2;
        }
        machine_set_stop_at(m, stop);
        MachineStop why;
        if (!machine_run(m, &why, errp)) {
            ok = false;
            break;
        }
        uint64_t now = machine_icount(m);
        if (why == MACHINE_STOP_SHUTDOWN && now == target && !machine_replay_failed(s->mr) &&
            (m->shutdown_cause == SHUTDOWN_GUEST_POWEROFF ||
             m->shutdown_cause == SHUTDOWN_GUEST_RESET)) {
            /* The guest's last instruction powered it off: that is the
             * machine at `target`. Keep the request for the next run. */
            loop_request_shutdown(m->loop, m->shutdown_cause, m->exit_code);
            break;
        }
        if (why == MACHINE_STOP_SHUTDOWN) {
            error_setc(errp, machine_replay_failed(s->mr) ? ERR_DIVERGENCE : ERR_USAGE,
                       "seeking to step %" PRIu64 ": the replay %s at step %" PRIu64,
                       target, machine_replay_failed(s->mr) ? "failed" : "stopped", now);
            ok = false;
            break;
        }
        if (now == stop && stop < target) {
            if (!known_has(s, now) && !loop_bhs_pending(m->loop) &&
                !snap_save_now(s, NULL, errp)) {
                ok = false;
            }
            idle_stops = 0;
        } else if (now == cur && ++idle_stops > SEEK_MAX_IDLE_STOPS) {
            error_setc(errp, ERR_GENERIC, "seeking to step %" PRIu64 ": no progress at step %" PRIu64,
                       target, now);
            ok = false;
        }
        /* Other debug stops (breakpoints, watchpoints) are passed over: stopping
         * and resuming never changes what the guest does. A breakpoint stops
         * before its instruction, so let the next run execute it. */
        if (why == MACHINE_STOP_DEBUG && machine_last_debug_exit(m) == MACHINE_DEBUG_BREAKPOINT) {
            hart_breakpoint_skip_once(m->hart);
        }
        /* A watchpoint stops before its access, too. */
        if (why == MACHINE_STOP_DEBUG && machine_last_debug_exit(m) == MACHINE_DEBUG_WATCHPOINT) {
            hart_watchpoint_skip_once(m->hart);
        }
    }
    machine_set_stop_at(m, UINT64_MAX);
    s->cnt.replayed_steps += machine_icount(m) - from;
    return ok;
}

bool machine_seek(MachineSnap *s, uint64_t steps, Error **errp)
{
    if (s->mode != REPLAY_MODE_PLAY) {
        error_setc(errp, ERR_USAGE, "seeking needs a replay (-icount rr=replay)");
        return false;
    }
    uint64_t end = machine_snap_replay_end(s, errp);
    if (end == UINT64_MAX) {
        return false;
    }
    if (steps > end) {
        error_setc(errp, ERR_USAGE,
                   "step %" PRIu64 " is beyond the end of the recording (step %" PRIu64 ")",
                   steps, end);
        return false;
    }
    if (machine_replay_failed(s->mr)) {
        error_setc(errp, ERR_USAGE, "the replay has failed; it cannot seek");
        return false;
    }
    if (!snap_open_store(s, errp)) {
        return false;
    }
    uint64_t cur = machine_icount(s->m);
    if (steps == cur) {
        return true;
    }
    /* Forward past what the console has shown, the guest's output on the
     * way must be produced: restore no snapshot beyond that point. */
    uint64_t limit = steps < s->shown_steps ? steps : s->shown_steps;
    SnapshotInfo si;
    int found = snapstore_find_before(s->store, limit, &si, errp);
    if (found < 0) {
        return false;
    }
    /* Forward, with no snapshot between here and the target: just run on. */
    bool restore = !(steps > cur && (found == 0 || si.steps <= cur));
    if (restore) {
        if (found == 0) {
            error_setc(errp, ERR_SNAPSHOT,
                       "no snapshot at or before step %" PRIu64 " in %s (the snapshot of the "
                       "replay's start is missing)", steps, s->store_path);
            return false;
        }
        if (!snap_restore(s, NULL, si.steps, errp)) {
            return false;
        }
    }
    return snap_run_to(s, steps, errp);
}
