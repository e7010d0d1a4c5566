/* Property tests for every VMState description a machine registers (the
 * machine clock state, the hart, each device): random field values are
 * written into the live state, saved, loaded back into the same object and
 * saved again. Either post_load refuses the state with a clear ERR_SNAPSHOT
 * error, or the two streams are byte-identical and a further save/load is
 * a fixed point. The walk over the fields is generic (nested structs and
 * arrays included); what is specific to one description lives in the hint
 * table below, with the reason for each entry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/hart.h"
#include "hw/machine.h"
#include "hw/plic.h"
#include "sim/loop/loop.h"
#include "snapshots/vmstate.h"

#ifndef GUEST_ELF
#define GUEST_ELF "isa_int.elf"
#endif

#define ROUNDS        256
/* Rounds come in fours: two follow every hint, one leaves a single hinted
 * value (chosen at random) unconstrained, one ignores all range hints; the
 * last two exercise post_load's checks. */
#define ROUND_KINDS   4
#define ROUND_STRAY   1
#define ROUND_RAW     3
#define MAX_DEPTH     8

/* ---- deterministic generator (xorshift64*, fixed seed) ---- */

typedef struct Rng {
    uint64_t s;
} Rng;

static uint64_t rng_next(Rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545f4914f6cdd1dull;
}

/* Mostly small values and boundaries, sometimes anything: uniform 64-bit
 * values alone would almost never hit 0, 1 or all-ones. */
static uint64_t rng_value(Rng *r)
{
    uint64_t v = rng_next(r);
    switch (rng_next(r) % 8) {
    case 0:
        return v & 0xff;
    case 1:
        return (rng_next(r) & 1) ? 0 : UINT64_MAX;
    case 2:
        return (uint64_t)1 << (v % 64);
    default:
        return v;
    }
}

/* ---- hints: the ranges post_load checks, or invariants of live state ---- */

typedef enum HintKind {
    HINT_FLAG,       /* 0 or 1 */
    HINT_MASK,       /* value & arg */
    HINT_NONNEG,     /* signed field kept >= 0 */
    HINT_ZERO0,      /* element 0 is zero */
    HINT_EVEN,       /* bit 0 clear */
    HINT_INDEX_OF,   /* < count of the array field `ref` of the same description */
    HINT_COUNT_OF,   /* <= count of the array field `ref` */
    HINT_PRIV,       /* a RISC-V privilege level the hart has: U, S or M */
    HINT_SATP,       /* satp.MODE one of Bare, Sv39, Sv48 */
    HINT_MSTATUS,    /* mstatus.MPP not the reserved value 2 */
    HINT_TDATA1,     /* a legal mcontrol or mcontrol6 (cpu/trig.c) */
    HINT_BELOW,      /* < arg */
} HintKind;

typedef struct Hint {
    const char *vmsd;
    const char *field;
    HintKind kind;
    uint64_t arg;
    const char *ref;
    /* Invariants hold in every round: the live state never breaks them, and
     * post_load re-establishes them instead of refusing, so a raw value
     * would make the streams differ by design (tested on its own below). */
    bool invariant;
} Hint;

static const Hint HINTS[] = {
    /* hart_post_load refuses anything else (the hart only has U, S and M,
     * no WFI/reservation values but 0/1, fcsr fields of their widths, the
     * satp modes it implements and a defined MPP). */
    { "hart", "priv", HINT_PRIV, 0, NULL, false },
    { "hart", "wfi", HINT_FLAG, 0, NULL, false },
    { "hart", "res_valid", HINT_FLAG, 0, NULL, false },
    { "hart", "frm", HINT_MASK, 7, NULL, false },
    { "hart", "fflags", HINT_MASK, 0x1f, NULL, false },
    { "hart", "satp", HINT_SATP, 0, NULL, false },
    { "hart", "mstatus", HINT_MSTATUS, 0, NULL, false },
    /* Only the fields of enabled extensions (the board enables none). */
    { "hart", "menvcfg", HINT_MASK, 1, NULL, false },
    { "hart", "senvcfg", HINT_MASK, 1, NULL, false },
    /* CY, IR and the board hart's 16 programmable counters. */
    { "hart", "mcountinhibit", HINT_MASK, 5 | (0xffffull << 3), NULL, false },
    { "hart", "mstateen", HINT_MASK, 0, NULL, false },        /* no Smstateen */
    { "hart", "sstateen", HINT_MASK, 0, NULL, false },
    /* Sdtrig: two triggers, each tdata1 a value a CSR write can leave. */
    { "hart", "tselect", HINT_INDEX_OF, 0, "tdata1", false },
    { "hart", "tdata1", HINT_TDATA1, 0, NULL, false },
    /* x0 is hardwired to zero and pc is at least 2-aligned (C extension):
     * hart_post_load normalises both. */
    { "hart", "x", HINT_ZERO0, 0, NULL, true },
    { "hart", "pc", HINT_EVEN, 0, NULL, true },
    /* Whether -rtc's host base was read yet: post_load refuses other values. */
    { "machine", "rtc_offset_set", HINT_FLAG, 0, NULL, false },
    /* Interrupt lines are levels. */
    { "clint", "msip", HINT_FLAG, 0, NULL, false },
    { "clint", "st_enabled", HINT_FLAG, 0, NULL, false },
    { "clint-cmp", "level", HINT_FLAG, 0, NULL, false },
    { "plic", "priority", HINT_MASK, PLIC_PRIO_MASK, NULL, false },
    { "plic", "threshold", HINT_MASK, PLIC_PRIO_MASK, NULL, false },
    { "plic", "out_level", HINT_FLAG, 0, NULL, false },
    { "plic-contexts", "threshold", HINT_MASK, PLIC_PRIO_MASK, NULL, false },
    { "plic-contexts", "out_level", HINT_FLAG, 0, NULL, false },
    /* The schedule: one of machine_open()'s two harts, a grace in range. */
    { "smp", "cur", HINT_BELOW, 2, NULL, false },
    { "smp", "grace", HINT_BELOW, MACHINE_LR_GRACE + 1, NULL, false },
    /* The receive FIFO is a ring over rx_fifo: uniform u8 values would pass
     * only 16/256 * 17/256 of the time. */
    { "uart16550", "rx_head", HINT_INDEX_OF, 0, "rx_fifo", false },
    { "uart16550", "rx_count", HINT_COUNT_OF, 0, "rx_fifo", false },
    { "goldfish_rtc", "irq_enabled", HINT_FLAG, 0, NULL, false },
    { "goldfish_rtc", "irq_pending", HINT_FLAG, 0, NULL, false },
    { "goldfish_rtc", "alarm_running", HINT_FLAG, 0, NULL, false },
    /* A virtual clock bias is never negative. */
    { "machine", "icount_bias", HINT_NONNEG, 0, NULL, false },
    /* virtio_mmio's post_load: one-bit selectors, a page shift below 32,
     * QueueSel below 1024, negotiated features among those offered (by
     * the legacy virtio-blk of machine_open()), queues of at most 1024. */
    { "virtio-mmio", "host_features_sel", HINT_FLAG, 0, NULL, false },
    { "virtio-mmio", "guest_features_sel", HINT_FLAG, 0, NULL, false },
    { "virtio-mmio", "guest_page_shift", HINT_MASK, 31, NULL, false },
    { "virtio-mmio", "queue_sel", HINT_MASK, 1023, NULL, false },
    { "virtio-mmio", "guest_features", HINT_MASK, 0x10031006ed4ull, NULL, false },
    { "virtqueue", "num", HINT_MASK, 1023, NULL, false },
};

static const Hint *hint_find(const VMStateDescription *d, const VMStateField *f)
{
    for (size_t i = 0; i < sizeof(HINTS) / sizeof(HINTS[0]); i++) {
        if (!strcmp(HINTS[i].vmsd, d->name) && !strcmp(HINTS[i].field, f->name)) {
            return &HINTS[i];
        }
    }
    return NULL;
}

static uint32_t field_count(const VMStateDescription *d, const char *name)
{
    for (const VMStateField *f = d->fields; f && f->type != VMS_END; f++) {
        if (!strcmp(f->name, name)) {
            return f->count;
        }
    }
    fail_msg("hint refers to field %s.%s, which the description lacks", d->name, name);
    return 0;
}

static uint64_t hint_apply(const Hint *h, const VMStateDescription *d, uint32_t elem,
                           uint64_t v, Rng *r)
{
    static const uint64_t PRIVS[] = { 0, 1, 3 };  /* U, S, M (privileged spec 1.2) */
    static const uint64_t SATP_MODES[] = { 0, 8, 9 };
    switch (h->kind) {
    case HINT_FLAG:
        return v & 1;
    case HINT_MASK:
        return v & h->arg;
    case HINT_NONNEG:
        return v & (UINT64_MAX >> 1);
    case HINT_ZERO0:
        return elem == 0 ? 0 : v;
    case HINT_EVEN:
        return v & ~1ull;
    case HINT_INDEX_OF:
        return v % field_count(d, h->ref);
    case HINT_COUNT_OF:
        return v % (field_count(d, h->ref) + 1ull);
    case HINT_PRIV:
        return PRIVS[rng_next(r) % 3];
    case HINT_SATP:
        return (v & ((1ull << 60) - 1)) | (SATP_MODES[rng_next(r) % 3] << 60);
    case HINT_MSTATUS:
        return ((v >> 11) & 3) == 2 ? v | (3ull << 11) : v;
    case HINT_BELOW:
        return v % h->arg;
    case HINT_TDATA1: {
        /* Mode, execute, store and load bits (and vs, vu in type 6), and a
         * size of any, 8, 16, 32 or 64 bits; nothing else. */
        static const uint64_t SIZES[] = { 0, 1, 2, 3, 5 };
        uint64_t size = SIZES[rng_next(r) % 5];
        if (rng_next(r) & 1) {
            return (2ull << 60) | (v & 0x5f) | ((size & 3) << 16) | ((size >> 2) << 21);
        }
        return (6ull << 60) | (v & (0x5f | (3ull << 23))) | (size << 16);
    }
    }
    return v;
}

/* ---- generic random fill ---- */

typedef struct Fill {
    Rng *rng;
    bool raw;          /* ignore range hints this round */
    long stray_at;     /* index among range-hinted values left raw, or -1 */
    long hinted;       /* range-hinted values seen so far */
    unsigned strayed;  /* hinted values left unconstrained */
    unsigned timers;   /* timers re-armed or disarmed */
} Fill;

static void put_scalar(VMStateType t, void *p, uint64_t v)
{
    switch (t) {
    case VMS_U8:
        *(uint8_t *)p = (uint8_t)v;
        break;
    case VMS_U16:
        *(uint16_t *)p = (uint16_t)v;
        break;
    case VMS_U32:
        *(uint32_t *)p = (uint32_t)v;
        break;
    case VMS_I32:
        *(int32_t *)p = (int32_t)(uint32_t)v;
        break;
    case VMS_U64:
        *(uint64_t *)p = v;
        break;
    case VMS_I64:
        *(int64_t *)p = (int64_t)v;
        break;
    default:
        fail_msg("put_scalar: type %d", (int)t);
    }
}

static size_t scalar_size(VMStateType t)
{
    switch (t) {
    case VMS_U8:
        return 1;
    case VMS_U16:
        return 2;
    case VMS_U32:
    case VMS_I32:
        return 4;
    case VMS_U64:
    case VMS_I64:
        return 8;
    default:
        return 0;
    }
}

/* Range-hinted scalar values in one instance (for choosing the stray one). */
static long count_hinted(const VMStateDescription *d)
{
    long n = 0;
    for (const VMStateField *f = d->fields; f && f->type != VMS_END; f++) {
        const Hint *h = hint_find(d, f);
        if (f->type == VMS_STRUCT) {
            n += (long)f->count * count_hinted(f->vmsd);
        } else if (h && !h->invariant) {
            n += f->count;
        }
    }
    return n;
}

static void fill_random(Fill *fl, const VMStateDescription *d, void *opaque, int depth)
{
    assert_true(depth < MAX_DEPTH);
    for (const VMStateField *f = d->fields; f && f->type != VMS_END; f++) {
        uint8_t *base = (uint8_t *)opaque + f->offset;
        const Hint *h = hint_find(d, f);
        switch (f->type) {
        case VMS_BOOL:
            /* A C bool holding anything but 0/1 is undefined behaviour, so
             * out-of-range bools can only be tested at the stream level. */
            for (uint32_t i = 0; i < f->count; i++) {
                ((bool *)base)[i] = rng_next(fl->rng) & 1;
            }
            break;
        case VMS_BUFFER:
            for (uint32_t i = 0; i < f->count; i++) {
                base[i] = (uint8_t)rng_next(fl->rng);
            }
            break;
        case VMS_STRUCT:
            /* The first save skips the top level's pre_save (see
             * round_trip()); a nested one would overwrite random values
             * unseen, so a description that gains one needs this test
             * extended rather than silently weakened. */
            if (f->vmsd->pre_save) {
                fail_msg("%s.%s: nested description %s has a pre_save", d->name, f->name,
                         f->vmsd->name);
            }
            for (uint32_t i = 0; i < f->count; i++) {
                fill_random(fl, f->vmsd, base + (size_t)i * f->elem_size, depth + 1);
            }
            break;
        case VMS_TIMER: {
            /* The Timer struct itself holds list links and the loop pointer:
             * it is armed or disarmed through its API, as a load would. */
            TimerState ts = { .armed = (uint8_t)(rng_next(fl->rng) & 1),
                              .expire = (int64_t)rng_value(fl->rng),
                              .seq = rng_value(fl->rng) };
            timer_restore((Timer *)base, &ts);
            fl->timers++;
            break;
        }
        default: {
            size_t w = scalar_size(f->type);
            assert_true(w > 0);
            for (uint32_t i = 0; i < f->count; i++) {
                uint64_t v = rng_value(fl->rng);
                if (h && !h->invariant && (fl->raw || fl->hinted++ == fl->stray_at)) {
                    fl->strayed++;
                } else if (h) {
                    v = hint_apply(h, d, i, v, fl->rng);
                }
                put_scalar(f->type, base + i * w, v);
            }
            break;
        }
        }
    }
}

/* ---- the property ---- */

typedef struct Tally {
    unsigned accepted, refused, timers;
} Tally;

/* Save without the top-level pre_save: pre_save syncs the struct from its
 * live source (e.g. the machine clock state from icount and the loop), which
 * would replace the random values before they are ever saved. Saved this
 * way they reach post_load, which pushes them into the live source, and the
 * next ordinary save reads them back: S1 == S0 then also shows that pre_save
 * and post_load are inverses. */
static void save_raw(const VMStateDescription *d, void *opaque, VMBuf *out)
{
    VMStateDescription nopre = *d;
    nopre.pre_save = NULL;
    vmbuf_init(out);
    vmstate_save(&nopre, opaque, out);
}

static void save(const VMStateDescription *d, void *opaque, VMBuf *out)
{
    vmbuf_init(out);
    vmstate_save(d, opaque, out);
}

static void assert_same(const VMBuf *a, const VMBuf *b, const char *inst, unsigned round,
                        const char *what)
{
    if (a->len != b->len || memcmp(a->data, b->data, a->len) != 0) {
        size_t at = 0;
        while (at < a->len && at < b->len && a->data[at] == b->data[at]) {
            at++;
        }
        fail_msg("%s round %u: %s: streams differ (%zu vs %zu bytes, first at %zu)", inst,
                 round, what, a->len, b->len, at);
    }
}

static void round_trip(const VMStateEntry *e, unsigned round, Rng *rng, Tally *t)
{
    Fill fl = { .rng = rng, .raw = round % ROUND_KINDS == ROUND_RAW, .stray_at = -1 };
    long hinted = count_hinted(e->vmsd);
    if (round % ROUND_KINDS == ROUND_STRAY && hinted > 0) {
        fl.stray_at = (long)(rng_next(rng) % (uint64_t)hinted);
    }
    fill_random(&fl, e->vmsd, e->opaque, 0);
    t->timers += fl.timers;

    VMBuf s0, s1, s2;
    save_raw(e->vmsd, e->opaque, &s0);
    Error *err = NULL;
    size_t used = 0;
    if (!vmstate_load(e->vmsd, e->opaque, s0.data, s0.len, &used, &err)) {
        /* The stream is well formed (it was just saved), so only post_load
         * may refuse it, and only for a value outside a hinted range. */
        assert_non_null(err);
        const char *msg = error_get_message(err);
        if (error_get_class(err) != ERR_SNAPSHOT || !strstr(msg, "rejected") ||
            !strstr(msg, e->vmsd->name)) {
            fail_msg("%s round %u: unexpected load error: %s", e->instance, round, msg);
        }
        if (fl.strayed == 0) {
            fail_msg("%s round %u: in-range state refused: %s", e->instance, round, msg);
        }
        error_free(err);
        t->refused++;
        vmbuf_free(&s0);
        return;
    }
    assert_int_equal(used, s0.len);
    save(e->vmsd, e->opaque, &s1);
    assert_same(&s0, &s1, e->instance, round, "save -> load -> save");

    /* Idempotent: the re-saved state loads again to the same bytes. */
    used = 0;
    if (!vmstate_load(e->vmsd, e->opaque, s1.data, s1.len, &used, &err)) {
        fail_msg("%s round %u: accepted state refused on reload: %s", e->instance, round,
                 error_get_message(err));
    }
    assert_int_equal(used, s1.len);
    save(e->vmsd, e->opaque, &s2);
    assert_same(&s1, &s2, e->instance, round, "second load");
    t->accepted++;
    vmbuf_free(&s0);
    vmbuf_free(&s1);
    vmbuf_free(&s2);
}

/* A disk, so that the virtio-mmio transport and virtio-blk descriptions are
 * registered too (an empty slot has no state). */
static char disk_path[256];

static Machine *machine_open(void)
{
    MachineOptions o;
    machine_options_init(&o);
    o.bios = "none";
    o.kernel = GUEST_ELF;
    o.drives[0] = (MachineDrive){ .spec = "test disk", .id = "hd0", .file = disk_path,
                                  .snapshot = true, .if_virtio = true };
    o.ndrives = 1;
    o.serial = "null";
    o.no_signals = true;
    /* Two harts: the second hart's, CLINT's and PLIC contexts' instances
     * and the schedule's are registered too. */
    o.smp = 2;
    Error *err = NULL;
    Machine *m = machine_new(&o, &err);
    if (!m) {
        fail_msg("machine_new: %s", error_get_message(err));
    }
    return m;
}

static void run_to_end(Machine *m)
{
    MachineStop why;
    Error *err = NULL;
    if (!machine_run(m, &why, &err)) {
        fail_msg("machine_run: %s", error_get_message(err));
    }
    assert_int_equal(why, MACHINE_STOP_SHUTDOWN);
}

static int setup(void **state)
{
    (void)state;
    if (access(GUEST_ELF, R_OK) != 0) {
        /* A test that cannot run has failed, never passed. */
        fail_msg("no %s (guest programs not built)", GUEST_ELF);
    }
    const char *dir = getenv("TMPDIR");
    snprintf(disk_path, sizeof(disk_path), "%s/rrsim-vmstate-all-%d.img", dir ? dir : "/tmp",
             (int)getpid());
    FILE *f = fopen(disk_path, "wb");
    assert_non_null(f);
    static const uint8_t sector[512] = { 1, 2, 3 };
    for (int i = 0; i < 64; i++) {
        assert_int_equal(fwrite(sector, 1, sizeof(sector), f), sizeof(sector));
    }
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(disk_path);
    return 0;
}

/* Every registered description, ROUNDS random states each. At the end the
 * machine's original state is loaded back, and it must then run exactly as a
 * machine that never went through the random states. */
static void test_every_description_round_trips(void **state)
{
    (void)state;
    Machine *m = machine_open();
    VMBuf orig;
    vmbuf_init(&orig);
    vmstate_save_all(&m->vms, &orig);
    Hash128 orig_digest = vmstate_digest(&m->vms);
    assert_true(m->vms.n >= 5);  /* machine, hart, clint, plic, uart, rtc... */

    Rng rng = { .s = 0x9e3779b97f4a7c15ull };
    for (size_t i = 0; i < m->vms.n; i++) {
        const VMStateEntry *e = &m->vms.entries[i];
        Tally t = { 0 };
        for (unsigned round = 0; round < ROUNDS; round++) {
            round_trip(e, round, &rng, &t);
        }
        print_message("%-10s (%s): %u accepted, %u refused by post_load, %u timer states\n",
                      e->instance, e->vmsd->name, t.accepted, t.refused, t.timers);
        /* At least the hinted rounds must pass; a description with range
         * hints must also refuse some raw ones, or its checks are gone. */
        assert_true(t.accepted >= ROUNDS / 2);
        bool ranged = false;
        for (size_t h = 0; h < sizeof(HINTS) / sizeof(HINTS[0]); h++) {
            ranged |= !strcmp(HINTS[h].vmsd, e->vmsd->name) && !HINTS[h].invariant;
        }
        if (ranged) {
            assert_true(t.refused > 0);
        }
    }

    Error *err = NULL;
    if (!vmstate_load_all(&m->vms, orig.data, orig.len, &err)) {
        fail_msg("restoring the original state: %s", error_get_message(err));
    }
    Hash128 back = vmstate_digest(&m->vms);
    assert_memory_equal(&back, &orig_digest, sizeof(back));
    vmbuf_free(&orig);

    Machine *fresh = machine_open();
    run_to_end(m);
    run_to_end(fresh);
    assert_int_equal(m->exit_code, 0);
    assert_int_equal(m->exit_code, fresh->exit_code);
    assert_int_equal(machine_icount(m), machine_icount(fresh));
    Hash128 a = machine_state_hash(m), b = machine_state_hash(fresh);
    assert_memory_equal(&a, &b, sizeof(a));
    machine_free(fresh);
    machine_free(m);
}

/* The two invariants hart_post_load restores rather than refuses: x0 reads
 * zero and pc is 2-aligned. A state breaking them loads, comes back
 * normalised, and the normalised state is then a fixed point. */
static void test_hart_normalises_x0_and_pc(void **state)
{
    (void)state;
    Machine *m = machine_open();
    const VMStateEntry *e = NULL;
    for (size_t i = 0; i < m->vms.n; i++) {
        if (m->vms.entries[i].vmsd == &hart_vmsd) {
            e = &m->vms.entries[i];
        }
    }
    assert_non_null(e);
    uint64_t pc0 = 0, x1 = 0;
    assert_true(hart_read_reg(m->hart, 32, &pc0));
    uint64_t *x = (uint64_t *)((uint8_t *)e->opaque + e->vmsd->fields[0].offset);
    assert_string_equal(e->vmsd->fields[0].name, "x");
    x[0] = 0x1234;
    x[1] = x1 = 0xfeedface;
    for (const VMStateField *f = e->vmsd->fields; f->type != VMS_END; f++) {
        if (!strcmp(f->name, "pc")) {
            *(uint64_t *)((uint8_t *)e->opaque + f->offset) = pc0 | 1;
        }
    }
    VMBuf s0, s1, s2;
    save(e->vmsd, e->opaque, &s0);
    Error *err = NULL;
    assert_true(vmstate_load(e->vmsd, e->opaque, s0.data, s0.len, NULL, &err));
    uint64_t v;
    assert_true(hart_read_reg(m->hart, 32, &v));
    assert_int_equal(v, pc0 & ~1ull);
    assert_int_equal(x[0], 0);
    assert_int_equal(x[1], x1);
    save(e->vmsd, e->opaque, &s1);
    assert_int_equal(s1.len, s0.len);
    assert_memory_not_equal(s1.data, s0.data, s0.len);
    assert_true(vmstate_load(e->vmsd, e->opaque, s1.data, s1.len, NULL, &err));
    save(e->vmsd, e->opaque, &s2);
    assert_same(&s1, &s2, "hart0", 0, "normalised state");
    vmbuf_free(&s0);
    vmbuf_free(&s1);
    vmbuf_free(&s2);
    machine_free(m);
}

/* The walker's paths the machine's descriptions do not use today (bools,
 * buffers, signed and 16-bit fields, nested struct arrays, a timer in a
 * nested struct), on a local description, so a device that starts using
 * them is covered by the same code. */
typedef struct Inner {
    uint16_t a;
    bool b[3];
    int32_t c;
    Timer t;
} Inner;

typedef struct Outer {
    uint8_t buf[13];
    int64_t i;
    Inner in[2];
    bool flag;
} Outer;

static const VMStateField inner_fields[] = {
    VMSTATE_UINT16(a, Inner),
    VMSTATE_BOOL_ARRAY(b, Inner, 3),
    VMSTATE_INT32(c, Inner),
    VMSTATE_TIMER(t, Inner),
    VMSTATE_END_OF_LIST()
};

static const VMStateDescription inner_vmsd = {
    .name = "inner", .version_id = 1, .minimum_version_id = 1, .fields = inner_fields,
};

static const VMStateField outer_fields[] = {
    VMSTATE_BUFFER(buf, Outer),
    VMSTATE_INT64(i, Outer),
    VMSTATE_STRUCT_ARRAY(in, Outer, 2, inner_vmsd, Inner),
    VMSTATE_BOOL(flag, Outer),
    VMSTATE_END_OF_LIST()
};

static const VMStateDescription outer_vmsd = {
    .name = "outer", .version_id = 1, .minimum_version_id = 1, .fields = outer_fields,
};

static void timer_cb_unused(void *opaque)
{
    (void)opaque;
    fail_msg("no timer may fire: the loop is never run here");
}

static void test_walker_covers_all_field_types(void **state)
{
    (void)state;
    Machine *m = machine_open();
    Outer *o = calloc(1, sizeof(*o));
    assert_non_null(o);
    for (int i = 0; i < 2; i++) {
        timer_init(&o->in[i].t, m->loop, CLOCK_VIRTUAL, timer_cb_unused, o);
    }
    VMStateEntry e = { .instance = "outer0", .vmsd = &outer_vmsd, .opaque = o };
    Rng rng = { .s = 42 };
    Tally t = { 0 };
    unsigned armed = 0;
    for (unsigned round = 0; round < ROUNDS; round++) {
        round_trip(&e, round, &rng, &t);
        armed += o->in[0].t.armed;
    }
    assert_int_equal(t.accepted, ROUNDS);
    assert_int_equal(t.timers, 2 * ROUNDS);
    /* Both arming states were produced. */
    assert_true(armed > 0 && armed < ROUNDS);
    for (int i = 0; i < 2; i++) {
        timer_del(&o->in[i].t);
    }
    free(o);
    machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_description_round_trips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hart_normalises_x0_and_pc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_walker_covers_all_field_types, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
