/* plic: see plic.h. */
#include "hw/plic.h"

#include <assert.h>
#include <stddef.h>
#include <stdlib.h>

#define PLIC_WORDS ((PLIC_NDEV + 1 + 31) / 32)

typedef struct PlicState {
    uint32_t priority[PLIC_NDEV + 1];
    uint32_t level[PLIC_WORDS];     /* input lines */
    uint32_t pending[PLIC_WORDS];
    uint32_t claimed[PLIC_WORDS];   /* in flight: claimed, not yet completed */
    uint32_t enable[PLIC_NUM_CONTEXTS][PLIC_WORDS];
    uint32_t threshold[PLIC_NUM_CONTEXTS];
    uint8_t out_level[PLIC_NUM_CONTEXTS];
} PlicState;

/* Contexts 2.. (harts 1..), saved as their own instance so that a one-hart
 * board keeps the one-hart layout. */
#define PLIC_EXTRA (PLIC_MAX_CONTEXTS - PLIC_NUM_CONTEXTS)
typedef struct PlicExtraState {
    uint32_t enable[PLIC_EXTRA][PLIC_WORDS];
    uint32_t threshold[PLIC_EXTRA];
    uint8_t out_level[PLIC_EXTRA];
} PlicExtraState;

struct Plic {
    PlicState s;                    /* first: the VMState description covers it */
    PlicExtraState x;
    int nctx;
    IrqLine out[PLIC_MAX_CONTEXTS];
};

static uint32_t *ctx_enable(Plic *p, int c)
{
    return c < PLIC_NUM_CONTEXTS ? p->s.enable[c] : p->x.enable[c - PLIC_NUM_CONTEXTS];
}

static uint32_t *ctx_threshold(Plic *p, int c)
{
    return c < PLIC_NUM_CONTEXTS ? &p->s.threshold[c] : &p->x.threshold[c - PLIC_NUM_CONTEXTS];
}

static uint8_t *ctx_out_level(Plic *p, int c)
{
    return c < PLIC_NUM_CONTEXTS ? &p->s.out_level[c] : &p->x.out_level[c - PLIC_NUM_CONTEXTS];
}

static bool bit_get(const uint32_t *w, int i)
{
    return (w[i / 32] >> (i % 32)) & 1;
}

static void bit_put(uint32_t *w, int i, bool v)
{
    if (v) {
        w[i / 32] |= 1u << (i % 32);
    } else {
        w[i / 32] &= ~(1u << (i % 32));
    }
}

/* Highest-priority pending source enabled for ctx with priority above
 * min_prio; 0 if none. Ties go to the lowest id (spec 1.0.0 section 5). */
static int plic_best(Plic *p, int ctx, uint32_t min_prio)
{
    const PlicState *s = &p->s;
    const uint32_t *enable = ctx_enable(p, ctx);
    int best = 0;
    uint32_t best_prio = min_prio;
    for (int i = 1; i <= PLIC_NDEV; i++) {
        if (bit_get(s->pending, i) && bit_get(enable, i) && s->priority[i] > best_prio) {
            best = i;
            best_prio = s->priority[i];
        }
    }
    return best;
}

static void plic_update(Plic *p)
{
    for (int c = 0; c < p->nctx; c++) {
        uint8_t level = plic_best(p, c, *ctx_threshold(p, c)) != 0;
        uint8_t *out = ctx_out_level(p, c);
        if (level != *out) {
            *out = level;
            irq_set(p->out[c], level);
        }
    }
}

static void plic_set_source(void *opaque, int source, bool level)
{
    Plic *p = opaque;
    PlicState *s = &p->s;
    assert(source > 0 && source <= PLIC_NDEV);
    bit_put(s->level, source, level);
    /* The gateway forwards the level while the source is not in flight. */
    if (!bit_get(s->claimed, source)) {
        bit_put(s->pending, source, level);
    }
    plic_update(p);
}

IrqLine plic_irq_line(Plic *p, int source)
{
    assert(source > 0 && source <= PLIC_NDEV);
    return irq_line(plic_set_source, p, source);
}

static uint32_t plic_claim(Plic *p, int ctx)
{
    PlicState *s = &p->s;
    int id = plic_best(p, ctx, 0);
    if (id) {
        bit_put(s->pending, id, false);
        bit_put(s->claimed, id, true);
        plic_update(p);
    }
    return (uint32_t)id;
}

static void plic_complete(Plic *p, int ctx, uint32_t id)
{
    PlicState *s = &p->s;
    /* Spec 1.0.0 section 9: an id not enabled for the context is ignored. */
    if (id == 0 || id > PLIC_NDEV || !bit_get(ctx_enable(p, ctx), (int)id)) {
        return;
    }
    bit_put(s->claimed, (int)id, false);
    if (bit_get(s->level, (int)id)) {
        bit_put(s->pending, (int)id, true);
    }
    plic_update(p);
}

static uint64_t plic_read(void *opaque, uint64_t off, unsigned size)
{
    Plic *p = opaque;
    PlicState *s = &p->s;

    if (off < PLIC_PENDING_BASE) {
        uint64_t src = off / 4;
        return src >= 1 && src <= PLIC_NDEV ? s->priority[src] : 0;
    }
    if (off < PLIC_ENABLE_BASE) {
        uint64_t w = (off - PLIC_PENDING_BASE) / 4;
        return w < PLIC_WORDS ? s->pending[w] : 0;
    }
    if (off < PLIC_CONTEXT_BASE) {
        uint64_t ctx = (off - PLIC_ENABLE_BASE) / PLIC_ENABLE_STRIDE;
        uint64_t w = (off - PLIC_ENABLE_BASE) % PLIC_ENABLE_STRIDE / 4;
        return ctx < (uint64_t)p->nctx && w < PLIC_WORDS ? ctx_enable(p, (int)ctx)[w] : 0;
    }
    uint64_t ctx = (off - PLIC_CONTEXT_BASE) / PLIC_CONTEXT_STRIDE;
    uint64_t reg = (off - PLIC_CONTEXT_BASE) % PLIC_CONTEXT_STRIDE;
    if (ctx >= (uint64_t)p->nctx) {
        return 0;
    }
    if (reg == 0) {
        return *ctx_threshold(p, (int)ctx);
    }
    if (reg == 4) {
        return plic_claim(p, (int)ctx);
    }
    return 0;
}

static void plic_write(void *opaque, uint64_t off, uint64_t value, unsigned size)
{
    Plic *p = opaque;
    PlicState *s = &p->s;
    uint32_t v = (uint32_t)value;

    if (off < PLIC_PENDING_BASE) {
        uint64_t src = off / 4;
        if (src >= 1 && src <= PLIC_NDEV) {
            s->priority[src] = v & PLIC_PRIO_MASK;   /* WARL */
            plic_update(p);
        }
        return;
    }
    if (off < PLIC_ENABLE_BASE) {
        return;  /* pending bits are read-only */
    }
    if (off < PLIC_CONTEXT_BASE) {
        uint64_t ctx = (off - PLIC_ENABLE_BASE) / PLIC_ENABLE_STRIDE;
        uint64_t w = (off - PLIC_ENABLE_BASE) % PLIC_ENABLE_STRIDE / 4;
        if (ctx < (uint64_t)p->nctx && w < PLIC_WORDS) {
            if (w == 0) {
                v &= ~1u;                 /* source 0 does not exist */
            }
            if (w == PLIC_WORDS - 1 && (PLIC_NDEV + 1) % 32) {
                v &= (1u << ((PLIC_NDEV + 1) % 32)) - 1;
            }
            ctx_enable(p, (int)ctx)[w] = v;
            plic_update(p);
        }
        return;
    }
    uint64_t ctx = (off - PLIC_CONTEXT_BASE) / PLIC_CONTEXT_STRIDE;
    uint64_t reg = (off - PLIC_CONTEXT_BASE) % PLIC_CONTEXT_STRIDE;
    if (ctx >= (uint64_t)p->nctx) {
        return;
    }
    if (reg == 0) {
        *ctx_threshold(p, (int)ctx) = v & PLIC_PRIO_MASK;
        plic_update(p);
    } else if (reg == 4) {
        plic_complete(p, (int)ctx, v);
    }
}

static const MmioOps plic_ops = {
    .read = plic_read,
    .write = plic_write,
    .valid = { 4, 4 },
    .impl = { 4, 4 },
};

static bool plic_post_load(void *opaque, int version_id, Error **errp)
{
    Plic *p = opaque;
    PlicState *s = &p->s;
    for (int i = 0; i <= PLIC_NDEV; i++) {
        if (s->priority[i] > PLIC_PRIO_MASK) {
            error_setc(errp, ERR_SNAPSHOT, "plic: priority of source %d out of range", i);
            return false;
        }
    }
    for (int c = 0; c < PLIC_NUM_CONTEXTS; c++) {
        if (s->threshold[c] > PLIC_PRIO_MASK || s->out_level[c] > 1) {
            error_setc(errp, ERR_SNAPSHOT, "plic: context %d state out of range", c);
            return false;
        }
        irq_set(p->out[c], s->out_level[c]);
    }
    return true;
}

static const VMStateField plic_fields[] = {
    VMSTATE_UINT32_ARRAY(priority, PlicState, PLIC_NDEV + 1),
    VMSTATE_UINT32_ARRAY(level, PlicState, PLIC_WORDS),
    VMSTATE_UINT32_ARRAY(pending, PlicState, PLIC_WORDS),
    VMSTATE_UINT32_ARRAY(claimed, PlicState, PLIC_WORDS),
    VMSTATE_UINT32_ARRAY(enable, PlicState, PLIC_NUM_CONTEXTS * PLIC_WORDS),
    VMSTATE_UINT32_ARRAY(threshold, PlicState, PLIC_NUM_CONTEXTS),
    VMSTATE_UINT8_ARRAY(out_level, PlicState, PLIC_NUM_CONTEXTS),
    VMSTATE_END_OF_LIST()
};

static const VMStateDescription plic_vmsd = {
    .name = "plic",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = plic_post_load,
    .fields = plic_fields,
};

static bool plic_extra_post_load(void *opaque, int version_id, Error **errp)
{
    Plic *p = (Plic *)((char *)opaque - offsetof(Plic, x));
    (void)version_id;
    for (int c = PLIC_NUM_CONTEXTS; c < p->nctx; c++) {
        if (*ctx_threshold(p, c) > PLIC_PRIO_MASK || *ctx_out_level(p, c) > 1) {
            error_setc(errp, ERR_SNAPSHOT, "plic: context %d state out of range", c);
            return false;
        }
        irq_set(p->out[c], *ctx_out_level(p, c));
    }
    return true;
}

static const VMStateField plic_extra_fields[] = {
    VMSTATE_UINT32_ARRAY(enable, PlicExtraState, PLIC_EXTRA * PLIC_WORDS),
    VMSTATE_UINT32_ARRAY(threshold, PlicExtraState, PLIC_EXTRA),
    VMSTATE_UINT8_ARRAY(out_level, PlicExtraState, PLIC_EXTRA),
    VMSTATE_END_OF_LIST()
};

/* The contexts of harts 1.. (all PLIC_MAX_CONTEXTS - 2 slots, unused ones 0). */
static const VMStateDescription plic_extra_vmsd = {
    .name = "plic-contexts",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = plic_extra_post_load,
    .fields = plic_extra_fields,
};

void plic_reset(Plic *p)
{
    PlicState *s = &p->s;
    /* Input levels belong to the sources, which re-drive them on their own reset. */
    for (int i = 0; i <= PLIC_NDEV; i++) {
        s->priority[i] = 0;
    }
    for (int w = 0; w < PLIC_WORDS; w++) {
        s->pending[w] = s->level[w];
        s->claimed[w] = 0;
        for (int c = 0; c < p->nctx; c++) {
            ctx_enable(p, c)[w] = 0;
        }
    }
    for (int c = 0; c < p->nctx; c++) {
        *ctx_threshold(p, c) = 0;
    }
    plic_update(p);
}

Plic *plic_create(const Board *b, const char *name, uint64_t base, int nctx,
                  const IrqLine *ctx_irqs, Error **errp)
{
    if (nctx < PLIC_NUM_CONTEXTS || nctx > PLIC_MAX_CONTEXTS) {
        error_setg(errp, "%s: %d contexts (%d..%d)", name, nctx, PLIC_NUM_CONTEXTS,
                   PLIC_MAX_CONTEXTS);
        return NULL;
    }
    Plic *p = calloc(1, sizeof(*p));
    if (!p) {
        error_setg(errp, "out of memory creating %s", name);
        return NULL;
    }
    p->nctx = nctx;
    for (int c = 0; c < nctx; c++) {
        p->out[c] = ctx_irqs[c];
    }
    if (!mem_map_mmio(b->as, name, base, VIRT_PLIC_SIZE, &plic_ops, p, errp)) {
        free(p);
        return NULL;
    }
    plic_reset(p);
    vmstate_register(b->vms, name, &plic_vmsd, &p->s);
    if (nctx > PLIC_NUM_CONTEXTS) {
        vmstate_register(b->vms, "plic-contexts", &plic_extra_vmsd, &p->x);
    }
    return p;
}

void plic_free(Plic *p)
{
    free(p);
}
