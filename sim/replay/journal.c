/* journal: see journal.h for the format. */
#include "sim/replay/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "sim/replay/journal_internal.h"

#define FRAME_MAGIC "RJFR"
#define TRAILER_MAGIC "RJTRAILR"
#define FILE_HEADER_SIZE 24u
#define FRAME_HEADER_SIZE 64u
#define TRAILER_SIZE 24u
#define INDEX_ENTRY_SIZE 48u
#define FRAME_TYPE_EVENTS 1
#define FRAME_TYPE_INDEX 2
#define ZSTD_LEVEL 3

/* ---- byte buffers and little-endian encoding ---- */

void jbuf_reserve(JBuf *b, size_t extra)
{
    if (b->len + extra <= b->cap) {
        return;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra) {
        cap *= 2;
    }
    uint8_t *d = realloc(b->data, cap);
    if (!d) {
        abort();
    }
    b->data = d;
    b->cap = cap;
}

void jbuf_put(JBuf *b, const void *p, size_t n)
{
    jbuf_reserve(b, n);
    if (n) {
        memcpy(b->data + b->len, p, n);
    }
    b->len += n;
}

void jbuf_free(JBuf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

static void put_u8(JBuf *b, uint8_t v)
{
    jbuf_put(b, &v, 1);
}

static void put_le(JBuf *b, uint64_t v, int bytes)
{
    uint8_t t[8];
    for (int i = 0; i < bytes; i++) {
        t[i] = (uint8_t)(v >> (8 * i));
    }
    jbuf_put(b, t, (size_t)bytes);
}

static void put_varint(JBuf *b, uint64_t v)
{
    while (v >= 0x80) {
        put_u8(b, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    put_u8(b, (uint8_t)v);
}

static void put_string(JBuf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    put_varint(b, n);
    jbuf_put(b, s, n);
}

static void put_hash(JBuf *b, Hash128 h)
{
    put_le(b, h.lo, 8);
    put_le(b, h.hi, 8);
}

static uint64_t get_le(const uint8_t *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static void set_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* Bounds-checked decoding: any overrun sets `bad` and yields zeros. */
typedef struct Dec {
    const uint8_t *p;
    size_t len, pos;
    bool bad;
} Dec;

static const uint8_t *dec_bytes(Dec *d, size_t n)
{
    if (d->bad || n > d->len - d->pos) {
        d->bad = true;
        return NULL;
    }
    const uint8_t *p = d->p + d->pos;
    d->pos += n;
    return p;
}

static uint64_t dec_le(Dec *d, int bytes)
{
    const uint8_t *p = dec_bytes(d, (size_t)bytes);
    return p ? get_le(p, bytes) : 0;
}

static uint64_t dec_varint(Dec *d)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        const uint8_t *p = dec_bytes(d, 1);
        if (!p) {
            return 0;
        }
        /* The tenth byte may only carry the top bit of a 64-bit value. */
        if (shift == 63 && *p > 1) {
            d->bad = true;
            return 0;
        }
        v |= (uint64_t)(*p & 0x7f) << shift;
        if (!(*p & 0x80)) {
            return v;
        }
    }
    d->bad = true;
    return 0;
}

static Hash128 dec_hash(Dec *d)
{
    Hash128 h;
    h.lo = dec_le(d, 8);
    h.hi = dec_le(d, 8);
    return h;
}

/* A string of at most `max` bytes without NULs; NULL (and bad) otherwise. */
static char *dec_string(Dec *d, size_t max)
{
    uint64_t n = dec_varint(d);
    if (d->bad || n > max) {
        d->bad = true;
        return NULL;
    }
    const uint8_t *p = dec_bytes(d, (size_t)n);
    if (!p || memchr(p, 0, (size_t)n)) {
        d->bad = true;
        return NULL;
    }
    char *s = malloc((size_t)n + 1);
    if (!s) {
        abort();
    }
    memcpy(s, p, (size_t)n);
    s[n] = '\0';
    return s;
}

uint64_t journal_checksum(const void *a, size_t alen, const void *b, size_t blen)
{
    HashState s;
    hash_init(&s);
    hash_update(&s, a, alen);
    if (blen) {
        hash_update(&s, b, blen);
    }
    Hash128 h = hash_final(&s);
    hash_free(&s);
    return h.lo;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) {
        abort();
    }
    return d;
}

/* ---- manifest ---- */

void journal_manifest_init(JournalManifest *m, const char *rrsim_version, const char *machine,
                           int icount_shift)
{
    memset(m, 0, sizeof(*m));
    m->format_version = JOURNAL_FORMAT_VERSION;
    m->rrsim_version = xstrdup(rrsim_version);
    m->machine = xstrdup(machine);
    m->icount_shift = icount_shift;
}

void journal_manifest_add_input(JournalManifest *m, const char *name, Hash128 hash)
{
    for (size_t i = 0; i < m->n_inputs; i++) {
        if (!strcmp(m->inputs[i].name, name)) {
            m->inputs[i].hash = hash;
            return;
        }
    }
    JournalInput *in = realloc(m->inputs, (m->n_inputs + 1) * sizeof(*in));
    if (!in) {
        abort();
    }
    m->inputs = in;
    m->inputs[m->n_inputs].name = xstrdup(name);
    m->inputs[m->n_inputs].hash = hash;
    m->n_inputs++;
}

const JournalInput *journal_manifest_find(const JournalManifest *m, const char *name)
{
    for (size_t i = 0; i < m->n_inputs; i++) {
        if (!strcmp(m->inputs[i].name, name)) {
            return &m->inputs[i];
        }
    }
    return NULL;
}

void journal_manifest_copy(JournalManifest *dst, const JournalManifest *src)
{
    journal_manifest_init(dst, src->rrsim_version, src->machine, src->icount_shift);
    dst->format_version = src->format_version;
    for (size_t i = 0; i < src->n_inputs; i++) {
        journal_manifest_add_input(dst, src->inputs[i].name, src->inputs[i].hash);
    }
}

void journal_manifest_free(JournalManifest *m)
{
    for (size_t i = 0; i < m->n_inputs; i++) {
        free(m->inputs[i].name);
    }
    free(m->inputs);
    free(m->rrsim_version);
    free(m->machine);
    memset(m, 0, sizeof(*m));
}

static bool manifest_encode(JBuf *b, const JournalManifest *m, Error **errp)
{
    if (m->n_inputs > JOURNAL_MAX_INPUTS || m->icount_shift < 0 || m->icount_shift > 63) {
        error_setc(errp, ERR_USAGE, "journal manifest: too many inputs or bad shift");
        return false;
    }
    const char *strs[2] = { m->rrsim_version, m->machine };
    for (int i = 0; i < 2; i++) {
        if (strs[i] && strlen(strs[i]) > JOURNAL_MAX_STRING) {
            error_setc(errp, ERR_USAGE, "journal manifest: string too long");
            return false;
        }
        put_string(b, strs[i]);
    }
    put_varint(b, (uint64_t)m->icount_shift);
    put_varint(b, m->n_inputs);
    for (size_t i = 0; i < m->n_inputs; i++) {
        if (strlen(m->inputs[i].name) > JOURNAL_MAX_STRING) {
            error_setc(errp, ERR_USAGE, "journal manifest: input name too long");
            return false;
        }
        put_string(b, m->inputs[i].name);
        put_hash(b, m->inputs[i].hash);
    }
    return true;
}

static bool manifest_decode(const uint8_t *p, size_t len, JournalManifest *m)
{
    Dec d = { .p = p, .len = len };
    memset(m, 0, sizeof(*m));
    m->format_version = JOURNAL_FORMAT_VERSION;
    m->rrsim_version = dec_string(&d, JOURNAL_MAX_STRING);
    m->machine = dec_string(&d, JOURNAL_MAX_STRING);
    uint64_t shift = dec_varint(&d);
    uint64_t n = dec_varint(&d);
    if (d.bad || shift > 63 || n > JOURNAL_MAX_INPUTS) {
        return false;
    }
    m->icount_shift = (int)shift;
    for (uint64_t i = 0; i < n; i++) {
        char *name = dec_string(&d, JOURNAL_MAX_STRING);
        Hash128 h = dec_hash(&d);
        if (d.bad) {
            free(name);
            return false;
        }
        journal_manifest_add_input(m, name, h);
        free(name);
    }
    return d.pos == d.len;
}

/* ---- event encoding ---- */

static void put_digest(JBuf *b, const JournalDigest *g)
{
    put_le(b, g->pc, 8);
    put_le(b, (uint64_t)g->vclock_ns, 8);
    put_hash(b, g->hart);
    put_hash(b, g->devices);
    put_u8(b, (uint8_t)((g->has_ram ? 1 : 0) | (g->has_xregs ? 2 : 0)));
    if (g->has_ram) {
        put_hash(b, g->ram);
    }
    if (g->has_xregs) {
        for (int i = 0; i < 32; i++) {
            put_le(b, g->xregs[i], 8);
        }
    }
}

static bool dec_digest(Dec *d, JournalDigest *g)
{
    memset(g, 0, sizeof(*g));
    g->pc = dec_le(d, 8);
    g->vclock_ns = (int64_t)dec_le(d, 8);
    g->hart = dec_hash(d);
    g->devices = dec_hash(d);
    uint64_t flags = dec_le(d, 1);
    if (flags & ~3ull) {
        return false;
    }
    g->has_ram = flags & 1;
    g->has_xregs = flags & 2;
    if (g->has_ram) {
        g->ram = dec_hash(d);
    }
    if (g->has_xregs) {
        for (int i = 0; i < 32; i++) {
            g->xregs[i] = dec_le(d, 8);
        }
    }
    return !d->bad && d->pos == d->len;
}

/* The payload of one event (without delta, kind and length). */
static bool event_encode_payload(JBuf *b, const JournalEvent *ev, Error **errp)
{
    switch (ev->kind) {
    case JOURNAL_EV_CHAR_INPUT:
    case JOURNAL_EV_NET_RX:
        if (ev->arg < 0) {
            break;
        }
        put_varint(b, (uint64_t)ev->arg);
        jbuf_put(b, ev->data, ev->len);
        return true;
    case JOURNAL_EV_CLOCK_READ:
        if (ev->arg < 0 || ev->arg >= CLOCK_MAX) {
            break;
        }
        put_u8(b, (uint8_t)ev->arg);
        put_le(b, (uint64_t)ev->value, 8);
        return true;
    case JOURNAL_EV_WARP:
        if (ev->value < 0) {
            break;
        }
        put_le(b, (uint64_t)ev->value, 8);
        return true;
    case JOURNAL_EV_SHUTDOWN:
        if (ev->arg < 0 || ev->arg > 255) {
            break;
        }
        put_u8(b, (uint8_t)ev->arg);
        return true;
    case JOURNAL_EV_RESET:
        return true;
    case JOURNAL_EV_MONITOR:
    case JOURNAL_EV_RANDOM:
        jbuf_put(b, ev->data, ev->len);
        return true;
    case JOURNAL_EV_CHECKPOINT:
    case JOURNAL_EV_END:
        put_digest(b, &ev->digest);
        return true;
    default:
        break;
    }
    error_setc(errp, ERR_GENERIC, "journal: cannot encode %s event (bad argument)",
               journal_event_kind_name(ev->kind));
    return false;
}

/* Decode one event's payload into ev; false if it does not fit its kind. */
static bool event_decode_payload(JournalEvent *ev, const uint8_t *p, size_t len)
{
    Dec d = { .p = p, .len = len };
    ev->arg = 0;
    ev->value = 0;
    ev->data = NULL;
    ev->len = 0;
    memset(&ev->digest, 0, sizeof(ev->digest));
    switch (ev->kind) {
    case JOURNAL_EV_CHAR_INPUT:
    case JOURNAL_EV_NET_RX: {
        uint64_t chr = dec_varint(&d);
        if (d.bad || chr > INT32_MAX) {
            return false;
        }
        ev->arg = (int32_t)chr;
        ev->data = p + d.pos;
        ev->len = len - d.pos;
        return true;
    }
    case JOURNAL_EV_CLOCK_READ:
        ev->arg = (int32_t)dec_le(&d, 1);
        ev->value = (int64_t)dec_le(&d, 8);
        return !d.bad && d.pos == len && ev->arg < CLOCK_MAX;
    case JOURNAL_EV_WARP:
        ev->value = (int64_t)dec_le(&d, 8);
        return !d.bad && d.pos == len && ev->value >= 0;
    case JOURNAL_EV_SHUTDOWN:
        ev->arg = (int32_t)dec_le(&d, 1);
        return !d.bad && d.pos == len;
    case JOURNAL_EV_RESET:
        return len == 0;
    case JOURNAL_EV_MONITOR:
    case JOURNAL_EV_RANDOM:
        ev->data = p;
        ev->len = len;
        return true;
    case JOURNAL_EV_CHECKPOINT:
    case JOURNAL_EV_END:
        return dec_digest(&d, &ev->digest);
    default:
        return false;
    }
}

/* ---- I/O helpers ---- */

static bool write_all(int fd, const uint8_t *p, size_t n, const char *path, Error **errp)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            error_setg_errno(errp, errno, "writing journal %s", path);
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Read exactly n bytes at off; false (and errp) on an I/O error. A short read
 * cannot happen because callers check against the file size first, but if
 * the file shrinks under us that is reported as I/O. */
static bool read_at(int fd, void *buf, size_t n, uint64_t off, const char *path, Error **errp)
{
    uint8_t *p = buf;
    while (n) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            error_setg_errno(errp, errno, "reading journal %s", path);
            return false;
        }
        if (r == 0) {
            error_setc(errp, ERR_IO, "reading journal %s: file shrank while reading", path);
            return false;
        }
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return true;
}

/* ---- frame headers ---- */

/* A frame header's checksum also covers `key`, the checksum of its file's
 * manifest: a frame spliced in from another journal fails it. */
static uint64_t frame_header_check(const uint8_t h[FRAME_HEADER_SIZE], uint64_t key)
{
    uint8_t k[8];
    set_le(k, key, 8);
    return journal_checksum(h, 56, k, 8);
}

static void frame_header_encode(uint8_t h[FRAME_HEADER_SIZE], uint8_t type,
                                const JournalFrameInfo *fi, uint64_t last_steps,
                                uint64_t payload_check, uint64_t key)
{
    memset(h, 0, FRAME_HEADER_SIZE);
    memcpy(h, FRAME_MAGIC, 4);
    h[4] = type;
    h[5] = fi->flags;
    set_le(h + 8, fi->first_steps, 8);
    set_le(h + 16, last_steps, 8);
    set_le(h + 24, fi->first_event, 8);
    set_le(h + 32, fi->n_events, 4);
    set_le(h + 36, fi->raw_len, 4);
    set_le(h + 40, fi->comp_len, 4);
    set_le(h + 48, payload_check, 8);
    set_le(h + 56, frame_header_check(h, key), 8);
}

typedef struct FrameHeader {
    uint8_t type;
    JournalFrameInfo fi;
    uint64_t last_steps;
    uint64_t payload_check;
} FrameHeader;

/* Decode and check a frame header; false with a reason in *why. */
static bool frame_header_decode(const uint8_t h[FRAME_HEADER_SIZE], uint64_t offset,
                                uint64_t key, FrameHeader *out, const char **why)
{
    if (memcmp(h, FRAME_MAGIC, 4)) {
        *why = "bad frame magic";
        return false;
    }
    if (get_le(h + 56, 8) != frame_header_check(h, key)) {
        *why = "frame header checksum mismatch (damaged, or from another journal)";
        return false;
    }
    memset(out, 0, sizeof(*out));
    out->type = h[4];
    out->fi.offset = offset;
    out->fi.flags = h[5];
    out->fi.first_steps = get_le(h + 8, 8);
    out->last_steps = get_le(h + 16, 8);
    out->fi.first_event = get_le(h + 24, 8);
    out->fi.n_events = (uint32_t)get_le(h + 32, 4);
    out->fi.raw_len = (uint32_t)get_le(h + 36, 4);
    out->fi.comp_len = (uint32_t)get_le(h + 40, 4);
    out->payload_check = get_le(h + 48, 8);
    /* Fields the writer never sets differently; the checksum already passed,
     * so a violation means a buggy or hostile writer. */
    if (h[6] || h[7] || get_le(h + 44, 4) ||
        (out->type != FRAME_TYPE_EVENTS && out->type != FRAME_TYPE_INDEX) ||
        (out->fi.flags & ~JOURNAL_FRAME_HAS_END) ||
        (out->type == FRAME_TYPE_INDEX && out->fi.flags) ||
        out->fi.n_events == 0 || out->fi.comp_len == 0 ||
        out->last_steps < out->fi.first_steps) {
        *why = "frame header fields out of range";
        return false;
    }
    size_t raw_max = out->type == FRAME_TYPE_EVENTS ? JOURNAL_MAX_FRAME_RAW
                                                    : (size_t)JOURNAL_MAX_FRAMES * INDEX_ENTRY_SIZE;
    if (out->fi.raw_len > raw_max || out->fi.comp_len > ZSTD_compressBound(out->fi.raw_len) ||
        (out->type == FRAME_TYPE_INDEX &&
         (uint64_t)out->fi.n_events * INDEX_ENTRY_SIZE != out->fi.raw_len)) {
        *why = "frame lengths out of range";
        return false;
    }
    return true;
}

/* ---- writer ---- */

struct JournalWriter {
    int fd;
    char *path;
    uint64_t offset;          /* where the next frame goes */
    JBuf frame;               /* current frame's raw events */
    JournalFrameInfo cur;     /* current frame (offset/lengths filled at flush) */
    uint64_t last_steps;
    uint64_t n_events;
    JournalEventKind last_kind;
    size_t max_bytes;
    uint32_t max_events;
    JournalFrameInfo *index;
    uint64_t *index_last_steps;
    size_t n_index, cap_index;
    ZSTD_CCtx *cctx;
    JBuf out;                 /* scratch: header + compressed bytes */
    bool failed;              /* after a write error nothing more is written */
    uint64_t key;             /* the manifest's checksum: binds frames to this file */
};

JournalWriter *journal_writer_open(const char *path, const JournalManifest *m, Error **errp)
{
    JBuf hdr = { 0 };
    jbuf_put(&hdr, JOURNAL_MAGIC, 8);
    put_le(&hdr, JOURNAL_FORMAT_VERSION, 4);
    put_le(&hdr, 0, 4);   /* manifest length, patched below */
    put_le(&hdr, 0, 8);   /* checksum, patched below */
    if (!manifest_encode(&hdr, m, errp)) {
        jbuf_free(&hdr);
        return NULL;
    }
    size_t mlen = hdr.len - FILE_HEADER_SIZE;
    if (mlen > JOURNAL_MAX_MANIFEST) {
        error_setc(errp, ERR_USAGE, "journal manifest too large (%zu bytes)", mlen);
        jbuf_free(&hdr);
        return NULL;
    }
    set_le(hdr.data + 12, mlen, 4);
    set_le(hdr.data + 16, journal_checksum(hdr.data, 16, NULL, 0), 8);
    uint64_t key = journal_checksum(hdr.data + FILE_HEADER_SIZE, mlen, NULL, 0);
    put_le(&hdr, key, 8);

    int fd = journal_file_open(path, true, errp);
    if (fd < 0) {
        jbuf_free(&hdr);
        return NULL;
    }
    if (!write_all(fd, hdr.data, hdr.len, path, errp)) {
        close(fd);
        jbuf_free(&hdr);
        return NULL;
    }
    JournalWriter *w = calloc(1, sizeof(*w));
    if (!w) {
        abort();
    }
    w->fd = fd;
    w->key = key;
    w->path = xstrdup(path);
    w->offset = hdr.len;
    w->max_bytes = JOURNAL_DEFAULT_FRAME_BYTES;
    w->cctx = ZSTD_createCCtx();
    if (!w->cctx) {
        abort();
    }
    jbuf_free(&hdr);
    return w;
}

void journal_writer_set_frame_limits(JournalWriter *w, size_t max_bytes, uint32_t max_events)
{
    w->max_bytes = max_bytes ? max_bytes : 1;
    w->max_events = max_events;
}

uint64_t journal_writer_last_steps(const JournalWriter *w)
{
    return w->last_steps;
}

uint64_t journal_writer_event_count(const JournalWriter *w)
{
    return w->n_events;
}

/* Compress payload, prepend a header, write both with one write(2). */
static bool write_frame(JournalWriter *w, uint8_t type, JournalFrameInfo *fi, uint64_t last_steps,
                        const JBuf *payload, Error **errp)
{
    size_t bound = ZSTD_compressBound(payload->len);
    w->out.len = 0;
    jbuf_reserve(&w->out, FRAME_HEADER_SIZE + bound);
    size_t c = ZSTD_compressCCtx(w->cctx, w->out.data + FRAME_HEADER_SIZE, bound, payload->data,
                                 payload->len, ZSTD_LEVEL);
    if (ZSTD_isError(c)) {
        error_setc(errp, ERR_GENERIC, "journal: compression failed: %s", ZSTD_getErrorName(c));
        return false;
    }
    fi->offset = w->offset;
    fi->raw_len = (uint32_t)payload->len;
    fi->comp_len = (uint32_t)c;
    uint64_t check = journal_checksum(w->out.data + FRAME_HEADER_SIZE, c, NULL, 0);
    frame_header_encode(w->out.data, type, fi, last_steps, check, w->key);
    w->out.len = FRAME_HEADER_SIZE + c;
    if (!write_all(w->fd, w->out.data, w->out.len, w->path, errp)) {
        w->failed = true;
        return false;
    }
    w->offset += w->out.len;
    return true;
}

bool journal_writer_flush(JournalWriter *w, Error **errp)
{
    if (w->failed) {
        error_setc(errp, ERR_IO, "journal %s: an earlier write failed", w->path);
        return false;
    }
    if (w->cur.n_events == 0) {
        return true;
    }
    if (!write_frame(w, FRAME_TYPE_EVENTS, &w->cur, w->last_steps, &w->frame, errp)) {
        return false;
    }
    if (w->n_index == w->cap_index) {
        w->cap_index = w->cap_index ? 2 * w->cap_index : 64;
        w->index = realloc(w->index, w->cap_index * sizeof(*w->index));
        w->index_last_steps = realloc(w->index_last_steps, w->cap_index * sizeof(uint64_t));
        if (!w->index || !w->index_last_steps) {
            abort();
        }
    }
    w->index[w->n_index] = w->cur;
    w->index_last_steps[w->n_index] = w->last_steps;
    w->n_index++;
    memset(&w->cur, 0, sizeof(w->cur));
    w->frame.len = 0;
    return true;
}

bool journal_writer_append(JournalWriter *w, const JournalEvent *ev, Error **errp)
{
    if (w->failed) {
        error_setc(errp, ERR_IO, "journal %s: an earlier write failed", w->path);
        return false;
    }
    /* Callers own the step counter; going backwards or writing after the end
     * marker is a bug in the caller, but it must not produce a journal that
     * reads back as something else. */
    if (ev->steps < w->last_steps || w->last_kind == JOURNAL_EV_END) {
        error_setc(errp, ERR_GENERIC,
                   "journal %s: internal error: %s event at step %llu after %s at step %llu",
                   w->path, journal_event_kind_name(ev->kind), (unsigned long long)ev->steps,
                   journal_event_kind_name(w->last_kind), (unsigned long long)w->last_steps);
        return false;
    }
    if (ev->len > JOURNAL_MAX_PAYLOAD - 16) {
        error_setc(errp, ERR_GENERIC, "journal: %s event of %zu bytes exceeds the limit",
                   journal_event_kind_name(ev->kind), ev->len);
        return false;
    }
    JBuf payload = { 0 };
    if (!event_encode_payload(&payload, ev, errp)) {
        jbuf_free(&payload);
        return false;
    }
    if (w->cur.n_events == 0) {
        w->cur.first_steps = w->last_steps;
        w->cur.first_event = w->n_events;
    }
    put_varint(&w->frame, ev->steps - w->last_steps);
    put_u8(&w->frame, (uint8_t)ev->kind);
    put_varint(&w->frame, payload.len);
    jbuf_put(&w->frame, payload.data, payload.len);
    jbuf_free(&payload);
    w->cur.n_events++;
    w->n_events++;
    w->last_steps = ev->steps;
    w->last_kind = ev->kind;
    if (ev->kind == JOURNAL_EV_END) {
        w->cur.flags |= JOURNAL_FRAME_HAS_END;
        return journal_writer_flush(w, errp);
    }
    if (w->frame.len >= w->max_bytes || (w->max_events && w->cur.n_events >= w->max_events)) {
        return journal_writer_flush(w, errp);
    }
    return true;
}

static void writer_free(JournalWriter *w)
{
    if (w->fd >= 0) {
        close(w->fd);
    }
    ZSTD_freeCCtx(w->cctx);
    jbuf_free(&w->frame);
    jbuf_free(&w->out);
    free(w->index);
    free(w->index_last_steps);
    free(w->path);
    free(w);
}

bool journal_writer_finish(JournalWriter *w, Error **errp)
{
    bool ok = w->last_kind == JOURNAL_EV_END;
    if (!ok) {
        error_setc(errp, ERR_GENERIC, "journal %s: internal error: finished without an end marker",
                   w->path);
    }
    ok = ok && journal_writer_flush(w, errp);
    if (ok) {
        JBuf idx = { 0 };
        for (size_t i = 0; i < w->n_index; i++) {
            const JournalFrameInfo *f = &w->index[i];
            put_le(&idx, f->offset, 8);
            put_le(&idx, f->first_steps, 8);
            put_le(&idx, w->index_last_steps[i], 8);
            put_le(&idx, f->first_event, 8);
            put_le(&idx, f->n_events, 4);
            put_le(&idx, f->raw_len, 4);
            put_le(&idx, f->comp_len, 4);
            put_le(&idx, f->flags, 4);
        }
        JournalFrameInfo fi = {
            .first_steps = w->last_steps,
            .first_event = w->n_events,
            .n_events = (uint32_t)w->n_index,
        };
        ok = write_frame(w, FRAME_TYPE_INDEX, &fi, w->last_steps, &idx, errp);
        jbuf_free(&idx);
        if (ok) {
            uint8_t t[TRAILER_SIZE];
            memcpy(t, TRAILER_MAGIC, 8);
            set_le(t + 8, fi.offset, 8);
            set_le(t + 16, journal_checksum(t, 16, NULL, 0), 8);
            ok = write_all(w->fd, t, sizeof(t), w->path, errp);
        }
    }
    if (ok && fsync(w->fd) < 0 && errno != EINVAL && errno != EROFS) {
        error_setg_errno(errp, errno, "syncing journal %s", w->path);
        ok = false;
    }
    if (close(w->fd) < 0 && ok) {
        error_setg_errno(errp, errno, "closing journal %s", w->path);
        ok = false;
    }
    w->fd = -1;
    writer_free(w);
    return ok;
}

void journal_writer_abandon(JournalWriter *w)
{
    if (!w) {
        return;
    }
    journal_writer_flush(w, NULL);
    writer_free(w);
}

/* ---- reader ---- */

struct JournalReader {
    int fd;
    char *path;
    uint64_t file_size;
    JournalManifest manifest;
    uint64_t data_start;
    JournalFrameInfo *frames;
    uint64_t *frame_last_steps;
    size_t n_frames;
    uint64_t n_events;
    uint64_t last_steps;
    JournalEventKind last_kind;   /* known only for END; else 0 until decoded */
    JournalEnd end;
    uint64_t valid_bytes;
    bool used_index;
    Error *tail_error;            /* why the index/trailer is unusable (verify reports it) */
    ZSTD_DCtx *dctx;
    uint64_t key;                 /* the manifest's checksum (frame_header_check()) */
};

static void frames_push(JournalReader *r, const JournalFrameInfo *fi, uint64_t last_steps,
                        size_t *cap)
{
    if (r->n_frames == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        r->frames = realloc(r->frames, *cap * sizeof(*r->frames));
        r->frame_last_steps = realloc(r->frame_last_steps, *cap * sizeof(uint64_t));
        if (!r->frames || !r->frame_last_steps) {
            abort();
        }
    }
    r->frames[r->n_frames] = *fi;
    r->frame_last_steps[r->n_frames] = last_steps;
    r->n_frames++;
}

/* Read a frame's compressed bytes and check them against the header. */
static bool read_payload(JournalReader *r, const JournalFrameInfo *fi, uint64_t check, JBuf *buf,
                         Error **errp)
{
    buf->len = 0;
    jbuf_reserve(buf, fi->comp_len);
    if (!read_at(r->fd, buf->data, fi->comp_len, fi->offset + FRAME_HEADER_SIZE, r->path, errp)) {
        return false;
    }
    buf->len = fi->comp_len;
    if (journal_checksum(buf->data, buf->len, NULL, 0) != check) {
        error_setc(errp, ERR_JOURNAL_CORRUPT,
                   "journal %s: frame at byte %llu (events from #%llu, step %llu) is damaged "
                   "(payload checksum mismatch)",
                   r->path, (unsigned long long)fi->offset,
                   (unsigned long long)fi->first_event, (unsigned long long)fi->first_steps);
        return false;
    }
    return true;
}

static bool decompress(JournalReader *r, const JournalFrameInfo *fi, const JBuf *comp, JBuf *raw,
                       Error **errp)
{
    unsigned long long size = ZSTD_getFrameContentSize(comp->data, comp->len);
    raw->len = 0;
    jbuf_reserve(raw, fi->raw_len ? fi->raw_len : 1);
    size_t n = size == fi->raw_len
                   ? ZSTD_decompressDCtx(r->dctx, raw->data, fi->raw_len, comp->data, comp->len)
                   : 0;
    if (size != fi->raw_len || ZSTD_isError(n) || n != fi->raw_len) {
        error_setc(errp, ERR_JOURNAL_CORRUPT,
                   "journal %s: frame at byte %llu does not decompress to its stated size",
                   r->path, (unsigned long long)fi->offset);
        return false;
    }
    raw->len = n;
    return true;
}

static void corrupt_at(Error **errp, const JournalReader *r, uint64_t off, const char *why)
{
    error_setc(errp, ERR_JOURNAL_CORRUPT, "journal %s: %s at byte %llu", r->path, why,
               (unsigned long long)off);
}

/* Try the index: on success r->frames is filled from it. Any problem is
 * recorded in r->tail_error (for verify) and the caller scans instead. */
static bool load_index(JournalReader *r)
{
    Error *err = NULL;
    uint64_t size = r->file_size;
    if (size < r->data_start + FRAME_HEADER_SIZE + TRAILER_SIZE) {
        return false;
    }
    uint8_t t[TRAILER_SIZE];
    if (!read_at(r->fd, t, sizeof(t), size - TRAILER_SIZE, r->path, &err)) {
        error_free(err);
        return false;
    }
    if (memcmp(t, TRAILER_MAGIC, 8) || get_le(t + 16, 8) != journal_checksum(t, 16, NULL, 0)) {
        return false;
    }
    uint64_t ioff = get_le(t + 8, 8);
    if (ioff < r->data_start || ioff > size - TRAILER_SIZE - FRAME_HEADER_SIZE) {
        return false;
    }
    uint8_t h[FRAME_HEADER_SIZE];
    FrameHeader fh;
    const char *why;
    if (!read_at(r->fd, h, sizeof(h), ioff, r->path, &err) ||
        !frame_header_decode(h, ioff, r->key, &fh, &why) || fh.type != FRAME_TYPE_INDEX ||
        ioff + FRAME_HEADER_SIZE + fh.fi.comp_len != size - TRAILER_SIZE ||
        (uint64_t)fh.fi.n_events * (FRAME_HEADER_SIZE + 1) > size) {
        error_free(err);
        return false;
    }
    JBuf comp = { 0 }, raw = { 0 };
    bool ok = read_payload(r, &fh.fi, fh.payload_check, &comp, &err) &&
              decompress(r, &fh.fi, &comp, &raw, &err);
    error_free(err);
    jbuf_free(&comp);
    if (!ok) {
        jbuf_free(&raw);
        return false;
    }
    /* Every entry must chain exactly: offsets, ordinals and steps. */
    size_t cap = 0;
    uint64_t off = r->data_start, ev = 0, steps = 0;
    for (uint32_t i = 0; ok && i < fh.fi.n_events; i++) {
        const uint8_t *e = raw.data + (size_t)i * INDEX_ENTRY_SIZE;
        JournalFrameInfo fi = {
            .offset = get_le(e, 8),
            .first_steps = get_le(e + 8, 8),
            .first_event = get_le(e + 24, 8),
            .n_events = (uint32_t)get_le(e + 32, 4),
            .raw_len = (uint32_t)get_le(e + 36, 4),
            .comp_len = (uint32_t)get_le(e + 40, 4),
        };
        uint64_t last = get_le(e + 16, 8);
        uint64_t flags = get_le(e + 44, 4);
        bool is_last = i + 1 == fh.fi.n_events;
        fi.flags = (uint8_t)flags;
        ok = fi.offset == off && fi.first_event == ev && fi.first_steps == steps &&
             last >= steps && fi.n_events > 0 && fi.comp_len > 0 &&
             fi.raw_len <= JOURNAL_MAX_FRAME_RAW &&
             flags == (is_last ? JOURNAL_FRAME_HAS_END : 0u) &&
             !__builtin_add_overflow(fi.offset, (uint64_t)FRAME_HEADER_SIZE + fi.comp_len, &off) &&
             !__builtin_add_overflow(ev, fi.n_events, &ev);
        steps = last;
        if (ok) {
            frames_push(r, &fi, last, &cap);
        }
    }
    jbuf_free(&raw);
    ok = ok && off == ioff && ev == fh.fi.first_event && steps == fh.fi.first_steps;
    if (!ok) {
        r->n_frames = 0;
        return false;
    }
    r->n_events = ev;
    r->last_steps = steps;
    r->last_kind = JOURNAL_EV_END;
    r->end = JOURNAL_END_CLEAN;
    r->valid_bytes = size;
    r->used_index = true;
    return true;
}

/* After the frame carrying the end marker: an index frame matching the
 * frames, then the trailer, then nothing. Sets r->end and r->tail_error. */
static void check_tail(JournalReader *r, uint64_t off)
{
    uint64_t size = r->file_size;
    uint8_t h[FRAME_HEADER_SIZE];
    FrameHeader fh;
    const char *why = NULL;
    Error *err = NULL;
    r->end = JOURNAL_END_NO_INDEX;
    if (size - off < FRAME_HEADER_SIZE) {
        error_setc(&r->tail_error, ERR_JOURNAL_TRUNCATED,
                   "journal %s: complete up to its end marker, but the index is missing "
                   "(file ends at byte %llu)", r->path, (unsigned long long)size);
        return;
    }
    if (!read_at(r->fd, h, sizeof(h), off, r->path, &err)) {
        error_propagate(&r->tail_error, err);
        return;
    }
    if (!frame_header_decode(h, off, r->key, &fh, &why) || fh.type != FRAME_TYPE_INDEX) {
        corrupt_at(&r->tail_error, r, off, why ? why : "expected the index frame");
        return;
    }
    if (size - off - FRAME_HEADER_SIZE < (uint64_t)fh.fi.comp_len + TRAILER_SIZE) {
        error_setc(&r->tail_error, ERR_JOURNAL_TRUNCATED,
                   "journal %s: complete up to its end marker, but the index is cut short "
                   "(file ends at byte %llu)", r->path, (unsigned long long)size);
        return;
    }
    if (size - off - FRAME_HEADER_SIZE > (uint64_t)fh.fi.comp_len + TRAILER_SIZE) {
        corrupt_at(&r->tail_error, r, off + FRAME_HEADER_SIZE + fh.fi.comp_len + TRAILER_SIZE,
                   "unexpected data after the trailer");
        return;
    }
    /* Now the index must load and agree with the scan. */
    size_t n = r->n_frames;
    JournalFrameInfo *scanned = r->frames;
    uint64_t *scanned_last = r->frame_last_steps;
    uint64_t n_events = r->n_events, last_steps = r->last_steps;
    r->frames = NULL;
    r->frame_last_steps = NULL;
    r->n_frames = 0;
    bool ok = load_index(r) && r->n_frames == n;
    for (size_t i = 0; ok && i < n; i++) {
        ok = !memcmp(&r->frames[i], &scanned[i], sizeof(scanned[i])) &&
             r->frame_last_steps[i] == scanned_last[i];
    }
    free(r->frames);
    free(r->frame_last_steps);
    r->frames = scanned;
    r->frame_last_steps = scanned_last;
    r->n_frames = n;
    r->n_events = n_events;
    r->last_steps = last_steps;
    r->used_index = false;
    if (!ok) {
        r->end = JOURNAL_END_NO_INDEX;
        corrupt_at(&r->tail_error, r, off, "index or trailer damaged or inconsistent");
        return;
    }
    r->end = JOURNAL_END_CLEAN;
    r->valid_bytes = size;
}

/* Hop from frame header to frame header. */
static bool scan_frames(JournalReader *r, bool verify, Error **errp)
{
    size_t cap = 0;
    uint64_t off = r->data_start, ev = 0, steps = 0;
    JBuf comp = { 0 };
    bool ok = true;
    r->end = JOURNAL_END_TRUNCATED;
    for (;;) {
        if (r->file_size - off < FRAME_HEADER_SIZE) {
            break;   /* clean cut at a frame boundary, or a partial header */
        }
        uint8_t h[FRAME_HEADER_SIZE];
        FrameHeader fh;
        const char *why;
        if (!read_at(r->fd, h, sizeof(h), off, r->path, errp)) {
            ok = false;
            break;
        }
        if (!frame_header_decode(h, off, r->key, &fh, &why)) {
            corrupt_at(errp, r, off, why);
            ok = false;
            break;
        }
        if (fh.type != FRAME_TYPE_EVENTS || fh.fi.first_event != ev || fh.fi.first_steps != steps) {
            corrupt_at(errp, r, off,
                       fh.type != FRAME_TYPE_EVENTS ? "index frame before the end marker"
                                                    : "frame out of sequence");
            ok = false;
            break;
        }
        if (r->file_size - off - FRAME_HEADER_SIZE < fh.fi.comp_len) {
            break;   /* payload cut short: the recording stopped mid-write */
        }
        if (verify && !read_payload(r, &fh.fi, fh.payload_check, &comp, errp)) {
            ok = false;
            break;
        }
        /* off + header + payload is within the file (checked above); the
         * event count only grows by a u32 per frame, but is checked too. */
        if (__builtin_add_overflow(ev, fh.fi.n_events, &ev)) {
            corrupt_at(errp, r, off, "event count overflows");
            ok = false;
            break;
        }
        frames_push(r, &fh.fi, fh.last_steps, &cap);
        off += FRAME_HEADER_SIZE + fh.fi.comp_len;
        steps = fh.last_steps;
        r->valid_bytes = off;
        r->n_events = ev;
        r->last_steps = steps;
        if (fh.fi.flags & JOURNAL_FRAME_HAS_END) {
            r->last_kind = JOURNAL_EV_END;
            check_tail(r, off);
            break;
        }
    }
    jbuf_free(&comp);
    return ok;
}

JournalReader *journal_reader_open(const char *path, bool verify, Error **errp)
{
    int fd = journal_file_open(path, false, errp);
    if (fd < 0) {
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        error_setg_errno(errp, errno, "cannot stat journal %s", path);
        close(fd);
        return NULL;
    }
    JournalReader *r = calloc(1, sizeof(*r));
    if (!r) {
        abort();
    }
    r->fd = fd;
    r->path = xstrdup(path);
    r->file_size = (uint64_t)st.st_size;
    r->dctx = ZSTD_createDCtx();
    if (!r->dctx) {
        abort();
    }

    uint8_t h[FILE_HEADER_SIZE] = { 0 };
    size_t have = r->file_size < FILE_HEADER_SIZE ? (size_t)r->file_size : FILE_HEADER_SIZE;
    if (!read_at(fd, h, have, 0, path, errp)) {
        goto fail;
    }
    size_t mlen_check = have < 8 ? have : 8;
    if (memcmp(h, JOURNAL_MAGIC, mlen_check)) {
        /* A pack holds a journal: say how to get at it. */
        if (have >= 8 && !memcmp(h, "RRSIMPAK", 8)) {
            error_setc(errp, ERR_USAGE, "%s is an rrsim pack, not a journal: replay it with "
                       "rrsim -replay-pack, or take it apart with rrsim-journal unpack", path);
        } else {
            error_setc(errp, ERR_JOURNAL_CORRUPT, "%s is not an rrsim journal (bad magic)", path);
        }
        goto fail;
    }
    if (have >= 12 && get_le(h + 8, 4) != JOURNAL_FORMAT_VERSION) {
        error_setc(errp, ERR_JOURNAL_VERSION,
                   "journal %s has format version %u; this rrsim reads version %u", path,
                   (unsigned)get_le(h + 8, 4), JOURNAL_FORMAT_VERSION);
        goto fail;
    }
    if (have < FILE_HEADER_SIZE) {
        error_setc(errp, ERR_JOURNAL_TRUNCATED,
                   "journal %s is truncated inside its header (%llu bytes): nothing was recorded",
                   path, (unsigned long long)r->file_size);
        goto fail;
    }
    if (get_le(h + 16, 8) != journal_checksum(h, 16, NULL, 0)) {
        error_setc(errp, ERR_JOURNAL_CORRUPT, "journal %s: header damaged (checksum mismatch)",
                   path);
        goto fail;
    }
    uint64_t mlen = get_le(h + 12, 4);
    if (mlen > JOURNAL_MAX_MANIFEST) {
        error_setc(errp, ERR_JOURNAL_CORRUPT, "journal %s: header damaged (manifest length %llu)",
                   path, (unsigned long long)mlen);
        goto fail;
    }
    if (r->file_size < FILE_HEADER_SIZE + mlen + 8) {
        error_setc(errp, ERR_JOURNAL_TRUNCATED,
                   "journal %s is truncated inside its header (%llu bytes): nothing was recorded",
                   path, (unsigned long long)r->file_size);
        goto fail;
    }
    uint8_t *man = malloc(mlen + 8);
    if (!man) {
        abort();
    }
    if (!read_at(fd, man, mlen + 8, FILE_HEADER_SIZE, path, errp)) {
        free(man);
        goto fail;
    }
    r->key = get_le(man + mlen, 8);
    bool good = r->key == journal_checksum(man, mlen, NULL, 0);
    if (good) {
        good = manifest_decode(man, mlen, &r->manifest);
        if (!good) {
            journal_manifest_free(&r->manifest);
        }
    }
    free(man);
    if (!good) {
        error_setc(errp, ERR_JOURNAL_CORRUPT, "journal %s: manifest damaged (checksum mismatch)",
                   path);
        goto fail;
    }
    r->data_start = FILE_HEADER_SIZE + mlen + 8;
    r->valid_bytes = r->data_start;

    if (verify || !load_index(r)) {
        if (!scan_frames(r, verify, errp)) {
            goto fail;
        }
    }
    return r;

fail:
    journal_reader_free(r);
    return NULL;
}

void journal_reader_free(JournalReader *r)
{
    if (!r) {
        return;
    }
    close(r->fd);
    ZSTD_freeDCtx(r->dctx);
    journal_manifest_free(&r->manifest);
    free(r->frames);
    free(r->frame_last_steps);
    error_free(r->tail_error);
    free(r->path);
    free(r);
}

const JournalManifest *journal_reader_manifest(const JournalReader *r)
{
    return &r->manifest;
}

JournalEnd journal_reader_end(const JournalReader *r)
{
    return r->end;
}

uint64_t journal_reader_event_count(const JournalReader *r)
{
    return r->n_events;
}

uint64_t journal_reader_last_steps(const JournalReader *r)
{
    return r->last_steps;
}

JournalEventKind journal_reader_last_kind(const JournalReader *r)
{
    return r->last_kind;
}

uint64_t journal_reader_valid_bytes(const JournalReader *r)
{
    return r->valid_bytes;
}

uint64_t journal_reader_file_size(const JournalReader *r)
{
    return r->file_size;
}

bool journal_reader_used_index(const JournalReader *r)
{
    return r->used_index;
}

size_t journal_reader_frame_count(const JournalReader *r)
{
    return r->n_frames;
}

const JournalFrameInfo *journal_reader_frame(const JournalReader *r, size_t i)
{
    return i < r->n_frames ? &r->frames[i] : NULL;
}

Error *journal_reader_end_error(const JournalReader *r)
{
    Error *err = NULL;
    if (r->end == JOURNAL_END_TRUNCATED) {
        error_setc(&err, ERR_JOURNAL_TRUNCATED,
                   "journal %s ends without its end marker after %llu events at step %llu "
                   "(byte %llu of %llu): the recording was interrupted",
                   r->path, (unsigned long long)r->n_events, (unsigned long long)r->last_steps,
                   (unsigned long long)r->valid_bytes, (unsigned long long)r->file_size);
    } else if (r->end == JOURNAL_END_NO_INDEX && r->tail_error) {
        error_setc(&err, error_get_class(r->tail_error), "%s",
                   error_get_message(r->tail_error));
    }
    return err;
}

const char *journal_reader_path(const JournalReader *r)
{
    return r->path;
}

uint64_t journal_reader_frame_last_steps(const JournalReader *r, size_t i)
{
    return r->frame_last_steps[i];
}

/* ---- cursors ---- */

struct JournalCursor {
    JournalReader *r;
    size_t frame;        /* loaded frame, or SIZE_MAX */
    size_t next_frame;   /* frame to load when the loaded one is used up */
    JBuf comp, raw;
    size_t pos;          /* decode offset in raw */
    uint32_t idx;        /* events decoded from the loaded frame */
    uint64_t steps;      /* steps of the previous event */
    uint64_t ordinal;    /* ordinal of the next event */
};

JournalCursor *journal_cursor_new(JournalReader *r)
{
    JournalCursor *c = calloc(1, sizeof(*c));
    if (!c) {
        abort();
    }
    c->r = r;
    c->frame = SIZE_MAX;
    return c;
}

void journal_cursor_free(JournalCursor *c)
{
    if (!c) {
        return;
    }
    jbuf_free(&c->comp);
    jbuf_free(&c->raw);
    free(c);
}

uint64_t journal_cursor_position(const JournalCursor *c)
{
    return c->ordinal;
}

static bool cursor_load(JournalCursor *c, size_t k, Error **errp)
{
    JournalReader *r = c->r;
    const JournalFrameInfo *fi = &r->frames[k];
    uint8_t h[FRAME_HEADER_SIZE];
    FrameHeader fh;
    const char *why;
    c->frame = SIZE_MAX;
    if (!read_at(r->fd, h, sizeof(h), fi->offset, r->path, errp)) {
        return false;
    }
    /* The header on disk must say what the index or scan said. */
    if (!frame_header_decode(h, fi->offset, r->key, &fh, &why)) {
        corrupt_at(errp, r, fi->offset, why);
        return false;
    }
    if (fh.type != FRAME_TYPE_EVENTS || memcmp(&fh.fi, fi, sizeof(*fi)) ||
        fh.last_steps != r->frame_last_steps[k]) {
        corrupt_at(errp, r, fi->offset, "frame header disagrees with the index");
        return false;
    }
    if (!read_payload(r, fi, fh.payload_check, &c->comp, errp) ||
        !decompress(r, fi, &c->comp, &c->raw, errp)) {
        return false;
    }
    c->frame = k;
    c->next_frame = k + 1;
    c->pos = 0;
    c->idx = 0;
    c->steps = fi->first_steps;
    c->ordinal = fi->first_event;
    return true;
}

bool journal_cursor_next(JournalCursor *c, JournalEvent *ev, Error **errp)
{
    JournalReader *r = c->r;
    if (c->frame == SIZE_MAX || c->idx == r->frames[c->frame].n_events) {
        if (c->next_frame >= r->n_frames) {
            return false;
        }
        if (!cursor_load(c, c->next_frame, errp)) {
            return false;
        }
    }
    const JournalFrameInfo *fi = &r->frames[c->frame];
    Dec d = { .p = c->raw.data, .len = c->raw.len, .pos = c->pos };
    uint64_t delta = dec_varint(&d);
    uint64_t kind = dec_le(&d, 1);
    uint64_t plen = dec_varint(&d);
    if (plen > JOURNAL_MAX_PAYLOAD) {
        d.bad = true;
    }
    const uint8_t *payload = dec_bytes(&d, (size_t)plen);
    memset(ev, 0, sizeof(*ev));
    ev->kind = (JournalEventKind)kind;
    bool last_in_frame = c->idx + 1 == fi->n_events;
    bool last_overall = last_in_frame && c->frame + 1 == r->n_frames;
    const char *why = NULL;
    if (d.bad || !payload) {
        why = "event runs past the end of its frame";
    } else if (delta > UINT64_MAX - c->steps) {
        why = "step count overflows";
    } else if (kind == 0 || kind >= JOURNAL_EV_KIND_COUNT) {
        why = "unknown event kind";
    } else if (!event_decode_payload(ev, payload, (size_t)plen)) {
        why = "malformed event payload";
    } else if ((kind == JOURNAL_EV_END) !=
               (last_in_frame && (fi->flags & JOURNAL_FRAME_HAS_END) != 0)) {
        why = "end marker out of place";
    } else if (kind == JOURNAL_EV_END && !last_overall) {
        why = "events after the end marker";
    } else if (last_in_frame &&
               (d.pos != c->raw.len || c->steps + delta != r->frame_last_steps[c->frame])) {
        why = "frame contents disagree with its header";
    }
    if (why) {
        error_setc(errp, ERR_JOURNAL_CORRUPT,
                   "journal %s: event #%llu in the frame at byte %llu: %s", r->path,
                   (unsigned long long)c->ordinal, (unsigned long long)fi->offset, why);
        c->frame = SIZE_MAX;
        c->next_frame = r->n_frames;   /* stay failed rather than skip ahead */
        return false;
    }
    c->steps += delta;
    c->pos = d.pos;
    c->idx++;
    ev->steps = c->steps;
    ev->ordinal = c->ordinal++;
    return true;
}

bool journal_cursor_seek_event(JournalCursor *c, uint64_t ordinal, Error **errp)
{
    JournalReader *r = c->r;
    if (ordinal >= r->n_events) {
        if (ordinal > r->n_events) {
            error_setc(errp, ERR_GENERIC, "journal %s: no event #%llu (it has %llu)", r->path,
                       (unsigned long long)ordinal, (unsigned long long)r->n_events);
            return false;
        }
        c->frame = SIZE_MAX;
        c->next_frame = r->n_frames;
        c->ordinal = ordinal;
        c->steps = r->last_steps;
        return true;
    }
    /* Last frame whose first event is <= ordinal. */
    size_t lo = 0, hi = r->n_frames;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->frames[mid].first_event <= ordinal) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    if (c->frame != lo || c->ordinal > ordinal) {
        if (!cursor_load(c, lo, errp)) {
            return false;
        }
    }
    JournalEvent ev;
    while (c->ordinal < ordinal) {
        if (!journal_cursor_next(c, &ev, errp)) {
            return false;
        }
    }
    return true;
}

bool journal_cursor_seek_steps(JournalCursor *c, uint64_t steps, Error **errp)
{
    JournalReader *r = c->r;
    if (r->n_frames == 0) {
        return journal_cursor_seek_event(c, 0, errp);
    }
    /* Frame k holds steps in [first_steps_k, last_steps_k]; the first event
     * at or after `steps` is in the first frame whose last_steps >= steps. */
    size_t lo = 0, hi = r->n_frames;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->frame_last_steps[mid] < steps) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == r->n_frames) {
        return journal_cursor_seek_event(c, r->n_events, errp);
    }
    if (!journal_cursor_seek_event(c, r->frames[lo].first_event, errp)) {
        return false;
    }
    for (;;) {
        size_t pos = c->pos;
        uint32_t idx = c->idx;
        uint64_t prev = c->steps, ord = c->ordinal;
        size_t frame = c->frame;
        JournalEvent ev;
        Error *err = NULL;
        if (!journal_cursor_next(c, &ev, &err)) {
            if (err) {
                error_propagate(errp, err);
                return false;
            }
            return true;
        }
        if (ev.steps >= steps) {
            /* Step back so that this event is the next one returned. */
            if (c->frame == frame) {
                c->pos = pos;
                c->idx = idx;
                c->steps = prev;
                c->ordinal = ord;
            } else {
                c->pos = 0;
                c->idx = 0;
                c->steps = r->frames[c->frame].first_steps;
                c->ordinal = r->frames[c->frame].first_event;
            }
            return true;
        }
    }
}
