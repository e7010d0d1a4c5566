/*
 * snapobj: RAM stored by content in the snapshot store.
 *
 * The store keeps the hashes of the RAM content it last saved or loaded
 * (valid for pages whose dirty bit is clear), so a save re-hashes only dirty
 * pages and a load rewrites only pages that differ. RAM is stored as pages
 * (by content hash), chunks (lists of 64 page hashes) and a table (the list
 * of chunk hashes); lists are stored in full or as deltas on their previous
 * version (see snapstore.c for the layout and why).
 */
#include "snapshots/snapstore_int.h"

#include <stdlib.h>
#include <string.h>

static bool page_is_zero(const uint8_t *p)
{
    const uint64_t *w = (const uint64_t *)p;
    for (size_t i = 0; i < MEM_PAGE_SIZE / 8; i++) {
        if (w[i]) {
            return false;
        }
    }
    return true;
}

static Hash128 page_hash_of(const uint8_t *p)
{
    return page_is_zero(p) ? ZERO_HASH : hash128(p, MEM_PAGE_SIZE);
}

/* The name of a list of hashes: the hash of u32 n + the n hashes; zero for a
 * list of zero hashes (all-zero RAM), which is never stored. */
static Hash128 list_hash(const Hash128 *h, uint64_t n)
{
    uint64_t i = 0;
    while (i < n && is_zero_hash(h[i])) {
        i++;
    }
    if (i == n) {
        return ZERO_HASH;
    }
    uint8_t buf[16 * 64];
    HashState st;
    hash_init(&st);
    wr_le(buf, n, 4);
    hash_update(&st, buf, 4);
    for (i = 0; i < n;) {
        size_t k = 0;
        for (; k < 64 && i < n; k++, i++) {
            hash_bytes(buf + 16 * k, h[i]);
        }
        hash_update(&st, buf, 16 * k);
    }
    Hash128 r = hash_final(&st);
    hash_free(&st);
    return r;
}

/* ---- reference counts ---- */

static int ref_get(SnapStore *s, MDB_txn *txn, char kind, Hash128 h, uint64_t *count)
{
    uint8_t kb[17];
    kb[0] = (uint8_t)kind;
    hash_bytes(kb + 1, h);
    MDB_val k = { sizeof(kb), kb }, v;
    int rc = mdb_get(txn, s->refs, &k, &v);
    if (rc == 0) {
        if (v.mv_size != 8) {
            return MDB_CORRUPTED;
        }
        *count = rd_le(v.mv_data, 8);
    }
    return rc;
}

/* count 0 deletes the entry. */
static int ref_set(SnapStore *s, MDB_txn *txn, char kind, Hash128 h, uint64_t count)
{
    uint8_t kb[17], vb[8];
    kb[0] = (uint8_t)kind;
    hash_bytes(kb + 1, h);
    MDB_val k = { sizeof(kb), kb };
    if (count == 0) {
        return mdb_del(txn, s->refs, &k, NULL);
    }
    wr_le(vb, count, 8);
    MDB_val v = { sizeof(vb), vb };
    return mdb_put(txn, s->refs, &k, &v, 0);
}

/* ---- RAM hashes ---- */

bool snapobj_ram_check(const MemRegion *ram, Error **errp)
{
    if (ram->kind != MEM_RAM || !ram->host || ram->size == 0 ||
        ram->size % MEM_PAGE_SIZE != 0) {
        error_setc(errp, ERR_SNAPSHOT, "region '%s' is not RAM of whole pages",
                   ram->name ? ram->name : "?");
        return false;
    }
    if (ram->size / MEM_PAGE_SIZE / SNAPSTORE_CHUNK_PAGES >= UINT32_MAX) {
        error_setc(errp, ERR_SNAPSHOT, "region '%s' is too large for a snapshot",
                   ram->name ? ram->name : "?");
        return false;
    }
    return true;
}

uint64_t snapobj_n_chunks(uint64_t pages)
{
    return (pages + SNAPSTORE_CHUNK_PAGES - 1) / SNAPSTORE_CHUNK_PAGES;
}

static uint32_t chunk_len(uint64_t pages, uint64_t c)
{
    uint64_t left = pages - c * SNAPSTORE_CHUNK_PAGES;
    return left < SNAPSTORE_CHUNK_PAGES ? (uint32_t)left : SNAPSTORE_CHUNK_PAGES;
}

/* Bits of the pages of chunk c that may differ from the cached hashes. */
static uint64_t chunk_unknown(const MemRegion *ram, bool known, uint64_t c)
{
    uint32_t n = chunk_len(ram->size / MEM_PAGE_SIZE, c);
    uint64_t all = n == 64 ? ~0ull : (1ull << n) - 1;
    if (!known || !ram->dirty) {
        return all;
    }
    return ram->dirty[c] & all;
}

static bool cache_knows(const RegionCache *c, const MemRegion *ram)
{
    return c->pages && c->host == ram->host && c->pages == ram->size / MEM_PAGE_SIZE;
}

void snapobj_forget(RegionCache *c)
{
    c->pages = 0;
    c->host = NULL;
    c->table = ZERO_HASH;
}

void snapobj_cache_free(RegionCache *c)
{
    free(c->page_hash);
    free(c->chunk_hash);
    free(c->base_hash);
    memset(c, 0, sizeof(*c));
}

/* Make room for the hashes of ram; false on OOM. Leaves the cache unknown. */
static bool cache_resize(RegionCache *c, const MemRegion *ram, Error **errp)
{
    uint64_t pages = ram->size / MEM_PAGE_SIZE;
    snapobj_forget(c);
    Hash128 *ph = realloc(c->page_hash, pages * sizeof(Hash128));
    if (ph) {
        c->page_hash = ph;
    }
    Hash128 *ch = realloc(c->chunk_hash, snapobj_n_chunks(pages) * sizeof(Hash128));
    if (ch) {
        c->chunk_hash = ch;
    }
    Hash128 *bh = realloc(c->base_hash, snapobj_n_chunks(pages) * sizeof(Hash128));
    if (bh) {
        c->base_hash = bh;
    }
    if (!ph || !ch || !bh) {
        error_setg(errp, "out of memory for the page hashes of '%s'", ram->name);
        return false;
    }
    return true;
}

/* Bring the cached hashes up to date with RAM, re-hashing only dirty pages,
 * and clear the dirty bits. */
bool snapobj_ram_sync(SnapStore *s, RegionCache *rc, const MemRegion *ram, Error **errp)
{
    bool known = cache_knows(rc, ram);
    if (!known && !cache_resize(rc, ram, errp)) {
        return false;
    }
    uint64_t pages = ram->size / MEM_PAGE_SIZE;
    for (uint64_t c = 0; c < snapobj_n_chunks(pages); c++) {
        uint64_t todo = chunk_unknown(ram, known, c);
        rc->base_hash[c] = ZERO_HASH;
        if (!known && ram->nonzero) {
            /* Pages never written are zero: no need to read them. */
            uint64_t zero = todo & ~ram->nonzero[c];
            for (uint64_t bits = zero; bits; bits &= bits - 1) {
                rc->page_hash[c * SNAPSTORE_CHUNK_PAGES + (uint64_t)__builtin_ctzll(bits)] =
                    ZERO_HASH;
            }
            todo &= ram->nonzero[c];
        }
        if (!todo && known) {
            continue;
        }
        bool changed = !known;
        for (uint64_t bits = todo; bits; bits &= bits - 1) {
            uint64_t pg = c * SNAPSTORE_CHUNK_PAGES + (uint64_t)__builtin_ctzll(bits);
            Hash128 h = page_hash_of(ram->host + pg * MEM_PAGE_SIZE);
            if (!known || !hash_equal(h, rc->page_hash[pg])) {
                rc->page_hash[pg] = h;
                changed = true;
            }
            s->last.last_pages_hashed++;
        }
        if (changed) {
            if (known) {
                rc->base_hash[c] = rc->chunk_hash[c];
            }
            rc->chunk_hash[c] = list_hash(rc->page_hash + c * SNAPSTORE_CHUNK_PAGES,
                                          chunk_len(pages, c));
        }
        if (ram->dirty) {
            ram->dirty[c] = 0;
        }
    }
    rc->host = ram->host;
    rc->pages = pages;
    return true;
}

/* ---- pages ---- */

static int page_store(SnapStore *s, MDB_txn *txn, const uint8_t *page, Hash128 h,
                      uint64_t pg, Error **errp)
{
    /* The hash came from the cache if the page was clean: check it, since a
     * write that skipped the dirty bitmap would otherwise poison the store. */
    if (!hash_equal(hash128(page, MEM_PAGE_SIZE), h)) {
        snapstore_forget_ram(s);
        error_setg(errp, "RAM page %llu changed without being marked dirty",
                   (unsigned long long)pg);
        return -1;
    }
    size_t z = ZSTD_compressCCtx(s->cctx, s->zpage + 1, s->zpage_cap - 1, page, MEM_PAGE_SIZE,
                                 PAGE_ZSTD_LEVEL);
    MDB_val v;
    if (!ZSTD_isError(z) && z < MEM_PAGE_SIZE) {
        s->zpage[0] = PAGE_ZSTD;
        v = (MDB_val){ z + 1, s->zpage };
    } else {
        s->zpage[0] = PAGE_RAW;
        memcpy(s->zpage + 1, page, MEM_PAGE_SIZE);
        v = (MDB_val){ MEM_PAGE_SIZE + 1, s->zpage };
    }
    uint8_t kb[16];
    hash_bytes(kb, h);
    MDB_val k = { 16, kb };
    int rc = mdb_put(txn, s->pages, &k, &v, 0);
    if (rc == 0) {
        rc = ref_set(s, txn, 'p', h, 1);
    }
    s->last.last_pages_added++;
    s->last.last_bytes_added += v.mv_size;
    return rc;
}

/* Take a reference on page h (RAM page pg), storing it from RAM if absent. */
static int page_ref(SnapStore *s, MDB_txn *txn, const MemRegion *ram, Hash128 h, uint64_t pg,
                    Error **errp)
{
    uint64_t count;
    int rc = ref_get(s, txn, 'p', h, &count);
    if (rc == 0) {
        return ref_set(s, txn, 'p', h, count + 1);
    }
    if (rc == MDB_NOTFOUND) {
        return page_store(s, txn, ram->host + pg * MEM_PAGE_SIZE, h, pg, errp);
    }
    return rc;
}

static int page_unref(SnapStore *s, MDB_txn *txn, Hash128 h)
{
    uint64_t count;
    int rc = ref_get(s, txn, 'p', h, &count);
    if (rc == MDB_NOTFOUND) {
        return 0; /* already gone in a damaged store: nothing to reclaim */
    }
    if (rc) {
        return rc;
    }
    if ((rc = ref_set(s, txn, 'p', h, count - 1)) != 0 || count > 1) {
        return rc;
    }
    uint8_t kb[16];
    hash_bytes(kb, h);
    MDB_val k = { 16, kb };
    rc = mdb_del(txn, s->pages, &k, NULL);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static bool page_load(SnapStore *s, MDB_txn *txn, Hash128 h, uint8_t *dst, Error **errp)
{
    uint8_t kb[16];
    char hex[33];
    hash_bytes(kb, h);
    hash_to_hex(h, hex);
    MDB_val k = { 16, kb }, v;
    int rc = mdb_get(txn, s->pages, &k, &v);
    if (rc == MDB_NOTFOUND) {
        return snap_damaged(errp, "missing page ", hex);
    }
    if (rc) {
        return snap_mdb_fail(errp, rc, "reading a page");
    }
    const uint8_t *p = v.mv_data;
    bool ok = false;
    if (v.mv_size == MEM_PAGE_SIZE + 1 && p[0] == PAGE_RAW) {
        memcpy(dst, p + 1, MEM_PAGE_SIZE);
        ok = true;
    } else if (v.mv_size > 1 && p[0] == PAGE_ZSTD) {
        size_t n = ZSTD_decompressDCtx(s->dctx, dst, MEM_PAGE_SIZE, p + 1, v.mv_size - 1);
        ok = !ZSTD_isError(n) && n == MEM_PAGE_SIZE;
    }
    if (!ok) {
        return snap_damaged(errp, "undecodable page ", hex);
    }
    if (!hash_equal(hash128(dst, MEM_PAGE_SIZE), h)) {
        return snap_damaged(errp, "content does not match the hash of page ", hex);
    }
    return true;
}

/* ---- hash lists: chunks (of page hashes) and tables (of chunk hashes) ---- */

static MDB_dbi list_dbi(const SnapStore *s, char kind)
{
    return kind == 't' ? s->tables : s->chunks;
}

static const char *list_noun(char kind)
{
    return kind == 't' ? "table " : "chunk ";
}

/*
 * Resolved entries of list h (n of them), following delta bases, each level
 * checked against its name; *depth receives the chain depth. A delta's value
 * stays valid while its base is resolved: nothing is written meanwhile.
 */
static bool list_resolve(SnapStore *s, MDB_txn *txn, char kind, Hash128 h, uint64_t n,
                         Hash128 *out, unsigned *depth, int level, Error **errp)
{
    char hex[33];
    hash_to_hex(h, hex);
    *depth = 0;
    if (is_zero_hash(h)) {
        memset(out, 0, n * sizeof(Hash128));
        return true;
    }
    if (level > LIST_MAX_DEPTH) {
        error_setc(errp, ERR_SNAPSHOT, "snapshot store is damaged: delta chain too long at %s%s",
                   list_noun(kind), hex);
        return false;
    }
    uint8_t kb[16];
    hash_bytes(kb, h);
    MDB_val k = { 16, kb }, v;
    int rc = mdb_get(txn, list_dbi(s, kind), &k, &v);
    if (rc == MDB_NOTFOUND) {
        error_setc(errp, ERR_SNAPSHOT, "snapshot store is damaged: missing %s%s",
                   list_noun(kind), hex);
        return false;
    }
    if (rc) {
        return snap_mdb_fail(errp, rc, "reading the page index");
    }
    const uint8_t *p = v.mv_data;
    bool ok = false;
    if (v.mv_size == 5 + 16 * n && p[0] == LIST_FULL && rd_le(p + 1, 4) == n) {
        for (uint64_t i = 0; i < n; i++) {
            out[i] = bytes_hash(p + 5 + 16 * i);
        }
        ok = true;
    } else if (v.mv_size >= DELTA_HDR && p[0] == LIST_DELTA && rd_le(p + 2, 4) == n) {
        uint64_t m = rd_le(p + 22, 4);
        unsigned want = p[1], got;
        if (v.mv_size == DELTA_HDR + DELTA_ENTRY * m) {
            if (!list_resolve(s, txn, kind, bytes_hash(p + 6), n, out, &got, level + 1, errp)) {
                return false;
            }
            ok = got + 1 == want;
            const uint8_t *e = p + DELTA_HDR;
            for (uint64_t i = 0, prev = 0; ok && i < m; i++, e += DELTA_ENTRY) {
                uint64_t slot = rd_le(e, 4);
                ok = slot < n && (i == 0 || slot > prev);
                prev = slot;
                if (ok) {
                    out[slot] = bytes_hash(e + 4);
                }
            }
            *depth = want;
        }
    }
    if (!ok) {
        error_setc(errp, ERR_SNAPSHOT, "snapshot store is damaged: malformed %s%s",
                   list_noun(kind), hex);
        return false;
    }
    if (!hash_equal(list_hash(out, n), h)) {
        error_setc(errp, ERR_SNAPSHOT,
                   "snapshot store is damaged: content does not match the hash of %s%s",
                   list_noun(kind), hex);
        return false;
    }
    return true;
}

/* Takes a reference on the entry of a list at slot i (creating what it names). */
typedef int ChildRefFn(SnapStore *s, MDB_txn *txn, void *ctx, uint64_t i, Hash128 h,
                       Error **errp);

/*
 * Take one reference on list h whose entries are cur[0..n), storing it if
 * absent: as a delta on base (the list's previous version) when base is in
 * the store, its chain is short and few entries changed; else in full.
 */
static int list_ref(SnapStore *s, MDB_txn *txn, char kind, Hash128 h, const Hash128 *cur,
                    uint64_t n, Hash128 base, ChildRefFn *child, void *ctx, Error **errp)
{
    uint64_t count, bcount = 0;
    int rc = ref_get(s, txn, kind, h, &count);
    if (rc == 0) {
        return ref_set(s, txn, kind, h, count + 1);
    }
    if (rc != MDB_NOTFOUND) {
        return rc;
    }
    rc = 0;
    Hash128 *old = malloc(n * sizeof(Hash128));
    uint8_t *buf = malloc(DELTA_HDR + DELTA_ENTRY * n + 5 + 16 * n);
    if (!old || !buf) {
        free(old);
        free(buf);
        error_setg(errp, "out of memory");
        return -1;
    }
    unsigned depth = 0;
    uint64_t m = 0;
    /* A base that is gone or damaged just means a full list. */
    bool delta = !is_zero_hash(base) && ref_get(s, txn, kind, base, &bcount) == 0 &&
                 list_resolve(s, txn, kind, base, n, old, &depth, 0, NULL) &&
                 depth < LIST_MAX_DEPTH;
    if (delta) {
        for (uint64_t i = 0; i < n; i++) {
            m += !hash_equal(old[i], cur[i]);
        }
        delta = m < n / 2;
    }
    size_t len;
    if (delta) {
        buf[0] = LIST_DELTA;
        buf[1] = (uint8_t)(depth + 1);
        wr_le(buf + 2, n, 4);
        hash_bytes(buf + 6, base);
        wr_le(buf + 22, m, 4);
        len = DELTA_HDR;
        rc = ref_set(s, txn, kind, base, bcount + 1);
        for (uint64_t i = 0; i < n && rc == 0; i++) {
            if (!hash_equal(old[i], cur[i])) {
                wr_le(buf + len, i, 4);
                hash_bytes(buf + len + 4, cur[i]);
                len += DELTA_ENTRY;
                rc = is_zero_hash(cur[i]) ? 0 : child(s, txn, ctx, i, cur[i], errp);
            }
        }
    } else {
        buf[0] = LIST_FULL;
        wr_le(buf + 1, n, 4);
        len = 5;
        for (uint64_t i = 0; i < n && rc == 0; i++) {
            hash_bytes(buf + len, cur[i]);
            len += 16;
            rc = is_zero_hash(cur[i]) ? 0 : child(s, txn, ctx, i, cur[i], errp);
        }
    }
    if (rc == 0) {
        uint8_t kb[16];
        hash_bytes(kb, h);
        MDB_val k = { 16, kb }, v = { len, buf };
        if ((rc = mdb_put(txn, list_dbi(s, kind), &k, &v, 0)) == 0) {
            rc = ref_set(s, txn, kind, h, 1);
        }
        s->last.last_chunks_added += kind == 'c';
        s->last.last_bytes_added += len;
    }
    free(old);
    free(buf);
    return rc;
}

/* Drop one reference on list h; a list nothing refers to any more is deleted
 * with its entries' references and, for a delta, its base reference. */
static int list_unref(SnapStore *s, MDB_txn *txn, char kind, Hash128 h, Error **errp)
{
    for (int level = 0; level <= LIST_MAX_DEPTH + 1; level++) {
        uint64_t count;
        int rc = ref_get(s, txn, kind, h, &count);
        if (rc == MDB_NOTFOUND) {
            return 0; /* already gone in a damaged store: nothing to reclaim */
        }
        if (rc) {
            return rc;
        }
        if ((rc = ref_set(s, txn, kind, h, count - 1)) != 0 || count > 1) {
            return rc;
        }
        uint8_t kb[16];
        hash_bytes(kb, h);
        MDB_val k = { 16, kb }, v;
        rc = mdb_get(txn, list_dbi(s, kind), &k, &v);
        if (rc) {
            return rc == MDB_NOTFOUND ? 0 : rc;
        }
        /* Copy the entries out: the value is invalid after the next write. */
        const uint8_t *p = v.mv_data;
        const uint8_t *e = NULL;
        uint64_t m = 0;
        size_t stride = 16, skip = 0;
        Hash128 base = ZERO_HASH;
        if (v.mv_size >= 5 && p[0] == LIST_FULL) {
            m = rd_le(p + 1, 4);
            e = p + 5;
            if (v.mv_size != 5 + 16 * m) {
                e = NULL;
            }
        } else if (v.mv_size >= DELTA_HDR && p[0] == LIST_DELTA) {
            m = rd_le(p + 22, 4);
            base = bytes_hash(p + 6);
            e = p + DELTA_HDR;
            stride = DELTA_ENTRY;
            skip = 4;
            if (v.mv_size != DELTA_HDR + DELTA_ENTRY * m) {
                e = NULL;
            }
        }
        if (!e) {
            snap_damaged(errp, "malformed ", list_noun(kind));
            return -1;
        }
        Hash128 *ents = malloc((m ? m : 1) * sizeof(Hash128));
        if (!ents) {
            error_setg(errp, "out of memory");
            return -1;
        }
        for (uint64_t i = 0; i < m; i++) {
            ents[i] = bytes_hash(e + stride * i + skip);
        }
        rc = mdb_del(txn, list_dbi(s, kind), &k, NULL);
        for (uint64_t i = 0; i < m && rc == 0; i++) {
            if (!is_zero_hash(ents[i])) {
                rc = kind == 't' ? list_unref(s, txn, 'c', ents[i], errp)
                                 : page_unref(s, txn, ents[i]);
            }
        }
        free(ents);
        if (rc || is_zero_hash(base)) {
            return rc;
        }
        h = base; /* the delta's reference on its base goes too */
    }
    snap_damaged(errp, "delta chain too long", NULL);
    return -1;
}

/* ---- the RAM's table ---- */

typedef struct RefCtx {
    RegionCache *rc;
    const MemRegion *ram;
    uint64_t chunk;           /* chunk whose pages page_child is referencing */
} RefCtx;

static int page_child(SnapStore *s, MDB_txn *txn, void *ctx, uint64_t i, Hash128 h,
                      Error **errp)
{
    RefCtx *c = ctx;
    return page_ref(s, txn, c->ram, h, c->chunk * SNAPSTORE_CHUNK_PAGES + i, errp);
}

static int chunk_child(SnapStore *s, MDB_txn *txn, void *ctx, uint64_t i, Hash128 h,
                       Error **errp)
{
    RefCtx *c = ctx;
    c->chunk = i;
    return list_ref(s, txn, 'c', h, c->rc->page_hash + i * SNAPSTORE_CHUNK_PAGES,
                    chunk_len(c->rc->pages, i), c->rc->base_hash[i], page_child, c, errp);
}

Hash128 snapobj_ram_table(const RegionCache *c)
{
    return list_hash(c->chunk_hash, snapobj_n_chunks(c->pages));
}

int snapobj_ref_table(SnapStore *s, RegionCache *rc, MDB_txn *txn, const MemRegion *ram,
                      Hash128 table, Error **errp)
{
    RefCtx c = { .rc = rc, .ram = ram };
    if (is_zero_hash(table)) {
        return 0;
    }
    return list_ref(s, txn, 't', table, rc->chunk_hash, snapobj_n_chunks(rc->pages),
                    rc->table, chunk_child, &c, errp);
}

int snapobj_unref_table(SnapStore *s, MDB_txn *txn, Hash128 table, Error **errp)
{
    return is_zero_hash(table) ? 0 : list_unref(s, txn, 't', table, errp);
}

/* ---- restoring ---- */

void snapobj_ram_plan_free(RamPlan *p)
{
    free(p->pg);
    free(p->hash);
    free(p->buf);
    free(p->chunk);
    free(p->chunk_hash);
    memset(p, 0, sizeof(*p));
}

static bool plan_add_page(RamPlan *p, uint64_t pg, Hash128 h, Error **errp)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 64;
        uint64_t *npg = realloc(p->pg, cap * sizeof(*npg));
        if (npg) {
            p->pg = npg;
        }
        Hash128 *nh = realloc(p->hash, cap * sizeof(*nh));
        if (nh) {
            p->hash = nh;
        }
        uint8_t *nb = realloc(p->buf, cap * MEM_PAGE_SIZE);
        if (nb) {
            p->buf = nb;
        }
        if (!npg || !nh || !nb) {
            error_setg(errp, "out of memory for the pages of a snapshot");
            return false;
        }
        p->cap = cap;
    }
    p->pg[p->n] = pg;
    p->hash[p->n] = h;
    p->n++;
    return true;
}

static bool plan_add_chunk(RamPlan *p, uint64_t c, Hash128 h, Error **errp)
{
    if (p->nchunks == p->capchunks) {
        size_t cap = p->capchunks ? p->capchunks * 2 : 16;
        uint64_t *nc = realloc(p->chunk, cap * sizeof(*nc));
        if (nc) {
            p->chunk = nc;
        }
        Hash128 *nh = realloc(p->chunk_hash, cap * sizeof(*nh));
        if (nh) {
            p->chunk_hash = nh;
        }
        if (!nc || !nh) {
            error_setg(errp, "out of memory for the chunks of a snapshot");
            return false;
        }
        p->capchunks = cap;
    }
    p->chunk[p->nchunks] = c;
    p->chunk_hash[p->nchunks] = h;
    p->nchunks++;
    return true;
}

bool snapobj_ram_plan(SnapStore *s, RegionCache *rc, MDB_txn *txn, Hash128 table,
                      const MemRegion *ram, RamPlan *p, Error **errp)
{
    memset(p, 0, sizeof(*p));
    p->table = table;
    /* Know the present first: only pages that differ are then rewritten
     * (a sparse region is not filled with zeros it already holds). */
    if (!cache_knows(rc, ram) && !snapobj_ram_sync(s, rc, ram, errp)) {
        return false;
    }
    bool known = true;
    uint64_t pages = ram->size / MEM_PAGE_SIZE, nc = snapobj_n_chunks(pages);
    Hash128 target[SNAPSTORE_CHUNK_PAGES];
    Hash128 *chunks = malloc(nc * sizeof(Hash128));
    unsigned depth;
    if (!chunks) {
        error_setg(errp, "out of memory");
        goto fail;
    }
    if (!list_resolve(s, txn, 't', table, nc, chunks, &depth, 0, errp)) {
        goto fail;
    }
    for (uint64_t c = 0; c < nc; c++) {
        uint64_t unknown = chunk_unknown(ram, known, c);
        if (!unknown && hash_equal(rc->chunk_hash[c], chunks[c])) {
            continue; /* already holds this content */
        }
        uint32_t n = chunk_len(pages, c);
        if (!list_resolve(s, txn, 'c', chunks[c], n, target, &depth, 0, errp) ||
            !plan_add_chunk(p, c, chunks[c], errp)) {
            goto fail;
        }
        for (uint32_t i = 0; i < n; i++) {
            uint64_t pg = c * SNAPSTORE_CHUNK_PAGES + i;
            if (!(unknown >> i & 1) && hash_equal(rc->page_hash[pg], target[i])) {
                continue;
            }
            if (!plan_add_page(p, pg, target[i], errp)) {
                goto fail;
            }
            /* Decoded and checked now, into the plan: nothing in RAM changes
             * until every page is known to be good. */
            uint8_t *dst = p->buf + (p->n - 1) * MEM_PAGE_SIZE;
            if (is_zero_hash(target[i])) {
                memset(dst, 0, MEM_PAGE_SIZE);
            } else if (!page_load(s, txn, target[i], dst, errp)) {
                goto fail;
            }
        }
    }
    free(chunks);
    return true;

fail:
    free(chunks);
    snapobj_ram_plan_free(p);
    return false;
}

/* Exchange the planned pages with RAM's: afterwards the plan holds the old
 * content, so applying twice undoes. */
static void plan_swap(RamPlan *p, const MemRegion *ram)
{
    uint64_t tmp[MEM_PAGE_SIZE / 8];
    for (size_t k = 0; k < p->n; k++) {
        if (ram->nonzero) {
            ram->nonzero[p->pg[k] / 64] |= 1ull << (p->pg[k] % 64);
        }
        uint8_t *dst = ram->host + p->pg[k] * MEM_PAGE_SIZE;
        uint8_t *src = p->buf + k * MEM_PAGE_SIZE;
        memcpy(tmp, dst, MEM_PAGE_SIZE);
        memcpy(dst, src, MEM_PAGE_SIZE);
        memcpy(src, tmp, MEM_PAGE_SIZE);
    }
}

void snapobj_ram_apply(SnapStore *s, RegionCache *rc, RamPlan *p, const MemRegion *ram)
{
    plan_swap(p, ram);
    for (size_t k = 0; k < p->n; k++) {
        rc->page_hash[p->pg[k]] = p->hash[k];
    }
    for (size_t k = 0; k < p->nchunks; k++) {
        uint64_t c = p->chunk[k];
        rc->chunk_hash[c] = p->chunk_hash[k];
        rc->base_hash[c] = ZERO_HASH;
        if (ram->dirty) {
            ram->dirty[c] = 0;
        }
    }
    s->last.last_pages_restored += p->n;
    rc->host = ram->host;
    rc->pages = ram->size / MEM_PAGE_SIZE;
    rc->table = p->table;
}

void snapobj_ram_undo(SnapStore *s, RegionCache *rc, RamPlan *p, const MemRegion *ram)
{
    plan_swap(p, ram);
    /* The dirty bits of the chunks the restore touched were cleared. */
    snapobj_forget(rc);
    s->last.last_pages_restored = 0;
}
