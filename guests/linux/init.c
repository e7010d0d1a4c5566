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
 * mask exactly that line.  The program never exits: PID 1 exiting panics the
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
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
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
 * extensions the kernel found in the device tree and put to use. */
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
    while (fgets(line, sizeof(line), f)) {
        char key[16], val[LINE_MAX_LEN];
        if (sscanf(line, "%15[a-z] : %255s", key, val) == 2 &&
            (!strcmp(key, "isa") || !strcmp(key, "mmu"))) {
            printf("cpuinfo: %s %s\n", key, val);
        }
    }
    fclose(f);
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

int main(void)
{
    /* Unbuffered stdout keeps the output order identical to the order of
     * the writes, whatever the console is. */
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("rrsim linux guest: init started (pid %d)\n", (int)getpid());

    init_mount_dev();
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
