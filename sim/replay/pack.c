/* pack: see pack.h. */
#include "sim/replay/pack.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "sim/base/hash.h"
#include "sim/replay/journal.h"

#define ARGS_HEADER "rrsim-args 1"
#define PACK_HEADER_LEN 32u
#define PACK_MAX_ENTRIES 64u
#define PACK_MAX_NAME 32u
#define PACK_MAX_ARGS_BYTES (1u << 20)

/* ---- small helpers ---- */

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = v << 8 | p[i];
    }
    return v;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d) {
        abort();
    }
    return d;
}

static char *xprintf(const char *fmt, const char *a, const char *b)
{
    size_t n = strlen(fmt) + strlen(a) + (b ? strlen(b) : 0) + 1;
    char *s = malloc(n);
    if (!s) {
        abort();
    }
    snprintf(s, n, fmt, a, b ? b : "");
    return s;
}

static void args_add(PackArgs *a, const char *s)
{
    char **nv = realloc(a->v, sizeof(char *) * (size_t)(a->n + 2));
    if (!nv) {
        abort();
    }
    a->v = nv;
    a->v[a->n++] = xstrdup(s);
    a->v[a->n] = NULL;
}

void pack_args_free(PackArgs *a)
{
    for (int i = 0; i < a->n; i++) {
        free(a->v[i]);
    }
    free(a->v);
    a->v = NULL;
    a->n = 0;
}

char *pack_args_path(const char *journal)
{
    return xprintf("%s.args", journal, NULL);
}

static char *read_small_file(const char *path, size_t max, size_t *len, Error **errp)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        error_setg_errno(errp, errno, "cannot read %s", path);
        return NULL;
    }
    char *buf = malloc(max + 1);
    if (!buf) {
        abort();
    }
    size_t n = fread(buf, 1, max + 1, f);
    bool bad = ferror(f);
    fclose(f);
    if (bad || n > max) {
        error_setc(errp, ERR_IO, "%s: %s", path, bad ? "read error" : "too large");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Split NUL-terminated strings; the last one must be terminated. */
static bool split_nul(const char *buf, size_t len, PackArgs *out)
{
    if (len == 0 || buf[len - 1] != '\0') {
        return false;
    }
    for (size_t i = 0; i < len;) {
        args_add(out, buf + i);
        i += strlen(buf + i) + 1;
    }
    return true;
}

static bool opt_is(const char *opt, const char *name)
{
    if (opt[0] == '-' && opt[1] == '-') {
        opt++;
    }
    return !strcmp(opt, name);
}

bool pack_args_write(const char *journal, int argc, char **argv, const char *default_bios,
                     Error **errp)
{
    char *path = pack_args_path(journal);
    char cwd[4096];
    FILE *f = getcwd(cwd, sizeof(cwd)) ? fopen(path, "wb") : NULL;
    if (!f) {
        error_setg_errno(errp, errno, "cannot write %s", path);
        free(path);
        return false;
    }
    bool has_bios = false;
    fwrite(ARGS_HEADER, 1, sizeof(ARGS_HEADER), f);
    fwrite(cwd, 1, strlen(cwd) + 1, f);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        /* -bios default names the firmware the machine picked. */
        if (i > 1 && opt_is(argv[i - 1], "-bios") && !strcmp(a, "default") && default_bios) {
            a = default_bios;
        }
        has_bios |= opt_is(a, "-bios");
        fwrite(a, 1, strlen(a) + 1, f);
    }
    if (!has_bios && default_bios) {
        fwrite("-bios", 1, 6, f);
        fwrite(default_bios, 1, strlen(default_bios) + 1, f);
    }
    bool ok = !ferror(f);
    ok &= fclose(f) == 0;
    if (!ok) {
        error_setg_errno(errp, errno, "writing %s", path);
    }
    free(path);
    return ok;
}

/* The recorded arguments, with the working directory first. */
static bool args_read(const char *journal, PackArgs *out, Error **errp)
{
    char *path = pack_args_path(journal);
    size_t len;
    char *buf = read_small_file(path, PACK_MAX_ARGS_BYTES, &len, errp);
    if (!buf) {
        error_prepend(errp, "the options of recording %s: ", journal);
        free(path);
        return false;
    }
    PackArgs a = { 0 };
    bool ok = split_nul(buf, len, &a) && a.n >= 2 && !strcmp(a.v[0], ARGS_HEADER);
    free(buf);
    if (!ok) {
        error_setc(errp, ERR_IO, "%s: not an rrsim args file", path);
        pack_args_free(&a);
        free(path);
        return false;
    }
    free(path);
    /* Drop the header; keep the working directory as v[0]. */
    free(a.v[0]);
    memmove(a.v, a.v + 1, sizeof(char *) * (size_t)a.n);
    a.n--;
    *out = a;
    return true;
}

/* ---- from recording options to replay options ---- */

/* A file the replay needs, in a role ("kernel", "disk0", "journal", ...):
 * returns what the replay's options name it by (caller frees), or NULL
 * with errp set. */
typedef char *FileMap(void *opaque, const char *role, const char *path, Error **errp);

static bool opt_in(const char *opt, const char *const *list)
{
    for (int i = 0; list[i]; i++) {
        if (opt_is(opt, list[i])) {
            return true;
        }
    }
    return false;
}

/* Options whose value is the next argument. */
static const char *const opts_with_arg[] = {
    "-M", "-machine", "-m", "-bios", "-kernel", "-initrd", "-append", "-dtb", "-serial",
    "-display", "-icount", "-smp", "-cpu", "-gdb", "-qmp", "-d", "-D", "-dfilter", "-loadvm",
    "-snapshot-store", "-drive", "-device", "-object", "-global", "-accel", "-name", "-pidfile",
    "-monitor", "-rtc", "-chardev", "-mon", "-fail-on", "-timeout", "-ci-record", "-replay-pack",
    NULL };
/* Host matters the replay chooses for itself (debugger, console, logs), and
 * the CI recording itself. */
static const char *const opts_dropped[] = {
    "-gdb", "-qmp", "-serial", "-monitor", "-pidfile", "-loadvm", "-snapshot-store", "-d", "-D",
    "-dfilter", "-name", "-display", "-ci-record", "-replay-pack", "-chardev", "-mon", NULL };
static const char *const flags_dropped[] = { "-s", "-S", "-nographic", "-daemonize", "-no-shutdown",
                                             NULL };

/* Split QEMU's key=value,... (",," is a comma in a value) into items. */
static void kv_split(const char *s, PackArgs *items)
{
    size_t n = strlen(s);
    char *cur = malloc(n + 1);
    if (!cur) {
        abort();
    }
    size_t w = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] == ',' && s[i + 1] == ',') {
            cur[w++] = ',';
            i++;
        } else if (i == n || s[i] == ',') {
            cur[w] = '\0';
            args_add(items, cur);
            w = 0;
        } else {
            cur[w++] = s[i];
        }
    }
    free(cur);
}

/* Join items back, doubling commas inside them. */
static char *kv_join(const PackArgs *items)
{
    size_t n = 1;
    for (int i = 0; i < items->n; i++) {
        n += 2 * strlen(items->v[i]) + 1;
    }
    char *s = malloc(n), *w = s;
    if (!s) {
        abort();
    }
    for (int i = 0; i < items->n; i++) {
        if (i) {
            *w++ = ',';
        }
        for (const char *p = items->v[i]; *p; p++) {
            if (*p == ',') {
                *w++ = ',';
            }
            *w++ = *p;
        }
    }
    *w = '\0';
    return s;
}

static char *resolve(const char *cwd, const char *path)
{
    return path[0] == '/' ? xstrdup(path) : xprintf("%s/%s", cwd, path);
}

static bool replay_args_from(const PackArgs *rec, const char *journal, FileMap *map, void *opaque,
                             PackArgs *out, Error **errp)
{
    Error *local = NULL;
    const char *cwd = rec->v[0];
    const char *store = NULL;
    bool rrsnapshot = false, icount_seen = false;
    int ndisk = 0;
    PackArgs a = { 0 };

    for (int i = 1; i < rec->n; i++) {
        const char *opt = rec->v[i];
        const char *val = i + 1 < rec->n ? rec->v[i + 1] : NULL;
        if (opt_in(opt, flags_dropped)) {
            continue;
        }
        if (!opt_in(opt, opts_with_arg) || !val) {
            args_add(&a, opt);
            continue;
        }
        i++;
        if (opt_is(opt, "-snapshot-store")) {
            store = val;
        }
        if (opt_in(opt, opts_dropped)) {
            continue;
        }
        char *mapped = NULL;
        if (opt_is(opt, "-bios") || opt_is(opt, "-kernel") || opt_is(opt, "-initrd") ||
            opt_is(opt, "-dtb")) {
            if (opt_is(opt, "-bios") && (!strcmp(val, "none") || !strcmp(val, "default"))) {
                mapped = xstrdup(val);
            } else {
                const char *role = opt_is(opt, "-bios") ? "firmware" : opt + 1 + (opt[1] == '-');
                char *p = resolve(cwd, val);
                mapped = map(opaque, role, p, &local);
                free(p);
            }
        } else if (opt_is(opt, "-drive") || opt_is(opt, "-icount") || opt_is(opt, "-timeout") ||
                   opt_is(opt, "-object")) {
            PackArgs items = { 0 }, kept = { 0 };
            kv_split(val, &items);
            bool icount = opt_is(opt, "-icount");
            icount_seen |= icount;
            for (int k = 0; k < items.n && !local; k++) {
                const char *it = items.v[k];
                if (opt_is(opt, "-drive") && !strncmp(it, "file=", 5)) {
                    char role[16], *p = resolve(cwd, it + 5);
                    snprintf(role, sizeof(role), "disk%d", ndisk++);
                    char *m = map(opaque, role, p, &local);
                    free(p);
                    if (m) {
                        char *kv = xprintf("file=%s", m, NULL);
                        args_add(&kept, kv);
                        free(kv);
                        free(m);
                    }
                } else if (icount && (!strncmp(it, "rrfile=", 7) || !strncmp(it, "rr=", 3) || !strncmp(it, "rrcheckpoint=", 13) ||
                                      !strncmp(it, "rrcorrupt=", 10))) {
                    /* replaced below / record-only */
                } else if (opt_is(opt, "-timeout") && strncmp(it, "steps=", 6)) {
                    /* host time: the journal holds where it struck */
                } else if (opt_is(opt, "-object") && !strncmp(it, "filename=", 9)) {
                    /* an entropy source: its bytes are in the journal */
                } else {
                    rrsnapshot |= icount && !strncmp(it, "rrsnapshot=", 11);
                    args_add(&kept, it);
                }
            }
            if (icount && !local) {
                char *jm = map(opaque, "journal", journal, &local);
                if (jm) {
                    args_add(&kept, "rr=replay");
                    char *kv = xprintf("rrfile=%s", jm, NULL);
                    args_add(&kept, kv);
                    free(kv);
                    free(jm);
                }
            }
            if (!local && kept.n) {
                mapped = kv_join(&kept);
            } else if (!local) {
                pack_args_free(&items);
                continue;   /* nothing left of -timeout */
            }
            pack_args_free(&items);
            pack_args_free(&kept);
        } else {
            mapped = xstrdup(val);
        }
        if (!mapped) {
            pack_args_free(&a);
            error_propagate(errp, local);
            return false;
        }
        args_add(&a, opt);
        args_add(&a, mapped);
        free(mapped);
    }
    if (!icount_seen) {
        /* Recorded by -ci-record, which needs no -icount. */
        char *jm = map(opaque, "journal", journal, &local);
        if (!jm) {
            pack_args_free(&a);
            error_propagate(errp, local);
            return false;
        }
        char *kv = xprintf("rr=replay,rrfile=%s", jm, NULL);
        args_add(&a, "-icount");
        args_add(&a, kv);
        free(kv);
        free(jm);
    }
    if (rrsnapshot) {
        /* The recording started from a snapshot: the replay needs it. */
        char *def = xprintf("%s.snap", journal, NULL);
        char *p = store ? resolve(cwd, store) : def;
        char *m = map(opaque, "snapshots", p, &local);
        if (p != def) {
            free(p);
        }
        free(def);
        if (!m) {
            pack_args_free(&a);
            error_propagate(errp, local);
            return false;
        }
        args_add(&a, "-snapshot-store");
        args_add(&a, m);
        free(m);
    }
    *out = a;
    return true;
}

static char *map_in_place(void *opaque, const char *role, const char *path, Error **errp)
{
    return xstrdup(path);
}

bool pack_replay_args(const char *journal, PackArgs *out, Error **errp)
{
    PackArgs rec;
    if (!args_read(journal, &rec, errp)) {
        return false;
    }
    bool ok = replay_args_from(&rec, journal, map_in_place, NULL, out, errp);
    pack_args_free(&rec);
    return ok;
}

/* ---- writing a pack ---- */

typedef struct PackEntry {
    char name[PACK_MAX_NAME];
    char *path;                 /* the source file */
    uint64_t offset, size, stored;
    Hash128 hash;
} PackEntry;

typedef struct PackWriter {
    const JournalManifest *man;
    PackEntry e[PACK_MAX_ENTRIES];
    int n;
} PackWriter;

/* The content hash, as the manifest computes it: disks hash their length
 * first (sim/block), other images only their bytes. */
static bool file_hash(const char *path, bool with_length, Hash128 *out, uint64_t *size,
                      Error **errp)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        error_setg_errno(errp, f ? EINVAL : errno, "cannot read %s", path);
        if (f) {
            fclose(f);
        }
        return false;
    }
    HashState hs;
    hash_init(&hs);
    if (with_length) {
        hash_update_u64(&hs, (uint64_t)st.st_size);
    }
    bool ok = hash_update_stream(&hs, f);
    fclose(f);
    *out = hash_final(&hs);
    hash_free(&hs);
    *size = (uint64_t)st.st_size;
    if (!ok) {
        error_setc(errp, ERR_IO, "error reading %s", path);
    }
    return ok;
}

static char *map_into_pack(void *opaque, const char *role, const char *path, Error **errp)
{
    PackWriter *w = opaque;
    if (w->n == PACK_MAX_ENTRIES) {
        error_setc(errp, ERR_IO, "too many files for one pack");
        return NULL;
    }
    PackEntry *e = &w->e[w->n];
    memset(e, 0, sizeof(*e));
    snprintf(e->name, sizeof(e->name), "%s", role);
    bool disk = !strncmp(role, "disk", 4);
    Hash128 h;
    uint64_t size;
    if (!file_hash(path, disk, &h, &size, errp)) {
        error_prepend(errp, "%s: ", role);
        return NULL;
    }
    /* The manifest knows the images by hash: the file must be the one the
     * recording used. */
    bool known = false, match = false;
    for (size_t i = 0; i < w->man->n_inputs; i++) {
        const JournalInput *in = &w->man->inputs[i];
        bool same_kind = disk ? !strncmp(in->name, "disk on ", 8) : !strcmp(in->name, role);
        known |= same_kind;
        match |= same_kind && hash_equal(in->hash, h);
    }
    if (known && !match) {
        error_setc(errp, ERR_IO, "%s %s has changed since the recording (its content hash "
                   "is not the one the journal's manifest holds)", role, path);
        return NULL;
    }
    /* The bytes are hashed again as they are packed: the entry's hash is
     * of the content alone. */
    if (disk && !file_hash(path, false, &h, &size, errp)) {
        return NULL;
    }
    e->path = xstrdup(path);
    e->hash = h;
    e->size = size;
    w->n++;
    return xprintf(PACK_PLACEHOLDER "/%s", role, NULL);
}

/* Compress one file onto f at its current end; sets e->stored. */
static bool pack_write_entry(FILE *f, PackEntry *e, const uint8_t *mem, Error **errp)
{
    FILE *in = mem ? NULL : fopen(e->path, "rb");
    if (!mem && !in) {
        error_setg_errno(errp, errno, "cannot read %s", e->path);
        return false;
    }
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    if (!cc) {
        abort();
    }
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 3);
    ZSTD_CCtx_setPledgedSrcSize(cc, e->size);
    size_t inmax = ZSTD_CStreamInSize(), outmax = ZSTD_CStreamOutSize();
    uint8_t *ibuf = malloc(inmax), *obuf = malloc(outmax);
    if (!ibuf || !obuf) {
        abort();
    }
    bool ok = true;
    uint64_t done = 0, stored = 0;
    HashState hs;
    hash_init(&hs);
    for (bool last = false; ok && !last;) {
        size_t n;
        if (mem) {
            n = e->size - done < inmax ? (size_t)(e->size - done) : inmax;
            memcpy(ibuf, mem + done, n);
        } else {
            n = fread(ibuf, 1, inmax, in);
            if (ferror(in)) {
                error_setc(errp, ERR_IO, "error reading %s", e->path);
                ok = false;
                break;
            }
        }
        done += n;
        hash_update(&hs, ibuf, n);
        last = done >= e->size || n == 0;
        ZSTD_inBuffer ib = { ibuf, n, 0 };
        for (bool finished = false; ok && !finished;) {
            ZSTD_outBuffer ob = { obuf, outmax, 0 };
            size_t r = ZSTD_compressStream2(cc, &ob, &ib, last ? ZSTD_e_end : ZSTD_e_continue);
            if (ZSTD_isError(r)) {
                error_setc(errp, ERR_IO, "compressing %s: %s", e->name, ZSTD_getErrorName(r));
                ok = false;
                break;
            }
            if (fwrite(obuf, 1, ob.pos, f) != ob.pos) {
                error_setg_errno(errp, errno, "writing the pack");
                ok = false;
                break;
            }
            stored += ob.pos;
            finished = last ? r == 0 : ib.pos == ib.size;
        }
    }
    Hash128 h = hash_final(&hs);
    hash_free(&hs);
    if (ok && (done != e->size || !hash_equal(h, e->hash))) {
        error_setc(errp, ERR_IO, "%s changed while it was being packed", e->path);
        ok = false;
    }
    e->stored = stored;
    free(ibuf);
    free(obuf);
    ZSTD_freeCCtx(cc);
    if (in) {
        fclose(in);
    }
    return ok;
}

bool pack_create(const char *journal, const char *out, FILE *log, Error **errp)
{
    JournalReader *rd = journal_reader_open(journal, false, errp);
    if (!rd) {
        return false;
    }
    JournalManifest man;
    journal_manifest_copy(&man, journal_reader_manifest(rd));
    journal_reader_free(rd);

    PackWriter w = { .man = &man };
    PackArgs rec = { 0 }, args = { 0 };
    uint8_t *args_buf = NULL;
    FILE *f = NULL;
    bool ok = args_read(journal, &rec, errp) &&
              replay_args_from(&rec, journal, map_into_pack, &w, &args, errp);
    char *tmp = xprintf("%s.tmp", out, NULL);
    if (ok) {
        /* The args entry goes first, from memory. */
        size_t alen = 0;
        for (int i = 0; i < args.n; i++) {
            alen += strlen(args.v[i]) + 1;
        }
        args_buf = malloc(alen + 1);
        if (!args_buf) {
            abort();
        }
        size_t p = 0;
        for (int i = 0; i < args.n; i++) {
            memcpy(args_buf + p, args.v[i], strlen(args.v[i]) + 1);
            p += strlen(args.v[i]) + 1;
        }
        memmove(&w.e[1], &w.e[0], sizeof(PackEntry) * (size_t)w.n);
        memset(&w.e[0], 0, sizeof(PackEntry));
        snprintf(w.e[0].name, sizeof(w.e[0].name), "args");
        w.e[0].size = alen;
        w.e[0].hash = hash128(args_buf, alen);
        w.n++;
        f = fopen(tmp, "wb");
        if (!f) {
            error_setg_errno(errp, errno, "cannot create %s", tmp);
            ok = false;
        }
    }
    uint64_t index_len = 0;
    for (int i = 0; i < w.n; i++) {
        index_len += 2 + strlen(w.e[i].name) + 40;
    }
    uint64_t data_start = PACK_HEADER_LEN + index_len + 8;
    if (ok && fseek(f, (long)data_start, SEEK_SET) != 0) {
        error_setg_errno(errp, errno, "writing %s", tmp);
        ok = false;
    }
    uint64_t off = data_start;
    for (int i = 0; ok && i < w.n; i++) {
        w.e[i].offset = off;
        ok = pack_write_entry(f, &w.e[i], i == 0 ? args_buf : NULL, errp);
        off += w.e[i].stored;
        if (ok && log) {
            fprintf(log, "%-10s %12llu bytes -> %llu\n", w.e[i].name,
                    (unsigned long long)w.e[i].size, (unsigned long long)w.e[i].stored);
        }
    }
    if (ok) {
        uint8_t hdr[PACK_HEADER_LEN];
        memcpy(hdr, PACK_MAGIC, 8);
        uint8_t v[8];
        put_u64(v, PACK_VERSION | (uint64_t)w.n << 32);
        memcpy(hdr + 8, v, 8);
        put_u64(hdr + 16, index_len);
        put_u64(hdr + 24, hash128(hdr, 24).lo);
        uint8_t *idx = malloc(index_len + 8), *q = idx;
        if (!idx) {
            abort();
        }
        for (int i = 0; i < w.n; i++) {
            size_t nl = strlen(w.e[i].name);
            q[0] = (uint8_t)nl;
            q[1] = (uint8_t)(nl >> 8);
            memcpy(q + 2, w.e[i].name, nl);
            q += 2 + nl;
            put_u64(q, w.e[i].offset);
            put_u64(q + 8, w.e[i].size);
            put_u64(q + 16, w.e[i].stored);
            put_u64(q + 24, w.e[i].hash.lo);
            put_u64(q + 32, w.e[i].hash.hi);
            q += 40;
        }
        put_u64(q, hash128(idx, index_len).lo);
        ok = fseek(f, 0, SEEK_SET) == 0 && fwrite(hdr, 1, sizeof(hdr), f) == sizeof(hdr) &&
             fwrite(idx, 1, index_len + 8, f) == index_len + 8;
        free(idx);
        if (!ok) {
            error_setg_errno(errp, errno, "writing %s", tmp);
        }
    }
    if (f) {
        if (fclose(f) != 0 && ok) {
            error_setg_errno(errp, errno, "writing %s", tmp);
            ok = false;
        }
        if (ok && rename(tmp, out) != 0) {
            error_setg_errno(errp, errno, "cannot create %s", out);
            ok = false;
        }
        if (!ok) {
            unlink(tmp);
        }
    }
    free(tmp);
    free(args_buf);
    for (int i = 0; i < w.n; i++) {
        free(w.e[i].path);
    }
    pack_args_free(&rec);
    pack_args_free(&args);
    journal_manifest_free(&man);
    return ok;
}

/* ---- reading a pack ---- */

typedef struct PackReader {
    FILE *f;
    const char *path;
    uint64_t file_size;
    PackEntry e[PACK_MAX_ENTRIES];
    int n;
} PackReader;

static bool damaged(Error **errp, const PackReader *r, const char *what)
{
    error_setc(errp, ERR_IO, "%s: not a usable rrsim pack: %s", r->path, what);
    return false;
}

static bool pack_open(PackReader *r, const char *path, Error **errp)
{
    memset(r, 0, sizeof(*r));
    r->path = path;
    r->f = fopen(path, "rb");
    struct stat st;
    if (!r->f || fstat(fileno(r->f), &st) != 0 || !S_ISREG(st.st_mode)) {
        error_setg_errno(errp, r->f ? EINVAL : errno, "cannot read pack %s", path);
        return false;
    }
    r->file_size = (uint64_t)st.st_size;
    uint8_t hdr[PACK_HEADER_LEN];
    if (fread(hdr, 1, sizeof(hdr), r->f) != sizeof(hdr)) {
        return damaged(errp, r, "shorter than its header (truncated?)");
    }
    if (memcmp(hdr, PACK_MAGIC, 8)) {
        return damaged(errp, r, "bad magic (not a pack)");
    }
    if (get_u64(hdr + 24) != hash128(hdr, 24).lo) {
        return damaged(errp, r, "header checksum mismatch");
    }
    uint64_t vn = get_u64(hdr + 8);
    if ((uint32_t)vn != PACK_VERSION) {
        error_setc(errp, ERR_IO, "%s: pack format version %u, this rrsim reads %u", path,
                   (unsigned)(uint32_t)vn, PACK_VERSION);
        return false;
    }
    uint32_t n = (uint32_t)(vn >> 32);
    uint64_t ilen = get_u64(hdr + 16);
    if (n == 0 || n > PACK_MAX_ENTRIES || ilen > n * (2ull + PACK_MAX_NAME + 40) ||
        PACK_HEADER_LEN + ilen + 8 > r->file_size) {
        return damaged(errp, r, "index out of bounds (truncated?)");
    }
    uint8_t *idx = malloc(ilen + 8);
    if (!idx) {
        abort();
    }
    bool ok = fread(idx, 1, ilen + 8, r->f) == ilen + 8;
    if (!ok || get_u64(idx + ilen) != hash128(idx, ilen).lo) {
        free(idx);
        return damaged(errp, r, "index checksum mismatch");
    }
    const uint8_t *q = idx, *end = idx + ilen;
    for (uint32_t i = 0; i < n; i++) {
        PackEntry *e = &r->e[i];
        size_t nl = q + 2 <= end ? (size_t)(q[0] | q[1] << 8) : PACK_MAX_NAME;
        if (nl == 0 || nl >= PACK_MAX_NAME || q + 2 + nl + 40 > end) {
            free(idx);
            return damaged(errp, r, "bad index entry");
        }
        memcpy(e->name, q + 2, nl);
        e->name[nl] = '\0';
        for (size_t k = 0; k < nl; k++) {
            char c = e->name[k];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
                free(idx);
                return damaged(errp, r, "bad entry name");
            }
        }
        q += 2 + nl;
        e->offset = get_u64(q);
        e->size = get_u64(q + 8);
        e->stored = get_u64(q + 16);
        e->hash.lo = get_u64(q + 24);
        e->hash.hi = get_u64(q + 32);
        q += 40;
        if (e->offset < PACK_HEADER_LEN + ilen + 8 || e->offset > r->file_size ||
            e->stored > r->file_size - e->offset) {
            free(idx);
            error_setc(errp, ERR_IO, "%s: not a usable rrsim pack: entry %s lies beyond the "
                       "end of the file (truncated?)", path, e->name);
            return false;
        }
        for (uint32_t k = 0; k < i; k++) {
            if (!strcmp(r->e[k].name, e->name)) {
                free(idx);
                return damaged(errp, r, "duplicate entry");
            }
        }
        r->n++;
    }
    free(idx);
    return true;
}

static void pack_close(PackReader *r)
{
    if (r->f) {
        fclose(r->f);
    }
}

/* Decompress entry e to `to` (or only check it when to is NULL). */
static bool pack_read_entry(PackReader *r, const PackEntry *e, FILE *to, Error **errp)
{
    if (fseek(r->f, (long)e->offset, SEEK_SET) != 0) {
        return damaged(errp, r, "seek failed");
    }
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    if (!dc) {
        abort();
    }
    size_t inmax = ZSTD_DStreamInSize(), outmax = ZSTD_DStreamOutSize();
    uint8_t *ibuf = malloc(inmax), *obuf = malloc(outmax);
    if (!ibuf || !obuf) {
        abort();
    }
    HashState hs;
    hash_init(&hs);
    uint64_t left = e->stored, produced = 0;
    size_t r_last = 1;
    bool ok = true;
    const char *why = NULL;
    while (ok && left > 0) {
        size_t n = left < inmax ? (size_t)left : inmax;
        if (fread(ibuf, 1, n, r->f) != n) {
            why = "ends early (truncated?)";
            ok = false;
            break;
        }
        left -= n;
        ZSTD_inBuffer ib = { ibuf, n, 0 };
        while (ok && ib.pos < ib.size) {
            ZSTD_outBuffer ob = { obuf, outmax, 0 };
            r_last = ZSTD_decompressStream(dc, &ob, &ib);
            if (ZSTD_isError(r_last)) {
                why = "its compressed data is damaged";
                ok = false;
                break;
            }
            produced += ob.pos;
            if (produced > e->size) {
                why = "it holds more bytes than its index says";
                ok = false;
                break;
            }
            hash_update(&hs, obuf, ob.pos);
            if (to && fwrite(obuf, 1, ob.pos, to) != ob.pos) {
                error_setg_errno(errp, errno, "extracting %s", e->name);
                ok = false;
                break;
            }
        }
    }
    Hash128 h = hash_final(&hs);
    hash_free(&hs);
    if (ok && (r_last != 0 || produced != e->size)) {
        why = "its compressed data ends early";
        ok = false;
    }
    if (ok && !hash_equal(h, e->hash)) {
        why = "its content does not have the hash the index holds";
        ok = false;
    }
    if (why) {
        error_setc(errp, ERR_IO, "%s: not a usable rrsim pack: entry %s: %s", r->path, e->name,
                   why);
    }
    free(ibuf);
    free(obuf);
    ZSTD_freeDCtx(dc);
    return ok;
}

bool pack_list(const char *pack, FILE *out, Error **errp)
{
    PackReader r;
    bool ok = pack_open(&r, pack, errp);
    for (int i = 0; ok && i < r.n; i++) {
        ok = pack_read_entry(&r, &r.e[i], NULL, errp);
        char hex[33];
        hash_to_hex(r.e[i].hash, hex);
        if (ok) {
            fprintf(out, "%-10s %12llu bytes  %s\n", r.e[i].name,
                    (unsigned long long)r.e[i].size, hex);
        }
    }
    pack_close(&r);
    return ok;
}

static char *substitute(const char *s, const char *dir)
{
    size_t pl = strlen(PACK_PLACEHOLDER);
    size_t n = strlen(s) + 1, count = 0;
    for (const char *p = strstr(s, PACK_PLACEHOLDER); p; p = strstr(p + pl, PACK_PLACEHOLDER)) {
        count++;
    }
    /* Inside key=value options a comma doubles: do it everywhere the
     * directory has one (it has none from mkdtemp in practice). */
    char *esc = malloc(2 * strlen(dir) + 1), *w = esc;
    if (!esc) {
        abort();
    }
    for (const char *p = dir; *p; p++) {
        if (*p == ',') {
            *w++ = ',';
        }
        *w++ = *p;
    }
    *w = '\0';
    char *out = malloc(n + count * strlen(esc));
    if (!out) {
        abort();
    }
    w = out;
    for (const char *p = s; *p;) {
        if (!strncmp(p, PACK_PLACEHOLDER, pl)) {
            w += sprintf(w, "%s", esc);
            p += pl;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
    free(esc);
    return out;
}

bool pack_extract(const char *pack, const char *dir, PackArgs *args, Error **errp)
{
    PackReader r;
    bool ok = pack_open(&r, pack, errp);
    const PackEntry *args_entry = NULL;
    bool have_journal = false;
    for (int i = 0; ok && i < r.n; i++) {
        const PackEntry *e = &r.e[i];
        if (!strcmp(e->name, "args")) {
            args_entry = e;
        }
        have_journal |= !strcmp(e->name, "journal");
        char *path = xprintf("%s/%s", dir, e->name);
        FILE *f = fopen(path, "wb");
        if (!f) {
            error_setg_errno(errp, errno, "cannot create %s", path);
            ok = false;
        } else {
            ok = pack_read_entry(&r, e, f, errp);
            if (fclose(f) != 0 && ok) {
                error_setg_errno(errp, errno, "writing %s", path);
                ok = false;
            }
        }
        free(path);
    }
    if (ok && (!args_entry || !have_journal)) {
        ok = damaged(errp, &r, "no args or no journal entry");
    }
    if (ok) {
        char *path = xprintf("%s/%s", dir, "args");
        size_t len;
        char *buf = read_small_file(path, PACK_MAX_ARGS_BYTES, &len, errp);
        free(path);
        PackArgs raw = { 0 };
        if (!buf) {
            ok = false;
        } else if (!split_nul(buf, len, &raw)) {
            ok = damaged(errp, &r, "bad args entry");
        }
        free(buf);
        memset(args, 0, sizeof(*args));
        for (int i = 0; ok && i < raw.n; i++) {
            char *s = substitute(raw.v[i], dir);
            args_add(args, s);
            free(s);
        }
        pack_args_free(&raw);
    }
    pack_close(&r);
    return ok;
}
