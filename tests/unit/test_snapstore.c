/* Tests for snapshots/snapstore: round trips of a 16 MiB RAM with device state,
 * incremental cost, deduplication, reclaiming, names, find_before, and refusal
 * of damaged or foreign stores (damage done with LMDB directly). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/memory/memory.h"
#include "snapshots/snapstore.h"

#define RAM_SIZE  (16u << 20)
#define RAM_BASE  0x80000000ull
#define NPAGES    (RAM_SIZE / MEM_PAGE_SIZE)

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

typedef struct DevState {
    uint64_t regs[4];
    uint32_t ctrl;
} DevState;

static const VMStateField dev_fields[] = {
    VMSTATE_UINT64_ARRAY(regs, DevState, 4),
    VMSTATE_UINT32(ctrl, DevState),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_devstate = {
    .name = "devstate", .version_id = 1, .minimum_version_id = 1, .fields = dev_fields,
};

typedef struct Fixture {
    char dir[64];
    char path[96];
    AddressSpace as;
    uint8_t *ram;
    const MemRegion *region;
    DevState dev;
    VMStateRegistry reg;
    SnapStoreConfig cfg;
} Fixture;

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof(*f));
    strcpy(f->dir, "/tmp/rrsim-snaptest-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/rec.rr.snap", f->dir);
    f->ram = calloc(1, RAM_SIZE);
    assert_non_null(f->ram);
    mem_init(&f->as);
    assert_true(mem_map_ram(&f->as, "ram", RAM_BASE, RAM_SIZE, f->ram, false, NULL));
    f->region = mem_find(&f->as, RAM_BASE, 1);
    assert_non_null(f->region);
    vmstate_registry_init(&f->reg);
    vmstate_register(&f->reg, "dev0", &vmstate_devstate, &f->dev);
    f->cfg = (SnapStoreConfig){ .recording = "rec-a", .machine_hash = { 0x1234, 0x5678 },
                                .map_size = 64u << 20, .no_sync = true };
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    char lock[128];
    snprintf(lock, sizeof(lock), "%s-lock", f->path);
    unlink(f->path);
    unlink(lock);
    assert_int_equal(rmdir(f->dir), 0);
    vmstate_registry_free(&f->reg);
    mem_destroy(&f->as);
    free(f->ram);
    free(f);
    return 0;
}

static SnapStore *open_store(Fixture *f)
{
    Error *err = NULL;
    SnapStore *s = snapstore_open(f->path, &f->cfg, &err);
    if (!s) {
        fprintf(stderr, "open: %s\n", error_get_message(err));
    }
    assert_non_null(s);
    return s;
}

/* Write through the bus so the dirty bitmap sees it, as the hart does. */
static void ram_write_page(Fixture *f, uint64_t page, uint64_t *seed)
{
    for (unsigned off = 0; off < MEM_PAGE_SIZE; off += 8) {
        assert_int_equal(mem_write(&f->as, RAM_BASE + page * MEM_PAGE_SIZE + off, 8,
                                   xorshift(seed)),
                         MEM_OK);
    }
}

static void ram_fill_pattern(Fixture *f, uint64_t page, uint8_t byte)
{
    memset(f->ram + page * MEM_PAGE_SIZE, byte, MEM_PAGE_SIZE);
    mem_ram_mark_dirty(f->region, page * MEM_PAGE_SIZE);
}

static SnapshotInfo info_at(uint64_t steps, const char *name)
{
    SnapshotInfo i;
    memset(&i, 0, sizeof(i));
    i.steps = steps;
    i.virtual_ns = (int64_t)steps * 4;
    i.clock_bias_ns = 17;
    i.journal_pos = steps * 3 + 1;
    if (name) {
        strcpy(i.name, name);
    }
    return i;
}

static void save_ok(SnapStore *s, Fixture *f, uint64_t steps, const char *name)
{
    SnapshotInfo i = info_at(steps, name);
    Error *err = NULL;
    bool ok = snapstore_save(s, &i, &f->reg, f->region, &err);
    if (!ok) {
        fprintf(stderr, "save: %s\n", error_get_message(err));
    }
    assert_true(ok);
}

static void load_ok(SnapStore *s, Fixture *f, uint64_t steps)
{
    SnapshotInfo out;
    Error *err = NULL;
    bool ok = snapstore_load(s, steps, &f->reg, f->region, &out, &err);
    if (!ok) {
        fprintf(stderr, "load: %s\n", error_get_message(err));
    }
    assert_true(ok);
    assert_int_equal(out.steps, steps);
    assert_int_equal(out.virtual_ns, (int64_t)steps * 4);
    assert_int_equal(out.clock_bias_ns, 17);
    assert_int_equal(out.journal_pos, steps * 3 + 1);
    assert_int_equal(out.ram_size, RAM_SIZE);
    assert_string_equal(out.recording, f->cfg.recording);
}

static SnapStoreStats stats(SnapStore *s)
{
    SnapStoreStats st;
    assert_true(snapstore_stats(s, &st, NULL));
    return st;
}

static bool dirty_is_clear(Fixture *f)
{
    for (size_t i = 0; i < NPAGES / 64; i++) {
        if (f->region->dirty[i]) {
            return false;
        }
    }
    return true;
}

/* 1024 distinct random pages, 512 copies of one page, the rest zero. */
static void initial_ram(Fixture *f, uint64_t *seed)
{
    for (uint64_t p = 0; p < 1024; p++) {
        ram_write_page(f, p, seed);
    }
    for (uint64_t p = 1024; p < 1536; p++) {
        ram_fill_pattern(f, p, 0xc3);
    }
}

static void test_roundtrip_incremental(void **state)
{
    Fixture *f = *state;
    uint64_t seed = 0x1234567;
    SnapStore *s = open_store(f);

    initial_ram(f, &seed);
    f->dev = (DevState){ { 1, 2, 3, 4 }, 5 };
    save_ok(s, f, 100, NULL);
    assert_true(dirty_is_clear(f));
    SnapStoreStats st = stats(s);
    assert_int_equal(st.snapshots, 1);
    assert_int_equal(st.pages, 1024 + 1);        /* the 512 copies are one page */
    assert_int_equal(st.chunks, 16 + 1);         /* chunks 16..23 are identical */
    assert_int_equal(st.last_pages_hashed, NPAGES);
    assert_int_equal(st.last_pages_added, 1025);
    uint8_t *copy1 = malloc(RAM_SIZE);
    memcpy(copy1, f->ram, RAM_SIZE);

    /* Dirty 5 pages in 5 chunks (one of them a zero page) and the device. */
    const uint64_t dirtied[5] = { 3, 200, 1030, 3000, 4095 };
    for (int i = 0; i < 5; i++) {
        ram_write_page(f, dirtied[i], &seed);
    }
    f->dev.ctrl = 99;
    save_ok(s, f, 200, NULL);
    st = stats(s);
    assert_int_equal(st.snapshots, 2);
    assert_int_equal(st.last_pages_hashed, 5);
    assert_int_equal(st.last_pages_added, 5);
    assert_int_equal(st.last_chunks_added, 5);
    assert_int_equal(st.pages, 1025 + 5);
    assert_int_equal(st.chunks, 17 + 5);
    uint8_t *copy2 = malloc(RAM_SIZE);
    memcpy(copy2, f->ram, RAM_SIZE);

    /* Nothing changed: a snapshot adds no pages or chunks, only its record. */
    save_ok(s, f, 250, NULL);
    st = stats(s);
    assert_int_equal(st.last_pages_hashed, 0);
    assert_int_equal(st.last_pages_added, 0);
    assert_int_equal(st.last_chunks_added, 0);
    assert_true(st.last_bytes_added < 16 * 1024);

    /* Scribble over RAM (marked dirty) and the device, then go back. */
    for (uint64_t p = 0; p < NPAGES; p += 7) {
        ram_write_page(f, p, &seed);
    }
    f->dev = (DevState){ 0 };
    load_ok(s, f, 100);
    assert_memory_equal(f->ram, copy1, RAM_SIZE);
    assert_int_equal(f->dev.regs[3], 4);
    assert_int_equal(f->dev.ctrl, 5);
    assert_true(dirty_is_clear(f));

    /* From 100 to 200 only the 5 dirtied pages differ, and only they are written. */
    load_ok(s, f, 200);
    assert_int_equal(stats(s).last_pages_restored, 5);
    assert_memory_equal(f->ram, copy2, RAM_SIZE);
    assert_int_equal(f->dev.ctrl, 99);

    /* A fresh store knows nothing of RAM and rewrites all of it. */
    snapstore_close(s);
    memset(f->ram, 0x5a, RAM_SIZE);
    s = open_store(f);
    load_ok(s, f, 100);
    assert_int_equal(stats(s).last_pages_restored, NPAGES);
    assert_memory_equal(f->ram, copy1, RAM_SIZE);

    /* Replacing the snapshot at a key keeps one record and shares pages. */
    ram_write_page(f, 10, &seed);
    save_ok(s, f, 100, NULL);
    st = stats(s);
    assert_int_equal(st.snapshots, 3);
    assert_int_equal(st.pages, 1025 + 5 + 1); /* old page 10 is still in 200 and 250 */
    assert_int_equal(st.chunks, 17 + 5 + 1);
    /* Again: the replaced version of chunk 0 stays, as the base of the new one. */
    ram_write_page(f, 10, &seed);
    save_ok(s, f, 100, NULL);
    st = stats(s);
    assert_int_equal(st.snapshots, 3);
    assert_int_equal(st.pages, 1025 + 5 + 2);
    assert_int_equal(st.chunks, 17 + 5 + 2);
    assert_int_equal(st.last_pages_added, 1);

    free(copy1);
    free(copy2);
    snapstore_close(s);
}

static void test_delete_reclaims(void **state)
{
    Fixture *f = *state;
    uint64_t seed = 99;
    SnapStore *s = open_store(f);
    initial_ram(f, &seed);
    save_ok(s, f, 100, NULL);
    ram_write_page(f, 5, &seed);
    ram_write_page(f, 6, &seed);
    save_ok(s, f, 200, NULL);
    uint8_t *copy2 = malloc(RAM_SIZE);
    memcpy(copy2, f->ram, RAM_SIZE);
    ram_write_page(f, 7, &seed);
    save_ok(s, f, 300, NULL);
    assert_int_equal(stats(s).pages, 1025 + 3);
    assert_int_equal(stats(s).chunks, 17 + 2);

    /* 300's chunk 0 is a delta on 200's, itself a delta on 100's. Deleting
     * 300 reclaims its chunk and the page only it had (7). */
    assert_true(snapstore_delete(s, 300, NULL));
    SnapStoreStats st = stats(s);
    assert_int_equal(st.snapshots, 2);
    assert_int_equal(st.pages, 1025 + 2);
    assert_int_equal(st.chunks, 17 + 1);

    /* Deleting 100 reclaims nothing: its chunk 0 is the base of 200's. */
    assert_true(snapstore_delete(s, 100, NULL));
    st = stats(s);
    assert_int_equal(st.snapshots, 1);
    assert_int_equal(st.pages, 1025 + 2);
    assert_int_equal(st.chunks, 17 + 1);

    /* 200 still loads (through the delta) into RAM the store knows nothing
     * about: it is hashed first, and only the pages that differ are written. */
    memset(f->ram, 0, RAM_SIZE);
    snapstore_forget_ram(s);
    load_ok(s, f, 200);
    static const uint8_t zero_page[4096];
    uint64_t nonzero = 0;
    for (uint64_t pg = 0; pg < NPAGES; pg++) {
        nonzero += memcmp(copy2 + pg * 4096, zero_page, 4096) != 0;
    }
    assert_int_equal(stats(s).last_pages_restored, nonzero);
    assert_memory_equal(f->ram, copy2, RAM_SIZE);
    Error *err = NULL;
    assert_false(snapstore_load(s, 300, &f->reg, f->region, NULL, &err));
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    error_free(err);
    err = NULL;
    assert_false(snapstore_delete(s, 300, &err));
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    error_free(err);

    /* The last one takes the whole chain with it. */
    assert_true(snapstore_delete(s, 200, NULL));
    st = stats(s);
    assert_int_equal(st.snapshots, 0);
    assert_int_equal(st.pages, 0);
    assert_int_equal(st.chunks, 0);
    assert_int_equal(st.tables, 0);

    /* The store still knows the RAM's hashes but holds none of its pages:
     * the next save stores them again, from RAM. */
    save_ok(s, f, 400, NULL);
    assert_int_equal(stats(s).last_pages_hashed, 0);
    assert_int_equal(stats(s).pages, 1025);
    memset(f->ram, 0, RAM_SIZE);
    snapstore_forget_ram(s);
    load_ok(s, f, 400);
    assert_memory_equal(f->ram, copy2, RAM_SIZE);
    free(copy2);
    snapstore_close(s);
}

/* Many versions of the same chunks: deltas chain (up to a bound) and every
 * version loads; deleting in any order leaves nothing behind. */
static void test_delta_chains(void **state)
{
    Fixture *f = *state;
    uint64_t seed = 1234;
    enum { N = 40 };
    Hash128 want[N];
    uint64_t overhead = 0;
    SnapStore *s = open_store(f);
    initial_ram(f, &seed);
    for (int i = 0; i < N; i++) {
        ram_write_page(f, (uint64_t)(i % 3), &seed);  /* chunk 0, again and again */
        if (i % 2) {
            ram_write_page(f, 70, &seed);             /* chunk 1, every other time */
        }
        if (i % 10 == 0) {
            ram_fill_pattern(f, 2000, 0);           /* chunk 31: a zero page... */
        } else if (i % 5 == 0) {
            ram_write_page(f, 2000, &seed);         /* ...or a random one */
        }
        save_ok(s, f, 1000 + (uint64_t)i, NULL);
        want[i] = hash128(f->ram, RAM_SIZE);
        /* At most the new versions of chunks 0, 1 and 31 are added, and their
         * pages; chunk 0's 1 changed page, not its 64. */
        SnapStoreStats st = stats(s);
        if (i > 0) {
            assert_true(st.last_chunks_added <= 3);
            assert_true(st.last_pages_added <= 3);
            /* Chunks and the table go in as deltas (a full chunk or table
             * alone is over 1 KiB), except when a chain is cut. */
            assert_true(st.last_bytes_added >= st.last_pages_added * (MEM_PAGE_SIZE + 1));
            overhead += st.last_bytes_added - st.last_pages_added * (MEM_PAGE_SIZE + 1);
        }
    }
    assert_true(overhead / (N - 1) < 700);

    /* Load every version, twice over, from unknown and from known RAM. */
    for (int round = 0; round < 2; round++) {
        for (int k = 0; k < N; k++) {
            int i = (int)((uint64_t)(k * 17 + round * 5) % N);
            if (round == 0) {
                snapstore_forget_ram(s);
            }
            load_ok(s, f, 1000 + (uint64_t)i);
            assert_true(hash_equal(hash128(f->ram, RAM_SIZE), want[i]));
        }
    }
    /* Delete in a scrambled order; every remaining version keeps loading. */
    bool gone[N] = { false };
    for (int k = 0; k < N; k++) {
        int i = (int)(xorshift(&seed) % N);
        while (gone[i]) {
            i = (i + 1) % N;
        }
        assert_true(snapstore_delete(s, 1000 + (uint64_t)i, NULL));
        gone[i] = true;
        int j = (i + 7) % N;
        while (gone[j] && j != i) {
            j = (j + 1) % N;
        }
        if (!gone[j]) {
            snapstore_forget_ram(s);
            load_ok(s, f, 1000 + (uint64_t)j);
            assert_true(hash_equal(hash128(f->ram, RAM_SIZE), want[j]));
        }
    }
    SnapStoreStats st = stats(s);
    assert_int_equal(st.snapshots, 0);
    assert_int_equal(st.pages, 0);
    assert_int_equal(st.chunks, 0);
    assert_int_equal(st.tables, 0);
    snapstore_close(s);
}

static void test_names(void **state)
{
    Fixture *f = *state;
    uint64_t seed = 5;
    SnapStore *s = open_store(f);
    initial_ram(f, &seed);
    f->dev.ctrl = 1;
    save_ok(s, f, 100, "boot");
    f->dev.ctrl = 2;
    ram_write_page(f, 1, &seed);
    save_ok(s, f, 200, NULL);

    Error *err = NULL;
    SnapshotInfo i = info_at(300, "boot");
    assert_false(snapstore_save(s, &i, &f->reg, f->region, &err));
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    assert_non_null(strstr(error_get_message(err), "boot"));
    error_free(err);
    err = NULL;
    assert_int_equal(stats(s).snapshots, 2);

    SnapshotInfo out;
    assert_true(snapstore_load_named(s, "boot", &f->reg, f->region, &out, &err));
    assert_int_equal(out.steps, 100);
    assert_string_equal(out.name, "boot");
    assert_int_equal(f->dev.ctrl, 1);

    SnapshotInfo *list;
    size_t n;
    assert_true(snapstore_list(s, &list, &n, NULL));
    assert_int_equal(n, 2);
    assert_int_equal(list[0].steps, 100);
    assert_string_equal(list[0].name, "boot");
    assert_int_equal(list[1].steps, 200);
    assert_string_equal(list[1].name, "");
    free(list);

    assert_true(snapstore_delete_named(s, "boot", NULL));
    assert_false(snapstore_load_named(s, "boot", &f->reg, f->region, NULL, &err));
    assert_non_null(strstr(error_get_message(err), "boot"));
    error_free(err);
    /* The name is free again. */
    save_ok(s, f, 300, "boot");
    assert_true(snapstore_load_named(s, "boot", &f->reg, f->region, &out, NULL));
    assert_int_equal(out.steps, 300);
    snapstore_close(s);
}

/* One snapshot per step: saving under another name at a named snapshot's
 * step adds the name, an automatic save there keeps it; deleting one name
 * keeps the others. Nothing named is ever lost. */
static void test_named_snapshot_never_replaced(void **state)
{
    Fixture *f = *state;
    uint64_t seed = 9;
    SnapStore *s = open_store(f);
    SnapshotInfo out, *list;
    size_t n;
    initial_ram(f, &seed);
    f->dev.ctrl = 1;
    save_ok(s, f, 100, "first");
    save_ok(s, f, 100, "second");
    save_ok(s, f, 100, NULL);
    assert_int_equal(stats(s).snapshots, 1);
    f->dev.ctrl = 2;
    save_ok(s, f, 100, "first");       /* its own name: replaced, keeping "second" */
    f->dev.ctrl = 3;
    assert_true(snapstore_load_named(s, "second", &f->reg, f->region, &out, NULL));
    assert_int_equal(f->dev.ctrl, 2);
    f->dev.ctrl = 1;
    save_ok(s, f, 100, "first");
    f->dev.ctrl = 3;
    assert_true(snapstore_load_named(s, "first", &f->reg, f->region, &out, NULL));
    assert_int_equal(f->dev.ctrl, 1);
    f->dev.ctrl = 3;
    assert_true(snapstore_load_named(s, "second", &f->reg, f->region, &out, NULL));
    assert_int_equal(f->dev.ctrl, 1);
    assert_string_equal(out.name, "second");
    assert_int_equal(out.steps, 100);
    assert_true(snapstore_list(s, &list, &n, NULL));
    assert_int_equal(n, 2);
    assert_string_equal(list[0].name, "first");
    assert_string_equal(list[1].name, "second");
    assert_int_equal(list[1].steps, 100);
    free(list);
    /* The second name is taken now. */
    Error *err = NULL;
    SnapshotInfo i = info_at(200, "second");
    assert_false(snapstore_save(s, &i, &f->reg, f->region, &err));
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    error_free(err);
    err = NULL;
    /* Dropping one name keeps the snapshot under the other. */
    assert_true(snapstore_delete_named(s, "first", NULL));
    assert_false(snapstore_load_named(s, "first", &f->reg, f->region, NULL, &err));
    error_free(err);
    assert_true(snapstore_load_named(s, "second", &f->reg, f->region, &out, NULL));
    assert_true(snapstore_list(s, &list, &n, NULL));
    assert_int_equal(n, 1);
    assert_string_equal(list[0].name, "second");
    free(list);
    assert_true(snapstore_delete_named(s, "second", NULL));
    assert_int_equal(stats(s).snapshots, 0);
    snapstore_close(s);
}

static void test_find_before(void **state)
{
    Fixture *f = *state;
    SnapStore *s = open_store(f);
    SnapshotInfo out;
    assert_int_equal(snapstore_find_before(s, UINT64_MAX, &out, NULL), 0);
    save_ok(s, f, 100, NULL);
    save_ok(s, f, 200, NULL);
    save_ok(s, f, 0x1000000000ull, NULL); /* big: order must be numeric, not textual */
    assert_int_equal(snapstore_find_before(s, 50, &out, NULL), 0);
    assert_int_equal(snapstore_find_before(s, 100, &out, NULL), 1);
    assert_int_equal(out.steps, 100);
    assert_int_equal(snapstore_find_before(s, 199, &out, NULL), 1);
    assert_int_equal(out.steps, 100);
    assert_int_equal(snapstore_find_before(s, 200, &out, NULL), 1);
    assert_int_equal(out.steps, 200);
    assert_int_equal(snapstore_find_before(s, 0xfffffffffull, &out, NULL), 1);
    assert_int_equal(out.steps, 200);
    assert_int_equal(snapstore_find_before(s, UINT64_MAX, &out, NULL), 1);
    assert_int_equal(out.steps, 0x1000000000ull);
    snapstore_close(s);

    /* Another recording in the same store sees only its own snapshots, and the
     * first recording's keys (sorting before it) do not leak into its answers. */
    f->cfg.recording = "rec-b";
    s = open_store(f);
    assert_int_equal(snapstore_find_before(s, UINT64_MAX, &out, NULL), 0);
    save_ok(s, f, 50, NULL);
    assert_int_equal(snapstore_find_before(s, 40, &out, NULL), 0);
    assert_int_equal(snapstore_find_before(s, 60, &out, NULL), 1);
    assert_int_equal(out.steps, 50);
    assert_string_equal(out.recording, "rec-b");
    snapstore_close(s);

    f->cfg.recording = "rec-a";
    s = open_store(f);
    assert_int_equal(snapstore_find_before(s, 60, &out, NULL), 0);
    assert_int_equal(snapstore_find_before(s, UINT64_MAX, &out, NULL), 1);
    assert_int_equal(out.steps, 0x1000000000ull);
    snapstore_close(s);
}

/* ---- damage, done behind the store's back ---- */

typedef void Damage(MDB_txn *txn, MDB_dbi dbi);

static void damage(Fixture *f, const char *db, Damage *fn)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
    assert_int_equal(mdb_env_open(env, f->path, MDB_NOSUBDIR, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, db, 0, &dbi), 0);
    fn(txn, dbi);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

/* Replace the first page with a raw page of other content. */
static void damage_page_content(MDB_txn *txn, MDB_dbi dbi)
{
    MDB_cursor *c;
    MDB_val k, v;
    static uint8_t val[MEM_PAGE_SIZE + 1];
    assert_int_equal(mdb_cursor_open(txn, dbi, &c), 0);
    assert_int_equal(mdb_cursor_get(c, &k, &v, MDB_FIRST), 0);
    val[0] = 0; /* raw */
    memset(val + 1, 0xab, MEM_PAGE_SIZE);
    MDB_val nv = { sizeof(val), val };
    assert_int_equal(mdb_cursor_put(c, &k, &nv, MDB_CURRENT), 0);
    mdb_cursor_close(c);
}

static void damage_page_encoding(MDB_txn *txn, MDB_dbi dbi)
{
    MDB_cursor *c;
    MDB_val k, v;
    static uint8_t val[40];
    assert_int_equal(mdb_cursor_open(txn, dbi, &c), 0);
    assert_int_equal(mdb_cursor_get(c, &k, &v, MDB_FIRST), 0);
    val[0] = 1; /* "zstd", but not a zstd frame */
    memset(val + 1, 0x11, sizeof(val) - 1);
    MDB_val nv = { sizeof(val), val };
    assert_int_equal(mdb_cursor_put(c, &k, &nv, MDB_CURRENT), 0);
    mdb_cursor_close(c);
}

static void damage_delete_first(MDB_txn *txn, MDB_dbi dbi)
{
    MDB_cursor *c;
    MDB_val k, v;
    assert_int_equal(mdb_cursor_open(txn, dbi, &c), 0);
    assert_int_equal(mdb_cursor_get(c, &k, &v, MDB_FIRST), 0);
    assert_int_equal(mdb_cursor_del(c, 0), 0);
    mdb_cursor_close(c);
}

/* Flip one byte in the middle of the first value. */
static void damage_flip_byte(MDB_txn *txn, MDB_dbi dbi)
{
    MDB_cursor *c;
    MDB_val k, v;
    assert_int_equal(mdb_cursor_open(txn, dbi, &c), 0);
    assert_int_equal(mdb_cursor_get(c, &k, &v, MDB_FIRST), 0);
    uint8_t *copy = malloc(v.mv_size);
    memcpy(copy, v.mv_data, v.mv_size);
    copy[v.mv_size / 2] ^= 0x40;
    MDB_val nv = { v.mv_size, copy };
    assert_int_equal(mdb_cursor_put(c, &k, &nv, MDB_CURRENT), 0);
    free(copy);
    mdb_cursor_close(c);
}

static void damage_meta_version(MDB_txn *txn, MDB_dbi dbi)
{
    MDB_val k = { 4, (void *)"meta" }, v;
    assert_int_equal(mdb_get(txn, dbi, &k, &v), 0);
    uint8_t *copy = malloc(v.mv_size);
    memcpy(copy, v.mv_data, v.mv_size);
    copy[8] = (uint8_t)(SNAPSTORE_FORMAT_VERSION + 1); /* u32 format after the magic */
    MDB_val nv = { v.mv_size, copy };
    assert_int_equal(mdb_put(txn, dbi, &k, &nv, 0), 0);
    free(copy);
}

static void expect_ram_filled(Fixture *f, uint8_t byte);

/* Save one snapshot, damage the store, reopen (so RAM is unknown and every
 * page is read) and expect the load to fail with ERR_SNAPSHOT mentioning needle. */
static void expect_damage_detected(Fixture *f, const char *db, Damage *fn, const char *needle)
{
    uint64_t seed = 3;
    SnapStore *s = open_store(f);
    initial_ram(f, &seed);
    save_ok(s, f, 100, NULL);
    snapstore_close(s);
    damage(f, db, fn);
    s = open_store(f);
    /* The present differs from the snapshot everywhere: a failed load must
     * leave all of it as it is (nothing half restored). */
    memset(f->ram, 0x5a, RAM_SIZE);
    f->dev = (DevState){ { 9, 9, 9, 9 }, 9 };
    Error *err = NULL;
    assert_false(snapstore_load(s, 100, &f->reg, f->region, NULL, &err));
    assert_non_null(err);
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    if (!strstr(error_get_message(err), needle)) {
        fprintf(stderr, "message: %s\n", error_get_message(err));
        fail();
    }
    error_free(err);
    expect_ram_filled(f, 0x5a);
    assert_int_equal(f->dev.regs[0], 9);
    assert_int_equal(f->dev.ctrl, 9);
    snapstore_close(s);
}

static void expect_ram_filled(Fixture *f, uint8_t byte)
{
    for (size_t i = 0; i < RAM_SIZE; i++) {
        if (f->ram[i] != byte) {
            fprintf(stderr, "RAM byte %zu (page %zu) changed: %#x\n", i, i / MEM_PAGE_SIZE,
                    f->ram[i]);
            fail();
        }
    }
}

/* The device refuses the state in its post_load: RAM restored before it and
 * the devices loaded before it are put back. */
static bool strict_post_load(void *opaque, int version_id, Error **errp)
{
    DevState *d = opaque;
    (void)version_id;
    if (d->ctrl == 0xdead) {
        error_setc(errp, ERR_SNAPSHOT, "ctrl 0xdead refused");
        return false;
    }
    return true;
}

static const VMStateDescription vmstate_devstate_strict = {
    .name = "devstate", .version_id = 1, .minimum_version_id = 1, .fields = dev_fields,
    .post_load = strict_post_load,
};

static int commit_calls;
static bool refusing_commit(void *opaque, const SnapshotInfo *info, Error **errp)
{
    (void)opaque;
    commit_calls++;
    assert_int_equal(info->steps, 100);
    error_setc(errp, ERR_SNAPSHOT, "commit refused");
    return false;
}

static void test_failed_load_changes_nothing(void **state)
{
    Fixture *f = *state;
    uint64_t seed = 5;
    DevState first = { { 0 } }, second;
    VMStateRegistry strict;
    vmstate_registry_init(&strict);
    vmstate_register(&strict, "dev-before", &vmstate_devstate, &first);
    vmstate_register(&strict, "dev0", &vmstate_devstate_strict, &second);
    VMStateRegistry plain;
    vmstate_registry_init(&plain);
    vmstate_register(&plain, "dev-before", &vmstate_devstate, &first);
    vmstate_register(&plain, "dev0", &vmstate_devstate, &f->dev);

    SnapStore *s = open_store(f);
    initial_ram(f, &seed);
    first = (DevState){ { 1, 1, 1, 1 }, 1 };
    f->dev = (DevState){ { 2, 2, 2, 2 }, 0xdead };
    SnapshotInfo i = info_at(100, NULL);
    assert_true(snapstore_save(s, &i, &plain, f->region, NULL));

    /* Refused by the second device's post_load. */
    memset(f->ram, 0x5a, RAM_SIZE);
    for (uint64_t a = 0; a < RAM_SIZE; a += MEM_PAGE_SIZE) {
        mem_ram_mark_dirty(f->region, a);
    }
    first = (DevState){ { 7, 7, 7, 7 }, 7 };
    second = (DevState){ { 8, 8, 8, 8 }, 8 };
    Error *err = NULL;
    assert_false(snapstore_load(s, 100, &strict, f->region, NULL, &err));
    assert_non_null(strstr(error_get_message(err), "0xdead"));
    error_free(err);
    err = NULL;
    expect_ram_filled(f, 0x5a);
    assert_int_equal(first.regs[3], 7);
    assert_int_equal(first.ctrl, 7);
    assert_int_equal(second.ctrl, 8);

    /* Refused by the commit hook, last of all. */
    snapstore_set_load_commit(s, refusing_commit, NULL);
    assert_false(snapstore_load(s, 100, &plain, f->region, NULL, &err));
    assert_int_equal(commit_calls, 1);
    assert_non_null(strstr(error_get_message(err), "commit refused"));
    error_free(err);
    expect_ram_filled(f, 0x5a);
    assert_int_equal(first.ctrl, 7);

    /* And the store still works: a load that succeeds restores it all. */
    snapstore_set_load_commit(s, NULL, NULL);
    assert_true(snapstore_load(s, 100, &plain, f->region, NULL, NULL));
    assert_int_equal(first.ctrl, 1);
    assert_int_equal(f->dev.ctrl, 0xdead);
    uint64_t seed2 = 5;
    uint64_t want = xorshift(&seed2);
    uint64_t got;
    memcpy(&got, f->ram, 8);
    assert_int_equal(got, want);
    snapstore_close(s);
    vmstate_registry_free(&strict);
    vmstate_registry_free(&plain);
}

static void test_damaged_page_content(void **state)
{
    expect_damage_detected(*state, "pages", damage_page_content, "does not match the hash of page");
}

static void test_damaged_page_encoding(void **state)
{
    expect_damage_detected(*state, "pages", damage_page_encoding, "undecodable page");
}

static void test_missing_page(void **state)
{
    expect_damage_detected(*state, "pages", damage_delete_first, "missing page");
}

static void test_damaged_chunk(void **state)
{
    expect_damage_detected(*state, "chunks", damage_flip_byte, "chunk");
}

static void test_damaged_table(void **state)
{
    expect_damage_detected(*state, "tables", damage_flip_byte, "table");
}

static void test_damaged_record(void **state)
{
    expect_damage_detected(*state, "snaps", damage_flip_byte, "checksum");
}

static void test_meta_version_refused(void **state)
{
    Fixture *f = *state;
    snapstore_close(open_store(f));
    damage(f, "meta", damage_meta_version);
    Error *err = NULL;
    assert_null(snapstore_open(f->path, &f->cfg, &err));
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    assert_non_null(strstr(error_get_message(err), "format"));
    error_free(err);
}

static void test_other_machine_refused(void **state)
{
    Fixture *f = *state;
    snapstore_close(open_store(f));
    f->cfg.machine_hash.hi ^= 1;
    Error *err = NULL;
    assert_null(snapstore_open(f->path, &f->cfg, &err));
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    assert_non_null(strstr(error_get_message(err), "machine configuration"));
    error_free(err);
}

static void test_not_a_store(void **state)
{
    Fixture *f = *state;
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    for (int i = 0; i < 3000; i++) {
        fputs("not lmdb ", fp);
    }
    fclose(fp);
    Error *err = NULL;
    assert_null(snapstore_open(f->path, &f->cfg, &err));
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    error_free(err);
}

static void test_ram_size_and_registry_mismatch(void **state)
{
    Fixture *f = *state;
    uint64_t seed = 8;
    SnapStore *s = open_store(f);
    initial_ram(f, &seed);
    save_ok(s, f, 100, NULL);

    /* Another RAM size is refused before anything is written. */
    uint8_t *small = calloc(1, 1u << 20);
    MemRegion r = { .name = "small", .size = 1u << 20, .kind = MEM_RAM, .host = small };
    Error *err = NULL;
    assert_false(snapstore_load(s, 100, &f->reg, &r, NULL, &err));
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    error_free(err);
    err = NULL;
    free(small);

    /* A machine with other devices is refused before RAM is touched. */
    VMStateRegistry other;
    DevState d2;
    vmstate_registry_init(&other);
    vmstate_register(&other, "dev1", &vmstate_devstate, &d2);
    memset(f->ram, 0x77, MEM_PAGE_SIZE);
    mem_ram_mark_dirty(f->region, 0);
    assert_false(snapstore_load(s, 100, &other, f->region, NULL, &err));
    assert_non_null(strstr(error_get_message(err), "dev1"));
    assert_int_equal(f->ram[0], 0x77);
    error_free(err);
    vmstate_registry_free(&other);
    snapstore_close(s);
}

/* A region without a dirty bitmap (hand-made) is hashed in full every time. */
static void test_region_without_bitmap(void **state)
{
    Fixture *f = *state;
    SnapStore *s = open_store(f);
    uint8_t *mem = calloc(1, 64 * MEM_PAGE_SIZE + MEM_PAGE_SIZE * 3); /* partial chunk */
    MemRegion r = { .name = "r", .size = 67 * MEM_PAGE_SIZE, .kind = MEM_RAM, .host = mem };
    memset(mem + 66 * MEM_PAGE_SIZE, 9, MEM_PAGE_SIZE);
    SnapshotInfo i = info_at(1, NULL);
    assert_true(snapstore_save(s, &i, &f->reg, &r, NULL));
    assert_int_equal(stats(s).last_pages_hashed, 67);
    memset(mem + 65 * MEM_PAGE_SIZE, 1, MEM_PAGE_SIZE);
    i.steps = 2;
    assert_true(snapstore_save(s, &i, &f->reg, &r, NULL));
    assert_int_equal(stats(s).last_pages_hashed, 67);
    assert_int_equal(stats(s).last_pages_added, 1);
    memset(mem, 0, 67 * MEM_PAGE_SIZE);
    assert_true(snapstore_load(s, 2, &f->reg, &r, NULL, NULL));
    assert_int_equal(mem[65 * MEM_PAGE_SIZE], 1);
    assert_int_equal(mem[66 * MEM_PAGE_SIZE + 4095], 9);
    assert_int_equal(mem[64 * MEM_PAGE_SIZE], 0);
    free(mem);
    snapstore_close(s);
}

/* A store opened with a small map grows it when a snapshot does not fit. */
static void test_map_grows(void **state)
{
    Fixture *f = *state;
    uint64_t seed = 21;
    f->cfg.map_size = 256 << 10;
    SnapStore *s = open_store(f);
    initial_ram(f, &seed);
    uint8_t *copy = malloc(RAM_SIZE);
    memcpy(copy, f->ram, RAM_SIZE);
    save_ok(s, f, 100, NULL);
    assert_true(stats(s).file_bytes > 4u << 20);
    snapstore_close(s);
    /* Reopening with the small size adopts the file's larger map. */
    s = open_store(f);
    memset(f->ram, 0, RAM_SIZE);
    load_ok(s, f, 100);
    assert_memory_equal(f->ram, copy, RAM_SIZE);
    ram_write_page(f, 3000, &seed);
    save_ok(s, f, 200, NULL);
    free(copy);
    snapstore_close(s);
}

/* A missing directory is a host error, not a damaged store. */
static void test_open_io_error(void **state)
{
    Fixture *f = *state;
    Error *err = NULL;
    char path[128];
    snprintf(path, sizeof(path), "%s/no/such/dir/x.snap", f->dir);
    assert_null(snapstore_open(path, &f->cfg, &err));
    assert_int_equal(error_get_class(err), ERR_IO);
    error_free(err);
}

/* A write that skipped the dirty bitmap is caught when its page must be stored. */
static void test_unmarked_write_detected(void **state)
{
    Fixture *f = *state;
    uint64_t seed = 11;
    SnapStore *s = open_store(f);
    initial_ram(f, &seed);
    save_ok(s, f, 100, NULL);
    assert_true(snapstore_delete(s, 100, NULL)); /* nothing left to share */
    f->ram[5 * MEM_PAGE_SIZE] ^= 1;               /* not marked dirty */
    SnapshotInfo i = info_at(200, NULL);
    Error *err = NULL;
    assert_false(snapstore_save(s, &i, &f->reg, f->region, &err));
    assert_non_null(strstr(error_get_message(err), "without being marked dirty"));
    error_free(err);
    /* The store forgot what it knew, so the next save is correct. */
    uint8_t *copy = malloc(RAM_SIZE);
    memcpy(copy, f->ram, RAM_SIZE);
    save_ok(s, f, 200, NULL);
    assert_int_equal(stats(s).last_pages_hashed, NPAGES);
    memset(f->ram, 0, RAM_SIZE);
    snapstore_forget_ram(s);
    load_ok(s, f, 200);
    assert_memory_equal(f->ram, copy, RAM_SIZE);
    free(copy);
    snapstore_close(s);
}

/* A store cut short (a partial copy, a full disk) is refused at open, with
 * ERR_SNAPSHOT: LMDB would otherwise read its pages beyond the end of the
 * file through its map, a SIGBUS. */
static void test_truncated_store_refused(void **state)
{
    Fixture *f = *state;
    uint64_t seed = 21;
    SnapStore *s = open_store(f);
    initial_ram(f, &seed);
    save_ok(s, f, 100, "a");
    snapstore_close(s);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_true(st.st_size > 64 * 1024);
    off_t cuts[] = { st.st_size / 2, st.st_size - 4096, 3 * 4096 };
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        assert_int_equal(truncate(f->path, cuts[i]), 0);
        Error *err = NULL;
        s = snapstore_open(f->path, &f->cfg, &err);
        if (s) {
            fprintf(stderr, "a store cut to %lld bytes was opened\n", (long long)cuts[i]);
            fail();
        }
        assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
        assert_non_null(strstr(error_get_message(err), "truncated"));
        error_free(err);
    }
}

/* LMDB writes its lock file through a shared map; the store allocates its
 * blocks first, so that a full disk is an error at open, not a SIGBUS. */
static void test_lock_file_backed(void **state)
{
    Fixture *f = *state;
    SnapStore *s = open_store(f);
    char lock[128];
    snprintf(lock, sizeof(lock), "%s-lock", f->path);
    struct stat st;
    assert_int_equal(stat(lock, &st), 0);
    assert_true(st.st_size > 0);
    if ((uint64_t)st.st_blocks * 512 < (uint64_t)st.st_size) {
        fprintf(stderr, "lock file: %lld bytes, %lld allocated\n", (long long)st.st_size,
                (long long)st.st_blocks * 512);
        fail();
    }
    snapstore_close(s);
}

/* A file size limit (as a full disk does) makes saving fail with an error,
 * never a signal; what was committed before stays loadable. Run in a child
 * with SIGXFSZ ignored, so writes past the limit fail with EFBIG. */
static void test_file_size_limit(void **state)
{
    Fixture *f = *state;
    uint64_t seed = 33;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = { 256 * 1024, 256 * 1024 };
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0) {
            _exit(10);
        }
        Error *err = NULL;
        SnapStore *s = snapstore_open(f->path, &f->cfg, &err);
        if (!s) {
            _exit(11);
        }
        memset(f->ram, 0, RAM_SIZE);
        ram_write_page(f, 0, &seed);
        SnapshotInfo i = info_at(100, NULL);
        if (!snapstore_save(s, &i, &f->reg, f->region, &err)) {
            _exit(12);
        }
        initial_ram(f, &seed);        /* 4 MiB of distinct pages: over the limit */
        i = info_at(200, NULL);
        if (snapstore_save(s, &i, &f->reg, f->region, &err)) {
            _exit(13);
        }
        fprintf(stderr, "over the limit: %s\n", error_get_message(err));
        error_free(err);
        err = NULL;
        memset(f->ram, 0x77, RAM_SIZE);
        if (!snapstore_load(s, 100, &f->reg, f->region, NULL, &err)) {
            fprintf(stderr, "load: %s\n", error_get_message(err));
            _exit(14);
        }
        snapstore_close(s);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "child: %s %d\n", WIFEXITED(status) ? "exit" : "signal",
                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        fail();
    }
    /* And the store is intact for a process without the limit. */
    SnapStore *s = open_store(f);
    SnapshotInfo *list;
    size_t n;
    assert_true(snapstore_list(s, &list, &n, NULL));
    assert_int_equal(n, 1);
    assert_int_equal(list[0].steps, 100);
    free(list);
    snapstore_close(s);
}

/* A second region stored by content beside RAM, as a disk overlay is: a
 * large sparse one with a nonzero bitmap. Pages never written are not even
 * read; each snapshot restores both regions as they were; a snapshot with
 * another set of regions is refused. */
#define OV_PAGES  (1u << 16)            /* 256 MiB, reserved but untouched */
static void test_regions(void **state)
{
    Fixture *f = *state;
    uint64_t seed = 7;
    uint8_t *ov = calloc(OV_PAGES, MEM_PAGE_SIZE);
    uint64_t *dirty = calloc(OV_PAGES / 64, 8), *nonzero = calloc(OV_PAGES / 64, 8);
    assert_non_null(ov);
    MemRegion ovr = { .name = "disk", .size = (uint64_t)OV_PAGES * MEM_PAGE_SIZE,
                      .kind = MEM_RAM, .host = ov, .dirty = dirty, .nonzero = nonzero };
    const MemRegion *regions[2] = { f->region, &ovr };
#define OV_WRITE(pg, byte) do { dirty[(pg) / 64] |= 1ull << ((pg) % 64); \
        nonzero[(pg) / 64] |= 1ull << ((pg) % 64); memset(ov + (uint64_t)(pg) * 4096, byte, 4096); } while (0)

    SnapStore *s = open_store(f);
    initial_ram(f, &seed);
    OV_WRITE(3, 0x33);
    OV_WRITE(60000, 0x61);
    SnapshotInfo i1 = info_at(100, NULL);
    assert_true(snapstore_save_regions(s, &i1, &f->reg, regions, 2, NULL));
    /* RAM's pages and the two written overlay pages only. */
    assert_int_equal(stats(s).last_pages_hashed, NPAGES + 2);

    uint8_t *ram1 = malloc(RAM_SIZE);
    memcpy(ram1, f->ram, RAM_SIZE);
    ram_write_page(f, 9, &seed);
    OV_WRITE(3, 0x34);
    OV_WRITE(4, 0x44);
    SnapshotInfo i2 = info_at(200, NULL);
    assert_true(snapstore_save_regions(s, &i2, &f->reg, regions, 2, NULL));
    assert_int_equal(stats(s).last_pages_hashed, 1 + 2);
    uint8_t *ram2 = malloc(RAM_SIZE);
    memcpy(ram2, f->ram, RAM_SIZE);

    /* Back to 100: the overlay loses page 4 and gets 3 back. */
    Error *err = NULL;
    assert_true(snapstore_load_regions(s, 100, &f->reg, regions, 2, NULL, &err));
    assert_memory_equal(f->ram, ram1, RAM_SIZE);
    assert_int_equal(ov[3 * 4096], 0x33);
    assert_int_equal(ov[4 * 4096], 0);
    assert_int_equal(ov[60000ull * 4096 + 4095], 0x61);
    assert_int_equal(stats(s).last_pages_restored, 1 + 2);
    assert_true(snapstore_load_regions(s, 200, &f->reg, regions, 2, NULL, &err));
    assert_memory_equal(f->ram, ram2, RAM_SIZE);
    assert_int_equal(ov[3 * 4096], 0x34);
    assert_int_equal(ov[4 * 4096 + 100], 0x44);

    /* A fresh store knows nothing, and still neither reads nor writes the
     * overlay's untouched pages (its nonzero bits were set by the loads). */
    snapstore_close(s);
    s = open_store(f);
    memset(ov + 4 * 4096, 0, 4096);
    assert_true(snapstore_load_regions(s, 200, &f->reg, regions, 2, NULL, &err));
    assert_int_equal(ov[4 * 4096 + 100], 0x44);
    assert_int_equal(stats(s).last_pages_restored, 1);

    /* RAM alone is not what was saved. */
    assert_false(snapstore_load(s, 200, &f->reg, f->region, NULL, &err));
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    assert_non_null(strstr(error_get_message(err), "region"));
    error_free(err);
    err = NULL;
    /* Nor is a region of another size. */
    ovr.size -= MEM_PAGE_SIZE;
    assert_false(snapstore_load_regions(s, 200, &f->reg, regions, 2, NULL, &err));
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    error_free(err);
    ovr.size += MEM_PAGE_SIZE;

    /* Deleting both snapshots reclaims the overlay's pages too. */
    assert_true(snapstore_delete(s, 100, NULL));
    assert_true(snapstore_delete(s, 200, NULL));
    SnapStoreStats st = stats(s);
    assert_int_equal(st.snapshots, 0);
    assert_int_equal(st.pages, 0);
    assert_int_equal(st.chunks, 0);
    snapstore_close(s);
    free(ram1);
    free(ram2);
    free(ov);
    free(dirty);
    free(nonzero);
#undef OV_WRITE
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip_incremental, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_reclaims, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delta_chains, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_named_snapshot_never_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_before, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_page_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_page_encoding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_chunk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meta_version_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_machine_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_store, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ram_size_and_registry_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_without_bitmap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unmarked_write_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_grows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_io_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_load_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_store_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_file_backed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_size_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_regions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
