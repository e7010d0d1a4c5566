/* Tests for hw/virtio/virtio_rng: what QEMU 7.2's virtio-rng-device shows,
 * buffers filled from the source in order (several, short, indirect), a
 * source that runs dry, device-readable buffers left alone, chains the
 * guest built wrongly, and the state round trip. The source is a counter,
 * so every byte the guest gets is known. */
#include "virtio_test_driver.h"

#include "hw/virtio/virtio_rng.h"

#define BUF   (TV_DATA)
#define BUF2  (TV_DATA + 0x1000)
#define BIG   (TV_DATA + 0x10000)

typedef struct FakeSource {
    uint8_t next;                  /* the next byte handed out */
    size_t calls;
    size_t asked;                  /* bytes asked for in total */
    size_t limit;                  /* SIZE_MAX: endless; else bytes left */
} FakeSource;

static size_t fake_fill(void *opaque, void *buf, size_t len)
{
    FakeSource *s = opaque;
    uint8_t *p = buf;
    s->calls++;
    s->asked += len;
    size_t n = len < s->limit ? len : s->limit;
    for (size_t i = 0; i < n; i++) {
        p[i] = s->next++;
    }
    if (s->limit != SIZE_MAX) {
        s->limit -= n;
    }
    return n;
}

typedef struct Rng {
    TestVirtio *v;
    VirtioRng *d;
    FakeSource src;
} Rng;

static Rng *rng_new(bool legacy)
{
    Rng *k = calloc(1, sizeof(*k));
    k->src.next = 1;
    k->src.limit = SIZE_MAX;
    k->v = tv_new(legacy);
    Error *err = NULL;
    k->d = virtio_rng_create(k->v->t, fake_fill, &k->src, &err);
    assert_non_null(k->d);
    return k;
}

static void rng_free(Rng *k)
{
    tv_free(k->v);
    virtio_rng_free(k->d);
    free(k);
}

static void fill_ram(TestVirtio *v, uint64_t addr, size_t n, uint8_t val)
{
    memset(v->ram + (addr - TV_RAM), val, n);
}

/* Submit one chain, kick, and return the used length (the id must match). */
static uint32_t serve(Rng *k, const TvBuf *b, int n, bool indirect)
{
    uint16_t head = tv_chain(k->v, b, n, indirect);
    tv_kick(k->v, 0);
    uint16_t id;
    uint32_t len;
    tv_used(k->v, &id, &len);
    assert_int_equal(id, head);
    return len;
}

static void test_identity(void **state)
{
    Rng *k = rng_new(true);
    TestVirtio *v = k->v;
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_MAGIC_VALUE), VIRTIO_MMIO_MAGIC);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_RNG);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_VENDOR_ID), VIRTIO_MMIO_VENDOR_QEMU);
    /* The transport's bits only: notify-on-empty, any-layout, indirect,
     * event-idx (QEMU 7.2, legacy transport). */
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_DEVICE_FEATURES), 0x39000000);
    /* One queue; QEMU shows its largest size as the maximum. */
    tv_wr(v, VIRTIO_MMIO_QUEUE_SEL, 0);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTQ_MAX_SIZE);
    tv_wr(v, VIRTIO_MMIO_QUEUE_SEL, 1);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
    /* No configuration space: all-ones, writes ignored. */
    assert_int_equal(rd(v->tb, TV_BASE + 0x100, 4), 0xffffffff);
    wr(v->tb, TV_BASE + 0x100, 4, 0);
    assert_int_equal(rd(v->tb, TV_BASE + 0x100, 1), 0xff);
    rng_free(k);

    k = rng_new(false);
    v = k->v;
    tv_wr(v, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_DEVICE_FEATURES), 0x30000000);   /* no legacy bits */
    tv_wr(v, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    assert_int_equal(tv_rd(v, VIRTIO_MMIO_DEVICE_FEATURES), 0x101);   /* VERSION_1, RING_RESET */
    rng_free(k);
}

static void test_fill(void **state)
{
    for (int legacy = 0; legacy < 2; legacy++) {
        for (int indirect = 0; indirect < 2; indirect++) {
            Rng *k = rng_new(legacy);
            TestVirtio *v = k->v;
            tv_setup(v, legacy ? 0 : 1ull << VIRTIO_F_VERSION_1, VIRTIO_RNG_QUEUE_SIZE);
            fill_ram(v, BUF, 64, 0xee);
            fill_ram(v, BUF2, 64, 0xee);
            /* Two writable buffers: 5 then 3 bytes, in source order. */
            TvBuf b[2] = { { BUF, 5, true }, { BUF2, 3, true } };
            assert_int_equal(serve(k, b, 2, indirect), 8);
            for (int i = 0; i < 5; i++) {
                assert_int_equal(tv_get(v, BUF + i, 1), 1 + i);
            }
            assert_int_equal(tv_get(v, BUF + 5, 1), 0xee);     /* nothing past the buffer */
            for (int i = 0; i < 3; i++) {
                assert_int_equal(tv_get(v, BUF2 + i, 1), 6 + i);
            }
            assert_int_equal(tv_get(v, BUF2 + 3, 1), 0xee);
            assert_true(tv_irq(v));
            tv_ack(v);
            /* A one-byte buffer: one byte asked for, one given. */
            TvBuf one = { BUF, 1, true };
            assert_int_equal(serve(k, &one, 1, indirect), 1);
            assert_int_equal(tv_get(v, BUF, 1), 9);
            assert_int_equal(k->src.asked, 9);
            assert_false(virtio_broken(v->t));
            rng_free(k);
        }
    }
}

static void test_readable_buffers(void **state)
{
    Rng *k = rng_new(false);
    TestVirtio *v = k->v;
    tv_setup(v, 1ull << VIRTIO_F_VERSION_1, VIRTIO_RNG_QUEUE_SIZE);
    fill_ram(v, BUF, 64, 0xaa);
    fill_ram(v, BUF2, 64, 0xee);
    /* A device-readable buffer before the writable one: left alone. */
    TvBuf b[2] = { { BUF, 16, false }, { BUF2, 4, true } };
    assert_int_equal(serve(k, b, 2, false), 4);
    assert_int_equal(tv_get(v, BUF, 8), 0xaaaaaaaaaaaaaaaaull);
    assert_int_equal(tv_get(v, BUF2, 4), 0x04030201);
    /* Only device-readable buffers: no error, the source untouched, and
     * the chain stays available until one asks for bytes (QEMU's way)... */
    size_t calls = k->src.calls;
    TvBuf r = { BUF, 16, false };
    uint16_t h1 = tv_chain(v, &r, 1, false);
    tv_kick(v, 0);
    assert_int_equal(tv_used_idx(v), v->used_seen);
    assert_int_equal(k->src.calls, calls);
    assert_false(virtio_broken(v->t));
    uint16_t h2 = tv_chain(v, &r, 1, false);
    tv_kick(v, 0);
    assert_int_equal(tv_used_idx(v), v->used_seen);
    /* ...then both come back empty, before the one with bytes. */
    uint16_t h3 = tv_chain(v, &(TvBuf){ BUF2, 2, true }, 1, false);
    tv_kick(v, 0);
    uint16_t id;
    uint32_t len;
    tv_used(v, &id, &len);
    assert_int_equal(id, h1);
    assert_int_equal(len, 0);
    tv_used(v, &id, &len);
    assert_int_equal(id, h2);
    assert_int_equal(len, 0);
    tv_used(v, &id, &len);
    assert_int_equal(id, h3);
    assert_int_equal(len, 2);
    assert_int_equal(k->src.calls, calls + 1);
    assert_int_equal(tv_get(v, BUF, 8), 0xaaaaaaaaaaaaaaaaull);
    assert_false(virtio_broken(v->t));
    rng_free(k);
}

static void test_short_source_and_big_buffers(void **state)
{
    Rng *k = rng_new(true);
    TestVirtio *v = k->v;
    tv_setup(v, 0, VIRTIO_RNG_QUEUE_SIZE);
    /* The source gives 6 of 10 bytes: the chain says 6. */
    k->src.limit = 6;
    fill_ram(v, BUF, 16, 0xee);
    TvBuf b = { BUF, 10, true };
    assert_int_equal(serve(k, &b, 1, false), 6);
    assert_int_equal(tv_get(v, BUF + 5, 1), 6);
    assert_int_equal(tv_get(v, BUF + 6, 1), 0xee);
    /* Dry: the chain comes back empty and the device goes on. */
    assert_int_equal(serve(k, &b, 1, false), 0);
    assert_false(virtio_broken(v->t));
    /* A buffer beyond one request's maximum gets the maximum. */
    k->src.limit = SIZE_MAX;
    TvBuf big = { BIG, VIRTIO_RNG_MAX_REQUEST + 4096, true };
    size_t asked = k->src.asked;
    assert_int_equal(serve(k, &big, 1, false), VIRTIO_RNG_MAX_REQUEST);
    assert_int_equal(k->src.asked - asked, VIRTIO_RNG_MAX_REQUEST);
    /* Several chains before one notification: all served, in order. */
    uint16_t h1 = tv_chain(v, &(TvBuf){ BUF, 2, true }, 1, false);
    uint16_t h2 = tv_chain(v, &(TvBuf){ BUF2, 2, true }, 1, false);
    tv_kick(v, 0);
    uint16_t id;
    uint32_t len;
    tv_used(v, &id, &len);
    assert_int_equal(id, h1);
    assert_int_equal(len, 2);
    tv_used(v, &id, &len);
    assert_int_equal(id, h2);
    assert_int_equal(len, 2);
    assert_vmstate_round_trip(v->tb);
    rng_free(k);
}

static void test_protocol_errors(void **state)
{
    /* A chain pointing outside RAM: the transport's error state, nothing
     * taken from the source, nothing used. */
    Rng *k = rng_new(false);
    TestVirtio *v = k->v;
    tv_setup(v, 1ull << VIRTIO_F_VERSION_1, VIRTIO_RNG_QUEUE_SIZE);
    tv_chain(v, &(TvBuf){ 0x1000, 16, true }, 1, false);
    tv_kick(v, 0);
    assert_true(virtio_broken(v->t));
    assert_true(tv_rd(v, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
    assert_int_equal(tv_used_idx(v), 0);
    assert_int_equal(k->src.calls, 0);
    /* Broken until reset: a good chain is not served either. */
    tv_chain(v, &(TvBuf){ BUF, 4, true }, 1, false);
    tv_kick(v, 0);
    assert_int_equal(tv_used_idx(v), 0);
    /* After a reset the device serves again. */
    tv_setup(v, 1ull << VIRTIO_F_VERSION_1, VIRTIO_RNG_QUEUE_SIZE);
    assert_false(virtio_broken(v->t));
    assert_int_equal(serve(k, &(TvBuf){ BUF, 4, true }, 1, false), 4);
    rng_free(k);

    /* Writable before readable (2.6.4.2), and a zero-length buffer. */
    k = rng_new(true);
    v = k->v;
    tv_setup(v, 0, VIRTIO_RNG_QUEUE_SIZE);
    TvBuf wr_rd[2] = { { BUF, 4, true }, { BUF2, 4, false } };
    tv_chain(v, wr_rd, 2, false);
    tv_kick(v, 0);
    assert_true(virtio_broken(v->t));
    assert_int_equal(k->src.calls, 0);
    tv_setup(v, 0, VIRTIO_RNG_QUEUE_SIZE);
    tv_chain(v, &(TvBuf){ BUF, 0, true }, 1, false);
    tv_kick(v, 0);
    assert_true(virtio_broken(v->t));
    rng_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_fill),
        cmocka_unit_test(test_readable_buffers),
        cmocka_unit_test(test_short_source_and_big_buffers),
        cmocka_unit_test(test_protocol_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
