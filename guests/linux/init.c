/*
 * /init of the rrsim Linux test guest.
 *
 * The whole user space of the guest: a static program that exercises what a
 * boot test wants to see working end to end -- console output, the goldfish
 * RTC, console input through the tty layer, the FPU (user state saved and
 * restored across the timer interrupts and syscalls that occur while it runs),
 * the ISA extensions the kernel found (/proc/cpuinfo) and an orderly
 * power-off.
 *
 * Every line it prints is deterministic except the one starting with "rtc: ",
 * which carries the host wall-clock time the RTC was seeded with, so tests can
 * mask exactly that line.
 *
 * Booted from a disk (root=/dev/vda init=/init rrdisk=1: the kernel hands
 * rrdisk=1 to PID 1 in its environment), it also reads what the test put on
 * the disk, writes files, syncs and reads them back; with rrbench=MiB it
 * times sequential reads and writes of that much data in guest time.
 *
 * With rrbug=N it runs the small, deliberately wrong computation that
 * docs/guide.md debugs backwards with gdb, prints its result and powers off.
 *
 * With rrrng=N it first reads N bytes from /dev/hwrng (virtio-rng) and prints
 * their hash.  rrdisk=1 and rrnet=PORT together run the disk session, then
 * the network one, so one boot carries typed input, disk writes, network
 * traffic and random bytes.
 *
 * With rrnet=PORT on the kernel command line it brings eth0 up as slirp's
 * DHCP would (10.0.2.15/24, gateway 10.0.2.2) and serves TCP on PORT, one
 * connection at a time: each line is printed and answered in upper case;
 * "sink N" reads N bytes and answers with their count and the guest time
 * taken; "quit" answers "bye" and powers off.  The program never exits: PID 1 exiting panics the
 * kernel, so on failure it reports and waits to be killed by the test timeout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/rtc.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_LEN 256

/* The initramfs carries only /dev/console; the RTC node has a dynamic major,
 * so it comes from devtmpfs. */
static void init_mount_dev(void)
{
    if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0 && errno != EBUSY) {
        printf("init: mount devtmpfs: %s\n", strerror(errno));
    }
}

/* The isa and mmu lines of /proc/cpuinfo, as "cpuinfo: isa rv64...": the
 * extensions the kernel found in the device tree and put to use (the first
 * hart's; all harts are alike), then how many harts it brought up. */
static void init_cpuinfo(void)
{
    if (mount("proc", "/proc", "proc", 0, NULL) != 0 && errno != EBUSY) {
        printf("init: mount proc: %s\n", strerror(errno));
        return;
    }
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) {
        printf("init: /proc/cpuinfo: %s\n", strerror(errno));
        return;
    }
    char line[LINE_MAX_LEN];
    int harts = 0;
    while (fgets(line, sizeof(line), f)) {
        char key[16], val[LINE_MAX_LEN];
        if (sscanf(line, "%15[a-z] : %255s", key, val) != 2) {
            continue;
        }
        if (!strcmp(key, "processor")) {
            harts++;
        } else if (harts == 1 && (!strcmp(key, "isa") || !strcmp(key, "mmu"))) {
            printf("cpuinfo: %s %s\n", key, val);
        }
    }
    fclose(f);
    printf("cpuinfo: harts %d\n", harts);
}

static void init_read_rtc(void)
{
    struct rtc_time tm;
    int fd = open("/dev/rtc0", O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        printf("init: open /dev/rtc0: %s\n", strerror(errno));
        return;
    }
    memset(&tm, 0, sizeof(tm));
    if (ioctl(fd, RTC_RD_TIME, &tm) != 0) {
        printf("init: RTC_RD_TIME: %s\n", strerror(errno));
        close(fd);
        return;
    }
    close(fd);
    /* The only host-dependent line: tests mask "rtc: ..." */
    printf("rtc: %04d-%02d-%02d %02d:%02d:%02d\n", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    /* A sanity check that is not host dependent: goldfish counts from the
     * epoch, so any plausible host clock is after 2020. */
    printf("init: rtc %s\n", tm.tm_year + 1900 >= 2020 ? "plausible" : "implausible");
}

static void init_read_line(void)
{
    char line[LINE_MAX_LEN];

    /* The prompt ends its line so a harness can wait for it line by line
     * before typing; input sent before the 8250 driver has started would be
     * lost when the driver resets the UART FIFOs. */
    printf("init: type a line\n");
    if (fgets(line, sizeof(line), stdin) == NULL) {
        printf("init: no input (%s)\n", ferror(stdin) ? strerror(errno) : "eof");
        return;
    }
    line[strcspn(line, "\r\n")] = '\0';
    printf("got: %s\n", line);
}

static uint64_t double_bits(double d)
{
    uint64_t u;

    memcpy(&u, &d, sizeof(u));
    return u;
}

/*
 * Floating point that a broken FPU, a lost FP register across a context
 * switch or wrong rounding would change: the results are also printed as raw
 * bit patterns so "close enough" is not good enough.  volatile keeps the
 * compiler from folding the series at build time.
 */
static void init_float(void)
{
    volatile int n = 100000;
    double basel = 0.0;
    float leibniz = 0.0f;
    double root = 1.0;

    /* Sum backwards so the small terms are not swallowed. */
    for (int k = n; k >= 1; k--) {
        basel += 1.0 / ((double)k * (double)k);
    }
    for (int k = 0; k < n; k++) {
        leibniz += (k & 1 ? -4.0f : 4.0f) / (float)(2 * k + 1);
    }
    for (int i = 0; i < 6; i++) {
        root = 0.5 * (root + 2.0 / root);
    }

    double pi = sqrt(6.0 * basel);
    double f = fma(root, root, -2.0);

    printf("fp: pi~%.12f bits=%016llx\n", pi, (unsigned long long)double_bits(pi));
    printf("fp: leibniz=%.7f sqrt2=%.15f fma=%.3e\n", (double)leibniz, root, f);
    printf("fp: sqrt(2)=%.17g e=%.17g\n", sqrt(2.0), exp(1.0));
}

/* ---- booted from a disk ---- */

/* FNV-1a, 64 bits: a checksum the test computes on the host too. */
static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 0x100000001b3ull;
    }
    return h;
}

static int file_sum(const char *path, uint64_t *sum, uint64_t *size)
{
    static unsigned char buf[65536];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    uint64_t h = 0xcbf29ce484222325ull, n = 0;
    ssize_t r;
    while ((r = read(fd, buf, sizeof(buf))) > 0) {
        h = fnv1a(h, buf, (size_t)r);
        n += (uint64_t)r;
    }
    close(fd);
    *sum = h;
    *size = n;
    return r < 0 ? -1 : 0;
}

static void disk_show_mount(void)
{
    FILE *f = fopen("/proc/mounts", "r");
    char dev[64], dir[64], type[32];
    while (f && fscanf(f, "%63s %63s %31s %*[^\n]", dev, dir, type) == 3) {
        if (!strcmp(dir, "/")) {
            printf("disk: / is %s (%s)\n", dev, type);
        }
    }
    if (f) {
        fclose(f);
    }
}

/* Write path with text plus n bytes of a pattern, fsync, read it back. */
static void disk_write(const char *path, const char *text, size_t n)
{
    static unsigned char buf[65536];
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        printf("disk: create %s: %s\n", path, strerror(errno));
        return;
    }
    uint64_t want = 0xcbf29ce484222325ull;
    size_t len = strlen(text);
    int ok = write(fd, text, len) == (ssize_t)len;
    want = fnv1a(want, (const unsigned char *)text, len);
    for (size_t done = 0; ok && done < n; done += sizeof(buf)) {
        size_t k = n - done < sizeof(buf) ? n - done : sizeof(buf);
        for (size_t i = 0; i < k; i++) {
            buf[i] = (unsigned char)((done + i) * 31 + (done + i) / 4096);
        }
        ok = write(fd, buf, k) == (ssize_t)k;
        want = fnv1a(want, buf, k);
    }
    ok = ok && fsync(fd) == 0;
    close(fd);
    uint64_t got, size;
    if (!ok || file_sum(path, &got, &size) != 0) {
        printf("disk: writing %s failed: %s\n", path, strerror(errno));
        return;
    }
    printf("disk: wrote %s, %llu bytes, fnv %016llx, read back %s\n", path,
           (unsigned long long)size, (unsigned long long)got, got == want ? "ok" : "WRONG");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Sequential write then read of mib MiB through O_DIRECT (no page cache), in
 * guest time: what the disk does, not what the cache does. */
static void disk_bench(long mib)
{
    const size_t chunk = 1 << 20;
    unsigned char *buf = aligned_alloc(4096, chunk);
    if (!buf || mib <= 0) {
        return;
    }
    memset(buf, 0x5a, chunk);
    int fd = open("/data/bench.bin", O_RDWR | O_CREAT | O_TRUNC | O_DIRECT | O_CLOEXEC, 0644);
    if (fd < 0) {
        printf("bench: open: %s\n", strerror(errno));
        return;
    }
    printf("bench: writing %ld MiB\n", mib);
    double t0 = now_s();
    for (long i = 0; i < mib; i++) {
        if (write(fd, buf, chunk) != (ssize_t)chunk) {
            printf("bench: write: %s\n", strerror(errno));
            return;
        }
    }
    fsync(fd);
    double t1 = now_s();
    printf("bench: write %ld MiB in %.3f s guest time: %.1f MB/s\n", mib, t1 - t0,
           (double)mib * 1.048576 / (t1 - t0));
    lseek(fd, 0, SEEK_SET);
    for (long i = 0; i < mib; i++) {
        if (read(fd, buf, chunk) != (ssize_t)chunk) {
            printf("bench: read: %s\n", strerror(errno));
            return;
        }
    }
    double t2 = now_s();
    close(fd);
    free(buf);
    /* Guest time depends on the simulator's speed model: not the same
     * across simulators, so these lines start with "bench:". */
    printf("bench: read %ld MiB in %.3f s guest time: %.1f MB/s\n", mib, t2 - t1,
           (double)mib * 1.048576 / (t2 - t1));
}

static void disk_session(void)
{
    char line[LINE_MAX_LEN];
    uint64_t sum, size;

    if (mount("proc", "/proc", "proc", 0, NULL) != 0 && errno != EBUSY) {
        printf("init: mount proc: %s\n", strerror(errno));
    }
    disk_show_mount();
    FILE *f = fopen("/data/seed.txt", "r");
    if (f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        printf("disk: seed.txt says: %s\n", line);
    } else {
        printf("disk: /data/seed.txt: %s\n", strerror(errno));
    }
    if (f) {
        fclose(f);
    }
    if (file_sum("/data/blob.bin", &sum, &size) == 0) {
        printf("disk: blob.bin %llu bytes, fnv %016llx\n", (unsigned long long)size,
               (unsigned long long)sum);
    } else {
        printf("disk: /data/blob.bin: %s\n", strerror(errno));
    }

    printf("init: type a line\n");
    if (fgets(line, sizeof(line), stdin) == NULL) {
        printf("init: no input\n");
        return;
    }
    line[strcspn(line, "\r\n")] = '\0';
    printf("got: %s\n", line);

    char text[LINE_MAX_LEN + 64];
    snprintf(text, sizeof(text), "written by the rrsim guest: %s\n", line);
    disk_write("/data/written.txt", text, 0);
    disk_write("/data/big.bin", "pattern\n", 600 * 1024);
    /* Overwrite part of what was there, and remove a file. */
    disk_write("/data/seed.txt", "seed replaced\n", 0);
    if (unlink("/data/remove-me.txt") != 0) {
        printf("disk: unlink: %s\n", strerror(errno));
    }
    sync();
    printf("disk: synced\n");

    const char *bench = getenv("rrbench");
    if (bench) {
        disk_bench(strtol(bench, NULL, 10));
    }
    /* Read-only now: the journal is written back into place, so the image
     * is a clean file system the host can read as it is. */
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL) != 0) {
        printf("disk: remount read-only: %s\n", strerror(errno));
    } else {
        printf("disk: / remounted read-only\n");
    }
}

/* The bug of docs/guide.md: filling N samples of an array of eight writes
 * past its end when N is 8, into the scale that follows it, and the report
 * comes out wrong much later.  Kept out of line and in one structure so the
 * layout (and the clobbered field) is the same whatever the compiler does. */
static struct {
    int samples[8];
    int scale;
} bug_state = { .scale = 3 };

static void __attribute__((noinline)) bug_fill(int n)
{
    for (int i = 0; i <= n; i++) {      /* the bug: <= instead of < */
        bug_state.samples[i] = i * i;
    }
}

static long __attribute__((noinline)) bug_total(void)
{
    long total = 0;
    for (int i = 0; i < 8; i++) {
        total += (long)bug_state.samples[i] * bug_state.scale;
    }
    return total;
}

static void __attribute__((noinline)) bug_report(long total)
{
    printf("bug: total %ld, expected %d\n", total, 140 * 3);
}

static void bug_session(const char *arg)
{
    int n = (int)strtol(arg, NULL, 10);
    if (n < 0 || n > 8) {
        printf("bug: rrbug=%d is out of range (0..8)\n", n);
        return;
    }
    bug_fill(n);
    bug_report(bug_total());
}

/* ---- rrnet: a TCP server on eth0 ---- */

static int net_ioctl(int fd, unsigned long req, void *arg, const char *what)
{
    if (ioctl(fd, req, arg) != 0) {
        printf("net: %s: %s\n", what, strerror(errno));
        return -1;
    }
    return 0;
}

static void net_set_addr(struct sockaddr *sa, const char *ip)
{
    struct sockaddr_in *in = (struct sockaddr_in *)sa;
    memset(in, 0, sizeof(*in));
    in->sin_family = AF_INET;
    inet_pton(AF_INET, ip, &in->sin_addr);
}

/* eth0 as slirp's DHCP would configure it. */
static int net_up(void)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr;
    struct rtentry rt;

    if (fd < 0) {
        printf("net: socket: %s\n", strerror(errno));
        return -1;
    }
    memset(&ifr, 0, sizeof(ifr));
    strcpy(ifr.ifr_name, "eth0");
    if (net_ioctl(fd, SIOCGIFHWADDR, &ifr, "eth0 address") == 0) {
        const unsigned char *m = (const unsigned char *)ifr.ifr_hwaddr.sa_data;
        printf("net: eth0 mac %02x:%02x:%02x:%02x:%02x:%02x\n", m[0], m[1], m[2], m[3], m[4],
               m[5]);
    }
    net_set_addr(&ifr.ifr_addr, "10.0.2.15");
    if (net_ioctl(fd, SIOCSIFADDR, &ifr, "set address") != 0) {
        return -1;
    }
    net_set_addr(&ifr.ifr_netmask, "255.255.255.0");
    if (net_ioctl(fd, SIOCSIFNETMASK, &ifr, "set netmask") != 0 ||
        net_ioctl(fd, SIOCGIFFLAGS, &ifr, "get flags") != 0) {
        return -1;
    }
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (net_ioctl(fd, SIOCSIFFLAGS, &ifr, "bring up") != 0) {
        return -1;
    }
    memset(&rt, 0, sizeof(rt));
    net_set_addr(&rt.rt_dst, "0.0.0.0");
    net_set_addr(&rt.rt_genmask, "0.0.0.0");
    net_set_addr(&rt.rt_gateway, "10.0.2.2");
    rt.rt_flags = RTF_UP | RTF_GATEWAY;
    if (net_ioctl(fd, SIOCADDRT, &rt, "default route") != 0) {
        return -1;
    }
    close(fd);
    printf("net: eth0 up 10.0.2.15/24 via 10.0.2.2\n");
    return 0;
}

static int64_t net_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int net_write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) {
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One connection; returns 1 after "quit". */
static int net_serve(int c)
{
    static char buf[65536];
    char line[LINE_MAX_LEN];
    size_t len = 0;

    for (;;) {
        char *nl = memchr(line, '\n', len);
        if (!nl) {
            if (len == sizeof(line)) {
                len = 0;
            }
            ssize_t r = read(c, line + len, sizeof(line) - len);
            if (r <= 0) {
                printf("net: connection closed\n");
                return 0;
            }
            len += (size_t)r;
            continue;
        }
        *nl = '\0';
        size_t used = (size_t)(nl - line) + 1;
        char reply[LINE_MAX_LEN + 64];
        unsigned long want;
        if (sscanf(line, "sink %lu", &want) == 1) {
            /* Bytes already read past the line count too. */
            unsigned long got = len - used < want ? len - used : want;
            int64_t t0 = net_now_us();
            while (got < want) {
                size_t k = want - got < sizeof(buf) ? want - got : sizeof(buf);
                ssize_t r = read(c, buf, k);
                if (r <= 0) {
                    printf("net: sink cut short at %lu bytes\n", got);
                    return 0;
                }
                got += (unsigned long)r;
            }
            int64_t us = net_now_us() - t0;
            printf("net: sank %lu bytes\n", got);
            snprintf(reply, sizeof(reply), "sank %lu bytes in %lld us\n", got, (long long)us);
            len = 0;
            used = 0;
        } else if (!strcmp(line, "quit")) {
            printf("net: quit\n");
            net_write_all(c, "bye\n", 4);
            return 1;
        } else {
            printf("net: got '%s'\n", line);
            size_t i;
            for (i = 0; line[i]; i++) {
                reply[i] = (char)toupper((unsigned char)line[i]);
            }
            reply[i++] = '\n';
            reply[i] = '\0';
        }
        if (net_write_all(c, reply, strlen(reply)) != 0) {
            printf("net: write: %s\n", strerror(errno));
            return 0;
        }
        memmove(line, line + used, len - used);
        len -= used;
    }
}

static void net_session(int port)
{
    struct sockaddr_in a;
    int one = 1;
    int s;

    if (net_up() != 0) {
        return;
    }
    s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
        printf("net: socket: %s\n", strerror(errno));
        return;
    }
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    if (bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s, 4) != 0) {
        printf("net: listen on %d: %s\n", port, strerror(errno));
        return;
    }
    printf("net: listening on tcp port %d\n", port);
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) {
            printf("net: accept: %s\n", strerror(errno));
            return;
        }
        printf("net: connection\n");
        int quit = net_serve(c);
        close(c);
        if (quit) {
            break;
        }
    }
    close(s);
}

/* rrrng=N: bytes from the kernel's hwrng (virtio-rng), hashed. */
static void rng_session(long n)
{
    unsigned char buf[4096];
    if (n <= 0 || n > (long)sizeof(buf)) {
        printf("rng: rrrng=%ld is out of range (1..%zu)\n", n, sizeof(buf));
        return;
    }
    int fd = open("/dev/hwrng", O_RDONLY);
    if (fd < 0) {
        printf("rng: /dev/hwrng: %s\n", strerror(errno));
        return;
    }
    long got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, (size_t)(n - got));
        if (r <= 0) {
            printf("rng: read: %s\n", r < 0 ? strerror(errno) : "end of file");
            close(fd);
            return;
        }
        got += r;
    }
    close(fd);
    int distinct = 0;
    for (long i = 1; i < n; i++) {
        distinct |= buf[i] != buf[0];
    }
    printf("rng: %ld bytes from /dev/hwrng, fnv %016llx%s\n", n,
           (unsigned long long)fnv1a(0xcbf29ce484222325ULL, buf, (size_t)n),
           distinct ? "" : " (all the same byte)");
}

int main(void)
{
    /* Unbuffered stdout keeps the output order identical to the order of
     * the writes, whatever the console is. */
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("rrsim linux guest: init started (pid %d)\n", (int)getpid());

    init_mount_dev();
    if (getenv("rrpanic")) {
        /* PID 1 exiting panics the kernel: the panic path under test. */
        printf("init: exiting to panic the kernel\n");
        return 1;
    }
    if (getenv("rrbug")) {
        bug_session(getenv("rrbug"));
        printf("init: done\n");
        reboot(RB_POWER_OFF);
        printf("init: power off failed: %s\n", strerror(errno));
        for (;;) {
            pause();
        }
    }
    if (getenv("rrrng")) {
        rng_session(strtol(getenv("rrrng"), NULL, 10));
    }
    if (getenv("rrnet")) {
        if (getenv("rrdisk")) {
            disk_session();
        }
        net_session(atoi(getenv("rrnet")));
        printf("init: done\n");
        reboot(RB_POWER_OFF);
        printf("init: power off failed: %s\n", strerror(errno));
        for (;;) {
            pause();
        }
    }
    if (getenv("rrdisk")) {
        disk_session();
        printf("init: done\n");
        sync();
        reboot(RB_POWER_OFF);
        printf("init: power off failed: %s\n", strerror(errno));
        for (;;) {
            pause();
        }
    }
    init_read_rtc();
    init_read_line();
    init_float();
    init_cpuinfo();

    printf("init: done\n");
    sync();
    reboot(RB_POWER_OFF);
    printf("init: power off failed: %s\n", strerror(errno));
    for (;;) {
        pause();
    }
}
