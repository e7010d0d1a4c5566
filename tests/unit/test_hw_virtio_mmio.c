/* Tests for hw/virtio/virtio_mmio and hw/virtio/virtqueue: an empty slot,
 * the legacy and modern register files with a fake device, split queues
 * (chains, indirect tables, interrupt suppression with and without
 * EVENT_IDX), every malformed chain and ring the guest can program (the
 * device goes into its error state, DEVICE_NEEDS_RESET when modern, and
 * nothing is touched outside RAM), reset and state round trips. */
#include "virtio_test_driver.h"

#define V VIRT_VIRTIO_BASE

/* ---- an empty slot ---- */

static void test_identity_registers(void **state)
{
    TestBoard *tb = test_board_new();
    VirtioMmio *v = virtio_mmio_create(&tb->b, "virtio0", V, (IrqLine){ 0 }, true, NULL);
    assert_non_null(v);
    assert_int_equal(rd(tb, V + VIRTIO_MMIO_MAGIC_VALUE, 4), 0x74726976);
    assert_int_equal(rd(tb, V + VIRTIO_MMIO_VERSION, 4), 1);
    assert_int_equal(rd(tb, V + VIRTIO_MMIO_DEVICE_ID, 4), 0);
    assert_int_equal(rd(tb, V + VIRTIO_MMIO_VENDOR_ID, 4), 0x554d4551);
    /* Narrow reads see the register at its own offset only, as on QEMU. */
    assert_int_equal(rd(tb, V, 1), 'v');
    assert_int_equal(rd(tb, V + 3, 1), 0);
    assert_int_equal(rd(tb, V + VIRTIO_MMIO_VENDOR_ID, 2), 0x4551);
    /* Features, queue and status registers read 0 and ignore writes. */
    for (uint64_t off = 0x10; off < 0x200; off += 4) {
        wr(tb, V + off, 4, 0xffffffff);
        assert_int_equal(rd(tb, V + off, 4), 0);
    }
    wr(tb, V + VIRTIO_MMIO_MAGIC_VALUE, 4, 0);
    assert_int_equal(rd(tb, V + VIRTIO_MMIO_MAGIC_VALUE, 4), 0x74726976);
    /* Eight bytes are two registers; past 0x200 there is nothing. */
    assert_int_equal(rd(tb, V, 8), 0x0000000174726976ull);
    uint64_t x;
    assert_int_not_equal(mem_read(&tb->as, V + VIRTIO_MMIO_REGION_SIZE, 4, &x), MEM_OK);
    virtio_mmio_free(v);
    test_board_free(tb);
}

static void test_eight_slots_no_state(void **state)
{
    TestBoard *tb = test_board_new();
    /* The address space keeps region names by reference. */
    static const char *const names[VIRT_VIRTIO_COUNT] = {
        "virtio0", "virtio1", "virtio2", "virtio3", "virtio4", "virtio5", "virtio6", "virtio7",
    };
    VirtioMmio *v[VIRT_VIRTIO_COUNT];
    for (int i = 0; i < VIRT_VIRTIO_COUNT; i++) {
        v[i] = virtio_mmio_create(&tb->b, names[i], V + (uint64_t)i * VIRT_VIRTIO_SIZE,
                                  (IrqLine){ 0 }, i != 3, NULL);
        assert_non_null(v[i]);
    }
    assert_int_equal(rd(tb, V + 7 * VIRT_VIRTIO_SIZE + VIRTIO_MMIO_VENDOR_ID, 4), 0x554d4551);
    /* The modern layout says version 2 even with nothing plugged in. */
    assert_int_equal(rd(tb, V + 3 * VIRT_VIRTIO_SIZE + VIRTIO_MMIO_VERSION, 4), 2);
    /* An overlapping slot is refused. */
    Error *err = NULL;
    assert_null(virtio_mmio_create(&tb->b, "dup", V + 0x100, (IrqLine){ 0 }, true, &err));
    assert_non_null(err);
    error_free(err);
    /* Nothing to save: no description registered. */
    assert_int_equal(tb->vms.n, 0);
    for (int i = 0; i < VIRT_VIRTIO_COUNT; i++) {
        virtio_mmio_free(v[i]);
    }
    test_board_free(tb);
}

/* ---- a fake device: takes every chain, records it, writes its in buffers ---- */

#define FAKE_ID 0x42
typedef struct Fake {
    VirtioDev *vdev;
    VirtqElem elem;
    VirtqElem last;
    int handled, popped, resets;
    uint8_t status;
    uint8_t cfg[8];
    uint8_t written[8];
    bool set_config_called;
} Fake;

static uint64_t fake_features(void *opaque, uint64_t transport)
{
    return transport | 1;   /* one device feature, bit 0 */
}

static void fake_get_config(void *opaque, uint8_t *c)
{
    Fake *f = opaque;
    memcpy(c, f->cfg, sizeof(f->cfg));
}

static void fake_set_config(void *opaque, const uint8_t *c)
{
    Fake *f = opaque;
    memcpy(f->written, c, sizeof(f->written));
    f->set_config_called = true;
}

static void fake_set_status(void *opaque, uint8_t status)
{
    ((Fake *)opaque)->status = status;
}

static void fake_reset(void *opaque)
{
    ((Fake *)opaque)->resets++;
}

static void fake_handle(void *opaque, unsigned q)
{
    Fake *f = opaque;
    f->handled++;
    int rc;
    while ((rc = virtio_pop(f->vdev, q, &f->elem)) == 1) {
        f->popped++;
        f->last = f->elem;
        /* Fill the device-writable buffers with 0xd0 + their index. */
        for (unsigned i = 0; i < f->elem.n_in; i++) {
            const VirtqSeg *sg = &f->elem.seg[f->elem.n_out + i];
            uint8_t *p = vdma_map(virtio_dma(f->vdev), sg->addr, sg->len, true);
            assert_non_null(p);
            memset(p, 0xd0 + i, sg->len);
            vdma_wrote(virtio_dma(f->vdev), sg->addr, sg->len);
        }
        virtio_push(f->vdev, q, &f->elem, (uint32_t)f->elem.in_len);
    }
}

static const VirtioDeviceOps fake_ops = {
    .name = "fake-device",
    .device_id = FAKE_ID,
    .num_queues = 2,
    .queue_size = 8,
    .config_len = 6,
    .get_features = fake_features,
    .get_config = fake_get_config,
    .set_config = fake_set_config,
    .set_status = fake_set_status,
    .reset = fake_reset,
    .handle_queue = fake_handle,
};

static TestVirtio *fake_new(bool legacy, Fake **out)
{
    TestVirtio *v = tv_new(legacy);
    Fake *f = calloc(1, sizeof(*f));
    f->vdev = v->t;
    memcpy(f->cfg, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
    Error *err = NULL;
    assert_true(virtio_mmio_plug(v->t, &fake_ops, f, &err));
    *out = f;
    return v;
}

static void fake_free(TestVirtio *v, Fake *f)
{
    tv_free(v);
    free(f);
}

#define EVENT_IDX_F (1ull << VIRTIO_RING_F_EVENT_IDX)
#define VERSION_1_F (1ull << VIRTIO_F_VERSION_1)

static void test_legacy_registers(void **state)
{
    Fake *f;
    TestVirtio *v = fake_new(true, &f);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_VERSION), 1);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_DEVICE_ID), FAKE_ID);
    /* Legacy features: the low word only, without VERSION_1. */
    uint32_t lo = tv_rd(v, VIRTIO_MMIO_DEVICE_FEATURES);
    assert_int_equal(lo, 1u | 1u << VIRTIO_F_NOTIFY_ON_EMPTY | 1u << VIRTIO_F_ANY_LAYOUT |
                         1u << VIRTIO_RING_F_INDIRECT_DESC | 1u << VIRTIO_RING_F_EVENT_IDX);
    tv_wr(v, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 7);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_DEVICE_FEATURES), 0);
    /* Queues: 1024 entries at most for the two that exist. */
    tv_wr(v, VIRTIO_MMIO_QUEUE_SEL, 1);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_QUEUE_NUM_MAX), 1024);
    tv_wr(v, VIRTIO_MMIO_QUEUE_SEL, 2);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
    /* Write-only and modern-only registers read 0; narrow accesses to
     * registers read 0. */
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_QUEUE_SEL), 0);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_QUEUE_READY), 0);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_CONFIG_GENERATION), 0);
    assert_int_equal(rd(v->tb, V + VIRTIO_MMIO_MAGIC_VALUE, 2), 0);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffffu);
    /* The queue's place: PFN in guest pages. */
    tv_setup(v, 0, 8);
    tv_wr(v, VIRTIO_MMIO_QUEUE_SEL, 0);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_QUEUE_PFN), TV_RING >> 12);
    assert_int_equal(f->status, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                                    VIRTIO_STATUS_DRIVER_OK);
    /* A queue cannot be resized to nothing or beyond 1024. */
    tv_wr(v, VIRTIO_MMIO_QUEUE_NUM, 0);
    tv_wr(v, VIRTIO_MMIO_QUEUE_NUM, 2048);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_QUEUE_NUM_MAX), 1024);
    /* Configuration space: any size, all-ones past its end, writes seen. */
    assert_int_equal(rd(v->tb, V + 0x100, 4), 0x44332211);
    assert_int_equal(rd(v->tb, V + 0x104, 2), 0x6655);
    assert_int_equal(rd(v->tb, V + 0x105, 1), 0x66);
    assert_int_equal(rd(v->tb, V + 0x104, 4), 0xffffffff);
    assert_int_equal(rd(v->tb, V + 0x106, 1), 0xff);
    wr(v->tb, V + 0x101, 1, 0xab);
    assert_true(f->set_config_called);
    assert_int_equal(f->written[1], 0xab);
    assert_int_equal(f->written[0], 0x11);
    f->set_config_called = false;
    wr(v->tb, V + 0x104, 4, 0);             /* past the end: ignored */
    assert_false(f->set_config_called);
    /* A zero QueuePFN resets the device. */
    int resets = f->resets;
    tv_wr(v, VIRTIO_MMIO_QUEUE_PFN, 0);
    assert_int_equal(f->resets, resets + 1);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_STATUS), 0);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_QUEUE_PFN), 0);
    fake_free(v, f);
}

static void test_modern_registers(void **state)
{
    Fake *f;
    TestVirtio *v = fake_new(false, &f);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_VERSION), 2);
    /* Modern features hide the legacy-only bits and offer VERSION_1. */
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_DEVICE_FEATURES),
                     1u | 1u << VIRTIO_RING_F_INDIRECT_DESC | 1u << VIRTIO_RING_F_EVENT_IDX);
    tv_wr(v, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_DEVICE_FEATURES), 1u | 1u << 8);
    /* Features the device does not offer are not negotiated; once
     * FEATURES_OK is set they are fixed. */
    tv_setup(v, VERSION_1_F | EVENT_IDX_F | 1ull << 20, 8);
    assert_int_equal(virtio_features(v->t), VERSION_1_F | EVENT_IDX_F);
    tv_wr(v, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    tv_wr(v, VIRTIO_MMIO_DRIVER_FEATURES, 1);
    tv_wr(v, VIRTIO_MMIO_STATUS, tv_rd(v, VIRTIO_MMIO_STATUS));
    assert_int_equal(virtio_features(v->t), VERSION_1_F | EVENT_IDX_F);
    tv_wr(v, VIRTIO_MMIO_QUEUE_SEL, 0);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_QUEUE_READY), 1);
    /* Legacy registers are ignored. */
    tv_wr(v, VIRTIO_MMIO_QUEUE_PFN, 0);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_QUEUE_PFN), 0);
    assert_true(tv_rd(v, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_DRIVER_OK);
    /* Status 0: reset, and every queue is no longer ready. */
    tv_wr(v, VIRTIO_MMIO_STATUS, 0);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_QUEUE_READY), 0);
    assert_int_equal(virtio_features(v->t), 0);
    fake_free(v, f);
}

static void check_bufs(const VirtqElem *e, const TvBuf *b, int n)
{
    assert_int_equal(e->n_out + e->n_in, n);
    for (int i = 0; i < n; i++) {
        assert_int_equal(e->seg[i].addr, b[i].addr);
        assert_int_equal(e->seg[i].len, b[i].len);
        assert_int_equal(i >= (int)e->n_out, b[i].write);
    }
}

static void run_chains(bool legacy, bool indirect)
{
    Fake *f;
    TestVirtio *v = fake_new(legacy, &f);
    tv_setup(v, legacy ? 0 : VERSION_1_F, 8);
    TvBuf b[3] = { { TV_DATA, 16, false }, { TV_DATA + 0x1000, 100, true },
                   { TV_DATA + 0x2000, 1, true } };
    uint16_t head = tv_chain(v, b, 3, indirect);
    tv_kick(v, 0);
    assert_int_equal(f->popped, 1);
    check_bufs(&f->last, b, 3);
    assert_int_equal(f->last.out_len, 16);
    assert_int_equal(f->last.in_len, 101);
    uint16_t id;
    uint32_t len;
    tv_used(v, &id, &len);
    assert_int_equal(id, head);
    assert_int_equal(len, 101);
    assert_int_equal(tv_get(v, TV_DATA + 0x1000 + 99, 1), 0xd0);
    assert_int_equal(tv_get(v, TV_DATA + 0x2000, 1), 0xd1);
    /* One interrupt, through the status register; acknowledging lowers it. */
    assert_true(tv_irq(v));
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_ISR_QUEUE);
    tv_ack(v);
    assert_false(tv_irq(v));
    /* Many chains at once, wrapping around the ring. */
    for (int round = 0; round < 5; round++) {
        tv_chain(v, b, 3, indirect);
        tv_chain(v, b, 1, indirect);
        tv_kick(v, 0);
    }
    assert_int_equal(f->popped, 11);
    assert_int_equal(tv_used_idx(v), 11);
    assert_true(tv_irq(v));
    assert_vmstate_round_trip(v->tb);
    fake_free(v, f);
}

static void test_chains_legacy(void **state)
{
    run_chains(true, false);
}

static void test_chains_modern(void **state)
{
    run_chains(false, false);
}

static void test_chains_indirect(void **state)
{
    run_chains(true, true);
    run_chains(false, true);
}

/* Without EVENT_IDX the driver turns interrupts off with a flag, and the
 * device turns notifications off while it works. */
static void test_no_interrupt_flag(void **state)
{
    Fake *f;
    TestVirtio *v = fake_new(true, &f);
    tv_setup(v, 0, 8);
    TvBuf b = { TV_DATA, 8, true };
    tv_put(v, v->avail, VIRTQ_AVAIL_F_NO_INTERRUPT, 2);
    tv_chain(v, &b, 1, false);
    tv_kick(v, 0);
    assert_int_equal(f->popped, 1);
    assert_false(tv_irq(v));
    /* Notifications are wanted again once the device is idle. */
    assert_int_equal(tv_get(v, v->used, 2) & VIRTQ_USED_F_NO_NOTIFY, 0);
    /* NOTIFY_ON_EMPTY, when negotiated, interrupts when the queue drains. */
    tv_setup(v, 1ull << VIRTIO_F_NOTIFY_ON_EMPTY, 8);
    tv_put(v, v->avail, VIRTQ_AVAIL_F_NO_INTERRUPT, 2);
    tv_chain(v, &b, 1, false);
    tv_kick(v, 0);
    assert_true(tv_irq(v));
    fake_free(v, f);
}

/* EVENT_IDX: the device interrupts only when used_idx passes used_event,
 * and publishes avail_event. */
static void test_event_idx(void **state)
{
    Fake *f;
    TestVirtio *v = fake_new(false, &f);
    tv_setup(v, VERSION_1_F | EVENT_IDX_F, 8);
    TvBuf b = { TV_DATA, 8, true };
    uint64_t used_event = v->avail + 4 + 2 * 8, avail_event = v->used + 4 + 8 * 8;
    /* First completion always interrupts. */
    tv_chain(v, &b, 1, false);
    tv_kick(v, 0);
    assert_true(tv_irq(v));
    assert_int_equal(tv_get(v, avail_event, 2), 1);
    tv_ack(v);
    /* used_event = 2: completing entry 1 (used_idx 1 -> 2) does not
     * interrupt, entry 2 (-> 3) does. */
    tv_put(v, used_event, 2, 2);
    tv_chain(v, &b, 1, false);
    tv_kick(v, 0);
    assert_false(tv_irq(v));
    tv_chain(v, &b, 1, false);
    tv_kick(v, 0);
    assert_true(tv_irq(v));
    assert_int_equal(tv_used_idx(v), 3);
    assert_int_equal(tv_get(v, avail_event, 2), 3);
    tv_ack(v);
    /* used_event behind: no interrupt until the window wraps. */
    tv_put(v, used_event, 0, 2);
    tv_chain(v, &b, 1, false);
    tv_kick(v, 0);
    assert_false(tv_irq(v));
    assert_vmstate_round_trip(v->tb);
    fake_free(v, f);
}

/* ---- guest mistakes ---- */

typedef void MakeBad(TestVirtio *v);

static void bad_loop(TestVirtio *v)
{
    tv_desc(v, v->desc, 0, TV_DATA, 8, VIRTQ_DESC_F_NEXT, 1);
    tv_desc(v, v->desc, 1, TV_DATA, 8, VIRTQ_DESC_F_NEXT, 0);
    tv_make_available(v, 0);
}

static void bad_next(TestVirtio *v)
{
    tv_desc(v, v->desc, 0, TV_DATA, 8, VIRTQ_DESC_F_NEXT, 8);
    tv_make_available(v, 0);
}

static void bad_zero_len(TestVirtio *v)
{
    tv_desc(v, v->desc, 0, TV_DATA, 0, 0, 0);
    tv_make_available(v, 0);
}

static void bad_order(TestVirtio *v)
{
    tv_desc(v, v->desc, 0, TV_DATA, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    tv_desc(v, v->desc, 1, TV_DATA, 8, 0, 0);
    tv_make_available(v, 0);
}

static void bad_head(TestVirtio *v)
{
    tv_make_available(v, 9);
}

static void bad_avail_idx(TestVirtio *v)
{
    tv_desc(v, v->desc, 0, TV_DATA, 8, 0, 0);
    tv_put(v, v->avail + 2, 100, 2);   /* 100 entries in a ring of 8 */
}

static void bad_indirect_size(TestVirtio *v)
{
    tv_desc(v, v->desc, 0, TV_INDIRECT, 24, VIRTQ_DESC_F_INDIRECT, 0);
    tv_make_available(v, 0);
}

static void bad_indirect_nested(TestVirtio *v)
{
    tv_desc(v, TV_INDIRECT, 0, TV_INDIRECT + 0x100, 16, VIRTQ_DESC_F_INDIRECT, 0);
    tv_desc(v, v->desc, 0, TV_INDIRECT, 16, VIRTQ_DESC_F_INDIRECT, 0);
    tv_make_available(v, 0);
}

static void bad_indirect_loop(TestVirtio *v)
{
    tv_desc(v, TV_INDIRECT, 0, TV_DATA, 8, VIRTQ_DESC_F_NEXT, 1);
    tv_desc(v, TV_INDIRECT, 1, TV_DATA, 8, VIRTQ_DESC_F_NEXT, 0);
    tv_desc(v, v->desc, 0, TV_INDIRECT, 32, VIRTQ_DESC_F_INDIRECT, 0);
    tv_make_available(v, 0);
}

static void bad_indirect_outside(TestVirtio *v)
{
    tv_desc(v, v->desc, 0, 0x40000000ull, 32, VIRTQ_DESC_F_INDIRECT, 0);
    tv_make_available(v, 0);
}

static void bad_buffer_outside(TestVirtio *v)
{
    /* Past the end of RAM, and across it. */
    tv_desc(v, v->desc, 0, TV_RAM + TV_RAM_SIZE - 4, 8, 0, 0);
    tv_make_available(v, 0);
}

static void bad_buffer_mmio(TestVirtio *v)
{
    /* The device would write its own registers. */
    tv_desc(v, v->desc, 0, TV_BASE, 4, VIRTQ_DESC_F_WRITE, 0);
    tv_make_available(v, 0);
}

static void run_bad(MakeBad *make, bool legacy)
{
    Fake *f;
    TestVirtio *v = fake_new(legacy, &f);
    tv_setup(v, legacy ? 0 : VERSION_1_F, 8);
    uint8_t before[TV_RAM_SIZE];
    make(v);
    memcpy(before, v->ram, TV_RAM_SIZE);
    tv_kick(v, 0);
    assert_int_equal(f->popped, 0);
    assert_true(virtio_broken(v->t));
    /* Nothing was consumed or written. */
    assert_int_equal(tv_used_idx(v), 0);
    assert_memory_equal(before, v->ram, TV_RAM_SIZE);
    uint32_t st = tv_rd(v, VIRTIO_MMIO_STATUS);
    if (legacy) {
        /* A legacy device has no such bit; it just stops (as QEMU's). */
        assert_int_equal(st & VIRTIO_STATUS_NEEDS_RESET, 0);
    } else {
        assert_true(st & VIRTIO_STATUS_NEEDS_RESET);
        assert_true(tv_rd(v, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_ISR_CONFIG);
        assert_true(tv_irq(v));
        assert_int_equal(tv_rd(v, VIRTIO_MMIO_CONFIG_GENERATION), 1);
    }
    /* A broken device takes nothing, even a good chain, until reset. */
    TvBuf b = { TV_DATA, 8, true };
    v->next_desc = 4;
    tv_chain(v, &b, 1, false);
    tv_kick(v, 0);
    assert_int_equal(f->popped, 0);
    assert_vmstate_round_trip(v->tb);
    tv_setup(v, legacy ? 0 : VERSION_1_F, 8);
    assert_false(virtio_broken(v->t));
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
    tv_chain(v, &b, 1, false);
    tv_kick(v, 0);
    assert_int_equal(f->popped, 1);
    fake_free(v, f);
}

static void test_malformed_chains(void **state)
{
    MakeBad *bad[] = { bad_loop, bad_next, bad_zero_len, bad_order, bad_head, bad_avail_idx,
                       bad_indirect_size, bad_indirect_nested, bad_indirect_loop,
                       bad_indirect_outside, bad_buffer_outside, bad_buffer_mmio };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        run_bad(bad[i], false);
        run_bad(bad[i], true);
    }
}

/* Rings the guest places outside RAM: the error is found when the queue is
 * set up, and the device then never reads or writes there. */
static void test_rings_outside_ram(void **state)
{
    static const uint64_t places[] = { 0x40000000ull, TV_RAM + TV_RAM_SIZE - 64, TV_BASE };
    for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
        Fake *f;
        TestVirtio *v = fake_new(false, &f);
        tv_setup(v, VERSION_1_F, 8);
        tv_wr(v, VIRTIO_MMIO_QUEUE_SEL, 1);
        tv_wr(v, VIRTIO_MMIO_QUEUE_NUM, 8);
        tv_wr(v, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)TV_RING);
        tv_wr(v, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)TV_RING + 0x800);
        tv_wr(v, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)places[i]);
        tv_wr(v, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(places[i] >> 32));
        assert_false(virtio_broken(v->t));
        tv_wr(v, VIRTIO_MMIO_QUEUE_READY, 1);
        assert_true(virtio_broken(v->t));
        assert_true(tv_rd(v, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
        tv_kick(v, 1);
        assert_int_equal(f->handled, 0);
        fake_free(v, f);

        /* Legacy: a PFN beyond RAM. */
        v = fake_new(true, &f);
        tv_setup(v, 0, 8);
        tv_wr(v, VIRTIO_MMIO_QUEUE_PFN, (uint32_t)(places[i] >> 12));
        assert_true(virtio_broken(v->t));
        tv_kick(v, 0);
        assert_int_equal(f->handled, 0);
        fake_free(v, f);
    }
}

/* Loading state checks what it can: selectors, negotiated features, which
 * queues exist. */
static void test_state_checks(void **state)
{
    Fake *f;
    TestVirtio *v = fake_new(false, &f);
    tv_setup(v, VERSION_1_F | EVENT_IDX_F, 8);
    TvBuf b = { TV_DATA, 8, true };
    tv_chain(v, &b, 1, false);
    tv_kick(v, 0);
    VMBuf good;
    vmbuf_init(&good);
    vmstate_save_all(&v->tb->vms, &good);
    /* The saved interrupt level comes back with the state. */
    tv_ack(v);
    assert_false(tv_irq(v));
    Error *err = NULL;
    assert_true(vmstate_load_all(&v->tb->vms, good.data, good.len, &err));
    assert_true(tv_irq(v));
    vmbuf_free(&good);
    fake_free(v, f);
}

static void test_plug_errors(void **state)
{
    Fake *f;
    TestVirtio *v = fake_new(true, &f);
    Error *err = NULL;
    assert_false(virtio_mmio_plug(v->t, &fake_ops, f, &err));
    assert_int_equal(error_get_class(err), ERR_USAGE);
    error_free(err);
    assert_true(virtio_mmio_has_device(v->t));
    /* Machine reset resets the device and the transport's registers. */
    tv_setup(v, 0, 8);
    int resets = f->resets;
    virtio_mmio_reset(v->t);
    assert_int_equal(f->resets, resets + 1);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_STATUS), 0);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_QUEUE_PFN), 0);
    fake_free(v, f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity_registers),
        cmocka_unit_test(test_eight_slots_no_state),
        cmocka_unit_test(test_legacy_registers),
        cmocka_unit_test(test_modern_registers),
        cmocka_unit_test(test_chains_legacy),
        cmocka_unit_test(test_chains_modern),
        cmocka_unit_test(test_chains_indirect),
        cmocka_unit_test(test_no_interrupt_flag),
        cmocka_unit_test(test_event_idx),
        cmocka_unit_test(test_malformed_chains),
        cmocka_unit_test(test_rings_outside_ram),
        cmocka_unit_test(test_state_checks),
        cmocka_unit_test(test_plug_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
