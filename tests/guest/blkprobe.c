/*
 * blkprobe: a bare-metal virtio-blk driver on the legacy virtio-mmio
 * transport of the highest slot (0x10008000), polling its used ring.
 *
 * It checks the transport's identity, prints the device's features and
 * configuration, then reads the disk's first sectors, writes sectors with
 * a pattern and reads them back (direct chains, chains through an indirect
 * table, a request spread over several buffers), and tries what must fail:
 * a read past the end (IOERR), an unknown request type (UNSUPP), a GET_ID
 * and a FLUSH. Everything printed is a function of the disk's content and
 * of the device's definition, so rrsim and QEMU (-icount or not) print the
 * same bytes; run it with a disk of at least 64 KiB attached (-drive
 * ...,if=none,id=hd0 -device virtio-blk-device,drive=hd0), snapshot=on to
 * keep the image as it was.
 */
#include "rt.h"

#define VIRTIO      0x10008000UL
#define R(off)      (*(volatile uint32_t *)(VIRTIO + (off)))
#define RING        0x80100000UL
#define INDIRECT    0x80108000UL
#define HDR         0x80110000UL
#define STATUS      0x80110100UL
#define DATA        0x80120000UL
#define QSIZE       8
#define SECTOR      512

#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2
#define VIRTQ_DESC_F_INDIRECT 4

typedef struct Desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
} Desc;

static volatile Desc *const desc = (volatile Desc *)RING;
static volatile uint16_t *const avail = (volatile uint16_t *)(RING + QSIZE * 16);
/* Used ring: the next page boundary after the available ring. */
static volatile uint32_t *const used = (volatile uint32_t *)(RING + 4096);
static uint16_t avail_idx, used_seen;

typedef struct Buf {
    uint64_t addr;
    uint32_t len;
    int write;
} Buf;

static void fence(void)
{
    __asm__ volatile("fence rw, rw" ::: "memory");
}

/* One request: the header, the buffers, the status byte; wait for it. */
static int request(uint32_t type, uint64_t sector, const Buf *b, int n, int indirect,
                   uint32_t *len)
{
    volatile uint32_t *hdr = (volatile uint32_t *)HDR;
    hdr[0] = type;
    hdr[1] = 0;
    *(volatile uint64_t *)(HDR + 8) = sector;
    *(volatile uint8_t *)STATUS = 0xee;
    Buf all[8];
    all[0] = (Buf){ HDR, 16, 0 };
    for (int i = 0; i < n; i++) {
        all[1 + i] = b[i];
    }
    all[n + 1] = (Buf){ STATUS, 1, 1 };
    int total = n + 2;
    volatile Desc *t = indirect ? (volatile Desc *)INDIRECT : desc;
    for (int i = 0; i < total; i++) {
        t[i].addr = all[i].addr;
        t[i].len = all[i].len;
        t[i].flags = (uint16_t)((all[i].write ? VIRTQ_DESC_F_WRITE : 0) |
                                (i + 1 < total ? VIRTQ_DESC_F_NEXT : 0));
        t[i].next = (uint16_t)(i + 1);
    }
    if (indirect) {
        desc[0].addr = INDIRECT;
        desc[0].len = (uint32_t)(16 * total);
        desc[0].flags = VIRTQ_DESC_F_INDIRECT;
        desc[0].next = 0;
    }
    avail[2 + avail_idx % QSIZE] = 0;
    fence();
    avail[1] = ++avail_idx;
    fence();
    R(0x50) = 0;   /* QueueNotify */
    while (*(volatile uint16_t *)((uintptr_t)used + 2) == used_seen) {
        fence();
    }
    fence();
    volatile uint32_t *e = used + 1 + 2 * (used_seen % QSIZE);
    used_seen++;
    CHECK_EQ(e[0], 0);           /* the chain's head */
    *len = e[1];
    R(0x64) = R(0x60);            /* acknowledge the interrupt */
    return *(volatile uint8_t *)STATUS;
}

static uint64_t sum(uint64_t addr, uint32_t n)
{
    uint64_t h = 0;
    for (uint32_t i = 0; i < n; i += 8) {
        h = rt_mix(h, *(volatile uint64_t *)(addr + i));
    }
    return h;
}

static void fill(uint64_t addr, uint32_t n, uint64_t seed)
{
    for (uint32_t i = 0; i < n; i += 8) {
        *(volatile uint64_t *)(addr + i) = rt_rand(&seed);
    }
}

int main(void)
{
    CHECK_EQ(R(0x00), 0x74726976);
    CHECK_EQ(R(0x04), 1);
    CHECK_EQ(R(0x08), 2);
    if (rt_failures) {
        rt_puts("no legacy virtio-blk at 0x10008000\n");
        return rt_result();
    }
    R(0x70) = 0;
    R(0x70) = 1 | 2;
    uint32_t features = R(0x10);
    rt_printf("features %x\n", features);
    R(0x20) = 1u << 28;           /* INDIRECT_DESC only */
    R(0x28) = 4096;
    R(0x30) = 0;
    rt_printf("queue max %u\n", R(0x34));
    R(0x38) = QSIZE;
    R(0x3c) = 4096;
    R(0x40) = (uint32_t)(RING >> 12);
    R(0x70) = 1 | 2 | 4;
    uint64_t capacity = *(volatile uint32_t *)(VIRTIO + 0x100) |
                        (uint64_t)*(volatile uint32_t *)(VIRTIO + 0x104) << 32;
    rt_printf("capacity %lu sectors, seg_max %u, blk_size %u, geometry %x, wce %u\n", capacity,
              R(0x10c), R(0x114), R(0x110), *(volatile uint8_t *)(VIRTIO + 0x120));

    uint32_t len;
    int st;
    /* The image's first 8 sectors, in one buffer then in three. */
    Buf one = { DATA, 8 * SECTOR, 1 };
    st = request(0, 0, &one, 1, 0, &len);
    rt_printf("read 0..7: status %d len %u sum %lx\n", st, len, sum(DATA, 8 * SECTOR));
    Buf three[3] = { { DATA, 1000, 1 }, { DATA + 0x2000, 24, 1 }, { DATA + 0x3000, 3072, 1 } };
    st = request(0, 0, three, 3, 1, &len);
    rt_printf("read 0..7 in 3 buffers (indirect): status %d len %u sum %lx %lx %lx\n", st, len,
              sum(DATA, 1000 & ~7u), sum(DATA + 0x2000, 24), sum(DATA + 0x3000, 3072));

    /* Write sectors 16..31 with a pattern, read them back. */
    for (int round = 0; round < 4; round++) {
        fill(DATA, 16 * SECTOR, 1234 + (uint64_t)round);
        uint64_t want = sum(DATA, 16 * SECTOR);
        Buf w = { DATA, 16 * SECTOR, 0 };
        st = request(1, 16, &w, 1, round & 1, &len);
        rt_printf("write 16..31 round %d: status %d len %u\n", round, st, len);
        fill(DATA, 16 * SECTOR, 999);
        Buf r = { DATA, 16 * SECTOR, 1 };
        st = request(0, 16, &r, 1, !(round & 1), &len);
        rt_printf("  read back: status %d len %u %s\n", st, len,
                  sum(DATA, 16 * SECTOR) == want ? "same" : "DIFFERENT");
        CHECK(sum(DATA, 16 * SECTOR) == want);
    }

    /* What must fail, or answer. */
    Buf r1 = { DATA, SECTOR, 1 };
    st = request(0, capacity, &r1, 1, 0, &len);
    rt_printf("read past the end: status %d\n", st);
    Buf half = { DATA, 100, 1 };
    st = request(0, 0, &half, 1, 0, &len);
    rt_printf("read of 100 bytes: status %d\n", st);
    st = request(77, 0, &r1, 1, 0, &len);
    rt_printf("type 77: status %d len %u\n", st, len);
    st = request(4, 0, 0, 0, 0, &len);
    rt_printf("flush: status %d len %u\n", st, len);
    Buf id = { DATA, 20, 1 };
    fill(DATA, 24, 5);
    st = request(8, 0, &id, 1, 0, &len);
    rt_printf("get id: status %d len %u first byte %x\n", st, len, *(volatile uint8_t *)DATA);
    rt_printf("interrupt status %x\n", R(0x60));
    return rt_result();
}
