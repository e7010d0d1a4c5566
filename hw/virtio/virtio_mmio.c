/* virtio_mmio: see virtio_mmio.h; register semantics as QEMU 7.2's
 * hw/virtio/virtio-mmio.c and the generic parts of hw/virtio/virtio.c. */
#include "hw/virtio/virtio_mmio.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Features only a legacy driver may see (QEMU's VIRTIO_LEGACY_FEATURES). */
#define LEGACY_ONLY_FEATURES ((1ull << VIRTIO_F_BAD_FEATURE) | \
                              (1ull << VIRTIO_F_NOTIFY_ON_EMPTY) | \
                              (1ull << VIRTIO_F_ANY_LAYOUT))
/* What every transport offers (QEMU's DEFINE_VIRTIO_COMMON_FEATURES defaults
 * plus virtio-mmio's NOTIFY_ON_EMPTY). */
#define TRANSPORT_FEATURES ((1ull << VIRTIO_RING_F_INDIRECT_DESC) | \
                            (1ull << VIRTIO_RING_F_EVENT_IDX) | \
                            (1ull << VIRTIO_F_NOTIFY_ON_EMPTY) | \
                            (1ull << VIRTIO_F_ANY_LAYOUT) | \
                            (1ull << VIRTIO_F_RING_RESET))
/* QueueSel takes values below this (QEMU's VIRTIO_QUEUE_MAX). */
#define QUEUE_SEL_LIMIT 1024u

/* Modern layout: what the driver programs for a queue before QueueReady. */
typedef struct VirtioMmioQueueRegs {
    uint32_t num;
    uint32_t desc[2], avail[2], used[2];
    bool enabled;
} VirtioMmioQueueRegs;

typedef struct VirtioMmioState {
    uint32_t host_features_sel;
    uint32_t guest_features_sel;
    uint32_t guest_page_shift;     /* legacy */
    uint32_t queue_sel;
    uint32_t driver_features[2];   /* modern: taken at FEATURES_OK */
    uint64_t guest_features;       /* negotiated */
    uint32_t generation;           /* modern ConfigGeneration */
    uint8_t status;
    uint8_t isr;
    bool broken;                   /* the guest broke the protocol: until reset */
    /* The configuration space as last read, and as the driver wrote it:
     * what set_config() sees (QEMU keeps the same buffer). */
    uint8_t config[VIRTIO_MMIO_CONFIG_MAX];
    VirtioMmioQueueRegs qregs[VIRTIO_MMIO_MAX_QUEUES];
    VirtQueue vq[VIRTIO_MMIO_MAX_QUEUES];
} VirtioMmioState;

struct VirtioMmio {
    VirtioMmioState s;             /* first: the VMState description covers it */
    const char *name;
    Loop *loop;
    VMStateRegistry *vms;
    IrqLine irq;
    bool legacy;
    VirtioDma dma;
    SimLog *log;
    const VirtioDeviceOps *ops;    /* NULL: empty slot */
    void *dev;
    uint64_t host_features;
    BH *bh;
    uint32_t pending;              /* queues notified since the BH last ran */
};

/* ---- interrupts and the error state ---- */

static void vm_update_irq(VirtioMmio *t)
{
    irq_set(t->irq, t->s.isr != 0);
}

static bool vm_exists(const VirtioMmio *t, uint32_t q)
{
    return t->ops && q < t->ops->num_queues;
}

static void vm_notify_config(VirtioMmio *t)
{
    if (!(t->s.status & VIRTIO_STATUS_DRIVER_OK)) {
        return;
    }
    t->s.isr |= VIRTIO_ISR_CONFIG;
    t->s.generation++;
    vm_update_irq(t);
}

void virtio_error(VirtioDev *t, const char *fmt, ...)
{
    if (!t->s.broken) {
        char msg[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        warn_report("%s (%s): %s; the device stops until the guest resets it", t->name,
                    t->ops->name, msg);
        log_mask(t->log, LOG_GUEST_ERROR, "%s (%s): %s\n", t->name, t->ops->name, msg);
    }
    if ((t->s.guest_features >> VIRTIO_F_VERSION_1) & 1) {
        t->s.status |= VIRTIO_STATUS_NEEDS_RESET;
        vm_notify_config(t);
    }
    t->s.broken = true;
}

/* ---- the device side ---- */

uint64_t virtio_features(const VirtioDev *t)
{
    return t->s.guest_features;
}

const VirtioDma *virtio_dma(const VirtioDev *t)
{
    return &t->dma;
}

bool virtio_broken(const VirtioDev *t)
{
    return t->s.broken;
}

int virtio_pop(VirtioDev *t, unsigned q, VirtqElem *e)
{
    if (t->s.broken || !vm_exists(t, q)) {
        return 0;
    }
    const char *err = NULL;
    int rc = virtq_pop(&t->s.vq[q], &t->dma, virtio_has_feature(t, VIRTIO_RING_F_EVENT_IDX), e,
                       &err);
    if (rc < 0) {
        virtio_error(t, "queue %u: %s", q, err);
    }
    return rc;
}

void virtio_push(VirtioDev *t, unsigned q, const VirtqElem *e, uint32_t len)
{
    VirtQueue *vq = &t->s.vq[q];
    if (!virtq_push(vq, &t->dma, e->head, len)) {
        virtio_error(t, "queue %u: cannot write the used ring", q);
        return;
    }
    if (virtq_should_notify(vq, &t->dma, virtio_has_feature(t, VIRTIO_RING_F_EVENT_IDX),
                            virtio_has_feature(t, VIRTIO_F_NOTIFY_ON_EMPTY))) {
        t->s.isr |= VIRTIO_ISR_QUEUE;
        vm_update_irq(t);
    }
}

void virtio_unpop(VirtioDev *t, unsigned q, unsigned n)
{
    if (vm_exists(t, q)) {
        t->s.vq[q].last_avail_idx = (uint16_t)(t->s.vq[q].last_avail_idx - n);
    }
}

bool virtio_queue_empty(VirtioDev *t, unsigned q)
{
    bool empty = true;
    const char *err = NULL;
    if (t->s.broken || !vm_exists(t, q)) {
        return true;
    }
    if (!virtq_empty(&t->s.vq[q], &t->dma, &empty, &err)) {
        virtio_error(t, "queue %u: %s", q, err);
        return true;
    }
    return empty;
}

bool virtio_queue_has_avail(VirtioDev *t, unsigned q)
{
    bool empty = true;
    const char *err = NULL;
    if (t->s.broken || !vm_exists(t, q) || !(t->s.status & VIRTIO_STATUS_DRIVER_OK)) {
        return false;
    }
    return virtq_empty(&t->s.vq[q], &t->dma, &empty, &err) && !empty;
}

void virtio_set_notification(VirtioDev *t, unsigned q, bool enable)
{
    if (vm_exists(t, q)) {
        virtq_set_notification(&t->s.vq[q], &t->dma,
                               virtio_has_feature(t, VIRTIO_RING_F_EVENT_IDX), enable);
    }
}

/* ---- generic device operations (QEMU's virtio.c) ---- */

/* The rings of queue q were (re)programmed: they must lie in RAM. */
static void vm_check_rings(VirtioMmio *t, unsigned q)
{
    VirtQueue *vq = &t->s.vq[q];
    if (vq->desc && !virtq_rings_ok(vq, &t->dma, virtio_has_feature(t, VIRTIO_RING_F_EVENT_IDX))) {
        virtio_error(t, "queue %u: its rings (desc 0x%llx, avail 0x%llx, used 0x%llx, %u "
                     "entries) are not in RAM", q, (unsigned long long)vq->desc,
                     (unsigned long long)vq->avail, (unsigned long long)vq->used, vq->num);
    }
}

static void vm_update_rings(VirtioMmio *t, unsigned q)
{
    VirtQueue *vq = &t->s.vq[q];
    if (!vq->num || !vq->desc || !vq->align) {
        return;   /* not set up yet */
    }
    virtq_legacy_layout(vq);
    vm_check_rings(t, q);
}

/* A queue cannot be made to exist or vanish, nor exceed the largest size. */
static void vm_set_num(VirtioMmio *t, uint32_t q, uint32_t num)
{
    if (!vm_exists(t, q)) {
        return;
    }
    VirtQueue *vq = &t->s.vq[q];
    if (!!num != !!vq->num || num > VIRTQ_MAX_SIZE) {
        return;
    }
    vq->num = num;
}

static void vm_set_features(VirtioMmio *t, uint64_t val)
{
    /* Once FEATURES_OK is set the features are fixed (3.1.1). */
    if (t->s.status & VIRTIO_STATUS_FEATURES_OK) {
        return;
    }
    bool had_event_idx = virtio_has_feature(t, VIRTIO_RING_F_EVENT_IDX);
    t->s.guest_features = val & t->host_features;
    /* EVENT_IDX makes the rings two bytes longer. */
    if (had_event_idx != virtio_has_feature(t, VIRTIO_RING_F_EVENT_IDX)) {
        for (unsigned q = 0; q < t->ops->num_queues; q++) {
            vm_check_rings(t, q);
        }
    }
}

static void vm_set_status(VirtioMmio *t, uint8_t val)
{
    if (t->ops->set_status) {
        t->ops->set_status(t->dev, val);
    }
    t->s.status = val;
}

/* A device reset: status 0 written, a zero QueuePFN, or the machine's. */
static void vm_device_reset(VirtioMmio *t)
{
    VirtioMmioState *s = &t->s;
    vm_set_status(t, 0);
    t->ops->reset(t->dev);
    s->broken = false;
    s->guest_features = 0;
    s->queue_sel = 0;
    s->status = 0;
    s->isr = 0;
    vm_update_irq(t);
    for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++) {
        virtq_reset(&s->vq[q]);
    }
    t->pending = 0;
    bh_cancel(t->bh);
}

/* The driver notified queue q: served at the next instruction boundary. */
static void vm_notify(VirtioMmio *t, uint32_t q)
{
    if (!vm_exists(t, q) || !t->s.vq[q].desc || t->s.broken) {
        return;
    }
    t->pending |= 1u << q;
    bh_schedule(t->bh);
}

static void vm_bh(void *opaque)
{
    VirtioMmio *t = opaque;
    uint32_t pending = t->pending;
    t->pending = 0;
    for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++) {
        if ((pending >> q & 1) && !t->s.broken && t->s.vq[q].desc) {
            t->ops->handle_queue(t->dev, q);
        }
    }
}

/* ---- registers ---- */

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint64_t vm_config_read(VirtioMmio *t, uint64_t off, unsigned size)
{
    t->ops->get_config(t->dev, t->s.config);
    if (off + size > t->ops->config_len) {
        return size_mask(size);   /* all-ones past the end, as QEMU */
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)t->s.config[off + i] << (8 * i);
    }
    return v;
}

static void vm_config_write(VirtioMmio *t, uint64_t off, uint64_t value, unsigned size)
{
    if (off + size > t->ops->config_len) {
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        t->s.config[off + i] = (uint8_t)(value >> (8 * i));
    }
    if (t->ops->set_config) {
        t->ops->set_config(t->dev, t->s.config);
    }
}

static uint64_t vm_read(void *opaque, uint64_t off, unsigned size)
{
    VirtioMmio *t = opaque;
    VirtioMmioState *s = &t->s;
    uint32_t version = t->legacy ? VIRTIO_MMIO_LEGACY : VIRTIO_MMIO_MODERN;

    if (!t->ops) {
        /* No device: identity only, at the exact offsets, any size. */
        uint64_t v = off == VIRTIO_MMIO_MAGIC_VALUE ? VIRTIO_MMIO_MAGIC
                   : off == VIRTIO_MMIO_VERSION ? version
                   : off == VIRTIO_MMIO_VENDOR_ID ? VIRTIO_MMIO_VENDOR_QEMU : 0;
        return v & size_mask(size);
    }
    if (off >= VIRTIO_MMIO_CONFIG) {
        return vm_config_read(t, off - VIRTIO_MMIO_CONFIG, size);
    }
    if (size != 4) {
        log_mask(t->log, LOG_GUEST_ERROR, "virtio_mmio_read: wrong size access to register!\n");
        return 0;
    }
    uint32_t q = s->queue_sel;
    switch (off) {
    case VIRTIO_MMIO_MAGIC_VALUE:
        return VIRTIO_MMIO_MAGIC;
    case VIRTIO_MMIO_VERSION:
        return version;
    case VIRTIO_MMIO_DEVICE_ID:
        return t->ops->device_id;
    case VIRTIO_MMIO_VENDOR_ID:
        return VIRTIO_MMIO_VENDOR_QEMU;
    case VIRTIO_MMIO_DEVICE_FEATURES:
        if (t->legacy) {
            return s->host_features_sel ? 0 : (uint32_t)t->host_features;
        }
        return (uint32_t)((t->host_features & ~LEGACY_ONLY_FEATURES) >>
                          (32 * s->host_features_sel));
    case VIRTIO_MMIO_QUEUE_NUM_MAX:
        return vm_exists(t, q) && s->vq[q].num ? VIRTQ_MAX_SIZE : 0;
    case VIRTIO_MMIO_QUEUE_PFN:
        if (!t->legacy || !vm_exists(t, q)) {
            return 0;
        }
        return (uint32_t)(s->vq[q].desc >> s->guest_page_shift);
    case VIRTIO_MMIO_QUEUE_READY:
        if (t->legacy || q >= VIRTIO_MMIO_MAX_QUEUES) {
            return 0;
        }
        return s->qregs[q].enabled;
    case VIRTIO_MMIO_INTERRUPT_STATUS:
        return s->isr;
    case VIRTIO_MMIO_STATUS:
        return s->status;
    case VIRTIO_MMIO_CONFIG_GENERATION:
        return t->legacy ? 0 : s->generation;
    case VIRTIO_MMIO_SHM_LEN_LOW:
    case VIRTIO_MMIO_SHM_LEN_HIGH:
        return 0xffffffffu;   /* no shared memory region (4.2.2) */
    default:
        /* write-only, or no register */
        log_mask(t->log, LOG_GUEST_ERROR, "virtio_mmio_read: bad register offset 0x%llx\n",
                 (unsigned long long)off);
        return 0;
    }
}

static void vm_write(void *opaque, uint64_t off, uint64_t value, unsigned size)
{
    VirtioMmio *t = opaque;
    VirtioMmioState *s = &t->s;
    if (!t->ops) {
        return;
    }
    if (off >= VIRTIO_MMIO_CONFIG) {
        vm_config_write(t, off - VIRTIO_MMIO_CONFIG, value, size);
        return;
    }
    if (size != 4) {
        log_mask(t->log, LOG_GUEST_ERROR, "virtio_mmio_write: wrong size access to register!\n");
        return;
    }
    uint32_t v = (uint32_t)value;
    uint32_t q = s->queue_sel;
    VirtioMmioQueueRegs *qr = !t->legacy && q < VIRTIO_MMIO_MAX_QUEUES ? &s->qregs[q] : NULL;
    switch (off) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
        s->host_features_sel = v ? 1 : 0;
        break;
    case VIRTIO_MMIO_DRIVER_FEATURES:
        if (t->legacy) {
            if (!s->guest_features_sel) {
                vm_set_features(t, v);
            }
        } else {
            s->driver_features[s->guest_features_sel] = v;
        }
        break;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
        s->guest_features_sel = v ? 1 : 0;
        break;
    case VIRTIO_MMIO_GUEST_PAGE_SIZE:
        if (t->legacy) {
            s->guest_page_shift = v ? (uint32_t)__builtin_ctz(v) : 0;
        }
        break;
    case VIRTIO_MMIO_QUEUE_SEL:
        if (v < QUEUE_SEL_LIMIT) {
            s->queue_sel = v;
        }
        break;
    case VIRTIO_MMIO_QUEUE_NUM:
        if (t->legacy) {
            vm_set_num(t, q, v);
            if (vm_exists(t, q)) {
                vm_update_rings(t, q);
            }
        } else if (qr) {
            qr->num = v;
        }
        break;
    case VIRTIO_MMIO_QUEUE_ALIGN:
        if (t->legacy && vm_exists(t, q)) {
            s->vq[q].align = v;
            vm_update_rings(t, q);
        }
        break;
    case VIRTIO_MMIO_QUEUE_PFN:
        if (!t->legacy) {
            break;
        }
        if (v == 0) {
            vm_device_reset(t);
        } else if (vm_exists(t, q) && s->vq[q].num) {
            s->vq[q].desc = (uint64_t)v << s->guest_page_shift;
            vm_update_rings(t, q);
        }
        break;
    case VIRTIO_MMIO_QUEUE_READY:
        if (!qr) {
            break;
        }
        if (v) {
            vm_set_num(t, q, qr->num);
            if (vm_exists(t, q) && s->vq[q].num) {
                VirtQueue *vq = &s->vq[q];
                vq->desc = (uint64_t)qr->desc[1] << 32 | qr->desc[0];
                vq->avail = (uint64_t)qr->avail[1] << 32 | qr->avail[0];
                vq->used = (uint64_t)qr->used[1] << 32 | qr->used[0];
                vm_check_rings(t, q);
            }
            qr->enabled = true;
        } else {
            qr->enabled = false;
        }
        break;
    case VIRTIO_MMIO_QUEUE_NOTIFY:
        if (v < QUEUE_SEL_LIMIT) {
            vm_notify(t, v);
        }
        break;
    case VIRTIO_MMIO_INTERRUPT_ACK:
        s->isr &= (uint8_t)~v;
        vm_update_irq(t);
        break;
    case VIRTIO_MMIO_STATUS:
        if (!t->legacy && (v & VIRTIO_STATUS_FEATURES_OK)) {
            vm_set_features(t, (uint64_t)s->driver_features[1] << 32 | s->driver_features[0]);
        }
        vm_set_status(t, (uint8_t)v);
        if (s->status == 0) {
            vm_device_reset(t);
            if (!t->legacy) {
                for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
                    s->qregs[i].enabled = false;
                }
            }
        }
        break;
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
        if (qr) {
            qr->desc[off == VIRTIO_MMIO_QUEUE_DESC_HIGH] = v;
        }
        break;
    case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
    case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
        if (qr) {
            qr->avail[off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH] = v;
        }
        break;
    case VIRTIO_MMIO_QUEUE_USED_LOW:
    case VIRTIO_MMIO_QUEUE_USED_HIGH:
        if (qr) {
            qr->used[off == VIRTIO_MMIO_QUEUE_USED_HIGH] = v;
        }
        break;
    default:
        /* read-only, or no register */
        log_mask(t->log, LOG_GUEST_ERROR, "virtio_mmio_write: bad register offset 0x%llx\n",
                 (unsigned long long)off);
        break;
    }
}

static const MmioOps virtio_mmio_ops = {
    .read = vm_read,
    .write = vm_write,
    /* Any size is valid; registers are 32-bit, the configuration space
     * takes what it is given, wider accesses are split (QEMU's impl). */
    .valid = { 1, 8 },
    .impl = { 1, 4 },
};

/* ---- state ---- */

static const VMStateField vm_qregs_fields[] = {
    VMSTATE_UINT32(num, VirtioMmioQueueRegs),
    VMSTATE_UINT32_ARRAY(desc, VirtioMmioQueueRegs, 2),
    VMSTATE_UINT32_ARRAY(avail, VirtioMmioQueueRegs, 2),
    VMSTATE_UINT32_ARRAY(used, VirtioMmioQueueRegs, 2),
    VMSTATE_BOOL(enabled, VirtioMmioQueueRegs),
    VMSTATE_END_OF_LIST()
};

static const VMStateDescription vm_qregs_vmsd = {
    .name = "virtio-mmio-queue",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = vm_qregs_fields,
};

static bool vm_post_load(void *opaque, int version_id, Error **errp)
{
    VirtioMmio *t = opaque;
    VirtioMmioState *s = &t->s;
    if (s->host_features_sel > 1 || s->guest_features_sel > 1 || s->guest_page_shift > 31 ||
        s->queue_sel >= QUEUE_SEL_LIMIT) {
        error_setc(errp, ERR_SNAPSHOT, "%s: register selector out of range", t->name);
        return false;
    }
    if (s->guest_features & ~t->host_features) {
        error_setc(errp, ERR_SNAPSHOT, "%s: negotiated features 0x%llx the device does not offer",
                   t->name, (unsigned long long)s->guest_features);
        return false;
    }
    for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++) {
        /* Whether a queue exists is the device's (vm_exists()); a size is
         * at most what QueueNumMax offers. */
        if (s->vq[q].num > VIRTQ_MAX_SIZE) {
            error_setc(errp, ERR_SNAPSHOT, "%s: queue %u has %u entries", t->name, q,
                       s->vq[q].num);
            return false;
        }
    }
    t->pending = 0;
    vm_update_irq(t);
    return true;
}

static const VMStateField vm_fields[] = {
    VMSTATE_UINT32(host_features_sel, VirtioMmioState),
    VMSTATE_UINT32(guest_features_sel, VirtioMmioState),
    VMSTATE_UINT32(guest_page_shift, VirtioMmioState),
    VMSTATE_UINT32(queue_sel, VirtioMmioState),
    VMSTATE_UINT32_ARRAY(driver_features, VirtioMmioState, 2),
    VMSTATE_UINT64(guest_features, VirtioMmioState),
    VMSTATE_UINT32(generation, VirtioMmioState),
    VMSTATE_UINT8(status, VirtioMmioState),
    VMSTATE_UINT8(isr, VirtioMmioState),
    VMSTATE_BOOL(broken, VirtioMmioState),
    VMSTATE_BUFFER(config, VirtioMmioState),
    VMSTATE_STRUCT_ARRAY(qregs, VirtioMmioState, VIRTIO_MMIO_MAX_QUEUES, vm_qregs_vmsd,
                         VirtioMmioQueueRegs),
    VMSTATE_STRUCT_ARRAY(vq, VirtioMmioState, VIRTIO_MMIO_MAX_QUEUES, virtq_vmsd, VirtQueue),
    VMSTATE_END_OF_LIST()
};

static const VMStateDescription virtio_mmio_vmsd = {
    .name = "virtio-mmio",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = vm_post_load,
    .fields = vm_fields,
};

/* ---- lifecycle ---- */

VirtioMmio *virtio_mmio_create(const Board *b, const char *name, uint64_t base, IrqLine irq,
                               bool legacy, Error **errp)
{
    VirtioMmio *t = calloc(1, sizeof(*t));
    if (!t) {
        error_setg(errp, "out of memory creating %s", name);
        return NULL;
    }
    t->name = name;
    t->loop = b->loop;
    t->vms = b->vms;
    t->log = b->log;
    t->irq = irq;
    t->legacy = legacy;
    t->dma = (VirtioDma){ .as = b->as, .written = b->dma_written, .opaque = b->dma_opaque };
    for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++) {
        virtq_init(&t->s.vq[q], 0);
    }
    if (!mem_map_mmio(b->as, name, base, VIRTIO_MMIO_REGION_SIZE, &virtio_mmio_ops, t, errp)) {
        free(t);
        return NULL;
    }
    return t;
}

bool virtio_mmio_plug(VirtioMmio *t, const VirtioDeviceOps *ops, void *dev, Error **errp)
{
    if (t->ops) {
        error_setc(errp, ERR_USAGE, "%s already holds a %s", t->name, t->ops->name);
        return false;
    }
    if (ops->num_queues > VIRTIO_MMIO_MAX_QUEUES || ops->config_len > VIRTIO_MMIO_CONFIG_MAX ||
        ops->queue_size == 0 || ops->queue_size > VIRTQ_MAX_SIZE) {
        error_setc(errp, ERR_USAGE, "%s: a %s does not fit this transport", t->name, ops->name);
        return false;
    }
    t->bh = bh_new(t->loop, vm_bh, t);
    if (!t->bh) {
        error_setg(errp, "out of memory plugging %s", ops->name);
        return false;
    }
    t->ops = ops;
    t->dev = dev;
    uint64_t transport = TRANSPORT_FEATURES | (t->legacy ? 0 : 1ull << VIRTIO_F_VERSION_1);
    t->host_features = ops->get_features(dev, transport);
    for (unsigned q = 0; q < VIRTIO_MMIO_MAX_QUEUES; q++) {
        virtq_init(&t->s.vq[q], q < ops->num_queues ? ops->queue_size : 0);
    }
    vmstate_register(t->vms, t->name, &virtio_mmio_vmsd, t);
    virtio_mmio_reset(t);
    return true;
}

bool virtio_mmio_has_device(const VirtioMmio *t)
{
    return t->ops != NULL;
}

void virtio_mmio_reset(VirtioMmio *t)
{
    if (!t->ops) {
        return;
    }
    VirtioMmioState *s = &t->s;
    vm_device_reset(t);
    s->host_features_sel = 0;
    s->guest_features_sel = 0;
    s->guest_page_shift = 0;
    s->driver_features[0] = s->driver_features[1] = 0;
    memset(s->qregs, 0, sizeof(s->qregs));
}

void virtio_mmio_free(VirtioMmio *t)
{
    if (!t) {
        return;
    }
    if (t->bh) {
        bh_delete(t->bh);
    }
    free(t);
}
