/*
 * snapstore internals, shared by snapstore.c (the store, its records and the
 * public API) and snapobj.c (RAM by content: pages, chunks, tables). Not for
 * use outside snapshots/.
 */
#ifndef RRSIM_SNAPSHOTS_SNAPSTORE_INT_H
#define RRSIM_SNAPSHOTS_SNAPSTORE_INT_H

#include <lmdb.h>
#include <zstd.h>

#include "snapshots/snapstore.h"

/* One dirty-bitmap word covers exactly one chunk. */
_Static_assert(SNAPSTORE_CHUNK_PAGES == 64, "chunk = one dirty bitmap word");

#define META_MAGIC        "RRSIMSNP"
#define REC_MAGIC         0x504e5352u     /* "RSNP" */
#define REC_FORMAT        2u      /* 1 is still read */
#define DEFAULT_MAP_SIZE  (4ull << 30)
#define MAP_GROW_TRIES    16
#define VM_RAW_MAX        (1ull << 30)    /* bigger device state is a damaged record */
#define PAGE_ZSTD_LEVEL   1
#define VM_ZSTD_LEVEL     3
#define KEY_MAX           (SNAP_RECORDING_MAX + 8)
#define LIST_MAX_DEPTH    8

enum { PAGE_RAW = 0, PAGE_ZSTD = 1 };
enum { LIST_FULL = 0, LIST_DELTA = 1 };
#define DELTA_HDR   (1 + 1 + 4 + 16 + 4)
#define DELTA_ENTRY (4 + 16)

#define ZERO_HASH ((Hash128){ 0, 0 })

/* Hashes of a region's content as of the last save/load, valid for pages
 * whose dirty bit is clear. pages == 0: nothing known. */
typedef struct RegionCache {
    const uint8_t *host;
    uint64_t pages;
    Hash128 *page_hash;
    Hash128 *chunk_hash;
    /* Per chunk, its hash before the latest sync if that changed it (else
     * zero): the base a new chunk can be stored as a delta against. */
    Hash128 *base_hash;
    Hash128 table;              /* table of the last save/load: the next one's base */
} RegionCache;

/* Regions one snapshot may hold (RAM and the disk overlays). */
#define SNAP_MAX_REGIONS  16

struct SnapStore {
    MDB_env *env;
    MDB_dbi meta, pages, chunks, tables, refs, snaps, names;
    uint64_t map_size;
    char recording[SNAP_RECORDING_MAX];
    bool own_recording_only;
    ZSTD_CCtx *cctx;
    ZSTD_DCtx *dctx;
    uint8_t *zpage;             /* compression scratch for one page */
    size_t zpage_cap;

    /* What the store knows of each region (RAM, then any others such as
     * disk overlays, in the order the caller passes them). */
    RegionCache *rc;
    size_t nrc;

    SnapStoreStats last;        /* last_* fields of the latest save */

    SnapLoadCommit *load_commit; /* snapstore_set_load_commit() */
    void *load_commit_opaque;
};

static inline void wr_le(uint8_t *p, uint64_t v, unsigned w)
{
    for (unsigned i = 0; i < w; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static inline uint64_t rd_le(const uint8_t *p, unsigned w)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < w; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static inline void put_le(VMBuf *b, uint64_t v, unsigned w)
{
    uint8_t tmp[8];
    wr_le(tmp, v, w);
    vmbuf_put(b, tmp, w);
}

static inline void hash_bytes(uint8_t out[16], Hash128 h)
{
    wr_le(out, h.lo, 8);
    wr_le(out + 8, h.hi, 8);
}

static inline Hash128 bytes_hash(const uint8_t in[16])
{
    return (Hash128){ .lo = rd_le(in, 8), .hi = rd_le(in + 8, 8) };
}

static inline bool is_zero_hash(Hash128 h)
{
    return h.lo == 0 && h.hi == 0;
}

/* snapstore.c */
bool snap_mdb_fail(Error **errp, int rc, const char *what);
bool snap_damaged(Error **errp, const char *what, const char *detail);

/* snapobj.c: the region caches and the objects regions are stored as.
 * Functions that run in a transaction return 0, an LMDB error code, or -1
 * with errp set. A "RAM" below is any region stored by content. */
bool snapobj_ram_check(const MemRegion *ram, Error **errp);
uint64_t snapobj_n_chunks(uint64_t pages);
void snapobj_forget(RegionCache *c);
void snapobj_cache_free(RegionCache *c);
/* Bring the cache's page and chunk hashes up to date with the region,
 * re-hashing the dirty pages only, and clear the dirty bits. */
bool snapobj_ram_sync(SnapStore *s, RegionCache *c, const MemRegion *ram, Error **errp);
/* Name of the table of the synced region (zero if it is all zero). */
Hash128 snapobj_ram_table(const RegionCache *c);
/* Take a reference on the synced region's table, storing what is new. */
int snapobj_ref_table(SnapStore *s, RegionCache *c, MDB_txn *txn, const MemRegion *ram,
                      Hash128 table, Error **errp);
int snapobj_unref_table(SnapStore *s, MDB_txn *txn, Hash128 table, Error **errp);
/*
 * Restoring RAM is planned, then applied: the plan reads, decodes and checks
 * every page that must change (those not known to hold their content
 * already) without touching RAM, so a damaged store fails before anything
 * changes. Applying cannot fail, and keeps the old content so that it can be
 * undone (when the device state that follows turns out to be bad).
 */
typedef struct RamPlan {
    Hash128 table;
    size_t n, cap;              /* pages to rewrite */
    uint64_t *pg;
    Hash128 *hash;
    uint8_t *buf;               /* their new content; after apply, the old one */
    size_t nchunks, capchunks;  /* chunks whose hashes the restore updates */
    uint64_t *chunk;
    Hash128 *chunk_hash;
} RamPlan;
bool snapobj_ram_plan(SnapStore *s, RegionCache *c, MDB_txn *txn, Hash128 table,
                      const MemRegion *ram, RamPlan *p, Error **errp);
void snapobj_ram_apply(SnapStore *s, RegionCache *c, RamPlan *p, const MemRegion *ram);
void snapobj_ram_undo(SnapStore *s, RegionCache *c, RamPlan *p, const MemRegion *ram);
void snapobj_ram_plan_free(RamPlan *p);

#endif
