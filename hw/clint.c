/* clint: see clint.h. Register layout: RISC-V ACLINT spec 1.0, sections 3 and 4. */
#include "hw/clint.h"

#include <stdlib.h>

typedef struct ClintState {
    uint32_t msip;
    uint64_t mtimecmp;
    uint64_t mtime_offset;   /* ticks added by guest writes to mtime (mod 2^64) */
    uint8_t mtip_level;
    Timer timer;
} ClintState;

struct Clint {
    ClintState s;            /* first: the VMState description covers it */
    Loop *loop;
    IrqLine msip_irq, mtip_irq;
};

static uint64_t clint_ticks_at(uint64_t offset, int64_t ns)
{
    return (uint64_t)ns / CLINT_NS_PER_TICK + offset;
}

uint64_t clint_mtime(Clint *c)
{
    return clint_ticks_at(c->s.mtime_offset, loop_clock_ns(c->loop, CLOCK_VIRTUAL));
}

/* Re-evaluate MTIP and arm the timer for the first ns at which
 * mtime >= mtimecmp, i.e. floor(ns / 100) + offset >= mtimecmp
 * <=> ns >= (mtimecmp - offset) * 100. */
static void clint_update_timer(Clint *c)
{
    ClintState *s = &c->s;
    uint64_t now_ticks = clint_mtime(c);
    uint8_t level = now_ticks >= s->mtimecmp;

    if (level != s->mtip_level) {
        s->mtip_level = level;
        irq_set(c->mtip_irq, level);
    }
    if (level) {
        timer_del(&s->timer);
        return;
    }
    /* mtime wraps only after 58,000 years; a compare value behind the offset
     * (guest moved mtime past it backwards) or too far to express in ns never fires. */
    uint64_t target = s->mtimecmp - s->mtime_offset;
    if (s->mtimecmp < s->mtime_offset || target > (uint64_t)INT64_MAX / CLINT_NS_PER_TICK) {
        timer_del(&s->timer);
        return;
    }
    timer_mod(&s->timer, (int64_t)(target * CLINT_NS_PER_TICK));
}

static void clint_timer_cb(void *opaque)
{
    clint_update_timer(opaque);
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
        v = s->mtimecmp;
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
        s->mtimecmp = merge32(s->mtimecmp, offset, value, size);
        clint_update_timer(c);
    } else if (word == CLINT_MTIME_OFF) {
        int64_t ns = loop_clock_ns(c->loop, CLOCK_VIRTUAL);
        uint64_t now = clint_ticks_at(s->mtime_offset, ns);
        uint64_t want = merge32(now, offset, value, size);
        s->mtime_offset = want - (uint64_t)ns / CLINT_NS_PER_TICK;
        clint_update_timer(c);
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
    if (c->s.msip > 1 || c->s.mtip_level > 1) {
        error_setc(errp, ERR_SNAPSHOT, "clint: invalid interrupt levels");
        return false;
    }
    irq_set(c->msip_irq, c->s.msip);
    irq_set(c->mtip_irq, c->s.mtip_level);
    return true;
}

static const VMStateField clint_fields[] = {
    VMSTATE_UINT32(msip, ClintState),
    VMSTATE_UINT64(mtimecmp, ClintState),
    VMSTATE_UINT64(mtime_offset, ClintState),
    VMSTATE_UINT8(mtip_level, ClintState),
    VMSTATE_TIMER(timer, ClintState),
    VMSTATE_END_OF_LIST()
};

static const VMStateDescription clint_vmsd = {
    .name = "clint",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = clint_post_load,
    .fields = clint_fields,
};

void clint_reset(Clint *c)
{
    ClintState *s = &c->s;
    s->msip = 0;
    irq_set(c->msip_irq, false);
    /* mtimecmp resets to all ones in practice (no MTIP until firmware sets it). */
    s->mtimecmp = UINT64_MAX;
    s->mtime_offset = 0;
    s->mtip_level = 0;
    irq_set(c->mtip_irq, false);
    timer_del(&s->timer);
}

Clint *clint_create(const Board *b, const char *name, uint64_t base, IrqLine msip,
                    IrqLine mtip, Error **errp)
{
    Clint *c = calloc(1, sizeof(*c));
    if (!c) {
        error_setg(errp, "out of memory creating %s", name);
        return NULL;
    }
    c->loop = b->loop;
    c->msip_irq = msip;
    c->mtip_irq = mtip;
    timer_init(&c->s.timer, b->loop, CLOCK_VIRTUAL, clint_timer_cb, c);
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
        timer_del(&c->s.timer);
        free(c);
    }
}
