/*
 * snapshot_bench: cost of incremental snapshots of a large RAM.
 *
 *   snapshot_bench [RAM_MiB [DIRTY_PAGES [ITERATIONS]]]   (default 128 64 50)
 *
 * Fills RAM with a mix of incompressible, compressible and zero pages, takes
 * a full first snapshot, then repeatedly dirties DIRTY_PAGES random pages and
 * takes another, and restores back and forth between neighbours. Prints the
 * median and worst times (wall and process CPU) and the bytes each snapshot
 * added to the store. Commits are flushed to disk as in normal use; with
 * SNAPBENCH_NOSYNC set in the environment they are not (no_sync), which
 * shows the cost without the flush. The store lives in a temporary
 * directory that is removed at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/memory/memory.h"
#include "snapshots/snapstore.h"

#define RAM_BASE 0x80000000ull

typedef struct BenchDev {
    uint64_t regs[32];
    uint64_t pc;
} BenchDev;

static const VMStateField bench_dev_fields[] = {
    VMSTATE_UINT64_ARRAY(regs, BenchDev, 32),
    VMSTATE_UINT64(pc, BenchDev),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_bench_dev = {
    .name = "benchdev", .version_id = 1, .minimum_version_id = 1,
    .fields = bench_dev_fields,
};

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Wall time, and CPU time of this process (user + system, so LMDB's writes
 * count), which is steadier on a shared machine. */
static double now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

static double cpu_ms(void)
{
    return clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Page content of one of three kinds, like a running guest's RAM. */
static void fill_page(uint8_t *p, uint64_t *seed)
{
    uint64_t kind = xorshift(seed) % 4;
    if (kind == 0) {
        memset(p, 0, MEM_PAGE_SIZE);
    } else if (kind == 1) {
        for (unsigned i = 0; i < MEM_PAGE_SIZE; i += 8) {
            uint64_t v = xorshift(seed);
            memcpy(p + i, &v, 8);
        }
    } else {
        /* code/data-like: small values, repeated structure */
        for (unsigned i = 0; i < MEM_PAGE_SIZE; i += 4) {
            uint32_t v = (uint32_t)(xorshift(seed) & 0x0f0f) | 0x00130000u;
            memcpy(p + i, &v, 4);
        }
    }
}

static void report(const char *what, double *ms, int n)
{
    qsort(ms, n, sizeof(double), cmp_double);
    printf("%-30s median %8.3f ms   min %8.3f   max %8.3f   (n=%d)\n", what, ms[n / 2], ms[0],
           ms[n - 1], n);
}

static int fail(Error *err)
{
    error_report_err(err);
    return 1;
}

int main(int argc, char **argv)
{
    uint64_t ram_mib = argc > 1 ? strtoull(argv[1], NULL, 0) : 128;
    uint64_t dirty = argc > 2 ? strtoull(argv[2], NULL, 0) : 64;
    int iters = argc > 3 ? atoi(argv[3]) : 50;
    uint64_t size = ram_mib << 20, pages = size / MEM_PAGE_SIZE;
    uint64_t seed = 0x243f6a8885a308d3ull;
    Error *err = NULL;

    if (ram_mib == 0 || iters < 2 || dirty == 0 || dirty > pages) {
        fprintf(stderr, "usage: snapshot_bench [RAM_MiB [DIRTY_PAGES [ITERATIONS>=2]]]\n");
        return 2;
    }
    char dir[] = "/tmp/rrsim-snapbench-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char path[64], lock[80];
    snprintf(path, sizeof(path), "%s/bench.snap", dir);
    snprintf(lock, sizeof(lock), "%s-lock", path);

    uint8_t *ram = aligned_alloc(MEM_PAGE_SIZE, size);
    AddressSpace as;
    mem_init(&as);
    if (!ram || !mem_map_ram(&as, "ram", RAM_BASE, size, ram, false, &err)) {
        return err ? fail(err) : 1;
    }
    const MemRegion *r = mem_find(&as, RAM_BASE, 1);
    for (uint64_t p = 0; p < pages; p++) {
        fill_page(ram + p * MEM_PAGE_SIZE, &seed);
    }

    BenchDev dev = { .pc = 0x80000000 };
    VMStateRegistry reg;
    vmstate_registry_init(&reg);
    vmstate_register(&reg, "hart0", &vmstate_bench_dev, &dev);

    SnapStoreConfig cfg = { .recording = "bench", .machine_hash = { 1, 2 },
                            .no_sync = getenv("SNAPBENCH_NOSYNC") != NULL };
    SnapStore *s = snapstore_open(path, &cfg, &err);
    if (!s) {
        return fail(err);
    }
    SnapStoreStats st;
    SnapshotInfo info = { .steps = 0 };

    printf("RAM %llu MiB (%llu pages), %llu dirty pages per snapshot, %d snapshots\n",
           (unsigned long long)ram_mib, (unsigned long long)pages,
           (unsigned long long)dirty, iters);

    double t0 = now_ms();
    if (!snapstore_save(s, &info, &reg, r, &err)) {
        return fail(err);
    }
    double first = now_ms() - t0;
    snapstore_stats(s, &st, NULL);
    printf("%-34s %8.1f ms, %llu pages stored, %.1f MiB added\n", "first (full) snapshot", first,
           (unsigned long long)st.last_pages_added, st.last_bytes_added / 1048576.0);

    double *save_ms = calloc(iters, sizeof(double));
    double *save_cpu = calloc(iters, sizeof(double));
    double *load_ms = calloc(iters, sizeof(double));
    double *load_cpu = calloc(iters, sizeof(double));
    double c0;
    uint64_t added = 0, added_max = 0;
    for (int i = 1; i <= iters; i++) {
        for (uint64_t d = 0; d < dirty; d++) {
            uint64_t p = xorshift(&seed) % pages;
            fill_page(ram + p * MEM_PAGE_SIZE, &seed);
            /* a page of kind "zero" may stay zero: force a change */
            ram[p * MEM_PAGE_SIZE] ^= 0x80;
            mem_ram_mark_dirty(r, p * MEM_PAGE_SIZE);
        }
        dev.pc += 4 * 1000;
        dev.regs[i % 32] = (uint64_t)i;
        info.steps = (uint64_t)i * 1000;
        t0 = now_ms();
        c0 = cpu_ms();
        if (!snapstore_save(s, &info, &reg, r, &err)) {
            return fail(err);
        }
        save_ms[i - 1] = now_ms() - t0;
        save_cpu[i - 1] = cpu_ms() - c0;
        snapstore_stats(s, &st, NULL);
        added += st.last_bytes_added;
        if (st.last_bytes_added > added_max) {
            added_max = st.last_bytes_added;
        }
    }
    report("incremental snapshot (wall)", save_ms, iters);
    report("incremental snapshot (cpu)", save_cpu, iters);
    printf("%-34s mean %8.1f KiB   max %8.1f KiB\n", "bytes added per snapshot",
           added / (double)iters / 1024.0, added_max / 1024.0);

    /* Restore to each previous snapshot in turn: the pages dirtied since differ. */
    uint64_t restored = 0;
    for (int i = iters - 1; i >= 0; i--) {
        t0 = now_ms();
        c0 = cpu_ms();
        if (!snapstore_load(s, (uint64_t)i * 1000, &reg, r, NULL, &err)) {
            return fail(err);
        }
        load_ms[iters - 1 - i] = now_ms() - t0;
        load_cpu[iters - 1 - i] = cpu_ms() - c0;
        snapstore_stats(s, &st, NULL);
        restored += st.last_pages_restored;
    }
    report("restore previous (wall)", load_ms, iters);
    report("restore previous (cpu)", load_cpu, iters);
    printf("%-34s mean %8.1f pages\n", "pages rewritten per restore", restored / (double)iters);

    /* For scale: a restore that cannot rely on what RAM holds. */
    int nfull = 5;
    for (int i = 0; i < nfull; i++) {
        snapstore_forget_ram(s);
        t0 = now_ms();
        if (!snapstore_load(s, (uint64_t)iters * 1000, &reg, r, NULL, &err)) {
            return fail(err);
        }
        load_ms[i] = now_ms() - t0;
    }
    report("full restore (RAM unknown)", load_ms, nfull);

    snapstore_stats(s, &st, NULL);
    printf("store: %llu snapshots, %llu pages (%.1f MiB in the page db), %llu chunks, file %.1f MiB\n",
           (unsigned long long)st.snapshots, (unsigned long long)st.pages,
           st.page_db_bytes / 1048576.0, (unsigned long long)st.chunks,
           st.file_bytes / 1048576.0);

    snapstore_close(s);
    unlink(path);
    unlink(lock);
    rmdir(dir);
    vmstate_registry_free(&reg);
    mem_destroy(&as);
    free(ram);
    free(save_ms);
    free(save_cpu);
    free(load_ms);
    free(load_cpu);
    return 0;
}
