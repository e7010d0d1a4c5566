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
    uint64_t mtime_offset;   /* ticks added by guest writes to mtime (mod 2^64) */
    uint8_t st_enabled;      /* menvcfg.STCE */
    ClintCmp mt, st;
} ClintState;

struct Clint {
    ClintState s;            /* first: the VMState description covers it */
    Loop *loop;
    IrqLine msip_irq, mtip_irq, stip_irq;
};

static uint64_t clint_ticks_at(uint64_t offset, int64_t ns)
{
    return (uint64_t)ns / CLINT_NS_PER_TICK + offset;
}

uint64_t clint_mtime(Clint *c)
{
    return clint_ticks_at(c->s.mtime_offset, loop_clock_ns(c->loop, CLOCK_VIRTUAL));
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
    uint64_t now = ticks + c->s.mtime_offset;
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
    clint_update_cmp(c, &c->s.mt, true, c->mtip_irq);
    clint_update_cmp(c, &c->s.st, c->s.st_enabled, c->stip_irq);
}

static void clint_mt_cb(void *opaque)
{
    Clint *c = opaque;
    clint_update_cmp(c, &c->s.mt, true, c->mtip_irq);
}

static void clint_st_cb(void *opaque)
{
    Clint *c = opaque;
    clint_update_cmp(c, &c->s.st, c->s.st_enabled, c->stip_irq);
}

void clint_set_stimecmp(Clint *c, uint64_t stimecmp, bool enabled)
{
    c->s.st.cmp = stimecmp;
    c->s.st_enabled = enabled;
    clint_update_cmp(c, &c->s.st, c->s.st_enabled, c->stip_irq);
}

static uint64_t clint_read(void *opaque, uint64_t offset, unsigned size)
{
    Clint *c = opaque;
    ClintState *s = &c->s;
    uint64_t v;
    uint64_t word = offset & ~7ull;

    if (offset == CLINT_MSIP_OFF && size == 4) {
        return s->msip;
    }
    if (word == CLINT_MTIMECMP_OFF) {
        v = s->mt.cmp;
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
    ClintState *s = &c->s;
    uint64_t word = offset & ~7ull;

    if (offset == CLINT_MSIP_OFF && size == 4) {
        s->msip = value & 1;
        irq_set(c->msip_irq, s->msip);
    } else if (word == CLINT_MTIMECMP_OFF) {
        s->mt.cmp = merge32(s->mt.cmp, offset, value, size);
        clint_update_cmp(c, &s->mt, true, c->mtip_irq);
    } else if (word == CLINT_MTIME_OFF) {
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
    Clint *c = opaque;
    const ClintState *s = &c->s;
    (void)version_id;
    if (s->msip > 1 || s->mt.level > 1 || s->st.level > 1 || s->st_enabled > 1) {
        error_setc(errp, ERR_SNAPSHOT, "clint: invalid interrupt levels");
        return false;
    }
    irq_set(c->msip_irq, s->msip);
    irq_set(c->mtip_irq, s->mt.level);
    irq_set(c->stip_irq, s->st.level);
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
    ClintState *s = &c->s;
    s->msip = 0;
    irq_set(c->msip_irq, false);
    /* mtimecmp resets to all ones in practice (no MTIP until firmware sets it). */
    s->mt.cmp = UINT64_MAX;
    s->mt.level = 0;
    s->mtime_offset = 0;
    irq_set(c->mtip_irq, false);
    timer_del(&s->mt.timer);
    /* stimecmp is the hart's: it tells us again after its own reset. */
    s->st_enabled = 0;
    s->st.level = 0;
    irq_set(c->stip_irq, false);
    timer_del(&s->st.timer);
}

Clint *clint_create(const Board *b, const char *name, uint64_t base, IrqLine msip,
                    IrqLine mtip, IrqLine stip, Error **errp)
{
    Clint *c = calloc(1, sizeof(*c));
    if (!c) {
        error_setg(errp, "out of memory creating %s", name);
        return NULL;
    }
    c->loop = b->loop;
    c->msip_irq = msip;
    c->mtip_irq = mtip;
    c->stip_irq = stip;
    timer_init(&c->s.mt.timer, b->loop, CLOCK_VIRTUAL, clint_mt_cb, c);
    timer_init(&c->s.st.timer, b->loop, CLOCK_VIRTUAL, clint_st_cb, c);
    if (!mem_map_mmio(b->as, name, base, VIRT_CLINT_SIZE, &clint_ops, c, errp)) {
        free(c);
        return NULL;
    }
    clint_reset(c);
    vmstate_register(b->vms, name, &clint_vmsd, &c->s);
    return c;
}

void clint_free(Clint *c)
{
    if (c) {
        timer_del(&c->s.mt.timer);
        timer_del(&c->s.st.timer);
        free(c);
    }
}
