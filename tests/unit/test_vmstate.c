/* Tests for snapshots/vmstate: encoding, round trips, versions, validation,
 * truncation, timers (with the real sim/loop) and the registry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sim/loop/loop.h"
#include "snapshots/vmstate.h"

/* ---- deterministic randomness ---- */

static uint64_t xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* ---- a description using every type ---- */

typedef struct Inner {
    uint32_t a;
    bool b;
    uint8_t buf[5];
    int64_t s;
} Inner;

static const VMStateField inner_fields[] = {
    VMSTATE_UINT32(a, Inner),
    VMSTATE_BOOL(b, Inner),
    VMSTATE_BUFFER(buf, Inner),
    VMSTATE_INT64(s, Inner),
    VMSTATE_END_OF_LIST(),
};

static int inner_post_loads;

static bool inner_post_load(void *opaque, int version_id, Error **errp)
{
    inner_post_loads++;
    return true;
}

static const VMStateDescription vmstate_inner = {
    .name = "inner",
    .version_id = 2,
    .minimum_version_id = 1,
    .post_load = inner_post_load,
    .fields = inner_fields,
};

typedef struct All {
    bool b;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    int32_t i32;
    int64_t i64;
    uint8_t a8[7];
    uint16_t a16[3];
    uint32_t a32[4];
    uint64_t a64[2];
    bool ab[5];
    uint8_t buf[13];
    Inner in;
    Inner arr[3];
    uint32_t derived; /* not described: rebuilt by post_load */
} All;

static const VMStateField all_fields[] = {
    VMSTATE_BOOL(b, All),
    VMSTATE_UINT8(u8, All),
    VMSTATE_UINT16(u16, All),
    VMSTATE_UINT32(u32, All),
    VMSTATE_UINT64(u64, All),
    VMSTATE_INT32(i32, All),
    VMSTATE_INT64(i64, All),
    VMSTATE_UINT8_ARRAY(a8, All, 7),
    VMSTATE_UINT16_ARRAY(a16, All, 3),
    VMSTATE_UINT32_ARRAY(a32, All, 4),
    VMSTATE_UINT64_ARRAY(a64, All, 2),
    VMSTATE_BOOL_ARRAY(ab, All, 5),
    VMSTATE_BUFFER(buf, All),
    VMSTATE_STRUCT(in, All, vmstate_inner, Inner),
    VMSTATE_STRUCT_ARRAY(arr, All, 3, vmstate_inner, Inner),
    VMSTATE_END_OF_LIST(),
};

static int all_pre_saves;

static void all_pre_save(void *opaque)
{
    all_pre_saves++;
}

static bool all_post_load(void *opaque, int version_id, Error **errp)
{
    All *a = opaque;
    a->derived = a->u32 ^ 0x5a5a5a5au;
    return true;
}

static const VMStateDescription vmstate_all = {
    .name = "all",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = all_pre_save,
    .post_load = all_post_load,
    .fields = all_fields,
};

static void inner_random(Inner *in, uint64_t *seed)
{
    in->a = (uint32_t)xorshift(seed);
    in->b = xorshift(seed) & 1;
    for (size_t i = 0; i < sizeof(in->buf); i++) {
        in->buf[i] = (uint8_t)xorshift(seed);
    }
    in->s = (int64_t)xorshift(seed);
}

static void all_random(All *a, uint64_t *seed)
{
    a->b = xorshift(seed) & 1;
    a->u8 = (uint8_t)xorshift(seed);
    a->u16 = (uint16_t)xorshift(seed);
    a->u32 = (uint32_t)xorshift(seed);
    a->u64 = xorshift(seed);
    a->i32 = (int32_t)xorshift(seed);
    a->i64 = (int64_t)xorshift(seed);
    for (int i = 0; i < 7; i++) {
        a->a8[i] = (uint8_t)xorshift(seed);
    }
    for (int i = 0; i < 3; i++) {
        a->a16[i] = (uint16_t)xorshift(seed);
    }
    for (int i = 0; i < 4; i++) {
        a->a32[i] = (uint32_t)xorshift(seed);
    }
    for (int i = 0; i < 2; i++) {
        a->a64[i] = xorshift(seed);
    }
    for (int i = 0; i < 5; i++) {
        a->ab[i] = xorshift(seed) & 1;
    }
    for (int i = 0; i < 13; i++) {
        a->buf[i] = (uint8_t)xorshift(seed);
    }
    inner_random(&a->in, seed);
    for (int i = 0; i < 3; i++) {
        inner_random(&a->arr[i], seed);
    }
}

static void assert_inner_equal(const Inner *x, const Inner *y)
{
    assert_int_equal(x->a, y->a);
    assert_int_equal(x->b, y->b);
    assert_memory_equal(x->buf, y->buf, sizeof(x->buf));
    assert_int_equal(x->s, y->s);
}

static void assert_all_equal(const All *x, const All *y)
{
    assert_int_equal(x->b, y->b);
    assert_int_equal(x->u8, y->u8);
    assert_int_equal(x->u16, y->u16);
    assert_int_equal(x->u32, y->u32);
    assert_int_equal(x->u64, y->u64);
    assert_int_equal(x->i32, y->i32);
    assert_int_equal(x->i64, y->i64);
    assert_memory_equal(x->a8, y->a8, sizeof(x->a8));
    assert_memory_equal(x->a16, y->a16, sizeof(x->a16));
    assert_memory_equal(x->a32, y->a32, sizeof(x->a32));
    assert_memory_equal(x->a64, y->a64, sizeof(x->a64));
    for (int i = 0; i < 5; i++) {
        assert_int_equal(x->ab[i], y->ab[i]);
    }
    assert_memory_equal(x->buf, y->buf, sizeof(x->buf));
    assert_inner_equal(&x->in, &y->in);
    for (int i = 0; i < 3; i++) {
        assert_inner_equal(&x->arr[i], &y->arr[i]);
    }
}

/* Expected stream size of All: header + fields (nested structs have headers). */
static size_t all_stream_size(void)
{
    size_t inner = 4 + strlen("inner") + 4 + 4 + 1 + 5 + 8;
    return 4 + strlen("all") + 4 + 1 + 1 + 2 + 4 + 8 + 4 + 8 + 7 + 3 * 2 + 4 * 4 + 2 * 8 + 5 +
           13 + 4 * inner;
}

static void test_roundtrip_random(void **state)
{
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (int iter = 0; iter < 300; iter++) {
        All *src = calloc(1, sizeof(*src));
        All *dst = calloc(1, sizeof(*dst));
        VMBuf b1, b2;
        vmbuf_init(&b1);
        vmbuf_init(&b2);
        all_random(src, &seed);

        int saves = all_pre_saves;
        vmstate_save(&vmstate_all, src, &b1);
        assert_int_equal(all_pre_saves, saves + 1);
        assert_int_equal(b1.len, all_stream_size());

        size_t used = 0;
        int loads = inner_post_loads;
        Error *err = NULL;
        assert_true(vmstate_load(&vmstate_all, dst, b1.data, b1.len, &used, &err));
        assert_null(err);
        assert_int_equal(used, b1.len);
        assert_int_equal(inner_post_loads, loads + 4);
        assert_int_equal(dst->derived, src->u32 ^ 0x5a5a5a5au);
        assert_all_equal(src, dst);

        vmstate_save(&vmstate_all, dst, &b2);
        assert_int_equal(b1.len, b2.len);
        assert_memory_equal(b1.data, b2.data, b1.len);
        vmbuf_free(&b1);
        vmbuf_free(&b2);
        free(src);
        free(dst);
    }
}

/* The byte layout is the format: pin it down for one small description. */
typedef struct Small {
    uint16_t x;
    int32_t y;
    bool z;
    uint64_t w;
} Small;

static const VMStateField small_fields[] = {
    VMSTATE_UINT16(x, Small),
    VMSTATE_INT32(y, Small),
    VMSTATE_BOOL(z, Small),
    VMSTATE_UINT64(w, Small),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_small = {
    .name = "sm",
    .version_id = 3,
    .minimum_version_id = 1,
    .fields = small_fields,
};

static void test_golden_bytes(void **state)
{
    Small s = { .x = 0x1234, .y = -2, .z = true, .w = 0x0102030405060708ull };
    static const uint8_t want[] = {
        2, 0, 0, 0, 's', 'm',                   /* name */
        3, 0, 0, 0,                             /* version */
        0x34, 0x12,                             /* x */
        0xfe, 0xff, 0xff, 0xff,                 /* y */
        1,                                      /* z */
        8, 7, 6, 5, 4, 3, 2, 1,                 /* w */
    };
    VMBuf b;
    vmbuf_init(&b);
    vmstate_save(&vmstate_small, &s, &b);
    assert_int_equal(b.len, sizeof(want));
    assert_memory_equal(b.data, want, sizeof(want));
    vmbuf_free(&b);
}

static void test_bool_validation(void **state)
{
    Small s = { .x = 1, .y = 2, .z = false, .w = 3 }, d = { 0 };
    VMBuf b;
    vmbuf_init(&b);
    vmstate_save(&vmstate_small, &s, &b);
    size_t zoff = 4 + 2 + 4 + 2 + 4;
    assert_int_equal(b.data[zoff], 0);
    for (int v = 2; v < 256; v += 37) {
        b.data[zoff] = (uint8_t)v;
        Error *err = NULL;
        assert_false(vmstate_load(&vmstate_small, &d, b.data, b.len, NULL, &err));
        assert_non_null(err);
        assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
        assert_non_null(strstr(error_get_message(err), "z"));
        error_free(err);
    }
    b.data[zoff] = 1;
    assert_true(vmstate_load(&vmstate_small, &d, b.data, b.len, NULL, NULL));
    assert_true(d.z);
    vmbuf_free(&b);
}

/* ---- versions ---- */

typedef struct Ver {
    uint32_t a;
    uint64_t added; /* in version 2 */
} Ver;

static const VMStateField ver1_fields[] = {
    VMSTATE_UINT32(a, Ver),
    VMSTATE_END_OF_LIST(),
};
static const VMStateField ver2_fields[] = {
    VMSTATE_UINT32(a, Ver),
    VMSTATE_UINT64_V(added, Ver, 2),
    VMSTATE_END_OF_LIST(),
};

static int ver_loaded_version;

static bool ver_post_load(void *opaque, int version_id, Error **errp)
{
    ver_loaded_version = version_id;
    return true;
}

static const VMStateDescription vmstate_ver1 = {
    .name = "ver", .version_id = 1, .minimum_version_id = 1, .fields = ver1_fields,
};
static const VMStateDescription vmstate_ver2 = {
    .name = "ver", .version_id = 2, .minimum_version_id = 1,
    .post_load = ver_post_load, .fields = ver2_fields,
};
static const VMStateDescription vmstate_ver3_min2 = {
    .name = "ver", .version_id = 3, .minimum_version_id = 2, .fields = ver2_fields,
};

static void test_versions(void **state)
{
    Ver old = { .a = 77, .added = 999 }, d = { .a = 0, .added = 0xdead };
    VMBuf b;
    Error *err = NULL;
    vmbuf_init(&b);

    /* An old stream lacks the new field: it loads, the field keeps its value. */
    vmstate_save(&vmstate_ver1, &old, &b);
    assert_int_equal(b.len, 4 + 3 + 4 + 4);
    size_t used = 0;
    assert_true(vmstate_load(&vmstate_ver2, &d, b.data, b.len, &used, &err));
    assert_int_equal(used, b.len);
    assert_int_equal(d.a, 77);
    assert_int_equal(d.added, 0xdead);
    assert_int_equal(ver_loaded_version, 1);

    /* Too old for a description whose minimum is 2. */
    assert_false(vmstate_load(&vmstate_ver3_min2, &d, b.data, b.len, NULL, &err));
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    assert_non_null(strstr(error_get_message(err), "'ver'"));
    error_free(err);
    err = NULL;

    /* A current stream round trips the new field. */
    vmbuf_free(&b);
    Ver cur = { .a = 5, .added = 0x1122334455667788ull };
    vmstate_save(&vmstate_ver2, &cur, &b);
    assert_int_equal(b.len, 4 + 3 + 4 + 4 + 8);
    d = (Ver){ 0 };
    assert_true(vmstate_load(&vmstate_ver2, &d, b.data, b.len, NULL, &err));
    assert_int_equal(d.added, cur.added);
    assert_int_equal(ver_loaded_version, 2);

    /* Too new: a version-2 stream for a description that stops at 1. */
    assert_false(vmstate_load(&vmstate_ver1, &d, b.data, b.len, NULL, &err));
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    error_free(err);
    err = NULL;

    /* Another description's stream is refused by name. */
    assert_false(vmstate_load(&vmstate_small, &d, b.data, b.len, NULL, &err));
    assert_non_null(strstr(error_get_message(err), "sm"));
    error_free(err);
    vmbuf_free(&b);
}

static bool reject_post_load(void *opaque, int version_id, Error **errp)
{
    const Small *s = opaque;
    if (s->x > 100) {
        error_setc(errp, ERR_SNAPSHOT, "x out of range");
        return false;
    }
    return true;
}

static const VMStateDescription vmstate_small_checked = {
    .name = "sm", .version_id = 3, .minimum_version_id = 1,
    .post_load = reject_post_load, .fields = small_fields,
};

static void test_post_load_rejects(void **state)
{
    Small s = { .x = 101 }, d = { 0 };
    VMBuf b;
    Error *err = NULL;
    vmbuf_init(&b);
    vmstate_save(&vmstate_small_checked, &s, &b);
    assert_false(vmstate_load(&vmstate_small_checked, &d, b.data, b.len, NULL, &err));
    assert_non_null(strstr(error_get_message(err), "x out of range"));
    error_free(err);
    vmbuf_free(&b);
}

/* ---- truncation and corruption ---- */

static void test_truncated_every_offset(void **state)
{
    uint64_t seed = 42;
    All src, dst;
    memset(&src, 0, sizeof(src));
    all_random(&src, &seed);
    VMBuf b;
    vmbuf_init(&b);
    vmstate_save(&vmstate_all, &src, &b);
    for (size_t n = 0; n < b.len; n++) {
        /* A copy of exactly n bytes, so ASan sees any read past the end. */
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, b.data, n);
        memset(&dst, 0, sizeof(dst));
        Error *err = NULL;
        assert_false(vmstate_load(&vmstate_all, &dst, cut, n, NULL, &err));
        assert_non_null(err);
        assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
        error_free(err);
        free(cut);
    }
    vmbuf_free(&b);
}

static void test_corrupt_bytes_no_crash(void **state)
{
    uint64_t seed = 7;
    All src, dst;
    memset(&src, 0, sizeof(src));
    all_random(&src, &seed);
    VMBuf b;
    vmbuf_init(&b);
    vmstate_save(&vmstate_all, &src, &b);
    uint8_t *copy = malloc(b.len);
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(copy, b.data, b.len);
        int flips = 1 + (int)(xorshift(&seed) % 4);
        for (int f = 0; f < flips; f++) {
            copy[xorshift(&seed) % b.len] = (uint8_t)xorshift(&seed);
        }
        Error *err = NULL;
        size_t used = 0;
        if (vmstate_load(&vmstate_all, &dst, copy, b.len, &used, &err)) {
            assert_true(used <= b.len);
        } else {
            assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
            error_free(err);
        }
    }
    free(copy);
    vmbuf_free(&b);
}

/* ---- timers, with the real loop ---- */

typedef struct Fired {
    int ev[16];
    int n;
} Fired;

typedef struct Dev {
    Timer t[3];
    uint32_t x;
    Fired *log;
} Dev;

typedef struct TimerTag {
    Dev *dev;
    int id;
} TimerTag;

static const VMStateField dev_fields[] = {
    VMSTATE_TIMER(t[0], Dev),
    VMSTATE_TIMER(t[1], Dev),
    VMSTATE_TIMER(t[2], Dev),
    VMSTATE_UINT32(x, Dev),
    VMSTATE_END_OF_LIST(),
};

static const VMStateDescription vmstate_dev = {
    .name = "dev", .version_id = 1, .minimum_version_id = 1, .fields = dev_fields,
};

typedef struct Machine {
    Loop *loop;
    Dev dev;
    TimerTag tags[3];
    VMStateLoopSeq seq;
    VMStateRegistry reg;
    Fired log;
} Machine;

static void fire(void *opaque)
{
    TimerTag *t = opaque;
    t->dev->log->ev[t->dev->log->n++] = t->id;
}

static Machine *machine_new(void)
{
    Machine *m = calloc(1, sizeof(*m));
    m->loop = loop_new(NULL);
    assert_non_null(m->loop);
    loop_set_virtual_ns(m->loop, 0);
    m->dev.log = &m->log;
    for (int i = 0; i < 3; i++) {
        m->tags[i] = (TimerTag){ .dev = &m->dev, .id = i };
        timer_init(&m->dev.t[i], m->loop, CLOCK_VIRTUAL, fire, &m->tags[i]);
    }
    m->seq.loop = m->loop;
    vmstate_registry_init(&m->reg);
    vmstate_register(&m->reg, "loop", &vmstate_loop_seq, &m->seq);
    vmstate_register(&m->reg, "dev0", &vmstate_dev, &m->dev);
    return m;
}

static void machine_free(Machine *m)
{
    for (int i = 0; i < 3; i++) {
        timer_del(&m->dev.t[i]);
    }
    vmstate_registry_free(&m->reg);
    loop_free(m->loop);
    free(m);
}

static void run_to(Machine *m, int64_t ns)
{
    loop_set_virtual_ns(m->loop, ns);
    loop_run_timers(m->loop, CLOCK_VIRTUAL);
}

static void test_timer_roundtrip(void **state)
{
    Machine *a = machine_new(), *b = machine_new();

    /* Burn some sequence numbers so a fresh loop would number differently. */
    for (int i = 0; i < 5; i++) {
        timer_mod(&a->dev.t[0], 1000 + i);
    }
    /* Equal deadlines armed in the order t2, t0: t2 must fire first. */
    timer_mod(&a->dev.t[2], 100);
    timer_mod(&a->dev.t[0], 100);
    timer_mod(&a->dev.t[1], 50);
    a->dev.x = 0xabcdef;

    /* The other machine has different timer state that the load must replace. */
    timer_mod(&b->dev.t[1], 5);
    timer_mod(&b->dev.t[0], 7);

    VMBuf s1, s2;
    vmbuf_init(&s1);
    vmbuf_init(&s2);
    vmstate_save_all(&a->reg, &s1);
    Error *err = NULL;
    assert_true(vmstate_load_all(&b->reg, s1.data, s1.len, &err));
    assert_null(err);
    assert_int_equal(b->dev.x, 0xabcdef);
    assert_int_equal(loop_get_timer_seq(b->loop), loop_get_timer_seq(a->loop));
    for (int i = 0; i < 3; i++) {
        assert_int_equal(timer_pending(&b->dev.t[i]), timer_pending(&a->dev.t[i]));
        assert_int_equal(timer_expire_time(&b->dev.t[i]), timer_expire_time(&a->dev.t[i]));
    }
    vmstate_save_all(&b->reg, &s2);
    assert_int_equal(s1.len, s2.len);
    assert_memory_equal(s1.data, s2.data, s1.len);
    assert_true(hash_equal(vmstate_digest(&a->reg), vmstate_digest(&b->reg)));

    /* Both machines now run the same way: nothing at 49 (b's old 5 and 7 are gone),
     * t1 at 50, then t2 before t0 at 100. */
    Machine *ms[2] = { a, b };
    for (int k = 0; k < 2; k++) {
        Machine *m = ms[k];
        run_to(m, 49);
        assert_int_equal(m->log.n, 0);
        run_to(m, 50);
        assert_int_equal(m->log.n, 1);
        assert_int_equal(m->log.ev[0], 1);
        run_to(m, 99);
        assert_int_equal(m->log.n, 1);
        /* A timer armed after the restore numbers on from the saved sequence,
         * so it goes after the restored ones of equal deadline. */
        timer_mod(&m->dev.t[1], 100);
        run_to(m, 100);
        assert_int_equal(m->log.n, 4);
        assert_int_equal(m->log.ev[1], 2);
        assert_int_equal(m->log.ev[2], 0);
        assert_int_equal(m->log.ev[3], 1);
    }
    vmbuf_free(&s1);
    vmbuf_free(&s2);
    machine_free(a);
    machine_free(b);
}

static void test_timer_bad_state(void **state)
{
    Machine *a = machine_new();
    timer_mod(&a->dev.t[0], 10);
    VMBuf b;
    vmbuf_init(&b);
    vmstate_save(&vmstate_dev, &a->dev, &b);
    size_t armed_off = 4 + 3 + 4;
    assert_int_equal(b.data[armed_off], 1);

    /* armed must be 0 or 1 */
    b.data[armed_off] = 3;
    Error *err = NULL;
    assert_false(vmstate_load(&vmstate_dev, &a->dev, b.data, b.len, NULL, &err));
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    error_free(err);
    err = NULL;
    b.data[armed_off] = 1;

    /* A timer the owner never initialised is refused, not dereferenced. */
    Dev *raw = calloc(1, sizeof(*raw));
    assert_false(vmstate_load(&vmstate_dev, raw, b.data, b.len, NULL, &err));
    assert_non_null(strstr(error_get_message(err), "not initialised"));
    error_free(err);
    free(raw);
    vmbuf_free(&b);
    machine_free(a);
}

/* ---- registry ---- */

typedef struct Trio {
    Small s1, s2;
    Ver v;
    VMStateRegistry reg;
} Trio;

static void trio_init(Trio *t, const char *n1, const char *n2, const char *n3, int count)
{
    memset(t, 0, sizeof(*t));
    vmstate_registry_init(&t->reg);
    if (count > 0) {
        vmstate_register(&t->reg, n1, &vmstate_small, &t->s1);
    }
    if (count > 1) {
        vmstate_register(&t->reg, n2, &vmstate_small, &t->s2);
    }
    if (count > 2) {
        vmstate_register(&t->reg, n3, &vmstate_ver2, &t->v);
    }
}

static void test_registry_roundtrip_and_digest(void **state)
{
    Trio a, b;
    trio_init(&a, "uart0", "uart1", "ver", 3);
    trio_init(&b, "uart0", "uart1", "ver", 3);
    a.s1 = (Small){ 1, -1, true, 10 };
    a.s2 = (Small){ 2, -2, false, 20 };
    a.v = (Ver){ 3, 30 };
    Hash128 before = vmstate_digest(&b.reg);
    VMBuf buf;
    vmbuf_init(&buf);
    vmstate_save_all(&a.reg, &buf);
    Error *err = NULL;
    assert_true(vmstate_load_all(&b.reg, buf.data, buf.len, &err));
    assert_int_equal(b.s2.w, 20);
    assert_int_equal(b.v.added, 30);
    assert_true(hash_equal(vmstate_digest(&a.reg), vmstate_digest(&b.reg)));
    assert_false(hash_equal(before, vmstate_digest(&b.reg)));
    b.s2.w++;
    assert_false(hash_equal(vmstate_digest(&a.reg), vmstate_digest(&b.reg)));

    /* Truncation at every offset fails cleanly and, since the instance list is
     * checked first, a failure in the header part leaves the state alone. */
    for (size_t n = 0; n < buf.len; n++) {
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, buf.data, n);
        assert_false(vmstate_load_all(&b.reg, cut, n, &err));
        assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
        error_free(err);
        err = NULL;
        free(cut);
    }
    assert_int_equal(b.s2.w, 21);
    vmbuf_free(&buf);
    vmstate_registry_free(&a.reg);
    vmstate_registry_free(&b.reg);
}

static void expect_mismatch(Trio *from, Trio *to, const char *needle1, const char *needle2)
{
    VMBuf buf;
    vmbuf_init(&buf);
    to->s1.x = 0x77;
    vmstate_save_all(&from->reg, &buf);
    Error *err = NULL;
    assert_false(vmstate_load_all(&to->reg, buf.data, buf.len, &err));
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    assert_non_null(strstr(error_get_message(err), needle1));
    if (needle2) {
        assert_non_null(strstr(error_get_message(err), needle2));
    }
    /* Nothing was loaded before the mismatch was found. */
    assert_int_equal(to->s1.x, 0x77);
    error_free(err);
    vmbuf_free(&buf);
}

static void test_registry_mismatch(void **state)
{
    Trio a, b;
    trio_init(&a, "uart0", "uart1", "ver", 3);
    trio_init(&b, "uart0", "uart9", "ver", 3);
    expect_mismatch(&a, &b, "uart1", "uart9");
    vmstate_registry_free(&b.reg);

    trio_init(&b, "uart0", "uart1", "ver", 2); /* machine lacks "ver" */
    expect_mismatch(&a, &b, "ver", "lacks");
    vmstate_registry_free(&b.reg);

    trio_init(&b, "uart0", "uart1", "ver", 3);
    Trio c;
    trio_init(&c, "uart0", "uart1", "ver", 2); /* snapshot lacks "ver" */
    expect_mismatch(&c, &b, "ver", NULL);
    vmstate_registry_free(&b.reg);
    vmstate_registry_free(&c.reg);

    trio_init(&b, "uart1", "uart0", "ver", 3); /* order differs */
    expect_mismatch(&a, &b, "uart0", "uart1");
    vmstate_registry_free(&b.reg);
    vmstate_registry_free(&a.reg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_random),
        cmocka_unit_test(test_golden_bytes),
        cmocka_unit_test(test_bool_validation),
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_post_load_rejects),
        cmocka_unit_test(test_truncated_every_offset),
        cmocka_unit_test(test_corrupt_bytes_no_crash),
        cmocka_unit_test(test_timer_roundtrip),
        cmocka_unit_test(test_timer_bad_state),
        cmocka_unit_test(test_registry_roundtrip_and_digest),
        cmocka_unit_test(test_registry_mismatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
