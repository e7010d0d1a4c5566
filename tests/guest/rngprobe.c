/*
 * rngprobe: a bare-metal virtio-rng driver on the legacy virtio-mmio
 * transport of the highest slot (0x10008000), polling its used ring.
 *
 * It checks the transport's identity, prints the device's features and
 * queue size, then asks for random bytes: one buffer, a chain of three
 * (one through an indirect table), a chain with a device-readable buffer
 * in front (which must stay as it was), a chain with none writable (0
 * bytes), and a 1-byte buffer; it prints each used length and a hash of
 * everything it received ("bytes hash"). With a file as the source
 * (-object rng-random,id=r0,filename=F -device virtio-rng-device,rng=r0)
 * every line is a function of the file and of the device's definition, so
 * rrsim and QEMU print the same bytes; with /dev/urandom the hash changes
 * from run to run, except in a replay.
 */
#include "rt.h"

#define VIRTIO      0x10008000UL
#define R(off)      (*(volatile uint32_t *)(VIRTIO + (off)))
#define RING        0x80100000UL
#define INDIRECT    0x80108000UL
#define DATA        0x80120000UL
#define QSIZE       8

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
static uint64_t hash;

typedef struct Buf {
    uint64_t addr;
    uint32_t len;
    int write;
} Buf;

static void fence(void)
{
    __asm__ volatile("fence rw, rw" ::: "memory");
}

/* Make a chain of n buffers available at descriptor `at` and notify. */
static void submit(const Buf *b, int n, int indirect, int at)
{
    volatile Desc *t = indirect ? (volatile Desc *)INDIRECT : desc + at;
    for (int i = 0; i < n; i++) {
        t[i].addr = b[i].addr;
        t[i].len = b[i].len;
        t[i].flags = (uint16_t)((b[i].write ? VIRTQ_DESC_F_WRITE : 0) |
                                (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
        t[i].next = (uint16_t)(i + 1 + (indirect ? 0 : at));
    }
    if (indirect) {
        desc[at].addr = INDIRECT;
        desc[at].len = (uint32_t)(16 * n);
        desc[at].flags = VIRTQ_DESC_F_INDIRECT;
        desc[at].next = 0;
    }
    avail[2 + avail_idx % QSIZE] = (uint16_t)at;
    fence();
    avail[1] = ++avail_idx;
    fence();
    R(0x50) = 0;   /* QueueNotify */
}

/* Wait for the next used entry, which must be chain `head`; its length. */
static uint32_t wait_used(uint16_t head)
{
    while (*(volatile uint16_t *)((uintptr_t)used + 2) == used_seen) {
        fence();
    }
    fence();
    volatile uint32_t *e = used + 1 + 2 * (used_seen % QSIZE);
    used_seen++;
    CHECK_EQ(e[0], head);
    R(0x64) = R(0x60);            /* acknowledge the interrupt */
    return e[1];
}

/* One chain; wait for it; returns the used length. */
static uint32_t request(const Buf *b, int n, int indirect)
{
    submit(b, n, indirect, 0);
    return wait_used(0);
}

static void set(uint64_t addr, uint32_t n, uint8_t v)
{
    for (uint32_t i = 0; i < n; i++) {
        *(volatile uint8_t *)(addr + i) = v;
    }
}

/* Fold n received bytes into the hash; count those still equal to the
 * fill byte after them (what the device must not have touched). */
static void take(uint64_t addr, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        hash = rt_mix(hash, *(volatile uint8_t *)(addr + i));
    }
}

static int untouched(uint64_t addr, uint32_t n, uint8_t v)
{
    for (uint32_t i = 0; i < n; i++) {
        if (*(volatile uint8_t *)(addr + i) != v) {
            return 0;
        }
    }
    return 1;
}

int main(void)
{
    CHECK_EQ(R(0x00), 0x74726976);
    CHECK_EQ(R(0x04), 1);
    CHECK_EQ(R(0x08), 4);
    if (rt_failures) {
        rt_puts("no legacy virtio-rng at 0x10008000\n");
        return rt_result();
    }
    R(0x70) = 0;
    R(0x70) = 1 | 2;
    rt_printf("features %x\n", R(0x10));
    R(0x20) = 1u << 28;           /* INDIRECT_DESC only */
    R(0x28) = 4096;
    R(0x30) = 0;
    rt_printf("queue max %u, queue 1 max %u\n", R(0x34), (R(0x30) = 1, R(0x34)));
    R(0x30) = 0;
    R(0x38) = QSIZE;
    R(0x3c) = 4096;
    R(0x40) = (uint32_t)(RING >> 12);
    R(0x70) = 1 | 2 | 4;
    rt_printf("config %x\n", *(volatile uint32_t *)(VIRTIO + 0x100));

    uint32_t len;
    for (int round = 0; round < 4; round++) {
        set(DATA, 256, 0xee);
        Buf one = { DATA, 64, 1 };
        len = request(&one, 1, round & 1);
        take(DATA, len);
        rt_printf("64 bytes: len %u, tail untouched %d\n", len, untouched(DATA + 64, 192, 0xee));
        CHECK_EQ(len, 64);
    }
    set(DATA, 0x3000, 0xee);
    Buf three[3] = { { DATA, 10, 1 }, { DATA + 0x1000, 3, 1 }, { DATA + 0x2000, 51, 1 } };
    len = request(three, 3, 1);
    take(DATA, 10);
    take(DATA + 0x1000, 3);
    take(DATA + 0x2000, 51);
    rt_printf("3 buffers (indirect): len %u, gaps untouched %d %d\n", len,
              untouched(DATA + 10, 16, 0xee), untouched(DATA + 0x1003, 16, 0xee));
    CHECK_EQ(len, 64);

    set(DATA, 64, 0xaa);
    set(DATA + 0x1000, 64, 0xee);
    Buf rw[2] = { { DATA, 32, 0 }, { DATA + 0x1000, 16, 1 } };
    len = request(rw, 2, 0);
    take(DATA + 0x1000, len);
    rt_printf("readable then writable: len %u, readable untouched %d\n", len,
              untouched(DATA, 64, 0xaa));
    CHECK_EQ(len, 16);

    /* A chain with nothing to fill is answered once a later one asks for
     * bytes (QEMU serves the queue only then). */
    Buf ro = { DATA, 32, 0 };
    submit(&ro, 1, 0, 0);
    Buf b1 = { DATA + 0x1000, 1, 1 };
    submit(&b1, 1, 0, 1);
    len = wait_used(0);
    rt_printf("readable only: len %u, untouched %d\n", len, untouched(DATA, 64, 0xaa));
    CHECK_EQ(len, 0);
    len = wait_used(1);
    take(DATA + 0x1000, len);
    rt_printf("1 byte: len %u\n", len);
    CHECK_EQ(len, 1);

    rt_printf("status %x, interrupt status %x\n", R(0x70), R(0x60));
    rt_printf("bytes hash %lx\n", hash);
    return rt_result();
}
