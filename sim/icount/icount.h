/*
 * icount: instruction counting and the virtual clock.
 *
 * Only this module turns instructions into time. CLOCK_VIRTUAL (ns) is
 *     (steps << shift) + bias
 * where steps is the hart's exact step count (hart_icount()) and bias grows
 * only by warps: when the hart idles (WFI, nothing pending) the clock jumps to
 * the next VIRTUAL deadline (sleep=off), or advances by however much host time
 * passed while waiting (sleep=on; the amount is then an input that
 * sim/replay records and replays).
 *
 * The machine asks icount_budget() how many steps the hart may run before the
 * next VIRTUAL deadline, so timers fire at the same instruction in every run.
 *
 * Options follow QEMU: -icount shift=N|auto[,sleep=on|off][,align=on|off]
 * [,rr=record|replay,rrfile=PATH][,rrsnapshot=NAME]. The rr* keys are parsed
 * here and handed to sim/replay and snapshots.
 */
#ifndef RRSIM_SIM_ICOUNT_ICOUNT_H
#define RRSIM_SIM_ICOUNT_ICOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/base/error.h"
#include "sim/loop/loop.h"

#define ICOUNT_MAX_SHIFT 10
#define ICOUNT_DEFAULT_SHIFT 0    /* 1 ns per step: a 1 GHz-like guest */

typedef enum IcountRR { ICOUNT_RR_NONE = 0, ICOUNT_RR_RECORD, ICOUNT_RR_REPLAY } IcountRR;

typedef struct IcountOptions {
    int shift;             /* 0..ICOUNT_MAX_SHIFT */
    bool shift_auto;       /* shift=auto */
    bool sleep;            /* sleep=on: idle waits in host time */
    bool align;            /* align=on: keep virtual time from running ahead of host time */
    IcountRR rr;
    char *rrfile;          /* owned; NULL if none */
    char *rrsnapshot;      /* owned; NULL if none */
} IcountOptions;

/* Defaults: shift=0, sleep=off, align=off, rr none. */
void icount_options_init(IcountOptions *o);
/* Parse "shift=3,sleep=off,rr=record,rrfile=x.rr" (QEMU syntax; a bare number
 * means shift=N). Errors are ERR_USAGE and name the bad key. */
bool icount_options_parse(IcountOptions *o, const char *spec, Error **errp);
void icount_options_free(IcountOptions *o);

typedef struct Icount Icount;

/* Create and install as the loop's CLOCK_VIRTUAL source. get_steps returns the
 * hart's exact step count. */
Icount *icount_new(Loop *loop, const IcountOptions *o,
                   uint64_t (*get_steps)(void *opaque), void *opaque, Error **errp);
void icount_free(Icount *ic);

int64_t icount_virtual_ns(Icount *ic);
int icount_shift(const Icount *ic);

/* Steps the hart may run before CLOCK_VIRTUAL reaches deadline_ns (absolute;
 * -1 = no deadline, returns max_budget). 0 if the deadline is already due.
 * The result is capped at max_budget. */
uint64_t icount_budget(Icount *ic, int64_t deadline_ns, uint64_t max_budget);

/* Idle warp: move CLOCK_VIRTUAL forward by delta_ns (>= 0) without steps. */
void icount_warp(Icount *ic, int64_t delta_ns);

/* Snapshot support: the warp bias (and shift) are machine state. */
int64_t icount_get_bias(const Icount *ic);
void icount_set_bias(Icount *ic, int64_t bias);

#endif
