/*
 * snapstore: snapshots in one LMDB file, RAM stored by content.
 *
 * Named databases and their records (integers little-endian unless noted):
 *   meta    "meta" -> "RRSIMSNP", u32 store format, machine hash (16 bytes),
 *                     u32 length + rrsim version string
 *   pages   page hash (16) -> u8 encoding (0 raw, 1 zstd), data
 *   chunks  chunk hash (16) -> list of the page hashes of 64 RAM pages
 *   tables  table hash (16) -> list of the chunk hashes of a whole RAM
 *           A list value is full or a delta on an earlier list:
 *             u8 0, u32 n, n hashes (16 each)
 *             u8 1, u8 depth, u32 n, base list hash (16), u32 m,
 *               m * (u32 slot, hash), slots increasing (the entries that differ)
 *           A list is named by the hash of its resolved form (u32 n + the n
 *           hashes), whatever its representation.
 *   refs    kind ('p' page, 'c' chunk, 't' table) + hash (17) -> u64 count
 *   snaps   recording id, NUL, u64 steps big-endian (so keys sort by steps)
 *           -> snapshot record (see record_build)
 *   names   snapshot name -> snaps key
 * A hash is written lo then hi, each little-endian. The all-zero hash marks
 * an all-zero page, chunk or table, which is never stored.
 *
 * Reference counts live apart from the objects they count: a count changes
 * far more often than content, and rewriting a 4 KiB page to bump a counter
 * would cost what content addressing saves. A snapshot counts once on its
 * table; a list counts once on each entry it stores and a delta once on
 * its base.
 *
 * Why deltas: a full table takes a reference on every chunk of RAM and a
 * full chunk on each of its 64 pages, so each snapshot would update
 * counters all over the (randomly keyed) refs database and rewrite most of
 * it. A list stored as "its previous version plus these entries" costs one
 * reference per changed entry instead, so a snapshot writes in proportion to
 * the pages that changed. Chains are cut at LIST_MAX_DEPTH by writing a full
 * list, which bounds the reads on load; a delta keeps its base (and what the
 * base holds) alive until the delta itself goes.
 */
#include "snapshots/snapstore_int.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool snap_mdb_fail(Error **errp, int rc, const char *what)
{
    ErrorClass cls = ERR_IO;
    if (rc == MDB_CORRUPTED || rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH ||
        rc == MDB_PAGE_NOTFOUND || rc == MDB_INCOMPATIBLE || rc == MDB_BAD_VALSIZE) {
        cls = ERR_SNAPSHOT;
    }
    error_setc(errp, cls, "snapshot store: %s: %s", what, mdb_strerror(rc));
    return false;
}

bool snap_damaged(Error **errp, const char *fmt, const char *detail)
{
    error_setc(errp, ERR_SNAPSHOT, "snapshot store is damaged: %s%s", fmt, detail ? detail : "");
    return false;
}

static size_t snap_key(const char *recording, uint64_t steps, uint8_t out[KEY_MAX])
{
    size_t n = strlen(recording);
    memcpy(out, recording, n);
    out[n] = 0;
    for (int i = 0; i < 8; i++) {
        out[n + 1 + i] = (uint8_t)(steps >> (56 - 8 * i));
    }
    return n + 9;
}

/* Split a snaps key into recording and steps; false if malformed. */
static bool snap_key_parse(const MDB_val *k, char rec[SNAP_RECORDING_MAX], uint64_t *steps)
{
    const uint8_t *p = k->mv_data;
    if (k->mv_size < 9 || k->mv_size - 9 >= SNAP_RECORDING_MAX) {
        return false;
    }
    size_t n = k->mv_size - 9;
    if (p[n] != 0 || memchr(p, 0, n)) {
        return false;
    }
    memcpy(rec, p, n);
    rec[n] = 0;
    uint64_t s = 0;
    for (int i = 0; i < 8; i++) {
        s = (s << 8) | p[n + 1 + i];
    }
    *steps = s;
    return true;
}

/* ---- write transactions, growing the map when it fills ---- */

/* Returns 0, an LMDB error code (errp untouched), or -1 with errp set. */
typedef int WriteFn(SnapStore *s, MDB_txn *txn, void *arg, Error **errp);

static bool with_write_txn(SnapStore *s, WriteFn *fn, void *arg, const char *what,
                           Error **errp)
{
    for (int attempt = 0;; attempt++) {
        MDB_txn *txn;
        Error *local = NULL;
        int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
        if (rc) {
            return snap_mdb_fail(errp, rc, what);
        }
        rc = fn(s, txn, arg, &local);
        if (rc == 0) {
            rc = mdb_txn_commit(txn);
            if (rc == 0) {
                return true;
            }
        } else {
            mdb_txn_abort(txn);
        }
        if (local) {
            error_propagate(errp, local);
            return false;
        }
        if (rc == MDB_MAP_FULL && attempt < MAP_GROW_TRIES) {
            /* No transaction is open now, so the map may be resized. */
            int rc2 = mdb_env_set_mapsize(s->env, s->map_size * 2);
            if (rc2) {
                return snap_mdb_fail(errp, rc2, "growing the map");
            }
            s->map_size *= 2;
            continue;
        }
        return snap_mdb_fail(errp, rc, what);
    }
}

/* ---- open / close ---- */

char *snapstore_path_for_journal(const char *journal_path)
{
    size_t n = strlen(journal_path);
    char *p = malloc(n + 6);
    if (p) {
        memcpy(p, journal_path, n);
        memcpy(p + n, ".snap", 6);
    }
    return p;
}

typedef struct OpenCtx {
    Hash128 machine;
} OpenCtx;

static int open_txn(SnapStore *s, MDB_txn *txn, void *arg, Error **errp)
{
    OpenCtx *c = arg;
    static const struct { const char *name; size_t off; } dbs[] = {
        { "meta", offsetof(SnapStore, meta) },     { "pages", offsetof(SnapStore, pages) },
        { "chunks", offsetof(SnapStore, chunks) }, { "tables", offsetof(SnapStore, tables) },
        { "refs", offsetof(SnapStore, refs) },
        { "snaps", offsetof(SnapStore, snaps) },   { "names", offsetof(SnapStore, names) },
    };
    int rc;
    for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
        rc = mdb_dbi_open(txn, dbs[i].name, MDB_CREATE, (MDB_dbi *)((char *)s + dbs[i].off));
        if (rc) {
            return rc;
        }
    }

    MDB_val k = { 4, (void *)"meta" }, v;
    rc = mdb_get(txn, s->meta, &k, &v);
    if (rc == MDB_NOTFOUND) {
        MDB_stat st;
        if ((rc = mdb_stat(txn, s->snaps, &st)) != 0) {
            return rc;
        }
        if (st.ms_entries) {
            snap_damaged(errp, "no meta record", NULL);
            return -1;
        }
        VMBuf b;
        vmbuf_init(&b);
        vmbuf_put(&b, META_MAGIC, 8);
        put_le(&b, SNAPSTORE_FORMAT_VERSION, 4);
        uint8_t hb[16];
        hash_bytes(hb, c->machine);
        vmbuf_put(&b, hb, 16);
        put_le(&b, strlen(RRSIM_VERSION), 4);
        vmbuf_put(&b, RRSIM_VERSION, strlen(RRSIM_VERSION));
        MDB_val nv = { b.len, b.data };
        rc = mdb_put(txn, s->meta, &k, &nv, 0);
        vmbuf_free(&b);
        return rc;
    }
    if (rc) {
        return rc;
    }

    const uint8_t *p = v.mv_data;
    if (v.mv_size < 32 || memcmp(p, META_MAGIC, 8) != 0) {
        error_setc(errp, ERR_SNAPSHOT, "not an rrsim snapshot store (bad meta record)");
        return -1;
    }
    uint32_t fmt = (uint32_t)rd_le(p + 8, 4);
    uint32_t vlen = (uint32_t)rd_le(p + 28, 4);
    int shown = vlen <= v.mv_size - 32 && vlen < 64 ? (int)vlen : 0;
    if (fmt != SNAPSTORE_FORMAT_VERSION) {
        error_setc(errp, ERR_SNAPSHOT,
                   "snapshot store has format %u (written by rrsim %.*s); this rrsim reads "
                   "format %u", fmt, shown, (const char *)p + 32, SNAPSTORE_FORMAT_VERSION);
        return -1;
    }
    Hash128 mh = bytes_hash(p + 12);
    if (!hash_equal(mh, c->machine)) {
        char have[33], want[33];
        hash_to_hex(mh, have);
        hash_to_hex(c->machine, want);
        error_setc(errp, ERR_SNAPSHOT,
                   "snapshot store was made for another machine configuration "
                   "(store %s, this machine %s)", have, want);
        return -1;
    }
    return 0;
}

/*
 * LMDB maps its lock file shared and writes it through the map, and it
 * creates the file with ftruncate(), which allocates nothing: on a full
 * file system the first store into the map is a SIGBUS, not an error. So
 * the blocks are allocated here first, where a full disk is an error. The
 * file keeps at least the size LMDB gives it with the default number of
 * readers (it never shrinks a bigger one), so every page it maps is backed.
 */
#define LOCK_FILE_BYTES 8192

static bool lock_file_back(const char *path, bool create, Error **errp)
{
    size_t n = strlen(path) + 6;
    char *lock = malloc(n);
    if (!lock) {
        error_setg(errp, "out of memory");
        return false;
    }
    snprintf(lock, n, "%s-lock", path);
    int fd = open(lock, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
    int rc = fd < 0 ? errno : 0;
    struct stat st;
    if (rc == 0 && fstat(fd, &st) != 0) {
        rc = errno;
    }
    if (rc == 0) {
        off_t want = st.st_size > LOCK_FILE_BYTES ? st.st_size : LOCK_FILE_BYTES;
        rc = posix_fallocate(fd, 0, want);
    }
    if (fd >= 0) {
        close(fd);
    }
    if (rc) {
        error_setg_errno(errp, rc, "cannot prepare the lock file of snapshot store '%s'", path);
    }
    free(lock);
    return rc == 0;
}

/*
 * LMDB reads pages through its map: a page beyond the end of the file (a
 * store copied short, cut by a full disk) would be a SIGBUS at the first
 * access. The meta pages, read with pread() at open, say how far the data
 * goes; a file shorter than that is refused before any page is read.
 */
static bool check_file_size(SnapStore *s, const char *path, Error **errp)
{
    MDB_envinfo info;
    MDB_stat st;
    mdb_filehandle_t fd;
    struct stat fs;
    int rc = mdb_env_info(s->env, &info);
    if (rc == 0) {
        rc = mdb_env_stat(s->env, &st);
    }
    if (rc == 0) {
        rc = mdb_env_get_fd(s->env, &fd);
    }
    if (rc) {
        return snap_mdb_fail(errp, rc, "checking the file");
    }
    if (fstat(fd, &fs) != 0) {
        error_setg_errno(errp, errno, "cannot stat snapshot store '%s'", path);
        return false;
    }
    uint64_t need = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
    if ((uint64_t)fs.st_size < need) {
        error_setc(errp, ERR_SNAPSHOT,
                   "snapshot store '%s' is damaged: the file has %llu bytes but its data "
                   "needs %llu (truncated?)", path, (unsigned long long)fs.st_size,
                   (unsigned long long)need);
        return false;
    }
    return true;
}

SnapStore *snapstore_open(const char *path, const SnapStoreConfig *cfg, Error **errp)
{
    const char *rec = cfg->recording ? cfg->recording : "";
    if (strlen(rec) >= SNAP_RECORDING_MAX) {
        error_setc(errp, ERR_USAGE, "recording id '%s' is longer than %u bytes", rec,
                   SNAP_RECORDING_MAX - 1);
        return NULL;
    }
    SnapStore *s = calloc(1, sizeof(*s));
    if (!s) {
        error_setg(errp, "out of memory");
        return NULL;
    }
    strcpy(s->recording, rec);
    s->own_recording_only = cfg->own_recording_only;
    s->map_size = cfg->map_size ? cfg->map_size : DEFAULT_MAP_SIZE;
    s->cctx = ZSTD_createCCtx();
    s->dctx = ZSTD_createDCtx();
    s->zpage_cap = ZSTD_compressBound(MEM_PAGE_SIZE) + 1;
    s->zpage = malloc(s->zpage_cap);
    if (!s->cctx || !s->dctx || !s->zpage) {
        error_setg(errp, "out of memory");
        goto fail;
    }

    int rc = mdb_env_create(&s->env);
    if (rc) {
        snap_mdb_fail(errp, rc, "creating the environment");
        goto fail;
    }
    mdb_env_set_maxdbs(s->env, 8);
    mdb_env_set_mapsize(s->env, s->map_size);
    /* Never MDB_WRITEMAP: pages are written with pwrite(), so a full disk
     * is an error from the commit, never a store into an unbacked page. */
    unsigned flags = MDB_NOSUBDIR | MDB_NOMETASYNC | (cfg->no_sync ? MDB_NOSYNC : 0);
    struct stat fs;
    if (stat(path, &fs) == 0 && S_ISDIR(fs.st_mode)) {
        error_setc(errp, ERR_SNAPSHOT, "'%s' is a directory, not a snapshot store", path);
        goto fail;
    }
    if (!lock_file_back(path, true, errp)) {
        goto fail;
    }
    rc = mdb_env_open(s->env, path, flags, 0644);
    if (rc) {
        if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH) {
            error_setc(errp, ERR_SNAPSHOT, "'%s' is not a snapshot store: %s", path,
                       mdb_strerror(rc));
        } else {
            error_setg_errno(errp, rc, "cannot open snapshot store '%s'", path);
        }
        goto fail;
    }
    /* LMDB may have made the lock file bigger than it was backed. */
    if (!lock_file_back(path, false, errp) || !check_file_size(s, path, errp)) {
        goto fail;
    }
    MDB_envinfo info;
    if (mdb_env_info(s->env, &info) == 0 && info.me_mapsize > s->map_size) {
        s->map_size = info.me_mapsize; /* an existing file may use a larger map */
    }

    OpenCtx c = { .machine = cfg->machine_hash };
    if (!with_write_txn(s, open_txn, &c, "opening", errp)) {
        error_prepend(errp, "%s: ", path);
        goto fail;
    }
    return s;

fail:
    snapstore_close(s);
    return NULL;
}

void snapstore_close(SnapStore *s)
{
    if (!s) {
        return;
    }
    if (s->env) {
        mdb_env_close(s->env);
    }
    ZSTD_freeCCtx(s->cctx);
    ZSTD_freeDCtx(s->dctx);
    free(s->zpage);
    for (size_t i = 0; i < s->nrc; i++) {
        snapobj_cache_free(&s->rc[i]);
    }
    free(s->rc);
    free(s);
}

void snapstore_forget_ram(SnapStore *s)
{
    for (size_t i = 0; i < s->nrc; i++) {
        snapobj_forget(&s->rc[i]);
    }
}

/* A cache for each of n regions; false on OOM or too many regions. */
static bool region_caches(SnapStore *s, const MemRegion *const *regions, size_t n, Error **errp)
{
    if (n == 0 || n > SNAP_MAX_REGIONS) {
        error_setc(errp, ERR_SNAPSHOT, "a snapshot holds 1 to %u regions, not %zu",
                   SNAP_MAX_REGIONS, n);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!snapobj_ram_check(regions[i], errp)) {
            return false;
        }
    }
    if (s->nrc < n) {
        RegionCache *rc = realloc(s->rc, n * sizeof(*rc));
        if (!rc) {
            error_setg(errp, "out of memory");
            return false;
        }
        memset(rc + s->nrc, 0, (n - s->nrc) * sizeof(*rc));
        s->rc = rc;
        s->nrc = n;
    }
    return true;
}

/* ---- saving ---- */

typedef struct SaveCtx {
    const SnapshotInfo *info;
    const MemRegion *const *regions;
    size_t n;
    const void *vm_z;
    size_t vm_zlen, vm_len;
    Hash128 table[SNAP_MAX_REGIONS];
} SaveCtx;

/*
 * Snapshot record (format 2):
 *   u32 magic "RSNP", u32 record format, u64 steps, i64 virtual_ns,
 *   i64 clock_bias_ns, u64 journal_pos, u32 name length + name,
 *   u32 pages per chunk, u32 region count, then per region (RAM first):
 *   u64 size, table hash (16);
 *   u64 device state length, u64 compressed length, zstd frame,
 *   16-byte hash of everything before it.
 * Format 1 (read only) had one region: u64 RAM size, u32 pages per chunk,
 * table hash, where format 2 has its chunk size and region list.
 */
typedef struct Record {
    SnapshotInfo info;
    uint32_t nregions;
    uint64_t size[SNAP_MAX_REGIONS];
    Hash128 table[SNAP_MAX_REGIONS];
    uint64_t vm_len, vm_zlen;
    const uint8_t *vm_z;
} Record;

static void record_build(const SaveCtx *c, VMBuf *b)
{
    const SnapshotInfo *info = c->info;
    uint8_t hb[16];
    put_le(b, REC_MAGIC, 4);
    put_le(b, REC_FORMAT, 4);
    put_le(b, info->steps, 8);
    put_le(b, (uint64_t)info->virtual_ns, 8);
    put_le(b, (uint64_t)info->clock_bias_ns, 8);
    put_le(b, info->journal_pos, 8);
    size_t nl = strlen(info->name);
    put_le(b, nl, 4);
    vmbuf_put(b, info->name, nl);
    put_le(b, SNAPSTORE_CHUNK_PAGES, 4);
    put_le(b, c->n, 4);
    for (size_t i = 0; i < c->n; i++) {
        put_le(b, c->regions[i]->size, 8);
        hash_bytes(hb, c->table[i]);
        vmbuf_put(b, hb, 16);
    }
    put_le(b, c->vm_len, 8);
    put_le(b, c->vm_zlen, 8);
    vmbuf_put(b, c->vm_z, c->vm_zlen);
    hash_bytes(hb, hash128(b->data, b->len));
    vmbuf_put(b, hb, 16);
}

static bool record_parse(const MDB_val *v, Record *r, Error **errp)
{
    const uint8_t *p = v->mv_data;
    size_t len = v->mv_size, pos = 0;
#define NEED(n) do { if (len - pos < (uint64_t)(n)) return snap_damaged(errp, "truncated snapshot record", NULL); } while (0)
    memset(r, 0, sizeof(*r));
    if (len < 16 || !hash_equal(hash128(p, len - 16), bytes_hash(p + len - 16))) {
        return snap_damaged(errp, "snapshot record fails its checksum", NULL);
    }
    len -= 16;
    NEED(44);
    uint32_t format = (uint32_t)rd_le(p + 4, 4);
    if (rd_le(p, 4) != REC_MAGIC || (format != REC_FORMAT && format != 1)) {
        return snap_damaged(errp, "unknown snapshot record format", NULL);
    }
    r->info.steps = rd_le(p + 8, 8);
    r->info.virtual_ns = (int64_t)rd_le(p + 16, 8);
    r->info.clock_bias_ns = (int64_t)rd_le(p + 24, 8);
    r->info.journal_pos = rd_le(p + 32, 8);
    uint64_t nl = rd_le(p + 40, 4);
    pos = 44;
    if (nl >= SNAP_NAME_MAX) {
        return snap_damaged(errp, "snapshot name too long", NULL);
    }
    NEED(nl);
    memcpy(r->info.name, p + pos, nl);
    r->info.name[nl] = 0;
    pos += nl;
    uint32_t cp;
    if (format == 1) {
        NEED(8 + 4 + 16);
        r->nregions = 1;
        r->size[0] = rd_le(p + pos, 8);
        cp = (uint32_t)rd_le(p + pos + 8, 4);
        r->table[0] = bytes_hash(p + pos + 12);
        pos += 28;
    } else {
        NEED(8);
        cp = (uint32_t)rd_le(p + pos, 4);
        r->nregions = (uint32_t)rd_le(p + pos + 4, 4);
        pos += 8;
        if (r->nregions == 0 || r->nregions > SNAP_MAX_REGIONS) {
            return snap_damaged(errp, "bad region count in snapshot record", NULL);
        }
        NEED(24 * (uint64_t)r->nregions);
        for (uint32_t i = 0; i < r->nregions; i++) {
            r->size[i] = rd_le(p + pos, 8);
            r->table[i] = bytes_hash(p + pos + 8);
            pos += 24;
        }
    }
    NEED(16);
    r->vm_len = rd_le(p + pos, 8);
    r->vm_zlen = rd_le(p + pos + 8, 8);
    pos += 16;
    r->info.ram_size = r->size[0];
    for (uint32_t i = 0; i < r->nregions; i++) {
        if (cp != SNAPSTORE_CHUNK_PAGES || r->size[i] == 0 || r->size[i] % MEM_PAGE_SIZE ||
            r->size[i] / MEM_PAGE_SIZE / SNAPSTORE_CHUNK_PAGES >= UINT32_MAX) {
            return snap_damaged(errp, "inconsistent RAM geometry in snapshot record", NULL);
        }
    }
    NEED(r->vm_zlen);
    r->vm_z = p + pos;
    pos += r->vm_zlen;
    if (pos != len || r->vm_len > VM_RAW_MAX) {
        return snap_damaged(errp, "malformed snapshot record", NULL);
    }
#undef NEED
    return true;
}

static int record_delete(SnapStore *s, MDB_txn *txn, MDB_val *key, bool names, Error **errp);

static int save_txn(SnapStore *s, MDB_txn *txn, void *arg, Error **errp)
{
    SaveCtx *c = arg;
    uint8_t kb[KEY_MAX];
    MDB_val key = { snap_key(s->recording, c->info->steps, kb), kb }, v;
    int rc;

    /* A retry after growing the map starts over. */
    s->last.last_pages_added = s->last.last_chunks_added = s->last.last_bytes_added = 0;

    if (c->info->name[0]) {
        MDB_val nk = { strlen(c->info->name), (void *)c->info->name };
        rc = mdb_get(txn, s->names, &nk, &v);
        if (rc == 0 && (v.mv_size != key.mv_size || memcmp(v.mv_data, kb, key.mv_size))) {
            char rec[SNAP_RECORDING_MAX];
            uint64_t steps = 0;
            if (!snap_key_parse(&v, rec, &steps)) {
                strcpy(rec, "?");
            }
            error_setc(errp, ERR_SNAPSHOT,
                       "snapshot name '%s' is already used (step %llu of recording '%s')",
                       c->info->name, (unsigned long long)steps, rec);
            return -1;
        }
        if (rc && rc != MDB_NOTFOUND) {
            return rc;
        }
    }

    /* The snapshot's reference on its tables, which reference their chunks,
     * which reference their pages: new objects only where memory changed. */
    for (size_t i = 0; i < c->n; i++) {
        if ((rc = snapobj_ref_table(s, &s->rc[i], txn, c->regions[i], c->table[i], errp)) != 0) {
            return rc;
        }
    }

    /* Replace a snapshot at the same key only now that the new one holds its
     * references, so shared objects are not reclaimed and stored again. Its
     * names point at the key and stay with it. */
    rc = mdb_get(txn, s->snaps, &key, &v);
    if (rc == 0) {
        if ((rc = record_delete(s, txn, &key, false, errp)) != 0) {
            return rc;
        }
    } else if (rc != MDB_NOTFOUND) {
        return rc;
    }

    VMBuf b;
    vmbuf_init(&b);
    record_build(c, &b);
    v = (MDB_val){ b.len, b.data };
    rc = mdb_put(txn, s->snaps, &key, &v, 0);
    s->last.last_bytes_added += b.len;
    vmbuf_free(&b);
    if (rc == 0 && c->info->name[0]) {
        MDB_val nk = { strlen(c->info->name), (void *)c->info->name };
        rc = mdb_put(txn, s->names, &nk, &key, 0);
    }
    return rc;
}

/* Give the snapshot at info's key the further name info->name. */
static int alias_txn(SnapStore *s, MDB_txn *txn, void *arg, Error **errp)
{
    const SnapshotInfo *info = arg;
    uint8_t kb[KEY_MAX];
    MDB_val key = { snap_key(s->recording, info->steps, kb), kb }, v;
    MDB_val nk = { strlen(info->name), (void *)info->name };
    int rc = mdb_get(txn, s->names, &nk, &v);
    if (rc == 0) {
        char rec[SNAP_RECORDING_MAX];
        uint64_t steps = 0;
        if (!snap_key_parse(&v, rec, &steps)) {
            strcpy(rec, "?");
        }
        error_setc(errp, ERR_SNAPSHOT,
                   "snapshot name '%s' is already used (step %llu of recording '%s')",
                   info->name, (unsigned long long)steps, rec);
        return -1;
    }
    if (rc != MDB_NOTFOUND) {
        return rc;
    }
    return mdb_put(txn, s->names, &nk, &key, 0);
}

/* Count the names other than `except` that point at key into *count, and
 * delete them when del is set. Returns 0 or an LMDB error. */
static int names_at_key(SnapStore *s, MDB_txn *txn, const MDB_val *key, const char *except,
                        bool del, size_t *count)
{
    MDB_cursor *cur;
    MDB_val k, v;
    *count = 0;
    int rc = mdb_cursor_open(txn, s->names, &cur);
    if (rc) {
        return rc;
    }
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (v.mv_size != key->mv_size || memcmp(v.mv_data, key->mv_data, key->mv_size))
            continue;
        if (except && k.mv_size == strlen(except) && !memcmp(k.mv_data, except, k.mv_size))
            continue;
        (*count)++;
        if (del && (rc = mdb_cursor_del(cur, 0)) != 0)
            break;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The name of the snapshot at info's key, if there is one ("" if unnamed);
 * 0 when there is none, 1 when there is, -1 with errp set. */
static int name_at_key(SnapStore *s, uint64_t steps, char name[SNAP_NAME_MAX], Error **errp)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc) {
        snap_mdb_fail(errp, rc, "reading the snapshot index");
        return -1;
    }
    uint8_t kb[KEY_MAX];
    MDB_val key = { snap_key(s->recording, steps, kb), kb }, v;
    Record r;
    int found = 0;
    rc = mdb_get(txn, s->snaps, &key, &v);
    if (rc == 0) {
        found = record_parse(&v, &r, errp) ? 1 : -1;
        if (found == 1) {
            memcpy(name, r.info.name, SNAP_NAME_MAX);
        }
    } else if (rc != MDB_NOTFOUND) {
        snap_mdb_fail(errp, rc, "reading the snapshot index");
        found = -1;
    }
    mdb_txn_abort(txn);
    return found;
}

bool snapstore_save(SnapStore *s, const SnapshotInfo *info, VMStateRegistry *reg,
                    const MemRegion *ram, Error **errp)
{
    return snapstore_save_regions(s, info, reg, &ram, 1, errp);
}

bool snapstore_save_regions(SnapStore *s, const SnapshotInfo *info, VMStateRegistry *reg,
                            const MemRegion *const *regions, size_t nregions, Error **errp)
{
    if (!region_caches(s, regions, nregions, errp)) {
        return false;
    }
    if (strnlen(info->name, SNAP_NAME_MAX) >= SNAP_NAME_MAX) {
        error_setc(errp, ERR_SNAPSHOT, "snapshot name is longer than %u bytes",
                   SNAP_NAME_MAX - 1);
        return false;
    }
    /* One snapshot per step of a recording: where a named one exists, it is
     * the state being saved (the same step of the same timeline), so it is
     * never replaced. An automatic save keeps it; a save under another name
     * adds that name to it. */
    char old[SNAP_NAME_MAX];
    int found = name_at_key(s, info->steps, old, errp);
    if (found < 0) {
        return false;
    }
    if (found && old[0] && strcmp(old, info->name) != 0) {
        if (!info->name[0]) {
            return true;
        }
        return with_write_txn(s, alias_txn, (void *)info, "naming a snapshot", errp);
    }
    s->last.last_pages_hashed = 0;

    VMBuf vm;
    vmbuf_init(&vm);
    vmstate_save_all(reg, &vm);
    size_t zcap = ZSTD_compressBound(vm.len);
    void *z = malloc(zcap ? zcap : 1);
    if (!z) {
        vmbuf_free(&vm);
        error_setg(errp, "out of memory");
        return false;
    }
    size_t zlen = ZSTD_compressCCtx(s->cctx, z, zcap, vm.data, vm.len, VM_ZSTD_LEVEL);
    bool ok = !ZSTD_isError(zlen);
    if (!ok) {
        error_setg(errp, "compressing device state: %s", ZSTD_getErrorName(zlen));
    }
    SaveCtx c = { .info = info, .regions = regions, .n = nregions, .vm_z = z, .vm_zlen = zlen,
                  .vm_len = vm.len };
    for (size_t i = 0; ok && i < nregions; i++) {
        ok = snapobj_ram_sync(s, &s->rc[i], regions[i], errp);
        c.table[i] = ok ? snapobj_ram_table(&s->rc[i]) : ZERO_HASH;
    }
    if (ok) {
        ok = with_write_txn(s, save_txn, &c, "saving a snapshot", errp);
        for (size_t i = 0; ok && i < nregions; i++) {
            s->rc[i].table = c.table[i]; /* the base of the next table */
        }
    }
    free(z);
    vmbuf_free(&vm);
    return ok;
}

/* ---- deleting ---- */

/* Delete the snapshot at key (which must exist), and all its names if
 * `names` is set. */
static int record_delete(SnapStore *s, MDB_txn *txn, MDB_val *key, bool names, Error **errp)
{
    MDB_val v;
    Record r;
    size_t n;
    int rc = mdb_get(txn, s->snaps, key, &v);
    if (rc) {
        return rc;
    }
    if (!record_parse(&v, &r, errp)) {
        return -1;
    }
    for (uint32_t i = 0; i < r.nregions; i++) {
        if ((rc = snapobj_unref_table(s, txn, r.table[i], errp)) != 0) {
            return rc;
        }
    }
    if (names && (rc = names_at_key(s, txn, key, NULL, true, &n)) != 0) {
        return rc;
    }
    return mdb_del(txn, s->snaps, key, NULL);
}

typedef struct DeleteCtx {
    const char *name;     /* NULL: by steps */
    uint64_t steps;
} DeleteCtx;

static int delete_txn(SnapStore *s, MDB_txn *txn, void *arg, Error **errp)
{
    DeleteCtx *c = arg;
    uint8_t kb[KEY_MAX];
    MDB_val key, v;
    if (c->name) {
        MDB_val nk = { strlen(c->name), (void *)c->name };
        int rc = mdb_get(txn, s->names, &nk, &v);
        if (rc == MDB_NOTFOUND) {
            error_setc(errp, ERR_SNAPSHOT, "no snapshot named '%s'", c->name);
            return -1;
        }
        if (rc) {
            return rc;
        }
        if (v.mv_size > KEY_MAX) {
            snap_damaged(errp, "bad name index entry for ", c->name);
            return -1;
        }
        memcpy(kb, v.mv_data, v.mv_size);
        key = (MDB_val){ v.mv_size, kb };
        /* A snapshot with other names too keeps them, and stays. */
        size_t others;
        if ((rc = names_at_key(s, txn, &key, c->name, false, &others)) != 0) {
            return rc;
        }
        if (others) {
            return mdb_del(txn, s->names, &nk, NULL);
        }
    } else {
        key = (MDB_val){ snap_key(s->recording, c->steps, kb), kb };
    }
    int rc = mdb_get(txn, s->snaps, &key, &v);
    if (rc == MDB_NOTFOUND) {
        if (c->name) {
            snap_damaged(errp, "the name index points to a missing snapshot: ", c->name);
        } else {
            error_setc(errp, ERR_SNAPSHOT, "no snapshot at step %llu of recording '%s'",
                       (unsigned long long)c->steps, s->recording);
        }
        return -1;
    }
    return rc ? rc : record_delete(s, txn, &key, true, errp);
}

bool snapstore_delete(SnapStore *s, uint64_t steps, Error **errp)
{
    DeleteCtx c = { .steps = steps };
    return with_write_txn(s, delete_txn, &c, "deleting a snapshot", errp);
}

bool snapstore_delete_named(SnapStore *s, const char *name, Error **errp)
{
    DeleteCtx c = { .name = name };
    return with_write_txn(s, delete_txn, &c, "deleting a snapshot", errp);
}

/* ---- loading ---- */

static bool load_at(SnapStore *s, MDB_txn *txn, const MDB_val *key, VMStateRegistry *reg,
                    const MemRegion *const *regions, size_t nregions, SnapshotInfo *out,
                    Error **errp)
{
    MDB_val k = *key, v;
    Record r;
    int rc = mdb_get(txn, s->snaps, &k, &v);
    if (rc) {
        char rec[SNAP_RECORDING_MAX];
        uint64_t steps = 0;
        if (rc == MDB_NOTFOUND && snap_key_parse(key, rec, &steps)) {
            error_setc(errp, ERR_SNAPSHOT, "no snapshot at step %llu of recording '%s'",
                       (unsigned long long)steps, rec);
            return false;
        }
        return snap_mdb_fail(errp, rc, "reading a snapshot");
    }
    if (!record_parse(&v, &r, errp)) {
        return false;
    }
    if (r.nregions != nregions) {
        error_setc(errp, ERR_SNAPSHOT, "snapshot holds %u memory region(s) (RAM and disk "
                   "overlays); this machine has %zu", r.nregions, nregions);
        return false;
    }
    for (size_t i = 0; i < nregions; i++) {
        if (r.size[i] != regions[i]->size) {
            error_setc(errp, ERR_SNAPSHOT, "snapshot has %llu bytes %s; region '%s' has %llu",
                       (unsigned long long)r.size[i], i ? "in a disk overlay" : "of RAM",
                       regions[i]->name, (unsigned long long)regions[i]->size);
            return false;
        }
    }
    uint8_t *vm = malloc(r.vm_len ? r.vm_len : 1);
    if (!vm) {
        error_setg(errp, "out of memory");
        return false;
    }
    SnapshotInfo info = r.info;
    if (!snap_key_parse(key, info.recording, &info.steps)) {
        info.recording[0] = 0;
    }
    size_t n = ZSTD_decompressDCtx(s->dctx, vm, r.vm_len, r.vm_z, r.vm_zlen);
    bool ok = true;
    if (ZSTD_isError(n) || n != r.vm_len) {
        ok = snap_damaged(errp, "undecodable device state", NULL);
    }
    /* All or nothing: everything is read and checked before the machine is
     * touched (the device state's framing, every RAM page that must change);
     * what can only be checked by loading (post_load hooks, the commit hook)
     * is undone from a copy of the present state if it fails. */
    ok = ok && vmstate_check_all(reg, vm, r.vm_len, errp);
    RamPlan plan[SNAP_MAX_REGIONS];
    memset(plan, 0, sizeof(plan));
    for (size_t i = 0; ok && i < nregions; i++) {
        ok = snapobj_ram_plan(s, &s->rc[i], txn, r.table[i], regions[i], &plan[i], errp);
    }
    if (!ok) {
        for (size_t i = 0; i < nregions; i++) {
            snapobj_ram_plan_free(&plan[i]);
        }
        free(vm);
        return false;
    }
    VMBuf present;
    vmbuf_init(&present);
    vmstate_save_all(reg, &present);
    /* Memory goes first so that post_load hooks see the restored content. */
    s->last.last_pages_restored = 0;
    for (size_t i = 0; i < nregions; i++) {
        snapobj_ram_apply(s, &s->rc[i], &plan[i], regions[i]);
    }
    ok = vmstate_load_all(reg, vm, r.vm_len, errp);
    ok = ok && (!s->load_commit || s->load_commit(s->load_commit_opaque, &info, errp));
    if (!ok) {
        for (size_t i = 0; i < nregions; i++) {
            snapobj_ram_undo(s, &s->rc[i], &plan[i], regions[i]);
        }
        Error *local = NULL;
        if (!vmstate_load_all(reg, present.data, present.len, &local)) {
            /* The state just saved must load: a broken invariant. */
            error_prepend(errp, "(and the machine could not be put back: %s) ",
                          error_get_message(local));
            error_free(local);
            assert(!"the present machine state does not load back");
        }
    }
    for (size_t i = 0; i < nregions; i++) {
        snapobj_ram_plan_free(&plan[i]);
    }
    vmbuf_free(&present);
    free(vm);
    if (ok && out) {
        *out = info;
    }
    return ok;
}

void snapstore_set_load_commit(SnapStore *s, SnapLoadCommit *fn, void *opaque)
{
    s->load_commit = fn;
    s->load_commit_opaque = opaque;
}

typedef struct LoadCtx {
    const char *name;
    uint64_t steps;
} LoadCtx;

static bool load_common(SnapStore *s, const LoadCtx *c, VMStateRegistry *reg,
                        const MemRegion *const *regions, size_t nregions, SnapshotInfo *out,
                        Error **errp)
{
    if (!region_caches(s, regions, nregions, errp)) {
        return false;
    }
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc) {
        return snap_mdb_fail(errp, rc, "loading a snapshot");
    }
    uint8_t kb[KEY_MAX];
    MDB_val key;
    bool ok = true;
    if (c->name) {
        MDB_val nk = { strlen(c->name), (void *)c->name }, v;
        rc = mdb_get(txn, s->names, &nk, &v);
        if (rc == MDB_NOTFOUND) {
            error_setc(errp, ERR_SNAPSHOT, "no snapshot named '%s'", c->name);
            ok = false;
        } else if (rc) {
            ok = snap_mdb_fail(errp, rc, "reading the name index");
        } else if (v.mv_size > KEY_MAX) {
            ok = snap_damaged(errp, "bad name index entry for ", c->name);
        } else {
            memcpy(kb, v.mv_data, v.mv_size);
            key = (MDB_val){ v.mv_size, kb };
            char rec[SNAP_RECORDING_MAX];
            uint64_t steps;
            if (!snap_key_parse(&key, rec, &steps)) {
                ok = snap_damaged(errp, "bad name index entry for ", c->name);
            } else if (s->own_recording_only && strcmp(rec, s->recording) != 0) {
                error_setc(errp, ERR_SNAPSHOT,
                           "snapshot '%s' belongs to recording %s, not to %s", c->name,
                           rec[0] ? rec : "(none: saved outside record/replay)", s->recording);
                ok = false;
            }
        }
    } else {
        key = (MDB_val){ snap_key(s->recording, c->steps, kb), kb };
    }
    ok = ok && load_at(s, txn, &key, reg, regions, nregions, out, errp);
    mdb_txn_abort(txn);
    if (ok && out && c->name) {
        snprintf(out->name, sizeof(out->name), "%s", c->name);   /* one of its names */
    }
    return ok;
}

bool snapstore_load(SnapStore *s, uint64_t steps, VMStateRegistry *reg,
                    const MemRegion *ram, SnapshotInfo *out, Error **errp)
{
    LoadCtx c = { .steps = steps };
    return load_common(s, &c, reg, &ram, 1, out, errp);
}

bool snapstore_load_named(SnapStore *s, const char *name, VMStateRegistry *reg,
                          const MemRegion *ram, SnapshotInfo *out, Error **errp)
{
    LoadCtx c = { .name = name };
    return load_common(s, &c, reg, &ram, 1, out, errp);
}

bool snapstore_load_regions(SnapStore *s, uint64_t steps, VMStateRegistry *reg,
                            const MemRegion *const *regions, size_t nregions, SnapshotInfo *out,
                            Error **errp)
{
    LoadCtx c = { .steps = steps };
    return load_common(s, &c, reg, regions, nregions, out, errp);
}

bool snapstore_load_named_regions(SnapStore *s, const char *name, VMStateRegistry *reg,
                                  const MemRegion *const *regions, size_t nregions,
                                  SnapshotInfo *out, Error **errp)
{
    LoadCtx c = { .name = name };
    return load_common(s, &c, reg, regions, nregions, out, errp);
}

/* ---- queries ---- */

static bool info_from(const MDB_val *k, const MDB_val *v, SnapshotInfo *out, Error **errp)
{
    Record r;
    if (!record_parse(v, &r, errp)) {
        return false;
    }
    *out = r.info;
    if (!snap_key_parse(k, out->recording, &out->steps)) {
        return snap_damaged(errp, "malformed snapshot key", NULL);
    }
    return true;
}

int snapstore_find_before(SnapStore *s, uint64_t steps, SnapshotInfo *out, Error **errp)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc) {
        snap_mdb_fail(errp, rc, "finding a snapshot");
        return -1;
    }
    if ((rc = mdb_cursor_open(txn, s->snaps, &cur)) != 0) {
        mdb_txn_abort(txn);
        snap_mdb_fail(errp, rc, "finding a snapshot");
        return -1;
    }
    uint8_t kb[KEY_MAX];
    size_t klen = snap_key(s->recording, steps, kb);
    MDB_val k = { klen, kb }, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0 && !(k.mv_size == klen && memcmp(k.mv_data, kb, klen) == 0)) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_PREV); /* first key above: step back */
    } else if (rc == MDB_NOTFOUND) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    }
    int result = 0;
    size_t plen = klen - 8; /* recording + NUL */
    if (rc == 0 && k.mv_size == klen && memcmp(k.mv_data, kb, plen) == 0) {
        result = info_from(&k, &v, out, errp) ? 1 : -1;
    } else if (rc && rc != MDB_NOTFOUND) {
        snap_mdb_fail(errp, rc, "finding a snapshot");
        result = -1;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return result;
}

/* Append to list[*i] the snapshot at (k, v) once per name pointing at it
 * (names: every (name, key) of the name index), or once unnamed. */
static bool list_add(const MDB_val *k, const MDB_val *v, const MDB_val *names, size_t nnames,
                     SnapshotInfo *list, size_t *i, Error **errp)
{
    SnapshotInfo info;
    bool named = false;
    if (!info_from(k, v, &info, errp)) {
        return false;
    }
    for (size_t j = 0; j < nnames; j++) {
        const MDB_val *nk = &names[2 * j], *nv = &names[2 * j + 1];
        if (nv->mv_size != k->mv_size || memcmp(nv->mv_data, k->mv_data, k->mv_size) ||
            nk->mv_size >= SNAP_NAME_MAX) {
            continue;
        }
        list[*i] = info;
        memcpy(list[*i].name, nk->mv_data, nk->mv_size);
        list[*i].name[nk->mv_size] = 0;
        (*i)++;
        named = true;
    }
    if (!named) {
        info.name[0] = 0;
        list[(*i)++] = info;
    }
    return true;
}

bool snapstore_list(SnapStore *s, SnapshotInfo **out, size_t *n, Error **errp)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    MDB_stat st, nst;
    *out = NULL;
    *n = 0;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc) {
        return snap_mdb_fail(errp, rc, "listing snapshots");
    }
    if ((rc = mdb_stat(txn, s->snaps, &st)) != 0 || (rc = mdb_stat(txn, s->names, &nst)) != 0) {
        mdb_txn_abort(txn);
        return snap_mdb_fail(errp, rc, "listing snapshots");
    }
    /* The name index first: a snapshot is listed once per name. */
    MDB_val *names = calloc(2 * nst.ms_entries + 2, sizeof(*names));
    SnapshotInfo *list = calloc(st.ms_entries + nst.ms_entries + 1, sizeof(*list));
    size_t nnames = 0, i = 0;
    MDB_val k, v;
    bool ok = names && list;
    if (!ok) {
        error_setg(errp, "out of memory");
    }
    if (ok && (rc = mdb_cursor_open(txn, s->names, &cur)) == 0) {
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && nnames < nst.ms_entries;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
            names[2 * nnames] = k;
            names[2 * nnames + 1] = v;
            nnames++;
        }
        mdb_cursor_close(cur);
    }
    if (ok && rc && rc != MDB_NOTFOUND) {
        ok = snap_mdb_fail(errp, rc, "listing snapshots");
    }
    if (ok && (rc = mdb_cursor_open(txn, s->snaps, &cur)) != 0) {
        ok = snap_mdb_fail(errp, rc, "listing snapshots");
    } else if (ok) {
        size_t records = 0;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); ok && rc == 0 && records < st.ms_entries;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT), records++) {
            ok = list_add(&k, &v, names, nnames, list, &i, errp);
        }
        if (ok && rc && rc != MDB_NOTFOUND) {
            ok = snap_mdb_fail(errp, rc, "listing snapshots");
        }
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    free(names);
    if (!ok) {
        free(list);
        return false;
    }
    *out = list;
    *n = i;
    return true;
}

bool snapstore_stats(SnapStore *s, SnapStoreStats *out, Error **errp)
{
    MDB_txn *txn;
    MDB_stat st;
    MDB_envinfo ei;
    *out = s->last;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc) {
        return snap_mdb_fail(errp, rc, "reading statistics");
    }
    if ((rc = mdb_stat(txn, s->snaps, &st)) == 0) {
        out->snapshots = st.ms_entries;
        if ((rc = mdb_stat(txn, s->chunks, &st)) == 0) {
            out->chunks = st.ms_entries;
            if ((rc = mdb_stat(txn, s->tables, &st)) == 0) {
                out->tables = st.ms_entries;
                rc = mdb_stat(txn, s->pages, &st);
            }
            if (rc == 0) {
                out->pages = st.ms_entries;
                out->page_db_bytes = (uint64_t)(st.ms_branch_pages + st.ms_leaf_pages +
                                                 st.ms_overflow_pages) * st.ms_psize;
            }
        }
    }
    if (rc == 0 && (rc = mdb_env_info(s->env, &ei)) == 0 &&
        (rc = mdb_env_stat(s->env, &st)) == 0) {
        out->file_bytes = (uint64_t)(ei.me_last_pgno + 1) * st.ms_psize;
    }
    mdb_txn_abort(txn);
    return rc == 0 || snap_mdb_fail(errp, rc, "reading statistics");
}
