/*
 * vmstate: (de)serialisation of VMState descriptions.
 *
 * Stream of one instance:
 *   name       u32 length + bytes (no NUL)
 *   version    u32
 *   fields     in table order, each element fixed width, little-endian:
 *              BOOL 1 byte (0/1), U8..U64/I32/I64 their width, BUFFER count
 *              bytes, STRUCT a nested instance stream (its own name and
 *              version), TIMER {armed u8, expire i64, seq u64}.
 *
 * Stream of a registry (vmstate_save_all):
 *   magic "RVMS", u32 format, u32 count,
 *   then per instance: instance name (u32 length + bytes), u64 blob length,
 *   the instance stream.
 * The per-instance length lets load_all check the whole instance list before
 * it touches any state, so a mismatched snapshot is refused cleanly.
 *
 * Every length read from the input is checked against what is left, so a
 * truncated or corrupt stream fails with ERR_SNAPSHOT and never reads past
 * its end.
 */
#include "snapshots/vmstate.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "sim/loop/loop.h"

#define VMS_ALL_MAGIC   0x534d5652u /* "RVMS" little-endian */
#define VMS_ALL_FORMAT  1u
/* Nesting deeper than this is a description bug or a hostile stream. */
#define VMS_MAX_DEPTH   16

/* ---- byte buffer ---- */

void vmbuf_init(VMBuf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void vmbuf_free(VMBuf *b)
{
    free(b->data);
    vmbuf_init(b);
}

void vmbuf_put(VMBuf *b, const void *data, size_t len)
{
    if (len == 0) {
        return;
    }
    if (b->cap - b->len < len) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < len) {
            assert(cap <= SIZE_MAX / 2);
            cap *= 2;
        }
        uint8_t *p = realloc(b->data, cap);
        /* Out of memory while serialising is not recoverable here. */
        assert(p);
        if (!p) {
            abort();
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

static void put_le(VMBuf *b, uint64_t v, unsigned width)
{
    uint8_t tmp[8];
    for (unsigned i = 0; i < width; i++) {
        tmp[i] = (uint8_t)(v >> (8 * i));
    }
    vmbuf_put(b, tmp, width);
}

static void put_str(VMBuf *b, const char *s)
{
    size_t n = strlen(s);
    put_le(b, n, 4);
    vmbuf_put(b, s, n);
}

/* ---- bounded reader ---- */

typedef struct Reader {
    const uint8_t *p;
    size_t len, pos;
} Reader;

static bool rd_bytes(Reader *r, size_t n, const uint8_t **out)
{
    if (r->len - r->pos < n) {
        *out = NULL;
        return false;
    }
    *out = r->p + r->pos;
    r->pos += n;
    return true;
}

static bool rd_le(Reader *r, unsigned width, uint64_t *v)
{
    const uint8_t *p;
    if (!rd_bytes(r, width, &p)) {
        *v = 0;
        return false;
    }
    uint64_t x = 0;
    for (unsigned i = 0; i < width; i++) {
        x |= (uint64_t)p[i] << (8 * i);
    }
    *v = x;
    return true;
}

/* A length-prefixed string; *s points into the input (not NUL-terminated). */
static bool rd_str(Reader *r, const uint8_t **s, size_t *n)
{
    uint64_t len;
    if (!rd_le(r, 4, &len)) {
        *s = NULL;
        *n = 0;
        return false;
    }
    *n = len;
    return rd_bytes(r, len, s);
}

static bool str_eq(const uint8_t *s, size_t n, const char *z)
{
    return strlen(z) == n && memcmp(s, z, n) == 0;
}

/* ---- saving ---- */

static unsigned scalar_width(VMStateType t)
{
    switch (t) {
    case VMS_BOOL:
    case VMS_U8:
        return 1;
    case VMS_U16:
        return 2;
    case VMS_U32:
    case VMS_I32:
        return 4;
    case VMS_U64:
    case VMS_I64:
        return 8;
    default:
        return 0;
    }
}

static uint64_t scalar_get(VMStateType t, const void *p)
{
    switch (t) {
    case VMS_BOOL:
        return *(const bool *)p ? 1 : 0;
    case VMS_U8:
        return *(const uint8_t *)p;
    case VMS_U16:
        return *(const uint16_t *)p;
    case VMS_U32:
        return *(const uint32_t *)p;
    case VMS_I32:
        return (uint32_t)*(const int32_t *)p;
    case VMS_U64:
        return *(const uint64_t *)p;
    case VMS_I64:
        return (uint64_t)*(const int64_t *)p;
    default:
        abort();
    }
}

static void scalar_set(VMStateType t, void *p, uint64_t v)
{
    switch (t) {
    case VMS_BOOL:
        *(bool *)p = v != 0;
        break;
    case VMS_U8:
        *(uint8_t *)p = (uint8_t)v;
        break;
    case VMS_U16:
        *(uint16_t *)p = (uint16_t)v;
        break;
    case VMS_U32:
        *(uint32_t *)p = (uint32_t)v;
        break;
    case VMS_I32:
        *(int32_t *)p = (int32_t)(uint32_t)v;
        break;
    case VMS_U64:
        *(uint64_t *)p = v;
        break;
    case VMS_I64:
        *(int64_t *)p = (int64_t)v;
        break;
    default:
        abort();
    }
}

static size_t elem_size_of(const VMStateField *f)
{
    switch (f->type) {
    case VMS_BOOL:
        return sizeof(bool);
    case VMS_STRUCT:
        return f->elem_size;
    default:
        return scalar_width(f->type);
    }
}

static void save_one(const VMStateDescription *vmsd, void *opaque, VMBuf *out, int depth)
{
    assert(depth < VMS_MAX_DEPTH);
    assert(vmsd->version_id >= 0 && vmsd->minimum_version_id <= vmsd->version_id);
    if (vmsd->pre_save) {
        vmsd->pre_save(opaque);
    }
    put_str(out, vmsd->name);
    put_le(out, (uint32_t)vmsd->version_id, 4);
    for (const VMStateField *f = vmsd->fields; f && f->type != VMS_END; f++) {
        /* A field newer than its description is a description bug. */
        assert(f->version_id <= vmsd->version_id);
        uint8_t *base = (uint8_t *)opaque + f->offset;
        switch (f->type) {
        case VMS_BUFFER:
            vmbuf_put(out, base, f->count);
            break;
        case VMS_STRUCT:
            assert(f->vmsd && f->elem_size);
            for (uint32_t i = 0; i < f->count; i++) {
                save_one(f->vmsd, base + (size_t)i * f->elem_size, out, depth + 1);
            }
            break;
        case VMS_TIMER: {
            assert(f->count == 1);
            TimerState ts = timer_save((const Timer *)base);
            put_le(out, ts.armed ? 1 : 0, 1);
            put_le(out, (uint64_t)ts.expire, 8);
            put_le(out, ts.seq, 8);
            break;
        }
        default: {
            unsigned w = scalar_width(f->type);
            assert(w);
            size_t es = elem_size_of(f);
            for (uint32_t i = 0; i < f->count; i++) {
                put_le(out, scalar_get(f->type, base + (size_t)i * es), w);
            }
            break;
        }
        }
    }
}

void vmstate_save(const VMStateDescription *vmsd, void *opaque, VMBuf *out)
{
    save_one(vmsd, opaque, out, 0);
}

/* ---- loading ---- */

static bool truncated(Error **errp, const VMStateDescription *vmsd, const char *field)
{
    error_setc(errp, ERR_SNAPSHOT, "state of '%s' is truncated (at %s)", vmsd->name,
               field ? field : "header");
    return false;
}

static bool load_one(const VMStateDescription *vmsd, void *opaque, Reader *r, int depth,
                     Error **errp)
{
    const uint8_t *name;
    size_t name_len;
    uint64_t ver;

    if (depth >= VMS_MAX_DEPTH) {
        error_setc(errp, ERR_SNAPSHOT, "state of '%s' nests too deeply", vmsd->name);
        return false;
    }
    if (!rd_str(r, &name, &name_len) || !rd_le(r, 4, &ver)) {
        return truncated(errp, vmsd, NULL);
    }
    if (!str_eq(name, name_len, vmsd->name)) {
        int shown = name_len > 64 ? 64 : (int)name_len;
        error_setc(errp, ERR_SNAPSHOT, "expected state of '%s', found '%.*s'", vmsd->name,
                   shown, (const char *)name);
        return false;
    }
    if (ver > INT32_MAX || (int)ver < vmsd->minimum_version_id || (int)ver > vmsd->version_id) {
        error_setc(errp, ERR_SNAPSHOT,
                   "state of '%s' has version %llu; this build loads versions %d to %d",
                   vmsd->name, (unsigned long long)ver, vmsd->minimum_version_id,
                   vmsd->version_id);
        return false;
    }
    int version = (int)ver;

    for (const VMStateField *f = vmsd->fields; f && f->type != VMS_END; f++) {
        if (f->version_id > version) {
            continue; /* not in this stream: keep the value the device has */
        }
        uint8_t *base = (uint8_t *)opaque + f->offset;
        switch (f->type) {
        case VMS_BUFFER: {
            const uint8_t *p;
            if (!rd_bytes(r, f->count, &p)) {
                return truncated(errp, vmsd, f->name);
            }
            memcpy(base, p, f->count);
            break;
        }
        case VMS_STRUCT:
            for (uint32_t i = 0; i < f->count; i++) {
                if (!load_one(f->vmsd, base + (size_t)i * f->elem_size, r, depth + 1, errp)) {
                    error_prepend(errp, "%s.%s[%u]: ", vmsd->name, f->name, i);
                    return false;
                }
            }
            break;
        case VMS_TIMER: {
            uint64_t armed, expire, seq;
            if (!rd_le(r, 1, &armed) || !rd_le(r, 8, &expire) || !rd_le(r, 8, &seq)) {
                return truncated(errp, vmsd, f->name);
            }
            if (armed > 1) {
                error_setc(errp, ERR_SNAPSHOT, "state of '%s': timer %s has armed=%llu",
                           vmsd->name, f->name, (unsigned long long)armed);
                return false;
            }
            Timer *t = (Timer *)base;
            if (!t->loop) {
                /* The owner must timer_init() before loading; restoring into an
                 * uninitialised timer would arm it in no loop at all. */
                error_setc(errp, ERR_SNAPSHOT, "state of '%s': timer %s is not initialised",
                           vmsd->name, f->name);
                return false;
            }
            TimerState ts = { .armed = (uint8_t)armed, .expire = (int64_t)expire, .seq = seq };
            timer_restore(t, &ts);
            break;
        }
        default: {
            unsigned w = scalar_width(f->type);
            size_t es = elem_size_of(f);
            assert(w);
            for (uint32_t i = 0; i < f->count; i++) {
                uint64_t v;
                if (!rd_le(r, w, &v)) {
                    return truncated(errp, vmsd, f->name);
                }
                if (f->type == VMS_BOOL && v > 1) {
                    error_setc(errp, ERR_SNAPSHOT, "state of '%s': %s[%u] is %llu, not a bool",
                               vmsd->name, f->name, i, (unsigned long long)v);
                    return false;
                }
                scalar_set(f->type, base + (size_t)i * es, v);
            }
            break;
        }
        }
    }
    if (vmsd->post_load && !vmsd->post_load(opaque, version, errp)) {
        error_prepend(errp, "state of '%s' rejected: ", vmsd->name);
        return false;
    }
    return true;
}

bool vmstate_load(const VMStateDescription *vmsd, void *opaque, const uint8_t *in,
                  size_t len, size_t *consumed, Error **errp)
{
    Reader r = { .p = in, .len = len, .pos = 0 };
    if (!load_one(vmsd, opaque, &r, 0, errp)) {
        return false;
    }
    if (consumed) {
        *consumed = r.pos;
    }
    return true;
}

/* ---- registry ---- */

void vmstate_registry_init(VMStateRegistry *r)
{
    r->entries = NULL;
    r->n = 0;
    r->cap = 0;
}

void vmstate_registry_free(VMStateRegistry *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->entries[i].instance);
    }
    free(r->entries);
    vmstate_registry_init(r);
}

void vmstate_register(VMStateRegistry *r, const char *instance,
                      const VMStateDescription *vmsd, void *opaque)
{
    assert(instance && vmsd && opaque);
    for (size_t i = 0; i < r->n; i++) {
        assert(strcmp(r->entries[i].instance, instance) != 0);
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        VMStateEntry *e = realloc(r->entries, cap * sizeof(*e));
        assert(e);
        if (!e) {
            abort();
        }
        r->entries = e;
        r->cap = cap;
    }
    char *copy = strdup(instance);
    assert(copy);
    if (!copy) {
        abort();
    }
    r->entries[r->n++] = (VMStateEntry){ .instance = copy, .vmsd = vmsd, .opaque = opaque };
}

void vmstate_save_all(VMStateRegistry *r, VMBuf *out)
{
    put_le(out, VMS_ALL_MAGIC, 4);
    put_le(out, VMS_ALL_FORMAT, 4);
    put_le(out, r->n, 4);
    for (size_t i = 0; i < r->n; i++) {
        VMStateEntry *e = &r->entries[i];
        put_str(out, e->instance);
        size_t len_at = out->len;
        put_le(out, 0, 8); /* patched below */
        size_t start = out->len;
        vmstate_save(e->vmsd, e->opaque, out);
        uint64_t blob = out->len - start;
        for (unsigned k = 0; k < 8; k++) {
            out->data[len_at + k] = (uint8_t)(blob >> (8 * k));
        }
    }
}

/* Pass 1 of loading; *body_at receives the offset of the first instance. */
static bool check_all(VMStateRegistry *r, const uint8_t *in, size_t len, size_t *body_at,
                      Error **errp)
{
    Reader rd = { .p = in, .len = len, .pos = 0 };
    uint64_t magic, format, count;

    if (!rd_le(&rd, 4, &magic) || !rd_le(&rd, 4, &format) || !rd_le(&rd, 4, &count)) {
        error_setc(errp, ERR_SNAPSHOT, "machine state is truncated (header)");
        return false;
    }
    if (magic != VMS_ALL_MAGIC) {
        error_setc(errp, ERR_SNAPSHOT, "machine state has a bad magic number");
        return false;
    }
    if (format != VMS_ALL_FORMAT) {
        error_setc(errp, ERR_SNAPSHOT, "machine state has format %llu; this build reads %u",
                   (unsigned long long)format, VMS_ALL_FORMAT);
        return false;
    }

    *body_at = rd.pos;
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *name;
        size_t name_len;
        uint64_t blob;
        const uint8_t *p;
        if (!rd_str(&rd, &name, &name_len) || !rd_le(&rd, 8, &blob) ||
            !rd_bytes(&rd, blob, &p)) {
            error_setc(errp, ERR_SNAPSHOT, "machine state is truncated (instance %llu)",
                       (unsigned long long)i);
            return false;
        }
        int shown = name_len > 64 ? 64 : (int)name_len;
        if (i >= r->n) {
            error_setc(errp, ERR_SNAPSHOT,
                       "snapshot has state for '%.*s' (instance %llu), which this machine lacks",
                       shown, (const char *)name, (unsigned long long)i);
            return false;
        }
        if (!str_eq(name, name_len, r->entries[i].instance)) {
            error_setc(errp, ERR_SNAPSHOT,
                       "snapshot instance %llu is '%.*s' where this machine has '%s'",
                       (unsigned long long)i, shown, (const char *)name,
                       r->entries[i].instance);
            return false;
        }
    }
    if (count < r->n) {
        error_setc(errp, ERR_SNAPSHOT, "snapshot lacks state for '%s' (instance %llu)",
                   r->entries[count].instance, (unsigned long long)count);
        return false;
    }
    if (rd.pos != rd.len) {
        error_setc(errp, ERR_SNAPSHOT, "machine state has %zu trailing bytes",
                   rd.len - rd.pos);
        return false;
    }

    return true;
}

bool vmstate_check_all(VMStateRegistry *r, const uint8_t *in, size_t len, Error **errp)
{
    size_t body;
    return check_all(r, in, len, &body, errp);
}

bool vmstate_load_all(VMStateRegistry *r, const uint8_t *in, size_t len, Error **errp)
{
    size_t body;
    /* Check the whole instance list first, so a mismatch touches nothing. */
    if (!check_all(r, in, len, &body, errp)) {
        return false;
    }
    Reader rd = { .p = in, .len = len, .pos = body };
    for (size_t i = 0; i < r->n; i++) {
        const uint8_t *name = NULL, *p = NULL;
        size_t name_len = 0, used = 0;
        uint64_t blob = 0;
        bool ok = rd_str(&rd, &name, &name_len) && rd_le(&rd, 8, &blob) &&
                  rd_bytes(&rd, blob, &p);
        assert(ok); /* check_all() walked the same bytes */
        (void)ok;
        if (!vmstate_load(r->entries[i].vmsd, r->entries[i].opaque, p, blob, &used, errp)) {
            error_prepend(errp, "%s: ", r->entries[i].instance);
            return false;
        }
        if (used != blob) {
            error_setc(errp, ERR_SNAPSHOT, "%s: state has %llu bytes, description used %zu",
                       r->entries[i].instance, (unsigned long long)blob, used);
            return false;
        }
    }
    return true;
}

Hash128 vmstate_digest(VMStateRegistry *r)
{
    VMBuf b;
    vmbuf_init(&b);
    vmstate_save_all(r, &b);
    Hash128 h = hash128(b.data, b.len);
    vmbuf_free(&b);
    return h;
}

/* ---- the loop's arming sequence as machine state ---- */

static void loop_seq_pre_save(void *opaque)
{
    VMStateLoopSeq *s = opaque;
    s->seq = loop_get_timer_seq(s->loop);
}

static bool loop_seq_post_load(void *opaque, int version_id, Error **errp)
{
    VMStateLoopSeq *s = opaque;
    loop_set_timer_seq(s->loop, s->seq);
    return true;
}

static const VMStateField loop_seq_fields[] = {
    VMSTATE_UINT64(seq, VMStateLoopSeq),
    VMSTATE_END_OF_LIST(),
};

const VMStateDescription vmstate_loop_seq = {
    .name = "loop",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = loop_seq_pre_save,
    .post_load = loop_seq_post_load,
    .fields = loop_seq_fields,
};
