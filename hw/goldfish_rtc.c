/* goldfish_rtc: see goldfish_rtc.h (register map as QEMU's hw/rtc/goldfish_rtc.c). */
#include "hw/goldfish_rtc.h"

#include <stdlib.h>

typedef struct GoldfishRtcState {
    uint64_t tick_offset;     /* guest time - host time, ns (mod 2^64) */
    uint64_t alarm_next;      /* absolute RTC ns of the armed alarm */
    uint32_t alarm_high;      /* staged ALARM_HIGH, used by the next ALARM_LOW write */
    uint32_t time_high;       /* latched by TIME_LOW reads */
    uint32_t irq_enabled;
    uint32_t irq_pending;
    uint32_t alarm_running;
    Timer alarm_timer;        /* CLOCK_VIRTUAL */
} GoldfishRtcState;

struct GoldfishRtc {
    GoldfishRtcState s;       /* first: the VMState description covers it */
    Loop *loop;
    SimLog *log;
    IrqLine irq;
    int64_t (*host_ns)(void *opaque);
    void *host_opaque;
};

static uint64_t rtc_now(GoldfishRtc *r)
{
    return (uint64_t)r->host_ns(r->host_opaque) + r->s.tick_offset;
}

static void rtc_update_irq(GoldfishRtc *r)
{
    irq_set(r->irq, r->s.irq_pending && r->s.irq_enabled);
}

static void rtc_alarm_cb(void *opaque)
{
    GoldfishRtc *r = opaque;
    r->s.alarm_running = 0;
    r->s.irq_pending = 1;
    rtc_update_irq(r);
}

static void rtc_set_alarm(GoldfishRtc *r)
{
    GoldfishRtcState *s = &r->s;
    uint64_t now = rtc_now(r);
    if (s->alarm_next <= now) {
        timer_del(&s->alarm_timer);
        rtc_alarm_cb(r);
        return;
    }
    uint64_t delta = s->alarm_next - now;
    int64_t vnow = loop_clock_ns(r->loop, CLOCK_VIRTUAL);
    if (delta > (uint64_t)(INT64_MAX - vnow)) {
        timer_del(&s->alarm_timer);   /* further than the virtual clock can reach */
        s->alarm_running = 1;
        return;
    }
    s->alarm_running = 1;
    timer_mod(&s->alarm_timer, vnow + (int64_t)delta);
}

static uint64_t rtc_read(void *opaque, uint64_t offset, unsigned size)
{
    GoldfishRtc *r = opaque;
    GoldfishRtcState *s = &r->s;
    switch (offset) {
    case GOLDFISH_RTC_TIME_LOW: {
        uint64_t now = rtc_now(r);
        s->time_high = (uint32_t)(now >> 32);
        return (uint32_t)now;
    }
    case GOLDFISH_RTC_TIME_HIGH:
        return s->time_high;
    case GOLDFISH_RTC_ALARM_LOW:
        return (uint32_t)s->alarm_next;
    case GOLDFISH_RTC_ALARM_HIGH:
        return (uint32_t)(s->alarm_next >> 32);
    case GOLDFISH_RTC_IRQ_ENABLED:
        return s->irq_enabled;
    case GOLDFISH_RTC_ALARM_STATUS:
        return s->alarm_running;
    default:
        log_mask(r->log, LOG_GUEST_ERROR, "goldfish_rtc_read: offset 0x%x is UNIMP.\n",
                 (uint32_t)offset);
        return 0;
    }
}

static void rtc_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    GoldfishRtc *r = opaque;
    GoldfishRtcState *s = &r->s;
    uint32_t v = (uint32_t)value;
    switch (offset) {
    case GOLDFISH_RTC_TIME_LOW: {
        uint64_t now = rtc_now(r);
        uint64_t want = (now & ~0xffffffffull) | v;
        s->tick_offset += want - now;
        break;
    }
    case GOLDFISH_RTC_TIME_HIGH: {
        uint64_t now = rtc_now(r);
        uint64_t want = ((uint64_t)v << 32) | (now & 0xffffffffull);
        s->tick_offset += want - now;
        break;
    }
    case GOLDFISH_RTC_ALARM_LOW:
        s->alarm_next = ((uint64_t)s->alarm_high << 32) | v;
        rtc_set_alarm(r);
        break;
    case GOLDFISH_RTC_ALARM_HIGH:
        s->alarm_high = v;
        break;
    case GOLDFISH_RTC_IRQ_ENABLED:
        s->irq_enabled = v & 1;
        rtc_update_irq(r);
        break;
    case GOLDFISH_RTC_CLEAR_ALARM:
        timer_del(&s->alarm_timer);
        s->alarm_running = 0;
        break;
    case GOLDFISH_RTC_CLEAR_INTERRUPT:
        s->irq_pending = 0;
        rtc_update_irq(r);
        break;
    default:
        log_mask(r->log, LOG_GUEST_ERROR, "goldfish_rtc_write: offset 0x%x is UNIMP.\n",
                 (uint32_t)offset);
        break;
    }
}

static const MmioOps rtc_ops = {
    .read = rtc_read,
    .write = rtc_write,
    .valid = { 4, 4 },
    .impl = { 4, 4 },
};

static bool rtc_post_load(void *opaque, int version_id, Error **errp)
{
    GoldfishRtc *r = opaque;
    GoldfishRtcState *s = &r->s;
    if (s->irq_enabled > 1 || s->irq_pending > 1 || s->alarm_running > 1) {
        error_setc(errp, ERR_SNAPSHOT, "goldfish_rtc: flag values out of range");
        return false;
    }
    rtc_update_irq(r);
    return true;
}

static const VMStateField rtc_fields[] = {
    VMSTATE_UINT64(tick_offset, GoldfishRtcState),
    VMSTATE_UINT64(alarm_next, GoldfishRtcState),
    VMSTATE_UINT32(alarm_high, GoldfishRtcState),
    VMSTATE_UINT32(time_high, GoldfishRtcState),
    VMSTATE_UINT32(irq_enabled, GoldfishRtcState),
    VMSTATE_UINT32(irq_pending, GoldfishRtcState),
    VMSTATE_UINT32(alarm_running, GoldfishRtcState),
    VMSTATE_TIMER(alarm_timer, GoldfishRtcState),
    VMSTATE_END_OF_LIST()
};

static const VMStateDescription rtc_vmsd = {
    .name = "goldfish_rtc",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = rtc_post_load,
    .fields = rtc_fields,
};

void goldfish_rtc_reset(GoldfishRtc *r)
{
    GoldfishRtcState *s = &r->s;
    /* tick_offset survives reset: the wall clock keeps its setting, as QEMU. */
    timer_del(&s->alarm_timer);
    s->alarm_next = 0;
    s->alarm_high = 0;
    s->time_high = 0;
    s->irq_enabled = 0;
    s->irq_pending = 0;
    s->alarm_running = 0;
    rtc_update_irq(r);
}

GoldfishRtc *goldfish_rtc_create(const Board *b, const char *name, uint64_t base, IrqLine irq,
                                 int64_t (*host_ns)(void *opaque), void *host_opaque,
                                 Error **errp)
{
    GoldfishRtc *r = calloc(1, sizeof(*r));
    if (!r) {
        error_setg(errp, "out of memory creating %s", name);
        return NULL;
    }
    r->loop = b->loop;
    r->log = b->log;
    r->irq = irq;
    r->host_ns = host_ns;
    r->host_opaque = host_opaque;
    timer_init(&r->s.alarm_timer, b->loop, CLOCK_VIRTUAL, rtc_alarm_cb, r);
    if (!mem_map_mmio(b->as, name, base, VIRT_RTC_SIZE, &rtc_ops, r, errp)) {
        free(r);
        return NULL;
    }
    goldfish_rtc_reset(r);
    vmstate_register(b->vms, name, &rtc_vmsd, &r->s);
    return r;
}

void goldfish_rtc_free(GoldfishRtc *r)
{
    if (r) {
        timer_del(&r->s.alarm_timer);
        free(r);
    }
}
