/* Tests for hw/virtio/virtio_net: what QEMU 7.2's virtio-net-device shows
 * on user networking (ID, features, MAC and link status in the
 * configuration space), frames delivered with the legacy 10-byte header or
 * the 12-byte one with num_buffers (one frame over several buffers with
 * MRG_RXBUF), a frame too big for a non-mergeable buffer, the question
 * "can it receive?" that never writes guest memory, a legacy driver setting
 * its MAC, and the state round trip. Only the receive queue (0) is driven
 * here; transmit is covered by the Linux guest tests. */
#include "virtio_test_driver.h"

#include "hw/virtio/virtio_net.h"

#define BUF   (TV_DATA)
#define BUF2  (TV_DATA + 0x1000)

static const uint8_t MAC[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

typedef struct Net {
    TestVirtio *v;
    VirtioNet *d;
    int rx_ready;
} Net;

static void rx_ready(void *opaque)
{
    ((Net *)opaque)->rx_ready++;
}

static Net *net_new(bool legacy)
{
    Net *k = calloc(1, sizeof(*k));
    k->v = tv_new(legacy);
    Error *err = NULL;
    k->d = virtio_net_create(&k->v->tb->b, k->v->t, "virtio-mmio7", MAC, NULL, rx_ready, k, &err);
    assert_non_null(k->d);
    return k;
}

static void net_free(Net *k)
{
    tv_free(k->v);
    virtio_net_free(k->d);
    free(k);
}

static void test_identity(void **state)
{
    Net *k = net_new(true);
    TestVirtio *v = k->v;
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_NET);
    uint32_t f = tv_rd(v, VIRTIO_MMIO_DEVICE_FEATURES);
    assert_int_equal(f, 0x39000000u | 1u << VIRTIO_NET_F_MAC | 1u << VIRTIO_NET_F_STATUS |
                            1u << VIRTIO_NET_F_MRG_RXBUF);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(rd(v->tb, TV_BASE + 0x100 + i, 1), MAC[i]);
    }
    assert_int_equal(rd(v->tb, TV_BASE + 0x106, 2), VIRTIO_NET_S_LINK_UP);
    /* Two queues. */
    tv_wr(v, VIRTIO_MMIO_QUEUE_SEL, 1);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTQ_MAX_SIZE);
    tv_wr(v, VIRTIO_MMIO_QUEUE_SEL, 2);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
    /* A legacy driver sets its address through the configuration space;
     * a reset brings the configured one back. */
    wr(v->tb, TV_BASE + 0x105, 1, 0x77);
    assert_int_equal(rd(v->tb, TV_BASE + 0x105, 1), 0x77);
    tv_wr(v, VIRTIO_MMIO_STATUS, 0);
    assert_int_equal(rd(v->tb, TV_BASE + 0x105, 1), 0x56);
    net_free(k);
}

static void frame_of(uint8_t *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        f[i] = (uint8_t)(i * 13 + 1);
    }
}

static void test_receive(void **state)
{
    uint8_t f[1514];
    frame_of(f, sizeof(f));
    for (int legacy = 0; legacy < 2; legacy++) {
        for (int mrg = 0; mrg < 2; mrg++) {
            Net *k = net_new(legacy);
            TestVirtio *v = k->v;
            uint64_t feat = (legacy ? 0 : 1ull << VIRTIO_F_VERSION_1) |
                            (mrg ? 1ull << VIRTIO_NET_F_MRG_RXBUF : 0);
            size_t hdr = (!legacy || mrg) ? 12 : 10;
            tv_setup(v, feat, 16);
            /* No buffer: nothing taken, guest memory untouched. */
            uint8_t before[TV_RAM_SIZE / 16];
            memcpy(before, v->ram + 0x10000, sizeof(before));
            assert_false(virtio_net_can_receive(k->d));
            assert_false(virtio_net_receive(k->d, f, 60));
            TvBuf b = { BUF, 2048, true };
            tv_chain(v, &b, 1, false);
            memcpy(before, v->ram + 0x10000, sizeof(before));
            assert_true(virtio_net_can_receive(k->d));
            assert_memory_equal(before, v->ram + 0x10000, sizeof(before));
            tv_kick(v, 0);
            assert_int_equal(k->rx_ready, 1);
            memset(v->ram + (BUF - TV_RAM), 0xee, 2048);
            assert_true(virtio_net_receive(k->d, f, sizeof(f)));
            uint16_t id;
            uint32_t len;
            tv_used(v, &id, &len);
            assert_int_equal(len, hdr + sizeof(f));
            for (size_t i = 0; i < 10; i++) {
                assert_int_equal(v->ram[BUF - TV_RAM + i], 0);
            }
            if (hdr == 12) {
                /* num_buffers: set with MRG_RXBUF only, as QEMU does. */
                assert_int_equal(tv_get(v, BUF + 10, 2), mrg ? 1 : 0);
            }
            assert_memory_equal(v->ram + (BUF - TV_RAM) + hdr, f, sizeof(f));
            assert_true(tv_irq(v));
            assert_false(virtio_net_can_receive(k->d));
            net_free(k);
        }
    }
}

static void test_mergeable_split(void **state)
{
    uint8_t f[1514];
    frame_of(f, sizeof(f));
    Net *k = net_new(false);
    TestVirtio *v = k->v;
    tv_setup(v, 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MRG_RXBUF, 16);
    TvBuf a = { BUF, 1000, true }, b = { BUF2, 1000, true };
    tv_chain(v, &a, 1, false);
    tv_chain(v, &b, 1, false);
    assert_true(virtio_net_receive(k->d, f, sizeof(f)));
    uint16_t id;
    uint32_t len1, len2;
    tv_used(v, &id, &len1);
    tv_used(v, &id, &len2);
    assert_int_equal(len1, 1000);
    assert_int_equal(len2, 12 + sizeof(f) - 1000);
    assert_int_equal(tv_get(v, BUF + 10, 2), 2);
    assert_memory_equal(v->ram + (BUF - TV_RAM) + 12, f, 988);
    assert_memory_equal(v->ram + (BUF2 - TV_RAM), f + 988, sizeof(f) - 988);
    net_free(k);
}

static void test_too_big_without_mergeable(void **state)
{
    uint8_t f[1514];
    frame_of(f, sizeof(f));
    Net *k = net_new(true);
    TestVirtio *v = k->v;
    tv_setup(v, 0, 16);
    TvBuf a = { BUF, 1000, true };
    tv_chain(v, &a, 1, false);
    assert_false(virtio_net_receive(k->d, f, sizeof(f)));
    assert_true(virtio_broken(k->v->t));
    net_free(k);
}

static void test_vmstate(void **state)
{
    Net *k = net_new(true);
    TestVirtio *v = k->v;
    wr(v->tb, TV_BASE + 0x100, 1, 0x02);
    assert_vmstate_round_trip(v->tb);
    assert_int_equal(rd(v->tb, TV_BASE + 0x100, 1), 0x02);
    net_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_receive),
        cmocka_unit_test(test_mergeable_split),
        cmocka_unit_test(test_too_big_without_mergeable),
        cmocka_unit_test(test_vmstate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
