/* virtqueue: see virtqueue.h. Ring layout: virtio 1.1, section 2.6. */
#include "hw/virtio/virtqueue.h"

#include <string.h>

/* ---- guest RAM ---- */

uint8_t *vdma_map(const VirtioDma *d, uint64_t addr, uint64_t len, bool write)
{
    if (len == 0 || addr + len < addr) {
        return NULL;
    }
    const MemRegion *r = mem_find(d->as, addr, len);
    if (!r || (r->kind != MEM_RAM && (write || r->kind != MEM_ROM))) {
        return NULL;
    }
    return r->host + (addr - r->base);
}

void vdma_wrote(const VirtioDma *d, uint64_t addr, uint64_t len)
{
    if (len == 0) {
        return;
    }
    const MemRegion *r = mem_find(d->as, addr, len);
    if (r && r->kind == MEM_RAM) {
        uint64_t off = addr - r->base;
        for (uint64_t p = off & ~(uint64_t)(MEM_PAGE_SIZE - 1); p < off + len; p += MEM_PAGE_SIZE) {
            mem_ram_mark_dirty(r, p);
        }
    }
    if (d->written) {
        d->written(d->opaque, addr, len);
    }
}

bool vdma_read(const VirtioDma *d, uint64_t addr, void *buf, size_t len)
{
    const uint8_t *p = vdma_map(d, addr, len, false);
    if (!p) {
        return false;
    }
    memcpy(buf, p, len);
    return true;
}

bool vdma_write(const VirtioDma *d, uint64_t addr, const void *buf, size_t len)
{
    uint8_t *p = vdma_map(d, addr, len, true);
    if (!p) {
        return false;
    }
    memcpy(p, buf, len);
    vdma_wrote(d, addr, len);
    return true;
}

static bool rd16(const VirtioDma *d, uint64_t addr, uint16_t *v)
{
    uint8_t b[2];
    if (!vdma_read(d, addr, b, 2)) {
        return false;
    }
    *v = (uint16_t)(b[0] | b[1] << 8);
    return true;
}

static bool wr16(const VirtioDma *d, uint64_t addr, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    return vdma_write(d, addr, b, 2);
}

static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

/* ---- the rings ---- */

/* avail: flags, idx, ring[num], used_event; used: flags, idx, ring[num] of
 * (id, len), avail_event. */
#define AVAIL_IDX(vq)        ((vq)->avail + 2)
#define AVAIL_RING(vq, i)    ((vq)->avail + 4 + 2 * (uint64_t)(i))
#define USED_EVENT(vq)       ((vq)->avail + 4 + 2 * (uint64_t)(vq)->num)
#define USED_FLAGS(vq)       ((vq)->used)
#define USED_IDX(vq)         ((vq)->used + 2)
#define USED_RING(vq, i)     ((vq)->used + 4 + 8 * (uint64_t)(i))
#define AVAIL_EVENT(vq)      ((vq)->used + 4 + 8 * (uint64_t)(vq)->num)

static const VMStateField virtq_fields[] = {
    VMSTATE_UINT64(desc, VirtQueue),
    VMSTATE_UINT64(avail, VirtQueue),
    VMSTATE_UINT64(used, VirtQueue),
    VMSTATE_UINT32(num, VirtQueue),
    VMSTATE_UINT32(align, VirtQueue),
    VMSTATE_UINT16(last_avail_idx, VirtQueue),
    VMSTATE_UINT16(used_idx, VirtQueue),
    VMSTATE_UINT16(signalled_used, VirtQueue),
    VMSTATE_BOOL(signalled_used_valid, VirtQueue),
    VMSTATE_BOOL(notification, VirtQueue),
    VMSTATE_END_OF_LIST()
};

/* Any value is loadable: addresses are the guest's, checked at every use. */
const VMStateDescription virtq_vmsd = {
    .name = "virtqueue",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = virtq_fields,
};

void virtq_init(VirtQueue *vq, uint32_t num_default)
{
    memset(vq, 0, sizeof(*vq));
    vq->num_default = num_default;
    vq->align = VIRTQ_LEGACY_ALIGN;
    virtq_reset(vq);
}

void virtq_reset(VirtQueue *vq)
{
    vq->desc = vq->avail = vq->used = 0;
    vq->last_avail_idx = vq->used_idx = 0;
    vq->signalled_used = 0;
    vq->signalled_used_valid = false;
    vq->notification = true;
    vq->num = vq->num_default;
}

void virtq_legacy_layout(VirtQueue *vq)
{
    if (!vq->num || !vq->desc) {
        return;
    }
    /* As QEMU computes it: the used ring starts at the alignment boundary
     * after ring[num] of the available ring. */
    vq->avail = vq->desc + (uint64_t)vq->num * VIRTQ_DESC_SIZE;
    uint64_t end = vq->avail + 4 + 2 * (uint64_t)vq->num;
    uint64_t a = vq->align ? vq->align : 1;
    vq->used = (end + a - 1) / a * a;
}

bool virtq_rings_ok(const VirtQueue *vq, const VirtioDma *d, bool event_idx)
{
    uint64_t n = vq->num, ev = event_idx ? 2 : 0;
    return vdma_map(d, vq->desc, n * VIRTQ_DESC_SIZE, false) &&
           vdma_map(d, vq->avail, 4 + 2 * n + ev, false) &&
           vdma_map(d, vq->used, 4 + 8 * n + ev, true);
}

static bool avail_idx(const VirtQueue *vq, const VirtioDma *d, uint16_t *idx, const char **err)
{
    if (!rd16(d, AVAIL_IDX(vq), idx)) {
        *err = "cannot read the available ring";
        return false;
    }
    return true;
}

bool virtq_empty(const VirtQueue *vq, const VirtioDma *d, bool *empty, const char **err)
{
    uint16_t idx;
    if (!vq->desc || !vq->avail || !vq->num) {
        *empty = true;
        return true;
    }
    if (!avail_idx(vq, d, &idx, err)) {
        return false;
    }
    *empty = idx == vq->last_avail_idx;
    return true;
}

typedef struct RawDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
} RawDesc;

static bool desc_read(const VirtioDma *d, uint64_t table, uint32_t i, RawDesc *out)
{
    uint8_t b[VIRTQ_DESC_SIZE];
    if (!vdma_read(d, table + (uint64_t)i * VIRTQ_DESC_SIZE, b, sizeof(b))) {
        return false;
    }
    out->addr = le(b, 8);
    out->len = (uint32_t)le(b + 8, 4);
    out->flags = (uint16_t)le(b + 12, 2);
    out->next = (uint16_t)le(b + 14, 2);
    return true;
}

/* One buffer of the chain into e, checked against guest RAM. */
static bool add_seg(VirtqElem *e, const VirtioDma *d, const RawDesc *desc, const char **err)
{
    bool write = desc->flags & VIRTQ_DESC_F_WRITE;
    if (desc->len == 0) {
        *err = "zero sized buffers are not allowed";
        return false;
    }
    if (!write && e->n_in) {
        *err = "incorrect order for descriptors (device-readable after device-writable)";
        return false;
    }
    if (e->n_out + e->n_in >= VIRTQ_MAX_SEGS) {
        *err = "too many buffers in one chain";
        return false;
    }
    if (!vdma_map(d, desc->addr, desc->len, write)) {
        *err = write ? "a device-writable buffer is not in RAM"
                     : "a device-readable buffer is not in RAM";
        return false;
    }
    e->seg[e->n_out + e->n_in] = (VirtqSeg){ desc->addr, desc->len };
    if (write) {
        e->n_in++;
        e->in_len += desc->len;
    } else {
        e->n_out++;
        e->out_len += desc->len;
    }
    return true;
}

int virtq_pop(VirtQueue *vq, const VirtioDma *d, bool event_idx, VirtqElem *e,
              const char **err)
{
    uint16_t idx, head;
    bool empty;
    if (!virtq_empty(vq, d, &empty, err)) {
        return -1;
    }
    if (empty) {
        return 0;
    }
    if (!avail_idx(vq, d, &idx, err)) {
        return -1;
    }
    if ((uint16_t)(idx - vq->last_avail_idx) > vq->num) {
        *err = "the driver moved the available index too far";
        return -1;
    }
    if (!rd16(d, AVAIL_RING(vq, vq->last_avail_idx % vq->num), &head)) {
        *err = "cannot read the available ring";
        return -1;
    }
    if (head >= vq->num) {
        *err = "the available ring names a descriptor beyond the queue";
        return -1;
    }

    e->head = head;
    e->n_out = e->n_in = 0;
    e->out_len = e->in_len = 0;
    uint64_t table = vq->desc;
    uint32_t max = vq->num, i = head, seen = 0;
    bool in_indirect = false;
    RawDesc desc;
    if (!desc_read(d, table, i, &desc)) {
        *err = "cannot read the descriptor table";
        return -1;
    }
    if (desc.flags & VIRTQ_DESC_F_INDIRECT) {
        /* The chain is the indirect table; the head's NEXT is ignored, as
         * QEMU ignores it. */
        if (desc.len == 0 || desc.len % VIRTQ_DESC_SIZE) {
            *err = "invalid size for an indirect descriptor table";
            return -1;
        }
        if (!vdma_map(d, desc.addr, desc.len, false)) {
            *err = "an indirect descriptor table is not in RAM";
            return -1;
        }
        table = desc.addr;
        max = desc.len / VIRTQ_DESC_SIZE;
        i = 0;
        in_indirect = true;
        if (!desc_read(d, table, i, &desc)) {
            *err = "cannot read an indirect descriptor table";
            return -1;
        }
    }
    for (;;) {
        if (in_indirect && (desc.flags & VIRTQ_DESC_F_INDIRECT)) {
            *err = "nested indirect descriptor table";
            return -1;
        }
        if (!add_seg(e, d, &desc, err)) {
            return -1;
        }
        /* More buffers than entries: the chain loops. */
        if (++seen > max) {
            *err = "looped descriptor chain";
            return -1;
        }
        if (!(desc.flags & VIRTQ_DESC_F_NEXT)) {
            break;
        }
        i = desc.next;
        if (i >= max) {
            *err = "a descriptor's next is beyond its table";
            return -1;
        }
        if (!desc_read(d, table, i, &desc)) {
            *err = "cannot read the descriptor table";
            return -1;
        }
    }
    vq->last_avail_idx++;
    if (event_idx && vq->notification) {
        /* The used ring was checked writable at setup; should it not be,
         * the push that follows reports it. */
        wr16(d, AVAIL_EVENT(vq), vq->last_avail_idx);
    }
    return 1;
}

bool virtq_push(VirtQueue *vq, const VirtioDma *d, uint16_t head, uint32_t len)
{
    uint8_t b[8];
    for (int k = 0; k < 4; k++) {
        b[k] = (uint8_t)(head >> (8 * k));
        b[4 + k] = (uint8_t)(len >> (8 * k));
    }
    if (!vq->num || !vdma_write(d, USED_RING(vq, vq->used_idx % vq->num), b, 8)) {
        return false;
    }
    uint16_t old = vq->used_idx, new = (uint16_t)(old + 1);
    if (!wr16(d, USED_IDX(vq), new)) {
        return false;
    }
    vq->used_idx = new;
    /* The driver's used_event is compared with the window since the last
     * interrupt; after a wrap of that window it says nothing (QEMU too). */
    if ((int16_t)(new - vq->signalled_used) < (uint16_t)(new - old)) {
        vq->signalled_used_valid = false;
    }
    return true;
}

bool virtq_should_notify(VirtQueue *vq, const VirtioDma *d, bool event_idx,
                         bool notify_on_empty)
{
    bool empty;
    const char *err;
    if (notify_on_empty && virtq_empty(vq, d, &empty, &err) && empty) {
        return true;
    }
    if (!event_idx) {
        uint16_t flags = 0;
        rd16(d, vq->avail, &flags);
        return !(flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
    }
    bool valid = vq->signalled_used_valid;
    uint16_t old = vq->signalled_used, new = vq->used_idx, event = 0;
    vq->signalled_used_valid = true;
    vq->signalled_used = new;
    rd16(d, USED_EVENT(vq), &event);
    /* vring_need_event(): interrupt if used_event lies in [old, new). */
    return !valid || (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

void virtq_set_notification(VirtQueue *vq, const VirtioDma *d, bool event_idx, bool enable)
{
    vq->notification = enable;
    if (!vq->desc || !vq->num) {
        return;
    }
    if (event_idx) {
        uint16_t idx;
        const char *err;
        if (avail_idx(vq, d, &idx, &err)) {
            wr16(d, AVAIL_EVENT(vq), idx);
        }
        return;
    }
    uint16_t flags;
    if (rd16(d, USED_FLAGS(vq), &flags)) {
        flags = enable ? (uint16_t)(flags & ~VIRTQ_USED_F_NO_NOTIFY)
                       : (uint16_t)(flags | VIRTQ_USED_F_NO_NOTIFY);
        wr16(d, USED_FLAGS(vq), flags);
    }
}
