/*
 * A fake gdbstub target shared by the gdbstub unit tests and fuzzers:
 * registers, 64 KiB of memory at FAKE_MEM_BASE, a point table, counters
 * for every operation, and optional synchronous stops.
 */
#ifndef RRSIM_TESTS_UNIT_TEST_GDB_FAKE_H
#define RRSIM_TESTS_UNIT_TEST_GDB_FAKE_H

#include <stdlib.h>
#include <string.h>

#include "sim/gdbstub/gdbstub.h"

#define FAKE_MEM_BASE 0x80000000ull
#define FAKE_MEM_SIZE 0x10000u
#define FAKE_MAX_POINTS 16

typedef struct FakePoint {
    GdbPointType type;
    uint64_t addr, len;
} FakePoint;

typedef struct FakeTarget {
    uint64_t regs[GDB_REGNO_PRIV + 1];
    uint8_t mem[FAKE_MEM_SIZE];
    bool replay;         /* refuse register and memory writes */
    bool no_reverse;     /* can_reverse() says no */
    bool fail_resume;
    FakePoint points[FAKE_MAX_POINTS];
    int npoints;
    int attaches, resumes, interrupts, detaches, kills, monitors;
    GdbResumeKind last_resume;
    char last_monitor[256];
    /* When set, steps and interrupts report their stop from inside the call. */
    void (*sync_stop)(void *opaque, GdbStopReason r);
    void *sync_opaque;
} FakeTarget;

static bool fake_reg_exists(int regno)
{
    return (regno >= 0 && regno <= 64) || (regno > 65 && regno < 65 + 4096) ||
           regno == GDB_REGNO_PRIV;
}

static void fake_attach(void *t)
{
    ((FakeTarget *)t)->attaches++;
}

static bool fake_read_reg(void *t, int regno, uint64_t *v)
{
    FakeTarget *f = t;
    if (!fake_reg_exists(regno)) {
        return false;
    }
    *v = regno == 0 ? 0 : f->regs[regno];
    return true;
}

static bool fake_write_reg(void *t, int regno, uint64_t v, Error **errp)
{
    FakeTarget *f = t;
    if (f->replay) {
        error_setg(errp, "registers are read-only during replay");
        return false;
    }
    if (!fake_reg_exists(regno)) {
        error_setg(errp, "no register %d", regno);
        return false;
    }
    f->regs[regno] = v;
    return true;
}

static bool fake_in_mem(uint64_t addr, size_t len)
{
    return addr >= FAKE_MEM_BASE && len <= FAKE_MEM_SIZE &&
           addr - FAKE_MEM_BASE <= FAKE_MEM_SIZE - len;
}

static bool fake_read_mem(void *t, uint64_t addr, void *buf, size_t len)
{
    FakeTarget *f = t;
    if (!fake_in_mem(addr, len)) {
        return false;
    }
    memcpy(buf, f->mem + (addr - FAKE_MEM_BASE), len);
    return true;
}

static bool fake_write_mem(void *t, uint64_t addr, const void *buf, size_t len, Error **errp)
{
    FakeTarget *f = t;
    if (f->replay) {
        error_setg(errp, "memory is read-only during replay");
        return false;
    }
    if (!fake_in_mem(addr, len)) {
        error_setg(errp, "cannot access memory at 0x%llx", (unsigned long long)addr);
        return false;
    }
    memcpy(f->mem + (addr - FAKE_MEM_BASE), buf, len);
    return true;
}

static bool fake_insert_point(void *t, GdbPointType type, uint64_t addr, uint64_t len,
                              Error **errp)
{
    FakeTarget *f = t;
    if (f->npoints == FAKE_MAX_POINTS) {
        error_setg(errp, "too many points");
        return false;
    }
    f->points[f->npoints++] = (FakePoint){ type, addr, len };
    return true;
}

static bool fake_remove_point(void *t, GdbPointType type, uint64_t addr, uint64_t len,
                              Error **errp)
{
    FakeTarget *f = t;
    for (int i = 0; i < f->npoints; i++) {
        if (f->points[i].type == type && f->points[i].addr == addr && f->points[i].len == len) {
            f->points[i] = f->points[--f->npoints];
            return true;
        }
    }
    error_setg(errp, "no such point");
    return false;
}

static bool fake_can_reverse(void *t)
{
    return !((FakeTarget *)t)->no_reverse;
}

static bool fake_resume(void *t, GdbResumeKind kind, Error **errp)
{
    FakeTarget *f = t;
    if (f->fail_resume) {
        error_setg(errp, "cannot resume");
        return false;
    }
    f->resumes++;
    f->last_resume = kind;
    if (f->sync_stop && (kind == GDB_RESUME_STEP || kind == GDB_RESUME_REVERSE_STEP)) {
        f->regs[GDB_REGNO_PC] += kind == GDB_RESUME_STEP ? 4 : -4;
        f->sync_stop(f->sync_opaque, (GdbStopReason){ .kind = GDB_STOP_STEP_DONE });
    }
    return true;
}

static void fake_interrupt(void *t)
{
    FakeTarget *f = t;
    f->interrupts++;
    if (f->sync_stop) {
        f->sync_stop(f->sync_opaque, (GdbStopReason){ .kind = GDB_STOP_INTERRUPT });
    }
}

static void fake_detach(void *t)
{
    FakeTarget *f = t;
    f->detaches++;
    f->npoints = 0;
}

static void fake_kill(void *t)
{
    ((FakeTarget *)t)->kills++;
}

static char *fake_monitor(void *t, const char *cmd, Error **errp)
{
    FakeTarget *f = t;
    f->monitors++;
    snprintf(f->last_monitor, sizeof(f->last_monitor), "%s", cmd);
    if (strcmp(cmd, "fail") == 0) {
        error_setg(errp, "monitor command failed on purpose");
        return NULL;
    }
    if (strcmp(cmd, "big") == 0) {
        size_t n = 100000;
        char *s = malloc(n + 1);
        if (s) {
            memset(s, 'x', n);
            s[n] = 0;
        }
        return s;
    }
    size_t n = strlen(cmd) + 8;
    char *s = malloc(n);
    if (s) {
        snprintf(s, n, "echo %s\n", cmd);
    }
    return s;
}

static const GdbTargetOps FAKE_OPS = {
    .attach = fake_attach,
    .read_reg = fake_read_reg,
    .write_reg = fake_write_reg,
    .read_mem = fake_read_mem,
    .write_mem = fake_write_mem,
    .insert_point = fake_insert_point,
    .remove_point = fake_remove_point,
    .resume = fake_resume,
    .can_reverse = fake_can_reverse,
    .interrupt = fake_interrupt,
    .detach = fake_detach,
    .kill = fake_kill,
    .monitor = fake_monitor,
};

#endif
