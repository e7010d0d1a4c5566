/*
 * log: QEMU's -d/-D/-dfilter logging: host-side diagnostic output about
 * what the guest does (translated code, traps, executed blocks, register
 * state, MMU walks, guest mistakes, unimplemented features).
 *
 * Promises:
 *  - Nothing here reaches the guest: logging only reads state, and the
 *    code that logs reads it without side effects (no TLB fills, no A/D
 *    updates, no device reads).
 *  - The log is a function of the run: the same run writes the same log,
 *    and a replay writes its recording's log (no host time, pointers or
 *    other host facts are printed).
 *  - Off, it costs nothing on the paths that run per instruction: callers
 *    test log_on() only where they already are on a slow path (translation,
 *    traps, MMU walks, MMIO, device registers), and the hart routes block
 *    entry through its slower dispatch only while exec or cpu is on.
 * One SimLog belongs to the machine (no global state); the hart and the
 * devices get a pointer, which may be NULL (nothing logged).
 */
#ifndef RRSIM_SIM_BASE_LOG_H
#define RRSIM_SIM_BASE_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/base/error.h"

/* -d items (QEMU's names). */
enum {
    LOG_IN_ASM      = 1u << 0,   /* each translated block, disassembled */
    LOG_INT         = 1u << 1,   /* each trap (exception or interrupt) */
    LOG_EXEC        = 1u << 2,   /* each executed block */
    LOG_CPU         = 1u << 3,   /* registers before each executed block */
    LOG_FPU         = 1u << 4,   /* with cpu: the floating-point registers too */
    LOG_MMU         = 1u << 5,   /* address translations the hart makes */
    LOG_CPU_RESET   = 1u << 6,   /* registers at each hart reset */
    LOG_UNIMP       = 1u << 7,   /* the guest used something rrsim does not model */
    LOG_GUEST_ERROR = 1u << 8,   /* the guest misused a device or the bus */
    LOG_PAGE        = 1u << 9,   /* accepted: user-mode only in QEMU, nothing here */
    LOG_NOCHAIN     = 1u << 10,  /* accepted: exec and cpu always see every block */
    LOG_SUMMARY     = 1u << 11,  /* rrsim: a JSON summary at exit */
    LOG_PROGRESS    = 1u << 12,  /* rrsim: replay progress on stderr */
};

#define LOG_MAX_RANGES 16

typedef struct SimLog {
    uint32_t mask;               /* LOG_* items on */
    FILE *out;                   /* stderr, or the -D file */
    bool own;                    /* out is ours to close */
    int nranges;                 /* -dfilter: 0 = every address */
    struct { uint64_t lo, hi; } range[LOG_MAX_RANGES];   /* inclusive */
} SimLog;

/* Parse a -d list ("in_asm,int,..."). *help is set for "help" (and nothing
 * else is required then). Unknown items are ERR_USAGE naming the item. */
bool log_parse_items(const char *list, uint32_t *mask, bool *help, Error **errp);
/* Parse -dfilter RANGE[,RANGE...]: START+LEN, START-END, START..END
 * (END inclusive for '..' and '-' as in QEMU). ERR_USAGE when malformed. */
bool log_parse_dfilter(SimLog *l, const char *spec, Error **errp);
/* The -d help text, in QEMU's layout. */
void log_help(FILE *out);

/* Point the log at path (NULL: stderr). ERR_IO naming -D and the path. */
bool log_open(SimLog *l, const char *path, Error **errp);
void log_close(SimLog *l);

static inline bool log_on(const SimLog *l, uint32_t item)
{
    return l && (l->mask & item);
}
/* Is addr inside the -dfilter ranges (or are there none)? */
bool log_addr_in(const SimLog *l, uint64_t addr);

void log_printf(SimLog *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print when item is on: the one call devices and the hart use to report
 * guest mistakes (LOG_GUEST_ERROR) and unmodelled features (LOG_UNIMP). */
void log_mask(SimLog *l, uint32_t item, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
