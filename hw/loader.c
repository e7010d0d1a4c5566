/* loader: see loader.h. ELF layout: System V gABI, ELF-64 object file format. */
#include "hw/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EM_RISCV 243
#define PT_LOAD 1
#define ELF_EHDR_SIZE 64
#define ELF_PHDR_SIZE 56
#define MAX_IMAGE_SIZE (4ull << 30)   /* nothing bigger fits any RAM rrsim accepts */

void romset_init(RomSet *rs, uint64_t ram_base, uint64_t ram_size, uint64_t rom_base,
                 uint64_t rom_size)
{
    memset(rs, 0, sizeof(*rs));
    rs->ram_base = ram_base;
    rs->ram_size = ram_size;
    rs->rom_base = rom_base;
    rs->rom_size = rom_size;
}

void romset_free(RomSet *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        free(rs->blobs[i].name);
        free(rs->blobs[i].data);
    }
    free(rs->blobs);
    memset(rs, 0, sizeof(*rs));
}

static bool range_inside(uint64_t addr, uint64_t len, uint64_t base, uint64_t size)
{
    return addr >= base && len <= size && addr - base <= size - len;
}

bool romset_add(RomSet *rs, const char *name, uint64_t addr, const void *data, uint64_t len,
                uint64_t memsz, Error **errp)
{
    if (memsz < len) {
        memsz = len;
    }
    if (memsz == 0) {
        return true;
    }
    if (addr + memsz < addr) {
        error_setc(errp, ERR_IMAGE, "%s at 0x%llx wraps around the address space", name,
                   (unsigned long long)addr);
        return false;
    }
    if (!range_inside(addr, memsz, rs->ram_base, rs->ram_size) &&
        !range_inside(addr, memsz, rs->rom_base, rs->rom_size)) {
        error_setc(errp, ERR_IMAGE,
                   "%s [0x%llx, 0x%llx) is outside RAM [0x%llx, 0x%llx)%s", name,
                   (unsigned long long)addr, (unsigned long long)(addr + memsz),
                   (unsigned long long)rs->ram_base,
                   (unsigned long long)(rs->ram_base + rs->ram_size),
                   memsz > rs->ram_size ? " (larger than RAM; try a bigger -m)" : "");
        return false;
    }
    for (size_t i = 0; i < rs->n; i++) {
        const RomBlob *o = &rs->blobs[i];
        if (addr < o->addr + o->memsz && o->addr < addr + memsz) {
            error_setc(errp, ERR_IMAGE, "%s [0x%llx, 0x%llx) overlaps %s [0x%llx, 0x%llx)",
                       name, (unsigned long long)addr, (unsigned long long)(addr + memsz),
                       o->name, (unsigned long long)o->addr,
                       (unsigned long long)(o->addr + o->memsz));
            return false;
        }
    }
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 8;
        RomBlob *nb = realloc(rs->blobs, cap * sizeof(*nb));
        if (!nb) {
            error_setg(errp, "out of memory loading %s", name);
            return false;
        }
        rs->blobs = nb;
        rs->cap = cap;
    }
    RomBlob b = { .name = strdup(name), .addr = addr, .len = len, .memsz = memsz };
    b.data = len ? malloc(len) : NULL;
    if (!b.name || (len && !b.data)) {
        free(b.name);
        free(b.data);
        error_setg(errp, "out of memory loading %s", name);
        return false;
    }
    if (len) {
        memcpy(b.data, data, len);
    }
    rs->blobs[rs->n++] = b;
    return true;
}

bool romset_install(const RomSet *rs, AddressSpace *as, Error **errp)
{
    static const uint8_t zeros[4096];
    for (size_t i = 0; i < rs->n; i++) {
        const RomBlob *b = &rs->blobs[i];
        bool ok = b->len == 0 || mem_copy_to(as, b->addr, b->data, b->len, true);
        for (uint64_t off = b->len; ok && off < b->memsz; off += sizeof(zeros)) {
            uint64_t n = b->memsz - off < sizeof(zeros) ? b->memsz - off : sizeof(zeros);
            ok = mem_copy_to(as, b->addr + off, zeros, n, true);
        }
        if (!ok) {
            error_setc(errp, ERR_IMAGE, "%s at 0x%llx does not fit guest memory", b->name,
                       (unsigned long long)b->addr);
            return false;
        }
    }
    return true;
}

/* Whole file into memory; the size limit keeps a wrong path (a disk image,
 * /dev/zero) from exhausting host memory. */
FILE *loader_open(const char *what, const char *path, Error **errp)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer that may never
     * come; only a regular file is an image at all. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        error_setc(errp, ERR_IMAGE, "cannot open %s '%s': %s", what, path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        error_setc(errp, ERR_IMAGE, "%s '%s' is not a regular file", what, path);
        close(fd);
        return NULL;
    }
    FILE *f = fcntl(fd, F_SETFL, O_RDONLY) == 0 ? fdopen(fd, "rb") : NULL;
    if (!f) {
        error_setc(errp, ERR_IMAGE, "cannot open %s '%s': %s", what, path, strerror(errno));
        close(fd);
    }
    return f;
}

static uint8_t *read_file(const char *what, const char *path, uint64_t *size, Error **errp)
{
    FILE *f = loader_open(what, path, errp);
    if (!f) {
        return NULL;
    }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    /* Refuse a file that says it is too large before reading any of it (a
     * sparse disk image given by mistake would take minutes to read). */
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (uint64_t)st.st_size > MAX_IMAGE_SIZE) {
        error_setc(errp, ERR_IMAGE, "%s '%s' is larger than %llu bytes", what, path,
                   (unsigned long long)MAX_IMAGE_SIZE);
        goto fail;
    }
    for (;;) {
        if (len == cap) {
            if (cap >= MAX_IMAGE_SIZE) {
                error_setc(errp, ERR_IMAGE, "%s '%s' is larger than %llu bytes", what, path,
                           (unsigned long long)MAX_IMAGE_SIZE);
                goto fail;
            }
            cap = cap ? cap * 2 : 1 << 16;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                error_setg(errp, "out of memory reading %s '%s'", what, path);
                goto fail;
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                error_setc(errp, ERR_IMAGE, "reading %s '%s': %s", what, path, strerror(errno));
                goto fail;
            }
            break;
        }
    }
    fclose(f);
    *size = len;
    return buf;
fail:
    fclose(f);
    free(buf);
    return NULL;
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16; }
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

static bool load_elf(RomSet *rs, const char *what, const char *path, const uint8_t *f,
                     uint64_t size, LoadedImage *out, Error **errp)
{
    if (size < ELF_EHDR_SIZE) {
        error_setc(errp, ERR_IMAGE, "%s '%s': truncated ELF header (%llu bytes)", what, path,
                   (unsigned long long)size);
        return false;
    }
    if (f[4] != 2) {
        error_setc(errp, ERR_IMAGE, "%s '%s': not a 64-bit ELF (EI_CLASS %u); rrsim runs RV64",
                   what, path, f[4]);
        return false;
    }
    if (f[5] != 1) {
        error_setc(errp, ERR_IMAGE, "%s '%s': not a little-endian ELF", what, path);
        return false;
    }
    uint16_t machine = le16(f + 18);
    if (machine != EM_RISCV) {
        error_setc(errp, ERR_IMAGE, "%s '%s': ELF for machine %u, not RISC-V (%u)", what, path,
                   machine, EM_RISCV);
        return false;
    }
    uint64_t entry = le64(f + 24);
    uint64_t phoff = le64(f + 32);
    uint16_t phentsize = le16(f + 54);
    uint16_t phnum = le16(f + 56);
    if (phnum == 0 || phentsize < ELF_PHDR_SIZE || phoff > size ||
        (uint64_t)phnum * phentsize > size - phoff) {
        error_setc(errp, ERR_IMAGE, "%s '%s': truncated or missing program headers", what, path);
        return false;
    }

    size_t first = rs->n;
    uint64_t low = UINT64_MAX, high = 0;
    int loaded = 0;
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = f + phoff + (uint64_t)i * phentsize;
        if (le32(ph) != PT_LOAD) {
            continue;
        }
        uint64_t offset = le64(ph + 8), paddr = le64(ph + 24);
        uint64_t filesz = le64(ph + 32), memsz = le64(ph + 40);
        if (memsz == 0) {
            continue;
        }
        if (filesz > memsz) {
            error_setc(errp, ERR_IMAGE, "%s '%s': segment %u has file size > memory size",
                       what, path, i);
            goto fail;
        }
        if (offset > size || filesz > size - offset) {
            error_setc(errp, ERR_IMAGE, "%s '%s': segment %u lies past the end of the file "
                       "(truncated ELF?)", what, path, i);
            goto fail;
        }
        char name[512];
        snprintf(name, sizeof(name), "%s '%s' segment %u", what, path, i);
        if (!romset_add(rs, name, paddr, f + offset, filesz, memsz, errp)) {
            goto fail;
        }
        loaded++;
        low = paddr < low ? paddr : low;
        high = paddr + memsz > high ? paddr + memsz : high;
    }
    if (!loaded) {
        error_setc(errp, ERR_IMAGE, "%s '%s': ELF has no loadable segments", what, path);
        goto fail;
    }
    *out = (LoadedImage){ .entry = entry, .low = low, .high = high, .is_elf = true };
    return true;

fail:
    while (rs->n > first) {
        rs->n--;
        free(rs->blobs[rs->n].name);
        free(rs->blobs[rs->n].data);
    }
    return false;
}

bool loader_load_image(RomSet *rs, const char *what, const char *path, uint64_t raw_addr,
                       bool allow_raw, LoadedImage *out, Error **errp)
{
    uint64_t size;
    uint8_t *f = read_file(what, path, &size, errp);
    if (!f) {
        return false;
    }
    bool ok;
    if (size >= 4 && memcmp(f, "\177ELF", 4) == 0) {
        ok = load_elf(rs, what, path, f, size, out, errp);
    } else if (!allow_raw) {
        error_setc(errp, ERR_IMAGE, "%s '%s' is not an ELF file", what, path);
        ok = false;
    } else if (size == 0) {
        error_setc(errp, ERR_IMAGE, "%s '%s' is empty", what, path);
        ok = false;
    } else {
        char name[512];
        snprintf(name, sizeof(name), "%s '%s'", what, path);
        ok = romset_add(rs, name, raw_addr, f, size, size, errp);
        if (ok) {
            *out = (LoadedImage){ .entry = raw_addr, .low = raw_addr, .high = raw_addr + size };
        }
    }
    free(f);
    return ok;
}

bool loader_load_raw(RomSet *rs, const char *what, const char *path, uint64_t addr,
                     LoadedImage *out, Error **errp)
{
    uint64_t size;
    uint8_t *f = read_file(what, path, &size, errp);
    if (!f) {
        return false;
    }
    char name[512];
    snprintf(name, sizeof(name), "%s '%s'", what, path);
    bool ok = romset_add(rs, name, addr, f, size, size, errp);
    if (ok) {
        *out = (LoadedImage){ .entry = addr, .low = addr, .high = addr + size };
    }
    free(f);
    return ok;
}
