/* blockdev: see blockdev.h. */
#include "sim/block/blockdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define BITS_PER_PAGE (MEM_PAGE_SIZE * 8u)
#define ZERO_CHUNK    (64u * 1024)

struct BlockDev {
    char *id;
    char *path;
    int fd;
    uint64_t length;          /* bytes of the image */
    uint64_t sectors;         /* the guest's capacity */
    bool readonly;
    bool write_cache;
    bool hash_known;
    Hash128 hash;

    /* Overlay: region pages [0, map_pages) hold the presence bitmap, page
     * map_pages + n holds block n once the guest wrote it. */
    bool overlay;
    uint64_t blocks;
    uint64_t map_pages;
    MemRegion region;
};

/* ---- host I/O ---- */

/* Read what the file holds at [off, off+len), zeros past its end. */
static bool file_read(BlockDev *b, uint64_t off, void *buf, size_t len, Error **errp)
{
    uint8_t *p = buf;
    while (len > 0) {
        if (off >= b->length) {
            memset(p, 0, len);
            return true;
        }
        size_t want = off + len > b->length ? (size_t)(b->length - off) : len;
        ssize_t n = pread(b->fd, p, want, (off_t)off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            error_setg_errno(errp, errno, "drive %s: reading '%s'", b->id, b->path);
            return false;
        }
        if (n == 0) {
            /* The file shrank under us: what is gone reads as zeros. */
            memset(p, 0, len);
            return true;
        }
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return true;
}

static bool file_write(BlockDev *b, uint64_t off, const void *buf, size_t len, Error **errp)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = pwrite(b->fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            error_setg_errno(errp, n < 0 ? errno : EIO, "drive %s: writing '%s'", b->id, b->path);
            return false;
        }
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    if (off > b->length) {
        b->length = off;   /* a write into the last partial sector grows the file */
    }
    return true;
}

static bool file_sync(BlockDev *b, Error **errp)
{
    if (fdatasync(b->fd) != 0 && errno != EINVAL) {
        error_setg_errno(errp, errno, "drive %s: flushing '%s'", b->id, b->path);
        return false;
    }
    return true;
}

/* ---- the overlay ---- */

static void mark(uint64_t *bm, uint64_t page)
{
    bm[page / 64] |= 1ull << (page % 64);
}

static uint8_t *ov_page(BlockDev *b, uint64_t page)
{
    return b->region.host + page * MEM_PAGE_SIZE;
}

/* The page is about to be written: the store must look at it. */
static void ov_touch(BlockDev *b, uint64_t page)
{
    mark(b->region.dirty, page);
    mark(b->region.nonzero, page);
}

static bool ov_present(BlockDev *b, uint64_t block)
{
    const uint8_t *map = ov_page(b, block / BITS_PER_PAGE);
    uint64_t bit = block % BITS_PER_PAGE;
    return map[bit / 8] >> (bit % 8) & 1;
}

/* The overlay's copy of block, made present (filled from the image first
 * unless the caller overwrites all of it). */
static uint8_t *ov_block(BlockDev *b, uint64_t block, bool whole, Error **errp)
{
    uint64_t page = b->map_pages + block;
    uint8_t *data = ov_page(b, page);
    if (!ov_present(b, block)) {
        ov_touch(b, page);
        if (!whole && !file_read(b, block * BLOCKDEV_BLOCK, data, BLOCKDEV_BLOCK, errp)) {
            return NULL;
        }
        uint64_t mp = block / BITS_PER_PAGE, bit = block % BITS_PER_PAGE;
        ov_touch(b, mp);
        ov_page(b, mp)[bit / 8] |= (uint8_t)(1u << (bit % 8));
    }
    ov_touch(b, page);
    return data;
}

static bool ov_create(BlockDev *b, Error **errp)
{
    b->blocks = (b->sectors * BLOCKDEV_SECTOR + BLOCKDEV_BLOCK - 1) / BLOCKDEV_BLOCK;
    b->map_pages = (b->blocks + BITS_PER_PAGE - 1) / BITS_PER_PAGE;
    uint64_t pages = b->map_pages + b->blocks;
    size_t words = (size_t)((pages + 63) / 64);
    /* Reserved, not committed: only written pages take memory. */
    void *host = mmap(NULL, pages * MEM_PAGE_SIZE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (host == MAP_FAILED) {
        error_setg_errno(errp, errno, "drive %s: reserving %llu MiB for the overlay of '%s'",
                         b->id, (unsigned long long)(pages >> 8), b->path);
        return false;
    }
    b->region = (MemRegion){ .name = b->id, .base = 0, .size = pages * MEM_PAGE_SIZE,
                             .kind = MEM_RAM, .host = host,
                             .dirty = calloc(words, sizeof(uint64_t)),
                             .nonzero = calloc(words, sizeof(uint64_t)) };
    if (!b->region.dirty || !b->region.nonzero) {
        error_setg(errp, "drive %s: out of memory for the overlay's bitmaps", b->id);
        return false;
    }
    return true;
}

/* ---- the public operations ---- */

BlockDev *blockdev_open(const BlockDevOptions *o, Error **errp)
{
    BlockDev *b = calloc(1, sizeof(*b));
    if (!b) {
        error_setg(errp, "out of memory");
        return NULL;
    }
    b->fd = -1;
    b->id = strdup(o->id ? o->id : "");
    b->path = strdup(o->path);
    b->readonly = o->readonly;
    b->overlay = o->overlay;
    b->write_cache = true;
    if (!b->id || !b->path) {
        error_setg(errp, "out of memory");
        goto fail;
    }
    bool writes_file = !b->readonly && !b->overlay;
    b->fd = open(o->path, (writes_file ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (b->fd < 0) {
        error_setg_errno(errp, errno, "drive %s: could not open '%s'", b->id, o->path);
        goto fail;
    }
    struct stat st;
    if (fstat(b->fd, &st) != 0) {
        error_setg_errno(errp, errno, "drive %s: '%s'", b->id, o->path);
        goto fail;
    }
    if (S_ISREG(st.st_mode)) {
        b->length = (uint64_t)st.st_size;
    } else if (S_ISBLK(st.st_mode)) {
        uint64_t bytes = 0;
        if (ioctl(b->fd, BLKGETSIZE64, &bytes) != 0) {
            error_setg_errno(errp, errno, "drive %s: size of '%s'", b->id, o->path);
            goto fail;
        }
        b->length = bytes;
    } else {
        error_setc(errp, ERR_IO, "drive %s: '%s' is not a regular file or a block device",
                   b->id, o->path);
        goto fail;
    }
    if (b->length == 0) {
        error_setc(errp, ERR_IO, "drive %s: '%s' is empty", b->id, o->path);
        goto fail;
    }
    /* One writer, or any number of readers, as QEMU's image locking. */
    struct flock fl = { .l_type = writes_file ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET };
    if (fcntl(b->fd, F_OFD_SETLK, &fl) != 0) {
        if (errno == EAGAIN || errno == EACCES) {
            error_setc(errp, ERR_IO, "drive %s: failed to get %s lock on '%s': is another "
                       "process using the image?", b->id, writes_file ? "a write" : "a shared",
                       o->path);
        } else {
            error_setg_errno(errp, errno, "drive %s: locking '%s'", b->id, o->path);
        }
        goto fail;
    }
    b->sectors = (b->length + BLOCKDEV_SECTOR - 1) / BLOCKDEV_SECTOR;
    if (b->overlay && !ov_create(b, errp)) {
        goto fail;
    }
    return b;

fail:
    blockdev_close(b);
    return NULL;
}

void blockdev_close(BlockDev *b)
{
    if (!b) {
        return;
    }
    if (b->fd >= 0) {
        close(b->fd);   /* drops the lock */
    }
    if (b->region.host) {
        munmap(b->region.host, b->region.size);
    }
    free(b->region.dirty);
    free(b->region.nonzero);
    free(b->id);
    free(b->path);
    free(b);
}

const char *blockdev_id(const BlockDev *b)
{
    return b->id;
}

const char *blockdev_path(const BlockDev *b)
{
    return b->path;
}

uint64_t blockdev_length(const BlockDev *b)
{
    return b->length;
}

uint64_t blockdev_sectors(const BlockDev *b)
{
    return b->sectors;
}

bool blockdev_readonly(const BlockDev *b)
{
    return b->readonly;
}

bool blockdev_has_overlay(const BlockDev *b)
{
    return b->overlay;
}

static bool in_range(BlockDev *b, uint64_t off, uint64_t len, Error **errp)
{
    uint64_t cap = b->sectors * BLOCKDEV_SECTOR;
    if (off > cap || len > cap - off) {
        error_setc(errp, ERR_USAGE, "drive %s: access beyond the end of the disk", b->id);
        return false;
    }
    return true;
}

bool blockdev_read(BlockDev *b, uint64_t off, void *buf, size_t len, Error **errp)
{
    if (!in_range(b, off, len, errp)) {
        return false;
    }
    if (!b->overlay) {
        return file_read(b, off, buf, len, errp);
    }
    uint8_t *p = buf;
    while (len > 0) {
        uint64_t block = off / BLOCKDEV_BLOCK, boff = off % BLOCKDEV_BLOCK;
        size_t n = BLOCKDEV_BLOCK - boff < len ? (size_t)(BLOCKDEV_BLOCK - boff) : len;
        /* Runs of blocks the guest never wrote come straight from the file. */
        if (!ov_present(b, block)) {
            uint64_t end = block + 1;
            while ((end - block) * BLOCKDEV_BLOCK - boff < len && !ov_present(b, end)) {
                end++;
            }
            size_t run = (end - block) * BLOCKDEV_BLOCK - boff;
            n = run < len ? run : len;
            if (!file_read(b, off, p, n, errp)) {
                return false;
            }
        } else {
            memcpy(p, ov_page(b, b->map_pages + block) + boff, n);
        }
        p += n;
        off += n;
        len -= n;
    }
    return true;
}

static bool writable(BlockDev *b, Error **errp)
{
    if (b->readonly) {
        error_setc(errp, ERR_USAGE, "drive %s is read-only", b->id);
        return false;
    }
    return true;
}

bool blockdev_write(BlockDev *b, uint64_t off, const void *buf, size_t len, Error **errp)
{
    if (!writable(b, errp) || !in_range(b, off, len, errp)) {
        return false;
    }
    if (!b->overlay) {
        return file_write(b, off, buf, len, errp) && (b->write_cache || file_sync(b, errp));
    }
    const uint8_t *p = buf;
    while (len > 0) {
        uint64_t block = off / BLOCKDEV_BLOCK, boff = off % BLOCKDEV_BLOCK;
        size_t n = BLOCKDEV_BLOCK - boff < len ? (size_t)(BLOCKDEV_BLOCK - boff) : len;
        uint8_t *data = ov_block(b, block, n == BLOCKDEV_BLOCK, errp);
        if (!data) {
            return false;
        }
        memcpy(data + boff, p, n);
        p += n;
        off += n;
        len -= n;
    }
    return true;
}

bool blockdev_write_zeroes(BlockDev *b, uint64_t off, uint64_t len, Error **errp)
{
    if (!writable(b, errp) || !in_range(b, off, len, errp)) {
        return false;
    }
    if (!b->overlay) {
        /* Deallocating is the file system's business; what the guest reads
         * back is zeros either way. */
        if (off + len <= b->length &&
            fallocate(b->fd, FALLOC_FL_ZERO_RANGE, (off_t)off, (off_t)len) == 0) {
            return b->write_cache || file_sync(b, errp);
        }
        static const uint8_t zeros[ZERO_CHUNK];
        while (len > 0) {
            size_t n = len < ZERO_CHUNK ? (size_t)len : ZERO_CHUNK;
            if (!file_write(b, off, zeros, n, errp)) {
                return false;
            }
            off += n;
            len -= n;
        }
        return b->write_cache || file_sync(b, errp);
    }
    while (len > 0) {
        uint64_t block = off / BLOCKDEV_BLOCK, boff = off % BLOCKDEV_BLOCK;
        size_t n = BLOCKDEV_BLOCK - boff < len ? (size_t)(BLOCKDEV_BLOCK - boff) : (size_t)len;
        uint8_t *data = ov_block(b, block, n == BLOCKDEV_BLOCK, errp);
        if (!data) {
            return false;
        }
        memset(data + boff, 0, n);
        off += n;
        len -= n;
    }
    return true;
}

bool blockdev_flush(BlockDev *b, Error **errp)
{
    return b->overlay || b->readonly || file_sync(b, errp);
}

void blockdev_set_write_cache(BlockDev *b, bool enabled)
{
    b->write_cache = enabled;
}

bool blockdev_image_hash(BlockDev *b, Hash128 *out, Error **errp)
{
    if (!b->hash_known) {
        enum { CHUNK = 1 << 20 };
        uint8_t *buf = malloc(CHUNK);
        if (!buf) {
            error_setg(errp, "out of memory");
            return false;
        }
        HashState hs;
        hash_init(&hs);
        hash_update_u64(&hs, b->length);
        bool ok = true;
        for (uint64_t off = 0; ok && off < b->length; off += CHUNK) {
            size_t n = b->length - off < CHUNK ? (size_t)(b->length - off) : CHUNK;
            ok = file_read(b, off, buf, n, errp);
            hash_update(&hs, buf, n);
        }
        b->hash = hash_final(&hs);
        hash_free(&hs);
        free(buf);
        if (!ok) {
            return false;
        }
        b->hash_known = true;
    }
    *out = b->hash;
    return true;
}

const MemRegion *blockdev_overlay(BlockDev *b)
{
    return b->overlay ? &b->region : NULL;
}

static bool page_zero(const uint8_t *p)
{
    const uint64_t *w = (const uint64_t *)p;
    for (size_t i = 0; i < MEM_PAGE_SIZE / 8; i++) {
        if (w[i]) {
            return false;
        }
    }
    return true;
}

void blockdev_overlay_digest(BlockDev *b, HashState *hs)
{
    if (!b->overlay) {
        return;
    }
    uint64_t pages = b->region.size / MEM_PAGE_SIZE;
    hash_update_u64(hs, pages);
    for (uint64_t w = 0; w < (pages + 63) / 64; w++) {
        for (uint64_t bits = b->region.nonzero[w]; bits; bits &= bits - 1) {
            uint64_t pg = w * 64 + (uint64_t)__builtin_ctzll(bits);
            const uint8_t *p = ov_page(b, pg);
            if (!page_zero(p)) {
                hash_update_u64(hs, pg);
                hash_update(hs, p, MEM_PAGE_SIZE);
            }
        }
    }
}

uint64_t blockdev_overlay_blocks(BlockDev *b)
{
    uint64_t n = 0;
    if (!b->overlay) {
        return 0;
    }
    for (uint64_t block = 0; block < b->blocks; block++) {
        n += ov_present(b, block);
    }
    return n;
}
