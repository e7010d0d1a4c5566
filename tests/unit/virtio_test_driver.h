/* A tiny virtio driver for the device tests: a board with RAM and one
 * virtio-mmio transport, a queue laid out in RAM, chains built by hand
 * (direct or through an indirect table), notifications served by running
 * the loop's bottom halves as the machine's run loop does. */
#ifndef RRSIM_TEST_VIRTIO_DRIVER_H
#define RRSIM_TEST_VIRTIO_DRIVER_H

#include "test_hw_util.h"

#include "hw/virtio/virtio_mmio.h"

#define TV_BASE     VIRT_VIRTIO_BASE
#define TV_RAM      0x80000000ull
#define TV_RAM_SIZE (1u << 20)
#define TV_RING     (TV_RAM + 0x10000)    /* desc, avail, used (legacy layout) */
#define TV_INDIRECT (TV_RAM + 0x20000)
#define TV_DATA     (TV_RAM + 0x40000)

typedef struct TestVirtio {
    TestBoard *tb;
    uint8_t *ram;
    FakeIrq irq;
    VirtioMmio *t;
    bool legacy;
    bool event_idx;
    uint32_t num;
    uint64_t desc, avail, used;
    uint16_t avail_idx;                  /* next available index the driver writes */
    uint16_t used_seen;                  /* used entries consumed */
    uint16_t next_desc;                  /* next free descriptor (never reused) */
} TestVirtio;

static inline TestVirtio *tv_new(bool legacy)
{
    TestVirtio *v = calloc(1, sizeof(*v));
    v->tb = test_board_new();
    v->ram = calloc(1, TV_RAM_SIZE);
    assert_true(mem_map_ram(&v->tb->as, "ram", TV_RAM, TV_RAM_SIZE, v->ram, false, NULL));
    v->legacy = legacy;
    v->t = virtio_mmio_create(&v->tb->b, "virtio-mmio7", TV_BASE,
                              irq_line(fake_irq_set, &v->irq, 8), legacy, NULL);
    assert_non_null(v->t);
    return v;
}

static inline void tv_free(TestVirtio *v)
{
    virtio_mmio_free(v->t);
    test_board_free(v->tb);
    free(v->ram);
    free(v);
}

static inline uint32_t tv_rd(TestVirtio *v, uint64_t off)
{
    return (uint32_t)rd(v->tb, TV_BASE + off, 4);
}

static inline void tv_wr(TestVirtio *v, uint64_t off, uint32_t val)
{
    wr(v->tb, TV_BASE + off, 4, val);
}

static inline void tv_put(TestVirtio *v, uint64_t addr, uint64_t val, unsigned n)
{
    assert_true(addr >= TV_RAM && addr + n <= TV_RAM + TV_RAM_SIZE);
    for (unsigned i = 0; i < n; i++) {
        v->ram[addr - TV_RAM + i] = (uint8_t)(val >> (8 * i));
    }
}

static inline uint64_t tv_get(TestVirtio *v, uint64_t addr, unsigned n)
{
    uint64_t val = 0;
    for (unsigned i = 0; i < n; i++) {
        val |= (uint64_t)v->ram[addr - TV_RAM + i] << (8 * i);
    }
    return val;
}

/* Negotiate `features` (64 bits; the modern layout takes both words) and
 * set up queue 0 with num entries at TV_RING, then DRIVER_OK. */
static inline void tv_setup(TestVirtio *v, uint64_t features, uint32_t num)
{
    v->num = num;
    v->event_idx = features >> VIRTIO_RING_F_EVENT_IDX & 1;
    tv_wr(v, VIRTIO_MMIO_STATUS, 0);
    tv_wr(v, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    v->desc = TV_RING;
    v->avail = v->desc + 16ull * num;
    if (v->legacy) {
        tv_wr(v, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
        tv_wr(v, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
        tv_wr(v, VIRTIO_MMIO_GUEST_PAGE_SIZE, 4096);
        tv_wr(v, VIRTIO_MMIO_QUEUE_SEL, 0);
        tv_wr(v, VIRTIO_MMIO_QUEUE_NUM, num);
        tv_wr(v, VIRTIO_MMIO_QUEUE_ALIGN, 4096);
        tv_wr(v, VIRTIO_MMIO_QUEUE_PFN, (uint32_t)(TV_RING >> 12));
        v->used = (v->avail + 4 + 2ull * num + 4095) & ~4095ull;
    } else {
        tv_wr(v, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
        tv_wr(v, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
        tv_wr(v, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
        tv_wr(v, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
        tv_wr(v, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                                     VIRTIO_STATUS_FEATURES_OK);
        assert_true(tv_rd(v, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
        v->used = (v->avail + 6 + 2ull * num + 3) & ~3ull;
        tv_wr(v, VIRTIO_MMIO_QUEUE_SEL, 0);
        tv_wr(v, VIRTIO_MMIO_QUEUE_NUM, num);
        tv_wr(v, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)v->desc);
        tv_wr(v, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(v->desc >> 32));
        tv_wr(v, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)v->avail);
        tv_wr(v, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(v->avail >> 32));
        tv_wr(v, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)v->used);
        tv_wr(v, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(v->used >> 32));
        tv_wr(v, VIRTIO_MMIO_QUEUE_READY, 1);
    }
    uint32_t st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_DRIVER_OK |
                  (v->legacy ? 0 : VIRTIO_STATUS_FEATURES_OK);
    tv_wr(v, VIRTIO_MMIO_STATUS, st);
    v->avail_idx = v->used_seen = v->next_desc = 0;
}

/* One buffer of a chain. */
typedef struct TvBuf {
    uint64_t addr;
    uint32_t len;
    bool write;
} TvBuf;

static inline void tv_desc(TestVirtio *v, uint64_t table, uint16_t i, uint64_t addr, uint32_t len,
                           uint16_t flags, uint16_t next)
{
    uint64_t d = table + 16ull * i;
    tv_put(v, d, addr, 8);
    tv_put(v, d + 8, len, 4);
    tv_put(v, d + 12, flags, 2);
    tv_put(v, d + 14, next, 2);
}

/* Make head available (without notifying). */
static inline void tv_make_available(TestVirtio *v, uint16_t head)
{
    tv_put(v, v->avail + 4 + 2ull * (v->avail_idx % v->num), head, 2);
    v->avail_idx++;
    tv_put(v, v->avail + 2, v->avail_idx, 2);
}

/* A chain of n buffers, direct or through an indirect table at TV_INDIRECT;
 * returns its head. */
static inline uint16_t tv_chain(TestVirtio *v, const TvBuf *b, int n, bool indirect)
{
    uint16_t head = v->next_desc;
    if (indirect) {
        for (int i = 0; i < n; i++) {
            tv_desc(v, TV_INDIRECT, (uint16_t)i, b[i].addr, b[i].len,
                    (uint16_t)((b[i].write ? VIRTQ_DESC_F_WRITE : 0) |
                               (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0)), (uint16_t)(i + 1));
        }
        tv_desc(v, v->desc, head, TV_INDIRECT, 16u * (uint32_t)n, VIRTQ_DESC_F_INDIRECT, 0);
        v->next_desc = (uint16_t)((v->next_desc + 1) % v->num);
    } else {
        for (int i = 0; i < n; i++) {
            uint16_t d = v->next_desc;
            v->next_desc = (uint16_t)((v->next_desc + 1) % v->num);
            tv_desc(v, v->desc, d, b[i].addr, b[i].len,
                    (uint16_t)((b[i].write ? VIRTQ_DESC_F_WRITE : 0) |
                               (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0)), v->next_desc);
        }
    }
    tv_make_available(v, head);
    return head;
}

/* Notify queue q and let the device run, as the machine's loop would. */
static inline void tv_kick(TestVirtio *v, unsigned q)
{
    tv_wr(v, VIRTIO_MMIO_QUEUE_NOTIFY, q);
    while (loop_bhs_pending(v->tb->loop)) {
        loop_run_bhs(v->tb->loop);
    }
}

static inline uint16_t tv_used_idx(TestVirtio *v)
{
    return (uint16_t)tv_get(v, v->used + 2, 2);
}

/* The next used entry: its id and length (fails if there is none). */
static inline void tv_used(TestVirtio *v, uint16_t *id, uint32_t *len)
{
    assert_true(tv_used_idx(v) != v->used_seen);
    uint64_t e = v->used + 4 + 8ull * (v->used_seen % v->num);
    *id = (uint16_t)tv_get(v, e, 4);
    *len = (uint32_t)tv_get(v, e + 4, 4);
    v->used_seen++;
}

static inline bool tv_irq(TestVirtio *v)
{
    return v->irq.level[8];
}

static inline void tv_ack(TestVirtio *v)
{
    tv_wr(v, VIRTIO_MMIO_INTERRUPT_ACK, tv_rd(v, VIRTIO_MMIO_INTERRUPT_STATUS));
}

#endif
