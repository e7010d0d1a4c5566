/* clint: see clint.h. Register layout: RISC-V ACLINT spec 1.0, sections 3 and 4. */
#include "hw/clint.h"

#include <stdlib.h>

/* One compare register and its timer: mtimecmp (MTIP), or the hart's Sstc
 * stimecmp (STIP), which counts on the same mtime. */
typedef struct ClintCmp {
    uint64_t cmp;
    uint8_t level;
    Timer timer;
} ClintCmp;

typedef struct ClintState {
    uint32_t msip;
    uint64_t mtime_offset;   /* ticks added by guest writes to mtime (mod 2^64);
                              * hart 0's copy is the one that counts */
    uint8_t st_enabled;      /* menvcfg.STCE */
    ClintCmp mt, st;
} ClintState;

/* One hart's registers and lines. */
typedef struct ClintHart {
    ClintState s;            /* first: the VMState description covers it */
    Clint *c;
    IrqLine msip_irq, mtip_irq, stip_irq;
} ClintHart;

struct Clint {
    ClintHart h[CLINT_MAX_HARTS];
    int nharts;
    Loop *loop;
};

static uint64_t clint_ticks_at(uint64_t offset, int64_t ns)
{
    return (uint64_t)ns / CLINT_NS_PER_TICK + offset;
}

uint64_t clint_mtime(Clint *c)
{
    return clint_ticks_at(c->h[0].s.mtime_offset, loop_clock_ns(c->loop, CLOCK_VIRTUAL));
}

/* Re-evaluate a compare's line and arm its timer for the first ns at which
 * mtime >= cmp. mtime is a 64-bit counter that wraps (a guest may write it
 * near 2^64): from now, it reaches cmp after cmp - mtime more ticks, so the
 * deadline is the first ns of tick floor(now_ns / 100) + (cmp - mtime),
 * always in the future. One too far to express in ns never fires. */
static void clint_update_cmp(Clint *c, ClintCmp *k, bool enabled, IrqLine irq)
{
    int64_t ns = loop_clock_ns(c->loop, CLOCK_VIRTUAL);
    uint64_t ticks = (uint64_t)ns / CLINT_NS_PER_TICK;
    uint64_t now = ticks + c->h[0].s.mtime_offset;
    uint8_t level = enabled && now >= k->cmp;

    if (level != k->level) {
        k->level = level;
        irq_set(irq, level);
    }
    if (level || !enabled) {
        timer_del(&k->timer);
        return;
    }
    uint64_t wait = k->cmp - now;   /* > 0 */
    if (wait > (uint64_t)INT64_MAX / CLINT_NS_PER_TICK - ticks) {
        timer_del(&k->timer);
        return;
    }
    timer_mod(&k->timer, (int64_t)((ticks + wait) * CLINT_NS_PER_TICK));
}

static void clint_update_timers(Clint *c)
{
    for (int i = 0; i < c->nharts; i++) {
        ClintHart *h = &c->h[i];
        clint_update_cmp(c, &h->s.mt, true, h->mtip_irq);
        clint_update_cmp(c, &h->s.st, h->s.st_enabled, h->stip_irq);
    }
}

static void clint_mt_cb(void *opaque)
{
    ClintHart *h = opaque;
    clint_update_cmp(h->c, &h->s.mt, true, h->mtip_irq);
}

static void clint_st_cb(void *opaque)
{
    ClintHart *h = opaque;
    clint_update_cmp(h->c, &h->s.st, h->s.st_enabled, h->stip_irq);
}

void clint_set_stimecmp(Clint *c, int hart, uint64_t stimecmp, bool enabled)
{
    ClintHart *h = &c->h[hart];
    h->s.st.cmp = stimecmp;
    h->s.st_enabled = enabled;
    clint_update_cmp(c, &h->s.st, h->s.st_enabled, h->stip_irq);
}

static uint64_t clint_read(void *opaque, uint64_t offset, unsigned size)
{
    Clint *c = opaque;
    uint64_t v;
    uint64_t word = offset & ~7ull;

    if (offset < CLINT_MTIMECMP_OFF) {
        uint64_t hart = (offset - CLINT_MSIP_OFF) / 4;
        if (size == 4 && !(offset & 3) && hart < (uint64_t)c->nharts) {
            return c->h[hart].s.msip;
        }
        return 0;
    }
    if (word >= CLINT_MTIMECMP_OFF && word < CLINT_MTIMECMP_OFF + 8ull * (uint64_t)c->nharts) {
        v = c->h[(word - CLINT_MTIMECMP_OFF) / 8].s.mt.cmp;
    } else if (word == CLINT_MTIME_OFF) {
        v = clint_mtime(c);
    } else {
        return 0;  /* reserved: reads as zero, as QEMU */
    }
    if (size == 4) {
        return (offset & 4) ? v >> 32 : (uint32_t)v;
    }
    return v;
}

static uint64_t merge32(uint64_t old, uint64_t offset, uint64_t value, unsigned size)
{
    if (size == 8) {
        return value;
    }
    if (offset & 4) {
        return (old & 0xffffffffull) | (value << 32);
    }
    return (old & ~0xffffffffull) | (uint32_t)value;
}

static void clint_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Clint *c = opaque;
    uint64_t word = offset & ~7ull;

    if (offset < CLINT_MTIMECMP_OFF) {
        uint64_t hart = (offset - CLINT_MSIP_OFF) / 4;
        if (size == 4 && !(offset & 3) && hart < (uint64_t)c->nharts) {
            ClintHart *h = &c->h[hart];
            h->s.msip = value & 1;
            irq_set(h->msip_irq, h->s.msip);
        }
    } else if (word >= CLINT_MTIMECMP_OFF &&
               word < CLINT_MTIMECMP_OFF + 8ull * (uint64_t)c->nharts) {
        ClintHart *h = &c->h[(word - CLINT_MTIMECMP_OFF) / 8];
        h->s.mt.cmp = merge32(h->s.mt.cmp, offset, value, size);
        clint_update_cmp(c, &h->s.mt, true, h->mtip_irq);
    } else if (word == CLINT_MTIME_OFF) {
        ClintState *s = &c->h[0].s;
        int64_t ns = loop_clock_ns(c->loop, CLOCK_VIRTUAL);
        uint64_t now = clint_ticks_at(s->mtime_offset, ns);
        uint64_t want = merge32(now, offset, value, size);
        s->mtime_offset = want - (uint64_t)ns / CLINT_NS_PER_TICK;
        clint_update_timers(c);
    }
}

static const MmioOps clint_ops = {
    .read = clint_read,
    .write = clint_write,
    .valid = { 4, 8 },
    .impl = { 4, 8 },
};

static bool clint_post_load(void *opaque, int version_id, Error **errp)
{
    ClintHart *h = opaque;
    const ClintState *s = &h->s;
    (void)version_id;
    if (s->msip > 1 || s->mt.level > 1 || s->st.level > 1 || s->st_enabled > 1) {
        error_setc(errp, ERR_SNAPSHOT, "clint: invalid interrupt levels");
        return false;
    }
    irq_set(h->msip_irq, s->msip);
    irq_set(h->mtip_irq, s->mt.level);
    irq_set(h->stip_irq, s->st.level);
    return true;
}

static const VMStateField clint_cmp_fields[] = {
    VMSTATE_UINT64(cmp, ClintCmp),
    VMSTATE_UINT8(level, ClintCmp),
    VMSTATE_TIMER(timer, ClintCmp),
    VMSTATE_END_OF_LIST()
};

static const VMStateDescription clint_cmp_vmsd = {
    .name = "clint-cmp",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = clint_cmp_fields,
};

static const VMStateField clint_fields[] = {
    VMSTATE_UINT32(msip, ClintState),
    VMSTATE_UINT64(mtime_offset, ClintState),
    VMSTATE_UINT8(st_enabled, ClintState),
    VMSTATE_STRUCT(mt, ClintState, clint_cmp_vmsd, ClintCmp),
    VMSTATE_STRUCT(st, ClintState, clint_cmp_vmsd, ClintCmp),
    VMSTATE_END_OF_LIST()
};

/* Version 2: the Sstc compare beside mtimecmp. */
static const VMStateDescription clint_vmsd = {
    .name = "clint",
    .version_id = 2,
    .minimum_version_id = 2,
    .post_load = clint_post_load,
    .fields = clint_fields,
};

void clint_reset(Clint *c)
{
    for (int i = 0; i < c->nharts; i++) {
        ClintHart *h = &c->h[i];
        ClintState *s = &h->s;
        s->msip = 0;
        irq_set(h->msip_irq, false);
        /* mtimecmp resets to all ones in practice (no MTIP until firmware sets it). */
        s->mt.cmp = UINT64_MAX;
        s->mt.level = 0;
        s->mtime_offset = 0;
        irq_set(h->mtip_irq, false);
        timer_del(&s->mt.timer);
        /* stimecmp is the hart's: it tells us again after its own reset. */
        s->st_enabled = 0;
        s->st.level = 0;
        irq_set(h->stip_irq, false);
        timer_del(&s->st.timer);
    }
}

/* VMState instance names of harts 1..: string constants (kept by reference). */
static const char *const clint_hart_names[CLINT_MAX_HARTS] = {
    NULL, "clint-hart1", "clint-hart2", "clint-hart3",
    "clint-hart4", "clint-hart5", "clint-hart6", "clint-hart7",
};

Clint *clint_create(const Board *b, const char *name, uint64_t base, int nharts,
                    const IrqLine *msip, const IrqLine *mtip, const IrqLine *stip,
                    Error **errp)
{
    if (nharts < 1 || nharts > CLINT_MAX_HARTS) {
        error_setg(errp, "%s: %d harts (1..%d)", name, nharts, CLINT_MAX_HARTS);
        return NULL;
    }
    Clint *c = calloc(1, sizeof(*c));
    if (!c) {
        error_setg(errp, "out of memory creating %s", name);
        return NULL;
    }
    c->loop = b->loop;
    c->nharts = nharts;
    for (int i = 0; i < nharts; i++) {
        ClintHart *h = &c->h[i];
        h->c = c;
        h->msip_irq = msip[i];
        h->mtip_irq = mtip[i];
        h->stip_irq = stip[i];
        timer_init(&h->s.mt.timer, b->loop, CLOCK_VIRTUAL, clint_mt_cb, h);
        timer_init(&h->s.st.timer, b->loop, CLOCK_VIRTUAL, clint_st_cb, h);
    }
    if (!mem_map_mmio(b->as, name, base, VIRT_CLINT_SIZE, &clint_ops, c, errp)) {
        free(c);
        return NULL;
    }
    clint_reset(c);
    /* Hart 0's registers keep the one-hart layout and name; the others
     * follow as instances of the same description (their mtime_offset is
     * unused and stays 0). */
    for (int i = 0; i < nharts; i++) {
        vmstate_register(b->vms, i ? clint_hart_names[i] : name, &clint_vmsd, &c->h[i].s);
    }
    return c;
}

void clint_free(Clint *c)
{
    if (c) {
        for (int i = 0; i < c->nharts; i++) {
            timer_del(&c->h[i].s.mt.timer);
            timer_del(&c->h[i].s.st.timer);
        }
        free(c);
    }
}
