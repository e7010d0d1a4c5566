/*
 * snapprop: the snapshot-transparency property test. Debugging a replay must
 * never change the guest: a replay driven through a random sequence of
 * debugger operations must show the same console bytes, pass through the
 * same states and end in the same state as a plain replay.
 *
 *   snapprop GUEST [--type PATTERN TEXT]... [--end E] --dir D
 *            [--seeds S1,S2,... | --seed S] [--ops N] [--grid G]
 *            [--checkpoint C] [--period P] [--key-gap K] [--start-late] [--verbose]
 *   GUEST: --bios F --kernel F [--initrd F] [--append S] [--ram MiB] [--shift N]
 *          [--drive IMAGE]   (a virtio-blk disk, as -drive file=IMAGE,if=virtio)
 *
 * 1. Record: run the guest (rrcheckpoint=C, so the replay itself checks a
 *    digest with RAM every C steps against the recording). Host input is
 *    scripted: each --type, in order, waits for PATTERN on the console after
 *    the previous match and then types TEXT, one byte every K steps (\r, \n
 *    and \\ are escapes). The run ends when the guest powers off, or with a
 *    host shutdown at step E.
 * 2. Plain replay: the console bytes, the machine state hash at every grid
 *    step (every G steps), the final step count and state hash. It also
 *    samples what a debugger would point at: the pc, pointers in registers,
 *    the page-table pages (walked from satp) and the UART.
 * 3. For each seed: replay again through a random sequence of N operations,
 *    done the way the debugger (app/debug.c) does them: continue (stopping at
 *    break/watchpoints; a watchpoint stops before the access, and resuming
 *    steps over it with the watchpoints out, as gdb does), stepi,
 *    savevm, loadvm of an earlier snapshot, seek forward and back,
 *    reverse-stepi, reverse-continue (re-running intervals newest first for
 *    the last hit), breakpoint and watchpoint insert/remove; console output
 *    stays muted up to the furthest step already shown, as in a debug
 *    session. Then continue to the end. Checked: every grid step the run
 *    passes (the same hash as the plain replay), the replay's own journal
 *    checkpoints, the console file byte for byte, the final step count and
 *    state hash, and the journal's end checks.
 * With --start-late each seed first seeks to the last step of the recording,
 * so that the operations that go back cross what the guest did late.
 * With --drive, the state hashes also cover what the guest wrote to the disk
 * (its overlay: snapshots hold it, so going back over a disk write and
 * running forward must give the same disk), and the image must be the same
 * bytes at the end as at the start.
 * On a failure it prints the seed, the first differing grid step and the
 * operation log (re-run one seed with --seed S --verbose). At the end it
 * prints how many operations of each kind were applied over all seeds.
 * Exit status 0 = every seed passed, 1 = a check failed, 2 = usage.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/machine.h"
#include "hw/machine_replay.h"
#include "hw/machine_snap.h"

#define MAX_TYPES   16
#define MAX_SEEDS   64
#define MAX_POINTS  8
#define MAX_CANDS   512
#define MAX_SAVED   64
/* The debugger's constants (app/debug.c): first reverse-continue interval
 * and the snapshot period of a replay under a debugger. */
#define RC_FIRST_SPAN (1ull << 20)
#define DEBUG_PERIOD  2000000ull
/* Hits a "continue" goes through before it stops for good. */
#define RUN_MAX_HITS  3
#define NO_STOP       UINT64_MAX

typedef struct TypeStep {
    const char *pattern;
    char text[256];
} TypeStep;

typedef struct Cfg {
    const char *bios, *kernel, *initrd, *append, *dir, *drive;
    uint64_t ram_mib, end, grid, checkpoint, period, key_gap, nops, quantum;
    int shift;
    int smp;
    TypeStep types[MAX_TYPES];
    int ntypes;
    uint64_t seeds[MAX_SEEDS];
    int nseeds;
    bool verbose;
    bool start_late;
} Cfg;

typedef struct Sess {
    IcountOptions io;
    Machine *m;
    MachineReplay *mr;
    MachineSnap *s;
    char serial[700];
    char store[700];
} Sess;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "snapprop: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static bool hash_eq(Hash128 a, Hash128 b)
{
    return !memcmp(&a, &b, sizeof(a));
}

static const char *hex(Hash128 h, char out[33])
{
    const uint8_t *p = (const uint8_t *)&h;
    for (size_t i = 0; i < 16; i++) {
        snprintf(out + 2 * i, 3, "%02x", p[i]);
    }
    return out;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        *len = 0;
        return calloc(1, 1);
    }
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (!b || fread(b, 1, (size_t)n, fp) != (size_t)n) {
        die("cannot read %s", path);
    }
    b[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return b;
}

/* rr: "record" or "replay"; store: NULL = no snapshot support. */
static bool sess_open(Sess *r, const Cfg *c, const char *rr, const char *name, uint64_t period,
                      const char *store, Error **errp)
{
    memset(r, 0, sizeof(*r));
    char spec[800];
    snprintf(spec, sizeof(spec), "shift=%d,rr=%s,rrfile=%s/rec.rr", c->shift, rr, c->dir);
    if (!strcmp(rr, "record")) {
        size_t n = strlen(spec);
        snprintf(spec + n, sizeof(spec) - n, ",rrcheckpoint=%" PRIu64, c->checkpoint);
    }
    icount_options_init(&r->io);
    if (!icount_options_parse(&r->io, spec, errp)) {
        return false;
    }
    if (c->quantum) {
        r->io.quantum = c->quantum;
    }
    snprintf(r->serial, sizeof(r->serial), "file:%s/%s.console", c->dir, name);
    MachineOptions o;
    machine_options_init(&o);
    o.bios = c->bios;
    o.kernel = c->kernel;
    o.initrd = c->initrd;
    o.append = c->append;
    o.ram_size = c->ram_mib << 20;
    o.smp = c->smp;
    if (c->drive) {
        o.drives[0] = (MachineDrive){ .spec = c->drive, .id = "hd0", .file = c->drive,
                                      .if_virtio = true };
        o.ndrives = 1;
    }
    o.serial = r->serial;
    o.no_signals = true;
    o.icount = r->io;
    r->m = machine_new(&o, errp);
    if (!r->m) {
        return false;
    }
    r->mr = machine_replay_new(r->m, errp);
    if (!r->mr) {
        return false;
    }
    if (store) {
        snprintf(r->store, sizeof(r->store), "%s", store);
        unlink(store);
        MachineSnapOptions so;
        machine_snap_options_init(&so);
        so.period_steps = period;
        so.store_path = r->store;
        r->s = machine_snap_new(r->m, r->mr, &so, errp);
        if (!r->s) {
            return false;
        }
    }
    return true;
}

static void sess_close(Sess *r)
{
    machine_snap_free(r->s);
    machine_replay_free(r->mr);
    machine_free(r->m);
    icount_options_free(&r->io);
}

/* Run until the step count is `stop` (NO_STOP: until something stops it). */
static bool run_until(Sess *r, uint64_t stop, MachineStop *why, Error **errp)
{
    machine_set_stop_at(r->m, stop);
    bool ok = machine_run(r->m, why, errp);
    machine_set_stop_at(r->m, NO_STOP);
    return ok;
}

/* ---- 1. the recording ---- */

static void unescape(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in && n + 1 < cap; in++) {
        if (*in == '\\' && in[1]) {
            in++;
            out[n++] = *in == 'r' ? '\r' : *in == 'n' ? '\n' : *in;
        } else {
            out[n++] = *in;
        }
    }
    out[n] = '\0';
}

static uint64_t record(const Cfg *c)
{
    Sess r;
    Error *err = NULL;
    if (!sess_open(&r, c, "record", "rec", 0, NULL, &err)) {
        die("record: %s", error_get_message(err));
    }
    const uint64_t chunk = 500000, limit = 20000000000ull;
    size_t scan = 0;
    int next_type = 0;
    const char *keys = NULL;
    uint64_t next_key = NO_STOP;
    bool host_stop = false;
    for (;;) {
        uint64_t now = machine_icount(r.m);
        if (keys && now >= next_key) {
            machine_char_input(r.m, 0, (const uint8_t *)keys, 1);
            keys++;
            next_key = *keys ? now + c->key_gap : NO_STOP;
            if (!*keys) {
                keys = NULL;
            }
        }
        if (!keys && next_type < c->ntypes) {
            size_t len;
            char *con = slurp(r.serial + 5, &len);
            const char *hit = scan < len ? strstr(con + scan, c->types[next_type].pattern) : NULL;
            if (hit) {
                scan = (size_t)(hit - con) + strlen(c->types[next_type].pattern);
                keys = c->types[next_type++].text;
                next_key = now + c->key_gap;
            }
            free(con);
        }
        if (c->end && now >= c->end && !host_stop) {
            machine_host_shutdown(r.m, SHUTDOWN_HOST_SIGNAL, 0);
            host_stop = true;
        }
        if (now >= limit) {
            die("record: the guest did not end within %" PRIu64 " steps", limit);
        }
        uint64_t stop = now + chunk;
        stop = next_key < stop ? next_key : stop;
        stop = c->end && !host_stop && c->end < stop ? c->end : stop;
        MachineStop why;
        if (!run_until(&r, host_stop ? NO_STOP : stop, &why, &err)) {
            die("record: %s", error_get_message(err));
        }
        if (why == MACHINE_STOP_SHUTDOWN) {
            break;
        }
    }
    if (next_type < c->ntypes || keys) {
        die("record: the guest ended before '%s' was typed", c->types[next_type].pattern);
    }
    if (!machine_replay_finish(r.mr, &err)) {
        die("record: %s", error_get_message(err));
    }
    uint64_t steps = machine_icount(r.m);
    sess_close(&r);
    return steps;
}

/* ---- 2. the plain replay ---- */

typedef struct Plain {
    uint64_t end;               /* steps at the end */
    Hash128 final;
    Hash128 *grid;              /* hash at k * cfg.grid, k = 1 .. ngrid */
    uint64_t ngrid;
    char *console;
    size_t console_len;
    uint64_t pcs[MAX_CANDS], addrs[MAX_CANDS];
    int npcs, naddrs;
} Plain;

static void cand_add(uint64_t *list, int *n, uint64_t v)
{
    for (int i = 0; i < *n; i++) {
        if (list[i] == v) {
            return;
        }
    }
    if (*n < MAX_CANDS) {
        list[(*n)++] = v;
    }
}

/* Page-table pages below the root (two levels), as guest-physical addresses;
 * identity-mapped guests (the probes, U-Boot) touch them at the same VA. */
static void add_table_pages(Machine *m, uint64_t table, int depth, Plain *p)
{
    cand_add(p->addrs, &p->naddrs, table);
    if (depth == 0 || table < 0x80000000ull || table - 0x80000000ull + 4096 > m->ram_size) {
        return;
    }
    const uint64_t *pte = (const uint64_t *)(m->ram + (table - 0x80000000ull));
    int found = 0;
    for (int i = 0; i < 512 && found < 4; i++) {
        if ((pte[i] & 1) && !(pte[i] & 0xe)) {
            uint64_t next = (pte[i] >> 10) << 12;
            cand_add(p->addrs, &p->naddrs, table + 8 * (uint64_t)i);
            add_table_pages(m, next, depth - 1, p);
            found++;
        } else if (pte[i] & 1) {
            cand_add(p->addrs, &p->naddrs, table + 8 * (uint64_t)i);
        }
    }
}

static void sample(Machine *m, Plain *p)
{
    Hart *h = m->hart;
    cand_add(p->pcs, &p->npcs, hart_get_pc(h));
    static const int regs[] = { 1, 2, 3, 4, 5, 8, 9, 10, 11, 12 };
    for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
        uint64_t v = hart_get_xreg(h, regs[i]);
        /* Pointers: into RAM, the MMIO below it, or a kernel's upper half. */
        bool ram = v >= 0x80000000ull && v - 0x80000000ull < m->ram_size;
        if (ram || (v >= 0x1000 && v < 0x80000000ull) || v >= 0xffffffc000000000ull) {
            cand_add(p->addrs, &p->naddrs, v & ~7ull);
        }
    }
    uint64_t satp = 0;
    if (hart_read_reg(h, 65 + 0x180, &satp) && satp >> 60) {
        add_table_pages(m, (satp & ((1ull << 44) - 1)) << 12, 2, p);
    }
}

static void plain_replay(const Cfg *c, Plain *p)
{
    Sess r;
    Error *err = NULL;
    if (!sess_open(&r, c, "replay", "plain", 0, NULL, &err)) {
        die("plain replay: %s", error_get_message(err));
    }
    size_t cap = 1024;
    p->grid = malloc(cap * sizeof(*p->grid));
    p->ngrid = 0;
    cand_add(p->addrs, &p->naddrs, 0x10000000ull);   /* the UART (THR, LSR) */
    cand_add(p->addrs, &p->naddrs, 0x10000005ull);
    for (;;) {
        MachineStop why;
        if (!run_until(&r, (p->ngrid + 1) * c->grid, &why, &err)) {
            die("plain replay: %s", error_get_message(err));
        }
        if (why == MACHINE_STOP_SHUTDOWN) {
            break;
        }
        if (p->ngrid == cap) {
            cap *= 2;
            p->grid = realloc(p->grid, cap * sizeof(*p->grid));
        }
        p->grid[p->ngrid++] = machine_state_hash(r.m);
        sample(r.m, p);
    }
    if (!machine_replay_finish(r.mr, &err)) {
        die("plain replay: %s", error_get_message(err));
    }
    p->end = machine_icount(r.m);
    p->final = machine_state_hash(r.m);
    sess_close(&r);
    p->console = slurp(r.serial + 5, &p->console_len);
}

/* ---- 3. replays driven through debugger operations ---- */

typedef enum OpKind {
    OP_CONT, OP_STEPI, OP_SAVEVM, OP_LOADVM, OP_SEEK_FWD, OP_SEEK_BACK, OP_RSTEPI,
    OP_RCONT, OP_BREAK_INS, OP_BREAK_DEL, OP_WATCH_INS, OP_WATCH_DEL,
    OP_KINDS
} OpKind;

static const char *const op_names[OP_KINDS] = {
    "continue", "stepi", "savevm", "loadvm", "seek-forward", "seek-back", "reverse-stepi",
    "reverse-continue", "break-insert", "break-remove", "watch-insert", "watch-remove",
};
static const unsigned op_weights[OP_KINDS] = { 20, 6, 8, 8, 6, 8, 8, 6, 7, 4, 7, 4 };

typedef struct Point {
    int kind;                   /* 0 breakpoint, else WatchKind */
    uint64_t addr, len;
} Point;

typedef struct Counts {
    uint64_t ops[OP_KINDS];
    uint64_t break_hits, watch_hits, rc_found, rc_begin, grid_checks, loads_back, loads_fwd;
} Counts;

typedef struct Prop {
    const Cfg *c;
    const Plain *p;
    Sess r;
    uint64_t rng;
    Point pts[MAX_POINTS];
    int npts;
    char saved[MAX_SAVED][32];
    uint64_t saved_at[MAX_SAVED];
    int nsaved;
    uint64_t high_water;        /* furthest step reached by running: console shown */
    uint64_t seed;
    Counts n;
    /* the first failure */
    bool failed;
    char why[600];
    uint64_t grid_bad;          /* first differing grid step, or 0 */
    char *log;
    size_t log_len, log_cap;
} Prop;

/* xorshift64*: the operation sequence is a function of the seed alone. */
static uint64_t rnd(Prop *t)
{
    uint64_t x = t->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    t->rng = x;
    return x * 0x2545f4914f6cdd1dull;
}

static void logf_(Prop *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(Prop *t, const char *fmt, ...)
{
    char line[400];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    size_t n = k < 0 ? 0 : (size_t)k >= sizeof(line) ? sizeof(line) - 1 : (size_t)k;
    if (t->log_len + n + 2 > t->log_cap) {
        t->log_cap = (t->log_cap + n + 2) * 2;
        t->log = realloc(t->log, t->log_cap);
    }
    memcpy(t->log + t->log_len, line, n);
    t->log_len += n;
    t->log[t->log_len++] = '\n';
    t->log[t->log_len] = '\0';
    if (t->c->verbose) {
        printf("  %s\n", line);
    }
}

static void fail(Prop *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(Prop *t, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    logf_(t, "FAIL: %s", msg);
    if (!t->failed) {
        t->failed = true;
        snprintf(t->why, sizeof(t->why), "%s", msg);
    }
}

static void fail_err(Prop *t, const char *what, Error *err)
{
    fail(t, "%s at step %" PRIu64 ": %s", what, machine_icount(t->r.m),
         err ? error_get_message(err) : "failed");
    error_free(err);
}

static uint64_t now(const Prop *t)
{
    return machine_icount(t->r.m);
}

static void check_grid(Prop *t)
{
    uint64_t s = now(t), g = t->c->grid;
    if (s == 0 || s % g || s / g > t->p->ngrid) {
        return;
    }
    t->n.grid_checks++;
    Hash128 h = machine_state_hash(t->r.m);
    if (!hash_eq(h, t->p->grid[s / g - 1])) {
        char a[33], b[33];
        if (!t->grid_bad) {
            t->grid_bad = s;
        }
        fail(t, "state at grid step %" PRIu64 " differs: %s, plain replay %s", s, hex(h, a),
             hex(t->p->grid[s / g - 1], b));
    }
}

static void points_arm(Prop *t, bool armed)
{
    Hart *h = t->r.m->hart;
    for (int i = 0; i < t->npts; i++) {
        const Point *p = &t->pts[i];
        if (p->kind == 0) {
            if (armed) {
                hart_breakpoint_insert(h, p->addr);
            } else {
                hart_breakpoint_remove(h, p->addr);
            }
        } else if (armed) {
            hart_watchpoint_insert(h, p->addr, p->len, (WatchKind)p->kind);
        } else {
            hart_watchpoint_remove(h, p->addr, p->len, (WatchKind)p->kind);
        }
    }
}

/* As the debugger's debug_seek(): the points are out while history re-runs. */
static bool seek(Prop *t, uint64_t steps)
{
    Error *err = NULL;
    points_arm(t, false);
    bool ok = machine_seek(t->r.s, steps, &err);
    points_arm(t, true);
    loop_take_debug_stop(t->r.m->loop);
    if (!ok) {
        fail_err(t, "seek", err);
        return false;
    }
    if (now(t) != steps) {
        fail(t, "seek to %" PRIu64 " landed at %" PRIu64, steps, now(t));
        return false;
    }
    check_grid(t);
    return true;
}

typedef enum RunEnd { RUN_DONE, RUN_HIT, RUN_SHUTDOWN, RUN_ERROR } RunEnd;

/*
 * Run forward to `target` (NO_STOP: to the end). User runs mute the console
 * while behind the high-water mark and pause there, as debug_run() does;
 * scans (reverse-continue) run muted. Every grid step is a stop, checked.
 * A user run returns at the first break/watchpoint hit; a scan notes the
 * last hit before `target` in *hit_at and goes on.
 */
static RunEnd run_fwd(Prop *t, uint64_t target, bool scan, uint64_t *hit_at)
{
    Machine *m = t->r.m;
    RunEnd res = RUN_DONE;
    while (now(t) < target) {
        uint64_t s = now(t), g = t->c->grid;
        uint64_t stop = (s / g + 1) * g;
        stop = target < stop ? target : stop;
        bool behind = s < t->high_water;
        if (!scan && behind && t->high_water < stop) {
            stop = t->high_water;
        }
        machine_set_output_muted(m, scan || behind);
        MachineStop why;
        Error *err = NULL;
        if (!run_until(&t->r, stop, &why, &err)) {
            fail_err(t, "run", err);
            res = RUN_ERROR;
            break;
        }
        if (!scan && now(t) > t->high_water) {
            t->high_water = now(t);
        }
        if (why == MACHINE_STOP_SHUTDOWN) {
            res = RUN_SHUTDOWN;
            break;
        }
        MachineDebugExit e = machine_last_debug_exit(m);
        if (e == MACHINE_DEBUG_STOP_AT) {
            check_grid(t);
            continue;
        }
        if (e == MACHINE_DEBUG_BREAKPOINT || e == MACHINE_DEBUG_WATCHPOINT) {
            bool brk = e == MACHINE_DEBUG_BREAKPOINT;
            /* As app/debug.c: the hart stopped before the instruction (a
             * breakpoint) or before its access (a watchpoint); resuming
             * executes it. A scan reports a watchpoint hit after the access. */
            if (brk) {
                hart_breakpoint_skip_once(m->hart);
            } else {
                hart_watchpoint_skip_once(m->hart);
            }
            if (scan) {
                *hit_at = brk ? now(t) : now(t) + 1;
                continue;
            }
            brk ? t->n.break_hits++ : t->n.watch_hits++;
            logf_(t, "    %s hit at %" PRIu64 " pc %" PRIx64, brk ? "breakpoint" : "watchpoint",
                  now(t), hart_get_pc(m->hart));
            res = RUN_HIT;
            break;
        }
        loop_take_debug_stop(m->loop);
    }
    machine_set_output_muted(m, false);
    return res;
}

/* The replay stopped before `target`: the journal's own checks (a
 * checkpoint digest, an event at the wrong step) say why, if they failed. */
static void early_end(Prop *t, uint64_t target)
{
    Error *err = NULL;
    if (machine_replay_failed(t->r.mr) && !machine_replay_finish(t->r.mr, &err)) {
        fail_err(t, "the replay stopped", err);
        return;
    }
    fail(t, "the replay ended at %" PRIu64 " before step %" PRIu64 " (cause %d)", now(t), target,
         (int)t->r.m->shutdown_cause);
}

/* A user stop at a watchpoint is before the access; resuming, gdb steps
 * over it with the watchpoints out and puts them back. */
static bool watch_stop_and_step_over(Prop *t)
{
    Hart *h = t->r.m->hart;
    for (int i = 0; i < t->npts; i++) {
        if (t->pts[i].kind) {
            hart_watchpoint_remove(h, t->pts[i].addr, t->pts[i].len, (WatchKind)t->pts[i].kind);
        }
    }
    RunEnd e = run_fwd(t, now(t) + 1, false, NULL);
    if (e == RUN_SHUTDOWN) {
        early_end(t, now(t) + 1);
    }
    for (int i = 0; i < t->npts; i++) {
        if (t->pts[i].kind) {
            hart_watchpoint_insert(h, t->pts[i].addr, t->pts[i].len, (WatchKind)t->pts[i].kind);
        }
    }
    return e == RUN_DONE || e == RUN_HIT;
}

/* A user "continue" to `target`, going through up to RUN_MAX_HITS stops. */
static bool op_continue(Prop *t, uint64_t target)
{
    for (int hits = 0;; hits++) {
        RunEnd e = run_fwd(t, target, false, NULL);
        if (e == RUN_ERROR) {
            return false;
        }
        if (e == RUN_SHUTDOWN) {
            early_end(t, target);
            return false;
        }
        if (e == RUN_DONE) {
            return true;
        }
        if (machine_last_debug_exit(t->r.m) == MACHINE_DEBUG_WATCHPOINT) {
            if (!watch_stop_and_step_over(t)) {
                return !t->failed;
            }
        }
        if (hits == RUN_MAX_HITS) {
            return true;
        }
    }
}

/* As reverse_continue()/reverse_scan() in app/debug.c. */
static bool op_reverse_continue(Prop *t)
{
    uint64_t end = now(t), span = RC_FIRST_SPAN;
    for (bool top = true;; top = false) {
        if (end == 0) {
            t->n.rc_begin++;
            logf_(t, "    no hit: at the beginning");
            return seek(t, 0);
        }
        uint64_t lo = end > span ? end - span : 0;
        uint64_t stop = top ? end : end + 1;
        if (!seek(t, lo)) {
            return false;
        }
        uint64_t hit = NO_STOP;
        RunEnd e = run_fwd(t, stop, true, &hit);
        if (e == RUN_SHUTDOWN) {
            early_end(t, stop);
        }
        if (e == RUN_ERROR || e == RUN_SHUTDOWN) {
            return false;
        }
        if (hit != NO_STOP) {
            t->n.rc_found++;
            logf_(t, "    last hit at %" PRIu64, hit);
            if (!seek(t, hit)) {
                return false;
            }
            /* The stop there is a breakpoint stop when the pc is on one. */
            for (int i = 0; i < t->npts; i++) {
                if (t->pts[i].kind == 0 && t->pts[i].addr == hart_get_pc(t->r.m->hart)) {
                    hart_breakpoint_skip_once(t->r.m->hart);
                }
            }
            return true;
        }
        end = lo;
        span *= 2;
    }
}

static uint64_t pick_addr(Prop *t, bool code)
{
    const Plain *p = t->p;
    uint64_t r = rnd(t);
    if ((code || r % 3 == 0) && p->npcs) {
        uint64_t pc = p->pcs[(r >> 8) % (uint64_t)p->npcs];
        return code ? pc : pc & ~7ull;
    }
    uint64_t a = p->naddrs ? p->addrs[(r >> 8) % (uint64_t)p->naddrs] : 0x80000000ull;
    /* Nearby words too: a pointer often leads to what is touched next to it. */
    return r & 0x10000 ? a + 8 * ((r >> 20) % 8) : a;
}

static bool op_apply(Prop *t, OpKind k)
{
    Hart *h = t->r.m->hart;
    uint64_t s = now(t), end = t->p->end, r = rnd(t);
    switch (k) {
    case OP_CONT: {
        uint64_t span = 2 * end / (t->c->nops + 1) + 1;
        uint64_t target = s + 1 + r % span;
        target = target >= end ? end - 1 : target;
        if (target <= s) {
            return true;
        }
        logf_(t, "#%" PRIu64 " @%" PRIu64 " continue to %" PRIu64, t->n.ops[k], s, target);
        return op_continue(t, target);
    }
    case OP_STEPI: {
        int n = 1 + (int)(r % 4);
        logf_(t, "@%" PRIu64 " stepi x%d", s, n);
        for (int i = 0; i < n && now(t) + 1 < end; i++) {
            RunEnd e = run_fwd(t, now(t) + 1, false, NULL);
            if (e == RUN_SHUTDOWN) {
                early_end(t, now(t) + 1);
            }
            if (e == RUN_ERROR || e == RUN_SHUTDOWN) {
                return false;
            }
            if (e == RUN_HIT && machine_last_debug_exit(t->r.m) == MACHINE_DEBUG_WATCHPOINT &&
                !watch_stop_and_step_over(t)) {
                return false;
            }
        }
        return true;
    }
    case OP_SAVEVM: {
        if (t->nsaved == MAX_SAVED) {
            return true;
        }
        char *name = t->saved[t->nsaved];
        snprintf(name, sizeof(t->saved[0]), "s%d", t->nsaved);
        logf_(t, "@%" PRIu64 " savevm %s", s, name);
        Error *err = NULL;
        if (!machine_snap_save(t->r.s, name, &err)) {
            fail_err(t, "savevm", err);
            return false;
        }
        t->saved_at[t->nsaved++] = s;
        return true;
    }
    case OP_LOADVM: {
        if (!t->nsaved) {
            return true;
        }
        int i = (int)(r % (uint64_t)t->nsaved);
        logf_(t, "@%" PRIu64 " loadvm %s (step %" PRIu64 ")", s, t->saved[i], t->saved_at[i]);
        t->saved_at[i] < s ? t->n.loads_back++ : t->n.loads_fwd++;
        Error *err = NULL;
        bool ok = machine_snap_load(t->r.s, t->saved[i], &err);
        loop_take_debug_stop(t->r.m->loop);
        if (!ok) {
            for (int j = 0; j < t->nsaved; j++) {
                if (j != i && t->saved_at[j] == t->saved_at[i]) {
                    logf_(t, "    (%s was saved at the same step, after %s)", t->saved[j],
                          t->saved[i]);
                }
            }
            fail_err(t, "loadvm", err);
            return false;
        }
        if (now(t) != t->saved_at[i]) {
            fail(t, "loadvm %s: at step %" PRIu64 ", saved at %" PRIu64, t->saved[i], now(t),
                 t->saved_at[i]);
            return false;
        }
        check_grid(t);
        return true;
    }
    case OP_SEEK_FWD:
    case OP_SEEK_BACK: {
        uint64_t target;
        if (k == OP_SEEK_FWD) {
            if (s + 1 >= end) {
                return true;
            }
            uint64_t span = end - s - 1 < 4 * end / (t->c->nops + 1) + 1
                                ? end - s - 1 : 4 * end / (t->c->nops + 1) + 1;
            target = s + 1 + r % span;
        } else {
            if (!s) {
                return true;
            }
            /* Near (within a snapshot period) as often as far. */
            target = r & 1 ? s - 1 - (r >> 1) % (s < 300000 ? s : 300000) : (r >> 1) % s;
        }
        logf_(t, "@%" PRIu64 " seek %" PRIu64 "%s", s, target,
              target > t->high_water ? " (past the furthest step shown)" : "");
        return seek(t, target);
    }
    case OP_RSTEPI: {
        int n = 1 + (int)(r % 3);
        logf_(t, "@%" PRIu64 " reverse-stepi x%d", s, n);
        for (int i = 0; i < n && now(t) > 0; i++) {
            if (!seek(t, now(t) - 1)) {
                return false;
            }
        }
        return true;
    }
    case OP_RCONT:
        if (!t->npts) {
            if (!op_apply(t, r & 1 ? OP_BREAK_INS : OP_WATCH_INS)) {
                return false;
            }
            t->n.ops[r & 1 ? OP_BREAK_INS : OP_WATCH_INS]++;
        }
        logf_(t, "@%" PRIu64 " reverse-continue", s);
        return op_reverse_continue(t);
    case OP_BREAK_INS:
    case OP_WATCH_INS: {
        if (t->npts == MAX_POINTS) {
            return true;
        }
        Point p = { 0 };
        p.addr = pick_addr(t, k == OP_BREAK_INS);
        if (k == OP_WATCH_INS) {
            p.kind = 1 + (int)(r % 3);
            p.len = 1ull << ((r >> 4) % 4);
            p.addr &= ~(p.len - 1);
        }
        for (int i = 0; i < t->npts; i++) {
            if (t->pts[i].kind == p.kind && t->pts[i].addr == p.addr && t->pts[i].len == p.len) {
                return true;
            }
        }
        logf_(t, "@%" PRIu64 " %s 0x%" PRIx64 " len %" PRIu64 " kind %d", s,
              k == OP_BREAK_INS ? "break" : "watch", p.addr, p.len, p.kind);
        bool ok = p.kind ? hart_watchpoint_insert(h, p.addr, p.len, (WatchKind)p.kind)
                         : hart_breakpoint_insert(h, p.addr);
        if (!ok) {
            fail(t, "the hart refused a %s", p.kind ? "watchpoint" : "breakpoint");
            return false;
        }
        t->pts[t->npts++] = p;
        return true;
    }
    case OP_BREAK_DEL:
    case OP_WATCH_DEL: {
        int cand[MAX_POINTS], nc = 0;
        for (int i = 0; i < t->npts; i++) {
            if ((t->pts[i].kind == 0) == (k == OP_BREAK_DEL)) {
                cand[nc++] = i;
            }
        }
        if (!nc) {
            return true;
        }
        int i = cand[r % (uint64_t)nc];
        Point p = t->pts[i];
        logf_(t, "@%" PRIu64 " delete %s 0x%" PRIx64, s, p.kind ? "watch" : "break", p.addr);
        t->pts[i] = t->pts[--t->npts];
        bool still = false;
        for (int j = 0; j < t->npts; j++) {
            still |= t->pts[j].kind == 0 && p.kind == 0 && t->pts[j].addr == p.addr;
        }
        if (p.kind) {
            hart_watchpoint_remove(h, p.addr, p.len, (WatchKind)p.kind);
        } else if (!still) {
            hart_breakpoint_remove(h, p.addr);
        }
        return true;
    }
    case OP_KINDS:
        break;
    }
    return true;
}

static OpKind pick_op(Prop *t)
{
    unsigned total = 0;
    for (int k = 0; k < OP_KINDS; k++) {
        total += op_weights[k];
    }
    unsigned x = (unsigned)(rnd(t) % total);
    for (int k = 0; k < OP_KINDS; k++) {
        if (x < op_weights[k]) {
            return (OpKind)k;
        }
        x -= op_weights[k];
    }
    return OP_CONT;
}

static void report_console(Prop *t, const char *got, size_t len)
{
    const Plain *p = t->p;
    size_t i = 0;
    while (i < len && i < p->console_len && got[i] == p->console[i]) {
        i++;
    }
    if (i == len && len == p->console_len) {
        return;
    }
    size_t from = i > 60 ? i - 60 : 0;
    fail(t, "console differs at byte %zu (%zu bytes, plain replay %zu)", i, len, p->console_len);
    printf("  plain: ...%.*s...\n", (int)(p->console_len - from < 160 ? p->console_len - from : 160),
           p->console + from);
    printf("  got:   ...%.*s...\n", (int)(len - from < 160 ? len - from : 160), got + from);
}

static bool run_seed(const Cfg *c, const Plain *p, uint64_t seed, Counts *total)
{
    Prop t = { .c = c, .p = p, .seed = seed, .rng = seed * 0x9e3779b97f4a7c15ull | 1 };
    char name[64], store[700];
    snprintf(name, sizeof(name), "seed%" PRIu64, seed);
    snprintf(store, sizeof(store), "%s/%s.snap", c->dir, name);
    Error *err = NULL;
    if (!sess_open(&t.r, c, "replay", name, c->period, store, &err)) {
        die("seed %" PRIu64 ": %s", seed, error_get_message(err));
    }
    bool ok = true;
    if (c->start_late) {
        /* Start from the end of the recording (every state on the way
         * checked), so that going back crosses what happened late: a
         * guest's disk writes, say, which a snapshot must take back. */
        logf_(&t, "@0 seek %" PRIu64 " (start late)", p->end - 1);
        ok = seek(&t, p->end - 1);
    }
    for (uint64_t i = 0; i < c->nops && ok && !t.failed; i++) {
        OpKind k = pick_op(&t);
        ok = op_apply(&t, k);
        t.n.ops[k]++;
    }
    if (ok && !t.failed) {
        /* Detach (the points go) and continue to the end. */
        logf_(&t, "@%" PRIu64 " remove all points, continue to the end", now(&t));
        points_arm(&t, false);
        t.npts = 0;
        RunEnd e = run_fwd(&t, NO_STOP, false, NULL);
        if (e == RUN_SHUTDOWN) {
            if (!machine_replay_finish(t.r.mr, &err)) {
                fail_err(&t, "end of replay", err);
                err = NULL;
            }
            char a[33], b[33];
            Hash128 fin = machine_state_hash(t.r.m);
            if (now(&t) != p->end || !hash_eq(fin, p->final)) {
                fail(&t, "final state: step %" PRIu64 " %s, plain replay: step %" PRIu64 " %s",
                     now(&t), hex(fin, a), p->end, hex(p->final, b));
            }
        } else if (e == RUN_DONE) {
            fail(&t, "the replay did not end");
        }
    }
    Error *st = NULL;
    if (!machine_snap_status(t.r.s, &st)) {
        fail_err(&t, "periodic snapshots", st);
    }
    sess_close(&t.r);
    size_t len;
    char *got = slurp(t.r.serial + 5, &len);
    report_console(&t, got, len);
    free(got);
    if (t.failed) {
        printf("FAIL: seed %" PRIu64 ": %s\n", seed, t.why);
        if (t.grid_bad) {
            printf("  first differing grid step: %" PRIu64 "\n", t.grid_bad);
        }
        printf("  operations (re-run with --seed %" PRIu64 " --verbose):\n%s", seed,
               c->verbose ? "" : t.log);
    } else {
        printf("ok: seed %" PRIu64 ": %" PRIu64 " operations, %" PRIu64 " grid states checked\n",
               seed, c->nops, t.n.grid_checks);
    }
    for (int k = 0; k < OP_KINDS; k++) {
        total->ops[k] += t.n.ops[k];
    }
    total->break_hits += t.n.break_hits;
    total->watch_hits += t.n.watch_hits;
    total->rc_found += t.n.rc_found;
    total->rc_begin += t.n.rc_begin;
    total->grid_checks += t.n.grid_checks;
    total->loads_back += t.n.loads_back;
    total->loads_fwd += t.n.loads_fwd;
    free(t.log);
    unlink(store);
    return !t.failed;
}

/* ---- command line ---- */

static uint64_t num(const char *s)
{
    char *end;
    double d = strtod(s, &end);
    if (*end || d < 0) {
        fprintf(stderr, "snapprop: bad number '%s'\n", s);
        exit(2);
    }
    return (uint64_t)d;
}

static void parse_seeds(Cfg *c, const char *s)
{
    char buf[1024];
    snprintf(buf, sizeof(buf), "%s", s);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (c->nseeds == MAX_SEEDS) {
            fprintf(stderr, "snapprop: at most %d seeds\n", MAX_SEEDS);
            exit(2);
        }
        c->seeds[c->nseeds++] = strtoull(tok, NULL, 0);
    }
}

int main(int argc, char **argv)
{
    Cfg c = { .ram_mib = 128, .dir = ".", .grid = 50000, .checkpoint = 200000,
              .period = DEBUG_PERIOD, .key_gap = 100000, .nops = 40 };
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i];
        if (!strcmp(k, "--verbose")) {
            c.verbose = true;
            continue;
        }
        if (!strcmp(k, "--start-late")) {
            c.start_late = true;
            continue;
        }
        const char *v = i + 1 < argc ? argv[++i] : NULL;
        if (!v) {
            fprintf(stderr, "snapprop: %s needs a value\n", k);
            return 2;
        }
        if (!strcmp(k, "--bios")) c.bios = v;
        else if (!strcmp(k, "--kernel")) c.kernel = v;
        else if (!strcmp(k, "--initrd")) c.initrd = v;
        else if (!strcmp(k, "--append")) c.append = v;
        else if (!strcmp(k, "--drive")) c.drive = v;
        else if (!strcmp(k, "--dir")) c.dir = v;
        else if (!strcmp(k, "--ram")) c.ram_mib = num(v);
        else if (!strcmp(k, "--shift")) c.shift = (int)num(v);
        else if (!strcmp(k, "--smp")) c.smp = (int)num(v);
        else if (!strcmp(k, "--quantum")) c.quantum = num(v);
        else if (!strcmp(k, "--end")) c.end = num(v);
        else if (!strcmp(k, "--grid")) c.grid = num(v);
        else if (!strcmp(k, "--checkpoint")) c.checkpoint = num(v);
        else if (!strcmp(k, "--period")) c.period = num(v);
        else if (!strcmp(k, "--key-gap")) c.key_gap = num(v);
        else if (!strcmp(k, "--ops")) c.nops = num(v);
        else if (!strcmp(k, "--seeds") || !strcmp(k, "--seed")) parse_seeds(&c, v);
        else if (!strcmp(k, "--type")) {
            /* --type PATTERN TEXT: two values. */
            if (i + 1 >= argc || c.ntypes == MAX_TYPES) {
                fprintf(stderr, "snapprop: --type PATTERN TEXT (at most %d)\n", MAX_TYPES);
                return 2;
            }
            TypeStep *t = &c.types[c.ntypes++];
            t->pattern = v;
            unescape(argv[++i], t->text, sizeof(t->text));
        } else {
            fprintf(stderr, "snapprop: unknown option %s\n", k);
            return 2;
        }
    }
    if (!c.kernel || !c.nseeds || !c.grid || !c.period) {
        fprintf(stderr, "usage: snapprop --bios F --kernel F [--initrd F] [--append S] "
                        "[--type PATTERN TEXT]... [--end E] --dir D --seeds S1,S2,...\n");
        return 2;
    }
    /* A missing image is a failure, not a skip: the test has prerequisites. */
    const char *files[] = { c.bios && strcmp(c.bios, "none") ? c.bios : NULL, c.kernel, c.initrd,
                            c.drive };
    for (size_t i = 0; i < 4; i++) {
        if (files[i] && access(files[i], R_OK) != 0) {
            fprintf(stderr, "snapprop: %s not found\n", files[i]);
            return 1;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    Hash128 image_before = { 0, 0 };
    if (c.drive) {
        size_t n;
        char *img = slurp(c.drive, &n);
        image_before = hash128(img, n);
        free(img);
    }
    double t0 = (double)hostclock_ns(CLOCK_REALTIME) * 1e-9;
    uint64_t rec = record(&c);
    Plain p = { 0 };
    plain_replay(&c, &p);
    double t1 = (double)hostclock_ns(CLOCK_REALTIME) * 1e-9;
    printf("recorded and replayed %" PRIu64 " steps (%.1f s): %zu console bytes, %" PRIu64
           " grid states, %d code and %d data addresses to watch\n",
           rec, t1 - t0, p.console_len, p.ngrid, p.npcs, p.naddrs);
    if (p.end != rec) {
        printf("FAIL: the plain replay ended at %" PRIu64 ", the recording at %" PRIu64 "\n", p.end,
               rec);
        return 1;
    }
    if (p.end < 2) {
        printf("FAIL: the recording is too short\n");
        return 1;
    }
    Counts total = { 0 };
    int failed = 0;
    for (int i = 0; i < c.nseeds; i++) {
        failed += !run_seed(&c, &p, c.seeds[i], &total);
    }
    printf("operations over %d seeds (%.1f s):", c.nseeds,
           (double)hostclock_ns(CLOCK_REALTIME) * 1e-9 - t1);
    for (int k = 0; k < OP_KINDS; k++) {
        printf(" %s %" PRIu64 ",", op_names[k], total.ops[k]);
    }
    printf("\n  breakpoint hits %" PRIu64 ", watchpoint hits %" PRIu64 ", reverse-continue found %"
           PRIu64 " (to the beginning %" PRIu64 "), loadvm back %" PRIu64 " forward %" PRIu64
           ", grid states checked %" PRIu64 "\n", total.break_hits, total.watch_hits,
           total.rc_found, total.rc_begin, total.loads_back, total.loads_fwd, total.grid_checks);
    free(p.grid);
    free(p.console);
    if (c.drive) {
        size_t n;
        char *img = slurp(c.drive, &n);
        bool same = hash_eq(hash128(img, n), image_before);
        free(img);
        if (!same) {
            printf("FAIL: the disk image %s changed (record and replay must not write it)\n",
                   c.drive);
            return 1;
        }
        printf("the disk image is unchanged\n");
    }
    if (failed) {
        printf("FAIL: %d of %d seeds diverged from the plain replay\n", failed, c.nseeds);
        return 1;
    }
    printf("PASS: %d seeds\n", c.nseeds);
    return 0;
}
