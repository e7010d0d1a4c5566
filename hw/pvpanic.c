/* pvpanic: see pvpanic.h. */
#include "hw/pvpanic.h"

#include <stdlib.h>

typedef struct PvpanicState {
    uint8_t events;     /* reported since reset */
} PvpanicState;

struct Pvpanic {
    Loop *loop;
    PvpanicState s;
};

static bool pvpanic_post_load(void *opaque, int version_id, Error **errp)
{
    PvpanicState *s = opaque;
    if (s->events & ~(PVPANIC_PANICKED | PVPANIC_CRASH_LOADED)) {
        error_setc(errp, ERR_SNAPSHOT, "pvpanic: invalid events 0x%x", s->events);
        return false;
    }
    return true;
}

static const VMStateField pvpanic_fields[] = {
    VMSTATE_UINT8(events, PvpanicState),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription pvpanic_vmsd = {
    .name = "pvpanic",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = pvpanic_post_load,
    .fields = pvpanic_fields,
};

static uint64_t pvpanic_read(void *opaque, uint64_t offset, unsigned size)
{
    /* The driver masks its events with what the device says it supports. */
    return offset == 0 ? PVPANIC_PANICKED | PVPANIC_CRASH_LOADED : 0;
}

static void pvpanic_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Pvpanic *p = opaque;
    if (offset != 0) {
        return;
    }
    uint8_t ev = (uint8_t)value & (PVPANIC_PANICKED | PVPANIC_CRASH_LOADED);
    p->s.events |= ev;
    if (ev & PVPANIC_PANICKED) {
        loop_request_shutdown(p->loop, SHUTDOWN_GUEST_PANIC, 0);
    }
}

static const MmioOps pvpanic_ops = {
    .read = pvpanic_read,
    .write = pvpanic_write,
    .valid = { 1, 8 },
    .impl = { 1, 1 },
};

Pvpanic *pvpanic_create(const Board *b, const char *name, uint64_t base, Error **errp)
{
    Pvpanic *p = calloc(1, sizeof(*p));
    if (!p) {
        error_setg(errp, "out of memory creating %s", name);
        return NULL;
    }
    p->loop = b->loop;
    if (!mem_map_mmio(b->as, name, base, VIRT_PVPANIC_SIZE, &pvpanic_ops, p, errp)) {
        free(p);
        return NULL;
    }
    vmstate_register(b->vms, name, &pvpanic_vmsd, &p->s);
    return p;
}

void pvpanic_reset(Pvpanic *p)
{
    if (p) {
        p->s.events = 0;
    }
}

uint8_t pvpanic_events(const Pvpanic *p)
{
    return p ? p->s.events : 0;
}

void pvpanic_free(Pvpanic *p)
{
    free(p);
}
