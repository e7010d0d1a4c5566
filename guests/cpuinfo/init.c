/*
 * /init of the cpuinfo guest: the whole user space of a distribution kernel
 * boot whose only question is what the kernel found out about the hart.
 *
 * It mounts /proc, copies /proc/cpuinfo to the console between two marker
 * lines (so a harness can cut it out of the kernel's messages) and powers the
 * machine off.  It never exits: PID 1 exiting panics the kernel, so after a
 * failed power-off it reports and waits for the test's time limit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <unistd.h>

static int cpuinfo_print(void)
{
    char line[1024];
    FILE *f;

    if (mount("proc", "/proc", "proc", 0, NULL) != 0 && errno != EBUSY) {
        printf("init: mount /proc: %s\n", strerror(errno));
        return -1;
    }
    f = fopen("/proc/cpuinfo", "r");
    if (f == NULL) {
        printf("init: open /proc/cpuinfo: %s\n", strerror(errno));
        return -1;
    }
    printf("init: cpuinfo begin\n");
    while (fgets(line, sizeof(line), f) != NULL) {
        fputs(line, stdout);
    }
    printf("init: cpuinfo end\n");
    fclose(f);
    return 0;
}

int main(void)
{
    /* Line buffered: the console is the only record of what happened. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("init: started (pid %d)\n", (int)getpid());
    printf("init: %s\n", cpuinfo_print() == 0 ? "done" : "failed");
    fflush(stdout);
    reboot(RB_POWER_OFF);
    printf("init: power off failed: %s\n", strerror(errno));
    for (;;) {
        pause();
    }
}
